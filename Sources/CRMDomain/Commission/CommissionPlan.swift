// Commission plans (catalogue §2.7, COM-01..COM-05), stream `commissionPlan-<planId>`.
//
// Representations: rates and percents are basis points (`rateBasisPoints`, 300 = 3 %; `attainmentBasisPoints`,
// `payoutBasisPoints`, 10_000 = 100 %); tier bounds, cap and on-target commission are `Money` in the plan's
// currency. Versions: a plan is drafted as version 1; resetting an approved plan to draft (COM-04) starts the
// next version. Accruals use the last approved version (`approvedVersion`), so commission keeps accruing on the
// approved terms while a new version is being drafted.
//
// Index: an assignment links the plan to `commissionPayee-user:<id>` or `commissionPayee-team:<deptId>`, which is
// how the commission process finds the plans of a payee.

/// What event credits the base (§3.4 "timing").
public enum CommissionBasis: String, Codable, Hashable, Sendable, CaseIterable {
    case paymentVerified, contractSigned, invoiceIssued
}

/// Gross amounts, or margin `max(0, amount − cost)` per line [OCA-comm].
public enum CommissionBaseType: String, Codable, Hashable, Sendable, CaseIterable { case gross, margin }

/// How tiers turn a base into commission (§3.4).
public enum CommissionTierMode: String, Codable, Hashable, Sendable, CaseIterable { case flat, marginal, retroactive }

/// How credit is shared: by the revenue splits of the contract's opportunity (owner 100 % without splits), or
/// always 100 % to the contract owner.
public enum CommissionSplitPolicy: String, Codable, Hashable, Sendable, CaseIterable { case revenueSplits, ownerOnly }

/// A tier `[from, to)` with its rate; the last tier has no `to`.
public struct CommissionTier: Codable, Hashable, Sendable {
    public let from: Money
    public let to: Money?
    public let rateBasisPoints: Int64

    public init(from: Money, to: Money?, rateBasisPoints: Int64) {
        self.from = from
        self.to = to
        self.rateBasisPoints = rateBasisPoints
    }
}

/// A rate for one product or one product category (exactly one of the ids is set). Lines with
/// `countsTowardTiers = false` are kept out of the tier base and paid at `rateBasisPoints` only.
public struct CommissionProductOverride: Codable, Hashable, Sendable {
    public let productId: ID?
    public let categoryId: ID?
    public let rateBasisPoints: Int64
    public let countsTowardTiers: Bool

    public init(productId: ID? = nil, categoryId: ID? = nil, rateBasisPoints: Int64, countsTowardTiers: Bool) {
        self.productId = productId
        self.categoryId = categoryId
        self.rateBasisPoints = rateBasisPoints
        self.countsTowardTiers = countsTowardTiers
    }
}

/// A point of a target-based payout curve: at `attainmentBasisPoints` of target, pay `payoutBasisPoints` of the
/// on-target commission (Odoo levels: 0 % → 0, 100 % → 100 %, 150 % → 180 %).
public struct CommissionTargetLevel: Codable, Hashable, Sendable {
    public let attainmentBasisPoints: Int64
    public let payoutBasisPoints: Int64

    public init(attainmentBasisPoints: Int64, payoutBasisPoints: Int64) {
        self.attainmentBasisPoints = attainmentBasisPoints
        self.payoutBasisPoints = payoutBasisPoints
    }
}

/// Who a plan is assigned to: a user, or a team (department: every member).
public struct CommissionPayee: Codable, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: String, Codable, Hashable, Sendable, CaseIterable { case user, team }
    public let kind: Kind
    public let id: ID

    public init(kind: Kind, id: ID) {
        self.kind = kind
        self.id = id
    }

    public static func user(_ id: ID) -> CommissionPayee { CommissionPayee(kind: .user, id: id) }
    public static func team(_ deptId: ID) -> CommissionPayee { CommissionPayee(kind: .team, id: deptId) }

    public var description: String { "\(kind.rawValue):\(id)" }

    /// The pseudo-stream assignments link plans to.
    public var stream: StreamRef { StreamRef("commissionPayee", description) }
}

