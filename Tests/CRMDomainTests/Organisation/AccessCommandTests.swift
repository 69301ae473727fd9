import CRMDomain
import Testing

@Suite struct RolePermissionTests {
    typealias W = LeadsWorld

    @Test func aRoleGainsAndLosesActionsAndChangesItsScope() throws {
        var w = W()
        let changes = [
            RolePermissionChange(kind: .grant, object: .lead, actions: [.export, .assign], dataScope: nil),
            RolePermissionChange(kind: .revoke, object: .lead, actions: [.putIntoPool], dataScope: nil),
            RolePermissionChange(kind: .setDataScope, object: nil, actions: [], dataScope: .department),
        ]
        let events = try w.run(ChangeRolePermissions(roleId: W.repRole, changes: changes), as: W.adminActor)
        #expect(W.same(events, [RolePermissionsChanged(roleId: W.repRole, changes: changes)]))
        let role = try #require(w.store.organisation.roles[W.repRole])
        #expect(role.dataScope == .department)
        #expect(role.permissions[.lead] == [.read, .create, .edit, .claim, .convert, .share, .export, .assign])
        #expect(w.store.organisation.canRead(W.repActor, object: .lead, owner: W.rep2))
    }

    @Test func changesAreWellFormedAndChangeSomething() {
        var w = W()
        w.reject(ChangeRolePermissions(roleId: W.repRole, changes: []), rule: "ACC-05.changes", kind: .invalidInput)
        w.reject(
            ChangeRolePermissions(
                roleId: W.repRole,
                changes: [RolePermissionChange(kind: .grant, object: nil, actions: [.read], dataScope: nil)]
            ),
            rule: "ACC-05.changes",
            kind: .invalidInput
        )
        w.reject(
            ChangeRolePermissions(
                roleId: W.repRole,
                changes: [RolePermissionChange(kind: .revoke, object: .lead, actions: [], dataScope: nil)]
            ),
            rule: "ACC-05.changes",
            kind: .invalidInput
        )
        w.reject(
            ChangeRolePermissions(
                roleId: W.repRole,
                changes: [RolePermissionChange(kind: .setDataScope, object: .lead, actions: [], dataScope: .all)]
            ),
            rule: "ACC-05.changes",
            kind: .invalidInput
        )
        w.reject(
            ChangeRolePermissions(
                roleId: W.repRole,
                changes: [RolePermissionChange(kind: .grant, object: .lead, actions: [.read], dataScope: nil)]
            ),
            rule: "ACC-05.changes",
            kind: .invalidInput
        )
    }

    @Test func theRoleMustExistAndNotBeSystemLocked() throws {
        var w = W()
        let grant = [RolePermissionChange(kind: .grant, object: .user, actions: [.edit], dataScope: nil)]
        w.reject(ChangeRolePermissions(roleId: ID(9), changes: grant), rule: "ACC-05.roleExists", kind: .notFound)
        let locked = w.reject(
            ChangeRolePermissions(roleId: W.lockedRole, changes: grant),
            rule: "ACC-05.systemLocked",
            kind: .invalidState
        )
        #expect(locked?.values["name"] == "System administrator")
        w.reject(
            ChangeRolePermissions(roleId: W.viewerRole, changes: grant),
            as: W.managerActor,
            rule: "ACC-05.perm",
            kind: .accessDenied
        )
        try w.run(ChangeRolePermissions(roleId: W.viewerRole, changes: grant), as: W.adminActor)
    }
}

@Suite struct FieldPermissionTests {
    typealias W = LeadsWorld

