// Commands of catalogue §2.9, purchases and points (LOY-11..LOY-18).

/// Amount bounds of loyalty input: at most ¥10 billion (10¹² minor units) per amount and 10⁶ units per line, so
/// points arithmetic stays far inside its exact range.
enum LoyaltyLimits {
    static let maxAmountMinor: Int64 = 1_000_000_000_000
    static let maxQty: Int64 = 1_000_000
}

/// LOY-11: record a purchase of the member (idempotent per `transactionId`: the same purchase again is accepted
/// and appends nothing; another purchase with a used transaction id is refused).
public struct RecordPurchase: Command {
    public let memberId: ID
    public let transactionId: ID
    public let storeId: ID
    public let occurredAt: Timestamp
    public let documentNo: String
    public let items: [PurchaseItem]
    public let deliveryAmount: Money
    public let total: Money

    public init(
        memberId: ID,
        transactionId: ID,
        storeId: ID,
        occurredAt: Timestamp,
        documentNo: String,
        items: [PurchaseItem],
        deliveryAmount: Money,
        total: Money
    ) {
        self.memberId = memberId
        self.transactionId = transactionId
        self.storeId = storeId
        self.occurredAt = occurredAt
        self.documentNo = documentNo
        self.items = items
        self.deliveryAmount = deliveryAmount
        self.total = total
    }

    var event: PurchaseRecorded {
        PurchaseRecorded(
            transactionId: transactionId,
            storeId: storeId,
            occurredAt: occurredAt,
            documentNo: documentNo,
            items: items,
            deliveryAmount: deliveryAmount,
            total: total
        )
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        try d.authorize(.edit, on: .member, rule: "LOY-11.perm")
        try Rejection.require(documentNo, "LOY-11.documentNo", field: "documentNo")
        let m = try Member.load(memberId, &d, rule: "LOY-11.memberExists")
        let program = try m.program(&d, rule: "LOY-11.programExists")
        let currency = program.currency
        guard !items.isEmpty else {
            throw .invalidInput("LOY-11.items", field: "items", "a purchase has at least one item")
        }
        var skus = Set<String>()
        var sum: Int64 = 0
        for i in items {
            try Rejection.require(i.sku, "LOY-11.items", field: "items.sku")
            guard skus.insert(i.sku).inserted else {
                throw .invalidInput("LOY-11.items", field: "items.sku", "SKU \(i.sku) appears twice; merge the lines")
            }
            guard (1...LoyaltyLimits.maxQty).contains(i.qty) else {
                throw .invalidInput(
                    "LOY-11.items",
                    field: "items.qty",
                    "\(i.qty) for \(i.sku) must lie in 1...\(LoyaltyLimits.maxQty)"
                )
            }
            try loyaltyCheckAmount(i.grossAmount, field: "items.grossAmount", currency: currency, rule: "LOY-11.items")
            sum += i.grossAmount.amountMinor
        }
        try loyaltyCheckAmount(deliveryAmount, field: "deliveryAmount", currency: currency, rule: "LOY-11.items")
        guard total.currency == currency, total.amountMinor == sum + deliveryAmount.amountMinor else {
            throw .invalidInput(
                "LOY-11.totalMatchesItems",
                field: "total",
                "\(total) differs from Σ items + delivery = \(sum + deliveryAmount.amountMinor) \(currency)"
            )
        }
        try Rejection.ensure(
            occurredAt <= d.now,
            "LOY-11.occurredAtNotInFuture",
            "occurredAt \(occurredAt) is after now (\(d.now))",
            ["occurredAt": occurredAt.description]
        )
        try Store.require(storeId, &d, rule: "LOY-11.storeExists")
        if !program.storeScope.isEmpty, !program.storeScope.contains(storeId) {
            throw .invalidInput(
                "LOY-11.storeInScope",
                field: "storeId",
                "store \(storeId) is not in the program's store scope"
            )
        }
        if let owner = d.lookup(Member.transactionKey(transactionId)) {
            if owner == Member.stream(memberId), m.purchases[transactionId]?.recorded == event { return }
            throw .alreadyExists("LOY-11.transactionIdUnique", "transaction", transactionId)
        }
        guard m.status == .active, let enrolled = m.enrolledAt, occurredAt >= enrolled else {
            throw .invalidState(
                "LOY-11.memberActive",
                "member \(memberId) is \(m.status.rawValue) or was not yet enrolled at \(occurredAt)",
                ["status": m.status.rawValue, "enrolledAt": m.enrolledAt?.description ?? ""]
            )
        }
        d.emit(event, to: Member.stream(memberId))
    }
}

