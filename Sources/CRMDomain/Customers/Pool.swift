// Pools (公海 / 线索池) and their reclaim rules: catalogue §2.2 "Pool and ownership policy", POL-01..POL-05,
// stream `pool-<poolId>`. A pool holds either customers or leads (`entityType`); the customer commands use customer
// pools, the lead commands (LED-05/06) lead pools.

/// What a pool holds.
public enum PoolEntityType: String, Codable, Hashable, Sendable, CaseIterable { case lead, customer }

/// Claim rules of a pool (WK `preOwnerSetting`/`preOwnerSettingDay`, `receiveSetting`/`receiveNum`); `nil` = off.
public struct PoolClaimSettings: Codable, Hashable, Sendable {
    /// The former owner may not claim a record back within this many days of losing it.
    public let preOwnerCooldownDays: Int64?
    /// Most claims per member per UTC day in this pool (a batch counts per record).
    public let dailyClaimLimit: Int64?

    public init(preOwnerCooldownDays: Int64?, dailyClaimLimit: Int64?) {
        self.preOwnerCooldownDays = preOwnerCooldownDays
        self.dailyClaimLimit = dailyClaimLimit
    }

    public static let unlimited = PoolClaimSettings(preOwnerCooldownDays: nil, dailyClaimLimit: nil)
}

/// POL-01. A pool was defined.
public struct PoolDefined: DomainEvent {
    public static let eventType = "PoolDefined"
    public let poolId: ID
    public let name: String
    public let entityType: PoolEntityType
    public let adminIds: [ID]
    public let memberUserIds: [ID]
    public let memberDeptIds: [ID]
    public let claim: PoolClaimSettings
    /// Warn the owner this many days before a reclaim (WK `remindDay`); `nil` = no warning.
    public let remindDaysBefore: Int64?
    public let autoReclaim: Bool

    public init(
        poolId: ID,
        name: String,
        entityType: PoolEntityType,
        adminIds: [ID],
        memberUserIds: [ID],
        memberDeptIds: [ID],
        claim: PoolClaimSettings,
        remindDaysBefore: Int64?,
        autoReclaim: Bool
    ) {
        self.poolId = poolId
        self.name = name
        self.entityType = entityType
        self.adminIds = adminIds
        self.memberUserIds = memberUserIds
        self.memberDeptIds = memberDeptIds
        self.claim = claim
        self.remindDaysBefore = remindDaysBefore
        self.autoReclaim = autoReclaim
    }

    public func indexEntries(in stream: StreamRef) -> [IndexEntry] { [.claim(Pool.nameKey(name), owner: stream)] }
}

/// A pool setting (POL-02 `changes[].field`).
public enum PoolSetting: String, Codable, Hashable, Sendable, CaseIterable {
    case name, adminIds, memberUserIds, memberDeptIds, preOwnerCooldownDays, dailyClaimLimit, remindDaysBefore
    case autoReclaim
}

/// A typed pool setting value: `text` for the name, `ids` for admin and member lists, `number` for the limits
/// (`nil` = off), `flag` for autoReclaim.
public struct PoolSettingValue: Codable, Hashable, Sendable {
    public let text: String?
    public let ids: [ID]?
    public let number: Int64?
    public let flag: Bool?

    public init(text: String? = nil, ids: [ID]? = nil, number: Int64? = nil, flag: Bool? = nil) {
        self.text = text
        self.ids = ids
        self.number = number
        self.flag = flag
    }

    public static func text(_ s: String) -> PoolSettingValue { PoolSettingValue(text: s) }
    public static func ids(_ ids: [ID]) -> PoolSettingValue { PoolSettingValue(ids: ids) }
    public static func number(_ n: Int64?) -> PoolSettingValue { PoolSettingValue(number: n) }
    public static func flag(_ b: Bool) -> PoolSettingValue { PoolSettingValue(flag: b) }
}

/// One pool setting change, `{field, before, after}`.
public struct PoolSettingChange: Codable, Hashable, Sendable {
    public let field: PoolSetting
    public let before: PoolSettingValue
    public let after: PoolSettingValue

