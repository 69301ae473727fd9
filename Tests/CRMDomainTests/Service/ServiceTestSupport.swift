import CRMDomain
import Testing

/// A service department with an admin, a supervisor, two agents, two technicians and a read-only viewer; two live
/// customers (one with a contact) and an archived one; a working calendar (Mon–Fri 09:00–12:00 and 13:00–18:00 at
/// UTC+8, Monday 2026-04-06 a holiday) and a team using it.
struct ServiceWorld {
    static let admin = ActorRef.system(job: "setup")
    /// Monday 2026-03-30 09:00 at UTC+8.
    static let monday9 = local(2026, 3, 30, 9)

    static let dept = ID(10)
    static let adminRole = ID(20)
    static let agentRole = ID(21)
    static let techRole = ID(22)
    static let viewerRole = ID(23)

    static let supervisor = ID(100)
    static let agentA = ID(101)
    static let agentB = ID(102)
    static let viewer = ID(103)
    static let tech = ID(104)
    static let tech2 = ID(105)
    static let headOfService = ID(106)

    static let customer = ID(200)
    static let otherCustomer = ID(201)
    static let archivedCustomer = ID(202)
    static let contact = ID(210)
    static let foreignContact = ID(211)

    static let team = ID(300)
    static let otherTeam = ID(301)
    static let calendar = ID(310)
    static let stages = ["new", "inProgress", "waitingCustomer", "solved"]

    var store = InMemoryDomainStore()
    var now = ServiceWorld.monday9

    /// An instant given in local time at UTC+8.
    static func local(_ y: Int, _ m: Int, _ d: Int, _ hour: Int, _ minute: Int = 0) -> Timestamp {
        Timestamp(LocalDate(y, m, d), hour: hour, minute: minute).adding(hours: -8)
    }

    static let workingHours: [WorkingHours] = [WorkingWeekday.monday, .tuesday, .wednesday, .thursday, .friday]
        .flatMap {
            [WorkingHours($0, from: (9, 0), to: (12, 0)), WorkingHours($0, from: (13, 0), to: (18, 0))]
        }
    static let holidays = [LocalDate(2026, 4, 6)]
    static let workCalendar = WorkingCalendar(utcOffsetMinutes: 480, hours: workingHours, holidays: holidays)

    init(team: Bool = true) throws {
        let everything: [Action] = Action.allCases
        let serviceObjects: [ObjectType] = [
            .ticket, .slaPolicy, .escalationRule, .knowledgeArticle, .reminderRule, .reminder, .workOrder,
            .serviceAppointment, .partRequest, .serviceTeam, .workingCalendar, .user, .product, .approval,
            .approvalFlow,
        ]
        try run(
            DefineRole(
                roleId: Self.adminRole,
                name: "service admin",
                objectPermissions: serviceObjects.map { ObjectPermission(object: $0, actions: everything) },
                dataScope: .all
            )
        )
        try run(
            DefineRole(
                roleId: Self.agentRole,
                name: "service agent",
                objectPermissions: [
                    ObjectPermission(
                        object: .ticket,
                        actions: [.read, .create, .edit, .assign, .escalate, .close, .reopen]
                    ),
                    ObjectPermission(object: .reminder, actions: [.read, .edit]),
                ],
                dataScope: .self
            )
        )
        try run(
            DefineRole(
                roleId: Self.techRole,
                name: "technician",
                objectPermissions: [
                    ObjectPermission(object: .serviceAppointment, actions: [.read, .edit]),
                    ObjectPermission(object: .workOrder, actions: [.read, .edit]),
                    ObjectPermission(object: .partRequest, actions: [.read, .create, .submit]),
                ],
                dataScope: .self
            )
        )
        try run(
            DefineRole(
                roleId: Self.viewerRole,
                name: "viewer",
                objectPermissions: ServiceWorld.allObjects.map { ObjectPermission(object: $0, actions: [.read]) },
                dataScope: .all
            )
        )
        try run(DefineDepartment(deptId: Self.dept, name: "Service"))
        try run(OnboardUser(userId: Self.headOfService, name: "Hu", departmentId: Self.dept, roleIds: [Self.adminRole]))
        try run(
            OnboardUser(
                userId: Self.supervisor,
                name: "Sun",
                departmentId: Self.dept,
                managerUserId: Self.headOfService,
                roleIds: [Self.adminRole]
            )
        )
        for (id, name, role) in [
            (Self.agentA, "An", Self.agentRole), (Self.agentB, "Bo", Self.agentRole), (Self.tech, "Tao", Self.techRole),
            (Self.tech2, "Tian", Self.techRole),
        ] {
            try run(
                OnboardUser(
                    userId: id,
                    name: name,
                    departmentId: Self.dept,
                    managerUserId: Self.supervisor,
                    roleIds: [role]
                )
            )
        }
        try run(OnboardUser(userId: Self.viewer, name: "Vi", departmentId: Self.dept, roleIds: [Self.viewerRole]))
        store.given(
            [Self.customerCreated(Self.customer, "Acme", owner: Self.agentA)],
            on: .of(Customer.self, Self.customer)
        )
        store.given(
            [Self.customerCreated(Self.otherCustomer, "Globex", owner: Self.agentB)],
            on: .of(Customer.self, Self.otherCustomer)
        )
        store.given(
            [
                Self.customerCreated(Self.archivedCustomer, "Initech", owner: nil),
                CustomerArchived(reason: "closed down"),
            ],
            on: .of(Customer.self, Self.archivedCustomer)
        )
        store.given([Self.contactAdded(Self.contact, of: Self.customer)], on: .of(Contact.self, Self.contact))
        store.given(
            [Self.contactAdded(Self.foreignContact, of: Self.otherCustomer)],
            on: .of(Contact.self, Self.foreignContact)
        )
        try run(
            DefineWorkingCalendar(
                calendarId: Self.calendar,
                name: "Shanghai office",
                utcOffsetMinutes: 480,
                hours: Self.workingHours,
                holidays: Self.holidays
            )
        )
        if team {
            try run(
                DefineServiceTeam(
                    teamId: Self.team,
                    name: "Support",
                    memberIds: [Self.agentA, Self.agentB],
                    stages: Self.stages,
                    calendarId: Self.calendar,
                    reopenWindowDays: 7
                )
            )
        }
    }

