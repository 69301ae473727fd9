// Commands of catalogue §2.5, payment plans (PAY-01..PAY-04, on the contract stream) and payments (PAY-05..PAY-08).

extension Decision {
    /// Σ net verified (verified − reversed) of the payments against installment `planId`.
    mutating func receivedMinor(contractId: ID, planId: ID) -> Int64 {
        payments(ofContract: contractId).filter { $0.planId == planId }.reduce(0) { $0 + $1.netVerifiedMinor }
    }
}

enum ContractMoneyChecks {
    /// `amount` is in `currency` and > 0.
    static func positive(_ amount: Money, currency: String, field: String, rule: String) throws(Rejection) {
        guard amount.currency == currency else {
            throw .invalidInput(
                rule,
                field: "\(field).currency",
                "is \(amount.currency); the contract is in \(currency)"
            )
        }
        guard amount.amountMinor > 0 else {
            throw .invalidInput(rule, field: field, "must be > 0, got \(amount.amountMinor)")
        }
    }
}

/// PAY-01: schedule an installment (回款计划) on a contract that is not rejected or void.
public struct ScheduleInstallment: Command {
    public let contractId: ID
    public let planId: ID
    public let installmentNo: Int64
    public let amount: Money
    public let dueDate: LocalDate
    public let method: PaymentMethod?
    public let remindDaysBefore: Int64?

    public init(
        contractId: ID,
        planId: ID,
        installmentNo: Int64,
        amount: Money,
        dueDate: LocalDate,
        method: PaymentMethod? = nil,
        remindDaysBefore: Int64? = nil
    ) {
        self.contractId = contractId
        self.planId = planId
        self.installmentNo = installmentNo
        self.amount = amount
        self.dueDate = dueDate
        self.method = method
        self.remindDaysBefore = remindDaysBefore
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let (c, stream) = try d.authorizedContract(contractId, .edit, row: "PAY-01")
        guard let total = c.amount else { throw .notFound("PAY-01.contractExists", "contract", id: contractId) }
        try ContractMoneyChecks.positive(amount, currency: total.currency, field: "amount", rule: "PAY-01.amount")
        guard installmentNo >= 1 else {
            throw .invalidInput("PAY-01.installmentNo", field: "installmentNo", "must be ≥ 1, got \(installmentNo)")
        }
        if let r = remindDaysBefore, r < 0 {
            throw .invalidInput("PAY-01.remindDaysBefore", field: "remindDaysBefore", "must be ≥ 0, got \(r)")
        }
        guard c.status != .rejected, c.status != .voided else {
            throw .invalidState(
                "PAY-01.contractOpen",
                "contract \(c.number) is \(c.status.rawValue); installments cannot be added to rejected or void "
                    + "contracts",
                ["contractId": contractId.description, "status": c.status.rawValue]
            )
        }
        guard c.installment(planId) == nil else { throw .alreadyExists("PAY-01.planIdUnique", "installment", planId) }
        if c.activeInstallments.contains(where: { $0.installmentNo == installmentNo }) {
            throw .violated(
                "PAY-01.installmentNoUnique",
                "contract \(c.number) already has installment no. \(installmentNo); choose another number",
                ["installmentNo": "\(installmentNo)"]
            )
        }
        let after = c.scheduledTotalMinor + amount.amountMinor
        guard after <= total.amountMinor else {
            throw .violated(
                "PAY-01.withinContractAmount",
                "installments would total \(after) but contract \(c.number) is for \(total.amountMinor); at most "
                    + "\(total.amountMinor - c.scheduledTotalMinor) can still be scheduled",
                [
                    "scheduled": "\(c.scheduledTotalMinor)", "amount": "\(amount.amountMinor)",
                    "contractAmount": "\(total.amountMinor)",
                ]
            )
        }
        d.emit(
            PaymentInstallmentScheduled(
                planId: planId,
                installmentNo: installmentNo,
                amount: amount,
                dueDate: dueDate,
                method: method,
                remindDaysBefore: remindDaysBefore
            ),
            to: stream
        )
    }
}

