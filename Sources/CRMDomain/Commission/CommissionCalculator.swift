// Commission calculation, reference §3.4, as pure integer arithmetic on minor units and basis points.
//
// - Tier schemes on a tier base B with tiers [t_0 = 0, t_1), [t_1, t_2), … and rates r_j:
//   flat C = B × r; marginal C = Σ_j r_j × max(0, min(B, t_{j+1}) − t_j); retroactive C = B × r_{j*} with
//   t_{j*} ≤ B < t_{j*+1} (the OCA "section" semantics applied per period, with the cliff at each threshold).
// - Target-based: payout = OTC × f(attainment), f linear between the level points (proposal), 0 below the first
//   point, and flat after the last point (so with no level above 100 % the payout caps at OTC).
// - Product overrides: lines whose product (or category) has an override are paid `amount × overrideRate`.
//   With `countsTowardTiers = false` they stay out of B. With `countsTowardTiers = true` (a proposal; §3.4 does
//   not define it) they add to B, which sets the tier, and the tier commission C(B) is paid on the share of B
//   that is not overridden: `C(B) × regular / B` (the blended rate), so the overridden amount is not paid twice.
// - Cap: `min(C, capAmount)` per payee, plan and period.
// - Rounding: half away from zero to the minor unit, once per term (tier commission, each override rate, the
//   target payout).

/// One slice of a credited base: paid by tiers (`overrideRateBasisPoints == nil`) or at an override rate.
public struct CommissionBasePart: Codable, Hashable, Sendable {
    public let amount: Money
    public let overrideRateBasisPoints: Int64?
    public let countsTowardTiers: Bool

    public init(amount: Money, overrideRateBasisPoints: Int64?, countsTowardTiers: Bool) {
        self.amount = amount
        self.overrideRateBasisPoints = overrideRateBasisPoints
        self.countsTowardTiers = countsTowardTiers
    }

    /// A slice paid by the tiers.
    public static func tiered(_ amount: Money) -> CommissionBasePart {
        CommissionBasePart(amount: amount, overrideRateBasisPoints: nil, countsTowardTiers: true)
    }

    /// The bucket the slice adds to.
    public var bucket: CommissionBase.Bucket {
        CommissionBase.Bucket(overrideRateBasisPoints: overrideRateBasisPoints, countsTowardTiers: countsTowardTiers)
    }
}

/// A payee's cumulative credited base for one plan and period, per bucket (minor units).
public struct CommissionBase: Hashable, Sendable {
    /// Tier-paid slices have no override rate.
    public struct Bucket: Hashable, Sendable {
        public let overrideRateBasisPoints: Int64?
        public let countsTowardTiers: Bool

        public init(overrideRateBasisPoints: Int64?, countsTowardTiers: Bool) {
            self.overrideRateBasisPoints = overrideRateBasisPoints
            self.countsTowardTiers = countsTowardTiers
        }

        public static let tiered = Bucket(overrideRateBasisPoints: nil, countsTowardTiers: true)
    }

    /// Amounts per bucket, in the order buckets first appeared.
    public private(set) var buckets: [(bucket: Bucket, amountMinor: Int64)] = []

    public init() {}

    public init(_ parts: [CommissionBasePart]) { add(parts) }

    public static func == (lhs: CommissionBase, rhs: CommissionBase) -> Bool {
        lhs.buckets.map(\.bucket) == rhs.buckets.map(\.bucket)
            && lhs.buckets.map(\.amountMinor) == rhs.buckets.map(\.amountMinor)
    }

    public func hash(into hasher: inout Hasher) {
        for b in buckets {
            hasher.combine(b.bucket)
            hasher.combine(b.amountMinor)
        }
    }

    public mutating func add(_ parts: [CommissionBasePart], sign: Int64 = 1) {
        for p in parts { add(p.bucket, sign * p.amount.amountMinor) }
    }

    public mutating func add(_ bucket: Bucket, _ amountMinor: Int64) {
        if let i = buckets.firstIndex(where: { $0.bucket == bucket }) {
            buckets[i].amountMinor += amountMinor
        } else {
            buckets.append((bucket, amountMinor))
        }
    }

