import CRMDomain
import Testing

/// A small organisation, customers, a pipeline and lost reasons for the opportunity and approval tests.
///
/// Users: 15 director (no manager), 10 sales manager (manager 15), 11 rep Ada and 12 rep Bob (manager 10),
/// 13 admin, 14 Carl (offboarded). Customers: 100 (Ada's, contact 200), 101 (blacklisted, contact 201),
/// 102 (archived). Pipeline 300: S1 10 %, S2 30 %, S3 60 % (best case), S4 80 % (commit, checklist), W, L.
/// Lost reasons 400 "Price" (active), 401 "Timing" (inactive).
enum OppWorld {
    static let t0 = Timestamp(LocalDate(2026, 1, 5), hour: 9)
    static let setup = ActorRef.system(job: "setup")

    static let director = ID(15)
    static let manager = ID(10)
    static let ada = ID(11)
    static let bob = ID(12)
    static let admin = ID(13)
    static let carl = ID(14)
    static let dept = ID(1)

    static let adminRole = ID(900)
    static let repRole = ID(901)
    static let managerRole = ID(902)

    static let customer = ID(100)
    static let blacklisted = ID(101)
    static let archivedCustomer = ID(102)
    static let contact = ID(200)
    static let otherContact = ID(201)

    static let pipeline = ID(300)
    static let price = ID(400)
    static let timing = ID(401)

    static let opp = ID(500)

    static func cny(_ major: Int64) -> Money { Money.cny(major * 100) }

    static let stages: [PipelineStage] = [
        PipelineStage(
            stageId: "S1",
            name: "Qualify",
            order: 1,
            defaultProbability: 10,
            forecastCategory: .pipeline,
            rottenDays: 14
        ),
        PipelineStage(
            stageId: "S2",
            name: "Needs analysis",
            order: 2,
            defaultProbability: 30,
            forecastCategory: .pipeline
        ),
        PipelineStage(stageId: "S3", name: "Proposal", order: 3, defaultProbability: 60, forecastCategory: .bestCase),
        PipelineStage(
            stageId: "S4",
            name: "Negotiation",
            order: 4,
            defaultProbability: 80,
            forecastCategory: .commit,
            requirements: "Budget confirmed by the customer"
        ),
        PipelineStage(
            stageId: "W",
            name: "Won",
            order: 5,
            defaultProbability: 100,
            forecastCategory: .closed,
            isClosed: true,
            isWon: true
        ),
        PipelineStage(
            stageId: "L",
            name: "Lost",
            order: 6,
            defaultProbability: 0,
            forecastCategory: .omitted,
            isClosed: true
        ),
    ]

    static func allPermissions() -> [ObjectPermission] {
        ObjectType.allCases.map { ObjectPermission(object: $0, actions: Action.allCases) }
    }

    static func make() throws -> InMemoryDomainStore {
        var s = InMemoryDomainStore()
        let repActions: [Action] = [.read, .create, .edit, .close, .reopen, .void, .archive, .submit]
        try s.execute(
            DefineRole(roleId: adminRole, name: "admin", objectPermissions: allPermissions(), dataScope: .all),
            as: setup,
            at: t0
        )
        try s.execute(
            DefineRole(
                roleId: repRole,
                name: "rep",
                objectPermissions: [
                    ObjectPermission(object: .opportunity, actions: repActions),
                    ObjectPermission(object: .contract, actions: [.read, .submit]),
                    ObjectPermission(object: .approval, actions: [.read, .approve]),
                ],
                dataScope: .self
            ),
            as: setup,
            at: t0
        )
        try s.execute(
            DefineRole(
                roleId: managerRole,
                name: "manager",
                objectPermissions: [
                    ObjectPermission(object: .opportunity, actions: repActions + [.moveBack, .transfer]),
                    ObjectPermission(object: .contract, actions: [.read, .submit]),
                    ObjectPermission(object: .approval, actions: [.read, .approve]),
                ],
                dataScope: .selfAndSubordinates
            ),
            as: setup,
            at: t0
        )
        try s.execute(DefineDepartment(deptId: dept, name: "Sales"), as: setup, at: t0)
        try s.execute(
            OnboardUser(userId: director, name: "Director", departmentId: dept, roleIds: [managerRole]),
            as: setup,
            at: t0
        )
        try s.execute(
            OnboardUser(
                userId: manager,
                name: "Mei",
                departmentId: dept,
                managerUserId: director,
                roleIds: [managerRole]
            ),
            as: setup,
            at: t0
        )
        try s.execute(
            OnboardUser(userId: ada, name: "Ada", departmentId: dept, managerUserId: manager, roleIds: [repRole]),
            as: setup,
            at: t0
        )
        try s.execute(
            OnboardUser(userId: bob, name: "Bob", departmentId: dept, managerUserId: manager, roleIds: [repRole]),
            as: setup,
            at: t0
        )
        try s.execute(
            OnboardUser(userId: admin, name: "Root", departmentId: dept, roleIds: [adminRole]),
            as: setup,
            at: t0
        )
        try s.execute(
            OnboardUser(userId: carl, name: "Carl", departmentId: dept, managerUserId: manager, roleIds: [repRole]),
            as: setup,
            at: t0
        )
        s.given([UserOffboarded(userId: carl, successorUserId: ada, at: t0)], on: StreamRef("user", carl.description))

        s.given([customerCreated(customer, "Acme", owner: ada)], on: .of(Customer.self, customer))
        s.given(
            [
                customerCreated(blacklisted, "Shady Ltd", owner: ada),
                CustomerListed(list: .black, reason: "fraud", until: nil),
            ],
            on: .of(Customer.self, blacklisted)
        )
        s.given(
            [customerCreated(archivedCustomer, "Gone Inc", owner: ada), CustomerArchived(reason: "closed down")],
            on: .of(Customer.self, archivedCustomer)
        )
        s.given([contactAdded(contact, of: customer, "Li Lei")], on: .of(Contact.self, contact))
        s.given([contactAdded(otherContact, of: blacklisted, "Han Meimei")], on: .of(Contact.self, otherContact))

        try s.execute(DefinePipeline(pipelineId: pipeline, name: "Direct sales", stages: stages), as: setup, at: t0)
        try s.execute(DefineLostReason(reasonId: price, name: "Price"), as: setup, at: t0)
        try s.execute(DefineLostReason(reasonId: timing, name: "Timing", active: false), as: setup, at: t0)
        return s
    }