private func loyaltyCheckAmount(_ m: Money, field: String, currency: String, rule: String) throws(Rejection) {
    guard m.currency == currency else {
        throw .invalidInput(rule, field: field, "currency \(m.currency) is not the program's \(currency)")
    }
    guard (0...LoyaltyLimits.maxAmountMinor).contains(m.amountMinor) else {
        throw .invalidInput(rule, field: field, "\(m) must lie in 0...\(LoyaltyLimits.maxAmountMinor) minor units")
    }
}

/// LOY-12: record the return of items of a purchase.
public struct ReturnPurchase: Command {
    public let memberId: ID
    public let transactionId: ID
    public let returnId: ID
    public let items: [ReturnedItem]

    public init(memberId: ID, transactionId: ID, returnId: ID, items: [ReturnedItem]) {
        self.memberId = memberId
        self.transactionId = transactionId
        self.returnId = returnId
        self.items = items
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        try d.authorize(.edit, on: .member, rule: "LOY-12.perm")
        let m = try Member.load(memberId, &d, rule: "LOY-12.memberExists")
        guard let purchase = m.purchases[transactionId] else {
            throw .notFound("LOY-12.purchaseExists", "purchase of member \(memberId)", id: transactionId)
        }
        guard !items.isEmpty else {
            throw .invalidInput("LOY-12.items", field: "items", "a return has at least one item")
        }
        guard !m.returnIds.contains(returnId) else { throw .alreadyExists("LOY-12.returnIdUnique", "return", returnId) }
        let program = try m.program(&d, rule: "LOY-12.programExists")
        guard program.returnsEnabled else {
            throw .invalidState(
                "LOY-12.returnsEnabled",
                "program \(program.definition?.name ?? "") does not accept returns"
            )
        }
        let remaining = Dictionary(purchase.remainingItems.map { ($0.sku, $0) }, uniquingKeysWith: { a, _ in a })
        var skus = Set<String>()
        for r in items {
            guard skus.insert(r.sku).inserted else {
                throw .invalidInput("LOY-12.items", field: "items.sku", "SKU \(r.sku) appears twice; merge the lines")
            }
            try loyaltyCheckAmount(
                r.grossAmount,
                field: "items.grossAmount",
                currency: program.currency,
                rule: "LOY-12.items"
            )
            guard let left = remaining[r.sku] else {
                throw .invalidInput(
                    "LOY-12.items",
                    field: "items.sku",
                    "SKU \(r.sku) is not in purchase \(transactionId)"
                )
            }
            guard r.qty > 0 else { throw .invalidInput("LOY-12.items", field: "items.qty", "\(r.qty) must be > 0") }
            try Rejection.ensure(
                r.qty <= left.qty,
                "LOY-12.quantityAvailable",
                "\(r.qty) × \(r.sku) returned, but only \(left.qty) of the purchased quantity is not returned yet",
                ["sku": r.sku, "qty": "\(r.qty)", "returnable": "\(left.qty)"]
            )
            try Rejection.ensure(
                r.grossAmount.amountMinor <= left.grossAmount.amountMinor,
                "LOY-12.quantityAvailable",
                "\(r.grossAmount) refunded for \(r.sku), but only \(left.grossAmount) of its amount "
                    + "is not returned yet",
                ["sku": r.sku, "amount": r.grossAmount.description, "returnable": left.grossAmount.description]
            )
        }
        d.emit(
            PurchaseReturned(transactionId: transactionId, returnId: returnId, items: items),
            to: Member.stream(memberId)
        )
    }
}

