import CRMDomain
import Testing

/// Spare parts: the compressor needs an approval (the technician's supervisor approves), the filter does not.
@Suite struct PartReplacementTests {
    typealias W = ServiceWorld
    let flow = ID(920)
    let req1 = ID(930)
    let req2 = ID(931)
    let apr1 = ID(940)
    let apr2 = ID(941)

    func world(flow defineFlow: Bool = true) throws -> ServiceWorld {
        var w = try ServiceWorld()
        w.store.processManagers = ServiceCatalog.processManagers
        try w.fieldSetup()
        try w.run(DefineSparePart(sku: "CMP-100", name: "Compressor", requiresApproval: true))
        try w.run(DefineSparePart(sku: "FLT-7", name: "Air filter", requiresApproval: false))
        if defineFlow {
            try w.run(
                DefineApprovalFlow(
                    flowId: flow,
                    category: .partReplacement,
                    steps: [ApprovalStep(order: 1, type: .ownerSupervisor)]
                )
            )
        }
        return w
    }

    func requestCompressor(_ id: ID, approval: ID?, qty: Int64 = 2, by: ID? = W.tech) -> RequestPartReplacement {
        RequestPartReplacement(
            requestId: id,
            workOrderId: W.wo1,
            sku: "cmp-100",
            qty: qty,
            oldSerial: "SN-OLD-1",
            reason: "Compressor seized",
            underWarranty: true,
            approvalId: approval,
            requestedBy: by
        )
    }

    // MARK: FSV-08

