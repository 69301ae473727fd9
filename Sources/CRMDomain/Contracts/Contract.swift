// The Contract aggregate (catalogue §2.5, stream `contract-<contractId>`): contract events CTR-01..CTR-10 and the
// payment-plan events PAY-01..PAY-04, which live on the contract stream (plans follow the contract's approval).

// MARK: - Value types

/// The lifecycle of a contract (WK `checkStatus` without the storage-only values).
///
/// `recalled` is never folded from the contract stream: a recall is an approval fact (APR-06 on `approval-<id>`).
/// Commands read it through ``Contract/effectiveStatus(approvalStatus:)``, which turns a `submitted` contract whose
/// pending approval was recalled into `recalled`.
public enum ContractStatus: String, Codable, Hashable, Sendable, CaseIterable {
    case draft, submitted, approved, rejected, recalled, signed, voided, expired
}

/// How contract money is collected (WK `returnType`).
public enum PaymentMethod: String, Codable, Hashable, Sendable, CaseIterable {
    case bankTransfer, cash, cheque, card, alipay, wechatPay, acceptanceBill, other
}

/// One line of a contract. `amount` is the line total after discounts, in the contract currency; `cost` is used by
/// margin-based commission plans (`max(0, amount − cost)`); `productId` / `categoryId` select commission overrides.
public struct ContractLine: Codable, Hashable, Sendable {
    public let productId: ID?
    public let categoryId: ID?
    public let name: String
    public let quantity: Int64
    public let unitPrice: Money
    public let amount: Money
    public let cost: Money?

    public init(
        productId: ID? = nil,
        categoryId: ID? = nil,
        name: String,
        quantity: Int64,
        unitPrice: Money,
        amount: Money,
        cost: Money? = nil
    ) {
        self.productId = productId
        self.categoryId = categoryId
        self.name = name
        self.quantity = quantity
        self.unitPrice = unitPrice
        self.amount = amount
        self.cost = cost
    }
}

/// A typed value of an amendable contract field: exactly the optional that fits the field is set (`nil` everywhere
/// means "no value", e.g. a signer that was cleared).
public struct ContractFieldValue: Codable, Hashable, Sendable {
    public let money: Money?
    public let date: LocalDate?
    public let text: String?
    public let id: ID?
    public let lines: [ContractLine]?

    public init(
        money: Money? = nil,
        date: LocalDate? = nil,
        text: String? = nil,
        id: ID? = nil,
        lines: [ContractLine]? = nil
    ) {
        self.money = money
        self.date = date
        self.text = text
        self.id = id
        self.lines = lines
    }

    public static let none = ContractFieldValue()
}

/// One change of a contract amendment (CTR-02), `{field, before, after}` as in §0.3.
public struct ContractChange: Codable, Hashable, Sendable {
    /// The amendable fields. Customer, number and owner are not amendable (the owner changes through CTR-08).
    public enum Field: String, Codable, Hashable, Sendable, CaseIterable {
        case amount, lines, orderDate, startDate, endDate, paymentTerms, customerSignerContactId, companySignerUserId
    }

    public let field: Field
    public let before: ContractFieldValue
    public let after: ContractFieldValue

    public init(field: Field, before: ContractFieldValue, after: ContractFieldValue) {
        self.field = field
        self.before = before
        self.after = after
    }
}

/// Why a contract changed owner (CTR-08); `requestId` is set for `customerTransfer`.
public struct ContractOwnerChangeCause: Codable, Hashable, Sendable {
    public enum Kind: String, Codable, Hashable, Sendable, CaseIterable { case reassign, customerTransfer, offboarding }
    public let kind: Kind
    public let requestId: ID?

    public init(kind: Kind, requestId: ID? = nil) {
        self.kind = kind
        self.requestId = requestId
    }

