/// A programme member = the points account: stream `member-<memberId>`, folded from LOY-07..LOY-18.
///
/// Keeps what the member commands check: status, tier and the tier metric, purchases with their returns, the
/// (sourceId, ruleId) pairs already credited (LOY-13 idempotency), redemptions, and the points lots
/// (``PointsLedger``).
public struct Member: Aggregate {
    public static let category = "member"

    public enum Status: String, Hashable, Sendable { case active, inactive }

    /// A recorded purchase and what has been returned of it so far.
    public struct Purchase: Hashable, Sendable {
        public let recorded: PurchaseRecorded
        /// Returns in the order they were recorded.
        public var returns: [PurchaseReturned] = []

        /// The purchase's lines net of all returns (lines fully returned stay with qty 0).
        public var remainingItems: [PurchaseItem] { items(afterReturns: returns.count) }

        /// The lines net of the first `n` returns.
        public func items(afterReturns n: Int) -> [PurchaseItem] {
            var qty: [String: Int64] = [:]
            var gross: [String: Int64] = [:]
            for r in returns.prefix(n) {
                for i in r.items {
                    qty[i.sku, default: 0] += i.qty
                    gross[i.sku, default: 0] += i.grossAmount.amountMinor
                }
            }
            return recorded.items.map { i in
                PurchaseItem(
                    sku: i.sku,
                    category: i.category,
                    labels: i.labels,
                    qty: i.qty - (qty[i.sku] ?? 0),
                    grossAmount: Money(
                        amountMinor: i.grossAmount.amountMinor - (gross[i.sku] ?? 0),
                        currency: i.grossAmount.currency
                    )
                )
            }
        }

        /// The order total net of the first `n` returns (delivery is never returned).
        public func total(afterReturns n: Int) -> Int64 {
            recorded.total.amountMinor
                - returns.prefix(n).reduce(0) { $0 + $1.items.reduce(0) { $0 + $1.grossAmount.amountMinor } }
        }
    }

    /// A redemption and whether it was reversed.
    public struct Redemption: Hashable, Sendable {
        public let redeemed: PointsRedeemed
        public var reversed = false
    }

    public var exists = false
    public var memberId: ID?
    public var customerId: ID?
    public var programId: ID?
    public var enrolledAt: Timestamp?
    public var storeId: ID?
    public var referrerMemberId: ID?
    public var status: Status = .inactive
    public var tierId: ID?
    /// Tier metric `points`: earned − cancelled ± adjustments (redemption and expiry do not lower it).
    public var qualifyingPoints: Int64 = 0
    /// Tier metric `spend`: purchase totals − returned amounts, minor units.
    public var netSpendMinor: Int64 = 0
    public var lastPurchaseAt: Timestamp?
    public var purchases: [ID: Purchase] = [:]
    public var returnIds: Set<ID> = []
    /// `"<sourceId>|<ruleId>"` (or `"<sourceId>|"` for manual points) of every credited earning.
    public var creditedEarnings: Set<String> = []
    public var redemptions: [ID: Redemption] = [:]
    public var ledger = PointsLedger()

    public init() {}

    public var isActive: Bool { exists && status == .active }

    public func metric(_ kind: TierMetric) -> Int64 { kind == .points ? qualifyingPoints : netSpendMinor }

    public static func stream(_ id: ID) -> StreamRef { StreamRef(category, id.description) }

    /// The unique key of one membership: (programme, customer).
    public static func membershipKey(programId: ID, customerId: ID) -> UniqueKey {
        UniqueKey(scope: "loyalty.membership", value: "\(programId):\(customerId)")
    }

    /// The unique key of a purchase's transaction id.
    public static func transactionKey(_ transactionId: ID) -> UniqueKey {
        UniqueKey(scope: "loyalty.transaction", value: transactionId.description)
    }

    public static func earningKey(sourceId: ID, ruleId: ID?) -> String { "\(sourceId)|\(ruleId?.description ?? "")" }

    /// Earned lots credited for a source (a purchase's transaction id, an event, a referral).
    public func lots(source: ID) -> [PointsLot] { ledger.lots.filter { $0.origin == .earned && $0.sourceId == source } }

    public mutating func apply(_ event: any DomainEvent) {
        switch event {
        case let e as MemberEnrolled:
            exists = true
            memberId = e.memberId
            customerId = e.customerId
            programId = e.programId
            enrolledAt = e.enrolledAt
            storeId = e.storeId
            referrerMemberId = e.referrerMemberId
            status = .active
        case let e as MemberTierChanged:
            tierId = e.toTierId
        case is MemberDeactivated:
            status = .inactive
        case is MemberReactivated:
            status = .active
        case let e as PurchaseRecorded:
            purchases[e.transactionId] = Purchase(recorded: e)
            netSpendMinor += e.total.amountMinor
            lastPurchaseAt = max(lastPurchaseAt ?? e.occurredAt, e.occurredAt)
        case let e as PurchaseReturned:
            purchases[e.transactionId]?.returns.append(e)
            returnIds.insert(e.returnId)
            netSpendMinor -= e.items.reduce(0) { $0 + $1.grossAmount.amountMinor }
        case let e as PointsEarned:
            ledger.credit(
                PointsLot(
                    lotId: e.lotId,
                    origin: .earned,
                    source: e.source,
                    sourceId: e.sourceId,
                    ruleTrace: e.ruleTrace,
                    tierId: tierId,
                    earnedAt: e.earnedAt,
                    expiresOn: e.expiresOn,
                    points: e.points
                )
            )
            if e.ruleTrace.isEmpty {
                creditedEarnings.insert(Self.earningKey(sourceId: e.sourceId, ruleId: nil))
            }
            for t in e.ruleTrace { creditedEarnings.insert(Self.earningKey(sourceId: e.sourceId, ruleId: t.ruleId)) }
            qualifyingPoints += e.points
        case let e as PointsRedeemed:
            ledger.consume(e.allocations, redemption: true)
            redemptions[e.redemptionId] = Redemption(redeemed: e)
        case let e as PointsRedemptionReversed:
            ledger.restore(e.restored)
            redemptions[e.redemptionId]?.reversed = true
        case let e as PointsExpired:
            ledger.expire(e.lotId, e.points)
        case let e as PointsAdjusted:
            if e.delta > 0, let lotId = e.lotId {
                ledger.credit(
                    PointsLot(
                        lotId: lotId,
                        origin: .adjustment,
                        source: nil,
                        sourceId: nil,
                        ruleTrace: [],
                        tierId: tierId,
                        earnedAt: e.adjustedAt,
                        expiresOn: e.expiresOn,
                        points: e.delta
                    )
                )
            } else if e.delta < 0 {
                ledger.consume(e.allocations ?? [], redemption: false)
            }
            qualifyingPoints += e.delta
        case let e as PointsEarningCancelled:
            ledger.cancel(e.lotId, e.points)
            qualifyingPoints -= e.points
        default:
            break
        }
    }
}
