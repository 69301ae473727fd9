// Ticket commands of catalogue §2.10 (SVC-01..SVC-08). Permissions: the ticket's assignee is its owner for data
// scope, so an agent whose role reaches only their own records works only on tickets assigned to them.

extension Decision {
    /// The ticket `ticketId`, or a `notFound` rejection under `rule`.
    mutating func ticket(_ ticketId: ID, rule: String) throws(Rejection) -> Ticket {
        guard let ticket = load(Ticket.self, ticketId), ticket.exists else {
            throw .notFound(rule, "ticket", id: ticketId)
        }
        return ticket
    }

    /// The ticket `ticketId` (`<row>.ticketExists`) with its stream, after checking perm(`action`) on it
    /// (`<row>.perm`, data scope of the assignee).
    mutating func authorizedTicket(
        _ ticketId: ID,
        _ action: Action,
        row: String
    ) throws(Rejection) -> (Ticket, StreamRef) {
        let ticket = try ticket(ticketId, rule: "\(row).ticketExists")
        let stream = StreamRef.of(Ticket.self, ticketId)
        try authorize(action, on: .ticket, owner: ticket.assigneeId, record: stream, rule: "\(row).perm")
        return (ticket, stream)
    }

    /// The team `ticket` belongs to, or a `notFound` rejection under `rule`.
    mutating func team(of ticket: Ticket, rule: String) throws(Rejection) -> ServiceTeam {
        guard let teamId = ticket.teamId else { throw .notFound(rule, "serviceTeam", id: "none") }
        return try serviceTeam(teamId, rule: rule)
    }
}

/// SVC-01: open a ticket for a live customer (and optionally one of its contacts); the team's matching SLA
/// policies are applied at the same time (SVC-10).
public struct OpenTicket: Command {
    public let ticketId: ID
    public let customerId: ID
    public let contactId: ID?
    public let channel: TicketChannel
    public let type: TicketType
    public let category: String
    public let priority: ServicePriority
    public let subject: String
    public let description: String
    public let teamId: ID

    public init(
        ticketId: ID,
        customerId: ID,
        contactId: ID? = nil,
        channel: TicketChannel,
        type: TicketType,
        category: String,
        priority: ServicePriority,
        subject: String,
        description: String,
        teamId: ID
    ) {
        self.ticketId = ticketId
        self.customerId = customerId
        self.contactId = contactId
        self.channel = channel
        self.type = type
        self.category = category
        self.priority = priority
        self.subject = subject
        self.description = description
        self.teamId = teamId
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        try d.authorize(.create, on: .ticket, rule: "SVC-01.perm")
        try Rejection.require(subject, "SVC-01.subject", field: "subject")
        try Rejection.require(category, "SVC-01.category", field: "category")
        guard d.load(Ticket.self, ticketId) == nil else {
            throw .alreadyExists("SVC-01.ticketIdUnique", "ticket", ticketId)
        }
        guard let customer = d.load(Customer.self, customerId), customer.isLive else {
            throw .notFound("SVC-01.customerLive", "customer", id: customerId)
        }
        if let contactId {
            guard let contact = d.load(Contact.self, contactId), contact.isLive else {
                throw .notFound("SVC-01.contactExists", "contact", id: contactId)
            }
            let members = d.children(of: .of(Customer.self, customerId), category: Contact.category)
            guard members.contains(.of(Contact.self, contactId)) else {
                throw .violated(
                    "SVC-01.contactOfCustomer",
                    "contact \(contactId) (\(contact.name)) belongs to customer "
                        + "\(contact.customerId.map(\.description) ?? "?"), not to \(customerId); "
                        + "pick one of its contacts",
                    ["contactId": contactId.description, "customerId": customerId.description]
                )
            }
        }
        let team = try d.serviceTeam(teamId, rule: "SVC-01.teamExists")
        let opened = TicketOpened(
            ticketId: ticketId,
            customerId: customerId,
            contactId: contactId,
            channel: channel,
            type: type,
            category: category,
            priority: priority,
            subject: subject,
            description: description,
            teamId: teamId,
            openedAt: d.now
        )
        let stream = StreamRef.of(Ticket.self, ticketId)
        d.emit(opened, to: stream)
        try SlaEngine.applyAtOpen(opened, team: team, in: &d, to: stream)
    }
}

