// Commands of catalogue §2.5, invoices (INV-01..INV-05).

/// INV-01: request an invoice against an approved or signed contract. A tax number is required for an
/// organisation title (proposal). When an invoice approval flow applies, the contract approval process submits
/// the request for approval; a flow that cannot resolve its approvers refuses the request here already.
public struct RequestInvoice: Command {
    public let invoiceId: ID
    public let applyNo: String
    public let contractId: ID
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
        amount: Money,
        invoiceType: InvoiceType,
        titleType: InvoiceTitleType,
        title: String,
        taxNumber: String? = nil,
        bank: String? = nil,
        account: String? = nil,
        address: String? = nil,
        phone: String? = nil,
        mailing: InvoiceMailing? = nil
    ) {
        self.invoiceId = invoiceId
        self.applyNo = applyNo
        self.contractId = contractId
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

    public func decide(_ d: inout Decision) throws(Rejection) {
        let c = try d.contract(contractId, rule: "INV-01.contractExists")
        try d.authorize(
            .create,
            on: .invoice,
            owner: c.ownerId,
            record: .of(Contract.self, contractId),
            rule: "INV-01.perm"
        )
        try Rejection.require(applyNo, "INV-01.applyNo", field: "applyNo")
        try Rejection.require(title, "INV-01.title", field: "title")
        if let m = mailing {
            try Rejection.require(m.contact, "INV-01.mailing", field: "mailing.contact")
            try Rejection.require(m.address, "INV-01.mailing", field: "mailing.address")
        }
        guard let total = c.amount, let customerId = c.customerId else {
            throw .notFound("INV-01.contractExists", "contract", id: contractId)
        }
        try ContractMoneyChecks.positive(amount, currency: total.currency, field: "amount", rule: "INV-01.amount")
        guard d.load(Invoice.self, invoiceId) == nil else {
            throw .alreadyExists("INV-01.invoiceIdUnique", "invoice", invoiceId)
        }
        if let holder = d.lookup(Invoice.applyNoKey(applyNo)) {
            throw .violated(
                "INV-01.applyNoUnique",
                "invoice application number '\(applyNo)' is already used by \(holder); choose another",
                ["applyNo": applyNo]
            )
        }
        guard c.isEffective else {
            throw .invalidState(
                "INV-01.contractEffective",
                "contract \(c.number) is \(d.effectiveStatus(of: c).rawValue); invoices are requested only against "
                    + "approved or signed contracts",
                ["contractId": contractId.description, "status": c.status.rawValue]
            )
        }
        let committed = d.invoices(ofContract: contractId).reduce(Int64(0)) { $0 + $1.committedMinor }
        guard committed + amount.amountMinor <= total.amountMinor else {
            throw .violated(
                "INV-01.withinContractAmount",
                "requested and issued invoices (net of reversals) total \(committed); with \(amount.amountMinor) more "
                    + "they would exceed the contract amount \(total.amountMinor) (at most "
                    + "\(total.amountMinor - committed) can be invoiced)",
                [
                    "committed": "\(committed)", "amount": "\(amount.amountMinor)",
                    "contractAmount": "\(total.amountMinor)",
                ]
            )
        }
        if titleType == .org, (taxNumber ?? "").trimmingWhitespace().isEmpty {
            throw .violated(
                "INV-01.taxNumberForOrg",
                "an invoice made out to the organisation '\(title)' needs its tax number",
                ["titleType": titleType.rawValue]
            )
        }
        _ = try ApprovalRouting.route(
            .invoice,
            submitterId: d.actor.userId ?? c.ownerId ?? contractId,
            amount: amount,
            in: &d,
            rule: "INV-01.approvalRoute"
        )
        d.emit(
            InvoiceRequested(
                invoiceId: invoiceId,
                applyNo: applyNo,
                contractId: contractId,
                customerId: customerId,
                amount: amount,
                invoiceType: invoiceType,
                titleType: titleType,
                title: title,
                taxNumber: taxNumber,
                bank: bank,
                account: account,
                address: address,
                phone: phone,
                mailing: mailing
            ),
            to: .of(Invoice.self, invoiceId)
        )
    }
}

