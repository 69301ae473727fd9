import CRMDomain

extension World {
    static let channels = ["web", "form", "phone", "email", "event", "referral", "api"]

    /// One day of the company's life.
    mutating func simulate(day: Int, _ runner: inout some CommandRunner) async throws(RunnerError) {
        try await captureLeads(day, &runner)
        try await workLeads(day, &runner)
        try await workOpportunities(day, &runner)
        try await workContracts(day, &runner)
        try await collectPayments(day, &runner)
        try await touchCustomers(day, &runner)
        if day % 7 == 6 { try await reclaimAndClaim(day, &runner) }
        if day % 30 == 15 { try await transferOneCustomer(day, &runner) }
        if day == g.days / 2 { try await offboardOneRep(day, &runner) }
        try await simulateExtensions(day: day, &runner)
    }

    // MARK: Leads

    mutating func captureLeads(_ day: Int, _ runner: inout some CommandRunner) async throws(RunnerError) {
        let count = (day + 1) * g.size / g.days - day * g.size / g.days
        var names = NameSource(rng: SplitMix64(seed: g.seed &+ UInt64(day) &* 7919))
        for i in 0..<count {
            let id = newID()
            let campaign = extensions.activeCampaign(on: date(day))
            var channel = rng.pick(Self.channels)
            if channel == "event" && campaign == nil { channel = "web" }  // event leads come from a campaign
            let toPool = rng.chance(0.3)
            let owner: ID? = toPool ? nil : rng.pick(company.reps)
            let person = names.person()
            let org = names.company(leads.count + 1)
            let command = CaptureLead(
                leadId: id,
                channel: channel,
                campaignId: campaign,
                utm: campaign == nil
                    ? nil : LeadUTM(source: "baidu", medium: "cpc", campaign: "spring", term: "crm software"),
                name: person,
                company: org,
                title: rng.pick(["Purchasing manager", "CTO", "Operations director", "General manager"]),
                phone: "13\(800_000_000 + Int(nextID % 100_000_000))",
                email: "lead\(nextID % 1_000_000)@example.cn",
                address: nil,
                industry: rng.pick(["manufacturing", "retail", "software", "logistics", "healthcare"]),
                ownerId: owner,
                poolId: toPool ? company.leadPool : nil
            )
            let actor: ActorRef = owner.map { .user($0) } ?? .integration(company.ceo, job: "web-form")
            if try await attempt(command, as: actor, at: time(day, minutes: 10 * i), &runner) != nil {
                leads.append(
                    LeadInfo(
                        id: id,
                        ownerId: owner,
                        inPool: toPool,
                        capturedDay: day,
                        status: .open,
                        name: person,
                        company: org,
                        campaignId: campaign
                    )
                )
            }
        }
    }

    mutating func workLeads(_ day: Int, _ runner: inout some CommandRunner) async throws(RunnerError) {
        for i in leads.indices where leads[i].status == .open {
            let age = day - leads[i].capturedDay
            if leads[i].inPool {
                guard age >= 1, rng.chance(0.4) else { continue }
                let rep = rng.pick(company.reps)
                let claim = ClaimLeadFromPool(leadId: leads[i].id, poolId: company.leadPool, userId: rep)
                if try await attempt(claim, as: .user(rep), at: time(day, minutes: 30), &runner) != nil {
                    leads[i].inPool = false
                    leads[i].ownerId = rep
                }
                continue
            }
            guard let owner = leads[i].ownerId, age >= 1 else { continue }
            let actor = ActorRef.user(owner)
            if age == 1 {
                try await must(
                    RecordFollowUp(
                        activityId: newID(),
                        subject: .lead(leads[i].id),
                        kind: rng.pick([.call, .email, .message]),
                        content: "First contact with \(leads[i].name)",
                        occurredAt: time(day, minutes: 60)
                    ),
                    as: actor,
                    at: time(day, minutes: 61),
                    &runner
                )
                continue
            }
            guard age >= 3 else { continue }
            let roll = rng.int(0...99)
            if roll < 35 {
                try await convert(i, day, &runner)
            } else if roll < 50 {
                try await must(
                    DisqualifyLead(leadId: leads[i].id, reason: rng.pick(["No budget", "Not a fit", "Unreachable"])),
                    as: actor,
                    at: time(day, minutes: 90),
                    &runner
                )
                leads[i].status = .disqualified
            } else if age > 20 {
                try await must(
                    DisqualifyLead(leadId: leads[i].id, reason: "No response after three weeks"),
                    as: actor,
                    at: time(day, minutes: 90),
                    &runner
                )
                leads[i].status = .disqualified
            }
        }
    }

