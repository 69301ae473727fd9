// Commands of catalogue §2.9, membership (LOY-07..LOY-10). Loyalty records have no owner: permissions are
// checked on the object type (`member`) without a data scope.

extension Member {
    static func load(_ id: ID, _ d: inout Decision, rule: String) throws(Rejection) -> Member {
        guard let m = d.load(Member.self, id), m.exists else { throw .notFound(rule, "member", id: id) }
        return m
    }

    /// The member's programme.
    func program(_ d: inout Decision, rule: String) throws(Rejection) -> LoyaltyProgram {
        guard let programId, let p = d.load(LoyaltyProgram.self, programId), p.exists else {
            throw .notFound(rule, "loyalty program of member", id: memberId?.description ?? "?")
        }
        return p
    }

    /// Ids of the static audience lists among `lists` that name this member or its customer.
    func segments(among lists: Set<ID>, _ d: inout Decision) -> Set<ID> {
        var out = Set<ID>()
        for l in lists.sorted() {
            guard let list = d.load(AudienceList.self, l), list.isStatic else { continue }
            if let m = memberId, list.contains(entityId: m) { out.insert(l) }
            if let c = customerId, list.contains(entityId: c) { out.insert(l) }
        }
        return out
    }

    /// The active rules of the member's programme that apply on `date` (tier and segment scope included).
    func applicableRules(on date: LocalDate, kinds: Set<EarningRuleKind>, _ d: inout Decision) -> [EarningRuleDefined] {
        guard let programId else { return [] }
        let rules = d.loyaltyEarningRules(of: programId).filter {
            ($0.definition.map { kinds.contains($0.kind) }) ?? false
        }
        let lists = Set(rules.flatMap { $0.definition?.segmentScope ?? [] })
        let segments = segments(among: lists, &d)
        return rules.filter { $0.applies(on: date, tierId: tierId, segments: segments) }.compactMap(\.definition)
    }
}

/// LOY-07: enrol a customer in a programme (one membership per customer and programme).
public struct EnrolMember: Command {
    public let memberId: ID
    public let customerId: ID
    public let programId: ID
    public let enrolledAt: Timestamp
    public let storeId: ID?
    public let referrerMemberId: ID?

    public init(
        memberId: ID,
        customerId: ID,
        programId: ID,
        enrolledAt: Timestamp,
        storeId: ID? = nil,
        referrerMemberId: ID? = nil
    ) {
        self.memberId = memberId
        self.customerId = customerId
        self.programId = programId
        self.enrolledAt = enrolledAt
        self.storeId = storeId
        self.referrerMemberId = referrerMemberId
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        try d.authorize(.create, on: .member, rule: "LOY-07.perm")
        try Rejection.ensure(
            enrolledAt <= d.now,
            "LOY-07.enrolledAtNotInFuture",
            "enrolledAt \(enrolledAt) is after now (\(d.now))",
            ["enrolledAt": enrolledAt.description]
        )
        if d.load(Member.self, memberId)?.exists == true {
            throw .alreadyExists("LOY-07.memberIdUnique", "member", memberId)
        }
        let program = try LoyaltyProgram.load(programId, &d, rule: "LOY-07.programExists")
        guard let customer = d.load(Customer.self, customerId), customer.isLive else {
            throw .notFound("LOY-07.customerExists", "customer", id: customerId)
        }
        if let owner = d.lookup(Member.membershipKey(programId: programId, customerId: customerId)) {
            throw .violated(
                "LOY-07.oneMembershipPerProgram",
                "customer \(customerId) is already a member of program \(programId) (\(owner))",
                ["customerId": customerId.description, "programId": programId.description, "member": owner.key]
            )
        }
        if customer.effectiveList(on: d.now.date) == .black {
            throw .violated(
                "LOY-07.customerNotBlacklisted",
                "customer \(customerId) is blacklisted (\(customer.listReason ?? "no reason given")); "
                    + "remove it from the blacklist first",
                ["customerId": customerId.description]
            )
        }
        if let referrer = referrerMemberId {
            try Rejection.ensure(
                referrer != memberId,
                "LOY-07.referrerNotSelf",
                "member \(memberId) cannot refer itself",
                ["referrerMemberId": referrer.description]
            )
            let r = try Member.load(referrer, &d, rule: "LOY-07.referrerExists")
            try Rejection.ensure(
                r.customerId != customerId,
                "LOY-07.referrerNotSelf",
                "referrer \(referrer) is a membership of the same customer \(customerId)",
                ["referrerMemberId": referrer.description, "customerId": customerId.description]
            )
            guard r.programId == programId else {
                throw .notFound("LOY-07.referrerExists", "member of program \(programId)", id: referrer)
            }
        }
        if let storeId {
            try Store.require(storeId, &d, rule: "LOY-07.storeExists")
            if !program.storeScope.isEmpty, !program.storeScope.contains(storeId) {
                throw .invalidInput(
                    "LOY-07.storeInScope",
                    field: "storeId",
                    "store \(storeId) is not in program \(programId)'s store scope"
                )
            }
        }
        d.emit(
            MemberEnrolled(
                memberId: memberId,
                customerId: customerId,
                programId: programId,
                enrolledAt: enrolledAt,
                storeId: storeId,
                referrerMemberId: referrerMemberId
            ),
            to: Member.stream(memberId)
        )
    }
}

