import CRMDomain
import Testing

private typealias W = CustomerWorld
private typealias A = CustomerActor

/// POL-01..POL-07 and the customer scale configuration.
@Suite struct PoolPolicyTests {
    private static let rule = ID(300)

    // MARK: POL-01

    @Test func aPoolIsDefinedWithAdminsMembersAndLimits() throws {
        var w = try W()
        let claim = PoolClaimSettings(preOwnerCooldownDays: 7, dailyClaimLimit: 5)
        let out = try w.run(
            DefinePool(
                poolId: W.pool,
                name: "East China pool",
                adminIds: [W.manager],
                memberUserIds: [W.rep1],
                memberDeptIds: [W.east],
                claim: claim,
                remindDaysBefore: 3,
                autoReclaim: true
            ),
            as: A.manager
        )
        let expected = PoolDefined(
            poolId: W.pool,
            name: "East China pool",
            entityType: .customer,
            adminIds: [W.manager],
            memberUserIds: [W.rep1],
            memberDeptIds: [W.east],
            claim: claim,
            remindDaysBefore: 3,
            autoReclaim: true
        )
        #expect(W.values(out) == [AnyHashable(expected)])
        let pool = try #require(w.store.state(Pool.self, W.pool))
        #expect(
            pool.active && pool.isMember(W.eastRep, in: w.store.organisation)
                && !pool.isMember(W.rep2, in: w.store.organisation)
        )
        #expect(pool.memberUsers(in: w.store.organisation) == [W.rep1, W.eastRep])
    }

    @Test func poolDefinitionChecks() throws {
        var w = try W()
        try w.definePool(name: "East")
        func pool(
            _ id: UInt64 = 201,
            name: String = "West",
            admins: [ID] = [W.manager],
            claim: PoolClaimSettings = .unlimited,
            remind: Int64? = nil,
            depts: [ID] = []
        )
            -> DefinePool
        {
            DefinePool(
                poolId: ID(id),
                name: name,
                adminIds: admins,
                memberDeptIds: depts,
                claim: claim,
                remindDaysBefore: remind
            )
        }
        w.expectRejected(pool(name: " east "), as: A.manager, rule: "POL-01.nameUnique", kind: .alreadyExists)
        w.expectRejected(pool(admins: []), as: A.manager, rule: "POL-01.atLeastOneAdmin", kind: .invariantViolated)
        w.expectRejected(
            pool(claim: PoolClaimSettings(preOwnerCooldownDays: -1, dailyClaimLimit: nil)),
            as: A.manager,
            rule: "POL-01.limitsNonNegative",
            kind: .invariantViolated
        )
        w.expectRejected(
            pool(claim: PoolClaimSettings(preOwnerCooldownDays: nil, dailyClaimLimit: -2)),
            as: A.manager,
            rule: "POL-01.limitsNonNegative",
            kind: .invariantViolated
        )
        w.expectRejected(pool(remind: -1), as: A.manager, rule: "POL-01.limitsNonNegative", kind: .invariantViolated)
        w.expectRejected(pool(200), as: A.manager, rule: "POL-01.poolIdUnique", kind: .alreadyExists)
        w.expectRejected(pool(admins: [ID(999)]), as: A.manager, rule: "POL-01.adminIds", kind: .invalidInput)
        w.expectRejected(pool(depts: [ID(998)]), as: A.manager, rule: "POL-01.memberDeptIds", kind: .invalidInput)
        w.expectRejected(pool(name: ""), as: A.manager, rule: "POL-01.name", kind: .invalidInput)
        w.expectRejected(pool(), as: A.rep1, rule: "POL-01.perm", kind: .accessDenied)
        try w.run(pool(claim: PoolClaimSettings(preOwnerCooldownDays: 0, dailyClaimLimit: 0), remind: 0), as: A.manager)
    }

    // MARK: POL-02 / POL-03

    @Test func settingsChangesRecordBeforeAndAfter() throws {
        var w = try W()
        try w.definePool(claim: PoolClaimSettings(preOwnerCooldownDays: nil, dailyClaimLimit: 5))
        let out = try w.run(
            ChangePoolSettings(
                poolId: W.pool,
                edits: [
                    PoolSettingEdit(.dailyClaimLimit, .number(8)), PoolSettingEdit(.name, .text("East pool")),
                    PoolSettingEdit(.autoReclaim, .flag(false)),
                ]
            ),
            as: A.manager
        )
        let expected = PoolSettingsChanged(changes: [
            PoolSettingChange(field: .dailyClaimLimit, before: .number(5), after: .number(8)),
            PoolSettingChange(field: .name, before: .text("East China pool"), after: .text("East pool")),
        ])
        #expect(W.values(out) == [AnyHashable(expected)])
        #expect(w.store.state(Pool.self, W.pool)?.dailyClaimLimit == 8)
        #expect(w.store.lookup(Pool.nameKey("East China pool")) == nil)
        try w.definePool(ID(201), name: "East China pool")
    }

    @Test func settingsChecks() throws {
        var w = try W()
        try w.definePool(remindDaysBefore: 3)
        try w.definePool(ID(201), name: "West")
        try w.run(
            SetPoolReclaimRule(poolId: W.pool, ruleId: Self.rule, ruleType: .noFollowUp, limitDays: 10),
            as: A.manager
        )
        func change(_ edits: PoolSettingEdit..., pool: ID = W.pool) -> ChangePoolSettings {
            ChangePoolSettings(poolId: pool, edits: edits)
        }
        w.expectRejected(
            change(PoolSettingEdit(.name, .text("x")), pool: ID(299)),
            as: A.manager,
            rule: "POL-02.poolExists",
            kind: .notFound
        )
        w.expectRejected(
            change(PoolSettingEdit(.name, .text("x"))),
            as: A.rep1,
            rule: "POL-02.perm",
            kind: .accessDenied
        )
        w.expectRejected(
            change(PoolSettingEdit(.dailyClaimLimit, .number(-1))),
            as: A.manager,
            rule: "POL-02.limitsNonNegative",
            kind: .invariantViolated
        )
        w.expectRejected(
            change(PoolSettingEdit(.name, .text("WEST"))),
            as: A.manager,
            rule: "POL-02.nameUnique",
            kind: .alreadyExists
        )
        w.expectRejected(
            change(PoolSettingEdit(.adminIds, .ids([]))),
            as: A.manager,
            rule: "POL-02.atLeastOneAdmin",
            kind: .invariantViolated
        )
        w.expectRejected(
            change(PoolSettingEdit(.remindDaysBefore, .number(10))),
            as: A.manager,
            rule: "POL-02.daysAfterReminder",
            kind: .invariantViolated
        )
        w.expectRejected(
            change(PoolSettingEdit(.remindDaysBefore, .number(3))),
            as: A.manager,
            rule: "POL-02.changes",
            kind: .invalidInput
        )
        try w.run(change(PoolSettingEdit(.remindDaysBefore, .number(9))), as: A.manager)
        try w.run(change(PoolSettingEdit(.remindDaysBefore, .number(nil))), as: A.manager)
        #expect(w.store.state(Pool.self, W.pool)?.remindDaysBefore == nil)
    }

    @Test func statusChangesOnlyWhenItDiffers() throws {
        var w = try W()
        try w.definePool()
        w.expectRejected(
            ChangePoolStatus(poolId: W.pool, active: true),
            as: A.manager,
            rule: "POL-03.changesValue",
            kind: .invalidState
        )
        w.expectRejected(
            ChangePoolStatus(poolId: ID(299), active: false),
            as: A.manager,
            rule: "POL-03.poolExists",
            kind: .notFound
        )
        let out = try w.run(ChangePoolStatus(poolId: W.pool, active: false), as: A.manager)
        #expect(W.values(out) == [AnyHashable(PoolStatusChanged(active: false))])
        #expect(w.store.state(Pool.self, W.pool)?.active == false)
    }

    // MARK: POL-04 / POL-05

    @Test func reclaimRulesNeedDaysBeyondTheReminderForEveryLevel() throws {
        var w = try W()
        try w.definePool(remindDaysBefore: 5)
        w.expectRejected(
            SetPoolReclaimRule(poolId: W.pool, ruleId: Self.rule, ruleType: .noFollowUp, limitDays: 5),
            as: A.manager,
            rule: "POL-04.daysAfterReminder",
            kind: .invariantViolated
        )
        w.expectRejected(
            SetPoolReclaimRule(
                poolId: W.pool,
                ruleId: Self.rule,
                ruleType: .noFollowUp,
                limitDays: nil,
                perLevel: [LevelLimitDays(level: "A", days: 60), LevelLimitDays(level: "B", days: 45)]
            ),
            as: A.manager,
            rule: "POL-04.perLevelCoverage",
            kind: .invariantViolated
        )
        w.expectRejected(
            SetPoolReclaimRule(
                poolId: W.pool,
                ruleId: Self.rule,
                ruleType: .noFollowUp,
                limitDays: 30,
                perLevel: [LevelLimitDays(level: "Z", days: 9)]
            ),
            as: A.manager,
            rule: "POL-04.perLevel",
            kind: .invalidInput
        )
        w.expectRejected(
            SetPoolReclaimRule(poolId: W.pool, ruleId: Self.rule, ruleType: .noFollowUp, limitDays: nil),
            as: A.manager,
            rule: "POL-04.days",
            kind: .invalidInput
        )
        w.expectRejected(
            SetPoolReclaimRule(poolId: ID(299), ruleId: Self.rule, ruleType: .noFollowUp, limitDays: 30),
            as: A.manager,
            rule: "POL-04.poolExists",
            kind: .notFound
        )
        let perLevel = [
            LevelLimitDays(level: "A", days: 60), LevelLimitDays(level: "B", days: 45),
            LevelLimitDays(level: "C", days: 30),
        ]
        let out = try w.run(
            SetPoolReclaimRule(
                poolId: W.pool,
                ruleId: Self.rule,
                ruleType: .noDeal,
                limitDays: nil,
                perLevel: perLevel,
                includeDealt: true
            ),
            as: A.manager
        )
        #expect(
            W.values(out) == [
                AnyHashable(
                    PoolReclaimRuleSet(
                        poolId: W.pool,
                        ruleId: Self.rule,
                        ruleType: .noDeal,
                        limitDays: nil,
                        perLevel: perLevel,
                        includeDealt: true,
                        includeWithOpportunities: true
                    )
                )
            ]
        )
        try w.run(
            SetPoolReclaimRule(poolId: W.pool, ruleId: ID(301), ruleType: .noFollowUp, limitDays: 20),
            as: A.manager
        )
        try w.run(
            SetPoolReclaimRule(poolId: W.pool, ruleId: Self.rule, ruleType: .noDeal, limitDays: 90),
            as: A.manager
        )
        let pool = try #require(w.store.state(Pool.self, W.pool))
        #expect(pool.rules.map(\.ruleId) == [Self.rule, ID(301)])
        #expect(pool.rule(Self.rule)?.limitDays(forLevel: "A") == 90)
        w.expectRejected(
            RemovePoolReclaimRule(poolId: W.pool, ruleId: ID(399)),
            as: A.manager,
            rule: "POL-05.ruleExists",
            kind: .notFound
        )
        let removed = try w.run(RemovePoolReclaimRule(poolId: W.pool, ruleId: Self.rule), as: A.manager)
        #expect(W.values(removed) == [AnyHashable(PoolReclaimRuleRemoved(ruleId: Self.rule))])
        #expect(w.store.state(Pool.self, W.pool)?.rules.map(\.ruleId) == [ID(301)])
    }

    @Test func leadPoolsNeedADefaultForPerGradeDays() throws {
        var w = try W()
        try w.run(
            DefinePool(poolId: ID(202), name: "Lead pool", entityType: .lead, adminIds: [W.manager]),
            as: A.manager
        )
        w.expectRejected(
            SetPoolReclaimRule(
                poolId: ID(202),
                ruleId: Self.rule,
                ruleType: .noFollowUp,
                limitDays: nil,
                perLevel: [LevelLimitDays(level: "hot", days: 3)]
            ),
            as: A.manager,
            rule: "POL-04.perLevelCoverage",
            kind: .invariantViolated
        )
        try w.run(
            SetPoolReclaimRule(
                poolId: ID(202),
                ruleId: Self.rule,
                ruleType: .noFollowUp,
                limitDays: 7,
                perLevel: [LevelLimitDays(level: "hot", days: 3)]
            ),
            as: A.manager
        )
    }

    // MARK: POL-06

    @Test func ownershipLimitsHaveExplicitPrecedence() throws {
        var w = try W()
        let scope = OwnershipLimitScope(userIds: [W.rep1], deptIds: [W.east])
        let out = try w.run(
            SetOwnershipLimit(
                limitId: ID(90),
                scope: scope,
                kind: .owned,
                max: 200,
                countDealtCustomers: false,
                precedence: 10
            ),
            as: A.admin
        )
        #expect(
            W.values(out) == [
                AnyHashable(
                    OwnershipLimitSet(
                        limitId: ID(90),
                        scope: scope,
                        kind: .owned,
                        max: 200,
                        countDealtCustomers: false,
                        precedence: 10
                    )
                )
            ]
        )
        w.expectRejected(
            SetOwnershipLimit(limitId: ID(91), scope: scope, kind: .owned, max: 5, precedence: 10),
            as: A.admin,
            rule: "POL-06.precedence",
            kind: .invariantViolated
        )
        w.expectRejected(
            SetOwnershipLimit(limitId: ID(91), scope: scope, kind: .owned, max: -1, precedence: 11),
            as: A.admin,
            rule: "POL-06.maxNonNegative",
            kind: .invariantViolated
        )
        w.expectRejected(
            SetOwnershipLimit(
                limitId: ID(91),
                scope: OwnershipLimitScope(userIds: [], deptIds: []),
                kind: .owned,
                max: 1,
                precedence: 11
            ),
            as: A.admin,
            rule: "POL-06.scope",
            kind: .invalidInput
        )
        w.expectRejected(
            SetOwnershipLimit(limitId: ID(91), scope: scope, kind: .owned, max: 1, precedence: 11),
            as: A.rep1,
            rule: "POL-06.perm",
            kind: .accessDenied
        )
        try w.run(SetOwnershipLimit(limitId: ID(91), scope: scope, kind: .locked, max: 3, precedence: 10), as: A.admin)
        try w.run(SetOwnershipLimit(limitId: ID(90), scope: scope, kind: .owned, max: 150, precedence: 10), as: A.admin)
        let policy = OwnershipPolicy.fold(w.store.events(of: OwnershipPolicy.stream).events)
        let org = w.store.organisation
        #expect(policy.limit(for: W.eastRep, kind: .owned, in: org)?.max == 150)
        #expect(policy.limit(for: W.rep1, kind: .locked, in: org)?.max == 3)
        #expect(policy.limit(for: W.rep2, kind: .owned, in: org) == nil)
    }

    // MARK: POL-07

    @Test func assignmentCapacityGivesADailyQuota() throws {
        var w = try W()
        let filter = [FieldCriterion(field: "industry", op: .equals, value: "wholesale")]
        let out = try w.run(
            SetAssignmentCapacity(teamId: W.sales, userId: W.rep1, maxPer30Days: 45, filter: filter),
            as: A.admin
        )
        #expect(
            W.values(out)
                == [
                    AnyHashable(
                        AssignmentCapacitySet(
                            teamId: W.sales,
                            userId: W.rep1,
                            maxPer30Days: 45,
                            filter: filter,
                            optOut: false
                        )
                    )
                ]
        )
        #expect(W.streams(out) == ["assignmentPolicy-\(W.sales)"])
        w.expectRejected(
            SetAssignmentCapacity(teamId: W.sales, userId: W.rep1, maxPer30Days: -1),
            as: A.admin,
            rule: "POL-07.maxNonNegative",
            kind: .invariantViolated
        )
        w.expectRejected(
            SetAssignmentCapacity(teamId: ID(998), userId: W.rep1, maxPer30Days: 1),
            as: A.admin,
            rule: "POL-07.teamExists",
            kind: .notFound
        )
        w.expectRejected(
            SetAssignmentCapacity(teamId: W.sales, userId: ID(999), maxPer30Days: 1),
            as: A.admin,
            rule: "POL-07.userActive",
            kind: .notFound
        )
        w.expectRejected(
            SetAssignmentCapacity(
                teamId: W.sales,
                userId: W.rep1,
                maxPer30Days: 1,
                filter: [FieldCriterion(field: "shoeSize", op: .equals, value: "9")]
            ),
            as: A.admin,
            rule: "POL-07.filter",
            kind: .invalidInput
        )
        w.expectRejected(
            SetAssignmentCapacity(teamId: W.sales, userId: W.rep1, maxPer30Days: 1),
            as: A.rep1,
            rule: "POL-07.perm",
            kind: .accessDenied
        )
        try w.run(SetAssignmentCapacity(teamId: W.sales, userId: W.rep2, maxPer30Days: 14), as: A.admin)
        try w.run(
            SetAssignmentCapacity(teamId: W.sales, userId: W.eastRep, maxPer30Days: 90, optOut: true),
            as: A.admin
        )
        let policy = try #require(w.store.state(AssignmentPolicy.self, W.sales))
        #expect(policy.dailyQuota(of: W.rep1) == 2)
        #expect(policy.dailyQuota(of: W.rep2) == 0)
        #expect(policy.dailyQuota(of: W.eastRep) == 0)
        #expect(policy.dailyQuota(of: W.manager) == 0)
    }

    @Test func dailyQuotaRoundsHalfUp() {
        var policy = AssignmentPolicy()
        for (max, quota): (Int64, Int64) in [(0, 0), (14, 0), (15, 1), (44, 1), (45, 2), (30, 1), (300, 10)] {
            policy.apply(
                AssignmentCapacitySet(teamId: ID(1), userId: ID(2), maxPer30Days: max, filter: nil, optOut: false)
            )
            #expect(policy.dailyQuota(of: ID(2)) == quota, "max \(max)")
        }
    }

    // MARK: Scales

    @Test func customerScalesAreConfigured() throws {
        var w = try W()
        w.expectRejected(
            ConfigureCustomerScales(levels: ["A", "A"], defaultLevel: "A", creditRatings: ["AAA"]),
            as: A.admin,
            rule: "CUS-CFG.scales",
            kind: .invalidInput
        )
        w.expectRejected(
            ConfigureCustomerScales(levels: ["A"], defaultLevel: "B", creditRatings: ["AAA"]),
            as: A.admin,
            rule: "CUS-CFG.scales",
            kind: .invalidInput
        )
        w.expectRejected(
            ConfigureCustomerScales(levels: ["A"], defaultLevel: "A", creditRatings: []),
            as: A.admin,
            rule: "CUS-CFG.scales",
            kind: .invalidInput
        )
        w.expectRejected(
            ConfigureCustomerScales(levels: ["A"], defaultLevel: "A", creditRatings: ["X"]),
            as: A.rep1,
            rule: "CUS-CFG.perm",
            kind: .accessDenied
        )
        let out = try w.run(
            ConfigureCustomerScales(
                levels: ["Key", "Normal"],
                defaultLevel: "Normal",
                creditRatings: ["good", "bad"]
            ),
            as: A.admin
        )
        #expect(
            W.values(out) == [
                AnyHashable(
                    CustomerScalesConfigured(
                        levels: ["Key", "Normal"],
                        defaultLevel: "Normal",
                        creditRatings: ["good", "bad"]
                    )
                )
            ]
        )
        #expect(W.streams(out) == ["customerSettings-default"])
    }
}
