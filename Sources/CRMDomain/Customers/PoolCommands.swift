// Commands of catalogue §2.2 "Pool and ownership policy" (POL-01..POL-07). Pools and policies (ownership limits,
// assignment capacity, customer scales) are administered with the `create` / `edit` permissions on pools.

/// Shared checks of pool settings.
enum PoolRules {
    /// How many records (customers or leads) `userId` has claimed from pool `poolId` on `day`.
    static func claims(poolId: ID, userId: ID, day: LocalDate, in d: inout Decision) -> Int64 {
        Int64(
            d.children(of: CustomerIndex.poolClaims(poolId: poolId, userId: userId, day: day), category: "poolClaim")
                .count
        )
    }

    static func nonNegative(_ value: Int64?, _ field: String, rule: String) throws(Rejection) {
        if let value, value < 0 {
            throw .violated(rule, "\(field) must be ≥ 0, got \(value)", [field: "\(value)"])
        }
    }

    static func usersExist(_ ids: [ID], field: String, rule: String, in org: Organisation) throws(Rejection) {
        for id in ids where !org.isActiveUser(id) {
            throw .invalidInput(rule, field: field, "user \(id) is not an active user")
        }
        guard Set(ids).count == ids.count else { throw .invalidInput(rule, field: field, "lists a user twice") }
    }

    static func departmentsExist(_ ids: [ID], field: String, rule: String, in org: Organisation) throws(Rejection) {
        for id in ids where org.departments[id] == nil {
            throw .invalidInput(rule, field: field, "department \(id) does not exist")
        }
        guard Set(ids).count == ids.count else { throw .invalidInput(rule, field: field, "lists a department twice") }
    }

    /// POL-04's invariant: every reclaim day count of `rules` is > `remindDaysBefore`.
    static func daysAfterReminder(_ rules: [PoolReclaimRule], remind: Int64?, rule: String) throws(Rejection) {
        let remind = remind ?? 0
        for r in rules {
            for days in r.allDays where days <= remind {
                throw .violated(
                    rule,
                    "reclaim rule \(r.ruleId) uses \(days) days, not more than the \(remind) reminder days before a "
                        + "reclaim; use more days or warn earlier",
                    ["ruleId": r.ruleId.description, "days": "\(days)", "remindDaysBefore": "\(remind)"]
                )
            }
        }
    }

    static func pool(_ poolId: ID, row: String, in d: inout Decision) throws(Rejection) -> Pool {
        guard let pool = d.load(Pool.self, poolId), pool.exists else {
            throw .notFound("\(row).poolExists", "pool", id: poolId)
        }
        return pool
    }
}

/// POL-01: define a pool of customers or leads.
public struct DefinePool: Command {
    public let poolId: ID
    public let name: String
    public let entityType: PoolEntityType
    public let adminIds: [ID]
    public let memberUserIds: [ID]
    public let memberDeptIds: [ID]
    public let claim: PoolClaimSettings
    public let remindDaysBefore: Int64?
    public let autoReclaim: Bool

    public init(
        poolId: ID,
        name: String,
        entityType: PoolEntityType = .customer,
        adminIds: [ID],
        memberUserIds: [ID] = [],
        memberDeptIds: [ID] = [],
        claim: PoolClaimSettings = .unlimited,
        remindDaysBefore: Int64? = nil,
        autoReclaim: Bool = false
    ) {
        self.poolId = poolId
        self.name = name
        self.entityType = entityType
        self.adminIds = adminIds
        self.memberUserIds = memberUserIds
        self.memberDeptIds = memberDeptIds
        self.claim = claim
        self.remindDaysBefore = remindDaysBefore
        self.autoReclaim = autoReclaim
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let row = "POL-01"
        try d.authorize(.create, on: .pool, rule: "\(row).perm")
        try Rejection.require(name, "\(row).name", field: "name")
        guard d.load(Pool.self, poolId) == nil else { throw .alreadyExists("\(row).poolIdUnique", "pool", poolId) }
        if let holder = d.lookup(Pool.nameKey(name)) {
            throw Rejection(
                kind: .alreadyExists,
                rule: "\(row).nameUnique",
                message: "pool name '\(name)' is already used by \(holder); choose another name",
                values: ["name": name, "holder": holder.name]
            )
        }
        try Rejection.ensure(
            !adminIds.isEmpty,
            "\(row).atLeastOneAdmin",
            "a pool needs at least one admin",
            ["poolId": poolId.description]
        )
        try PoolRules.nonNegative(claim.preOwnerCooldownDays, "preOwnerCooldownDays", rule: "\(row).limitsNonNegative")
        try PoolRules.nonNegative(claim.dailyClaimLimit, "dailyClaimLimit", rule: "\(row).limitsNonNegative")
        try PoolRules.nonNegative(remindDaysBefore, "remindDaysBefore", rule: "\(row).limitsNonNegative")
        let org = d.organisation
        try PoolRules.usersExist(adminIds, field: "adminIds", rule: "\(row).adminIds", in: org)
        try PoolRules.usersExist(memberUserIds, field: "memberUserIds", rule: "\(row).memberUserIds", in: org)
        try PoolRules.departmentsExist(memberDeptIds, field: "memberDeptIds", rule: "\(row).memberDeptIds", in: org)
        d.emit(
            PoolDefined(
                poolId: poolId,
                name: name.trimmingWhitespace(),
                entityType: entityType,
                adminIds: adminIds,
                memberUserIds: memberUserIds,
                memberDeptIds: memberDeptIds,
                claim: claim,
                remindDaysBefore: remindDaysBefore,
                autoReclaim: autoReclaim
            ),
            to: .of(Pool.self, poolId)
        )
    }
}

