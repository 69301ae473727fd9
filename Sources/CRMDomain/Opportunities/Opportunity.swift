// Events of catalogue §2.4 (opportunity lifecycle, OPP-04..OPP-18) and the `Opportunity` aggregate they fold.
// Stream: opportunity-<oppId>. Pipelines and lost reasons (OPP-01..03) are in Pipeline.swift.
//
// Representations: probabilities are integer percent (0...100); discounts and split shares are basis points
// (10_000 = 100 %); money is `Money` in minor units.

/// A forecast category (Salesforce `ForecastCategoryName`): open deals are pipeline, bestCase or commit; won
/// deals are closed; lost deals are omitted (open deals may also be omitted by OPP-11).
public enum ForecastCategory: String, Codable, Hashable, Sendable, CaseIterable {
    case pipeline, bestCase, commit, closed, omitted
}

/// Where an opportunity is in its lifecycle (§1.2): open, won, lost, voided (WK `isEnd = 3`) or archived.
public enum OpportunityStatus: String, Codable, Hashable, Sendable, CaseIterable {
    case open, won, lost, voided, archived
}

/// Revenue splits total exactly 100 %; overlay splits credit extra people and may total anything [SF-split].
public enum OpportunitySplitType: String, Codable, Hashable, Sendable, CaseIterable {
    case revenue, overlay
}

/// One person's share of an opportunity, in basis points (10_000 = 100 %).
public struct OpportunitySplit: Codable, Hashable, Sendable {
    public let userId: ID
    public let percentBasisPoints: Int64

    public init(userId: ID, percentBasisPoints: Int64) {
        self.userId = userId
        self.percentBasisPoints = percentBasisPoints
    }
}

/// One product line of an opportunity (WK `CrmBusinessProduct`). `discountBasisPoints` is the line discount,
/// 0...10_000 (0 % ... 100 %).
public struct OpportunityLineItem: Codable, Hashable, Sendable {
    public let productId: ID
    public let qty: Int64
    public let unitPrice: Money
    public let discountBasisPoints: Int64

    public init(productId: ID, qty: Int64, unitPrice: Money, discountBasisPoints: Int64) {
        self.productId = productId
        self.qty = qty
        self.unitPrice = unitPrice
        self.discountBasisPoints = discountBasisPoints
    }

    /// `qty × unitPrice × (1 − discount)`, rounded half away from zero to the minor unit.
    public var total: Money {
        let gross = qty * unitPrice.amountMinor
        return Money(amountMinor: BasisPoints.applyDiscount(gross, discountBasisPoints), currency: unitPrice.currency)
    }
}

/// Basis-point arithmetic on minor units without floating point.
public enum BasisPoints {
    /// 100 %.
    public static let whole: Int64 = 10_000

    /// `amount × (10_000 − discount) / 10_000`, rounded half away from zero.
    public static func applyDiscount(_ amountMinor: Int64, _ discountBasisPoints: Int64) -> Int64 {
        share(amountMinor, whole - discountBasisPoints)
    }

    /// `amount × basisPoints / 10_000`, rounded half away from zero.
    public static func share(_ amountMinor: Int64, _ basisPoints: Int64) -> Int64 {
        let product = amountMinor * basisPoints
        let q = product / whole
        let r = product % whole
        if 2 * abs(r) >= whole { return q + (product < 0 ? -1 : 1) }
        return q
    }
}

/// One changed field of an opportunity (OPP-05), values in their string form (`nil` = empty).
public struct OpportunityFieldChange: Codable, Hashable, Sendable {
    public let field: String
    public let before: String?
    public let after: String?

    public init(field: String, before: String?, after: String?) {
        self.field = field
        self.before = before
        self.after = after
    }
}

/// Why an opportunity changed owner (OPP-16): a manual reassignment, a customer transfer (with its request) or
/// the offboarding of the previous owner.
public struct OpportunityOwnerChangeCause: Codable, Hashable, Sendable {
    public enum Kind: String, Codable, Hashable, Sendable, CaseIterable { case reassign, customerTransfer, offboarding }
    public let kind: Kind
    /// The customer transfer request (CUS-12) when `kind == .customerTransfer`.
    public let requestId: ID?

