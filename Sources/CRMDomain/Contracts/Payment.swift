// Payments (回款, catalogue §2.5 PAY-05..PAY-08), stream `payment-<paymentId>`. A payment is linked to its
// contract (`contract-<id>` → `payment-<id>`), which is how contracts and plans sum what was collected.
//
// Only verified payments count (in plans, reports and commission); what counts of a verified payment is its net
// amount, `amount − reversed`.

/// Why a verified payment is reversed (PAY-08).
public enum PaymentReversalReason: String, Codable, Hashable, Sendable, CaseIterable { case refund, bounce, error }

/// PAY-05. Money was received against a contract (and optionally one of its installments); pending verification.
public struct PaymentReceived: DomainEvent {
    public static let eventType = "PaymentReceived"
    public let paymentId: ID
    public let number: String
    public let contractId: ID
    public let planId: ID?
    public let customerId: ID
    public let amount: Money
    public let method: PaymentMethod
    public let receivedAt: Timestamp

    public init(
        paymentId: ID,
        number: String,
        contractId: ID,
        planId: ID?,
        customerId: ID,
        amount: Money,
        method: PaymentMethod,
        receivedAt: Timestamp
    ) {
        self.paymentId = paymentId
        self.number = number
        self.contractId = contractId
        self.planId = planId
        self.customerId = customerId
        self.amount = amount
        self.method = method
        self.receivedAt = receivedAt
    }

    /// Claims the payment number and links the payment to its contract.
    public func indexEntries(in stream: StreamRef) -> [IndexEntry] {
        [
            .claim(Payment.numberKey(number), owner: stream),
            .link(parent: StreamRef(Contract.category, contractId.description), child: stream),
        ]
    }
}

/// PAY-06. The payment is verified (through its approval when `approvalId` is set); from now on it counts.
public struct PaymentVerified: DomainEvent {
    public static let eventType = "PaymentVerified"
    public let paymentId: ID
    public let approvalId: ID?

    public init(paymentId: ID, approvalId: ID?) {
        self.paymentId = paymentId
        self.approvalId = approvalId
    }
}

/// PAY-07. A pending payment is rejected (terminal).
public struct PaymentRejected: DomainEvent {
    public static let eventType = "PaymentRejected"
    public let paymentId: ID
    public let reason: String

    public init(paymentId: ID, reason: String) {
        self.paymentId = paymentId
        self.reason = reason
    }
}

/// PAY-08. (Part of) a verified payment is reversed; triggers the commission clawback (COM-07).
public struct PaymentReversed: DomainEvent {
    public static let eventType = "PaymentReversed"
    public let paymentId: ID
    public let amount: Money
    public let reason: PaymentReversalReason

    public init(paymentId: ID, amount: Money, reason: PaymentReversalReason) {
        self.paymentId = paymentId
        self.amount = amount
        self.reason = reason
    }
}

/// A payment (回款), folded from `payment-<paymentId>`.
public struct Payment: Aggregate {
    public static let category = "payment"

    public enum Status: String, Codable, Hashable, Sendable, CaseIterable { case pending, verified, rejected }

    public var exists = false
    public var paymentId: ID?
    public var number = ""
    public var contractId: ID?
    public var planId: ID?
    public var customerId: ID?
    public var amount: Money?
    public var method: PaymentMethod?
    public var receivedAt: Timestamp?
    public var status: Status = .pending
    public var approvalId: ID?
    /// Σ reversed so far, minor units.
    public var reversedMinor: Int64 = 0

    public init() {}

    public static func numberKey(_ number: String) -> UniqueKey { UniqueKey(scope: "payment.number", value: number) }

    /// Verified and not yet reversed, in minor units (0 unless verified).
    public var netVerifiedMinor: Int64 { status == .verified ? (amount?.amountMinor ?? 0) - reversedMinor : 0 }

    /// Counts toward "Σ(verified + pending)": pending payments in full, verified ones net of reversals.
    public var committedMinor: Int64 {
        switch status {
        case .pending: amount?.amountMinor ?? 0
        case .verified: netVerifiedMinor
        case .rejected: 0
        }
    }

    public mutating func apply(_ event: any DomainEvent) {
        switch event {
        case let e as PaymentReceived:
            exists = true
            paymentId = e.paymentId
            number = e.number
            contractId = e.contractId
            planId = e.planId
            customerId = e.customerId
            amount = e.amount
            method = e.method
            receivedAt = e.receivedAt
            status = .pending
        case let e as PaymentVerified:
            status = .verified
            approvalId = e.approvalId
        case is PaymentRejected:
            status = .rejected
        case let e as PaymentReversed:
            reversedMinor += e.amount.amountMinor
        default:
            break
        }
    }
}

extension Decision {
    /// The payments linked to contract `contractId`.
    mutating func payments(ofContract contractId: ID) -> [Payment] {
        children(of: .of(Contract.self, contractId), category: Payment.category).compactMap {
            load(Payment.self, stream: $0)
        }
    }

    /// The invoices linked to contract `contractId`.
    mutating func invoices(ofContract contractId: ID) -> [Invoice] {
        children(of: .of(Contract.self, contractId), category: Invoice.category).compactMap {
            load(Invoice.self, stream: $0)
        }
    }
}
