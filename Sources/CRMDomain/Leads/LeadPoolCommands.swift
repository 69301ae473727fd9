// Lead pools (线索池): claim (LED-05), manual return and auto-reclaim (LED-06), with the same rules as the customer
// pool (CUS-09, CUS-11) on pools of `entityType` lead.
//
// Time: a claim and a manual return happen at the command's time (`d.now`), recorded as `at`; the daily claim
// quota counts claims per pool, per user and per UTC day of `at` (the `poolClaims` index shared with customers).
// Auto-reclaim is time-driven and runs from the command's explicit `asOf` (pitfall §5.5). Days are whole UTC
// calendar days, as for customers:
// - noFollowUp: since max(last follow-up on the lead, receivedAt);
// - noOpportunity and noDeal: since receivedAt. A lead gets an opportunity or a deal only by being converted, and
//   a converted lead is never reclaimed, so for an owned lead both conditions always hold.
// Per-level days (`perLevel`) are looked up by the lead's grade.

/// LED-05: a pool member claims a lead from a lead pool.
public struct ClaimLeadFromPool: Command {
    public let leadId: ID
    public let poolId: ID
    public let userId: ID

    public init(leadId: ID, poolId: ID, userId: ID) {
        self.leadId = leadId
        self.poolId = poolId
        self.userId = userId
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        try d.authorize(.claim, on: .lead, rule: "LED-05.perm")
        guard d.actor.isSystem || d.actor.userId == userId else {
            throw .violated(
                "LED-05.claimForSelf",
                "\(d.actor) cannot claim for user \(userId); members claim for themselves, pool admins distribute (LED-04)",
                ["userId": userId.description]
            )
        }
        guard let lead = d.load(Lead.self, leadId), lead.exists else {
            throw .notFound("LED-05.leadExists", "lead", id: leadId)
        }
        guard let pool = d.load(Pool.self, poolId), pool.exists, pool.entityType == .lead else {
            throw .notFound("LED-05.poolExists", "lead pool", id: poolId)
        }
        guard lead.ownerId == nil, lead.poolId == poolId, lead.isLive else {
            throw .invalidState(
                "LED-05.inPool",
                "lead \(leadId) is not in pool '\(pool.name)' ("
                    + (lead.ownerId.map { "owned by \($0)" } ?? lead.poolId.map { "in pool \($0)" } ?? "in no pool")
                    + ")",
                ["leadId": leadId.description, "poolId": poolId.description]
            )
        }
        guard pool.active else {
            throw .invalidState(
                "LED-05.poolActive",
                "pool '\(pool.name)' is deactivated; claims are stopped",
                ["poolId": poolId.description]
            )
        }
        let org = d.organisation
        guard org.isActiveUser(userId), pool.isMember(userId, in: org) else {
            throw .violated(
                "LED-05.poolMember",
                "user \(userId) is not an active member of pool '\(pool.name)'; ask a pool admin to add you or to "
                    + "distribute the lead",
                ["userId": userId.description, "poolId": poolId.description]
            )
        }
        let day = d.now.date
        let claimsToday = PoolRules.claims(poolId: poolId, userId: userId, day: day, in: &d)
        if let limit = pool.dailyClaimLimit, claimsToday + 1 > limit {
            throw .violated(
                "LED-05.dailyClaimLimit",
                "user \(userId) has claimed \(claimsToday) leads from pool '\(pool.name)' on \(day), the daily limit is "
                    + "\(limit); claim again tomorrow",
                ["claimsToday": "\(claimsToday)", "limit": "\(limit)"]
            )
        }
        if let cooldown = pool.preOwnerCooldownDays, lead.preOwnerId == userId {
            let since = Int64((lead.releasedAt ?? d.now).daysUntil(d.now))
            guard since > cooldown else {
                throw .violated(
                    "LED-05.formerOwnerCooldown",
                    "user \(userId) lost lead \(leadId) \(since) days ago; a former owner may claim it back only after "
                        + "\(cooldown) days",
                    ["daysSinceRelease": "\(since)", "cooldownDays": "\(cooldown)"]
                )
            }
        }
        d.emit(
            LeadClaimedFromPool(poolId: poolId, userId: userId, claimsTodayAfter: claimsToday + 1, at: d.now),
            to: .of(Lead.self, leadId)
        )
    }
}