/// One new pool setting value for POL-02.
public struct PoolSettingEdit: Hashable, Sendable {
    public let field: PoolSetting
    public let value: PoolSettingValue

    public init(_ field: PoolSetting, _ value: PoolSettingValue) {
        self.field = field
        self.value = value
    }
}

/// POL-02: change pool settings. Emits only the settings whose value changes. A new `remindDaysBefore` must stay
/// below every rule's days (the POL-04 invariant).
public struct ChangePoolSettings: Command {
    public let poolId: ID
    public let edits: [PoolSettingEdit]

    public init(poolId: ID, edits: [PoolSettingEdit]) {
        self.poolId = poolId
        self.edits = edits
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let row = "POL-02"
        let pool = try PoolRules.pool(poolId, row: row, in: &d)
        try d.authorize(.edit, on: .pool, rule: "\(row).perm")
        guard !edits.isEmpty, Set(edits.map(\.field)).count == edits.count else {
            throw .invalidInput("\(row).changes", field: "changes", "give each setting at most once, and at least one")
        }
        let org = d.organisation
        var after = pool
        for e in edits {
            let v = e.value
            switch e.field {
            case .name:
                guard let name = v.text?.trimmingWhitespace(), !name.isEmpty else {
                    throw .missing("\(row).name", field: "name")
                }
                if let holder = d.lookup(Pool.nameKey(name)), holder != .of(Pool.self, poolId) {
                    throw Rejection(
                        kind: .alreadyExists,
                        rule: "\(row).nameUnique",
                        message: "pool name '\(name)' is already used by \(holder); choose another name",
                        values: ["name": name, "holder": holder.name]
                    )
                }
                after.name = name
            case .adminIds:
                let ids = v.ids ?? []
                try Rejection.ensure(!ids.isEmpty, "\(row).atLeastOneAdmin", "a pool needs at least one admin", [:])
                try PoolRules.usersExist(ids, field: "adminIds", rule: "\(row).adminIds", in: org)
                after.adminIds = ids
            case .memberUserIds:
                try PoolRules.usersExist(v.ids ?? [], field: "memberUserIds", rule: "\(row).memberUserIds", in: org)
                after.memberUserIds = v.ids ?? []
            case .memberDeptIds:
                try PoolRules.departmentsExist(
                    v.ids ?? [],
                    field: "memberDeptIds",
                    rule: "\(row).memberDeptIds",
                    in: org
                )
                after.memberDeptIds = v.ids ?? []
            case .preOwnerCooldownDays:
                try PoolRules.nonNegative(v.number, "preOwnerCooldownDays", rule: "\(row).limitsNonNegative")
                after.preOwnerCooldownDays = v.number
            case .dailyClaimLimit:
                try PoolRules.nonNegative(v.number, "dailyClaimLimit", rule: "\(row).limitsNonNegative")
                after.dailyClaimLimit = v.number
            case .remindDaysBefore:
                try PoolRules.nonNegative(v.number, "remindDaysBefore", rule: "\(row).limitsNonNegative")
                after.remindDaysBefore = v.number
            case .autoReclaim:
                guard let flag = v.flag else { throw .missing("\(row).autoReclaim", field: "autoReclaim") }
                after.autoReclaim = flag
            }
        }
        try PoolRules.daysAfterReminder(after.rules, remind: after.remindDaysBefore, rule: "\(row).daysAfterReminder")
        let changes = edits.map {
            PoolSettingChange(field: $0.field, before: pool.value(of: $0.field), after: after.value(of: $0.field))
        }
        .filter { $0.before != $0.after }
        guard !changes.isEmpty else {
            throw .invalidInput("\(row).changes", field: "changes", "nothing changes on pool \(pool.name)")
        }
        d.emit(PoolSettingsChanged(changes: changes), to: .of(Pool.self, poolId))
    }
}

