import CLMDB
import CRMEventLog
import CRMTestSupport
import Foundation
import Testing

@testable import CRMStorageLMDB

/// The derived index (ADR 0005): its own environment, merged in the background, rebuilt from the log when it is
/// missing, stale, ahead of the log or from format 1.
@Suite struct IndexTests {
    private func tempDir() -> String {
        let p = FileManager.default.temporaryDirectory.appendingPathComponent("crm-index-tests-\(UUID().uuidString)")
            .path
        try? FileManager.default.createDirectory(atPath: p, withIntermediateDirectories: true)
        return p
    }

    private func ev(_ n: Int) -> NewEvent {
        NewEvent(
            id: UUID(uuidString: String(format: "00000000-0000-4000-8000-%012x", n))!,
            type: "ContactUpdated",
            data: Array("event \(n)".utf8)
        )
    }

    /// Appends `count` events round-robin over `streams` streams named `contact-<i>`, one append per event.
    private func fill(_ log: LMDBEventLog, count: Int, streams: Int, from: Int = 1) async throws {
        for n in from..<(from + count) {
            _ = try await log.append([ev(n)], to: "contact-\(n % streams)", expected: .any)
        }
    }

    /// A closed log in a new directory (the caller removes it) with `count` events over `streams` streams, all
    /// merged into its index (merge threshold 8), and the configuration to reopen it with.
    private func closedLog(count: Int, streams: Int) async throws -> (String, LMDBConfiguration) {
        let dir = tempDir()
        let config = LMDBConfiguration(mapSize: 4 << 20, indexMergeThreshold: 8)
        let log = try LMDBEventLog.open(directory: dir, configuration: config)
        try await fill(log, count: count, streams: streams)
        await log.flushIndex()
        await log.close()
        return (dir, config)
    }

    /// Every stream reads back gap-free, and its version matches `streamVersion`.
    private func expectStreamsIntact(_ log: LMDBEventLog, streams: Int, total: Int) async throws {
        var seen = 0
        for s in 0..<streams {
            let events = try await log.readAll(.stream("contact-\(s)"))
            #expect(events.map(\.streamVersion) == Array(0..<UInt64(events.count)))
            #expect(events.allSatisfy { $0.stream == "contact-\(s)" })
            #expect(try log.streamVersion("contact-\(s)") == (events.isEmpty ? nil : UInt64(events.count - 1)))
            let backward = try await log.readAll(.stream("contact-\(s)").backward())
            #expect(backward.map(\.position) == events.map(\.position).reversed())
            seen += events.count
        }
        #expect(seen == total)
    }

