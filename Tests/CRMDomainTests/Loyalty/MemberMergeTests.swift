import CRMDomain
import Testing

@Suite struct MemberMergeTests {
    typealias T = LoyaltyTesting
    typealias W = LoyaltyWorld
    let t0 = LoyaltyTesting.t0
    let sys = LoyaltyTesting.system

    /// Ann (member 500) and Bob (member 501) with points; Bob has a membership card.
    func world() throws -> W {
        var w = try W()
        try w.store.execute(
            EnrolMember(memberId: W.bobMember, customerId: W.bob, programId: W.programId, enrolledAt: W.annEnrolledAt),
            as: sys,
            at: t0
        )
        try w.store.execute(
            W.purchase(tx: ID(1001), at: t0.adding(days: -200), lines: [("OOLONG", 30)]),
            as: sys,
            at: t0
        )
        try w.store.execute(
            W.purchase(member: W.bobMember, tx: ID(1002), at: t0.adding(days: -200), lines: [("OOLONG", 40)]),
            as: sys,
            at: t0
        )
        try w.store.execute(
            W.purchase(member: W.bobMember, tx: ID(1003), at: t0.adding(days: -20), lines: [("TEA-01", 70)]),
            as: sys,
            at: t0
        )
        try w.store.execute(
            W.purchase(member: W.bobMember, tx: ID(1004), at: t0.adding(days: -10), lines: [("TEA-02", 25)]),
            as: sys,
            at: t0
        )
        try w.store.execute(
            IssueCard(cardId: ID(650), cardNo: "M-BOB", kind: .membership, memberId: W.bobMember, storeId: W.storeA),
            as: sys,
            at: t0
        )
        return w
    }

    @Test func mergingMovesEveryUsableLotWithItsDatesAndClosesTheSource() throws {
        var w = try world()
        let bob = try w.member(W.bobMember)
        let usable = bob.ledger.consumable(asOf: t0.date)
        #expect(usable.map(\.points) == [70, 25])  // the 200-day-old lot of 40 is past its date
        let out = try w.store.execute(
            MergeMembers(sourceMemberId: W.bobMember, targetMemberId: W.annMember, asOf: t0.date),
            as: .user(T.admin),
            at: t0
        )
        let credited = out.compactMap { $0.event as? PointsAdjusted }.filter { $0.delta > 0 }
        #expect(credited.count == 2)
        let merged = "merged into member \(W.annMember)"
        #expect(
            T.events(out) == [
                PointsAdjusted(
                    delta: 70,
                    reason: "merged from member \(W.bobMember), lot \(usable[0].lotId)",
                    approvedBy: nil,
                    lotId: credited[0].lotId,
                    allocations: nil,
                    adjustedAt: usable[0].earnedAt,
                    expiresOn: usable[0].expiresOn
                ),
                PointsAdjusted(
                    delta: 25,
                    reason: "merged from member \(W.bobMember), lot \(usable[1].lotId)",
                    approvedBy: nil,
                    lotId: credited[1].lotId,
                    allocations: nil,
                    adjustedAt: usable[1].earnedAt,
                    expiresOn: usable[1].expiresOn
                ),
                PointsAdjusted(
                    delta: -95,
                    reason: merged,
                    approvedBy: nil,
                    lotId: nil,
                    allocations: usable.map { PointsAllocation(lotId: $0.lotId, points: $0.remaining) },
                    adjustedAt: t0,
                    expiresOn: nil
                ),
                MemberDeactivated(reason: merged),
                CardCancelled(refundAmount: .cny(0), reason: merged),
            ]
        )
        #expect(
            T.streams(out) == [
                "member-\(W.annMember)", "member-\(W.annMember)", "member-\(W.bobMember)", "member-\(W.bobMember)",
                "card-\(ID(650))",
            ]
        )
        let ann = try w.member()
        #expect(ann.ledger.available(asOf: t0.date) == 95)
        // Ann's own lot (200 days old) is past its date; the merged lots keep Bob's expiry order.
        #expect(ann.ledger.consumable(asOf: t0.date).map(\.expiresOn) == usable.map(\.expiresOn))
        let after = try w.member(W.bobMember)
        #expect(!after.isActive && after.ledger.available(asOf: t0.date) == 0 && after.ledger.balance == 40)
    }

    @Test func onlyTwoActiveMembershipsOfOneProgramMerge() throws {
        var w = try world()
        let merge = MergeMembers(sourceMemberId: W.bobMember, targetMemberId: W.annMember, asOf: t0.date)
        T.expectRejected(&w.store, merge, as: .user(T.ops), rule: "LOY-17.mergePerm", kind: .accessDenied)
        T.expectRejected(
            &w.store,
            MergeMembers(sourceMemberId: W.bobMember, targetMemberId: W.bobMember, asOf: t0.date),
            rule: "LOY-17.mergeDistinct",
            kind: .invalidInput
        )
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
            MergeMembers(sourceMemberId: ID(550), targetMemberId: W.annMember, asOf: t0.date),
            rule: "LOY-17.mergeSameProgram",
            kind: .invariantViolated
        )
        T.expectRejected(
            &w.store,
            MergeMembers(sourceMemberId: W.bobMember, targetMemberId: W.annMember, asOf: t0.date.adding(days: 1)),
            rule: "LOY-17.mergeAsOf",
            kind: .invariantViolated
        )
        try w.store.execute(merge, as: sys, at: t0)
        T.expectRejected(&w.store, merge, rule: "LOY-17.mergeSourceActive", kind: .invalidState)
        T.expectRejected(
            &w.store,
            MergeMembers(sourceMemberId: W.annMember, targetMemberId: W.bobMember, asOf: t0.date),
            rule: "LOY-17.mergeTargetActive",
            kind: .invalidState
        )
    }

    @Test func aCustomerMergeMergesTheMembershipsOfTheSameProgram() throws {
        var w = try world()
        let merged = RecordedDomainEvent(
            stream: StreamRef("customer", W.bob.description),
            event: CustomerMergedAway(survivorId: W.ann, releasedName: "Bob"),
            eventId: ID(77_001),
            correlationId: nil,
            recordedAt: t0,
            actor: sys
        )
        let commands = CustomerMergeMembershipProcess().react(to: merged, context: w.store)
        let merge = try #require(commands.first as? MergeMembers)
        #expect(merge.sourceMemberId == W.bobMember && merge.targetMemberId == W.annMember && merge.asOf == t0.date)
        #expect((commands.last as? EvaluateMemberTier)?.memberId == W.annMember)
        #expect(commands.count == 2)
        try w.store.execute(merge, as: sys, at: t0)
        #expect(CustomerMergeMembershipProcess().react(to: merged, context: w.store).isEmpty)
        // A customer merge whose survivor has no membership leaves the membership alone.
        let other = RecordedDomainEvent(
            stream: StreamRef("customer", W.ann.description),
            event: CustomerMergedAway(survivorId: W.eve, releasedName: nil),
            eventId: ID(77_002),
            correlationId: nil,
            recordedAt: t0,
            actor: sys
        )
        #expect(CustomerMergeMembershipProcess().react(to: other, context: w.store).isEmpty)
    }
}
