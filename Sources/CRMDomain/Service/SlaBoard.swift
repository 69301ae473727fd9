// The SLA board read model of catalogue §3.8 [OD-sla]: per ticket and policy the deadline, the status
// (ongoing / met / breached) and the remaining working time as of an instant; and the breach rate
// breached / (met + breached) per team, policy and period.

/// How the board shows one SLA as of an instant.
public enum SlaBoardStatus: String, Codable, Hashable, Sendable, CaseIterable {
    case ongoing, met, breached
}

/// One line of the SLA board.
public struct SlaBoardRow: Hashable, Sendable {
    public let policyId: ID
    public let status: SlaBoardStatus
    /// True when the clock is stopped in an excluded stage.
    public let paused: Bool
    public let deadline: Timestamp
    /// Working time left until the deadline (0 once met, breached or overdue); for a paused SLA, the time left
    /// when it was paused.
    public let remainingWorkingMilliseconds: Int64

    public init(
        policyId: ID,
        status: SlaBoardStatus,
        paused: Bool,
        deadline: Timestamp,
        remainingWorkingMilliseconds: Int64
    ) {
        self.policyId = policyId
        self.status = status
        self.paused = paused
        self.deadline = deadline
        self.remainingWorkingMilliseconds = remainingWorkingMilliseconds
    }
}

/// The SLA board and breach-rate formulas.
public enum SlaBoard {
    /// The board line of `sla` as of `asOf`. A running SLA whose deadline is before `asOf` shows as breached even
    /// before the scheduler records it (the breach is certain: the deadline cannot move while running).
    public static func row(_ sla: TicketSla, calendar: WorkingCalendar, asOf: Timestamp) -> SlaBoardRow {
        switch sla.status {
        case .met:
            return SlaBoardRow(
                policyId: sla.policyId,
                status: .met,
                paused: false,
                deadline: sla.deadline,
                remainingWorkingMilliseconds: 0
            )
        case .breached:
            return SlaBoardRow(
                policyId: sla.policyId,
                status: .breached,
                paused: false,
                deadline: sla.deadline,
                remainingWorkingMilliseconds: 0
            )
        case .paused:
            return SlaBoardRow(
                policyId: sla.policyId,
                status: .ongoing,
                paused: true,
                deadline: sla.deadline,
                remainingWorkingMilliseconds: sla.remainingWorkingMilliseconds ?? 0
            )
        case .ongoing:
            let overdue = asOf > sla.deadline
            return SlaBoardRow(
                policyId: sla.policyId,
                status: overdue ? .breached : .ongoing,
                paused: false,
                deadline: sla.deadline,
                remainingWorkingMilliseconds: overdue ? 0 : calendar.workingMilliseconds(from: asOf, to: sla.deadline)
            )
        }
    }

    /// The board of one ticket, earliest deadline first (§1.8: "the earliest deadline shows first"), ties by
    /// policy id. `calendars` maps policy ids to their calendars; SLAs without one are left out.
    public static func rows(for ticket: Ticket, calendarsByPolicy calendars: [ID: WorkingCalendar], asOf: Timestamp)
        -> [SlaBoardRow]
    {
        ticket.orderedSlas.compactMap { sla in calendars[sla.policyId].map { row(sla, calendar: $0, asOf: asOf) } }
            .sorted { ($0.deadline, $0.policyId) < ($1.deadline, $1.policyId) }
    }

    /// Breach rate in basis points, breached / (met + breached), rounded half up; `nil` when nothing finished.
    public static func breachRateBasisPoints(met: Int64, breached: Int64) -> Int64? {
        let finished = met + breached
        guard finished > 0 else { return nil }
        return (breached * 20_000 + finished) / (2 * finished)
    }
}

/// A finished SLA, as counted by the breach-rate report: its team, policy, outcome and deadline.
public struct SlaOutcomeRecord: Hashable, Sendable {
    public let teamId: ID
    public let policyId: ID
    public let breached: Bool
    public let deadline: Timestamp

    public init(teamId: ID, policyId: ID, breached: Bool, deadline: Timestamp) {
        self.teamId = teamId
        self.policyId = policyId
        self.breached = breached
        self.deadline = deadline
    }
}

/// Breach rate of one team, policy and period.
public struct SlaBreachRateRow: Hashable, Sendable {
    public let teamId: ID
    public let policyId: ID
    public let period: Period
    public let met: Int64
    public let breached: Int64
    /// breached / (met + breached) in basis points (10 000 = 100 %), rounded half up.
    public let breachRateBasisPoints: Int64

    public init(teamId: ID, policyId: ID, period: Period, met: Int64, breached: Int64, breachRateBasisPoints: Int64) {
        self.teamId = teamId
        self.policyId = policyId
        self.period = period
        self.met = met
        self.breached = breached
        self.breachRateBasisPoints = breachRateBasisPoints
    }
}

extension SlaBoard {
    /// Breach rates per team, policy and period (the period of each SLA's deadline, UTC date), sorted by team,
    /// policy and period.
    public static func breachRates(_ outcomes: [SlaOutcomeRecord], per kind: Period.Kind) -> [SlaBreachRateRow] {
        struct Key: Hashable {
            let teamId: ID
            let policyId: ID
            let period: Period
        }
        var tally: [Key: (met: Int64, breached: Int64)] = [:]
        for o in outcomes {
            let key = Key(teamId: o.teamId, policyId: o.policyId, period: .containing(o.deadline.date, kind: kind))
            var t = tally[key] ?? (0, 0)
            if o.breached { t.breached += 1 } else { t.met += 1 }
            tally[key] = t
        }
        return tally.map { key, t in
            SlaBreachRateRow(
                teamId: key.teamId,
                policyId: key.policyId,
                period: key.period,
                met: t.met,
                breached: t.breached,
                breachRateBasisPoints: breachRateBasisPoints(met: t.met, breached: t.breached) ?? 0
            )
        }
        .sorted { ($0.teamId, $0.policyId, $0.period) < ($1.teamId, $1.policyId, $1.period) }
    }
}
