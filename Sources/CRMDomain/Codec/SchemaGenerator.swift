/// Generates the JSON Schema (draft 2020-12) of an event payload from its Swift type.
///
/// The generator decodes the type with a recording `Decoder` that notes every field the type asks for:
/// `decode` makes a field required, `decodeIfPresent` optional; nested structs become nested objects; arrays
/// record their element type. Special types get their JSON form: ``ID`` is a `uuid` string, ``Timestamp`` a
/// `date-time` string, ``LocalDate`` a `date` string, ``Period`` a string with a pattern, ``Money`` an object
/// with `amountMinor` and a three-letter `currency`. `String`-raw `CaseIterable` enums list their cases in
/// `enum`. Every object has `additionalProperties: false`.
///
/// The output is deterministic (sorted keys, two-space indentation, trailing newline), so `Schemas/` can be
/// compared with the generated text in tests.
///
/// ```swift
/// let text = try SchemaGenerator.render(UserOnboarded.self)
/// SchemaGenerator.fileName(for: UserOnboarded.self)  // "UserOnboarded.v2.schema.json"
/// ```
public enum SchemaGenerator {
    /// The JSON Schema dialect of every generated schema.
    public static let dialect = "https://json-schema.org/draft/2020-12/schema"
    /// The prefix of every schema's `$id`; the file name follows.
    public static let idPrefix = "https://crm-engine.local/schemas/"
    /// The pattern of ``Money/currency``: an ISO 4217 code.
    public static let currencyPattern = "^[A-Z]{3}$"
    /// The pattern of a ``Period``: `2026`, `2026-03` or `2026-Q1`.
    public static let periodPattern = "^[0-9]{4}(-(0[1-9]|1[0-2])|-Q[1-4])?$"

    /// `<eventType>.v<schemaVersion>.schema.json`.
    public static func fileName(for type: any DomainEvent.Type) -> String {
        "\(type.eventType).v\(type.schemaVersion).schema.json"
    }

    /// The schema of `type`'s payload as a JSON value.
    ///
    /// - Throws: ``CodecError/unsupported(_:)`` naming the field when the type cannot be described: a
    ///   `Dictionary` or `Set`, a `Date`/`Data`/`Decimal`/`URL`/`UUID` field, an enum that is not `CaseIterable`,
    ///   a type nested more than 64 levels (recursive), or an `init(from:)` that rejects the recorder's sample
    ///   values.
    public static func schema(for type: any DomainEvent.Type) throws(CodecError) -> JSONValue {
        let node = try record(type)
        guard case .object(var members) = node.json else {
            throw .unsupported("\(type) does not decode a keyed container, so it has no JSON object schema")
        }
        members["$schema"] = .string(dialect)
        members["$id"] = .string(idPrefix + fileName(for: type))
        members["title"] = .string(type.eventType)
        members["x-schemaVersion"] = .integer(Int64(type.schemaVersion))
        return .object(members)
    }

    /// The schema file text of `type`: pretty JSON with sorted keys and a trailing newline.
    public static func render(_ type: any DomainEvent.Type) throws(CodecError) -> String {
        try schema(for: type).prettyRendered() + "\n"
    }

    /// The schema file of each of `types`, sorted by file name. Writing them is the caller's job (this module does
    /// no I/O): `for f in files { try f.contents.write(toFile: dir + "/" + f.fileName, ...) }`.
    public static func files(for types: [any DomainEvent.Type]) throws(CodecError) -> [SchemaFile] {
        var files: [SchemaFile] = []
        for type in types { files.append(SchemaFile(fileName: fileName(for: type), contents: try render(type))) }
        return files.sorted { $0.fileName < $1.fileName }
    }

    /// The schema files of every payload type `registry` reads: current versions and the legacy versions its
    /// upcasters start from.
    public static func files(for registry: EventRegistry) throws(CodecError) -> [SchemaFile] {
        try files(for: registry.payloadTypes)
    }

    private static func record(_ type: any DomainEvent.Type) throws(CodecError) -> SchemaNode {
        try recordRoot(type)
    }

    private static func recordRoot<T: DomainEvent>(_ type: T.Type) throws(CodecError) -> SchemaNode {
        let recorder = _SchemaRecorder(codingPath: [], depth: 0)
        do {
            _ = try T(from: recorder)
            return try recorder.node()
        } catch let error as CodecError {
            throw error
        } catch let error as DecodingError {
            throw .unsupported(
                "cannot describe \(T.self): \(describe(error)) (String-raw enums must be CaseIterable; "
                    + "init(from:) must accept empty strings and zero numbers)"
            )
        } catch {
            throw .unsupported("cannot describe \(T.self): \(error)")
        }
    }
}

/// One generated schema file.
public struct SchemaFile: Hashable, Sendable {
    /// `<eventType>.v<schemaVersion>.schema.json`.
    public let fileName: String
    /// The schema text, ending with a newline.
    public let contents: String

    public init(fileName: String, contents: String) {
        self.fileName = fileName
        self.contents = contents
    }
}

/// The shape of a payload as recorded by ``_SchemaRecorder``.
indirect enum SchemaNode: Hashable, Sendable {
    case string(format: String?, pattern: String?)
    /// A closed set of raw values (strings, or integers for integer-raw enums).
    case enumeration([JSONValue])
    case integer
    case number
    case boolean
    case array(SchemaNode)
    case object(properties: [String: SchemaNode], required: [String])
    /// A value that may be JSON `null` (an `Optional` inside an array).
    case nullable(SchemaNode)
    /// Anything (an unkeyed container of a custom type that decoded no element).
    case any

    static let money = SchemaNode.object(
        properties: [
            "amountMinor": .integer,
            "currency": .string(format: nil, pattern: SchemaGenerator.currencyPattern),
        ],
        required: ["amountMinor", "currency"]
    )

    var json: JSONValue {
        switch self {
        case .string(let format, let pattern):
            var members: [String: JSONValue] = ["type": .string("string")]
            if let format { members["format"] = .string(format) }
            if let pattern { members["pattern"] = .string(pattern) }
            return .object(members)
        case .enumeration(let values):
            let type = values.allSatisfy { if case .integer = $0 { true } else { false } } ? "integer" : "string"
            return .object(["type": .string(type), "enum": .array(values)])
        case .integer: return .object(["type": .string("integer")])
        case .number: return .object(["type": .string("number")])
        case .boolean: return .object(["type": .string("boolean")])
        case .array(let element): return .object(["type": .string("array"), "items": element.json])
        case .object(let properties, let required):
            var members: [String: JSONValue] = [
                "type": .string("object"),
                "properties": .object(properties.mapValues(\.json)),
                "additionalProperties": .bool(false),
            ]
            if !required.isEmpty { members["required"] = .array(required.sorted().map(JSONValue.string)) }
            return .object(members)
        case .nullable(let inner):
            guard case .object(var members) = inner.json, case .string(let type)? = members["type"] else {
                return inner.json
            }
            members["type"] = .array([.string(type), .string("null")])
            if case .array(var values)? = members["enum"] {
                values.append(.null)
                members["enum"] = .array(values)
            }
            return .object(members)
        case .any: return .object([:])
        }
    }
}
