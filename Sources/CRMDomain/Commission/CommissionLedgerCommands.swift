// Commands of catalogue §2.7, the commission ledger (COM-06..COM-10).

/// The facts of a crediting source: the amount credited, its business date and the contract it belongs to.
struct CreditedSource {
    let amount: Money
    let date: LocalDate
    let contract: Contract

    /// Loads a crediting source; throws under `rule` when it does not (yet) qualify.
    static func load(_ source: CommissionSource, in d: inout Decision, rule: String) throws(Rejection) -> CreditedSource
    {
        switch source.type.credited {
        case .paymentVerified:
            guard let p = d.load(Payment.self, source.id), p.exists, let amount = p.amount, let at = p.receivedAt,
                let cid = p.contractId, let c = d.load(Contract.self, cid)
            else { throw .notFound(rule, "payment", id: source.id) }
            guard p.status == .verified else {
                throw .invalidState(
                    rule,
                    "payment \(p.number) is \(p.status.rawValue); only verified payments earn commission"
                )
            }
            return CreditedSource(amount: amount, date: at.date, contract: c)
        case .contractSigned:
            guard let c = d.load(Contract.self, source.id), c.exists, let amount = c.amount else {
                throw .notFound(rule, "contract", id: source.id)
            }
            guard c.status == .signed || c.status == .expired, let at = c.signedAt else {
                throw .invalidState(
                    rule,
                    "contract \(c.number) is \(c.status.rawValue); only signed contracts earn commission"
                )
            }
            return CreditedSource(amount: amount, date: at.date, contract: c)
        case .invoiceIssued:
            guard let inv = d.load(Invoice.self, source.id), inv.exists, let amount = inv.amount,
                let cid = inv.contractId, let c = d.load(Contract.self, cid)
            else { throw .notFound(rule, "invoice", id: source.id) }
            guard inv.status == .issued, let at = inv.issuedAt else {
                throw .invalidState(
                    rule,
                    "invoice \(inv.applyNo) is \(inv.status.rawValue); only issued invoices earn commission"
                )
            }
            return CreditedSource(amount: amount, date: at.date, contract: c)
        default:
            throw .invalidInput(rule, field: "source.type", "\(source.type.rawValue) does not credit commission")
        }
    }

    /// The share of a reversing source that is reversed so far, as `numerator / denominator`.
    static func reversedFraction(_ source: CommissionSource, in d: inout Decision, rule: String) throws(Rejection) -> (
        Int64, Int64
    ) {
        switch source.type {
        case .paymentReversed:
            guard let p = d.load(Payment.self, source.id), p.exists, let amount = p.amount, amount.amountMinor > 0
            else {
                throw .notFound(rule, "payment", id: source.id)
            }
            guard p.reversedMinor > 0 else {
                throw .invalidState(rule, "payment \(p.number) has no reversal", ["paymentId": source.id.description])
            }
            return (p.reversedMinor, amount.amountMinor)
        case .contractVoided:
            guard let c = d.load(Contract.self, source.id), c.exists else {
                throw .notFound(rule, "contract", id: source.id)
            }
            guard c.status == .voided else {
                throw .invalidState(
                    rule,
                    "contract \(c.number) is \(c.status.rawValue), not void",
                    ["contractId": source.id.description]
                )
            }
            return (1, 1)
        case .invoiceReversed:
            guard let inv = d.load(Invoice.self, source.id), inv.exists else {
                throw .notFound(rule, "invoice", id: source.id)
            }
            guard inv.status == .reversed else {
                throw .invalidState(
                    rule,
                    "invoice \(inv.applyNo) is \(inv.status.rawValue), not reversed",
                    ["invoiceId": source.id.description]
                )
            }
            return (1, 1)
        default:
            throw .invalidInput(rule, field: "source.type", "\(source.type.rawValue) is not a reversal")
        }
    }
}

