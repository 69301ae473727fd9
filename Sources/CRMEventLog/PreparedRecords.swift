package import Foundation

/// The records of one append, encoded by the caller before the append reaches the writer thread.
///
/// A record's bytes depend on the log's state in only four fields (position, stream version, recordedAt and,
/// when the event gives none, effectiveAt) and in its chain step (prevHash, hash). Everything else is encoded
/// here, on the caller's thread, where the events were just built and are still in its cache, into one
/// contiguous buffer. The writer thread then reads that buffer front to back (which the hardware prefetches)
/// instead of chasing each event's arrays and strings across cores, copies each record into the page LMDB
/// reserves and fills in the rest with ``RecordCodec/complete(_:position:streamVersion:recordedAt:effectiveFromRecordedAt:prevHash:)``.
package struct PreparedRecords: Sendable {
    /// The records back to back, their state-dependent fields zero.
    package var bytes: [UInt8]
    /// Record `i` is `bytes[offsets[i]..<offsets[i + 1]]` (prevHash and hash included).
    package var offsets: [Int]
    /// Per record: the event gave no effectiveAt, so it is the recordedAt.
    package var effectiveFromRecordedAt: [Bool]
    /// Per record: the event id.
    package var ids: [UUID]

    package var count: Int { ids.count }

    /// Encodes every event of `batch`, entry by entry, events in order (the order the writer assigns positions).
    package init(_ batch: [StreamAppend]) {
        var total = 0
        var n = 0
        for entry in batch {
            for e in entry.events {
                total += RecordCodec.recordSize(stream: entry.stream, event: e)
                n += 1
            }
        }
        var offsets: [Int] = []
        offsets.reserveCapacity(n + 1)
        var effective: [Bool] = []
        effective.reserveCapacity(n)
        var ids: [UUID] = []
        ids.reserveCapacity(n)
        let bytes = [UInt8](unsafeUninitializedCapacity: total) { buffer, initialized in
            let raw = UnsafeMutableRawBufferPointer(buffer)
            var offset = 0
            for entry in batch {
                for e in entry.events {
                    offsets.append(offset)
                    effective.append(e.metadata.effectiveAt == nil)
                    ids.append(e.id)
                    offset += RecordCodec.encodeUnchained(
                        stream: entry.stream,
                        event: e,
                        into: UnsafeMutableRawBufferPointer(rebasing: raw[offset...])
                    )
                }
            }
            offsets.append(offset)
            initialized = offset
        }
        self.bytes = bytes
        self.offsets = offsets
        self.effectiveFromRecordedAt = effective
        self.ids = ids
    }
}

extension RecordCodec {
    /// Offsets of the state-dependent header fields (see the layout above).
    static let positionOffset = 1
    static let streamVersionOffset = 9
    static let recordedAtOffset = 17
    static let effectiveAtOffset = 25

    /// Writes `event`'s stored record with position, stream version and recordedAt zero, effectiveAt zero when the
    /// event gives none, and prevHash and hash zero. Returns its size (``recordSize(stream:event:)``).
    static func encodeUnchained(stream: String, event: NewEvent, into buffer: UnsafeMutableRawBufferPointer) -> Int {
        let size = recordSize(stream: stream, event: event)
        precondition(buffer.count >= size)
        var w = RawWriter(buffer)
        w.put(formatVersion)
        w.put(UInt64(0))
        w.put(UInt64(0))
        w.put(UInt64(0))
        w.put(UInt64(bitPattern: event.metadata.effectiveAt ?? 0))
        w.put(event.id)
        w.put(event.schemaVersion)
        w.put(flags(of: event))
        if let c = event.metadata.correlationId { w.put(c) }
        if let c = event.metadata.causationId { w.put(c) }
        w.putShort(stream)
        w.putShort(event.type)
        w.putShort(event.metadata.actor)
        w.putShort(event.metadata.tenant)
        w.put(UInt32(event.data.count))
        event.data.withUnsafeBytes { w.put(bytes: $0) }
        (buffer.baseAddress! + w.offset).initializeMemory(as: UInt8.self, repeating: 0, count: 2 * hashSize)
        return size
    }

    /// Completes a record ``PreparedRecords`` encoded, in place: fills in position, stream version, recordedAt
    /// (and effectiveAt when `effectiveFromRecordedAt`), prevHash, and the hash over prevHash and the canonical
    /// bytes. The result is byte for byte what
    /// ``encodeRecord(position:streamVersion:stream:event:recordedAt:prevHash:into:)`` writes.
    @inline(__always)
    package static func complete(
        _ record: UnsafeMutableRawBufferPointer,
        position: UInt64,
        streamVersion: UInt64,
        recordedAt: EpochMillis,
        effectiveFromRecordedAt: Bool,
        prevHash: UnsafeRawBufferPointer
    ) {
        precondition(prevHash.count == hashSize && record.count > effectiveAtOffset + 8 + 2 * hashSize)
        record.storeBytes(of: position.littleEndian, toByteOffset: positionOffset, as: UInt64.self)
        record.storeBytes(of: streamVersion.littleEndian, toByteOffset: streamVersionOffset, as: UInt64.self)
        let recorded = UInt64(bitPattern: recordedAt).littleEndian
        record.storeBytes(of: recorded, toByteOffset: recordedAtOffset, as: UInt64.self)
        if effectiveFromRecordedAt {
            record.storeBytes(of: recorded, toByteOffset: effectiveAtOffset, as: UInt64.self)
        }
        let canonicalEnd = record.count - 2 * hashSize
        let base = record.baseAddress!
        (base + canonicalEnd).copyMemory(from: prevHash.baseAddress!, byteCount: hashSize)
        writeHash(
            prevHash: prevHash,
            canonical: UnsafeRawBufferPointer(start: base, count: canonicalEnd),
            into: base + canonicalEnd + hashSize
        )
    }
}
