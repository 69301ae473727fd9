/// The event types and process managers of catalogue §2.5 contracts, payment plans, payments and invoices.
public enum ContractsCatalog {
    public static let eventTypes: [any DomainEvent.Type] = [
        ContractDrafted.self,
        ContractAmended.self,
        ContractSubmitted.self,
        ContractApproved.self,
        ContractRejected.self,
        ContractSigned.self,
        ContractVoided.self,
        ContractOwnerChanged.self,
        ContractExpired.self,
        ContractRenewed.self,
        PaymentInstallmentScheduled.self,
        PaymentInstallmentRevised.self,
        PaymentInstallmentCancelled.self,
        PaymentInstallmentOverdue.self,
        PaymentReceived.self,
        PaymentVerified.self,
        PaymentRejected.self,
        PaymentReversed.self,
        InvoiceRequested.self,
        InvoiceApproved.self,
        InvoiceRejected.self,
        InvoiceIssued.self,
        InvoiceReversed.self,
    ]

    public static let processManagers: [any ProcessManager] = [ContractApprovalProcess(), ContractDealProcess()]
}
