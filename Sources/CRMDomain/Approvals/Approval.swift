// The generic approval engine of catalogue §2.5 (APR-01..APR-07): flows (stream approvalFlow-<flowId>) and
// approval instances (stream approval-<approvalId>), used by contracts, payments, invoices, customer transfers,
// part replacements, commission plans and discounts.
//
// Index: `ApprovalFlowDefined` claims `approvalFlow.active=<category>` (released by `ApprovalFlowRetired`), so a
// category has at most one active flow; `ApprovalSubmitted` claims `approval.pending=<type>:<targetId>` (released
// by `ApprovalCompleted`, `ApprovalRejected` and `ApprovalRecalled`), so a target has at most one pending approval,
// and links the approval to `approvalTarget-<type>:<targetId>` so every approval of a record can be listed.

/// What kind of record an approval flow approves.
public enum ApprovalCategory: String, Codable, Hashable, Sendable, CaseIterable {
    case contract, payment, invoice, customerTransfer, partReplacement, commissionPlan, discount

    /// The object type whose `submit` permission a user needs to submit such a record.
    public var objectType: ObjectType {
        switch self {
        case .contract: .contract
        case .payment: .payment
        case .invoice: .invoice
        case .customerTransfer: .customer
        case .partReplacement: .partRequest
        case .commissionPlan: .commissionPlan
        case .discount: .opportunity
        }
    }
}

/// The record (and its version) an approval decides on.
public struct ApprovalTarget: Codable, Hashable, Sendable, CustomStringConvertible {
    public let type: ApprovalCategory
    public let id: ID
    /// The target's version (e.g. the contract's amendment count) the approval was submitted for.
    public let version: Int64

    public init(type: ApprovalCategory, id: ID, version: Int64) {
        self.type = type
        self.id = id
        self.version = version
    }

    /// The key claimed while an approval on this target is pending.
    public var pendingKey: UniqueKey { UniqueKey(scope: "approval.pending", value: "\(type.rawValue):\(id)") }

    /// The pseudo-stream every approval of this target is linked to.
    public var stream: StreamRef { StreamRef("approvalTarget", "\(type.rawValue):\(id)") }

    public var description: String { "\(type.rawValue) \(id) v\(version)" }
}

/// A flow and one of its versions: `flowId@version`.
public struct ApprovalFlowRef: Codable, Hashable, Sendable, CustomStringConvertible {
    public let flowId: ID
    public let version: Int64

    public init(flowId: ID, version: Int64) {
        self.flowId = flowId
        self.version = version
    }

    public var description: String { "\(flowId)@\(version)" }
}

/// Who may submit to a flow: users in one of `deptIds` (or their sub-departments) or listed in `userIds`.
/// Both empty means everyone.
public struct ApprovalScope: Codable, Hashable, Sendable {
    public let deptIds: [ID]
    public let userIds: [ID]

    public init(deptIds: [ID] = [], userIds: [ID] = []) {
        self.deptIds = deptIds
        self.userIds = userIds
    }

    public static let everyone = ApprovalScope()

    public var isEveryone: Bool { deptIds.isEmpty && userIds.isEmpty }

    /// True when `user` may submit under this scope.
    public func admits(_ user: ID, in org: Organisation) -> Bool {
        if isEveryone || userIds.contains(user) { return true }
        guard let dept = org.users[user]?.departmentId else { return false }
        return deptIds.contains { org.isDepartment(dept, within: $0) }
    }
}

/// When a flow applies, evaluated on the submission snapshot: `amountAtLeast ≤ amount < amountBelow` (either
/// bound optional; no bound means always).
public struct ApprovalEntryCriteria: Codable, Hashable, Sendable {
    public let amountAtLeast: Money?
    public let amountBelow: Money?

    public init(amountAtLeast: Money? = nil, amountBelow: Money? = nil) {
        self.amountAtLeast = amountAtLeast
        self.amountBelow = amountBelow
    }

    public static let always = ApprovalEntryCriteria()

    /// Why `snapshot` does not meet the criteria, or `nil` when it does.
    public func failure(for snapshot: ApprovalSnapshot) -> String? {
        for bound in [amountAtLeast, amountBelow].compactMap(\.self) {
            guard let amount = snapshot.amount else {
                return "the flow requires an amount in \(bound.currency) but the snapshot has none"
            }
            guard amount.currency == bound.currency else {
                return "the snapshot amount is in \(amount.currency) but the flow's threshold is in \(bound.currency)"
            }
        }
        if let min = amountAtLeast, let a = snapshot.amount, a.amountMinor < min.amountMinor {
            return "amount \(a.amountMinor) \(a.currency) is below the flow's threshold \(min.amountMinor)"
        }
        if let max = amountBelow, let a = snapshot.amount, a.amountMinor >= max.amountMinor {
            return "amount \(a.amountMinor) \(a.currency) is not below the flow's upper bound \(max.amountMinor)"
        }
        return nil
    }
}