    public static let reassign = ContractOwnerChangeCause(kind: .reassign)
    public static let offboarding = ContractOwnerChangeCause(kind: .offboarding)
    public static func customerTransfer(_ requestId: ID) -> ContractOwnerChangeCause {
        ContractOwnerChangeCause(kind: .customerTransfer, requestId: requestId)
    }
}

/// A typed value of a revisable installment field (PAY-02).
public struct InstallmentFieldValue: Codable, Hashable, Sendable {
    public let money: Money?
    public let date: LocalDate?
    public let method: PaymentMethod?
    public let days: Int64?

    public init(money: Money? = nil, date: LocalDate? = nil, method: PaymentMethod? = nil, days: Int64? = nil) {
        self.money = money
        self.date = date
        self.method = method
        self.days = days
    }

    public static let none = InstallmentFieldValue()
}

/// One change of an installment revision (PAY-02).
public struct InstallmentChange: Codable, Hashable, Sendable {
    public enum Field: String, Codable, Hashable, Sendable, CaseIterable {
        case amount, dueDate, method, remindDaysBefore
    }
    public let field: Field
    public let before: InstallmentFieldValue
    public let after: InstallmentFieldValue

    public init(field: Field, before: InstallmentFieldValue, after: InstallmentFieldValue) {
        self.field = field
        self.before = before
        self.after = after
    }
}

// MARK: - Contract events (CTR)

/// CTR-01. A contract is drafted for a customer (optionally from an opportunity).
public struct ContractDrafted: DomainEvent {
    public static let eventType = "ContractDrafted"
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

    public init(
        contractId: ID,
        number: String,
        customerId: ID,
        opportunityId: ID?,
        ownerId: ID,
        amount: Money,
        lines: [ContractLine],
        orderDate: LocalDate,
        startDate: LocalDate,
        endDate: LocalDate,
        paymentTerms: String,
        customerSignerContactId: ID?,
        companySignerUserId: ID?
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
    }

    /// Claims the contract number and links the contract to its customer, opportunity and owner.
    public func indexEntries(in stream: StreamRef) -> [IndexEntry] {
        var entries: [IndexEntry] = [
            .claim(Contract.numberKey(number), owner: stream),
            .link(parent: StreamRef("customer", customerId.description), child: stream),
            .link(parent: StreamRef("owner", ownerId.description), child: stream),
        ]
        if let o = opportunityId {
            entries.append(.link(parent: StreamRef("opportunity", o.description), child: stream))
        }
        return entries
    }
}

/// CTR-02. Fields of a draft, rejected or recalled contract are changed.
public struct ContractAmended: DomainEvent {
    public static let eventType = "ContractAmended"
    public let changes: [ContractChange]

    public init(changes: [ContractChange]) { self.changes = changes }
}

/// CTR-03. The contract is submitted for approval under `approvalId`.
public struct ContractSubmitted: DomainEvent {
    public static let eventType = "ContractSubmitted"
    public let approvalId: ID

    public init(approvalId: ID) { self.approvalId = approvalId }
}

/// CTR-04. The contract's approval completed (or no approval flow applied); its installments become due.
public struct ContractApproved: DomainEvent {
    public static let eventType = "ContractApproved"
    public let approvalId: ID

    public init(approvalId: ID) { self.approvalId = approvalId }
}

/// CTR-05. The contract's approval was rejected; its installments become void.
public struct ContractRejected: DomainEvent {
    public static let eventType = "ContractRejected"
    public let approvalId: ID
    public let reason: String

    public init(approvalId: ID, reason: String) {
        self.approvalId = approvalId
        self.reason = reason
    }
}

/// CTR-06. Both parties signed the contract; the customer becomes dealt (CUS-20).
public struct ContractSigned: DomainEvent {
    public static let eventType = "ContractSigned"
    public let signedAt: Timestamp
    public let customerSignerContactId: ID
    public let companySignerUserId: ID