/// PAY-02: revise an installment nothing was received on yet (no pending or verified payment against it).
public struct ReviseInstallment: Command {
    public let contractId: ID
    public let planId: ID
    public let amount: Money?
    public let dueDate: LocalDate?
    public let method: PaymentMethod?
    public let remindDaysBefore: Int64?

    public init(
        contractId: ID,
        planId: ID,
        amount: Money? = nil,
        dueDate: LocalDate? = nil,
        method: PaymentMethod? = nil,
        remindDaysBefore: Int64? = nil
    ) {
        self.contractId = contractId
        self.planId = planId
        self.amount = amount
        self.dueDate = dueDate
        self.method = method
        self.remindDaysBefore = remindDaysBefore
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let (c, stream) = try d.authorizedContract(contractId, .edit, row: "PAY-02")
        guard let i = c.installment(planId), !i.cancelled, let total = c.amount else {
            throw .notFound("PAY-02.installmentExists", "installment", id: planId)
        }
        var changes: [InstallmentChange] = []
        if let amount, amount != i.amount {
            try ContractMoneyChecks.positive(amount, currency: total.currency, field: "amount", rule: "PAY-02.amount")
            changes.append(
                InstallmentChange(field: .amount, before: .init(money: i.amount), after: .init(money: amount))
            )
        }
        if let dueDate, dueDate != i.dueDate {
            changes.append(
                InstallmentChange(field: .dueDate, before: .init(date: i.dueDate), after: .init(date: dueDate))
            )
        }
        if let method, method != i.method {
            changes.append(
                InstallmentChange(field: .method, before: .init(method: i.method), after: .init(method: method))
            )
        }
        if let r = remindDaysBefore, r != i.remindDaysBefore {
            guard r >= 0 else {
                throw .invalidInput("PAY-02.remindDaysBefore", field: "remindDaysBefore", "must be ≥ 0")
            }
            changes.append(
                InstallmentChange(
                    field: .remindDaysBefore,
                    before: .init(days: i.remindDaysBefore),
                    after: .init(days: r)
                )
            )
        }
        guard !changes.isEmpty else {
            throw .invalidInput(
                "PAY-02.changes",
                field: "changes",
                "nothing differs from installment \(i.installmentNo)"
            )
        }
        let against = d.payments(ofContract: contractId).filter { $0.planId == planId && $0.committedMinor > 0 }
        guard against.isEmpty else {
            throw .violated(
                "PAY-02.nothingReceived",
                "installment \(i.installmentNo) already has payment(s) " + against.map(\.number).joined(separator: ", ")
                    + "; it can no longer be revised",
                ["payments": "\(against.count)"]
            )
        }
        if let amount {
            let after = c.scheduledTotalMinor - i.amount.amountMinor + amount.amountMinor
            guard after <= total.amountMinor else {
                throw .violated(
                    "PAY-02.withinContractAmount",
                    "installments would total \(after) but contract \(c.number) is for \(total.amountMinor)",
                    ["scheduled": "\(after)", "contractAmount": "\(total.amountMinor)"]
                )
            }
        }
        d.emit(PaymentInstallmentRevised(planId: planId, changes: changes), to: stream)
    }
}

/// PAY-03: cancel an installment without (unreversed) verified payments against it.
public struct CancelInstallment: Command {
    public let contractId: ID
    public let planId: ID
    public let reason: String

    public init(contractId: ID, planId: ID, reason: String) {
        self.contractId = contractId
        self.planId = planId
        self.reason = reason
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let (c, stream) = try d.authorizedContract(contractId, .edit, row: "PAY-03")
        try Rejection.require(reason, "PAY-03.reason", field: "reason")
        guard let i = c.installment(planId), !i.cancelled else {
            throw .notFound("PAY-03.installmentExists", "installment", id: planId)
        }
        let received = d.receivedMinor(contractId: contractId, planId: planId)
        guard received == 0 else {
            throw .violated(
                "PAY-03.noVerifiedPayment",
                "installment \(i.installmentNo) has \(received) in verified payments; reverse them before cancelling",
                ["received": "\(received)"]
            )
        }
        d.emit(PaymentInstallmentCancelled(planId: planId, reason: reason), to: stream)
    }
}

