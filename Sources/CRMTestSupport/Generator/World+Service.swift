import CRMDomain

/// A ticket and the course the generator has planned for it.
struct TicketPlan {
    enum Scenario { case standard, waiting, neglected, reopen, field, complaint }
    let id: ID
    let customerIndex: Int
    let scenario: Scenario
    /// 1 start work, 10 back from waiting on the customer, 2 solve, 3 rate or reopen, 4 close, 5 return visit;
    /// 20 waits for its work order.
    var step: Int
    var nextDay: Int
    var reopened = false
    var done = false
}

/// A raised care reminder its owner will handle on `day`.
struct ReminderPlan {
    let id: ID
    let owner: ID
    var day: Int
    var snoozed = false
}

struct ServiceState {
    static let stages = ["new", "inProgress", "waitingOnCustomer", "solved"]

    var calendarId = ID(0)
    var calendar = WorkingCalendar.continuous
    var careTeam = ID(0)
    var tier2Team = ID(0)
    var solvePolicies: [ServicePriority: ID] = [:]
    var urgentRule = ID(0)
    var complaintRule = ID(0)
    var ticketVisitRule = ID(0)
    var birthdayRule = ID(0)
    var noPurchaseRule = ID(0)
    var followUpRule = ID(0)
    var workOrderVisitRule = ID(0)
    var plans: [TicketPlan] = []
    var scenarioNumber = 0
    var turn = 0
    var categories: [ID] = []
    var articles: [(id: ID, title: String, published: Bool, archived: Bool)] = []
    var publishing: [(article: ID, day: Int)] = []
    var reminders: [ReminderPlan] = []
    var followUpReminded: Set<ID> = []
    var owners: [ID: ID] = [:]
    var ownerChangedDay: [ID: Int] = [:]
}

extension World {
    var serviceManager: ActorRef { .user(extensions.staff.serviceManager) }

    // MARK: Setup

