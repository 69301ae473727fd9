import CRMDomain
import Testing

/// A small organisation and helpers shared by the lead, activity and access tests.
///
/// Departments: HQ ← Sales East, Sales West. Roles: admin (everything, all data), manager (sales objects,
/// self and subordinates), rep (sales objects without export/assign/distribute, self), viewer (read only, self),
/// a system-locked role. Users: admin (HQ), manager (East), rep and rep2 (East, reporting to manager), westRep
/// (West), viewer (East).
struct LeadsWorld {
    static let t0 = Timestamp(LocalDate(2026, 3, 2), hour: 9)
    static let system = ActorRef.system(job: "test")

    static let hq = ID(1)
    static let east = ID(2)
    static let west = ID(3)

    static let adminRole = ID(10)
    static let managerRole = ID(11)
    static let repRole = ID(12)
    static let lockedRole = ID(13)
    static let viewerRole = ID(14)

    static let admin = ID(100)
    static let manager = ID(101)
    static let rep = ID(102)
    static let rep2 = ID(103)
    static let westRep = ID(104)
    static let viewer = ID(105)

    static let salesObjects: [ObjectType] = [.lead, .customer, .contact, .opportunity, .contract, .activity]

    var store: InMemoryDomainStore
    var now = LeadsWorld.t0

    init(processManagers: [any ProcessManager] = []) {
        store = InMemoryDomainStore(processManagers: processManagers)
        let w = LeadsWorld.self
        given(DepartmentDefined(deptId: w.hq, parentDeptId: nil, name: "HQ", managerUserId: nil), "department", w.hq)
        given(
            DepartmentDefined(deptId: w.east, parentDeptId: w.hq, name: "Sales East", managerUserId: nil),
            "department",
            w.east
        )
        given(
            DepartmentDefined(deptId: w.west, parentDeptId: w.hq, name: "Sales West", managerUserId: nil),
            "department",
            w.west
        )
        let managerActions: [Action] = [
            .read, .create, .edit, .assign, .transfer, .putIntoPool, .claim, .convert, .share, .export, .distribute,
        ]
        let repActions: [Action] = [.read, .create, .edit, .claim, .putIntoPool, .convert, .share]
        defineRole(
            w.adminRole,
            "Administrator",
            ObjectType.allCases.map { ObjectPermission(object: $0, actions: Action.allCases) },
            .all
        )
        defineRole(
            w.managerRole,
            "Sales manager",
            w.salesObjects.map { ObjectPermission(object: $0, actions: managerActions) },
            .selfAndSubordinates
        )
        defineRole(
            w.repRole,
            "Sales rep",
            w.salesObjects.map { ObjectPermission(object: $0, actions: repActions) },
            .self
        )
        defineRole(
            w.lockedRole,
            "System administrator",
            [ObjectPermission(object: .user, actions: [.read])],
            .all,
            locked: true
        )
        defineRole(w.viewerRole, "Viewer", w.salesObjects.map { ObjectPermission(object: $0, actions: [.read]) }, .self)
        onboard(w.admin, "Ada Admin", w.hq, nil, [w.adminRole])
        onboard(w.manager, "Mia Manager", w.east, nil, [w.managerRole])
        onboard(w.rep, "Ravi Rep", w.east, w.manager, [w.repRole])
        onboard(w.rep2, "Rosa Rep", w.east, w.manager, [w.repRole])
        onboard(w.westRep, "Wen West", w.west, nil, [w.repRole])
        onboard(w.viewer, "Vic Viewer", w.east, w.manager, [w.viewerRole])
    }

    mutating func given(_ event: some DomainEvent, _ category: String, _ id: ID) {
        store.given([event], on: StreamRef(category, id.description), at: now)
    }

    mutating func given(_ events: [any DomainEvent], on stream: StreamRef) {
        store.given(events, on: stream, at: now)
    }

    mutating func defineRole(
        _ id: ID,
        _ name: String,
        _ perms: [ObjectPermission],
        _ scope: DataScope,
        locked: Bool = false
    ) {
        given(
            RoleDefined(roleId: id, name: name, objectPermissions: perms, dataScope: scope, systemLocked: locked),
            "role",
            id
        )
    }

    mutating func onboard(_ id: ID, _ name: String, _ dept: ID, _ manager: ID?, _ roles: [ID]) {
        given(
            UserOnboarded(userId: id, name: name, departmentId: dept, managerUserId: manager, roleIds: roles),
            "user",
            id
        )
    }

    // MARK: Running commands

    /// Runs `command` and returns the events it (and the process managers) appended.
    @discardableResult
    mutating func run(_ command: some Command, as actor: ActorRef = LeadsWorld.system) throws(Rejection)
        -> [any DomainEvent]
    {
        try store.execute(command, as: actor, at: now).map(\.event)
    }

    /// Runs `command` and returns the appended records (streams included).
    mutating func record(_ command: some Command, as actor: ActorRef = LeadsWorld.system) throws(Rejection)
        -> [InMemoryDomainStore.Recorded]
    {
        try store.execute(command, as: actor, at: now)
    }

