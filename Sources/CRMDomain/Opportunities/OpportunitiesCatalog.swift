/// The event types and process managers of catalogue §2.4 (opportunity management, OPP-01..OPP-18).
public enum OpportunitiesCatalog {
    public static let eventTypes: [any DomainEvent.Type] = [
        PipelineDefined.self,
        PipelineRevised.self,
        LostReasonDefined.self,
        OpportunityCreated.self,
        OpportunityUpdated.self,
        OpportunityAmountChanged.self,
        OpportunityCloseDateChanged.self,
        OpportunityLineItemsChanged.self,
        OpportunityStageAdvanced.self,
        OpportunityStageMovedBack.self,
        OpportunityForecastAdjusted.self,
        OpportunityWon.self,
        OpportunityLost.self,
        OpportunityVoided.self,
        OpportunityReopened.self,
        OpportunityOwnerChanged.self,
        OpportunitySplitsSet.self,
        OpportunityArchived.self,
    ]

    public static let processManagers: [any ProcessManager] = [
        OpportunityWonContractDraft()
    ]
}
