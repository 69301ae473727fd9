import CRMDomain

/// A lead-generation campaign of the plan: its window, budget and what has been spent on it.
struct CampaignPlan {
    let id: ID
    let name: String
    let channel: CampaignChannel
    let keywords: [String]
    var budget: Int64
    let expectedRevenue: Int64
    let createDay: Int
    let fromDay: Int
    let toDay: Int
    let from: LocalDate
    let to: LocalDate
    /// Days the campaign is put on hold (inactive); no lead is attributed to it then.
    var pause: ClosedRange<Int>?
    var pauseDates: ClosedRange<LocalDate>?
    var spent: Int64 = 0
    var byKeyword: [String: Int64] = [:]
    var byChannel: [CampaignChannel: Int64] = [:]

    func isRunning(on date: LocalDate) -> Bool {
        date >= from && date <= to && !(pauseDates?.contains(date) ?? false)
    }
}

/// An engagement the gateway will report on `day`.
struct PendingEngagement {
    let day: Int
    let sendId: ID
    let address: String
    let kind: MessageEngagementKind
    let bounce: MessageBounce?
    let url: String?
}

struct MarketingState {
    var parent = ID(0)
    var emailTemplate = ID(0)
    var emailVersion: Int64 = 0
    var smsTemplate = ID(0)
    var dealtSegment = ID(0)
    var pending: [PendingEngagement] = []
    /// `channel:address` that opted out or bounced hard: nobody sends to them again.
    var suppressed: Set<String> = []
    var costNumber = 0
}

extension World {
    static let searchKeywords = ["crm software", "sales management system", "customer management", "crm trial"]

    // MARK: Setup

    /// The campaign plan (one campaign a quarter under an always-on parent), audience segments and templates.
    mutating func setUpMarketing(_ runner: inout some CommandRunner) async throws(RunnerError) {
        let marketer = ActorRef.user(extensions.staff.marketer)
        let scale = Int64(max(1, g.size / 300))
        let kinds: [(CampaignChannel, String, [String])] = [
            (.searchAds, "Search ads", Self.searchKeywords),
            (.event, "Industry expo", ["expo booth", "crm demo day"]),
            (.social, "WeChat moments", ["wechat crm", "crm trial"]),
            (.email, "Newsletter drive", ["crm newsletter", "customer management"]),
        ]
        var plans: [CampaignPlan] = []
        var quarter = 0
        while quarter * 90 + 10 < g.days {
            let fromDay = quarter * 90 + 5
            let toDay = min(quarter * 90 + 75, g.days - 1)
            let (channel, title, keywords) = kinds[quarter % kinds.count]
            let budget = Self.kCNY(roll(60...150)) * scale
            var plan = CampaignPlan(
                id: newID(),
                name: "\(title) \(date(fromDay).year) Q\((date(fromDay).month - 1) / 3 + 1)",
                channel: channel,
                keywords: keywords,
                budget: budget,
                expectedRevenue: budget * Int64(roll(4...9)),
                createDay: max(0, fromDay - 14),
                fromDay: fromDay,
                toDay: toDay,
                from: date(fromDay),
                to: date(toDay)
            )
            if quarter == 0, toDay - fromDay > 45 {
                plan.pause = (fromDay + 35)...(fromDay + 38)
                plan.pauseDates = date(fromDay + 35)...date(fromDay + 38)
            }
            plans.append(plan)
            quarter += 1
        }
        extensions.campaigns = plans
        let parent = newID()
        extensions.marketing.parent = parent
        try await exec(
            CreateCampaign(
                campaignId: parent,
                name: "Always-on demand generation",
                channelType: .other,
                budget: .cny(plans.reduce(0) { $0 + $1.budget } * 12 / 10),
                expectedRevenue: .cny(plans.reduce(0) { $0 + $1.expectedRevenue }),
                startDate: date(0),
                endDate: date(g.days - 1),
                ownerId: extensions.staff.marketer
            ),
            as: marketer,
            &runner
        )
        try await exec(ChangeCampaignStatus(campaignId: parent, to: .active), as: marketer, &runner)
        extensions.marketing.dealtSegment = newID()
        try await exec(
            DefineAudienceList(
                listId: extensions.marketing.dealtSegment,
                name: "Customers with a signed contract",
                segmentCriteria: [FieldCriterion(field: "customer.dealt", op: .equals, value: "true")]
            ),
            as: marketer,
            &runner
        )
        extensions.marketing.emailTemplate = newID()
        try await defineEmailTemplate(version: 1, &runner)
        extensions.marketing.smsTemplate = newID()
        try await exec(
            DefineMessageTemplate(
                templateId: extensions.marketing.smsTemplate,
                version: 1,
                channel: .sms,
                body: "【Huaxin】Hi {{name}}, {{campaign}}: double points on consumables at Huaxin stores this month. "
                    + "Reply TD to opt out",
                variables: [
                    MessageTemplateVariable(name: "name", source: "member.name", fallback: "member"),
                    MessageTemplateVariable(name: "campaign", source: "campaign.name", fallback: nil),
                ]
            ),
            as: marketer,
            &runner
        )
    }