    @Test func aFieldIsHiddenOrMaskedWithinItsConfigurableRange() throws {
        var w = W()
        let hide = try w.run(
            SetFieldPermission(roleId: W.repRole, object: .customer, field: "phone", access: .hidden),
            as: W.adminActor
        )
        #expect(
            W.same(
                hide,
                [FieldPermissionSet(roleId: W.repRole, object: .customer, field: "phone", access: .hidden, mask: .none)]
            )
        )
        #expect(w.store.organisation.fieldAccess(W.repActor, object: .customer, field: "phone") == .hidden)
        #expect(w.store.organisation.fieldAccess(W.managerActor, object: .customer, field: "phone") == .edit)
        try w.run(SetFieldPermission(roleId: W.repRole, object: .lead, field: "email", access: .read, mask: .inList))
        try w.run(SetFieldPermission(roleId: W.repRole, object: .customer, field: "name", access: .read))
        try w.run(SetFieldPermission(roleId: W.repRole, object: .customer, field: "level", access: .hidden))
    }

    @Test func theFieldMustExistAndAllowTheLevel() {
        var w = W()
        let unknown = w.reject(
            SetFieldPermission(roleId: W.repRole, object: .customer, field: "fax", access: .hidden),
            rule: "ACC-06.fieldExists",
            kind: .notFound
        )
        #expect(unknown?.message.contains("phone") == true)
        w.reject(
            SetFieldPermission(roleId: W.repRole, object: .campaign, field: "budget", access: .hidden),
            rule: "ACC-06.fieldExists",
            kind: .notFound
        )
        let name = w.reject(
            SetFieldPermission(roleId: W.repRole, object: .customer, field: "name", access: .hidden),
            rule: "ACC-06.levelAllowed",
            kind: .invariantViolated
        )
        #expect(name?.values["allowed"] == "read, edit")
        w.reject(
            SetFieldPermission(roleId: W.repRole, object: .customer, field: "ownerId", access: .edit),
            rule: "ACC-06.levelAllowed",
            kind: .invariantViolated
        )
        w.reject(
            SetFieldPermission(roleId: W.repRole, object: .customer, field: "level", access: .edit),
            rule: "ACC-06.levelAllowed",
            kind: .invariantViolated
        )
        w.reject(
            SetFieldPermission(
                roleId: W.repRole,
                object: .customer,
                field: "industry",
                access: .read,
                mask: .everywhere
            ),
            rule: "ACC-06.levelAllowed",
            kind: .invariantViolated
        )
        w.reject(
            SetFieldPermission(roleId: W.repRole, object: .customer, field: "phone", access: .hidden, mask: .inList),
            rule: "ACC-06.mask",
            kind: .invalidInput
        )
        w.reject(
            SetFieldPermission(roleId: W.repRole, object: .customer, field: " ", access: .read),
            rule: "ACC-06.field",
            kind: .invalidInput
        )
        w.reject(
            SetFieldPermission(roleId: ID(9), object: .customer, field: "phone", access: .read),
            rule: "ACC-06.roleExists",
            kind: .notFound
        )
        w.reject(
            SetFieldPermission(roleId: W.repRole, object: .customer, field: "phone", access: .read),
            as: W.managerActor,
            rule: "ACC-06.perm",
            kind: .accessDenied
        )
    }

    @Test func theCatalogueKeepsNamesVisibleAndManagedValuesReadOnly() {
        for object in ObjectType.allCases {
            let fields = FieldCatalog.fields(of: object)
            #expect(Set(fields.map(\.name)).count == fields.count, "\(object) lists a field twice")
            for f in fields {
                #expect(!f.levels.isEmpty)
                if f.name == "name" { #expect(!f.levels.contains(.hidden), "\(object).name") }
                if f.name == "ownerId" { #expect(f.levels == [.read], "\(object).ownerId") }
                if f.maskable { #expect(f.levels.contains(.read)) }
            }
        }
        #expect(
            FieldCatalog.editableFields(of: .lead) == [
                "name", "company", "title", "phone", "email", "address", "industry",
            ]
        )
        #expect(FieldCatalog.fields(of: .campaign).isEmpty)
    }
}

@Suite struct UserRoleTests {
    typealias W = LeadsWorld

    @Test func rolesAreAddedAndRemovedWithOneRemaining() throws {
        var w = W()
        let events = try w.run(
            ChangeUserRoles(userId: W.rep, added: [W.managerRole], removed: [W.repRole]),
            as: W.adminActor
        )
        #expect(W.same(events, [UserRolesChanged(userId: W.rep, added: [W.managerRole], removed: [W.repRole])]))
        #expect(w.store.organisation.users[W.rep]?.roleIds == [W.managerRole])
        let last = w.reject(
            ChangeUserRoles(userId: W.rep, removed: [W.managerRole]),
            rule: "ACC-07.oneRoleRemains",
            kind: .invariantViolated
        )
        #expect(last?.message.contains("without any role") == true)
    }

    @Test func theChangeNamesExistingRolesTheUserCanGainOrLose() {
        var w = W()
        w.reject(ChangeUserRoles(userId: W.rep), rule: "ACC-07.changes", kind: .invalidInput)
        w.reject(
            ChangeUserRoles(userId: W.rep, added: [W.viewerRole], removed: [W.viewerRole]),
            rule: "ACC-07.changes",
            kind: .invalidInput
        )
        w.reject(ChangeUserRoles(userId: W.rep, added: [W.repRole]), rule: "ACC-07.changes", kind: .invalidInput)
        w.reject(ChangeUserRoles(userId: W.rep, removed: [W.viewerRole]), rule: "ACC-07.changes", kind: .invalidInput)
        w.reject(ChangeUserRoles(userId: W.rep, added: [ID(9)]), rule: "ACC-07.roleExists", kind: .notFound)
        w.reject(ChangeUserRoles(userId: ID(9), added: [W.viewerRole]), rule: "ACC-07.userExists", kind: .notFound)
        w.reject(
            ChangeUserRoles(userId: W.rep, added: [W.viewerRole]),
            as: W.managerActor,
            rule: "ACC-07.perm",
            kind: .accessDenied
        )
    }

    @Test func anOffboardedUsersRolesDoNotChange() {
        var w = W()
        w.given(UserOffboarded(userId: W.rep, successorUserId: nil, at: W.t0), "user", W.rep)
        w.reject(ChangeUserRoles(userId: W.rep, added: [W.viewerRole]), rule: "ACC-07.userActive", kind: .invalidState)
    }
}

@Suite struct SharingRuleTests {
    typealias W = LeadsWorld
    let ruleId = ID(950)

    @Test func aCriteriaRuleOpensRecordsToADepartmentWithReadAccess() throws {
        var w = W()
        let match = SharingMatch(
            kind: .criteria,
            ownerGroup: nil,
            criteria: [FieldCriterion(field: "industry", op: .equals, value: "Tools")]
        )
        let grantee = Grantee(kind: .dept, id: W.west)
        let events = try w.run(
            DefineSharingRule(ruleId: ruleId, object: .customer, match: match, grantee: grantee, access: .read),
            as: W.adminActor
        )
        #expect(
            W.same(
                events,
                [SharingRuleDefined(ruleId: ruleId, object: .customer, match: match, grantee: grantee, access: .read)]
            )
        )
        #expect(w.store.organisation.sharingRules[ruleId]?.grantee == grantee)
        #expect(w.store.organisation.members(of: Grantee(kind: .group, id: W.hq)).count == 6)
        #expect(w.store.organisation.members(of: Grantee(kind: .role, id: W.repRole)) == [W.rep, W.rep2, W.westRep])
    }

    @Test func anOwnerGroupRuleGrantsEditOnlyToGranteesWhoMayEdit() throws {
        var w = W()
        let match = SharingMatch(kind: .ownerGroup, ownerGroup: Grantee(kind: .dept, id: W.west), criteria: [])
        let denied = w.reject(
            DefineSharingRule(
                ruleId: ruleId,
                object: .lead,
                match: match,
                grantee: Grantee(kind: .role, id: W.viewerRole),
                access: .edit
            ),
            rule: "ACC-08.accessWithinGranteePermission",
            kind: .invariantViolated
        )
        #expect(denied?.values["lacking"] == "role 'Viewer' (\(W.viewerRole))")
        w.reject(
            DefineSharingRule(
                ruleId: ruleId,
                object: .lead,
                match: match,
                grantee: Grantee(kind: .dept, id: W.east),
                access: .edit
            ),
            rule: "ACC-08.accessWithinGranteePermission",
            kind: .invariantViolated
        )
        try w.run(
            DefineSharingRule(
                ruleId: ruleId,
                object: .lead,
                match: match,
                grantee: Grantee(kind: .dept, id: W.east),
                access: .read
            )
        )
        try w.run(
            DefineSharingRule(
                ruleId: ID(951),
                object: .lead,
                match: match,
                grantee: Grantee(kind: .role, id: W.repRole),
                access: .edit
            )
        )
        try w.run(
            DefineSharingRule(
                ruleId: ID(952),
                object: .lead,
                match: match,
                grantee: Grantee(kind: .user, id: W.rep),
                access: .edit
            )
        )
    }

    @Test func theMatchAndGranteeMustBeValid() {
        var w = W()
        let grantee = Grantee(kind: .role, id: W.repRole)
        func rule(_ match: SharingMatch, _ g: Grantee = Grantee(kind: .role, id: LeadsWorld.repRole))
            -> DefineSharingRule
        {
            DefineSharingRule(ruleId: ID(950), object: .customer, match: match, grantee: g, access: .read)
        }
        w.reject(
            rule(SharingMatch(kind: .ownerGroup, ownerGroup: nil, criteria: [])),
            rule: "ACC-08.match",
            kind: .invalidInput
        )
        w.reject(
            rule(SharingMatch(kind: .criteria, ownerGroup: nil, criteria: [])),
            rule: "ACC-08.match",
            kind: .invalidInput
        )
        w.reject(
            rule(
                SharingMatch(
                    kind: .criteria,
                    ownerGroup: grantee,
                    criteria: [FieldCriterion(field: "industry", op: .equals, value: "x")]
                )
            ),
            rule: "ACC-08.match",
            kind: .invalidInput
        )
        w.reject(
            rule(
                SharingMatch(
                    kind: .ownerGroup,
                    ownerGroup: grantee,
                    criteria: [FieldCriterion(field: "industry", op: .equals, value: "x")]
                )
            ),
            rule: "ACC-08.match",
            kind: .invalidInput
        )
        w.reject(
            rule(
                SharingMatch(
                    kind: .criteria,
                    ownerGroup: nil,
                    criteria: [FieldCriterion(field: "industry", op: .equals, value: "")]
                )
            ),
            rule: "ACC-08.match",
            kind: .invalidInput
        )
        w.reject(
            rule(
                SharingMatch(
                    kind: .criteria,
                    ownerGroup: nil,
                    criteria: [FieldCriterion(field: "revenue", op: .greaterThan, value: "100")]
                )
            ),
            rule: "ACC-08.criteriaFieldExists",
            kind: .notFound
        )
        w.reject(
            rule(SharingMatch(kind: .ownerGroup, ownerGroup: Grantee(kind: .dept, id: ID(9)), criteria: [])),
            rule: "ACC-08.ownerGroupExists",
            kind: .notFound
        )
        w.reject(
            rule(
                SharingMatch(kind: .ownerGroup, ownerGroup: Grantee(kind: .dept, id: W.west), criteria: []),
                Grantee(kind: .user, id: ID(9))
            ),
            rule: "ACC-08.granteeExists",
            kind: .notFound
        )
        w.reject(
            rule(SharingMatch(kind: .ownerGroup, ownerGroup: Grantee(kind: .dept, id: W.west), criteria: [])),
            as: W.managerActor,
            rule: "ACC-08.perm",
            kind: .accessDenied
        )
    }
}

