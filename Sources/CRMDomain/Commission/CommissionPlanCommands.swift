// Commands of catalogue §2.7, commission plans (COM-01..COM-05).

/// COM-01: draft a commission plan (version 1).
public struct DraftCommissionPlan: Command {
    public let planId: ID
    public let definition: CommissionPlanDefinition

    public init(planId: ID, definition: CommissionPlanDefinition) {
        self.planId = planId
        self.definition = definition
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        try d.authorize(.create, on: .commissionPlan, rule: "COM-01.perm")
        try definition.validate(rule: "COM-01")
        guard d.load(CommissionPlan.self, planId) == nil else {
            throw .alreadyExists("COM-01.planIdUnique", "commissionPlan", planId)
        }
        d.emit(CommissionPlanDrafted(planId: planId, definition: definition), to: .of(CommissionPlan.self, planId))
    }
}

/// COM-02: revise a draft plan to `definition`; the event lists the fields that differ.
public struct ReviseCommissionPlan: Command {
    public let planId: ID
    public let definition: CommissionPlanDefinition

    public init(planId: ID, definition: CommissionPlanDefinition) {
        self.planId = planId
        self.definition = definition
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        try d.authorize(.edit, on: .commissionPlan, rule: "COM-02.perm")
        guard let plan = d.load(CommissionPlan.self, planId), plan.exists, let current = plan.definition else {
            throw .notFound("COM-02.planExists", "commissionPlan", id: planId)
        }
        guard plan.status == .draft else {
            throw .invalidState(
                "COM-02.draft",
                "plan '\(current.name)' v\(plan.version) is approved and cannot be edited; reset it to draft first",
                ["planId": planId.description, "version": "\(plan.version)"]
            )
        }
        try definition.validate(rule: "COM-02")
        let changes = current.changes(to: definition)
        guard !changes.isEmpty else {
            throw .invalidInput("COM-02.changes", field: "definition", "nothing differs from plan '\(current.name)'")
        }
        d.emit(CommissionPlanRevised(changes: changes), to: .of(CommissionPlan.self, planId))
    }
}

/// COM-03: approve the draft version: through its completed approval (`approvalId`), or directly by a user with
/// perm(approve) when no commission-plan approval flow applies.
public struct ApproveCommissionPlan: Command {
    public let planId: ID
    public let approvalId: ID?

    public init(planId: ID, approvalId: ID? = nil) {
        self.planId = planId
        self.approvalId = approvalId
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        try d.authorize(.approve, on: .commissionPlan, rule: "COM-03.perm")
        guard let plan = d.load(CommissionPlan.self, planId), plan.exists, let def = plan.definition else {
            throw .notFound("COM-03.planExists", "commissionPlan", id: planId)
        }
        guard plan.status == .draft else {
            throw .invalidState(
                "COM-03.draft",
                "plan '\(def.name)' v\(plan.version) is already approved",
                ["planId": planId.description, "version": "\(plan.version)"]
            )
        }
        try def.validate(rule: "COM-03.valid")
        if let approvalId {
            try ApprovalRouting.requireApproval(
                approvalId,
                status: .approved,
                type: .commissionPlan,
                id: planId,
                version: plan.version,
                in: &d,
                rule: "COM-03.approvalCompleted"
            )
        } else {
            let submitter = d.actor.userId ?? planId
            if let flow = try ApprovalRouting.route(
                .commissionPlan,
                submitterId: submitter,
                amount: nil,
                in: &d,
                rule: "COM-03.approvalCompleted"
            ) {
                throw .violated(
                    "COM-03.approvalCompleted",
                    "commission plans are approved through flow \(flow); submit plan '\(def.name)' "
                        + "v\(plan.version) to it",
                    ["flow": flow.description]
                )
            }
        }
        d.emit(CommissionPlanApproved(approvalId: approvalId), to: .of(CommissionPlan.self, planId))
    }
}

/// COM-04: reset an approved plan to draft as its next version. No closed statement may use the approved version
/// (its numbers could no longer be explained by the plan).
public struct ResetCommissionPlanToDraft: Command {
    public let planId: ID
    public let reason: String

