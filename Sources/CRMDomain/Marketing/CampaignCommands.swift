// Commands of catalogue §2.8, campaigns (MKT-01..MKT-04).

/// The cost-overrun policy of MKT-04 (proposal): the cumulative cost of a campaign may exceed its budget by at most
/// ``toleranceBasisPoints`` (10 % = 1 000); beyond that a cost needs the override flag, which needs the
/// `approve` permission on campaigns.
public enum CampaignCostPolicy {
    public static let toleranceBasisPoints: Int64 = 1_000

    /// The largest cumulative cost (minor units) allowed without override: `budget × (1 + tolerance)`, floored.
    public static func ceilingMinor(budgetMinor: Int64) -> Int64 {
        let wide = Int128(budgetMinor) * Int128(10_000 + toleranceBasisPoints) / 10_000
        return Int64(clamping: wide)
    }
}

extension Campaign {
    /// Loads a live campaign or throws `notFound` with `rule`.
    static func load(_ id: ID, _ d: inout Decision, rule: String) throws(Rejection) -> Campaign {
        guard let c = d.load(Campaign.self, id), c.exists else { throw .notFound(rule, "campaign", id: id) }
        return c
    }

    /// True when making `parent` the parent of `child` would close a cycle (the parent chain reaches `child`).
    static func wouldCycle(child: ID, parent: ID, _ d: inout Decision) -> Bool {
        var current: ID? = parent
        var seen = Set<ID>()
        while let c = current, seen.insert(c).inserted {
            if c == child { return true }
            current = d.load(Campaign.self, c)?.parentCampaignId
        }
        return false
    }
}

/// Keywords are non-empty, unique (case-folded) and never contain `|` (their text form's separator).
private func validateKeywords(_ keywords: [String], rule: String) throws(Rejection) {
    var seen = Set<String>()
    for k in keywords {
        let t = k.trimmingWhitespace()
        guard !t.isEmpty, !t.contains("|") else {
            throw .invalidInput(rule, field: "keywords", "'\(k)' is empty or contains '|'")
        }
        guard seen.insert(t.lowercased()).inserted else {
            throw .invalidInput(rule, field: "keywords", "'\(k)' is listed twice")
        }
    }
}

private func validateExpected(_ m: Money?, field: String, currency: String, rule: String) throws(Rejection) {
    guard let m else { return }
    guard m.currency == currency else {
        throw .invalidInput(rule, field: field, "currency \(m.currency) differs from the budget's \(currency)")
    }
    guard m.amountMinor >= 0 else { throw .invalidInput(rule, field: field, "\(m) is negative") }
}

/// MKT-01: create a campaign (status `planning`).
public struct CreateCampaign: Command {
    public let campaignId: ID
    public let name: String
    public let channelType: CampaignChannel
    public let parentCampaignId: ID?
    public let budget: Money
    public let expectedRevenue: Money?
    public let expectedCost: Money?
    public let startDate: LocalDate
    public let endDate: LocalDate
    public let ownerId: ID
    public let keywords: [String]?

