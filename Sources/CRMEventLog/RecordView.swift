public import Foundation

/// A borrowed, zero-copy view of one stored record (see ``RecordCodec`` for the layout), handed to the body of
/// ``EventLog/scan(from:through:filter:_:)``.
///
/// The view points into the log's storage (an LMDB memory map, or the in-memory log's buffer). It is valid only
/// inside the callback that receives it: do not store it, return it or let any of its raw buffers escape. Copy
/// what you need to keep, or call ``materialize()`` to get an owned ``RecordedEvent``.
///
/// The record's layout is checked once, when the view is made, so every accessor is a bounds-checked-once load
/// without allocation. The string conveniences (``stream``, ``type``, ``actor``, ``tenant``) allocate; the raw
/// UTF-8 accessors (``streamBytes``, ``typeBytes``, ...) do not.
///
/// ```swift
/// try log.scan(from: 1, through: nil, filter: .category("customer")) { view in
///     projection.apply(type: view.typeBytes, payload: view.data, at: view.position)
///     return true  // false stops the scan
/// }
/// ```
public struct RecordView {
    /// The whole stored record: canonical bytes, then `prevHash` (32 bytes) and `hash` (32 bytes).
    public let bytes: UnsafeRawBufferPointer
    // Offsets of the u16/u32 length prefixes of the variable fields (all validated to be in bounds).
    @usableFromInline let streamAt: UInt32
    @usableFromInline let typeAt: UInt32
    @usableFromInline let actorAt: UInt32
    @usableFromInline let tenantAt: UInt32
    @usableFromInline let dataAt: UInt32

    /// Size of the fixed header: format, position, streamVersion, recordedAt, effectiveAt, id, schemaVersion,
    /// flags.
    @usableFromInline static let headerSize = 1 + 8 + 8 + 8 + 8 + 16 + 2 + 1
    @usableFromInline static let trailerSize = 2 * RecordCodec.hashSize

    /// Checks the layout of the stored record `bytes` and makes a view over it (no copy).
    ///
    /// The checks: the format version, every length prefix within bounds, and exactly 64 bytes of hashes after
    /// the payload. Hashes and UTF-8 are not checked (``ChainVerifier`` checks the hashes).
    ///
    /// - Throws: ``EventLogError`` with ``EventLogError/Code/corrupt`` when `bytes` is not a record; the message
    ///   names the record's position when it can be read.
    public init(validating bytes: UnsafeRawBufferPointer) throws(EventLogError) {
        try self.init(validating: bytes, storedAt: nil)
    }