@Suite struct RecordShareTests {
    typealias W = LeadsWorld
    let leadId = ID(1000)

    func world() -> W {
        var w = W()
        w.lead(leadId, owner: W.rep)
        return w
    }

    @Test func theOwnerSharesARecordAndTheGranteeGainsAccess() throws {
        var w = world()
        let until = W.t0.adding(days: 30)
        #expect(!w.store.organisation.canRead(W.rep2Actor, object: .lead, owner: W.rep, record: .of(Lead.self, leadId)))
        let records = try w.record(
            ShareRecord(
                entityType: .lead,
                entityId: leadId,
                granteeUserId: W.rep2,
                access: .read,
                expiresAt: until,
                reason: .teamMember
            ),
            as: W.repActor
        )
        #expect(
            W.same(
                records.map(\.event),
                [
                    RecordShared(
                        entityType: .lead,
                        entityId: leadId,
                        granteeUserId: W.rep2,
                        access: .read,
                        expiresAt: until,
                        reason: .teamMember
                    )
                ]
            )
        )
        #expect(records.map(\.stream) == [StreamRef.recordAccess(.lead, leadId)])
        #expect(w.store.organisation.canRead(W.rep2Actor, object: .lead, owner: W.rep, record: .of(Lead.self, leadId)))
        w.reject(
            UpdateLead(leadId: leadId, edits: [LeadFieldEdit(field: "title", value: "CTO")]),
            as: W.rep2Actor,
            rule: "LED-02.perm",
            kind: .accessDenied
        )
        w.reject(
            ShareRecord(
                entityType: .lead,
                entityId: leadId,
                granteeUserId: W.rep2,
                access: .read,
                expiresAt: until,
                reason: .teamMember
            ),
            as: W.repActor,
            rule: "ACC-09.changes",
            kind: .invalidInput
        )
        try w.run(
            ShareRecord(entityType: .lead, entityId: leadId, granteeUserId: W.rep2, access: .readWrite),
            as: W.repActor
        )
    }

    @Test func othersShareOnlyWithTheShareActionOverTheOwner() throws {
        var w = world()
        let share = ShareRecord(entityType: .lead, entityId: leadId, granteeUserId: W.westRep, access: .read)
        w.reject(share, as: W.rep2Actor, rule: "ACC-09.ownerOrFullAccess", kind: .accessDenied)
        w.reject(share, as: W.viewerActor, rule: "ACC-09.ownerOrFullAccess", kind: .accessDenied)
        try w.run(
            ShareRecord(entityType: .lead, entityId: leadId, granteeUserId: W.rep2, access: .read),
            as: W.repActor
        )
        w.reject(share, as: W.rep2Actor, rule: "ACC-09.ownerOrFullAccess", kind: .accessDenied)
        try w.run(share, as: W.managerActor)
    }

    @Test func theGranteeIsAnotherActiveUserAndTheRecordLive() throws {
        var w = world()
        w.reject(
            ShareRecord(entityType: .lead, entityId: leadId, granteeUserId: W.rep, access: .read),
            as: W.repActor,
            rule: "ACC-09.granteeNotOwner",
            kind: .invariantViolated
        )
        w.reject(
            ShareRecord(entityType: .lead, entityId: leadId, granteeUserId: ID(999), access: .read),
            as: W.repActor,
            rule: "ACC-09.granteeActive",
            kind: .invariantViolated
        )
        w.reject(
            ShareRecord(entityType: .lead, entityId: ID(9), granteeUserId: W.rep2, access: .read),
            as: W.repActor,
            rule: "ACC-09.recordExists",
            kind: .notFound
        )
        w.reject(
            ShareRecord(entityType: .lead, entityId: leadId, granteeUserId: W.rep2, access: .read, expiresAt: W.t0),
            as: W.repActor,
            rule: "ACC-09.expiresAt",
            kind: .invalidInput
        )
        w.customer(ID(3000), name: "Acme", owner: W.rep)
        try w.run(
            ShareRecord(entityType: .customer, entityId: ID(3000), granteeUserId: W.rep2, access: .read),
            as: W.repActor
        )
        w.given([CustomerArchived(reason: "gone")], on: .of(Customer.self, ID(3000)))
        w.reject(
            ShareRecord(entityType: .customer, entityId: ID(3000), granteeUserId: W.westRep, access: .read),
            rule: "ACC-09.recordExists",
            kind: .notFound
        )
    }

    @Test func theRecordOwnerViewFollowsOwnershipFacts() throws {
        var w = world()
        w.leadPool()
        try w.run(ReturnLeadToPool(leadId: leadId, poolId: W.leadPool, reason: "stale"), as: W.repActor)
        let view = w.storeDecision { d in d.recordOwner(.lead, leadId) }
        #expect(view?.exists == true && view?.live == true && view?.ownerId == nil)
        w.pipelineDefined()
        w.customer(ID(3000), name: "Acme", owner: W.rep)
        w.opportunity(ID(4000), customer: ID(3000), owner: W.rep)
        try w.run(ChangeOpportunityOwner(oppId: ID(4000), toOwnerId: W.rep2))
        #expect(w.storeDecision { d in d.recordOwner(.opportunity, ID(4000))?.ownerId } == W.rep2)
        #expect(w.storeDecision { d in d.recordOwner(.contract, ID(4999)) } == nil)
    }
}

