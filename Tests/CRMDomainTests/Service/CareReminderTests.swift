import CRMDomain
import Testing

@Suite struct CareReminderScheduleTests {
    func due(_ kind: CareReminderKind, _ params: CareReminderParams, _ anchor: LocalDate, _ asOf: LocalDate)
        -> LocalDate?
    {
        CareReminderSchedule.dueOn(kind: kind, params: params, anchor: anchor, asOf: asOf)
    }

    @Test func afterKindsAreDueFromAnchorPlusDaysOn() {
        let anchor = LocalDate(2026, 3, 1)
        #expect(due(.followUpAfterDays, .days(7), anchor, LocalDate(2026, 3, 7)) == nil)
        #expect(due(.followUpAfterDays, .days(7), anchor, LocalDate(2026, 3, 8)) == LocalDate(2026, 3, 8))
        #expect(due(.followUpAfterDays, .days(7), anchor, LocalDate(2026, 3, 20)) == LocalDate(2026, 3, 8))
        #expect(due(.returnVisitAfterDays, .days(3), anchor, LocalDate(2026, 3, 4)) == LocalDate(2026, 3, 4))
    }

    @Test func monthsAreClampedToTheMonthsEnd() {
        let anchor = LocalDate(2026, 1, 31)
        #expect(due(.noPurchaseForMonths, .months(1), anchor, LocalDate(2026, 2, 27)) == nil)
        #expect(due(.noPurchaseForMonths, .months(1), anchor, LocalDate(2026, 2, 28)) == LocalDate(2026, 2, 28))
        #expect(due(.noPurchaseForMonths, .months(6), anchor, LocalDate(2026, 9, 1)) == LocalDate(2026, 7, 31))
    }

    @Test func beforeKindsHoldFromDueThroughTheAnchor() {
        let end = LocalDate(2026, 4, 30)
        for kind in [CareReminderKind.renewalBeforeDays, .paymentDueBeforeDays, .contractExpiryBeforeDays] {
            #expect(due(kind, .days(30), end, LocalDate(2026, 3, 30)) == nil)
            #expect(due(kind, .days(30), end, LocalDate(2026, 3, 31)) == LocalDate(2026, 3, 31))
            #expect(due(kind, .days(30), end, end) == LocalDate(2026, 3, 31))
            #expect(due(kind, .days(30), end, LocalDate(2026, 5, 1)) == nil)
        }
        // The reclaim day itself is too late: the customer is back in the pool.
        #expect(
            due(.poolReclaimBeforeDays, .days(3), LocalDate(2026, 4, 10), LocalDate(2026, 4, 9))
                == LocalDate(2026, 4, 7)
        )
        #expect(due(.poolReclaimBeforeDays, .days(3), LocalDate(2026, 4, 10), LocalDate(2026, 4, 10)) == nil)
    }

    @Test func birthdaysRecurEveryYear() {
        let born = LocalDate(1990, 4, 2)
        #expect(due(.birthday, .days(2), born, LocalDate(2026, 3, 30)) == nil)
        #expect(due(.birthday, .days(2), born, LocalDate(2026, 3, 31)) == LocalDate(2026, 3, 31))
        #expect(due(.birthday, .days(2), born, LocalDate(2026, 4, 2)) == LocalDate(2026, 3, 31))
        #expect(due(.birthday, .days(2), born, LocalDate(2026, 4, 3)) == nil)
        #expect(due(.birthday, .days(0), born, LocalDate(2026, 4, 2)) == LocalDate(2026, 4, 2))
        // Across the new year and on 29 February.
        #expect(due(.birthday, .days(5), LocalDate(1985, 1, 2), LocalDate(2026, 12, 29)) == LocalDate(2026, 12, 28))
        #expect(due(.birthday, .days(0), LocalDate(2000, 2, 29), LocalDate(2026, 2, 28)) == LocalDate(2026, 2, 28))
        #expect(due(.birthday, .days(0), LocalDate(2000, 2, 29), LocalDate(2028, 2, 29)) == LocalDate(2028, 2, 29))
        // Nobody has a birthday before being born.
        #expect(due(.birthday, .days(2), LocalDate(2026, 4, 2), LocalDate(2026, 3, 31)) == nil)
    }

    @Test func paramsAreValidatedPerKind() {
        #expect(CareReminderParams.days(7).problem(for: .followUpAfterDays) == nil)
        #expect(CareReminderParams.days(0).problem(for: .followUpAfterDays) != nil)
        #expect(CareReminderParams.days(3661).problem(for: .contractExpiryBeforeDays) != nil)
        #expect(CareReminderParams.months(3).problem(for: .renewalBeforeDays) != nil)
        #expect(CareReminderParams(days: 3, months: 3).problem(for: .paymentDueBeforeDays) != nil)
        #expect(CareReminderParams().problem(for: .poolReclaimBeforeDays) != nil)
        #expect(CareReminderParams.months(6).problem(for: .noPurchaseForMonths) == nil)
        #expect(CareReminderParams.months(0).problem(for: .noPurchaseForMonths) != nil)
        #expect(CareReminderParams.months(121).problem(for: .noPurchaseForMonths) != nil)
        #expect(CareReminderParams.days(6).problem(for: .noPurchaseForMonths) != nil)
        #expect(CareReminderParams.days(0).problem(for: .birthday) == nil)
        #expect(CareReminderParams.days(367).problem(for: .birthday) != nil)
        #expect(CareReminderParams().problem(for: .birthday) != nil)
        #expect(CareReminderParams(days: 1, months: 1).problem(for: .birthday) != nil)
    }
}

