import CRMDomain
import Testing

private typealias W = CustomerWorld
private typealias A = CustomerActor

/// CUS-01..CUS-08 and CUS-19..CUS-22: accepted and rejected cases for every check.
@Suite struct CustomerTests {
    // MARK: CUS-01

    @Test func createEmitsTheCustomerWithTheOwnerReceiveTime() throws {
        var w = try W()
        let out = try w.run(
            CreateCustomer(
                customerId: ID(1),
                name: " Acme Trading ",
                kind: .company,
                source: "web",
                industry: "wholesale",
                level: "A",
                address: "88 Wensan Road",
                ownerId: W.rep1
            ),
            as: A.rep1
        )
        let expected = CustomerCreated(
            customerId: ID(1),
            name: "Acme Trading",
            kind: .company,
            source: "web",
            industry: "wholesale",
            level: "A",
            address: "88 Wensan Road",
            ownerId: W.rep1,
            poolId: nil,
            createdVia: .manual,
            at: W.t0
        )
        #expect(W.values(out) == [AnyHashable(expected)])
        #expect(W.streams(out) == ["customer-\(ID(1))"])
        let c = try #require(w.customer(ID(1)))
        #expect(c.isLive && c.ownerId == W.rep1 && c.receivedAt == W.t0 && c.receiveKind == .created)
        #expect(w.store.lookup(CustomerIndex.nameKey("ACME trading")) == W.stream(ID(1)))
        #expect(w.store.children(of: CustomerIndex.owner(W.rep1), category: "customer") == [W.stream(ID(1))])
    }

    @Test func createInAPoolUsesTheDefaultLevelAndLinksThePool() throws {
        var w = try W()
        try w.definePool()
        let out = try w.run(
            CreateCustomer(customerId: ID(2), name: "Beta", poolId: W.pool, createdVia: .leadConversion(ID(77))),
            as: A.manager
        )
        let created = try #require(out.first?.event as? CustomerCreated)
        #expect(created.level == "C" && created.poolId == W.pool && created.ownerId == nil)
        #expect(created.createdVia == CustomerCreatedVia(kind: .leadConversion, leadId: ID(77)))
        #expect(w.store.children(of: CustomerIndex.pool(W.pool), category: "customer") == [W.stream(ID(2))])
    }

    @Test func createRejectsADuplicateNameIgnoringCaseAndSpaces() throws {
        var w = try W()
        try w.createCustomer(ID(1), name: "Acme Trading")
        w.expectRejected(
            CreateCustomer(customerId: ID(2), name: "  acme TRADING"),
            as: A.rep1,
            rule: "CUS-01.nameUnique",
            kind: .alreadyExists
        )
    }

    @Test func createChecksTheOwnersCap() throws {
        var w = try W()
        try w.limit(.owned, max: 1, users: [W.rep1])
        try w.createCustomer(ID(1), owner: W.rep1)
        w.expectRejected(
            CreateCustomer(customerId: ID(2), name: "Two", ownerId: W.rep1),
            as: A.rep1,
            rule: "CUS-01.ownedCap",
            kind: .invariantViolated
        )
        try w.run(CreateCustomer(customerId: ID(3), name: "Three", ownerId: W.rep2), as: A.rep2)
    }

    @Test func createNeedsAConfiguredLevel() throws {
        var w = try W()
        w.expectRejected(
            CreateCustomer(customerId: ID(1), name: "One", level: "Z"),
            as: A.rep1,
            rule: "CUS-01.levelConfigured",
            kind: .invariantViolated
        )
        try w.run(
            ConfigureCustomerScales(levels: ["Gold", "Silver"], defaultLevel: "Silver", creditRatings: ["A", "B"]),
            as: A.admin
        )
        w.expectRejected(
            CreateCustomer(customerId: ID(1), name: "One", level: "A"),
            as: A.rep1,
            rule: "CUS-01.levelConfigured",
            kind: .invariantViolated
        )
        let out = try w.run(CreateCustomer(customerId: ID(1), name: "One"), as: A.rep1)
        #expect((out.first?.event as? CustomerCreated)?.level == "Silver")
    }

