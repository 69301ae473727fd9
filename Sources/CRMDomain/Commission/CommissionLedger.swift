// The commission ledger (catalogue §2.7, COM-06..COM-10), one stream per payee and period:
// `commissionLedger-<payeeId>:<period>` (period as `2026-Q2`, `2026-04` or `2026`, the plan's period kind).
//
// Payload additions beyond the catalogue, needed to recompute tiers (§3.4) from the ledger alone:
// - COM-06 `CommissionAccrued` carries `planVersion` (the catalogue's `planId@version`) and `parts`, the credited
//   base split into tier-paid and override slices (their sum is `creditedBase`).
// - COM-07 `CommissionReversed` carries `planId`, `planVersion`, `originalPeriod` (where the reversed accrual
//   was posted) and `reversedParts`, the base slices taken out of that period.
//
// Index: an accrual claims `commission.accrual=<source>:<payee>:<plan>` (idempotency and "an original accrual
// exists"), links its ledger to the plan (COM-04 checks closed statements through it) and to
// `commissionSource-<type>:<id>` (the commission process finds the accruals to reverse through it). A reversal
// posted into a later period links that ledger to the original period's ledger.

/// What credited (or reversed) a base.
public struct CommissionSource: Codable, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: String, Codable, Hashable, Sendable, CaseIterable {
        /// Crediting kinds (COM-06), one per plan basis.
        case paymentVerified, contractSigned, invoiceIssued
        /// Reversing kinds (COM-07).
        case paymentReversed, contractVoided, invoiceReversed

        public var isReversal: Bool { [.paymentReversed, .contractVoided, .invoiceReversed].contains(self) }

        /// The crediting kind a reversal undoes (itself for crediting kinds).
        public var credited: Kind {
            switch self {
            case .paymentReversed: .paymentVerified
            case .contractVoided: .contractSigned
            case .invoiceReversed: .invoiceIssued
            default: self
            }
        }

        /// The reversing kind of a crediting kind (itself for reversing kinds).
        public var reversal: Kind {
            switch self {
            case .paymentVerified: .paymentReversed
            case .contractSigned: .contractVoided
            case .invoiceIssued: .invoiceReversed
            default: self
            }
        }

        /// The crediting kind of a plan basis.
        public init(_ basis: CommissionBasis) {
            switch basis {
            case .paymentVerified: self = .paymentVerified
            case .contractSigned: self = .contractSigned
            case .invoiceIssued: self = .invoiceIssued
            }
        }
    }

    /// `type` is the catalogue's name for the kind.
    public let type: Kind
    /// The payment, contract or invoice id.
    public let id: ID

    public init(type: Kind, id: ID) {
        self.type = type
        self.id = id
    }

    public var description: String { "\(type.rawValue):\(id)" }

    /// The crediting source this source refers to (itself when crediting).
    public var credited: CommissionSource { CommissionSource(type: type.credited, id: id) }

    /// The pseudo-stream the ledgers with accruals from this (crediting) source are linked to.
    public var stream: StreamRef { StreamRef("commissionSource", credited.description) }
}

// MARK: - Events

/// COM-06. Commission accrued for a payee under a plan from a credited event (emitted by the commission process).
public struct CommissionAccrued: DomainEvent {
    public static let eventType = "CommissionAccrued"
    public let payeeId: ID
    public let planId: ID
    public let planVersion: Int64
    public let period: Period
    public let source: CommissionSource
    /// Source amount × the payee's split share (the base added).
    public let creditedBase: Money
    /// `C(B_after) − commission accrued so far` for the plan and period.
    public let commissionDelta: Money
    /// The 1-based tier the tier base is in after the accrual (levels reached, for target-based plans).
    public let tierAfter: Int64
    public let parts: [CommissionBasePart]

