// The `Activity` aggregate (stream `activity-<id>`), the tag view of a record stream, the tag taxonomy, and the
// subject lookup shared by the activity commands.

/// One follow-up, task or note: stream `activity-<id>`, folded from ACT-01..ACT-04.
public struct Activity: Aggregate {
    public static let category = "activity"

    public enum Kind: String, Codable, Hashable, Sendable, CaseIterable { case followUp, task, note }

    public var exists = false
    public var kind: Kind?
    public var subject: ActivitySubject?
    /// The customer a follow-up concerns.
    public var customerId: ID?
    /// When a follow-up happened.
    public var occurredAt: Timestamp?
    public var assigneeId: ID?
    public var dueAt: Timestamp?
    public var taskKind: TaskKind?
    public var completed = false
    public var outcome: String?

    public init() {}

    public mutating func apply(_ event: any DomainEvent) {
        switch event {
        case let e as FollowUpRecorded:
            exists = true
            kind = .followUp
            subject = e.subject
            customerId = e.customerId
            occurredAt = e.occurredAt
        case let e as TaskScheduled:
            exists = true
            kind = .task
            subject = e.subject
            assigneeId = e.assigneeId
            dueAt = e.dueAt
            taskKind = e.kind
        case let e as TaskCompleted:
            completed = true
            outcome = e.outcome
        case let e as NoteAdded:
            exists = true
            kind = .note
            subject = e.subject
        default:
            break
        }
    }

    /// The latest follow-up among the activities linked to `subject` whose subject it is, or `nil`.
    public static func latestFollowUp(of subject: ActivitySubject, in d: inout Decision) -> Timestamp? {
        var best: Timestamp?
        for stream in d.children(of: subject.stream, category: category) {
            guard let a = d.load(Activity.self, stream: stream), a.kind == .followUp, a.subject == subject,
                let t = a.occurredAt
            else { continue }
            best = max(best ?? t, t)
        }
        return best
    }
}

/// The tags of any record, folded from ACT-05/06 on the record's own stream. A read-side view loaded with
/// `d.load(RecordTags.self, stream:)`, never a category of its own.
public struct RecordTags: Aggregate {
    public static let category = "recordTags"

    /// Current tags, sorted.
    public private(set) var tags: [String] = []

    public init() {}

    public mutating func apply(_ event: any DomainEvent) {
        switch event {
        case let e as RecordTagged where !tags.contains(e.tag):
            tags.append(e.tag)
            tags.sort()
        case let e as RecordUntagged:
            tags.removeAll { $0 == e.tag }
        default:
            break
        }
    }
}

/// The tag taxonomy (ACT-05 "tag in the taxonomy"). The catalogue has no event that defines tags, so the taxonomy
/// is a fixed registry per record type; a tenant-defined taxonomy would be a configuration stream like the
/// customer scales.
public enum TagTaxonomy {
    /// The tags allowed on records of `type`, sorted; empty when the type cannot be tagged.
    public static func tags(for type: ObjectType) -> [String] {
        switch type {
        case .lead: ["cold", "doNotContact", "eventVisitor", "hot", "partnerReferral", "warm"]
        case .customer: ["atRisk", "competitorUser", "doNotContact", "government", "keyAccount", "partner", "vip"]
        case .contact: ["blocker", "champion", "doNotContact", "newsletter"]
        case .opportunity: ["atRisk", "competitive", "pilot", "renewal", "upsell"]
        case .contract: ["framework", "nonStandardTerms", "renewalDue"]
        default: []
        }
    }

    public static func allows(_ tag: String, on type: ObjectType) -> Bool { tags(for: type).contains(tag) }

    /// The index parent of the records of `type` carrying `tag`: `tag-<type>:<tag>`.
    public static func tagParent(_ type: ObjectType, _ tag: String) -> StreamRef {
        StreamRef("tag", "\(type.rawValue):\(tag)")
    }
}

/// What the activity commands need to know about a subject record.
public struct SubjectRecord: Hashable, Sendable {
    public let subject: ActivitySubject
    /// The owner whose data scope decides access (a contact's is its customer's owner); `nil` when unowned.
    public let ownerId: ID?
    /// The customer the record belongs to (itself for a customer); `nil` for leads.
    public let customerId: ID?
}

/// Finds activity subjects: leads, customers, contacts, opportunities and contracts.
public enum SubjectDirectory {
    public static let supportedTypes: [ObjectType] = [.lead, .customer, .contact, .opportunity, .contract]

    /// The subject's record; throws `invalidInput` for an unsupported type and `notFound` (with `rule`) when the
    /// record does not exist or is not live (archived, merged away, removed).
    public static func resolve(_ s: ActivitySubject, in d: inout Decision, rule: String) throws(Rejection)
        -> SubjectRecord
    {
        let missing = Rejection.notFound(rule, s.entityType.rawValue, id: s.entityId)
        switch s.entityType {
        case .lead:
            guard let l = d.load(Lead.self, s.entityId), l.exists else { throw missing }
            return SubjectRecord(subject: s, ownerId: l.ownerId, customerId: nil)
        case .customer:
            guard let c = d.load(Customer.self, s.entityId), c.isLive else { throw missing }
            return SubjectRecord(subject: s, ownerId: c.ownerId, customerId: s.entityId)
        case .contact:
            guard let c = d.load(Contact.self, s.entityId), c.isLive, let cid = c.customerId,
                let customer = liveCustomer(cid, in: &d)
            else { throw missing }
            return SubjectRecord(subject: s, ownerId: customer.ownerId, customerId: customer.customerId)
        case .opportunity:
            guard let o = d.load(Opportunity.self, s.entityId), o.exists, o.status != .archived else { throw missing }
            let customer = o.customerId.flatMap { liveCustomer($0, in: &d) }
            return SubjectRecord(subject: s, ownerId: o.ownerId, customerId: customer?.customerId ?? o.customerId)
        case .contract:
            guard let c = d.load(Contract.self, s.entityId), c.exists else { throw missing }
            let customer = c.customerId.flatMap { liveCustomer($0, in: &d) }
            return SubjectRecord(subject: s, ownerId: c.ownerId, customerId: customer?.customerId ?? c.customerId)
        default:
            throw .invalidInput(
                rule,
                field: "subject.entityType",
                "activities can concern " + supportedTypes.map(\.rawValue).joined(separator: ", ")
                    + ", not \(s.entityType.rawValue)"
            )
        }
    }

    /// The live customer `id`, following merges to the survivor; `nil` when none is live.
    static func liveCustomer(_ id: ID, in d: inout Decision) -> Customer? {
        var current = id
        var seen = Set<ID>()
        while seen.insert(current).inserted, let c = d.load(Customer.self, current), c.exists {
            if let survivor = c.mergedIntoId {
                current = survivor
                continue
            }
            return c.isLive ? c : nil
        }
        return nil
    }
}
