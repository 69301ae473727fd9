import CRMDomain
import Testing

@Suite struct LeadCaptureTests {
    typealias W = LeadsWorld
    let leadId = ID(1000)

    func capture(
        channel: String = "web",
        name: String = "Chen Li",
        company: String? = "Acme Tools",
        phone: String? = "+86 138 0000 1111",
        email: String? = nil,
        campaignId: ID? = nil,
        owner: ID? = nil,
        pool: ID? = nil,
        id: ID? = nil,
        policy: LeadDedupePolicy = .block
    ) -> CaptureLead {
        CaptureLead(
            leadId: id ?? leadId,
            channel: channel,
            campaignId: campaignId,
            name: name,
            company: company,
            phone: phone,
            email: email,
            ownerId: owner,
            poolId: pool,
            dedupePolicy: policy
        )
    }

    @Test func aWebLeadIsCapturedWithItsDedupeKeysAndOwner() throws {
        var w = W()
        let utm = LeadUTM(source: "baidu", medium: "cpc", campaign: "spring", term: "crm")
        let cmd = CaptureLead(
            leadId: leadId,
            channel: "web",
            utm: utm,
            name: " Chen Li ",
            company: "Acme Tools",
            title: "  ",
            phone: "+86 138 0000 1111",
            email: "chen@acme.cn",
            ownerId: W.rep
        )
        let events = try w.run(cmd, as: W.repActor)
        let expected = LeadCaptured(
            leadId: leadId,
            channel: .web,
            campaignId: nil,
            utm: utm,
            name: "Chen Li",
            company: "Acme Tools",
            title: nil,
            phone: "+86 138 0000 1111",
            email: "chen@acme.cn",
            address: nil,
            industry: nil,
            ownerId: W.rep,
            poolId: nil,
            dedupeKeys: [
                LeadDedupeKey(kind: .company, value: "acme tools"),
                LeadDedupeKey(kind: .email, value: "chen@acme.cn"),
                LeadDedupeKey(kind: .phone, value: "8613800001111"),
            ],
            at: W.t0
        )
        #expect(W.same(events, [expected]))
        let lead = try #require(w.leadState(leadId))
        #expect(lead.ownerId == W.rep && lead.receivedAt == W.t0 && lead.status == .open)
        #expect(w.store.children(of: LeadIndex.owner(W.rep), category: "lead") == [.of(Lead.self, leadId)])
    }

    @Test func captureNeedsCreatePermissionWithinTheDataScope() {
        var w = W()
        w.reject(capture(), as: W.viewerActor, rule: "LED-01.perm", kind: .accessDenied)
        w.reject(capture(owner: W.rep2), as: W.repActor, rule: "LED-01.perm", kind: .accessDenied)
    }

    @Test func theChannelMustBeKnown() throws {
        var w = W()
        w.reject(capture(channel: "fax"), rule: "LED-01.channelKnown", kind: .invalidInput)
        try w.run(capture(channel: "referral"))
    }

    @Test func eachChannelNeedsItsRequiredFields() throws {
        var w = W()
        w.reject(capture(name: " "), rule: "LED-01.requiredFields", kind: .invalidInput)
        w.reject(
            capture(channel: "phone", phone: nil, email: "a@b.cn"),
            rule: "LED-01.requiredFields",
            kind: .invalidInput
        )
        w.reject(capture(channel: "email", phone: "13800001111"), rule: "LED-01.requiredFields", kind: .invalidInput)
        let noCampaign = w.reject(capture(channel: "event"), rule: "LED-01.requiredFields", kind: .invalidInput)
        #expect(noCampaign?.values["field"] == "campaignId")
        try w.run(capture(channel: "event", campaignId: ID(77)))
        try w.run(capture(channel: "import", company: "Beta Ltd", phone: nil, id: ID(1001)))
    }

    @Test func anEmailMustLookLikeOne() {
        var w = W()
        w.reject(capture(email: "chen.acme.cn"), rule: "LED-01.email", kind: .invalidInput)
    }

