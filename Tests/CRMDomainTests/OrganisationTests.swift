import CRMDomain
import Testing

@Suite struct OrganisationTests {
    let t0 = Timestamp(LocalDate(2026, 1, 5), hour: 9)
    let admin = ActorRef.system(job: "setup")

    @Test func onboardingNeedsAnExistingDepartment() throws {
        var store = InMemoryDomainStore()
        #expect(throws: Rejection.self) {
            try store.execute(
                OnboardUser(userId: ID(1), name: "Ada", departmentId: ID(99), roleIds: []),
                as: admin,
                at: t0
            )
        }
        do {
            try store.execute(
                OnboardUser(userId: ID(1), name: "Ada", departmentId: ID(99), roleIds: []),
                as: admin,
                at: t0
            )
        } catch {
            #expect(error.rule == "ACC-01.departmentExists")
            #expect(error.kind == .notFound)
        }
        #expect(store.log.isEmpty)
        try store.execute(DefineDepartment(deptId: ID(99), name: "Sales"), as: admin, at: t0)
        let out = try store.execute(
            OnboardUser(userId: ID(1), name: "Ada", departmentId: ID(99), roleIds: []),
            as: admin,
            at: t0
        )
        #expect(out.map(\.event.eventType) == ["UserOnboarded"])
        #expect(out.first?.stream.name == "user-\(ID(1))")
    }

    @Test func departmentParentCycleIsRejected() throws {
        var store = InMemoryDomainStore()
        try store.execute(DefineDepartment(deptId: ID(1), name: "HQ"), as: admin, at: t0)
        try store.execute(DefineDepartment(deptId: ID(2), parentDeptId: ID(1), name: "East"), as: admin, at: t0)
        do {
            try store.execute(DefineDepartment(deptId: ID(1), parentDeptId: ID(2), name: "HQ"), as: admin, at: t0)
            Issue.record("expected a rejection")
        } catch {
            #expect(error.rule == "ACC-03.noCycle")
        }
    }

    @Test func roleNamesAreUnique() throws {
        var store = InMemoryDomainStore()
        try store.execute(
            DefineRole(roleId: ID(1), name: "Sales rep", objectPermissions: [], dataScope: .self),
            as: admin,
            at: t0
        )
        do {
            try store.execute(
                DefineRole(roleId: ID(2), name: " sales REP", objectPermissions: [], dataScope: .self),
                as: admin,
                at: t0
            )
            Issue.record("expected a rejection")
        } catch {
            #expect(error.rule == "ACC-04.nameUnique")
        }
    }

    @Test func dataScopesReachOwnersAsTheRoleSays() throws {
        var store = InMemoryDomainStore()
        let rep = DefineRole(
            roleId: ID(10),
            name: "rep",
            objectPermissions: [ObjectPermission(object: .customer, actions: [.read, .edit])],
            dataScope: .self
        )
        let mgr = DefineRole(
            roleId: ID(11),
            name: "manager",
            objectPermissions: [ObjectPermission(object: .customer, actions: [.read, .edit])],
            dataScope: .selfAndSubordinates
        )
        try store.execute(rep, as: admin, at: t0)
        try store.execute(mgr, as: admin, at: t0)
        try store.execute(DefineDepartment(deptId: ID(1), name: "Sales"), as: admin, at: t0)
        try store.execute(
            OnboardUser(userId: ID(100), name: "Boss", departmentId: ID(1), roleIds: [ID(11)]),
            as: admin,
            at: t0
        )
        try store.execute(
            OnboardUser(userId: ID(101), name: "Rep", departmentId: ID(1), managerUserId: ID(100), roleIds: [ID(10)]),
            as: admin,
            at: t0
        )
        let org = store.organisation
        #expect(throws: Never.self) {
            try org.authorize(.user(ID(100)), .edit, on: .customer, owner: ID(101), rule: "t")
        }
        #expect(throws: Rejection.self) {
            try org.authorize(.user(ID(101)), .edit, on: .customer, owner: ID(100), rule: "t")
        }
        #expect(throws: Rejection.self) {
            try org.authorize(.user(ID(101)), .delete, on: .customer, owner: ID(101), rule: "t")
        }
        #expect(org.canRead(.user(ID(101)), object: .customer, owner: ID(101)))
        #expect(!org.canRead(.user(ID(101)), object: .customer, owner: ID(100)))
    }
}