/// SVC-02: assign an open ticket to a member of a team (moving it to that team when it is another one).
public struct AssignTicket: Command {
    public let ticketId: ID
    public let assigneeId: ID
    public let teamId: ID
    public let cause: TicketAssignmentCause

    public init(ticketId: ID, assigneeId: ID, teamId: ID, cause: TicketAssignmentCause = .manual) {
        self.ticketId = ticketId
        self.assigneeId = assigneeId
        self.teamId = teamId
        self.cause = cause
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let (ticket, stream) = try d.authorizedTicket(ticketId, .assign, row: "SVC-02")
        guard ticket.status == .open else {
            throw .invalidState(
                "SVC-02.open",
                "ticket \(ticketId) is \(ticket.status.rawValue); only open tickets are assigned (reopen it first)",
                ["ticketId": ticketId.description, "status": ticket.status.rawValue]
            )
        }
        let team = try d.serviceTeam(teamId, rule: "SVC-02.teamExists")
        guard d.organisation.isActiveUser(assigneeId) else {
            throw .notFound("SVC-02.assigneeActive", "user", id: assigneeId)
        }
        guard team.isMember(assigneeId) else {
            throw .violated(
                "SVC-02.assigneeInTeam",
                "user \(assigneeId) is not a member of team \(team.name) (\(teamId)); add them to the team "
                    + "or pick a member",
                ["assigneeId": assigneeId.description, "teamId": teamId.description]
            )
        }
        guard ticket.assigneeId != assigneeId || ticket.teamId != teamId else {
            throw .invalidInput(
                "SVC-02.changes",
                field: "assigneeId",
                "ticket \(ticketId) is already assigned to \(assigneeId) in team \(teamId)"
            )
        }
        d.emit(TicketAssigned(assigneeId: assigneeId, teamId: teamId, cause: cause), to: stream)
    }
}

/// SVC-03: move a ticket that is not closed to another stage of its team. Reaching an SLA's target stage meets
/// it (SVC-11, or breaches it when the deadline already passed, SVC-12); excluded stages pause and resume SLAs.
public struct ChangeTicketStage: Command {
    public let ticketId: ID
    public let toStage: String

    public init(ticketId: ID, toStage: String) {
        self.ticketId = ticketId
        self.toStage = toStage
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let (ticket, stream) = try d.authorizedTicket(ticketId, .edit, row: "SVC-03")
        guard ticket.status != .closed else {
            throw .invalidState(
                "SVC-03.notClosed",
                "ticket \(ticketId) is closed; reopen it before changing its stage",
                ["ticketId": ticketId.description]
            )
        }
        let team = try d.team(of: ticket, rule: "SVC-03.teamExists")
        guard team.stageIndex(toStage) != nil else {
            throw .violated(
                "SVC-03.stageOfTeam",
                "'\(toStage)' is not a stage of team \(team.name); use one of \(team.stages.joined(separator: ", "))",
                ["toStage": toStage, "teamId": team.teamId?.description ?? ""]
            )
        }
        let fromStage = ticket.currentStage(in: team) ?? ""
        guard fromStage != toStage else {
            throw .invalidInput(
                "SVC-03.stageChanges",
                field: "toStage",
                "ticket \(ticketId) is already in stage '\(toStage)'"
            )
        }
        d.emit(TicketStageChanged(fromStage: fromStage, toStage: toStage), to: stream)
        try SlaEngine.stageChanged(ticket, team: team, from: fromStage, to: toStage, now: d.now, in: &d, to: stream)
    }
}

