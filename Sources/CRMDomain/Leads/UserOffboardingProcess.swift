// ACC-02 UserOffboarded → CUS-12/13 or CUS-11, LED-04 or LED-06, OPP-16, CTR-08 for everything the user owned
// (§2.11). The owned records are found through the `owner-<userId>` index links every record area keeps.

/// Moves every record an offboarded user owned, so that no owned record keeps an inactive owner.
///
/// With a successor:
/// - leads: LED-04 manual assignment to the successor;
/// - customers: a CUS-12 transfer request to the successor (carrying nothing: opportunities and contracts move
///   here, with cause offboarding). The request is made by the departing user's manager (the `managerUserId` chain)
///   when there is an active one, so without an approval flow it is approved at once (CUS-13); with a
///   customerTransfer approval flow, or without a manager, it waits for that decision, as every transfer does;
/// - opportunities (not archived): OPP-16 with cause offboarding; contracts: CTR-08 with cause offboarding.
///
/// Without a successor (ACC-02 then guarantees the user owns no opportunity or contract), leads and customers go
/// back to the pool they last sat in (LED-06 / CUS-11 manual return, reason "owner offboarded"); one whose last pool
/// is gone or deactivated, or that never sat in a pool, goes to the user's manager (``Organisation/manager(of:)``)
/// the same way as to a successor. A record with neither an active pool nor an active manager stays where it is,
/// and so does a customer with a pending transfer (its request decides): name a successor to avoid that.
public struct UserOffboardingProcess: ProcessManager {
    public let name = "userOffboarding"

    public init() {}

    public func react(to event: RecordedDomainEvent, context: any DecisionContext) -> [any Command] {
        guard let e = event.event as? UserOffboarded else { return [] }
        let org = context.organisation
        let user = e.userId
        let owner = LeadIndex.owner(user)
        let userName = org.users[user]?.name ?? user.description
        let reason = "owner \(userName) offboarded"
        let manager = org.manager(of: user).flatMap { org.isActiveUser($0) && $0 != user ? $0 : nil }
        let requester = org.users[user]?.managerUserId.flatMap { org.isActiveUser($0) ? $0 : nil } ?? user
        var commands: [any Command] = []

        for stream in context.children(of: owner, category: Lead.category) {
            let lead = Lead.fold(context.events(of: stream).events)
            guard lead.isLive, lead.ownerId == user, let leadId = stream.id else { continue }
            if e.successorUserId == nil, let pool = lead.homePoolId, isActivePool(pool, context) {
                commands.append(ReturnLeadToPool(leadId: leadId, poolId: pool, reason: reason))
            } else if let target = e.successorUserId ?? manager {
                commands.append(AssignLead(leadId: leadId, toOwnerId: target, cause: .manual))
            }
        }

        for stream in context.children(of: owner, category: Customer.category) {
            let events = context.events(of: stream).events
            let customer = Customer.fold(events)
            guard customer.isLive, customer.ownerId == user, customer.pendingTransfer == nil, let customerId = stream.id
            else { continue }
            let home = CustomerHomePool.fold(events).poolId
            if e.successorUserId == nil, let pool = home, isActivePool(pool, context) {
                commands.append(ReturnCustomerToPool(customerId: customerId, poolId: pool, reason: reason))
            } else if let target = e.successorUserId ?? manager {
                commands.append(
                    RequestCustomerTransfer(
                        customerId: customerId,
                        requestId: UserOffboardingProcess.derivedID(event.eventId, customerId),
                        toOwnerId: target,
                        carry: .nothing,
                        oldOwnerRetention: .remove,
                        reason: reason,
                        requesterId: requester
                    )
                )
            }
        }

        guard let successor = e.successorUserId else { return commands }
        for stream in context.children(of: owner, category: Opportunity.category) {
            let opp = Opportunity.fold(context.events(of: stream).events)
            guard opp.exists, opp.ownerId == user, opp.status != .archived, let oppId = stream.id else { continue }
            commands.append(ChangeOpportunityOwner(oppId: oppId, toOwnerId: successor, cause: .offboarding))
        }
        for stream in context.children(of: owner, category: Contract.category) {
            let contract = Contract.fold(context.events(of: stream).events)
            guard contract.exists, contract.ownerId == user, let contractId = stream.id else { continue }
            commands.append(ChangeContractOwner(contractId: contractId, toOwnerId: successor, cause: .offboarding))
        }
        return commands
    }

    private func isActivePool(_ poolId: ID, _ context: any DecisionContext) -> Bool {
        let pool = Pool.fold(context.events(of: .of(Pool.self, poolId)).events)
        return pool.exists && pool.active
    }

    /// A deterministic id for a record created in reaction to `eventId` about `recordId` (their hex digits XOR-ed), so
    /// reacting twice to the same event issues the same ids.
    public static func derivedID(_ eventId: ID, _ recordId: ID) -> ID {
        let digits = Array("0123456789abcdef")
        let mixed = zip(eventId.description, recordId.description).map { a, b -> Character in
            guard let x = a.hexDigitValue, let y = b.hexDigitValue else { return a }
            return digits[x ^ y]
        }
        return ID(String(mixed)) ?? recordId
    }
}

/// The pool a customer last sat in (created into, claimed or distributed from, returned to), folded from its
/// stream. A read-side view, never a category of its own.
public struct CustomerHomePool: Aggregate {
    public static let category = "customerHomePool"

    public private(set) var poolId: ID?

    public init() {}

    public mutating func apply(_ event: any DomainEvent) {
        switch event {
        case let e as CustomerCreated: poolId = e.poolId ?? poolId
        case let e as CustomerClaimedFromPool: poolId = e.poolId
        case let e as CustomerAssigned: poolId = e.fromPoolId ?? poolId
        case let e as CustomerReturnedToPool: poolId = e.poolId
        default: break
        }
    }
}
