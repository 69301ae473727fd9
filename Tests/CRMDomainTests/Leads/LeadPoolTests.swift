import CRMDomain
import Testing

@Suite struct LeadClaimTests {
    typealias W = LeadsWorld
    let leadId = ID(1000)

    func world(cooldownDays: Int64? = nil, dailyLimit: Int64? = nil) -> W {
        var w = W()
        w.leadPool(members: [W.rep], deptMembers: [W.west], cooldownDays: cooldownDays, dailyLimit: dailyLimit)
        w.lead(leadId, pool: W.leadPool)
        return w
    }

    @Test func aMemberClaimsAPooledLead() throws {
        var w = world(dailyLimit: 2)
        let events = try w.run(
            ClaimLeadFromPool(leadId: leadId, poolId: W.leadPool, userId: W.westRep),
            as: W.westActor
        )
        #expect(
            W.same(events, [LeadClaimedFromPool(poolId: W.leadPool, userId: W.westRep, claimsTodayAfter: 1, at: W.t0)])
        )
        let lead = try #require(w.leadState(leadId))
        #expect(lead.ownerId == W.westRep && lead.poolId == nil && lead.receivedAt == W.t0)
        #expect(w.store.children(of: LeadIndex.owner(W.westRep), category: "lead") == [.of(Lead.self, leadId)])
        #expect(w.store.children(of: LeadIndex.pool(W.leadPool), category: "lead").isEmpty)
    }

    @Test func claimingNeedsTheClaimPermissionAndIsForOneself() {
        var w = world()
        w.reject(
            ClaimLeadFromPool(leadId: leadId, poolId: W.leadPool, userId: W.viewer),
            as: W.viewerActor,
            rule: "LED-05.perm",
            kind: .accessDenied
        )
        w.reject(
            ClaimLeadFromPool(leadId: leadId, poolId: W.leadPool, userId: W.rep),
            as: W.rep2Actor,
            rule: "LED-05.claimForSelf",
            kind: .invariantViolated
        )
    }

    @Test func theLeadMustSitInThisActivePool() throws {
        var w = world()
        w.reject(
            ClaimLeadFromPool(leadId: ID(9), poolId: W.leadPool, userId: W.rep),
            as: W.repActor,
            rule: "LED-05.leadExists",
            kind: .notFound
        )
        w.reject(
            ClaimLeadFromPool(leadId: leadId, poolId: ID(9), userId: W.rep),
            as: W.repActor,
            rule: "LED-05.poolExists",
            kind: .notFound
        )
        w.leadPool(ID(502))
        w.reject(
            ClaimLeadFromPool(leadId: leadId, poolId: ID(502), userId: W.rep),
            as: W.repActor,
            rule: "LED-05.inPool",
            kind: .invalidState
        )
        w.lead(ID(1001), owner: W.rep2)
        w.reject(
            ClaimLeadFromPool(leadId: ID(1001), poolId: W.leadPool, userId: W.rep),
            as: W.repActor,
            rule: "LED-05.inPool",
            kind: .invalidState
        )
        w.given([PoolStatusChanged(active: false)], on: StreamRef("pool", W.leadPool.description))
        w.reject(
            ClaimLeadFromPool(leadId: leadId, poolId: W.leadPool, userId: W.rep),
            as: W.repActor,
            rule: "LED-05.poolActive",
            kind: .invalidState
        )
    }

    @Test func onlyPoolMembersClaim() throws {
        var w = world()
        w.reject(
            ClaimLeadFromPool(leadId: leadId, poolId: W.leadPool, userId: W.rep2),
            as: W.rep2Actor,
            rule: "LED-05.poolMember",
            kind: .invariantViolated
        )
        try w.run(ClaimLeadFromPool(leadId: leadId, poolId: W.leadPool, userId: W.rep), as: W.repActor)
    }

    @Test func theDailyClaimLimitCountsClaimsPerUserAndDay() throws {
        var w = world(dailyLimit: 2)
        w.lead(ID(1001), pool: W.leadPool)
        w.lead(ID(1002), pool: W.leadPool)
        try w.run(ClaimLeadFromPool(leadId: leadId, poolId: W.leadPool, userId: W.rep), as: W.repActor)
        let second = try w.run(ClaimLeadFromPool(leadId: ID(1001), poolId: W.leadPool, userId: W.rep), as: W.repActor)
        #expect((second.first as? LeadClaimedFromPool)?.claimsTodayAfter == 2)
        let refused = w.reject(
            ClaimLeadFromPool(leadId: ID(1002), poolId: W.leadPool, userId: W.rep),
            as: W.repActor,
            rule: "LED-05.dailyClaimLimit",
            kind: .invariantViolated
        )
        #expect(refused?.values == ["claimsToday": "2", "limit": "2"])
        try w.run(ClaimLeadFromPool(leadId: ID(1002), poolId: W.leadPool, userId: W.westRep), as: W.westActor)
        w.now = W.t0.adding(days: 1)
        w.lead(ID(1003), pool: W.leadPool)
        let nextDay = try w.run(ClaimLeadFromPool(leadId: ID(1003), poolId: W.leadPool, userId: W.rep), as: W.repActor)
        #expect((nextDay.first as? LeadClaimedFromPool)?.claimsTodayAfter == 1)
    }

    @Test func aFormerOwnerWaitsOutTheCooldown() throws {
        var w = world(cooldownDays: 2)
        try w.run(ClaimLeadFromPool(leadId: leadId, poolId: W.leadPool, userId: W.rep), as: W.repActor)
        try w.run(ReturnLeadToPool(leadId: leadId, poolId: W.leadPool, reason: "not my region"), as: W.repActor)
        w.now = W.t0.adding(days: 2)
        let early = w.reject(
            ClaimLeadFromPool(leadId: leadId, poolId: W.leadPool, userId: W.rep),
            as: W.repActor,
            rule: "LED-05.formerOwnerCooldown",
            kind: .invariantViolated
        )
        #expect(early?.values["daysSinceRelease"] == "2")
        try w.run(ClaimLeadFromPool(leadId: leadId, poolId: W.leadPool, userId: W.westRep), as: W.westActor)
        try w.run(ReturnLeadToPool(leadId: leadId, poolId: W.leadPool, reason: "wrong region"), as: W.westActor)
        w.now = W.t0.adding(days: 3)
        try w.run(ClaimLeadFromPool(leadId: leadId, poolId: W.leadPool, userId: W.rep), as: W.repActor)
    }
}

