internal import Synchronization

// How the binary codec handles each type that reaches its generic paths, decided once per type.
//
// Deciding takes several runtime conformance checks (array? optional? `BinaryPrimitive`? `String`-raw enum?),
// and the standard `RawRepresentable` coding of an enum instantiates generic metadata on every call; together they
// cost more than reading the bytes. Plans are cached per type in a table that readers consult without locks,
// hashing or reference counting.

/// What the binary decoder does with a type.
enum _DecodePlan: Sendable {
    /// `init(from:)`.
    case plain
    /// Arrays, optionals (read by the decoder) and dictionaries, sets (rejected).
    case special(any _DecodingSpecial.Type)
    case primitive(any BinaryPrimitive.Type)
    case stringEnum(Unmanaged<_StringEnumTable>)

    static let cache = _TypeCache<_DecodePlan>()

    @inline(__always)
    static func of<T: Decodable>(_ type: T.Type) -> _DecodePlan {
        if let plan = cache.value(for: T.self) { return plan }
        let plan: _DecodePlan
        if let special = T.self as? any _DecodingSpecial.Type {
            plan = .special(special)
        } else if let primitive = T.self as? any BinaryPrimitive.Type {
            plan = .primitive(primitive)
        } else if let table = _StringEnumTable.of(T.self) {
            plan = .stringEnum(table)
        } else {
            plan = .plain
        }
        cache.insert(plan, for: T.self)
        return plan
    }
}

/// What the binary encoder does with a type.
enum _EncodePlan: Sendable {
    /// `encode(to:)`.
    case plain
    case special(any _BinaryEncodingSpecial.Type)
    case primitive(any BinaryPrimitive.Type)
    case stringEnum(Unmanaged<_StringEnumTable>)

    static let cache = _TypeCache<_EncodePlan>()

    @inline(__always)
    static func of<T: Encodable>(_ type: T.Type) -> _EncodePlan {
        if let plan = cache.value(for: T.self) { return plan }
        let plan: _EncodePlan
        if let special = T.self as? any _BinaryEncodingSpecial.Type {
            plan = .special(special)
        } else if let primitive = T.self as? any BinaryPrimitive.Type {
            plan = .primitive(primitive)
        } else if let table = _StringEnumTable.of(T.self) {
            plan = .stringEnum(table)
        } else {
            plan = .plain
        }
        cache.insert(plan, for: T.self)
        return plan
    }
}

// MARK: - Enum tables

/// The cases of a `String`-raw, `CaseIterable` enum without payloads: raw value bytes ↔ in-memory bits.
///
/// Such enums are written as their raw value (what their synthesized `Codable` writes too), but read and written
/// through this table instead of `init(rawValue:)`/`rawValue`, which generic code calls through freshly
/// instantiated metadata. The binary form of an enum is its raw value even if the enum customizes its `Codable`
/// (a customization applies to JSON only).
///
/// Tables are created once per enum type and never freed, like type metadata (``_DecodePlan`` refers to them
/// unretained), so lookups touch no reference counts.
final class _StringEnumTable: @unchecked Sendable {
    // @unchecked: all stored properties are written in `init` and only read afterwards.
    let typeName: String
    private let caseCount: Int
    /// Per case: its raw value's UTF-8 bytes and its in-memory bits.
    private let rawBytes: UnsafeMutablePointer<UnsafeRawBufferPointer>
    private let caseBits: UnsafeMutablePointer<UInt64>
    /// Open addressing on the hash (`_hashBytes`) of the raw bytes: case index + 1, 0 for an empty slot.
    private let slots: UnsafeMutablePointer<Int32>
    private let slotMask: Int
    /// Case index + 1 by bits when every case's bits are below 256 (payload-less enums), else `nil`.
    private let caseByBits: UnsafeMutablePointer<Int32>?

