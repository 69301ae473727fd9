// Commands of catalogue §2.1 (organisation and access) for roles, field permissions, user roles, sharing rules
// and exports: ACC-05, ACC-06, ACC-07, ACC-08, ACC-11. Offboarding (ACC-02) and record shares (ACC-09/10) are in
// OrganisationCommands+Records.swift. The events are in OrganisationEvents.swift.

/// ACC-05: grant or revoke actions on objects of a role, or change its data scope.
public struct ChangeRolePermissions: Command {
    public let roleId: ID
    public let changes: [RolePermissionChange]

    public init(roleId: ID, changes: [RolePermissionChange]) {
        self.roleId = roleId
        self.changes = changes
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        try d.authorize(.edit, on: .role, rule: "ACC-05.perm")
        guard !changes.isEmpty else { throw .missing("ACC-05.changes", field: "changes") }
        for (i, c) in changes.enumerated() {
            switch c.kind {
            case .grant, .revoke:
                guard c.object != nil else { throw .missing("ACC-05.changes", field: "changes[\(i)].object") }
                guard !c.actions.isEmpty else { throw .missing("ACC-05.changes", field: "changes[\(i)].actions") }
                guard c.dataScope == nil else {
                    throw .invalidInput(
                        "ACC-05.changes",
                        field: "changes[\(i)].dataScope",
                        "a \(c.kind.rawValue) change carries no data scope; use a separate setDataScope change"
                    )
                }
            case .setDataScope:
                guard c.dataScope != nil else { throw .missing("ACC-05.changes", field: "changes[\(i)].dataScope") }
                guard c.object == nil, c.actions.isEmpty else {
                    throw .invalidInput(
                        "ACC-05.changes",
                        field: "changes[\(i)]",
                        "a setDataScope change carries no object or actions; use separate grant/revoke changes"
                    )
                }
            }
        }
        let org = d.organisation
        guard let role = org.roles[roleId] else { throw .notFound("ACC-05.roleExists", "role", id: roleId) }
        guard !role.systemLocked else {
            throw .invalidState(
                "ACC-05.systemLocked",
                "role '\(role.name)' (\(roleId)) is system-locked and its permissions cannot change; define a new role "
                    + "and assign it instead",
                ["roleId": roleId.description, "name": role.name]
            )
        }
        let event = RolePermissionsChanged(roleId: roleId, changes: changes)
        var after = org
        after.apply(event)
        guard after.roles[roleId] != role else {
            throw .invalidInput(
                "ACC-05.changes",
                field: "changes",
                "the changes leave role '\(role.name)' (\(roleId)) as it is; grant actions it lacks, revoke actions it "
                    + "has or set a different data scope"
            )
        }
        d.emit(event, to: StreamRef("role", roleId.description))
    }
}

/// ACC-06: set a role's access level (and masking) for one field of an object.
public struct SetFieldPermission: Command {
    public let roleId: ID
    public let object: ObjectType
    public let field: String
    public let access: FieldAccess
    public let mask: FieldPermissionSet.Mask

    public init(
        roleId: ID,
        object: ObjectType,
        field: String,
        access: FieldAccess,
        mask: FieldPermissionSet.Mask = .none
    ) {
        self.roleId = roleId
        self.object = object
        self.field = field
        self.access = access
        self.mask = mask
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        try d.authorize(.edit, on: .role, rule: "ACC-06.perm")
        try Rejection.require(field, "ACC-06.field", field: "field")
        guard d.organisation.roles[roleId] != nil else { throw .notFound("ACC-06.roleExists", "role", id: roleId) }
        guard let spec = FieldCatalog.spec(object, field) else {
            let known = FieldCatalog.fields(of: object).map(\.name)
            throw Rejection(
                kind: .notFound,
                rule: "ACC-06.fieldExists",
                message: known.isEmpty
                    ? "\(object.rawValue) has no configurable fields, so '\(field)' cannot get a field permission"
                    : "\(object.rawValue) has no field '\(field)'; configurable fields are "
                        + known.joined(separator: ", "),
                values: ["object": object.rawValue, "field": field]
            )
        }
        guard spec.levels.contains(access) else {
            let allowed = spec.levels.sorted().map(\.rawValue).joined(separator: ", ")
            throw .violated(
                "ACC-06.levelAllowed",
                "field \(object.rawValue).\(field) may be set to \(allowed) only, not \(access.rawValue)",
                ["object": object.rawValue, "field": field, "access": access.rawValue, "allowed": allowed]
            )
        }
        if mask != .none {
            guard spec.maskable else {
                throw .violated(
                    "ACC-06.levelAllowed",
                    "field \(object.rawValue).\(field) cannot be masked; use mask none",
                    ["object": object.rawValue, "field": field, "mask": mask.rawValue]
                )
            }
            guard access != .hidden else {
                throw .invalidInput(
                    "ACC-06.mask",
                    field: "mask",
                    "a hidden field shows nothing to mask; use mask none with access hidden, or access read/edit"
                )
            }
        }
        d.emit(
            FieldPermissionSet(roleId: roleId, object: object, field: field, access: access, mask: mask),
            to: StreamRef("role", roleId.description)
        )
    }
}

