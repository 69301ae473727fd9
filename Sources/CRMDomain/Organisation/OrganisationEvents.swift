// Events of catalogue §2.1 (organisation and access). Streams: user-<id>, department-<id>, role-<id>,
// sharingRule-<id>, recordAccess-<entityType>:<entityId>.

/// ACC-01.
public struct UserOnboarded: DomainEvent {
    public static let eventType = "UserOnboarded"
    /// v2: `roleIds` (v1 had one optional `roleId`) and `managerUserId`; see ``UserOnboardedV1Upcaster``.
    public static let schemaVersion = 2
    public let userId: ID
    public let name: String
    public let departmentId: ID
    public let managerUserId: ID?
    public let roleIds: [ID]

    public init(userId: ID, name: String, departmentId: ID, managerUserId: ID?, roleIds: [ID]) {
        self.userId = userId
        self.name = name
        self.departmentId = departmentId
        self.managerUserId = managerUserId
        self.roleIds = roleIds
    }
}

/// ACC-02.
public struct UserOffboarded: DomainEvent {
    public static let eventType = "UserOffboarded"
    public let userId: ID
    public let successorUserId: ID?
    public let at: Timestamp

    public init(userId: ID, successorUserId: ID?, at: Timestamp) {
        self.userId = userId
        self.successorUserId = successorUserId
        self.at = at
    }
}

/// ACC-03.
public struct DepartmentDefined: DomainEvent {
    public static let eventType = "DepartmentDefined"
    public let deptId: ID
    public let parentDeptId: ID?
    public let name: String
    public let managerUserId: ID?

    public init(deptId: ID, parentDeptId: ID?, name: String, managerUserId: ID?) {
        self.deptId = deptId
        self.parentDeptId = parentDeptId
        self.name = name
        self.managerUserId = managerUserId
    }
}

/// One object's granted actions in a role.
public struct ObjectPermission: Codable, Hashable, Sendable {
    public let object: ObjectType
    public let actions: [Action]

    public init(object: ObjectType, actions: [Action]) {
        self.object = object
        self.actions = actions
    }
}

/// ACC-04.
public struct RoleDefined: DomainEvent {
    public static let eventType = "RoleDefined"
    public let roleId: ID
    public let name: String
    public let objectPermissions: [ObjectPermission]
    public let dataScope: DataScope
    public let systemLocked: Bool

    public init(
        roleId: ID,
        name: String,
        objectPermissions: [ObjectPermission],
        dataScope: DataScope,
        systemLocked: Bool
    ) {
        self.roleId = roleId
        self.name = name
        self.objectPermissions = objectPermissions
        self.dataScope = dataScope
        self.systemLocked = systemLocked
    }

    public func indexEntries(in stream: StreamRef) -> [IndexEntry] {
        [.claim(UniqueKey(scope: "role.name", value: name), owner: stream)]
    }
}

/// One change of a role's permissions.
public struct RolePermissionChange: Codable, Hashable, Sendable {
    public enum Kind: String, Codable, Hashable, Sendable, CaseIterable { case grant, revoke, setDataScope }
    public let kind: Kind
    public let object: ObjectType?
    public let actions: [Action]
    public let dataScope: DataScope?

    public init(kind: Kind, object: ObjectType?, actions: [Action], dataScope: DataScope?) {
        self.kind = kind
        self.object = object
        self.actions = actions
        self.dataScope = dataScope
    }
}

/// ACC-05.
public struct RolePermissionsChanged: DomainEvent {
    public static let eventType = "RolePermissionsChanged"
    public let roleId: ID
    public let changes: [RolePermissionChange]

    public init(roleId: ID, changes: [RolePermissionChange]) {
        self.roleId = roleId
        self.changes = changes
    }
}

/// ACC-06.
public struct FieldPermissionSet: DomainEvent {
    public enum Mask: String, Codable, Hashable, Sendable, CaseIterable { case none, inList, everywhere }
    public static let eventType = "FieldPermissionSet"
    public let roleId: ID
    public let object: ObjectType
    public let field: String
    public let access: FieldAccess
    public let mask: Mask

    public init(roleId: ID, object: ObjectType, field: String, access: FieldAccess, mask: Mask) {
        self.roleId = roleId
        self.object = object
        self.field = field
        self.access = access
        self.mask = mask
    }
}

/// ACC-07.
public struct UserRolesChanged: DomainEvent {
    public static let eventType = "UserRolesChanged"
    public let userId: ID
    public let added: [ID]
    public let removed: [ID]

    public init(userId: ID, added: [ID], removed: [ID]) {
        self.userId = userId
        self.added = added
        self.removed = removed
    }
}

/// Who a sharing rule or share grants access to.
public struct Grantee: Codable, Hashable, Sendable {
    public enum Kind: String, Codable, Hashable, Sendable, CaseIterable { case user, role, dept, group }
    public let kind: Kind
    public let id: ID

    public init(kind: Kind, id: ID) {
        self.kind = kind
        self.id = id
    }
}

/// A sharing rule's record match: records owned by a group, or records meeting field criteria.
public struct SharingMatch: Codable, Hashable, Sendable {
    public enum Kind: String, Codable, Hashable, Sendable, CaseIterable { case ownerGroup, criteria }
    public let kind: Kind
    public let ownerGroup: Grantee?
    public let criteria: [FieldCriterion]

    public init(kind: Kind, ownerGroup: Grantee?, criteria: [FieldCriterion]) {
        self.kind = kind
        self.ownerGroup = ownerGroup
        self.criteria = criteria
    }
}

/// A field condition: `field op value`.
public struct FieldCriterion: Codable, Hashable, Sendable {
    public enum Op: String, Codable, Hashable, Sendable, CaseIterable {
        case equals, notEquals, contains, greaterThan, lessThan
    }
    public let field: String
    public let op: Op
    public let value: String