    public init(
        payeeId: ID,
        planId: ID,
        planVersion: Int64,
        period: Period,
        source: CommissionSource,
        creditedBase: Money,
        commissionDelta: Money,
        tierAfter: Int64,
        parts: [CommissionBasePart]
    ) {
        self.payeeId = payeeId
        self.planId = planId
        self.planVersion = planVersion
        self.period = period
        self.source = source
        self.creditedBase = creditedBase
        self.commissionDelta = commissionDelta
        self.tierAfter = tierAfter
        self.parts = parts
    }

    public func indexEntries(in stream: StreamRef) -> [IndexEntry] {
        [
            .claim(CommissionLedger.accrualKey(source: source, payeeId: payeeId, planId: planId), owner: stream),
            .link(parent: StreamRef(CommissionPlan.category, planId.description), child: stream),
            .link(parent: source.stream, child: stream),
        ]
    }
}

/// COM-07. A clawback: the commission of `originalPeriod` recomputed without the reversed base, posted into the
/// current open `period` (the original period itself while it is open).
public struct CommissionReversed: DomainEvent {
    public static let eventType = "CommissionReversed"
    public let payeeId: ID
    public let period: Period
    public let source: CommissionSource
    /// ≤ 0.
    public let commissionDelta: Money
    public let planId: ID
    public let planVersion: Int64
    public let originalPeriod: Period
    public let reversedParts: [CommissionBasePart]

    public init(
        payeeId: ID,
        period: Period,
        source: CommissionSource,
        commissionDelta: Money,
        planId: ID,
        planVersion: Int64,
        originalPeriod: Period,
        reversedParts: [CommissionBasePart]
    ) {
        self.payeeId = payeeId
        self.period = period
        self.source = source
        self.commissionDelta = commissionDelta
        self.planId = planId
        self.planVersion = planVersion
        self.originalPeriod = originalPeriod
        self.reversedParts = reversedParts
    }

    public func indexEntries(in stream: StreamRef) -> [IndexEntry] {
        var entries: [IndexEntry] = [
            .link(parent: StreamRef(CommissionPlan.category, planId.description), child: stream)
        ]
        if originalPeriod != period {
            entries.append(
                .link(parent: CommissionLedger.stream(payeeId: payeeId, period: originalPeriod), child: stream)
            )
        }
        return entries
    }
}

/// COM-08. A manual adjustment of a payee's open period.
public struct CommissionAdjusted: DomainEvent {
    public static let eventType = "CommissionAdjusted"
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
}

/// COM-09. The statement of an ended period is closed; later corrections post to the next open period.
public struct CommissionStatementClosed: DomainEvent {
    public static let eventType = "CommissionStatementClosed"
    public let payeeId: ID
    public let period: Period
    public let total: Money
    public let lineCount: Int64

    public init(payeeId: ID, period: Period, total: Money, lineCount: Int64) {
        self.payeeId = payeeId
        self.period = period
        self.total = total
        self.lineCount = lineCount
    }
}

/// COM-10. (Part of) a closed statement was paid out through payroll.
public struct CommissionPaid: DomainEvent {
    public static let eventType = "CommissionPaid"
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
}

// MARK: - Aggregate

/// A payee's commission statement for one period.
public struct CommissionLedger: Aggregate {
    public static let category = "commissionLedger"

    public struct Accrual: Hashable, Sendable {
        public var source: CommissionSource
        public var planId: ID
        public var planVersion: Int64
        public var parts: [CommissionBasePart]
        public var deltaMinor: Int64
    }

    public struct Reversal: Hashable, Sendable {
        public var source: CommissionSource
        public var planId: ID
        public var planVersion: Int64
        public var originalPeriod: Period
        public var parts: [CommissionBasePart]
        public var deltaMinor: Int64
    }

    public var exists = false
    public var payeeId: ID?
    public var period: Period?
    /// The currency of the first line (a statement has one currency).
    public var currency: String?
    public var accruals: [Accrual] = []
    public var reversals: [Reversal] = []
    public var adjustmentsMinor: [Int64] = []
    public var closed = false
    public var closedTotal: Money?
    public var paidMinor: Int64 = 0

