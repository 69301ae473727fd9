/// Campaign ROI and cost ratios (§3.6), as pure functions over the campaign's figures.
///
/// Cost is counted **once** per campaign (Σ MKT-04), never once per won opportunity: the SuiteCRM query sums the
/// campaign's cost per joined opportunity row (§5 pitfall 1). Ratios are exact fractions rounded half away from
/// zero only at the end: ROI to basis points (260 % = 26 000), money ratios to minor units.
///
/// ```swift
/// let p = CampaignPerformance(actualCost: .cny(5_000_000), leads: 200, converted: 40, wonDeals: 12,
///                             wonRevenue: .cny(18_000_000))
/// p.roiBasisPoints        // 26_000 (260 %)
/// p.costPerWonDeal        // 416_667 minor units (4 166.67)
/// ```
public struct CampaignPerformance: Hashable, Sendable {
    public let actualCost: Money
    public let leads: Int64
    public let converted: Int64
    public let wonDeals: Int64
    public let wonRevenue: Money
    public let impressions: Int64
    public let clicks: Int64

    public init(
        actualCost: Money,
        leads: Int64 = 0,
        converted: Int64 = 0,
        wonDeals: Int64 = 0,
        wonRevenue: Money,
        impressions: Int64 = 0,
        clicks: Int64 = 0
    ) {
        precondition(actualCost.currency == wonRevenue.currency, "cost and revenue in one currency")
        self.actualCost = actualCost
        self.leads = leads
        self.converted = converted
        self.wonDeals = wonDeals
        self.wonRevenue = wonRevenue
        self.impressions = impressions
        self.clicks = clicks
    }

    /// `(wonRevenue − actualCost) / actualCost` in basis points; `nil` when nothing was spent.
    public var roiBasisPoints: Int64? {
        CampaignMath.ratioBasisPoints(wonRevenue.amountMinor - actualCost.amountMinor, actualCost.amountMinor)
    }

    /// Cost per lead (CPL).
    public var costPerLead: Money? { per(leads) }
    /// Cost per converted lead.
    public var costPerConversion: Money? { per(converted) }
    /// Cost per won deal (won customer).
    public var costPerWonDeal: Money? { per(wonDeals) }
    public var costPerImpression: Money? { per(impressions) }
    public var costPerClick: Money? { per(clicks) }

    /// `actualCost / budget` in basis points; `nil` for a zero budget.
    public func budgetUsedBasisPoints(budget: Money) -> Int64? {
        CampaignMath.ratioBasisPoints(actualCost.amountMinor, budget.amountMinor)
    }

    private func per(_ count: Int64) -> Money? {
        guard count > 0 else { return nil }
        return Money(
            amountMinor: CampaignMath.roundedDivision(actualCost.amountMinor, count),
            currency: actualCost.currency
        )
    }
}

/// One row of the per-keyword ROI table; `keyword == nil` is the unattributed row (cost and revenue with no
/// keyword), so the rows add up to the campaign.
public struct CampaignKeywordPerformance: Hashable, Sendable {
    public let keyword: String?
    public let cost: Money
    public let wonRevenue: Money

    public init(keyword: String?, cost: Money, wonRevenue: Money) {
        self.keyword = keyword
        self.cost = cost
        self.wonRevenue = wonRevenue
    }

    /// `nil` when nothing was spent on the keyword (shown as "—").
    public var roiBasisPoints: Int64? {
        CampaignMath.ratioBasisPoints(wonRevenue.amountMinor - cost.amountMinor, cost.amountMinor)
    }
}

/// Won revenue attributed to a keyword (`nil`: leads without a UTM term).
public struct KeywordRevenue: Hashable, Sendable {
    public let keyword: String?
    public let amount: Money

    public init(keyword: String?, amount: Money) {
        self.keyword = keyword
        self.amount = amount
    }
}

public enum CampaignROI {
    /// Σ MKT-04 amounts (corrections included), counted once.
    public static func actualCost(_ costs: [CampaignCostRecorded], currency: String) -> Money {
        Money(amountMinor: costs.reduce(0) { $0 + $1.amount.amountMinor }, currency: currency)
    }

    /// Per-keyword rows: one per keyword in order of first appearance (costs first, then revenue), then the
    /// unattributed row when it has cost or revenue. Σ rows = the campaign's cost and revenue.
    public static func keywordRows(
        costs: [CampaignCostRecorded],
        revenue: [KeywordRevenue],
        currency: String
    ) -> [CampaignKeywordPerformance] {
        var order: [String?] = []
        var cost: [String?: Int64] = [:]
        var won: [String?: Int64] = [:]
        for c in costs {
            if cost[c.keyword] == nil && won[c.keyword] == nil { order.append(c.keyword) }
            cost[c.keyword, default: 0] += c.amount.amountMinor
        }
        for r in revenue {
            if cost[r.keyword] == nil && won[r.keyword] == nil { order.append(r.keyword) }
            won[r.keyword, default: 0] += r.amount.amountMinor
        }
        let keyed = order.filter { $0 != nil }
        let rows = (keyed + (order.contains(where: { $0 == nil }) ? [nil] : [])).map { k in
            CampaignKeywordPerformance(
                keyword: k,
                cost: Money(amountMinor: cost[k] ?? 0, currency: currency),
                wonRevenue: Money(amountMinor: won[k] ?? 0, currency: currency)
            )
        }
        return rows
    }

    /// Hierarchy rollup (SF `HierarchyActualCost`): the cost of `campaign` plus all campaigns below it.
    public static func hierarchyCost(of root: ID, costs: [ID: Money], parents: [ID: ID]) -> Int64 {
        var total: Int64 = 0
        for (id, cost) in costs {
            var current: ID? = id
            var seen = Set<ID>()
            while let c = current, seen.insert(c).inserted {
                if c == root {
                    total += cost.amountMinor
                    break
                }
                current = parents[c]
            }
        }
        return total
    }
}

enum CampaignMath {
    /// `n / d` rounded half away from zero.
    static func roundedDivision(_ n: Int64, _ d: Int64) -> Int64 {
        let wn = Int128(n)
        let wd = Int128(d)
        let q = wn / wd
        let r = wn % wd
        let away = 2 * (r < 0 ? -r : r) >= (wd < 0 ? -wd : wd)
        let sign: Int128 = (wn < 0) != (wd < 0) ? -1 : 1
        return Int64(clamping: away ? q + sign : q)
    }

    /// `n / d` in basis points, rounded half away from zero; `nil` when `d == 0`.
    static func ratioBasisPoints(_ n: Int64, _ d: Int64) -> Int64? {
        guard d != 0 else { return nil }
        let wn = Int128(n) * 10_000
        let wd = Int128(d)
        let q = wn / wd
        let r = wn % wd
        let away = 2 * (r < 0 ? -r : r) >= (wd < 0 ? -wd : wd)
        let sign: Int128 = (wn < 0) != (wd < 0) ? -1 : 1
        return Int64(clamping: away ? q + sign : q)
    }
}
