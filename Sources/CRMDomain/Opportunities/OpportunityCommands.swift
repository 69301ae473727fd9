// Commands of catalogue §2.4 (opportunity lifecycle, OPP-04..OPP-18).
//
// Stage moves (OPP-09/10/12/13/15) are validated against the latest pipeline version and record it: an
// opportunity keeps its recorded version until it moves (§0.3, OPP-02). Its current stage is placed in the latest
// version through the stage mappings of the revisions in between.

// MARK: - Shared checks

extension Decision {
    /// The opportunity `oppId`, or a `notFound` rejection under `row`.
    mutating func existingOpportunity(_ oppId: ID, row: String) throws(Rejection) -> Opportunity {
        guard let opp = load(Opportunity.self, oppId), opp.exists else {
            throw .notFound("\(row).exists", "opportunity", id: oppId)
        }
        return opp
    }

    /// The opportunity `oppId` (`<row>.exists`) with its stream, after checking perm(`action`) on it
    /// (`<row>.perm`, data scope of the owner).
    mutating func authorizedOpportunity(
        _ oppId: ID,
        _ action: Action,
        row: String
    ) throws(Rejection) -> (Opportunity, StreamRef) {
        let opp = try existingOpportunity(oppId, row: row)
        let stream = StreamRef.of(Opportunity.self, oppId)
        try authorize(action, on: .opportunity, owner: opp.ownerId, record: stream, rule: "\(row).perm")
        return (opp, stream)
    }

    /// The opportunity `oppId` if it is open, else a rejection under `row`.
    mutating func openOpportunity(_ oppId: ID, row: String) throws(Rejection) -> Opportunity {
        let opp = try existingOpportunity(oppId, row: row)
        guard opp.status == .open else {
            throw .invalidState(
                "\(row).open",
                "opportunity \(oppId) is \(opp.status.rawValue); only open opportunities allow this (reopen it first)",
                ["oppId": oppId.description, "status": opp.status.rawValue]
            )
        }
        return opp
    }

    /// The customer `customerId`, or the survivor it was merged into (a merge re-parents opportunities).
    mutating func currentCustomer(_ customerId: ID) -> (id: ID, customer: Customer?) {
        guard let resolved = CustomerLookup.resolve(customerId, in: &self) else { return (customerId, nil) }
        return (resolved.id, resolved.customer)
    }

    /// The opportunity's pipeline, or a `notFound` rejection under `row`.
    mutating func pipeline(of opp: Opportunity, row: String) throws(Rejection) -> Pipeline {
        guard let pid = opp.pipelineId, let p = load(Pipeline.self, pid), p.exists else {
            throw .notFound("\(row).pipelineExists", "pipeline", id: opp.pipelineId?.description ?? "?")
        }
        return p
    }

    /// Contracts (helper "contracts") that reference the opportunity.
    mutating func contracts(of oppId: ID) -> [Contract] {
        children(of: .of(Opportunity.self, oppId), category: Contract.category).compactMap {
            load(Contract.self, stream: $0)
        }
    }
}

extension Pipeline {
    /// Where `opp`'s current stage sits in the latest version, or an `invalidState` rejection under `row`.
    func currentStage(of opp: Opportunity, row: String) throws(Rejection) -> PipelineStage {
        guard let stageId = opp.stageId, let version = opp.pipelineVersion,
            let stage = currentStage(for: stageId, recordedIn: version)
        else {
            throw .invalidState(
                "\(row).currentStageMapped",
                "stage '\(opp.stageId ?? "?")' of pipeline version \(opp.pipelineVersion ?? 0) has no counterpart in "
                    + "the latest version \(latestVersion); revise the pipeline with a stage mapping",
                ["stageId": opp.stageId ?? "?"]
            )
        }
        return stage
    }

    /// The open stage `stageId` of the latest version, or a rejection `<row>.openStage`.
    func openStage(_ stageId: String, row: String) throws(Rejection) -> PipelineStage {
        guard let stage = stage(stageId), stage.isOpen else {
            throw .violated(
                "\(row).openStage",
                "'\(stageId)' is not an open stage of pipeline \(pipelineId?.description ?? "?") version "
                    + "\(latestVersion); open stages: \(latestStages.filter(\.isOpen).map(\.stageId))",
                ["stageId": stageId, "pipelineVersion": "\(latestVersion)"]
            )
        }
        return stage
    }
}

enum OpportunityInput {
    /// An explicit probability override for an open stage: 0 ≤ p < 100.
    static func openProbability(_ p: Int64?, row: String) throws(Rejection) {
        if let p, !(0..<100).contains(p) {
            throw .invalidInput("\(row).probability", field: "probability", "must be 0...99 for an open deal, got \(p)")
        }
    }