    public init(field: PoolSetting, before: PoolSettingValue, after: PoolSettingValue) {
        self.field = field
        self.before = before
        self.after = after
    }
}

/// POL-02. Pool settings changed.
public struct PoolSettingsChanged: DomainEvent {
    public static let eventType = "PoolSettingsChanged"
    public let changes: [PoolSettingChange]

    public init(changes: [PoolSettingChange]) { self.changes = changes }

    public func indexEntries(in stream: StreamRef) -> [IndexEntry] {
        var entries: [IndexEntry] = []
        for c in changes where c.field == .name {
            if let b = c.before.text { entries.append(.release(Pool.nameKey(b))) }
            if let a = c.after.text { entries.append(.claim(Pool.nameKey(a), owner: stream)) }
        }
        return entries
    }
}

/// POL-03. The pool was activated or deactivated; a deactivated pool stops claims and reclaim.
public struct PoolStatusChanged: DomainEvent {
    public static let eventType = "PoolStatusChanged"
    public let active: Bool

    public init(active: Bool) { self.active = active }
}

/// Reclaim days for one customer level.
public struct LevelLimitDays: Codable, Hashable, Sendable {
    public let level: String
    public let days: Int64

    public init(level: String, days: Int64) {
        self.level = level
        self.days = days
    }
}

/// POL-04. A reclaim rule was set (added or replaced) on a pool. Days: `perLevel` for the listed levels,
/// `limitDays` for every other level (all levels when `perLevel` is empty).
public struct PoolReclaimRuleSet: DomainEvent {
    public static let eventType = "PoolReclaimRuleSet"
    public let poolId: ID
    public let ruleId: ID
    public let ruleType: ReclaimRuleType
    public let limitDays: Int64?
    public let perLevel: [LevelLimitDays]
    /// Whether dealt customers may be reclaimed (WK `dealHandle`).
    public let includeDealt: Bool
    /// Whether customers with an opportunity may be reclaimed (WK `businessHandle`).
    public let includeWithOpportunities: Bool

    public init(
        poolId: ID,
        ruleId: ID,
        ruleType: ReclaimRuleType,
        limitDays: Int64?,
        perLevel: [LevelLimitDays],
        includeDealt: Bool,
        includeWithOpportunities: Bool
    ) {
        self.poolId = poolId
        self.ruleId = ruleId
        self.ruleType = ruleType
        self.limitDays = limitDays
        self.perLevel = perLevel
        self.includeDealt = includeDealt
        self.includeWithOpportunities = includeWithOpportunities
    }
}

/// POL-05. A reclaim rule was removed from a pool.
public struct PoolReclaimRuleRemoved: DomainEvent {
    public static let eventType = "PoolReclaimRuleRemoved"
    public let ruleId: ID

    public init(ruleId: ID) { self.ruleId = ruleId }
}

/// One reclaim rule of a pool (WK `PoolReclaimRule`).
public struct PoolReclaimRule: Hashable, Sendable {
    public var ruleId: ID
    public var ruleType: ReclaimRuleType
    public var limitDays: Int64?
    public var perLevel: [LevelLimitDays]
    public var includeDealt: Bool
    public var includeWithOpportunities: Bool

    public init(
        ruleId: ID,
        ruleType: ReclaimRuleType,
        limitDays: Int64?,
        perLevel: [LevelLimitDays] = [],
        includeDealt: Bool,
        includeWithOpportunities: Bool
    ) {
        self.ruleId = ruleId
        self.ruleType = ruleType
        self.limitDays = limitDays
        self.perLevel = perLevel
        self.includeDealt = includeDealt
        self.includeWithOpportunities = includeWithOpportunities
    }

    /// The reclaim days for a customer of `level`; `nil` when the rule has no days for it.
    public func limitDays(forLevel level: String) -> Int64? {
        perLevel.first { $0.level == level }?.days ?? limitDays
    }

    /// Every day count the rule uses.
    public var allDays: [Int64] { perLevel.map(\.days) + (limitDays.map { [$0] } ?? []) }
}