/// How a step picks its approvers [WK-appr]: the submitter's supervisor; any one of the listed users; all listed
/// users (会签, co-sign); the supervisor of the previous step's approver.
public enum ApprovalStepType: String, Codable, Hashable, Sendable, CaseIterable {
    case ownerSupervisor, anyOf, allOf, prevApproverSupervisor

    /// Whether every approver must approve (only `allOf`); otherwise the first approval completes the step.
    public var needsAll: Bool { self == .allOf }
}

/// A step of a flow version (approver ids listed for anyOf/allOf, empty for the supervisor types), or, in
/// `ApprovalSubmitted.resolvedSteps`, the step resolved to concrete approver ids at submit time.
public struct ApprovalStep: Codable, Hashable, Sendable {
    public let order: Int64
    public let type: ApprovalStepType
    public let approverIds: [ID]

    public init(order: Int64, type: ApprovalStepType, approverIds: [ID] = []) {
        self.order = order
        self.type = type
        self.approverIds = approverIds
    }
}

/// The facts of the target at submission that entry criteria are evaluated on.
public struct ApprovalSnapshot: Codable, Hashable, Sendable {
    public let amount: Money?

    public init(amount: Money?) {
        self.amount = amount
    }
}

/// State of an approval instance.
public enum ApprovalStatus: String, Codable, Hashable, Sendable, CaseIterable {
    case pending, approved, rejected, recalled
}

/// The outcome of a completed approval (APR-07); rejection is its own event (APR-05).
public enum ApprovalOutcome: String, Codable, Hashable, Sendable, CaseIterable {
    case approved
}

// MARK: - Events

/// APR-01. A version of an approval flow was defined (versions are immutable; a change is a new version).
public struct ApprovalFlowDefined: DomainEvent {
    public static let eventType = "ApprovalFlowDefined"
    public let flowId: ID
    public let version: Int64
    public let category: ApprovalCategory
    public let scope: ApprovalScope
    public let entryCriteria: ApprovalEntryCriteria
    public let steps: [ApprovalStep]
    public let allowRecall: Bool

    public init(
        flowId: ID,
        version: Int64,
        category: ApprovalCategory,
        scope: ApprovalScope,
        entryCriteria: ApprovalEntryCriteria,
        steps: [ApprovalStep],
        allowRecall: Bool
    ) {
        self.flowId = flowId
        self.version = version
        self.category = category
        self.scope = scope
        self.entryCriteria = entryCriteria
        self.steps = steps
        self.allowRecall = allowRecall
    }

    public func indexEntries(in stream: StreamRef) -> [IndexEntry] {
        [.claim(ApprovalFlows.activeKey(category), owner: stream)]
    }
}

/// APR-02. A flow was retired: no new submissions; pending instances continue on their version.
/// `category` (beyond the catalogue payload) lets the event release the category's active-flow key.
public struct ApprovalFlowRetired: DomainEvent {
    public static let eventType = "ApprovalFlowRetired"
    public let flowId: ID
    public let category: ApprovalCategory

    public init(flowId: ID, category: ApprovalCategory) {
        self.flowId = flowId
        self.category = category
    }

    public func indexEntries(in stream: StreamRef) -> [IndexEntry] {
        [.release(ApprovalFlows.activeKey(category))]
    }
}

/// APR-03. A record was submitted to `flowId@flowVersion`, with its steps resolved to concrete approvers.
public struct ApprovalSubmitted: DomainEvent {
    public static let eventType = "ApprovalSubmitted"
    public let approvalId: ID
    public let flowId: ID
    public let flowVersion: Int64
    public let target: ApprovalTarget
    public let submitterId: ID
    public let snapshot: ApprovalSnapshot
    public let resolvedSteps: [ApprovalStep]

    public init(
        approvalId: ID,
        flowId: ID,
        flowVersion: Int64,
        target: ApprovalTarget,
        submitterId: ID,
        snapshot: ApprovalSnapshot,
        resolvedSteps: [ApprovalStep]
    ) {
        self.approvalId = approvalId
        self.flowId = flowId
        self.flowVersion = flowVersion
        self.target = target
        self.submitterId = submitterId
        self.snapshot = snapshot
        self.resolvedSteps = resolvedSteps
    }

