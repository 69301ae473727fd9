import CRMDomain
import Testing

/// The approval engine (APR-01..APR-07) on the world of ``OppWorld``: director 15 → manager 10 → reps 11, 12;
/// admin 13; Carl 14 offboarded.
@Suite struct ApprovalFlowDefinitionTests {
    let t0 = OppWorld.t0
    let setup = OppWorld.setup
    let flow = ID(1_000)

    // MARK: APR-01

    @Test func definingAFlowClaimsItsCategoryAndRevisingItAddsAVersion() throws {
        var s = try OppWorld.make()
        let steps1 = [ApprovalStep(order: 1, type: .ownerSupervisor)]
        let out1 = try s.execute(
            DefineApprovalFlow(flowId: flow, category: .contract, steps: steps1, allowRecall: true),
            as: setup,
            at: t0
        )
        #expect(
            OppWorld.events(out1, as: ApprovalFlowDefined.self) == [
                ApprovalFlowDefined(
                    flowId: flow,
                    version: 1,
                    category: .contract,
                    scope: .everyone,
                    entryCriteria: .always,
                    steps: steps1,
                    allowRecall: true
                )
            ]
        )
        #expect(s.lookup(ApprovalFlows.activeKey(.contract)) == .of(ApprovalFlow.self, flow))