/// Submits a requested invoice to the invoice approval flow that applies (APR-03); issued by the contract approval
/// process after INV-01. The approval id comes from the id generator.
public struct RequestInvoiceApproval: Command {
    public let invoiceId: ID
    public let submitterId: ID

    public init(invoiceId: ID, submitterId: ID) {
        self.invoiceId = invoiceId
        self.submitterId = submitterId
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        guard let inv = d.load(Invoice.self, invoiceId), inv.exists else {
            throw .notFound("INV-02.invoiceExists", "invoice", id: invoiceId)
        }
        guard inv.status == .requested else {
            throw .invalidState("INV-02.requested", "invoice \(inv.applyNo) is \(inv.status.rawValue), not requested")
        }
        try ApprovalRouting.submit(
            .invoice,
            id: invoiceId,
            label: inv.applyNo,
            submitterId: submitterId,
            amount: inv.amount,
            in: &d,
            rule: "INV-02.approvalRoute"
        )
    }
}

/// Loads an invoice and checks perm(`action`) on it (data scope of the contract owner).
private func loadInvoice(_ id: ID, _ action: Action, rule p: String, in d: inout Decision) throws(Rejection) -> Invoice
{
    guard let inv = d.load(Invoice.self, id), inv.exists, let contractId = inv.contractId else {
        throw .notFound("\(p).invoiceExists", "invoice", id: id)
    }
    let owner = d.load(Contract.self, contractId)?.ownerId
    try d.authorize(action, on: .invoice, owner: owner, record: .of(Invoice.self, id), rule: "\(p).perm")
    return inv
}

/// INV-02: the invoice's approval completed (APR-07).
public struct ApproveInvoice: Command {
    public let invoiceId: ID
    public let approvalId: ID

    public init(invoiceId: ID, approvalId: ID) {
        self.invoiceId = invoiceId
        self.approvalId = approvalId
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let inv = try loadInvoice(invoiceId, .approve, rule: "INV-02", in: &d)
        guard inv.status == .requested else {
            throw .invalidState(
                "INV-02.requested",
                "invoice \(inv.applyNo) is \(inv.status.rawValue); only requested invoices are approved",
                ["invoiceId": invoiceId.description, "status": inv.status.rawValue]
            )
        }
        try ApprovalRouting.requireApproval(
            approvalId,
            status: .approved,
            type: .invoice,
            id: invoiceId,
            in: &d,
            rule: "INV-02.approvalCompleted"
        )
        d.emit(InvoiceApproved(approvalId: approvalId), to: .of(Invoice.self, invoiceId))
    }
}

/// INV-03: the invoice's approval was rejected (APR-05).
public struct RejectInvoice: Command {
    public let invoiceId: ID
    public let approvalId: ID
    public let reason: String

    public init(invoiceId: ID, approvalId: ID, reason: String) {
        self.invoiceId = invoiceId
        self.approvalId = approvalId
        self.reason = reason
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let inv = try loadInvoice(invoiceId, .approve, rule: "INV-03", in: &d)
        try Rejection.require(reason, "INV-03.reason", field: "reason")
        guard inv.status == .requested else {
            throw .invalidState(
                "INV-03.requested",
                "invoice \(inv.applyNo) is \(inv.status.rawValue); only requested invoices are rejected",
                ["invoiceId": invoiceId.description, "status": inv.status.rawValue]
            )
        }
        try ApprovalRouting.requireApproval(
            approvalId,
            status: .rejected,
            type: .invoice,
            id: invoiceId,
            in: &d,
            rule: "INV-03.approvalRejected"
        )
        d.emit(InvoiceRejected(approvalId: approvalId, reason: reason), to: .of(Invoice.self, invoiceId))
    }
}

