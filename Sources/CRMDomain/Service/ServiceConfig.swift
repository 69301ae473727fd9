// Service configuration that the catalogue rows reference but do not define (extension events, ids SVC-X1/X2):
//
// - SVC-X1 `ServiceTeamDefined` (stream `serviceTeam-<teamId>`): the team that SVC-01/02/09 name by `teamId`,
//   with its members (SVC-02 "assignee is a team member"), its ordered ticket stages (SVC-03 "toStage belongs to
//   the team's stages"; the first stage is where a new ticket starts), its working calendar (Odoo takes working
//   hours from the team calendar [OD-sla]; escalation rules with business hours from the ticket use it), the
//   reopen window of SVC-07 and whether SVC-06 may close a ticket that was never resolved.
// - SVC-X2 `WorkingCalendarDefined` (stream `workingCalendar-<calendarId>`): the calendar SVC-09 names by
//   `calendarId`: weekly working intervals in local time at a fixed UTC offset, and holidays.
//
// Both are redefinable: a later definition replaces the earlier one. Deadlines already computed stay as recorded
// in their `SlaApplied` events.

/// SVC-X1 (extension). A service team was defined or redefined: members, ordered ticket stages, calendar and
/// ticket policies.
public struct ServiceTeamDefined: DomainEvent {
    public static let eventType = "ServiceTeamDefined"
    public let teamId: ID
    public let name: String
    public let memberIds: [ID]
    /// Ticket stages in workflow order; the first is the stage of a newly opened ticket.
    public let stages: [String]
    public let calendarId: ID?
    /// How many days after resolution (or closure) a ticket may still be reopened (SVC-07).
    public let reopenWindowDays: Int64
    /// Whether an open ticket may be closed without being resolved first (SVC-06).
    public let allowDirectClose: Bool

    public init(
        teamId: ID,
        name: String,
        memberIds: [ID],
        stages: [String],
        calendarId: ID?,
        reopenWindowDays: Int64,
        allowDirectClose: Bool
    ) {
        self.teamId = teamId
        self.name = name
        self.memberIds = memberIds
        self.stages = stages
        self.calendarId = calendarId
        self.reopenWindowDays = reopenWindowDays
        self.allowDirectClose = allowDirectClose
    }
}

/// SVC-X2 (extension). A working calendar was defined or redefined.
public struct WorkingCalendarDefined: DomainEvent {
    public static let eventType = "WorkingCalendarDefined"
    public let calendarId: ID
    public let name: String
    /// Local time = UTC + this many minutes (480 for China Standard Time); no daylight saving.
    public let utcOffsetMinutes: Int64
    public let hours: [WorkingHours]
    public let holidays: [LocalDate]

    public init(calendarId: ID, name: String, utcOffsetMinutes: Int64, hours: [WorkingHours], holidays: [LocalDate]) {
        self.calendarId = calendarId
        self.name = name
        self.utcOffsetMinutes = utcOffsetMinutes
        self.hours = hours
        self.holidays = holidays
    }
}

/// A service team, folded from `serviceTeam-<teamId>`.
public struct ServiceTeam: Aggregate {
    public static let category = "serviceTeam"

    public var exists = false
    public var teamId: ID?
    public var name = ""
    public var memberIds: [ID] = []
    public var stages: [String] = []
    public var calendarId: ID?
    public var reopenWindowDays: Int64 = 0
    public var allowDirectClose = false

    public init() {}

    public func isMember(_ userId: ID) -> Bool { memberIds.contains(userId) }

    /// Position of `stage` in the workflow, or `nil` when the team has no such stage.
    public func stageIndex(_ stage: String) -> Int? { stages.firstIndex(of: stage) }

    /// The stage a new ticket starts in.
    public var initialStage: String? { stages.first }

    public mutating func apply(_ event: any DomainEvent) {
        switch event {
        case let e as ServiceTeamDefined:
            exists = true
            teamId = e.teamId
            name = e.name
            memberIds = e.memberIds
            stages = e.stages
            calendarId = e.calendarId
            reopenWindowDays = e.reopenWindowDays
            allowDirectClose = e.allowDirectClose
        default:
            break
        }
    }
}

/// A working calendar, folded from `workingCalendar-<calendarId>`.
public struct ServiceCalendar: Aggregate {
    public static let category = "workingCalendar"

    public var exists = false
    public var calendarId: ID?
    public var name = ""
    public var calendar: WorkingCalendar?

    public init() {}

    public mutating func apply(_ event: any DomainEvent) {
        switch event {
        case let e as WorkingCalendarDefined:
            exists = true
            calendarId = e.calendarId
            name = e.name
            calendar = WorkingCalendar(utcOffsetMinutes: e.utcOffsetMinutes, hours: e.hours, holidays: e.holidays)
        default:
            break
        }
    }
}

