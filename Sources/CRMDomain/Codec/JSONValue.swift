/// A parsed JSON value, used by ``SchemaValidator``, ``SchemaGenerator`` and JSON Lines import checks.
///
/// Integers without fraction or exponent that fit in 64 bits are ``integer(_:)``; every other number is
/// ``number(_:)``. Objects keep no key order (renderings sort keys), and duplicate keys are rejected when parsing.
///
/// ```swift
/// let line = try JSONValue.parse(#"{"type":"UserOnboarded","schemaVersion":2,"data":{}}"#)
/// line["schemaVersion"]  // .integer(2)
/// line.rendered()        // {"data":{},"schemaVersion":2,"type":"UserOnboarded"}
/// ```
public enum JSONValue: Hashable, Sendable, CustomStringConvertible {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// The member `key` of an object; `nil` for a missing key or a value that is not an object.
    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    /// The JSON type name: `null`, `boolean`, `integer`, `number`, `string`, `array` or `object`.
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .integer: return "integer"
        case .number: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    /// The value with every `null` object member removed, recursively (an absent optional and an explicit `null`
    /// mean the same to the event codecs).
    public var removingNullMembers: JSONValue {
        switch self {
        case .array(let elements): return .array(elements.map(\.removingNullMembers))
        case .object(let members):
            var kept: [String: JSONValue] = [:]
            for (key, value) in members where value != .null { kept[key] = value.removingNullMembers }
            return .object(kept)
        default: return self
        }
    }

    public var description: String { rendered() }

    // MARK: Rendering

    /// Compact JSON with keys sorted (by Unicode scalar values), slashes unescaped.
    public func rendered() -> String {
        var out = ""
        render(into: &out, indent: nil)
        return out
    }

    /// JSON with keys sorted, two-space indentation and `"key": value`; deterministic on every platform.
    public func prettyRendered() -> String {
        var out = ""
        render(into: &out, indent: 0)
        return out
    }

    private func render(into out: inout String, indent: Int?) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .integer(let i): out += String(i)
        case .number(let d): out += JSONValue.format(d)
        case .string(let s): JSONValue.renderString(s, into: &out)
        case .array(let elements):
            guard !elements.isEmpty else { return out += "[]" }
            out += "["
            for (i, element) in elements.enumerated() {
                if i > 0 { out += "," }
                JSONValue.newline(&out, indent.map { $0 + 1 })
                element.render(into: &out, indent: indent.map { $0 + 1 })
            }
            JSONValue.newline(&out, indent)
            out += "]"
        case .object(let members):
            guard !members.isEmpty else { return out += "{}" }
            out += "{"
            for (i, key) in members.keys.sorted(by: JSONValue.keyOrder).enumerated() {
                if i > 0 { out += "," }
                JSONValue.newline(&out, indent.map { $0 + 1 })
                JSONValue.renderString(key, into: &out)
                out += indent == nil ? ":" : ": "
                members[key]!.render(into: &out, indent: indent.map { $0 + 1 })
            }
            JSONValue.newline(&out, indent)
            out += "}"
        }
    }

    /// Key order of renderings: by Unicode scalar values, the same on every platform and locale.
    static func keyOrder(_ a: String, _ b: String) -> Bool {
        a.unicodeScalars.lexicographicallyPrecedes(b.unicodeScalars)
    }

    private static func newline(_ out: inout String, _ indent: Int?) {
        guard let indent else { return }
        out += "\n" + String(repeating: "  ", count: indent)
    }

    private static func format(_ d: Double) -> String {
        if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) + ".0" }
        return "\(d)"
    }

    static func renderString(_ s: String, into out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case let c where c.value < 0x20:
                let hex = String(c.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }

    // MARK: Parsing

    /// Parses one JSON text (RFC 8259), surrounded by optional whitespace.
    ///
    /// - Throws: ``CodecError/malformed(_:)`` naming the byte offset of the first error; nesting deeper than
    ///   512 levels is rejected the same way.
    public static func parse(_ text: String) throws(CodecError) -> JSONValue {
        try parse(Array(text.utf8))
    }

    /// Parses one JSON text from UTF-8 bytes.
    public static func parse(_ bytes: [UInt8]) throws(CodecError) -> JSONValue {
        try withBytes(bytes) { raw throws(CodecError) in try parse(raw) }
    }

    /// Parses one JSON text from UTF-8 bytes.
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(CodecError) -> JSONValue {
        var parser = _JSONParser(bytes)
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.offset == bytes.count else { throw parser.error("unexpected content after the JSON value") }
        return value
    }
}

/// A strict recursive-descent JSON parser over UTF-8 bytes.
struct _JSONParser {
    static let maximumDepth = 512

    let bytes: UnsafeRawBufferPointer
    var offset = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    func error(_ message: String) -> CodecError { .malformed("JSON at byte \(offset): \(message)") }

    var peek: UInt8? { offset < bytes.count ? bytes[offset] : nil }

    mutating func skipWhitespace() {
        while let c = peek, c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { offset += 1 }
    }

    mutating func expect(_ literal: StaticString, value: JSONValue) throws(CodecError) -> JSONValue {
        let count = literal.utf8CodeUnitCount
        guard bytes.count - offset >= count else { throw error("truncated literal") }
        for i in 0..<count where bytes[offset + i] != literal.utf8Start[i] {
            throw error("invalid literal")
        }
        offset += count
        return value
    }

