import CRMDomain
import Testing

private typealias W = CustomerWorld
private typealias A = CustomerActor

/// A follow-up fact as the activity module records it (ACT-01 conforms to ``CustomerFollowUpFact`` the same way).
struct TestFollowUp: CustomerFollowUpFact {
    static let eventType = "TestFollowUp"
    let customerId: ID?
    let occurredAt: Timestamp
    /// Set when recorded on an activity stream: links the activity to the customer.
    let linkTo: ID?

    var followUpCustomerId: ID? { customerId }
    var followUpAt: Timestamp { occurredAt }

    func indexEntries(in stream: StreamRef) -> [IndexEntry] {
        guard let linkTo else { return [] }
        return [.link(parent: .of(Customer.self, linkTo), child: stream)]
    }
}

/// CUS-11 with cause autoReclaim and the reclaim planner: per-level days, follow-up clock, warning window, locked
/// customers never reclaimed, includeDealt / includeWithOpportunities, noOpportunity and noDeal rules.
@Suite struct CustomerReclaimTests {
    private static let rule = ID(300)
    /// Customers are received at W.t0 = 2026-03-02 09:00 UTC.
    private func asOf(_ days: Int) -> Timestamp { Timestamp(W.t0.date.adding(days: days)) }

    private func world(
        _ type: ReclaimRuleType = .noFollowUp,
        limitDays: Int64? = 30,
        perLevel: [LevelLimitDays] = [],
        includeDealt: Bool = false,
        includeWithOpportunities: Bool = true,
        remind: Int64? = 5
    ) throws -> CustomerWorld {
        var w = try W()
        try w.definePool(remindDaysBefore: remind, autoReclaim: true)
        try w.run(
            SetPoolReclaimRule(
                poolId: W.pool,
                ruleId: Self.rule,
                ruleType: type,
                limitDays: limitDays,
                perLevel: perLevel,
                includeDealt: includeDealt,
                includeWithOpportunities: includeWithOpportunities
            ),
            as: A.manager
        )
        return w
    }

    private func reclaim(_ id: ID, _ days: Int) -> ReclaimCustomer {
        ReclaimCustomer(customerId: id, poolId: W.pool, ruleId: Self.rule, asOf: asOf(days))
    }

    @Test func noFollowUpReclaimsOnlyAfterMoreThanLimitDays() throws {
        var w = try world()
        try w.createCustomer(ID(1), owner: W.rep1)
        w.expectRejected(
            reclaim(ID(1), 30),
            as: A.scheduler,
            at: asOf(30),
            rule: "CUS-11.ruleCondition",
            kind: .invariantViolated
        )
        let out = try w.run(reclaim(ID(1), 31), as: A.scheduler, at: asOf(31).adding(hours: 1))
        let expected = CustomerReturnedToPool(
            poolId: W.pool,
            previousOwnerId: W.rep1,
            cause: .autoReclaim(ruleId: Self.rule, ruleType: .noFollowUp, limitDay: 30, daysSince: 31),
            asOf: asOf(31),
            at: asOf(31)
        )
        #expect(W.values(out) == [AnyHashable(expected)])
        let c = try #require(w.customer(ID(1)))
        #expect(c.ownerId == nil && c.poolId == W.pool && c.preOwnerId == W.rep1 && c.releasedAt == asOf(31))
    }

