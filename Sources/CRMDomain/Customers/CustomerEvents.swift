// Events of catalogue §2.2 "Customers" (stream `customer-<customerId>`), CUS-01..CUS-22.
//
// Additions to the catalogue payloads, all needed because a fold sees only the payload, never the envelope:
// - `at` (CUS-01, CUS-09, CUS-10, CUS-11, CUS-13): the business instant of the ownership change. It sets
//   `receivedAt` (reclaim clock, CUS-13 restart) and `releasedAt` (former-owner cooldown).
// - `requesterId` (CUS-12): CUS-15 checks "actor is the requester".
// - `previousOwnerId` (CUS-13): the owner index entry of the old owner is removed.
// - `MergeFieldResolution.before/after` (CUS-17) and `releasedName` (CUS-18): the survivor folds the kept values
//   and the unique name claims move without reading other streams.
//
// Index entries kept by these events (see `CustomerIndex`):
// - claim `customer.name` per live name (released by a rename and by a merge, kept while archived);
// - `owner-<userId>` → `customer-<id>` links for every ownership change (caps count through them);
// - `pool-<poolId>` → `customer-<id>` links while a customer sits in a pool;
// - `poolClaims-<poolId>:<userId>:<date>` → `poolClaim-<customerId>:<n>`, one per claim (daily quota);
// - the reparenting of contacts, opportunities, contracts, activities and payments by a merge.

/// Company or person customer.
public enum CustomerKind: String, Codable, Hashable, Sendable, CaseIterable { case company, person }

/// A customer's black/white list membership; the two are mutually exclusive.
public enum CustomerList: String, Codable, Hashable, Sendable, CaseIterable { case black, white }

/// Pool reclaim rule types (WK `type` 1, 2, 3).
public enum ReclaimRuleType: String, Codable, Hashable, Sendable, CaseIterable {
    case noFollowUp, noOpportunity, noDeal
}

/// How a customer came into being (`createdVia`).
public struct CustomerCreatedVia: Codable, Hashable, Sendable {
    public enum Kind: String, Codable, Hashable, Sendable, CaseIterable { case manual, `import`, leadConversion }
    public let kind: Kind
    /// Set for `leadConversion` only.
    public let leadId: ID?

    public init(kind: Kind, leadId: ID? = nil) {
        self.kind = kind
        self.leadId = leadId
    }

    public static let manual = CustomerCreatedVia(kind: .manual)
    public static let imported = CustomerCreatedVia(kind: .import)
    public static func leadConversion(_ leadId: ID) -> CustomerCreatedVia {
        CustomerCreatedVia(kind: .leadConversion, leadId: leadId)
    }
}

/// One field change (`{field, before, after}`, §0.3) of a customer (CUS-02) or contact (CON-02). Values are the
/// field's text form; `nil` is empty. Lists (contact `phones`) are joined with `,`.
public struct CustomerFieldChange: Codable, Hashable, Sendable {
    public let field: String
    public let before: String?
    public let after: String?

    public init(field: String, before: String?, after: String?) {
        self.field = field
        self.before = before
        self.after = after
    }
}

/// CUS-01. A customer was created, owned by a user or sitting in a pool (or neither).
public struct CustomerCreated: DomainEvent {
    public static let eventType = "CustomerCreated"
    public let customerId: ID
    public let name: String
    public let kind: CustomerKind
    public let source: String
    public let industry: String
    public let level: String
    public let address: String
    public let ownerId: ID?
    public let poolId: ID?
    public let createdVia: CustomerCreatedVia
    /// When the customer was created; the owner's receive time when `ownerId` is set.
    public let at: Timestamp

    public init(
        customerId: ID,
        name: String,
        kind: CustomerKind,
        source: String,
        industry: String,
        level: String,
        address: String,
        ownerId: ID?,
        poolId: ID?,
        createdVia: CustomerCreatedVia,
        at: Timestamp
    ) {
        self.customerId = customerId
        self.name = name
        self.kind = kind
        self.source = source
        self.industry = industry
        self.level = level
        self.address = address
        self.ownerId = ownerId
        self.poolId = poolId
        self.createdVia = createdVia
        self.at = at
    }

