/// Encodes `Encodable` event payloads in the positional binary event format.
///
/// The format has no keys and no tags: a keyed container writes its values in the order the type encodes them
/// (declaration order for synthesized `Codable`), so the decoder must read the same type. Values:
///
/// | value | bytes |
/// |---|---|
/// | `Int`, `Int8`...`Int64` | zig-zag varint |
/// | `UInt`, `UInt8`...`UInt64` | unsigned varint |
/// | `Bool` | one byte, `0` or `1` |
/// | `Double` / `Float` | IEEE 754 bit pattern, 8 / 4 bytes little-endian |
/// | `String` | unsigned varint byte count, then UTF-8 |
/// | optional (`encodeIfPresent`, `Optional`) | presence byte `0` (absent) or `1` followed by the value |
/// | array / unkeyed container | unsigned varint element count, then the elements |
/// | ``BinaryPrimitive`` (``ID``, ``Timestamp``, ``LocalDate``) | its ``BinaryPrimitive/writeBinary(to:)`` |
/// | ``Money`` | zig-zag varint `amountMinor`, then `currency` as a string |
///
/// `String`-raw `CaseIterable` enums are written as their raw value (a string, what their synthesized `Codable`
/// writes too), so adding or reordering cases never changes stored bytes; the codec maps raw values to cases with
/// a per-type table instead of the slow generic `RawRepresentable` path (a custom `Codable` on such an enum only
/// affects JSON). Other enums go through their `Codable`. `Dictionary` and `Set` are rejected with
/// ``CodecError/unsupported(_:)``: their iteration order is not deterministic, so the same value could produce
/// different bytes (and hashes). Use an array of pair structs or a sorted array.
///
/// The encoding is canonical: ``BinaryEventDecoder`` accepts exactly the bytes this encoder produces, so decoding
/// and re-encoding any accepted input gives the same bytes.
///
/// ```swift
/// let bytes = try BinaryEventEncoder().encode(event)
/// let back = try BinaryEventDecoder().decode(UserOnboarded.self, from: bytes)
/// ```
public struct BinaryEventEncoder: Sendable {
    public init() {}

    /// The binary form of `value`.
    ///
    /// - Throws: ``CodecError/unsupported(_:)`` for a `Dictionary` or `Set` anywhere in the value, or when the
    ///   value's own `encode(to:)` throws.
    public func encode<T: Encodable>(_ value: T) throws(CodecError) -> [UInt8] {
        var bytes: [UInt8] = []
        try encode(value, into: &bytes)
        return bytes
    }

    /// Appends the binary form of `value` to `buffer`. On error `buffer` is left as it was.
    public func encode<T: Encodable>(_ value: T, into buffer: inout [UInt8]) throws(CodecError) {
        let encoder = _BinaryEncoder()
        defer { withExtendedLifetime(encoder) {} }  // its containers do not retain it
        swap(&encoder.buffer, &buffer)
        let start = encoder.buffer.count
        do {
            try encoder.encodeValue(value)
        } catch {
            encoder.buffer.removeSubrange(start...)
            swap(&encoder.buffer, &buffer)
            throw CodecError.encoding(error, of: T.self)
        }
        if !encoder.countSlots.isEmpty { encoder.insertCounts(from: start) }
        swap(&encoder.buffer, &buffer)
    }
}

// MARK: - Encoder

/// The `Encoder` behind ``BinaryEventEncoder``. All containers append to ``buffer``.
///
/// Arrays write their count up front (fast path in ``encodeValue(_:)``). Unkeyed containers of custom types do not
/// know their count until they are done, so they register a ``CountSlot`` at their start and the counts are inserted
/// in one pass after the top-level value is written (``insertCounts(from:)``).
final class _BinaryEncoder: Encoder {
    struct CountSlot {
        let position: Int
        var count: Int
    }

