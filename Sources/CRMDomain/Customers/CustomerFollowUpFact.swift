/// A follow-up (跟进) that concerns a customer, seen by the customer side without depending on the activity
/// module. ACT-01 `FollowUpRecorded` conforms to it: `followUpCustomerId` is the subject's id when the subject is
/// a customer, else the event's `customerId`; `followUpAt` is its `occurredAt`.
///
/// Any follow-up, by the owner or a team member, moves the customer's `lastFollowUpAt` and so resets the
/// no-follow-up reclaim clock (§5 open decision, recommended answer). The customer side reads such events both on
/// the customer's own stream (``Customer/apply(_:)``) and on activity streams linked to the customer
/// (`activity-<id>` children of `customer-<id>`, see ``CustomerFollowUps``).
public protocol CustomerFollowUpFact: DomainEvent {
    /// The customer the follow-up concerns, if any.
    var followUpCustomerId: ID? { get }
    /// When the follow-up happened.
    var followUpAt: Timestamp { get }
}

/// The latest follow-up of one customer found on one activity stream (folded as this aggregate), used when
/// follow-ups are recorded on `activity-<id>` streams linked to the customer.
public struct CustomerFollowUps: Aggregate {
    /// A read-side fold over activity streams, never a stream category of its own.
    public static let category = "customerFollowUps"
    /// The category of the activity streams it folds.
    public static let activityCategory = "activity"
    /// Latest follow-up per customer on this stream.
    public private(set) var latest: [ID: Timestamp] = [:]

    public init() {}

    public mutating func apply(_ event: any DomainEvent) {
        guard let fact = event as? any CustomerFollowUpFact, let customerId = fact.followUpCustomerId else { return }
        latest[customerId] = max(latest[customerId] ?? fact.followUpAt, fact.followUpAt)
    }

    /// The latest follow-up of `customerId` recorded on activity streams linked to it, or `nil`.
    public static func latest(for customerId: ID, in d: inout Decision) -> Timestamp? {
        var best: Timestamp?
        for stream in d.children(of: StreamRef.of(Customer.self, customerId), category: activityCategory) {
            guard let log = d.load(CustomerFollowUps.self, stream: stream), let t = log.latest[customerId] else {
                continue
            }
            best = max(best ?? t, t)
        }
        return best
    }
}
