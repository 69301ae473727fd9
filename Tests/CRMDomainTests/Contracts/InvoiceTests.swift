import CRMDomain
import Testing

@Suite struct InvoiceTests {
    typealias W = ContractsWorld
    let t0 = W.t0

    func request(_ id: UInt64, _ yuan: Int64, title: InvoiceTitleType = .org, tax: String? = "91310000MA1FL0000X")
        -> RequestInvoice
    {
        RequestInvoice(
            invoiceId: ID(id),
            applyNo: "KP-\(id)",
            contractId: ID(1000),
            amount: W.cny(yuan),
            invoiceType: .vatSpecial,
            titleType: title,
            title: "Acme Ltd",
            taxNumber: tax,
            mailing: InvoiceMailing(contact: "Ms Wu", address: "1 Nanjing Rd")
        )
    }

    func invoiceFlow(_ s: inout InMemoryDomainStore) throws {
        try s.execute(
            DefineApprovalFlow(
                flowId: ID(502),
                category: .invoice,
                steps: [ApprovalStep(order: 1, type: .anyOf, approverIds: [W.finance])]
            ),
            as: W.system,
            at: t0
        )
    }

    // MARK: INV-01

    @Test func invoicesAreRequestedAgainstEffectiveContractsWithinTheirAmount() throws {
        var s = try W.store()
        try s.execute(W.draft(ID(1000)), as: .user(W.li), at: t0)
        W.expectRejected(
            &s,
            request(750, 10_000),
            as: .user(W.li),
            rule: "INV-01.contractEffective",
            kind: .invalidState
        )
        try s.execute(SubmitContract(contractId: ID(1000), approvalId: ID(600)), as: .user(W.li), at: t0)
        try s.execute(ApproveContract(contractId: ID(1000), approvalId: ID(600)), as: W.system, at: t0)
        let out = try s.execute(request(750, 60_000), as: .user(W.li), at: t0)
        #expect(
            W.events(out, InvoiceRequested.self) == [
                InvoiceRequested(
                    invoiceId: ID(750),
                    applyNo: "KP-750",
                    contractId: ID(1000),
                    customerId: W.customer,
                    amount: W.cny(60_000),
                    invoiceType: .vatSpecial,
                    titleType: .org,
                    title: "Acme Ltd",
                    taxNumber: "91310000MA1FL0000X",
                    bank: nil,
                    account: nil,
                    address: nil,
                    phone: nil,
                    mailing: InvoiceMailing(contact: "Ms Wu", address: "1 Nanjing Rd")
                )
            ]
        )
        W.expectRejected(
            &s,
            request(751, 40_001),
            as: .user(W.li),
            rule: "INV-01.withinContractAmount",
            kind: .invariantViolated
        )
        // Issued then reversed invoices no longer count.
        try s.execute(
            IssueInvoice(invoiceId: ID(750), invoiceNumber: "FP-750", issuedAt: t0),
            as: .user(W.finance),
            at: t0
        )
        W.expectRejected(
            &s,
            request(751, 40_001),
            as: .user(W.li),
            rule: "INV-01.withinContractAmount",
            kind: .invariantViolated
        )
        try s.execute(ReverseInvoice(invoiceId: ID(750), reason: "wrong title"), as: .user(W.finance), at: t0)
        try s.execute(request(751, 100_000), as: .user(W.li), at: t0)
        W.expectRejected(&s, request(751, 1), as: .user(W.li), rule: "INV-01.invoiceIdUnique", kind: .alreadyExists)
        W.expectRejected(&s, request(752, 0), as: .user(W.li), rule: "INV-01.amount", kind: .invalidInput)
        W.expectRejected(&s, request(752, 1), as: .user(W.wang), rule: "INV-01.perm", kind: .accessDenied)
    }

    @Test func anOrganisationTitleNeedsATaxNumberAndApplyNumbersAreUnique() throws {
        var s = try W.store()
        try W.approvedContract(&s, ID(1000))
        W.expectRejected(
            &s,
            request(750, 10_000, tax: nil),
            as: .user(W.li),
            rule: "INV-01.taxNumberForOrg",
            kind: .invariantViolated
        )
        W.expectRejected(
            &s,
            request(750, 10_000, tax: "  "),
            as: .user(W.li),
            rule: "INV-01.taxNumberForOrg",
            kind: .invariantViolated
        )
        try s.execute(request(750, 10_000, title: .person, tax: nil), as: .user(W.li), at: t0)
        let dup = RequestInvoice(
            invoiceId: ID(751),
            applyNo: "kp-750",
            contractId: ID(1000),
            amount: W.cny(1),
            invoiceType: .receipt,
            titleType: .person,
            title: "Li"
        )
        W.expectRejected(&s, dup, as: .user(W.li), rule: "INV-01.applyNoUnique", kind: .invariantViolated)
        let noTitle = RequestInvoice(
            invoiceId: ID(751),
            applyNo: "KP-751",
            contractId: ID(1000),
            amount: W.cny(1),
            invoiceType: .receipt,
            titleType: .person,
            title: ""
        )
        W.expectRejected(&s, noTitle, as: .user(W.li), rule: "INV-01.title", kind: .invalidInput)
    }

    // MARK: INV-02 / INV-03

    @Test func withAnInvoiceFlowTheApprovalApprovesTheInvoice() throws {
        var s = try W.store(processManagers: [ContractApprovalProcess()])
        try W.approvedContract(&s, ID(1000))
        try invoiceFlow(&s)
        let out = try s.execute(request(750, 10_000), as: .user(W.li), at: t0)
        #expect(out.map(\.event.eventType) == ["InvoiceRequested", "ApprovalSubmitted"])
        let approval = try #require(W.events(out, ApprovalSubmitted.self).first)
        #expect(approval.target == ApprovalTarget(type: .invoice, id: ID(750), version: 1))
        W.expectRejected(
            &s,
            ApproveInvoice(invoiceId: ID(750), approvalId: approval.approvalId),
            as: .user(W.finance),
            rule: "INV-02.approvalCompleted",
            kind: .invalidState
        )
        W.expectRejected(
            &s,
            IssueInvoice(invoiceId: ID(750), invoiceNumber: "FP-1", issuedAt: t0),
            as: .user(W.finance),
            rule: "INV-04.approved",
            kind: .invalidState
        )
        let done = try s.execute(
            ApproveApprovalStep(approvalId: approval.approvalId, approverId: W.finance),
            as: .user(W.finance),
            at: t0
        )
        #expect(W.events(done, InvoiceApproved.self) == [InvoiceApproved(approvalId: approval.approvalId)])
        W.expectRejected(
            &s,
            ApproveInvoice(invoiceId: ID(750), approvalId: approval.approvalId),
            as: .user(W.finance),
            rule: "INV-02.requested",
            kind: .invalidState
        )
        let issued = try s.execute(
            IssueInvoice(invoiceId: ID(750), invoiceNumber: "FP-1", issuedAt: t0, logisticsNo: "SF100"),
            as: .user(W.finance),
            at: t0
        )
        #expect(
            W.events(issued, InvoiceIssued.self) == [
                InvoiceIssued(invoiceNumber: "FP-1", issuedAt: t0, logisticsNo: "SF100")
            ]
        )
    }

    @Test func aRejectedApprovalRejectsTheInvoice() throws {
        var s = try W.store(processManagers: [ContractApprovalProcess()])
        try W.approvedContract(&s, ID(1000))
        try invoiceFlow(&s)
        let out = try s.execute(request(750, 10_000), as: .user(W.li), at: t0)
        let approval = try #require(W.events(out, ApprovalSubmitted.self).first)
        W.expectRejected(
            &s,
            RejectInvoice(invoiceId: ID(750), approvalId: approval.approvalId, reason: "wrong tax number"),
            as: .user(W.finance),
            rule: "INV-03.approvalRejected",
            kind: .invalidState
        )
        W.expectRejected(
            &s,
            RejectInvoice(invoiceId: ID(750), approvalId: approval.approvalId, reason: ""),
            as: .user(W.finance),
            rule: "INV-03.reason",
            kind: .invalidInput
        )
        let rejected = try s.execute(
            RejectApproval(approvalId: approval.approvalId, approverId: W.finance, reason: "wrong tax number"),
            as: .user(W.finance),
            at: t0
        )
        #expect(
            W.events(rejected, InvoiceRejected.self) == [
                InvoiceRejected(approvalId: approval.approvalId, reason: "wrong tax number")
            ]
        )
        #expect(s.state(Invoice.self, ID(750))?.status == .rejected)
        W.expectRejected(
            &s,
            RejectInvoice(invoiceId: ID(750), approvalId: approval.approvalId, reason: "again"),
            as: .user(W.finance),
            rule: "INV-03.requested",
            kind: .invalidState
        )
        // The rejected amount is free again.
        try s.execute(request(751, 100_000), as: .user(W.li), at: t0)
    }

    // MARK: INV-04 / INV-05

    @Test func withoutAFlowAnInvoiceIsIssuedDirectlyUnderAUniqueNumber() throws {
        var s = try W.store()
        try W.approvedContract(&s, ID(1000))
        try s.execute(request(750, 10_000), as: .user(W.li), at: t0)
        try s.execute(request(751, 10_000), as: .user(W.li), at: t0)
        W.expectRejected(
            &s,
            IssueInvoice(invoiceId: ID(750), invoiceNumber: "FP-1", issuedAt: t0),
            as: .user(W.li),
            rule: "INV-04.perm",
            kind: .accessDenied
        )
        W.expectRejected(
            &s,
            IssueInvoice(invoiceId: ID(750), invoiceNumber: "", issuedAt: t0),
            as: .user(W.finance),
            rule: "INV-04.invoiceNumber",
            kind: .invalidInput
        )
        let out = try s.execute(
            IssueInvoice(invoiceId: ID(750), invoiceNumber: "FP-1", issuedAt: t0),
            as: .user(W.finance),
            at: t0
        )
        #expect(
            W.events(out, InvoiceIssued.self) == [InvoiceIssued(invoiceNumber: "FP-1", issuedAt: t0, logisticsNo: nil)]
        )
        W.expectRejected(
            &s,
            IssueInvoice(invoiceId: ID(751), invoiceNumber: "fp-1", issuedAt: t0),
            as: .user(W.finance),
            rule: "INV-04.invoiceNumberUnique",
            kind: .invariantViolated
        )
        W.expectRejected(
            &s,
            IssueInvoice(invoiceId: ID(750), invoiceNumber: "FP-2", issuedAt: t0),
            as: .user(W.finance),
            rule: "INV-04.approved",
            kind: .invalidState
        )
        W.expectRejected(
            &s,
            IssueInvoice(invoiceId: ID(759), invoiceNumber: "FP-2", issuedAt: t0),
            as: .user(W.finance),
            rule: "INV-04.invoiceExists",
            kind: .notFound
        )
    }

    @Test func onlyIssuedInvoicesAreReversedAndOnlyOnce() throws {
        var s = try W.store()
        try W.approvedContract(&s, ID(1000))
        try s.execute(request(750, 10_000), as: .user(W.li), at: t0)
        W.expectRejected(
            &s,
            ReverseInvoice(invoiceId: ID(750), reason: "x"),
            as: .user(W.finance),
            rule: "INV-05.issued",
            kind: .invalidState
        )
        try s.execute(
            IssueInvoice(invoiceId: ID(750), invoiceNumber: "FP-1", issuedAt: t0),
            as: .user(W.finance),
            at: t0
        )
        W.expectRejected(
            &s,
            ReverseInvoice(invoiceId: ID(750), reason: ""),
            as: .user(W.finance),
            rule: "INV-05.reason",
            kind: .invalidInput
        )
        let out = try s.execute(
            ReverseInvoice(invoiceId: ID(750), creditNoteNumber: "HC-1", reason: "price change"),
            as: .user(W.finance),
            at: t0
        )
        #expect(
            W.events(out, InvoiceReversed.self) == [InvoiceReversed(creditNoteNumber: "HC-1", reason: "price change")]
        )
        W.expectRejected(
            &s,
            ReverseInvoice(invoiceId: ID(750), reason: "again"),
            as: .user(W.finance),
            rule: "INV-05.notReversed",
            kind: .invalidState
        )
    }
}
