// Lead conversion (LED-09, §1.1 "Lead conversion" [SF-conv][WK-lead]) and the process manager that creates the
// records it names (§2.11: LED-09 → CUS-01 if new customer, CON-01 if new contact, OPP-04 if requested).

/// LED-09: convert a lead, once, into a new or existing customer and contact, and optionally a new opportunity.
///
/// The conversion decides and records everything; ``LeadConversionProcess`` then issues the record commands, so the
/// checks here cover what those commands would refuse (unique customer name, owner cap, contact of the customer,
/// pipeline with an open stage). Values merge into existing records by filling empty fields only (Salesforce);
/// `overwriteSource` lets the lead's channel replace an existing customer's source.
public struct ConvertLead: Command {
    public let leadId: ID
    public let convertedStatus: String
    public let ownerId: ID
    public let customerId: ID
    public let customerIsNew: Bool
    public let contactId: ID
    public let contactIsNew: Bool
    public let opportunityId: ID?
    public let opportunity: LeadOpportunityRequest?
    public let overwriteSource: Bool

    public init(
        leadId: ID,
        convertedStatus: String = "converted",
        ownerId: ID,
        customerId: ID,
        customerIsNew: Bool,
        contactId: ID,
        contactIsNew: Bool,
        opportunityId: ID? = nil,
        opportunity: LeadOpportunityRequest? = nil,
        overwriteSource: Bool = false
    ) {
        self.leadId = leadId
        self.convertedStatus = convertedStatus
        self.ownerId = ownerId
        self.customerId = customerId
        self.customerIsNew = customerIsNew
        self.contactId = contactId
        self.contactIsNew = contactIsNew
        self.opportunityId = opportunityId
        self.opportunity = opportunity
        self.overwriteSource = overwriteSource
    }

    /// The name a new customer gets: the lead's company, or the person's name for a person lead.
    public static func customerName(of lead: Lead) -> String { lead.company ?? lead.name }

    public func decide(_ d: inout Decision) throws(Rejection) {
        guard let lead = d.load(Lead.self, leadId), lead.exists else {
            throw .notFound("LED-09.leadExists", "lead", id: leadId)
        }
        let stream = StreamRef.of(Lead.self, leadId)
        try d.authorize(.convert, on: .lead, owner: lead.ownerId, record: stream, rule: "LED-09.perm")
        guard (opportunityId == nil) == (opportunity == nil) else {
            throw .invalidInput(
                "LED-09.opportunity",
                field: opportunityId == nil ? "opportunityId" : "opportunity",
                "an opportunity needs both its id and its data"
            )
        }
        if let conversion = lead.conversion {
            throw .invalidState(
                "LED-09.notConverted",
                "lead \(leadId) was already converted into customer \(conversion.customerId); a lead converts once",
                ["leadId": leadId.description, "customerId": conversion.customerId.description]
            )
        }
        guard let status = LeadStatusCatalog.entry(convertedStatus), status.isConverted else {
            throw .violated(
                "LED-09.convertedStatus",
                "'\(convertedStatus)' is not a converted lead status; use one of "
                    + LeadStatusCatalog.entries.filter(\.isConverted).map(\.name).joined(separator: ", "),
                ["convertedStatus": convertedStatus]
            )
        }
        if let pool = lead.poolId {
            throw .violated(
                "LED-09.ownerIsUser",
                "lead \(leadId) sits in pool \(pool), not with a user; claim or distribute it before converting",
                ["poolId": pool.description]
            )
        }
        guard d.organisation.isActiveUser(ownerId) else {
            throw .violated(
                "LED-09.ownerIsUser",
                "owner \(ownerId) is not an active user; converted records need a user as owner, not a pool or queue",
                ["ownerId": ownerId.description]
            )
        }
        let customerName = ConvertLead.customerName(of: lead)
        if customerIsNew {
            guard d.load(Customer.self, customerId) == nil else {
                throw .alreadyExists("LED-09.customerIdUnique", "customer", customerId)
            }
        } else {
            guard d.load(Customer.self, customerId)?.isLive == true else {
                throw .notFound("LED-09.customerExists", "customer", id: customerId)
            }
        }
        if contactIsNew {
            guard d.load(Contact.self, contactId) == nil else {
                throw .alreadyExists("LED-09.contactIdUnique", "contact", contactId)
            }
        } else {
            guard let contact = d.load(Contact.self, contactId), contact.isLive else {
                throw .notFound("LED-09.contactExists", "contact", id: contactId)
            }
            let owning = CustomerLookup.customer(ofContact: contact, in: &d)?.id
            guard !customerIsNew, owning == customerId else {
                throw .violated(
                    "LED-09.contactOfCustomer",
                    "existing contact \(contactId) belongs to customer \(owning?.description ?? "none"), not to "
                        + (customerIsNew ? "the new customer \(customerId)" : "customer \(customerId)")
                        + "; pick a contact of that customer or create a new contact",
                    ["contactId": contactId.description, "customerId": customerId.description]
                )
            }
        }
        if customerIsNew {
            try OwnershipCaps.checkOwned(ownerId, taking: [Customer()], rule: "LED-09.ownerCap", in: &d)
            if let holder = d.lookup(CustomerIndex.nameKey(customerName)) {
                throw Rejection(
                    kind: .alreadyExists,
                    rule: "LED-09.customerNameUnique",
                    message: "customer name '\(customerName)' is already used by \(holder); convert into that customer "
                        + "or rename the lead's company",
                    values: ["name": customerName, "holder": holder.name]
                )
            }
        }
        if let opportunityId, let opportunity {
            try check(opportunity, id: opportunityId, in: &d)
        }
        d.emit(
            LeadConverted(
                customerId: customerId,
                customerIsNew: customerIsNew,
                contactId: contactId,
                contactIsNew: contactIsNew,
                opportunityId: opportunityId,
                opportunity: opportunity,
                convertedStatus: convertedStatus,
                ownerId: ownerId,
                mergePolicy: .fillEmptyOnly,
                overwriteSource: overwriteSource,
                releasedDedupeKeys: lead.dedupeKeys
            ),
            to: stream
        )
    }

