/// A fact of the CRM catalogue (`reference/crm-domain.md` §2), e.g. ``CustomerTransferApproved``.
///
/// Events are plain `Codable` structs whose property names are the catalogue's payload names. Their JSON form is
/// the interchange format (`Schemas/<eventType>.v<schemaVersion>.schema.json`); their binary form is positional
/// (declaration order) and written by ``BinaryEventEncoder``.
///
/// Rules for event types (the codecs and the schema generator rely on them):
/// - properties are `let`, in a fixed order; never reorder or remove one without a new schema version and an
///   ``Upcaster``;
/// - no `Dictionary` (order is not deterministic): use an array of pair structs;
/// - choices with data are structs with a `kind` enum plus optional fields, not enums with associated values;
/// - money is ``Money``, instants ``Timestamp``, dates ``LocalDate``, ids ``ID``, points `Int64`;
/// - `Codable` is synthesized; after adding or changing an event type (or a type inside one), regenerate the fast
///   binary decoders: `CRM_REGENERATE=1 swift test --filter BinaryDecodableTests`.
public protocol DomainEvent: Codable, Hashable, Sendable {
    /// The catalogue name, exactly: `CustomerTransferApproved`.
    static var eventType: String { get }
    /// The payload's schema version (1 for the first). Raised when the payload's shape changes.
    static var schemaVersion: Int { get }
    /// Unique-key claims and parent/child links this event adds to or removes from the lookup index.
    func indexEntries(in stream: StreamRef) -> [IndexEntry]
}

extension DomainEvent {
    public static var schemaVersion: Int { 1 }
    public func indexEntries(in stream: StreamRef) -> [IndexEntry] { [] }
    /// The type name of this event value.
    public var eventType: String { Self.eventType }
}

/// A stream: one aggregate instance. Its name is `category-key`, e.g. `customer-7f3a…`; the category is the part
/// before the first `-`, so categories never contain `-`.
public struct StreamRef: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let category: String
    public let key: String

    public init(_ category: String, _ key: String) {
        precondition(!category.isEmpty && !category.contains("-"), "a stream category never contains '-'")
        self.category = category
        self.key = key
    }

    /// The stream of aggregate `A` with this id.
    public static func of<A: Aggregate>(_ type: A.Type, _ id: ID) -> StreamRef {
        StreamRef(A.category, id.description)
    }

    /// Parses `category-key`; `nil` when there is no `-` or either side is empty.
    public init?(name: String) {
        guard let dash = name.firstIndex(of: "-") else { return nil }
        let c = String(name[..<dash])
        let k = String(name[name.index(after: dash)...])
        guard !c.isEmpty, !k.isEmpty else { return nil }
        self.category = c
        self.key = k
    }

    public var name: String { category + "-" + key }
    public var description: String { name }
    /// The key read back as an ``ID`` when it is one.
    public var id: ID? { ID(key) }

    public static func < (lhs: StreamRef, rhs: StreamRef) -> Bool { lhs.name < rhs.name }
}

/// A value that must be unique within a scope, e.g. `UniqueKey(scope: "contract.number", value: "HT-2026-001")`.
public struct UniqueKey: Hashable, Sendable, CustomStringConvertible {
    public let scope: String
    public let value: String

    /// Values are compared trimmed and case-folded, so `Acme ` and `acme` collide.
    public init(scope: String, value: String) {
        self.scope = scope
        self.value = value.trimmingWhitespace().lowercased()
    }

    public var description: String { "\(scope)=\(value)" }
}

/// What an event adds to the lookup index that commands use for uniqueness and relations.
public enum IndexEntry: Hashable, Sendable {
    /// `key` now belongs to `owner`.
    case claim(UniqueKey, owner: StreamRef)
    /// `key` is free again (for example the record was archived, merged or renamed).
    case release(UniqueKey)
    /// `child` belongs to `parent` (an opportunity to its customer, a contract to its customer, ...).
    case link(parent: StreamRef, child: StreamRef)
    /// `child` no longer belongs to `parent` (re-parented by a merge, ...).
    case unlink(parent: StreamRef, child: StreamRef)
}

extension String {
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s = s.dropFirst() }
        while let l = s.last, l.isWhitespace { s = s.dropLast() }
        return String(s)
    }
}

/// An event as stored, with the envelope facts the domain may read.
public struct RecordedDomainEvent: Sendable {
    public let stream: StreamRef
    public let event: any DomainEvent
    /// The event id (idempotency key); causation id of what a process manager issues in reaction.
    public let eventId: ID
    public let correlationId: ID?
    public let recordedAt: Timestamp
    public let actor: ActorRef

    public init(
        stream: StreamRef,
        event: any DomainEvent,
        eventId: ID,
        correlationId: ID?,
        recordedAt: Timestamp,
        actor: ActorRef
    ) {
        self.stream = stream
        self.event = event
        self.eventId = eventId
        self.correlationId = correlationId
        self.recordedAt = recordedAt
        self.actor = actor
    }
}
