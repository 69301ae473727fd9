import CRMDomain
import Testing

@Suite struct OpportunityCreationTests {
    let t0 = OppWorld.t0
    let ada = ActorRef.user(OppWorld.ada)

    func create(
        customer: ID = OppWorld.customer,
        contact: ID? = OppWorld.contact,
        stage: String? = nil,
        probability: Int64? = nil,
        amount: Money = OppWorld.cny(100_000),
        owner: ID = OppWorld.ada,
        pipeline: ID = OppWorld.pipeline,
        oppId: ID = OppWorld.opp
    ) -> CreateOpportunity {
        CreateOpportunity(
            oppId: oppId,
            customerId: customer,
            primaryContactId: contact,
            pipelineId: pipeline,
            stageId: stage,
            probability: probability,
            amount: amount,
            expectedCloseDate: LocalDate(2026, 5, 20),
            ownerId: owner,
            source: "trade show",
            campaignId: ID(600),
            fromLeadId: ID(700)
        )
    }

    @Test func creatingDefaultsToTheFirstOpenStageAndLinksCustomerOwnerAndPipeline() throws {
        var s = try OppWorld.make()
        let out = try s.execute(create(), as: ada, at: t0)
        let expected = OpportunityCreated(
            oppId: OppWorld.opp,
            customerId: OppWorld.customer,
            primaryContactId: OppWorld.contact,
            pipelineId: OppWorld.pipeline,
            pipelineVersion: 1,
            stageId: "S1",
            probability: 10,
            forecastCategory: .pipeline,
            amount: OppWorld.cny(100_000),
            expectedCloseDate: LocalDate(2026, 5, 20),
            ownerId: OppWorld.ada,
            source: "trade show",
            campaignId: ID(600),
            fromLeadId: ID(700)
        )
        #expect(out.count == 1)
        #expect(OppWorld.events(out, as: OpportunityCreated.self) == [expected])
        let stream = StreamRef.of(Opportunity.self, OppWorld.opp)
        #expect(s.children(of: .of(Customer.self, OppWorld.customer), category: "opportunity") == [stream])
        #expect(s.children(of: .owner(OppWorld.ada), category: "opportunity") == [stream])
        #expect(s.children(of: .of(Pipeline.self, OppWorld.pipeline), category: "opportunity") == [stream])
        #expect(s.children(of: StreamRef("campaign", ID(600).description), category: "opportunity") == [stream])
        let opp = try #require(s.state(Opportunity.self, OppWorld.opp))
        #expect(opp.status == .open && opp.stageId == "S1" && opp.probability == 10 && opp.ownerId == OppWorld.ada)
    }

    @Test func anExplicitOpenStageAndProbabilityAreKept() throws {
        var s = try OppWorld.make()
        let out = try s.execute(create(stage: "S3", probability: 55), as: ada, at: t0)
        let e = try #require(OppWorld.events(out, as: OpportunityCreated.self).first)
        #expect(e.stageId == "S3" && e.probability == 55 && e.forecastCategory == .bestCase)
    }

    @Test func theCustomerMustBeLive() throws {
        var s = try OppWorld.make()
        OppWorld.expectRejected(
            create(customer: OppWorld.archivedCustomer, contact: nil),
            as: ada,
            in: &s,
            rule: "OPP-04.customerLive",
            kind: .notFound
        )
        OppWorld.expectRejected(
            create(customer: ID(199), contact: nil),
            as: ada,
            in: &s,
            rule: "OPP-04.customerLive",
            kind: .notFound
        )
    }

    @Test func theCustomerMustNotBeBlacklisted() throws {
        var s = try OppWorld.make()
        OppWorld.expectRejected(
            create(customer: OppWorld.blacklisted, contact: nil),
            as: ada,
            in: &s,
            rule: "OPP-04.customerNotBlacklisted",
            kind: .invariantViolated
        )
    }

    @Test func theStageMustBeAnOpenStageOfThePipeline() throws {
        var s = try OppWorld.make()
        OppWorld.expectRejected(create(stage: "W"), as: ada, in: &s, rule: "OPP-04.openStage", kind: .invariantViolated)
        OppWorld.expectRejected(
            create(stage: "S9"),
            as: ada,
            in: &s,
            rule: "OPP-04.openStage",
            kind: .invariantViolated
        )
        OppWorld.expectRejected(
            create(pipeline: ID(399)),
            as: ada,
            in: &s,
            rule: "OPP-04.pipelineExists",
            kind: .notFound
        )
    }

    @Test func theAmountMustNotBeNegative() throws {
        var s = try OppWorld.make()
        OppWorld.expectRejected(
            create(amount: .cny(-1)),
            as: ada,
            in: &s,
            rule: "OPP-04.amountNonNegative",
            kind: .invariantViolated
        )
        OppWorld.expectRejected(
            create(amount: Money(amountMinor: 1, currency: "yuan")),
            as: ada,
            in: &s,
            rule: "OPP-04.currency",
            kind: .invalidInput
        )
        let out = try s.execute(create(amount: .cny(0)), as: ada, at: t0)
        #expect(OppWorld.events(out, as: OpportunityCreated.self).map(\.amount) == [.cny(0)])
    }

    @Test func theContactMustBelongToTheCustomer() throws {
        var s = try OppWorld.make()
        OppWorld.expectRejected(
            create(contact: OppWorld.otherContact),
            as: ada,
            in: &s,
            rule: "OPP-04.contactOfCustomer",
            kind: .invariantViolated
        )
        OppWorld.expectRejected(
            create(contact: ID(299)),
            as: ada,
            in: &s,
            rule: "OPP-04.contactOfCustomer",
            kind: .invariantViolated
        )
    }