    public init(field: String, op: Op, value: String) {
        self.field = field
        self.op = op
        self.value = value
    }
}

/// `read` or `edit` for sharing rules.
public enum RuleAccess: String, Codable, Hashable, Sendable, CaseIterable { case read, edit }

/// ACC-08.
public struct SharingRuleDefined: DomainEvent {
    public static let eventType = "SharingRuleDefined"
    public let ruleId: ID
    public let object: ObjectType
    public let match: SharingMatch
    public let grantee: Grantee
    public let access: RuleAccess

    public init(ruleId: ID, object: ObjectType, match: SharingMatch, grantee: Grantee, access: RuleAccess) {
        self.ruleId = ruleId
        self.object = object
        self.match = match
        self.grantee = grantee
        self.access = access
    }
}

/// `read` or `readWrite` on a shared record.
public enum ShareAccess: String, Codable, Hashable, Sendable, CaseIterable { case read, readWrite }

/// ACC-09.
public struct RecordShared: DomainEvent {
    public enum Reason: String, Codable, Hashable, Sendable, CaseIterable { case teamMember, manual, transferRetention }
    public static let eventType = "RecordShared"
    public let entityType: ObjectType
    public let entityId: ID
    public let granteeUserId: ID
    public let access: ShareAccess
    public let expiresAt: Timestamp?
    public let reason: Reason

    public init(
        entityType: ObjectType,
        entityId: ID,
        granteeUserId: ID,
        access: ShareAccess,
        expiresAt: Timestamp?,
        reason: Reason
    ) {
        self.entityType = entityType
        self.entityId = entityId
        self.granteeUserId = granteeUserId
        self.access = access
        self.expiresAt = expiresAt
        self.reason = reason
    }
}

/// ACC-10.
public struct RecordShareRevoked: DomainEvent {
    public enum Reason: String, Codable, Hashable, Sendable, CaseIterable { case expired, manual }
    public static let eventType = "RecordShareRevoked"
    public let entityType: ObjectType
    public let entityId: ID
    public let granteeUserId: ID
    public let reason: Reason

    public init(entityType: ObjectType, entityId: ID, granteeUserId: ID, reason: Reason) {
        self.entityType = entityType
        self.entityId = entityId
        self.granteeUserId = granteeUserId
        self.reason = reason
    }
}

/// ACC-11.
public struct RecordsExported: DomainEvent {
    public static let eventType = "RecordsExported"
    public let entityType: ObjectType
    public let filter: [FieldCriterion]
    public let fieldList: [String]
    public let rowCount: Int64

    public init(entityType: ObjectType, filter: [FieldCriterion], fieldList: [String], rowCount: Int64) {
        self.entityType = entityType
        self.filter = filter
        self.fieldList = fieldList
        self.rowCount = rowCount
    }
}

extension ObjectType {
    /// The stream category of records of this type (`customer`, `opportunity`, ...).
    public var category: String { rawValue }
}

extension StreamRef {
    /// The stream holding the shares of one record: `recordAccess-customer:7f3a…`.
    public static func recordAccess(_ type: ObjectType, _ id: ID) -> StreamRef {
        StreamRef("recordAccess", "\(type.rawValue):\(id)")
    }
}

extension Organisation {
    /// Folds an organisation event; other events are ignored.
    public mutating func apply(_ event: any DomainEvent) {
        switch event {
        case let e as UserOnboarded:
            users[e.userId] = User(
                id: e.userId,
                name: e.name,
                departmentId: e.departmentId,
                managerUserId: e.managerUserId,
                roleIds: e.roleIds,
                active: true
            )
        case let e as UserOffboarded:
            users[e.userId]?.active = false
        case let e as DepartmentDefined:
            departments[e.deptId] = Department(
                id: e.deptId,
                parentDeptId: e.parentDeptId,
                name: e.name,
                managerUserId: e.managerUserId
            )
        case let e as RoleDefined:
            var perms: [ObjectType: Set<Action>] = [:]
            for p in e.objectPermissions { perms[p.object, default: []].formUnion(p.actions) }
            roles[e.roleId] = Role(
                id: e.roleId,
                name: e.name,
                permissions: perms,
                dataScope: e.dataScope,
                systemLocked: e.systemLocked
            )
        case let e as RolePermissionsChanged:
            guard var role = roles[e.roleId] else { return }
            for c in e.changes {
                switch c.kind {
                case .grant: if let o = c.object { role.permissions[o, default: []].formUnion(c.actions) }
                case .revoke: if let o = c.object { role.permissions[o]?.subtract(c.actions) }
                case .setDataScope: if let s = c.dataScope { role.dataScope = s }
                }
            }
            roles[e.roleId] = role
        case let e as FieldPermissionSet:
            fieldPermissions[e.roleId, default: [:]][e.object, default: [:]][e.field] = e.access
        case let e as UserRolesChanged:
            guard var u = users[e.userId] else { return }
            u.roleIds.removeAll { e.removed.contains($0) }
            for r in e.added where !u.roleIds.contains(r) { u.roleIds.append(r) }
            users[e.userId] = u
        case let e as SharingRuleDefined:
            sharingRules[e.ruleId] = e
        case let e as RecordShared:
            shares[StreamRef(e.entityType.category, e.entityId.description), default: [:]][e.granteeUserId] = Share(
                access: e.access,
                expiresAt: e.expiresAt
            )
        case let e as RecordShareRevoked:
            shares[StreamRef(e.entityType.category, e.entityId.description)]?[e.granteeUserId] = nil
        default:
            break
        }
    }
}
