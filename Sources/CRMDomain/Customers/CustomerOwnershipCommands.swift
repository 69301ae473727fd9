// Pool claim, assignment, return and auto-reclaim (CUS-09, CUS-10, CUS-11), §1.1 "Pool claim and distribute",
// "Return to pool" and "Auto-reclaim".
//
// Time: a claim, an assignment and a manual return happen at the command's time (`d.now`, the envelope's injected
// clock), which the event records as `at`; the daily claim quota counts claims per pool, per user and per UTC day
// of `at`. A client cannot back-date a claim into another day's quota. Auto-reclaim is time-driven and runs from the
// command's explicit `asOf` (pitfall §5.5); `d.now` only bounds it (`asOf` not in the future).

/// CUS-09: a pool member claims one or more customers from a pool (a batch counts per customer toward the quota).
public struct ClaimCustomerFromPool: Command {
    public let customerIds: [ID]
    public let poolId: ID
    public let userId: ID

    public init(customerIds: [ID], poolId: ID, userId: ID) {
        self.customerIds = customerIds
        self.poolId = poolId
        self.userId = userId
    }

    public init(customerId: ID, poolId: ID, userId: ID) {
        self.init(customerIds: [customerId], poolId: poolId, userId: userId)
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        try d.authorize(.claim, on: .customer, rule: "CUS-09.perm")
        guard CustomerLookup.actorIs(userId, d) else {
            throw .violated(
                "CUS-09.claimForSelf",
                "\(d.actor) cannot claim for user \(userId); members claim for themselves, admins distribute (CUS-10)",
                ["userId": userId.description]
            )
        }
        guard !customerIds.isEmpty else { throw .missing("CUS-09.customerIds", field: "customerIds") }
        guard Set(customerIds).count == customerIds.count else {
            throw .invalidInput("CUS-09.customerIds", field: "customerIds", "lists a customer twice: \(customerIds)")
        }
        guard let pool = d.load(Pool.self, poolId), pool.exists, pool.entityType == .customer else {
            throw .notFound("CUS-09.poolExists", "customer pool", id: poolId)
        }
        var customers: [Customer] = []
        for id in customerIds {
            let c = try CustomerLookup.live(id, "CUS-09.exists", in: &d)
            guard c.ownerId == nil, c.poolId == poolId else {
                throw .invalidState(
                    "CUS-09.inPool",
                    "customer \(id) is not in pool \(pool.name) "
                        + "(\(c.ownerId.map { "owned by \($0)" } ?? "in another pool"))",
                    ["customerId": id.description, "poolId": poolId.description]
                )
            }
            customers.append(c)
        }
        guard pool.active else {
            throw .invalidState(
                "CUS-09.poolActive",
                "pool \(pool.name) is deactivated; claims are stopped",
                ["poolId": poolId.description]
            )
        }
        let org = d.organisation
        guard org.isActiveUser(userId), pool.isMember(userId, in: org) else {
            throw .violated(
                "CUS-09.poolMember",
                "user \(userId) is not an active member of pool \(pool.name); ask a pool admin to add you or to "
                    + "distribute",
                ["userId": userId.description, "poolId": poolId.description]
            )
        }
        let day = d.now.date
        let claimsToday = PoolRules.claims(poolId: poolId, userId: userId, day: day, in: &d)
        if let limit = pool.dailyClaimLimit, claimsToday + Int64(customers.count) > limit {
            throw .violated(
                "CUS-09.dailyClaimLimit",
                "user \(userId) has claimed \(claimsToday) customers from pool \(pool.name) on \(day); claiming "
                    + "\(customers.count) more exceeds the daily limit of \(limit); claim again tomorrow",
                ["claimsToday": "\(claimsToday)", "requested": "\(customers.count)", "limit": "\(limit)"]
            )
        }
        if let cooldown = pool.preOwnerCooldownDays {
            for c in customers where c.preOwnerId == userId {
                let since = Int64((c.releasedAt ?? d.now).daysUntil(d.now))
                guard since > cooldown else {
                    throw .violated(
                        "CUS-09.formerOwnerCooldown",
                        "user \(userId) lost customer \(c.customerId?.description ?? "?") \(since) days ago; a former "
                            + "owner "
                            + "may claim it back only after \(cooldown) days",
                        ["daysSinceRelease": "\(since)", "cooldownDays": "\(cooldown)"]
                    )
                }
            }
        }
        try OwnershipCaps.checkOwned(userId, taking: customers, rule: "CUS-09.ownedCap", in: &d)
        for c in customers where c.effectiveList(on: day) == .black {
            throw .violated(
                "CUS-09.notBlacklisted",
                "customer \(c.customerId?.description ?? "?") is blacklisted (\(c.listReason ?? "no reason")); it "
                    + "cannot be "
                    + "claimed",
                ["customerId": c.customerId?.description ?? ""]
            )
        }
        for (i, id) in customerIds.enumerated() {
            d.emit(
                CustomerClaimedFromPool(
                    poolId: poolId,
                    userId: userId,
                    claimsTodayAfter: claimsToday + Int64(i) + 1,
                    at: d.now
                ),
                to: .of(Customer.self, id)
            )
        }
    }
}

