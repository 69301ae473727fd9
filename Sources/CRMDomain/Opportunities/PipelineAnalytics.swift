// Read-model formulas of §3.1 (pipeline and funnel) and §3.2 (weighted forecast and categories) as pure
// calculators over per-opportunity funnel records, plus the fold that builds those records from recorded events.
//
// Amounts are minor units of one reporting currency (convert before, §3: "Amount in reports is converted ...").
// Rates and averages are exact fractions (`Ratio`); durations are milliseconds.

/// An exact fraction for rates and averages: `8/10 == 4/5`. A zero denominator means "undefined" (n/a), e.g. a
/// conversion from a stage nobody reached.
public struct Ratio: Hashable, Sendable, CustomStringConvertible {
    public let numerator: Int64
    public let denominator: Int64

    /// `numerator / denominator`, reduced; `denominator == 0` gives the undefined ratio `0/0`.
    public init(_ numerator: Int64, _ denominator: Int64) {
        guard denominator != 0 else {
            self.numerator = 0
            self.denominator = 0
            return
        }
        let g = Ratio.gcd(numerator, denominator)
        let sign: Int64 = denominator < 0 ? -1 : 1
        self.numerator = sign * numerator / g
        self.denominator = sign * denominator / g
    }

    public static let undefined = Ratio(0, 0)

    public var isDefined: Bool { denominator != 0 }

    /// The value as a floating-point number for display; `nil` when undefined.
    public var doubleValue: Double? { isDefined ? Double(numerator) / Double(denominator) : nil }

    /// The value times `scale`, rounded half away from zero: `Ratio(2, 3).rounded(scale: 1000) == 667`.
    public func rounded(scale: Int64) -> Int64? {
        guard isDefined else { return nil }
        let n = numerator * scale
        let q = n / denominator
        let r = n % denominator
        if 2 * abs(r) >= denominator { return q + (n < 0 ? -1 : 1) }
        return q
    }

    /// Percent with `decimals` places, e.g. `"66.7%"`; `"n/a"` when undefined.
    public func percent(decimals: Int = 1) -> String {
        var scale: Int64 = 100
        for _ in 0..<decimals { scale *= 10 }
        guard let v = rounded(scale: scale) else { return "n/a" }
        return Ratio.format(v, decimals: decimals) + "%"
    }

    /// The value with `decimals` places, e.g. `"5555.56"`; `"n/a"` when undefined.
    public func formatted(decimals: Int = 2) -> String {
        var scale: Int64 = 1
        for _ in 0..<decimals { scale *= 10 }
        guard let v = rounded(scale: scale) else { return "n/a" }
        return Ratio.format(v, decimals: decimals)
    }

    public static func * (lhs: Ratio, rhs: Ratio) -> Ratio {
        guard lhs.isDefined, rhs.isDefined else { return .undefined }
        let g1 = gcd(lhs.numerator, rhs.denominator)
        let g2 = gcd(rhs.numerator, lhs.denominator)
        return Ratio((lhs.numerator / g1) * (rhs.numerator / g2), (lhs.denominator / g2) * (rhs.denominator / g1))
    }

    public static func / (lhs: Ratio, rhs: Ratio) -> Ratio {
        guard rhs.isDefined, rhs.numerator != 0 else { return .undefined }
        return lhs * Ratio(rhs.denominator, rhs.numerator)
    }

    public var description: String { isDefined ? "\(numerator)/\(denominator)" : "n/a" }

    private static func gcd(_ a: Int64, _ b: Int64) -> Int64 {
        var x = abs(a)
        var y = abs(b)
        while y != 0 { (x, y) = (y, x % y) }
        return max(x, 1)
    }

    private static func format(_ scaled: Int64, decimals: Int) -> String {
        guard decimals > 0 else { return "\(scaled)" }
        var unit: Int64 = 1
        for _ in 0..<decimals { unit *= 10 }
        let sign = scaled < 0 ? "-" : ""
        let a = abs(scaled)
        var frac = "\(a % unit)"
        while frac.count < decimals { frac = "0" + frac }
        return "\(sign)\(a / unit).\(frac)"
    }
}

/// One visit of an opportunity to a stage; `exitedAt == nil` for the stage it is in now.
public struct StageVisit: Hashable, Sendable {
    public var stageId: String
    public var enteredAt: Timestamp
    public var exitedAt: Timestamp?

