import CRMDomain
import Testing

/// The §3.4 worked example run through the engine: payments are verified and reversed, the commission process
/// accrues and claws back, statements are closed and paid.
@Suite struct CommissionLedgerTests {
    typealias W = ContractsWorld
    typealias Calc = CommissionCalculatorTests
    let planId = ID(880)
    let june = Timestamp(LocalDate(2026, 6, 10), hour: 9)
    let q2 = Period.quarter(2026, 2)
    let q3 = Period.quarter(2026, 3)

    static func at(_ m: Int, _ d: Int) -> Timestamp { Timestamp(LocalDate(2026, m, d), hour: 9) }

    /// Plan "AE 2025 Q2" approved and assigned to Li and Wang from April.
    func world() throws -> InMemoryDomainStore {
        var s = try W.store(processManagers: [ContractApprovalProcess(), CommissionProcess()])
        try s.execute(DraftCommissionPlan(planId: planId, definition: Calc.plan), as: .user(W.finance), at: W.t0)
        try s.execute(ApproveCommissionPlan(planId: planId), as: .user(W.finance), at: W.t0)
        for u in [W.li, W.wang] {
            try s.execute(
                AssignCommissionPlan(planId: planId, payee: .user(u), effectiveFrom: LocalDate(2026, 4, 1)),
                as: .user(W.finance),
                at: W.t0
            )
        }
        return s
    }

    func receiveAndVerify(_ s: inout InMemoryDomainStore, _ pay: UInt64, contract: UInt64, yuan: Int64, at t: Timestamp)
        throws -> [InMemoryDomainStore.Recorded]
    {
        try s.execute(
            ReceivePayment(
                paymentId: ID(pay),
                number: "HK-\(pay)",
                contractId: ID(contract),
                amount: Calc.y(yuan),
                method: .bankTransfer,
                receivedAt: t
            ),
            as: .user(W.li),
            at: t
        )
        return try s.execute(VerifyPayment(paymentId: ID(pay)), as: .user(W.finance), at: t)
    }

    /// Li's Q2: contract 1000 (240 000, sole), 1001 (100 000, split 60/40 with Wang), 1002 (20 000 Services).
    func q2World() throws -> InMemoryDomainStore {
        var s = try world()
        try W.approvedContract(&s, ID(1000), amount: Calc.y(240_000))
        try W.approvedContract(&s, ID(1001), amount: Calc.y(100_000), opportunityId: W.splitOpp, approvalId: ID(9_998))
        let services = ContractLine(
            categoryId: Calc.services,
            name: "Implementation services",
            quantity: 1,
            unitPrice: Calc.y(20_000),
            amount: Calc.y(20_000)
        )
        try W.approvedContract(&s, ID(1002), amount: Calc.y(20_000), lines: [services], approvalId: ID(9_997))
        _ = try receiveAndVerify(&s, 700, contract: 1000, yuan: 210_000, at: june)
        _ = try receiveAndVerify(&s, 701, contract: 1000, yuan: 30_000, at: june)
        _ = try receiveAndVerify(&s, 702, contract: 1001, yuan: 100_000, at: june)
        _ = try receiveAndVerify(&s, 703, contract: 1002, yuan: 20_000, at: june)
        return s
    }

    func ledger(_ s: InMemoryDomainStore, _ payee: ID, _ p: Period) -> CommissionLedger? {
        s.streams[CommissionLedger.stream(payeeId: payee, period: p)].map(CommissionLedger.fold)
    }

    // MARK: COM-06

