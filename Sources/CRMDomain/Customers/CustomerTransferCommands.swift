// Customer transfer with approval (CUS-12..CUS-15), §1.1 "Transfer" and gap "request → approve transfer flow".
//
// A request goes to the generic approval engine when a customerTransfer flow is active: the submission (APR-03,
// target `customerTransfer <customerId>`, version = the customer stream version the request was decided on) is part
// of the request decision, so a request never exists without its approval (the requester needs the `submit`
// permission on customers, as for any record submitted to approval). `CustomerTransferApprovalProcess` then turns
// APR-07 into CUS-13, APR-05 into CUS-14 and APR-06 into CUS-15. Without an active flow the request is approved at
// once when the requester is a manager above the owner (WukongCRM transfers directly); a request by the owner waits
// for a manager above the owner to approve or reject it.

/// CUS-12: request the transfer of an owned customer to another user.
public struct RequestCustomerTransfer: Command {
    public let customerId: ID
    public let requestId: ID
    public let toOwnerId: ID
    public let carry: TransferCarry
    public let oldOwnerRetention: OldOwnerRetention
    public let reason: String
    public let requesterId: ID

    public init(
        customerId: ID,
        requestId: ID,
        toOwnerId: ID,
        carry: TransferCarry = .everything,
        oldOwnerRetention: OldOwnerRetention = .remove,
        reason: String,
        requesterId: ID
    ) {
        self.customerId = customerId
        self.requestId = requestId
        self.toOwnerId = toOwnerId
        self.carry = carry
        self.oldOwnerRetention = oldOwnerRetention
        self.reason = reason
        self.requesterId = requesterId
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let c = try CustomerLookup.live(customerId, "CUS-12.exists", in: &d)
        let stream = StreamRef.of(Customer.self, customerId)
        try Rejection.require(reason, "CUS-12.reason", field: "reason")
        if oldOwnerRetention.kind == .teamMember {
            guard oldOwnerRetention.access != nil else {
                throw .missing("CUS-12.oldOwnerRetention", field: "oldOwnerRetention.access")
            }
            if let expiresAt = oldOwnerRetention.expiresAt, expiresAt <= d.now {
                throw .invalidInput(
                    "CUS-12.oldOwnerRetention",
                    field: "oldOwnerRetention.expiresAt",
                    "\(expiresAt) is not in the future (now \(d.now))"
                )
            }
        }
        guard let owner = c.ownerId else {
            throw .invalidState(
                "CUS-12.owned",
                "customer \(customerId) has no owner; distribute it from its pool (CUS-10) instead",
                ["customerId": customerId.description]
            )
        }
        if let pending = c.pendingTransfer {
            throw .violated(
                "CUS-12.noPendingTransfer",
                "customer \(customerId) already has pending transfer request \(pending.requestId) to "
                    + "\(pending.toOwnerId); "
                    + "withdraw it or wait for its decision",
                ["pendingRequestId": pending.requestId.description]
            )
        }
        let org = d.organisation
        guard org.isActiveUser(toOwnerId) else { throw .notFound("CUS-12.toOwnerActive", "user", id: toOwnerId) }
        guard toOwnerId != owner else {
            throw .violated(
                "CUS-12.toOwnerNotOwner",
                "user \(toOwnerId) already owns customer \(customerId); choose another new owner",
                ["toOwnerId": toOwnerId.description]
            )
        }
        guard CustomerLookup.actorIs(requesterId, d) else {
            throw .violated(
                "CUS-12.requesterIsActor",
                "\(d.actor) cannot request a transfer as user \(requesterId); request as yourself",
                ["requesterId": requesterId.description]
            )
        }
        let requesterIsManager = requesterId != owner && org.isSubordinate(owner, of: requesterId)
        guard requesterId == owner || requesterIsManager else {
            throw .violated(
                "CUS-12.requesterOwnerOrManager",
                "user \(requesterId) is neither the owner \(owner) of customer \(customerId) nor a manager above them",
                ["requesterId": requesterId.description, "ownerId": owner.description]
            )
        }
        try d.authorize(.transfer, on: .customer, owner: owner, record: stream, rule: "CUS-12.perm")
        let version = (d.reads[stream] ?? nil) ?? 0
        if let flow = ApprovalFlows.activeFlow(for: .customerTransfer, in: &d) {
            let approvalId = d.newID()
            d.emit(event(approvalId: approvalId), to: stream)
            try SubmitForApproval(
                approvalId: approvalId,
                flowId: flow.flowId,
                target: ApprovalTarget(type: .customerTransfer, id: customerId, version: version),
                submitterId: requesterId,
                snapshotAmount: nil
            ).decide(&d)
        } else {
            d.emit(event(approvalId: nil), to: stream)
            if requesterIsManager {
                try ApproveCustomerTransfer(customerId: customerId, requestId: requestId, approverId: requesterId)
                    .decide(&d)
            }
        }
    }

