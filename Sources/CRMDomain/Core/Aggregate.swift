/// The state of one stream, folded from its events.
///
/// ```swift
/// public struct Customer: Aggregate {
///     public static let category = "customer"
///     public var status: Status = .none
///     public init() {}
///     public mutating func apply(_ event: any DomainEvent) {
///         switch event {
///         case let e as CustomerCreated: status = .live; ownerId = e.ownerId
///         default: break
///         }
///     }
/// }
/// ```
public protocol Aggregate: Sendable {
    /// The stream category, lower camel case without `-`: `customer`, `commissionLedger`.
    static var category: String { get }
    /// The state before the first event.
    init()
    /// Folds one event of this stream. Pure: no clock, no ids, no I/O.
    mutating func apply(_ event: any DomainEvent)
}

extension Aggregate {
    /// Folds `events` from the empty state.
    public static func fold(_ events: some Sequence<any DomainEvent>) -> Self {
        var state = Self()
        for e in events { state.apply(e) }
        return state
    }
}

/// What a command decision reads from the outside world. Implemented by the engine over the event log and by
/// ``InMemoryDomainStore`` for tests and generators. Implementations never throw: an infrastructure failure is
/// remembered by the implementation and surfaced by the engine after `decide` returns.
public protocol DecisionContext {
    /// The events of `stream` and its current version (`nil` when the stream has no event).
    func events(of stream: StreamRef) -> (events: [any DomainEvent], version: Int64?)
    /// The stream that owns `key`, if any.
    func lookup(_ key: UniqueKey) -> StreamRef?
    /// Streams of `category` linked to `parent` (see ``IndexEntry/link(parent:child:)``), sorted by name.
    func children(of parent: StreamRef, category: String) -> [StreamRef]
    /// Users, departments, roles, field permissions and record shares, folded from the organisation streams.
    var organisation: Organisation { get }
}

/// One event a decision wants to append.
public struct PendingEvent: Sendable {
    public let stream: StreamRef
    public let event: any DomainEvent

    public init(stream: StreamRef, event: any DomainEvent) {
        self.stream = stream
        self.event = event
    }
}

/// A command: an intention checked against the current state. `decide` either emits events or throws a
/// ``Rejection``; it never reads the wall clock, generates random ids or does I/O.
public protocol Command: Sendable {
    /// A short name for logs and errors, e.g. `ClaimCustomerFromPool`.
    static var commandName: String { get }
    /// Checks the invariants of the catalogue row(s) and emits events into `decision`.
    func decide(_ decision: inout Decision) throws(Rejection)
}

extension Command {
    public static var commandName: String { String(describing: Self.self) }
}

/// The working state of one command decision: what was read (with versions, for optimistic concurrency), what is
/// to be appended, the actor and the injected time.
public struct Decision {
    /// Who issued the command.
    public let actor: ActorRef
    /// The injected clock's time for this command (the envelope's `recordedAt`). Only for checks such as
    /// "not in the future"; time-driven facts take an explicit `asOf` in the command.
    public let now: Timestamp
    let context: any DecisionContext
    /// Events to append, in order.
    public private(set) var pending: [PendingEvent] = []
    /// Every stream read and the version seen (`nil` = did not exist). The engine appends with these as
    /// expected versions, so a concurrent change to anything the decision relied on makes it retry.
    public private(set) var reads: [StreamRef: Int64?] = [:]
    private var cache: [StreamRef: any Sendable] = [:]
    private var nextIDs: IDGenerator
    var nextIDsSnapshot: IDGenerator { nextIDs }
    private var pendingOrganisation: Organisation?

    public init(actor: ActorRef, now: Timestamp, context: any DecisionContext, ids: IDGenerator) {
        self.actor = actor
        self.now = now
        self.context = context
        self.nextIDs = ids
    }

    /// The state of aggregate `A` with `id`, including events already emitted by this decision; `nil` when
    /// the stream has no event.
    public mutating func load<A: Aggregate>(_ type: A.Type, _ id: ID) -> A? {
        load(type, stream: .of(type, id))
    }

