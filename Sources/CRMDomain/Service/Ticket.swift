/// One SLA measured on a ticket.
public struct TicketSla: Hashable, Sendable {
    public var policyId: ID
    public var policyVersion: Int64
    public var status: SlaStatus
    /// The deadline while ongoing; the last deadline before a pause, a met or a breach.
    public var deadline: Timestamp
    /// Working time left when the clock stopped (status `paused`).
    public var remainingWorkingMilliseconds: Int64?
    public var reachedAt: Timestamp?
    public var breachedAsOf: Timestamp?
}

/// A ticket (case), folded from `ticket-<ticketId>`: SVC-01..SVC-08 and its SLAs (SVC-10..SVC-12, SVC-X3).
public struct Ticket: Aggregate {
    public static let category = "ticket"

    public var exists = false
    public var ticketId: ID?
    public var customerId: ID?
    public var contactId: ID?
    public var channel: TicketChannel = .web
    public var type: TicketType = .request
    public var category = ""
    public var priority: ServicePriority = .normal
    public var subject = ""
    public var teamId: ID?
    public var assigneeId: ID?
    /// The current stage; `nil` until the first stage change (the ticket is then in its team's first stage).
    public var stage: String?
    public var status: TicketStatus = .open
    public var openedAt: Timestamp?
    public var resolvedAt: Timestamp?
    public var closedAt: Timestamp?
    public var resolution: String?
    public var resolvedBy: ID?
    public var closedBy: TicketClosedBy?
    public var escalationLevel: Int64 = 0
    public var rating: Int64?
    public var ratingComment: String?
    public var reopenCount = 0
    /// SLAs by policy id.
    public var slas: [ID: TicketSla] = [:]

    public init() {}

    /// The SLAs ordered by policy id (deterministic processing order).
    public var orderedSlas: [TicketSla] { slas.values.sorted { $0.policyId < $1.policyId } }

    /// The stage the ticket is in, given its team's stages.
    public func currentStage(in team: ServiceTeam) -> String? { stage ?? team.initialStage }

    public mutating func apply(_ event: any DomainEvent) {
        switch event {
        case let e as TicketOpened:
            exists = true
            ticketId = e.ticketId
            customerId = e.customerId
            contactId = e.contactId
            channel = e.channel
            type = e.type
            category = e.category
            priority = e.priority
            subject = e.subject
            teamId = e.teamId
            status = .open
            openedAt = e.openedAt
        case let e as TicketAssigned:
            assigneeId = e.assigneeId
            teamId = e.teamId
        case let e as TicketStageChanged:
            stage = e.toStage
        case let e as TicketEscalated:
            escalationLevel = e.level
            assigneeId = e.toUserId
        case let e as TicketResolved:
            status = .resolved
            resolution = e.resolution
            resolvedBy = e.resolvedBy
            resolvedAt = e.resolvedAt
        case let e as TicketClosed:
            status = .closed
            closedBy = e.closedBy
            closedAt = e.closedAt
        case is TicketReopened:
            status = .open
            reopenCount += 1
        case let e as TicketRated:
            rating = e.score
            ratingComment = e.comment
        case let e as SlaApplied:
            slas[e.policyId] = TicketSla(
                policyId: e.policyId,
                policyVersion: e.policyVersion,
                status: .ongoing,
                deadline: e.deadline
            )
        case let e as SlaPaused:
            slas[e.policyId]?.status = .paused
            slas[e.policyId]?.remainingWorkingMilliseconds = e.remainingWorkingMilliseconds
        case let e as SlaMet:
            slas[e.policyId]?.status = .met
            slas[e.policyId]?.reachedAt = e.reachedAt
            slas[e.policyId]?.remainingWorkingMilliseconds = nil
        case let e as SlaBreached:
            slas[e.policyId]?.status = .breached
            slas[e.policyId]?.breachedAsOf = e.asOf
        default:
            break
        }
    }
}