    public init(stageId: String, enteredAt: Timestamp, exitedAt: Timestamp? = nil) {
        self.stageId = stageId
        self.enteredAt = enteredAt
        self.exitedAt = exitedAt
    }

    /// `(exitedAt ?? asOf) − enteredAt`, in milliseconds.
    public func durationMs(asOf: Timestamp) -> Int64 {
        (exitedAt ?? asOf).millisecondsSinceEpoch - enteredAt.millisecondsSinceEpoch
    }
}

/// The per-opportunity state the funnel and forecast read models keep (§3.1).
public struct FunnelOpportunity: Hashable, Sendable {
    public enum Outcome: String, Hashable, Sendable, CaseIterable { case open, won, lost, void }

    public var oppId: ID
    public var ownerId: ID?
    public var createdAt: Timestamp
    public var closedAt: Timestamp?
    public var outcome: Outcome
    /// Minor units of the reporting currency.
    public var amountMinor: Int64
    /// Percent, 0...100.
    public var probability: Int64
    public var forecastCategory: ForecastCategory
    public var expectedCloseDate: LocalDate?
    /// In time order; closed (won/lost) stages are visited too.
    public var stageVisits: [StageVisit]

    public init(
        oppId: ID,
        ownerId: ID? = nil,
        createdAt: Timestamp,
        closedAt: Timestamp? = nil,
        outcome: Outcome,
        amountMinor: Int64,
        probability: Int64,
        forecastCategory: ForecastCategory,
        expectedCloseDate: LocalDate? = nil,
        stageVisits: [StageVisit]
    ) {
        self.oppId = oppId
        self.ownerId = ownerId
        self.createdAt = createdAt
        self.closedAt = closedAt
        self.outcome = outcome
        self.amountMinor = amountMinor
        self.probability = probability
        self.forecastCategory = forecastCategory
        self.expectedCloseDate = expectedCloseDate
        self.stageVisits = stageVisits
    }

    /// The visit still open (the current stage).
    public var currentVisit: StageVisit? { stageVisits.last { $0.exitedAt == nil } }
}

/// Count, value and weighted value of the open deals in one stage (§3.1 (1)).
public struct StageSnapshot: Hashable, Sendable {
    public let stageId: String
    public let count: Int64
    public let valueMinor: Int64
    /// `Σ amount · p / 100`, rounded half away from zero once per stage.
    public let weightedMinor: Int64

    public init(stageId: String, count: Int64, valueMinor: Int64, weightedMinor: Int64) {
        self.stageId = stageId
        self.count = count
        self.valueMinor = valueMinor
        self.weightedMinor = weightedMinor
    }
}

/// The open-deal snapshot per stage plus totals (the total weighted value is rounded once).
public struct PipelineSnapshot: Hashable, Sendable {
    public let stages: [StageSnapshot]
    public let totalCount: Int64
    public let totalValueMinor: Int64
    public let totalWeightedMinor: Int64

    public init(stages: [StageSnapshot], totalCount: Int64, totalValueMinor: Int64, totalWeightedMinor: Int64) {
        self.stages = stages
        self.totalCount = totalCount
        self.totalValueMinor = totalValueMinor
        self.totalWeightedMinor = totalWeightedMinor
    }
}

/// One open stage of the cumulative funnel of a cohort (§3.1 (2), (3)).
public struct FunnelStep: Hashable, Sendable {
    public let stageId: String
    /// Opportunities whose highest visited open stage is this one or later (won ones reached every stage).
    public let reached: Int64
    /// Opportunities with an actual visit to this stage.
    public let entered: Int64
    /// Opportunities of the cohort still open in this stage ("in progress" next to the conversion).
    public let inProgress: Int64
    /// `reached(next) / reached(this)`; for the last open stage `won / reached(this)`.
    public let conversionToNext: Ratio

    public init(stageId: String, reached: Int64, entered: Int64, inProgress: Int64, conversionToNext: Ratio) {
        self.stageId = stageId
        self.reached = reached
        self.entered = entered
        self.inProgress = inProgress
        self.conversionToNext = conversionToNext
    }
}