    public func amount(_ bucket: Bucket) -> Int64 { buckets.first { $0.bucket == bucket }?.amountMinor ?? 0 }

    /// B: what sets the tier (tier-paid slices plus overrides that count toward tiers).
    public var tierBaseMinor: Int64 {
        max(0, buckets.filter { $0.bucket.countsTowardTiers }.reduce(0) { $0 + $1.amountMinor })
    }

    /// The tier-paid part of B.
    public var tierPaidMinor: Int64 { max(0, amount(.tiered)) }

    /// Everything credited (tier-paid and override slices).
    public var totalMinor: Int64 { buckets.reduce(0) { $0 + $1.amountMinor } }
}

/// The §3.4 formulas.
public enum CommissionCalculator {
    /// 100 % in basis points.
    public static let whole: Int64 = 10_000

    /// Tier commission on base `b` (minor units) under `mode`; `tiers` as validated by COM-01.
    public static func tiered(_ b: Int64, tiers: [CommissionTier], mode: CommissionTierMode) -> Int64 {
        let base = max(0, b)
        guard !tiers.isEmpty else { return 0 }
        switch mode {
        case .flat:
            return CommissionMath.mulDiv(base, tiers[0].rateBasisPoints, whole)
        case .retroactive:
            return CommissionMath.mulDiv(base, tiers[tierIndex(base, tiers: tiers)].rateBasisPoints, whole)
        case .marginal:
            var quotient: Int64 = 0
            var remainder: Int64 = 0
            for t in tiers {
                let lower = t.from.amountMinor
                let upper = min(base, t.to?.amountMinor ?? base)
                guard upper > lower else { continue }
                let (q, r) = CommissionMath.mulDivParts(upper - lower, t.rateBasisPoints, whole)
                quotient += q
                remainder += r
            }
            return quotient + CommissionMath.mulDiv(remainder, 1, whole)
        }
    }

    /// The 0-based index of the tier containing `b` (`t_j ≤ b < t_{j+1}`).
    public static func tierIndex(_ b: Int64, tiers: [CommissionTier]) -> Int {
        tiers.lastIndex { $0.from.amountMinor <= max(0, b) } ?? 0
    }

    /// The payout percent (basis points of OTC) at `attainmentBasisPoints`, and the payout of `otc`.
    public static func targetPayout(otcMinor: Int64, levels: [CommissionTargetLevel], attainmentBasisPoints a: Int64)
        -> Int64
    {
        guard let first = levels.first, let last = levels.last, a >= first.attainmentBasisPoints else { return 0 }
        if a >= last.attainmentBasisPoints { return CommissionMath.mulDiv(otcMinor, last.payoutBasisPoints, whole) }
        let i = levels.lastIndex { $0.attainmentBasisPoints <= a } ?? 0
        let lo = levels[i]
        let hi = levels[i + 1]
        let span = hi.attainmentBasisPoints - lo.attainmentBasisPoints
        // payout bp = lo.p + (a − lo.a) × (hi.p − lo.p) / span, kept as a fraction over `span` and rounded once.
        let numerator =
            lo.payoutBasisPoints * span + (a - lo.attainmentBasisPoints) * (hi.payoutBasisPoints - lo.payoutBasisPoints)
        return CommissionMath.mulDiv(otcMinor, numerator, whole * span)
    }

    /// The commission of one payee, plan and period.
    public struct Result: Hashable, Sendable {
        /// B.
        public let tierBaseMinor: Int64
        /// Commission from the tiers (or the target payout for target-based plans).
        public let tierCommissionMinor: Int64
        /// Σ override slices × their rates.
        public let overrideCommissionMinor: Int64
        /// Before the cap.
        public let uncappedMinor: Int64
        /// `min(uncapped, cap)`.
        public let totalMinor: Int64
        /// 1-based tier containing B (target-based plans: the number of level points reached).
        public let tier: Int64
        /// The rate of that tier (0 for target-based plans).
        public let rateBasisPoints: Int64
        /// B's distance to the next tier; `nil` in the last tier and for target-based plans.
        public let toNextTierMinor: Int64?
        /// Attainment used by a target-based plan; `nil` otherwise or when the target is 0 / unknown.
        public let attainmentBasisPoints: Int64?
    }