/// A pool: stream `pool-<poolId>`.
public struct Pool: Aggregate {
    public static let category = "pool"

    public var exists = false
    public var poolId: ID?
    public var name = ""
    public var entityType: PoolEntityType = .customer
    public var adminIds: [ID] = []
    public var memberUserIds: [ID] = []
    public var memberDeptIds: [ID] = []
    public var preOwnerCooldownDays: Int64?
    public var dailyClaimLimit: Int64?
    public var remindDaysBefore: Int64?
    public var autoReclaim = false
    public var active = false
    /// Reclaim rules in the order they were first set.
    public var rules: [PoolReclaimRule] = []

    public init() {}

    /// The unique pool name key.
    public static func nameKey(_ name: String) -> UniqueKey { UniqueKey(scope: "pool.name", value: name) }

    /// True when `user` is a member: listed, or in a member department or one of its sub-departments.
    public func isMember(_ user: ID, in org: Organisation) -> Bool {
        if memberUserIds.contains(user) { return true }
        guard let dept = org.users[user]?.departmentId else { return false }
        return memberDeptIds.contains { org.isDepartment(dept, within: $0) }
    }

    public func isAdmin(_ user: ID) -> Bool { adminIds.contains(user) }

    /// Every active member user, sorted (listed users and users of member departments).
    public func memberUsers(in org: Organisation) -> [ID] {
        org.users.values.filter { $0.active && isMember($0.id, in: org) }.map(\.id).sorted()
    }

    public func rule(_ ruleId: ID) -> PoolReclaimRule? { rules.first { $0.ruleId == ruleId } }

    /// The current value of a setting.
    public func value(of setting: PoolSetting) -> PoolSettingValue {
        switch setting {
        case .name: .text(name)
        case .adminIds: .ids(adminIds)
        case .memberUserIds: .ids(memberUserIds)
        case .memberDeptIds: .ids(memberDeptIds)
        case .preOwnerCooldownDays: .number(preOwnerCooldownDays)
        case .dailyClaimLimit: .number(dailyClaimLimit)
        case .remindDaysBefore: .number(remindDaysBefore)
        case .autoReclaim: .flag(autoReclaim)
        }
    }

    public mutating func apply(_ event: any DomainEvent) {
        switch event {
        case let e as PoolDefined:
            exists = true
            active = true
            poolId = e.poolId
            name = e.name
            entityType = e.entityType
            adminIds = e.adminIds
            memberUserIds = e.memberUserIds
            memberDeptIds = e.memberDeptIds
            preOwnerCooldownDays = e.claim.preOwnerCooldownDays
            dailyClaimLimit = e.claim.dailyClaimLimit
            remindDaysBefore = e.remindDaysBefore
            autoReclaim = e.autoReclaim
        case let e as PoolSettingsChanged:
            for c in e.changes {
                let v = c.after
                switch c.field {
                case .name: name = v.text ?? name
                case .adminIds: adminIds = v.ids ?? []
                case .memberUserIds: memberUserIds = v.ids ?? []
                case .memberDeptIds: memberDeptIds = v.ids ?? []
                case .preOwnerCooldownDays: preOwnerCooldownDays = v.number
                case .dailyClaimLimit: dailyClaimLimit = v.number
                case .remindDaysBefore: remindDaysBefore = v.number
                case .autoReclaim: autoReclaim = v.flag ?? autoReclaim
                }
            }
        case let e as PoolStatusChanged:
            active = e.active
        case let e as PoolReclaimRuleSet:
            let rule = PoolReclaimRule(
                ruleId: e.ruleId,
                ruleType: e.ruleType,
                limitDays: e.limitDays,
                perLevel: e.perLevel,
                includeDealt: e.includeDealt,
                includeWithOpportunities: e.includeWithOpportunities
            )
            if let i = rules.firstIndex(where: { $0.ruleId == e.ruleId }) {
                rules[i] = rule
            } else {
                rules.append(rule)
            }
        case let e as PoolReclaimRuleRemoved:
            rules.removeAll { $0.ruleId == e.ruleId }
        default:
            break
        }
    }
}