    /// The requested opportunity must be creatable by OPP-04: a fresh id, a name, a valid non-negative amount, an
    /// existing pipeline with an open stage, and a customer that is not blacklisted.
    private func check(_ o: LeadOpportunityRequest, id: ID, in d: inout Decision) throws(Rejection) {
        try Rejection.require(o.name, "LED-09.opportunity", field: "opportunity.name")
        guard o.amount.currency.count == 3, o.amount.currency.allSatisfy({ $0.isUppercase && $0.isLetter }) else {
            throw .invalidInput(
                "LED-09.opportunity",
                field: "opportunity.amount",
                "'\(o.amount.currency)' is not an ISO 4217 code"
            )
        }
        guard !o.amount.isNegative else {
            throw .invalidInput("LED-09.opportunity", field: "opportunity.amount", "must be ≥ 0, got \(o.amount)")
        }
        guard d.load(Opportunity.self, id) == nil else {
            throw .alreadyExists("LED-09.opportunityIdUnique", "opportunity", id)
        }
        guard let pipeline = d.load(Pipeline.self, o.pipelineId), pipeline.exists, pipeline.firstOpenStage != nil else {
            throw .notFound("LED-09.pipelineExists", "pipeline with an open stage", id: o.pipelineId)
        }
        if !customerIsNew, d.load(Customer.self, customerId)?.effectiveList(on: d.now.date) == .black {
            throw .violated(
                "LED-09.opportunity",
                "customer \(customerId) is blacklisted; convert without an opportunity or delist the customer first",
                ["customerId": customerId.description]
            )
        }
    }
}

/// LED-09 → CUS-01 (new customer), CON-01 (new contact), OPP-04 (+ OPP-05 for its name) when requested; for an
/// existing customer or contact, CUS-02 / CON-02 fill the fields that are empty there with the lead's values
/// (`fillEmptyOnly`; the source is overwritten only with `overwriteSource`).
public struct LeadConversionProcess: ProcessManager {
    public let name = "leadConversion"

    public init() {}