/// Shared LOY-13 steps: credit `result` as a new lot unless every (sourceId, ruleId) pair was credited before.
private func emitEarning(
    memberId: ID,
    member m: Member,
    source: PointsSource,
    sourceId: ID,
    points: Int64,
    trace: [PointsRuleTrace],
    earnedAt: Timestamp,
    lotId: ID?,
    _ d: inout Decision
) throws(Rejection) {
    guard points > 0 else { return }
    let program = try m.program(&d, rule: "LOY-13.programExists")
    d.emit(
        PointsEarned(
            lotId: lotId ?? d.newID(),
            points: points,
            source: source,
            sourceId: sourceId,
            ruleTrace: trace,
            earnedAt: earnedAt,
            expiresOn: program.expiryPolicy.expiresOn(earnedOn: earnedAt.date)
        ),
        to: Member.stream(memberId)
    )
}

private func requireActive(_ m: Member, _ id: ID, rule: String) throws(Rejection) {
    guard m.status == .active else {
        throw .invalidState(rule, "member \(id) is inactive; reactivate it first", ["memberId": id.description])
    }
}

/// The tier earn multiplier of `tierId`, if it has one.
private func tierMultiplier(_ tierId: ID?, _ d: inout Decision) -> Int64? {
    tierId.flatMap { d.load(Tier.self, $0)?.definition?.benefits.earnMultiplierBasisPoints }
}

/// LOY-13 for a purchase (issued by ``PurchaseEarningProcess``): evaluate the programme's purchase rules (§3.5)
/// and credit one lot, expiring per the programme's policy from the purchase date. Idempotent per
/// (transactionId, ruleId); a purchase that earns 0 points appends nothing.
public struct EarnPurchasePoints: Command {
    public let memberId: ID
    public let transactionId: ID
    public let lotId: ID?

    public init(memberId: ID, transactionId: ID, lotId: ID? = nil) {
        self.memberId = memberId
        self.transactionId = transactionId
        self.lotId = lotId
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        try d.authorize(.edit, on: .member, rule: "LOY-13.perm")
        let m = try Member.load(memberId, &d, rule: "LOY-13.memberExists")
        guard let purchase = m.purchases[transactionId]?.recorded else {
            throw .notFound("LOY-13.purchaseExists", "purchase of member \(memberId)", id: transactionId)
        }
        try requireActive(m, memberId, rule: "LOY-13.memberActive")
        let rules = m.applicableRules(
            on: purchase.occurredAt.date,
            kinds: [.basePerAmount, .productMultiplier, .productBonus],
            &d
        ).filter { !m.creditedEarnings.contains(Member.earningKey(sourceId: transactionId, ruleId: $0.ruleId)) }
        guard !rules.isEmpty else { return }
        guard
            let result = PointsEarningCalculator.purchasePoints(
                items: purchase.items,
                deliveryAmountMinor: purchase.deliveryAmount.amountMinor,
                orderTotalMinor: purchase.total.amountMinor,
                rules: rules,
                tierMultiplierBasisPoints: tierMultiplier(m.tierId, &d)
            )
        else {
            throw .invalidInput(
                "LOY-13.pointsRange",
                field: "rules",
                "the earning rules give more points than can be stored"
            )
        }
        try emitEarning(
            memberId: memberId,
            member: m,
            source: .purchase,
            sourceId: transactionId,
            points: result.points,
            trace: result.trace,
            earnedAt: purchase.occurredAt,
            lotId: lotId,
            &d
        )
    }
}