/// SVC-04: escalate an open ticket to a higher level; it is handed to the assignee's supervisor, or to the
/// target of the escalation rule that fired [SF-esc].
///
/// A rule escalation also checks that the rule fits the ticket (criteria) and that the ticket has been open for
/// at least `afterBusinessHours` as of `asOf`, counted on the rule's business hours.
public struct EscalateTicket: Command {
    public let ticketId: ID
    public let level: Int64
    public let toUserId: ID
    public let cause: TicketEscalationCause
    /// The instant the rule's age condition is evaluated at (required for `rule` causes).
    public let asOf: Timestamp?

    public init(ticketId: ID, level: Int64, toUserId: ID, cause: TicketEscalationCause, asOf: Timestamp? = nil) {
        self.ticketId = ticketId
        self.level = level
        self.toUserId = toUserId
        self.cause = cause
        self.asOf = asOf
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let (ticket, stream) = try d.authorizedTicket(ticketId, .escalate, row: "SVC-04")
        guard ticket.status == .open else {
            throw .invalidState(
                "SVC-04.open",
                "ticket \(ticketId) is \(ticket.status.rawValue); only open tickets are escalated",
                ["ticketId": ticketId.description, "status": ticket.status.rawValue]
            )
        }
        guard level > ticket.escalationLevel else {
            throw .violated(
                "SVC-04.levelIncreases",
                "escalation level \(level) must be above the ticket's current level \(ticket.escalationLevel)",
                ["level": "\(level)", "currentLevel": "\(ticket.escalationLevel)"]
            )
        }
        guard let fromAssigneeId = ticket.assigneeId else {
            throw .invalidState(
                "SVC-04.assigned",
                "ticket \(ticketId) has no assignee to escalate from; assign it first (SVC-02)",
                ["ticketId": ticketId.description]
            )
        }
        guard d.organisation.isActiveUser(toUserId) else {
            throw .notFound("SVC-04.targetActive", "user", id: toUserId)
        }
        if cause.kind != .rule, cause.ruleId != nil {
            throw .invalidInput("SVC-04.cause", field: "cause.ruleId", "only a rule escalation names a rule")
        }
        let expected: ID?
        if cause.kind == .rule {
            expected = try ruleTarget(ticket, assignee: fromAssigneeId, in: &d)
        } else {
            try checkSlaCause(ticket)
            expected = d.organisation.manager(of: fromAssigneeId)
        }
        guard let expected, expected == toUserId else {
            throw .violated(
                "SVC-04.target",
                "ticket \(ticketId) escalates (\(cause)) to "
                    + (expected.map { "user \($0)" } ?? "nobody: the assignee has no supervisor")
                    + ", not to \(toUserId)",
                ["toUserId": toUserId.description, "expected": expected?.description ?? "none"]
            )
        }
        d.emit(
            TicketEscalated(level: level, fromAssigneeId: fromAssigneeId, toUserId: toUserId, cause: cause),
            to: stream
        )
    }

    private func checkSlaCause(_ ticket: Ticket) throws(Rejection) {
        switch cause.kind {
        case .slaBreach:
            guard ticket.slas.values.contains(where: { $0.status == .breached }) else {
                throw .violated(
                    "SVC-04.cause",
                    "ticket \(ticketId) has no breached SLA; escalate it for slaRisk or manually",
                    ["ticketId": ticketId.description]
                )
            }
        case .slaRisk:
            guard ticket.slas.values.contains(where: { !$0.status.isFinal }) else {
                throw .violated(
                    "SVC-04.cause",
                    "ticket \(ticketId) has no running SLA to be at risk; escalate it manually",
                    ["ticketId": ticketId.description]
                )
            }
        case .manual, .rule:
            break
        }
    }