extension Decision {
    /// The working calendar `calendarId`, or a `notFound` rejection under `rule`.
    mutating func workingCalendar(_ calendarId: ID, rule: String) throws(Rejection) -> WorkingCalendar {
        guard let state = load(ServiceCalendar.self, calendarId), let calendar = state.calendar else {
            throw .notFound(rule, "workingCalendar", id: calendarId)
        }
        return calendar
    }

    /// The service team `teamId`, or a `notFound` rejection under `rule`.
    mutating func serviceTeam(_ teamId: ID, rule: String) throws(Rejection) -> ServiceTeam {
        guard let team = load(ServiceTeam.self, teamId), team.exists else {
            throw .notFound(rule, "serviceTeam", id: teamId)
        }
        return team
    }
}

// MARK: - Commands

/// SVC-X1: define (or redefine) a service team.
public struct DefineServiceTeam: Command {
    public let teamId: ID
    public let name: String
    public let memberIds: [ID]
    public let stages: [String]
    public let calendarId: ID?
    public let reopenWindowDays: Int64
    public let allowDirectClose: Bool

    public init(
        teamId: ID,
        name: String,
        memberIds: [ID],
        stages: [String],
        calendarId: ID? = nil,
        reopenWindowDays: Int64 = 7,
        allowDirectClose: Bool = false
    ) {
        self.teamId = teamId
        self.name = name
        self.memberIds = memberIds
        self.stages = stages
        self.calendarId = calendarId
        self.reopenWindowDays = reopenWindowDays
        self.allowDirectClose = allowDirectClose
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let existing = d.load(ServiceTeam.self, teamId)
        try d.authorize(existing == nil ? .create : .edit, on: .serviceTeam, rule: "SVC-X1.perm")
        try Rejection.require(name, "SVC-X1.name", field: "name")
        guard !stages.isEmpty else {
            throw .invalidInput("SVC-X1.stages", field: "stages", "at least one ticket stage is required")
        }
        for stage in stages where stage.trimmingWhitespace().isEmpty || stage != stage.trimmingWhitespace() {
            throw .invalidInput(
                "SVC-X1.stages",
                field: "stages",
                "stage names must be non-empty and trimmed, got '\(stage)'"
            )
        }
        guard Set(stages).count == stages.count else {
            throw .invalidInput("SVC-X1.stages", field: "stages", "stage names must be unique, got \(stages)")
        }
        guard Set(memberIds).count == memberIds.count else {
            throw .invalidInput("SVC-X1.members", field: "memberIds", "a member is listed twice")
        }
        for member in memberIds where !d.organisation.isActiveUser(member) {
            throw .notFound("SVC-X1.memberActive", "user", id: member)
        }
        if let calendarId { _ = try d.workingCalendar(calendarId, rule: "SVC-X1.calendarExists") }
        guard reopenWindowDays >= 0 else {
            throw .invalidInput(
                "SVC-X1.reopenWindow",
                field: "reopenWindowDays",
                "must be ≥ 0, got \(reopenWindowDays)"
            )
        }
        d.emit(
            ServiceTeamDefined(
                teamId: teamId,
                name: name,
                memberIds: memberIds,
                stages: stages,
                calendarId: calendarId,
                reopenWindowDays: reopenWindowDays,
                allowDirectClose: allowDirectClose
            ),
            to: .of(ServiceTeam.self, teamId)
        )
    }
}

/// SVC-X2: define (or redefine) a working calendar.
public struct DefineWorkingCalendar: Command {
    public let calendarId: ID
    public let name: String
    public let utcOffsetMinutes: Int64
    public let hours: [WorkingHours]
    public let holidays: [LocalDate]

    public init(calendarId: ID, name: String, utcOffsetMinutes: Int64, hours: [WorkingHours], holidays: [LocalDate]) {
        self.calendarId = calendarId
        self.name = name
        self.utcOffsetMinutes = utcOffsetMinutes
        self.hours = hours
        self.holidays = holidays
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let existing = d.load(ServiceCalendar.self, calendarId)
        try d.authorize(existing == nil ? .create : .edit, on: .workingCalendar, rule: "SVC-X2.perm")
        try Rejection.require(name, "SVC-X2.name", field: "name")
        if let problem = WorkingCalendar.problem(utcOffsetMinutes: utcOffsetMinutes, hours: hours, holidays: holidays) {
            throw .invalidInput("SVC-X2.hours", field: "hours", problem)
        }
        d.emit(
            WorkingCalendarDefined(
                calendarId: calendarId,
                name: name,
                utcOffsetMinutes: utcOffsetMinutes,
                hours: hours,
                holidays: holidays
            ),
            to: .of(ServiceCalendar.self, calendarId)
        )
    }
}
