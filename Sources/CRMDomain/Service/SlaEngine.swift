// The SLA bookkeeping shared by the ticket commands (SVC-10, SVC-11, SVC-12, SVC-X3) [OD-sla]:
//
// - at open, every policy of the ticket's team whose latest version matches the ticket is applied with
//   deadline = workingTimeAdd(openedAt, within, calendar); several policies are emitted earliest deadline first;
// - on a stage change, for each SLA still running or paused (policy-id order):
//   - the target is reached when the new stage is the target stage or one after it in the team's order:
//     ongoing → `SlaMet` if now ≤ deadline, otherwise `SlaBreached(asOf: now)` (the deadline already passed);
//     paused → `SlaMet` (the clock was stopped with time left);
//   - entering an excluded stage before the deadline pauses the SLA (`SlaPaused` with the working time left);
//   - leaving the excluded stages re-applies it with deadline = workingTimeAdd(now, remaining, calendar);
// - met and breached are final.

enum SlaEngine {
    /// The policy version an SLA on a ticket was applied under, with its calendar.
    struct Measured {
        var policyId: ID
        var version: SlaPolicyVersion
        var calendar: WorkingCalendar
    }

    /// The version `version` of policy `policyId` and its calendar.
    static func measured(
        _ policyId: ID,
        version: Int64,
        in d: inout Decision,
        rule: String
    ) throws(Rejection) -> Measured {
        guard let policy = d.load(SlaPolicy.self, policyId), let v = policy.versions[version] else {
            throw .notFound(rule, "slaPolicy", id: "\(policyId)@\(version)")
        }
        return Measured(policyId: policyId, version: v, calendar: try d.workingCalendar(v.calendarId, rule: rule))
    }

    /// The deadline `within` working hours after `start`, or a rejection when the calendar has no such instant.
    static func deadline(
        from start: Timestamp,
        _ m: Measured,
        rule: String
    ) throws(Rejection) -> Timestamp {
        guard let deadline = m.calendar.workingTimeAdd(start, hours: m.version.withinWorkingHours) else {
            throw .violated(
                rule,
                "calendar \(m.version.calendarId) of SLA policy \(m.policyId) has no \(m.version.withinWorkingHours) "
                    + "working hours after \(start) within \(WorkingCalendar.searchHorizonDays) days; fix the calendar",
                ["policyId": m.policyId.description, "calendarId": m.version.calendarId.description]
            )
        }
        return deadline
    }

    /// Applies every matching policy of the ticket's team at open (`start` = openedAt).
    static func applyAtOpen(
        _ opened: TicketOpened,
        team: ServiceTeam,
        in d: inout Decision,
        to stream: StreamRef
    ) throws(Rejection) {
        var found: [(deadline: Timestamp, measured: Measured)] = []
        for child in d.children(of: .of(ServiceTeam.self, opened.teamId), category: SlaPolicy.category) {
            guard let policy = d.load(SlaPolicy.self, stream: child), let policyId = policy.policyId,
                let latest = policy.latest, latest.teamId == opened.teamId,
                latest.criteria.matches(
                    priority: opened.priority,
                    type: opened.type,
                    category: opened.category,
                    customerId: opened.customerId
                )
            else { continue }
            let m = try measured(policyId, version: latest.version, in: &d, rule: "SVC-10.calendarExists")
            found.append((try deadline(from: opened.openedAt, m, rule: "SVC-10.deadline"), m))
        }
        found.sort { ($0.deadline, $0.measured.policyId) < ($1.deadline, $1.measured.policyId) }
        for (deadline, m) in found {
            d.emit(SlaApplied(policyId: m.policyId, policyVersion: m.version.version, deadline: deadline), to: stream)
            if let initial = team.initialStage, m.version.isExcluded(initial) {
                d.emit(
                    SlaPaused(
                        policyId: m.policyId,
                        stage: initial,
                        remainingWorkingMilliseconds: m.calendar.workingMilliseconds(
                            from: opened.openedAt,
                            to: deadline
                        )
                    ),
                    to: stream
                )
            }
        }
    }

    /// True when `stage` is the target stage or comes after it in the team's workflow.
    static func reaches(_ stage: String, target: String, team: ServiceTeam) -> Bool {
        if stage == target { return true }
        guard let s = team.stageIndex(stage), let t = team.stageIndex(target) else { return false }
        return s >= t
    }

    /// The SLA consequences of moving `ticket` from `fromStage` to `toStage` at `now`.
    static func stageChanged(
        _ ticket: Ticket,
        team: ServiceTeam,
        from fromStage: String,
        to toStage: String,
        now: Timestamp,
        in d: inout Decision,
        to stream: StreamRef
    ) throws(Rejection) {
        for sla in ticket.orderedSlas where !sla.status.isFinal {
            let m = try measured(sla.policyId, version: sla.policyVersion, in: &d, rule: "SVC-11.policyExists")
            let target = m.version.targetStage
            if reaches(toStage, target: target, team: team) {
                if sla.status == .paused || now <= sla.deadline {
                    d.emit(SlaMet(policyId: sla.policyId, reachedAt: now), to: stream)
                } else {
                    d.emit(SlaBreached(policyId: sla.policyId, deadline: sla.deadline, asOf: now), to: stream)
                }
            } else if sla.status == .ongoing, m.version.isExcluded(toStage), !m.version.isExcluded(fromStage),
                now < sla.deadline
            {
                d.emit(
                    SlaPaused(
                        policyId: sla.policyId,
                        stage: toStage,
                        remainingWorkingMilliseconds: m.calendar.workingMilliseconds(from: now, to: sla.deadline)
                    ),
                    to: stream
                )
            } else if sla.status == .paused, !m.version.isExcluded(toStage) {
                let remaining = sla.remainingWorkingMilliseconds ?? 0
                guard let deadline = m.calendar.workingTimeAdd(now, milliseconds: remaining) else {
                    throw .violated(
                        "SVC-10.deadline",
                        "calendar \(m.version.calendarId) has no working time left after \(now); fix the calendar",
                        ["policyId": sla.policyId.description]
                    )
                }
                d.emit(
                    SlaApplied(policyId: sla.policyId, policyVersion: sla.policyVersion, deadline: deadline),
                    to: stream
                )
            }
        }
    }
}
