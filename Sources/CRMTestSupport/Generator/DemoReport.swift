public import CRMDomain
public import CRMEngine

/// The read models the demo prints after generating a history: events by type, the sales funnel and pipeline,
/// and a few customers' histories, all computed from the stored log.
public enum DemoReport {
    /// Lines to print for the log behind `engine`.
    public static func lines(engine: Engine, report: GenerationReport, asOf: Timestamp, customers: Int = 3) async throws
        -> [String]
    {
        var out: [String] = []
        var byType: [String: Int] = [:]
        var funnel = OpportunityFunnelProjection()
        var stages: [PipelineStage] = []
        var total = 0
        for try await r in engine.replay() {
            total += 1
            byType[r.event.eventType, default: 0] += 1
            funnel.apply(r)
            if let p = r.event as? PipelineDefined, stages.isEmpty { stages = p.stages }
        }
        let head = try engine.log.head()
        let verification = try await engine.log.verifyChain()
        out.append("== Log")
        out.append("events: \(total)  head position: \(head.position)  head hash: \(head.hash.hex.prefix(16))…")
        out.append(
            "hash chain: "
                + (verification.isIntact
                    ? "intact (\(verification.checked) events verified)"
                    : "BROKEN at \(verification.firstBrokenPosition!)")
        )
        out.append(
            "commands issued: \(report.commands); refused by business rules (nothing appended): "
                + (report.expectedRejections.isEmpty
                    ? "none"
                    : report.expectedRejections.sorted { $0.key < $1.key }.map { "\($0.key) ×\($0.value)" }.joined(
                        separator: ", "
                    ))
        )
        out.append("")
        out.append("== Events by type (\(byType.count) types)")
        for (type, n) in byType.sorted(by: { ($1.value, $0.key) < ($0.value, $1.key) }) {
            out.append("  " + type.rightPad(34) + String(n).leftPad(7))
        }
        if !stages.isEmpty {
            let calc = FunnelCalculator(stages: stages)
            let all = funnel.all
            let snap = calc.snapshot(all)
            out.append("")
            out.append("== Pipeline as of \(asOf) (open opportunities)")
            for s in snap.stages {
                out.append(
                    "  " + s.stageId.rightPad(16) + "count " + String(s.count).leftPad(5)
                        + "   value " + yuan(s.valueMinor).leftPad(16) + "   weighted "
                        + yuan(s.weightedMinor).leftPad(16)
                )
            }
            out.append(
                "  total           count \(String(snap.totalCount).leftPad(5))   value \(yuan(snap.totalValueMinor).leftPad(16))   weighted \(yuan(snap.totalWeightedMinor).leftPad(16))"
            )
            let f = calc.funnel(all)
            out.append("")
            out.append(
                "== Funnel (cohort of \(f.cohortSize) opportunities: won \(f.won), lost \(f.lost), overall conversion \(f.overallConversion.percent()))"
            )
            for step in f.steps {
                out.append(
                    "  " + step.stageId.rightPad(16) + "reached " + String(step.reached).leftPad(5)
                        + "   to next " + step.conversionToNext.percent().leftPad(7)
                )
            }
            out.append("  win rate: \(FunnelCalculator.winRate(all).percent())")
        }
        if !report.members.isEmpty {
            var enrolled = 0
            var active = 0
            var balance: Int64 = 0
            var available: Int64 = 0
            var tiers: [ID: Int] = [:]
            for id in report.members {
                guard let m = try await engine.state(Member.self, id) else { continue }
                enrolled += 1
                if m.status == .active { active += 1 }
                balance += m.ledger.balance
                available += m.ledger.available(asOf: asOf.date)
                if let t = m.tierId { tiers[t, default: 0] += 1 }
            }
            out.append("")
            out.append("== Loyalty as of \(asOf.date)")
            out.append("  members \(enrolled) (active \(active)), points held \(balance), available today \(available)")
            out.append("  members per tier: " + tiers.values.sorted(by: >).map(String.init).joined(separator: " / "))
        }
        if !report.tickets.isEmpty {
            var byStatus: [String: Int] = [:]
            for id in report.tickets {
                guard let t = try await engine.state(Ticket.self, id) else { continue }
                byStatus["\(t.status)", default: 0] += 1
            }
            out.append("")
            out.append("== Service desk: \(report.tickets.count) tickets")
            out.append(
                "  " + byStatus.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            )
            out.append("  SLAs met \(byType["SlaMet", default: 0]), breached \(byType["SlaBreached", default: 0])")
        }
        out.append("")
        out.append("== Customer histories (the first dealt customers and their opportunities and contracts)")
        var shown = 0
        for id in report.customers where shown < customers {
            let stream = StreamRef.of(Customer.self, id)
            guard let state = try await engine.state(Customer.self, id), state.dealt else { continue }
            shown += 1
            let users = await engine.organisation.users
            let owner = state.ownerId.flatMap { users[$0]?.name } ?? "public pool"
            out.append("customer \(state.name), level \(state.level), owner \(owner)")
            var streams = [stream]
            streams += await engine.children(of: stream, category: "opportunity")
            let contracts = await engine.children(of: stream, category: "contract")
            streams += contracts
            for c in contracts { streams += await engine.children(of: c, category: "payment") }
            var rows: [(UInt64, String)] = []
            for s in streams {
                for e in try await engine.log.readAll(.stream(s.name)) {
                    let date = Timestamp(millisecondsSinceEpoch: e.recordedAt).date
                    let who =
                        e.actor.hasPrefix("user:")
                        ? (ID(String(e.actor.dropFirst(5))).flatMap { users[$0]?.name } ?? e.actor) : e.actor
                    rows.append((e.position, "  \(date)  \(s.category.rightPad(12)) \(e.type.rightPad(30)) by \(who)"))
                }
            }
            for (_, line) in rows.sorted(by: { $0.0 < $1.0 }) { out.append(line) }
        }
        return out
    }

    static func yuan(_ minor: Int64) -> String {
        let y = minor / 100
        var s = String(y)
        var i = s.count - 3
        while i > 0 {
            s.insert(",", at: s.index(s.startIndex, offsetBy: i))
            i -= 3
        }
        return "¥" + s
    }
}

extension String {
    func leftPad(_ n: Int) -> String { count >= n ? self : String(repeating: " ", count: n - count) + self }
    func rightPad(_ n: Int) -> String { count >= n ? self : self + String(repeating: " ", count: n - count) }
}
