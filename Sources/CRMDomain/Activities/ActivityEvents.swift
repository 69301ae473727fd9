// Events of catalogue §2.3 (activities and timeline), ACT-01..ACT-06.
//
// Streams: follow-ups, tasks and notes are `activity-<id>` (one activity per stream); tags are on the tagged
// record's own stream (`customer-<id>`, `lead-<id>`, ...), as the catalogue's section header says.
//
// Index entries: every activity is linked as an `activity` child of its subject's stream, and a follow-up that
// concerns a customer through another subject (a contact, opportunity or contract) also of `customer-<id>`, so
// the customer's reclaim clock (``CustomerFollowUps``) and the lead reclaim check see it.

/// The record an activity is about.
public struct ActivitySubject: Codable, Hashable, Sendable {
    public let entityType: ObjectType
    public let entityId: ID

    public init(entityType: ObjectType, entityId: ID) {
        self.entityType = entityType
        self.entityId = entityId
    }

    public static func lead(_ id: ID) -> ActivitySubject { ActivitySubject(entityType: .lead, entityId: id) }
    public static func customer(_ id: ID) -> ActivitySubject { ActivitySubject(entityType: .customer, entityId: id) }
    public static func contact(_ id: ID) -> ActivitySubject { ActivitySubject(entityType: .contact, entityId: id) }
    public static func opportunity(_ id: ID) -> ActivitySubject {
        ActivitySubject(entityType: .opportunity, entityId: id)
    }
    public static func contract(_ id: ID) -> ActivitySubject { ActivitySubject(entityType: .contract, entityId: id) }

    /// The subject's stream.
    public var stream: StreamRef { StreamRef(entityType.category, entityId.description) }
}

/// How a follow-up happened (WK 跟进方式).
public enum FollowUpKind: String, Codable, Hashable, Sendable, CaseIterable {
    case call, visit, email, message, meeting, returnVisit
}

/// What a task asks the assignee to do.
public enum TaskKind: String, Codable, Hashable, Sendable, CaseIterable {
    case call, email, meeting, visit, returnVisit, todo
}

/// ACT-01. A follow-up (跟进记录) with a lead, customer, contact, opportunity or contract. It moves the customer's
/// `lastFollowUpAt`, which restarts the no-follow-up reclaim clock [WK-sql].
public struct FollowUpRecorded: DomainEvent, CustomerFollowUpFact {
    public static let eventType = "FollowUpRecorded"
    public let activityId: ID
    public let subject: ActivitySubject
    /// The customer the follow-up concerns: the subject itself, or the customer of the subject contact,
    /// opportunity or contract; `nil` for leads.
    public let customerId: ID?
    public let kind: FollowUpKind
    public let content: String
    public let occurredAt: Timestamp
    public let nextContactAt: Timestamp?
    public let contactId: ID?

    public init(
        activityId: ID,
        subject: ActivitySubject,
        customerId: ID?,
        kind: FollowUpKind,
        content: String,
        occurredAt: Timestamp,
        nextContactAt: Timestamp?,
        contactId: ID?
    ) {
        self.activityId = activityId
        self.subject = subject
        self.customerId = customerId
        self.kind = kind
        self.content = content
        self.occurredAt = occurredAt
        self.nextContactAt = nextContactAt
        self.contactId = contactId
    }

    public var followUpCustomerId: ID? { customerId }
    public var followUpAt: Timestamp { occurredAt }

    public func indexEntries(in stream: StreamRef) -> [IndexEntry] {
        var entries: [IndexEntry] = [.link(parent: subject.stream, child: stream)]
        if let customerId, subject.entityType != .customer {
            entries.append(.link(parent: StreamRef("customer", customerId.description), child: stream))
        }
        return entries
    }
}

/// ACT-02. A task was scheduled for an assignee.
public struct TaskScheduled: DomainEvent {
    public static let eventType = "TaskScheduled"
    public let taskId: ID
    public let subject: ActivitySubject
    public let assigneeId: ID
    public let dueAt: Timestamp
    public let kind: TaskKind

    public init(taskId: ID, subject: ActivitySubject, assigneeId: ID, dueAt: Timestamp, kind: TaskKind) {
        self.taskId = taskId
        self.subject = subject
        self.assigneeId = assigneeId
        self.dueAt = dueAt
        self.kind = kind
    }

    public func indexEntries(in stream: StreamRef) -> [IndexEntry] { [.link(parent: subject.stream, child: stream)] }
}

/// ACT-03. A task was completed with an outcome.
public struct TaskCompleted: DomainEvent {
    public static let eventType = "TaskCompleted"
    public let taskId: ID
    public let outcome: String

    public init(taskId: ID, outcome: String) {
        self.taskId = taskId
        self.outcome = outcome
    }
}

/// ACT-04. A note was added to a record.
public struct NoteAdded: DomainEvent {
    public static let eventType = "NoteAdded"
    public let noteId: ID
    public let subject: ActivitySubject
    public let body: String

    public init(noteId: ID, subject: ActivitySubject, body: String) {
        self.noteId = noteId
        self.subject = subject
        self.body = body
    }

    public func indexEntries(in stream: StreamRef) -> [IndexEntry] { [.link(parent: subject.stream, child: stream)] }
}

/// ACT-05. A record was tagged (on the record's own stream).
public struct RecordTagged: DomainEvent {
    public static let eventType = "RecordTagged"
    public let entityType: ObjectType
    public let entityId: ID
    public let tag: String

    public init(entityType: ObjectType, entityId: ID, tag: String) {
        self.entityType = entityType
        self.entityId = entityId
        self.tag = tag
    }

    /// Links the record under its tag, so tag lists are one index lookup.
    public func indexEntries(in stream: StreamRef) -> [IndexEntry] {
        [.link(parent: TagTaxonomy.tagParent(entityType, tag), child: stream)]
    }
}

/// ACT-06. A tag was removed from a record (on the record's own stream).
public struct RecordUntagged: DomainEvent {
    public static let eventType = "RecordUntagged"
    public let entityType: ObjectType
    public let entityId: ID
    public let tag: String

    public init(entityType: ObjectType, entityId: ID, tag: String) {
        self.entityType = entityType
        self.entityId = entityId
        self.tag = tag
    }

    public func indexEntries(in stream: StreamRef) -> [IndexEntry] {
        [.unlink(parent: TagTaxonomy.tagParent(entityType, tag), child: stream)]
    }
}
