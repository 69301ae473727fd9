import CRMDomain
import Testing

@Suite struct LeadConversionTests {
    typealias W = LeadsWorld
    let leadId = ID(1000)
    let customerId = ID(3000)
    let contactId = ID(3001)
    let oppId = ID(4000)
    let request = LeadOpportunityRequest(
        name: "Acme spring order",
        pipelineId: LeadsWorld.pipeline,
        amount: .cny(12_000_000),
        expectedCloseDate: LocalDate(2026, 5, 31)
    )

    func world(processes: Bool = true) -> W {
        var w = W(processManagers: processes ? [LeadConversionProcess()] : [])
        w.pipelineDefined()
        w.given(
            LeadCaptured(
                leadId: leadId,
                channel: .form,
                campaignId: ID(77),
                utm: nil,
                name: "Chen Li",
                company: "Acme Tools",
                title: "Purchasing lead",
                phone: "13800001111",
                email: "chen@acme.cn",
                address: nil,
                industry: "Tools",
                ownerId: W.rep,
                poolId: nil,
                dedupeKeys: Lead.dedupeKeys(phone: "13800001111", email: "chen@acme.cn", company: "Acme Tools"),
                at: W.t0
            ),
            "lead",
            leadId
        )
        return w
    }

    func convert(
        status: String = "converted",
        owner: ID = LeadsWorld.rep,
        customer: ID? = nil,
        customerIsNew: Bool = true,
        contact: ID? = nil,
        contactIsNew: Bool = true,
        opportunity: Bool = true,
        lead: ID? = nil
    ) -> ConvertLead {
        ConvertLead(
            leadId: lead ?? leadId,
            convertedStatus: status,
            ownerId: owner,
            customerId: customer ?? customerId,
            customerIsNew: customerIsNew,
            contactId: contact ?? contactId,
            contactIsNew: contactIsNew,
            opportunityId: opportunity ? oppId : nil,
            opportunity: opportunity ? request : nil
        )
    }

