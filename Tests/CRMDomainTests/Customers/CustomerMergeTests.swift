import CRMDomain
import Testing

private typealias W = CustomerWorld
private typealias A = CustomerActor

/// CUS-16 duplicates and CUS-17/18 merges.
@Suite struct CustomerMergeTests {
    // MARK: CUS-16

    @Test func duplicatesAreFlaggedOnEveryRecord() throws {
        var w = try W()
        try w.createCustomer(ID(1), owner: W.rep1)
        try w.createCustomer(ID(2), owner: W.rep2)
        let out = try w.run(
            FlagDuplicates(entityType: .customer, ids: [ID(1), ID(2)], matchRule: "name+phone", score: 9_200),
            as: A.manager
        )
        let fact = DuplicateSuspected(
            entityType: .customer,
            ids: [ID(1), ID(2)],
            matchRule: "name+phone",
            score: 9_200
        )
        #expect(W.values(out) == [AnyHashable(fact), AnyHashable(fact)])
        #expect(W.streams(out) == ["customer-\(ID(1))", "customer-\(ID(2))"])
        #expect(w.customer(ID(1))?.suspectedDuplicateIds == [ID(2)])
        #expect(w.customer(ID(2))?.suspectedDuplicateIds == [ID(1)])
    }

    @Test func duplicateContactsAndLeadsMustExist() throws {
        var w = try W()
        try w.createCustomer(ID(1), owner: W.rep1)
        try w.run(AddContact(contactId: ID(80), customerId: ID(1), name: "Wang"), as: A.rep1)
        try w.run(AddContact(contactId: ID(81), customerId: ID(1), name: "Wang L."), as: A.rep1)
        let contacts = try w.run(
            FlagDuplicates(entityType: .contact, ids: [ID(80), ID(81)], matchRule: "email", score: 10_000),
            as: A.manager
        )
        #expect(W.streams(contacts) == ["contact-\(ID(80))", "contact-\(ID(81))"])
        w.store.given(
            [TestFollowUp(customerId: nil, occurredAt: W.t0, linkTo: nil)],
            on: StreamRef("lead", ID(90).description)
        )
        w.expectRejected(
            FlagDuplicates(entityType: .lead, ids: [ID(90), ID(91)], matchRule: "phone", score: 8_000),
            as: A.admin,
            rule: "CUS-16.allExist",
            kind: .notFound
        )
        w.store.given(
            [TestFollowUp(customerId: nil, occurredAt: W.t0, linkTo: nil)],
            on: StreamRef("lead", ID(91).description)
        )
        let leads = try w.run(
            FlagDuplicates(entityType: .lead, ids: [ID(90), ID(91)], matchRule: "phone", score: 8_000),
            as: A.admin
        )
        #expect(W.streams(leads) == ["lead-\(ID(90))", "lead-\(ID(91))"])
    }

    @Test func duplicateFlagChecks() throws {
        var w = try W()
        try w.createCustomer(ID(1), owner: W.rep1)
        try w.createCustomer(ID(2), owner: W.rep1)
        try w.createCustomer(ID(3), owner: W.rep1)
        let ok = FlagDuplicates(entityType: .customer, ids: [ID(1), ID(2)], matchRule: "name", score: 5_000)
        w.expectRejected(ok, as: A.rep1, rule: "CUS-16.perm", kind: .accessDenied)
        w.expectRejected(
            FlagDuplicates(entityType: .opportunity, ids: [ID(1), ID(2)], matchRule: "name", score: 5_000),
            as: A.manager,
            rule: "CUS-16.entityType",
            kind: .invalidInput
        )
        w.expectRejected(
            FlagDuplicates(entityType: .customer, ids: [ID(1), ID(1)], matchRule: "name", score: 5_000),
            as: A.manager,
            rule: "CUS-16.ids",
            kind: .invalidInput
        )
        w.expectRejected(
            FlagDuplicates(entityType: .customer, ids: [ID(1), ID(2)], matchRule: " ", score: 5_000),
            as: A.manager,
            rule: "CUS-16.matchRule",
            kind: .invalidInput
        )
        w.expectRejected(
            FlagDuplicates(entityType: .customer, ids: [ID(1), ID(2)], matchRule: "name", score: 10_001),
            as: A.manager,
            rule: "CUS-16.score",
            kind: .invalidInput
        )
        w.expectRejected(
            FlagDuplicates(entityType: .customer, ids: [ID(1), ID(9)], matchRule: "name", score: 5_000),
            as: A.manager,
            rule: "CUS-16.allExist",
            kind: .notFound
        )
        try w.run(MergeCustomers(survivorId: ID(1), mergedIds: [ID(3)]), as: A.manager)
        w.expectRejected(
            FlagDuplicates(entityType: .customer, ids: [ID(2), ID(3)], matchRule: "name", score: 5_000),
            as: A.manager,
            rule: "CUS-16.notMerged",
            kind: .invalidState
        )
        try w.run(ok, as: A.manager)
    }