        let steps2 = [
            ApprovalStep(order: 1, type: .ownerSupervisor),
            ApprovalStep(order: 2, type: .anyOf, approverIds: [OppWorld.admin]),
        ]
        let out2 = try s.execute(
            DefineApprovalFlow(flowId: flow, category: .contract, steps: steps2, allowRecall: false),
            as: setup,
            at: t0
        )
        #expect(OppWorld.events(out2, as: ApprovalFlowDefined.self).map(\.version) == [2])
        let state = try #require(s.state(ApprovalFlow.self, flow))
        #expect(state.latestVersion == 2)
        #expect(state.versions[1]?.steps == steps1 && state.versions[1]?.allowRecall == true)
        #expect(state.versions[2]?.steps == steps2 && state.versions[2]?.allowRecall == false)
    }

    @Test func aFlowNeedsStepsAndListedApproversForAnyOfAndAllOf() throws {
        var s = try OppWorld.make()
        OppWorld.expectRejected(
            DefineApprovalFlow(flowId: flow, category: .contract, steps: []),
            as: setup,
            in: &s,
            rule: "APR-01.atLeastOneStep",
            kind: .invariantViolated
        )
        for type in [ApprovalStepType.anyOf, .allOf] {
            OppWorld.expectRejected(
                DefineApprovalFlow(flowId: flow, category: .contract, steps: [ApprovalStep(order: 1, type: type)]),
                as: setup,
                in: &s,
                rule: "APR-01.approversListed",
                kind: .invariantViolated
            )
        }
        OppWorld.expectRejected(
            DefineApprovalFlow(
                flowId: flow,
                category: .contract,
                steps: [ApprovalStep(order: 1, type: .anyOf, approverIds: [ID(98)])]
            ),
            as: setup,
            in: &s,
            rule: "APR-01.approversExist",
            kind: .notFound
        )
        OppWorld.expectRejected(
            DefineApprovalFlow(
                flowId: flow,
                category: .contract,
                steps: [ApprovalStep(order: 1, type: .ownerSupervisor, approverIds: [OppWorld.admin])]
            ),
            as: setup,
            in: &s,
            rule: "APR-01.supervisorStepApprovers",
            kind: .invalidInput
        )
        OppWorld.expectRejected(
            DefineApprovalFlow(
                flowId: flow,
                category: .contract,
                steps: [
                    ApprovalStep(order: 1, type: .ownerSupervisor),
                    ApprovalStep(order: 1, type: .anyOf, approverIds: [OppWorld.admin]),
                ]
            ),
            as: setup,
            in: &s,
            rule: "APR-01.stepOrdersUnique",
            kind: .invalidInput
        )
        OppWorld.expectRejected(
            DefineApprovalFlow(
                flowId: flow,
                category: .contract,
                entryCriteria: ApprovalEntryCriteria(amountAtLeast: .cny(500), amountBelow: .cny(100)),
                steps: [ApprovalStep(order: 1, type: .ownerSupervisor)]
            ),
            as: setup,
            in: &s,
            rule: "APR-01.entryCriteria",
            kind: .invalidInput
        )
        OppWorld.expectRejected(
            DefineApprovalFlow(
                flowId: flow,
                category: .contract,
                steps: [ApprovalStep(order: 1, type: .ownerSupervisor)]
            ),
            as: .user(OppWorld.ada),
            in: &s,
            rule: "APR-01.perm",
            kind: .accessDenied
        )
    }

    @Test func aCategoryHasOneActiveFlowAndAFlowKeepsItsCategory() throws {
        var s = try OppWorld.make()
        let steps = [ApprovalStep(order: 1, type: .ownerSupervisor)]
        try s.execute(DefineApprovalFlow(flowId: flow, category: .contract, steps: steps), as: setup, at: t0)
        OppWorld.expectRejected(
            DefineApprovalFlow(flowId: ID(1_001), category: .contract, steps: steps),
            as: setup,
            in: &s,
            rule: "APR-01.oneActivePerCategory",
            kind: .invariantViolated
        )
        OppWorld.expectRejected(
            DefineApprovalFlow(flowId: flow, category: .invoice, steps: steps),
            as: setup,
            in: &s,
            rule: "APR-01.categoryFixed",
            kind: .invariantViolated
        )
        OppWorld.expectRejected(
            DefineApprovalFlow(flowId: flow, category: .contract, steps: steps),
            as: setup,
            in: &s,
            rule: "APR-01.noChange",
            kind: .invalidInput
        )
        let other = try s.execute(
            DefineApprovalFlow(flowId: ID(1_001), category: .invoice, steps: steps),
            as: setup,
            at: t0
        )
        #expect(OppWorld.events(other, as: ApprovalFlowDefined.self).map(\.category) == [.invoice])
    }

    // MARK: APR-02

    @Test func retiringFreesTheCategoryAndStopsSubmissions() throws {
        var s = try OppWorld.make()
        let steps = [ApprovalStep(order: 1, type: .ownerSupervisor)]
        try s.execute(DefineApprovalFlow(flowId: flow, category: .contract, steps: steps), as: setup, at: t0)
        let out = try s.execute(RetireApprovalFlow(flowId: flow), as: setup, at: t0)
        #expect(
            OppWorld.events(out, as: ApprovalFlowRetired.self) == [
                ApprovalFlowRetired(flowId: flow, category: .contract)
            ]
        )
        #expect(s.lookup(ApprovalFlows.activeKey(.contract)) == nil)
        OppWorld.expectRejected(
            RetireApprovalFlow(flowId: flow),
            as: setup,
            in: &s,
            rule: "APR-02.notRetired",
            kind: .invalidState
        )
        OppWorld.expectRejected(
            RetireApprovalFlow(flowId: ID(1_009)),
            as: setup,
            in: &s,
            rule: "APR-02.flowExists",
            kind: .notFound
        )
        OppWorld.expectRejected(
            DefineApprovalFlow(
                flowId: flow,
                category: .contract,
                steps: steps + [ApprovalStep(order: 2, type: .prevApproverSupervisor)]
            ),
            as: setup,
            in: &s,
            rule: "APR-01.notRetired",
            kind: .invalidState
        )
        OppWorld.expectRejected(
            SubmitForApproval(
                approvalId: ID(2_000),
                flowId: flow,
                target: ApprovalTarget(type: .contract, id: ID(3_000), version: 1),
                submitterId: OppWorld.ada,
                snapshotAmount: nil
            ),
            as: .user(OppWorld.ada),
            in: &s,
            rule: "APR-03.flowActive",
            kind: .invalidState
        )
        let replacement = try s.execute(
            DefineApprovalFlow(flowId: ID(1_001), category: .contract, steps: steps),
            as: setup,
            at: t0
        )
        #expect(replacement.count == 1)
    }
}

@Suite struct ApprovalInstanceTests {
    let t0 = OppWorld.t0
    let setup = OppWorld.setup
    let flow = ID(1_000)
    let approval = ID(2_000)
    let contract = ApprovalTarget(type: .contract, id: ID(3_000), version: 1)

    func world(
        _ steps: [ApprovalStep],
        allowRecall: Bool = true,
        scope: ApprovalScope = .everyone,
        criteria: ApprovalEntryCriteria = .always
    ) throws -> InMemoryDomainStore {
        var s = try OppWorld.make()
        try s.execute(
            DefineApprovalFlow(
                flowId: flow,
                category: .contract,
                scope: scope,
                entryCriteria: criteria,
                steps: steps,
                allowRecall: allowRecall
            ),
            as: setup,
            at: t0
        )
        return s
    }

