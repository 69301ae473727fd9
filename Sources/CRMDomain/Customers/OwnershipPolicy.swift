// Ownership caps (POL-06, stream `ownershipPolicy-default`) and lead assignment capacity (POL-07, stream
// `assignmentPolicy-<teamId>`), plus the cap check every ownership change runs (CUS-01/07/09/10/13, WK `ownerNum` +
// `queryCustomerSettingNum`).

/// What an ownership limit caps (WK `type` 1 owned, 2 locked).
public enum OwnershipLimitKind: String, Codable, Hashable, Sendable, CaseIterable { case owned, locked }

/// Who an ownership limit applies to: listed users, and users in listed departments or their sub-departments.
public struct OwnershipLimitScope: Codable, Hashable, Sendable {
    public let userIds: [ID]
    public let deptIds: [ID]

    public init(userIds: [ID], deptIds: [ID]) {
        self.userIds = userIds
        self.deptIds = deptIds
    }

    public func matches(_ user: ID, in org: Organisation) -> Bool {
        if userIds.contains(user) { return true }
        guard let dept = org.users[user]?.departmentId else { return false }
        return deptIds.contains { org.isDepartment(dept, within: $0) }
    }
}

/// POL-06. An ownership limit was set (added or replaced). WukongCRM applies the first matching setting; here the
/// order is explicit: among the limits of one kind that match a user, the lowest `precedence` wins (`precedence` is
/// an addition to the catalogue payload, unique per kind).
public struct OwnershipLimitSet: DomainEvent {
    public static let eventType = "OwnershipLimitSet"
    public let limitId: ID
    public let scope: OwnershipLimitScope
    public let kind: OwnershipLimitKind
    public let max: Int64
    /// Whether dealt customers count toward an `owned` cap (WK `customerDeal`).
    public let countDealtCustomers: Bool
    public let precedence: Int64

    public init(
        limitId: ID,
        scope: OwnershipLimitScope,
        kind: OwnershipLimitKind,
        max: Int64,
        countDealtCustomers: Bool,
        precedence: Int64
    ) {
        self.limitId = limitId
        self.scope = scope
        self.kind = kind
        self.max = max
        self.countDealtCustomers = countDealtCustomers
        self.precedence = precedence
    }
}

/// The ownership limits of the tenant: stream `ownershipPolicy-default`.
public struct OwnershipPolicy: Aggregate {
    public static let category = "ownershipPolicy"
    public static let stream = StreamRef(category, "default")

    public var limits: [OwnershipLimitSet] = []

    public init() {}

    /// The limit of `kind` that applies to `user`: the matching one with the lowest precedence.
    public func limit(for user: ID, kind: OwnershipLimitKind, in org: Organisation) -> OwnershipLimitSet? {
        limits.filter { $0.kind == kind && $0.scope.matches(user, in: org) }
            .min { ($0.precedence, $0.limitId) < ($1.precedence, $1.limitId) }
    }

    public mutating func apply(_ event: any DomainEvent) {
        guard let e = event as? OwnershipLimitSet else { return }
        if let i = limits.firstIndex(where: { $0.limitId == e.limitId }) { limits[i] = e } else { limits.append(e) }
    }
}

/// POL-07. A user's lead assignment capacity in a team (Odoo `assignment_max`, `assignment_domain`,
/// `assignment_optout`). Teams are departments.
public struct AssignmentCapacitySet: DomainEvent {
    public static let eventType = "AssignmentCapacitySet"
    public let teamId: ID
    public let userId: ID
    /// Average leads per 30 days.
    public let maxPer30Days: Int64
    /// Only leads matching every criterion are assigned to the user; `nil` = any lead.
    public let filter: [FieldCriterion]?
    public let optOut: Bool

    public init(teamId: ID, userId: ID, maxPer30Days: Int64, filter: [FieldCriterion]?, optOut: Bool) {
        self.teamId = teamId
        self.userId = userId
        self.maxPer30Days = maxPer30Days
        self.filter = filter
        self.optOut = optOut
    }
}

/// The assignment capacities of one team: stream `assignmentPolicy-<teamId>`.
public struct AssignmentPolicy: Aggregate {
    public static let category = "assignmentPolicy"

    public var teamId: ID?
    /// Capacity per member.
    public var capacities: [ID: AssignmentCapacitySet] = [:]

    public init() {}

    /// The member's daily quota before counting today's assignments: `round(maxPer30Days / 30)` rounded half up
    /// (Odoo `assignment_max / 30`); 0 when opted out or without a capacity.
    public func dailyQuota(of user: ID) -> Int64 {
        guard let c = capacities[user], !c.optOut else { return 0 }
        return (c.maxPer30Days * 2 + 30) / 60
    }

    public mutating func apply(_ event: any DomainEvent) {
        guard let e = event as? AssignmentCapacitySet else { return }
        teamId = e.teamId
        capacities[e.userId] = e
    }
}

/// The ownership-cap check (§1.1 rule 1): the target's counted customers plus the incoming ones not already theirs
/// must stay ≤ the cap. Archived and merged-away customers never count; dealt ones count only when the limit says
/// so; the locked cap counts locked customers only. Counts run over the `owner-<userId>` index links.
public enum OwnershipCaps {
    /// The live customers `user` owns now (including those this decision changed), sorted by id.
    public static func ownedCustomers(of user: ID, in d: inout Decision) -> [Customer] {
        var result: [Customer] = []
        for stream in d.children(of: CustomerIndex.owner(user), category: Customer.category) {
            guard let c = d.load(Customer.self, stream: stream), c.isLive, c.ownerId == user else { continue }
            result.append(c)
        }
        return result
    }

    /// Throws `rule` when `user` taking `incoming` would exceed the owned cap that applies to them.
    public static func checkOwned(
        _ user: ID,
        taking incoming: [Customer],
        rule: String,
        in d: inout Decision
    ) throws(Rejection) {
        let policy = d.load(OwnershipPolicy.self, stream: OwnershipPolicy.stream) ?? OwnershipPolicy()
        guard let limit = policy.limit(for: user, kind: .owned, in: d.organisation) else { return }
        let counts = { (c: Customer) in limit.countDealtCustomers || !c.dealt }
        let owned = ownedCustomers(of: user, in: &d).filter(counts).count
        let adding = incoming.filter { $0.ownerId != user && counts($0) }.count
        guard Int64(owned + adding) > limit.max else { return }
        throw .violated(
            rule,
            "user \(user) owns \(owned) counted customers and would take \(adding) more, over the owned-customer "
                + "cap of "
                + "\(limit.max) (limit \(limit.limitId)); release customers to the pool or raise the limit",
            ["userId": user.description, "owned": "\(owned)", "incoming": "\(adding)", "max": "\(limit.max)"]
        )
    }

    /// Throws `rule` when `user` locking `adding` more customers would exceed the locked cap that applies to them.
    public static func checkLocked(_ user: ID, adding: Int, rule: String, in d: inout Decision) throws(Rejection) {
        let policy = d.load(OwnershipPolicy.self, stream: OwnershipPolicy.stream) ?? OwnershipPolicy()
        guard let limit = policy.limit(for: user, kind: .locked, in: d.organisation) else { return }
        let locked = ownedCustomers(of: user, in: &d).filter(\.locked).count
        guard Int64(locked + adding) > limit.max else { return }
        throw .violated(
            rule,
            "user \(user) has \(locked) locked customers, the locked-customer cap is \(limit.max) (limit "
                + "\(limit.limitId)); unlock one first or raise the limit",
            ["userId": user.description, "locked": "\(locked)", "max": "\(limit.max)"]
        )
    }
}
