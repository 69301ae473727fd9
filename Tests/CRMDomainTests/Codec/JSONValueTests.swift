import CRMDomain
import Testing

@Suite struct JSONValueTests {
    @Test func parsesEveryKindOfValue() throws {
        let value = try JSONValue.parse(
            #" { "s": "a\"b\\c\/d\n\u00e9\ud83d\ude80", "i": -9223372036854775808, "n": 1.5e3, "z": -0, "#
                + #""big": 9223372036854775808, "t": true, "f": false, "null": null, "a": [1, [], {}] } "#
        )
        #expect(
            value
                == .object([
                    "s": .string("a\"b\\c/d\né🚀"),
                    "i": .integer(.min),
                    "n": .number(1500),
                    "z": .integer(0),
                    "big": .number(9_223_372_036_854_775_808),
                    "t": .bool(true),
                    "f": .bool(false),
                    "null": .null,
                    "a": .array([.integer(1), .array([]), .object([:])]),
                ])
        )
    }

    @Test func rendersSortedCompactAndPrettyForms() throws {
        let value: JSONValue = .object([
            "b": .array([.integer(1), .string("x/y")]),
            "a": .object([:]),
            "c": .string("tab\tquote\"\u{1}"),
            "d": .number(0.25),
        ])
        #expect(value.rendered() == #"{"a":{},"b":[1,"x/y"],"c":"tab\tquote\"\u0001","d":0.25}"#)
        #expect(
            value.prettyRendered() == """
                {
                  "a": {},
                  "b": [
                    1,
                    "x/y"
                  ],
                  "c": "tab\\tquote\\"\\u0001",
                  "d": 0.25
                }
                """
        )
        #expect(try JSONValue.parse(value.rendered()) == value)
        #expect(try JSONValue.parse(value.prettyRendered()) == value)
    }

    @Test func removingNullMembersKeepsNullArrayElements() {
        let value: JSONValue = .object(["a": .null, "b": .array([.null, .object(["c": .null, "d": .integer(1)])])])
        #expect(value.removingNullMembers == .object(["b": .array([.null, .object(["d": .integer(1)])])]))
    }

    @Test(arguments: [
        ("", "JSON at byte 0: unexpected end of input, expected a value"),
        ("[1,]", "JSON at byte 3: unexpected character ']'"),
        ("{\"a\":1,}", "JSON at byte 7: expected a member name in quotes"),
        ("01", "JSON at byte 1: leading zero in number"),
        ("1.", "JSON at byte 2: expected a digit after '.'"),
        ("\"a\u{1}\"", "JSON at byte 2: unescaped control character 0x1 in string"),
        (#""\ud800""#, "JSON at byte 7: unpaired high surrogate \\ud800"),
        (#""\x""#, "JSON at byte 3: invalid escape '\\x'"),
        (#"{"a":1,"a":2}"#, "JSON at byte 7: duplicate member name \"a\""),
        ("true false", "JSON at byte 5: unexpected content after the JSON value"),
        ("nul", "JSON at byte 0: truncated literal"),
        ("1e400", "JSON at byte 5: number 1e400 is out of range"),
    ])
    func malformedTextIsRejectedWithItsOffset(text: String, message: String) {
        let error = CodecTestSupport.codecError { _ = try JSONValue.parse(text) }
        #expect(error == .malformed(message))
    }

    @Test func invalidUTF8AndDeepNestingAreRejected() {
        let utf8 = CodecTestSupport.codecError { _ = try JSONValue.parse([0x22, 0xC3, 0x28, 0x22]) }
        #expect(utf8 == .malformed("JSON at byte 4: string is not valid UTF-8"))

        let deep = String(repeating: "[", count: 600) + String(repeating: "]", count: 600)
        let depth = CodecTestSupport.codecError { _ = try JSONValue.parse(deep) }
        #expect(depth == .malformed("JSON at byte 512: nested deeper than 512"))
        #expect(throws: Never.self) {
            _ = try JSONValue.parse(String(repeating: "[", count: 500) + String(repeating: "]", count: 500))
        }
    }
}
