import CRMDomain
import Testing

@Suite struct UserOffboardingTests {
    typealias W = LeadsWorld
    let leadId = ID(1000)
    let customerId = ID(3000)
    let oppId = ID(4000)
    let contractId = ID(4500)

    func world() -> W {
        var w = W(processManagers: [UserOffboardingProcess()])
        w.pipelineDefined()
        w.lead(leadId, owner: W.rep)
        w.customer(customerId, name: "Acme Tools", owner: W.rep)
        w.opportunity(oppId, customer: customerId, owner: W.rep)
        w.contract(contractId, customer: customerId, owner: W.rep, number: "HT-2026-001")
        return w
    }

    @Test func withASuccessorEveryOwnedRecordMovesToTheSuccessor() throws {
        var w = world()
        let records = try w.record(OffboardUser(userId: W.rep, successorUserId: W.rep2, at: W.t0), as: W.adminActor)
        let offboarded = records[0]
        let requestId = UserOffboardingProcess.derivedID(offboarded.eventId, customerId)
        let expected: [any DomainEvent] = [
            UserOffboarded(userId: W.rep, successorUserId: W.rep2, at: W.t0),
            LeadAssigned(
                fromOwnerId: W.rep,
                toOwnerId: W.rep2,
                cause: .manual,
                capacityRef: nil,
                fromPoolId: nil,
                at: W.t0
            ),
            CustomerTransferRequested(
                requestId: requestId,
                toOwnerId: W.rep2,
                carry: .nothing,
                oldOwnerRetention: .remove,
                reason: "owner Ravi Rep offboarded",
                approvalId: nil,
                requesterId: W.manager
            ),
            CustomerTransferApproved(
                requestId: requestId,
                approverId: W.manager,
                newOwnerId: W.rep2,
                carried: TransferCarried(contactIds: [], opportunityIds: [], contractIds: []),
                previousOwnerId: W.rep,
                at: W.t0
            ),
            OpportunityOwnerChanged(fromOwnerId: W.rep, toOwnerId: W.rep2, cause: .offboarding),
            ContractOwnerChanged(fromOwnerId: W.rep, toOwnerId: W.rep2, cause: .offboarding),
        ]
        #expect(W.same(records.map(\.event), expected))
        #expect(
            records.dropFirst().allSatisfy {
                $0.causationId == offboarded.eventId && $0.actor == .system(job: "userOffboarding")
            }
        )
        for category in ["lead", "customer", "opportunity", "contract"] {
            #expect(w.store.children(of: LeadIndex.owner(W.rep), category: category).isEmpty, "\(category)")
            #expect(w.store.children(of: LeadIndex.owner(W.rep2), category: category).count == 1, "\(category)")
        }
        #expect(!w.store.organisation.isActiveUser(W.rep))
    }

    @Test func withoutASuccessorLeadsAndCustomersGoBackToTheirPools() throws {
        var w = W(processManagers: [UserOffboardingProcess()])
        w.leadPool(members: [W.rep])
        w.leadPool(W.customerPool, members: [W.rep], entityType: .customer)
        w.lead(leadId, pool: W.leadPool)
        try w.run(ClaimLeadFromPool(leadId: leadId, poolId: W.leadPool, userId: W.rep), as: W.repActor)
        w.customer(customerId, name: "Acme Tools", owner: nil, pool: W.customerPool)
        w.given(
            [CustomerClaimedFromPool(poolId: W.customerPool, userId: W.rep, claimsTodayAfter: 1, at: W.t0)],
            on: .of(Customer.self, customerId)
        )
        w.lead(ID(1001), owner: W.rep)
        let events = try w.run(OffboardUser(userId: W.rep, successorUserId: nil, at: W.t0), as: W.adminActor)
        let reason = "owner Ravi Rep offboarded"
        let expected: [any DomainEvent] = [
            UserOffboarded(userId: W.rep, successorUserId: nil, at: W.t0),
            LeadReturnedToPool(poolId: W.leadPool, previousOwnerId: W.rep, cause: .manual(reason), asOf: nil, at: W.t0),
            LeadAssigned(
                fromOwnerId: W.rep,
                toOwnerId: W.manager,
                cause: .manual,
                capacityRef: nil,
                fromPoolId: nil,
                at: W.t0
            ),
            CustomerReturnedToPool(
                poolId: W.customerPool,
                previousOwnerId: W.rep,
                cause: .manual(reason),
                asOf: nil,
                at: W.t0
            ),
        ]
        #expect(W.same(events, expected))
        #expect(w.leadState(leadId)?.poolId == W.leadPool)
        #expect(w.store.state(Customer.self, customerId)?.poolId == W.customerPool)
    }

    @Test func offboardingWithoutASuccessorIsRefusedWhileTheUserOwnsDeals() throws {
        var w = world()
        let refused = w.reject(
            OffboardUser(userId: W.rep, successorUserId: nil, at: W.t0),
            as: W.adminActor,
            rule: "ACC-02.successorRequired",
            kind: .invariantViolated
        )
        #expect(refused?.values["owned"] == "1 opportunity(s), 1 contract(s)")
    }

    @Test func archivedOpportunitiesNeedNoSuccessor() throws {
        var w = W(processManagers: [UserOffboardingProcess()])
        w.pipelineDefined()
        w.customer(customerId, name: "Acme Tools", owner: nil)
        w.opportunity(oppId, customer: customerId, owner: W.rep)
        w.given([OpportunityArchived(reason: "old")], on: .of(Opportunity.self, oppId))
        #expect(
            W.same(
                try w.run(OffboardUser(userId: W.rep, successorUserId: nil, at: W.t0)),
                [UserOffboarded(userId: W.rep, successorUserId: nil, at: W.t0)]
            )
        )
    }

    @Test func theUserMustBeActiveAndTheSuccessorAnotherActiveUser() throws {
        var w = W()
        w.reject(
            OffboardUser(userId: W.rep, successorUserId: W.rep, at: W.t0),
            rule: "ACC-02.successor",
            kind: .invalidInput
        )
        w.reject(
            OffboardUser(userId: W.rep, successorUserId: ID(999), at: W.t0),
            rule: "ACC-02.successorActive",
            kind: .invariantViolated
        )
        w.reject(
            OffboardUser(userId: ID(999), successorUserId: nil, at: W.t0),
            rule: "ACC-02.userExists",
            kind: .notFound
        )
        w.reject(
            OffboardUser(userId: W.rep, successorUserId: nil, at: W.t0.adding(minutes: 1)),
            rule: "ACC-02.at",
            kind: .invalidInput
        )
        w.reject(
            OffboardUser(userId: W.rep2, successorUserId: nil, at: W.t0),
            as: W.managerActor,
            rule: "ACC-02.perm",
            kind: .accessDenied
        )
        #expect(
            W.same(
                try w.run(OffboardUser(userId: W.rep2, successorUserId: nil, at: W.t0)),
                [UserOffboarded(userId: W.rep2, successorUserId: nil, at: W.t0)]
            )
        )
        w.reject(
            OffboardUser(userId: W.rep2, successorUserId: nil, at: W.t0),
            rule: "ACC-02.userActive",
            kind: .invalidState
        )
        w.reject(
            OffboardUser(userId: W.rep, successorUserId: W.rep2, at: W.t0),
            rule: "ACC-02.successorActive",
            kind: .invariantViolated
        )
        w.reject(GradeLead(leadId: ID(1), grade: "A"), as: W.rep2Actor, rule: "LED-03.leadExists", kind: .notFound)
        w.lead(ID(1), owner: W.rep)
        let denied = w.reject(
            GradeLead(leadId: ID(1), grade: "A"),
            as: W.rep2Actor,
            rule: "LED-03.perm",
            kind: .accessDenied
        )
        #expect(denied?.message.contains("offboarded") == true)
    }

    @Test func derivedIdsAreDeterministicAndDistinctPerRecord() {
        let a = UserOffboardingProcess.derivedID(ID(7), ID(3000))
        #expect(a == UserOffboardingProcess.derivedID(ID(7), ID(3000)))
        #expect(a != UserOffboardingProcess.derivedID(ID(7), ID(3001)))
        #expect(a != UserOffboardingProcess.derivedID(ID(8), ID(3000)))
    }
}