    @Test func aFollowUpOnTheCustomerOrALinkedActivityRestartsTheClock() throws {
        var w = try world()
        try w.createCustomer(ID(1), owner: W.rep1)
        try w.createCustomer(ID(2), owner: W.rep1)
        w.store.given(
            [TestFollowUp(customerId: ID(1), occurredAt: Timestamp(LocalDate(2026, 3, 20), hour: 15), linkTo: nil)],
            on: W.stream(ID(1))
        )
        w.store.given(
            [TestFollowUp(customerId: ID(2), occurredAt: Timestamp(LocalDate(2026, 3, 25), hour: 10), linkTo: ID(2))],
            on: StreamRef("activity", ID(600).description)
        )
        #expect(w.customer(ID(1))?.lastFollowUpAt == Timestamp(LocalDate(2026, 3, 20), hour: 15))
        w.expectRejected(
            reclaim(ID(1), 31),
            as: A.scheduler,
            at: asOf(31),
            rule: "CUS-11.ruleCondition",
            kind: .invariantViolated
        )
        w.expectRejected(
            reclaim(ID(2), 31),
            as: A.scheduler,
            at: asOf(31),
            rule: "CUS-11.ruleCondition",
            kind: .invariantViolated
        )
        // 2026-03-20 + 31 days = 2026-04-20; 2026-03-25 + 31 days = 2026-04-25.
        let at = Timestamp(LocalDate(2026, 4, 20))
        let out = try w.run(
            ReclaimCustomer(customerId: ID(1), poolId: W.pool, ruleId: Self.rule, asOf: at),
            as: A.scheduler,
            at: at
        )
        #expect((out.first?.event as? CustomerReturnedToPool)?.cause.daysSince == 31)
        w.expectRejected(
            ReclaimCustomer(customerId: ID(2), poolId: W.pool, ruleId: Self.rule, asOf: at),
            as: A.scheduler,
            at: at,
            rule: "CUS-11.ruleCondition",
            kind: .invariantViolated
        )
    }

    @Test func perLevelDaysApplyWithTheDefaultForOtherLevels() throws {
        var w = try world(limitDays: 30, perLevel: [LevelLimitDays(level: "A", days: 60)])
        try w.createCustomer(ID(1), level: "A", owner: W.rep1)
        try w.createCustomer(ID(2), level: "B", owner: W.rep1)
        w.expectRejected(
            reclaim(ID(1), 31),
            as: A.scheduler,
            at: asOf(31),
            rule: "CUS-11.ruleCondition",
            kind: .invariantViolated
        )
        try w.run(reclaim(ID(2), 31), as: A.scheduler, at: asOf(31))
        let out = try w.run(reclaim(ID(1), 61), as: A.scheduler, at: asOf(61))
        #expect((out.first?.event as? CustomerReturnedToPool)?.cause.limitDay == 60)
    }

    @Test func lockedCustomersAreNeverReclaimed() throws {
        var w = try world()
        try w.createCustomer(ID(1), owner: W.rep1)
        try w.run(LockCustomer(customerId: ID(1)), as: A.rep1)
        w.expectRejected(
            reclaim(ID(1), 400),
            as: A.scheduler,
            at: asOf(400),
            rule: "CUS-11.notLocked",
            kind: .invalidState
        )
        let plan = PoolReclaimPlanner.plan(poolId: W.pool, asOf: asOf(400), context: w.store)
        #expect(plan.due.isEmpty && plan.warnings.isEmpty)
        try w.run(UnlockCustomer(customerId: ID(1)), as: A.rep1)
        try w.run(reclaim(ID(1), 400), as: A.scheduler, at: asOf(400))
    }

    @Test func dealtCustomersAreReclaimedOnlyWhenTheRuleIncludesThem() throws {
        var excluding = try world(includeDealt: false)
        try excluding.createCustomer(ID(1), owner: W.rep1)
        try excluding.run(ChangeCustomerDealStatus(customerId: ID(1), dealt: true, cause: .manual), as: A.rep1)
        excluding.expectRejected(
            reclaim(ID(1), 31),
            as: A.scheduler,
            at: asOf(31),
            rule: "CUS-11.ruleCondition",
            kind: .invariantViolated
        )

        var including = try world(includeDealt: true)
        try including.createCustomer(ID(1), owner: W.rep1)
        try including.run(ChangeCustomerDealStatus(customerId: ID(1), dealt: true, cause: .manual), as: A.rep1)
        try including.run(reclaim(ID(1), 31), as: A.scheduler, at: asOf(31))
        #expect(including.customer(ID(1))?.ownerId == nil)
    }

