// SLA policies (SVC-09, stream `slaPolicy-<policyId>`) and the SLA facts recorded on tickets (SVC-10..SVC-12 and
// the extension SVC-X3, stream `ticket-<ticketId>`).
//
// A policy says: tickets of team T matching the criteria must reach `targetStage` within `withinWorkingHours`
// working hours of calendar C, time spent in `excludedStages` not counting [OD-sla]. Each definition is a new
// immutable version; tickets record the version they were measured under (`SlaApplied.policyVersion`).
//
// Index: `SlaPolicyDefined` links `serviceTeam-<teamId>` → `slaPolicy-<policyId>` so that opening a ticket finds
// the team's policies.
//
// Extension SVC-X3 `SlaPaused`: entering an excluded stage freezes the SLA and records the working time still
// left; leaving it re-applies the SLA (`SlaApplied`) with deadline = workingTimeAdd(now, remaining, calendar).
// The catalogue has no event for the freeze, and a fold cannot see when a stage was entered, so the remaining
// working time has to be recorded when the clock stops.

/// Which tickets an SLA policy applies to. Empty lists and a `nil` priority match everything.
/// Tickets carry one `category`; `tags` match it (case-insensitively).
public struct SlaCriteria: Codable, Hashable, Sendable {
    public let priority: ServicePriority?
    public let types: [TicketType]
    public let tags: [String]
    public let customers: [ID]

    public init(priority: ServicePriority? = nil, types: [TicketType] = [], tags: [String] = [], customers: [ID] = []) {
        self.priority = priority
        self.types = types
        self.tags = tags
        self.customers = customers
    }

    /// True when a ticket with these attributes falls under the policy.
    public func matches(priority: ServicePriority, type: TicketType, category: String, customerId: ID) -> Bool {
        if let p = self.priority, p != priority { return false }
        if !types.isEmpty && !types.contains(type) { return false }
        if !tags.isEmpty && !tags.contains(where: { $0.serviceNormalized == category.serviceNormalized }) {
            return false
        }
        if !customers.isEmpty && !customers.contains(customerId) { return false }
        return true
    }
}

/// SVC-09. A version of an SLA policy was defined.
public struct SlaPolicyDefined: DomainEvent {
    public static let eventType = "SlaPolicyDefined"
    public let policyId: ID
    public let version: Int64
    public let teamId: ID
    public let criteria: SlaCriteria
    public let targetStage: String
    public let withinWorkingHours: Int64
    public let excludedStages: [String]
    public let calendarId: ID

    public init(
        policyId: ID,
        version: Int64,
        teamId: ID,
        criteria: SlaCriteria,
        targetStage: String,
        withinWorkingHours: Int64,
        excludedStages: [String],
        calendarId: ID
    ) {
        self.policyId = policyId
        self.version = version
        self.teamId = teamId
        self.criteria = criteria
        self.targetStage = targetStage
        self.withinWorkingHours = withinWorkingHours
        self.excludedStages = excludedStages
        self.calendarId = calendarId
    }

    public func indexEntries(in stream: StreamRef) -> [IndexEntry] {
        [.link(parent: .of(ServiceTeam.self, teamId), child: stream)]
    }
}

/// SVC-10. An SLA policy version applies to the ticket with this deadline (at open, on re-application, or when
/// the ticket leaves an excluded stage).
public struct SlaApplied: DomainEvent {
    public static let eventType = "SlaApplied"
    public let policyId: ID
    public let policyVersion: Int64
    public let deadline: Timestamp

    public init(policyId: ID, policyVersion: Int64, deadline: Timestamp) {
        self.policyId = policyId
        self.policyVersion = policyVersion
        self.deadline = deadline
    }
}

/// SVC-11. The ticket reached the policy's target stage at or before the deadline.
public struct SlaMet: DomainEvent {
    public static let eventType = "SlaMet"
    public let policyId: ID
    public let reachedAt: Timestamp

    public init(policyId: ID, reachedAt: Timestamp) {
        self.policyId = policyId
        self.reachedAt = reachedAt
    }
}

/// SVC-12. The deadline passed (as of `asOf`) before the target stage was reached. Terminal.
public struct SlaBreached: DomainEvent {
    public static let eventType = "SlaBreached"
    public let policyId: ID
    public let deadline: Timestamp
    public let asOf: Timestamp

    public init(policyId: ID, deadline: Timestamp, asOf: Timestamp) {
        self.policyId = policyId
        self.deadline = deadline
        self.asOf = asOf
    }
}

/// SVC-X3 (extension). The ticket entered an excluded stage: the SLA clock stops with this much working time
/// left (milliseconds of the policy's calendar).
public struct SlaPaused: DomainEvent {
    public static let eventType = "SlaPaused"
    public let policyId: ID
    public let stage: String
    public let remainingWorkingMilliseconds: Int64

