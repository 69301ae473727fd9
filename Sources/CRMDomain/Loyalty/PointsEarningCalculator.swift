/// An exact non-negative-denominator fraction of points, for earning arithmetic on minor units (§3.5: fractional
/// intermediate results are kept exact and floored once at the end).
///
/// Numerator and denominator are 128-bit and kept reduced; an overflow (only reachable with absurd rates) makes
/// the value *overflowed* instead of trapping, and ``floor`` then returns `nil`.
public struct PointsFraction: Hashable, Sendable, CustomStringConvertible {
    public private(set) var numerator: Int128
    public private(set) var denominator: Int128
    public private(set) var overflowed: Bool

    public static let zero = PointsFraction(0)

    public init(_ value: Int64) {
        numerator = Int128(value)
        denominator = 1
        overflowed = false
    }

    /// `numerator / denominator`; `denominator` must not be 0.
    public init(_ numerator: Int64, _ denominator: Int64) {
        precondition(denominator != 0, "a fraction's denominator is never 0")
        self.init(wide: Int128(numerator), Int128(denominator), overflowed: false)
    }

    private init(wide n: Int128, _ d: Int128, overflowed: Bool) {
        var n = n
        var d = d
        if d < 0 {
            n = -n
            d = -d
        }
        let g = Self.gcd(n < 0 ? -n : n, d)
        numerator = g > 1 ? n / g : n
        denominator = g > 1 ? d / g : d
        self.overflowed = overflowed
    }

    private static func gcd(_ a: Int128, _ b: Int128) -> Int128 {
        var (x, y) = (a, b)
        while y != 0 { (x, y) = (y, x % y) }
        return x == 0 ? 1 : x
    }

    private static let overflow = PointsFraction(wide: 0, 1, overflowed: true)

    public static func + (a: PointsFraction, b: PointsFraction) -> PointsFraction {
        guard !a.overflowed, !b.overflowed else { return overflow }
        let (x, o1) = a.numerator.multipliedReportingOverflow(by: b.denominator)
        let (y, o2) = b.numerator.multipliedReportingOverflow(by: a.denominator)
        let (n, o3) = x.addingReportingOverflow(y)
        let (d, o4) = a.denominator.multipliedReportingOverflow(by: b.denominator)
        guard !(o1 || o2 || o3 || o4) else { return overflow }
        return PointsFraction(wide: n, d, overflowed: false)
    }

    public static func - (a: PointsFraction, b: PointsFraction) -> PointsFraction {
        a + PointsFraction(wide: -b.numerator, b.denominator, overflowed: b.overflowed)
    }

    /// `self × factor / divisor` (`divisor` ≠ 0).
    public func multiplied(by factor: Int64, dividedBy divisor: Int64 = 1) -> PointsFraction {
        guard !overflowed else { return Self.overflow }
        let (n, o1) = numerator.multipliedReportingOverflow(by: Int128(factor))
        let (d, o2) = denominator.multipliedReportingOverflow(by: Int128(divisor))
        guard !(o1 || o2) else { return Self.overflow }
        return PointsFraction(wide: n, d, overflowed: false)
    }

    /// The largest integer ≤ the value; `nil` when overflowed or outside `Int64`.
    public var floor: Int64? {
        guard !overflowed else { return nil }
        var q = numerator / denominator
        if numerator % denominator != 0 && numerator < 0 { q -= 1 }
        return Int64(exactly: q)
    }

    /// The value minus its floor, in `[0, 1)`; `nil` when overflowed.
    public var fractionalPart: PointsFraction? {
        guard let f = floor else { return nil }
        return self - PointsFraction(f)
    }

    public var isZero: Bool { numerator == 0 && !overflowed }

    /// Compares two values exactly; `false` when either is overflowed.
    public static func isLess(_ a: PointsFraction, _ b: PointsFraction) -> Bool {
        let d = a - b
        return !d.overflowed && d.numerator < 0
    }

    public var description: String { overflowed ? "overflow" : "\(numerator)/\(denominator)" }
}

/// The result of an earning evaluation: the exact points, the points floored once, and each rule's share.
public struct PointsEarningResult: Hashable, Sendable {
    public let exact: PointsFraction
    public let points: Int64
    public let trace: [PointsRuleTrace]

    public init(exact: PointsFraction, points: Int64, trace: [PointsRuleTrace]) {
        self.exact = exact
        self.points = points
        self.trace = trace
    }
}

