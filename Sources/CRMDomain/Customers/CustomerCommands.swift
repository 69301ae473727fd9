// Commands of catalogue §2.2 "Customers" that do not move ownership: CUS-01..CUS-08, CUS-19..CUS-22.
// Ownership (CUS-09..CUS-11) is in CustomerOwnershipCommands.swift, transfers (CUS-12..CUS-15) in
// CustomerTransferCommands.swift, duplicates and merges (CUS-16..CUS-18) in CustomerMergeCommands.swift.

/// CUS-01: create a customer, owned by a user, placed in a pool, or neither.
///
/// `level` defaults to the configured default level. The owner's receive time (reclaim clock) is the command time.
public struct CreateCustomer: Command {
    public let customerId: ID
    public let name: String
    public let kind: CustomerKind
    public let source: String
    public let industry: String
    public let level: String?
    public let address: String
    public let ownerId: ID?
    public let poolId: ID?
    public let createdVia: CustomerCreatedVia

    public init(
        customerId: ID,
        name: String,
        kind: CustomerKind = .company,
        source: String = "",
        industry: String = "",
        level: String? = nil,
        address: String = "",
        ownerId: ID? = nil,
        poolId: ID? = nil,
        createdVia: CustomerCreatedVia = .manual
    ) {
        self.customerId = customerId
        self.name = name
        self.kind = kind
        self.source = source
        self.industry = industry
        self.level = level
        self.address = address
        self.ownerId = ownerId
        self.poolId = poolId
        self.createdVia = createdVia
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        try d.authorize(.create, on: .customer, rule: "CUS-01.perm")
        try Rejection.require(name, "CUS-01.name", field: "name")
        if ownerId != nil && poolId != nil {
            throw .invalidInput("CUS-01.ownerOrPool", field: "poolId", "a customer is owned or in a pool, not both")
        }
        if createdVia.kind == .leadConversion && createdVia.leadId == nil {
            throw .missing("CUS-01.createdVia", field: "createdVia.leadId")
        }
        guard d.load(Customer.self, customerId) == nil else {
            throw .alreadyExists("CUS-01.customerIdUnique", "customer", customerId)
        }
        if let holder = d.lookup(CustomerIndex.nameKey(name)) {
            throw Rejection(
                kind: .alreadyExists,
                rule: "CUS-01.nameUnique",
                message:
                    "customer name '\(name)' is already used by \(holder); choose another name or use that customer",
                values: ["name": name, "holder": holder.name]
            )
        }
        if let ownerId {
            guard d.organisation.isActiveUser(ownerId) else {
                throw .notFound("CUS-01.ownerActive", "user", id: ownerId)
            }
            try OwnershipCaps.checkOwned(ownerId, taking: [Customer()], rule: "CUS-01.ownedCap", in: &d)
        }
        if let poolId {
            guard let pool = d.load(Pool.self, poolId), pool.exists, pool.entityType == .customer else {
                throw .notFound("CUS-01.poolExists", "customer pool", id: poolId)
            }
        }
        let settings = CustomerSettings.current(in: &d)
        let chosen = level ?? settings.defaultLevel
        try Rejection.ensure(
            settings.isConfiguredLevel(chosen),
            "CUS-01.levelConfigured",
            "level '\(chosen)' is not configured; use one of \(settings.levels)",
            ["level": chosen]
        )
        d.emit(
            CustomerCreated(
                customerId: customerId,
                name: name.trimmingWhitespace(),
                kind: kind,
                source: source,
                industry: industry,
                level: chosen,
                address: address,
                ownerId: ownerId,
                poolId: poolId,
                createdVia: createdVia,
                at: d.now
            ),
            to: .of(Customer.self, customerId)
        )
    }
}

/// A new value for one customer or contact field (`nil` or empty clears it).
public struct CustomerFieldEdit: Hashable, Sendable {
    public let field: String
    public let value: String?

