import CRMDomain
import Testing

/// SplitMix64 (Steele, Lea, Flood 2014): a tiny deterministic generator for property tests.
struct LoyaltySplitMix64 {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in `range` (modulo bias is irrelevant for test data).
    mutating func int(_ range: ClosedRange<Int64>) -> Int64 {
        range.lowerBound + Int64(next() % UInt64(range.upperBound - range.lowerBound + 1))
    }

    mutating func chance(_ percent: Int64) -> Bool { int(0...99) < percent }
}

/// Property: for many generated sequences of purchases (earning), redemptions, returns (earning cancelled),
/// expiry runs, reversals and adjustments, run through the commands and process managers:
/// - no lot and no balance ever goes negative;
/// - every redemption (and deduction) takes soonest-expiring usable lots first;
/// - the sum of all point movements in the log equals the balance;
/// - lots past their date are not available, and an expiry run leaves none of them with points;
/// - a purchase returned in full keeps no points (unless a redemption reversal after one of its returns gave points
///   back to its lot).
@Suite struct PointsLedgerPropertyTests {
    static let sequences: UInt64 = 220
    let programId = ID(200)
    let member = ID(500)
    let storeId = ID(300)
    let sys = ActorRef.system(job: "property")

    @Test func theLedgerInvariantsHoldForGeneratedSequences() throws {
        var stats = (redeemed: 0, rejected: 0, returned: 0, expired: 0, shortfalls: 0, reversed: 0)
        for seed in 0..<Self.sequences {
            try run(seed: seed, stats: &stats)
        }
        // The generator exercises every path (so the properties are not vacuous).
        #expect(stats.redeemed > 500)
        #expect(stats.rejected > 50)
        #expect(stats.returned > 200)
        #expect(stats.expired > 100)
        #expect(stats.shortfalls > 10)
        #expect(stats.reversed > 20)
    }

