import CRMDomain
import Testing

/// A small organisation, customers and opportunities for the contract, payment, invoice, target and commission
/// tests, plus helpers to assert rejections.
///
/// Users: admin 1 (all), Li 2 and Wang 3 (reps under manager 4), manager 4, finance 5, offboarded 6.
/// Customers: 200 (Li's, contact 210), 201 (Wang's, contact 211). Opportunities: 300 won (customer 200, splits
/// none), 301 open (customer 200), 302 won (customer 201), 303 won (customer 200, revenue split Li 60 % / Wang 40 %).
struct ContractsWorld {
    static let t0 = Timestamp(LocalDate(2026, 4, 1), hour: 9)
    static let system = ActorRef.system(job: "test")
    static let admin = ID(1)
    static let li = ID(2)
    static let wang = ID(3)
    static let manager = ID(4)
    static let finance = ID(5)
    static let gone = ID(6)
    static let sales = ID(100)
    static let customer = ID(200)
    static let otherCustomer = ID(201)
    static let contact = ID(210)
    static let otherContact = ID(211)
    static let wonOpp = ID(300)
    static let openOpp = ID(301)
    static let otherWonOpp = ID(302)
    static let splitOpp = ID(303)

    static func cny(_ yuan: Int64) -> Money { Money.cny(yuan * 100) }

    /// The organisation, customers and opportunities; `processManagers` run on every command.
    static func store(processManagers: [any ProcessManager] = []) throws -> InMemoryDomainStore {
        var s = InMemoryDomainStore(processManagers: processManagers)
        let all = ObjectType.allCases.map { ObjectPermission(object: $0, actions: Action.allCases) }
        try s.execute(
            DefineRole(roleId: ID(900), name: "admin", objectPermissions: all, dataScope: .all),
            as: system,
            at: t0
        )
        try s.execute(
            DefineRole(
                roleId: ID(901),
                name: "rep",
                objectPermissions: [
                    ObjectPermission(
                        object: .contract,
                        actions: [.read, .create, .edit, .submit, .sign, .transfer, .void]
                    ),
                    ObjectPermission(object: .payment, actions: [.read, .create]),
                    ObjectPermission(object: .invoice, actions: [.read, .create]),
                    ObjectPermission(object: .forecast, actions: [.read, .submit]),
                    ObjectPermission(object: .salesTarget, actions: [.read]),
                ],
                dataScope: .self
            ),
            as: system,
            at: t0
        )
        try s.execute(
            DefineRole(
                roleId: ID(902),
                name: "finance",
                objectPermissions: [
                    ObjectPermission(object: .payment, actions: [.read, .approve, .refund]),
                    ObjectPermission(object: .invoice, actions: [.read, .approve, .edit]),
                    ObjectPermission(object: .approval, actions: [.read, .approve]),
                    ObjectPermission(object: .commission, actions: [.read, .adjustCommission, .close, .edit]),
                    ObjectPermission(object: .commissionPlan, actions: [.read, .create, .edit, .approve, .assign]),
                ],
                dataScope: .all
            ),
            as: system,
            at: t0
        )
        try s.execute(
            DefineRole(
                roleId: ID(903),
                name: "manager",
                objectPermissions: [
                    ObjectPermission(object: .approval, actions: [.read, .approve]),
                    ObjectPermission(object: .forecast, actions: [.read, .submit, .edit]),
                    ObjectPermission(object: .salesTarget, actions: [.read, .create, .edit]),
                    ObjectPermission(object: .contract, actions: [.read, .approve]),
                ],
                dataScope: .selfAndSubordinates
            ),
            as: system,
            at: t0
        )
        try s.execute(DefineDepartment(deptId: sales, name: "Sales"), as: system, at: t0)
        try s.execute(
            OnboardUser(userId: admin, name: "Admin", departmentId: sales, roleIds: [ID(900)]),
            as: system,
            at: t0
        )
        try s.execute(
            OnboardUser(userId: manager, name: "Zhao", departmentId: sales, roleIds: [ID(903), ID(901)]),
            as: system,
            at: t0
        )
        try s.execute(
            OnboardUser(userId: li, name: "Li", departmentId: sales, managerUserId: manager, roleIds: [ID(901)]),
            as: system,
            at: t0
        )
        try s.execute(
            OnboardUser(userId: wang, name: "Wang", departmentId: sales, managerUserId: manager, roleIds: [ID(901)]),
            as: system,
            at: t0
        )
        try s.execute(
            OnboardUser(userId: finance, name: "Qian", departmentId: sales, roleIds: [ID(902)]),
            as: system,
            at: t0
        )
        try s.execute(
            OnboardUser(userId: gone, name: "Sun", departmentId: sales, roleIds: [ID(901)]),
            as: system,
            at: t0
        )
        s.given([UserOffboarded(userId: gone, successorUserId: nil, at: t0)], on: StreamRef("user", gone.description))
        for (id, name, owner) in [(customer, "Acme", li), (otherCustomer, "Globex", wang)] {
            s.given(
                [
                    CustomerCreated(
                        customerId: id,
                        name: name,
                        kind: .company,
                        source: "web",
                        industry: "tech",
                        level: "A",
                        address: "Shanghai",
                        ownerId: owner,
                        poolId: nil,
                        createdVia: .manual,
                        at: t0
                    )
                ],
                on: .of(Customer.self, id)
            )
        }
        for (id, cid) in [(contact, customer), (otherContact, otherCustomer)] {
            s.given(
                [
                    ContactAdded(
                        contactId: id,
                        customerId: cid,
                        name: "Signer \(id)",
                        title: "CEO",
                        department: "",
                        phones: [],
                        email: "",
                        reportsToContactId: nil,
                        role: nil
                    )
                ],
                on: .of(Contact.self, id)
            )
        }
        for (id, cid, owner, won) in [
            (wonOpp, customer, li, true), (openOpp, customer, li, false), (otherWonOpp, otherCustomer, wang, true),
            (splitOpp, customer, li, true),
        ] {
            var events: [any DomainEvent] = [
                OpportunityCreated(
                    oppId: id,
                    customerId: cid,
                    primaryContactId: nil,
                    pipelineId: ID(400),
                    pipelineVersion: 1,
                    stageId: "s1",
                    probability: 10,
                    forecastCategory: .pipeline,
                    amount: cny(100_000),
                    expectedCloseDate: LocalDate(2026, 6, 30),
                    ownerId: owner,
                    source: "web",
                    campaignId: nil,
                    fromLeadId: nil
                )
            ]
            if id == splitOpp {
                events.append(
                    OpportunitySplitsSet(
                        splitType: .revenue,
                        splits: [
                            OpportunitySplit(userId: li, percentBasisPoints: 6_000),
                            OpportunitySplit(userId: wang, percentBasisPoints: 4_000),
                        ]
                    )
                )
            }
            if won {
                events.append(
                    OpportunityWon(
                        wonStageId: "won",
                        amount: cny(100_000),
                        closedAt: t0,
                        contractDraftRequested: false,
                        pipelineVersion: 1
                    )
                )
            }
            s.given(events, on: .of(Opportunity.self, id))
        }
        return s
    }