    @Test func inputPermissionOwnerAndIdAreChecked() throws {
        var s = try OppWorld.make()
        OppWorld.expectRejected(
            create(probability: 100),
            as: ada,
            in: &s,
            rule: "OPP-04.probability",
            kind: .invalidInput
        )
        OppWorld.expectRejected(create(owner: OppWorld.bob), as: ada, in: &s, rule: "OPP-04.perm", kind: .accessDenied)
        OppWorld.expectRejected(
            create(owner: OppWorld.carl),
            as: OppWorld.setup,
            in: &s,
            rule: "OPP-04.ownerActive",
            kind: .notFound
        )
        try s.execute(create(), as: ada, at: t0)
        OppWorld.expectRejected(create(), as: ada, in: &s, rule: "OPP-04.oppIdUnique", kind: .alreadyExists)
    }
}

@Suite struct OpportunityEditingTests {
    let t0 = OppWorld.t0
    let ada = ActorRef.user(OppWorld.ada)
    let opp = OppWorld.opp

    func world() throws -> InMemoryDomainStore {
        var s = try OppWorld.make()
        _ = try OppWorld.create(in: &s)
        return s
    }

    func lose(_ s: inout InMemoryDomainStore) throws {
        try s.execute(LoseOpportunity(oppId: opp, lostReasonId: OppWorld.price, closedAt: t0), as: ada, at: t0)
    }

    // MARK: OPP-05

