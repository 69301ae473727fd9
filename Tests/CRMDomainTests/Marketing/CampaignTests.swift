import CRMDomain
import Testing

@Suite struct CampaignTests {
    typealias T = LoyaltyTesting
    let t0 = LoyaltyTesting.t0
    let sys = LoyaltyTesting.system
    let spring = ID(700)
    let child = ID(701)

    func create(
        _ id: ID,
        parent: ID? = nil,
        budget: Int64 = 5_000_000,
        start: LocalDate = LocalDate(2026, 3, 1),
        end: LocalDate = LocalDate(2026, 5, 31),
        owner: ID = LoyaltyTesting.ops,
        keywords: [String]? = ["crm software", "客户管理系统", "free crm"]
    ) -> CreateCampaign {
        CreateCampaign(
            campaignId: id,
            name: "Spring search + expo \(id.description.suffix(3))",
            channelType: .searchAds,
            parentCampaignId: parent,
            budget: .cny(budget),
            expectedRevenue: .cny(20_000_000),
            startDate: start,
            endDate: end,
            ownerId: owner,
            keywords: keywords
        )
    }

    func world() throws -> InMemoryDomainStore {
        var store = try T.storeWithUsers()
        try store.execute(create(spring), as: .user(T.ops), at: t0)
        return store
    }

    // MARK: MKT-01