    @Test func createRejectsBadInput() throws {
        var w = try W()
        try w.createCustomer(ID(1), name: "One")
        w.expectRejected(
            CreateCustomer(customerId: ID(2), name: " "),
            as: A.rep1,
            rule: "CUS-01.name",
            kind: .invalidInput
        )
        w.expectRejected(
            CreateCustomer(customerId: ID(2), name: "Two", ownerId: W.rep1, poolId: W.pool),
            as: A.rep1,
            rule: "CUS-01.ownerOrPool",
            kind: .invalidInput
        )
        w.expectRejected(
            CreateCustomer(customerId: ID(2), name: "Two", createdVia: CustomerCreatedVia(kind: .leadConversion)),
            as: A.rep1,
            rule: "CUS-01.createdVia",
            kind: .invalidInput
        )
        w.expectRejected(
            CreateCustomer(customerId: ID(1), name: "Other"),
            as: A.rep1,
            rule: "CUS-01.customerIdUnique",
            kind: .alreadyExists
        )
        w.expectRejected(
            CreateCustomer(customerId: ID(2), name: "Two", ownerId: ID(999)),
            as: A.rep1,
            rule: "CUS-01.ownerActive",
            kind: .notFound
        )
        w.expectRejected(
            CreateCustomer(customerId: ID(2), name: "Two", poolId: ID(999)),
            as: A.rep1,
            rule: "CUS-01.poolExists",
            kind: .notFound
        )
        w.expectRejected(
            CreateCustomer(customerId: ID(2), name: "Two"),
            as: A.viewer,
            rule: "CUS-01.perm",
            kind: .accessDenied
        )
    }

    // MARK: CUS-02

    @Test func updateEmitsOnlyTheChangedFields() throws {
        var w = try W()
        try w.store.execute(
            CreateCustomer(customerId: ID(1), name: "Acme", industry: "retail", ownerId: W.rep1),
            as: W.setup,
            at: W.t0
        )
        let out = try w.run(
            UpdateCustomer(
                customerId: ID(1),
                edits: [
                    CustomerFieldEdit("industry", "retail"), CustomerFieldEdit("phone", "+86 571 1234"),
                    CustomerFieldEdit("name", "ACME"),
                ]
            ),
            as: A.rep1
        )
        let expected = CustomerUpdated(changes: [
            CustomerFieldChange(field: "phone", before: nil, after: "+86 571 1234"),
            CustomerFieldChange(field: "name", before: "Acme", after: "ACME"),
        ])
        #expect(W.values(out) == [AnyHashable(expected)])
        #expect(w.customer(ID(1))?.name == "ACME")
        #expect(w.store.lookup(CustomerIndex.nameKey("acme")) == W.stream(ID(1)))
    }

    @Test func updateKeepsNamesUnique() throws {
        var w = try W()
        try w.createCustomer(ID(1), name: "Acme", owner: W.rep1)
        try w.createCustomer(ID(2), name: "Beta", owner: W.rep1)
        w.expectRejected(
            UpdateCustomer(customerId: ID(2), edits: [CustomerFieldEdit("name", "acme")]),
            as: A.rep1,
            rule: "CUS-02.nameUnique",
            kind: .alreadyExists
        )
        try w.run(UpdateCustomer(customerId: ID(1), edits: [CustomerFieldEdit("name", "Acme Group")]), as: A.rep1)
        #expect(w.store.lookup(CustomerIndex.nameKey("Acme")) == nil)
        try w.run(UpdateCustomer(customerId: ID(2), edits: [CustomerFieldEdit("name", "Acme")]), as: A.rep1)
        #expect(w.store.lookup(CustomerIndex.nameKey("Acme")) == W.stream(ID(2)))
    }