    /// An explicit category override for an open deal: anything but closed (only won deals are closed).
    static func openCategory(_ c: ForecastCategory?, row: String) throws(Rejection) {
        if c == .closed {
            throw .violated(
                "\(row).forecastCategory",
                "only won opportunities are in category closed; choose pipeline, bestCase, commit or omitted",
                ["forecastCategory": "closed"]
            )
        }
    }

    static func currency(_ money: Money, row: String, field: String) throws(Rejection) {
        let c = money.currency
        guard c.count == 3, c.allSatisfy({ $0.isASCII && $0.isUppercase }) else {
            throw .invalidInput("\(row).currency", field: field, "'\(c)' is not an ISO 4217 currency code")
        }
    }

    static func sameCurrency(_ money: Money, as current: Money?, row: String, field: String) throws(Rejection) {
        if let current, current.currency != money.currency {
            throw .violated(
                "\(row).currency",
                "\(field) is in \(money.currency) but the opportunity is in \(current.currency); "
                    + "use \(current.currency)",
                ["currency": money.currency, "opportunityCurrency": current.currency]
            )
        }
    }

    static func notInFuture(_ t: Timestamp, now: Timestamp, row: String) throws(Rejection) {
        try Rejection.notInFuture(t, now: now, "\(row).closedAt", field: "closedAt")
    }

    /// The probability and forecast category of an open stage, when given.
    static func openForecast(_ probability: Int64?, _ category: ForecastCategory?, row: String) throws(Rejection) {
        try openProbability(probability, row: row)
        try openCategory(category, row: row)
    }
}

// MARK: - OPP-04

/// OPP-04: create an opportunity for a live customer at an open stage of the pipeline's latest version.
/// `stageId` defaults to the first open stage; probability and forecast category default from the stage.
public struct CreateOpportunity: Command {
    public let oppId: ID
    public let customerId: ID
    public let primaryContactId: ID?
    public let pipelineId: ID
    public let stageId: String?
    public let probability: Int64?
    public let forecastCategory: ForecastCategory?
    public let amount: Money
    public let expectedCloseDate: LocalDate
    public let ownerId: ID
    public let source: String
    public let campaignId: ID?
    public let fromLeadId: ID?

    public init(
        oppId: ID,
        customerId: ID,
        primaryContactId: ID? = nil,
        pipelineId: ID,
        stageId: String? = nil,
        probability: Int64? = nil,
        forecastCategory: ForecastCategory? = nil,
        amount: Money,
        expectedCloseDate: LocalDate,
        ownerId: ID,
        source: String,
        campaignId: ID? = nil,
        fromLeadId: ID? = nil
    ) {
        self.oppId = oppId
        self.customerId = customerId
        self.primaryContactId = primaryContactId
        self.pipelineId = pipelineId
        self.stageId = stageId
        self.probability = probability
        self.forecastCategory = forecastCategory
        self.amount = amount
        self.expectedCloseDate = expectedCloseDate
        self.ownerId = ownerId
        self.source = source
        self.campaignId = campaignId
        self.fromLeadId = fromLeadId
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let row = "OPP-04"
        try d.authorize(.create, on: .opportunity, owner: ownerId, rule: "\(row).perm")
        try OpportunityInput.currency(amount, row: row, field: "amount")
        guard !amount.isNegative else {
            throw .violated(
                "\(row).amountNonNegative",
                "amount must be ≥ 0, got \(amount)",
                ["amount": "\(amount.amountMinor)"]
            )
        }
        try OpportunityInput.openForecast(probability, forecastCategory, row: row)
        guard d.load(Opportunity.self, oppId) == nil else {
            throw .alreadyExists("\(row).oppIdUnique", "opportunity", oppId)
        }
        guard d.organisation.isActiveUser(ownerId) else { throw .notFound("\(row).ownerActive", "user", id: ownerId) }
        guard let customer = d.load(Customer.self, customerId), customer.isLive else {
            throw .notFound("\(row).customerLive", "customer", id: customerId)
        }
        guard customer.effectiveList(on: d.now.date) != .black else {
            throw .violated(
                "\(row).customerNotBlacklisted",
                "customer \(customerId) is blacklisted; remove it from the blacklist before creating opportunities",
                ["customerId": customerId.description]
            )
        }
        guard let pipeline = d.load(Pipeline.self, pipelineId), pipeline.exists else {
            throw .notFound("\(row).pipelineExists", "pipeline", id: pipelineId)
        }
        guard let stage = stageId.map({ pipeline.stage($0) }) ?? pipeline.firstOpenStage, stage.isOpen else {
            throw .violated(
                "\(row).openStage",
                "'\(stageId ?? "")' is not an open stage of pipeline \(pipelineId) version \(pipeline.latestVersion); "
                    + "open stages: \(pipeline.latestStages.filter(\.isOpen).map(\.stageId))",
                ["stageId": stageId ?? "", "pipelineVersion": "\(pipeline.latestVersion)"]
            )
        }
        if let contactId = primaryContactId {
            guard let contact = d.load(Contact.self, contactId), contact.isLive, contact.customerId == customerId else {
                throw .violated(
                    "\(row).contactOfCustomer",
                    "contact \(contactId) is not a live contact of customer \(customerId); pick one of its contacts",
                    ["contactId": contactId.description, "customerId": customerId.description]
                )
            }
        }
        d.emit(
            OpportunityCreated(
                oppId: oppId,
                customerId: customerId,
                primaryContactId: primaryContactId,
                pipelineId: pipelineId,
                pipelineVersion: pipeline.latestVersion,
                stageId: stage.stageId,
                probability: probability ?? stage.defaultProbability,
                forecastCategory: forecastCategory ?? stage.forecastCategory,
                amount: amount,
                expectedCloseDate: expectedCloseDate,
                ownerId: ownerId,
                source: source,
                campaignId: campaignId,
                fromLeadId: fromLeadId
            ),
            to: .of(Opportunity.self, oppId)
        )
    }
}

