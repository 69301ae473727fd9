// Commands of catalogue §2.9, cards (CRD-01..CRD-09). "Expired" is judged on the command's day (`d.now`), as
// for any "not in the future" check: a card's expiry date is a fact of the card, not a scheduled event.

extension Card {
    static func load(_ id: ID, _ d: inout Decision, rule: String) throws(Rejection) -> Card {
        guard let c = d.load(Card.self, id), c.exists else { throw .notFound(rule, "card", id: id) }
        return c
    }
}

private func requireStoredValue(_ c: Card, rule: String) throws(Rejection) {
    guard c.kind == .storedValue else {
        throw .invalidInput(rule, field: "cardId", "card \(c.cardNo) is a membership card and holds no stored value")
    }
}

private func requireSpendable(_ c: Card, today: LocalDate, rule: String) throws(Rejection) {
    guard c.status == .active, !c.isExpired(on: today) else {
        let state = c.status == .active ? "expired on \(c.expiresOn?.description ?? "?")" : c.status.rawValue
        throw .invalidState(rule, "card \(c.cardNo) is \(state); it must be active and not expired", ["status": state])
    }
}

private func requireCurrency(_ m: Money, of c: Card, field: String, rule: String) throws(Rejection) {
    if let cur = c.currency, cur != m.currency {
        throw .invalidInput(rule, field: field, "currency \(m.currency) differs from the card's \(cur)")
    }
}

/// CRD-01: issue a card (inactive). A membership card names its member.
public struct IssueCard: Command {
    public let cardId: ID
    public let cardNo: String
    public let kind: CardKind
    public let memberId: ID?
    public let storeId: ID
    public let expiresOn: LocalDate?

    public init(
        cardId: ID,
        cardNo: String,
        kind: CardKind,
        memberId: ID? = nil,
        storeId: ID,
        expiresOn: LocalDate? = nil
    ) {
        self.cardId = cardId
        self.cardNo = cardNo
        self.kind = kind
        self.memberId = memberId
        self.storeId = storeId
        self.expiresOn = expiresOn
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        try d.authorize(.create, on: .card, rule: "CRD-01.perm")
        try Rejection.require(cardNo, "CRD-01.cardNo", field: "cardNo")
        if kind == .membership, memberId == nil {
            throw .missing("CRD-01.memberRequired", field: "memberId")
        }
        if let e = expiresOn, e < d.now.date {
            throw .invalidInput("CRD-01.expiresOn", field: "expiresOn", "\(e) is already past")
        }
        if d.load(Card.self, cardId)?.exists == true { throw .alreadyExists("CRD-01.cardIdUnique", "card", cardId) }
        if let owner = d.lookup(Card.numberKey(cardNo)) {
            throw .violated(
                "CRD-01.cardNoUnique",
                "card number \(cardNo) is already used by \(owner)",
                ["cardNo": cardNo]
            )
        }
        if let memberId { _ = try Member.load(memberId, &d, rule: "CRD-01.memberExists") }
        try Store.require(storeId, &d, rule: "CRD-01.storeExists")
        d.emit(
            CardIssued(
                cardId: cardId,
                cardNo: cardNo,
                kind: kind,
                memberId: memberId,
                storeId: storeId,
                expiresOn: expiresOn
            ),
            to: Card.stream(cardId)
        )
    }
}

/// CRD-02: activate an issued card.
public struct ActivateCard: Command {
    public let cardId: ID
    public let storeId: ID

    public init(cardId: ID, storeId: ID) {
        self.cardId = cardId
        self.storeId = storeId
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        try d.authorize(.edit, on: .card, rule: "CRD-02.perm")
        let c = try Card.load(cardId, &d, rule: "CRD-02.cardExists")
        guard c.status == .inactive else {
            throw .invalidState(
                "CRD-02.inactive",
                "card \(c.cardNo) is \(c.status.rawValue), not inactive",
                ["status": c.status.rawValue]
            )
        }
        guard !c.isExpired(on: d.now.date) else {
            throw .invalidState(
                "CRD-02.notExpired",
                "card \(c.cardNo) expired on \(c.expiresOn?.description ?? "?"); issue a new card",
                ["expiresOn": c.expiresOn?.description ?? ""]
            )
        }
        try Store.require(storeId, &d, rule: "CRD-02.storeExists")
        d.emit(CardActivated(storeId: storeId), to: Card.stream(cardId))
    }
}

