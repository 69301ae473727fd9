// Commands of catalogue §2.2 "Leads": LED-01..LED-08. Conversion (LED-09) is in LeadConversion.swift, the pool
// commands (LED-05, LED-06) in LeadPoolCommands.swift.

/// LED-01: capture a lead from a channel, optionally owned by a user or placed in a lead pool.
///
/// `channel` is the channel's name (`web`, `form`, `import`, `api`, `email`, `phone`, `event`, `referral`); the
/// dedupe keys are derived from phone, e-mail and company. With the `block` policy a key matching a live lead or a
/// live customer (by name) refuses the capture; with `flag` the lead is captured and `LeadDedupeProcess` records
/// the suspicion (CUS-16).
public struct CaptureLead: Command {
    public let leadId: ID
    public let channel: String
    public let campaignId: ID?
    public let utm: LeadUTM?
    public let name: String
    public let company: String?
    public let title: String?
    public let phone: String?
    public let email: String?
    public let address: String?
    public let industry: String?
    public let ownerId: ID?
    public let poolId: ID?
    public let dedupePolicy: LeadDedupePolicy

    public init(
        leadId: ID,
        channel: String,
        campaignId: ID? = nil,
        utm: LeadUTM? = nil,
        name: String,
        company: String? = nil,
        title: String? = nil,
        phone: String? = nil,
        email: String? = nil,
        address: String? = nil,
        industry: String? = nil,
        ownerId: ID? = nil,
        poolId: ID? = nil,
        dedupePolicy: LeadDedupePolicy = .block
    ) {
        self.leadId = leadId
        self.channel = channel
        self.campaignId = campaignId
        self.utm = utm
        self.name = name
        self.company = company
        self.title = title
        self.phone = phone
        self.email = email
        self.address = address
        self.industry = industry
        self.ownerId = ownerId
        self.poolId = poolId
        self.dedupePolicy = dedupePolicy
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        try d.authorize(.create, on: .lead, owner: ownerId, rule: "LED-01.perm")
        guard let ch = LeadChannel(rawValue: channel) else {
            throw .invalidInput(
                "LED-01.channelKnown",
                field: "channel",
                "'\(channel)' is not a lead channel; use one of "
                    + LeadChannel.allCases.map(\.rawValue).joined(separator: ", ")
            )
        }
        try Rejection.require(name, "LED-01.requiredFields", field: "name")
        let values: [String: String?] = [
            "company": company, "title": title, "phone": phone, "email": email, "address": address,
            "industry": industry, "campaignId": campaignId?.description,
        ]
        for group in LeadChannelPolicy.requiredGroups(ch)
        where !group.contains(where: { LeadText.clean(values[$0] ?? nil) != nil }) {
            throw .invalidInput(
                "LED-01.requiredFields",
                field: group.joined(separator: "/"),
                "a \(ch.rawValue) lead needs "
                    + (group.count == 1 ? group[0] : "one of " + group.joined(separator: ", "))
            )
        }
        try LeadText.checkEmail(email, rule: "LED-01.email")
        if let ownerId, let poolId {
            throw .violated(
                "LED-01.ownerOrPool",
                "a lead is owned by a user or sits in a pool, not both (ownerId \(ownerId), poolId \(poolId)); "
                    + "give one of them",
                ["ownerId": ownerId.description, "poolId": poolId.description]
            )
        }
        guard d.load(Lead.self, leadId) == nil else { throw .alreadyExists("LED-01.leadIdUnique", "lead", leadId) }
        if let ownerId, !d.organisation.isActiveUser(ownerId) {
            throw .notFound("LED-01.ownerActive", "user", id: ownerId)
        }
        if let poolId { _ = try LeadPools.load(poolId, rule: "LED-01.pool", in: &d) }
        let keys = Lead.dedupeKeys(phone: phone, email: email, company: company)
        if dedupePolicy == .block {
            try LeadDuplicates.ensureNone(keys, excluding: leadId, rule: "LED-01.duplicate", in: &d)
        }
        d.emit(
            LeadCaptured(
                leadId: leadId,
                channel: ch,
                campaignId: campaignId,
                utm: utm,
                name: name.trimmingWhitespace(),
                company: LeadText.clean(company),
                title: LeadText.clean(title),
                phone: LeadText.clean(phone),
                email: LeadText.clean(email),
                address: LeadText.clean(address),
                industry: LeadText.clean(industry),
                ownerId: ownerId,
                poolId: poolId,
                dedupeKeys: keys,
                at: d.now
            ),
            to: StreamRef.of(Lead.self, leadId)
        )
    }
}

