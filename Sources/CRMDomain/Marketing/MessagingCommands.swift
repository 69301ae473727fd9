// Commands of catalogue §2.8, audiences, templates and mass sends (MKT-05..MKT-09).

/// MKT-05: define an audience list, either static (`members`) or dynamic (`segmentCriteria`).
public struct DefineAudienceList: Command {
    public let listId: ID
    public let name: String
    public let members: [MessageRecipientRef]?
    public let segmentCriteria: [FieldCriterion]?

    public init(
        listId: ID,
        name: String,
        members: [MessageRecipientRef]? = nil,
        segmentCriteria: [FieldCriterion]? = nil
    ) {
        self.listId = listId
        self.name = name
        self.members = members
        self.segmentCriteria = segmentCriteria
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        try d.authorize(.create, on: .audienceList, rule: "MKT-05.perm")
        try Rejection.require(name, "MKT-05.name", field: "name")
        switch (members, segmentCriteria) {
        case let (m?, nil):
            guard !m.isEmpty else {
                throw .invalidInput("MKT-05.membersOrCriteria", field: "members", "a static list needs members")
            }
            var seen = Set<String>()
            for r in m {
                try Rejection.require(r.address, "MKT-05.memberAddress", field: "members.address")
                let key = "\(r.entityType.rawValue):\(r.entityId):\(MessageRecipient.normalise(r.address))"
                guard seen.insert(key).inserted else {
                    throw .invalidInput(
                        "MKT-05.memberUnique",
                        field: "members",
                        "\(r.entityType.rawValue) \(r.entityId) <\(r.address)> is listed twice"
                    )
                }
            }
        case let (nil, c?):
            guard !c.isEmpty else {
                throw .invalidInput(
                    "MKT-05.membersOrCriteria",
                    field: "segmentCriteria",
                    "a segment list needs criteria"
                )
            }
        default:
            throw .invalidInput(
                "MKT-05.membersOrCriteria",
                field: "members",
                "give either members (static list) or segmentCriteria (segment), exactly one"
            )
        }
        if let existing = d.load(AudienceList.self, listId), existing.exists {
            throw .alreadyExists("MKT-05.listIdUnique", "audience list", listId)
        }
        if let c = segmentCriteria { try AudienceSegmentFields.validate(c, rule: "MKT-05") }
        d.emit(
            AudienceListDefined(listId: listId, name: name, members: members, segmentCriteria: segmentCriteria),
            to: StreamRef(AudienceList.category, listId.description)
        )
    }
}

/// MKT-06: define the next version of a message template (the first version is 1).
public struct DefineMessageTemplate: Command {
    public let templateId: ID
    public let version: Int64
    public let channel: MessageChannel
    public let subject: String?
    public let body: String
    public let variables: [MessageTemplateVariable]