    @Test func updatingRecordsOnlyChangedFields() throws {
        var s = try world()
        let out = try s.execute(
            UpdateOpportunity(
                oppId: opp,
                values: [
                    OpportunityFieldValue(field: .name, value: "Acme ERP rollout"),
                    OpportunityFieldValue(field: .source, value: "trade show"),
                    OpportunityFieldValue(field: .nextStep, value: "Demo on Friday"),
                ]
            ),
            as: ada,
            at: t0
        )
        #expect(
            OppWorld.events(out, as: OpportunityUpdated.self) == [
                OpportunityUpdated(changes: [
                    OpportunityFieldChange(field: "name", before: nil, after: "Acme ERP rollout"),
                    OpportunityFieldChange(field: "nextStep", before: nil, after: "Demo on Friday"),
                ])
            ]
        )
        #expect(s.state(Opportunity.self, opp)?.name == "Acme ERP rollout")
    }

    @Test func updatingNeedsAnOpenOpportunityAndARealChange() throws {
        var s = try world()
        OppWorld.expectRejected(
            UpdateOpportunity(oppId: opp, values: [OpportunityFieldValue(field: .source, value: "trade show")]),
            as: ada,
            in: &s,
            rule: "OPP-05.noChange",
            kind: .invalidInput
        )
        OppWorld.expectRejected(
            UpdateOpportunity(oppId: opp, values: []),
            as: ada,
            in: &s,
            rule: "OPP-05.values",
            kind: .invalidInput
        )
        OppWorld.expectRejected(
            UpdateOpportunity(
                oppId: opp,
                values: [OpportunityFieldValue(field: .primaryContactId, value: OppWorld.otherContact.description)]
            ),
            as: ada,
            in: &s,
            rule: "OPP-05.contactOfCustomer",
            kind: .invariantViolated
        )
        try lose(&s)
        OppWorld.expectRejected(
            UpdateOpportunity(oppId: opp, values: [OpportunityFieldValue(field: .name, value: "x")]),
            as: ada,
            in: &s,
            rule: "OPP-05.open",
            kind: .invalidState
        )
    }

    @Test func updatingChecksFieldPermissions() throws {
        var s = try world()
        s.given(
            [
                FieldPermissionSet(
                    roleId: OppWorld.repRole,
                    object: .opportunity,
                    field: "source",
                    access: .read,
                    mask: .none
                )
            ],
            on: StreamRef("role", OppWorld.repRole.description)
        )
        OppWorld.expectRejected(
            UpdateOpportunity(oppId: opp, values: [OpportunityFieldValue(field: .source, value: "web")]),
            as: ada,
            in: &s,
            rule: "OPP-05.fieldPerm",
            kind: .fieldAccessDenied
        )
        let out = try s.execute(
            UpdateOpportunity(
                oppId: opp,
                values: [OpportunityFieldValue(field: .description, value: "ERP for 3 plants")]
            ),
            as: ada,
            at: t0
        )
        #expect(
            OppWorld.events(out, as: OpportunityUpdated.self)
                == [
                    OpportunityUpdated(changes: [
                        OpportunityFieldChange(field: "description", before: nil, after: "ERP for 3 plants")
                    ])
                ]
        )
        OppWorld.expectRejected(
            UpdateOpportunity(oppId: opp, values: [OpportunityFieldValue(field: .description, value: "x")]),
            as: .user(OppWorld.bob),
            in: &s,
            rule: "OPP-05.perm",
            kind: .accessDenied
        )
    }

    // MARK: OPP-06 / OPP-07

    @Test func changingTheAmount() throws {
        var s = try world()
        let out = try s.execute(ChangeOpportunityAmount(oppId: opp, amount: OppWorld.cny(120_000)), as: ada, at: t0)
        #expect(
            OppWorld.events(out, as: OpportunityAmountChanged.self)
                == [OpportunityAmountChanged(from: OppWorld.cny(100_000), to: OppWorld.cny(120_000))]
        )
        OppWorld.expectRejected(
            ChangeOpportunityAmount(oppId: opp, amount: .cny(-5)),
            as: ada,
            in: &s,
            rule: "OPP-06.amountNonNegative",
            kind: .invariantViolated
        )
        OppWorld.expectRejected(
            ChangeOpportunityAmount(oppId: opp, amount: Money(amountMinor: 5, currency: "USD")),
            as: ada,
            in: &s,
            rule: "OPP-06.currency",
            kind: .invariantViolated
        )
        OppWorld.expectRejected(
            ChangeOpportunityAmount(oppId: opp, amount: OppWorld.cny(120_000)),
            as: ada,
            in: &s,
            rule: "OPP-06.noChange",
            kind: .invalidInput
        )
        try lose(&s)
        OppWorld.expectRejected(
            ChangeOpportunityAmount(oppId: opp, amount: .cny(5)),
            as: ada,
            in: &s,
            rule: "OPP-06.open",
            kind: .invalidState
        )
        OppWorld.expectRejected(
            ChangeOpportunityAmount(oppId: ID(599), amount: .cny(5)),
            as: ada,
            in: &s,
            rule: "OPP-06.exists",
            kind: .notFound
        )
    }

    @Test func changingTheCloseDate() throws {
        var s = try world()
        let out = try s.execute(
            ChangeOpportunityCloseDate(oppId: opp, expectedCloseDate: LocalDate(2026, 6, 30)),
            as: ada,
            at: t0
        )
        #expect(
            OppWorld.events(out, as: OpportunityCloseDateChanged.self)
                == [OpportunityCloseDateChanged(from: LocalDate(2026, 5, 20), to: LocalDate(2026, 6, 30))]
        )
        try lose(&s)
        OppWorld.expectRejected(
            ChangeOpportunityCloseDate(oppId: opp, expectedCloseDate: LocalDate(2026, 7, 1)),
            as: ada,
            in: &s,
            rule: "OPP-07.open",
            kind: .invalidState
        )
    }

    // MARK: OPP-08

    @Test func lineItemsSetTheAmountInTheSameCommand() throws {
        var s = try world()
        let lines = [
            OpportunityLineItem(
                productId: ID(800),
                qty: 3,
                unitPrice: OppWorld.cny(20_000),
                discountBasisPoints: 1_000
            ),
            OpportunityLineItem(productId: ID(801), qty: 1, unitPrice: .cny(999), discountBasisPoints: 250),
        ]
        let out = try s.execute(
            ChangeOpportunityLineItems(oppId: opp, lines: lines, orderDiscountBasisPoints: 500),
            as: ada,
            at: t0
        )
        // 3 × 2 000 000 × 90 % = 5 400 000; 999 × 97.5 % = 974.025 → 974;
        // Σ 5 400 974 × 95 % = 5 130 925.3 → 5 130 925.
        let total = Money.cny(5_130_925)
        #expect(out.count == 2)
        #expect(
            OppWorld.events(out, ofType: OpportunityLineItemsChanged.self)
                == [OpportunityLineItemsChanged(lines: lines, total: total, orderDiscountBasisPoints: 500)]
        )
        #expect(
            OppWorld.events(out, ofType: OpportunityAmountChanged.self) == [
                OpportunityAmountChanged(from: OppWorld.cny(100_000), to: total)
            ]
        )
        #expect(s.state(Opportunity.self, opp)?.amount == total)
    }

    @Test func clearingLineItemsKeepsTheAmount() throws {
        var s = try world()
        let out = try s.execute(ChangeOpportunityLineItems(oppId: opp, lines: []), as: ada, at: t0)
        #expect(out.count == 1)
        #expect(
            OppWorld.events(out, as: OpportunityLineItemsChanged.self)
                == [OpportunityLineItemsChanged(lines: [], total: .cny(0), orderDiscountBasisPoints: 0)]
        )
    }

    @Test func lineItemsNeedPositiveQuantitiesAndDiscountsWithinRange() throws {
        var s = try world()
        func line(qty: Int64 = 1, discount: Int64 = 0, currency: String = "CNY") -> OpportunityLineItem {
            OpportunityLineItem(
                productId: ID(800),
                qty: qty,
                unitPrice: Money(amountMinor: 100, currency: currency),
                discountBasisPoints: discount
            )
        }
        OppWorld.expectRejected(
            ChangeOpportunityLineItems(oppId: opp, lines: [line(qty: 0)]),
            as: ada,
            in: &s,
            rule: "OPP-08.qtyPositive",
            kind: .invariantViolated
        )
        OppWorld.expectRejected(
            ChangeOpportunityLineItems(oppId: opp, lines: [line(discount: 10_001)]),
            as: ada,
            in: &s,
            rule: "OPP-08.discountRange",
            kind: .invariantViolated
        )
        OppWorld.expectRejected(
            ChangeOpportunityLineItems(oppId: opp, lines: [line(discount: -1)]),
            as: ada,
            in: &s,
            rule: "OPP-08.discountRange",
            kind: .invariantViolated
        )
        OppWorld.expectRejected(
            ChangeOpportunityLineItems(oppId: opp, lines: [line()], orderDiscountBasisPoints: 10_001),
            as: ada,
            in: &s,
            rule: "OPP-08.discountRange",
            kind: .invariantViolated
        )
        OppWorld.expectRejected(
            ChangeOpportunityLineItems(oppId: opp, lines: [line(currency: "USD")]),
            as: ada,
            in: &s,
            rule: "OPP-08.currency",
            kind: .invariantViolated
        )
        let full = try s.execute(
            ChangeOpportunityLineItems(oppId: opp, lines: [line(discount: 10_000)]),
            as: ada,
            at: t0
        )
        #expect(full.map(\.event.eventType) == ["OpportunityLineItemsChanged", "OpportunityAmountChanged"])
        #expect(
            OppWorld.events(full, ofType: OpportunityAmountChanged.self) == [
                OpportunityAmountChanged(from: OppWorld.cny(100_000), to: .cny(0))
            ]
        )
        try lose(&s)
        OppWorld.expectRejected(
            ChangeOpportunityLineItems(oppId: opp, lines: [line()]),
            as: ada,
            in: &s,
            rule: "OPP-08.open",
            kind: .invalidState
        )
    }

    // MARK: OPP-11

    @Test func adjustingTheForecast() throws {
        var s = try world()
        let out = try s.execute(
            AdjustOpportunityForecast(oppId: opp, probability: 25, forecastCategory: .bestCase),
            as: ada,
            at: t0
        )
        #expect(
            OppWorld.events(out, as: OpportunityForecastAdjusted.self) == [
                OpportunityForecastAdjusted(probability: 25, forecastCategory: .bestCase)
            ]
        )
        let only = try s.execute(
            AdjustOpportunityForecast(oppId: opp, probability: 25, forecastCategory: .omitted),
            as: ada,
            at: t0
        )
        #expect(
            OppWorld.events(only, as: OpportunityForecastAdjusted.self) == [
                OpportunityForecastAdjusted(probability: nil, forecastCategory: .omitted)
            ]
        )
        OppWorld.expectRejected(
            AdjustOpportunityForecast(oppId: opp, probability: 100),
            as: ada,
            in: &s,
            rule: "OPP-11.probability",
            kind: .invalidInput
        )
        OppWorld.expectRejected(
            AdjustOpportunityForecast(oppId: opp, probability: -1),
            as: ada,
            in: &s,
            rule: "OPP-11.probability",
            kind: .invalidInput
        )
        OppWorld.expectRejected(
            AdjustOpportunityForecast(oppId: opp, forecastCategory: .closed),
            as: ada,
            in: &s,
            rule: "OPP-11.forecastCategory",
            kind: .invariantViolated
        )
        OppWorld.expectRejected(
            AdjustOpportunityForecast(oppId: opp),
            as: ada,
            in: &s,
            rule: "OPP-11.probabilityOrCategory",
            kind: .invalidInput
        )
        try lose(&s)
        OppWorld.expectRejected(
            AdjustOpportunityForecast(oppId: opp, probability: 5),
            as: ada,
            in: &s,
            rule: "OPP-11.open",
            kind: .invalidState
        )
    }

    // MARK: OPP-17

    @Test func revenueSplitsTotal100Percent() throws {
        var s = try world()
        let splits = [
            OpportunitySplit(userId: OppWorld.ada, percentBasisPoints: 6_000),
            OpportunitySplit(userId: OppWorld.bob, percentBasisPoints: 4_000),
        ]
        let out = try s.execute(SetOpportunitySplits(oppId: opp, splitType: .revenue, splits: splits), as: ada, at: t0)
        #expect(
            OppWorld.events(out, as: OpportunitySplitsSet.self) == [
                OpportunitySplitsSet(splitType: .revenue, splits: splits)
            ]
        )
        let state = try #require(s.state(Opportunity.self, opp))
        #expect(state.splits == splits && state.splitType == .revenue)
        OppWorld.expectRejected(
            SetOpportunitySplits(
                oppId: opp,
                splitType: .revenue,
                splits: [OpportunitySplit(userId: OppWorld.ada, percentBasisPoints: 9_000)]
            ),
            as: ada,
            in: &s,
            rule: "OPP-17.revenueTotal",
            kind: .invariantViolated
        )
        OppWorld.expectRejected(
            SetOpportunitySplits(
                oppId: opp,
                splitType: .revenue,
                splits: [
                    OpportunitySplit(userId: OppWorld.ada, percentBasisPoints: 11_000),
                    OpportunitySplit(userId: OppWorld.bob, percentBasisPoints: -1_000),
                ]
            ),
            as: ada,
            in: &s,
            rule: "OPP-17.revenueRange",
            kind: .invariantViolated
        )
    }

    @Test func overlaySplitsMayExceed100PercentUpTo1000() throws {
        var s = try world()
        let splits = [
            OpportunitySplit(userId: OppWorld.manager, percentBasisPoints: 15_000),
            OpportunitySplit(userId: OppWorld.bob, percentBasisPoints: 100_000),
        ]
        let out = try s.execute(SetOpportunitySplits(oppId: opp, splitType: .overlay, splits: splits), as: ada, at: t0)
        #expect(
            OppWorld.events(out, as: OpportunitySplitsSet.self) == [
                OpportunitySplitsSet(splitType: .overlay, splits: splits)
            ]
        )
        OppWorld.expectRejected(
            SetOpportunitySplits(
                oppId: opp,
                splitType: .overlay,
                splits: [OpportunitySplit(userId: OppWorld.bob, percentBasisPoints: 100_001)]
            ),
            as: ada,
            in: &s,
            rule: "OPP-17.overlayRange",
            kind: .invariantViolated
        )
    }

    @Test func splitUsersMustBeActiveAndDistinct() throws {
        var s = try world()
        OppWorld.expectRejected(
            SetOpportunitySplits(
                oppId: opp,
                splitType: .revenue,
                splits: [
                    OpportunitySplit(userId: OppWorld.ada, percentBasisPoints: 5_000),
                    OpportunitySplit(userId: OppWorld.carl, percentBasisPoints: 5_000),
                ]
            ),
            as: ada,
            in: &s,
            rule: "OPP-17.usersActive",
            kind: .notFound
        )
        OppWorld.expectRejected(
            SetOpportunitySplits(
                oppId: opp,
                splitType: .revenue,
                splits: [
                    OpportunitySplit(userId: OppWorld.ada, percentBasisPoints: 5_000),
                    OpportunitySplit(userId: OppWorld.ada, percentBasisPoints: 5_000),
                ]
            ),
            as: ada,
            in: &s,
            rule: "OPP-17.uniqueUsers",
            kind: .invalidInput
        )
    }
}

