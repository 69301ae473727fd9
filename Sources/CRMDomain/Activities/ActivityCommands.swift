// Commands of catalogue §2.3 (activities and timeline), ACT-01..ACT-06.

/// ACT-01: record a follow-up with a lead, customer, contact, opportunity or contract.
///
/// The customer the follow-up counts for is derived from the subject (its customer), never taken from the caller.
public struct RecordFollowUp: Command {
    /// How far `occurredAt` may lie after the command time (clock skew between devices).
    public static let futureTolerance = 5

    public let activityId: ID
    public let subject: ActivitySubject
    public let kind: FollowUpKind
    public let content: String
    public let occurredAt: Timestamp
    public let nextContactAt: Timestamp?
    public let contactId: ID?

    public init(
        activityId: ID,
        subject: ActivitySubject,
        kind: FollowUpKind,
        content: String,
        occurredAt: Timestamp,
        nextContactAt: Timestamp? = nil,
        contactId: ID? = nil
    ) {
        self.activityId = activityId
        self.subject = subject
        self.kind = kind
        self.content = content
        self.occurredAt = occurredAt
        self.nextContactAt = nextContactAt
        self.contactId = contactId
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        try Rejection.require(content, "ACT-01.content", field: "content")
        guard d.load(Activity.self, activityId) == nil else {
            throw .alreadyExists("ACT-01.activityIdUnique", "activity", activityId)
        }
        let record = try SubjectDirectory.resolve(subject, in: &d, rule: "ACT-01.subjectExists")
        try d.authorize(
            .read,
            on: subject.entityType,
            owner: record.ownerId,
            record: subject.stream,
            rule: "ACT-01.canReadSubject"
        )
        let latest = d.now.adding(minutes: RecordFollowUp.futureTolerance)
        guard occurredAt <= latest else {
            throw .invalidInput(
                "ACT-01.occurredAt",
                field: "occurredAt",
                "\(occurredAt) is more than \(RecordFollowUp.futureTolerance) minutes after now (\(d.now)); record "
                    + "follow-ups that happened"
            )
        }
        if let next = nextContactAt, next <= occurredAt {
            throw .invalidInput(
                "ACT-01.nextContactAt",
                field: "nextContactAt",
                "\(next) must be after the follow-up (\(occurredAt))"
            )
        }
        var contact = contactId
        if subject.entityType == .contact {
            if let contactId, contactId != subject.entityId {
                throw .invalidInput(
                    "ACT-01.contact",
                    field: "contactId",
                    "differs from the subject contact \(subject.entityId)"
                )
            }
            contact = subject.entityId
        } else if let contactId {
            guard let c = d.load(Contact.self, contactId), c.isLive,
                let cid = c.customerId, let owner = SubjectDirectory.liveCustomer(cid, in: &d),
                owner.customerId == record.customerId, record.customerId != nil
            else {
                throw .invalidInput(
                    "ACT-01.contact",
                    field: "contactId",
                    "contact \(contactId) is not a live contact of the subject's customer "
                        + (record.customerId?.description ?? "(a lead has no customer)")
                )
            }
        }
        d.emit(
            FollowUpRecorded(
                activityId: activityId,
                subject: subject,
                customerId: record.customerId,
                kind: kind,
                content: content,
                occurredAt: occurredAt,
                nextContactAt: nextContactAt,
                contactId: contact
            ),
            to: StreamRef.of(Activity.self, activityId)
        )
    }
}

/// ACT-02: schedule a task about a record for an active assignee.
public struct ScheduleTask: Command {
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

    public func decide(_ d: inout Decision) throws(Rejection) {
        guard d.load(Activity.self, taskId) == nil else { throw .alreadyExists("ACT-02.taskIdUnique", "task", taskId) }
        let record = try SubjectDirectory.resolve(subject, in: &d, rule: "ACT-02.subjectExists")
        try d.authorize(
            .read,
            on: subject.entityType,
            owner: record.ownerId,
            record: subject.stream,
            rule: "ACT-02.perm"
        )
        try d.authorize(.create, on: .activity, owner: assigneeId, rule: "ACT-02.perm")
        guard d.organisation.isActiveUser(assigneeId) else {
            throw .violated(
                "ACT-02.assigneeActive",
                "assignee \(assigneeId) is not an active user; assign the task to an active user",
                ["assigneeId": assigneeId.description]
            )
        }
        d.emit(
            TaskScheduled(taskId: taskId, subject: subject, assigneeId: assigneeId, dueAt: dueAt, kind: kind),
            to: StreamRef.of(Activity.self, taskId)
        )
    }
}

