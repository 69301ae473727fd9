import CRMDomain
import Foundation
import Testing

// A three-version test event: v1 `title`; v2 adds `priority`; v3 renames `title` to `name`.

private struct RenamedProbeV1: DomainEvent {
    static let eventType = "RenamedProbe"
    static let schemaVersion = 1
    let title: String
}

private struct RenamedProbeV2: DomainEvent {
    static let eventType = "RenamedProbe"
    static let schemaVersion = 2
    let title: String
    let priority: Int64
}

private struct RenamedProbe: DomainEvent {
    static let eventType = "RenamedProbe"
    static let schemaVersion = 3
    let name: String
    let priority: Int64
}

private struct RenamedProbeV1Upcaster: Upcaster {
    func upcast(_ old: RenamedProbeV1) -> RenamedProbeV2 { RenamedProbeV2(title: old.title, priority: 0) }
}

private struct RenamedProbeV2Upcaster: Upcaster {
    func upcast(_ old: RenamedProbeV2) throws(CodecError) -> RenamedProbe {
        guard !old.title.isEmpty else { throw .malformed("RenamedProbe v2 has an empty title; v3 needs a name") }
        return RenamedProbe(name: old.title, priority: old.priority)
    }
}

@Suite struct UpcasterTests {
    let registry = EventCatalog.registry

    private func fixture(_ name: String) throws -> Data {
        let url = CodecTestSupport.url("Fixtures/upcasters/\(name)")
        #expect(FileManager.default.fileExists(atPath: url.path), "missing golden fixture \(url.path)")
        return try Data(contentsOf: url)
    }

    @Test func everyUpcasterMatchesItsGoldenFixture() throws {
        #expect(!EventCatalog.upcasters.isEmpty)
        for upcaster in EventCatalog.upcasters { try checkGolden(upcaster) }
    }

    /// vN fixture in, upcast one step, compared with the vN+1 fixture as a value and as JSON; both fixtures
    /// validate against their versions' schemas.
    private func checkGolden<U: Upcaster>(_ upcaster: U) throws {
        let input = try fixture("\(U.eventType).v\(U.fromVersion).json")
        let expected = try fixture("\(U.eventType).v\(U.fromVersion + 1).json")
        let old = try JSONDecoder().decode(U.Input.self, from: input)
        let upcast = try upcaster.upcast(old)
        #expect(upcast == (try JSONDecoder().decode(U.Output.self, from: expected)))

        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let expectedJSON = try JSONValue.parse(Array(expected))
        #expect(try JSONValue.parse(Array(try encoder.encode(upcast))) == expectedJSON.removingNullMembers)

        #expect(try SchemaValidator(for: U.Input.self).validate(try JSONValue.parse(Array(input))).isEmpty)
        #expect(try SchemaValidator(for: U.Output.self).validate(expectedJSON).isEmpty)
    }

    @Test func registryUpcastsVersion1JSONOnImport() throws {
        let v1 = try fixture("UserOnboarded.v1.json")
        let v2 = try JSONDecoder().decode(UserOnboarded.self, from: try fixture("UserOnboarded.v2.json"))
        let event = try registry.decodeJSON(type: "UserOnboarded", schemaVersion: 1, data: Array(v1))
        #expect(event as? UserOnboarded == v2)
    }

    @Test func registryUpcastsStoredVersion1Bytes() throws {
        let withRole = UserOnboardedV1(userId: ID(1), name: "Wang Lei", departmentId: ID(10), roleId: ID(100))
        let bytes = try BinaryEventEncoder().encode(withRole)
        let event = try registry.decode(type: "UserOnboarded", schemaVersion: 1, binary: bytes)
        #expect(
            event as? UserOnboarded
                == UserOnboarded(
                    userId: ID(1),
                    name: "Wang Lei",
                    departmentId: ID(10),
                    managerUserId: nil,
                    roleIds: [ID(100)]
                )
        )

