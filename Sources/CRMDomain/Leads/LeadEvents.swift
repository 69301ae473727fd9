// Events of catalogue §2.2 "Leads" (stream `lead-<leadId>`), LED-01..LED-09.
//
// Additions to the catalogue payloads, all needed because a fold sees only the payload, never the envelope
// (the same choice as the customer events):
// - `at` (LED-01, LED-04, LED-05, LED-06): the business instant of the ownership change. It sets `receivedAt`
//   (reclaim clock) and `releasedAt` (former-owner cooldown).
// - `fromPoolId` (LED-04): the pool a distribution took the lead out of (as CUS-10), so the pool link moves.
// - `customerIsNew`, `contactIsNew`, `opportunity` (LED-09): which records the conversion creates, with the
//   opportunity's data, so the conversion process manager can issue CUS-01, CON-01 and OPP-04 from the event.
//
// Index entries kept by these events (see `LeadIndex`):
// - `owner-<userId>` → `lead-<id>` for every ownership change (offboarding finds a user's leads through it);
// - `pool-<poolId>` → `lead-<id>` while a lead sits in a pool;
// - `leadDedupe-<kind>:<value>` → `lead-<id>` for each dedupe key of a live (not converted) lead;
// - `poolClaims-<poolId>:<userId>:<date>` → `poolClaim-<leadId>:<n>` per claim (daily claim quota);
// - `leadAssignments-<userId>:<date>` → `leadAssignment-<leadId>:<ms>` per assignment (daily assignment quota);
// - `campaign-<id>` → `lead-<id>` for leads captured by a campaign.

/// Where a lead came from (LED-01).
public enum LeadChannel: String, Codable, Hashable, Sendable, CaseIterable {
    case web, form, `import`, api, email, phone, event, referral
}

/// UTM parameters of a web lead; any part may be missing.
public struct LeadUTM: Codable, Hashable, Sendable {
    public let source: String?
    public let medium: String?
    public let campaign: String?
    public let term: String?

    public init(source: String?, medium: String?, campaign: String?, term: String?) {
        self.source = source
        self.medium = medium
        self.campaign = campaign
        self.term = term
    }
}

/// A normalised value a duplicate lead or customer would share: digits of a phone number, a case-folded e-mail
/// address or company name.
public struct LeadDedupeKey: Codable, Hashable, Sendable, Comparable {
    /// The kinds, named after the lead fields they come from.
    public enum Kind: String, Codable, Hashable, Sendable, CaseIterable {
        case phone, email, company

        /// The kind derived from lead field `field`, if any.
        public init?(field: String) { self.init(rawValue: field) }
    }

    public let kind: Kind
    public let value: String

    public init(kind: Kind, value: String) {
        self.kind = kind
        self.value = value
    }

    /// The key for a raw field value, or `nil` when nothing identifying is left after normalising (a phone needs
    /// at least 5 digits).
    public static func make(_ kind: Kind, _ raw: String?) -> LeadDedupeKey? {
        guard let raw else { return nil }
        let value: String
        switch kind {
        case .phone:
            value = String(raw.filter(\.isNumber))
            guard value.count >= 5 else { return nil }
        case .email, .company:
            value = raw.trimmingWhitespace().lowercased()
            guard !value.isEmpty else { return nil }
        }
        return LeadDedupeKey(kind: kind, value: value)
    }

    /// The lead field the key comes from.
    public var field: String { kind.rawValue }

    public static func < (lhs: LeadDedupeKey, rhs: LeadDedupeKey) -> Bool {
        (lhs.kind.rawValue, lhs.value) < (rhs.kind.rawValue, rhs.value)
    }
}

/// LED-01. A lead was captured from a channel, owned by a user, sitting in a lead pool, or neither.
public struct LeadCaptured: DomainEvent {
    public static let eventType = "LeadCaptured"
    public let leadId: ID
    public let channel: LeadChannel
    public let campaignId: ID?
    public let utm: LeadUTM?
    /// The person's name (required).
    public let name: String
    public let company: String?
    public let title: String?
    public let phone: String?
    public let email: String?
    public let address: String?
    public let industry: String?
    public let ownerId: ID?
    public let poolId: ID?
    /// Keys derived from phone, e-mail and company (``LeadDedupeKey/make(_:_:)``), sorted.
    public let dedupeKeys: [LeadDedupeKey]
    /// When the lead was captured; the owner's receive time when `ownerId` is set.
    public let at: Timestamp

