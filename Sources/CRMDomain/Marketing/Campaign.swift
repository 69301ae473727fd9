/// A marketing campaign: stream `campaign-<campaignId>`, folded from MKT-01..MKT-04.
///
/// Besides the definition it keeps the cost ledger the MKT-04 checks need: the cumulative cost (counted once,
/// §5 pitfall 1), the cost per keyword and per channel, and the cost ids already booked (idempotency).
public struct Campaign: Aggregate {
    public static let category = "campaign"

    public var exists = false
    public var campaignId: ID?
    public var name = ""
    public var channelType: CampaignChannel = .other
    public var parentCampaignId: ID?
    public var budget: Money = .zero("CNY")
    public var expectedRevenue: Money?
    public var expectedCost: Money?
    public var startDate = LocalDate(daysSinceEpoch: 0)
    public var endDate = LocalDate(daysSinceEpoch: 0)
    public var ownerId: ID?
    public var keywords: [String] = []
    public var status: CampaignStatus = .planning
    /// Σ MKT-04 amounts, in the budget's currency (minor units).
    public var actualCostMinor: Int64 = 0
    /// Σ MKT-04 amounts per keyword (costs without a keyword are not in here).
    public var costByKeyword: [String: Int64] = [:]
    /// Σ MKT-04 amounts per channel (costs without a channel are not in here).
    public var costByChannel: [CampaignChannel: Int64] = [:]
    public var costIds: Set<ID> = []

    public init() {}

    public var actualCost: Money { Money(amountMinor: actualCostMinor, currency: budget.currency) }

    public mutating func apply(_ event: any DomainEvent) {
        switch event {
        case let e as CampaignCreated:
            exists = true
            campaignId = e.campaignId
            name = e.name
            channelType = e.channelType
            parentCampaignId = e.parentCampaignId
            budget = e.budget
            expectedRevenue = e.expectedRevenue
            expectedCost = e.expectedCost
            startDate = e.startDate
            endDate = e.endDate
            ownerId = e.ownerId
            keywords = e.keywords ?? []
            status = .planning
        case let e as CampaignUpdated:
            for c in e.changes { set(c.field, c.after) }
        case let e as CampaignStatusChanged:
            status = e.to
        case let e as CampaignCostRecorded:
            costIds.insert(e.costId)
            actualCostMinor += e.amount.amountMinor
            if let k = e.keyword { costByKeyword[k, default: 0] += e.amount.amountMinor }
            if let c = e.channel { costByChannel[c, default: 0] += e.amount.amountMinor }
        default:
            break
        }
    }

    /// The text form of `field` (as in ``CampaignFieldChange``).
    public func value(of field: CampaignFieldChange.Field) -> String? {
        switch field {
        case .name: return name.isEmpty ? nil : name
        case .channelType: return channelType.rawValue
        case .parentCampaignId: return parentCampaignId?.description
        case .budget: return CampaignFieldValue.money(budget)
        case .expectedRevenue: return expectedRevenue.map(CampaignFieldValue.money)
        case .expectedCost: return expectedCost.map(CampaignFieldValue.money)
        case .startDate: return startDate.description
        case .endDate: return endDate.description
        case .ownerId: return ownerId?.description
        case .keywords: return CampaignFieldValue.keywords(keywords)
        }
    }

    private mutating func set(_ field: CampaignFieldChange.Field, _ text: String?) {
        switch field {
        case .name: name = text ?? ""
        case .channelType: channelType = text.flatMap(CampaignChannel.init(rawValue:)) ?? channelType
        case .parentCampaignId: parentCampaignId = text.flatMap(ID.init)
        case .budget: budget = text.flatMap(CampaignFieldValue.parseMoney) ?? budget
        case .expectedRevenue: expectedRevenue = text.flatMap(CampaignFieldValue.parseMoney)
        case .expectedCost: expectedCost = text.flatMap(CampaignFieldValue.parseMoney)
        case .startDate: startDate = text.flatMap { LocalDate(iso: $0) } ?? startDate
        case .endDate: endDate = text.flatMap { LocalDate(iso: $0) } ?? endDate
        case .ownerId: ownerId = text.flatMap(ID.init) ?? ownerId
        case .keywords: keywords = CampaignFieldValue.parseKeywords(text)
        }
    }
}

