import CRMDomain
import Testing

/// The worked examples of §3.1 (funnel, time in stage, velocity) and §3.2 (weighted forecast, categories).
@Suite struct PipelineAnalyticsTests {
    let calculator = FunnelCalculator(stages: OppWorld.stages)
    let day = FunnelCalculator.msPerDay

    func at(_ m: Int, _ d: Int) -> Timestamp { Timestamp(LocalDate(2026, m, d), hour: 9) }

    /// An opportunity created on Jan 2 that walks `path` one day per stage.
    func opp(
        _ n: UInt64,
        _ path: [String],
        _ outcome: FunnelOpportunity.Outcome,
        amount: Int64 = 0,
        probability: Int64 = 0,
        category: ForecastCategory = .pipeline,
        close: LocalDate? = nil,
        closedAt: Timestamp? = nil
    ) -> FunnelOpportunity {
        let start = at(1, 2)
        var visits: [StageVisit] = []
        for (i, stage) in path.enumerated() {
            visits.append(
                StageVisit(
                    stageId: stage,
                    enteredAt: start.adding(days: i),
                    exitedAt: i + 1 < path.count ? start.adding(days: i + 1) : nil
                )
            )
        }
        return FunnelOpportunity(
            oppId: ID(n),
            createdAt: start,
            closedAt: outcome == .open ? nil : (closedAt ?? start.adding(days: path.count - 1)),
            outcome: outcome,
            amountMinor: amount * 100,
            probability: probability,
            forecastCategory: category,
            expectedCloseDate: close,
            stageVisits: visits
        )
    }

    /// The Q1 cohort of §3.1.
    var cohort: [FunnelOpportunity] {
        [
            opp(1, ["S1", "S2", "S3", "S4", "W"], .won),
            opp(2, ["S1", "S2", "S3", "L"], .lost),
            opp(3, ["S1", "S2", "L"], .lost),
            opp(4, ["S1", "L"], .lost),
            opp(5, ["S1", "S3", "S4", "W"], .won),
            opp(6, ["S1", "S2", "S3", "S4"], .open, amount: 80_000, probability: 80, category: .commit),
            opp(7, ["S1", "S2"], .open, amount: 20_000, probability: 30),
            opp(8, ["S1"], .open, amount: 50_000, probability: 10),
            opp(9, ["S1", "S2", "S3"], .open, amount: 40_000, probability: 60, category: .bestCase),
            opp(10, ["S1", "S2", "S3", "S4", "L"], .lost),
        ]
    }

    @Test func funnelReachedEnteredAndConversions() {
        let report = calculator.funnel(cohort)
        #expect(report.steps.map(\.stageId) == ["S1", "S2", "S3", "S4"])
        #expect(report.steps.map(\.reached) == [10, 8, 6, 4])
        #expect(report.won == 2 && report.lost == 4 && report.cohortSize == 10)
        #expect(report.steps.map(\.entered) == [10, 7, 6, 4])
        #expect(report.steps.map(\.conversionToNext) == [Ratio(8, 10), Ratio(6, 8), Ratio(4, 6), Ratio(2, 4)])
        #expect(report.steps.map { $0.conversionToNext.percent() } == ["80.0%", "75.0%", "66.7%", "50.0%"])
        #expect(report.steps.map(\.inProgress) == [1, 1, 1, 1])
        #expect(report.overallConversion == Ratio(2, 10))
        let product = report.steps.map(\.conversionToNext).reduce(Ratio(1, 1), *)
        #expect(product == report.overallConversion)
    }

    @Test func voidedOpportunitiesLeaveTheFunnelAndTheWinRate() {
        var withVoid = cohort
        withVoid.append(opp(11, ["S1", "S2"], .void))
        #expect(calculator.funnel(withVoid) == calculator.funnel(cohort))
        #expect(FunnelCalculator.winRate(withVoid) == Ratio(2, 6))
    }

