import CRMDomain

/// Marketing, loyalty and service activity (issue 5): campaigns and mass sends, the loyalty programme with its
/// members, purchases, points and stored-value cards, and customer service with tickets, SLAs, care reminders and
/// field work orders.
///
/// The extension side draws from its own random stream (seeded from the generator's seed), so the sales side's
/// history does not depend on it; and it runs every day after the sales side, on a clock of its own that starts
/// at 19:10 and never goes backwards, so the in-memory store and a real engine (whose clock only moves forward)
/// see the same business times.
struct ExtensionsState {
    /// The lead-generation campaigns of the history, planned at setup; the sales side attributes each lead to the
    /// campaign running on its capture date.
    var campaigns: [CampaignPlan] = []

    func activeCampaign(on date: LocalDate) -> ID? {
        campaigns.first { $0.isRunning(on: date) }?.id
    }

    var rng = SplitMix64(seed: 0)
    /// The business time of the last extension command, and how far each command moves it.
    var clock = Timestamp(millisecondsSinceEpoch: 0)
    var step: Int64 = 0
    var staff = ExtensionStaff()
    var marketing = MarketingState()
    var loyalty = LoyaltyState()
    var service = ServiceState()
    var field = FieldState()
    /// Members, tickets and cards as the domain sees them, folded from the events the commands produced.
    var members: [ID: Member] = [:]
    var tickets: [ID: Ticket] = [:]
    var cards: [ID: Card] = [:]

    mutating func track(_ events: [ProducedEvent]) {
        for p in events {
            guard let id = p.stream.id else { continue }
            switch p.stream.category {
            case Member.category: members[id, default: Member()].apply(p.event)
            case Ticket.category: tickets[id, default: Ticket()].apply(p.event)
            case Card.category: cards[id, default: Card()].apply(p.event)
            default: break
            }
        }
    }
}

/// The people of the marketing, membership and service departments.
struct ExtensionStaff {
    var marketingDept = ID(0)
    var serviceDept = ID(0)
    var fieldDept = ID(0)
    var marketingRole = ID(0)
    var loyaltyRole = ID(0)
    var serviceManagerRole = ID(0)
    var agentRole = ID(0)
    var technicianRole = ID(0)
    var marketer = ID(0)
    var loyaltyManager = ID(0)
    var serviceManager = ID(0)
    var agents: [ID] = []
    var seniorAgent = ID(0)
    var technicians: [ID] = []
}

extension World {
    /// Marketing, membership and service configuration: staff, campaign plan, templates, the loyalty programme,
    /// service teams, SLAs, knowledge base, care reminder rules and field service.
    mutating func setUpExtensions(_ runner: inout some CommandRunner) async throws(RunnerError) {
        extensions.rng = SplitMix64(seed: g.seed ^ 0x6578_7465_6E73_696F)
        extensions.clock = time(0, minutes: -50)
        try await setUpExtensionStaff(&runner)
        try await setUpMarketing(&runner)
        try await setUpLoyalty(&runner)
        try await setUpService(&runner)
        try await setUpFieldService(&runner)
    }

    /// One day of marketing, membership and service activity, after the sales side's day.
    mutating func simulateExtensions(day: Int, _ runner: inout some CommandRunner) async throws(RunnerError) {
        let start = time(day, minutes: 610)
        if extensions.clock < start { extensions.clock = start }
        extensions.step = 20
        try await simulateMarketing(day, &runner)
        try await simulateLoyalty(day, &runner)
        try await simulateService(day, &runner)
        try await simulateFieldService(day, &runner)
        try await simulateCare(day, &runner)
    }

    // MARK: Helpers

    /// Moves the extension clock forward by `seconds` (by default 20 s a command during the days, nothing during
    /// setup, which happens at one instant like the sales side's) and returns it.
    @discardableResult
    mutating func tick(_ seconds: Int64? = nil) -> Timestamp {
        let step = seconds ?? extensions.step
        extensions.clock = Timestamp(millisecondsSinceEpoch: extensions.clock.millisecondsSinceEpoch + step * 1_000)
        return extensions.clock
    }

