import CRMDomain

/// A member of the programme and what the generator has planned for them.
struct MemberPlan {
    let id: ID
    let customerIndex: Int
    let birthDate: LocalDate
    var nextPurchase: Int
    /// The member stops buying from this day (and may fall dormant) ...
    var churnDay: Int?
    /// ... and comes back on this day.
    var comebackDay: Int?
    /// Left the programme for good.
    var left = false
    /// The member's stored-value card.
    var card: ID?
    var birthdayRemindedYear = 0
    var noPurchaseReminded: LocalDate?
}

/// A purchase that will be (partly) returned on `day`.
struct PlannedReturn {
    let day: Int
    let memberId: ID
    let transactionId: ID
    let item: PurchaseItem
    let spend: (card: ID, spendId: ID, amount: Int64)?
}

struct RewardPlan {
    let id: ID
    let points: Int64
    let stock: Int64?
    var taken: Int64 = 0
}

struct LoyaltyState {
    var program = ID(0)
    var stores: [ID] = []
    var onlineStore = ID(0)
    var promos: [(rule: ID, from: Int, to: Int)] = []
    var rewards: [RewardPlan] = []
    var tiers: [ID] = []
    var scanned = 0
    var enrolments: [(customerIndex: Int, day: Int)] = []
    var people: [MemberPlan] = []
    var returns: [PlannedReturn] = []
    var reversals: [(member: ID, redemption: ID, day: Int)] = []
    var cardNumber = 0
    var documentNumber = 0
    var manualLot: (member: ID, lot: ID, day: Int)?
    var lostCard: (person: Int, day: Int)?
    var foundCard: (card: ID, day: Int)?
}

extension World {
    static let catalogue: [(sku: String, category: String, labels: [String], price: Int64, maxQty: Int)] = [
        ("CON-TONER-K", "consumables", ["consumables", "printer"], 399_00, 4),
        ("CON-PAPER-A4", "consumables", ["consumables"], 45_00, 10),
        ("HW-SCANNER-S1", "hardware", ["hardware"], 2_199_00, 1),
        ("HW-LABEL-P2", "hardware", ["hardware", "printer"], 899_00, 2),
        ("SVC-EXTWARRANTY", "service", ["service"], 299_00, 2),
        ("SVC-TRAINING", "service", ["service"], 1_200_00, 1),
        ("ACC-CABLE-USB", "accessories", ["accessories"], 39_00, 5),
    ]
    /// Catalogue indices weighted by how often they sell.
    static let catalogueMix = [0, 0, 0, 1, 1, 1, 1, 2, 3, 4, 4, 5, 6, 6]

    var loyaltyOps: ActorRef { .user(extensions.staff.loyaltyManager) }
    var pos: ActorRef { .integration(extensions.staff.loyaltyManager, job: "pos") }

    // MARK: Setup

