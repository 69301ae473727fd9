// Targets and forecasts (catalogue §2.6, TGT-01..TGT-04). Streams: `salesTarget-<targetId>` and
// `forecast-<ownerId>:<period>`.
//
// Target values are `Int64`: minor units of the tenant's reporting currency for the money metrics
// (contractAmount, paymentAmount), plain counts for newCustomers and wonDeals.
//
// Closed months: the catalogue has no "period closed" event. A month of a target is closed once the business
// date is past its last day (`asOf > month end`, see ``SalesTarget/isClosed(month:asOf:)``); revising it then
// needs perm(reviseClosed). Revisions carry that business date as `asOf`, and a user may not back-date it.

/// Whose target it is: the company, a department (its own number, not the sum of its members) or a user.
public struct TargetScope: Codable, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: String, Codable, Hashable, Sendable, CaseIterable { case company, dept, user }
    public let kind: Kind
    /// The department or user id; `nil` for the company.
    public let id: ID?

    public init(kind: Kind, id: ID?) {
        self.kind = kind
        self.id = id
    }

    public static let company = TargetScope(kind: .company, id: nil)
    public static func dept(_ id: ID) -> TargetScope { TargetScope(kind: .dept, id: id) }
    public static func user(_ id: ID) -> TargetScope { TargetScope(kind: .user, id: id) }

    /// `company`, `dept:<id>`, `user:<id>`.
    public var description: String { id.map { "\(kind.rawValue):\($0)" } ?? kind.rawValue }
}

/// What a target measures (WK `CrmAchievement` type 1 sales / 2 payment, plus counts).
public enum TargetMetric: String, Codable, Hashable, Sendable, CaseIterable {
    case contractAmount, paymentAmount, newCustomers, wonDeals

    /// True for the metrics measured in minor units of money.
    public var isMoney: Bool { self == .contractAmount || self == .paymentAmount }
}

/// One month of a target revision (TGT-02): `month → from/to`.
public struct MonthlyTargetChange: Codable, Hashable, Sendable {
    /// 1...12.
    public let month: Int
    public let from: Int64
    public let to: Int64

    public init(month: Int, from: Int64, to: Int64) {
        self.month = month
        self.from = from
        self.to = to
    }
}

/// The three submitted forecast amounts (cumulative as in §3.2: best case includes commit).
public struct ForecastAmounts: Codable, Hashable, Sendable {
    public let commit: Money
    public let bestCase: Money
    public let pipeline: Money

    public init(commit: Money, bestCase: Money, pipeline: Money) {
        self.commit = commit
        self.bestCase = bestCase
        self.pipeline = pipeline
    }

    /// The amount of an adjustable category (commit, bestCase or pipeline).
    public func amount(_ category: ForecastCategory) -> Money? {
        switch category {
        case .commit: commit
        case .bestCase: bestCase
        case .pipeline: pipeline
        case .closed, .omitted: nil
        }
    }
}

// MARK: - Events

/// TGT-01. A yearly target with twelve monthly values is set for a scope and metric.
public struct SalesTargetSet: DomainEvent {
    public static let eventType = "SalesTargetSet"
    public let targetId: ID
    public let scope: TargetScope
    public let metric: TargetMetric
    public let year: Int
    /// Twelve values, January first.
    public let monthly: [Int64]

    public init(targetId: ID, scope: TargetScope, metric: TargetMetric, year: Int, monthly: [Int64]) {
        self.targetId = targetId
        self.scope = scope
        self.metric = metric
        self.year = year
        self.monthly = monthly
    }

    /// Claims (scope, metric, year): one target each.
    public func indexEntries(in stream: StreamRef) -> [IndexEntry] {
        [.claim(SalesTarget.key(scope: scope, metric: metric, year: year), owner: stream)]
    }
}

/// TGT-02. Monthly values of a target are revised.
public struct SalesTargetRevised: DomainEvent {
    public static let eventType = "SalesTargetRevised"
    public let targetId: ID
    public let changes: [MonthlyTargetChange]
    public let reason: String

    public init(targetId: ID, changes: [MonthlyTargetChange], reason: String) {
        self.targetId = targetId
        self.changes = changes
        self.reason = reason
    }
}

/// TGT-03. A forecast owner submits the forecast of a period.
public struct ForecastSubmitted: DomainEvent {
    public static let eventType = "ForecastSubmitted"
    public let ownerId: ID
    public let period: Period
    public let amounts: ForecastAmounts
    public let basisSnapshotId: ID

    public init(ownerId: ID, period: Period, amounts: ForecastAmounts, basisSnapshotId: ID) {
        self.ownerId = ownerId
        self.period = period
        self.amounts = amounts
        self.basisSnapshotId = basisSnapshotId
    }
}