    @Test func winRateIsWonOverClosedAndDiffersFromWonOverCreated() {
        #expect(FunnelCalculator.winRate(cohort) == Ratio(1, 3))
        #expect(FunnelCalculator.winRate(cohort).percent() == "33.3%")
        #expect(FunnelCalculator.wonPerCreated(cohort).percent() == "20.0%")
        #expect(FunnelCalculator.winRate(cohort, closedIn: .month(2026, 2)) == .undefined)
        #expect(FunnelCalculator.winRate(cohort, closedIn: .month(2026, 2)).percent() == "n/a")
        #expect(FunnelCalculator.winRate(cohort, closedIn: .quarter(2026, 1)) == Ratio(2, 6))
    }

    @Test func snapshotOfTheOpenDeals() {
        let snapshot = calculator.snapshot(cohort)
        #expect(
            snapshot.stages == [
                StageSnapshot(stageId: "S1", count: 1, valueMinor: 5_000_000, weightedMinor: 500_000),
                StageSnapshot(stageId: "S2", count: 1, valueMinor: 2_000_000, weightedMinor: 600_000),
                StageSnapshot(stageId: "S3", count: 1, valueMinor: 4_000_000, weightedMinor: 2_400_000),
                StageSnapshot(stageId: "S4", count: 1, valueMinor: 8_000_000, weightedMinor: 6_400_000),
            ]
        )
        #expect(snapshot.totalCount == 4)
        #expect(snapshot.totalValueMinor == 19_000_000)
        #expect(snapshot.totalWeightedMinor == 9_900_000)
    }

    @Test func timeInStageWithReEntry() {
        let o9 = FunnelOpportunity(
            oppId: ID(9),
            createdAt: at(1, 5),
            outcome: .open,
            amountMinor: 4_000_000,
            probability: 60,
            forecastCategory: .bestCase,
            stageVisits: [
                StageVisit(stageId: "S2", enteredAt: at(1, 5), exitedAt: at(1, 15)),
                StageVisit(stageId: "S3", enteredAt: at(1, 15), exitedAt: at(2, 1)),
                StageVisit(stageId: "S2", enteredAt: at(2, 1), exitedAt: at(2, 6)),
                StageVisit(stageId: "S3", enteredAt: at(2, 6)),
            ]
        )
        let asOf = at(3, 1)
        let s2 = FunnelCalculator.timeInStage(o9, stageId: "S2", asOf: asOf)
        #expect(s2 == StageTime(latestCompletedMs: 5 * day, cumulativeCompletedMs: 15 * day, currentAgeMs: nil))
        let s3 = FunnelCalculator.timeInStage(o9, stageId: "S3", asOf: asOf)
        #expect(s3 == StageTime(latestCompletedMs: 17 * day, cumulativeCompletedMs: 17 * day, currentAgeMs: 23 * day))
        #expect(
            FunnelCalculator.averageTimeInStage([o9], stageId: "S2", leftIn: .quarter(2026, 1)) == Ratio(15 * day, 1)
        )
        #expect(FunnelCalculator.averageTimeInStage([o9], stageId: "S2", leftIn: .quarter(2026, 2)) == .undefined)
    }

    @Test func salesCycleOfWonDeals() {
        let o1 = FunnelOpportunity(
            oppId: ID(1),
            createdAt: at(1, 2),
            closedAt: at(3, 10),
            outcome: .won,
            amountMinor: 100,
            probability: 100,
            forecastCategory: .closed,
            stageVisits: []
        )
        var o5 = o1
        o5.oppId = ID(5)
        o5.closedAt = at(2, 1)
        let lost = FunnelOpportunity(
            oppId: ID(2),
            createdAt: at(1, 2),
            closedAt: at(1, 3),
            outcome: .lost,
            amountMinor: 0,
            probability: 0,
            forecastCategory: .omitted,
            stageVisits: []
        )
        let one = FunnelCalculator.salesCycle([o1, lost], closedIn: .quarter(2026, 1))
        #expect(one.count == 1 && one.meanMs == Ratio(67 * day, 1) && one.medianMs == Ratio(67 * day, 1))
        let two = FunnelCalculator.salesCycle([o1, o5], closedIn: .quarter(2026, 1))
        #expect(two.meanMs == Ratio((67 + 30) * day, 2) && two.medianMs == Ratio((67 + 30) * day, 2))
        #expect(FunnelCalculator.salesCycle([o1], closedIn: .quarter(2026, 2)).meanMs == .undefined)
    }

    @Test func stalledDealsExceedTheStagesRottenDays() {
        // S1 has rottenDays 14; O8 entered S1 on Jan 2.
        let o8 = cohort[7]
        #expect(!calculator.isStalled(o8, asOf: at(1, 16)))
        #expect(calculator.isStalled(o8, asOf: at(1, 16).adding(minutes: 1)))
        // S2 has no rottenDays; closed deals are never stalled.
        #expect(!calculator.isStalled(cohort[6], asOf: at(12, 31)))
        #expect(!calculator.isStalled(cohort[3], asOf: at(12, 31)))
    }

    @Test func velocityExample() {
        let v = FunnelCalculator.velocity(
            openQualifiedCount: 40,
            averageWonDealSize: Ratio(25_000, 1),
            winRate: Ratio(1, 3),
            averageCycleDays: Ratio(60, 1)
        )
        #expect(v.formatted(decimals: 2) == "5555.56")
        #expect((v * Ratio(90, 1)).formatted(decimals: 0) == "500000")
        #expect(calculator.openQualifiedCount(cohort, qualifiedStageId: "S2") == 3)
        #expect(calculator.openQualifiedCount(cohort, qualifiedStageId: "S1") == 4)
    }

    // MARK: §3.2

    /// The open deals of §3.1 with the close dates of §3.2, plus 30 000 already won in Q2.
    var q2: [FunnelOpportunity] {
        [
            opp(
                6,
                ["S1", "S2", "S3", "S4"],
                .open,
                amount: 80_000,
                probability: 80,
                category: .commit,
                close: LocalDate(2026, 6, 15)
            ),
            opp(
                9,
                ["S1", "S2", "S3"],
                .open,
                amount: 40_000,
                probability: 60,
                category: .bestCase,
                close: LocalDate(2026, 5, 31)
            ),
            opp(
                7,
                ["S1", "S2"],
                .open,
                amount: 20_000,
                probability: 30,
                category: .pipeline,
                close: LocalDate(2026, 4, 30)
            ),
            opp(8, ["S1"], .open, amount: 50_000, probability: 10, category: .pipeline, close: LocalDate(2026, 7, 15)),
            opp(20, ["S1", "W"], .won, amount: 30_000, probability: 100, category: .closed, closedAt: at(4, 20)),
            opp(21, ["S1", "L"], .lost, amount: 99_000, closedAt: at(4, 21)),
            opp(22, ["S1", "W"], .won, amount: 70_000, probability: 100, category: .closed, closedAt: at(3, 31)),
        ]
    }

    @Test func weightedForecastForQ2() {
        let wf = ForecastCalculator.weighted(q2, period: .quarter(2026, 2))
        #expect(wf.closedMinor == 3_000_000)
        #expect(wf.openWeightedMinor == 9_400_000)
        #expect(wf.totalMinor == 12_400_000)
    }

    @Test func categoryRollupsForQ2() {
        let r = ForecastCalculator.rollup(q2, period: .quarter(2026, 2))
        #expect(
            r.closedMinor == 3_000_000 && r.commitMinor == 8_000_000 && r.bestCaseMinor == 4_000_000
                && r.pipelineMinor == 2_000_000
        )
        #expect(r.commitForecast == 11_000_000)
        #expect(r.bestCaseForecast == 15_000_000)
        #expect(r.openPipeline == 14_000_000)
        #expect(r.omittedMinor == 0)
        let q3 = ForecastCalculator.rollup(q2, period: .quarter(2026, 3))
        #expect(q3.pipelineMinor == 5_000_000 && q3.openPipeline == 5_000_000 && q3.closedMinor == 0)
    }

    @Test func omittedOpenDealsStayOutOfEveryForecast() {
        var deals = q2
        deals[0].forecastCategory = .omitted
        let r = ForecastCalculator.rollup(deals, period: .quarter(2026, 2))
        #expect(r.omittedMinor == 8_000_000 && r.commitMinor == 0)
        #expect(r.commitForecast == 3_000_000 && r.openPipeline == 6_000_000)
    }

    // MARK: Ratio

    @Test func ratiosAreExactAndRoundHalfAwayFromZero() {
        #expect(Ratio(8, 10) == Ratio(4, 5))
        #expect(Ratio(2, -4) == Ratio(-1, 2))
        #expect(Ratio(2, 3).rounded(scale: 1000) == 667)
        #expect(Ratio(-1, 2).rounded(scale: 1) == -1)
        #expect(Ratio(5, 0) == .undefined && Ratio(5, 0).doubleValue == nil)
        #expect(Ratio(1, 8).percent(decimals: 2) == "12.50%")
        #expect(Ratio(1, 3) / Ratio(0, 1) == .undefined)
    }
}

