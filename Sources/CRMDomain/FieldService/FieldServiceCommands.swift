// Work-order and appointment commands (FSV-01..FSV-07, FSV-12) [SF-fsl]. Appointment commands take the
// technician as the record owner for data scope, so a technician whose role reaches only their own records
// updates only their own appointments.
//
// No overlapping appointments per technician (FSV-02): every appointment is linked to the technician's day
// pseudo-streams (`technicianDay-<technicianId>:<date>`); scheduling loads the active appointments linked to each
// day the new one touches (which also registers them for optimistic concurrency) and refuses any overlap.

extension Decision {
    /// The work order `workOrderId`, or a `notFound` rejection under `rule`.
    mutating func workOrder(_ workOrderId: ID, rule: String) throws(Rejection) -> WorkOrder {
        guard let wo = load(WorkOrder.self, workOrderId), wo.exists else {
            throw .notFound(rule, "workOrder", id: workOrderId)
        }
        return wo
    }

    /// The appointment `appointmentId`, or a `notFound` rejection under `rule`.
    mutating func appointment(_ appointmentId: ID, rule: String) throws(Rejection) -> ServiceAppointment {
        guard let a = load(ServiceAppointment.self, appointmentId), a.exists else {
            throw .notFound(rule, "serviceAppointment", id: appointmentId)
        }
        return a
    }

    /// The appointment `appointmentId` (`<row>.appointmentExists`) with its stream, after checking perm(`action`)
    /// on it (`<row>.perm`, data scope of the technician).
    mutating func authorizedAppointment(
        _ appointmentId: ID,
        _ action: Action,
        row: String
    ) throws(Rejection) -> (ServiceAppointment, StreamRef) {
        let a = try appointment(appointmentId, rule: "\(row).appointmentExists")
        let stream = StreamRef.of(ServiceAppointment.self, appointmentId)
        try authorize(action, on: .serviceAppointment, owner: a.technicianId, record: stream, rule: "\(row).perm")
        return (a, stream)
    }
}

extension WorkOrder {
    func requireOpen(_ rule: String) throws(Rejection) {
        guard status == .open else {
            throw .invalidState(
                rule,
                "work order \(workOrderId.map(\.description) ?? "?") is closed (\(status.rawValue))",
                ["workOrderId": workOrderId?.description ?? "", "status": status.rawValue]
            )
        }
    }
}

/// FSV-01: create a field work order for a live customer.
public struct CreateWorkOrder: Command {
    public let workOrderId: ID
    public let ticketId: ID?
    public let customerId: ID
    public let assetId: ID?
    public let address: String
    public let skills: [String]
    public let priority: ServicePriority
    public let window: ServiceWindow

    public init(
        workOrderId: ID,
        ticketId: ID? = nil,
        customerId: ID,
        assetId: ID? = nil,
        address: String,
        skills: [String],
        priority: ServicePriority,
        window: ServiceWindow
    ) {
        self.workOrderId = workOrderId
        self.ticketId = ticketId
        self.customerId = customerId
        self.assetId = assetId
        self.address = address
        self.skills = skills
        self.priority = priority
        self.window = window
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        try d.authorize(.create, on: .workOrder, rule: "FSV-01.perm")
        try Rejection.require(address, "FSV-01.address", field: "address")
        guard window.from < window.to else {
            throw .invalidInput("FSV-01.window", field: "window", "from \(window.from) must be before to \(window.to)")
        }
        var normalized: [String] = []
        for skill in skills {
            let s = skill.serviceNormalized
            guard !s.isEmpty else { throw .invalidInput("FSV-01.skills", field: "skills", "a skill name is empty") }
            if !normalized.contains(s) { normalized.append(s) }
        }
        guard d.load(WorkOrder.self, workOrderId) == nil else {
            throw .alreadyExists("FSV-01.workOrderIdUnique", "workOrder", workOrderId)
        }
        guard let customer = d.load(Customer.self, customerId), customer.isLive else {
            throw .notFound("FSV-01.customerLive", "customer", id: customerId)
        }
        if let ticketId {
            let ticket = try d.ticket(ticketId, rule: "FSV-01.ticketExists")
            guard ticket.customerId == customerId else {
                throw .violated(
                    "FSV-01.ticketOfCustomer",
                    "ticket \(ticketId) belongs to customer \(ticket.customerId.map(\.description) ?? "?"), not to "
                        + "\(customerId)",
                    ["ticketId": ticketId.description, "customerId": customerId.description]
                )
            }
        }
        d.emit(
            WorkOrderCreated(
                workOrderId: workOrderId,
                ticketId: ticketId,
                customerId: customerId,
                assetId: assetId,
                address: address,
                skills: normalized,
                priority: priority,
                window: window
            ),
            to: .of(WorkOrder.self, workOrderId)
        )
    }
}