    /// The state of the stream `stream` folded as `A`; `nil` when it has no event.
    public mutating func load<A: Aggregate>(_ type: A.Type, stream: StreamRef) -> A? {
        if let cached = cache[stream] as? A { return cached }
        let (events, version) = context.events(of: stream)
        if reads[stream] == nil { reads[stream] = .some(version) }
        let mine = pending.filter { $0.stream == stream }.map(\.event)
        if events.isEmpty && mine.isEmpty { return nil }
        var state = A()
        for e in events { state.apply(e) }
        for e in mine { state.apply(e) }
        cache[stream] = state
        return state
    }

    /// Appends `event` to `stream` when the decision is accepted.
    public mutating func emit(_ event: some DomainEvent, to stream: StreamRef) {
        pending.append(PendingEvent(stream: stream, event: event))
        if var cached = cache[stream] as? any Aggregate {
            cached.apply(event)
            cache[stream] = cached
        } else {
            cache[stream] = nil
        }
        if stream.category.isOrganisationCategory {
            var org = organisation
            org.apply(event)
            pendingOrganisation = org
        }
    }

    /// The stream owning `key`, counting claims and releases emitted by this decision.
    public func lookup(_ key: UniqueKey) -> StreamRef? {
        var owner = context.lookup(key)
        for p in pending {
            for entry in p.event.indexEntries(in: p.stream) {
                switch entry {
                case .claim(let k, let o) where k == key: owner = o
                case .release(let k) where k == key: owner = nil
                default: break
                }
            }
        }
        return owner
    }

    /// Streams of `category` linked to `parent`, counting links emitted by this decision.
    public func children(of parent: StreamRef, category: String) -> [StreamRef] {
        var set = Set(context.children(of: parent, category: category))
        for p in pending {
            for entry in p.event.indexEntries(in: p.stream) {
                switch entry {
                case .link(let par, let child) where par == parent && child.category == category: set.insert(child)
                case .unlink(let par, let child) where par == parent: set.remove(child)
                default: break
                }
            }
        }
        return set.sorted()
    }

    /// The organisation, including organisation events emitted by this decision.
    public var organisation: Organisation { pendingOrganisation ?? context.organisation }

    /// A fresh id from the injected generator (for ids the command does not carry, such as points lot ids).
    public mutating func newID() -> ID { nextIDs.next() }

    /// Checks that the actor may perform `action` on `object`, and when `owner` is given, that the record is in
    /// the actor's data scope (or shared with the actor). System actors always may.
    public func authorize(
        _ action: Action,
        on object: ObjectType,
        owner: ID? = nil,
        record: StreamRef? = nil,
        rule: String
    ) throws(Rejection) {
        try organisation.authorize(actor, action, on: object, owner: owner, record: record, rule: rule)
    }

    /// Checks that every field in `fields` is editable for the actor's roles (field-level permission).
    public func authorizeFields(_ fields: [String], on object: ObjectType, rule: String) throws(Rejection) {
        try organisation.authorizeFields(actor, fields, on: object, rule: rule)
    }
}

/// Hands out ids: incrementing for tests and generators, or any closure (a UUID source) in production.
public struct IDGenerator: Sendable {
    private var counter: UInt64
    private let make: (@Sendable (UInt64) -> ID)?

    /// `ID(start)`, `ID(start + 1)`, ... Deterministic.
    public static func incrementing(from start: UInt64 = 1) -> IDGenerator { IDGenerator(counter: start, make: nil) }

    /// Calls `make` with an incrementing counter; use `{ _ in ID(uuid: UUID()) }` in production code outside
    /// the domain.
    public static func custom(_ make: @escaping @Sendable (UInt64) -> ID) -> IDGenerator {
        IDGenerator(counter: 1, make: make)
    }

    public mutating func next() -> ID {
        defer { counter += 1 }
        return make?(counter) ?? ID(counter)
    }
}

/// Turns a recorded fact into follow-up commands (a saga / process manager). The engine issues each returned
/// command as a system actor, with the triggering event's id as causation id and its correlation id.
public protocol ProcessManager: Sendable {
    var name: String { get }
    /// Commands to issue in reaction to `event`. Must be deterministic: the same event gives the same commands.
    func react(to event: RecordedDomainEvent, context: any DecisionContext) -> [any Command]
}

extension String {
    /// Categories whose events fold into ``Organisation``.
    var isOrganisationCategory: Bool { Organisation.categories.contains(self) }
}