    public init(_ field: String, _ value: String?) {
        self.field = field
        self.value = value
    }

    /// The value with an empty or blank string read as `nil`.
    var normalized: String? {
        guard let v = value?.trimmingWhitespace(), !v.isEmpty else { return nil }
        return v
    }
}

/// CUS-02: edit descriptive customer fields (the editable customer fields of ``FieldCatalog``). Emits only the
/// fields whose value actually changes.
public struct UpdateCustomer: Command {
    public let customerId: ID
    public let edits: [CustomerFieldEdit]

    public init(customerId: ID, edits: [CustomerFieldEdit]) {
        self.customerId = customerId
        self.edits = edits
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let c = try CustomerLookup.live(customerId, "CUS-02.exists", in: &d)
        let stream = StreamRef.of(Customer.self, customerId)
        try d.authorize(.edit, on: .customer, owner: c.ownerId, record: stream, rule: "CUS-02.perm")
        guard !edits.isEmpty else { throw .missing("CUS-02.changes", field: "changes") }
        let editable = FieldCatalog.editableFields(of: .customer)
        var seen: Set<String> = []
        for e in edits {
            guard editable.contains(e.field) else {
                throw .invalidInput(
                    "CUS-02.field",
                    field: e.field,
                    "is not an editable customer field (editable: \(editable.joined(separator: ", "))); level, owner, "
                        + "deal status, lists and credit have their own commands"
                )
            }
            guard seen.insert(e.field).inserted else {
                throw .invalidInput("CUS-02.field", field: e.field, "is edited twice in one command")
            }
            if e.field == "name" && e.normalized == nil { throw .missing("CUS-02.name", field: "name") }
            if e.field == "kind", CustomerKind(rawValue: e.normalized ?? "") == nil {
                throw .invalidInput("CUS-02.kind", field: "kind", "'\(e.value ?? "")' is not one of company, person")
            }
        }
        try d.authorizeFields(edits.map(\.field), on: .customer, rule: "CUS-02.fieldPerm")
        let changes = edits.filter { c.value(of: $0.field) != $0.normalized }
            .map { CustomerFieldChange(field: $0.field, before: c.value(of: $0.field), after: $0.normalized) }
        guard !changes.isEmpty else {
            throw .invalidInput("CUS-02.changes", field: "changes", "nothing changes on customer \(customerId)")
        }
        if let rename = changes.first(where: { $0.field == "name" }), let newName = rename.after,
            let holder = d.lookup(CustomerIndex.nameKey(newName)), holder != stream
        {
            throw Rejection(
                kind: .alreadyExists,
                rule: "CUS-02.nameUnique",
                message:
                    "customer name '\(newName)' is already used by \(holder); choose another name or merge the two",
                values: ["name": newName, "holder": holder.name]
            )
        }
        d.emit(CustomerUpdated(changes: changes), to: stream)
    }
}

/// CUS-03: change the customer level (it selects per-level reclaim days).
public struct ChangeCustomerLevel: Command {
    public let customerId: ID
    public let level: String

    public init(customerId: ID, level: String) {
        self.customerId = customerId
        self.level = level
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let c = try CustomerLookup.live(customerId, "CUS-03.exists", in: &d)
        let stream = StreamRef.of(Customer.self, customerId)
        try d.authorize(.edit, on: .customer, owner: c.ownerId, record: stream, rule: "CUS-03.perm")
        try Rejection.require(level, "CUS-03.level", field: "level")
        let settings = CustomerSettings.current(in: &d)
        try Rejection.ensure(
            settings.isConfiguredLevel(level),
            "CUS-03.levelConfigured",
            "level '\(level)' is not configured; use one of \(settings.levels)",
            ["level": level]
        )
        guard level != c.level else {
            throw .invalidInput(
                "CUS-03.changes",
                field: "level",
                "customer \(customerId) is already at level '\(level)'"
            )
        }
        d.emit(CustomerLevelChanged(from: c.level, to: level), to: stream)
    }
}