    public func indexEntries(in stream: StreamRef) -> [IndexEntry] {
        var entries: [IndexEntry] = [.claim(CustomerIndex.nameKey(name), owner: stream)]
        if let ownerId { entries.append(.link(parent: CustomerIndex.owner(ownerId), child: stream)) }
        if let poolId { entries.append(.link(parent: CustomerIndex.pool(poolId), child: stream)) }
        return entries
    }
}

/// CUS-02. Descriptive fields changed (`name`, `kind`, `source`, `industry`, `address`).
public struct CustomerUpdated: DomainEvent {
    public static let eventType = "CustomerUpdated"
    public let changes: [CustomerFieldChange]

    public init(changes: [CustomerFieldChange]) { self.changes = changes }

    public func indexEntries(in stream: StreamRef) -> [IndexEntry] {
        CustomerIndex.nameEntries(changes.filter { $0.field == "name" }, stream: stream)
    }
}

/// CUS-03. The customer level (grade) changed; it selects per-level reclaim days.
public struct CustomerLevelChanged: DomainEvent {
    public static let eventType = "CustomerLevelChanged"
    public let from: String
    public let to: String

    public init(from: String, to: String) {
        self.from = from
        self.to = to
    }
}

/// CUS-04. A credit rating (and optional credit limit) was given.
public struct CustomerCreditRated: DomainEvent {
    public static let eventType = "CustomerCreditRated"
    public let rating: String
    public let creditLimit: Money?
    public let validUntil: LocalDate?
    /// What the rating rests on (free text: "2025 audited statements", "payment history").
    public let basis: String

    public init(rating: String, creditLimit: Money?, validUntil: LocalDate?, basis: String) {
        self.rating = rating
        self.creditLimit = creditLimit
        self.validUntil = validUntil
        self.basis = basis
    }
}

/// CUS-05. The customer was put on the black or white list.
public struct CustomerListed: DomainEvent {
    public static let eventType = "CustomerListed"
    public let list: CustomerList
    public let reason: String
    /// Last day the listing applies (inclusive); `nil` = until delisted.
    public let until: LocalDate?

    public init(list: CustomerList, reason: String, until: LocalDate?) {
        self.list = list
        self.reason = reason
        self.until = until
    }
}

/// CUS-06. The customer was taken off a list.
public struct CustomerDelisted: DomainEvent {
    public static let eventType = "CustomerDelisted"
    public let list: CustomerList

    public init(list: CustomerList) { self.list = list }
}

/// CUS-07. The customer was locked: exempt from reclaim, counted by the locked-customer cap.
public struct CustomerLocked: DomainEvent {
    public static let eventType = "CustomerLocked"

    public init() {}
}

/// CUS-08. The customer was unlocked.
public struct CustomerUnlocked: DomainEvent {
    public static let eventType = "CustomerUnlocked"

    public init() {}
}

/// CUS-09. A pool member claimed the customer; `claimsTodayAfter` is the member's claims in this pool on the UTC
/// day of `at`, this one included.
public struct CustomerClaimedFromPool: DomainEvent {
    public static let eventType = "CustomerClaimedFromPool"
    public let poolId: ID
    public let userId: ID
    public let claimsTodayAfter: Int64
    public let at: Timestamp

    public init(poolId: ID, userId: ID, claimsTodayAfter: Int64, at: Timestamp) {
        self.poolId = poolId
        self.userId = userId
        self.claimsTodayAfter = claimsTodayAfter
        self.at = at
    }

    public func indexEntries(in stream: StreamRef) -> [IndexEntry] {
        [
            .unlink(parent: CustomerIndex.pool(poolId), child: stream),
            .link(parent: CustomerIndex.owner(userId), child: stream),
            .link(
                parent: CustomerIndex.poolClaims(poolId: poolId, userId: userId, day: at.date),
                child: CustomerIndex.poolClaim(customer: stream, sequence: claimsTodayAfter)
            ),
        ]
    }
}

