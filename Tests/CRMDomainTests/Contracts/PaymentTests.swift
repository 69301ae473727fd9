import CRMDomain
import Testing

@Suite struct PaymentTests {
    typealias W = ContractsWorld
    let t0 = W.t0

    func schedule(
        _ no: Int64,
        plan: UInt64,
        _ yuan: Int64,
        due: LocalDate = LocalDate(2026, 5, 1),
        contract: UInt64 = 1000
    ) -> ScheduleInstallment {
        ScheduleInstallment(
            contractId: ID(contract),
            planId: ID(plan),
            installmentNo: no,
            amount: W.cny(yuan),
            dueDate: due,
            method: .bankTransfer,
            remindDaysBefore: 3
        )
    }

    func receive(_ id: UInt64, _ yuan: Int64, plan: UInt64? = nil, contract: UInt64 = 1000, overpay: Bool = false)
        -> ReceivePayment
    {
        ReceivePayment(
            paymentId: ID(id),
            number: "HK-\(id)",
            contractId: ID(contract),
            planId: plan.map { ID($0) },
            amount: W.cny(yuan),
            method: .bankTransfer,
            receivedAt: W.t0,
            allowsOverpayment: overpay
        )
    }

    // MARK: PAY-01

    @Test func installmentsAreScheduledWithinTheContractAmount() throws {
        var s = try W.store()
        try s.execute(W.draft(ID(1000)), as: .user(W.li), at: t0)
        let out = try s.execute(schedule(1, plan: 800, 30_000), as: .user(W.li), at: t0)
        #expect(
            W.events(out, PaymentInstallmentScheduled.self) == [
                PaymentInstallmentScheduled(
                    planId: ID(800),
                    installmentNo: 1,
                    amount: W.cny(30_000),
                    dueDate: LocalDate(2026, 5, 1),
                    method: .bankTransfer,
                    remindDaysBefore: 3
                )
            ]
        )
        #expect(out.first?.stream == .of(Contract.self, ID(1000)))
        W.expectRejected(
            &s,
            schedule(1, plan: 801, 10_000),
            as: .user(W.li),
            rule: "PAY-01.installmentNoUnique",
            kind: .invariantViolated
        )
        W.expectRejected(
            &s,
            schedule(2, plan: 801, 70_001),
            as: .user(W.li),
            rule: "PAY-01.withinContractAmount",
            kind: .invariantViolated
        )
        W.expectRejected(
            &s,
            schedule(2, plan: 800, 10_000),
            as: .user(W.li),
            rule: "PAY-01.planIdUnique",
            kind: .alreadyExists
        )
        W.expectRejected(
            &s,
            schedule(0, plan: 801, 10_000),
            as: .user(W.li),
            rule: "PAY-01.installmentNo",
            kind: .invalidInput
        )
        W.expectRejected(&s, schedule(2, plan: 801, 0), as: .user(W.li), rule: "PAY-01.amount", kind: .invalidInput)
        W.expectRejected(
            &s,
            schedule(2, plan: 801, 10_000),
            as: .user(W.wang),
            rule: "PAY-01.perm",
            kind: .accessDenied
        )
        try s.execute(schedule(2, plan: 801, 70_000), as: .user(W.li), at: t0)
        let c = try #require(s.state(Contract.self, ID(1000)))
        #expect(c.scheduledTotalMinor == 10_000_000)
        #expect(
            c.installments.map { $0.status(contract: c.status, received: 0) } == [.notYetEffective, .notYetEffective]
        )
    }

    @Test func noInstallmentOnRejectedOrVoidContracts() throws {
        var s = try W.store(processManagers: [ContractApprovalProcess()])
        try s.execute(W.draft(ID(1000)), as: .user(W.li), at: t0)
        try s.execute(VoidContract(contractId: ID(1000), reason: "duplicate"), as: .user(W.li), at: t0)
        W.expectRejected(
            &s,
            schedule(1, plan: 800, 10_000),
            as: .user(W.li),
            rule: "PAY-01.contractOpen",
            kind: .invalidState
        )
        try s.execute(
            DefineApprovalFlow(
                flowId: ID(500),
                category: .contract,
                steps: [ApprovalStep(order: 1, type: .ownerSupervisor)]
            ),
            as: W.system,
            at: t0
        )
        try s.execute(W.draft(ID(1001)), as: .user(W.li), at: t0)
        try s.execute(SubmitContract(contractId: ID(1001), approvalId: ID(600)), as: .user(W.li), at: t0)
        try s.execute(schedule(1, plan: 800, 10_000, contract: 1001), as: .user(W.li), at: t0)
        try s.execute(
            RejectApproval(approvalId: ID(600), approverId: W.manager, reason: "no"),
            as: .user(W.manager),
            at: t0
        )
        W.expectRejected(
            &s,
            schedule(2, plan: 801, 10_000, contract: 1001),
            as: .user(W.li),
            rule: "PAY-01.contractOpen",
            kind: .invalidState
        )
    }

    // MARK: PAY-02 / PAY-03

    @Test func anInstallmentIsRevisedOnlyBeforeAnythingIsReceivedOnIt() throws {
        var s = try W.store()
        try W.approvedContract(&s, ID(1000))
        try s.execute(schedule(1, plan: 800, 30_000), as: .user(W.li), at: t0)
        try s.execute(schedule(2, plan: 801, 70_000), as: .user(W.li), at: t0)
        let out = try s.execute(
            ReviseInstallment(
                contractId: ID(1000),
                planId: ID(800),
                amount: W.cny(20_000),
                dueDate: LocalDate(2026, 6, 1)
            ),
            as: .user(W.li),
            at: t0
        )
        #expect(
            W.events(out, PaymentInstallmentRevised.self) == [
                PaymentInstallmentRevised(
                    planId: ID(800),
                    changes: [
                        InstallmentChange(
                            field: .amount,
                            before: .init(money: W.cny(30_000)),
                            after: .init(money: W.cny(20_000))
                        ),
                        InstallmentChange(
                            field: .dueDate,
                            before: .init(date: LocalDate(2026, 5, 1)),
                            after: .init(date: LocalDate(2026, 6, 1))
                        ),
                    ]
                )
            ]
        )
        #expect(s.state(Contract.self, ID(1000))?.installment(ID(800))?.amount == W.cny(20_000))
        W.expectRejected(
            &s,
            ReviseInstallment(contractId: ID(1000), planId: ID(800), amount: W.cny(30_001)),
            as: .user(W.li),
            rule: "PAY-02.withinContractAmount",
            kind: .invariantViolated
        )
        W.expectRejected(
            &s,
            ReviseInstallment(contractId: ID(1000), planId: ID(800)),
            as: .user(W.li),
            rule: "PAY-02.changes",
            kind: .invalidInput
        )
        W.expectRejected(
            &s,
            ReviseInstallment(contractId: ID(1000), planId: ID(899), amount: W.cny(1)),
            as: .user(W.li),
            rule: "PAY-02.installmentExists",
            kind: .notFound
        )
        try s.execute(receive(700, 5_000, plan: 800), as: .user(W.li), at: t0)
        W.expectRejected(
            &s,
            ReviseInstallment(contractId: ID(1000), planId: ID(800), amount: W.cny(25_000)),
            as: .user(W.li),
            rule: "PAY-02.nothingReceived",
            kind: .invariantViolated
        )
    }

    @Test func anInstallmentWithVerifiedPaymentsIsNotCancelled() throws {
        var s = try W.store()
        try W.approvedContract(&s, ID(1000))
        try s.execute(schedule(1, plan: 800, 30_000), as: .user(W.li), at: t0)
        try s.execute(schedule(2, plan: 801, 70_000), as: .user(W.li), at: t0)
        try s.execute(receive(700, 10_000, plan: 800), as: .user(W.li), at: t0)
        try s.execute(VerifyPayment(paymentId: ID(700)), as: .user(W.finance), at: t0)
        W.expectRejected(
            &s,
            CancelInstallment(contractId: ID(1000), planId: ID(800), reason: "merged"),
            as: .user(W.li),
            rule: "PAY-03.noVerifiedPayment",
            kind: .invariantViolated
        )
        W.expectRejected(
            &s,
            CancelInstallment(contractId: ID(1000), planId: ID(801), reason: ""),
            as: .user(W.li),
            rule: "PAY-03.reason",
            kind: .invalidInput
        )
        let out = try s.execute(
            CancelInstallment(contractId: ID(1000), planId: ID(801), reason: "merged"),
            as: .user(W.li),
            at: t0
        )
        #expect(
            W.events(out, PaymentInstallmentCancelled.self) == [
                PaymentInstallmentCancelled(planId: ID(801), reason: "merged")
            ]
        )
        let c = try #require(s.state(Contract.self, ID(1000)))
        #expect(c.scheduledTotalMinor == 3_000_000)
        #expect(c.installment(ID(801))?.status(contract: c.status, received: 0) == .cancelled)
        #expect(c.installment(ID(800))?.status(contract: c.status, received: 1_000_000) == .partial)
        W.expectRejected(
            &s,
            CancelInstallment(contractId: ID(1000), planId: ID(801), reason: "again"),
            as: .user(W.li),
            rule: "PAY-03.installmentExists",
            kind: .notFound
        )
        // The number of a cancelled installment is free again.
        try s.execute(schedule(2, plan: 802, 70_000), as: .user(W.li), at: t0)
    }

    // MARK: PAY-04

    @Test func anOutstandingInstallmentBecomesOverdueAfterItsDueDate() throws {
        var s = try W.store()
        try s.execute(W.draft(ID(1000)), as: .user(W.li), at: t0)
        try s.execute(schedule(1, plan: 800, 30_000, due: LocalDate(2026, 4, 30)), as: .user(W.li), at: t0)
        let flag = FlagInstallmentOverdue(contractId: ID(1000), planId: ID(800), asOf: LocalDate(2026, 5, 1))
        W.expectRejected(&s, flag, as: W.system, rule: "PAY-04.installmentDue", kind: .invalidState)
        try s.execute(SubmitContract(contractId: ID(1000), approvalId: ID(600)), as: .user(W.li), at: t0)
        try s.execute(ApproveContract(contractId: ID(1000), approvalId: ID(600)), as: W.system, at: t0)
        try s.execute(receive(700, 10_000, plan: 800), as: .user(W.li), at: t0)
        try s.execute(VerifyPayment(paymentId: ID(700)), as: .user(W.finance), at: t0)
        W.expectRejected(
            &s,
            FlagInstallmentOverdue(contractId: ID(1000), planId: ID(800), asOf: LocalDate(2026, 4, 30)),
            as: W.system,
            rule: "PAY-04.pastDue",
            kind: .invariantViolated
        )
        let out = try s.execute(flag, as: W.system, at: t0)
        #expect(
            W.events(out, PaymentInstallmentOverdue.self) == [
                PaymentInstallmentOverdue(
                    planId: ID(800),
                    dueDate: LocalDate(2026, 4, 30),
                    outstanding: W.cny(20_000),
                    asOf: LocalDate(2026, 5, 1)
                )
            ]
        )
        let c = try #require(s.state(Contract.self, ID(1000)))
        #expect(c.installment(ID(800))?.status(contract: c.status, received: 1_000_000) == .overdue)
        W.expectRejected(&s, flag, as: W.system, rule: "PAY-04.notFlagged", kind: .invalidState)
        // A fully received installment is never overdue.
        try s.execute(schedule(2, plan: 801, 10_000, due: LocalDate(2026, 4, 30)), as: .user(W.li), at: t0)
        try s.execute(receive(701, 10_000, plan: 801), as: .user(W.li), at: t0)
        try s.execute(VerifyPayment(paymentId: ID(701)), as: .user(W.finance), at: t0)
        W.expectRejected(
            &s,
            FlagInstallmentOverdue(contractId: ID(1000), planId: ID(801), asOf: LocalDate(2026, 5, 1)),
            as: W.system,
            rule: "PAY-04.outstanding",
            kind: .invariantViolated
        )
    }

    // MARK: PAY-05

    @Test func paymentsAreReceivedAgainstEffectiveContractsWithinTheirAmount() throws {
        var s = try W.store()
        try s.execute(W.draft(ID(1000)), as: .user(W.li), at: t0)
        W.expectRejected(
            &s,
            receive(700, 10_000),
            as: .user(W.li),
            rule: "PAY-05.contractEffective",
            kind: .invalidState
        )
        try s.execute(SubmitContract(contractId: ID(1000), approvalId: ID(600)), as: .user(W.li), at: t0)
        try s.execute(ApproveContract(contractId: ID(1000), approvalId: ID(600)), as: W.system, at: t0)
        try s.execute(schedule(1, plan: 800, 30_000), as: .user(W.li), at: t0)
        let out = try s.execute(receive(700, 60_000, plan: 800), as: .user(W.li), at: t0)
        #expect(
            W.events(out, PaymentReceived.self) == [
                PaymentReceived(
                    paymentId: ID(700),
                    number: "HK-700",
                    contractId: ID(1000),
                    planId: ID(800),
                    customerId: W.customer,
                    amount: W.cny(60_000),
                    method: .bankTransfer,
                    receivedAt: t0
                )
            ]
        )
        #expect(s.children(of: .of(Contract.self, ID(1000)), category: "payment") == [.of(Payment.self, ID(700))])
        // Pending payments count toward the limit; rejected ones do not.
        W.expectRejected(
            &s,
            receive(701, 40_001),
            as: .user(W.li),
            rule: "PAY-05.withinContractAmount",
            kind: .invariantViolated
        )
        try s.execute(RejectPayment(paymentId: ID(700), reason: "wrong account"), as: .user(W.finance), at: t0)
        try s.execute(receive(701, 100_000), as: .user(W.li), at: t0)
        try s.execute(receive(702, 1, overpay: true), as: .user(W.li), at: t0)
        W.expectRejected(&s, receive(703, 0), as: .user(W.li), rule: "PAY-05.amountPositive", kind: .invariantViolated)
        W.expectRejected(
            &s,
            receive(703, 1, plan: 899, overpay: true),
            as: .user(W.li),
            rule: "PAY-05.planOfContract",
            kind: .invariantViolated
        )
        W.expectRejected(
            &s,
            receive(701, 1, overpay: true),
            as: .user(W.li),
            rule: "PAY-05.paymentIdUnique",
            kind: .alreadyExists
        )
        let dup = ReceivePayment(
            paymentId: ID(704),
            number: "hk-701",
            contractId: ID(1000),
            amount: W.cny(1),
            method: .cash,
            receivedAt: t0,
            allowsOverpayment: true
        )
        W.expectRejected(&s, dup, as: .user(W.li), rule: "PAY-05.numberUnique", kind: .invariantViolated)
        let future = ReceivePayment(
            paymentId: ID(704),
            number: "HK-704",
            contractId: ID(1000),
            amount: W.cny(1),
            method: .cash,
            receivedAt: t0.adding(days: 1),
            allowsOverpayment: true
        )
        W.expectRejected(&s, future, as: .user(W.li), rule: "PAY-05.receivedAt", kind: .invalidInput)
        W.expectRejected(
            &s,
            receive(704, 1, overpay: true),
            as: .user(W.wang),
            rule: "PAY-05.perm",
            kind: .accessDenied
        )
    }

    // MARK: PAY-06 / PAY-07

    @Test func withoutAPaymentFlowFinanceVerifiesDirectly() throws {
        var s = try W.store()
        try W.approvedContract(&s, ID(1000))
        try s.execute(receive(700, 10_000), as: .user(W.li), at: t0)
        W.expectRejected(
            &s,
            VerifyPayment(paymentId: ID(700)),
            as: .user(W.li),
            rule: "PAY-06.perm",
            kind: .accessDenied
        )
        let out = try s.execute(VerifyPayment(paymentId: ID(700)), as: .user(W.finance), at: t0)
        #expect(W.events(out, PaymentVerified.self) == [PaymentVerified(paymentId: ID(700), approvalId: nil)])
        #expect(s.state(Payment.self, ID(700))?.netVerifiedMinor == 1_000_000)
        W.expectRejected(
            &s,
            VerifyPayment(paymentId: ID(700)),
            as: .user(W.finance),
            rule: "PAY-06.pending",
            kind: .invalidState
        )
        W.expectRejected(
            &s,
            RejectPayment(paymentId: ID(700), reason: "late"),
            as: .user(W.finance),
            rule: "PAY-07.pending",
            kind: .invalidState
        )
        W.expectRejected(
            &s,
            VerifyPayment(paymentId: ID(799)),
            as: .user(W.finance),
            rule: "PAY-06.paymentExists",
            kind: .notFound
        )
    }

    @Test func withAPaymentFlowThePaymentIsVerifiedByItsApproval() throws {
        var s = try W.store(processManagers: [ContractApprovalProcess()])
        try W.approvedContract(&s, ID(1000))
        try s.execute(
            DefineApprovalFlow(
                flowId: ID(501),
                category: .payment,
                steps: [ApprovalStep(order: 1, type: .anyOf, approverIds: [W.finance])]
            ),
            as: W.system,
            at: t0
        )
        let out = try s.execute(receive(700, 10_000), as: .user(W.li), at: t0)
        #expect(out.map(\.event.eventType) == ["PaymentReceived", "ApprovalSubmitted"])
        let approval = try #require(W.events(out, ApprovalSubmitted.self).first)
        #expect(approval.target == ApprovalTarget(type: .payment, id: ID(700), version: 1))
        #expect(approval.submitterId == W.li)
        W.expectRejected(
            &s,
            VerifyPayment(paymentId: ID(700)),
            as: .user(W.finance),
            rule: "PAY-06.approvalCompleted",
            kind: .invariantViolated
        )
        W.expectRejected(
            &s,
            VerifyPayment(paymentId: ID(700), approvalId: approval.approvalId),
            as: .user(W.finance),
            rule: "PAY-06.approvalCompleted",
            kind: .invalidState
        )
        let done = try s.execute(
            ApproveApprovalStep(approvalId: approval.approvalId, approverId: W.finance),
            as: .user(W.finance),
            at: t0
        )
        #expect(
            W.events(done, PaymentVerified.self) == [
                PaymentVerified(paymentId: ID(700), approvalId: approval.approvalId)
            ]
        )
        // A rejected approval rejects the payment (PAY-07).
        let second = try s.execute(receive(701, 10_000), as: .user(W.li), at: t0)
        let a2 = try #require(W.events(second, ApprovalSubmitted.self).first)
        let rejected = try s.execute(
            RejectApproval(approvalId: a2.approvalId, approverId: W.finance, reason: "unknown payer"),
            as: .user(W.finance),
            at: t0
        )
        #expect(
            W.events(rejected, PaymentRejected.self) == [PaymentRejected(paymentId: ID(701), reason: "unknown payer")]
        )
        W.expectRejected(
            &s,
            RejectPayment(paymentId: ID(701), reason: "x"),
            as: .user(W.finance),
            rule: "PAY-07.pending",
            kind: .invalidState
        )
    }

    @Test func aPendingPaymentIsRejectedWithAReason() throws {
        var s = try W.store()
        try W.approvedContract(&s, ID(1000))
        try s.execute(receive(700, 10_000), as: .user(W.li), at: t0)
        W.expectRejected(
            &s,
            RejectPayment(paymentId: ID(700), reason: " "),
            as: .user(W.finance),
            rule: "PAY-07.reason",
            kind: .invalidInput
        )
        let out = try s.execute(RejectPayment(paymentId: ID(700), reason: "bounced"), as: .user(W.finance), at: t0)
        #expect(W.events(out, PaymentRejected.self) == [PaymentRejected(paymentId: ID(700), reason: "bounced")])
        #expect(s.state(Payment.self, ID(700))?.committedMinor == 0)
    }

    // MARK: PAY-08

    @Test func reversalsStayWithinWhatIsVerifiedAndNotYetReversed() throws {
        var s = try W.store()
        try W.approvedContract(&s, ID(1000))
        try s.execute(receive(700, 10_000), as: .user(W.li), at: t0)
        W.expectRejected(
            &s,
            ReversePayment(paymentId: ID(700), amount: W.cny(1), reason: .refund),
            as: .user(W.finance),
            rule: "PAY-08.verified",
            kind: .invalidState
        )
        try s.execute(VerifyPayment(paymentId: ID(700)), as: .user(W.finance), at: t0)
        let out = try s.execute(
            ReversePayment(paymentId: ID(700), amount: W.cny(4_000), reason: .bounce),
            as: .user(W.finance),
            at: t0
        )
        #expect(
            W.events(out, PaymentReversed.self) == [
                PaymentReversed(paymentId: ID(700), amount: W.cny(4_000), reason: .bounce)
            ]
        )
        W.expectRejected(
            &s,
            ReversePayment(paymentId: ID(700), amount: W.cny(6_001), reason: .refund),
            as: .user(W.finance),
            rule: "PAY-08.withinVerified",
            kind: .invariantViolated
        )
        W.expectRejected(
            &s,
            ReversePayment(paymentId: ID(700), amount: W.cny(0), reason: .refund),
            as: .user(W.finance),
            rule: "PAY-08.amount",
            kind: .invalidInput
        )
        W.expectRejected(
            &s,
            ReversePayment(paymentId: ID(700), amount: W.cny(1), reason: .refund),
            as: .user(W.li),
            rule: "PAY-08.perm",
            kind: .accessDenied
        )
        try s.execute(
            ReversePayment(paymentId: ID(700), amount: W.cny(6_000), reason: .refund),
            as: .user(W.finance),
            at: t0
        )
        #expect(s.state(Payment.self, ID(700))?.netVerifiedMinor == 0)
    }
}
