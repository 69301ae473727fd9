import CRMDomain
import Testing

@Suite struct EscalationTests {
    typealias W = ServiceWorld
    let t1 = ID(1001)
    let rule = ID(500)

    func local(_ m: Int, _ d: Int, _ h: Int, _ min: Int = 0) -> Timestamp { W.local(2026, m, d, h, min) }

    func define(
        _ id: ID,
        criteria: EscalationCriteria = EscalationCriteria(),
        after: Int64 = 4,
        source: BusinessHoursSource = .ticketTeam,
        target: EscalationTarget = .supervisor,
        notify: [ID] = []
    ) -> DefineEscalationRule {
        DefineEscalationRule(
            ruleId: id,
            order: 1,
            criteria: criteria,
            afterBusinessHours: after,
            businessHoursSource: source,
            actions: EscalationActions(reassignTo: target, notify: notify)
        )
    }

    // MARK: SVC-13

    @Test func ruleIsDefined() throws {
        var w = try ServiceWorld()
        let out = try w.run(
            define(
                rule,
                criteria: EscalationCriteria(priorities: [.urgent], teamIds: [W.team]),
                notify: [W.headOfService]
            )
        )
        let expected = EscalationRuleDefined(
            ruleId: rule,
            order: 1,
            criteria: EscalationCriteria(priorities: [.urgent], teamIds: [W.team]),
            afterBusinessHours: 4,
            businessHoursSource: .ticketTeam,
            actions: EscalationActions(reassignTo: .supervisor, notify: [W.headOfService])
        )
        #expect(serviceEvents(out) == [AnyHashable(expected)])
        #expect(serviceStreams(out) == ["escalationRule-\(rule)"])
    }

    @Test func ruleDefinitionChecks() throws {
        var w = try ServiceWorld()
        w.reject(define(rule, after: 0), rule: "SVC-13.hoursPositive", kind: .invalidInput)
        w.reject(define(rule, after: -2), rule: "SVC-13.hoursPositive", kind: .invalidInput)
        w.reject(
            DefineEscalationRule(
                ruleId: rule,
                order: 0,
                afterBusinessHours: 2,
                businessHoursSource: .ticketTeam,
                actions: EscalationActions(reassignTo: .supervisor)
            ),
            rule: "SVC-13.order",
            kind: .invalidInput
        )
        w.reject(
            define(rule, criteria: EscalationCriteria(teamIds: [ID(999)])),
            rule: "SVC-13.criteriaTeams",
            kind: .notFound
        )
        w.reject(
            define(rule, source: BusinessHoursSource(kind: .staticCalendar)),
            rule: "SVC-13.businessHoursSource",
            kind: .invalidInput
        )
        w.reject(
            define(rule, source: BusinessHoursSource(kind: .none, calendarId: W.calendar)),
            rule: "SVC-13.businessHoursSource",
            kind: .invalidInput
        )
        w.reject(define(rule, source: .calendar(ID(999))), rule: "SVC-13.businessHoursSource", kind: .notFound)
        w.reject(define(rule, target: EscalationTarget(kind: .user)), rule: "SVC-13.target", kind: .invalidInput)
        w.reject(define(rule, target: .user(ID(999))), rule: "SVC-13.target", kind: .notFound)
        w.reject(
            define(rule, target: EscalationTarget(kind: .supervisor, userId: W.agentA)),
            rule: "SVC-13.target",
            kind: .invalidInput
        )
        w.reject(define(rule, target: EscalationTarget(kind: .queue)), rule: "SVC-13.target", kind: .invalidInput)
        w.reject(define(rule, target: .queue(ID(999))), rule: "SVC-13.target", kind: .notFound)
        w.reject(define(rule, notify: [ID(999)]), rule: "SVC-13.notify", kind: .notFound)
        w.reject(define(rule), as: .user(W.agentA), rule: "SVC-13.perm", kind: .accessDenied)
        try w.run(define(rule, source: .calendar(W.calendar), target: .user(W.headOfService)))
        try w.run(define(ID(501), source: .roundTheClock, target: .queue(W.team)))
    }

