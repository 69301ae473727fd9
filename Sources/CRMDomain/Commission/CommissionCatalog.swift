/// The event types and process manager of catalogue §2.7 commission.
public enum CommissionCatalog {
    public static let eventTypes: [any DomainEvent.Type] = [
        CommissionPlanDrafted.self,
        CommissionPlanRevised.self,
        CommissionPlanApproved.self,
        CommissionPlanResetToDraft.self,
        CommissionPlanAssigned.self,
        CommissionAccrued.self,
        CommissionReversed.self,
        CommissionAdjusted.self,
        CommissionStatementClosed.self,
        CommissionPaid.self,
    ]

    public static let processManagers: [any ProcessManager] = [CommissionProcess()]
}