/// LOY-13 for a named event (birthday, enrolment anniversary, profile completed, app download, ...): the active
/// `event` rule for `eventName` with the largest bonus pays [OL-earn]. Idempotent per (sourceId, ruleId).
public struct AwardEventPoints: Command {
    public let memberId: ID
    public let eventName: String
    /// The event occurrence (idempotency key), e.g. the scheduler's id for "2026 birthday of member X".
    public let sourceId: ID
    public let occurredAt: Timestamp
    public let lotId: ID?

    public init(memberId: ID, eventName: String, sourceId: ID, occurredAt: Timestamp, lotId: ID? = nil) {
        self.memberId = memberId
        self.eventName = eventName
        self.sourceId = sourceId
        self.occurredAt = occurredAt
        self.lotId = lotId
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        try d.authorize(.edit, on: .member, rule: "LOY-13.perm")
        try Rejection.require(eventName, "LOY-13.eventName", field: "eventName")
        try Rejection.ensure(
            occurredAt <= d.now,
            "LOY-13.occurredAtNotInFuture",
            "occurredAt \(occurredAt) is after now (\(d.now))",
            ["occurredAt": occurredAt.description]
        )
        let m = try Member.load(memberId, &d, rule: "LOY-13.memberExists")
        try requireActive(m, memberId, rule: "LOY-13.memberActive")
        let matching = m.applicableRules(on: occurredAt.date, kinds: [.event], &d).filter {
            $0.params.eventName == eventName
        }
        guard let rule = PointsEarningCalculator.bestBonusRule(matching), let bonus = rule.params.bonus else {
            throw .invalidState(
                "LOY-13.eventRuleExists",
                "no active event rule of the member's program pays for '\(eventName)' on \(occurredAt.date)",
                ["eventName": eventName]
            )
        }
        if m.creditedEarnings.contains(Member.earningKey(sourceId: sourceId, ruleId: rule.ruleId)) { return }
        try emitEarning(
            memberId: memberId,
            member: m,
            source: .event,
            sourceId: sourceId,
            points: bonus,
            trace: [PointsRuleTrace(ruleId: rule.ruleId, points: bonus)],
            earnedAt: occurredAt,
            lotId: lotId,
            &d
        )
    }
}

/// LOY-13 for a referral (issued by ``MemberEnrolmentProcess``): the referrer earns the largest active `referral`
/// bonus when `referredMemberId` enrols naming it. Idempotent per (referredMemberId, ruleId).
public struct AwardReferralPoints: Command {
    public let referrerMemberId: ID
    public let referredMemberId: ID
    public let lotId: ID?

    public init(referrerMemberId: ID, referredMemberId: ID, lotId: ID? = nil) {
        self.referrerMemberId = referrerMemberId
        self.referredMemberId = referredMemberId
        self.lotId = lotId
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        try d.authorize(.edit, on: .member, rule: "LOY-13.perm")
        let referred = try Member.load(referredMemberId, &d, rule: "LOY-13.memberExists")
        guard referred.referrerMemberId == referrerMemberId, let enrolledAt = referred.enrolledAt else {
            throw .violated(
                "LOY-13.referralMatches",
                "member \(referredMemberId) did not enrol as referred by \(referrerMemberId)",
                ["referredMemberId": referredMemberId.description, "referrerMemberId": referrerMemberId.description]
            )
        }
        let m = try Member.load(referrerMemberId, &d, rule: "LOY-13.memberExists")
        try requireActive(m, referrerMemberId, rule: "LOY-13.memberActive")
        guard
            let rule = PointsEarningCalculator.bestBonusRule(
                m.applicableRules(on: enrolledAt.date, kinds: [.referral], &d)
            ),
            let bonus = rule.params.bonus
        else {
            throw .invalidState("LOY-13.referralRuleExists", "no active referral rule in the referrer's program")
        }
        if m.creditedEarnings.contains(Member.earningKey(sourceId: referredMemberId, ruleId: rule.ruleId)) { return }
        try emitEarning(
            memberId: referrerMemberId,
            member: m,
            source: .referral,
            sourceId: referredMemberId,
            points: bonus,
            trace: [PointsRuleTrace(ruleId: rule.ruleId, points: bonus)],
            earnedAt: enrolledAt,
            lotId: lotId,
            &d
        )
    }
}