    mutating func parseValue(depth: Int) throws(CodecError) -> JSONValue {
        guard depth < _JSONParser.maximumDepth else { throw error("nested deeper than \(_JSONParser.maximumDepth)") }
        skipWhitespace()
        guard let c = peek else { throw error("unexpected end of input, expected a value") }
        switch c {
        case UInt8(ascii: "{"): return try parseObject(depth: depth)
        case UInt8(ascii: "["): return try parseArray(depth: depth)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): return try expect("true", value: .bool(true))
        case UInt8(ascii: "f"): return try expect("false", value: .bool(false))
        case UInt8(ascii: "n"): return try expect("null", value: .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw error("unexpected character '\(Unicode.Scalar(c))'")
        }
    }

    mutating func parseObject(depth: Int) throws(CodecError) -> JSONValue {
        offset += 1
        var members: [String: JSONValue] = [:]
        skipWhitespace()
        if peek == UInt8(ascii: "}") {
            offset += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard peek == UInt8(ascii: "\"") else { throw error("expected a member name in quotes") }
            let keyOffset = offset
            let key = try parseString()
            skipWhitespace()
            guard peek == UInt8(ascii: ":") else { throw error("expected ':' after member name") }
            offset += 1
            let value = try parseValue(depth: depth + 1)
            guard members.updateValue(value, forKey: key) == nil else {
                offset = keyOffset
                throw error("duplicate member name \"\(key)\"")
            }
            skipWhitespace()
            switch peek {
            case UInt8(ascii: ","): offset += 1
            case UInt8(ascii: "}"):
                offset += 1
                return .object(members)
            default: throw error("expected ',' or '}' in object")
            }
        }
    }

    mutating func parseArray(depth: Int) throws(CodecError) -> JSONValue {
        offset += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if peek == UInt8(ascii: "]") {
            offset += 1
            return .array(elements)
        }
        while true {
            elements.append(try parseValue(depth: depth + 1))
            skipWhitespace()
            switch peek {
            case UInt8(ascii: ","): offset += 1
            case UInt8(ascii: "]"):
                offset += 1
                return .array(elements)
            default: throw error("expected ',' or ']' in array")
            }
        }
    }

    mutating func parseString() throws(CodecError) -> String {
        offset += 1  // opening quote
        var utf8: [UInt8] = []
        while true {
            guard let c = peek else { throw error("unterminated string") }
            switch c {
            case UInt8(ascii: "\""):
                offset += 1
                guard let s = String(validating: utf8, as: UTF8.self) else { throw error("string is not valid UTF-8") }
                return s
            case UInt8(ascii: "\\"):
                offset += 1
                guard let e = peek else { throw error("unterminated escape") }
                offset += 1
                switch e {
                case UInt8(ascii: "\""): utf8.append(0x22)
                case UInt8(ascii: "\\"): utf8.append(0x5C)
                case UInt8(ascii: "/"): utf8.append(0x2F)
                case UInt8(ascii: "b"): utf8.append(0x08)
                case UInt8(ascii: "f"): utf8.append(0x0C)
                case UInt8(ascii: "n"): utf8.append(0x0A)
                case UInt8(ascii: "r"): utf8.append(0x0D)
                case UInt8(ascii: "t"): utf8.append(0x09)
                case UInt8(ascii: "u"):
                    let scalar = try parseUnicodeEscape()
                    utf8.append(contentsOf: Array(String(Character(scalar)).utf8))
                default: throw error("invalid escape '\\\(Unicode.Scalar(e))'")
                }
            case 0x00..<0x20:
                throw error("unescaped control character 0x\(String(c, radix: 16)) in string")
            default:
                utf8.append(c)
                offset += 1
            }
        }
    }

    /// After `\u`: four hex digits, and a second `\uXXXX` for a surrogate pair.
    mutating func parseUnicodeEscape() throws(CodecError) -> Unicode.Scalar {
        let high = try parseHex4()
        if (0xD800..<0xDC00).contains(high) {
            guard bytes.count - offset >= 2, bytes[offset] == UInt8(ascii: "\\"), bytes[offset + 1] == UInt8(ascii: "u")
            else { throw error("unpaired high surrogate \\u\(String(high, radix: 16))") }
            offset += 2
            let low = try parseHex4()
            guard (0xDC00..<0xE000).contains(low) else { throw error("invalid low surrogate") }
            return Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))!
        }
        guard let scalar = Unicode.Scalar(high) else { throw error("unpaired low surrogate") }
        return scalar
    }

    mutating func parseHex4() throws(CodecError) -> UInt32 {
        guard bytes.count - offset >= 4 else { throw error("truncated \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[offset]
            let digit: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(c - UInt8(ascii: "A") + 10)
            default: throw error("invalid hex digit in \\u escape")
            }
            v = v << 4 | digit
            offset += 1
        }
        return v
    }

    mutating func parseNumber() throws(CodecError) -> JSONValue {
        let start = offset
        func isDigit(_ c: UInt8?) -> Bool { c.map { $0 >= 0x30 && $0 <= 0x39 } ?? false }
        if peek == UInt8(ascii: "-") { offset += 1 }
        guard isDigit(peek) else { throw error("expected a digit") }
        if peek == UInt8(ascii: "0") {
            offset += 1
            if isDigit(peek) { throw error("leading zero in number") }
        } else {
            while isDigit(peek) { offset += 1 }
        }
        var isInteger = true
        if peek == UInt8(ascii: ".") {
            isInteger = false
            offset += 1
            guard isDigit(peek) else { throw error("expected a digit after '.'") }
            while isDigit(peek) { offset += 1 }
        }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            isInteger = false
            offset += 1
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { offset += 1 }
            guard isDigit(peek) else { throw error("expected a digit in the exponent") }
            while isDigit(peek) { offset += 1 }
        }
        let lexeme = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<offset]), as: UTF8.self)
        if isInteger, let i = Int64(lexeme) { return .integer(i) }
        guard let d = Double(lexeme), d.isFinite else { throw error("number \(lexeme) is out of range") }
        return .number(d)
    }
}