    /// Stores, the programme (rolling 365-day expiry, tiers on points), earning rules, tiers and rewards.
    mutating func setUpLoyalty(_ runner: inout some CommandRunner) async throws(RunnerError) {
        let chain = newID()
        for (name, region) in [
            ("Shanghai Flagship Store", "East China"), ("Beijing Experience Center", "North China"),
            ("Tmall Online Store", "Online"),
        ] {
            let store = newID()
            try await exec(
                RegisterStore(storeId: store, name: name, chainId: chain, region: region),
                as: loyaltyOps,
                &runner
            )
            extensions.loyalty.stores.append(store)
        }
        extensions.loyalty.onlineStore = extensions.loyalty.stores[2]
        let program = newID()
        extensions.loyalty.program = program
        try await defineProgram(version: 1, &runner)
        let rules: [(EarningRuleKind, EarningRuleParams)] = [
            (
                .basePerAmount,
                EarningRuleParams(
                    pointValue: PointsRate(points: 1, perAmountMinor: 100),
                    excludeDelivery: true,
                    minOrderValue: .cny(10_00)
                )
            ),
            (.productBonus, EarningRuleParams(bonus: 50, skus: ["SVC-EXTWARRANTY"])),
            (.event, EarningRuleParams(bonus: 200, eventName: "birthday")),
            (.referral, EarningRuleParams(bonus: 300)),
        ]
        for (kind, params) in rules {
            try await exec(
                DefineEarningRule(ruleId: newID(), programId: program, kind: kind, params: params),
                as: loyaltyOps,
                &runner
            )
        }
        // A double-points month on consumables every year of the history.
        var year = 0
        while year * 365 + 40 < g.days {
            let from = year * 365 + 30
            let to = min(year * 365 + 60, g.days - 1)
            let rule = newID()
            try await exec(
                DefineEarningRule(
                    ruleId: rule,
                    programId: program,
                    kind: .productMultiplier,
                    params: EarningRuleParams(multiplierBasisPoints: 20_000, labels: ["consumables"]),
                    activeFrom: date(from),
                    activeTo: date(to),
                    priority: 1
                ),
                as: loyaltyOps,
                &runner
            )
            extensions.loyalty.promos.append((rule, from, to))
            year += 1
        }
        let tiers: [(String, Int64, Int64?, Int64?)] = [
            ("Classic", 0, nil, nil), ("Silver", 2_000, 11_000, 200), ("Gold", 6_000, 12_500, 500),
            ("Platinum", 15_000, 15_000, 800),
        ]
        for (name, threshold, multiplier, discount) in tiers {
            let tier = newID()
            extensions.loyalty.tiers.append(tier)
            try await exec(
                DefineTier(
                    tierId: tier,
                    programId: program,
                    name: name,
                    threshold: threshold,
                    benefits: TierBenefits(earnMultiplierBasisPoints: multiplier, discountBasisPoints: discount)
                ),
                as: loyaltyOps,
                &runner
            )
        }
        let scale = Int64(max(1, g.size / 300))
        let rewards: [(Int64, RewardKind, Int64?)] = [
            (500, .voucher, 40 * scale), (300, .discount, nil), (1_200, .product, 20 * scale),
            (1_800, .voucher, 15 * scale),
        ]
        for (points, kind, stock) in rewards {
            let reward = newID()
            try await exec(
                DefineReward(rewardId: reward, programId: program, requiredPoints: points, kind: kind, stock: stock),
                as: loyaltyOps,
                &runner
            )
            extensions.loyalty.rewards.append(RewardPlan(id: reward, points: points, stock: stock))
        }
    }

    mutating func defineProgram(version: Int64, _ runner: inout some CommandRunner) async throws(RunnerError) {
        try await exec(
            DefineLoyaltyProgram(
                programId: extensions.loyalty.program,
                version: version,
                name: "Huaxin Rewards",
                pointName: "Huaxin points",
                currency: "CNY",
                expiryPolicy: .rolling(days: 365),
                tierMetric: .points,
                storeScope: extensions.loyalty.stores
            ),
            as: loyaltyOps,
            &runner
        )
    }

    // MARK: Daily

    mutating func simulateLoyalty(_ day: Int, _ runner: inout some CommandRunner) async throws(RunnerError) {
        if day == g.days / 3 {
            // A WeChat mini-program store opens; the programme's store scope grows (version 2).
            let store = newID()
            try await exec(
                RegisterStore(storeId: store, name: "WeChat Mini-Program Store", region: "Online"),
                as: loyaltyOps,
                &runner
            )
            extensions.loyalty.stores.append(store)
            try await defineProgram(version: 2, &runner)
        }
        for promo in extensions.loyalty.promos where day == promo.to + 1 {
            try await exec(DeactivateEarningRule(ruleId: promo.rule), as: loyaltyOps, &runner)
        }
        try await enrolMembers(day, &runner)
        try await recordPurchases(day, &runner)
        try await processReturns(day, &runner)
        try await redeemRewards(day, &runner)
        try await awardBirthdays(day, &runner)
        try await runCards(day, &runner)
        try await pointsHousekeeping(day, &runner)
        if day == g.days / 2 { try await grantManualTier(day, &runner) }
    }