    public init(planId: ID, reason: String) {
        self.planId = planId
        self.reason = reason
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        try d.authorize(.edit, on: .commissionPlan, rule: "COM-04.perm")
        try Rejection.require(reason, "COM-04.reason", field: "reason")
        guard let plan = d.load(CommissionPlan.self, planId), plan.exists, let def = plan.definition else {
            throw .notFound("COM-04.planExists", "commissionPlan", id: planId)
        }
        guard plan.status == .approved else {
            throw .invalidState(
                "COM-04.approved",
                "plan '\(def.name)' v\(plan.version) is a draft already",
                ["planId": planId.description]
            )
        }
        let planStream = StreamRef.of(CommissionPlan.self, planId)
        let closed = d.children(of: planStream, category: CommissionLedger.category).filter { s in
            guard let l = d.load(CommissionLedger.self, stream: s) else { return false }
            return l.closed && l.uses(planId: planId, version: plan.version)
        }
        guard closed.isEmpty else {
            throw .violated(
                "COM-04.noClosedStatement",
                "\(closed.count) closed statement(s) use plan '\(def.name)' v\(plan.version) ("
                    + closed.map(\.key).joined(separator: ", ") + "); draft a new plan instead",
                ["closedStatements": "\(closed.count)"]
            )
        }
        d.emit(CommissionPlanResetToDraft(reason: reason), to: planStream)
    }
}

/// COM-05: assign the approved plan to a user or team from `effectiveFrom` (to `effectiveTo`, inclusive). The
/// payee may not have another assignment of a plan with the same basis overlapping these dates.
public struct AssignCommissionPlan: Command {
    public let planId: ID
    public let payee: CommissionPayee
    public let effectiveFrom: LocalDate
    public let effectiveTo: LocalDate?

    public init(planId: ID, payee: CommissionPayee, effectiveFrom: LocalDate, effectiveTo: LocalDate? = nil) {
        self.planId = planId
        self.payee = payee
        self.effectiveFrom = effectiveFrom
        self.effectiveTo = effectiveTo
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        try d.authorize(.assign, on: .commissionPlan, rule: "COM-05.perm")
        if let to = effectiveTo, to < effectiveFrom {
            throw .invalidInput("COM-05.dates", field: "effectiveTo", "\(to) is before effectiveFrom \(effectiveFrom)")
        }
        let org = d.organisation
        switch payee.kind {
        case .user:
            guard org.isActiveUser(payee.id) else { throw .notFound("COM-05.payeeExists", "user", id: payee.id) }
        case .team:
            guard org.departments[payee.id] != nil else {
                throw .notFound("COM-05.payeeExists", "department", id: payee.id)
            }
        }
        guard let plan = d.load(CommissionPlan.self, planId), plan.exists, let def = plan.definition else {
            throw .notFound("COM-05.planExists", "commissionPlan", id: planId)
        }
        guard plan.status == .approved else {
            throw .invalidState(
                "COM-05.planApproved",
                "plan '\(def.name)' v\(plan.version) is a draft; approve it before assigning it",
                ["planId": planId.description, "version": "\(plan.version)"]
            )
        }
        for s in d.children(of: payee.stream, category: CommissionPlan.category) {
            guard let other = d.load(CommissionPlan.self, stream: s), let otherId = other.planId,
                let otherDef = other.approvedDefinition ?? other.definition, otherDef.basis == def.basis
            else { continue }
            for a in other.assignments where a.payee == payee && a.overlaps(from: effectiveFrom, to: effectiveTo) {
                throw .violated(
                    "COM-05.noOverlap",
                    "\(payee) already has plan '\(otherDef.name)' (\(otherId)) on \(def.basis.rawValue) from "
                        + "\(a.effectiveFrom) to \(a.effectiveTo?.description ?? "open"); end it or choose other dates",
                    ["payee": payee.description, "overlappingPlan": otherId.description]
                )
            }
        }
        d.emit(
            CommissionPlanAssigned(
                planId: planId,
                planVersion: plan.version,
                payee: payee,
                effectiveFrom: effectiveFrom,
                effectiveTo: effectiveTo
            ),
            to: .of(CommissionPlan.self, planId)
        )
    }
}