    @Test func verifiedPaymentsAccrueIncrementallyToTheTieredTotal() throws {
        var s = try world()
        try W.approvedContract(&s, ID(1000), amount: Calc.y(240_000))
        let first = try receiveAndVerify(&s, 700, contract: 1000, yuan: 210_000, at: june)
        #expect(first.map(\.event.eventType) == ["PaymentVerified", "CommissionAccrued"])
        #expect(
            W.events(first, CommissionAccrued.self) == [
                CommissionAccrued(
                    payeeId: W.li,
                    planId: planId,
                    planVersion: 1,
                    period: q2,
                    source: CommissionSource(type: .paymentVerified, id: ID(700)),
                    creditedBase: Calc.y(210_000),
                    commissionDelta: Calc.y(8_500),
                    tierAfter: 2,
                    parts: [.tiered(Calc.y(210_000))]
                )
            ]
        )
        #expect(first.last?.stream == CommissionLedger.stream(payeeId: W.li, period: q2))
        let second = try receiveAndVerify(&s, 701, contract: 1000, yuan: 30_000, at: june)
        #expect(W.events(second, CommissionAccrued.self).map(\.commissionDelta) == [Calc.y(1_500)])
        // Idempotent per (source, payee, plan).
        let again = try s.execute(
            AccrueCommission(
                payeeId: W.li,
                planId: planId,
                source: CommissionSource(type: .paymentVerified, id: ID(701))
            ),
            as: W.system,
            at: june
        )
        #expect(again.isEmpty)
    }

    @Test func theWorkedExampleQ2TotalsAndSplits() throws {
        let s = try q2World()
        let li = try #require(ledger(s, W.li, q2))
        #expect(li.accruals.map(\.deltaMinor) == [850_000, 150_000, 450_000, 40_000])
        #expect(li.totalMinor == 1_490_000)
        let wang = try #require(ledger(s, W.wang, q2))
        #expect(wang.accruals.map { $0.parts } == [[.tiered(Calc.y(40_000))]])
        #expect(wang.totalMinor == 120_000)
    }

    @Test func accrualsNeedAQualifyingSourceAnAssignedPlanAndACreditShare() throws {
        var s = try world()
        try W.approvedContract(&s, ID(1000), amount: Calc.y(240_000))
        try s.execute(
            ReceivePayment(
                paymentId: ID(700),
                number: "HK-700",
                contractId: ID(1000),
                amount: Calc.y(10_000),
                method: .cash,
                receivedAt: june
            ),
            as: .user(W.li),
            at: june
        )
        let source = CommissionSource(type: .paymentVerified, id: ID(700))
        W.expectRejected(
            &s,
            AccrueCommission(payeeId: W.li, planId: planId, source: source),
            as: W.system,
            at: june,
            rule: "COM-06.sourceQualifies",
            kind: .invalidState
        )
        W.expectRejected(
            &s,
            AccrueCommission(payeeId: W.li, planId: planId, source: source),
            as: .user(W.li),
            at: june,
            rule: "COM-06.perm",
            kind: .accessDenied
        )
        var withoutProcess = s
        withoutProcess.processManagers = []
        try withoutProcess.execute(VerifyPayment(paymentId: ID(700)), as: .user(W.finance), at: june)
        W.expectRejected(
            &withoutProcess,
            AccrueCommission(payeeId: W.manager, planId: planId, source: source),
            as: W.system,
            at: june,
            rule: "COM-06.assigned",
            kind: .invariantViolated
        )
        W.expectRejected(
            &withoutProcess,
            AccrueCommission(payeeId: W.wang, planId: planId, source: source),
            as: W.system,
            at: june,
            rule: "COM-06.creditShare",
            kind: .invariantViolated
        )
        W.expectRejected(
            &withoutProcess,
            AccrueCommission(
                payeeId: W.li,
                planId: planId,
                source: CommissionSource(type: .contractSigned, id: ID(1000))
            ),
            as: W.system,
            at: june,
            rule: "COM-06.basis",
            kind: .invariantViolated
        )
        W.expectRejected(
            &withoutProcess,
            AccrueCommission(
                payeeId: W.li,
                planId: planId,
                source: CommissionSource(type: .paymentReversed, id: ID(700))
            ),
            as: W.system,
            at: june,
            rule: "COM-06.source",
            kind: .invalidInput
        )
        try withoutProcess.execute(
            DraftCommissionPlan(planId: ID(881), definition: Calc.plan),
            as: .user(W.finance),
            at: june
        )
        W.expectRejected(
            &withoutProcess,
            AccrueCommission(payeeId: W.li, planId: ID(881), source: source),
            as: W.system,
            at: june,
            rule: "COM-06.planApproved",
            kind: .invalidState
        )
        let out = try withoutProcess.execute(
            AccrueCommission(payeeId: W.li, planId: planId, source: source),
            as: W.system,
            at: june
        )
        #expect(W.events(out, CommissionAccrued.self).map(\.commissionDelta) == [Calc.y(300)])
    }

    @Test func aPaymentVerifiedAfterItsPeriodClosedAccruesInTheNextOpenPeriod() throws {
        var s = try world()
        try W.approvedContract(&s, ID(1000), amount: Calc.y(240_000))
        try s.execute(
            ReceivePayment(
                paymentId: ID(700),
                number: "HK-700",
                contractId: ID(1000),
                amount: Calc.y(10_000),
                method: .cash,
                receivedAt: june
            ),
            as: .user(W.li),
            at: june
        )
        let july = Self.at(7, 2)
        try s.execute(
            CloseCommissionStatement(payeeId: W.li, period: q2, asOf: july.date, currency: "CNY"),
            as: .user(W.finance),
            at: july
        )
        let out = try s.execute(VerifyPayment(paymentId: ID(700)), as: .user(W.finance), at: july)
        #expect(W.events(out, CommissionAccrued.self).map(\.period) == [q3])
        #expect(ledger(s, W.li, q2)?.closedTotal == Calc.y(0))
    }

    // MARK: COM-07

    @Test func theJulyClawbackPostsIntoQ3AndLeavesTheQ2StatementAlone() throws {
        var s = try q2World()
        let july1 = Self.at(7, 1)
        let closed = try s.execute(
            CloseCommissionStatement(payeeId: W.li, period: q2, asOf: july1.date, currency: "CNY"),
            as: .user(W.finance),
            at: july1
        )
        #expect(
            W.events(closed, CommissionStatementClosed.self) == [
                CommissionStatementClosed(payeeId: W.li, period: q2, total: Calc.y(14_900), lineCount: 4)
            ]
        )
        let july10 = Self.at(7, 10)
        let out = try s.execute(
            ReversePayment(paymentId: ID(701), amount: Calc.y(30_000), reason: .refund),
            as: .user(W.finance),
            at: july10
        )
        #expect(
            W.events(out, CommissionReversed.self) == [
                CommissionReversed(
                    payeeId: W.li,
                    period: q3,
                    source: CommissionSource(type: .paymentReversed, id: ID(701)),
                    commissionDelta: Calc.y(-2_400),
                    planId: planId,
                    planVersion: 1,
                    originalPeriod: q2,
                    reversedParts: [.tiered(Calc.y(30_000))]
                )
            ]
        )
        #expect(out.last?.stream == CommissionLedger.stream(payeeId: W.li, period: q3))
        #expect(ledger(s, W.li, q2)?.closedTotal == Calc.y(14_900))
        #expect(ledger(s, W.li, q2)?.totalMinor == 1_490_000)
        // Repeating the reversal reverses nothing more.
        let again = try s.execute(
            ReverseCommission(
                payeeId: W.li,
                planId: planId,
                source: CommissionSource(type: .paymentReversed, id: ID(701)),
                asOf: july10.date
            ),
            as: W.system,
            at: july10
        )
        #expect(again.isEmpty)
        // Q3 to date on Jul 20: 85 000 verified, earned 2 550, clawback −2 400, net 150, 15 000 to the 5 % tier.
        try W.approvedContract(&s, ID(1003), amount: Calc.y(85_000), approvalId: ID(9_996))
        let july20 = Self.at(7, 20)
        let q3Accrual = try receiveAndVerify(&s, 704, contract: 1003, yuan: 85_000, at: july20)
        #expect(W.events(q3Accrual, CommissionAccrued.self).map(\.commissionDelta) == [Calc.y(2_550)])
        let l3 = try #require(ledger(s, W.li, q3))
        #expect(l3.totalMinor == 15_000)
        var own = CommissionBase()
        for a in l3.accruals { own.add(a.parts) }
        let view = CommissionCalculator.myCommission(
            base: own,
            plan: Calc.plan,
            clawbackMinor: l3.reversals.reduce(0) { $0 + $1.deltaMinor }
        )
        #expect(view.baseMinor == 8_500_000 && view.rateBasisPoints == 300)
        #expect(view.earnedMinor == 255_000 && view.clawbackMinor == -240_000 && view.netMinor == 15_000)
        #expect(view.toNextTierMinor == 1_500_000)
        // A second, partial reversal of another Q2 payment recomputes on the Q2 base already reduced (270 000).
        let more = try s.execute(
            ReversePayment(paymentId: ID(700), amount: Calc.y(20_000), reason: .bounce),
            as: .user(W.finance),
            at: july20
        )
        // 250 000 → 3 000 + 7 500 = 10 500 (+400): −1 600.
        #expect(W.events(more, CommissionReversed.self).map(\.commissionDelta) == [Calc.y(-1_600)])
    }

    @Test func aReversalWhileThePeriodIsOpenStaysInThePeriod() throws {
        var s = try q2World()
        let out = try s.execute(
            ReversePayment(paymentId: ID(702), amount: Calc.y(50_000), reason: .refund),
            as: .user(W.finance),
            at: june
        )
        let reversed = W.events(out, CommissionReversed.self)
        #expect(reversed.map(\.payeeId) == [W.li, W.wang])
        #expect(reversed.map(\.period) == [q2, q2])
        // Li 300 000 → 270 000: 14 500 → 12 100; Wang 40 000 → 20 000: 1 200 → 600.
        #expect(reversed.map(\.commissionDelta) == [Calc.y(-2_400), Calc.y(-600)])
        #expect(reversed.map(\.reversedParts) == [[.tiered(Calc.y(30_000))], [.tiered(Calc.y(20_000))]])
        #expect(ledger(s, W.li, q2)?.totalMinor == 1_250_000)
    }

    @Test func reversalsNeedAnOriginalAccrualAndAReversedSource() throws {
        var s = try q2World()
        let source = CommissionSource(type: .paymentReversed, id: ID(701))
        W.expectRejected(
            &s,
            ReverseCommission(payeeId: W.li, planId: planId, source: source, asOf: june.date),
            as: W.system,
            at: june,
            rule: "COM-07.sourceReversed",
            kind: .invalidState
        )
        W.expectRejected(
            &s,
            ReverseCommission(payeeId: W.wang, planId: planId, source: source, asOf: june.date),
            as: W.system,
            at: june,
            rule: "COM-07.originalAccrualExists",
            kind: .invariantViolated
        )
        W.expectRejected(
            &s,
            ReverseCommission(
                payeeId: W.li,
                planId: planId,
                source: CommissionSource(type: .paymentVerified, id: ID(701)),
                asOf: june.date
            ),
            as: W.system,
            at: june,
            rule: "COM-07.source",
            kind: .invalidInput
        )
    }

    @Test func contractSignedPlansAccrueOnSigningAndReverseOnVoid() throws {
        var s = try W.store(processManagers: [CommissionProcess()])
        var signed = Calc.plan
        signed.basis = .contractSigned
        signed.period = .month
        try s.execute(DraftCommissionPlan(planId: planId, definition: signed), as: .user(W.finance), at: W.t0)
        try s.execute(ApproveCommissionPlan(planId: planId), as: .user(W.finance), at: W.t0)
        try s.execute(
            AssignCommissionPlan(planId: planId, payee: .team(W.sales), effectiveFrom: LocalDate(2026, 1, 1)),
            as: .user(W.finance),
            at: W.t0
        )
        try W.approvedContract(&s, ID(1000), amount: Calc.y(100_000))
        let out = try s.execute(
            SignContract(
                contractId: ID(1000),
                signedAt: W.t0,
                customerSignerContactId: W.contact,
                companySignerUserId: W.li
            ),
            as: .user(W.li),
            at: W.t0
        )
        let accrued = W.events(out, CommissionAccrued.self)
        #expect(accrued.map(\.payeeId) == [W.li])
        #expect(accrued.map(\.period) == [.month(2026, 4)])
        #expect(accrued.map(\.commissionDelta) == [Calc.y(3_000)])
        let void = try s.execute(
            VoidContract(contractId: ID(1000), reason: "customer withdrew"),
            as: .user(W.li),
            at: W.t0
        )
        #expect(W.events(void, CommissionReversed.self).map(\.commissionDelta) == [Calc.y(-3_000)])
        #expect(ledger(s, W.li, .month(2026, 4))?.totalMinor == 0)
    }

    @Test func aPersonalPlanReplacesTheTeamPlanOfTheSameBasis() throws {
        var s = try W.store(processManagers: [CommissionProcess()])
        var flat = Calc.plan
        flat.tierMode = .flat
        flat.tiers = [CommissionTier(from: Calc.y(0), to: nil, rateBasisPoints: 1_000)]
        try s.execute(DraftCommissionPlan(planId: ID(881), definition: flat), as: .user(W.finance), at: W.t0)
        try s.execute(ApproveCommissionPlan(planId: ID(881)), as: .user(W.finance), at: W.t0)
        try s.execute(
            AssignCommissionPlan(planId: ID(881), payee: .team(W.sales), effectiveFrom: LocalDate(2026, 1, 1)),
            as: .user(W.finance),
            at: W.t0
        )
        try s.execute(DraftCommissionPlan(planId: planId, definition: Calc.plan), as: .user(W.finance), at: W.t0)
        try s.execute(ApproveCommissionPlan(planId: planId), as: .user(W.finance), at: W.t0)
        try s.execute(
            AssignCommissionPlan(planId: planId, payee: .user(W.li), effectiveFrom: LocalDate(2026, 1, 1)),
            as: .user(W.finance),
            at: W.t0
        )
        try W.approvedContract(&s, ID(1001), amount: Calc.y(100_000), opportunityId: W.splitOpp)
        let out = try receiveAndVerify(&s, 702, contract: 1001, yuan: 100_000, at: june)
        let accrued = W.events(out, CommissionAccrued.self)
        #expect(accrued.map(\.payeeId) == [W.li, W.wang])
        #expect(accrued.map(\.planId) == [planId, ID(881)])
        // Li: 60 000 × 3 % = 1 800 (personal plan); Wang: 40 000 × 10 % = 4 000 (team plan).
        #expect(accrued.map(\.commissionDelta) == [Calc.y(1_800), Calc.y(4_000)])
    }

    // MARK: COM-04 with statements

    @Test func aPlanUsedByAClosedStatementIsNotResetToDraft() throws {
        var s = try q2World()
        try s.execute(ResetCommissionPlanToDraft(planId: planId, reason: "while open"), as: .user(W.finance), at: june)
        try s.execute(ApproveCommissionPlan(planId: planId), as: .user(W.finance), at: june)
        let july1 = Self.at(7, 1)
        try s.execute(
            CloseCommissionStatement(payeeId: W.wang, period: q2, asOf: july1.date, currency: "CNY"),
            as: .user(W.finance),
            at: july1
        )
        // Wang's statement used version 1; version 2 is only in open statements.
        try s.execute(ResetCommissionPlanToDraft(planId: planId, reason: "v2 fix"), as: .user(W.finance), at: july1)
        try s.execute(ApproveCommissionPlan(planId: planId), as: .user(W.finance), at: july1)
        try W.approvedContract(&s, ID(1003), amount: Calc.y(85_000), approvalId: ID(9_996))
        _ = try receiveAndVerify(&s, 704, contract: 1003, yuan: 1_000, at: Self.at(7, 2))
        try s.execute(
            CloseCommissionStatement(payeeId: W.li, period: q3, asOf: LocalDate(2026, 10, 1), currency: "CNY"),
            as: W.system,
            at: Self.at(7, 2)
        )
        W.expectRejected(
            &s,
            ResetCommissionPlanToDraft(planId: planId, reason: "again"),
            as: .user(W.finance),
            at: Self.at(7, 2),
            rule: "COM-04.noClosedStatement",
            kind: .invariantViolated
        )
    }

    // MARK: COM-08 / COM-09 / COM-10

    @Test func adjustmentsGoToOpenStatementsOnly() throws {
        var s = try q2World()
        let adjust = AdjustCommission(
            payeeId: W.li,
            period: q2,
            amount: Calc.y(-100),
            reason: "double-counted lead bonus",
            approvedBy: W.manager
        )
        W.expectRejected(&s, adjust, as: .user(W.li), at: june, rule: "COM-08.perm", kind: .accessDenied)
        W.expectRejected(
            &s,
            AdjustCommission(payeeId: W.li, period: q2, amount: Calc.y(-100), reason: " ", approvedBy: W.manager),
            as: .user(W.finance),
            at: june,
            rule: "COM-08.reason",
            kind: .invalidInput
        )
        W.expectRejected(
            &s,
            AdjustCommission(payeeId: W.li, period: q2, amount: Calc.y(-100), reason: "x", approvedBy: W.gone),
            as: .user(W.finance),
            at: june,
            rule: "COM-08.approverActive",
            kind: .notFound
        )
        let out = try s.execute(adjust, as: .user(W.finance), at: june)
        #expect(
            W.events(out, CommissionAdjusted.self) == [
                CommissionAdjusted(
                    payeeId: W.li,
                    period: q2,
                    amount: Calc.y(-100),
                    reason: "double-counted lead bonus",
                    approvedBy: W.manager
                )
            ]
        )
        #expect(ledger(s, W.li, q2)?.totalMinor == 1_480_000)
        let july1 = Self.at(7, 1)
        try s.execute(
            CloseCommissionStatement(payeeId: W.li, period: q2, asOf: july1.date, currency: "CNY"),
            as: .user(W.finance),
            at: july1
        )
        W.expectRejected(&s, adjust, as: .user(W.finance), at: july1, rule: "COM-08.periodOpen", kind: .invalidState)
        try s.execute(
            AdjustCommission(
                payeeId: W.li,
                period: q3,
                amount: Calc.y(-100),
                reason: "late correction",
                approvedBy: W.manager
            ),
            as: .user(W.finance),
            at: july1
        )
    }

    @Test func statementsCloseOnceAfterThePeriodEnded() throws {
        var s = try q2World()
        let close = CloseCommissionStatement(payeeId: W.li, period: q2, asOf: LocalDate(2026, 6, 30), currency: "CNY")
        W.expectRejected(&s, close, as: W.system, at: june, rule: "COM-09.periodEnded", kind: .invalidState)
        W.expectRejected(
            &s,
            CloseCommissionStatement(payeeId: W.li, period: q2, asOf: LocalDate(2026, 7, 1), currency: "CNY"),
            as: .user(W.finance),
            at: june,
            rule: "COM-09.asOf",
            kind: .invalidInput
        )
        W.expectRejected(
            &s,
            CloseCommissionStatement(payeeId: W.li, period: q2, asOf: LocalDate(2026, 7, 1), currency: "CNY"),
            as: .user(W.li),
            at: Self.at(7, 1),
            rule: "COM-09.perm",
            kind: .accessDenied
        )
        W.expectRejected(
            &s,
            CloseCommissionStatement(payeeId: W.li, period: q2, asOf: LocalDate(2026, 7, 1), currency: "USD"),
            as: .user(W.finance),
            at: Self.at(7, 1),
            rule: "COM-09.currency",
            kind: .invalidInput
        )
        let ok = CloseCommissionStatement(payeeId: W.li, period: q2, asOf: LocalDate(2026, 7, 1), currency: "CNY")
        try s.execute(ok, as: .user(W.finance), at: Self.at(7, 1))
        W.expectRejected(&s, ok, as: .user(W.finance), at: Self.at(7, 1), rule: "COM-09.notClosed", kind: .invalidState)
        // An empty statement closes at zero.
        let empty = try s.execute(
            CloseCommissionStatement(payeeId: W.manager, period: q2, asOf: LocalDate(2026, 7, 1), currency: "CNY"),
            as: W.system,
            at: Self.at(7, 1)
        )
        #expect(
            W.events(empty, CommissionStatementClosed.self) == [
                CommissionStatementClosed(payeeId: W.manager, period: q2, total: Calc.y(0), lineCount: 0)
            ]
        )
    }

    @Test func payoutsFollowTheClosedStatementUpToItsTotal() throws {
        var s = try q2World()
        let july = Self.at(7, 5)
        let pay = PayCommission(
            payeeId: W.li,
            period: q2,
            amount: Calc.y(10_000),
            paidAt: july,
            payrollRef: "PR-2026-07"
        )
        W.expectRejected(&s, pay, as: .user(W.finance), at: july, rule: "COM-10.statementClosed", kind: .invalidState)
        try s.execute(
            CloseCommissionStatement(payeeId: W.li, period: q2, asOf: july.date, currency: "CNY"),
            as: .user(W.finance),
            at: july
        )
        let out = try s.execute(pay, as: .user(W.finance), at: july)
        #expect(
            W.events(out, CommissionPaid.self) == [
                CommissionPaid(
                    payeeId: W.li,
                    period: q2,
                    amount: Calc.y(10_000),
                    paidAt: july,
                    payrollRef: "PR-2026-07"
                )
            ]
        )
        W.expectRejected(
            &s,
            PayCommission(payeeId: W.li, period: q2, amount: Calc.y(4_901), paidAt: july, payrollRef: "PR-2026-08"),
            as: .user(W.finance),
            at: july,
            rule: "COM-10.paidWithinTotal",
            kind: .invariantViolated
        )
        W.expectRejected(
            &s,
            PayCommission(payeeId: W.li, period: q2, amount: Calc.y(1), paidAt: july, payrollRef: ""),
            as: .user(W.finance),
            at: july,
            rule: "COM-10.payrollRef",
            kind: .invalidInput
        )
        W.expectRejected(&s, pay, as: .user(W.li), at: july, rule: "COM-10.perm", kind: .accessDenied)
        try s.execute(
            PayCommission(payeeId: W.li, period: q2, amount: Calc.y(4_900), paidAt: july, payrollRef: "PR-2026-08"),
            as: .user(W.finance),
            at: july
        )
        #expect(ledger(s, W.li, q2)?.paidMinor == 1_490_000)
    }
}