/// Everything that defines a plan version (the COM-01 payload without the id).
public struct CommissionPlanDefinition: Hashable, Sendable {
    public var name: String
    public var basis: CommissionBasis
    public var baseType: CommissionBaseType
    public var tierMode: CommissionTierMode
    public var tiers: [CommissionTier]
    public var productOverrides: [CommissionProductOverride]
    public var period: Period.Kind
    public var capAmount: Money?
    public var targetLevels: [CommissionTargetLevel]?
    public var onTargetCommission: Money?
    public var splitPolicy: CommissionSplitPolicy

    public init(
        name: String,
        basis: CommissionBasis,
        baseType: CommissionBaseType = .gross,
        tierMode: CommissionTierMode,
        tiers: [CommissionTier],
        productOverrides: [CommissionProductOverride] = [],
        period: Period.Kind,
        capAmount: Money? = nil,
        targetLevels: [CommissionTargetLevel]? = nil,
        onTargetCommission: Money? = nil,
        splitPolicy: CommissionSplitPolicy = .revenueSplits
    ) {
        self.name = name
        self.basis = basis
        self.baseType = baseType
        self.tierMode = tierMode
        self.tiers = tiers
        self.productOverrides = productOverrides
        self.period = period
        self.capAmount = capAmount
        self.targetLevels = targetLevels
        self.onTargetCommission = onTargetCommission
        self.splitPolicy = splitPolicy
    }

    /// A target-based plan pays `onTargetCommission × f(attainment)` instead of tiers.
    public var isTargetBased: Bool { !(targetLevels ?? []).isEmpty }

    /// The plan's currency (of its tiers, cap or on-target commission).
    public var currency: String? {
        tiers.first?.from.currency ?? onTargetCommission?.currency ?? capAmount?.currency
    }

    /// The override that applies to a line: a product override first, else a category override.
    public func override(productId: ID?, categoryId: ID?) -> CommissionProductOverride? {
        if let p = productId, let o = productOverrides.first(where: { $0.productId == p }) { return o }
        if let c = categoryId, let o = productOverrides.first(where: { $0.categoryId == c }) { return o }
        return nil
    }

    /// The COM-01 checks: tiers start at 0, are contiguous and non-overlapping, the last is open-ended, rates
    /// ≥ 0; target levels increase. Plus input checks: a name, one currency, a flat plan has one tier, a target
    /// plan has an on-target commission and no tiers, overrides name one product or category each.
    public func validate(rule p: String) throws(Rejection) {
        try Rejection.require(name, "\(p).name", field: "name")
        if isTargetBased, onTargetCommission == nil {
            throw .missing("\(p).onTargetCommission", field: "onTargetCommission")
        }
        guard let currency else {
            throw .invalidInput(
                "\(p).tiers",
                field: "tiers",
                "a plan needs tiers (or target levels with an on-target commission)"
            )
        }
        for (field, m) in [("capAmount", capAmount), ("onTargetCommission", onTargetCommission)] {
            guard let m else { continue }
            guard m.currency == currency else {
                throw .invalidInput("\(p).currency", field: field, "is in \(m.currency), the plan in \(currency)")
            }
            guard !m.isNegative else { throw .invalidInput("\(p).\(field)", field: field, "must not be negative") }
        }
        if isTargetBased {
            guard tiers.isEmpty else {
                throw .invalidInput(
                    "\(p).tiers",
                    field: "tiers",
                    "a target-based plan pays by level; leave tiers empty"
                )
            }
            try validateLevels(rule: p)
        } else {
            if onTargetCommission != nil {
                throw .invalidInput(
                    "\(p).targetLevels",
                    field: "targetLevels",
                    "an on-target commission needs target levels"
                )
            }
            try validateTiers(currency: currency, rule: p)
        }
        var keys = Set<String>()
        for o in productOverrides {
            guard (o.productId == nil) != (o.categoryId == nil) else {
                throw .invalidInput(
                    "\(p).productOverrides",
                    field: "productOverrides",
                    "each override names exactly one of productId or categoryId"
                )
            }
            guard o.rateBasisPoints >= 0 else {
                throw .violated(
                    "\(p).ratesNonNegative",
                    "override rate \(o.rateBasisPoints) bp is negative; rates must be ≥ 0",
                    ["rateBasisPoints": "\(o.rateBasisPoints)"]
                )
            }
            let key = o.productId.map { "product:\($0)" } ?? "category:\(o.categoryId?.description ?? "")"
            guard keys.insert(key).inserted else {
                throw .invalidInput("\(p).productOverrides", field: "productOverrides", "\(key) has two overrides")
            }
        }
    }

