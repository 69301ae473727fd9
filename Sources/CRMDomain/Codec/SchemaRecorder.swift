internal import Foundation

/// A `Decoder` that records what a type decodes instead of reading data, for ``SchemaGenerator``.
///
/// Each value the type asks for is answered with a sample (empty string, zero, the first enum case, an array of one
/// element) and noted with its schema. One recorder describes one value; nested values get child recorders.
final class _SchemaRecorder: Decoder {
    static let maximumDepth = 64

    enum Shape {
        case none, keyed, unkeyed, single
    }

    /// A recorded value: known now, or a nested container whose fields are still being recorded.
    enum Source {
        case node(SchemaNode)
        case nested(_SchemaRecorder)

        func resolve() throws(CodecError) -> SchemaNode {
            switch self {
            case .node(let node): return node
            case .nested(let recorder): return try recorder.node()
            }
        }
    }

    let codingPath: [any CodingKey]
    let depth: Int
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    private(set) var shape = Shape.none
    var properties: [String: Source] = [:]
    var required: Set<String> = []
    /// Keys asked about with `decodeNil(forKey:)` (how default `decodeIfPresent` implementations probe).
    var nilChecked: Set<String> = []
    var element: Source?
    /// An element of this unkeyed container was probed with `decodeNil()`.
    var nullableElement = false
    var single: SchemaNode?
    var nullable = false

    init(codingPath: [any CodingKey], depth: Int) {
        self.codingPath = codingPath
        self.depth = depth
    }

    var pathDescription: String { jsonPath(codingPath) }

    private func enter(_ shape: Shape) throws(CodecError) {
        guard self.shape == .none || self.shape == shape else {
            throw .unsupported("\(pathDescription) decodes both a \(self.shape) and a \(shape) container")
        }
        self.shape = shape
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        try enter(.keyed)
        return KeyedDecodingContainer(_SchemaKeyedContainer<Key>(recorder: self))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try enter(.unkeyed)
        return _SchemaUnkeyedContainer(recorder: self)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        try enter(.single)
        return _SchemaSingleValueContainer(recorder: self)
    }

    /// The schema of the value this recorder described.
    func node() throws(CodecError) -> SchemaNode {
        let node: SchemaNode
        switch shape {
        case .none: node = .object(properties: [:], required: [])
        case .keyed:
            var resolved: [String: SchemaNode] = [:]
            for (key, source) in properties { resolved[key] = try source.resolve() }
            node = .object(properties: resolved, required: required.sorted())
        case .unkeyed: node = .array(try element?.resolve() ?? .any)
        case .single: node = single ?? .any
        }
        return nullable ? .nullable(node) : node
    }

    func child(at key: (any CodingKey)?) throws(CodecError) -> _SchemaRecorder {
        let path = key.map { codingPath + [$0] } ?? codingPath
        guard depth < _SchemaRecorder.maximumDepth else {
            throw .unsupported(
                "\(jsonPath(path)) is nested deeper than \(_SchemaRecorder.maximumDepth) levels (a recursive type?)"
            )
        }
        return _SchemaRecorder(codingPath: path, depth: depth + 1)
    }

    func addProperty(_ key: some CodingKey, _ source: Source, required isRequired: Bool) {
        let name = key.stringValue
        properties[name] = source
        if isRequired && !nilChecked.contains(name) { required.insert(name) } else { required.remove(name) }
    }

    // MARK: Recording values