    private func event(approvalId: ID?) -> CustomerTransferRequested {
        CustomerTransferRequested(
            requestId: requestId,
            toOwnerId: toOwnerId,
            carry: carry,
            oldOwnerRetention: oldOwnerRetention,
            reason: reason,
            approvalId: approvalId,
            requesterId: requesterId
        )
    }
}

/// Shared checks of the transfer decisions.
enum TransferDecision {
    static func pending(_ c: Customer, _ requestId: ID, row: String) throws(Rejection) -> Customer.PendingTransfer {
        guard let p = c.pendingTransfer, p.requestId == requestId else {
            throw .invalidState(
                "\(row).requestPending",
                "transfer request \(requestId) is not pending on customer \(c.customerId?.description ?? "?")"
                    + (c.pendingTransfer.map { " (pending: \($0.requestId))" } ?? ""),
                ["requestId": requestId.description]
            )
        }
        return p
    }

    static func actingAs(_ approverId: ID, row: String, _ d: Decision) throws(Rejection) {
        guard CustomerLookup.actorIs(approverId, d) else {
            throw .violated(
                "\(row).approverIsActor",
                "\(d.actor) cannot decide as user \(approverId); decide as yourself",
                ["approverId": approverId.description]
            )
        }
    }

    /// Without an approval flow, a manager above the owner decides.
    static func approverIsManager(_ approverId: ID, owner: ID, row: String, _ d: Decision) throws(Rejection) {
        guard approverId != owner, d.organisation.isSubordinate(owner, of: approverId) else {
            throw .violated(
                "\(row).approverIsManager",
                "user \(approverId) is not a manager above owner \(owner); the owner's manager decides this transfer",
                ["approverId": approverId.description, "ownerId": owner.description]
            )
        }
    }

    static func approval(_ id: ID, in d: inout Decision) -> Approval? { d.load(Approval.self, id) }
}

/// CUS-13: approve a pending transfer: after its approval completed (issued by `CustomerTransferApprovalProcess`),
/// or, without an approval flow, by a manager above the owner. Re-checks the new owner's cap (pitfall §5.6) and
/// lists the carried records: live contacts; open opportunities and non-void, non-expired contracts of this customer
/// owned by the previous owner or that owner's subordinates (and not already by the new owner).
public struct ApproveCustomerTransfer: Command {
    public let customerId: ID
    public let requestId: ID
    public let approverId: ID

    public init(customerId: ID, requestId: ID, approverId: ID) {
        self.customerId = customerId
        self.requestId = requestId
        self.approverId = approverId
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let row = "CUS-13"
        let c = try CustomerLookup.live(customerId, "\(row).exists", in: &d)
        let p = try TransferDecision.pending(c, requestId, row: row)
        try TransferDecision.actingAs(approverId, row: row, d)
        guard let owner = c.ownerId else {
            throw .invalidState(
                "\(row).owned",
                "customer \(customerId) has no owner any more",
                ["customerId": customerId.description]
            )
        }
        if let approvalId = p.approvalId {
            let status = TransferDecision.approval(approvalId, in: &d)?.status
            guard status == .approved else {
                throw .invalidState(
                    "\(row).approvalCompleted",
                    "approval \(approvalId) of transfer request \(requestId) is \(status?.rawValue ?? "missing"), not "
                        + "approved; the approval flow decides this transfer",
                    ["approvalId": approvalId.description, "status": status?.rawValue ?? "missing"]
                )
            }
        } else {
            try TransferDecision.approverIsManager(approverId, owner: owner, row: row, d)
        }
        guard d.organisation.isActiveUser(p.toOwnerId) else {
            throw .violated(
                "\(row).newOwnerActive",
                "new owner \(p.toOwnerId) is no longer active; reject request \(requestId) and request another owner",
                ["toOwnerId": p.toOwnerId.description]
            )
        }
        try OwnershipCaps.checkOwned(p.toOwnerId, taking: [c], rule: "\(row).ownedCap", in: &d)
        let carried = carriedRecords(p.carry, previousOwner: owner, newOwner: p.toOwnerId, in: &d)
        d.emit(
            CustomerTransferApproved(
                requestId: requestId,
                approverId: approverId,
                newOwnerId: p.toOwnerId,
                carried: carried,
                previousOwnerId: owner,
                at: d.now
            ),
            to: .of(Customer.self, customerId)
        )
    }

