import CRMDomain
import Testing

extension ServiceWorld {
    static let wo1 = ID(900)
    static let wo2 = ID(901)
    /// Tue 2026-03-31 08:00 to Fri 2026-04-03 18:00 at UTC+8.
    static let window = ServiceWindow(from: local(2026, 3, 31, 8), to: local(2026, 4, 3, 18))

    static func createWorkOrder(_ id: ID, skills: [String] = ["HVAC", " electrical"], window: ServiceWindow = window)
        -> CreateWorkOrder
    {
        CreateWorkOrder(
            workOrderId: id,
            customerId: customer,
            address: "88 Century Ave, Shanghai",
            skills: skills,
            priority: .high,
            window: window
        )
    }

    /// Technician profiles (tech: hvac + electrical; tech2: hvac) and work order wo1.
    mutating func fieldSetup() throws {
        try run(DefineTechnicianProfile(technicianId: Self.tech, skills: ["hvac", "Electrical"]))
        try run(DefineTechnicianProfile(technicianId: Self.tech2, skills: ["hvac"]))
        try run(Self.createWorkOrder(Self.wo1))
    }

    static func schedule(_ id: ID, _ wo: ID = wo1, tech: ID = tech, from: Timestamp, to: Timestamp)
        -> ScheduleServiceAppointment
    {
        ScheduleServiceAppointment(appointmentId: id, workOrderId: wo, technicianId: tech, start: from, end: to)
    }
}

@Suite struct FieldServiceConfigTests {
    typealias W = ServiceWorld

    @Test func technicianSkillsAreNormalised() throws {
        var w = try ServiceWorld()
        let out = try w.run(DefineTechnicianProfile(technicianId: W.tech, skills: [" HVAC", "hvac", "Electrical"]))
        #expect(
            serviceEvents(out) == [
                AnyHashable(TechnicianProfileDefined(technicianId: W.tech, skills: ["hvac", "electrical"]))
            ]
        )
        #expect(serviceStreams(out) == ["technicianProfile-\(W.tech)"])
        w.reject(
            DefineTechnicianProfile(technicianId: ID(999), skills: ["hvac"]),
            rule: "FSV-X1.technicianActive",
            kind: .notFound
        )
        w.reject(
            DefineTechnicianProfile(technicianId: W.tech, skills: ["hvac", " "]),
            rule: "FSV-X1.skills",
            kind: .invalidInput
        )
        w.reject(
            DefineTechnicianProfile(technicianId: W.tech, skills: ["hvac"]),
            as: .user(W.tech),
            rule: "FSV-X1.perm",
            kind: .accessDenied
        )
    }

    @Test func sparePartsAreKeyedByNormalisedSku() throws {
        var w = try ServiceWorld()
        let out = try w.run(DefineSparePart(sku: " CMP-100 ", name: "Compressor", requiresApproval: true))
        #expect(
            serviceEvents(out) == [
                AnyHashable(SparePartDefined(sku: "cmp-100", name: "Compressor", requiresApproval: true))
            ]
        )
        #expect(serviceStreams(out) == ["sparePart-cmp-100"])
        w.reject(DefineSparePart(sku: " ", name: "X", requiresApproval: false), rule: "FSV-X2.sku", kind: .invalidInput)
        w.reject(
            DefineSparePart(sku: "FLT-7", name: "", requiresApproval: false),
            rule: "FSV-X2.name",
            kind: .invalidInput
        )
        w.reject(
            DefineSparePart(sku: "FLT-7", name: "Filter", requiresApproval: false),
            as: .user(W.tech),
            rule: "FSV-X2.perm",
            kind: .accessDenied
        )
    }
}

@Suite struct WorkOrderTests {
    typealias W = ServiceWorld

    // MARK: FSV-01

