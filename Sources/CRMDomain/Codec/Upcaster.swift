/// Turns a stored payload of schema version N into version N + 1 when it is read.
///
/// Stored event bytes are never rewritten. When an event's payload changes shape, the old shape stays as a legacy
/// type (same ``DomainEvent/eventType``, the old ``DomainEvent/schemaVersion``), the current type's version goes up
/// by one, and an upcaster maps old to new. ``EventRegistry`` chains upcasters (v1 → v2 → ... → current) on every
/// binary and JSON read, so folds and projections only ever see the current type.
///
/// Every upcaster has a golden fixture pair `Fixtures/upcasters/<eventType>.v<N>.json` (input payload) and
/// `.v<N+1>.json` (expected output).
///
/// ```swift
/// struct UserOnboardedV1Upcaster: Upcaster {
///     func upcast(_ old: UserOnboardedV1) -> UserOnboarded {
///         UserOnboarded(userId: old.userId, name: old.name, departmentId: old.departmentId,
///                       managerUserId: nil, roleIds: old.roleId.map { [$0] } ?? [])
///     }
/// }
/// ```
public protocol Upcaster: Sendable {
    /// The payload of ``fromVersion``.
    associatedtype Input: DomainEvent
    /// The payload of ``fromVersion`` + 1: the current event type or the next legacy type.
    associatedtype Output: DomainEvent

    /// The catalogue name of the event (both payloads share it). Defaults to `Input.eventType`.
    static var eventType: String { get }
    /// The schema version this upcaster reads. Defaults to `Input.schemaVersion`.
    static var fromVersion: Int { get }

    /// The version `fromVersion + 1` form of `old`.
    ///
    /// - Throws: ``CodecError/malformed(_:)`` when the old payload cannot be represented in the new shape.
    func upcast(_ old: Input) throws(CodecError) -> Output
}

extension Upcaster {
    public static var eventType: String { Input.eventType }
    public static var fromVersion: Int { Input.schemaVersion }
}