    /// A sample `T` and its schema.
    func record<T: Decodable>(_ type: T.Type, at key: (any CodingKey)?) throws -> (value: T, node: SchemaNode) {
        if T.self == String.self { return (_identityCast("", to: T.self), .string(format: nil, pattern: nil)) }
        if T.self == ID.self { return (_identityCast(ID(0), to: T.self), .string(format: "uuid", pattern: nil)) }
        if T.self == Timestamp.self {
            return (
                _identityCast(Timestamp(millisecondsSinceEpoch: 0), to: T.self),
                .string(format: "date-time", pattern: nil)
            )
        }
        if T.self == LocalDate.self {
            return (_identityCast(LocalDate(daysSinceEpoch: 0), to: T.self), .string(format: "date", pattern: nil))
        }
        if T.self == Money.self { return (_identityCast(Money.zero("CNY"), to: T.self), SchemaNode.money) }
        if T.self == Period.self {
            return (
                _identityCast(Period.year(2026), to: T.self),
                .string(format: nil, pattern: SchemaGenerator.periodPattern)
            )
        }
        if T.self == Bool.self { return (_identityCast(false, to: T.self), .boolean) }
        if let integer = T.self as? any FixedWidthInteger.Type { return (zero(integer, as: T.self), .integer) }
        if let float = T.self as? any BinaryFloatingPoint.Type { return (zero(float, as: T.self), .number) }
        if let special = T.self as? any _DecodingSpecial.Type {
            return try recordSpecial(special, as: T.self, recorder: try child(at: key))
        }
        if let enumeration = T.self as? any (CaseIterable & RawRepresentable).Type {
            return try recordEnum(enumeration, as: T.self, at: key)
        }
        if let advice = _SchemaRecorder.foundationAdvice(T.self) {
            let path = key.map { codingPath + [$0] } ?? codingPath
            throw CodecError.unsupported("\(T.self) at \(jsonPath(path)) is not an event field type: \(advice)")
        }
        let recorder = try child(at: key)
        let value = try T(from: recorder)
        return (value, try recorder.node())
    }

    private static func foundationAdvice(_ type: Any.Type) -> String? {
        switch ObjectIdentifier(type) {
        case ObjectIdentifier(Date.self): return "use Timestamp"
        case ObjectIdentifier(UUID.self): return "use ID"
        case ObjectIdentifier(Decimal.self): return "use Int64 minor units or basis points"
        case ObjectIdentifier(Data.self), ObjectIdentifier(URL.self): return "use String"
        default: return nil
        }
    }

    private func zero<N: Numeric, T>(_ type: N.Type, as: T.Type) -> T { _identityCast(N.zero, to: T.self) }

    private func recordSpecial<S: _DecodingSpecial, T>(
        _ special: S.Type,
        as: T.Type,
        recorder: _SchemaRecorder
    ) throws -> (value: T, node: SchemaNode) {
        let recorded = try S._recordSchema(recorder)
        return (_identityCast(recorded.value, to: T.self), recorded.node)
    }

    private func recordEnum<E: CaseIterable & RawRepresentable, T>(
        _ type: E.Type,
        as: T.Type,
        at key: (any CodingKey)?
    ) throws(CodecError) -> (value: T, node: SchemaNode) {
        let path = jsonPath(key.map { codingPath + [$0] } ?? codingPath)
        var values: [JSONValue] = []
        for value in E.allCases {
            switch value.rawValue {
            case let raw as String: values.append(.string(raw))
            case let raw as any BinaryInteger:
                guard let i = Int64(exactly: raw) else { throw .unsupported("\(E.self) at \(path): raw value \(raw)") }
                values.append(.integer(i))
            default:
                throw .unsupported("\(E.self) at \(path): enums need String or integer raw values")
            }
        }
        guard let first = E.allCases.first else { throw .unsupported("\(E.self) at \(path) has no cases") }
        return (_identityCast(first, to: T.self), .enumeration(values))
    }
}

// MARK: - Containers

