import CRMEventLog
import CRMStorageLMDB
import Foundation
import Testing

/// The contract of design §2, run against every implementation.
@Suite struct EventLogConformanceTests {
    @Test(arguments: LogKind.allCases)
    func appendsGetGapFreePositionsVersionsAndEnvelope(kind: LogKind) async throws {
        try await withLog(kind) { log, _ in
            let r1 = try await log.append([event(1), event(2)], to: "customer-a", expected: .noStream)
            #expect(r1.positions == [1, 2])
            #expect(r1.streamVersion == 1)
            #expect(!r1.idempotentReplay)
            let r2 = try await log.append([event(3)], to: "lead-b", expected: .noStream)
            #expect(r2.positions == [3])
            #expect(r2.streamVersion == 0)
            let r3 = try await log.append([event(4)], to: "customer-a", expected: .exactly(1))
            #expect(r3.positions == [4])
            let all = try await log.readAll(.all())
            #expect(all.map(\.position) == [1, 2, 3, 4])
            #expect(all.map(\.streamVersion) == [0, 1, 0, 2])
            #expect(all.map(\.stream) == ["customer-a", "customer-a", "lead-b", "customer-a"])
            let e = try #require(all.first)
            #expect(e.id == uuid(1))
            #expect(e.type == "CustomerCreated")
            #expect(e.schemaVersion == 1)
            #expect(e.actor == "user:1")
            #expect(e.tenant == "acme")
            #expect(e.correlationId == uuid(900_001))
            #expect(e.causationId == nil)
            #expect(e.data == Array(#"{"n":1}"#.utf8))
            #expect(e.recordedAt == 1_767_225_600_000)
            #expect(e.effectiveAt == e.recordedAt)
            #expect(all[2].recordedAt == 1_767_225_601_000)
            #expect(e.category == "customer")
            #expect(try log.streamVersion("customer-a") == 2)
            #expect(try log.streamVersion("nope-x") == nil)
        }
    }

    @Test(arguments: LogKind.allCases)
    func effectiveTimeMayBeBackdated(kind: LogKind) async throws {
        try await withLog(kind) { log, _ in
            var e = event(1)
            e.metadata.effectiveAt = 1_700_000_000_000
            _ = try await log.append([e], to: "contract-1", expected: .any)
            let stored = try #require(try log.event(at: 1))
            #expect(stored.effectiveAt == 1_700_000_000_000)
            #expect(stored.recordedAt == 1_767_225_600_000)
        }
    }

    @Test(arguments: LogKind.allCases)
    func expectedVersionsAreEnforcedAndNamed(kind: LogKind) async throws {
        try await withLog(kind) { log, _ in
            _ = try await log.append([event(1)], to: "customer-a", expected: .noStream)
            do {
                _ = try await log.append([event(2)], to: "customer-a", expected: .noStream)
                Issue.record("expected a conflict")
            } catch let error as EventLogError {
                #expect(error.code == .wrongExpectedVersion)
                #expect(error.stream == "customer-a")
                #expect(error.expected == .noStream)
                #expect(error.actualVersion == 0)
                #expect(error.message.contains("customer-a"))
            }
            await expectLogError(.wrongExpectedVersion) {
                _ = try await log.append([event(3)], to: "customer-a", expected: .exactly(5))
            }
            await expectLogError(.wrongExpectedVersion) {
                _ = try await log.append([event(4)], to: "customer-zz", expected: .streamExists)
            }
            _ = try await log.append([event(5)], to: "customer-a", expected: .streamExists)
            _ = try await log.append([event(6)], to: "customer-a", expected: .any)
            #expect(try log.head().position == 3)
        }
    }

