// Commands of catalogue §2.1 (organisation and access).

/// ACC-03: define a department (or redefine its name, parent and manager).
public struct DefineDepartment: Command {
    public let deptId: ID
    public let parentDeptId: ID?
    public let name: String
    public let managerUserId: ID?

    public init(deptId: ID, parentDeptId: ID? = nil, name: String, managerUserId: ID? = nil) {
        self.deptId = deptId
        self.parentDeptId = parentDeptId
        self.name = name
        self.managerUserId = managerUserId
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        try d.authorize(.create, on: .department, rule: "ACC-03.perm")
        try Rejection.require(name, "ACC-03.name", field: "name")
        let org = d.organisation
        if let parent = parentDeptId {
            guard org.departments[parent] != nil else {
                throw .notFound("ACC-03.parentExists", "department", id: parent)
            }
            try Rejection.ensure(
                !org.isDepartment(parent, within: deptId),
                "ACC-03.noCycle",
                "department \(deptId) cannot sit under \(parent): that makes a cycle",
                ["deptId": deptId.description, "parentDeptId": parent.description]
            )
        }
        if let m = managerUserId, !org.isActiveUser(m) {
            throw .notFound("ACC-03.managerActive", "user", id: m)
        }
        d.emit(
            DepartmentDefined(deptId: deptId, parentDeptId: parentDeptId, name: name, managerUserId: managerUserId),
            to: StreamRef("department", deptId.description)
        )
    }
}

/// ACC-01: onboard a user into a department with roles.
public struct OnboardUser: Command {
    public let userId: ID
    public let name: String
    public let departmentId: ID
    public let managerUserId: ID?
    public let roleIds: [ID]

    public init(userId: ID, name: String, departmentId: ID, managerUserId: ID? = nil, roleIds: [ID]) {
        self.userId = userId
        self.name = name
        self.departmentId = departmentId
        self.managerUserId = managerUserId
        self.roleIds = roleIds
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        try d.authorize(.create, on: .user, rule: "ACC-01.perm")
        try Rejection.require(name, "ACC-01.name", field: "name")
        let org = d.organisation
        guard org.users[userId] == nil else { throw .alreadyExists("ACC-01.userIdUnique", "user", userId) }
        guard org.departments[departmentId] != nil else {
            throw .notFound("ACC-01.departmentExists", "department", id: departmentId)
        }
        for r in roleIds where org.roles[r] == nil { throw .notFound("ACC-01.roleExists", "role", id: r) }
        if let m = managerUserId {
            guard org.isActiveUser(m) else { throw .notFound("ACC-01.managerActive", "user", id: m) }
            try Rejection.ensure(
                m != userId && !org.isSubordinate(m, of: userId),
                "ACC-01.noManagerCycle",
                "manager \(m) of user \(userId) makes a cycle in the manager chain",
                ["userId": userId.description, "managerUserId": m.description]
            )
        }
        d.emit(
            UserOnboarded(
                userId: userId,
                name: name,
                departmentId: departmentId,
                managerUserId: managerUserId,
                roleIds: roleIds
            ),
            to: StreamRef("user", userId.description)
        )
    }
}

/// ACC-04: define a role with object permissions and a data scope.
public struct DefineRole: Command {
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
        systemLocked: Bool = false
    ) {
        self.roleId = roleId
        self.name = name
        self.objectPermissions = objectPermissions
        self.dataScope = dataScope
        self.systemLocked = systemLocked
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        try d.authorize(.create, on: .role, rule: "ACC-04.perm")
        try Rejection.require(name, "ACC-04.name", field: "name")
        guard d.organisation.roles[roleId] == nil else { throw .alreadyExists("ACC-04.roleIdUnique", "role", roleId) }
        if let owner = d.lookup(UniqueKey(scope: "role.name", value: name)) {
            throw .violated("ACC-04.nameUnique", "role name '\(name)' is already used by \(owner)", ["name": name])
        }
        d.emit(
            RoleDefined(
                roleId: roleId,
                name: name,
                objectPermissions: objectPermissions,
                dataScope: dataScope,
                systemLocked: systemLocked
            ),
            to: StreamRef("role", roleId.description)
        )
    }
}
