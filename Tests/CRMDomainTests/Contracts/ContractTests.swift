import CRMDomain
import Testing

@Suite struct ContractTests {
    typealias W = ContractsWorld
    let t0 = W.t0

    /// A contract approval flow: one step, the submitter's supervisor.
    func defineContractFlow(
        _ s: inout InMemoryDomainStore,
        category: ApprovalCategory = .contract,
        flowId: ID = ID(500)
    ) throws {
        try s.execute(
            DefineApprovalFlow(
                flowId: flowId,
                category: category,
                steps: [ApprovalStep(order: 1, type: .ownerSupervisor)]
            ),
            as: W.system,
            at: t0
        )
    }

    // MARK: CTR-01

    @Test func draftingEmitsTheContractAndClaimsItsNumber() throws {
        var s = try W.store()
        let out = try s.execute(W.draft(ID(1000), number: "HT-2026-001"), as: .user(W.li), at: t0)
        #expect(
            W.events(out, ContractDrafted.self) == [
                ContractDrafted(
                    contractId: ID(1000),
                    number: "HT-2026-001",
                    customerId: W.customer,
                    opportunityId: W.wonOpp,
                    ownerId: W.li,
                    amount: W.cny(100_000),
                    lines: [],
                    orderDate: LocalDate(2026, 4, 1),
                    startDate: LocalDate(2026, 4, 1),
                    endDate: LocalDate(2027, 3, 31),
                    paymentTerms: "30% on signing, 70% on delivery",
                    customerSignerContactId: nil,
                    companySignerUserId: nil
                )
            ]
        )
        #expect(out.count == 1)
        #expect(s.lookup(Contract.numberKey("ht-2026-001 ")) == .of(Contract.self, ID(1000)))
        #expect(
            s.children(of: StreamRef("customer", W.customer.description), category: "contract") == [
                .of(Contract.self, ID(1000))
            ]
        )
        #expect(
            s.children(of: StreamRef("owner", W.li.description), category: "contract") == [.of(Contract.self, ID(1000))]
        )
        let c = try #require(s.state(Contract.self, ID(1000)))
        #expect(c.exists && c.status == .draft && c.revision == 1 && c.ownerId == W.li)
    }

    @Test func contractNumbersAreUnique() throws {
        var s = try W.store()
        try s.execute(W.draft(ID(1000), number: "HT-1"), as: .user(W.li), at: t0)
        W.expectRejected(
            &s,
            W.draft(ID(1001), number: " ht-1"),
            as: .user(W.li),
            rule: "CTR-01.numberUnique",
            kind: .invariantViolated
        )
        try s.execute(W.draft(ID(1001), number: "HT-2"), as: .user(W.li), at: t0)
    }

    @Test func theCustomerMustBeLive() throws {
        var s = try W.store()
        W.expectRejected(
            &s,
            W.draft(ID(1000), customerId: ID(299), opportunityId: nil),
            as: .user(W.li),
            rule: "CTR-01.customerLive",
            kind: .notFound
        )
        try s.execute(W.draft(ID(1000), opportunityId: nil), as: .user(W.li), at: t0)
    }

    @Test func theOpportunityMustBelongToTheCustomer() throws {
        var s = try W.store()
        W.expectRejected(
            &s,
            W.draft(ID(1000), opportunityId: W.otherWonOpp),
            as: .user(W.li),
            rule: "CTR-01.opportunityOfCustomer",
            kind: .invariantViolated
        )
        W.expectRejected(
            &s,
            W.draft(ID(1000), opportunityId: ID(399)),
            as: .user(W.li),
            rule: "CTR-01.opportunityExists",
            kind: .notFound
        )
        try s.execute(W.draft(ID(1000), opportunityId: W.wonOpp), as: .user(W.li), at: t0)
    }

    @Test func theOpportunityMustBeWonUnlessThePolicyAllowsOpenOnes() throws {
        var s = try W.store()
        W.expectRejected(
            &s,
            W.draft(ID(1000), opportunityId: W.openOpp),
            as: .user(W.li),
            rule: "CTR-01.opportunityWon",
            kind: .invalidState
        )
        let d = W.draft(ID(1000), opportunityId: W.openOpp)
        let allowed = DraftContract(
            contractId: d.contractId,
            number: d.number,
            customerId: d.customerId,
            opportunityId: d.opportunityId,
            ownerId: d.ownerId,
            amount: d.amount,
            orderDate: d.orderDate,
            startDate: d.startDate,
            endDate: d.endDate,
            allowsOpenOpportunity: true
        )
        let out = try s.execute(allowed, as: .user(W.li), at: t0)
        #expect(W.events(out, ContractDrafted.self).map(\.opportunityId) == [W.openOpp])
    }

    @Test func theEndDateMayNotPrecedeTheStartDate() throws {
        var s = try W.store()
        W.expectRejected(
            &s,
            W.draft(ID(1000), start: LocalDate(2026, 5, 1), end: LocalDate(2026, 4, 30)),
            as: .user(W.li),
            rule: "CTR-01.endNotBeforeStart",
            kind: .invariantViolated
        )
        try s.execute(
            W.draft(ID(1000), start: LocalDate(2026, 5, 1), end: LocalDate(2026, 5, 1)),
            as: .user(W.li),
            at: t0
        )
    }

    @Test func theAmountMayNotBeNegative() throws {
        var s = try W.store()
        W.expectRejected(
            &s,
            W.draft(ID(1000), amount: .cny(-1)),
            as: .user(W.li),
            rule: "CTR-01.amountNonNegative",
            kind: .invariantViolated
        )
        try s.execute(W.draft(ID(1000), amount: .cny(0)), as: .user(W.li), at: t0)
    }

    @Test func linesMustAddUpToTheAmountInItsCurrency() throws {
        var s = try W.store()
        let a = ContractLine(name: "Licence", quantity: 2, unitPrice: W.cny(30_000), amount: W.cny(60_000))
        let b = ContractLine(name: "Services", quantity: 1, unitPrice: W.cny(30_000), amount: W.cny(30_000))
        W.expectRejected(
            &s,
            W.draft(ID(1000), lines: [a, b]),
            as: .user(W.li),
            rule: "CTR-01.lines",
            kind: .invalidInput
        )
        let usd = ContractLine(
            name: "X",
            quantity: 1,
            unitPrice: Money(amountMinor: 1, currency: "USD"),
            amount: W.cny(100_000)
        )
        W.expectRejected(
            &s,
            W.draft(ID(1000), lines: [usd]),
            as: .user(W.li),
            rule: "CTR-01.lines",
            kind: .invalidInput
        )
        let c = ContractLine(name: "Hardware", quantity: 1, unitPrice: W.cny(10_000), amount: W.cny(10_000))
        try s.execute(W.draft(ID(1000), lines: [a, b, c]), as: .user(W.li), at: t0)
    }

    @Test func aRepDraftsOnlyForThemselvesAndForActiveOwners() throws {
        var s = try W.store()
        W.expectRejected(&s, W.draft(ID(1000)), as: .user(W.wang), rule: "CTR-01.perm", kind: .accessDenied)
        W.expectRejected(
            &s,
            W.draft(ID(1000), ownerId: W.gone),
            as: .user(W.admin),
            rule: "CTR-01.ownerActive",
            kind: .notFound
        )
        W.expectRejected(
            &s,
            W.draft(ID(1000), number: " "),
            as: .user(W.li),
            rule: "CTR-01.number",
            kind: .invalidInput
        )
        try s.execute(W.draft(ID(1000)), as: .user(W.admin), at: t0)
        W.expectRejected(
            &s,
            W.draft(ID(1000), number: "other"),
            as: .user(W.li),
            rule: "CTR-01.contractIdUnique",
            kind: .alreadyExists
        )
    }

    @Test func signersMustBeTheCustomersContactAndAnActiveUser() throws {
        var s = try W.store()
        let base = W.draft(ID(1000))
        func with(_ contact: ID?, _ user: ID?) -> DraftContract {
            DraftContract(
                contractId: base.contractId,
                number: base.number,
                customerId: base.customerId,
                opportunityId: base.opportunityId,
                ownerId: base.ownerId,
                amount: base.amount,
                orderDate: base.orderDate,
                startDate: base.startDate,
                endDate: base.endDate,
                customerSignerContactId: contact,
                companySignerUserId: user
            )
        }
        W.expectRejected(
            &s,
            with(W.otherContact, nil),
            as: .user(W.li),
            rule: "CTR-01.customerSigner",
            kind: .invalidInput
        )
        W.expectRejected(&s, with(nil, W.gone), as: .user(W.li), rule: "CTR-01.companySigner", kind: .notFound)
        try s.execute(with(W.contact, W.manager), as: .user(W.li), at: t0)
    }

    // MARK: CTR-02

    @Test func aDraftIsAmendedWithTheChangedFieldsOnly() throws {
        var s = try W.store()
        try s.execute(W.draft(ID(1000)), as: .user(W.li), at: t0)
        let out = try s.execute(
            AmendContract(
                contractId: ID(1000),
                amount: W.cny(120_000),
                endDate: LocalDate(2027, 3, 31),
                paymentTerms: "net 30"
            ),
            as: .user(W.li),
            at: t0
        )
        #expect(
            W.events(out, ContractAmended.self) == [
                ContractAmended(changes: [
                    ContractChange(
                        field: .amount,
                        before: .init(money: W.cny(100_000)),
                        after: .init(money: W.cny(120_000))
                    ),
                    ContractChange(
                        field: .paymentTerms,
                        before: .init(text: "30% on signing, 70% on delivery"),
                        after: .init(text: "net 30")
                    ),
                ])
            ]
        )
        let c = try #require(s.state(Contract.self, ID(1000)))
        #expect(c.amount == W.cny(120_000) && c.paymentTerms == "net 30" && c.revision == 2)
        W.expectRejected(
            &s,
            AmendContract(contractId: ID(1000), amount: W.cny(120_000)),
            as: .user(W.li),
            rule: "CTR-02.changes",
            kind: .invalidInput
        )
        W.expectRejected(
            &s,
            AmendContract(contractId: ID(1000), endDate: LocalDate(2026, 1, 1)),
            as: .user(W.li),
            rule: "CTR-02.endNotBeforeStart",
            kind: .invariantViolated
        )
        W.expectRejected(
            &s,
            AmendContract(contractId: ID(1999), amount: W.cny(1)),
            as: .user(W.li),
            rule: "CTR-02.contractExists",
            kind: .notFound
        )
    }

    @Test func onlyDraftRejectedOrRecalledContractsAreAmended() throws {
        var s = try W.store(processManagers: [ContractApprovalProcess()])
        try defineContractFlow(&s)
        try s.execute(W.draft(ID(1000)), as: .user(W.li), at: t0)
        try s.execute(SubmitContract(contractId: ID(1000), approvalId: ID(600)), as: .user(W.li), at: t0)
        W.expectRejected(
            &s,
            AmendContract(contractId: ID(1000), amount: W.cny(90_000)),
            as: .user(W.li),
            rule: "CTR-02.amendable",
            kind: .invalidState
        )
        // Recalled: amendable, and back to draft.
        try s.execute(RecallApproval(approvalId: ID(600), by: W.li), as: .user(W.li), at: t0)
        try s.execute(AmendContract(contractId: ID(1000), amount: W.cny(90_000)), as: .user(W.li), at: t0)
        #expect(s.state(Contract.self, ID(1000))?.status == .draft)
        // Rejected: amendable.
        try s.execute(SubmitContract(contractId: ID(1000), approvalId: ID(601)), as: .user(W.li), at: t0)
        try s.execute(
            RejectApproval(approvalId: ID(601), approverId: W.manager, reason: "price"),
            as: .user(W.manager),
            at: t0
        )
        #expect(s.state(Contract.self, ID(1000))?.status == .rejected)
        try s.execute(AmendContract(contractId: ID(1000), amount: W.cny(80_000)), as: .user(W.li), at: t0)
        // Approved: not amendable.
        try s.execute(SubmitContract(contractId: ID(1000), approvalId: ID(602)), as: .user(W.li), at: t0)
        try s.execute(ApproveApprovalStep(approvalId: ID(602), approverId: W.manager), as: .user(W.manager), at: t0)
        #expect(s.state(Contract.self, ID(1000))?.status == .approved)
        W.expectRejected(
            &s,
            AmendContract(contractId: ID(1000), amount: W.cny(70_000)),
            as: .user(W.li),
            rule: "CTR-02.amendable",
            kind: .invalidState
        )
    }

    @Test func amendingARestrictedFieldNeedsFieldPermission() throws {
        var s = try W.store()
        try s.execute(
            SetFieldPermission(roleId: ID(901), object: .contract, field: "amount", access: .read),
            as: W.system,
            at: t0
        )
        try s.execute(W.draft(ID(1000)), as: .user(W.li), at: t0)
        W.expectRejected(
            &s,
            AmendContract(contractId: ID(1000), amount: W.cny(1)),
            as: .user(W.li),
            rule: "CTR-02.fieldPerm",
            kind: .fieldAccessDenied
        )
        try s.execute(AmendContract(contractId: ID(1000), paymentTerms: "net 60"), as: .user(W.li), at: t0)
    }

    // MARK: CTR-03 / CTR-04 / CTR-05

    @Test func withoutAFlowASubmittedContractIsApprovedDirectly() throws {
        var s = try W.store(processManagers: [ContractApprovalProcess()])
        try s.execute(W.draft(ID(1000)), as: .user(W.li), at: t0)
        let out = try s.execute(SubmitContract(contractId: ID(1000), approvalId: ID(600)), as: .user(W.li), at: t0)
        #expect(out.map(\.event.eventType) == ["ContractSubmitted", "ContractApproved"])
        #expect(W.events(out, ContractSubmitted.self) == [ContractSubmitted(approvalId: ID(600))])
        #expect(W.events(out, ContractApproved.self) == [ContractApproved(approvalId: ID(600))])
        #expect(s.state(Contract.self, ID(1000))?.status == .approved)
        W.expectRejected(
            &s,
            SubmitContract(contractId: ID(1000), approvalId: ID(601)),
            as: .user(W.li),
            rule: "CTR-03.submittable",
            kind: .invalidState
        )
    }

    @Test func withAFlowTheContractWaitsForItsApproval() throws {
        var s = try W.store(processManagers: [ContractApprovalProcess()])
        try defineContractFlow(&s)
        try s.execute(W.draft(ID(1000)), as: .user(W.li), at: t0)
        try s.execute(
            ScheduleInstallment(
                contractId: ID(1000),
                planId: ID(800),
                installmentNo: 1,
                amount: W.cny(30_000),
                dueDate: LocalDate(2026, 5, 1)
            ),
            as: .user(W.li),
            at: t0
        )
        let out = try s.execute(SubmitContract(contractId: ID(1000), approvalId: ID(600)), as: .user(W.li), at: t0)
        #expect(out.map(\.event.eventType) == ["ContractSubmitted", "ApprovalSubmitted"])
        let submitted = try #require(W.events(out, ApprovalSubmitted.self).first)
        #expect(submitted.target == ApprovalTarget(type: .contract, id: ID(1000), version: 1))
        #expect(submitted.submitterId == W.li && submitted.snapshot.amount == W.cny(100_000))
        #expect(submitted.resolvedSteps == [ApprovalStep(order: 1, type: .ownerSupervisor, approverIds: [W.manager])])
        // CTR-04 needs the completed approval.
        W.expectRejected(
            &s,
            ApproveContract(contractId: ID(1000), approvalId: ID(600)),
            as: .user(W.manager),
            rule: "CTR-04.approvalCompleted",
            kind: .invalidState
        )
        W.expectRejected(
            &s,
            ApproveContract(contractId: ID(1000), approvalId: ID(699)),
            as: .user(W.manager),
            rule: "CTR-04.submitted",
            kind: .invalidState
        )
        let approved = try s.execute(
            ApproveApprovalStep(approvalId: ID(600), approverId: W.manager),
            as: .user(W.manager),
            at: t0
        )
        #expect(approved.map(\.event.eventType) == ["ApprovalStepApproved", "ApprovalCompleted", "ContractApproved"])
        #expect(W.events(approved, ContractApproved.self) == [ContractApproved(approvalId: ID(600))])
        let c = try #require(s.state(Contract.self, ID(1000)))
        #expect(c.approvedApprovalId == ID(600) && c.pendingApprovalId == nil)
        // CTR-04 effect: the installments become due.
        #expect(c.installments.map { $0.status(contract: c.status, received: 0) } == [.due])
    }

    @Test func aRejectedApprovalRejectsTheContractAndVoidsItsInstallments() throws {
        var s = try W.store(processManagers: [ContractApprovalProcess()])
        try defineContractFlow(&s)
        try s.execute(W.draft(ID(1000)), as: .user(W.li), at: t0)
        try s.execute(
            ScheduleInstallment(
                contractId: ID(1000),
                planId: ID(800),
                installmentNo: 1,
                amount: W.cny(30_000),
                dueDate: LocalDate(2026, 5, 1)
            ),
            as: .user(W.li),
            at: t0
        )
        try s.execute(SubmitContract(contractId: ID(1000), approvalId: ID(600)), as: .user(W.li), at: t0)
        #expect(
            s.state(Contract.self, ID(1000))?.installments[0].status(contract: .submitted, received: 0)
                == .notYetEffective
        )
        W.expectRejected(
            &s,
            RejectContract(contractId: ID(1000), approvalId: ID(600), reason: "too cheap"),
            as: .user(W.manager),
            rule: "CTR-05.approvalRejected",
            kind: .invalidState
        )
        W.expectRejected(
            &s,
            RejectContract(contractId: ID(1000), approvalId: ID(600), reason: ""),
            as: .user(W.manager),
            rule: "CTR-05.reason",
            kind: .invalidInput
        )
        let out = try s.execute(
            RejectApproval(approvalId: ID(600), approverId: W.manager, reason: "too cheap"),
            as: .user(W.manager),
            at: t0
        )
        #expect(W.events(out, ContractRejected.self) == [ContractRejected(approvalId: ID(600), reason: "too cheap")])
        let c = try #require(s.state(Contract.self, ID(1000)))
        #expect(c.status == .rejected)
        #expect(c.installments[0].status(contract: c.status, received: 0) == .void)
        W.expectRejected(
            &s,
            RejectContract(contractId: ID(1000), approvalId: ID(600), reason: "again"),
            as: .user(W.manager),
            rule: "CTR-05.submitted",
            kind: .invalidState
        )
    }

    @Test func scheduledInstallmentsMustFitTheAmountAtSubmission() throws {
        var s = try W.store(processManagers: [ContractApprovalProcess()])
        try s.execute(W.draft(ID(1000)), as: .user(W.li), at: t0)
        try s.execute(
            ScheduleInstallment(
                contractId: ID(1000),
                planId: ID(800),
                installmentNo: 1,
                amount: W.cny(60_000),
                dueDate: LocalDate(2026, 5, 1)
            ),
            as: .user(W.li),
            at: t0
        )
        try s.execute(AmendContract(contractId: ID(1000), amount: W.cny(50_000)), as: .user(W.li), at: t0)
        W.expectRejected(
            &s,
            SubmitContract(contractId: ID(1000), approvalId: ID(600)),
            as: .user(W.li),
            rule: "CTR-03.installmentsWithinAmount",
            kind: .invariantViolated
        )
        try s.execute(AmendContract(contractId: ID(1000), amount: W.cny(60_000)), as: .user(W.li), at: t0)
        try s.execute(SubmitContract(contractId: ID(1000), approvalId: ID(600)), as: .user(W.li), at: t0)
        #expect(s.state(Contract.self, ID(1000))?.status == .approved)
    }

    @Test func aFlowThatCannotResolveItsApproverRefusesTheSubmission() throws {
        var s = try W.store(processManagers: [ContractApprovalProcess()])
        try defineContractFlow(&s)
        try s.execute(W.draft(ID(1000), ownerId: W.manager), as: .user(W.admin), at: t0)
        W.expectRejected(
            &s,
            SubmitContract(contractId: ID(1000), approvalId: ID(600)),
            as: .user(W.manager),
            rule: "CTR-03.approvalRoute",
            kind: .invariantViolated
        )
        W.expectRejected(
            &s,
            SubmitContract(contractId: ID(1000), approvalId: ID(600)),
            as: .user(W.wang),
            rule: "CTR-03.perm",
            kind: .accessDenied
        )
    }

    // MARK: CTR-06

    @Test func signingAnApprovedContractMakesTheCustomerDealt() throws {
        var s = try W.store(processManagers: [ContractDealProcess()])
        try W.approvedContract(&s, ID(1000))
        let signedAt = Timestamp(LocalDate(2026, 4, 1), hour: 8)
        let out = try s.execute(
            SignContract(
                contractId: ID(1000),
                signedAt: signedAt,
                customerSignerContactId: W.contact,
                companySignerUserId: W.li
            ),
            as: .user(W.li),
            at: t0
        )
        #expect(
            W.events(out, ContractSigned.self) == [
                ContractSigned(signedAt: signedAt, customerSignerContactId: W.contact, companySignerUserId: W.li)
            ]
        )
        #expect(
            W.events(out, CustomerDealStatusChanged.self) == [
                CustomerDealStatusChanged(dealt: true, cause: .contractSigned)
            ]
        )
        #expect(out.last?.stream == .of(Customer.self, W.customer))
        #expect(s.state(Customer.self, W.customer)?.dealt == true)
        // A second signed contract of a dealt customer changes nothing on the customer.
        try W.approvedContract(&s, ID(1001), approvalId: ID(9_998))
        let second = try s.execute(
            SignContract(
                contractId: ID(1001),
                signedAt: signedAt,
                customerSignerContactId: W.contact,
                companySignerUserId: W.li
            ),
            as: .user(W.li),
            at: t0
        )
        #expect(second.map(\.event.eventType) == ["ContractSigned"])
    }

    @Test func onlyApprovedOrFlowlessDraftContractsAreSigned() throws {
        var s = try W.store(processManagers: [ContractApprovalProcess()])
        let sign = { (id: UInt64) in
            SignContract(
                contractId: ID(id),
                signedAt: W.t0,
                customerSignerContactId: W.contact,
                companySignerUserId: W.li
            )
        }
        // No flow: a draft may be signed directly.
        try s.execute(W.draft(ID(1000)), as: .user(W.li), at: t0)
        try s.execute(sign(1000), as: .user(W.li), at: t0)
        // Void contracts are never signed.
        try s.execute(W.draft(ID(1001)), as: .user(W.li), at: t0)
        try s.execute(VoidContract(contractId: ID(1001), reason: "duplicate"), as: .user(W.li), at: t0)
        W.expectRejected(&s, sign(1001), as: .user(W.li), rule: "CTR-06.notVoid", kind: .invalidState)
        // With a flow, a draft or a submitted contract is not signed.
        try defineContractFlow(&s)
        try s.execute(W.draft(ID(1002)), as: .user(W.li), at: t0)
        W.expectRejected(&s, sign(1002), as: .user(W.li), rule: "CTR-06.approved", kind: .invalidState)
        try s.execute(SubmitContract(contractId: ID(1002), approvalId: ID(600)), as: .user(W.li), at: t0)
        W.expectRejected(&s, sign(1002), as: .user(W.li), rule: "CTR-06.approved", kind: .invalidState)
        W.expectRejected(
            &s,
            SignContract(
                contractId: ID(1000),
                signedAt: t0.adding(days: 1),
                customerSignerContactId: W.contact,
                companySignerUserId: W.li
            ),
            as: .user(W.li),
            rule: "CTR-06.signedAt",
            kind: .invalidInput
        )
    }

    // MARK: CTR-07

    @Test func voidingNeedsEveryVerifiedPaymentReversedAndIssuedInvoiceReversed() throws {
        var s = try W.store()
        try W.approvedContract(&s, ID(1000))
        try s.execute(
            ReceivePayment(
                paymentId: ID(700),
                number: "HK-1",
                contractId: ID(1000),
                amount: W.cny(30_000),
                method: .bankTransfer,
                receivedAt: t0
            ),
            as: .user(W.li),
            at: t0
        )
        try s.execute(VerifyPayment(paymentId: ID(700)), as: .user(W.finance), at: t0)
        W.expectRejected(
            &s,
            VoidContract(contractId: ID(1000), reason: "cancelled"),
            as: .user(W.li),
            rule: "CTR-07.paymentsReversed",
            kind: .invariantViolated
        )
        try s.execute(
            ReversePayment(paymentId: ID(700), amount: W.cny(10_000), reason: .refund),
            as: .user(W.finance),
            at: t0
        )
        W.expectRejected(
            &s,
            VoidContract(contractId: ID(1000), reason: "cancelled"),
            as: .user(W.li),
            rule: "CTR-07.paymentsReversed",
            kind: .invariantViolated
        )
        try s.execute(
            ReversePayment(paymentId: ID(700), amount: W.cny(20_000), reason: .refund),
            as: .user(W.finance),
            at: t0
        )
        try s.execute(
            RequestInvoice(
                invoiceId: ID(750),
                applyNo: "KP-1",
                contractId: ID(1000),
                amount: W.cny(30_000),
                invoiceType: .vatOrdinary,
                titleType: .person,
                title: "Li Lei"
            ),
            as: .user(W.li),
            at: t0
        )
        try s.execute(
            IssueInvoice(invoiceId: ID(750), invoiceNumber: "FP-1", issuedAt: t0),
            as: .user(W.finance),
            at: t0
        )
        W.expectRejected(
            &s,
            VoidContract(contractId: ID(1000), reason: "cancelled"),
            as: .user(W.li),
            rule: "CTR-07.invoicesReversed",
            kind: .invariantViolated
        )
        try s.execute(
            ReverseInvoice(invoiceId: ID(750), creditNoteNumber: "HC-1", reason: "contract cancelled"),
            as: .user(W.finance),
            at: t0
        )
        W.expectRejected(
            &s,
            VoidContract(contractId: ID(1000), reason: " "),
            as: .user(W.li),
            rule: "CTR-07.reason",
            kind: .invalidInput
        )
        let out = try s.execute(VoidContract(contractId: ID(1000), reason: "cancelled"), as: .user(W.li), at: t0)
        #expect(W.events(out, ContractVoided.self) == [ContractVoided(reason: "cancelled")])
        W.expectRejected(
            &s,
            VoidContract(contractId: ID(1000), reason: "again"),
            as: .user(W.li),
            rule: "CTR-07.notVoid",
            kind: .invalidState
        )
    }

    // MARK: CTR-08

    @Test func ownershipMovesToAnActiveUser() throws {
        var s = try W.store()
        try s.execute(W.draft(ID(1000)), as: .user(W.li), at: t0)
        W.expectRejected(
            &s,
            ChangeContractOwner(contractId: ID(1000), toOwnerId: W.gone),
            as: .user(W.li),
            rule: "CTR-08.toActive",
            kind: .notFound
        )
        W.expectRejected(
            &s,
            ChangeContractOwner(contractId: ID(1000), toOwnerId: W.li),
            as: .user(W.li),
            rule: "CTR-08.changes",
            kind: .invalidInput
        )
        W.expectRejected(
            &s,
            ChangeContractOwner(contractId: ID(1000), toOwnerId: W.wang),
            as: .user(W.wang),
            rule: "CTR-08.perm",
            kind: .accessDenied
        )
        W.expectRejected(
            &s,
            ChangeContractOwner(contractId: ID(1999), toOwnerId: W.wang),
            as: .user(W.li),
            rule: "CTR-08.contractExists",
            kind: .notFound
        )
        W.expectRejected(
            &s,
            ChangeContractOwner(
                contractId: ID(1000),
                toOwnerId: W.wang,
                cause: ContractOwnerChangeCause(kind: .customerTransfer)
            ),
            as: W.system,
            rule: "CTR-08.cause",
            kind: .invalidInput
        )
        let out = try s.execute(ChangeContractOwner(contractId: ID(1000), toOwnerId: W.wang), as: .user(W.li), at: t0)
        #expect(
            W.events(out, ContractOwnerChanged.self) == [
                ContractOwnerChanged(fromOwnerId: W.li, toOwnerId: W.wang, cause: .reassign)
            ]
        )
        #expect(
            s.children(of: StreamRef("owner", W.wang.description), category: "contract") == [
                .of(Contract.self, ID(1000))
            ]
        )
        #expect(s.children(of: StreamRef("owner", W.li.description), category: "contract").isEmpty)
        let transfer = try s.execute(
            ChangeContractOwner(contractId: ID(1000), toOwnerId: W.li, cause: .customerTransfer(ID(77))),
            as: W.system,
            at: t0
        )
        #expect(W.events(transfer, ContractOwnerChanged.self).map(\.cause) == [.customerTransfer(ID(77))])
    }

    // MARK: CTR-09

    @Test func signedContractsExpireAfterTheirEndDate() throws {
        var s = try W.store()
        try W.approvedContract(&s, ID(1000))
        W.expectRejected(
            &s,
            ExpireContract(contractId: ID(1000), asOf: LocalDate(2027, 4, 1)),
            as: W.system,
            rule: "CTR-09.signed",
            kind: .invalidState
        )
        try s.execute(
            SignContract(
                contractId: ID(1000),
                signedAt: t0,
                customerSignerContactId: W.contact,
                companySignerUserId: W.li
            ),
            as: .user(W.li),
            at: t0
        )
        W.expectRejected(
            &s,
            ExpireContract(contractId: ID(1000), asOf: LocalDate(2027, 3, 31)),
            as: W.system,
            rule: "CTR-09.endDatePassed",
            kind: .invariantViolated
        )
        let out = try s.execute(ExpireContract(contractId: ID(1000), asOf: LocalDate(2027, 4, 1)), as: W.system, at: t0)
        #expect(W.events(out, ContractExpired.self) == [ContractExpired(asOf: LocalDate(2027, 4, 1))])
        #expect(s.state(Contract.self, ID(1000))?.status == .expired)
    }

    // MARK: CTR-10

    @Test func aSignedOrExpiredContractIsRenewedByANewContractOfTheSameCustomer() throws {
        var s = try W.store()
        try W.approvedContract(&s, ID(1000))
        try s.execute(W.draft(ID(1001)), as: .user(W.li), at: t0)
        W.expectRejected(
            &s,
            RenewContract(contractId: ID(1000), newContractId: ID(1001)),
            as: .user(W.li),
            rule: "CTR-10.renewable",
            kind: .invalidState
        )
        try s.execute(
            SignContract(
                contractId: ID(1000),
                signedAt: t0,
                customerSignerContactId: W.contact,
                companySignerUserId: W.li
            ),
            as: .user(W.li),
            at: t0
        )
        try s.execute(
            W.draft(ID(1002), customerId: W.otherCustomer, opportunityId: nil, ownerId: W.wang),
            as: .user(W.wang),
            at: t0
        )
        W.expectRejected(
            &s,
            RenewContract(contractId: ID(1000), newContractId: ID(1002)),
            as: .user(W.li),
            rule: "CTR-10.newReferencesThis",
            kind: .invariantViolated
        )
        W.expectRejected(
            &s,
            RenewContract(contractId: ID(1000), newContractId: ID(1998)),
            as: .user(W.li),
            rule: "CTR-10.newContractExists",
            kind: .notFound
        )
        W.expectRejected(
            &s,
            RenewContract(contractId: ID(1000), newContractId: ID(1000)),
            as: .user(W.li),
            rule: "CTR-10.newContract",
            kind: .invalidInput
        )
        let out = try s.execute(RenewContract(contractId: ID(1000), newContractId: ID(1001)), as: .user(W.li), at: t0)
        #expect(W.events(out, ContractRenewed.self) == [ContractRenewed(newContractId: ID(1001))])
        #expect(s.lookup(Contract.renewalKey(ID(1001))) == .of(Contract.self, ID(1000)))
        W.expectRejected(
            &s,
            RenewContract(contractId: ID(1000), newContractId: ID(1001)),
            as: .user(W.li),
            rule: "CTR-10.renewable",
            kind: .invalidState
        )
        // The new contract renews one contract only.
        try W.approvedContract(&s, ID(1003), approvalId: ID(9_998))
        try s.execute(
            SignContract(
                contractId: ID(1003),
                signedAt: t0,
                customerSignerContactId: W.contact,
                companySignerUserId: W.li
            ),
            as: .user(W.li),
            at: t0
        )
        W.expectRejected(
            &s,
            RenewContract(contractId: ID(1003), newContractId: ID(1001)),
            as: .user(W.li),
            rule: "CTR-10.newReferencesThis",
            kind: .invariantViolated
        )
    }
}
