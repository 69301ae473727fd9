// Events of catalogue §2.9, configuration (LOY-01..LOY-06). Streams: `loyaltyProgram-<programId>`,
// `earningRule-<ruleId>`, `tier-<tierId>`, `reward-<rewardId>`, `store-<storeId>`. Rules and tiers are linked to
// their program's stream so a decision can list them.

/// When earned points expire (§3.5): `rollingDays` — `days` after the earning date (usable through that date);
/// `endOfPeriod` — on the last day of the period (`period`) that contains the earning date, `periodsAfter`
/// periods later (0 = the same period); `none` — never.
public struct PointsExpiryPolicy: Codable, Hashable, Sendable {
    public enum Kind: String, Codable, Hashable, Sendable, CaseIterable { case rollingDays, endOfPeriod, none }
    public let kind: Kind
    public let days: Int64?
    public let period: Period.Kind?
    public let periodsAfter: Int64?

    public init(kind: Kind, days: Int64?, period: Period.Kind?, periodsAfter: Int64?) {
        self.kind = kind
        self.days = days
        self.period = period
        self.periodsAfter = periodsAfter
    }

    public static func rolling(days: Int64) -> PointsExpiryPolicy {
        PointsExpiryPolicy(kind: .rollingDays, days: days, period: nil, periodsAfter: nil)
    }

    public static func endOf(_ period: Period.Kind, after: Int64 = 0) -> PointsExpiryPolicy {
        PointsExpiryPolicy(kind: .endOfPeriod, days: nil, period: period, periodsAfter: after)
    }

    public static let never = PointsExpiryPolicy(kind: .none, days: nil, period: nil, periodsAfter: nil)

    /// The last day points earned on `earnedOn` are usable; `nil` for no expiry.
    /// Rolling 180 days: earned 2025-01-10 → 2025-07-09 (§3.5 worked example).
    public func expiresOn(earnedOn: LocalDate) -> LocalDate? {
        switch kind {
        case .rollingDays:
            return earnedOn.adding(days: Int(days ?? 0))
        case .endOfPeriod:
            var p = Period.containing(earnedOn, kind: period ?? .year)
            for _ in 0..<max(0, periodsAfter ?? 0) { p = p.next }
            return p.endExclusive.adding(days: -1)
        case .none:
            return nil
        }
    }
}

/// How the exact earned points are turned into an integer: floored once per earning (§3.5, §5 open decision).
public enum PointsRounding: String, Codable, Hashable, Sendable, CaseIterable { case floor }

/// What tiers are assigned by (Open Loyalty `tierAssignType`) [OL-lvl]: qualifying points (earned − cancelled ±
/// adjustments, never reduced by redemption or expiry) or net spend (purchase totals − returned amounts, minor units).
public enum TierMetric: String, Codable, Hashable, Sendable, CaseIterable { case points, spend }

/// LOY-01. A version of a loyalty programme. `returnsEnabled` (the Open Loyalty `returns` setting [OL-lvl]) is
/// added to the catalogue payload: LOY-12 checks it and no other event carries it.
public struct LoyaltyProgramDefined: DomainEvent {
    public static let eventType = "LoyaltyProgramDefined"
    public let programId: ID
    public let version: Int64
    public let name: String
    public let pointName: String
    public let currency: String
    public let expiryPolicy: PointsExpiryPolicy
    public let rounding: PointsRounding
    public let tierMetric: TierMetric
    public let storeScope: [ID]
    public let returnsEnabled: Bool

    public init(
        programId: ID,
        version: Int64,
        name: String,
        pointName: String,
        currency: String,
        expiryPolicy: PointsExpiryPolicy,
        rounding: PointsRounding,
        tierMetric: TierMetric,
        storeScope: [ID],
        returnsEnabled: Bool
    ) {
        self.programId = programId
        self.version = version
        self.name = name
        self.pointName = pointName
        self.currency = currency
        self.expiryPolicy = expiryPolicy
        self.rounding = rounding
        self.tierMetric = tierMetric
        self.storeScope = storeScope
        self.returnsEnabled = returnsEnabled
    }
}

/// The kinds of earning rule, in their evaluation order (§1.7, Open Loyalty priorities [OL-earn]).
public enum EarningRuleKind: String, Codable, Hashable, Sendable, CaseIterable {
    case basePerAmount, productMultiplier, productBonus, event, referral

    /// 1 = evaluated first.
    public var order: Int {
        switch self {
        case .basePerAmount: 1
        case .productMultiplier: 2
        case .productBonus: 3
        case .event: 4
        case .referral: 5
        }
    }
}

/// A points rate without decimals: `points` per `perAmountMinor` minor units of gross amount
/// (1 point per ¥1 = `PointsRate(points: 1, perAmountMinor: 100)`).
public struct PointsRate: Codable, Hashable, Sendable {
    public let points: Int64
    public let perAmountMinor: Int64

    public init(points: Int64, perAmountMinor: Int64) {
        self.points = points
        self.perAmountMinor = perAmountMinor
    }
}