/// CRD-03: load money (and an optional bonus) onto an active stored-value card, within the balance cap.
public struct TopUpCard: Command {
    public let cardId: ID
    public let topUpId: ID
    public let amount: Money
    public let bonusAmount: Money
    public let paymentRef: String
    public let storeId: ID

    public init(cardId: ID, topUpId: ID, amount: Money, bonusAmount: Money? = nil, paymentRef: String, storeId: ID) {
        self.cardId = cardId
        self.topUpId = topUpId
        self.amount = amount
        self.bonusAmount = bonusAmount ?? .zero(amount.currency)
        self.paymentRef = paymentRef
        self.storeId = storeId
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        try d.authorize(.edit, on: .card, rule: "CRD-03.perm")
        try Rejection.require(paymentRef, "CRD-03.paymentRef", field: "paymentRef")
        let c = try Card.load(cardId, &d, rule: "CRD-03.cardExists")
        try requireStoredValue(c, rule: "CRD-03.storedValueCard")
        try requireSpendable(c, today: d.now.date, rule: "CRD-03.cardActive")
        try Rejection.ensure(
            amount.amountMinor > 0,
            "CRD-03.amountPositive",
            "a top-up must be > 0, got \(amount)",
            ["amount": amount.description]
        )
        guard bonusAmount.currency == amount.currency, bonusAmount.amountMinor >= 0 else {
            throw .invalidInput(
                "CRD-03.bonusAmount",
                field: "bonusAmount",
                "\(bonusAmount) must be ≥ 0 in \(amount.currency)"
            )
        }
        try requireCurrency(amount, of: c, field: "amount", rule: "CRD-03.currency")
        guard !c.topUpIds.contains(topUpId) else { throw .alreadyExists("CRD-03.topUpIdUnique", "top-up", topUpId) }
        let cap = c.memberId == nil ? StoredValuePolicy.anonymousCapMinor : StoredValuePolicy.registeredCapMinor
        let after = c.balanceMinor + amount.amountMinor + bonusAmount.amountMinor
        try Rejection.ensure(
            after <= cap,
            "CRD-03.balanceCap",
            "the balance would be \(after), "
                + "above the \(c.memberId == nil ? "anonymous" : "registered") card cap of \(cap) "
                + "(minor units); top up at most \(max(0, cap - c.balanceMinor)) including bonus",
            ["balanceAfter": "\(after)", "cap": "\(cap)"]
        )
        try Store.require(storeId, &d, rule: "CRD-03.storeExists")
        d.emit(
            CardToppedUp(
                topUpId: topUpId,
                amount: amount,
                bonusAmount: bonusAmount,
                paymentRef: paymentRef,
                storeId: storeId
            ),
            to: Card.stream(cardId)
        )
    }
}

/// CRD-04: pay an order from an active stored-value card; principal first, then bonus (``StoredValuePolicy``).
public struct SpendStoredValue: Command {
    public let cardId: ID
    public let spendId: ID
    public let amount: Money
    public let orderId: ID
    public let storeId: ID

    public init(cardId: ID, spendId: ID, amount: Money, orderId: ID, storeId: ID) {
        self.cardId = cardId
        self.spendId = spendId
        self.amount = amount
        self.orderId = orderId
        self.storeId = storeId
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        try d.authorize(.edit, on: .card, rule: "CRD-04.perm")
        let c = try Card.load(cardId, &d, rule: "CRD-04.cardExists")
        try requireStoredValue(c, rule: "CRD-04.storedValueCard")
        try requireSpendable(c, today: d.now.date, rule: "CRD-04.cardActive")
        guard amount.amountMinor > 0 else {
            throw .invalidInput("CRD-04.amount", field: "amount", "\(amount) must be > 0")
        }
        try requireCurrency(amount, of: c, field: "amount", rule: "CRD-04.currency")
        guard c.spends[spendId] == nil else { throw .alreadyExists("CRD-04.spendIdUnique", "spend", spendId) }
        try Rejection.ensure(
            amount.amountMinor <= c.balanceMinor,
            "CRD-04.withinBalance",
            "card \(c.cardNo) holds \(c.balanceMinor) (principal \(c.principalMinor) + bonus \(c.bonusMinor)); "
                + "\(amount) cannot be spent",
            ["balance": "\(c.balanceMinor)", "amount": amount.description]
        )
        try Store.require(storeId, &d, rule: "CRD-04.storeExists")
        let split = StoredValuePolicy.split(spend: amount.amountMinor, principal: c.principalMinor, bonus: c.bonusMinor)
        d.emit(
            StoredValueSpent(
                spendId: spendId,
                amount: amount,
                orderId: orderId,
                storeId: storeId,
                fromPrincipal: Money(amountMinor: split.principal, currency: amount.currency),
                fromBonus: Money(amountMinor: split.bonus, currency: amount.currency)
            ),
            to: Card.stream(cardId)
        )
    }
}