/// CUS-04: rate a customer's credit, optionally with a credit limit and validity.
public struct RateCustomerCredit: Command {
    public let customerId: ID
    public let rating: String
    public let creditLimit: Money?
    public let validUntil: LocalDate?
    public let basis: String

    public init(customerId: ID, rating: String, creditLimit: Money? = nil, validUntil: LocalDate? = nil, basis: String)
    {
        self.customerId = customerId
        self.rating = rating
        self.creditLimit = creditLimit
        self.validUntil = validUntil
        self.basis = basis
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let c = try CustomerLookup.live(customerId, "CUS-04.exists", in: &d)
        let stream = StreamRef.of(Customer.self, customerId)
        try d.authorize(.creditRate, on: .customer, owner: c.ownerId, record: stream, rule: "CUS-04.perm")
        try Rejection.require(rating, "CUS-04.rating", field: "rating")
        try Rejection.require(basis, "CUS-04.basis", field: "basis")
        let settings = CustomerSettings.current(in: &d)
        try Rejection.ensure(
            settings.creditRatings.contains(rating),
            "CUS-04.ratingInScale",
            "credit rating '\(rating)' is not in the scale \(settings.creditRatings)",
            ["rating": rating]
        )
        if let limit = creditLimit {
            try Rejection.ensure(
                !limit.isNegative,
                "CUS-04.creditLimitNonNegative",
                "credit limit \(limit) is negative; give a limit ≥ 0",
                ["creditLimit": limit.description]
            )
            try Rejection.require(limit.currency, "CUS-04.creditLimit", field: "creditLimit.currency")
        }
        if let validUntil, validUntil < d.now.date {
            throw .invalidInput(
                "CUS-04.validUntil",
                field: "validUntil",
                "\(validUntil) is in the past (today \(d.now.date))"
            )
        }
        d.emit(
            CustomerCreditRated(rating: rating, creditLimit: creditLimit, validUntil: validUntil, basis: basis),
            to: stream
        )
    }
}

/// CUS-05: put a customer on the black or white list (mutually exclusive; a lapsed listing no longer counts).
public struct ListCustomer: Command {
    public let customerId: ID
    public let list: CustomerList
    public let reason: String
    public let until: LocalDate?

    public init(customerId: ID, list: CustomerList, reason: String, until: LocalDate? = nil) {
        self.customerId = customerId
        self.list = list
        self.reason = reason
        self.until = until
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let c = try CustomerLookup.live(customerId, "CUS-05.exists", in: &d)
        let stream = StreamRef.of(Customer.self, customerId)
        try d.authorize(.list, on: .customer, owner: c.ownerId, record: stream, rule: "CUS-05.perm")
        try Rejection.require(reason, "CUS-05.reason", field: "reason")
        let today = d.now.date
        if let until, until < today {
            throw .invalidInput("CUS-05.until", field: "until", "\(until) is in the past (today \(today))")
        }
        if let current = c.effectiveList(on: today) {
            if current == list {
                throw .invalidState(
                    "CUS-05.notAlreadyListed",
                    "customer \(customerId) is already on the \(list.rawValue) list",
                    ["list": list.rawValue]
                )
            }
            throw .violated(
                "CUS-05.blackWhiteExclusive",
                "customer \(customerId) is on the \(current.rawValue) list; black and white lists are exclusive, "
                    + "delist "
                    + "it from the \(current.rawValue) list first",
                ["list": list.rawValue, "current": current.rawValue]
            )
        }
        d.emit(CustomerListed(list: list, reason: reason, until: until), to: stream)
    }
}

/// CUS-06: take a customer off a list.
public struct DelistCustomer: Command {
    public let customerId: ID
    public let list: CustomerList