/// The cumulative funnel of a cohort (voided opportunities excluded).
public struct FunnelReport: Hashable, Sendable {
    public let steps: [FunnelStep]
    public let cohortSize: Int64
    public let won: Int64
    public let lost: Int64
    /// `won / |C|` = the product of the step conversions (WukongCRM's "win" chart).
    public let overallConversion: Ratio

    public init(steps: [FunnelStep], cohortSize: Int64, won: Int64, lost: Int64, overallConversion: Ratio) {
        self.steps = steps
        self.cohortSize = cohortSize
        self.won = won
        self.lost = lost
        self.overallConversion = overallConversion
    }
}

/// Latest and cumulative time in a stage (HubSpot semantics) and the age of the current visit (§3.1 (5)).
public struct StageTime: Hashable, Sendable {
    public let latestCompletedMs: Int64?
    public let cumulativeCompletedMs: Int64
    public let currentAgeMs: Int64?

    public init(latestCompletedMs: Int64?, cumulativeCompletedMs: Int64, currentAgeMs: Int64?) {
        self.latestCompletedMs = latestCompletedMs
        self.cumulativeCompletedMs = cumulativeCompletedMs
        self.currentAgeMs = currentAgeMs
    }
}

/// Mean and median sales-cycle length of won deals (§3.1 (6)).
public struct SalesCycle: Hashable, Sendable {
    public let count: Int64
    public let meanMs: Ratio
    public let medianMs: Ratio

    public init(count: Int64, meanMs: Ratio, medianMs: Ratio) {
        self.count = count
        self.meanMs = meanMs
        self.medianMs = medianMs
    }
}

/// The §3.1 formulas over one pipeline's stages.
public struct FunnelCalculator: Sendable {
    public static let msPerDay: Int64 = 86_400_000

    /// The open stages, in order (ranks 1...K).
    public let openStages: [PipelineStage]

    public init(stages: [PipelineStage]) {
        openStages = stages.filter(\.isOpen).sorted { $0.order < $1.order }
    }

    /// 1...K for an open stage, `nil` otherwise.
    public func rank(of stageId: String) -> Int? {
        openStages.firstIndex { $0.stageId == stageId }.map { $0 + 1 }
    }

    /// The highest open-stage rank visited; a won opportunity reached every open stage (K + 1).
    public func maxRank(_ o: FunnelOpportunity) -> Int {
        if o.outcome == .won { return openStages.count + 1 }
        return o.stageVisits.compactMap { rank(of: $0.stageId) }.max() ?? 0
    }

    /// (1) Open deals per current stage, with totals.
    public func snapshot(_ opportunities: [FunnelOpportunity]) -> PipelineSnapshot {
        var stages: [StageSnapshot] = []
        var totalCount: Int64 = 0
        var totalValue: Int64 = 0
        var totalWeightedTimes100: Int64 = 0
        for stage in openStages {
            let inStage = opportunities.filter { $0.outcome == .open && $0.currentVisit?.stageId == stage.stageId }
            let value = inStage.reduce(Int64(0)) { $0 + $1.amountMinor }
            let weightedTimes100 = inStage.reduce(Int64(0)) { $0 + $1.amountMinor * $1.probability }
            stages.append(
                StageSnapshot(
                    stageId: stage.stageId,
                    count: Int64(inStage.count),
                    valueMinor: value,
                    weightedMinor: Ratio(weightedTimes100, 100).rounded(scale: 1) ?? 0
                )
            )
            totalCount += Int64(inStage.count)
            totalValue += value
            totalWeightedTimes100 += weightedTimes100
        }
        return PipelineSnapshot(
            stages: stages,
            totalCount: totalCount,
            totalValueMinor: totalValue,
            totalWeightedMinor: Ratio(totalWeightedTimes100, 100).rounded(scale: 1) ?? 0
        )
    }