/// CRD-05: refund (part of) a spend back onto the card.
public struct RefundStoredValue: Command {
    public let cardId: ID
    public let spendId: ID
    public let amount: Money

    public init(cardId: ID, spendId: ID, amount: Money) {
        self.cardId = cardId
        self.spendId = spendId
        self.amount = amount
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        try d.authorize(.refund, on: .card, rule: "CRD-05.perm")
        guard amount.amountMinor > 0 else {
            throw .invalidInput("CRD-05.amount", field: "amount", "\(amount) must be > 0")
        }
        let c = try Card.load(cardId, &d, rule: "CRD-05.cardExists")
        guard let spend = c.spends[spendId] else {
            throw .notFound("CRD-05.spendExists", "spend on card \(c.cardNo)", id: spendId)
        }
        try requireCurrency(amount, of: c, field: "amount", rule: "CRD-05.currency")
        guard !c.isTerminal else {
            throw .invalidState(
                "CRD-05.cardNotTerminal",
                "card \(c.cardNo) is \(c.status.rawValue); refund to the customer another way",
                ["status": c.status.rawValue]
            )
        }
        try Rejection.ensure(
            spend.refunded + amount.amountMinor <= spend.amount,
            "CRD-05.withinSpend",
            "spend \(spendId) was \(spend.amount) and \(spend.refunded) is refunded already; \(amount) is too much",
            ["spent": "\(spend.amount)", "refunded": "\(spend.refunded)", "amount": amount.description]
        )
        d.emit(StoredValueRefunded(spendId: spendId, amount: amount), to: Card.stream(cardId))
    }
}

/// CRD-06: report an active card lost (or freeze it); spending stops.
public struct ReportCardLost: Command {
    public let cardId: ID
    public let reason: String
    public let reportedBy: String

    public init(cardId: ID, reason: String, reportedBy: String) {
        self.cardId = cardId
        self.reason = reason
        self.reportedBy = reportedBy
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        try d.authorize(.edit, on: .card, rule: "CRD-06.perm")
        try Rejection.require(reason, "CRD-06.reason", field: "reason")
        try Rejection.require(reportedBy, "CRD-06.reportedBy", field: "reportedBy")
        let c = try Card.load(cardId, &d, rule: "CRD-06.cardExists")
        guard c.status == .active else {
            throw .invalidState(
                "CRD-06.active",
                "card \(c.cardNo) is \(c.status.rawValue), not active",
                ["status": c.status.rawValue]
            )
        }
        d.emit(CardReportedLost(reason: reason, reportedBy: reportedBy), to: Card.stream(cardId))
    }
}

/// CRD-07: withdraw a loss report (unfreeze).
public struct CancelCardLoss: Command {
    public let cardId: ID

    public init(cardId: ID) { self.cardId = cardId }

    public func decide(_ d: inout Decision) throws(Rejection) {
        try d.authorize(.edit, on: .card, rule: "CRD-07.perm")
        let c = try Card.load(cardId, &d, rule: "CRD-07.cardExists")
        guard c.status == .lost else {
            throw .invalidState(
                "CRD-07.lostNotReplaced",
                "card \(c.cardNo) is \(c.status.rawValue); only a lost card that was not replaced can be unblocked",
                ["status": c.status.rawValue]
            )
        }
        d.emit(CardLossCancelled(), to: Card.stream(cardId))
    }
}

/// Why a card is replaced.
public enum CardReplacementReason: String, Codable, Hashable, Sendable, CaseIterable { case lost, damaged }

/// CRD-08: replace a lost (reported) or damaged (active) card: issue and activate the new card and move
/// `balance − fee` onto it exactly; the old card becomes terminal. The fee comes out of the principal.
public struct ReplaceCard: Command {
    public let cardId: ID
    public let newCardId: ID
    public let newCardNo: String
    public let reason: CardReplacementReason
    public let fee: Money
    public let storeId: ID
    public let newExpiresOn: LocalDate?