    @Test(arguments: LogKind.allCases)
    func appendingTheSameIdsAgainIsAnIdempotentNoOp(kind: LogKind) async throws {
        try await withLog(kind) { log, _ in
            let first = try await log.append([event(1), event(2)], to: "customer-a", expected: .noStream)
            _ = try await log.append([event(3)], to: "customer-b", expected: .noStream)
            let again = try await log.append([event(1), event(2)], to: "customer-a", expected: .noStream)
            #expect(again.positions == first.positions)
            #expect(again.idempotentReplay)
            #expect(try log.head().position == 3)
            // Same id, different body.
            await expectLogError(.duplicateEventId) {
                _ = try await log.append([event(1, body: #"{"n":"other"}"#)], to: "customer-a", expected: .any)
            }
            // Some ids stored, some new.
            await expectLogError(.duplicateEventId) {
                _ = try await log.append([event(2), event(4)], to: "customer-a", expected: .any)
            }
            // Same id in another stream.
            await expectLogError(.duplicateEventId) {
                _ = try await log.append([event(3)], to: "customer-a", expected: .any)
            }
            #expect(try log.head().position == 3)
            let verification = try await log.verifyChain()
            #expect(verification.isIntact)
        }
    }

    @Test(arguments: LogKind.allCases)
    func multiStreamAppendIsAllOrNothing(kind: LogKind) async throws {
        try await withLog(kind) { log, _ in
            _ = try await log.append([event(1)], to: "customer-a", expected: .noStream)
            let results = try await log.append([
                StreamAppend(stream: "customer-a", expected: .exactly(0), events: [event(2)]),
                StreamAppend(stream: "customer-b", expected: .noStream, events: [event(3), event(4)]),
                StreamAppend(stream: "pool-p", expected: .noStream, events: []),
            ])
            #expect(results.map(\.positions) == [[2], [3, 4], []])
            #expect(results[2].streamVersion == nil)
            await expectLogError(.wrongExpectedVersion) {
                _ = try await log.append([
                    StreamAppend(stream: "customer-c", expected: .noStream, events: [event(5)]),
                    StreamAppend(stream: "customer-a", expected: .exactly(0), events: [event(6)]),
                ])
            }
            // A pure version check that fails blocks the whole batch.
            await expectLogError(.wrongExpectedVersion) {
                _ = try await log.append([
                    StreamAppend(stream: "customer-c", expected: .noStream, events: [event(7)]),
                    StreamAppend(stream: "customer-b", expected: .exactly(0), events: []),
                ])
            }
            #expect(try log.head().position == 4)
            #expect(try log.streamVersion("customer-c") == nil)
            await expectLogError(.invalidArgument) {
                _ = try await log.append([
                    StreamAppend(stream: "customer-c", expected: .any, events: [event(8)]),
                    StreamAppend(stream: "customer-c", expected: .any, events: [event(9)]),
                ])
            }
        }
    }

    @Test(arguments: LogKind.allCases)
    func readsByStreamCategoryTypeBothDirectionsWithLimits(kind: LogKind) async throws {
        try await withLog(kind) { log, _ in
            for i in 1...30 {
                let stream = i % 3 == 0 ? "lead-\(i % 2)" : "customer-\(i % 4)"
                let type = i % 5 == 0 ? "CustomerArchived" : "CustomerUpdated"
                _ = try await log.append([event(i, type: type)], to: stream, expected: .any)
            }
            let forward = try await log.readAll(.all(from: 5, limit: 4))
            #expect(forward.map(\.position) == [5, 6, 7, 8])
            let backward = try await log.readAll(.all(from: 5, limit: 3).backward())
            #expect(backward.map(\.position) == [5, 4, 3])
            let tail = try await log.readAll(ReadQuery(direction: .backward, limit: 2))
            #expect(tail.map(\.position) == [30, 29])
            let stream = try await log.readAll(.stream("customer-1"))
            #expect(stream.map(\.streamVersion) == Array(0..<UInt64(stream.count)))
            #expect(stream.allSatisfy { $0.stream == "customer-1" })
            #expect(stream.map(\.position) == stream.map(\.position).sorted())
            let streamFrom = try await log.readAll(.stream("customer-1", fromVersion: 2, limit: 2))
            #expect(streamFrom.map(\.streamVersion) == [2, 3])
            let streamBack = try await log.readAll(.stream("customer-1", fromVersion: 2).backward())
            #expect(streamBack.map(\.streamVersion) == [2, 1, 0])
            let leads = try await log.readAll(.category("lead"))
            #expect(leads.map(\.position) == [3, 6, 9, 12, 15, 18, 21, 24, 27, 30])
            let leadsBack = try await log.readAll(ReadQuery(filter: .category("lead"), direction: .backward, limit: 3))
            #expect(leadsBack.map(\.position) == [30, 27, 24])
            #expect(try await log.readAll(.category("lea")).isEmpty)
            let archived = try await log.readAll(.eventTypes(["CustomerArchived"]))
            #expect(archived.map(\.position) == [5, 10, 15, 20, 25, 30])
            #expect(try await log.readAll(.stream("missing-1")).isEmpty)
            #expect(try await log.readAll(.all(from: 31)).isEmpty)
            #expect(try await log.readAll(.all(limit: 0)).isEmpty)
        }
    }

    @Test(arguments: LogKind.allCases)
    func hashChainLinksEveryEventAndVerifies(kind: LogKind) async throws {
        try await withLog(kind) { log, _ in
            #expect(try log.head() == LogHead(position: 0, hash: .zero))
            for i in 1...12 { _ = try await log.append([event(i)], to: "customer-\(i % 3)", expected: .any) }
            let all = try await log.readAll(.all())
            #expect(all[0].prevHash == .zero)
            for i in 1..<all.count { #expect(all[i].prevHash == all[i - 1].hash) }
            for e in all { #expect(RecordCodec.recomputeHash(e) == e.hash) }
            let head = try log.head()
            #expect(head.position == 12)
            #expect(head.hash == all.last?.hash)
            let v = try await log.verifyChain()
            #expect(v.isIntact)
            #expect(v.checked == 12)
            #expect(v.head == head)
        }
    }

    @Test func theSameHistoryHasTheSameHashesInEveryImplementation() async throws {
        var heads: [LogHead] = []
        for kind in LogKind.allCases {
            let head = try await withLog(kind) { log, _ in
                for i in 1...20 { _ = try await log.append([event(i)], to: "customer-\(i % 4)", expected: .any) }
                return try log.head()
            }
            heads.append(head)
        }
        #expect(heads[0] == heads[1])
    }

    @Test(arguments: LogKind.allCases)
    func subscriptionCatchesUpThenGoesLiveWithoutGapOrDuplicate(kind: LogKind) async throws {
        try await withLog(kind) { log, _ in
            for i in 1...40 { _ = try await log.append([event(i)], to: "customer-\(i % 5)", expected: .any) }
            let collector = Task { () throws -> [UInt64] in
                var seen: [UInt64] = []
                for try await e in log.subscribe(from: 1) {
                    seen.append(e.position)
                    if seen.count == 100 { break }
                }
                return seen
            }
            for i in 41...100 {
                _ = try await log.append([event(i)], to: "customer-\(i % 5)", expected: .any)
                if i % 7 == 0 { await Task.yield() }
            }
            let seen = try await collector.value
            #expect(seen == Array(1...100))
        }
    }

    @Test(arguments: LogKind.allCases)
    func filteredSubscriptionsDeliverOnlyMatchingEvents(kind: LogKind) async throws {
        try await withLog(kind) { log, _ in
            for i in 1...10 {
                _ = try await log.append([event(i)], to: i % 2 == 0 ? "lead-1" : "customer-1", expected: .any)
            }
            let byCategory = Task { () throws -> [UInt64] in
                var seen: [UInt64] = []
                for try await e in log.subscribe(from: 3, filter: .category("lead")) {
                    seen.append(e.position)
                    if seen.count == 6 { break }
                }
                return seen
            }
            let byStream = Task { () throws -> [UInt64] in
                var seen: [UInt64] = []
                for try await e in log.subscribe(from: 1, filter: .stream("customer-1")) {
                    seen.append(e.streamVersion)
                    if seen.count == 7 { break }
                }
                return seen
            }
            for i in 11...14 {
                _ = try await log.append([event(i)], to: i % 2 == 0 ? "lead-1" : "customer-1", expected: .any)
            }
            #expect(try await byCategory.value == [4, 6, 8, 10, 12, 14])
            #expect(try await byStream.value == [0, 1, 2, 3, 4, 5, 6])
        }
    }

    @Test(arguments: LogKind.allCases)
    func waitForReturnsOnceThePositionIsCommitted(kind: LogKind) async throws {
        try await withLog(kind) { log, _ in
            try await log.waitFor(position: 0)
            let waiter = Task { try await log.waitFor(position: 3) }
            for i in 1...3 { _ = try await log.append([event(i)], to: "customer-1", expected: .any) }
            try await waiter.value
            let cancelled = Task { try await log.waitFor(position: 1_000) }
            cancelled.cancel()
            await #expect(throws: EventLogError.self) { try await cancelled.value }
        }
    }

    @Test(arguments: LogKind.allCases)
    func sixteenConcurrentAppendersKeepPositionsAndVersionsGapFree(kind: LogKind) async throws {
        try await withLog(kind) { log, _ in
            let perTask = 25
            try await withThrowingTaskGroup(of: Void.self) { group in
                for t in 0..<16 {
                    group.addTask {
                        for k in 0..<perTask {
                            let n = t * 1000 + k + 1
                            let stream = t < 8 ? "customer-shared" : "customer-own\(t)"
                            _ = try await log.append([event(n)], to: stream, expected: .any)
                        }
                    }
                }
                try await group.waitForAll()
            }
            let all = try await log.readAll(.all())
            #expect(all.map(\.position) == Array(1...UInt64(16 * perTask)))
            var versions: [String: [UInt64]] = [:]
            for e in all { versions[e.stream, default: []].append(e.streamVersion) }
            for (_, v) in versions { #expect(v == Array(0..<UInt64(v.count))) }
            #expect(versions["customer-shared"]?.count == 8 * perTask)
            #expect(try await log.verifyChain().isIntact)
        }
    }

    @Test(arguments: LogKind.allCases)
    func exactlyOneOfTwoConflictingAppendsWins(kind: LogKind) async throws {
        try await withLog(kind) { log, _ in
            for round in 0..<10 {
                let stream = "opportunity-\(round)"
                _ = try await log.append([event(round * 10 + 1)], to: stream, expected: .noStream)
                async let a = attempt { () async throws(EventLogError) -> AppendResult in
                    try await log.append([event(round * 10 + 2)], to: stream, expected: .exactly(0))
                }
                async let b = attempt { () async throws(EventLogError) -> AppendResult in
                    try await log.append([event(round * 10 + 3)], to: stream, expected: .exactly(0))
                }
                let (ra, rb) = await (a, b)
                let wins = [ra, rb].filter { if case .success = $0 { true } else { false } }.count
                #expect(wins == 1)
                for r in [ra, rb] {
                    if case .failure(let e) = r { #expect(e.code == .wrongExpectedVersion) }
                }
                #expect(try log.streamVersion(stream) == 1)
            }
        }
    }

    @Test(arguments: LogKind.allCases)
    func badInputIsRefusedWithTypedErrorsAndWritesNothing(kind: LogKind) async throws {
        try await withLog(kind, configuration: .init(mapSize: 8 << 20, maxEventSize: 1024)) { log, _ in
            await expectLogError(.emptyAppend) { _ = try await log.append([], to: "customer-a", expected: .any) }
            await expectLogError(.emptyAppend) { _ = try await log.append([]) }
            await expectLogError(.eventTooLarge) {
                _ = try await log.append(
                    [NewEvent(id: uuid(1), type: "NoteAdded", data: [UInt8](repeating: 65, count: 1025))],
                    to: "activity-1",
                    expected: .any
                )
            }
            for bad in ["", "-x", String(repeating: "a", count: 256), "customer-\u{0}1", "line\nbreak"] {
                await expectLogError(.invalidStreamName) {
                    _ = try await log.append([event(2)], to: bad, expected: .any)
                }
            }
            await expectLogError(.invalidEvent) {
                _ = try await log.append([NewEvent(id: uuid(3), type: "", data: [])], to: "customer-a", expected: .any)
            }
            await expectLogError(.invalidArgument) {
                _ = try await log.append([event(4), event(4)], to: "customer-a", expected: .any)
            }
            await expectLogError(.wrongExpectedVersion) {
                _ = try await log.append([event(5)], to: "customer-a", expected: .exactly(0))
            }
            let headBeforeClose = try log.head().position
            #expect(headBeforeClose == 0)
            await log.close()
            await expectLogError(.closed) { _ = try await log.append([event(6)], to: "customer-a", expected: .any) }
            await expectLogError(.closed) { _ = try log.head() }
            await expectLogError(.closed) { _ = try await log.readAll(.all()) }
            await expectLogError(.closed) { try await log.waitFor(position: 10) }
        }
    }
}

private func attempt(_ body: () async throws(EventLogError) -> AppendResult) async -> Result<
    AppendResult, EventLogError
> {
    do throws(EventLogError) { return .success(try await body()) } catch { return .failure(error) }
}