/// Why a customer was assigned (CUS-10).
public enum CustomerAssignmentCause: String, Codable, Hashable, Sendable, CaseIterable { case distribute, rule, manual }

/// CUS-10. An unowned customer was given to an owner (distributed out of a pool, by rule or manually).
public struct CustomerAssigned: DomainEvent {
    public static let eventType = "CustomerAssigned"
    public let fromPoolId: ID?
    public let toOwnerId: ID
    public let cause: CustomerAssignmentCause
    public let at: Timestamp

    public init(fromPoolId: ID?, toOwnerId: ID, cause: CustomerAssignmentCause, at: Timestamp) {
        self.fromPoolId = fromPoolId
        self.toOwnerId = toOwnerId
        self.cause = cause
        self.at = at
    }

    public func indexEntries(in stream: StreamRef) -> [IndexEntry] {
        var entries: [IndexEntry] = []
        if let fromPoolId { entries.append(.unlink(parent: CustomerIndex.pool(fromPoolId), child: stream)) }
        entries.append(.link(parent: CustomerIndex.owner(toOwnerId), child: stream))
        return entries
    }
}

/// Why a customer went back to a pool (CUS-11): a manual return with a reason, or an automatic reclaim by a rule
/// (with the rule's days and the measured days, so replays and audits agree, pitfall §5.5).
public struct PoolReturnCause: Codable, Hashable, Sendable {
    public enum Kind: String, Codable, Hashable, Sendable, CaseIterable { case manual, autoReclaim }
    public let kind: Kind
    /// `manual` only.
    public let reason: String?
    /// `autoReclaim` only.
    public let ruleId: ID?
    public let ruleType: ReclaimRuleType?
    public let limitDay: Int64?
    public let daysSince: Int64?

    public init(
        kind: Kind,
        reason: String? = nil,
        ruleId: ID? = nil,
        ruleType: ReclaimRuleType? = nil,
        limitDay: Int64? = nil,
        daysSince: Int64? = nil
    ) {
        self.kind = kind
        self.reason = reason
        self.ruleId = ruleId
        self.ruleType = ruleType
        self.limitDay = limitDay
        self.daysSince = daysSince
    }

    public static func manual(_ reason: String) -> PoolReturnCause { PoolReturnCause(kind: .manual, reason: reason) }

    public static func autoReclaim(ruleId: ID, ruleType: ReclaimRuleType, limitDay: Int64, daysSince: Int64)
        -> PoolReturnCause
    {
        PoolReturnCause(
            kind: .autoReclaim,
            ruleId: ruleId,
            ruleType: ruleType,
            limitDay: limitDay,
            daysSince: daysSince
        )
    }
}

/// CUS-11. The customer went back to a pool; the previous owner becomes the former owner (cooldown). A returned
/// customer is no longer locked (the lock protects an owner's customer).
public struct CustomerReturnedToPool: DomainEvent {
    public static let eventType = "CustomerReturnedToPool"
    public let poolId: ID
    public let previousOwnerId: ID
    public let cause: PoolReturnCause
    /// The reclaim run's business time (`autoReclaim` only).
    public let asOf: Timestamp?
    /// When the owner lost the customer (the `asOf` of a reclaim, the command time of a manual return).
    public let at: Timestamp

    public init(poolId: ID, previousOwnerId: ID, cause: PoolReturnCause, asOf: Timestamp?, at: Timestamp) {
        self.poolId = poolId
        self.previousOwnerId = previousOwnerId
        self.cause = cause
        self.asOf = asOf
        self.at = at
    }

    public func indexEntries(in stream: StreamRef) -> [IndexEntry] {
        [
            .unlink(parent: CustomerIndex.owner(previousOwnerId), child: stream),
            .link(parent: CustomerIndex.pool(poolId), child: stream),
        ]
    }
}

