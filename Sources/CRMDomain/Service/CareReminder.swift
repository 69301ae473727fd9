// Care reminders (SVC-17..SVC-19): rules (stream `reminderRule-<ruleId>`) and reminders (stream
// `reminder-<reminderId>`) [WK-todo][OL-seg][SU-audit].
//
// The scheduler raises a reminder (`ReminderDue`) for a subject when the rule's condition holds as of `asOf`.
// Each condition is measured from one anchor date (last follow-up, renewal date, birth date, last purchase,
// instalment due date, contract end date, reclaim date, visit base date); `CareReminderSchedule.dueOn` turns the
// rule, the anchor and `asOf` into the due date, or `nil` when the condition does not hold.
//
// Index: `ReminderDue` claims `reminder.due=<ruleId>:<entityType>:<entityId>:<dueOn>`, so one rule raises at
// most one reminder per subject and due date, however often the scheduler runs.

/// What a care reminder rule watches.
public enum CareReminderKind: String, Codable, Hashable, Sendable, CaseIterable {
    /// `days` after the last follow-up without a new one.
    case followUpAfterDays
    /// From `days` before a renewal date until that date.
    case renewalBeforeDays
    /// From `days` (0 = on the day) before the next birthday until the birthday.
    case birthday
    /// `months` after the last purchase without a new one.
    case noPurchaseForMonths
    /// From `days` before an instalment's due date until that date, while something is outstanding.
    case paymentDueBeforeDays
    /// From `days` before a contract's end date until that date.
    case contractExpiryBeforeDays
    /// From `days` before the customer would be reclaimed into the pool until the day before.
    case poolReclaimBeforeDays
    /// `days` after a contract was signed or a ticket or work order closed (回访, return visit).
    case returnVisitAfterDays

    /// The kinds of record this reminder can be about.
    public var subjectTypes: [ObjectType] {
        switch self {
        case .followUpAfterDays: [.customer, .lead, .opportunity, .contact]
        case .renewalBeforeDays: [.contract, .member, .card]
        case .birthday: [.contact, .member, .customer]
        case .noPurchaseForMonths: [.member, .customer]
        case .paymentDueBeforeDays: [.payment]
        case .contractExpiryBeforeDays: [.contract]
        case .poolReclaimBeforeDays: [.customer, .lead]
        case .returnVisitAfterDays: [.contract, .ticket, .workOrder]
        }
    }
}

/// A rule's parameters: `days` for the day-based kinds (days before the birthday for `birthday`), `months`
/// for `noPurchaseForMonths`. The other field stays `nil`.
public struct CareReminderParams: Codable, Hashable, Sendable {
    public let days: Int64?
    public let months: Int64?

    public init(days: Int64? = nil, months: Int64? = nil) {
        self.days = days
        self.months = months
    }

    public static func days(_ n: Int64) -> CareReminderParams { CareReminderParams(days: n) }
    public static func months(_ n: Int64) -> CareReminderParams { CareReminderParams(months: n) }

    /// Why these parameters do not fit `kind`, or `nil`: birthday needs 0 ≤ days ≤ 366; the other day-based
    /// kinds 1 ≤ days ≤ 3660; `noPurchaseForMonths` 1 ≤ months ≤ 120.
    public func problem(for kind: CareReminderKind) -> String? {
        switch kind {
        case .noPurchaseForMonths:
            guard days == nil else { return "\(kind.rawValue) takes months, not days" }
            guard let months else { return "\(kind.rawValue) needs months" }
            guard (1...120).contains(months) else { return "months must be in 1...120, got \(months)" }
        case .birthday:
            guard months == nil else { return "birthday takes days before the birthday, not months" }
            guard let days else { return "birthday needs days (0 = on the day)" }
            guard (0...366).contains(days) else { return "days before the birthday must be in 0...366, got \(days)" }
        default:
            guard months == nil else { return "\(kind.rawValue) takes days, not months" }
            guard let days else { return "\(kind.rawValue) needs days" }
            guard (1...3660).contains(days) else { return "days must be in 1...3660, got \(days)" }
        }
        return nil
    }
}