    public init(
        cardId: ID,
        newCardId: ID,
        newCardNo: String,
        reason: CardReplacementReason,
        fee: Money,
        storeId: ID,
        newExpiresOn: LocalDate? = nil
    ) {
        self.cardId = cardId
        self.newCardId = newCardId
        self.newCardNo = newCardNo
        self.reason = reason
        self.fee = fee
        self.storeId = storeId
        self.newExpiresOn = newExpiresOn
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        try d.authorize(.create, on: .card, rule: "CRD-08.perm")
        try Rejection.require(newCardNo, "CRD-08.newCardNo", field: "newCardNo")
        let c = try Card.load(cardId, &d, rule: "CRD-08.cardExists")
        let eligible = reason == .lost ? c.status == .lost : c.status == .active
        guard eligible else {
            throw .invalidState(
                "CRD-08.lostOrDamaged",
                reason == .lost
                    ? "card \(c.cardNo) is \(c.status.rawValue); report it lost before replacing it"
                    : "card \(c.cardNo) is \(c.status.rawValue); only an active card is replaced as damaged",
                ["status": c.status.rawValue, "reason": reason.rawValue]
            )
        }
        guard fee.amountMinor >= 0 else { throw .invalidInput("CRD-08.fee", field: "fee", "\(fee) is negative") }
        try requireCurrency(fee, of: c, field: "fee", rule: "CRD-08.currency")
        try Rejection.ensure(
            fee.amountMinor <= c.principalMinor,
            "CRD-08.feeWithinPrincipal",
            "the fee \(fee) is more than the card's principal \(c.principalMinor); "
                + "collect it separately and replace with fee 0",
            ["fee": fee.description, "principal": "\(c.principalMinor)"]
        )
        if d.load(Card.self, newCardId)?.exists == true {
            throw .alreadyExists("CRD-08.newCardIdUnique", "card", newCardId)
        }
        if let owner = d.lookup(Card.numberKey(newCardNo)) {
            throw .violated(
                "CRD-08.newCardNoUnique",
                "card number \(newCardNo) is already used by \(owner)",
                ["cardNo": newCardNo]
            )
        }
        try Store.require(storeId, &d, rule: "CRD-08.storeExists")
        let currency = c.currency ?? fee.currency
        let replaced = CardReplaced(
            newCardId: newCardId,
            newCardNo: newCardNo,
            transferredBalance: CardBalance(
                principal: Money(amountMinor: c.principalMinor - fee.amountMinor, currency: currency),
                bonus: Money(amountMinor: c.bonusMinor, currency: currency)
            ),
            fee: Money(amountMinor: fee.amountMinor, currency: currency)
        )
        d.emit(replaced, to: Card.stream(cardId))
        let newStream = Card.stream(newCardId)
        d.emit(
            CardIssued(
                cardId: newCardId,
                cardNo: newCardNo,
                kind: c.kind,
                memberId: c.memberId,
                storeId: storeId,
                expiresOn: newExpiresOn ?? c.expiresOn
            ),
            to: newStream
        )
        d.emit(replaced, to: newStream)
        d.emit(CardActivated(storeId: storeId), to: newStream)
    }
}

/// CRD-09: cancel (return) a card, refunding at most its principal; bonus and any principal not refunded are
/// forfeited. The card's history is kept.
public struct CancelCard: Command {
    public let cardId: ID
    public let refundAmount: Money
    public let reason: String

    public init(cardId: ID, refundAmount: Money, reason: String) {
        self.cardId = cardId
        self.refundAmount = refundAmount
        self.reason = reason
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        try d.authorize(.void, on: .card, rule: "CRD-09.perm")
        try Rejection.require(reason, "CRD-09.reason", field: "reason")
        let c = try Card.load(cardId, &d, rule: "CRD-09.cardExists")
        guard !c.isTerminal else {
            throw .invalidState(
                "CRD-09.notCancelled",
                "card \(c.cardNo) is already \(c.status.rawValue)",
                ["status": c.status.rawValue]
            )
        }
        guard refundAmount.amountMinor >= 0 else {
            throw .invalidInput("CRD-09.refundAmount", field: "refundAmount", "\(refundAmount) is negative")
        }
        try requireCurrency(refundAmount, of: c, field: "refundAmount", rule: "CRD-09.currency")
        try Rejection.ensure(
            refundAmount.amountMinor <= c.principalMinor,
            "CRD-09.refundWithinPrincipal",
            "card \(c.cardNo) has \(c.principalMinor) refundable principal (bonus \(c.bonusMinor) is not refundable); "
                + "\(refundAmount) is too much",
            ["principal": "\(c.principalMinor)", "refundAmount": refundAmount.description]
        )
        d.emit(CardCancelled(refundAmount: refundAmount, reason: reason), to: Card.stream(cardId))
    }
}