/// FSV-02: schedule an appointment of an open work order with a technician who has the skills, inside the work
/// order's window, without overlapping the technician's other active appointments.
public struct ScheduleServiceAppointment: Command {
    public let appointmentId: ID
    public let workOrderId: ID
    public let technicianId: ID
    public let start: Timestamp
    public let end: Timestamp

    public init(appointmentId: ID, workOrderId: ID, technicianId: ID, start: Timestamp, end: Timestamp) {
        self.appointmentId = appointmentId
        self.workOrderId = workOrderId
        self.technicianId = technicianId
        self.start = start
        self.end = end
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        try d.authorize(.create, on: .serviceAppointment, owner: technicianId, rule: "FSV-02.perm")
        guard start < end else {
            throw .invalidInput("FSV-02.interval", field: "end", "end \(end) must be after start \(start)")
        }
        guard d.load(ServiceAppointment.self, appointmentId) == nil else {
            throw .alreadyExists("FSV-02.appointmentIdUnique", "serviceAppointment", appointmentId)
        }
        let wo = try d.workOrder(workOrderId, rule: "FSV-02.workOrderExists")
        try wo.requireOpen("FSV-02.workOrderOpen")
        guard d.organisation.isActiveUser(technicianId) else {
            throw .notFound("FSV-02.technicianActive", "user", id: technicianId)
        }
        guard let profile = d.load(TechnicianProfile.self, technicianId), profile.exists else {
            throw .notFound("FSV-02.technicianProfile", "technicianProfile", id: technicianId)
        }
        let missing = profile.missingSkills(wo.skills)
        guard missing.isEmpty else {
            throw .violated(
                "FSV-02.skills",
                "technician \(technicianId) lacks the skills \(missing.joined(separator: ", ")) that work order "
                    + "\(workOrderId) requires; pick a qualified technician",
                ["technicianId": technicianId.description, "missing": missing.joined(separator: ",")]
            )
        }
        if let window = wo.window, !window.contains(start: start, end: end) {
            throw .violated(
                "FSV-02.insideWindow",
                "appointment \(start) – \(end) is outside work order \(workOrderId)'s window \(window)",
                ["start": start.description, "end": end.description, "window": window.description]
            )
        }
        var seen = Set<StreamRef>()
        for day in ServiceAppointmentScheduled.days(start: start, end: end) {
            let parent = ServiceAppointmentScheduled.technicianDay(technicianId, day)
            for child in d.children(of: parent, category: ServiceAppointment.category) where seen.insert(child).inserted
            {
                guard let other = d.load(ServiceAppointment.self, stream: child), other.status.isActive,
                    other.overlaps(start: start, end: end)
                else { continue }
                throw .violated(
                    "FSV-02.noOverlap",
                    "technician \(technicianId) already has appointment "
                        + (other.appointmentId.map(\.description) ?? "?")
                        + " (\(other.status.rawValue)) from \(other.start.map(\.description) ?? "?") to "
                        + "\(other.end.map(\.description) ?? "?"); choose another time or technician",
                    ["technicianId": technicianId.description, "conflict": child.name]
                )
            }
        }
        d.emit(
            ServiceAppointmentScheduled(
                appointmentId: appointmentId,
                workOrderId: workOrderId,
                technicianId: technicianId,
                start: start,
                end: end
            ),
            to: .of(ServiceAppointment.self, appointmentId)
        )
    }
}

/// FSV-03: dispatch (notify) the technician of a scheduled appointment.
public struct DispatchTechnician: Command {
    public let appointmentId: ID

    public init(appointmentId: ID) { self.appointmentId = appointmentId }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let (a, stream) = try d.authorizedAppointment(appointmentId, .dispatch, row: "FSV-03")
        guard a.status == .scheduled else {
            throw .invalidState(
                "FSV-03.scheduled",
                "appointment \(appointmentId) is \(a.status.rawValue); only scheduled appointments are dispatched",
                ["appointmentId": appointmentId.description, "status": a.status.rawValue]
            )
        }
        d.emit(TechnicianDispatched(appointmentId: appointmentId), to: stream)
    }
}

/// FSV-04: the technician starts work on a dispatched appointment at `at` (not in the future).
public struct StartServiceAppointment: Command {
    public let appointmentId: ID
    public let at: Timestamp

    public init(appointmentId: ID, at: Timestamp) {
        self.appointmentId = appointmentId
        self.at = at
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let (a, stream) = try d.authorizedAppointment(appointmentId, .edit, row: "FSV-04")
        guard a.status == .dispatched else {
            throw .invalidState(
                "FSV-04.dispatched",
                "appointment \(appointmentId) is \(a.status.rawValue); dispatch it before starting",
                ["appointmentId": appointmentId.description, "status": a.status.rawValue]
            )
        }
        try Rejection.notInFuture(at, now: d.now, "FSV-04.at", field: "at")
        d.emit(ServiceAppointmentStarted(appointmentId: appointmentId, at: at), to: stream)
    }
}