    func submit(
        _ id: ID? = nil,
        target: ApprovalTarget? = nil,
        by submitter: ID = OppWorld.ada,
        amount: Money? = OppWorld.cny(200_000),
        flowId: ID? = nil
    ) -> SubmitForApproval {
        SubmitForApproval(
            approvalId: id ?? approval,
            flowId: flowId ?? flow,
            target: target ?? contract,
            submitterId: submitter,
            snapshotAmount: amount
        )
    }

    func approve(_ approver: ID, comment: String? = nil) -> ApproveApprovalStep {
        ApproveApprovalStep(approvalId: approval, approverId: approver, comment: comment)
    }

    /// Steps: 1 supervisor (manager), 2 co-sign by manager and admin, 3 the previous approvers' supervisors.
    var threeSteps: [ApprovalStep] {
        [
            ApprovalStep(order: 1, type: .ownerSupervisor),
            ApprovalStep(order: 2, type: .allOf, approverIds: [OppWorld.manager, OppWorld.admin, OppWorld.carl]),
            ApprovalStep(order: 3, type: .prevApproverSupervisor),
        ]
    }

    // MARK: APR-03

    @Test func submittingResolvesEveryStepToConcreteApprovers() throws {
        var s = try world(threeSteps)
        let out = try s.execute(submit(), as: .user(OppWorld.ada), at: t0)
        #expect(
            OppWorld.events(out, as: ApprovalSubmitted.self) == [
                ApprovalSubmitted(
                    approvalId: approval,
                    flowId: flow,
                    flowVersion: 1,
                    target: contract,
                    submitterId: OppWorld.ada,
                    snapshot: ApprovalSnapshot(amount: OppWorld.cny(200_000)),
                    resolvedSteps: [
                        ApprovalStep(order: 1, type: .ownerSupervisor, approverIds: [OppWorld.manager]),
                        // Carl is offboarded and drops out of the co-sign.
                        ApprovalStep(order: 2, type: .allOf, approverIds: [OppWorld.manager, OppWorld.admin]),
                        // The manager's supervisor; the admin has none.
                        ApprovalStep(order: 3, type: .prevApproverSupervisor, approverIds: [OppWorld.director]),
                    ]
                )
            ]
        )
        #expect(s.lookup(contract.pendingKey) == .of(Approval.self, approval))
        #expect(s.children(of: contract.stream, category: "approval") == [.of(Approval.self, approval)])
        #expect(s.state(Approval.self, approval)?.status == .pending)
    }

    @Test func aTargetHasAtMostOnePendingApproval() throws {
        var s = try world(threeSteps)
        try s.execute(submit(), as: .user(OppWorld.ada), at: t0)
        OppWorld.expectRejected(
            submit(ID(2_001)),
            as: .user(OppWorld.ada),
            in: &s,
            rule: "APR-03.noOtherPending",
            kind: .invariantViolated
        )
        OppWorld.expectRejected(
            submit(),
            as: .user(OppWorld.ada),
            in: &s,
            rule: "APR-03.approvalIdUnique",
            kind: .alreadyExists
        )
        let other = try s.execute(
            submit(ID(2_001), target: ApprovalTarget(type: .contract, id: ID(3_001), version: 1)),
            as: .user(OppWorld.ada),
            at: t0
        )
        #expect(other.count == 1)
    }

    @Test func entryCriteriaAreEvaluatedOnTheSnapshot() throws {
        var s = try world(threeSteps, criteria: ApprovalEntryCriteria(amountAtLeast: OppWorld.cny(100_000)))
        OppWorld.expectRejected(
            submit(amount: OppWorld.cny(99_999)),
            as: .user(OppWorld.ada),
            in: &s,
            rule: "APR-03.entryCriteria",
            kind: .invariantViolated
        )
        OppWorld.expectRejected(
            submit(amount: nil),
            as: .user(OppWorld.ada),
            in: &s,
            rule: "APR-03.entryCriteria",
            kind: .invariantViolated
        )
        OppWorld.expectRejected(
            submit(amount: Money(amountMinor: 50_000_000, currency: "USD")),
            as: .user(OppWorld.ada),
            in: &s,
            rule: "APR-03.entryCriteria",
            kind: .invariantViolated
        )
        let out = try s.execute(submit(amount: OppWorld.cny(100_000)), as: .user(OppWorld.ada), at: t0)
        #expect(
            OppWorld.events(out, as: ApprovalSubmitted.self).map(\.snapshot) == [
                ApprovalSnapshot(amount: OppWorld.cny(100_000))
            ]
        )
    }

    @Test func theFirstStepMustResolveToAnApprover() throws {
        var s = try world([ApprovalStep(order: 1, type: .ownerSupervisor)])
        // The director has no manager.
        OppWorld.expectRejected(
            submit(by: OppWorld.director),
            as: .user(OppWorld.director),
            in: &s,
            rule: "APR-03.firstStepResolves",
            kind: .invariantViolated
        )
        var t = try world([
            ApprovalStep(order: 1, type: .ownerSupervisor), ApprovalStep(order: 2, type: .prevApproverSupervisor),
        ])
        // Ada → manager → director is fine; manager → director → nobody is not.
        OppWorld.expectRejected(
            submit(by: OppWorld.manager),
            as: .user(OppWorld.manager),
            in: &t,
            rule: "APR-03.stepResolves",
            kind: .invariantViolated
        )
        #expect(try t.execute(submit(), as: .user(OppWorld.ada), at: t0).count == 1)
    }

    @Test func theSubmitterMustBeInScopeAndActAsThemself() throws {
        var s = try world(threeSteps, scope: ApprovalScope(userIds: [OppWorld.bob]))
        OppWorld.expectRejected(
            submit(),
            as: .user(OppWorld.ada),
            in: &s,
            rule: "APR-03.submitterInScope",
            kind: .invariantViolated
        )
        OppWorld.expectRejected(
            submit(by: OppWorld.bob),
            as: .user(OppWorld.ada),
            in: &s,
            rule: "APR-03.submitterIsActor",
            kind: .invariantViolated
        )
        OppWorld.expectRejected(
            submit(by: OppWorld.carl),
            as: setup,
            in: &s,
            rule: "APR-03.submitterActive",
            kind: .notFound
        )
        #expect(try s.execute(submit(by: OppWorld.bob), as: .user(OppWorld.bob), at: t0).count == 1)

        var d = try world(threeSteps, scope: ApprovalScope(deptIds: [OppWorld.dept]))
        #expect(try d.execute(submit(), as: .user(OppWorld.ada), at: t0).count == 1)
    }

    @Test func theFlowMustExistAndMatchTheTargetType() throws {
        var s = try world(threeSteps)
        OppWorld.expectRejected(
            submit(flowId: ID(1_009)),
            as: .user(OppWorld.ada),
            in: &s,
            rule: "APR-03.flowExists",
            kind: .notFound
        )
        OppWorld.expectRejected(
            submit(target: ApprovalTarget(type: .invoice, id: ID(3_002), version: 1)),
            as: setup,
            in: &s,
            rule: "APR-03.flowCategory",
            kind: .invariantViolated
        )
        OppWorld.expectRejected(
            submit(amount: .cny(-1)),
            as: .user(OppWorld.ada),
            in: &s,
            rule: "APR-03.snapshotAmount",
            kind: .invalidInput
        )
    }

    @Test func discountApprovalsNeedAnOpenOpportunity() throws {
        var s = try OppWorld.make()
        _ = try OppWorld.create(in: &s)
        try s.execute(DefineApprovalFlow(flowId: flow, category: .discount, steps: threeSteps), as: setup, at: t0)
        let target = ApprovalTarget(type: .discount, id: OppWorld.opp, version: 1)
        OppWorld.expectRejected(
            submit(target: ApprovalTarget(type: .discount, id: ID(599), version: 1)),
            as: .user(OppWorld.ada),
            in: &s,
            rule: "APR-03.targetExists",
            kind: .notFound
        )
        // Bob may submit discounts, but only on his own opportunities.
        OppWorld.expectRejected(
            submit(target: target, by: OppWorld.bob),
            as: .user(OppWorld.bob),
            in: &s,
            rule: "APR-03.perm",
            kind: .accessDenied
        )
        try s.execute(
            LoseOpportunity(oppId: OppWorld.opp, lostReasonId: OppWorld.price, closedAt: t0),
            as: .user(OppWorld.ada),
            at: t0
        )
        OppWorld.expectRejected(
            submit(target: target),
            as: .user(OppWorld.ada),
            in: &s,
            rule: "APR-03.targetSubmittable",
            kind: .invalidState
        )
        try s.execute(
            ReopenOpportunity(oppId: OppWorld.opp, toStageId: "S3", reason: "back"),
            as: .user(OppWorld.ada),
            at: t0
        )
        #expect(try s.execute(submit(target: target), as: .user(OppWorld.ada), at: t0).count == 1)
    }

    @Test func activeFlowLookupFindsTheLatestVersion() throws {
        var s = try world(threeSteps)
        try s.execute(
            DefineApprovalFlow(
                flowId: flow,
                category: .contract,
                steps: [ApprovalStep(order: 1, type: .ownerSupervisor)]
            ),
            as: setup,
            at: t0
        )
        var d = Decision(actor: setup, now: t0, context: s, ids: .incrementing())
        #expect(ApprovalFlows.activeFlow(for: .contract, in: &d) == ApprovalFlowRef(flowId: flow, version: 2))
        #expect(ApprovalFlows.activeFlow(for: .invoice, in: &d) == nil)
    }

    // MARK: APR-04 / APR-07

    @Test func anyOfCompletesWithTheFirstApprovalAndTheLastStepCompletesTheApproval() throws {
        var s = try world([ApprovalStep(order: 1, type: .anyOf, approverIds: [OppWorld.manager, OppWorld.admin])])
        try s.execute(submit(), as: .user(OppWorld.ada), at: t0)
        let out = try s.execute(approve(OppWorld.admin, comment: "ok"), as: .user(OppWorld.admin), at: t0)
        #expect(out.count == 2)
        #expect(
            OppWorld.events(out, ofType: ApprovalStepApproved.self)
                == [ApprovalStepApproved(approvalId: approval, stepOrder: 1, approverId: OppWorld.admin, comment: "ok")]
        )
        #expect(
            OppWorld.events(out, ofType: ApprovalCompleted.self) == [
                ApprovalCompleted(approvalId: approval, outcome: .approved, target: contract)
            ]
        )
        #expect(s.state(Approval.self, approval)?.status == .approved)
        #expect(s.lookup(contract.pendingKey) == nil)
        OppWorld.expectRejected(
            approve(OppWorld.manager),
            as: .user(OppWorld.manager),
            in: &s,
            rule: "APR-04.pending",
            kind: .invalidState
        )
    }

    @Test func allOfNeedsEveryApprover() throws {
        var s = try world([ApprovalStep(order: 1, type: .allOf, approverIds: [OppWorld.manager, OppWorld.admin])])
        try s.execute(submit(), as: .user(OppWorld.ada), at: t0)
        let first = try s.execute(approve(OppWorld.manager), as: .user(OppWorld.manager), at: t0)
        #expect(first.count == 1)
        #expect(
            OppWorld.events(first, as: ApprovalStepApproved.self)
                == [
                    ApprovalStepApproved(approvalId: approval, stepOrder: 1, approverId: OppWorld.manager, comment: nil)
                ]
        )
        #expect(s.state(Approval.self, approval)?.currentStepIndex == 0)
        OppWorld.expectRejected(
            approve(OppWorld.manager),
            as: .user(OppWorld.manager),
            in: &s,
            rule: "APR-04.notDecidedYet",
            kind: .invariantViolated
        )
        let second = try s.execute(approve(OppWorld.admin), as: .user(OppWorld.admin), at: t0)
        #expect(second.map(\.event.eventType) == ["ApprovalStepApproved", "ApprovalCompleted"])
        #expect(
            OppWorld.events(second, ofType: ApprovalCompleted.self) == [
                ApprovalCompleted(approvalId: approval, outcome: .approved, target: contract)
            ]
        )
    }

    @Test func aMultiStepApprovalMovesStepByStep() throws {
        var s = try world(threeSteps)
        try s.execute(submit(), as: .user(OppWorld.ada), at: t0)
        // Step 1: only the manager; the director is not yet an approver.
        OppWorld.expectRejected(
            approve(OppWorld.director),
            as: .user(OppWorld.director),
            in: &s,
            rule: "APR-04.approverOfCurrentStep",
            kind: .invariantViolated
        )
        #expect(try s.execute(approve(OppWorld.manager), as: .user(OppWorld.manager), at: t0).count == 1)
        // Step 2 (co-sign): the manager again, then the admin.
        #expect(try s.execute(approve(OppWorld.manager), as: .user(OppWorld.manager), at: t0).count == 1)
        #expect(try s.execute(approve(OppWorld.admin), as: .user(OppWorld.admin), at: t0).count == 1)
        #expect(s.state(Approval.self, approval)?.currentStep?.order == 3)
        // Step 3: the director completes it.
        let last = try s.execute(approve(OppWorld.director), as: .user(OppWorld.director), at: t0)
        #expect(
            last.map(\.event.eventType) == ["ApprovalStepApproved", "ApprovalCompleted"]
        )
        #expect(OppWorld.events(last, ofType: ApprovalStepApproved.self).map(\.stepOrder) == [3])
        let state = try #require(s.state(Approval.self, approval))
        #expect(state.status == .approved)
        #expect(
            state.approvedBy == [1: [OppWorld.manager], 2: [OppWorld.manager, OppWorld.admin], 3: [OppWorld.director]]
        )
    }

    @Test func approversActAsThemselvesWithThePermission() throws {
        var s = try world([ApprovalStep(order: 1, type: .anyOf, approverIds: [OppWorld.manager])])
        try s.execute(submit(), as: .user(OppWorld.ada), at: t0)
        OppWorld.expectRejected(
            approve(OppWorld.manager),
            as: .user(OppWorld.ada),
            in: &s,
            rule: "APR-04.actorIsApprover",
            kind: .invariantViolated
        )
        OppWorld.expectRejected(
            ApproveApprovalStep(approvalId: ID(2_009), approverId: OppWorld.manager),
            as: .user(OppWorld.manager),
            in: &s,
            rule: "APR-04.approvalExists",
            kind: .notFound
        )
        s.given(
            [
                RolePermissionsChanged(
                    roleId: OppWorld.managerRole,
                    changes: [
                        RolePermissionChange(kind: .revoke, object: .approval, actions: [.approve], dataScope: nil)
                    ]
                )
            ],
            on: StreamRef("role", OppWorld.managerRole.description)
        )
        OppWorld.expectRejected(
            approve(OppWorld.manager),
            as: .user(OppWorld.manager),
            in: &s,
            rule: "APR-04.perm",
            kind: .accessDenied
        )
    }

    @Test func aRetiredFlowsPendingApprovalsContinueOnTheirVersion() throws {
        var s = try world([ApprovalStep(order: 1, type: .ownerSupervisor)])
        try s.execute(submit(), as: .user(OppWorld.ada), at: t0)
        try s.execute(RetireApprovalFlow(flowId: flow), as: setup, at: t0)
        let out = try s.execute(approve(OppWorld.manager), as: .user(OppWorld.manager), at: t0)
        #expect(out.map(\.event.eventType) == ["ApprovalStepApproved", "ApprovalCompleted"])
    }

    @Test func aNewFlowVersionDoesNotChangePendingApprovals() throws {
        var s = try world([ApprovalStep(order: 1, type: .ownerSupervisor)])
        try s.execute(submit(), as: .user(OppWorld.ada), at: t0)
        try s.execute(DefineApprovalFlow(flowId: flow, category: .contract, steps: threeSteps), as: setup, at: t0)
        let out = try s.execute(approve(OppWorld.manager), as: .user(OppWorld.manager), at: t0)
        #expect(out.map(\.event.eventType) == ["ApprovalStepApproved", "ApprovalCompleted"])
        let next = try s.execute(submit(ID(2_001)), as: .user(OppWorld.ada), at: t0)
        #expect(OppWorld.events(next, as: ApprovalSubmitted.self).map(\.flowVersion) == [2])
    }

    // MARK: APR-05

    @Test func rejectingIsTerminalAndFreesTheTarget() throws {
        var s = try world(threeSteps)
        try s.execute(submit(), as: .user(OppWorld.ada), at: t0)
        OppWorld.expectRejected(
            RejectApproval(approvalId: approval, approverId: OppWorld.manager, reason: " "),
            as: .user(OppWorld.manager),
            in: &s,
            rule: "APR-05.reason",
            kind: .invalidInput
        )
        OppWorld.expectRejected(
            RejectApproval(approvalId: approval, approverId: OppWorld.admin, reason: "no"),
            as: .user(OppWorld.admin),
            in: &s,
            rule: "APR-05.approverOfCurrentStep",
            kind: .invariantViolated
        )
        let out = try s.execute(
            RejectApproval(approvalId: approval, approverId: OppWorld.manager, reason: "price too low"),
            as: .user(OppWorld.manager),
            at: t0
        )
        #expect(
            OppWorld.events(out, as: ApprovalRejected.self)
                == [
                    ApprovalRejected(
                        approvalId: approval,
                        stepOrder: 1,
                        approverId: OppWorld.manager,
                        reason: "price too low",
                        target: contract
                    )
                ]
        )
        #expect(s.state(Approval.self, approval)?.status == .rejected)
        #expect(s.lookup(contract.pendingKey) == nil)
        OppWorld.expectRejected(
            RejectApproval(approvalId: approval, approverId: OppWorld.manager, reason: "again"),
            as: .user(OppWorld.manager),
            in: &s,
            rule: "APR-05.pending",
            kind: .invalidState
        )
        #expect(try s.execute(submit(ID(2_001)), as: .user(OppWorld.ada), at: t0).count == 1)
    }

    @Test func aCoSignerWhoApprovedMayNotRejectAfterwards() throws {
        var s = try world([ApprovalStep(order: 1, type: .allOf, approverIds: [OppWorld.manager, OppWorld.admin])])
        try s.execute(submit(), as: .user(OppWorld.ada), at: t0)
        try s.execute(approve(OppWorld.manager), as: .user(OppWorld.manager), at: t0)
        OppWorld.expectRejected(
            RejectApproval(approvalId: approval, approverId: OppWorld.manager, reason: "changed my mind"),
            as: .user(OppWorld.manager),
            in: &s,
            rule: "APR-05.notDecidedYet",
            kind: .invariantViolated
        )
        let out = try s.execute(
            RejectApproval(approvalId: approval, approverId: OppWorld.admin, reason: "no"),
            as: .user(OppWorld.admin),
            at: t0
        )
        #expect(OppWorld.events(out, as: ApprovalRejected.self).map(\.approverId) == [OppWorld.admin])
    }

    // MARK: APR-06

    @Test func theSubmitterRecallsWhenTheFlowAllowsIt() throws {
        var s = try world(threeSteps, allowRecall: true)
        try s.execute(submit(), as: .user(OppWorld.ada), at: t0)
        OppWorld.expectRejected(
            RecallApproval(approvalId: approval, by: OppWorld.bob),
            as: .user(OppWorld.bob),
            in: &s,
            rule: "APR-06.mayRecall",
            kind: .accessDenied
        )
        OppWorld.expectRejected(
            RecallApproval(approvalId: approval, by: OppWorld.ada),
            as: .user(OppWorld.bob),
            in: &s,
            rule: "APR-06.actorIsRecaller",
            kind: .invariantViolated
        )
        let out = try s.execute(RecallApproval(approvalId: approval, by: OppWorld.ada), as: .user(OppWorld.ada), at: t0)
        #expect(
            OppWorld.events(out, as: ApprovalRecalled.self) == [
                ApprovalRecalled(approvalId: approval, by: OppWorld.ada, target: contract)
            ]
        )
        #expect(s.state(Approval.self, approval)?.status == .recalled)
        #expect(s.lookup(contract.pendingKey) == nil)
        OppWorld.expectRejected(
            RecallApproval(approvalId: approval, by: OppWorld.ada),
            as: .user(OppWorld.ada),
            in: &s,
            rule: "APR-06.pending",
            kind: .invalidState
        )
    }

    @Test func withoutAllowRecallOnlyAnAdministratorRecalls() throws {
        var s = try world(threeSteps, allowRecall: false)
        try s.execute(submit(), as: .user(OppWorld.ada), at: t0)
        OppWorld.expectRejected(
            RecallApproval(approvalId: approval, by: OppWorld.ada),
            as: .user(OppWorld.ada),
            in: &s,
            rule: "APR-06.mayRecall",
            kind: .accessDenied
        )
        let out = try s.execute(
            RecallApproval(approvalId: approval, by: OppWorld.admin),
            as: .user(OppWorld.admin),
            at: t0
        )
        #expect(
            OppWorld.events(out, as: ApprovalRecalled.self) == [
                ApprovalRecalled(approvalId: approval, by: OppWorld.admin, target: contract)
            ]
        )
    }
}