    /// Runs a command that must be accepted at `at` (default: the next tick) and folds its events into the
    /// member, ticket and card mirrors.
    @discardableResult
    mutating func exec(
        _ command: any Command,
        as actor: ActorRef,
        at: Timestamp? = nil,
        _ runner: inout some CommandRunner
    ) async throws(RunnerError) -> [ProducedEvent] {
        let when = at ?? tick()
        let events = try await must(command, as: actor, at: when, &runner)
        extensions.track(events)
        return events
    }

    /// Like ``exec(_:as:at:_:)`` for a command the business may refuse; a refusal is counted.
    @discardableResult
    mutating func tryExec(
        _ command: any Command,
        as actor: ActorRef,
        _ runner: inout some CommandRunner
    ) async throws(RunnerError) -> [ProducedEvent]? {
        guard let events = try await attempt(command, as: actor, at: tick(), &runner) else { return nil }
        extensions.track(events)
        return events
    }

    mutating func chance(_ p: Double) -> Bool { extensions.rng.chance(p) }
    mutating func roll(_ range: ClosedRange<Int>) -> Int { extensions.rng.int(range) }
    mutating func choose<T>(_ items: [T]) -> T { extensions.rng.pick(items) }

    /// How many things happen today when `expected` happen per day on average.
    mutating func occurrences(_ expected: Double) -> Int {
        let whole = Int(expected)
        return whole + (chance(expected - Double(whole)) ? 1 : 0)
    }

    /// Thousands of yuan in minor units.
    static func kCNY(_ thousands: Int) -> Int64 { Int64(thousands) * 1_000 * 100 }

    /// The customer's contact details as the generator knows them (the lead's address book).
    func contactEmail(_ customerIndex: Int) -> String {
        "contact\(customerIndex + 1)@client\(customerIndex + 1).example.cn"
    }
    func contactMobile(_ customerIndex: Int) -> String { "139\(10_000_000 + customerIndex % 90_000_000)" }

    // MARK: Staff