    public init(kind: Kind, requestId: ID? = nil) {
        self.kind = kind
        self.requestId = requestId
    }

    public static let reassign = OpportunityOwnerChangeCause(kind: .reassign)
    public static let offboarding = OpportunityOwnerChangeCause(kind: .offboarding)
    public static func customerTransfer(_ requestId: ID) -> OpportunityOwnerChangeCause {
        OpportunityOwnerChangeCause(kind: .customerTransfer, requestId: requestId)
    }
}

/// Why an opportunity was voided (OPP-14).
public enum OpportunityVoidReason: String, Codable, Hashable, Sendable, CaseIterable {
    case duplicate, invalid, test
}

extension StreamRef {
    /// The pseudo-stream an owner's records are linked to: `owner-<userId>`.
    public static func owner(_ userId: ID) -> StreamRef { StreamRef("owner", userId.description) }
}

// MARK: - Events

/// OPP-04. An opportunity was created at an open stage of a pipeline version.
public struct OpportunityCreated: DomainEvent {
    public static let eventType = "OpportunityCreated"
    public let oppId: ID
    public let customerId: ID
    public let primaryContactId: ID?
    public let pipelineId: ID
    /// The pipeline version (`pipelineId@version`) the stage belongs to.
    public let pipelineVersion: Int64
    public let stageId: String
    /// Percent, 0...99 for an open stage.
    public let probability: Int64
    public let forecastCategory: ForecastCategory
    public let amount: Money
    public let expectedCloseDate: LocalDate
    public let ownerId: ID
    public let source: String
    public let campaignId: ID?
    public let fromLeadId: ID?

    public init(
        oppId: ID,
        customerId: ID,
        primaryContactId: ID?,
        pipelineId: ID,
        pipelineVersion: Int64,
        stageId: String,
        probability: Int64,
        forecastCategory: ForecastCategory,
        amount: Money,
        expectedCloseDate: LocalDate,
        ownerId: ID,
        source: String,
        campaignId: ID?,
        fromLeadId: ID?
    ) {
        self.oppId = oppId
        self.customerId = customerId
        self.primaryContactId = primaryContactId
        self.pipelineId = pipelineId
        self.pipelineVersion = pipelineVersion
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

    /// Links the opportunity to its customer, owner, pipeline, and (when given) campaign and lead.
    public func indexEntries(in stream: StreamRef) -> [IndexEntry] {
        var entries: [IndexEntry] = [
            .link(parent: StreamRef("customer", customerId.description), child: stream),
            .link(parent: .owner(ownerId), child: stream),
            .link(parent: StreamRef("pipeline", pipelineId.description), child: stream),
        ]
        if let campaignId {
            entries.append(.link(parent: StreamRef("campaign", campaignId.description), child: stream))
        }
        if let fromLeadId { entries.append(.link(parent: StreamRef("lead", fromLeadId.description), child: stream)) }
        return entries
    }
}

/// OPP-05. Descriptive fields changed (not stage, amount, close date or probability).
public struct OpportunityUpdated: DomainEvent {
    public static let eventType = "OpportunityUpdated"
    public let changes: [OpportunityFieldChange]

    public init(changes: [OpportunityFieldChange]) {
        self.changes = changes
    }

    /// Moves the campaign link when `campaignId` changes.
    public func indexEntries(in stream: StreamRef) -> [IndexEntry] {
        var entries: [IndexEntry] = []
        for c in changes where c.field == OpportunityField.campaignId.rawValue {
            if let before = c.before.flatMap(ID.init) {
                entries.append(.unlink(parent: StreamRef("campaign", before.description), child: stream))
            }
            if let after = c.after.flatMap(ID.init) {
                entries.append(.link(parent: StreamRef("campaign", after.description), child: stream))
            }
        }
        return entries
    }
}

/// The descriptive fields OPP-05 may change.
public enum OpportunityField: String, Codable, Hashable, Sendable, CaseIterable {
    case name, description, nextStep, source, campaignId, primaryContactId
}

/// OPP-06. The amount changed (tracked separately, like Salesforce OpportunityHistory).
public struct OpportunityAmountChanged: DomainEvent {
    public static let eventType = "OpportunityAmountChanged"
    public let from: Money
    public let to: Money

