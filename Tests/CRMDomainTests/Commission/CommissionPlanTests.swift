import CRMDomain
import Testing

@Suite struct CommissionPlanTests {
    typealias W = ContractsWorld
    typealias Calc = CommissionCalculatorTests
    let t0 = W.t0
    let planId = ID(880)

    func defn(
        tiers: [CommissionTier]? = nil,
        mode: CommissionTierMode = .marginal,
        basis: CommissionBasis = .paymentVerified
    ) -> CommissionPlanDefinition {
        var p = Calc.plan
        if let tiers { p.tiers = tiers }
        p.tierMode = mode
        p.basis = basis
        return p
    }

    func draftRejected(
        _ s: inout InMemoryDomainStore,
        _ p: CommissionPlanDefinition,
        _ rule: String,
        _ kind: Rejection.Kind = .invariantViolated
    ) {
        W.expectRejected(
            &s,
            DraftCommissionPlan(planId: planId, definition: p),
            as: .user(W.finance),
            rule: rule,
            kind: kind
        )
    }

    // MARK: COM-01

    @Test func aValidPlanIsDrafted() throws {
        var s = try W.store()
        let out = try s.execute(
            DraftCommissionPlan(planId: planId, definition: Calc.plan),
            as: .user(W.finance),
            at: t0
        )
        #expect(
            W.events(out, CommissionPlanDrafted.self) == [CommissionPlanDrafted(planId: planId, definition: Calc.plan)]
        )
        let plan = try #require(s.state(CommissionPlan.self, planId))
        #expect(
            plan.status == .draft && plan.version == 1 && plan.definition == Calc.plan && plan.approvedDefinition == nil
        )
        W.expectRejected(
            &s,
            DraftCommissionPlan(planId: planId, definition: Calc.plan),
            as: .user(W.finance),
            rule: "COM-01.planIdUnique",
            kind: .alreadyExists
        )
        W.expectRejected(
            &s,
            DraftCommissionPlan(planId: ID(881), definition: Calc.plan),
            as: .user(W.li),
            rule: "COM-01.perm",
            kind: .accessDenied
        )
    }

    @Test func tiersStartAtZeroAreContiguousAndEndOpen() throws {
        var s = try W.store()
        let y = Calc.y
        draftRejected(
            &s,
            defn(tiers: [
                CommissionTier(from: y(1), to: y(100), rateBasisPoints: 1),
                CommissionTier(from: y(100), to: nil, rateBasisPoints: 2),
            ]),
            "COM-01.tiersStartAtZero"
        )
        draftRejected(
            &s,
            defn(tiers: [
                CommissionTier(from: y(0), to: y(100), rateBasisPoints: 1),
                CommissionTier(from: y(120), to: nil, rateBasisPoints: 2),
            ]),
            "COM-01.tiersContiguous"
        )
        draftRejected(
            &s,
            defn(tiers: [
                CommissionTier(from: y(0), to: y(100), rateBasisPoints: 1),
                CommissionTier(from: y(80), to: nil, rateBasisPoints: 2),
            ]),
            "COM-01.tiersContiguous"
        )
        draftRejected(
            &s,
            defn(tiers: [
                CommissionTier(from: y(0), to: y(0), rateBasisPoints: 1),
                CommissionTier(from: y(0), to: nil, rateBasisPoints: 2),
            ]),
            "COM-01.tiersContiguous"
        )
        draftRejected(
            &s,
            defn(tiers: [
                CommissionTier(from: y(0), to: y(100), rateBasisPoints: 1),
                CommissionTier(from: y(100), to: y(200), rateBasisPoints: 2),
            ]),
            "COM-01.lastTierOpenEnded"
        )
        draftRejected(
            &s,
            defn(tiers: [CommissionTier(from: y(0), to: nil, rateBasisPoints: -1)], mode: .flat),
            "COM-01.ratesNonNegative"
        )
        draftRejected(&s, defn(tiers: Calc.tiers([300, 500, 800]), mode: .flat), "COM-01.tiers", .invalidInput)
        draftRejected(&s, defn(tiers: []), "COM-01.tiers", .invalidInput)
        draftRejected(
            &s,
            defn(
                tiers: [CommissionTier(from: y(0), to: nil, rateBasisPoints: 1)].map {
                    CommissionTier(from: $0.from, to: Money(amountMinor: 1, currency: "USD"), rateBasisPoints: 1)
                } + [CommissionTier(from: Money(amountMinor: 1, currency: "USD"), to: nil, rateBasisPoints: 1)]
            ),
            "COM-01.currency",
            .invalidInput
        )
        var noName = Calc.plan
        noName.name = " "
        draftRejected(&s, noName, "COM-01.name", .invalidInput)
        var badOverride = Calc.plan
        badOverride.productOverrides = [
            CommissionProductOverride(productId: ID(1), categoryId: ID(2), rateBasisPoints: 1, countsTowardTiers: false)
        ]
        draftRejected(&s, badOverride, "COM-01.productOverrides", .invalidInput)
        badOverride.productOverrides = [
            CommissionProductOverride(productId: ID(1), rateBasisPoints: -5, countsTowardTiers: false)
        ]
        draftRejected(&s, badOverride, "COM-01.ratesNonNegative")
        try s.execute(
            DraftCommissionPlan(
                planId: planId,
                definition: defn(tiers: [CommissionTier(from: y(0), to: nil, rateBasisPoints: 0)], mode: .flat)
            ),
            as: .user(W.finance),
            at: t0
        )
    }

    @Test func targetLevelsIncrease() throws {
        var s = try W.store()
        func target(_ levels: [(Int64, Int64)], otc: Money? = Calc.y(10_000)) -> CommissionPlanDefinition {
            CommissionPlanDefinition(
                name: "OTC",
                basis: .paymentVerified,
                tierMode: .flat,
                tiers: [],
                period: .quarter,
                targetLevels: levels.map {
                    CommissionTargetLevel(attainmentBasisPoints: $0.0, payoutBasisPoints: $0.1)
                },
                onTargetCommission: otc
            )
        }
        draftRejected(&s, target([(0, 0), (10_000, 10_000), (10_000, 18_000)]), "COM-01.levelsIncreasing")
        draftRejected(&s, target([(0, 0), (10_000, 10_000), (15_000, 9_000)]), "COM-01.levelsIncreasing")
        draftRejected(&s, target([(0, 0), (10_000, 10_000)], otc: nil), "COM-01.onTargetCommission", .invalidInput)
        var withTiers = target([(0, 0), (10_000, 10_000)])
        withTiers.tiers = [CommissionTier(from: Calc.y(0), to: nil, rateBasisPoints: 1)]
        draftRejected(&s, withTiers, "COM-01.tiers", .invalidInput)
        var otcOnly = Calc.plan
        otcOnly.onTargetCommission = Calc.y(1)
        draftRejected(&s, otcOnly, "COM-01.targetLevels", .invalidInput)
        try s.execute(
            DraftCommissionPlan(planId: planId, definition: target([(0, 0), (10_000, 10_000), (15_000, 18_000)])),
            as: .user(W.finance),
            at: t0
        )
    }

    // MARK: COM-02 / COM-03 / COM-04

    @Test func onlyADraftIsRevisedAndAnApprovedPlanIsResetToItsNextVersion() throws {
        var s = try W.store()
        try s.execute(DraftCommissionPlan(planId: planId, definition: Calc.plan), as: .user(W.finance), at: t0)
        var v2 = Calc.plan
        v2.tiers = Calc.tiers([300, 600, 900])
        v2.capAmount = Calc.y(50_000)
        let out = try s.execute(ReviseCommissionPlan(planId: planId, definition: v2), as: .user(W.finance), at: t0)
        #expect(
            W.events(out, CommissionPlanRevised.self) == [
                CommissionPlanRevised(changes: [
                    CommissionPlanChange(
                        field: .tiers,
                        before: .init(tiers: Calc.tiers([300, 500, 800])),
                        after: .init(tiers: v2.tiers)
                    ),
                    CommissionPlanChange(field: .capAmount, before: .init(), after: .init(money: Calc.y(50_000))),
                ])
            ]
        )
        #expect(s.state(CommissionPlan.self, planId)?.definition == v2)
        W.expectRejected(
            &s,
            ReviseCommissionPlan(planId: planId, definition: v2),
            as: .user(W.finance),
            rule: "COM-02.changes",
            kind: .invalidInput
        )
        var broken = v2
        broken.tiers = []
        W.expectRejected(
            &s,
            ReviseCommissionPlan(planId: planId, definition: broken),
            as: .user(W.finance),
            rule: "COM-02.tiers",
            kind: .invalidInput
        )
        W.expectRejected(
            &s,
            ResetCommissionPlanToDraft(planId: planId, reason: "fix"),
            as: .user(W.finance),
            rule: "COM-04.approved",
            kind: .invalidState
        )
        let approved = try s.execute(ApproveCommissionPlan(planId: planId), as: .user(W.finance), at: t0)
        #expect(W.events(approved, CommissionPlanApproved.self) == [CommissionPlanApproved(approvalId: nil)])
        W.expectRejected(
            &s,
            ApproveCommissionPlan(planId: planId),
            as: .user(W.finance),
            rule: "COM-03.draft",
            kind: .invalidState
        )
        W.expectRejected(
            &s,
            ReviseCommissionPlan(planId: planId, definition: Calc.plan),
            as: .user(W.finance),
            rule: "COM-02.draft",
            kind: .invalidState
        )
        W.expectRejected(
            &s,
            ResetCommissionPlanToDraft(planId: planId, reason: ""),
            as: .user(W.finance),
            rule: "COM-04.reason",
            kind: .invalidInput
        )
        let reset = try s.execute(
            ResetCommissionPlanToDraft(planId: planId, reason: "Q3 rates"),
            as: .user(W.finance),
            at: t0
        )
        #expect(W.events(reset, CommissionPlanResetToDraft.self) == [CommissionPlanResetToDraft(reason: "Q3 rates")])
        let plan = try #require(s.state(CommissionPlan.self, planId))
        #expect(
            plan.status == .draft && plan.version == 2 && plan.approvedVersion == 1 && plan.approvedDefinition == v2
        )
        try s.execute(ReviseCommissionPlan(planId: planId, definition: Calc.plan), as: .user(W.finance), at: t0)
        // The last approved terms stay in force until the next approval.
        #expect(s.state(CommissionPlan.self, planId)?.approvedDefinition == v2)
        try s.execute(ApproveCommissionPlan(planId: planId), as: .user(W.finance), at: t0)
        #expect(s.state(CommissionPlan.self, planId)?.approvedDefinition == Calc.plan)
        #expect(s.state(CommissionPlan.self, planId)?.approvedVersion == 2)
    }

    @Test func anInvalidDraftIsNotApproved() throws {
        var s = try W.store()
        var broken = Calc.plan
        broken.tiers = [CommissionTier(from: Calc.y(5), to: nil, rateBasisPoints: 1)]
        s.given([CommissionPlanDrafted(planId: planId, definition: broken)], on: .of(CommissionPlan.self, planId))
        W.expectRejected(
            &s,
            ApproveCommissionPlan(planId: planId),
            as: .user(W.finance),
            rule: "COM-03.valid.tiersStartAtZero",
            kind: .invariantViolated
        )
        W.expectRejected(
            &s,
            ApproveCommissionPlan(planId: ID(889)),
            as: .user(W.finance),
            rule: "COM-03.planExists",
            kind: .notFound
        )
    }

    @Test func withACommissionPlanFlowThePlanIsApprovedByItsApproval() throws {
        var s = try W.store(processManagers: [ContractApprovalProcess()])
        try s.execute(
            DefineApprovalFlow(
                flowId: ID(503),
                category: .commissionPlan,
                steps: [ApprovalStep(order: 1, type: .anyOf, approverIds: [W.admin])]
            ),
            as: W.system,
            at: t0
        )
        try s.execute(DraftCommissionPlan(planId: planId, definition: Calc.plan), as: .user(W.finance), at: t0)
        W.expectRejected(
            &s,
            ApproveCommissionPlan(planId: planId),
            as: .user(W.finance),
            rule: "COM-03.approvalCompleted",
            kind: .invariantViolated
        )
        try s.execute(
            SubmitForApproval(
                approvalId: ID(610),
                flowId: ID(503),
                target: ApprovalTarget(type: .commissionPlan, id: planId, version: 1),
                submitterId: W.admin,
                snapshotAmount: nil
            ),
            as: .user(W.admin),
            at: t0
        )
        W.expectRejected(
            &s,
            ApproveCommissionPlan(planId: planId, approvalId: ID(610)),
            as: .user(W.finance),
            rule: "COM-03.approvalCompleted",
            kind: .invalidState
        )
        let out = try s.execute(
            ApproveApprovalStep(approvalId: ID(610), approverId: W.admin),
            as: .user(W.admin),
            at: t0
        )
        #expect(W.events(out, CommissionPlanApproved.self) == [CommissionPlanApproved(approvalId: ID(610))])
        #expect(s.state(CommissionPlan.self, planId)?.status == .approved)
    }

    // MARK: COM-05

    @Test func assignmentsOfTheSameBasisMayNotOverlap() throws {
        var s = try W.store()
        try s.execute(DraftCommissionPlan(planId: planId, definition: Calc.plan), as: .user(W.finance), at: t0)
        let assign = AssignCommissionPlan(
            planId: planId,
            payee: .user(W.li),
            effectiveFrom: LocalDate(2026, 4, 1),
            effectiveTo: LocalDate(2026, 6, 30)
        )
        W.expectRejected(&s, assign, as: .user(W.finance), rule: "COM-05.planApproved", kind: .invalidState)
        try s.execute(ApproveCommissionPlan(planId: planId), as: .user(W.finance), at: t0)
        let out = try s.execute(assign, as: .user(W.finance), at: t0)
        #expect(
            W.events(out, CommissionPlanAssigned.self) == [
                CommissionPlanAssigned(
                    planId: planId,
                    planVersion: 1,
                    payee: .user(W.li),
                    effectiveFrom: LocalDate(2026, 4, 1),
                    effectiveTo: LocalDate(2026, 6, 30)
                )
            ]
        )
        #expect(
            s.children(of: CommissionPayee.user(W.li).stream, category: "commissionPlan") == [
                .of(CommissionPlan.self, planId)
            ]
        )
        // A second plan on the same basis may follow, not overlap.
        try s.execute(DraftCommissionPlan(planId: ID(881), definition: Calc.plan), as: .user(W.finance), at: t0)
        try s.execute(ApproveCommissionPlan(planId: ID(881)), as: .user(W.finance), at: t0)
        W.expectRejected(
            &s,
            AssignCommissionPlan(planId: ID(881), payee: .user(W.li), effectiveFrom: LocalDate(2026, 6, 30)),
            as: .user(W.finance),
            rule: "COM-05.noOverlap",
            kind: .invariantViolated
        )
        W.expectRejected(&s, assign, as: .user(W.finance), rule: "COM-05.noOverlap", kind: .invariantViolated)
        try s.execute(
            AssignCommissionPlan(planId: ID(881), payee: .user(W.li), effectiveFrom: LocalDate(2026, 7, 1)),
            as: .user(W.finance),
            at: t0
        )
        // Another basis, or another payee, does not conflict.
        try s.execute(
            DraftCommissionPlan(planId: ID(882), definition: defn(basis: .contractSigned)),
            as: .user(W.finance),
            at: t0
        )
        try s.execute(ApproveCommissionPlan(planId: ID(882)), as: .user(W.finance), at: t0)
        try s.execute(
            AssignCommissionPlan(planId: ID(882), payee: .user(W.li), effectiveFrom: LocalDate(2026, 1, 1)),
            as: .user(W.finance),
            at: t0
        )
        try s.execute(
            AssignCommissionPlan(planId: planId, payee: .team(W.sales), effectiveFrom: LocalDate(2026, 4, 1)),
            as: .user(W.finance),
            at: t0
        )
        W.expectRejected(
            &s,
            AssignCommissionPlan(planId: planId, payee: .user(W.gone), effectiveFrom: LocalDate(2026, 4, 1)),
            as: .user(W.finance),
            rule: "COM-05.payeeExists",
            kind: .notFound
        )
        W.expectRejected(
            &s,
            AssignCommissionPlan(
                planId: planId,
                payee: .user(W.wang),
                effectiveFrom: LocalDate(2026, 4, 1),
                effectiveTo: LocalDate(2026, 3, 1)
            ),
            as: .user(W.finance),
            rule: "COM-05.dates",
            kind: .invalidInput
        )
        W.expectRejected(
            &s,
            AssignCommissionPlan(planId: planId, payee: .user(W.wang), effectiveFrom: LocalDate(2026, 4, 1)),
            as: .user(W.li),
            rule: "COM-05.perm",
            kind: .accessDenied
        )
    }
}