/// One field edit of LED-02: the field and its new value (`nil` or blank clears it).
public struct LeadFieldEdit: Hashable, Sendable {
    public let field: String
    public let value: String?

    public init(field: String, value: String?) {
        self.field = field
        self.value = value
    }
}

/// LED-02: edit descriptive fields of a lead that is not converted.
public struct UpdateLead: Command {
    public let leadId: ID
    public let edits: [LeadFieldEdit]
    public let dedupePolicy: LeadDedupePolicy

    public init(leadId: ID, edits: [LeadFieldEdit], dedupePolicy: LeadDedupePolicy = .block) {
        self.leadId = leadId
        self.edits = edits
        self.dedupePolicy = dedupePolicy
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        guard let lead = d.load(Lead.self, leadId), lead.exists else {
            throw .notFound("LED-02.leadExists", "lead", id: leadId)
        }
        let stream = StreamRef.of(Lead.self, leadId)
        try d.authorize(.edit, on: .lead, owner: lead.ownerId, record: stream, rule: "LED-02.perm")
        guard !edits.isEmpty else { throw .missing("LED-02.changes", field: "edits") }
        guard !lead.isConverted else {
            throw .invalidState(
                "LED-02.notConverted",
                "lead \(leadId) is converted and can no longer change; edit customer "
                    + (lead.conversion?.customerId.description ?? "?") + " instead",
                ["leadId": leadId.description]
            )
        }
        let editable = FieldCatalog.editableFields(of: .lead)
        let fields = edits.map(\.field)
        guard Set(fields).count == fields.count else {
            throw .invalidInput("LED-02.changes", field: "edits", "edit each field once, got \(fields)")
        }
        for f in fields where !editable.contains(f) {
            throw .invalidInput(
                "LED-02.fieldExists",
                field: f,
                "is not an editable lead field; editable: " + editable.joined(separator: ", ")
            )
        }
        try d.authorizeFields(fields, on: .lead, rule: "LED-02.fieldPerm")
        var changes: [LeadFieldChange] = []
        var after = lead
        for e in edits {
            let value = LeadText.clean(e.value)
            let before = lead.value(of: e.field)
            guard value != before else {
                throw .invalidInput("LED-02.changes", field: e.field, "already is '\(before ?? "")'; nothing to change")
            }
            if e.field == "name", value == nil { throw .missing("LED-02.name", field: "name") }
            if e.field == "email" { try LeadText.checkEmail(value, rule: "LED-02.email") }
            changes.append(LeadFieldChange(field: e.field, before: before, after: value))
        }
        let event = LeadUpdated(changes: changes)
        after.apply(event)
        if dedupePolicy == .block {
            let added = after.dedupeKeys.filter { !lead.dedupeKeys.contains($0) }
            try LeadDuplicates.ensureNone(added, excluding: leadId, rule: "LED-02.uniqueFields", in: &d)
        }
        d.emit(event, to: stream)
    }
}

/// LED-03: grade a lead on the configured scale (``LeadGrading``), optionally with a 0...100 score.
public struct GradeLead: Command {
    public let leadId: ID
    public let grade: String
    public let score: Int64?
    public let basis: LeadGradeBasis

    public init(leadId: ID, grade: String, score: Int64? = nil, basis: LeadGradeBasis = .manual) {
        self.leadId = leadId
        self.grade = grade
        self.score = score
        self.basis = basis
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        guard let lead = d.load(Lead.self, leadId), lead.exists else {
            throw .notFound("LED-03.leadExists", "lead", id: leadId)
        }
        let stream = StreamRef.of(Lead.self, leadId)
        try d.authorize(.edit, on: .lead, owner: lead.ownerId, record: stream, rule: "LED-03.perm")
        guard !lead.isConverted else {
            throw .invalidState("LED-03.notConverted", "lead \(leadId) is converted; grades apply to live leads only")
        }
        guard LeadGrading.scale.contains(grade) else {
            throw .violated(
                "LED-03.gradeInScale",
                "grade '\(grade)' is not on the scale " + LeadGrading.scale.joined(separator: ", "),
                ["grade": grade]
            )
        }
        if let score, !LeadGrading.scoreRange.contains(score) {
            throw .invalidInput("LED-03.score", field: "score", "must be within 0...100, got \(score)")
        }
        d.emit(LeadGraded(grade: grade, score: score, basis: basis), to: stream)
    }
}