    private func validateTiers(currency: String, rule p: String) throws(Rejection) {
        guard !tiers.isEmpty else {
            throw .invalidInput(
                "\(p).tiers",
                field: "tiers",
                "a plan needs tiers (or target levels with an on-target commission)"
            )
        }
        if tierMode == .flat, tiers.count != 1 {
            throw .invalidInput("\(p).tiers", field: "tiers", "a flat plan has exactly one tier, got \(tiers.count)")
        }
        for (i, t) in tiers.enumerated() {
            guard t.from.currency == currency, t.to?.currency ?? currency == currency else {
                throw .invalidInput("\(p).currency", field: "tiers[\(i)]", "is not in the plan currency \(currency)")
            }
            guard t.rateBasisPoints >= 0 else {
                throw .violated(
                    "\(p).ratesNonNegative",
                    "tier \(i + 1) has rate \(t.rateBasisPoints) bp; rates must be ≥ 0",
                    ["tier": "\(i + 1)", "rateBasisPoints": "\(t.rateBasisPoints)"]
                )
            }
        }
        guard tiers[0].from.amountMinor == 0 else {
            throw .violated(
                "\(p).tiersStartAtZero",
                "the first tier starts at \(tiers[0].from.amountMinor); tiers must start at 0",
                ["from": "\(tiers[0].from.amountMinor)"]
            )
        }
        for i in tiers.indices {
            let t = tiers[i]
            if i == tiers.count - 1 {
                guard t.to == nil else {
                    throw .violated(
                        "\(p).lastTierOpenEnded",
                        "the last tier ends at \(t.to?.amountMinor ?? 0); it must be open-ended (no 'to')",
                        ["to": "\(t.to?.amountMinor ?? 0)"]
                    )
                }
            } else {
                guard let to = t.to, to.amountMinor > t.from.amountMinor else {
                    throw .violated(
                        "\(p).tiersContiguous",
                        "tier \(i + 1) [\(t.from.amountMinor), \(t.to.map { "\($0.amountMinor)" } ?? "open")) must "
                            + "end above its start; only the last tier is open-ended",
                        ["tier": "\(i + 1)"]
                    )
                }
                guard tiers[i + 1].from.amountMinor == to.amountMinor else {
                    throw .violated(
                        "\(p).tiersContiguous",
                        "tier \(i + 2) starts at \(tiers[i + 1].from.amountMinor) but tier \(i + 1) ends at "
                            + "\(to.amountMinor); tiers must be contiguous and must not overlap",
                        [
                            "tier": "\(i + 2)", "from": "\(tiers[i + 1].from.amountMinor)",
                            "previousTo": "\(to.amountMinor)",
                        ]
                    )
                }
            }
        }
    }

