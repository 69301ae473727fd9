internal import Foundation

/// Decodes payloads written by ``BinaryEventEncoder`` (the positional binary event format).
///
/// The decoder reads straight from the caller's bytes (no copy) and must be given the same type that encoded
/// them: the format has no keys or tags. It is strict: any byte string it accepts is exactly what the encoder
/// would write for the decoded value, and it never reads past the buffer.
///
/// ```swift
/// let event = try BinaryEventDecoder().decode(UserOnboarded.self, from: bytes)  // bytes: [UInt8]
/// ```
public struct BinaryEventDecoder: Sendable {
    public init() {}

    /// Decodes a `T` that fills `bytes` exactly.
    ///
    /// - Throws: ``CodecError/truncated(needed:available:)`` when the bytes end early,
    ///   ``CodecError/malformed(_:)`` for invalid bytes (bad UTF-8, a presence byte other than 0/1, an unknown enum
    ///   raw value, a number out of range, bytes left over after the value), ``CodecError/unsupported(_:)`` for a
    ///   `Dictionary` or `Set` in `T`.
    public func decode<T: Decodable>(_ type: T.Type, from bytes: UnsafeRawBufferPointer) throws(CodecError) -> T {
        let decoder = _BinaryDecoder(bytes)
        defer { withExtendedLifetime(decoder) {} }  // its containers do not retain it
        let value: T
        do {
            value = try decoder.decodeValue(T.self)
        } catch {
            throw CodecError.decoding(error, of: T.self)
        }
        try decoder.finish(T.self)
        return value
    }

    /// Decodes an event payload: a struct, so the checks for arrays, optionals and primitives are skipped.
    func decodeEvent<E: DomainEvent>(_ type: E.Type, from bytes: UnsafeRawBufferPointer) throws(CodecError) -> E {
        let decoder = _BinaryDecoder(bytes)
        defer { withExtendedLifetime(decoder) {} }  // its containers do not retain it
        let value: E
        do {
            value = try E(from: decoder)
        } catch {
            throw CodecError.decoding(error, of: E.self)
        }
        try decoder.finish(E.self)
        return value
    }

    /// Decodes a `T` that fills `bytes` exactly (see the `UnsafeRawBufferPointer` overload for the errors).
    public func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws(CodecError) -> T {
        try withBytes(bytes) { raw throws(CodecError) in try decode(T.self, from: raw) }
    }
}

// MARK: - Decoder

/// The `Decoder` behind ``BinaryEventDecoder``: every container reads from the one ``reader`` in order.
///
/// It keeps no coding path (that would allocate per value); errors name the type being decoded instead.
final class _BinaryDecoder: Decoder {
    /// Only this decoder's containers touch the reader, one at a time, within one synchronous decode; the runtime
    /// exclusivity check on every access would cost more than the read itself.
    @exclusivity(unchecked) var reader: BinaryReader

    init(_ bytes: UnsafeRawBufferPointer) { self.reader = BinaryReader(bytes) }

    /// A decoder that goes on from where `reader` is.
    init(_ reader: BinaryReader) { self.reader = reader }

    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    /// Rejects bytes left over after the top-level value.
    func finish(_ type: Any.Type) throws(CodecError) {
        guard reader.isAtEnd else { throw CodecError.leftOver(reader.remaining, after: type) }
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(_BinaryKeyedDecodingContainer<Key>(decoder: self))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        _BinaryUnkeyedDecodingContainer(decoder: self, elementCount: try decodeCount())
    }

    func singleValueContainer() -> any SingleValueDecodingContainer {
        _BinarySingleValueDecodingContainer(decoder: self)
    }

    // MARK: Values

    /// An element or byte count. Every element takes at least one byte, so a count above the bytes left means the
    /// bytes end early (this also keeps a garbage count from reserving gigabytes).
    @inline(__always)
    func decodeCount() throws(CodecError) -> Int {
        let n = try reader.readUVarint()
        guard n <= UInt64(reader.remaining) else {
            throw CodecError.truncated(needed: Int(clamping: n), available: reader.remaining)
        }
        return Int(n)
    }

