// Spare-part replacement (FSV-08..FSV-11) through the generic approval engine (§2.5, category partReplacement;
// proposal §1.8, no anchor gates parts by approval).
//
// - FSV-08 `RequestPartReplacement`: when the part (FSV-X2) requires approval, the request carries an approval id
//   and is submitted to the active partReplacement flow in the same decision (APR-03, target
//   partReplacement/requestId version 1), so a request never exists without its approval. Otherwise the request
//   needs no approval and parts may be consumed against it at once.
// - `PartReplacementApprovalProcess`: APR-07 `ApprovalCompleted` → FSV-09; APR-05 `ApprovalRejected` → FSV-10.
//   A recalled approval (APR-06) leaves the request pending approval; request the part again to resubmit.
// - FSV-11 `ConsumePart`: parts that require approval are consumed against an approved request of the same work
//   order and SKU, at most approved − already consumed.

/// FSV-08: request a spare-part replacement for an open work order.
public struct RequestPartReplacement: Command {
    public let requestId: ID
    public let workOrderId: ID
    public let sku: String
    public let qty: Int64
    public let oldSerial: String?
    public let reason: String
    public let underWarranty: Bool
    /// Required when the part requires approval; must be absent otherwise.
    public let approvalId: ID?
    /// The user submitting the approval (the requesting technician); required when the part requires approval.
    public let requestedBy: ID?

    public init(
        requestId: ID,
        workOrderId: ID,
        sku: String,
        qty: Int64,
        oldSerial: String? = nil,
        reason: String,
        underWarranty: Bool,
        approvalId: ID? = nil,
        requestedBy: ID? = nil
    ) {
        self.requestId = requestId
        self.workOrderId = workOrderId
        self.sku = sku
        self.qty = qty
        self.oldSerial = oldSerial
        self.reason = reason
        self.underWarranty = underWarranty
        self.approvalId = approvalId
        self.requestedBy = requestedBy
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        try d.authorize(.create, on: .partRequest, rule: "FSV-08.perm")
        try Rejection.require(sku, "FSV-08.sku", field: "sku")
        try Rejection.require(reason, "FSV-08.reason", field: "reason")
        guard qty > 0 else { throw .invalidInput("FSV-08.qtyPositive", field: "qty", "must be > 0, got \(qty)") }
        guard d.load(PartRequest.self, requestId) == nil else {
            throw .alreadyExists("FSV-08.requestIdUnique", "partRequest", requestId)
        }
        let wo = try d.workOrder(workOrderId, rule: "FSV-08.workOrderExists")
        try wo.requireOpen("FSV-08.workOrderOpen")
        let part = try d.sparePart(sku, rule: "FSV-08.partKnown")
        var flow: ApprovalFlowRef?
        if part.requiresApproval {
            guard approvalId != nil else { throw .missing("FSV-08.approvalId", field: "approvalId") }
            guard requestedBy != nil else { throw .missing("FSV-08.approvalId", field: "requestedBy") }
            guard let active = ApprovalFlows.activeFlow(for: .partReplacement, in: &d) else {
                throw .violated(
                    "FSV-08.approvalFlow",
                    "part \(part.sku) requires approval but no partReplacement approval flow is active; define one",
                    ["sku": part.sku]
                )
            }
            flow = active
        } else if approvalId != nil {
            throw .invalidInput(
                "FSV-08.approvalId",
                field: "approvalId",
                "part \(part.sku) needs no approval; request it without an approval id"
            )
        }
        d.emit(
            PartReplacementRequested(
                requestId: requestId,
                workOrderId: workOrderId,
                sku: sku.serviceNormalized,
                qty: qty,
                oldSerial: oldSerial,
                reason: reason,
                underWarranty: underWarranty,
                approvalId: approvalId
            ),
            to: .of(PartRequest.self, requestId)
        )
        if let flow, let approvalId, let requestedBy {
            try SubmitForApproval(
                approvalId: approvalId,
                flowId: flow.flowId,
                target: ApprovalTarget(type: .partReplacement, id: requestId, version: 1),
                submitterId: requestedBy,
                snapshotAmount: nil
            ).decide(&d)
        }
    }
}

/// Checks shared by FSV-09 and FSV-10: the request is pending approval `approvalId`, and the approval decides on
/// this request and has `status`.
private func pendingRequest(
    _ requestId: ID,
    approvalId: ID,
    approvalStatus: ApprovalStatus,
    row: String,
    in d: inout Decision
) throws(Rejection) -> StreamRef {
    guard let request = d.load(PartRequest.self, requestId), request.exists else {
        throw .notFound("\(row).requestExists", "partRequest", id: requestId)
    }
    let stream = StreamRef.of(PartRequest.self, requestId)
    try d.authorize(.approve, on: .partRequest, record: stream, rule: "\(row).perm")
    guard request.status == .pendingApproval, request.approvalId == approvalId else {
        throw .invalidState(
            "\(row).pending",
            "part request \(requestId) is \(request.status.rawValue) with approval "
                + "\(request.approvalId.map(\.description) ?? "none"), not pending approval \(approvalId)",
            ["requestId": requestId.description, "status": request.status.rawValue]
        )
    }
    guard let approval = d.load(Approval.self, approvalId), let target = approval.target,
        target.type == .partReplacement, target.id == requestId
    else {
        throw .notFound("\(row).approvalOfRequest", "approval of part request \(requestId)", id: approvalId)
    }
    guard approval.status == approvalStatus else {
        throw .invalidState(
            "\(row).approvalDecided",
            "approval \(approvalId) is \(approval.status.rawValue), not \(approvalStatus.rawValue)",
            ["approvalId": approvalId.description, "status": approval.status.rawValue]
        )
    }
    return stream
}