    private func validateLevels(rule p: String) throws(Rejection) {
        let levels = targetLevels ?? []
        for (i, l) in levels.enumerated() {
            guard l.attainmentBasisPoints >= 0, l.payoutBasisPoints >= 0 else {
                throw .violated(
                    "\(p).levelsIncreasing",
                    "level \(i + 1) has a negative percent; level percents are ≥ 0",
                    ["level": "\(i + 1)"]
                )
            }
            if i > 0 {
                let prev = levels[i - 1]
                guard l.attainmentBasisPoints > prev.attainmentBasisPoints, l.payoutBasisPoints > prev.payoutBasisPoints
                else {
                    throw .violated(
                        "\(p).levelsIncreasing",
                        "level \(i + 1) (\(l.attainmentBasisPoints) bp → \(l.payoutBasisPoints) bp) does not "
                            + "increase "
                            + "over level \(i) (\(prev.attainmentBasisPoints) bp → \(prev.payoutBasisPoints) bp)",
                        ["level": "\(i + 1)"]
                    )
                }
            }
        }
    }
}

/// A typed value of a revisable plan field (exactly the optional that fits the field is set).
public struct CommissionPlanValue: Codable, Hashable, Sendable {
    public let text: String?
    public let basis: CommissionBasis?
    public let baseType: CommissionBaseType?
    public let tierMode: CommissionTierMode?
    public let tiers: [CommissionTier]?
    public let productOverrides: [CommissionProductOverride]?
    public let period: Period.Kind?
    public let money: Money?
    public let targetLevels: [CommissionTargetLevel]?
    public let splitPolicy: CommissionSplitPolicy?

    public init(
        text: String? = nil,
        basis: CommissionBasis? = nil,
        baseType: CommissionBaseType? = nil,
        tierMode: CommissionTierMode? = nil,
        tiers: [CommissionTier]? = nil,
        productOverrides: [CommissionProductOverride]? = nil,
        period: Period.Kind? = nil,
        money: Money? = nil,
        targetLevels: [CommissionTargetLevel]? = nil,
        splitPolicy: CommissionSplitPolicy? = nil
    ) {
        self.text = text
        self.basis = basis
        self.baseType = baseType
        self.tierMode = tierMode
        self.tiers = tiers
        self.productOverrides = productOverrides
        self.period = period
        self.money = money
        self.targetLevels = targetLevels
        self.splitPolicy = splitPolicy
    }
}

/// One change of a plan revision (COM-02).
public struct CommissionPlanChange: Codable, Hashable, Sendable {
    public enum Field: String, Codable, Hashable, Sendable, CaseIterable {
        case name, basis, baseType, tierMode, tiers, productOverrides, period, capAmount, targetLevels
        case onTargetCommission, splitPolicy
    }

    public let field: Field
    public let before: CommissionPlanValue
    public let after: CommissionPlanValue

    public init(field: Field, before: CommissionPlanValue, after: CommissionPlanValue) {
        self.field = field
        self.before = before
        self.after = after
    }
}

extension CommissionPlanDefinition {
    /// The value of `field` in this definition.
    public func value(_ field: CommissionPlanChange.Field) -> CommissionPlanValue {
        switch field {
        case .name: CommissionPlanValue(text: name)
        case .basis: CommissionPlanValue(basis: basis)
        case .baseType: CommissionPlanValue(baseType: baseType)
        case .tierMode: CommissionPlanValue(tierMode: tierMode)
        case .tiers: CommissionPlanValue(tiers: tiers)
        case .productOverrides: CommissionPlanValue(productOverrides: productOverrides)
        case .period: CommissionPlanValue(period: period)
        case .capAmount: CommissionPlanValue(money: capAmount)
        case .targetLevels: CommissionPlanValue(targetLevels: targetLevels)
        case .onTargetCommission: CommissionPlanValue(money: onTargetCommission)
        case .splitPolicy: CommissionPlanValue(splitPolicy: splitPolicy)
        }
    }