/// ACC-07: add roles to and remove roles from an active user.
public struct ChangeUserRoles: Command {
    public let userId: ID
    public let added: [ID]
    public let removed: [ID]

    public init(userId: ID, added: [ID] = [], removed: [ID] = []) {
        self.userId = userId
        self.added = added
        self.removed = removed
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        try d.authorize(.edit, on: .user, rule: "ACC-07.perm")
        guard !added.isEmpty || !removed.isEmpty else {
            throw .invalidInput("ACC-07.changes", field: "added/removed", "name at least one role to add or remove")
        }
        guard Set(added).count == added.count, Set(removed).count == removed.count,
            Set(added).isDisjoint(with: removed)
        else {
            throw .invalidInput("ACC-07.changes", field: "added/removed", "list each role once, in added or removed")
        }
        let org = d.organisation
        guard let user = org.users[userId] else { throw .notFound("ACC-07.userExists", "user", id: userId) }
        guard user.active else {
            throw .invalidState(
                "ACC-07.userActive",
                "user \(user.name) (\(userId)) is offboarded; roles of offboarded users cannot change",
                ["userId": userId.description]
            )
        }
        for r in added {
            guard org.roles[r] != nil else { throw .notFound("ACC-07.roleExists", "role", id: r) }
            guard !user.roleIds.contains(r) else {
                throw .invalidInput("ACC-07.changes", field: "added", "user \(userId) already holds role \(r)")
            }
        }
        for r in removed where !user.roleIds.contains(r) {
            throw .invalidInput("ACC-07.changes", field: "removed", "user \(userId) does not hold role \(r)")
        }
        let remaining = user.roleIds.filter { !removed.contains($0) } + added
        guard !remaining.isEmpty else {
            throw .violated(
                "ACC-07.oneRoleRemains",
                "removing \(removed.count) role(s) would leave user \(user.name) (\(userId)) without any role; add a "
                    + "role in the same change",
                ["userId": userId.description, "removed": removed.map(\.description).joined(separator: ",")]
            )
        }
        d.emit(
            UserRolesChanged(userId: userId, added: added, removed: removed),
            to: StreamRef("user", userId.description)
        )
    }
}

/// ACC-08: define (or replace) a sharing rule that opens records of an object to a grantee.
///
/// Grantee kinds: `user`, `role` (every user holding it), `dept` (the department's users) and `group` (the
/// department's users and those of all its sub-departments, like Salesforce's "role and subordinates").
public struct DefineSharingRule: Command {
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

    public func decide(_ d: inout Decision) throws(Rejection) {
        try d.authorize(.create, on: .sharingRule, rule: "ACC-08.perm")
        let org = d.organisation
        switch match.kind {
        case .ownerGroup:
            guard let group = match.ownerGroup else { throw .missing("ACC-08.match", field: "match.ownerGroup") }
            guard match.criteria.isEmpty else {
                throw .invalidInput("ACC-08.match", field: "match.criteria", "an ownerGroup match has no criteria")
            }
            guard org.granteeExists(group) else {
                throw .notFound("ACC-08.ownerGroupExists", group.kind.rawValue, id: group.id)
            }
        case .criteria:
            guard !match.criteria.isEmpty else { throw .missing("ACC-08.match", field: "match.criteria") }
            guard match.ownerGroup == nil else {
                throw .invalidInput("ACC-08.match", field: "match.ownerGroup", "a criteria match has no owner group")
            }
            for (i, c) in match.criteria.enumerated() {
                try Rejection.require(c.value, "ACC-08.match", field: "match.criteria[\(i)].value")
                guard FieldCatalog.spec(object, c.field) != nil else {
                    throw Rejection(
                        kind: .notFound,
                        rule: "ACC-08.criteriaFieldExists",
                        message: "criterion \(i) names field '\(c.field)', which \(object.rawValue) does not have; "
                            + "fields: " + FieldCatalog.fields(of: object).map(\.name).joined(separator: ", "),
                        values: ["object": object.rawValue, "field": c.field]
                    )
                }
            }
        }
        guard org.granteeExists(grantee) else {
            throw .notFound("ACC-08.granteeExists", grantee.kind.rawValue, id: grantee.id)
        }
        let needed: Action = access == .read ? .read : .edit
        if let lacking = org.firstMemberLacking(needed, on: object, in: grantee) {
            throw .violated(
                "ACC-08.accessWithinGranteePermission",
                "the rule grants \(access.rawValue) on \(object.rawValue) to \(grantee.kind.rawValue) \(grantee.id), "
                    + "but \(lacking) has no \(needed.rawValue) permission on \(object.rawValue); grant it by role "
                    + "first or share with read access",
                ["grantee": grantee.id.description, "lacking": lacking, "access": access.rawValue]
            )
        }
        d.emit(
            SharingRuleDefined(ruleId: ruleId, object: object, match: match, grantee: grantee, access: access),
            to: StreamRef("sharingRule", ruleId.description)
        )
    }
}

