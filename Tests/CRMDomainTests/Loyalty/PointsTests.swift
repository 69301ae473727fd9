import CRMDomain
import Testing

@Suite struct PointsTests {
    typealias T = LoyaltyTesting
    typealias W = LoyaltyWorld
    let t0 = LoyaltyTesting.t0
    let sys = LoyaltyTesting.system
    var day: LocalDate { t0.date }

    /// A purchase of Ann's recorded through the process managers; returns the credited lot.
    func buy(_ w: inout W, tx: UInt64, _ lines: [(String, Int64)], at: Timestamp? = nil, delivery: Int64 = 0) throws
        -> PointsLot?
    {
        let time = at ?? t0
        try w.store.execute(W.purchase(tx: ID(tx), at: time, lines: lines, delivery: delivery), as: sys, at: time)
        return try w.member().lots(source: ID(tx)).first
    }

    // MARK: LOY-11 + PurchaseEarningProcess

    @Test func aPurchaseEarnsOneLotThroughTheProcessManager() throws {
        var w = try W()
        let cmd = W.purchase(tx: ID(1001), at: t0, lines: [("OOLONG", 120)], delivery: 10)
        let out = try w.store.execute(cmd, as: .user(T.ops), at: t0)
        let earned = try T.only(PointsEarned.self, in: out)
        #expect(
            T.events(out) == [
                PurchaseRecorded(
                    transactionId: ID(1001),
                    storeId: W.storeA,
                    occurredAt: t0,
                    documentNo: cmd.documentNo,
                    items: cmd.items,
                    deliveryAmount: .cny(1_000),
                    total: .cny(13_000)
                ),
                PointsEarned(
                    lotId: earned.lotId,
                    points: 120,
                    source: .purchase,
                    sourceId: ID(1001),
                    ruleTrace: [PointsRuleTrace(ruleId: W.baseRule, points: 120)],
                    earnedAt: t0,
                    expiresOn: day.adding(days: 180)
                ),
            ]
        )
        #expect(Set(T.streams(out)) == ["member-\(W.annMember)"])
        #expect(out[1].causationId == out[0].eventId)
        #expect(w.store.lookup(Member.transactionKey(ID(1001))) == Member.stream(W.annMember))
    }

    @Test func theSamePurchaseAgainIsANoOpButAReusedTransactionIdIsRejected() throws {
        var w = try W()
        let cmd = W.purchase(tx: ID(1001), at: t0, lines: [("OOLONG", 120)])
        try w.store.execute(cmd, as: sys, at: t0)
        let before = w.store.log.count
        #expect(try w.store.execute(cmd, as: sys, at: t0).isEmpty)
        #expect(w.store.log.count == before)
        T.expectRejected(
            &w.store,
            W.purchase(tx: ID(1001), at: t0, lines: [("OOLONG", 99)]),
            rule: "LOY-11.transactionIdUnique",
            kind: .alreadyExists
        )
        try w.store.execute(
            EnrolMember(memberId: W.bobMember, customerId: W.bob, programId: W.programId, enrolledAt: t0),
            as: sys,
            at: t0
        )
        T.expectRejected(
            &w.store,
            W.purchase(member: W.bobMember, tx: ID(1001), at: t0, lines: [("OOLONG", 120)]),
            rule: "LOY-11.transactionIdUnique",
            kind: .alreadyExists
        )
    }

    @Test func theMemberMustBeActiveAtThePurchase() throws {
        var w = try W()
        T.expectRejected(
            &w.store,
            W.purchase(tx: ID(1001), at: W.annEnrolledAt.adding(minutes: -1), lines: [("OOLONG", 120)]),
            rule: "LOY-11.memberActive",
            kind: .invalidState
        )
        try w.store.execute(DeactivateMember(memberId: W.annMember, reason: "moved abroad"), as: sys, at: t0)
        T.expectRejected(
            &w.store,
            W.purchase(tx: ID(1001), at: t0, lines: [("OOLONG", 120)]),
            rule: "LOY-11.memberActive",
            kind: .invalidState
        )
        try w.store.execute(ReactivateMember(memberId: W.annMember), as: sys, at: t0)
        #expect(
            try w.store.execute(W.purchase(tx: ID(1001), at: t0, lines: [("OOLONG", 120)]), as: sys, at: t0).count == 2
        )
    }

    @Test func badPurchaseInputIsRejected() throws {
        var w = try W()
        let good = W.purchase(tx: ID(1001), at: t0, lines: [("OOLONG", 120), ("TEA-01", 30)])
        func with(
            items: [PurchaseItem]? = nil,
            total: Money? = nil,
            store: ID? = nil,
            at: Timestamp? = nil,
            doc: String? = nil
        ) -> RecordPurchase {
            RecordPurchase(
                memberId: W.annMember,
                transactionId: ID(1001),
                storeId: store ?? good.storeId,
                occurredAt: at ?? good.occurredAt,
                documentNo: doc ?? good.documentNo,
                items: items ?? good.items,
                deliveryAmount: good.deliveryAmount,
                total: total ?? good.total
            )
        }
        T.expectRejected(&w.store, with(total: .cny(1)), rule: "LOY-11.totalMatchesItems", kind: .invalidInput)
        T.expectRejected(
            &w.store,
            with(items: good.items + [good.items[0]], total: .cny(27_000)),
            rule: "LOY-11.items",
            kind: .invalidInput
        )
        T.expectRejected(
            &w.store,
            with(
                items: [PurchaseItem(sku: "X", category: "tea", labels: [], qty: 0, grossAmount: .cny(100))],
                total: .cny(100)
            ),
            rule: "LOY-11.items",
            kind: .invalidInput
        )
        T.expectRejected(
            &w.store,
            with(
                items: [
                    PurchaseItem(
                        sku: "X",
                        category: "tea",
                        labels: [],
                        qty: 1,
                        grossAmount: Money(amountMinor: 100, currency: "USD")
                    )
                ],
                total: .cny(100)
            ),
            rule: "LOY-11.items",
            kind: .invalidInput
        )
        T.expectRejected(&w.store, with(items: []), rule: "LOY-11.items", kind: .invalidInput)
        T.expectRejected(&w.store, with(store: ID(399)), rule: "LOY-11.storeExists", kind: .notFound)
        T.expectRejected(
            &w.store,
            with(at: t0.adding(minutes: 1)),
            rule: "LOY-11.occurredAtNotInFuture",
            kind: .invariantViolated
        )
        T.expectRejected(&w.store, with(doc: ""), rule: "LOY-11.documentNo", kind: .invalidInput)
        T.expectRejected(&w.store, good, as: .user(T.viewer), rule: "LOY-11.perm", kind: .accessDenied)
        try w.store.execute(
            DefineLoyaltyProgram(
                programId: W.programId,
                version: 2,
                name: "Tea Club",
                pointName: "leaves",
                currency: "CNY",
                expiryPolicy: .rolling(days: 180),
                tierMetric: .points,
                storeScope: [W.storeB]
            ),
            as: sys,
            at: t0
        )
        T.expectRejected(&w.store, good, rule: "LOY-11.storeInScope", kind: .invalidInput)
    }

    @Test func aPurchaseThatCrossesAThresholdUpgradesAndItsReturnDowngrades() throws {
        var w = try W()
        let out = try w.store.execute(W.purchase(tx: ID(1001), at: t0, lines: [("PU-ERH", 1_000)]), as: sys, at: t0)
        let earned = try T.only(PointsEarned.self, in: out)
        #expect(out.map(\.event.eventType) == ["PurchaseRecorded", "PointsEarned", "MemberTierChanged"])
        #expect(
            T.events(out).last
                == AnyHashable(
                    MemberTierChanged(fromTierId: W.silver, toTierId: W.gold, metricValue: 1_000, reason: .qualified)
                )
        )
        let back = try w.store.execute(
            ReturnPurchase(
                memberId: W.annMember,
                transactionId: ID(1001),
                returnId: ID(1101),
                items: [ReturnedItem(sku: "PU-ERH", qty: 1, grossAmount: .cny(100_000))]
            ),
            as: sys,
            at: t0
        )
        #expect(
            T.events(back) == [
                PurchaseReturned(
                    transactionId: ID(1001),
                    returnId: ID(1101),
                    items: [ReturnedItem(sku: "PU-ERH", qty: 1, grossAmount: .cny(100_000))]
                ),
                PointsEarningCancelled(lotId: earned.lotId, points: 1_000, cause: .return),
                MemberTierChanged(fromTierId: W.gold, toTierId: W.silver, metricValue: 0, reason: .downgraded),
            ]
        )
    }

    // MARK: LOY-12 + PurchaseReturnProcess

    @Test func aReturnCancelsThePointsTheReturnedItemsEarned() throws {
        var w = try W()
        let lot = try #require(try buy(&w, tx: 1001, [("OOLONG", 120), ("TEA-01", 80)]))
        let out = try w.store.execute(
            ReturnPurchase(
                memberId: W.annMember,
                transactionId: ID(1001),
                returnId: ID(1101),
                items: [ReturnedItem(sku: "TEA-01", qty: 1, grossAmount: .cny(8_000))]
            ),
            as: .user(T.ops),
            at: t0
        )
        #expect(
            T.events(out) == [
                PurchaseReturned(
                    transactionId: ID(1001),
                    returnId: ID(1101),
                    items: [ReturnedItem(sku: "TEA-01", qty: 1, grossAmount: .cny(8_000))]
                ),
                PointsEarningCancelled(lotId: lot.lotId, points: 80, cause: .return),
            ]
        )
        #expect(try w.member().ledger.balance == 120)
    }

    @Test func returnedQuantityIsLimitedToWhatWasBoughtAndNotYetReturned() throws {
        var w = try W()
        _ = try buy(&w, tx: 1001, [("OOLONG", 120)])
        func ret(_ id: UInt64, qty: Int64, yuan: Int64, sku: String = "OOLONG") -> ReturnPurchase {
            ReturnPurchase(
                memberId: W.annMember,
                transactionId: ID(1001),
                returnId: ID(id),
                items: [ReturnedItem(sku: sku, qty: qty, grossAmount: .cny(yuan * 100))]
            )
        }
        T.expectRejected(
            &w.store,
            ret(1101, qty: 2, yuan: 120),
            rule: "LOY-12.quantityAvailable",
            kind: .invariantViolated
        )
        T.expectRejected(
            &w.store,
            ret(1101, qty: 1, yuan: 121),
            rule: "LOY-12.quantityAvailable",
            kind: .invariantViolated
        )
        try w.store.execute(ret(1101, qty: 1, yuan: 120), as: sys, at: t0)
        T.expectRejected(
            &w.store,
            ret(1102, qty: 1, yuan: 0),
            rule: "LOY-12.quantityAvailable",
            kind: .invariantViolated
        )
        T.expectRejected(&w.store, ret(1101, qty: 1, yuan: 1), rule: "LOY-12.returnIdUnique", kind: .alreadyExists)
        T.expectRejected(&w.store, ret(1102, qty: 1, yuan: 1, sku: "TEA-01"), rule: "LOY-12.items", kind: .invalidInput)
        T.expectRejected(
            &w.store,
            ReturnPurchase(
                memberId: W.annMember,
                transactionId: ID(1999),
                returnId: ID(1102),
                items: [ReturnedItem(sku: "OOLONG", qty: 1, grossAmount: .cny(1))]
            ),
            rule: "LOY-12.purchaseExists",
            kind: .notFound
        )
        #expect(try w.member().ledger.balance == 0)
    }

    @Test func returnsMustBeEnabledByTheProgram() throws {
        var w = try W(returnsEnabled: false)
        _ = try buy(&w, tx: 1001, [("OOLONG", 120)])
        T.expectRejected(
            &w.store,
            ReturnPurchase(
                memberId: W.annMember,
                transactionId: ID(1001),
                returnId: ID(1101),
                items: [ReturnedItem(sku: "OOLONG", qty: 1, grossAmount: .cny(12_000))]
            ),
            rule: "LOY-12.returnsEnabled",
            kind: .invalidState
        )
    }

    @Test func pointsAlreadySpentAreTakenBackFromOtherLotsSoonestExpiringFirst() throws {
        var w = try W()
        let first = try #require(try buy(&w, tx: 1001, [("OOLONG", 100)], at: t0.adding(days: -10)))
        let second = try #require(try buy(&w, tx: 1002, [("TEA-01", 200)]))
        // 240 redeemed: 100 from the first lot, 140 from the second (60 left on it).
        try w.store.execute(
            RedeemPoints(memberId: W.annMember, redemptionId: ID(1201), points: 240, orderId: ID(9001), asOf: day),
            as: sys,
            at: t0
        )
        #expect(first.expiresOn! < second.expiresOn!)
        let out = try w.store.execute(
            ReturnPurchase(
                memberId: W.annMember,
                transactionId: ID(1001),
                returnId: ID(1101),
                items: [ReturnedItem(sku: "OOLONG", qty: 1, grossAmount: .cny(10_000))]
            ),
            as: sys,
            at: t0
        )
        let adjusted = try T.only(PointsAdjusted.self, in: out)
        #expect(
            T.events(out) == [
                PurchaseReturned(
                    transactionId: ID(1001),
                    returnId: ID(1101),
                    items: [ReturnedItem(sku: "OOLONG", qty: 1, grossAmount: .cny(10_000))]
                ),
                PointsAdjusted(
                    delta: -60,
                    reason: adjusted.reason,
                    approvedBy: nil,
                    lotId: nil,
                    allocations: [PointsAllocation(lotId: second.lotId, points: 60)],
                    adjustedAt: t0,
                    expiresOn: nil
                ),
            ]
        )
        #expect(
            adjusted.reason.contains(
                "100 points of lot \(first.lotId) were already spent; 60 taken back, 40 unrecoverable"
            )
        )
        let m = try w.member()
        #expect(m.ledger.balance == 0)
        #expect(m.ledger.netMovements == 0)
    }

    @Test func pointsThatExpiredAreNotTakenAgainOnAReturn() throws {
        var w = try W()
        let old = try #require(try buy(&w, tx: 1001, [("OOLONG", 100)], at: t0.adding(days: -200)))
        _ = try buy(&w, tx: 1002, [("TEA-01", 50)])
        try w.store.execute(ExpirePoints(memberId: W.annMember, asOf: day), as: sys, at: t0)
        #expect(try w.member().ledger.lot(old.lotId)?.expired == 100)
        let out = try w.store.execute(
            ReturnPurchase(
                memberId: W.annMember,
                transactionId: ID(1001),
                returnId: ID(1101),
                items: [ReturnedItem(sku: "OOLONG", qty: 1, grossAmount: .cny(10_000))]
            ),
            as: sys,
            at: t0
        )
        #expect(out.count == 1)
        #expect(try w.member().ledger.balance == 50)
    }

    @Test func aReturnThatDropsTheOrderBelowTheMinimumCancelsAllItsPoints() throws {
        var w = try W()
        try w.store.execute(DeactivateEarningRule(ruleId: W.baseRule), as: sys, at: t0)
        try w.store.execute(
            DefineEarningRule(
                ruleId: ID(401),
                programId: W.programId,
                kind: .basePerAmount,
                params: EarningRuleParams(
                    pointValue: PointsRate(points: 1, perAmountMinor: 100),
                    minOrderValue: .cny(10_000)
                )
            ),
            as: sys,
            at: t0
        )
        let lot = try #require(try buy(&w, tx: 1001, [("OOLONG", 60), ("TEA-01", 50)]))
        #expect(lot.points == 110)
        let out = try w.store.execute(
            ReturnPurchase(
                memberId: W.annMember,
                transactionId: ID(1001),
                returnId: ID(1101),
                items: [ReturnedItem(sku: "TEA-01", qty: 1, grossAmount: .cny(5_000))]
            ),
            as: sys,
            at: t0
        )
        #expect(
            T.events(out).last == AnyHashable(PointsEarningCancelled(lotId: lot.lotId, points: 110, cause: .return))
        )
        #expect(try buy(&w, tx: 1002, [("OOLONG", 99)]) == nil)
    }

    // MARK: LOY-13

    @Test func theTierMultiplierAndProductRulesApplyAndTheSumIsFlooredOnce() throws {
        var w = try W()
        try w.store.execute(
            CreditManualPoints(memberId: W.annMember, points: 1_000, sourceId: ID(800), earnedAt: t0),
            as: sys,
            at: t0
        )
        try w.store.execute(EvaluateMemberTier(memberId: W.annMember), as: sys, at: t0)
        #expect(try w.member().tierId == W.gold)
        try w.store.execute(
            DefineEarningRule(
                ruleId: ID(402),
                programId: W.programId,
                kind: .productBonus,
                params: EarningRuleParams(bonus: 3, skus: ["TEA-01"])
            ),
            as: sys,
            at: t0
        )
        // ¥0.99 + ¥0.99 base = 1.98; bonus 3 per TEA-01 unit (1); ×1.5 (Gold) = 7.47 → 7.
        let cmd = RecordPurchase(
            memberId: W.annMember,
            transactionId: ID(1001),
            storeId: W.storeA,
            occurredAt: t0,
            documentNo: "POS-1",
            items: [
                PurchaseItem(sku: "TEA-01", category: "tea", labels: [], qty: 1, grossAmount: .cny(99)),
                PurchaseItem(sku: "CUP", category: "ware", labels: [], qty: 1, grossAmount: .cny(99)),
            ],
            deliveryAmount: .cny(0),
            total: .cny(198)
        )
        let out = try w.store.execute(cmd, as: sys, at: t0)
        let earned = try T.only(PointsEarned.self, in: out)
        #expect(earned.points == 7)
        // Exact shares: base 2.97, bonus 4.5 → floors 2 + 4 = 6, the leftover unit goes to the larger fraction (.97).
        #expect(
            earned.ruleTrace == [
                PointsRuleTrace(ruleId: W.baseRule, points: 3), PointsRuleTrace(ruleId: ID(402), points: 4),
            ]
        )
    }

    @Test func earningIsIdempotentPerSourceAndRule() throws {
        var w = try W()
        _ = try buy(&w, tx: 1001, [("OOLONG", 120)])
        let again = try w.store.execute(
            EarnPurchasePoints(memberId: W.annMember, transactionId: ID(1001)),
            as: sys,
            at: t0
        )
        #expect(again.isEmpty)
        // A rule added later still pays its share once.
        try w.store.execute(
            DefineEarningRule(
                ruleId: ID(402),
                programId: W.programId,
                kind: .productBonus,
                params: EarningRuleParams(bonus: 10, skus: ["OOLONG"])
            ),
            as: sys,
            at: t0
        )
        let late = try w.store.execute(
            EarnPurchasePoints(memberId: W.annMember, transactionId: ID(1001)),
            as: sys,
            at: t0
        )
        #expect(try T.only(PointsEarned.self, in: late).points == 10)
        #expect(
            try w.store.execute(EarnPurchasePoints(memberId: W.annMember, transactionId: ID(1001)), as: sys, at: t0)
                .isEmpty
        )
        T.expectRejected(
            &w.store,
            EarnPurchasePoints(memberId: W.annMember, transactionId: ID(1999)),
            rule: "LOY-13.purchaseExists",
            kind: .notFound
        )
    }

    @Test func manualPointsMustBePositiveForAnActiveMemberAndNeedThePermission() throws {
        var w = try W()
        T.expectRejected(
            &w.store,
            CreditManualPoints(memberId: W.annMember, points: 0, sourceId: ID(800), earnedAt: t0),
            rule: "LOY-13.pointsPositive",
            kind: .invariantViolated
        )
        T.expectRejected(
            &w.store,
            CreditManualPoints(memberId: W.annMember, points: 5, sourceId: ID(800), earnedAt: t0),
            as: .user(T.ops),
            rule: "LOY-13.perm",
            kind: .accessDenied
        )
        let out = try w.store.execute(
            CreditManualPoints(memberId: W.annMember, points: 5, sourceId: ID(800), earnedAt: t0, lotId: ID(8001)),
            as: .user(T.admin),
            at: t0
        )
        #expect(
            T.events(out) == [
                PointsEarned(
                    lotId: ID(8001),
                    points: 5,
                    source: .manual,
                    sourceId: ID(800),
                    ruleTrace: [],
                    earnedAt: t0,
                    expiresOn: day.adding(days: 180)
                )
            ]
        )
        #expect(
            try w.store.execute(
                CreditManualPoints(memberId: W.annMember, points: 5, sourceId: ID(800), earnedAt: t0),
                as: sys,
                at: t0
            ).isEmpty
        )
        try w.store.execute(DeactivateMember(memberId: W.annMember, reason: "paused"), as: sys, at: t0)
        T.expectRejected(
            &w.store,
            CreditManualPoints(memberId: W.annMember, points: 5, sourceId: ID(801), earnedAt: t0),
            rule: "LOY-13.memberActive",
            kind: .invalidState
        )
    }

    @Test func eventPointsPayTheLargestMatchingRuleOnce() throws {
        var w = try W()
        T.expectRejected(
            &w.store,
            AwardEventPoints(memberId: W.annMember, eventName: "birthday", sourceId: ID(810), occurredAt: t0),
            rule: "LOY-13.eventRuleExists",
            kind: .invalidState
        )
        try w.store.execute(
            DefineEarningRule(
                ruleId: ID(403),
                programId: W.programId,
                kind: .event,
                params: EarningRuleParams(bonus: 100, eventName: "birthday")
            ),
            as: sys,
            at: t0
        )
        try w.store.execute(
            DefineEarningRule(
                ruleId: ID(404),
                programId: W.programId,
                kind: .event,
                params: EarningRuleParams(bonus: 300, eventName: "birthday"),
                tierScope: [W.gold]
            ),
            as: sys,
            at: t0
        )
        try w.store.execute(
            DefineEarningRule(
                ruleId: ID(405),
                programId: W.programId,
                kind: .event,
                params: EarningRuleParams(bonus: 50, eventName: "birthday")
            ),
            as: sys,
            at: t0
        )
        let out = try w.store.execute(
            AwardEventPoints(
                memberId: W.annMember,
                eventName: "birthday",
                sourceId: ID(810),
                occurredAt: t0,
                lotId: ID(8101)
            ),
            as: sys,
            at: t0
        )
        #expect(
            T.events(out) == [
                PointsEarned(
                    lotId: ID(8101),
                    points: 100,
                    source: .event,
                    sourceId: ID(810),
                    ruleTrace: [PointsRuleTrace(ruleId: ID(403), points: 100)],
                    earnedAt: t0,
                    expiresOn: day.adding(days: 180)
                )
            ]
        )
        #expect(
            try w.store.execute(
                AwardEventPoints(memberId: W.annMember, eventName: "birthday", sourceId: ID(810), occurredAt: t0),
                as: sys,
                at: t0
            ).isEmpty
        )
    }

    @Test func aSegmentScopedRuleAppliesToListedMembersOnly() throws {
        var w = try W()
        try w.store.execute(
            DefineAudienceList(
                listId: ID(720),
                name: "VIP",
                members: [MessageRecipientRef(entityType: .customer, entityId: W.ann, address: "ann@example.com")]
            ),
            as: sys,
            at: t0
        )
        try w.store.execute(
            DefineEarningRule(
                ruleId: ID(406),
                programId: W.programId,
                kind: .productMultiplier,
                params: EarningRuleParams(multiplierBasisPoints: 30_000, labels: ["new"]),
                segmentScope: [ID(720)]
            ),
            as: sys,
            at: t0
        )
        try w.store.execute(
            EnrolMember(memberId: W.bobMember, customerId: W.bob, programId: W.programId, enrolledAt: t0),
            as: sys,
            at: t0
        )
        try w.store.execute(W.purchase(tx: ID(1001), at: t0, lines: [("TEA-09", 10)], labels: ["new"]), as: sys, at: t0)
        try w.store.execute(
            W.purchase(member: W.bobMember, tx: ID(1002), at: t0, lines: [("TEA-09", 10)], labels: ["new"]),
            as: sys,
            at: t0
        )
        #expect(try w.member().ledger.balance == 30)
        #expect(try w.member(W.bobMember).ledger.balance == 10)
    }

    // MARK: LOY-14

    @Test func redemptionTakesTheSoonestExpiringLotFirstNotTheOldestCredited() throws {
        var w = try W()
        let recent = try #require(try buy(&w, tx: 1001, [("OOLONG", 100)]))
        // Credited later but earned (and expiring) earlier.
        let backdated = try #require(try buy(&w, tx: 1002, [("TEA-01", 80)], at: t0.adding(days: -30)))
        #expect(backdated.expiresOn! < recent.expiresOn!)
        let out = try w.store.execute(
            RedeemPoints(memberId: W.annMember, redemptionId: ID(1201), points: 100, orderId: ID(9001), asOf: day),
            as: .user(T.ops),
            at: t0
        )
        #expect(
            T.events(out) == [
                PointsRedeemed(
                    redemptionId: ID(1201),
                    points: 100,
                    rewardId: nil,
                    orderId: ID(9001),
                    allocations: [
                        PointsAllocation(lotId: backdated.lotId, points: 80),
                        PointsAllocation(lotId: recent.lotId, points: 20),
                    ]
                )
            ]
        )
    }

    @Test func redemptionNeedsEnoughPointsAvailableAsOfItsDate() throws {
        var w = try W()
        _ = try buy(&w, tx: 1001, [("OOLONG", 100)], at: t0.adding(days: -181))
        _ = try buy(&w, tx: 1002, [("TEA-01", 80)])
        // The first lot ended yesterday (expiresOn = today − 1) even though no LOY-16 ran yet.
        #expect(try w.member().ledger.balance == 180)
        T.expectRejected(
            &w.store,
            RedeemPoints(memberId: W.annMember, redemptionId: ID(1201), points: 81, orderId: ID(9001), asOf: day),
            rule: "LOY-14.enoughPoints",
            kind: .invariantViolated
        )
        #expect(
            try w.store.execute(
                RedeemPoints(memberId: W.annMember, redemptionId: ID(1201), points: 80, orderId: ID(9001), asOf: day),
                as: sys,
                at: t0
            ).count == 1
        )
        T.expectRejected(
            &w.store,
            RedeemPoints(memberId: W.annMember, redemptionId: ID(1202), points: 0, orderId: ID(9002), asOf: day),
            rule: "LOY-14.pointsPositive",
            kind: .invariantViolated
        )
        T.expectRejected(
            &w.store,
            RedeemPoints(memberId: W.annMember, redemptionId: ID(1201), points: 1, orderId: ID(9002), asOf: day),
            rule: "LOY-14.redemptionIdUnique",
            kind: .alreadyExists
        )
        T.expectRejected(
            &w.store,
            RedeemPoints(memberId: W.annMember, redemptionId: ID(1202), points: 1, asOf: day),
            rule: "LOY-14.target",
            kind: .invalidInput
        )
        T.expectRejected(
            &w.store,
            RedeemPoints(
                memberId: W.annMember,
                redemptionId: ID(1202),
                points: 1,
                orderId: ID(9002),
                asOf: day.adding(days: 1)
            ),
            rule: "LOY-14.asOfNotInFuture",
            kind: .invariantViolated
        )
    }

    @Test func rewardRedemptionsCostTheRewardsPointsWhileInStock() throws {
        var w = try W()
        _ = try buy(&w, tx: 1001, [("OOLONG", 1_000)])
        try w.store.execute(
            DefineReward(rewardId: ID(600), programId: W.programId, requiredPoints: 300, kind: .voucher, stock: 2),
            as: sys,
            at: t0
        )
        T.expectRejected(
            &w.store,
            RedeemPoints(memberId: W.annMember, redemptionId: ID(1201), points: 200, rewardId: ID(600), asOf: day),
            rule: "LOY-14.rewardPoints",
            kind: .invariantViolated
        )
        T.expectRejected(
            &w.store,
            RedeemPoints(memberId: W.annMember, redemptionId: ID(1201), points: 300, rewardId: ID(699), asOf: day),
            rule: "LOY-14.rewardExists",
            kind: .notFound
        )
        try w.store.execute(
            RedeemPoints(memberId: W.annMember, redemptionId: ID(1201), points: 300, rewardId: ID(600), asOf: day),
            as: sys,
            at: t0
        )
        try w.store.execute(
            RedeemPoints(memberId: W.annMember, redemptionId: ID(1202), points: 300, rewardId: ID(600), asOf: day),
            as: sys,
            at: t0
        )
        T.expectRejected(
            &w.store,
            RedeemPoints(memberId: W.annMember, redemptionId: ID(1203), points: 300, rewardId: ID(600), asOf: day),
            rule: "LOY-14.rewardInStock",
            kind: .invariantViolated
        )
        #expect(try w.member().ledger.available(asOf: day) == 400)
        // Reversing a redemption gives its unit of stock back.
        try w.store.execute(
            ReverseRedemption(memberId: W.annMember, redemptionId: ID(1202), asOf: day),
            as: .user(T.ops),
            at: t0
        )
        try w.store.execute(
            RedeemPoints(memberId: W.annMember, redemptionId: ID(1203), points: 300, rewardId: ID(600), asOf: day),
            as: sys,
            at: t0
        )
        T.expectRejected(
            &w.store,
            RedeemPoints(memberId: W.annMember, redemptionId: ID(1204), points: 300, rewardId: ID(600), asOf: day),
            rule: "LOY-14.rewardInStock",
            kind: .invariantViolated
        )
    }

    @Test func anInactiveMemberCannotRedeem() throws {
        var w = try W()
        _ = try buy(&w, tx: 1001, [("OOLONG", 100)])
        try w.store.execute(DeactivateMember(memberId: W.annMember, reason: "fraud check"), as: sys, at: t0)
        T.expectRejected(
            &w.store,
            RedeemPoints(memberId: W.annMember, redemptionId: ID(1201), points: 10, orderId: ID(9001), asOf: day),
            rule: "LOY-14.memberActive",
            kind: .invalidState
        )
    }

    // MARK: LOY-15

    @Test func aReversalRestoresTheLotsAndExpiresWhatIsAlreadyPastItsDate() throws {
        var w = try W()
        let old = try #require(try buy(&w, tx: 1001, [("OOLONG", 50)], at: t0.adding(days: -170)))
        let recent = try #require(try buy(&w, tx: 1002, [("TEA-01", 80)]))
        try w.store.execute(
            RedeemPoints(memberId: W.annMember, redemptionId: ID(1201), points: 70, orderId: ID(9001), asOf: day),
            as: sys,
            at: t0
        )
        let later = t0.adding(days: 20)  // the old lot (expiresOn = today + 10) has expired by then
        try w.store.execute(ExpirePoints(memberId: W.annMember, asOf: later.date), as: sys, at: later)
        let out = try w.store.execute(
            ReverseRedemption(memberId: W.annMember, redemptionId: ID(1201), asOf: later.date),
            as: .user(T.ops),
            at: later
        )
        #expect(
            T.events(out) == [
                PointsRedemptionReversed(
                    redemptionId: ID(1201),
                    restored: [
                        PointsAllocation(lotId: old.lotId, points: 50),
                        PointsAllocation(lotId: recent.lotId, points: 20),
                    ]
                ),
                PointsExpired(lotId: old.lotId, points: 50, expiresOn: old.expiresOn!, asOf: later.date),
            ]
        )
        #expect(try w.member().ledger.available(asOf: later.date) == 80)
        T.expectRejected(
            &w.store,
            ReverseRedemption(memberId: W.annMember, redemptionId: ID(1201), asOf: later.date),
            at: later,
            rule: "LOY-15.notReversed",
            kind: .invalidState
        )
        T.expectRejected(
            &w.store,
            ReverseRedemption(memberId: W.annMember, redemptionId: ID(1299), asOf: later.date),
            at: later,
            rule: "LOY-15.redemptionExists",
            kind: .notFound
        )
    }

    // MARK: LOY-16

    @Test func pointsExpireTheDayAfterTheirLastValidDate() throws {
        var w = try W()
        let lot = try #require(try buy(&w, tx: 1001, [("OOLONG", 120)]))
        let expiresOn = try #require(lot.expiresOn)
        let onTheDay = Timestamp(expiresOn, hour: 23)
        #expect(
            try w.store.execute(ExpirePoints(memberId: W.annMember, asOf: expiresOn), as: sys, at: onTheDay).isEmpty
        )
        let next = expiresOn.adding(days: 1)
        let out = try w.store.execute(ExpirePoints(memberId: W.annMember, asOf: next), as: sys, at: Timestamp(next))
        #expect(T.events(out) == [PointsExpired(lotId: lot.lotId, points: 120, expiresOn: expiresOn, asOf: next)])
        #expect(
            try w.store.execute(ExpirePoints(memberId: W.annMember, asOf: next), as: sys, at: Timestamp(next)).isEmpty
        )
        T.expectRejected(
            &w.store,
            ExpirePoints(memberId: W.annMember, asOf: next.adding(days: 1)),
            at: Timestamp(next),
            rule: "LOY-16.asOfNotInFuture",
            kind: .invariantViolated
        )
        T.expectRejected(
            &w.store,
            ExpirePoints(memberId: ID(599), asOf: next),
            at: Timestamp(next),
            rule: "LOY-16.memberExists",
            kind: .notFound
        )
    }

    // MARK: LOY-17

    @Test func adjustmentsNeedAReasonThePermissionAndEnoughPointsToDeduct() throws {
        var w = try W()
        _ = try buy(&w, tx: 1001, [("OOLONG", 100)], at: t0.adding(days: -1))
        T.expectRejected(
            &w.store,
            AdjustPoints(memberId: W.annMember, delta: 50, reason: "", approvedBy: T.admin),
            rule: "LOY-17.reason",
            kind: .invalidInput
        )
        T.expectRejected(
            &w.store,
            AdjustPoints(memberId: W.annMember, delta: 50, reason: "goodwill", approvedBy: T.admin),
            as: .user(T.ops),
            rule: "LOY-17.perm",
            kind: .accessDenied
        )
        T.expectRejected(
            &w.store,
            AdjustPoints(memberId: W.annMember, delta: -101, reason: "correction", approvedBy: T.admin),
            rule: "LOY-17.enoughPoints",
            kind: .invariantViolated
        )
        T.expectRejected(
            &w.store,
            AdjustPoints(memberId: W.annMember, delta: 0, reason: "x", approvedBy: T.admin),
            rule: "LOY-17.deltaNonZero",
            kind: .invalidInput
        )
        T.expectRejected(
            &w.store,
            AdjustPoints(memberId: W.annMember, delta: 5, reason: "x", approvedBy: ID(999)),
            rule: "LOY-17.approverActive",
            kind: .notFound
        )
        let plus = try w.store.execute(
            AdjustPoints(memberId: W.annMember, delta: 50, reason: "goodwill", approvedBy: T.admin, lotId: ID(8201)),
            as: .user(T.admin),
            at: t0
        )
        #expect(
            T.events(plus) == [
                PointsAdjusted(
                    delta: 50,
                    reason: "goodwill",
                    approvedBy: T.admin,
                    lotId: ID(8201),
                    allocations: nil,
                    adjustedAt: t0,
                    expiresOn: day.adding(days: 180)
                )
            ]
        )
        let minus = try w.store.execute(
            AdjustPoints(memberId: W.annMember, delta: -150, reason: "correction", approvedBy: T.admin),
            as: .user(T.admin),
            at: t0
        )
        let lots = try w.member().ledger.lots
        #expect(
            T.events(minus) == [
                PointsAdjusted(
                    delta: -150,
                    reason: "correction",
                    approvedBy: T.admin,
                    lotId: nil,
                    allocations: [
                        PointsAllocation(lotId: lots[0].lotId, points: 100),
                        PointsAllocation(lotId: ID(8201), points: 50),
                    ],
                    adjustedAt: t0,
                    expiresOn: nil
                )
            ]
        )
        #expect(try w.member().ledger.balance == 0)
    }

    // MARK: LOY-18

    @Test func onlyEarnedLotsAreCancelledAndOnlyUpToTheirRemainingPoints() throws {
        var w = try W()
        let lot = try #require(try buy(&w, tx: 1001, [("OOLONG", 100)]))
        try w.store.execute(
            AdjustPoints(memberId: W.annMember, delta: 50, reason: "goodwill", approvedBy: T.admin, lotId: ID(8201)),
            as: sys,
            at: t0
        )
        T.expectRejected(
            &w.store,
            CancelPointsEarning(memberId: W.annMember, lotId: ID(8201), points: 10, cause: .error),
            rule: "LOY-18.earnLotOnly",
            kind: .invalidState
        )
        T.expectRejected(
            &w.store,
            CancelPointsEarning(memberId: W.annMember, lotId: lot.lotId, points: 101, cause: .fraud),
            rule: "LOY-18.withinRemaining",
            kind: .invariantViolated
        )
        T.expectRejected(
            &w.store,
            CancelPointsEarning(memberId: W.annMember, lotId: ID(8299), points: 1, cause: .fraud),
            rule: "LOY-18.lotExists",
            kind: .notFound
        )
        T.expectRejected(
            &w.store,
            CancelPointsEarning(memberId: W.annMember, lotId: lot.lotId, points: 10, cause: .fraud),
            as: .user(T.ops),
            rule: "LOY-18.perm",
            kind: .accessDenied
        )
        let out = try w.store.execute(
            CancelPointsEarning(memberId: W.annMember, lotId: lot.lotId, points: 100, cause: .fraud),
            as: .user(T.admin),
            at: t0
        )
        #expect(T.events(out) == [PointsEarningCancelled(lotId: lot.lotId, points: 100, cause: .fraud)])
        T.expectRejected(
            &w.store,
            CancelPointsEarning(memberId: W.annMember, lotId: lot.lotId, points: 1, cause: .fraud),
            rule: "LOY-18.withinRemaining",
            kind: .invariantViolated
        )
    }
}
