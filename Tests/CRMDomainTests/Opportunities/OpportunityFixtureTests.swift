import CRMDomain
import Foundation
import Testing

/// `Fixtures/events/opportunities.jsonl` decodes into the opportunity and approval event types and re-encodes to
/// equal values.
@Suite struct OpportunityFixtureTests {
    static let types: [any DomainEvent.Type] = OpportunitiesCatalog.eventTypes + ApprovalsCatalog.eventTypes

    /// Category of the stream each event type is appended to.
    static func expectedCategory(_ type: String) -> String {
        if type.hasPrefix("Pipeline") { return Pipeline.category }
        if type == "LostReasonDefined" { return LostReason.category }
        if type.hasPrefix("ApprovalFlow") { return ApprovalFlow.category }
        if type.hasPrefix("Approval") { return Approval.category }
        return Opportunity.category
    }

    struct Line {
        let type: String
        let schemaVersion: Int
        let stream: String
        let data: Data
    }

    func lines() throws -> [Line] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let url = root.appendingPathComponent("Fixtures/events/opportunities.jsonl")
        let text = try String(contentsOf: url, encoding: .utf8)
        return try text.split(separator: "\n").map { raw in
            let object = try #require(try JSONSerialization.jsonObject(with: Data(raw.utf8)) as? [String: Any])
            let data = try JSONSerialization.data(withJSONObject: try #require(object["data"]))
            return Line(
                type: try #require(object["type"] as? String),
                schemaVersion: try #require(object["schemaVersion"] as? Int),
                stream: try #require(object["stream"] as? String),
                data: data
            )
        }
    }

    func roundTrip<E: DomainEvent>(_ type: E.Type, _ data: Data) throws -> (any DomainEvent, Bool) {
        let decoded = try JSONDecoder().decode(E.self, from: data)
        let again = try JSONDecoder().decode(E.self, from: JSONEncoder().encode(decoded))
        return (decoded, decoded == again)
    }

    @Test func everyLineDecodesAndReEncodesToAnEqualValue() throws {
        let lines = try lines()
        #expect(lines.count == Self.types.count)
        for line in lines {
            let type = try #require(Self.types.first { $0.eventType == line.type }, "unknown type \(line.type)")
            #expect(line.schemaVersion == type.schemaVersion)
            let stream = try #require(StreamRef(name: line.stream))
            #expect(stream.category == Self.expectedCategory(line.type), "\(line.type) on \(line.stream)")
            let (event, equal) = try roundTrip(type, line.data)
            #expect(equal, "\(line.type) changed in a JSON round trip")
            #expect(event.eventType == line.type)
        }
    }

    @Test func everyEventTypeHasAFixtureLine() throws {
        let covered = Set(try lines().map(\.type))
        #expect(covered == Set(Self.types.map { $0.eventType }))
        #expect(Self.types.count == 25)
    }

    @Test func theLineItemFixtureTotalIsWhatTheCommandComputes() throws {
        let line = try #require(try lines().first { $0.type == OpportunityLineItemsChanged.eventType })
        let e = try JSONDecoder().decode(OpportunityLineItemsChanged.self, from: line.data)
        #expect(
            ChangeOpportunityLineItems.total(
                e.lines,
                orderDiscountBasisPoints: e.orderDiscountBasisPoints,
                currency: "CNY"
            ) == e.total
        )
    }
}
