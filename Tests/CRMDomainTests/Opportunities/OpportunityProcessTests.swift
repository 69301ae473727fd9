import CRMDomain
import Testing

/// OPP-12 Won with contractDraftRequested → CTR-01 DraftContract (§2.11).
@Suite struct OpportunityProcessTests {
    let t0 = OppWorld.t0
    let ada = ActorRef.user(OppWorld.ada)

    func world() throws -> InMemoryDomainStore {
        var s = try OppWorld.make()
        s.processManagers = OpportunitiesCatalog.processManagers
        _ = try OppWorld.create(in: &s, stage: "S3")
        return s
    }

    @Test func aWinWithADraftRequestDraftsTheContractFromTheOpportunity() throws {
        var s = try world()
        let lines = [
            OpportunityLineItem(productId: ID(800), qty: 3, unitPrice: .cny(1_000), discountBasisPoints: 0),
            OpportunityLineItem(productId: ID(801), qty: 1, unitPrice: .cny(2_000), discountBasisPoints: 0),
        ]
        // Σ 5 000, less 10 % order discount = 4 500.
        try s.execute(
            ChangeOpportunityLineItems(oppId: OppWorld.opp, lines: lines, orderDiscountBasisPoints: 1_000),
            as: ada,
            at: t0
        )
        let closedAt = Timestamp(LocalDate(2026, 1, 5), hour: 8)
        let out = try s.execute(
            WinOpportunity(oppId: OppWorld.opp, closedAt: closedAt, contractDraftRequested: true),
            as: ada,
            at: t0
        )
        #expect(out.map(\.event.eventType) == ["OpportunityWon", "ContractDrafted"])
        let won = try #require(out.first)
        let drafted = try #require(out.last)
        #expect(drafted.causationId == won.eventId)
        #expect(drafted.actor == .system(job: "opportunityWonContractDraft"))
        let contractId = won.eventId
        #expect(drafted.stream == .of(Contract.self, contractId))
        #expect(
            drafted.event as? ContractDrafted
                == ContractDrafted(
                    contractId: contractId,
                    number: "HT-20260105-\(contractId.description.filter { $0 != "-" })",
                    customerId: OppWorld.customer,
                    opportunityId: OppWorld.opp,
                    ownerId: OppWorld.ada,
                    amount: .cny(4_500),
                    lines: [
                        ContractLine(
                            productId: ID(800),
                            name: "product \(ID(800))",
                            quantity: 3,
                            unitPrice: .cny(1_000),
                            amount: .cny(2_700)
                        ),
                        ContractLine(
                            productId: ID(801),
                            name: "product \(ID(801))",
                            quantity: 1,
                            unitPrice: .cny(2_000),
                            amount: .cny(1_800)
                        ),
                    ],
                    orderDate: LocalDate(2026, 1, 5),
                    startDate: LocalDate(2026, 1, 5),
                    endDate: LocalDate(2027, 1, 4),
                    paymentTerms: "",
                    customerSignerContactId: OppWorld.contact,
                    companySignerUserId: OppWorld.ada
                )
        )
        #expect(
            s.children(of: .of(Opportunity.self, OppWorld.opp), category: Contract.category) == [
                .of(Contract.self, contractId)
            ]
        )
    }

    @Test func contractLinesAlwaysAddUpToTheWonAmount() {
        let lines = [
            OpportunityLineItem(productId: ID(800), qty: 1, unitPrice: .cny(1), discountBasisPoints: 0),
            OpportunityLineItem(productId: ID(801), qty: 1, unitPrice: .cny(1), discountBasisPoints: 0),
            OpportunityLineItem(productId: ID(802), qty: 1, unitPrice: .cny(1), discountBasisPoints: 0),
        ]
        let split = OpportunityWonContractDraft.lines(lines, amount: .cny(100))
        #expect(split.map(\.amount.amountMinor) == [33, 33, 34])
        #expect(OpportunityWonContractDraft.lines([], amount: .cny(100)).isEmpty)
    }

    @Test func noDraftWithoutARequestOrAnActiveOwner() throws {
        var s = try world()
        let plain = try s.execute(WinOpportunity(oppId: OppWorld.opp, closedAt: t0), as: ada, at: t0)
        #expect(plain.map(\.event.eventType) == ["OpportunityWon"])

        var t = try world()
        t.given(
            [UserOffboarded(userId: OppWorld.ada, successorUserId: nil, at: t0)],
            on: StreamRef("user", OppWorld.ada.description)
        )
        let system = try t.execute(
            WinOpportunity(oppId: OppWorld.opp, closedAt: t0, contractDraftRequested: true),
            as: .system(job: "import"),
            at: t0
        )
        #expect(system.map(\.event.eventType) == ["OpportunityWon"])
    }

    @Test func aRedeliveredWinDraftsNothingTwice() throws {
        var s = try world()
        let out = try s.execute(
            WinOpportunity(oppId: OppWorld.opp, closedAt: t0, contractDraftRequested: true),
            as: ada,
            at: t0
        )
        let won = try #require(out.first)
        let again = OpportunityWonContractDraft().react(
            to: RecordedDomainEvent(
                stream: won.stream,
                event: won.event,
                eventId: won.eventId,
                correlationId: won.correlationId,
                recordedAt: won.recordedAt,
                actor: won.actor
            ),
            context: s
        )
        #expect(again.count == 1)
        for command in again {
            OppWorld.expectRejected(
                command,
                as: .system(job: "opportunityWonContractDraft"),
                in: &s,
                rule: "CTR-01.contractIdUnique",
                kind: .alreadyExists
            )
        }
    }
}
