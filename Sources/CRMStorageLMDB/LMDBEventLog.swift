import CLMDB
public import CRMEventLog
import Dispatch
import Foundation
public import Logging
import Metrics
import Synchronization

/// The durable ``EventLog`` on LMDB: group-committed appends, a SHA-256 hash chain, streaming reads and
/// subscriptions.
///
/// Open each directory once per process (LMDB's rule, like GRDB's "Rule 1"); share the instance between tasks.
///
/// ```swift
/// let log = try LMDBEventLog.open(directory: "/var/lib/crm/log")
/// try await log.append([event], to: "customer-7f3a", expected: .noStream)
/// await log.close()
/// ```
///
/// Storage layout (see docs/adr/0002): `events` position → record (appended with `MDB_APPEND`), `streams`
/// name → (stream number, last merged version), `streamIndex` (stream number, version) → position,
/// `eventIds` id → position, `meta`. Index entries of recent events live in memory and are merged into LMDB in
/// sorted batches; the log is their write-ahead log, so they are rebuilt from the log's tail at open.
public final class LMDBEventLog: EventLog, EventPageSource, @unchecked Sendable {
    // @unchecked: `env` and the DBI handles are immutable after open and LMDB allows their use from any thread
    // (MDB_NOTLS); write transactions happen only on the writer thread; mutable state sits behind `memtable`,
    // `queue` and `headState` mutexes and the resize lock.

    public static let formatVersion: UInt32 = 1
    static let magic = Array("crm-engine/event-log".utf8)

    let env: OpaquePointer
    let dbiEvents: MDB_dbi
    let dbiStreams: MDB_dbi
    let dbiStreamIndex: MDB_dbi
    let dbiEventIds: MDB_dbi
    let dbiMeta: MDB_dbi
    public let configuration: LMDBConfiguration
    public let directory: String
    let clock: LogClock
    let logger: Logger
    let resizeLock = ReadWriteLock()
    let memtable: Mutex<Memtable>
    let headState: Mutex<LogHead>
    let waiters: PositionWaiters
    let queue = Mutex(WriterQueue())
    let wakeWriter = DispatchSemaphore(value: 0)
    let writerDone = DispatchSemaphore(value: 0)
    let closedFlag = Atomic<Bool>(false)
    let mapSize: Mutex<Int>
    let appendLatency: Metrics.Timer
    let batchRequests: Recorder
    let batchEvents: Recorder
    let mapGrowths: Counter

    struct MemStream: Sendable {
        var streamNo: UInt64?
        /// Versions `0..<mergedCount` are in the `streamIndex` table.
        var mergedCount: UInt64
        /// Positions of versions `mergedCount...`.
        var positions: [UInt64]

        var lastVersion: UInt64? {
            let n = mergedCount + UInt64(positions.count)
            return n == 0 ? nil : n - 1
        }
    }

    struct Memtable: Sendable {
        var streams: [String: MemStream] = [:]
        var ids: [UUID: UInt64] = [:]
        var events = 0
        var indexedThrough: UInt64 = 0
        var nextStreamNo: UInt64 = 1
    }

    struct Request: Sendable {
        let batch: [StreamAppend]
        let eventCount: Int
        let enqueued: ContinuousClock.Instant
        let continuation: CheckedContinuation<Result<[AppendResult], EventLogError>, Never>
    }

    struct WriterQueue: Sendable {
        var requests: [Request] = []
        var closing = false
    }

    // MARK: Open