    @Test func flushIndexMergesEverythingAndReadsStillSeeEveryVersion() async throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let log = try LMDBEventLog.open(
            directory: dir,
            configuration: LMDBConfiguration(mapSize: 4 << 20, indexMergeThreshold: 10)
        )
        try await fill(log, count: 95, streams: 6)
        await log.flushIndex()
        let stats = try log.statistics()
        #expect(stats["indexedThrough"] == 95)
        #expect(stats["unmergedIndexEntries"] == 0)
        #expect(stats["indexMergeFailures"] == 0)
        try await expectStreamsIntact(log, streams: 6, total: 95)
        // Merged ids are still found: the same append is an idempotent replay, a new body is refused.
        let replay = try await log.append([ev(7)], to: "contact-1", expected: .any)
        #expect(replay.idempotentReplay && replay.positions == [7])
        await #expect(throws: EventLogError.self) {
            _ = try await log.append([NewEvent(id: ev(7).id, type: "Other", data: [])], to: "contact-1", expected: .any)
        }
        await log.close()
    }

    @Test func manyMergesLeaveAFewSortedRunsAndEveryVersionAndIdIsFound() async throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let config = LMDBConfiguration(mapSize: 16 << 20, indexMergeThreshold: 10)
        let log = try LMDBEventLog.open(directory: dir, configuration: config)
        // One merge per round: 60 runs of level 0, merged four at a time into runs of the next level.
        for round in 0..<60 {
            try await fill(log, count: 10, streams: 7, from: round * 10 + 1)
            await log.flushIndex()
        }
        let stats = try log.statistics()
        let merges = Int(stats["indexMerges"]!)
        #expect(merges >= 60)
        // The runs count like a base-4 counter: one run per unit of each digit of the number of merges.
        var digits = 0
        var m = merges
        while m > 0 {
            digits += m % IndexStore.fanIn
            m /= IndexStore.fanIn
        }
        #expect(stats["indexRuns"] == UInt64(digits))
        #expect(digits < 10)
        try await expectStreamsIntact(log, streams: 7, total: 600)
        // Pages that begin inside one run and end in another, both directions.
        let all = try await log.readAll(.stream("contact-3"))
        for from in stride(from: 0, to: all.count, by: 5) {
            let page = try await log.readAll(.stream("contact-3", fromVersion: UInt64(from), limit: 7))
            #expect(page.map(\.position) == all[from..<min(all.count, from + 7)].map(\.position))
            let back = try await log.readAll(.stream("contact-3", fromVersion: UInt64(from), limit: 7).backward())
            #expect(back.map(\.position) == all[max(0, from - 6)...from].reversed().map(\.position))
        }
        // Ids from the oldest (most merged) runs and the newest are found: replays, and a new body is refused.
        for n in [1, 2, 299, 590, 600] {
            let r = try await log.append([ev(n)], to: "contact-\(n % 7)", expected: .any)
            #expect(r.idempotentReplay && r.positions == [UInt64(n)])
        }
        await #expect(throws: EventLogError.self) {
            _ = try await log.append([NewEvent(id: ev(2).id, type: "Other", data: [])], to: "contact-2", expected: .any)
        }
        await log.close()
        // The runs are on disk: a reopened log reads the same and recognises the same ids without refolding them.
        let reopened = try LMDBEventLog.open(directory: dir, configuration: config)
        #expect(try reopened.statistics()["unmergedIndexEntries"] == 0)
        #expect(try reopened.statistics()["indexRuns"] == UInt64(digits))
        try await expectStreamsIntact(reopened, streams: 7, total: 600)
        #expect(try await reopened.append([ev(123)], to: "contact-\(123 % 7)", expected: .any).idempotentReplay)
        await reopened.close()
    }

    @Test func appendsSpreadOverManyStreamsAreMergedOnceEachStreamHasAFewEvents() async throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let log = try LMDBEventLog.open(
            directory: dir,
            configuration: LMDBConfiguration(mapSize: 4 << 20, indexMergeThreshold: 100)
        )
        #expect(log.mergeTrigger(dirtyStreams: 10) == 100)
        #expect(log.mergeTrigger(dirtyStreams: 60) == 240)
        #expect(log.mergeTrigger(dirtyStreams: 1_000) == 400)
        // 300 events over 150 streams: past the threshold, but two events per stream: no merge yet.
        try await fill(log, count: 300, streams: 150)
        #expect(try log.statistics()["indexMerges"] == 0)
        #expect(try log.statistics()["unmergedIndexEntries"] == 300)
        // Four per stream: the writer asks for a merge.
        try await fill(log, count: 300, streams: 150, from: 301)
        var waited = 0
        while try log.statistics()["indexMerges"] == 0 && waited < 500 {
            try await Task.sleep(for: .milliseconds(10))
            waited += 1
        }
        #expect(try log.statistics()["indexMerges"]! >= 1)
        try await expectStreamsIntact(log, streams: 150, total: 600)
        await log.close()
    }

    @Test func anIndexInAnOlderFormatIsDroppedAndRebuiltFromTheLog() async throws {
        let (dir, config) = try await closedLog(count: 40, streams: 4)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // Format 1 had no `indexFormat` and kept `streamIndex`/`eventIds` trees (here with an entry that would lie).
        try withRawLogEnvironment(dir + "/index") { txn in
            var meta: MDB_dbi = 0
            #expect(mdb_dbi_open(txn, "meta", 0, &meta) == 0)
            var key = Array("indexFormat".utf8)
            key.withUnsafeMutableBytes { kb in
                var k = MDB_val(mv_size: kb.count, mv_data: kb.baseAddress)
                #expect(mdb_del(txn, meta, &k, nil) == 0)
            }
            var old: MDB_dbi = 0
            #expect(mdb_dbi_open(txn, "eventIds", UInt32(MDB_CREATE), &old) == 0)
            var id = ev(41).id.uuid
            var position = UInt64(3).bigEndian
            withUnsafeMutableBytes(of: &id) { kb in
                withUnsafeMutableBytes(of: &position) { vb in
                    var k = MDB_val(mv_size: 16, mv_data: kb.baseAddress)
                    var v = MDB_val(mv_size: 8, mv_data: vb.baseAddress)
                    #expect(mdb_put(txn, old, &k, &v, 0) == 0)
                }
            }
        }
        let reopened = try LMDBEventLog.open(directory: dir, configuration: config)
        // Rebuilt from position 1 (merged every 4 × 8 events as it is read).
        #expect(try reopened.statistics()["indexedThrough"] == 32)
        #expect(try reopened.statistics()["unmergedIndexEntries"] == 8)
        try await expectStreamsIntact(reopened, streams: 4, total: 40)
        // The old tree is gone: the id it named is new.
        #expect(try await reopened.append([ev(41)], to: "contact-1", expected: .any).positions == [41])
        await reopened.flushIndex()
        try await expectStreamsIntact(reopened, streams: 4, total: 41)
        await reopened.close()
    }

    @Test func aStreamThatComesBackWithoutItsNumberKeepsItAndReadsBack() async throws {
        // An append planned while its stream was in memory without a number, folded in after a merge numbered the
        // stream and dropped it from memory, brings it back without its number. The next merge must give it the
        // number it has (not a new one, which would split its versions) and readers must find it meanwhile.
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (store, progress) = try IndexStore.open(
            directory: dir,
            mapSize: 1 << 20,
            maxMapSize: 1 << 30,
            maxReaders: 8,
            durable: false
        )
        let ids = IdTable()
        var first = ids
        first.insert(ev(1).id, 1)
        let (n1, p1) = try store.merge(
            [.init(name: "contact-x", streamNo: nil, mergedCount: 0, positions: [1])],
            ids: first,
            through: 1,
            progress: progress
        )
        var second = ids
        second.insert(ev(2).id, 2)
        let (n2, p2) = try store.merge(
            [.init(name: "contact-x", streamNo: nil, mergedCount: 1, positions: [2])],
            ids: second,
            through: 2,
            progress: p1
        )
        #expect(n2 == n1)
        #expect(p2.indexedThrough == 2)
        let txn = try store.beginRead()
        defer { store.endRead(txn) }
        #expect(try store.stream(txn, "contact-x")?.no == n1[0])
        #expect(try store.stream(txn, "contact-x")?.count == 2)
        #expect(try store.positions(txn, streamNo: n1[0], from: 0, count: 2) == [1, 2])

        // In a log: a resident stream whose number is missing still reads back through the index.
        let logDir = tempDir()
        defer { try? FileManager.default.removeItem(atPath: logDir) }
        let log = try LMDBEventLog.open(
            directory: logDir,
            configuration: LMDBConfiguration(mapSize: 4 << 20, indexMergeThreshold: 4)
        )
        try await fill(log, count: 12, streams: 3)
        await log.flushIndex()
        log.withMemtable { m in
            if let i = m.streams.find("contact-1") { m.streams.values[i].streamNo = nil }
        }
        #expect(try await log.readAll(.stream("contact-1")).map(\.streamVersion) == [0, 1, 2, 3])
        _ = try await log.append([ev(13)], to: "contact-1", expected: .exactly(3))
        await log.flushIndex()
        try await expectStreamsIntact(log, streams: 3, total: 13)
        await log.close()
    }

    @Test func aDamagedIndexRunIsACorruptErrorThatSaysHowToRebuildTheIndex() async throws {
        let (dir, config) = try await closedLog(count: 40, streams: 4)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // Stream #1 (`contact-0`, first by name) gets an entry of 3 bytes in the run that holds it.
        try withRawLogEnvironment(dir + "/index") { txn in
            var damaged = 0
            for slot in 0..<IndexStore.runSlots {
                var dbi: MDB_dbi = 0
                guard mdb_dbi_open(txn, "streams.\(slot)", 0, &dbi) == 0 else { continue }
                var key = UInt64(1).bigEndian
                var junk: [UInt8] = [1, 2, 3]
                let rc = withUnsafeMutableBytes(of: &key) { kb in
                    junk.withUnsafeMutableBytes { vb in
                        var k = MDB_val(mv_size: 8, mv_data: kb.baseAddress)
                        var v = MDB_val()
                        guard mdb_get(txn, dbi, &k, &v) == 0 else { return Int32(-1) }
                        v = MDB_val(mv_size: vb.count, mv_data: vb.baseAddress)
                        return mdb_put(txn, dbi, &k, &v, 0)
                    }
                }
                if rc == 0 { damaged += 1 }
            }
            #expect(damaged >= 1)
        }
        let log = try LMDBEventLog.open(directory: dir, configuration: config)
        let error = await #expect(throws: EventLogError.self) { _ = try await log.readAll(.stream("contact-0")) }
        #expect(error?.code == .corrupt)
        #expect(error?.message.contains("delete its `index` directory") == true, "\(String(describing: error))")
        #expect(error?.message.contains("stream #1") == true)
        // The log itself is intact, and rebuilding the index repairs the stream.
        #expect(try await log.verifyChain().isIntact)
        await log.close()
        try FileManager.default.removeItem(atPath: dir + "/index")
        let rebuilt = try LMDBEventLog.open(directory: dir, configuration: config)
        try await expectStreamsIntact(rebuilt, streams: 4, total: 40)
        await rebuilt.close()
    }

    @Test func aDeletedIndexIsRebuiltFromTheLog() async throws {
        let (dir, config) = try await closedLog(count: 60, streams: 5)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.removeItem(atPath: dir + "/index")

        let reopened = try LMDBEventLog.open(directory: dir, configuration: config)
        // Rebuilt while reading the log: merged every 4 × 8 events, so memory holds at most that many.
        let stats = try reopened.statistics()
        #expect(stats["indexedThrough"] == 32 && stats["unmergedIndexEntries"] == 28)
        #expect(stats["indexRuns"] == 1)
        try await expectStreamsIntact(reopened, streams: 5, total: 60)
        let next = try await reopened.append([ev(61)], to: "contact-1", expected: .exactly(11))
        #expect(next.positions == [61])
        #expect(try await reopened.append([ev(3)], to: "contact-3", expected: .any).idempotentReplay)
        await reopened.close()
    }

    @Test func anIndexAheadOfTheLogIsDiscardedAndRebuilt() async throws {
        // A log opened without durability can lose its last commits in an OS crash while its index kept them.
        // Simulate it with the index of a longer history beside a shorter log.
        let longer = tempDir()
        let shorter = tempDir()
        defer {
            try? FileManager.default.removeItem(atPath: longer)
            try? FileManager.default.removeItem(atPath: shorter)
        }
        let config = LMDBConfiguration(mapSize: 4 << 20, indexMergeThreshold: 5)
        let a = try LMDBEventLog.open(directory: longer, configuration: config, clock: .fixed(1))
        try await fill(a, count: 40, streams: 4)
        await a.flushIndex()
        await a.close()
        let b = try LMDBEventLog.open(directory: shorter, configuration: config, clock: .fixed(1))
        try await fill(b, count: 12, streams: 4)
        await b.close()
        try FileManager.default.removeItem(atPath: shorter + "/index")
        try FileManager.default.copyItem(atPath: longer + "/index", toPath: shorter + "/index")

        let reopened = try LMDBEventLog.open(directory: shorter, configuration: config, clock: .fixed(1))
        #expect(try reopened.head().position == 12)
        try await expectStreamsIntact(reopened, streams: 4, total: 12)
        // Ids 13...40 were only in the foreign index: they are new here.
        let r = try await reopened.append([ev(20)], to: "contact-0", expected: .exactly(2))
        #expect(!r.idempotentReplay && r.positions == [13])
        await reopened.close()
    }

    @Test func aFormatOneLogIsUpgradedInPlace() async throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let config = LMDBConfiguration(mapSize: 4 << 20, indexMergeThreshold: 4)
        let log = try LMDBEventLog.open(directory: dir, configuration: config)
        try await fill(log, count: 30, streams: 3)
        await log.flushIndex()
        try log._setFormatVersionForTesting(1)
        await log.close()
        // Format 1 kept its index tables in the log's environment: recreate them (with stale content).
        try withRawLogEnvironment(dir) { txn in
            for name in ["streams", "streamIndex", "eventIds"] {
                var dbi: MDB_dbi = 0
                #expect(mdb_dbi_open(txn, name, UInt32(MDB_CREATE), &dbi) == 0)
                var pair: (key: UInt64, value: UInt64) = (1, 99)
                let rc = withUnsafeMutableBytes(of: &pair) { raw in
                    var k = MDB_val(mv_size: 8, mv_data: raw.baseAddress)
                    var v = MDB_val(mv_size: 8, mv_data: raw.baseAddress! + 8)
                    return mdb_put(txn, dbi, &k, &v, 0)
                }
                #expect(rc == 0)
            }
        }

        let upgraded = try LMDBEventLog.open(directory: dir, configuration: config)
        try await expectStreamsIntact(upgraded, streams: 3, total: 30)
        #expect(try await upgraded.verifyChain().isIntact)
        await upgraded.close()
        try withRawLogEnvironment(dir) { txn in
            var dbi: MDB_dbi = 0
            #expect(mdb_dbi_open(txn, "streamIndex", 0, &dbi) == MDB_NOTFOUND)
            var meta: MDB_dbi = 0
            #expect(mdb_dbi_open(txn, "meta", 0, &meta) == 0)
            var key = Array("format".utf8)
            var v = MDB_val()
            let rc = key.withUnsafeMutableBytes { kb in
                var k = MDB_val(mv_size: kb.count, mv_data: kb.baseAddress)
                return mdb_get(txn, meta, &k, &v)
            }
            #expect(rc == 0)
            #expect(v.mv_size == 4 && v.mv_data.loadUnaligned(as: UInt32.self) == LMDBEventLog.formatVersion)
        }
    }

    @Test func streamsBeyondTheResidentLimitLeaveMemoryAndComeBackFromTheIndex() async throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let config = LMDBConfiguration(mapSize: 4 << 20, indexMergeThreshold: 10, residentStreams: 4)
        let log = try LMDBEventLog.open(directory: dir, configuration: config)
        try await fill(log, count: 120, streams: 20)
        await log.flushIndex()
        #expect(try log.statistics()["residentStreams"]! <= 20)
        try await expectStreamsIntact(log, streams: 20, total: 120)
        // Appends to streams read back from the index check their versions against it.
        for s in 0..<20 {
            let r = try await log.append([ev(1000 + s)], to: "contact-\(s)", expected: .exactly(5))
            #expect(r.streamVersion == 6)
        }
        await #expect(throws: EventLogError.self) {
            _ = try await log.append([ev(2000)], to: "contact-3", expected: .exactly(5))
        }
        await log.flushIndex()
        try await expectStreamsIntact(log, streams: 20, total: 140)
        await log.close()

        // Rebuilt from the log: recovery merges every 40 events and drops streams from memory as it goes, so
        // the streams it meets again must be found in the index it has just written.
        try FileManager.default.removeItem(atPath: dir + "/index")
        let rebuilt = try LMDBEventLog.open(directory: dir, configuration: config)
        #expect(try rebuilt.statistics()["indexedThrough"] == 120)
        try await expectStreamsIntact(rebuilt, streams: 20, total: 140)
        #expect(try await rebuilt.append([ev(3000)], to: "contact-7", expected: .exactly(6)).streamVersion == 7)
        await rebuilt.close()
    }

    @Test func readersAndWritersRaceMergesWithoutSeeingAGap() async throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let log = try LMDBEventLog.open(
            directory: dir,
            configuration: LMDBConfiguration(
                mapSize: 16 << 20,
                durable: false,
                indexMergeThreshold: 3,
                residentStreams: 2
            )
        )
        let writers = 4
        let each = 150
        try await withThrowingTaskGroup(of: Void.self) { group in
            for w in 0..<writers {
                group.addTask {
                    for i in 0..<each {
                        let n = w * each + i + 1
                        _ = try await log.append([self.ev(n)], to: "contact-\(n % 9)", expected: .any)
                    }
                }
            }
            for _ in 0..<2 {
                group.addTask {
                    for round in 0..<200 {
                        let name = "contact-\(round % 9)"
                        let events = try await log.readAll(.stream(name))
                        #expect(events.map(\.streamVersion) == Array(0..<UInt64(events.count)))
                        if let v = try log.streamVersion(name) { #expect(v + 1 >= UInt64(events.count)) }
                    }
                }
            }
            try await group.waitForAll()
        }
        await log.flushIndex()
        try await expectStreamsIntact(log, streams: 9, total: writers * each)
        await log.close()
    }

    @Test func manyIdsStayUniqueAcrossFilterGrowthAndReopen() async throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let config = LMDBConfiguration(mapSize: 64 << 20, durable: false, indexMergeThreshold: 5_000)
        let log = try LMDBEventLog.open(directory: dir, configuration: config)
        // 120,000 ids pass the filter's first capacity (2^20 bits / 10 ≈ 104,857 ids): it is rebuilt, twice as big.
        let firstCapacity = log._idFilterCapacity
        var n = 0
        for _ in 0..<120 {
            var batch: [StreamAppend] = []
            for s in 0..<10 {
                batch.append(
                    StreamAppend(
                        stream: "contact-\(s)",
                        expected: .any,
                        events: (0..<100).map { _ in
                            n += 1
                            return ev(n)
                        }
                    )
                )
            }
            _ = try await log.append(batch)
        }
        #expect(log._idFilterCapacity > firstCapacity)
        // Every stored id is still recognised, before and after a reopen.
        for probe in stride(from: 1, through: 120_000, by: 6_999) {
            let r = try await log.append([ev(probe)], to: "contact-\(((probe - 1) / 100) % 10)", expected: .any)
            #expect(r.idempotentReplay && r.positions == [UInt64(probe)])
        }
        await log.close()
        let reopened = try LMDBEventLog.open(directory: dir, configuration: config)
        for probe in stride(from: 3, through: 120_000, by: 7_001) {
            let r = try await reopened.append([ev(probe)], to: "contact-\(((probe - 1) / 100) % 10)", expected: .any)
            #expect(r.idempotentReplay && r.positions == [UInt64(probe)])
        }
        #expect(try await reopened.append([ev(120_001)], to: "contact-0", expected: .any).positions == [120_001])
        await reopened.close()
    }
}