/// ACC-11: record that the actor exported records; hidden fields are dropped from the exported field list.
///
/// The export itself runs on a read model; this command checks the permission and records what left the system.
/// Fields the actor may not see are removed from `fieldList` (the event lists the fields actually exported);
/// filtering on a hidden field is refused, because the result would reveal the hidden values.
public struct RecordExport: Command {
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

    public func decide(_ d: inout Decision) throws(Rejection) {
        try d.authorize(.export, on: entityType, rule: "ACC-11.perm")
        guard let userId = d.actor.userId else {
            throw .invalidInput(
                "ACC-11.actor",
                field: "actor",
                "exports are recorded against the exporting user; run the export as a user or an integration"
            )
        }
        guard !fieldList.isEmpty else { throw .missing("ACC-11.fieldList", field: "fieldList") }
        guard Set(fieldList).count == fieldList.count else {
            throw .invalidInput("ACC-11.fieldList", field: "fieldList", "lists a field more than once")
        }
        guard rowCount >= 0 else {
            throw .invalidInput("ACC-11.rowCount", field: "rowCount", "must be 0 or more, got \(rowCount)")
        }
        let known = FieldCatalog.fields(of: entityType).map(\.name)
        if !known.isEmpty {
            for f in fieldList + filter.map(\.field) where !known.contains(f) {
                throw .invalidInput(
                    "ACC-11.fieldExists",
                    field: f,
                    "\(entityType.rawValue) has no field '\(f)'; fields: " + known.joined(separator: ", ")
                )
            }
        }
        let org = d.organisation
        for c in filter where org.fieldAccess(d.actor, object: entityType, field: c.field) == .hidden {
            throw Rejection(
                kind: .fieldAccessDenied,
                rule: "ACC-11.hiddenFields",
                message: "\(d.actor) may not filter \(entityType.rawValue) exports on hidden field '\(c.field)'; "
                    + "remove the criterion",
                values: ["field": c.field, "object": entityType.rawValue, "access": FieldAccess.hidden.rawValue]
            )
        }
        let visible = org.visibleFields(d.actor, object: entityType, fields: fieldList)
        guard !visible.isEmpty else {
            throw Rejection(
                kind: .fieldAccessDenied,
                rule: "ACC-11.hiddenFields",
                message: "every requested field of \(entityType.rawValue) is hidden for \(d.actor): "
                    + fieldList.joined(separator: ", ") + "; nothing can be exported",
                values: ["object": entityType.rawValue, "fields": fieldList.joined(separator: ",")]
            )
        }
        d.emit(
            RecordsExported(entityType: entityType, filter: filter, fieldList: visible, rowCount: rowCount),
            to: StreamRef("user", userId.description)
        )
    }
}

// MARK: - Grantee resolution

extension Organisation {
    /// True when the user, role or department a grantee names exists (users must also be active).
    public func granteeExists(_ g: Grantee) -> Bool {
        switch g.kind {
        case .user: return isActiveUser(g.id)
        case .role: return roles[g.id] != nil
        case .dept, .group: return departments[g.id] != nil
        }
    }

    /// The active users a grantee stands for, sorted by id: the user; the holders of the role; the department's
    /// users (`dept`); or the users of the department and all its sub-departments (`group`).
    public func members(of g: Grantee) -> [ID] {
        let active = users.values.filter(\.active)
        let ids: [ID]
        switch g.kind {
        case .user: ids = isActiveUser(g.id) ? [g.id] : []
        case .role: ids = active.filter { $0.roleIds.contains(g.id) }.map(\.id)
        case .dept: ids = active.filter { $0.departmentId == g.id }.map(\.id)
        case .group: ids = active.filter { isDepartment($0.departmentId, within: g.id) }.map(\.id)
        }
        return ids.sorted()
    }

    /// The first grantee member (or the role itself) without `action` on `object`, described for a message;
    /// `nil` when every member has it.
    func firstMemberLacking(_ action: Action, on object: ObjectType, in g: Grantee) -> String? {
        if g.kind == .role {
            guard let role = roles[g.id] else { return "role \(g.id)" }
            return role.permissions[object]?.contains(action) == true ? nil : "role '\(role.name)' (\(g.id))"
        }
        for u in members(of: g) where scope(of: u, action, on: object) == nil {
            return "user \(users[u]?.name ?? "") (\(u))"
        }
        return nil
    }
}
