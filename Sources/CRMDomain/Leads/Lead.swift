// The `Lead` aggregate (stream `lead-<leadId>`) and the fixed lead configuration the lead commands check against.

/// A lead (线索): folded from LED-01..LED-09 and the tags on its stream (ACT-05/06).
///
/// Lifecycle (§1.1): captured (owned, pooled or neither) → open → qualified → converted (terminal, once); open →
/// disqualified (reopened by a return to the pool). Ownership: `ownerId` set ⇒ owned; `ownerId == nil` and
/// `poolId` set ⇒ in that pool. `receivedAt` starts the reclaim clocks; `preOwnerId`/`releasedAt` drive the
/// former-owner cooldown.
public struct Lead: Aggregate {
    public static let category = "lead"

    public enum Status: String, Codable, Hashable, Sendable, CaseIterable {
        case open, qualified, disqualified, converted
    }

    /// The records a conversion produced (LED-09).
    public struct Conversion: Hashable, Sendable {
        public var customerId: ID
        public var contactId: ID
        public var opportunityId: ID?
        public var convertedStatus: String
        public var ownerId: ID
    }

    public var exists = false
    public var leadId: ID?
    public var channel: LeadChannel?
    public var campaignId: ID?
    public var utm: LeadUTM?
    public var name = ""
    public var company: String?
    public var title: String?
    public var phone: String?
    public var email: String?
    public var address: String?
    public var industry: String?

    public var status: Status = .open
    /// The status given by LED-07 (a value of ``LeadStatusCatalog``).
    public var qualificationStatus: String?
    public var disqualificationReason: String?
    public var grade: String?
    public var score: Int64?

    public var ownerId: ID?
    public var poolId: ID?
    /// The pool the lead last sat in (captured into, claimed or distributed from, returned to); where an
    /// offboarding without a successor sends it back.
    public var homePoolId: ID?
    /// When the current owner got the lead (capture with an owner, assignment, claim).
    public var receivedAt: Timestamp?
    /// The owner before the last return to a pool.
    public var preOwnerId: ID?
    /// When the lead last went back to a pool.
    public var releasedAt: Timestamp?
    /// The dedupe keys of the current phone, e-mail and company, sorted.
    public var dedupeKeys: [LeadDedupeKey] = []
    public var conversion: Conversion?

    public init() {}

    /// Exists and is not converted (a converted lead is terminal).
    public var isLive: Bool { exists && status != .converted }
    public var isConverted: Bool { status == .converted }

    /// The text form of an editable field (as in ``LeadFieldChange``); `nil` when empty. Unknown fields are `nil`.
    public func value(of field: String) -> String? {
        let v: String?
        switch field {
        case "name": v = name
        case "company": v = company
        case "title": v = title
        case "phone": v = phone
        case "email": v = email
        case "address": v = address
        case "industry": v = industry
        default: v = nil
        }
        guard let v, !v.trimmingWhitespace().isEmpty else { return nil }
        return v
    }

    /// The dedupe keys of phone, e-mail and company values, sorted.
    public static func dedupeKeys(phone: String?, email: String?, company: String?) -> [LeadDedupeKey] {
        [LeadDedupeKey.make(.phone, phone), LeadDedupeKey.make(.email, email), LeadDedupeKey.make(.company, company)]
            .compactMap { $0 }.sorted()
    }

    private mutating func set(_ field: String, _ value: String?) {
        switch field {
        case "name": name = value ?? ""
        case "company": company = value
        case "title": title = value
        case "phone": phone = value
        case "email": email = value
        case "address": address = value
        case "industry": industry = value
        default: break
        }
    }

    private mutating func receive(by owner: ID, at: Timestamp) {
        ownerId = owner
        poolId = nil
        receivedAt = at
    }

    public mutating func apply(_ event: any DomainEvent) {
        switch event {
        case let e as LeadCaptured:
            exists = true
            leadId = e.leadId
            channel = e.channel
            campaignId = e.campaignId
            utm = e.utm
            name = e.name
            company = e.company
            title = e.title
            phone = e.phone
            email = e.email
            address = e.address
            industry = e.industry
            dedupeKeys = e.dedupeKeys
            poolId = e.poolId
            homePoolId = e.poolId
            if let o = e.ownerId { receive(by: o, at: e.at) }
        case let e as LeadUpdated:
            for c in e.changes { set(c.field, c.after) }
            dedupeKeys = Lead.dedupeKeys(phone: phone, email: email, company: company)
        case let e as LeadGraded:
            grade = e.grade
            score = e.score
        case let e as LeadAssigned:
            receive(by: e.toOwnerId, at: e.at)
            homePoolId = e.fromPoolId ?? homePoolId
        case let e as LeadClaimedFromPool:
            receive(by: e.userId, at: e.at)
            homePoolId = e.poolId
        case let e as LeadReturnedToPool:
            ownerId = nil
            poolId = e.poolId
            homePoolId = e.poolId
            preOwnerId = e.previousOwnerId
            releasedAt = e.at
            receivedAt = nil
            if status == .disqualified {
                status = .open
                disqualificationReason = nil
            }
        case let e as LeadQualified:
            status = .qualified
            qualificationStatus = e.status
        case let e as LeadDisqualified:
            status = .disqualified
            disqualificationReason = e.reason
        case let e as LeadConverted:
            status = .converted
            dedupeKeys = []
            conversion = Conversion(
                customerId: e.customerId,
                contactId: e.contactId,
                opportunityId: e.opportunityId,
                convertedStatus: e.convertedStatus,
                ownerId: e.ownerId
            )
        default:
            break
        }
    }
}

// MARK: - Configuration

/// The lead status picklist (SF `LeadStatus`): which statuses qualify a lead and which mark it converted
/// [SF-lead][SF-conv]. A fixed registry: the catalogue has no event that configures it.
public enum LeadStatusCatalog {
    public struct Entry: Hashable, Sendable {
        public let name: String
        public let isConverted: Bool
    }

    public static let entries: [Entry] = [
        Entry(name: "contacted", isConverted: false),
        Entry(name: "marketingQualified", isConverted: false),
        Entry(name: "salesAccepted", isConverted: false),
        Entry(name: "salesQualified", isConverted: false),
        Entry(name: "converted", isConverted: true),
    ]

    public static func entry(_ name: String) -> Entry? { entries.first { $0.name == name } }
}

/// The lead grade scale (SF `Rating`, Odoo `priority` 0–3) and the score range of LED-03. A fixed registry.
public enum LeadGrading {
    public static let scale = ["A", "B", "C", "D"]
    public static let scoreRange: ClosedRange<Int64> = 0...100
}

/// The fields a channel must deliver (LED-01): the name always, plus the alternatives listed here (at least one
/// field of each group).
public enum LeadChannelPolicy {
    /// Groups of alternatives; each group needs one non-empty field. Field names as in ``Lead/value(of:)``, plus
    /// `campaignId`.
    public static func requiredGroups(_ channel: LeadChannel) -> [[String]] {
        switch channel {
        case .web, .form, .api, .referral: return [["phone", "email"]]
        case .import: return [["phone", "email", "company"]]
        case .email: return [["email"]]
        case .phone: return [["phone"]]
        case .event: return [["phone", "email"], ["campaignId"]]
        }
    }
}

/// What LED-01 does when a dedupe key matches a live lead or customer.
public enum LeadDedupePolicy: String, Codable, Hashable, Sendable, CaseIterable {
    /// Refuse the capture.
    case block
    /// Capture anyway; the dedupe process records CUS-16 afterwards.
    case flag
}
