import CRMDomain
import Foundation
import Testing

enum ProbeLevel: Int, Codable, Hashable, Sendable, CaseIterable { case low = 1, high = 2 }

struct ProbeDetail: Codable, Hashable, Sendable {
    let kind: Grantee.Kind
    let notes: [String]
    let score: Int64?
}

/// Every kind of field the generator knows.
struct SchemaProbe: DomainEvent {
    static let eventType = "SchemaProbe"
    static let schemaVersion = 3
    let amount: Money
    let period: Period
    let due: LocalDate
    let at: Timestamp?
    let ratio: Double
    let active: Bool
    let count: Int
    let maybeIDs: [ID?]
    let detail: ProbeDetail?
    let details: [ProbeDetail]
    let level: ProbeLevel
}

private struct WithDictionaryEvent: DomainEvent {
    static let eventType = "WithDictionaryEvent"
    let id: ID
    let counts: [String: Int]
}

private struct WithSetEvent: DomainEvent {
    static let eventType = "WithSetEvent"
    let tags: Set<String>
}

private enum NotIterable: String, Codable, Hashable, Sendable { case a, b }

private struct WithNonIterableEnum: DomainEvent {
    static let eventType = "WithNonIterableEnum"
    let choice: NotIterable
}

private struct WithDate: DomainEvent {
    static let eventType = "WithDate"
    let when: Date
}

private struct TreeNode: Codable, Hashable, Sendable {
    let children: [TreeNode]
}

private struct WithRecursion: DomainEvent {
    static let eventType = "WithRecursion"
    let root: TreeNode
}

@Suite struct SchemaGeneratorTests {
    @Test func userOnboardedSchemaIsTheGoldenText() throws {
        let expected = """
            {
              "$id": "https://crm-engine.local/schemas/UserOnboarded.v2.schema.json",
              "$schema": "https://json-schema.org/draft/2020-12/schema",
              "additionalProperties": false,
              "properties": {
                "departmentId": {
                  "format": "uuid",
                  "type": "string"
                },
                "managerUserId": {
                  "format": "uuid",
                  "type": "string"
                },
                "name": {
                  "type": "string"
                },
                "roleIds": {
                  "items": {
                    "format": "uuid",
                    "type": "string"
                  },
                  "type": "array"
                },
                "userId": {
                  "format": "uuid",
                  "type": "string"
                }
              },
              "required": [
                "departmentId",
                "name",
                "roleIds",
                "userId"
              ],
              "title": "UserOnboarded",
              "type": "object",
              "x-schemaVersion": 2
            }

            """
        #expect(try SchemaGenerator.render(UserOnboarded.self) == expected)
        #expect(SchemaGenerator.fileName(for: UserOnboarded.self) == "UserOnboarded.v2.schema.json")
    }

    @Test func theLegacyVersionHasItsOwnSchema() throws {
        let schema = try SchemaGenerator.schema(for: UserOnboardedV1.self)
        #expect(schema["$id"] == .string("https://crm-engine.local/schemas/UserOnboarded.v1.schema.json"))
        #expect(schema["x-schemaVersion"] == .integer(1))
        #expect(schema["required"] == .array([.string("departmentId"), .string("name"), .string("userId")]))
        #expect(schema["properties"]?["roleId"] == .object(["type": .string("string"), "format": .string("uuid")]))
    }