// MARK: - OPP-05

/// A new value for a descriptive field (OPP-05); `nil` clears it.
public struct OpportunityFieldValue: Hashable, Sendable {
    public let field: OpportunityField
    public let value: String?

    public init(field: OpportunityField, value: String?) {
        self.field = field
        self.value = value
    }
}

/// OPP-05: change descriptive fields of an open opportunity (name, description, next step, source, campaign,
/// primary contact). Only fields whose value changes are recorded.
public struct UpdateOpportunity: Command {
    public let oppId: ID
    public let values: [OpportunityFieldValue]

    public init(oppId: ID, values: [OpportunityFieldValue]) {
        self.oppId = oppId
        self.values = values
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let row = "OPP-05"
        let (opp, stream) = try d.authorizedOpportunity(oppId, .edit, row: row)
        guard !values.isEmpty else { throw .missing("\(row).values", field: "values") }
        guard opp.status == .open else {
            throw .invalidState(
                "\(row).open",
                "opportunity \(oppId) is \(opp.status.rawValue); only open opportunities can be edited",
                ["oppId": oppId.description, "status": opp.status.rawValue]
            )
        }
        try d.authorizeFields(values.map(\.field.rawValue), on: .opportunity, rule: "\(row).fieldPerm")
        var changes: [OpportunityFieldChange] = []
        for v in values {
            let after = v.value.map { $0.trimmingWhitespace() }.flatMap { $0.isEmpty ? nil : $0 }
            let before: String?
            switch v.field {
            case .name:
                before = opp.fields[v.field.rawValue]
                if after == nil { throw .missing("\(row).name", field: "name") }
            case .description, .nextStep: before = opp.fields[v.field.rawValue]
            case .source: before = opp.source.isEmpty ? nil : opp.source
            case .campaignId:
                before = opp.campaignId?.description
                if let a = after, ID(a) == nil {
                    throw .invalidInput("\(row).campaignId", field: "campaignId", "'\(a)' is not an id")
                }
            case .primaryContactId:
                before = opp.primaryContactId?.description
                if let a = after {
                    guard let contactId = ID(a) else {
                        throw .invalidInput("\(row).primaryContactId", field: "primaryContactId", "'\(a)' is not an id")
                    }
                    let customerId = opp.customerId.map { d.currentCustomer($0).id }
                    guard let c = d.load(Contact.self, contactId), c.isLive, c.customerId != nil,
                        c.customerId == customerId || c.customerId == opp.customerId
                    else {
                        throw .violated(
                            "\(row).contactOfCustomer",
                            "contact \(contactId) is not a live contact of the opportunity's customer "
                                + "\(customerId?.description ?? "?")",
                            ["contactId": contactId.description]
                        )
                    }
                }
            }
            let normalisedAfter =
                v.field == .campaignId || v.field == .primaryContactId
                ? after.flatMap(ID.init)?.description : after
            if normalisedAfter != before, !changes.contains(where: { $0.field == v.field.rawValue }) {
                changes.append(OpportunityFieldChange(field: v.field.rawValue, before: before, after: normalisedAfter))
            }
        }
        guard !changes.isEmpty else {
            throw .invalidInput(
                "\(row).noChange",
                field: "values",
                "no field of opportunity \(oppId) changes its value"
            )
        }
        d.emit(OpportunityUpdated(changes: changes), to: stream)
    }
}

// MARK: - OPP-06

/// OPP-06: change the amount of an open opportunity (same currency, ≥ 0).
public struct ChangeOpportunityAmount: Command {
    public let oppId: ID
    public let amount: Money