    @Test func aLeadIsOwnedOrPooledNotBoth() throws {
        var w = W()
        w.leadPool()
        w.reject(capture(owner: W.rep, pool: W.leadPool), rule: "LED-01.ownerOrPool", kind: .invariantViolated)
        let events = try w.run(capture(pool: W.leadPool))
        #expect((events.first as? LeadCaptured)?.poolId == W.leadPool)
        #expect(w.store.children(of: LeadIndex.pool(W.leadPool), category: "lead") == [.of(Lead.self, leadId)])
    }

    @Test func leadIdsOwnersAndPoolsMustBeValid() {
        var w = W()
        w.lead(leadId)
        w.reject(capture(), rule: "LED-01.leadIdUnique", kind: .alreadyExists)
        w.reject(capture(owner: ID(999), id: ID(1001)), rule: "LED-01.ownerActive", kind: .notFound)
        w.reject(capture(pool: ID(999), id: ID(1001)), rule: "LED-01.poolExists", kind: .notFound)
        w.leadPool(W.customerPool, entityType: .customer)
        w.reject(capture(pool: W.customerPool, id: ID(1001)), rule: "LED-01.poolExists", kind: .notFound)
        w.leadPool()
        w.given([PoolStatusChanged(active: false)], on: StreamRef("pool", W.leadPool.description))
        w.reject(capture(pool: W.leadPool, id: ID(1001)), rule: "LED-01.poolActive", kind: .invalidState)
    }

    @Test func theBlockPolicyRefusesALiveDuplicateLeadOrCustomer() throws {
        var w = W()
        w.lead(ID(2000), owner: W.rep2, company: "Other Co", phone: "86-138-0000-1111")
        let dup = w.reject(capture(company: "New Co"), rule: "LED-01.duplicate", kind: .alreadyExists)
        #expect(dup?.values["match"] == "lead-\(ID(2000))")
        w.customer(ID(3000), name: "Acme Tools", owner: W.rep2)
        w.reject(capture(phone: "139 1234 5678"), rule: "LED-01.duplicate", kind: .alreadyExists)
        try w.run(capture(company: "Fresh Co", phone: "139 1234 5678"))
    }

    @Test func aConvertedLeadNoLongerCountsAsADuplicate() throws {
        var w = W()
        w.lead(ID(2000), owner: W.rep2, phone: "13800001111")
        w.given(
            [
                LeadConverted(
                    customerId: ID(3000),
                    customerIsNew: true,
                    contactId: ID(3001),
                    contactIsNew: true,
                    opportunityId: nil,
                    opportunity: nil,
                    convertedStatus: "converted",
                    ownerId: W.rep2,
                    mergePolicy: .fillEmptyOnly,
                    overwriteSource: false,
                    releasedDedupeKeys: [LeadDedupeKey(kind: .phone, value: "13800001111")]
                )
            ],
            on: .of(Lead.self, ID(2000))
        )
        try w.run(capture(company: nil, phone: "138 0000 1111"))
    }

    @Test func theFlagPolicyCapturesAndTheDedupeProcessFlagsTheDuplicates() throws {
        var w = W(processManagers: [LeadDedupeProcess()])
        w.lead(ID(2000), owner: W.rep2, phone: "8613800001111")
        let records = try w.record(capture(company: nil, policy: .flag))
        let flagged = DuplicateSuspected(
            entityType: .lead,
            ids: [leadId, ID(2000)],
            matchRule: "lead.phone",
            score: 10_000
        )
        #expect(records.map(\.stream) == [.of(Lead.self, leadId), .of(Lead.self, leadId), .of(Lead.self, ID(2000))])
        #expect(W.same(records.dropFirst().map(\.event), [flagged, flagged]))
    }
}

@Suite struct LeadUpdateTests {
    typealias W = LeadsWorld
    let leadId = ID(1000)

    func world() -> W {
        var w = W()
        w.lead(leadId, owner: W.rep, company: "Acme Tools", phone: "13800001111")
        return w
    }

