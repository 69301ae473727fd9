/// Every event type of the engine, its upcasters, and the registry built from them.
///
/// Each area lists its types in `<Area>Catalog.eventTypes`; this enum joins them. Add an area's list here when the
/// area is integrated, and an ``Upcaster`` to ``upcasters`` whenever an event's ``DomainEvent/schemaVersion`` goes up.
public enum EventCatalog {
    /// §2.1 organisation and access.
    public static let organisationEventTypes: [any DomainEvent.Type] = [
        UserOnboarded.self,
        UserOffboarded.self,
        DepartmentDefined.self,
        RoleDefined.self,
        RolePermissionsChanged.self,
        FieldPermissionSet.self,
        UserRolesChanged.self,
        SharingRuleDefined.self,
        RecordShared.self,
        RecordShareRevoked.self,
        RecordsExported.self,
    ]

    /// Every current event type.
    public static let eventTypes: [any DomainEvent.Type] =
        organisationEventTypes + LeadsCatalog.eventTypes + ActivitiesCatalog.eventTypes + CustomersCatalog.eventTypes
        + OpportunitiesCatalog.eventTypes + ApprovalsCatalog.eventTypes + ContractsCatalog.eventTypes
        + TargetsCatalog.eventTypes + CommissionCatalog.eventTypes + MarketingCatalog.eventTypes
        + LoyaltyCatalog.eventTypes + ServiceCatalog.eventTypes

    /// Every process manager (saga), in the order the engine runs them on each new event.
    public static let processManagers: [any ProcessManager] =
        LeadsCatalog.processManagers + ActivitiesCatalog.processManagers + CustomersCatalog.processManagers
        + OpportunitiesCatalog.processManagers + ApprovalsCatalog.processManagers + ContractsCatalog.processManagers
        + TargetsCatalog.processManagers + CommissionCatalog.processManagers + MarketingCatalog.processManagers
        + LoyaltyCatalog.processManagers + ServiceCatalog.processManagers

    /// Every upcaster, one per (event type, old schema version).
    public static let upcasters: [any Upcaster] = [
        UserOnboardedV1Upcaster()
    ]

    /// The registry of ``eventTypes`` and ``upcasters``.
    public static let registry = EventRegistry(types: eventTypes, upcasters: upcasters)
}
