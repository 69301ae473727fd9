public import CRMDomain
public import CRMEventLog
public import Logging

/// How an ``Engine`` runs: its clock and id source (injected, so histories are reproducible), tenant, event
/// catalogue, process managers and retry policy.
public struct EngineConfiguration: Sendable {
    /// `recordedAt` of every event, and ``Decision/now`` of every command.
    public var clock: LogClock
    /// Event ids (the log's idempotency keys) and ids that decisions ask for with ``Decision/newID()``.
    public var ids: IDGenerator
    /// Written into every event's envelope.
    public var tenant: String
    public var registry: EventRegistry
    /// Sagas run after each accepted command, on the events it appended.
    public var processManagers: [any ProcessManager]
    /// Times a command is decided again after a concurrency conflict before the conflict is returned.
    public var maxConflictRetries: Int
    public var logger: Logger

    public init(
        clock: LogClock = .system,
        ids: IDGenerator = .random,
        tenant: String = "default",
        registry: EventRegistry = EventCatalog.registry,
        processManagers: [any ProcessManager] = EventCatalog.processManagers,
        maxConflictRetries: Int = 5,
        logger: Logger = Logger(label: "crm.engine")
    ) {
        self.clock = clock
        self.ids = ids
        self.tenant = tenant
        self.registry = registry
        self.processManagers = processManagers
        self.maxConflictRetries = maxConflictRetries
        self.logger = logger
    }
}

extension IDGenerator {
    /// Random version-4 UUIDs, for production engines. Tests and generators use ``incrementing(from:)``.
    public static var random: IDGenerator { .custom { _ in ID(uuid: UUIDSource.next()) } }
}
