import CRMDomain

extension World {
    static let bootstrap = ActorRef.system(job: "bootstrap")
    /// What a sales rep may do to records in their own scope: everything but deleting, exporting, approving,
    /// distributing, merging, voiding, refunding and financial adjustments.
    static let repActions = Action.allCases.filter {
        ![
            .delete, .export, .distribute, .approve, .adjustCommission, .adjustPoints, .reviseClosed, .merge, .void,
            .refund,
        ]
        .contains($0)
    }

    /// Departments, roles, users, customer scales, pools and reclaim rules, the pipeline, lost reasons, the
    /// contract approval flow, the commission plan and the sales targets.
    mutating func setUpCompany(_ runner: inout some CommandRunner) async throws(RunnerError) {
        let t = time(0, minutes: -60)
        var c = Company()
        c.hq = newID()
        c.salesDept = newID()
        c.adminRole = newID()
        c.managerRole = newID()
        c.repRole = newID()
        c.financeRole = newID()
        let salesObjects: [ObjectType] = [
            .lead, .customer, .contact, .opportunity, .contract, .payment, .invoice, .activity,
        ]
        let allActions = Action.allCases
        try await must(
            DefineRole(
                roleId: c.adminRole,
                name: "Administrator",
                objectPermissions: ObjectType.allCases.map { ObjectPermission(object: $0, actions: allActions) },
                dataScope: .all,
                systemLocked: true
            ),
            as: Self.bootstrap,
            at: t,
            &runner
        )
        try await must(DefineDepartment(deptId: c.hq, name: "Head office"), as: Self.bootstrap, at: t, &runner)
        c.ceo = newID()
        try await must(
            OnboardUser(userId: c.ceo, name: "Li Wei", departmentId: c.hq, roleIds: [c.adminRole]),
            as: Self.bootstrap,
            at: t,
            &runner
        )
        let ceo = ActorRef.user(c.ceo)
        try await must(
            DefineRole(
                roleId: c.managerRole,
                name: "Sales manager",
                objectPermissions: salesObjects.map { ObjectPermission(object: $0, actions: allActions) }
                    + [
                        ObjectPermission(object: .pool, actions: [.read, .distribute, .claim]),
                        ObjectPermission(object: .approval, actions: [.read, .approve]),
                    ],
                dataScope: .departmentAndChildren
            ),
            as: ceo,
            at: t,
            &runner
        )
        try await must(
            DefineRole(
                roleId: c.repRole,
                name: "Sales representative",
                objectPermissions: salesObjects.map { ObjectPermission(object: $0, actions: Self.repActions) }
                    + [ObjectPermission(object: .pool, actions: [.read, .claim])],
                dataScope: .self
            ),
            as: ceo,
            at: t,
            &runner
        )
        try await must(
            DefineRole(
                roleId: c.financeRole,
                name: "Finance",
                objectPermissions: [
                    ObjectPermission(object: .payment, actions: [.read, .create, .edit, .approve, .refund]),
                    ObjectPermission(object: .invoice, actions: [.read, .create, .edit, .approve]),
                    ObjectPermission(object: .contract, actions: [.read]),
                    ObjectPermission(object: .commission, actions: [.read, .adjustCommission]),
                    ObjectPermission(object: .commissionPlan, actions: [.read, .create, .edit, .approve, .assign]),
                ],
                dataScope: .all
            ),
            as: ceo,
            at: t,
            &runner
        )
        c.director = newID()
        try await must(
            DefineDepartment(deptId: c.salesDept, parentDeptId: c.hq, name: "Sales"),
            as: ceo,
            at: t,
            &runner
        )
        try await must(
            OnboardUser(
                userId: c.director,
                name: "Zhang Min",
                departmentId: c.salesDept,
                managerUserId: c.ceo,
                roleIds: [c.managerRole]
            ),
            as: ceo,
            at: t,
            &runner
        )
        let teamNames = ["East China", "North China", "South China"]
        let teamCount = g.size >= 400 ? 3 : 2
        let repsPerTeam = max(2, min(8, g.size / 150))
        var names = NameSource(rng: SplitMix64(seed: g.seed ^ 0xA5A5))
        for i in 0..<teamCount {
            let team = newID()
            let lead = newID()
            c.teams.append(team)
            c.teamLeads.append(lead)
            try await must(
                DefineDepartment(deptId: team, parentDeptId: c.salesDept, name: teamNames[i]),
                as: ceo,
                at: t,
                &runner
            )
            try await must(
                OnboardUser(
                    userId: lead,
                    name: names.person(),
                    departmentId: team,
                    managerUserId: c.director,
                    roleIds: [c.managerRole]
                ),
                as: ceo,
                at: t,
                &runner
            )
            var reps: [ID] = []
            for _ in 0..<repsPerTeam {
                let rep = newID()
                try await must(
                    OnboardUser(
                        userId: rep,
                        name: names.person(),
                        departmentId: team,
                        managerUserId: lead,
                        roleIds: [c.repRole]
                    ),
                    as: ceo,
                    at: t,
                    &runner
                )
                reps.append(rep)
            }
            c.repsByTeam.append(reps)
            c.reps += reps
        }
        c.finance = newID()
        try await must(
            OnboardUser(
                userId: c.finance,
                name: names.person(),
                departmentId: c.hq,
                managerUserId: c.ceo,
                roleIds: [c.financeRole]
            ),
            as: ceo,
            at: t,
            &runner
        )
        try await must(
            ConfigureCustomerScales(
                levels: ["A", "B", "C"],
                defaultLevel: "C",
                creditRatings: ["AAA", "AA", "A", "B", "C"]
            ),
            as: ceo,
            at: t,
            &runner
        )
        // Pools: one for customers with automatic reclaim, one for leads.
        c.customerPool = newID()
        c.leadPool = newID()
        c.reclaimRule = newID()
        try await must(
            DefinePool(
                poolId: c.customerPool,
                name: "Customer public pool",
                entityType: .customer,
                adminIds: [c.director],
                memberDeptIds: [c.salesDept],
                claim: PoolClaimSettings(preOwnerCooldownDays: 7, dailyClaimLimit: 5),
                remindDaysBefore: 5,
                autoReclaim: true
            ),
            as: ceo,
            at: t,
            &runner
        )
        try await must(
            SetPoolReclaimRule(
                poolId: c.customerPool,
                ruleId: c.reclaimRule,
                ruleType: .noFollowUp,
                limitDays: 45,
                perLevel: [LevelLimitDays(level: "A", days: 90), LevelLimitDays(level: "B", days: 60)],
                includeDealt: false,
                includeWithOpportunities: true
            ),
            as: ceo,
            at: t,
            &runner
        )
        try await must(
            DefinePool(
                poolId: c.leadPool,
                name: "Lead pool",
                entityType: .lead,
                adminIds: [c.director],
                memberDeptIds: [c.salesDept],
                claim: PoolClaimSettings(preOwnerCooldownDays: 3, dailyClaimLimit: 10)
            ),
            as: ceo,
            at: t,
            &runner
        )
        try await must(
            SetOwnershipLimit(
                limitId: newID(),
                scope: OwnershipLimitScope(userIds: [], deptIds: [c.salesDept]),
                kind: .owned,
                max: 400,
                countDealtCustomers: false,
                precedence: 1
            ),
            as: ceo,
            at: t,
            &runner
        )
        // Pipeline and lost reasons.
        c.pipeline = newID()
        try await must(
            DefinePipeline(
                pipelineId: c.pipeline,
                name: "B2B sales",
                stages: [
                    PipelineStage(
                        stageId: "qualification",
                        name: "Qualification",
                        order: 1,
                        defaultProbability: 10,
                        forecastCategory: .pipeline
                    ),
                    PipelineStage(
                        stageId: "needsAnalysis",
                        name: "Needs analysis",
                        order: 2,
                        defaultProbability: 30,
                        forecastCategory: .pipeline
                    ),
                    PipelineStage(
                        stageId: "proposal",
                        name: "Proposal",
                        order: 3,
                        defaultProbability: 60,
                        forecastCategory: .bestCase
                    ),
                    PipelineStage(
                        stageId: "negotiation",
                        name: "Negotiation",
                        order: 4,
                        defaultProbability: 80,
                        forecastCategory: .commit
                    ),
                    PipelineStage(
                        stageId: "won",
                        name: "Closed won",
                        order: 5,
                        defaultProbability: 100,
                        forecastCategory: .closed,
                        isClosed: true,
                        isWon: true
                    ),
                    PipelineStage(
                        stageId: "lost",
                        name: "Closed lost",
                        order: 6,
                        defaultProbability: 0,
                        forecastCategory: .omitted,
                        isClosed: true
                    ),
                ]
            ),
            as: ceo,
            at: t,
            &runner
        )
        for reason in ["Price", "Lost to competitor", "No budget", "Timing"] {
            let id = newID()
            c.lostReasons.append(id)
            try await must(DefineLostReason(reasonId: id, name: reason), as: ceo, at: t, &runner)
        }
        try await must(
            DefineApprovalFlow(
                flowId: newID(),
                category: .contract,
                steps: [ApprovalStep(order: 1, type: .ownerSupervisor)]
            ),
            as: ceo,
            at: t,
            &runner
        )
        // Commission: 3 % up to ¥100k a quarter, 5 % to ¥500k, 8 % above, on verified payments.
        c.commissionPlan = newID()
        let k = Int64(100)  // minor units per yuan
        try await must(
            DraftCommissionPlan(
                planId: c.commissionPlan,
                definition: CommissionPlanDefinition(
                    name: "Reps quarterly",
                    basis: .paymentVerified,
                    tierMode: .marginal,
                    tiers: [
                        CommissionTier(from: .cny(0), to: .cny(100_000 * k), rateBasisPoints: 300),
                        CommissionTier(from: .cny(100_000 * k), to: .cny(500_000 * k), rateBasisPoints: 500),
                        CommissionTier(from: .cny(500_000 * k), to: nil, rateBasisPoints: 800),
                    ],
                    period: .quarter
                )
            ),
            as: ActorRef.user(c.finance),
            at: t,
            &runner
        )
        try await must(ApproveCommissionPlan(planId: c.commissionPlan), as: ActorRef.user(c.finance), at: t, &runner)
        for rep in c.reps {
            try await must(
                AssignCommissionPlan(planId: c.commissionPlan, payee: .user(rep), effectiveFrom: g.start),
                as: ActorRef.user(c.finance),
                at: t,
                &runner
            )
        }
        let years = Set((0..<g.days).map { date($0).year }).sorted()
        for year in years {
            let monthly = (1...12).map { m in Int64(150_000 + 10_000 * m) * k * Int64(c.reps.count) / 4 }
            try await must(
                SetSalesTarget(
                    targetId: newID(),
                    scope: .company,
                    metric: .contractAmount,
                    year: year,
                    monthly: monthly
                ),
                as: ceo,
                at: t,
                &runner
            )
        }
        company = c
        try await setUpExtensions(&runner)
    }
}

