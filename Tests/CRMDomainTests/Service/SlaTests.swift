import CRMDomain
import Testing

/// SLA policies with deadlines on the Shanghai calendar (Mon–Fri 09–12, 13–18 at UTC+8, 2026-04-06 a holiday).
@Suite struct SlaTests {
    typealias W = ServiceWorld
    let t1 = ID(1001)
    /// High priority: reach "solved" within 4 working hours, not counting time waiting for the customer.
    let p1 = ID(400)
    /// Complaints: reach "inProgress" within 1 working hour.
    let p2 = ID(401)
    let hour: Int64 = 3_600_000

    func local(_ m: Int, _ d: Int, _ h: Int, _ min: Int = 0) -> Timestamp { W.local(2026, m, d, h, min) }

    func world() throws -> ServiceWorld {
        var w = try ServiceWorld()
        try w.run(
            DefineSlaPolicy(
                policyId: p1,
                teamId: W.team,
                criteria: SlaCriteria(priority: .high),
                targetStage: "solved",
                withinWorkingHours: 4,
                excludedStages: ["waitingCustomer"],
                calendarId: W.calendar
            )
        )
        try w.run(
            DefineSlaPolicy(
                policyId: p2,
                teamId: W.team,
                criteria: SlaCriteria(types: [.complaint]),
                targetStage: "inProgress",
                withinWorkingHours: 1,
                calendarId: W.calendar
            )
        )
        return w
    }

    // MARK: SVC-09

    @Test func policiesAreVersionedAndLinkedToTheirTeam() throws {
        var w = try ServiceWorld()
        let out = try w.run(
            DefineSlaPolicy(
                policyId: p1,
                teamId: W.team,
                criteria: SlaCriteria(
                    priority: .urgent,
                    types: [.complaint],
                    tags: ["billing"],
                    customers: [W.customer]
                ),
                targetStage: "solved",
                withinWorkingHours: 8,
                excludedStages: ["waitingCustomer"],
                calendarId: W.calendar
            )
        )
        let v1 = SlaPolicyDefined(
            policyId: p1,
            version: 1,
            teamId: W.team,
            criteria: SlaCriteria(priority: .urgent, types: [.complaint], tags: ["billing"], customers: [W.customer]),
            targetStage: "solved",
            withinWorkingHours: 8,
            excludedStages: ["waitingCustomer"],
            calendarId: W.calendar
        )
        #expect(serviceEvents(out) == [AnyHashable(v1)])
        #expect(w.store.children(of: .of(ServiceTeam.self, W.team), category: "slaPolicy") == [.of(SlaPolicy.self, p1)])
        let again = try w.run(
            DefineSlaPolicy(
                policyId: p1,
                teamId: W.team,
                criteria: SlaCriteria(),
                targetStage: "solved",
                withinWorkingHours: 6,
                calendarId: W.calendar
            )
        )
        #expect((again.first?.event as? SlaPolicyDefined)?.version == 2)
        let policy = try #require(w.store.state(SlaPolicy.self, p1))
        #expect(policy.latestVersion == 2)
        #expect(policy.versions[1]?.withinWorkingHours == 8)
    }

    @Test func policyDefinitionChecks() throws {
        var w = try ServiceWorld()
        func policy(
            team: ID = W.team,
            criteria: SlaCriteria = SlaCriteria(),
            target: String = "solved",
            within: Int64 = 4,
            excluded: [String] = [],
            calendar: ID = W.calendar
        ) -> DefineSlaPolicy {
            DefineSlaPolicy(
                policyId: p1,
                teamId: team,
                criteria: criteria,
                targetStage: target,
                withinWorkingHours: within,
                excludedStages: excluded,
                calendarId: calendar
            )
        }
        w.reject(policy(team: ID(999)), rule: "SVC-09.teamRequired", kind: .notFound)
        w.reject(policy(within: 0), rule: "SVC-09.withinPositive", kind: .invalidInput)
        w.reject(policy(within: -3), rule: "SVC-09.withinPositive", kind: .invalidInput)
        w.reject(policy(within: 87_601), rule: "SVC-09.withinPositive", kind: .invalidInput)
        w.reject(policy(target: "done"), rule: "SVC-09.targetStage", kind: .invalidInput)
        w.reject(policy(target: "new"), rule: "SVC-09.targetStage", kind: .invalidInput)
        w.reject(policy(excluded: ["solved"]), rule: "SVC-09.excludedStages", kind: .invalidInput)
        w.reject(policy(excluded: ["lunch"]), rule: "SVC-09.excludedStages", kind: .invalidInput)
        w.reject(policy(criteria: SlaCriteria(customers: [ID(999)])), rule: "SVC-09.criteriaCustomers", kind: .notFound)
        w.reject(policy(calendar: ID(999)), rule: "SVC-09.calendarExists", kind: .notFound)
        w.reject(policy(), as: .user(W.agentA), rule: "SVC-09.perm", kind: .accessDenied)
        try w.run(policy(within: 1))
    }

