// Process manager of §2.11: OPP-12 OpportunityWon with contractDraftRequested → CTR-01 DraftContract, prefilled
// from the opportunity's customer, owner, amount and lines [WK-fin]. Signing stays a separate, approvable step.

/// OPP-12 (won, draft requested) → CTR-01.
///
/// The draft is deterministic: its contract id is the triggering event's id (so a redelivered event cannot draft
/// twice: CTR-01 refuses the existing id), its number `HT-<yyyyMMdd>-<the id's 32 hex digits>` (the whole id: any shorter
/// prefix can collide, e.g. for sequential ids), its order and
/// start date the win date and its term one year. Product lines carry the opportunity's line totals, scaled so they
/// add up to the won amount (the order discount and any negotiated difference are spread pro rata, rounded down, the
/// remainder on the last line). Nothing is drafted when the customer is no longer live or the owner has left:
/// a user drafts that contract by hand.
public struct OpportunityWonContractDraft: ProcessManager {
    public let name = "opportunityWonContractDraft"

    public init() {}

    public func react(to event: RecordedDomainEvent, context: any DecisionContext) -> [any Command] {
        guard let won = event.event as? OpportunityWon, won.contractDraftRequested,
            event.stream.category == Opportunity.category, let oppId = event.stream.id
        else { return [] }
        let opp = Opportunity.fold(context.events(of: event.stream).events)
        guard opp.exists, let customerId = opp.customerId, let ownerId = opp.ownerId,
            context.organisation.isActiveUser(ownerId),
            Customer.fold(context.events(of: .of(Customer.self, customerId)).events).isLive
        else { return [] }
        let contractId = event.eventId
        let day = won.closedAt.date
        return [
            DraftContract(
                contractId: contractId,
                number: Self.number(day: day, contractId: contractId),
                customerId: customerId,
                opportunityId: oppId,
                ownerId: ownerId,
                amount: won.amount,
                lines: Self.lines(opp.lines, amount: won.amount),
                orderDate: day,
                startDate: day,
                endDate: day.adding(months: 12).adding(days: -1),
                customerSignerContactId: opp.primaryContactId,
                companySignerUserId: ownerId
            )
        ]
    }

    /// `HT-20260310-1a2b3c4d00000000000000000000abcd`.
    public static func number(day: LocalDate, contractId: ID) -> String {
        let compact = day.description.filter { $0 != "-" }
        return "HT-\(compact)-\(contractId.description.filter { $0 != "-" })"
    }

    /// The opportunity's lines as contract lines whose amounts add up to `amount`; no lines when there are none or
    /// their totals are all zero.
    public static func lines(_ items: [OpportunityLineItem], amount: Money) -> [ContractLine] {
        let totals = items.map { $0.total.amountMinor }
        let sum = totals.reduce(0, +)
        guard !items.isEmpty, sum > 0 else { return [] }
        var allocated: Int64 = 0
        var result: [ContractLine] = []
        for (i, item) in items.enumerated() {
            let share: Int64
            if i == items.count - 1 {
                share = amount.amountMinor - allocated
            } else {
                share = amount.amountMinor * totals[i] / sum
            }
            allocated += share
            result.append(
                ContractLine(
                    productId: item.productId,
                    name: "product \(item.productId)",
                    quantity: item.qty,
                    unitPrice: item.unitPrice,
                    amount: Money(amountMinor: share, currency: amount.currency)
                )
            )
        }
        return result
    }
}