    /// Sets `field` from `value`.
    public mutating func set(_ field: CommissionPlanChange.Field, _ v: CommissionPlanValue) {
        switch field {
        case .name: if let x = v.text { name = x }
        case .basis: if let x = v.basis { basis = x }
        case .baseType: if let x = v.baseType { baseType = x }
        case .tierMode: if let x = v.tierMode { tierMode = x }
        case .tiers: tiers = v.tiers ?? []
        case .productOverrides: productOverrides = v.productOverrides ?? []
        case .period: if let x = v.period { period = x }
        case .capAmount: capAmount = v.money
        case .targetLevels: targetLevels = v.targetLevels
        case .onTargetCommission: onTargetCommission = v.money
        case .splitPolicy: if let x = v.splitPolicy { splitPolicy = x }
        }
    }

    /// The changes that turn `self` into `other`, in field order.
    public func changes(to other: CommissionPlanDefinition) -> [CommissionPlanChange] {
        CommissionPlanChange.Field.allCases.compactMap { f in
            let a = value(f)
            let b = other.value(f)
            return a == b ? nil : CommissionPlanChange(field: f, before: a, after: b)
        }
    }
}

// MARK: - Events

/// COM-01. A commission plan is drafted (version 1).
public struct CommissionPlanDrafted: DomainEvent {
    public static let eventType = "CommissionPlanDrafted"
    public let planId: ID
    public let name: String
    public let basis: CommissionBasis
    public let baseType: CommissionBaseType
    public let tierMode: CommissionTierMode
    public let tiers: [CommissionTier]
    public let productOverrides: [CommissionProductOverride]
    public let period: Period.Kind
    public let capAmount: Money?
    public let targetLevels: [CommissionTargetLevel]?
    public let onTargetCommission: Money?
    public let splitPolicy: CommissionSplitPolicy

    public init(
        planId: ID,
        name: String,
        basis: CommissionBasis,
        baseType: CommissionBaseType,
        tierMode: CommissionTierMode,
        tiers: [CommissionTier],
        productOverrides: [CommissionProductOverride],
        period: Period.Kind,
        capAmount: Money?,
        targetLevels: [CommissionTargetLevel]?,
        onTargetCommission: Money?,
        splitPolicy: CommissionSplitPolicy
    ) {
        self.planId = planId
        self.name = name
        self.basis = basis
        self.baseType = baseType
        self.tierMode = tierMode
        self.tiers = tiers
        self.productOverrides = productOverrides
        self.period = period
        self.capAmount = capAmount
        self.targetLevels = targetLevels
        self.onTargetCommission = onTargetCommission
        self.splitPolicy = splitPolicy
    }

    public init(planId: ID, definition p: CommissionPlanDefinition) {
        self.init(
            planId: planId,
            name: p.name,
            basis: p.basis,
            baseType: p.baseType,
            tierMode: p.tierMode,
            tiers: p.tiers,
            productOverrides: p.productOverrides,
            period: p.period,
            capAmount: p.capAmount,
            targetLevels: p.targetLevels,
            onTargetCommission: p.onTargetCommission,
            splitPolicy: p.splitPolicy
        )
    }

    public var definition: CommissionPlanDefinition {
        CommissionPlanDefinition(
            name: name,
            basis: basis,
            baseType: baseType,
            tierMode: tierMode,
            tiers: tiers,
            productOverrides: productOverrides,
            period: period,
            capAmount: capAmount,
            targetLevels: targetLevels,
            onTargetCommission: onTargetCommission,
            splitPolicy: splitPolicy
        )
    }
}

/// COM-02. A draft plan is revised.
public struct CommissionPlanRevised: DomainEvent {
    public static let eventType = "CommissionPlanRevised"
    public let changes: [CommissionPlanChange]

    public init(changes: [CommissionPlanChange]) { self.changes = changes }
}

/// COM-03. The draft version is approved (through an approval when `approvalId` is set).
public struct CommissionPlanApproved: DomainEvent {
    public static let eventType = "CommissionPlanApproved"
    public let approvalId: ID?

    public init(approvalId: ID?) { self.approvalId = approvalId }
}