    // MARK: SVC-10

    @Test func matchingPoliciesApplyAtOpenEarliestDeadlineFirst() throws {
        var w = try world()
        let out = try w.run(W.openTicket(t1, type: .complaint, priority: .high))
        #expect(out.count == 3)
        #expect(out.first?.event is TicketOpened)
        #expect(
            serviceEvents(Array(out.dropFirst())) == [
                AnyHashable(SlaApplied(policyId: p2, policyVersion: 1, deadline: local(3, 30, 10))),
                AnyHashable(SlaApplied(policyId: p1, policyVersion: 1, deadline: local(3, 30, 14))),
            ]
        )
        #expect(Set(serviceStreams(out)) == ["ticket-\(t1)"])
    }

    @Test func policiesThatDoNotMatchAreNotApplied() throws {
        var w = try world()
        let low = try w.run(W.openTicket(t1, type: .complaint, priority: .low))
        #expect(
            serviceEvents(Array(low.dropFirst())) == [
                AnyHashable(SlaApplied(policyId: p2, policyVersion: 1, deadline: local(3, 30, 10)))
            ]
        )
        let none = try w.run(W.openTicket(ID(1002), type: .question, priority: .normal))
        #expect(none.count == 1)
    }

    @Test func tagAndCustomerCriteria() throws {
        var w = try ServiceWorld()
        try w.run(
            DefineSlaPolicy(
                policyId: ID(402),
                teamId: W.team,
                criteria: SlaCriteria(tags: ["billing"], customers: [W.otherCustomer]),
                targetStage: "solved",
                withinWorkingHours: 2,
                calendarId: W.calendar
            )
        )
        let wrongCustomer = try w.run(W.openTicket(ID(1002), customer: W.customer, contact: nil, category: "billing"))
        #expect(wrongCustomer.count == 1)
        let wrongTag = try w.run(W.openTicket(ID(1003), customer: W.otherCustomer, contact: nil, category: "delivery"))
        #expect(wrongTag.count == 1)
        let match = try w.run(W.openTicket(ID(1004), customer: W.otherCustomer, contact: nil, category: " Billing"))
        #expect(
            serviceEvents(Array(match.dropFirst())) == [
                AnyHashable(SlaApplied(policyId: ID(402), policyVersion: 1, deadline: local(3, 30, 11)))
            ]
        )
    }

    @Test func openingOnFridayAfternoonRunsIntoTuesday() throws {
        var w = try world()
        w.now = local(4, 3, 16)
        let out = try w.run(W.openTicket(t1, type: .request, priority: .high))
        // Fri 16–18 gives 2 h; Saturday, Sunday and the Monday holiday are skipped; Tue 09–11 the rest.
        #expect(
            serviceEvents(Array(out.dropFirst())) == [
                AnyHashable(SlaApplied(policyId: p1, policyVersion: 1, deadline: local(4, 7, 11)))
            ]
        )
    }

    @Test func aCalendarWithoutWorkingTimeCannotGiveADeadline() throws {
        var w = try ServiceWorld()
        // Only an import could record such a calendar: the command refuses one without working hours.
        w.store.given(
            [WorkingCalendarDefined(calendarId: ID(319), name: "Broken", utcOffsetMinutes: 0, hours: [], holidays: [])],
            on: .of(ServiceCalendar.self, ID(319))
        )
        try w.run(
            DefineSlaPolicy(
                policyId: p1,
                teamId: W.team,
                criteria: SlaCriteria(),
                targetStage: "solved",
                withinWorkingHours: 4,
                calendarId: ID(319)
            )
        )
        w.reject(W.openTicket(t1), rule: "SVC-10.deadline", kind: .invariantViolated)
    }

    // MARK: SVC-11

    @Test func reachingTheTargetStageInTimeMeetsTheSla() throws {
        var w = try world()
        try w.openAssignedTicket(t1)
        w.now = local(3, 30, 9, 30)
        let first = try w.run(ChangeTicketStage(ticketId: t1, toStage: "inProgress"))
        #expect(
            serviceEvents(first) == [
                AnyHashable(TicketStageChanged(fromStage: "new", toStage: "inProgress")),
                AnyHashable(SlaMet(policyId: p2, reachedAt: local(3, 30, 9, 30))),
            ]
        )
        w.now = local(3, 30, 14)
        let second = try w.run(ChangeTicketStage(ticketId: t1, toStage: "solved"))
        #expect(
            serviceEvents(second) == [
                AnyHashable(TicketStageChanged(fromStage: "inProgress", toStage: "solved")),
                AnyHashable(SlaMet(policyId: p1, reachedAt: local(3, 30, 14))),
            ]
        )
        #expect(w.ticket(t1)?.slas.values.allSatisfy { $0.status == .met } == true)
    }

    @Test func skippingPastTheTargetStageCountsAsReachingIt() throws {
        var w = try world()
        try w.openAssignedTicket(t1)
        w.now = local(3, 30, 9, 45)
        let out = try w.run(ChangeTicketStage(ticketId: t1, toStage: "solved"))
        #expect(
            serviceEvents(out) == [
                AnyHashable(TicketStageChanged(fromStage: "new", toStage: "solved")),
                AnyHashable(SlaMet(policyId: p1, reachedAt: w.now)),
                AnyHashable(SlaMet(policyId: p2, reachedAt: w.now)),
            ]
        )
    }

    @Test func reachingTheTargetAfterTheDeadlineIsABreachNotAMet() throws {
        var w = try world()
        try w.openAssignedTicket(t1)
        w.now = local(3, 30, 10, 30)
        let out = try w.run(ChangeTicketStage(ticketId: t1, toStage: "inProgress"))
        #expect(
            serviceEvents(out) == [
                AnyHashable(TicketStageChanged(fromStage: "new", toStage: "inProgress")),
                AnyHashable(SlaBreached(policyId: p2, deadline: local(3, 30, 10), asOf: local(3, 30, 10, 30))),
            ]
        )
    }

    @Test func reachingTheTargetExactlyAtTheDeadlineMeetsIt() throws {
        var w = try world()
        try w.openAssignedTicket(t1)
        w.now = local(3, 30, 10)
        let out = try w.run(ChangeTicketStage(ticketId: t1, toStage: "inProgress"))
        #expect(serviceEvents(out).last == AnyHashable(SlaMet(policyId: p2, reachedAt: local(3, 30, 10))))
    }

    // MARK: SVC-12

    @Test func aBreachIsTerminal() throws {
        var w = try world()
        try w.openAssignedTicket(t1)
        w.now = local(3, 30, 10, 1)
        let breach = try w.run(CheckSlaBreaches(ticketId: t1, asOf: local(3, 30, 10, 1)), as: .system(job: "scheduler"))
        #expect(
            serviceEvents(breach) == [
                AnyHashable(SlaBreached(policyId: p2, deadline: local(3, 30, 10), asOf: local(3, 30, 10, 1)))
            ]
        )
        // Reaching the stage later changes nothing for the failed SLA.
        w.now = local(3, 30, 10, 30)
        let late = try w.run(ChangeTicketStage(ticketId: t1, toStage: "inProgress"))
        #expect(serviceEvents(late) == [AnyHashable(TicketStageChanged(fromStage: "new", toStage: "inProgress"))])
        w.reject(
            BreachSla(ticketId: t1, policyId: p2, asOf: w.now),
            rule: "SVC-12.alreadyBreached",
            kind: .invalidState
        )
        w.reject(ApplySlaPolicy(ticketId: t1, policyId: p2), rule: "SVC-10.notFinal", kind: .invalidState)
        let again = try w.run(CheckSlaBreaches(ticketId: t1, asOf: w.now))
        #expect(again.isEmpty)
        let sla = try #require(w.ticket(t1)?.slas[p2])
        #expect(sla.status == .breached)
        #expect(sla.breachedAsOf == local(3, 30, 10, 1))
    }

    @Test func theSchedulerBreachesOnlyStrictlyAfterTheDeadline() throws {
        var w = try world()
        try w.openAssignedTicket(t1)
        w.now = local(3, 30, 18)
        let atDeadline = try w.run(CheckSlaBreaches(ticketId: t1, asOf: local(3, 30, 10)))
        #expect(atDeadline.isEmpty)
        let both = try w.run(CheckSlaBreaches(ticketId: t1, asOf: local(3, 30, 14, 1)))
        #expect(
            serviceEvents(both) == [
                AnyHashable(SlaBreached(policyId: p1, deadline: local(3, 30, 14), asOf: local(3, 30, 14, 1))),
                AnyHashable(SlaBreached(policyId: p2, deadline: local(3, 30, 10), asOf: local(3, 30, 14, 1))),
            ]
        )
        w.reject(CheckSlaBreaches(ticketId: t1, asOf: local(3, 30, 18, 1)), rule: "SVC-12.asOf", kind: .invalidInput)
        w.reject(CheckSlaBreaches(ticketId: ID(999), asOf: w.now), rule: "SVC-12.ticketExists", kind: .notFound)
        w.reject(
            CheckSlaBreaches(ticketId: t1, asOf: w.now),
            as: .user(W.viewer),
            rule: "SVC-12.perm",
            kind: .accessDenied
        )
    }

    @Test func breachingOneSlaChecksEachCondition() throws {
        var w = try world()
        try w.openAssignedTicket(t1)
        w.now = local(3, 30, 9, 30)
        try w.run(ChangeTicketStage(ticketId: t1, toStage: "inProgress"))
        w.now = local(3, 31, 9)
        w.reject(BreachSla(ticketId: t1, policyId: p2, asOf: w.now), rule: "SVC-12.notReached", kind: .invalidState)
        w.reject(BreachSla(ticketId: t1, policyId: ID(999), asOf: w.now), rule: "SVC-12.slaApplied", kind: .notFound)
        w.reject(
            BreachSla(ticketId: t1, policyId: p1, asOf: local(3, 30, 14)),
            rule: "SVC-12.deadlinePassed",
            kind: .invariantViolated
        )
        w.reject(
            BreachSla(ticketId: t1, policyId: p1, asOf: local(3, 31, 9, 1)),
            rule: "SVC-12.asOf",
            kind: .invalidInput
        )
        w.reject(BreachSla(ticketId: ID(999), policyId: p1, asOf: w.now), rule: "SVC-12.ticketExists", kind: .notFound)
        w.reject(
            BreachSla(ticketId: t1, policyId: p1, asOf: w.now),
            as: .user(W.agentB),
            rule: "SVC-12.perm",
            kind: .accessDenied
        )
        let out = try w.run(BreachSla(ticketId: t1, policyId: p1, asOf: local(3, 30, 14, 0).adding(minutes: 1)))
        #expect(
            serviceEvents(out) == [
                AnyHashable(SlaBreached(policyId: p1, deadline: local(3, 30, 14), asOf: local(3, 30, 14, 1)))
            ]
        )
    }

    // MARK: Excluded stages (SVC-X3)

    @Test func timeInAnExcludedStageDoesNotCount() throws {
        var w = try world()
        try w.run(W.openTicket(t1, type: .request, priority: .high))
        w.now = local(3, 30, 11)
        let pause = try w.run(ChangeTicketStage(ticketId: t1, toStage: "waitingCustomer"))
        #expect(
            serviceEvents(pause) == [
                AnyHashable(TicketStageChanged(fromStage: "new", toStage: "waitingCustomer")),
                AnyHashable(SlaPaused(policyId: p1, stage: "waitingCustomer", remainingWorkingMilliseconds: 2 * hour)),
            ]
        )
        // While paused the scheduler does not breach, even long after the original deadline.
        w.now = local(3, 31, 10)
        #expect(try w.run(CheckSlaBreaches(ticketId: t1, asOf: w.now)).isEmpty)
        w.reject(BreachSla(ticketId: t1, policyId: p1, asOf: w.now), rule: "SVC-12.paused", kind: .invalidState)
        let resume = try w.run(ChangeTicketStage(ticketId: t1, toStage: "inProgress"))
        #expect(
            serviceEvents(resume) == [
                AnyHashable(TicketStageChanged(fromStage: "waitingCustomer", toStage: "inProgress")),
                AnyHashable(SlaApplied(policyId: p1, policyVersion: 1, deadline: local(3, 31, 12))),
            ]
        )
        w.now = local(3, 31, 11, 59)
        let met = try w.run(ChangeTicketStage(ticketId: t1, toStage: "solved"))
        #expect(serviceEvents(met).last == AnyHashable(SlaMet(policyId: p1, reachedAt: w.now)))
    }

    @Test func aPauseOverTheWeekendAndHolidayShiftsTheDeadline() throws {
        var w = try world()
        w.now = local(4, 3, 16)
        try w.run(W.openTicket(t1, type: .request, priority: .high))
        w.now = local(4, 3, 17)
        let pause = try w.run(ChangeTicketStage(ticketId: t1, toStage: "waitingCustomer"))
        // From Fri 17:00 to the deadline Tue 11:00: 1 h on Friday and 2 h on Tuesday.
        #expect(
            serviceEvents(pause).last
                == AnyHashable(
                    SlaPaused(policyId: p1, stage: "waitingCustomer", remainingWorkingMilliseconds: 3 * hour)
                )
        )
        w.now = local(4, 7, 10)
        let resume = try w.run(ChangeTicketStage(ticketId: t1, toStage: "inProgress"))
        #expect(
            serviceEvents(resume).last
                == AnyHashable(SlaApplied(policyId: p1, policyVersion: 1, deadline: local(4, 7, 14)))
        )
    }

    @Test func reachingTheTargetFromAPauseMeetsTheSla() throws {
        var w = try world()
        try w.run(W.openTicket(t1, type: .request, priority: .high))
        w.now = local(3, 30, 11)
        try w.run(ChangeTicketStage(ticketId: t1, toStage: "waitingCustomer"))
        w.now = local(4, 2, 9)
        let out = try w.run(ChangeTicketStage(ticketId: t1, toStage: "solved"))
        #expect(
            serviceEvents(out) == [
                AnyHashable(TicketStageChanged(fromStage: "waitingCustomer", toStage: "solved")),
                AnyHashable(SlaMet(policyId: p1, reachedAt: local(4, 2, 9))),
            ]
        )
    }

    @Test func enteringAnExcludedStageAfterTheDeadlineDoesNotPause() throws {
        var w = try world()
        try w.run(W.openTicket(t1, type: .request, priority: .high))
        w.now = local(3, 30, 15)
        let out = try w.run(ChangeTicketStage(ticketId: t1, toStage: "waitingCustomer"))
        #expect(serviceEvents(out) == [AnyHashable(TicketStageChanged(fromStage: "new", toStage: "waitingCustomer"))])
        let breach = try w.run(CheckSlaBreaches(ticketId: t1, asOf: w.now))
        #expect(
            serviceEvents(breach) == [
                AnyHashable(SlaBreached(policyId: p1, deadline: local(3, 30, 14), asOf: local(3, 30, 15)))
            ]
        )
    }

    @Test func aPolicyExcludingTheFirstStagePausesAtOpen() throws {
        var w = try ServiceWorld()
        try w.run(
            DefineSlaPolicy(
                policyId: ID(403),
                teamId: W.team,
                criteria: SlaCriteria(),
                targetStage: "solved",
                withinWorkingHours: 4,
                excludedStages: ["new"],
                calendarId: W.calendar
            )
        )
        let out = try w.run(W.openTicket(t1))
        #expect(
            serviceEvents(Array(out.dropFirst())) == [
                AnyHashable(SlaApplied(policyId: ID(403), policyVersion: 1, deadline: local(3, 30, 14))),
                AnyHashable(SlaPaused(policyId: ID(403), stage: "new", remainingWorkingMilliseconds: 4 * hour)),
            ]
        )
        w.now = local(3, 31, 9)
        let start = try w.run(ChangeTicketStage(ticketId: t1, toStage: "inProgress"))
        #expect(
            serviceEvents(start).last
                == AnyHashable(SlaApplied(policyId: ID(403), policyVersion: 1, deadline: local(3, 31, 14)))
        )
    }

    // MARK: SVC-10 re-application

    @Test func aPolicyDefinedLaterIsAppliedFromTheTicketsCreation() throws {
        var w = try ServiceWorld()
        try w.openAssignedTicket(t1)
        w.now = local(3, 30, 11)
        try w.run(
            DefineSlaPolicy(
                policyId: p1,
                teamId: W.team,
                criteria: SlaCriteria(),
                targetStage: "solved",
                withinWorkingHours: 4,
                calendarId: W.calendar
            )
        )
        let out = try w.run(ApplySlaPolicy(ticketId: t1, policyId: p1), as: .user(W.agentA))
        #expect(
            serviceEvents(out) == [AnyHashable(SlaApplied(policyId: p1, policyVersion: 1, deadline: local(3, 30, 14)))]
        )
        w.reject(ApplySlaPolicy(ticketId: t1, policyId: p1), rule: "SVC-10.versionApplied", kind: .alreadyExists)
        try w.run(
            DefineSlaPolicy(
                policyId: p1,
                teamId: W.team,
                criteria: SlaCriteria(),
                targetStage: "solved",
                withinWorkingHours: 8,
                calendarId: W.calendar
            )
        )
        let v2 = try w.run(ApplySlaPolicy(ticketId: t1, policyId: p1))
        #expect(
            serviceEvents(v2) == [AnyHashable(SlaApplied(policyId: p1, policyVersion: 2, deadline: local(3, 30, 18)))]
        )
        #expect(w.ticket(t1)?.slas[p1]?.policyVersion == 2)
    }

    @Test func reApplicationInAnExcludedStagePausesAtOnce() throws {
        var w = try ServiceWorld()
        try w.openAssignedTicket(t1)
        w.now = local(3, 30, 10)
        try w.run(ChangeTicketStage(ticketId: t1, toStage: "waitingCustomer"))
        try w.run(
            DefineSlaPolicy(
                policyId: p1,
                teamId: W.team,
                criteria: SlaCriteria(),
                targetStage: "solved",
                withinWorkingHours: 4,
                excludedStages: ["waitingCustomer"],
                calendarId: W.calendar
            )
        )
        let out = try w.run(ApplySlaPolicy(ticketId: t1, policyId: p1))
        #expect(
            serviceEvents(out) == [
                AnyHashable(SlaApplied(policyId: p1, policyVersion: 1, deadline: local(3, 30, 14))),
                AnyHashable(SlaPaused(policyId: p1, stage: "waitingCustomer", remainingWorkingMilliseconds: 3 * hour)),
            ]
        )
    }

    @Test func reApplicationChecks() throws {
        var w = try world()
        w.reject(ApplySlaPolicy(ticketId: t1, policyId: p1), rule: "SVC-10.ticketExists", kind: .notFound)
        try w.openAssignedTicket(t1, priority: .low)
        w.reject(ApplySlaPolicy(ticketId: t1, policyId: ID(999)), rule: "SVC-10.policyExists", kind: .notFound)
        w.reject(ApplySlaPolicy(ticketId: t1, policyId: p1), rule: "SVC-10.criteriaMatch", kind: .invariantViolated)
        w.reject(
            ApplySlaPolicy(ticketId: t1, policyId: p1),
            as: .user(W.agentB),
            rule: "SVC-10.perm",
            kind: .accessDenied
        )
        try w.run(DefineServiceTeam(teamId: W.otherTeam, name: "Other", memberIds: [W.agentB], stages: W.stages))
        try w.run(
            DefineSlaPolicy(
                policyId: ID(404),
                teamId: W.otherTeam,
                criteria: SlaCriteria(),
                targetStage: "solved",
                withinWorkingHours: 2,
                calendarId: W.calendar
            )
        )
        w.reject(
            ApplySlaPolicy(ticketId: t1, policyId: ID(404)),
            rule: "SVC-10.criteriaMatch",
            kind: .invariantViolated
        )
        try w.run(
            DefineSlaPolicy(
                policyId: ID(405),
                teamId: W.team,
                criteria: SlaCriteria(),
                targetStage: "inProgress",
                withinWorkingHours: 2,
                calendarId: W.calendar
            )
        )
        try w.run(ChangeTicketStage(ticketId: t1, toStage: "solved"))
        w.reject(ApplySlaPolicy(ticketId: t1, policyId: ID(405)), rule: "SVC-10.targetNotReached", kind: .invalidState)
        try w.run(ChangeTicketStage(ticketId: t1, toStage: "new"))
        try w.run(ApplySlaPolicy(ticketId: t1, policyId: ID(405)))
        try w.run(ResolveTicket(ticketId: t1, resolution: "Fixed", resolvedBy: W.agentA))
        try w.run(CloseTicket(ticketId: t1, closedBy: .agent))
        w.reject(ApplySlaPolicy(ticketId: t1, policyId: p2), rule: "SVC-10.ticketNotClosed", kind: .invalidState)
    }

    // MARK: §3.8 SLA board

    @Test func slaBoardShowsStatusAndRemainingWorkingTime() throws {
        var w = try world()
        try w.openAssignedTicket(t1)
        w.now = local(3, 30, 9, 30)
        try w.run(ChangeTicketStage(ticketId: t1, toStage: "inProgress"))
        let ticket = try #require(w.ticket(t1))
        let calendars = [p1: W.workCalendar, p2: W.workCalendar]
        let at11 = SlaBoard.rows(for: ticket, calendarsByPolicy: calendars, asOf: local(3, 30, 11))
        #expect(
            at11 == [
                SlaBoardRow(
                    policyId: p2,
                    status: .met,
                    paused: false,
                    deadline: local(3, 30, 10),
                    remainingWorkingMilliseconds: 0
                ),
                SlaBoardRow(
                    policyId: p1,
                    status: .ongoing,
                    paused: false,
                    deadline: local(3, 30, 14),
                    remainingWorkingMilliseconds: 2 * hour
                ),
            ]
        )
        let overdue = SlaBoard.rows(for: ticket, calendarsByPolicy: calendars, asOf: local(3, 30, 15))
        #expect(
            overdue.last
                == SlaBoardRow(
                    policyId: p1,
                    status: .breached,
                    paused: false,
                    deadline: local(3, 30, 14),
                    remainingWorkingMilliseconds: 0
                )
        )
        w.now = local(3, 30, 13, 30)
        try w.run(ChangeTicketStage(ticketId: t1, toStage: "waitingCustomer"))
        let paused = try #require(w.ticket(t1))
        let row = SlaBoard.rows(for: paused, calendarsByPolicy: calendars, asOf: local(4, 1, 9)).last
        #expect(
            row
                == SlaBoardRow(
                    policyId: p1,
                    status: .ongoing,
                    paused: true,
                    deadline: local(3, 30, 14),
                    remainingWorkingMilliseconds: hour / 2
                )
        )
    }

    @Test func breachRateIsBreachedOverFinishedRoundedHalfUp() {
        #expect(SlaBoard.breachRateBasisPoints(met: 3, breached: 1) == 2_500)
        #expect(SlaBoard.breachRateBasisPoints(met: 2, breached: 1) == 3_333)
        #expect(SlaBoard.breachRateBasisPoints(met: 1, breached: 2) == 6_667)
        #expect(SlaBoard.breachRateBasisPoints(met: 0, breached: 4) == 10_000)
        #expect(SlaBoard.breachRateBasisPoints(met: 0, breached: 0) == nil)
    }

    @Test func breachRatesPerTeamPolicyAndPeriod() {
        let march = local(3, 30, 10)
        let april = local(4, 2, 10)
        let outcomes = [
            SlaOutcomeRecord(teamId: W.team, policyId: p1, breached: false, deadline: march),
            SlaOutcomeRecord(teamId: W.team, policyId: p1, breached: true, deadline: march),
            SlaOutcomeRecord(teamId: W.team, policyId: p1, breached: false, deadline: march),
            SlaOutcomeRecord(teamId: W.team, policyId: p1, breached: true, deadline: april),
            SlaOutcomeRecord(teamId: W.team, policyId: p2, breached: false, deadline: april),
        ]
        #expect(
            SlaBoard.breachRates(outcomes, per: .month) == [
                SlaBreachRateRow(
                    teamId: W.team,
                    policyId: p1,
                    period: .month(2026, 3),
                    met: 2,
                    breached: 1,
                    breachRateBasisPoints: 3_333
                ),
                SlaBreachRateRow(
                    teamId: W.team,
                    policyId: p1,
                    period: .month(2026, 4),
                    met: 0,
                    breached: 1,
                    breachRateBasisPoints: 10_000
                ),
                SlaBreachRateRow(
                    teamId: W.team,
                    policyId: p2,
                    period: .month(2026, 4),
                    met: 1,
                    breached: 0,
                    breachRateBasisPoints: 0
                ),
            ]
        )
        #expect(
            SlaBoard.breachRates(outcomes, per: .year).map(\.breachRateBasisPoints) == [5_000, 0]
        )
    }
}
