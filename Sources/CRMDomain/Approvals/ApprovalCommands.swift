// Commands of the approval engine (§2.5 APR-01, APR-02, APR-04..APR-07; APR-03 `SubmitForApproval` is in
// Approval.swift).

// MARK: - APR-01

/// APR-01: define a flow, or a new version of it. Versions are immutable: defining an existing flow again emits
/// version latest + 1, and approvals already submitted continue on the version they recorded. A category has at
/// most one active flow; a flow's category never changes.
public struct DefineApprovalFlow: Command {
    public let flowId: ID
    public let category: ApprovalCategory
    public let scope: ApprovalScope
    public let entryCriteria: ApprovalEntryCriteria
    public let steps: [ApprovalStep]
    public let allowRecall: Bool

    public init(
        flowId: ID,
        category: ApprovalCategory,
        scope: ApprovalScope = .everyone,
        entryCriteria: ApprovalEntryCriteria = .always,
        steps: [ApprovalStep],
        allowRecall: Bool = true
    ) {
        self.flowId = flowId
        self.category = category
        self.scope = scope
        self.entryCriteria = entryCriteria
        self.steps = steps
        self.allowRecall = allowRecall
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let row = "APR-01"
        let existing = d.load(ApprovalFlow.self, flowId)
        try d.authorize(existing == nil ? .create : .edit, on: .approvalFlow, rule: "\(row).perm")
        guard !steps.isEmpty else {
            throw .violated(
                "\(row).atLeastOneStep",
                "an approval flow needs at least one step",
                ["flowId": flowId.description]
            )
        }
        var orders = Set<Int64>()
        for s in steps {
            guard orders.insert(s.order).inserted else {
                throw .invalidInput("\(row).stepOrdersUnique", field: "steps", "step order \(s.order) appears twice")
            }
            switch s.type {
            case .anyOf, .allOf:
                guard !s.approverIds.isEmpty else {
                    throw .violated(
                        "\(row).approversListed",
                        "step \(s.order) is \(s.type.rawValue) but lists no approver; list at least one user",
                        ["stepOrder": "\(s.order)"]
                    )
                }
                for a in s.approverIds where d.organisation.users[a] == nil {
                    throw .notFound("\(row).approversExist", "user", id: a)
                }
            case .ownerSupervisor, .prevApproverSupervisor:
                guard s.approverIds.isEmpty else {
                    throw .invalidInput(
                        "\(row).supervisorStepApprovers",
                        field: "steps[\(s.order)].approverIds",
                        "a \(s.type.rawValue) step finds its approver itself; leave approverIds empty"
                    )
                }
            }
        }
        for u in scope.userIds where d.organisation.users[u] == nil { throw .notFound("\(row).scope", "user", id: u) }
        for dept in scope.deptIds where d.organisation.departments[dept] == nil {
            throw .notFound("\(row).scope", "department", id: dept)
        }
        if let lo = entryCriteria.amountAtLeast, let hi = entryCriteria.amountBelow {
            guard lo.currency == hi.currency, lo.amountMinor < hi.amountMinor else {
                throw .invalidInput(
                    "\(row).entryCriteria",
                    field: "entryCriteria",
                    "amountAtLeast \(lo) must be below amountBelow \(hi), in the same currency"
                )
            }
        }
        if let existing {
            guard !existing.retired else {
                throw .invalidState(
                    "\(row).notRetired",
                    "approval flow \(flowId) is retired; define a new flow instead",
                    ["flowId": flowId.description]
                )
            }
            guard existing.category == category else {
                throw .violated(
                    "\(row).categoryFixed",
                    "approval flow \(flowId) approves \(existing.category?.rawValue ?? "?") records; its category "
                        + "cannot change to \(category.rawValue)",
                    ["flowId": flowId.description, "category": category.rawValue]
                )
            }
            if let latest = existing.latest, latest.scope == scope, latest.entryCriteria == entryCriteria,
                latest.steps == steps, latest.allowRecall == allowRecall
            {
                throw .invalidInput(
                    "\(row).noChange",
                    field: "steps",
                    "version \(latest.version) of flow \(flowId) is already defined exactly like this"
                )
            }
        }
        let stream = StreamRef.of(ApprovalFlow.self, flowId)
        if let owner = d.lookup(ApprovalFlows.activeKey(category)), owner != stream {
            throw .violated(
                "\(row).oneActivePerCategory",
                "flow \(owner.key) is already the active \(category.rawValue) flow; retire it first or revise it",
                ["category": category.rawValue, "activeFlowId": owner.key]
            )
        }
        d.emit(
            ApprovalFlowDefined(
                flowId: flowId,
                version: (existing?.latestVersion ?? 0) + 1,
                category: category,
                scope: scope,
                entryCriteria: entryCriteria,
                steps: steps.sorted { $0.order < $1.order },
                allowRecall: allowRecall
            ),
            to: stream
        )
    }
}

