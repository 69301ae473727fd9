// How access commands (ACC-02, ACC-09, ACC-10) learn who owns a record without depending on the record's module.
//
// Events that change the owner or the liveness of a record (lead, customer, opportunity, contract) conform to
// ``RecordOwnershipFact``; ``RecordOwnerView`` folds any record stream through that protocol alone. The
// conformances live next to the record modules (`Leads/RecordOwnershipFacts.swift`).

/// What an event does to the owner or liveness of the record whose stream it is on.
public struct RecordOwnershipEffect: Hashable, Sendable {
    public enum Kind: String, Hashable, Sendable, CaseIterable {
        /// The record now belongs to `ownerId`.
        case owned
        /// The record has no owner any more (back in a pool).
        case unowned
        /// The record is closed for access changes (archived, merged away, converted).
        case closed
        /// A closed record is live again (restored).
        case reopened
    }

    public let kind: Kind
    /// Set for `owned`.
    public let ownerId: ID?

    public init(kind: Kind, ownerId: ID? = nil) {
        self.kind = kind
        self.ownerId = ownerId
    }

    public static func owned(by id: ID) -> RecordOwnershipEffect { RecordOwnershipEffect(kind: .owned, ownerId: id) }
    public static let unowned = RecordOwnershipEffect(kind: .unowned)
    public static let closed = RecordOwnershipEffect(kind: .closed)
    public static let reopened = RecordOwnershipEffect(kind: .reopened)
}

/// An event that changes who owns the record of its stream, or whether that record is live.
public protocol RecordOwnershipFact: DomainEvent {
    var ownershipEffect: RecordOwnershipEffect { get }
}

/// The owner and liveness of any record, folded from its stream through ``RecordOwnershipFact``. A read-side view
/// loaded with `d.load(RecordOwnerView.self, stream:)` on the record's own stream, never a category of its own.
public struct RecordOwnerView: Aggregate {
    public static let category = "recordOwnerView"

    /// The stream has at least one event.
    public private(set) var exists = false
    /// Not archived, merged away or converted.
    public private(set) var live = true
    public private(set) var ownerId: ID?

    public init() {}

    public mutating func apply(_ event: any DomainEvent) {
        exists = true
        guard let fact = event as? any RecordOwnershipFact else { return }
        let effect = fact.ownershipEffect
        switch effect.kind {
        case .owned: ownerId = effect.ownerId
        case .unowned: ownerId = nil
        case .closed: live = false
        case .reopened: live = true
        }
    }
}

/// The shares of one record (stream `recordAccess-<type>:<id>`), folded from ACC-09 and ACC-10.
public struct RecordShares: Aggregate {
    public static let category = "recordAccess"

    /// Grantee → share.
    public private(set) var shares: [ID: Organisation.Share] = [:]

    public init() {}

    public mutating func apply(_ event: any DomainEvent) {
        switch event {
        case let e as RecordShared:
            shares[e.granteeUserId] = Organisation.Share(access: e.access, expiresAt: e.expiresAt)
        case let e as RecordShareRevoked: shares[e.granteeUserId] = nil
        default: break
        }
    }
}

extension Decision {
    /// The owner view of record `id` of `type`, or `nil` when its stream has no event.
    public mutating func recordOwner(_ type: ObjectType, _ id: ID) -> RecordOwnerView? {
        load(RecordOwnerView.self, stream: StreamRef(type.category, id.description))
    }

    /// True when the actor is an active user who owns a record owned by `owner`.
    public func actorOwns(_ owner: ID?) -> Bool {
        guard let uid = actor.userId, let owner, uid == owner else { return false }
        return organisation.isActiveUser(uid)
    }
}