    /// Some new customers join the programme a few days after they become customers.
    mutating func enrolMembers(_ day: Int, _ runner: inout some CommandRunner) async throws(RunnerError) {
        while extensions.loyalty.scanned < customers.count {
            if chance(0.4) { extensions.loyalty.enrolments.append((extensions.loyalty.scanned, day + roll(0...14))) }
            extensions.loyalty.scanned += 1
        }
        let due = extensions.loyalty.enrolments.filter { $0.day <= day }
        extensions.loyalty.enrolments.removeAll { $0.day <= day }
        for (k, _) in due {
            let member = newID()
            let people = extensions.loyalty.people
            let referrer: ID? = !people.isEmpty && chance(0.15) ? choose(people).id : nil
            let store = choose(Array(extensions.loyalty.stores.prefix(3)))
            let now = tick()
            try await exec(
                EnrolMember(
                    memberId: member,
                    customerId: customers[k].id,
                    programId: extensions.loyalty.program,
                    enrolledAt: now,
                    storeId: store,
                    referrerMemberId: referrer
                ),
                as: pos,
                at: now,
                &runner
            )
            report.members.append(member)
            var plan = MemberPlan(
                id: member,
                customerIndex: k,
                birthDate: LocalDate(roll(1965...1998), roll(1...12), roll(1...28)),
                nextPurchase: day + roll(1...10)
            )
            if chance(0.12) {
                plan.churnDay = day + roll(30...100)
                if chance(0.5) { plan.comebackDay = (plan.churnDay ?? day) + roll(100...200) }
            }
            if chance(0.4) { _ = try await issueCard(.membership, member: member, store: store, day, &runner) }
            if chance(0.2) {
                let card = try await issueCard(.storedValue, member: member, store: store, day, &runner)
                plan.card = card
                try await topUp(card, amount: Self.kCNY(roll(1...2)), store: store, &runner)
            }
            extensions.loyalty.people.append(plan)
        }
    }

    mutating func issueCard(
        _ kind: CardKind,
        member: ID,
        store: ID,
        _ day: Int,
        _ runner: inout some CommandRunner
    ) async throws(RunnerError) -> ID {
        let card = newID()
        try await exec(
            IssueCard(
                cardId: card,
                cardNo: nextCardNo(kind),
                kind: kind,
                memberId: member,
                storeId: store,
                expiresOn: date(day).adding(days: 3 * 365)
            ),
            as: pos,
            &runner
        )
        try await exec(ActivateCard(cardId: card, storeId: store), as: pos, &runner)
        return card
    }

    mutating func nextCardNo(_ kind: CardKind) -> String {
        extensions.loyalty.cardNumber += 1
        return (kind == .storedValue ? "6228" : "8800") + String(100_000_000 + extensions.loyalty.cardNumber)
    }

    /// Loads `amount` (plus a promotional bonus) onto a stored-value card, within the balance cap.
    mutating func topUp(_ card: ID, amount: Int64, store: ID, _ runner: inout some CommandRunner)
        async throws(RunnerError)
    {
        guard let c = extensions.cards[card], c.status == .active else { return }
        let bonus = amount >= Self.kCNY(1) ? amount / 20 * Int64(roll(0...2)) : 0
        let cap = c.memberId == nil ? StoredValuePolicy.anonymousCapMinor : StoredValuePolicy.registeredCapMinor
        guard c.balanceMinor + amount + bonus <= cap else { return }
        try await exec(
            TopUpCard(
                cardId: card,
                topUpId: newID(),
                amount: .cny(amount),
                bonusAmount: .cny(bonus),
                paymentRef: "WXPAY-\(extensions.loyalty.cardNumber)-\(nextID % 1_000_000)",
                storeId: store
            ),
            as: pos,
            &runner
        )
    }

    mutating func recordPurchases(_ day: Int, _ runner: inout some CommandRunner) async throws(RunnerError) {
        for p in extensions.loyalty.people.indices where extensions.loyalty.people[p].nextPurchase <= day {
            var plan = extensions.loyalty.people[p]
            guard !plan.left, let m = extensions.members[plan.id] else { continue }
            if let churn = plan.churnDay, day >= churn {
                guard let back = plan.comebackDay, day >= back else { continue }
                if m.status == .inactive {
                    try await exec(ReactivateMember(memberId: plan.id), as: loyaltyOps, &runner)
                }
                plan.churnDay = nil
                plan.comebackDay = nil
            } else if m.status == .inactive {
                try await exec(ReactivateMember(memberId: plan.id), as: loyaltyOps, &runner)
            }
            plan.nextPurchase = day + roll(6...20)
            extensions.loyalty.people[p] = plan
            try await purchase(p, day, &runner)
        }
    }