    public init(oppId: ID, amount: Money) {
        self.oppId = oppId
        self.amount = amount
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let row = "OPP-06"
        let (opp, stream) = try d.authorizedOpportunity(oppId, .edit, row: row)
        try d.authorizeFields(["amount"], on: .opportunity, rule: "\(row).fieldPerm")
        _ = try d.openOpportunity(oppId, row: row)
        guard !amount.isNegative else {
            throw .violated(
                "\(row).amountNonNegative",
                "amount must be ≥ 0, got \(amount)",
                ["amount": "\(amount.amountMinor)"]
            )
        }
        try OpportunityInput.sameCurrency(amount, as: opp.amount, row: row, field: "amount")
        guard let from = opp.amount, from != amount else {
            throw .invalidInput("\(row).noChange", field: "amount", "opportunity \(oppId) already has amount \(amount)")
        }
        d.emit(OpportunityAmountChanged(from: from, to: amount), to: stream)
    }
}

// MARK: - OPP-07

/// OPP-07: move the expected close date of an open opportunity.
public struct ChangeOpportunityCloseDate: Command {
    public let oppId: ID
    public let expectedCloseDate: LocalDate

    public init(oppId: ID, expectedCloseDate: LocalDate) {
        self.oppId = oppId
        self.expectedCloseDate = expectedCloseDate
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let row = "OPP-07"
        let (opp, stream) = try d.authorizedOpportunity(oppId, .edit, row: row)
        try d.authorizeFields(["expectedCloseDate"], on: .opportunity, rule: "\(row).fieldPerm")
        _ = try d.openOpportunity(oppId, row: row)
        guard let from = opp.expectedCloseDate, from != expectedCloseDate else {
            throw .invalidInput(
                "\(row).noChange",
                field: "expectedCloseDate",
                "opportunity \(oppId) already closes on \(expectedCloseDate)"
            )
        }
        d.emit(OpportunityCloseDateChanged(from: from, to: expectedCloseDate), to: stream)
    }
}

// MARK: - OPP-08

/// OPP-08: replace the product lines of an open opportunity. With lines, the amount becomes the total in the same
/// command (OPP-06 emitted too when it changes). Discounts are basis points (0...10_000).
public struct ChangeOpportunityLineItems: Command {
    public let oppId: ID
    public let lines: [OpportunityLineItem]
    public let orderDiscountBasisPoints: Int64

    public init(oppId: ID, lines: [OpportunityLineItem], orderDiscountBasisPoints: Int64 = 0) {
        self.oppId = oppId
        self.lines = lines
        self.orderDiscountBasisPoints = orderDiscountBasisPoints
    }

    /// Σ line totals less the order discount, in `currency`.
    public static func total(_ lines: [OpportunityLineItem], orderDiscountBasisPoints: Int64, currency: String) -> Money
    {
        let gross = lines.reduce(Int64(0)) { $0 + $1.total.amountMinor }
        return Money(amountMinor: BasisPoints.applyDiscount(gross, orderDiscountBasisPoints), currency: currency)
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let row = "OPP-08"
        let (opp, stream) = try d.authorizedOpportunity(oppId, .edit, row: row)
        try d.authorizeFields(["lines", "amount"], on: .opportunity, rule: "\(row).fieldPerm")
        _ = try d.openOpportunity(oppId, row: row)
        for (i, line) in lines.enumerated() {
            guard line.qty > 0 else {
                throw .violated(
                    "\(row).qtyPositive",
                    "line \(i + 1) (product \(line.productId)) has quantity \(line.qty); quantities must be > 0",
                    ["line": "\(i + 1)", "qty": "\(line.qty)"]
                )
            }
            guard (0...BasisPoints.whole).contains(line.discountBasisPoints) else {
                throw .violated(
                    "\(row).discountRange",
                    "line \(i + 1) discount is \(line.discountBasisPoints) bp; it must be 0...10000 (0 %...100 %)",
                    ["line": "\(i + 1)", "discountBasisPoints": "\(line.discountBasisPoints)"]
                )
            }
            guard !line.unitPrice.isNegative else {
                throw .invalidInput("\(row).unitPrice", field: "lines[\(i + 1)].unitPrice", "must be ≥ 0")
            }
            try OpportunityInput.sameCurrency(
                line.unitPrice,
                as: opp.amount,
                row: row,
                field: "lines[\(i + 1)].unitPrice"
            )
        }
        guard (0...BasisPoints.whole).contains(orderDiscountBasisPoints) else {
            throw .violated(
                "\(row).discountRange",
                "order discount is \(orderDiscountBasisPoints) bp; it must be 0...10000 (0 %...100 %)",
                ["orderDiscountBasisPoints": "\(orderDiscountBasisPoints)"]
            )
        }
        let currency = opp.amount?.currency ?? lines.first?.unitPrice.currency ?? "CNY"
        let total = Self.total(lines, orderDiscountBasisPoints: orderDiscountBasisPoints, currency: currency)
        d.emit(
            OpportunityLineItemsChanged(lines: lines, total: total, orderDiscountBasisPoints: orderDiscountBasisPoints),
            to: stream
        )
        if !lines.isEmpty, let from = opp.amount, from != total {
            d.emit(OpportunityAmountChanged(from: from, to: total), to: stream)
        }
    }
}

