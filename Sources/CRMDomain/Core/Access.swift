/// The kinds of record that roles grant actions on.
public enum ObjectType: String, Codable, Hashable, Sendable, CaseIterable {
    case user, department, role, lead, customer, contact, pool, activity, pipeline, opportunity, contract, payment
    case invoice, approval, salesTarget, forecast, commissionPlan, commission, campaign, audienceList
    case messageTemplate, massSend, loyaltyProgram, member, card, ticket, slaPolicy, knowledgeArticle, reminder
    case workOrder, serviceAppointment, partRequest, lostReason, approvalFlow, sharingRule, tier, reward, store
    case earningRule, escalationRule, reminderRule, product
    case serviceTeam, workingCalendar
}

/// Actions a role can grant on an object (WukongCRM `BehaviorEnum` names where they exist).
public enum Action: String, Codable, Hashable, Sendable, CaseIterable {
    case read, create, edit, delete, transfer, export, putIntoPool, claim, distribute, lock, approve
    case moveBack, creditRate, adjustCommission, adjustPoints, publish, reviseClosed, editCompleted, merge, share
    case convert, assign, archive, void, refund, submit, sign, dispatch, escalate, close, reopen, list
}

/// Which owners' records a role reaches (§1.9).
public enum DataScope: String, Codable, Hashable, Sendable, CaseIterable, Comparable {
    case `self`, selfAndSubordinates, department, departmentAndChildren, all

    private var rank: Int {
        switch self {
        case .self: 0
        case .selfAndSubordinates: 1
        case .department: 2
        case .departmentAndChildren: 3
        case .all: 4
        }
    }

    public static func < (lhs: DataScope, rhs: DataScope) -> Bool { lhs.rank < rhs.rank }
}

/// Field-level access for a role.
public enum FieldAccess: String, Codable, Hashable, Sendable, CaseIterable, Comparable {
    case hidden, read, edit

    private var rank: Int {
        switch self {
        case .hidden: 0
        case .read: 1
        case .edit: 2
        }
    }

    public static func < (lhs: FieldAccess, rhs: FieldAccess) -> Bool { lhs.rank < rhs.rank }
}

/// Users, departments, roles, field permissions and record shares: the state every access check reads.
///
/// It is folded from the events of the organisation streams (``Organisation/categories``). Access checks:
/// ``authorize(_:_:on:owner:record:rule:)`` for actions, ``fieldAccess(_:object:field:)`` and
/// ``authorizeFields(_:_:on:rule:)`` for fields, ``canRead(_:object:owner:record:)`` to filter queries.
public struct Organisation: Hashable, Sendable {
    public static let categories: Set<String> = ["user", "department", "role", "sharingRule", "recordAccess"]

    public struct User: Hashable, Sendable {
        public var id: ID
        public var name: String
        public var departmentId: ID
        public var managerUserId: ID?
        public var roleIds: [ID]
        public var active: Bool
    }

    public struct Department: Hashable, Sendable {
        public var id: ID
        public var parentDeptId: ID?
        public var name: String
        public var managerUserId: ID?
    }

    public struct Role: Hashable, Sendable {
        public var id: ID
        public var name: String
        public var permissions: [ObjectType: Set<Action>]
        public var dataScope: DataScope
        public var systemLocked: Bool
    }

    public struct Share: Hashable, Sendable {
        public var access: ShareAccess
        public var expiresAt: Timestamp?
    }

    public var users: [ID: User] = [:]
    public var departments: [ID: Department] = [:]
    public var roles: [ID: Role] = [:]
    /// roleId → object → field → access.
    public var fieldPermissions: [ID: [ObjectType: [String: FieldAccess]]] = [:]
    /// record stream (`customer-<id>`) → grantee → share.
    public var shares: [StreamRef: [ID: Share]] = [:]
    public var sharingRules: [ID: SharingRuleDefined] = [:]

    public init() {}

    // MARK: Hierarchy

    /// True when `user` is `manager` or below `manager` in the reporting chain.
    public func isSubordinate(_ user: ID, of manager: ID) -> Bool {
        var current: ID? = user
        var seen = Set<ID>()
        while let c = current, seen.insert(c).inserted {
            if c == manager { return true }
            current = users[c]?.managerUserId
        }
        return false
    }

    /// True when `dept` is `ancestor` or one of its descendants.
    public func isDepartment(_ dept: ID, within ancestor: ID) -> Bool {
        var current: ID? = dept
        var seen = Set<ID>()
        while let c = current, seen.insert(c).inserted {
            if c == ancestor { return true }
            current = departments[c]?.parentDeptId
        }
        return false
    }