    /// The commission on `base` under `plan`. `targetMinor` is the payee's target for the period (target-based
    /// plans only; 0 or `nil` means attainment "n/a" and no target payout).
    public static func commission(_ base: CommissionBase, plan: CommissionPlanDefinition, targetMinor: Int64? = nil)
        -> Result
    {
        let b = base.tierBaseMinor
        var overrides: Int64 = 0
        for (bucket, amount) in base.buckets {
            guard let rate = bucket.overrideRateBasisPoints else { continue }
            overrides += CommissionMath.mulDiv(max(0, amount), rate, whole)
        }
        let main: Int64
        let tier: Int64
        let rate: Int64
        var toNext: Int64?
        var attainment: Int64?
        if plan.isTargetBased {
            let levels = plan.targetLevels ?? []
            if let t = targetMinor, t > 0 {
                let a = CommissionMath.mulDiv(b, whole, t)
                attainment = a
                main = targetPayout(
                    otcMinor: plan.onTargetCommission?.amountMinor ?? 0,
                    levels: levels,
                    attainmentBasisPoints: a
                )
                tier = Int64(levels.filter { $0.attainmentBasisPoints <= a }.count)
            } else {
                main = 0
                tier = 0
            }
            rate = 0
        } else {
            let full = tiered(b, tiers: plan.tiers, mode: plan.tierMode)
            let paid = base.tierPaidMinor
            main = b == 0 || paid == b ? full : CommissionMath.mulDiv(full, paid, b)
            let j = tierIndex(b, tiers: plan.tiers)
            tier = Int64(j + 1)
            rate = plan.tiers.isEmpty ? 0 : plan.tiers[j].rateBasisPoints
            if j + 1 < plan.tiers.count { toNext = plan.tiers[j + 1].from.amountMinor - b }
        }
        let uncapped = main + overrides
        let total = plan.capAmount.map { min(uncapped, $0.amountMinor) } ?? uncapped
        return Result(
            tierBaseMinor: b,
            tierCommissionMinor: main,
            overrideCommissionMinor: overrides,
            uncappedMinor: uncapped,
            totalMinor: total,
            tier: tier,
            rateBasisPoints: rate,
            toNextTierMinor: toNext,
            attainmentBasisPoints: attainment
        )
    }

    /// A line of the credited document, for splitting a credited amount into base slices.
    public struct Line: Hashable, Sendable {
        public let productId: ID?
        public let categoryId: ID?
        public let amountMinor: Int64
        public let costMinor: Int64?

        public init(productId: ID?, categoryId: ID?, amountMinor: Int64, costMinor: Int64?) {
            self.productId = productId
            self.categoryId = categoryId
            self.amountMinor = amountMinor
            self.costMinor = costMinor
        }

        public init(_ l: ContractLine) {
            self.init(
                productId: l.productId,
                categoryId: l.categoryId,
                amountMinor: l.amount.amountMinor,
                costMinor: l.cost?.amountMinor
            )
        }
    }

