// SLA commands on a ticket (SVC-10, SVC-12). SLAs are also applied by `OpenTicket` (SVC-01) and met or breached
// by `ChangeTicketStage` (SVC-03); see SlaEngine.swift.

/// SVC-10: apply (or re-apply) an SLA policy's latest version to a ticket after the fact, e.g. when a policy was
/// defined or changed while the ticket was open. The deadline counts from the ticket's creation, as Odoo
/// recomputes it [OD-sla]; a ticket sitting in an excluded stage is paused at once.
public struct ApplySlaPolicy: Command {
    public let ticketId: ID
    public let policyId: ID

    public init(ticketId: ID, policyId: ID) {
        self.ticketId = ticketId
        self.policyId = policyId
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let (ticket, stream) = try d.authorizedTicket(ticketId, .edit, row: "SVC-10")
        guard ticket.status != .closed else {
            throw .invalidState(
                "SVC-10.ticketNotClosed",
                "ticket \(ticketId) is closed; SLAs are applied to tickets that are not closed",
                ["ticketId": ticketId.description]
            )
        }
        guard let policy = d.load(SlaPolicy.self, policyId), let latest = policy.latest else {
            throw .notFound("SVC-10.policyExists", "slaPolicy", id: policyId)
        }
        guard latest.teamId == ticket.teamId, let customerId = ticket.customerId,
            latest.criteria.matches(
                priority: ticket.priority,
                type: ticket.type,
                category: ticket.category,
                customerId: customerId
            )
        else {
            throw .violated(
                "SVC-10.criteriaMatch",
                "SLA policy \(policyId)@\(latest.version) does not match ticket \(ticketId) (team, priority "
                    + "\(ticket.priority.rawValue), type \(ticket.type.rawValue), category '\(ticket.category)')",
                ["policyId": policyId.description, "ticketId": ticketId.description]
            )
        }
        if let current = ticket.slas[policyId] {
            guard !current.status.isFinal else {
                throw .invalidState(
                    "SVC-10.notFinal",
                    "SLA \(policyId) on ticket \(ticketId) is already \(current.status.rawValue); that is final",
                    ["policyId": policyId.description, "status": current.status.rawValue]
                )
            }
            guard current.policyVersion != latest.version else {
                throw .alreadyExists("SVC-10.versionApplied", "slaPolicyVersion", "\(policyId)@\(latest.version)")
            }
        }
        let team = try d.team(of: ticket, rule: "SVC-10.teamExists")
        let stage = ticket.currentStage(in: team)
        if let stage, SlaEngine.reaches(stage, target: latest.targetStage, team: team) {
            throw .invalidState(
                "SVC-10.targetNotReached",
                "ticket \(ticketId) is already in stage '\(stage)', at or past the target '\(latest.targetStage)' of "
                    + "SLA policy \(policyId); there is nothing left to measure",
                ["ticketId": ticketId.description, "stage": stage]
            )
        }
        let m = try SlaEngine.measured(policyId, version: latest.version, in: &d, rule: "SVC-10.calendarExists")
        let deadline = try SlaEngine.deadline(from: ticket.openedAt ?? d.now, m, rule: "SVC-10.deadline")
        d.emit(SlaApplied(policyId: policyId, policyVersion: latest.version, deadline: deadline), to: stream)
        if let stage, latest.isExcluded(stage), d.now < deadline {
            d.emit(
                SlaPaused(
                    policyId: policyId,
                    stage: stage,
                    remainingWorkingMilliseconds: m.calendar.workingMilliseconds(from: d.now, to: deadline)
                ),
                to: stream
            )
        }
    }
}

/// SVC-12: record that one SLA of a ticket failed as of `asOf` (strictly after its deadline, target stage not
/// reached). Terminal: reaching the stage later does not change it [OD-sla].
public struct BreachSla: Command {
    public let ticketId: ID
    public let policyId: ID
    public let asOf: Timestamp

    public init(ticketId: ID, policyId: ID, asOf: Timestamp) {
        self.ticketId = ticketId
        self.policyId = policyId
        self.asOf = asOf
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let (ticket, stream) = try d.authorizedTicket(ticketId, .edit, row: "SVC-12")
        try Rejection.notInFuture(asOf, now: d.now, "SVC-12.asOf", field: "asOf")
        guard let sla = ticket.slas[policyId] else {
            throw .notFound("SVC-12.slaApplied", "sla", id: "\(policyId) on ticket \(ticketId)")
        }
        switch sla.status {
        case .met:
            throw .invalidState(
                "SVC-12.notReached",
                "ticket \(ticketId) reached the target stage of SLA \(policyId) at "
                    + "\(sla.reachedAt.map(\.description) ?? "?"); a met SLA cannot breach",
                ["policyId": policyId.description]
            )
        case .breached:
            throw .invalidState(
                "SVC-12.alreadyBreached",
                "SLA \(policyId) on ticket \(ticketId) already breached as of "
                    + (sla.breachedAsOf.map(\.description) ?? "?"),
                ["policyId": policyId.description]
            )
        case .paused:
            throw .invalidState(
                "SVC-12.paused",
                "SLA \(policyId) on ticket \(ticketId) is paused in an excluded stage; its clock is stopped",
                ["policyId": policyId.description]
            )
        case .ongoing:
            break
        }
        guard asOf > sla.deadline else {
            throw .violated(
                "SVC-12.deadlinePassed",
                "SLA \(policyId) on ticket \(ticketId) is due \(sla.deadline); as of \(asOf) it has not passed",
                ["deadline": sla.deadline.description, "asOf": asOf.description]
            )
        }
        d.emit(SlaBreached(policyId: policyId, deadline: sla.deadline, asOf: asOf), to: stream)
    }
}

/// SVC-12, scheduler form: breach every running SLA of a ticket whose deadline is before `asOf`. Emits nothing
/// when none is due, so the scheduler can run it for every ticket with a running SLA.
///
/// Only reaching the target stage stops an SLA (§1.8): a ticket resolved or closed without reaching it still
/// breaches, so teams put their "solved" stage at or after the SLA targets.
public struct CheckSlaBreaches: Command {
    public let ticketId: ID
    public let asOf: Timestamp

    public init(ticketId: ID, asOf: Timestamp) {
        self.ticketId = ticketId
        self.asOf = asOf
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let (ticket, stream) = try d.authorizedTicket(ticketId, .edit, row: "SVC-12")
        try Rejection.notInFuture(asOf, now: d.now, "SVC-12.asOf", field: "asOf")
        for sla in ticket.orderedSlas where sla.status == .ongoing && asOf > sla.deadline {
            d.emit(SlaBreached(policyId: sla.policyId, deadline: sla.deadline, asOf: asOf), to: stream)
        }
    }
}
