import CRMDomain
import Testing

@Suite struct FollowUpTests {
    typealias W = LeadsWorld
    let customerId = ID(3000)
    let contactId = ID(3001)
    let oppId = ID(4000)
    let activityId = ID(800)

    func world() -> W {
        var w = W()
        w.customer(customerId, name: "Acme Tools", owner: W.rep)
        w.contact(contactId, customer: customerId)
        w.pipelineDefined()
        w.opportunity(oppId, customer: customerId, owner: W.rep)
        return w
    }

    @Test func aFollowUpWithAContactCountsForItsCustomerAndMovesTheReclaimClock() throws {
        var w = world()
        let occurred = W.t0.adding(hours: -2)
        let records = try w.record(
            RecordFollowUp(
                activityId: activityId,
                subject: .contact(contactId),
                kind: .call,
                content: "Discussed the spring order",
                occurredAt: occurred,
                nextContactAt: W.t0.adding(days: 7)
            ),
            as: W.repActor
        )
        let expected = FollowUpRecorded(
            activityId: activityId,
            subject: .contact(contactId),
            customerId: customerId,
            kind: .call,
            content: "Discussed the spring order",
            occurredAt: occurred,
            nextContactAt: W.t0.adding(days: 7),
            contactId: contactId
        )
        #expect(W.same(records.map(\.event), [expected]))
        #expect(records.map(\.stream) == [StreamRef("activity", activityId.description)])
        #expect(
            w.store.children(of: .of(Customer.self, customerId), category: "activity") == [
                StreamRef("activity", activityId.description)
            ]
        )
        #expect(expected.followUpCustomerId == customerId && expected.followUpAt == occurred)
        let facts = try #require(w.storeDecision { d in ReclaimFacts.load(customerId, in: &d) })
        #expect(facts.lastFollowUpAt == occurred)
    }

    @Test func aFollowUpOnAnOpportunityNamesTheCustomerAndMayNameItsContact() throws {
        var w = world()
        let events = try w.run(
            RecordFollowUp(
                activityId: activityId,
                subject: .opportunity(oppId),
                kind: .meeting,
                content: "Demo",
                occurredAt: W.t0,
                contactId: contactId
            ),
            as: W.repActor
        )
        #expect((events.first as? FollowUpRecorded)?.customerId == customerId)
        #expect((events.first as? FollowUpRecorded)?.contactId == contactId)
        w.contact(ID(3002), customer: ID(3999))
        w.reject(
            RecordFollowUp(
                activityId: ID(801),
                subject: .opportunity(oppId),
                kind: .call,
                content: "x",
                occurredAt: W.t0,
                contactId: ID(3002)
            ),
            as: W.repActor,
            rule: "ACT-01.contact",
            kind: .invalidInput
        )
        w.reject(
            RecordFollowUp(
                activityId: ID(801),
                subject: .contact(contactId),
                kind: .call,
                content: "x",
                occurredAt: W.t0,
                contactId: ID(3002)
            ),
            as: W.repActor,
            rule: "ACT-01.contact",
            kind: .invalidInput
        )
    }

    @Test func theSubjectMustExistAndBeReadable() throws {
        var w = world()
        func followUp(_ subject: ActivitySubject, id: ID = ID(800)) -> RecordFollowUp {
            RecordFollowUp(activityId: id, subject: subject, kind: .visit, content: "Visited", occurredAt: W.t0)
        }
        w.reject(followUp(.customer(ID(9))), as: W.repActor, rule: "ACT-01.subjectExists", kind: .notFound)
        w.reject(followUp(.lead(ID(9))), as: W.repActor, rule: "ACT-01.subjectExists", kind: .notFound)
        w.reject(
            followUp(ActivitySubject(entityType: .campaign, entityId: ID(1))),
            rule: "ACT-01.subjectExists",
            kind: .invalidInput
        )
        w.reject(followUp(.customer(customerId)), as: W.westActor, rule: "ACT-01.canReadSubject", kind: .accessDenied)
        w.reject(followUp(.contact(contactId)), as: W.rep2Actor, rule: "ACT-01.canReadSubject", kind: .accessDenied)
        try w.run(followUp(.customer(customerId)), as: W.managerActor)
        try w.run(followUp(.customer(customerId), id: ID(801)), as: W.adminActor)
        w.reject(followUp(.customer(customerId)), as: W.repActor, rule: "ACT-01.activityIdUnique", kind: .alreadyExists)
        w.given([CustomerArchived(reason: "closed down")], on: .of(Customer.self, customerId))
        w.reject(
            followUp(.customer(customerId), id: ID(802)),
            as: W.repActor,
            rule: "ACT-01.subjectExists",
            kind: .notFound
        )
    }

    @Test func aFollowUpMayNotLieMoreThanTheToleranceInTheFuture() throws {
        var w = world()
        let tooLate = W.t0.adding(minutes: 6)
        w.reject(
            RecordFollowUp(
                activityId: activityId,
                subject: .customer(customerId),
                kind: .call,
                content: "x",
                occurredAt: tooLate
            ),
            as: W.repActor,
            rule: "ACT-01.occurredAt",
            kind: .invalidInput
        )
        try w.run(
            RecordFollowUp(
                activityId: activityId,
                subject: .customer(customerId),
                kind: .call,
                content: "x",
                occurredAt: W.t0.adding(minutes: 5)
            ),
            as: W.repActor
        )
    }

    @Test func contentIsRequiredAndTheNextContactFollowsTheFollowUp() {
        var w = world()
        w.reject(
            RecordFollowUp(
                activityId: activityId,
                subject: .customer(customerId),
                kind: .call,
                content: " ",
                occurredAt: W.t0
            ),
            as: W.repActor,
            rule: "ACT-01.content",
            kind: .invalidInput
        )
        w.reject(
            RecordFollowUp(
                activityId: activityId,
                subject: .customer(customerId),
                kind: .call,
                content: "x",
                occurredAt: W.t0,
                nextContactAt: W.t0
            ),
            as: W.repActor,
            rule: "ACT-01.nextContactAt",
            kind: .invalidInput
        )
    }
}

