// Commands of catalogue §2.6 (TGT-01..TGT-04).

enum TargetDates {
    /// A business date given by a user may not lie before the command's own date: back-dating would reopen closed
    /// months and periods. The scheduler (a system actor) may catch up on earlier dates.
    static func requireNotBackdated(_ asOf: LocalDate, _ d: Decision, rule: String) throws(Rejection) {
        if !d.actor.isSystem, asOf < d.now.date {
            throw .invalidInput(rule, field: "asOf", "\(asOf) lies before today (\(d.now.date)); use today's date")
        }
    }
}

/// TGT-01: set the yearly target of a scope and metric with twelve monthly values.
public struct SetSalesTarget: Command {
    public let targetId: ID
    public let scope: TargetScope
    public let metric: TargetMetric
    public let year: Int
    public let monthly: [Int64]

    public init(targetId: ID, scope: TargetScope, metric: TargetMetric, year: Int, monthly: [Int64]) {
        self.targetId = targetId
        self.scope = scope
        self.metric = metric
        self.year = year
        self.monthly = monthly
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        try d.authorize(.create, on: .salesTarget, owner: scope.kind == .user ? scope.id : nil, rule: "TGT-01.perm")
        guard monthly.count == 12 else {
            throw .invalidInput("TGT-01.monthly", field: "monthly", "needs 12 monthly values, got \(monthly.count)")
        }
        guard (2000...9999).contains(year) else {
            throw .invalidInput("TGT-01.year", field: "year", "\(year) is not a plausible target year")
        }
        let org = d.organisation
        switch scope.kind {
        case .company:
            if scope.id != nil { throw .invalidInput("TGT-01.scope", field: "scope.id", "a company target has no id") }
        case .dept:
            guard let id = scope.id else { throw .missing("TGT-01.scope", field: "scope.id") }
            guard org.departments[id] != nil else { throw .notFound("TGT-01.scopeExists", "department", id: id) }
        case .user:
            guard let id = scope.id else { throw .missing("TGT-01.scope", field: "scope.id") }
            guard org.isActiveUser(id) else { throw .notFound("TGT-01.scopeExists", "user", id: id) }
        }
        if let (month, value) = monthly.enumerated().first(where: { $0.element < 0 }).map({
            ($0.offset + 1, $0.element)
        }) {
            throw .violated(
                "TGT-01.amountsNonNegative",
                "the target for month \(month) is \(value); targets must be ≥ 0",
                ["month": "\(month)", "value": "\(value)"]
            )
        }
        guard d.load(SalesTarget.self, targetId) == nil else {
            throw .alreadyExists("TGT-01.targetIdUnique", "salesTarget", targetId)
        }
        if let existing = d.lookup(SalesTarget.key(scope: scope, metric: metric, year: year)) {
            throw .violated(
                "TGT-01.oneTargetPerScope",
                "\(scope) already has a \(metric.rawValue) target for \(year) (\(existing)); revise that one instead",
                ["scope": scope.description, "metric": metric.rawValue, "year": "\(year)", "existing": existing.name]
            )
        }
        d.emit(
            SalesTargetSet(targetId: targetId, scope: scope, metric: metric, year: year, monthly: monthly),
            to: .of(SalesTarget.self, targetId)
        )
    }
}

/// One requested month change of ``ReviseSalesTarget``.
public struct MonthlyTargetRevision: Hashable, Sendable {
    public let month: Int
    public let to: Int64

    public init(month: Int, to: Int64) {
        self.month = month
        self.to = to
    }
}

/// TGT-02: revise monthly values. A month is closed when `asOf` (the business date of the revision) is past its
/// last day; revising a closed month needs perm(reviseClosed).
public struct ReviseSalesTarget: Command {
    public let targetId: ID
    public let changes: [MonthlyTargetRevision]
    public let reason: String
    public let asOf: LocalDate

    public init(targetId: ID, changes: [MonthlyTargetRevision], reason: String, asOf: LocalDate) {
        self.targetId = targetId
        self.changes = changes
        self.reason = reason
        self.asOf = asOf
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        guard let t = d.load(SalesTarget.self, targetId), t.exists, let scope = t.scope else {
            throw .notFound("TGT-02.targetExists", "salesTarget", id: targetId)
        }
        let owner = scope.kind == .user ? scope.id : nil
        let stream = StreamRef.of(SalesTarget.self, targetId)
        try d.authorize(.edit, on: .salesTarget, owner: owner, record: stream, rule: "TGT-02.perm")
        try Rejection.require(reason, "TGT-02.reason", field: "reason")
        try TargetDates.requireNotBackdated(asOf, d, rule: "TGT-02.asOf")
        guard !changes.isEmpty else { throw .missing("TGT-02.changes", field: "changes") }
        var seen = Set<Int>()
        var out: [MonthlyTargetChange] = []
        for c in changes {
            guard (1...12).contains(c.month) else {
                throw .invalidInput("TGT-02.changes", field: "changes.month", "\(c.month) is not a month (1...12)")
            }
            guard seen.insert(c.month).inserted else {
                throw .invalidInput("TGT-02.changes", field: "changes.month", "month \(c.month) is listed twice")
            }
            guard c.to >= 0 else {
                throw .violated(
                    "TGT-02.amountsNonNegative",
                    "the new target for month \(c.month) is \(c.to); targets must be ≥ 0",
                    ["month": "\(c.month)", "to": "\(c.to)"]
                )
            }
            let from = t.value(month: c.month)
            guard from != c.to else {
                throw .invalidInput("TGT-02.changes", field: "changes.to", "month \(c.month) is already \(from)")
            }
            out.append(MonthlyTargetChange(month: c.month, from: from, to: c.to))
        }
        let closed = out.map(\.month).filter { t.isClosed(month: $0, asOf: asOf) }
        if !closed.isEmpty {
            try d.authorize(.reviseClosed, on: .salesTarget, owner: owner, record: stream, rule: "TGT-02.monthClosed")
        }
        d.emit(SalesTargetRevised(targetId: targetId, changes: out, reason: reason), to: stream)
    }
}

