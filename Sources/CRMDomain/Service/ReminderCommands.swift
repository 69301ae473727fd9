// Care reminder commands (SVC-17..SVC-19).
//
// `RaiseReminder` checks "the subject still satisfies the condition as of asOf" itself where the service area can
// read the subject:
// - tickets (return visits): the ticket is closed; the anchor is its closure date; the owner is its assignee;
// - customers: the customer is live; the owner is its owner; for `followUpAfterDays` the anchor is the latest of
//   its owner's receive time and its follow-ups (on its stream or on linked activity streams); for
//   `poolReclaimBeforeDays` it is owned and not locked.
// For every other subject (and the customer anchors the customer stream does not hold: birthday, last purchase,
// reclaim date) the scheduler passes the facts it read from the owning area's read model: the anchor date and,
// for instalments, the outstanding amount. Facts for a subject the command reads itself are refused, so a stale
// read model can never override the stream.

/// The facts a caller supplies for subjects the service area cannot read (see `RaiseReminder`).
public struct ReminderFacts: Hashable, Sendable {
    /// The date the condition is measured from (last follow-up, renewal or end date, birth date, last purchase,
    /// instalment due date, reclaim date, signing date).
    public let anchorDate: LocalDate
    /// What is still outstanding on an instalment (`paymentDueBeforeDays` only; must be > 0).
    public let outstanding: Money?

    public init(anchorDate: LocalDate, outstanding: Money? = nil) {
        self.anchorDate = anchorDate
        self.outstanding = outstanding
    }
}

/// SVC-17: define (or redefine) a care reminder rule.
public struct DefineCareReminderRule: Command {
    public let ruleId: ID
    public let kind: CareReminderKind
    public let params: CareReminderParams
    public let channel: ReminderChannel
    public let assignee: ReminderAssignee

    public init(
        ruleId: ID,
        kind: CareReminderKind,
        params: CareReminderParams,
        channel: ReminderChannel,
        assignee: ReminderAssignee = .owner
    ) {
        self.ruleId = ruleId
        self.kind = kind
        self.params = params
        self.channel = channel
        self.assignee = assignee
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let existing = d.load(ReminderRule.self, ruleId)
        try d.authorize(existing == nil ? .create : .edit, on: .reminderRule, rule: "SVC-17.perm")
        if let problem = params.problem(for: kind) {
            throw .invalidInput("SVC-17.params", field: "params", problem)
        }
        switch assignee.kind {
        case .owner:
            guard assignee.roleId == nil else {
                throw .invalidInput("SVC-17.assignee", field: "assignee.roleId", "an owner assignee names no role")
            }
        case .role:
            guard let roleId = assignee.roleId else { throw .missing("SVC-17.assignee", field: "assignee.roleId") }
            guard d.organisation.roles[roleId] != nil else { throw .notFound("SVC-17.assignee", "role", id: roleId) }
        }
        d.emit(
            CareReminderRuleDefined(ruleId: ruleId, kind: kind, params: params, channel: channel, assignee: assignee),
            to: .of(ReminderRule.self, ruleId)
        )
    }
}

/// SVC-18: raise a reminder for a subject whose rule condition holds as of `asOf` (scheduler).
public struct RaiseReminder: Command {
    public let reminderId: ID
    public let ruleId: ID
    public let subject: ReminderSubject
    public let ownerId: ID
    public let asOf: LocalDate
    /// Required for subjects the service area cannot read; refused for tickets and for customer follow-ups.
    public let facts: ReminderFacts?