    public init(signedAt: Timestamp, customerSignerContactId: ID, companySignerUserId: ID) {
        self.signedAt = signedAt
        self.customerSignerContactId = customerSignerContactId
        self.companySignerUserId = companySignerUserId
    }
}

/// CTR-07. The contract is void (作废); nothing further may be collected or invoiced on it.
public struct ContractVoided: DomainEvent {
    public static let eventType = "ContractVoided"
    public let reason: String

    public init(reason: String) { self.reason = reason }
}

/// CTR-08. The contract moves to another owner.
public struct ContractOwnerChanged: DomainEvent {
    public static let eventType = "ContractOwnerChanged"
    public let fromOwnerId: ID
    public let toOwnerId: ID
    public let cause: ContractOwnerChangeCause

    public init(fromOwnerId: ID, toOwnerId: ID, cause: ContractOwnerChangeCause) {
        self.fromOwnerId = fromOwnerId
        self.toOwnerId = toOwnerId
        self.cause = cause
    }

    /// Moves the contract from the old owner's list to the new owner's.
    public func indexEntries(in stream: StreamRef) -> [IndexEntry] {
        [
            .unlink(parent: StreamRef("owner", fromOwnerId.description), child: stream),
            .link(parent: StreamRef("owner", toOwnerId.description), child: stream),
        ]
    }
}

/// CTR-09. A signed contract ran past its end date (time-driven, decided for `asOf`).
public struct ContractExpired: DomainEvent {
    public static let eventType = "ContractExpired"
    public let asOf: LocalDate

    public init(asOf: LocalDate) { self.asOf = asOf }
}

/// CTR-10. The contract is renewed by the contract `newContractId`.
///
/// The new contract's reference to this one is kept in the lookup index: the claim
/// `contract.renewalOf = <newContractId>` is owned by this contract's stream (so a contract renews at most one
/// contract), and the new contract is linked as a `contract` child of this one.
public struct ContractRenewed: DomainEvent {
    public static let eventType = "ContractRenewed"
    public let newContractId: ID

    public init(newContractId: ID) { self.newContractId = newContractId }

    public func indexEntries(in stream: StreamRef) -> [IndexEntry] {
        [
            .claim(Contract.renewalKey(newContractId), owner: stream),
            .link(parent: stream, child: StreamRef(Contract.category, newContractId.description)),
        ]
    }
}

// MARK: - Payment-plan events (PAY-01..PAY-04, on the contract stream)

/// PAY-01. An installment (回款计划) is scheduled on the contract.
public struct PaymentInstallmentScheduled: DomainEvent {
    public static let eventType = "PaymentInstallmentScheduled"
    public let planId: ID
    public let installmentNo: Int64
    public let amount: Money
    public let dueDate: LocalDate
    public let method: PaymentMethod?
    public let remindDaysBefore: Int64?

    public init(
        planId: ID,
        installmentNo: Int64,
        amount: Money,
        dueDate: LocalDate,
        method: PaymentMethod?,
        remindDaysBefore: Int64?
    ) {
        self.planId = planId
        self.installmentNo = installmentNo
        self.amount = amount
        self.dueDate = dueDate
        self.method = method
        self.remindDaysBefore = remindDaysBefore
    }
}

/// PAY-02. An installment nothing was received on yet is revised.
public struct PaymentInstallmentRevised: DomainEvent {
    public static let eventType = "PaymentInstallmentRevised"
    public let planId: ID
    public let changes: [InstallmentChange]

    public init(planId: ID, changes: [InstallmentChange]) {
        self.planId = planId
        self.changes = changes
    }
}

/// PAY-03. An installment without verified payments is cancelled.
public struct PaymentInstallmentCancelled: DomainEvent {
    public static let eventType = "PaymentInstallmentCancelled"
    public let planId: ID
    public let reason: String

    public init(planId: ID, reason: String) {
        self.planId = planId
        self.reason = reason
    }
}

