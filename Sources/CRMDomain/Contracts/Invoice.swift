// Invoices (发票, catalogue §2.5 INV-01..INV-05), stream `invoice-<invoiceId>`, linked to their contract.

/// The kind of invoice (WK `invoiceType`).
public enum InvoiceType: String, Codable, Hashable, Sendable, CaseIterable {
    /// 增值税专用发票.
    case vatSpecial
    /// 增值税普通发票.
    case vatOrdinary
    /// 电子普通发票.
    case electronicOrdinary
    /// 收据.
    case receipt
}

/// Whom the invoice is made out to: an organisation (needs a tax number) or a person.
public enum InvoiceTitleType: String, Codable, Hashable, Sendable, CaseIterable { case org, person }

/// Where the paper invoice is mailed.
public struct InvoiceMailing: Codable, Hashable, Sendable {
    public let contact: String
    public let address: String

    public init(contact: String, address: String) {
        self.contact = contact
        self.address = address
    }
}

/// INV-01. An invoice is requested against a contract.
public struct InvoiceRequested: DomainEvent {
    public static let eventType = "InvoiceRequested"
    public let invoiceId: ID
    public let applyNo: String
    public let contractId: ID
    public let customerId: ID
    public let amount: Money
    public let invoiceType: InvoiceType
    public let titleType: InvoiceTitleType
    public let title: String
    public let taxNumber: String?
    public let bank: String?
    public let account: String?
    public let address: String?
    public let phone: String?
    public let mailing: InvoiceMailing?

    public init(
        invoiceId: ID,
        applyNo: String,
        contractId: ID,
        customerId: ID,
        amount: Money,
        invoiceType: InvoiceType,
        titleType: InvoiceTitleType,
        title: String,
        taxNumber: String?,
        bank: String?,
        account: String?,
        address: String?,
        phone: String?,
        mailing: InvoiceMailing?
    ) {
        self.invoiceId = invoiceId
        self.applyNo = applyNo
        self.contractId = contractId
        self.customerId = customerId
        self.amount = amount
        self.invoiceType = invoiceType
        self.titleType = titleType
        self.title = title
        self.taxNumber = taxNumber
        self.bank = bank
        self.account = account
        self.address = address
        self.phone = phone
        self.mailing = mailing
    }

    /// Claims the application number and links the invoice to its contract.
    public func indexEntries(in stream: StreamRef) -> [IndexEntry] {
        [
            .claim(Invoice.applyNoKey(applyNo), owner: stream),
            .link(parent: StreamRef(Contract.category, contractId.description), child: stream),
        ]
    }
}

/// INV-02. The invoice's approval completed.
public struct InvoiceApproved: DomainEvent {
    public static let eventType = "InvoiceApproved"
    public let approvalId: ID

    public init(approvalId: ID) { self.approvalId = approvalId }
}

/// INV-03. The invoice's approval was rejected (terminal).
public struct InvoiceRejected: DomainEvent {
    public static let eventType = "InvoiceRejected"
    public let approvalId: ID
    public let reason: String

    public init(approvalId: ID, reason: String) {
        self.approvalId = approvalId
        self.reason = reason
    }
}

/// INV-04. The invoice was issued under a unique invoice number.
public struct InvoiceIssued: DomainEvent {
    public static let eventType = "InvoiceIssued"
    public let invoiceNumber: String
    public let issuedAt: Timestamp
    public let logisticsNo: String?

    public init(invoiceNumber: String, issuedAt: Timestamp, logisticsNo: String?) {
        self.invoiceNumber = invoiceNumber
        self.issuedAt = issuedAt
        self.logisticsNo = logisticsNo
    }

    public func indexEntries(in stream: StreamRef) -> [IndexEntry] {
        [.claim(Invoice.numberKey(invoiceNumber), owner: stream)]
    }
}

/// INV-05. An issued invoice is reversed (红冲, credit note).
public struct InvoiceReversed: DomainEvent {
    public static let eventType = "InvoiceReversed"
    public let creditNoteNumber: String?
    public let reason: String

    public init(creditNoteNumber: String?, reason: String) {
        self.creditNoteNumber = creditNoteNumber
        self.reason = reason
    }
}

/// An invoice request and its invoice, folded from `invoice-<invoiceId>`.
public struct Invoice: Aggregate {
    public static let category = "invoice"

    public enum Status: String, Codable, Hashable, Sendable, CaseIterable {
        case requested, approved, rejected, issued, reversed
    }

    public var exists = false
    public var invoiceId: ID?
    public var applyNo = ""
    public var contractId: ID?
    public var customerId: ID?
    public var amount: Money?
    public var invoiceType: InvoiceType?
    public var titleType: InvoiceTitleType?
    public var title = ""
    public var status: Status = .requested
    public var approvalId: ID?
    public var invoiceNumber: String?
    public var issuedAt: Timestamp?

    public init() {}

    public static func applyNoKey(_ applyNo: String) -> UniqueKey {
        UniqueKey(scope: "invoice.applyNo", value: applyNo)
    }
    public static func numberKey(_ number: String) -> UniqueKey { UniqueKey(scope: "invoice.number", value: number) }

    /// Counts toward "Σ(requested + issued − reversed)" of the contract: requested, approved and issued invoices.
    public var committedMinor: Int64 {
        switch status {
        case .requested, .approved, .issued: amount?.amountMinor ?? 0
        case .rejected, .reversed: 0
        }
    }

    public mutating func apply(_ event: any DomainEvent) {
        switch event {
        case let e as InvoiceRequested:
            exists = true
            invoiceId = e.invoiceId
            applyNo = e.applyNo
            contractId = e.contractId
            customerId = e.customerId
            amount = e.amount
            invoiceType = e.invoiceType
            titleType = e.titleType
            title = e.title
            status = .requested
        case let e as InvoiceApproved:
            status = .approved
            approvalId = e.approvalId
        case let e as InvoiceRejected:
            status = .rejected
            approvalId = e.approvalId
        case let e as InvoiceIssued:
            status = .issued
            invoiceNumber = e.invoiceNumber
            issuedAt = e.issuedAt
        case is InvoiceReversed:
            status = .reversed
        default:
            break
        }
    }
}