/// POL-03: activate or deactivate a pool.
public struct ChangePoolStatus: Command {
    public let poolId: ID
    public let active: Bool

    public init(poolId: ID, active: Bool) {
        self.poolId = poolId
        self.active = active
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let row = "POL-03"
        let pool = try PoolRules.pool(poolId, row: row, in: &d)
        try d.authorize(.edit, on: .pool, rule: "\(row).perm")
        guard pool.active != active else {
            throw .invalidState(
                "\(row).changesValue",
                "pool \(pool.name) is already \(active ? "active" : "inactive")",
                ["poolId": poolId.description]
            )
        }
        d.emit(PoolStatusChanged(active: active), to: .of(Pool.self, poolId))
    }
}

/// POL-04: add or replace a reclaim rule of a pool.
public struct SetPoolReclaimRule: Command {
    public let poolId: ID
    public let ruleId: ID
    public let ruleType: ReclaimRuleType
    public let limitDays: Int64?
    public let perLevel: [LevelLimitDays]
    public let includeDealt: Bool
    public let includeWithOpportunities: Bool

    public init(
        poolId: ID,
        ruleId: ID,
        ruleType: ReclaimRuleType,
        limitDays: Int64?,
        perLevel: [LevelLimitDays] = [],
        includeDealt: Bool = false,
        includeWithOpportunities: Bool = true
    ) {
        self.poolId = poolId
        self.ruleId = ruleId
        self.ruleType = ruleType
        self.limitDays = limitDays
        self.perLevel = perLevel
        self.includeDealt = includeDealt
        self.includeWithOpportunities = includeWithOpportunities
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let row = "POL-04"
        let pool = try PoolRules.pool(poolId, row: row, in: &d)
        try d.authorize(.edit, on: .pool, rule: "\(row).perm")
        guard limitDays != nil || !perLevel.isEmpty else {
            throw .missing("\(row).days", field: "limitDays")
        }
        guard Set(perLevel.map(\.level)).count == perLevel.count else {
            throw .invalidInput("\(row).perLevel", field: "perLevel", "lists a level twice")
        }
        let rule = PoolReclaimRule(
            ruleId: ruleId,
            ruleType: ruleType,
            limitDays: limitDays,
            perLevel: perLevel,
            includeDealt: includeDealt,
            includeWithOpportunities: includeWithOpportunities
        )
        try PoolRules.daysAfterReminder([rule], remind: pool.remindDaysBefore, rule: "\(row).daysAfterReminder")
        if !perLevel.isEmpty {
            if pool.entityType == .customer {
                let levels = CustomerSettings.current(in: &d).levels
                if let unknown = perLevel.first(where: { !levels.contains($0.level) }) {
                    throw .invalidInput(
                        "\(row).perLevel",
                        field: "perLevel",
                        "level '\(unknown.level)' is not configured (\(levels))"
                    )
                }
                let missing = levels.filter { l in !perLevel.contains { $0.level == l } }
                if limitDays == nil && !missing.isEmpty {
                    throw .violated(
                        "\(row).perLevelCoverage",
                        "per-level days miss the configured levels \(missing) and there is no default limitDays; "
                            + "give days "
                            + "for every level or a default",
                        ["missing": missing.joined(separator: ",")]
                    )
                }
            } else if limitDays == nil {
                throw .violated(
                    "\(row).perLevelCoverage",
                    "lead pool \(pool.name) has no customer levels to cover; give a default limitDays with the "
                        + "per-grade days",
                    ["poolId": poolId.description]
                )
            }
        }
        d.emit(
            PoolReclaimRuleSet(
                poolId: poolId,
                ruleId: ruleId,
                ruleType: ruleType,
                limitDays: limitDays,
                perLevel: perLevel,
                includeDealt: includeDealt,
                includeWithOpportunities: includeWithOpportunities
            ),
            to: .of(Pool.self, poolId)
        )
    }
}

/// POL-05: remove a reclaim rule from a pool.
public struct RemovePoolReclaimRule: Command {
    public let poolId: ID
    public let ruleId: ID

