// Events of catalogue §2.8 (marketing). Streams: `campaign-<campaignId>`, `audienceList-<listId>`,
// `messageTemplate-<templateId>`, `massSend-<sendId>`, and `messageRecipient-<channel>:<address>` (one stream per
// address and channel, holding MKT-08/09: sends, engagement and the opt-out, see ``MessageRecipient``).

/// The channel type of a campaign or of one of its costs (Espo campaign types, plus search ads, social and
/// events for per-channel cost reporting).
public enum CampaignChannel: String, Codable, Hashable, Sendable, CaseIterable {
    case email, sms, newsletter, web, searchAds, social, television, radio, mail, event, other
}

/// A campaign's lifecycle status (Espo: Planning / Active / Inactive / Complete) [ES-opp].
public enum CampaignStatus: String, Codable, Hashable, Sendable, CaseIterable {
    case planning, active, inactive, completed
}

/// One field change of a campaign (`{field, before, after}`, §0.3). Values are the field's text form
/// (``CampaignFieldValue``); `nil` is empty.
public struct CampaignFieldChange: Codable, Hashable, Sendable {
    /// The editable campaign fields.
    public enum Field: String, Codable, Hashable, Sendable, CaseIterable {
        case name, channelType, parentCampaignId, budget, expectedRevenue, expectedCost, startDate, endDate, ownerId
        case keywords
    }

    public let field: Field
    public let before: String?
    public let after: String?

    public init(field: Field, before: String?, after: String?) {
        self.field = field
        self.before = before
        self.after = after
    }
}

/// MKT-01. A campaign was created (status `planning`), optionally under a parent campaign.
public struct CampaignCreated: DomainEvent {
    public static let eventType = "CampaignCreated"
    public let campaignId: ID
    public let name: String
    public let channelType: CampaignChannel
    public let parentCampaignId: ID?
    public let budget: Money
    public let expectedRevenue: Money?
    public let expectedCost: Money?
    public let startDate: LocalDate
    public let endDate: LocalDate
    public let ownerId: ID
    /// UTM terms (§1.6) the campaign buys; costs (MKT-04) may be booked per keyword.
    public let keywords: [String]?

    public init(
        campaignId: ID,
        name: String,
        channelType: CampaignChannel,
        parentCampaignId: ID?,
        budget: Money,
        expectedRevenue: Money?,
        expectedCost: Money?,
        startDate: LocalDate,
        endDate: LocalDate,
        ownerId: ID,
        keywords: [String]?
    ) {
        self.campaignId = campaignId
        self.name = name
        self.channelType = channelType
        self.parentCampaignId = parentCampaignId
        self.budget = budget
        self.expectedRevenue = expectedRevenue
        self.expectedCost = expectedCost
        self.startDate = startDate
        self.endDate = endDate
        self.ownerId = ownerId
        self.keywords = keywords
    }

    public func indexEntries(in stream: StreamRef) -> [IndexEntry] {
        guard let parent = parentCampaignId else { return [] }
        return [.link(parent: StreamRef(Campaign.category, parent.description), child: stream)]
    }
}

/// MKT-02. Campaign fields changed (budget included). A parent change moves the hierarchy link.
public struct CampaignUpdated: DomainEvent {
    public static let eventType = "CampaignUpdated"
    public let changes: [CampaignFieldChange]

    public init(changes: [CampaignFieldChange]) { self.changes = changes }

    public func indexEntries(in stream: StreamRef) -> [IndexEntry] {
        var entries: [IndexEntry] = []
        for c in changes where c.field == .parentCampaignId {
            if let old = c.before { entries.append(.unlink(parent: StreamRef(Campaign.category, old), child: stream)) }
            if let new = c.after { entries.append(.link(parent: StreamRef(Campaign.category, new), child: stream)) }
        }
        return entries
    }
}

/// MKT-03. The campaign's status moved along an allowed transition.
public struct CampaignStatusChanged: DomainEvent {
    public static let eventType = "CampaignStatusChanged"
    public let from: CampaignStatus
    public let to: CampaignStatus

    public init(from: CampaignStatus, to: CampaignStatus) {
        self.from = from
        self.to = to
    }
}

/// MKT-04. A cost was booked on the campaign; a negative amount is a correction. `keyword` books it on a UTM term
/// (per-keyword ROI, §3.6), `channel` on a channel.
public struct CampaignCostRecorded: DomainEvent {
    public static let eventType = "CampaignCostRecorded"
    public let costId: ID
    public let amount: Money
    public let incurredOn: LocalDate
    public let keyword: String?
    public let channel: CampaignChannel?
    public let vendorRef: String?

    public init(
        costId: ID,
        amount: Money,
        incurredOn: LocalDate,
        keyword: String?,
        channel: CampaignChannel?,
        vendorRef: String?
    ) {
        self.costId = costId
        self.amount = amount
        self.incurredOn = incurredOn
        self.keyword = keyword
        self.channel = channel
        self.vendorRef = vendorRef
    }
}

/// The kind of record a message recipient or audience member is.
public enum RecipientEntityType: String, Codable, Hashable, Sendable, CaseIterable {
    case customer, contact, member
}

/// A message recipient or static audience member: the record and the address (email or mobile number) used.
public struct MessageRecipientRef: Codable, Hashable, Sendable {
    public let entityType: RecipientEntityType
    public let entityId: ID
    public let address: String

    public init(entityType: RecipientEntityType, entityId: ID, address: String) {
        self.entityType = entityType
        self.entityId = entityId
        self.address = address
    }
}

