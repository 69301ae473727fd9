/// Where a work order is. Open covers SF New / In Progress / On Hold (the appointments say which); closing
/// (FSV-12) records the SF terminal status.
public enum WorkOrderStatus: String, Codable, Hashable, Sendable, CaseIterable {
    case open, completed, cannotComplete, canceled
}

/// A field work order, folded from `workOrder-<workOrderId>`: FSV-01, FSV-11, FSV-12.
public struct WorkOrder: Aggregate {
    public static let category = "workOrder"

    public var exists = false
    public var workOrderId: ID?
    public var ticketId: ID?
    public var customerId: ID?
    public var assetId: ID?
    public var address = ""
    public var skills: [String] = []
    public var priority: ServicePriority = .normal
    public var window: ServiceWindow?
    public var status: WorkOrderStatus = .open
    /// Quantity consumed against each part request (FSV-11 with a request id).
    public var consumedByRequest: [ID: Int64] = [:]
    /// Quantity consumed per SKU, with or without a request.
    public var consumedBySku: [String: Int64] = [:]

    public init() {}

    public var isOpen: Bool { exists && status == .open }

    public mutating func apply(_ event: any DomainEvent) {
        switch event {
        case let e as WorkOrderCreated:
            exists = true
            workOrderId = e.workOrderId
            ticketId = e.ticketId
            customerId = e.customerId
            assetId = e.assetId
            address = e.address
            skills = e.skills
            priority = e.priority
            window = e.window
            status = .open
        case let e as PartConsumed:
            consumedBySku[e.sku, default: 0] += e.qty
            if let r = e.requestId { consumedByRequest[r, default: 0] += e.qty }
        case let e as WorkOrderClosed:
            switch e.outcome {
            case .completed: status = .completed
            case .cannotComplete: status = .cannotComplete
            case .canceled: status = .canceled
            }
        default:
            break
        }
    }
}

/// Service-appointment statuses [SF-fsl]: Scheduled, Dispatched, In Progress, Completed, Cannot Complete,
/// Canceled (SF "None" is an appointment not yet scheduled; ours exist from scheduling on).
public enum ServiceAppointmentStatus: String, Codable, Hashable, Sendable, CaseIterable {
    case scheduled, dispatched, inProgress, completed, cannotComplete, canceled

    /// Scheduled, dispatched or in progress: the appointment holds the technician's time and keeps its work order
    /// from closing.
    public var isActive: Bool { self == .scheduled || self == .dispatched || self == .inProgress }
}

/// A service appointment, folded from `serviceAppointment-<appointmentId>`: FSV-02..FSV-07.
public struct ServiceAppointment: Aggregate {
    public static let category = "serviceAppointment"

    public var exists = false
    public var appointmentId: ID?
    public var workOrderId: ID?
    public var technicianId: ID?
    public var start: Timestamp?
    public var end: Timestamp?
    public var status: ServiceAppointmentStatus = .scheduled
    public var startedAt: Timestamp?
    public var completedAt: Timestamp?

    public init() {}

    /// True when this appointment and `start ..< end` share time.
    public func overlaps(start s: Timestamp, end e: Timestamp) -> Bool {
        guard let start, let end else { return false }
        return start < e && s < end
    }

    public mutating func apply(_ event: any DomainEvent) {
        switch event {
        case let e as ServiceAppointmentScheduled:
            exists = true
            appointmentId = e.appointmentId
            workOrderId = e.workOrderId
            technicianId = e.technicianId
            start = e.start
            end = e.end
            status = .scheduled
        case is TechnicianDispatched:
            status = .dispatched
        case let e as ServiceAppointmentStarted:
            status = .inProgress
            startedAt = e.at
        case let e as ServiceAppointmentCompleted:
            status = .completed
            completedAt = e.at
        case is ServiceAppointmentCannotComplete:
            status = .cannotComplete
        case is ServiceAppointmentCanceled:
            status = .canceled
        default:
            break
        }
    }
}

/// Where a part replacement request is: waiting for its approval, approved, rejected, or not needing one.
public enum PartRequestStatus: String, Codable, Hashable, Sendable, CaseIterable {
    case pendingApproval, approved, rejected, noApprovalNeeded

    /// Parts may be consumed against the request.
    public var allowsConsumption: Bool { self == .approved || self == .noApprovalNeeded }
}

/// A spare-part replacement request, folded from `partRequest-<requestId>`: FSV-08..FSV-10.
public struct PartRequest: Aggregate {
    public static let category = "partRequest"

    public var exists = false
    public var requestId: ID?
    public var workOrderId: ID?
    public var sku = ""
    public var qty: Int64 = 0
    public var oldSerial: String?
    public var reason = ""
    public var underWarranty = false
    public var approvalId: ID?
    public var status: PartRequestStatus = .noApprovalNeeded
    public var rejectionReason: String?

    public init() {}

    /// The quantity approved for consumption (the requested quantity once approved or when no approval is needed).
    public var approvedQty: Int64 { status.allowsConsumption ? qty : 0 }

    public mutating func apply(_ event: any DomainEvent) {
        switch event {
        case let e as PartReplacementRequested:
            exists = true
            requestId = e.requestId
            workOrderId = e.workOrderId
            sku = e.sku
            qty = e.qty
            oldSerial = e.oldSerial
            reason = e.reason
            underWarranty = e.underWarranty
            approvalId = e.approvalId
            status = e.approvalId == nil ? .noApprovalNeeded : .pendingApproval
        case is PartReplacementApproved:
            status = .approved
        case let e as PartReplacementRejected:
            status = .rejected
            rejectionReason = e.reason
        default:
            break
        }
    }
}