@Suite struct OpportunityStageTests {
    let t0 = OppWorld.t0
    let ada = ActorRef.user(OppWorld.ada)
    let mgr = ActorRef.user(OppWorld.manager)
    let opp = OppWorld.opp

    func world(at stage: String = "S1") throws -> InMemoryDomainStore {
        var s = try OppWorld.make()
        _ = try OppWorld.create(in: &s, stage: stage)
        return s
    }

    // MARK: OPP-09

    @Test func advancingMayskipStagesAndTakesTheStageDefaults() throws {
        var s = try world()
        let out = try s.execute(AdvanceOpportunityStage(oppId: opp, toStageId: "S3"), as: ada, at: t0)
        #expect(
            OppWorld.events(out, as: OpportunityStageAdvanced.self)
                == [
                    OpportunityStageAdvanced(
                        fromStageId: "S1",
                        toStageId: "S3",
                        probability: 60,
                        forecastCategory: .bestCase,
                        pipelineVersion: 1
                    )
                ]
        )
        let state = try #require(s.state(Opportunity.self, opp))
        #expect(state.stageId == "S3" && state.probability == 60 && state.forecastCategory == .bestCase)
    }

    @Test func advancingOnlyGoesForwardToAnOpenStage() throws {
        var s = try world(at: "S3")
        OppWorld.expectRejected(
            AdvanceOpportunityStage(oppId: opp, toStageId: "S2"),
            as: ada,
            in: &s,
            rule: "OPP-09.forwardOnly",
            kind: .invariantViolated
        )
        OppWorld.expectRejected(
            AdvanceOpportunityStage(oppId: opp, toStageId: "S3"),
            as: ada,
            in: &s,
            rule: "OPP-09.forwardOnly",
            kind: .invariantViolated
        )
        OppWorld.expectRejected(
            AdvanceOpportunityStage(oppId: opp, toStageId: "W"),
            as: ada,
            in: &s,
            rule: "OPP-09.openStage",
            kind: .invariantViolated
        )
        OppWorld.expectRejected(
            AdvanceOpportunityStage(oppId: opp, toStageId: "S4", probability: 100, requirementsConfirmed: true),
            as: ada,
            in: &s,
            rule: "OPP-09.probability",
            kind: .invalidInput
        )
    }

    @Test func aStageChecklistMustBeConfirmed() throws {
        var s = try world(at: "S3")
        OppWorld.expectRejected(
            AdvanceOpportunityStage(oppId: opp, toStageId: "S4"),
            as: ada,
            in: &s,
            rule: "OPP-09.stageChecklist",
            kind: .invariantViolated
        )
        let out = try s.execute(
            AdvanceOpportunityStage(oppId: opp, toStageId: "S4", probability: 70, requirementsConfirmed: true),
            as: ada,
            at: t0
        )
        #expect(
            OppWorld.events(out, as: OpportunityStageAdvanced.self)
                == [
                    OpportunityStageAdvanced(
                        fromStageId: "S3",
                        toStageId: "S4",
                        probability: 70,
                        forecastCategory: .commit,
                        pipelineVersion: 1
                    )
                ]
        )
    }

    @Test func advancingNeedsAnOpenOpportunityAndPermission() throws {
        var s = try world()
        OppWorld.expectRejected(
            AdvanceOpportunityStage(oppId: opp, toStageId: "S2"),
            as: .user(OppWorld.bob),
            in: &s,
            rule: "OPP-09.perm",
            kind: .accessDenied
        )
        try s.execute(VoidOpportunity(oppId: opp, reason: .duplicate), as: ada, at: t0)
        OppWorld.expectRejected(
            AdvanceOpportunityStage(oppId: opp, toStageId: "S2"),
            as: ada,
            in: &s,
            rule: "OPP-09.open",
            kind: .invalidState
        )
    }

    // MARK: OPP-10

    @Test func movingBackNeedsAReasonAndTheMoveBackPermission() throws {
        var s = try world(at: "S3")
        OppWorld.expectRejected(
            MoveOpportunityStageBack(oppId: opp, toStageId: "S2", reason: "budget cut"),
            as: ada,
            in: &s,
            rule: "OPP-10.perm",
            kind: .accessDenied
        )
        OppWorld.expectRejected(
            MoveOpportunityStageBack(oppId: opp, toStageId: "S2", reason: " "),
            as: mgr,
            in: &s,
            rule: "OPP-10.reason",
            kind: .invalidInput
        )
        let out = try s.execute(
            MoveOpportunityStageBack(oppId: opp, toStageId: "S2", reason: "budget cut"),
            as: mgr,
            at: t0
        )
        #expect(
            OppWorld.events(out, as: OpportunityStageMovedBack.self) == [
                OpportunityStageMovedBack(
                    fromStageId: "S3",
                    toStageId: "S2",
                    probability: 30,
                    forecastCategory: .pipeline,
                    reason: "budget cut",
                    pipelineVersion: 1
                )
            ]
        )
    }

    @Test func movingBackOnlyGoesBackwardOnAnOpenOpportunity() throws {
        var s = try world(at: "S2")
        OppWorld.expectRejected(
            MoveOpportunityStageBack(oppId: opp, toStageId: "S3", reason: "r"),
            as: mgr,
            in: &s,
            rule: "OPP-10.backwardOnly",
            kind: .invariantViolated
        )
        OppWorld.expectRejected(
            MoveOpportunityStageBack(oppId: opp, toStageId: "L", reason: "r"),
            as: mgr,
            in: &s,
            rule: "OPP-10.openStage",
            kind: .invariantViolated
        )
        try s.execute(LoseOpportunity(oppId: opp, lostReasonId: OppWorld.price, closedAt: t0), as: ada, at: t0)
        OppWorld.expectRejected(
            MoveOpportunityStageBack(oppId: opp, toStageId: "S1", reason: "r"),
            as: mgr,
            in: &s,
            rule: "OPP-10.open",
            kind: .invalidState
        )
    }

    // MARK: OPP-12

    @Test func winningMovesToTheNearestWonStageWithTheCurrentAmount() throws {
        var s = try world(at: "S3")
        let closedAt = t0.adding(hours: -1)
        let out = try s.execute(
            WinOpportunity(oppId: opp, closedAt: closedAt, contractDraftRequested: false),
            as: ada,
            at: t0
        )
        #expect(
            OppWorld.events(out, as: OpportunityWon.self)
                == [
                    OpportunityWon(
                        wonStageId: "W",
                        amount: OppWorld.cny(100_000),
                        closedAt: closedAt,
                        contractDraftRequested: false,
                        pipelineVersion: 1
                    )
                ]
        )
        let state = try #require(s.state(Opportunity.self, opp))
        #expect(
            state.status == .won && state.probability == 100 && state.forecastCategory == .closed
                && state.closedAt == closedAt
        )
    }

    @Test func winningNeedsAWonStageAndAPositiveAmount() throws {
        var s = try world()
        OppWorld.expectRejected(
            WinOpportunity(oppId: opp, wonStageId: "L", closedAt: t0),
            as: ada,
            in: &s,
            rule: "OPP-12.wonStage",
            kind: .invariantViolated
        )
        OppWorld.expectRejected(
            WinOpportunity(oppId: opp, wonStageId: "S4", closedAt: t0),
            as: ada,
            in: &s,
            rule: "OPP-12.wonStage",
            kind: .invariantViolated
        )
        OppWorld.expectRejected(
            WinOpportunity(oppId: opp, amount: .cny(0), closedAt: t0),
            as: ada,
            in: &s,
            rule: "OPP-12.amountPositive",
            kind: .invariantViolated
        )
        OppWorld.expectRejected(
            WinOpportunity(oppId: opp, amount: Money(amountMinor: 10, currency: "USD"), closedAt: t0),
            as: ada,
            in: &s,
            rule: "OPP-12.currency",
            kind: .invariantViolated
        )
        OppWorld.expectRejected(
            WinOpportunity(oppId: opp, closedAt: t0.adding(hours: 1)),
            as: ada,
            in: &s,
            rule: "OPP-12.closedAt",
            kind: .invalidInput
        )
        let out = try s.execute(
            WinOpportunity(oppId: opp, wonStageId: "W", amount: OppWorld.cny(95_000), closedAt: t0),
            as: ada,
            at: t0
        )
        #expect(OppWorld.events(out, as: OpportunityWon.self).map(\.amount) == [OppWorld.cny(95_000)])
        OppWorld.expectRejected(
            WinOpportunity(oppId: opp, closedAt: t0),
            as: ada,
            in: &s,
            rule: "OPP-12.open",
            kind: .invalidState
        )
    }

    @Test func winningNeedsALiveCustomer() throws {
        var s = try world()
        s.given([CustomerArchived(reason: "bankrupt")], on: .of(Customer.self, OppWorld.customer))
        OppWorld.expectRejected(
            WinOpportunity(oppId: opp, closedAt: t0),
            as: ada,
            in: &s,
            rule: "OPP-12.customerLive",
            kind: .invariantViolated
        )
    }

    @Test func winningFollowsACustomerMergeToTheSurvivor() throws {
        var s = try world()
        s.given([OppWorld.customerCreated(ID(103), "Acme Group", owner: OppWorld.ada)], on: .of(Customer.self, ID(103)))
        s.given(
            [CustomerMergedAway(survivorId: ID(103), releasedName: "Acme")],
            on: .of(Customer.self, OppWorld.customer)
        )
        let out = try s.execute(WinOpportunity(oppId: opp, closedAt: t0), as: ada, at: t0)
        #expect(OppWorld.events(out, as: OpportunityWon.self).count == 1)
    }

    // MARK: OPP-13

    @Test func losingNeedsAnActiveReasonAndALostStage() throws {
        var s = try world()
        OppWorld.expectRejected(
            LoseOpportunity(oppId: opp, lostReasonId: OppWorld.timing, closedAt: t0),
            as: ada,
            in: &s,
            rule: "OPP-13.reasonActive",
            kind: .invariantViolated
        )
        OppWorld.expectRejected(
            LoseOpportunity(oppId: opp, lostReasonId: ID(499), closedAt: t0),
            as: ada,
            in: &s,
            rule: "OPP-13.reasonExists",
            kind: .notFound
        )
        OppWorld.expectRejected(
            LoseOpportunity(oppId: opp, lostStageId: "W", lostReasonId: OppWorld.price, closedAt: t0),
            as: ada,
            in: &s,
            rule: "OPP-13.lostStage",
            kind: .invariantViolated
        )
        let out = try s.execute(
            LoseOpportunity(
                oppId: opp,
                lostReasonId: OppWorld.price,
                competitor: "Rival Co",
                note: "cheaper by 20 %",
                closedAt: t0
            ),
            as: ada,
            at: t0
        )
        #expect(
            OppWorld.events(out, as: OpportunityLost.self) == [
                OpportunityLost(
                    lostStageId: "L",
                    lostReasonId: OppWorld.price,
                    competitor: "Rival Co",
                    note: "cheaper by 20 %",
                    closedAt: t0,
                    pipelineVersion: 1
                )
            ]
        )
        let state = try #require(s.state(Opportunity.self, opp))
        #expect(
            state.status == .lost && state.probability == 0 && state.forecastCategory == .omitted
                && state.lostReasonId == OppWorld.price
        )
        OppWorld.expectRejected(
            LoseOpportunity(oppId: opp, lostReasonId: OppWorld.price, closedAt: t0),
            as: ada,
            in: &s,
            rule: "OPP-13.open",
            kind: .invalidState
        )
    }

    // MARK: OPP-14

    @Test func voidingIsForOpportunitiesThatAreNotWon() throws {
        var s = try world()
        let out = try s.execute(VoidOpportunity(oppId: opp, reason: .test), as: ada, at: t0)
        #expect(OppWorld.events(out, as: OpportunityVoided.self) == [OpportunityVoided(reason: .test)])
        OppWorld.expectRejected(
            VoidOpportunity(oppId: opp, reason: .test),
            as: ada,
            in: &s,
            rule: "OPP-14.voidable",
            kind: .invalidState
        )

        var w = try world()
        try w.execute(WinOpportunity(oppId: opp, closedAt: t0), as: ada, at: t0)
        OppWorld.expectRejected(
            VoidOpportunity(oppId: opp, reason: .duplicate),
            as: ada,
            in: &w,
            rule: "OPP-14.notWon",
            kind: .invariantViolated
        )
    }

    // MARK: OPP-15

    @Test func reopeningALostOpportunityClearsTheLoss() throws {
        var s = try world(at: "S2")
        try s.execute(LoseOpportunity(oppId: opp, lostReasonId: OppWorld.price, closedAt: t0), as: ada, at: t0)
        let out = try s.execute(
            ReopenOpportunity(oppId: opp, toStageId: "S2", reason: "customer came back"),
            as: ada,
            at: t0
        )
        #expect(
            OppWorld.events(out, as: OpportunityReopened.self) == [
                OpportunityReopened(
                    toStageId: "S2",
                    probability: 30,
                    forecastCategory: .pipeline,
                    reason: "customer came back",
                    pipelineVersion: 1
                )
            ]
        )
        let state = try #require(s.state(Opportunity.self, opp))
        #expect(state.status == .open && state.closedAt == nil && state.lostReasonId == nil && state.stageId == "S2")
    }

    @Test func reopeningNeedsAClosedOpportunityAnOpenStageAndAReason() throws {
        var s = try world()
        OppWorld.expectRejected(
            ReopenOpportunity(oppId: opp, toStageId: "S1", reason: "r"),
            as: ada,
            in: &s,
            rule: "OPP-15.closed",
            kind: .invalidState
        )
        try s.execute(VoidOpportunity(oppId: opp, reason: .invalid), as: ada, at: t0)
        OppWorld.expectRejected(
            ReopenOpportunity(oppId: opp, toStageId: "W", reason: "r"),
            as: ada,
            in: &s,
            rule: "OPP-15.openStage",
            kind: .invariantViolated
        )
        OppWorld.expectRejected(
            ReopenOpportunity(oppId: opp, toStageId: "S1", reason: ""),
            as: ada,
            in: &s,
            rule: "OPP-15.reason",
            kind: .invalidInput
        )
        let out = try s.execute(
            ReopenOpportunity(oppId: opp, toStageId: "S1", reason: "not a duplicate after all"),
            as: ada,
            at: t0
        )
        #expect(OppWorld.events(out, as: OpportunityReopened.self).map(\.toStageId) == ["S1"])
        #expect(s.state(Opportunity.self, opp)?.voidReason == nil)
    }

    @Test func aWonOpportunityWithASignedContractCannotBeReopened() throws {
        var s = try world()
        try s.execute(WinOpportunity(oppId: opp, closedAt: t0), as: ada, at: t0)
        OppWorld.seedContract(ID(900_001), for: opp, signed: true, in: &s)
        OppWorld.expectRejected(
            ReopenOpportunity(oppId: opp, toStageId: "S4", reason: "r"),
            as: ada,
            in: &s,
            rule: "OPP-15.noSignedContract",
            kind: .invariantViolated
        )
    }

    @Test func aWonOpportunityWithOnlyUnsignedOrVoidContractsCanBeReopened() throws {
        var s = try world()
        try s.execute(WinOpportunity(oppId: opp, closedAt: t0), as: ada, at: t0)
        OppWorld.seedContract(ID(900_001), for: opp, signed: false, in: &s)
        OppWorld.seedContract(ID(900_002), for: opp, signed: true, voided: true, in: &s)
        let out = try s.execute(
            ReopenOpportunity(oppId: opp, toStageId: "S4", reason: "scope changed"),
            as: ada,
            at: t0
        )
        #expect(
            OppWorld.events(out, as: OpportunityReopened.self)
                == [
                    OpportunityReopened(
                        toStageId: "S4",
                        probability: 80,
                        forecastCategory: .commit,
                        reason: "scope changed",
                        pipelineVersion: 1
                    )
                ]
        )
    }
}

