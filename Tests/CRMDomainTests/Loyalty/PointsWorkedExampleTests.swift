import CRMDomain
import Testing

/// §3.5 worked example: rolling validity 180 days; 1 point per ¥1; in February TEA-01 carries a ×2 promotion;
/// delivery is excluded.
@Suite struct PointsWorkedExampleTests {
    let programId = ID(200)
    let base = ID(400)
    let promo = ID(401)
    let member = ID(500)
    let storeId = ID(300)
    let sys = ActorRef.system(job: "pos")

    var baseRule: EarningRuleDefined {
        EarningRuleDefined(
            ruleId: base,
            programId: programId,
            kind: .basePerAmount,
            params: EarningRuleParams(pointValue: PointsRate(points: 1, perAmountMinor: 100), excludeDelivery: true),
            tierScope: [],
            segmentScope: [],
            activeFrom: nil,
            activeTo: nil,
            priority: 1
        )
    }

    var promoRule: EarningRuleDefined {
        EarningRuleDefined(
            ruleId: promo,
            programId: programId,
            kind: .productMultiplier,
            params: EarningRuleParams(multiplierBasisPoints: 20_000, skus: ["TEA-01"]),
            tierScope: [],
            segmentScope: [],
            activeFrom: LocalDate(2025, 2, 1),
            activeTo: LocalDate(2025, 2, 28),
            priority: 1
        )
    }

    let februaryItems = [
        PurchaseItem(sku: "TEA-01", category: "tea", labels: [], qty: 1, grossAmount: .cny(10_000)),
        PurchaseItem(sku: "TEA-07", category: "tea", labels: [], qty: 1, grossAmount: .cny(15_000)),
    ]

    func at(_ y: Int, _ m: Int, _ d: Int) -> Timestamp { Timestamp(LocalDate(y, m, d), hour: 10) }

    // MARK: Pure calculators

