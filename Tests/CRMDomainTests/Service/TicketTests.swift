import CRMDomain
import Foundation
import Testing

@Suite struct TicketTests {
    typealias W = ServiceWorld
    let t1 = ID(1001)

    // MARK: SVC-01

    @Test func openingATicketRecordsItAndLinksItToTheCustomer() throws {
        var w = try ServiceWorld()
        let out = try w.run(W.openTicket(t1))
        let expected = TicketOpened(
            ticketId: t1,
            customerId: W.customer,
            contactId: W.contact,
            channel: .phone,
            type: .complaint,
            category: "billing",
            priority: .high,
            subject: "Invoice amount wrong",
            description: "The March invoice doubles the service fee.",
            teamId: W.team,
            openedAt: W.monday9
        )
        #expect(serviceEvents(out) == [AnyHashable(expected)])
        #expect(serviceStreams(out) == ["ticket-\(t1)"])
        #expect(w.store.children(of: .of(Customer.self, W.customer), category: "ticket") == [.of(Ticket.self, t1)])
        let ticket = try #require(w.ticket(t1))
        #expect(ticket.status == .open)
        #expect(ticket.stage == nil)
        #expect(ticket.slas.isEmpty)
    }

    @Test func openingWithoutAContactIsAccepted() throws {
        var w = try ServiceWorld()
        let out = try w.run(W.openTicket(t1, contact: nil))
        #expect((out.first?.event as? TicketOpened)?.contactId == nil)
    }

    @Test func openingIsRejectedForBadInput() throws {
        var w = try ServiceWorld()
        let blank = OpenTicket(
            ticketId: t1,
            customerId: W.customer,
            channel: .email,
            type: .question,
            category: "billing",
            priority: .low,
            subject: "  ",
            description: "",
            teamId: W.team
        )
        w.reject(blank, rule: "SVC-01.subject", kind: .invalidInput)
        let noCategory = OpenTicket(
            ticketId: t1,
            customerId: W.customer,
            channel: .email,
            type: .question,
            category: "",
            priority: .low,
            subject: "Where is my order?",
            description: "",
            teamId: W.team
        )
        w.reject(noCategory, rule: "SVC-01.category", kind: .invalidInput)
        w.reject(W.openTicket(t1), as: .user(W.viewer), rule: "SVC-01.perm", kind: .accessDenied)
        try w.run(W.openTicket(t1))
        w.reject(W.openTicket(t1), rule: "SVC-01.ticketIdUnique", kind: .alreadyExists)
    }

    @Test func theCustomerMustBeLive() throws {
        var w = try ServiceWorld()
        w.reject(W.openTicket(t1, customer: ID(999), contact: nil), rule: "SVC-01.customerLive", kind: .notFound)
        w.reject(
            W.openTicket(t1, customer: W.archivedCustomer, contact: nil),
            rule: "SVC-01.customerLive",
            kind: .notFound
        )
        try w.run(W.openTicket(t1, customer: W.otherCustomer, contact: nil))
    }

    @Test func theContactMustBelongToTheCustomer() throws {
        var w = try ServiceWorld()
        w.reject(W.openTicket(t1, contact: ID(999)), rule: "SVC-01.contactExists", kind: .notFound)
        w.reject(
            W.openTicket(t1, contact: W.foreignContact),
            rule: "SVC-01.contactOfCustomer",
            kind: .invariantViolated
        )
        try w.run(W.openTicket(t1, customer: W.otherCustomer, contact: W.foreignContact))
    }

    @Test func theTeamMustExist() throws {
        var w = try ServiceWorld()
        w.reject(W.openTicket(t1, team: ID(999)), rule: "SVC-01.teamExists", kind: .notFound)
    }

