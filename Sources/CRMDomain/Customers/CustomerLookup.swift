/// Loading customers and contacts inside decisions, with the catalogue's *exists* meaning (live: not archived, not
/// merged away).
public enum CustomerLookup {
    /// The live customer `id`, or a `notFound` rejection under `rule`.
    public static func live(_ id: ID, _ rule: String, in d: inout Decision) throws(Rejection) -> Customer {
        guard let c = d.load(Customer.self, id), c.isLive else { throw .notFound(rule, "customer", id: id) }
        return c
    }

    /// The customer `id` or, when it was merged away, the survivor it was merged into (following the chain), with
    /// its id; `nil` when none exists.
    public static func resolve(_ id: ID, in d: inout Decision) -> (id: ID, customer: Customer)? {
        var current = id
        var seen: Set<ID> = []
        while seen.insert(current).inserted {
            guard let c = d.load(Customer.self, current) else { return nil }
            guard let next = c.mergedIntoId else { return (current, c) }
            current = next
        }
        return nil
    }

    /// The customer a live contact belongs to now (its original customer, or the survivor of a merge).
    public static func customer(ofContact contact: Contact, in d: inout Decision) -> (id: ID, customer: Customer)? {
        guard let cid = contact.customerId else { return nil }
        return resolve(cid, in: &d)
    }

    /// The user id of a user or integration actor; `nil` for system actors.
    static func actorUser(_ d: Decision) -> ID? { d.actor.isSystem ? nil : d.actor.userId }

    /// True when the actor is a system actor or the user `id`.
    static func actorIs(_ id: ID?, _ d: Decision) -> Bool {
        d.actor.isSystem || (id != nil && d.actor.userId == id)
    }
}