    public init(policyId: ID, stage: String, remainingWorkingMilliseconds: Int64) {
        self.policyId = policyId
        self.stage = stage
        self.remainingWorkingMilliseconds = remainingWorkingMilliseconds
    }
}

/// One immutable version of an SLA policy.
public struct SlaPolicyVersion: Hashable, Sendable {
    public var version: Int64
    public var teamId: ID
    public var criteria: SlaCriteria
    public var targetStage: String
    public var withinWorkingHours: Int64
    public var excludedStages: [String]
    public var calendarId: ID

    public func isExcluded(_ stage: String?) -> Bool { stage.map(excludedStages.contains) ?? false }
}

/// An SLA policy with every version it had, folded from `slaPolicy-<policyId>`.
public struct SlaPolicy: Aggregate {
    public static let category = "slaPolicy"

    public var exists = false
    public var policyId: ID?
    public var versions: [Int64: SlaPolicyVersion] = [:]
    public var latestVersion: Int64 = 0

    public init() {}

    public var latest: SlaPolicyVersion? { versions[latestVersion] }

    public mutating func apply(_ event: any DomainEvent) {
        switch event {
        case let e as SlaPolicyDefined:
            exists = true
            policyId = e.policyId
            versions[e.version] = SlaPolicyVersion(
                version: e.version,
                teamId: e.teamId,
                criteria: e.criteria,
                targetStage: e.targetStage,
                withinWorkingHours: e.withinWorkingHours,
                excludedStages: e.excludedStages,
                calendarId: e.calendarId
            )
            latestVersion = max(latestVersion, e.version)
        default:
            break
        }
    }
}

/// SVC-09: define a new version of an SLA policy (the version number is the next one).
public struct DefineSlaPolicy: Command {
    /// Working hours are capped at ten years of round-the-clock time; beyond it no deadline is meaningful.
    public static let maxWithinWorkingHours: Int64 = 87_600

    public let policyId: ID
    public let teamId: ID
    public let criteria: SlaCriteria
    public let targetStage: String
    public let withinWorkingHours: Int64
    public let excludedStages: [String]
    public let calendarId: ID

    public init(
        policyId: ID,
        teamId: ID,
        criteria: SlaCriteria,
        targetStage: String,
        withinWorkingHours: Int64,
        excludedStages: [String] = [],
        calendarId: ID
    ) {
        self.policyId = policyId
        self.teamId = teamId
        self.criteria = criteria
        self.targetStage = targetStage
        self.withinWorkingHours = withinWorkingHours
        self.excludedStages = excludedStages
        self.calendarId = calendarId
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let existing = d.load(SlaPolicy.self, policyId)
        try d.authorize(existing == nil ? .create : .edit, on: .slaPolicy, rule: "SVC-09.perm")
        let team = try d.serviceTeam(teamId, rule: "SVC-09.teamRequired")
        guard withinWorkingHours > 0 else {
            throw .invalidInput(
                "SVC-09.withinPositive",
                field: "withinWorkingHours",
                "must be > 0, got \(withinWorkingHours)"
            )
        }
        guard withinWorkingHours <= Self.maxWithinWorkingHours else {
            throw .invalidInput(
                "SVC-09.withinPositive",
                field: "withinWorkingHours",
                "must be ≤ \(Self.maxWithinWorkingHours), got \(withinWorkingHours)"
            )
        }
        guard team.stageIndex(targetStage) != nil else {
            throw .invalidInput(
                "SVC-09.targetStage",
                field: "targetStage",
                "'\(targetStage)' is not a stage of team \(teamId) (stages: \(team.stages.joined(separator: ", ")))"
            )
        }
        guard targetStage != team.initialStage else {
            throw .invalidInput(
                "SVC-09.targetStage",
                field: "targetStage",
                "'\(targetStage)' is the stage every ticket of team \(teamId) starts in; target a later stage"
            )
        }
        for stage in excludedStages where team.stageIndex(stage) == nil || stage == targetStage {
            throw .invalidInput(
                "SVC-09.excludedStages",
                field: "excludedStages",
                "'\(stage)' must be a stage of team \(teamId) other than the target stage '\(targetStage)'"
            )
        }
        for customerId in criteria.customers where !(d.load(Customer.self, customerId)?.exists ?? false) {
            throw .notFound("SVC-09.criteriaCustomers", "customer", id: customerId)
        }
        _ = try d.workingCalendar(calendarId, rule: "SVC-09.calendarExists")
        d.emit(
            SlaPolicyDefined(
                policyId: policyId,
                version: (existing?.latestVersion ?? 0) + 1,
                teamId: teamId,
                criteria: criteria,
                targetStage: targetStage,
                withinWorkingHours: withinWorkingHours,
                excludedStages: excludedStages,
                calendarId: calendarId
            ),
            to: .of(SlaPolicy.self, policyId)
        )
    }
}