    private init?(typeName: String, cases: [(raw: String, bits: UInt64)]) {
        self.typeName = typeName
        caseCount = cases.count
        var slotCount = 8
        while slotCount < cases.count * 2 { slotCount *= 2 }
        slotMask = slotCount - 1
        rawBytes = .allocate(capacity: cases.count)
        caseBits = .allocate(capacity: cases.count)
        slots = .allocate(capacity: slotCount)
        slots.initialize(repeating: 0, count: slotCount)
        let small = cases.allSatisfy { $0.bits < 256 }
        caseByBits = small ? .allocate(capacity: 256) : nil
        caseByBits?.initialize(repeating: 0, count: 256)
        for (index, c) in cases.enumerated() {
            let bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: c.raw.utf8.count, alignment: 1)
            bytes.copyBytes(from: c.raw.utf8)
            (rawBytes + index).initialize(to: UnsafeRawBufferPointer(bytes))
            (caseBits + index).initialize(to: c.bits)
            var slot = _StringEnumTable.hash(UnsafeRawBufferPointer(bytes)) & slotMask
            while slots[slot] != 0 { slot = (slot + 1) & slotMask }
            slots[slot] = Int32(index + 1)
            if let caseByBits {
                guard caseByBits[Int(c.bits)] == 0 else { return nil }
                caseByBits[Int(c.bits)] = Int32(index + 1)
            }
        }
    }

    /// The table of `T` when it is a payload-less `String`-raw enum whose cases and raw values correspond one to one.
    static func of<T>(_ type: T.Type) -> Unmanaged<_StringEnumTable>? {
        guard let enumeration = T.self as? any (CaseIterable & RawRepresentable).Type,
            let table = make(enumeration)
        else { return nil }
        return Unmanaged.passRetained(table)  // immortal, see the type's documentation
    }

    private static func make<E: CaseIterable & RawRepresentable>(_ type: E.Type) -> _StringEnumTable? {
        guard E.RawValue.self == String.self, _isPOD(E.self), MemoryLayout<E>.size <= 8,
            let first = E.allCases.first, Mirror(reflecting: first).displayStyle == .enum
        else { return nil }
        var cases: [(raw: String, bits: UInt64)] = []
        var rawValues: Set<String> = []
        var allBits: Set<UInt64> = []
        for value in E.allCases {
            let raw = _identityCast(value.rawValue, to: String.self)
            let valueBits = bits(of: value)
            guard rawValues.insert(raw).inserted, allBits.insert(valueBits).inserted,
                let parsed = E(rawValue: value.rawValue), bits(of: parsed) == valueBits
            else { return nil }
            cases.append((raw, valueBits))
        }
        return _StringEnumTable(typeName: "\(E.self)", cases: cases)
    }

    /// The value's bytes (at most 8, checked by ``make(_:)``) in the low bytes of a zeroed word.
    @inline(__always)
    static func bits<T>(of value: T) -> UInt64 {
        var word: UInt64 = 0
        withUnsafeMutableBytes(of: &word) { out in
            withUnsafeBytes(of: value) { out.copyMemory(from: $0) }
        }
        return word
    }

    @inline(__always)
    static func hash(_ bytes: UnsafeRawBufferPointer) -> Int { _hashBytes(bytes, seed: 0) }

    /// The case whose raw value is `raw` (UTF-8 bytes, not yet validated: only exact raw values match).
    @inline(__always)
    func value<T>(_ raw: UnsafeRawBufferPointer, as type: T.Type) throws(CodecError) -> T {
        var slot = _StringEnumTable.hash(raw) & slotMask
        while true {
            let entry = Int(slots[slot])
            guard entry != 0 else { break }
            if bytesEqual(rawBytes[entry - 1], raw) {
                let word = caseBits[entry - 1]
                return withUnsafeBytes(of: word) { $0.load(as: T.self) }
            }
            slot = (slot + 1) & slotMask
        }
        let shown = String(decoding: raw.prefix(64), as: UTF8.self)
        throw .malformed("'\(shown)' is not a case of \(typeName)")
    }

    /// The raw value bytes of `value` (one of the enum's cases).
    @inline(__always)
    func rawValue<T>(of value: T) -> UnsafeRawBufferPointer {
        let valueBits = _StringEnumTable.bits(of: value)
        if let caseByBits { return rawBytes[Int(caseByBits[Int(valueBits)]) - 1] }
        for index in 0..<caseCount where caseBits[index] == valueBits { return rawBytes[index] }
        preconditionFailure("\(typeName) value with bits \(valueBits) is not one of its cases")
    }
}