// MARK: - APR-02

/// APR-02: retire a flow. Nobody may submit to it afterwards; pending approvals continue on their version.
public struct RetireApprovalFlow: Command {
    public let flowId: ID

    public init(flowId: ID) {
        self.flowId = flowId
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let row = "APR-02"
        try d.authorize(.edit, on: .approvalFlow, rule: "\(row).perm")
        guard let flow = d.load(ApprovalFlow.self, flowId), flow.exists, let category = flow.category else {
            throw .notFound("\(row).flowExists", "approvalFlow", id: flowId)
        }
        guard !flow.retired else {
            throw .invalidState(
                "\(row).notRetired",
                "approval flow \(flowId) is already retired",
                ["flowId": flowId.description]
            )
        }
        d.emit(ApprovalFlowRetired(flowId: flowId, category: category), to: .of(ApprovalFlow.self, flowId))
    }
}

// MARK: - Shared checks

extension Decision {
    /// The pending approval `approvalId` and its current step, or a rejection under `row`.
    mutating func pendingApproval(_ approvalId: ID, row: String) throws(Rejection) -> (Approval, ApprovalStep) {
        guard let approval = load(Approval.self, approvalId), approval.exists else {
            throw .notFound("\(row).approvalExists", "approval", id: approvalId)
        }
        guard approval.status == .pending, let step = approval.currentStep else {
            throw .invalidState(
                "\(row).pending",
                "approval \(approvalId) is \(approval.status.rawValue), no longer pending",
                ["approvalId": approvalId.description, "status": approval.status.rawValue]
            )
        }
        return (approval, step)
    }

    /// A user acting for somebody else is refused: approvers and recallers act as themselves.
    func actingAsThemself(_ userId: ID, rule: String, field: String) throws(Rejection) {
        if !actor.isSystem, actor.userId != userId {
            throw .violated(
                rule,
                "\(actor) cannot act as \(field) \(userId); act as yourself",
                [field: userId.description, "actor": actor.description]
            )
        }
    }
}

/// The approver check of APR-04/05: `approverId` is one of the current step's resolved approvers and has not yet
/// approved it.
private func checkApprover(_ approverId: ID, _ approval: Approval, _ step: ApprovalStep, row: String) throws(Rejection)
{
    guard step.approverIds.contains(approverId) else {
        throw .violated(
            "\(row).approverOfCurrentStep",
            "user \(approverId) is not an approver of step \(step.order) of approval "
                + "\(approval.approvalId?.description ?? "?"); "
                + "its approvers are \(step.approverIds.map(\.description))",
            ["approverId": approverId.description, "stepOrder": "\(step.order)"]
        )
    }
    guard approval.approvedBy[step.order]?.contains(approverId) != true else {
        throw .violated(
            "\(row).notDecidedYet",
            "user \(approverId) already approved step \(step.order); the other approvers of the step must decide",
            ["approverId": approverId.description, "stepOrder": "\(step.order)"]
        )
    }
}

// MARK: - APR-04 / APR-07

