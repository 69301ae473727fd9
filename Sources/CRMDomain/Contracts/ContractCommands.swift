// Commands of catalogue §2.5, contracts (CTR-01..CTR-10).

extension Decision {
    /// The contract `id` when it exists, else a `notFound` rejection under `rule`.
    mutating func contract(_ id: ID, rule: String) throws(Rejection) -> Contract {
        guard let c = load(Contract.self, id), c.exists else { throw .notFound(rule, "contract", id: id) }
        return c
    }

    /// The contract `id` (`<row>.contractExists`) with its stream, after checking perm(`action`) on it
    /// (`<row>.perm`, data scope of the contract owner).
    mutating func authorizedContract(_ id: ID, _ action: Action, row: String) throws(Rejection) -> (Contract, StreamRef)
    {
        let c = try contract(id, rule: "\(row).contractExists")
        let stream = StreamRef.of(Contract.self, id)
        try authorize(action, on: .contract, owner: c.ownerId, record: stream, rule: "\(row).perm")
        return (c, stream)
    }

    /// The contract's status with a recalled pending approval read as `recalled`.
    mutating func effectiveStatus(of c: Contract) -> ContractStatus {
        guard c.status == .submitted, let aid = c.pendingApprovalId else { return c.status }
        return c.effectiveStatus(approvalRecalled: load(Approval.self, aid)?.status == .recalled)
    }
}

/// Input checks shared by drafting and amending: amount, lines and dates.
enum ContractTerms {
    static func validate(
        amount: Money,
        lines: [ContractLine],
        startDate: LocalDate,
        endDate: LocalDate,
        rule p: String
    ) throws(Rejection) {
        try Rejection.require(amount.currency, "\(p).amount", field: "amount.currency")
        guard !amount.isNegative else {
            throw .violated(
                "\(p).amountNonNegative",
                "contract amount \(amount.amountMinor) \(amount.currency) is negative; amounts must be ≥ 0",
                ["amount": "\(amount.amountMinor)"]
            )
        }
        guard endDate >= startDate else {
            throw .violated(
                "\(p).endNotBeforeStart",
                "end date \(endDate) is before start date \(startDate); the contract must end on or after it starts",
                ["startDate": startDate.description, "endDate": endDate.description]
            )
        }
        for (i, l) in lines.enumerated() {
            try Rejection.require(l.name, "\(p).lines", field: "lines[\(i)].name")
            guard l.quantity > 0 else {
                throw .invalidInput("\(p).lines", field: "lines[\(i)].quantity", "must be > 0, got \(l.quantity)")
            }
            for (f, m) in [("unitPrice", l.unitPrice), ("amount", l.amount), ("cost", l.cost)] {
                guard let m else { continue }
                guard m.currency == amount.currency else {
                    throw .invalidInput(
                        "\(p).lines",
                        field: "lines[\(i)].\(f)",
                        "is in \(m.currency), the contract in \(amount.currency)"
                    )
                }
                guard !m.isNegative else {
                    throw .invalidInput("\(p).lines", field: "lines[\(i)].\(f)", "must be ≥ 0")
                }
            }
        }
        let sum = lines.reduce(Int64(0)) { $0 + $1.amount.amountMinor }
        if !lines.isEmpty, sum != amount.amountMinor {
            throw .invalidInput(
                "\(p).lines",
                field: "lines",
                "line amounts add up to \(sum) but the contract amount is \(amount.amountMinor); they must match"
            )
        }
    }

    /// The customer signer must be a live contact of the customer; the company signer an active user.
    static func validateSigners(
        customerSigner: ID?,
        companySigner: ID?,
        customerId: ID,
        in d: inout Decision,
        rule p: String
    ) throws(Rejection) {
        if let cid = customerSigner {
            guard let contact = d.load(Contact.self, cid), contact.isLive else {
                throw .notFound("\(p).customerSigner", "contact", id: cid)
            }
            let owner = CustomerLookup.customer(ofContact: contact, in: &d)?.id
            let own = CustomerLookup.resolve(customerId, in: &d)?.id ?? customerId
            guard owner == own else {
                throw .invalidInput(
                    "\(p).customerSigner",
                    field: "customerSignerContactId",
                    "contact \(cid) is not a contact of customer \(customerId)"
                )
            }
        }
        if let uid = companySigner, !d.organisation.isActiveUser(uid) {
            throw .notFound("\(p).companySigner", "user", id: uid)
        }
    }
}

