import CRMDomain
import Testing

@Suite struct CardTests {
    typealias T = LoyaltyTesting
    typealias W = LoyaltyWorld
    let t0 = LoyaltyTesting.t0
    let sys = LoyaltyTesting.system
    let card = ID(650)
    let newCard = ID(651)

    /// An anonymous stored-value card, activated, with `principal` + `bonus` (minor units) loaded.
    func world(principal: Int64 = 0, bonus: Int64 = 0, memberId: ID? = nil, expiresOn: LocalDate? = nil) throws -> W {
        var w = try W()
        try w.store.execute(
            IssueCard(
                cardId: card,
                cardNo: "6222 0001",
                kind: .storedValue,
                memberId: memberId,
                storeId: W.storeA,
                expiresOn: expiresOn
            ),
            as: sys,
            at: t0
        )
        try w.store.execute(ActivateCard(cardId: card, storeId: W.storeA), as: sys, at: t0)
        if principal > 0 {
            try w.store.execute(
                TopUpCard(
                    cardId: card,
                    topUpId: ID(6601),
                    amount: .cny(principal),
                    bonusAmount: .cny(bonus),
                    paymentRef: "WX-1",
                    storeId: W.storeA
                ),
                as: sys,
                at: t0
            )
        }
        return w
    }

    func state(_ w: W, _ id: ID? = nil) throws -> Card { try #require(w.store.state(Card.self, id ?? card)) }

    // MARK: CRD-01 / CRD-02

    @Test func aCardIsIssuedInactiveWithAUniqueNumber() throws {
        var w = try W()
        let out = try w.store.execute(
            IssueCard(
                cardId: card,
                cardNo: "6222 0001",
                kind: .membership,
                memberId: W.annMember,
                storeId: W.storeA,
                expiresOn: LocalDate(2028, 12, 31)
            ),
            as: .user(T.ops),
            at: t0
        )
        #expect(
            T.events(out) == [
                CardIssued(
                    cardId: card,
                    cardNo: "6222 0001",
                    kind: .membership,
                    memberId: W.annMember,
                    storeId: W.storeA,
                    expiresOn: LocalDate(2028, 12, 31)
                )
            ]
        )
        #expect(try state(w).status == .inactive)
        #expect(w.store.children(of: Member.stream(W.annMember), category: "card") == [Card.stream(card)])
        T.expectRejected(
            &w.store,
            IssueCard(cardId: newCard, cardNo: " 6222 0001", kind: .storedValue, storeId: W.storeA),
            rule: "CRD-01.cardNoUnique",
            kind: .invariantViolated
        )
        T.expectRejected(
            &w.store,
            IssueCard(cardId: newCard, cardNo: "6222 0002", kind: .membership, storeId: W.storeA),
            rule: "CRD-01.memberRequired",
            kind: .invalidInput
        )
        T.expectRejected(
            &w.store,
            IssueCard(cardId: newCard, cardNo: "6222 0002", kind: .membership, memberId: ID(599), storeId: W.storeA),
            rule: "CRD-01.memberExists",
            kind: .notFound
        )
        T.expectRejected(
            &w.store,
            IssueCard(cardId: newCard, cardNo: "6222 0002", kind: .storedValue, storeId: ID(399)),
            rule: "CRD-01.storeExists",
            kind: .notFound
        )
        T.expectRejected(
            &w.store,
            IssueCard(cardId: card, cardNo: "6222 0002", kind: .storedValue, storeId: W.storeA),
            rule: "CRD-01.cardIdUnique",
            kind: .alreadyExists
        )
        T.expectRejected(
            &w.store,
            IssueCard(cardId: newCard, cardNo: "6222 0002", kind: .storedValue, storeId: W.storeA),
            as: .user(T.viewer),
            rule: "CRD-01.perm",
            kind: .accessDenied
        )
    }

