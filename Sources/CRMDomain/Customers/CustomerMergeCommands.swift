// Duplicates and merge (CUS-16, CUS-17, CUS-18), §1.1 "Dedupe and merge" (Salesforce merge: up to 3 records,
// victims deleted, children re-parented to the master, kept victim values set explicitly).

/// CUS-16: flag records (leads, customers or contacts) as possible duplicates of each other. The fact is recorded
/// on the stream of every flagged record.
public struct FlagDuplicates: Command {
    public let entityType: ObjectType
    public let ids: [ID]
    public let matchRule: String
    /// Basis points, 0...10 000.
    public let score: Int64

    public init(entityType: ObjectType, ids: [ID], matchRule: String, score: Int64) {
        self.entityType = entityType
        self.ids = ids
        self.matchRule = matchRule
        self.score = score
    }

    public static let entityTypes: [ObjectType] = [.lead, .customer, .contact]

    public func decide(_ d: inout Decision) throws(Rejection) {
        let row = "CUS-16"
        guard FlagDuplicates.entityTypes.contains(entityType) else {
            throw .invalidInput(
                "\(row).entityType",
                field: "entityType",
                "must be lead, customer or contact, got \(entityType.rawValue)"
            )
        }
        try d.authorize(.merge, on: entityType, rule: "\(row).perm")
        guard ids.count >= 2, Set(ids).count == ids.count else {
            throw .invalidInput("\(row).ids", field: "ids", "needs at least two distinct ids, got \(ids)")
        }
        try Rejection.require(matchRule, "\(row).matchRule", field: "matchRule")
        guard (0...10_000).contains(score) else {
            throw .invalidInput("\(row).score", field: "score", "must be 0...10000 basis points, got \(score)")
        }
        for id in ids {
            switch entityType {
            case .customer:
                guard let c = d.load(Customer.self, id), c.exists else {
                    throw .notFound("\(row).allExist", "customer", id: id)
                }
                if let survivor = c.mergedIntoId {
                    throw .invalidState(
                        "\(row).notMerged",
                        "customer \(id) was merged into \(survivor) already",
                        ["customerId": id.description, "survivorId": survivor.description]
                    )
                }
            case .contact:
                guard d.load(Contact.self, id)?.isLive == true else {
                    throw .notFound("\(row).allExist", "contact", id: id)
                }
            default:
                guard d.recordOwner(entityType, id)?.exists == true else {
                    throw .notFound("\(row).allExist", entityType.rawValue, id: id)
                }
            }
        }
        let event = DuplicateSuspected(entityType: entityType, ids: ids, matchRule: matchRule, score: score)
        for id in ids { d.emit(event, to: StreamRef(entityType.category, id.description)) }
    }
}

/// Which record's value of a field the survivor keeps.
public struct MergeFieldChoice: Hashable, Sendable {
    public let field: String
    public let sourceId: ID

    public init(field: String, sourceId: ID) {
        self.field = field
        self.sourceId = sourceId
    }
}

/// CUS-17 + CUS-18: merge one or two customers into a survivor in one decision. Fields not chosen keep the
/// survivor's value. Contacts, opportunities, contracts, activities and payments linked to the victims move to the
/// survivor; a victim's name is released unless the survivor takes it. When a victim was dealt and the survivor was
/// not, the survivor becomes dealt (CUS-20, cause manual) because the victim's signed contracts now belong to it.
public struct MergeCustomers: Command {
    public let survivorId: ID
    public let mergedIds: [ID]
    public let keep: [MergeFieldChoice]

    public init(survivorId: ID, mergedIds: [ID], keep: [MergeFieldChoice] = []) {
        self.survivorId = survivorId
        self.mergedIds = mergedIds
        self.keep = keep
    }

    /// Fields a merge may take from a victim: the editable customer fields and the level.
    public static var mergeableFields: [String] { FieldCatalog.editableFields(of: .customer) + ["level"] }

    /// Child record categories re-parented by a merge.
    public static let childCategories = ["contact", "opportunity", "contract", "activity", "payment"]

