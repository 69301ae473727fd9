import CRMDomain
import Testing

private typealias W = CustomerWorld
private typealias A = CustomerActor

/// Unknown records, missing permissions and malformed input for the commands whose main checks are tested in the
/// other suites. Each case is rejected with its rule and appends nothing.
@Suite struct CustomerInputTests {
    @Test func unknownCustomersAreNotFound() throws {
        var w = try W()
        try w.definePool()
        let missing = ID(9)
        let cases: [(any Command, String)] = [
            (RateCustomerCredit(customerId: missing, rating: "AA", basis: "audit"), "CUS-04.exists"),
            (ListCustomer(customerId: missing, list: .black, reason: "x"), "CUS-05.exists"),
            (DelistCustomer(customerId: missing, list: .black), "CUS-06.exists"),
            (LockCustomer(customerId: missing), "CUS-07.exists"),
            (UnlockCustomer(customerId: missing), "CUS-08.exists"),
            (ReturnCustomerToPool(customerId: missing, poolId: W.pool, reason: "x"), "CUS-11.exists"),
            (ApproveCustomerTransfer(customerId: missing, requestId: ID(40), approverId: W.manager), "CUS-13.exists"),
            (
                RejectCustomerTransfer(customerId: missing, requestId: ID(40), approverId: W.manager, reason: "x"),
                "CUS-14.exists"
            ),
            (WithdrawCustomerTransfer(customerId: missing, requestId: ID(40)), "CUS-15.exists"),
            (ChangeCustomerParent(customerId: missing, parentCustomerId: nil), "CUS-19.exists"),
            (ChangePoolStatus(poolId: ID(299), active: false), "POL-03.poolExists"),
            (RemovePoolReclaimRule(poolId: ID(299), ruleId: ID(300)), "POL-05.poolExists"),
        ]
        for (command, rule) in cases {
            w.expectRejected(command, as: A.manager, rule: rule, kind: .notFound)
        }
    }

    @Test func actorsOutsideTheDataScopeOrWithoutTheActionAreDenied() throws {
        var w = try W()
        try w.definePool()
        try w.createCustomer(ID(1), owner: W.rep1)
        try w.run(ListCustomer(customerId: ID(1), list: .black, reason: "fraud"), as: A.rep1)
        try w.run(LockCustomer(customerId: ID(1)), as: A.rep1)
        try w.run(
            SetPoolReclaimRule(poolId: W.pool, ruleId: ID(300), ruleType: .noFollowUp, limitDays: 30),
            as: A.manager
        )
        let cases: [(any Command, String)] = [
            (DelistCustomer(customerId: ID(1), list: .black), "CUS-06.perm"),
            (UnlockCustomer(customerId: ID(1)), "CUS-08.perm"),
            (ChangeCustomerParent(customerId: ID(1), parentCustomerId: nil), "CUS-19.perm"),
            (ChangePoolStatus(poolId: W.pool, active: false), "POL-03.perm"),
            (SetPoolReclaimRule(poolId: W.pool, ruleId: ID(301), ruleType: .noDeal, limitDays: 30), "POL-04.perm"),
            (RemovePoolReclaimRule(poolId: W.pool, ruleId: ID(300)), "POL-05.perm"),
        ]
        for (command, rule) in cases {
            w.expectRejected(command, as: A.rep2, rule: rule, kind: .accessDenied)
        }
    }

    @Test func malformedCustomerInputIsRejected() throws {
        var w = try W()
        try w.createCustomer(ID(1), owner: W.rep1)
        w.expectRejected(
            ChangeCustomerLevel(customerId: ID(1), level: " "),
            as: A.rep1,
            rule: "CUS-03.level",
            kind: .invalidInput
        )
        w.expectRejected(
            RateCustomerCredit(customerId: ID(1), rating: "", basis: "audit"),
            as: A.manager,
            rule: "CUS-04.rating",
            kind: .invalidInput
        )
        w.expectRejected(
            RateCustomerCredit(
                customerId: ID(1),
                rating: "AA",
                creditLimit: Money(amountMinor: 100, currency: ""),
                basis: "audit"
            ),
            as: A.manager,
            rule: "CUS-04.creditLimit",
            kind: .invalidInput
        )
    }

    @Test func malformedContactInputIsRejected() throws {
        var w = try W()
        try w.createCustomer(ID(1), owner: W.rep1)
        try w.run(AddContact(contactId: ID(80), customerId: ID(1), name: "Zhang"), as: A.rep1)
        w.expectRejected(
            UpdateContact(contactId: ID(80), edits: [CustomerFieldEdit("phones", "138,,139")]),
            as: A.rep1,
            rule: "CON-02.phones",
            kind: .invalidInput
        )
        w.expectRejected(
            UpdateContact(contactId: ID(80), edits: [CustomerFieldEdit("reportsToContactId", "boss")]),
            as: A.rep1,
            rule: "CON-02.reportsToContactId",
            kind: .invalidInput
        )
    }

    @Test func malformedPoolInputIsRejected() throws {
        var w = try W()
        try w.definePool()
        w.expectRejected(
            DefinePool(poolId: ID(201), name: "West", adminIds: [W.manager], memberUserIds: [ID(999)]),
            as: A.manager,
            rule: "POL-01.memberUserIds",
            kind: .invalidInput
        )
        let cases: [(PoolSettingEdit, String)] = [
            (PoolSettingEdit(.name, .text(" ")), "POL-02.name"),
            (PoolSettingEdit(.adminIds, .ids([ID(999)])), "POL-02.adminIds"),
            (PoolSettingEdit(.memberUserIds, .ids([W.rep1, W.rep1])), "POL-02.memberUserIds"),
            (PoolSettingEdit(.memberDeptIds, .ids([ID(998)])), "POL-02.memberDeptIds"),
            (PoolSettingEdit(.autoReclaim, .number(1)), "POL-02.autoReclaim"),
        ]
        for (edit, rule) in cases {
            w.expectRejected(
                ChangePoolSettings(poolId: W.pool, edits: [edit]),
                as: A.manager,
                rule: rule,
                kind: .invalidInput
            )
        }
        w.expectRejected(
            ChangePoolSettings(
                poolId: W.pool,
                edits: [PoolSettingEdit(.autoReclaim, .flag(true)), PoolSettingEdit(.autoReclaim, .flag(false))]
            ),
            as: A.manager,
            rule: "POL-02.changes",
            kind: .invalidInput
        )
    }

    @Test func approvingATransferOfACustomerThatLostItsOwnerIsRefused() throws {
        var w = try W()
        try w.definePool()
        try w.createCustomer(ID(1), owner: W.rep1)
        w.store.given(
            [
                CustomerTransferRequested(
                    requestId: ID(40),
                    toOwnerId: W.rep2,
                    carry: .nothing,
                    oldOwnerRetention: .remove,
                    reason: "imported history",
                    approvalId: nil,
                    requesterId: W.rep1
                ),
                CustomerReturnedToPool(
                    poolId: W.pool,
                    previousOwnerId: W.rep1,
                    cause: .manual("imported"),
                    asOf: nil,
                    at: W.t0
                ),
            ],
            on: W.stream(ID(1))
        )
        w.expectRejected(
            ApproveCustomerTransfer(customerId: ID(1), requestId: ID(40), approverId: W.manager),
            as: A.manager,
            rule: "CUS-13.owned",
            kind: .invalidState
        )
    }
}
