import CRMDomain
import Testing

/// Shared given/when/then helpers of the marketing and loyalty tests.
enum LoyaltyTesting {
    static let system = ActorRef.system(job: "test")
    static let t0 = Timestamp(LocalDate(2026, 3, 2), hour: 9)

    // Organisation: department 1; roles; users.
    static let deptId = ID(1)
    static let opsRoleId = ID(10)
    static let adminRoleId = ID(11)
    static let readOnlyRoleId = ID(12)
    /// May operate members, cards and campaigns, but not adjust points, approve or edit completed campaigns.
    static let ops = ID(900)
    /// Everything `ops` may, plus adjustPoints, approve, editCompleted and merge.
    static let admin = ID(901)
    /// Read only.
    static let viewer = ID(902)

    static let operable: [ObjectType] = [
        .campaign, .audienceList, .messageTemplate, .massSend, .loyaltyProgram, .earningRule, .tier, .reward, .store,
        .member, .card,
    ]

    /// A store with the three users above, their roles and department.
    static func storeWithUsers(processManagers: [any ProcessManager] = []) throws -> InMemoryDomainStore {
        var store = InMemoryDomainStore(processManagers: processManagers)
        try store.execute(DefineDepartment(deptId: deptId, name: "Marketing & Membership"), as: system, at: t0)
        let opsActions: [Action] = [.read, .create, .edit, .refund, .void]
        try store.execute(
            DefineRole(
                roleId: opsRoleId,
                name: "operator",
                objectPermissions: operable.map { ObjectPermission(object: $0, actions: opsActions) },
                dataScope: .all
            ),
            as: system,
            at: t0
        )
        try store.execute(
            DefineRole(
                roleId: adminRoleId,
                name: "administrator",
                objectPermissions: operable.map {
                    ObjectPermission(
                        object: $0,
                        actions: opsActions + [.adjustPoints, .approve, .editCompleted, .merge]
                    )
                },
                dataScope: .all
            ),
            as: system,
            at: t0
        )
        try store.execute(
            DefineRole(
                roleId: readOnlyRoleId,
                name: "viewer",
                objectPermissions: operable.map { ObjectPermission(object: $0, actions: [.read]) },
                dataScope: .all
            ),
            as: system,
            at: t0
        )
        try store.execute(
            OnboardUser(userId: ops, name: "Olga Ops", departmentId: deptId, roleIds: [opsRoleId]),
            as: system,
            at: t0
        )
        try store.execute(
            OnboardUser(userId: admin, name: "Ada Admin", departmentId: deptId, roleIds: [adminRoleId]),
            as: system,
            at: t0
        )
        try store.execute(
            OnboardUser(userId: viewer, name: "Vic Viewer", departmentId: deptId, roleIds: [readOnlyRoleId]),
            as: system,
            at: t0
        )
        return store
    }

    static func givenCustomer(_ store: inout InMemoryDomainStore, _ id: ID, name: String, blacklisted: Bool = false) {
        var events: [any DomainEvent] = [
            CustomerCreated(
                customerId: id,
                name: name,
                kind: .person,
                source: "store",
                industry: "",
                level: "A",
                address: "",
                ownerId: nil,
                poolId: nil,
                createdVia: .manual,
                at: t0
            )
        ]
        if blacklisted { events.append(CustomerListed(list: .black, reason: "chargeback fraud", until: nil)) }
        store.given(events, on: StreamRef("customer", id.description))
    }

    /// Runs `command`, expecting the rejection `rule` of `kind`, and checks that nothing was appended.
    static func expectRejected(
        _ store: inout InMemoryDomainStore,
        _ command: some Command,
        as actor: ActorRef = system,
        at time: Timestamp = t0,
        rule: String,
        kind: Rejection.Kind,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let before = store.log.count
        do {
            try store.execute(command, as: actor, at: time)
            Issue.record("expected rejection \(rule), but the command was accepted", sourceLocation: sourceLocation)
        } catch {
            #expect(error.rule == rule, "\(error)", sourceLocation: sourceLocation)
            #expect(error.kind == kind, "\(error)", sourceLocation: sourceLocation)
        }
        #expect(store.log.count == before, "a rejected command appended events", sourceLocation: sourceLocation)
    }

    /// The events of `out`, comparable as a whole with `==`.
    static func events(_ out: [InMemoryDomainStore.Recorded]) -> [AnyHashable] { out.map { AnyHashable($0.event) } }

    static func streams(_ out: [InMemoryDomainStore.Recorded]) -> [String] { out.map(\.stream.name) }