/// LED-06 (manual): the owner, or a user allowed to put leads into pools, returns an owned lead to a lead pool.
public struct ReturnLeadToPool: Command {
    public let leadId: ID
    public let poolId: ID
    public let reason: String

    public init(leadId: ID, poolId: ID, reason: String) {
        self.leadId = leadId
        self.poolId = poolId
        self.reason = reason
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        guard let lead = d.load(Lead.self, leadId), lead.exists else {
            throw .notFound("LED-06.leadExists", "lead", id: leadId)
        }
        let stream = StreamRef.of(Lead.self, leadId)
        let owner = try LeadReclaim.ownedLive(lead, leadId)
        if !d.actorOwns(owner) {
            try d.authorize(.putIntoPool, on: .lead, owner: owner, record: stream, rule: "LED-06.perm")
        }
        try Rejection.require(reason, "LED-06.reason", field: "reason")
        _ = try LeadPools.load(poolId, rule: "LED-06.pool", in: &d)
        d.emit(
            LeadReturnedToPool(poolId: poolId, previousOwnerId: owner, cause: .manual(reason), asOf: nil, at: d.now),
            to: stream
        )
    }
}

/// LED-06 (autoReclaim): the scheduler returns a lead to a pool because a reclaim rule of the pool holds as of
/// `asOf`.
public struct ReclaimLead: Command {
    public let leadId: ID
    public let poolId: ID
    public let ruleId: ID
    public let asOf: Timestamp

    public init(leadId: ID, poolId: ID, ruleId: ID, asOf: Timestamp) {
        self.leadId = leadId
        self.poolId = poolId
        self.ruleId = ruleId
        self.asOf = asOf
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        try Rejection.notInFuture(asOf, now: d.now, "LED-06.asOf", field: "asOf")
        guard let lead = d.load(Lead.self, leadId), lead.exists else {
            throw .notFound("LED-06.leadExists", "lead", id: leadId)
        }
        let owner = try LeadReclaim.ownedLive(lead, leadId)
        try d.authorize(.putIntoPool, on: .lead, owner: owner, record: .of(Lead.self, leadId), rule: "LED-06.perm")
        let pool = try LeadPools.load(poolId, rule: "LED-06.pool", in: &d)
        guard pool.autoReclaim else {
            throw .invalidState(
                "LED-06.autoReclaimOn",
                "pool '\(pool.name)' does not reclaim automatically; return the lead manually",
                ["poolId": poolId.description]
            )
        }
        guard let rule = pool.rule(ruleId) else { throw .notFound("LED-06.ruleExists", "reclaim rule", id: ruleId) }
        guard pool.isMember(owner, in: d.organisation) else {
            throw .violated(
                "LED-06.ownerIsMember",
                "owner \(owner) of lead \(leadId) is not a member of pool '\(pool.name)'; its rules do not apply",
                ["ownerId": owner.description, "poolId": poolId.description]
            )
        }
        let lastFollowUp = Activity.latestFollowUp(of: .lead(leadId), in: &d)
        guard let evaluation = LeadReclaim.evaluate(rule, lead, lastFollowUp: lastFollowUp, asOf: asOf) else {
            throw .violated(
                "LED-06.ruleCondition",
                "rule \(ruleId) has no days for grade '\(lead.grade ?? "")' of lead \(leadId); give it default days",
                ["ruleId": ruleId.description, "grade": lead.grade ?? ""]
            )
        }
        guard evaluation.isDue else {
            throw .violated(
                "LED-06.ruleCondition",
                "rule \(ruleId) (\(rule.ruleType.rawValue), \(evaluation.limitDay) days) does not hold for lead \(leadId) "
                    + "as of \(asOf): \(evaluation.daysSince) days counted, more than \(evaluation.limitDay) needed",
                [
                    "ruleId": ruleId.description, "daysSince": "\(evaluation.daysSince)",
                    "limitDay": "\(evaluation.limitDay)",
                ]
            )
        }
        d.emit(
            LeadReturnedToPool(
                poolId: poolId,
                previousOwnerId: owner,
                cause: .autoReclaim(
                    ruleId: ruleId,
                    ruleType: rule.ruleType,
                    limitDay: evaluation.limitDay,
                    daysSince: evaluation.daysSince
                ),
                asOf: asOf,
                at: asOf
            ),
            to: .of(Lead.self, leadId)
        )
    }
}