    @Test func updateChecksExistencePermissionsAndFields() throws {
        var w = try W()
        try w.createCustomer(ID(1), name: "Acme", owner: W.rep1)
        w.expectRejected(
            UpdateCustomer(customerId: ID(9), edits: [CustomerFieldEdit("phone", "1")]),
            as: A.rep1,
            rule: "CUS-02.exists",
            kind: .notFound
        )
        w.expectRejected(
            UpdateCustomer(customerId: ID(1), edits: [CustomerFieldEdit("phone", "1")]),
            as: A.rep2,
            rule: "CUS-02.perm",
            kind: .accessDenied
        )
        w.expectRejected(
            UpdateCustomer(customerId: ID(1), edits: [CustomerFieldEdit("level", "A")]),
            as: A.rep1,
            rule: "CUS-02.field",
            kind: .invalidInput
        )
        w.expectRejected(
            UpdateCustomer(customerId: ID(1), edits: [CustomerFieldEdit("kind", "robot")]),
            as: A.rep1,
            rule: "CUS-02.kind",
            kind: .invalidInput
        )
        w.expectRejected(
            UpdateCustomer(customerId: ID(1), edits: [CustomerFieldEdit("name", "")]),
            as: A.rep1,
            rule: "CUS-02.name",
            kind: .invalidInput
        )
        w.expectRejected(
            UpdateCustomer(customerId: ID(1), edits: [CustomerFieldEdit("name", "Acme")]),
            as: A.rep1,
            rule: "CUS-02.changes",
            kind: .invalidInput
        )
        w.store.given(
            [FieldPermissionSet(roleId: W.repRole, object: .customer, field: "industry", access: .read, mask: .none)],
            on: StreamRef("role", W.repRole.description)
        )
        w.expectRejected(
            UpdateCustomer(customerId: ID(1), edits: [CustomerFieldEdit("industry", "it")]),
            as: A.rep1,
            rule: "CUS-02.fieldPerm",
            kind: .fieldAccessDenied
        )
        try w.run(UpdateCustomer(customerId: ID(1), edits: [CustomerFieldEdit("industry", "it")]), as: A.manager)
        #expect(w.customer(ID(1))?.industry == "it")
    }

    // MARK: CUS-03

    @Test func levelChangesOnlyToAConfiguredLevel() throws {
        var w = try W()
        try w.createCustomer(ID(1), level: "C", owner: W.rep1)
        w.expectRejected(
            ChangeCustomerLevel(customerId: ID(1), level: "S"),
            as: A.rep1,
            rule: "CUS-03.levelConfigured",
            kind: .invariantViolated
        )
        w.expectRejected(
            ChangeCustomerLevel(customerId: ID(1), level: "C"),
            as: A.rep1,
            rule: "CUS-03.changes",
            kind: .invalidInput
        )
        w.expectRejected(
            ChangeCustomerLevel(customerId: ID(1), level: "A"),
            as: A.rep2,
            rule: "CUS-03.perm",
            kind: .accessDenied
        )
        w.expectRejected(
            ChangeCustomerLevel(customerId: ID(8), level: "A"),
            as: A.rep1,
            rule: "CUS-03.exists",
            kind: .notFound
        )
        let out = try w.run(ChangeCustomerLevel(customerId: ID(1), level: "A"), as: A.rep1)
        #expect(W.values(out) == [AnyHashable(CustomerLevelChanged(from: "C", to: "A"))])
        #expect(w.customer(ID(1))?.level == "A")
    }

    // MARK: CUS-04