    /// The base slices credited to one payee for a credited amount of `sourceMinor` on a document whose lines
    /// total `documentMinor`: each line's base (gross, or margin `max(0, amount − cost)`) is pro-rated by
    /// `sourceMinor / documentMinor` and by the payee's share (basis points), then grouped by override. Rounding
    /// is cumulative, so the slices add up exactly to the rounded whole. A document without lines is one line
    /// without product.
    public static func creditedParts(
        lines: [Line],
        documentMinor: Int64,
        sourceMinor: Int64,
        shareBasisPoints: Int64,
        currency: String,
        plan: CommissionPlanDefinition
    ) -> [CommissionBasePart] {
        let effective =
            lines.isEmpty ? [Line(productId: nil, categoryId: nil, amountMinor: documentMinor, costMinor: nil)] : lines
        guard documentMinor > 0 else { return [] }
        var base = CommissionBase()
        var cumulative: Int64 = 0
        var previous: Int64 = 0
        for line in effective {
            let value = plan.baseType == .gross ? line.amountMinor : max(0, line.amountMinor - (line.costMinor ?? 0))
            cumulative += value
            let credited = CommissionMath.mulDiv(
                CommissionMath.mulDiv(cumulative, sourceMinor, documentMinor),
                shareBasisPoints,
                whole
            )
            let slice = credited - previous
            previous = credited
            let o = plan.override(productId: line.productId, categoryId: line.categoryId)
            base.add(
                CommissionBase.Bucket(
                    overrideRateBasisPoints: o?.rateBasisPoints,
                    countsTowardTiers: o?.countsTowardTiers ?? true
                ),
                slice
            )
        }
        return base.buckets.filter { $0.amountMinor != 0 }.map {
            CommissionBasePart(
                amount: Money(amountMinor: $0.amountMinor, currency: currency),
                overrideRateBasisPoints: $0.bucket.overrideRateBasisPoints,
                countsTowardTiers: $0.bucket.countsTowardTiers
            )
        }
    }

    /// The rep's current-period view (§3.4 `MyCommission`) for one plan.
    public struct MyCommission: Hashable, Sendable {
        /// B to date.
        public let baseMinor: Int64
        /// 1-based current tier and its rate.
        public let tier: Int64
        public let rateBasisPoints: Int64
        /// Amount to the next tier; `nil` in the last tier.
        public let toNextTierMinor: Int64?
        /// Commission on this period's own base.
        public let earnedMinor: Int64
        /// Reversals of earlier, closed periods posted into this period (≤ 0).
        public let clawbackMinor: Int64
        /// `earned + clawback`.
        public let netMinor: Int64
        /// What pending (unverified) credit would add: `C(B + pending) − C(B)`.
        public let potentialMinor: Int64
    }

    public static func myCommission(
        base: CommissionBase,
        plan: CommissionPlanDefinition,
        clawbackMinor: Int64,
        pending: [CommissionBasePart] = [],
        targetMinor: Int64? = nil
    ) -> MyCommission {
        let now = commission(base, plan: plan, targetMinor: targetMinor)
        var withPending = base
        withPending.add(pending)
        let potential = commission(withPending, plan: plan, targetMinor: targetMinor).totalMinor - now.totalMinor
        return MyCommission(
            baseMinor: now.tierBaseMinor,
            tier: now.tier,
            rateBasisPoints: now.rateBasisPoints,
            toNextTierMinor: now.toNextTierMinor,
            earnedMinor: now.totalMinor,
            clawbackMinor: clawbackMinor,
            netMinor: now.totalMinor + clawbackMinor,
            potentialMinor: potential
        )
    }
}

/// Overflow-safe `a × b / c` on 128-bit intermediates, rounded half away from zero.
enum CommissionMath {
    /// `a × b / c` for `c > 0`, rounded half away from zero.
    static func mulDiv(_ a: Int64, _ b: Int64, _ c: Int64) -> Int64 {
        precondition(c > 0, "divisor must be positive")
        let negative = (a < 0) != (b < 0)
        let (q, r) = unsignedParts(a.magnitude, b.magnitude, c.magnitude)
        let rounded = r >= c.magnitude - r ? q + 1 : q
        let value = Int64(rounded)
        return negative ? -value : value
    }

    /// Quotient and remainder of `a × b / c` for non-negative `a`, `b` and positive `c`.
    static func mulDivParts(_ a: Int64, _ b: Int64, _ c: Int64) -> (Int64, Int64) {
        precondition(a >= 0 && b >= 0 && c > 0)
        let (q, r) = unsignedParts(a.magnitude, b.magnitude, c.magnitude)
        return (Int64(q), Int64(r))
    }

    private static func unsignedParts(_ a: UInt64, _ b: UInt64, _ c: UInt64) -> (UInt64, UInt64) {
        let product = a.multipliedFullWidth(by: b)
        return c.dividingFullWidth((high: product.high, low: product.low))
    }
}