/// COM-04. An approved plan goes back to draft as its next version.
public struct CommissionPlanResetToDraft: DomainEvent {
    public static let eventType = "CommissionPlanResetToDraft"
    public let reason: String

    public init(reason: String) { self.reason = reason }
}

/// COM-05. The plan (`planId@planVersion`) applies to a payee from `effectiveFrom` to `effectiveTo` (inclusive,
/// open-ended without it).
public struct CommissionPlanAssigned: DomainEvent {
    public static let eventType = "CommissionPlanAssigned"
    public let planId: ID
    public let planVersion: Int64
    public let payee: CommissionPayee
    public let effectiveFrom: LocalDate
    public let effectiveTo: LocalDate?

    public init(
        planId: ID,
        planVersion: Int64,
        payee: CommissionPayee,
        effectiveFrom: LocalDate,
        effectiveTo: LocalDate?
    ) {
        self.planId = planId
        self.planVersion = planVersion
        self.payee = payee
        self.effectiveFrom = effectiveFrom
        self.effectiveTo = effectiveTo
    }

    public func indexEntries(in stream: StreamRef) -> [IndexEntry] { [.link(parent: payee.stream, child: stream)] }
}

// MARK: - Aggregate

/// An assignment of a plan.
public struct CommissionPlanAssignment: Hashable, Sendable {
    public var planVersion: Int64
    public var payee: CommissionPayee
    public var effectiveFrom: LocalDate
    public var effectiveTo: LocalDate?

    public func covers(_ date: LocalDate) -> Bool { date >= effectiveFrom && (effectiveTo.map { date <= $0 } ?? true) }

    /// True when the two date ranges (inclusive, open-ended without `to`) share a day.
    public func overlaps(from: LocalDate, to: LocalDate?) -> Bool {
        let startsBeforeOtherEnds = to.map { effectiveFrom <= $0 } ?? true
        let otherStartsBeforeThisEnds = effectiveTo.map { from <= $0 } ?? true
        return startsBeforeOtherEnds && otherStartsBeforeThisEnds
    }
}

/// A commission plan with its current draft and last approved version.
public struct CommissionPlan: Aggregate {
    public static let category = "commissionPlan"

    public enum Status: String, Codable, Hashable, Sendable, CaseIterable { case draft, approved }

    public var exists = false
    public var planId: ID?
    public var status: Status = .draft
    /// The version being drafted, or the approved version when approved.
    public var version: Int64 = 0
    /// The definition of ``version``.
    public var definition: CommissionPlanDefinition?
    public var approvedVersion: Int64?
    /// The terms accruals use (the last approved version), kept while a next version is drafted.
    public var approvedDefinition: CommissionPlanDefinition?
    public var assignments: [CommissionPlanAssignment] = []

    public init() {}

    public var stream: StreamRef? { planId.map { StreamRef(CommissionPlan.category, $0.description) } }

    /// The assignment of the plan to `payee` covering `date`, if any.
    public func assignment(for payee: CommissionPayee, on date: LocalDate) -> CommissionPlanAssignment? {
        assignments.first { $0.payee == payee && $0.covers(date) }
    }

    public mutating func apply(_ event: any DomainEvent) {
        switch event {
        case let e as CommissionPlanDrafted:
            exists = true
            planId = e.planId
            status = .draft
            version = 1
            definition = e.definition
        case let e as CommissionPlanRevised:
            for c in e.changes { definition?.set(c.field, c.after) }
        case is CommissionPlanApproved:
            status = .approved
            approvedVersion = version
            approvedDefinition = definition
        case is CommissionPlanResetToDraft:
            status = .draft
            version += 1
        case let e as CommissionPlanAssigned:
            assignments.append(
                CommissionPlanAssignment(
                    planVersion: e.planVersion,
                    payee: e.payee,
                    effectiveFrom: e.effectiveFrom,
                    effectiveTo: e.effectiveTo
                )
            )
        default:
            break
        }
    }
}