/// LOY-13 for points granted by hand against a source record (a missing receipt, a service ticket), needing the
/// `adjustPoints` permission. Unlike LOY-17 the lot is an earned lot (cancellable by LOY-18). Idempotent per
/// sourceId.
public struct CreditManualPoints: Command {
    public let memberId: ID
    public let points: Int64
    public let sourceId: ID
    public let earnedAt: Timestamp
    public let lotId: ID?

    public init(memberId: ID, points: Int64, sourceId: ID, earnedAt: Timestamp, lotId: ID? = nil) {
        self.memberId = memberId
        self.points = points
        self.sourceId = sourceId
        self.earnedAt = earnedAt
        self.lotId = lotId
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        try d.authorize(.adjustPoints, on: .member, rule: "LOY-13.perm")
        try Rejection.ensure(
            points > 0,
            "LOY-13.pointsPositive",
            "earned points must be > 0, got \(points)",
            ["points": "\(points)"]
        )
        try Rejection.ensure(
            earnedAt <= d.now,
            "LOY-13.occurredAtNotInFuture",
            "earnedAt \(earnedAt) is after now (\(d.now))",
            ["earnedAt": earnedAt.description]
        )
        let m = try Member.load(memberId, &d, rule: "LOY-13.memberExists")
        try requireActive(m, memberId, rule: "LOY-13.memberActive")
        if m.creditedEarnings.contains(Member.earningKey(sourceId: sourceId, ruleId: nil)) { return }
        try emitEarning(
            memberId: memberId,
            member: m,
            source: .manual,
            sourceId: sourceId,
            points: points,
            trace: [],
            earnedAt: earnedAt,
            lotId: lotId,
            &d
        )
    }
}

/// LOY-14: redeem points for a reward or against an order, as of `asOf`, taking them soonest-expiring first.
public struct RedeemPoints: Command {
    public let memberId: ID
    public let redemptionId: ID
    public let points: Int64
    public let rewardId: ID?
    public let orderId: ID?
    public let asOf: LocalDate

    public init(memberId: ID, redemptionId: ID, points: Int64, rewardId: ID? = nil, orderId: ID? = nil, asOf: LocalDate)
    {
        self.memberId = memberId
        self.redemptionId = redemptionId
        self.points = points
        self.rewardId = rewardId
        self.orderId = orderId
        self.asOf = asOf
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        try d.authorize(.edit, on: .member, rule: "LOY-14.perm")
        try Rejection.ensure(
            points > 0,
            "LOY-14.pointsPositive",
            "redeemed points must be > 0, got \(points)",
            ["points": "\(points)"]
        )
        guard (rewardId == nil) != (orderId == nil) else {
            throw .invalidInput(
                "LOY-14.target",
                field: "rewardId",
                "a redemption is for a reward or against an order: give exactly one"
            )
        }
        try Rejection.ensure(
            asOf <= d.now.date,
            "LOY-14.asOfNotInFuture",
            "asOf \(asOf) is after today (\(d.now.date))",
            ["asOf": asOf.description]
        )
        let m = try Member.load(memberId, &d, rule: "LOY-14.memberExists")
        try requireActive(m, memberId, rule: "LOY-14.memberActive")
        guard m.redemptions[redemptionId] == nil else {
            throw .alreadyExists("LOY-14.redemptionIdUnique", "redemption", redemptionId)
        }
        if let rewardId {
            guard let reward = d.load(Reward.self, rewardId)?.definition, reward.programId == m.programId else {
                throw .notFound("LOY-14.rewardExists", "reward of the member's program", id: rewardId)
            }
            try Rejection.ensure(
                points == reward.requiredPoints,
                "LOY-14.rewardPoints",
                "reward \(rewardId) costs \(reward.requiredPoints) points, not \(points)",
                ["requiredPoints": "\(reward.requiredPoints)", "points": "\(points)"]
            )
            if let stock = reward.stock {
                // A reversed redemption gives its unit back (LOY-15 claims `redemption.reversed`).
                let taken = d.children(
                    of: StreamRef(Reward.category, rewardId.description),
                    category: Reward.redemptionCategory
                ).filter { d.lookup(PointsRedemptionReversed.reversedKey($0.key)) == nil }.count
                try Rejection.ensure(
                    Int64(taken) < stock,
                    "LOY-14.rewardInStock",
                    "reward \(rewardId) is out of stock (\(taken) of \(stock) redeemed)",
                    ["stock": "\(stock)", "redeemed": "\(taken)"]
                )
            }
        }
        let available = m.ledger.available(asOf: asOf)
        guard let allocations = m.ledger.allocate(points, asOf: asOf) else {
            throw .violated(
                "LOY-14.enoughPoints",
                "member \(memberId) has \(available) points available on \(asOf); \(points) cannot be redeemed",
                ["available": "\(available)", "points": "\(points)", "asOf": asOf.description]
            )
        }
        d.emit(
            PointsRedeemed(
                redemptionId: redemptionId,
                points: points,
                rewardId: rewardId,
                orderId: orderId,
                allocations: allocations
            ),
            to: Member.stream(memberId)
        )
    }
}