/// CTR-01: draft a contract for a live customer, optionally from one of its opportunities.
///
/// `allowsOpenOpportunity` is the tenant policy "contracts may be drafted from open opportunities" (the catalogue's
/// "won, or open if policy allows"); the API layer sets it from configuration.
public struct DraftContract: Command {
    public let contractId: ID
    public let number: String
    public let customerId: ID
    public let opportunityId: ID?
    public let ownerId: ID
    public let amount: Money
    public let lines: [ContractLine]
    public let orderDate: LocalDate
    public let startDate: LocalDate
    public let endDate: LocalDate
    public let paymentTerms: String
    public let customerSignerContactId: ID?
    public let companySignerUserId: ID?
    public let allowsOpenOpportunity: Bool

    public init(
        contractId: ID,
        number: String,
        customerId: ID,
        opportunityId: ID? = nil,
        ownerId: ID,
        amount: Money,
        lines: [ContractLine] = [],
        orderDate: LocalDate,
        startDate: LocalDate,
        endDate: LocalDate,
        paymentTerms: String = "",
        customerSignerContactId: ID? = nil,
        companySignerUserId: ID? = nil,
        allowsOpenOpportunity: Bool = false
    ) {
        self.contractId = contractId
        self.number = number
        self.customerId = customerId
        self.opportunityId = opportunityId
        self.ownerId = ownerId
        self.amount = amount
        self.lines = lines
        self.orderDate = orderDate
        self.startDate = startDate
        self.endDate = endDate
        self.paymentTerms = paymentTerms
        self.customerSignerContactId = customerSignerContactId
        self.companySignerUserId = companySignerUserId
        self.allowsOpenOpportunity = allowsOpenOpportunity
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        try d.authorize(.create, on: .contract, owner: ownerId, rule: "CTR-01.perm")
        try Rejection.require(number, "CTR-01.number", field: "number")
        try ContractTerms.validate(amount: amount, lines: lines, startDate: startDate, endDate: endDate, rule: "CTR-01")
        guard d.organisation.isActiveUser(ownerId) else { throw .notFound("CTR-01.ownerActive", "user", id: ownerId) }
        guard d.load(Contract.self, contractId) == nil else {
            throw .alreadyExists("CTR-01.contractIdUnique", "contract", contractId)
        }
        if let holder = d.lookup(Contract.numberKey(number)) {
            throw .violated(
                "CTR-01.numberUnique",
                "contract number '\(number)' is already used by \(holder); choose another number",
                ["number": number, "holder": holder.name]
            )
        }
        _ = try CustomerLookup.live(customerId, "CTR-01.customerLive", in: &d)
        if let oid = opportunityId {
            guard let opp = d.load(Opportunity.self, oid), opp.isLive else {
                throw .notFound("CTR-01.opportunityExists", "opportunity", id: oid)
            }
            guard opp.customerId == customerId else {
                throw .violated(
                    "CTR-01.opportunityOfCustomer",
                    "opportunity \(oid) belongs to customer \(opp.customerId?.description ?? "none"), "
                        + "not \(customerId)",
                    ["opportunityId": oid.description, "customerId": customerId.description]
                )
            }
            guard opp.status == .won || (opp.status == .open && allowsOpenOpportunity) else {
                throw .invalidState(
                    "CTR-01.opportunityWon",
                    "opportunity \(oid) is \(opp.status.rawValue); a contract is drafted from a won opportunity"
                        + (allowsOpenOpportunity ? " or an open one" : " (open ones only where the policy allows)"),
                    ["opportunityId": oid.description, "status": opp.status.rawValue]
                )
            }
        }
        try ContractTerms.validateSigners(
            customerSigner: customerSignerContactId,
            companySigner: companySignerUserId,
            customerId: customerId,
            in: &d,
            rule: "CTR-01"
        )
        d.emit(
            ContractDrafted(
                contractId: contractId,
                number: number,
                customerId: customerId,
                opportunityId: opportunityId,
                ownerId: ownerId,
                amount: amount,
                lines: lines,
                orderDate: orderDate,
                startDate: startDate,
                endDate: endDate,
                paymentTerms: paymentTerms,
                customerSignerContactId: customerSignerContactId,
                companySignerUserId: companySignerUserId
            ),
            to: .of(Contract.self, contractId)
        )
    }
}