    @Test func unknownChannelsAndTypesAreRefusedAtTheBoundary() throws {
        let valid = """
            {"ticketId":"\(t1)","customerId":"\(W.customer)","channel":"phone","type":"complaint","category":"billing",\
            "priority":"high","subject":"s","description":"d","teamId":"\(W.team)","openedAt":"2026-03-30T01:00:00Z"}
            """
        let decoded = try JSONDecoder().decode(TicketOpened.self, from: Data(valid.utf8))
        #expect(decoded.channel == .phone)
        #expect(decoded.type == .complaint)
        let badChannel = valid.replacingOccurrences(of: "\"phone\"", with: "\"carrierPigeon\"")
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(TicketOpened.self, from: Data(badChannel.utf8)) }
        let badType = valid.replacingOccurrences(of: "\"complaint\"", with: "\"praise\"")
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(TicketOpened.self, from: Data(badType.utf8)) }
    }

    // MARK: SVC-02

    @Test func assigningToATeamMember() throws {
        var w = try ServiceWorld()
        try w.run(W.openTicket(t1))
        let out = try w.run(AssignTicket(ticketId: t1, assigneeId: W.agentA, teamId: W.team, cause: .rule))
        #expect(serviceEvents(out) == [AnyHashable(TicketAssigned(assigneeId: W.agentA, teamId: W.team, cause: .rule))])
        #expect(w.ticket(t1)?.assigneeId == W.agentA)
    }

    @Test func assigningToAnotherTeamMovesTheTicket() throws {
        var w = try ServiceWorld()
        try w.run(
            DefineServiceTeam(teamId: W.otherTeam, name: "Billing", memberIds: [W.agentB], stages: ["open", "done"])
        )
        try w.openAssignedTicket(t1)
        try w.run(AssignTicket(ticketId: t1, assigneeId: W.agentB, teamId: W.otherTeam))
        #expect(w.ticket(t1)?.teamId == W.otherTeam)
        try w.run(ChangeTicketStage(ticketId: t1, toStage: "done"))
        #expect(w.ticket(t1)?.stage == "done")
    }

    @Test func assignmentChecks() throws {
        var w = try ServiceWorld()
        w.reject(
            AssignTicket(ticketId: t1, assigneeId: W.agentA, teamId: W.team),
            rule: "SVC-02.ticketExists",
            kind: .notFound
        )
        try w.openAssignedTicket(t1)
        w.reject(
            AssignTicket(ticketId: t1, assigneeId: W.agentB, teamId: W.team),
            as: .user(W.viewer),
            rule: "SVC-02.perm",
            kind: .accessDenied
        )
        // Agent B's role reaches only tickets assigned to B.
        w.reject(
            AssignTicket(ticketId: t1, assigneeId: W.agentB, teamId: W.team),
            as: .user(W.agentB),
            rule: "SVC-02.perm",
            kind: .accessDenied
        )
        w.reject(
            AssignTicket(ticketId: t1, assigneeId: W.agentB, teamId: ID(999)),
            rule: "SVC-02.teamExists",
            kind: .notFound
        )
        w.reject(
            AssignTicket(ticketId: t1, assigneeId: ID(999), teamId: W.team),
            rule: "SVC-02.assigneeActive",
            kind: .notFound
        )
        w.reject(
            AssignTicket(ticketId: t1, assigneeId: W.tech, teamId: W.team),
            rule: "SVC-02.assigneeInTeam",
            kind: .invariantViolated
        )
        w.reject(
            AssignTicket(ticketId: t1, assigneeId: W.agentA, teamId: W.team),
            rule: "SVC-02.changes",
            kind: .invalidInput
        )
        try w.run(AssignTicket(ticketId: t1, assigneeId: W.agentB, teamId: W.team), as: .user(W.agentA))
        try w.run(ResolveTicket(ticketId: t1, resolution: "Credit note issued", resolvedBy: W.agentB))
        w.reject(
            AssignTicket(ticketId: t1, assigneeId: W.agentA, teamId: W.team),
            rule: "SVC-02.open",
            kind: .invalidState
        )
    }

    // MARK: SVC-03

    @Test func stageChangesFromTheTeamsFirstStage() throws {
        var w = try ServiceWorld()
        try w.openAssignedTicket(t1)
        let out = try w.run(ChangeTicketStage(ticketId: t1, toStage: "inProgress"), as: .user(W.agentA))
        #expect(serviceEvents(out) == [AnyHashable(TicketStageChanged(fromStage: "new", toStage: "inProgress"))])
        let back = try w.run(ChangeTicketStage(ticketId: t1, toStage: "new"))
        #expect(serviceEvents(back) == [AnyHashable(TicketStageChanged(fromStage: "inProgress", toStage: "new"))])
    }

    @Test func stageChecks() throws {
        var w = try ServiceWorld()
        w.reject(ChangeTicketStage(ticketId: t1, toStage: "solved"), rule: "SVC-03.ticketExists", kind: .notFound)
        try w.openAssignedTicket(t1)
        w.reject(
            ChangeTicketStage(ticketId: t1, toStage: "solved"),
            as: .user(W.agentB),
            rule: "SVC-03.perm",
            kind: .accessDenied
        )
        w.reject(
            ChangeTicketStage(ticketId: t1, toStage: "archived"),
            rule: "SVC-03.stageOfTeam",
            kind: .invariantViolated
        )
        w.reject(ChangeTicketStage(ticketId: t1, toStage: "new"), rule: "SVC-03.stageChanges", kind: .invalidInput)
        try w.run(ResolveTicket(ticketId: t1, resolution: "Fixed", resolvedBy: W.agentA))
        try w.run(ChangeTicketStage(ticketId: t1, toStage: "solved"))
        try w.run(CloseTicket(ticketId: t1, closedBy: .agent))
        w.reject(ChangeTicketStage(ticketId: t1, toStage: "inProgress"), rule: "SVC-03.notClosed", kind: .invalidState)
    }

    // MARK: SVC-05

    @Test func resolvingRecordsResolutionAndTime() throws {
        var w = try ServiceWorld()
        try w.openAssignedTicket(t1)
        w.now = W.monday9.adding(hours: 3)
        let out = try w.run(
            ResolveTicket(ticketId: t1, resolution: "Credit note issued", resolvedBy: W.agentA),
            as: .user(W.agentA)
        )
        #expect(
            serviceEvents(out)
                == [
                    AnyHashable(
                        TicketResolved(resolution: "Credit note issued", resolvedBy: W.agentA, resolvedAt: w.now)
                    )
                ]
        )
        #expect(w.ticket(t1)?.status == .resolved)
    }

    @Test func resolutionChecks() throws {
        var w = try ServiceWorld()
        w.reject(
            ResolveTicket(ticketId: t1, resolution: "x", resolvedBy: W.agentA),
            rule: "SVC-05.ticketExists",
            kind: .notFound
        )
        try w.openAssignedTicket(t1)
        w.reject(
            ResolveTicket(ticketId: t1, resolution: "x", resolvedBy: W.agentB),
            as: .user(W.agentB),
            rule: "SVC-05.perm",
            kind: .accessDenied
        )
        w.reject(
            ResolveTicket(ticketId: t1, resolution: " ", resolvedBy: W.agentA),
            rule: "SVC-05.resolution",
            kind: .invalidInput
        )
        w.reject(
            ResolveTicket(ticketId: t1, resolution: "x", resolvedBy: ID(999)),
            rule: "SVC-05.resolverActive",
            kind: .notFound
        )
        try w.run(ResolveTicket(ticketId: t1, resolution: "x", resolvedBy: W.agentA))
        w.reject(
            ResolveTicket(ticketId: t1, resolution: "y", resolvedBy: W.agentA),
            rule: "SVC-05.open",
            kind: .invalidState
        )
    }

    // MARK: SVC-06

    @Test func closingNeedsAResolution() throws {
        var w = try ServiceWorld()
        w.reject(CloseTicket(ticketId: t1, closedBy: .agent), rule: "SVC-06.ticketExists", kind: .notFound)
        try w.openAssignedTicket(t1)
        w.reject(CloseTicket(ticketId: t1, closedBy: .agent), rule: "SVC-06.resolved", kind: .invalidState)
        try w.run(ResolveTicket(ticketId: t1, resolution: "Fixed", resolvedBy: W.agentA))
        w.reject(
            CloseTicket(ticketId: t1, closedBy: .customer),
            as: .user(W.agentB),
            rule: "SVC-06.perm",
            kind: .accessDenied
        )
        w.now = W.monday9.adding(hours: 5)
        let out = try w.run(CloseTicket(ticketId: t1, closedBy: .customer), as: .user(W.agentA))
        #expect(serviceEvents(out) == [AnyHashable(TicketClosed(closedBy: .customer, closedAt: w.now))])
        w.reject(CloseTicket(ticketId: t1, closedBy: .auto), rule: "SVC-06.resolved", kind: .invalidState)
    }

    @Test func aTeamMayAllowClosingWithoutResolution() throws {
        var w = try ServiceWorld()
        try w.run(
            DefineServiceTeam(
                teamId: W.team,
                name: "Support",
                memberIds: [W.agentA],
                stages: W.stages,
                allowDirectClose: true
            )
        )
        try w.openAssignedTicket(t1)
        let out = try w.run(CloseTicket(ticketId: t1, closedBy: .auto))
        #expect(serviceEvents(out) == [AnyHashable(TicketClosed(closedBy: .auto, closedAt: w.now))])
    }

    // MARK: SVC-07

    @Test func reopeningWithinTheWindow() throws {
        var w = try ServiceWorld()
        try w.openAssignedTicket(t1)
        try w.run(ResolveTicket(ticketId: t1, resolution: "Fixed", resolvedBy: W.agentA))
        w.now = W.monday9.adding(days: 7)
        let out = try w.run(ReopenTicket(ticketId: t1, reason: "Still doubled"), as: .user(W.agentA))
        #expect(serviceEvents(out) == [AnyHashable(TicketReopened(reason: "Still doubled"))])
        #expect(w.ticket(t1)?.status == .open)
        #expect(w.ticket(t1)?.reopenCount == 1)
    }

    @Test func reopeningIsMeasuredFromTheClosure() throws {
        var w = try ServiceWorld()
        try w.openAssignedTicket(t1)
        try w.run(ResolveTicket(ticketId: t1, resolution: "Fixed", resolvedBy: W.agentA))
        w.now = W.monday9.adding(days: 5)
        try w.run(CloseTicket(ticketId: t1, closedBy: .agent))
        w.now = W.monday9.adding(days: 12)
        try w.run(ReopenTicket(ticketId: t1, reason: "Came back"))
        #expect(w.ticket(t1)?.status == .open)
    }

    @Test func reopeningChecks() throws {
        var w = try ServiceWorld()
        w.reject(ReopenTicket(ticketId: t1, reason: "x"), rule: "SVC-07.ticketExists", kind: .notFound)
        try w.openAssignedTicket(t1)
        w.reject(ReopenTicket(ticketId: t1, reason: "x"), rule: "SVC-07.resolvedOrClosed", kind: .invalidState)
        try w.run(ResolveTicket(ticketId: t1, resolution: "Fixed", resolvedBy: W.agentA))
        w.reject(ReopenTicket(ticketId: t1, reason: ""), rule: "SVC-07.reason", kind: .invalidInput)
        w.reject(ReopenTicket(ticketId: t1, reason: "x"), as: .user(W.viewer), rule: "SVC-07.perm", kind: .accessDenied)
        w.now = W.monday9.adding(days: 7).adding(minutes: 1)
        w.reject(ReopenTicket(ticketId: t1, reason: "Too late"), rule: "SVC-07.reopenWindow", kind: .invariantViolated)
    }

    // MARK: SVC-08

    @Test func ratingAResolvedTicketLatestWins() throws {
        var w = try ServiceWorld()
        try w.openAssignedTicket(t1)
        w.reject(RateTicket(ticketId: t1, score: 4), rule: "SVC-08.resolvedOrClosed", kind: .invalidState)
        try w.run(ResolveTicket(ticketId: t1, resolution: "Fixed", resolvedBy: W.agentA))
        let out = try w.run(RateTicket(ticketId: t1, score: 2, comment: "slow"))
        #expect(serviceEvents(out) == [AnyHashable(TicketRated(score: 2, comment: "slow"))])
        try w.run(CloseTicket(ticketId: t1, closedBy: .customer))
        try w.run(RateTicket(ticketId: t1, score: 5))
        #expect(w.ticket(t1)?.rating == 5)
        #expect(w.ticket(t1)?.ratingComment == nil)
    }

    @Test func ratingChecks() throws {
        var w = try ServiceWorld()
        w.reject(RateTicket(ticketId: t1, score: 3), rule: "SVC-08.ticketExists", kind: .notFound)
        try w.openAssignedTicket(t1)
        try w.run(ResolveTicket(ticketId: t1, resolution: "Fixed", resolvedBy: W.agentA))
        w.reject(RateTicket(ticketId: t1, score: 0), rule: "SVC-08.score", kind: .invalidInput)
        w.reject(RateTicket(ticketId: t1, score: 6), rule: "SVC-08.score", kind: .invalidInput)
        w.reject(RateTicket(ticketId: t1, score: 3), as: .user(W.viewer), rule: "SVC-08.perm", kind: .accessDenied)
        try w.run(RateTicket(ticketId: t1, score: 1))
        try w.run(RateTicket(ticketId: t1, score: 5))
    }
}
