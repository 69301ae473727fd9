// Merging memberships (no catalogue row of its own; modelled with the nearest rows LOY-17, LOY-09 and CRD-09).
//
// When two customers are merged (CUS-17/18) and both were members of one programme, the merged-away customer's
// points move to the survivor's membership lot by lot — keeping each lot's earning time and expiry, so the §3.5
// consumption order is unchanged — and the merged-away membership and its membership cards are closed.

/// Merge membership `sourceMemberId` into `targetMemberId` (same programme), as of `asOf`:
/// - on the target, one positive LOY-17 per usable source lot with points left (`adjustedAt` = the lot's earning
///   time, `expiresOn` = its expiry);
/// - on the source, one negative LOY-17 taking all those points, then LOY-09 (reason "merged into …");
/// - CRD-09 (refund 0) for each of the source's membership cards that is not closed yet.
/// Lots already past their date on `asOf` stay on the source and expire there. Needs the `merge` permission.
public struct MergeMembers: Command {
    public let sourceMemberId: ID
    public let targetMemberId: ID
    public let asOf: LocalDate

    public init(sourceMemberId: ID, targetMemberId: ID, asOf: LocalDate) {
        self.sourceMemberId = sourceMemberId
        self.targetMemberId = targetMemberId
        self.asOf = asOf
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        try d.authorize(.merge, on: .member, rule: "LOY-17.mergePerm")
        try Rejection.ensure(
            asOf <= d.now.date,
            "LOY-17.mergeAsOf",
            "asOf \(asOf) is after today (\(d.now.date))",
            ["asOf": asOf.description]
        )
        guard sourceMemberId != targetMemberId else {
            throw .invalidInput(
                "LOY-17.mergeDistinct",
                field: "targetMemberId",
                "a membership cannot be merged into itself"
            )
        }
        let source = try Member.load(sourceMemberId, &d, rule: "LOY-17.memberExists")
        let target = try Member.load(targetMemberId, &d, rule: "LOY-17.memberExists")
        guard source.programId == target.programId else {
            throw .violated(
                "LOY-17.mergeSameProgram",
                "members \(sourceMemberId) and \(targetMemberId) belong to different programs",
                ["source": source.programId?.description ?? "", "target": target.programId?.description ?? ""]
            )
        }
        guard source.isActive else {
            throw .invalidState(
                "LOY-17.mergeSourceActive",
                "member \(sourceMemberId) is inactive (already merged or closed)"
            )
        }
        guard target.isActive else {
            throw .invalidState("LOY-17.mergeTargetActive", "member \(targetMemberId) is inactive; reactivate it first")
        }
        let lots = source.ledger.consumable(asOf: asOf)
        let total = lots.reduce(0) { $0 + $1.remaining }
        let reasonOut = "merged into member \(targetMemberId)"
        for lot in lots {
            d.emit(
                PointsAdjusted(
                    delta: lot.remaining,
                    reason: "merged from member \(sourceMemberId), lot \(lot.lotId)",
                    approvedBy: nil,
                    lotId: d.newID(),
                    allocations: nil,
                    adjustedAt: lot.earnedAt,
                    expiresOn: lot.expiresOn
                ),
                to: Member.stream(targetMemberId)
            )
        }
        if total > 0 {
            d.emit(
                PointsAdjusted(
                    delta: -total,
                    reason: reasonOut,
                    approvedBy: nil,
                    lotId: nil,
                    allocations: lots.map { PointsAllocation(lotId: $0.lotId, points: $0.remaining) },
                    adjustedAt: d.now,
                    expiresOn: nil
                ),
                to: Member.stream(sourceMemberId)
            )
        }
        d.emit(MemberDeactivated(reason: reasonOut), to: Member.stream(sourceMemberId))
        let currency = try source.program(&d, rule: "LOY-17.programExists").currency
        for stream in d.children(of: Member.stream(sourceMemberId), category: Card.category) {
            guard let card = d.load(Card.self, stream: stream), card.kind == .membership, !card.isTerminal else {
                continue
            }
            d.emit(CardCancelled(refundAmount: .zero(card.currency ?? currency), reason: reasonOut), to: stream)
        }
    }
}

/// CUS-18 CustomerMergedAway → for each membership of the merged-away customer whose programme the survivor is also
/// a member of: ``MergeMembers`` into the survivor's membership (as of the merge day), then LOY-08 re-evaluation of
/// the survivor's tier. A membership in a programme the survivor has not joined stays as it is.
public struct CustomerMergeMembershipProcess: ProcessManager {
    public let name = "loyalty.customerMerge"

    public init() {}

    public func react(to event: RecordedDomainEvent, context: any DecisionContext) -> [any Command] {
        guard let e = event.event as? CustomerMergedAway, event.stream.category == "customer" else { return [] }
        var commands: [any Command] = []
        for stream in context.children(of: event.stream, category: Member.category) {
            let source = Member.fold(context.events(of: stream).events)
            guard source.isActive, let programId = source.programId, let sourceId = source.memberId,
                let owner = context.lookup(Member.membershipKey(programId: programId, customerId: e.survivorId)),
                let targetId = owner.id, Member.fold(context.events(of: owner).events).isActive
            else { continue }
            commands.append(
                MergeMembers(sourceMemberId: sourceId, targetMemberId: targetId, asOf: event.recordedAt.date)
            )
            commands.append(EvaluateMemberTier(memberId: targetId))
        }
        return commands
    }
}
