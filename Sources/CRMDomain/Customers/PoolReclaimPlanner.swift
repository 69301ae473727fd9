// Auto-reclaim (§1.1 "Auto-reclaim", WK `putInInternational` + mapper SQL) as pure functions over explicit facts and
// an explicit `asOf` (pitfall §5.5): the `ReclaimCustomer` command (CUS-11 autoReclaim) and the scheduler's planner
// use the same evaluation, so what the planner lists is exactly what the command accepts.
//
// Days are whole UTC calendar days (`to_days(asOf) − to_days(start)`, as WK's `to_days(now())`):
// - noFollowUp: since max(lastFollowUpAt, receivedAt); due when daysSince > limitDay;
// - noOpportunity: since receivedAt; due when daysSince > limitDay and the customer has no opportunity (open, won
//   or lost count as existing; voided and archived ones do not);
// - noDeal: since receivedAt; due when daysSince > limitDay and the customer is not dealt.
// Exclusions: locked customers never; dealt customers unless `includeDealt`; customers with an opportunity unless
// `includeWithOpportunities`; levels the rule has no days for. Warning window (WK to-do "about to enter the pool"):
// limitDay − remindDaysBefore ≤ daysSince ≤ limitDay, with the rule's other condition holding.

/// The facts about one owned customer that reclaim rules read.
public struct ReclaimFacts: Hashable, Sendable {
    public var customerId: ID
    public var ownerId: ID
    public var level: String
    public var locked: Bool
    public var dealt: Bool
    public var receivedAt: Timestamp
    public var lastFollowUpAt: Timestamp?
    /// Opportunities that count as existing (open, won, lost).
    public var opportunityCount: Int
    public var hasPendingTransfer: Bool

    public init(
        customerId: ID,
        ownerId: ID,
        level: String,
        locked: Bool,
        dealt: Bool,
        receivedAt: Timestamp,
        lastFollowUpAt: Timestamp?,
        opportunityCount: Int,
        hasPendingTransfer: Bool = false
    ) {
        self.customerId = customerId
        self.ownerId = ownerId
        self.level = level
        self.locked = locked
        self.dealt = dealt
        self.receivedAt = receivedAt
        self.lastFollowUpAt = lastFollowUpAt
        self.opportunityCount = opportunityCount
        self.hasPendingTransfer = hasPendingTransfer
    }

    /// The facts of an owned, live customer as seen by decision `d`: its state, follow-ups on linked activity
    /// streams and its opportunities. `nil` when the customer is not live or not owned.
    public static func load(_ customerId: ID, in d: inout Decision) -> ReclaimFacts? {
        guard let c = d.load(Customer.self, customerId), c.isLive, let owner = c.ownerId else { return nil }
        var lastFollowUp = c.lastFollowUpAt
        if let linked = CustomerFollowUps.latest(for: customerId, in: &d) {
            lastFollowUp = max(lastFollowUp ?? linked, linked)
        }
        var opportunities = 0
        for stream in d.children(of: .of(Customer.self, customerId), category: Opportunity.category) {
            guard let o = d.load(Opportunity.self, stream: stream), o.exists else { continue }
            if [.open, .won, .lost].contains(o.status) { opportunities += 1 }
        }
        return ReclaimFacts(
            customerId: customerId,
            ownerId: owner,
            level: c.level,
            locked: c.locked,
            dealt: c.dealt,
            receivedAt: c.receivedAt ?? Timestamp(millisecondsSinceEpoch: 0),
            lastFollowUpAt: lastFollowUp,
            opportunityCount: opportunities,
            hasPendingTransfer: c.pendingTransfer != nil
        )
    }
}

/// Why a rule does not apply to a customer at all.
public enum ReclaimExclusion: String, Hashable, Sendable, CaseIterable {
    case locked, dealt, hasOpportunities, noDaysForLevel
}

/// One rule measured against one customer as of a time.
public struct ReclaimEvaluation: Hashable, Sendable {
    public let ruleId: ID
    public let ruleType: ReclaimRuleType
    public let limitDay: Int64
    public let daysSince: Int64
    /// The rule's condition other than days (no opportunity / not dealt; always true for noFollowUp).
    public let conditionHolds: Bool

    /// Reclaim is due: the condition holds and more than `limitDay` days have passed.
    public var isDue: Bool { conditionHolds && daysSince > limitDay }
    /// `limitDay − daysSince` (WK `poolDay`): days left before the customer becomes due on the next day.
    public var daysLeft: Int64 { limitDay - daysSince }

    /// True inside the warning window `limitDay − remindDaysBefore ≤ daysSince ≤ limitDay`.
    public func isWarning(remindDaysBefore: Int64?) -> Bool {
        guard let remind = remindDaysBefore, conditionHolds else { return false }
        return daysSince >= limitDay - remind && daysSince <= limitDay
    }
}

/// A customer due for reclaim by a rule.
public struct DueReclaim: Hashable, Sendable {
    public let customerId: ID
    public let ownerId: ID
    public let evaluation: ReclaimEvaluation
}

/// A customer inside a rule's warning window (input for SVC-18 reminders).
public struct ReclaimWarning: Hashable, Sendable {
    public let customerId: ID
    public let ownerId: ID
    public let evaluation: ReclaimEvaluation
    /// The day the customer becomes due: the receive / activity day + limitDay + 1.
    public let dueOn: LocalDate
}