    public func decide(_ d: inout Decision) throws(Rejection) {
        let row = "CUS-17"
        guard (1...2).contains(mergedIds.count) else {
            throw .violated(
                "\(row).mergeCount",
                "a merge takes 1 or 2 customers into the survivor (3 records at most), got \(mergedIds.count)",
                ["mergedIds": "\(mergedIds.count)"]
            )
        }
        guard Set(mergedIds).count == mergedIds.count, !mergedIds.contains(survivorId) else {
            throw .invalidInput(
                "\(row).mergedIds",
                field: "mergedIds",
                "must be distinct and exclude the survivor \(survivorId)"
            )
        }
        let allIds = [survivorId] + mergedIds
        var records: [ID: Customer] = [:]
        for id in allIds { records[id] = try CustomerLookup.live(id, "\(row).allLive", in: &d) }
        for id in allIds {
            let c = records[id] ?? Customer()
            try d.authorize(.edit, on: .customer, owner: c.ownerId, record: .of(Customer.self, id), rule: "\(row).perm")
        }
        for id in allIds {
            if let p = records[id]?.pendingTransfer {
                throw .invalidState(
                    "\(row).noPendingTransfer",
                    "customer \(id) has pending transfer request \(p.requestId); decide or withdraw it before merging",
                    ["customerId": id.description, "requestId": p.requestId.description]
                )
            }
            let inApproval = d.children(of: .of(Customer.self, id), category: Contract.category)
                .filter { d.load(Contract.self, stream: $0)?.status == .submitted }
            if let first = inApproval.first {
                throw .invalidState(
                    "\(row).noPendingApproval",
                    "customer \(id) has contract \(first.key) in approval; wait for the decision or recall it",
                    ["customerId": id.description, "contract": first.key]
                )
            }
        }
        let lists = Set(allIds.compactMap { records[$0]?.effectiveList(on: d.now.date) })
        try Rejection.ensure(
            !(lists.contains(.black) && lists.contains(.white)),
            "\(row).listConflict",
            "one of the customers is blacklisted and another whitelisted; delist one before merging",
            ["ids": allIds.map(\.description).joined(separator: ",")]
        )
        let survivor = records[survivorId] ?? Customer()
        var resolutions: [MergeFieldResolution] = []
        var fields: Set<String> = []
        for choice in keep {
            guard MergeCustomers.mergeableFields.contains(choice.field), fields.insert(choice.field).inserted else {
                throw .invalidInput(
                    "\(row).fieldResolutions",
                    field: choice.field,
                    "is not a mergeable field (\(MergeCustomers.mergeableFields.joined(separator: ", "))) or is "
                        + "chosen twice"
                )
            }
            guard let source = records[choice.sourceId] else {
                throw .invalidInput(
                    "\(row).fieldResolutions",
                    field: choice.field,
                    "source \(choice.sourceId) is not one of the merged customers"
                )
            }
            resolutions.append(
                MergeFieldResolution(
                    field: choice.field,
                    sourceId: choice.sourceId,
                    before: survivor.value(of: choice.field),
                    after: source.value(of: choice.field)
                )
            )
        }
        let takenNameFrom = resolutions.first { $0.field == "name" && $0.sourceId != survivorId }?.sourceId
        var moved: [String: [ReparentedRecord]] = [:]
        for victim in mergedIds {
            for category in MergeCustomers.childCategories {
                for child in d.children(of: .of(Customer.self, victim), category: category) {
                    guard let id = child.id else { continue }
                    moved[category, default: []].append(ReparentedRecord(id: id, fromCustomerId: victim))
                }
            }
        }
        d.emit(
            CustomersMerged(
                survivorId: survivorId,
                mergedIds: mergedIds,
                fieldResolutions: resolutions,
                reparented: MergeReparented(
                    contacts: moved["contact"] ?? [],
                    opportunities: moved["opportunity"] ?? [],
                    contracts: moved["contract"] ?? [],
                    activities: moved["activity"] ?? [],
                    payments: moved["payment"] ?? []
                )
            ),
            to: .of(Customer.self, survivorId)
        )
        for victim in mergedIds {
            let name = records[victim]?.name
            d.emit(
                CustomerMergedAway(survivorId: survivorId, releasedName: victim == takenNameFrom ? nil : name),
                to: .of(Customer.self, victim)
            )
        }
        if !survivor.dealt, mergedIds.contains(where: { records[$0]?.dealt == true }) {
            d.emit(CustomerDealStatusChanged(dealt: true, cause: .manual), to: .of(Customer.self, survivorId))
        }
    }
}