/// CTR-02: amend a draft, rejected or recalled contract. Only the given values are changed; unchanged values are
/// ignored, and at least one value must change.
public struct AmendContract: Command {
    public let contractId: ID
    public let amount: Money?
    public let lines: [ContractLine]?
    public let orderDate: LocalDate?
    public let startDate: LocalDate?
    public let endDate: LocalDate?
    public let paymentTerms: String?
    public let customerSignerContactId: ID?
    public let companySignerUserId: ID?

    public init(
        contractId: ID,
        amount: Money? = nil,
        lines: [ContractLine]? = nil,
        orderDate: LocalDate? = nil,
        startDate: LocalDate? = nil,
        endDate: LocalDate? = nil,
        paymentTerms: String? = nil,
        customerSignerContactId: ID? = nil,
        companySignerUserId: ID? = nil
    ) {
        self.contractId = contractId
        self.amount = amount
        self.lines = lines
        self.orderDate = orderDate
        self.startDate = startDate
        self.endDate = endDate
        self.paymentTerms = paymentTerms
        self.customerSignerContactId = customerSignerContactId
        self.companySignerUserId = companySignerUserId
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let (c, stream) = try d.authorizedContract(contractId, .edit, row: "CTR-02")
        var changes: [ContractChange] = []
        func add(_ f: ContractChange.Field, _ before: ContractFieldValue, _ after: ContractFieldValue) {
            if before != after { changes.append(ContractChange(field: f, before: before, after: after)) }
        }
        if let amount { add(.amount, .init(money: c.amount), .init(money: amount)) }
        if let lines { add(.lines, .init(lines: c.lines), .init(lines: lines)) }
        if let orderDate { add(.orderDate, .init(date: c.orderDate), .init(date: orderDate)) }
        if let startDate { add(.startDate, .init(date: c.startDate), .init(date: startDate)) }
        if let endDate { add(.endDate, .init(date: c.endDate), .init(date: endDate)) }
        if let paymentTerms { add(.paymentTerms, .init(text: c.paymentTerms), .init(text: paymentTerms)) }
        if let customerSignerContactId {
            add(.customerSignerContactId, .init(id: c.customerSignerContactId), .init(id: customerSignerContactId))
        }
        if let companySignerUserId {
            add(.companySignerUserId, .init(id: c.companySignerUserId), .init(id: companySignerUserId))
        }
        guard !changes.isEmpty else {
            throw .invalidInput("CTR-02.changes", field: "changes", "nothing differs from contract \(c.number)")
        }
        try d.authorizeFields(changes.map(\.field.rawValue), on: .contract, rule: "CTR-02.fieldPerm")
        let status = d.effectiveStatus(of: c)
        guard [.draft, .rejected, .recalled].contains(status) else {
            throw .invalidState(
                "CTR-02.amendable",
                "contract \(c.number) is \(status.rawValue); only draft, rejected or recalled contracts can be amended",
                ["contractId": contractId.description, "status": status.rawValue]
            )
        }
        guard let old = c.amount, let oldStart = c.startDate, let oldEnd = c.endDate else {
            throw .notFound("CTR-02.contractExists", "contract", id: contractId)
        }
        let newAmount = amount ?? old
        try ContractTerms.validate(
            amount: newAmount,
            lines: lines ?? c.lines,
            startDate: startDate ?? oldStart,
            endDate: endDate ?? oldEnd,
            rule: "CTR-02"
        )
        if newAmount.currency != old.currency {
            throw .invalidInput(
                "CTR-02.amount",
                field: "amount.currency",
                "is \(newAmount.currency); the contract is in \(old.currency)"
            )
        }
        if let customerId = c.customerId {
            try ContractTerms.validateSigners(
                customerSigner: customerSignerContactId,
                companySigner: companySignerUserId,
                customerId: customerId,
                in: &d,
                rule: "CTR-02"
            )
        }
        d.emit(ContractAmended(changes: changes), to: stream)
    }
}

/// CTR-03: submit a draft, rejected or recalled contract for approval under `approvalId`. The contract approval
/// process then submits it to the active contract flow (APR-03), or approves it directly when no flow applies.
/// A flow that applies but cannot resolve its approvers refuses the submission here already.
public struct SubmitContract: Command {
    public let contractId: ID
    public let approvalId: ID