    /// The service desk calendar, the care and tier-2 teams, SLA policies per priority, escalation rules,
    /// knowledge articles and care reminder rules.
    mutating func setUpService(_ runner: inout some CommandRunner) async throws(RunnerError) {
        let staff = extensions.staff
        var s = ServiceState()
        let hours = WorkingWeekday.allCases.filter { $0 != .sunday }.map {
            WorkingHours($0, from: (8, 0), to: (22, 0))
        }
        var holidays: [LocalDate] = []
        for year in Set((0..<g.days).map { date($0).year }).sorted() {
            holidays += [(1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3)].map { LocalDate(year, $0.0, $0.1) }
        }
        s.calendarId = newID()
        s.calendar = WorkingCalendar(utcOffsetMinutes: 0, hours: hours, holidays: holidays)
        try await exec(
            DefineWorkingCalendar(
                calendarId: s.calendarId,
                name: "Service desk (Mon–Sat 08:00–22:00)",
                utcOffsetMinutes: 0,
                hours: hours,
                holidays: holidays
            ),
            as: serviceManager,
            &runner
        )
        s.careTeam = newID()
        s.tier2Team = newID()
        try await exec(
            DefineServiceTeam(
                teamId: s.careTeam,
                name: "Customer care",
                memberIds: staff.agents,
                stages: ServiceState.stages,
                calendarId: s.calendarId,
                reopenWindowDays: 7
            ),
            as: serviceManager,
            &runner
        )
        try await exec(
            DefineServiceTeam(
                teamId: s.tier2Team,
                name: "Tier-2 support",
                memberIds: [staff.seniorAgent, staff.serviceManager],
                stages: ServiceState.stages,
                calendarId: s.calendarId,
                reopenWindowDays: 14
            ),
            as: serviceManager,
            &runner
        )
        // First response for urgent and high tickets; resolution for every priority (not counting the time the
        // ticket waits on the customer).
        for (priority, hours) in [(ServicePriority.urgent, Int64(1)), (.high, 4)] {
            try await exec(
                DefineSlaPolicy(
                    policyId: newID(),
                    teamId: s.careTeam,
                    criteria: SlaCriteria(priority: priority),
                    targetStage: "inProgress",
                    withinWorkingHours: hours,
                    calendarId: s.calendarId
                ),
                as: serviceManager,
                &runner
            )
        }
        for (priority, hours) in [(ServicePriority.urgent, Int64(8)), (.high, 16), (.normal, 40), (.low, 80)] {
            let policy = newID()
            try await defineSolvePolicy(
                policy,
                team: s.careTeam,
                priority: priority,
                hours: hours,
                calendar: s.calendarId,
                &runner
            )
            s.solvePolicies[priority] = policy
        }
        s.urgentRule = newID()
        try await exec(
            DefineEscalationRule(
                ruleId: s.urgentRule,
                order: 1,
                criteria: EscalationCriteria(priorities: [.urgent, .high], teamIds: [s.careTeam]),
                afterBusinessHours: 6,
                businessHoursSource: .ticketTeam,
                actions: EscalationActions(
                    reassignTo: EscalationTarget(kind: .supervisor),
                    notify: [staff.serviceManager]
                )
            ),
            as: serviceManager,
            &runner
        )
        s.complaintRule = newID()
        try await exec(
            DefineEscalationRule(
                ruleId: s.complaintRule,
                order: 2,
                criteria: EscalationCriteria(types: [.complaint], teamIds: [s.careTeam]),
                afterBusinessHours: 24,
                businessHoursSource: .calendar(s.calendarId),
                actions: EscalationActions(reassignTo: .queue(s.tier2Team), notify: [staff.serviceManager])
            ),
            as: serviceManager,
            &runner
        )
        s.categories = [newID(), newID(), newID()]
        extensions.service = s
        let titles = [
            "Resetting a user password", "Importing customers from Excel", "Configuring the sales pipeline",
            "Connecting the email gateway", "Printer driver troubleshooting", "How SLA timers count working hours",
        ]
        for (n, title) in titles.enumerated() {
            let article = try await draftArticle(title: title, &runner)
            if n < 5 { try await publishArticle(article, &runner) }
        }
        let rules: [(CareReminderKind, CareReminderParams, ReminderChannel, ReminderAssignee)] = [
            (.returnVisitAfterDays, .days(3), .inApp, .owner),
            (.birthday, .days(7), .wechat, .role(staff.loyaltyRole)),
            (.noPurchaseForMonths, .months(2), .sms, .role(staff.loyaltyRole)),
            (.followUpAfterDays, .days(30), .inApp, .role(staff.agentRole)),
            (.returnVisitAfterDays, .days(7), .inApp, .owner),
        ]
        var ids: [ID] = []
        for (kind, params, channel, assignee) in rules {
            let rule = newID()
            try await exec(
                DefineCareReminderRule(ruleId: rule, kind: kind, params: params, channel: channel, assignee: assignee),
                as: serviceManager,
                &runner
            )
            ids.append(rule)
        }
        extensions.service.ticketVisitRule = ids[0]
        extensions.service.birthdayRule = ids[1]
        extensions.service.noPurchaseRule = ids[2]
        extensions.service.followUpRule = ids[3]
        extensions.service.workOrderVisitRule = ids[4]
    }

    mutating func defineSolvePolicy(
        _ policy: ID,
        team: ID,
        priority: ServicePriority,
        hours: Int64,
        calendar: ID,
        _ runner: inout some CommandRunner
    ) async throws(RunnerError) {
        try await exec(
            DefineSlaPolicy(
                policyId: policy,
                teamId: team,
                criteria: SlaCriteria(priority: priority),
                targetStage: "solved",
                withinWorkingHours: hours,
                excludedStages: ["waitingOnCustomer"],
                calendarId: calendar
            ),
            as: serviceManager,
            &runner
        )
    }

