// Escalation rules (SVC-13, stream `escalationRule-<ruleId>`) [SF-esc]: ordered rule entries with criteria,
// a business-hours source, an age threshold and the actions (reassign to the supervisor, a user or a queue, and
// whom to notify). `EscalateTicket` with cause `rule` checks a rule against a ticket (SVC-04).

/// Which tickets an escalation rule covers. Empty lists match everything.
public struct EscalationCriteria: Codable, Hashable, Sendable {
    public let priorities: [ServicePriority]
    public let types: [TicketType]
    public let teamIds: [ID]

    public init(priorities: [ServicePriority] = [], types: [TicketType] = [], teamIds: [ID] = []) {
        self.priorities = priorities
        self.types = types
        self.teamIds = teamIds
    }

    public func matches(priority: ServicePriority, type: TicketType, teamId: ID?) -> Bool {
        if !priorities.isEmpty && !priorities.contains(priority) { return false }
        if !types.isEmpty && !types.contains(type) { return false }
        if !teamIds.isEmpty && !(teamId.map(teamIds.contains) ?? false) { return false }
        return true
    }
}

/// Which clock measures a rule's age threshold (SF "business hours source": None / Case / Static).
public struct BusinessHoursSource: Codable, Hashable, Sendable {
    public enum Kind: String, Codable, Hashable, Sendable, CaseIterable {
        /// Round-the-clock hours.
        case none
        /// The working calendar of the ticket's team.
        case ticketTeam
        /// The calendar `calendarId`.
        case staticCalendar
    }

    public let kind: Kind
    /// Set for `staticCalendar` only.
    public let calendarId: ID?

    public init(kind: Kind, calendarId: ID? = nil) {
        self.kind = kind
        self.calendarId = calendarId
    }

    public static let roundTheClock = BusinessHoursSource(kind: .none)
    public static let ticketTeam = BusinessHoursSource(kind: .ticketTeam)
    public static func calendar(_ id: ID) -> BusinessHoursSource {
        BusinessHoursSource(kind: .staticCalendar, calendarId: id)
    }
}

/// Whom an escalation hands the ticket to: the assignee's supervisor, a named user, or a member of a queue team.
public struct EscalationTarget: Codable, Hashable, Sendable {
    public enum Kind: String, Codable, Hashable, Sendable, CaseIterable { case supervisor, user, queue }

    public let kind: Kind
    /// Set for `user` only.
    public let userId: ID?
    /// Set for `queue` only: the service team acting as queue.
    public let queueTeamId: ID?

    public init(kind: Kind, userId: ID? = nil, queueTeamId: ID? = nil) {
        self.kind = kind
        self.userId = userId
        self.queueTeamId = queueTeamId
    }

    public static let supervisor = EscalationTarget(kind: .supervisor)
    public static func user(_ id: ID) -> EscalationTarget { EscalationTarget(kind: .user, userId: id) }
    public static func queue(_ teamId: ID) -> EscalationTarget { EscalationTarget(kind: .queue, queueTeamId: teamId) }
}

/// What an escalation rule does when it fires.
public struct EscalationActions: Codable, Hashable, Sendable {
    public let reassignTo: EscalationTarget
    /// Users notified when the rule fires.
    public let notify: [ID]

    public init(reassignTo: EscalationTarget, notify: [ID] = []) {
        self.reassignTo = reassignTo
        self.notify = notify
    }
}

/// SVC-13. An escalation rule entry was defined (or redefined).
public struct EscalationRuleDefined: DomainEvent {
    public static let eventType = "EscalationRuleDefined"
    public let ruleId: ID
    public let order: Int64
    public let criteria: EscalationCriteria
    public let afterBusinessHours: Int64
    public let businessHoursSource: BusinessHoursSource
    public let actions: EscalationActions

    public init(
        ruleId: ID,
        order: Int64,
        criteria: EscalationCriteria,
        afterBusinessHours: Int64,
        businessHoursSource: BusinessHoursSource,
        actions: EscalationActions
    ) {
        self.ruleId = ruleId
        self.order = order
        self.criteria = criteria
        self.afterBusinessHours = afterBusinessHours
        self.businessHoursSource = businessHoursSource
        self.actions = actions
    }
}