    public init(
        templateId: ID,
        version: Int64,
        channel: MessageChannel,
        subject: String? = nil,
        body: String,
        variables: [MessageTemplateVariable]
    ) {
        self.templateId = templateId
        self.version = version
        self.channel = channel
        self.subject = subject
        self.body = body
        self.variables = variables
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        try d.authorize(.create, on: .messageTemplate, rule: "MKT-06.perm")
        try Rejection.require(body, "MKT-06.body", field: "body")
        let t = d.load(MessageTemplate.self, templateId) ?? MessageTemplate()
        guard version == t.latestVersion + 1 else {
            throw .violated(
                "MKT-06.versionSequence",
                "template \(templateId) is at version \(t.latestVersion); "
                    + "the next version is \(t.latestVersion + 1), not \(version)",
                ["version": "\(version)", "latest": "\(t.latestVersion)"]
            )
        }
        if let first = t.versions[1], first.channel != channel {
            throw .invalidInput(
                "MKT-06.channelFixed",
                field: "channel",
                "template \(templateId) is a \(first.channel.rawValue) template; "
                    + "define a new template for \(channel.rawValue)"
            )
        }
        switch channel {
        case .email:
            guard let subject, !subject.trimmingWhitespace().isEmpty else {
                throw .missing("MKT-06.emailSubject", field: "subject")
            }
        case .sms:
            guard subject == nil else {
                throw .invalidInput("MKT-06.smsNoSubject", field: "subject", "an SMS has no subject")
            }
            try Rejection.ensure(
                SmsRules.hasSignature(body),
                "MKT-06.smsSignature",
                "an SMS body must start or end with the sender's signature in 【】, e.g. 【Acme】",
                ["body": String(body.prefix(40))]
            )
            try Rejection.ensure(
                body.count <= SmsRules.maxLength,
                "MKT-06.smsLength",
                "the SMS body has \(body.count) characters; at most \(SmsRules.maxLength) are allowed",
                ["length": "\(body.count)", "max": "\(SmsRules.maxLength)"]
            )
        }
        var declared = Set<String>()
        for v in variables {
            guard MessageTemplateText.isName(Substring(v.name)) else {
                throw .invalidInput("MKT-06.variables", field: "variables", "'\(v.name)' is not a valid variable name")
            }
            guard declared.insert(v.name).inserted else {
                throw .invalidInput("MKT-06.variables", field: "variables", "variable '\(v.name)' is declared twice")
            }
            guard MessageMergeFields.known.contains(v.source) else {
                throw .violated(
                    "MKT-06.placeholdersResolvable",
                    "variable '\(v.name)' is filled from '\(v.source)', which is not a merge field; use one of "
                        + MessageMergeFields.known.sorted().joined(separator: ", "),
                    ["variable": v.name, "source": v.source]
                )
            }
        }
        let found = MessageTemplateText.placeholders(in: (subject ?? "") + "\n" + body)
        if let bad = found.malformed.first {
            throw .violated(
                "MKT-06.placeholdersResolvable",
                "placeholder \(bad) is malformed; write {{name}}",
                ["placeholder": bad]
            )
        }
        if let missing = found.names.first(where: { !declared.contains($0) }) {
            throw .violated(
                "MKT-06.placeholdersResolvable",
                "placeholder {{\(missing)}} is not a declared variable; declare it with its merge field",
                ["placeholder": missing]
            )
        }
        d.emit(
            MessageTemplateDefined(
                templateId: templateId,
                version: version,
                channel: channel,
                subject: subject,
                body: body,
                variables: variables
            ),
            to: StreamRef(MessageTemplate.category, templateId.description)
        )
    }
}

/// MKT-07: schedule a mass send of a template version to an audience, for an active campaign.
public struct ScheduleMassSend: Command {
    public let sendId: ID
    public let campaignId: ID
    public let templateId: ID
    public let templateVersion: Int64
    public let channel: MessageChannel
    public let audience: MassSendAudience
    public let scheduledAt: Timestamp
    public let sender: String

    public init(
        sendId: ID,
        campaignId: ID,
        templateId: ID,
        templateVersion: Int64,
        channel: MessageChannel,
        audience: MassSendAudience,
        scheduledAt: Timestamp,
        sender: String
    ) {
        self.sendId = sendId
        self.campaignId = campaignId
        self.templateId = templateId
        self.templateVersion = templateVersion
        self.channel = channel
        self.audience = audience
        self.scheduledAt = scheduledAt
        self.sender = sender
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        try d.authorize(.create, on: .massSend, rule: "MKT-07.perm")
        try Rejection.require(sender, "MKT-07.sender", field: "sender")
        if channel == .email, !MessageAddress.isEmail(sender) {
            throw .invalidInput("MKT-07.sender", field: "sender", "'\(sender)' is not an email address")
        }
        if let existing = d.load(MassSend.self, sendId), existing.exists {
            throw .alreadyExists("MKT-07.sendIdUnique", "mass send", sendId)
        }
        switch audience.kind {
        case .list:
            guard let listId = audience.listId, audience.segment == nil else {
                throw .invalidInput(
                    "MKT-07.audience",
                    field: "audience",
                    "a list audience names a listId and no segment"
                )
            }
            guard let list = d.load(AudienceList.self, listId), list.exists else {
                throw .notFound("MKT-07.audienceExists", "audience list", id: listId)
            }
        case .segment:
            guard let criteria = audience.segment, !criteria.isEmpty, audience.listId == nil else {
                throw .invalidInput(
                    "MKT-07.audience",
                    field: "audience",
                    "a segment audience has criteria and no listId"
                )
            }
            try AudienceSegmentFields.validate(criteria, rule: "MKT-07")
        }
        guard let template = d.load(MessageTemplate.self, templateId)?.versions[templateVersion] else {
            throw .notFound("MKT-07.templateExists", "template version", id: "\(templateId)@\(templateVersion)")
        }
        try Rejection.ensure(
            template.channel == channel,
            "MKT-07.templateChannel",
            "template \(templateId)@\(templateVersion) is for \(template.channel.rawValue), "
                + "the send goes out by \(channel.rawValue)",
            ["templateChannel": template.channel.rawValue, "sendChannel": channel.rawValue]
        )
        let campaign = try Campaign.load(campaignId, &d, rule: "MKT-07.campaignExists")
        guard campaign.status == .active else {
            throw .invalidState(
                "MKT-07.campaignActive",
                "campaign \(campaignId) is \(campaign.status.rawValue); activate it before scheduling sends",
                ["campaignId": campaignId.description, "status": campaign.status.rawValue]
            )
        }
        try Rejection.ensure(
            scheduledAt >= d.now,
            "MKT-07.scheduledNotInPast",
            "scheduledAt \(scheduledAt) is before now (\(d.now)); schedule the send for now or later",
            ["scheduledAt": scheduledAt.description, "now": d.now.description]
        )
        d.emit(
            MassSendScheduled(
                sendId: sendId,
                campaignId: campaignId,
                templateId: templateId,
                templateVersion: templateVersion,
                channel: channel,
                audience: audience,
                scheduledAt: scheduledAt,
                sender: sender
            ),
            to: StreamRef(MassSend.category, sendId.description)
        )
    }
}