// MARK: - OPP-09

/// OPP-09: move an open opportunity forward to a later open stage. Probability and forecast category default
/// from the stage. A stage with requirements (a checklist) needs `requirementsConfirmed`.
public struct AdvanceOpportunityStage: Command {
    public let oppId: ID
    public let toStageId: String
    public let probability: Int64?
    public let forecastCategory: ForecastCategory?
    public let requirementsConfirmed: Bool

    public init(
        oppId: ID,
        toStageId: String,
        probability: Int64? = nil,
        forecastCategory: ForecastCategory? = nil,
        requirementsConfirmed: Bool = false
    ) {
        self.oppId = oppId
        self.toStageId = toStageId
        self.probability = probability
        self.forecastCategory = forecastCategory
        self.requirementsConfirmed = requirementsConfirmed
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let row = "OPP-09"
        let (opp, stream) = try d.authorizedOpportunity(oppId, .edit, row: row)
        try OpportunityInput.openForecast(probability, forecastCategory, row: row)
        _ = try d.openOpportunity(oppId, row: row)
        let pipeline = try d.pipeline(of: opp, row: row)
        let from = try pipeline.currentStage(of: opp, row: row)
        let to = try pipeline.openStage(toStageId, row: row)
        guard to.order > from.order else {
            throw .violated(
                "\(row).forwardOnly",
                "stage '\(to.stageId)' (order \(to.order)) is not after the current stage '\(from.stageId)' "
                    + "(order \(from.order)); use OPP-10 to move back",
                ["fromStageId": from.stageId, "toStageId": to.stageId]
            )
        }
        guard !to.hasRequirements || requirementsConfirmed else {
            throw .violated(
                "\(row).stageChecklist",
                "stage '\(to.stageId)' requires: \(to.requirements ?? ""); confirm them to advance",
                ["toStageId": to.stageId]
            )
        }
        d.emit(
            OpportunityStageAdvanced(
                fromStageId: opp.stageId ?? from.stageId,
                toStageId: to.stageId,
                probability: probability ?? to.defaultProbability,
                forecastCategory: forecastCategory ?? to.forecastCategory,
                pipelineVersion: pipeline.latestVersion
            ),
            to: stream
        )
    }
}

// MARK: - OPP-10

/// OPP-10: move an open opportunity back to an earlier open stage (needs a reason and perm(moveBack)).
public struct MoveOpportunityStageBack: Command {
    public let oppId: ID
    public let toStageId: String
    public let reason: String
    public let probability: Int64?
    public let forecastCategory: ForecastCategory?

    public init(
        oppId: ID,
        toStageId: String,
        reason: String,
        probability: Int64? = nil,
        forecastCategory: ForecastCategory? = nil
    ) {
        self.oppId = oppId
        self.toStageId = toStageId
        self.reason = reason
        self.probability = probability
        self.forecastCategory = forecastCategory
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let row = "OPP-10"
        let (opp, stream) = try d.authorizedOpportunity(oppId, .moveBack, row: row)
        try Rejection.require(reason, "\(row).reason", field: "reason")
        try OpportunityInput.openForecast(probability, forecastCategory, row: row)
        _ = try d.openOpportunity(oppId, row: row)
        let pipeline = try d.pipeline(of: opp, row: row)
        let from = try pipeline.currentStage(of: opp, row: row)
        let to = try pipeline.openStage(toStageId, row: row)
        guard to.order < from.order else {
            throw .violated(
                "\(row).backwardOnly",
                "stage '\(to.stageId)' (order \(to.order)) is not before the current stage '\(from.stageId)' "
                    + "(order \(from.order)); use OPP-09 to advance",
                ["fromStageId": from.stageId, "toStageId": to.stageId]
            )
        }
        d.emit(
            OpportunityStageMovedBack(
                fromStageId: opp.stageId ?? from.stageId,
                toStageId: to.stageId,
                probability: probability ?? to.defaultProbability,
                forecastCategory: forecastCategory ?? to.forecastCategory,
                reason: reason,
                pipelineVersion: pipeline.latestVersion
            ),
            to: stream
        )
    }
}

// MARK: - OPP-11

/// OPP-11: override the probability and/or forecast category of an open opportunity.
public struct AdjustOpportunityForecast: Command {
    public let oppId: ID
    public let probability: Int64?
    public let forecastCategory: ForecastCategory?