    /// Like ``init(validating:)``; `storedAt` is the position the storage filed the record under, named in the
    /// error message and checked against the record's own position.
    package init(validating bytes: UnsafeRawBufferPointer, storedAt key: UInt64?) throws(EventLogError) {
        let n = bytes.count
        func fail(_ what: String) -> EventLogError {
            // The storage's position first: the record's own may be garbage.
            let pos: UInt64? =
                key ?? (n >= 9 ? UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 1, as: UInt64.self)) : nil)
            let at = pos.map { "record at position \($0)" } ?? "record"
            return .corrupt("\(at) \(what); the log's storage is damaged (restore from a backup or an export)")
        }
        guard n > 0, bytes[0] == RecordCodec.formatVersion else {
            throw fail("has format \(n > 0 ? String(bytes[0]) : "none") (expected \(RecordCodec.formatVersion))")
        }
        guard n >= Self.headerSize + 2 * 4 + 4 + Self.trailerSize else { throw fail("is truncated (\(n) bytes)") }
        if let key {
            let p = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 1, as: UInt64.self))
            guard p == key else { throw fail("says it is position \(p)") }
        }
        let flags = bytes[Self.headerSize - 1]
        var i = Self.headerSize + (flags & 1 != 0 ? 16 : 0) + (flags & 2 != 0 ? 16 : 0)
        // Limit for the four short fields and the data length prefix: the trailer must still fit.
        let limit = n - Self.trailerSize
        @inline(__always) func short(_ i: inout Int) -> UInt32? {
            guard limit - i >= 2 else { return nil }
            let at = i
            let len = Int(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: i, as: UInt16.self)))
            guard limit - i - 2 >= len else { return nil }
            i += 2 + len
            return UInt32(truncatingIfNeeded: at)
        }
        guard let s = short(&i), let t = short(&i), let a = short(&i), let te = short(&i) else {
            throw fail("is truncated in its stream, type, actor or tenant")
        }
        guard limit - i >= 4 else { throw fail("is truncated before its payload") }
        let dataLen = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: i, as: UInt32.self)))
        guard limit - i - 4 == dataLen else {
            throw fail(
                limit - i - 4 < dataLen
                    ? "is truncated in its payload (\(dataLen) bytes announced)" : "has trailing bytes after its hashes"
            )
        }
        self.bytes = bytes
        streamAt = s
        typeAt = t
        actorAt = a
        tenantAt = te
        dataAt = UInt32(truncatingIfNeeded: i)
    }

    // MARK: Fixed fields

    @inlinable @inline(__always)
    func load<T: FixedWidthInteger>(_ offset: Int, _: T.Type) -> T {
        T(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: T.self))
    }

    /// Global position: 1, 2, 3, ... in commit order.
    @inlinable public var position: UInt64 { load(1, UInt64.self) }
    /// 0-based version within the stream.
    @inlinable public var streamVersion: UInt64 { load(9, UInt64.self) }
    /// When the log stored the event (milliseconds since 1970, UTC).
    @inlinable public var recordedAt: EpochMillis { EpochMillis(bitPattern: load(17, UInt64.self)) }
    /// Business time (milliseconds since 1970, UTC); may be earlier than ``recordedAt``.
    @inlinable public var effectiveAt: EpochMillis { EpochMillis(bitPattern: load(25, UInt64.self)) }
    /// The event id (the idempotency key).
    @inlinable public var id: UUID { UUID(uuid: bytes.loadUnaligned(fromByteOffset: 33, as: uuid_t.self)) }
    /// The payload's schema version.
    @inlinable public var schemaVersion: UInt16 { load(49, UInt16.self) }

    @inlinable var flags: UInt8 { bytes[Self.headerSize - 1] }

    /// The correlation id, if the event has one.
    @inlinable public var correlationId: UUID? {
        guard flags & 1 != 0 else { return nil }
        return UUID(uuid: bytes.loadUnaligned(fromByteOffset: Self.headerSize, as: uuid_t.self))
    }

    /// The causation id, if the event has one.
    @inlinable public var causationId: UUID? {
        let f = flags
        guard f & 2 != 0 else { return nil }
        let at = Self.headerSize + (f & 1 != 0 ? 16 : 0)
        return UUID(uuid: bytes.loadUnaligned(fromByteOffset: at, as: uuid_t.self))
    }

    // MARK: Variable fields, borrowed

    @inlinable @inline(__always)
    func short(_ at: UInt32) -> UnsafeRawBufferPointer {
        let i = Int(at)
        let len = Int(load(i, UInt16.self))
        return UnsafeRawBufferPointer(start: bytes.baseAddress! + i + 2, count: len)
    }

    /// The stream name's UTF-8 bytes (borrowed; valid only inside the callback).
    @inlinable public var streamBytes: UnsafeRawBufferPointer { short(streamAt) }
    /// The event type's UTF-8 bytes (borrowed).
    @inlinable public var typeBytes: UnsafeRawBufferPointer { short(typeAt) }
    /// The actor's UTF-8 bytes (borrowed).
    @inlinable public var actorBytes: UnsafeRawBufferPointer { short(actorAt) }
    /// The tenant's UTF-8 bytes (borrowed).
    @inlinable public var tenantBytes: UnsafeRawBufferPointer { short(tenantAt) }

    /// The UTF-8 bytes of the stream's category: the part of the name before the first `-` (borrowed).
    @inlinable public var categoryBytes: UnsafeRawBufferPointer {
        let s = streamBytes
        guard let dash = s.firstIndex(of: UInt8(ascii: "-")) else { return s }
        return UnsafeRawBufferPointer(rebasing: s[..<dash])
    }

    /// The payload (borrowed; valid only inside the callback).
    @inlinable public var data: UnsafeRawBufferPointer {
        let i = Int(dataAt)
        return UnsafeRawBufferPointer(start: bytes.baseAddress! + i + 4, count: Int(load(i, UInt32.self)))
    }

    /// SHA-256 of the previous event, 32 bytes (borrowed).
    @inlinable public var prevHash: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: bytes[(bytes.count - Self.trailerSize)..<(bytes.count - RecordCodec.hashSize)])
    }

    /// SHA-256 over ``prevHash`` and ``canonicalBytes``, 32 bytes (borrowed).
    @inlinable public var hash: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: bytes[(bytes.count - RecordCodec.hashSize)...])
    }

    /// The canonical bytes the hash covers: the record without its trailing `prevHash` and `hash` (borrowed).
    @inlinable public var canonicalBytes: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: bytes[..<(bytes.count - Self.trailerSize)])
    }

    // MARK: Conveniences that allocate

    /// The stream name (decoded from ``streamBytes``; allocates for names longer than 15 bytes).
    @inlinable public var stream: String { String(decoding: streamBytes, as: UTF8.self) }
    /// The event type.
    @inlinable public var type: String { String(decoding: typeBytes, as: UTF8.self) }
    /// Who caused the event.
    @inlinable public var actor: String { String(decoding: actorBytes, as: UTF8.self) }
    /// The tenant.
    @inlinable public var tenant: String { String(decoding: tenantBytes, as: UTF8.self) }

    /// Whether the stream name is exactly `stream` (compares bytes, no allocation).
    @inlinable public func isStream(_ stream: String) -> Bool {
        var s = stream
        return s.withUTF8 { RecordView.equal(streamBytes, UnsafeRawBufferPointer($0)) }
    }

    /// Whether the event type is exactly `type` (compares bytes, no allocation).
    @inlinable public func isType(_ type: String) -> Bool {
        var t = type
        return t.withUTF8 { RecordView.equal(typeBytes, UnsafeRawBufferPointer($0)) }
    }

    /// An owned copy of the event, for keeping it beyond the callback.
    ///
    /// - Throws: ``EventLogError`` with ``EventLogError/Code/corrupt`` if the record cannot be decoded. The view
    ///   checked the layout when it was made, so today this does not fail; the signature leaves room for checks
    ///   made only on materialization.
    public func materialize() throws(EventLogError) -> RecordedEvent {
        RecordedEvent(
            position: position,
            stream: stream,
            streamVersion: streamVersion,
            id: id,
            type: type,
            schemaVersion: schemaVersion,
            recordedAt: recordedAt,
            effectiveAt: effectiveAt,
            actor: actor,
            tenant: tenant,
            correlationId: correlationId,
            causationId: causationId,
            data: Array(data),
            prevHash: ChainHash(copying: prevHash),
            hash: ChainHash(copying: hash)
        )
    }

    /// ``materialize()`` for a batch of records: names seen recently in `names` are reused instead of being
    /// decoded and validated again (and, for stream names over 15 bytes, allocated again).
    package func materialize(reusing names: inout RecentNames) -> RecordedEvent {
        RecordedEvent(
            position: position,
            stream: names.stream.string(streamBytes),
            streamVersion: streamVersion,
            id: id,
            type: names.type.string(typeBytes),
            schemaVersion: schemaVersion,
            recordedAt: recordedAt,
            effectiveAt: effectiveAt,
            actor: names.actor.string(actorBytes),
            tenant: names.tenant.string(tenantBytes),
            correlationId: correlationId,
            causationId: causationId,
            data: Array(data),
            prevHash: ChainHash(copying: prevHash),
            hash: ChainHash(copying: hash)
        )
    }

    @inlinable @inline(__always)
    static func equal(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        guard a.count == b.count else { return false }
        if a.isEmpty { return true }
        return memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0
    }
}