/// The funnel records built from real events through the store (O9's re-entry path of §3.1).
@Suite struct OpportunityFunnelProjectionTests {
    @Test func stageVisitsFollowTheRecordedEvents() throws {
        var s = try OppWorld.make()
        let ada = ActorRef.user(OppWorld.ada)
        func at(_ m: Int, _ d: Int) -> Timestamp { Timestamp(LocalDate(2026, m, d), hour: 9) }
        try s.execute(
            CreateOpportunity(
                oppId: ID(9),
                customerId: OppWorld.customer,
                pipelineId: OppWorld.pipeline,
                stageId: "S2",
                amount: OppWorld.cny(40_000),
                expectedCloseDate: LocalDate(2026, 5, 31),
                ownerId: OppWorld.ada,
                source: "web"
            ),
            as: ada,
            at: at(1, 5)
        )
        try s.execute(AdvanceOpportunityStage(oppId: ID(9), toStageId: "S3"), as: ada, at: at(1, 15))
        try s.execute(
            MoveOpportunityStageBack(oppId: ID(9), toStageId: "S2", reason: "new stakeholder"),
            as: .user(OppWorld.manager),
            at: at(2, 1)
        )
        try s.execute(AdvanceOpportunityStage(oppId: ID(9), toStageId: "S3"), as: ada, at: at(2, 6))
        try s.execute(ChangeOpportunityAmount(oppId: ID(9), amount: OppWorld.cny(45_000)), as: ada, at: at(2, 7))

        var projection = OpportunityFunnelProjection()
        for r in s.log {
            projection.apply(
                RecordedDomainEvent(
                    stream: r.stream,
                    event: r.event,
                    eventId: r.eventId,
                    correlationId: r.correlationId,
                    recordedAt: r.recordedAt,
                    actor: r.actor
                )
            )
        }
        let o9 = try #require(projection.records[ID(9)])
        #expect(
            o9.stageVisits == [
                StageVisit(stageId: "S2", enteredAt: at(1, 5), exitedAt: at(1, 15)),
                StageVisit(stageId: "S3", enteredAt: at(1, 15), exitedAt: at(2, 1)),
                StageVisit(stageId: "S2", enteredAt: at(2, 1), exitedAt: at(2, 6)),
                StageVisit(stageId: "S3", enteredAt: at(2, 6)),
            ]
        )
        #expect(
            o9.amountMinor == 4_500_000 && o9.probability == 60 && o9.forecastCategory == .bestCase
                && o9.outcome == .open
        )
        #expect(projection.currency[ID(9)] == "CNY")
        let day = FunnelCalculator.msPerDay
        #expect(
            FunnelCalculator.timeInStage(o9, stageId: "S3", asOf: at(3, 1))
                == StageTime(latestCompletedMs: 17 * day, cumulativeCompletedMs: 17 * day, currentAgeMs: 23 * day)
        )

        try s.execute(WinOpportunity(oppId: ID(9), closedAt: at(3, 10)), as: ada, at: at(3, 10))
        let last = try #require(s.log.last)
        projection.apply(
            RecordedDomainEvent(
                stream: last.stream,
                event: last.event,
                eventId: last.eventId,
                correlationId: last.correlationId,
                recordedAt: last.recordedAt,
                actor: last.actor
            )
        )
        let won = try #require(projection.records[ID(9)])
        #expect(won.outcome == .won && won.closedAt == at(3, 10) && won.currentVisit?.stageId == "W")
        #expect(FunnelCalculator(stages: OppWorld.stages).maxRank(won) == 5)
    }
}