    public init(oppId: ID, probability: Int64? = nil, forecastCategory: ForecastCategory? = nil) {
        self.oppId = oppId
        self.probability = probability
        self.forecastCategory = forecastCategory
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let row = "OPP-11"
        let (opp, stream) = try d.authorizedOpportunity(oppId, .edit, row: row)
        var fields: [String] = []
        if probability != nil { fields.append("probability") }
        if forecastCategory != nil { fields.append("forecastCategory") }
        guard !fields.isEmpty else {
            throw .missing("\(row).probabilityOrCategory", field: "probability/forecastCategory")
        }
        try d.authorizeFields(fields, on: .opportunity, rule: "\(row).fieldPerm")
        _ = try d.openOpportunity(oppId, row: row)
        try OpportunityInput.openForecast(probability, forecastCategory, row: row)
        let p = probability == opp.probability ? nil : probability
        let c = forecastCategory == opp.forecastCategory ? nil : forecastCategory
        guard p != nil || c != nil else {
            throw .invalidInput(
                "\(row).noChange",
                field: "probability/forecastCategory",
                "opportunity \(oppId) already has probability \(opp.probability) and category "
                    + opp.forecastCategory.rawValue
            )
        }
        d.emit(OpportunityForecastAdjusted(probability: p, forecastCategory: c), to: stream)
    }
}

// MARK: - OPP-12

/// OPP-12: win an open opportunity at a won stage (default: the nearest won stage after the current one, else the
/// last won stage before it, as Odoo's `action_set_won`). `amount` defaults to the current amount.
public struct WinOpportunity: Command {
    public let oppId: ID
    public let wonStageId: String?
    public let amount: Money?
    public let closedAt: Timestamp
    public let contractDraftRequested: Bool

    public init(
        oppId: ID,
        wonStageId: String? = nil,
        amount: Money? = nil,
        closedAt: Timestamp,
        contractDraftRequested: Bool = false
    ) {
        self.oppId = oppId
        self.wonStageId = wonStageId
        self.amount = amount
        self.closedAt = closedAt
        self.contractDraftRequested = contractDraftRequested
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let row = "OPP-12"
        let (opp, stream) = try d.authorizedOpportunity(oppId, .close, row: row)
        try OpportunityInput.notInFuture(closedAt, now: d.now, row: row)
        _ = try d.openOpportunity(oppId, row: row)
        let pipeline = try d.pipeline(of: opp, row: row)
        let stage: PipelineStage?
        if let wonStageId {
            stage = pipeline.stage(wonStageId)
        } else {
            let order = (try? pipeline.currentStage(of: opp, row: row))?.order ?? Int64.min
            let won = pipeline.latestStages.filter(\.isWon)
            stage = won.first { $0.order > order } ?? won.last
        }
        guard let won = stage, won.isWon else {
            throw .violated(
                "\(row).wonStage",
                "'\(wonStageId ?? "")' is not a won stage of pipeline version \(pipeline.latestVersion); won stages: "
                    + "\(pipeline.latestStages.filter(\.isWon).map(\.stageId))",
                ["wonStageId": wonStageId ?? ""]
            )
        }
        guard let amount = amount ?? opp.amount, amount.amountMinor > 0 else {
            throw .violated(
                "\(row).amountPositive",
                "a won opportunity needs an amount > 0, got \((amount ?? opp.amount)?.description ?? "none"); "
                    + "set the amount",
                ["amount": "\((amount ?? opp.amount)?.amountMinor ?? 0)"]
            )
        }
        try OpportunityInput.sameCurrency(amount, as: opp.amount, row: row, field: "amount")
        guard let customerId = opp.customerId, d.currentCustomer(customerId).customer?.isLive == true else {
            throw .violated(
                "\(row).customerLive",
                "the customer \(opp.customerId?.description ?? "?") of opportunity \(oppId) is no longer live; "
                    + "restore the customer before winning",
                ["customerId": opp.customerId?.description ?? "?"]
            )
        }
        d.emit(
            OpportunityWon(
                wonStageId: won.stageId,
                amount: amount,
                closedAt: closedAt,
                contractDraftRequested: contractDraftRequested,
                pipelineVersion: pipeline.latestVersion
            ),
            to: stream
        )
    }
}

// MARK: - OPP-13

/// OPP-13: lose an open opportunity with an active lost reason (stage default: the first lost stage).
public struct LoseOpportunity: Command {
    public let oppId: ID
    public let lostStageId: String?
    public let lostReasonId: ID
    public let competitor: String?
    public let note: String?
    public let closedAt: Timestamp

