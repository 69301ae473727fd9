// Contacts (catalogue §2.2 "Contacts"): stream `contact-<contactId>` for CON-01, CON-02, CON-04; the primary-contact
// fact CON-03 is on the customer's stream. A contact has no owner of its own: its access follows the customer's
// owner (proposal in CUS-13). Membership of a customer is the index link `customer-<id>` → `contact-<id>` (moved
// by a merge, CUS-17); `Contact.customerId` is the customer it was added to.

/// A contact's role in buying decisions (SF opportunity contact roles).
public enum ContactRole: String, Codable, Hashable, Sendable, CaseIterable {
    case decisionMaker, economicBuyer, technicalBuyer, influencer, evaluator, businessUser, other
}

/// CON-01. A contact was added to a customer.
public struct ContactAdded: DomainEvent {
    public static let eventType = "ContactAdded"
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
        title: String,
        department: String,
        phones: [String],
        email: String,
        reportsToContactId: ID?,
        role: ContactRole?
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

    public func indexEntries(in stream: StreamRef) -> [IndexEntry] {
        [.link(parent: StreamRef("customer", customerId.description), child: stream)]
    }
}

/// CON-02. Contact fields changed (`name`, `title`, `department`, `phones`, `email`, `reportsToContactId`, `role`).
public struct ContactUpdated: DomainEvent {
    public static let eventType = "ContactUpdated"
    public let changes: [CustomerFieldChange]

    public init(changes: [CustomerFieldChange]) { self.changes = changes }
}

/// CON-03. The customer's primary contact was set (on the customer's stream).
public struct PrimaryContactSet: DomainEvent {
    public static let eventType = "PrimaryContactSet"
    public let customerId: ID
    public let contactId: ID

    public init(customerId: ID, contactId: ID) {
        self.customerId = customerId
        self.contactId = contactId
    }
}

/// CON-04. The contact was removed.
public struct ContactRemoved: DomainEvent {
    public static let eventType = "ContactRemoved"
    public let reason: String

    public init(reason: String) { self.reason = reason }
}

/// A contact person of a customer: stream `contact-<contactId>`.
public struct Contact: Aggregate {
    public static let category = "contact"

    public var exists = false
    public var removed = false
    public var contactId: ID?
    /// The customer the contact was added to (after a merge, the index links it to the survivor).
    public var customerId: ID?
    public var name = ""
    public var title = ""
    public var department = ""
    public var phones: [String] = []
    public var email = ""
    public var reportsToContactId: ID?
    public var role: ContactRole?

    public init() {}

    /// Exists and not removed.
    public var isLive: Bool { exists && !removed }

    /// The text form of a field (as in ``CustomerFieldChange``); `nil` when empty or unknown.
    public func value(of field: String) -> String? {
        let v: String
        switch field {
        case "name": v = name
        case "title": v = title
        case "department": v = department
        case "phones": v = phones.joined(separator: ",")
        case "email": v = email
        case "reportsToContactId": v = reportsToContactId?.description ?? ""
        case "role": v = role?.rawValue ?? ""
        default: return nil
        }
        return v.isEmpty ? nil : v
    }

    public mutating func apply(_ event: any DomainEvent) {
        switch event {
        case let e as ContactAdded:
            exists = true
            contactId = e.contactId
            customerId = e.customerId
            name = e.name
            title = e.title
            department = e.department
            phones = e.phones
            email = e.email
            reportsToContactId = e.reportsToContactId
            role = e.role
        case let e as ContactUpdated:
            for c in e.changes {
                let v = c.after ?? ""
                switch c.field {
                case "name": name = v
                case "title": title = v
                case "department": department = v
                case "phones": phones = v.isEmpty ? [] : v.split(separator: ",").map(String.init)
                case "email": email = v
                case "reportsToContactId": reportsToContactId = ID(v)
                case "role": role = ContactRole(rawValue: v)
                default: break
                }
            }
        case is ContactRemoved:
            removed = true
        default:
            break
        }
    }
}