    static let allObjects: [ObjectType] = ObjectType.allCases

    static func customerCreated(_ id: ID, _ name: String, owner: ID?) -> CustomerCreated {
        CustomerCreated(
            customerId: id,
            name: name,
            kind: .company,
            source: "web",
            industry: "manufacturing",
            level: "A",
            address: "1 Century Ave, Shanghai",
            ownerId: owner,
            poolId: nil,
            createdVia: .manual,
            at: local(2026, 1, 5, 10)
        )
    }

    static func contactAdded(_ id: ID, of customer: ID) -> ContactAdded {
        ContactAdded(
            contactId: id,
            customerId: customer,
            name: "Li Lei",
            title: "IT manager",
            department: "IT",
            phones: ["13800000000"],
            email: "li@example.com",
            reportsToContactId: nil,
            role: .technicalBuyer
        )
    }

    // MARK: Running commands

    @discardableResult
    mutating func run(
        _ command: some Command,
        as actor: ActorRef = ServiceWorld.admin,
        at time: Timestamp? = nil
    ) throws -> [InMemoryDomainStore.Recorded] {
        try store.execute(command, as: actor, at: time ?? now)
    }

    /// Runs `command`, expects a rejection with `rule` and `kind`, and checks nothing was appended.
    mutating func reject(
        _ command: some Command,
        as actor: ActorRef = ServiceWorld.admin,
        at time: Timestamp? = nil,
        rule: String,
        kind: Rejection.Kind,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let before = store.log.count
        do {
            try store.execute(command, as: actor, at: time ?? now)
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

    // MARK: Common setups

    static func openTicket(
        _ id: ID,
        customer: ID = ServiceWorld.customer,
        contact: ID? = ServiceWorld.contact,
        type: TicketType = .complaint,
        category: String = "billing",
        priority: ServicePriority = .high,
        team: ID = ServiceWorld.team
    ) -> OpenTicket {
        OpenTicket(
            ticketId: id,
            customerId: customer,
            contactId: contact,
            channel: .phone,
            type: type,
            category: category,
            priority: priority,
            subject: "Invoice amount wrong",
            description: "The March invoice doubles the service fee.",
            teamId: team
        )
    }

    /// Opens ticket `id` and assigns it to agent A.
    mutating func openAssignedTicket(_ id: ID, priority: ServicePriority = .high) throws {
        try run(Self.openTicket(id, priority: priority))
        try run(AssignTicket(ticketId: id, assigneeId: Self.agentA, teamId: Self.team))
    }

    func ticket(_ id: ID) -> Ticket? { store.state(Ticket.self, id) }
}

/// The streams and events of `recorded`, for whole-list comparisons.
func serviceEvents(_ recorded: [InMemoryDomainStore.Recorded]) -> [AnyHashable] {
    recorded.map { AnyHashable($0.event) }
}

func serviceStreams(_ recorded: [InMemoryDomainStore.Recorded]) -> [String] {
    recorded.map(\.stream.name)
}