    @Test func customersWithOpportunitiesAreExcludedWhenTheRuleSaysSo() throws {
        var w = try world(includeWithOpportunities: false)
        try w.createCustomer(ID(1), owner: W.rep1)
        try w.createCustomer(ID(2), owner: W.rep1)
        w.seedOpportunity(ID(50), customer: ID(1), owner: W.rep1, status: .won)
        w.seedOpportunity(ID(51), customer: ID(2), owner: W.rep1, status: .voided)
        w.expectRejected(
            reclaim(ID(1), 31),
            as: A.scheduler,
            at: asOf(31),
            rule: "CUS-11.ruleCondition",
            kind: .invariantViolated
        )
        try w.run(reclaim(ID(2), 31), as: A.scheduler, at: asOf(31))
    }

    @Test func noOpportunityCountsFromReceiveTimeAndNeedsNoLiveOpportunity() throws {
        var w = try world(.noOpportunity)
        try w.createCustomer(ID(1), owner: W.rep1)
        try w.createCustomer(ID(2), owner: W.rep1)
        try w.createCustomer(ID(3), owner: W.rep1)
        w.seedOpportunity(ID(50), customer: ID(1), owner: W.rep1, status: .won)
        w.seedOpportunity(ID(52), customer: ID(3), owner: W.rep1, status: .voided)
        w.store.given(
            [TestFollowUp(customerId: ID(2), occurredAt: asOf(30), linkTo: nil)],
            on: W.stream(ID(2))
        )
        w.expectRejected(
            reclaim(ID(1), 31),
            as: A.scheduler,
            at: asOf(31),
            rule: "CUS-11.ruleCondition",
            kind: .invariantViolated
        )
        let out = try w.run(reclaim(ID(2), 31), as: A.scheduler, at: asOf(31))
        #expect((out.first?.event as? CustomerReturnedToPool)?.cause.ruleType == .noOpportunity)
        try w.run(reclaim(ID(3), 31), as: A.scheduler, at: asOf(31))
    }

    @Test func noDealReclaimsOnlyCustomersThatNeverDealt() throws {
        var w = try world(.noDeal, includeDealt: true)
        try w.createCustomer(ID(1), owner: W.rep1)
        try w.createCustomer(ID(2), owner: W.rep1)
        try w.run(ChangeCustomerDealStatus(customerId: ID(1), dealt: true, cause: .manual), as: A.rep1)
        w.expectRejected(
            reclaim(ID(1), 90),
            as: A.scheduler,
            at: asOf(90),
            rule: "CUS-11.ruleCondition",
            kind: .invariantViolated
        )
        try w.run(reclaim(ID(2), 31), as: A.scheduler, at: asOf(31))
    }

