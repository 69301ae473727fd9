// Field-service events of catalogue §2.10 (FSV-01..FSV-12) [SF-fsl]. Streams: `workOrder-<workOrderId>` (FSV-01,
// FSV-11, FSV-12), `serviceAppointment-<appointmentId>` (FSV-02..FSV-07), `partRequest-<requestId>`
// (FSV-08..FSV-10).
//
// Index:
// - `WorkOrderCreated` links `customer-<customerId>` → the work order, and `ticket-<ticketId>` → it when it
//   comes from a ticket;
// - `ServiceAppointmentScheduled` links `workOrder-<id>` → the appointment (FSV-12 lists them) and
//   `technicianDay-<technicianId>:<YYYY-MM-DD>` → the appointment for every UTC day it touches (FSV-02 finds the
//   technician's other appointments there);
// - `PartReplacementRequested` links `workOrder-<id>` → the request.

/// The time window a work order must be carried out in: `from ..< to`.
public struct ServiceWindow: Codable, Hashable, Sendable, CustomStringConvertible {
    public let from: Timestamp
    public let to: Timestamp

    public init(from: Timestamp, to: Timestamp) {
        self.from = from
        self.to = to
    }

    /// True when `start ..< end` lies inside the window.
    public func contains(start: Timestamp, end: Timestamp) -> Bool { from <= start && end <= to }

    public var description: String { "\(from) – \(to)" }
}

/// How a work order ended (FSV-12), SF work-order statuses Completed, Cannot Complete, Canceled.
public enum WorkOrderOutcome: String, Codable, Hashable, Sendable, CaseIterable {
    case completed, cannotComplete, canceled
}

/// FSV-01. A field work order was created for a live customer (optionally from a ticket).
public struct WorkOrderCreated: DomainEvent {
    public static let eventType = "WorkOrderCreated"
    public let workOrderId: ID
    public let ticketId: ID?
    public let customerId: ID
    public let assetId: ID?
    public let address: String
    /// Required skills, trimmed and lower-cased.
    public let skills: [String]
    public let priority: ServicePriority
    public let window: ServiceWindow

    public init(
        workOrderId: ID,
        ticketId: ID?,
        customerId: ID,
        assetId: ID?,
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

    public func indexEntries(in stream: StreamRef) -> [IndexEntry] {
        var entries: [IndexEntry] = [.link(parent: StreamRef("customer", customerId.description), child: stream)]
        if let ticketId { entries.append(.link(parent: .of(Ticket.self, ticketId), child: stream)) }
        return entries
    }
}

/// FSV-02. An appointment of the work order was scheduled with a technician [SF-fsl "Scheduled"].
public struct ServiceAppointmentScheduled: DomainEvent {
    public static let eventType = "ServiceAppointmentScheduled"
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

    /// The pseudo-stream of a technician's appointments on one UTC day.
    public static func technicianDay(_ technicianId: ID, _ date: LocalDate) -> StreamRef {
        StreamRef("technicianDay", "\(technicianId):\(date)")
    }

    /// The UTC days `start ..< end` touches.
    public static func days(start: Timestamp, end: Timestamp) -> [LocalDate] {
        let last = Timestamp(millisecondsSinceEpoch: max(start.millisecondsSinceEpoch, end.millisecondsSinceEpoch - 1))
            .date
        var days: [LocalDate] = []
        var day = start.date
        while day <= last {
            days.append(day)
            day = day.adding(days: 1)
        }
        return days
    }

    public func indexEntries(in stream: StreamRef) -> [IndexEntry] {
        [.link(parent: .of(WorkOrder.self, workOrderId), child: stream)]
            + Self.days(start: start, end: end).map {
                .link(parent: Self.technicianDay(technicianId, $0), child: stream)
            }
    }
}

/// FSV-03. The technician was notified [SF-fsl "Dispatched"].
public struct TechnicianDispatched: DomainEvent {
    public static let eventType = "TechnicianDispatched"
    public let appointmentId: ID

    public init(appointmentId: ID) { self.appointmentId = appointmentId }
}

/// FSV-04. Work on site started [SF-fsl "In Progress"].
public struct ServiceAppointmentStarted: DomainEvent {
    public static let eventType = "ServiceAppointmentStarted"
    public let appointmentId: ID
    public let at: Timestamp

