/// Validates JSON values against the JSON Schema subset that ``SchemaGenerator`` emits.
///
/// Supported keywords: `type` (a name or a list), `properties`, `required`, `additionalProperties: false`, `enum`,
/// `items`, `format` (`uuid`, `date-time`, `date`) and `pattern`; the annotations `$schema`, `$id`, `title`,
/// `description`, `$comment` and `x-schemaVersion` are ignored. Any other keyword makes ``init(schema:)`` throw, so
/// a schema is never silently half-checked. `integer` accepts JSON numbers written without fraction or exponent.
///
/// ```swift
/// let validator = try SchemaValidator(schema: try SchemaGenerator.schema(for: UserOnboarded.self))
/// for violation in validator.validate(try JSONValue.parse(payloadText), path: "$.data") {
///     print(violation)  // $.data.userId: expected a UUID, got string "42"
/// }
/// ```
public struct SchemaValidator: Sendable {
    private let root: _CompiledSchema

    /// Compiles `schema`.
    ///
    /// - Throws: ``CodecError/unsupported(_:)`` naming the keyword and its schema path when the schema uses
    ///   something this validator does not check; ``CodecError/malformed(_:)`` when a keyword has the wrong shape.
    public init(schema: JSONValue) throws(CodecError) {
        self.root = try _CompiledSchema(schema, path: "#")
    }

    /// The validator of `type`'s generated schema.
    public init(for type: any DomainEvent.Type) throws(CodecError) {
        try self.init(schema: try SchemaGenerator.schema(for: type))
    }

    /// Every violation of the schema by `value`, in document order (object members by sorted key); empty when
    /// `value` is valid.
    ///
    /// - Parameter path: the JSON path of `value` in its document, used as the prefix of violation paths.
    public func validate(_ value: JSONValue, path: String = "$") -> [SchemaViolation] {
        var violations: [SchemaViolation] = []
        root.validate(value, path: path, into: &violations)
        return violations
    }
}

/// One way a JSON value breaks its schema: where (a JSON path) and what.
public struct SchemaViolation: Hashable, Sendable, CustomStringConvertible {
    /// The JSON path of the offending value, e.g. `$.data.amount.currency`.
    public let path: String
    /// What is wrong, e.g. `expected a string matching ^[A-Z]{3}$, got string "cny"`.
    public let message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message)" }
}

/// A compiled schema node (a class so that nodes can nest).
final class _CompiledSchema: Sendable {
    enum Format: String, Sendable {
        case uuid
        case dateTime = "date-time"
        case date

        func accepts(_ s: String) -> Bool {
            switch self {
            case .uuid: return s.utf8.count == 36 && ID(s) != nil
            case .dateTime: return RFC3339.parse(s) != nil
            case .date: return LocalDate(iso: s) != nil
            }
        }

        var expectation: String {
            switch self {
            case .uuid: return "a UUID"
            case .dateTime: return "an RFC 3339 date-time such as 2026-03-31T10:00:00Z"
            case .date: return "a date YYYY-MM-DD"
            }
        }
    }

    /// The patterns the generator emits, checked natively.
    enum Pattern: Sendable {
        case currencyCode
        case period

        init?(_ pattern: String) {
            switch pattern {
            case SchemaGenerator.currencyPattern: self = .currencyCode
            case SchemaGenerator.periodPattern: self = .period
            default: return nil
            }
        }

        var source: String {
            switch self {
            case .currencyCode: return SchemaGenerator.currencyPattern
            case .period: return SchemaGenerator.periodPattern
            }
        }

        func accepts(_ s: String) -> Bool {
            switch self {
            case .currencyCode: return s.utf8.count == 3 && s.utf8.allSatisfy { $0 >= 0x41 && $0 <= 0x5A }
            case .period: return Period(parsing: s) != nil
            }
        }
    }

    static let annotations: Set<String> = ["$schema", "$id", "title", "description", "$comment", "x-schemaVersion"]

    let types: [String]?
    let properties: [String: _CompiledSchema]
    let required: [String]
    let closed: Bool
    let items: _CompiledSchema?
    let enumValues: [JSONValue]?
    let format: Format?
    let pattern: Pattern?

