import CRMDomain
import Testing

private typealias W = CustomerWorld
private typealias A = CustomerActor

/// CUS-12..CUS-15 with and without an approval flow, the cap re-check at approval, the carried records and the two
/// process managers.
@Suite struct CustomerTransferTests {
    private static let request = ID(40)
    private static let flow = ID(710)

    private func request(
        _ requester: ID = W.rep1,
        to: ID = W.rep2,
        carry: TransferCarry = .everything,
        retention: OldOwnerRetention = .remove,
        reason: String = "territory realignment",
        requestId: ID = CustomerTransferTests.request
    ) -> RequestCustomerTransfer {
        RequestCustomerTransfer(
            customerId: ID(1),
            requestId: requestId,
            toOwnerId: to,
            carry: carry,
            oldOwnerRetention: retention,
            reason: reason,
            requesterId: requester
        )
    }

    private func world(withFlow: Bool = false) throws -> CustomerWorld {
        var w = try W()
        try w.createCustomer(ID(1), owner: W.rep1)
        if withFlow {
            try w.run(
                DefineApprovalFlow(
                    flowId: Self.flow,
                    category: .customerTransfer,
                    steps: [ApprovalStep(order: 1, type: .anyOf, approverIds: [W.manager])]
                ),
                as: A.admin
            )
        }
        return w
    }

    // MARK: Without a flow

