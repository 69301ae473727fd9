public import CRMDomain
public import CRMEngine

/// An event produced while running a command (its own or a process manager's).
public struct ProducedEvent: Sendable {
    public let stream: StreamRef
    public let event: any DomainEvent

    public init(stream: StreamRef, event: any DomainEvent) {
        self.stream = stream
        self.event = event
    }
}

/// Why a runner could not run a command.
public enum RunnerError: Error, Sendable, CustomStringConvertible {
    case rejected(command: String, Rejection)
    case engine(command: String, EngineError)

    public var description: String {
        switch self {
        case .rejected(let c, let r): return "\(c): \(r)"
        case .engine(let c, let e): return "\(c): \(e)"
        }
    }

    public var rejection: Rejection? {
        switch self {
        case .rejected(_, let r): return r
        case .engine(_, let e): return e.rejection
        }
    }
}

/// Something that runs domain commands at a business time: the in-memory store or a real engine.
public protocol CommandRunner {
    /// Runs `command` as `actor` with the clock at `time`; returns every event appended, reactions included.
    mutating func run(_ command: any Command, as actor: ActorRef, at time: Timestamp) async throws(RunnerError)
        -> [ProducedEvent]
}

/// Runs commands on an ``InMemoryDomainStore`` with the catalogue's process managers. Like a real clock (and the
/// engine's ``SimulationClock``), its time never goes backwards: a command asked to run earlier than the previous
/// one runs at the previous one's time, so both runners record the same history.
public struct InMemoryRunner: CommandRunner {
    public private(set) var store: InMemoryDomainStore
    private var last = Timestamp(millisecondsSinceEpoch: .min)

    public init(processManagers: [any ProcessManager] = EventCatalog.processManagers, firstID: UInt64 = 1) {
        store = InMemoryDomainStore(ids: .incrementing(from: firstID), processManagers: processManagers)
    }

    public mutating func run(_ command: any Command, as actor: ActorRef, at time: Timestamp) async throws(RunnerError)
        -> [ProducedEvent]
    {
        last = max(last, time)
        do throws(Rejection) {
            return try store.execute(command, as: actor, at: last).map {
                ProducedEvent(stream: $0.stream, event: $0.event)
            }
        } catch {
            throw .rejected(command: String(describing: type(of: command)), error)
        }
    }
}

/// Runs commands through a real ``Engine`` whose clock is `clock`.
public struct EngineRunner: CommandRunner {
    public let engine: Engine
    public let clock: SimulationClock

    public init(engine: Engine, clock: SimulationClock) {
        self.engine = engine
        self.clock = clock
    }

    public mutating func run(_ command: any Command, as actor: ActorRef, at time: Timestamp) async throws(RunnerError)
        -> [ProducedEvent]
    {
        clock.set(time)
        do throws(EngineError) {
            let result = try await engine.handle(command, as: actor)
            return result.events.map { ProducedEvent(stream: $0.stream, event: $0.event) }
        } catch {
            if case .rejected(let r) = error {
                throw .rejected(command: String(describing: type(of: command)), r)
            }
            throw .engine(command: String(describing: type(of: command)), error)
        }
    }
}
