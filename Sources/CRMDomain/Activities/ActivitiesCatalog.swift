/// The event types of the activity area (catalogue §2.3, ACT-01..ACT-06). It has no process manager: follow-ups
/// reach the customer's reclaim clock through ``CustomerFollowUpFact`` and the activity index links.
public enum ActivitiesCatalog {
    public static let eventTypes: [any DomainEvent.Type] = [
        FollowUpRecorded.self,
        TaskScheduled.self,
        TaskCompleted.self,
        NoteAdded.self,
        RecordTagged.self,
        RecordUntagged.self,
    ]

    public static let processManagers: [any ProcessManager] = []
}
