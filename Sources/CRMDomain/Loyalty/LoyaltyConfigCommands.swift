// Commands of catalogue §2.9, configuration (LOY-01..LOY-06).

extension LoyaltyProgram {
    static func load(_ id: ID, _ d: inout Decision, rule: String) throws(Rejection) -> LoyaltyProgram {
        guard let p = d.load(LoyaltyProgram.self, id), p.exists else {
            throw .notFound(rule, "loyalty program", id: id)
        }
        return p
    }
}

extension Store {
    static func require(_ id: ID, _ d: inout Decision, rule: String) throws(Rejection) {
        guard d.load(Store.self, id)?.exists == true else { throw .notFound(rule, "store", id: id) }
    }
}

/// LOY-01: define the next version of a loyalty programme (the first version is 1). The currency is fixed by
/// version 1.
public struct DefineLoyaltyProgram: Command {
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
        rounding: PointsRounding = .floor,
        tierMetric: TierMetric,
        storeScope: [ID] = [],
        returnsEnabled: Bool = true
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

    public func decide(_ d: inout Decision) throws(Rejection) {
        let existing = d.load(LoyaltyProgram.self, programId) ?? LoyaltyProgram()
        try d.authorize(existing.exists ? .edit : .create, on: .loyaltyProgram, rule: "LOY-01.perm")
        try Rejection.require(name, "LOY-01.name", field: "name")
        try Rejection.require(pointName, "LOY-01.pointName", field: "pointName")
        guard currency.count == 3, currency.allSatisfy({ $0.isASCII && $0.isUppercase }) else {
            throw .invalidInput(
                "LOY-01.currency",
                field: "currency",
                "'\(currency)' is not an ISO 4217 code such as CNY"
            )
        }
        guard version == existing.version + 1 else {
            throw .violated(
                "LOY-01.versionSequence",
                "program \(programId) is at version \(existing.version); "
                    + "the next version is \(existing.version + 1), not \(version)",
                ["version": "\(version)", "latest": "\(existing.version)"]
            )
        }
        if existing.exists, existing.currency != currency {
            throw .invalidInput(
                "LOY-01.currencyFixed",
                field: "currency",
                "program \(programId) runs in \(existing.currency); define a new program for \(currency)"
            )
        }
        switch expiryPolicy.kind {
        case .rollingDays:
            try Rejection.ensure(
                (expiryPolicy.days ?? 0) > 0,
                "LOY-01.rollingDaysPositive",
                "rolling expiry needs a number of days greater than 0, "
                    + "got \(expiryPolicy.days.map(String.init) ?? "none")",
                ["days": expiryPolicy.days.map(String.init) ?? ""]
            )
        case .endOfPeriod:
            guard expiryPolicy.period != nil, (expiryPolicy.periodsAfter ?? -1) >= 0, expiryPolicy.days == nil else {
                throw .invalidInput(
                    "LOY-01.endOfPeriodParams",
                    field: "expiryPolicy",
                    "end-of-period expiry needs a period (month, quarter, year) and periodsAfter ≥ 0, and no days"
                )
            }
        case .none:
            guard expiryPolicy.days == nil, expiryPolicy.period == nil, expiryPolicy.periodsAfter == nil else {
                throw .invalidInput(
                    "LOY-01.noExpiryParams",
                    field: "expiryPolicy",
                    "a policy without expiry has no parameters"
                )
            }
        }
        for s in storeScope { try Store.require(s, &d, rule: "LOY-01.storeExists") }
        d.emit(
            LoyaltyProgramDefined(
                programId: programId,
                version: version,
                name: name,
                pointName: pointName,
                currency: currency,
                expiryPolicy: expiryPolicy,
                rounding: rounding,
                tierMetric: tierMetric,
                storeScope: storeScope,
                returnsEnabled: returnsEnabled
            ),
            to: LoyaltyProgram.stream(programId)
        )
    }
}

/// LOY-02: define an earning rule of a programme.
public struct DefineEarningRule: Command {
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
        tierScope: [ID] = [],
        segmentScope: [ID] = [],
        activeFrom: LocalDate? = nil,
        activeTo: LocalDate? = nil,
        priority: Int64 = 0
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