    private func carriedRecords(
        _ carry: TransferCarry,
        previousOwner: ID,
        newOwner: ID,
        in d: inout Decision
    ) -> TransferCarried {
        let stream = StreamRef.of(Customer.self, customerId)
        let org = d.organisation
        let ownedByPrevious = { (owner: ID?) in
            owner.map { $0 != newOwner && org.isSubordinate($0, of: previousOwner) } ?? false
        }
        var contacts: [ID] = []
        var opportunities: [ID] = []
        var contracts: [ID] = []
        if carry.contacts {
            for s in d.children(of: stream, category: Contact.category)
            where d.load(Contact.self, stream: s)?.isLive == true {
                if let id = s.id { contacts.append(id) }
            }
        }
        if carry.opportunities {
            for s in d.children(of: stream, category: Opportunity.category) {
                guard let o = d.load(Opportunity.self, stream: s), o.isOpen, ownedByPrevious(o.ownerId), let id = s.id
                else {
                    continue
                }
                opportunities.append(id)
            }
        }
        if carry.contracts {
            for s in d.children(of: stream, category: Contract.category) {
                guard let k = d.load(Contract.self, stream: s), k.exists, ![.voided, .expired].contains(k.status),
                    ownedByPrevious(k.ownerId), let id = s.id
                else { continue }
                contracts.append(id)
            }
        }
        return TransferCarried(contactIds: contacts, opportunityIds: opportunities, contractIds: contracts)
    }
}

/// CUS-14: reject a pending transfer, with a reason: after its approval was rejected (issued by
/// `CustomerTransferApprovalProcess`), or, without an approval flow, by a manager above the owner.
public struct RejectCustomerTransfer: Command {
    public let customerId: ID
    public let requestId: ID
    public let approverId: ID
    public let reason: String

    public init(customerId: ID, requestId: ID, approverId: ID, reason: String) {
        self.customerId = customerId
        self.requestId = requestId
        self.approverId = approverId
        self.reason = reason
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let row = "CUS-14"
        let c = try CustomerLookup.live(customerId, "\(row).exists", in: &d)
        let p = try TransferDecision.pending(c, requestId, row: row)
        try Rejection.require(reason, "\(row).reason", field: "reason")
        try TransferDecision.actingAs(approverId, row: row, d)
        if let approvalId = p.approvalId {
            let status = TransferDecision.approval(approvalId, in: &d)?.status
            guard status == .rejected else {
                throw .invalidState(
                    "\(row).decidedByApproval",
                    "transfer request \(requestId) is decided by approval \(approvalId) "
                        + "(\(status?.rawValue ?? "missing")); "
                        + "reject it there",
                    ["approvalId": approvalId.description, "status": status?.rawValue ?? "missing"]
                )
            }
        } else if let owner = c.ownerId {
            try TransferDecision.approverIsManager(approverId, owner: owner, row: row, d)
        }
        d.emit(
            CustomerTransferRejected(requestId: requestId, approverId: approverId, reason: reason),
            to: .of(Customer.self, customerId)
        )
    }
}

/// CUS-15: the requester withdraws a pending transfer; a pending approval of it is recalled in the same decision
/// (APR-06, subject to the flow's recall rule).
public struct WithdrawCustomerTransfer: Command {
    public let customerId: ID
    public let requestId: ID

    public init(customerId: ID, requestId: ID) {
        self.customerId = customerId
        self.requestId = requestId
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let row = "CUS-15"
        let c = try CustomerLookup.live(customerId, "\(row).exists", in: &d)
        let p = try TransferDecision.pending(c, requestId, row: row)
        guard CustomerLookup.actorIs(p.requesterId, d) else {
            throw .violated(
                "\(row).actorIsRequester",
                "only the requester \(p.requesterId) may withdraw transfer request \(requestId)",
                ["requesterId": p.requesterId.description]
            )
        }
        d.emit(CustomerTransferWithdrawn(requestId: requestId), to: .of(Customer.self, customerId))
        if let approvalId = p.approvalId, TransferDecision.approval(approvalId, in: &d)?.isPending == true {
            try RecallApproval(approvalId: approvalId, by: p.requesterId).decide(&d)
        }
    }
}