@Suite struct TaskAndNoteTests {
    typealias W = LeadsWorld
    let leadId = ID(1000)
    let taskId = ID(810)

    func world() -> W {
        var w = W()
        w.lead(leadId, owner: W.rep)
        return w
    }

    @Test func aTaskIsScheduledForAnActiveAssigneeAndCompletedOnce() throws {
        var w = world()
        let due = W.t0.adding(days: 2)
        let scheduled = try w.run(
            ScheduleTask(taskId: taskId, subject: .lead(leadId), assigneeId: W.rep, dueAt: due, kind: .call),
            as: W.repActor
        )
        #expect(
            W.same(
                scheduled,
                [TaskScheduled(taskId: taskId, subject: .lead(leadId), assigneeId: W.rep, dueAt: due, kind: .call)]
            )
        )
        w.reject(CompleteTask(taskId: taskId, outcome: ""), as: W.repActor, rule: "ACT-03.outcome", kind: .invalidInput)
        w.reject(
            CompleteTask(taskId: taskId, outcome: "done"),
            as: W.rep2Actor,
            rule: "ACT-03.perm",
            kind: .accessDenied
        )
        let done = try w.run(CompleteTask(taskId: taskId, outcome: "Reached, sending offer"), as: W.repActor)
        #expect(W.same(done, [TaskCompleted(taskId: taskId, outcome: "Reached, sending offer")]))
        w.reject(
            CompleteTask(taskId: taskId, outcome: "again"),
            as: W.repActor,
            rule: "ACT-03.notCompleted",
            kind: .invalidState
        )
        w.reject(CompleteTask(taskId: ID(9), outcome: "x"), rule: "ACT-03.taskExists", kind: .notFound)
    }

    @Test func schedulingChecksTheAssigneeTheSubjectAndTheScope() throws {
        var w = world()
        let due = W.t0.adding(days: 1)
        w.given(UserOffboarded(userId: W.rep2, successorUserId: nil, at: W.t0), "user", W.rep2)
        w.reject(
            ScheduleTask(taskId: taskId, subject: .lead(leadId), assigneeId: W.rep2, dueAt: due, kind: .todo),
            rule: "ACT-02.assigneeActive",
            kind: .invariantViolated
        )
        w.reject(
            ScheduleTask(taskId: taskId, subject: .lead(ID(9)), assigneeId: W.rep, dueAt: due, kind: .todo),
            rule: "ACT-02.subjectExists",
            kind: .notFound
        )
        w.reject(
            ScheduleTask(taskId: taskId, subject: .lead(leadId), assigneeId: W.rep, dueAt: due, kind: .todo),
            as: W.westActor,
            rule: "ACT-02.perm",
            kind: .accessDenied
        )
        w.reject(
            ScheduleTask(taskId: taskId, subject: .lead(leadId), assigneeId: W.manager, dueAt: due, kind: .todo),
            as: W.repActor,
            rule: "ACT-02.perm",
            kind: .accessDenied
        )
        try w.run(
            ScheduleTask(taskId: taskId, subject: .lead(leadId), assigneeId: W.rep, dueAt: due, kind: .todo),
            as: W.managerActor
        )
        w.reject(
            ScheduleTask(taskId: taskId, subject: .lead(leadId), assigneeId: W.rep, dueAt: due, kind: .todo),
            rule: "ACT-02.taskIdUnique",
            kind: .alreadyExists
        )
    }

    @Test func aNoteNeedsABodyAndAReadableSubject() throws {
        var w = world()
        let noteId = ID(820)
        w.reject(
            AddNote(noteId: noteId, subject: .lead(leadId), body: ""),
            as: W.repActor,
            rule: "ACT-04.body",
            kind: .invalidInput
        )
        w.reject(
            AddNote(noteId: noteId, subject: .lead(ID(9)), body: "x"),
            as: W.repActor,
            rule: "ACT-04.subjectExists",
            kind: .notFound
        )
        w.reject(
            AddNote(noteId: noteId, subject: .lead(leadId), body: "x"),
            as: W.rep2Actor,
            rule: "ACT-04.perm",
            kind: .accessDenied
        )
        let events = try w.run(AddNote(noteId: noteId, subject: .lead(leadId), body: "Prefers e-mail"), as: W.repActor)
        #expect(W.same(events, [NoteAdded(noteId: noteId, subject: .lead(leadId), body: "Prefers e-mail")]))
        #expect(
            w.store.children(of: .of(Lead.self, leadId), category: "activity") == [
                StreamRef("activity", noteId.description)
            ]
        )
        w.reject(
            AddNote(noteId: noteId, subject: .lead(leadId), body: "x"),
            as: W.repActor,
            rule: "ACT-04.noteIdUnique",
            kind: .alreadyExists
        )
    }
}