    mutating func convert(_ i: Int, _ day: Int, _ runner: inout some CommandRunner) async throws(RunnerError) {
        guard let owner = leads[i].ownerId else { return }
        let actor = ActorRef.user(owner)
        try await must(
            QualifyLead(leadId: leads[i].id, status: "salesQualified"),
            as: actor,
            at: time(day, minutes: 100),
            &runner
        )
        let customer = newID()
        let contact = newID()
        let opp = newID()
        let amount = Int64(rng.int(20...400)) * 1_000 * 100
        let convert = ConvertLead(
            leadId: leads[i].id,
            ownerId: owner,
            customerId: customer,
            customerIsNew: true,
            contactId: contact,
            contactIsNew: true,
            opportunityId: opp,
            opportunity: LeadOpportunityRequest(
                name: "\(leads[i].company) — platform licence",
                pipelineId: company.pipeline,
                amount: .cny(amount),
                expectedCloseDate: date(day + rng.int(30...120))
            )
        )
        guard try await attempt(convert, as: actor, at: time(day, minutes: 110), &runner) != nil else { return }
        leads[i].status = .converted
        customers.append(CustomerInfo(id: customer, contactId: contact, ownerId: owner, lastTouchDay: day))
        report.customers.append(customer)
        opportunities.append(
            OpportunityInfo(
                id: opp,
                customerId: customer,
                contactId: contact,
                ownerId: owner,
                stage: 0,
                nextDay: day + rng.int(3...15),
                open: true,
                amount: amount
            )
        )
    }

    // MARK: Opportunities

    mutating func workOpportunities(_ day: Int, _ runner: inout some CommandRunner) async throws(RunnerError) {
        for i in opportunities.indices where opportunities[i].open && opportunities[i].nextDay <= day {
            let o = opportunities[i]
            let actor = ActorRef.user(o.ownerId)
            let at = time(day, minutes: 120)
            let lossChance = o.stage == 3 ? 0.4 : 0.12
            if rng.chance(lossChance) {
                try await must(
                    LoseOpportunity(
                        oppId: o.id,
                        lostReasonId: rng.pick(company.lostReasons),
                        competitor: rng.chance(0.5) ? rng.pick(["Salesforce", "Fxiaoke", "Neocrm", "HubSpot"]) : nil,
                        closedAt: at
                    ),
                    as: actor,
                    at: at,
                    &runner
                )
                opportunities[i].open = false
                continue
            }
            if o.stage < 3 {
                opportunities[i].stage += 1
                try await must(
                    AdvanceOpportunityStage(
                        oppId: o.id,
                        toStageId: company.stages[o.stage + 1],
                        requirementsConfirmed: true
                    ),
                    as: actor,
                    at: at,
                    &runner
                )
                let newAmount = max(10_000_00, o.amount + Int64(rng.int(-50...80)) * 1_000 * 100)
                if rng.chance(0.3) && newAmount != o.amount {
                    try await must(
                        ChangeOpportunityAmount(oppId: o.id, amount: .cny(newAmount)),
                        as: actor,
                        at: at.adding(minutes: 1),
                        &runner
                    )
                    opportunities[i].amount = newAmount
                }
                opportunities[i].nextDay = day + rng.int(4...20)
                continue
            }
            let produced = try await must(
                WinOpportunity(oppId: o.id, closedAt: at, contractDraftRequested: true),
                as: actor,
                at: at,
                &runner
            )
            opportunities[i].open = false
            for p in produced {
                guard let drafted = p.event as? ContractDrafted else { continue }
                contracts.append(
                    ContractInfo(
                        id: drafted.contractId,
                        customerId: o.customerId,
                        contactId: o.contactId,
                        ownerId: o.ownerId,
                        amount: drafted.amount.amountMinor,
                        status: .drafted,
                        nextDay: day + 1
                    )
                )
            }
            if let c = customers.firstIndex(where: { $0.id == o.customerId }) { customers[c].lastTouchDay = day }
        }
    }

    // MARK: Contracts and payments