    public init(
        oppId: ID,
        lostStageId: String? = nil,
        lostReasonId: ID,
        competitor: String? = nil,
        note: String? = nil,
        closedAt: Timestamp
    ) {
        self.oppId = oppId
        self.lostStageId = lostStageId
        self.lostReasonId = lostReasonId
        self.competitor = competitor
        self.note = note
        self.closedAt = closedAt
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let row = "OPP-13"
        let (opp, stream) = try d.authorizedOpportunity(oppId, .close, row: row)
        try OpportunityInput.notInFuture(closedAt, now: d.now, row: row)
        _ = try d.openOpportunity(oppId, row: row)
        let pipeline = try d.pipeline(of: opp, row: row)
        guard let lost = lostStageId.map({ pipeline.stage($0) }) ?? pipeline.latestStages.first(where: \.isLost),
            lost.isLost
        else {
            throw .violated(
                "\(row).lostStage",
                "'\(lostStageId ?? "")' is not a lost stage of pipeline version \(pipeline.latestVersion); "
                    + "lost stages: "
                    + "\(pipeline.latestStages.filter(\.isLost).map(\.stageId))",
                ["lostStageId": lostStageId ?? ""]
            )
        }
        guard let reason = d.load(LostReason.self, lostReasonId), reason.exists else {
            throw .notFound("\(row).reasonExists", "lostReason", id: lostReasonId)
        }
        guard reason.active else {
            throw .violated(
                "\(row).reasonActive",
                "lost reason '\(reason.name)' (\(lostReasonId)) is inactive; choose an active reason",
                ["lostReasonId": lostReasonId.description]
            )
        }
        d.emit(
            OpportunityLost(
                lostStageId: lost.stageId,
                lostReasonId: lostReasonId,
                competitor: competitor,
                note: note,
                closedAt: closedAt,
                pipelineVersion: pipeline.latestVersion
            ),
            to: stream
        )
    }
}

// MARK: - OPP-14

/// OPP-14: void an opportunity that is not won (duplicate, invalid or test data).
public struct VoidOpportunity: Command {
    public let oppId: ID
    public let reason: OpportunityVoidReason

    public init(oppId: ID, reason: OpportunityVoidReason) {
        self.oppId = oppId
        self.reason = reason
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let row = "OPP-14"
        let (opp, stream) = try d.authorizedOpportunity(oppId, .void, row: row)
        guard opp.status != .won else {
            throw .violated(
                "\(row).notWon",
                "opportunity \(oppId) is won and cannot be voided; reopen it first if the win was a mistake",
                ["oppId": oppId.description]
            )
        }
        guard opp.status == .open || opp.status == .lost else {
            throw .invalidState(
                "\(row).voidable",
                "opportunity \(oppId) is already \(opp.status.rawValue)",
                ["oppId": oppId.description, "status": opp.status.rawValue]
            )
        }
        d.emit(OpportunityVoided(reason: reason), to: stream)
    }
}

// MARK: - OPP-15

/// OPP-15: reopen a won, lost or voided opportunity at an open stage of the latest pipeline version.
public struct ReopenOpportunity: Command {
    public let oppId: ID
    public let toStageId: String
    public let reason: String
    public let probability: Int64?
    public let forecastCategory: ForecastCategory?

    public init(
        oppId: ID,
        toStageId: String,
        reason: String,
        probability: Int64? = nil,
        forecastCategory: ForecastCategory? = nil
    ) {
        self.oppId = oppId
        self.toStageId = toStageId
        self.reason = reason
        self.probability = probability
        self.forecastCategory = forecastCategory
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let row = "OPP-15"
        let (opp, stream) = try d.authorizedOpportunity(oppId, .reopen, row: row)
        try Rejection.require(reason, "\(row).reason", field: "reason")
        try OpportunityInput.openForecast(probability, forecastCategory, row: row)
        guard [.won, .lost, .voided].contains(opp.status) else {
            throw .invalidState(
                "\(row).closed",
                "opportunity \(oppId) is \(opp.status.rawValue); "
                    + "only won, lost or voided opportunities can be reopened",
                ["oppId": oppId.description, "status": opp.status.rawValue]
            )
        }
        let pipeline = try d.pipeline(of: opp, row: row)
        let to = try pipeline.openStage(toStageId, row: row)
        if opp.status == .won {
            for c in d.contracts(of: oppId) where c.status == .signed || c.status == .expired {
                throw .violated(
                    "\(row).noSignedContract",
                    "won opportunity \(oppId) is referenced by signed contract \(c.number) "
                        + "(\(c.contractId?.description ?? "?")); void the contract before reopening",
                    ["oppId": oppId.description, "contractId": c.contractId?.description ?? "?"]
                )
            }
        }
        d.emit(
            OpportunityReopened(
                toStageId: to.stageId,
                probability: probability ?? to.defaultProbability,
                forecastCategory: forecastCategory ?? to.forecastCategory,
                reason: reason,
                pipelineVersion: pipeline.latestVersion
            ),
            to: stream
        )
    }
}

// MARK: - OPP-16

/// OPP-16: give an opportunity to another active user. Users need perm(transfer) on the record; process managers
/// (customer transfer, offboarding) issue it as system actors.
public struct ChangeOpportunityOwner: Command {
    public let oppId: ID
    public let toOwnerId: ID
    public let cause: OpportunityOwnerChangeCause