    /// Opens (creating if needed) the log in `directory`.
    ///
    /// - Throws: ``EventLogError`` ``EventLogError/Code/notAnEventLog`` when the directory holds something else,
    ///   ``EventLogError/Code/incompatibleFormat`` when it was written by a newer format version,
    ///   ``EventLogError/Code/storage`` for I/O and permission problems.
    public static func open(
        directory: String,
        configuration: LMDBConfiguration = LMDBConfiguration(),
        clock: LogClock = .system,
        logger: Logger = Logger(label: "crm.eventlog")
    ) throws(EventLogError) -> LMDBEventLog {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isDir) {
            guard isDir.boolValue else {
                throw EventLogError(
                    code: .notAnEventLog,
                    message: "'\(directory)' is a file, not an event log directory; pass a directory path"
                )
            }
        } else {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw .storage("cannot create directory '\(directory)': \(error.localizedDescription)")
            }
        }
        let dataFile = directory + "/data.mdb"
        if FileManager.default.fileExists(atPath: dataFile) {
            try checkLooksLikeLMDB(dataFile)
        }
        var envPtr: OpaquePointer?
        do {
            try LMDBError.check(mdb_env_create(&envPtr), "mdb_env_create")
            guard let env = envPtr else { throw LMDBError(code: EINVAL, operation: "mdb_env_create") }
            try LMDBError.check(mdb_env_set_maxdbs(env, 8), "mdb_env_set_maxdbs")
            try LMDBError.check(mdb_env_set_maxreaders(env, UInt32(max(1, configuration.maxReaders))), "maxreaders")
            try LMDBError.check(mdb_env_set_mapsize(env, configuration.mapSize), "mdb_env_set_mapsize")
            var flags = flag(MDB_NOTLS)
            if !configuration.durable { flags |= flag(MDB_NOSYNC) }
            let rc = mdb_env_open(env, directory, flags, 0o644)
            if rc != 0 {
                mdb_env_close(env)
                envPtr = nil
                throw LMDBError(code: rc, operation: "mdb_env_open('\(directory)')")
            }
            var dead: Int32 = 0
            _ = mdb_reader_check(env, &dead)
            let log = try LMDBEventLog(
                env: env,
                directory: directory,
                configuration: configuration,
                clock: clock,
                logger: logger,
                staleReaders: Int(dead)
            )
            return log
        } catch let e as LMDBError {
            if let env = envPtr { mdb_env_close(env) }
            throw e.asEventLogError
        } catch let e as EventLogError {
            throw e
        } catch {
            throw .storage("\(error)")
        }
    }

    /// Refuses files that are not LMDB before LMDB reads them (LMDB trusts its input).
    private static func checkLooksLikeLMDB(_ path: String) throws(EventLogError) {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw .storage("cannot read '\(path)': check permissions")
        }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: 32)) ?? Data()
        // LMDB meta page: magic 0xBEEFC0DE at offset 16 (after the page header).
        guard head.count >= 20 else {
            if head.isEmpty { return }
            throw EventLogError(code: .notAnEventLog, message: "'\(path)' is not an LMDB file (too short)")
        }
        let magic = head.subdata(in: 16..<20).withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }
        guard UInt32(littleEndian: magic) == 0xBEEF_C0DE else {
            throw EventLogError(
                code: .notAnEventLog,
                message: "'\(path)' is not an LMDB event log (bad magic); point at a directory created by LMDBEventLog"
            )
        }
    }

    private init(
        env: OpaquePointer,
        directory: String,
        configuration: LMDBConfiguration,
        clock: LogClock,
        logger: Logger,
        staleReaders: Int
    ) throws {
        self.env = env
        self.directory = directory
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
        self.mapSize = Mutex(configuration.mapSize)
        self.appendLatency = Metrics.Timer(label: "crm_eventlog_append_duration")
        self.batchRequests = Recorder(label: "crm_eventlog_group_commit_requests")
        self.batchEvents = Recorder(label: "crm_eventlog_group_commit_events")
        self.mapGrowths = Counter(label: "crm_eventlog_map_growths")

        var txn: OpaquePointer?
        try LMDBError.check(mdb_txn_begin(env, nil, 0, &txn), "mdb_txn_begin(open)")
        var ok = false
        defer { if !ok { mdb_txn_abort(txn) } }
        func open(_ name: String, _ flags: Int32) throws(LMDBError) -> MDB_dbi {
            var dbi: MDB_dbi = 0
            try LMDBError.check(mdb_dbi_open(txn, name, flag(flags) | flag(MDB_CREATE), &dbi), "mdb_dbi_open(\(name))")
            return dbi
        }
        // Detect a foreign LMDB environment: it has named databases but not ours.
        dbiMeta = try open("meta", 0)
        dbiEvents = try open("events", 0)
        dbiStreams = try open("streams", 0)
        dbiStreamIndex = try open("streamIndex", 0)
        dbiEventIds = try open("eventIds", 0)
        var memtable = Memtable()
        var head = LogHead(position: 0, hash: RecordCodec.zeroHash)
        do {  // LMDBError and EventLogError propagate to `open`, which maps them.
            try Self.checkOrInitMeta(txn!, dbiMeta, dbiEvents)
            memtable.indexedThrough = Self.metaU64(txn!, dbiMeta, "indexedThrough") ?? 0
            memtable.nextStreamNo = Self.metaU64(txn!, dbiMeta, "nextStreamNo") ?? 1
            head = try Self.readHead(txn!, dbiEvents)
            try Self.recover(txn!, &memtable, events: dbiEvents, streams: dbiStreams)
        }
        try LMDBError.check(mdb_txn_commit(txn), "mdb_txn_commit(open)")
        ok = true
        self.memtable = Mutex(memtable)
        self.headState = Mutex(head)
        self.waiters = PositionWaiters(head: head.position)
        logger.debug(
            "event log opened",
            metadata: [
                "directory": "\(directory)", "head": "\(head.position)", "recoveredIndexEntries": "\(memtable.events)",
                "staleReadersCleared": "\(staleReaders)",
            ]
        )
        let thread = Thread { [unowned self] in self.writerLoop() }
        thread.name = "crm-eventlog-writer"
        thread.start()
    }

    deinit {
        mdb_env_close(env)
    }

    // MARK: Meta

    static func metaGet(_ txn: OpaquePointer, _ dbi: MDB_dbi, _ key: String) -> [UInt8]? {
        var k = Array(key.utf8)
        return k.withUnsafeMutableBytes { kb -> [UInt8]? in
            var kv = MDB_val(mv_size: kb.count, mv_data: kb.baseAddress)
            var v = MDB_val()
            guard mdb_get(txn, dbi, &kv, &v) == 0 else { return nil }
            return Array(v.raw)
        }
    }

    static func metaPut(_ txn: OpaquePointer, _ dbi: MDB_dbi, _ key: String, _ value: [UInt8]) throws(LMDBError) {
        var k = Array(key.utf8)
        var val = value
        let rc = k.withUnsafeMutableBytes { kb in
            val.withUnsafeMutableBytes { vb in
                var kv = MDB_val(mv_size: kb.count, mv_data: kb.baseAddress)
                var vv = MDB_val(mv_size: vb.count, mv_data: vb.baseAddress)
                return mdb_put(txn, dbi, &kv, &vv, 0)
            }
        }
        try LMDBError.check(rc, "mdb_put(meta \(key))")
    }

    static func metaU64(_ txn: OpaquePointer, _ dbi: MDB_dbi, _ key: String) -> UInt64? {
        guard let b = metaGet(txn, dbi, key), b.count == 8 else { return nil }
        return b.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
    }

    static func u64Bytes(_ v: UInt64) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }

    static func checkOrInitMeta(_ txn: OpaquePointer, _ meta: MDB_dbi, _ events: MDB_dbi) throws {
        if let m = metaGet(txn, meta, "magic") {
            guard m == magic else {
                throw EventLogError(code: .notAnEventLog, message: "the LMDB environment is not a CRM Engine event log")
            }
            guard let f = metaGet(txn, meta, "format"), f.count == 4 else {
                throw EventLogError(code: .notAnEventLog, message: "the event log has no format version")
            }
            let format = f.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(as: UInt32.self)) }
            if format > formatVersion {
                throw EventLogError(
                    code: .incompatibleFormat,
                    message:
                        "the log has format version \(format); this build reads up to \(formatVersion): upgrade CRM Engine"
                )
            }
            return
        }
        var stat = MDB_stat()
        mdb_stat(txn, events, &stat)
        if stat.ms_entries > 0 {
            throw EventLogError(
                code: .notAnEventLog,
                message: "the LMDB environment has events but no CRM Engine marker"
            )
        }
        try metaPut(txn, meta, "magic", magic)
        try metaPut(txn, meta, "format", withUnsafeBytes(of: formatVersion.littleEndian) { Array($0) })
    }

    static func readHead(_ txn: OpaquePointer, _ events: MDB_dbi) throws(EventLogError) -> LogHead {
        var cursor: OpaquePointer?
        guard mdb_cursor_open(txn, events, &cursor) == 0 else { throw .storage("mdb_cursor_open(head)") }
        defer { mdb_cursor_close(cursor) }
        var k = MDB_val()
        var v = MDB_val()
        guard mdb_cursor_get(cursor, &k, &v, MDB_LAST) == 0 else {
            return LogHead(position: 0, hash: RecordCodec.zeroHash)
        }
        guard let pos = Keys.readPosition(k.raw), v.mv_size >= 64 else {
            throw .corrupt("last event record is truncated")
        }
        return LogHead(position: pos, hash: Array(UnsafeRawBufferPointer(rebasing: v.raw[(v.mv_size - 32)...])))
    }

    /// Rebuilds the in-memory index entries of events after `indexedThrough` from the log's tail.
    static func recover(_ txn: OpaquePointer, _ mem: inout Memtable, events: MDB_dbi, streams: MDB_dbi) throws {
        var cursor: OpaquePointer?
        try LMDBError.check(mdb_cursor_open(txn, events, &cursor), "mdb_cursor_open(recover)")
        defer { mdb_cursor_close(cursor) }
        let keyBuffer = UnsafeMutablePointer<UInt64>.allocate(capacity: 1)
        defer { keyBuffer.deallocate() }
        keyBuffer.pointee = Keys.position(mem.indexedThrough + 1)
        var k = MDB_val(mv_size: 8, mv_data: keyBuffer)
        var v = MDB_val()
        var rc = mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE)
        var expected = mem.indexedThrough + 1
        while rc == 0 {
            let e = try RecordCodec.decode(v.raw)
            guard e.position == expected else {
                throw EventLogError.corrupt("gap in the log at position \(expected) (found \(e.position))")
            }
            var s = try mem.streams[e.stream] ?? memStream(txn, streams, e.stream)
            let want = s.mergedCount + UInt64(s.positions.count)
            guard e.streamVersion == want else {
                throw EventLogError.corrupt(
                    "stream '\(e.stream)' has version \(e.streamVersion) at position \(e.position); expected \(want)"
                )
            }
            s.positions.append(e.position)
            mem.streams[e.stream] = s
            mem.ids[e.id] = e.position
            mem.events += 1
            expected += 1
            rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)
        }
        if rc != MDB_NOTFOUND { throw LMDBError(code: rc, operation: "recover scan") }
    }

    /// The merged state of a stream from the `streams` table (or an empty new stream).
    static func memStream(_ txn: OpaquePointer, _ dbi: MDB_dbi, _ name: String) throws(LMDBError) -> MemStream {
        var key = Array(name.utf8)
        var value = MDB_val()
        let rc = key.withUnsafeMutableBytes { kb in
            var k = MDB_val(mv_size: kb.count, mv_data: kb.baseAddress)
            return mdb_get(txn, dbi, &k, &value)
        }
        if rc == MDB_NOTFOUND { return MemStream(streamNo: nil, mergedCount: 0, positions: []) }
        try LMDBError.check(rc, "mdb_get(streams)")
        guard value.mv_size == 16 else { throw LMDBError(code: MDB_CORRUPTED, operation: "streams record size") }
        let no = UInt64(littleEndian: value.raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
        let count = UInt64(littleEndian: value.raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        return MemStream(streamNo: no, mergedCount: count, positions: [])
    }

    // MARK: Append

    public func append(_ events: [NewEvent], to stream: String, expected: ExpectedVersion) async throws(EventLogError)
        -> AppendResult
    {
        try await append([StreamAppend(stream: stream, expected: expected, events: events)])[0]
    }

    public func append(_ batch: [StreamAppend]) async throws(EventLogError) -> [AppendResult] {
        try AppendPlanner.validate(batch, maxEventSize: configuration.maxEventSize)
        if closedFlag.load(ordering: .acquiring) { throw .closed() }
        let count = batch.reduce(0) { $0 + $1.events.count }
        let start = ContinuousClock.now
        let result = await withCheckedContinuation {
            (c: CheckedContinuation<Result<[AppendResult], EventLogError>, Never>) in
            let accepted = queue.withLock { q -> Bool in
                if q.closing { return false }
                q.requests.append(Request(batch: batch, eventCount: count, enqueued: start, continuation: c))
                return true
            }
            if accepted { wakeWriter.signal() } else { c.resume(returning: .failure(.closed())) }
        }
        return try result.get()
    }

    // MARK: Writer thread

    private func writerLoop() {
        while true {
            wakeWriter.wait()
            let (requests, closing) = queue.withLock { q in
                defer { q.requests.removeAll(keepingCapacity: true) }
                return (q.requests, q.closing)
            }
            var i = 0
            while i < requests.count {
                var j = i
                var events = 0
                while j < requests.count
                    && (j == i || events + requests[j].eventCount <= configuration.maxEventsPerCommit)
                {
                    events += requests[j].eventCount
                    j += 1
                }
                commitGroup(Array(requests[i..<j]), events: events)
                i = j
            }
            if closing && queue.withLock({ $0.requests.isEmpty }) { break }
        }
        writerDone.signal()
    }

    /// Appends state touched by one group commit, not yet visible to readers.
    final class Overlay {
        var streams: [String: MemStream] = [:]
        var ids: [UUID: UInt64] = [:]
    }

    struct WriterView: AppendStateView {
        let log: LMDBEventLog
        let txn: OpaquePointer
        let overlay: Overlay

        func mem(_ stream: String) throws(EventLogError) -> MemStream {
            if let s = overlay.streams[stream] { return s }
            if let s = log.memtable.withLock({ $0.streams[stream] }) { return s }
            do throws(LMDBError) {
                return try LMDBEventLog.memStream(txn, log.dbiStreams, stream)
            } catch { throw error.asEventLogError }
        }

        func currentVersion(of stream: String) throws(EventLogError) -> UInt64? { try mem(stream).lastVersion }

        func storedPosition(of id: UUID) throws(EventLogError) -> UInt64? {
            if let p = overlay.ids[id] { return p }
            if let p = log.memtable.withLock({ $0.ids[id] }) { return p }
            var u = id.uuid
            return try withUnsafeMutableBytes(of: &u) { (b) throws(EventLogError) -> UInt64? in
                var k = MDB_val(mv_size: 16, mv_data: b.baseAddress)
                var v = MDB_val()
                let rc = mdb_get(txn, log.dbiEventIds, &k, &v)
                if rc == MDB_NOTFOUND { return nil }
                if rc != 0 { throw LMDBError(code: rc, operation: "mdb_get(eventIds)").asEventLogError }
                return Keys.readPosition(v.raw)
            }
        }

        func storedEvent(at position: UInt64) throws(EventLogError) -> RecordedEvent? {
            try log.getEvent(txn, position)
        }
    }

    private func commitGroup(_ requests: [Request], events: Int) {
        while true {
            let outcome = tryCommit(requests)
            switch outcome {
            case .committed(let results, let overlay, let head):
                memtable.withLock { m in
                    for (name, s) in overlay.streams { m.streams[name] = s }
                    m.ids.merge(overlay.ids) { _, new in new }
                    m.events += overlay.ids.count
                }
                headState.withLock { $0 = head }
                let now = ContinuousClock.now
                for (r, result) in zip(requests, results) {
                    appendLatency.recordNanoseconds(Int64((now - r.enqueued) / .nanoseconds(1)))
                    r.continuation.resume(returning: result)
                }
                batchRequests.record(requests.count)
                batchEvents.record(events)
                waiters.advance(to: head.position)
                if memtable.withLock({ $0.events }) >= configuration.indexMergeThreshold { mergeIndex() }
                return
            case .mapFull:
                if !growMap() {
                    for r in requests {
                        r.continuation.resume(
                            returning: .failure(
                                .storage("the map reached maxMapSize \(configuration.maxMapSize); raise it")
                            )
                        )
                    }
                    return
                }
            case .failed(let error):
                logger.error("group commit failed", metadata: ["error": "\(error)"])
                for r in requests { r.continuation.resume(returning: .failure(error)) }
                return
            }
        }
    }

    enum CommitOutcome {
        case committed([Result<[AppendResult], EventLogError>], Overlay, LogHead)
        case mapFull
        case failed(EventLogError)
    }

    private func tryCommit(_ requests: [Request]) -> CommitOutcome {
        var txnPtr: OpaquePointer?
        let rc = mdb_txn_begin(env, nil, 0, &txnPtr)
        guard rc == 0, let txn = txnPtr else {
            return rc == MDB_MAP_RESIZED || rc == MDB_MAP_FULL
                ? .mapFull : .failed(LMDBError(code: rc, operation: "mdb_txn_begin(write)").asEventLogError)
        }
        let overlay = Overlay()
        let view = WriterView(log: self, txn: txn, overlay: overlay)
        var head = headState.withLock { $0 }
        var results: [Result<[AppendResult], EventLogError>] = []
        results.reserveCapacity(requests.count)
        let now = clock.now()
        var buffer: [UInt8] = []
        buffer.reserveCapacity(4096)
        do {
            for req in requests {
                let plan: AppendPlan
                do throws(EventLogError) {
                    plan = try AppendPlanner.plan(req.batch, view: view)
                } catch {
                    results.append(.failure(error))
                    continue
                }
                switch plan {
                case .replay(let r):
                    results.append(.success(r))
                case .write(let planned):
                    var out: [AppendResult] = []
                    for p in planned {
                        var s = try view.mem(p.stream)
                        var positions: [UInt64] = []
                        positions.reserveCapacity(p.events.count)
                        for (i, e) in p.events.enumerated() {
                            let pos = head.position + 1
                            buffer.removeAll(keepingCapacity: true)
                            let hash = RecordCodec.encodeRecord(
                                position: pos,
                                streamVersion: p.firstVersion + UInt64(i),
                                stream: p.stream,
                                event: e,
                                recordedAt: now,
                                prevHash: head.hash,
                                into: &buffer
                            )
                            try putEvent(txn, pos, buffer)
                            head = LogHead(position: pos, hash: hash)
                            positions.append(pos)
                            overlay.ids[e.id] = pos
                        }
                        s.positions.append(contentsOf: positions)
                        overlay.streams[p.stream] = s
                        out.append(
                            AppendResult(
                                stream: p.stream,
                                positions: positions,
                                streamVersion: s.lastVersion,
                                idempotentReplay: false
                            )
                        )
                    }
                    results.append(.success(out))
                }
            }
            try LMDBError.check(mdb_txn_commit(txn), "mdb_txn_commit")
            return .committed(results, overlay, head)
        } catch let e as LMDBError {
            if e.code != MDB_MAP_FULL || !e.operation.hasPrefix("mdb_txn_commit") { mdb_txn_abort(txn) }
            return e.isMapFull ? .mapFull : .failed(e.asEventLogError)
        } catch let e as EventLogError {
            mdb_txn_abort(txn)
            return .failed(e)
        } catch {
            mdb_txn_abort(txn)
            return .failed(.storage("\(error)"))
        }
    }

    @inline(__always)
    private func putEvent(_ txn: OpaquePointer, _ position: UInt64, _ record: [UInt8]) throws(LMDBError) {
        var key = Keys.position(position)
        let rc = record.withUnsafeBytes { rb in
            withUnsafeMutableBytes(of: &key) { kb in
                var k = MDB_val(mv_size: 8, mv_data: kb.baseAddress)
                var v = MDB_val(mv_size: rb.count, mv_data: UnsafeMutableRawPointer(mutating: rb.baseAddress))
                return mdb_put(txn, dbiEvents, &k, &v, flag(MDB_APPEND))
            }
        }
        try LMDBError.check(rc, "mdb_put(events)")
    }

    /// Doubles the map (up to `maxMapSize`) with readers held off. Returns false at the limit.
    private func growMap() -> Bool {
        resizeLock.withWriteLock {
            let current = mapSize.withLock { $0 }
            guard current < configuration.maxMapSize else { return false }
            let next = min(configuration.maxMapSize, current * 2)
            let rc = mdb_env_set_mapsize(env, next)
            guard rc == 0 else {
                logger.error(
                    "map growth failed",
                    metadata: ["error": "\(LMDBError(code: rc, operation: "set_mapsize"))"]
                )
                return false
            }
            mapSize.withLock { $0 = next }
            mapGrowths.increment()
            logger.notice("event log map grown", metadata: ["from": "\(current)", "to": "\(next)"])
            return true
        }
    }

    /// Writes the in-memory index entries into LMDB as sorted batches, in one transaction, then drops them.
    private func mergeIndex() {
        let snapshot = memtable.withLock { $0 }
        let head = headState.withLock { $0.position }
        while true {
            var txnPtr: OpaquePointer?
            guard mdb_txn_begin(env, nil, 0, &txnPtr) == 0, let txn = txnPtr else { return }
            do throws(LMDBError) {
                var nextNo = snapshot.nextStreamNo
                var assigned: [(name: String, no: UInt64, s: MemStream)] = []
                assigned.reserveCapacity(snapshot.streams.count)
                for name in snapshot.streams.keys.sorted() {
                    let s = snapshot.streams[name]!
                    let no: UInt64
                    if let n = s.streamNo {
                        no = n
                    } else {
                        no = nextNo
                        nextNo += 1
                    }
                    assigned.append((name, no, s))
                }
                for a in assigned {
                    var value = [UInt8]()
                    value.reserveCapacity(16)
                    withUnsafeBytes(of: a.no.littleEndian) { value.append(contentsOf: $0) }
                    withUnsafeBytes(of: (a.s.mergedCount + UInt64(a.s.positions.count)).littleEndian) {
                        value.append(contentsOf: $0)
                    }
                    var name = Array(a.name.utf8)
                    let rc = name.withUnsafeMutableBytes { kb in
                        value.withUnsafeMutableBytes { vb in
                            var k = MDB_val(mv_size: kb.count, mv_data: kb.baseAddress)
                            var v = MDB_val(mv_size: 16, mv_data: vb.baseAddress)
                            return mdb_put(txn, dbiStreams, &k, &v, 0)
                        }
                    }
                    try LMDBError.check(rc, "mdb_put(streams)")
                }
                for a in assigned.sorted(by: { $0.no < $1.no }) {
                    for (i, pos) in a.s.positions.enumerated() {
                        var key = Keys.streamIndex(a.no, a.s.mergedCount + UInt64(i))
                        var p = Keys.position(pos)
                        try withUnsafeMutableBytes(of: &key) { (kb) throws(LMDBError) in
                            try withUnsafeMutableBytes(of: &p) { (pb) throws(LMDBError) in
                                var k = MDB_val(mv_size: 16, mv_data: kb.baseAddress)
                                var v = MDB_val(mv_size: 8, mv_data: pb.baseAddress)
                                try LMDBError.check(mdb_put(txn, dbiStreamIndex, &k, &v, 0), "mdb_put(streamIndex)")
                            }
                        }
                    }
                }
                let ids = snapshot.ids.sorted { a, b in
                    withUnsafeBytes(of: a.key.uuid) { ab in
                        withUnsafeBytes(of: b.key.uuid) { bb in ab.lexicographicallyPrecedes(bb) }
                    }
                }
                for (id, pos) in ids {
                    var u = id.uuid
                    var p = Keys.position(pos)
                    try withUnsafeMutableBytes(of: &u) { (kb) throws(LMDBError) in
                        try withUnsafeMutableBytes(of: &p) { (pb) throws(LMDBError) in
                            var k = MDB_val(mv_size: 16, mv_data: kb.baseAddress)
                            var v = MDB_val(mv_size: 8, mv_data: pb.baseAddress)
                            try LMDBError.check(mdb_put(txn, dbiEventIds, &k, &v, 0), "mdb_put(eventIds)")
                        }
                    }
                }
                try Self.metaPut(txn, dbiMeta, "indexedThrough", Self.u64Bytes(head))
                try Self.metaPut(txn, dbiMeta, "nextStreamNo", Self.u64Bytes(nextNo))
                try LMDBError.check(mdb_txn_commit(txn), "mdb_txn_commit(merge)")
                memtable.withLock { m in
                    m = Memtable(streams: [:], ids: [:], events: 0, indexedThrough: head, nextStreamNo: nextNo)
                }
                logger.debug("index merged", metadata: ["through": "\(head)", "events": "\(snapshot.events)"])
                return
            } catch {
                if !error.operation.hasPrefix("mdb_txn_commit") { mdb_txn_abort(txn) }
                if error.isMapFull && growMap() { continue }
                logger.error("index merge failed; entries stay in memory", metadata: ["error": "\(error)"])
                return
            }
        }
    }

    // MARK: Reads

    /// Runs `body` in a short read transaction with the map-resize lock held shared.
    func withRead<R>(_ body: (OpaquePointer) throws(EventLogError) -> R) throws(EventLogError) -> R {
        try resizeLock.withReadLock { () throws(EventLogError) -> R in
            if closedFlag.load(ordering: .acquiring) { throw .closed() }
            var txn: OpaquePointer?
            let rc = mdb_txn_begin(env, nil, flag(MDB_RDONLY), &txn)
            if rc == MDB_MAP_RESIZED {
                // Another process grew the map; adopt its size (mapsize 0 = keep the file's size).
                mdb_env_set_mapsize(env, 0)
                let rc2 = mdb_txn_begin(env, nil, flag(MDB_RDONLY), &txn)
                if rc2 != 0 { throw LMDBError(code: rc2, operation: "mdb_txn_begin(read)").asEventLogError }
            } else if rc != 0 {
                throw LMDBError(code: rc, operation: "mdb_txn_begin(read)").asEventLogError
            }
            defer { mdb_txn_abort(txn) }
            return try body(txn!)
        }
    }

    func getEvent(_ txn: OpaquePointer, _ position: UInt64) throws(EventLogError) -> RecordedEvent? {
        var key = Keys.position(position)
        return try withUnsafeMutableBytes(of: &key) { (kb) throws(EventLogError) -> RecordedEvent? in
            var k = MDB_val(mv_size: 8, mv_data: kb.baseAddress)
            var v = MDB_val()
            let rc = mdb_get(txn, dbiEvents, &k, &v)
            if rc == MDB_NOTFOUND { return nil }
            if rc != 0 { throw LMDBError(code: rc, operation: "mdb_get(events)").asEventLogError }
            return try RecordCodec.decode(v.raw)
        }
    }

    func indexPosition(_ txn: OpaquePointer, _ streamNo: UInt64, _ version: UInt64) throws(EventLogError) -> UInt64 {
        var key = Keys.streamIndex(streamNo, version)
        return try withUnsafeMutableBytes(of: &key) { (kb) throws(EventLogError) -> UInt64 in
            var k = MDB_val(mv_size: 16, mv_data: kb.baseAddress)
            var v = MDB_val()
            let rc = mdb_get(txn, dbiStreamIndex, &k, &v)
            guard rc == 0, let p = Keys.readPosition(v.raw) else {
                throw .corrupt("stream index has no entry for stream #\(streamNo) version \(version)")
            }
            return p
        }
    }

    package func page(_ query: ReadQuery, from: UInt64?, max: Int) throws(EventLogError) -> EventPage {
        switch query.filter {
        case .stream(let name): return try streamPage(name, query.direction, from: from, max: max)
        default: return try scanPage(query, from: from, max: max)
        }
    }

    private func streamPage(_ name: String, _ direction: ReadDirection, from: UInt64?, max: Int) throws(EventLogError)
        -> EventPage
    {
        let mem = memtable.withLock { $0.streams[name] }
        return try withRead { (txn) throws(EventLogError) -> EventPage in
            let s: MemStream
            if let mem {
                s = mem
            } else {
                do throws(LMDBError) { s = try Self.memStream(txn, dbiStreams, name) } catch {
                    throw error.asEventLogError
                }
            }
            let total = s.mergedCount + UInt64(s.positions.count)
            func position(_ v: UInt64) throws(EventLogError) -> UInt64 {
                if v < s.mergedCount {
                    guard let no = s.streamNo else {
                        throw .corrupt("stream '\(name)' has merged versions but no number")
                    }
                    return try indexPosition(txn, no, v)
                }
                return s.positions[Int(v - s.mergedCount)]
            }
            var out: [RecordedEvent] = []
            if direction == .forward {
                var v = from ?? 0
                while v < total && out.count < max {
                    guard let e = try getEvent(txn, try position(v)) else {
                        throw .corrupt("stream entry without event")
                    }
                    out.append(e)
                    v += 1
                }
                return EventPage(events: out, next: v, exhausted: v >= total)
            }
            guard total > 0 else { return EventPage(events: [], next: nil, exhausted: true) }
            var v = Swift.min(from ?? (total - 1), total - 1)
            while out.count < max {
                guard let e = try getEvent(txn, try position(v)) else { throw .corrupt("stream entry without event") }
                out.append(e)
                if v == 0 { return EventPage(events: out, next: nil, exhausted: true) }
                v -= 1
            }
            return EventPage(events: out, next: v, exhausted: false)
        }
    }

    private func scanPage(_ query: ReadQuery, from: UInt64?, max: Int) throws(EventLogError) -> EventPage {
        let match = RecordFilter(query.filter)
        var names = RecentNames()
        let scanLimit = max * 64
        return try withRead { (txn) throws(EventLogError) -> EventPage in
            var cursor: OpaquePointer?
            guard mdb_cursor_open(txn, dbiEvents, &cursor) == 0 else { throw .storage("mdb_cursor_open(events)") }
            defer { mdb_cursor_close(cursor) }
            var out: [RecordedEvent] = []
            out.reserveCapacity(Swift.min(max, 1024))
            let forward = query.direction == .forward
            let keyBuffer = UnsafeMutablePointer<UInt64>.allocate(capacity: 1)
            defer { keyBuffer.deallocate() }
            keyBuffer.pointee = Keys.position(forward ? Swift.max(from ?? 1, 1) : (from ?? UInt64.max))
            var k = MDB_val(mv_size: 8, mv_data: keyBuffer)
            var v = MDB_val()
            var rc: Int32
            if forward {
                rc = mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE)
            } else {
                rc = mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE)
                if rc == MDB_NOTFOUND {
                    rc = mdb_cursor_get(cursor, &k, &v, MDB_LAST)
                } else if rc == 0, let p = Keys.readPosition(k.raw), p > (from ?? UInt64.max) {
                    rc = mdb_cursor_get(cursor, &k, &v, MDB_PREV)
                }
            }
            var scanned = 0
            var last: UInt64 = forward ? Swift.max(from ?? 1, 1) - 1 : (from ?? 0)
            var prefetcher = PagePrefetcher()
            while rc == 0 && out.count < max && scanned < scanLimit {
                if forward { prefetcher.visit(v.mv_data) }
                guard let pos = Keys.readPosition(k.raw) else { throw .corrupt("event key is not 8 bytes") }
                last = pos
                scanned += 1
                // One validating pass over the record; unmatched records are skipped without decoding.
                let view = try RecordView(validating: v.raw, storedAt: pos)
                if match.matches(view) { out.append(view.materialize(reusing: &names)) }
                rc = mdb_cursor_get(cursor, &k, &v, forward ? MDB_NEXT : MDB_PREV)
            }
            if rc != 0 && rc != MDB_NOTFOUND { throw LMDBError(code: rc, operation: "cursor scan").asEventLogError }
            let exhausted = rc == MDB_NOTFOUND
            if forward { return EventPage(events: out, next: last + 1, exhausted: exhausted) }
            return EventPage(events: out, next: last > 1 ? last - 1 : nil, exhausted: exhausted || last <= 1)
        }
    }

    public func read(_ query: ReadQuery) -> EventSequence { EventSequence(source: self, query: query) }

    public func subscribe(from position: UInt64, filter: ReadFilter) -> EventSubscription {
        EventSubscription(source: self, from: position, filter: filter)
    }

    public func waitFor(position: UInt64) async throws(EventLogError) { try await waiters.wait(for: position) }

    package func headPosition() throws(EventLogError) -> UInt64 { try head().position }

    public func head() throws(EventLogError) -> LogHead {
        if closedFlag.load(ordering: .acquiring) { throw .closed() }
        return headState.withLock { $0 }
    }

    public func streamVersion(_ stream: String) throws(EventLogError) -> UInt64? {
        if let s = memtable.withLock({ $0.streams[stream] }) { return s.lastVersion }
        return try withRead { (txn) throws(EventLogError) -> UInt64? in
            do throws(LMDBError) {
                return try Self.memStream(txn, dbiStreams, stream).lastVersion
            } catch { throw error.asEventLogError }
        }
    }

    public func event(at position: UInt64) throws(EventLogError) -> RecordedEvent? {
        try withRead { (txn) throws(EventLogError) in try getEvent(txn, position) }
    }

    /// Walks the hash chain over the stored bytes (``scan(from:through:filter:_:)``), recomputing each hash from
    /// the record's canonical bytes.
    public func verifyChain() async throws(EventLogError) -> ChainVerification { try verifyChainByScan() }

    /// Disk and index figures for operators.
    public func statistics() throws(EventLogError) -> [String: UInt64] {
        let mem = memtable.withLock { ($0.events, $0.streams.count, $0.indexedThrough) }
        var info = MDB_envinfo()
        mdb_env_info(env, &info)
        return [
            "head": try head().position, "unmergedIndexEntries": UInt64(mem.0), "unmergedStreams": UInt64(mem.1),
            "indexedThrough": mem.2, "mapSize": UInt64(info.me_mapsize), "lastPage": UInt64(info.me_last_pgno),
        ]
    }

    public func close() async {
        guard !closedFlag.exchange(true, ordering: .acquiringAndReleasing) else { return }
        queue.withLock { $0.closing = true }
        wakeWriter.signal()
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async {
                self.writerDone.wait()
                c.resume()
            }
        }
        waiters.close()
        // Wait for in-flight readers, then sync. The environment itself closes in deinit.
        resizeLock.withWriteLock { _ = mdb_env_sync(env, 1) }
        logger.debug("event log closed", metadata: ["directory": "\(directory)"])
    }
}

extension LMDBEventLog {
    /// Rewrites the stored format version (tests of the incompatible-format check only).
    func _setFormatVersionForTesting(_ version: UInt32) throws(EventLogError) {
        var txn: OpaquePointer?
        guard mdb_txn_begin(env, nil, 0, &txn) == 0, let txn else { throw .storage("mdb_txn_begin") }
        do throws(LMDBError) {
            try Self.metaPut(txn, dbiMeta, "format", withUnsafeBytes(of: version.littleEndian) { Array($0) })
            try LMDBError.check(mdb_txn_commit(txn), "commit")
        } catch {
            mdb_txn_abort(txn)
            throw error.asEventLogError
        }
    }
}