/// Address checks for the two channels.
public enum MessageAddress {
    /// `local@domain.tld`: one `@`, a non-empty local part, a domain with a dot, no spaces.
    public static func isEmail(_ s: String) -> Bool {
        let t = s.trimmingWhitespace()
        let parts = t.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !t.contains(" ") else { return false }
        let domain = parts[1]
        guard let dot = domain.lastIndex(of: "."), dot != domain.startIndex, domain.index(after: dot) != domain.endIndex
        else { return false }
        return true
    }

    /// A mobile number: an optional `+`, then 6 to 15 digits (E.164), spaces and dashes ignored.
    public static func isMobile(_ s: String) -> Bool {
        var t = Substring(s.trimmingWhitespace().filter { $0 != " " && $0 != "-" })
        if t.first == "+" { t = t.dropFirst() }
        return (6...15).contains(t.count) && t.allSatisfy { $0.isASCII && $0.isNumber }
    }

    public static func isValid(_ s: String, for channel: MessageChannel) -> Bool {
        channel == .email ? isEmail(s) : isMobile(s)
    }
}

/// The customer behind a recipient or audience member, following merges to the survivor; `nil` when the record
/// does not exist. `notFound` throws are left to the caller.
private func recipientCustomer(_ r: MessageRecipientRef, _ d: inout Decision) -> Customer? {
    var customerId: ID?
    switch r.entityType {
    case .customer:
        customerId = r.entityId
    case .contact:
        guard let c = d.load(Contact.self, r.entityId), c.isLive else { return nil }
        customerId = c.customerId
    case .member:
        guard let m = d.load(Member.self, r.entityId), m.exists else { return nil }
        customerId = m.customerId
    }
    var hops = 0
    while let id = customerId, hops < 8 {
        guard let c = d.load(Customer.self, id), c.exists else { return nil }
        guard let survivor = c.mergedIntoId else { return c }
        customerId = survivor
        hops += 1
    }
    return nil
}

/// MKT-08: record that one message of a mass send went to one recipient (issued by the sending job or gateway).
public struct RecordMessageSent: Command {
    public let sendId: ID
    public let recipient: MessageRecipientRef
    public let sentAt: Timestamp