/// Runs `body` in a write transaction on the log's own LMDB environment (the log must be closed).
private func withRawLogEnvironment(_ dir: String, _ body: (OpaquePointer) throws -> Void) throws {
    var env: OpaquePointer?
    #expect(mdb_env_create(&env) == 0)
    defer { mdb_env_close(env) }
    mdb_env_set_maxdbs(env, 80)
    #expect(mdb_env_open(env, dir, 0, 0o644) == 0)
    var txn: OpaquePointer?
    #expect(mdb_txn_begin(env, nil, 0, &txn) == 0)
    try body(txn!)
    #expect(mdb_txn_commit(txn) == 0)
}

@Suite struct HotPathStructureTests {
    @Test func theIdFilterHasNoFalseNegativesAndFewFalsePositives() {
        var filter = IdFilter(capacity: 50_000)
        var rng = SplitMix64(seed: 7)
        let stored = (0..<filter.capacity).map { _ in rng.uuid() }
        for id in stored { filter.insert(id) }
        #expect(stored.allSatisfy { filter.mayContain($0) })
        #expect(filter.isFull == false)
        let probes = 100_000
        let falsePositives = (0..<probes).filter { _ in filter.mayContain(rng.uuid()) }.count
        #expect(Double(falsePositives) / Double(probes) < 0.03)
        filter.insert(rng.uuid())
        #expect(filter.isFull)
    }

