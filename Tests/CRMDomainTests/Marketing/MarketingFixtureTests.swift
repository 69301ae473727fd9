import CRMDomain
import Testing

@Suite struct MarketingFixtureTests {
    @Test func everyMarketingFixtureLineDecodesAndRoundTrips() throws {
        let categories = [
            "CampaignCreated": Campaign.category, "CampaignUpdated": Campaign.category,
            "CampaignStatusChanged": Campaign.category, "CampaignCostRecorded": Campaign.category,
            "AudienceListDefined": AudienceList.category, "MessageTemplateDefined": MessageTemplate.category,
            "MassSendScheduled": MassSend.category, "MessageSent": MessageRecipient.category,
            "MessageEngagementRecorded": MessageRecipient.category,
        ]
        try LoyaltyFixtures.verify("marketing.jsonl", types: MarketingCatalog.eventTypes, categories: categories)
    }

    @Test func theCatalogListsEveryMarketingEventOnce() {
        let names = MarketingCatalog.eventTypes.map { $0.eventType }
        #expect(Set(names).count == names.count)
        #expect(names.count == 9)
        #expect(MarketingCatalog.processManagers.isEmpty)
    }
}
