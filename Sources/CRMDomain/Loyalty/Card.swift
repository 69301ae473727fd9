// Events of catalogue §2.9, stored-value and membership cards (CRD-01..CRD-09), and the `Card` aggregate.
// Stream `card-<cardId>`.

/// A card's kind: a stored-value (prepaid) card, or a membership card identifying a member.
public enum CardKind: String, Codable, Hashable, Sendable, CaseIterable { case storedValue, membership }

/// CRD-01. A card was issued (status `inactive` until CRD-02). Claims `cardNo`.
public struct CardIssued: DomainEvent {
    public static let eventType = "CardIssued"
    public let cardId: ID
    public let cardNo: String
    public let kind: CardKind
    public let memberId: ID?
    public let storeId: ID
    public let expiresOn: LocalDate?

    public init(cardId: ID, cardNo: String, kind: CardKind, memberId: ID?, storeId: ID, expiresOn: LocalDate?) {
        self.cardId = cardId
        self.cardNo = cardNo
        self.kind = kind
        self.memberId = memberId
        self.storeId = storeId
        self.expiresOn = expiresOn
    }

    public func indexEntries(in stream: StreamRef) -> [IndexEntry] {
        var entries: [IndexEntry] = [.claim(Card.numberKey(cardNo), owner: stream)]
        if let memberId { entries.append(.link(parent: Member.stream(memberId), child: stream)) }
        return entries
    }
}

/// CRD-02. The card was activated at a store.
public struct CardActivated: DomainEvent {
    public static let eventType = "CardActivated"
    public let storeId: ID

    public init(storeId: ID) { self.storeId = storeId }
}

/// CRD-03. Money was loaded: `amount` is paid principal, `bonusAmount` a promotional bonus on top.
public struct CardToppedUp: DomainEvent {
    public static let eventType = "CardToppedUp"
    public let topUpId: ID
    public let amount: Money
    public let bonusAmount: Money
    public let paymentRef: String
    public let storeId: ID

    public init(topUpId: ID, amount: Money, bonusAmount: Money, paymentRef: String, storeId: ID) {
        self.topUpId = topUpId
        self.amount = amount
        self.bonusAmount = bonusAmount
        self.paymentRef = paymentRef
        self.storeId = storeId
    }
}

/// CRD-04. Stored value was spent; `fromPrincipal + fromBonus = amount`, split per ``StoredValuePolicy``.
public struct StoredValueSpent: DomainEvent {
    public static let eventType = "StoredValueSpent"
    public let spendId: ID
    public let amount: Money
    public let orderId: ID
    public let storeId: ID
    public let fromPrincipal: Money
    public let fromBonus: Money

    public init(spendId: ID, amount: Money, orderId: ID, storeId: ID, fromPrincipal: Money, fromBonus: Money) {
        self.spendId = spendId
        self.amount = amount
        self.orderId = orderId
        self.storeId = storeId
        self.fromPrincipal = fromPrincipal
        self.fromBonus = fromBonus
    }
}

/// CRD-05. (Part of) a spend was refunded to the card; the split back follows ``StoredValuePolicy``.
public struct StoredValueRefunded: DomainEvent {
    public static let eventType = "StoredValueRefunded"
    public let spendId: ID
    public let amount: Money

    public init(spendId: ID, amount: Money) {
        self.spendId = spendId
        self.amount = amount
    }
}

/// CRD-06. The card was reported lost (or frozen): spending is blocked until CRD-07 or CRD-08 [CN-card].
public struct CardReportedLost: DomainEvent {
    public static let eventType = "CardReportedLost"
    public let reason: String
    /// Who reported it (the holder's name and channel, or the staff member), as told.
    public let reportedBy: String

    public init(reason: String, reportedBy: String) {
        self.reason = reason
        self.reportedBy = reportedBy
    }
}

/// CRD-07. A loss report was withdrawn (the card was found / unfrozen).
public struct CardLossCancelled: DomainEvent {
    public static let eventType = "CardLossCancelled"

    public init() {}
}

/// A stored-value balance split into paid principal and promotional bonus.
public struct CardBalance: Codable, Hashable, Sendable {
    public let principal: Money
    public let bonus: Money

    public init(principal: Money, bonus: Money) {
        self.principal = principal
        self.bonus = bonus
    }
}

/// CRD-08. The card was replaced by `newCardId`; `transferredBalance` = old balance − `fee` (taken from the
/// principal) is the new card's opening balance.
///
/// The same event is appended to both streams: on the old card's stream it empties the balance and makes the card
/// terminal (`replaced`); on the new card's stream (after its CRD-01) it is the opening balance. A projection tells
/// the two apart by `newCardId` = the stream's card, as ``Card`` does — the balance moves exactly, in one fact.
public struct CardReplaced: DomainEvent {
    public static let eventType = "CardReplaced"
    public let newCardId: ID
    public let newCardNo: String
    public let transferredBalance: CardBalance
    public let fee: Money

    public init(newCardId: ID, newCardNo: String, transferredBalance: CardBalance, fee: Money) {
        self.newCardId = newCardId
        self.newCardNo = newCardNo
        self.transferredBalance = transferredBalance
        self.fee = fee
    }
}

/// CRD-09. The card was cancelled (returned); `refundAmount` of the principal was paid back, the rest of the
/// balance is forfeited. The card's history is kept.
public struct CardCancelled: DomainEvent {
    public static let eventType = "CardCancelled"
    public let refundAmount: Money
    public let reason: String

    public init(refundAmount: Money, reason: String) {
        self.refundAmount = refundAmount
        self.reason = reason
    }
}