@Suite struct CareReminderTests {
    typealias W = ServiceWorld
    let t1 = ID(1001)
    let returnVisit = ID(700)
    let followUp = ID(701)
    let expiry = ID(702)
    let paymentDue = ID(703)
    let reclaim = ID(704)
    let r1 = ID(750)
    let thursday = LocalDate(2026, 4, 2)

    func world() throws -> ServiceWorld {
        var w = try ServiceWorld()
        try w.run(
            DefineCareReminderRule(ruleId: returnVisit, kind: .returnVisitAfterDays, params: .days(3), channel: .inApp)
        )
        try w.run(
            DefineCareReminderRule(ruleId: followUp, kind: .followUpAfterDays, params: .days(7), channel: .wechat)
        )
        try w.run(
            DefineCareReminderRule(
                ruleId: expiry,
                kind: .contractExpiryBeforeDays,
                params: .days(30),
                channel: .email,
                assignee: .role(W.adminRole)
            )
        )
        try w.run(
            DefineCareReminderRule(ruleId: paymentDue, kind: .paymentDueBeforeDays, params: .days(5), channel: .sms)
        )
        try w.run(
            DefineCareReminderRule(ruleId: reclaim, kind: .poolReclaimBeforeDays, params: .days(3), channel: .inApp)
        )
        w.now = W.local(2026, 4, 2, 10)
        return w
    }

    /// Ticket t1 closed on Monday 2026-03-30.
    func closedTicket(_ w: inout ServiceWorld) throws {
        let now = w.now
        w.now = W.monday9
        try w.openAssignedTicket(t1)
        try w.run(ResolveTicket(ticketId: t1, resolution: "Fixed", resolvedBy: W.agentA))
        try w.run(CloseTicket(ticketId: t1, closedBy: .agent))
        w.now = now
    }

    // MARK: SVC-17