    @Test func aPartNeedingApprovalIsSubmittedWithTheRequest() throws {
        var w = try world()
        let out = try w.run(requestCompressor(req1, approval: apr1), as: .user(W.tech))
        let requested = PartReplacementRequested(
            requestId: req1,
            workOrderId: W.wo1,
            sku: "cmp-100",
            qty: 2,
            oldSerial: "SN-OLD-1",
            reason: "Compressor seized",
            underWarranty: true,
            approvalId: apr1
        )
        let submitted = ApprovalSubmitted(
            approvalId: apr1,
            flowId: flow,
            flowVersion: 1,
            target: ApprovalTarget(type: .partReplacement, id: req1, version: 1),
            submitterId: W.tech,
            snapshot: ApprovalSnapshot(amount: nil),
            resolvedSteps: [ApprovalStep(order: 1, type: .ownerSupervisor, approverIds: [W.supervisor])]
        )
        #expect(serviceEvents(out) == [AnyHashable(requested), AnyHashable(submitted)])
        #expect(serviceStreams(out) == ["partRequest-\(req1)", "approval-\(apr1)"])
        #expect(w.store.state(PartRequest.self, req1)?.status == .pendingApproval)
        #expect(
            w.store.children(of: .of(WorkOrder.self, W.wo1), category: "partRequest") == [.of(PartRequest.self, req1)]
        )
    }

    @Test func aPartWithoutApprovalIsRequestedAlone() throws {
        var w = try world()
        let out = try w.run(
            RequestPartReplacement(
                requestId: req1,
                workOrderId: W.wo1,
                sku: "FLT-7",
                qty: 1,
                reason: "Clogged",
                underWarranty: false
            ),
            as: .user(W.tech)
        )
        #expect(
            serviceEvents(out) == [
                AnyHashable(
                    PartReplacementRequested(
                        requestId: req1,
                        workOrderId: W.wo1,
                        sku: "flt-7",
                        qty: 1,
                        oldSerial: nil,
                        reason: "Clogged",
                        underWarranty: false,
                        approvalId: nil
                    )
                )
            ]
        )
        #expect(w.store.state(PartRequest.self, req1)?.status == .noApprovalNeeded)
    }

    @Test func requestChecks() throws {
        var w = try world()
        w.reject(requestCompressor(req1, approval: apr1), as: .user(W.viewer), rule: "FSV-08.perm", kind: .accessDenied)
        w.reject(
            RequestPartReplacement(
                requestId: req1,
                workOrderId: W.wo1,
                sku: " ",
                qty: 1,
                reason: "x",
                underWarranty: false
            ),
            rule: "FSV-08.sku",
            kind: .invalidInput
        )
        w.reject(
            RequestPartReplacement(
                requestId: req1,
                workOrderId: W.wo1,
                sku: "FLT-7",
                qty: 1,
                reason: "",
                underWarranty: false
            ),
            rule: "FSV-08.reason",
            kind: .invalidInput
        )
        w.reject(requestCompressor(req1, approval: apr1, qty: 0), rule: "FSV-08.qtyPositive", kind: .invalidInput)
        w.reject(requestCompressor(req1, approval: apr1, qty: -1), rule: "FSV-08.qtyPositive", kind: .invalidInput)
        w.reject(
            RequestPartReplacement(
                requestId: req1,
                workOrderId: ID(999),
                sku: "FLT-7",
                qty: 1,
                reason: "x",
                underWarranty: false
            ),
            rule: "FSV-08.workOrderExists",
            kind: .notFound
        )
        w.reject(
            RequestPartReplacement(
                requestId: req1,
                workOrderId: W.wo1,
                sku: "XYZ-1",
                qty: 1,
                reason: "x",
                underWarranty: false
            ),
            rule: "FSV-08.partKnown",
            kind: .notFound
        )
        w.reject(requestCompressor(req1, approval: nil), rule: "FSV-08.approvalId", kind: .invalidInput)
        w.reject(requestCompressor(req1, approval: apr1, by: nil), rule: "FSV-08.approvalId", kind: .invalidInput)
        w.reject(
            RequestPartReplacement(
                requestId: req1,
                workOrderId: W.wo1,
                sku: "FLT-7",
                qty: 1,
                reason: "x",
                underWarranty: false,
                approvalId: apr1,
                requestedBy: W.tech
            ),
            rule: "FSV-08.approvalId",
            kind: .invalidInput
        )
        // The approval engine's own checks apply: a technician submits as themself.
        w.reject(
            requestCompressor(req1, approval: apr1, by: W.tech2),
            as: .user(W.tech),
            rule: "APR-03.submitterIsActor",
            kind: .invariantViolated
        )
        try w.run(requestCompressor(req1, approval: apr1), as: .user(W.tech))
        w.reject(requestCompressor(req1, approval: apr2), rule: "FSV-08.requestIdUnique", kind: .alreadyExists)
        try w.run(CloseWorkOrder(workOrderId: W.wo1, outcome: .cannotComplete))
        w.reject(requestCompressor(req2, approval: apr2), rule: "FSV-08.workOrderOpen", kind: .invalidState)
    }

    @Test func withoutAnActiveFlowAPartNeedingApprovalCannotBeRequested() throws {
        var w = try world(flow: false)
        w.reject(requestCompressor(req1, approval: apr1), rule: "FSV-08.approvalFlow", kind: .invariantViolated)
    }

    // MARK: FSV-09 / FSV-10 through the process manager

    @Test func approvalCompletionApprovesTheRequest() throws {
        var w = try world()
        try w.run(requestCompressor(req1, approval: apr1), as: .user(W.tech))
        let out = try w.run(ApproveApprovalStep(approvalId: apr1, approverId: W.supervisor), as: .user(W.supervisor))
        let target = ApprovalTarget(type: .partReplacement, id: req1, version: 1)
        #expect(
            serviceEvents(out) == [
                AnyHashable(
                    ApprovalStepApproved(approvalId: apr1, stepOrder: 1, approverId: W.supervisor, comment: nil)
                ),
                AnyHashable(ApprovalCompleted(approvalId: apr1, outcome: .approved, target: target)),
                AnyHashable(PartReplacementApproved(requestId: req1, approvalId: apr1)),
            ]
        )
        #expect(out.last?.actor == .system(job: "partReplacementApproval"))
        #expect(out.last?.causationId == out[1].eventId)
        #expect(w.store.state(PartRequest.self, req1)?.status == .approved)
    }

    @Test func approvalRejectionRejectsTheRequest() throws {
        var w = try world()
        try w.run(requestCompressor(req1, approval: apr1), as: .user(W.tech))
        let out = try w.run(
            RejectApproval(approvalId: apr1, approverId: W.supervisor, reason: "Repair it instead"),
            as: .user(W.supervisor)
        )
        #expect(
            serviceEvents(out).last
                == AnyHashable(PartReplacementRejected(requestId: req1, approvalId: apr1, reason: "Repair it instead"))
        )
        #expect(out.count == 2)
        let request = try #require(w.store.state(PartRequest.self, req1))
        #expect(request.status == .rejected)
        #expect(request.rejectionReason == "Repair it instead")
    }

    @Test func otherApprovalsAreIgnoredByTheProcessManager() throws {
        let pm = PartReplacementApprovalProcess()
        let store = InMemoryDomainStore()
        let contractApproval = RecordedDomainEvent(
            stream: .of(Approval.self, apr1),
            event: ApprovalCompleted(
                approvalId: apr1,
                outcome: .approved,
                target: ApprovalTarget(type: .contract, id: ID(1), version: 1)
            ),
            eventId: ID(1),
            correlationId: nil,
            recordedAt: W.monday9,
            actor: .system(job: "t")
        )
        #expect(pm.react(to: contractApproval, context: store).isEmpty)
    }

    @Test func approvingAndRejectingDirectlyCheckTheApproval() throws {
        var w = try world()
        w.reject(
            ApprovePartReplacement(requestId: req1, approvalId: apr1),
            rule: "FSV-09.requestExists",
            kind: .notFound
        )
        w.reject(
            RejectPartReplacement(requestId: req1, approvalId: apr1, reason: "x"),
            rule: "FSV-10.requestExists",
            kind: .notFound
        )
        try w.run(requestCompressor(req1, approval: apr1), as: .user(W.tech))
        w.reject(
            ApprovePartReplacement(requestId: req1, approvalId: apr1),
            rule: "FSV-09.approvalDecided",
            kind: .invalidState
        )
        w.reject(
            RejectPartReplacement(requestId: req1, approvalId: apr1, reason: "x"),
            rule: "FSV-10.approvalDecided",
            kind: .invalidState
        )
        w.reject(
            RejectPartReplacement(requestId: req1, approvalId: apr1, reason: " "),
            rule: "FSV-10.reason",
            kind: .invalidInput
        )
        w.reject(ApprovePartReplacement(requestId: req1, approvalId: apr2), rule: "FSV-09.pending", kind: .invalidState)
        w.reject(
            RejectPartReplacement(requestId: req1, approvalId: apr2, reason: "x"),
            rule: "FSV-10.pending",
            kind: .invalidState
        )
        w.reject(
            ApprovePartReplacement(requestId: req1, approvalId: apr1),
            as: .user(W.viewer),
            rule: "FSV-09.perm",
            kind: .accessDenied
        )
        w.reject(
            RejectPartReplacement(requestId: req1, approvalId: apr1, reason: "x"),
            as: .user(W.viewer),
            rule: "FSV-10.perm",
            kind: .accessDenied
        )
        // A request pointing at an approval of another request (only possible through a corrupt import).
        try w.run(requestCompressor(req2, approval: apr2), as: .user(W.tech))
        w.store.given(
            [
                PartReplacementRequested(
                    requestId: ID(932),
                    workOrderId: W.wo1,
                    sku: "cmp-100",
                    qty: 1,
                    oldSerial: nil,
                    reason: "x",
                    underWarranty: false,
                    approvalId: apr2
                )
            ],
            on: .of(PartRequest.self, ID(932))
        )
        w.reject(
            ApprovePartReplacement(requestId: ID(932), approvalId: apr2),
            rule: "FSV-09.approvalOfRequest",
            kind: .notFound
        )
        w.store.processManagers = []
        try w.run(ApproveApprovalStep(approvalId: apr1, approverId: W.supervisor), as: .user(W.supervisor))
        let out = try w.run(ApprovePartReplacement(requestId: req1, approvalId: apr1))
        #expect(serviceEvents(out) == [AnyHashable(PartReplacementApproved(requestId: req1, approvalId: apr1))])
        w.reject(ApprovePartReplacement(requestId: req1, approvalId: apr1), rule: "FSV-09.pending", kind: .invalidState)
    }

    // MARK: FSV-11

    @Test func partsNeedingApprovalAreConsumedWithinTheApprovedQuantity() throws {
        var w = try world()
        try w.run(requestCompressor(req1, approval: apr1, qty: 2), as: .user(W.tech))
        w.reject(
            ConsumePart(workOrderId: W.wo1, sku: "CMP-100", qty: 1),
            rule: "FSV-11.approvedRequest",
            kind: .invariantViolated
        )
        w.reject(
            ConsumePart(workOrderId: W.wo1, sku: "CMP-100", qty: 1, requestId: req1),
            rule: "FSV-11.approvedRequest",
            kind: .invariantViolated
        )
        try w.run(ApproveApprovalStep(approvalId: apr1, approverId: W.supervisor), as: .user(W.supervisor))
        let first = try w.run(
            ConsumePart(workOrderId: W.wo1, sku: "CMP-100", qty: 1, newSerial: "SN-NEW-1", requestId: req1),
            as: .user(W.tech)
        )
        #expect(
            serviceEvents(first) == [
                AnyHashable(
                    PartConsumed(workOrderId: W.wo1, sku: "cmp-100", qty: 1, newSerial: "SN-NEW-1", requestId: req1)
                )
            ]
        )
        #expect(serviceStreams(first) == ["workOrder-\(W.wo1)"])
        w.reject(
            ConsumePart(workOrderId: W.wo1, sku: "CMP-100", qty: 2, requestId: req1),
            rule: "FSV-11.withinApproved",
            kind: .invariantViolated
        )
        try w.run(ConsumePart(workOrderId: W.wo1, sku: "CMP-100", qty: 1, newSerial: "SN-NEW-2", requestId: req1))
        w.reject(
            ConsumePart(workOrderId: W.wo1, sku: "CMP-100", qty: 1, requestId: req1),
            rule: "FSV-11.withinApproved",
            kind: .invariantViolated
        )
        let wo = try #require(w.store.state(WorkOrder.self, W.wo1))
        #expect(wo.consumedByRequest[req1] == 2)
        #expect(wo.consumedBySku["cmp-100"] == 2)
    }

    @Test func aRejectedRequestAllowsNoConsumption() throws {
        var w = try world()
        try w.run(requestCompressor(req1, approval: apr1), as: .user(W.tech))
        try w.run(
            RejectApproval(approvalId: apr1, approverId: W.supervisor, reason: "No budget"),
            as: .user(W.supervisor)
        )
        w.reject(
            ConsumePart(workOrderId: W.wo1, sku: "CMP-100", qty: 1, requestId: req1),
            rule: "FSV-11.approvedRequest",
            kind: .invariantViolated
        )
    }

    @Test func partsWithoutApprovalAreConsumedFreely() throws {
        var w = try world()
        let out = try w.run(ConsumePart(workOrderId: W.wo1, sku: " flt-7", qty: 3), as: .user(W.tech))
        #expect(
            serviceEvents(out) == [
                AnyHashable(PartConsumed(workOrderId: W.wo1, sku: "flt-7", qty: 3, newSerial: nil, requestId: nil))
            ]
        )
        try w.run(
            RequestPartReplacement(
                requestId: req2,
                workOrderId: W.wo1,
                sku: "FLT-7",
                qty: 1,
                reason: "Spare",
                underWarranty: false
            )
        )
        try w.run(ConsumePart(workOrderId: W.wo1, sku: "FLT-7", qty: 5, requestId: req2))
        #expect(w.store.state(WorkOrder.self, W.wo1)?.consumedBySku["flt-7"] == 8)
    }

    @Test func consumptionChecks() throws {
        var w = try world()
        try w.run(W.createWorkOrder(W.wo2))
        try w.run(
            RequestPartReplacement(
                requestId: req2,
                workOrderId: W.wo2,
                sku: "FLT-7",
                qty: 1,
                reason: "Spare",
                underWarranty: false
            )
        )
        w.reject(
            ConsumePart(workOrderId: ID(999), sku: "FLT-7", qty: 1),
            rule: "FSV-11.workOrderExists",
            kind: .notFound
        )
        w.reject(
            ConsumePart(workOrderId: W.wo1, sku: "FLT-7", qty: 1),
            as: .user(W.viewer),
            rule: "FSV-11.perm",
            kind: .accessDenied
        )
        w.reject(ConsumePart(workOrderId: W.wo1, sku: "", qty: 1), rule: "FSV-11.sku", kind: .invalidInput)
        w.reject(ConsumePart(workOrderId: W.wo1, sku: "FLT-7", qty: 0), rule: "FSV-11.qtyPositive", kind: .invalidInput)
        w.reject(ConsumePart(workOrderId: W.wo1, sku: "XYZ-1", qty: 1), rule: "FSV-11.partKnown", kind: .notFound)
        w.reject(
            ConsumePart(workOrderId: W.wo1, sku: "FLT-7", qty: 1, requestId: ID(999)),
            rule: "FSV-11.requestExists",
            kind: .notFound
        )
        w.reject(
            ConsumePart(workOrderId: W.wo1, sku: "FLT-7", qty: 1, requestId: req2),
            rule: "FSV-11.requestMatches",
            kind: .invariantViolated
        )
        w.reject(
            ConsumePart(workOrderId: W.wo2, sku: "CMP-100", qty: 1, requestId: req2),
            rule: "FSV-11.requestMatches",
            kind: .invariantViolated
        )
        try w.run(CloseWorkOrder(workOrderId: W.wo1, outcome: .completed))
        w.reject(
            ConsumePart(workOrderId: W.wo1, sku: "FLT-7", qty: 1),
            rule: "FSV-11.workOrderOpen",
            kind: .invalidState
        )
    }
}
