import CRMDomain
import Foundation
import Testing

/// Every primitive of the format once, to pin the byte layout.
private struct LayoutProbe: Codable, Hashable {
    let small: Int64
    let negative: Int
    let large: Int64
    let flag: Bool
    let text: String
    let absent: Int64?
    let present: Int32?
    let ids: [ID]
    let ratio: Double
    let unsigned: UInt16
    let kind: Grantee.Kind
    let at: Timestamp
    let day: LocalDate
    let price: Money
}

private struct Inner: Codable, Hashable {
    let label: String
    let tags: [String]
}

/// Extreme and unusual values.
private struct ExtremeProbe: Codable, Hashable {
    let int64s: [Int64]
    let int8: Int8
    let uint64: UInt64
    let int: Int
    let doubles: [Double]
    let float: Float
    let texts: [String]
    let nestedOptional: Int??
    let optionalElements: [ID?]
    let nested: [[String]]
    let inner: Inner?
    let timestamps: [Timestamp]
    let dates: [LocalDate]
    let money: Money
    let period: Period
}

/// A custom `Codable` with an unkeyed container (its count is only known when it is done).
private struct Pair: Codable, Hashable {
    let a: String
    let b: Int64

    init(a: String, b: Int64) {
        self.a = a
        self.b = b
    }

    init(from decoder: any Decoder) throws {
        var c = try decoder.unkeyedContainer()
        a = try c.decode(String.self)
        b = try c.decode(Int64.self)
        guard c.isAtEnd else { throw DecodingError.dataCorruptedError(in: c, debugDescription: "extra elements") }
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.unkeyedContainer()
        try c.encode(a)
        try c.encode(b)
    }
}

/// Nested custom unkeyed containers.
private struct Matrix: Codable, Hashable {
    let rows: [[Int64]]

    init(rows: [[Int64]]) { self.rows = rows }

    init(from decoder: any Decoder) throws {
        var outer = try decoder.unkeyedContainer()
        var rows: [[Int64]] = []
        while !outer.isAtEnd {
            var inner = try outer.nestedUnkeyedContainer()
            var row: [Int64] = []
            while !inner.isAtEnd { row.append(try inner.decode(Int64.self)) }
            rows.append(row)
        }
        self.rows = rows
    }

    func encode(to encoder: any Encoder) throws {
        var outer = encoder.unkeyedContainer()
        for row in rows {
            var inner = outer.nestedUnkeyedContainer()
            for x in row { try inner.encode(x) }
        }
    }
}

private struct WithDictionary: Codable, Hashable {
    let id: ID
    let counts: [String: Int]
}

private struct WithSet: Codable, Hashable {
    let tags: Set<String>
}

private struct WithNestedDictionary: Codable, Hashable {
    let items: [[ID: Int64]]
}

@Suite struct BinaryCodecTests {
    let registry = EventCatalog.registry