    public func indexEntries(in stream: StreamRef) -> [IndexEntry] {
        [.claim(target.pendingKey, owner: stream), .link(parent: target.stream, child: stream)]
    }
}

/// APR-04. An approver approved the current step.
public struct ApprovalStepApproved: DomainEvent {
    public static let eventType = "ApprovalStepApproved"
    public let approvalId: ID
    public let stepOrder: Int64
    public let approverId: ID
    public let comment: String?

    public init(approvalId: ID, stepOrder: Int64, approverId: ID, comment: String?) {
        self.approvalId = approvalId
        self.stepOrder = stepOrder
        self.approverId = approverId
        self.comment = comment
    }
}

/// APR-05. An approver rejected (terminal). `target` (beyond the catalogue payload) releases the pending key and
/// lets the target's area route the outcome.
public struct ApprovalRejected: DomainEvent {
    public static let eventType = "ApprovalRejected"
    public let approvalId: ID
    public let stepOrder: Int64
    public let approverId: ID
    public let reason: String
    public let target: ApprovalTarget

    public init(approvalId: ID, stepOrder: Int64, approverId: ID, reason: String, target: ApprovalTarget) {
        self.approvalId = approvalId
        self.stepOrder = stepOrder
        self.approverId = approverId
        self.reason = reason
        self.target = target
    }

    public func indexEntries(in stream: StreamRef) -> [IndexEntry] { [.release(target.pendingKey)] }
}

/// APR-06. The submitter (flow allows recall) or an approval administrator withdrew a pending approval.
/// `target` (beyond the catalogue payload) releases the pending key.
public struct ApprovalRecalled: DomainEvent {
    public static let eventType = "ApprovalRecalled"
    public let approvalId: ID
    public let by: ID
    public let target: ApprovalTarget

    public init(approvalId: ID, by: ID, target: ApprovalTarget) {
        self.approvalId = approvalId
        self.by = by
        self.target = target
    }

    public func indexEntries(in stream: StreamRef) -> [IndexEntry] { [.release(target.pendingKey)] }
}

/// APR-07. The last step completed; emitted together with the last `ApprovalStepApproved`. `target` (beyond the
/// catalogue payload) releases the pending key and lets the target's area route the outcome.
public struct ApprovalCompleted: DomainEvent {
    public static let eventType = "ApprovalCompleted"
    public let approvalId: ID
    public let outcome: ApprovalOutcome
    public let target: ApprovalTarget

    public init(approvalId: ID, outcome: ApprovalOutcome, target: ApprovalTarget) {
        self.approvalId = approvalId
        self.outcome = outcome
        self.target = target
    }

    public func indexEntries(in stream: StreamRef) -> [IndexEntry] { [.release(target.pendingKey)] }
}

// MARK: - Aggregates

/// One immutable version of a flow.
public struct ApprovalFlowVersion: Hashable, Sendable {
    public var version: Int64
    public var scope: ApprovalScope
    public var entryCriteria: ApprovalEntryCriteria
    public var steps: [ApprovalStep]
    public var allowRecall: Bool
}

/// An approval flow with every version it ever had, folded from `approvalFlow-<flowId>`.
public struct ApprovalFlow: Aggregate {
    public static let category = "approvalFlow"

    public var exists = false
    public var flowId: ID?
    public var category: ApprovalCategory?
    public var versions: [Int64: ApprovalFlowVersion] = [:]
    public var latestVersion: Int64 = 0
    public var retired = false

    public init() {}

    /// Exists and not retired: submissions go to the latest version.
    public var isActive: Bool { exists && !retired }
    public var latest: ApprovalFlowVersion? { versions[latestVersion] }

    public mutating func apply(_ event: any DomainEvent) {
        switch event {
        case let e as ApprovalFlowDefined:
            exists = true
            flowId = e.flowId
            category = e.category
            versions[e.version] = ApprovalFlowVersion(
                version: e.version,
                scope: e.scope,
                entryCriteria: e.entryCriteria,
                steps: e.steps,
                allowRecall: e.allowRecall
            )
            latestVersion = max(latestVersion, e.version)
        case is ApprovalFlowRetired:
            retired = true
        default:
            break
        }
    }
}

/// One approval instance, folded from `approval-<approvalId>`.
public struct Approval: Aggregate {
    public static let category = "approval"