    @Test func theFebruaryPurchaseEarns250BaseAnd100Promotion() throws {
        let r = try #require(
            PointsEarningCalculator.purchasePoints(
                items: februaryItems,
                deliveryAmountMinor: 1_000,
                orderTotalMinor: 26_000,
                rules: [promoRule, baseRule],
                tierMultiplierBasisPoints: nil
            )
        )
        #expect(r.points == 350)
        #expect(r.exact == PointsFraction(350))
        #expect(r.trace == [PointsRuleTrace(ruleId: base, points: 250), PointsRuleTrace(ruleId: promo, points: 100)])
        // Without the ¥150 item (the return of 04-20) the purchase earns 200: 150 to cancel.
        let after = try #require(
            PointsEarningCalculator.purchasePoints(
                items: [februaryItems[0]],
                deliveryAmountMinor: 1_000,
                orderTotalMinor: 11_000,
                rules: [promoRule, baseRule],
                tierMultiplierBasisPoints: nil
            )
        )
        #expect(r.points - after.points == 150)
    }

    @Test func fractionsAreKeptExactAndFlooredOnce() throws {
        // 3 items of ¥0.33 at 1 point per ¥1 = 0.99 point; floored per item it would be 0 three times.
        let items = (1...3).map {
            PurchaseItem(sku: "S\($0)", category: "c", labels: [], qty: 1, grossAmount: .cny(33))
        }
        let r = try #require(
            PointsEarningCalculator.purchasePoints(
                items: items,
                deliveryAmountMinor: 0,
                orderTotalMinor: 99,
                rules: [baseRule],
                tierMultiplierBasisPoints: 15_000
            )
        )
        // 0.99 × 1.5 = 1.485 → 1.
        #expect(r.exact == PointsFraction(1_485, 1_000))
        #expect(r.points == 1)
        #expect(PointsFraction(7, 2).floor == 3)
        #expect(PointsFraction(-7, 2).floor == -4)
        #expect((PointsFraction(1, 3) + PointsFraction(1, 6)) == PointsFraction(1, 2))
    }

    @Test func theLedgerFollowsTheWorkedExampleTable() {
        var ledger = PointsLedger()
        func lot(_ id: UInt64, _ points: Int64, _ earned: LocalDate, origin: PointsLot.Origin = .earned) -> PointsLot {
            PointsLot(
                lotId: ID(id),
                origin: origin,
                source: origin == .earned ? .purchase : nil,
                sourceId: origin == .earned ? ID(id + 100) : nil,
                ruleTrace: [],
                tierId: nil,
                earnedAt: Timestamp(earned),
                expiresOn: PointsExpiryPolicy.rolling(days: 180).expiresOn(earnedOn: earned),
                points: points
            )
        }
        let (l1, l2, l3) = (ID(1), ID(2), ID(3))
        ledger.credit(lot(1, 120, LocalDate(2025, 1, 10)))
        #expect(ledger.lot(l1)?.expiresOn == LocalDate(2025, 7, 9))
        #expect(ledger.available(asOf: LocalDate(2025, 1, 10)) == 120)
        ledger.credit(lot(2, 350, LocalDate(2025, 2, 14)))
        #expect(ledger.lot(l2)?.expiresOn == LocalDate(2025, 8, 13))
        #expect(ledger.available(asOf: LocalDate(2025, 2, 14)) == 470)
        let allocations = ledger.allocate(300, asOf: LocalDate(2025, 3, 1))
        #expect(allocations == [PointsAllocation(lotId: l1, points: 120), PointsAllocation(lotId: l2, points: 180)])
        ledger.consume(allocations ?? [], redemption: true)
        #expect(ledger.available(asOf: LocalDate(2025, 3, 1)) == 170)
        ledger.credit(lot(3, 50, LocalDate(2025, 4, 5), origin: .adjustment))
        #expect(ledger.lot(l3)?.expiresOn == LocalDate(2025, 10, 2))
        #expect(ledger.available(asOf: LocalDate(2025, 4, 5)) == 220)
        ledger.cancel(l2, 150)
        #expect(ledger.available(asOf: LocalDate(2025, 4, 20)) == 70)
        #expect(ledger.expirable(asOf: LocalDate(2025, 7, 10)).isEmpty)
        #expect(ledger.available(asOf: LocalDate(2025, 7, 10)) == 70)
        #expect(ledger.expirable(asOf: LocalDate(2025, 8, 13)).isEmpty)
        #expect(ledger.expirable(asOf: LocalDate(2025, 8, 14)).map(\.lotId) == [l2])
        ledger.expire(l2, 20)
        #expect(ledger.available(asOf: LocalDate(2025, 8, 14)) == 50)
        // Ledger identity: earned 120 + 350 + adjusted 50 = 520
        //                 = available 50 + redeemed 300 + cancelled 150 + expired 20.
        #expect(ledger.totalEarned + ledger.totalAdjustedIn == 520)
        #expect(ledger.balance + ledger.totalRedeemed + ledger.totalCancelled + ledger.totalExpired == 520)
        #expect(ledger.netMovements == ledger.balance)
        #expect(ledger.expiringSoon(asOf: LocalDate(2025, 9, 30), days: 2) == 50)
        #expect(ledger.expiringSoon(asOf: LocalDate(2025, 9, 30), days: 1) == 0)
    }

    // MARK: End to end through commands and process managers

    func world() throws -> InMemoryDomainStore {
        var store = try LoyaltyTesting.storeWithUsers(processManagers: LoyaltyCatalog.processManagers)
        let t = at(2025, 1, 1)
        try store.execute(RegisterStore(storeId: storeId, name: "Jing'an"), as: sys, at: t)
        try store.execute(
            DefineLoyaltyProgram(
                programId: programId,
                version: 1,
                name: "Tea Club",
                pointName: "leaves",
                currency: "CNY",
                expiryPolicy: .rolling(days: 180),
                tierMetric: .points
            ),
            as: sys,
            at: t
        )
        for r in [baseRule, promoRule] {
            try store.execute(
                DefineEarningRule(
                    ruleId: r.ruleId,
                    programId: programId,
                    kind: r.kind,
                    params: r.params,
                    activeFrom: r.activeFrom,
                    activeTo: r.activeTo,
                    priority: r.priority
                ),
                as: sys,
                at: t
            )
        }
        LoyaltyTesting.givenCustomer(&store, ID(100), name: "Ann")
        try store.execute(
            EnrolMember(memberId: member, customerId: ID(100), programId: programId, enrolledAt: t),
            as: sys,
            at: t
        )
        return store
    }

    func purchase(_ tx: UInt64, _ time: Timestamp, _ items: [PurchaseItem], delivery: Int64) -> RecordPurchase {
        let sum = items.reduce(0) { $0 + $1.grossAmount.amountMinor } + delivery
        return RecordPurchase(
            memberId: member,
            transactionId: ID(tx),
            storeId: storeId,
            occurredAt: time,
            documentNo: "POS-\(tx)",
            items: items,
            deliveryAmount: .cny(delivery),
            total: .cny(sum)
        )
    }

    func available(_ store: InMemoryDomainStore, _ day: LocalDate) throws -> Int64 {
        try #require(store.state(Member.self, member)).ledger.available(asOf: day)
    }

    /// Runs the table up to the redemption of 03-01 (`redeem` points) and returns the lots L1, L2.
    func firstSteps(_ store: inout InMemoryDomainStore, redeem: Int64) throws -> (l1: ID, l2: ID) {
        let jan = try store.execute(
            purchase(
                1,
                at(2025, 1, 10),
                [PurchaseItem(sku: "OOLONG", category: "tea", labels: [], qty: 1, grossAmount: .cny(12_000))],
                delivery: 0
            ),
            as: sys,
            at: at(2025, 1, 10)
        )
        let l1 = try LoyaltyTesting.only(PointsEarned.self, in: jan)
        #expect(l1.points == 120 && l1.expiresOn == LocalDate(2025, 7, 9))
        #expect(try available(store, LocalDate(2025, 1, 10)) == 120)
        let feb = try store.execute(
            purchase(2, at(2025, 2, 14), februaryItems, delivery: 1_000),
            as: sys,
            at: at(2025, 2, 14)
        )
        let l2 = try LoyaltyTesting.only(PointsEarned.self, in: feb)
        #expect(
            l2
                == PointsEarned(
                    lotId: l2.lotId,
                    points: 350,
                    source: .purchase,
                    sourceId: ID(2),
                    ruleTrace: [
                        PointsRuleTrace(ruleId: base, points: 250), PointsRuleTrace(ruleId: promo, points: 100),
                    ],
                    earnedAt: at(2025, 2, 14),
                    expiresOn: LocalDate(2025, 8, 13)
                )
        )
        #expect(try available(store, LocalDate(2025, 2, 14)) == 470)
        let redeemed = try store.execute(
            RedeemPoints(
                memberId: member,
                redemptionId: ID(90),
                points: redeem,
                orderId: ID(91),
                asOf: LocalDate(2025, 3, 1)
            ),
            as: sys,
            at: at(2025, 3, 1)
        )
        #expect(
            LoyaltyTesting.events(redeemed) == [
                PointsRedeemed(
                    redemptionId: ID(90),
                    points: redeem,
                    rewardId: nil,
                    orderId: ID(91),
                    allocations: [
                        PointsAllocation(lotId: l1.lotId, points: 120),
                        PointsAllocation(lotId: l2.lotId, points: redeem - 120),
                    ]
                )
            ]
        )
        return (l1.lotId, l2.lotId)
    }

    @Test func theWholeTableRunsThroughCommandsAndProcessManagers() throws {
        var store = try world()
        let (_, l2) = try firstSteps(&store, redeem: 300)
        #expect(try available(store, LocalDate(2025, 3, 1)) == 170)
        let goodwill = try store.execute(
            AdjustPoints(
                memberId: member,
                delta: 50,
                reason: "goodwill",
                approvedBy: LoyaltyTesting.admin,
                lotId: ID(3)
            ),
            as: .user(LoyaltyTesting.admin),
            at: at(2025, 4, 5)
        )
        #expect(
            LoyaltyTesting.events(goodwill) == [
                PointsAdjusted(
                    delta: 50,
                    reason: "goodwill",
                    approvedBy: LoyaltyTesting.admin,
                    lotId: ID(3),
                    allocations: nil,
                    adjustedAt: at(2025, 4, 5),
                    expiresOn: LocalDate(2025, 10, 2)
                )
            ]
        )
        #expect(try available(store, LocalDate(2025, 4, 5)) == 220)
        let returned = try store.execute(
            ReturnPurchase(
                memberId: member,
                transactionId: ID(2),
                returnId: ID(95),
                items: [ReturnedItem(sku: "TEA-07", qty: 1, grossAmount: .cny(15_000))]
            ),
            as: sys,
            at: at(2025, 4, 20)
        )
        #expect(
            LoyaltyTesting.events(returned) == [
                PurchaseReturned(
                    transactionId: ID(2),
                    returnId: ID(95),
                    items: [ReturnedItem(sku: "TEA-07", qty: 1, grossAmount: .cny(15_000))]
                ),
                PointsEarningCancelled(lotId: l2, points: 150, cause: .return),
            ]
        )
        #expect(try available(store, LocalDate(2025, 4, 20)) == 70)
        #expect(
            try store.execute(
                ExpirePoints(memberId: member, asOf: LocalDate(2025, 7, 10)),
                as: sys,
                at: at(2025, 7, 10)
            ).isEmpty
        )
        #expect(try available(store, LocalDate(2025, 7, 10)) == 70)
        let expired = try store.execute(
            ExpirePoints(memberId: member, asOf: LocalDate(2025, 8, 14)),
            as: sys,
            at: at(2025, 8, 14)
        )
        #expect(
            LoyaltyTesting.events(expired) == [
                PointsExpired(lotId: l2, points: 20, expiresOn: LocalDate(2025, 8, 13), asOf: LocalDate(2025, 8, 14))
            ]
        )
        let ledger = try #require(store.state(Member.self, member)).ledger
        #expect(ledger.available(asOf: LocalDate(2025, 8, 14)) == 50)
        #expect(ledger.totalEarned + ledger.totalAdjustedIn == 520)
        #expect(ledger.balance + ledger.totalRedeemed + ledger.totalCancelled + ledger.totalExpired == 520)
    }

    @Test func aCancellationLargerThanTheLotIsCompletedFromTheNextLotFIFO() throws {
        // "If on 04-20 L2 had held only 100, the remaining 50 of the cancellation would be taken FIFO from L3."
        var store = try world()
        let (_, l2) = try firstSteps(&store, redeem: 370)
        try store.execute(
            AdjustPoints(
                memberId: member,
                delta: 50,
                reason: "goodwill",
                approvedBy: LoyaltyTesting.admin,
                lotId: ID(3)
            ),
            as: sys,
            at: at(2025, 4, 5)
        )
        let returned = try store.execute(
            ReturnPurchase(
                memberId: member,
                transactionId: ID(2),
                returnId: ID(95),
                items: [ReturnedItem(sku: "TEA-07", qty: 1, grossAmount: .cny(15_000))]
            ),
            as: sys,
            at: at(2025, 4, 20)
        )
        let shortfall = try LoyaltyTesting.only(PointsAdjusted.self, in: returned)
        #expect(
            LoyaltyTesting.events(returned) == [
                PurchaseReturned(
                    transactionId: ID(2),
                    returnId: ID(95),
                    items: [ReturnedItem(sku: "TEA-07", qty: 1, grossAmount: .cny(15_000))]
                ),
                PointsEarningCancelled(lotId: l2, points: 100, cause: .return),
                PointsAdjusted(
                    delta: -50,
                    reason: shortfall.reason,
                    approvedBy: nil,
                    lotId: nil,
                    allocations: [PointsAllocation(lotId: ID(3), points: 50)],
                    adjustedAt: at(2025, 4, 20),
                    expiresOn: nil
                ),
            ]
        )
        let ledger = try #require(store.state(Member.self, member)).ledger
        #expect(ledger.balance == 0)
        #expect(ledger.netMovements == 0)
    }
}