    /// A contract draft for customer 200, owned by Li.
    static func draft(
        _ id: ID,
        number: String? = nil,
        amount: Money = cny(100_000),
        customerId: ID = customer,
        opportunityId: ID? = wonOpp,
        ownerId: ID = li,
        lines: [ContractLine] = [],
        start: LocalDate = LocalDate(2026, 4, 1),
        end: LocalDate = LocalDate(2027, 3, 31)
    ) -> DraftContract {
        DraftContract(
            contractId: id,
            number: number ?? "HT-\(id.description.suffix(4))",
            customerId: customerId,
            opportunityId: opportunityId,
            ownerId: ownerId,
            amount: amount,
            lines: lines,
            orderDate: LocalDate(2026, 4, 1),
            startDate: start,
            endDate: end,
            paymentTerms: "30% on signing, 70% on delivery"
        )
    }

    /// Drafts contract `id` as Li and approves it directly (no contract flow is defined) through the approval
    /// process.
    static func approvedContract(
        _ s: inout InMemoryDomainStore,
        _ id: ID,
        amount: Money = cny(100_000),
        opportunityId: ID? = wonOpp,
        lines: [ContractLine] = [],
        approvalId: ID = ID(9_999)
    ) throws {
        try s.execute(draft(id, amount: amount, opportunityId: opportunityId, lines: lines), as: .user(li), at: t0)
        let saved = s.processManagers
        s.processManagers = [ContractApprovalProcess()]
        defer { s.processManagers = saved }
        try s.execute(SubmitContract(contractId: id, approvalId: approvalId), as: .user(li), at: t0)
    }

    /// Asserts that `command` is rejected under `rule` with `kind` and that nothing was appended.
    static func expectRejected(
        _ store: inout InMemoryDomainStore,
        _ command: some Command,
        as actor: ActorRef,
        at time: Timestamp = t0,
        rule: String,
        kind: Rejection.Kind,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let before = store.log.count
        do {
            try store.execute(command, as: actor, at: time)
            Issue.record(
                "expected rejection \(rule), but \(type(of: command)) was accepted",
                sourceLocation: sourceLocation
            )
        } catch {
            #expect(error.rule == rule, "\(error)", sourceLocation: sourceLocation)
            #expect(error.kind == kind, "\(error)", sourceLocation: sourceLocation)
        }
        #expect(store.log.count == before, "a rejected command appended events", sourceLocation: sourceLocation)
    }

    /// The events appended by a command, cast to `E`.
    static func events<E: DomainEvent>(_ recorded: [InMemoryDomainStore.Recorded], _ type: E.Type) -> [E] {
        recorded.compactMap { $0.event as? E }
    }
}
