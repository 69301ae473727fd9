// Which approval flow, if any, a contract, payment or invoice goes through.
//
// A flow applies to a record when its category has an active flow, the submitter is inside the flow's scope and
// the record's amount meets the flow's entry criteria. When no flow applies, the record needs no approval: a
// submitted contract is approved directly (as WK does: `checkStatus` 1 without an examine flow), a payment may be
// verified directly, an invoice may be issued directly.

enum ApprovalRouting {
    /// The flow that applies to a record of `category` submitted by `submitterId` with `amount`, or `nil` when
    /// none applies. Throws under `rule` when a flow applies but one of its steps resolves to no active approver
    /// (the submission would be refused; fix the organisation or the flow first).
    static func route(
        _ category: ApprovalCategory,
        submitterId: ID,
        amount: Money?,
        in d: inout Decision,
        rule: String
    ) throws(Rejection) -> ApprovalFlowRef? {
        guard let ref = ApprovalFlows.activeFlow(for: category, in: &d),
            let flow = d.load(ApprovalFlow.self, ref.flowId),
            let version = flow.versions[ref.version]
        else { return nil }
        let org = d.organisation
        guard version.scope.admits(submitterId, in: org),
            version.entryCriteria.failure(for: ApprovalSnapshot(amount: amount)) == nil
        else { return nil }
        let resolved = ApprovalFlows.resolve(version.steps, submitterId: submitterId, in: org)
        if let empty = resolved.first(where: { $0.approverIds.isEmpty }) {
            throw .violated(
                rule,
                "\(category.rawValue) approval flow \(ref) step \(empty.order) (\(empty.type.rawValue)) resolves to no "
                    + "active approver for user \(submitterId); assign a manager or revise the flow first",
                [
                    "flowId": ref.flowId.description, "stepOrder": "\(empty.order)",
                    "submitterId": submitterId.description,
                ]
            )
        }
        return ref
    }

    /// Submits version 1 of the record (`category`, `id`) to the flow that applies (APR-03) under a new approval
    /// id; throws `invalidState` under `rule` when no flow applies. `label` names the record in messages.
    static func submit(
        _ category: ApprovalCategory,
        id: ID,
        label: String,
        submitterId: ID,
        amount: Money?,
        in d: inout Decision,
        rule: String
    ) throws(Rejection) {
        guard let flow = try route(category, submitterId: submitterId, amount: amount, in: &d, rule: rule) else {
            throw .invalidState(rule, "no \(category.rawValue) approval flow applies to \(category.rawValue) \(label)")
        }
        try SubmitForApproval(
            approvalId: d.newID(),
            flowId: flow.flowId,
            target: ApprovalTarget(type: category, id: id, version: 1),
            submitterId: submitterId,
            snapshotAmount: amount
        )
        .decide(&d)
    }

    /// The approvals ever submitted for a target, newest last by stream name order.
    static func approvals(of target: ApprovalTarget, in d: inout Decision) -> [Approval] {
        d.children(of: target.stream, category: Approval.category).compactMap { d.load(Approval.self, stream: $0) }
    }

    /// Checks that approval `approvalId` exists, has `status` and decides on (`type`, `id`) — and on `version`
    /// when given.
    static func requireApproval(
        _ approvalId: ID,
        status: ApprovalStatus,
        type: ApprovalCategory,
        id: ID,
        version: Int64? = nil,
        in d: inout Decision,
        rule: String
    ) throws(Rejection) {
        guard let a = d.load(Approval.self, approvalId), a.exists, let target = a.target else {
            throw .notFound(rule, "approval", id: approvalId)
        }
        guard target.type == type, target.id == id else {
            throw .violated(
                rule,
                "approval \(approvalId) decides on \(target), not \(type.rawValue) \(id)",
                ["approvalId": approvalId.description, "target": target.description]
            )
        }
        if let version, target.version != version {
            throw .violated(
                rule,
                "approval \(approvalId) was for version \(target.version) of \(type.rawValue) \(id); the record is now "
                    + "at version \(version): submit it again",
                ["approvalId": approvalId.description, "approvedVersion": "\(target.version)", "version": "\(version)"]
            )
        }
        guard a.status == status else {
            throw .invalidState(
                rule,
                "approval \(approvalId) is \(a.status.rawValue), not \(status.rawValue)",
                ["approvalId": approvalId.description, "status": a.status.rawValue]
            )
        }
    }
}