    public init(from: Money, to: Money) {
        self.from = from
        self.to = to
    }
}

/// OPP-07. The expected close date changed.
public struct OpportunityCloseDateChanged: DomainEvent {
    public static let eventType = "OpportunityCloseDateChanged"
    public let from: LocalDate
    public let to: LocalDate

    public init(from: LocalDate, to: LocalDate) {
        self.from = from
        self.to = to
    }
}

/// OPP-08. The product lines changed; `total` is Σ line totals less the order discount (basis points).
public struct OpportunityLineItemsChanged: DomainEvent {
    public static let eventType = "OpportunityLineItemsChanged"
    public let lines: [OpportunityLineItem]
    public let total: Money
    /// Discount on the whole order, basis points 0...10_000.
    public let orderDiscountBasisPoints: Int64

    public init(lines: [OpportunityLineItem], total: Money, orderDiscountBasisPoints: Int64) {
        self.lines = lines
        self.total = total
        self.orderDiscountBasisPoints = orderDiscountBasisPoints
    }
}

/// OPP-09. Moved forward to a later open stage.
public struct OpportunityStageAdvanced: DomainEvent {
    public static let eventType = "OpportunityStageAdvanced"
    public let fromStageId: String
    public let toStageId: String
    public let probability: Int64
    public let forecastCategory: ForecastCategory
    /// The pipeline version `toStageId` belongs to (a moved opportunity adopts the latest version, §0.3).
    public let pipelineVersion: Int64

    public init(
        fromStageId: String,
        toStageId: String,
        probability: Int64,
        forecastCategory: ForecastCategory,
        pipelineVersion: Int64
    ) {
        self.fromStageId = fromStageId
        self.toStageId = toStageId
        self.probability = probability
        self.forecastCategory = forecastCategory
        self.pipelineVersion = pipelineVersion
    }
}

/// OPP-10. Moved back to an earlier open stage, with a reason.
public struct OpportunityStageMovedBack: DomainEvent {
    public static let eventType = "OpportunityStageMovedBack"
    public let fromStageId: String
    public let toStageId: String
    public let probability: Int64
    public let forecastCategory: ForecastCategory
    public let reason: String
    /// The pipeline version `toStageId` belongs to.
    public let pipelineVersion: Int64

    public init(
        fromStageId: String,
        toStageId: String,
        probability: Int64,
        forecastCategory: ForecastCategory,
        reason: String,
        pipelineVersion: Int64
    ) {
        self.fromStageId = fromStageId
        self.toStageId = toStageId
        self.probability = probability
        self.forecastCategory = forecastCategory
        self.reason = reason
        self.pipelineVersion = pipelineVersion
    }
}

/// OPP-11. Probability and/or forecast category overridden without a stage change.
public struct OpportunityForecastAdjusted: DomainEvent {
    public static let eventType = "OpportunityForecastAdjusted"
    public let probability: Int64?
    public let forecastCategory: ForecastCategory?

    public init(probability: Int64?, forecastCategory: ForecastCategory?) {
        self.probability = probability
        self.forecastCategory = forecastCategory
    }
}

/// OPP-12. Won at a won stage: probability 100, category closed.
public struct OpportunityWon: DomainEvent {
    public static let eventType = "OpportunityWon"
    public let wonStageId: String
    public let amount: Money
    public let closedAt: Timestamp
    public let contractDraftRequested: Bool
    /// The pipeline version `wonStageId` belongs to.
    public let pipelineVersion: Int64