    /// (2), (3) The cumulative funnel of `cohort` (e.g. created in a period); voided opportunities are excluded.
    public func funnel(_ cohort: [FunnelOpportunity]) -> FunnelReport {
        let c = cohort.filter { $0.outcome != .void }
        let won = Int64(c.filter { $0.outcome == .won }.count)
        let ranks = c.map(maxRank)
        var steps: [FunnelStep] = []
        for (i, stage) in openStages.enumerated() {
            let k = i + 1
            let reached = Int64(ranks.filter { $0 >= k }.count)
            let next = k < openStages.count ? Int64(ranks.filter { $0 >= k + 1 }.count) : won
            steps.append(
                FunnelStep(
                    stageId: stage.stageId,
                    reached: reached,
                    entered: Int64(c.filter { $0.stageVisits.contains { $0.stageId == stage.stageId } }.count),
                    inProgress: Int64(
                        c.filter { $0.outcome == .open && $0.currentVisit?.stageId == stage.stageId }.count
                    ),
                    conversionToNext: Ratio(next, reached)
                )
            )
        }
        return FunnelReport(
            steps: steps,
            cohortSize: Int64(c.count),
            won: won,
            lost: Int64(c.filter { $0.outcome == .lost }.count),
            overallConversion: Ratio(won, Int64(c.count))
        )
    }

    /// (4) Win rate over opportunities closed in `period` (all when `nil`): `won / (won + lost)`; voided excluded.
    public static func winRate(_ opportunities: [FunnelOpportunity], closedIn period: Period? = nil) -> Ratio {
        let closed = opportunities.filter { o in
            guard o.outcome == .won || o.outcome == .lost, let at = o.closedAt else { return false }
            return period?.contains(at.date) ?? true
        }
        return Ratio(Int64(closed.filter { $0.outcome == .won }.count), Int64(closed.count))
    }

    /// WukongCRM's "win" figure: won ÷ created, over a cohort (not a win rate; labelled differently, §5 (2)).
    public static func wonPerCreated(_ cohort: [FunnelOpportunity]) -> Ratio {
        let c = cohort.filter { $0.outcome != .void }
        return Ratio(Int64(c.filter { $0.outcome == .won }.count), Int64(c.count))
    }

    /// (5) Latest completed, cumulative completed and current time in `stageId` as of `asOf`.
    public static func timeInStage(_ o: FunnelOpportunity, stageId: String, asOf: Timestamp) -> StageTime {
        let visits = o.stageVisits.filter { $0.stageId == stageId }
        let completed = visits.filter { $0.exitedAt != nil }
        return StageTime(
            latestCompletedMs: completed.last.map { $0.durationMs(asOf: asOf) },
            cumulativeCompletedMs: completed.reduce(Int64(0)) { $0 + $1.durationMs(asOf: asOf) },
            currentAgeMs: visits.last(where: { $0.exitedAt == nil }).map { $0.durationMs(asOf: asOf) }
        )
    }

    /// (5) Mean cumulative completed time in `stageId` over opportunities that left it during `period`.
    public static func averageTimeInStage(_ opportunities: [FunnelOpportunity], stageId: String, leftIn period: Period)
        -> Ratio
    {
        let left = opportunities.filter { o in
            o.outcome != .void
                && o.stageVisits.contains {
                    $0.stageId == stageId && $0.exitedAt.map { period.contains($0.date) } == true
                }
        }
        let total = left.reduce(Int64(0)) { sum, o in
            sum
                + o.stageVisits.filter { $0.stageId == stageId && $0.exitedAt != nil }
                .reduce(Int64(0)) { $0 + $1.durationMs(asOf: $1.enteredAt) }
        }
        return Ratio(total, Int64(left.count))
    }

    /// (6) Mean and median `closedAt − createdAt` over won opportunities closed in `period`.
    public static func salesCycle(_ opportunities: [FunnelOpportunity], closedIn period: Period) -> SalesCycle {
        let cycles = opportunities.compactMap { o -> Int64? in
            guard o.outcome == .won, let at = o.closedAt, period.contains(at.date) else { return nil }
            return at.millisecondsSinceEpoch - o.createdAt.millisecondsSinceEpoch
        }.sorted()
        let n = Int64(cycles.count)
        let median: Ratio
        if cycles.isEmpty {
            median = .undefined
        } else if cycles.count % 2 == 1 {
            median = Ratio(cycles[cycles.count / 2], 1)
        } else {
            median = Ratio(cycles[cycles.count / 2 - 1] + cycles[cycles.count / 2], 2)
        }
        return SalesCycle(count: n, meanMs: Ratio(cycles.reduce(0, +), n), medianMs: median)
    }