/// CUS-10: give an unowned customer to an owner: out of its pool (a pool admin distributes), or, when it is in no
/// pool, by anyone allowed to distribute customers.
public struct AssignCustomer: Command {
    public let customerId: ID
    public let toOwnerId: ID
    public let cause: CustomerAssignmentCause

    public init(customerId: ID, toOwnerId: ID, cause: CustomerAssignmentCause = .distribute) {
        self.customerId = customerId
        self.toOwnerId = toOwnerId
        self.cause = cause
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let c = try CustomerLookup.live(customerId, "CUS-10.exists", in: &d)
        if let owner = c.ownerId {
            throw .invalidState(
                "CUS-10.unowned",
                "customer \(customerId) is owned by \(owner); move it with a transfer (CUS-12) instead",
                ["customerId": customerId.description, "ownerId": owner.description]
            )
        }
        if let poolId = c.poolId {
            let pool = d.load(Pool.self, poolId)
            if !d.actor.isSystem {
                guard let uid = d.actor.userId, pool?.isAdmin(uid) == true else {
                    throw .accessDenied(
                        "CUS-10.poolAdmin",
                        actor: d.actor,
                        action: .distribute,
                        object: .customer,
                        reason: "only an admin of pool \(pool?.name ?? poolId.description) may distribute its customers"
                    )
                }
            }
        } else {
            try d.authorize(.distribute, on: .customer, rule: "CUS-10.perm")
        }
        guard d.organisation.isActiveUser(toOwnerId) else {
            throw .notFound("CUS-10.assigneeActive", "user", id: toOwnerId)
        }
        try OwnershipCaps.checkOwned(toOwnerId, taking: [c], rule: "CUS-10.ownedCap", in: &d)
        d.emit(
            CustomerAssigned(fromPoolId: c.poolId, toOwnerId: toOwnerId, cause: cause, at: d.now),
            to: .of(Customer.self, customerId)
        )
    }
}

/// CUS-11 (manual): the owner, or a user allowed to put customers into pools, returns an owned customer to a pool.
public struct ReturnCustomerToPool: Command {
    public let customerId: ID
    public let poolId: ID
    public let reason: String

    public init(customerId: ID, poolId: ID, reason: String) {
        self.customerId = customerId
        self.poolId = poolId
        self.reason = reason
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let c = try CustomerLookup.live(customerId, "CUS-11.exists", in: &d)
        let stream = StreamRef.of(Customer.self, customerId)
        guard let owner = c.ownerId else {
            throw .invalidState(
                "CUS-11.owned",
                "customer \(customerId) is not owned; it is already in a pool",
                ["customerId": customerId.description]
            )
        }
        if !CustomerLookup.actorIs(owner, d) {
            try d.authorize(.putIntoPool, on: .customer, owner: owner, record: stream, rule: "CUS-11.perm")
        }
        try Rejection.require(reason, "CUS-11.reason", field: "reason")
        guard let pool = d.load(Pool.self, poolId), pool.exists, pool.entityType == .customer else {
            throw .notFound("CUS-11.poolExists", "customer pool", id: poolId)
        }
        try CustomerTransferGuard.noPendingTransfer(c, rule: "CUS-11.noPendingTransfer")
        d.emit(
            CustomerReturnedToPool(
                poolId: poolId,
                previousOwnerId: owner,
                cause: .manual(reason),
                asOf: nil,
                at: d.now
            ),
            to: stream
        )
    }
}

/// CUS-11 (autoReclaim): the scheduler returns a customer to a pool because a reclaim rule holds as of `asOf`.
public struct ReclaimCustomer: Command {
    public let customerId: ID
    public let poolId: ID
    public let ruleId: ID
    public let asOf: Timestamp