    /// Expects `command` to be rejected under `rule` with `kind`, appending nothing.
    @discardableResult
    mutating func reject(
        _ command: some Command,
        as actor: ActorRef = LeadsWorld.system,
        rule: String,
        kind: Rejection.Kind,
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> Rejection? {
        let before = store.log.count
        do {
            try store.execute(command, as: actor, at: now)
            Issue.record("expected rejection \(rule), but the command was accepted", sourceLocation: sourceLocation)
            return nil
        } catch {
            #expect(error.rule == rule, "\(error)", sourceLocation: sourceLocation)
            #expect(error.kind == kind, "\(error)", sourceLocation: sourceLocation)
            #expect(store.log.count == before, sourceLocation: sourceLocation)
            return error
        }
    }

    // MARK: Seeding records

    static let leadPool = ID(500)
    static let customerPool = ID(501)
    static let pipeline = ID(600)

    /// A lead owned by `owner` (or in `pool`), captured by the system.
    mutating func lead(_ id: ID, owner: ID? = nil, pool: ID? = nil, company: String? = nil, phone: String? = nil) {
        let keys = Lead.dedupeKeys(phone: phone, email: nil, company: company)
        given(
            LeadCaptured(
                leadId: id,
                channel: .web,
                campaignId: nil,
                utm: nil,
                name: "Lead \(id.description.suffix(4))",
                company: company,
                title: nil,
                phone: phone,
                email: nil,
                address: nil,
                industry: nil,
                ownerId: owner,
                poolId: pool,
                dedupeKeys: keys,
                at: now
            ),
            "lead",
            id
        )
    }

    /// A lead pool with the given members and admins.
    mutating func leadPool(
        _ id: ID = LeadsWorld.leadPool,
        members: [ID] = [LeadsWorld.rep, LeadsWorld.rep2],
        deptMembers: [ID] = [],
        admins: [ID] = [LeadsWorld.manager],
        cooldownDays: Int64? = nil,
        dailyLimit: Int64? = nil,
        autoReclaim: Bool = false,
        entityType: PoolEntityType = .lead
    ) {
        given(
            PoolDefined(
                poolId: id,
                name: "Pool \(id.description.suffix(4))",
                entityType: entityType,
                adminIds: admins,
                memberUserIds: members,
                memberDeptIds: deptMembers,
                claim: PoolClaimSettings(preOwnerCooldownDays: cooldownDays, dailyClaimLimit: dailyLimit),
                remindDaysBefore: nil,
                autoReclaim: autoReclaim
            ),
            "pool",
            id
        )
    }

    mutating func customer(_ id: ID, name: String, owner: ID?, pool: ID? = nil) {
        given(
            CustomerCreated(
                customerId: id,
                name: name,
                kind: .company,
                source: "web",
                industry: "",
                level: "B",
                address: "",
                ownerId: owner,
                poolId: pool,
                createdVia: .manual,
                at: now
            ),
            "customer",
            id
        )
    }

    mutating func contact(_ id: ID, customer: ID, name: String = "Chen Li") {
        given(
            ContactAdded(
                contactId: id,
                customerId: customer,
                name: name,
                title: "",
                department: "",
                phones: [],
                email: "",
                reportsToContactId: nil,
                role: nil
            ),
            "contact",
            id
        )
    }

    mutating func pipelineDefined() {
        given(
            PipelineDefined(
                pipelineId: LeadsWorld.pipeline,
                name: "New business",
                deptScope: [],
                version: 1,
                stages: [
                    PipelineStage(
                        stageId: "qualify",
                        name: "Qualify",
                        order: 1,
                        defaultProbability: 10,
                        forecastCategory: .pipeline
                    ),
                    PipelineStage(
                        stageId: "propose",
                        name: "Propose",
                        order: 2,
                        defaultProbability: 50,
                        forecastCategory: .bestCase
                    ),
                    PipelineStage(
                        stageId: "won",
                        name: "Won",
                        order: 3,
                        defaultProbability: 100,
                        forecastCategory: .closed,
                        isClosed: true,
                        isWon: true
                    ),
                ]
            ),
            "pipeline",
            LeadsWorld.pipeline
        )
    }

    mutating func opportunity(_ id: ID, customer: ID, owner: ID) {
        given(
            OpportunityCreated(
                oppId: id,
                customerId: customer,
                primaryContactId: nil,
                pipelineId: LeadsWorld.pipeline,
                pipelineVersion: 1,
                stageId: "qualify",
                probability: 10,
                forecastCategory: .pipeline,
                amount: .cny(5_000_000),
                expectedCloseDate: LocalDate(2026, 6, 30),
                ownerId: owner,
                source: "web",
                campaignId: nil,
                fromLeadId: nil
            ),
            "opportunity",
            id
        )
    }

    mutating func contract(_ id: ID, customer: ID, owner: ID, number: String) {
        given(
            ContractDrafted(
                contractId: id,
                number: number,
                customerId: customer,
                opportunityId: nil,
                ownerId: owner,
                amount: .cny(5_000_000),
                lines: [],
                orderDate: LocalDate(2026, 3, 1),
                startDate: LocalDate(2026, 4, 1),
                endDate: LocalDate(2027, 3, 31),
                paymentTerms: "30 days net",
                customerSignerContactId: nil,
                companySignerUserId: nil
            ),
            "contract",
            id
        )
    }

    func leadState(_ id: ID) -> Lead? { store.state(Lead.self, id) }

    // MARK: Actors and comparisons

    static let adminActor = ActorRef.user(admin)
    static let managerActor = ActorRef.user(manager)
    static let repActor = ActorRef.user(rep)
    static let rep2Actor = ActorRef.user(rep2)
    static let westActor = ActorRef.user(westRep)
    static let viewerActor = ActorRef.user(viewer)

    /// Compares event lists by value (each event is `Hashable`).
    static func same(_ actual: [any DomainEvent], _ expected: [any DomainEvent]) -> Bool {
        actual.map { AnyHashable($0) } == expected.map { AnyHashable($0) }
    }
}
