/// One points lot (§3.5): credited by LOY-13 (an *earned* lot) or a positive LOY-17 (an *adjustment* lot).
public struct PointsLot: Hashable, Sendable {
    public enum Origin: String, Hashable, Sendable { case earned, adjustment }

    public let lotId: ID
    public let origin: Origin
    /// For earned lots: where the points came from, the source record and the per-rule trace.
    public let source: PointsSource?
    public let sourceId: ID?
    public let ruleTrace: [PointsRuleTrace]
    /// The member's tier when the lot was earned (its multiplier is part of the lot's points).
    public let tierId: ID?
    public let earnedAt: Timestamp
    /// Usable through this date; `nil` = never expires.
    public let expiresOn: LocalDate?
    public let points: Int64
    public internal(set) var remaining: Int64
    /// Taken by redemptions and negative adjustments, less what reversals gave back.
    public internal(set) var consumed: Int64 = 0
    public internal(set) var expired: Int64 = 0
    public internal(set) var cancelled: Int64 = 0

    public init(
        lotId: ID,
        origin: Origin,
        source: PointsSource?,
        sourceId: ID?,
        ruleTrace: [PointsRuleTrace],
        tierId: ID?,
        earnedAt: Timestamp,
        expiresOn: LocalDate?,
        points: Int64
    ) {
        self.lotId = lotId
        self.origin = origin
        self.source = source
        self.sourceId = sourceId
        self.ruleTrace = ruleTrace
        self.tierId = tierId
        self.earnedAt = earnedAt
        self.expiresOn = expiresOn
        self.points = points
        self.remaining = points
    }

    /// Usable on `asOf`: `expiresOn` is `nil` or `asOf ≤ expiresOn`.
    public func isUsable(asOf: LocalDate) -> Bool { expiresOn.map { asOf <= $0 } ?? true }
}

/// A member's points lots and movement totals, folded from LOY-13..LOY-18 (§3.5). Pure: the ``Member`` aggregate
/// keeps one, commands ask it for availability and FIFO allocations, and tests drive it directly.
///
/// ```swift
/// var ledger = PointsLedger()
/// ledger.credit(lot)                                        // LOY-13 / LOY-17 (+)
/// let allocations = ledger.allocate(300, asOf: day)         // nil when available(asOf) < 300
/// ledger.consume(allocations!)                              // LOY-14 / LOY-17 (−)
/// ```
public struct PointsLedger: Hashable, Sendable {
    /// Lots in the order they were credited.
    public private(set) var lots: [PointsLot] = []
    private var index: [ID: Int] = [:]

    public private(set) var totalEarned: Int64 = 0
    public private(set) var totalAdjustedIn: Int64 = 0
    public private(set) var totalAdjustedOut: Int64 = 0
    public private(set) var totalRedeemed: Int64 = 0
    public private(set) var totalRestored: Int64 = 0
    public private(set) var totalExpired: Int64 = 0
    public private(set) var totalCancelled: Int64 = 0

    public init() {}

    public func lot(_ id: ID) -> PointsLot? { index[id].map { lots[$0] } }

    /// Σ remaining over all lots, including lots past their expiry that no LOY-16 has expired yet.
    public var balance: Int64 { lots.reduce(0) { $0 + $1.remaining } }

    /// `available(asOf) = Σ remaining` of lots usable on `asOf` (§3.5).
    public func available(asOf: LocalDate) -> Int64 {
        lots.reduce(0) { $0 + ($1.isUsable(asOf: asOf) ? $1.remaining : 0) }
    }

    /// `expiringSoon(asOf, d)` = Σ remaining of lots with `asOf ≤ expiresOn ≤ asOf + d`.
    public func expiringSoon(asOf: LocalDate, days: Int) -> Int64 {
        let end = asOf.adding(days: days)
        return lots.reduce(0) { sum, lot in
            guard let e = lot.expiresOn, asOf <= e, e <= end else { return sum }
            return sum + lot.remaining
        }
    }