    mutating func workContracts(_ day: Int, _ runner: inout some CommandRunner) async throws(RunnerError) {
        for i in contracts.indices where contracts[i].nextDay <= day && contracts[i].status != .signed {
            let c = contracts[i]
            let owner = ActorRef.user(c.ownerId)
            switch c.status {
            case .drafted:
                let parts = rng.int(1...3)
                var scheduled: Int64 = 0
                for n in 1...parts {
                    let plan = newID()
                    let amount = n == parts ? c.amount - scheduled : c.amount / Int64(parts)
                    scheduled += amount
                    let due = day + 20 + 30 * (n - 1)
                    try await must(
                        ScheduleInstallment(
                            contractId: c.id,
                            planId: plan,
                            installmentNo: Int64(n),
                            amount: .cny(amount),
                            dueDate: date(due),
                            method: .bankTransfer
                        ),
                        as: owner,
                        at: time(day, minutes: 200 + n),
                        &runner
                    )
                    contracts[i].installments.append(InstallmentInfo(planId: plan, amount: amount, dueDay: due))
                }
                let approval = newID()
                try await must(
                    SubmitContract(contractId: c.id, approvalId: approval),
                    as: owner,
                    at: time(day, minutes: 210),
                    &runner
                )
                contracts[i].approvalId = approval
                contracts[i].status = .submitted
                contracts[i].nextDay = day + rng.int(1...3)
            case .submitted:
                guard let approval = c.approvalId else { continue }
                let approver = company.manager(of: c.ownerId)
                try await must(
                    ApproveApprovalStep(approvalId: approval, approverId: approver, comment: "Terms checked"),
                    as: .user(approver),
                    at: time(day, minutes: 220),
                    &runner
                )
                contracts[i].status = .approved
                contracts[i].nextDay = day + rng.int(1...5)
            case .approved:
                try await must(
                    SignContract(
                        contractId: c.id,
                        signedAt: time(day, minutes: 240),
                        customerSignerContactId: c.contactId,
                        companySignerUserId: c.ownerId
                    ),
                    as: owner,
                    at: time(day, minutes: 240),
                    &runner
                )
                contracts[i].status = .signed
                if let k = customers.firstIndex(where: { $0.id == c.customerId }) { customers[k].dealt = true }
            case .signed:
                break
            }
        }
    }

    mutating func collectPayments(_ day: Int, _ runner: inout some CommandRunner) async throws(RunnerError) {
        let finance = ActorRef.user(company.finance)
        for i in contracts.indices where contracts[i].status == .signed {
            for k in contracts[i].installments.indices where !contracts[i].installments[k].paid {
                let inst = contracts[i].installments[k]
                let late = day - inst.dueDay
                if late >= 0 && (late > 12 || rng.chance(0.35)) {
                    paymentNumber += 1
                    let payment = newID()
                    try await must(
                        ReceivePayment(
                            paymentId: payment,
                            number: "HK-\(date(day).year)-\(String(paymentNumber))",
                            contractId: contracts[i].id,
                            planId: inst.planId,
                            amount: .cny(inst.amount),
                            method: .bankTransfer,
                            receivedAt: time(day, minutes: 300)
                        ),
                        as: .user(contracts[i].ownerId),
                        at: time(day, minutes: 300),
                        &runner
                    )
                    try await must(VerifyPayment(paymentId: payment), as: finance, at: time(day, minutes: 330), &runner)
                    contracts[i].installments[k].paid = true
                    verifiedPayments.append(PaymentInfo(id: payment, amount: inst.amount, day: day))
                } else if late == 5 && !inst.flaggedOverdue {
                    try await must(
                        FlagInstallmentOverdue(contractId: contracts[i].id, planId: inst.planId, asOf: date(day)),
                        as: .system(job: "overdue-scan"),
                        at: time(day, minutes: 1),
                        &runner
                    )
                    contracts[i].installments[k].flaggedOverdue = true
                }
            }
        }
        // A few refunds of recent payments.
        if day % 20 == 10, let p = verifiedPayments.last(where: { day - $0.day < 30 }), rng.chance(0.5) {
            try await must(
                ReversePayment(paymentId: p.id, amount: .cny(p.amount / 10), reason: .refund),
                as: finance,
                at: time(day, minutes: 400),
                &runner
            )
            verifiedPayments.removeAll { $0.id == p.id }
        }
    }

    // MARK: Customers

