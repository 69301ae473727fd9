public import Foundation

/// An instant as the log stores it: milliseconds since 1970-01-01T00:00:00Z (UTC).
public typealias EpochMillis = Int64

/// The log's clock: `recordedAt` of every appended event comes from here, never from the wall clock inside the
/// log, so tests and replays are deterministic.
public struct LogClock: Sendable {
    private let read: @Sendable () -> EpochMillis

    public init(_ read: @escaping @Sendable () -> EpochMillis) { self.read = read }

    /// The current time in milliseconds.
    public func now() -> EpochMillis { read() }

    /// The system clock. Use in production services; tests inject ``fixed(_:)`` or ``stepping(from:by:)``.
    public static let system = LogClock { EpochMillis((Date().timeIntervalSince1970 * 1000).rounded()) }

    /// Always `millis`.
    public static func fixed(_ millis: EpochMillis) -> LogClock { LogClock { millis } }

    /// `start`, `start + step`, ... on successive calls (thread-safe).
    public static func stepping(from start: EpochMillis, by step: EpochMillis = 1) -> LogClock {
        let counter = AtomicCounter(start: start, step: step)
        return LogClock { counter.next() }
    }
}

/// Where an append must find the stream.
public enum ExpectedVersion: Sendable, Hashable, CustomStringConvertible {
    /// No check.
    case any
    /// The stream must not exist yet.
    case noStream
    /// The stream must exist (any version).
    case streamExists
    /// The stream's last event must have this 0-based version.
    case exactly(UInt64)

    public var description: String {
        switch self {
        case .any: "any"
        case .noStream: "no stream"
        case .streamExists: "stream exists"
        case .exactly(let v): "version \(v)"
        }
    }
}

/// Envelope facts supplied by the caller for one event.
public struct EventMetadata: Sendable, Hashable {
    /// Business time; may be earlier than `recordedAt` for a backdated correction. Defaults to `recordedAt`.
    public var effectiveAt: EpochMillis?
    /// Who caused it, e.g. `user:7f3a…`, `system:poolReclaim`.
    public var actor: String
    public var tenant: String
    public var correlationId: UUID?
    public var causationId: UUID?

    public init(
        effectiveAt: EpochMillis? = nil,
        actor: String = "",
        tenant: String = "",
        correlationId: UUID? = nil,
        causationId: UUID? = nil
    ) {
        self.effectiveAt = effectiveAt
        self.actor = actor
        self.tenant = tenant
        self.correlationId = correlationId
        self.causationId = causationId
    }
}

/// An event to append: the idempotency id, the catalogue type, the payload's schema version, the payload bytes
/// and the envelope metadata.
public struct NewEvent: Sendable, Hashable {
    /// The idempotency key: appending an id that is already stored with the same body is a no-op that returns the
    /// original positions.
    public var id: UUID
    public var type: String
    public var schemaVersion: UInt16
    public var data: [UInt8]
    public var metadata: EventMetadata

    public init(id: UUID, type: String, schemaVersion: UInt16 = 1, data: [UInt8], metadata: EventMetadata = .init()) {
        self.id = id
        self.type = type
        self.schemaVersion = schemaVersion
        self.data = data
        self.metadata = metadata
    }
}

/// A stored event with its envelope and its place in the hash chain.
public struct RecordedEvent: Sendable, Hashable {
    /// Global position: 1, 2, 3, ... in commit order, without gaps.
    public var position: UInt64
    public var stream: String
    /// 0-based version within the stream, without gaps.
    public var streamVersion: UInt64
    public var id: UUID
    public var type: String
    public var schemaVersion: UInt16
    public var recordedAt: EpochMillis
    public var effectiveAt: EpochMillis
    public var actor: String
    public var tenant: String
    public var correlationId: UUID?
    public var causationId: UUID?
    public var data: [UInt8]
    /// SHA-256 of the previous event (``ChainHash/zero`` for position 1).
    public var prevHash: ChainHash
    /// SHA-256 over `prevHash` and this event's canonical bytes.
    public var hash: ChainHash

    public init(
        position: UInt64,
        stream: String,
        streamVersion: UInt64,
        id: UUID,
        type: String,
        schemaVersion: UInt16,
        recordedAt: EpochMillis,
        effectiveAt: EpochMillis,
        actor: String,
        tenant: String,
        correlationId: UUID?,
        causationId: UUID?,
        data: [UInt8],
        prevHash: ChainHash,
        hash: ChainHash
    ) {
        self.position = position
        self.stream = stream
        self.streamVersion = streamVersion
        self.id = id
        self.type = type
        self.schemaVersion = schemaVersion
        self.recordedAt = recordedAt
        self.effectiveAt = effectiveAt
        self.actor = actor
        self.tenant = tenant
        self.correlationId = correlationId
        self.causationId = causationId
        self.data = data
        self.prevHash = prevHash
        self.hash = hash
    }

    /// The stream's category: the part of the name before the first `-`.
    public var category: Substring { StreamName.category(of: stream) }
}