    /// The user's manager: `managerUserId`, else the manager of the user's department (if not the user).
    public func manager(of user: ID) -> ID? {
        guard let u = users[user] else { return nil }
        if let m = u.managerUserId { return m }
        if let dm = departments[u.departmentId]?.managerUserId, dm != user { return dm }
        return nil
    }

    public func isActiveUser(_ id: ID) -> Bool { users[id]?.active == true }

    // MARK: Access

    /// The widest data scope among the actor's roles that grant `action` on `object`, or `nil` if none does.
    public func scope(of userId: ID, _ action: Action, on object: ObjectType) -> DataScope? {
        guard let user = users[userId], user.active else { return nil }
        var best: DataScope?
        for rid in user.roleIds {
            guard let role = roles[rid], role.permissions[object]?.contains(action) == true else { continue }
            best = max(best ?? role.dataScope, role.dataScope)
        }
        return best
    }

    /// True when `scope`, held by `userId`, reaches records owned by `owner`.
    public func scope(_ scope: DataScope, of userId: ID, reaches owner: ID) -> Bool {
        guard let me = users[userId] else { return false }
        switch scope {
        case .all: return true
        case .self: return owner == userId
        case .selfAndSubordinates: return isSubordinate(owner, of: userId)
        case .department: return users[owner]?.departmentId == me.departmentId
        case .departmentAndChildren:
            guard let od = users[owner]?.departmentId else { return false }
            return isDepartment(od, within: me.departmentId)
        }
    }

    /// Checks `action` on `object` for `actor`. With an `owner`, the record must be in the data scope of a role
    /// granting the action, or shared with the actor (read for `read`, readWrite for anything else).
    public func authorize(
        _ actor: ActorRef,
        _ action: Action,
        on object: ObjectType,
        owner: ID? = nil,
        record: StreamRef? = nil,
        rule: String
    ) throws(Rejection) {
        if actor.isSystem { return }
        guard let uid = actor.userId else {
            throw .accessDenied(rule, actor: actor, action: action, object: object, reason: "no user id")
        }
        guard let user = users[uid] else {
            throw .accessDenied(rule, actor: actor, action: action, object: object, reason: "unknown user")
        }
        guard user.active else {
            throw .accessDenied(rule, actor: actor, action: action, object: object, reason: "user is offboarded")
        }
        if let record, let share = shares[record]?[uid] {
            let ok = action == .read || share.access == .readWrite
            if ok && (action == .read || action == .edit) { return }
        }
        guard let scope = scope(of: uid, action, on: object) else {
            throw .accessDenied(rule, actor: actor, action: action, object: object, reason: "no role grants it")
        }
        if let owner, !self.scope(scope, of: uid, reaches: owner) {
            throw .accessDenied(
                rule,
                actor: actor,
                action: action,
                object: object,
                reason: "record owned by \(owner) is outside data scope '\(scope.rawValue)'"
            )
        }
    }

    /// Query filter: whether `actor` may read a record of `object` owned by `owner` (or unowned, `nil`).
    public func canRead(_ actor: ActorRef, object: ObjectType, owner: ID?, record: StreamRef? = nil) -> Bool {
        (try? authorize(actor, .read, on: object, owner: owner, record: record, rule: "ACC.read")) != nil
    }

    /// The most permissive access among the actor's roles for `field`; `edit` when no role restricts it.
    public func fieldAccess(_ actor: ActorRef, object: ObjectType, field: String) -> FieldAccess {
        if actor.isSystem { return .edit }
        guard let uid = actor.userId, let user = users[uid] else { return .hidden }
        var best: FieldAccess?
        for rid in user.roleIds {
            let level = fieldPermissions[rid]?[object]?[field] ?? .edit
            best = max(best ?? level, level)
        }
        return best ?? .edit
    }

    /// Throws ``Rejection/Kind/fieldAccessDenied`` for the first field in `fields` that is not editable.
    public func authorizeFields(_ actor: ActorRef, _ fields: [String], on object: ObjectType, rule: String)
        throws(Rejection)
    {
        for f in fields {
            let a = fieldAccess(actor, object: object, field: f)
            if a != .edit {
                throw Rejection(
                    kind: .fieldAccessDenied,
                    rule: rule,
                    message: "\(actor) may not edit field '\(f)' of \(object.rawValue): access is \(a.rawValue)",
                    values: ["field": f, "object": object.rawValue, "access": a.rawValue]
                )
            }
        }
    }

    /// Fields of `object` visible to `actor` among `fields` (hidden ones removed), for query results and exports.
    public func visibleFields(_ actor: ActorRef, object: ObjectType, fields: [String]) -> [String] {
        fields.filter { fieldAccess(actor, object: object, field: $0) != .hidden }
    }
}
