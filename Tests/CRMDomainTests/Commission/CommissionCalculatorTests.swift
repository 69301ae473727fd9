import CRMDomain
import Testing

/// Reference §3.4 worked example, plan "AE 2025 Q2", in minor units (fen): marginal tiers 0–100k at 3 %,
/// 100k–250k at 5 %, ≥ 250k at 8 %; Services paid at 2 % outside the tiers; revenue splits honoured.
@Suite struct CommissionCalculatorTests {
    static let services = ID(890)
    static func y(_ yuan: Int64) -> Money { .cny(yuan * 100) }
    static func tiers(_ r: [Int64]) -> [CommissionTier] {
        [
            CommissionTier(from: y(0), to: y(100_000), rateBasisPoints: r[0]),
            CommissionTier(from: y(100_000), to: y(250_000), rateBasisPoints: r[1]),
            CommissionTier(from: y(250_000), to: nil, rateBasisPoints: r[2]),
        ]
    }

    static let plan = CommissionPlanDefinition(
        name: "AE 2025 Q2",
        basis: .paymentVerified,
        tierMode: .marginal,
        tiers: tiers([300, 500, 800]),
        productOverrides: [
            CommissionProductOverride(categoryId: services, rateBasisPoints: 200, countsTowardTiers: false)
        ],
        period: .quarter
    )

    var plan: CommissionPlanDefinition { Self.plan }
    var retroactive: CommissionPlanDefinition {
        var p = Self.plan
        p.tierMode = .retroactive
        return p
    }

    /// Li: 260 000 from sole-owned deals (of which 20 000 Services) + 60 % of a 100 000 split deal.
    func liParts() -> [CommissionBasePart] {
        let sole = CommissionCalculator.creditedParts(
            lines: [
                .init(productId: ID(1), categoryId: ID(2), amountMinor: 24_000_000, costMinor: nil),
                .init(productId: ID(3), categoryId: Self.services, amountMinor: 2_000_000, costMinor: nil),
            ],
            documentMinor: 26_000_000,
            sourceMinor: 26_000_000,
            shareBasisPoints: 10_000,
            currency: "CNY",
            plan: plan
        )
        let split = CommissionCalculator.creditedParts(
            lines: [],
            documentMinor: 10_000_000,
            sourceMinor: 10_000_000,
            shareBasisPoints: 6_000,
            currency: "CNY",
            plan: plan
        )
        return sole + split
    }