    mutating func draftArticle(title: String, id: ID? = nil, _ runner: inout some CommandRunner)
        async throws(RunnerError) -> ID
    {
        let article = id ?? newID()
        try await exec(
            DraftKnowledgeArticle(
                articleId: article,
                title: title,
                body: "Symptoms, cause and step-by-step resolution for: \(title.lowercased()).",
                categoryId: choose(extensions.service.categories)
            ),
            as: .user(choose(extensions.staff.agents)),
            &runner
        )
        if id == nil { extensions.service.articles.append((article, title, false, false)) }
        return article
    }

    mutating func publishArticle(_ article: ID, _ runner: inout some CommandRunner) async throws(RunnerError) {
        try await exec(PublishKnowledgeArticle(articleId: article), as: serviceManager, &runner)
        if let k = extensions.service.articles.firstIndex(where: { $0.id == article }) {
            extensions.service.articles[k].published = true
        }
    }

    // MARK: Daily

    mutating func simulateService(_ day: Int, _ runner: inout some CommandRunner) async throws(RunnerError) {
        guard !customers.isEmpty else { return }
        for _ in 0..<occurrences(Double(customers.count) * 0.25 / 365) { try await openTicket(day, &runner) }
        for i in extensions.service.plans.indices
        where !extensions.service.plans[i].done && extensions.service.plans[i].nextDay <= day {
            try await advanceTicket(i, day, &runner)
        }
        try await monitorTickets(day, &runner)
        if day == g.days / 3 { try await tightenNormalSla(&runner) }
        try await maintainKnowledge(day, &runner)
    }

    mutating func openTicket(_ day: Int, _ runner: inout some CommandRunner) async throws(RunnerError) {
        let scenarios: [TicketPlan.Scenario] = [
            .standard, .waiting, .neglected, .standard, .reopen, .complaint, .field, .standard, .waiting, .field,
        ]
        let scenario = scenarios[extensions.service.scenarioNumber % scenarios.count]
        extensions.service.scenarioNumber += 1
        let k = roll(0...(customers.count - 1))
        let priority: ServicePriority
        let type: TicketType
        let category: String
        switch scenario {
        case .neglected:
            (priority, type, category) = (.high, .request, "integration")
        case .complaint:
            (priority, type, category) = (.normal, .complaint, "billing")
        case .field:
            (priority, type, category) = (choose([.normal, .high]), .request, "hardware fault")
        default:
            priority = choose([.low, .normal, .normal, .normal, .normal, .high, .urgent])
            type = choose([.question, .question, .request, .feedback])
            category = choose(["usage", "account", "data import", "reporting"])
        }
        let channel = choose(TicketChannel.allCases)
        let staff = extensions.staff
        let opener: ActorRef =
            [.phone, .walkIn, .chat].contains(channel)
            ? .user(choose(staff.agents)) : .integration(staff.serviceManager, job: "omnichannel")
        let ticket = newID()
        let subjects = [
            "hardware fault": "Label printer stops after a few pages",
            "billing": "Invoice amount does not match the contract",
            "integration": "Orders no longer sync from the ERP",
            "usage": "How to share a customer with a colleague",
            "account": "Cannot log in after password reset",
            "data import": "Excel import rejects phone numbers",
            "reporting": "Pipeline report shows last quarter",
        ]
        try await exec(
            OpenTicket(
                ticketId: ticket,
                customerId: customers[k].id,
                contactId: customers[k].contactId,
                channel: channel,
                type: type,
                category: category,
                priority: priority,
                subject: subjects[category] ?? "Question",
                description: "Reported by the customer's contact via \(channel.rawValue).",
                teamId: extensions.service.careTeam
            ),
            as: opener,
            &runner
        )
        report.tickets.append(ticket)
        let agent = staff.agents[extensions.service.turn % staff.agents.count]
        extensions.service.turn += 1
        let routed = chance(0.5)
        try await exec(
            AssignTicket(
                ticketId: ticket,
                assigneeId: agent,
                teamId: extensions.service.careTeam,
                cause: routed ? .rule : .manual
            ),
            as: routed ? .system(job: "ticket-routing") : serviceManager,
            &runner
        )
        // Normal work starts the next evening; urgent and high tickets are picked up at once (urgent ones are
        // mostly solved the same evening); a neglected ticket lies untouched for two days.
        var plan = TicketPlan(id: ticket, customerIndex: k, scenario: scenario, step: 1, nextDay: day + 1)
        if scenario == .neglected {
            plan.nextDay = day + 2
        } else if priority == .urgent || priority == .high {
            tick(30 * 60)
            try await exec(ChangeTicketStage(ticketId: ticket, toStage: "inProgress"), as: .user(agent), &runner)
            if scenario != .field && scenario != .waiting {
                plan.step = 2
                plan.nextDay = priority == .urgent && chance(0.7) ? day : day + (chance(0.75) ? 1 : 2)
            }
        }
        extensions.service.plans.append(plan)
    }

