import CRMDomain
import Foundation
import Testing

/// `Fixtures/events/contracts.jsonl`: one line per event type of contracts, payments, invoices, targets and
/// commission, each decoding into its type and surviving a re-encode unchanged.
@Suite struct ContractsFixtureTests {
    static var fixtureURL: URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // Contracts
            .deletingLastPathComponent()  // CRMDomainTests
            .deletingLastPathComponent()  // Tests
            .deletingLastPathComponent()  // package root
            .appendingPathComponent("Fixtures/events/contracts.jsonl")
    }

    static let types: [any DomainEvent.Type] =
        ContractsCatalog.eventTypes + TargetsCatalog.eventTypes + CommissionCatalog.eventTypes

    /// The stream category each event type lives on.
    static func category(of type: String) -> String {
        switch type {
        case let t where t.hasPrefix("Contract") || t.hasPrefix("PaymentInstallment"): "contract"
        case let t where t.hasPrefix("Payment"): "payment"
        case let t where t.hasPrefix("Invoice"): "invoice"
        case let t where t.hasPrefix("SalesTarget"): "salesTarget"
        case let t where t.hasPrefix("Forecast"): "forecast"
        case let t where t.hasPrefix("CommissionPlan"): "commissionPlan"
        default: "commissionLedger"
        }
    }

    func roundTrip<E: DomainEvent>(_ type: E.Type, _ data: Data) throws -> Bool {
        let decoded = try JSONDecoder().decode(E.self, from: data)
        let again = try JSONDecoder().decode(E.self, from: JSONEncoder().encode(decoded))
        return decoded == again
    }

    @Test func everyLineDecodesAndRoundTrips() throws {
        let text = try String(contentsOf: Self.fixtureURL, encoding: .utf8)
        let lines = text.split(separator: "\n").filter { !$0.isEmpty }
        var seen: [String] = []
        for line in lines {
            let parsed = try JSONSerialization.jsonObject(with: Data(line.utf8))
            let object = try #require(parsed as? [String: Any])
            let name = try #require(object["type"] as? String)
            let type = try #require(Self.types.first { $0.eventType == name }, "unknown type \(name)")
            #expect(object["schemaVersion"] as? Int == type.schemaVersion)
            let streamName = try #require(object["stream"] as? String)
            let stream = try #require(StreamRef(name: streamName))
            #expect(stream.category == Self.category(of: name), "\(name) on \(stream)")
            let payload = try #require(object["data"])
            let data = try JSONSerialization.data(withJSONObject: payload)
            #expect(try roundTrip(type, data), "\(name) does not round-trip")
            seen.append(name)
        }
        #expect(seen.sorted() == Self.types.map { $0.eventType }.sorted())
    }

    @Test func catalogsListEveryEventTypeOnce() {
        let names = Self.types.map { $0.eventType }
        #expect(Set(names).count == names.count)
        #expect(ContractsCatalog.eventTypes.count == 23)
        #expect(TargetsCatalog.eventTypes.count == 4)
        #expect(CommissionCatalog.eventTypes.count == 10)
        #expect(ContractsCatalog.processManagers.map(\.name) == ["contractApproval", "contractDeal"])
        #expect(CommissionCatalog.processManagers.map(\.name) == ["commission"])
    }
}
