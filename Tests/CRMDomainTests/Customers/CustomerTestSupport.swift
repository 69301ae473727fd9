import CRMDomain
import Testing

/// A small organisation for the customer tests:
/// - department Sales (manager `manager`) with sub-department East;
/// - `manager` (manager role, self + subordinates), `rep1`, `rep2` (rep role, report to `manager`), `eastRep`
///   (rep role, East, reports to `rep1` for hierarchy tests), `viewer` (read only), `admin` (everything, all);
/// - optionally a customer pool `pool` (admin `manager`, members `rep1`, `rep2` and department East).
struct CustomerWorld {
    static let sales = ID(10)
    static let east = ID(11)
    static let repRole = ID(20)
    static let managerRole = ID(21)
    static let viewerRole = ID(22)
    static let adminRole = ID(23)
    static let manager = ID(100)
    static let rep1 = ID(101)
    static let rep2 = ID(102)
    static let eastRep = ID(103)
    static let viewer = ID(104)
    static let admin = ID(105)
    static let outsider = ID(106)
    static let pool = ID(200)

    static let t0 = Timestamp(LocalDate(2026, 3, 2), hour: 9)
    static let setup = ActorRef.system(job: "setup")

    var store: InMemoryDomainStore

    init(processManagers: [any ProcessManager] = CustomersCatalog.processManagers) throws {
        store = InMemoryDomainStore(processManagers: processManagers)
        let t0 = CustomerWorld.t0
        let setup = CustomerWorld.setup
        let repActions: [Action] = [
            .read, .create, .edit, .claim, .transfer, .putIntoPool, .lock, .list, .submit, .archive,
        ]
        try store.execute(
            DefineRole(
                roleId: CustomerWorld.repRole,
                name: "rep",
                objectPermissions: [
                    ObjectPermission(object: .customer, actions: repActions),
                    ObjectPermission(object: .contact, actions: [.read, .create, .edit, .delete]),
                ],
                dataScope: .self
            ),
            as: setup,
            at: t0
        )
        try store.execute(
            DefineRole(
                roleId: CustomerWorld.managerRole,
                name: "manager",
                objectPermissions: [
                    ObjectPermission(object: .customer, actions: Action.allCases),
                    ObjectPermission(object: .contact, actions: Action.allCases),
                    ObjectPermission(object: .pool, actions: Action.allCases),
                    ObjectPermission(object: .approval, actions: [.read, .approve]),
                ],
                dataScope: .selfAndSubordinates
            ),
            as: setup,
            at: t0
        )
        try store.execute(
            DefineRole(
                roleId: CustomerWorld.viewerRole,
                name: "viewer",
                objectPermissions: [ObjectPermission(object: .customer, actions: [.read])],
                dataScope: .all
            ),
            as: setup,
            at: t0
        )
        try store.execute(
            DefineRole(
                roleId: CustomerWorld.adminRole,
                name: "admin",
                objectPermissions: ObjectType.allCases.map { ObjectPermission(object: $0, actions: Action.allCases) },
                dataScope: .all
            ),
            as: setup,
            at: t0
        )
        try store.execute(DefineDepartment(deptId: CustomerWorld.sales, name: "Sales"), as: setup, at: t0)
        try store.execute(
            DefineDepartment(deptId: CustomerWorld.east, parentDeptId: CustomerWorld.sales, name: "East"),
            as: setup,
            at: t0
        )
        let users: [(ID, String, ID, ID?, ID)] = [
            (CustomerWorld.manager, "Mei", CustomerWorld.sales, nil, CustomerWorld.managerRole),
            (CustomerWorld.rep1, "Ren", CustomerWorld.sales, CustomerWorld.manager, CustomerWorld.repRole),
            (CustomerWorld.rep2, "Rui", CustomerWorld.sales, CustomerWorld.manager, CustomerWorld.repRole),
            (CustomerWorld.eastRep, "Eli", CustomerWorld.east, CustomerWorld.rep1, CustomerWorld.repRole),
            (CustomerWorld.viewer, "Vic", CustomerWorld.sales, nil, CustomerWorld.viewerRole),
            (CustomerWorld.admin, "Ada", CustomerWorld.sales, nil, CustomerWorld.adminRole),
            (CustomerWorld.outsider, "Oz", CustomerWorld.sales, nil, CustomerWorld.repRole),
        ]
        for (id, name, dept, manager, role) in users {
            try store.execute(
                OnboardUser(userId: id, name: name, departmentId: dept, managerUserId: manager, roleIds: [role]),
                as: setup,
                at: t0
            )
        }
    }

    // MARK: Setup helpers

    mutating func definePool(
        _ poolId: ID = CustomerWorld.pool,
        name: String = "East China pool",
        claim: PoolClaimSettings = .unlimited,
        remindDaysBefore: Int64? = nil,
        autoReclaim: Bool = false
    ) throws {
        try store.execute(
            DefinePool(
                poolId: poolId,
                name: name,
                adminIds: [CustomerWorld.manager],
                memberUserIds: [CustomerWorld.rep1, CustomerWorld.rep2],
                memberDeptIds: [CustomerWorld.east],
                claim: claim,
                remindDaysBefore: remindDaysBefore,
                autoReclaim: autoReclaim
            ),
            as: CustomerWorld.setup,
            at: CustomerWorld.t0
        )
    }