/// How a reminder reaches its owner.
public enum ReminderChannel: String, Codable, Hashable, Sendable, CaseIterable { case inApp, sms, email, wechat }

/// Who gets the reminders of a rule: the subject's owner, or a user holding `roleId`.
public struct ReminderAssignee: Codable, Hashable, Sendable {
    public enum Kind: String, Codable, Hashable, Sendable, CaseIterable { case owner, role }
    public let kind: Kind
    /// Set for `role` only.
    public let roleId: ID?

    public init(kind: Kind, roleId: ID? = nil) {
        self.kind = kind
        self.roleId = roleId
    }

    public static let owner = ReminderAssignee(kind: .owner)
    public static func role(_ id: ID) -> ReminderAssignee { ReminderAssignee(kind: .role, roleId: id) }
}

/// The record a reminder is about.
public struct ReminderSubject: Codable, Hashable, Sendable, CustomStringConvertible {
    public let entityType: ObjectType
    public let entityId: ID

    public init(entityType: ObjectType, entityId: ID) {
        self.entityType = entityType
        self.entityId = entityId
    }

    public var description: String { "\(entityType.rawValue) \(entityId)" }
}

/// How a reminder was handled: done, dismissed, or snoozed until a later date (it stays open).
public struct ReminderOutcome: Codable, Hashable, Sendable {
    public enum Kind: String, Codable, Hashable, Sendable, CaseIterable { case done, dismissed, snoozed }
    public let kind: Kind
    /// Set for `snoozed` only.
    public let until: LocalDate?

    public init(kind: Kind, until: LocalDate? = nil) {
        self.kind = kind
        self.until = until
    }

    public static let done = ReminderOutcome(kind: .done)
    public static let dismissed = ReminderOutcome(kind: .dismissed)
    public static func snoozed(until: LocalDate) -> ReminderOutcome { ReminderOutcome(kind: .snoozed, until: until) }
}

/// SVC-17. A care reminder rule was defined (or redefined).
public struct CareReminderRuleDefined: DomainEvent {
    public static let eventType = "CareReminderRuleDefined"
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
        assignee: ReminderAssignee
    ) {
        self.ruleId = ruleId
        self.kind = kind
        self.params = params
        self.channel = channel
        self.assignee = assignee
    }
}

/// SVC-18. A reminder fell due for a subject.
public struct ReminderDue: DomainEvent {
    public static let eventType = "ReminderDue"
    public let reminderId: ID
    public let ruleId: ID
    public let subject: ReminderSubject
    public let ownerId: ID
    public let dueOn: LocalDate
    public let asOf: LocalDate

    public init(reminderId: ID, ruleId: ID, subject: ReminderSubject, ownerId: ID, dueOn: LocalDate, asOf: LocalDate) {
        self.reminderId = reminderId
        self.ruleId = ruleId
        self.subject = subject
        self.ownerId = ownerId
        self.dueOn = dueOn
        self.asOf = asOf
    }

    /// The dedupe key: one reminder per rule, subject and due date.
    public static func dedupeKey(ruleId: ID, subject: ReminderSubject, dueOn: LocalDate) -> UniqueKey {
        UniqueKey(scope: "reminder.due", value: "\(ruleId):\(subject.entityType.rawValue):\(subject.entityId):\(dueOn)")
    }

    public func indexEntries(in stream: StreamRef) -> [IndexEntry] {
        [.claim(Self.dedupeKey(ruleId: ruleId, subject: subject, dueOn: dueOn), owner: stream)]
    }
}

/// SVC-19. The owner handled the reminder.
public struct ReminderCompleted: DomainEvent {
    public static let eventType = "ReminderCompleted"
    public let reminderId: ID
    public let outcome: ReminderOutcome

    public init(reminderId: ID, outcome: ReminderOutcome) {
        self.reminderId = reminderId
        self.outcome = outcome
    }
}

/// A care reminder rule, folded from `reminderRule-<ruleId>`.
public struct ReminderRule: Aggregate {
    public static let category = "reminderRule"