    @Test func workOrderIsCreatedAndLinked() throws {
        var w = try ServiceWorld()
        try w.openAssignedTicket(ID(1001))
        let out = try w.run(
            CreateWorkOrder(
                workOrderId: W.wo1,
                ticketId: ID(1001),
                customerId: W.customer,
                assetId: ID(950),
                address: "88 Century Ave, Shanghai",
                skills: ["HVAC", "hvac "],
                priority: .urgent,
                window: W.window
            )
        )
        let expected = WorkOrderCreated(
            workOrderId: W.wo1,
            ticketId: ID(1001),
            customerId: W.customer,
            assetId: ID(950),
            address: "88 Century Ave, Shanghai",
            skills: ["hvac"],
            priority: .urgent,
            window: W.window
        )
        #expect(serviceEvents(out) == [AnyHashable(expected)])
        #expect(
            w.store.children(of: .of(Customer.self, W.customer), category: "workOrder") == [.of(WorkOrder.self, W.wo1)]
        )
        #expect(w.store.children(of: .of(Ticket.self, ID(1001)), category: "workOrder") == [.of(WorkOrder.self, W.wo1)])
        #expect(w.store.state(WorkOrder.self, W.wo1)?.status == .open)
    }

    @Test func workOrderCreationChecks() throws {
        var w = try ServiceWorld()
        w.reject(W.createWorkOrder(W.wo1), as: .user(W.agentA), rule: "FSV-01.perm", kind: .accessDenied)
        w.reject(
            CreateWorkOrder(
                workOrderId: W.wo1,
                customerId: W.customer,
                address: "",
                skills: [],
                priority: .low,
                window: W.window
            ),
            rule: "FSV-01.address",
            kind: .invalidInput
        )
        w.reject(
            W.createWorkOrder(W.wo1, window: ServiceWindow(from: W.window.to, to: W.window.from)),
            rule: "FSV-01.window",
            kind: .invalidInput
        )
        w.reject(W.createWorkOrder(W.wo1, skills: ["hvac", ""]), rule: "FSV-01.skills", kind: .invalidInput)
        w.reject(
            CreateWorkOrder(
                workOrderId: W.wo1,
                customerId: W.archivedCustomer,
                address: "x",
                skills: [],
                priority: .low,
                window: W.window
            ),
            rule: "FSV-01.customerLive",
            kind: .notFound
        )
        w.reject(
            CreateWorkOrder(
                workOrderId: W.wo1,
                customerId: ID(999),
                address: "x",
                skills: [],
                priority: .low,
                window: W.window
            ),
            rule: "FSV-01.customerLive",
            kind: .notFound
        )
        w.reject(
            CreateWorkOrder(
                workOrderId: W.wo1,
                ticketId: ID(1001),
                customerId: W.customer,
                address: "x",
                skills: [],
                priority: .low,
                window: W.window
            ),
            rule: "FSV-01.ticketExists",
            kind: .notFound
        )
        try w.run(W.openTicket(ID(1002), customer: W.otherCustomer, contact: nil))
        w.reject(
            CreateWorkOrder(
                workOrderId: W.wo1,
                ticketId: ID(1002),
                customerId: W.customer,
                address: "x",
                skills: [],
                priority: .low,
                window: W.window
            ),
            rule: "FSV-01.ticketOfCustomer",
            kind: .invariantViolated
        )
        try w.run(W.createWorkOrder(W.wo1))
        w.reject(W.createWorkOrder(W.wo1), rule: "FSV-01.workOrderIdUnique", kind: .alreadyExists)
    }

    // MARK: FSV-02

    @Test func schedulingAQualifiedTechnicianInsideTheWindow() throws {
        var w = try ServiceWorld()
        try w.fieldSetup()
        let start = W.local(2026, 3, 31, 9)
        let end = W.local(2026, 3, 31, 11)
        let out = try w.run(W.schedule(ID(910), from: start, to: end))
        #expect(
            serviceEvents(out) == [
                AnyHashable(
                    ServiceAppointmentScheduled(
                        appointmentId: ID(910),
                        workOrderId: W.wo1,
                        technicianId: W.tech,
                        start: start,
                        end: end
                    )
                )
            ]
        )
        #expect(serviceStreams(out) == ["serviceAppointment-\(ID(910))"])
        #expect(
            w.store.children(of: .of(WorkOrder.self, W.wo1), category: "serviceAppointment") == [
                .of(ServiceAppointment.self, ID(910))
            ]
        )
        #expect(
            w.store.children(
                of: ServiceAppointmentScheduled.technicianDay(W.tech, LocalDate(2026, 3, 31)),
                category: "serviceAppointment"
            )
                == [.of(ServiceAppointment.self, ID(910))]
        )
        #expect(w.store.state(ServiceAppointment.self, ID(910))?.status == .scheduled)
    }

    @Test func schedulingChecks() throws {
        var w = try ServiceWorld()
        let start = W.local(2026, 3, 31, 9)
        let end = W.local(2026, 3, 31, 11)
        w.reject(
            W.schedule(ID(910), from: start, to: end),
            as: .user(W.agentA),
            rule: "FSV-02.perm",
            kind: .accessDenied
        )
        w.reject(W.schedule(ID(910), from: end, to: start), rule: "FSV-02.interval", kind: .invalidInput)
        w.reject(W.schedule(ID(910), from: start, to: start), rule: "FSV-02.interval", kind: .invalidInput)
        w.reject(W.schedule(ID(910), from: start, to: end), rule: "FSV-02.workOrderExists", kind: .notFound)
        try w.fieldSetup()
        w.reject(
            W.schedule(ID(910), tech: ID(999), from: start, to: end),
            rule: "FSV-02.technicianActive",
            kind: .notFound
        )
        w.reject(
            W.schedule(ID(910), tech: W.agentB, from: start, to: end),
            rule: "FSV-02.technicianProfile",
            kind: .notFound
        )
        w.reject(
            W.schedule(ID(910), tech: W.tech2, from: start, to: end),
            rule: "FSV-02.skills",
            kind: .invariantViolated
        )
        w.reject(
            W.schedule(ID(910), from: W.local(2026, 3, 31, 7), to: W.local(2026, 3, 31, 9)),
            rule: "FSV-02.insideWindow",
            kind: .invariantViolated
        )
        w.reject(
            W.schedule(ID(910), from: W.local(2026, 4, 3, 17), to: W.local(2026, 4, 3, 19)),
            rule: "FSV-02.insideWindow",
            kind: .invariantViolated
        )
        try w.run(W.schedule(ID(910), from: W.local(2026, 3, 31, 8), to: end))
        w.reject(
            W.schedule(ID(910), from: W.local(2026, 4, 1, 9), to: W.local(2026, 4, 1, 10)),
            rule: "FSV-02.appointmentIdUnique",
            kind: .alreadyExists
        )
    }

    @Test func aClosedWorkOrderTakesNoAppointments() throws {
        var w = try ServiceWorld()
        try w.fieldSetup()
        try w.run(CloseWorkOrder(workOrderId: W.wo1, outcome: .canceled))
        w.reject(
            W.schedule(ID(910), from: W.local(2026, 3, 31, 9), to: W.local(2026, 3, 31, 10)),
            rule: "FSV-02.workOrderOpen",
            kind: .invalidState
        )
    }

    @Test func aTechnicianIsNeverBookedTwiceAtOnce() throws {
        var w = try ServiceWorld()
        try w.fieldSetup()
        try w.run(W.createWorkOrder(W.wo2))
        try w.run(W.schedule(ID(910), from: W.local(2026, 3, 31, 9), to: W.local(2026, 3, 31, 11)))
        // Another work order, overlapping by one minute.
        w.reject(
            W.schedule(ID(911), W.wo2, from: W.local(2026, 3, 31, 10, 59), to: W.local(2026, 3, 31, 12)),
            rule: "FSV-02.noOverlap",
            kind: .invariantViolated
        )
        w.reject(
            W.schedule(ID(911), W.wo2, from: W.local(2026, 3, 31, 8), to: W.local(2026, 3, 31, 13)),
            rule: "FSV-02.noOverlap",
            kind: .invariantViolated
        )
        // Back to back is fine, and so is another technician at the same time.
        try w.run(W.schedule(ID(911), W.wo2, from: W.local(2026, 3, 31, 11), to: W.local(2026, 3, 31, 12)))
        try w.createHvacOnlyOrder()
        try w.run(
            W.schedule(ID(912), ID(902), tech: W.tech2, from: W.local(2026, 3, 31, 9), to: W.local(2026, 3, 31, 11))
        )
    }

    @Test func overlapsAreFoundAcrossMidnightAndIgnoreFinishedAppointments() throws {
        var w = try ServiceWorld()
        try w.fieldSetup()
        // 07:00–09:00 local on 04-01 is 23:00Z on 03-31 to 01:00Z on 04-01: it is linked to two UTC days.
        try w.run(W.schedule(ID(910), from: W.local(2026, 4, 1, 7), to: W.local(2026, 4, 1, 9)))
        #expect(
            w.store.children(
                of: ServiceAppointmentScheduled.technicianDay(W.tech, LocalDate(2026, 3, 31)),
                category: "serviceAppointment"
            ).count == 1
        )
        #expect(
            w.store.children(
                of: ServiceAppointmentScheduled.technicianDay(W.tech, LocalDate(2026, 4, 1)),
                category: "serviceAppointment"
            ).count == 1
        )
        w.reject(
            W.schedule(ID(911), from: W.local(2026, 4, 1, 8, 30), to: W.local(2026, 4, 1, 10)),
            rule: "FSV-02.noOverlap",
            kind: .invariantViolated
        )
        try w.run(CancelServiceAppointment(appointmentId: ID(910), reason: "Customer rescheduled"))
        try w.run(W.schedule(ID(911), from: W.local(2026, 4, 1, 8, 30), to: W.local(2026, 4, 1, 10)))
    }

    // MARK: FSV-03..FSV-07

    @Test func appointmentLifecycle() throws {
        var w = try ServiceWorld()
        try w.fieldSetup()
        try w.run(W.schedule(ID(910), from: W.local(2026, 3, 31, 9), to: W.local(2026, 3, 31, 11)))
        w.now = W.local(2026, 3, 31, 8)
        let dispatched = try w.run(DispatchTechnician(appointmentId: ID(910)))
        #expect(serviceEvents(dispatched) == [AnyHashable(TechnicianDispatched(appointmentId: ID(910)))])
        w.now = W.local(2026, 3, 31, 9, 10)
        let started = try w.run(
            StartServiceAppointment(appointmentId: ID(910), at: W.local(2026, 3, 31, 9, 5)),
            as: .user(W.tech)
        )
        #expect(
            serviceEvents(started) == [
                AnyHashable(ServiceAppointmentStarted(appointmentId: ID(910), at: W.local(2026, 3, 31, 9, 5)))
            ]
        )
        w.now = W.local(2026, 3, 31, 11)
        let completed = try w.run(
            CompleteServiceAppointment(
                appointmentId: ID(910),
                at: W.local(2026, 3, 31, 10, 40),
                notes: "Replaced filter",
                signatureRef: "sig-42"
            ),
            as: .user(W.tech)
        )
        #expect(
            serviceEvents(completed) == [
                AnyHashable(
                    ServiceAppointmentCompleted(
                        appointmentId: ID(910),
                        at: W.local(2026, 3, 31, 10, 40),
                        notes: "Replaced filter",
                        signatureRef: "sig-42"
                    )
                )
            ]
        )
        let a = try #require(w.store.state(ServiceAppointment.self, ID(910)))
        #expect(a.status == .completed)
        #expect(a.startedAt == W.local(2026, 3, 31, 9, 5))
    }

    @Test func lifecycleChecks() throws {
        var w = try ServiceWorld()
        try w.fieldSetup()
        let a = ID(910)
        w.reject(DispatchTechnician(appointmentId: a), rule: "FSV-03.appointmentExists", kind: .notFound)
        w.reject(
            StartServiceAppointment(appointmentId: a, at: w.now),
            rule: "FSV-04.appointmentExists",
            kind: .notFound
        )
        w.reject(
            CompleteServiceAppointment(appointmentId: a, at: w.now, notes: ""),
            rule: "FSV-05.appointmentExists",
            kind: .notFound
        )
        w.reject(
            MarkServiceAppointmentCannotComplete(appointmentId: a, reason: "x"),
            rule: "FSV-06.appointmentExists",
            kind: .notFound
        )
        w.reject(
            CancelServiceAppointment(appointmentId: a, reason: "x"),
            rule: "FSV-07.appointmentExists",
            kind: .notFound
        )
        try w.run(W.schedule(a, from: W.local(2026, 3, 31, 9), to: W.local(2026, 3, 31, 11)))
        w.now = W.local(2026, 3, 31, 9)
        w.reject(StartServiceAppointment(appointmentId: a, at: w.now), rule: "FSV-04.dispatched", kind: .invalidState)
        w.reject(
            CompleteServiceAppointment(appointmentId: a, at: w.now, notes: ""),
            rule: "FSV-05.started",
            kind: .invalidState
        )
        w.reject(DispatchTechnician(appointmentId: a), as: .user(W.tech), rule: "FSV-03.perm", kind: .accessDenied)
        try w.run(DispatchTechnician(appointmentId: a))
        w.reject(DispatchTechnician(appointmentId: a), rule: "FSV-03.scheduled", kind: .invalidState)
        // Another technician cannot start somebody else's appointment (data scope: own records).
        w.reject(
            StartServiceAppointment(appointmentId: a, at: w.now),
            as: .user(W.tech2),
            rule: "FSV-04.perm",
            kind: .accessDenied
        )
        w.reject(
            StartServiceAppointment(appointmentId: a, at: w.now.adding(minutes: 1)),
            rule: "FSV-04.at",
            kind: .invalidInput
        )
        try w.run(StartServiceAppointment(appointmentId: a, at: w.now), as: .user(W.tech))
        w.now = W.local(2026, 3, 31, 10)
        w.reject(
            CompleteServiceAppointment(appointmentId: a, at: W.local(2026, 3, 31, 8, 59), notes: ""),
            rule: "FSV-05.at",
            kind: .invalidInput
        )
        w.reject(
            CompleteServiceAppointment(appointmentId: a, at: W.local(2026, 3, 31, 10, 1), notes: ""),
            rule: "FSV-05.at",
            kind: .invalidInput
        )
        w.reject(
            CompleteServiceAppointment(appointmentId: a, at: w.now, notes: ""),
            as: .user(W.tech2),
            rule: "FSV-05.perm",
            kind: .accessDenied
        )
        try w.run(CompleteServiceAppointment(appointmentId: a, at: w.now, notes: ""), as: .user(W.tech))
        w.reject(
            MarkServiceAppointmentCannotComplete(appointmentId: a, reason: "x"),
            rule: "FSV-06.active",
            kind: .invalidState
        )
        w.reject(
            CancelServiceAppointment(appointmentId: a, reason: "x"),
            rule: "FSV-07.notCompleted",
            kind: .invalidState
        )
    }

    @Test func cannotCompleteFromEveryActiveStatus() throws {
        var w = try ServiceWorld()
        try w.fieldSetup()
        try w.run(W.schedule(ID(910), from: W.local(2026, 3, 31, 9), to: W.local(2026, 3, 31, 10)))
        try w.run(W.schedule(ID(911), from: W.local(2026, 3, 31, 10), to: W.local(2026, 3, 31, 11)))
        try w.run(W.schedule(ID(912), from: W.local(2026, 3, 31, 11), to: W.local(2026, 3, 31, 12)))
        try w.run(DispatchTechnician(appointmentId: ID(911)))
        try w.run(DispatchTechnician(appointmentId: ID(912)))
        try w.run(StartServiceAppointment(appointmentId: ID(912), at: w.now))
        w.reject(
            MarkServiceAppointmentCannotComplete(appointmentId: ID(910), reason: " "),
            rule: "FSV-06.reason",
            kind: .invalidInput
        )
        w.reject(
            MarkServiceAppointmentCannotComplete(appointmentId: ID(910), reason: "No access"),
            as: .user(W.tech2),
            rule: "FSV-06.perm",
            kind: .accessDenied
        )
        for id in [ID(910), ID(911), ID(912)] {
            let out = try w.run(
                MarkServiceAppointmentCannotComplete(appointmentId: id, reason: "No access to site"),
                as: .user(W.tech)
            )
            #expect(
                serviceEvents(out) == [
                    AnyHashable(ServiceAppointmentCannotComplete(appointmentId: id, reason: "No access to site"))
                ]
            )
        }
        w.reject(
            MarkServiceAppointmentCannotComplete(appointmentId: ID(910), reason: "again"),
            rule: "FSV-06.active",
            kind: .invalidState
        )
        w.reject(
            CancelServiceAppointment(appointmentId: ID(910), reason: "x"),
            rule: "FSV-07.notFinal",
            kind: .invalidState
        )
    }

    @Test func cancelling() throws {
        var w = try ServiceWorld()
        try w.fieldSetup()
        try w.run(W.schedule(ID(910), from: W.local(2026, 3, 31, 9), to: W.local(2026, 3, 31, 10)))
        w.reject(
            CancelServiceAppointment(appointmentId: ID(910), reason: ""),
            rule: "FSV-07.reason",
            kind: .invalidInput
        )
        w.reject(
            CancelServiceAppointment(appointmentId: ID(910), reason: "Duplicate"),
            as: .user(W.tech2),
            rule: "FSV-07.perm",
            kind: .accessDenied
        )
        let out = try w.run(CancelServiceAppointment(appointmentId: ID(910), reason: "Duplicate"))
        #expect(
            serviceEvents(out) == [AnyHashable(ServiceAppointmentCanceled(appointmentId: ID(910), reason: "Duplicate"))]
        )
        w.reject(
            CancelServiceAppointment(appointmentId: ID(910), reason: "Again"),
            rule: "FSV-07.notFinal",
            kind: .invalidState
        )
    }

    // MARK: FSV-12

    @Test func closingWaitsForActiveAppointments() throws {
        var w = try ServiceWorld()
        w.reject(
            CloseWorkOrder(workOrderId: W.wo1, outcome: .completed),
            rule: "FSV-12.workOrderExists",
            kind: .notFound
        )
        try w.fieldSetup()
        try w.run(W.schedule(ID(910), from: W.local(2026, 3, 31, 9), to: W.local(2026, 3, 31, 10)))
        try w.run(W.schedule(ID(911), from: W.local(2026, 3, 31, 10), to: W.local(2026, 3, 31, 11)))
        try w.run(CancelServiceAppointment(appointmentId: ID(911), reason: "Merged"))
        try w.run(DispatchTechnician(appointmentId: ID(910)))
        w.reject(
            CloseWorkOrder(workOrderId: W.wo1, outcome: .completed),
            rule: "FSV-12.noActiveAppointment",
            kind: .invariantViolated
        )
        try w.run(StartServiceAppointment(appointmentId: ID(910), at: w.now))
        w.reject(
            CloseWorkOrder(workOrderId: W.wo1, outcome: .completed),
            rule: "FSV-12.noActiveAppointment",
            kind: .invariantViolated
        )
        try w.run(CompleteServiceAppointment(appointmentId: ID(910), at: w.now, notes: "Done"))
        w.reject(
            CloseWorkOrder(workOrderId: W.wo1, outcome: .completed),
            as: .user(W.tech),
            rule: "FSV-12.perm",
            kind: .accessDenied
        )
        let out = try w.run(CloseWorkOrder(workOrderId: W.wo1, outcome: .completed))
        #expect(serviceEvents(out) == [AnyHashable(WorkOrderClosed(outcome: .completed))])
        #expect(w.store.state(WorkOrder.self, W.wo1)?.status == .completed)
        w.reject(CloseWorkOrder(workOrderId: W.wo1, outcome: .canceled), rule: "FSV-12.open", kind: .invalidState)
    }
}

extension ServiceWorld {
    /// Work order 902 needing only hvac (so tech2 qualifies).
    mutating func createHvacOnlyOrder() throws {
        try run(Self.createWorkOrder(ID(902), skills: ["hvac"]))
    }
}
