/// A pure, in-memory event store for the domain: streams of typed events, the lookup index and the
/// organisation. It runs commands and process managers exactly as the engine does, without a log.
///
/// Used by given/when/then tests, by the history generator and by the engine as its decision cache.
///
/// ```swift
/// var store = InMemoryDomainStore()
/// store.given([DepartmentDefined(...)], on: StreamRef("department", "1"))
/// let events = try store.execute(OnboardUser(...), as: .system(job: "setup"), at: now)
/// ```
public struct InMemoryDomainStore: DecisionContext, Sendable {
    public struct Recorded: Sendable {
        public let stream: StreamRef
        public let event: any DomainEvent
        public let eventId: ID
        public let causationId: ID?
        public let correlationId: ID?
        public let recordedAt: Timestamp
        public let actor: ActorRef
    }

    public private(set) var streams: [StreamRef: [any DomainEvent]] = [:]
    public private(set) var log: [Recorded] = []
    public private(set) var organisation = Organisation()
    private var unique: [UniqueKey: StreamRef] = [:]
    private var links: [StreamRef: [String: Set<StreamRef>]] = [:]
    public var ids: IDGenerator
    public var processManagers: [any ProcessManager]

    public init(ids: IDGenerator = .incrementing(from: 1_000_000), processManagers: [any ProcessManager] = []) {
        self.ids = ids
        self.processManagers = processManagers
    }

    // MARK: DecisionContext

    public func events(of stream: StreamRef) -> (events: [any DomainEvent], version: Int64?) {
        let e = streams[stream] ?? []
        return (e, e.isEmpty ? nil : Int64(e.count - 1))
    }

    public func lookup(_ key: UniqueKey) -> StreamRef? { unique[key] }

    public func children(of parent: StreamRef, category: String) -> [StreamRef] {
        (links[parent]?[category] ?? []).sorted()
    }

    // MARK: Writing

    /// Appends events without checks (the "given" of a test, or a replay).
    public mutating func given(
        _ events: [any DomainEvent],
        on stream: StreamRef,
        at time: Timestamp = .init(millisecondsSinceEpoch: 0)
    ) {
        for e in events {
            record(
                PendingEvent(stream: stream, event: e),
                causation: nil,
                correlation: nil,
                at: time,
                actor: .system(job: "given")
            )
        }
    }

    /// Folds one event into streams, index and organisation.
    public mutating func record(
        _ p: PendingEvent,
        causation: ID?,
        correlation: ID?,
        at time: Timestamp,
        actor: ActorRef
    ) {
        let eventId = ids.next()
        streams[p.stream, default: []].append(p.event)
        log.append(
            Recorded(
                stream: p.stream,
                event: p.event,
                eventId: eventId,
                causationId: causation,
                correlationId: correlation ?? eventId,
                recordedAt: time,
                actor: actor
            )
        )
        for entry in p.event.indexEntries(in: p.stream) {
            switch entry {
            case .claim(let k, let owner): unique[k] = owner
            case .release(let k): unique[k] = nil
            case .link(let parent, let child): links[parent, default: [:]][child.category, default: []].insert(child)
            case .unlink(let parent, let child): links[parent]?[child.category]?.remove(child)
            }
        }
        if p.stream.category.isOrganisationCategory { organisation.apply(p.event) }
    }

    /// Decides `command` against the current state; on success appends its events and then runs the process
    /// managers (as system actors, breadth first) on every new event. Returns the events appended by the
    /// command itself and by the reactions, in order.
    @discardableResult
    public mutating func execute(
        _ command: some Command,
        as actor: ActorRef,
        at now: Timestamp,
        causation: ID? = nil,
        correlation: ID? = nil
    ) throws(Rejection) -> [Recorded] {
        var decision = Decision(actor: actor, now: now, context: self, ids: ids)
        try command.decide(&decision)
        ids = decision.idsAfter
        let start = log.count
        for p in decision.pending { record(p, causation: causation, correlation: correlation, at: now, actor: actor) }
        var queue = Array(log[start...])
        var index = 0
        while index < queue.count {
            let r = queue[index]
            index += 1
            let recorded = RecordedDomainEvent(
                stream: r.stream,
                event: r.event,
                eventId: r.eventId,
                correlationId: r.correlationId,
                recordedAt: r.recordedAt,
                actor: r.actor
            )
            for pm in processManagers {
                for cmd in pm.react(to: recorded, context: self) {
                    var d = Decision(actor: .system(job: pm.name), now: now, context: self, ids: ids)
                    try cmd.decide(&d)
                    ids = d.idsAfter
                    let s = log.count
                    for p in d.pending {
                        record(
                            p,
                            causation: r.eventId,
                            correlation: r.correlationId,
                            at: now,
                            actor: .system(job: pm.name)
                        )
                    }
                    queue.append(contentsOf: log[s...])
                }
            }
        }
        return Array(log[start...])
    }

    /// Folds the stream of aggregate `A` with `id`; `nil` when it has no event.
    public func state<A: Aggregate>(_ type: A.Type, _ id: ID) -> A? {
        guard let e = streams[.of(type, id)], !e.isEmpty else { return nil }
        return A.fold(e)
    }
}

extension Decision {
    /// The id generator after this decision's `newID()` calls, so the caller can continue the sequence.
    public var idsAfter: IDGenerator { nextIDsSnapshot }
}