/// LED-04: give a lead to an owner: manually (to a user in the actor's assign scope), by rule or round robin (to a
/// team member with assignment capacity left today, POL-07), or distributed out of its pool by a pool admin.
///
/// Capacity: the member's daily quota is `round(maxPer30Days / 30)` (``AssignmentPolicy/dailyQuota(of:)``) and
/// every lead assigned to them that UTC day counts against it, whatever the cause and whatever happened to the lead
/// later (lost or disqualified leads still count: the Odoo code's behaviour, pitfall §5.4). Claims do not count.
public struct AssignLead: Command {
    public let leadId: ID
    public let toOwnerId: ID
    public let cause: LeadAssignmentCause
    /// The assignment team (a department with POL-07 capacities); required for `rule` and `roundRobin`.
    public let teamId: ID?

    public init(leadId: ID, toOwnerId: ID, cause: LeadAssignmentCause = .manual, teamId: ID? = nil) {
        self.leadId = leadId
        self.toOwnerId = toOwnerId
        self.cause = cause
        self.teamId = teamId
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        guard let lead = d.load(Lead.self, leadId), lead.exists else {
            throw .notFound("LED-04.leadExists", "lead", id: leadId)
        }
        let stream = StreamRef.of(Lead.self, leadId)
        if cause != .distribute {
            try d.authorize(.assign, on: .lead, owner: lead.ownerId, record: stream, rule: "LED-04.perm")
        }
        guard !lead.isConverted else {
            throw .invalidState("LED-04.notConverted", "lead \(leadId) is converted and can no longer be assigned")
        }
        guard d.organisation.isActiveUser(toOwnerId) else {
            throw .violated(
                "LED-04.assigneeActive",
                "assignee \(toOwnerId) is not an active user; assign the lead to an active user",
                ["toOwnerId": toOwnerId.description]
            )
        }
        guard toOwnerId != lead.ownerId else {
            throw .invalidInput("LED-04.changes", field: "toOwnerId", "user \(toOwnerId) already owns lead \(leadId)")
        }
        var capacity: LeadCapacityRef?
        var fromPool: ID?
        switch cause {
        case .manual:
            if let pool = lead.poolId {
                throw .invalidState(
                    "LED-04.inPool",
                    "lead \(leadId) sits in pool \(pool); a pool admin distributes it, or a member claims it",
                    ["poolId": pool.description]
                )
            }
            try checkInActorsTeam(&d)
        case .rule, .roundRobin:
            capacity = try checkCapacity(lead, &d)
            fromPool = lead.poolId
        case .distribute:
            guard let poolId = lead.poolId else {
                throw .invalidState(
                    "LED-04.inPool",
                    "lead \(leadId) is not in a pool, so it cannot be distributed; assign it manually",
                    ["leadId": leadId.description]
                )
            }
            let pool = try LeadPools.load(poolId, rule: "LED-04.pool", in: &d)
            guard pool.isMember(toOwnerId, in: d.organisation) else {
                throw .violated(
                    "LED-04.assigneeInTeam",
                    "user \(toOwnerId) is not a member of pool '\(pool.name)' (\(poolId)); distribute to a member",
                    ["toOwnerId": toOwnerId.description, "poolId": poolId.description]
                )
            }
            if !d.actor.isSystem {
                guard let uid = d.actor.userId, pool.isAdmin(uid), d.organisation.isActiveUser(uid) else {
                    throw .accessDenied(
                        "LED-04.poolAdmin",
                        actor: d.actor,
                        action: .distribute,
                        object: .lead,
                        reason: "only admins of pool '\(pool.name)' (\(poolId)) distribute its leads"
                    )
                }
            }
            fromPool = poolId
        }
        d.emit(
            LeadAssigned(
                fromOwnerId: lead.ownerId,
                toOwnerId: toOwnerId,
                cause: cause,
                capacityRef: capacity,
                fromPoolId: fromPool,
                at: d.now
            ),
            to: stream
        )
    }

    /// Manual assignment stays within the actor's team: the assignee is inside the actor's `assign` data scope.
    private func checkInActorsTeam(_ d: inout Decision) throws(Rejection) {
        guard !d.actor.isSystem, let uid = d.actor.userId else { return }
        let org = d.organisation
        guard let scope = org.scope(of: uid, .assign, on: .lead), org.scope(scope, of: uid, reaches: toOwnerId) else {
            throw .violated(
                "LED-04.assigneeInTeam",
                "user \(toOwnerId) is outside \(d.actor)'s team (assign scope); assign within the team or ask their "
                    + "manager",
                ["toOwnerId": toOwnerId.description]
            )
        }
    }