@Suite struct TagTests {
    typealias W = LeadsWorld
    let customerId = ID(3000)

    @Test func aRecordIsTaggedOnItsOwnStreamFromTheTaxonomy() throws {
        var w = W()
        w.customer(customerId, name: "Acme Tools", owner: W.rep)
        let records = try w.record(TagRecord(entityType: .customer, entityId: customerId, tag: "vip"), as: W.repActor)
        #expect(W.same(records.map(\.event), [RecordTagged(entityType: .customer, entityId: customerId, tag: "vip")]))
        #expect(records.map(\.stream) == [.of(Customer.self, customerId)])
        #expect(
            w.store.children(of: TagTaxonomy.tagParent(.customer, "vip"), category: "customer") == [
                .of(Customer.self, customerId)
            ]
        )
        #expect(w.store.state(Customer.self, customerId)?.name == "Acme Tools")
        w.reject(
            TagRecord(entityType: .customer, entityId: customerId, tag: "vip"),
            as: W.repActor,
            rule: "ACT-05.notTagged",
            kind: .invalidState
        )
        w.reject(
            TagRecord(entityType: .customer, entityId: customerId, tag: "hot"),
            as: W.repActor,
            rule: "ACT-05.tagInTaxonomy",
            kind: .invariantViolated
        )
        w.reject(
            TagRecord(entityType: .customer, entityId: customerId, tag: "partner"),
            as: W.viewerActor,
            rule: "ACT-05.perm",
            kind: .accessDenied
        )
        w.reject(
            TagRecord(entityType: .customer, entityId: ID(9), tag: "vip"),
            rule: "ACT-05.recordExists",
            kind: .notFound
        )
        try w.run(TagRecord(entityType: .customer, entityId: customerId, tag: "keyAccount"), as: W.managerActor)
        #expect(
            w.store.streams[.of(Customer.self, customerId)].map { RecordTags.fold($0).tags } == ["keyAccount", "vip"]
        )
    }

    @Test func onlyACurrentTagIsRemoved() throws {
        var w = W()
        w.lead(ID(1000), owner: W.rep)
        try w.run(TagRecord(entityType: .lead, entityId: ID(1000), tag: "hot"), as: W.repActor)
        w.reject(
            UntagRecord(entityType: .lead, entityId: ID(1000), tag: "cold"),
            as: W.repActor,
            rule: "ACT-06.tagged",
            kind: .invalidState
        )
        w.reject(
            UntagRecord(entityType: .lead, entityId: ID(1000), tag: "hot"),
            as: W.rep2Actor,
            rule: "ACT-06.perm",
            kind: .accessDenied
        )
        w.reject(
            UntagRecord(entityType: .lead, entityId: ID(9), tag: "hot"),
            rule: "ACT-06.recordExists",
            kind: .notFound
        )
        let events = try w.run(UntagRecord(entityType: .lead, entityId: ID(1000), tag: "hot"), as: W.repActor)
        #expect(W.same(events, [RecordUntagged(entityType: .lead, entityId: ID(1000), tag: "hot")]))
        #expect(w.store.children(of: TagTaxonomy.tagParent(.lead, "hot"), category: "lead").isEmpty)
        try w.run(TagRecord(entityType: .lead, entityId: ID(1000), tag: "hot"), as: W.repActor)
    }
}

extension LeadsWorld {
    /// Runs `body` inside a read-only decision over the current store (for helpers that take a `Decision`).
    func storeDecision<T>(_ body: (inout Decision) -> T) -> T {
        var d = Decision(actor: LeadsWorld.system, now: now, context: store, ids: .incrementing())
        return body(&d)
    }
}
