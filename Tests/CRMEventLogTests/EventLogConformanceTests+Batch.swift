import CRMEventLog
import CRMStorageLMDB
import Foundation
import Testing

/// ``AppendBatch``: the bulk append, on every implementation.
@Suite struct AppendBatchConformanceTests {
    /// Events 1...n over three streams, interleaved.
    private func interleaved(_ n: Int, from first: Int = 1) throws -> AppendBatch {
        var batch = AppendBatch(minimumCapacity: n)
        for i in first..<(first + n) { try batch.append(event(i), to: ["customer-a", "lead-b", "deal-c"][i % 3]) }
        return batch
    }

    @Test(arguments: LogKind.allCases)
    func eventsGetPositionsInTheOrderTheyWereAddedAndVersionsPerStream(kind: LogKind) async throws {
        try await withLog(kind) { log, _ in
            _ = try await log.append([event(100)], to: "lead-b", expected: .noStream)
            let result = try await log.append(try interleaved(7))
            #expect(result.positions == Array(2...8))
            #expect(!result.idempotentReplay)
            // Streams in order of first use: lead-b (i = 1, 4, 7), deal-c (2, 5), customer-a (3, 6).
            #expect(result.streamVersions == [3, 1, 1])
            let all = try await log.readAll(.all(from: 2))
            #expect(all.map(\.id) == (1...7).map(uuid))
            #expect(
                all.map(\.stream) == ["lead-b", "deal-c", "customer-a", "lead-b", "deal-c", "customer-a", "lead-b"]
            )
            #expect(all.map(\.streamVersion) == [1, 0, 0, 2, 1, 1, 3])
            #expect(all.allSatisfy { $0.effectiveAt == $0.recordedAt && $0.tenant == "acme" })
            #expect(try log.streamVersion("lead-b") == 3)
            let leads = try await log.readAll(.stream("lead-b"))
            #expect(leads.map(\.position) == [1, 2, 5, 8])
            #expect(try await log.verifyChain().isIntact)
        }
    }

    @Test func bothImplementationsWriteTheSameChainAsAStreamsAppend() async throws {
        // The same events, grouped by stream, through `[StreamAppend]` and through `AppendBatch`: same hashes.
        var heads: [LogHead] = []
        for kind in LogKind.allCases {
            for useBatch in [false, true] {
                let head = try await withLog(kind) { log, _ in
                    if useBatch {
                        var batch = AppendBatch()
                        try batch.expect(.noStream, for: "customer-a")
                        for i in 1...3 { try batch.append(event(i), to: "customer-a") }
                        for i in 4...5 { try batch.append(event(i), to: "lead-b") }
                        _ = try await log.append(batch)
                    } else {
                        _ = try await log.append([
                            StreamAppend(stream: "customer-a", expected: .noStream, events: (1...3).map { event($0) }),
                            StreamAppend(stream: "lead-b", expected: .any, events: (4...5).map { event($0) }),
                        ])
                    }
                    return try log.head()
                }
                heads.append(head)
            }
        }
        #expect(Set(heads).count == 1)
        #expect(heads[0].position == 5)
    }

    @Test(arguments: LogKind.allCases)
    func everyStreamsExpectationIsCheckedAndAFailureWritesNothing(kind: LogKind) async throws {
        try await withLog(kind) { log, _ in
            _ = try await log.append([event(1), event(2)], to: "customer-a", expected: .noStream)
            var batch = try interleaved(3, from: 10)
            try batch.expect(.exactly(0), for: "customer-a")
            await expectLogError(.wrongExpectedVersion) { _ = try await log.append(batch) }
            // A pure version check: a stream with an expectation and no events.
            var check = try interleaved(3, from: 10)
            try check.expect(.noStream, for: "order-z")
            try check.expect(.exactly(1), for: "customer-a")
            _ = try await log.append([event(3)], to: "order-z", expected: .any)
            await expectLogError(.wrongExpectedVersion) { _ = try await log.append(check) }
            #expect(try log.head().position == 3)
            try check.expect(.streamExists, for: "order-z")
            let ok = try await log.append(check)
            #expect(ok.positions == [4, 5, 6])
            // Streams in order of first use: events 10, 11, 12 go to lead-b, deal-c, customer-a.
            #expect(check.streamNames == ["lead-b", "deal-c", "customer-a", "order-z"])
            #expect(ok.streamVersions == [0, 0, 2, 0])
        }
    }

    @Test(arguments: LogKind.allCases)
    func aRetriedBatchIsAnIdempotentReplayAndAPartialOneIsRefused(kind: LogKind) async throws {
        try await withLog(kind) { log, _ in
            let batch = try interleaved(5)
            let first = try await log.append(batch)
            let again = try await log.append(batch)
            #expect(again.idempotentReplay)
            #expect(again.positions == first.positions)
            #expect(again.streamVersions == first.streamVersions)
            #expect(try log.head().position == 5)
            // Some stored, some new.
            var partial = AppendBatch()
            try partial.append(event(6), to: "customer-a")
            try partial.append(event(2), to: "deal-c")
            await expectLogError(.duplicateEventId) { _ = try await log.append(partial) }
            // A stored id with another body, or in another stream.
            var otherBody = AppendBatch()
            try otherBody.append(event(1, body: #"{"n":"other"}"#), to: "lead-b")
            await expectLogError(.duplicateEventId) { _ = try await log.append(otherBody) }
            var otherStream = AppendBatch()
            try otherStream.append(event(1), to: "customer-a")
            await expectLogError(.duplicateEventId) { _ = try await log.append(otherStream) }
            #expect(try log.head().position == 5)
            #expect(try await log.verifyChain().isIntact)
        }
    }

    @Test(arguments: LogKind.allCases)
    func badInputIsATypedErrorThatLeavesTheBatchAsItWas(kind: LogKind) async throws {
        try await withLog(kind, configuration: LMDBConfiguration(mapSize: 8 << 20, maxEventSize: 64)) { log, _ in
            var batch = AppendBatch()
            try batch.append(event(1), to: "customer-a")
            for bad in ["", "-x", String(repeating: "a", count: 256), "line\nbreak"] {
                await expectLogError(.invalidStreamName) { try batch.append(event(2), to: bad) }
            }
            await expectLogError(.invalidEvent) {
                try batch.append(NewEvent(id: uuid(3), type: "", data: []), to: "customer-a")
            }
            await expectLogError(.invalidEvent) {
                let long = String(repeating: "x", count: 2000)
                try batch.append(
                    NewEvent(id: uuid(3), type: "T", data: [], metadata: EventMetadata(actor: long)),
                    to: "customer-a"
                )
            }
            await expectLogError(.invalidArgument) { try batch.append(event(1), to: "lead-b") }
            #expect(batch.count == 1)
            #expect(batch.streamNames == ["customer-a"])
            await expectLogError(.emptyAppend) { _ = try await log.append(AppendBatch()) }
            var onlyChecks = AppendBatch()
            try onlyChecks.expect(.noStream, for: "customer-a")
            await expectLogError(.emptyAppend) { _ = try await log.append(onlyChecks) }
            var tooLarge = batch
            try tooLarge.append(
                NewEvent(id: uuid(4), type: "T", data: [UInt8](repeating: 1, count: 65)),
                to: "lead-b"
            )
            await expectLogError(.eventTooLarge) { _ = try await log.append(tooLarge) }
            #expect(try log.head().position == 0)
            let r = try await log.append(batch)
            #expect(r.positions == [1])
            await log.close()
            await expectLogError(.closed) { _ = try await log.append(batch) }
        }
    }

    @Test func payloadsWrittenInPlaceAreStoredAsWritten() async throws {
        try await withLog(.lmdb) { log, _ in
            var batch = AppendBatch()
            for i in 1...300 {
                try batch.append(
                    id: uuid(i),
                    type: "Blob",
                    metadata: EventMetadata(effectiveAt: i % 2 == 0 ? 1_000 + Int64(i) : nil),
                    to: "blob-\(i % 17)",
                    payloadSize: i
                ) { out in
                    for j in 0..<out.count { out[j] = UInt8(truncatingIfNeeded: i &+ j) }
                }
            }
            _ = try await log.append(batch)
            let all = try await log.readAll(.all())
            #expect(all.count == 300)
            for (k, e) in all.enumerated() {
                let i = k + 1
                #expect(e.data == (0..<i).map { UInt8(truncatingIfNeeded: i &+ $0) })
                #expect(e.effectiveAt == (i % 2 == 0 ? 1_000 + Int64(i) : e.recordedAt))
            }
            #expect(try await log.verifyChain().isIntact)
        }
    }

    /// Large appends through both APIs, with small ones between them: the LMDB log (caller-encoded records
    /// completed in LMDB's pages) and the in-memory log (records encoded whole) must write the same chain; several
    /// large appends in flight at once must too.
    @Test func largeAppendsWriteTheSameChainInBothLogs() async throws {
        var heads: [LogHead] = []
        for kind in LogKind.allCases {
            let head = try await withLog(kind) { log, _ in
                for round in 0..<3 {
                    let base = 10_000 * (round + 1)
                    // One after the other, so that both logs commit them in the same order.
                    _ = try await log.append(try interleaved(300, from: base))
                    _ = try await log.append([event(base + 500)], to: "customer-a", expected: .any)
                    _ = try await log.append([
                        StreamAppend(
                            stream: "lead-\(round)",
                            expected: .noStream,
                            events: (1...100).map { event(base + 1000 + $0) }
                        ),
                        StreamAppend(stream: "customer-a", expected: .any, events: [event(base + 2000)]),
                    ])
                }
                #expect(try await log.verifyChain().isIntact)
                return try log.head()
            }
            heads.append(head)
        }
        #expect(heads[0] == heads[1])
        #expect(heads[0].position == 3 * 402)
        // Concurrent large appends on LMDB: whatever the grouping, the chain verifies.
        try await withLog(.lmdb) { log, _ in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for t in 0..<6 {
                    group.addTask {
                        _ = try await log.append(try self.interleaved(64 + 37 * t, from: 100_000 * (t + 1)))
                    }
                }
                try await group.waitForAll()
            }
            #expect(try log.head().position == UInt64((0..<6).reduce(0) { $0 + 64 + 37 * $1 }))
            #expect(try await log.verifyChain().isIntact)
        }
    }
}