/// PAY-04: flag an installment of an effective contract overdue: still outstanding after its due date at `asOf`
/// (issued by the daily scheduler).
public struct FlagInstallmentOverdue: Command {
    public let contractId: ID
    public let planId: ID
    public let asOf: LocalDate

    public init(contractId: ID, planId: ID, asOf: LocalDate) {
        self.contractId = contractId
        self.planId = planId
        self.asOf = asOf
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let (c, stream) = try d.authorizedContract(contractId, .edit, row: "PAY-04")
        guard let i = c.installment(planId), !i.cancelled else {
            throw .notFound("PAY-04.installmentExists", "installment", id: planId)
        }
        guard [.approved, .signed, .expired].contains(c.status) else {
            throw .invalidState(
                "PAY-04.installmentDue",
                "contract \(c.number) is \(c.status.rawValue); its installments are not due (only approved or signed "
                    + "contracts' are)",
                ["status": c.status.rawValue]
            )
        }
        let outstanding = i.amount.amountMinor - d.receivedMinor(contractId: contractId, planId: planId)
        guard outstanding > 0 else {
            throw .violated(
                "PAY-04.outstanding",
                "installment \(i.installmentNo) is fully received; nothing is overdue",
                ["outstanding": "\(outstanding)"]
            )
        }
        guard asOf > i.dueDate else {
            throw .violated(
                "PAY-04.pastDue",
                "installment \(i.installmentNo) is due on \(i.dueDate); it is overdue only after that date "
                    + "(asOf \(asOf))",
                ["dueDate": i.dueDate.description, "asOf": asOf.description]
            )
        }
        guard !i.overdueFlagged else {
            throw .invalidState(
                "PAY-04.notFlagged",
                "installment \(i.installmentNo) is already flagged overdue",
                ["planId": planId.description]
            )
        }
        d.emit(
            PaymentInstallmentOverdue(
                planId: planId,
                dueDate: i.dueDate,
                outstanding: Money(amountMinor: outstanding, currency: i.amount.currency),
                asOf: asOf
            ),
            to: stream
        )
    }
}

/// PAY-05: record money received against an approved or signed contract.
///
/// `allowsOverpayment` is the tenant policy of the catalogue ("unless overpayment is allowed"); the API layer sets
/// it from configuration. When a payment approval flow applies, the contract approval process then submits the
/// payment for approval; a flow that cannot resolve its approvers refuses the payment here already.
public struct ReceivePayment: Command {
    public let paymentId: ID
    public let number: String
    public let contractId: ID
    public let planId: ID?
    public let amount: Money
    public let method: PaymentMethod
    public let receivedAt: Timestamp
    public let allowsOverpayment: Bool