    public init() {}

    public static func stream(payeeId: ID, period: Period) -> StreamRef {
        StreamRef(CommissionLedger.category, "\(payeeId):\(period)")
    }

    public static func accrualKey(source: CommissionSource, payeeId: ID, planId: ID) -> UniqueKey {
        UniqueKey(scope: "commission.accrual", value: "\(source.credited):\(payeeId):\(planId)")
    }

    /// Σ of every line (accrual and reversal deltas, adjustments), minor units.
    public var totalMinor: Int64 {
        accruals.reduce(0) { $0 + $1.deltaMinor } + reversals.reduce(0) { $0 + $1.deltaMinor }
            + adjustmentsMinor.reduce(0, +)
    }

    public var lineCount: Int64 { Int64(accruals.count + reversals.count + adjustmentsMinor.count) }

    /// True when a line of this statement was decided under `planId@version`.
    public func uses(planId: ID, version: Int64) -> Bool {
        accruals.contains { $0.planId == planId && $0.planVersion == version }
            || reversals.contains { $0.planId == planId && $0.planVersion == version }
    }

    public mutating func apply(_ event: any DomainEvent) {
        switch event {
        case let e as CommissionAccrued:
            open(e.payeeId, e.period, e.commissionDelta.currency)
            accruals.append(
                Accrual(
                    source: e.source,
                    planId: e.planId,
                    planVersion: e.planVersion,
                    parts: e.parts,
                    deltaMinor: e.commissionDelta.amountMinor
                )
            )
        case let e as CommissionReversed:
            open(e.payeeId, e.period, e.commissionDelta.currency)
            reversals.append(
                Reversal(
                    source: e.source,
                    planId: e.planId,
                    planVersion: e.planVersion,
                    originalPeriod: e.originalPeriod,
                    parts: e.reversedParts,
                    deltaMinor: e.commissionDelta.amountMinor
                )
            )
        case let e as CommissionAdjusted:
            open(e.payeeId, e.period, e.amount.currency)
            adjustmentsMinor.append(e.amount.amountMinor)
        case let e as CommissionStatementClosed:
            open(e.payeeId, e.period, e.total.currency)
            closed = true
            closedTotal = e.total
        case let e as CommissionPaid:
            paidMinor += e.amount.amountMinor
        default:
            break
        }
    }

    private mutating func open(_ payee: ID, _ p: Period, _ c: String) {
        exists = true
        payeeId = payee
        period = p
        if currency == nil { currency = c }
    }
}

/// A plan's position in one period of a payee: the base (own accruals minus every reversal of the period,
/// wherever posted), what was accrued so far for it, and what was already reversed per source.
struct CommissionPosition {
    var base = CommissionBase()
    var accruedMinor: Int64 = 0
    var reversedBySource: [CommissionSource: CommissionBase] = [:]

    /// Reads the ledger of `period` and the later ledgers linked to it (reversals posted elsewhere).
    static func read(payeeId: ID, planId: ID, period: Period, in d: inout Decision) -> (
        CommissionPosition, CommissionLedger?
    ) {
        var pos = CommissionPosition()
        let stream = CommissionLedger.stream(payeeId: payeeId, period: period)
        let own = d.load(CommissionLedger.self, stream: stream)
        var ledgers = own.map { [$0] } ?? []
        for s in d.children(of: stream, category: CommissionLedger.category) where s != stream {
            if let l = d.load(CommissionLedger.self, stream: s) { ledgers.append(l) }
        }
        for a in own?.accruals ?? [] where a.planId == planId {
            pos.base.add(a.parts)
            pos.accruedMinor += a.deltaMinor
        }
        for l in ledgers {
            for r in l.reversals where r.planId == planId && r.originalPeriod == period {
                pos.base.add(r.parts, sign: -1)
                pos.accruedMinor += r.deltaMinor
                pos.reversedBySource[r.source.credited, default: CommissionBase()].add(r.parts)
            }
        }
        return (pos, own)
    }
}