    /// Rule and round-robin assignment: the assignee has capacity in the team, the lead fits their filter and
    /// their remaining daily quota is above zero.
    private func checkCapacity(_ lead: Lead, _ d: inout Decision) throws(Rejection) -> LeadCapacityRef {
        guard let teamId else { throw .missing("LED-04.team", field: "teamId") }
        let policy = d.load(AssignmentPolicy.self, stream: StreamRef(AssignmentPolicy.category, teamId.description))
        guard let member = policy?.capacities[toOwnerId] else {
            throw .violated(
                "LED-04.assigneeInTeam",
                "user \(toOwnerId) has no assignment capacity in team \(teamId); set one (POL-07) or pick a member",
                ["toOwnerId": toOwnerId.description, "teamId": teamId.description]
            )
        }
        if let filter = member.filter, let miss = filter.first(where: { !LeadCriteria.matches($0, lead) }) {
            throw .violated(
                "LED-04.capacityFilter",
                "lead \(leadId) does not fit the assignment filter of user \(toOwnerId) (\(miss.field) \(miss.op.rawValue) "
                    + "'\(miss.value)'); pick another member",
                ["toOwnerId": toOwnerId.description, "field": miss.field]
            )
        }
        let quota = policy?.dailyQuota(of: toOwnerId) ?? 0
        let today = Int64(
            d.children(of: LeadIndex.assignments(userId: toOwnerId, day: d.now.date), category: "leadAssignment").count
        )
        guard today < quota else {
            throw .violated(
                "LED-04.dailyQuota",
                "user \(toOwnerId) has no assignment quota left on \(d.now.date): \(today) assigned of a daily quota of "
                    + "\(quota)" + (member.optOut ? " (opted out)" : " (maxPer30Days \(member.maxPer30Days))")
                    + "; pick another member",
                ["toOwnerId": toOwnerId.description, "assignedToday": "\(today)", "dailyQuota": "\(quota)"]
            )
        }
        return LeadCapacityRef(
            teamId: teamId,
            maxPer30Days: member.maxPer30Days,
            dailyQuota: quota,
            assignedToday: today
        )
    }
}

/// LED-07: qualify an open lead with a status of ``LeadStatusCatalog`` that is not a converted status.
public struct QualifyLead: Command {
    public let leadId: ID
    public let status: String

    public init(leadId: ID, status: String) {
        self.leadId = leadId
        self.status = status
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        guard let lead = d.load(Lead.self, leadId), lead.exists else {
            throw .notFound("LED-07.leadExists", "lead", id: leadId)
        }
        let stream = StreamRef.of(Lead.self, leadId)
        try d.authorize(.edit, on: .lead, owner: lead.ownerId, record: stream, rule: "LED-07.perm")
        guard let entry = LeadStatusCatalog.entry(status) else {
            throw .invalidInput(
                "LED-07.statusKnown",
                field: "status",
                "'\(status)' is not a lead status; use one of "
                    + LeadStatusCatalog.entries.filter { !$0.isConverted }.map(\.name).joined(separator: ", ")
            )
        }
        guard lead.status == .open else {
            throw .invalidState(
                "LED-07.open",
                "lead \(leadId) is \(lead.status.rawValue), not open; only open leads are qualified",
                ["status": lead.status.rawValue]
            )
        }
        guard !entry.isConverted else {
            throw .violated(
                "LED-07.notConvertedStatus",
                "'\(status)' is a converted status; convert the lead (LED-09) instead of qualifying it",
                ["status": status]
            )
        }
        d.emit(LeadQualified(status: status), to: stream)
    }
}

/// LED-08: disqualify an open lead with a reason.
public struct DisqualifyLead: Command {
    public let leadId: ID
    public let reason: String

    public init(leadId: ID, reason: String) {
        self.leadId = leadId
        self.reason = reason
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        guard let lead = d.load(Lead.self, leadId), lead.exists else {
            throw .notFound("LED-08.leadExists", "lead", id: leadId)
        }
        let stream = StreamRef.of(Lead.self, leadId)
        try d.authorize(.edit, on: .lead, owner: lead.ownerId, record: stream, rule: "LED-08.perm")
        guard lead.status == .open else {
            throw .invalidState(
                "LED-08.open",
                "lead \(leadId) is \(lead.status.rawValue), not open; only open leads are disqualified",
                ["status": lead.status.rawValue]
            )
        }
        try Rejection.require(reason, "LED-08.reason", field: "reason")
        d.emit(LeadDisqualified(reason: reason), to: stream)
    }
}