/// ACT-03: complete a task with its outcome.
public struct CompleteTask: Command {
    public let taskId: ID
    public let outcome: String

    public init(taskId: ID, outcome: String) {
        self.taskId = taskId
        self.outcome = outcome
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        guard let task = d.load(Activity.self, taskId), task.kind == .task else {
            throw .notFound("ACT-03.taskExists", "task", id: taskId)
        }
        try d.authorize(
            .edit,
            on: .activity,
            owner: task.assigneeId,
            record: StreamRef.of(Activity.self, taskId),
            rule: "ACT-03.perm"
        )
        try Rejection.require(outcome, "ACT-03.outcome", field: "outcome")
        guard !task.completed else {
            throw .invalidState(
                "ACT-03.notCompleted",
                "task \(taskId) is already completed (outcome: \(task.outcome ?? "")); schedule a new task instead",
                ["taskId": taskId.description]
            )
        }
        d.emit(TaskCompleted(taskId: taskId, outcome: outcome), to: StreamRef.of(Activity.self, taskId))
    }
}

/// ACT-04: add a note to a record.
public struct AddNote: Command {
    public let noteId: ID
    public let subject: ActivitySubject
    public let body: String

    public init(noteId: ID, subject: ActivitySubject, body: String) {
        self.noteId = noteId
        self.subject = subject
        self.body = body
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        try Rejection.require(body, "ACT-04.body", field: "body")
        guard d.load(Activity.self, noteId) == nil else { throw .alreadyExists("ACT-04.noteIdUnique", "note", noteId) }
        let record = try SubjectDirectory.resolve(subject, in: &d, rule: "ACT-04.subjectExists")
        try d.authorize(
            .read,
            on: subject.entityType,
            owner: record.ownerId,
            record: subject.stream,
            rule: "ACT-04.perm"
        )
        d.emit(NoteAdded(noteId: noteId, subject: subject, body: body), to: StreamRef.of(Activity.self, noteId))
    }
}

/// ACT-05: tag a record with a tag of the taxonomy.
public struct TagRecord: Command {
    public let entityType: ObjectType
    public let entityId: ID
    public let tag: String

    public init(entityType: ObjectType, entityId: ID, tag: String) {
        self.entityType = entityType
        self.entityId = entityId
        self.tag = tag
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let subject = ActivitySubject(entityType: entityType, entityId: entityId)
        let record = try SubjectDirectory.resolve(subject, in: &d, rule: "ACT-05.recordExists")
        try d.authorize(.edit, on: entityType, owner: record.ownerId, record: subject.stream, rule: "ACT-05.perm")
        guard TagTaxonomy.allows(tag, on: entityType) else {
            throw .violated(
                "ACT-05.tagInTaxonomy",
                "'\(tag)' is not a \(entityType.rawValue) tag; use one of "
                    + TagTaxonomy.tags(for: entityType).joined(separator: ", "),
                ["tag": tag, "entityType": entityType.rawValue]
            )
        }
        let tags = d.load(RecordTags.self, stream: subject.stream)?.tags ?? []
        guard !tags.contains(tag) else {
            throw .invalidState(
                "ACT-05.notTagged",
                "\(entityType.rawValue) \(entityId) is already tagged '\(tag)'",
                ["tag": tag, "entityId": entityId.description]
            )
        }
        d.emit(RecordTagged(entityType: entityType, entityId: entityId, tag: tag), to: subject.stream)
    }
}

/// ACT-06: remove a tag from a record.
public struct UntagRecord: Command {
    public let entityType: ObjectType
    public let entityId: ID
    public let tag: String

    public init(entityType: ObjectType, entityId: ID, tag: String) {
        self.entityType = entityType
        self.entityId = entityId
        self.tag = tag
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let subject = ActivitySubject(entityType: entityType, entityId: entityId)
        let record = try SubjectDirectory.resolve(subject, in: &d, rule: "ACT-06.recordExists")
        try d.authorize(.edit, on: entityType, owner: record.ownerId, record: subject.stream, rule: "ACT-06.perm")
        let tags = d.load(RecordTags.self, stream: subject.stream)?.tags ?? []
        guard tags.contains(tag) else {
            throw .invalidState(
                "ACT-06.tagged",
                "\(entityType.rawValue) \(entityId) is not tagged '\(tag)'; its tags: "
                    + (tags.isEmpty ? "none" : tags.joined(separator: ", ")),
                ["tag": tag, "entityId": entityId.description]
            )
        }
        d.emit(RecordUntagged(entityType: entityType, entityId: entityId, tag: tag), to: subject.stream)
    }
}
