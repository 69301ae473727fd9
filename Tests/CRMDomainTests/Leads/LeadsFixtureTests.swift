import CRMDomain
import Foundation
import Testing

/// `Fixtures/events/leads.jsonl` (leads and activities) and `Fixtures/events/organisation.jsonl` (ACC-01..11):
/// every line decodes into its event type, survives a JSON round trip with equal values, and is written in exactly
/// the JSON form the `Codable` conformance produces (same keys and values, so no field is silently ignored).
@Suite struct LeadsFixtureTests {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Leads
        .deletingLastPathComponent()  // CRMDomainTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // package root

    static let organisationTypes: [any DomainEvent.Type] = [
        UserOnboarded.self, UserOffboarded.self, DepartmentDefined.self, RoleDefined.self, RolePermissionsChanged.self,
        FieldPermissionSet.self, UserRolesChanged.self, SharingRuleDefined.self, RecordShared.self,
        RecordShareRevoked.self, RecordsExported.self,
    ]

    /// A JSON value, compared structurally (object key order does not matter).
    enum JSONValue: Decodable, Equatable {
        case null, bool(Bool), int(Int64), double(Double), string(String), array([JSONValue]), object(
            [String: JSONValue]
        )

        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if c.decodeNil() {
                self = .null
            } else if let b = try? c.decode(Bool.self) {
                self = .bool(b)
            } else if let i = try? c.decode(Int64.self) {
                self = .int(i)
            } else if let d = try? c.decode(Double.self) {
                self = .double(d)
            } else if let s = try? c.decode(String.self) {
                self = .string(s)
            } else if let a = try? c.decode([JSONValue].self) {
                self = .array(a)
            } else {
                self = .object(try c.decode([String: JSONValue].self))
            }
        }
    }

    struct Line: Decodable {
        let type: String
        let schemaVersion: Int
        let stream: String
        let data: JSONValue
    }

    /// Decodes `payload` as `E`, re-encodes it and decodes again: both values must be equal, and the re-encoded JSON
    /// must equal the fixture's JSON.
    static func check<E: DomainEvent>(_ type: E.Type, _ payload: Data, original: JSONValue) throws -> (Bool, Bool) {
        let decoded = try JSONDecoder().decode(E.self, from: payload)
        let encoded = try JSONEncoder().encode(decoded)
        let again = try JSONDecoder().decode(E.self, from: encoded)
        return (decoded == again, try JSONDecoder().decode(JSONValue.self, from: encoded) == original)
    }

    func verify(_ file: String, types: [any DomainEvent.Type], categories: [String: String]) throws {
        let text = try String(contentsOf: Self.root.appendingPathComponent("Fixtures/events/\(file)"), encoding: .utf8)
        let lines = text.split(separator: "\n").filter { !$0.isEmpty }
        let byName = Dictionary(uniqueKeysWithValues: types.map { ($0.eventType, $0) })
        var seen: [String] = []
        for line in lines {
            let data = Data(line.utf8)
            let header = try JSONDecoder().decode(Line.self, from: data)
            let type = try #require(byName[header.type], "unknown event type \(header.type) in \(file)")
            #expect(header.schemaVersion == type.schemaVersion, "\(header.type)")
            let stream = try #require(StreamRef(name: header.stream), "bad stream \(header.stream)")
            #expect(stream.category == categories[header.type], "\(header.type) is on \(stream.category)")
            let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            let payload = try JSONSerialization.data(withJSONObject: try #require(object["data"]))
            let (roundTrips, exactForm) = try Self.check(type, payload, original: header.data)
            #expect(roundTrips, "\(header.type) does not round-trip")
            #expect(exactForm, "\(header.type) is not in the exact Codable JSON form")
            seen.append(header.type)
        }
        #expect(Set(seen) == Set(byName.keys), "missing: \(Set(byName.keys).subtracting(seen).sorted())")
        #expect(seen.count == types.count, "one line per event type")
    }

    @Test func everyLeadAndActivityFixtureDecodesAndRoundTrips() throws {
        var categories: [String: String] = [:]
        for t in LeadsCatalog.eventTypes { categories[t.eventType] = "lead" }
        for t in [FollowUpRecorded.self, TaskScheduled.self, TaskCompleted.self, NoteAdded.self]
            as [any DomainEvent.Type]
        {
            categories[t.eventType] = "activity"
        }
        categories[RecordTagged.eventType] = "customer"
        categories[RecordUntagged.eventType] = "customer"
        try verify("leads.jsonl", types: LeadsCatalog.eventTypes + ActivitiesCatalog.eventTypes, categories: categories)
    }

    @Test func everyOrganisationFixtureDecodesAndRoundTrips() throws {
        let categories: [String: String] = [
            "UserOnboarded": "user", "UserOffboarded": "user", "DepartmentDefined": "department", "RoleDefined": "role",
            "RolePermissionsChanged": "role", "FieldPermissionSet": "role", "UserRolesChanged": "user",
            "SharingRuleDefined": "sharingRule", "RecordShared": "recordAccess", "RecordShareRevoked": "recordAccess",
            "RecordsExported": "user",
        ]
        try verify("organisation.jsonl", types: Self.organisationTypes, categories: categories)
    }

    @Test func theCataloguesListEachEventTypeOnce() {
        let leads = LeadsCatalog.eventTypes.map { $0.eventType }
        let activities = ActivitiesCatalog.eventTypes.map { $0.eventType }
        #expect(leads.count == 9 && Set(leads).count == 9)
        #expect(activities.count == 6 && Set(activities).count == 6)
        #expect(LeadsCatalog.processManagers.map(\.name) == ["leadConversion", "leadDedupe", "userOffboarding"])
    }
}
