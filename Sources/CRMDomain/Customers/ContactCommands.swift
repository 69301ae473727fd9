// Commands of catalogue §2.2 "Contacts" (CON-01..CON-04). Access to a contact follows its customer's owner.

/// Shared checks of the contact commands.
enum ContactRules {
    /// Phone numbers are non-blank and contain no `,` (the text form of the list joins them with `,`).
    static func checkPhones(_ phones: [String], rule: String) throws(Rejection) {
        for p in phones where p.trimmingWhitespace().isEmpty || p.contains(",") {
            throw .invalidInput(rule, field: "phones", "'\(p)' is not a phone number (blank or contains ',')")
        }
    }

    /// Throws when `reportsTo` is not a live contact of `customerStream`, or when following its reporting chain
    /// reaches `contactId` (a cycle).
    static func checkReportsTo(
        _ reportsTo: ID,
        contactId: ID,
        customerStream: StreamRef,
        row: String,
        in d: inout Decision
    ) throws(Rejection) {
        guard reportsTo != contactId else {
            throw .violated(
                "\(row).noReportingCycle",
                "contact \(contactId) cannot report to itself",
                ["contactId": contactId.description]
            )
        }
        let sameCustomer = d.children(of: customerStream, category: Contact.category)
            .contains(.of(Contact.self, reportsTo))
        guard sameCustomer, d.load(Contact.self, reportsTo)?.isLive == true else {
            throw .violated(
                "\(row).reportsToSameCustomer",
                "contact \(reportsTo) is not a live contact of the same customer (\(customerStream.key))",
                ["reportsToContactId": reportsTo.description]
            )
        }
        var current: ID? = reportsTo
        var seen: Set<ID> = []
        while let c = current, seen.insert(c).inserted {
            if c == contactId {
                throw .violated(
                    "\(row).noReportingCycle",
                    "contact \(reportsTo) reports (directly or indirectly) to \(contactId); that makes a reporting "
                        + "cycle",
                    ["contactId": contactId.description, "reportsToContactId": reportsTo.description]
                )
            }
            current = d.load(Contact.self, c)?.reportsToContactId
        }
    }

    /// The numbers of a `phones` text value (`,`-separated); empty for `nil`.
    static func phoneList(_ text: String?) -> [String] {
        guard let text else { return [] }
        return text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    }

    /// The canonical text form of an edited contact value (trimmed phone list, lower-case id), `nil` when empty.
    static func canonical(_ e: CustomerFieldEdit) -> String? {
        guard let v = e.normalized else { return nil }
        switch e.field {
        case "phones": return phoneList(v).map { $0.trimmingWhitespace() }.joined(separator: ",")
        case "reportsToContactId": return ID(v)?.description
        default: return v
        }
    }

    /// The live contact `id` and its current customer (after merges).
    static func liveContact(_ id: ID, row: String, in d: inout Decision) throws(Rejection) -> (Contact, ID, Customer) {
        guard let contact = d.load(Contact.self, id), contact.isLive,
            let (customerId, customer) = CustomerLookup.customer(ofContact: contact, in: &d)
        else { throw .notFound("\(row).exists", "contact", id: id) }
        return (contact, customerId, customer)
    }
}

/// CON-01: add a contact to a live customer.
public struct AddContact: Command {
    public let contactId: ID
    public let customerId: ID
    public let name: String
    public let title: String
    public let department: String
    public let phones: [String]
    public let email: String
    public let reportsToContactId: ID?
    public let role: ContactRole?

    public init(
        contactId: ID,
        customerId: ID,
        name: String,
        title: String = "",
        department: String = "",
        phones: [String] = [],
        email: String = "",
        reportsToContactId: ID? = nil,
        role: ContactRole? = nil
    ) {
        self.contactId = contactId
        self.customerId = customerId
        self.name = name
        self.title = title
        self.department = department
        self.phones = phones
        self.email = email
        self.reportsToContactId = reportsToContactId
        self.role = role
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let row = "CON-01"
        try Rejection.require(name, "\(row).name", field: "name")
        try ContactRules.checkPhones(phones, rule: "\(row).phones")
        guard d.load(Contact.self, contactId) == nil else {
            throw .alreadyExists("\(row).contactIdUnique", "contact", contactId)
        }
        let customer = try CustomerLookup.live(customerId, "\(row).customerLive", in: &d)
        try d.authorize(.create, on: .contact, owner: customer.ownerId, rule: "\(row).perm")
        if let reportsTo = reportsToContactId {
            try ContactRules.checkReportsTo(
                reportsTo,
                contactId: contactId,
                customerStream: .of(Customer.self, customerId),
                row: row,
                in: &d
            )
        }
        d.emit(
            ContactAdded(
                contactId: contactId,
                customerId: customerId,
                name: name.trimmingWhitespace(),
                title: title,
                department: department,
                phones: phones.map { $0.trimmingWhitespace() },
                email: email,
                reportsToContactId: reportsToContactId,
                role: role
            ),
            to: .of(Contact.self, contactId)
        )
    }
}