    public init(
        paymentId: ID,
        number: String,
        contractId: ID,
        planId: ID? = nil,
        amount: Money,
        method: PaymentMethod,
        receivedAt: Timestamp,
        allowsOverpayment: Bool = false
    ) {
        self.paymentId = paymentId
        self.number = number
        self.contractId = contractId
        self.planId = planId
        self.amount = amount
        self.method = method
        self.receivedAt = receivedAt
        self.allowsOverpayment = allowsOverpayment
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let c = try d.contract(contractId, rule: "PAY-05.contractExists")
        try d.authorize(
            .create,
            on: .payment,
            owner: c.ownerId,
            record: .of(Contract.self, contractId),
            rule: "PAY-05.perm"
        )
        try Rejection.require(number, "PAY-05.number", field: "number")
        guard let total = c.amount, let customerId = c.customerId else {
            throw .notFound("PAY-05.contractExists", "contract", id: contractId)
        }
        guard amount.amountMinor > 0 else {
            throw .violated(
                "PAY-05.amountPositive",
                "payment amount is \(amount.amountMinor); a payment must be > 0 (record refunds as reversals)",
                ["amount": "\(amount.amountMinor)"]
            )
        }
        guard amount.currency == total.currency else {
            throw .invalidInput(
                "PAY-05.amount",
                field: "amount.currency",
                "is \(amount.currency); the contract is in \(total.currency)"
            )
        }
        guard receivedAt <= d.now else {
            throw .invalidInput("PAY-05.receivedAt", field: "receivedAt", "\(receivedAt) is in the future")
        }
        guard d.load(Payment.self, paymentId) == nil else {
            throw .alreadyExists("PAY-05.paymentIdUnique", "payment", paymentId)
        }
        if let holder = d.lookup(Payment.numberKey(number)) {
            throw .violated(
                "PAY-05.numberUnique",
                "payment number '\(number)' is already used by \(holder); choose another number",
                ["number": number]
            )
        }
        guard c.isEffective else {
            throw .invalidState(
                "PAY-05.contractEffective",
                "contract \(c.number) is \(d.effectiveStatus(of: c).rawValue); payments are recorded only against "
                    + "approved or signed contracts",
                ["contractId": contractId.description, "status": c.status.rawValue]
            )
        }
        if let planId {
            guard let i = c.installment(planId), !i.cancelled else {
                throw .violated(
                    "PAY-05.planOfContract",
                    "installment \(planId) is not an open installment of contract \(c.number)",
                    ["planId": planId.description, "contractId": contractId.description]
                )
            }
        }
        let committed = d.payments(ofContract: contractId).reduce(Int64(0)) { $0 + $1.committedMinor }
        if !allowsOverpayment, committed + amount.amountMinor > total.amountMinor {
            throw .violated(
                "PAY-05.withinContractAmount",
                "verified and pending payments total \(committed); with \(amount.amountMinor) more they would "
                    + "exceed the "
                    + "contract amount \(total.amountMinor) (at most \(total.amountMinor - committed) can be received)",
                [
                    "committed": "\(committed)", "amount": "\(amount.amountMinor)",
                    "contractAmount": "\(total.amountMinor)",
                ]
            )
        }
        _ = try ApprovalRouting.route(
            .payment,
            submitterId: d.actor.userId ?? c.ownerId ?? contractId,
            amount: amount,
            in: &d,
            rule: "PAY-05.approvalRoute"
        )
        d.emit(
            PaymentReceived(
                paymentId: paymentId,
                number: number,
                contractId: contractId,
                planId: planId,
                customerId: customerId,
                amount: amount,
                method: method,
                receivedAt: receivedAt
            ),
            to: .of(Payment.self, paymentId)
        )
    }
}

/// Submits a pending payment to the payment approval flow that applies (APR-03); issued by the contract approval
/// process after PAY-05. The approval id comes from the id generator.
public struct RequestPaymentApproval: Command {
    public let paymentId: ID
    public let submitterId: ID

    public init(paymentId: ID, submitterId: ID) {
        self.paymentId = paymentId
        self.submitterId = submitterId
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        guard let p = d.load(Payment.self, paymentId), p.exists else {
            throw .notFound("PAY-06.paymentExists", "payment", id: paymentId)
        }
        guard p.status == .pending else {
            throw .invalidState("PAY-06.pending", "payment \(p.number) is \(p.status.rawValue), not pending")
        }
        try ApprovalRouting.submit(
            .payment,
            id: paymentId,
            label: p.number,
            submitterId: submitterId,
            amount: p.amount,
            in: &d,
            rule: "PAY-06.approvalRoute"
        )
    }
}

/// PAY-06: verify a pending payment: through its completed approval (`approvalId`), or directly when no approval
/// was submitted for it and no payment flow applies. Only verified payments count.
public struct VerifyPayment: Command {
    public let paymentId: ID
    public let approvalId: ID?