/// LOY-15: reverse a redemption: its points go back to the lots they came from; points of a lot that has expired
/// by `asOf` are restored and expire at once (LOY-16, proposal).
public struct ReverseRedemption: Command {
    public let memberId: ID
    public let redemptionId: ID
    public let asOf: LocalDate

    public init(memberId: ID, redemptionId: ID, asOf: LocalDate) {
        self.memberId = memberId
        self.redemptionId = redemptionId
        self.asOf = asOf
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        try d.authorize(.edit, on: .member, rule: "LOY-15.perm")
        try Rejection.ensure(
            asOf <= d.now.date,
            "LOY-15.asOfNotInFuture",
            "asOf \(asOf) is after today (\(d.now.date))",
            ["asOf": asOf.description]
        )
        var m = try Member.load(memberId, &d, rule: "LOY-15.memberExists")
        guard let r = m.redemptions[redemptionId] else {
            throw .notFound("LOY-15.redemptionExists", "redemption of member \(memberId)", id: redemptionId)
        }
        guard !r.reversed else {
            throw .invalidState(
                "LOY-15.notReversed",
                "redemption \(redemptionId) is already reversed",
                ["redemptionId": redemptionId.description]
            )
        }
        let reversal = PointsRedemptionReversed(redemptionId: redemptionId, restored: r.redeemed.allocations)
        d.emit(reversal, to: Member.stream(memberId))
        m.apply(reversal)
        for lot in m.ledger.expirable(asOf: asOf)
        where r.redeemed.allocations.contains(where: { $0.lotId == lot.lotId }) {
            guard let expiresOn = lot.expiresOn else { continue }
            d.emit(
                PointsExpired(lotId: lot.lotId, points: lot.remaining, expiresOn: expiresOn, asOf: asOf),
                to: Member.stream(memberId)
            )
        }
    }
}

/// LOY-16 (scheduler): expire, as of `asOf`, every lot with `asOf > expiresOn` and points remaining. A lot is
/// usable through its `expiresOn`, so it expires on the following day. Appends nothing when nothing is due.
public struct ExpirePoints: Command {
    public let memberId: ID
    public let asOf: LocalDate

    public init(memberId: ID, asOf: LocalDate) {
        self.memberId = memberId
        self.asOf = asOf
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        try d.authorize(.edit, on: .member, rule: "LOY-16.perm")
        try Rejection.ensure(
            asOf <= d.now.date,
            "LOY-16.asOfNotInFuture",
            "asOf \(asOf) is after today (\(d.now.date)); points cannot expire ahead of time",
            ["asOf": asOf.description]
        )
        let m = try Member.load(memberId, &d, rule: "LOY-16.memberExists")
        for lot in m.ledger.expirable(asOf: asOf) {
            guard let expiresOn = lot.expiresOn else { continue }
            d.emit(
                PointsExpired(lotId: lot.lotId, points: lot.remaining, expiresOn: expiresOn, asOf: asOf),
                to: Member.stream(memberId)
            )
        }
    }
}