    static func customerCreated(_ id: ID, _ name: String, owner: ID) -> CustomerCreated {
        CustomerCreated(
            customerId: id,
            name: name,
            kind: .company,
            source: "web",
            industry: "manufacturing",
            level: "A",
            address: "Shanghai",
            ownerId: owner,
            poolId: nil,
            createdVia: .manual,
            at: t0
        )
    }

    static func contactAdded(_ id: ID, of customerId: ID, _ name: String) -> ContactAdded {
        ContactAdded(
            contactId: id,
            customerId: customerId,
            name: name,
            title: "Buyer",
            department: "Purchasing",
            phones: ["13800000000"],
            email: "buyer@example.com",
            reportsToContactId: nil,
            role: nil
        )
    }

    /// Creates opportunity `id` for Ada at `stage` (default S1) with `amount` CNY (major units).
    static func create(
        _ id: ID = opp,
        in s: inout InMemoryDomainStore,
        stage: String? = "S1",
        amount: Int64 = 100_000,
        close: LocalDate = LocalDate(2026, 5, 20),
        owner: ID = ada
    ) throws -> CreateOpportunity {
        let cmd = CreateOpportunity(
            oppId: id,
            customerId: customer,
            primaryContactId: contact,
            pipelineId: pipeline,
            stageId: stage,
            amount: cny(amount),
            expectedCloseDate: close,
            ownerId: owner,
            source: "trade show"
        )
        try s.execute(cmd, as: .user(owner), at: t0)
        return cmd
    }

    /// A contract drafted from opportunity `oppId` (optionally signed), seeded on its stream.
    static func seedContract(
        _ id: ID,
        for oppId: ID,
        signed: Bool,
        voided: Bool = false,
        in s: inout InMemoryDomainStore
    ) {
        var events: [any DomainEvent] = [
            ContractDrafted(
                contractId: id,
                number: "HT-\(id.description.suffix(4))",
                customerId: customer,
                opportunityId: oppId,
                ownerId: ada,
                amount: cny(100_000),
                lines: [],
                orderDate: LocalDate(2026, 2, 1),
                startDate: LocalDate(2026, 2, 1),
                endDate: LocalDate(2027, 1, 31),
                paymentTerms: "30 days",
                customerSignerContactId: contact,
                companySignerUserId: ada
            )
        ]
        if signed {
            events.append(ContractSigned(signedAt: t0, customerSignerContactId: contact, companySignerUserId: ada))
        }
        if voided { events.append(ContractVoided(reason: "customer cancelled")) }
        s.given(events, on: .of(Contract.self, id))
    }

    /// Runs `command`, expects a rejection with `rule` and `kind`, and checks nothing was appended.
    static func expectRejected(
        _ command: some Command,
        as actor: ActorRef,
        in s: inout InMemoryDomainStore,
        at time: Timestamp = t0,
        rule: String,
        kind: Rejection.Kind,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let before = s.log.count
        do {
            try s.execute(command, as: actor, at: time)
            Issue.record(
                "expected rejection \(rule), but \(type(of: command)) was accepted",
                sourceLocation: sourceLocation
            )
        } catch {
            #expect(error.rule == rule, "\(error)", sourceLocation: sourceLocation)
            #expect(error.kind == kind, "\(error)", sourceLocation: sourceLocation)
        }
        #expect(s.log.count == before, "a rejected command appended events", sourceLocation: sourceLocation)
    }

    /// All events of `recorded` cast to `E`; records an issue when any of them is not an `E`, so comparing the
    /// result with `==` checks the whole emitted list.
    static func events<E: DomainEvent>(
        _ recorded: [InMemoryDomainStore.Recorded],
        as type: E.Type,
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> [E] {
        let cast = recorded.compactMap { $0.event as? E }
        if cast.count != recorded.count {
            Issue.record(
                "expected only \(E.eventType), got \(recorded.map(\.event.eventType))",
                sourceLocation: sourceLocation
            )
        }
        return cast
    }

    /// The events of `recorded` that are `E` (for commands that emit several types; check `map(\.event.eventType)`
    /// too).
    static func events<E: DomainEvent>(_ recorded: [InMemoryDomainStore.Recorded], ofType type: E.Type) -> [E] {
        recorded.compactMap { $0.event as? E }
    }
}
