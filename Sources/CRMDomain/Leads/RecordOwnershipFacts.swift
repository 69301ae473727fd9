// The ownership and liveness facts of owned records (``RecordOwnershipFact``), read by the access commands
// ACC-02/09/10 through ``RecordOwnerView``. Every event that sets, moves or clears the owner of a lead, customer,
// opportunity or contract, or closes or reopens one, is listed here; an area that adds such an event adds its
// conformance here too.

// MARK: Leads

extension LeadCaptured: RecordOwnershipFact {
    public var ownershipEffect: RecordOwnershipEffect { ownerId.map { .owned(by: $0) } ?? .unowned }
}

extension LeadAssigned: RecordOwnershipFact {
    public var ownershipEffect: RecordOwnershipEffect { .owned(by: toOwnerId) }
}

extension LeadClaimedFromPool: RecordOwnershipFact {
    public var ownershipEffect: RecordOwnershipEffect { .owned(by: userId) }
}

extension LeadReturnedToPool: RecordOwnershipFact {
    public var ownershipEffect: RecordOwnershipEffect { .unowned }
}

extension LeadConverted: RecordOwnershipFact {
    public var ownershipEffect: RecordOwnershipEffect { .closed }
}

// MARK: Customers

extension CustomerCreated: RecordOwnershipFact {
    public var ownershipEffect: RecordOwnershipEffect { ownerId.map { .owned(by: $0) } ?? .unowned }
}

extension CustomerClaimedFromPool: RecordOwnershipFact {
    public var ownershipEffect: RecordOwnershipEffect { .owned(by: userId) }
}

extension CustomerAssigned: RecordOwnershipFact {
    public var ownershipEffect: RecordOwnershipEffect { .owned(by: toOwnerId) }
}

extension CustomerReturnedToPool: RecordOwnershipFact {
    public var ownershipEffect: RecordOwnershipEffect { .unowned }
}

extension CustomerTransferApproved: RecordOwnershipFact {
    public var ownershipEffect: RecordOwnershipEffect { .owned(by: newOwnerId) }
}

extension CustomerArchived: RecordOwnershipFact {
    public var ownershipEffect: RecordOwnershipEffect { .closed }
}

extension CustomerRestored: RecordOwnershipFact {
    public var ownershipEffect: RecordOwnershipEffect { .reopened }
}

extension CustomerMergedAway: RecordOwnershipFact {
    public var ownershipEffect: RecordOwnershipEffect { .closed }
}

// MARK: Opportunities

extension OpportunityCreated: RecordOwnershipFact {
    public var ownershipEffect: RecordOwnershipEffect { .owned(by: ownerId) }
}

extension OpportunityOwnerChanged: RecordOwnershipFact {
    public var ownershipEffect: RecordOwnershipEffect { .owned(by: toOwnerId) }
}

extension OpportunityArchived: RecordOwnershipFact {
    public var ownershipEffect: RecordOwnershipEffect { .closed }
}

// MARK: Contracts

extension ContractDrafted: RecordOwnershipFact {
    public var ownershipEffect: RecordOwnershipEffect { .owned(by: ownerId) }
}

extension ContractOwnerChanged: RecordOwnershipFact {
    public var ownershipEffect: RecordOwnershipEffect { .owned(by: toOwnerId) }
}
