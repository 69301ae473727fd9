import CRMEventLog
import Foundation
import Testing

@testable import CRMStorageLMDB

private func tempDir() -> String {
    let p = FileManager.default.temporaryDirectory.appendingPathComponent("crm-lmdb-tests-\(UUID().uuidString)").path
    try? FileManager.default.createDirectory(atPath: p, withIntermediateDirectories: true)
    return p
}

private func ev(_ n: Int, size: Int = 32) -> NewEvent {
    NewEvent(
        id: UUID(uuidString: String(format: "00000000-0000-4000-8000-%012x", n))!,
        type: "ContactUpdated",
        data: [UInt8](repeating: UInt8(truncatingIfNeeded: n), count: size),
        metadata: EventMetadata(actor: "user:1", tenant: "t")
    )
}

@Suite struct LMDBEventLogTests {
    @Test(arguments: [3, 100_000])
    func reopeningRestoresEverythingAndRebuildsRecentIndexEntries(mergeThreshold: Int) async throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let config = LMDBConfiguration(mapSize: 4 << 20, indexMergeThreshold: mergeThreshold)
        let log = try LMDBEventLog.open(directory: dir, configuration: config, clock: .fixed(1000))
        for i in 1...50 { _ = try await log.append([ev(i)], to: "contact-\(i % 7)", expected: .any) }
        let headBefore = try log.head()
        await log.close()

