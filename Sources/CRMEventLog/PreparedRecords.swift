package import Foundation

/// The records of one append, encoded by the caller before the append reaches the writer thread.
///
/// A record's bytes depend on the log's state in only four fields (position, stream version, recordedAt and,
/// when the event gives none, effectiveAt) and in its chain step (prevHash, hash). Everything else is encoded
/// on the caller's thread, where the events were just built and are still in its cache, into one contiguous
/// buffer. The writer thread then reads that buffer front to back (which the hardware prefetches) instead of
/// chasing each event's arrays and strings across cores, copies each record into the page LMDB reserves and
/// fills in the rest with ``RecordCodec/complete(_:position:streamVersion:recordedAt:effectiveFromRecordedAt:prevHash:)``.
package struct PreparedRecords: Sendable {
    /// The records back to back, their state-dependent fields zero.
    package var bytes: [UInt8] = []
    /// Record `i` is `bytes[offsets[i]..<offsets[i + 1]]` (prevHash and hash included).
    package var offsets: [Int] = [0]
    /// Per record: the event gave no effectiveAt, so it is the recordedAt.
    package var effectiveFromRecordedAt: [Bool] = []
    /// Per record: the event id.
    package var ids: [UUID] = []

    package var count: Int { ids.count }

    package init(minimumCapacity: Int = 0) {
        offsets.reserveCapacity(minimumCapacity + 1)
        effectiveFromRecordedAt.reserveCapacity(minimumCapacity)
        ids.reserveCapacity(minimumCapacity)
    }

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
        self.init(minimumCapacity: n)
        bytes.reserveCapacity(total)
        for entry in batch {
            for e in entry.events {
                append(
                    stream: entry.stream,
                    id: e.id,
                    type: e.type,
                    schemaVersion: e.schemaVersion,
                    metadata: e.metadata,
                    payloadSize: e.data.count
                ) { out in e.data.withUnsafeBytes { out.copyMemory(from: $0) } }
            }
        }
    }

    /// Appends one record; `writePayload` fills exactly `payloadSize` bytes.
    @inline(__always)
    package mutating func append(
        stream: String,
        id: UUID,
        type: String,
        schemaVersion: UInt16,
        metadata: EventMetadata,
        payloadSize: Int,
        writePayload: (UnsafeMutableRawBufferPointer) -> Void
    ) {
        let size = RecordCodec.recordSize(
            stream: stream.utf8.count,
            type: type.utf8.count,
            metadata: metadata,
            payload: payloadSize
        )
        let start = bytes.count
        // Grow geometrically without zeroing what is about to be written.
        if bytes.capacity < start + size { bytes.reserveCapacity(Swift.max(start + size, bytes.capacity * 2)) }
        bytes.append(contentsOf: repeatElement(0, count: size))
        bytes.withUnsafeMutableBytes { raw in
            RecordCodec.encodeUnchained(
                stream: stream,
                id: id,
                type: type,
                schemaVersion: schemaVersion,
                metadata: metadata,
                payloadSize: payloadSize,
                into: UnsafeMutableRawBufferPointer(rebasing: raw[start..<(start + size)]),
                writePayload: writePayload
            )
        }
        offsets.append(start + size)
        effectiveFromRecordedAt.append(metadata.effectiveAt == nil)
        ids.append(id)
    }

    /// Record `i`'s bytes.
    package func record(_ i: Int) -> ArraySlice<UInt8> { bytes[offsets[i]..<offsets[i + 1]] }

    /// Record `i` as the event it was encoded from (for idempotency checks, which compare bodies).
    package func event(_ i: Int) throws(EventLogError) -> (stream: String, event: NewEvent) {
        let r = try RecordCodec.decode(bytes: Array(record(i)))
        let metadata = EventMetadata(
            effectiveAt: effectiveFromRecordedAt[i] ? nil : r.effectiveAt,
            actor: r.actor,
            tenant: r.tenant,
            correlationId: r.correlationId,
            causationId: r.causationId
        )
        return (
            r.stream, NewEvent(id: r.id, type: r.type, schemaVersion: r.schemaVersion, data: r.data, metadata: metadata)
        )
    }
}

extension RecordCodec {
    /// Offsets of the state-dependent header fields (see the layout above).
    static let positionOffset = 1
    static let streamVersionOffset = 9
    static let recordedAtOffset = 17
    static let effectiveAtOffset = 25

    /// Bytes of the stored record of an event with these field sizes.
    @inline(__always)
    static func recordSize(stream: Int, type: Int, metadata: EventMetadata, payload: Int) -> Int {
        canonicalSize(
            stream: stream,
            type: type,
            actor: metadata.actor.utf8.count,
            tenant: metadata.tenant.utf8.count,
            data: payload,
            flags: flags(of: metadata)
        ) + 2 * hashSize
    }

    @inline(__always)
    static func flags(of metadata: EventMetadata) -> UInt8 {
        (metadata.correlationId != nil ? 1 : 0) | (metadata.causationId != nil ? 2 : 0)
    }

    /// Writes an event's stored record with position, stream version and recordedAt zero, effectiveAt zero when
    /// the event gives none, and prevHash and hash zero. `buffer` holds exactly the record.
    @inline(__always)
    static func encodeUnchained(
        stream: String,
        id: UUID,
        type: String,
        schemaVersion: UInt16,
        metadata: EventMetadata,
        payloadSize: Int,
        into buffer: UnsafeMutableRawBufferPointer,
        writePayload: (UnsafeMutableRawBufferPointer) -> Void
    ) {
        var w = RawWriter(buffer)
        w.put(formatVersion)
        w.put(UInt64(0))
        w.put(UInt64(0))
        w.put(UInt64(0))
        w.put(UInt64(bitPattern: metadata.effectiveAt ?? 0))
        w.put(id)
        w.put(schemaVersion)
        w.put(flags(of: metadata))
        if let c = metadata.correlationId { w.put(c) }
        if let c = metadata.causationId { w.put(c) }
        w.putShort(stream)
        w.putShort(type)
        w.putShort(metadata.actor)
        w.putShort(metadata.tenant)
        w.put(UInt32(payloadSize))
        writePayload(UnsafeMutableRawBufferPointer(rebasing: buffer[w.offset..<(w.offset + payloadSize)]))
        precondition(w.offset + payloadSize + 2 * hashSize == buffer.count, "record size mismatch")
        (buffer.baseAddress! + w.offset + payloadSize).initializeMemory(
            as: UInt8.self,
            repeating: 0,
            count: 2 * hashSize
        )
    }

    /// Fills in a prepared record's state-dependent fields and its prevHash, in place, but not its hash.
    @inline(__always)
    package static func patch(
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
        (record.baseAddress! + record.count - 2 * hashSize).copyMemory(from: prevHash.baseAddress!, byteCount: hashSize)
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
        patch(
            record,
            position: position,
            streamVersion: streamVersion,
            recordedAt: recordedAt,
            effectiveFromRecordedAt: effectiveFromRecordedAt,
            prevHash: prevHash
        )
        let canonicalEnd = record.count - 2 * hashSize
        writeHash(
            prevHash: prevHash,
            canonical: UnsafeRawBufferPointer(rebasing: record[0..<canonicalEnd]),
            into: record.baseAddress! + canonicalEnd + hashSize
        )
    }

}