/// PAY-04. An installment still outstanding after its due date is flagged overdue (time-driven, for `asOf`).
public struct PaymentInstallmentOverdue: DomainEvent {
    public static let eventType = "PaymentInstallmentOverdue"
    public let planId: ID
    public let dueDate: LocalDate
    public let outstanding: Money
    public let asOf: LocalDate

    public init(planId: ID, dueDate: LocalDate, outstanding: Money, asOf: LocalDate) {
        self.planId = planId
        self.dueDate = dueDate
        self.outstanding = outstanding
        self.asOf = asOf
    }
}

// MARK: - Aggregate

/// An installment of the contract's payment plan, as folded on the contract stream. What was received on it is
/// not here: payments live on their own streams (see ``Payment``), so the received amount is an input of
/// ``status(contract:received:)``.
public struct Installment: Hashable, Sendable {
    public var planId: ID
    public var installmentNo: Int64
    public var amount: Money
    public var dueDate: LocalDate
    public var method: PaymentMethod?
    public var remindDaysBefore: Int64?
    public var cancelled: Bool = false
    public var overdueFlagged: Bool = false

    /// The WK `receivedStatus` of the installment given what was received on it (Σ verified − reversed).
    public func status(contract: ContractStatus, received: Int64) -> InstallmentStatus {
        if cancelled { return .cancelled }
        switch contract {
        case .rejected, .voided: return .void
        case .draft, .submitted, .recalled: return .notYetEffective
        case .approved, .signed, .expired: break
        }
        if received >= amount.amountMinor { return .completed }
        if overdueFlagged { return .overdue }
        return received > 0 ? .partial : .due
    }
}

/// The status of an installment (WK `receivedStatus`: 0 due, 1 completed, 2 partial, 3 void, 4 overdue, 5 not yet
/// effective), plus `cancelled` for PAY-03.
public enum InstallmentStatus: String, Codable, Hashable, Sendable, CaseIterable {
    case notYetEffective, due, partial, completed, overdue, void, cancelled
}

/// A contract (合同) with its payment plan.
public struct Contract: Aggregate {
    public static let category = "contract"

    public var exists = false
    public var contractId: ID?
    public var number = ""
    public var customerId: ID?
    public var opportunityId: ID?
    public var ownerId: ID?
    public var status: ContractStatus = .draft
    public var amount: Money?
    public var lines: [ContractLine] = []
    public var orderDate: LocalDate?
    public var startDate: LocalDate?
    public var endDate: LocalDate?
    public var paymentTerms = ""
    public var customerSignerContactId: ID?
    public var companySignerUserId: ID?
    public var signedAt: Timestamp?
    /// The approval of the current submission (set by CTR-03, cleared by CTR-04/05).
    public var pendingApprovalId: ID?
    /// The approval that approved the contract (CTR-04).
    public var approvedApprovalId: ID?
    /// Content version: 1 when drafted, +1 per amendment. Approvals target `(contract, id, revision)`.
    public var revision: Int64 = 0
    public var installments: [Installment] = []
    public var renewedByContractId: ID?
    public var expiredAsOf: LocalDate?

    public init() {}

    /// The unique key of a contract number.
    public static func numberKey(_ number: String) -> UniqueKey { UniqueKey(scope: "contract.number", value: number) }

    /// The key a renewal claims: the contract renewed by `newContractId`.
    public static func renewalKey(_ newContractId: ID) -> UniqueKey {
        UniqueKey(scope: "contract.renewalOf", value: newContractId.description)
    }

    public var stream: StreamRef? { contractId.map { StreamRef(Contract.category, $0.description) } }

    /// Installments not cancelled.
    public var activeInstallments: [Installment] { installments.filter { !$0.cancelled } }

    /// Σ amount of the installments not cancelled, in minor units.
    public var scheduledTotalMinor: Int64 { activeInstallments.reduce(0) { $0 + $1.amount.amountMinor } }

