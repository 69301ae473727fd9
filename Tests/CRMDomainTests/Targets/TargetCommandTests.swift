import CRMDomain
import Testing

@Suite struct TargetCommandTests {
    typealias W = ContractsWorld
    let t0 = W.t0  // 2026-04-01
    let months: [Int64] = [10, 10, 10, 100, 120, 130, 10, 10, 10, 10, 10, 10]

    // MARK: TGT-01

    @Test func oneTargetPerScopeMetricAndYear() throws {
        var s = try W.store()
        let set = SetSalesTarget(
            targetId: ID(850),
            scope: .user(W.li),
            metric: .contractAmount,
            year: 2026,
            monthly: months
        )
        let out = try s.execute(set, as: .user(W.manager), at: t0)
        #expect(
            W.events(out, SalesTargetSet.self) == [
                SalesTargetSet(
                    targetId: ID(850),
                    scope: .user(W.li),
                    metric: .contractAmount,
                    year: 2026,
                    monthly: months
                )
            ]
        )
        #expect(s.state(SalesTarget.self, ID(850))?.target(for: .quarter(2026, 2)) == 350)
        W.expectRejected(
            &s,
            SetSalesTarget(targetId: ID(851), scope: .user(W.li), metric: .contractAmount, year: 2026, monthly: months),
            as: .user(W.manager),
            rule: "TGT-01.oneTargetPerScope",
            kind: .invariantViolated
        )
        // Another metric, year or scope is another target; a department target is its own number.
        try s.execute(
            SetSalesTarget(targetId: ID(851), scope: .user(W.li), metric: .paymentAmount, year: 2026, monthly: months),
            as: .user(W.manager),
            at: t0
        )
        try s.execute(
            SetSalesTarget(targetId: ID(852), scope: .user(W.li), metric: .contractAmount, year: 2027, monthly: months),
            as: .user(W.manager),
            at: t0
        )
        try s.execute(
            SetSalesTarget(
                targetId: ID(853),
                scope: .dept(W.sales),
                metric: .contractAmount,
                year: 2026,
                monthly: months
            ),
            as: .user(W.admin),
            at: t0
        )
        try s.execute(
            SetSalesTarget(targetId: ID(854), scope: .company, metric: .wonDeals, year: 2026, monthly: months),
            as: .user(W.admin),
            at: t0
        )
        W.expectRejected(
            &s,
            SetSalesTarget(targetId: ID(854), scope: .company, metric: .newCustomers, year: 2026, monthly: months),
            as: .user(W.admin),
            rule: "TGT-01.targetIdUnique",
            kind: .alreadyExists
        )
    }

    @Test func targetValuesAreTwelveNonNegativeMonthsOfAKnownScope() throws {
        var s = try W.store()
        var negative = months
        negative[4] = -1
        W.expectRejected(
            &s,
            SetSalesTarget(
                targetId: ID(850),
                scope: .user(W.li),
                metric: .contractAmount,
                year: 2026,
                monthly: negative
            ),
            as: .user(W.manager),
            rule: "TGT-01.amountsNonNegative",
            kind: .invariantViolated
        )
        W.expectRejected(
            &s,
            SetSalesTarget(
                targetId: ID(850),
                scope: .user(W.li),
                metric: .contractAmount,
                year: 2026,
                monthly: [1, 2, 3]
            ),
            as: .user(W.manager),
            rule: "TGT-01.monthly",
            kind: .invalidInput
        )
        W.expectRejected(
            &s,
            SetSalesTarget(
                targetId: ID(850),
                scope: .dept(ID(199)),
                metric: .contractAmount,
                year: 2026,
                monthly: months
            ),
            as: .user(W.admin),
            rule: "TGT-01.scopeExists",
            kind: .notFound
        )
        W.expectRejected(
            &s,
            SetSalesTarget(targetId: ID(850), scope: .user(W.li), metric: .contractAmount, year: 2026, monthly: months),
            as: .user(W.li),
            rule: "TGT-01.perm",
            kind: .accessDenied
        )
        try s.execute(
            SetSalesTarget(
                targetId: ID(850),
                scope: .user(W.li),
                metric: .contractAmount,
                year: 2026,
                monthly: Array(repeating: 0, count: 12)
            ),
            as: .user(W.manager),
            at: t0
        )
    }

    // MARK: TGT-02

    @Test func openMonthsAreRevisedAndClosedOnesNeedReviseClosed() throws {
        var s = try W.store()
        try s.execute(
            SetSalesTarget(targetId: ID(850), scope: .user(W.li), metric: .contractAmount, year: 2026, monthly: months),
            as: .user(W.manager),
            at: t0
        )
        let asOf = LocalDate(2026, 4, 1)
        // April is open on Apr 1; March is closed (Apr 1 is past Mar 31).
        #expect(
            !SalesTarget.isClosed(year: 2026, month: 4, asOf: asOf)
                && SalesTarget.isClosed(year: 2026, month: 3, asOf: asOf)
        )
        let out = try s.execute(
            ReviseSalesTarget(
                targetId: ID(850),
                changes: [MonthlyTargetRevision(month: 4, to: 90), MonthlyTargetRevision(month: 6, to: 140)],
                reason: "territory change",
                asOf: asOf
            ),
            as: .user(W.manager),
            at: t0
        )
        #expect(
            W.events(out, SalesTargetRevised.self) == [
                SalesTargetRevised(
                    targetId: ID(850),
                    changes: [
                        MonthlyTargetChange(month: 4, from: 100, to: 90),
                        MonthlyTargetChange(month: 6, from: 130, to: 140),
                    ],
                    reason: "territory change"
                )
            ]
        )
        #expect(s.state(SalesTarget.self, ID(850))?.target(for: .quarter(2026, 2)) == 350)
        W.expectRejected(
            &s,
            ReviseSalesTarget(
                targetId: ID(850),
                changes: [MonthlyTargetRevision(month: 3, to: 5)],
                reason: "fix",
                asOf: asOf
            ),
            as: .user(W.manager),
            rule: "TGT-02.monthClosed",
            kind: .accessDenied
        )
        // Back-dating the business date does not reopen March.
        W.expectRejected(
            &s,
            ReviseSalesTarget(
                targetId: ID(850),
                changes: [MonthlyTargetRevision(month: 3, to: 5)],
                reason: "fix",
                asOf: LocalDate(2026, 3, 15)
            ),
            as: .user(W.manager),
            rule: "TGT-02.asOf",
            kind: .invalidInput
        )
        let closed = try s.execute(
            ReviseSalesTarget(
                targetId: ID(850),
                changes: [MonthlyTargetRevision(month: 3, to: 5)],
                reason: "fix",
                asOf: asOf
            ),
            as: .user(W.admin),
            at: t0
        )
        #expect(
            W.events(closed, SalesTargetRevised.self).map(\.changes) == [
                [MonthlyTargetChange(month: 3, from: 10, to: 5)]
            ]
        )
    }

    @Test func revisionsNeedAReasonAndRealChanges() throws {
        var s = try W.store()
        try s.execute(
            SetSalesTarget(targetId: ID(850), scope: .user(W.li), metric: .contractAmount, year: 2026, monthly: months),
            as: .user(W.manager),
            at: t0
        )
        let asOf = LocalDate(2026, 4, 1)
        func revise(_ c: [MonthlyTargetRevision], reason: String = "r") -> ReviseSalesTarget {
            ReviseSalesTarget(targetId: ID(850), changes: c, reason: reason, asOf: asOf)
        }
        W.expectRejected(
            &s,
            revise([MonthlyTargetRevision(month: 5, to: 1)], reason: " "),
            as: .user(W.manager),
            rule: "TGT-02.reason",
            kind: .invalidInput
        )
        W.expectRejected(&s, revise([]), as: .user(W.manager), rule: "TGT-02.changes", kind: .invalidInput)
        W.expectRejected(
            &s,
            revise([MonthlyTargetRevision(month: 13, to: 1)]),
            as: .user(W.manager),
            rule: "TGT-02.changes",
            kind: .invalidInput
        )
        W.expectRejected(
            &s,
            revise([MonthlyTargetRevision(month: 5, to: 120)]),
            as: .user(W.manager),
            rule: "TGT-02.changes",
            kind: .invalidInput
        )
        W.expectRejected(
            &s,
            revise([MonthlyTargetRevision(month: 5, to: 1), MonthlyTargetRevision(month: 5, to: 2)]),
            as: .user(W.manager),
            rule: "TGT-02.changes",
            kind: .invalidInput
        )
        W.expectRejected(
            &s,
            revise([MonthlyTargetRevision(month: 5, to: -1)]),
            as: .user(W.manager),
            rule: "TGT-02.amountsNonNegative",
            kind: .invariantViolated
        )
        W.expectRejected(
            &s,
            revise([MonthlyTargetRevision(month: 5, to: 1)]),
            as: .user(W.li),
            rule: "TGT-02.perm",
            kind: .accessDenied
        )
        W.expectRejected(
            &s,
            ReviseSalesTarget(
                targetId: ID(859),
                changes: [MonthlyTargetRevision(month: 5, to: 1)],
                reason: "r",
                asOf: asOf
            ),
            as: .user(W.manager),
            rule: "TGT-02.targetExists",
            kind: .notFound
        )
    }

    // MARK: TGT-03

    @Test func theOwnerSubmitsTheForecastOfAnOpenPeriod() throws {
        var s = try W.store()
        let amounts = ForecastAmounts(commit: W.cny(110_000), bestCase: W.cny(150_000), pipeline: W.cny(140_000))
        let submit = SubmitForecast(
            ownerId: W.li,
            period: .quarter(2026, 2),
            amounts: amounts,
            basisSnapshotId: ID(860),
            asOf: LocalDate(2026, 4, 1)
        )
        let out = try s.execute(submit, as: .user(W.li), at: t0)
        #expect(
            W.events(out, ForecastSubmitted.self) == [
                ForecastSubmitted(ownerId: W.li, period: .quarter(2026, 2), amounts: amounts, basisSnapshotId: ID(860))
            ]
        )
        #expect(out.first?.stream == Forecast.stream(ownerId: W.li, period: .quarter(2026, 2)))
        W.expectRejected(
            &s,
            SubmitForecast(
                ownerId: W.li,
                period: .quarter(2026, 1),
                amounts: amounts,
                basisSnapshotId: ID(860),
                asOf: LocalDate(2026, 4, 1)
            ),
            as: .user(W.li),
            rule: "TGT-03.periodOpen",
            kind: .invalidState
        )
        W.expectRejected(
            &s,
            SubmitForecast(
                ownerId: W.li,
                period: .quarter(2026, 1),
                amounts: amounts,
                basisSnapshotId: ID(860),
                asOf: LocalDate(2026, 3, 31)
            ),
            as: .user(W.li),
            rule: "TGT-03.asOf",
            kind: .invalidInput
        )
        W.expectRejected(&s, submit, as: .user(W.manager), rule: "TGT-03.ownsNode", kind: .invariantViolated)
        W.expectRejected(&s, submit, as: .user(W.wang), rule: "TGT-03.perm", kind: .accessDenied)
        let inverted = ForecastAmounts(commit: W.cny(150_000), bestCase: W.cny(110_000), pipeline: W.cny(0))
        W.expectRejected(
            &s,
            SubmitForecast(
                ownerId: W.li,
                period: .quarter(2026, 2),
                amounts: inverted,
                basisSnapshotId: ID(860),
                asOf: LocalDate(2026, 4, 1)
            ),
            as: .user(W.li),
            rule: "TGT-03.amounts",
            kind: .invalidInput
        )
        // A later submission replaces the figures.
        try s.execute(submit, as: .user(W.li), at: t0)
        #expect(
            s.streams[Forecast.stream(ownerId: W.li, period: .quarter(2026, 2))].map {
                Forecast.fold($0).submissionCount
            } == 2
        )
    }

    // MARK: TGT-04

    @Test func onlyAManagerAboveTheOwnerAdjusts() throws {
        var s = try W.store()
        let amounts = ForecastAmounts(commit: W.cny(110_000), bestCase: W.cny(150_000), pipeline: W.cny(140_000))
        try s.execute(
            SubmitForecast(
                ownerId: W.li,
                period: .quarter(2026, 2),
                amounts: amounts,
                basisSnapshotId: ID(860),
                asOf: LocalDate(2026, 4, 1)
            ),
            as: .user(W.li),
            at: t0
        )
        let adjust = AdjustForecast(
            managerId: W.manager,
            ownerId: W.li,
            period: .quarter(2026, 2),
            category: .commit,
            amount: W.cny(100_000),
            note: "deal X slips"
        )
        let out = try s.execute(adjust, as: .user(W.manager), at: t0)
        #expect(
            W.events(out, ForecastAdjusted.self) == [
                ForecastAdjusted(
                    managerId: W.manager,
                    ownerId: W.li,
                    period: .quarter(2026, 2),
                    category: .commit,
                    amount: W.cny(100_000),
                    note: "deal X slips"
                )
            ]
        )
        let f = try #require(s.streams[Forecast.stream(ownerId: W.li, period: .quarter(2026, 2))].map(Forecast.fold))
        #expect(f.adjusted(.commit, by: W.manager) == W.cny(100_000))
        #expect(f.adjusted(.commit, by: W.admin) == W.cny(110_000))
        #expect(f.submitted == amounts)
        // Wang is not above Li; Li is not above their manager; nobody adjusts their own forecast.
        W.expectRejected(
            &s,
            AdjustForecast(
                managerId: W.admin,
                ownerId: W.li,
                period: .quarter(2026, 2),
                category: .commit,
                amount: W.cny(1),
                note: "n"
            ),
            as: .user(W.admin),
            rule: "TGT-04.managerAbove",
            kind: .invariantViolated
        )
        W.expectRejected(
            &s,
            AdjustForecast(
                managerId: W.manager,
                ownerId: W.manager,
                period: .quarter(2026, 2),
                category: .commit,
                amount: W.cny(1),
                note: "n"
            ),
            as: .user(W.manager),
            rule: "TGT-04.managerAbove",
            kind: .invariantViolated
        )
        W.expectRejected(&s, adjust, as: .user(W.admin), rule: "TGT-04.managerIsActor", kind: .invariantViolated)
        W.expectRejected(&s, adjust, as: .user(W.li), rule: "TGT-04.perm", kind: .accessDenied)
        W.expectRejected(
            &s,
            AdjustForecast(
                managerId: W.manager,
                ownerId: W.li,
                period: .quarter(2026, 2),
                category: .closed,
                amount: W.cny(1),
                note: "n"
            ),
            as: .user(W.manager),
            rule: "TGT-04.category",
            kind: .invalidInput
        )
        W.expectRejected(
            &s,
            AdjustForecast(
                managerId: W.manager,
                ownerId: W.li,
                period: .quarter(2026, 2),
                category: .commit,
                amount: W.cny(1),
                note: ""
            ),
            as: .user(W.manager),
            rule: "TGT-04.note",
            kind: .invalidInput
        )
        W.expectRejected(
            &s,
            AdjustForecast(
                managerId: W.manager,
                ownerId: W.li,
                period: .quarter(2026, 2),
                category: .commit,
                amount: Money(amountMinor: 1, currency: "USD"),
                note: "n"
            ),
            as: .user(W.manager),
            rule: "TGT-04.amount",
            kind: .invalidInput
        )
    }
}
