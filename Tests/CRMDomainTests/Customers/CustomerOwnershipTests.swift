import CRMDomain
import Testing

private typealias W = CustomerWorld
private typealias A = CustomerActor

/// CUS-09 claim, CUS-10 assignment and CUS-11 manual return: quota, cooldown, caps, membership.
@Suite struct CustomerOwnershipTests {
    private let day0 = W.t0
    private func day(_ n: Int, hour: Int = 9) -> Timestamp { Timestamp(W.t0.date.adding(days: n), hour: hour) }

    // MARK: CUS-09

    @Test func aMemberClaimsAPoolCustomer() throws {
        var w = try W()
        try w.definePool()
        try w.createCustomer(ID(1), pool: W.pool)
        let at = day(1, hour: 14)
        let out = try w.run(
            ClaimCustomerFromPool(customerId: ID(1), poolId: W.pool, userId: W.rep1),
            as: A.rep1,
            at: at
        )
        #expect(
            W.values(out) == [
                AnyHashable(CustomerClaimedFromPool(poolId: W.pool, userId: W.rep1, claimsTodayAfter: 1, at: at))
            ]
        )
        let c = try #require(w.customer(ID(1)))
        #expect(c.ownerId == W.rep1 && c.poolId == nil && c.receivedAt == at && c.receiveKind == .claimed)
        #expect(w.store.children(of: CustomerIndex.pool(W.pool), category: "customer").isEmpty)
        #expect(w.store.children(of: CustomerIndex.owner(W.rep1), category: "customer") == [W.stream(ID(1))])
    }

    @Test func membersOfAMemberDepartmentMayClaimOthersMayNot() throws {
        var w = try W()
        try w.definePool()
        try w.createCustomer(ID(1), pool: W.pool)
        w.expectRejected(
            ClaimCustomerFromPool(customerId: ID(1), poolId: W.pool, userId: W.outsider),
            as: A.outsider,
            rule: "CUS-09.poolMember",
            kind: .invariantViolated
        )
        w.expectRejected(
            ClaimCustomerFromPool(customerId: ID(1), poolId: W.pool, userId: W.viewer),
            as: A.viewer,
            rule: "CUS-09.perm",
            kind: .accessDenied
        )
        w.expectRejected(
            ClaimCustomerFromPool(customerId: ID(1), poolId: W.pool, userId: W.rep2),
            as: A.rep1,
            rule: "CUS-09.claimForSelf",
            kind: .invariantViolated
        )
        try w.run(ClaimCustomerFromPool(customerId: ID(1), poolId: W.pool, userId: W.eastRep), as: A.eastRep)
        #expect(w.customer(ID(1))?.ownerId == W.eastRep)
    }

    @Test func claimNeedsTheCustomerInThisActivePool() throws {
        var w = try W()
        try w.definePool()
        try w.definePool(ID(201), name: "West pool")
        try w.createCustomer(ID(1), pool: ID(201))
        try w.createCustomer(ID(2), owner: W.rep2)
        try w.createCustomer(ID(3), pool: W.pool)
        w.expectRejected(
            ClaimCustomerFromPool(customerId: ID(1), poolId: W.pool, userId: W.rep1),
            as: A.rep1,
            rule: "CUS-09.inPool",
            kind: .invalidState
        )
        w.expectRejected(
            ClaimCustomerFromPool(customerId: ID(2), poolId: W.pool, userId: W.rep1),
            as: A.rep1,
            rule: "CUS-09.inPool",
            kind: .invalidState
        )
        w.expectRejected(
            ClaimCustomerFromPool(customerId: ID(9), poolId: W.pool, userId: W.rep1),
            as: A.rep1,
            rule: "CUS-09.exists",
            kind: .notFound
        )
        w.expectRejected(
            ClaimCustomerFromPool(customerId: ID(3), poolId: ID(299), userId: W.rep1),
            as: A.rep1,
            rule: "CUS-09.poolExists",
            kind: .notFound
        )
        w.expectRejected(
            ClaimCustomerFromPool(customerIds: [ID(3), ID(3)], poolId: W.pool, userId: W.rep1),
            as: A.rep1,
            rule: "CUS-09.customerIds",
            kind: .invalidInput
        )
        try w.run(ChangePoolStatus(poolId: W.pool, active: false), as: A.manager)
        w.expectRejected(
            ClaimCustomerFromPool(customerId: ID(3), poolId: W.pool, userId: W.rep1),
            as: A.rep1,
            rule: "CUS-09.poolActive",
            kind: .invalidState
        )
        try w.run(ChangePoolStatus(poolId: W.pool, active: true), as: A.manager)
        try w.run(ClaimCustomerFromPool(customerId: ID(3), poolId: W.pool, userId: W.rep1), as: A.rep1)
    }

    @Test func theDailyQuotaCountsEachCustomerPerPoolUserAndUTCDay() throws {
        var w = try W()
        try w.definePool(claim: PoolClaimSettings(preOwnerCooldownDays: nil, dailyClaimLimit: 2))
        for i: UInt64 in 1...6 { try w.createCustomer(ID(i), pool: W.pool) }
        w.expectRejected(
            ClaimCustomerFromPool(customerIds: [ID(1), ID(2), ID(3)], poolId: W.pool, userId: W.rep1),
            as: A.rep1,
            at: day(1),
            rule: "CUS-09.dailyClaimLimit",
            kind: .invariantViolated
        )
        let batch = try w.run(
            ClaimCustomerFromPool(customerIds: [ID(1), ID(2)], poolId: W.pool, userId: W.rep1),
            as: A.rep1,
            at: day(1)
        )
        #expect(
            W.values(batch) == [
                AnyHashable(CustomerClaimedFromPool(poolId: W.pool, userId: W.rep1, claimsTodayAfter: 1, at: day(1))),
                AnyHashable(CustomerClaimedFromPool(poolId: W.pool, userId: W.rep1, claimsTodayAfter: 2, at: day(1))),
            ]
        )
        #expect(W.streams(batch) == ["customer-\(ID(1))", "customer-\(ID(2))"])
        w.expectRejected(
            ClaimCustomerFromPool(customerId: ID(3), poolId: W.pool, userId: W.rep1),
            as: A.rep1,
            at: day(1, hour: 23),
            rule: "CUS-09.dailyClaimLimit",
            kind: .invariantViolated
        )
        try w.run(ClaimCustomerFromPool(customerId: ID(3), poolId: W.pool, userId: W.rep2), as: A.rep2, at: day(1))
        let nextDay = try w.run(
            ClaimCustomerFromPool(customerId: ID(4), poolId: W.pool, userId: W.rep1),
            as: A.rep1,
            at: day(2, hour: 0)
        )
        #expect((nextDay.first?.event as? CustomerClaimedFromPool)?.claimsTodayAfter == 1)
    }

    @Test func aReturnedAndReclaimedCustomerCountsTwiceTowardTheQuota() throws {
        var w = try W()
        try w.definePool(claim: PoolClaimSettings(preOwnerCooldownDays: nil, dailyClaimLimit: 2))
        try w.createCustomer(ID(1), pool: W.pool)
        try w.createCustomer(ID(2), pool: W.pool)
        try w.run(ClaimCustomerFromPool(customerId: ID(1), poolId: W.pool, userId: W.rep1), as: A.rep1, at: day(1))
        try w.run(ReturnCustomerToPool(customerId: ID(1), poolId: W.pool, reason: "wrong pick"), as: A.rep1, at: day(1))
        let again = try w.run(
            ClaimCustomerFromPool(customerId: ID(1), poolId: W.pool, userId: W.rep1),
            as: A.rep1,
            at: day(1)
        )
        #expect((again.first?.event as? CustomerClaimedFromPool)?.claimsTodayAfter == 2)
        w.expectRejected(
            ClaimCustomerFromPool(customerId: ID(2), poolId: W.pool, userId: W.rep1),
            as: A.rep1,
            at: day(1),
            rule: "CUS-09.dailyClaimLimit",
            kind: .invariantViolated
        )
    }

    @Test func aFormerOwnerWaitsOutTheCooldown() throws {
        var w = try W()
        try w.definePool(claim: PoolClaimSettings(preOwnerCooldownDays: 3, dailyClaimLimit: nil))
        try w.createCustomer(ID(1), owner: W.rep1)
        try w.run(ReturnCustomerToPool(customerId: ID(1), poolId: W.pool, reason: "no budget"), as: A.rep1, at: day(0))
        w.expectRejected(
            ClaimCustomerFromPool(customerId: ID(1), poolId: W.pool, userId: W.rep1),
            as: A.rep1,
            at: day(3, hour: 23),
            rule: "CUS-09.formerOwnerCooldown",
            kind: .invariantViolated
        )
        try w.run(ClaimCustomerFromPool(customerId: ID(1), poolId: W.pool, userId: W.rep1), as: A.rep1, at: day(4))
        #expect(w.customer(ID(1))?.ownerId == W.rep1)
    }

    @Test func theCooldownDoesNotApplyToOtherMembers() throws {
        var w = try W()
        try w.definePool(claim: PoolClaimSettings(preOwnerCooldownDays: 3, dailyClaimLimit: nil))
        try w.createCustomer(ID(1), owner: W.rep1)
        try w.run(ReturnCustomerToPool(customerId: ID(1), poolId: W.pool, reason: "no budget"), as: A.rep1, at: day(0))
        try w.run(ClaimCustomerFromPool(customerId: ID(1), poolId: W.pool, userId: W.rep2), as: A.rep2, at: day(0))
        #expect(w.customer(ID(1))?.ownerId == W.rep2)
    }

    @Test func claimRespectsTheOwnedCapWhereDealtCustomersMayNotCount() throws {
        var w = try W()
        try w.definePool()
        try w.limit(.owned, max: 1, users: [W.rep1], countDealt: false)
        try w.createCustomer(ID(1), owner: W.rep1)
        try w.run(ChangeCustomerDealStatus(customerId: ID(1), dealt: true, cause: .manual), as: A.rep1)
        try w.createCustomer(ID(2), pool: W.pool)
        try w.createCustomer(ID(3), pool: W.pool)
        try w.run(ClaimCustomerFromPool(customerId: ID(2), poolId: W.pool, userId: W.rep1), as: A.rep1)
        w.expectRejected(
            ClaimCustomerFromPool(customerId: ID(3), poolId: W.pool, userId: W.rep1),
            as: A.rep1,
            rule: "CUS-09.ownedCap",
            kind: .invariantViolated
        )
    }

    @Test func theFirstMatchingLimitByPrecedenceApplies() throws {
        var w = try W()
        try w.definePool()
        try w.run(
            SetOwnershipLimit(
                limitId: ID(90),
                scope: OwnershipLimitScope(userIds: [], deptIds: [W.sales]),
                kind: .owned,
                max: 0,
                precedence: 20
            ),
            as: A.admin
        )
        try w.run(
            SetOwnershipLimit(
                limitId: ID(91),
                scope: OwnershipLimitScope(userIds: [W.rep1], deptIds: []),
                kind: .owned,
                max: 5,
                precedence: 10
            ),
            as: A.admin
        )
        try w.createCustomer(ID(1), pool: W.pool)
        try w.createCustomer(ID(2), pool: W.pool)
        try w.run(ClaimCustomerFromPool(customerId: ID(1), poolId: W.pool, userId: W.rep1), as: A.rep1)
        w.expectRejected(
            ClaimCustomerFromPool(customerId: ID(2), poolId: W.pool, userId: W.eastRep),
            as: A.eastRep,
            rule: "CUS-09.ownedCap",
            kind: .invariantViolated
        )
    }

    @Test func blacklistedCustomersCannotBeClaimed() throws {
        var w = try W()
        try w.definePool()
        try w.createCustomer(ID(1), pool: W.pool)
        try w.run(ListCustomer(customerId: ID(1), list: .black, reason: "fraud"), as: A.manager)
        w.expectRejected(
            ClaimCustomerFromPool(customerId: ID(1), poolId: W.pool, userId: W.rep1),
            as: A.rep1,
            rule: "CUS-09.notBlacklisted",
            kind: .invariantViolated
        )
        try w.run(DelistCustomer(customerId: ID(1), list: .black), as: A.manager)
        try w.run(ClaimCustomerFromPool(customerId: ID(1), poolId: W.pool, userId: W.rep1), as: A.rep1)
    }

    // MARK: CUS-10

    @Test func aPoolAdminDistributesWithinTheAssigneesCap() throws {
        var w = try W()
        try w.definePool()
        try w.limit(.owned, max: 1, users: [W.rep2])
        try w.createCustomer(ID(1), pool: W.pool)
        try w.createCustomer(ID(2), pool: W.pool)
        w.expectRejected(
            AssignCustomer(customerId: ID(1), toOwnerId: W.rep2),
            as: A.rep1,
            rule: "CUS-10.poolAdmin",
            kind: .accessDenied
        )
        let out = try w.run(AssignCustomer(customerId: ID(1), toOwnerId: W.rep2), as: A.manager, at: day(2))
        #expect(
            W.values(out)
                == [
                    AnyHashable(CustomerAssigned(fromPoolId: W.pool, toOwnerId: W.rep2, cause: .distribute, at: day(2)))
                ]
        )
        #expect(w.customer(ID(1))?.receiveKind == .assigned)
        w.expectRejected(
            AssignCustomer(customerId: ID(2), toOwnerId: W.rep2),
            as: A.manager,
            rule: "CUS-10.ownedCap",
            kind: .invariantViolated
        )
        w.expectRejected(
            AssignCustomer(customerId: ID(2), toOwnerId: ID(999)),
            as: A.manager,
            rule: "CUS-10.assigneeActive",
            kind: .notFound
        )
        w.expectRejected(
            AssignCustomer(customerId: ID(1), toOwnerId: W.rep1),
            as: A.manager,
            rule: "CUS-10.unowned",
            kind: .invalidState
        )
        w.expectRejected(
            AssignCustomer(customerId: ID(8), toOwnerId: W.rep1),
            as: A.manager,
            rule: "CUS-10.exists",
            kind: .notFound
        )
    }

    @Test func aCustomerInNoPoolIsAssignedWithTheDistributePermission() throws {
        var w = try W()
        try w.createCustomer(ID(1))
        w.expectRejected(
            AssignCustomer(customerId: ID(1), toOwnerId: W.rep1, cause: .manual),
            as: A.rep1,
            rule: "CUS-10.perm",
            kind: .accessDenied
        )
        let out = try w.run(AssignCustomer(customerId: ID(1), toOwnerId: W.rep1, cause: .manual), as: A.manager)
        #expect(
            W.values(out) == [
                AnyHashable(CustomerAssigned(fromPoolId: nil, toOwnerId: W.rep1, cause: .manual, at: W.t0))
            ]
        )
    }

    // MARK: CUS-11 manual

    @Test func theOwnerReturnsACustomerToAPool() throws {
        var w = try W()
        try w.definePool()
        try w.createCustomer(ID(1), owner: W.rep1)
        try w.run(LockCustomer(customerId: ID(1)), as: A.rep1)
        let out = try w.run(
            ReturnCustomerToPool(customerId: ID(1), poolId: W.pool, reason: "no budget"),
            as: A.rep1,
            at: day(5)
        )
        #expect(
            W.values(out) == [
                AnyHashable(
                    CustomerReturnedToPool(
                        poolId: W.pool,
                        previousOwnerId: W.rep1,
                        cause: .manual("no budget"),
                        asOf: nil,
                        at: day(5)
                    )
                )
            ]
        )
        let c = try #require(w.customer(ID(1)))
        #expect(c.ownerId == nil && c.poolId == W.pool && c.preOwnerId == W.rep1 && c.releasedAt == day(5) && !c.locked)
        #expect(w.store.children(of: CustomerIndex.owner(W.rep1), category: "customer").isEmpty)
        #expect(w.store.children(of: CustomerIndex.pool(W.pool), category: "customer") == [W.stream(ID(1))])
    }

    @Test func othersReturnOnlyWithPutIntoPoolInTheirScope() throws {
        var w = try W()
        try w.definePool()
        try w.createCustomer(ID(1), owner: W.rep1)
        w.expectRejected(
            ReturnCustomerToPool(customerId: ID(1), poolId: W.pool, reason: "x"),
            as: A.rep2,
            rule: "CUS-11.perm",
            kind: .accessDenied
        )
        w.expectRejected(
            ReturnCustomerToPool(customerId: ID(1), poolId: W.pool, reason: " "),
            as: A.rep1,
            rule: "CUS-11.reason",
            kind: .invalidInput
        )
        w.expectRejected(
            ReturnCustomerToPool(customerId: ID(1), poolId: ID(299), reason: "x"),
            as: A.rep1,
            rule: "CUS-11.poolExists",
            kind: .notFound
        )
        try w.run(ReturnCustomerToPool(customerId: ID(1), poolId: W.pool, reason: "rebalancing"), as: A.manager)
        w.expectRejected(
            ReturnCustomerToPool(customerId: ID(1), poolId: W.pool, reason: "x"),
            as: A.manager,
            rule: "CUS-11.owned",
            kind: .invalidState
        )
    }

    @Test func aCustomerWithAPendingTransferIsNotReturned() throws {
        var w = try W()
        try w.definePool()
        try w.createCustomer(ID(1), owner: W.rep1)
        try w.run(
            RequestCustomerTransfer(
                customerId: ID(1),
                requestId: ID(40),
                toOwnerId: W.rep2,
                reason: "handover",
                requesterId: W.rep1
            ),
            as: A.rep1
        )
        w.expectRejected(
            ReturnCustomerToPool(customerId: ID(1), poolId: W.pool, reason: "x"),
            as: A.rep1,
            rule: "CUS-11.noPendingTransfer",
            kind: .invalidState
        )
    }
}
