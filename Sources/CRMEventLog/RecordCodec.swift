import Crypto
import Foundation

/// The canonical byte form of a stored event and its hash-chain step. Both log implementations use it, so the
/// same history has the same hashes in memory, in LMDB and after export and import.
///
/// Layout (little-endian): format `u8` = 1, position `u64`, streamVersion `u64`, recordedAt `i64`,
/// effectiveAt `i64`, id 16 bytes, schemaVersion `u16`, flags `u8` (bit 0 correlation, bit 1 causation),
/// [correlation 16], [causation 16], stream `u16`+bytes, type `u16`+bytes, actor `u16`+bytes,
/// tenant `u16`+bytes, data `u32`+bytes. The stored record appends prevHash (32) and hash (32).
/// `hash = SHA-256(prevHash ‖ canonical bytes)`.
public enum RecordCodec {
    public static let formatVersion: UInt8 = 1
    public static let hashSize = ChainHash.byteCount
    /// Longest type, actor or tenant in bytes.
    public static let maxShortField = 1024

    /// Size of the canonical bytes of an event.
    public static func canonicalSize(stream: Int, type: Int, actor: Int, tenant: Int, data: Int, flags: UInt8) -> Int {
        var n = 1 + 8 + 8 + 8 + 8 + 16 + 2 + 1
        if flags & 1 != 0 { n += 16 }
        if flags & 2 != 0 { n += 16 }
        return n + 2 + stream + 2 + type + 2 + actor + 2 + tenant + 4 + data
    }

    /// Bytes of the stored record (canonical bytes, prevHash, hash) of `event` in `stream`.
    public static func recordSize(stream: String, event: NewEvent) -> Int {
        canonicalSize(
            stream: stream.utf8.count,
            type: event.type.utf8.count,
            actor: event.metadata.actor.utf8.count,
            tenant: event.metadata.tenant.utf8.count,
            data: event.data.count,
            flags: flags(of: event)
        ) + 2 * hashSize
    }

    /// The record's flags byte: bit 0 a correlation id, bit 1 a causation id.
    @inline(__always)
    static func flags(of event: NewEvent) -> UInt8 { flags(of: event.metadata) }