@Suite struct RecordShareRevocationTests {
    typealias W = LeadsWorld
    let leadId = ID(1000)

    func world(expiresAt: Timestamp? = LeadsWorld.t0.adding(days: 7)) throws -> W {
        var w = W()
        w.lead(leadId, owner: W.rep)
        try w.run(
            ShareRecord(
                entityType: .lead,
                entityId: leadId,
                granteeUserId: W.rep2,
                access: .readWrite,
                expiresAt: expiresAt
            ),
            as: W.repActor
        )
        return w
    }

    @Test func theOwnerRevokesAShareByHand() throws {
        var w = try world()
        let events = try w.run(
            RevokeRecordShare(entityType: .lead, entityId: leadId, granteeUserId: W.rep2),
            as: W.repActor
        )
        #expect(
            W.same(
                events,
                [RecordShareRevoked(entityType: .lead, entityId: leadId, granteeUserId: W.rep2, reason: .manual)]
            )
        )
        #expect(!w.store.organisation.canRead(W.rep2Actor, object: .lead, owner: W.rep, record: .of(Lead.self, leadId)))
        w.reject(
            RevokeRecordShare(entityType: .lead, entityId: leadId, granteeUserId: W.rep2),
            as: W.repActor,
            rule: "ACC-10.shareExists",
            kind: .notFound
        )
    }

    @Test func theGranteeMayLeaveButOthersNeedTheShareAction() throws {
        var w = try world()
        w.reject(
            RevokeRecordShare(entityType: .lead, entityId: leadId, granteeUserId: W.rep2),
            as: W.westActor,
            rule: "ACC-10.perm",
            kind: .accessDenied
        )
        w.reject(
            RevokeRecordShare(entityType: .lead, entityId: leadId, granteeUserId: W.rep2, reason: .expired, asOf: W.t0),
            as: W.rep2Actor,
            rule: "ACC-10.perm",
            kind: .accessDenied
        )
        try w.run(RevokeRecordShare(entityType: .lead, entityId: leadId, granteeUserId: W.rep2), as: W.rep2Actor)
    }

    @Test func theSchedulerRevokesExpiredSharesAsOfItsRun() throws {
        var w = try world()
        w.reject(
            RevokeRecordShare(entityType: .lead, entityId: leadId, granteeUserId: W.rep2, reason: .expired),
            rule: "ACC-10.asOf",
            kind: .invalidInput
        )
        let early = W.t0.adding(days: 6)
        w.now = early
        #expect(RecordShareExpiry.due(in: w.store.organisation, asOf: early).isEmpty)
        w.reject(
            RevokeRecordShare(
                entityType: .lead,
                entityId: leadId,
                granteeUserId: W.rep2,
                reason: .expired,
                asOf: early
            ),
            rule: "ACC-10.expired",
            kind: .invalidState
        )
        w.reject(
            RevokeRecordShare(
                entityType: .lead,
                entityId: leadId,
                granteeUserId: W.rep2,
                reason: .expired,
                asOf: early.adding(days: 2)
            ),
            rule: "ACC-10.asOf",
            kind: .invalidInput
        )
        let asOf = W.t0.adding(days: 7)
        w.now = asOf.adding(hours: 1)
        let due = RecordShareExpiry.due(in: w.store.organisation, asOf: asOf)
        #expect(due.map(\.granteeUserId) == [W.rep2] && due.map(\.asOf) == [asOf])
        let events = try w.run(try #require(due.first))
        #expect(
            W.same(
                events,
                [RecordShareRevoked(entityType: .lead, entityId: leadId, granteeUserId: W.rep2, reason: .expired)]
            )
        )
    }

    @Test func aShareWithoutExpiryIsNeverRevokedAsExpired() throws {
        var w = try world(expiresAt: nil)
        w.now = W.t0.adding(days: 400)
        w.reject(
            RevokeRecordShare(
                entityType: .lead,
                entityId: leadId,
                granteeUserId: W.rep2,
                reason: .expired,
                asOf: w.now
            ),
            rule: "ACC-10.expired",
            kind: .invalidState
        )
        #expect(RecordShareExpiry.due(in: w.store.organisation, asOf: w.now).isEmpty)
    }
}