    public init(
        reminderId: ID,
        ruleId: ID,
        subject: ReminderSubject,
        ownerId: ID,
        asOf: LocalDate,
        facts: ReminderFacts? = nil
    ) {
        self.reminderId = reminderId
        self.ruleId = ruleId
        self.subject = subject
        self.ownerId = ownerId
        self.asOf = asOf
        self.facts = facts
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        try d.authorize(.create, on: .reminder, rule: "SVC-18.perm")
        guard asOf <= d.now.date else {
            throw .invalidInput("SVC-18.asOf", field: "asOf", "\(asOf) is in the future (today is \(d.now.date))")
        }
        guard d.load(Reminder.self, reminderId) == nil else {
            throw .alreadyExists("SVC-18.reminderIdUnique", "reminder", reminderId)
        }
        guard let rule = d.load(ReminderRule.self, ruleId)?.definition else {
            throw .notFound("SVC-18.ruleExists", "reminderRule", id: ruleId)
        }
        guard rule.kind.subjectTypes.contains(subject.entityType) else {
            throw .invalidInput(
                "SVC-18.subjectType",
                field: "subject.entityType",
                "a \(rule.kind.rawValue) reminder is about "
                    + rule.kind.subjectTypes.map(\.rawValue).joined(separator: ", ")
                    + ", not \(subject.entityType.rawValue)"
            )
        }
        guard d.organisation.isActiveUser(ownerId) else { throw .notFound("SVC-18.ownerActive", "user", id: ownerId) }
        if rule.assignee.kind == .role, let roleId = rule.assignee.roleId,
            d.organisation.users[ownerId]?.roleIds.contains(roleId) != true
        {
            throw .violated(
                "SVC-18.assignee",
                "rule \(ruleId) reminds holders of role \(roleId); user \(ownerId) does not hold it",
                ["ownerId": ownerId.description, "roleId": roleId.description]
            )
        }
        let anchor = try anchorDate(rule, in: &d)
        guard let dueOn = CareReminderSchedule.dueOn(kind: rule.kind, params: rule.params, anchor: anchor, asOf: asOf)
        else {
            throw .violated(
                "SVC-18.condition",
                "\(subject) does not satisfy \(rule.kind.rawValue) (\(rule.params.days.map { "\($0) days" } ?? "")"
                    + "\(rule.params.months.map { "\($0) months" } ?? "")) from \(anchor) as of \(asOf)",
                ["anchor": anchor.description, "asOf": asOf.description]
            )
        }
        let key = ReminderDue.dedupeKey(ruleId: ruleId, subject: subject, dueOn: dueOn)
        if let owner = d.lookup(key) {
            throw .alreadyExists(
                "SVC-18.dedupe",
                "reminder for \(subject) due \(dueOn) under rule \(ruleId)",
                owner.name
            )
        }
        d.emit(
            ReminderDue(
                reminderId: reminderId,
                ruleId: ruleId,
                subject: subject,
                ownerId: ownerId,
                dueOn: dueOn,
                asOf: asOf
            ),
            to: .of(Reminder.self, reminderId)
        )
    }

    /// The anchor date of the condition, read from the subject where the service area can, else from `facts`.
    private func anchorDate(_ rule: CareReminderRuleDefined, in d: inout Decision) throws(Rejection) -> LocalDate {
        switch subject.entityType {
        case .ticket:
            try refuseFacts("the ticket stream")
            let ticket = try d.ticket(subject.entityId, rule: "SVC-18.subjectExists")
            try requireOwner(rule, ticket.assigneeId)
            guard ticket.status == .closed, let closedAt = ticket.closedAt else {
                throw .violated(
                    "SVC-18.condition",
                    "ticket \(subject.entityId) is \(ticket.status.rawValue); return visits follow closed tickets",
                    ["ticketId": subject.entityId.description, "status": ticket.status.rawValue]
                )
            }
            return closedAt.date
        case .customer:
            guard let customer = d.load(Customer.self, subject.entityId), customer.isLive else {
                throw .notFound("SVC-18.subjectExists", "customer", id: subject.entityId)
            }
            try requireOwner(rule, customer.ownerId)
            if rule.kind == .poolReclaimBeforeDays, !customer.isOwned || customer.locked {
                throw .violated(
                    "SVC-18.condition",
                    "customer \(subject.entityId) is \(customer.locked ? "locked" : "not owned"); "
                        + "it will not be reclaimed",
                    ["customerId": subject.entityId.description]
                )
            }
            if rule.kind == .followUpAfterDays {
                try refuseFacts("the customer stream")
                let onActivities = CustomerFollowUps.latest(for: subject.entityId, in: &d)
                guard let last = [customer.lastActivityAt, onActivities].compactMap(\.self).max() else {
                    throw .violated(
                        "SVC-18.condition",
                        "customer \(subject.entityId) has neither an owner's receive time nor a follow-up "
                            + "to count from",
                        ["customerId": subject.entityId.description]
                    )
                }
                return last.date
            }
            return try suppliedAnchor(rule)
        default:
            return try suppliedAnchor(rule)
        }
    }