    @Test func theSamplesCoverEveryOrganisationEventType() {
        #expect(
            Set(CodecTestSupport.organisationEvents.map(\.eventType))
                == Set(EventCatalog.organisationEventTypes.map { $0.eventType })
        )
    }

    @Test func everyOrganisationEventRoundTripsThroughTheRegistryBinaryCodec() throws {
        for event in CodecTestSupport.organisationEvents {
            let bytes = try registry.encodeBinary(event)
            let version = try #require(registry.currentVersion(of: event.eventType))
            let back = try registry.decode(type: event.eventType, schemaVersion: version, binary: bytes)
            #expect(CodecTestSupport.same(back, event), "\(event)")
            #expect(try registry.encodeBinary(back) == bytes, "encoding is deterministic for \(event.eventType)")
        }
    }

    @Test func everyOrganisationEventRoundTripsThroughTheRegistryJSONCodec() throws {
        for event in CodecTestSupport.organisationEvents {
            let json = try registry.encodeJSON(event)
            let version = try #require(registry.currentVersion(of: event.eventType))
            let back = try registry.decodeJSON(type: event.eventType, schemaVersion: version, data: json)
            #expect(CodecTestSupport.same(back, event), "\(CodecTestSupport.text(json))")
            #expect(try registry.encodeJSON(back) == json)
        }
    }

    @Test func jsonUsesCatalogueNamesSortedKeysAndOmitsAbsentOptionals() throws {
        let event = UserOnboarded(userId: ID(1), name: "A/B", departmentId: ID(10), managerUserId: nil, roleIds: [])
        let json = CodecTestSupport.text(try registry.encodeJSON(event))
        #expect(
            json
                == #"{"departmentId":"00000000-0000-0000-0000-00000000000a","name":"A/B","roleIds":[],"#
                + #""userId":"00000000-0000-0000-0000-000000000001"}"#
        )
        let offboarded = UserOffboarded(userId: ID(2), successorUserId: nil, at: CodecTestSupport.t0)
        #expect(
            CodecTestSupport.text(try registry.encodeJSON(offboarded))
                == #"{"at":"2026-03-31T10:00:00Z","userId":"00000000-0000-0000-0000-000000000002"}"#
        )
    }

    @Test func eachPrimitiveHasTheDocumentedByteLayout() throws {
        let probe = LayoutProbe(
            small: 1,
            negative: -1,
            large: 300,
            flag: true,
            text: "hé",
            absent: nil,
            present: 5,
            ids: [ID(1)],
            ratio: 1.0,
            unsigned: 300,
            kind: .role,
            at: Timestamp(millisecondsSinceEpoch: 1000),
            day: LocalDate(daysSinceEpoch: 1),
            price: Money(amountMinor: -5, currency: "CNY")
        )
        let expected: [UInt8] =
            [0x02, 0x01, 0xD8, 0x04, 0x01]  // 1, -1, 300 (zig-zag varints), true
            + [0x03, 0x68, 0xC3, 0xA9]  // "hé": byte count then UTF-8
            + [0x00, 0x01, 0x0A]  // nil, then present 5
            + [0x01] + [UInt8](repeating: 0, count: 15) + [0x01]  // one ID: 16 bytes
            + [0, 0, 0, 0, 0, 0, 0xF0, 0x3F]  // 1.0 little-endian
            + [0xAC, 0x02]  // UInt16 300: unsigned varint
            + [0x04, 0x72, 0x6F, 0x6C, 0x65]  // enum as its raw value "role"
            + [0xD0, 0x0F, 0x02]  // 1000 ms, day 1
            + [0x09, 0x03, 0x43, 0x4E, 0x59]  // -5 minor units, "CNY"
        let bytes = try BinaryEventEncoder().encode(probe)
        #expect(bytes == expected)
        #expect(try BinaryEventDecoder().decode(LayoutProbe.self, from: bytes) == probe)
    }

    @Test func extremeValuesRoundTrip() throws {
        let probe = ExtremeProbe(
            int64s: [.min, .max, 0, -1, 1 << 62],
            int8: .min,
            uint64: .max,
            int: .min,
            doubles: [-0.0, .infinity, -.infinity, .leastNonzeroMagnitude, .greatestFiniteMagnitude, 0.1],
            float: -.pi,
            texts: ["", "a", String(repeating: "长", count: 1000), "👩‍👩‍👧‍👦", "e\u{301}", "nul\u{0}byte", "\u{10FFFF}"],
            nestedOptional: .some(.none),
            optionalElements: [ID(1), nil, ID(2)],
            nested: [[], ["x"], ["y", "z"]],
            inner: Inner(label: "ü", tags: []),
            timestamps: [Timestamp(millisecondsSinceEpoch: .min), Timestamp(millisecondsSinceEpoch: .max)],
            dates: [LocalDate(daysSinceEpoch: .min), LocalDate(daysSinceEpoch: .max)],
            money: Money(amountMinor: .min, currency: ""),
            period: .quarter(2026, 4)
        )
        let bytes = try BinaryEventEncoder().encode(probe)
        let back = try BinaryEventDecoder().decode(ExtremeProbe.self, from: bytes)
        #expect(back == probe)
        #expect(back.doubles[0].sign == .minus)
        #expect(back.nestedOptional == .some(.none))

        let variant = ExtremeProbe(
            int64s: [],
            int8: .max,
            uint64: 0,
            int: .max,
            doubles: [],
            float: .nan,
            texts: [],
            nestedOptional: .some(7),
            optionalElements: [],
            nested: [],
            inner: nil,
            timestamps: [],
            dates: [],
            money: .cny(0),
            period: .year(1)
        )
        let variantBytes = try BinaryEventEncoder().encode(variant)
        let variantBack = try BinaryEventDecoder().decode(ExtremeProbe.self, from: variantBytes)
        #expect(variantBack.float.isNaN)
        #expect(variantBack.nestedOptional == .some(7))
        #expect(try BinaryEventEncoder().encode(variantBack) == variantBytes)
    }

    @Test func customUnkeyedContainersGetTheirCountsInserted() throws {
        let pair = Pair(a: "x", b: 1)
        let bytes = try BinaryEventEncoder().encode(pair)
        #expect(bytes == [0x02, 0x01, 0x78, 0x02])
        #expect(try BinaryEventDecoder().decode(Pair.self, from: bytes) == pair)

        let matrix = Matrix(rows: [[1, 2, 3], [], [-1]])
        let matrixBytes = try BinaryEventEncoder().encode(matrix)
        #expect(matrixBytes == [0x03, 0x03, 0x02, 0x04, 0x06, 0x00, 0x01, 0x01])
        #expect(try BinaryEventDecoder().decode(Matrix.self, from: matrixBytes) == matrix)

        let pairs = [Pair(a: "", b: -2), Pair(a: "long", b: 300)]
        let pairsBytes = try BinaryEventEncoder().encode(pairs)
        #expect(try BinaryEventDecoder().decode([Pair].self, from: pairsBytes) == pairs)
    }

    @Test func encodingIntoABufferAppendsAndLeavesItUntouchedOnError() throws {
        var buffer: [UInt8] = [0xAA, 0xBB]
        try BinaryEventEncoder().encode(Pair(a: "x", b: 1), into: &buffer)
        #expect(buffer == [0xAA, 0xBB, 0x02, 0x01, 0x78, 0x02])

        let error = CodecTestSupport.codecError {
            try BinaryEventEncoder().encode(WithDictionary(id: ID(1), counts: ["a": 1]), into: &buffer)
        }
        #expect(error?.isUnsupported == true)
        #expect(buffer == [0xAA, 0xBB, 0x02, 0x01, 0x78, 0x02])
    }

    @Test func dictionariesAndSetsAreRejectedWhereverTheyAppear() throws {
        let dictionary = CodecTestSupport.codecError {
            _ = try BinaryEventEncoder().encode(WithDictionary(id: ID(1), counts: ["a": 1]))
        }
        #expect(dictionary?.isUnsupported == true)
        #expect(dictionary?.detail.contains("Dictionary") == true)

        let empty = CodecTestSupport.codecError {
            _ = try BinaryEventEncoder().encode(WithDictionary(id: ID(1), counts: [:]))
        }
        #expect(empty?.isUnsupported == true, "rejected by type, not only when it has entries")

        let set = CodecTestSupport.codecError { _ = try BinaryEventEncoder().encode(WithSet(tags: ["a"])) }
        #expect(set?.isUnsupported == true)
        #expect(set?.detail.contains("Set") == true)

        let nested = CodecTestSupport.codecError {
            _ = try BinaryEventEncoder().encode(WithNestedDictionary(items: [[ID(1): 2]]))
        }
        #expect(nested?.isUnsupported == true)

        let bytes = try BinaryEventEncoder().encode(Pair(a: "x", b: 1))
        let decoding = CodecTestSupport.codecError {
            _ = try BinaryEventDecoder().decode(WithDictionary.self, from: [UInt8](repeating: 0, count: 17) + bytes)
        }
        #expect(decoding?.isUnsupported == true)
        let decodingSet = CodecTestSupport.codecError { _ = try BinaryEventDecoder().decode(WithSet.self, from: [0]) }
        #expect(decodingSet?.isUnsupported == true)
    }

    @Test func trailingBytesAreMalformed() throws {
        var bytes = try BinaryEventEncoder().encode(Pair(a: "x", b: 1))
        bytes.append(0)
        let error = CodecTestSupport.codecError { _ = try BinaryEventDecoder().decode(Pair.self, from: bytes) }
        #expect(error == .malformed("1 bytes left over after decoding Pair"))
    }

    @Test func invalidBytesAreMalformedWithAReason() throws {
        let valid = try BinaryEventEncoder().encode(
            RecordShared(
                entityType: .customer,
                entityId: ID(1),
                granteeUserId: ID(2),
                access: .read,
                expiresAt: nil,
                reason: .manual
            )
        )
        func decode(_ bytes: [UInt8]) -> CodecError? {
            CodecTestSupport.codecError { _ = try BinaryEventDecoder().decode(RecordShared.self, from: bytes) }
        }
        // entityType "customer" is bytes 0...8; the two ids follow; then access, the presence byte, reason.
        var unknownCase = valid
        unknownCase[1] = UInt8(ascii: "k")
        #expect(decode(unknownCase) == .malformed("'kustomer' is not a case of ObjectType"))

        var badPresence = valid
        let presenceIndex = 9 + 32 + 5
        #expect(badPresence[presenceIndex] == 0)
        badPresence[presenceIndex] = 2
        #expect(decode(badPresence) == .malformed("presence byte 2 is neither 0 nor 1"))

        let boolError = CodecTestSupport.codecError { _ = try BinaryEventDecoder().decode(Bool.self, from: [7]) }
        #expect(boolError == .malformed("boolean byte 7 is neither 0 nor 1"))

        let overlong = CodecTestSupport.codecError {
            _ = try BinaryEventDecoder().decode(Int64.self, from: [0x82, 0x00])
        }
        #expect(overlong == .malformed("overlong varint"))

        let tooLong = CodecTestSupport.codecError {
            _ = try BinaryEventDecoder().decode(UInt64.self, from: [UInt8](repeating: 0xFF, count: 10) + [0x01])
        }
        #expect(tooLong == .malformed("varint overflows 64 bits"))

        let badUTF8 = CodecTestSupport.codecError {
            _ = try BinaryEventDecoder().decode(String.self, from: [0x02, 0xC3, 0x28])
        }
        #expect(badUTF8 == .malformed("string is not valid UTF-8"))

        let surrogate = CodecTestSupport.codecError {
            _ = try BinaryEventDecoder().decode(String.self, from: [0x03, 0xED, 0xA0, 0x80])
        }
        #expect(surrogate == .malformed("string is not valid UTF-8"))

        let outOfRange = CodecTestSupport.codecError {
            _ = try BinaryEventDecoder().decode(Int8.self, from: [0x80, 0x02])
        }
        #expect(outOfRange == .malformed("128 is out of range for Int8"))

        let hugeCount = CodecTestSupport.codecError {
            _ = try BinaryEventDecoder().decode([ID].self, from: [0xFF, 0xFF, 0xFF, 0xFF, 0x0F])
        }
        #expect(hugeCount == .truncated(needed: 4_294_967_295, available: 0))

        let badPeriod = CodecTestSupport.codecError {
            _ = try BinaryEventDecoder().decode(Period.self, from: [0x07] + Array("2026-+3".utf8))
        }
        #expect(badPeriod?.isMalformed == true)
    }

    @Test func registryRejectsUnknownTypesAndLegacyPayloads() throws {
        let unknownType = CodecTestSupport.codecError {
            _ = try registry.decode(type: "NoSuchEvent", schemaVersion: 1, binary: [])
        }
        #expect(unknownType == .unknownEventType(type: "NoSuchEvent", schemaVersion: 1))

        let unknownVersion = CodecTestSupport.codecError {
            _ = try registry.decode(type: "UserOffboarded", schemaVersion: 2, binary: [])
        }
        #expect(unknownVersion == .unknownEventType(type: "UserOffboarded", schemaVersion: 2))

        let unknownJSON = CodecTestSupport.codecError {
            _ = try registry.decodeJSON(type: "NoSuchEvent", schemaVersion: 1, data: Array("{}".utf8))
        }
        #expect(unknownJSON == .unknownEventType(type: "NoSuchEvent", schemaVersion: 1))

        let legacy = UserOnboardedV1(userId: ID(1), name: "Ada", departmentId: ID(2), roleId: nil)
        let legacyError = CodecTestSupport.codecError { _ = try registry.encodeBinary(legacy) }
        #expect(legacyError?.isUnsupported == true)
        #expect(legacyError?.detail.contains("legacy v1") == true)
        let legacyJSON = CodecTestSupport.codecError { _ = try registry.encodeJSON(legacy) }
        #expect(legacyJSON?.isUnsupported == true)

        let notRegistered = CodecTestSupport.codecError { _ = try registry.encodeBinary(UnregisteredEvent(note: "x")) }
        #expect(notRegistered == .unknownEventType(type: "UnregisteredEvent", schemaVersion: 1))
    }

    @Test func jsonDecodingErrorsNameThePath() throws {
        let missing = CodecTestSupport.codecError {
            _ = try registry.decodeJSON(
                type: "SharingRuleDefined",
                schemaVersion: 1,
                data: Array(
                    #"""
                    {"ruleId":"00000000-0000-0000-0000-000000000001","object":"customer","access":"read",
                     "grantee":{"kind":"role","id":"00000000-0000-0000-0000-000000000002"},
                     "match":{"kind":"criteria","criteria":[{"field":"x","value":"y"}]}}
                    """#.utf8
                )
            )
        }
        #expect(missing == .malformed("SharingRuleDefined: $.match.criteria[0].op: required field is missing"))

        let badEnum = CodecTestSupport.codecError {
            _ = try registry.decodeJSON(
                type: "RecordShareRevoked",
                schemaVersion: 1,
                data: Array(
                    #"""
                    {"entityType":"customer","entityId":"00000000-0000-0000-0000-000000000001",
                     "granteeUserId":"00000000-0000-0000-0000-000000000002","reason":"forgotten"}
                    """#.utf8
                )
            )
        }
        #expect(badEnum?.isMalformed == true)
        #expect(badEnum?.detail.hasPrefix("RecordShareRevoked: $.reason: ") == true)

        let notJSON = CodecTestSupport.codecError {
            _ = try registry.decodeJSON(type: "RecordShareRevoked", schemaVersion: 1, data: Array("{".utf8))
        }
        #expect(notJSON?.isMalformed == true)
    }

    @Test func registryKnowsTheCatalogue() throws {
        #expect(registry.isKnown("UserOnboarded"))
        #expect(!registry.isKnown("CustomerCreatedd"))
        #expect(registry.currentVersion(of: "UserOnboarded") == 2)
        #expect(registry.currentVersion(of: "RoleDefined") == 1)
        #expect(registry.currentVersion(of: "Nope") == nil)
        #expect(registry.isKnown(type: "UserOnboarded", schemaVersion: 1))
        #expect(!registry.isKnown(type: "UserOnboarded", schemaVersion: 3))
        #expect(registry.eventType(named: "UserOnboarded") == UserOnboarded.self)
        #expect(registry.payloadType(of: "UserOnboarded", schemaVersion: 1) == UserOnboardedV1.self)
        #expect(registry.eventTypeNames.count == EventCatalog.eventTypes.count)
        #expect(registry.eventTypeNames == registry.eventTypeNames.sorted())
        #expect(registry.payloadTypes.count == EventCatalog.eventTypes.count + EventCatalog.upcasters.count)
    }
}

private struct UnregisteredEvent: DomainEvent {
    static let eventType = "UnregisteredEvent"
    let note: String
}