@Suite struct OpportunityOwnershipTests {
    let t0 = OppWorld.t0
    let ada = ActorRef.user(OppWorld.ada)
    let opp = OppWorld.opp

    func world() throws -> InMemoryDomainStore {
        var s = try OppWorld.make()
        _ = try OppWorld.create(in: &s)
        return s
    }

    // MARK: OPP-16

    @Test func aManagerReassignsAndTheOwnerLinkMoves() throws {
        var s = try world()
        let out = try s.execute(
            ChangeOpportunityOwner(oppId: opp, toOwnerId: OppWorld.bob),
            as: .user(OppWorld.manager),
            at: t0
        )
        #expect(
            OppWorld.events(out, as: OpportunityOwnerChanged.self)
                == [OpportunityOwnerChanged(fromOwnerId: OppWorld.ada, toOwnerId: OppWorld.bob, cause: .reassign)]
        )
        let stream = StreamRef.of(Opportunity.self, opp)
        #expect(s.children(of: .owner(OppWorld.ada), category: "opportunity").isEmpty)
        #expect(s.children(of: .owner(OppWorld.bob), category: "opportunity") == [stream])
    }

    @Test func repsNeedTheTransferPermissionButProcessManagersDoNot() throws {
        var s = try world()
        OppWorld.expectRejected(
            ChangeOpportunityOwner(oppId: opp, toOwnerId: OppWorld.bob),
            as: ada,
            in: &s,
            rule: "OPP-16.perm",
            kind: .accessDenied
        )
        let out = try s.execute(
            ChangeOpportunityOwner(oppId: opp, toOwnerId: OppWorld.bob, cause: .customerTransfer(ID(950))),
            as: .system(job: "customerTransfer"),
            at: t0
        )
        #expect(
            OppWorld.events(out, as: OpportunityOwnerChanged.self)
                == [
                    OpportunityOwnerChanged(
                        fromOwnerId: OppWorld.ada,
                        toOwnerId: OppWorld.bob,
                        cause: .customerTransfer(ID(950))
                    )
                ]
        )
    }

    @Test func theNewOwnerMustBeActiveAndDifferent() throws {
        var s = try world()
        let system = ActorRef.system(job: "offboarding")
        OppWorld.expectRejected(
            ChangeOpportunityOwner(oppId: opp, toOwnerId: OppWorld.carl),
            as: system,
            in: &s,
            rule: "OPP-16.toActive",
            kind: .notFound
        )
        OppWorld.expectRejected(
            ChangeOpportunityOwner(oppId: opp, toOwnerId: OppWorld.ada),
            as: system,
            in: &s,
            rule: "OPP-16.noChange",
            kind: .invalidInput
        )
        OppWorld.expectRejected(
            ChangeOpportunityOwner(
                oppId: opp,
                toOwnerId: OppWorld.bob,
                cause: OpportunityOwnerChangeCause(kind: .customerTransfer)
            ),
            as: system,
            in: &s,
            rule: "OPP-16.requestId",
            kind: .invalidInput
        )
    }

    // MARK: OPP-18

    @Test func archivingALostOpportunity() throws {
        var s = try world()
        try s.execute(LoseOpportunity(oppId: opp, lostReasonId: OppWorld.price, closedAt: t0), as: ada, at: t0)
        let out = try s.execute(ArchiveOpportunity(oppId: opp, reason: "clean-up"), as: ada, at: t0)
        #expect(OppWorld.events(out, as: OpportunityArchived.self) == [OpportunityArchived(reason: "clean-up")])
        let state = try #require(s.state(Opportunity.self, opp))
        #expect(state.status == .archived && state.statusBeforeArchive == .lost && !state.isLive)
        OppWorld.expectRejected(
            ArchiveOpportunity(oppId: opp, reason: "again"),
            as: ada,
            in: &s,
            rule: "OPP-18.live",
            kind: .invalidState
        )
        OppWorld.expectRejected(
            ChangeOpportunityOwner(oppId: opp, toOwnerId: OppWorld.bob),
            as: .system(job: "x"),
            in: &s,
            rule: "OPP-16.live",
            kind: .invalidState
        )
    }

    @Test func aWonOpportunityWithAContractIsNotArchived() throws {
        var s = try world()
        try s.execute(WinOpportunity(oppId: opp, closedAt: t0), as: ada, at: t0)
        OppWorld.seedContract(ID(900_001), for: opp, signed: false, in: &s)
        OppWorld.expectRejected(
            ArchiveOpportunity(oppId: opp, reason: "done"),
            as: ada,
            in: &s,
            rule: "OPP-18.notWonWithContract",
            kind: .invariantViolated
        )
        OppWorld.expectRejected(
            ArchiveOpportunity(oppId: opp, reason: " "),
            as: ada,
            in: &s,
            rule: "OPP-18.reason",
            kind: .invalidInput
        )
    }

    @Test func anOpportunityWithAPendingApprovalIsNotArchived() throws {
        var s = try world()
        try s.execute(
            DefineApprovalFlow(
                flowId: ID(960),
                category: .discount,
                steps: [ApprovalStep(order: 1, type: .ownerSupervisor)]
            ),
            as: OppWorld.setup,
            at: t0
        )
        try s.execute(
            SubmitForApproval(
                approvalId: ID(961),
                flowId: ID(960),
                target: ApprovalTarget(type: .discount, id: opp, version: 1),
                submitterId: OppWorld.ada,
                snapshotAmount: OppWorld.cny(80_000)
            ),
            as: ada,
            at: t0
        )
        OppWorld.expectRejected(
            ArchiveOpportunity(oppId: opp, reason: "stop"),
            as: ada,
            in: &s,
            rule: "OPP-18.noPendingApproval",
            kind: .invariantViolated
        )
        try s.execute(RecallApproval(approvalId: ID(961), by: OppWorld.ada), as: ada, at: t0)
        let out = try s.execute(ArchiveOpportunity(oppId: opp, reason: "stop"), as: ada, at: t0)
        #expect(OppWorld.events(out, as: OpportunityArchived.self) == [OpportunityArchived(reason: "stop")])
    }
}