/// Which plans apply to a payee, and with which credit share.
enum CommissionAssignments {
    /// The approved plans with `basis` assigned to `payeeId` on `date`: the payee's personal assignments, or, when
    /// there is none for this basis, those of the payee's team (department). A personal plan replaces the team
    /// plan of the same basis, so nobody is paid twice for one event.
    static func plans(for payeeId: ID, basis: CommissionBasis, on date: LocalDate, in d: inout Decision) -> [(
        ID, CommissionPlan
    )] {
        func matching(_ payee: CommissionPayee) -> [(ID, CommissionPlan)] {
            d.children(of: payee.stream, category: CommissionPlan.category).compactMap { s in
                guard let p = d.load(CommissionPlan.self, stream: s), let id = p.planId,
                    p.approvedDefinition?.basis == basis, p.assignment(for: payee, on: date) != nil
                else { return nil }
                return (id, p)
            }
        }
        let personal = matching(.user(payeeId))
        if !personal.isEmpty { return personal }
        guard let dept = d.organisation.users[payeeId]?.departmentId else { return [] }
        return matching(.team(dept))
    }

    /// The payee's credit share of a contract in basis points: by the revenue splits of its opportunity when the
    /// plan honours them and the opportunity has revenue splits, else 100 % for the contract owner.
    static func share(of payeeId: ID, contract: Contract, policy: CommissionSplitPolicy, in d: inout Decision) -> Int64
    {
        if policy == .revenueSplits, let oid = contract.opportunityId, let opp = d.load(Opportunity.self, oid),
            opp.splitType == .revenue, !opp.splits.isEmpty
        {
            return opp.splits.filter { $0.userId == payeeId }.reduce(0) { $0 + $1.percentBasisPoints }
        }
        return contract.ownerId == payeeId ? CommissionCalculator.whole : 0
    }

    /// Everyone who may be credited for a contract: its owner and the users of its opportunity's splits.
    static func candidates(for contract: Contract, in d: inout Decision) -> [ID] {
        var ids: [ID] = contract.ownerId.map { [$0] } ?? []
        if let oid = contract.opportunityId, let opp = d.load(Opportunity.self, oid) {
            for s in opp.splits where !ids.contains(s.userId) { ids.append(s.userId) }
        }
        return ids
    }

    /// The payee's target for `period` when the plan is target-based: the user target of the metric matching the
    /// basis (paymentAmount for payment-based plans, contractAmount otherwise).
    static func target(for payeeId: ID, plan: CommissionPlanDefinition, period: Period, in d: inout Decision) -> Int64?
    {
        guard plan.isTargetBased else { return nil }
        let metric: TargetMetric = plan.basis == .paymentVerified ? .paymentAmount : .contractAmount
        guard let s = d.lookup(SalesTarget.key(scope: .user(payeeId), metric: metric, year: period.year)),
            let t = d.load(SalesTarget.self, stream: s)
        else { return nil }
        return t.target(for: period)
    }

    /// The first period of `kind` from `start` on whose statement for the payee is not closed.
    static func openPeriod(from start: Period, payeeId: ID, in d: inout Decision) -> Period {
        var p = start
        while d.load(CommissionLedger.self, stream: CommissionLedger.stream(payeeId: payeeId, period: p))?.closed
            == true
        {
            p = p.next
        }
        return p
    }
}

/// COM-06: accrue commission for a payee under a plan from a crediting source (issued by the commission process).
///
/// Idempotent per (source, payee, plan): a repeated accrual emits nothing. The period is the plan period holding
/// the source's business date (receivedAt, signedAt or issuedAt); when that statement is closed the accrual posts
/// to the next open period. `commissionDelta = C(B_after) − accrued so far`, so the period total is always C(B).
public struct AccrueCommission: Command {
    public let payeeId: ID
    public let planId: ID
    public let source: CommissionSource