    public var exists = false
    public var approvalId: ID?
    public var status: ApprovalStatus = .pending
    public var flow: ApprovalFlowRef?
    public var target: ApprovalTarget?
    public var submitterId: ID?
    public var snapshot: ApprovalSnapshot?
    /// Steps with the approvers resolved at submit time, in order.
    public var steps: [ApprovalStep] = []
    /// Index into `steps` of the step awaiting decisions (== `steps.count` once every step is complete).
    public var currentStepIndex = 0
    /// Approvers who approved, per step order.
    public var approvedBy: [Int64: [ID]] = [:]
    public var rejectedBy: ID?
    public var recalledBy: ID?

    public init() {}

    public var isPending: Bool { exists && status == .pending }

    /// The step awaiting decisions while pending.
    public var currentStep: ApprovalStep? {
        guard isPending, currentStepIndex < steps.count else { return nil }
        return steps[currentStepIndex]
    }

    /// True when `step` is complete with `approvers` having approved: anyone for anyOf and the supervisor types,
    /// everyone for allOf.
    public static func isComplete(_ step: ApprovalStep, approvers: [ID]) -> Bool {
        if step.type.needsAll { return step.approverIds.allSatisfy(approvers.contains) }
        return approvers.contains { step.approverIds.contains($0) }
    }

    public mutating func apply(_ event: any DomainEvent) {
        switch event {
        case let e as ApprovalSubmitted:
            exists = true
            approvalId = e.approvalId
            status = .pending
            flow = ApprovalFlowRef(flowId: e.flowId, version: e.flowVersion)
            target = e.target
            submitterId = e.submitterId
            snapshot = e.snapshot
            steps = e.resolvedSteps
            currentStepIndex = 0
        case let e as ApprovalStepApproved:
            approvedBy[e.stepOrder, default: []].append(e.approverId)
            if let step = currentStep, step.order == e.stepOrder,
                Approval.isComplete(step, approvers: approvedBy[e.stepOrder] ?? [])
            {
                currentStepIndex += 1
            }
        case let e as ApprovalRejected:
            status = .rejected
            rejectedBy = e.approverId
        case let e as ApprovalRecalled:
            status = .recalled
            recalledBy = e.by
        case is ApprovalCompleted:
            status = .approved
        default:
            break
        }
    }
}

// MARK: - Flow lookup

/// Finding the active flow of a category.
public enum ApprovalFlows {
    /// The key a category's active flow claims.
    public static func activeKey(_ category: ApprovalCategory) -> UniqueKey {
        UniqueKey(scope: "approvalFlow.active", value: category.rawValue)
    }

    /// The active flow of `category` and its latest version, or `nil` when none applies (then the record needs
    /// no approval). Registers the flow stream as read for optimistic concurrency.
    public static func activeFlow(for category: ApprovalCategory, in d: inout Decision) -> ApprovalFlowRef? {
        guard let stream = d.lookup(activeKey(category)),
            let flow = d.load(ApprovalFlow.self, stream: stream),
            flow.isActive,
            let flowId = flow.flowId
        else { return nil }
        return ApprovalFlowRef(flowId: flowId, version: flow.latestVersion)
    }

    /// Resolves `steps` to concrete, active approver ids for a submission by `submitterId` (§1.3):
    /// ownerSupervisor → the submitter's manager; anyOf/allOf → the listed users still active;
    /// prevApproverSupervisor → the managers of the previous step's approvers (of the submitter for step 1).
    /// A step may come back with no approver; the caller rejects that.
    public static func resolve(_ steps: [ApprovalStep], submitterId: ID, in org: Organisation) -> [ApprovalStep] {
        var resolved: [ApprovalStep] = []
        var previous: [ID] = [submitterId]
        for step in steps.sorted(by: { $0.order < $1.order }) {
            let ids: [ID]
            switch step.type {
            case .ownerSupervisor: ids = [org.manager(of: submitterId)].compactMap(\.self)
            case .anyOf, .allOf: ids = step.approverIds
            case .prevApproverSupervisor: ids = previous.compactMap { org.manager(of: $0) }
            }
            var unique: [ID] = []
            for id in ids where org.isActiveUser(id) && !unique.contains(id) { unique.append(id) }
            resolved.append(ApprovalStep(order: step.order, type: step.type, approverIds: unique))
            previous = unique
        }
        return resolved
    }
}

// MARK: - APR-03

/// APR-03: submit a record to an approval flow. Contracts, payments, invoices, customer transfers and part
/// replacements are submitted by their own area's command or process manager (CTR-03, PAY-06, INV-01, CUS-12,
/// FSV), which checks the submit permission on the record and that it is in a submittable state (draft, rejected
/// or recalled); discounts (opportunities, this area) are checked here: the opportunity is open and the actor may
/// `submit` on it.
///
/// The flow's latest version is used; its steps are resolved to concrete approvers now.
public struct SubmitForApproval: Command {
    public let approvalId: ID
    public let flowId: ID
    public let target: ApprovalTarget
    public let submitterId: ID
    public let snapshotAmount: Money?