    public init(contractId: ID, approvalId: ID) {
        self.contractId = contractId
        self.approvalId = approvalId
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let (c, stream) = try d.authorizedContract(contractId, .submit, row: "CTR-03")
        let status = d.effectiveStatus(of: c)
        guard [.draft, .rejected, .recalled].contains(status) else {
            throw .invalidState(
                "CTR-03.submittable",
                "contract \(c.number) is \(status.rawValue); only draft, rejected or recalled contracts can be "
                    + "submitted",
                ["contractId": contractId.description, "status": status.rawValue]
            )
        }
        let amount = c.amount?.amountMinor ?? 0
        guard c.scheduledTotalMinor <= amount else {
            throw .violated(
                "CTR-03.installmentsWithinAmount",
                "scheduled installments total \(c.scheduledTotalMinor) but the contract amount is \(amount); revise or "
                    + "cancel installments first",
                ["scheduled": "\(c.scheduledTotalMinor)", "amount": "\(amount)"]
            )
        }
        guard d.load(Approval.self, approvalId) == nil, c.pendingApprovalId != approvalId,
            c.approvedApprovalId != approvalId
        else {
            throw .alreadyExists("CTR-03.approvalIdUnique", "approval", approvalId)
        }
        let submitter = d.actor.userId ?? c.ownerId ?? contractId
        _ = try ApprovalRouting.route(
            .contract,
            submitterId: submitter,
            amount: c.amount,
            in: &d,
            rule: "CTR-03.approvalRoute"
        )
        d.emit(ContractSubmitted(approvalId: approvalId), to: stream)
    }
}

/// CTR-04: approve a submitted contract: its approval `approvalId` completed (APR-07) for the contract's current
/// version, or no contract flow applies (then `approvalId` is the submission's id and no approval record exists).
public struct ApproveContract: Command {
    public let contractId: ID
    public let approvalId: ID

    public init(contractId: ID, approvalId: ID) {
        self.contractId = contractId
        self.approvalId = approvalId
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let (c, stream) = try d.authorizedContract(contractId, .approve, row: "CTR-04")
        guard c.status == .submitted, c.pendingApprovalId == approvalId else {
            throw .invalidState(
                "CTR-04.submitted",
                "contract \(c.number) is \(c.status.rawValue) with pending approval "
                    + "\(c.pendingApprovalId?.description ?? "none"), not awaiting approval \(approvalId)",
                ["contractId": contractId.description, "status": c.status.rawValue]
            )
        }
        if d.load(Approval.self, approvalId) != nil {
            try ApprovalRouting.requireApproval(
                approvalId,
                status: .approved,
                type: .contract,
                id: contractId,
                version: c.revision,
                in: &d,
                rule: "CTR-04.approvalCompleted"
            )
        } else {
            let submitter = c.ownerId ?? contractId
            if let flow = try ApprovalRouting.route(
                .contract,
                submitterId: submitter,
                amount: c.amount,
                in: &d,
                rule: "CTR-04.approvalCompleted"
            ) {
                throw .violated(
                    "CTR-04.approvalCompleted",
                    "contract \(c.number) goes through approval flow \(flow); approval \(approvalId) has not completed",
                    ["contractId": contractId.description, "flow": flow.description]
                )
            }
        }
        d.emit(ContractApproved(approvalId: approvalId), to: stream)
    }
}

/// CTR-05: the contract's approval was rejected (APR-05); its installments become void.
public struct RejectContract: Command {
    public let contractId: ID
    public let approvalId: ID
    public let reason: String

    public init(contractId: ID, approvalId: ID, reason: String) {
        self.contractId = contractId
        self.approvalId = approvalId
        self.reason = reason
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let (c, stream) = try d.authorizedContract(contractId, .approve, row: "CTR-05")
        try Rejection.require(reason, "CTR-05.reason", field: "reason")
        guard c.status == .submitted, c.pendingApprovalId == approvalId else {
            throw .invalidState(
                "CTR-05.submitted",
                "contract \(c.number) is \(c.status.rawValue) and not awaiting approval \(approvalId)",
                ["contractId": contractId.description, "status": c.status.rawValue]
            )
        }
        try ApprovalRouting.requireApproval(
            approvalId,
            status: .rejected,
            type: .contract,
            id: contractId,
            in: &d,
            rule: "CTR-05.approvalRejected"
        )
        d.emit(ContractRejected(approvalId: approvalId, reason: reason), to: stream)
    }
}