/// An earning rule's parameters. Per kind: `basePerAmount` → `pointValue`; `productMultiplier` →
/// `multiplierBasisPoints` (×2 = 20 000) on items matching `skus`/`labels`; `productBonus` → `bonus` points per
/// matching unit; `event` → `bonus` for `eventName`; `referral` → `bonus` for the referrer. Exclusions,
/// `excludeDelivery` and `minOrderValue` apply to purchase rules.
public struct EarningRuleParams: Codable, Hashable, Sendable {
    public let pointValue: PointsRate?
    public let multiplierBasisPoints: Int64?
    public let bonus: Int64?
    public let eventName: String?
    public let skus: [String]
    public let labels: [String]
    public let excludedSkus: [String]
    public let excludedLabels: [String]
    public let excludeDelivery: Bool
    public let minOrderValue: Money?

    public init(
        pointValue: PointsRate? = nil,
        multiplierBasisPoints: Int64? = nil,
        bonus: Int64? = nil,
        eventName: String? = nil,
        skus: [String] = [],
        labels: [String] = [],
        excludedSkus: [String] = [],
        excludedLabels: [String] = [],
        excludeDelivery: Bool = false,
        minOrderValue: Money? = nil
    ) {
        self.pointValue = pointValue
        self.multiplierBasisPoints = multiplierBasisPoints
        self.bonus = bonus
        self.eventName = eventName
        self.skus = skus
        self.labels = labels
        self.excludedSkus = excludedSkus
        self.excludedLabels = excludedLabels
        self.excludeDelivery = excludeDelivery
        self.minOrderValue = minOrderValue
    }
}

/// LOY-02. An earning rule of a programme. `tierScope` (tier ids) and `segmentScope` (static audience list ids)
/// restrict it when non-empty; `activeFrom`/`activeTo` bound the business dates it applies to (inclusive).
public struct EarningRuleDefined: DomainEvent {
    public static let eventType = "EarningRuleDefined"
    public let ruleId: ID
    public let programId: ID
    public let kind: EarningRuleKind
    public let params: EarningRuleParams
    public let tierScope: [ID]
    public let segmentScope: [ID]
    public let activeFrom: LocalDate?
    public let activeTo: LocalDate?
    public let priority: Int64

    public init(
        ruleId: ID,
        programId: ID,
        kind: EarningRuleKind,
        params: EarningRuleParams,
        tierScope: [ID],
        segmentScope: [ID],
        activeFrom: LocalDate?,
        activeTo: LocalDate?,
        priority: Int64
    ) {
        self.ruleId = ruleId
        self.programId = programId
        self.kind = kind
        self.params = params
        self.tierScope = tierScope
        self.segmentScope = segmentScope
        self.activeFrom = activeFrom
        self.activeTo = activeTo
        self.priority = priority
    }

    public func indexEntries(in stream: StreamRef) -> [IndexEntry] {
        [.link(parent: StreamRef(LoyaltyProgram.category, programId.description), child: stream)]
    }
}

/// LOY-03. The earning rule no longer applies to new earnings.
public struct EarningRuleDeactivated: DomainEvent {
    public static let eventType = "EarningRuleDeactivated"
    public let ruleId: ID

    public init(ruleId: ID) { self.ruleId = ruleId }
}

/// A tier's benefits: an earning multiplier (basis points, ×1.5 = 15 000) and a discount (basis points).
public struct TierBenefits: Codable, Hashable, Sendable {
    public let earnMultiplierBasisPoints: Int64?
    public let discountBasisPoints: Int64?

    public init(earnMultiplierBasisPoints: Int64?, discountBasisPoints: Int64?) {
        self.earnMultiplierBasisPoints = earnMultiplierBasisPoints
        self.discountBasisPoints = discountBasisPoints
    }
}

/// LOY-04. A tier (level) of a programme. `threshold` is in the programme's tier metric (points, or spend in
/// minor units).
public struct TierDefined: DomainEvent {
    public static let eventType = "TierDefined"
    public let tierId: ID
    public let programId: ID
    public let name: String
    public let threshold: Int64
    public let benefits: TierBenefits

    public init(tierId: ID, programId: ID, name: String, threshold: Int64, benefits: TierBenefits) {
        self.tierId = tierId
        self.programId = programId
        self.name = name
        self.threshold = threshold
        self.benefits = benefits
    }

    public func indexEntries(in stream: StreamRef) -> [IndexEntry] {
        [.link(parent: StreamRef(LoyaltyProgram.category, programId.description), child: stream)]
    }
}

/// What a reward gives.
public enum RewardKind: String, Codable, Hashable, Sendable, CaseIterable { case discount, product, voucher }

/// LOY-05. A reward members redeem points for. `stock` (when set) caps how many redemptions may take it.
public struct RewardDefined: DomainEvent {
    public static let eventType = "RewardDefined"
    public let rewardId: ID
    public let programId: ID
    public let requiredPoints: Int64
    public let kind: RewardKind
    public let stock: Int64?

    public init(rewardId: ID, programId: ID, requiredPoints: Int64, kind: RewardKind, stock: Int64?) {
        self.rewardId = rewardId
        self.programId = programId
        self.requiredPoints = requiredPoints
        self.kind = kind
        self.stock = stock
    }
}

/// LOY-06. A store (POS) was registered.
public struct StoreRegistered: DomainEvent {
    public static let eventType = "StoreRegistered"
    public let storeId: ID
    public let name: String
    public let chainId: ID?
    public let region: String?

    public init(storeId: ID, name: String, chainId: ID?, region: String?) {
        self.storeId = storeId
        self.name = name
        self.chainId = chainId
        self.region = region
    }
}