    /// The §3.5 consumption order: expiresOn ascending (lots without expiry last), then earnedAt, then lotId.
    public static func consumptionOrder(_ a: PointsLot, _ b: PointsLot) -> Bool {
        switch (a.expiresOn, b.expiresOn) {
        case let (x?, y?) where x != y: return x < y
        case (nil, _?): return false
        case (_?, nil): return true
        default: break
        }
        if a.earnedAt != b.earnedAt { return a.earnedAt < b.earnedAt }
        return a.lotId < b.lotId
    }

    /// Lots usable on `asOf` with points left, in consumption order.
    public func consumable(asOf: LocalDate) -> [PointsLot] {
        lots.filter { $0.remaining > 0 && $0.isUsable(asOf: asOf) }.sorted(by: Self.consumptionOrder)
    }

    /// Takes `points` from the consumable lots in consumption order; `nil` when `available(asOf) < points`.
    public func allocate(_ points: Int64, asOf: LocalDate, excluding: Set<ID> = []) -> [PointsAllocation]? {
        guard points > 0 else { return [] }
        var left = points
        var out: [PointsAllocation] = []
        for lot in consumable(asOf: asOf) where !excluding.contains(lot.lotId) {
            let take = min(left, lot.remaining)
            out.append(PointsAllocation(lotId: lot.lotId, points: take))
            left -= take
            if left == 0 { return out }
        }
        return nil
    }

    /// Lots to expire on `asOf`: `asOf > expiresOn` and remaining > 0, in consumption order.
    public func expirable(asOf: LocalDate) -> [PointsLot] {
        lots.filter { lot in lot.remaining > 0 && lot.expiresOn.map { asOf > $0 } == true }
            .sorted(by: Self.consumptionOrder)
    }

    // MARK: Movements (each one keeps the ledger identity)

    /// LOY-13 or a positive LOY-17. Re-crediting an existing lot id is ignored.
    public mutating func credit(_ lot: PointsLot) {
        guard index[lot.lotId] == nil, lot.points > 0 else { return }
        index[lot.lotId] = lots.count
        lots.append(lot)
        if lot.origin == .earned { totalEarned += lot.points } else { totalAdjustedIn += lot.points }
    }

    /// LOY-14 (`redemption: true`) or a negative LOY-17. Each allocation is capped at the lot's remaining points.
    public mutating func consume(_ allocations: [PointsAllocation], redemption: Bool) {
        for a in allocations {
            let taken = take(a.lotId, a.points) { lot, n in lot.consumed += n }
            if redemption { totalRedeemed += taken } else { totalAdjustedOut += taken }
        }
    }

    /// LOY-15: gives points back to the lots they were taken from.
    public mutating func restore(_ allocations: [PointsAllocation]) {
        for a in allocations {
            guard let i = index[a.lotId], a.points > 0 else { continue }
            lots[i].remaining += a.points
            lots[i].consumed -= a.points
            totalRestored += a.points
        }
    }

    /// LOY-16.
    public mutating func expire(_ lotId: ID, _ points: Int64) {
        totalExpired += take(lotId, points) { lot, n in lot.expired += n }
    }

    /// LOY-18.
    public mutating func cancel(_ lotId: ID, _ points: Int64) {
        totalCancelled += take(lotId, points) { lot, n in lot.cancelled += n }
    }

    private mutating func take(_ lotId: ID, _ points: Int64, _ book: (inout PointsLot, Int64) -> Void) -> Int64 {
        guard let i = index[lotId], points > 0 else { return 0 }
        let n = min(points, lots[i].remaining)
        lots[i].remaining -= n
        book(&lots[i], n)
        return n
    }

    /// Σ earned + Σ positive adjustments + Σ restored − (Σ redeemed + Σ expired + Σ cancelled + Σ negative
    /// adjustments): equals ``balance`` after every movement (the §3.5 ledger identity).
    public var netMovements: Int64 {
        totalEarned + totalAdjustedIn + totalRestored - totalRedeemed - totalExpired - totalCancelled - totalAdjustedOut
    }
}