/// INV-04: issue an approved invoice (or a requested one when no approval was submitted and no invoice flow
/// applies) under a unique invoice number.
public struct IssueInvoice: Command {
    public let invoiceId: ID
    public let invoiceNumber: String
    public let issuedAt: Timestamp
    public let logisticsNo: String?

    public init(invoiceId: ID, invoiceNumber: String, issuedAt: Timestamp, logisticsNo: String? = nil) {
        self.invoiceId = invoiceId
        self.invoiceNumber = invoiceNumber
        self.issuedAt = issuedAt
        self.logisticsNo = logisticsNo
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let inv = try loadInvoice(invoiceId, .edit, rule: "INV-04", in: &d)
        try Rejection.require(invoiceNumber, "INV-04.invoiceNumber", field: "invoiceNumber")
        guard issuedAt <= d.now else {
            throw .invalidInput("INV-04.issuedAt", field: "issuedAt", "\(issuedAt) is in the future")
        }
        switch inv.status {
        case .approved:
            break
        case .requested:
            let target = ApprovalTarget(type: .invoice, id: invoiceId, version: 1)
            if let a = ApprovalRouting.approvals(of: target, in: &d).last, let aid = a.approvalId {
                throw .invalidState(
                    "INV-04.approved",
                    "invoice \(inv.applyNo) is awaiting approval \(aid) (\(a.status.rawValue)); issue it once approved",
                    ["approvalId": aid.description]
                )
            }
            let owner = inv.contractId.flatMap { d.load(Contract.self, $0)?.ownerId } ?? invoiceId
            if let flow = try ApprovalRouting.route(
                .invoice,
                submitterId: owner,
                amount: inv.amount,
                in: &d,
                rule: "INV-04.approved"
            ) {
                throw .invalidState(
                    "INV-04.approved",
                    "invoice approval flow \(flow) applies to invoice \(inv.applyNo); issue it once approved",
                    ["flow": flow.description]
                )
            }
        default:
            throw .invalidState(
                "INV-04.approved",
                "invoice \(inv.applyNo) is \(inv.status.rawValue); only approved invoices are issued",
                ["invoiceId": invoiceId.description, "status": inv.status.rawValue]
            )
        }
        if let holder = d.lookup(Invoice.numberKey(invoiceNumber)) {
            throw .violated(
                "INV-04.invoiceNumberUnique",
                "invoice number '\(invoiceNumber)' is already used by \(holder)",
                ["invoiceNumber": invoiceNumber]
            )
        }
        d.emit(
            InvoiceIssued(invoiceNumber: invoiceNumber, issuedAt: issuedAt, logisticsNo: logisticsNo),
            to: .of(Invoice.self, invoiceId)
        )
    }
}

/// INV-05: reverse an issued invoice (红冲 / credit note).
public struct ReverseInvoice: Command {
    public let invoiceId: ID
    public let creditNoteNumber: String?
    public let reason: String

    public init(invoiceId: ID, creditNoteNumber: String? = nil, reason: String) {
        self.invoiceId = invoiceId
        self.creditNoteNumber = creditNoteNumber
        self.reason = reason
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let inv = try loadInvoice(invoiceId, .edit, rule: "INV-05", in: &d)
        try Rejection.require(reason, "INV-05.reason", field: "reason")
        guard inv.status != .reversed else {
            throw .invalidState(
                "INV-05.notReversed",
                "invoice \(inv.invoiceNumber ?? inv.applyNo) is already reversed",
                ["invoiceId": invoiceId.description]
            )
        }
        guard inv.status == .issued else {
            throw .invalidState(
                "INV-05.issued",
                "invoice \(inv.applyNo) is \(inv.status.rawValue); only issued invoices are reversed",
                ["invoiceId": invoiceId.description, "status": inv.status.rawValue]
            )
        }
        d.emit(InvoiceReversed(creditNoteNumber: creditNoteNumber, reason: reason), to: .of(Invoice.self, invoiceId))
    }
}
