import CRMDomain
import Testing

@Suite struct SchemaValidatorTests {
    let registry = EventCatalog.registry

    private func violations(_ type: any DomainEvent.Type, _ json: String, path: String = "$") throws -> [String] {
        try SchemaValidator(for: type).validate(try JSONValue.parse(json), path: path).map(\.description)
    }

    private let userId = "00000000-0000-0000-0000-000000000001"
    private let deptId = "00000000-0000-0000-0000-00000000000a"

    @Test func everySampleEventIsValidAgainstItsSchema() throws {
        for event in CodecTestSupport.organisationEvents {
            let json = try JSONValue.parse(try registry.encodeJSON(event))
            let version = try #require(registry.currentVersion(of: event.eventType))
            #expect(try registry.validate(json, type: event.eventType, schemaVersion: version).isEmpty, "\(json)")
        }
    }

    @Test func aMissingRequiredPropertyIsNamed() throws {
        #expect(
            try violations(UserOnboarded.self, #"{"name":"Ada","departmentId":"\#(deptId)","roleIds":[]}"#)
                == ["$.userId: required property is missing"]
        )
    }

    @Test func aWrongTypeIsNamedWithTheValue() throws {
        #expect(
            try violations(
                UserOnboarded.self,
                #"{"userId":"\#(userId)","name":5,"departmentId":"\#(deptId)","roleIds":{}}"#
            )
                == ["$.name: expected string, got integer 5", "$.roleIds: expected array, got object"]
        )
    }

    @Test func anUnknownPropertyIsRejected() throws {
        let json = #"{"userId":"\#(userId)","name":"Ada","departmentId":"\#(deptId)","roleIds":[],"nickname":"A"}"#
        #expect(
            try violations(UserOnboarded.self, json)
                == ["$.nickname: unknown property (allowed: departmentId, managerUserId, name, roleIds, userId)"]
        )
    }

    @Test func aValueOutsideTheEnumIsRejected() throws {
        let json = #"""
            {"entityType":"customer","entityId":"\#(userId)","granteeUserId":"\#(userId)","access":"write",
             "reason":"manual"}
            """#
        #expect(
            try violations(RecordShared.self, json) == [
                #"$.access: expected one of "read", "readWrite", got string "write""#
            ]
        )
    }

    @Test func badFormatsAreRejected() throws {
        #expect(
            try violations(
                UserOnboarded.self,
                #"{"userId":"42","name":"Ada","departmentId":"\#(deptId)","roleIds":["\#(userId)","x"]}"#
            )
                == [#"$.roleIds[1]: expected a UUID, got string "x""#, #"$.userId: expected a UUID, got string "42""#]
        )
        #expect(
            try violations(UserOffboarded.self, #"{"userId":"\#(userId)","at":"2026-02-30T10:00:00Z"}"#)
                == [
                    #"$.at: expected an RFC 3339 date-time such as 2026-03-31T10:00:00Z, "#
                        + #"got string "2026-02-30T10:00:00Z""#
                ]
        )
        #expect(
            try violations(UserOffboarded.self, #"{"userId":"\#(userId)","at":"2026-03-31T18:00:00+08:00"}"#).isEmpty
        )
    }

    @Test func nestedPathsNameArrayIndexesAndMembers() throws {
        let json = #"""
            {"ruleId":"\#(userId)","object":"customer","access":"read",
             "grantee":{"kind":"role","id":"\#(userId)"},
             "match":{"kind":"criteria","criteria":[{"field":"a","op":"equals","value":"1"},
                                                    {"field":"b","op":"like","value":"2","extra":true}]}}
            """#
        #expect(
            try violations(SharingRuleDefined.self, json, path: "$.data")
                == [
                    "$.data.match.criteria[1].extra: unknown property (allowed: field, op, value)",
                    #"$.data.match.criteria[1].op: expected one of "equals", "notEquals", "contains", "#
                        + #""greaterThan", "lessThan", got string "like""#,
                ]
        )
    }

    @Test func moneyPeriodDateAndNumberRulesAreChecked() throws {
        let valid = #"""
            {"amount":{"amountMinor":-1200,"currency":"CNY"},"period":"2026-Q1","due":"2026-03-31","ratio":0.5,
             "active":true,"count":3,"maybeIDs":[null,"\#(userId)"],"details":[],"level":2}
            """#
        #expect(try violations(SchemaProbe.self, valid).isEmpty)

        let invalid = #"""
            {"amount":{"amountMinor":1.5,"currency":"cny"},"period":"2026-13","due":"2026-13-01","ratio":1,
             "active":"yes","count":3.0,"maybeIDs":[null],"details":[{"kind":"user","notes":[1]}],"level":3,
             "at":null}
            """#
        #expect(
            try violations(SchemaProbe.self, invalid)
                == [
                    "$.active: expected boolean, got string \"yes\"",
                    "$.amount.amountMinor: expected integer, got number 1.5",
                    "$.amount.currency: expected a string matching ^[A-Z]{3}$, got string \"cny\"",
                    "$.at: expected string, got null",
                    "$.count: expected integer, got number 3.0",
                    "$.details[0].notes[0]: expected string, got integer 1",
                    "$.due: expected a date YYYY-MM-DD, got string \"2026-13-01\"",
                    "$.level: expected one of 1, 2, got integer 3",
                    "$.period: expected a string matching ^[0-9]{4}(-(0[1-9]|1[0-2])|-Q[1-4])?$, "
                        + "got string \"2026-13\"",
                ]
        )
    }

    @Test func theValidatorRefusesSchemasItCannotFullyCheck() throws {
        let oneOf = CodecTestSupport.codecError {
            _ = try SchemaValidator(schema: try JSONValue.parse(#"{"oneOf":[]}"#))
        }
        #expect(oneOf == .unsupported("schema keyword 'oneOf' at # is not supported by SchemaValidator"))

        let email = CodecTestSupport.codecError {
            _ = try SchemaValidator(
                schema: try JSONValue.parse(#"{"type":"object","properties":{"e":{"type":"string","format":"email"}}}"#)
            )
        }
        #expect(
            email == .unsupported("schema #/properties/e/format 'email' is not supported (uuid, date-time, date are)")
        )

        let pattern = CodecTestSupport.codecError {
            _ = try SchemaValidator(schema: try JSONValue.parse(#"{"type":"string","pattern":"^x$"}"#))
        }
        #expect(pattern?.isUnsupported == true)

        let typo = CodecTestSupport.codecError {
            _ = try SchemaValidator(schema: try JSONValue.parse(#"{"type":"strin"}"#))
        }
        #expect(typo == .malformed("schema #/type 'strin' is not a JSON Schema type"))

        let open = try SchemaValidator(schema: try JSONValue.parse(#"{"type":"object","properties":{}}"#))
        #expect(open.validate(try JSONValue.parse(#"{"anything":1}"#)).isEmpty, "additionalProperties defaults to true")
    }
}