    mutating func advanceTicket(_ i: Int, _ day: Int, _ runner: inout some CommandRunner) async throws(RunnerError) {
        let plan = extensions.service.plans[i]
        guard let t = extensions.tickets[plan.id], let assignee = t.assigneeId else { return }
        let actor = ActorRef.user(assignee)
        switch plan.step {
        case 1:
            if (t.stage ?? "new") != "inProgress" {
                try await exec(ChangeTicketStage(ticketId: plan.id, toStage: "inProgress"), as: actor, &runner)
            }
            switch plan.scenario {
            case .waiting:
                tick(40 * 60)
                try await exec(ChangeTicketStage(ticketId: plan.id, toStage: "waitingOnCustomer"), as: actor, &runner)
                extensions.service.plans[i].step = 10
                extensions.service.plans[i].nextDay = day + roll(2...4)
            case .field:
                // The ticket waits (its resolution clock paused) while a technician visits.
                try await createWorkOrder(customerIndex: plan.customerIndex, ticketPlan: i, day, &runner)
                try await exec(ChangeTicketStage(ticketId: plan.id, toStage: "waitingOnCustomer"), as: actor, &runner)
                extensions.service.plans[i].step = 20
                extensions.service.plans[i].nextDay = Int.max
            case .complaint:
                extensions.service.plans[i].step = 2
                extensions.service.plans[i].nextDay = day + 2
            default:
                extensions.service.plans[i].step = 2
                extensions.service.plans[i].nextDay = day + (chance(0.8) ? 1 : 2)
            }
        case 10:
            try await exec(ChangeTicketStage(ticketId: plan.id, toStage: "inProgress"), as: actor, &runner)
            extensions.service.plans[i].step = 2
            extensions.service.plans[i].nextDay = day + 1
            if plan.scenario == .field { try await advanceTicket(i, day, &runner) }
        case 2:
            tick(20 * 60)
            try await exec(ChangeTicketStage(ticketId: plan.id, toStage: "solved"), as: actor, &runner)
            let resolution =
                plan.scenario == .field
                ? "Technician replaced the faulty part on site" : "Explained the steps and verified with the customer"
            try await exec(
                ResolveTicket(ticketId: plan.id, resolution: resolution, resolvedBy: assignee),
                as: actor,
                &runner
            )
            if plan.scenario == .complaint, !plan.reopened {
                try await grantGoodwill(customerIndex: plan.customerIndex, ticket: plan.id, &runner)
            }
            extensions.service.plans[i].step = 3
            extensions.service.plans[i].nextDay = day + 1
        case 3:
            if chance(0.7) {
                let breached = t.slas.values.contains { $0.status == .breached }
                let score = Int64(breached ? roll(1...3) : roll(3...5))
                try await exec(
                    RateTicket(ticketId: plan.id, score: score, comment: score <= 2 ? "Took far too long" : nil),
                    as: .integration(extensions.staff.serviceManager, job: "satisfaction-survey"),
                    &runner
                )
            }
            if plan.scenario == .reopen, !plan.reopened {
                try await exec(
                    ReopenTicket(ticketId: plan.id, reason: "The problem came back the next day"),
                    as: actor,
                    &runner
                )
                var worker = assignee
                if t.escalationLevel == 0, assignee != extensions.staff.serviceManager {
                    worker = extensions.staff.serviceManager
                    try await exec(
                        EscalateTicket(ticketId: plan.id, level: 1, toUserId: worker, cause: .manual),
                        as: actor,
                        &runner
                    )
                }
                try await exec(ChangeTicketStage(ticketId: plan.id, toStage: "inProgress"), as: .user(worker), &runner)
                extensions.service.plans[i].reopened = true
                extensions.service.plans[i].step = 2
                extensions.service.plans[i].nextDay = day + roll(1...2)
            } else {
                extensions.service.plans[i].step = 4
                extensions.service.plans[i].nextDay = day + roll(1...3)
            }
        case 4:
            if chance(0.6) {
                try await exec(
                    CloseTicket(ticketId: plan.id, closedBy: .auto),
                    as: .system(job: "ticket-autoclose"),
                    &runner
                )
            } else {
                try await exec(
                    CloseTicket(ticketId: plan.id, closedBy: .customer),
                    as: .integration(extensions.staff.serviceManager, job: "customer-portal"),
                    &runner
                )
            }
            extensions.service.plans[i].step = 5
            extensions.service.plans[i].nextDay = day + 3
        case 5:
            let reminder = newID()
            try await exec(
                RaiseReminder(
                    reminderId: reminder,
                    ruleId: extensions.service.ticketVisitRule,
                    subject: ReminderSubject(entityType: .ticket, entityId: plan.id),
                    ownerId: assignee,
                    asOf: date(day)
                ),
                as: .system(job: "care-reminders"),
                &runner
            )
            extensions.service.reminders.append(ReminderPlan(id: reminder, owner: assignee, day: day + roll(0...2)))
            extensions.service.plans[i].done = true
        default:
            break
        }
    }