    public init(
        leadId: ID,
        channel: LeadChannel,
        campaignId: ID?,
        utm: LeadUTM?,
        name: String,
        company: String?,
        title: String?,
        phone: String?,
        email: String?,
        address: String?,
        industry: String?,
        ownerId: ID?,
        poolId: ID?,
        dedupeKeys: [LeadDedupeKey],
        at: Timestamp
    ) {
        self.leadId = leadId
        self.channel = channel
        self.campaignId = campaignId
        self.utm = utm
        self.name = name
        self.company = company
        self.title = title
        self.phone = phone
        self.email = email
        self.address = address
        self.industry = industry
        self.ownerId = ownerId
        self.poolId = poolId
        self.dedupeKeys = dedupeKeys
        self.at = at
    }

    public func indexEntries(in stream: StreamRef) -> [IndexEntry] {
        var entries = dedupeKeys.map { IndexEntry.link(parent: LeadIndex.dedupe($0), child: stream) }
        if let ownerId { entries.append(.link(parent: LeadIndex.owner(ownerId), child: stream)) }
        if let poolId { entries.append(.link(parent: LeadIndex.pool(poolId), child: stream)) }
        if let campaignId {
            entries.append(.link(parent: StreamRef("campaign", campaignId.description), child: stream))
        }
        return entries
    }
}

/// One changed lead field (`{field, before, after}`, §0.3); values are text, `nil` is empty.
public struct LeadFieldChange: Codable, Hashable, Sendable {
    public let field: String
    public let before: String?
    public let after: String?

    public init(field: String, before: String?, after: String?) {
        self.field = field
        self.before = before
        self.after = after
    }
}

/// LED-02. Descriptive fields of the lead changed (`name`, `company`, `title`, `phone`, `email`, `address`,
/// `industry`). Changes to phone, e-mail or company move the lead's dedupe keys.
public struct LeadUpdated: DomainEvent {
    public static let eventType = "LeadUpdated"
    public let changes: [LeadFieldChange]

    public init(changes: [LeadFieldChange]) { self.changes = changes }

    public func indexEntries(in stream: StreamRef) -> [IndexEntry] {
        var entries: [IndexEntry] = []
        for c in changes {
            guard let kind = LeadDedupeKey.Kind(field: c.field) else { continue }
            let before = LeadDedupeKey.make(kind, c.before)
            let after = LeadDedupeKey.make(kind, c.after)
            guard before != after else { continue }
            if let before { entries.append(.unlink(parent: LeadIndex.dedupe(before), child: stream)) }
            if let after { entries.append(.link(parent: LeadIndex.dedupe(after), child: stream)) }
        }
        return entries
    }
}

/// How a grade was given (LED-03).
public enum LeadGradeBasis: String, Codable, Hashable, Sendable, CaseIterable { case manual, rule, model }

/// LED-03. The lead was graded; `score` is 0...100 when given.
public struct LeadGraded: DomainEvent {
    public static let eventType = "LeadGraded"
    public let grade: String
    public let score: Int64?
    public let basis: LeadGradeBasis

    public init(grade: String, score: Int64?, basis: LeadGradeBasis) {
        self.grade = grade
        self.score = score
        self.basis = basis
    }
}

/// Why a lead was assigned (LED-04).
public enum LeadAssignmentCause: String, Codable, Hashable, Sendable, CaseIterable {
    case manual, rule, roundRobin, distribute
}

/// The assignment capacity an automatic assignment was decided under (LED-04, POL-07 [OD-assign]): the team, the
/// member's `maxPer30Days`, the daily quota derived from it and the member's assignments that UTC day before this
/// one, so replays and audits see the same figures.
public struct LeadCapacityRef: Codable, Hashable, Sendable {
    public let teamId: ID
    public let maxPer30Days: Int64
    public let dailyQuota: Int64
    public let assignedToday: Int64