    mutating func defineEmailTemplate(version: Int64, _ runner: inout some CommandRunner) async throws(RunnerError) {
        let body =
            version == 1
            ? "Dear {{contact_name}},\n\n{{campaign}} brings new ways for {{company}} to grow its sales. "
                + "Book a demo with our team today.\n\nUnsubscribe: {{unsubscribe}}"
            : "Dear {{contact_name}},\n\nCustomers like {{company}} closed deals 20 % faster this year. "
                + "{{campaign}}: see how in a 30-minute demo.\n\nNot interested? {{unsubscribe}}"
        try await exec(
            DefineMessageTemplate(
                templateId: extensions.marketing.emailTemplate,
                version: version,
                channel: .email,
                subject: version == 1 ? "{{contact_name}}, see what's new in Huaxin CRM" : "{{company}} + Huaxin CRM",
                body: body,
                variables: [
                    MessageTemplateVariable(name: "contact_name", source: "contact.name", fallback: "customer"),
                    MessageTemplateVariable(name: "company", source: "customer.name", fallback: "your company"),
                    MessageTemplateVariable(name: "campaign", source: "campaign.name", fallback: nil),
                    MessageTemplateVariable(name: "unsubscribe", source: "unsubscribe.url", fallback: nil),
                ]
            ),
            as: .user(extensions.staff.marketer),
            &runner
        )
        extensions.marketing.emailVersion = version
    }

    // MARK: Daily

    mutating func simulateMarketing(_ day: Int, _ runner: inout some CommandRunner) async throws(RunnerError) {
        try await reportEngagements(day, &runner)
        let marketer = ActorRef.user(extensions.staff.marketer)
        for i in extensions.campaigns.indices {
            let c = extensions.campaigns[i]
            if day == c.createDay {
                try await exec(
                    CreateCampaign(
                        campaignId: c.id,
                        name: c.name,
                        channelType: c.channel,
                        parentCampaignId: extensions.marketing.parent,
                        budget: .cny(c.budget),
                        expectedRevenue: .cny(c.expectedRevenue),
                        expectedCost: .cny(c.budget * 9 / 10),
                        startDate: c.from,
                        endDate: c.to,
                        ownerId: extensions.staff.marketer,
                        keywords: c.keywords
                    ),
                    as: marketer,
                    &runner
                )
            }
            if day == c.fromDay - 1 {
                try await exec(ChangeCampaignStatus(campaignId: c.id, to: .active), as: marketer, &runner)
            }
            if let pause = c.pause, day == pause.lowerBound - 1 {
                try await exec(ChangeCampaignStatus(campaignId: c.id, to: .inactive), as: marketer, &runner)
            }
            if let pause = c.pause, day == pause.upperBound {
                try await exec(ChangeCampaignStatus(campaignId: c.id, to: .active), as: marketer, &runner)
            }
            guard day >= c.fromDay && day <= c.toDay else { continue }
            if (day - c.fromDay) % 7 == 6 { try await recordWeeklyCosts(i, day, &runner) }
            if i == 1, day == c.fromDay + 20 {
                let budget = c.budget * 12 / 10
                try await exec(
                    UpdateCampaign(
                        campaignId: c.id,
                        budget: .cny(budget),
                        expectedRevenue: .cny(c.expectedRevenue * 11 / 10)
                    ),
                    as: marketer,
                    &runner
                )
                extensions.campaigns[i].budget = budget
            }
            if c.pause?.contains(day) != true {
                if day == c.fromDay + 10 || day == c.fromDay + 45 { try await massSend(i, .email, day, &runner) }
                if day == c.fromDay + 30 { try await massSend(i, .sms, day, &runner) }
            }
            if day == c.toDay { try await closeCampaign(i, day, &runner) }
        }
        if day == g.days / 2 { try await defineEmailTemplate(version: 2, &runner) }
        if day == g.days - 1 {
            try await exec(
                ChangeCampaignStatus(campaignId: extensions.marketing.parent, to: .completed),
                as: marketer,
                &runner
            )
        }
    }