    @Test func onlyAnInactiveUnexpiredCardIsActivated() throws {
        var w = try W()
        try w.store.execute(
            IssueCard(cardId: card, cardNo: "A1", kind: .storedValue, storeId: W.storeA, expiresOn: t0.date),
            as: sys,
            at: t0
        )
        T.expectRejected(
            &w.store,
            ActivateCard(cardId: card, storeId: W.storeA),
            at: t0.adding(days: 1),
            rule: "CRD-02.notExpired",
            kind: .invalidState
        )
        let out = try w.store.execute(ActivateCard(cardId: card, storeId: W.storeB), as: .user(T.ops), at: t0)
        #expect(T.events(out) == [CardActivated(storeId: W.storeB)])
        T.expectRejected(
            &w.store,
            ActivateCard(cardId: card, storeId: W.storeA),
            rule: "CRD-02.inactive",
            kind: .invalidState
        )
        T.expectRejected(
            &w.store,
            ActivateCard(cardId: newCard, storeId: W.storeA),
            rule: "CRD-02.cardExists",
            kind: .notFound
        )
    }

    // MARK: CRD-03

    @Test func aTopUpLoadsPrincipalAndBonusWithinTheCap() throws {
        var w = try world()
        let out = try w.store.execute(
            TopUpCard(
                cardId: card,
                topUpId: ID(6601),
                amount: .cny(80_000),
                bonusAmount: .cny(10_000),
                paymentRef: "ALI-7",
                storeId: W.storeA
            ),
            as: .user(T.ops),
            at: t0
        )
        #expect(
            T.events(out) == [
                CardToppedUp(
                    topUpId: ID(6601),
                    amount: .cny(80_000),
                    bonusAmount: .cny(10_000),
                    paymentRef: "ALI-7",
                    storeId: W.storeA
                )
            ]
        )
        let c = try state(w)
        #expect(c.principalMinor == 80_000 && c.bonusMinor == 10_000 && c.balanceMinor == 90_000)
        // Anonymous cap ¥1 000: 90 000 + 10 001 is over.
        T.expectRejected(
            &w.store,
            TopUpCard(cardId: card, topUpId: ID(6602), amount: .cny(10_001), paymentRef: "ALI-8", storeId: W.storeA),
            rule: "CRD-03.balanceCap",
            kind: .invariantViolated
        )
        try w.store.execute(
            TopUpCard(cardId: card, topUpId: ID(6602), amount: .cny(10_000), paymentRef: "ALI-8", storeId: W.storeA),
            as: sys,
            at: t0
        )
        T.expectRejected(
            &w.store,
            TopUpCard(cardId: card, topUpId: ID(6602), amount: .cny(1), paymentRef: "ALI-9", storeId: W.storeA),
            rule: "CRD-03.topUpIdUnique",
            kind: .alreadyExists
        )
    }

    @Test func aRegisteredCardHasTheHigherCap() throws {
        var w = try world(memberId: W.annMember)
        T.expectRejected(
            &w.store,
            TopUpCard(cardId: card, topUpId: ID(6601), amount: .cny(500_001), paymentRef: "WX", storeId: W.storeA),
            rule: "CRD-03.balanceCap",
            kind: .invariantViolated
        )
        #expect(
            try w.store.execute(
                TopUpCard(cardId: card, topUpId: ID(6601), amount: .cny(500_000), paymentRef: "WX", storeId: W.storeA),
                as: sys,
                at: t0
            ).count == 1
        )
    }

    @Test func aTopUpNeedsAnActiveCardAndAPositiveAmount() throws {
        var w = try world(expiresOn: t0.date)
        T.expectRejected(
            &w.store,
            TopUpCard(cardId: card, topUpId: ID(6601), amount: .cny(0), paymentRef: "WX", storeId: W.storeA),
            rule: "CRD-03.amountPositive",
            kind: .invariantViolated
        )
        T.expectRejected(
            &w.store,
            TopUpCard(cardId: card, topUpId: ID(6601), amount: .cny(100), paymentRef: "WX", storeId: W.storeA),
            at: t0.adding(days: 1),
            rule: "CRD-03.cardActive",
            kind: .invalidState
        )
        try w.store.execute(
            ReportCardLost(cardId: card, reason: "lost on metro", reportedBy: "holder by phone"),
            as: sys,
            at: t0
        )
        T.expectRejected(
            &w.store,
            TopUpCard(cardId: card, topUpId: ID(6601), amount: .cny(100), paymentRef: "WX", storeId: W.storeA),
            rule: "CRD-03.cardActive",
            kind: .invalidState
        )
        try w.store.execute(
            IssueCard(cardId: newCard, cardNo: "M-1", kind: .membership, memberId: W.annMember, storeId: W.storeA),
            as: sys,
            at: t0
        )
        try w.store.execute(ActivateCard(cardId: newCard, storeId: W.storeA), as: sys, at: t0)
        T.expectRejected(
            &w.store,
            TopUpCard(cardId: newCard, topUpId: ID(6601), amount: .cny(100), paymentRef: "WX", storeId: W.storeA),
            rule: "CRD-03.storedValueCard",
            kind: .invalidInput
        )
        T.expectRejected(
            &w.store,
            TopUpCard(cardId: card, topUpId: ID(6601), amount: .cny(100), paymentRef: " ", storeId: W.storeA),
            rule: "CRD-03.paymentRef",
            kind: .invalidInput
        )
    }

    // MARK: CRD-04 / CRD-05

    @Test func spendingTakesPrincipalFirstThenBonus() throws {
        var w = try world(principal: 30_000, bonus: 5_000)
        let out = try w.store.execute(
            SpendStoredValue(
                cardId: card,
                spendId: ID(6701),
                amount: .cny(32_000),
                orderId: ID(9001),
                storeId: W.storeB
            ),
            as: .user(T.ops),
            at: t0
        )
        #expect(
            T.events(out) == [
                StoredValueSpent(
                    spendId: ID(6701),
                    amount: .cny(32_000),
                    orderId: ID(9001),
                    storeId: W.storeB,
                    fromPrincipal: .cny(30_000),
                    fromBonus: .cny(2_000)
                )
            ]
        )
        #expect(try state(w).balanceMinor == 3_000)
        T.expectRejected(
            &w.store,
            SpendStoredValue(
                cardId: card,
                spendId: ID(6702),
                amount: .cny(3_001),
                orderId: ID(9002),
                storeId: W.storeB
            ),
            rule: "CRD-04.withinBalance",
            kind: .invariantViolated
        )
        T.expectRejected(
            &w.store,
            SpendStoredValue(cardId: card, spendId: ID(6701), amount: .cny(1), orderId: ID(9002), storeId: W.storeB),
            rule: "CRD-04.spendIdUnique",
            kind: .alreadyExists
        )
        try w.store.execute(ReportCardLost(cardId: card, reason: "stolen", reportedBy: "holder"), as: sys, at: t0)
        #expect(try state(w).spendableMinor(on: t0.date) == 0)
        T.expectRejected(
            &w.store,
            SpendStoredValue(cardId: card, spendId: ID(6702), amount: .cny(1), orderId: ID(9002), storeId: W.storeB),
            rule: "CRD-04.cardActive",
            kind: .invalidState
        )
    }

    @Test func refundsGoBackBonusFirstAndNeverExceedTheSpend() throws {
        var w = try world(principal: 30_000, bonus: 5_000)
        try w.store.execute(
            SpendStoredValue(
                cardId: card,
                spendId: ID(6701),
                amount: .cny(32_000),
                orderId: ID(9001),
                storeId: W.storeB
            ),
            as: sys,
            at: t0
        )
        let out = try w.store.execute(
            RefundStoredValue(cardId: card, spendId: ID(6701), amount: .cny(2_500)),
            as: .user(T.ops),
            at: t0
        )
        #expect(T.events(out) == [StoredValueRefunded(spendId: ID(6701), amount: .cny(2_500))])
        var c = try state(w)
        #expect(c.bonusMinor == 5_000 && c.principalMinor == 500)
        T.expectRejected(
            &w.store,
            RefundStoredValue(cardId: card, spendId: ID(6701), amount: .cny(29_501)),
            rule: "CRD-05.withinSpend",
            kind: .invariantViolated
        )
        try w.store.execute(RefundStoredValue(cardId: card, spendId: ID(6701), amount: .cny(29_500)), as: sys, at: t0)
        c = try state(w)
        #expect(c.principalMinor == 30_000 && c.bonusMinor == 5_000)
        T.expectRejected(
            &w.store,
            RefundStoredValue(cardId: card, spendId: ID(6799), amount: .cny(1)),
            rule: "CRD-05.spendExists",
            kind: .notFound
        )
        T.expectRejected(
            &w.store,
            RefundStoredValue(cardId: card, spendId: ID(6701), amount: .cny(1)),
            as: .user(T.viewer),
            rule: "CRD-05.perm",
            kind: .accessDenied
        )
    }

    // MARK: CRD-06 / CRD-07

    @Test func aLostCardIsFrozenUntilTheLossIsCancelled() throws {
        var w = try world(principal: 10_000)
        T.expectRejected(&w.store, CancelCardLoss(cardId: card), rule: "CRD-07.lostNotReplaced", kind: .invalidState)
        let lost = try w.store.execute(
            ReportCardLost(cardId: card, reason: "lost", reportedBy: "holder at counter"),
            as: .user(T.ops),
            at: t0
        )
        #expect(T.events(lost) == [CardReportedLost(reason: "lost", reportedBy: "holder at counter")])
        T.expectRejected(
            &w.store,
            ReportCardLost(cardId: card, reason: "again", reportedBy: "x"),
            rule: "CRD-06.active",
            kind: .invalidState
        )
        let found = try w.store.execute(CancelCardLoss(cardId: card), as: .user(T.ops), at: t0)
        #expect(T.events(found) == [CardLossCancelled()])
        #expect(try state(w).spendableMinor(on: t0.date) == 10_000)
        T.expectRejected(
            &w.store,
            ReportCardLost(cardId: card, reason: "", reportedBy: "x"),
            rule: "CRD-06.reason",
            kind: .invalidInput
        )
    }

    // MARK: CRD-08

    @Test func aReplacementMovesTheBalanceMinusTheFeeExactly() throws {
        var w = try world(principal: 30_000, bonus: 5_000, memberId: W.annMember)
        try w.store.execute(ReportCardLost(cardId: card, reason: "lost", reportedBy: "holder"), as: sys, at: t0)
        let out = try w.store.execute(
            ReplaceCard(
                cardId: card,
                newCardId: newCard,
                newCardNo: "6222 0009",
                reason: .lost,
                fee: .cny(1_000),
                storeId: W.storeB
            ),
            as: .user(T.ops),
            at: t0
        )
        let replaced = CardReplaced(
            newCardId: newCard,
            newCardNo: "6222 0009",
            transferredBalance: CardBalance(principal: .cny(29_000), bonus: .cny(5_000)),
            fee: .cny(1_000)
        )
        #expect(
            T.events(out) == [
                replaced,
                CardIssued(
                    cardId: newCard,
                    cardNo: "6222 0009",
                    kind: .storedValue,
                    memberId: W.annMember,
                    storeId: W.storeB,
                    expiresOn: nil
                ),
                replaced,
                CardActivated(storeId: W.storeB),
            ]
        )
        #expect(T.streams(out) == ["card-\(card)", "card-\(newCard)", "card-\(newCard)", "card-\(newCard)"])
        let old = try state(w)
        let new = try state(w, newCard)
        #expect(old.status == .replaced && old.balanceMinor == 0 && old.replacedByCardId == newCard && old.isTerminal)
        #expect(new.status == .active && new.isReplacement && new.principalMinor == 29_000 && new.bonusMinor == 5_000)
        #expect(old.feesMinor + new.balanceMinor == 35_000)
        T.expectRejected(&w.store, CancelCardLoss(cardId: card), rule: "CRD-07.lostNotReplaced", kind: .invalidState)
        T.expectRejected(
            &w.store,
            ReplaceCard(
                cardId: card,
                newCardId: ID(652),
                newCardNo: "6222 0010",
                reason: .lost,
                fee: .cny(0),
                storeId: W.storeB
            ),
            rule: "CRD-08.lostOrDamaged",
            kind: .invalidState
        )
        #expect(
            try w.store.execute(
                SpendStoredValue(
                    cardId: newCard,
                    spendId: ID(6701),
                    amount: .cny(34_000),
                    orderId: ID(9001),
                    storeId: W.storeB
                ),
                as: sys,
                at: t0
            ).count == 1
        )
    }

    @Test func onlyALostOrDamagedCardIsReplacedOntoAFreshNumber() throws {
        var w = try world(principal: 500)
        T.expectRejected(
            &w.store,
            ReplaceCard(
                cardId: card,
                newCardId: newCard,
                newCardNo: "N-1",
                reason: .lost,
                fee: .cny(0),
                storeId: W.storeA
            ),
            rule: "CRD-08.lostOrDamaged",
            kind: .invalidState
        )
        T.expectRejected(
            &w.store,
            ReplaceCard(
                cardId: card,
                newCardId: newCard,
                newCardNo: "6222 0001",
                reason: .damaged,
                fee: .cny(0),
                storeId: W.storeA
            ),
            rule: "CRD-08.newCardNoUnique",
            kind: .invariantViolated
        )
        T.expectRejected(
            &w.store,
            ReplaceCard(
                cardId: card,
                newCardId: newCard,
                newCardNo: "N-1",
                reason: .damaged,
                fee: .cny(501),
                storeId: W.storeA
            ),
            rule: "CRD-08.feeWithinPrincipal",
            kind: .invariantViolated
        )
        let out = try w.store.execute(
            ReplaceCard(
                cardId: card,
                newCardId: newCard,
                newCardNo: "N-1",
                reason: .damaged,
                fee: .cny(500),
                storeId: W.storeA
            ),
            as: sys,
            at: t0
        )
        #expect(out.count == 4)
        #expect(try state(w, newCard).balanceMinor == 0)
    }

    // MARK: CRD-09

    @Test func cancellationRefundsAtMostThePrincipalAndKeepsHistory() throws {
        var w = try world(principal: 30_000, bonus: 5_000)
        try w.store.execute(
            SpendStoredValue(
                cardId: card,
                spendId: ID(6701),
                amount: .cny(10_000),
                orderId: ID(9001),
                storeId: W.storeA
            ),
            as: sys,
            at: t0
        )
        T.expectRejected(
            &w.store,
            CancelCard(cardId: card, refundAmount: .cny(20_001), reason: "customer leaves"),
            rule: "CRD-09.refundWithinPrincipal",
            kind: .invariantViolated
        )
        T.expectRejected(
            &w.store,
            CancelCard(cardId: card, refundAmount: .cny(20_000), reason: "customer leaves"),
            as: .user(T.viewer),
            rule: "CRD-09.perm",
            kind: .accessDenied
        )
        let out = try w.store.execute(
            CancelCard(cardId: card, refundAmount: .cny(20_000), reason: "customer leaves"),
            as: .user(T.ops),
            at: t0
        )
        #expect(T.events(out) == [CardCancelled(refundAmount: .cny(20_000), reason: "customer leaves")])
        let c = try state(w)
        #expect(
            c.status == .cancelled && c.balanceMinor == 0 && c.cancellationRefundMinor == 20_000 && c.spends.count == 1
        )
        T.expectRejected(
            &w.store,
            CancelCard(cardId: card, refundAmount: .cny(0), reason: "again"),
            rule: "CRD-09.notCancelled",
            kind: .invalidState
        )
        T.expectRejected(
            &w.store,
            RefundStoredValue(cardId: card, spendId: ID(6701), amount: .cny(1)),
            rule: "CRD-05.cardNotTerminal",
            kind: .invalidState
        )
    }

    @Test func theSplitPolicyIsPrincipalFirstAndRefundsReverseIt() {
        #expect(StoredValuePolicy.split(spend: 70, principal: 50, bonus: 40) == (principal: 50, bonus: 20))
        #expect(StoredValuePolicy.split(spend: 30, principal: 50, bonus: 40) == (principal: 30, bonus: 0))
        #expect(StoredValuePolicy.split(refund: 30, bonusLeft: 20) == (principal: 10, bonus: 20))
        #expect(StoredValuePolicy.split(refund: 30, bonusLeft: 0) == (principal: 30, bonus: 0))
    }
}