    public init(payeeId: ID, planId: ID, source: CommissionSource) {
        self.payeeId = payeeId
        self.planId = planId
        self.source = source
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        try d.authorize(.adjustCommission, on: .commission, owner: payeeId, rule: "COM-06.perm")
        guard !source.type.isReversal else {
            throw .invalidInput("COM-06.source", field: "source.type", "\(source.type.rawValue) is a reversal (COM-07)")
        }
        guard let plan = d.load(CommissionPlan.self, planId), plan.exists else {
            throw .notFound("COM-06.planExists", "commissionPlan", id: planId)
        }
        guard let def = plan.approvedDefinition, let version = plan.approvedVersion else {
            throw .invalidState(
                "COM-06.planApproved",
                "commission plan \(planId) has never been approved; it accrues nothing",
                ["planId": planId.description]
            )
        }
        guard CommissionSource.Kind(def.basis) == source.type else {
            throw .violated(
                "COM-06.basis",
                "plan '\(def.name)' pays on \(def.basis.rawValue), not on \(source.type.rawValue)",
                ["basis": def.basis.rawValue, "source": source.type.rawValue]
            )
        }
        if d.lookup(CommissionLedger.accrualKey(source: source, payeeId: payeeId, planId: planId)) != nil { return }
        let facts = try CreditedSource.load(source, in: &d, rule: "COM-06.sourceQualifies")
        guard
            CommissionAssignments.plans(for: payeeId, basis: def.basis, on: facts.date, in: &d).contains(where: {
                $0.0 == planId
            })
        else {
            throw .violated(
                "COM-06.assigned",
                "plan '\(def.name)' is not assigned to user \(payeeId) on \(facts.date) (or a personal plan replaces "
                    + "the team plan)",
                ["payeeId": payeeId.description, "planId": planId.description, "date": facts.date.description]
            )
        }
        let share = CommissionAssignments.share(of: payeeId, contract: facts.contract, policy: def.splitPolicy, in: &d)
        guard share > 0 else {
            throw .violated(
                "COM-06.creditShare",
                "user \(payeeId) has no credit share in contract \(facts.contract.number)",
                ["payeeId": payeeId.description]
            )
        }
        let currency = facts.amount.currency
        guard def.currency == currency else {
            throw .invalidInput(
                "COM-06.currency",
                field: "source.amount",
                "is in \(currency); plan '\(def.name)' pays in \(def.currency ?? "?")"
            )
        }
        let period = CommissionAssignments.openPeriod(
            from: Period.containing(facts.date, kind: def.period),
            payeeId: payeeId,
            in: &d
        )
        let (position, ledger) = CommissionPosition.read(payeeId: payeeId, planId: planId, period: period, in: &d)
        if let c = ledger?.currency, c != currency {
            throw .invalidInput(
                "COM-06.currency",
                field: "source.amount",
                "is in \(currency); the \(period) statement is in \(c)"
            )
        }
        let parts = CommissionCalculator.creditedParts(
            lines: facts.contract.lines.map(CommissionCalculator.Line.init),
            documentMinor: facts.contract.amount?.amountMinor ?? 0,
            sourceMinor: facts.amount.amountMinor,
            shareBasisPoints: share,
            currency: currency,
            plan: def
        )
        var after = position.base
        after.add(parts)
        let target = CommissionAssignments.target(for: payeeId, plan: def, period: period, in: &d)
        let result = CommissionCalculator.commission(after, plan: def, targetMinor: target)
        d.emit(
            CommissionAccrued(
                payeeId: payeeId,
                planId: planId,
                planVersion: version,
                period: period,
                source: source,
                creditedBase: Money(amountMinor: parts.reduce(0) { $0 + $1.amount.amountMinor }, currency: currency),
                commissionDelta: Money(amountMinor: result.totalMinor - position.accruedMinor, currency: currency),
                tierAfter: result.tier,
                parts: parts
            ),
            to: CommissionLedger.stream(payeeId: payeeId, period: period)
        )
    }
}

/// COM-07: claw back commission after a payment reversal, contract void or invoice reversal (issued by the
/// commission process). The original period's commission is recomputed on its tier base without the reversed
/// slices; the delta posts into the original period while it is open, else into the current open period
/// (the period holding `asOf`, or the next open one). Idempotent: it reverses up to the share of the source
/// reversed so far, so a repeated command emits nothing.
public struct ReverseCommission: Command {
    public let payeeId: ID
    public let planId: ID
    public let source: CommissionSource
    public let asOf: LocalDate