    func run(
        seed: UInt64,
        stats: inout (redeemed: Int, rejected: Int, returned: Int, expired: Int, shortfalls: Int, reversed: Int)
    ) throws {
        var rng = LoyaltySplitMix64(seed: seed)
        var store = try LoyaltyTesting.storeWithUsers(processManagers: LoyaltyCatalog.processManagers)
        var today = LocalDate(2025, 1, 1)
        var now: Timestamp { Timestamp(today, hour: 12) }
        let validity = [30, 60, 90][Int(rng.int(0...2))]
        try store.execute(RegisterStore(storeId: storeId, name: "S"), as: sys, at: now)
        try store.execute(
            DefineLoyaltyProgram(
                programId: programId,
                version: 1,
                name: "P",
                pointName: "pts",
                currency: "CNY",
                expiryPolicy: .rolling(days: Int64(validity)),
                tierMetric: .points
            ),
            as: sys,
            at: now
        )
        let rules: [(EarningRuleKind, EarningRuleParams)] = [
            (
                .basePerAmount,
                EarningRuleParams(pointValue: PointsRate(points: 1, perAmountMinor: 100), minOrderValue: .cny(2_000))
            ),
            (.productMultiplier, EarningRuleParams(multiplierBasisPoints: 25_000, skus: ["PROMO"])),
            (.productBonus, EarningRuleParams(bonus: 7, labels: ["gift"])),
        ]
        for (i, r) in rules.enumerated() {
            try store.execute(
                DefineEarningRule(ruleId: ID(400 + UInt64(i)), programId: programId, kind: r.0, params: r.1),
                as: sys,
                at: now
            )
        }
        try store.execute(
            DefineTier(
                tierId: ID(210),
                programId: programId,
                name: "Base",
                threshold: 0,
                benefits: TierBenefits(earnMultiplierBasisPoints: nil, discountBasisPoints: nil)
            ),
            as: sys,
            at: now
        )
        try store.execute(
            DefineTier(
                tierId: ID(211),
                programId: programId,
                name: "Plus",
                threshold: 600,
                benefits: TierBenefits(earnMultiplierBasisPoints: 13_333, discountBasisPoints: nil)
            ),
            as: sys,
            at: now
        )
        LoyaltyTesting.givenCustomer(&store, ID(100), name: "C\(seed)")
        try store.execute(
            EnrolMember(memberId: member, customerId: ID(100), programId: programId, enrolledAt: Timestamp(today)),
            as: sys,
            at: now
        )
        let enrolled = today

        var nextId: UInt64 = 10_000
        func fresh() -> ID {
            nextId += 1
            return ID(nextId)
        }
        // Purchases with a return before a later reversal: the reversal may give back points whose return
        // shortfall was already taken from other lots, so "keeps no points" is only asserted without one.
        var returnedThenReversed = Set<ID>()
        var returnedSoFar = Set<ID>()
        let steps = rng.int(20...35)
        for _ in 0..<steps {
            today = today.adding(days: Int(rng.int(0...9)))
            let before = try state(store)
            let logStart = store.log.count
            let roll = rng.int(0...99)
            if roll < 40 {
                // Purchase, possibly backdated (so credit order and expiry order differ).
                let back = min(Int(rng.int(0...15)), enrolled.days(until: today))
                let occurred = Timestamp(today.adding(days: -back), hour: 9)
                let skus = ["A", "B", "PROMO", "GIFT"].filter { _ in rng.chance(55) }
                let items = (skus.isEmpty ? ["A"] : skus).map { sku in
                    PurchaseItem(
                        sku: sku,
                        category: "c",
                        labels: sku == "GIFT" ? ["gift"] : [],
                        qty: rng.int(1...3),
                        grossAmount: .cny(rng.int(1...25_000))
                    )
                }
                let delivery = rng.chance(30) ? rng.int(0...1_500) : 0
                let total = items.reduce(0) { $0 + $1.grossAmount.amountMinor } + delivery
                try store.execute(
                    RecordPurchase(
                        memberId: member,
                        transactionId: fresh(),
                        storeId: storeId,
                        occurredAt: occurred,
                        documentNo: "D\(nextId)",
                        items: items,
                        deliveryAmount: .cny(delivery),
                        total: .cny(total)
                    ),
                    as: sys,
                    at: now
                )
            } else if roll < 65 {
                let available = before.ledger.available(asOf: today)
                let points = rng.int(1...(available + 30))
                let cmd = RedeemPoints(
                    memberId: member,
                    redemptionId: fresh(),
                    points: points,
                    orderId: ID(77),
                    asOf: today
                )
                if points > available {
                    LoyaltyTesting.expectRejected(
                        &store,
                        cmd,
                        as: sys,
                        at: now,
                        rule: "LOY-14.enoughPoints",
                        kind: .invariantViolated
                    )
                    stats.rejected += 1
                } else {
                    let out = try store.execute(cmd, as: sys, at: now)
                    let redeemed = try LoyaltyTesting.only(PointsRedeemed.self, in: out)
                    checkSoonestExpiringFirst(redeemed.allocations, points: points, before: before, asOf: today)
                    stats.redeemed += 1
                }
            } else if roll < 80 {
                // Return one unit of a line not yet fully returned.
                let open = before.purchases.values.sorted { $0.recorded.transactionId < $1.recorded.transactionId }
                    .flatMap { p in p.remainingItems.filter { $0.qty > 0 }.map { (p, $0) } }
                guard !open.isEmpty else { continue }
                let (p, line) = open[Int(rng.int(0...Int64(open.count - 1)))]
                let gross = line.qty == 1 ? line.grossAmount.amountMinor : line.grossAmount.amountMinor / line.qty
                let out = try store.execute(
                    ReturnPurchase(
                        memberId: member,
                        transactionId: p.recorded.transactionId,
                        returnId: fresh(),
                        items: [ReturnedItem(sku: line.sku, qty: 1, grossAmount: .cny(gross))]
                    ),
                    as: sys,
                    at: now
                )
                stats.returned += 1
                returnedSoFar.insert(p.recorded.transactionId)
                for e in out.compactMap({ $0.event as? PointsEarningCancelled }) {
                    #expect(e.cause == .return)
                    #expect(before.ledger.lot(e.lotId)?.sourceId == p.recorded.transactionId)
                }
                if let adj = out.compactMap({ $0.event as? PointsAdjusted }).first {
                    stats.shortfalls += 1
                    #expect(adj.delta < 0 && adj.approvedBy == nil)
                    let mid = try state(store, upTo: logStart + out.firstIndex { $0.event is PointsAdjusted }!)
                    checkSoonestExpiringFirst(adj.allocations ?? [], points: -adj.delta, before: mid, asOf: today)
                }
                let after = try state(store)
                if after.purchases[p.recorded.transactionId]?.remainingItems.allSatisfy({ $0.qty == 0 }) == true,
                    !returnedThenReversed.contains(p.recorded.transactionId)
                {
                    for lot in after.lots(source: p.recorded.transactionId) {
                        #expect(
                            lot.remaining == 0,
                            "a fully returned purchase keeps \(lot.remaining) points (seed \(seed))"
                        )
                    }
                }
            } else if roll < 90 {
                let out = try store.execute(ExpirePoints(memberId: member, asOf: today), as: sys, at: now)
                stats.expired += out.count
                let after = try state(store)
                for lot in after.ledger.lots where lot.expiresOn.map({ $0 < today }) == true {
                    #expect(lot.remaining == 0, "lot \(lot.lotId) kept points after expiry (seed \(seed))")
                }
            } else if roll < 95 {
                let open = before.redemptions.values.filter { !$0.reversed }.map(\.redeemed.redemptionId).sorted()
                guard let id = open.first else { continue }
                try store.execute(ReverseRedemption(memberId: member, redemptionId: id, asOf: today), as: sys, at: now)
                stats.reversed += 1
                returnedThenReversed.formUnion(returnedSoFar)
            } else {
                let available = before.ledger.available(asOf: today)
                let delta = rng.chance(50) ? rng.int(1...200) : -rng.int(1...(available + 20))
                let cmd = AdjustPoints(
                    memberId: member,
                    delta: delta,
                    reason: "property",
                    approvedBy: LoyaltyTesting.admin
                )
                if -delta > available {
                    LoyaltyTesting.expectRejected(
                        &store,
                        cmd,
                        as: sys,
                        at: now,
                        rule: "LOY-17.enoughPoints",
                        kind: .invariantViolated
                    )
                } else {
                    let out = try store.execute(cmd, as: sys, at: now)
                    if delta < 0 {
                        let adj = try LoyaltyTesting.only(PointsAdjusted.self, in: out)
                        checkSoonestExpiringFirst(adj.allocations ?? [], points: -delta, before: before, asOf: today)
                    }
                }
            }
            try checkBalances(store, asOf: today, seed: seed)
        }
    }

    func state(_ store: InMemoryDomainStore, upTo count: Int? = nil) throws -> Member {
        guard let count else { return try #require(store.state(Member.self, member)) }
        let stream = Member.stream(member)
        return Member.fold(store.log.prefix(count).filter { $0.stream == stream }.map(\.event))
    }

    /// The allocations take `points` from lots usable on `asOf`, whole lots except the last one, never from a lot
    /// expiring later than a usable lot left with points.
    func checkSoonestExpiringFirst(_ allocations: [PointsAllocation], points: Int64, before: Member, asOf: LocalDate) {
        #expect(allocations.reduce(0) { $0 + $1.points } == points)
        #expect(Set(allocations.map(\.lotId)).count == allocations.count)
        let far = LocalDate(9999, 12, 31)
        var latestTaken = LocalDate(daysSinceEpoch: Int32.min)
        var previous: PointsLot?
        for (i, a) in allocations.enumerated() {
            guard let lot = before.ledger.lot(a.lotId) else {
                Issue.record("allocation from unknown lot \(a.lotId)")
                return
            }
            #expect(lot.isUsable(asOf: asOf), "allocated from lot \(lot.lotId) expired on \(lot.expiresOn!)")
            #expect(a.points > 0 && a.points <= lot.remaining)
            if i < allocations.count - 1 { #expect(a.points == lot.remaining, "a lot before the last was not emptied") }
            if let p = previous { #expect(!PointsLedger.consumptionOrder(lot, p), "allocations out of order") }
            latestTaken = max(latestTaken, lot.expiresOn ?? far)
            previous = lot
        }
        let taken = Set(allocations.map(\.lotId))
        for lot in before.ledger.lots where lot.remaining > 0 && lot.isUsable(asOf: asOf) && !taken.contains(lot.lotId)
        {
            #expect(
                (lot.expiresOn ?? far) >= latestTaken,
                "lot \(lot.lotId) expiring \(lot.expiresOn!) was skipped for a later one"
            )
        }
    }

    /// No negative lot or balance; Σ movements in the log = Σ remaining = the ledger's identity.
    func checkBalances(_ store: InMemoryDomainStore, asOf: LocalDate, seed: UInt64) throws {
        let m = try state(store)
        var movements: Int64 = 0
        for r in store.log where r.stream == Member.stream(member) {
            switch r.event {
            case let e as PointsEarned: movements += e.points
            case let e as PointsRedeemed: movements -= e.points
            case let e as PointsRedemptionReversed: movements += e.restored.reduce(0) { $0 + $1.points }
            case let e as PointsExpired: movements -= e.points
            case let e as PointsAdjusted: movements += e.delta
            case let e as PointsEarningCancelled: movements -= e.points
            default: break
            }
        }
        for lot in m.ledger.lots {
            #expect(
                lot.remaining >= 0 && lot.remaining <= lot.points,
                "lot \(lot.lotId): \(lot.remaining) of \(lot.points) (seed \(seed))"
            )
        }
        #expect(m.ledger.available(asOf: asOf) >= 0)
        #expect(movements == m.ledger.balance, "Σ movements \(movements) ≠ balance \(m.ledger.balance) (seed \(seed))")
        #expect(m.ledger.netMovements == m.ledger.balance)
    }
}