    /// The evening SLA monitor and escalation job: breach overdue SLAs (and escalate a breached ticket to the
    /// assignee's supervisor), then apply the escalation rules to tickets open too long.
    mutating func monitorTickets(_ day: Int, _ runner: inout some CommandRunner) async throws(RunnerError) {
        let staff = extensions.staff
        let s = extensions.service
        for plan in s.plans where !plan.done {
            guard let t = extensions.tickets[plan.id], t.status == .open, let assignee = t.assigneeId else { continue }
            let now = tick()
            let overdue = t.orderedSlas.filter { $0.status == .ongoing && $0.deadline < now }
            if let first = overdue.first {
                let monitor = ActorRef.system(job: "sla-monitor")
                if overdue.count == 1, chance(0.3) {
                    try await exec(
                        BreachSla(ticketId: plan.id, policyId: first.policyId, asOf: now),
                        as: monitor,
                        at: now,
                        &runner
                    )
                } else {
                    try await exec(CheckSlaBreaches(ticketId: plan.id, asOf: now), as: monitor, at: now, &runner)
                }
                if t.escalationLevel == 0, assignee != staff.serviceManager {
                    try await exec(
                        EscalateTicket(ticketId: plan.id, level: 1, toUserId: staff.serviceManager, cause: .slaBreach),
                        as: .user(assignee),
                        &runner
                    )
                }
                continue
            }
            guard t.escalationLevel == 0, assignee != staff.serviceManager, t.teamId == s.careTeam,
                let openedAt = t.openedAt
            else { continue }
            let ageHours = s.calendar.workingMilliseconds(from: openedAt, to: now) / 3_600_000
            if t.priority == .urgent || t.priority == .high, ageHours >= 6 {
                try await exec(
                    EscalateTicket(
                        ticketId: plan.id,
                        level: 1,
                        toUserId: staff.serviceManager,
                        cause: .rule(s.urgentRule),
                        asOf: now
                    ),
                    as: .system(job: "escalation-rules"),
                    at: now,
                    &runner
                )
            } else if t.type == .complaint, assignee != staff.seniorAgent, ageHours >= 24 {
                try await exec(
                    EscalateTicket(
                        ticketId: plan.id,
                        level: 1,
                        toUserId: staff.seniorAgent,
                        cause: .rule(s.complaintRule),
                        asOf: now
                    ),
                    as: .system(job: "escalation-rules"),
                    at: now,
                    &runner
                )
                try await exec(
                    AssignTicket(
                        ticketId: plan.id,
                        assigneeId: staff.seniorAgent,
                        teamId: s.tier2Team,
                        cause: .escalation
                    ),
                    as: serviceManager,
                    &runner
                )
            }
        }
    }

