// Ticket events of catalogue §2.10 (SVC-01..SVC-08), stream `ticket-<ticketId>`. The SLA facts of a ticket
// (SVC-10..SVC-12, SVC-X3) are on the same stream (SlaPolicy.swift).
//
// Additions to the catalogue payloads, needed because a fold sees only the payload, never the envelope:
// - `openedAt` (SVC-01): rule-based escalation (SVC-04) measures the ticket's age from it, and a late SLA
//   re-application (SVC-10) starts the clock there;
// - `resolvedAt` (SVC-05) and `closedAt` (SVC-06): the reopen window (SVC-07) and return-visit reminders
//   (SVC-18) are measured from them.
//
// Index: `TicketOpened` links `customer-<customerId>` → `ticket-<ticketId>`.

/// SVC-01. A customer ticket (case) was opened for a team.
public struct TicketOpened: DomainEvent {
    public static let eventType = "TicketOpened"
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
    public let openedAt: Timestamp

    public init(
        ticketId: ID,
        customerId: ID,
        contactId: ID?,
        channel: TicketChannel,
        type: TicketType,
        category: String,
        priority: ServicePriority,
        subject: String,
        description: String,
        teamId: ID,
        openedAt: Timestamp
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
        self.openedAt = openedAt
    }

    public func indexEntries(in stream: StreamRef) -> [IndexEntry] {
        [.link(parent: StreamRef("customer", customerId.description), child: stream)]
    }
}

/// SVC-02. The ticket was assigned to a member of a team (possibly another team than before).
public struct TicketAssigned: DomainEvent {
    public static let eventType = "TicketAssigned"
    public let assigneeId: ID
    public let teamId: ID
    public let cause: TicketAssignmentCause

    public init(assigneeId: ID, teamId: ID, cause: TicketAssignmentCause) {
        self.assigneeId = assigneeId
        self.teamId = teamId
        self.cause = cause
    }
}

/// SVC-03. The ticket moved to another stage of its team.
public struct TicketStageChanged: DomainEvent {
    public static let eventType = "TicketStageChanged"
    public let fromStage: String
    public let toStage: String

    public init(fromStage: String, toStage: String) {
        self.fromStage = fromStage
        self.toStage = toStage
    }
}

/// SVC-04. The ticket was escalated to a higher level and handed to `toUserId` [SF-esc].
public struct TicketEscalated: DomainEvent {
    public static let eventType = "TicketEscalated"
    public let level: Int64
    public let fromAssigneeId: ID
    public let toUserId: ID
    public let cause: TicketEscalationCause

    public init(level: Int64, fromAssigneeId: ID, toUserId: ID, cause: TicketEscalationCause) {
        self.level = level
        self.fromAssigneeId = fromAssigneeId
        self.toUserId = toUserId
        self.cause = cause
    }
}

/// SVC-05. The ticket was resolved.
public struct TicketResolved: DomainEvent {
    public static let eventType = "TicketResolved"
    public let resolution: String
    public let resolvedBy: ID
    public let resolvedAt: Timestamp

    public init(resolution: String, resolvedBy: ID, resolvedAt: Timestamp) {
        self.resolution = resolution
        self.resolvedBy = resolvedBy
        self.resolvedAt = resolvedAt
    }
}

/// SVC-06. The ticket was closed.
public struct TicketClosed: DomainEvent {
    public static let eventType = "TicketClosed"
    public let closedBy: TicketClosedBy
    public let closedAt: Timestamp

    public init(closedBy: TicketClosedBy, closedAt: Timestamp) {
        self.closedBy = closedBy
        self.closedAt = closedAt
    }
}

/// SVC-07. A resolved or closed ticket was reopened.
public struct TicketReopened: DomainEvent {
    public static let eventType = "TicketReopened"
    public let reason: String

    public init(reason: String) { self.reason = reason }
}

/// SVC-08. The customer rated the service (1–5); a later rating replaces an earlier one.
public struct TicketRated: DomainEvent {
    public static let eventType = "TicketRated"
    public let score: Int64
    public let comment: String?

    public init(score: Int64, comment: String?) {
        self.score = score
        self.comment = comment
    }
}