/// LOY-17: adjust a member's points by hand (`adjustPoints` permission). A positive delta creates a lot expiring
/// per the programme's policy from today; a negative one takes the points soonest-expiring first and may not
/// exceed the available points (no negative balances).
public struct AdjustPoints: Command {
    public let memberId: ID
    public let delta: Int64
    public let reason: String
    public let approvedBy: ID
    public let lotId: ID?

    public init(memberId: ID, delta: Int64, reason: String, approvedBy: ID, lotId: ID? = nil) {
        self.memberId = memberId
        self.delta = delta
        self.reason = reason
        self.approvedBy = approvedBy
        self.lotId = lotId
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        try d.authorize(.adjustPoints, on: .member, rule: "LOY-17.perm")
        try Rejection.require(reason, "LOY-17.reason", field: "reason")
        guard delta != 0 else {
            throw .invalidInput("LOY-17.deltaNonZero", field: "delta", "an adjustment of 0 changes nothing")
        }
        guard d.organisation.isActiveUser(approvedBy) else {
            throw .notFound("LOY-17.approverActive", "user", id: approvedBy)
        }
        let m = try Member.load(memberId, &d, rule: "LOY-17.memberExists")
        let today = d.now.date
        if delta > 0 {
            let program = try m.program(&d, rule: "LOY-17.programExists")
            d.emit(
                PointsAdjusted(
                    delta: delta,
                    reason: reason,
                    approvedBy: approvedBy,
                    lotId: lotId ?? d.newID(),
                    allocations: nil,
                    adjustedAt: d.now,
                    expiresOn: program.expiryPolicy.expiresOn(earnedOn: today)
                ),
                to: Member.stream(memberId)
            )
        } else {
            let available = m.ledger.available(asOf: today)
            guard let allocations = m.ledger.allocate(-delta, asOf: today) else {
                throw .violated(
                    "LOY-17.enoughPoints",
                    "member \(memberId) has \(available) points available; "
                        + "a deduction of \(-delta) would make the balance negative",
                    ["available": "\(available)", "delta": "\(delta)"]
                )
            }
            d.emit(
                PointsAdjusted(
                    delta: delta,
                    reason: reason,
                    approvedBy: approvedBy,
                    lotId: nil,
                    allocations: allocations,
                    adjustedAt: d.now,
                    expiresOn: nil
                ),
                to: Member.stream(memberId)
            )
        }
    }
}

/// LOY-18: cancel points of an earned lot (fraud, error) — `adjustPoints` permission. Returns go through
/// ``SettleReturnedPoints``.
public struct CancelPointsEarning: Command {
    public let memberId: ID
    public let lotId: ID
    public let points: Int64
    public let cause: EarningCancelCause

    public init(memberId: ID, lotId: ID, points: Int64, cause: EarningCancelCause) {
        self.memberId = memberId
        self.lotId = lotId
        self.points = points
        self.cause = cause
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        try d.authorize(.adjustPoints, on: .member, rule: "LOY-18.perm")
        guard points > 0 else { throw .invalidInput("LOY-18.points", field: "points", "\(points) must be > 0") }
        let m = try Member.load(memberId, &d, rule: "LOY-18.memberExists")
        guard let lot = m.ledger.lot(lotId) else {
            throw .notFound("LOY-18.lotExists", "points lot of member \(memberId)", id: lotId)
        }
        guard lot.origin == .earned else {
            throw .invalidState(
                "LOY-18.earnLotOnly",
                "lot \(lotId) comes from an adjustment; only earned lots can be cancelled (use a negative adjustment)",
                ["lotId": lotId.description]
            )
        }
        try Rejection.ensure(
            points <= lot.remaining,
            "LOY-18.withinRemaining",
            "lot \(lotId) has \(lot.remaining) points left; \(points) cannot be cancelled",
            ["remaining": "\(lot.remaining)", "points": "\(points)"]
        )
        d.emit(PointsEarningCancelled(lotId: lotId, points: points, cause: cause), to: Member.stream(memberId))
    }
}