    public init(
        wonStageId: String,
        amount: Money,
        closedAt: Timestamp,
        contractDraftRequested: Bool,
        pipelineVersion: Int64
    ) {
        self.wonStageId = wonStageId
        self.amount = amount
        self.closedAt = closedAt
        self.contractDraftRequested = contractDraftRequested
        self.pipelineVersion = pipelineVersion
    }
}

/// OPP-13. Lost with an active lost reason: probability 0, category omitted.
public struct OpportunityLost: DomainEvent {
    public static let eventType = "OpportunityLost"
    public let lostStageId: String
    public let lostReasonId: ID
    public let competitor: String?
    public let note: String?
    public let closedAt: Timestamp
    /// The pipeline version `lostStageId` belongs to.
    public let pipelineVersion: Int64

    public init(
        lostStageId: String,
        lostReasonId: ID,
        competitor: String?,
        note: String?,
        closedAt: Timestamp,
        pipelineVersion: Int64
    ) {
        self.lostStageId = lostStageId
        self.lostReasonId = lostReasonId
        self.competitor = competitor
        self.note = note
        self.closedAt = closedAt
        self.pipelineVersion = pipelineVersion
    }
}

/// OPP-14. Voided (duplicate, invalid, test): excluded from funnel and win-rate denominators.
public struct OpportunityVoided: DomainEvent {
    public static let eventType = "OpportunityVoided"
    public let reason: OpportunityVoidReason

    public init(reason: OpportunityVoidReason) {
        self.reason = reason
    }
}

/// OPP-15. A won, lost or voided opportunity reopened at an open stage.
public struct OpportunityReopened: DomainEvent {
    public static let eventType = "OpportunityReopened"
    public let toStageId: String
    public let probability: Int64
    public let forecastCategory: ForecastCategory
    public let reason: String
    /// The pipeline version `toStageId` belongs to.
    public let pipelineVersion: Int64

    public init(
        toStageId: String,
        probability: Int64,
        forecastCategory: ForecastCategory,
        reason: String,
        pipelineVersion: Int64
    ) {
        self.toStageId = toStageId
        self.probability = probability
        self.forecastCategory = forecastCategory
        self.reason = reason
        self.pipelineVersion = pipelineVersion
    }
}

/// OPP-16. The owner changed.
public struct OpportunityOwnerChanged: DomainEvent {
    public static let eventType = "OpportunityOwnerChanged"
    public let fromOwnerId: ID
    public let toOwnerId: ID
    public let cause: OpportunityOwnerChangeCause

    public init(fromOwnerId: ID, toOwnerId: ID, cause: OpportunityOwnerChangeCause) {
        self.fromOwnerId = fromOwnerId
        self.toOwnerId = toOwnerId
        self.cause = cause
    }

    /// Moves the owner link.
    public func indexEntries(in stream: StreamRef) -> [IndexEntry] {
        [.unlink(parent: .owner(fromOwnerId), child: stream), .link(parent: .owner(toOwnerId), child: stream)]
    }
}

/// OPP-17. The credit splits were replaced.
public struct OpportunitySplitsSet: DomainEvent {
    public static let eventType = "OpportunitySplitsSet"
    public let splitType: OpportunitySplitType
    public let splits: [OpportunitySplit]

    public init(splitType: OpportunitySplitType, splits: [OpportunitySplit]) {
        self.splitType = splitType
        self.splits = splits
    }
}

/// OPP-18. Archived (terminal).
public struct OpportunityArchived: DomainEvent {
    public static let eventType = "OpportunityArchived"
    public let reason: String

    public init(reason: String) {
        self.reason = reason
    }
}

// MARK: - Aggregate

/// One opportunity (商机), folded from its stream `opportunity-<oppId>`.
public struct Opportunity: Aggregate {
    public static let category = "opportunity"

