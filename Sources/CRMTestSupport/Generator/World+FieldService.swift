import CRMDomain

/// A technician visit: `hour`:00 to `hour + 2`:00 on `day`.
struct AppointmentPlan {
    let id: ID
    let technician: ID
    let day: Int
    let hour: Int
}

/// A field work order (an installation after a signed contract, or a repair from a ticket) and its course.
struct WorkOrderPlan {
    enum Scenario { case simple, partApproved, partRejected, rescheduled, canceled }
    let id: ID
    let customerIndex: Int
    let ticketPlan: Int?
    let skills: [String]
    let lastDay: Int
    let scenario: Scenario
    var appointment: AppointmentPlan?
    var request: (id: ID, approval: ID, sku: String)?
    var rescheduled = false
    /// 1 dispatch, 2 visit, 3 part approval, 4 book the next visit, 5 close, 6 return visit.
    var step = 1
    var nextDay: Int
    var closedDay = 0
    var done = false
}

struct FieldState {
    var flow = ID(0)
    var skills: [ID: [String]] = [:]
    var orders: [WorkOrderPlan] = []
    /// `technician|day|hour` slots already given out.
    var busy: Set<String> = []
    var considered: Set<ID> = []
    var repairNumber = 0
    var installNumber = 0
}

extension World {
    // MARK: Setup

    /// Technician skills, spare parts and the approval flow for parts that need one.
    mutating func setUpFieldService(_ runner: inout some CommandRunner) async throws(RunnerError) {
        let ceo = ActorRef.user(company.ceo)
        let skillSets = [
            ["installation", "network", "printer"], ["installation", "electrical", "printer"],
            ["installation", "network"],
        ]
        for (n, tech) in extensions.staff.technicians.enumerated() {
            let skills = skillSets[n % skillSets.count]
            try await exec(DefineTechnicianProfile(technicianId: tech, skills: skills), as: ceo, &runner)
            extensions.field.skills[tech] = skills
        }
        for (sku, name, approval) in [
            ("fuser-unit", "Fuser unit for label printers", true),
            ("network-switch-24p", "24-port network switch", true),
            ("usb-cable", "USB cable 2 m", false), ("toner-seal", "Toner seal kit", false),
        ] {
            try await exec(DefineSparePart(sku: sku, name: name, requiresApproval: approval), as: ceo, &runner)
        }
        extensions.field.flow = newID()
        try await exec(
            DefineApprovalFlow(
                flowId: extensions.field.flow,
                category: .partReplacement,
                steps: [ApprovalStep(order: 1, type: .ownerSupervisor)]
            ),
            as: ceo,
            &runner
        )
    }

    // MARK: Daily

    mutating func simulateFieldService(_ day: Int, _ runner: inout some CommandRunner) async throws(RunnerError) {
        for k in customers.indices where customers[k].dealt && !extensions.field.considered.contains(customers[k].id) {
            extensions.field.considered.insert(customers[k].id)
            if chance(0.35) { try await createWorkOrder(customerIndex: k, ticketPlan: nil, day, &runner) }
        }
        for o in extensions.field.orders.indices
        where !extensions.field.orders[o].done && extensions.field.orders[o].nextDay <= day {
            try await advanceWorkOrder(o, day, &runner)
        }
    }