/// MKT-05. An audience list: a static list of `members`, or a dynamic `segmentCriteria` (exactly one of them).
/// Criteria name fields of ``AudienceSegmentFields``.
public struct AudienceListDefined: DomainEvent {
    public static let eventType = "AudienceListDefined"
    public let listId: ID
    public let name: String
    public let members: [MessageRecipientRef]?
    public let segmentCriteria: [FieldCriterion]?

    public init(listId: ID, name: String, members: [MessageRecipientRef]?, segmentCriteria: [FieldCriterion]?) {
        self.listId = listId
        self.name = name
        self.members = members
        self.segmentCriteria = segmentCriteria
    }
}

/// A message channel of templates and mass sends.
public enum MessageChannel: String, Codable, Hashable, Sendable, CaseIterable { case email, sms }

/// A template variable: the `{{name}}` placeholder, the merge field it is filled from (``MessageMergeFields``)
/// and an optional text used when the record has no value.
public struct MessageTemplateVariable: Codable, Hashable, Sendable {
    public let name: String
    public let source: String
    public let fallback: String?

    public init(name: String, source: String, fallback: String?) {
        self.name = name
        self.source = source
        self.fallback = fallback
    }
}

/// MKT-06. A version of a message template (versions start at 1 and increase by 1).
public struct MessageTemplateDefined: DomainEvent {
    public static let eventType = "MessageTemplateDefined"
    public let templateId: ID
    public let version: Int64
    public let channel: MessageChannel
    public let subject: String?
    public let body: String
    public let variables: [MessageTemplateVariable]

    public init(
        templateId: ID,
        version: Int64,
        channel: MessageChannel,
        subject: String?,
        body: String,
        variables: [MessageTemplateVariable]
    ) {
        self.templateId = templateId
        self.version = version
        self.channel = channel
        self.subject = subject
        self.body = body
        self.variables = variables
    }
}

/// The audience of a mass send: a defined list, or inline segment criteria.
public struct MassSendAudience: Codable, Hashable, Sendable {
    public enum Kind: String, Codable, Hashable, Sendable, CaseIterable { case list, segment }
    public let kind: Kind
    public let listId: ID?
    public let segment: [FieldCriterion]?

    public init(kind: Kind, listId: ID?, segment: [FieldCriterion]?) {
        self.kind = kind
        self.listId = listId
        self.segment = segment
    }

    public static func list(_ id: ID) -> MassSendAudience { MassSendAudience(kind: .list, listId: id, segment: nil) }
    public static func segment(_ criteria: [FieldCriterion]) -> MassSendAudience {
        MassSendAudience(kind: .segment, listId: nil, segment: criteria)
    }
}

/// MKT-07. A mass send of a template version to an audience was scheduled. `channel` is the channel the send
/// goes out on (added to the catalogue payload: the row's check "template channel = send channel" needs it).
public struct MassSendScheduled: DomainEvent {
    public static let eventType = "MassSendScheduled"
    public let sendId: ID
    public let campaignId: ID
    public let templateId: ID
    public let templateVersion: Int64
    public let channel: MessageChannel
    public let audience: MassSendAudience
    public let scheduledAt: Timestamp
    /// The sender: the From address of an email send, the SMS signature of an SMS send.
    public let sender: String

    public init(
        sendId: ID,
        campaignId: ID,
        templateId: ID,
        templateVersion: Int64,
        channel: MessageChannel,
        audience: MassSendAudience,
        scheduledAt: Timestamp,
        sender: String
    ) {
        self.sendId = sendId
        self.campaignId = campaignId
        self.templateId = templateId
        self.templateVersion = templateVersion
        self.channel = channel
        self.audience = audience
        self.scheduledAt = scheduledAt
        self.sender = sender
    }

    public func indexEntries(in stream: StreamRef) -> [IndexEntry] {
        [.link(parent: StreamRef(Campaign.category, campaignId.description), child: stream)]
    }
}

/// MKT-08. One message of a mass send went to one recipient (on the recipient's address stream, linked to the
/// send's stream so the send's recipients can be listed).
public struct MessageSent: DomainEvent {
    public static let eventType = "MessageSent"
    public let sendId: ID
    public let recipient: MessageRecipientRef
    public let channel: MessageChannel
    public let sentAt: Timestamp

    public init(sendId: ID, recipient: MessageRecipientRef, channel: MessageChannel, sentAt: Timestamp) {
        self.sendId = sendId
        self.recipient = recipient
        self.channel = channel
        self.sentAt = sentAt
    }

    public func indexEntries(in stream: StreamRef) -> [IndexEntry] {
        [.link(parent: StreamRef(MassSend.category, sendId.description), child: stream)]
    }
}

/// What happened to a sent message (the Espo campaign log actions) [ES-opp].
public enum MessageEngagementKind: String, Codable, Hashable, Sendable, CaseIterable {
    case delivered, bounced, opened, clicked, optedOut, replied
}

/// A bounce's kind: `hard` (address invalid) or `soft` (temporary).
public enum MessageBounce: String, Codable, Hashable, Sendable, CaseIterable { case hard, soft }

/// MKT-09. An engagement with a sent message. `bounce` is set for `bounced` only, `url` for `clicked` only.
/// `optedOut` opts the address out of every later send on that channel.
public struct MessageEngagementRecorded: DomainEvent {
    public static let eventType = "MessageEngagementRecorded"
    public let sendId: ID
    public let recipient: MessageRecipientRef
    public let kind: MessageEngagementKind
    public let bounce: MessageBounce?
    public let url: String?
    public let at: Timestamp

    public init(
        sendId: ID,
        recipient: MessageRecipientRef,
        kind: MessageEngagementKind,
        bounce: MessageBounce?,
        url: String?,
        at: Timestamp
    ) {
        self.sendId = sendId
        self.recipient = recipient
        self.kind = kind
        self.bounce = bounce
        self.url = url
        self.at = at
    }
}