    private func suppliedAnchor(_ rule: CareReminderRuleDefined) throws(Rejection) -> LocalDate {
        guard let facts else { throw .missing("SVC-18.facts", field: "facts") }
        if rule.kind == .paymentDueBeforeDays {
            guard let outstanding = facts.outstanding else {
                throw .missing("SVC-18.facts", field: "facts.outstanding")
            }
            guard outstanding.amountMinor > 0 else {
                throw .violated(
                    "SVC-18.condition",
                    "instalment \(subject.entityId) has nothing outstanding (\(outstanding)); no payment reminder",
                    ["outstanding": outstanding.description]
                )
            }
        } else if facts.outstanding != nil {
            throw .invalidInput(
                "SVC-18.facts",
                field: "facts.outstanding",
                "only payment reminders take an outstanding amount"
            )
        }
        return facts.anchorDate
    }

    private func refuseFacts(_ source: String) throws(Rejection) {
        guard facts == nil else {
            throw .invalidInput("SVC-18.facts", field: "facts", "are read from \(source) for \(subject); omit them")
        }
    }

    private func requireOwner(_ rule: CareReminderRuleDefined, _ subjectOwner: ID?) throws(Rejection) {
        guard rule.assignee.kind == .owner else { return }
        guard subjectOwner == ownerId else {
            throw .violated(
                "SVC-18.assignee",
                "rule \(ruleId) reminds the owner of \(subject), which is "
                    + "\(subjectOwner.map { "user \($0)" } ?? "nobody"), not user \(ownerId)",
                ["ownerId": ownerId.description, "subjectOwner": subjectOwner?.description ?? "none"]
            )
        }
    }
}

/// SVC-19: the owner handles an open reminder: done, dismissed, or snoozed to a later date.
public struct CompleteReminder: Command {
    public let reminderId: ID
    public let outcome: ReminderOutcome

    public init(reminderId: ID, outcome: ReminderOutcome) {
        self.reminderId = reminderId
        self.outcome = outcome
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        guard let reminder = d.load(Reminder.self, reminderId), reminder.exists else {
            throw .notFound("SVC-19.reminderExists", "reminder", id: reminderId)
        }
        let stream = StreamRef.of(Reminder.self, reminderId)
        try d.authorize(.edit, on: .reminder, owner: reminder.ownerId, record: stream, rule: "SVC-19.perm")
        guard reminder.status == .open else {
            throw .invalidState(
                "SVC-19.open",
                "reminder \(reminderId) is already \(reminder.status.rawValue)",
                ["reminderId": reminderId.description, "status": reminder.status.rawValue]
            )
        }
        switch outcome.kind {
        case .snoozed:
            guard let until = outcome.until else { throw .missing("SVC-19.snoozeUntil", field: "outcome.until") }
            let floor = max(reminder.effectiveDueOn ?? until, d.now.date)
            guard until > floor else {
                throw .invalidInput(
                    "SVC-19.snoozeUntil",
                    field: "outcome.until",
                    "must be after \(floor) (the reminder's due date and today), got \(until)"
                )
            }
        case .done, .dismissed:
            guard outcome.until == nil else {
                throw .invalidInput("SVC-19.snoozeUntil", field: "outcome.until", "only a snooze has an until date")
            }
        }
        d.emit(ReminderCompleted(reminderId: reminderId, outcome: outcome), to: stream)
    }
}