    /// Creates a work order (from a ticket when `ticketPlan` is given) and books its first visit.
    mutating func createWorkOrder(
        customerIndex k: Int,
        ticketPlan: Int?,
        _ day: Int,
        _ runner: inout some CommandRunner
    ) async throws(RunnerError) {
        let scenario: WorkOrderPlan.Scenario
        let skills: [String]
        if ticketPlan != nil {
            let cycle: [WorkOrderPlan.Scenario] = [.partApproved, .partRejected, .simple]
            scenario = cycle[extensions.field.repairNumber % cycle.count]
            extensions.field.repairNumber += 1
            skills = ["printer"]
        } else {
            let cycle: [WorkOrderPlan.Scenario] = [
                .simple, .rescheduled, .partApproved, .simple, .canceled, .partRejected,
            ]
            scenario = cycle[extensions.field.installNumber % cycle.count]
            extensions.field.installNumber += 1
            skills = chance(0.3) ? ["installation", "network"] : ["installation"]
        }
        let order = newID()
        let lastDay = day + 12
        try await exec(
            CreateWorkOrder(
                workOrderId: order,
                ticketId: ticketPlan.map { extensions.service.plans[$0].id },
                customerId: customers[k].id,
                address: "Site of customer \(k + 1), \(choose(NameSource.cities))",
                skills: skills,
                priority: ticketPlan == nil ? .normal : .high,
                window: ServiceWindow(from: Timestamp(date(day + 1), hour: 8), to: Timestamp(date(lastDay), hour: 22))
            ),
            as: serviceManager,
            &runner
        )
        extensions.field.orders.append(
            WorkOrderPlan(
                id: order,
                customerIndex: k,
                ticketPlan: ticketPlan,
                skills: skills,
                lastDay: lastDay,
                scenario: scenario,
                nextDay: day
            )
        )
        try await bookVisit(extensions.field.orders.count - 1, from: day + 1, day, &runner)
    }

    /// Books the first free two-hour slot from `from` on with a technician who has the skills.
    mutating func bookVisit(_ o: Int, from: Int, _ day: Int, _ runner: inout some CommandRunner)
        async throws(RunnerError)
    {
        let order = extensions.field.orders[o]
        let qualified = extensions.staff.technicians.filter { tech in
            order.skills.allSatisfy { (extensions.field.skills[tech] ?? []).contains($0) }
        }
        for d in from..<order.lastDay {
            for hour in [9, 14] {
                for tech in qualified where !extensions.field.busy.contains("\(tech)|\(d)|\(hour)") {
                    let appointment = newID()
                    let start = Timestamp(date(d), hour: hour)
                    try await exec(
                        ScheduleServiceAppointment(
                            appointmentId: appointment,
                            workOrderId: order.id,
                            technicianId: tech,
                            start: start,
                            end: start.adding(hours: 2)
                        ),
                        as: serviceManager,
                        &runner
                    )
                    extensions.field.busy.insert("\(tech)|\(d)|\(hour)")
                    extensions.field.orders[o].appointment = AppointmentPlan(
                        id: appointment,
                        technician: tech,
                        day: d,
                        hour: hour
                    )
                    extensions.field.orders[o].step = 1
                    extensions.field.orders[o].nextDay = max(day, d - 1)
                    return
                }
            }
        }
    }