/// Which related records a transfer carries to the new owner (`changeType` ⊆ {contacts, opportunities, contracts}).
public struct TransferCarry: Codable, Hashable, Sendable {
    public let contacts: Bool
    public let opportunities: Bool
    public let contracts: Bool

    public init(contacts: Bool, opportunities: Bool, contracts: Bool) {
        self.contacts = contacts
        self.opportunities = opportunities
        self.contracts = contracts
    }

    public static let everything = TransferCarry(contacts: true, opportunities: true, contracts: true)
    public static let nothing = TransferCarry(contacts: false, opportunities: false, contracts: false)
}

/// What happens to the old owner after a transfer: removed, or kept as a team member with read or read-write
/// access, optionally until `expiresAt` (WK `transferType`, `power`, `expiresTime`).
public struct OldOwnerRetention: Codable, Hashable, Sendable {
    public enum Kind: String, Codable, Hashable, Sendable, CaseIterable { case remove, teamMember }
    public let kind: Kind
    /// `teamMember` only.
    public let access: ShareAccess?
    public let expiresAt: Timestamp?

    public init(kind: Kind, access: ShareAccess? = nil, expiresAt: Timestamp? = nil) {
        self.kind = kind
        self.access = access
        self.expiresAt = expiresAt
    }

    public static let remove = OldOwnerRetention(kind: .remove)
    public static func teamMember(_ access: ShareAccess, expiresAt: Timestamp? = nil) -> OldOwnerRetention {
        OldOwnerRetention(kind: .teamMember, access: access, expiresAt: expiresAt)
    }
}

/// CUS-12. A transfer to another owner was requested; `approvalId` is set when an approval flow decides it.
public struct CustomerTransferRequested: DomainEvent {
    public static let eventType = "CustomerTransferRequested"
    public let requestId: ID
    public let toOwnerId: ID
    public let carry: TransferCarry
    public let oldOwnerRetention: OldOwnerRetention
    public let reason: String
    public let approvalId: ID?
    public let requesterId: ID

    public init(
        requestId: ID,
        toOwnerId: ID,
        carry: TransferCarry,
        oldOwnerRetention: OldOwnerRetention,
        reason: String,
        approvalId: ID?,
        requesterId: ID
    ) {
        self.requestId = requestId
        self.toOwnerId = toOwnerId
        self.carry = carry
        self.oldOwnerRetention = oldOwnerRetention
        self.reason = reason
        self.approvalId = approvalId
        self.requesterId = requesterId
    }
}

/// The records a transfer carried along (CUS-13). Contact ids are for the audit trail only (contact ownership is
/// the customer's).
public struct TransferCarried: Codable, Hashable, Sendable {
    public let contactIds: [ID]
    public let opportunityIds: [ID]
    public let contractIds: [ID]

    public init(contactIds: [ID], opportunityIds: [ID], contractIds: [ID]) {
        self.contactIds = contactIds
        self.opportunityIds = opportunityIds
        self.contractIds = contractIds
    }
}

/// CUS-13. A transfer was approved: the new owner owns the customer from `at` (reclaim clock restarted).
public struct CustomerTransferApproved: DomainEvent {
    public static let eventType = "CustomerTransferApproved"
    public let requestId: ID
    public let approverId: ID
    public let newOwnerId: ID
    public let carried: TransferCarried
    public let previousOwnerId: ID
    public let at: Timestamp

    public init(
        requestId: ID,
        approverId: ID,
        newOwnerId: ID,
        carried: TransferCarried,
        previousOwnerId: ID,
        at: Timestamp
    ) {
        self.requestId = requestId
        self.approverId = approverId
        self.newOwnerId = newOwnerId
        self.carried = carried
        self.previousOwnerId = previousOwnerId
        self.at = at
    }

    public func indexEntries(in stream: StreamRef) -> [IndexEntry] {
        [
            .unlink(parent: CustomerIndex.owner(previousOwnerId), child: stream),
            .link(parent: CustomerIndex.owner(newOwnerId), child: stream),
        ]
    }
}