    @Test func creditedBasesFollowSplitsAndOverrides() {
        let parts = liParts()
        #expect(
            parts == [
                .tiered(Self.y(240_000)),
                CommissionBasePart(amount: Self.y(20_000), overrideRateBasisPoints: 200, countsTowardTiers: false),
                .tiered(Self.y(60_000)),
            ]
        )
        let base = CommissionBase(parts)
        #expect(base.tierBaseMinor == 30_000_000)
        #expect(base.totalMinor == 32_000_000)
        let wang = CommissionCalculator.creditedParts(
            lines: [],
            documentMinor: 10_000_000,
            sourceMinor: 10_000_000,
            shareBasisPoints: 4_000,
            currency: "CNY",
            plan: plan
        )
        #expect(wang == [.tiered(Self.y(40_000))])
    }

    @Test func marginalTiersPay14500PlusServices400() {
        let r = CommissionCalculator.commission(CommissionBase(liParts()), plan: plan)
        #expect(r.tierCommissionMinor == 1_450_000)
        #expect(r.overrideCommissionMinor == 40_000)
        #expect(r.totalMinor == 1_490_000)
        #expect(r.tier == 3 && r.rateBasisPoints == 800 && r.toNextTierMinor == nil)
    }

    @Test func retroactiveTiersPay24000PlusServices400() {
        let r = CommissionCalculator.commission(CommissionBase(liParts()), plan: retroactive)
        #expect(r.tierCommissionMinor == 2_400_000)
        #expect(r.totalMinor == 2_440_000)
    }

    @Test func theRetroactiveCliffAtTheThreshold() {
        let t = Self.tiers([300, 500, 800])
        #expect(CommissionCalculator.tiered(24_999_900, tiers: t, mode: .retroactive) == 1_249_995)
        #expect(CommissionCalculator.tiered(25_000_000, tiers: t, mode: .retroactive) == 2_000_000)
        #expect(CommissionCalculator.tiered(24_999_900, tiers: t, mode: .marginal) == 1_049_995)
        #expect(CommissionCalculator.tiered(25_000_000, tiers: t, mode: .marginal) == 1_050_000)
        #expect(CommissionCalculator.tierIndex(24_999_900, tiers: t) == 1)
        #expect(CommissionCalculator.tierIndex(25_000_000, tiers: t) == 2)
    }

    @Test func theClawbackRecomputesOnTheTieredBase() {
        var base = CommissionBase(liParts())
        let before = CommissionCalculator.commission(base, plan: plan).totalMinor
        base.add([.tiered(Self.y(30_000))], sign: -1)
        let after = CommissionCalculator.commission(base, plan: plan)
        #expect(after.tierBaseMinor == 27_000_000)
        #expect(after.tierCommissionMinor == 1_210_000)
        #expect(after.totalMinor - before == -240_000)
    }

    @Test func targetBasedPayoutInterpolatesBetweenLevels() {
        let levels = [
            CommissionTargetLevel(attainmentBasisPoints: 0, payoutBasisPoints: 0),
            CommissionTargetLevel(attainmentBasisPoints: 10_000, payoutBasisPoints: 10_000),
            CommissionTargetLevel(attainmentBasisPoints: 15_000, payoutBasisPoints: 18_000),
        ]
        let otc: Int64 = 1_000_000
        #expect(
            CommissionCalculator.targetPayout(otcMinor: otc, levels: levels, attainmentBasisPoints: 12_000) == 1_320_000
        )
        #expect(
            CommissionCalculator.targetPayout(otcMinor: otc, levels: levels, attainmentBasisPoints: 5_000) == 500_000
        )
        #expect(
            CommissionCalculator.targetPayout(otcMinor: otc, levels: levels, attainmentBasisPoints: 20_000) == 1_800_000
        )
        let capped = Array(levels.prefix(2))
        #expect(CommissionCalculator.targetPayout(otcMinor: otc, levels: capped, attainmentBasisPoints: 13_000) == otc)
        let threshold =
            [CommissionTargetLevel(attainmentBasisPoints: 5_000, payoutBasisPoints: 2_500)] + Array(levels.dropFirst())
        #expect(CommissionCalculator.targetPayout(otcMinor: otc, levels: threshold, attainmentBasisPoints: 4_999) == 0)
        let target = CommissionPlanDefinition(
            name: "OTC",
            basis: .paymentVerified,
            tierMode: .flat,
            tiers: [],
            period: .quarter,
            targetLevels: levels,
            onTargetCommission: Self.y(10_000)
        )
        let r = CommissionCalculator.commission(
            CommissionBase([.tiered(Self.y(120_000))]),
            plan: target,
            targetMinor: 10_000_000
        )
        #expect(r.attainmentBasisPoints == 12_000 && r.totalMinor == 1_320_000 && r.tier == 2)
        #expect(
            CommissionCalculator.commission(CommissionBase([.tiered(Self.y(1))]), plan: target, targetMinor: nil)
                .totalMinor == 0
        )
    }

    @Test func theRepsQ3ViewAfterTheClawback() {
        let view = CommissionCalculator.myCommission(
            base: CommissionBase([.tiered(Self.y(85_000))]),
            plan: plan,
            clawbackMinor: -240_000,
            pending: [.tiered(Self.y(20_000))]
        )
        #expect(view.baseMinor == 8_500_000)
        #expect(view.tier == 1 && view.rateBasisPoints == 300)
        #expect(view.earnedMinor == 255_000)
        #expect(view.netMinor == 15_000)
        #expect(view.toNextTierMinor == 1_500_000)
        // 15 000 more at 3 % and 5 000 at 5 %.
        #expect(view.potentialMinor == 45_000 + 25_000)
    }

    @Test func flatPlansCapsAndCountingOverrides() {
        var flat = plan
        flat.tierMode = .flat
        flat.tiers = [CommissionTier(from: Self.y(0), to: nil, rateBasisPoints: 500)]
        flat.productOverrides = []
        #expect(
            CommissionCalculator.commission(CommissionBase([.tiered(Self.y(300_000))]), plan: flat).totalMinor
                == 1_500_000
        )
        flat.capAmount = Self.y(10_000)
        let capped = CommissionCalculator.commission(CommissionBase([.tiered(Self.y(300_000))]), plan: flat)
        #expect(capped.uncappedMinor == 1_500_000 && capped.totalMinor == 1_000_000)
        // A counting override sets the tier but is paid at its own rate; the tiers pay the blended rate on the rest.
        var counting = plan
        counting.productOverrides = [
            CommissionProductOverride(categoryId: Self.services, rateBasisPoints: 200, countsTowardTiers: true)
        ]
        let base = CommissionBase([
            .tiered(Self.y(200_000)),
            CommissionBasePart(amount: Self.y(100_000), overrideRateBasisPoints: 200, countsTowardTiers: true),
        ])
        let r = CommissionCalculator.commission(base, plan: counting)
        #expect(r.tierBaseMinor == 30_000_000)
        #expect(r.tierCommissionMinor == 966_667)
        #expect(r.overrideCommissionMinor == 200_000)
    }

    @Test func partialPaymentsAreProRatedOverLinesExactly() {
        let lines: [CommissionCalculator.Line] = [
            .init(productId: ID(1), categoryId: ID(2), amountMinor: 24_000_000, costMinor: 10_000_000),
            .init(productId: ID(3), categoryId: Self.services, amountMinor: 2_000_000, costMinor: nil),
        ]
        let parts = CommissionCalculator.creditedParts(
            lines: lines,
            documentMinor: 26_000_000,
            sourceMinor: 5_000_000,
            shareBasisPoints: 10_000,
            currency: "CNY",
            plan: plan
        )
        #expect(parts.map(\.amount.amountMinor) == [4_615_385, 384_615])
        #expect(parts.map(\.amount.amountMinor).reduce(0, +) == 5_000_000)
        var margin = plan
        margin.baseType = .margin
        let m = CommissionCalculator.creditedParts(
            lines: lines,
            documentMinor: 26_000_000,
            sourceMinor: 26_000_000,
            shareBasisPoints: 10_000,
            currency: "CNY",
            plan: margin
        )
        #expect(m.map(\.amount.amountMinor) == [14_000_000, 2_000_000])
    }
}
