// The commission process manager (catalogue §2.11): PAY-06 PaymentVerified / PAY-08 PaymentReversed → COM-06 /
// COM-07 for each payee with a matching plan assignment and split share. Plans based on signed contracts or
// issued invoices are served the same way: CTR-06 / INV-04 credit, CTR-07 / INV-05 reverse.
//
// Payees of a credit: the contract owner and the users of the revenue splits of the contract's opportunity; each
// is paid under every plan of the matching basis assigned to them on the business date (personal plans replace
// team plans of the same basis), with their split share (the owner gets 100 % when there are no splits).
// Reversals go to every (payee, plan) with an accrual from the same source.

public struct CommissionProcess: ProcessManager {
    public let name = "commission"

    public init() {}

    public func react(to event: RecordedDomainEvent, context: any DecisionContext) -> [any Command] {
        var d = contractsReader(event, context)
        switch event.event {
        case let e as PaymentVerified:
            return accruals(CommissionSource(type: .paymentVerified, id: e.paymentId), basis: .paymentVerified, in: &d)
        case is ContractSigned:
            guard let id = event.stream.id else { return [] }
            return accruals(CommissionSource(type: .contractSigned, id: id), basis: .contractSigned, in: &d)
        case is InvoiceIssued:
            guard let id = event.stream.id else { return [] }
            return accruals(CommissionSource(type: .invoiceIssued, id: id), basis: .invoiceIssued, in: &d)
        case let e as PaymentReversed:
            return reversals(
                CommissionSource(type: .paymentReversed, id: e.paymentId),
                asOf: event.recordedAt.date,
                in: &d
            )
        case is ContractVoided:
            guard let id = event.stream.id else { return [] }
            return reversals(CommissionSource(type: .contractVoided, id: id), asOf: event.recordedAt.date, in: &d)
        case is InvoiceReversed:
            guard let id = event.stream.id else { return [] }
            return reversals(CommissionSource(type: .invoiceReversed, id: id), asOf: event.recordedAt.date, in: &d)
        default:
            return []
        }
    }

    private func accruals(_ source: CommissionSource, basis: CommissionBasis, in d: inout Decision) -> [any Command] {
        guard let facts = try? CreditedSource.load(source, in: &d, rule: "COM-06") else { return [] }
        var out: [any Command] = []
        for payee in CommissionAssignments.candidates(for: facts.contract, in: &d) {
            for (planId, plan) in CommissionAssignments.plans(for: payee, basis: basis, on: facts.date, in: &d) {
                guard let def = plan.approvedDefinition, def.currency == facts.amount.currency,
                    CommissionAssignments.share(of: payee, contract: facts.contract, policy: def.splitPolicy, in: &d)
                        > 0,
                    d.lookup(CommissionLedger.accrualKey(source: source, payeeId: payee, planId: planId)) == nil
                else { continue }
                out.append(AccrueCommission(payeeId: payee, planId: planId, source: source))
            }
        }
        return out
    }

    private func reversals(_ source: CommissionSource, asOf: LocalDate, in d: inout Decision) -> [any Command] {
        var out: [any Command] = []
        for s in d.children(of: source.stream, category: CommissionLedger.category) {
            guard let ledger = d.load(CommissionLedger.self, stream: s), let payee = ledger.payeeId else { continue }
            for a in ledger.accruals where a.source == source.credited {
                out.append(ReverseCommission(payeeId: payee, planId: a.planId, source: source, asOf: asOf))
            }
        }
        return out
    }
}