    /// The single event of type `E` in `out`.
    static func only<E: DomainEvent>(_ type: E.Type, in out: [InMemoryDomainStore.Recorded]) throws -> E {
        let matches = out.compactMap { $0.event as? E }
        try #require(matches.count == 1, "expected one \(E.eventType), found \(matches.count)")
        return matches[0]
    }
}

/// A loyalty world: organisation, two stores, a programme (1 point per ¥1, rolling 180 days, points metric),
/// a base rule, tiers Silver (0) and Gold (1 000 points, ×1.5), customers Ann (100) and Bob (101), Ann's
/// member 500, with the loyalty process managers.
struct LoyaltyWorld {
    static let programId = ID(200)
    static let storeA = ID(300)
    static let storeB = ID(301)
    static let baseRule = ID(400)
    static let silver = ID(210)
    static let gold = ID(211)
    static let ann = ID(100)
    static let bob = ID(101)
    static let eve = ID(102)
    static let annMember = ID(500)
    static let bobMember = ID(501)
    /// Ann joined a year before ``LoyaltyTesting/t0`` (2025-03-02), so purchases may be backdated.
    static let annEnrolledAt = LoyaltyTesting.t0.adding(days: -365)

    var store: InMemoryDomainStore
    let sys = LoyaltyTesting.system
    let t0 = LoyaltyTesting.t0

    init(enrolAnn: Bool = true, tiers: Bool = true, returnsEnabled: Bool = true) throws {
        store = try LoyaltyTesting.storeWithUsers(processManagers: LoyaltyCatalog.processManagers)
        try store.execute(
            RegisterStore(storeId: Self.storeA, name: "Jing'an flagship", region: "Shanghai"),
            as: sys,
            at: t0
        )
        try store.execute(RegisterStore(storeId: Self.storeB, name: "Xuhui mall"), as: sys, at: t0)
        try store.execute(
            DefineLoyaltyProgram(
                programId: Self.programId,
                version: 1,
                name: "Tea Club",
                pointName: "leaves",
                currency: "CNY",
                expiryPolicy: .rolling(days: 180),
                tierMetric: .points,
                returnsEnabled: returnsEnabled
            ),
            as: sys,
            at: t0
        )
        try store.execute(
            DefineEarningRule(
                ruleId: Self.baseRule,
                programId: Self.programId,
                kind: .basePerAmount,
                params: EarningRuleParams(
                    pointValue: PointsRate(points: 1, perAmountMinor: 100),
                    excludeDelivery: true
                ),
                priority: 1
            ),
            as: sys,
            at: t0
        )
        if tiers {
            try store.execute(
                DefineTier(
                    tierId: Self.silver,
                    programId: Self.programId,
                    name: "Silver",
                    threshold: 0,
                    benefits: TierBenefits(earnMultiplierBasisPoints: nil, discountBasisPoints: nil)
                ),
                as: sys,
                at: t0
            )
            try store.execute(
                DefineTier(
                    tierId: Self.gold,
                    programId: Self.programId,
                    name: "Gold",
                    threshold: 1_000,
                    benefits: TierBenefits(earnMultiplierBasisPoints: 15_000, discountBasisPoints: 500)
                ),
                as: sys,
                at: t0
            )
        }
        LoyaltyTesting.givenCustomer(&store, Self.ann, name: "Ann")
        LoyaltyTesting.givenCustomer(&store, Self.bob, name: "Bob")
        LoyaltyTesting.givenCustomer(&store, Self.eve, name: "Eve", blacklisted: true)
        if enrolAnn {
            try store.execute(
                EnrolMember(
                    memberId: Self.annMember,
                    customerId: Self.ann,
                    programId: Self.programId,
                    enrolledAt: Self.annEnrolledAt,
                    storeId: Self.storeA
                ),
                as: sys,
                at: t0
            )
        }
    }

    /// A purchase of one line per (sku, amount in yuan), no delivery.
    static func purchase(
        member: ID = annMember,
        tx: ID,
        at: Timestamp,
        lines: [(String, Int64)],
        delivery: Int64 = 0,
        labels: [String] = []
    ) -> RecordPurchase {
        let items = lines.map {
            PurchaseItem(sku: $0.0, category: "tea", labels: labels, qty: 1, grossAmount: .cny($0.1 * 100))
        }
        let total = lines.reduce(0) { $0 + $1.1 * 100 } + delivery * 100
        return RecordPurchase(
            memberId: member,
            transactionId: tx,
            storeId: storeA,
            occurredAt: at,
            documentNo: "POS-\(tx.description.suffix(4))",
            items: items,
            deliveryAmount: .cny(delivery * 100),
            total: .cny(total)
        )
    }

    func member(_ id: ID = annMember) throws -> Member { try #require(store.state(Member.self, id)) }
}
