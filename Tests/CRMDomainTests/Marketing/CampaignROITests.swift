import CRMDomain
import Testing

/// §3.6 worked example: campaign "Spring search + expo", amounts in yuan (minor units = yuan × 100).
@Suite struct CampaignROITests {
    func cost(_ id: UInt64, _ yuan: Int64, _ keyword: String?) -> CampaignCostRecorded {
        CampaignCostRecorded(
            costId: ID(id),
            amount: .cny(yuan * 100),
            incurredOn: LocalDate(2026, 3, 15),
            keyword: keyword,
            channel: keyword == nil ? .event : .searchAds,
            vendorRef: nil
        )
    }

    var costs: [CampaignCostRecorded] {
        [
            cost(1, 15_000, "crm software"), cost(2, 25_000, "客户管理系统"), cost(3, 5_000, "free crm"),
            cost(4, 5_000, "crm software"),
        ]
    }

    @Test func roiOfTheWorkedExampleIs260PercentWithCostCountedOnce() {
        let actual = CampaignROI.actualCost(costs, currency: "CNY")
        #expect(actual == .cny(5_000_000))
        let p = CampaignPerformance(
            actualCost: actual,
            leads: 200,
            converted: 40,
            wonDeals: 12,
            wonRevenue: .cny(18_000_000)
        )
        #expect(p.roiBasisPoints == 26_000)
        #expect(p.costPerLead == .cny(25_000))
        #expect(p.costPerConversion == .cny(125_000))
        #expect(p.costPerWonDeal == .cny(416_667))  // 4 166.67
        #expect(p.budgetUsedBasisPoints(budget: .cny(6_000_000)) == 8_333)
        // The SuiteCRM query sums the cost once per won opportunity (12×): (180 000 − 600 000) / 600 000 = −70 %.
        let doubleCounted = CampaignPerformance(actualCost: .cny(12 * 5_000_000), wonRevenue: .cny(18_000_000))
        #expect(doubleCounted.roiBasisPoints == -7_000)
        #expect(p.roiBasisPoints != doubleCounted.roiBasisPoints)
    }

    @Test func keywordRowsMatchTheWorkedExampleAndAddUpToTheCampaign() {
        let revenue = [
            KeywordRevenue(keyword: "crm software", amount: .cny(6_000_000)),
            KeywordRevenue(keyword: "客户管理系统", amount: .cny(6_000_000)),
            KeywordRevenue(keyword: nil, amount: .cny(3_000_000)),
            KeywordRevenue(keyword: "crm software", amount: .cny(3_000_000)),
        ]
        let rows = CampaignROI.keywordRows(costs: costs, revenue: revenue, currency: "CNY")
        #expect(
            rows == [
                CampaignKeywordPerformance(keyword: "crm software", cost: .cny(2_000_000), wonRevenue: .cny(9_000_000)),
                CampaignKeywordPerformance(keyword: "客户管理系统", cost: .cny(2_500_000), wonRevenue: .cny(6_000_000)),
                CampaignKeywordPerformance(keyword: "free crm", cost: .cny(500_000), wonRevenue: .cny(0)),
                CampaignKeywordPerformance(keyword: nil, cost: .cny(0), wonRevenue: .cny(3_000_000)),
            ]
        )
        #expect(rows.map(\.roiBasisPoints) == [35_000, 14_000, -10_000, nil])
        #expect(rows.reduce(0) { $0 + $1.cost.amountMinor } == 5_000_000)
        #expect(rows.reduce(0) { $0 + $1.wonRevenue.amountMinor } == 18_000_000)
    }

    @Test func ratiosAreUndefinedWithoutADenominator() {
        let p = CampaignPerformance(actualCost: .cny(0), wonRevenue: .cny(100))
        #expect(p.roiBasisPoints == nil)
        #expect(p.costPerLead == nil)
        #expect(p.costPerClick == nil)
        let q = CampaignPerformance(actualCost: .cny(1_000), wonRevenue: .cny(0), impressions: 3, clicks: 7)
        #expect(q.costPerImpression == .cny(333))
        #expect(q.costPerClick == .cny(143))
    }

    @Test func hierarchyCostRollsChildrenUpToTheRoot() {
        let parents = [ID(2): ID(1), ID(3): ID(2), ID(4): ID(9)]
        let costs = [ID(1): Money.cny(100), ID(2): .cny(20), ID(3): .cny(3), ID(4): .cny(4000)]
        #expect(CampaignROI.hierarchyCost(of: ID(1), costs: costs, parents: parents) == 123)
        #expect(CampaignROI.hierarchyCost(of: ID(2), costs: costs, parents: parents) == 23)
    }

    @Test func theCampaignAggregateCountsEachCostOnce() throws {
        var store = try LoyaltyTesting.storeWithUsers()
        let sys = LoyaltyTesting.system
        let t0 = LoyaltyTesting.t0
        try store.execute(
            CreateCampaign(
                campaignId: ID(700),
                name: "Spring search + expo",
                channelType: .searchAds,
                budget: .cny(5_000_000),
                startDate: LocalDate(2026, 3, 1),
                endDate: LocalDate(2026, 5, 31),
                ownerId: LoyaltyTesting.ops,
                keywords: ["crm software", "客户管理系统", "free crm"]
            ),
            as: sys,
            at: t0
        )
        for c in costs {
            try store.execute(
                RecordCampaignCost(
                    campaignId: ID(700),
                    costId: c.costId,
                    amount: c.amount,
                    incurredOn: c.incurredOn,
                    keyword: c.keyword,
                    channel: c.channel
                ),
                as: sys,
                at: t0
            )
        }
        let campaign = try #require(store.state(Campaign.self, ID(700)))
        #expect(campaign.actualCost == CampaignROI.actualCost(costs, currency: "CNY"))
        #expect(campaign.costByKeyword == ["crm software": 2_000_000, "客户管理系统": 2_500_000, "free crm": 500_000])
        #expect(campaign.costByChannel == [.searchAds: 5_000_000])
    }
}