    public func decide(_ d: inout Decision) throws(Rejection) {
        try d.authorize(.create, on: .earningRule, rule: "LOY-02.perm")
        let program = try LoyaltyProgram.load(programId, &d, rule: "LOY-02.programExists")
        if d.load(EarningRule.self, ruleId)?.exists == true {
            throw .alreadyExists("LOY-02.ruleIdUnique", "earning rule", ruleId)
        }
        let p = params
        switch kind {
        case .basePerAmount:
            try Rejection.ensure(
                (p.pointValue?.points ?? 0) > 0 && (p.pointValue?.perAmountMinor ?? 0) > 0,
                "LOY-02.pointValuePositive",
                "a base rule needs pointValue > 0: points and perAmountMinor both positive",
                [
                    "points": p.pointValue.map { "\($0.points)" } ?? "",
                    "perAmountMinor": p.pointValue.map { "\($0.perAmountMinor)" } ?? "",
                ]
            )
        case .productMultiplier:
            try Rejection.ensure(
                (p.multiplierBasisPoints ?? 0) > 0,
                "LOY-02.multiplierPositive",
                "a product multiplier needs multiplierBasisPoints > 0 (×2 = 20000)",
                ["multiplierBasisPoints": p.multiplierBasisPoints.map(String.init) ?? ""]
            )
        case .productBonus, .event, .referral:
            try Rejection.ensure(
                (p.bonus ?? 0) > 0,
                "LOY-02.bonusPositive",
                "a \(kind.rawValue) rule needs bonus points > 0",
                ["bonus": p.bonus.map(String.init) ?? ""]
            )
        }
        let given: [(name: String, present: Bool, allowed: Set<EarningRuleKind>)] = [
            ("pointValue", p.pointValue != nil, [.basePerAmount]),
            ("multiplierBasisPoints", p.multiplierBasisPoints != nil, [.productMultiplier]),
            ("bonus", p.bonus != nil, [.productBonus, .event, .referral]),
            ("eventName", p.eventName != nil, [.event]),
        ]
        let unexpected = given.first { $0.present && !$0.allowed.contains(kind) }?.name
        if let unexpected {
            throw .invalidInput(
                "LOY-02.paramsForKind",
                field: "params.\(unexpected)",
                "does not apply to a \(kind.rawValue) rule"
            )
        }
        if kind == .productMultiplier || kind == .productBonus, p.skus.isEmpty, p.labels.isEmpty {
            throw .invalidInput(
                "LOY-02.productTarget",
                field: "params.skus",
                "a product rule names the SKUs or labels it applies to"
            )
        }
        if kind == .event {
            try Rejection.require(p.eventName ?? "", "LOY-02.eventName", field: "params.eventName")
        }
        if let min = p.minOrderValue {
            guard min.currency == program.currency, min.amountMinor >= 0 else {
                throw .invalidInput(
                    "LOY-02.minOrderValue",
                    field: "params.minOrderValue",
                    "\(min) must be ≥ 0 in \(program.currency)"
                )
            }
        }
        if let from = activeFrom, let to = activeTo, to < from {
            throw .invalidInput("LOY-02.activeWindow", field: "activeTo", "\(to) is before activeFrom \(from)")
        }
        guard priority >= 0 else {
            throw .invalidInput("LOY-02.priority", field: "priority", "\(priority) is negative")
        }
        for t in tierScope where d.load(Tier.self, t)?.definition?.programId != programId {
            throw .notFound("LOY-02.tierScopeExists", "tier of program \(programId)", id: t)
        }
        for s in segmentScope {
            guard let list = d.load(AudienceList.self, s), list.exists else {
                throw .notFound("LOY-02.segmentScopeExists", "audience list", id: s)
            }
            guard list.isStatic else {
                throw .invalidInput(
                    "LOY-02.segmentScopeStatic",
                    field: "segmentScope",
                    "audience list \(s) is a dynamic segment; earning rules can only be scoped to static lists"
                )
            }
        }
        d.emit(
            EarningRuleDefined(
                ruleId: ruleId,
                programId: programId,
                kind: kind,
                params: params,
                tierScope: tierScope,
                segmentScope: segmentScope,
                activeFrom: activeFrom,
                activeTo: activeTo,
                priority: priority
            ),
            to: StreamRef(EarningRule.category, ruleId.description)
        )
    }
}

/// LOY-03: deactivate an earning rule.
public struct DeactivateEarningRule: Command {
    public let ruleId: ID

    public init(ruleId: ID) { self.ruleId = ruleId }

    public func decide(_ d: inout Decision) throws(Rejection) {
        try d.authorize(.edit, on: .earningRule, rule: "LOY-03.perm")
        guard let r = d.load(EarningRule.self, ruleId), r.exists else {
            throw .notFound("LOY-03.ruleExists", "earning rule", id: ruleId)
        }
        guard r.active else {
            throw .invalidState(
                "LOY-03.active",
                "earning rule \(ruleId) is already inactive",
                ["ruleId": ruleId.description]
            )
        }
        d.emit(EarningRuleDeactivated(ruleId: ruleId), to: StreamRef(EarningRule.category, ruleId.description))
    }
}