/// CON-02: edit contact fields (the editable contact fields of ``FieldCatalog``). `phones` takes the numbers
/// joined with `,`; `reportsToContactId` a contact id or nothing; `role` a ``ContactRole`` raw value.
public struct UpdateContact: Command {
    public let contactId: ID
    public let edits: [CustomerFieldEdit]

    public init(contactId: ID, edits: [CustomerFieldEdit]) {
        self.contactId = contactId
        self.edits = edits
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let row = "CON-02"
        let (contact, customerId, customer) = try ContactRules.liveContact(contactId, row: row, in: &d)
        let stream = StreamRef.of(Contact.self, contactId)
        try d.authorize(.edit, on: .contact, owner: customer.ownerId, record: stream, rule: "\(row).perm")
        guard !edits.isEmpty else { throw .missing("\(row).changes", field: "changes") }
        let editable = FieldCatalog.editableFields(of: .contact)
        var seen: Set<String> = []
        for e in edits {
            guard editable.contains(e.field), seen.insert(e.field).inserted else {
                throw .invalidInput(
                    "\(row).field",
                    field: e.field,
                    "is not an editable contact field (\(editable.joined(separator: ", "))) or is edited twice"
                )
            }
            let v = e.normalized
            switch e.field {
            case "name" where v == nil:
                throw .missing("\(row).name", field: "name")
            case "role" where v != nil && ContactRole(rawValue: v ?? "") == nil:
                throw .invalidInput("\(row).role", field: "role", "'\(v ?? "")' is not a contact role")
            case "reportsToContactId" where v != nil && ID(v ?? "") == nil:
                throw .invalidInput(
                    "\(row).reportsToContactId",
                    field: "reportsToContactId",
                    "'\(v ?? "")' is not an id"
                )
            case "phones":
                try ContactRules.checkPhones(ContactRules.phoneList(v), rule: "\(row).phones")
            default:
                break
            }
        }
        try d.authorizeFields(edits.map(\.field), on: .contact, rule: "\(row).fieldPerm")
        let changes = edits.map { e in
            CustomerFieldChange(field: e.field, before: contact.value(of: e.field), after: ContactRules.canonical(e))
        }
        .filter { $0.before != $0.after }
        guard !changes.isEmpty else {
            throw .invalidInput("\(row).changes", field: "changes", "nothing changes on contact \(contactId)")
        }
        if let change = changes.first(where: { $0.field == "reportsToContactId" }),
            let target = change.after.flatMap(ID.init)
        {
            try ContactRules.checkReportsTo(
                target,
                contactId: contactId,
                customerStream: .of(Customer.self, customerId),
                row: row,
                in: &d
            )
        }
        d.emit(ContactUpdated(changes: changes), to: stream)
    }
}

/// CON-03: make a contact of the customer its primary contact (on the customer's stream).
public struct SetPrimaryContact: Command {
    public let customerId: ID
    public let contactId: ID

    public init(customerId: ID, contactId: ID) {
        self.customerId = customerId
        self.contactId = contactId
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let row = "CON-03"
        let c = try CustomerLookup.live(customerId, "\(row).customerExists", in: &d)
        let stream = StreamRef.of(Customer.self, customerId)
        try d.authorize(.edit, on: .customer, owner: c.ownerId, record: stream, rule: "\(row).perm")
        let belongs = d.children(of: stream, category: Contact.category).contains(.of(Contact.self, contactId))
        guard belongs, d.load(Contact.self, contactId)?.isLive == true else {
            throw .violated(
                "\(row).contactBelongs",
                "contact \(contactId) is not a live contact of customer \(customerId); add it to the customer first",
                ["contactId": contactId.description, "customerId": customerId.description]
            )
        }
        guard c.primaryContactId != contactId else {
            throw .invalidInput(
                "\(row).changes",
                field: "contactId",
                "contact \(contactId) is already the primary contact"
            )
        }
        d.emit(PrimaryContactSet(customerId: customerId, contactId: contactId), to: stream)
    }
}

/// CON-04: remove a contact that is not its customer's primary contact.
public struct RemoveContact: Command {
    public let contactId: ID
    public let reason: String

    public init(contactId: ID, reason: String) {
        self.contactId = contactId
        self.reason = reason
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let row = "CON-04"
        let (_, customerId, customer) = try ContactRules.liveContact(contactId, row: row, in: &d)
        let stream = StreamRef.of(Contact.self, contactId)
        try d.authorize(.delete, on: .contact, owner: customer.ownerId, record: stream, rule: "\(row).perm")
        try Rejection.require(reason, "\(row).reason", field: "reason")
        guard customer.primaryContactId != contactId else {
            throw .violated(
                "\(row).notPrimary",
                "contact \(contactId) is the primary contact of customer \(customerId); set another primary "
                    + "contact first",
                ["contactId": contactId.description, "customerId": customerId.description]
            )
        }
        d.emit(ContactRemoved(reason: reason), to: stream)
    }
}