    @inline(__always)
    func decodePresence() throws(CodecError) -> Bool {
        switch try reader.readByte() {
        case 0: return false
        case 1: return true
        case let b: throw CodecError.malformed("presence byte \(b) is neither 0 nor 1")
        }
    }

    @inline(__always)
    func decodeBool() throws(CodecError) -> Bool {
        switch try reader.readByte() {
        case 0: return false
        case 1: return true
        case let b: throw CodecError.malformed("boolean byte \(b) is neither 0 nor 1")
        }
    }

    @inline(__always)
    func decodeString() throws(CodecError) -> String { try reader.readString() }

    @inline(__always)
    func decodeInt64() throws(CodecError) -> Int64 { try reader.readVarint() }

    func decodeSigned<I: FixedWidthInteger & SignedInteger>(_ type: I.Type) throws(CodecError) -> I {
        let v = try reader.readVarint()
        guard let value = I(exactly: v) else { throw CodecError.malformed("\(v) is out of range for \(I.self)") }
        return value
    }

    func decodeUnsigned<U: FixedWidthInteger & UnsignedInteger>(_ type: U.Type) throws(CodecError) -> U {
        let v = try reader.readUVarint()
        guard let value = U(exactly: v) else { throw CodecError.malformed("\(v) is out of range for \(U.self)") }
        return value
    }

    func decodeDouble() throws(CodecError) -> Double {
        let raw = try reader.readBytes(8)
        return Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self)))
    }

    func decodeFloat() throws(CodecError) -> Float {
        let raw = try reader.readBytes(4)
        return Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(as: UInt32.self)))
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type) throws -> T? {
        try decodePresence() ? try decodeValue(T.self) : nil
    }

    /// Decodes any value: frequent types directly (metatype comparisons are pointer compares), other types by
    /// their cached ``_DecodePlan``: arrays, optionals, dictionaries and sets through ``_DecodingSpecial``,
    /// ``BinaryPrimitive`` types through their binary form, `String`-raw enums through their case table, anything
    /// else through its `init(from:)`.
    func decodeValue<T: Decodable>(_ type: T.Type) throws -> T {
        if T.self == ID.self {
            // The bytes `ID.writeBinary` writes, loaded in one go.
            let uuid = try reader.readBytes(16).loadUnaligned(as: uuid_t.self)
            return _identityCast(ID(uuid: UUID(uuid: uuid)), to: T.self)
        }
        if T.self == Timestamp.self { return _identityCast(try Timestamp.readBinary(from: &reader), to: T.self) }
        if T.self == Money.self {
            let amount = try reader.readVarint()
            let currency = try reader.readString()
            return _identityCast(Money(amountMinor: amount, currency: currency), to: T.self)
        }
        if T.self == LocalDate.self { return _identityCast(try LocalDate.readBinary(from: &reader), to: T.self) }
        if T.self == String.self { return _identityCast(try reader.readString(), to: T.self) }
        if T.self == [ID].self { return _identityCast(try decodeIDs(), to: T.self) }
        if T.self == Int64.self { return _identityCast(try reader.readVarint(), to: T.self) }
        if T.self == Int.self { return _identityCast(try decodeSigned(Int.self), to: T.self) }
        if T.self == Bool.self { return _identityCast(try decodeBool(), to: T.self) }
        if T.self == Double.self { return _identityCast(try decodeDouble(), to: T.self) }
        switch _DecodePlan.of(T.self) {
        case .plain: return try T(from: self)
        case .special(let special): return try decodeSpecial(special, as: T.self)
        case .primitive(let primitive): return try decodePrimitive(primitive, as: T.self)
        case .stringEnum(let table):
            let count = try decodeCount()
            let raw = try reader.readBytes(count)
            return try table._withUnsafeGuaranteedRef { try $0.value(raw, as: T.self) }
        }
    }

    /// `[ID]`, the most frequent array in events, without a generic call per element.
    private func decodeIDs() throws(CodecError) -> [ID] {
        let count = try decodeCount()
        var ids: [ID] = []
        ids.reserveCapacity(count)
        for _ in 0..<count { ids.append(ID(uuid: UUID(uuid: try reader.readBytes(16).loadUnaligned(as: uuid_t.self)))) }
        return ids
    }

    /// `S` is `T`'s dynamic type (opened from `T.self as? any _DecodingSpecial.Type`).
    private func decodeSpecial<S: _DecodingSpecial, T>(_ special: S.Type, as type: T.Type) throws -> T {
        _identityCast(try S._decodeBinary(from: self), to: T.self)
    }

    /// `P` is `T`'s dynamic type (opened from `T.self as? any BinaryPrimitive.Type`).
    private func decodePrimitive<P: BinaryPrimitive, T>(_ primitive: P.Type, as type: T.Type) throws -> T {
        _identityCast(try P.readBinary(from: &reader), to: T.self)
    }
}