    /// The week's media invoices: per keyword for search ads, per channel otherwise, within the budget.
    mutating func recordWeeklyCosts(_ i: Int, _ day: Int, _ runner: inout some CommandRunner) async throws(RunnerError)
    {
        let c = extensions.campaigns[i]
        let weeks = Int64(max(1, (c.toDay - c.fromDay + 1) / 7))
        let weekly = c.budget * 9 / 10 / weeks
        var lines: [(keyword: String?, channel: CampaignChannel, share: Int64)] = []
        switch c.channel {
        case .searchAds:
            for k in c.keywords { lines.append((k, .searchAds, weekly / Int64(c.keywords.count))) }
        case .event:
            lines = [(nil, .event, weekly * 7 / 10), (c.keywords[0], .mail, weekly * 3 / 10)]
        default:
            lines = [(nil, c.channel, weekly * 8 / 10), (c.keywords[0], .searchAds, weekly * 2 / 10)]
        }
        for line in lines {
            let amount = min(line.share * Int64(roll(70...120)) / 100, c.budget - extensions.campaigns[i].spent)
            guard amount >= 100 else { continue }
            try await bookCost(i, amount, keyword: line.keyword, channel: line.channel, day: day, &runner)
        }
    }

    mutating func bookCost(
        _ i: Int,
        _ amount: Int64,
        keyword: String?,
        channel: CampaignChannel,
        day: Int,
        override: Bool = false,
        _ runner: inout some CommandRunner
    ) async throws(RunnerError) {
        extensions.marketing.costNumber += 1
        let actor = ActorRef.user(override ? company.ceo : extensions.staff.marketer)
        try await exec(
            RecordCampaignCost(
                campaignId: extensions.campaigns[i].id,
                costId: newID(),
                amount: .cny(amount),
                incurredOn: date(day),
                keyword: keyword,
                channel: channel,
                vendorRef: "INV-\(date(day).year)-\(extensions.marketing.costNumber)",
                overBudgetOverride: override
            ),
            as: actor,
            &runner
        )
        extensions.campaigns[i].spent += amount
        if let keyword { extensions.campaigns[i].byKeyword[keyword, default: 0] += amount }
        extensions.campaigns[i].byChannel[channel, default: 0] += amount
    }

    /// The campaign's last day: a credit note from the top keyword's vendor, for the expo an approved overrun,
    /// then completion.
    mutating func closeCampaign(_ i: Int, _ day: Int, _ runner: inout some CommandRunner) async throws(RunnerError) {
        let c = extensions.campaigns[i]
        if let (keyword, total) = c.byKeyword.max(by: { ($0.value, $0.key) < ($1.value, $1.key) }), total >= 1_000 {
            let channel =
                c.channel == .searchAds ? CampaignChannel.searchAds : (c.channel == .event ? .mail : .searchAds)
            let credit = min(total / 10, c.byChannel[channel] ?? 0)
            if credit > 0 { try await bookCost(i, -credit, keyword: keyword, channel: channel, day: day, &runner) }
        }
        if c.channel == .event {
            let ceiling = CampaignCostPolicy.ceilingMinor(budgetMinor: c.budget)
            let overrun = ceiling - extensions.campaigns[i].spent + Self.kCNY(5)
            try await bookCost(i, overrun, keyword: nil, channel: .event, day: day, override: true, &runner)
        }
        try await exec(
            ChangeCampaignStatus(campaignId: c.id, to: .completed),
            as: .user(extensions.staff.marketer),
            &runner
        )
    }

    // MARK: Mass sends