    public var exists = false
    public var oppId: ID?
    public var customerId: ID?
    public var primaryContactId: ID?
    public var ownerId: ID?
    public var status: OpportunityStatus = .open
    /// The status before OPP-18 archived it.
    public var statusBeforeArchive: OpportunityStatus?
    public var amount: Money?
    public var pipelineId: ID?
    /// The pipeline version the current stage is validated against (kept until the opportunity moves).
    public var pipelineVersion: Int64?
    public var stageId: String?
    /// Percent, 0...100.
    public var probability: Int64 = 0
    public var forecastCategory: ForecastCategory = .pipeline
    public var expectedCloseDate: LocalDate?
    public var closedAt: Timestamp?
    public var source: String = ""
    public var campaignId: ID?
    public var fromLeadId: ID?
    public var lostReasonId: ID?
    public var competitor: String?
    public var voidReason: OpportunityVoidReason?
    public var lines: [OpportunityLineItem] = []
    public var orderDiscountBasisPoints: Int64 = 0
    public var splits: [OpportunitySplit] = []
    public var splitType: OpportunitySplitType?
    /// Free descriptive fields set by OPP-05 (`name`, `description`, `nextStep`).
    public var fields: [String: String] = [:]

    public init() {}

    /// Exists and not archived.
    public var isLive: Bool { exists && status != .archived }
    public var isOpen: Bool { exists && status == .open }
    public var name: String { fields[OpportunityField.name.rawValue] ?? "" }

    public mutating func apply(_ event: any DomainEvent) {
        switch event {
        case let e as OpportunityCreated:
            exists = true
            oppId = e.oppId
            customerId = e.customerId
            primaryContactId = e.primaryContactId
            ownerId = e.ownerId
            status = .open
            amount = e.amount
            pipelineId = e.pipelineId
            pipelineVersion = e.pipelineVersion
            stageId = e.stageId
            probability = e.probability
            forecastCategory = e.forecastCategory
            expectedCloseDate = e.expectedCloseDate
            source = e.source
            campaignId = e.campaignId
            fromLeadId = e.fromLeadId
        case let e as OpportunityUpdated:
            for c in e.changes {
                switch OpportunityField(rawValue: c.field) {
                case .source: source = c.after ?? ""
                case .campaignId: campaignId = c.after.flatMap(ID.init)
                case .primaryContactId: primaryContactId = c.after.flatMap(ID.init)
                case .name, .description, .nextStep, nil: fields[c.field] = c.after
                }
            }
        case let e as OpportunityAmountChanged:
            amount = e.to
        case let e as OpportunityCloseDateChanged:
            expectedCloseDate = e.to
        case let e as OpportunityLineItemsChanged:
            lines = e.lines
            orderDiscountBasisPoints = e.orderDiscountBasisPoints
        case let e as OpportunityStageAdvanced:
            move(to: e.toStageId, e.probability, e.forecastCategory, e.pipelineVersion)
        case let e as OpportunityStageMovedBack:
            move(to: e.toStageId, e.probability, e.forecastCategory, e.pipelineVersion)
        case let e as OpportunityForecastAdjusted:
            if let p = e.probability { probability = p }
            if let c = e.forecastCategory { forecastCategory = c }
        case let e as OpportunityWon:
            move(to: e.wonStageId, 100, .closed, e.pipelineVersion)
            status = .won
            amount = e.amount
            closedAt = e.closedAt
        case let e as OpportunityLost:
            move(to: e.lostStageId, 0, .omitted, e.pipelineVersion)
            status = .lost
            lostReasonId = e.lostReasonId
            competitor = e.competitor
            closedAt = e.closedAt
        case let e as OpportunityVoided:
            status = .voided
            voidReason = e.reason
        case let e as OpportunityReopened:
            move(to: e.toStageId, e.probability, e.forecastCategory, e.pipelineVersion)
            status = .open
            closedAt = nil
            lostReasonId = nil
            competitor = nil
            voidReason = nil
        case let e as OpportunityOwnerChanged:
            ownerId = e.toOwnerId
        case let e as OpportunitySplitsSet:
            splitType = e.splitType
            splits = e.splits
        case is OpportunityArchived:
            statusBeforeArchive = status
            status = .archived
        default:
            break
        }
    }

    private mutating func move(to stage: String, _ p: Int64, _ category: ForecastCategory, _ version: Int64) {
        stageId = stage
        probability = p
        forecastCategory = category
        pipelineVersion = version
    }
}