    public init(approvalId: ID, flowId: ID, target: ApprovalTarget, submitterId: ID, snapshotAmount: Money?) {
        self.approvalId = approvalId
        self.flowId = flowId
        self.target = target
        self.submitterId = submitterId
        self.snapshotAmount = snapshotAmount
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        if !d.actor.isSystem, let actorId = d.actor.userId, actorId != submitterId {
            throw .violated(
                "APR-03.submitterIsActor",
                "user \(actorId) cannot submit on behalf of user \(submitterId); submit as yourself",
                ["actor": actorId.description, "submitterId": submitterId.description]
            )
        }
        if let amount = snapshotAmount, amount.isNegative {
            throw .invalidInput("APR-03.snapshotAmount", field: "snapshotAmount", "must not be negative, got \(amount)")
        }
        guard d.load(Approval.self, approvalId) == nil else {
            throw .alreadyExists("APR-03.approvalIdUnique", "approval", approvalId)
        }
        guard let flow = d.load(ApprovalFlow.self, flowId), let version = flow.latest else {
            throw .notFound("APR-03.flowExists", "approvalFlow", id: flowId)
        }
        guard !flow.retired else {
            throw .invalidState(
                "APR-03.flowActive",
                "approval flow \(flowId) is retired; submit to the active flow of \(target.type.rawValue)",
                ["flowId": flowId.description]
            )
        }
        guard flow.category == target.type else {
            throw .violated(
                "APR-03.flowCategory",
                "flow \(flowId) approves \(flow.category?.rawValue ?? "?") records, not \(target.type.rawValue)",
                ["flowId": flowId.description, "targetType": target.type.rawValue]
            )
        }
        let org = d.organisation
        guard org.isActiveUser(submitterId) else { throw .notFound("APR-03.submitterActive", "user", id: submitterId) }
        guard version.scope.admits(submitterId, in: org) else {
            throw .violated(
                "APR-03.submitterInScope",
                "user \(submitterId) is not among the allowed submitters of flow \(flowId)@\(version.version)",
                ["submitterId": submitterId.description, "flowId": flowId.description]
            )
        }
        if target.type == .discount {
            guard let opp = d.load(Opportunity.self, target.id), opp.exists else {
                throw .notFound("APR-03.targetExists", "opportunity", id: target.id)
            }
            try d.authorize(
                .submit,
                on: .opportunity,
                owner: opp.ownerId,
                record: .of(Opportunity.self, target.id),
                rule: "APR-03.perm"
            )
            guard opp.isOpen else {
                throw .invalidState(
                    "APR-03.targetSubmittable",
                    "opportunity \(target.id) is \(opp.status.rawValue); "
                        + "only open opportunities can have a discount approved",
                    ["oppId": target.id.description, "status": opp.status.rawValue]
                )
            }
        }
        if let pending = d.lookup(target.pendingKey) {
            throw .violated(
                "APR-03.noOtherPending",
                "\(target) already has a pending approval (\(pending)); wait for it or recall it first",
                ["target": target.id.description, "pending": pending.name]
            )
        }
        let snapshot = ApprovalSnapshot(amount: snapshotAmount)
        if let problem = version.entryCriteria.failure(for: snapshot) {
            throw .violated(
                "APR-03.entryCriteria",
                "flow \(flowId)@\(version.version) does not apply: \(problem)",
                ["flowId": flowId.description, "amount": snapshotAmount?.description ?? "none"]
            )
        }
        let resolved = ApprovalFlows.resolve(version.steps, submitterId: submitterId, in: org)
        for (i, step) in resolved.enumerated() where step.approverIds.isEmpty {
            throw .violated(
                i == 0 ? "APR-03.firstStepResolves" : "APR-03.stepResolves",
                "step \(step.order) (\(step.type.rawValue)) of flow \(flowId)@\(version.version) resolves to no active "
                    + "approver for submitter \(submitterId); assign a manager or revise the flow",
                ["stepOrder": "\(step.order)", "submitterId": submitterId.description]
            )
        }
        d.emit(
            ApprovalSubmitted(
                approvalId: approvalId,
                flowId: flowId,
                flowVersion: version.version,
                target: target,
                submitterId: submitterId,
                snapshot: snapshot,
                resolvedSteps: resolved
            ),
            to: .of(Approval.self, approvalId)
        )
    }
}