/// The text forms of campaign field values in ``CampaignFieldChange``: money `"5000000 CNY"` (minor units and
/// currency), dates `2026-03-31`, ids lower-case UUIDs, keywords joined with `|` (a keyword never contains `|`).
public enum CampaignFieldValue {
    public static func money(_ m: Money) -> String { "\(m.amountMinor) \(m.currency)" }

    public static func parseMoney(_ text: String) -> Money? {
        let parts = text.split(separator: " ")
        guard parts.count == 2, let minor = Int64(parts[0]) else { return nil }
        return Money(amountMinor: minor, currency: String(parts[1]))
    }

    /// `nil` for no keywords.
    public static func keywords(_ k: [String]) -> String? { k.isEmpty ? nil : k.joined(separator: "|") }

    public static func parseKeywords(_ text: String?) -> [String] {
        guard let text, !text.isEmpty else { return [] }
        return text.split(separator: "|", omittingEmptySubsequences: true).map(String.init)
    }
}

/// An audience list (MKT-05): stream `audienceList-<listId>`.
public struct AudienceList: Aggregate {
    public static let category = "audienceList"

    public var exists = false
    public var listId: ID?
    public var name = ""
    /// The static members; `nil` for a segment list.
    public var members: [MessageRecipientRef]?
    /// The segment criteria; `nil` for a static list.
    public var segmentCriteria: [FieldCriterion]?

    public init() {}

    public var isStatic: Bool { members != nil }

    /// True when the static list names `entityId` (as a customer, contact or member).
    public func contains(entityId: ID) -> Bool { members?.contains { $0.entityId == entityId } ?? false }

    public mutating func apply(_ event: any DomainEvent) {
        if let e = event as? AudienceListDefined {
            exists = true
            listId = e.listId
            name = e.name
            members = e.members
            segmentCriteria = e.segmentCriteria
        }
    }
}

/// A message template (MKT-06): stream `messageTemplate-<templateId>`, all versions.
public struct MessageTemplate: Aggregate {
    public static let category = "messageTemplate"

    public var exists = false
    public var templateId: ID?
    /// Every version, by number.
    public var versions: [Int64: MessageTemplateDefined] = [:]

    public init() {}

    public var latestVersion: Int64 { versions.keys.max() ?? 0 }

    public mutating func apply(_ event: any DomainEvent) {
        if let e = event as? MessageTemplateDefined {
            exists = true
            templateId = e.templateId
            versions[e.version] = e
        }
    }
}

/// A mass send (MKT-07): stream `massSend-<sendId>`. Its messages and engagement are on the recipients' streams
/// (``MessageRecipient``), linked to this stream.
public struct MassSend: Aggregate {
    public static let category = "massSend"

    public var exists = false
    public var scheduled: MassSendScheduled?

    public init() {}

    public mutating func apply(_ event: any DomainEvent) {
        if let e = event as? MassSendScheduled {
            exists = true
            scheduled = e
        }
    }
}

/// One address on one channel: stream `messageRecipient-<channel>:<address>` (address trimmed and lower-cased).
/// Holds MKT-08 and MKT-09 for the address, so the MKT-08 checks (opted out, once per send) and the MKT-09 check
/// (the message was sent) read one small stream instead of a mass send's whole history.
public struct MessageRecipient: Aggregate {
    public static let category = "messageRecipient"

    /// A message sent to this address.
    public struct Delivery: Hashable, Sendable {
        public var recipient: MessageRecipientRef
        public var sentAt: Timestamp
    }

    public var sent: [ID: Delivery] = [:]
    /// Set by the first `optedOut` engagement; later sends on this channel are refused (MKT-08).
    public var optedOutAt: Timestamp?
    public var hardBounces = 0

    public init() {}

    public var optedOut: Bool { optedOutAt != nil }

    /// The normalised form of an address: trimmed, lower-cased.
    public static func normalise(_ address: String) -> String { address.trimmingWhitespace().lowercased() }

    public static func stream(channel: MessageChannel, address: String) -> StreamRef {
        StreamRef(category, "\(channel.rawValue):\(normalise(address))")
    }

    public mutating func apply(_ event: any DomainEvent) {
        switch event {
        case let e as MessageSent:
            sent[e.sendId] = Delivery(recipient: e.recipient, sentAt: e.sentAt)
        case let e as MessageEngagementRecorded:
            if e.kind == .optedOut, optedOutAt == nil { optedOutAt = e.at }
            if e.kind == .bounced, e.bounce == .hard { hardBounces += 1 }
        default:
            break
        }
    }
}