/// What an append produced.
public struct AppendResult: Sendable, Hashable {
    public var stream: String
    /// Positions of the appended (or, for an idempotent replay, the originally stored) events, in order.
    public var positions: [UInt64]
    /// The stream's version after the append (its last event's version), `nil` for an empty stream check.
    public var streamVersion: UInt64?
    /// True when every event was already stored with the same body and nothing was written.
    public var idempotentReplay: Bool

    public init(stream: String, positions: [UInt64], streamVersion: UInt64?, idempotentReplay: Bool) {
        self.stream = stream
        self.positions = positions
        self.streamVersion = streamVersion
        self.idempotentReplay = idempotentReplay
    }

    public var firstPosition: UInt64? { positions.first }
    public var lastPosition: UInt64? { positions.last }
}

/// One stream's part of a multi-stream atomic append. An entry with no events is a pure version check.
public struct StreamAppend: Sendable, Hashable {
    public var stream: String
    public var expected: ExpectedVersion
    public var events: [NewEvent]

    public init(stream: String, expected: ExpectedVersion, events: [NewEvent]) {
        self.stream = stream
        self.expected = expected
        self.events = events
    }
}

/// The head of the log: last position and its hash (`0` and ``ChainHash/zero`` when empty).
public struct LogHead: Sendable, Hashable {
    public var position: UInt64
    public var hash: ChainHash

    public init(position: UInt64, hash: ChainHash) {
        self.position = position
        self.hash = hash
    }
}

/// Rules for stream names: `category-key`, UTF-8, 1...``maxLength`` bytes, no control characters.
public enum StreamName {
    public static let maxLength = 255

    /// The category of `stream`: the part before the first `-` (the whole name when there is none).
    public static func category(of stream: String) -> Substring {
        if let i = stream.firstIndex(of: "-") { return stream[..<i] }
        return Substring(stream)
    }

    /// `nil` when valid, else why not.
    public static func problem(with stream: String) -> String? {
        let n = stream.utf8.count
        if n == 0 { return "is empty" }
        if n > maxLength { return "is \(n) bytes long; the limit is \(maxLength)" }
        // In UTF-8 every byte of a multi-byte scalar is >= 0x80, so checking bytes finds exactly the ASCII controls.
        if stream.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) {
            return "contains a control character"
        }
        if stream.hasPrefix("-") { return "starts with '-' (empty category)" }
        return nil
    }
}

/// Which events a read returns.
public enum ReadFilter: Sendable, Hashable {
    /// Every event.
    case all
    /// One stream; positions are the stream's versions when reading by stream (see ``ReadQuery``).
    case stream(String)
    /// Streams whose category (part before the first `-`) equals this.
    case category(String)
    /// Events of these types.
    case eventTypes(Set<String>)
}

public enum ReadDirection: Sendable, Hashable {
    case forward, backward
}

/// A read: filter, direction, start and limit.
///
/// `from` is a global position for `.all`, `.category` and `.eventTypes` reads, and a stream version for
/// `.stream` reads; it is inclusive. `nil` means the start (forward) or the end (backward).
public struct ReadQuery: Sendable, Hashable {
    public var filter: ReadFilter
    public var direction: ReadDirection
    public var from: UInt64?
    public var limit: Int?

    public init(filter: ReadFilter = .all, direction: ReadDirection = .forward, from: UInt64? = nil, limit: Int? = nil)
    {
        self.filter = filter
        self.direction = direction
        self.from = from
        self.limit = limit
    }

    public static func all(from: UInt64? = nil, limit: Int? = nil) -> ReadQuery {
        ReadQuery(filter: .all, from: from, limit: limit)
    }

    public static func stream(_ name: String, fromVersion: UInt64? = nil, limit: Int? = nil) -> ReadQuery {
        ReadQuery(filter: .stream(name), from: fromVersion, limit: limit)
    }

    public static func category(_ name: String, from: UInt64? = nil, limit: Int? = nil) -> ReadQuery {
        ReadQuery(filter: .category(name), from: from, limit: limit)
    }

    public static func eventTypes(_ types: Set<String>, from: UInt64? = nil, limit: Int? = nil) -> ReadQuery {
        ReadQuery(filter: .eventTypes(types), from: from, limit: limit)
    }

    public func backward() -> ReadQuery {
        var q = self
        q.direction = .backward
        return q
    }
}

/// The result of walking the hash chain.
public struct ChainVerification: Sendable, Hashable {
    /// Events checked.
    public var checked: UInt64
    /// The first position whose stored hash, previous hash or position does not match, if any.
    public var firstBrokenPosition: UInt64?
    /// What is wrong at ``firstBrokenPosition``.
    public var problem: String?
    public var head: LogHead

    public init(checked: UInt64, firstBrokenPosition: UInt64?, problem: String?, head: LogHead) {
        self.checked = checked
        self.firstBrokenPosition = firstBrokenPosition
        self.problem = problem
        self.head = head
    }

    public var isIntact: Bool { firstBrokenPosition == nil }
}
