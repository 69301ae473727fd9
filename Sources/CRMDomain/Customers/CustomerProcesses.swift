// Process managers of the customer transfer (catalogue §2.11 "CUS-12 TransferRequested" row):
// APR-07 → CUS-13, APR-05 → CUS-14, APR-06 → CUS-15; then CUS-13 → OPP-16 + CTR-08 for the carried records and
// ACC-09 when the old owner stays as a team member. (APR-03 is part of the CUS-12 decision itself.)

/// Turns the outcome of a customerTransfer approval into the transfer decision: APR-07 completed → approve
/// (CUS-13) by the last approver, APR-05 rejected → reject (CUS-14) with the approver's reason, APR-06 recalled →
/// withdraw (CUS-15). Reacts only while the customer's pending request is the one that approval decides.
public struct CustomerTransferApprovalProcess: ProcessManager {
    public let name = "customerTransferApproval"

    public init() {}

    public func react(to event: RecordedDomainEvent, context: any DecisionContext) -> [any Command] {
        switch event.event {
        case let e as ApprovalCompleted where e.target.type == .customerTransfer && e.outcome == .approved:
            guard let p = pending(e.target.id, approvalId: e.approvalId, context) else { return [] }
            let approvalEvents = context.events(of: .of(Approval.self, e.approvalId)).events
            guard let last = approvalEvents.compactMap({ $0 as? ApprovalStepApproved }).last else { return [] }
            return [
                ApproveCustomerTransfer(customerId: e.target.id, requestId: p.requestId, approverId: last.approverId)
            ]
        case let e as ApprovalRejected where e.target.type == .customerTransfer:
            guard let p = pending(e.target.id, approvalId: e.approvalId, context) else { return [] }
            return [
                RejectCustomerTransfer(
                    customerId: e.target.id,
                    requestId: p.requestId,
                    approverId: e.approverId,
                    reason: e.reason
                )
            ]
        case let e as ApprovalRecalled where e.target.type == .customerTransfer:
            guard let p = pending(e.target.id, approvalId: e.approvalId, context) else { return [] }
            return [WithdrawCustomerTransfer(customerId: e.target.id, requestId: p.requestId)]
        default:
            return []
        }
    }

    private func pending(_ customerId: ID, approvalId: ID, _ context: any DecisionContext) -> Customer.PendingTransfer?
    {
        let customer = Customer.fold(context.events(of: .of(Customer.self, customerId)).events)
        guard let p = customer.pendingTransfer, p.approvalId == approvalId else { return nil }
        return p
    }
}

/// Carries the records of an approved transfer (CUS-13) to the new owner: OPP-16 for each carried opportunity and
/// CTR-08 for each carried contract (cause customerTransfer with the request id), and ACC-09 sharing the customer
/// with the previous owner when the request kept them as a team member (skipped when that membership has already
/// expired by the approval).
public struct CustomerTransferCarryProcess: ProcessManager {
    public let name = "customerTransferCarry"

    public init() {}

    public func react(to event: RecordedDomainEvent, context: any DecisionContext) -> [any Command] {
        guard let e = event.event as? CustomerTransferApproved, let customerId = event.stream.id else { return [] }
        var commands: [any Command] = []
        for id in e.carried.opportunityIds {
            commands.append(
                ChangeOpportunityOwner(oppId: id, toOwnerId: e.newOwnerId, cause: .customerTransfer(e.requestId))
            )
        }
        for id in e.carried.contractIds {
            commands.append(
                ChangeContractOwner(contractId: id, toOwnerId: e.newOwnerId, cause: .customerTransfer(e.requestId))
            )
        }
        let request = context.events(of: event.stream).events
            .compactMap { $0 as? CustomerTransferRequested }
            .last { $0.requestId == e.requestId }
        if let retention = request?.oldOwnerRetention, retention.kind == .teamMember, let access = retention.access,
            retention.expiresAt.map({ $0 > event.recordedAt }) ?? true
        {
            commands.append(
                ShareRecord(
                    entityType: .customer,
                    entityId: customerId,
                    granteeUserId: e.previousOwnerId,
                    access: access,
                    expiresAt: retention.expiresAt,
                    reason: .transferRetention
                )
            )
        }
        return commands
    }
}
