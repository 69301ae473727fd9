/// The event types and process managers of the lead area (catalogue §2.2 "Leads", LED-01..LED-09), plus the
/// offboarding process of ACC-02, which lives here because it issues the commands of every record area.
public enum LeadsCatalog {
    public static let eventTypes: [any DomainEvent.Type] = [
        LeadCaptured.self,
        LeadUpdated.self,
        LeadGraded.self,
        LeadAssigned.self,
        LeadClaimedFromPool.self,
        LeadReturnedToPool.self,
        LeadQualified.self,
        LeadDisqualified.self,
        LeadConverted.self,
    ]

    public static let processManagers: [any ProcessManager] = [
        LeadConversionProcess(),
        LeadDedupeProcess(),
        UserOffboardingProcess(),
    ]
}
