import CRMDomain
import Foundation
import Testing

/// Checks of `Fixtures/events/<area>.jsonl`: every line names a catalogued type and a stream of the right category,
/// decodes into the type, re-encodes to the same JSON, and survives a second decode unchanged.
enum LoyaltyFixtures {
    private struct Line: Decodable {
        let type: String
        let schemaVersion: Int
        let stream: String
    }

    static func url(_ file: String) -> URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // Loyalty
            .deletingLastPathComponent()  // CRMDomainTests
            .deletingLastPathComponent()  // Tests
            .deletingLastPathComponent()  // package root
            .appendingPathComponent("Fixtures/events/\(file)")
    }

    /// Decodes `json` as `E`, re-encodes it and decodes that again: (both decodes equal, the re-encoded JSON).
    private static func roundTrip<E: DomainEvent>(_ type: E.Type, _ json: Data) throws -> (equal: Bool, encoded: Data) {
        let decoded = try JSONDecoder().decode(E.self, from: json)
        let encoded = try JSONEncoder().encode(decoded)
        return (decoded == (try JSONDecoder().decode(E.self, from: encoded)), encoded)
    }

    private static func check(_ type: any DomainEvent.Type, _ json: Data) throws -> (equal: Bool, encoded: Data) {
        try roundTrip(type, json)
    }

    /// Checks `file` against `types`; `categories` maps each event type to the stream category it belongs to.
    static func verify(
        _ file: String,
        types: [any DomainEvent.Type],
        categories: [String: String],
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let text = try String(contentsOf: url(file), encoding: .utf8)
        let lines = text.split(separator: "\n").filter { !$0.isEmpty }
        let byName = Dictionary(uniqueKeysWithValues: types.map { ($0.eventType, $0) })
        var seen: [String] = []
        for line in lines {
            let data = Data(line.utf8)
            let header = try JSONDecoder().decode(Line.self, from: data)
            let type = try #require(
                byName[header.type],
                "unknown event type \(header.type)",
                sourceLocation: sourceLocation
            )
            #expect(header.schemaVersion == type.schemaVersion, sourceLocation: sourceLocation)
            let stream = try #require(
                StreamRef(name: header.stream),
                "bad stream \(header.stream)",
                sourceLocation: sourceLocation
            )
            #expect(
                stream.category == categories[header.type],
                "\(header.type) on \(stream.category)",
                sourceLocation: sourceLocation
            )
            let object = try #require(
                try JSONSerialization.jsonObject(with: data) as? [String: Any],
                sourceLocation: sourceLocation
            )
            let payload = try JSONSerialization.data(
                withJSONObject: try #require(object["data"], sourceLocation: sourceLocation)
            )
            let result = try check(type, payload)
            #expect(result.equal, "\(header.type) does not round-trip", sourceLocation: sourceLocation)
            let original = try JSONSerialization.jsonObject(with: payload) as? NSDictionary
            let reencoded = try JSONSerialization.jsonObject(with: result.encoded) as? NSDictionary
            #expect(
                original != nil && original == reencoded,
                "\(header.type) re-encodes differently",
                sourceLocation: sourceLocation
            )
            seen.append(header.type)
        }
        #expect(
            seen == types.map { $0.eventType },
            "fixture lines must follow the catalogue, one per type",
            sourceLocation: sourceLocation
        )
    }
}

@Suite struct LoyaltyFixtureTests {
    @Test func everyLoyaltyFixtureLineDecodesAndRoundTrips() throws {
        var categories: [String: String] = [:]
        for t in LoyaltyCatalog.eventTypes { categories[t.eventType] = Member.category }
        categories["LoyaltyProgramDefined"] = LoyaltyProgram.category
        categories["EarningRuleDefined"] = EarningRule.category
        categories["EarningRuleDeactivated"] = EarningRule.category
        categories["TierDefined"] = Tier.category
        categories["RewardDefined"] = Reward.category
        categories["StoreRegistered"] = Store.category
        for t in [
            "CardIssued", "CardActivated", "CardToppedUp", "StoredValueSpent", "StoredValueRefunded",
            "CardReportedLost",
            "CardLossCancelled", "CardReplaced", "CardCancelled",
        ] {
            categories[t] = Card.category
        }
        try LoyaltyFixtures.verify("loyalty.jsonl", types: LoyaltyCatalog.eventTypes, categories: categories)
    }

    @Test func theCatalogListsEveryLoyaltyAndCardEventOnce() {
        let names = LoyaltyCatalog.eventTypes.map { $0.eventType }
        #expect(Set(names).count == names.count)
        #expect(names.count == 27)
        #expect(
            LoyaltyCatalog.processManagers.map(\.name) == [
                "loyalty.purchaseEarning", "loyalty.purchaseReturn", "loyalty.memberEnrolment", "loyalty.customerMerge",
            ]
        )
    }
}