/// LOY-04: define a tier. The first tier of a programme has threshold 0; every tier's threshold differs from the
/// others, so ordered by threshold they strictly increase.
public struct DefineTier: Command {
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

    public func decide(_ d: inout Decision) throws(Rejection) {
        try d.authorize(.create, on: .tier, rule: "LOY-04.perm")
        try Rejection.require(name, "LOY-04.name", field: "name")
        _ = try LoyaltyProgram.load(programId, &d, rule: "LOY-04.programExists")
        if d.load(Tier.self, tierId)?.exists == true { throw .alreadyExists("LOY-04.tierIdUnique", "tier", tierId) }
        if let m = benefits.earnMultiplierBasisPoints, m <= 0 {
            throw .invalidInput("LOY-04.benefits", field: "benefits.earnMultiplierBasisPoints", "\(m) must be > 0")
        }
        if let p = benefits.discountBasisPoints, !(0...10_000).contains(p) {
            throw .invalidInput("LOY-04.benefits", field: "benefits.discountBasisPoints", "\(p) must lie in 0...10000")
        }
        let tiers = d.loyaltyTiers(of: programId)
        if tiers.isEmpty {
            try Rejection.ensure(
                threshold == 0,
                "LOY-04.lowestTierZero",
                "the first (lowest) tier of program \(programId) must have threshold 0, not \(threshold)",
                ["threshold": "\(threshold)"]
            )
        } else {
            let clash = tiers.first { $0.threshold == threshold }
            try Rejection.ensure(
                threshold > 0 && clash == nil,
                "LOY-04.thresholdsIncreasing",
                "threshold \(threshold) must be above 0 and differ from every other tier's "
                    + "(\(tiers.map { "\($0.name) \($0.threshold)" }.joined(separator: ", ")))",
                ["threshold": "\(threshold)", "clashesWith": clash?.tierId.description ?? ""]
            )
        }
        d.emit(
            TierDefined(tierId: tierId, programId: programId, name: name, threshold: threshold, benefits: benefits),
            to: StreamRef(Tier.category, tierId.description)
        )
    }
}

/// LOY-05: define a reward.
public struct DefineReward: Command {
    public let rewardId: ID
    public let programId: ID
    public let requiredPoints: Int64
    public let kind: RewardKind
    public let stock: Int64?

    public init(rewardId: ID, programId: ID, requiredPoints: Int64, kind: RewardKind, stock: Int64? = nil) {
        self.rewardId = rewardId
        self.programId = programId
        self.requiredPoints = requiredPoints
        self.kind = kind
        self.stock = stock
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        try d.authorize(.create, on: .reward, rule: "LOY-05.perm")
        _ = try LoyaltyProgram.load(programId, &d, rule: "LOY-05.programExists")
        if d.load(Reward.self, rewardId)?.exists == true {
            throw .alreadyExists("LOY-05.rewardIdUnique", "reward", rewardId)
        }
        try Rejection.ensure(
            requiredPoints > 0,
            "LOY-05.requiredPointsPositive",
            "a reward must cost more than 0 points, got \(requiredPoints)",
            ["requiredPoints": "\(requiredPoints)"]
        )
        if let stock, stock < 0 { throw .invalidInput("LOY-05.stock", field: "stock", "\(stock) is negative") }
        d.emit(
            RewardDefined(
                rewardId: rewardId,
                programId: programId,
                requiredPoints: requiredPoints,
                kind: kind,
                stock: stock
            ),
            to: StreamRef(Reward.category, rewardId.description)
        )
    }
}

/// LOY-06: register a store.
public struct RegisterStore: Command {
    public let storeId: ID
    public let name: String
    public let chainId: ID?
    public let region: String?

    public init(storeId: ID, name: String, chainId: ID? = nil, region: String? = nil) {
        self.storeId = storeId
        self.name = name
        self.chainId = chainId
        self.region = region
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        try d.authorize(.create, on: .store, rule: "LOY-06.perm")
        try Rejection.require(name, "LOY-06.name", field: "name")
        if d.load(Store.self, storeId)?.exists == true {
            throw .alreadyExists("LOY-06.storeIdUnique", "store", storeId)
        }
        d.emit(
            StoreRegistered(storeId: storeId, name: name, chainId: chainId, region: region),
            to: StreamRef(Store.category, storeId.description)
        )
    }
}
