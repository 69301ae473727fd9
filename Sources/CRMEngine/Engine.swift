public import CRMDomain
public import CRMEventLog
public import CRMStorageLMDB
import Foundation
import Logging
import Synchronization

/// The façade a service embeds: open a log, handle commands, read typed history.
///
/// ```swift
/// let engine = try await Engine.open(directory: "/var/lib/crm")
/// let result = try await engine.handle(ClaimCustomerFromPool(...), as: .user(repId))
/// print(result.events.map(\.eventType))
/// await engine.close()
/// ```
///
/// Commands are decided and appended one at a time per engine (an actor): a decision reads the current state of
/// every stream it touches, and the append carries each of those streams' versions as expectations, so a
/// concurrent writer elsewhere makes the command retry rather than act on stale state. The unique-key and
/// relation index and the organisation are kept in memory, folded from the whole log at open (see
/// docs/adr/0003).
public actor Engine {
    public nonisolated let log: any EventLog
    public nonisolated let configuration: EngineConfiguration
    private var index = DomainIndex()
    private var ids: IDGenerator
    private let source: any EventPageSource
    private let ownsLog: Bool

    /// An appended event, decoded.
    public struct AppendedEvent: Sendable {
        public let position: UInt64
        public let stream: StreamRef
        public let eventId: ID
        public let event: any DomainEvent
        public var eventType: String { event.eventType }
    }

    /// What a command produced: its own events and those of the process-manager reactions, in append order.
    public struct CommandResult: Sendable {
        public var events: [AppendedEvent]
        /// Reactions that were refused (each names the process manager, the trigger and the rejection).
        public var reactionFailures: [ReactionFailure]
        /// Times the command was decided again after a concurrency conflict.
        public var retries: Int
    }

    public struct ReactionFailure: Sendable, CustomStringConvertible {
        public let processManager: String
        public let triggerPosition: UInt64
        public let command: String
        public let error: EngineError
        public var description: String {
            "\(processManager) reacting to position \(triggerPosition) with \(command): \(error)"
        }
    }

    /// Opens (creating if needed) an engine on an LMDB log in `directory`.
    public static func open(
        directory: String,
        storage: LMDBConfiguration = LMDBConfiguration(),
        configuration: EngineConfiguration = EngineConfiguration()
    ) async throws(EngineError) -> Engine {
        let log: LMDBEventLog
        do throws(EventLogError) {
            log = try LMDBEventLog.open(
                directory: directory,
                configuration: storage,
                clock: configuration.clock,
                logger: configuration.logger
            )
        } catch { throw .log(error) }
        return try await Engine(log: log, configuration: configuration, ownsLog: true)
    }

    /// An engine over any log (``InMemoryEventLog`` in tests). Folds the log into the index first.
    public init(log: any EventLog, configuration: EngineConfiguration, ownsLog: Bool = false) async throws(EngineError)
    {
        guard let source = log as? any EventPageSource else {
            throw .log(
                EventLogError(
                    code: .invalidArgument,
                    message:
                        "the engine needs one of the built-in logs (InMemoryEventLog, LMDBEventLog): they serve its synchronous reads"
                )
            )
        }
        self.log = log
        self.source = source
        self.configuration = configuration
        self.ids = configuration.ids
        self.ownsLog = ownsLog
        var index = DomainIndex()
        var from: UInt64? = 1
        while let f = from {
            let page: EventPage
            do throws(EventLogError) { page = try source.page(.all(), from: f, max: 4096) } catch { throw .log(error) }
            for e in page.events {
                guard let stream = StreamRef(name: e.stream) else { continue }
                let event: any DomainEvent
                do throws(CodecError) {
                    event = try configuration.registry.decode(
                        type: e.type,
                        schemaVersion: Int(e.schemaVersion),
                        binary: e.data
                    )
                } catch { throw .codec(error) }
                index.apply(event, in: stream)
            }
            from = page.exhausted ? nil : page.next
        }
        self.index = index
    }

    /// Decides `command` as `actor`, appends its events atomically, then runs the process managers on them.
    ///
    /// - Throws: ``EngineError/rejected(_:)`` when a rule is broken (nothing appended), ``EngineError/log(_:)``,
    ///   ``EngineError/codec(_:)`` or ``EngineError/conflict(_:attempts:)``.
    @discardableResult
    public func handle(
        _ command: some Command,
        as actor: ActorRef,
        correlationId: ID? = nil
    ) async throws(EngineError) -> CommandResult {
        var (events, retries) = try await execute(command, as: actor, causation: nil, correlation: correlationId)
        var failures: [ReactionFailure] = []
        var queue = events
        var i = 0
        while i < queue.count {
            let trigger = queue[i]
            i += 1
            let recorded = RecordedDomainEvent(
                stream: trigger.stream,
                event: trigger.event,
                eventId: trigger.eventId,
                correlationId: correlationId ?? events.first?.eventId,
                recordedAt: Timestamp(millisecondsSinceEpoch: configuration.clock.now()),
                actor: actor
            )
            let view = contextView()
            for pm in configuration.processManagers {
                for reaction in pm.react(to: recorded, context: view) {
                    do throws(EngineError) {
                        let (more, r) = try await execute(
                            reaction,
                            as: .system(job: pm.name),
                            causation: trigger.eventId,
                            correlation: recorded.correlationId
                        )
                        retries += r
                        events.append(contentsOf: more)
                        queue.append(contentsOf: more)
                    } catch {
                        let failure = ReactionFailure(
                            processManager: pm.name,
                            triggerPosition: trigger.position,
                            command: String(describing: type(of: reaction)),
                            error: error
                        )
                        configuration.logger.warning(
                            "process manager reaction failed",
                            metadata: ["failure": "\(failure)"]
                        )
                        failures.append(failure)
                    }
                }
            }
        }
        return CommandResult(events: events, reactionFailures: failures, retries: retries)
    }

    private func execute(
        _ command: any Command,
        as actor: ActorRef,
        causation: ID?,
        correlation: ID?
    ) async throws(EngineError) -> ([AppendedEvent], Int) {
        var attempt = 0
        while true {
            let context = LogContext(source: source, registry: configuration.registry, index: index)
            let now = Timestamp(millisecondsSinceEpoch: configuration.clock.now())
            var decision = Decision(actor: actor, now: now, context: context, ids: ids)
            do throws(Rejection) {
                try command.decide(&decision)
            } catch {
                if let failure = context.failure { throw failure }
                throw .rejected(error)
            }
            if let failure = context.failure { throw failure }
            let pendingIDs = decision.idsAfter
            var eventIDs = pendingIDs
            // Group pending events by stream, keeping the order of first appearance.
            var order: [StreamRef] = []
            var byStream: [StreamRef: [PendingEvent]] = [:]
            for p in decision.pending {
                if byStream[p.stream] == nil { order.append(p.stream) }
                byStream[p.stream, default: []].append(p)
            }
            if order.isEmpty { return ([], attempt) }
            var batch: [StreamAppend] = []
            var newEventIDs: [StreamRef: [ID]] = [:]
            let correlationUUID = correlation?.uuid
            for stream in order {
                let expected = Self.expectation(decision.reads[stream])
                var events: [NewEvent] = []
                for p in byStream[stream]! {
                    let id = eventIDs.next()
                    newEventIDs[stream, default: []].append(id)
                    let data: [UInt8]
                    do throws(CodecError) { data = try configuration.registry.encodeBinary(p.event) } catch {
                        throw .codec(error)
                    }
                    events.append(
                        NewEvent(
                            id: id.uuid,
                            type: p.event.eventType,
                            schemaVersion: UInt16(type(of: p.event).schemaVersion),
                            data: data,
                            metadata: EventMetadata(
                                actor: Self.actorString(actor),
                                tenant: configuration.tenant,
                                correlationId: correlationUUID ?? newEventIDs[order[0]]?.first?.uuid,
                                causationId: causation?.uuid
                            )
                        )
                    )
                }
                batch.append(StreamAppend(stream: stream.name, expected: expected, events: events))
            }
            for (stream, version) in decision.reads where byStream[stream] == nil {
                batch.append(StreamAppend(stream: stream.name, expected: Self.expectation(version), events: []))
            }
            do throws(EventLogError) {
                let results = try await log.append(batch)
                ids = eventIDs
                var appended: [AppendedEvent] = []
                for (entry, result) in zip(batch, results) where !entry.events.isEmpty {
                    let stream = StreamRef(name: entry.stream)!
                    let pending = byStream[stream]!
                    let idsOfStream = newEventIDs[stream]!
                    for (k, position) in result.positions.enumerated() {
                        appended.append(
                            AppendedEvent(
                                position: position,
                                stream: stream,
                                eventId: idsOfStream[k],
                                event: pending[k].event
                            )
                        )
                        index.apply(pending[k].event, in: stream)
                    }
                }
                appended.sort { $0.position < $1.position }
                return (appended, attempt)
            } catch  where error.code == .wrongExpectedVersion {
                attempt += 1
                if attempt > configuration.maxConflictRetries { throw .conflict(error, attempts: attempt) }
                configuration.logger.debug("concurrency conflict; deciding again", metadata: ["error": "\(error)"])
                continue
            } catch {
                throw .log(error)
            }
        }
    }

    private static func expectation(_ read: Int64??) -> ExpectedVersion {
        switch read {
        case .none: return .any
        case .some(.none): return .noStream
        case .some(.some(let v)): return .exactly(UInt64(v))
        }
    }

    static func actorString(_ actor: ActorRef) -> String {
        switch actor.kind {
        case .user: return "user:\(actor.userId?.description ?? "")"
        case .integration: return "integration:\(actor.userId?.description ?? "")"
        case .system: return "system:\(actor.jobId ?? "")"
        }
    }

    private func contextView() -> LogContext {
        LogContext(source: source, registry: configuration.registry, index: index)
    }

    // MARK: Reading

    /// The typed events of `stream`, upcast to their current versions.
    public func events(of stream: StreamRef) throws(EngineError) -> [any DomainEvent] {
        let context = contextView()
        let events = context.events(of: stream).events
        if let failure = context.failure { throw failure }
        return events
    }

    /// The state of aggregate `A` with `id`, folded from its stream; `nil` when it has no event.
    public func state<A: Aggregate>(_ type: A.Type, _ id: ID) throws(EngineError) -> A? {
        let events = try events(of: .of(type, id))
        return events.isEmpty ? nil : A.fold(events)
    }

    /// Streams of `category` linked to `parent` (a customer's opportunities and contracts, an owner's records).
    public func children(of parent: StreamRef, category: String) -> [StreamRef] {
        (index.links[parent]?[category] ?? []).sorted()
    }

    /// Every stored event from `position` on, decoded, with its envelope (for replays and read models).
    public nonisolated func replay(from position: UInt64 = 1) -> AsyncThrowingStream<RecordedDomainEvent, any Error> {
        let log = self.log
        let registry = configuration.registry
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    for try await e in log.read(.all(from: position)) {
                        guard let stream = StreamRef(name: e.stream) else { continue }
                        let event = try registry.decode(
                            type: e.type,
                            schemaVersion: Int(e.schemaVersion),
                            binary: e.data
                        )
                        continuation.yield(
                            RecordedDomainEvent(
                                stream: stream,
                                event: event,
                                eventId: ID(uuid: e.id),
                                correlationId: e.correlationId.map { ID(uuid: $0) },
                                recordedAt: Timestamp(millisecondsSinceEpoch: e.recordedAt),
                                actor: Self.actorRef(e.actor)
                            )
                        )
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// Parses the envelope's actor string (`user:<id>`, `system:<job>`, `integration:<id>`).
    static func actorRef(_ s: String) -> ActorRef {
        let parts = s.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return .system(job: s) }
        switch parts[0] {
        case "user": return ID(parts[1]).map { .user($0) } ?? .system(job: s)
        case "integration": return ActorRef(kind: .integration, userId: ID(parts[1]))
        default: return .system(job: parts[1])
        }
    }

    /// Users, departments, roles and shares as of now.
    public var organisation: Organisation { index.organisation }

    /// Decodes a stored event.
    public nonisolated func decode(_ e: RecordedEvent) throws(EngineError) -> any DomainEvent {
        do throws(CodecError) {
            return try configuration.registry.decode(type: e.type, schemaVersion: Int(e.schemaVersion), binary: e.data)
        } catch { throw .codec(error) }
    }

    /// Closes the log if the engine opened it.
    public func close() async {
        if ownsLog { await log.close() }
    }
}

/// The engine's in-memory index: unique keys, parent/child links and the organisation.
struct DomainIndex: Sendable {
    var unique: [UniqueKey: StreamRef] = [:]
    var links: [StreamRef: [String: Set<StreamRef>]] = [:]
    var organisation = Organisation()

    mutating func apply(_ event: any DomainEvent, in stream: StreamRef) {
        for entry in event.indexEntries(in: stream) {
            switch entry {
            case .claim(let k, let owner): unique[k] = owner
            case .release(let k): unique[k] = nil
            case .link(let parent, let child): links[parent, default: [:]][child.category, default: []].insert(child)
            case .unlink(let parent, let child): links[parent]?[child.category]?.remove(child)
            }
        }
        if Organisation.categories.contains(stream.category) { organisation.apply(event) }
    }
}

/// A ``DecisionContext`` over the log: stream reads decode stored events; the index answers lookups. The first
/// infrastructure failure is remembered and surfaced by the engine after `decide` returns.
final class LogContext: DecisionContext, @unchecked Sendable {
    // @unchecked: used by one decision on one task at a time; `failure` is only written by that task.
    let source: any EventPageSource
    let registry: EventRegistry
    let index: DomainIndex
    private(set) var failure: EngineError?

    init(source: any EventPageSource, registry: EventRegistry, index: DomainIndex) {
        self.source = source
        self.registry = registry
        self.index = index
    }

    func events(of stream: StreamRef) -> (events: [any DomainEvent], version: Int64?) {
        var out: [any DomainEvent] = []
        var from: UInt64? = 0
        var last: UInt64?
        do throws(EventLogError) {
            while let f = from {
                let page = try source.page(.stream(stream.name), from: f, max: 1024)
                for e in page.events {
                    do throws(CodecError) {
                        out.append(
                            try registry.decode(type: e.type, schemaVersion: Int(e.schemaVersion), binary: e.data)
                        )
                    } catch {
                        if failure == nil { failure = .codec(error) }
                        return ([], nil)
                    }
                    last = e.streamVersion
                }
                from = page.exhausted ? nil : page.next
            }
        } catch {
            if failure == nil { failure = .log(error) }
            return ([], nil)
        }
        return (out, last.map { Int64($0) })
    }

    func lookup(_ key: UniqueKey) -> StreamRef? { index.unique[key] }

    func children(of parent: StreamRef, category: String) -> [StreamRef] {
        (index.links[parent]?[category] ?? []).sorted()
    }

    var organisation: Organisation { index.organisation }
}