// MARK: - Helpers

/// Text normalisation of lead fields.
enum LeadText {
    /// Trimmed text, `nil` when blank.
    static func clean(_ s: String?) -> String? {
        guard let t = s?.trimmingWhitespace(), !t.isEmpty else { return nil }
        return t
    }

    /// An e-mail address needs one `@` with text on both sides.
    static func checkEmail(_ email: String?, rule: String) throws(Rejection) {
        guard let e = clean(email) else { return }
        let parts = e.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains(".") else {
            throw .invalidInput(rule, field: "email", "'\(e)' is not an e-mail address")
        }
    }
}

/// Duplicate detection over the dedupe index: live leads sharing a key, and live customers whose name is a
/// company key.
public enum LeadDuplicates {
    /// The live leads (other than `excluding`) and live customers matching `key`, as streams, sorted.
    public static func matches(_ key: LeadDedupeKey, excluding: ID, in d: inout Decision) -> [StreamRef] {
        var found: [StreamRef] = []
        for stream in d.children(of: LeadIndex.dedupe(key), category: Lead.category) where stream.id != excluding {
            if let l = d.load(Lead.self, stream: stream), l.isLive, l.dedupeKeys.contains(key) { found.append(stream) }
        }
        if key.kind == .company, let owner = d.lookup(CustomerIndex.nameKey(key.value)),
            owner.category == Customer.category, let c = d.load(Customer.self, stream: owner), c.isLive
        {
            found.append(owner)
        }
        return found.sorted()
    }

    static func ensureNone(_ keys: [LeadDedupeKey], excluding: ID, rule: String, in d: inout Decision) throws(Rejection)
    {
        for key in keys {
            let hits = matches(key, excluding: excluding, in: &d)
            guard let first = hits.first else { continue }
            throw Rejection(
                kind: .alreadyExists,
                rule: rule,
                message: "\(key.kind.rawValue) '\(key.value)' matches live \(first.category) \(first.key)"
                    + (hits.count > 1 ? " and \(hits.count - 1) more" : "")
                    + "; update that record, or capture with the flag policy to record a suspected duplicate",
                values: ["key": "\(key.kind.rawValue):\(key.value)", "match": first.name]
            )
        }
    }
}

/// Lead pools: a pool of `entityType` lead that exists and is active.
enum LeadPools {
    static func load(_ poolId: ID, rule: String, in d: inout Decision) throws(Rejection) -> Pool {
        guard let pool = d.load(Pool.self, poolId), pool.exists, pool.entityType == .lead else {
            throw Rejection(
                kind: .notFound,
                rule: rule + "Exists",
                message: "lead pool \(poolId) does not exist (or holds customers); choose a lead pool",
                values: ["poolId": poolId.description]
            )
        }
        guard pool.active else {
            throw .invalidState(
                rule + "Active",
                "pool '\(pool.name)' (\(poolId)) is deactivated; activate it or choose another pool",
                ["poolId": poolId.description]
            )
        }
        return pool
    }
}

/// Evaluation of assignment filters (POL-07 `filter`) against a lead.
public enum LeadCriteria {
    /// The lead value a criterion may test: the editable fields plus `channel`, `grade`, `status`, `ownerId`,
    /// `campaignId`.
    public static func value(of field: String, _ lead: Lead) -> String? {
        switch field {
        case "channel": lead.channel?.rawValue
        case "grade": lead.grade
        case "status": lead.status.rawValue
        case "ownerId": lead.ownerId?.description
        case "campaignId": lead.campaignId?.description
        default: lead.value(of: field)
        }
    }

    /// `equals`/`notEquals` compare exactly, `contains` case-insensitively, `greaterThan`/`lessThan` numerically
    /// when both sides are integers, else as text. A missing value matches only `notEquals`.
    public static func matches(_ c: FieldCriterion, _ lead: Lead) -> Bool {
        guard let v = value(of: c.field, lead) else { return c.op == .notEquals }
        switch c.op {
        case .equals: return v == c.value
        case .notEquals: return v != c.value
        case .contains: return v.lowercased().contains(c.value.lowercased())
        case .greaterThan, .lessThan:
            let ordered: Bool
            if let a = Int64(v), let b = Int64(c.value) {
                ordered = c.op == .greaterThan ? a > b : a < b
            } else {
                ordered = c.op == .greaterThan ? v > c.value : v < c.value
            }
            return ordered
        }
    }
}
