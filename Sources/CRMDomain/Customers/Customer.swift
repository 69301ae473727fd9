/// A customer (客户; SF Account): stream `customer-<customerId>`, folded from CUS-01..CUS-22, CON-03 and
/// follow-up facts (``CustomerFollowUpFact``) recorded on its stream.
///
/// Ownership: `ownerId` set ⇒ owned; `ownerId == nil` and `poolId` set ⇒ in that pool. `receivedAt` is when the
/// current owner got it (claim, assignment, creation with an owner, approved transfer) and starts the reclaim
/// clocks; `preOwnerId`/`releasedAt` are the last owner and when they lost it (former-owner cooldown).
public struct Customer: Aggregate {
    public static let category = "customer"

    /// How the current owner got the customer (WK `isReceive`: 1 distributed, 2 claimed).
    public enum ReceiveKind: String, Codable, Hashable, Sendable, CaseIterable {
        case created, claimed, assigned, transferred
    }

    /// A transfer request waiting for its decision (CUS-12 until CUS-13/14/15).
    public struct PendingTransfer: Hashable, Sendable {
        public var requestId: ID
        public var requesterId: ID
        public var toOwnerId: ID
        public var carry: TransferCarry
        public var oldOwnerRetention: OldOwnerRetention
        public var reason: String
        public var approvalId: ID?
    }

    /// The latest credit rating (CUS-04).
    public struct CreditRating: Hashable, Sendable {
        public var rating: String
        public var creditLimit: Money?
        public var validUntil: LocalDate?
        public var basis: String
    }

    public var exists = false
    public var customerId: ID?
    public var name = ""
    public var kind: CustomerKind = .company
    public var source = ""
    public var industry = ""
    public var level = ""
    public var address = ""
    public var phone = ""
    public var email = ""
    public var website = ""
    public var remark = ""
    public var createdVia: CustomerCreatedVia?

    public var ownerId: ID?
    public var poolId: ID?
    public var receivedAt: Timestamp?
    public var receiveKind: ReceiveKind?
    /// The owner before the last return to a pool (WK `preOwnerUserId`).
    public var preOwnerId: ID?
    /// When the customer last went back to a pool (WK `poolTime`).
    public var releasedAt: Timestamp?
    public var lastFollowUpAt: Timestamp?

    public var list: CustomerList?
    public var listReason: String?
    public var listedUntil: LocalDate?
    public var credit: CreditRating?
    public var dealt = false
    public var locked = false
    public var archived = false
    public var mergedIntoId: ID?
    /// Customers merged into this one (CUS-17).
    public var mergedIds: [ID] = []
    public var parentCustomerId: ID?
    public var primaryContactId: ID?
    public var pendingTransfer: PendingTransfer?
    /// Records flagged as possible duplicates of this one (CUS-16), sorted.
    public var suspectedDuplicateIds: [ID] = []

    public init() {}

    /// Exists, not archived and not merged away.
    public var isLive: Bool { exists && !archived && mergedIntoId == nil }
    public var isOwned: Bool { ownerId != nil }
    public var pendingTransferRequestId: ID? { pendingTransfer?.requestId }

    /// The list the customer is on as of `date` (a listing with `until` earlier than `date` has lapsed).
    public func effectiveList(on date: LocalDate) -> CustomerList? {
        guard let list else { return nil }
        if let until = listedUntil, until < date { return nil }
        return list
    }

    /// The start of the no-follow-up clock: the later of the last follow-up and the receive time.
    public var lastActivityAt: Timestamp? {
        switch (lastFollowUpAt, receivedAt) {
        case let (f?, r?): return max(f, r)
        case let (f?, nil): return f
        case let (nil, r): return r
        }
    }

    /// The text form of a descriptive field (as in ``CustomerFieldChange``); `nil` when empty or unknown.
    public func value(of field: String) -> String? {
        let v: String
        switch field {
        case "name": v = name
        case "kind": v = kind.rawValue
        case "source": v = source
        case "industry": v = industry
        case "address": v = address
        case "phone": v = phone
        case "email": v = email
        case "website": v = website
        case "remark": v = remark
        case "level": v = level
        default: return nil
        }
        return v.isEmpty ? nil : v
    }