/// What a reclaim run of one pool should do as of a time.
public struct PoolReclaimPlan: Hashable, Sendable {
    public let poolId: ID
    public let asOf: Timestamp
    /// Customers to return with `ReclaimCustomer`, sorted by customer id.
    public let due: [DueReclaim]
    /// Customers to warn, sorted by customer id.
    public let warnings: [ReclaimWarning]
}

public enum PoolReclaimPlanner {
    /// Measures `rule` against `facts` as of `asOf`; `.failure` names why the rule does not apply.
    public static func evaluate(_ rule: PoolReclaimRule, _ facts: ReclaimFacts, asOf: Timestamp)
        -> Result<ReclaimEvaluation, ReclaimExclusionError>
    {
        if facts.locked { return .failure(ReclaimExclusionError(.locked)) }
        if facts.dealt && !rule.includeDealt { return .failure(ReclaimExclusionError(.dealt)) }
        if facts.opportunityCount > 0 && !rule.includeWithOpportunities {
            return .failure(ReclaimExclusionError(.hasOpportunities))
        }
        guard let limit = rule.limitDays(forLevel: facts.level) else {
            return .failure(ReclaimExclusionError(.noDaysForLevel))
        }
        let start: Timestamp
        let holds: Bool
        switch rule.ruleType {
        case .noFollowUp:
            start = max(facts.lastFollowUpAt ?? facts.receivedAt, facts.receivedAt)
            holds = true
        case .noOpportunity:
            start = facts.receivedAt
            holds = facts.opportunityCount == 0
        case .noDeal:
            start = facts.receivedAt
            holds = !facts.dealt
        }
        return .success(
            ReclaimEvaluation(
                ruleId: rule.ruleId,
                ruleType: rule.ruleType,
                limitDay: limit,
                daysSince: Int64(start.daysUntil(asOf)),
                conditionHolds: holds
            )
        )
    }

    /// The plan for `pool` over `customers` (the owned customers of its members) as of `asOf`. An inactive pool or
    /// one without auto-reclaim plans nothing. A due customer is reclaimed by the first due rule in the pool's
    /// order; customers with a pending transfer are not reclaimed. A customer not due is warned by the rule with
    /// the fewest days left among those whose window it is in.
    public static func plan(
        pool: Pool,
        customers: [ReclaimFacts],
        asOf: Timestamp,
        organisation: Organisation
    ) -> PoolReclaimPlan {
        let poolId = pool.poolId ?? ID(0)
        guard pool.exists, pool.active, pool.autoReclaim, pool.entityType == .customer else {
            return PoolReclaimPlan(poolId: poolId, asOf: asOf, due: [], warnings: [])
        }
        var due: [DueReclaim] = []
        var warnings: [ReclaimWarning] = []
        for facts in customers.sorted(by: { $0.customerId < $1.customerId })
        where pool.isMember(facts.ownerId, in: organisation) {
            let evaluations = pool.rules.compactMap { try? evaluate($0, facts, asOf: asOf).get() }
            if let first = evaluations.first(where: \.isDue) {
                if !facts.hasPendingTransfer {
                    due.append(DueReclaim(customerId: facts.customerId, ownerId: facts.ownerId, evaluation: first))
                }
                continue
            }
            let warned = evaluations.filter { $0.isWarning(remindDaysBefore: pool.remindDaysBefore) }
            if let soonest = warned.min(by: { ($0.daysLeft, $0.ruleId) < ($1.daysLeft, $1.ruleId) }) {
                warnings.append(
                    ReclaimWarning(
                        customerId: facts.customerId,
                        ownerId: facts.ownerId,
                        evaluation: soonest,
                        dueOn: asOf.date.adding(days: Int(soonest.daysLeft) + 1)
                    )
                )
            }
        }
        return PoolReclaimPlan(poolId: poolId, asOf: asOf, due: due, warnings: warnings)
    }

    /// The plan for pool `poolId` read from `context`: the live customers owned by the pool's active members
    /// (through the `owner-<userId>` index), with their follow-ups and opportunities.
    public static func plan(poolId: ID, asOf: Timestamp, context: any DecisionContext) -> PoolReclaimPlan {
        var d = Decision(
            actor: .system(job: "poolReclaimPlanner"),
            now: asOf,
            context: context,
            ids: .incrementing()
        )
        guard let pool = d.load(Pool.self, poolId) else {
            return PoolReclaimPlan(poolId: poolId, asOf: asOf, due: [], warnings: [])
        }
        let org = d.organisation
        var facts: [ReclaimFacts] = []
        for user in pool.memberUsers(in: org) {
            for stream in d.children(of: CustomerIndex.owner(user), category: Customer.category) {
                guard let id = stream.id, let f = ReclaimFacts.load(id, in: &d), f.ownerId == user else { continue }
                facts.append(f)
            }
        }
        return plan(pool: pool, customers: facts, asOf: asOf, organisation: org)
    }
}

/// A rule does not apply to a customer (see ``ReclaimExclusion``).
public struct ReclaimExclusionError: Error, Hashable, Sendable {
    public let reason: ReclaimExclusion

    public init(_ reason: ReclaimExclusion) { self.reason = reason }
}