/// Lead reclaim as pure functions, shared by ``ReclaimLead`` and the scheduler's ``plan(poolId:asOf:context:)``.
public enum LeadReclaim {
    /// The owner of a lead that is owned and not converted, else the LED-06 rejection.
    static func ownedLive(_ lead: Lead, _ leadId: ID) throws(Rejection) -> ID {
        guard !lead.isConverted else {
            throw .invalidState("LED-06.notConverted", "lead \(leadId) is converted; it never returns to a pool")
        }
        guard let owner = lead.ownerId else {
            throw .invalidState(
                "LED-06.owned",
                "lead \(leadId) is not owned; it is "
                    + (lead.poolId.map { "already in pool \($0)" } ?? "waiting for assignment"),
                ["leadId": leadId.description]
            )
        }
        return owner
    }

    /// `rule` measured against an owned lead as of `asOf`; `nil` when the rule has no days for the lead's grade.
    public static func evaluate(_ rule: PoolReclaimRule, _ lead: Lead, lastFollowUp: Timestamp?, asOf: Timestamp)
        -> ReclaimEvaluation?
    {
        guard let limit = rule.limitDays(forLevel: lead.grade ?? "") else { return nil }
        let received = lead.receivedAt ?? asOf
        let start = rule.ruleType == .noFollowUp ? max(lastFollowUp ?? received, received) : received
        return ReclaimEvaluation(
            ruleId: rule.ruleId,
            ruleType: rule.ruleType,
            limitDay: limit,
            daysSince: Int64(start.daysUntil(asOf)),
            conditionHolds: !lead.isConverted
        )
    }

    /// The scheduler's reclaim run for one lead pool (§2.11 `poolReclaim(asOf)`): for an active pool with
    /// autoReclaim, every live lead owned by an active member that some rule makes due, with the first such rule
    /// (in the pool's rule order). Sorted by lead id; each command re-checks everything when it runs.
    public static func plan(poolId: ID, asOf: Timestamp, context: any DecisionContext) -> [ReclaimLead] {
        let pool = Pool.fold(context.events(of: .of(Pool.self, poolId)).events)
        guard pool.exists, pool.entityType == .lead, pool.active, pool.autoReclaim, !pool.rules.isEmpty else {
            return []
        }
        var commands: [ReclaimLead] = []
        var planning = Decision(
            actor: .system(job: "leadReclaimPlan"),
            now: asOf,
            context: context,
            ids: .incrementing()
        )
        for member in pool.memberUsers(in: context.organisation) {
            for stream in planning.children(of: LeadIndex.owner(member), category: Lead.category) {
                guard let lead = planning.load(Lead.self, stream: stream), lead.isLive, lead.ownerId == member,
                    let leadId = stream.id
                else { continue }
                let lastFollowUp = Activity.latestFollowUp(of: .lead(leadId), in: &planning)
                let due = pool.rules.first { rule in
                    LeadReclaim.evaluate(rule, lead, lastFollowUp: lastFollowUp, asOf: asOf)?.isDue == true
                }
                if let due {
                    commands.append(ReclaimLead(leadId: leadId, poolId: poolId, ruleId: due.ruleId, asOf: asOf))
                }
            }
        }
        return commands.sorted { $0.leadId < $1.leadId }
    }
}