    public init(customerId: ID, list: CustomerList) {
        self.customerId = customerId
        self.list = list
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let c = try CustomerLookup.live(customerId, "CUS-06.exists", in: &d)
        let stream = StreamRef.of(Customer.self, customerId)
        try d.authorize(.list, on: .customer, owner: c.ownerId, record: stream, rule: "CUS-06.perm")
        guard c.list == list else {
            throw .invalidState(
                "CUS-06.onList",
                "customer \(customerId) is not on the \(list.rawValue) list (list: \(c.list?.rawValue ?? "none"))",
                ["list": list.rawValue]
            )
        }
        d.emit(CustomerDelisted(list: list), to: stream)
    }
}

/// CUS-07: lock an owned customer (exempt from reclaim), within the owner's locked-customer cap.
public struct LockCustomer: Command {
    public let customerId: ID

    public init(customerId: ID) { self.customerId = customerId }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let c = try CustomerLookup.live(customerId, "CUS-07.exists", in: &d)
        let stream = StreamRef.of(Customer.self, customerId)
        try d.authorize(.lock, on: .customer, owner: c.ownerId, record: stream, rule: "CUS-07.perm")
        guard let owner = c.ownerId else {
            throw .invalidState(
                "CUS-07.owned",
                "customer \(customerId) has no owner (it is in a pool); only owned customers can be locked",
                ["customerId": customerId.description]
            )
        }
        guard !c.locked else {
            throw .invalidState(
                "CUS-07.statusNormal",
                "customer \(customerId) is already locked",
                ["customerId": customerId.description]
            )
        }
        try OwnershipCaps.checkLocked(owner, adding: 1, rule: "CUS-07.lockedCap", in: &d)
        d.emit(CustomerLocked(), to: stream)
    }
}

/// CUS-08: unlock a locked customer.
public struct UnlockCustomer: Command {
    public let customerId: ID

    public init(customerId: ID) { self.customerId = customerId }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let c = try CustomerLookup.live(customerId, "CUS-08.exists", in: &d)
        let stream = StreamRef.of(Customer.self, customerId)
        try d.authorize(.lock, on: .customer, owner: c.ownerId, record: stream, rule: "CUS-08.perm")
        guard c.locked else {
            throw .invalidState(
                "CUS-08.locked",
                "customer \(customerId) is not locked",
                ["customerId": customerId.description]
            )
        }
        d.emit(CustomerUnlocked(), to: stream)
    }
}

/// CUS-19: set or clear a customer's parent account; the hierarchy stays free of cycles.
public struct ChangeCustomerParent: Command {
    public let customerId: ID
    public let parentCustomerId: ID?

    public init(customerId: ID, parentCustomerId: ID?) {
        self.customerId = customerId
        self.parentCustomerId = parentCustomerId
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let c = try CustomerLookup.live(customerId, "CUS-19.exists", in: &d)
        let stream = StreamRef.of(Customer.self, customerId)
        try d.authorize(.edit, on: .customer, owner: c.ownerId, record: stream, rule: "CUS-19.perm")
        guard parentCustomerId != c.parentCustomerId else {
            throw .invalidInput(
                "CUS-19.changes",
                field: "parentCustomerId",
                "customer \(customerId) already has parent \(parentCustomerId?.description ?? "none")"
            )
        }
        if let parent = parentCustomerId {
            _ = try CustomerLookup.live(parent, "CUS-19.parentLive", in: &d)
            var current: ID? = parent
            var seen: Set<ID> = []
            while let p = current, seen.insert(p).inserted {
                if p == customerId {
                    throw .violated(
                        "CUS-19.noCycle",
                        "customer \(parent) is \(customerId) itself or one of its descendants; that makes a cycle",
                        ["customerId": customerId.description, "parentCustomerId": parent.description]
                    )
                }
                current = d.load(Customer.self, p)?.parentCustomerId
            }
        }
        d.emit(CustomerParentChanged(parentCustomerId: parentCustomerId), to: stream)
    }
}