/// An escalation rule, folded from `escalationRule-<ruleId>`.
public struct EscalationRule: Aggregate {
    public static let category = "escalationRule"

    public var definition: EscalationRuleDefined?

    public init() {}

    public var exists: Bool { definition != nil }

    public mutating func apply(_ event: any DomainEvent) {
        if let e = event as? EscalationRuleDefined { definition = e }
    }
}

/// SVC-13: define (or redefine) an escalation rule.
public struct DefineEscalationRule: Command {
    public let ruleId: ID
    public let order: Int64
    public let criteria: EscalationCriteria
    public let afterBusinessHours: Int64
    public let businessHoursSource: BusinessHoursSource
    public let actions: EscalationActions

    public init(
        ruleId: ID,
        order: Int64,
        criteria: EscalationCriteria = EscalationCriteria(),
        afterBusinessHours: Int64,
        businessHoursSource: BusinessHoursSource,
        actions: EscalationActions
    ) {
        self.ruleId = ruleId
        self.order = order
        self.criteria = criteria
        self.afterBusinessHours = afterBusinessHours
        self.businessHoursSource = businessHoursSource
        self.actions = actions
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let existing = d.load(EscalationRule.self, ruleId)
        try d.authorize(existing == nil ? .create : .edit, on: .escalationRule, rule: "SVC-13.perm")
        guard afterBusinessHours > 0 else {
            throw .invalidInput(
                "SVC-13.hoursPositive",
                field: "afterBusinessHours",
                "must be > 0, got \(afterBusinessHours)"
            )
        }
        guard order >= 1 else { throw .invalidInput("SVC-13.order", field: "order", "must be ≥ 1, got \(order)") }
        for teamId in criteria.teamIds { _ = try d.serviceTeam(teamId, rule: "SVC-13.criteriaTeams") }
        switch businessHoursSource.kind {
        case .none, .ticketTeam:
            guard businessHoursSource.calendarId == nil else {
                throw .invalidInput(
                    "SVC-13.businessHoursSource",
                    field: "businessHoursSource.calendarId",
                    "only a staticCalendar source names a calendar"
                )
            }
        case .staticCalendar:
            guard let calendarId = businessHoursSource.calendarId else {
                throw .missing("SVC-13.businessHoursSource", field: "businessHoursSource.calendarId")
            }
            _ = try d.workingCalendar(calendarId, rule: "SVC-13.businessHoursSource")
        }
        let target = actions.reassignTo
        switch target.kind {
        case .supervisor:
            guard target.userId == nil, target.queueTeamId == nil else {
                throw .invalidInput(
                    "SVC-13.target",
                    field: "actions.reassignTo",
                    "a supervisor target names no user or queue"
                )
            }
        case .user:
            guard let userId = target.userId, target.queueTeamId == nil else {
                throw .invalidInput(
                    "SVC-13.target",
                    field: "actions.reassignTo.userId",
                    "a user target names exactly one user"
                )
            }
            guard d.organisation.isActiveUser(userId) else { throw .notFound("SVC-13.target", "user", id: userId) }
        case .queue:
            guard let queueId = target.queueTeamId, target.userId == nil else {
                throw .invalidInput(
                    "SVC-13.target",
                    field: "actions.reassignTo.queueTeamId",
                    "a queue target names exactly one team"
                )
            }
            _ = try d.serviceTeam(queueId, rule: "SVC-13.target")
        }
        for userId in actions.notify where !d.organisation.isActiveUser(userId) {
            throw .notFound("SVC-13.notify", "user", id: userId)
        }
        d.emit(
            EscalationRuleDefined(
                ruleId: ruleId,
                order: order,
                criteria: criteria,
                afterBusinessHours: afterBusinessHours,
                businessHoursSource: businessHoursSource,
                actions: actions
            ),
            to: .of(EscalationRule.self, ruleId)
        )
    }
}