// MARK: - Structural types

/// Types the decoders and the schema recorder handle themselves instead of calling their `init(from:)`.
protocol _DecodingSpecial: SendableMetatype {
    static func _decodeBinary(from decoder: _BinaryDecoder) throws -> Self
    static func _recordSchema(_ recorder: _SchemaRecorder) throws -> (value: Self, node: SchemaNode)
}

extension Array: _DecodingSpecial where Element: Decodable {
    static func _decodeBinary(from decoder: _BinaryDecoder) throws -> [Element] {
        let count = try decoder.decodeCount()
        var elements: [Element] = []
        elements.reserveCapacity(count)
        for _ in 0..<count { elements.append(try decoder.decodeValue(Element.self)) }
        return elements
    }

    static func _recordSchema(_ recorder: _SchemaRecorder) throws -> (value: [Element], node: SchemaNode) {
        let element = try recorder.record(Element.self, at: _IndexKey(intValue: 0))
        return ([element.value], .array(element.node))
    }
}

extension Optional: _DecodingSpecial where Wrapped: Decodable {
    static func _decodeBinary(from decoder: _BinaryDecoder) throws -> Wrapped? {
        try decoder.decodeIfPresent(Wrapped.self)
    }

    static func _recordSchema(_ recorder: _SchemaRecorder) throws -> (value: Wrapped?, node: SchemaNode) {
        let wrapped = try recorder.record(Wrapped.self, at: nil)
        return (wrapped.value, .nullable(wrapped.node))
    }
}

extension Dictionary: _DecodingSpecial where Key: Decodable, Value: Decodable {
    static func _decodeBinary(from decoder: _BinaryDecoder) throws -> [Key: Value] {
        throw CodecError.unsupported("Dictionary \(Self.self): its order is not deterministic; use an array of pairs")
    }

    static func _recordSchema(_ recorder: _SchemaRecorder) throws -> (value: [Key: Value], node: SchemaNode) {
        throw CodecError.unsupported(
            "Dictionary \(Self.self) at \(recorder.pathDescription): use an array of pair structs"
        )
    }
}

extension Set: _DecodingSpecial where Element: Decodable {
    static func _decodeBinary(from decoder: _BinaryDecoder) throws -> Set<Element> {
        throw CodecError.unsupported("Set \(Self.self): its order is not deterministic; use a sorted array")
    }

    static func _recordSchema(_ recorder: _SchemaRecorder) throws -> (value: Set<Element>, node: SchemaNode) {
        throw CodecError.unsupported("Set \(Self.self) at \(recorder.pathDescription): use a sorted array")
    }
}

// MARK: - Containers

struct _BinaryKeyedDecodingContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    /// Unretained: containers live only inside the top-level call, which keeps the decoder alive.
    unowned(unsafe) let decoder: _BinaryDecoder

    var codingPath: [any CodingKey] { [] }
    /// Positional data has no keys to list.
    var allKeys: [Key] { [] }

    /// Every declared key is present: absence of an optional is a presence byte, not a missing key.
    func contains(_ key: Key) -> Bool { true }

    /// Reads a presence byte: `true` for `0` (absent). Pairs with `encodeNil(forKey:)` / `encodeIfPresent`.
    func decodeNil(forKey key: Key) throws -> Bool { try !decoder.decodePresence() }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try decoder.decodeBool() }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try decoder.decodeString() }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try decoder.decodeDouble() }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try decoder.decodeFloat() }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try decoder.decodeSigned(Int.self) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try decoder.decodeSigned(Int8.self) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try decoder.decodeSigned(Int16.self) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try decoder.decodeSigned(Int32.self) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try decoder.decodeInt64() }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try decoder.decodeUnsigned(UInt.self) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try decoder.decodeUnsigned(UInt8.self) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try decoder.decodeUnsigned(UInt16.self) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try decoder.decodeUnsigned(UInt32.self) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try decoder.decodeUnsigned(UInt64.self) }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try decoder.decodeValue(T.self) }

    func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? {
        try decoder.decodePresence() ? try decoder.decodeBool() : nil
    }
    func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? {
        try decoder.decodePresence() ? try decoder.decodeString() : nil
    }
    func decodeIfPresent(_ type: Double.Type, forKey key: Key) throws -> Double? {
        try decoder.decodePresence() ? try decoder.decodeDouble() : nil
    }
    func decodeIfPresent(_ type: Float.Type, forKey key: Key) throws -> Float? {
        try decoder.decodePresence() ? try decoder.decodeFloat() : nil
    }
    func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? {
        try decoder.decodePresence() ? try decoder.decodeSigned(Int.self) : nil
    }
    func decodeIfPresent(_ type: Int8.Type, forKey key: Key) throws -> Int8? {
        try decoder.decodePresence() ? try decoder.decodeSigned(Int8.self) : nil
    }
    func decodeIfPresent(_ type: Int16.Type, forKey key: Key) throws -> Int16? {
        try decoder.decodePresence() ? try decoder.decodeSigned(Int16.self) : nil
    }
    func decodeIfPresent(_ type: Int32.Type, forKey key: Key) throws -> Int32? {
        try decoder.decodePresence() ? try decoder.decodeSigned(Int32.self) : nil
    }
    func decodeIfPresent(_ type: Int64.Type, forKey key: Key) throws -> Int64? {
        try decoder.decodePresence() ? try decoder.decodeInt64() : nil
    }
    func decodeIfPresent(_ type: UInt.Type, forKey key: Key) throws -> UInt? {
        try decoder.decodePresence() ? try decoder.decodeUnsigned(UInt.self) : nil
    }
    func decodeIfPresent(_ type: UInt8.Type, forKey key: Key) throws -> UInt8? {
        try decoder.decodePresence() ? try decoder.decodeUnsigned(UInt8.self) : nil
    }
    func decodeIfPresent(_ type: UInt16.Type, forKey key: Key) throws -> UInt16? {
        try decoder.decodePresence() ? try decoder.decodeUnsigned(UInt16.self) : nil
    }
    func decodeIfPresent(_ type: UInt32.Type, forKey key: Key) throws -> UInt32? {
        try decoder.decodePresence() ? try decoder.decodeUnsigned(UInt32.self) : nil
    }
    func decodeIfPresent(_ type: UInt64.Type, forKey key: Key) throws -> UInt64? {
        try decoder.decodePresence() ? try decoder.decodeUnsigned(UInt64.self) : nil
    }
    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        try decoder.decodeIfPresent(T.self)
    }

    func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type,
        forKey key: Key
    ) -> KeyedDecodingContainer<NestedKey> {
        decoder.container(keyedBy: NestedKey.self)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try decoder.unkeyedContainer()
    }

    func superDecoder() -> any Decoder { decoder }
    func superDecoder(forKey key: Key) -> any Decoder { decoder }
}

struct _BinaryUnkeyedDecodingContainer: UnkeyedDecodingContainer {
    /// Unretained: containers live only inside the top-level call, which keeps the decoder alive.
    unowned(unsafe) let decoder: _BinaryDecoder
    let elementCount: Int
    private(set) var currentIndex = 0

    init(decoder: _BinaryDecoder, elementCount: Int) {
        self.decoder = decoder
        self.elementCount = elementCount
    }

    var codingPath: [any CodingKey] { [] }
    var count: Int? { elementCount }
    var isAtEnd: Bool { currentIndex >= elementCount }

    private mutating func next() throws(CodecError) {
        guard currentIndex < elementCount else {
            throw CodecError.malformed("read past the end of a \(elementCount)-element unkeyed container")
        }
        currentIndex += 1
    }