    /// One till receipt: 1–3 lines, paid partly by stored value or points, sometimes returned later.
    mutating func purchase(_ p: Int, _ day: Int, _ runner: inout some CommandRunner) async throws(RunnerError) {
        let plan = extensions.loyalty.people[p]
        let store = choose(extensions.loyalty.stores)
        var picks: [Int] = []
        let lines = roll(1...3)
        while picks.count < lines {
            let k = choose(Self.catalogueMix)
            if !picks.contains(k) { picks.append(k) }
        }
        var items: [PurchaseItem] = []
        for k in picks {
            let c = Self.catalogue[k]
            let qty = Int64(roll(1...c.maxQty))
            items.append(
                PurchaseItem(
                    sku: c.sku,
                    category: c.category,
                    labels: c.labels,
                    qty: qty,
                    grossAmount: .cny(c.price * qty)
                )
            )
        }
        let delivery: Int64 = store == extensions.loyalty.onlineStore ? 10_00 : 0
        let total = items.reduce(delivery) { $0 + $1.grossAmount.amountMinor }
        let tx = newID()
        extensions.loyalty.documentNumber += 1
        try await exec(
            RecordPurchase(
                memberId: plan.id,
                transactionId: tx,
                storeId: store,
                occurredAt: Timestamp(date(day), hour: roll(10...18), minute: roll(0...59)),
                documentNo: "POS-\(date(day).year)-\(extensions.loyalty.documentNumber)",
                items: items,
                deliveryAmount: .cny(delivery),
                total: .cny(total)
            ),
            as: pos,
            &runner
        )
        var spend: (card: ID, spendId: ID, amount: Int64)?
        if let card = plan.card, let c = extensions.cards[card], c.status == .active, c.balanceMinor >= 10_00,
            chance(0.6)
        {
            let amount = min(c.balanceMinor, total)
            let spendId = newID()
            try await exec(
                SpendStoredValue(cardId: card, spendId: spendId, amount: .cny(amount), orderId: tx, storeId: store),
                as: pos,
                &runner
            )
            spend = (card, spendId, amount)
        }
        let today = date(day)
        if let m = extensions.members[plan.id], m.isActive, m.ledger.available(asOf: today) >= 1_000, chance(0.05) {
            try await exec(
                RedeemPoints(memberId: plan.id, redemptionId: newID(), points: 500, orderId: tx, asOf: today),
                as: pos,
                &runner
            )
        }
        if chance(0.05), let line = items.first {
            let unit = line.grossAmount.amountMinor / line.qty
            let item = PurchaseItem(
                sku: line.sku,
                category: line.category,
                labels: line.labels,
                qty: 1,
                grossAmount: .cny(unit)
            )
            extensions.loyalty.returns.append(
                PlannedReturn(day: day + roll(1...10), memberId: plan.id, transactionId: tx, item: item, spend: spend)
            )
        }
    }

    mutating func processReturns(_ day: Int, _ runner: inout some CommandRunner) async throws(RunnerError) {
        let due = extensions.loyalty.returns.filter { $0.day <= day }
        extensions.loyalty.returns.removeAll { $0.day <= day }
        for r in due {
            try await exec(
                ReturnPurchase(
                    memberId: r.memberId,
                    transactionId: r.transactionId,
                    returnId: newID(),
                    items: [ReturnedItem(sku: r.item.sku, qty: 1, grossAmount: r.item.grossAmount)]
                ),
                as: pos,
                &runner
            )
            if let s = r.spend, let c = extensions.cards[s.card], !c.isTerminal, let spent = c.spends[s.spendId] {
                let refund = min(spent.amount - spent.refunded, r.item.grossAmount.amountMinor)
                if refund > 0 {
                    try await exec(
                        RefundStoredValue(cardId: s.card, spendId: s.spendId, amount: .cny(refund)),
                        as: loyaltyOps,
                        &runner
                    )
                }
            }
        }
    }