    public var definition: CareReminderRuleDefined?

    public init() {}

    public var exists: Bool { definition != nil }

    public mutating func apply(_ event: any DomainEvent) {
        if let e = event as? CareReminderRuleDefined { definition = e }
    }
}

/// Where a reminder is: open (possibly snoozed), done or dismissed.
public enum ReminderStatus: String, Codable, Hashable, Sendable, CaseIterable { case open, done, dismissed }

/// A reminder, folded from `reminder-<reminderId>`.
public struct Reminder: Aggregate {
    public static let category = "reminder"

    public var exists = false
    public var reminderId: ID?
    public var ruleId: ID?
    public var subject: ReminderSubject?
    public var ownerId: ID?
    public var dueOn: LocalDate?
    public var status: ReminderStatus = .open
    public var snoozedUntil: LocalDate?

    public init() {}

    /// The date the reminder shows up on the owner's to-do list: the snooze date when snoozed.
    public var effectiveDueOn: LocalDate? { snoozedUntil ?? dueOn }

    public mutating func apply(_ event: any DomainEvent) {
        switch event {
        case let e as ReminderDue:
            exists = true
            reminderId = e.reminderId
            ruleId = e.ruleId
            subject = e.subject
            ownerId = e.ownerId
            dueOn = e.dueOn
            status = .open
        case let e as ReminderCompleted:
            switch e.outcome.kind {
            case .done: status = .done
            case .dismissed: status = .dismissed
            case .snoozed: snoozedUntil = e.outcome.until
            }
        default:
            break
        }
    }
}

/// The due-date arithmetic of care reminders.
public enum CareReminderSchedule {
    /// The due date of a reminder of `kind` for a subject whose anchor date is `anchor`, when the condition holds
    /// as of `asOf`; `nil` when it does not (not yet due, or the window has passed).
    ///
    /// - `followUpAfterDays`, `returnVisitAfterDays`: due = anchor + days; holds from then on.
    /// - `noPurchaseForMonths`: due = anchor + months (clamped to the month's end); holds from then on.
    /// - `renewalBeforeDays`, `paymentDueBeforeDays`, `contractExpiryBeforeDays`: due = anchor − days; holds
    ///   from due through the anchor date.
    /// - `poolReclaimBeforeDays`: due = anchor − days; holds from due until the day before the reclaim.
    /// - `birthday` (anchor = birth date): the next birthday on or after `asOf` (29 February falls on
    ///   28 February in other years); due = that birthday − days; holds from due through the birthday.
    public static func dueOn(
        kind: CareReminderKind,
        params: CareReminderParams,
        anchor: LocalDate,
        asOf: LocalDate
    ) -> LocalDate? {
        let days = Int(params.days ?? 0)
        switch kind {
        case .followUpAfterDays, .returnVisitAfterDays:
            let due = anchor.adding(days: days)
            return asOf >= due ? due : nil
        case .noPurchaseForMonths:
            let due = anchor.adding(months: Int(params.months ?? 0))
            return asOf >= due ? due : nil
        case .renewalBeforeDays, .paymentDueBeforeDays, .contractExpiryBeforeDays:
            let due = anchor.adding(days: -days)
            return due <= asOf && asOf <= anchor ? due : nil
        case .poolReclaimBeforeDays:
            let due = anchor.adding(days: -days)
            return due <= asOf && asOf < anchor ? due : nil
        case .birthday:
            guard anchor <= asOf else { return nil }
            let next = nextAnniversary(of: anchor, onOrAfter: asOf)
            let due = next.adding(days: -days)
            return due <= asOf ? due : nil
        }
    }

    /// The first anniversary of `date` (same month and day) on or after `from`.
    public static func nextAnniversary(of date: LocalDate, onOrAfter from: LocalDate) -> LocalDate {
        func occurrence(in year: Int) -> LocalDate {
            LocalDate(year, date.month, min(date.day, LocalDate.daysIn(year: year, month: date.month)))
        }
        let thisYear = occurrence(in: from.year)
        return thisYear >= from ? thisYear : occurrence(in: from.year + 1)
    }
}