        let reopened = try LMDBEventLog.open(directory: dir, configuration: config, clock: .fixed(2000))
        #expect(try reopened.head() == headBefore)
        for s in 0..<7 {
            let events = try await reopened.readAll(.stream("contact-\(s)"))
            #expect(events.map(\.streamVersion) == Array(0..<UInt64(events.count)))
            #expect(try reopened.streamVersion("contact-\(s)") == UInt64(events.count - 1))
        }
        // Idempotency survives the reopen (ids come from the merged index or the rebuilt memtable).
        let replay = try await reopened.append([ev(10)], to: "contact-3", expected: .any)
        #expect(replay.idempotentReplay)
        #expect(replay.positions == [10])
        let next = try await reopened.append([ev(51)], to: "contact-0", expected: .exactly(6))
        #expect(next.positions == [51])
        #expect(try await reopened.verifyChain().isIntact)
        await reopened.close()
    }

    @Test func aTinyMapGrowsWithoutTheCallerNoticing() async throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let log = try LMDBEventLog.open(
            directory: dir,
            configuration: LMDBConfiguration(mapSize: 64 << 10, indexMergeThreshold: 50),
            clock: .fixed(1)
        )
        for batch in 0..<40 {
            let events = (0..<10).map { ev(batch * 10 + $0 + 1, size: 4000) }
            _ = try await log.append(events, to: "contact-\(batch % 5)", expected: .any)
        }
        #expect(try log.head().position == 400)
        let stats = try log.statistics()
        #expect(stats["mapSize"]! > 64 << 10)
        #expect(try await log.verifyChain().isIntact)
        await log.close()
    }

    @Test func aFileOrAForeignDirectoryIsNotAnEventLog() async throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = dir + "/plain.txt"
        try Data("hello".utf8).write(to: URL(fileURLWithPath: file))
        #expect(throws: EventLogError(code: .notAnEventLog, message: "")) {
            _ = try LMDBEventLog.open(directory: file)
        }
        let fake = dir + "/fake"
        try FileManager.default.createDirectory(atPath: fake, withIntermediateDirectories: true)
        try Data(repeating: 0x41, count: 8192).write(to: URL(fileURLWithPath: fake + "/data.mdb"))
        do {
            _ = try LMDBEventLog.open(directory: fake)
            Issue.record("expected notAnEventLog")
        } catch {
            #expect(error.code == .notAnEventLog)
            #expect(error.message.contains("data.mdb"))
        }
    }

    @Test func aNewerFormatVersionIsRefused() async throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let log = try LMDBEventLog.open(directory: dir, configuration: .init(mapSize: 1 << 20))
        _ = try await log.append([ev(1)], to: "contact-1", expected: .any)
        try log._setFormatVersionForTesting(LMDBEventLog.formatVersion + 1)
        await log.close()
        do {
            _ = try LMDBEventLog.open(directory: dir, configuration: .init(mapSize: 1 << 20))
            Issue.record("expected incompatibleFormat")
        } catch {
            #expect(error.code == .incompatibleFormat)
            #expect(error.message.contains("format version \(LMDBEventLog.formatVersion + 1)"))
        }
    }

    @Test func aRefusedOpenLeavesNoFileOpen() async throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        do {
            let log = try LMDBEventLog.open(directory: dir, configuration: .init(mapSize: 1 << 20))
            _ = try await log.append([ev(1)], to: "contact-1", expected: .any)
            try log._setFormatVersionForTesting(LMDBEventLog.formatVersion + 1)
            await log.close()
        }  // released here: its environments close
        // Files of this log open in this process (other tests run in parallel, so count only these).
        func openFiles() throws -> Int {
            try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").filter { fd in
                let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + fd)
                return target?.hasPrefix(dir) == true
            }.count
        }
        let before = try openFiles()
        #expect(before == 0)
        for _ in 0..<5 {
            #expect(throws: EventLogError.self) {
                _ = try LMDBEventLog.open(directory: dir, configuration: .init(mapSize: 1 << 20))
            }
        }
        #expect(try openFiles() == before)
    }

    @Test func largeLogsStreamInPagesAndMergeTheIndex() async throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let log = try LMDBEventLog.open(
            directory: dir,
            configuration: LMDBConfiguration(mapSize: 16 << 20, durable: false, indexMergeThreshold: 1000),
            clock: .fixed(5)
        )
        var n = 0
        for _ in 0..<5 {
            var batch: [StreamAppend] = []
            for s in 0..<50 {
                batch.append(
                    StreamAppend(
                        stream: "contact-\(s)",
                        expected: .any,
                        events: (0..<10).map { _ in
                            n += 1; return ev(n)
                        }
                    )
                )
            }
            _ = try await log.append(batch)
        }
        await log.flushIndex()
        #expect(try log.statistics()["indexedThrough"]! == 2500)
        #expect(try log.statistics()["unmergedIndexEntries"]! == 0)
        var count: UInt64 = 0
        for try await e in log.read(.all()) {
            count += 1
            #expect(e.position == count)
        }
        #expect(count == 2500)
        let s7 = try await log.readAll(.stream("contact-7"))
        #expect(s7.count == 50)
        #expect(s7.map(\.streamVersion) == Array(0..<50))
        await log.close()
    }

    @Test func statisticsCountGroupCommitsAndTheAppendsTheyResolve() async throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let log = try LMDBEventLog.open(directory: dir, configuration: LMDBConfiguration(mapSize: 4 << 20))
        for i in 1...10 { _ = try await log.append([ev(i)], to: "contact-1", expected: .any) }
        // A refused append is resolved by a commit too (the writer resolves it with its error).
        await #expect(throws: EventLogError.self) {
            _ = try await log.append([ev(11)], to: "contact-1", expected: .exactly(3))
        }
        let stats = try log.statistics()
        #expect(stats["groupCommits"] == 11)
        #expect(stats["groupedAppends"] == 11)
        await log.close()
    }

    @Test func concurrentSingleEventAppendersShareCommits() async throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let log = try LMDBEventLog.open(directory: dir, configuration: LMDBConfiguration(mapSize: 4 << 20))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for t in 0..<16 {
                group.addTask {
                    for k in 0..<25 {
                        _ = try await log.append([ev(1 + t * 25 + k)], to: "contact-\(t)", expected: .any)
                    }
                }
            }
            try await group.waitForAll()
        }
        let stats = try log.statistics()
        #expect(stats["head"] == 400)
        #expect(stats["groupedAppends"] == 400)
        // Durable commits of callers that come back together are shared (typically 16 to a commit; at least 2 on
        // average even on a loaded machine, since callers queue up behind each sync).
        #expect(stats["groupCommits"]! <= 200)
        #expect(try await log.verifyChain().isIntact)
        await log.close()
    }

    /// The writer keeps a group open while the callers of the last one come back, writing each as it arrives.
    /// A caller refused inside an open group (a wrong expected version, a reused id with another body) gets its
    /// own typed error; the others in the group commit, and positions and versions stay gap-free.
    @Test func aCallerRefusedInsideAnOpenGroupFailsAloneAndTheGroupCommits() async throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let log = try LMDBEventLog.open(directory: dir, configuration: LMDBConfiguration(mapSize: 8 << 20))
        let rounds = 30
        let outcomes = try await withThrowingTaskGroup(of: (ok: Int, refused: Int).self) { group in
            for t in 0..<16 {
                group.addTask {
                    var ok = 0
                    var refused = 0
                    for k in 0..<rounds {
                        let stream = "contact-\(t)"
                        do {
                            if k % 5 == 4 {
                                // A wrong expected version: the stream is at version ok - 1.
                                _ = try await log.append(
                                    [ev(100_000 + t * 1_000 + k)],
                                    to: stream,
                                    expected: .exactly(UInt64(ok + 7))
                                )
                                Issue.record("a wrong expected version was accepted")
                            } else if k % 7 == 6 && ok > 0 {
                                // The id of this caller's first event, with another body.
                                _ = try await log.append([ev(1 + t * 1_000, size: 48)], to: stream, expected: .any)
                                Issue.record("a reused id with another body was accepted")
                            } else {
                                let r = try await log.append(
                                    [ev(1 + t * 1_000 + ok)],
                                    to: stream,
                                    expected: ok == 0 ? .noStream : .exactly(UInt64(ok - 1))
                                )
                                #expect(r.streamVersion == UInt64(ok))
                                ok += 1
                            }
                        } catch let e as EventLogError {
                            #expect(e.code == .wrongExpectedVersion || e.code == .duplicateEventId)
                            refused += 1
                        }
                    }
                    return (ok, refused)
                }
            }
            var all: [(ok: Int, refused: Int)] = []
            for try await o in group { all.append(o) }
            return all
        }
        let written = outcomes.reduce(0) { $0 + $1.ok }
        #expect(outcomes.allSatisfy { $0.ok + $0.refused == rounds && $0.refused >= rounds / 5 })
        #expect(try log.head().position == UInt64(written))
        for t in 0..<16 {
            let events = try await log.readAll(.stream("contact-\(t)"))
            #expect(events.map(\.streamVersion) == Array(0..<UInt64(events.count)))
        }
        let stats = try log.statistics()
        #expect(stats["groupedAppends"] == UInt64(16 * rounds))
        // Groups were shared (callers queue behind each sync), so refused callers were inside groups with others. How
        // much they were shared depends on the machine's load, which this test does not control.
        #expect(stats["groupCommits"]! < UInt64(16 * rounds))
        #expect(try await log.verifyChain().isIntact)
        await log.close()
    }

    /// A map that fills while a group is open is grown and the whole group written again, callers unaware.
    @Test func aTinyMapGrowsUnderConcurrentCallersSharingGroups() async throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let log = try LMDBEventLog.open(
            directory: dir,
            configuration: LMDBConfiguration(mapSize: 64 << 10, durable: false, indexMergeThreshold: 200)
        )
        try await withThrowingTaskGroup(of: Void.self) { group in
            for t in 0..<16 {
                group.addTask {
                    for k in 0..<20 {
                        _ = try await log.append([ev(1 + t * 100 + k, size: 3000)], to: "contact-\(t)", expected: .any)
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(try log.head().position == 320)
        #expect(try log.statistics()["mapSize"]! > 64 << 10)
        for t in 0..<16 { #expect(try log.streamVersion("contact-\(t)") == 19) }
        #expect(try await log.verifyChain().isIntact)
        await log.close()
    }

    @Test func theWriterGathersAsManyCallersAsItsLastCommitResolvedForAQuarterOfACommit() {
        var window = LMDBEventLog.GatherWindow()
        #expect(window.wait == nil)
        window.committed(requests: 1, nanoseconds: 300_000)
        #expect(window.wait == nil)  // a lone caller never waits
        window.committed(requests: 16, nanoseconds: 300_000)
        #expect(window.wait?.callers == 16)
        #expect(window.wait?.nanoseconds == 75_000)
        for _ in 0..<100 { window.committed(requests: 8, nanoseconds: 40_000_000) }
        #expect(window.wait?.callers == 8)
        #expect(window.wait?.nanoseconds == LMDBEventLog.GatherWindow.maxWaitNanos)
    }

    /// The writer resumes callers before it folds their group into the memtable; whoever reads the memtable first
    /// folds it. Every append must be visible to its caller's next read, while merges run and other callers append.
    @Test func anAppendIsVisibleToItsCallersNextReadsWhileTheWriterFoldsAndMerges() async throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let log = try LMDBEventLog.open(
            directory: dir,
            configuration: LMDBConfiguration(mapSize: 8 << 20, indexMergeThreshold: 40)
        )
        try await withThrowingTaskGroup(of: Void.self) { group in
            for t in 0..<8 {
                group.addTask {
                    let stream = "contact-\(t)"
                    for k in 0..<60 {
                        let events = (0..<(1 + k % 3)).map { ev(100_000 * (t + 1) + 10 * k + $0) }
                        let r = try await log.append(events, to: stream, expected: .any)
                        #expect(try log.streamVersion(stream) == r.streamVersion)
                        let read = try await log.readAll(
                            ReadQuery(filter: .stream(stream), direction: .backward, limit: 1)
                        )
                        #expect(read.first?.position == r.positions.last)
                        #expect(try log.event(at: r.positions.last!)?.id == events.last?.id)
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(try await log.verifyChain().isIntact)
        await log.close()
    }
}