/// LOY-08: move a member to a tier. `qualified` needs the metric at or above the tier's threshold; `downgraded`
/// needs it below the current tier's threshold and a lower target; `manual` is an operator's decision.
public struct ChangeMemberTier: Command {
    public let memberId: ID
    public let toTierId: ID
    public let reason: TierChangeReason

    public init(memberId: ID, toTierId: ID, reason: TierChangeReason) {
        self.memberId = memberId
        self.toTierId = toTierId
        self.reason = reason
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        try d.authorize(.edit, on: .member, rule: "LOY-08.perm")
        let m = try Member.load(memberId, &d, rule: "LOY-08.memberExists")
        guard let programId = m.programId, let to = d.load(Tier.self, toTierId)?.definition, to.programId == programId
        else {
            throw .notFound("LOY-08.tierInProgram", "tier of the member's program", id: toTierId)
        }
        try Rejection.ensure(
            m.tierId != toTierId,
            "LOY-08.tierChanges",
            "member \(memberId) is already in tier \(to.name)",
            ["tierId": toTierId.description]
        )
        let program = try LoyaltyProgram.load(programId, &d, rule: "LOY-08.programExists")
        let metric = m.metric(program.tierMetric)
        let from = m.tierId.flatMap { d.load(Tier.self, $0)?.definition }
        switch reason {
        case .qualified:
            try Rejection.ensure(
                metric >= to.threshold,
                "LOY-08.qualifiedMetric",
                "member \(memberId) has \(program.tierMetric.rawValue) \(metric), "
                    + "below tier \(to.name)'s threshold \(to.threshold)",
                ["metric": "\(metric)", "threshold": "\(to.threshold)"]
            )
        case .downgraded:
            let fromThreshold = from?.threshold ?? 0
            try Rejection.ensure(
                from != nil && metric < fromThreshold && to.threshold < fromThreshold,
                "LOY-08.downgradeMetric",
                "a downgrade needs a lower tier and \(program.tierMetric.rawValue) \(metric) below the current tier's "
                    + "threshold \(fromThreshold)",
                ["metric": "\(metric)", "currentThreshold": "\(fromThreshold)", "targetThreshold": "\(to.threshold)"]
            )
        case .manual:
            break
        }
        d.emit(
            MemberTierChanged(fromTierId: m.tierId, toTierId: toTierId, metricValue: metric, reason: reason),
            to: Member.stream(memberId)
        )
    }
}

/// LOY-08 (system): re-evaluate a member's tier: the tier with the largest threshold ≤ the metric [OL-lvl]. Emits
/// `qualified` (up, or the first assignment) or `downgraded` (down); nothing when the tier stays. Issued by the
/// process managers after enrolment, purchases and returns.
public struct EvaluateMemberTier: Command {
    public let memberId: ID

    public init(memberId: ID) { self.memberId = memberId }

    /// The tier for `metric`: the largest threshold ≤ metric (tiers sorted by threshold).
    public static func target(for metric: Int64, in tiers: [TierDefined]) -> TierDefined? {
        tiers.last { $0.threshold <= metric }
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        try d.authorize(.edit, on: .member, rule: "LOY-08.perm")
        let m = try Member.load(memberId, &d, rule: "LOY-08.memberExists")
        guard let programId = m.programId else { return }
        let program = try LoyaltyProgram.load(programId, &d, rule: "LOY-08.programExists")
        let metric = m.metric(program.tierMetric)
        let tiers = d.loyaltyTiers(of: programId)
        guard let target = Self.target(for: metric, in: tiers), target.tierId != m.tierId else { return }
        let current = m.tierId.flatMap { id in tiers.first { $0.tierId == id } }
        let reason: TierChangeReason =
            current.map { target.threshold < $0.threshold } == true ? .downgraded : .qualified
        d.emit(
            MemberTierChanged(fromTierId: m.tierId, toTierId: target.tierId, metricValue: metric, reason: reason),
            to: Member.stream(memberId)
        )
    }
}

/// LOY-09: deactivate a membership.
public struct DeactivateMember: Command {
    public let memberId: ID
    public let reason: String

