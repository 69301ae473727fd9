/// The event types and process managers of the customer area: customers (CUS-01..CUS-22), contacts
/// (CON-01..CON-04), pools and ownership policy (POL-01..POL-07) and the customer scale configuration.
public enum CustomersCatalog {
    public static let eventTypes: [any DomainEvent.Type] = [
        CustomerCreated.self,
        CustomerUpdated.self,
        CustomerLevelChanged.self,
        CustomerCreditRated.self,
        CustomerListed.self,
        CustomerDelisted.self,
        CustomerLocked.self,
        CustomerUnlocked.self,
        CustomerClaimedFromPool.self,
        CustomerAssigned.self,
        CustomerReturnedToPool.self,
        CustomerTransferRequested.self,
        CustomerTransferApproved.self,
        CustomerTransferRejected.self,
        CustomerTransferWithdrawn.self,
        DuplicateSuspected.self,
        CustomersMerged.self,
        CustomerMergedAway.self,
        CustomerParentChanged.self,
        CustomerDealStatusChanged.self,
        CustomerArchived.self,
        CustomerRestored.self,
        ContactAdded.self,
        ContactUpdated.self,
        PrimaryContactSet.self,
        ContactRemoved.self,
        PoolDefined.self,
        PoolSettingsChanged.self,
        PoolStatusChanged.self,
        PoolReclaimRuleSet.self,
        PoolReclaimRuleRemoved.self,
        OwnershipLimitSet.self,
        AssignmentCapacitySet.self,
        CustomerScalesConfigured.self,
    ]

    public static let processManagers: [any ProcessManager] = [
        CustomerTransferApprovalProcess(),
        CustomerTransferCarryProcess(),
    ]
}