    /// Reads a presence byte; an absent value is one element, a present one is counted by the decode that follows.
    mutating func decodeNil() throws -> Bool {
        guard currentIndex < elementCount else {
            throw CodecError.malformed("read past the end of a \(elementCount)-element unkeyed container")
        }
        if try decoder.decodePresence() { return false }
        currentIndex += 1
        return true
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool {
        try next()
        return try decoder.decodeBool()
    }
    mutating func decode(_ type: String.Type) throws -> String {
        try next()
        return try decoder.decodeString()
    }
    mutating func decode(_ type: Double.Type) throws -> Double {
        try next()
        return try decoder.decodeDouble()
    }
    mutating func decode(_ type: Float.Type) throws -> Float {
        try next()
        return try decoder.decodeFloat()
    }
    mutating func decode(_ type: Int.Type) throws -> Int {
        try next()
        return try decoder.decodeSigned(Int.self)
    }
    mutating func decode(_ type: Int8.Type) throws -> Int8 {
        try next()
        return try decoder.decodeSigned(Int8.self)
    }
    mutating func decode(_ type: Int16.Type) throws -> Int16 {
        try next()
        return try decoder.decodeSigned(Int16.self)
    }
    mutating func decode(_ type: Int32.Type) throws -> Int32 {
        try next()
        return try decoder.decodeSigned(Int32.self)
    }
    mutating func decode(_ type: Int64.Type) throws -> Int64 {
        try next()
        return try decoder.decodeInt64()
    }
    mutating func decode(_ type: UInt.Type) throws -> UInt {
        try next()
        return try decoder.decodeUnsigned(UInt.self)
    }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 {
        try next()
        return try decoder.decodeUnsigned(UInt8.self)
    }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 {
        try next()
        return try decoder.decodeUnsigned(UInt16.self)
    }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 {
        try next()
        return try decoder.decodeUnsigned(UInt32.self)
    }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 {
        try next()
        return try decoder.decodeUnsigned(UInt64.self)
    }
    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try next()
        return try decoder.decodeValue(T.self)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type
    ) throws -> KeyedDecodingContainer<NestedKey> {
        try next()
        return decoder.container(keyedBy: NestedKey.self)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try next()
        return try decoder.unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder {
        try next()
        return decoder
    }
}

struct _BinarySingleValueDecodingContainer: SingleValueDecodingContainer {
    /// Unretained: containers live only inside the top-level call, which keeps the decoder alive.
    unowned(unsafe) let decoder: _BinaryDecoder

    var codingPath: [any CodingKey] { [] }

    /// Reads a presence byte: `true` for `0` (absent). Pairs with `encodeNil()` and the optional encoding.
    func decodeNil() -> Bool {
        // `decodeNil()` cannot throw; a byte other than 0 is left for the following `decode` to read and reject.
        guard decoder.reader.remaining > 0, decoder.reader.bytes[decoder.reader.offset] == 0 else { return false }
        decoder.reader.offset += 1
        return true
    }

    func decode(_ type: Bool.Type) throws -> Bool { try decoder.decodeBool() }
    func decode(_ type: String.Type) throws -> String { try decoder.decodeString() }
    func decode(_ type: Double.Type) throws -> Double { try decoder.decodeDouble() }
    func decode(_ type: Float.Type) throws -> Float { try decoder.decodeFloat() }
    func decode(_ type: Int.Type) throws -> Int { try decoder.decodeSigned(Int.self) }
    func decode(_ type: Int8.Type) throws -> Int8 { try decoder.decodeSigned(Int8.self) }
    func decode(_ type: Int16.Type) throws -> Int16 { try decoder.decodeSigned(Int16.self) }
    func decode(_ type: Int32.Type) throws -> Int32 { try decoder.decodeSigned(Int32.self) }
    func decode(_ type: Int64.Type) throws -> Int64 { try decoder.decodeInt64() }
    func decode(_ type: UInt.Type) throws -> UInt { try decoder.decodeUnsigned(UInt.self) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try decoder.decodeUnsigned(UInt8.self) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try decoder.decodeUnsigned(UInt16.self) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try decoder.decodeUnsigned(UInt32.self) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try decoder.decodeUnsigned(UInt64.self) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try decoder.decodeValue(T.self) }
}