    private mutating func set(_ field: String, _ value: String?) {
        let v = value ?? ""
        switch field {
        case "name": name = v
        case "kind": kind = CustomerKind(rawValue: v) ?? kind
        case "source": source = v
        case "industry": industry = v
        case "address": address = v
        case "phone": phone = v
        case "email": email = v
        case "website": website = v
        case "remark": remark = v
        case "level": level = v
        default: break
        }
    }

    private mutating func receive(by owner: ID, at: Timestamp, kind: ReceiveKind) {
        ownerId = owner
        poolId = nil
        receivedAt = at
        receiveKind = kind
    }

    public mutating func apply(_ event: any DomainEvent) {
        switch event {
        case let e as CustomerCreated:
            exists = true
            customerId = e.customerId
            name = e.name
            kind = e.kind
            source = e.source
            industry = e.industry
            level = e.level
            address = e.address
            createdVia = e.createdVia
            poolId = e.poolId
            if let o = e.ownerId { receive(by: o, at: e.at, kind: .created) }
        case let e as CustomerUpdated:
            for c in e.changes { set(c.field, c.after) }
        case let e as CustomerLevelChanged:
            level = e.to
        case let e as CustomerCreditRated:
            credit = CreditRating(
                rating: e.rating,
                creditLimit: e.creditLimit,
                validUntil: e.validUntil,
                basis: e.basis
            )
        case let e as CustomerListed:
            list = e.list
            listReason = e.reason
            listedUntil = e.until
        case let e as CustomerDelisted:
            if list == e.list {
                list = nil
                listReason = nil
                listedUntil = nil
            }
        case is CustomerLocked:
            locked = true
        case is CustomerUnlocked:
            locked = false
        case let e as CustomerClaimedFromPool:
            receive(by: e.userId, at: e.at, kind: .claimed)
        case let e as CustomerAssigned:
            receive(by: e.toOwnerId, at: e.at, kind: .assigned)
        case let e as CustomerReturnedToPool:
            ownerId = nil
            poolId = e.poolId
            preOwnerId = e.previousOwnerId
            releasedAt = e.at
            receivedAt = nil
            receiveKind = nil
            locked = false
        case let e as CustomerTransferRequested:
            pendingTransfer = PendingTransfer(
                requestId: e.requestId,
                requesterId: e.requesterId,
                toOwnerId: e.toOwnerId,
                carry: e.carry,
                oldOwnerRetention: e.oldOwnerRetention,
                reason: e.reason,
                approvalId: e.approvalId
            )
        case let e as CustomerTransferApproved:
            pendingTransfer = nil
            receive(by: e.newOwnerId, at: e.at, kind: .transferred)
        case is CustomerTransferRejected, is CustomerTransferWithdrawn:
            pendingTransfer = nil
        case let e as DuplicateSuspected:
            var ids = Set(suspectedDuplicateIds)
            for id in e.ids where id != customerId { ids.insert(id) }
            suspectedDuplicateIds = ids.sorted()
        case let e as CustomersMerged:
            for r in e.fieldResolutions where r.before != r.after { set(r.field, r.after) }
            mergedIds += e.mergedIds
            suspectedDuplicateIds.removeAll { e.mergedIds.contains($0) }
        case let e as CustomerMergedAway:
            mergedIntoId = e.survivorId
            pendingTransfer = nil
        case let e as CustomerParentChanged:
            parentCustomerId = e.parentCustomerId
        case let e as CustomerDealStatusChanged:
            dealt = e.dealt
        case is CustomerArchived:
            archived = true
        case is CustomerRestored:
            archived = false
        case let e as PrimaryContactSet:
            primaryContactId = e.contactId
        default:
            if let f = event as? any CustomerFollowUpFact,
                f.followUpCustomerId == nil || f.followUpCustomerId == customerId
            {
                lastFollowUpAt = max(lastFollowUpAt ?? f.followUpAt, f.followUpAt)
            }
        }
    }
}
