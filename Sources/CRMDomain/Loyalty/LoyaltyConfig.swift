/// A loyalty programme (LOY-01): stream `loyaltyProgram-<programId>`; the latest version wins.
public struct LoyaltyProgram: Aggregate {
    public static let category = "loyaltyProgram"

    public var exists = false
    public var definition: LoyaltyProgramDefined?

    public init() {}

    public var version: Int64 { definition?.version ?? 0 }
    public var currency: String { definition?.currency ?? "" }
    public var expiryPolicy: PointsExpiryPolicy { definition?.expiryPolicy ?? .never }
    public var tierMetric: TierMetric { definition?.tierMetric ?? .points }
    public var storeScope: [ID] { definition?.storeScope ?? [] }
    public var returnsEnabled: Bool { definition?.returnsEnabled ?? false }

    public static func stream(_ id: ID) -> StreamRef { StreamRef(category, id.description) }

    public mutating func apply(_ event: any DomainEvent) {
        if let e = event as? LoyaltyProgramDefined {
            exists = true
            definition = e
        }
    }
}

/// An earning rule (LOY-02, LOY-03): stream `earningRule-<ruleId>`.
public struct EarningRule: Aggregate {
    public static let category = "earningRule"

    public var definition: EarningRuleDefined?
    public var active = false

    public init() {}

    public var exists: Bool { definition != nil }

    /// True when the rule applies to a fact on `date` for a member in `tierId` who is in the static lists
    /// `segments` (ids of ``AudienceList``s naming the member or its customer).
    public func applies(on date: LocalDate, tierId: ID?, segments: Set<ID>) -> Bool {
        guard active, let r = definition else { return false }
        if let from = r.activeFrom, date < from { return false }
        if let to = r.activeTo, date > to { return false }
        if !r.tierScope.isEmpty, !(tierId.map(r.tierScope.contains) ?? false) { return false }
        if !r.segmentScope.isEmpty, !r.segmentScope.contains(where: segments.contains) { return false }
        return true
    }

    public mutating func apply(_ event: any DomainEvent) {
        switch event {
        case let e as EarningRuleDefined:
            definition = e
            active = true
        case is EarningRuleDeactivated:
            active = false
        default:
            break
        }
    }
}

/// A tier (LOY-04): stream `tier-<tierId>`.
public struct Tier: Aggregate {
    public static let category = "tier"

    public var definition: TierDefined?

    public init() {}

    public var exists: Bool { definition != nil }

    public mutating func apply(_ event: any DomainEvent) {
        if let e = event as? TierDefined { definition = e }
    }
}

/// A reward (LOY-05): stream `reward-<rewardId>`. Redemptions taking it are linked to the stream as children of
/// category ``redemptionCategory`` (stock counting).
public struct Reward: Aggregate {
    public static let category = "reward"
    /// The category of the index children that stand for redemptions of a reward.
    public static let redemptionCategory = "rewardRedemption"

    public var definition: RewardDefined?

    public init() {}

    public var exists: Bool { definition != nil }

    public mutating func apply(_ event: any DomainEvent) {
        if let e = event as? RewardDefined { definition = e }
    }
}

/// A store (LOY-06): stream `store-<storeId>`.
public struct Store: Aggregate {
    public static let category = "store"

    public var definition: StoreRegistered?

    public init() {}

    public var exists: Bool { definition != nil }

    public mutating func apply(_ event: any DomainEvent) {
        if let e = event as? StoreRegistered { definition = e }
    }
}

extension Decision {
    /// The tiers of a programme, lowest threshold first.
    mutating func loyaltyTiers(of programId: ID) -> [TierDefined] {
        children(of: LoyaltyProgram.stream(programId), category: Tier.category)
            .compactMap { load(Tier.self, stream: $0)?.definition }
            .sorted { $0.threshold < $1.threshold }
    }

    /// The earning rules of a programme (active or not).
    mutating func loyaltyEarningRules(of programId: ID) -> [EarningRule] {
        children(of: LoyaltyProgram.stream(programId), category: EarningRule.category)
            .compactMap { load(EarningRule.self, stream: $0) }
            .filter(\.exists)
    }
}