/// The stored-value policy (proposal):
/// - **spending** takes the principal first, then the bonus (so the refundable principal is used before promotional
///   money);
/// - a **refund** gives back in reverse order: first the bonus part of that spend not yet refunded, then the
///   principal part;
/// - the **balance cap** (principal + bonus after a top-up) follows the PRC rules for single-purpose prepaid cards:
///   ¥5 000 on a registered card (linked to a member), ¥1 000 on an anonymous one (minor units of the card's
///   currency);
/// - a **replacement fee** and a **cancellation refund** come out of the principal only.
public enum StoredValuePolicy {
    public static let registeredCapMinor: Int64 = 500_000
    public static let anonymousCapMinor: Int64 = 100_000

    /// (fromPrincipal, fromBonus) for spending `amount` from `principal` and `bonus` (amount ≤ their sum).
    public static func split(spend amount: Int64, principal: Int64, bonus: Int64) -> (principal: Int64, bonus: Int64) {
        let p = min(amount, principal)
        return (p, min(amount - p, bonus))
    }

    /// (toPrincipal, toBonus) for refunding `amount` of a spend whose bonus part not yet refunded is `bonusLeft`.
    public static func split(refund amount: Int64, bonusLeft: Int64) -> (principal: Int64, bonus: Int64) {
        let b = min(amount, max(0, bonusLeft))
        return (amount - b, b)
    }
}

/// A stored-value or membership card: stream `card-<cardId>`, folded from CRD-01..CRD-09.
///
/// `balance = principal + bonus`; §3.5: `Σ top-ups + Σ bonus + Σ refunds − Σ spends − Σ fees − cancellation refund`,
/// with a replacement moving `balance − fee` out of this card (or, on the new card, in as its opening balance).
public struct Card: Aggregate {
    public static let category = "card"

    public enum Status: String, Hashable, Sendable { case inactive, active, lost, replaced, cancelled }

    /// One spend and what has been refunded of it.
    public struct Spend: Hashable, Sendable {
        public let amount: Int64
        public let fromPrincipal: Int64
        public let fromBonus: Int64
        public var refunded: Int64 = 0
        public var refundedBonus: Int64 = 0
    }

    public var exists = false
    public var cardId: ID?
    public var cardNo = ""
    public var kind: CardKind = .storedValue
    public var memberId: ID?
    public var storeId: ID?
    public var expiresOn: LocalDate?
    public var status: Status = .inactive
    /// Set by the first top-up (or the opening balance of a replacement card).
    public var currency: String?
    public var principalMinor: Int64 = 0
    public var bonusMinor: Int64 = 0
    public var topUpIds: Set<ID> = []
    public var spends: [ID: Spend] = [:]
    /// The card that replaced this one (CRD-08 on the old card).
    public var replacedByCardId: ID?
    /// True on a card whose opening balance came from a replaced card.
    public var isReplacement = false
    public var feesMinor: Int64 = 0
    public var cancellationRefundMinor: Int64 = 0

    public init() {}

    public var balanceMinor: Int64 { principalMinor + bonusMinor }
    public var isTerminal: Bool { status == .replaced || status == .cancelled }

    public func isExpired(on date: LocalDate) -> Bool { expiresOn.map { date > $0 } ?? false }

    /// Spendable on `date`: active and not expired (a lost card has spendable 0, §3.5).
    public func spendableMinor(on date: LocalDate) -> Int64 {
        status == .active && !isExpired(on: date) ? balanceMinor : 0
    }

    public static func numberKey(_ cardNo: String) -> UniqueKey { UniqueKey(scope: "card.number", value: cardNo) }
    public static func stream(_ id: ID) -> StreamRef { StreamRef(category, id.description) }

    public mutating func apply(_ event: any DomainEvent) {
        switch event {
        case let e as CardIssued:
            exists = true
            cardId = e.cardId
            cardNo = e.cardNo
            kind = e.kind
            memberId = e.memberId
            storeId = e.storeId
            expiresOn = e.expiresOn
            status = .inactive
        case is CardActivated:
            status = .active
        case let e as CardToppedUp:
            topUpIds.insert(e.topUpId)
            currency = e.amount.currency
            principalMinor += e.amount.amountMinor
            bonusMinor += e.bonusAmount.amountMinor
        case let e as StoredValueSpent:
            spends[e.spendId] = Spend(
                amount: e.amount.amountMinor,
                fromPrincipal: e.fromPrincipal.amountMinor,
                fromBonus: e.fromBonus.amountMinor
            )
            principalMinor -= e.fromPrincipal.amountMinor
            bonusMinor -= e.fromBonus.amountMinor
        case let e as StoredValueRefunded:
            guard var s = spends[e.spendId] else { return }
            let back = StoredValuePolicy.split(refund: e.amount.amountMinor, bonusLeft: s.fromBonus - s.refundedBonus)
            s.refunded += e.amount.amountMinor
            s.refundedBonus += back.bonus
            spends[e.spendId] = s
            principalMinor += back.principal
            bonusMinor += back.bonus
        case is CardReportedLost:
            status = .lost
        case is CardLossCancelled:
            status = .active
        case let e as CardReplaced:
            if e.newCardId == cardId {
                isReplacement = true
                currency = e.transferredBalance.principal.currency
                principalMinor = e.transferredBalance.principal.amountMinor
                bonusMinor = e.transferredBalance.bonus.amountMinor
            } else {
                status = .replaced
                replacedByCardId = e.newCardId
                feesMinor += e.fee.amountMinor
                principalMinor = 0
                bonusMinor = 0
            }
        case let e as CardCancelled:
            status = .cancelled
            cancellationRefundMinor = e.refundAmount.amountMinor
            principalMinor = 0
            bonusMinor = 0
        default:
            break
        }
    }
}