    public init(oppId: ID, toOwnerId: ID, cause: OpportunityOwnerChangeCause = .reassign) {
        self.oppId = oppId
        self.toOwnerId = toOwnerId
        self.cause = cause
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let row = "OPP-16"
        let (opp, stream) = try d.authorizedOpportunity(oppId, .transfer, row: row)
        if cause.kind == .customerTransfer, cause.requestId == nil {
            throw .missing("\(row).requestId", field: "cause.requestId")
        }
        guard opp.status != .archived else {
            throw .invalidState("\(row).live", "opportunity \(oppId) is archived", ["oppId": oppId.description])
        }
        guard d.organisation.isActiveUser(toOwnerId) else { throw .notFound("\(row).toActive", "user", id: toOwnerId) }
        guard let from = opp.ownerId, from != toOwnerId else {
            throw .invalidInput(
                "\(row).noChange",
                field: "toOwnerId",
                "user \(toOwnerId) already owns opportunity \(oppId)"
            )
        }
        d.emit(OpportunityOwnerChanged(fromOwnerId: from, toOwnerId: toOwnerId, cause: cause), to: stream)
    }
}

// MARK: - OPP-17

/// OPP-17: replace the splits of one type. Revenue: each 0...10_000 bp, Σ = 10_000; overlay: each 0...100_000 bp
/// (0 %...1000 %). Split users are distinct and active.
public struct SetOpportunitySplits: Command {
    public let oppId: ID
    public let splitType: OpportunitySplitType
    public let splits: [OpportunitySplit]

    public init(oppId: ID, splitType: OpportunitySplitType, splits: [OpportunitySplit]) {
        self.oppId = oppId
        self.splitType = splitType
        self.splits = splits
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let row = "OPP-17"
        let (opp, stream) = try d.authorizedOpportunity(oppId, .edit, row: row)
        try d.authorizeFields(["splits"], on: .opportunity, rule: "\(row).fieldPerm")
        guard opp.status != .archived else {
            throw .invalidState("\(row).live", "opportunity \(oppId) is archived", ["oppId": oppId.description])
        }
        var seen = Set<ID>()
        for s in splits where !seen.insert(s.userId).inserted {
            throw .invalidInput("\(row).uniqueUsers", field: "splits", "user \(s.userId) appears more than once")
        }
        switch splitType {
        case .revenue:
            for s in splits where !(0...BasisPoints.whole).contains(s.percentBasisPoints) {
                throw .violated(
                    "\(row).revenueRange",
                    "revenue split of user \(s.userId) is \(s.percentBasisPoints) bp; "
                        + "each must be 0...10000 (0–100 %)",
                    ["userId": s.userId.description, "percentBasisPoints": "\(s.percentBasisPoints)"]
                )
            }
            let total = splits.reduce(Int64(0)) { $0 + $1.percentBasisPoints }
            guard total == BasisPoints.whole else {
                throw .violated(
                    "\(row).revenueTotal",
                    "revenue splits total \(total) bp; they must total exactly 10000 (100 %)",
                    ["total": "\(total)"]
                )
            }
        case .overlay:
            for s in splits where !(0...(10 * BasisPoints.whole)).contains(s.percentBasisPoints) {
                throw .violated(
                    "\(row).overlayRange",
                    "overlay split of user \(s.userId) is \(s.percentBasisPoints) bp; "
                        + "each must be 0...100000 (0–1000 %)",
                    ["userId": s.userId.description, "percentBasisPoints": "\(s.percentBasisPoints)"]
                )
            }
        }
        for s in splits where !d.organisation.isActiveUser(s.userId) {
            throw .notFound("\(row).usersActive", "user", id: s.userId)
        }
        d.emit(OpportunitySplitsSet(splitType: splitType, splits: splits), to: stream)
    }
}

// MARK: - OPP-18

/// OPP-18: archive an opportunity that is not won with a contract and has no pending (discount) approval.
public struct ArchiveOpportunity: Command {
    public let oppId: ID
    public let reason: String

    public init(oppId: ID, reason: String) {
        self.oppId = oppId
        self.reason = reason
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let row = "OPP-18"
        let (opp, stream) = try d.authorizedOpportunity(oppId, .archive, row: row)
        try Rejection.require(reason, "\(row).reason", field: "reason")
        guard opp.status != .archived else {
            throw .invalidState("\(row).live", "opportunity \(oppId) is already archived", ["oppId": oppId.description])
        }
        if opp.status == .won {
            for c in d.contracts(of: oppId) where c.status != .voided {
                throw .violated(
                    "\(row).notWonWithContract",
                    "won opportunity \(oppId) has contract \(c.number) (\(c.status.rawValue)); "
                        + "void the contract before archiving",
                    ["oppId": oppId.description, "contractId": c.contractId?.description ?? "?"]
                )
            }
        }
        let pendingKey = ApprovalTarget(type: .discount, id: oppId, version: 0).pendingKey
        if let pending = d.lookup(pendingKey) {
            throw .violated(
                "\(row).noPendingApproval",
                "opportunity \(oppId) has a pending approval (\(pending.key)); wait for it or recall it first",
                ["oppId": oppId.description, "approvalId": pending.key]
            )
        }
        d.emit(OpportunityArchived(reason: reason), to: stream)
    }
}
