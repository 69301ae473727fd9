// Process managers of catalogue §2.11 for contracts, payments and invoices:
// - CTR-03 ContractSubmitted → APR-03 SubmitForApproval (contract flow), or CTR-04 directly when no flow applies;
//   APR-07 → CTR-04, APR-05 → CTR-05.
// - PAY-05 PaymentReceived → APR-03 when a payment flow applies; APR-07 → PAY-06, APR-05 → PAY-07.
// - INV-01 InvoiceRequested → APR-03 when an invoice flow applies; APR-07 → INV-02, APR-05 → INV-03.
// - APR-07 on a commission plan → COM-03.
// - CTR-06 ContractSigned → CUS-20 (dealt, cause contractSigned) when the customer is not dealt yet.
//
// Each reaction re-reads the target and only issues a command whose preconditions hold, so a replayed or late
// trigger issues nothing.

extension ProcessManager {
    /// A read-only decision over `context`, for reading aggregates and routing in `react`.
    func contractsReader(_ event: RecordedDomainEvent, _ context: any DecisionContext) -> Decision {
        Decision(actor: .system(job: name), now: event.recordedAt, context: context, ids: .incrementing())
    }
}

/// Routes contracts, payments, invoices and commission plans through the approval engine.
public struct ContractApprovalProcess: ProcessManager {
    public let name = "contractApproval"

    public init() {}

    public func react(to event: RecordedDomainEvent, context: any DecisionContext) -> [any Command] {
        var d = contractsReader(event, context)
        switch event.event {
        case let e as ContractSubmitted:
            guard let id = event.stream.id, let c = d.load(Contract.self, id), c.status == .submitted,
                c.pendingApprovalId == e.approvalId
            else { return [] }
            let submitter = event.actor.userId ?? c.ownerId ?? id
            do {
                guard
                    let flow = try ApprovalRouting.route(
                        .contract,
                        submitterId: submitter,
                        amount: c.amount,
                        in: &d,
                        rule: "CTR-03"
                    )
                else { return [ApproveContract(contractId: id, approvalId: e.approvalId)] }
                return [
                    SubmitForApproval(
                        approvalId: e.approvalId,
                        flowId: flow.flowId,
                        target: ApprovalTarget(type: .contract, id: id, version: c.revision),
                        submitterId: submitter,
                        snapshotAmount: c.amount
                    )
                ]
            } catch {
                return []
            }
        case let e as PaymentReceived:
            let submitter = event.actor.userId ?? d.load(Contract.self, e.contractId)?.ownerId ?? e.paymentId
            guard
                (try? ApprovalRouting.route(.payment, submitterId: submitter, amount: e.amount, in: &d, rule: "PAY-05"))
                    != nil
            else { return [] }
            return [RequestPaymentApproval(paymentId: e.paymentId, submitterId: submitter)]
        case let e as InvoiceRequested:
            let submitter = event.actor.userId ?? d.load(Contract.self, e.contractId)?.ownerId ?? e.invoiceId
            guard
                (try? ApprovalRouting.route(.invoice, submitterId: submitter, amount: e.amount, in: &d, rule: "INV-01"))
                    != nil
            else { return [] }
            return [RequestInvoiceApproval(invoiceId: e.invoiceId, submitterId: submitter)]
        case let e as ApprovalCompleted:
            let t = e.target
            switch t.type {
            case .contract:
                guard let c = d.load(Contract.self, t.id), c.status == .submitted, c.pendingApprovalId == e.approvalId
                else { return [] }
                return [ApproveContract(contractId: t.id, approvalId: e.approvalId)]
            case .payment:
                guard d.load(Payment.self, t.id)?.status == .pending else { return [] }
                return [VerifyPayment(paymentId: t.id, approvalId: e.approvalId)]
            case .invoice:
                guard d.load(Invoice.self, t.id)?.status == .requested else { return [] }
                return [ApproveInvoice(invoiceId: t.id, approvalId: e.approvalId)]
            case .commissionPlan:
                guard let p = d.load(CommissionPlan.self, t.id), p.status == .draft, p.version == t.version else {
                    return []
                }
                return [ApproveCommissionPlan(planId: t.id, approvalId: e.approvalId)]
            default:
                return []
            }
        case let e as ApprovalRejected:
            let t = e.target
            switch t.type {
            case .contract:
                guard let c = d.load(Contract.self, t.id), c.status == .submitted, c.pendingApprovalId == e.approvalId
                else { return [] }
                return [RejectContract(contractId: t.id, approvalId: e.approvalId, reason: e.reason)]
            case .payment:
                guard d.load(Payment.self, t.id)?.status == .pending else { return [] }
                return [RejectPayment(paymentId: t.id, reason: e.reason)]
            case .invoice:
                guard d.load(Invoice.self, t.id)?.status == .requested else { return [] }
                return [RejectInvoice(invoiceId: t.id, approvalId: e.approvalId, reason: e.reason)]
            default:
                return []
            }
        default:
            return []
        }
    }
}

/// CTR-06 ContractSigned → CUS-20: the customer becomes dealt (成交).
public struct ContractDealProcess: ProcessManager {
    public let name = "contractDeal"

    public init() {}

    public func react(to event: RecordedDomainEvent, context: any DecisionContext) -> [any Command] {
        guard event.event is ContractSigned, let id = event.stream.id else { return [] }
        var d = contractsReader(event, context)
        guard let c = d.load(Contract.self, id), let customerId = c.customerId,
            let (_, customer) = CustomerLookup.resolve(customerId, in: &d), customer.isLive, !customer.dealt
        else { return [] }
        return [ChangeCustomerDealStatus(customerId: customerId, dealt: true, cause: .contractSigned)]
    }
}