/// The earning algorithm of §3.5 for a purchase, pure:
/// 1. base per item `= grossAmount × pointValue` for items not excluded by SKU or label, plus the delivery unless
///    excluded; a rule whose `minOrderValue` is above the order total is skipped;
/// 2. items matching a `productMultiplier` rule have their points multiplied (each rule books the extra points);
/// 3. `productBonus` rules add `bonus` per matching unit;
/// 4. everything is multiplied by the tier's earn multiplier;
/// 5. the exact sum is floored **once**.
/// Rules run in kind order (base, multiplier, bonus), then `priority`, then rule id. Event and referral rules do
/// not apply to purchases (``bestBonusRule(_:)``).
///
/// ```swift
/// // §3.5: TEA-01 ¥100 (×2 in February), other ¥150, delivery ¥10 excluded → 250 base + 100 promo = 350.
/// let r = PointsEarningCalculator.purchasePoints(items: items, deliveryAmountMinor: 1_000,
///                                                orderTotalMinor: 26_000, rules: [base, promo],
///                                                tierMultiplierBasisPoints: nil)
/// r?.points  // 350
/// ```
public enum PointsEarningCalculator {
    public static func purchasePoints(
        items: [PurchaseItem],
        deliveryAmountMinor: Int64,
        orderTotalMinor: Int64,
        rules: [EarningRuleDefined],
        tierMultiplierBasisPoints: Int64?
    ) -> PointsEarningResult? {
        let ordered = rules.filter { [.basePerAmount, .productMultiplier, .productBonus].contains($0.kind) }
            .sorted { a, b in
                if a.kind.order != b.kind.order { return a.kind.order < b.kind.order }
                if a.priority != b.priority { return a.priority < b.priority }
                return a.ruleId < b.ruleId
            }
        var itemPoints = [PointsFraction](repeating: .zero, count: items.count)
        var contributions: [(ruleId: ID, points: PointsFraction)] = []
        for rule in ordered {
            let p = rule.params
            if let min = p.minOrderValue, orderTotalMinor < min.amountMinor { continue }
            var contribution = PointsFraction.zero
            switch rule.kind {
            case .basePerAmount:
                guard let rate = p.pointValue, rate.perAmountMinor != 0 else { continue }
                for (i, item) in items.enumerated() where !excluded(item, p) {
                    let pts = PointsFraction(item.grossAmount.amountMinor).multiplied(
                        by: rate.points,
                        dividedBy: rate.perAmountMinor
                    )
                    itemPoints[i] = itemPoints[i] + pts
                    contribution = contribution + pts
                }
                if !p.excludeDelivery && deliveryAmountMinor > 0 {
                    contribution =
                        contribution
                        + PointsFraction(deliveryAmountMinor).multiplied(
                            by: rate.points,
                            dividedBy: rate.perAmountMinor
                        )
                }
            case .productMultiplier:
                guard let m = p.multiplierBasisPoints else { continue }
                for (i, item) in items.enumerated() where matches(item, p) && !excluded(item, p) {
                    let extra = itemPoints[i].multiplied(by: m - 10_000, dividedBy: 10_000)
                    itemPoints[i] = itemPoints[i] + extra
                    contribution = contribution + extra
                }
            case .productBonus:
                guard let bonus = p.bonus else { continue }
                for item in items where matches(item, p) && !excluded(item, p) {
                    contribution = contribution + PointsFraction(bonus).multiplied(by: item.qty)
                }
            case .event, .referral:
                continue
            }
            if !contribution.isZero { contributions.append((rule.ruleId, contribution)) }
        }
        if let m = tierMultiplierBasisPoints {
            contributions = contributions.map { ($0.ruleId, $0.points.multiplied(by: m, dividedBy: 10_000)) }
        }
        let exact = contributions.reduce(PointsFraction.zero) { $0 + $1.points }
        guard let points = exact.floor else { return nil }
        guard let trace = apportion(contributions, total: max(points, 0)) else { return nil }
        return PointsEarningResult(exact: exact, points: max(points, 0), trace: trace)
    }

    /// Integer shares of `contributions` adding up to `total` (= floor of their sum): every share is floored,
    /// then the units left over go to the largest fractional parts (ties: earlier rule first).
    public static func apportion(_ contributions: [(ruleId: ID, points: PointsFraction)], total: Int64)
        -> [PointsRuleTrace]?
    {
        var floors: [Int64] = []
        var fractions: [PointsFraction] = []
        for c in contributions {
            guard let f = c.points.floor, let frac = c.points.fractionalPart else { return nil }
            floors.append(f)
            fractions.append(frac)
        }
        var leftover = total - floors.reduce(0, +)
        let byFraction = fractions.indices.sorted { a, b in
            if PointsFraction.isLess(fractions[b], fractions[a]) { return true }
            if PointsFraction.isLess(fractions[a], fractions[b]) { return false }
            return a < b
        }
        for i in byFraction where leftover > 0 {
            floors[i] += 1
            leftover -= 1
        }
        return contributions.indices.map { PointsRuleTrace(ruleId: contributions[$0].ruleId, points: floors[$0]) }
    }

    /// The event or referral rule that pays: the largest bonus wins (Open Loyalty [OL-earn]); ties go to the lower
    /// priority number, then the lower rule id.
    public static func bestBonusRule(_ rules: [EarningRuleDefined]) -> EarningRuleDefined? {
        rules.filter { ($0.params.bonus ?? 0) > 0 }.min { a, b in
            let (x, y) = (a.params.bonus ?? 0, b.params.bonus ?? 0)
            if x != y { return x > y }
            if a.priority != b.priority { return a.priority < b.priority }
            return a.ruleId < b.ruleId
        }
    }

    static func excluded(_ item: PurchaseItem, _ p: EarningRuleParams) -> Bool {
        p.excludedSkus.contains(item.sku) || item.labels.contains { p.excludedLabels.contains($0) }
    }

    static func matches(_ item: PurchaseItem, _ p: EarningRuleParams) -> Bool {
        p.skus.contains(item.sku) || item.labels.contains { p.labels.contains($0) }
    }
}
