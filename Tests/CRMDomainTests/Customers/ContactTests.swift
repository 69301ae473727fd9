import CRMDomain
import Testing

private typealias W = CustomerWorld
private typealias A = CustomerActor

/// CON-01..CON-04.
@Suite struct ContactTests {
    private func world() throws -> CustomerWorld {
        var w = try W()
        try w.createCustomer(ID(1), owner: W.rep1)
        try w.createCustomer(ID(2), owner: W.rep1)
        return w
    }

    // MARK: CON-01

    @Test func aContactIsAddedToALiveCustomer() throws {
        var w = try world()
        try w.run(AddContact(contactId: ID(80), customerId: ID(1), name: "Zhang Wei", title: "CFO"), as: A.rep1)
        let out = try w.run(
            AddContact(
                contactId: ID(81),
                customerId: ID(1),
                name: " Wang Li ",
                title: "Buyer",
                department: "Procurement",
                phones: ["+86 138 0000 1234 "],
                email: "wang.li@example.cn",
                reportsToContactId: ID(80),
                role: .influencer
            ),
            as: A.rep1
        )
        let expected = ContactAdded(
            contactId: ID(81),
            customerId: ID(1),
            name: "Wang Li",
            title: "Buyer",
            department: "Procurement",
            phones: ["+86 138 0000 1234"],
            email: "wang.li@example.cn",
            reportsToContactId: ID(80),
            role: .influencer
        )
        #expect(W.values(out) == [AnyHashable(expected)])
        #expect(W.streams(out) == ["contact-\(ID(81))"])
        #expect(
            w.store.children(of: W.stream(ID(1)), category: "contact") == [
                .of(Contact.self, ID(80)), .of(Contact.self, ID(81)),
            ]
        )
        #expect(w.store.state(Contact.self, ID(81))?.reportsToContactId == ID(80))
    }

    @Test func addChecks() throws {
        var w = try world()
        try w.run(AddContact(contactId: ID(80), customerId: ID(1), name: "Zhang"), as: A.rep1)
        try w.run(AddContact(contactId: ID(90), customerId: ID(2), name: "Other"), as: A.rep1)
        w.expectRejected(
            AddContact(contactId: ID(81), customerId: ID(1), name: ""),
            as: A.rep1,
            rule: "CON-01.name",
            kind: .invalidInput
        )
        w.expectRejected(
            AddContact(contactId: ID(81), customerId: ID(1), name: "Li", phones: ["123,456"]),
            as: A.rep1,
            rule: "CON-01.phones",
            kind: .invalidInput
        )
        w.expectRejected(
            AddContact(contactId: ID(80), customerId: ID(1), name: "Li"),
            as: A.rep1,
            rule: "CON-01.contactIdUnique",
            kind: .alreadyExists
        )
        w.expectRejected(
            AddContact(contactId: ID(81), customerId: ID(9), name: "Li"),
            as: A.rep1,
            rule: "CON-01.customerLive",
            kind: .notFound
        )
        w.expectRejected(
            AddContact(contactId: ID(81), customerId: ID(1), name: "Li"),
            as: A.rep2,
            rule: "CON-01.perm",
            kind: .accessDenied
        )
        w.expectRejected(
            AddContact(contactId: ID(81), customerId: ID(1), name: "Li", reportsToContactId: ID(90)),
            as: A.rep1,
            rule: "CON-01.reportsToSameCustomer",
            kind: .invariantViolated
        )
        w.expectRejected(
            AddContact(contactId: ID(81), customerId: ID(1), name: "Li", reportsToContactId: ID(81)),
            as: A.rep1,
            rule: "CON-01.noReportingCycle",
            kind: .invariantViolated
        )
    }

    // MARK: CON-02

    @Test func updateRecordsChangedFieldsInCanonicalForm() throws {
        var w = try world()
        try w.run(
            AddContact(contactId: ID(80), customerId: ID(1), name: "Zhang", title: "CFO", phones: ["111"]),
            as: A.rep1
        )
        try w.run(AddContact(contactId: ID(81), customerId: ID(1), name: "Li"), as: A.rep1)
        let out = try w.run(
            UpdateContact(
                contactId: ID(81),
                edits: [
                    CustomerFieldEdit("title", "Buyer"), CustomerFieldEdit("phones", "222 , 333"),
                    CustomerFieldEdit("reportsToContactId", ID(80).description.uppercased()),
                    CustomerFieldEdit("role", "evaluator"),
                    CustomerFieldEdit("name", "Li"),
                ]
            ),
            as: A.rep1
        )
        let expected = ContactUpdated(changes: [
            CustomerFieldChange(field: "title", before: nil, after: "Buyer"),
            CustomerFieldChange(field: "phones", before: nil, after: "222,333"),
            CustomerFieldChange(field: "reportsToContactId", before: nil, after: ID(80).description),
            CustomerFieldChange(field: "role", before: nil, after: "evaluator"),
        ])
        #expect(W.values(out) == [AnyHashable(expected)])
        let contact = try #require(w.store.state(Contact.self, ID(81)))
        #expect(contact.phones == ["222", "333"] && contact.reportsToContactId == ID(80) && contact.role == .evaluator)
    }

    @Test func updateKeepsTheReportingTreeAcyclicAndWithinTheCustomer() throws {
        var w = try world()
        try w.run(AddContact(contactId: ID(80), customerId: ID(1), name: "Boss"), as: A.rep1)
        try w.run(
            AddContact(contactId: ID(81), customerId: ID(1), name: "Lead", reportsToContactId: ID(80)),
            as: A.rep1
        )
        try w.run(
            AddContact(contactId: ID(82), customerId: ID(1), name: "Staff", reportsToContactId: ID(81)),
            as: A.rep1
        )
        try w.run(AddContact(contactId: ID(90), customerId: ID(2), name: "Elsewhere"), as: A.rep1)
        w.expectRejected(
            UpdateContact(contactId: ID(80), edits: [CustomerFieldEdit("reportsToContactId", ID(82).description)]),
            as: A.rep1,
            rule: "CON-02.noReportingCycle",
            kind: .invariantViolated
        )
        w.expectRejected(
            UpdateContact(contactId: ID(80), edits: [CustomerFieldEdit("reportsToContactId", ID(90).description)]),
            as: A.rep1,
            rule: "CON-02.reportsToSameCustomer",
            kind: .invariantViolated
        )
        try w.run(
            UpdateContact(contactId: ID(82), edits: [CustomerFieldEdit("reportsToContactId", ID(80).description)]),
            as: A.rep1
        )
        try w.run(UpdateContact(contactId: ID(81), edits: [CustomerFieldEdit("reportsToContactId", nil)]), as: A.rep1)
        #expect(w.store.state(Contact.self, ID(81))?.reportsToContactId == nil)
    }

    @Test func updateChecks() throws {
        var w = try world()
        try w.run(AddContact(contactId: ID(80), customerId: ID(1), name: "Zhang"), as: A.rep1)
        w.expectRejected(
            UpdateContact(contactId: ID(89), edits: [CustomerFieldEdit("title", "x")]),
            as: A.rep1,
            rule: "CON-02.exists",
            kind: .notFound
        )
        w.expectRejected(
            UpdateContact(contactId: ID(80), edits: [CustomerFieldEdit("title", "x")]),
            as: A.rep2,
            rule: "CON-02.perm",
            kind: .accessDenied
        )
        w.expectRejected(
            UpdateContact(contactId: ID(80), edits: [CustomerFieldEdit("customerId", ID(2).description)]),
            as: A.rep1,
            rule: "CON-02.field",
            kind: .invalidInput
        )
        w.expectRejected(
            UpdateContact(contactId: ID(80), edits: [CustomerFieldEdit("role", "boss")]),
            as: A.rep1,
            rule: "CON-02.role",
            kind: .invalidInput
        )
        w.expectRejected(
            UpdateContact(contactId: ID(80), edits: [CustomerFieldEdit("name", " ")]),
            as: A.rep1,
            rule: "CON-02.name",
            kind: .invalidInput
        )
        w.expectRejected(
            UpdateContact(contactId: ID(80), edits: [CustomerFieldEdit("name", "Zhang")]),
            as: A.rep1,
            rule: "CON-02.changes",
            kind: .invalidInput
        )
        w.store.given(
            [FieldPermissionSet(roleId: W.repRole, object: .contact, field: "email", access: .read, mask: .none)],
            on: StreamRef("role", W.repRole.description)
        )
        w.expectRejected(
            UpdateContact(contactId: ID(80), edits: [CustomerFieldEdit("email", "z@example.cn")]),
            as: A.rep1,
            rule: "CON-02.fieldPerm",
            kind: .fieldAccessDenied
        )
    }

    // MARK: CON-03 / CON-04

    @Test func thePrimaryContactBelongsToTheCustomerAndCannotBeRemoved() throws {
        var w = try world()
        try w.run(AddContact(contactId: ID(80), customerId: ID(1), name: "Zhang"), as: A.rep1)
        try w.run(AddContact(contactId: ID(81), customerId: ID(1), name: "Li"), as: A.rep1)
        try w.run(AddContact(contactId: ID(90), customerId: ID(2), name: "Other"), as: A.rep1)
        w.expectRejected(
            SetPrimaryContact(customerId: ID(1), contactId: ID(90)),
            as: A.rep1,
            rule: "CON-03.contactBelongs",
            kind: .invariantViolated
        )
        w.expectRejected(
            SetPrimaryContact(customerId: ID(1), contactId: ID(80)),
            as: A.rep2,
            rule: "CON-03.perm",
            kind: .accessDenied
        )
        w.expectRejected(
            SetPrimaryContact(customerId: ID(9), contactId: ID(80)),
            as: A.rep1,
            rule: "CON-03.customerExists",
            kind: .notFound
        )
        let out = try w.run(SetPrimaryContact(customerId: ID(1), contactId: ID(80)), as: A.rep1)
        #expect(W.values(out) == [AnyHashable(PrimaryContactSet(customerId: ID(1), contactId: ID(80)))])
        #expect(W.streams(out) == ["customer-\(ID(1))"])
        #expect(w.customer(ID(1))?.primaryContactId == ID(80))
        w.expectRejected(
            SetPrimaryContact(customerId: ID(1), contactId: ID(80)),
            as: A.rep1,
            rule: "CON-03.changes",
            kind: .invalidInput
        )
        w.expectRejected(
            RemoveContact(contactId: ID(80), reason: "left"),
            as: A.rep1,
            rule: "CON-04.notPrimary",
            kind: .invariantViolated
        )
        w.expectRejected(
            RemoveContact(contactId: ID(81), reason: ""),
            as: A.rep1,
            rule: "CON-04.reason",
            kind: .invalidInput
        )
        w.expectRejected(
            RemoveContact(contactId: ID(81), reason: "left"),
            as: A.rep2,
            rule: "CON-04.perm",
            kind: .accessDenied
        )
        let removed = try w.run(RemoveContact(contactId: ID(81), reason: "left"), as: A.rep1)
        #expect(W.values(removed) == [AnyHashable(ContactRemoved(reason: "left"))])
        w.expectRejected(
            RemoveContact(contactId: ID(81), reason: "again"),
            as: A.rep1,
            rule: "CON-04.exists",
            kind: .notFound
        )
        w.expectRejected(
            SetPrimaryContact(customerId: ID(1), contactId: ID(81)),
            as: A.rep1,
            rule: "CON-03.contactBelongs",
            kind: .invariantViolated
        )
        try w.run(SetPrimaryContact(customerId: ID(2), contactId: ID(90)), as: A.manager)
        #expect(w.customer(ID(2))?.primaryContactId == ID(90))
    }
}