    /// The marketing and service departments, their roles and people.
    mutating func setUpExtensionStaff(_ runner: inout some CommandRunner) async throws(RunnerError) {
        let ceo = ActorRef.user(company.ceo)
        var s = ExtensionStaff()
        var names = NameSource(rng: SplitMix64(seed: g.seed ^ 0x5EED_0005))
        let all = Action.allCases
        s.marketingDept = newID()
        s.serviceDept = newID()
        s.fieldDept = newID()
        try await exec(
            DefineDepartment(deptId: s.marketingDept, parentDeptId: company.hq, name: "Marketing"),
            as: ceo,
            &runner
        )
        try await exec(
            DefineDepartment(deptId: s.serviceDept, parentDeptId: company.hq, name: "Customer service"),
            as: ceo,
            &runner
        )
        try await exec(
            DefineDepartment(deptId: s.fieldDept, parentDeptId: s.serviceDept, name: "Field service"),
            as: ceo,
            &runner
        )
        let read: [ObjectType] = [.customer, .contact]
        s.marketingRole = newID()
        try await exec(
            DefineRole(
                roleId: s.marketingRole,
                name: "Marketing",
                objectPermissions: [.campaign, .audienceList, .messageTemplate, .massSend].map {
                    ObjectPermission(object: $0, actions: all.filter { $0 != .approve && $0 != .delete })
                } + (read + [.member, .lead]).map { ObjectPermission(object: $0, actions: [.read, .list]) },
                dataScope: .all
            ),
            as: ceo,
            &runner
        )
        s.loyaltyRole = newID()
        try await exec(
            DefineRole(
                roleId: s.loyaltyRole,
                name: "Membership operations",
                objectPermissions: [.loyaltyProgram, .earningRule, .tier, .reward, .store, .member, .card].map {
                    ObjectPermission(object: $0, actions: all)
                } + read.map { ObjectPermission(object: $0, actions: [.read]) }
                    + [ObjectPermission(object: .reminder, actions: [.read, .edit])],
                dataScope: .all
            ),
            as: ceo,
            &runner
        )
        let serviceObjects: [ObjectType] = [
            .ticket, .slaPolicy, .escalationRule, .knowledgeArticle, .reminder, .reminderRule, .serviceTeam,
            .workingCalendar, .workOrder, .serviceAppointment, .partRequest,
        ]
        s.serviceManagerRole = newID()
        try await exec(
            DefineRole(
                roleId: s.serviceManagerRole,
                name: "Service manager",
                objectPermissions: serviceObjects.map { ObjectPermission(object: $0, actions: all) }
                    + [ObjectPermission(object: .approval, actions: [.read, .approve])]
                    + (read + [.member]).map { ObjectPermission(object: $0, actions: [.read]) },
                dataScope: .departmentAndChildren
            ),
            as: ceo,
            &runner
        )
        s.agentRole = newID()
        try await exec(
            DefineRole(
                roleId: s.agentRole,
                name: "Service agent",
                objectPermissions: [
                    ObjectPermission(
                        object: .ticket,
                        actions: [.read, .list, .create, .edit, .assign, .escalate, .close, .reopen]
                    ),
                    ObjectPermission(object: .knowledgeArticle, actions: [.read, .create, .edit]),
                    ObjectPermission(object: .reminder, actions: [.read, .edit]),
                ] + (read + [.member]).map { ObjectPermission(object: $0, actions: [.read]) },
                dataScope: .self
            ),
            as: ceo,
            &runner
        )
        s.technicianRole = newID()
        try await exec(
            DefineRole(
                roleId: s.technicianRole,
                name: "Field technician",
                objectPermissions: [
                    ObjectPermission(object: .workOrder, actions: [.read, .edit]),
                    ObjectPermission(object: .serviceAppointment, actions: [.read, .edit]),
                    ObjectPermission(object: .partRequest, actions: [.read, .create, .submit]),
                    ObjectPermission(object: .reminder, actions: [.read, .edit]),
                    ObjectPermission(object: .knowledgeArticle, actions: [.read]),
                ] + read.map { ObjectPermission(object: $0, actions: [.read]) },
                dataScope: .self
            ),
            as: ceo,
            &runner
        )
        s.marketer = newID()
        try await exec(
            OnboardUser(
                userId: s.marketer,
                name: names.person(),
                departmentId: s.marketingDept,
                managerUserId: company.ceo,
                roleIds: [s.marketingRole]
            ),
            as: ceo,
            &runner
        )
        s.loyaltyManager = newID()
        try await exec(
            OnboardUser(
                userId: s.loyaltyManager,
                name: names.person(),
                departmentId: s.marketingDept,
                managerUserId: s.marketer,
                roleIds: [s.loyaltyRole]
            ),
            as: ceo,
            &runner
        )
        s.serviceManager = newID()
        try await exec(
            OnboardUser(
                userId: s.serviceManager,
                name: names.person(),
                departmentId: s.serviceDept,
                managerUserId: company.ceo,
                roleIds: [s.serviceManagerRole]
            ),
            as: ceo,
            &runner
        )
        for _ in 0..<max(2, min(6, g.size / 150)) {
            let agent = newID()
            try await exec(
                OnboardUser(
                    userId: agent,
                    name: names.person(),
                    departmentId: s.serviceDept,
                    managerUserId: s.serviceManager,
                    roleIds: [s.agentRole]
                ),
                as: ceo,
                &runner
            )
            s.agents.append(agent)
        }
        s.seniorAgent = newID()
        try await exec(
            OnboardUser(
                userId: s.seniorAgent,
                name: names.person(),
                departmentId: s.serviceDept,
                managerUserId: s.serviceManager,
                roleIds: [s.agentRole]
            ),
            as: ceo,
            &runner
        )
        for _ in 0..<max(2, min(5, g.size / 250)) {
            let tech = newID()
            try await exec(
                OnboardUser(
                    userId: tech,
                    name: names.person(),
                    departmentId: s.fieldDept,
                    managerUserId: s.serviceManager,
                    roleIds: [s.technicianRole]
                ),
                as: ceo,
                &runner
            )
            s.technicians.append(tech)
        }
        extensions.staff = s
    }
}