// A view borrows storage that is valid only inside the scan's callback; it must not cross threads.
@available(*, unavailable)
extension RecordView: Sendable {}

/// What a ``EventLog/scan(from:through:filter:_:)`` did.
public struct ScanSummary: Sendable, Hashable {
    /// Records read from storage, matching the filter or not.
    public var scanned: UInt64
    /// Records handed to the callback.
    public var delivered: UInt64
    /// Position of the last record read (0 when none was), whether or not it matched. Resume after it.
    public var lastPosition: UInt64
    /// True when the callback returned `false` and the scan stopped before its end.
    public var stoppedEarly: Bool

    /// A summary with these figures (implementations of ``EventLog`` make one per scan).
    public init(scanned: UInt64, delivered: UInt64, lastPosition: UInt64, stoppedEarly: Bool) {
        self.scanned = scanned
        self.delivered = delivered
        self.lastPosition = lastPosition
        self.stoppedEarly = stoppedEarly
    }
}

/// A ``ReadFilter`` prepared for matching stored records by their bytes, without allocation.
package struct RecordFilter: Sendable {
    enum Kind: Sendable {
        case all
        case stream([UInt8])
        case category([UInt8])
        case types([[UInt8]])
    }

    let kind: Kind

    package init(_ filter: ReadFilter) {
        switch filter {
        case .all: kind = .all
        case .stream(let s): kind = .stream(Array(s.utf8))
        case .category(let c): kind = .category(Array(c.utf8))
        case .eventTypes(let t): kind = .types(t.map { Array($0.utf8) })
        }
    }

    package var matchesEverything: Bool {
        if case .all = kind { return true }
        return false
    }

    /// Whether a record with these stream and type bytes matches.
    @inline(__always)
    package func matches(stream: UnsafeRawBufferPointer, type: UnsafeRawBufferPointer) -> Bool {
        switch kind {
        case .all:
            return true
        case .stream(let name):
            return name.withUnsafeBytes { RecordView.equal(stream, $0) }
        case .category(let c):
            let cat: UnsafeRawBufferPointer
            if let dash = stream.firstIndex(of: UInt8(ascii: "-")) {
                cat = UnsafeRawBufferPointer(rebasing: stream[..<dash])
            } else {
                cat = stream
            }
            return c.withUnsafeBytes { RecordView.equal(cat, $0) }
        case .types(let types):
            for t in types where t.withUnsafeBytes({ RecordView.equal(type, $0) }) { return true }
            return false
        }
    }

    /// Whether `view` matches.
    @inline(__always)
    package func matches(_ view: RecordView) -> Bool {
        if case .all = kind { return true }
        return matches(stream: view.streamBytes, type: view.typeBytes)
    }
}