@Suite struct LeadReturnTests {
    typealias W = LeadsWorld
    let leadId = ID(1000)

    func world() -> W {
        var w = W()
        w.leadPool()
        w.lead(leadId, owner: W.rep)
        return w
    }

    @Test func theOwnerReturnsALeadToAPool() throws {
        var w = world()
        let events = try w.run(
            ReturnLeadToPool(leadId: leadId, poolId: W.leadPool, reason: "no budget this year"),
            as: W.repActor
        )
        #expect(
            W.same(
                events,
                [
                    LeadReturnedToPool(
                        poolId: W.leadPool,
                        previousOwnerId: W.rep,
                        cause: .manual("no budget this year"),
                        asOf: nil,
                        at: W.t0
                    )
                ]
            )
        )
        let lead = try #require(w.leadState(leadId))
        #expect(lead.ownerId == nil && lead.poolId == W.leadPool && lead.preOwnerId == W.rep && lead.releasedAt == W.t0)
        #expect(w.store.children(of: LeadIndex.owner(W.rep), category: "lead").isEmpty)
    }

    @Test func othersNeedThePutIntoPoolPermissionOverTheOwner() throws {
        var w = world()
        let cmd = ReturnLeadToPool(leadId: leadId, poolId: W.leadPool, reason: "stale")
        w.reject(cmd, as: W.rep2Actor, rule: "LED-06.perm", kind: .accessDenied)
        w.reject(cmd, as: W.viewerActor, rule: "LED-06.perm", kind: .accessDenied)
        try w.run(cmd, as: W.managerActor)
    }

    @Test func aManualReturnNeedsAnOwnedLiveLeadAReasonAndALeadPool() {
        var w = world()
        w.reject(
            ReturnLeadToPool(leadId: leadId, poolId: W.leadPool, reason: ""),
            as: W.repActor,
            rule: "LED-06.reason",
            kind: .invalidInput
        )
        w.reject(
            ReturnLeadToPool(leadId: leadId, poolId: ID(9), reason: "x"),
            as: W.repActor,
            rule: "LED-06.poolExists",
            kind: .notFound
        )
        w.reject(
            ReturnLeadToPool(leadId: ID(9), poolId: W.leadPool, reason: "x"),
            rule: "LED-06.leadExists",
            kind: .notFound
        )
        w.lead(ID(1001), pool: W.leadPool)
        w.reject(
            ReturnLeadToPool(leadId: ID(1001), poolId: W.leadPool, reason: "x"),
            rule: "LED-06.owned",
            kind: .invalidState
        )
        w.given([LeadUpdateTests().convertedEvent()], on: .of(Lead.self, leadId))
        w.reject(
            ReturnLeadToPool(leadId: leadId, poolId: W.leadPool, reason: "x"),
            rule: "LED-06.notConverted",
            kind: .invalidState
        )
    }

    @Test func aDeactivatedPoolTakesNoLeads() {
        var w = world()
        w.given([PoolStatusChanged(active: false)], on: StreamRef("pool", W.leadPool.description))
        w.reject(
            ReturnLeadToPool(leadId: leadId, poolId: W.leadPool, reason: "x"),
            as: W.repActor,
            rule: "LED-06.poolActive",
            kind: .invalidState
        )
    }
}

