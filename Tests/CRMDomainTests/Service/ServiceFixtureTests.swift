import CRMDomain
import Foundation
import Testing

/// `Fixtures/events/service.jsonl`: one line per service event type, in the exact JSON form `Codable` produces.
@Suite struct ServiceFixtureTests {
    static let fixture = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Service
        .deletingLastPathComponent()  // CRMDomainTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // package root
        .appendingPathComponent("Fixtures/events/service.jsonl")

    struct Line {
        let type: String
        let schemaVersion: Int
        let stream: String
        let data: Data
        let object: NSDictionary
    }

    static func lines() throws -> [Line] {
        let text = try String(contentsOf: fixture, encoding: .utf8)
        return try text.split(separator: "\n").map { raw in
            let json = try #require(try JSONSerialization.jsonObject(with: Data(raw.utf8)) as? [String: Any])
            let data = try #require(json["data"] as? [String: Any])
            return Line(
                type: try #require(json["type"] as? String),
                schemaVersion: try #require(json["schemaVersion"] as? Int),
                stream: try #require(json["stream"] as? String),
                data: try JSONSerialization.data(withJSONObject: data),
                object: data as NSDictionary
            )
        }
    }

    /// Decodes `data` as `E`, re-encodes it, and returns whether decoding the re-encoded form gives the same value,
    /// together with the re-encoded JSON object.
    static func roundTrip<E: DomainEvent>(_ type: E.Type, _ data: Data) throws -> (same: Bool, reencoded: NSDictionary)
    {
        let decoded = try JSONDecoder().decode(E.self, from: data)
        let encoded = try JSONEncoder().encode(decoded)
        let again = try JSONDecoder().decode(E.self, from: encoded)
        let object = try #require(try JSONSerialization.jsonObject(with: encoded) as? NSDictionary)
        return (decoded == again, object)
    }

    @Test func everyServiceEventTypeHasExactlyOneFixtureLine() throws {
        let types = try Self.lines().map(\.type)
        #expect(types.sorted() == ServiceCatalog.eventTypes.map { $0.eventType }.sorted())
        #expect(Set(types).count == types.count)
    }

    @Test func everyLineDecodesAndReencodesToTheSameJSON() throws {
        let byName = Dictionary(uniqueKeysWithValues: ServiceCatalog.eventTypes.map { ($0.eventType, $0) })
        for line in try Self.lines() {
            let type = try #require(byName[line.type], "unknown type \(line.type)")
            #expect(line.schemaVersion == type.schemaVersion)
            let stream = try #require(StreamRef(name: line.stream), "bad stream \(line.stream)")
            #expect(!stream.category.isEmpty)
            let (same, reencoded) = try Self.roundTrip(type, line.data)
            #expect(same, "\(line.type) changed in a round trip")
            #expect(reencoded == line.object, "\(line.type): fixture JSON differs from the Codable form")
        }
    }

    @Test func fixtureStreamsUseTheAggregateCategories() throws {
        let expected: [String: String] = [
            "ServiceTeamDefined": ServiceTeam.category,
            "WorkingCalendarDefined": ServiceCalendar.category,
            "TicketOpened": Ticket.category,
            "SlaPolicyDefined": SlaPolicy.category,
            "SlaApplied": Ticket.category,
            "EscalationRuleDefined": EscalationRule.category,
            "KnowledgeArticleDrafted": KnowledgeArticle.category,
            "CareReminderRuleDefined": ReminderRule.category,
            "ReminderDue": Reminder.category,
            "TechnicianProfileDefined": TechnicianProfile.category,
            "SparePartDefined": SparePart.category,
            "WorkOrderCreated": WorkOrder.category,
            "PartConsumed": WorkOrder.category,
            "ServiceAppointmentScheduled": ServiceAppointment.category,
            "PartReplacementRequested": PartRequest.category,
        ]
        for line in try Self.lines() {
            guard let category = expected[line.type] else { continue }
            #expect(StreamRef(name: line.stream)?.category == category, "\(line.type) on \(line.stream)")
        }
    }

    @Test func everyLineSurvivesTheBinaryCodecAndMatchesItsSchema() throws {
        let registry = EventRegistry(types: ServiceCatalog.eventTypes)
        for line in try Self.lines() {
            let payload = try JSONValue.parse(Array(line.data))
            let violations = try registry.validate(payload, type: line.type, schemaVersion: line.schemaVersion)
            #expect(violations.isEmpty, "\(line.type): \(violations)")
            let event = try registry.decodeJSON(
                type: line.type,
                schemaVersion: line.schemaVersion,
                data: Array(line.data)
            )
            let binary = try registry.encodeBinary(event)
            let back = try registry.decode(type: line.type, schemaVersion: line.schemaVersion, binary: binary)
            #expect(AnyHashable(back) == AnyHashable(event), "\(line.type) changed in the binary round trip")
        }
    }
}
