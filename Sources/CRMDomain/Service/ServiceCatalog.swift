/// The event types and process managers of the service area (catalogue §2.10: tickets, SLA, escalation,
/// knowledge base, care reminders, field service), including the extension events SVC-X1..X3 and FSV-X1..X2.
public enum ServiceCatalog {
    public static let eventTypes: [any DomainEvent.Type] = [
        // Configuration (extensions).
        ServiceTeamDefined.self,
        WorkingCalendarDefined.self,
        // Tickets.
        TicketOpened.self,
        TicketAssigned.self,
        TicketStageChanged.self,
        TicketEscalated.self,
        TicketResolved.self,
        TicketClosed.self,
        TicketReopened.self,
        TicketRated.self,
        // SLA.
        SlaPolicyDefined.self,
        SlaApplied.self,
        SlaMet.self,
        SlaBreached.self,
        SlaPaused.self,
        EscalationRuleDefined.self,
        // Knowledge base.
        KnowledgeArticleDrafted.self,
        KnowledgeArticlePublished.self,
        KnowledgeArticleArchived.self,
        // Care reminders.
        CareReminderRuleDefined.self,
        ReminderDue.self,
        ReminderCompleted.self,
        // Field service.
        TechnicianProfileDefined.self,
        SparePartDefined.self,
        WorkOrderCreated.self,
        ServiceAppointmentScheduled.self,
        TechnicianDispatched.self,
        ServiceAppointmentStarted.self,
        ServiceAppointmentCompleted.self,
        ServiceAppointmentCannotComplete.self,
        ServiceAppointmentCanceled.self,
        PartReplacementRequested.self,
        PartReplacementApproved.self,
        PartReplacementRejected.self,
        PartConsumed.self,
        WorkOrderClosed.self,
    ]

    public static let processManagers: [any ProcessManager] = [PartReplacementApprovalProcess()]
}