    init(_ schema: JSONValue, path: String) throws(CodecError) {
        guard case .object(let keywords) = schema else {
            throw .malformed("schema at \(path) is \(schema.typeName), expected an object")
        }
        for keyword in keywords.keys.sorted() {
            switch keyword {
            case "type", "properties", "required", "additionalProperties", "enum", "items", "format", "pattern": break
            case _ where _CompiledSchema.annotations.contains(keyword): break
            default: throw .unsupported("schema keyword '\(keyword)' at \(path) is not supported by SchemaValidator")
            }
        }

        switch keywords["type"] {
        case nil: types = nil
        case .string(let t)?: types = [try _CompiledSchema.typeName(t, path)]
        case .array(let list)?:
            var names: [String] = []
            for element in list {
                guard case .string(let t) = element else { throw .malformed("schema \(path)/type lists a non-string") }
                names.append(try _CompiledSchema.typeName(t, path))
            }
            types = names
        case let other?: throw .malformed("schema \(path)/type is \(other.typeName), expected a string or an array")
        }

        var properties: [String: _CompiledSchema] = [:]
        switch keywords["properties"] {
        case nil: break
        case .object(let members)?:
            for (name, subschema) in members {
                properties[name] = try _CompiledSchema(subschema, path: "\(path)/properties/\(name)")
            }
        case let other?: throw .malformed("schema \(path)/properties is \(other.typeName), expected an object")
        }
        self.properties = properties

        var required: [String] = []
        switch keywords["required"] {
        case nil: break
        case .array(let list)?:
            for element in list {
                guard case .string(let name) = element else {
                    throw .malformed("schema \(path)/required lists a non-string")
                }
                required.append(name)
            }
        case let other?: throw .malformed("schema \(path)/required is \(other.typeName), expected an array")
        }
        self.required = required

        switch keywords["additionalProperties"] {
        case nil, .bool(true)?: closed = false
        case .bool(false)?: closed = true
        case _?: throw .unsupported("schema \(path)/additionalProperties: only true or false is supported")
        }

        items = try keywords["items"].map { schema throws(CodecError) in
            try _CompiledSchema(schema, path: "\(path)/items")
        }

        switch keywords["enum"] {
        case nil: enumValues = nil
        case .array(let values)?: enumValues = values
        case let other?: throw .malformed("schema \(path)/enum is \(other.typeName), expected an array")
        }

        switch keywords["format"] {
        case nil: format = nil
        case .string(let name)?:
            guard let f = Format(rawValue: name) else {
                throw .unsupported("schema \(path)/format '\(name)' is not supported (uuid, date-time, date are)")
            }
            format = f
        case let other?: throw .malformed("schema \(path)/format is \(other.typeName), expected a string")
        }

        switch keywords["pattern"] {
        case nil: pattern = nil
        case .string(let source)?:
            guard let p = Pattern(source) else {
                throw .unsupported(
                    "schema \(path)/pattern '\(source)' is not supported (\(SchemaGenerator.currencyPattern) and "
                        + "\(SchemaGenerator.periodPattern) are)"
                )
            }
            pattern = p
        case let other?: throw .malformed("schema \(path)/pattern is \(other.typeName), expected a string")
        }
    }

    private static func typeName(_ name: String, _ path: String) throws(CodecError) -> String {
        switch name {
        case "null", "boolean", "integer", "number", "string", "array", "object": return name
        default: throw .malformed("schema \(path)/type '\(name)' is not a JSON Schema type")
        }
    }

    private static func matches(_ value: JSONValue, _ type: String) -> Bool {
        switch (value, type) {
        case (.null, "null"), (.bool, "boolean"), (.integer, "integer"), (.integer, "number"), (.number, "number"),
            (.string, "string"), (.array, "array"), (.object, "object"):
            return true
        default:
            return false
        }
    }

    func validate(_ value: JSONValue, path: String, into violations: inout [SchemaViolation]) {
        if let types, !types.contains(where: { _CompiledSchema.matches(value, $0) }) {
            let expected = types.count == 1 ? types[0] : "one of " + types.joined(separator: ", ")
            return violations.append(SchemaViolation(path: path, message: "expected \(expected), got \(brief(value))"))
        }
        if let enumValues, !enumValues.contains(value) {
            let list = enumValues.map { $0.rendered() }.joined(separator: ", ")
            return violations.append(
                SchemaViolation(path: path, message: "expected one of \(list), got \(brief(value))")
            )
        }
        switch value {
        case .string(let s):
            if let format, !format.accepts(s) {
                violations.append(
                    SchemaViolation(path: path, message: "expected \(format.expectation), got \(brief(value))")
                )
            }
            if let pattern, !pattern.accepts(s) {
                violations.append(
                    SchemaViolation(
                        path: path,
                        message: "expected a string matching \(pattern.source), got \(brief(value))"
                    )
                )
            }
        case .array(let elements):
            guard let items else { return }
            for (i, element) in elements.enumerated() {
                items.validate(element, path: path + "[\(i)]", into: &violations)
            }
        case .object(let members):
            for name in required.sorted() where members[name] == nil {
                violations.append(SchemaViolation(path: member(path, name), message: "required property is missing"))
            }
            for name in members.keys.sorted(by: JSONValue.keyOrder) {
                if let schema = properties[name] {
                    schema.validate(members[name]!, path: member(path, name), into: &violations)
                } else if closed {
                    let allowed = properties.keys.sorted().joined(separator: ", ")
                    violations.append(
                        SchemaViolation(path: member(path, name), message: "unknown property (allowed: \(allowed))")
                    )
                }
            }
        default:
            break
        }
    }

    private func member(_ path: String, _ name: String) -> String {
        var out = path
        appendPathComponent(name, to: &out)
        return out
    }

    /// `string "abc"`, `integer 5`, `object`: the offending value, shortened.
    private func brief(_ value: JSONValue) -> String {
        switch value {
        case .array(let elements): return "array of \(elements.count)"
        case .object: return "object"
        case .null: return "null"
        default:
            let text = value.rendered()
            return value.typeName + " " + (text.count > 60 ? String(text.prefix(57)) + "..." : text)
        }
    }
}