    public init(teamId: ID, maxPer30Days: Int64, dailyQuota: Int64, assignedToday: Int64) {
        self.teamId = teamId
        self.maxPer30Days = maxPer30Days
        self.dailyQuota = dailyQuota
        self.assignedToday = assignedToday
    }
}

/// LED-04. The lead was given to an owner (manually, by a rule, round robin, or distributed out of a pool).
public struct LeadAssigned: DomainEvent {
    public static let eventType = "LeadAssigned"
    public let fromOwnerId: ID?
    public let toOwnerId: ID
    public let cause: LeadAssignmentCause
    public let capacityRef: LeadCapacityRef?
    /// The pool the lead was distributed out of (`distribute` only).
    public let fromPoolId: ID?
    /// When the new owner got the lead.
    public let at: Timestamp

    public init(
        fromOwnerId: ID?,
        toOwnerId: ID,
        cause: LeadAssignmentCause,
        capacityRef: LeadCapacityRef?,
        fromPoolId: ID?,
        at: Timestamp
    ) {
        self.fromOwnerId = fromOwnerId
        self.toOwnerId = toOwnerId
        self.cause = cause
        self.capacityRef = capacityRef
        self.fromPoolId = fromPoolId
        self.at = at
    }

    public func indexEntries(in stream: StreamRef) -> [IndexEntry] {
        var entries: [IndexEntry] = []
        if let fromOwnerId { entries.append(.unlink(parent: LeadIndex.owner(fromOwnerId), child: stream)) }
        if let fromPoolId { entries.append(.unlink(parent: LeadIndex.pool(fromPoolId), child: stream)) }
        entries.append(.link(parent: LeadIndex.owner(toOwnerId), child: stream))
        entries.append(
            .link(
                parent: LeadIndex.assignments(userId: toOwnerId, day: at.date),
                child: LeadIndex.assignment(lead: stream, at: at)
            )
        )
        return entries
    }
}

/// LED-05. A pool member claimed the lead; `claimsTodayAfter` is the member's claims in this pool on the UTC day
/// of `at`, this one included.
public struct LeadClaimedFromPool: DomainEvent {
    public static let eventType = "LeadClaimedFromPool"
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
            .unlink(parent: LeadIndex.pool(poolId), child: stream),
            .link(parent: LeadIndex.owner(userId), child: stream),
            .link(
                parent: CustomerIndex.poolClaims(poolId: poolId, userId: userId, day: at.date),
                child: CustomerIndex.poolClaim(customer: stream, sequence: claimsTodayAfter)
            ),
        ]
    }
}

/// LED-06. The lead went back to a pool, returned by hand or reclaimed by a pool rule (with the rule's days and
/// the measured days, pitfall §5.5). A disqualified lead becomes open again in the pool (the lifecycle's
/// "reopenable").
public struct LeadReturnedToPool: DomainEvent {
    public static let eventType = "LeadReturnedToPool"
    public let poolId: ID
    public let previousOwnerId: ID
    public let cause: PoolReturnCause
    /// The reclaim run's business time (`autoReclaim` only).
    public let asOf: Timestamp?
    /// When the owner lost the lead (the `asOf` of a reclaim, the command time of a manual return).
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
            .unlink(parent: LeadIndex.owner(previousOwnerId), child: stream),
            .link(parent: LeadIndex.pool(poolId), child: stream),
        ]
    }
}

/// LED-07. The lead was qualified with a (not converted) status of ``LeadStatusCatalog``.
public struct LeadQualified: DomainEvent {
    public static let eventType = "LeadQualified"
    public let status: String

    public init(status: String) { self.status = status }
}

/// LED-08. The lead was disqualified.
public struct LeadDisqualified: DomainEvent {
    public static let eventType = "LeadDisqualified"
    public let reason: String

    public init(reason: String) { self.reason = reason }
}