    public init(poolId: ID, ruleId: ID) {
        self.poolId = poolId
        self.ruleId = ruleId
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let row = "POL-05"
        let pool = try PoolRules.pool(poolId, row: row, in: &d)
        try d.authorize(.edit, on: .pool, rule: "\(row).perm")
        guard pool.rule(ruleId) != nil else { throw .notFound("\(row).ruleExists", "reclaim rule", id: ruleId) }
        d.emit(PoolReclaimRuleRemoved(ruleId: ruleId), to: .of(Pool.self, poolId))
    }
}

/// POL-06: add or replace an ownership limit (owned or locked cap) with an explicit precedence.
public struct SetOwnershipLimit: Command {
    public let limitId: ID
    public let scope: OwnershipLimitScope
    public let kind: OwnershipLimitKind
    public let max: Int64
    public let countDealtCustomers: Bool
    public let precedence: Int64

    public init(
        limitId: ID,
        scope: OwnershipLimitScope,
        kind: OwnershipLimitKind,
        max: Int64,
        countDealtCustomers: Bool = true,
        precedence: Int64
    ) {
        self.limitId = limitId
        self.scope = scope
        self.kind = kind
        self.max = max
        self.countDealtCustomers = countDealtCustomers
        self.precedence = precedence
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let row = "POL-06"
        try d.authorize(.edit, on: .pool, rule: "\(row).perm")
        guard !scope.userIds.isEmpty || !scope.deptIds.isEmpty else { throw .missing("\(row).scope", field: "scope") }
        let org = d.organisation
        for id in scope.userIds where org.users[id] == nil {
            throw .invalidInput("\(row).scope", field: "scope.userIds", "user \(id) does not exist")
        }
        try PoolRules.departmentsExist(scope.deptIds, field: "scope.deptIds", rule: "\(row).scope", in: org)
        try Rejection.ensure(max >= 0, "\(row).maxNonNegative", "max must be ≥ 0, got \(max)", ["max": "\(max)"])
        try Rejection.ensure(precedence >= 0, "\(row).precedence", "precedence must be ≥ 0, got \(precedence)", [:])
        let policy = d.load(OwnershipPolicy.self, stream: OwnershipPolicy.stream) ?? OwnershipPolicy()
        if let clash = policy.limits.first(where: {
            $0.kind == kind && $0.precedence == precedence && $0.limitId != limitId
        }) {
            throw .violated(
                "\(row).precedence",
                "\(kind.rawValue) limit \(clash.limitId) already has precedence \(precedence); precedence must be "
                    + "explicit, "
                    + "choose another",
                ["precedence": "\(precedence)", "limitId": clash.limitId.description]
            )
        }
        d.emit(
            OwnershipLimitSet(
                limitId: limitId,
                scope: scope,
                kind: kind,
                max: max,
                countDealtCustomers: countDealtCustomers,
                precedence: precedence
            ),
            to: OwnershipPolicy.stream
        )
    }
}

/// POL-07: set a user's lead assignment capacity in a team (a department).
public struct SetAssignmentCapacity: Command {
    public let teamId: ID
    public let userId: ID
    public let maxPer30Days: Int64
    public let filter: [FieldCriterion]?
    public let optOut: Bool

    public init(teamId: ID, userId: ID, maxPer30Days: Int64, filter: [FieldCriterion]? = nil, optOut: Bool = false) {
        self.teamId = teamId
        self.userId = userId
        self.maxPer30Days = maxPer30Days
        self.filter = filter
        self.optOut = optOut
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let row = "POL-07"
        try d.authorize(.edit, on: .pool, rule: "\(row).perm")
        let org = d.organisation
        guard org.departments[teamId] != nil else { throw .notFound("\(row).teamExists", "department", id: teamId) }
        guard org.isActiveUser(userId) else { throw .notFound("\(row).userActive", "user", id: userId) }
        try Rejection.ensure(
            maxPer30Days >= 0,
            "\(row).maxNonNegative",
            "maxPer30Days must be ≥ 0, got \(maxPer30Days)",
            ["maxPer30Days": "\(maxPer30Days)"]
        )
        if let filter {
            for c in filter where FieldCatalog.spec(.lead, c.field) == nil {
                throw .invalidInput("\(row).filter", field: "filter", "'\(c.field)' is not a lead field")
            }
        }
        d.emit(
            AssignmentCapacitySet(
                teamId: teamId,
                userId: userId,
                maxPer30Days: maxPer30Days,
                filter: filter,
                optOut: optOut
            ),
            to: StreamRef(AssignmentPolicy.category, teamId.description)
        )
    }
}