    public func react(to event: RecordedDomainEvent, context: any DecisionContext) -> [any Command] {
        guard let e = event.event as? LeadConverted, let leadId = event.stream.id else { return [] }
        let lead = Lead.fold(context.events(of: event.stream).events)
        let source = lead.channel?.rawValue ?? ""
        var commands: [any Command] = []
        if e.customerIsNew {
            commands.append(
                CreateCustomer(
                    customerId: e.customerId,
                    name: ConvertLead.customerName(of: lead),
                    kind: lead.company == nil ? .person : .company,
                    source: source,
                    industry: lead.industry ?? "",
                    address: lead.address ?? "",
                    ownerId: e.ownerId,
                    createdVia: .leadConversion(leadId)
                )
            )
        } else {
            let customer = Customer.fold(context.events(of: .of(Customer.self, e.customerId)).events)
            var wanted: [(String, String?)] = [("industry", lead.industry), ("address", lead.address)]
            if lead.company != nil {
                wanted += [("phone", lead.phone), ("email", lead.email)]
            }
            var edits = fillEmpty(wanted) { customer.value(of: $0) }
            if e.overwriteSource, customer.source != source {
                edits.append(CustomerFieldEdit("source", source))
            } else {
                edits += fillEmpty([("source", source)]) { customer.value(of: $0) }
            }
            if !edits.isEmpty { commands.append(UpdateCustomer(customerId: e.customerId, edits: edits)) }
        }
        if e.contactIsNew {
            commands.append(
                AddContact(
                    contactId: e.contactId,
                    customerId: e.customerId,
                    name: lead.name,
                    title: lead.title ?? "",
                    phones: lead.phone.map { [$0] } ?? [],
                    email: lead.email ?? ""
                )
            )
        } else {
            let contact = Contact.fold(context.events(of: .of(Contact.self, e.contactId)).events)
            let edits = fillEmpty([("title", lead.title), ("phones", lead.phone), ("email", lead.email)]) {
                contact.value(of: $0)
            }
            if !edits.isEmpty { commands.append(UpdateContact(contactId: e.contactId, edits: edits)) }
        }
        if let oppId = e.opportunityId, let o = e.opportunity {
            commands.append(
                CreateOpportunity(
                    oppId: oppId,
                    customerId: e.customerId,
                    primaryContactId: e.contactId,
                    pipelineId: o.pipelineId,
                    amount: o.amount,
                    expectedCloseDate: o.expectedCloseDate,
                    ownerId: e.ownerId,
                    source: source,
                    campaignId: lead.campaignId,
                    fromLeadId: leadId
                )
            )
            commands.append(
                UpdateOpportunity(oppId: oppId, values: [OpportunityFieldValue(field: .name, value: o.name)])
            )
        }
        return commands
    }

    /// Edits for the fields whose current value is empty and whose lead value is not.
    private func fillEmpty(_ wanted: [(String, String?)], current: (String) -> String?) -> [CustomerFieldEdit] {
        wanted.compactMap { field, value in
            guard let value, !value.isEmpty, (current(field) ?? "").isEmpty else { return nil }
            return CustomerFieldEdit(field, value)
        }
    }
}

/// LED-01/LED-02 with the `flag` dedupe policy (§2.2 LED-01: "if it is flag, the dedupe process emits CUS-16
/// afterwards"): a captured or edited lead whose new dedupe keys match other live leads is flagged with them
/// (CUS-16, score 10 000 = exact key match, rule `lead.<kind>`). Matches with customers are reported by the
/// capture's block policy; CUS-16 flags records of one type.
public struct LeadDedupeProcess: ProcessManager {
    public let name = "leadDedupe"

    public init() {}

    public func react(to event: RecordedDomainEvent, context: any DecisionContext) -> [any Command] {
        guard let leadId = event.stream.id, event.stream.category == Lead.category else { return [] }
        let keys: [LeadDedupeKey]
        switch event.event {
        case let e as LeadCaptured:
            keys = e.dedupeKeys
        case let e as LeadUpdated:
            keys = e.changes.compactMap { c in
                guard let kind = LeadDedupeKey.Kind(field: c.field), let after = LeadDedupeKey.make(kind, c.after),
                    after != LeadDedupeKey.make(kind, c.before)
                else { return nil }
                return after
            }
        default:
            return []
        }
        var commands: [any Command] = []
        for key in keys {
            var ids: [ID] = []
            for stream in context.children(of: LeadIndex.dedupe(key), category: Lead.category) {
                guard let id = stream.id, id != leadId else { continue }
                let other = Lead.fold(context.events(of: stream).events)
                if other.isLive && other.dedupeKeys.contains(key) { ids.append(id) }
            }
            guard !ids.isEmpty else { continue }
            commands.append(
                FlagDuplicates(
                    entityType: .lead,
                    ids: [leadId] + ids.sorted(),
                    matchRule: "lead.\(key.kind.rawValue)",
                    score: 10_000
                )
            )
        }
        return commands
    }
}