    /// Checks the rule fits the ticket and returns the user the rule hands it to (`nil` when the assignee has no
    /// supervisor); a queue rule accepts any member of its queue team.
    private func ruleTarget(_ ticket: Ticket, assignee: ID, in d: inout Decision) throws(Rejection) -> ID? {
        guard let ruleId = cause.ruleId else {
            throw .invalidInput("SVC-04.cause", field: "cause.ruleId", "is required for a rule escalation")
        }
        guard let rule = d.load(EscalationRule.self, ruleId), let def = rule.definition else {
            throw .notFound("SVC-04.ruleExists", "escalationRule", id: ruleId)
        }
        guard def.criteria.matches(priority: ticket.priority, type: ticket.type, teamId: ticket.teamId) else {
            throw .violated(
                "SVC-04.ruleCriteria",
                "escalation rule \(ruleId) does not apply to ticket \(ticketId) (priority \(ticket.priority.rawValue), "
                    + "type \(ticket.type.rawValue))",
                ["ruleId": ruleId.description, "ticketId": ticketId.description]
            )
        }
        guard let asOf else { throw .missing("SVC-04.asOf", field: "asOf") }
        try Rejection.notInFuture(asOf, now: d.now, "SVC-04.asOf", field: "asOf")
        let calendar: WorkingCalendar
        switch def.businessHoursSource.kind {
        case .none:
            calendar = .continuous
        case .ticketTeam:
            let team = try d.team(of: ticket, rule: "SVC-04.teamExists")
            guard let calendarId = team.calendarId else {
                throw .invalidState(
                    "SVC-04.businessHours",
                    "team \(team.name) has no working calendar for rule \(ruleId)'s business hours; give the team one",
                    ["ruleId": ruleId.description]
                )
            }
            calendar = try d.workingCalendar(calendarId, rule: "SVC-04.businessHours")
        case .staticCalendar:
            guard let calendarId = def.businessHoursSource.calendarId else {
                throw .notFound("SVC-04.businessHours", "workingCalendar", id: "none")
            }
            calendar = try d.workingCalendar(calendarId, rule: "SVC-04.businessHours")
        }
        let openedAt = ticket.openedAt ?? asOf
        let age = calendar.workingMilliseconds(from: openedAt, to: asOf)
        guard age >= def.afterBusinessHours * 3_600_000 else {
            throw .violated(
                "SVC-04.ruleAge",
                "ticket \(ticketId) has been open \(age / 60_000) business minutes as of \(asOf); rule \(ruleId) "
                    + "fires after \(def.afterBusinessHours) hours",
                ["ageMinutes": "\(age / 60_000)", "afterBusinessHours": "\(def.afterBusinessHours)"]
            )
        }
        let target = def.actions.reassignTo
        switch target.kind {
        case .supervisor:
            return d.organisation.manager(of: assignee)
        case .user:
            return target.userId
        case .queue:
            guard let queueId = target.queueTeamId else { return nil }
            let queue = try d.serviceTeam(queueId, rule: "SVC-04.target")
            guard queue.isMember(toUserId) else {
                throw .violated(
                    "SVC-04.target",
                    "escalation rule \(ruleId) hands tickets to queue \(queue.name); user \(toUserId) is not a "
                        + "member of it",
                    ["toUserId": toUserId.description, "queueTeamId": queueId.description]
                )
            }
            return toUserId
        }
    }
}

/// SVC-05: resolve an open ticket.
public struct ResolveTicket: Command {
    public let ticketId: ID
    public let resolution: String
    public let resolvedBy: ID

    public init(ticketId: ID, resolution: String, resolvedBy: ID) {
        self.ticketId = ticketId
        self.resolution = resolution
        self.resolvedBy = resolvedBy
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let (ticket, stream) = try d.authorizedTicket(ticketId, .edit, row: "SVC-05")
        guard ticket.status == .open else {
            throw .invalidState(
                "SVC-05.open",
                "ticket \(ticketId) is already \(ticket.status.rawValue); reopen it to resolve it again",
                ["ticketId": ticketId.description, "status": ticket.status.rawValue]
            )
        }
        try Rejection.require(resolution, "SVC-05.resolution", field: "resolution")
        guard d.organisation.isActiveUser(resolvedBy) else {
            throw .notFound("SVC-05.resolverActive", "user", id: resolvedBy)
        }
        d.emit(TicketResolved(resolution: resolution, resolvedBy: resolvedBy, resolvedAt: d.now), to: stream)
    }
}