    @Test func creatingACampaignUnderAParentEmitsCampaignCreatedLinkedToTheParent() throws {
        var store = try world()
        let out = try store.execute(create(child, parent: spring, keywords: nil), as: .user(T.ops), at: t0)
        #expect(
            T.events(out) == [
                CampaignCreated(
                    campaignId: child,
                    name: "Spring search + expo \(child.description.suffix(3))",
                    channelType: .searchAds,
                    parentCampaignId: spring,
                    budget: .cny(5_000_000),
                    expectedRevenue: .cny(20_000_000),
                    expectedCost: nil,
                    startDate: LocalDate(2026, 3, 1),
                    endDate: LocalDate(2026, 5, 31),
                    ownerId: T.ops,
                    keywords: nil
                )
            ]
        )
        #expect(T.streams(out) == ["campaign-\(child)"])
        #expect(store.children(of: StreamRef("campaign", spring.description), category: "campaign") == [out[0].stream])
        #expect(store.state(Campaign.self, child)?.status == .planning)
    }

    @Test func aNegativeBudgetIsRejected() throws {
        var store = try world()
        T.expectRejected(&store, create(child, budget: -1), rule: "MKT-01.budgetNonNegative", kind: .invariantViolated)
        try store.execute(create(child, budget: 0), as: sys, at: t0)
    }

    @Test func anEndBeforeTheStartIsRejected() throws {
        var store = try world()
        T.expectRejected(
            &store,
            create(child, start: LocalDate(2026, 4, 1), end: LocalDate(2026, 3, 31)),
            rule: "MKT-01.endNotBeforeStart",
            kind: .invariantViolated
        )
        try store.execute(create(child, start: LocalDate(2026, 4, 1), end: LocalDate(2026, 4, 1)), as: sys, at: t0)
    }

    @Test func theParentMustExistAndNotBeTheCampaignItself() throws {
        var store = try world()
        T.expectRejected(&store, create(child, parent: ID(799)), rule: "MKT-01.parentExists", kind: .notFound)
        T.expectRejected(&store, create(child, parent: child), rule: "MKT-01.noCycle", kind: .invariantViolated)
    }

    @Test func badCreateInputIsRejected() throws {
        var store = try world()
        T.expectRejected(&store, create(spring), rule: "MKT-01.campaignIdUnique", kind: .alreadyExists)
        T.expectRejected(&store, create(child, owner: ID(999)), rule: "MKT-01.ownerActive", kind: .notFound)
        T.expectRejected(
            &store,
            create(child, keywords: ["crm", "CRM "]),
            rule: "MKT-01.keywords",
            kind: .invalidInput
        )
        T.expectRejected(&store, create(child, keywords: ["a|b"]), rule: "MKT-01.keywords", kind: .invalidInput)
        T.expectRejected(&store, create(child), as: .user(T.viewer), rule: "MKT-01.perm", kind: .accessDenied)
        var noName = create(child)
        noName = CreateCampaign(
            campaignId: child,
            name: " ",
            channelType: .email,
            budget: .cny(1),
            startDate: noName.startDate,
            endDate: noName.endDate,
            ownerId: T.ops
        )
        T.expectRejected(&store, noName, rule: "MKT-01.name", kind: .invalidInput)
        T.expectRejected(
            &store,
            CreateCampaign(
                campaignId: child,
                name: "x",
                channelType: .email,
                budget: .cny(1),
                expectedRevenue: Money(amountMinor: 5, currency: "USD"),
                startDate: LocalDate(2026, 1, 1),
                endDate: LocalDate(2026, 1, 1),
                ownerId: T.ops
            ),
            rule: "MKT-01.expected",
            kind: .invalidInput
        )
    }

    // MARK: MKT-02

    @Test func updatingRecordsEachChangedFieldWithBeforeAndAfter() throws {
        var store = try world()
        let out = try store.execute(
            UpdateCampaign(
                campaignId: spring,
                budget: .cny(6_000_000),
                endDate: LocalDate(2026, 5, 31),
                keywords: ["crm software"]
            ),
            as: .user(T.ops),
            at: t0
        )
        #expect(
            T.events(out) == [
                CampaignUpdated(changes: [
                    CampaignFieldChange(field: .budget, before: "5000000 CNY", after: "6000000 CNY"),
                    CampaignFieldChange(
                        field: .keywords,
                        before: "crm software|客户管理系统|free crm",
                        after: "crm software"
                    ),
                ])
            ]
        )
        let c = try #require(store.state(Campaign.self, spring))
        #expect(c.budget == .cny(6_000_000))
        #expect(c.keywords == ["crm software"])
    }

    @Test func aCompletedCampaignIsEditableOnlyWithTheEditCompletedPermission() throws {
        var store = try world()
        try store.execute(ChangeCampaignStatus(campaignId: spring, to: .active), as: sys, at: t0)
        try store.execute(ChangeCampaignStatus(campaignId: spring, to: .completed), as: sys, at: t0)
        T.expectRejected(
            &store,
            UpdateCampaign(campaignId: spring, name: "Spring 2026"),
            as: .user(T.ops),
            rule: "MKT-02.notCompleted",
            kind: .invalidState
        )
        let out = try store.execute(UpdateCampaign(campaignId: spring, name: "Spring 2026"), as: .user(T.admin), at: t0)
        #expect(
            T.events(out) == [
                CampaignUpdated(changes: [
                    CampaignFieldChange(
                        field: .name,
                        before: "Spring search + expo \(spring.description.suffix(3))",
                        after: "Spring 2026"
                    )
                ])
            ]
        )
    }

    @Test func reParentingUnderOwnDescendantIsACycle() throws {
        var store = try world()
        try store.execute(create(child, parent: spring), as: sys, at: t0)
        T.expectRejected(
            &store,
            UpdateCampaign(campaignId: spring, parentCampaignId: child),
            rule: "MKT-02.noCycle",
            kind: .invariantViolated
        )
        try store.execute(create(ID(702)), as: sys, at: t0)
        let out = try store.execute(UpdateCampaign(campaignId: child, parentCampaignId: ID(702)), as: sys, at: t0)
        #expect(
            T.events(out) == [
                CampaignUpdated(changes: [
                    CampaignFieldChange(
                        field: .parentCampaignId,
                        before: spring.description,
                        after: ID(702).description
                    )
                ])
            ]
        )
        #expect(store.children(of: StreamRef("campaign", spring.description), category: "campaign").isEmpty)
        #expect(
            store.children(of: StreamRef("campaign", ID(702).description), category: "campaign") == [
                StreamRef("campaign", child.description)
            ]
        )
    }

    @Test func badUpdatesAreRejected() throws {
        var store = try world()
        T.expectRejected(
            &store,
            UpdateCampaign(campaignId: ID(799), name: "x"),
            rule: "MKT-02.campaignExists",
            kind: .notFound
        )
        T.expectRejected(
            &store,
            UpdateCampaign(campaignId: spring, budget: .cny(5_000_000)),
            rule: "MKT-02.noChange",
            kind: .invalidInput
        )
        T.expectRejected(
            &store,
            UpdateCampaign(campaignId: spring, endDate: LocalDate(2026, 2, 1)),
            rule: "MKT-02.endNotBeforeStart",
            kind: .invariantViolated
        )
        T.expectRejected(
            &store,
            UpdateCampaign(campaignId: spring, budget: .cny(-5)),
            rule: "MKT-02.budgetNonNegative",
            kind: .invariantViolated
        )
        T.expectRejected(
            &store,
            UpdateCampaign(campaignId: spring, name: "x"),
            as: .user(T.viewer),
            rule: "MKT-02.perm",
            kind: .accessDenied
        )
    }

    // MARK: MKT-03

    @Test func statusMovesOnlyAlongAllowedTransitions() throws {
        var store = try world()
        T.expectRejected(
            &store,
            ChangeCampaignStatus(campaignId: spring, to: .completed),
            rule: "MKT-03.allowedTransition",
            kind: .invalidState
        )
        T.expectRejected(
            &store,
            ChangeCampaignStatus(campaignId: spring, to: .planning),
            rule: "MKT-03.allowedTransition",
            kind: .invalidState
        )
        let out = try store.execute(ChangeCampaignStatus(campaignId: spring, to: .active), as: .user(T.ops), at: t0)
        #expect(T.events(out) == [CampaignStatusChanged(from: .planning, to: .active)])
        try store.execute(ChangeCampaignStatus(campaignId: spring, to: .inactive), as: sys, at: t0)
        try store.execute(ChangeCampaignStatus(campaignId: spring, to: .completed), as: sys, at: t0)
        T.expectRejected(
            &store,
            ChangeCampaignStatus(campaignId: spring, to: .active),
            rule: "MKT-03.allowedTransition",
            kind: .invalidState
        )
        #expect(!ChangeCampaignStatus.allowed(from: .completed, to: .inactive))
    }

    // MARK: MKT-04

    @Test func aCostIsBookedPerKeywordAndChannel() throws {
        var store = try world()
        let out = try store.execute(
            RecordCampaignCost(
                campaignId: spring,
                costId: ID(7001),
                amount: .cny(2_000_000),
                incurredOn: LocalDate(2026, 3, 10),
                keyword: "crm software",
                channel: .searchAds,
                vendorRef: "baidu-2026-03"
            ),
            as: .user(T.ops),
            at: t0
        )
        #expect(
            T.events(out) == [
                CampaignCostRecorded(
                    costId: ID(7001),
                    amount: .cny(2_000_000),
                    incurredOn: LocalDate(2026, 3, 10),
                    keyword: "crm software",
                    channel: .searchAds,
                    vendorRef: "baidu-2026-03"
                )
            ]
        )
        let c = try #require(store.state(Campaign.self, spring))
        #expect(c.actualCost == .cny(2_000_000))
        #expect(c.costByKeyword == ["crm software": 2_000_000])
        #expect(c.costByChannel == [.searchAds: 2_000_000])
    }

    @Test func aZeroCostIsRejected() throws {
        var store = try world()
        T.expectRejected(
            &store,
            RecordCampaignCost(
                campaignId: spring,
                costId: ID(7001),
                amount: .cny(0),
                incurredOn: LocalDate(2026, 3, 10)
            ),
            rule: "MKT-04.amountNonZero",
            kind: .invariantViolated
        )
    }

    @Test func cumulativeCostMayExceedTheBudgetByTheToleranceOnly() throws {
        var store = try world()
        // Budget 5 000 000, tolerance 10 %: ceiling 5 500 000.
        try store.execute(
            RecordCampaignCost(
                campaignId: spring,
                costId: ID(7001),
                amount: .cny(5_000_000),
                incurredOn: LocalDate(2026, 3, 10)
            ),
            as: sys,
            at: t0
        )
        T.expectRejected(
            &store,
            RecordCampaignCost(
                campaignId: spring,
                costId: ID(7002),
                amount: .cny(500_001),
                incurredOn: LocalDate(2026, 3, 11)
            ),
            rule: "MKT-04.withinBudget",
            kind: .invariantViolated
        )
        try store.execute(
            RecordCampaignCost(
                campaignId: spring,
                costId: ID(7002),
                amount: .cny(500_000),
                incurredOn: LocalDate(2026, 3, 11)
            ),
            as: sys,
            at: t0
        )
        #expect(store.state(Campaign.self, spring)?.actualCostMinor == 5_500_000)
    }

    @Test func theOverBudgetOverrideNeedsTheApprovePermission() throws {
        var store = try world()
        let over = RecordCampaignCost(
            campaignId: spring,
            costId: ID(7001),
            amount: .cny(6_000_000),
            incurredOn: LocalDate(2026, 3, 10),
            overBudgetOverride: true
        )
        T.expectRejected(&store, over, as: .user(T.ops), rule: "MKT-04.overridePerm", kind: .accessDenied)
        let out = try store.execute(over, as: .user(T.admin), at: t0)
        #expect(out.count == 1)
        #expect(store.state(Campaign.self, spring)?.actualCostMinor == 6_000_000)
    }

    @Test func aNegativeCostCorrectsEarlierCostsButNeverBelowZero() throws {
        var store = try world()
        try store.execute(
            RecordCampaignCost(
                campaignId: spring,
                costId: ID(7001),
                amount: .cny(300_000),
                incurredOn: LocalDate(2026, 3, 10),
                keyword: "free crm"
            ),
            as: sys,
            at: t0
        )
        T.expectRejected(
            &store,
            RecordCampaignCost(
                campaignId: spring,
                costId: ID(7002),
                amount: .cny(-300_001),
                incurredOn: LocalDate(2026, 3, 12)
            ),
            rule: "MKT-04.correctionWithinRecorded",
            kind: .invariantViolated
        )
        T.expectRejected(
            &store,
            RecordCampaignCost(
                campaignId: spring,
                costId: ID(7002),
                amount: .cny(-100),
                incurredOn: LocalDate(2026, 3, 12),
                keyword: "crm software"
            ),
            rule: "MKT-04.correctionWithinRecorded",
            kind: .invariantViolated
        )
        let out = try store.execute(
            RecordCampaignCost(
                campaignId: spring,
                costId: ID(7002),
                amount: .cny(-100_000),
                incurredOn: LocalDate(2026, 3, 12),
                keyword: "free crm"
            ),
            as: sys,
            at: t0
        )
        #expect(out.count == 1)
        let c = try #require(store.state(Campaign.self, spring))
        #expect(c.actualCostMinor == 200_000)
        #expect(c.costByKeyword["free crm"] == 200_000)
    }

    @Test func badCostInputIsRejected() throws {
        var store = try world()
        let ok = RecordCampaignCost(
            campaignId: spring,
            costId: ID(7001),
            amount: .cny(1_000),
            incurredOn: LocalDate(2026, 3, 10)
        )
        try store.execute(ok, as: sys, at: t0)
        T.expectRejected(&store, ok, rule: "MKT-04.costIdUnique", kind: .alreadyExists)
        T.expectRejected(
            &store,
            RecordCampaignCost(
                campaignId: spring,
                costId: ID(7002),
                amount: .cny(1_000),
                incurredOn: LocalDate(2026, 3, 10),
                keyword: "crm"
            ),
            rule: "MKT-04.keywordKnown",
            kind: .invalidInput
        )
        T.expectRejected(
            &store,
            RecordCampaignCost(
                campaignId: spring,
                costId: ID(7002),
                amount: Money(amountMinor: 1_000, currency: "USD"),
                incurredOn: LocalDate(2026, 3, 10)
            ),
            rule: "MKT-04.currency",
            kind: .invalidInput
        )
        T.expectRejected(
            &store,
            RecordCampaignCost(
                campaignId: ID(799),
                costId: ID(7002),
                amount: .cny(1),
                incurredOn: LocalDate(2026, 3, 10)
            ),
            rule: "MKT-04.campaignExists",
            kind: .notFound
        )
        T.expectRejected(
            &store,
            RecordCampaignCost(
                campaignId: spring,
                costId: ID(7002),
                amount: .cny(1),
                incurredOn: LocalDate(2026, 3, 10)
            ),
            as: .user(T.viewer),
            rule: "MKT-04.perm",
            kind: .accessDenied
        )
    }

    @Test func theCostCeilingIsBudgetTimesOnePlusTolerance() {
        #expect(CampaignCostPolicy.ceilingMinor(budgetMinor: 5_000_000) == 5_500_000)
        #expect(CampaignCostPolicy.ceilingMinor(budgetMinor: 0) == 0)
        #expect(CampaignCostPolicy.ceilingMinor(budgetMinor: 9) == 9)
    }

    @Test func fieldValuesRoundTripThroughTheirTextForm() {
        #expect(CampaignFieldValue.parseMoney(CampaignFieldValue.money(.cny(-42))) == .cny(-42))
        #expect(CampaignFieldValue.parseMoney("12") == nil)
        #expect(CampaignFieldValue.parseKeywords(CampaignFieldValue.keywords(["a b", "客户"])) == ["a b", "客户"])
        #expect(CampaignFieldValue.keywords([]) == nil)
    }
}