    /// Writes the full stored record (canonical bytes, prevHash, hash) for `event` into `out` and returns the
    /// new hash.
    @discardableResult
    public static func encodeRecord(
        position: UInt64,
        streamVersion: UInt64,
        stream: String,
        event: NewEvent,
        recordedAt: EpochMillis,
        prevHash: ChainHash,
        into out: inout [UInt8]
    ) -> ChainHash {
        let size = recordSize(stream: stream, event: event)
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: size))
        out.withUnsafeMutableBytes { b in
            prevHash.withUnsafeBytes { p in
                _ = encodeRecord(
                    position: position,
                    streamVersion: streamVersion,
                    stream: stream,
                    event: event,
                    recordedAt: recordedAt,
                    prevHash: p,
                    into: UnsafeMutableRawBufferPointer(rebasing: b[start..<(start + size)])
                )
            }
        }
        return out.withUnsafeBytes {
            ChainHash(copying: UnsafeRawBufferPointer(rebasing: $0[(start + size - hashSize)...]))
        }
    }

    /// Writes the stored record into `buffer`, which must hold exactly ``recordSize(stream:event:)`` bytes (e.g. the
    /// space LMDB reserved for it), and returns the bytes written. `prevHash` is 32 bytes; the new hash is the
    /// record's last 32 bytes.
    @inline(__always)
    public static func encodeRecord(
        position: UInt64,
        streamVersion: UInt64,
        stream: String,
        event: NewEvent,
        recordedAt: EpochMillis,
        prevHash: UnsafeRawBufferPointer,
        into buffer: UnsafeMutableRawBufferPointer
    ) -> Int {
        precondition(prevHash.count == hashSize && buffer.count >= recordSize(stream: stream, event: event))
        var w = RawWriter(buffer)
        w.put(formatVersion)
        w.put(position)
        w.put(streamVersion)
        w.put(UInt64(bitPattern: recordedAt))
        w.put(UInt64(bitPattern: event.metadata.effectiveAt ?? recordedAt))
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
        let canonicalEnd = w.offset
        w.put(bytes: prevHash)
        writeHash(
            prevHash: prevHash,
            canonical: UnsafeRawBufferPointer(rebasing: buffer[0..<canonicalEnd]),
            into: buffer.baseAddress! + w.offset
        )
        return w.offset + hashSize
    }

    /// Writes SHA-256(prevHash ‖ canonical), 32 bytes, at `out`.
    @inline(__always)
    static func writeHash(
        prevHash: UnsafeRawBufferPointer,
        canonical: UnsafeRawBufferPointer,
        into out: UnsafeMutableRawPointer
    ) {
        var h = SHA256()
        h.update(bufferPointer: prevHash)
        h.update(bufferPointer: canonical)
        h.finalize().withUnsafeBytes { out.copyMemory(from: $0.baseAddress!, byteCount: hashSize) }
    }

    /// Writes little-endian fields into raw memory the caller sized.
    struct RawWriter {
        let buffer: UnsafeMutableRawBufferPointer
        var offset = 0

        init(_ buffer: UnsafeMutableRawBufferPointer) { self.buffer = buffer }

        @inline(__always)
        mutating func put<T: FixedWidthInteger>(_ v: T) {
            buffer.storeBytes(of: v.littleEndian, toByteOffset: offset, as: T.self)
            offset += MemoryLayout<T>.size
        }

        @inline(__always)
        mutating func put(_ u: UUID) {
            withUnsafeBytes(of: u.uuid) { put(bytes: $0) }
        }

        @inline(__always)
        mutating func put(bytes: UnsafeRawBufferPointer) {
            guard let base = bytes.baseAddress, bytes.count > 0 else { return }
            (buffer.baseAddress! + offset).copyMemory(from: base, byteCount: bytes.count)
            offset += bytes.count
        }

        @inline(__always)
        mutating func putShort(_ s: String) {
            var s = s
            s.withUTF8 { u in
                put(UInt16(truncatingIfNeeded: u.count))
                put(bytes: UnsafeRawBufferPointer(u))
            }
        }
    }

    /// SHA-256 over `prevHash` followed by `canonical[range]`.
    public static func chainHash(prevHash: ChainHash, canonical: [UInt8], range: Range<Int>) -> ChainHash {
        var h = SHA256()
        prevHash.withUnsafeBytes { h.update(bufferPointer: $0) }
        canonical.withUnsafeBytes { raw in h.update(bufferPointer: UnsafeRawBufferPointer(rebasing: raw[range])) }
        return h.finalize().withUnsafeBytes { ChainHash(copying: $0) }
    }

    /// SHA-256 over `prevHash` followed by `canonical`.
    public static func chainHash(prevHash: UnsafeRawBufferPointer, canonical: UnsafeRawBufferPointer) -> ChainHash {
        var h = SHA256()
        h.update(bufferPointer: prevHash)
        h.update(bufferPointer: canonical)
        return h.finalize().withUnsafeBytes { ChainHash(copying: $0) }
    }

    /// Decodes a stored record. Throws ``EventLogError/Code/corrupt`` when the bytes are not a record.
    public static func decode(_ raw: UnsafeRawBufferPointer) throws(EventLogError) -> RecordedEvent {
        var r = Reader(raw)
        guard let format = r.u8(), format == formatVersion else {
            throw .corrupt("record has format \(raw.first.map(String.init) ?? "none"); expected \(formatVersion)")
        }
        guard let position = r.u64(), let version = r.u64(), let recorded = r.u64(), let effective = r.u64(),
            let id = r.uuid(), let schema = r.u16(), let flags = r.u8()
        else { throw .corrupt("record header truncated") }
        var correlation: UUID?
        var causation: UUID?
        if flags & 1 != 0 {
            guard let c = r.uuid() else { throw .corrupt("record correlation id truncated") }
            correlation = c
        }
        if flags & 2 != 0 {
            guard let c = r.uuid() else { throw .corrupt("record causation id truncated") }
            causation = c
        }
        guard let stream = r.short(), let type = r.short(), let actor = r.short(), let tenant = r.short(),
            let dataLen = r.u32(), let data = r.bytes(Int(dataLen)), let prev = r.chainHash(), let hash = r.chainHash(),
            r.atEnd
        else { throw .corrupt("record at position \(position) is truncated or has trailing bytes") }
        return RecordedEvent(
            position: position,
            stream: stream,
            streamVersion: version,
            id: id,
            type: type,
            schemaVersion: schema,
            recordedAt: EpochMillis(bitPattern: recorded),
            effectiveAt: EpochMillis(bitPattern: effective),
            actor: actor,
            tenant: tenant,
            correlationId: correlation,
            causationId: causation,
            data: data,
            prevHash: prev,
            hash: hash
        )
    }

    /// Decodes a stored record held in an array.
    public static func decode(bytes: [UInt8]) throws(EventLogError) -> RecordedEvent {
        let result: Result<RecordedEvent, EventLogError> = bytes.withUnsafeBytes { raw in
            do throws(EventLogError) { return .success(try decode(raw)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    /// The canonical bytes of a decoded event (for re-hashing during verification and import).
    public static func canonicalBytes(of e: RecordedEvent) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(128 + e.data.count)
        let event = NewEvent(
            id: e.id,
            type: e.type,
            schemaVersion: e.schemaVersion,
            data: e.data,
            metadata: EventMetadata(
                effectiveAt: e.effectiveAt,
                actor: e.actor,
                tenant: e.tenant,
                correlationId: e.correlationId,
                causationId: e.causationId
            )
        )
        encodeRecord(
            position: e.position,
            streamVersion: e.streamVersion,
            stream: e.stream,
            event: event,
            recordedAt: e.recordedAt,
            prevHash: .zero,
            into: &out
        )
        out.removeLast(64)
        return out
    }

    /// Recomputes the hash of `e` from its canonical bytes and `e.prevHash`.
    public static func recomputeHash(_ e: RecordedEvent) -> ChainHash {
        let c = canonicalBytes(of: e)
        return chainHash(prevHash: e.prevHash, canonical: c, range: 0..<c.count)
    }

    /// Whether two events carry the same body (type, schema, data and caller metadata), for idempotency.
    public static func sameBody(_ stored: RecordedEvent, _ new: NewEvent) -> Bool {
        stored.type == new.type && stored.schemaVersion == new.schemaVersion && stored.data == new.data
            && stored.actor == new.metadata.actor && stored.tenant == new.metadata.tenant
            && stored.correlationId == new.metadata.correlationId && stored.causationId == new.metadata.causationId
            && (new.metadata.effectiveAt == nil || new.metadata.effectiveAt == stored.effectiveAt)
    }

    // MARK: Helpers

    struct Reader {
        let raw: UnsafeRawBufferPointer
        var i = 0

        init(_ raw: UnsafeRawBufferPointer) { self.raw = raw }

        var atEnd: Bool { i == raw.count }

        mutating func skip(_ n: Int) -> Bool {
            guard raw.count - i >= n else { return false }
            i += n
            return true
        }

        mutating func u8() -> UInt8? {
            guard i < raw.count else { return nil }
            defer { i += 1 }
            return raw[i]
        }

        mutating func fixed<T: FixedWidthInteger>(_: T.Type) -> T? {
            let n = MemoryLayout<T>.size
            guard raw.count - i >= n else { return nil }
            defer { i += n }
            return T(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: T.self))
        }

        mutating func u16() -> UInt16? { fixed(UInt16.self) }
        mutating func u32() -> UInt32? { fixed(UInt32.self) }
        mutating func u64() -> UInt64? { fixed(UInt64.self) }

        mutating func uuid() -> UUID? {
            guard raw.count - i >= 16 else { return nil }
            defer { i += 16 }
            return UUID(uuid: raw.loadUnaligned(fromByteOffset: i, as: uuid_t.self))
        }

        mutating func bytes(_ n: Int) -> [UInt8]? {
            guard n >= 0, raw.count - i >= n else { return nil }
            defer { i += n }
            return Array(UnsafeRawBufferPointer(rebasing: raw[i..<(i + n)]))
        }

        mutating func chainHash() -> ChainHash? {
            guard raw.count - i >= ChainHash.byteCount else { return nil }
            defer { i += ChainHash.byteCount }
            return ChainHash(copying: UnsafeRawBufferPointer(rebasing: raw[i..<(i + ChainHash.byteCount)]))
        }

        mutating func shortRaw() -> UnsafeRawBufferPointer? {
            guard let n = u16(), raw.count - i >= Int(n) else { return nil }
            defer { i += Int(n) }
            return UnsafeRawBufferPointer(rebasing: raw[i..<(i + Int(n))])
        }

        mutating func short() -> String? {
            guard let b = shortRaw() else { return nil }
            return String(decoding: b, as: UTF8.self)
        }
    }
}
