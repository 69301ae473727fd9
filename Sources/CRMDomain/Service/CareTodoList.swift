// The care to-do list of catalogue §3.8 [WK-todo]: per owner, the open reminders (SVC-18 not yet done or
// dismissed, SVC-19) that are due as of a date, grouped by the kind of their rule (follow-ups, renewals,
// birthdays, inactivity, payments due, contracts expiring, customers about to be reclaimed, return visits).

/// One line of the to-do list.
public struct CareTodoItem: Hashable, Sendable {
    public let reminderId: ID
    public let subject: ReminderSubject
    /// The due date, or the snooze date when the reminder was snoozed.
    public let dueOn: LocalDate
    /// Days between `dueOn` and the list's date (0 when due today).
    public let daysOverdue: Int

    public init(reminderId: ID, subject: ReminderSubject, dueOn: LocalDate, daysOverdue: Int) {
        self.reminderId = reminderId
        self.subject = subject
        self.dueOn = dueOn
        self.daysOverdue = daysOverdue
    }
}

/// The open reminders of one rule kind.
public struct CareTodoGroup: Hashable, Sendable {
    public let kind: CareReminderKind
    public let items: [CareTodoItem]

    public init(kind: CareReminderKind, items: [CareTodoItem]) {
        self.kind = kind
        self.items = items
    }
}

/// Builds the care to-do list.
public enum CareTodoList {
    /// The open reminders of `ownerId` due on or before `asOf` (a snoozed reminder from its snooze date on),
    /// grouped by their rule's kind in ``CareReminderKind`` order; within a group the oldest due date first, then
    /// by reminder id. Reminders whose rule kind is not in `ruleKinds` are left out.
    public static func build(
        ownerId: ID,
        reminders: [Reminder],
        ruleKinds: [ID: CareReminderKind],
        asOf: LocalDate
    ) -> [CareTodoGroup] {
        var byKind: [CareReminderKind: [CareTodoItem]] = [:]
        for r in reminders where r.exists && r.status == .open && r.ownerId == ownerId {
            guard let id = r.reminderId, let subject = r.subject, let due = r.effectiveDueOn, due <= asOf,
                let ruleId = r.ruleId, let kind = ruleKinds[ruleId]
            else { continue }
            byKind[kind, default: []].append(
                CareTodoItem(reminderId: id, subject: subject, dueOn: due, daysOverdue: due.days(until: asOf))
            )
        }
        return CareReminderKind.allCases.compactMap { kind in
            guard let items = byKind[kind] else { return nil }
            return CareTodoGroup(
                kind: kind,
                items: items.sorted { ($0.dueOn, $0.reminderId) < ($1.dueOn, $1.reminderId) }
            )
        }
    }
}
