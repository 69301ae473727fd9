import CRMDomain
import Testing

@Suite struct PipelineTests {
    let t0 = OppWorld.t0
    let setup = OppWorld.setup

    func stages(_ change: (inout [PipelineStage]) -> Void) -> [PipelineStage] {
        var s = OppWorld.stages
        change(&s)
        return s
    }

    func stage(_ id: String, _ order: Int64, p: Int64, _ c: ForecastCategory, closed: Bool = false, won: Bool = false)
        -> PipelineStage
    {
        PipelineStage(
            stageId: id,
            name: id,
            order: order,
            defaultProbability: p,
            forecastCategory: c,
            isClosed: closed,
            isWon: won
        )
    }

    // MARK: OPP-01

    @Test func definingAValidPipelineEmitsVersionOne() throws {
        var s = try OppWorld.make()
        let out = try s.execute(
            DefinePipeline(pipelineId: ID(301), name: "Renewals", deptScope: [OppWorld.dept], stages: OppWorld.stages),
            as: setup,
            at: t0
        )
        #expect(
            OppWorld.events(out, as: PipelineDefined.self)
                == [
                    PipelineDefined(
                        pipelineId: ID(301),
                        name: "Renewals",
                        deptScope: [OppWorld.dept],
                        version: 1,
                        stages: OppWorld.stages
                    )
                ]
        )
        #expect(out.count == 1)
        #expect(out.first?.stream == StreamRef("pipeline", ID(301).description))
        #expect(s.state(Pipeline.self, ID(301))?.latestVersion == 1)
    }

    @Test func stageOrdersMustBeUnique() throws {
        var s = try OppWorld.make()
        let bad = stages { $0[1] = stage("S2", 1, p: 30, .pipeline) }
        OppWorld.expectRejected(
            DefinePipeline(pipelineId: ID(301), name: "X", stages: bad),
            as: setup,
            in: &s,
            rule: "OPP-01.ordersUnique",
            kind: .invariantViolated
        )
    }

    @Test func stageIdsMustBeUnique() throws {
        var s = try OppWorld.make()
        let bad = stages { $0[1] = stage("S1", 2, p: 30, .pipeline) }
        OppWorld.expectRejected(
            DefinePipeline(pipelineId: ID(301), name: "X", stages: bad),
            as: setup,
            in: &s,
            rule: "OPP-01.stageIdsUnique",
            kind: .invariantViolated
        )
    }

    @Test func aPipelineNeedsAWonAndALostStage() throws {
        var s = try OppWorld.make()
        let noLost = stages { $0.removeLast() }
        OppWorld.expectRejected(
            DefinePipeline(pipelineId: ID(301), name: "X", stages: noLost),
            as: setup,
            in: &s,
            rule: "OPP-01.wonAndLostStages",
            kind: .invariantViolated
        )
        let noWon = stages { $0.remove(at: 4) }
        OppWorld.expectRejected(
            DefinePipeline(pipelineId: ID(301), name: "X", stages: noWon),
            as: setup,
            in: &s,
            rule: "OPP-01.wonAndLostStages",
            kind: .invariantViolated
        )
    }

    @Test func wonStagesAreClosedWithProbability100AndCategoryClosed() throws {
        var s = try OppWorld.make()
        for bad in [
            stage("W", 5, p: 90, .closed, closed: true, won: true),
            stage("W", 5, p: 100, .commit, closed: true, won: true),
            stage("W", 5, p: 100, .closed, closed: false, won: true),
        ] {
            OppWorld.expectRejected(
                DefinePipeline(pipelineId: ID(301), name: "X", stages: stages { $0[4] = bad }),
                as: setup,
                in: &s,
                rule: "OPP-01.wonStage",
                kind: .invariantViolated
            )
        }
    }

    @Test func lostStagesHaveProbability0AndCategoryOmitted() throws {
        var s = try OppWorld.make()
        for bad in [stage("L", 6, p: 5, .omitted, closed: true), stage("L", 6, p: 0, .pipeline, closed: true)] {
            OppWorld.expectRejected(
                DefinePipeline(pipelineId: ID(301), name: "X", stages: stages { $0[5] = bad }),
                as: setup,
                in: &s,
                rule: "OPP-01.lostStage",
                kind: .invariantViolated
            )
        }
    }

    @Test func openStagesHaveProbabilityBelow100AndAreNotClosedCategory() throws {
        var s = try OppWorld.make()
        for bad in [
            stage("S1", 1, p: 100, .pipeline), stage("S1", 1, p: -1, .pipeline), stage("S1", 1, p: 10, .closed),
        ] {
            OppWorld.expectRejected(
                DefinePipeline(pipelineId: ID(301), name: "X", stages: stages { $0[0] = bad }),
                as: setup,
                in: &s,
                rule: "OPP-01.openStage",
                kind: .invariantViolated
            )
        }
    }

    @Test func pipelineIdsAreNotReusedAndNeedANameAndPermission() throws {
        var s = try OppWorld.make()
        OppWorld.expectRejected(
            DefinePipeline(pipelineId: OppWorld.pipeline, name: "Again", stages: OppWorld.stages),
            as: setup,
            in: &s,
            rule: "OPP-01.pipelineIdUnique",
            kind: .alreadyExists
        )
        OppWorld.expectRejected(
            DefinePipeline(pipelineId: ID(301), name: " ", stages: OppWorld.stages),
            as: setup,
            in: &s,
            rule: "OPP-01.name",
            kind: .invalidInput
        )
        OppWorld.expectRejected(
            DefinePipeline(pipelineId: ID(301), name: "Mine", stages: OppWorld.stages),
            as: .user(OppWorld.ada),
            in: &s,
            rule: "OPP-01.perm",
            kind: .accessDenied
        )
        OppWorld.expectRejected(
            DefinePipeline(pipelineId: ID(301), name: "X", deptScope: [ID(77)], stages: OppWorld.stages),
            as: setup,
            in: &s,
            rule: "OPP-01.deptScope",
            kind: .notFound
        )
    }

    // MARK: OPP-02

    /// S2 removed and mapped to S3; a new S2b added.
    var revised: [PipelineStage] {
        stages {
            $0.remove(at: 1)
            $0.append(stage("S2b", 7, p: 40, .pipeline))
        }
    }

    @Test func revisingWithoutMappingAnOccupiedStageIsRejected() throws {
        var s = try OppWorld.make()
        _ = try OppWorld.create(in: &s, stage: "S2")
        OppWorld.expectRejected(
            RevisePipeline(pipelineId: OppWorld.pipeline, stages: revised),
            as: setup,
            in: &s,
            rule: "OPP-02.removedStageMapped",
            kind: .invariantViolated
        )
    }

    @Test func revisingCreatesVersionTwoAndOpportunitiesKeepTheirVersionUntilMoved() throws {
        var s = try OppWorld.make()
        _ = try OppWorld.create(in: &s, stage: "S2")
        let mapping = [PipelineStageMapping(removedStageId: "S2", stageId: "S3")]
        let out = try s.execute(
            RevisePipeline(pipelineId: OppWorld.pipeline, stages: revised, stageMapping: mapping),
            as: setup,
            at: t0
        )
        #expect(
            OppWorld.events(out, as: PipelineRevised.self)
                == [PipelineRevised(pipelineId: OppWorld.pipeline, version: 2, stages: revised, stageMapping: mapping)]
        )
        let pipeline = try #require(s.state(Pipeline.self, OppWorld.pipeline))
        #expect(pipeline.versions[1] == OppWorld.stages.sorted { $0.order < $1.order })
        #expect(pipeline.stage("S2", version: 1)?.defaultProbability == 30)
        #expect(pipeline.stage("S2") == nil)
        var opp = try #require(s.state(Opportunity.self, OppWorld.opp))
        #expect(opp.pipelineVersion == 1)
        #expect(opp.stageId == "S2")

        // S2 now sits where S3 is, so S3 is not "forward"; S4 is, and the move adopts version 2.
        OppWorld.expectRejected(
            AdvanceOpportunityStage(oppId: OppWorld.opp, toStageId: "S3"),
            as: .user(OppWorld.ada),
            in: &s,
            rule: "OPP-09.forwardOnly",
            kind: .invariantViolated
        )
        let moved = try s.execute(
            AdvanceOpportunityStage(oppId: OppWorld.opp, toStageId: "S4", requirementsConfirmed: true),
            as: .user(OppWorld.ada),
            at: t0
        )
        #expect(
            OppWorld.events(moved, as: OpportunityStageAdvanced.self)
                == [
                    OpportunityStageAdvanced(
                        fromStageId: "S2",
                        toStageId: "S4",
                        probability: 80,
                        forecastCategory: .commit,
                        pipelineVersion: 2
                    )
                ]
        )
        opp = try #require(s.state(Opportunity.self, OppWorld.opp))
        #expect(opp.pipelineVersion == 2)
    }

    @Test func mappingsMustTargetAnOpenStageOfTheNewVersionAndNameARemovedStage() throws {
        var s = try OppWorld.make()
        _ = try OppWorld.create(in: &s, stage: "S2")
        OppWorld.expectRejected(
            RevisePipeline(
                pipelineId: OppWorld.pipeline,
                stages: revised,
                stageMapping: [PipelineStageMapping(removedStageId: "S2", stageId: "W")]
            ),
            as: setup,
            in: &s,
            rule: "OPP-02.mappingTarget",
            kind: .invariantViolated
        )
        OppWorld.expectRejected(
            RevisePipeline(
                pipelineId: OppWorld.pipeline,
                stages: revised,
                stageMapping: [PipelineStageMapping(removedStageId: "S1", stageId: "S3")]
            ),
            as: setup,
            in: &s,
            rule: "OPP-02.stageMapping",
            kind: .invalidInput
        )
    }

    @Test func revisionsFollowTheStageRulesAndNeedAnExistingPipeline() throws {
        var s = try OppWorld.make()
        OppWorld.expectRejected(
            RevisePipeline(pipelineId: OppWorld.pipeline, stages: stages { $0.removeLast() }),
            as: setup,
            in: &s,
            rule: "OPP-02.wonAndLostStages",
            kind: .invariantViolated
        )
        OppWorld.expectRejected(
            RevisePipeline(pipelineId: ID(399), stages: OppWorld.stages),
            as: setup,
            in: &s,
            rule: "OPP-02.pipelineExists",
            kind: .notFound
        )
        OppWorld.expectRejected(
            RevisePipeline(pipelineId: OppWorld.pipeline, stages: OppWorld.stages),
            as: .user(OppWorld.ada),
            in: &s,
            rule: "OPP-02.perm",
            kind: .accessDenied
        )
    }

    @Test func removedStagesWithoutOpenDealsNeedNoMapping() throws {
        var s = try OppWorld.make()
        _ = try OppWorld.create(in: &s, stage: "S2")
        try s.execute(
            LoseOpportunity(oppId: OppWorld.opp, lostReasonId: OppWorld.price, closedAt: t0),
            as: .user(OppWorld.ada),
            at: t0
        )
        let out = try s.execute(RevisePipeline(pipelineId: OppWorld.pipeline, stages: revised), as: setup, at: t0)
        #expect(OppWorld.events(out, as: PipelineRevised.self).map(\.version) == [2])
    }

    // MARK: OPP-03

    @Test func lostReasonNamesAreUniqueIgnoringCase() throws {
        var s = try OppWorld.make()
        OppWorld.expectRejected(
            DefineLostReason(reasonId: ID(402), name: " price "),
            as: setup,
            in: &s,
            rule: "OPP-03.nameUnique",
            kind: .invariantViolated
        )
        let out = try s.execute(DefineLostReason(reasonId: ID(402), name: "Competitor"), as: setup, at: t0)
        #expect(
            OppWorld.events(out, as: LostReasonDefined.self) == [
                LostReasonDefined(reasonId: ID(402), name: "Competitor", active: true)
            ]
        )
    }

    @Test func renamingALostReasonFreesItsOldName() throws {
        var s = try OppWorld.make()
        try s.execute(DefineLostReason(reasonId: OppWorld.price, name: "Too expensive"), as: setup, at: t0)
        let out = try s.execute(DefineLostReason(reasonId: ID(402), name: "Price"), as: setup, at: t0)
        #expect(
            OppWorld.events(out, as: LostReasonDefined.self) == [
                LostReasonDefined(reasonId: ID(402), name: "Price", active: true)
            ]
        )
        OppWorld.expectRejected(
            DefineLostReason(reasonId: OppWorld.price, name: "PRICE"),
            as: setup,
            in: &s,
            rule: "OPP-03.nameUnique",
            kind: .invariantViolated
        )
    }

    @Test func deactivatingALostReasonIsARedefinitionAndNoOpsAreRejected() throws {
        var s = try OppWorld.make()
        let out = try s.execute(
            DefineLostReason(reasonId: OppWorld.price, name: "Price", active: false),
            as: setup,
            at: t0
        )
        #expect(
            OppWorld.events(out, as: LostReasonDefined.self) == [
                LostReasonDefined(reasonId: OppWorld.price, name: "Price", active: false)
            ]
        )
        #expect(s.state(LostReason.self, OppWorld.price)?.active == false)
        OppWorld.expectRejected(
            DefineLostReason(reasonId: OppWorld.price, name: "Price", active: false),
            as: setup,
            in: &s,
            rule: "OPP-03.noChange",
            kind: .invalidInput
        )
        OppWorld.expectRejected(
            DefineLostReason(reasonId: ID(402), name: ""),
            as: setup,
            in: &s,
            rule: "OPP-03.name",
            kind: .invalidInput
        )
        OppWorld.expectRejected(
            DefineLostReason(reasonId: ID(402), name: "Budget"),
            as: .user(OppWorld.ada),
            in: &s,
            rule: "OPP-03.perm",
            kind: .accessDenied
        )
    }
}