    // MARK: SVC-04 supervisor escalations

    @Test func manualEscalationGoesToTheAssigneesSupervisor() throws {
        var w = try ServiceWorld()
        try w.openAssignedTicket(t1)
        let out = try w.run(
            EscalateTicket(ticketId: t1, level: 1, toUserId: W.supervisor, cause: .manual),
            as: .user(W.agentA)
        )
        #expect(
            serviceEvents(out) == [
                AnyHashable(TicketEscalated(level: 1, fromAssigneeId: W.agentA, toUserId: W.supervisor, cause: .manual))
            ]
        )
        let ticket = try #require(w.ticket(t1))
        #expect(ticket.assigneeId == W.supervisor)
        #expect(ticket.escalationLevel == 1)
        // The next level goes to the supervisor's own manager.
        try w.run(EscalateTicket(ticketId: t1, level: 2, toUserId: W.headOfService, cause: .manual))
        #expect(w.ticket(t1)?.assigneeId == W.headOfService)
    }

    @Test func escalationChecks() throws {
        var w = try ServiceWorld()
        let toSupervisor = EscalateTicket(ticketId: t1, level: 1, toUserId: W.supervisor, cause: .manual)
        w.reject(toSupervisor, rule: "SVC-04.ticketExists", kind: .notFound)
        try w.run(W.openTicket(t1))
        w.reject(toSupervisor, rule: "SVC-04.assigned", kind: .invalidState)
        try w.run(AssignTicket(ticketId: t1, assigneeId: W.agentA, teamId: W.team))
        w.reject(toSupervisor, as: .user(W.agentB), rule: "SVC-04.perm", kind: .accessDenied)
        w.reject(
            EscalateTicket(ticketId: t1, level: 0, toUserId: W.supervisor, cause: .manual),
            rule: "SVC-04.levelIncreases",
            kind: .invariantViolated
        )
        w.reject(
            EscalateTicket(ticketId: t1, level: 1, toUserId: ID(999), cause: .manual),
            rule: "SVC-04.targetActive",
            kind: .notFound
        )
        w.reject(
            EscalateTicket(ticketId: t1, level: 1, toUserId: W.agentB, cause: .manual),
            rule: "SVC-04.target",
            kind: .invariantViolated
        )
        w.reject(
            EscalateTicket(ticketId: t1, level: 1, toUserId: W.supervisor, cause: .slaBreach),
            rule: "SVC-04.cause",
            kind: .invariantViolated
        )
        w.reject(
            EscalateTicket(ticketId: t1, level: 1, toUserId: W.supervisor, cause: .slaRisk),
            rule: "SVC-04.cause",
            kind: .invariantViolated
        )
        w.reject(
            EscalateTicket(
                ticketId: t1,
                level: 1,
                toUserId: W.supervisor,
                cause: TicketEscalationCause(kind: .manual, ruleId: rule)
            ),
            rule: "SVC-04.cause",
            kind: .invalidInput
        )
        try w.run(toSupervisor)
        w.reject(toSupervisor, rule: "SVC-04.levelIncreases", kind: .invariantViolated)
        try w.run(ResolveTicket(ticketId: t1, resolution: "Done", resolvedBy: W.supervisor))
        w.reject(
            EscalateTicket(ticketId: t1, level: 2, toUserId: W.headOfService, cause: .manual),
            rule: "SVC-04.open",
            kind: .invalidState
        )
    }

    @Test func anAssigneeWithoutSupervisorCannotBeEscalatedBySupervisorRules() throws {
        var w = try ServiceWorld()
        try w.run(DefineServiceTeam(teamId: W.team, name: "Support", memberIds: [W.headOfService], stages: W.stages))
        try w.run(W.openTicket(t1))
        try w.run(AssignTicket(ticketId: t1, assigneeId: W.headOfService, teamId: W.team))
        w.reject(
            EscalateTicket(ticketId: t1, level: 1, toUserId: W.supervisor, cause: .manual),
            rule: "SVC-04.target",
            kind: .invariantViolated
        )
    }

    @Test func slaCausesNeedTheMatchingSlaState() throws {
        var w = try ServiceWorld()
        try w.run(
            DefineSlaPolicy(
                policyId: ID(400),
                teamId: W.team,
                criteria: SlaCriteria(),
                targetStage: "solved",
                withinWorkingHours: 1,
                calendarId: W.calendar
            )
        )
        try w.openAssignedTicket(t1)
        try w.run(EscalateTicket(ticketId: t1, level: 1, toUserId: W.supervisor, cause: .slaRisk))
        w.reject(
            EscalateTicket(ticketId: t1, level: 2, toUserId: W.headOfService, cause: .slaBreach),
            rule: "SVC-04.cause",
            kind: .invariantViolated
        )
        w.now = local(3, 30, 11)
        try w.run(CheckSlaBreaches(ticketId: t1, asOf: w.now))
        let out = try w.run(EscalateTicket(ticketId: t1, level: 2, toUserId: W.headOfService, cause: .slaBreach))
        #expect(
            serviceEvents(out) == [
                AnyHashable(
                    TicketEscalated(
                        level: 2,
                        fromAssigneeId: W.supervisor,
                        toUserId: W.headOfService,
                        cause: .slaBreach
                    )
                )
            ]
        )
    }

    // MARK: SVC-04 rule escalations

    @Test func aRuleFiresAfterItsBusinessHours() throws {
        var w = try ServiceWorld()
        try w.run(define(rule, criteria: EscalationCriteria(priorities: [.high]), after: 4))
        try w.openAssignedTicket(t1)
        w.now = local(3, 31, 9)
        let early = EscalateTicket(
            ticketId: t1,
            level: 1,
            toUserId: W.supervisor,
            cause: .rule(rule),
            asOf: local(3, 30, 12, 30)
        )
        w.reject(early, rule: "SVC-04.ruleAge", kind: .invariantViolated)
        let due = EscalateTicket(
            ticketId: t1,
            level: 1,
            toUserId: W.supervisor,
            cause: .rule(rule),
            asOf: local(3, 30, 14)
        )
        let out = try w.run(due, as: .system(job: "escalation"))
        #expect(
            serviceEvents(out) == [
                AnyHashable(
                    TicketEscalated(level: 1, fromAssigneeId: W.agentA, toUserId: W.supervisor, cause: .rule(rule))
                )
            ]
        )
    }

    @Test func ruleEscalationChecks() throws {
        var w = try ServiceWorld()
        try w.run(define(rule, criteria: EscalationCriteria(priorities: [.urgent]), after: 1))
        try w.openAssignedTicket(t1)
        w.now = local(3, 31, 9)
        w.reject(
            EscalateTicket(
                ticketId: t1,
                level: 1,
                toUserId: W.supervisor,
                cause: TicketEscalationCause(kind: .rule),
                asOf: w.now
            ),
            rule: "SVC-04.cause",
            kind: .invalidInput
        )
        w.reject(
            EscalateTicket(ticketId: t1, level: 1, toUserId: W.supervisor, cause: .rule(ID(999)), asOf: w.now),
            rule: "SVC-04.ruleExists",
            kind: .notFound
        )
        w.reject(
            EscalateTicket(ticketId: t1, level: 1, toUserId: W.supervisor, cause: .rule(rule), asOf: w.now),
            rule: "SVC-04.ruleCriteria",
            kind: .invariantViolated
        )
        try w.run(define(rule, after: 1))
        w.reject(
            EscalateTicket(ticketId: t1, level: 1, toUserId: W.supervisor, cause: .rule(rule)),
            rule: "SVC-04.asOf",
            kind: .invalidInput
        )
        w.reject(
            EscalateTicket(
                ticketId: t1,
                level: 1,
                toUserId: W.supervisor,
                cause: .rule(rule),
                asOf: w.now.adding(minutes: 1)
            ),
            rule: "SVC-04.asOf",
            kind: .invalidInput
        )
        w.reject(
            EscalateTicket(ticketId: t1, level: 1, toUserId: W.headOfService, cause: .rule(rule), asOf: w.now),
            rule: "SVC-04.target",
            kind: .invariantViolated
        )
        try w.run(EscalateTicket(ticketId: t1, level: 1, toUserId: W.supervisor, cause: .rule(rule), asOf: w.now))
    }

    @Test func ruleTargetsAUserOrAQueueMember() throws {
        var w = try ServiceWorld()
        try w.run(DefineServiceTeam(teamId: W.otherTeam, name: "Tier 2", memberIds: [W.agentB], stages: W.stages))
        try w.run(define(rule, after: 1, target: .user(W.headOfService)))
        try w.run(define(ID(501), after: 1, target: .queue(W.otherTeam)))
        try w.openAssignedTicket(t1)
        w.now = local(3, 31, 9)
        w.reject(
            EscalateTicket(ticketId: t1, level: 1, toUserId: W.supervisor, cause: .rule(rule), asOf: w.now),
            rule: "SVC-04.target",
            kind: .invariantViolated
        )
        w.reject(
            EscalateTicket(ticketId: t1, level: 1, toUserId: W.tech, cause: .rule(ID(501)), asOf: w.now),
            rule: "SVC-04.target",
            kind: .invariantViolated
        )
        try w.run(EscalateTicket(ticketId: t1, level: 1, toUserId: W.agentB, cause: .rule(ID(501)), asOf: w.now))
        try w.run(EscalateTicket(ticketId: t1, level: 2, toUserId: W.headOfService, cause: .rule(rule), asOf: w.now))
        #expect(w.ticket(t1)?.assigneeId == W.headOfService)
    }

    @Test func businessHoursSources() throws {
        var w = try ServiceWorld()
        try w.run(define(rule, after: 24, source: .roundTheClock))
        try w.run(define(ID(501), after: 9, source: .calendar(W.calendar)))
        try w.openAssignedTicket(t1)
        w.now = local(4, 1, 9)
        // Round the clock: 24 h after Mon 09:00 is Tue 09:00.
        w.reject(
            EscalateTicket(
                ticketId: t1,
                level: 1,
                toUserId: W.supervisor,
                cause: .rule(rule),
                asOf: local(3, 31, 8, 59)
            ),
            rule: "SVC-04.ruleAge",
            kind: .invariantViolated
        )
        // Static calendar: 9 working hours after Mon 09:00 is Tue 10:00.
        w.reject(
            EscalateTicket(
                ticketId: t1,
                level: 1,
                toUserId: W.supervisor,
                cause: .rule(ID(501)),
                asOf: local(3, 31, 9, 59)
            ),
            rule: "SVC-04.ruleAge",
            kind: .invariantViolated
        )
        try w.run(
            EscalateTicket(
                ticketId: t1,
                level: 1,
                toUserId: W.supervisor,
                cause: .rule(ID(501)),
                asOf: local(3, 31, 10)
            )
        )
        try w.run(
            EscalateTicket(ticketId: t1, level: 2, toUserId: W.headOfService, cause: .rule(rule), asOf: local(3, 31, 9))
        )
    }

    @Test func ticketBusinessHoursNeedATeamCalendar() throws {
        var w = try ServiceWorld()
        try w.run(define(rule, after: 1, source: .ticketTeam))
        try w.run(
            DefineServiceTeam(teamId: W.team, name: "Support", memberIds: [W.agentA, W.agentB], stages: W.stages)
        )
        try w.openAssignedTicket(t1)
        w.now = local(3, 31, 9)
        w.reject(
            EscalateTicket(ticketId: t1, level: 1, toUserId: W.supervisor, cause: .rule(rule), asOf: w.now),
            rule: "SVC-04.businessHours",
            kind: .invalidState
        )
    }
}