    /// (7) Open and longer than the current stage's `rottenDays` in it as of `asOf` [PD-rot].
    public func isStalled(_ o: FunnelOpportunity, asOf: Timestamp) -> Bool {
        guard o.outcome == .open, let visit = o.currentVisit,
            let rotten = openStages.first(where: { $0.stageId == visit.stageId })?.rottenDays
        else { return false }
        return visit.durationMs(asOf: asOf) > rotten * Self.msPerDay
    }

    /// (8) Opportunities open at `qualifiedStageId` or a later open stage.
    public func openQualifiedCount(_ opportunities: [FunnelOpportunity], qualifiedStageId: String) -> Int64 {
        guard let q = rank(of: qualifiedStageId) else { return 0 }
        return Int64(
            opportunities.filter { o in
                o.outcome == .open && (o.currentVisit.flatMap { rank(of: $0.stageId) } ?? 0) >= q
            }.count
        )
    }

    /// (8) Sales velocity in money per day: `openQualifiedCount × avgWonDealSize × winRate / avgCycleDays` [VEL].
    public static func velocity(
        openQualifiedCount: Int64,
        averageWonDealSize: Ratio,
        winRate: Ratio,
        averageCycleDays: Ratio
    )
        -> Ratio
    {
        Ratio(openQualifiedCount, 1) * averageWonDealSize * winRate / averageCycleDays
    }
}

// MARK: - §3.2

/// `WF(P)`: open deals closing in P weighted by probability, plus the actuals won in P (§3.2).
public struct WeightedForecast: Hashable, Sendable {
    /// `Σ amount · p / 100` over open deals with `expectedCloseDate ∈ P`, rounded once.
    public let openWeightedMinor: Int64
    /// `Σ amount` over deals won with `closedAt ∈ P` (shown separately as "closed").
    public let closedMinor: Int64
    public var totalMinor: Int64 { openWeightedMinor + closedMinor }

    public init(openWeightedMinor: Int64, closedMinor: Int64) {
        self.openWeightedMinor = openWeightedMinor
        self.closedMinor = closedMinor
    }
}

/// Forecast-category buckets and the cumulative forecasts of a period [SF-fcst]. This engine's categories have no
/// MostLikely bucket, so MostLikelyForecast equals CommitForecast and is not repeated.
public struct ForecastRollup: Hashable, Sendable {
    public let pipelineMinor: Int64
    public let bestCaseMinor: Int64
    public let commitMinor: Int64
    public let closedMinor: Int64
    /// Open deals taken out of the forecast (category omitted); lost deals are not counted.
    public let omittedMinor: Int64

    public init(pipelineMinor: Int64, bestCaseMinor: Int64, commitMinor: Int64, closedMinor: Int64, omittedMinor: Int64)
    {
        self.pipelineMinor = pipelineMinor
        self.bestCaseMinor = bestCaseMinor
        self.commitMinor = commitMinor
        self.closedMinor = closedMinor
        self.omittedMinor = omittedMinor
    }

    /// Closed + Commit.
    public var commitForecast: Int64 { closedMinor + commitMinor }
    /// Closed + Commit + BestCase.
    public var bestCaseForecast: Int64 { closedMinor + commitMinor + bestCaseMinor }
    /// Pipeline + BestCase + Commit (open deals only).
    public var openPipeline: Int64 { pipelineMinor + bestCaseMinor + commitMinor }
}

/// The §3.2 formulas.
public enum ForecastCalculator {
    /// `WF(P)`.
    public static func weighted(_ opportunities: [FunnelOpportunity], period: Period) -> WeightedForecast {
        var weightedTimes100: Int64 = 0
        var closed: Int64 = 0
        for o in opportunities {
            switch o.outcome {
            case .open:
                if let d = o.expectedCloseDate, period.contains(d) { weightedTimes100 += o.amountMinor * o.probability }
            case .won:
                if let at = o.closedAt, period.contains(at.date) { closed += o.amountMinor }
            case .lost, .void:
                break
            }
        }
        return WeightedForecast(
            openWeightedMinor: Ratio(weightedTimes100, 100).rounded(scale: 1) ?? 0,
            closedMinor: closed
        )
    }