    public init(customerId: ID, poolId: ID, ruleId: ID, asOf: Timestamp) {
        self.customerId = customerId
        self.poolId = poolId
        self.ruleId = ruleId
        self.asOf = asOf
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        try d.authorize(.putIntoPool, on: .customer, rule: "CUS-11.perm")
        try Rejection.notInFuture(asOf, now: d.now, "CUS-11.asOf", field: "asOf")
        let c = try CustomerLookup.live(customerId, "CUS-11.exists", in: &d)
        guard let owner = c.ownerId, let facts = ReclaimFacts.load(customerId, in: &d) else {
            throw .invalidState(
                "CUS-11.owned",
                "customer \(customerId) is not owned; it is already in a pool",
                ["customerId": customerId.description]
            )
        }
        guard let pool = d.load(Pool.self, poolId), pool.exists, pool.entityType == .customer else {
            throw .notFound("CUS-11.poolExists", "customer pool", id: poolId)
        }
        guard pool.active, pool.autoReclaim else {
            throw .invalidState(
                "CUS-11.autoReclaimOn",
                "pool \(pool.name) is \(pool.active ? "not set to reclaim automatically" : "deactivated"); nothing "
                    + "is reclaimed",
                ["poolId": poolId.description]
            )
        }
        guard let rule = pool.rule(ruleId) else { throw .notFound("CUS-11.ruleExists", "reclaim rule", id: ruleId) }
        guard pool.isMember(owner, in: d.organisation) else {
            throw .violated(
                "CUS-11.ownerIsMember",
                "owner \(owner) of customer \(customerId) is not a member of pool \(pool.name); its rules do not apply",
                ["ownerId": owner.description, "poolId": poolId.description]
            )
        }
        guard !c.locked else {
            throw .invalidState(
                "CUS-11.notLocked",
                "customer \(customerId) is locked; locked customers are never reclaimed",
                ["customerId": customerId.description]
            )
        }
        let evaluation: ReclaimEvaluation
        switch PoolReclaimPlanner.evaluate(rule, facts, asOf: asOf) {
        case .failure(let excluded):
            throw .violated(
                "CUS-11.ruleCondition",
                "rule \(ruleId) (\(rule.ruleType.rawValue)) does not apply to customer \(customerId): "
                    + excludedText(excluded.reason, level: c.level),
                ["ruleId": ruleId.description, "excluded": excluded.reason.rawValue]
            )
        case .success(let e):
            evaluation = e
        }
        guard evaluation.isDue else {
            throw .violated(
                "CUS-11.ruleCondition",
                "rule \(ruleId) (\(rule.ruleType.rawValue), \(evaluation.limitDay) days) does not hold for customer "
                    + "\(customerId) as of \(asOf): \(evaluation.daysSince) days counted"
                    + (evaluation.conditionHolds ? "" : ", and \(conditionText(rule.ruleType))"),
                [
                    "ruleId": ruleId.description, "daysSince": "\(evaluation.daysSince)",
                    "limitDay": "\(evaluation.limitDay)",
                ]
            )
        }
        try CustomerTransferGuard.noPendingTransfer(c, rule: "CUS-11.noPendingTransfer")
        d.emit(
            CustomerReturnedToPool(
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
            to: .of(Customer.self, customerId)
        )
    }

    private func excludedText(_ reason: ReclaimExclusion, level: String) -> String {
        switch reason {
        case .locked: "the customer is locked"
        case .dealt: "the customer is dealt and the rule excludes dealt customers"
        case .hasOpportunities: "the customer has opportunities and the rule excludes such customers"
        case .noDaysForLevel: "the rule has no days for level '\(level)'"
        }
    }

    private func conditionText(_ type: ReclaimRuleType) -> String {
        switch type {
        case .noFollowUp: "the customer was followed up"
        case .noOpportunity: "the customer has an opportunity"
        case .noDeal: "the customer is dealt"
        }
    }
}

/// Shared guard: an ownership change while a transfer is pending would strand the transfer request.
enum CustomerTransferGuard {
    static func noPendingTransfer(_ c: Customer, rule: String) throws(Rejection) {
        guard let pending = c.pendingTransfer else { return }
        throw .invalidState(
            rule,
            "customer \(c.customerId?.description ?? "?") has pending transfer request \(pending.requestId) to "
                + "\(pending.toOwnerId); withdraw or decide it first",
            ["requestId": pending.requestId.description]
        )
    }
}