/// CUS-20: mark a customer dealt (成交) or not. Issued by the contract-signed process (cause contractSigned) or by
/// hand. A merged-away customer id is followed to its survivor (contracts keep the id they were drafted with).
public struct ChangeCustomerDealStatus: Command {
    public let customerId: ID
    public let dealt: Bool
    public let cause: DealStatusCause

    public init(customerId: ID, dealt: Bool, cause: DealStatusCause) {
        self.customerId = customerId
        self.dealt = dealt
        self.cause = cause
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        guard let (id, c) = CustomerLookup.resolve(customerId, in: &d), c.isLive else {
            throw .notFound("CUS-20.exists", "customer", id: customerId)
        }
        let stream = StreamRef.of(Customer.self, id)
        try d.authorize(.edit, on: .customer, owner: c.ownerId, record: stream, rule: "CUS-20.perm")
        guard c.dealt != dealt else {
            throw .invalidState(
                "CUS-20.valueChanges",
                "customer \(id) is already \(dealt ? "dealt" : "not dealt")",
                ["customerId": id.description, "dealt": "\(dealt)"]
            )
        }
        d.emit(CustomerDealStatusChanged(dealt: dealt, cause: cause), to: stream)
    }
}

/// CUS-21: archive a customer without open opportunities or contracts in approval.
public struct ArchiveCustomer: Command {
    public let customerId: ID
    public let reason: String

    public init(customerId: ID, reason: String) {
        self.customerId = customerId
        self.reason = reason
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let c = try CustomerLookup.live(customerId, "CUS-21.exists", in: &d)
        let stream = StreamRef.of(Customer.self, customerId)
        try d.authorize(.archive, on: .customer, owner: c.ownerId, record: stream, rule: "CUS-21.perm")
        try Rejection.require(reason, "CUS-21.reason", field: "reason")
        let open = d.children(of: stream, category: Opportunity.category)
            .filter { d.load(Opportunity.self, stream: $0)?.isOpen == true }
        if !open.isEmpty {
            throw .violated(
                "CUS-21.noOpenOpportunity",
                "customer \(customerId) has \(open.count) open opportunities "
                    + "(\(open.map(\.key).joined(separator: ", "))); "
                    + "close them first",
                ["customerId": customerId.description, "openOpportunities": "\(open.count)"]
            )
        }
        let inApproval = d.children(of: stream, category: Contract.category)
            .filter { d.load(Contract.self, stream: $0)?.status == .submitted }
        if !inApproval.isEmpty {
            throw .violated(
                "CUS-21.noContractInApproval",
                "customer \(customerId) has \(inApproval.count) contracts in approval "
                    + "(\(inApproval.map(\.key).joined(separator: ", "))); wait for the decision or recall them",
                ["customerId": customerId.description, "contractsInApproval": "\(inApproval.count)"]
            )
        }
        d.emit(CustomerArchived(reason: reason), to: stream)
    }
}

/// CUS-22: restore an archived customer.
public struct RestoreCustomer: Command {
    public let customerId: ID

    public init(customerId: ID) { self.customerId = customerId }

    public func decide(_ d: inout Decision) throws(Rejection) {
        guard let c = d.load(Customer.self, customerId), c.exists else {
            throw .notFound("CUS-22.exists", "customer", id: customerId)
        }
        let stream = StreamRef.of(Customer.self, customerId)
        try d.authorize(.archive, on: .customer, owner: c.ownerId, record: stream, rule: "CUS-22.perm")
        if let survivor = c.mergedIntoId {
            throw .invalidState(
                "CUS-22.notMerged",
                "customer \(customerId) was merged into \(survivor) and cannot be restored; use the survivor",
                ["customerId": customerId.description, "survivorId": survivor.description]
            )
        }
        guard c.archived else {
            throw .invalidState(
                "CUS-22.archived",
                "customer \(customerId) is not archived",
                ["customerId": customerId.description]
            )
        }
        d.emit(CustomerRestored(), to: stream)
    }
}
