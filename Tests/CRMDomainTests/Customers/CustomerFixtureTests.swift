import CRMDomain
import Foundation
import Testing

/// Every line of `Fixtures/events/customers.jsonl` decodes into its event type and survives a JSON round trip.
@Suite struct CustomerFixtureTests {
    private static let fixture = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Customers
        .deletingLastPathComponent()  // CRMDomainTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // package root
        .appendingPathComponent("Fixtures/events/customers.jsonl")

    private struct Line: Decodable {
        let type: String
        let schemaVersion: Int
        let stream: String
    }

    /// Decodes `json` as `E`, re-encodes it and decodes it again; true when both values are equal.
    private static func roundTrips<E: DomainEvent>(_ type: E.Type, _ json: Data) throws -> Bool {
        let decoded = try JSONDecoder().decode(E.self, from: json)
        let again = try JSONDecoder().decode(E.self, from: try JSONEncoder().encode(decoded))
        return decoded == again
    }

    private static func check(_ type: any DomainEvent.Type, _ json: Data) throws -> Bool {
        try roundTrips(type, json)
    }

    @Test func everyFixtureLineDecodesAndRoundTrips() throws {
        let text = try String(contentsOf: Self.fixture, encoding: .utf8)
        let lines = text.split(separator: "\n").filter { !$0.isEmpty }
        let types = Dictionary(uniqueKeysWithValues: CustomersCatalog.eventTypes.map { ($0.eventType, $0) })
        var seen: Set<String> = []
        for line in lines {
            let data = Data(line.utf8)
            let header = try JSONDecoder().decode(Line.self, from: data)
            let type = try #require(types[header.type], "unknown event type \(header.type)")
            #expect(header.schemaVersion == type.schemaVersion)
            let stream = try #require(StreamRef(name: header.stream), "bad stream \(header.stream)")
            #expect(!stream.category.isEmpty)
            let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            let payload = try JSONSerialization.data(withJSONObject: try #require(object["data"]))
            #expect(try Self.check(type, payload), "\(header.type) does not round-trip")
            seen.insert(header.type)
        }
        #expect(seen == Set(types.keys), "missing fixtures: \(Set(types.keys).subtracting(seen).sorted())")
        #expect(lines.count == CustomersCatalog.eventTypes.count)
    }

    @Test func theCatalogListsEachEventTypeOnce() {
        let names = CustomersCatalog.eventTypes.map { $0.eventType }
        #expect(Set(names).count == names.count)
        #expect(names.count == 34)
        #expect(CustomersCatalog.processManagers.map(\.name) == ["customerTransferApproval", "customerTransferCarry"])
    }
}