/// A hash of short byte strings (type names, enum raw values) for the lookup tables of the decode path: eight
/// bytes at a time (FNV-1a a byte at a time cost about 5 % of a payload decode), each word multiplied in and the
/// high bits folded down, since table slots are taken from the low bits.
@inline(__always)
func _hashBytes(_ bytes: UnsafeRawBufferPointer, seed: UInt64) -> Int {
    let k: UInt64 = 0x9E37_79B9_7F4A_7C15
    var h = (0xcbf2_9ce4_8422_2325 ^ seed) &* k
    var i = 0
    while i + 8 <= bytes.count {
        h = (h ^ bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* k
        h ^= h >> 32
        i += 8
    }
    if i < bytes.count {
        var tail: UInt64 = 0
        for j in i..<bytes.count { tail |= UInt64(bytes[j]) << (8 * UInt64(j - i)) }
        h = (h ^ tail ^ UInt64(bytes.count) << 56) &* k
    }
    return Int(truncatingIfNeeded: h ^ (h >> 29))
}

@inline(__always)
private func bytesEqual(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
    guard a.count == b.count else { return false }
    for i in 0..<a.count where a[i] != b[i] { return false }
    return true
}

// MARK: - Type cache

/// A grow-only map from types to plans, read without locks, hashing of strings or reference counting.
///
/// Open addressing over a fixed table of 4096 slots, allocated once for the process: a writer (under a mutex)
/// fills a slot's value, then publishes the slot's key with a releasing store; readers load keys with acquiring
/// loads, so a key they see always comes with its value. Keys never move or disappear. When half the slots are
/// used (2048 types, far beyond this engine's few hundred), further types are computed on every use instead.
final class _TypeCache<Value: Sendable>: @unchecked Sendable {
    // @unchecked: the pointers are allocated in `init`; slots are written only under `insertLock` and published
    // through the atomic keys as described above.
    private static var capacity: Int { 4096 }

    private let keys: UnsafeMutablePointer<Atomic<UInt>>
    private let values: UnsafeMutablePointer<Value?>
    private let insertLock = Mutex<Int>(0)  // the number of used slots

    init() {
        keys = .allocate(capacity: Self.capacity)
        for i in 0..<Self.capacity { (keys + i).initialize(to: Atomic<UInt>(0)) }
        values = .allocate(capacity: Self.capacity)
        values.initialize(repeating: nil, count: Self.capacity)
    }

    deinit {
        keys.deinitialize(count: Self.capacity)
        keys.deallocate()
        values.deinitialize(count: Self.capacity)
        values.deallocate()
    }

    @inline(__always)
    private static func slot(of key: UInt) -> Int {
        Int(truncatingIfNeeded: ((key >> 4) &* 0x9E37_79B9_7F4A_7C15) >> 52) & (capacity - 1)
    }

    @inline(__always)
    func value(for type: Any.Type) -> Value? {
        let key = UInt(bitPattern: ObjectIdentifier(type))
        var slot = Self.slot(of: key)
        while true {
            let stored = keys[slot].load(ordering: .acquiring)
            if stored == key { return values[slot] }
            if stored == 0 { return nil }
            slot = (slot + 1) & (Self.capacity - 1)
        }
    }

    func insert(_ value: Value, for type: Any.Type) {
        let key = UInt(bitPattern: ObjectIdentifier(type))
        insertLock.withLock { used in
            guard used < Self.capacity / 2 else { return }
            var slot = Self.slot(of: key)
            while true {
                let stored = keys[slot].load(ordering: .relaxed)
                if stored == key { return }
                if stored == 0 { break }
                slot = (slot + 1) & (Self.capacity - 1)
            }
            values[slot] = value
            keys[slot].store(key, ordering: .releasing)
            used += 1
        }
    }
}