/// FSV-05: the technician completes a started appointment at `at` (not before the start, not in the future).
public struct CompleteServiceAppointment: Command {
    public let appointmentId: ID
    public let at: Timestamp
    public let notes: String
    public let signatureRef: String?

    public init(appointmentId: ID, at: Timestamp, notes: String, signatureRef: String? = nil) {
        self.appointmentId = appointmentId
        self.at = at
        self.notes = notes
        self.signatureRef = signatureRef
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let (a, stream) = try d.authorizedAppointment(appointmentId, .edit, row: "FSV-05")
        guard a.status == .inProgress else {
            throw .invalidState(
                "FSV-05.started",
                "appointment \(appointmentId) is \(a.status.rawValue); only started appointments are completed",
                ["appointmentId": appointmentId.description, "status": a.status.rawValue]
            )
        }
        try Rejection.notInFuture(at, now: d.now, "FSV-05.at", field: "at")
        if let startedAt = a.startedAt, at < startedAt {
            throw .invalidInput("FSV-05.at", field: "at", "\(at) is before the appointment started (\(startedAt))")
        }
        d.emit(
            ServiceAppointmentCompleted(appointmentId: appointmentId, at: at, notes: notes, signatureRef: signatureRef),
            to: stream
        )
    }
}

/// FSV-06: the appointment (scheduled, dispatched or started) cannot be completed.
public struct MarkServiceAppointmentCannotComplete: Command {
    public let appointmentId: ID
    public let reason: String

    public init(appointmentId: ID, reason: String) {
        self.appointmentId = appointmentId
        self.reason = reason
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let (a, stream) = try d.authorizedAppointment(appointmentId, .edit, row: "FSV-06")
        guard a.status.isActive else {
            throw .invalidState(
                "FSV-06.active",
                "appointment \(appointmentId) is \(a.status.rawValue); only scheduled, dispatched or started "
                    + "appointments can be marked cannot-complete",
                ["appointmentId": appointmentId.description, "status": a.status.rawValue]
            )
        }
        try Rejection.require(reason, "FSV-06.reason", field: "reason")
        d.emit(ServiceAppointmentCannotComplete(appointmentId: appointmentId, reason: reason), to: stream)
    }
}

/// FSV-07: cancel an appointment that is not completed (nor already canceled or cannot-complete).
public struct CancelServiceAppointment: Command {
    public let appointmentId: ID
    public let reason: String

    public init(appointmentId: ID, reason: String) {
        self.appointmentId = appointmentId
        self.reason = reason
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let (a, stream) = try d.authorizedAppointment(appointmentId, .edit, row: "FSV-07")
        switch a.status {
        case .completed:
            throw .invalidState(
                "FSV-07.notCompleted",
                "appointment \(appointmentId) is completed; a completed appointment cannot be canceled",
                ["appointmentId": appointmentId.description]
            )
        case .canceled, .cannotComplete:
            throw .invalidState(
                "FSV-07.notFinal",
                "appointment \(appointmentId) is already \(a.status.rawValue)",
                ["appointmentId": appointmentId.description, "status": a.status.rawValue]
            )
        case .scheduled, .dispatched, .inProgress:
            break
        }
        try Rejection.require(reason, "FSV-07.reason", field: "reason")
        d.emit(ServiceAppointmentCanceled(appointmentId: appointmentId, reason: reason), to: stream)
    }
}

/// FSV-12: close an open work order once none of its appointments is still scheduled, dispatched or in progress.
public struct CloseWorkOrder: Command {
    public let workOrderId: ID
    public let outcome: WorkOrderOutcome

    public init(workOrderId: ID, outcome: WorkOrderOutcome) {
        self.workOrderId = workOrderId
        self.outcome = outcome
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let wo = try d.workOrder(workOrderId, rule: "FSV-12.workOrderExists")
        let stream = StreamRef.of(WorkOrder.self, workOrderId)
        try d.authorize(.close, on: .workOrder, record: stream, rule: "FSV-12.perm")
        try wo.requireOpen("FSV-12.open")
        var active: [String] = []
        for child in d.children(of: stream, category: ServiceAppointment.category) {
            if let a = d.load(ServiceAppointment.self, stream: child), a.status.isActive {
                active.append("\(a.appointmentId.map(\.description) ?? child.key) (\(a.status.rawValue))")
            }
        }
        guard active.isEmpty else {
            throw .violated(
                "FSV-12.noActiveAppointment",
                "work order \(workOrderId) still has active appointments: \(active.joined(separator: ", ")); "
                    + "complete, cancel or mark them cannot-complete first",
                ["workOrderId": workOrderId.description, "active": active.joined(separator: ",")]
            )
        }
        d.emit(WorkOrderClosed(outcome: outcome), to: stream)
    }
}