/// SVC-06: close a resolved ticket (or an open one when the team allows closing without resolution).
public struct CloseTicket: Command {
    public let ticketId: ID
    public let closedBy: TicketClosedBy

    public init(ticketId: ID, closedBy: TicketClosedBy) {
        self.ticketId = ticketId
        self.closedBy = closedBy
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let (ticket, stream) = try d.authorizedTicket(ticketId, .close, row: "SVC-06")
        switch ticket.status {
        case .resolved:
            break
        case .closed:
            throw .invalidState(
                "SVC-06.resolved",
                "ticket \(ticketId) is already closed",
                ["ticketId": ticketId.description]
            )
        case .open:
            let team = try d.team(of: ticket, rule: "SVC-06.teamExists")
            guard team.allowDirectClose else {
                throw .invalidState(
                    "SVC-06.resolved",
                    "ticket \(ticketId) is not resolved and team \(team.name) does not allow closing unresolved "
                        + "tickets; resolve it first",
                    ["ticketId": ticketId.description]
                )
            }
        }
        d.emit(TicketClosed(closedBy: closedBy, closedAt: d.now), to: stream)
    }
}

/// SVC-07: reopen a resolved or closed ticket within the team's reopen window (measured from the closure, or
/// from the resolution when the ticket was not closed).
public struct ReopenTicket: Command {
    public let ticketId: ID
    public let reason: String

    public init(ticketId: ID, reason: String) {
        self.ticketId = ticketId
        self.reason = reason
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let (ticket, stream) = try d.authorizedTicket(ticketId, .reopen, row: "SVC-07")
        try Rejection.require(reason, "SVC-07.reason", field: "reason")
        let since: Timestamp?
        switch ticket.status {
        case .open:
            throw .invalidState(
                "SVC-07.resolvedOrClosed",
                "ticket \(ticketId) is open; only resolved or closed tickets are reopened",
                ["ticketId": ticketId.description]
            )
        case .resolved: since = ticket.resolvedAt
        case .closed: since = ticket.closedAt
        }
        let team = try d.team(of: ticket, rule: "SVC-07.teamExists")
        let windowEnd = (since ?? d.now).adding(days: Int(team.reopenWindowDays))
        guard d.now <= windowEnd else {
            throw .violated(
                "SVC-07.reopenWindow",
                "ticket \(ticketId) was \(ticket.status.rawValue) at \(since.map(\.description) ?? "?"); the "
                    + "\(team.reopenWindowDays)-day reopen window ended at \(windowEnd); open a new ticket instead",
                ["ticketId": ticketId.description, "windowEnd": windowEnd.description]
            )
        }
        d.emit(TicketReopened(reason: reason), to: stream)
    }
}

/// SVC-08: record the customer's rating (1–5) of a resolved or closed ticket; the latest rating wins.
///
/// Ratings arrive through the customer's channel (a survey integration or the agent typing them in), so the
/// actor's role must allow editing tickets but the ticket need not be in the actor's data scope.
public struct RateTicket: Command {
    public let ticketId: ID
    public let score: Int64
    public let comment: String?

    public init(ticketId: ID, score: Int64, comment: String? = nil) {
        self.ticketId = ticketId
        self.score = score
        self.comment = comment
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let ticket = try d.ticket(ticketId, rule: "SVC-08.ticketExists")
        let stream = StreamRef.of(Ticket.self, ticketId)
        try d.authorize(.edit, on: .ticket, record: stream, rule: "SVC-08.perm")
        guard (1...5).contains(score) else {
            throw .invalidInput("SVC-08.score", field: "score", "must be between 1 and 5, got \(score)")
        }
        guard ticket.status != .open else {
            throw .invalidState(
                "SVC-08.resolvedOrClosed",
                "ticket \(ticketId) is still open; it can be rated once resolved or closed",
                ["ticketId": ticketId.description]
            )
        }
        d.emit(TicketRated(score: score, comment: comment), to: stream)
    }
}