    @Test func anOwnersRequestWaitsForAManagerWhoApprovesAndCarriesTheRecords() throws {
        var w = try world()
        try w.run(AddContact(contactId: ID(80), customerId: ID(1), name: "Wang Li"), as: A.rep1)
        w.seedOpportunity(ID(50), customer: ID(1), owner: W.rep1)
        w.seedOpportunity(ID(51), customer: ID(1), owner: W.eastRep)
        w.seedOpportunity(ID(52), customer: ID(1), owner: W.manager)
        w.seedOpportunity(ID(53), customer: ID(1), owner: W.rep1, status: .won)
        w.seedContract(ID(60), customer: ID(1), owner: W.rep1)
        let requested = try w.run(request(retention: .teamMember(.read)), as: A.rep1)
        #expect(
            W.values(requested) == [
                AnyHashable(
                    CustomerTransferRequested(
                        requestId: Self.request,
                        toOwnerId: W.rep2,
                        carry: .everything,
                        oldOwnerRetention: .teamMember(.read),
                        reason: "territory realignment",
                        approvalId: nil,
                        requesterId: W.rep1
                    )
                )
            ]
        )
        #expect(w.customer(ID(1))?.pendingTransferRequestId == Self.request)
        let at = Timestamp(LocalDate(2026, 3, 5), hour: 10)
        let approved = try w.run(
            ApproveCustomerTransfer(customerId: ID(1), requestId: Self.request, approverId: W.manager),
            as: A.manager,
            at: at
        )
        let cause = OpportunityOwnerChangeCause.customerTransfer(Self.request)
        #expect(
            W.values(approved) == [
                AnyHashable(
                    CustomerTransferApproved(
                        requestId: Self.request,
                        approverId: W.manager,
                        newOwnerId: W.rep2,
                        carried: TransferCarried(
                            contactIds: [ID(80)],
                            opportunityIds: [ID(50), ID(51)],
                            contractIds: [ID(60)]
                        ),
                        previousOwnerId: W.rep1,
                        at: at
                    )
                ),
                AnyHashable(OpportunityOwnerChanged(fromOwnerId: W.rep1, toOwnerId: W.rep2, cause: cause)),
                AnyHashable(OpportunityOwnerChanged(fromOwnerId: W.eastRep, toOwnerId: W.rep2, cause: cause)),
                AnyHashable(
                    ContractOwnerChanged(fromOwnerId: W.rep1, toOwnerId: W.rep2, cause: .customerTransfer(Self.request))
                ),
                AnyHashable(
                    RecordShared(
                        entityType: .customer,
                        entityId: ID(1),
                        granteeUserId: W.rep1,
                        access: .read,
                        expiresAt: nil,
                        reason: .transferRetention
                    )
                ),
            ]
        )
        let c = try #require(w.customer(ID(1)))
        #expect(c.ownerId == W.rep2 && c.receivedAt == at && c.receiveKind == .transferred && c.pendingTransfer == nil)
        #expect(w.store.children(of: CustomerIndex.owner(W.rep2), category: "customer") == [W.stream(ID(1))])
        #expect(w.store.children(of: CustomerIndex.owner(W.rep1), category: "customer").isEmpty)
        #expect(w.store.organisation.shares[W.stream(ID(1))]?[W.rep1]?.access == .read)
    }

    @Test func aManagersRequestIsApprovedAtOnce() throws {
        var w = try world()
        let out = try w.run(request(W.manager, carry: .nothing), as: A.manager)
        #expect(W.values(out).count == 2)
        #expect((out[0].event as? CustomerTransferRequested)?.approvalId == nil)
        #expect(
            out[1].event as? CustomerTransferApproved
                == CustomerTransferApproved(
                    requestId: Self.request,
                    approverId: W.manager,
                    newOwnerId: W.rep2,
                    carried: TransferCarried(contactIds: [], opportunityIds: [], contractIds: []),
                    previousOwnerId: W.rep1,
                    at: W.t0
                )
        )
        #expect(w.customer(ID(1))?.ownerId == W.rep2)
    }

    @Test func requestChecks() throws {
        var w = try world()
        try w.definePool()
        try w.createCustomer(ID(2), pool: W.pool)
        try w.createCustomer(ID(3), owner: W.viewer)
        w.expectRejected(
            RequestCustomerTransfer(
                customerId: ID(2),
                requestId: ID(41),
                toOwnerId: W.rep2,
                reason: "x",
                requesterId: W.manager
            ),
            as: A.manager,
            rule: "CUS-12.owned",
            kind: .invalidState
        )
        w.expectRejected(request(to: ID(999)), as: A.rep1, rule: "CUS-12.toOwnerActive", kind: .notFound)
        w.expectRejected(request(to: W.rep1), as: A.rep1, rule: "CUS-12.toOwnerNotOwner", kind: .invariantViolated)
        w.expectRejected(request(W.manager), as: A.rep1, rule: "CUS-12.requesterIsActor", kind: .invariantViolated)
        w.expectRejected(
            request(W.rep2, to: W.eastRep),
            as: A.rep2,
            rule: "CUS-12.requesterOwnerOrManager",
            kind: .invariantViolated
        )
        w.expectRejected(
            RequestCustomerTransfer(
                customerId: ID(3),
                requestId: ID(42),
                toOwnerId: W.rep2,
                reason: "x",
                requesterId: W.viewer
            ),
            as: A.viewer,
            rule: "CUS-12.perm",
            kind: .accessDenied
        )
        w.expectRejected(request(reason: " "), as: A.rep1, rule: "CUS-12.reason", kind: .invalidInput)
        w.expectRejected(
            request(retention: OldOwnerRetention(kind: .teamMember)),
            as: A.rep1,
            rule: "CUS-12.oldOwnerRetention",
            kind: .invalidInput
        )
        w.expectRejected(
            request(retention: .teamMember(.readWrite, expiresAt: W.t0)),
            as: A.rep1,
            rule: "CUS-12.oldOwnerRetention",
            kind: .invalidInput
        )
        w.expectRejected(
            RequestCustomerTransfer(
                customerId: ID(9),
                requestId: ID(43),
                toOwnerId: W.rep2,
                reason: "x",
                requesterId: W.rep1
            ),
            as: A.rep1,
            rule: "CUS-12.exists",
            kind: .notFound
        )
        try w.run(request(), as: A.rep1)
        w.expectRejected(
            request(to: W.eastRep, requestId: ID(44)),
            as: A.rep1,
            rule: "CUS-12.noPendingTransfer",
            kind: .invariantViolated
        )
    }

    @Test func approvalRechecksTheNewOwnersCap() throws {
        var w = try world()
        try w.definePool()
        try w.limit(.owned, max: 1, users: [W.rep2])
        try w.createCustomer(ID(2), pool: W.pool)
        try w.run(request(), as: A.rep1)
        try w.run(ClaimCustomerFromPool(customerId: ID(2), poolId: W.pool, userId: W.rep2), as: A.rep2)
        w.expectRejected(
            ApproveCustomerTransfer(customerId: ID(1), requestId: Self.request, approverId: W.manager),
            as: A.manager,
            rule: "CUS-13.ownedCap",
            kind: .invariantViolated
        )
        try w.run(ReturnCustomerToPool(customerId: ID(2), poolId: W.pool, reason: "make room"), as: A.rep2)
        try w.run(
            ApproveCustomerTransfer(customerId: ID(1), requestId: Self.request, approverId: W.manager),
            as: A.manager
        )
        #expect(w.customer(ID(1))?.ownerId == W.rep2)
    }

    @Test func approveChecks() throws {
        var w = try world()
        try w.run(request(), as: A.rep1)
        w.expectRejected(
            ApproveCustomerTransfer(customerId: ID(1), requestId: ID(49), approverId: W.manager),
            as: A.manager,
            rule: "CUS-13.requestPending",
            kind: .invalidState
        )
        w.expectRejected(
            ApproveCustomerTransfer(customerId: ID(1), requestId: Self.request, approverId: W.rep2),
            as: A.rep2,
            rule: "CUS-13.approverIsManager",
            kind: .invariantViolated
        )
        w.expectRejected(
            ApproveCustomerTransfer(customerId: ID(1), requestId: Self.request, approverId: W.rep1),
            as: A.rep1,
            rule: "CUS-13.approverIsManager",
            kind: .invariantViolated
        )
        w.expectRejected(
            ApproveCustomerTransfer(customerId: ID(1), requestId: Self.request, approverId: W.manager),
            as: A.rep1,
            rule: "CUS-13.approverIsActor",
            kind: .invariantViolated
        )
        try w.run(OffboardUser(userId: W.rep2, successorUserId: nil, at: W.t0), as: A.admin)
        w.expectRejected(
            ApproveCustomerTransfer(customerId: ID(1), requestId: Self.request, approverId: W.manager),
            as: A.manager,
            rule: "CUS-13.newOwnerActive",
            kind: .invariantViolated
        )
    }

    @Test func rejectAndWithdrawChecks() throws {
        var w = try world()
        try w.run(request(), as: A.rep1)
        w.expectRejected(
            RejectCustomerTransfer(customerId: ID(1), requestId: Self.request, approverId: W.manager, reason: ""),
            as: A.manager,
            rule: "CUS-14.reason",
            kind: .invalidInput
        )
        w.expectRejected(
            RejectCustomerTransfer(customerId: ID(1), requestId: Self.request, approverId: W.rep2, reason: "no"),
            as: A.rep2,
            rule: "CUS-14.approverIsManager",
            kind: .invariantViolated
        )
        w.expectRejected(
            WithdrawCustomerTransfer(customerId: ID(1), requestId: Self.request),
            as: A.manager,
            rule: "CUS-15.actorIsRequester",
            kind: .invariantViolated
        )
        let rejected = try w.run(
            RejectCustomerTransfer(
                customerId: ID(1),
                requestId: Self.request,
                approverId: W.manager,
                reason: "keep the account"
            ),
            as: A.manager
        )
        #expect(
            W.values(rejected)
                == [
                    AnyHashable(
                        CustomerTransferRejected(
                            requestId: Self.request,
                            approverId: W.manager,
                            reason: "keep the account"
                        )
                    )
                ]
        )
        w.expectRejected(
            RejectCustomerTransfer(customerId: ID(1), requestId: Self.request, approverId: W.manager, reason: "again"),
            as: A.manager,
            rule: "CUS-14.requestPending",
            kind: .invalidState
        )
        w.expectRejected(
            WithdrawCustomerTransfer(customerId: ID(1), requestId: Self.request),
            as: A.rep1,
            rule: "CUS-15.requestPending",
            kind: .invalidState
        )
        try w.run(request(requestId: ID(45)), as: A.rep1)
        let withdrawn = try w.run(WithdrawCustomerTransfer(customerId: ID(1), requestId: ID(45)), as: A.rep1)
        #expect(W.values(withdrawn) == [AnyHashable(CustomerTransferWithdrawn(requestId: ID(45)))])
        #expect(w.customer(ID(1))?.pendingTransfer == nil && w.customer(ID(1))?.ownerId == W.rep1)
    }

    // MARK: With an approval flow

    @Test func aRequestUnderAFlowIsSubmittedAndApprovedThroughTheEngine() throws {
        var w = try world(withFlow: true)
        let out = try w.run(request(carry: .nothing), as: A.rep1)
        let requested = try #require(out.first?.event as? CustomerTransferRequested)
        let approvalId = try #require(requested.approvalId)
        let submitted = try #require(out.last?.event as? ApprovalSubmitted)
        #expect(out.count == 2)
        #expect(submitted.approvalId == approvalId && submitted.submitterId == W.rep1 && submitted.flowId == Self.flow)
        #expect(submitted.target.type == .customerTransfer && submitted.target.id == ID(1))
        w.expectRejected(
            ApproveCustomerTransfer(customerId: ID(1), requestId: Self.request, approverId: W.manager),
            as: A.manager,
            rule: "CUS-13.approvalCompleted",
            kind: .invalidState
        )
        w.expectRejected(
            RejectCustomerTransfer(customerId: ID(1), requestId: Self.request, approverId: W.manager, reason: "no"),
            as: A.manager,
            rule: "CUS-14.decidedByApproval",
            kind: .invalidState
        )
        let decided = try w.run(ApproveApprovalStep(approvalId: approvalId, approverId: W.manager), as: A.manager)
        #expect(
            decided.map(\.event.eventType) == ["ApprovalStepApproved", "ApprovalCompleted", "CustomerTransferApproved"]
        )
        let approved = try #require(decided.last?.event as? CustomerTransferApproved)
        #expect(approved.approverId == W.manager && approved.newOwnerId == W.rep2 && approved.requestId == Self.request)
        #expect(w.customer(ID(1))?.ownerId == W.rep2)
    }

    @Test func aRejectedApprovalRejectsTheTransfer() throws {
        var w = try world(withFlow: true)
        let out = try w.run(request(), as: A.rep1)
        let approvalId = try #require((out.first?.event as? CustomerTransferRequested)?.approvalId)
        let decided = try w.run(
            RejectApproval(approvalId: approvalId, approverId: W.manager, reason: "too early"),
            as: A.manager
        )
        #expect(decided.map(\.event.eventType) == ["ApprovalRejected", "CustomerTransferRejected"])
        #expect(
            decided.last?.event as? CustomerTransferRejected
                == CustomerTransferRejected(requestId: Self.request, approverId: W.manager, reason: "too early")
        )
        #expect(w.customer(ID(1))?.ownerId == W.rep1 && w.customer(ID(1))?.pendingTransfer == nil)
    }

    @Test func withdrawingRecallsThePendingApprovalAndARecallWithdraws() throws {
        var w = try world(withFlow: true)
        let first = try w.run(request(), as: A.rep1)
        let firstApproval = try #require((first.first?.event as? CustomerTransferRequested)?.approvalId)
        let withdrawn = try w.run(WithdrawCustomerTransfer(customerId: ID(1), requestId: Self.request), as: A.rep1)
        #expect(withdrawn.map(\.event.eventType) == ["CustomerTransferWithdrawn", "ApprovalRecalled"])
        #expect(w.store.state(Approval.self, firstApproval)?.status == .recalled)

        let second = try w.run(request(requestId: ID(46)), as: A.rep1)
        let secondApproval = try #require((second.first?.event as? CustomerTransferRequested)?.approvalId)
        let recalled = try w.run(RecallApproval(approvalId: secondApproval, by: W.rep1), as: A.rep1)
        #expect(recalled.map(\.event.eventType) == ["ApprovalRecalled", "CustomerTransferWithdrawn"])
        #expect(recalled.last?.event as? CustomerTransferWithdrawn == CustomerTransferWithdrawn(requestId: ID(46)))
        #expect(w.customer(ID(1))?.pendingTransfer == nil)
    }

    // MARK: Process managers in isolation

    @Test func theCarryProcessSkipsAnExpiredRetention() throws {
        var w = try world()
        let expires = Timestamp(LocalDate(2026, 3, 3))
        try w.run(request(carry: .nothing, retention: .teamMember(.readWrite, expiresAt: expires)), as: A.rep1)
        let late = try w.run(
            ApproveCustomerTransfer(customerId: ID(1), requestId: Self.request, approverId: W.manager),
            as: A.manager,
            at: Timestamp(LocalDate(2026, 3, 4))
        )
        #expect(late.map(\.event.eventType) == ["CustomerTransferApproved"])
    }

    @Test func theApprovalProcessIgnoresOtherTargetsAndStaleApprovals() throws {
        let w = try world(withFlow: true)
        let process = CustomerTransferApprovalProcess()
        let other = ApprovalTarget(type: .contract, id: ID(1), version: 0)
        let stale = ApprovalTarget(type: .customerTransfer, id: ID(1), version: 0)
        for event in [
            ApprovalCompleted(approvalId: ID(5), outcome: .approved, target: other) as any DomainEvent,
            ApprovalCompleted(approvalId: ID(5), outcome: .approved, target: stale),
            ApprovalRejected(approvalId: ID(5), stepOrder: 1, approverId: W.manager, reason: "x", target: stale),
        ] {
            let recorded = RecordedDomainEvent(
                stream: .of(Approval.self, ID(5)),
                event: event,
                eventId: ID(6),
                correlationId: nil,
                recordedAt: W.t0,
                actor: A.manager
            )
            #expect(process.react(to: recorded, context: w.store).isEmpty)
        }
    }
}