    @Test func specialTypesNestedStructsAndEnumsGetTheirJSONForms() throws {
        let schema = try SchemaGenerator.schema(for: SchemaProbe.self)
        let properties = try #require(schema["properties"])
        #expect(
            properties["amount"]
                == .object([
                    "type": .string("object"),
                    "additionalProperties": .bool(false),
                    "properties": .object([
                        "amountMinor": .object(["type": .string("integer")]),
                        "currency": .object(["type": .string("string"), "pattern": .string("^[A-Z]{3}$")]),
                    ]),
                    "required": .array([.string("amountMinor"), .string("currency")]),
                ])
        )
        #expect(
            properties["period"]
                == .object(["type": .string("string"), "pattern": .string("^[0-9]{4}(-(0[1-9]|1[0-2])|-Q[1-4])?$")])
        )
        #expect(properties["due"] == .object(["type": .string("string"), "format": .string("date")]))
        #expect(properties["at"] == .object(["type": .string("string"), "format": .string("date-time")]))
        #expect(properties["ratio"] == .object(["type": .string("number")]))
        #expect(properties["active"] == .object(["type": .string("boolean")]))
        #expect(properties["count"] == .object(["type": .string("integer")]))
        #expect(
            properties["maybeIDs"]
                == .object([
                    "type": .string("array"),
                    "items": .object(["type": .array([.string("string"), .string("null")]), "format": .string("uuid")]),
                ])
        )
        let detail: JSONValue = .object([
            "type": .string("object"),
            "additionalProperties": .bool(false),
            "properties": .object([
                "kind": .object([
                    "type": .string("string"),
                    "enum": .array([.string("user"), .string("role"), .string("dept"), .string("group")]),
                ]),
                "notes": .object(["type": .string("array"), "items": .object(["type": .string("string")])]),
                "score": .object(["type": .string("integer")]),
            ]),
            "required": .array([.string("kind"), .string("notes")]),
        ])
        #expect(properties["detail"] == detail)
        #expect(properties["details"] == .object(["type": .string("array"), "items": detail]))
        #expect(
            properties["level"] == .object(["type": .string("integer"), "enum": .array([.integer(1), .integer(2)])])
        )
        #expect(
            schema["required"]
                == .array(
                    ["active", "amount", "count", "details", "due", "level", "maybeIDs", "period", "ratio"].map(
                        JSONValue.string
                    )
                )
        )
        #expect(schema["title"] == .string("SchemaProbe"))
        #expect(schema["x-schemaVersion"] == .integer(3))
    }

    @Test func typesWithoutAFaithfulJSONSchemaAreRejectedNamingTheField() throws {
        let dictionary = CodecTestSupport.codecError { _ = try SchemaGenerator.schema(for: WithDictionaryEvent.self) }
        #expect(dictionary?.isUnsupported == true)
        #expect(dictionary?.detail.contains("$.counts") == true)

        let set = CodecTestSupport.codecError { _ = try SchemaGenerator.schema(for: WithSetEvent.self) }
        #expect(set?.detail.contains("Set<String> at $.tags") == true)

        let nonIterable = CodecTestSupport.codecError { _ = try SchemaGenerator.schema(for: WithNonIterableEnum.self) }
        #expect(nonIterable?.isUnsupported == true)
        #expect(nonIterable?.detail.contains("$.choice") == true)
        #expect(nonIterable?.detail.contains("CaseIterable") == true)

        let date = CodecTestSupport.codecError { _ = try SchemaGenerator.schema(for: WithDate.self) }
        #expect(date == .unsupported("Date at $.when is not an event field type: use Timestamp"))

        let recursion = CodecTestSupport.codecError { _ = try SchemaGenerator.schema(for: WithRecursion.self) }
        #expect(recursion?.detail.contains("nested deeper than 64 levels") == true)
    }

    @Test func schemaFilesCoverEveryReadableVersionSortedByName() throws {
        let files = try SchemaGenerator.files(for: EventCatalog.registry)
        let names = files.map(\.fileName)
        #expect(names == names.sorted())
        #expect(names.contains("UserOnboarded.v1.schema.json"))
        #expect(names.contains("UserOnboarded.v2.schema.json"))
        #expect(files.count == EventCatalog.registry.payloadTypes.count)
        for file in files { #expect(file.contents.hasSuffix("}\n")) }
        let userOnboarded = try #require(files.first { $0.fileName == "UserOnboarded.v2.schema.json" })
        #expect(userOnboarded.contents == (try SchemaGenerator.render(UserOnboarded.self)))
    }

    @Test func renderingIsDeterministic() throws {
        for type in [SchemaProbe.self, RoleDefined.self, SharingRuleDefined.self] as [any DomainEvent.Type] {
            let first = try SchemaGenerator.render(type)
            #expect(try SchemaGenerator.render(type) == first)
            #expect(try JSONValue.parse(first).prettyRendered() + "\n" == first)
        }
    }
}