struct _SchemaKeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let recorder: _SchemaRecorder

    var codingPath: [any CodingKey] { recorder.codingPath }
    var allKeys: [Key] { [] }

    func contains(_ key: Key) -> Bool { true }

    func decodeNil(forKey key: Key) throws -> Bool {
        recorder.nilChecked.insert(key.stringValue)
        recorder.required.remove(key.stringValue)
        return false
    }

    private func property<T: Decodable>(_ type: T.Type, _ key: Key, required: Bool) throws -> T {
        let recorded = try recorder.record(T.self, at: key)
        recorder.addProperty(key, .node(recorded.node), required: required)
        return recorded.value
    }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try property(type, key, required: true) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try property(type, key, required: true) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try property(type, key, required: true) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try property(type, key, required: true) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try property(type, key, required: true) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try property(type, key, required: true) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try property(type, key, required: true) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try property(type, key, required: true) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try property(type, key, required: true) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try property(type, key, required: true) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try property(type, key, required: true) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try property(type, key, required: true) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try property(type, key, required: true) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try property(type, key, required: true) }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try property(type, key, required: true) }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        try property(type, key, required: false)
    }

    func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type,
        forKey key: Key
    ) throws -> KeyedDecodingContainer<NestedKey> {
        let nested = try recorder.child(at: key)
        recorder.addProperty(key, .nested(nested), required: true)
        return try nested.container(keyedBy: NestedKey.self)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        let nested = try recorder.child(at: key)
        recorder.addProperty(key, .nested(nested), required: true)
        return try nested.unkeyedContainer()
    }

    /// JSON coders put a superclass under the key `super`.
    func superDecoder() throws -> any Decoder {
        let key = _NamedKey("super")
        let nested = try recorder.child(at: key)
        recorder.addProperty(key, .nested(nested), required: true)
        return nested
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        let nested = try recorder.child(at: key)
        recorder.addProperty(key, .nested(nested), required: true)
        return nested
    }
}

/// Answers one element, then reports the end: one element is enough to learn the element type.
struct _SchemaUnkeyedContainer: UnkeyedDecodingContainer {
    let recorder: _SchemaRecorder
    private(set) var currentIndex = 0

    init(recorder: _SchemaRecorder) { self.recorder = recorder }

    var codingPath: [any CodingKey] { recorder.codingPath }
    var count: Int? { 1 }
    var isAtEnd: Bool { currentIndex >= 1 }

    /// An element probed for `nil` is nullable.
    mutating func decodeNil() throws -> Bool {
        recorder.nullableElement = true
        return false
    }

    private mutating func element<T: Decodable>(_ type: T.Type) throws -> T {
        let recorded = try recorder.record(T.self, at: _IndexKey(intValue: currentIndex))
        if currentIndex == 0 {
            recorder.element = .node(recorder.nullableElement ? .nullable(recorded.node) : recorded.node)
        }
        currentIndex += 1
        return recorded.value
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool { try element(type) }
    mutating func decode(_ type: String.Type) throws -> String { try element(type) }
    mutating func decode(_ type: Double.Type) throws -> Double { try element(type) }
    mutating func decode(_ type: Float.Type) throws -> Float { try element(type) }
    mutating func decode(_ type: Int.Type) throws -> Int { try element(type) }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try element(type) }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try element(type) }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try element(type) }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try element(type) }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try element(type) }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try element(type) }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try element(type) }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try element(type) }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try element(type) }
    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try element(type) }

    private mutating func nested() throws -> _SchemaRecorder {
        let nested = try recorder.child(at: _IndexKey(intValue: currentIndex))
        if currentIndex == 0 { recorder.element = .nested(nested) }
        currentIndex += 1
        return nested
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type
    ) throws -> KeyedDecodingContainer<NestedKey> {
        try nested().container(keyedBy: NestedKey.self)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try nested().unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder { try nested() }
}

struct _SchemaSingleValueContainer: SingleValueDecodingContainer {
    let recorder: _SchemaRecorder

    var codingPath: [any CodingKey] { recorder.codingPath }

    /// A value probed for `nil` is nullable.
    func decodeNil() -> Bool {
        recorder.nullable = true
        return false
    }

    private func value<T: Decodable>(_ type: T.Type) throws -> T {
        let recorded = try recorder.record(T.self, at: nil)
        recorder.single = recorded.node
        return recorded.value
    }

    func decode(_ type: Bool.Type) throws -> Bool { try value(type) }
    func decode(_ type: String.Type) throws -> String { try value(type) }
    func decode(_ type: Double.Type) throws -> Double { try value(type) }
    func decode(_ type: Float.Type) throws -> Float { try value(type) }
    func decode(_ type: Int.Type) throws -> Int { try value(type) }
    func decode(_ type: Int8.Type) throws -> Int8 { try value(type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try value(type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try value(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try value(type) }
    func decode(_ type: UInt.Type) throws -> UInt { try value(type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try value(type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try value(type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try value(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try value(type) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try value(type) }
}

/// A coding key with a fixed name.
struct _NamedKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }

    init(_ name: String) { self.stringValue = name }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