    public init(payeeId: ID, planId: ID, source: CommissionSource, asOf: LocalDate) {
        self.payeeId = payeeId
        self.planId = planId
        self.source = source
        self.asOf = asOf
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        try d.authorize(.adjustCommission, on: .commission, owner: payeeId, rule: "COM-07.perm")
        guard source.type.isReversal else {
            throw .invalidInput(
                "COM-07.source",
                field: "source.type",
                "\(source.type.rawValue) is not a reversal (COM-06)"
            )
        }
        let original = source.credited
        guard let stream = d.lookup(CommissionLedger.accrualKey(source: original, payeeId: payeeId, planId: planId)),
            let ledger = d.load(CommissionLedger.self, stream: stream), let originalPeriod = ledger.period,
            let accrual = ledger.accruals.first(where: { $0.source == original && $0.planId == planId })
        else {
            throw .violated(
                "COM-07.originalAccrualExists",
                "user \(payeeId) has no commission accrued under plan \(planId) for \(original); nothing to reverse",
                ["payeeId": payeeId.description, "planId": planId.description, "source": original.description]
            )
        }
        guard let plan = d.load(CommissionPlan.self, planId), let def = plan.approvedDefinition,
            let version = plan.approvedVersion
        else { throw .notFound("COM-07.planExists", "commissionPlan", id: planId) }
        let (numerator, denominator) = try CreditedSource.reversedFraction(
            source,
            in: &d,
            rule: "COM-07.sourceReversed"
        )
        let (position, _) = CommissionPosition.read(payeeId: payeeId, planId: planId, period: originalPeriod, in: &d)
        let already = position.reversedBySource[original] ?? CommissionBase()
        var reversed: [CommissionBasePart] = []
        for part in accrual.parts {
            let due =
                CommissionMath.mulDiv(part.amount.amountMinor, numerator, denominator) - already.amount(part.bucket)
            if due != 0 {
                reversed.append(
                    CommissionBasePart(
                        amount: Money(amountMinor: due, currency: part.amount.currency),
                        overrideRateBasisPoints: part.overrideRateBasisPoints,
                        countsTowardTiers: part.countsTowardTiers
                    )
                )
            }
        }
        guard !reversed.isEmpty else { return }
        var period = originalPeriod
        if ledger.closed {
            var current = Period.containing(asOf, kind: originalPeriod.kind)
            if current <= originalPeriod { current = originalPeriod.next }
            period = CommissionAssignments.openPeriod(from: current, payeeId: payeeId, in: &d)
        }
        var after = position.base
        after.add(reversed, sign: -1)
        let target = CommissionAssignments.target(for: payeeId, plan: def, period: originalPeriod, in: &d)
        let result = CommissionCalculator.commission(after, plan: def, targetMinor: target)
        let currency = accrual.parts.first?.amount.currency ?? ledger.currency ?? def.currency ?? ""
        d.emit(
            CommissionReversed(
                payeeId: payeeId,
                period: period,
                source: source,
                commissionDelta: Money(amountMinor: result.totalMinor - position.accruedMinor, currency: currency),
                planId: planId,
                planVersion: version,
                originalPeriod: originalPeriod,
                reversedParts: reversed
            ),
            to: CommissionLedger.stream(payeeId: payeeId, period: period)
        )
    }
}

/// COM-08: adjust a payee's open statement by hand (positive or negative), approved by `approvedBy`.
public struct AdjustCommission: Command {
    public let payeeId: ID
    public let period: Period
    public let amount: Money
    public let reason: String
    public let approvedBy: ID

    public init(payeeId: ID, period: Period, amount: Money, reason: String, approvedBy: ID) {
        self.payeeId = payeeId
        self.period = period
        self.amount = amount
        self.reason = reason
        self.approvedBy = approvedBy
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let stream = CommissionLedger.stream(payeeId: payeeId, period: period)
        try d.authorize(.adjustCommission, on: .commission, owner: payeeId, record: stream, rule: "COM-08.perm")
        try Rejection.require(reason, "COM-08.reason", field: "reason")
        try Rejection.require(amount.currency, "COM-08.amount", field: "amount.currency")
        guard amount.amountMinor != 0 else { throw .invalidInput("COM-08.amount", field: "amount", "must not be 0") }
        guard d.organisation.users[payeeId] != nil else { throw .notFound("COM-08.payeeExists", "user", id: payeeId) }
        guard d.organisation.isActiveUser(approvedBy) else {
            throw .notFound("COM-08.approverActive", "user", id: approvedBy)
        }
        let ledger = d.load(CommissionLedger.self, stream: stream)
        if ledger?.closed == true {
            throw .invalidState(
                "COM-08.periodOpen",
                "the \(period) statement of user \(payeeId) is closed; post the adjustment to the next open period",
                ["period": period.description]
            )
        }
        if let c = ledger?.currency, c != amount.currency {
            throw .invalidInput(
                "COM-08.amount",
                field: "amount.currency",
                "is \(amount.currency); the statement is in \(c)"
            )
        }
        d.emit(
            CommissionAdjusted(
                payeeId: payeeId,
                period: period,
                amount: amount,
                reason: reason,
                approvedBy: approvedBy
            ),
            to: stream
        )
    }
}