/// FSV-09: the request's approval completed (APR-07); issued by `PartReplacementApprovalProcess`.
public struct ApprovePartReplacement: Command {
    public let requestId: ID
    public let approvalId: ID

    public init(requestId: ID, approvalId: ID) {
        self.requestId = requestId
        self.approvalId = approvalId
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let stream = try pendingRequest(
            requestId,
            approvalId: approvalId,
            approvalStatus: .approved,
            row: "FSV-09",
            in: &d
        )
        d.emit(PartReplacementApproved(requestId: requestId, approvalId: approvalId), to: stream)
    }
}

/// FSV-10: the request's approval was rejected (APR-05); issued by `PartReplacementApprovalProcess`.
public struct RejectPartReplacement: Command {
    public let requestId: ID
    public let approvalId: ID
    public let reason: String

    public init(requestId: ID, approvalId: ID, reason: String) {
        self.requestId = requestId
        self.approvalId = approvalId
        self.reason = reason
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        try Rejection.require(reason, "FSV-10.reason", field: "reason")
        let stream = try pendingRequest(
            requestId,
            approvalId: approvalId,
            approvalStatus: .rejected,
            row: "FSV-10",
            in: &d
        )
        d.emit(PartReplacementRejected(requestId: requestId, approvalId: approvalId, reason: reason), to: stream)
    }
}

/// FSV-11: record parts used on an open work order. A part that requires approval is consumed against an
/// approved request of this work order and SKU, within approved − already consumed.
public struct ConsumePart: Command {
    public let workOrderId: ID
    public let sku: String
    public let qty: Int64
    public let newSerial: String?
    public let requestId: ID?

    public init(workOrderId: ID, sku: String, qty: Int64, newSerial: String? = nil, requestId: ID? = nil) {
        self.workOrderId = workOrderId
        self.sku = sku
        self.qty = qty
        self.newSerial = newSerial
        self.requestId = requestId
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let wo = try d.workOrder(workOrderId, rule: "FSV-11.workOrderExists")
        let stream = StreamRef.of(WorkOrder.self, workOrderId)
        try d.authorize(.edit, on: .workOrder, record: stream, rule: "FSV-11.perm")
        try wo.requireOpen("FSV-11.workOrderOpen")
        try Rejection.require(sku, "FSV-11.sku", field: "sku")
        guard qty > 0 else { throw .invalidInput("FSV-11.qtyPositive", field: "qty", "must be > 0, got \(qty)") }
        let part = try d.sparePart(sku, rule: "FSV-11.partKnown")
        var request: PartRequest?
        if let requestId {
            guard let r = d.load(PartRequest.self, requestId), r.exists else {
                throw .notFound("FSV-11.requestExists", "partRequest", id: requestId)
            }
            guard r.workOrderId == workOrderId, r.sku == part.sku else {
                throw .violated(
                    "FSV-11.requestMatches",
                    "part request \(requestId) is for \(r.sku) on work order "
                        + "\(r.workOrderId.map(\.description) ?? "?"), not \(part.sku) on \(workOrderId)",
                    ["requestId": requestId.description, "sku": part.sku]
                )
            }
            request = r
        }
        if let request, let requestId, !request.status.allowsConsumption {
            throw .violated(
                "FSV-11.approvedRequest",
                "part request \(requestId) is \(request.status.rawValue); parts are consumed against approved "
                    + "requests only",
                ["requestId": requestId.description, "status": request.status.rawValue]
            )
        }
        if part.requiresApproval {
            guard let request, let requestId else {
                throw .violated(
                    "FSV-11.approvedRequest",
                    "part \(part.sku) requires approval; consume it against an approved part request",
                    ["sku": part.sku]
                )
            }
            let consumed = wo.consumedByRequest[requestId] ?? 0
            let left = request.approvedQty - consumed
            guard qty <= left else {
                throw .violated(
                    "FSV-11.withinApproved",
                    "consuming \(qty) × \(part.sku) exceeds request \(requestId): approved \(request.approvedQty), "
                        + "already consumed \(consumed), \(left) left",
                    ["qty": "\(qty)", "approved": "\(request.approvedQty)", "consumed": "\(consumed)"]
                )
            }
        }
        d.emit(
            PartConsumed(workOrderId: workOrderId, sku: part.sku, qty: qty, newSerial: newSerial, requestId: requestId),
            to: stream
        )
    }
}

/// APR-07 → FSV-09 and APR-05 → FSV-10 for approvals whose target is a part request.
public struct PartReplacementApprovalProcess: ProcessManager {
    public let name = "partReplacementApproval"

    public init() {}

    public func react(to event: RecordedDomainEvent, context: any DecisionContext) -> [any Command] {
        switch event.event {
        case let e as ApprovalCompleted where e.target.type == .partReplacement:
            return [ApprovePartReplacement(requestId: e.target.id, approvalId: e.approvalId)]
        case let e as ApprovalRejected where e.target.type == .partReplacement:
            return [RejectPartReplacement(requestId: e.target.id, approvalId: e.approvalId, reason: e.reason)]
        default:
            return []
        }
    }
}