/// How a conversion merges lead values into existing records: only empty fields are filled [SF-conv].
public enum LeadMergePolicy: String, Codable, Hashable, Sendable, CaseIterable { case fillEmptyOnly }

/// The opportunity a conversion asks for (OPP-04 data; the stage is the pipeline's first open stage).
public struct LeadOpportunityRequest: Codable, Hashable, Sendable {
    public let name: String
    public let pipelineId: ID
    public let amount: Money
    public let expectedCloseDate: LocalDate

    public init(name: String, pipelineId: ID, amount: Money, expectedCloseDate: LocalDate) {
        self.name = name
        self.pipelineId = pipelineId
        self.amount = amount
        self.expectedCloseDate = expectedCloseDate
    }
}

/// LED-09. The lead was converted (terminal, once) into a new or existing customer and contact, and optionally an
/// opportunity. The lead's dedupe keys are released (a converted lead is no longer live); the customer now
/// stands for the company.
public struct LeadConverted: DomainEvent {
    public static let eventType = "LeadConverted"
    public let customerId: ID
    /// True when the conversion creates the customer (CUS-01 follows), false for an existing customer.
    public let customerIsNew: Bool
    public let contactId: ID
    /// True when the conversion creates the contact (CON-01 follows), false for an existing contact.
    public let contactIsNew: Bool
    /// Set when an opportunity is created (OPP-04 follows with `opportunity`).
    public let opportunityId: ID?
    public let opportunity: LeadOpportunityRequest?
    public let convertedStatus: String
    public let ownerId: ID
    public let mergePolicy: LeadMergePolicy
    public let overwriteSource: Bool
    /// The keys the lead held, unlinked by the conversion.
    public let releasedDedupeKeys: [LeadDedupeKey]

    public init(
        customerId: ID,
        customerIsNew: Bool,
        contactId: ID,
        contactIsNew: Bool,
        opportunityId: ID?,
        opportunity: LeadOpportunityRequest?,
        convertedStatus: String,
        ownerId: ID,
        mergePolicy: LeadMergePolicy,
        overwriteSource: Bool,
        releasedDedupeKeys: [LeadDedupeKey]
    ) {
        self.customerId = customerId
        self.customerIsNew = customerIsNew
        self.contactId = contactId
        self.contactIsNew = contactIsNew
        self.opportunityId = opportunityId
        self.opportunity = opportunity
        self.convertedStatus = convertedStatus
        self.ownerId = ownerId
        self.mergePolicy = mergePolicy
        self.overwriteSource = overwriteSource
        self.releasedDedupeKeys = releasedDedupeKeys
    }

    public func indexEntries(in stream: StreamRef) -> [IndexEntry] {
        releasedDedupeKeys.map { .unlink(parent: LeadIndex.dedupe($0), child: stream) }
            + [.link(parent: StreamRef("customer", customerId.description), child: stream)]
    }
}

/// The lookup-index parents used by the lead events and commands.
public enum LeadIndex {
    /// Parent of the leads a user owns: `owner-<userId>` (shared with customers, opportunities and contracts).
    public static func owner(_ userId: ID) -> StreamRef { CustomerIndex.owner(userId) }

    /// Parent of the leads sitting in a pool: the pool's stream.
    public static func pool(_ poolId: ID) -> StreamRef { CustomerIndex.pool(poolId) }

    /// Parent of the live leads holding a dedupe key.
    public static func dedupe(_ key: LeadDedupeKey) -> StreamRef {
        StreamRef("leadDedupe", "\(key.kind.rawValue):\(key.value)")
    }

    /// Parent of the leads assigned to a user on one UTC day.
    public static func assignments(userId: ID, day: LocalDate) -> StreamRef {
        StreamRef("leadAssignments", "\(userId):\(day)")
    }

    /// One assignment (the lead and the instant), child of ``assignments(userId:day:)``.
    public static func assignment(lead: StreamRef, at: Timestamp) -> StreamRef {
        StreamRef("leadAssignment", "\(lead.key):\(at.millisecondsSinceEpoch)")
    }
}