    mutating func advanceWorkOrder(_ o: Int, _ day: Int, _ runner: inout some CommandRunner) async throws(RunnerError) {
        let order = extensions.field.orders[o]
        guard let visit = order.appointment else { return }
        let tech = ActorRef.user(visit.technician)
        switch order.step {
        case 1:
            if order.scenario == .canceled {
                try await exec(
                    CancelServiceAppointment(appointmentId: visit.id, reason: "Customer withdrew the request"),
                    as: serviceManager,
                    &runner
                )
                try await exec(CloseWorkOrder(workOrderId: order.id, outcome: .canceled), as: serviceManager, &runner)
                extensions.field.orders[o].done = true
            } else if order.scenario == .rescheduled, !order.rescheduled {
                try await exec(
                    CancelServiceAppointment(appointmentId: visit.id, reason: "Customer asked to move the visit"),
                    as: serviceManager,
                    &runner
                )
                extensions.field.orders[o].rescheduled = true
                try await bookVisit(o, from: day + 2, day, &runner)
            } else {
                try await exec(DispatchTechnician(appointmentId: visit.id), as: serviceManager, &runner)
                extensions.field.orders[o].step = 2
                extensions.field.orders[o].nextDay = visit.day
            }
        case 2:
            let start = Timestamp(date(visit.day), hour: visit.hour)
            try await exec(
                StartServiceAppointment(appointmentId: visit.id, at: start.adding(minutes: 5)),
                as: tech,
                &runner
            )
            if order.scenario == .partApproved || order.scenario == .partRejected, order.request == nil {
                try await exec(
                    MarkServiceAppointmentCannotComplete(appointmentId: visit.id, reason: "Replacement part needed"),
                    as: tech,
                    &runner
                )
                let request = newID()
                let approval = newID()
                let sku = order.skills.contains("network") ? "network-switch-24p" : "fuser-unit"
                try await exec(
                    RequestPartReplacement(
                        requestId: request,
                        workOrderId: order.id,
                        sku: sku,
                        qty: 1,
                        oldSerial: "SN\(100_000 + o)",
                        reason: "Worn out after heavy use",
                        underWarranty: chance(0.5),
                        approvalId: approval,
                        requestedBy: visit.technician
                    ),
                    as: tech,
                    &runner
                )
                extensions.field.orders[o].request = (request, approval, sku)
                extensions.field.orders[o].step = 3
                extensions.field.orders[o].nextDay = day + 1
                return
            }
            if let r = order.request {
                if order.scenario == .partApproved {
                    try await exec(
                        ConsumePart(
                            workOrderId: order.id,
                            sku: r.sku,
                            qty: 1,
                            newSerial: "SN\(200_000 + o)",
                            requestId: r.id
                        ),
                        as: tech,
                        &runner
                    )
                } else {
                    try await exec(ConsumePart(workOrderId: order.id, sku: "toner-seal", qty: 1), as: tech, &runner)
                }
            } else if chance(0.4) {
                try await exec(
                    ConsumePart(workOrderId: order.id, sku: "usb-cable", qty: Int64(roll(1...2))),
                    as: tech,
                    &runner
                )
            }
            try await exec(
                CompleteServiceAppointment(
                    appointmentId: visit.id,
                    at: start.adding(minutes: roll(60...115)),
                    notes: order.ticketPlan == nil ? "Installed and configured; user trained" : "Repaired and tested",
                    signatureRef: "SIG-\(visit.id)"
                ),
                as: tech,
                &runner
            )
            extensions.field.orders[o].step = 5
            extensions.field.orders[o].nextDay = day + 1
        case 3:
            guard let r = order.request else { return }
            let manager = extensions.staff.serviceManager
            if order.scenario == .partApproved {
                try await exec(
                    ApproveApprovalStep(
                        approvalId: r.approval,
                        approverId: manager,
                        comment: "Approved; part in stock"
                    ),
                    as: .user(manager),
                    &runner
                )
            } else {
                try await exec(
                    RejectApproval(
                        approvalId: r.approval,
                        approverId: manager,
                        reason: "Out of warranty; use a seal kit"
                    ),
                    as: .user(manager),
                    &runner
                )
            }
            extensions.field.orders[o].step = 4
            try await bookVisit(o, from: day + 2, day, &runner)
        case 4:
            try await bookVisit(o, from: day + 1, day, &runner)
        case 5:
            try await exec(CloseWorkOrder(workOrderId: order.id, outcome: .completed), as: serviceManager, &runner)
            extensions.field.orders[o].closedDay = day
            if let t = order.ticketPlan {
                extensions.service.plans[t].step = 10
                extensions.service.plans[t].nextDay = day + 1
                extensions.field.orders[o].done = true
            } else {
                extensions.field.orders[o].step = 6
                extensions.field.orders[o].nextDay = day + 7
            }
        case 6:
            try await raiseFactReminder(
                extensions.service.workOrderVisitRule,
                .workOrder,
                order.id,
                owner: visit.technician,
                anchor: date(order.closedDay),
                day,
                &runner
            )
            extensions.field.orders[o].done = true
        default:
            break
        }
    }
}