/// CTR-06: record the signature of an approved contract (or of a draft when no contract flow applies).
public struct SignContract: Command {
    public let contractId: ID
    public let signedAt: Timestamp
    public let customerSignerContactId: ID
    public let companySignerUserId: ID

    public init(contractId: ID, signedAt: Timestamp, customerSignerContactId: ID, companySignerUserId: ID) {
        self.contractId = contractId
        self.signedAt = signedAt
        self.customerSignerContactId = customerSignerContactId
        self.companySignerUserId = companySignerUserId
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let (c, stream) = try d.authorizedContract(contractId, .sign, row: "CTR-06")
        guard signedAt <= d.now else {
            throw .invalidInput("CTR-06.signedAt", field: "signedAt", "\(signedAt) is in the future")
        }
        guard c.status != .voided else {
            throw .invalidState(
                "CTR-06.notVoid",
                "contract \(c.number) is void and cannot be signed",
                ["contractId": contractId.description]
            )
        }
        switch c.status {
        case .approved:
            break
        case .draft:
            if let flow = try ApprovalRouting.route(
                .contract,
                submitterId: c.ownerId ?? contractId,
                amount: c.amount,
                in: &d,
                rule: "CTR-06.approved"
            ) {
                throw .invalidState(
                    "CTR-06.approved",
                    "contract \(c.number) is a draft and approval flow \(flow) applies; submit it for approval first",
                    ["contractId": contractId.description, "flow": flow.description]
                )
            }
        default:
            throw .invalidState(
                "CTR-06.approved",
                "contract \(c.number) is \(d.effectiveStatus(of: c).rawValue); only approved contracts are signed",
                ["contractId": contractId.description, "status": c.status.rawValue]
            )
        }
        if let customerId = c.customerId {
            try ContractTerms.validateSigners(
                customerSigner: customerSignerContactId,
                companySigner: companySignerUserId,
                customerId: customerId,
                in: &d,
                rule: "CTR-06"
            )
        }
        d.emit(
            ContractSigned(
                signedAt: signedAt,
                customerSignerContactId: customerSignerContactId,
                companySignerUserId: companySignerUserId
            ),
            to: stream
        )
    }
}

/// CTR-07: void a contract. Every verified payment must be reversed in full and every issued invoice reversed
/// first (proposal).
public struct VoidContract: Command {
    public let contractId: ID
    public let reason: String

    public init(contractId: ID, reason: String) {
        self.contractId = contractId
        self.reason = reason
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let (c, stream) = try d.authorizedContract(contractId, .void, row: "CTR-07")
        try Rejection.require(reason, "CTR-07.reason", field: "reason")
        guard c.status != .voided else {
            throw .invalidState(
                "CTR-07.notVoid",
                "contract \(c.number) is already void",
                ["contractId": contractId.description]
            )
        }
        let unreversed = d.payments(ofContract: contractId).filter { $0.netVerifiedMinor > 0 }
        guard unreversed.isEmpty else {
            let total = unreversed.reduce(Int64(0)) { $0 + $1.netVerifiedMinor }
            throw .violated(
                "CTR-07.paymentsReversed",
                "contract \(c.number) has \(unreversed.count) verified payment(s) with \(total) not reversed ("
                    + unreversed.map(\.number).joined(separator: ", ") + "); reverse them before voiding",
                ["unreversedPayments": "\(unreversed.count)", "unreversedAmount": "\(total)"]
            )
        }
        let issued = d.invoices(ofContract: contractId).filter { $0.status == .issued }
        guard issued.isEmpty else {
            throw .violated(
                "CTR-07.invoicesReversed",
                "contract \(c.number) has \(issued.count) issued invoice(s) ("
                    + issued.compactMap(\.invoiceNumber).joined(separator: ", ")
                    + "); reverse them (红冲) before voiding",
                ["issuedInvoices": "\(issued.count)"]
            )
        }
        d.emit(ContractVoided(reason: reason), to: stream)
    }
}

/// CTR-08: move a contract to another owner (a reassignment, a carried customer transfer or an offboarding).
public struct ChangeContractOwner: Command {
    public let contractId: ID
    public let toOwnerId: ID
    public let cause: ContractOwnerChangeCause