        let withoutRole = UserOnboardedV1(userId: ID(2), name: "Li Na", departmentId: ID(10), roleId: nil)
        let upcast = try registry.decode(
            type: "UserOnboarded",
            schemaVersion: 1,
            binary: try BinaryEventEncoder().encode(withoutRole)
        )
        #expect(
            upcast as? UserOnboarded
                == UserOnboarded(userId: ID(2), name: "Li Na", departmentId: ID(10), managerUserId: nil, roleIds: [])
        )
        #expect(try registry.upcast(withoutRole) as? UserOnboarded == upcast as? UserOnboarded)
    }

    @Test func version1BytesAreNotReadAsVersion2() throws {
        // The v1 layout (presence byte of `roleId`, then 16 bytes) is not a valid v2 layout: reading stored bytes
        // needs their recorded schema version.
        let bytes = try BinaryEventEncoder().encode(
            UserOnboardedV1(userId: ID(1), name: "Wang Lei", departmentId: ID(10), roleId: ID(100))
        )
        let error = CodecTestSupport.codecError {
            _ = try registry.decode(type: "UserOnboarded", schemaVersion: 2, binary: bytes)
        }
        #expect(error != nil)
    }

    @Test func upcastersChainFromAnyOldVersionToTheCurrentOne() throws {
        let registry = EventRegistry(
            types: [RenamedProbe.self],
            upcasters: [RenamedProbeV2Upcaster(), RenamedProbeV1Upcaster()]
        )
        #expect(registry.currentVersion(of: "RenamedProbe") == 3)
        #expect(registry.payloadTypes.map { $0.schemaVersion } == [1, 2, 3])

        let v1 = try BinaryEventEncoder().encode(RenamedProbeV1(title: "Renew contract"))
        let fromV1 = try registry.decode(type: "RenamedProbe", schemaVersion: 1, binary: v1)
        #expect(fromV1 as? RenamedProbe == RenamedProbe(name: "Renew contract", priority: 0))

        let v2 = Array(#"{"title":"Call back","priority":2}"#.utf8)
        let fromV2 = try registry.decodeJSON(type: "RenamedProbe", schemaVersion: 2, data: v2)
        #expect(fromV2 as? RenamedProbe == RenamedProbe(name: "Call back", priority: 2))

        let v3 = try registry.encodeBinary(RenamedProbe(name: "Now", priority: 1))
        let fromV3 = try registry.decode(type: "RenamedProbe", schemaVersion: 3, binary: v3)
        #expect(fromV3 as? RenamedProbe == RenamedProbe(name: "Now", priority: 1))

        #expect(
            try registry.upcast(RenamedProbeV1(title: "x")) as? RenamedProbe == RenamedProbe(name: "x", priority: 0)
        )
    }

    @Test func anUpcasterCanRejectAnOldPayload() throws {
        let registry = EventRegistry(
            types: [RenamedProbe.self],
            upcasters: [RenamedProbeV1Upcaster(), RenamedProbeV2Upcaster()]
        )
        let bytes = try BinaryEventEncoder().encode(RenamedProbeV1(title: ""))
        let error = CodecTestSupport.codecError {
            _ = try registry.decode(type: "RenamedProbe", schemaVersion: 1, binary: bytes)
        }
        #expect(error == .malformed("RenamedProbe v2 has an empty title; v3 needs a name"))
    }

    @Test func aRegistryWithAGapInItsUpcasterChainStopsAtConstruction() async {
        await #expect(processExitsWith: .failure) {
            _ = EventRegistry(types: [RenamedProbe.self], upcasters: [RenamedProbeV1Upcaster()])
        }
    }

    @Test func aRegistryWithATypeListedTwiceStopsAtConstruction() async {
        await #expect(processExitsWith: .failure) {
            _ = EventRegistry(types: [RenamedProbe.self, RenamedProbe.self])
        }
    }
}