    mutating func createCustomer(
        _ id: ID,
        name: String? = nil,
        level: String? = nil,
        owner: ID? = nil,
        pool: ID? = nil,
        at: Timestamp = CustomerWorld.t0
    ) throws {
        try store.execute(
            CreateCustomer(
                customerId: id,
                name: name ?? "Customer \(id.description.suffix(4))",
                level: level,
                ownerId: owner,
                poolId: pool
            ),
            as: CustomerWorld.setup,
            at: at
        )
    }

    mutating func limit(
        _ kind: OwnershipLimitKind,
        max: Int64,
        users: [ID],
        countDealt: Bool = true,
        precedence: Int64 = 1
    )
        throws
    {
        try store.execute(
            SetOwnershipLimit(
                limitId: ID(UInt64(900 + precedence * 2 + (kind == .owned ? 0 : 1))),
                scope: OwnershipLimitScope(userIds: users, deptIds: []),
                kind: kind,
                max: max,
                countDealtCustomers: countDealt,
                precedence: precedence
            ),
            as: CustomerWorld.setup,
            at: CustomerWorld.t0
        )
    }

    /// An opportunity of `customer` owned by `owner` (seeded as a fact), optionally closed.
    mutating func seedOpportunity(_ oppId: ID, customer: ID, owner: ID, status: OpportunityStatus = .open) {
        let stream = StreamRef.of(Opportunity.self, oppId)
        store.given(
            [
                OpportunityCreated(
                    oppId: oppId,
                    customerId: customer,
                    primaryContactId: nil,
                    pipelineId: ID(700),
                    pipelineVersion: 1,
                    stageId: "qualify",
                    probability: 20,
                    forecastCategory: .pipeline,
                    amount: .cny(1_000_000),
                    expectedCloseDate: LocalDate(2026, 6, 30),
                    ownerId: owner,
                    source: "web",
                    campaignId: nil,
                    fromLeadId: nil
                )
            ],
            on: stream
        )
        switch status {
        case .won:
            store.given(
                [
                    OpportunityWon(
                        wonStageId: "won",
                        amount: .cny(1_000_000),
                        closedAt: CustomerWorld.t0,
                        contractDraftRequested: false,
                        pipelineVersion: 1
                    )
                ],
                on: stream
            )
        case .voided:
            store.given([OpportunityVoided(reason: .duplicate)], on: stream)
        default:
            break
        }
    }

    /// A contract of `customer` owned by `owner`, optionally submitted for approval.
    mutating func seedContract(_ contractId: ID, customer: ID, owner: ID, submitted: Bool = false) {
        let stream = StreamRef.of(Contract.self, contractId)
        store.given(
            [
                ContractDrafted(
                    contractId: contractId,
                    number: "HT-\(contractId.description.suffix(4))",
                    customerId: customer,
                    opportunityId: nil,
                    ownerId: owner,
                    amount: .cny(5_000_000),
                    lines: [],
                    orderDate: LocalDate(2026, 3, 1),
                    startDate: LocalDate(2026, 3, 1),
                    endDate: LocalDate(2027, 2, 28),
                    paymentTerms: "30 days",
                    customerSignerContactId: nil,
                    companySignerUserId: nil
                )
            ],
            on: stream
        )
        if submitted { store.given([ContractSubmitted(approvalId: ID(800))], on: stream) }
    }

    func customer(_ id: ID) -> Customer? { store.state(Customer.self, id) }

    // MARK: Running commands

    /// Runs `command` and returns the appended events (with their streams), including process-manager reactions.
    @discardableResult
    mutating func run(
        _ command: some Command,
        as actor: ActorRef,
        at time: Timestamp = CustomerWorld.t0
    ) throws(Rejection) -> [(stream: StreamRef, event: any DomainEvent)] {
        try store.execute(command, as: actor, at: time).map { ($0.stream, $0.event) }
    }

    /// Expects `command` to be rejected with `rule` and `kind`, appending nothing.
    mutating func expectRejected(
        _ command: some Command,
        as actor: ActorRef,
        at time: Timestamp = CustomerWorld.t0,
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
        #expect(store.log.count == before, sourceLocation: sourceLocation)
    }
}

/// The actors of ``CustomerWorld``.
enum CustomerActor {
    static let manager = ActorRef.user(CustomerWorld.manager)
    static let rep1 = ActorRef.user(CustomerWorld.rep1)
    static let rep2 = ActorRef.user(CustomerWorld.rep2)
    static let eastRep = ActorRef.user(CustomerWorld.eastRep)
    static let viewer = ActorRef.user(CustomerWorld.viewer)
    static let admin = ActorRef.user(CustomerWorld.admin)
    static let outsider = ActorRef.user(CustomerWorld.outsider)
    static let scheduler = ActorRef.system(job: "poolReclaim")
}

extension CustomerWorld {
    /// The events of `list`, comparable by type and value.
    static func values(_ list: [(stream: StreamRef, event: any DomainEvent)]) -> [AnyHashable] {
        var result: [AnyHashable] = []
        for entry in list {
            let event: any DomainEvent = entry.event
            result.append(hashable(event))
        }
        return result
    }

    static func streams(_ list: [(stream: StreamRef, event: any DomainEvent)]) -> [String] {
        list.map(\.stream.name)
    }

    static func stream(_ id: ID) -> StreamRef { .of(Customer.self, id) }

    private static func hashable<E: DomainEvent>(_ event: E) -> AnyHashable { AnyHashable(event) }
}