    /// A third into the history the normal-priority resolution target drops from 40 to 32 working hours; open
    /// tickets still measured against the old version get the new one.
    mutating func tightenNormalSla(_ runner: inout some CommandRunner) async throws(RunnerError) {
        let s = extensions.service
        guard let policy = s.solvePolicies[.normal] else { return }
        try await defineSolvePolicy(
            policy,
            team: s.careTeam,
            priority: .normal,
            hours: 32,
            calendar: s.calendarId,
            &runner
        )
        for plan in s.plans where !plan.done {
            guard let t = extensions.tickets[plan.id], t.status != .closed, t.teamId == s.careTeam,
                let sla = t.slas[policy], !sla.status.isFinal, (t.stage ?? "new") != "solved"
            else { continue }
            try await exec(ApplySlaPolicy(ticketId: plan.id, policyId: policy), as: serviceManager, &runner)
        }
    }

    /// A new article every month from what tickets taught, a revised version now and then, one archived.
    mutating func maintainKnowledge(_ day: Int, _ runner: inout some CommandRunner) async throws(RunnerError) {
        let due = extensions.service.publishing.filter { $0.day <= day }
        extensions.service.publishing.removeAll { $0.day <= day }
        for p in due { try await publishArticle(p.article, &runner) }
        if day % 30 == 12 {
            let topics = [
                "Sharing records with a team", "Fixing stuck ERP order sync", "Reading the forecast report",
                "Label printer paper jams", "Merging duplicate customers", "Setting up WeChat login",
            ]
            let n = extensions.service.articles.count
            let article = try await draftArticle(title: "\(topics[n % topics.count]) (\(n + 1))", &runner)
            extensions.service.publishing.append((article, day + 1))
        }
        let live = extensions.service.articles.filter { $0.published && !$0.archived }
        if day % 45 == 20, let a = live.last {
            _ = try await draftArticle(title: a.title + " — updated", id: a.id, &runner)
            extensions.service.publishing.append((a.id, day + 2))
        }
        if day == g.days / 2, let a = live.first,
            !extensions.service.publishing.contains(where: { $0.article == a.id })
        {
            try await exec(ArchiveKnowledgeArticle(articleId: a.id), as: serviceManager, &runner)
            if let k = extensions.service.articles.firstIndex(where: { $0.id == a.id }) {
                extensions.service.articles[k].archived = true
            }
        }
    }

    // MARK: Care reminders