extension EventLog {
    /// ``verifyChain()`` over ``scan(from:through:filter:_:)``: every hash is recomputed from the stored
    /// canonical bytes, without decoding or re-encoding events, and nothing is allocated per record.
    package func verifyChainByScan() throws(EventLogError) -> ChainVerification {
        var verifier = ChainVerifier()
        do {
            try scan(from: 1, through: nil, filter: .all) { verifier.check($0) }
        } catch let error as EventLogError {
            throw error
        } catch {
            throw .storage("chain verification failed: \(error)")  // unreachable: the body does not throw
        }
        return verifier.result
    }
}

/// The last few strings decoded for each name field of a batch of records (see
/// ``RecordView/materialize(reusing:)``). Types, actors and tenants repeat a lot; a stream name often repeats in
/// neighbouring records of one aggregate. Nothing is allocated to remember them beyond the strings themselves.
package struct RecentNames: Sendable {
    /// The four strings stored last, compared with new bytes before decoding them.
    package struct Slots: Sendable {
        private var a = ""
        private var b = ""
        private var c = ""
        private var d = ""
        private var next = 0

        @inline(__always)
        private static func holds(_ s: inout String, _ utf8: UnsafeRawBufferPointer) -> Bool {
            s.utf8.count == utf8.count && s.withUTF8 { RecordView.equal(UnsafeRawBufferPointer($0), utf8) }
        }

        @inline(__always)
        mutating func string(_ utf8: UnsafeRawBufferPointer) -> String {
            if utf8.isEmpty { return "" }
            if Self.holds(&a, utf8) { return a }
            if Self.holds(&b, utf8) { return b }
            if Self.holds(&c, utf8) { return c }
            if Self.holds(&d, utf8) { return d }
            let s = String(decoding: utf8, as: UTF8.self)
            switch next {
            case 0: a = s
            case 1: b = s
            case 2: c = s
            default: d = s
            }
            next = (next + 1) & 3
            return s
        }
    }

    var stream = Slots()
    var type = Slots()
    var actor = Slots()
    var tenant = Slots()

    package init() {}
}