/// TGT-03: the owner of a forecast node submits the forecast of a period that has not ended at `asOf`.
public struct SubmitForecast: Command {
    public let ownerId: ID
    public let period: Period
    public let amounts: ForecastAmounts
    public let basisSnapshotId: ID
    public let asOf: LocalDate

    public init(ownerId: ID, period: Period, amounts: ForecastAmounts, basisSnapshotId: ID, asOf: LocalDate) {
        self.ownerId = ownerId
        self.period = period
        self.amounts = amounts
        self.basisSnapshotId = basisSnapshotId
        self.asOf = asOf
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let stream = Forecast.stream(ownerId: ownerId, period: period)
        try d.authorize(.submit, on: .forecast, owner: ownerId, record: stream, rule: "TGT-03.perm")
        try TargetDates.requireNotBackdated(asOf, d, rule: "TGT-03.asOf")
        try ForecastChecks.validate(amounts, rule: "TGT-03.amounts")
        guard d.organisation.isActiveUser(ownerId) else { throw .notFound("TGT-03.ownerActive", "user", id: ownerId) }
        guard asOf < period.endExclusive else {
            throw .invalidState(
                "TGT-03.periodOpen",
                "period \(period) ended on \(period.endExclusive.adding(days: -1)); forecasts can only be submitted "
                    + "for open periods",
                ["period": period.description, "asOf": asOf.description]
            )
        }
        if !d.actor.isSystem, d.actor.userId != ownerId {
            throw .violated(
                "TGT-03.ownsNode",
                "\(d.actor) does not own the forecast node of user \(ownerId); only the owner submits it (managers "
                    + "adjust with TGT-04)",
                ["ownerId": ownerId.description, "actor": d.actor.description]
            )
        }
        d.emit(
            ForecastSubmitted(ownerId: ownerId, period: period, amounts: amounts, basisSnapshotId: basisSnapshotId),
            to: stream
        )
    }
}

/// TGT-04: a manager above the owner adjusts one category of the owner's forecast in the manager's rollup.
public struct AdjustForecast: Command {
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

    public func decide(_ d: inout Decision) throws(Rejection) {
        let stream = Forecast.stream(ownerId: ownerId, period: period)
        try d.authorize(.edit, on: .forecast, owner: ownerId, record: stream, rule: "TGT-04.perm")
        try Rejection.require(note, "TGT-04.note", field: "note")
        guard [.commit, .bestCase, .pipeline].contains(category) else {
            throw .invalidInput(
                "TGT-04.category",
                field: "category",
                "\(category.rawValue) is not adjustable; adjust commit, bestCase or pipeline"
            )
        }
        guard !amount.isNegative else {
            throw .invalidInput("TGT-04.amount", field: "amount", "must not be negative, got \(amount)")
        }
        if !d.actor.isSystem, d.actor.userId != managerId {
            throw .violated(
                "TGT-04.managerIsActor",
                "\(d.actor) cannot adjust on behalf of manager \(managerId); adjust as yourself",
                ["managerId": managerId.description]
            )
        }
        let org = d.organisation
        guard org.isActiveUser(managerId) else { throw .notFound("TGT-04.managerActive", "user", id: managerId) }
        guard org.users[ownerId] != nil else { throw .notFound("TGT-04.ownerExists", "user", id: ownerId) }
        guard managerId != ownerId, org.isSubordinate(ownerId, of: managerId) else {
            throw .violated(
                "TGT-04.managerAbove",
                "user \(managerId) is not above user \(ownerId) in the reporting hierarchy; only their managers adjust "
                    + "their forecast",
                ["managerId": managerId.description, "ownerId": ownerId.description]
            )
        }
        if let f = d.load(Forecast.self, stream: stream), let submitted = f.submitted,
            submitted.commit.currency != amount.currency
        {
            throw .invalidInput(
                "TGT-04.amount",
                field: "amount.currency",
                "the forecast is in \(submitted.commit.currency), the adjustment in \(amount.currency)"
            )
        }
        d.emit(
            ForecastAdjusted(
                managerId: managerId,
                ownerId: ownerId,
                period: period,
                category: category,
                amount: amount,
                note: note
            ),
            to: stream
        )
    }
}

enum ForecastChecks {
    static func validate(_ a: ForecastAmounts, rule: String) throws(Rejection) {
        let all = [("commit", a.commit), ("bestCase", a.bestCase), ("pipeline", a.pipeline)]
        for (name, m) in all {
            guard m.currency == a.commit.currency else {
                throw .invalidInput(
                    rule,
                    field: "amounts.\(name)",
                    "is in \(m.currency), commit in \(a.commit.currency)"
                )
            }
            guard !m.isNegative else { throw .invalidInput(rule, field: "amounts.\(name)", "must not be negative") }
        }
        guard a.commit.amountMinor <= a.bestCase.amountMinor else {
            throw .invalidInput(
                rule,
                field: "amounts.bestCase",
                "best case (\(a.bestCase.amountMinor)) is cumulative and cannot be below commit "
                    + "(\(a.commit.amountMinor))"
            )
        }
    }
}