/// TGT-04. A manager above the owner replaces one of the owner's numbers in the manager's rollup.
public struct ForecastAdjusted: DomainEvent {
    public static let eventType = "ForecastAdjusted"
    public let managerId: ID
    public let ownerId: ID
    public let period: Period
    public let category: ForecastCategory
    public let amount: Money
    public let note: String

    public init(managerId: ID, ownerId: ID, period: Period, category: ForecastCategory, amount: Money, note: String) {
        self.managerId = managerId
        self.ownerId = ownerId
        self.period = period
        self.category = category
        self.amount = amount
        self.note = note
    }
}

// MARK: - Aggregates

/// A sales target (WK `CrmAchievement`), folded from `salesTarget-<targetId>`.
public struct SalesTarget: Aggregate {
    public static let category = "salesTarget"

    public var exists = false
    public var targetId: ID?
    public var scope: TargetScope?
    public var metric: TargetMetric?
    public var year = 0
    /// Twelve values, January first (empty before TGT-01).
    public var monthly: [Int64] = []
    public var revisionCount = 0

    public init() {}

    /// The unique key of (scope, metric, year).
    public static func key(scope: TargetScope, metric: TargetMetric, year: Int) -> UniqueKey {
        UniqueKey(scope: "salesTarget.scopeMetricYear", value: "\(scope):\(metric.rawValue):\(year)")
    }

    /// A month of `year` is closed when `asOf` is past its last day.
    public static func isClosed(year: Int, month: Int, asOf: LocalDate) -> Bool {
        asOf >= Period.month(year, month).endExclusive
    }

    public func isClosed(month: Int, asOf: LocalDate) -> Bool {
        SalesTarget.isClosed(year: year, month: month, asOf: asOf)
    }

    /// The value of `month` (1...12).
    public func value(month: Int) -> Int64 { monthly.indices.contains(month - 1) ? monthly[month - 1] : 0 }

    /// The target of a period of this target's year (Σ of its months); `nil` when the period is in another year.
    public func target(for period: Period) -> Int64? {
        QuotaAttainment.target(monthly: monthly, year: year, period: period)
    }

    public mutating func apply(_ event: any DomainEvent) {
        switch event {
        case let e as SalesTargetSet:
            exists = true
            targetId = e.targetId
            scope = e.scope
            metric = e.metric
            year = e.year
            monthly = e.monthly
        case let e as SalesTargetRevised:
            for c in e.changes where monthly.indices.contains(c.month - 1) { monthly[c.month - 1] = c.to }
            revisionCount += 1
        default:
            break
        }
    }
}

/// A manager's adjustment of one forecast category.
public struct ForecastAdjustment: Hashable, Sendable {
    public var managerId: ID
    public var category: ForecastCategory
    public var amount: Money
    public var note: String
}

/// A forecast node: one owner's forecast of one period, folded from `forecast-<ownerId>:<period>`.
public struct Forecast: Aggregate {
    public static let category = "forecast"

    public var exists = false
    public var ownerId: ID?
    public var period: Period?
    /// The latest submission (raw figures).
    public var submitted: ForecastAmounts?
    public var basisSnapshotId: ID?
    public var submissionCount = 0
    /// The latest adjustment per (manager, category), in the order first made.
    public var adjustments: [ForecastAdjustment] = []

    public init() {}

    public static func stream(ownerId: ID, period: Period) -> StreamRef {
        StreamRef(Forecast.category, "\(ownerId):\(period)")
    }

    /// The figure `managerId` sees for `category`: their own adjustment if any, else the submitted amount.
    public func adjusted(_ category: ForecastCategory, by managerId: ID) -> Money? {
        adjustments.first { $0.managerId == managerId && $0.category == category }?.amount
            ?? submitted?.amount(category)
    }

    public mutating func apply(_ event: any DomainEvent) {
        switch event {
        case let e as ForecastSubmitted:
            exists = true
            ownerId = e.ownerId
            period = e.period
            submitted = e.amounts
            basisSnapshotId = e.basisSnapshotId
            submissionCount += 1
        case let e as ForecastAdjusted:
            exists = true
            ownerId = e.ownerId
            period = e.period
            let adj = ForecastAdjustment(managerId: e.managerId, category: e.category, amount: e.amount, note: e.note)
            if let i = adjustments.firstIndex(where: { $0.managerId == e.managerId && $0.category == e.category }) {
                adjustments[i] = adj
            } else {
                adjustments.append(adj)
            }
        default:
            break
        }
    }
}