/// COM-09: close the statement of an ended period (`asOf` after its last day). `currency` is the statement's
/// currency when it has no line yet.
public struct CloseCommissionStatement: Command {
    public let payeeId: ID
    public let period: Period
    public let asOf: LocalDate
    public let currency: String

    public init(payeeId: ID, period: Period, asOf: LocalDate, currency: String) {
        self.payeeId = payeeId
        self.period = period
        self.asOf = asOf
        self.currency = currency
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let stream = CommissionLedger.stream(payeeId: payeeId, period: period)
        try d.authorize(.close, on: .commission, owner: payeeId, record: stream, rule: "COM-09.perm")
        if !d.actor.isSystem, asOf > d.now.date {
            throw .invalidInput("COM-09.asOf", field: "asOf", "\(asOf) lies after today (\(d.now.date))")
        }
        guard d.organisation.users[payeeId] != nil else { throw .notFound("COM-09.payeeExists", "user", id: payeeId) }
        guard asOf >= period.endExclusive else {
            throw .invalidState(
                "COM-09.periodEnded",
                "period \(period) ends on \(period.endExclusive.adding(days: -1)); close its statement after that "
                    + "(asOf \(asOf))",
                ["period": period.description, "asOf": asOf.description]
            )
        }
        let ledger = d.load(CommissionLedger.self, stream: stream) ?? CommissionLedger()
        guard !ledger.closed else {
            throw .invalidState(
                "COM-09.notClosed",
                "the \(period) statement of user \(payeeId) is already closed",
                ["period": period.description]
            )
        }
        if let c = ledger.currency, c != currency {
            throw .invalidInput("COM-09.currency", field: "currency", "is \(currency); the statement is in \(c)")
        }
        d.emit(
            CommissionStatementClosed(
                payeeId: payeeId,
                period: period,
                total: Money(amountMinor: ledger.totalMinor, currency: ledger.currency ?? currency),
                lineCount: ledger.lineCount
            ),
            to: stream
        )
    }
}

/// COM-10: record a payout of a closed statement; Σ paid stays ≤ the statement total.
public struct PayCommission: Command {
    public let payeeId: ID
    public let period: Period
    public let amount: Money
    public let paidAt: Timestamp
    public let payrollRef: String

    public init(payeeId: ID, period: Period, amount: Money, paidAt: Timestamp, payrollRef: String) {
        self.payeeId = payeeId
        self.period = period
        self.amount = amount
        self.paidAt = paidAt
        self.payrollRef = payrollRef
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let stream = CommissionLedger.stream(payeeId: payeeId, period: period)
        try d.authorize(.edit, on: .commission, owner: payeeId, record: stream, rule: "COM-10.perm")
        try Rejection.require(payrollRef, "COM-10.payrollRef", field: "payrollRef")
        guard amount.amountMinor > 0 else { throw .invalidInput("COM-10.amount", field: "amount", "must be > 0") }
        guard paidAt <= d.now else {
            throw .invalidInput("COM-10.paidAt", field: "paidAt", "\(paidAt) is in the future")
        }
        guard let ledger = d.load(CommissionLedger.self, stream: stream), ledger.closed, let total = ledger.closedTotal
        else {
            throw .invalidState(
                "COM-10.statementClosed",
                "the \(period) statement of user \(payeeId) is not closed; close it before paying",
                ["period": period.description]
            )
        }
        guard amount.currency == total.currency else {
            throw .invalidInput(
                "COM-10.amount",
                field: "amount.currency",
                "is \(amount.currency); the statement is in \(total.currency)"
            )
        }
        guard ledger.paidMinor + amount.amountMinor <= total.amountMinor else {
            throw .violated(
                "COM-10.paidWithinTotal",
                "paying \(amount.amountMinor) would bring the payouts to "
                    + "\(ledger.paidMinor + amount.amountMinor), above the statement total \(total.amountMinor) "
                    + "(\(max(0, total.amountMinor - ledger.paidMinor)) is left)",
                ["paid": "\(ledger.paidMinor)", "amount": "\(amount.amountMinor)", "total": "\(total.amountMinor)"]
            )
        }
        d.emit(
            CommissionPaid(payeeId: payeeId, period: period, amount: amount, paidAt: paidAt, payrollRef: payrollRef),
            to: stream
        )
    }
}