/// CUS-14. A pending transfer was rejected.
public struct CustomerTransferRejected: DomainEvent {
    public static let eventType = "CustomerTransferRejected"
    public let requestId: ID
    public let approverId: ID
    public let reason: String

    public init(requestId: ID, approverId: ID, reason: String) {
        self.requestId = requestId
        self.approverId = approverId
        self.reason = reason
    }
}

/// CUS-15. The requester withdrew a pending transfer.
public struct CustomerTransferWithdrawn: DomainEvent {
    public static let eventType = "CustomerTransferWithdrawn"
    public let requestId: ID

    public init(requestId: ID) { self.requestId = requestId }
}

/// CUS-16. Records that look like duplicates of each other; emitted on the stream of every record in `ids`.
public struct DuplicateSuspected: DomainEvent {
    public static let eventType = "DuplicateSuspected"
    /// `lead`, `customer` or `contact`.
    public let entityType: ObjectType
    public let ids: [ID]
    public let matchRule: String
    /// Match score in basis points: 10 000 = certain.
    public let score: Int64

    public init(entityType: ObjectType, ids: [ID], matchRule: String, score: Int64) {
        self.entityType = entityType
        self.ids = ids
        self.matchRule = matchRule
        self.score = score
    }
}

/// One field of a merge: which record's value the survivor keeps. `before`/`after` are the survivor's values
/// (text form, as in ``CustomerFieldChange``); they differ only when a victim's value was chosen.
public struct MergeFieldResolution: Codable, Hashable, Sendable {
    public let field: String
    public let sourceId: ID
    public let before: String?
    public let after: String?

    public init(field: String, sourceId: ID, before: String?, after: String?) {
        self.field = field
        self.sourceId = sourceId
        self.before = before
        self.after = after
    }
}

/// A record moved from a merged-away customer to the survivor.
public struct ReparentedRecord: Codable, Hashable, Sendable {
    public let id: ID
    public let fromCustomerId: ID

    public init(id: ID, fromCustomerId: ID) {
        self.id = id
        self.fromCustomerId = fromCustomerId
    }
}

/// The child records a merge re-parented to the survivor, per kind.
public struct MergeReparented: Codable, Hashable, Sendable {
    public let contacts: [ReparentedRecord]
    public let opportunities: [ReparentedRecord]
    public let contracts: [ReparentedRecord]
    public let activities: [ReparentedRecord]
    public let payments: [ReparentedRecord]

    public init(
        contacts: [ReparentedRecord],
        opportunities: [ReparentedRecord],
        contracts: [ReparentedRecord],
        activities: [ReparentedRecord],
        payments: [ReparentedRecord]
    ) {
        self.contacts = contacts
        self.opportunities = opportunities
        self.contracts = contracts
        self.activities = activities
        self.payments = payments
    }

    /// Every re-parented record with its stream category.
    public var all: [(category: String, record: ReparentedRecord)] {
        contacts.map { ("contact", $0) } + opportunities.map { ("opportunity", $0) }
            + contracts.map { ("contract", $0) } + activities.map { ("activity", $0) }
            + payments.map { ("payment", $0) }
    }
}

/// CUS-17. Up to two customers were merged into the survivor (this stream).
public struct CustomersMerged: DomainEvent {
    public static let eventType = "CustomersMerged"
    public let survivorId: ID
    public let mergedIds: [ID]
    public let fieldResolutions: [MergeFieldResolution]
    public let reparented: MergeReparented

    public init(survivorId: ID, mergedIds: [ID], fieldResolutions: [MergeFieldResolution], reparented: MergeReparented)
    {
        self.survivorId = survivorId
        self.mergedIds = mergedIds
        self.fieldResolutions = fieldResolutions
        self.reparented = reparented
    }

