/// The event types of the generic approval engine (catalogue §2.5, APR-01..APR-07). The engine has no process
/// manager of its own: each target area reacts to `ApprovalCompleted` / `ApprovalRejected` / `ApprovalRecalled`
/// for its `target.type`.
public enum ApprovalsCatalog {
    public static let eventTypes: [any DomainEvent.Type] = [
        ApprovalFlowDefined.self,
        ApprovalFlowRetired.self,
        ApprovalSubmitted.self,
        ApprovalStepApproved.self,
        ApprovalRejected.self,
        ApprovalRecalled.self,
        ApprovalCompleted.self,
    ]

    public static let processManagers: [any ProcessManager] = []
}
