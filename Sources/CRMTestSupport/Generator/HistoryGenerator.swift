public import CRMDomain

/// Generates a realistic company and years of CRM activity from a seed, by issuing commands through a
/// ``CommandRunner`` (the in-memory store or a real engine), so every event passes its invariants. The same seed
/// and size always give the same log.
///
/// ```swift
/// var runner = InMemoryRunner()
/// let report = try await HistoryGenerator(seed: 42, size: 500).run(on: &runner)
/// print(report.eventsByType)
/// ```
public struct HistoryGenerator: Sendable {
    public var seed: UInt64
    /// About how many leads the company captures over the whole history; everything else scales with it.
    public var size: Int
    /// The first day of the history.
    public var start: LocalDate
    /// How many days of activity.
    public var days: Int

    public init(seed: UInt64, size: Int, start: LocalDate = LocalDate(2025, 1, 6), days: Int = 730) {
        self.seed = seed
        self.size = max(10, size)
        self.start = start
        self.days = max(30, days)
    }

    /// Runs the whole history on `runner`.
    public func run(on runner: inout some CommandRunner) async throws(RunnerError) -> GenerationReport {
        var world = World(generator: self)
        try await world.setUpCompany(&runner)
        for day in 0..<days {
            try await world.simulate(day: day, &runner)
        }
        return world.report
    }
}

/// What a generation produced.
public struct GenerationReport: Sendable {
    /// Appended events per catalogue type (commands and reactions).
    public var eventsByType: [String: Int] = [:]
    /// Commands that were refused on purpose-free attempts (claims over quota, ...), by rule. They append nothing.
    public var expectedRejections: [String: Int] = [:]
    public var commands = 0
    public var customers: [ID] = []
    public var members: [ID] = []
    public var tickets: [ID] = []

    public var totalEvents: Int { eventsByType.values.reduce(0, +) }
}

/// The generator's bookkeeping: ids it made and where each record is in its life.
struct World {
    let g: HistoryGenerator
    var rng: SplitMix64
    var nextID: UInt64 = 0x1000_0000_0000
    var report = GenerationReport()
    var company = Company()
    var leads: [LeadInfo] = []
    var opportunities: [OpportunityInfo] = []
    var contracts: [ContractInfo] = []
    var customers: [CustomerInfo] = []
    var verifiedPayments: [PaymentInfo] = []
    var contractNumber = 0
    var paymentNumber = 0
    var extensions = ExtensionsState()

    init(generator: HistoryGenerator) {
        g = generator
        rng = SplitMix64(seed: generator.seed)
    }

    mutating func newID() -> ID {
        nextID += 1
        return ID(nextID)
    }

    func date(_ day: Int) -> LocalDate { g.start.adding(days: day) }

    /// 09:00 + `minutes` on `day` (UTC).
    func time(_ day: Int, minutes: Int = 0) -> Timestamp {
        Timestamp(date(day), hour: 9).adding(minutes: minutes)
    }

    /// Runs a command that must be accepted.
    @discardableResult
    mutating func must(
        _ command: any Command,
        as actor: ActorRef,
        at time: Timestamp,
        _ runner: inout some CommandRunner
    ) async throws(RunnerError) -> [ProducedEvent] {
        report.commands += 1
        let events = try await runner.run(command, as: actor, at: time)
        for e in events { report.eventsByType[e.event.eventType, default: 0] += 1 }
        return events
    }

    /// Runs a command that the business may refuse (a quota, a cooldown); a refusal is counted, not thrown.
    @discardableResult
    mutating func attempt(
        _ command: any Command,
        as actor: ActorRef,
        at time: Timestamp,
        _ runner: inout some CommandRunner
    ) async throws(RunnerError) -> [ProducedEvent]? {
        do throws(RunnerError) {
            return try await must(command, as: actor, at: time, &runner)
        } catch {
            guard let r = error.rejection else { throw error }
            report.expectedRejections[r.rule, default: 0] += 1
            return nil
        }
    }
}

struct LeadInfo {
    enum Status { case open, converted, disqualified }
    let id: ID
    var ownerId: ID?
    var inPool: Bool
    let capturedDay: Int
    var status: Status
    let name: String
    let company: String
    let campaignId: ID?
}

struct OpportunityInfo {
    let id: ID
    let customerId: ID
    let contactId: ID
    var ownerId: ID
    var stage: Int
    var nextDay: Int
    var open: Bool
    var amount: Int64
}

struct ContractInfo {
    enum Status { case drafted, submitted, approved, signed }
    let id: ID
    let customerId: ID
    let contactId: ID
    var ownerId: ID
    let amount: Int64
    var status: Status
    var approvalId: ID?
    var installments: [InstallmentInfo] = []
    var nextDay: Int
}

struct InstallmentInfo {
    let planId: ID
    let amount: Int64
    let dueDay: Int
    var paid = false
    var flaggedOverdue = false
}

struct CustomerInfo {
    let id: ID
    let contactId: ID
    var ownerId: ID?
    var lastTouchDay: Int
    var dealt = false
}

struct PaymentInfo {
    let id: ID
    let amount: Int64
    let day: Int
}

/// The generated company's structure.
struct Company {
    var hq = ID(0)
    var salesDept = ID(0)
    var teams: [ID] = []
    var ceo = ID(0)
    var director = ID(0)
    var teamLeads: [ID] = []
    var reps: [ID] = []
    var repsByTeam: [[ID]] = []
    var finance = ID(0)
    var adminRole = ID(0)
    var managerRole = ID(0)
    var repRole = ID(0)
    var financeRole = ID(0)
    var customerPool = ID(0)
    var leadPool = ID(0)
    var reclaimRule = ID(0)
    var pipeline = ID(0)
    var lostReasons: [ID] = []
    var commissionPlan = ID(0)
    var stages = ["qualification", "needsAnalysis", "proposal", "negotiation"]

    func manager(of rep: ID) -> ID {
        for (i, team) in repsByTeam.enumerated() where team.contains(rep) { return teamLeads[i] }
        return director
    }
}