    /// Only this encoder's containers touch the buffer, one at a time, within one synchronous encode; the runtime
    /// exclusivity check on every append would cost more than the append itself.
    @exclusivity(unchecked) var buffer: [UInt8] = []
    @exclusivity(unchecked) var countSlots: [CountSlot] = []

    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(_BinaryKeyedEncodingContainer<Key>(encoder: self))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        countSlots.append(CountSlot(position: buffer.count, count: 0))
        return _BinaryUnkeyedEncodingContainer(encoder: self, slot: countSlots.count - 1)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        _BinarySingleValueEncodingContainer(encoder: self)
    }

    /// Rewrites the buffer from `start` on with each count slot's varint inserted at its position.
    func insertCounts(from start: Int) {
        var out: [UInt8] = []
        out.reserveCapacity(buffer.count + countSlots.count * 2)
        out.append(contentsOf: buffer[..<start])
        var copied = start
        for slot in countSlots {
            out.append(contentsOf: buffer[copied..<slot.position])
            BinaryWriter.writeUVarint(UInt64(slot.count), to: &out)
            copied = slot.position
        }
        out.append(contentsOf: buffer[copied...])
        buffer = out
        countSlots.removeAll()
    }

    // MARK: Values

    @inline(__always)
    func encodeSigned(_ value: Int64) { BinaryWriter.writeVarint(value, to: &buffer) }

    @inline(__always)
    func encodeUnsigned(_ value: UInt64) { BinaryWriter.writeUVarint(value, to: &buffer) }

    @inline(__always)
    func encodeBool(_ value: Bool) { buffer.append(value ? 1 : 0) }

    @inline(__always)
    func encodeString(_ value: String) { BinaryWriter.writeString(value, to: &buffer) }

    func encodeDouble(_ value: Double) {
        var bits = value.bitPattern.littleEndian
        withUnsafeBytes(of: &bits) { buffer.append(contentsOf: $0) }
    }

    func encodeFloat(_ value: Float) {
        var bits = value.bitPattern.littleEndian
        withUnsafeBytes(of: &bits) { buffer.append(contentsOf: $0) }
    }

    func encodeNil() { buffer.append(0) }

    func encodeIfPresent<T: Encodable>(_ value: T?) throws {
        guard let value else { return buffer.append(0) }
        buffer.append(1)
        try encodeValue(value)
    }

    /// Encodes any value: frequent types directly, other types by their cached ``_EncodePlan``: arrays and
    /// optionals through ``_BinaryEncodingSpecial``, ``BinaryPrimitive`` types through their binary form,
    /// `String`-raw enums as their raw value, anything else through its `encode(to:)`.
    func encodeValue<T: Encodable>(_ value: T) throws {
        if T.self == ID.self { return _identityCast(value, to: ID.self).writeBinary(to: &buffer) }
        if T.self == String.self { return encodeString(_identityCast(value, to: String.self)) }
        if T.self == Timestamp.self { return _identityCast(value, to: Timestamp.self).writeBinary(to: &buffer) }
        if T.self == LocalDate.self { return _identityCast(value, to: LocalDate.self).writeBinary(to: &buffer) }
        if T.self == Money.self {
            let money = _identityCast(value, to: Money.self)
            encodeSigned(money.amountMinor)
            return encodeString(money.currency)
        }
        if T.self == Int64.self { return encodeSigned(_identityCast(value, to: Int64.self)) }
        if T.self == Int.self { return encodeSigned(Int64(_identityCast(value, to: Int.self))) }
        if T.self == Bool.self { return encodeBool(_identityCast(value, to: Bool.self)) }
        if T.self == Double.self { return encodeDouble(_identityCast(value, to: Double.self)) }
        switch _EncodePlan.of(T.self) {
        case .plain: try value.encode(to: self)
        case .special(let special): try encodeSpecial(value, as: special)
        case .primitive(let primitive): encodePrimitive(value, as: primitive)
        case .stringEnum(let table):
            let raw = table._withUnsafeGuaranteedRef { $0.rawValue(of: value) }
            encodeUnsigned(UInt64(raw.count))
            buffer.append(contentsOf: raw)
        }
    }

    /// `S` is `T`'s dynamic type (opened from the plan).
    private func encodeSpecial<T, S: _BinaryEncodingSpecial>(_ value: T, as special: S.Type) throws {
        try S._encodeBinary(_identityCast(value, to: S.self), to: self)
    }

    /// `P` is `T`'s dynamic type (opened from the plan).
    private func encodePrimitive<T, P: BinaryPrimitive>(_ value: T, as primitive: P.Type) {
        _identityCast(value, to: P.self).writeBinary(to: &buffer)
    }
}

/// Reinterprets a value whose dynamic type is known to be `U` (checked by the caller with `T.self == U.self`).
@inline(__always)
func _identityCast<T, U>(_ value: T, to type: U.Type) -> U {
    unsafeBitCast(value, to: U.self)
}

// MARK: - Structural types

/// Types the binary encoder writes itself instead of calling their `encode(to:)`.
protocol _BinaryEncodingSpecial: SendableMetatype {
    static func _encodeBinary(_ value: Self, to encoder: _BinaryEncoder) throws
}