    /// Schedules a send of the campaign to customers' contacts (email, a static list) or to members (SMS, a
    /// segment), records each message and queues what the gateway will report about it.
    mutating func massSend(
        _ i: Int,
        _ channel: MessageChannel,
        _ day: Int,
        _ runner: inout some CommandRunner
    ) async throws(RunnerError) {
        let marketer = ActorRef.user(extensions.staff.marketer)
        let gateway = ActorRef.integration(
            extensions.staff.marketer,
            job: channel == .email ? "email-gateway" : "sms-gateway"
        )
        var recipients: [MessageRecipientRef] = []
        switch channel {
        case .email:
            for (k, c) in customers.enumerated() {
                let address = contactEmail(k)
                guard !extensions.marketing.suppressed.contains("email:\(address)") else { continue }
                recipients.append(MessageRecipientRef(entityType: .contact, entityId: c.contactId, address: address))
            }
        case .sms:
            for m in extensions.loyalty.people where extensions.members[m.id]?.isActive == true {
                let address = contactMobile(m.customerIndex)
                guard !extensions.marketing.suppressed.contains("sms:\(address)") else { continue }
                recipients.append(MessageRecipientRef(entityType: .member, entityId: m.id, address: address))
            }
        }
        guard !recipients.isEmpty else { return }
        let audience: MassSendAudience
        if channel == .email {
            let list = newID()
            try await exec(
                DefineAudienceList(
                    listId: list,
                    name: "\(extensions.campaigns[i].name) — contacts \(date(day))",
                    members: recipients
                ),
                as: marketer,
                &runner
            )
            audience = .list(list)
        } else {
            audience = .segment([
                FieldCriterion(field: "member.programId", op: .equals, value: extensions.loyalty.program.description)
            ])
        }
        let sendId = newID()
        let now = tick()
        let scheduledAt = now.adding(minutes: 15)
        try await exec(
            ScheduleMassSend(
                sendId: sendId,
                campaignId: extensions.campaigns[i].id,
                templateId: channel == .email ? extensions.marketing.emailTemplate : extensions.marketing.smsTemplate,
                templateVersion: channel == .email ? extensions.marketing.emailVersion : 1,
                channel: channel,
                audience: audience,
                scheduledAt: scheduledAt,
                sender: channel == .email ? "news@huaxin-crm.example.cn" : "106900008888"
            ),
            as: marketer,
            at: now,
            &runner
        )
        extensions.clock = scheduledAt
        for r in recipients {
            let sentAt = tick(5)
            try await exec(
                RecordMessageSent(sendId: sendId, recipient: r, sentAt: sentAt),
                as: gateway,
                at: sentAt,
                &runner
            )
            queueEngagements(sendId, r.address, channel, day)
        }
    }

    /// Decides what happens to one message: delivered or bounced, then opened, clicked, opted out.
    mutating func queueEngagements(_ sendId: ID, _ address: String, _ channel: MessageChannel, _ day: Int) {
        func add(_ d: Int, _ kind: MessageEngagementKind, bounce: MessageBounce? = nil, url: String? = nil) {
            extensions.marketing.pending.append(
                PendingEngagement(day: day + d, sendId: sendId, address: address, kind: kind, bounce: bounce, url: url)
            )
        }
        if chance(channel == .email ? 0.06 : 0.03) {
            let hard = chance(0.4)
            add(0, .bounced, bounce: hard ? .hard : .soft)
            if hard { extensions.marketing.suppressed.insert("\(channel.rawValue):\(address)") }
            return
        }
        add(0, .delivered)
        let url = channel == .email ? "https://huaxin-crm.example.cn/demo" : "https://hx.example.cn/s/2x"
        if channel == .email, chance(0.35) {
            let later = roll(0...3)
            add(later, .opened)
            if chance(0.3) { add(later, .clicked, url: url) }
        } else if channel == .sms, chance(0.08) {
            add(roll(0...2), .clicked, url: url)
        }
        if chance(0.02) {
            add(roll(0...3), .optedOut)
            extensions.marketing.suppressed.insert("\(channel.rawValue):\(address)")
        } else if chance(0.01) {
            add(roll(1...3), .replied)
        }
    }

    mutating func reportEngagements(_ day: Int, _ runner: inout some CommandRunner) async throws(RunnerError) {
        let due = extensions.marketing.pending.filter { $0.day <= day }
        guard !due.isEmpty else { return }
        extensions.marketing.pending.removeAll { $0.day <= day }
        for e in due {
            let at = tick(5)
            try await exec(
                RecordMessageEngagement(
                    sendId: e.sendId,
                    address: e.address,
                    kind: e.kind,
                    bounce: e.bounce,
                    url: e.url,
                    at: at
                ),
                as: .integration(extensions.staff.marketer, job: "message-gateway"),
                at: at,
                &runner
            )
        }
    }
}
