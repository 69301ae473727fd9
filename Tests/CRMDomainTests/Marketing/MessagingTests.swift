import CRMDomain
import Testing

@Suite struct MessagingTests {
    typealias T = LoyaltyTesting
    let t0 = LoyaltyTesting.t0
    let sys = LoyaltyTesting.system
    let campaign = ID(700)
    let emailTemplate = ID(710)
    let smsTemplate = ID(711)
    let list = ID(720)
    let send = ID(730)
    let ann = ID(100)
    let eve = ID(102)
    let annContact = ID(110)
    let eveContact = ID(111)
    var annRecipient: MessageRecipientRef {
        MessageRecipientRef(entityType: .customer, entityId: ann, address: "Ann@Example.com")
    }

    let welcome = DefineMessageTemplate(
        templateId: ID(710),
        version: 1,
        channel: .email,
        subject: "{{name}}, spring tea is here",
        body: "Dear {{name}}, you hold {{points}} leaves. Unsubscribe: {{unsub}}",
        variables: [
            MessageTemplateVariable(name: "name", source: "customer.name", fallback: "tea lover"),
            MessageTemplateVariable(name: "points", source: "member.pointsBalance", fallback: "0"),
            MessageTemplateVariable(name: "unsub", source: "unsubscribe.url", fallback: nil),
        ]
    )

    func world(activate: Bool = true) throws -> InMemoryDomainStore {
        var store = try T.storeWithUsers()
        try store.execute(
            CreateCampaign(
                campaignId: campaign,
                name: "Spring tea",
                channelType: .email,
                budget: .cny(1_000_000),
                startDate: LocalDate(2026, 3, 1),
                endDate: LocalDate(2026, 4, 30),
                ownerId: T.ops
            ),
            as: sys,
            at: t0
        )
        if activate { try store.execute(ChangeCampaignStatus(campaignId: campaign, to: .active), as: sys, at: t0) }
        try store.execute(welcome, as: sys, at: t0)
        T.givenCustomer(&store, ann, name: "Ann")
        T.givenCustomer(&store, eve, name: "Eve", blacklisted: true)
        store.given(
            [
                ContactAdded(
                    contactId: annContact,
                    customerId: ann,
                    name: "Ann",
                    title: "",
                    department: "",
                    phones: [],
                    email: "ann@work.cn",
                    reportsToContactId: nil,
                    role: nil
                )
            ],
            on: StreamRef("contact", annContact.description)
        )
        store.given(
            [
                ContactAdded(
                    contactId: eveContact,
                    customerId: eve,
                    name: "Eve",
                    title: "",
                    department: "",
                    phones: [],
                    email: "eve@work.cn",
                    reportsToContactId: nil,
                    role: nil
                )
            ],
            on: StreamRef("contact", eveContact.description)
        )
        try store.execute(
            DefineAudienceList(listId: list, name: "Spring list", members: [annRecipient]),
            as: sys,
            at: t0
        )
        return store
    }

    func schedule(at: Timestamp? = nil, channel: MessageChannel = .email, version: Int64 = 1, template: ID? = nil)
        -> ScheduleMassSend
    {
        ScheduleMassSend(
            sendId: send,
            campaignId: campaign,
            templateId: template ?? emailTemplate,
            templateVersion: version,
            channel: channel,
            audience: .list(list),
            scheduledAt: at ?? t0.adding(hours: 1),
            sender: "news@teaclub.cn"
        )
    }

    // MARK: MKT-05