    @Test func theOwnerEditsFieldsAndTheDedupeKeysMove() throws {
        var w = world()
        let events = try w.run(
            UpdateLead(
                leadId: leadId,
                edits: [
                    LeadFieldEdit(field: "phone", value: "139 0000 2222"),
                    LeadFieldEdit(field: "industry", value: "Tools"),
                ]
            ),
            as: W.repActor
        )
        #expect(
            W.same(
                events,
                [
                    LeadUpdated(changes: [
                        LeadFieldChange(field: "phone", before: "13800001111", after: "139 0000 2222"),
                        LeadFieldChange(field: "industry", before: nil, after: "Tools"),
                    ])
                ]
            )
        )
        let stream = StreamRef.of(Lead.self, leadId)
        #expect(
            w.store.children(of: LeadIndex.dedupe(LeadDedupeKey(kind: .phone, value: "13800001111")), category: "lead")
                .isEmpty
        )
        #expect(
            w.store.children(of: LeadIndex.dedupe(LeadDedupeKey(kind: .phone, value: "13900002222")), category: "lead")
                == [stream]
        )
        #expect(w.leadState(leadId)?.dedupeKeys.contains(LeadDedupeKey(kind: .phone, value: "13900002222")) == true)
    }

    @Test func editsNeedEditPermissionOnALeadInTheDataScope() throws {
        var w = world()
        let edit = UpdateLead(leadId: leadId, edits: [LeadFieldEdit(field: "title", value: "CTO")])
        w.reject(edit, as: W.rep2Actor, rule: "LED-02.perm", kind: .accessDenied)
        w.reject(edit, as: W.viewerActor, rule: "LED-02.perm", kind: .accessDenied)
        try w.run(edit, as: W.managerActor)
    }

    @Test func aShareWithReadWriteLetsAnotherUserEdit() throws {
        var w = world()
        let edit = UpdateLead(leadId: leadId, edits: [LeadFieldEdit(field: "title", value: "CTO")])
        try w.run(
            ShareRecord(entityType: .lead, entityId: leadId, granteeUserId: W.rep2, access: .readWrite),
            as: W.repActor
        )
        try w.run(edit, as: W.rep2Actor)
    }

    @Test func aHiddenOrReadOnlyFieldCannotBeEdited() throws {
        var w = world()
        try w.run(SetFieldPermission(roleId: W.repRole, object: .lead, field: "phone", access: .read))
        let denied = w.reject(
            UpdateLead(leadId: leadId, edits: [LeadFieldEdit(field: "phone", value: "13900002222")]),
            as: W.repActor,
            rule: "LED-02.fieldPerm",
            kind: .fieldAccessDenied
        )
        #expect(denied?.values["access"] == "read")
        try w.run(
            UpdateLead(leadId: leadId, edits: [LeadFieldEdit(field: "phone", value: "13900002222")]),
            as: W.managerActor
        )
    }

    @Test func onlyEditableLeadFieldsChangeAndOnlyWhenTheyChange() {
        var w = world()
        w.reject(UpdateLead(leadId: leadId, edits: []), rule: "LED-02.changes", kind: .invalidInput)
        w.reject(
            UpdateLead(leadId: leadId, edits: [LeadFieldEdit(field: "grade", value: "A")]),
            rule: "LED-02.fieldExists",
            kind: .invalidInput
        )
        w.reject(
            UpdateLead(leadId: leadId, edits: [LeadFieldEdit(field: "fax", value: "1")]),
            rule: "LED-02.fieldExists",
            kind: .invalidInput
        )
        w.reject(
            UpdateLead(
                leadId: leadId,
                edits: [LeadFieldEdit(field: "title", value: "A"), LeadFieldEdit(field: "title", value: "B")]
            ),
            rule: "LED-02.changes",
            kind: .invalidInput
        )
        w.reject(
            UpdateLead(leadId: leadId, edits: [LeadFieldEdit(field: "company", value: " Acme Tools ")]),
            rule: "LED-02.changes",
            kind: .invalidInput
        )
        w.reject(
            UpdateLead(leadId: leadId, edits: [LeadFieldEdit(field: "name", value: "")]),
            rule: "LED-02.name",
            kind: .invalidInput
        )
        w.reject(
            UpdateLead(leadId: leadId, edits: [LeadFieldEdit(field: "email", value: "nope")]),
            rule: "LED-02.email",
            kind: .invalidInput
        )
        w.reject(
            UpdateLead(leadId: ID(9), edits: [LeadFieldEdit(field: "title", value: "A")]),
            rule: "LED-02.leadExists",
            kind: .notFound
        )
    }

    @Test func aConvertedLeadCannotChange() {
        var w = world()
        w.given([convertedEvent()], on: .of(Lead.self, leadId))
        w.reject(
            UpdateLead(leadId: leadId, edits: [LeadFieldEdit(field: "title", value: "CTO")]),
            rule: "LED-02.notConverted",
            kind: .invalidState
        )
    }

    @Test func changedDedupeFieldsMustStayUnique() throws {
        var w = world()
        w.lead(ID(2000), owner: W.rep2, phone: "13900002222")
        w.reject(
            UpdateLead(leadId: leadId, edits: [LeadFieldEdit(field: "phone", value: "139-0000-2222")]),
            rule: "LED-02.uniqueFields",
            kind: .alreadyExists
        )
        try w.run(
            UpdateLead(
                leadId: leadId,
                edits: [LeadFieldEdit(field: "phone", value: "139-0000-2222")],
                dedupePolicy: .flag
            )
        )
    }

    func convertedEvent() -> LeadConverted {
        LeadConverted(
            customerId: ID(3000),
            customerIsNew: true,
            contactId: ID(3001),
            contactIsNew: true,
            opportunityId: nil,
            opportunity: nil,
            convertedStatus: "converted",
            ownerId: W.rep,
            mergePolicy: .fillEmptyOnly,
            overwriteSource: false,
            releasedDedupeKeys: []
        )
    }
}