    /// The care scheduler (birthdays, members who stopped buying, customers nobody called) and owners working
    /// through their reminders.
    mutating func simulateCare(_ day: Int, _ runner: inout some CommandRunner) async throws(RunnerError) {
        let s = extensions.service
        let today = date(day)
        for c in customers {
            if let owner = c.ownerId, s.owners[c.id] != owner {
                if s.owners[c.id] != nil { extensions.service.ownerChangedDay[c.id] = day }
                extensions.service.owners[c.id] = owner
            }
        }
        let care = ActorRef.system(job: "care-reminders")
        let inAWeek = today.adding(days: 7)
        for p in extensions.loyalty.people.indices {
            let plan = extensions.loyalty.people[p]
            guard let m = extensions.members[plan.id], m.isActive else { continue }
            if plan.birthDate.month == inAWeek.month, plan.birthDate.day == inAWeek.day,
                plan.birthdayRemindedYear != inAWeek.year
            {
                try await raiseFactReminder(
                    s.birthdayRule,
                    .member,
                    plan.id,
                    owner: extensions.staff.loyaltyManager,
                    anchor: plan.birthDate,
                    day,
                    &runner
                )
                extensions.loyalty.people[p].birthdayRemindedYear = inAWeek.year
            }
            if day % 7 == 0, let last = m.lastPurchaseAt?.date, today >= last.adding(months: 2),
                plan.noPurchaseReminded != last
            {
                try await raiseFactReminder(
                    s.noPurchaseRule,
                    .member,
                    plan.id,
                    owner: extensions.staff.loyaltyManager,
                    anchor: last,
                    day,
                    &runner
                )
                extensions.loyalty.people[p].noPurchaseReminded = last
            }
        }
        if day % 7 == 3 {
            var raised = 0
            for c in customers where raised < 3 && c.ownerId != nil && !s.followUpReminded.contains(c.id) {
                let anchor = max(c.lastTouchDay, extensions.service.ownerChangedDay[c.id] ?? 0)
                guard day - anchor >= 32 else { continue }
                let reminder = newID()
                let agent = choose(extensions.staff.agents)
                try await exec(
                    RaiseReminder(
                        reminderId: reminder,
                        ruleId: s.followUpRule,
                        subject: ReminderSubject(entityType: .customer, entityId: c.id),
                        ownerId: agent,
                        asOf: today
                    ),
                    as: care,
                    &runner
                )
                extensions.service.reminders.append(ReminderPlan(id: reminder, owner: agent, day: day + roll(0...3)))
                extensions.service.followUpReminded.insert(c.id)
                raised += 1
            }
        }
        let due = extensions.service.reminders.filter { $0.day <= day }
        extensions.service.reminders.removeAll { $0.day <= day }
        for r in due {
            if !r.snoozed, chance(0.2) {
                let until = today.adding(days: 2)
                try await exec(
                    CompleteReminder(reminderId: r.id, outcome: .snoozed(until: until)),
                    as: .user(r.owner),
                    &runner
                )
                extensions.service.reminders.append(ReminderPlan(id: r.id, owner: r.owner, day: day + 2, snoozed: true))
            } else {
                try await exec(
                    CompleteReminder(reminderId: r.id, outcome: chance(0.9) ? .done : .dismissed),
                    as: .user(r.owner),
                    &runner
                )
            }
        }
    }

    /// Raises a reminder whose anchor date the scheduler read from another area (birth date, last purchase, ...).
    mutating func raiseFactReminder(
        _ rule: ID,
        _ type: ObjectType,
        _ subject: ID,
        owner: ID,
        anchor: LocalDate,
        _ day: Int,
        _ runner: inout some CommandRunner
    ) async throws(RunnerError) {
        let reminder = newID()
        try await exec(
            RaiseReminder(
                reminderId: reminder,
                ruleId: rule,
                subject: ReminderSubject(entityType: type, entityId: subject),
                ownerId: owner,
                asOf: date(day),
                facts: ReminderFacts(anchorDate: anchor)
            ),
            as: .system(job: "care-reminders"),
            &runner
        )
        extensions.service.reminders.append(ReminderPlan(id: reminder, owner: owner, day: day + roll(0...3)))
    }
}
