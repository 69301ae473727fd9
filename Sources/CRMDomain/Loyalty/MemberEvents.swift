// Events of catalogue §2.9, members and points (LOY-07..LOY-18). Stream `member-<memberId>` = the points
// account (``Member``).

/// LOY-07. A customer joined a programme. Claims the (programme, customer) pair: one membership per programme.
public struct MemberEnrolled: DomainEvent {
    public static let eventType = "MemberEnrolled"
    public let memberId: ID
    public let customerId: ID
    public let programId: ID
    public let enrolledAt: Timestamp
    public let storeId: ID?
    public let referrerMemberId: ID?

    public init(
        memberId: ID,
        customerId: ID,
        programId: ID,
        enrolledAt: Timestamp,
        storeId: ID?,
        referrerMemberId: ID?
    ) {
        self.memberId = memberId
        self.customerId = customerId
        self.programId = programId
        self.enrolledAt = enrolledAt
        self.storeId = storeId
        self.referrerMemberId = referrerMemberId
    }

    public func indexEntries(in stream: StreamRef) -> [IndexEntry] {
        [
            .claim(Member.membershipKey(programId: programId, customerId: customerId), owner: stream),
            .link(parent: StreamRef("customer", customerId.description), child: stream),
        ]
    }
}

/// Why a member's tier changed.
public enum TierChangeReason: String, Codable, Hashable, Sendable, CaseIterable { case qualified, downgraded, manual }

/// LOY-08. The member moved to another tier. `fromTierId` is `nil` for the first assignment after enrolment;
/// `metricValue` is the programme's tier metric at the change.
public struct MemberTierChanged: DomainEvent {
    public static let eventType = "MemberTierChanged"
    public let fromTierId: ID?
    public let toTierId: ID
    public let metricValue: Int64
    public let reason: TierChangeReason

    public init(fromTierId: ID?, toTierId: ID, metricValue: Int64, reason: TierChangeReason) {
        self.fromTierId = fromTierId
        self.toTierId = toTierId
        self.metricValue = metricValue
        self.reason = reason
    }
}

/// LOY-09. The membership was deactivated (no earning, purchases or redemptions until reactivated).
public struct MemberDeactivated: DomainEvent {
    public static let eventType = "MemberDeactivated"
    public let reason: String

    public init(reason: String) { self.reason = reason }
}

/// LOY-10. The membership is active again.
public struct MemberReactivated: DomainEvent {
    public static let eventType = "MemberReactivated"

    public init() {}
}

/// One line of a purchase: `grossAmount` is the line total (all `qty` units). SKUs are unique per purchase.
public struct PurchaseItem: Codable, Hashable, Sendable {
    public let sku: String
    public let category: String
    public let labels: [String]
    public let qty: Int64
    public let grossAmount: Money

    public init(sku: String, category: String, labels: [String], qty: Int64, grossAmount: Money) {
        self.sku = sku
        self.category = category
        self.labels = labels
        self.qty = qty
        self.grossAmount = grossAmount
    }
}

/// LOY-11. A purchase (POS transaction) of the member. Claims `transactionId` (unique across members).
public struct PurchaseRecorded: DomainEvent {
    public static let eventType = "PurchaseRecorded"
    public let transactionId: ID
    public let storeId: ID
    public let occurredAt: Timestamp
    public let documentNo: String
    public let items: [PurchaseItem]
    public let deliveryAmount: Money
    public let total: Money

    public init(
        transactionId: ID,
        storeId: ID,
        occurredAt: Timestamp,
        documentNo: String,
        items: [PurchaseItem],
        deliveryAmount: Money,
        total: Money
    ) {
        self.transactionId = transactionId
        self.storeId = storeId
        self.occurredAt = occurredAt
        self.documentNo = documentNo
        self.items = items
        self.deliveryAmount = deliveryAmount
        self.total = total
    }

    public func indexEntries(in stream: StreamRef) -> [IndexEntry] {
        [.claim(Member.transactionKey(transactionId), owner: stream)]
    }
}

/// One returned line: `grossAmount` is the amount refunded for the `qty` units.
public struct ReturnedItem: Codable, Hashable, Sendable {
    public let sku: String
    public let qty: Int64
    public let grossAmount: Money

    public init(sku: String, qty: Int64, grossAmount: Money) {
        self.sku = sku
        self.qty = qty
        self.grossAmount = grossAmount
    }
}

/// LOY-12. Items of a recorded purchase were returned.
public struct PurchaseReturned: DomainEvent {
    public static let eventType = "PurchaseReturned"
    public let transactionId: ID
    public let returnId: ID
    public let items: [ReturnedItem]

    public init(transactionId: ID, returnId: ID, items: [ReturnedItem]) {
        self.transactionId = transactionId
        self.returnId = returnId
        self.items = items
    }
}

/// Where earned points come from.
public enum PointsSource: String, Codable, Hashable, Sendable, CaseIterable { case purchase, event, referral, manual }

/// One rule's share of an earning. The shares are the rules' exact contributions (tier multiplier included)
/// apportioned to integers by largest remainder, so they add up to the earned points.
public struct PointsRuleTrace: Codable, Hashable, Sendable {
    public let ruleId: ID
    public let points: Int64

    public init(ruleId: ID, points: Int64) {
        self.ruleId = ruleId
        self.points = points
    }
}