@Suite struct LeadReclaimTests {
    typealias W = LeadsWorld
    let leadId = ID(1000)
    let ruleId = ID(700)

    /// A lead pool with autoReclaim whose members are rep and rep2, a noFollowUp rule of 7 days (3 for grade A),
    /// and rep's lead received at t0.
    func world(ruleType: ReclaimRuleType = .noFollowUp, autoReclaim: Bool = true) -> W {
        var w = W()
        w.leadPool(autoReclaim: autoReclaim)
        w.given(
            [
                PoolReclaimRuleSet(
                    poolId: W.leadPool,
                    ruleId: ruleId,
                    ruleType: ruleType,
                    limitDays: 7,
                    perLevel: [LevelLimitDays(level: "A", days: 3)],
                    includeDealt: false,
                    includeWithOpportunities: false
                )
            ],
            on: StreamRef("pool", W.leadPool.description)
        )
        w.lead(leadId, owner: W.rep)
        return w
    }

    @Test func aLeadWithoutFollowUpIsReclaimedAfterTheRuleDays() throws {
        var w = world()
        let asOf = W.t0.adding(days: 8)
        w.now = asOf.adding(hours: 1)
        #expect(LeadReclaim.plan(poolId: W.leadPool, asOf: asOf, context: w.store).map(\.leadId) == [leadId])
        let events = try w.run(ReclaimLead(leadId: leadId, poolId: W.leadPool, ruleId: ruleId, asOf: asOf))
        #expect(
            W.same(
                events,
                [
                    LeadReturnedToPool(
                        poolId: W.leadPool,
                        previousOwnerId: W.rep,
                        cause: .autoReclaim(ruleId: ruleId, ruleType: .noFollowUp, limitDay: 7, daysSince: 8),
                        asOf: asOf,
                        at: asOf
                    )
                ]
            )
        )
        #expect(w.leadState(leadId)?.releasedAt == asOf)
    }

    @Test func theRuleMustHoldAsOfTheRunAndAFollowUpRestartsTheClock() throws {
        var w = world()
        let asOf = W.t0.adding(days: 7)
        w.now = asOf
        let early = w.reject(
            ReclaimLead(leadId: leadId, poolId: W.leadPool, ruleId: ruleId, asOf: asOf),
            rule: "LED-06.ruleCondition",
            kind: .invariantViolated
        )
        #expect(early?.values["daysSince"] == "7")
        #expect(LeadReclaim.plan(poolId: W.leadPool, asOf: asOf, context: w.store).isEmpty)
        w.now = W.t0.adding(days: 5)
        try w.run(
            RecordFollowUp(
                activityId: ID(800),
                subject: .lead(leadId),
                kind: .call,
                content: "called, interested",
                occurredAt: w.now
            ),
            as: W.repActor
        )
        let later = W.t0.adding(days: 9)
        w.now = later
        w.reject(
            ReclaimLead(leadId: leadId, poolId: W.leadPool, ruleId: ruleId, asOf: later),
            rule: "LED-06.ruleCondition",
            kind: .invariantViolated
        )
        w.now = W.t0.adding(days: 13)
        try w.run(ReclaimLead(leadId: leadId, poolId: W.leadPool, ruleId: ruleId, asOf: w.now))
    }

    @Test func noDealRulesCountFromReceiptAndPerLevelDaysUseTheGrade() throws {
        var w = world(ruleType: .noDeal)
        try w.run(GradeLead(leadId: leadId, grade: "A"))
        w.now = W.t0.adding(days: 2)
        try w.run(
            RecordFollowUp(
                activityId: ID(800),
                subject: .lead(leadId),
                kind: .visit,
                content: "visited",
                occurredAt: w.now
            )
        )
        w.now = W.t0.adding(days: 4)
        let events = try w.run(ReclaimLead(leadId: leadId, poolId: W.leadPool, ruleId: ruleId, asOf: w.now))
        #expect(
            (events.first as? LeadReturnedToPool)?.cause
                == .autoReclaim(ruleId: ruleId, ruleType: .noDeal, limitDay: 3, daysSince: 4)
        )
    }

    @Test func aRuleWithoutDaysForTheGradeDoesNotApply() throws {
        var w = world()
        w.given(
            [
                PoolReclaimRuleSet(
                    poolId: W.leadPool,
                    ruleId: ruleId,
                    ruleType: .noFollowUp,
                    limitDays: nil,
                    perLevel: [LevelLimitDays(level: "A", days: 3)],
                    includeDealt: false,
                    includeWithOpportunities: false
                )
            ],
            on: StreamRef("pool", W.leadPool.description)
        )
        w.now = W.t0.adding(days: 30)
        let refused = w.reject(
            ReclaimLead(leadId: leadId, poolId: W.leadPool, ruleId: ruleId, asOf: w.now),
            rule: "LED-06.ruleCondition",
            kind: .invariantViolated
        )
        #expect(refused?.values["grade"] == "")
    }

    @Test func reclaimNeedsAnAutoReclaimPoolItsRuleAndAMemberOwner() throws {
        var w = world(autoReclaim: false)
        w.now = W.t0.adding(days: 10)
        let asOf = w.now
        w.reject(
            ReclaimLead(leadId: leadId, poolId: W.leadPool, ruleId: ruleId, asOf: asOf),
            rule: "LED-06.autoReclaimOn",
            kind: .invalidState
        )
        #expect(LeadReclaim.plan(poolId: W.leadPool, asOf: asOf, context: w.store).isEmpty)
        w.given(
            [
                PoolSettingsChanged(changes: [
                    PoolSettingChange(field: .autoReclaim, before: .flag(false), after: .flag(true))
                ])
            ],
            on: StreamRef("pool", W.leadPool.description)
        )
        w.reject(
            ReclaimLead(leadId: leadId, poolId: W.leadPool, ruleId: ID(9), asOf: asOf),
            rule: "LED-06.ruleExists",
            kind: .notFound
        )
        w.reject(
            ReclaimLead(leadId: leadId, poolId: ID(9), ruleId: ruleId, asOf: asOf),
            rule: "LED-06.poolExists",
            kind: .notFound
        )
        w.lead(ID(1001), owner: W.westRep)
        w.reject(
            ReclaimLead(leadId: ID(1001), poolId: W.leadPool, ruleId: ruleId, asOf: asOf),
            rule: "LED-06.ownerIsMember",
            kind: .invariantViolated
        )
        w.reject(
            ReclaimLead(leadId: leadId, poolId: W.leadPool, ruleId: ruleId, asOf: asOf.adding(hours: 1)),
            rule: "LED-06.asOf",
            kind: .invalidInput
        )
        w.reject(
            ReclaimLead(leadId: leadId, poolId: W.leadPool, ruleId: ruleId, asOf: asOf),
            as: W.viewerActor,
            rule: "LED-06.perm",
            kind: .accessDenied
        )
        try w.run(ReclaimLead(leadId: leadId, poolId: W.leadPool, ruleId: ruleId, asOf: asOf))
        w.reject(
            ReclaimLead(leadId: leadId, poolId: W.leadPool, ruleId: ruleId, asOf: asOf),
            rule: "LED-06.owned",
            kind: .invalidState
        )
    }
}