    public init(
        campaignId: ID,
        name: String,
        channelType: CampaignChannel,
        parentCampaignId: ID? = nil,
        budget: Money,
        expectedRevenue: Money? = nil,
        expectedCost: Money? = nil,
        startDate: LocalDate,
        endDate: LocalDate,
        ownerId: ID,
        keywords: [String]? = nil
    ) {
        self.campaignId = campaignId
        self.name = name
        self.channelType = channelType
        self.parentCampaignId = parentCampaignId
        self.budget = budget
        self.expectedRevenue = expectedRevenue
        self.expectedCost = expectedCost
        self.startDate = startDate
        self.endDate = endDate
        self.ownerId = ownerId
        self.keywords = keywords
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        try d.authorize(.create, on: .campaign, owner: ownerId, rule: "MKT-01.perm")
        try Rejection.require(name, "MKT-01.name", field: "name")
        try validateKeywords(keywords ?? [], rule: "MKT-01.keywords")
        try validateExpected(
            expectedRevenue,
            field: "expectedRevenue",
            currency: budget.currency,
            rule: "MKT-01.expected"
        )
        try validateExpected(expectedCost, field: "expectedCost", currency: budget.currency, rule: "MKT-01.expected")
        if let existing = d.load(Campaign.self, campaignId), existing.exists {
            throw .alreadyExists("MKT-01.campaignIdUnique", "campaign", campaignId)
        }
        guard d.organisation.isActiveUser(ownerId) else { throw .notFound("MKT-01.ownerActive", "user", id: ownerId) }
        try Rejection.ensure(
            budget.amountMinor >= 0,
            "MKT-01.budgetNonNegative",
            "budget \(budget) is negative; enter a budget of 0 or more",
            ["budget": budget.description]
        )
        try Rejection.ensure(
            endDate >= startDate,
            "MKT-01.endNotBeforeStart",
            "end date \(endDate) is before start date \(startDate); move the end date to \(startDate) or later",
            ["startDate": startDate.description, "endDate": endDate.description]
        )
        if let parent = parentCampaignId {
            try Rejection.ensure(
                parent != campaignId,
                "MKT-01.noCycle",
                "campaign \(campaignId) cannot be its own parent",
                ["campaignId": campaignId.description]
            )
            _ = try Campaign.load(parent, &d, rule: "MKT-01.parentExists")
        }
        d.emit(
            CampaignCreated(
                campaignId: campaignId,
                name: name,
                channelType: channelType,
                parentCampaignId: parentCampaignId,
                budget: budget,
                expectedRevenue: expectedRevenue,
                expectedCost: expectedCost,
                startDate: startDate,
                endDate: endDate,
                ownerId: ownerId,
                keywords: keywords
            ),
            to: StreamRef(Campaign.category, campaignId.description)
        )
    }
}

/// MKT-02: change campaign fields. Only the given (non-nil) values are applied; `clear…` flags empty an
/// optional field. A completed campaign needs the `editCompleted` permission.
public struct UpdateCampaign: Command {
    public let campaignId: ID
    public let name: String?
    public let channelType: CampaignChannel?
    public let parentCampaignId: ID?
    public let clearParent: Bool
    public let budget: Money?
    public let expectedRevenue: Money?
    public let expectedCost: Money?
    public let startDate: LocalDate?
    public let endDate: LocalDate?
    public let ownerId: ID?
    public let keywords: [String]?