    @Test func aConversionCreatesTheCustomerContactAndOpportunity() throws {
        var w = world()
        let records = try w.record(convert(), as: W.repActor)
        let converted = LeadConverted(
            customerId: customerId,
            customerIsNew: true,
            contactId: contactId,
            contactIsNew: true,
            opportunityId: oppId,
            opportunity: request,
            convertedStatus: "converted",
            ownerId: W.rep,
            mergePolicy: .fillEmptyOnly,
            overwriteSource: false,
            releasedDedupeKeys: Lead.dedupeKeys(phone: "13800001111", email: "chen@acme.cn", company: "Acme Tools")
        )
        let expected: [any DomainEvent] = [
            converted,
            CustomerCreated(
                customerId: customerId,
                name: "Acme Tools",
                kind: .company,
                source: "form",
                industry: "Tools",
                level: CustomerSettings.builtInDefaultLevel,
                address: "",
                ownerId: W.rep,
                poolId: nil,
                createdVia: .leadConversion(leadId),
                at: W.t0
            ),
            ContactAdded(
                contactId: contactId,
                customerId: customerId,
                name: "Chen Li",
                title: "Purchasing lead",
                department: "",
                phones: ["13800001111"],
                email: "chen@acme.cn",
                reportsToContactId: nil,
                role: nil
            ),
            OpportunityCreated(
                oppId: oppId,
                customerId: customerId,
                primaryContactId: contactId,
                pipelineId: W.pipeline,
                pipelineVersion: 1,
                stageId: "qualify",
                probability: 10,
                forecastCategory: .pipeline,
                amount: .cny(12_000_000),
                expectedCloseDate: LocalDate(2026, 5, 31),
                ownerId: W.rep,
                source: "form",
                campaignId: ID(77),
                fromLeadId: leadId
            ),
            OpportunityUpdated(changes: [OpportunityFieldChange(field: "name", before: nil, after: "Acme spring order")]
            ),
        ]
        #expect(W.same(records.map(\.event), expected))
        #expect(
            records.map(\.stream) == [
                .of(Lead.self, leadId), .of(Customer.self, customerId), .of(Contact.self, contactId),
                .of(Opportunity.self, oppId), .of(Opportunity.self, oppId),
            ]
        )
        #expect(records.dropFirst().allSatisfy { $0.causationId == records[0].eventId })
        let lead = try #require(w.leadState(leadId))
        #expect(lead.status == .converted && lead.conversion?.customerId == customerId && lead.dedupeKeys.isEmpty)
        #expect(
            w.store.children(of: LeadIndex.dedupe(LeadDedupeKey(kind: .phone, value: "13800001111")), category: "lead")
                .isEmpty
        )
    }

    @Test func convertingIntoAnExistingCustomerFillsOnlyItsEmptyFields() throws {
        var w = world()
        w.customer(customerId, name: "Acme Tools Group", owner: W.rep)
        w.contact(contactId, customer: customerId, name: "Chen Li")
        let records = try w.record(
            convert(customerIsNew: false, contactIsNew: false, opportunity: false),
            as: W.repActor
        )
        let expected: [any DomainEvent] = [
            LeadConverted(
                customerId: customerId,
                customerIsNew: false,
                contactId: contactId,
                contactIsNew: false,
                opportunityId: nil,
                opportunity: nil,
                convertedStatus: "converted",
                ownerId: W.rep,
                mergePolicy: .fillEmptyOnly,
                overwriteSource: false,
                releasedDedupeKeys: Lead.dedupeKeys(phone: "13800001111", email: "chen@acme.cn", company: "Acme Tools")
            ),
            CustomerUpdated(changes: [
                CustomerFieldChange(field: "industry", before: nil, after: "Tools"),
                CustomerFieldChange(field: "phone", before: nil, after: "13800001111"),
                CustomerFieldChange(field: "email", before: nil, after: "chen@acme.cn"),
            ]),
            ContactUpdated(changes: [
                CustomerFieldChange(field: "title", before: nil, after: "Purchasing lead"),
                CustomerFieldChange(field: "phones", before: nil, after: "13800001111"),
                CustomerFieldChange(field: "email", before: nil, after: "chen@acme.cn"),
            ]),
        ]
        #expect(W.same(records.map(\.event), expected))
        #expect(w.store.state(Customer.self, customerId)?.source == "web")
    }

    @Test func overwriteSourceReplacesTheExistingCustomersSource() throws {
        var w = world()
        w.customer(customerId, name: "Acme Tools Group", owner: W.rep)
        w.contact(contactId, customer: customerId)
        var cmd = convert(customerIsNew: false, contactIsNew: false, opportunity: false)
        cmd = ConvertLead(
            leadId: cmd.leadId,
            ownerId: cmd.ownerId,
            customerId: cmd.customerId,
            customerIsNew: false,
            contactId: cmd.contactId,
            contactIsNew: false,
            overwriteSource: true
        )
        try w.run(cmd, as: W.repActor)
        #expect(w.store.state(Customer.self, customerId)?.source == "form")
    }

    @Test func aLeadConvertsOnlyOnceWithAConvertedStatus() throws {
        var w = world()
        w.reject(
            convert(status: "salesQualified"),
            as: W.repActor,
            rule: "LED-09.convertedStatus",
            kind: .invariantViolated
        )
        w.reject(convert(status: "won"), as: W.repActor, rule: "LED-09.convertedStatus", kind: .invariantViolated)
        try w.run(convert(), as: W.repActor)
        let again = w.reject(
            convert(customer: ID(3100), contact: ID(3101), opportunity: false),
            as: W.repActor,
            rule: "LED-09.notConverted",
            kind: .invalidState
        )
        #expect(again?.values["customerId"] == customerId.description)
    }

    @Test func conversionNeedsTheConvertPermissionOnTheLead() throws {
        var w = world()
        w.reject(convert(), as: W.rep2Actor, rule: "LED-09.perm", kind: .accessDenied)
        w.reject(convert(), as: W.viewerActor, rule: "LED-09.perm", kind: .accessDenied)
        w.reject(convert(lead: ID(9)), rule: "LED-09.leadExists", kind: .notFound)
        try w.run(convert(), as: W.managerActor)
    }

    @Test func theOwnerIsAnActiveUserAndTheLeadIsNotInAPool() throws {
        var w = world()
        w.given(UserOffboarded(userId: W.westRep, successorUserId: nil, at: W.t0), "user", W.westRep)
        w.reject(convert(owner: W.westRep), rule: "LED-09.ownerIsUser", kind: .invariantViolated)
        w.reject(convert(owner: ID(999)), rule: "LED-09.ownerIsUser", kind: .invariantViolated)
        w.leadPool()
        w.lead(ID(1001), pool: W.leadPool, company: "Pooled Co")
        w.reject(convert(lead: ID(1001)), rule: "LED-09.ownerIsUser", kind: .invariantViolated)
        try w.run(convert(owner: W.rep2))
        #expect(w.store.state(Customer.self, customerId)?.ownerId == W.rep2)
    }

    @Test func newRecordIdsMustBeFreeAndExistingOnesLive() throws {
        var w = world()
        w.customer(customerId, name: "Other Co", owner: W.rep)
        w.contact(contactId, customer: customerId)
        w.reject(convert(), rule: "LED-09.customerIdUnique", kind: .alreadyExists)
        w.reject(convert(customer: ID(3100)), rule: "LED-09.contactIdUnique", kind: .alreadyExists)
        w.reject(
            convert(customer: ID(3999), customerIsNew: false, opportunity: false),
            rule: "LED-09.customerExists",
            kind: .notFound
        )
        w.reject(
            convert(customer: customerId, customerIsNew: false, contact: ID(3999), contactIsNew: false),
            rule: "LED-09.contactExists",
            kind: .notFound
        )
        w.given([CustomerArchived(reason: "gone")], on: .of(Customer.self, customerId))
        w.reject(convert(customerIsNew: false, contactIsNew: false), rule: "LED-09.customerExists", kind: .notFound)
    }

    @Test func anExistingContactMustBelongToTheExistingCustomer() throws {
        var w = world()
        w.customer(customerId, name: "Acme Tools Group", owner: W.rep)
        w.customer(ID(3100), name: "Beta Ltd", owner: W.rep)
        w.contact(ID(3101), customer: ID(3100))
        w.reject(
            convert(customerIsNew: false, contact: ID(3101), contactIsNew: false),
            rule: "LED-09.contactOfCustomer",
            kind: .invariantViolated
        )
        w.reject(
            convert(customer: ID(3200), customerIsNew: true, contact: ID(3101), contactIsNew: false),
            rule: "LED-09.contactOfCustomer",
            kind: .invariantViolated
        )
        try w.run(
            convert(
                customer: ID(3100),
                customerIsNew: false,
                contact: ID(3101),
                contactIsNew: false,
                opportunity: false
            )
        )
    }

    @Test func theOwnersCapMustHaveRoomForANewCustomer() throws {
        var w = world()
        w.customer(ID(3100), name: "Beta Ltd", owner: W.rep)
        w.given(
            [
                OwnershipLimitSet(
                    limitId: ID(900),
                    scope: OwnershipLimitScope(userIds: [W.rep], deptIds: []),
                    kind: .owned,
                    max: 1,
                    countDealtCustomers: true,
                    precedence: 1
                )
            ],
            on: OwnershipPolicy.stream
        )
        w.reject(convert(), rule: "LED-09.ownerCap", kind: .invariantViolated)
        w.contact(ID(3101), customer: ID(3100))
        try w.run(
            convert(
                customer: ID(3100),
                customerIsNew: false,
                contact: ID(3101),
                contactIsNew: false,
                opportunity: false
            )
        )
    }

    @Test func theNewCustomerNameMustBeFree() throws {
        var w = world()
        w.customer(ID(3100), name: "ACME tools ", owner: W.rep2)
        let taken = w.reject(convert(), rule: "LED-09.customerNameUnique", kind: .alreadyExists)
        #expect(taken?.values["holder"] == "customer-\(ID(3100))")
    }

    @Test func theRequestedOpportunityMustBeCreatable() throws {
        var w = world()
        func with(_ o: LeadOpportunityRequest, id: ID? = nil) -> ConvertLead {
            ConvertLead(
                leadId: leadId,
                ownerId: W.rep,
                customerId: customerId,
                customerIsNew: true,
                contactId: contactId,
                contactIsNew: true,
                opportunityId: id ?? oppId,
                opportunity: o
            )
        }
        w.reject(
            ConvertLead(
                leadId: leadId,
                ownerId: W.rep,
                customerId: customerId,
                customerIsNew: true,
                contactId: contactId,
                contactIsNew: true,
                opportunityId: oppId
            ),
            rule: "LED-09.opportunity",
            kind: .invalidInput
        )
        w.reject(
            with(
                LeadOpportunityRequest(
                    name: "",
                    pipelineId: W.pipeline,
                    amount: .cny(1),
                    expectedCloseDate: LocalDate(2026, 5, 31)
                )
            ),
            rule: "LED-09.opportunity",
            kind: .invalidInput
        )
        w.reject(
            with(
                LeadOpportunityRequest(
                    name: "x",
                    pipelineId: W.pipeline,
                    amount: .cny(-1),
                    expectedCloseDate: LocalDate(2026, 5, 31)
                )
            ),
            rule: "LED-09.opportunity",
            kind: .invalidInput
        )
        w.reject(
            with(
                LeadOpportunityRequest(
                    name: "x",
                    pipelineId: W.pipeline,
                    amount: Money(amountMinor: 1, currency: "rmb"),
                    expectedCloseDate: LocalDate(2026, 5, 31)
                )
            ),
            rule: "LED-09.opportunity",
            kind: .invalidInput
        )
        w.reject(
            with(
                LeadOpportunityRequest(
                    name: "x",
                    pipelineId: ID(9),
                    amount: .cny(1),
                    expectedCloseDate: LocalDate(2026, 5, 31)
                )
            ),
            rule: "LED-09.pipelineExists",
            kind: .notFound
        )
        w.opportunity(ID(4100), customer: ID(3999), owner: W.rep)
        w.reject(with(request, id: ID(4100)), rule: "LED-09.opportunityIdUnique", kind: .alreadyExists)
        w.customer(ID(3100), name: "Beta Ltd", owner: W.rep)
        w.given([CustomerListed(list: .black, reason: "fraud", until: nil)], on: .of(Customer.self, ID(3100)))
        w.reject(
            convert(customer: ID(3100), customerIsNew: false),
            rule: "LED-09.opportunity",
            kind: .invariantViolated
        )
    }
}