    @Test func ruleIsDefined() throws {
        var w = try ServiceWorld()
        let out = try w.run(
            DefineCareReminderRule(
                ruleId: ID(705),
                kind: .birthday,
                params: .days(0),
                channel: .sms,
                assignee: .role(W.agentRole)
            )
        )
        #expect(
            serviceEvents(out) == [
                AnyHashable(
                    CareReminderRuleDefined(
                        ruleId: ID(705),
                        kind: .birthday,
                        params: .days(0),
                        channel: .sms,
                        assignee: .role(W.agentRole)
                    )
                )
            ]
        )
        #expect(serviceStreams(out) == ["reminderRule-\(ID(705))"])
    }

    @Test func ruleDefinitionChecks() throws {
        var w = try ServiceWorld()
        w.reject(
            DefineCareReminderRule(ruleId: followUp, kind: .followUpAfterDays, params: .days(0), channel: .inApp),
            rule: "SVC-17.params",
            kind: .invalidInput
        )
        w.reject(
            DefineCareReminderRule(ruleId: followUp, kind: .noPurchaseForMonths, params: .days(30), channel: .inApp),
            rule: "SVC-17.params",
            kind: .invalidInput
        )
        w.reject(
            DefineCareReminderRule(
                ruleId: followUp,
                kind: .followUpAfterDays,
                params: .days(7),
                channel: .inApp,
                assignee: ReminderAssignee(kind: .role)
            ),
            rule: "SVC-17.assignee",
            kind: .invalidInput
        )
        w.reject(
            DefineCareReminderRule(
                ruleId: followUp,
                kind: .followUpAfterDays,
                params: .days(7),
                channel: .inApp,
                assignee: .role(ID(999))
            ),
            rule: "SVC-17.assignee",
            kind: .notFound
        )
        w.reject(
            DefineCareReminderRule(
                ruleId: followUp,
                kind: .followUpAfterDays,
                params: .days(7),
                channel: .inApp,
                assignee: ReminderAssignee(kind: .owner, roleId: W.agentRole)
            ),
            rule: "SVC-17.assignee",
            kind: .invalidInput
        )
        w.reject(
            DefineCareReminderRule(ruleId: followUp, kind: .followUpAfterDays, params: .days(7), channel: .inApp),
            as: .user(W.agentA),
            rule: "SVC-17.perm",
            kind: .accessDenied
        )
    }

    // MARK: SVC-18 on the service area's own data

    @Test func returnVisitAfterAClosedTicket() throws {
        var w = try world()
        try closedTicket(&w)
        let subject = ReminderSubject(entityType: .ticket, entityId: t1)
        let out = try w.run(
            RaiseReminder(reminderId: r1, ruleId: returnVisit, subject: subject, ownerId: W.agentA, asOf: thursday),
            as: .system(job: "reminders")
        )
        let expected = ReminderDue(
            reminderId: r1,
            ruleId: returnVisit,
            subject: subject,
            ownerId: W.agentA,
            dueOn: LocalDate(2026, 4, 2),
            asOf: thursday
        )
        #expect(serviceEvents(out) == [AnyHashable(expected)])
        #expect(serviceStreams(out) == ["reminder-\(r1)"])
        // The scheduler running again the next day finds the same due date: deduplicated.
        w.now = W.local(2026, 4, 3, 10)
        w.reject(
            RaiseReminder(
                reminderId: ID(751),
                ruleId: returnVisit,
                subject: subject,
                ownerId: W.agentA,
                asOf: LocalDate(2026, 4, 3)
            ),
            rule: "SVC-18.dedupe",
            kind: .alreadyExists
        )
        w.reject(
            RaiseReminder(
                reminderId: r1,
                ruleId: returnVisit,
                subject: subject,
                ownerId: W.agentA,
                asOf: LocalDate(2026, 4, 3)
            ),
            rule: "SVC-18.reminderIdUnique",
            kind: .alreadyExists
        )
    }

    @Test func returnVisitChecksTheTicket() throws {
        var w = try world()
        let subject = ReminderSubject(entityType: .ticket, entityId: t1)
        func raise(_ owner: ID = W.agentA, asOf: LocalDate? = nil, facts: ReminderFacts? = nil) -> RaiseReminder {
            RaiseReminder(
                reminderId: r1,
                ruleId: returnVisit,
                subject: subject,
                ownerId: owner,
                asOf: asOf ?? thursday,
                facts: facts
            )
        }
        w.reject(raise(), rule: "SVC-18.subjectExists", kind: .notFound)
        w.now = W.monday9
        try w.openAssignedTicket(t1)
        w.now = W.local(2026, 4, 2, 10)
        w.reject(raise(), rule: "SVC-18.condition", kind: .invariantViolated)
        try w.run(ResolveTicket(ticketId: t1, resolution: "Fixed", resolvedBy: W.agentA), at: W.monday9)
        try w.run(CloseTicket(ticketId: t1, closedBy: .agent), at: W.monday9)
        w.reject(raise(asOf: LocalDate(2026, 4, 1)), rule: "SVC-18.condition", kind: .invariantViolated)
        w.reject(raise(W.agentB), rule: "SVC-18.assignee", kind: .invariantViolated)
        w.reject(
            raise(facts: ReminderFacts(anchorDate: LocalDate(2026, 1, 1))),
            rule: "SVC-18.facts",
            kind: .invalidInput
        )
        w.reject(raise(asOf: LocalDate(2026, 4, 3)), rule: "SVC-18.asOf", kind: .invalidInput)
        try w.run(raise())
        // Reopening the ticket ends the condition.
        try w.run(ReopenTicket(ticketId: t1, reason: "Not fixed"), at: W.local(2026, 4, 1, 9))
        w.reject(
            RaiseReminder(
                reminderId: ID(752),
                ruleId: returnVisit,
                subject: subject,
                ownerId: W.agentA,
                asOf: thursday
            ),
            rule: "SVC-18.condition",
            kind: .invariantViolated
        )
    }

    @Test func customerFollowUpIsMeasuredFromTheCustomerStream() throws {
        var w = try world()
        let subject = ReminderSubject(entityType: .customer, entityId: W.customer)
        // Acme was received by agent A on 2026-01-05 and never followed up: due 7 days later.
        let out = try w.run(
            RaiseReminder(reminderId: r1, ruleId: followUp, subject: subject, ownerId: W.agentA, asOf: thursday)
        )
        #expect((out.first?.event as? ReminderDue)?.dueOn == LocalDate(2026, 1, 12))
        w.reject(
            RaiseReminder(
                reminderId: ID(751),
                ruleId: followUp,
                subject: ReminderSubject(entityType: .customer, entityId: W.customer),
                ownerId: W.agentA,
                asOf: thursday,
                facts: ReminderFacts(anchorDate: thursday)
            ),
            rule: "SVC-18.facts",
            kind: .invalidInput
        )
        w.reject(
            RaiseReminder(reminderId: ID(751), ruleId: followUp, subject: subject, ownerId: W.agentB, asOf: thursday),
            rule: "SVC-18.assignee",
            kind: .invariantViolated
        )
        w.reject(
            RaiseReminder(
                reminderId: ID(751),
                ruleId: followUp,
                subject: ReminderSubject(entityType: .customer, entityId: W.archivedCustomer),
                ownerId: W.agentA,
                asOf: thursday
            ),
            rule: "SVC-18.subjectExists",
            kind: .notFound
        )
    }

    @Test func poolReclaimRemindersNeedAnOwnedUnlockedCustomer() throws {
        var w = try world()
        let facts = ReminderFacts(anchorDate: LocalDate(2026, 4, 5))
        let subject = ReminderSubject(entityType: .customer, entityId: W.customer)
        w.reject(
            RaiseReminder(reminderId: r1, ruleId: reclaim, subject: subject, ownerId: W.agentA, asOf: thursday),
            rule: "SVC-18.facts",
            kind: .invalidInput
        )
        let out = try w.run(
            RaiseReminder(
                reminderId: r1,
                ruleId: reclaim,
                subject: subject,
                ownerId: W.agentA,
                asOf: thursday,
                facts: facts
            )
        )
        #expect((out.first?.event as? ReminderDue)?.dueOn == LocalDate(2026, 4, 2))
        w.store.given([CustomerLocked()], on: .of(Customer.self, W.otherCustomer))
        w.reject(
            RaiseReminder(
                reminderId: ID(751),
                ruleId: reclaim,
                subject: ReminderSubject(entityType: .customer, entityId: W.otherCustomer),
                ownerId: W.agentB,
                asOf: thursday,
                facts: facts
            ),
            rule: "SVC-18.condition",
            kind: .invariantViolated
        )
    }

    // MARK: SVC-18 with caller-supplied facts

    @Test func contractExpiryGoesToAHolderOfTheRole() throws {
        var w = try world()
        let contract = ReminderSubject(entityType: .contract, entityId: ID(800))
        let facts = ReminderFacts(anchorDate: LocalDate(2026, 4, 30))
        let out = try w.run(
            RaiseReminder(
                reminderId: r1,
                ruleId: expiry,
                subject: contract,
                ownerId: W.supervisor,
                asOf: thursday,
                facts: facts
            )
        )
        #expect(
            serviceEvents(out) == [
                AnyHashable(
                    ReminderDue(
                        reminderId: r1,
                        ruleId: expiry,
                        subject: contract,
                        ownerId: W.supervisor,
                        dueOn: LocalDate(2026, 3, 31),
                        asOf: thursday
                    )
                )
            ]
        )
        w.reject(
            RaiseReminder(
                reminderId: ID(751),
                ruleId: expiry,
                subject: contract,
                ownerId: W.agentA,
                asOf: thursday,
                facts: facts
            ),
            rule: "SVC-18.assignee",
            kind: .invariantViolated
        )
        w.reject(
            RaiseReminder(
                reminderId: ID(751),
                ruleId: expiry,
                subject: contract,
                ownerId: W.supervisor,
                asOf: thursday,
                facts: ReminderFacts(anchorDate: LocalDate(2026, 6, 30))
            ),
            rule: "SVC-18.condition",
            kind: .invariantViolated
        )
        w.reject(
            RaiseReminder(
                reminderId: ID(751),
                ruleId: expiry,
                subject: ReminderSubject(entityType: .ticket, entityId: t1),
                ownerId: W.supervisor,
                asOf: thursday,
                facts: facts
            ),
            rule: "SVC-18.subjectType",
            kind: .invalidInput
        )
        w.reject(
            RaiseReminder(
                reminderId: ID(751),
                ruleId: expiry,
                subject: contract,
                ownerId: W.supervisor,
                asOf: thursday
            ),
            rule: "SVC-18.facts",
            kind: .invalidInput
        )
        w.reject(
            RaiseReminder(
                reminderId: ID(751),
                ruleId: expiry,
                subject: contract,
                ownerId: W.supervisor,
                asOf: thursday,
                facts: ReminderFacts(anchorDate: LocalDate(2026, 4, 30), outstanding: .cny(100))
            ),
            rule: "SVC-18.facts",
            kind: .invalidInput
        )
    }

    @Test func paymentRemindersNeedSomethingOutstanding() throws {
        var w = try world()
        let plan = ReminderSubject(entityType: .payment, entityId: ID(810))
        func raise(_ outstanding: Money?) -> RaiseReminder {
            RaiseReminder(
                reminderId: r1,
                ruleId: paymentDue,
                subject: plan,
                ownerId: W.agentA,
                asOf: thursday,
                facts: ReminderFacts(anchorDate: LocalDate(2026, 4, 5), outstanding: outstanding)
            )
        }
        w.reject(raise(nil), rule: "SVC-18.facts", kind: .invalidInput)
        w.reject(raise(.cny(0)), rule: "SVC-18.condition", kind: .invariantViolated)
        let out = try w.run(raise(.cny(1_200_000)))
        #expect((out.first?.event as? ReminderDue)?.dueOn == LocalDate(2026, 3, 31))
    }

    @Test func raisingChecksRuleOwnerAndPermission() throws {
        var w = try world()
        let contract = ReminderSubject(entityType: .contract, entityId: ID(800))
        let facts = ReminderFacts(anchorDate: LocalDate(2026, 4, 30))
        w.reject(
            RaiseReminder(
                reminderId: r1,
                ruleId: ID(999),
                subject: contract,
                ownerId: W.supervisor,
                asOf: thursday,
                facts: facts
            ),
            rule: "SVC-18.ruleExists",
            kind: .notFound
        )
        w.reject(
            RaiseReminder(
                reminderId: r1,
                ruleId: expiry,
                subject: contract,
                ownerId: ID(999),
                asOf: thursday,
                facts: facts
            ),
            rule: "SVC-18.ownerActive",
            kind: .notFound
        )
        w.reject(
            RaiseReminder(
                reminderId: r1,
                ruleId: expiry,
                subject: contract,
                ownerId: W.supervisor,
                asOf: thursday,
                facts: facts
            ),
            as: .user(W.viewer),
            rule: "SVC-18.perm",
            kind: .accessDenied
        )
    }

    // MARK: SVC-19

    @Test func completingAndSnoozing() throws {
        var w = try world()
        try closedTicket(&w)
        let subject = ReminderSubject(entityType: .ticket, entityId: t1)
        try w.run(
            RaiseReminder(reminderId: r1, ruleId: returnVisit, subject: subject, ownerId: W.agentA, asOf: thursday)
        )
        let snooze = try w.run(
            CompleteReminder(reminderId: r1, outcome: .snoozed(until: LocalDate(2026, 4, 6))),
            as: .user(W.agentA)
        )
        #expect(
            serviceEvents(snooze) == [
                AnyHashable(ReminderCompleted(reminderId: r1, outcome: .snoozed(until: LocalDate(2026, 4, 6))))
            ]
        )
        var reminder = try #require(w.store.state(Reminder.self, r1))
        #expect(reminder.status == .open)
        #expect(reminder.effectiveDueOn == LocalDate(2026, 4, 6))
        w.reject(
            CompleteReminder(reminderId: r1, outcome: .snoozed(until: LocalDate(2026, 4, 6))),
            rule: "SVC-19.snoozeUntil",
            kind: .invalidInput
        )
        let done = try w.run(CompleteReminder(reminderId: r1, outcome: .done), as: .user(W.agentA))
        #expect(serviceEvents(done) == [AnyHashable(ReminderCompleted(reminderId: r1, outcome: .done))])
        reminder = try #require(w.store.state(Reminder.self, r1))
        #expect(reminder.status == .done)
        w.reject(CompleteReminder(reminderId: r1, outcome: .dismissed), rule: "SVC-19.open", kind: .invalidState)
    }

    @Test func completionChecks() throws {
        var w = try world()
        w.reject(CompleteReminder(reminderId: r1, outcome: .done), rule: "SVC-19.reminderExists", kind: .notFound)
        try closedTicket(&w)
        let subject = ReminderSubject(entityType: .ticket, entityId: t1)
        try w.run(
            RaiseReminder(reminderId: r1, ruleId: returnVisit, subject: subject, ownerId: W.agentA, asOf: thursday)
        )
        w.reject(
            CompleteReminder(reminderId: r1, outcome: .done),
            as: .user(W.agentB),
            rule: "SVC-19.perm",
            kind: .accessDenied
        )
        w.reject(
            CompleteReminder(reminderId: r1, outcome: ReminderOutcome(kind: .snoozed)),
            rule: "SVC-19.snoozeUntil",
            kind: .invalidInput
        )
        w.reject(
            CompleteReminder(reminderId: r1, outcome: .snoozed(until: thursday)),
            rule: "SVC-19.snoozeUntil",
            kind: .invalidInput
        )
        w.reject(
            CompleteReminder(reminderId: r1, outcome: ReminderOutcome(kind: .done, until: LocalDate(2026, 4, 9))),
            rule: "SVC-19.snoozeUntil",
            kind: .invalidInput
        )
        try w.run(CompleteReminder(reminderId: r1, outcome: .dismissed))
        #expect(w.store.state(Reminder.self, r1)?.status == .dismissed)
    }

    // MARK: §3.8 care to-do list

    @Test func toDoListGroupsTheOwnersOpenDueRemindersByKind() throws {
        var w = try world()
        try closedTicket(&w)
        let ticket = ReminderSubject(entityType: .ticket, entityId: t1)
        let customer = ReminderSubject(entityType: .customer, entityId: W.customer)
        let plan = ReminderSubject(entityType: .payment, entityId: ID(810))
        let plan2 = ReminderSubject(entityType: .payment, entityId: ID(811))
        let plan3 = ReminderSubject(entityType: .payment, entityId: ID(812))
        let contract = ReminderSubject(entityType: .contract, entityId: ID(800))
        let owing = ReminderFacts(anchorDate: LocalDate(2026, 4, 5), outstanding: .cny(50_000))
        try w.run(
            RaiseReminder(reminderId: ID(760), ruleId: returnVisit, subject: ticket, ownerId: W.agentA, asOf: thursday)
        )
        try w.run(
            RaiseReminder(reminderId: ID(761), ruleId: followUp, subject: customer, ownerId: W.agentA, asOf: thursday)
        )
        try w.run(
            RaiseReminder(
                reminderId: ID(762),
                ruleId: paymentDue,
                subject: plan,
                ownerId: W.agentA,
                asOf: thursday,
                facts: owing
            )
        )
        try w.run(
            RaiseReminder(
                reminderId: ID(763),
                ruleId: paymentDue,
                subject: plan2,
                ownerId: W.agentA,
                asOf: thursday,
                facts: owing
            )
        )
        try w.run(
            RaiseReminder(
                reminderId: ID(764),
                ruleId: paymentDue,
                subject: plan3,
                ownerId: W.agentA,
                asOf: thursday,
                facts: owing
            )
        )
        try w.run(
            RaiseReminder(
                reminderId: ID(765),
                ruleId: expiry,
                subject: contract,
                ownerId: W.supervisor,
                asOf: thursday,
                facts: ReminderFacts(anchorDate: LocalDate(2026, 4, 30))
            )
        )
        try w.run(CompleteReminder(reminderId: ID(763), outcome: .snoozed(until: LocalDate(2026, 4, 6))))
        try w.run(CompleteReminder(reminderId: ID(764), outcome: .done))
        let reminders = (760...765).compactMap { w.store.state(Reminder.self, ID(UInt64($0))) }
        let kinds: [ID: CareReminderKind] = [
            returnVisit: .returnVisitAfterDays, followUp: .followUpAfterDays, paymentDue: .paymentDueBeforeDays,
            expiry: .contractExpiryBeforeDays,
        ]
        #expect(
            CareTodoList.build(ownerId: W.agentA, reminders: reminders, ruleKinds: kinds, asOf: thursday) == [
                CareTodoGroup(
                    kind: .followUpAfterDays,
                    items: [
                        CareTodoItem(
                            reminderId: ID(761),
                            subject: customer,
                            dueOn: LocalDate(2026, 1, 12),
                            daysOverdue: 80
                        )
                    ]
                ),
                CareTodoGroup(
                    kind: .paymentDueBeforeDays,
                    items: [
                        CareTodoItem(reminderId: ID(762), subject: plan, dueOn: LocalDate(2026, 3, 31), daysOverdue: 2)
                    ]
                ),
                CareTodoGroup(
                    kind: .returnVisitAfterDays,
                    items: [CareTodoItem(reminderId: ID(760), subject: ticket, dueOn: thursday, daysOverdue: 0)]
                ),
            ]
        )
        let monday = LocalDate(2026, 4, 6)
        let payments = CareTodoList.build(ownerId: W.agentA, reminders: reminders, ruleKinds: kinds, asOf: monday)
            .first { $0.kind == .paymentDueBeforeDays }
        #expect(payments?.items.map(\.reminderId) == [ID(762), ID(763)])
        #expect(
            CareTodoList.build(ownerId: W.supervisor, reminders: reminders, ruleKinds: kinds, asOf: thursday).map(
                \.kind
            )
                == [.contractExpiryBeforeDays]
        )
    }
}