    public init(
        campaignId: ID,
        name: String? = nil,
        channelType: CampaignChannel? = nil,
        parentCampaignId: ID? = nil,
        clearParent: Bool = false,
        budget: Money? = nil,
        expectedRevenue: Money? = nil,
        expectedCost: Money? = nil,
        startDate: LocalDate? = nil,
        endDate: LocalDate? = nil,
        ownerId: ID? = nil,
        keywords: [String]? = nil
    ) {
        self.campaignId = campaignId
        self.name = name
        self.channelType = channelType
        self.parentCampaignId = parentCampaignId
        self.clearParent = clearParent
        self.budget = budget
        self.expectedRevenue = expectedRevenue
        self.expectedCost = expectedCost
        self.startDate = startDate
        self.endDate = endDate
        self.ownerId = ownerId
        self.keywords = keywords
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let c = try Campaign.load(campaignId, &d, rule: "MKT-02.campaignExists")
        try d.authorize(.edit, on: .campaign, owner: c.ownerId, rule: "MKT-02.perm")
        if c.status == .completed {
            do {
                try d.authorize(.editCompleted, on: .campaign, owner: c.ownerId, rule: "MKT-02.notCompleted")
            } catch {
                throw .invalidState(
                    "MKT-02.notCompleted",
                    "campaign \(campaignId) is completed; editing it needs the editCompleted permission",
                    ["campaignId": campaignId.description, "status": c.status.rawValue]
                )
            }
        }
        if parentCampaignId != nil && clearParent {
            throw .invalidInput("MKT-02.parent", field: "parentCampaignId", "give a new parent or clear it, not both")
        }
        if let name { try Rejection.require(name, "MKT-02.name", field: "name") }
        if let keywords { try validateKeywords(keywords, rule: "MKT-02.keywords") }
        let currency = budget?.currency ?? c.budget.currency
        if let budget {
            try Rejection.ensure(
                budget.amountMinor >= 0,
                "MKT-02.budgetNonNegative",
                "budget \(budget) is negative; enter a budget of 0 or more",
                ["budget": budget.description]
            )
            guard budget.currency == c.budget.currency || c.costIds.isEmpty else {
                throw .invalidInput(
                    "MKT-02.budgetCurrency",
                    field: "budget",
                    "costs are booked in \(c.budget.currency); the budget cannot change to \(budget.currency)"
                )
            }
        }
        try validateExpected(
            expectedRevenue ?? c.expectedRevenue,
            field: "expectedRevenue",
            currency: currency,
            rule: "MKT-02.expected"
        )
        try validateExpected(
            expectedCost ?? c.expectedCost,
            field: "expectedCost",
            currency: currency,
            rule: "MKT-02.expected"
        )
        let start = startDate ?? c.startDate
        let end = endDate ?? c.endDate
        try Rejection.ensure(
            end >= start,
            "MKT-02.endNotBeforeStart",
            "end date \(end) is before start date \(start); move the end date to \(start) or later",
            ["startDate": start.description, "endDate": end.description]
        )
        if let ownerId, !d.organisation.isActiveUser(ownerId) {
            throw .notFound("MKT-02.ownerActive", "user", id: ownerId)
        }
        if let parent = parentCampaignId {
            _ = try Campaign.load(parent, &d, rule: "MKT-02.parentExists")
            try Rejection.ensure(
                !Campaign.wouldCycle(child: campaignId, parent: parent, &d),
                "MKT-02.noCycle",
                "campaign \(parent) is \(campaignId) itself or below it; choosing it as parent makes a cycle",
                ["campaignId": campaignId.description, "parentCampaignId": parent.description]
            )
        }

        var next = c
        var proposed: [(CampaignFieldChange.Field, String?)] = []
        if let name { proposed.append((.name, name)) }
        if let channelType { proposed.append((.channelType, channelType.rawValue)) }
        if let parentCampaignId { proposed.append((.parentCampaignId, parentCampaignId.description)) }
        if clearParent { proposed.append((.parentCampaignId, nil)) }
        if let budget { proposed.append((.budget, CampaignFieldValue.money(budget))) }
        if let expectedRevenue { proposed.append((.expectedRevenue, CampaignFieldValue.money(expectedRevenue))) }
        if let expectedCost { proposed.append((.expectedCost, CampaignFieldValue.money(expectedCost))) }
        if let startDate { proposed.append((.startDate, startDate.description)) }
        if let endDate { proposed.append((.endDate, endDate.description)) }
        if let ownerId { proposed.append((.ownerId, ownerId.description)) }
        if let keywords { proposed.append((.keywords, CampaignFieldValue.keywords(keywords))) }
        var changes: [CampaignFieldChange] = []
        for (field, after) in proposed where next.value(of: field) != after {
            changes.append(CampaignFieldChange(field: field, before: next.value(of: field), after: after))
            next.apply(CampaignUpdated(changes: [changes[changes.count - 1]]))
        }
        guard !changes.isEmpty else {
            throw .invalidInput("MKT-02.noChange", field: "changes", "no field of campaign \(campaignId) would change")
        }
        try d.authorizeFields(changes.map(\.field.rawValue), on: .campaign, rule: "MKT-02.fieldPerm")
        d.emit(CampaignUpdated(changes: changes), to: StreamRef(Campaign.category, campaignId.description))
    }
}

/// MKT-03: move a campaign along its lifecycle: planning → active | inactive; active ⇄ inactive;
/// active | inactive → completed. Completed is final.
public struct ChangeCampaignStatus: Command {
    public let campaignId: ID
    public let to: CampaignStatus

    public init(campaignId: ID, to: CampaignStatus) {
        self.campaignId = campaignId
        self.to = to
    }

    public static func allowed(from: CampaignStatus, to: CampaignStatus) -> Bool {
        switch (from, to) {
        case (.planning, .active), (.planning, .inactive), (.active, .inactive), (.inactive, .active),
            (.active, .completed), (.inactive, .completed):
            return true
        default:
            return false
        }
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let c = try Campaign.load(campaignId, &d, rule: "MKT-03.campaignExists")
        try d.authorize(.edit, on: .campaign, owner: c.ownerId, rule: "MKT-03.perm")
        guard Self.allowed(from: c.status, to: to) else {
            throw .invalidState(
                "MKT-03.allowedTransition",
                "campaign \(campaignId) cannot go from \(c.status.rawValue) to \(to.rawValue)",
                ["from": c.status.rawValue, "to": to.rawValue]
            )
        }
        d.emit(CampaignStatusChanged(from: c.status, to: to), to: StreamRef(Campaign.category, campaignId.description))
    }
}