    // MARK: CUS-17 / CUS-18

    @Test func aMergeKeepsChosenValuesReparentsChildrenAndMovesNames() throws {
        var w = try W()
        try w.createCustomer(ID(1), name: "Acme", level: "B", owner: W.rep1)
        try w.createCustomer(ID(2), name: "Acme Ltd", level: "A", owner: W.rep1)
        try w.createCustomer(ID(3), name: "Acme Hangzhou", owner: W.rep1)
        try w.run(UpdateCustomer(customerId: ID(2), edits: [CustomerFieldEdit("phone", "+86 571 0000")]), as: A.rep1)
        try w.run(AddContact(contactId: ID(80), customerId: ID(2), name: "Wang"), as: A.rep1)
        w.seedOpportunity(ID(50), customer: ID(2), owner: W.rep1)
        w.seedContract(ID(60), customer: ID(3), owner: W.rep1)
        w.store.given(
            [TestFollowUp(customerId: ID(3), occurredAt: W.t0, linkTo: ID(3))],
            on: StreamRef("activity", ID(610).description)
        )
        let out = try w.run(
            MergeCustomers(
                survivorId: ID(1),
                mergedIds: [ID(2), ID(3)],
                keep: [
                    MergeFieldChoice(field: "name", sourceId: ID(2)), MergeFieldChoice(field: "phone", sourceId: ID(2)),
                    MergeFieldChoice(field: "level", sourceId: ID(2)),
                    MergeFieldChoice(field: "industry", sourceId: ID(1)),
                ]
            ),
            as: A.rep1
        )
        let merged = CustomersMerged(
            survivorId: ID(1),
            mergedIds: [ID(2), ID(3)],
            fieldResolutions: [
                MergeFieldResolution(field: "name", sourceId: ID(2), before: "Acme", after: "Acme Ltd"),
                MergeFieldResolution(field: "phone", sourceId: ID(2), before: nil, after: "+86 571 0000"),
                MergeFieldResolution(field: "level", sourceId: ID(2), before: "B", after: "A"),
                MergeFieldResolution(field: "industry", sourceId: ID(1), before: nil, after: nil),
            ],
            reparented: MergeReparented(
                contacts: [ReparentedRecord(id: ID(80), fromCustomerId: ID(2))],
                opportunities: [ReparentedRecord(id: ID(50), fromCustomerId: ID(2))],
                contracts: [ReparentedRecord(id: ID(60), fromCustomerId: ID(3))],
                activities: [ReparentedRecord(id: ID(610), fromCustomerId: ID(3))],
                payments: []
            )
        )
        #expect(
            W.values(out) == [
                AnyHashable(merged),
                AnyHashable(CustomerMergedAway(survivorId: ID(1), releasedName: nil)),
                AnyHashable(CustomerMergedAway(survivorId: ID(1), releasedName: "Acme Hangzhou")),
            ]
        )
        #expect(W.streams(out) == ["customer-\(ID(1))", "customer-\(ID(2))", "customer-\(ID(3))"])
        let survivor = try #require(w.customer(ID(1)))
        #expect(survivor.name == "Acme Ltd" && survivor.phone == "+86 571 0000" && survivor.level == "A")
        #expect(survivor.mergedIds == [ID(2), ID(3)])
        #expect(w.customer(ID(2))?.mergedIntoId == ID(1) && w.customer(ID(2))?.isLive == false)
        #expect(w.store.lookup(CustomerIndex.nameKey("Acme Ltd")) == W.stream(ID(1)))
        #expect(w.store.lookup(CustomerIndex.nameKey("Acme")) == nil)
        #expect(w.store.lookup(CustomerIndex.nameKey("Acme Hangzhou")) == nil)
        #expect(w.store.children(of: W.stream(ID(1)), category: "contact") == [.of(Contact.self, ID(80))])
        #expect(w.store.children(of: W.stream(ID(2)), category: "contact").isEmpty)
        #expect(w.store.children(of: W.stream(ID(1)), category: "contract") == [.of(Contract.self, ID(60))])
        try w.run(SetPrimaryContact(customerId: ID(1), contactId: ID(80)), as: A.rep1)
        try w.run(CreateCustomer(customerId: ID(4), name: "Acme Hangzhou"), as: A.rep1)
        w.expectRejected(
            AddContact(contactId: ID(81), customerId: ID(2), name: "Li"),
            as: A.rep1,
            rule: "CON-01.customerLive",
            kind: .notFound
        )
    }

    @Test func mergingADealtVictimMakesTheSurvivorDealt() throws {
        var w = try W()
        try w.createCustomer(ID(1), owner: W.rep1)
        try w.createCustomer(ID(2), owner: W.rep1)
        try w.run(ChangeCustomerDealStatus(customerId: ID(2), dealt: true, cause: .contractSigned), as: A.rep1)
        let out = try w.run(MergeCustomers(survivorId: ID(1), mergedIds: [ID(2)]), as: A.rep1)
        #expect(out.map(\.event.eventType) == ["CustomersMerged", "CustomerMergedAway", "CustomerDealStatusChanged"])
        #expect(out.last?.event as? CustomerDealStatusChanged == CustomerDealStatusChanged(dealt: true, cause: .manual))
        #expect(w.customer(ID(1))?.dealt == true)
    }

    @Test func mergeChecks() throws {
        var w = try W()
        for i: UInt64 in 1...5 { try w.createCustomer(ID(i), owner: W.rep1) }
        try w.createCustomer(ID(6), owner: W.rep2)
        w.expectRejected(
            MergeCustomers(survivorId: ID(1), mergedIds: [ID(2), ID(3), ID(4)]),
            as: A.rep1,
            rule: "CUS-17.mergeCount",
            kind: .invariantViolated
        )
        w.expectRejected(
            MergeCustomers(survivorId: ID(1), mergedIds: []),
            as: A.rep1,
            rule: "CUS-17.mergeCount",
            kind: .invariantViolated
        )
        w.expectRejected(
            MergeCustomers(survivorId: ID(1), mergedIds: [ID(1)]),
            as: A.rep1,
            rule: "CUS-17.mergedIds",
            kind: .invalidInput
        )
        w.expectRejected(
            MergeCustomers(survivorId: ID(1), mergedIds: [ID(9)]),
            as: A.rep1,
            rule: "CUS-17.allLive",
            kind: .notFound
        )
        w.expectRejected(
            MergeCustomers(survivorId: ID(1), mergedIds: [ID(6)]),
            as: A.rep1,
            rule: "CUS-17.perm",
            kind: .accessDenied
        )
        w.expectRejected(
            MergeCustomers(
                survivorId: ID(1),
                mergedIds: [ID(2)],
                keep: [MergeFieldChoice(field: "ownerId", sourceId: ID(2))]
            ),
            as: A.rep1,
            rule: "CUS-17.fieldResolutions",
            kind: .invalidInput
        )
        w.expectRejected(
            MergeCustomers(
                survivorId: ID(1),
                mergedIds: [ID(2)],
                keep: [MergeFieldChoice(field: "phone", sourceId: ID(3))]
            ),
            as: A.rep1,
            rule: "CUS-17.fieldResolutions",
            kind: .invalidInput
        )
        try w.run(ListCustomer(customerId: ID(2), list: .black, reason: "fraud"), as: A.rep1)
        try w.run(ListCustomer(customerId: ID(3), list: .white, reason: "vip"), as: A.rep1)
        w.expectRejected(
            MergeCustomers(survivorId: ID(2), mergedIds: [ID(3)]),
            as: A.rep1,
            rule: "CUS-17.listConflict",
            kind: .invariantViolated
        )
        try w.run(MergeCustomers(survivorId: ID(2), mergedIds: [ID(1)]), as: A.rep1)
        try w.run(ArchiveCustomer(customerId: ID(4), reason: "gone"), as: A.rep1)
        w.expectRejected(
            MergeCustomers(survivorId: ID(5), mergedIds: [ID(4)]),
            as: A.rep1,
            rule: "CUS-17.allLive",
            kind: .notFound
        )
    }

    @Test func mergeWaitsForPendingTransfersAndApprovals() throws {
        var w = try W()
        for i: UInt64 in 1...3 { try w.createCustomer(ID(i), owner: W.rep1) }
        try w.run(
            RequestCustomerTransfer(
                customerId: ID(2),
                requestId: ID(40),
                toOwnerId: W.rep2,
                reason: "handover",
                requesterId: W.rep1
            ),
            as: A.rep1
        )
        w.expectRejected(
            MergeCustomers(survivorId: ID(1), mergedIds: [ID(2)]),
            as: A.rep1,
            rule: "CUS-17.noPendingTransfer",
            kind: .invalidState
        )
        w.seedContract(ID(60), customer: ID(3), owner: W.rep1, submitted: true)
        w.expectRejected(
            MergeCustomers(survivorId: ID(3), mergedIds: [ID(1)]),
            as: A.rep1,
            rule: "CUS-17.noPendingApproval",
            kind: .invalidState
        )
        w.store.given([ContractApproved(approvalId: ID(800))], on: .of(Contract.self, ID(60)))
        try w.run(MergeCustomers(survivorId: ID(3), mergedIds: [ID(1)]), as: A.rep1)
    }
}
