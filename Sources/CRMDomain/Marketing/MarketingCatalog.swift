/// The event types and process managers of catalogue §2.8 (marketing).
public enum MarketingCatalog {
    public static let eventTypes: [any DomainEvent.Type] = [
        CampaignCreated.self,
        CampaignUpdated.self,
        CampaignStatusChanged.self,
        CampaignCostRecorded.self,
        AudienceListDefined.self,
        MessageTemplateDefined.self,
        MassSendScheduled.self,
        MessageSent.self,
        MessageEngagementRecorded.self,
    ]

    public static let processManagers: [any ProcessManager] = []
}