    @Test func theStreamTableFindsWhatItHoldsAcrossGrowthAndRemoval() {
        var table = StreamTable<Int>()
        for i in 0..<5_000 { table.insert("stream-\(i)", hash: StreamTable<Int>.hash("stream-\(i)"), i) }
        #expect(table.count == 5_000)
        for i in stride(from: 0, to: 5_000, by: 7) { #expect(table.find("stream-\(i)").map { table.values[$0] } == i) }
        #expect(table.find("stream-5000") == nil)
        #expect(table.find("") == nil)
        table.removeAll { $0 % 2 == 0 }
        #expect(table.count == 2_500)
        #expect(table.find("stream-10") == nil)
        #expect(table.find("stream-11").map { table.values[$0] } == 11)
        // Same hash, different names: both are kept apart.
        table.insert("a", hash: 42, -1)
        table.insert("b", hash: 42, -2)
        #expect(table.find("a", hash: 42).map { table.values[$0] } == -1)
        #expect(table.find("b", hash: 42).map { table.values[$0] } == -2)
    }

    @Test func streamsAreNumberedInTheByteOrderOfTheirNames() {
        let names = [
            "b", "a", "ab", "é", "z", "Z", "contact-00000002", "contact-00000001", "contact-000000010",
            "customer-with-a-long-name-2", "customer-with-a-long-name-10", "customer-with-a-long-name-1", "a-", "ä",
        ]
        let order = IndexStore.byteOrder(names).map { names[$0] }
        let expected = names.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        #expect(order == expected)
    }
}

extension SplitMix64 {
    fileprivate mutating func uuid() -> UUID {
        let a = next()
        let b = next()
        return withUnsafeBytes(of: (a, b)) { UUID(uuid: $0.loadUnaligned(as: uuid_t.self)) }
    }

}
