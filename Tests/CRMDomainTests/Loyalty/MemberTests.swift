import CRMDomain
import Testing

@Suite struct MemberTests {
    typealias T = LoyaltyTesting
    typealias W = LoyaltyWorld
    let t0 = LoyaltyTesting.t0
    let sys = LoyaltyTesting.system

    func enrolBob(referrer: ID? = nil, store: ID? = nil, customer: ID = W.bob, member: ID = W.bobMember) -> EnrolMember
    {
        EnrolMember(
            memberId: member,
            customerId: customer,
            programId: W.programId,
            enrolledAt: t0,
            storeId: store,
            referrerMemberId: referrer
        )
    }

    // MARK: LOY-07

    @Test func enrolmentEmitsMemberEnrolledAndThenTheFirstTier() throws {
        var w = try W()
        let out = try w.store.execute(enrolBob(store: W.storeB), as: .user(T.ops), at: t0)
        #expect(
            T.events(out) == [
                MemberEnrolled(
                    memberId: W.bobMember,
                    customerId: W.bob,
                    programId: W.programId,
                    enrolledAt: t0,
                    storeId: W.storeB,
                    referrerMemberId: nil
                ),
                MemberTierChanged(fromTierId: nil, toTierId: W.silver, metricValue: 0, reason: .qualified),
            ]
        )
        #expect(T.streams(out) == ["member-\(W.bobMember)", "member-\(W.bobMember)"])
        #expect(out[1].causationId == out[0].eventId)
        let m = try w.member(W.bobMember)
        #expect(m.isActive && m.tierId == W.silver && m.customerId == W.bob)
    }

    @Test func aCustomerHasOneMembershipPerProgram() throws {
        var w = try W()
        T.expectRejected(
            &w.store,
            enrolBob(customer: W.ann),
            rule: "LOY-07.oneMembershipPerProgram",
            kind: .invariantViolated
        )
        T.expectRejected(&w.store, enrolBob(member: W.annMember), rule: "LOY-07.memberIdUnique", kind: .alreadyExists)
    }

    @Test func aBlacklistedCustomerCannotEnrol() throws {
        var w = try W()
        T.expectRejected(
            &w.store,
            enrolBob(customer: W.eve),
            rule: "LOY-07.customerNotBlacklisted",
            kind: .invariantViolated
        )
        w.store.given([CustomerDelisted(list: .black)], on: StreamRef("customer", W.eve.description))
        #expect(try w.store.execute(enrolBob(customer: W.eve), as: sys, at: t0).first?.event is MemberEnrolled)
    }

    @Test func aMemberCannotReferItself() throws {
        var w = try W()
        T.expectRejected(
            &w.store,
            enrolBob(referrer: W.bobMember),
            rule: "LOY-07.referrerNotSelf",
            kind: .invariantViolated
        )
        // Another programme's membership of the same customer is "self" as well.
        try w.store.execute(
            DefineLoyaltyProgram(
                programId: ID(250),
                version: 1,
                name: "Coffee",
                pointName: "beans",
                currency: "CNY",
                expiryPolicy: .never,
                tierMetric: .points
            ),
            as: sys,
            at: t0
        )
        try w.store.execute(
            EnrolMember(memberId: ID(550), customerId: W.bob, programId: ID(250), enrolledAt: t0),
            as: sys,
            at: t0
        )
        T.expectRejected(
            &w.store,
            enrolBob(referrer: ID(550)),
            rule: "LOY-07.referrerNotSelf",
            kind: .invariantViolated
        )
        T.expectRejected(
            &w.store,
            EnrolMember(
                memberId: ID(551),
                customerId: W.ann,
                programId: ID(250),
                enrolledAt: t0,
                referrerMemberId: W.annMember
            ),
            rule: "LOY-07.referrerNotSelf",
            kind: .invariantViolated
        )
        T.expectRejected(&w.store, enrolBob(referrer: ID(599)), rule: "LOY-07.referrerExists", kind: .notFound)
        #expect(try w.store.execute(enrolBob(referrer: W.annMember), as: sys, at: t0).count == 2)
    }

    @Test func badEnrolmentInputIsRejected() throws {
        var w = try W()
        T.expectRejected(&w.store, enrolBob(customer: ID(199)), rule: "LOY-07.customerExists", kind: .notFound)
        T.expectRejected(
            &w.store,
            EnrolMember(memberId: W.bobMember, customerId: W.bob, programId: ID(299), enrolledAt: t0),
            rule: "LOY-07.programExists",
            kind: .notFound
        )
        T.expectRejected(&w.store, enrolBob(store: ID(399)), rule: "LOY-07.storeExists", kind: .notFound)
        T.expectRejected(
            &w.store,
            EnrolMember(
                memberId: W.bobMember,
                customerId: W.bob,
                programId: W.programId,
                enrolledAt: t0.adding(days: 1)
            ),
            rule: "LOY-07.enrolledAtNotInFuture",
            kind: .invariantViolated
        )
        T.expectRejected(&w.store, enrolBob(), as: .user(T.viewer), rule: "LOY-07.perm", kind: .accessDenied)
    }

    @Test func aReferralPaysTheReferrerTheLargestReferralBonus() throws {
        var w = try W()
        try w.store.execute(
            DefineEarningRule(
                ruleId: ID(410),
                programId: W.programId,
                kind: .referral,
                params: EarningRuleParams(bonus: 200)
            ),
            as: sys,
            at: t0
        )
        try w.store.execute(
            DefineEarningRule(
                ruleId: ID(411),
                programId: W.programId,
                kind: .referral,
                params: EarningRuleParams(bonus: 150)
            ),
            as: sys,
            at: t0
        )
        let out = try w.store.execute(enrolBob(referrer: W.annMember), as: sys, at: t0)
        #expect(out.count == 3)
        let earned = try T.only(PointsEarned.self, in: out)
        #expect(
            earned
                == PointsEarned(
                    lotId: earned.lotId,
                    points: 200,
                    source: .referral,
                    sourceId: W.bobMember,
                    ruleTrace: [PointsRuleTrace(ruleId: ID(410), points: 200)],
                    earnedAt: t0,
                    expiresOn: t0.date.adding(days: 180)
                )
        )
        #expect(out.last?.stream == Member.stream(W.annMember))
        // Idempotent per (referred member, rule).
        let again = try w.store.execute(
            AwardReferralPoints(referrerMemberId: W.annMember, referredMemberId: W.bobMember),
            as: sys,
            at: t0
        )
        #expect(again.isEmpty)
        T.expectRejected(
            &w.store,
            AwardReferralPoints(referrerMemberId: W.bobMember, referredMemberId: W.annMember),
            rule: "LOY-13.referralMatches",
            kind: .invariantViolated
        )
    }

    // MARK: LOY-08

    @Test func aQualifiedTierChangeNeedsTheMetricAtTheThreshold() throws {
        var w = try W()
        T.expectRejected(
            &w.store,
            ChangeMemberTier(memberId: W.annMember, toTierId: W.gold, reason: .qualified),
            rule: "LOY-08.qualifiedMetric",
            kind: .invariantViolated
        )
        try w.store.execute(
            CreditManualPoints(memberId: W.annMember, points: 1_000, sourceId: ID(800), earnedAt: t0),
            as: sys,
            at: t0
        )
        let out = try w.store.execute(
            ChangeMemberTier(memberId: W.annMember, toTierId: W.gold, reason: .qualified),
            as: .user(T.ops),
            at: t0
        )
        #expect(
            T.events(out) == [
                MemberTierChanged(fromTierId: W.silver, toTierId: W.gold, metricValue: 1_000, reason: .qualified)
            ]
        )
    }

    @Test func theTierMustChange() throws {
        var w = try W()
        T.expectRejected(
            &w.store,
            ChangeMemberTier(memberId: W.annMember, toTierId: W.silver, reason: .manual),
            rule: "LOY-08.tierChanges",
            kind: .invariantViolated
        )
        let out = try w.store.execute(
            ChangeMemberTier(memberId: W.annMember, toTierId: W.gold, reason: .manual),
            as: .user(T.ops),
            at: t0
        )
        #expect(
            T.events(out) == [
                MemberTierChanged(fromTierId: W.silver, toTierId: W.gold, metricValue: 0, reason: .manual)
            ]
        )
    }

    @Test func aDowngradeNeedsTheMetricBelowTheCurrentThreshold() throws {
        var w = try W()
        try w.store.execute(
            CreditManualPoints(memberId: W.annMember, points: 1_000, sourceId: ID(800), earnedAt: t0),
            as: sys,
            at: t0
        )
        try w.store.execute(
            ChangeMemberTier(memberId: W.annMember, toTierId: W.gold, reason: .qualified),
            as: sys,
            at: t0
        )
        T.expectRejected(
            &w.store,
            ChangeMemberTier(memberId: W.annMember, toTierId: W.silver, reason: .downgraded),
            rule: "LOY-08.downgradeMetric",
            kind: .invariantViolated
        )
        let lot = try #require(try w.member().ledger.lots.first)
        try w.store.execute(
            CancelPointsEarning(memberId: W.annMember, lotId: lot.lotId, points: 1, cause: .error),
            as: sys,
            at: t0
        )
        let out = try w.store.execute(
            ChangeMemberTier(memberId: W.annMember, toTierId: W.silver, reason: .downgraded),
            as: sys,
            at: t0
        )
        #expect(
            T.events(out) == [
                MemberTierChanged(fromTierId: W.gold, toTierId: W.silver, metricValue: 999, reason: .downgraded)
            ]
        )
    }

    @Test func tierEvaluationUpgradesDowngradesAndOtherwiseDoesNothing() throws {
        var w = try W()
        #expect(try w.store.execute(EvaluateMemberTier(memberId: W.annMember), as: sys, at: t0).isEmpty)
        try w.store.execute(
            CreditManualPoints(memberId: W.annMember, points: 1_200, sourceId: ID(800), earnedAt: t0),
            as: sys,
            at: t0
        )
        let up = try w.store.execute(EvaluateMemberTier(memberId: W.annMember), as: sys, at: t0)
        #expect(
            T.events(up) == [
                MemberTierChanged(fromTierId: W.silver, toTierId: W.gold, metricValue: 1_200, reason: .qualified)
            ]
        )
        let lot = try #require(try w.member().ledger.lots.first)
        try w.store.execute(
            CancelPointsEarning(memberId: W.annMember, lotId: lot.lotId, points: 300, cause: .fraud),
            as: sys,
            at: t0
        )
        let down = try w.store.execute(EvaluateMemberTier(memberId: W.annMember), as: sys, at: t0)
        #expect(
            T.events(down) == [
                MemberTierChanged(fromTierId: W.gold, toTierId: W.silver, metricValue: 900, reason: .downgraded)
            ]
        )
    }

    @Test func aTierOfAnotherProgramIsNotFound() throws {
        var w = try W()
        T.expectRejected(
            &w.store,
            ChangeMemberTier(memberId: W.annMember, toTierId: ID(299), reason: .manual),
            rule: "LOY-08.tierInProgram",
            kind: .notFound
        )
        T.expectRejected(
            &w.store,
            ChangeMemberTier(memberId: ID(599), toTierId: W.gold, reason: .manual),
            rule: "LOY-08.memberExists",
            kind: .notFound
        )
        T.expectRejected(
            &w.store,
            ChangeMemberTier(memberId: W.annMember, toTierId: W.gold, reason: .manual),
            as: .user(T.viewer),
            rule: "LOY-08.perm",
            kind: .accessDenied
        )
    }

    // MARK: LOY-09 / LOY-10

    @Test func deactivationAndReactivationAlternate() throws {
        var w = try W()
        T.expectRejected(
            &w.store,
            ReactivateMember(memberId: W.annMember),
            rule: "LOY-10.inactive",
            kind: .invalidState
        )
        T.expectRejected(
            &w.store,
            DeactivateMember(memberId: W.annMember, reason: " "),
            rule: "LOY-09.reason",
            kind: .invalidInput
        )
        let off = try w.store.execute(
            DeactivateMember(memberId: W.annMember, reason: "customer request"),
            as: .user(T.ops),
            at: t0
        )
        #expect(T.events(off) == [MemberDeactivated(reason: "customer request")])
        T.expectRejected(
            &w.store,
            DeactivateMember(memberId: W.annMember, reason: "again"),
            rule: "LOY-09.active",
            kind: .invalidState
        )
        let on = try w.store.execute(ReactivateMember(memberId: W.annMember), as: .user(T.ops), at: t0)
        #expect(T.events(on) == [MemberReactivated()])
        #expect(try w.member().isActive)
    }

    @Test func aDormantMemberIsDeactivatedAfterTheConfiguredDays() throws {
        var w = try W()
        let day = t0.date
        let buy = W.purchase(tx: ID(1001), at: t0.adding(days: 10), lines: [("TEA-01", 50)])
        try w.store.execute(buy, as: sys, at: t0.adding(days: 10))
        let lastPurchase = day.adding(days: 10)
        T.expectRejected(
            &w.store,
            DeactivateDormantMember(memberId: W.annMember, asOf: lastPurchase.adding(days: 180), dormantAfterDays: 180),
            rule: "LOY-09.dormant",
            kind: .invariantViolated
        )
        T.expectRejected(
            &w.store,
            DeactivateDormantMember(memberId: W.annMember, asOf: lastPurchase, dormantAfterDays: 0),
            rule: "LOY-09.dormantAfterDays",
            kind: .invalidInput
        )
        let asOf = lastPurchase.adding(days: 181)
        let out = try w.store.execute(
            DeactivateDormantMember(memberId: W.annMember, asOf: asOf, dormantAfterDays: 180),
            as: sys,
            at: Timestamp(asOf)
        )
        #expect(
            T.events(out) == [
                MemberDeactivated(reason: "dormant: no purchase for 181 days as of \(asOf) (since \(lastPurchase))")
            ]
        )
    }

    @Test func careDatesCountToTheNextAnniversaryAndBirthday() throws {
        var w = try W()
        let ann = try w.member()
        // Ann enrolled on 2025-03-02.
        #expect(MemberCare.daysToEnrolmentAnniversary(ann, asOf: LocalDate(2026, 3, 1)) == 1)
        #expect(MemberCare.daysToEnrolmentAnniversary(ann, asOf: LocalDate(2026, 3, 2)) == 0)
        #expect(MemberCare.daysToEnrolmentAnniversary(ann, asOf: LocalDate(2026, 3, 3)) == 364)
        #expect(MemberCare.daysInactive(ann, asOf: LocalDate(2026, 4, 1)) == 395)
        try w.store.execute(enrolBob(), as: sys, at: t0)
        // Enrolled today: the first anniversary is a year away.
        #expect(MemberCare.daysToEnrolmentAnniversary(try w.member(W.bobMember), asOf: t0.date) == 365)
        #expect(MemberCare.daysToBirthday(LocalDate(1992, 2, 29), asOf: LocalDate(2026, 2, 27)) == 1)
        #expect(MemberCare.daysToBirthday(LocalDate(1990, 12, 25), asOf: LocalDate(2026, 12, 26)) == 364)
    }
}