    public func installment(_ planId: ID) -> Installment? { installments.first { $0.planId == planId } }

    /// The status commands act on: a `submitted` contract whose pending approval (``pendingApprovalId``) was
    /// recalled (APR-06) is `recalled`.
    public func effectiveStatus(approvalRecalled: Bool) -> ContractStatus {
        status == .submitted && approvalRecalled ? .recalled : status
    }

    /// Collection and invoicing are open: approved or signed (WK counts status 1 and 10 only).
    public var isEffective: Bool { status == .approved || status == .signed }

    public mutating func apply(_ event: any DomainEvent) {
        switch event {
        case let e as ContractDrafted:
            exists = true
            contractId = e.contractId
            number = e.number
            customerId = e.customerId
            opportunityId = e.opportunityId
            ownerId = e.ownerId
            status = .draft
            amount = e.amount
            lines = e.lines
            orderDate = e.orderDate
            startDate = e.startDate
            endDate = e.endDate
            paymentTerms = e.paymentTerms
            customerSignerContactId = e.customerSignerContactId
            companySignerUserId = e.companySignerUserId
            revision = 1
        case let e as ContractAmended:
            for c in e.changes { applyChange(c) }
            revision += 1
            if status == .submitted {
                status = .draft
                pendingApprovalId = nil
            }
        case let e as ContractSubmitted:
            status = .submitted
            pendingApprovalId = e.approvalId
        case let e as ContractApproved:
            status = .approved
            approvedApprovalId = e.approvalId
            pendingApprovalId = nil
        case is ContractRejected:
            status = .rejected
            pendingApprovalId = nil
        case let e as ContractSigned:
            status = .signed
            signedAt = e.signedAt
            customerSignerContactId = e.customerSignerContactId
            companySignerUserId = e.companySignerUserId
        case is ContractVoided:
            status = .voided
            pendingApprovalId = nil
        case let e as ContractOwnerChanged:
            ownerId = e.toOwnerId
        case let e as ContractExpired:
            status = .expired
            expiredAsOf = e.asOf
        case let e as ContractRenewed:
            renewedByContractId = e.newContractId
        case let e as PaymentInstallmentScheduled:
            installments.append(
                Installment(
                    planId: e.planId,
                    installmentNo: e.installmentNo,
                    amount: e.amount,
                    dueDate: e.dueDate,
                    method: e.method,
                    remindDaysBefore: e.remindDaysBefore
                )
            )
        case let e as PaymentInstallmentRevised:
            guard let i = installments.firstIndex(where: { $0.planId == e.planId }) else { return }
            for c in e.changes {
                switch c.field {
                case .amount: if let m = c.after.money { installments[i].amount = m }
                case .dueDate:
                    if let d = c.after.date {
                        installments[i].dueDate = d
                        installments[i].overdueFlagged = false
                    }
                case .method: installments[i].method = c.after.method
                case .remindDaysBefore: installments[i].remindDaysBefore = c.after.days
                }
            }
        case let e as PaymentInstallmentCancelled:
            if let i = installments.firstIndex(where: { $0.planId == e.planId }) { installments[i].cancelled = true }
        case let e as PaymentInstallmentOverdue:
            if let i = installments.firstIndex(where: { $0.planId == e.planId }) {
                installments[i].overdueFlagged = true
            }
        default:
            break
        }
    }

    private mutating func applyChange(_ c: ContractChange) {
        switch c.field {
        case .amount: if let m = c.after.money { amount = m }
        case .lines: lines = c.after.lines ?? []
        case .orderDate: if let d = c.after.date { orderDate = d }
        case .startDate: if let d = c.after.date { startDate = d }
        case .endDate: if let d = c.after.date { endDate = d }
        case .paymentTerms: paymentTerms = c.after.text ?? ""
        case .customerSignerContactId: customerSignerContactId = c.after.id
        case .companySignerUserId: companySignerUserId = c.after.id
        }
    }
}