    @Test func creditRatingIsInTheScaleWithANonNegativeLimit() throws {
        var w = try W()
        try w.createCustomer(ID(1), owner: W.rep1)
        w.expectRejected(
            RateCustomerCredit(customerId: ID(1), rating: "AAA+", basis: "audit"),
            as: A.manager,
            rule: "CUS-04.ratingInScale",
            kind: .invariantViolated
        )
        w.expectRejected(
            RateCustomerCredit(customerId: ID(1), rating: "AA", creditLimit: .cny(-1), basis: "audit"),
            as: A.manager,
            rule: "CUS-04.creditLimitNonNegative",
            kind: .invariantViolated
        )
        w.expectRejected(
            RateCustomerCredit(customerId: ID(1), rating: "AA", basis: "audit"),
            as: A.rep1,
            rule: "CUS-04.perm",
            kind: .accessDenied
        )
        w.expectRejected(
            RateCustomerCredit(customerId: ID(1), rating: "AA", basis: ""),
            as: A.manager,
            rule: "CUS-04.basis",
            kind: .invalidInput
        )
        w.expectRejected(
            RateCustomerCredit(customerId: ID(1), rating: "AA", validUntil: LocalDate(2026, 3, 1), basis: "audit"),
            as: A.manager,
            rule: "CUS-04.validUntil",
            kind: .invalidInput
        )
        let out = try w.run(
            RateCustomerCredit(
                customerId: ID(1),
                rating: "AA",
                creditLimit: .cny(0),
                validUntil: LocalDate(2026, 12, 31),
                basis: "audit"
            ),
            as: A.manager
        )
        #expect(
            W.values(out)
                == [
                    AnyHashable(
                        CustomerCreditRated(
                            rating: "AA",
                            creditLimit: .cny(0),
                            validUntil: LocalDate(2026, 12, 31),
                            basis: "audit"
                        )
                    )
                ]
        )
        #expect(w.customer(ID(1))?.credit?.rating == "AA")
    }

    // MARK: CUS-05 / CUS-06

    @Test func blackAndWhiteListsAreExclusive() throws {
        var w = try W()
        try w.createCustomer(ID(1), owner: W.rep1)
        let out = try w.run(ListCustomer(customerId: ID(1), list: .black, reason: "fraud"), as: A.rep1)
        #expect(W.values(out) == [AnyHashable(CustomerListed(list: .black, reason: "fraud", until: nil))])
        w.expectRejected(
            ListCustomer(customerId: ID(1), list: .black, reason: "again"),
            as: A.rep1,
            rule: "CUS-05.notAlreadyListed",
            kind: .invalidState
        )
        w.expectRejected(
            ListCustomer(customerId: ID(1), list: .white, reason: "vip"),
            as: A.rep1,
            rule: "CUS-05.blackWhiteExclusive",
            kind: .invariantViolated
        )
        w.expectRejected(
            ListCustomer(customerId: ID(1), list: .white, reason: "vip"),
            as: A.rep2,
            rule: "CUS-05.perm",
            kind: .accessDenied
        )
        w.expectRejected(
            DelistCustomer(customerId: ID(1), list: .white),
            as: A.rep1,
            rule: "CUS-06.onList",
            kind: .invalidState
        )
        let delisted = try w.run(DelistCustomer(customerId: ID(1), list: .black), as: A.rep1)
        #expect(W.values(delisted) == [AnyHashable(CustomerDelisted(list: .black))])
        try w.run(ListCustomer(customerId: ID(1), list: .white, reason: "vip"), as: A.rep1)
        #expect(w.customer(ID(1))?.list == .white)
    }

    @Test func aLapsedListingNoLongerBlocksTheOtherList() throws {
        var w = try W()
        try w.createCustomer(ID(1), owner: W.rep1)
        w.expectRejected(
            ListCustomer(customerId: ID(1), list: .black, reason: "x", until: LocalDate(2026, 3, 1)),
            as: A.rep1,
            rule: "CUS-05.until",
            kind: .invalidInput
        )
        w.expectRejected(
            ListCustomer(customerId: ID(1), list: .black, reason: " "),
            as: A.rep1,
            rule: "CUS-05.reason",
            kind: .invalidInput
        )
        try w.run(
            ListCustomer(customerId: ID(1), list: .black, reason: "late payer", until: LocalDate(2026, 3, 10)),
            as: A.rep1
        )
        let later = Timestamp(LocalDate(2026, 3, 11), hour: 9)
        try w.run(ListCustomer(customerId: ID(1), list: .white, reason: "paid up"), as: A.rep1, at: later)
        #expect(w.customer(ID(1))?.list == .white)
    }

    // MARK: CUS-07 / CUS-08

    @Test func lockingNeedsAnOwnedNormalCustomerWithinTheLockedCap() throws {
        var w = try W()
        try w.definePool()
        try w.limit(.locked, max: 1, users: [W.rep1])
        try w.createCustomer(ID(1), owner: W.rep1)
        try w.createCustomer(ID(2), owner: W.rep1)
        try w.createCustomer(ID(3), pool: W.pool)
        w.expectRejected(LockCustomer(customerId: ID(3)), as: A.manager, rule: "CUS-07.owned", kind: .invalidState)
        w.expectRejected(LockCustomer(customerId: ID(1)), as: A.rep2, rule: "CUS-07.perm", kind: .accessDenied)
        let out = try w.run(LockCustomer(customerId: ID(1)), as: A.rep1)
        #expect(W.values(out) == [AnyHashable(CustomerLocked())])
        w.expectRejected(LockCustomer(customerId: ID(1)), as: A.rep1, rule: "CUS-07.statusNormal", kind: .invalidState)
        w.expectRejected(
            LockCustomer(customerId: ID(2)),
            as: A.rep1,
            rule: "CUS-07.lockedCap",
            kind: .invariantViolated
        )
        w.expectRejected(UnlockCustomer(customerId: ID(2)), as: A.rep1, rule: "CUS-08.locked", kind: .invalidState)
        let unlocked = try w.run(UnlockCustomer(customerId: ID(1)), as: A.rep1)
        #expect(W.values(unlocked) == [AnyHashable(CustomerUnlocked())])
        try w.run(LockCustomer(customerId: ID(2)), as: A.rep1)
        #expect(w.customer(ID(2))?.locked == true && w.customer(ID(1))?.locked == false)
    }

    // MARK: CUS-19

    @Test func parentHierarchyStaysAcyclic() throws {
        var w = try W()
        for i: UInt64 in 1...3 { try w.createCustomer(ID(i), owner: W.rep1) }
        let out = try w.run(ChangeCustomerParent(customerId: ID(2), parentCustomerId: ID(1)), as: A.rep1)
        #expect(W.values(out) == [AnyHashable(CustomerParentChanged(parentCustomerId: ID(1)))])
        try w.run(ChangeCustomerParent(customerId: ID(3), parentCustomerId: ID(2)), as: A.rep1)
        w.expectRejected(
            ChangeCustomerParent(customerId: ID(1), parentCustomerId: ID(3)),
            as: A.rep1,
            rule: "CUS-19.noCycle",
            kind: .invariantViolated
        )
        w.expectRejected(
            ChangeCustomerParent(customerId: ID(1), parentCustomerId: ID(1)),
            as: A.rep1,
            rule: "CUS-19.noCycle",
            kind: .invariantViolated
        )
        w.expectRejected(
            ChangeCustomerParent(customerId: ID(3), parentCustomerId: ID(2)),
            as: A.rep1,
            rule: "CUS-19.changes",
            kind: .invalidInput
        )
        try w.run(ArchiveCustomer(customerId: ID(1), reason: "closed"), as: A.rep1)
        w.expectRejected(
            ChangeCustomerParent(customerId: ID(3), parentCustomerId: ID(1)),
            as: A.rep1,
            rule: "CUS-19.parentLive",
            kind: .notFound
        )
        try w.run(ChangeCustomerParent(customerId: ID(3), parentCustomerId: nil), as: A.rep1)
        #expect(w.customer(ID(3))?.parentCustomerId == nil)
    }

    // MARK: CUS-20

    @Test func dealStatusMustActuallyChange() throws {
        var w = try W()
        try w.createCustomer(ID(1), owner: W.rep1)
        w.expectRejected(
            ChangeCustomerDealStatus(customerId: ID(1), dealt: false, cause: .manual),
            as: A.rep1,
            rule: "CUS-20.valueChanges",
            kind: .invalidState
        )
        w.expectRejected(
            ChangeCustomerDealStatus(customerId: ID(1), dealt: true, cause: .manual),
            as: A.rep2,
            rule: "CUS-20.perm",
            kind: .accessDenied
        )
        let out = try w.run(
            ChangeCustomerDealStatus(customerId: ID(1), dealt: true, cause: .contractSigned),
            as: .system(job: "contracts")
        )
        #expect(W.values(out) == [AnyHashable(CustomerDealStatusChanged(dealt: true, cause: .contractSigned))])
        w.expectRejected(
            ChangeCustomerDealStatus(customerId: ID(1), dealt: true, cause: .contractSigned),
            as: .system(job: "contracts"),
            rule: "CUS-20.valueChanges",
            kind: .invalidState
        )
        w.expectRejected(
            ChangeCustomerDealStatus(customerId: ID(5), dealt: true, cause: .manual),
            as: A.rep1,
            rule: "CUS-20.exists",
            kind: .notFound
        )
    }

    @Test func dealStatusOfAMergedCustomerGoesToTheSurvivor() throws {
        var w = try W()
        try w.createCustomer(ID(1), owner: W.rep1)
        try w.createCustomer(ID(2), owner: W.rep1)
        try w.run(MergeCustomers(survivorId: ID(1), mergedIds: [ID(2)]), as: A.rep1)
        let out = try w.run(
            ChangeCustomerDealStatus(customerId: ID(2), dealt: true, cause: .contractSigned),
            as: .system(job: "contracts")
        )
        #expect(W.streams(out) == ["customer-\(ID(1))"])
        #expect(w.customer(ID(1))?.dealt == true)
    }

    // MARK: CUS-21 / CUS-22

    @Test func archiveNeedsNoOpenOpportunityAndNoContractInApproval() throws {
        var w = try W()
        try w.createCustomer(ID(1), owner: W.rep1)
        w.seedOpportunity(ID(50), customer: ID(1), owner: W.rep1)
        w.seedOpportunity(ID(51), customer: ID(1), owner: W.rep1, status: .won)
        w.expectRejected(
            ArchiveCustomer(customerId: ID(1), reason: "gone"),
            as: A.rep1,
            rule: "CUS-21.noOpenOpportunity",
            kind: .invariantViolated
        )
        w.store.given([OpportunityVoided(reason: .invalid)], on: .of(Opportunity.self, ID(50)))
        w.seedContract(ID(60), customer: ID(1), owner: W.rep1, submitted: true)
        w.expectRejected(
            ArchiveCustomer(customerId: ID(1), reason: "gone"),
            as: A.rep1,
            rule: "CUS-21.noContractInApproval",
            kind: .invariantViolated
        )
        w.store.given([ContractApproved(approvalId: ID(800))], on: .of(Contract.self, ID(60)))
        w.expectRejected(
            ArchiveCustomer(customerId: ID(1), reason: ""),
            as: A.rep1,
            rule: "CUS-21.reason",
            kind: .invalidInput
        )
        w.expectRejected(
            ArchiveCustomer(customerId: ID(1), reason: "gone"),
            as: A.viewer,
            rule: "CUS-21.perm",
            kind: .accessDenied
        )
        let out = try w.run(ArchiveCustomer(customerId: ID(1), reason: "gone"), as: A.rep1)
        #expect(W.values(out) == [AnyHashable(CustomerArchived(reason: "gone"))])
        #expect(w.customer(ID(1))?.isLive == false)
        w.expectRejected(
            ArchiveCustomer(customerId: ID(1), reason: "again"),
            as: A.rep1,
            rule: "CUS-21.exists",
            kind: .notFound
        )
    }

    @Test func restoreBringsBackAnArchivedCustomerButNotAMergedOne() throws {
        var w = try W()
        try w.createCustomer(ID(1), name: "Acme", owner: W.rep1)
        try w.createCustomer(ID(2), owner: W.rep1)
        try w.createCustomer(ID(3), owner: W.rep1)
        w.expectRejected(RestoreCustomer(customerId: ID(1)), as: A.rep1, rule: "CUS-22.archived", kind: .invalidState)
        try w.run(ArchiveCustomer(customerId: ID(1), reason: "dormant"), as: A.rep1)
        w.expectRejected(
            CreateCustomer(customerId: ID(4), name: "acme"),
            as: A.rep1,
            rule: "CUS-01.nameUnique",
            kind: .alreadyExists
        )
        w.expectRejected(RestoreCustomer(customerId: ID(1)), as: A.rep2, rule: "CUS-22.perm", kind: .accessDenied)
        let out = try w.run(RestoreCustomer(customerId: ID(1)), as: A.rep1)
        #expect(W.values(out) == [AnyHashable(CustomerRestored())])
        #expect(w.customer(ID(1))?.isLive == true)
        try w.run(MergeCustomers(survivorId: ID(2), mergedIds: [ID(3)]), as: A.rep1)
        w.expectRejected(RestoreCustomer(customerId: ID(3)), as: A.rep1, rule: "CUS-22.notMerged", kind: .invalidState)
        w.expectRejected(RestoreCustomer(customerId: ID(9)), as: A.rep1, rule: "CUS-22.exists", kind: .notFound)
    }
}