    public init(paymentId: ID, approvalId: ID? = nil) {
        self.paymentId = paymentId
        self.approvalId = approvalId
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        guard let p = d.load(Payment.self, paymentId), p.exists, let contractId = p.contractId else {
            throw .notFound("PAY-06.paymentExists", "payment", id: paymentId)
        }
        let owner = d.load(Contract.self, contractId)?.ownerId
        let stream = StreamRef.of(Payment.self, paymentId)
        try d.authorize(.approve, on: .payment, owner: owner, record: stream, rule: "PAY-06.perm")
        guard p.status == .pending else {
            throw .invalidState(
                "PAY-06.pending",
                "payment \(p.number) is \(p.status.rawValue); only pending payments are verified",
                ["paymentId": paymentId.description, "status": p.status.rawValue]
            )
        }
        if let approvalId {
            try ApprovalRouting.requireApproval(
                approvalId,
                status: .approved,
                type: .payment,
                id: paymentId,
                in: &d,
                rule: "PAY-06.approvalCompleted"
            )
        } else {
            let target = ApprovalTarget(type: .payment, id: paymentId, version: 1)
            if let a = ApprovalRouting.approvals(of: target, in: &d).last, let aid = a.approvalId {
                throw .violated(
                    "PAY-06.approvalCompleted",
                    "payment \(p.number) went to approval \(aid) (\(a.status.rawValue)); it is verified by that "
                        + "approval",
                    ["approvalId": aid.description]
                )
            }
            if let flow = try ApprovalRouting.route(
                .payment,
                submitterId: owner ?? paymentId,
                amount: p.amount,
                in: &d,
                rule: "PAY-06.approvalCompleted"
            ) {
                throw .violated(
                    "PAY-06.approvalCompleted",
                    "payment approval flow \(flow) applies to payment \(p.number); it is verified when approved",
                    ["flow": flow.description]
                )
            }
        }
        d.emit(PaymentVerified(paymentId: paymentId, approvalId: approvalId), to: stream)
    }
}

/// PAY-07: reject a pending payment.
public struct RejectPayment: Command {
    public let paymentId: ID
    public let reason: String

    public init(paymentId: ID, reason: String) {
        self.paymentId = paymentId
        self.reason = reason
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        guard let p = d.load(Payment.self, paymentId), p.exists, let contractId = p.contractId else {
            throw .notFound("PAY-07.paymentExists", "payment", id: paymentId)
        }
        let stream = StreamRef.of(Payment.self, paymentId)
        let owner = d.load(Contract.self, contractId)?.ownerId
        try d.authorize(.approve, on: .payment, owner: owner, record: stream, rule: "PAY-07.perm")
        try Rejection.require(reason, "PAY-07.reason", field: "reason")
        guard p.status == .pending else {
            throw .invalidState(
                "PAY-07.pending",
                "payment \(p.number) is \(p.status.rawValue); only pending payments are rejected",
                ["paymentId": paymentId.description, "status": p.status.rawValue]
            )
        }
        d.emit(PaymentRejected(paymentId: paymentId, reason: reason), to: stream)
    }
}

/// PAY-08: reverse (part of) a verified payment: at most what is verified and not yet reversed.
public struct ReversePayment: Command {
    public let paymentId: ID
    public let amount: Money
    public let reason: PaymentReversalReason

    public init(paymentId: ID, amount: Money, reason: PaymentReversalReason) {
        self.paymentId = paymentId
        self.amount = amount
        self.reason = reason
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        guard let p = d.load(Payment.self, paymentId), p.exists, let contractId = p.contractId, let paid = p.amount
        else {
            throw .notFound("PAY-08.paymentExists", "payment", id: paymentId)
        }
        let stream = StreamRef.of(Payment.self, paymentId)
        let owner = d.load(Contract.self, contractId)?.ownerId
        try d.authorize(.refund, on: .payment, owner: owner, record: stream, rule: "PAY-08.perm")
        try ContractMoneyChecks.positive(amount, currency: paid.currency, field: "amount", rule: "PAY-08.amount")
        guard p.status == .verified else {
            throw .invalidState(
                "PAY-08.verified",
                "payment \(p.number) is \(p.status.rawValue); only verified payments are reversed",
                ["paymentId": paymentId.description, "status": p.status.rawValue]
            )
        }
        guard amount.amountMinor <= p.netVerifiedMinor else {
            throw .violated(
                "PAY-08.withinVerified",
                "reversing \(amount.amountMinor) exceeds what is left of payment \(p.number): \(paid.amountMinor) "
                    + "verified − \(p.reversedMinor) already reversed = \(p.netVerifiedMinor)",
                ["amount": "\(amount.amountMinor)", "remaining": "\(p.netVerifiedMinor)"]
            )
        }
        d.emit(PaymentReversed(paymentId: paymentId, amount: amount, reason: reason), to: stream)
    }
}