/// Deterministic, realistic names.
struct NameSource {
    var rng: SplitMix64
    static let surnames = [
        "Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Xu", "Sun", "Ma", "Zhu", "Hu",
        "Guo", "He", "Lin", "Luo", "Gao",
    ]
    static let given = [
        "Wei", "Fang", "Na", "Min", "Jing", "Lei", "Qiang", "Yan", "Jun", "Tao", "Ming", "Chao", "Xiu", "Hui", "Ling",
        "Bo", "Yu", "Hao", "Ting", "Kai",
    ]
    static let companyHeads = [
        "Huaxin", "Zhongke", "Tianyu", "Jinshan", "Hengda", "Lianchuang", "Yunfan", "Ruida", "Boyuan", "Xinghe",
        "Haitong", "Dongfang", "Shenghua", "Baijia", "Changjiang",
    ]
    static let companyTails = [
        "Technology", "Logistics", "Manufacturing", "Trading", "Software", "Medical", "Foods", "Materials", "Energy",
        "Retail",
    ]
    static let cities = [
        "Shanghai", "Beijing", "Shenzhen", "Hangzhou", "Suzhou", "Chengdu", "Wuhan", "Nanjing", "Guangzhou", "Tianjin",
    ]

    mutating func person() -> String { rng.pick(Self.surnames) + " " + rng.pick(Self.given) }

    mutating func company(_ n: Int) -> String {
        "\(rng.pick(Self.cities)) \(rng.pick(Self.companyHeads)) \(rng.pick(Self.companyTails)) Co. \(n)"
    }
}