/// MKT-04: book a cost (or, negative, a correction) on a campaign, optionally per keyword and channel.
/// `overBudgetOverride` lets the cumulative cost pass `budget × (1 + tolerance)` (``CampaignCostPolicy``); it
/// needs the `approve` permission on campaigns.
public struct RecordCampaignCost: Command {
    public let campaignId: ID
    public let costId: ID
    public let amount: Money
    public let incurredOn: LocalDate
    public let keyword: String?
    public let channel: CampaignChannel?
    public let vendorRef: String?
    public let overBudgetOverride: Bool

    public init(
        campaignId: ID,
        costId: ID,
        amount: Money,
        incurredOn: LocalDate,
        keyword: String? = nil,
        channel: CampaignChannel? = nil,
        vendorRef: String? = nil,
        overBudgetOverride: Bool = false
    ) {
        self.campaignId = campaignId
        self.costId = costId
        self.amount = amount
        self.incurredOn = incurredOn
        self.keyword = keyword
        self.channel = channel
        self.vendorRef = vendorRef
        self.overBudgetOverride = overBudgetOverride
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let c = try Campaign.load(campaignId, &d, rule: "MKT-04.campaignExists")
        try d.authorize(.edit, on: .campaign, owner: c.ownerId, rule: "MKT-04.perm")
        try Rejection.ensure(
            amount.amountMinor != 0,
            "MKT-04.amountNonZero",
            "a cost of 0 books nothing; enter the cost, or a negative amount to correct an earlier one",
            ["amount": amount.description]
        )
        guard amount.currency == c.budget.currency else {
            throw .invalidInput(
                "MKT-04.currency",
                field: "amount",
                "currency \(amount.currency) differs from the campaign budget's \(c.budget.currency)"
            )
        }
        guard !c.costIds.contains(costId) else { throw .alreadyExists("MKT-04.costIdUnique", "cost", costId) }
        if let keyword {
            guard c.keywords.contains(keyword) else {
                throw .invalidInput(
                    "MKT-04.keywordKnown",
                    field: "keyword",
                    "'\(keyword)' is not a keyword of campaign \(campaignId) (\(c.keywords.joined(separator: ", "))); "
                        + "add it first"
                )
            }
        }
        let total = c.actualCostMinor + amount.amountMinor
        if amount.amountMinor < 0 {
            let keywordTotal = keyword.map { (c.costByKeyword[$0] ?? 0) + amount.amountMinor } ?? 0
            let channelTotal = channel.map { (c.costByChannel[$0] ?? 0) + amount.amountMinor } ?? 0
            try Rejection.ensure(
                total >= 0 && keywordTotal >= 0 && channelTotal >= 0,
                "MKT-04.correctionWithinRecorded",
                "the correction \(amount) is larger than the cost booked so far (\(c.actualCost)"
                    + (keyword.map { " / keyword '\($0)': \(c.costByKeyword[$0] ?? 0)" } ?? "") + ")",
                ["amount": amount.description, "actualCost": c.actualCost.description]
            )
        } else {
            let ceiling = CampaignCostPolicy.ceilingMinor(budgetMinor: c.budget.amountMinor)
            if total > ceiling {
                guard overBudgetOverride else {
                    throw .violated(
                        "MKT-04.withinBudget",
                        "cumulative cost would be \(total) \(c.budget.currency), above budget \(c.budget.amountMinor) "
                            + "+ \(CampaignCostPolicy.toleranceBasisPoints / 100) % = \(ceiling); raise the budget or "
                            + "record the cost with the over-budget override",
                        ["cumulativeCost": "\(total)", "ceiling": "\(ceiling)", "budget": c.budget.description]
                    )
                }
                try d.authorize(.approve, on: .campaign, owner: c.ownerId, rule: "MKT-04.overridePerm")
            }
        }
        d.emit(
            CampaignCostRecorded(
                costId: costId,
                amount: amount,
                incurredOn: incurredOn,
                keyword: keyword,
                channel: channel,
                vendorRef: vendorRef
            ),
            to: StreamRef(Campaign.category, campaignId.description)
        )
    }
}