    public init(appointmentId: ID, at: Timestamp) {
        self.appointmentId = appointmentId
        self.at = at
    }
}

/// FSV-05. The appointment was completed.
public struct ServiceAppointmentCompleted: DomainEvent {
    public static let eventType = "ServiceAppointmentCompleted"
    public let appointmentId: ID
    public let at: Timestamp
    public let notes: String
    public let signatureRef: String?

    public init(appointmentId: ID, at: Timestamp, notes: String, signatureRef: String?) {
        self.appointmentId = appointmentId
        self.at = at
        self.notes = notes
        self.signatureRef = signatureRef
    }
}

/// FSV-06. The appointment could not be completed.
public struct ServiceAppointmentCannotComplete: DomainEvent {
    public static let eventType = "ServiceAppointmentCannotComplete"
    public let appointmentId: ID
    public let reason: String

    public init(appointmentId: ID, reason: String) {
        self.appointmentId = appointmentId
        self.reason = reason
    }
}

/// FSV-07. The appointment was canceled.
public struct ServiceAppointmentCanceled: DomainEvent {
    public static let eventType = "ServiceAppointmentCanceled"
    public let appointmentId: ID
    public let reason: String

    public init(appointmentId: ID, reason: String) {
        self.appointmentId = appointmentId
        self.reason = reason
    }
}

/// FSV-08. A spare-part replacement was requested for a work order; `approvalId` is set when the part needs an
/// approval (then an `ApprovalSubmitted` for target partReplacement/requestId is recorded with it).
public struct PartReplacementRequested: DomainEvent {
    public static let eventType = "PartReplacementRequested"
    public let requestId: ID
    public let workOrderId: ID
    /// Trimmed and lower-cased.
    public let sku: String
    public let qty: Int64
    public let oldSerial: String?
    public let reason: String
    public let underWarranty: Bool
    public let approvalId: ID?

    public init(
        requestId: ID,
        workOrderId: ID,
        sku: String,
        qty: Int64,
        oldSerial: String?,
        reason: String,
        underWarranty: Bool,
        approvalId: ID?
    ) {
        self.requestId = requestId
        self.workOrderId = workOrderId
        self.sku = sku
        self.qty = qty
        self.oldSerial = oldSerial
        self.reason = reason
        self.underWarranty = underWarranty
        self.approvalId = approvalId
    }

    public func indexEntries(in stream: StreamRef) -> [IndexEntry] {
        [.link(parent: .of(WorkOrder.self, workOrderId), child: stream)]
    }
}

/// FSV-09. The request's approval completed (APR-07).
public struct PartReplacementApproved: DomainEvent {
    public static let eventType = "PartReplacementApproved"
    public let requestId: ID
    public let approvalId: ID

    public init(requestId: ID, approvalId: ID) {
        self.requestId = requestId
        self.approvalId = approvalId
    }
}

/// FSV-10. The request's approval was rejected (APR-05).
public struct PartReplacementRejected: DomainEvent {
    public static let eventType = "PartReplacementRejected"
    public let requestId: ID
    public let approvalId: ID
    public let reason: String

    public init(requestId: ID, approvalId: ID, reason: String) {
        self.requestId = requestId
        self.approvalId = approvalId
        self.reason = reason
    }
}

/// FSV-11. Parts were used on the work order [SF-fsl ProductConsumed].
public struct PartConsumed: DomainEvent {
    public static let eventType = "PartConsumed"
    public let workOrderId: ID
    /// Trimmed and lower-cased.
    public let sku: String
    public let qty: Int64
    public let newSerial: String?
    public let requestId: ID?

    public init(workOrderId: ID, sku: String, qty: Int64, newSerial: String?, requestId: ID?) {
        self.workOrderId = workOrderId
        self.sku = sku
        self.qty = qty
        self.newSerial = newSerial
        self.requestId = requestId
    }
}

/// FSV-12. The work order was closed.
public struct WorkOrderClosed: DomainEvent {
    public static let eventType = "WorkOrderClosed"
    public let outcome: WorkOrderOutcome

    public init(outcome: WorkOrderOutcome) { self.outcome = outcome }
}
