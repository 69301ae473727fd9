import CRMEngine
import CRMTestSupport
import Foundation
import Testing

@Suite struct GeneratorTests {
    /// Generates into a real engine on an in-memory log and returns the head (position and hash).
    private func generate(seed: UInt64, size: Int, days: Int) async throws -> (LogHead, GenerationReport) {
        let generator = HistoryGenerator(seed: seed, size: size, days: days)
        let clock = SimulationClock(start: Timestamp(generator.start))
        let log = InMemoryEventLog(clock: clock.logClock)
        let engine = try await Engine(
            log: log,
            configuration: EngineConfiguration(clock: clock.logClock, ids: .incrementing(from: 1), tenant: "gen")
        )
        var runner = EngineRunner(engine: engine, clock: clock)
        let report = try await generator.run(on: &runner)
        return (try log.head(), report)
    }

    @Test func theSameSeedGivesTheSameLog() async throws {
        let (a, reportA) = try await generate(seed: 11, size: 120, days: 90)
        let (b, reportB) = try await generate(seed: 11, size: 120, days: 90)
        #expect(a == b)
        #expect(reportA.eventsByType == reportB.eventsByType)
        #expect(a.position > 500)
        let (c, _) = try await generate(seed: 12, size: 120, days: 90)
        #expect(c.hash != a.hash)
    }

    @Test func theEngineAndTheInMemoryStoreProduceTheSameHistory() async throws {
        let generator = HistoryGenerator(seed: 5, size: 80, days: 60)
        var memory = InMemoryRunner()
        let inMemory = try await generator.run(on: &memory)
        let clock = SimulationClock(start: Timestamp(generator.start))
        let log = InMemoryEventLog(clock: clock.logClock)
        let engine = try await Engine(
            log: log,
            configuration: EngineConfiguration(clock: clock.logClock, ids: .incrementing(from: 1), tenant: "gen")
        )
        var runner = EngineRunner(engine: engine, clock: clock)
        let viaEngine = try await generator.run(on: &runner)
        #expect(inMemory.eventsByType == viaEngine.eventsByType)
        #expect(inMemory.expectedRejections == viaEngine.expectedRejections)
        // Event by event: same streams, same payloads, in the same order.
        var stored: [(String, any DomainEvent)] = []
        for try await e in log.read(.all()) { stored.append((e.stream, try engine.decode(e))) }
        let expected = memory.store.log
        #expect(stored.count == expected.count)
        for (a, b) in zip(stored, expected) {
            #expect(a.0 == b.stream.name)
            #expect(AnyHashable(a.1) == AnyHashable(b.event), "\(a.0): \(a.1.eventType)")
        }
    }

    @Test func aGeneratedCompanyAlsoRunsCampaignsALoyaltyProgrammeAndAServiceDesk() async throws {
        let (_, report) = try await generate(seed: 9, size: 150, days: 450)  // long enough for points to expire
        for type in [
            "CampaignCreated", "CampaignCostRecorded", "MassSendScheduled", "MessageSent", "MessageEngagementRecorded",
            "MemberEnrolled", "PurchaseRecorded", "PointsEarned", "PointsRedeemed", "PurchaseReturned",
            "PointsEarningCancelled", "PointsExpired", "CardIssued", "CardToppedUp", "StoredValueSpent", "TicketOpened",
            "SlaApplied", "TicketResolved", "WorkOrderCreated", "ServiceAppointmentCompleted", "PartConsumed",
        ] {
            #expect(report.eventsByType[type, default: 0] > 0, "no \(type) generated")
        }
    }

    @Test func aGeneratedCompanyExercisesTheWholeSalesCycle() async throws {
        let (head, report) = try await generate(seed: 3, size: 200, days: 180)
        #expect(head.position == UInt64(report.totalEvents))
        for type in [
            "LeadCaptured", "LeadConverted", "CustomerCreated", "ContactAdded", "OpportunityCreated",
            "OpportunityStageAdvanced", "OpportunityWon", "OpportunityLost", "ContractDrafted", "ContractApproved",
            "ContractSigned", "PaymentInstallmentScheduled", "PaymentReceived", "PaymentVerified", "CommissionAccrued",
            "CustomerTransferApproved", "CustomerReturnedToPool", "CustomerClaimedFromPool", "FollowUpRecorded",
            "UserOffboarded",
        ] {
            #expect(report.eventsByType[type, default: 0] > 0, "no \(type) generated")
        }
        // Refusals are rare business outcomes (quotas, cooldowns), never generator bugs.
        let refused = report.expectedRejections.values.reduce(0, +)
        #expect(refused * 20 < report.commands, "too many refusals: \(report.expectedRejections)")
    }
}