extension Array: _BinaryEncodingSpecial where Element: Encodable {
    static func _encodeBinary(_ value: [Element], to encoder: _BinaryEncoder) throws {
        encoder.encodeUnsigned(UInt64(value.count))
        for element in value {
            let bytesBefore = encoder.buffer.count
            let slotsBefore = encoder.countSlots.count
            try encoder.encodeValue(element)
            // The decoder bounds an array's count by the bytes left, which needs every element to take a byte.
            if encoder.buffer.count == bytesBefore && encoder.countSlots.count == slotsBefore {
                throw CodecError.unsupported("array elements of type \(Element.self) encode to zero bytes")
            }
        }
    }
}

extension Optional: _BinaryEncodingSpecial where Wrapped: Encodable {
    static func _encodeBinary(_ value: Wrapped?, to encoder: _BinaryEncoder) throws {
        try encoder.encodeIfPresent(value)
    }
}

extension Dictionary: _BinaryEncodingSpecial where Key: Encodable, Value: Encodable {
    static func _encodeBinary(_ value: [Key: Value], to encoder: _BinaryEncoder) throws {
        throw CodecError.unsupported(
            "Dictionary \(Self.self): its order is not deterministic; use an array of pair structs"
        )
    }
}

extension Set: _BinaryEncodingSpecial where Element: Encodable {
    static func _encodeBinary(_ value: Set<Element>, to encoder: _BinaryEncoder) throws {
        throw CodecError.unsupported("Set \(Self.self): its order is not deterministic; use a sorted array")
    }
}

// MARK: - Containers

struct _BinaryKeyedEncodingContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    /// Unretained: containers live only inside the top-level call, which keeps the encoder alive.
    unowned(unsafe) let encoder: _BinaryEncoder

    var codingPath: [any CodingKey] { [] }

    mutating func encodeNil(forKey key: Key) throws { encoder.encodeNil() }
    mutating func encode(_ value: Bool, forKey key: Key) throws { encoder.encodeBool(value) }
    mutating func encode(_ value: String, forKey key: Key) throws { encoder.encodeString(value) }
    mutating func encode(_ value: Double, forKey key: Key) throws { encoder.encodeDouble(value) }
    mutating func encode(_ value: Float, forKey key: Key) throws { encoder.encodeFloat(value) }
    mutating func encode(_ value: Int, forKey key: Key) throws { encoder.encodeSigned(Int64(value)) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { encoder.encodeSigned(Int64(value)) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { encoder.encodeSigned(Int64(value)) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { encoder.encodeSigned(Int64(value)) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { encoder.encodeSigned(value) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { encoder.encodeUnsigned(UInt64(value)) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { encoder.encodeUnsigned(UInt64(value)) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { encoder.encodeUnsigned(UInt64(value)) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { encoder.encodeUnsigned(UInt64(value)) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { encoder.encodeUnsigned(value) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws { try encoder.encodeValue(value) }

    mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws { try encoder.encodeIfPresent(value) }
    mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws { try encoder.encodeIfPresent(value) }
    mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws { try encoder.encodeIfPresent(value) }
    mutating func encodeIfPresent(_ value: Float?, forKey key: Key) throws {
        guard let value else { return encoder.encodeNil() }
        encoder.buffer.append(1)
        encoder.encodeFloat(value)
    }
    mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws { try encoder.encodeIfPresent(value) }
    mutating func encodeIfPresent(_ value: Int8?, forKey key: Key) throws { try presentSigned(value) }
    mutating func encodeIfPresent(_ value: Int16?, forKey key: Key) throws { try presentSigned(value) }
    mutating func encodeIfPresent(_ value: Int32?, forKey key: Key) throws { try presentSigned(value) }
    mutating func encodeIfPresent(_ value: Int64?, forKey key: Key) throws { try encoder.encodeIfPresent(value) }
    mutating func encodeIfPresent(_ value: UInt?, forKey key: Key) throws { try presentUnsigned(value) }
    mutating func encodeIfPresent(_ value: UInt8?, forKey key: Key) throws { try presentUnsigned(value) }
    mutating func encodeIfPresent(_ value: UInt16?, forKey key: Key) throws { try presentUnsigned(value) }
    mutating func encodeIfPresent(_ value: UInt32?, forKey key: Key) throws { try presentUnsigned(value) }
    mutating func encodeIfPresent(_ value: UInt64?, forKey key: Key) throws { try presentUnsigned(value) }
    mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws {
        try encoder.encodeIfPresent(value)
    }

    private func presentSigned<I: FixedWidthInteger & SignedInteger>(_ value: I?) throws {
        guard let value else { return encoder.encodeNil() }
        encoder.buffer.append(1)
        encoder.encodeSigned(Int64(value))
    }

    private func presentUnsigned<U: FixedWidthInteger & UnsignedInteger>(_ value: U?) throws {
        guard let value else { return encoder.encodeNil() }
        encoder.buffer.append(1)
        encoder.encodeUnsigned(UInt64(value))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type,
        forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        encoder.container(keyedBy: NestedKey.self)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        encoder.unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder { encoder }
    mutating func superEncoder(forKey key: Key) -> any Encoder { encoder }
}

struct _BinaryUnkeyedEncodingContainer: UnkeyedEncodingContainer {
    /// Unretained: containers live only inside the top-level call, which keeps the encoder alive.
    unowned(unsafe) let encoder: _BinaryEncoder
    let slot: Int

    var codingPath: [any CodingKey] { [] }
    var count: Int { encoder.countSlots[slot].count }

    private func added() { encoder.countSlots[slot].count += 1 }

    mutating func encodeNil() throws {
        added()
        encoder.encodeNil()
    }
    mutating func encode(_ value: Bool) throws {
        added()
        encoder.encodeBool(value)
    }
    mutating func encode(_ value: String) throws {
        added()
        encoder.encodeString(value)
    }
    mutating func encode(_ value: Double) throws {
        added()
        encoder.encodeDouble(value)
    }
    mutating func encode(_ value: Float) throws {
        added()
        encoder.encodeFloat(value)
    }
    mutating func encode(_ value: Int) throws { signed(Int64(value)) }
    mutating func encode(_ value: Int8) throws { signed(Int64(value)) }
    mutating func encode(_ value: Int16) throws { signed(Int64(value)) }
    mutating func encode(_ value: Int32) throws { signed(Int64(value)) }
    mutating func encode(_ value: Int64) throws { signed(value) }
    mutating func encode(_ value: UInt) throws { unsigned(UInt64(value)) }
    mutating func encode(_ value: UInt8) throws { unsigned(UInt64(value)) }
    mutating func encode(_ value: UInt16) throws { unsigned(UInt64(value)) }
    mutating func encode(_ value: UInt32) throws { unsigned(UInt64(value)) }
    mutating func encode(_ value: UInt64) throws { unsigned(value) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        added()
        try encoder.encodeValue(value)
    }

    private func signed(_ value: Int64) {
        added()
        encoder.encodeSigned(value)
    }

    private func unsigned(_ value: UInt64) {
        added()
        encoder.encodeUnsigned(value)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type
    ) -> KeyedEncodingContainer<NestedKey> {
        added()
        return encoder.container(keyedBy: NestedKey.self)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        added()
        return encoder.unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder {
        added()
        return encoder
    }
}

struct _BinarySingleValueEncodingContainer: SingleValueEncodingContainer {
    /// Unretained: containers live only inside the top-level call, which keeps the encoder alive.
    unowned(unsafe) let encoder: _BinaryEncoder

    var codingPath: [any CodingKey] { [] }

    mutating func encodeNil() throws { encoder.encodeNil() }
    mutating func encode(_ value: Bool) throws { encoder.encodeBool(value) }
    mutating func encode(_ value: String) throws { encoder.encodeString(value) }
    mutating func encode(_ value: Double) throws { encoder.encodeDouble(value) }
    mutating func encode(_ value: Float) throws { encoder.encodeFloat(value) }
    mutating func encode(_ value: Int) throws { encoder.encodeSigned(Int64(value)) }
    mutating func encode(_ value: Int8) throws { encoder.encodeSigned(Int64(value)) }
    mutating func encode(_ value: Int16) throws { encoder.encodeSigned(Int64(value)) }
    mutating func encode(_ value: Int32) throws { encoder.encodeSigned(Int64(value)) }
    mutating func encode(_ value: Int64) throws { encoder.encodeSigned(value) }
    mutating func encode(_ value: UInt) throws { encoder.encodeUnsigned(UInt64(value)) }
    mutating func encode(_ value: UInt8) throws { encoder.encodeUnsigned(UInt64(value)) }
    mutating func encode(_ value: UInt16) throws { encoder.encodeUnsigned(UInt64(value)) }
    mutating func encode(_ value: UInt32) throws { encoder.encodeUnsigned(UInt64(value)) }
    mutating func encode(_ value: UInt64) throws { encoder.encodeUnsigned(value) }
    mutating func encode<T: Encodable>(_ value: T) throws { try encoder.encodeValue(value) }
}