    public func indexEntries(in stream: StreamRef) -> [IndexEntry] {
        var entries: [IndexEntry] = []
        for (category, r) in reparented.all {
            let child = StreamRef(category, r.id.description)
            entries.append(.unlink(parent: StreamRef("customer", r.fromCustomerId.description), child: child))
            entries.append(.link(parent: stream, child: child))
        }
        let renames = fieldResolutions.filter { $0.field == "name" }
            .map { CustomerFieldChange(field: $0.field, before: $0.before, after: $0.after) }
        entries += CustomerIndex.nameEntries(renames, stream: stream)
        return entries
    }
}

/// CUS-18. This customer was merged into `survivorId` (terminal). `releasedName` is the name whose unique claim is
/// released (`nil` when the survivor took the name over).
public struct CustomerMergedAway: DomainEvent {
    public static let eventType = "CustomerMergedAway"
    public let survivorId: ID
    public let releasedName: String?

    public init(survivorId: ID, releasedName: String?) {
        self.survivorId = survivorId
        self.releasedName = releasedName
    }

    public func indexEntries(in stream: StreamRef) -> [IndexEntry] {
        guard let releasedName else { return [] }
        return [.release(CustomerIndex.nameKey(releasedName))]
    }
}

/// CUS-19. The customer's parent account changed (`nil` = top level).
public struct CustomerParentChanged: DomainEvent {
    public static let eventType = "CustomerParentChanged"
    public let parentCustomerId: ID?

    public init(parentCustomerId: ID?) { self.parentCustomerId = parentCustomerId }
}

/// Why the deal status changed (CUS-20).
public enum DealStatusCause: String, Codable, Hashable, Sendable, CaseIterable { case contractSigned, manual }

/// CUS-20. The customer became dealt (成交) or not.
public struct CustomerDealStatusChanged: DomainEvent {
    public static let eventType = "CustomerDealStatusChanged"
    public let dealt: Bool
    public let cause: DealStatusCause

    public init(dealt: Bool, cause: DealStatusCause) {
        self.dealt = dealt
        self.cause = cause
    }
}

/// CUS-21. The customer was archived. Its name stays claimed so a restore can never collide.
public struct CustomerArchived: DomainEvent {
    public static let eventType = "CustomerArchived"
    public let reason: String

    public init(reason: String) { self.reason = reason }
}

/// CUS-22. An archived customer was restored.
public struct CustomerRestored: DomainEvent {
    public static let eventType = "CustomerRestored"

    public init() {}
}

/// The lookup-index keys and link parents used by the customer events and commands.
public enum CustomerIndex {
    /// Unique customer name (trimmed, case-folded by ``UniqueKey``).
    public static func nameKey(_ name: String) -> UniqueKey { UniqueKey(scope: "customer.name", value: name) }

    /// Parent of the customers a user owns: `owner-<userId>`.
    public static func owner(_ userId: ID) -> StreamRef { StreamRef("owner", userId.description) }

    /// Parent of the customers sitting in a pool: the pool's stream.
    public static func pool(_ poolId: ID) -> StreamRef { StreamRef("pool", poolId.description) }

    /// Parent of one user's claims in one pool on one UTC day.
    public static func poolClaims(poolId: ID, userId: ID, day: LocalDate) -> StreamRef {
        StreamRef("poolClaims", "\(poolId):\(userId):\(day)")
    }

    /// One claim (the customer and its number in the day), child of ``poolClaims(poolId:userId:day:)``.
    public static func poolClaim(customer: StreamRef, sequence: Int64) -> StreamRef {
        StreamRef("poolClaim", "\(customer.key):\(sequence)")
    }

    static func nameEntries(_ changes: [CustomerFieldChange], stream: StreamRef) -> [IndexEntry] {
        var entries: [IndexEntry] = []
        for c in changes {
            if let b = c.before, !b.trimmingWhitespace().isEmpty { entries.append(.release(nameKey(b))) }
            if let a = c.after, !a.trimmingWhitespace().isEmpty { entries.append(.claim(nameKey(a), owner: stream)) }
        }
        return entries
    }
}