    public init(contractId: ID, toOwnerId: ID, cause: ContractOwnerChangeCause = .reassign) {
        self.contractId = contractId
        self.toOwnerId = toOwnerId
        self.cause = cause
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let c = try d.contract(contractId, rule: "CTR-08.contractExists")
        guard let from = c.ownerId else { throw .notFound("CTR-08.contractExists", "contract", id: contractId) }
        let stream = StreamRef.of(Contract.self, contractId)
        try d.authorize(.transfer, on: .contract, owner: from, record: stream, rule: "CTR-08.perm")
        if cause.kind == .customerTransfer, cause.requestId == nil {
            throw .missing("CTR-08.cause", field: "cause.requestId")
        }
        guard d.organisation.isActiveUser(toOwnerId) else {
            throw Rejection(
                kind: .notFound,
                rule: "CTR-08.toActive",
                message: "new owner \(toOwnerId) is not an active user; choose an active user as owner of contract "
                    + "\(c.number)",
                values: ["toOwnerId": toOwnerId.description, "contractId": contractId.description]
            )
        }
        guard toOwnerId != from else {
            throw .invalidInput("CTR-08.changes", field: "toOwnerId", "user \(from) already owns contract \(c.number)")
        }
        d.emit(ContractOwnerChanged(fromOwnerId: from, toOwnerId: toOwnerId, cause: cause), to: stream)
    }
}

/// CTR-09: expire a signed contract whose end date is before `asOf` (issued by the daily scheduler).
public struct ExpireContract: Command {
    public let contractId: ID
    public let asOf: LocalDate

    public init(contractId: ID, asOf: LocalDate) {
        self.contractId = contractId
        self.asOf = asOf
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let (c, stream) = try d.authorizedContract(contractId, .edit, row: "CTR-09")
        guard c.status == .signed else {
            throw .invalidState(
                "CTR-09.signed",
                "contract \(c.number) is \(c.status.rawValue); only signed contracts expire",
                ["contractId": contractId.description, "status": c.status.rawValue]
            )
        }
        guard let end = c.endDate, end < asOf else {
            throw .violated(
                "CTR-09.endDatePassed",
                "contract \(c.number) runs until \(c.endDate?.description ?? "?"); it expires only after that date "
                    + "(asOf \(asOf))",
                ["endDate": c.endDate?.description ?? "", "asOf": asOf.description]
            )
        }
        d.emit(ContractExpired(asOf: asOf), to: stream)
    }
}

/// CTR-10: record that contract `newContractId` (drafted for the same customer) renews this signed or expired
/// contract. The new contract's reference to this one is the `contract.renewalOf` claim of ``ContractRenewed``.
public struct RenewContract: Command {
    public let contractId: ID
    public let newContractId: ID

    public init(contractId: ID, newContractId: ID) {
        self.contractId = contractId
        self.newContractId = newContractId
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let (c, stream) = try d.authorizedContract(contractId, .edit, row: "CTR-10")
        guard c.status == .signed || c.status == .expired else {
            throw .invalidState(
                "CTR-10.renewable",
                "contract \(c.number) is \(c.status.rawValue); only signed or expired contracts are renewed",
                ["contractId": contractId.description, "status": c.status.rawValue]
            )
        }
        if let by = c.renewedByContractId {
            throw .invalidState(
                "CTR-10.renewable",
                "contract \(c.number) was already renewed by contract \(by)",
                ["contractId": contractId.description, "renewedBy": by.description]
            )
        }
        guard newContractId != contractId else {
            throw .invalidInput("CTR-10.newContract", field: "newContractId", "a contract cannot renew itself")
        }
        guard let n = d.load(Contract.self, newContractId), n.exists, n.status != .voided else {
            throw .notFound("CTR-10.newContractExists", "contract", id: newContractId)
        }
        guard n.customerId == c.customerId else {
            throw .violated(
                "CTR-10.newReferencesThis",
                "contract \(n.number) is for customer \(n.customerId?.description ?? "?"), not this "
                    + "contract's customer "
                    + "\(c.customerId?.description ?? "?")",
                ["newContractId": newContractId.description]
            )
        }
        if let other = d.lookup(Contract.renewalKey(newContractId)) {
            throw .violated(
                "CTR-10.newReferencesThis",
                "contract \(n.number) already renews \(other); a contract renews one contract",
                ["newContractId": newContractId.description, "renews": other.name]
            )
        }
        d.emit(ContractRenewed(newContractId: newContractId), to: stream)
    }
}