    public init(memberId: ID, reason: String) {
        self.memberId = memberId
        self.reason = reason
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        try d.authorize(.edit, on: .member, rule: "LOY-09.perm")
        try Rejection.require(reason, "LOY-09.reason", field: "reason")
        let m = try Member.load(memberId, &d, rule: "LOY-09.memberExists")
        guard m.status == .active else {
            throw .invalidState(
                "LOY-09.active",
                "member \(memberId) is already inactive",
                ["memberId": memberId.description]
            )
        }
        d.emit(MemberDeactivated(reason: reason), to: Member.stream(memberId))
    }
}

/// LOY-09 (scheduler, care rule "dormant member"): deactivate a member with no purchase for more than
/// `dormantAfterDays` days as of `asOf` (counted from the last purchase, or from enrolment when there is none).
public struct DeactivateDormantMember: Command {
    public let memberId: ID
    public let asOf: LocalDate
    public let dormantAfterDays: Int

    public init(memberId: ID, asOf: LocalDate, dormantAfterDays: Int) {
        self.memberId = memberId
        self.asOf = asOf
        self.dormantAfterDays = dormantAfterDays
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        try d.authorize(.edit, on: .member, rule: "LOY-09.perm")
        guard dormantAfterDays > 0 else {
            throw .invalidInput("LOY-09.dormantAfterDays", field: "dormantAfterDays", "\(dormantAfterDays) must be > 0")
        }
        let m = try Member.load(memberId, &d, rule: "LOY-09.memberExists")
        guard m.status == .active else {
            throw .invalidState(
                "LOY-09.active",
                "member \(memberId) is already inactive",
                ["memberId": memberId.description]
            )
        }
        let since = MemberCare.lastActivity(m)
        let days = since.map { $0.days(until: asOf) } ?? 0
        try Rejection.ensure(
            days > dormantAfterDays,
            "LOY-09.dormant",
            "member \(memberId) was last active \(days) days before \(asOf); "
                + "dormant means more than \(dormantAfterDays)",
            ["days": "\(days)", "dormantAfterDays": "\(dormantAfterDays)"]
        )
        d.emit(
            MemberDeactivated(
                reason: "dormant: no purchase for \(days) days as of \(asOf) (since \(since.map(\.description) ?? "-"))"
            ),
            to: Member.stream(memberId)
        )
    }
}

/// LOY-10: reactivate a membership.
public struct ReactivateMember: Command {
    public let memberId: ID

    public init(memberId: ID) { self.memberId = memberId }

    public func decide(_ d: inout Decision) throws(Rejection) {
        try d.authorize(.edit, on: .member, rule: "LOY-10.perm")
        let m = try Member.load(memberId, &d, rule: "LOY-10.memberExists")
        guard m.status == .inactive else {
            throw .invalidState("LOY-10.inactive", "member \(memberId) is active", ["memberId": memberId.description])
        }
        d.emit(MemberReactivated(), to: Member.stream(memberId))
    }
}

/// Care facts about a member for the scheduler (§1.7 segments `anniversary`, `last_purchase_n_days_before`
/// [OL-seg]): who is dormant, whose enrolment anniversary or birthday is coming. The reminders themselves are
/// SVC-18 (service); bonus points for such days are `event` earning rules awarded with ``AwardEventPoints``.
public enum MemberCare {
    /// The date of the last purchase, or of enrolment when there is none.
    public static func lastActivity(_ m: Member) -> LocalDate? { (m.lastPurchaseAt ?? m.enrolledAt)?.date }

    /// Days without a purchase as of `asOf`.
    public static func daysInactive(_ m: Member, asOf: LocalDate) -> Int? {
        lastActivity(m).map { $0.days(until: asOf) }
    }

    /// The next anniversary of `date` on or after `asOf` (29 February falls on 28 February in other years).
    public static func nextAnniversary(of date: LocalDate, onOrAfter asOf: LocalDate) -> LocalDate {
        func inYear(_ y: Int) -> LocalDate {
            LocalDate(y, date.month, min(date.day, LocalDate.daysIn(year: y, month: date.month)))
        }
        let this = inYear(asOf.year)
        return this >= asOf ? this : inYear(asOf.year + 1)
    }

    /// Days from `asOf` to the member's next enrolment anniversary (0 on the day; a member enrolled today is
    /// at 365 or 366).
    public static func daysToEnrolmentAnniversary(_ m: Member, asOf: LocalDate) -> Int? {
        guard let enrolled = m.enrolledAt?.date else { return nil }
        let next = nextAnniversary(of: enrolled, onOrAfter: asOf)
        let target = next == enrolled ? nextAnniversary(of: enrolled, onOrAfter: asOf.adding(days: 1)) : next
        return asOf.days(until: target)
    }

    /// Days from `asOf` to the next birthday (0 on the day).
    public static func daysToBirthday(_ birthday: LocalDate, asOf: LocalDate) -> Int {
        asOf.days(until: nextAnniversary(of: birthday, onOrAfter: asOf))
    }
}