    /// Members with enough points now and then take a reward; a few redemptions are cancelled again.
    mutating func redeemRewards(_ day: Int, _ runner: inout some CommandRunner) async throws(RunnerError) {
        let today = date(day)
        for p in extensions.loyalty.people.indices {
            let id = extensions.loyalty.people[p].id
            guard let m = extensions.members[id], m.isActive else { continue }
            let available = m.ledger.available(asOf: today)
            let affordable = extensions.loyalty.rewards.indices.filter {
                let r = extensions.loyalty.rewards[$0]
                return r.points <= available && (r.stock.map { r.taken < $0 } ?? true)
            }
            guard !affordable.isEmpty, chance(0.015) else { continue }
            let k = choose(affordable)
            let redemption = newID()
            try await exec(
                RedeemPoints(
                    memberId: id,
                    redemptionId: redemption,
                    points: extensions.loyalty.rewards[k].points,
                    rewardId: extensions.loyalty.rewards[k].id,
                    asOf: today
                ),
                as: pos,
                &runner
            )
            extensions.loyalty.rewards[k].taken += 1
            if chance(0.1) { extensions.loyalty.reversals.append((id, redemption, day + roll(1...5))) }
        }
        let due = extensions.loyalty.reversals.filter { $0.day <= day }
        extensions.loyalty.reversals.removeAll { $0.day <= day }
        for r in due {
            try await exec(
                ReverseRedemption(memberId: r.member, redemptionId: r.redemption, asOf: today),
                as: loyaltyOps,
                &runner
            )
        }
        // Now and then a member asks for a reward (in stock) without enough points: the till refuses.
        if day % 50 == 25,
            let mug = extensions.loyalty.rewards.first(where: { r in
                r.points == 1_200 && r.stock.map { r.taken < $0 } ?? true
            }),
            let short = extensions.loyalty.people.first(where: {
                guard let m = extensions.members[$0.id], m.isActive else { return false }
                let available = m.ledger.available(asOf: today)
                return available > 0 && available < mug.points
            })
        {
            try await tryExec(
                RedeemPoints(
                    memberId: short.id,
                    redemptionId: newID(),
                    points: mug.points,
                    rewardId: mug.id,
                    asOf: today
                ),
                as: pos,
                &runner
            )
        }
    }

    mutating func awardBirthdays(_ day: Int, _ runner: inout some CommandRunner) async throws(RunnerError) {
        let today = date(day)
        for plan in extensions.loyalty.people
        where plan.birthDate.month == today.month && plan.birthDate.day == today.day {
            guard extensions.members[plan.id]?.isActive == true else { continue }
            let now = tick()
            try await exec(
                AwardEventPoints(memberId: plan.id, eventName: "birthday", sourceId: newID(), occurredAt: now),
                as: .system(job: "loyalty-events"),
                at: now,
                &runner
            )
        }
    }

    /// Weekly top-ups, one card lost and replaced, one lost and found again, one returned.
    mutating func runCards(_ day: Int, _ runner: inout some CommandRunner) async throws(RunnerError) {
        if day % 7 == 2 {
            for plan in extensions.loyalty.people {
                guard let card = plan.card, let c = extensions.cards[card], c.status == .active,
                    c.balanceMinor < 300_00, chance(0.5)
                else { continue }
                try await topUp(
                    card,
                    amount: Self.kCNY(roll(1...2)) / 2,
                    store: choose(extensions.loyalty.stores),
                    &runner
                )
            }
        }
        let withCard = extensions.loyalty.people.indices.filter {
            guard let card = extensions.loyalty.people[$0].card, let c = extensions.cards[card] else { return false }
            return c.status == .active && c.principalMinor >= 20_00
        }
        if day == g.days * 2 / 5, let p = withCard.first {
            let card = extensions.loyalty.people[p].card ?? ID(0)
            try await exec(
                ReportCardLost(cardId: card, reason: "Wallet lost on the metro", reportedBy: "customer hotline"),
                as: loyaltyOps,
                &runner
            )
            extensions.loyalty.lostCard = (p, day + 2)
        }
        if let lost = extensions.loyalty.lostCard, day == lost.day,
            let old = extensions.loyalty.people[lost.person].card
        {
            let replacement = newID()
            try await exec(
                ReplaceCard(
                    cardId: old,
                    newCardId: replacement,
                    newCardNo: nextCardNo(.storedValue),
                    reason: .lost,
                    fee: .cny(20_00),
                    storeId: extensions.loyalty.stores[0]
                ),
                as: loyaltyOps,
                &runner
            )
            extensions.loyalty.people[lost.person].card = replacement
            extensions.loyalty.lostCard = nil
        }
        if day == g.days * 3 / 5, let p = withCard.last {
            let card = extensions.loyalty.people[p].card ?? ID(0)
            try await exec(
                ReportCardLost(cardId: card, reason: "Card not found after a store visit", reportedBy: "store staff"),
                as: loyaltyOps,
                &runner
            )
            extensions.loyalty.foundCard = (card, day + 1)
        }
        if let found = extensions.loyalty.foundCard, day == found.day {
            try await exec(CancelCardLoss(cardId: found.card), as: loyaltyOps, &runner)
            extensions.loyalty.foundCard = nil
        }
        if day == g.days * 4 / 5, let p = withCard.dropFirst().first, withCard.count > 2 {
            let card = extensions.loyalty.people[p].card ?? ID(0)
            let principal = extensions.cards[card]?.principalMinor ?? 0
            try await exec(
                CancelCard(cardId: card, refundAmount: .cny(principal), reason: "Customer moved abroad"),
                as: loyaltyOps,
                &runner
            )
            extensions.loyalty.people[p].card = nil
        }
    }