    public init(sendId: ID, recipient: MessageRecipientRef, sentAt: Timestamp) {
        self.sendId = sendId
        self.recipient = recipient
        self.sentAt = sentAt
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        try d.authorize(.create, on: .massSend, rule: "MKT-08.perm")
        guard let send = d.load(MassSend.self, sendId)?.scheduled else {
            throw .notFound("MKT-08.sendExists", "mass send", id: sendId)
        }
        guard MessageAddress.isValid(recipient.address, for: send.channel) else {
            throw .invalidInput(
                "MKT-08.address",
                field: "recipient.address",
                "'\(recipient.address)' is not a valid \(send.channel == .email ? "email address" : "mobile number")"
            )
        }
        try Rejection.ensure(
            sentAt >= send.scheduledAt && sentAt <= d.now,
            "MKT-08.sentAt",
            "sentAt \(sentAt) must lie between the scheduled time \(send.scheduledAt) and now (\(d.now))",
            ["sentAt": sentAt.description, "scheduledAt": send.scheduledAt.description]
        )
        guard let customer = recipientCustomer(recipient, &d), customer.isLive else {
            throw .notFound("MKT-08.recipientExists", recipient.entityType.rawValue, id: recipient.entityId)
        }
        let stream = MessageRecipient.stream(channel: send.channel, address: recipient.address)
        let state = d.load(MessageRecipient.self, stream: stream) ?? MessageRecipient()
        if let at = state.optedOutAt {
            throw .violated(
                "MKT-08.notOptedOut",
                "\(recipient.address) opted out of \(send.channel.rawValue) messages at \(at); do not send to it",
                ["address": recipient.address, "optedOutAt": at.description]
            )
        }
        if customer.effectiveList(on: sentAt.date) == .black {
            throw .violated(
                "MKT-08.notBlacklisted",
                "customer \(customer.customerId.map(\.description) ?? "?") of recipient \(recipient.address) is "
                    + "blacklisted",
                ["address": recipient.address, "customerId": customer.customerId?.description ?? ""]
            )
        }
        guard state.sent[sendId] == nil else {
            throw .alreadyExists("MKT-08.oncePerSend", "message of send \(sendId) to", recipient.address)
        }
        d.emit(MessageSent(sendId: sendId, recipient: recipient, channel: send.channel, sentAt: sentAt), to: stream)
    }
}

/// MKT-09: record an engagement with a sent message (delivery, bounce, open, click, opt-out, reply), reported by
/// the gateway for `address`.
public struct RecordMessageEngagement: Command {
    public let sendId: ID
    public let address: String
    public let kind: MessageEngagementKind
    public let bounce: MessageBounce?
    public let url: String?
    public let at: Timestamp

    public init(
        sendId: ID,
        address: String,
        kind: MessageEngagementKind,
        bounce: MessageBounce? = nil,
        url: String? = nil,
        at: Timestamp
    ) {
        self.sendId = sendId
        self.address = address
        self.kind = kind
        self.bounce = bounce
        self.url = url
        self.at = at
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        try d.authorize(.edit, on: .massSend, rule: "MKT-09.perm")
        try Rejection.require(address, "MKT-09.address", field: "address")
        switch kind {
        case .bounced:
            guard bounce != nil, url == nil else {
                throw .invalidInput(
                    "MKT-09.kindFields",
                    field: "bounce",
                    "a bounce names its kind (hard or soft) and no url"
                )
            }
        case .clicked:
            guard let url, !url.trimmingWhitespace().isEmpty, bounce == nil else {
                throw .invalidInput("MKT-09.kindFields", field: "url", "a click names the clicked url and no bounce")
            }
        default:
            guard bounce == nil, url == nil else {
                throw .invalidInput(
                    "MKT-09.kindFields",
                    field: "kind",
                    "\(kind.rawValue) carries neither bounce nor url"
                )
            }
        }
        guard let send = d.load(MassSend.self, sendId)?.scheduled else {
            throw .notFound("MKT-09.sendExists", "mass send", id: sendId)
        }
        let stream = MessageRecipient.stream(channel: send.channel, address: address)
        guard let delivery = d.load(MessageRecipient.self, stream: stream)?.sent[sendId] else {
            throw .invalidState(
                "MKT-09.messageSent",
                "no message of send \(sendId) was sent to \(address); engagement is recorded only for sent messages",
                ["sendId": sendId.description, "address": address]
            )
        }
        try Rejection.ensure(
            at >= delivery.sentAt && at <= d.now,
            "MKT-09.at",
            "engagement time \(at) must lie between the send time \(delivery.sentAt) and now (\(d.now))",
            ["at": at.description, "sentAt": delivery.sentAt.description]
        )
        d.emit(
            MessageEngagementRecorded(
                sendId: sendId,
                recipient: delivery.recipient,
                kind: kind,
                bounce: bounce,
                url: url,
                at: at
            ),
            to: stream
        )
    }
}
