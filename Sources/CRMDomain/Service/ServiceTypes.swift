// Closed value sets shared by tickets, SLA policies, escalation rules and field service (catalogue §2.10).

/// Where a ticket came in (SVC-01).
public enum TicketChannel: String, Codable, Hashable, Sendable, CaseIterable {
    case phone, email, web, chat, wechat, app, walkIn
}

/// What a ticket is about (SVC-01): feedback, complaint, request or question.
public enum TicketType: String, Codable, Hashable, Sendable, CaseIterable {
    case feedback, complaint, request, question
}

/// Urgency of a ticket (SVC-01), a work order (FSV-01) and the priority criterion of SLA policies (SVC-09) and
/// escalation rules (SVC-13).
public enum ServicePriority: String, Codable, Hashable, Sendable, CaseIterable {
    case low, normal, high, urgent
}

/// Lifecycle of a ticket: open → resolved (SVC-05) → closed (SVC-06); reopened (SVC-07) back to open.
public enum TicketStatus: String, Codable, Hashable, Sendable, CaseIterable {
    case open, resolved, closed
}

/// Why a ticket was assigned (SVC-02).
public enum TicketAssignmentCause: String, Codable, Hashable, Sendable, CaseIterable {
    case manual, rule, escalation
}

/// Who closed a ticket (SVC-06).
public enum TicketClosedBy: String, Codable, Hashable, Sendable, CaseIterable {
    case agent, customer, auto
}

/// Why a ticket was escalated (SVC-04): SLA at risk, SLA breached, an escalation rule, or by hand.
public struct TicketEscalationCause: Codable, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: String, Codable, Hashable, Sendable, CaseIterable { case slaRisk, slaBreach, rule, manual }
    public let kind: Kind
    /// Set for `rule` only.
    public let ruleId: ID?

    public init(kind: Kind, ruleId: ID? = nil) {
        self.kind = kind
        self.ruleId = ruleId
    }

    public static let slaRisk = TicketEscalationCause(kind: .slaRisk)
    public static let slaBreach = TicketEscalationCause(kind: .slaBreach)
    public static let manual = TicketEscalationCause(kind: .manual)
    public static func rule(_ ruleId: ID) -> TicketEscalationCause {
        TicketEscalationCause(kind: .rule, ruleId: ruleId)
    }

    public var description: String { kind == .rule ? "rule \(ruleId.map(\.description) ?? "?")" : kind.rawValue }
}

/// The state of one SLA on a ticket: running, frozen in an excluded stage, reached in time, or failed.
public enum SlaStatus: String, Codable, Hashable, Sendable, CaseIterable {
    case ongoing, paused, met, breached

    /// Met and breached are final: nothing changes them afterwards [OD-sla].
    public var isFinal: Bool { self == .met || self == .breached }
}

extension String {
    /// Trimmed and lower-cased: how skills and SKUs are compared.
    var serviceNormalized: String { trimmingWhitespace().lowercased() }
}