/// APR-04: an approver of the current step approves. anyOf (and the supervisor types): the first approval
/// completes the step; allOf (会签): every approver must approve. Completing the last step also emits APR-07.
public struct ApproveApprovalStep: Command {
    public let approvalId: ID
    public let approverId: ID
    public let comment: String?

    public init(approvalId: ID, approverId: ID, comment: String? = nil) {
        self.approvalId = approvalId
        self.approverId = approverId
        self.comment = comment
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let row = "APR-04"
        try d.authorize(.approve, on: .approval, rule: "\(row).perm")
        try d.actingAsThemself(approverId, rule: "\(row).actorIsApprover", field: "approverId")
        let (approval, step) = try d.pendingApproval(approvalId, row: row)
        try checkApprover(approverId, approval, step, row: row)
        let stream = StreamRef.of(Approval.self, approvalId)
        d.emit(
            ApprovalStepApproved(
                approvalId: approvalId,
                stepOrder: step.order,
                approverId: approverId,
                comment: comment
            ),
            to: stream
        )
        let after = d.load(Approval.self, approvalId)
        if let after, after.currentStepIndex >= after.steps.count, let target = after.target {
            d.emit(ApprovalCompleted(approvalId: approvalId, outcome: .approved, target: target), to: stream)
        }
    }
}

// MARK: - APR-05

/// APR-05: an approver of the current step rejects, with a reason. Terminal.
public struct RejectApproval: Command {
    public let approvalId: ID
    public let approverId: ID
    public let reason: String

    public init(approvalId: ID, approverId: ID, reason: String) {
        self.approvalId = approvalId
        self.approverId = approverId
        self.reason = reason
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let row = "APR-05"
        try d.authorize(.approve, on: .approval, rule: "\(row).perm")
        try d.actingAsThemself(approverId, rule: "\(row).actorIsApprover", field: "approverId")
        try Rejection.require(reason, "\(row).reason", field: "reason")
        let (approval, step) = try d.pendingApproval(approvalId, row: row)
        try checkApprover(approverId, approval, step, row: row)
        guard let target = approval.target else { throw .notFound("\(row).approvalExists", "approval", id: approvalId) }
        d.emit(
            ApprovalRejected(
                approvalId: approvalId,
                stepOrder: step.order,
                approverId: approverId,
                reason: reason,
                target: target
            ),
            to: .of(Approval.self, approvalId)
        )
    }
}

// MARK: - APR-06

/// APR-06: withdraw a pending approval: the submitter when the flow version allows recall, or an approval
/// administrator (a user whose role may edit approval flows) at any time [SF-appr].
public struct RecallApproval: Command {
    public let approvalId: ID
    public let by: ID

    public init(approvalId: ID, by: ID) {
        self.approvalId = approvalId
        self.by = by
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let row = "APR-06"
        try d.actingAsThemself(by, rule: "\(row).actorIsRecaller", field: "by")
        let (approval, _) = try d.pendingApproval(approvalId, row: row)
        guard let target = approval.target, let ref = approval.flow else {
            throw .notFound("\(row).approvalExists", "approval", id: approvalId)
        }
        let allowRecall = d.load(ApprovalFlow.self, ref.flowId)?.versions[ref.version]?.allowRecall ?? false
        let isAdmin = d.organisation.scope(of: by, .edit, on: .approvalFlow) != nil
        let isSubmitter = approval.submitterId == by && d.organisation.isActiveUser(by)
        guard (isSubmitter && allowRecall) || isAdmin else {
            throw Rejection(
                kind: .accessDenied,
                rule: "\(row).mayRecall",
                message: isSubmitter
                    ? "flow \(ref) does not allow submitters to recall; ask an approval administrator"
                    : "user \(by) is neither the submitter of approval \(approvalId) nor an approval administrator",
                values: ["by": by.description, "approvalId": approvalId.description]
            )
        }
        d.emit(ApprovalRecalled(approvalId: approvalId, by: by, target: target), to: .of(Approval.self, approvalId))
    }
}