@Suite struct LeadGradeQualifyDisqualifyTests {
    typealias W = LeadsWorld
    let leadId = ID(1000)

    func world() -> W {
        var w = W()
        w.lead(leadId, owner: W.rep)
        return w
    }

    @Test func gradesComeFromTheScaleWithAnOptionalScore() throws {
        var w = world()
        #expect(
            W.same(
                try w.run(GradeLead(leadId: leadId, grade: "A", score: 87, basis: .model), as: W.repActor),
                [LeadGraded(grade: "A", score: 87, basis: .model)]
            )
        )
        #expect(w.leadState(leadId)?.grade == "A")
        w.reject(
            GradeLead(leadId: leadId, grade: "E"),
            as: W.repActor,
            rule: "LED-03.gradeInScale",
            kind: .invariantViolated
        )
        w.reject(
            GradeLead(leadId: leadId, grade: "B", score: 101),
            as: W.repActor,
            rule: "LED-03.score",
            kind: .invalidInput
        )
        w.reject(GradeLead(leadId: leadId, grade: "B"), as: W.rep2Actor, rule: "LED-03.perm", kind: .accessDenied)
        w.reject(GradeLead(leadId: ID(9), grade: "B"), rule: "LED-03.leadExists", kind: .notFound)
    }

    @Test func qualifyingNeedsAnOpenLeadAndANonConvertedStatus() throws {
        var w = world()
        w.reject(
            QualifyLead(leadId: leadId, status: "hot"),
            as: W.repActor,
            rule: "LED-07.statusKnown",
            kind: .invalidInput
        )
        w.reject(
            QualifyLead(leadId: leadId, status: "converted"),
            as: W.repActor,
            rule: "LED-07.notConvertedStatus",
            kind: .invariantViolated
        )
        w.reject(
            QualifyLead(leadId: leadId, status: "salesQualified"),
            as: W.westActor,
            rule: "LED-07.perm",
            kind: .accessDenied
        )
        #expect(
            W.same(
                try w.run(QualifyLead(leadId: leadId, status: "salesQualified"), as: W.repActor),
                [LeadQualified(status: "salesQualified")]
            )
        )
        #expect(w.leadState(leadId)?.status == .qualified)
        w.reject(
            QualifyLead(leadId: leadId, status: "salesAccepted"),
            as: W.repActor,
            rule: "LED-07.open",
            kind: .invalidState
        )
        w.reject(QualifyLead(leadId: ID(9), status: "salesAccepted"), rule: "LED-07.leadExists", kind: .notFound)
    }

    @Test func disqualifyingNeedsAnOpenLeadAndAReason() throws {
        var w = world()
        w.reject(
            DisqualifyLead(leadId: leadId, reason: " "),
            as: W.repActor,
            rule: "LED-08.reason",
            kind: .invalidInput
        )
        w.reject(
            DisqualifyLead(leadId: leadId, reason: "no budget"),
            as: W.rep2Actor,
            rule: "LED-08.perm",
            kind: .accessDenied
        )
        #expect(
            W.same(
                try w.run(DisqualifyLead(leadId: leadId, reason: "no budget"), as: W.repActor),
                [LeadDisqualified(reason: "no budget")]
            )
        )
        w.reject(
            DisqualifyLead(leadId: leadId, reason: "again"),
            as: W.repActor,
            rule: "LED-08.open",
            kind: .invalidState
        )
        w.reject(
            QualifyLead(leadId: leadId, status: "salesAccepted"),
            as: W.repActor,
            rule: "LED-07.open",
            kind: .invalidState
        )
        w.reject(DisqualifyLead(leadId: ID(9), reason: "x"), rule: "LED-08.leadExists", kind: .notFound)
    }

    @Test func aDisqualifiedLeadReturnedToThePoolIsOpenAgain() throws {
        var w = world()
        w.leadPool()
        try w.run(DisqualifyLead(leadId: leadId, reason: "no budget"), as: W.repActor)
        try w.run(ReturnLeadToPool(leadId: leadId, poolId: W.leadPool, reason: "recycle"), as: W.repActor)
        let lead = try #require(w.leadState(leadId))
        #expect(lead.status == .open && lead.disqualificationReason == nil && lead.poolId == W.leadPool)
    }

    @Test func aConvertedLeadIsNotGraded() {
        var w = world()
        w.given([LeadUpdateTests().convertedEvent()], on: .of(Lead.self, leadId))
        w.reject(GradeLead(leadId: leadId, grade: "A"), rule: "LED-03.notConverted", kind: .invalidState)
    }
}