    /// Monthly expiry and dormancy runs, manual credits and corrections, one member leaving.
    mutating func pointsHousekeeping(_ day: Int, _ runner: inout some CommandRunner) async throws(RunnerError) {
        let today = date(day)
        if today.day == 1 {
            for plan in extensions.loyalty.people where (extensions.members[plan.id]?.ledger.balance ?? 0) > 0 {
                try await exec(ExpirePoints(memberId: plan.id, asOf: today), as: .system(job: "points-expiry"), &runner)
            }
        }
        if today.day == 15 {
            for plan in extensions.loyalty.people {
                guard let m = extensions.members[plan.id], m.isActive,
                    let since = MemberCare.lastActivity(m), since.days(until: today) > 90
                else { continue }
                try await exec(
                    DeactivateDormantMember(memberId: plan.id, asOf: today, dormantAfterDays: 90),
                    as: .system(job: "dormant-members"),
                    &runner
                )
            }
        }
        let active = extensions.loyalty.people.filter { extensions.members[$0.id]?.isActive == true }
        if day == g.days / 4, let plan = active.first {
            // A receipt the till missed, credited by hand ...
            let lot = newID()
            let now = tick()
            try await exec(
                CreditManualPoints(memberId: plan.id, points: 150, sourceId: newID(), earnedAt: now, lotId: lot),
                as: loyaltyOps,
                at: now,
                &runner
            )
            extensions.loyalty.manualLot = (plan.id, lot, day + 3)
        }
        if let manual = extensions.loyalty.manualLot, day == manual.day {
            // ... and cancelled again: the receipt had been credited already.
            if let remaining = extensions.members[manual.member]?.ledger.lot(manual.lot)?.remaining, remaining > 0 {
                try await exec(
                    CancelPointsEarning(memberId: manual.member, lotId: manual.lot, points: remaining, cause: .error),
                    as: loyaltyOps,
                    &runner
                )
            }
            extensions.loyalty.manualLot = nil
        }
        if day == g.days / 3,
            let plan = active.first(where: { (extensions.members[$0.id]?.ledger.available(asOf: today) ?? 0) >= 100 })
        {
            try await exec(
                AdjustPoints(
                    memberId: plan.id,
                    delta: -100,
                    reason: "Correction: points credited for a cancelled order",
                    approvedBy: extensions.staff.marketer
                ),
                as: loyaltyOps,
                &runner
            )
        }
        if day == g.days * 3 / 5,
            let p = extensions.loyalty.people.indices.first(where: {
                let plan = extensions.loyalty.people[$0]
                return plan.card == nil && extensions.members[plan.id]?.isActive == true
            })
        {
            try await exec(
                DeactivateMember(
                    memberId: extensions.loyalty.people[p].id,
                    reason: "Customer asked to leave the programme"
                ),
                as: loyaltyOps,
                &runner
            )
            extensions.loyalty.people[p].left = true
        }
    }

    /// Halfway through, a new key account is put in Silver by hand as an onboarding gesture (the next purchase
    /// re-evaluates the tier from the points).
    mutating func grantManualTier(_ day: Int, _ runner: inout some CommandRunner) async throws(RunnerError) {
        guard extensions.loyalty.tiers.count > 1,
            let plan = extensions.loyalty.people.last(where: {
                guard let m = extensions.members[$0.id] else { return false }
                return m.isActive && m.tierId == extensions.loyalty.tiers[0]
            })
        else { return }
        try await exec(
            ChangeMemberTier(memberId: plan.id, toTierId: extensions.loyalty.tiers[1], reason: .manual),
            as: loyaltyOps,
            &runner
        )
    }

    /// Goodwill points for a member whose complaint was resolved (approved by the service manager).
    mutating func grantGoodwill(customerIndex: Int, ticket: ID, _ runner: inout some CommandRunner)
        async throws(RunnerError)
    {
        guard let plan = extensions.loyalty.people.first(where: { $0.customerIndex == customerIndex }),
            extensions.members[plan.id]?.isActive == true
        else { return }
        try await exec(
            AdjustPoints(
                memberId: plan.id,
                delta: 300,
                reason: "Goodwill for complaint ticket \(ticket)",
                approvedBy: extensions.staff.serviceManager
            ),
            as: loyaltyOps,
            &runner
        )
    }
}