    @Test func reclaimNeedsAnActiveAutoReclaimPoolARuleAndAMemberOwner() throws {
        var w = try world()
        try w.createCustomer(ID(1), owner: W.rep1)
        try w.createCustomer(ID(2), owner: W.outsider)
        w.expectRejected(
            ReclaimCustomer(customerId: ID(1), poolId: W.pool, ruleId: ID(399), asOf: asOf(31)),
            as: A.scheduler,
            at: asOf(31),
            rule: "CUS-11.ruleExists",
            kind: .notFound
        )
        w.expectRejected(
            reclaim(ID(2), 31),
            as: A.scheduler,
            at: asOf(31),
            rule: "CUS-11.ownerIsMember",
            kind: .invariantViolated
        )
        w.expectRejected(reclaim(ID(1), 31), as: A.scheduler, at: asOf(30), rule: "CUS-11.asOf", kind: .invalidInput)
        w.expectRejected(reclaim(ID(1), 31), as: A.viewer, at: asOf(31), rule: "CUS-11.perm", kind: .accessDenied)
        try w.run(
            ChangePoolSettings(poolId: W.pool, edits: [PoolSettingEdit(.autoReclaim, .flag(false))]),
            as: A.manager
        )
        w.expectRejected(
            reclaim(ID(1), 31),
            as: A.scheduler,
            at: asOf(31),
            rule: "CUS-11.autoReclaimOn",
            kind: .invalidState
        )
        try w.run(
            ChangePoolSettings(poolId: W.pool, edits: [PoolSettingEdit(.autoReclaim, .flag(true))]),
            as: A.manager
        )
        try w.run(ChangePoolStatus(poolId: W.pool, active: false), as: A.manager)
        w.expectRejected(
            reclaim(ID(1), 31),
            as: A.scheduler,
            at: asOf(31),
            rule: "CUS-11.autoReclaimOn",
            kind: .invalidState
        )
        try w.run(ChangePoolStatus(poolId: W.pool, active: true), as: A.manager)
        try w.run(reclaim(ID(1), 31), as: A.scheduler, at: asOf(31))
        w.expectRejected(reclaim(ID(1), 32), as: A.scheduler, at: asOf(32), rule: "CUS-11.owned", kind: .invalidState)
    }

    @Test func aCustomerWithAPendingTransferIsNotReclaimed() throws {
        var w = try world()
        try w.createCustomer(ID(1), owner: W.rep1)
        try w.run(
            RequestCustomerTransfer(
                customerId: ID(1),
                requestId: ID(40),
                toOwnerId: W.rep2,
                reason: "handover",
                requesterId: W.rep1
            ),
            as: A.rep1
        )
        w.expectRejected(
            reclaim(ID(1), 31),
            as: A.scheduler,
            at: asOf(31),
            rule: "CUS-11.noPendingTransfer",
            kind: .invalidState
        )
        #expect(PoolReclaimPlanner.plan(poolId: W.pool, asOf: asOf(31), context: w.store).due.isEmpty)
    }

    @Test func aClaimOrTransferRestartsTheReceiveClock() throws {
        var w = try world()
        try w.createCustomer(ID(1), owner: W.rep1)
        let approved = asOf(20)
        try w.run(
            RequestCustomerTransfer(
                customerId: ID(1),
                requestId: ID(40),
                toOwnerId: W.rep2,
                reason: "handover",
                requesterId: W.manager
            ),
            as: A.manager,
            at: approved
        )
        #expect(w.customer(ID(1))?.receivedAt == approved)
        w.expectRejected(
            reclaim(ID(1), 31),
            as: A.scheduler,
            at: asOf(31),
            rule: "CUS-11.ruleCondition",
            kind: .invariantViolated
        )
        try w.run(reclaim(ID(1), 51), as: A.scheduler, at: asOf(51))
    }

    // MARK: Planner

    @Test func thePlannerListsDueCustomersAndTheWarningWindow() throws {
        var w = try world(limitDays: 30, remind: 5)
        let owners = [W.rep1, W.rep2, W.eastRep, W.outsider]
        for (i, owner) in owners.enumerated() { try w.createCustomer(ID(UInt64(i + 1)), owner: owner) }
        try w.createCustomer(ID(5), owner: W.rep1, at: asOf(7))
        try w.createCustomer(ID(6), owner: W.rep1, at: asOf(6))
        // As of day 31: customers 1..3 (members) are due, 4 belongs to a non-member; 5 is at 24 days (outside the
        // 25...30 window), 6 at 25 days (inside it).
        let plan = PoolReclaimPlanner.plan(poolId: W.pool, asOf: asOf(31), context: w.store)
        #expect(plan.due.map(\.customerId) == [ID(1), ID(2), ID(3)])
        #expect(plan.due.allSatisfy { $0.evaluation.daysSince == 31 && $0.evaluation.limitDay == 30 })
        #expect(plan.warnings.map(\.customerId) == [ID(6)])
        let warning = try #require(plan.warnings.first)
        #expect(warning.evaluation.daysLeft == 5)
        #expect(warning.dueOn == asOf(31).date.adding(days: 6))
        for due in plan.due {
            try w.run(
                ReclaimCustomer(
                    customerId: due.customerId,
                    poolId: W.pool,
                    ruleId: due.evaluation.ruleId,
                    asOf: asOf(31)
                ),
                as: A.scheduler,
                at: asOf(31)
            )
        }
        let after = PoolReclaimPlanner.plan(poolId: W.pool, asOf: asOf(31), context: w.store)
        #expect(after.due.isEmpty && after.warnings.map(\.customerId) == [ID(6)])
    }