    mutating func touchCustomers(_ day: Int, _ runner: inout some CommandRunner) async throws(RunnerError) {
        guard !customers.isEmpty else { return }
        let touches = max(1, customers.count / 25)
        for n in 0..<touches {
            let i = rng.int(0...(customers.count - 1))
            guard let owner = customers[i].ownerId, rng.chance(0.6) else { continue }
            try await must(
                RecordFollowUp(
                    activityId: newID(),
                    subject: .customer(customers[i].id),
                    kind: rng.pick([.call, .visit, .email, .meeting, .returnVisit]),
                    content: "Account review",
                    occurredAt: time(day, minutes: 420 + n),
                    contactId: customers[i].contactId
                ),
                as: .user(owner),
                at: time(day, minutes: 421 + n),
                &runner
            )
            customers[i].lastTouchDay = day
        }
    }

    /// The weekly pool job: reclaim customers nobody followed up, then let reps claim from the pool.
    mutating func reclaimAndClaim(_ day: Int, _ runner: inout some CommandRunner) async throws(RunnerError) {
        let asOf = time(day, minutes: -8 * 60)
        for i in customers.indices {
            guard customers[i].ownerId != nil, !customers[i].dealt, day - customers[i].lastTouchDay > 46 else {
                continue
            }
            if opportunities.contains(where: { $0.customerId == customers[i].id && $0.open }) { continue }
            let reclaim = ReclaimCustomer(
                customerId: customers[i].id,
                poolId: company.customerPool,
                ruleId: company.reclaimRule,
                asOf: asOf
            )
            if try await attempt(reclaim, as: .system(job: "pool-reclaim"), at: asOf, &runner) != nil {
                customers[i].ownerId = nil
            }
        }
        let pooled = customers.indices.filter { customers[$0].ownerId == nil }
        for i in pooled.prefix(3) {
            let rep = rng.pick(company.reps)
            let claim = ClaimCustomerFromPool(customerId: customers[i].id, poolId: company.customerPool, userId: rep)
            if try await attempt(claim, as: .user(rep), at: time(day, minutes: 30), &runner) != nil {
                customers[i].ownerId = rep
                customers[i].lastTouchDay = day
            }
        }
    }

    mutating func transferOneCustomer(_ day: Int, _ runner: inout some CommandRunner) async throws(RunnerError) {
        let owned = customers.indices.filter { customers[$0].ownerId != nil }
        guard !owned.isEmpty else { return }
        let i = rng.pick(owned)
        guard let owner = customers[i].ownerId else { return }
        let team = company.repsByTeam.first { $0.contains(owner) } ?? company.reps
        guard let target = team.first(where: { $0 != owner }) else { return }
        let manager = company.manager(of: owner)
        let request = RequestCustomerTransfer(
            customerId: customers[i].id,
            requestId: newID(),
            toOwnerId: target,
            reason: "Territory rebalancing",
            requesterId: manager
        )
        if try await attempt(request, as: .user(manager), at: time(day, minutes: 500), &runner) != nil {
            customers[i].ownerId = target
            customers[i].lastTouchDay = day
            for k in opportunities.indices where opportunities[k].customerId == customers[i].id && opportunities[k].open
            {
                opportunities[k].ownerId = target
            }
            for k in contracts.indices where contracts[k].customerId == customers[i].id {
                contracts[k].ownerId = target
            }
        }
    }

    /// Halfway through, one rep leaves; their records go to a colleague.
    mutating func offboardOneRep(_ day: Int, _ runner: inout some CommandRunner) async throws(RunnerError) {
        guard let team = company.repsByTeam.first, team.count >= 2 else { return }
        let leaver = team[0]
        let successor = team[1]
        try await must(
            OffboardUser(userId: leaver, successorUserId: successor, at: time(day, minutes: 600)),
            as: .user(company.ceo),
            at: time(day, minutes: 600),
            &runner
        )
        company.reps.removeAll { $0 == leaver }
        company.repsByTeam[0].removeAll { $0 == leaver }
        for i in leads.indices where leads[i].ownerId == leaver { leads[i].ownerId = successor }
        for i in customers.indices where customers[i].ownerId == leaver { customers[i].ownerId = successor }
        for i in opportunities.indices where opportunities[i].ownerId == leaver { opportunities[i].ownerId = successor }
        for i in contracts.indices where contracts[i].ownerId == leaver { contracts[i].ownerId = successor }
    }
}