/// LOY-13. A new points lot was credited. `expiresOn` comes from the programme's expiry policy (the lot is usable
/// through that date).
public struct PointsEarned: DomainEvent {
    public static let eventType = "PointsEarned"
    public let lotId: ID
    public let points: Int64
    public let source: PointsSource
    public let sourceId: ID
    public let ruleTrace: [PointsRuleTrace]
    public let earnedAt: Timestamp
    public let expiresOn: LocalDate?

    public init(
        lotId: ID,
        points: Int64,
        source: PointsSource,
        sourceId: ID,
        ruleTrace: [PointsRuleTrace],
        earnedAt: Timestamp,
        expiresOn: LocalDate?
    ) {
        self.lotId = lotId
        self.points = points
        self.source = source
        self.sourceId = sourceId
        self.ruleTrace = ruleTrace
        self.earnedAt = earnedAt
        self.expiresOn = expiresOn
    }
}

/// Points taken from (or given back to) one lot.
public struct PointsAllocation: Codable, Hashable, Sendable {
    public let lotId: ID
    public let points: Int64

    public init(lotId: ID, points: Int64) {
        self.lotId = lotId
        self.points = points
    }
}

/// LOY-14. Points were redeemed for a reward or against an order; `allocations` take them from the lots in the
/// consumption order of §3.5 (soonest expiry first). A reward redemption is linked to the reward's stream (stock).
public struct PointsRedeemed: DomainEvent {
    public static let eventType = "PointsRedeemed"
    public let redemptionId: ID
    public let points: Int64
    public let rewardId: ID?
    public let orderId: ID?
    public let allocations: [PointsAllocation]

    public init(redemptionId: ID, points: Int64, rewardId: ID?, orderId: ID?, allocations: [PointsAllocation]) {
        self.redemptionId = redemptionId
        self.points = points
        self.rewardId = rewardId
        self.orderId = orderId
        self.allocations = allocations
    }

    public func indexEntries(in stream: StreamRef) -> [IndexEntry] {
        guard let rewardId else { return [] }
        return [
            .link(
                parent: StreamRef(Reward.category, rewardId.description),
                child: StreamRef(Reward.redemptionCategory, redemptionId.description)
            )
        ]
    }
}

/// LOY-15. A redemption was reversed; its points went back to the lots they came from.
public struct PointsRedemptionReversed: DomainEvent {
    public static let eventType = "PointsRedemptionReversed"
    public let redemptionId: ID
    public let restored: [PointsAllocation]

    public init(redemptionId: ID, restored: [PointsAllocation]) {
        self.redemptionId = redemptionId
        self.restored = restored
    }

    /// Marks the redemption as reversed in the index, so a reward's stock counts only live redemptions.
    public func indexEntries(in stream: StreamRef) -> [IndexEntry] {
        [.claim(Self.reversedKey(redemptionId.description), owner: stream)]
    }

    static func reversedKey(_ redemptionId: String) -> UniqueKey {
        UniqueKey(scope: "redemption.reversed", value: redemptionId)
    }
}

/// LOY-16. A lot's remaining points expired (`asOf > expiresOn`).
public struct PointsExpired: DomainEvent {
    public static let eventType = "PointsExpired"
    public let lotId: ID
    public let points: Int64
    public let expiresOn: LocalDate
    public let asOf: LocalDate

    public init(lotId: ID, points: Int64, expiresOn: LocalDate, asOf: LocalDate) {
        self.lotId = lotId
        self.points = points
        self.expiresOn = expiresOn
        self.asOf = asOf
    }
}

/// LOY-17. A manual or system adjustment. A positive `delta` creates lot `lotId`; a negative one takes
/// `allocations` from the lots (§3.5 order). `approvedBy` is `nil` for system adjustments (return shortfalls,
/// membership merges). `adjustedAt` and `expiresOn` (the new lot's expiry) are added to the catalogue payload:
/// the lot model of §3.5 needs the earning time and expiry of every lot, and this event creates one.
public struct PointsAdjusted: DomainEvent {
    public static let eventType = "PointsAdjusted"
    public let delta: Int64
    public let reason: String
    public let approvedBy: ID?
    public let lotId: ID?
    public let allocations: [PointsAllocation]?
    public let adjustedAt: Timestamp
    public let expiresOn: LocalDate?

    public init(
        delta: Int64,
        reason: String,
        approvedBy: ID?,
        lotId: ID?,
        allocations: [PointsAllocation]?,
        adjustedAt: Timestamp,
        expiresOn: LocalDate?
    ) {
        self.delta = delta
        self.reason = reason
        self.approvedBy = approvedBy
        self.lotId = lotId
        self.allocations = allocations
        self.adjustedAt = adjustedAt
        self.expiresOn = expiresOn
    }
}

/// Why earned points were cancelled.
public enum EarningCancelCause: String, Codable, Hashable, Sendable, CaseIterable { case `return`, fraud, error }

/// LOY-18. Points of an earned lot were cancelled (only LOY-13 lots; at most the lot's remaining points).
public struct PointsEarningCancelled: DomainEvent {
    public static let eventType = "PointsEarningCancelled"
    public let lotId: ID
    public let points: Int64
    public let cause: EarningCancelCause

    public init(lotId: ID, points: Int64, cause: EarningCancelCause) {
        self.lotId = lotId
        self.points = points
        self.cause = cause
    }
}