/// LOY-12 → LOY-18 (+ LOY-17), issued by ``PurchaseReturnProcess``: take back the points a return removes.
///
/// For each lot credited by the transaction, the points owed are `floor(E_before) − floor(E_after)`, where `E` is
/// the exact earning (§3.5) of the lot's rules and tier on the purchase net of the returns before and including
/// this one — so a series of returns takes back exactly what the lot would not have earned. The lot's remaining
/// points are cancelled first (LOY-18, cause `return`); the rest, up to what had been spent from the lot, is taken
/// from the other lots soonest-expiring first (LOY-17, no approver), as far as they reach. Points of the lot that
/// expired are not taken again.
public struct SettleReturnedPoints: Command {
    public let memberId: ID
    public let transactionId: ID
    public let returnId: ID

    public init(memberId: ID, transactionId: ID, returnId: ID) {
        self.memberId = memberId
        self.transactionId = transactionId
        self.returnId = returnId
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        try d.authorize(.adjustPoints, on: .member, rule: "LOY-18.perm")
        var m = try Member.load(memberId, &d, rule: "LOY-18.memberExists")
        guard let purchase = m.purchases[transactionId],
            let n = purchase.returns.firstIndex(where: { $0.returnId == returnId })
        else {
            throw .notFound("LOY-18.returnExists", "return of transaction \(transactionId)", id: returnId)
        }
        let today = d.now.date
        for lot in m.lots(source: transactionId) {
            let rules = lot.ruleTrace.compactMap { d.load(EarningRule.self, $0.ruleId)?.definition }
            let multiplier = tierMultiplier(lot.tierId, &d)
            func points(afterReturns k: Int) -> Int64? {
                PointsEarningCalculator.purchasePoints(
                    items: purchase.items(afterReturns: k),
                    deliveryAmountMinor: purchase.recorded.deliveryAmount.amountMinor,
                    orderTotalMinor: purchase.total(afterReturns: k),
                    rules: rules,
                    tierMultiplierBasisPoints: multiplier
                )?.points
            }
            guard let before = points(afterReturns: n), let after = points(afterReturns: n + 1) else { continue }
            let owed = max(0, before - after)
            guard owed > 0 else { continue }
            let current = m.ledger.lot(lot.lotId) ?? lot
            let cancel = min(owed, current.remaining)
            if cancel > 0 {
                let e = PointsEarningCancelled(lotId: lot.lotId, points: cancel, cause: .return)
                d.emit(e, to: Member.stream(memberId))
                m.apply(e)
            }
            // What earlier returns may already have taken back from other lots for this lot's spent points.
            let earlierShortfall = max(0, (lot.points - before) - current.cancelled)
            let shortfall = min(owed - cancel, max(0, current.consumed - earlierShortfall))
            let take = min(shortfall, m.ledger.available(asOf: today))
            if take > 0, let allocations = m.ledger.allocate(take, asOf: today) {
                let e = PointsAdjusted(
                    delta: -take,
                    reason:
                        "return \(returnId) of transaction \(transactionId): \(shortfall) points of lot \(lot.lotId) "
                        + "were already spent; \(take) taken back"
                        + (take < shortfall ? ", \(shortfall - take) unrecoverable" : ""),
                    approvedBy: nil,
                    lotId: nil,
                    allocations: allocations,
                    adjustedAt: d.now,
                    expiresOn: nil
                )
                d.emit(e, to: Member.stream(memberId))
                m.apply(e)
            }
        }
    }
}