@Suite struct LeadAssignmentTests {
    typealias W = LeadsWorld
    let leadId = ID(1000)
    let team = LeadsWorld.east

    func capacity(_ user: ID, max: Int64, filter: [FieldCriterion]? = nil, optOut: Bool = false)
        -> AssignmentCapacitySet
    {
        AssignmentCapacitySet(teamId: team, userId: user, maxPer30Days: max, filter: filter, optOut: optOut)
    }

    @Test func aManagerAssignsManuallyWithinTheTeam() throws {
        var w = W()
        w.lead(leadId, owner: W.rep)
        let events = try w.run(AssignLead(leadId: leadId, toOwnerId: W.rep2), as: W.managerActor)
        #expect(
            W.same(
                events,
                [
                    LeadAssigned(
                        fromOwnerId: W.rep,
                        toOwnerId: W.rep2,
                        cause: .manual,
                        capacityRef: nil,
                        fromPoolId: nil,
                        at: W.t0
                    )
                ]
            )
        )
        #expect(w.store.children(of: LeadIndex.owner(W.rep), category: "lead").isEmpty)
        #expect(w.store.children(of: LeadIndex.owner(W.rep2), category: "lead") == [.of(Lead.self, leadId)])
        w.reject(
            AssignLead(leadId: leadId, toOwnerId: W.westRep),
            as: W.managerActor,
            rule: "LED-04.assigneeInTeam",
            kind: .invariantViolated
        )
        w.reject(AssignLead(leadId: leadId, toOwnerId: W.rep), as: W.repActor, rule: "LED-04.perm", kind: .accessDenied)
        w.reject(
            AssignLead(leadId: leadId, toOwnerId: W.rep2),
            as: W.managerActor,
            rule: "LED-04.changes",
            kind: .invalidInput
        )
        w.reject(AssignLead(leadId: ID(9), toOwnerId: W.rep2), rule: "LED-04.leadExists", kind: .notFound)
    }

    @Test func theAssigneeMustBeActiveAndTheLeadNotConverted() throws {
        var w = W()
        w.lead(leadId, owner: W.rep)
        w.given(UserOffboarded(userId: W.rep2, successorUserId: nil, at: W.t0), "user", W.rep2)
        w.reject(AssignLead(leadId: leadId, toOwnerId: W.rep2), rule: "LED-04.assigneeActive", kind: .invariantViolated)
        w.given([LeadUpdateTests().convertedEvent()], on: .of(Lead.self, leadId))
        w.reject(AssignLead(leadId: leadId, toOwnerId: W.manager), rule: "LED-04.notConverted", kind: .invalidState)
    }

    @Test func aPooledLeadIsDistributedNotAssignedManually() throws {
        var w = W()
        w.leadPool(members: [W.rep, W.rep2], admins: [W.manager])
        w.lead(leadId, pool: W.leadPool)
        w.reject(
            AssignLead(leadId: leadId, toOwnerId: W.rep),
            as: W.managerActor,
            rule: "LED-04.inPool",
            kind: .invalidState
        )
        w.reject(
            AssignLead(leadId: leadId, toOwnerId: W.westRep, cause: .distribute),
            as: W.managerActor,
            rule: "LED-04.assigneeInTeam",
            kind: .invariantViolated
        )
        w.reject(
            AssignLead(leadId: leadId, toOwnerId: W.rep2, cause: .distribute),
            as: W.repActor,
            rule: "LED-04.poolAdmin",
            kind: .accessDenied
        )
        let events = try w.run(AssignLead(leadId: leadId, toOwnerId: W.rep2, cause: .distribute), as: W.managerActor)
        #expect(
            W.same(
                events,
                [
                    LeadAssigned(
                        fromOwnerId: nil,
                        toOwnerId: W.rep2,
                        cause: .distribute,
                        capacityRef: nil,
                        fromPoolId: W.leadPool,
                        at: W.t0
                    )
                ]
            )
        )
        #expect(w.store.children(of: LeadIndex.pool(W.leadPool), category: "lead").isEmpty)
        #expect(w.leadState(leadId)?.homePoolId == W.leadPool)
        w.reject(
            AssignLead(leadId: leadId, toOwnerId: W.rep, cause: .distribute),
            as: W.managerActor,
            rule: "LED-04.inPool",
            kind: .invalidState
        )
    }

    @Test func ruleAssignmentUsesTheDailyQuotaOfTheTeamMember() throws {
        var w = W()
        // maxPer30Days 45 → round(1.5) = 2 leads a day.
        w.given([capacity(W.rep, max: 45)], on: StreamRef("assignmentPolicy", team.description))
        for i in 0..<3 { w.lead(ID(1000 + UInt64(i))) }
        let first = try w.run(AssignLead(leadId: ID(1000), toOwnerId: W.rep, cause: .rule, teamId: team))
        #expect(
            W.same(
                first,
                [
                    LeadAssigned(
                        fromOwnerId: nil,
                        toOwnerId: W.rep,
                        cause: .rule,
                        capacityRef: LeadCapacityRef(teamId: team, maxPer30Days: 45, dailyQuota: 2, assignedToday: 0),
                        fromPoolId: nil,
                        at: W.t0
                    )
                ]
            )
        )
        let second = try w.run(AssignLead(leadId: ID(1001), toOwnerId: W.rep, cause: .roundRobin, teamId: team))
        #expect((second.first as? LeadAssigned)?.capacityRef?.assignedToday == 1)
        let full = w.reject(
            AssignLead(leadId: ID(1002), toOwnerId: W.rep, cause: .rule, teamId: team),
            rule: "LED-04.dailyQuota",
            kind: .invariantViolated
        )
        #expect(full?.values["assignedToday"] == "2")
        w.now = W.t0.adding(days: 1)
        try w.run(AssignLead(leadId: ID(1002), toOwnerId: W.rep, cause: .rule, teamId: team))
    }

    @Test func manualAssignmentsCountAgainstTheDailyQuota() throws {
        var w = W()
        w.given([capacity(W.rep, max: 30)], on: StreamRef("assignmentPolicy", team.description))
        w.lead(ID(1000))
        w.lead(ID(1001))
        try w.run(AssignLead(leadId: ID(1000), toOwnerId: W.rep), as: W.managerActor)
        w.reject(
            AssignLead(leadId: ID(1001), toOwnerId: W.rep, cause: .rule, teamId: team),
            rule: "LED-04.dailyQuota",
            kind: .invariantViolated
        )
    }

    @Test func ruleAssignmentNeedsATeamCapacityAFittingLeadAndNoOptOut() throws {
        var w = W()
        w.lead(leadId)
        w.reject(AssignLead(leadId: leadId, toOwnerId: W.rep, cause: .rule), rule: "LED-04.team", kind: .invalidInput)
        w.reject(
            AssignLead(leadId: leadId, toOwnerId: W.rep, cause: .rule, teamId: team),
            rule: "LED-04.assigneeInTeam",
            kind: .invariantViolated
        )
        w.given(
            [
                capacity(W.rep, max: 60, filter: [FieldCriterion(field: "industry", op: .equals, value: "Machinery")]),
                capacity(W.rep2, max: 60, optOut: true),
            ],
            on: StreamRef("assignmentPolicy", team.description)
        )
        w.reject(
            AssignLead(leadId: leadId, toOwnerId: W.rep, cause: .rule, teamId: team),
            rule: "LED-04.capacityFilter",
            kind: .invariantViolated
        )
        let optedOut = w.reject(
            AssignLead(leadId: leadId, toOwnerId: W.rep2, cause: .roundRobin, teamId: team),
            rule: "LED-04.dailyQuota",
            kind: .invariantViolated
        )
        #expect(optedOut?.message.contains("opted out") == true)
        try w.run(UpdateLead(leadId: leadId, edits: [LeadFieldEdit(field: "industry", value: "Machinery")]))
        try w.run(AssignLead(leadId: leadId, toOwnerId: W.rep, cause: .rule, teamId: team))
    }

    @Test func leadCriteriaCompareNumbersAndText() {
        var lead = Lead()
        lead.apply(
            LeadCaptured(
                leadId: leadId,
                channel: .event,
                campaignId: nil,
                utm: nil,
                name: "Chen",
                company: "Acme",
                title: nil,
                phone: nil,
                email: nil,
                address: nil,
                industry: "Tools",
                ownerId: nil,
                poolId: nil,
                dedupeKeys: [],
                at: W.t0
            )
        )
        lead.apply(LeadGraded(grade: "B", score: 70, basis: .rule))
        #expect(LeadCriteria.matches(FieldCriterion(field: "channel", op: .equals, value: "event"), lead))
        #expect(LeadCriteria.matches(FieldCriterion(field: "company", op: .contains, value: "acm"), lead))
        #expect(!LeadCriteria.matches(FieldCriterion(field: "grade", op: .notEquals, value: "B"), lead))
        #expect(LeadCriteria.matches(FieldCriterion(field: "email", op: .notEquals, value: "x"), lead))
        #expect(!LeadCriteria.matches(FieldCriterion(field: "email", op: .equals, value: "x"), lead))
        #expect(LeadCriteria.matches(FieldCriterion(field: "grade", op: .lessThan, value: "C"), lead))
        #expect(!LeadCriteria.matches(FieldCriterion(field: "industry", op: .greaterThan, value: "Z"), lead))
    }
}
