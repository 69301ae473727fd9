// Process managers of catalogue §2.11 for loyalty.

/// LOY-11 PurchaseRecorded → LOY-13 (earning rules, §3.5) → LOY-08 (tier re-evaluation).
public struct PurchaseEarningProcess: ProcessManager {
    public let name = "loyalty.purchaseEarning"

    public init() {}

    public func react(to event: RecordedDomainEvent, context: any DecisionContext) -> [any Command] {
        guard let e = event.event as? PurchaseRecorded, event.stream.category == Member.category,
            let memberId = event.stream.id
        else { return [] }
        return [
            EarnPurchasePoints(memberId: memberId, transactionId: e.transactionId),
            EvaluateMemberTier(memberId: memberId),
        ]
    }
}

/// LOY-12 PurchaseReturned → LOY-18 on the lots the transaction credited, plus LOY-17 for points already spent
/// (``SettleReturnedPoints``) → LOY-08 (tier re-evaluation, which may downgrade).
public struct PurchaseReturnProcess: ProcessManager {
    public let name = "loyalty.purchaseReturn"

    public init() {}

    public func react(to event: RecordedDomainEvent, context: any DecisionContext) -> [any Command] {
        guard let e = event.event as? PurchaseReturned, event.stream.category == Member.category,
            let memberId = event.stream.id
        else { return [] }
        return [
            SettleReturnedPoints(memberId: memberId, transactionId: e.transactionId, returnId: e.returnId),
            EvaluateMemberTier(memberId: memberId),
        ]
    }
}

/// LOY-07 MemberEnrolled → LOY-08 (the first tier: threshold 0) and, when the member was referred by an active
/// member of a programme with an active referral rule, LOY-13 for the referrer (``AwardReferralPoints``).
public struct MemberEnrolmentProcess: ProcessManager {
    public let name = "loyalty.memberEnrolment"

    public init() {}

    public func react(to event: RecordedDomainEvent, context: any DecisionContext) -> [any Command] {
        guard let e = event.event as? MemberEnrolled, event.stream.category == Member.category else { return [] }
        var commands: [any Command] = [EvaluateMemberTier(memberId: e.memberId)]
        if let referrer = e.referrerMemberId {
            let r = Member.fold(context.events(of: Member.stream(referrer)).events)
            let day = e.enrolledAt.date
            let rules = context.children(of: LoyaltyProgram.stream(e.programId), category: EarningRule.category)
                .map { EarningRule.fold(context.events(of: $0).events) }
                .filter { $0.definition?.kind == .referral }
            var segments = Set<ID>()
            for listId in Set(rules.flatMap { $0.definition?.segmentScope ?? [] }) {
                let list = AudienceList.fold(
                    context.events(of: StreamRef(AudienceList.category, listId.description)).events
                )
                if list.contains(entityId: referrer) || (r.customerId.map(list.contains(entityId:)) ?? false) {
                    segments.insert(listId)
                }
            }
            let hasRule = rules.contains { $0.applies(on: day, tierId: r.tierId, segments: segments) }
            if r.isActive, hasRule {
                commands.append(AwardReferralPoints(referrerMemberId: referrer, referredMemberId: e.memberId))
            }
        }
        return commands
    }
}