    @Test func aSegmentListNamesExistingFieldsWithFittingOperatorsAndValues() throws {
        var store = try world()
        let criteria = [
            FieldCriterion(field: "member.daysSinceLastPurchase", op: .greaterThan, value: "90"),
            FieldCriterion(field: "customer.level", op: .equals, value: "A"),
        ]
        let out = try store.execute(
            DefineAudienceList(listId: ID(721), name: "Dormant A", segmentCriteria: criteria),
            as: .user(T.ops),
            at: t0
        )
        #expect(
            T.events(out) == [
                AudienceListDefined(listId: ID(721), name: "Dormant A", members: nil, segmentCriteria: criteria)
            ]
        )
        #expect(T.streams(out) == ["audienceList-\(ID(721))"])
        T.expectRejected(
            &store,
            DefineAudienceList(
                listId: ID(722),
                name: "x",
                segmentCriteria: [FieldCriterion(field: "customer.shoeSize", op: .equals, value: "42")]
            ),
            rule: "MKT-05.criteriaFieldExists",
            kind: .invariantViolated
        )
        T.expectRejected(
            &store,
            DefineAudienceList(
                listId: ID(722),
                name: "x",
                segmentCriteria: [FieldCriterion(field: "customer.dealt", op: .greaterThan, value: "true")]
            ),
            rule: "MKT-05.criteriaOperator",
            kind: .invalidInput
        )
        T.expectRejected(
            &store,
            DefineAudienceList(
                listId: ID(722),
                name: "x",
                segmentCriteria: [FieldCriterion(field: "member.pointsBalance", op: .lessThan, value: "many")]
            ),
            rule: "MKT-05.criteriaValue",
            kind: .invalidInput
        )
    }

    @Test func aListIsEitherStaticOrASegment() throws {
        var store = try world()
        T.expectRejected(
            &store,
            DefineAudienceList(
                listId: ID(722),
                name: "x",
                members: [annRecipient],
                segmentCriteria: [FieldCriterion(field: "customer.level", op: .equals, value: "A")]
            ),
            rule: "MKT-05.membersOrCriteria",
            kind: .invalidInput
        )
        T.expectRejected(
            &store,
            DefineAudienceList(listId: ID(722), name: "x", members: []),
            rule: "MKT-05.membersOrCriteria",
            kind: .invalidInput
        )
        T.expectRejected(
            &store,
            DefineAudienceList(listId: ID(722), name: "x", members: [annRecipient, annRecipient]),
            rule: "MKT-05.memberUnique",
            kind: .invalidInput
        )
        T.expectRejected(
            &store,
            DefineAudienceList(listId: list, name: "again", members: [annRecipient]),
            rule: "MKT-05.listIdUnique",
            kind: .alreadyExists
        )
        T.expectRejected(
            &store,
            DefineAudienceList(listId: ID(722), name: "x", members: [annRecipient]),
            as: .user(T.viewer),
            rule: "MKT-05.perm",
            kind: .accessDenied
        )
        #expect(store.state(AudienceList.self, list)?.contains(entityId: ann) == true)
    }

    // MARK: MKT-06

    @Test func aTemplateWhosePlaceholdersAreAllDeclaredIsDefined() throws {
        var store = try T.storeWithUsers()
        let out = try store.execute(welcome, as: .user(T.ops), at: t0)
        #expect(
            T.events(out) == [
                MessageTemplateDefined(
                    templateId: emailTemplate,
                    version: 1,
                    channel: .email,
                    subject: welcome.subject,
                    body: welcome.body,
                    variables: welcome.variables
                )
            ]
        )
        let v2 = DefineMessageTemplate(
            templateId: emailTemplate,
            version: 2,
            channel: .email,
            subject: "Hi",
            body: "Hello",
            variables: []
        )
        try store.execute(v2, as: sys, at: t0)
        #expect(store.state(MessageTemplate.self, emailTemplate)?.latestVersion == 2)
    }

    @Test func unresolvablePlaceholdersAreRejected() throws {
        var store = try T.storeWithUsers()
        func template(_ body: String, _ vars: [MessageTemplateVariable] = []) -> DefineMessageTemplate {
            DefineMessageTemplate(
                templateId: emailTemplate,
                version: 1,
                channel: .email,
                subject: "Hi",
                body: body,
                variables: vars
            )
        }
        T.expectRejected(
            &store,
            template("Dear {{name}}"),
            rule: "MKT-06.placeholdersResolvable",
            kind: .invariantViolated
        )
        T.expectRejected(
            &store,
            template("Dear {{name"),
            rule: "MKT-06.placeholdersResolvable",
            kind: .invariantViolated
        )
        T.expectRejected(
            &store,
            template("Dear {{ 1x }}"),
            rule: "MKT-06.placeholdersResolvable",
            kind: .invariantViolated
        )
        T.expectRejected(
            &store,
            template(
                "Dear {{name}}",
                [MessageTemplateVariable(name: "name", source: "customer.shoeSize", fallback: nil)]
            ),
            rule: "MKT-06.placeholdersResolvable",
            kind: .invariantViolated
        )
        T.expectRejected(
            &store,
            template(
                "x",
                [
                    MessageTemplateVariable(name: "a", source: "customer.name", fallback: nil),
                    MessageTemplateVariable(name: "a", source: "contact.name", fallback: nil),
                ]
            ),
            rule: "MKT-06.variables",
            kind: .invalidInput
        )
        try store.execute(
            template(
                "Dear {{ name }}",
                [MessageTemplateVariable(name: "name", source: "customer.name", fallback: nil)]
            ),
            as: sys,
            at: t0
        )
    }

    @Test func smsTemplatesNeedASignatureNoSubjectAndALimitedLength() throws {
        var store = try T.storeWithUsers()
        func sms(_ body: String, subject: String? = nil) -> DefineMessageTemplate {
            DefineMessageTemplate(
                templateId: smsTemplate,
                version: 1,
                channel: .sms,
                subject: subject,
                body: body,
                variables: []
            )
        }
        T.expectRejected(
            &store,
            sms("Spring tea is here. Reply T to stop"),
            rule: "MKT-06.smsSignature",
            kind: .invariantViolated
        )
        T.expectRejected(&store, sms("【】Spring tea"), rule: "MKT-06.smsSignature", kind: .invariantViolated)
        T.expectRejected(&store, sms("【Tea Club】hi", subject: "Hi"), rule: "MKT-06.smsNoSubject", kind: .invalidInput)
        T.expectRejected(
            &store,
            sms("【Tea Club】" + String(repeating: "茶", count: SmsRules.maxLength)),
            rule: "MKT-06.smsLength",
            kind: .invariantViolated
        )
        let out = try store.execute(sms("【Tea Club】Spring tea is here. Reply T to stop"), as: sys, at: t0)
        #expect(out.count == 1)
        #expect(SmsRules.hasSignature("Spring tea is here【Tea Club】"))
    }

    @Test func templateVersionsAreSequentialAndKeepTheirChannel() throws {
        var store = try T.storeWithUsers()
        T.expectRejected(
            &store,
            DefineMessageTemplate(
                templateId: emailTemplate,
                version: 2,
                channel: .email,
                subject: "Hi",
                body: "x",
                variables: []
            ),
            rule: "MKT-06.versionSequence",
            kind: .invariantViolated
        )
        try store.execute(welcome, as: sys, at: t0)
        T.expectRejected(
            &store,
            DefineMessageTemplate(templateId: emailTemplate, version: 2, channel: .sms, body: "【Tea】x", variables: []),
            rule: "MKT-06.channelFixed",
            kind: .invalidInput
        )
        T.expectRejected(
            &store,
            DefineMessageTemplate(
                templateId: emailTemplate,
                version: 2,
                channel: .email,
                subject: nil,
                body: "x",
                variables: []
            ),
            rule: "MKT-06.emailSubject",
            kind: .invalidInput
        )
    }

    @Test func placeholdersAreFoundAndRendered() {
        let found = MessageTemplateText.placeholders(in: "{{a}} and {{ b }} and {{a}}")
        #expect(found.names == ["a", "b", "a"])
        #expect(found.malformed.isEmpty)
        #expect(MessageTemplateText.render("Hi {{ who }}, {{x}}", values: ["who": "Ann"]) == "Hi Ann, {{x}}")
    }

    // MARK: MKT-07

    @Test func aSendIsScheduledForAnActiveCampaignWithAMatchingTemplate() throws {
        var store = try world()
        let out = try store.execute(schedule(), as: .user(T.ops), at: t0)
        #expect(
            T.events(out) == [
                MassSendScheduled(
                    sendId: send,
                    campaignId: campaign,
                    templateId: emailTemplate,
                    templateVersion: 1,
                    channel: .email,
                    audience: .list(list),
                    scheduledAt: t0.adding(hours: 1),
                    sender: "news@teaclub.cn"
                )
            ]
        )
        #expect(T.streams(out) == ["massSend-\(send)"])
    }

    @Test func theTemplateChannelMustBeTheSendChannel() throws {
        var store = try world()
        T.expectRejected(&store, schedule(channel: .sms), rule: "MKT-07.templateChannel", kind: .invariantViolated)
    }

    @Test func theCampaignMustBeActive() throws {
        var store = try world(activate: false)
        T.expectRejected(&store, schedule(), rule: "MKT-07.campaignActive", kind: .invalidState)
    }

    @Test func aSendCannotBeScheduledInThePast() throws {
        var store = try world()
        T.expectRejected(
            &store,
            schedule(at: t0.adding(minutes: -1)),
            rule: "MKT-07.scheduledNotInPast",
            kind: .invariantViolated
        )
        try store.execute(schedule(at: t0), as: sys, at: t0)
    }

    @Test func badSendInputIsRejected() throws {
        var store = try world()
        T.expectRejected(&store, schedule(version: 2), rule: "MKT-07.templateExists", kind: .notFound)
        var bad = ScheduleMassSend(
            sendId: send,
            campaignId: campaign,
            templateId: emailTemplate,
            templateVersion: 1,
            channel: .email,
            audience: .list(ID(729)),
            scheduledAt: t0,
            sender: "news@teaclub.cn"
        )
        T.expectRejected(&store, bad, rule: "MKT-07.audienceExists", kind: .notFound)
        bad = ScheduleMassSend(
            sendId: send,
            campaignId: campaign,
            templateId: emailTemplate,
            templateVersion: 1,
            channel: .email,
            audience: .segment([FieldCriterion(field: "nope", op: .equals, value: "1")]),
            scheduledAt: t0,
            sender: "news@teaclub.cn"
        )
        T.expectRejected(&store, bad, rule: "MKT-07.criteriaFieldExists", kind: .invariantViolated)
        bad = ScheduleMassSend(
            sendId: send,
            campaignId: campaign,
            templateId: emailTemplate,
            templateVersion: 1,
            channel: .email,
            audience: .list(list),
            scheduledAt: t0,
            sender: "Tea Club"
        )
        T.expectRejected(&store, bad, rule: "MKT-07.sender", kind: .invalidInput)
        try store.execute(schedule(), as: sys, at: t0)
        T.expectRejected(&store, schedule(), rule: "MKT-07.sendIdUnique", kind: .alreadyExists)
    }

    // MARK: MKT-08

    func sent(_ store: inout InMemoryDomainStore) throws {
        try store.execute(schedule(at: t0), as: sys, at: t0)
    }

    @Test func aMessageIsSentOncePerRecipientAndSend() throws {
        var store = try world()
        try sent(&store)
        let at = t0.adding(minutes: 5)
        let out = try store.execute(
            RecordMessageSent(sendId: send, recipient: annRecipient, sentAt: at),
            as: sys,
            at: at
        )
        #expect(T.events(out) == [MessageSent(sendId: send, recipient: annRecipient, channel: .email, sentAt: at)])
        #expect(T.streams(out) == ["messageRecipient-email:ann@example.com"])
        #expect(
            store.children(of: StreamRef("massSend", send.description), category: "messageRecipient") == [out[0].stream]
        )
        let sameAddress = MessageRecipientRef(entityType: .contact, entityId: annContact, address: " ann@example.COM ")
        T.expectRejected(
            &store,
            RecordMessageSent(sendId: send, recipient: sameAddress, sentAt: at),
            at: at,
            rule: "MKT-08.oncePerSend",
            kind: .alreadyExists
        )
        let otherAddress = MessageRecipientRef(entityType: .contact, entityId: annContact, address: "ann@work.cn")
        #expect(
            try store.execute(RecordMessageSent(sendId: send, recipient: otherAddress, sentAt: at), as: sys, at: at)
                .count == 1
        )
    }

    @Test func aBlacklistedCustomerGetsNoMessageDirectlyOrThroughItsContacts() throws {
        var store = try world()
        try sent(&store)
        let at = t0.adding(minutes: 5)
        T.expectRejected(
            &store,
            RecordMessageSent(
                sendId: send,
                recipient: MessageRecipientRef(entityType: .customer, entityId: eve, address: "eve@home.cn"),
                sentAt: at
            ),
            at: at,
            rule: "MKT-08.notBlacklisted",
            kind: .invariantViolated
        )
        T.expectRejected(
            &store,
            RecordMessageSent(
                sendId: send,
                recipient: MessageRecipientRef(entityType: .contact, entityId: eveContact, address: "eve@work.cn"),
                sentAt: at
            ),
            at: at,
            rule: "MKT-08.notBlacklisted",
            kind: .invariantViolated
        )
    }

    @Test func anOptedOutAddressGetsNoFurtherMessages() throws {
        var store = try world()
        try sent(&store)
        let at = t0.adding(minutes: 5)
        try store.execute(RecordMessageSent(sendId: send, recipient: annRecipient, sentAt: at), as: sys, at: at)
        let optOutAt = at.adding(hours: 2)
        let out = try store.execute(
            RecordMessageEngagement(sendId: send, address: "ann@example.com", kind: .optedOut, at: optOutAt),
            as: sys,
            at: optOutAt
        )
        #expect(
            T.events(out) == [
                MessageEngagementRecorded(
                    sendId: send,
                    recipient: annRecipient,
                    kind: .optedOut,
                    bounce: nil,
                    url: nil,
                    at: optOutAt
                )
            ]
        )
        let second = ID(731)
        try store.execute(
            ScheduleMassSend(
                sendId: second,
                campaignId: campaign,
                templateId: emailTemplate,
                templateVersion: 1,
                channel: .email,
                audience: .list(list),
                scheduledAt: optOutAt,
                sender: "news@teaclub.cn"
            ),
            as: sys,
            at: optOutAt
        )
        T.expectRejected(
            &store,
            RecordMessageSent(sendId: second, recipient: annRecipient, sentAt: optOutAt),
            at: optOutAt,
            rule: "MKT-08.notOptedOut",
            kind: .invariantViolated
        )
        let ok = MessageRecipientRef(entityType: .contact, entityId: annContact, address: "ann@work.cn")
        #expect(
            try store.execute(RecordMessageSent(sendId: second, recipient: ok, sentAt: optOutAt), as: sys, at: optOutAt)
                .count == 1
        )
    }

    @Test func badSentInputIsRejected() throws {
        var store = try world()
        let at = t0.adding(minutes: 5)
        T.expectRejected(
            &store,
            RecordMessageSent(sendId: send, recipient: annRecipient, sentAt: at),
            at: at,
            rule: "MKT-08.sendExists",
            kind: .notFound
        )
        try sent(&store)
        T.expectRejected(
            &store,
            RecordMessageSent(
                sendId: send,
                recipient: MessageRecipientRef(entityType: .customer, entityId: ann, address: "not-an-email"),
                sentAt: at
            ),
            at: at,
            rule: "MKT-08.address",
            kind: .invalidInput
        )
        T.expectRejected(
            &store,
            RecordMessageSent(
                sendId: send,
                recipient: MessageRecipientRef(entityType: .customer, entityId: ID(199), address: "x@y.cn"),
                sentAt: at
            ),
            at: at,
            rule: "MKT-08.recipientExists",
            kind: .notFound
        )
        T.expectRejected(
            &store,
            RecordMessageSent(sendId: send, recipient: annRecipient, sentAt: t0.adding(minutes: -1)),
            at: at,
            rule: "MKT-08.sentAt",
            kind: .invariantViolated
        )
        #expect(MessageAddress.isMobile("+86 138-0013-8000"))
        #expect(!MessageAddress.isMobile("12ab"))
    }

    // MARK: MKT-09

    @Test func engagementIsRecordedOnlyForASentMessage() throws {
        var store = try world()
        try sent(&store)
        let at = t0.adding(minutes: 5)
        T.expectRejected(
            &store,
            RecordMessageEngagement(sendId: send, address: "ann@example.com", kind: .opened, at: at),
            at: at,
            rule: "MKT-09.messageSent",
            kind: .invalidState
        )
        try store.execute(RecordMessageSent(sendId: send, recipient: annRecipient, sentAt: at), as: sys, at: at)
        let out = try store.execute(
            RecordMessageEngagement(
                sendId: send,
                address: "ANN@example.com",
                kind: .clicked,
                url: "https://teaclub.cn/spring",
                at: at.adding(minutes: 1)
            ),
            as: sys,
            at: at.adding(minutes: 1)
        )
        #expect(
            T.events(out) == [
                MessageEngagementRecorded(
                    sendId: send,
                    recipient: annRecipient,
                    kind: .clicked,
                    bounce: nil,
                    url: "https://teaclub.cn/spring",
                    at: at.adding(minutes: 1)
                )
            ]
        )
        T.expectRejected(
            &store,
            RecordMessageEngagement(
                sendId: send,
                address: "ann@example.com",
                kind: .opened,
                at: at.adding(minutes: -1)
            ),
            at: at,
            rule: "MKT-09.at",
            kind: .invariantViolated
        )
        T.expectRejected(
            &store,
            RecordMessageEngagement(sendId: send, address: "ann@example.com", kind: .bounced, at: at),
            at: at,
            rule: "MKT-09.kindFields",
            kind: .invalidInput
        )
        T.expectRejected(
            &store,
            RecordMessageEngagement(sendId: send, address: "ann@example.com", kind: .opened, url: "https://x", at: at),
            at: at,
            rule: "MKT-09.kindFields",
            kind: .invalidInput
        )
        try store.execute(
            RecordMessageEngagement(sendId: send, address: "ann@example.com", kind: .bounced, bounce: .hard, at: at),
            as: sys,
            at: at
        )
        let recipient = MessageRecipient.fold(
            store.streams[MessageRecipient.stream(channel: .email, address: "ann@example.com")] ?? []
        )
        #expect(recipient.hardBounces == 1)
        #expect(!recipient.optedOut)
    }
}