    @Test func theWarningWindowIsLimitMinusRemindThroughLimit() {
        let rule = PoolReclaimRule(
            ruleId: ID(1),
            ruleType: .noFollowUp,
            limitDays: 30,
            includeDealt: false,
            includeWithOpportunities: true
        )
        let received = Timestamp(LocalDate(2026, 1, 1), hour: 18)
        let facts = ReclaimFacts(
            customerId: ID(2),
            ownerId: ID(3),
            level: "B",
            locked: false,
            dealt: false,
            receivedAt: received,
            lastFollowUpAt: nil,
            opportunityCount: 0
        )
        func evaluation(_ days: Int) throws -> ReclaimEvaluation {
            try PoolReclaimPlanner.evaluate(
                rule,
                facts,
                asOf: Timestamp(LocalDate(2026, 1, 1).adding(days: days), hour: 6)
            ).get()
        }
        let expected: [(Int, Bool, Bool)] = [
            (24, false, false), (25, false, true), (30, false, true), (31, true, false),
        ]
        for (days, due, warn) in expected {
            let e = try? evaluation(days)
            #expect(e?.daysSince == Int64(days))
            #expect(e?.isDue == due, "day \(days)")
            #expect(e?.isWarning(remindDaysBefore: 5) == warn, "day \(days)")
        }
        #expect((try? evaluation(25))?.isWarning(remindDaysBefore: nil) == false)
    }

    @Test func evaluationNamesWhyARuleDoesNotApply() {
        let rule = PoolReclaimRule(
            ruleId: ID(1),
            ruleType: .noFollowUp,
            limitDays: nil,
            perLevel: [LevelLimitDays(level: "A", days: 10)],
            includeDealt: false,
            includeWithOpportunities: false
        )
        let base = ReclaimFacts(
            customerId: ID(2),
            ownerId: ID(3),
            level: "A",
            locked: false,
            dealt: false,
            receivedAt: W.t0,
            lastFollowUpAt: nil,
            opportunityCount: 0
        )
        func reason(_ change: (inout ReclaimFacts) -> Void) -> ReclaimExclusion? {
            var f = base
            change(&f)
            if case .failure(let e) = PoolReclaimPlanner.evaluate(rule, f, asOf: W.t0) { return e.reason }
            return nil
        }
        #expect(reason { _ in } == nil)
        #expect(reason { $0.locked = true } == .locked)
        #expect(reason { $0.dealt = true } == .dealt)
        #expect(reason { $0.opportunityCount = 1 } == .hasOpportunities)
        #expect(reason { $0.level = "B" } == .noDaysForLevel)
    }

    @Test func anInactivePoolPlansNothing() throws {
        var w = try world()
        try w.createCustomer(ID(1), owner: W.rep1)
        #expect(PoolReclaimPlanner.plan(poolId: W.pool, asOf: asOf(40), context: w.store).due.count == 1)
        try w.run(ChangePoolStatus(poolId: W.pool, active: false), as: A.manager)
        let plan = PoolReclaimPlanner.plan(poolId: W.pool, asOf: asOf(40), context: w.store)
        #expect(plan.due.isEmpty && plan.warnings.isEmpty)
        #expect(PoolReclaimPlanner.plan(poolId: ID(299), asOf: asOf(40), context: w.store).due.isEmpty)
    }
}
