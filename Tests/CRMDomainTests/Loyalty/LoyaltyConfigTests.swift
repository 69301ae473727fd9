import CRMDomain
import Testing

@Suite struct LoyaltyConfigTests {
    typealias T = LoyaltyTesting
    typealias W = LoyaltyWorld
    let t0 = LoyaltyTesting.t0
    let sys = LoyaltyTesting.system

    func program(_ version: Int64 = 1, policy: PointsExpiryPolicy = .rolling(days: 180), currency: String = "CNY")
        -> DefineLoyaltyProgram
    {
        DefineLoyaltyProgram(
            programId: ID(250),
            version: version,
            name: "Coffee Club",
            pointName: "beans",
            currency: currency,
            expiryPolicy: policy,
            tierMetric: .spend,
            storeScope: [W.storeA]
        )
    }

    // MARK: LOY-01

    @Test func aProgramVersionIsDefinedWithItsPolicy() throws {
        var w = try W()
        let out = try w.store.execute(program(), as: .user(T.ops), at: t0)
        #expect(
            T.events(out) == [
                LoyaltyProgramDefined(
                    programId: ID(250),
                    version: 1,
                    name: "Coffee Club",
                    pointName: "beans",
                    currency: "CNY",
                    expiryPolicy: .rolling(days: 180),
                    rounding: .floor,
                    tierMetric: .spend,
                    storeScope: [W.storeA],
                    returnsEnabled: true
                )
            ]
        )
        #expect(T.streams(out) == ["loyaltyProgram-\(ID(250))"])
        try w.store.execute(program(2, policy: .endOf(.year, after: 1)), as: .user(T.ops), at: t0)
        #expect(w.store.state(LoyaltyProgram.self, ID(250))?.version == 2)
    }

    @Test func rollingExpiryNeedsAPositiveNumberOfDays() throws {
        var w = try W()
        T.expectRejected(
            &w.store,
            program(policy: .rolling(days: 0)),
            rule: "LOY-01.rollingDaysPositive",
            kind: .invariantViolated
        )
        T.expectRejected(
            &w.store,
            program(policy: .rolling(days: -30)),
            rule: "LOY-01.rollingDaysPositive",
            kind: .invariantViolated
        )
        T.expectRejected(
            &w.store,
            program(policy: PointsExpiryPolicy(kind: .rollingDays, days: nil, period: nil, periodsAfter: nil)),
            rule: "LOY-01.rollingDaysPositive",
            kind: .invariantViolated
        )
        try w.store.execute(program(policy: .rolling(days: 1)), as: sys, at: t0)
    }

    @Test func badProgramInputIsRejected() throws {
        var w = try W()
        T.expectRejected(&w.store, program(2), rule: "LOY-01.versionSequence", kind: .invariantViolated)
        T.expectRejected(&w.store, program(currency: "rmb"), rule: "LOY-01.currency", kind: .invalidInput)
        T.expectRejected(
            &w.store,
            program(policy: PointsExpiryPolicy(kind: .endOfPeriod, days: nil, period: nil, periodsAfter: 0)),
            rule: "LOY-01.endOfPeriodParams",
            kind: .invalidInput
        )
        T.expectRejected(&w.store, program(), as: .user(T.viewer), rule: "LOY-01.perm", kind: .accessDenied)
        var unknownStore = program()
        unknownStore = DefineLoyaltyProgram(
            programId: ID(250),
            version: 1,
            name: "Coffee Club",
            pointName: "beans",
            currency: "CNY",
            expiryPolicy: .never,
            tierMetric: .points,
            storeScope: [ID(399)]
        )
        T.expectRejected(&w.store, unknownStore, rule: "LOY-01.storeExists", kind: .notFound)
        try w.store.execute(program(), as: sys, at: t0)
        T.expectRejected(&w.store, program(2, currency: "USD"), rule: "LOY-01.currencyFixed", kind: .invalidInput)
    }

    @Test func expiryPoliciesGiveTheLastUsableDay() {
        #expect(
            PointsExpiryPolicy.rolling(days: 180).expiresOn(earnedOn: LocalDate(2025, 1, 10)) == LocalDate(2025, 7, 9)
        )
        #expect(
            PointsExpiryPolicy.rolling(days: 180).expiresOn(earnedOn: LocalDate(2025, 2, 14)) == LocalDate(2025, 8, 13)
        )
        #expect(
            PointsExpiryPolicy.endOf(.year, after: 1).expiresOn(earnedOn: LocalDate(2025, 3, 5))
                == LocalDate(2026, 12, 31)
        )
        #expect(
            PointsExpiryPolicy.endOf(.quarter).expiresOn(earnedOn: LocalDate(2025, 2, 14)) == LocalDate(2025, 3, 31)
        )
        #expect(
            PointsExpiryPolicy.endOf(.month, after: 1).expiresOn(earnedOn: LocalDate(2024, 1, 31))
                == LocalDate(2024, 2, 29)
        )
        #expect(PointsExpiryPolicy.never.expiresOn(earnedOn: LocalDate(2025, 1, 10)) == nil)
    }

    // MARK: LOY-02

    func rule(_ id: UInt64, _ kind: EarningRuleKind, _ params: EarningRuleParams, tiers: [ID] = [], segments: [ID] = [])
        -> DefineEarningRule
    {
        DefineEarningRule(
            ruleId: ID(id),
            programId: W.programId,
            kind: kind,
            params: params,
            tierScope: tiers,
            segmentScope: segments,
            activeFrom: LocalDate(2026, 2, 1),
            activeTo: LocalDate(2026, 2, 28),
            priority: 2
        )
    }

    @Test func anEarningRuleIsDefinedAndLinkedToItsProgram() throws {
        var w = try W()
        let params = EarningRuleParams(multiplierBasisPoints: 20_000, skus: ["TEA-01"])
        let out = try w.store.execute(rule(401, .productMultiplier, params, tiers: [W.gold]), as: .user(T.ops), at: t0)
        #expect(
            T.events(out) == [
                EarningRuleDefined(
                    ruleId: ID(401),
                    programId: W.programId,
                    kind: .productMultiplier,
                    params: params,
                    tierScope: [W.gold],
                    segmentScope: [],
                    activeFrom: LocalDate(2026, 2, 1),
                    activeTo: LocalDate(2026, 2, 28),
                    priority: 2
                )
            ]
        )
        let linked = w.store.children(of: StreamRef("loyaltyProgram", W.programId.description), category: "earningRule")
        #expect(
            linked
                == [StreamRef("earningRule", W.baseRule.description), StreamRef("earningRule", ID(401).description)]
                .sorted()
        )
    }

    @Test func pointValueMultiplierAndBonusMustBePositive() throws {
        var w = try W()
        T.expectRejected(
            &w.store,
            rule(401, .basePerAmount, EarningRuleParams(pointValue: PointsRate(points: 0, perAmountMinor: 100))),
            rule: "LOY-02.pointValuePositive",
            kind: .invariantViolated
        )
        T.expectRejected(
            &w.store,
            rule(401, .basePerAmount, EarningRuleParams(pointValue: PointsRate(points: 1, perAmountMinor: 0))),
            rule: "LOY-02.pointValuePositive",
            kind: .invariantViolated
        )
        T.expectRejected(
            &w.store,
            rule(401, .productMultiplier, EarningRuleParams(multiplierBasisPoints: 0, skus: ["TEA-01"])),
            rule: "LOY-02.multiplierPositive",
            kind: .invariantViolated
        )
        T.expectRejected(
            &w.store,
            rule(401, .productBonus, EarningRuleParams(bonus: -5, skus: ["TEA-01"])),
            rule: "LOY-02.bonusPositive",
            kind: .invariantViolated
        )
        T.expectRejected(
            &w.store,
            rule(401, .event, EarningRuleParams(eventName: "birthday")),
            rule: "LOY-02.bonusPositive",
            kind: .invariantViolated
        )
        T.expectRejected(
            &w.store,
            rule(401, .referral, EarningRuleParams(bonus: 0)),
            rule: "LOY-02.bonusPositive",
            kind: .invariantViolated
        )
        try w.store.execute(
            rule(401, .basePerAmount, EarningRuleParams(pointValue: PointsRate(points: 1, perAmountMinor: 200))),
            as: sys,
            at: t0
        )
        try w.store.execute(
            rule(402, .productMultiplier, EarningRuleParams(multiplierBasisPoints: 5_000, labels: ["clearance"])),
            as: sys,
            at: t0
        )
        try w.store.execute(rule(403, .productBonus, EarningRuleParams(bonus: 50, skus: ["TEA-01"])), as: sys, at: t0)
        try w.store.execute(rule(404, .event, EarningRuleParams(bonus: 100, eventName: "birthday")), as: sys, at: t0)
        try w.store.execute(rule(405, .referral, EarningRuleParams(bonus: 200)), as: sys, at: t0)
    }

    @Test func badRuleInputIsRejected() throws {
        var w = try W()
        T.expectRejected(
            &w.store,
            rule(401, .productBonus, EarningRuleParams(bonus: 5)),
            rule: "LOY-02.productTarget",
            kind: .invalidInput
        )
        T.expectRejected(
            &w.store,
            rule(401, .event, EarningRuleParams(bonus: 5)),
            rule: "LOY-02.eventName",
            kind: .invalidInput
        )
        T.expectRejected(
            &w.store,
            rule(
                401,
                .basePerAmount,
                EarningRuleParams(pointValue: PointsRate(points: 1, perAmountMinor: 100), bonus: 5)
            ),
            rule: "LOY-02.paramsForKind",
            kind: .invalidInput
        )
        T.expectRejected(
            &w.store,
            rule(
                401,
                .basePerAmount,
                EarningRuleParams(
                    pointValue: PointsRate(points: 1, perAmountMinor: 100),
                    minOrderValue: Money(amountMinor: 1, currency: "USD")
                )
            ),
            rule: "LOY-02.minOrderValue",
            kind: .invalidInput
        )
        T.expectRejected(
            &w.store,
            rule(401, .referral, EarningRuleParams(bonus: 5), tiers: [ID(219)]),
            rule: "LOY-02.tierScopeExists",
            kind: .notFound
        )
        T.expectRejected(
            &w.store,
            rule(401, .referral, EarningRuleParams(bonus: 5), segments: [ID(729)]),
            rule: "LOY-02.segmentScopeExists",
            kind: .notFound
        )
        try w.store.execute(
            DefineAudienceList(
                listId: ID(729),
                name: "dyn",
                segmentCriteria: [FieldCriterion(field: "customer.level", op: .equals, value: "A")]
            ),
            as: sys,
            at: t0
        )
        T.expectRejected(
            &w.store,
            rule(401, .referral, EarningRuleParams(bonus: 5), segments: [ID(729)]),
            rule: "LOY-02.segmentScopeStatic",
            kind: .invalidInput
        )
        T.expectRejected(
            &w.store,
            DefineEarningRule(
                ruleId: ID(401),
                programId: ID(299),
                kind: .referral,
                params: EarningRuleParams(bonus: 5)
            ),
            rule: "LOY-02.programExists",
            kind: .notFound
        )
        T.expectRejected(
            &w.store,
            DefineEarningRule(
                ruleId: W.baseRule,
                programId: W.programId,
                kind: .referral,
                params: EarningRuleParams(bonus: 5)
            ),
            rule: "LOY-02.ruleIdUnique",
            kind: .alreadyExists
        )
        T.expectRejected(
            &w.store,
            DefineEarningRule(
                ruleId: ID(401),
                programId: W.programId,
                kind: .referral,
                params: EarningRuleParams(bonus: 5),
                activeFrom: LocalDate(2026, 3, 1),
                activeTo: LocalDate(2026, 2, 1)
            ),
            rule: "LOY-02.activeWindow",
            kind: .invalidInput
        )
    }

    // MARK: LOY-03

    @Test func anActiveRuleIsDeactivatedOnce() throws {
        var w = try W()
        let out = try w.store.execute(DeactivateEarningRule(ruleId: W.baseRule), as: .user(T.ops), at: t0)
        #expect(T.events(out) == [EarningRuleDeactivated(ruleId: W.baseRule)])
        T.expectRejected(
            &w.store,
            DeactivateEarningRule(ruleId: W.baseRule),
            rule: "LOY-03.active",
            kind: .invalidState
        )
        T.expectRejected(&w.store, DeactivateEarningRule(ruleId: ID(499)), rule: "LOY-03.ruleExists", kind: .notFound)
    }

    // MARK: LOY-04

    @Test func theFirstTierStartsAtZeroAndThresholdsNeverRepeat() throws {
        var w = try W(tiers: false)
        func tier(_ id: UInt64, _ threshold: Int64) -> DefineTier {
            DefineTier(
                tierId: ID(id),
                programId: W.programId,
                name: "T\(threshold)",
                threshold: threshold,
                benefits: TierBenefits(earnMultiplierBasisPoints: 12_000, discountBasisPoints: 300)
            )
        }
        T.expectRejected(&w.store, tier(220, 500), rule: "LOY-04.lowestTierZero", kind: .invariantViolated)
        let out = try w.store.execute(tier(220, 0), as: .user(T.ops), at: t0)
        #expect(
            T.events(out) == [
                TierDefined(
                    tierId: ID(220),
                    programId: W.programId,
                    name: "T0",
                    threshold: 0,
                    benefits: TierBenefits(earnMultiplierBasisPoints: 12_000, discountBasisPoints: 300)
                )
            ]
        )
        try w.store.execute(tier(222, 5_000), as: sys, at: t0)
        T.expectRejected(&w.store, tier(223, 5_000), rule: "LOY-04.thresholdsIncreasing", kind: .invariantViolated)
        T.expectRejected(&w.store, tier(223, 0), rule: "LOY-04.thresholdsIncreasing", kind: .invariantViolated)
        T.expectRejected(&w.store, tier(223, -1), rule: "LOY-04.thresholdsIncreasing", kind: .invariantViolated)
        try w.store.execute(tier(221, 1_000), as: sys, at: t0)
        T.expectRejected(&w.store, tier(221, 2_000), rule: "LOY-04.tierIdUnique", kind: .alreadyExists)
        T.expectRejected(
            &w.store,
            DefineTier(
                tierId: ID(224),
                programId: W.programId,
                name: "x",
                threshold: 9_000,
                benefits: TierBenefits(earnMultiplierBasisPoints: 0, discountBasisPoints: nil)
            ),
            rule: "LOY-04.benefits",
            kind: .invalidInput
        )
        #expect(
            EvaluateMemberTier.target(for: 4_999, in: [tier(220, 0), tier(221, 1_000), tier(222, 5_000)].map(toEvent))?
                .tierId == ID(221)
        )
    }

    func toEvent(_ c: DefineTier) -> TierDefined {
        TierDefined(
            tierId: c.tierId,
            programId: c.programId,
            name: c.name,
            threshold: c.threshold,
            benefits: c.benefits
        )
    }

    // MARK: LOY-05

    @Test func aRewardCostsPoints() throws {
        var w = try W()
        let out = try w.store.execute(
            DefineReward(rewardId: ID(600), programId: W.programId, requiredPoints: 300, kind: .voucher, stock: 100),
            as: .user(T.ops),
            at: t0
        )
        #expect(
            T.events(out) == [
                RewardDefined(
                    rewardId: ID(600),
                    programId: W.programId,
                    requiredPoints: 300,
                    kind: .voucher,
                    stock: 100
                )
            ]
        )
        T.expectRejected(
            &w.store,
            DefineReward(rewardId: ID(601), programId: W.programId, requiredPoints: 0, kind: .product),
            rule: "LOY-05.requiredPointsPositive",
            kind: .invariantViolated
        )
        T.expectRejected(
            &w.store,
            DefineReward(rewardId: ID(601), programId: W.programId, requiredPoints: 10, kind: .product, stock: -1),
            rule: "LOY-05.stock",
            kind: .invalidInput
        )
        T.expectRejected(
            &w.store,
            DefineReward(rewardId: ID(600), programId: W.programId, requiredPoints: 10, kind: .product),
            rule: "LOY-05.rewardIdUnique",
            kind: .alreadyExists
        )
        T.expectRejected(
            &w.store,
            DefineReward(rewardId: ID(601), programId: ID(299), requiredPoints: 10, kind: .product),
            rule: "LOY-05.programExists",
            kind: .notFound
        )
    }

    // MARK: LOY-06

    @Test func storeIdsAreUnique() throws {
        var w = try W()
        let out = try w.store.execute(
            RegisterStore(storeId: ID(302), name: "Pudong airport", chainId: ID(390), region: "Shanghai"),
            as: .user(T.ops),
            at: t0
        )
        #expect(
            T.events(out) == [
                StoreRegistered(storeId: ID(302), name: "Pudong airport", chainId: ID(390), region: "Shanghai")
            ]
        )
        T.expectRejected(
            &w.store,
            RegisterStore(storeId: ID(302), name: "Again"),
            rule: "LOY-06.storeIdUnique",
            kind: .alreadyExists
        )
        T.expectRejected(&w.store, RegisterStore(storeId: ID(303), name: ""), rule: "LOY-06.name", kind: .invalidInput)
        T.expectRejected(
            &w.store,
            RegisterStore(storeId: ID(303), name: "x"),
            as: .user(T.viewer),
            rule: "LOY-06.perm",
            kind: .accessDenied
        )
    }
}