    /// Category buckets for `period`: open deals by expected close date and category, won deals by `closedAt`.
    public static func rollup(_ opportunities: [FunnelOpportunity], period: Period) -> ForecastRollup {
        var bucket: [ForecastCategory: Int64] = [:]
        for o in opportunities {
            switch o.outcome {
            case .open:
                guard let d = o.expectedCloseDate, period.contains(d), o.forecastCategory != .closed else { continue }
                bucket[o.forecastCategory, default: 0] += o.amountMinor
            case .won:
                if let at = o.closedAt, period.contains(at.date) { bucket[.closed, default: 0] += o.amountMinor }
            case .lost, .void:
                continue
            }
        }
        return ForecastRollup(
            pipelineMinor: bucket[.pipeline] ?? 0,
            bestCaseMinor: bucket[.bestCase] ?? 0,
            commitMinor: bucket[.commit] ?? 0,
            closedMinor: bucket[.closed] ?? 0,
            omittedMinor: bucket[.omitted] ?? 0
        )
    }
}

// MARK: - Projection

/// Builds ``FunnelOpportunity`` records from recorded opportunity events (OPP-04..OPP-15): stage visits are
/// entered and exited at the events' `recordedAt`; `closedAt` is the business time of OPP-12/13. Amounts stay in
/// the opportunity's currency (`currency`), to be converted by the caller.
public struct OpportunityFunnelProjection: Sendable {
    public private(set) var records: [ID: FunnelOpportunity] = [:]
    public private(set) var currency: [ID: String] = [:]

    public init() {}

    /// Records sorted by creation time, then id.
    public var all: [FunnelOpportunity] {
        records.values.sorted { ($0.createdAt, $0.oppId) < ($1.createdAt, $1.oppId) }
    }

    public mutating func apply(_ r: RecordedDomainEvent) {
        guard r.stream.category == Opportunity.category, let id = r.stream.id else { return }
        if let e = r.event as? OpportunityCreated {
            records[id] = FunnelOpportunity(
                oppId: id,
                ownerId: e.ownerId,
                createdAt: r.recordedAt,
                outcome: .open,
                amountMinor: e.amount.amountMinor,
                probability: e.probability,
                forecastCategory: e.forecastCategory,
                expectedCloseDate: e.expectedCloseDate,
                stageVisits: [StageVisit(stageId: e.stageId, enteredAt: r.recordedAt)]
            )
            currency[id] = e.amount.currency
            return
        }
        guard var o = records[id] else { return }
        let at = r.recordedAt
        switch r.event {
        case let e as OpportunityAmountChanged:
            o.amountMinor = e.to.amountMinor
        case let e as OpportunityCloseDateChanged:
            o.expectedCloseDate = e.to
        case let e as OpportunityStageAdvanced:
            Self.visit(&o, e.toStageId, at)
            (o.probability, o.forecastCategory) = (e.probability, e.forecastCategory)
        case let e as OpportunityStageMovedBack:
            Self.visit(&o, e.toStageId, at)
            (o.probability, o.forecastCategory) = (e.probability, e.forecastCategory)
        case let e as OpportunityForecastAdjusted:
            if let p = e.probability { o.probability = p }
            if let c = e.forecastCategory { o.forecastCategory = c }
        case let e as OpportunityWon:
            Self.visit(&o, e.wonStageId, at)
            (o.outcome, o.closedAt, o.amountMinor) = (.won, e.closedAt, e.amount.amountMinor)
            (o.probability, o.forecastCategory) = (100, .closed)
        case let e as OpportunityLost:
            Self.visit(&o, e.lostStageId, at)
            (o.outcome, o.closedAt) = (.lost, e.closedAt)
            (o.probability, o.forecastCategory) = (0, .omitted)
        case is OpportunityVoided:
            o.outcome = .void
        case let e as OpportunityReopened:
            Self.visit(&o, e.toStageId, at)
            (o.outcome, o.closedAt) = (.open, nil)
            (o.probability, o.forecastCategory) = (e.probability, e.forecastCategory)
        case let e as OpportunityOwnerChanged:
            o.ownerId = e.toOwnerId
        default:
            return
        }
        records[id] = o
    }

    private static func visit(_ o: inout FunnelOpportunity, _ stageId: String, _ at: Timestamp) {
        if let i = o.stageVisits.lastIndex(where: { $0.exitedAt == nil }) { o.stageVisits[i].exitedAt = at }
        o.stageVisits.append(StageVisit(stageId: stageId, enteredAt: at))
    }
}