@Suite struct LeadReclaimEvaluationTests {
    typealias W = LeadsWorld

    func lead(receivedAt: Timestamp, grade: String? = nil) -> Lead {
        var lead = Lead()
        lead.apply(
            LeadCaptured(
                leadId: ID(1),
                channel: .web,
                campaignId: nil,
                utm: nil,
                name: "Chen",
                company: nil,
                title: nil,
                phone: nil,
                email: nil,
                address: nil,
                industry: nil,
                ownerId: W.rep,
                poolId: nil,
                dedupeKeys: [],
                at: receivedAt
            )
        )
        if let grade { lead.apply(LeadGraded(grade: grade, score: nil, basis: .manual)) }
        return lead
    }

    @Test func daysAreWholeUTCDaysFromTheLaterOfFollowUpAndReceipt() throws {
        // Received 2026-03-02 23:30, followed up 2026-03-05 10:00; rule 7 days; asOf 2026-03-12 00:30.
        let rule = PoolReclaimRule(
            ruleId: ID(700),
            ruleType: .noFollowUp,
            limitDays: 7,
            includeDealt: false,
            includeWithOpportunities: false
        )
        let received = Timestamp(LocalDate(2026, 3, 2), hour: 23, minute: 30)
        let followUp = Timestamp(LocalDate(2026, 3, 5), hour: 10)
        let asOf = Timestamp(LocalDate(2026, 3, 12), hour: 0, minute: 30)
        let e = try #require(LeadReclaim.evaluate(rule, lead(receivedAt: received), lastFollowUp: followUp, asOf: asOf))
        #expect(e.daysSince == 7 && e.limitDay == 7 && !e.isDue && e.daysLeft == 0)
        let noDeal = PoolReclaimRule(
            ruleId: ID(701),
            ruleType: .noDeal,
            limitDays: 7,
            includeDealt: false,
            includeWithOpportunities: false
        )
        let d = try #require(
            LeadReclaim.evaluate(noDeal, lead(receivedAt: received), lastFollowUp: followUp, asOf: asOf)
        )
        #expect(d.daysSince == 10 && d.isDue)
        let older = try #require(
            LeadReclaim.evaluate(
                rule,
                lead(receivedAt: received),
                lastFollowUp: Timestamp(LocalDate(2026, 3, 1)),
                asOf: asOf
            )
        )
        #expect(older.daysSince == 10)
    }

    @Test func perLevelDaysAreChosenByGradeWithTheDefaultForOthers() throws {
        let rule = PoolReclaimRule(
            ruleId: ID(700),
            ruleType: .noFollowUp,
            limitDays: 14,
            perLevel: [LevelLimitDays(level: "A", days: 5)],
            includeDealt: false,
            includeWithOpportunities: false
        )
        let asOf = W.t0.adding(days: 6)
        #expect(
            LeadReclaim.evaluate(rule, lead(receivedAt: W.t0, grade: "A"), lastFollowUp: nil, asOf: asOf)?.limitDay == 5
        )
        #expect(
            LeadReclaim.evaluate(rule, lead(receivedAt: W.t0, grade: "C"), lastFollowUp: nil, asOf: asOf)?.limitDay
                == 14
        )
        let onlyA = PoolReclaimRule(
            ruleId: ID(701),
            ruleType: .noFollowUp,
            limitDays: nil,
            perLevel: [LevelLimitDays(level: "A", days: 5)],
            includeDealt: false,
            includeWithOpportunities: false
        )
        #expect(LeadReclaim.evaluate(onlyA, lead(receivedAt: W.t0), lastFollowUp: nil, asOf: asOf) == nil)
    }
}