@Suite struct RecordExportTests {
    typealias W = LeadsWorld

    @Test func anExportDropsHiddenFieldsAndIsRecordedAgainstTheUser() throws {
        var w = W()
        try w.run(SetFieldPermission(roleId: W.managerRole, object: .customer, field: "phone", access: .hidden))
        let filter = [FieldCriterion(field: "industry", op: .equals, value: "Tools")]
        let records = try w.record(
            RecordExport(
                entityType: .customer,
                filter: filter,
                fieldList: ["name", "phone", "industry"],
                rowCount: 42
            ),
            as: W.managerActor
        )
        #expect(
            W.same(
                records.map(\.event),
                [RecordsExported(entityType: .customer, filter: filter, fieldList: ["name", "industry"], rowCount: 42)]
            )
        )
        #expect(records.map(\.stream) == [StreamRef("user", W.manager.description)])
        let full = try w.run(
            RecordExport(entityType: .customer, filter: [], fieldList: ["name", "phone"], rowCount: 3),
            as: W.adminActor
        )
        #expect((full.first as? RecordsExported)?.fieldList == ["name", "phone"])
    }

    @Test func exportingNeedsTheExportPermission() {
        var w = W()
        w.reject(
            RecordExport(entityType: .customer, filter: [], fieldList: ["name"], rowCount: 1),
            as: W.repActor,
            rule: "ACC-11.perm",
            kind: .accessDenied
        )
    }

    @Test func hiddenFieldsCannotBeFilteredOnOrBeAllThatIsExported() throws {
        var w = W()
        try w.run(SetFieldPermission(roleId: W.managerRole, object: .customer, field: "phone", access: .hidden))
        w.reject(
            RecordExport(
                entityType: .customer,
                filter: [FieldCriterion(field: "phone", op: .contains, value: "138")],
                fieldList: ["name"],
                rowCount: 1
            ),
            as: W.managerActor,
            rule: "ACC-11.hiddenFields",
            kind: .fieldAccessDenied
        )
        w.reject(
            RecordExport(entityType: .customer, filter: [], fieldList: ["phone"], rowCount: 1),
            as: W.managerActor,
            rule: "ACC-11.hiddenFields",
            kind: .fieldAccessDenied
        )
    }

    @Test func theFieldListAndRowCountAreValid() {
        var w = W()
        w.reject(
            RecordExport(entityType: .customer, filter: [], fieldList: [], rowCount: 1),
            as: W.adminActor,
            rule: "ACC-11.fieldList",
            kind: .invalidInput
        )
        w.reject(
            RecordExport(entityType: .customer, filter: [], fieldList: ["name", "name"], rowCount: 1),
            as: W.adminActor,
            rule: "ACC-11.fieldList",
            kind: .invalidInput
        )
        w.reject(
            RecordExport(entityType: .customer, filter: [], fieldList: ["name"], rowCount: -1),
            as: W.adminActor,
            rule: "ACC-11.rowCount",
            kind: .invalidInput
        )
        w.reject(
            RecordExport(entityType: .customer, filter: [], fieldList: ["fax"], rowCount: 1),
            as: W.adminActor,
            rule: "ACC-11.fieldExists",
            kind: .invalidInput
        )
        w.reject(
            RecordExport(
                entityType: .customer,
                filter: [FieldCriterion(field: "fax", op: .equals, value: "1")],
                fieldList: ["name"],
                rowCount: 1
            ),
            as: W.adminActor,
            rule: "ACC-11.fieldExists",
            kind: .invalidInput
        )
        w.reject(
            RecordExport(entityType: .customer, filter: [], fieldList: ["name"], rowCount: 1),
            rule: "ACC-11.actor",
            kind: .invalidInput
        )
    }
}
