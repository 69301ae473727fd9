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
/// Storage layout (see docs/adr/0002, 0005 and 0007): the log environment holds `events` position → record
/// (appended with `MDB_APPEND`) and `meta`; the index environment in `<directory>/index` holds `streams` and sorted
/// runs of stream entries and event ids (``IndexStore``). Index entries of recent events live in memory and a
/// background thread merges them into the index, one run per merge; the log is their write-ahead log, so they are
/// rebuilt from the log's tail at open, and the whole index is rebuilt when it is missing, stale or in an older
/// format.
public final class LMDBEventLog: EventLog, EventPageSource, @unchecked Sendable {
    // @unchecked: `env` and the DBI handles are immutable after open and LMDB allows their use from any thread
    // (MDB_NOTLS); log write transactions happen only on the writer thread, index writes only on the merge thread;
    // mutable state sits behind the `memtable`, `queue` and `headState` mutexes, the resize locks and `merges`.
    // `filter` is touched by the writer thread only (and by `init` before that thread starts).

    /// 2: the index lives in its own environment (`index/`). Format-1 logs are upgraded in place at open.
    public static let formatVersion: UInt32 = 2
    static let magic = Array("crm-engine/event-log".utf8)

    let env: OpaquePointer
    let dbiEvents: MDB_dbi
    let dbiMeta: MDB_dbi
    let index: IndexStore
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
    /// Guards the merge thread's start/stop hand-off; `memtable` holds the state it reads.
    let merges = NSCondition()
    nonisolated(unsafe) var mergeRequested = false  // under `merges`
    nonisolated(unsafe) var mergeStopping = false  // under `merges`
    nonisolated(unsafe) var mergeStopped = false  // under `merges`
    nonisolated(unsafe) var filter: IdFilter
    /// The last group's overlay, reused by the next group once the memtable has folded it in (writer thread only).
    nonisolated(unsafe) private var spareOverlay: Overlay?
    let closedFlag = Atomic<Bool>(false)
    /// Successful group commits and the append calls they resolved (for `statistics()`).
    let groupCommits = Atomic<UInt64>(0)
    let groupedAppends = Atomic<UInt64>(0)
    /// Index merges committed since open (for `statistics()`).
    let indexMerges = Atomic<UInt64>(0)
    let mapSize: Mutex<Int>
    let appendLatency: Metrics.Timer
    let batchRequests: Recorder
    let batchEvents: Recorder
    let mapGrowths: Counter

    struct MemStream: Sendable {
        var streamNo: UInt64?
        /// Versions `0..<mergedCount` are in the index's runs.
        private(set) var mergedCount: UInt64
        /// Positions of versions `mergedCount...`, not yet merged.
        private(set) var positions: [UInt64]
        /// `mergedCount + positions.count`, kept here so that an append's version lookup reads the entry only, not
        /// the positions array's buffer (another cache miss per stream; half of the lookup's time).
        private(set) var versionCount: UInt64
        /// The merge epoch whose dirty list names this stream.
        var dirtyEpoch: UInt32 = 0

        init(streamNo: UInt64?, mergedCount: UInt64, positions: [UInt64]) {
            self.streamNo = streamNo
            self.mergedCount = mergedCount
            self.positions = positions
            self.versionCount = mergedCount + UInt64(positions.count)
        }

        var lastVersion: UInt64? { versionCount == 0 ? nil : versionCount - 1 }

        /// Adds the position of the stream's next version.
        mutating func append(_ position: UInt64) {
            positions.append(position)
            versionCount += 1
        }

        /// The first `count` unmerged positions are now in the index.
        mutating func merged(_ count: Int) {
            positions.removeFirst(count)
            mergedCount += UInt64(count)
        }
    }

    /// The in-memory part of the index: every stream touched since open (up to `residentStreams`), the
    /// unmerged stream positions and event ids, and the merge in progress.
    struct Memtable: Sendable {
        var streams = StreamTable<MemStream>()
        /// Streams with positions not yet handed to a merge.
        /// (Their indices in `streams`.)
        var dirty: [Int] = []
        var epoch: UInt32 = 1
        /// Ids not yet handed to a merge.
        var ids = IdTable()
        /// Ids of the merge in progress (still looked up here until it commits).
        var mergingIds = IdTable()
        /// Events in `ids` and in `mergingIds`.
        var unmerged = 0
        var merging = 0
        /// The last position folded in.
        var foldedThrough: UInt64 = 0
        var progress = IndexStore.Progress(indexedThrough: 0, nextStreamNo: 1)
        /// Bumped when a merge commits: an index read transaction begun earlier may miss what just left memory.
        var generation: UInt64 = 0
        /// Bumped when entries of `streams` move (a merge drops streams from memory): an entry index taken
        /// earlier is stale.
        var layout: UInt64 = 0
        var mergeFailures = 0

        /// A committed group's changes not folded in yet (see ``LMDBEventLog/withMemtable(_:)``).
        var unfolded: Unfolded?

        struct Unfolded: @unchecked Sendable {
            // @unchecked: the writer hands the overlay over when it publishes it and no longer changes it.
            let overlay: Overlay
            let through: UInt64
        }

        /// Folds the published group's changes in, once.
        ///
        /// A stream the writer found resident while planning is reached through the index it found it at, unless a
        /// merge has moved the entries since (`layout`); the others are looked up (and added) by name.
        mutating func foldPending() {
            guard let u = unfolded else { return }
            unfolded = nil
            let o = u.overlay
            let t = o.streams
            var slots = [Int](repeating: -1, count: t.count)
            for i in 0..<t.count where t.values[i].added > 0 {
                let p = t.values[i]
                slots[i] =
                    p.memLayout == layout && p.memSlot >= 0
                    ? markDirty(p.memSlot) : entry(t.names[i], hash: t.hashes[i], base: p.base)
            }
            for e in o.events { streams.values[slots[Int(e.slot)]].append(e.position) }
            ids.insertNew(o.ids)
            unmerged += o.ids.count
            foldedThrough = max(foldedThrough, u.through)
        }

        func stream(_ name: String) -> MemStream? { streams.find(name).map { streams.values[$0] } }

        /// Adds one committed position to a stream (recovery at open).
        mutating func fold(_ name: String, hash: UInt64, base: StreamState, position: UInt64) {
            streams.values[entry(name, hash: hash, base: base)].append(position)
            foldedThrough = max(foldedThrough, position)
        }

        /// The index of a stream's entry (added with `base` if new), marked dirty for the next merge.
        private mutating func entry(_ name: String, hash: UInt64, base: StreamState) -> Int {
            markDirty(
                streams.find(name, hash: hash)
                    ?? streams.insert(
                        name,
                        hash: hash,
                        MemStream(streamNo: base.streamNo, mergedCount: base.versionCount, positions: [])
                    )
            )
        }

        private mutating func markDirty(_ k: Int) -> Int {
            if streams.values[k].dirtyEpoch != epoch {
                streams.values[k].dirtyEpoch = epoch
                dirty.append(k)
            }
            return k
        }

        /// Everything not yet handed to a merge, for one merge (nil while one is in progress or when there is
        /// nothing). Its entries stay readable here until ``apply(_:numbers:progress:residentStreams:)``.
        mutating func takeMergeJob() -> MergeJob? {
            guard merging == 0, unmerged > 0 else { return nil }
            // Entry indices stay valid until this merge's own eviction in `apply` (the writer only adds entries).
            let slots = dirty
            dirty = []
            epoch &+= 1
            var jobStreams: [IndexStore.StreamEntries] = []
            jobStreams.reserveCapacity(slots.count)
            for k in slots {
                let s = streams.values[k]
                jobStreams.append(
                    .init(
                        name: streams.names[k],
                        streamNo: s.streamNo,
                        mergedCount: s.mergedCount,
                        positions: s.positions
                    )
                )
            }
            mergingIds = ids
            ids = IdTable(capacity: Swift.min(merging + unmerged, 1 << 20))
            merging = unmerged
            unmerged = 0
            return MergeJob(
                streams: jobStreams,
                slots: slots,
                ids: mergingIds,
                through: foldedThrough,
                progress: progress
            )
        }

        /// A merge committed: its entries leave memory, and fully merged streams beyond `residentStreams` too.
        mutating func apply(_ job: MergeJob, numbers: [UInt64], progress: IndexStore.Progress, residentStreams: Int) {
            for (i, entry) in job.streams.enumerated() {
                let k = job.slots[i]
                streams.values[k].merged(entry.positions.count)
                streams.values[k].streamNo = numbers[i]
            }
            mergingIds = IdTable()
            merging = 0
            self.progress = progress
            generation &+= 1
            if streams.count > residentStreams {
                let epoch = self.epoch
                let moved = streams.removeAll { $0.positions.isEmpty && $0.dirtyEpoch != epoch }
                dirty = dirty.map { moved[$0] }
                layout &+= 1
            }
        }

        /// A merge failed: its entries go back to the next one. Returns the failures so far.
        mutating func handBack(_ job: MergeJob) -> Int {
            ids.insertAbsent(from: mergingIds)
            mergingIds = IdTable()
            unmerged += merging
            merging = 0
            for k in job.slots where streams.values[k].dirtyEpoch != epoch {
                streams.values[k].dirtyEpoch = epoch
                dirty.append(k)
            }
            mergeFailures += 1
            return mergeFailures
        }
    }

    /// One merge's input, taken from the memtable.
    struct MergeJob: Sendable {
        var streams: [IndexStore.StreamEntries]
        /// The memtable entry of each of `streams`.
        var slots: [Int]
        var ids: IdTable
        var through: UInt64
        var progress: IndexStore.Progress
    }

    /// The memtable with every committed group folded in: what all its readers use.
    @inline(__always)
    func withMemtable<R>(_ body: (inout Memtable) throws(EventLogError) -> R) throws(EventLogError) -> R {
        try memtable.withLock { (m) throws(EventLogError) -> R in
            m.foldPending()
            return try body(&m)
        }
    }

    @inline(__always)
    func withMemtable<R>(_ body: (inout Memtable) -> R) -> R {
        memtable.withLock { m in
            m.foldPending()
            return body(&m)
        }
    }

    /// A stream as an append sees it.
    struct StreamState: Sendable {
        var streamNo: UInt64?
        var versionCount: UInt64
    }

    struct Request: Sendable {
        enum Work: Sendable {
            /// A `[StreamAppend]` append, its validation (stream hashes and ids in flat arrays) and its records,
            /// encoded by the caller but for the fields the writer fills in.
            case streams(
                [StreamAppend],
                ValidatedBatch,
                PreparedRecords,
                CheckedContinuation<Result<[AppendResult], EventLogError>, Never>
            )
            case batch(AppendBatch, CheckedContinuation<Result<BatchAppendResult, EventLogError>, Never>)
        }

        let work: Work
        let eventCount: Int
        let enqueued: ContinuousClock.Instant

        var streamHashes: [UInt64] {
            switch work {
            case .streams(_, let v, _, _): v.streamHashes
            case .batch(let b, _): b.streamHashes
            }
        }

        var ids: [UUID] {
            switch work {
            case .streams(_, let v, _, _): v.ids
            case .batch(let b, _): b.records.ids
            }
        }

        func resume(_ result: Result<Outcome, EventLogError>) {
            switch (work, result) {
            case (.streams(_, _, _, let c), .success(.streams(let r))): c.resume(returning: .success(r))
            case (.batch(_, let c), .success(.batch(let r))): c.resume(returning: .success(r))
            case (.streams(_, _, _, let c), .failure(let e)): c.resume(returning: .failure(e))
            case (.batch(_, let c), .failure(let e)): c.resume(returning: .failure(e))
            case (.streams(_, _, _, let c), .success(.batch)):
                c.resume(returning: .failure(.storage("internal error: a batch result for a streams append")))
            case (.batch(_, let c), .success(.streams)):
                c.resume(returning: .failure(.storage("internal error: a streams result for a batch append")))
            }
        }

        func fail(_ error: EventLogError) { resume(.failure(error)) }
    }

    /// What the writer hands back for one request.
    enum Outcome: Sendable {
        case streams([AppendResult])
        case batch(BatchAppendResult)
    }

    struct WriterQueue: Sendable {
        var requests: [Request] = []
        var closing = false
        /// The queue length at which an enqueue wakes the writer: 1, or while the writer gathers callers, the
        /// number it waits for (so that it is woken once, not by each of them).
        var wakeAt = 1
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
        } catch {
            // `init` throws only before the log is fully initialised (its `deinit`, which closes the environment,
            // does not run), so the environment is closed here on every failure.
            if let env = envPtr { mdb_env_close(env) }
            switch error {
            case let e as LMDBError: throw e.asEventLogError
            case let e as EventLogError: throw e
            default: throw .storage("\(error)")
            }
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
        dbiMeta = try open("meta", 0)
        dbiEvents = try open("events", 0)
        let found = try Self.checkOrInitMeta(txn!, dbiMeta, dbiEvents)
        let upgraded = found == 1
        if upgraded { try Self.upgradeFromFormat1(txn!, dbiMeta) }
        let head = try Self.readHead(txn!, dbiEvents)
        try LMDBError.check(mdb_txn_commit(txn), "mdb_txn_commit(open)")
        ok = true

        // The index: its own environment; rebuilt from the log when missing, stale, or ahead of the log (a log
        // opened without durability can lose its last commits in an OS crash while the index kept them).
        let (index, stored) = try IndexStore.open(
            directory: directory + "/index",
            mapSize: max(configuration.mapSize, 1 << 30),
            maxMapSize: max(configuration.maxMapSize, 1 << 30),
            maxReaders: configuration.maxReaders,
            durable: configuration.durable
        )
        self.index = index
        var memtable = Memtable()
        memtable.progress = stored
        if upgraded || stored.indexedThrough > head.position {
            logger.notice(
                "rebuilding the event log index from the log",
                metadata: [
                    "directory": "\(directory)", "indexedThrough": "\(stored.indexedThrough)",
                    "head": "\(head.position)", "upgradedFromFormat1": "\(upgraded)",
                ]
            )
            try index.reset()
            memtable.progress = IndexStore.Progress(indexedThrough: 0, nextStreamNo: 1)
        }
        memtable.foldedThrough = memtable.progress.indexedThrough
        var filter = IdFilter(capacity: 1 << 20)
        try Self.recover(
            env: env,
            events: dbiEvents,
            index: index,
            into: &memtable,
            filter: &filter,
            head: head.position,
            configuration: configuration,
            logger: logger
        )
        self.filter = filter
        self.memtable = Mutex(memtable)
        self.headState = Mutex(head)
        self.waiters = PositionWaiters(head: head.position)
        logger.debug(
            "event log opened",
            metadata: [
                "directory": "\(directory)", "head": "\(head.position)",
                "recoveredIndexEntries": "\(memtable.unmerged)", "staleReadersCleared": "\(staleReaders)",
            ]
        )
        let writer = Thread { [unowned self] in self.writerLoop() }
        writer.name = "crm-eventlog-writer"
        writer.start()
        let merger = Thread { [unowned self] in self.mergeLoop() }
        merger.name = "crm-eventlog-index"
        merger.start()
        if memtable.unmerged >= configuration.indexMergeThreshold { requestMerge() }
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

    /// Checks the marker and format of an existing log (or writes them into a new one) and returns the format found.
    static func checkOrInitMeta(_ txn: OpaquePointer, _ meta: MDB_dbi, _ events: MDB_dbi) throws -> UInt32 {
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
            return format
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
        return formatVersion
    }

    /// Format 1 kept the index tables in the log's environment: drop them (the index is rebuilt in `index/`).
    static func upgradeFromFormat1(_ txn: OpaquePointer, _ meta: MDB_dbi) throws(LMDBError) {
        for name in ["streams", "streamIndex", "eventIds"] {
            var dbi: MDB_dbi = 0
            let rc = mdb_dbi_open(txn, name, 0, &dbi)
            if rc == MDB_NOTFOUND { continue }
            try LMDBError.check(rc, "mdb_dbi_open(\(name))")
            try LMDBError.check(mdb_drop(txn, dbi, 1), "mdb_drop(\(name))")
        }
        for key in ["indexedThrough", "nextStreamNo"] {
            var k = Array(key.utf8)
            let rc = k.withUnsafeMutableBytes { kb in
                var kv = MDB_val(mv_size: kb.count, mv_data: kb.baseAddress)
                return mdb_del(txn, meta, &kv, nil)
            }
            if rc != MDB_NOTFOUND { try LMDBError.check(rc, "mdb_del(meta \(key))") }
        }
        try metaPut(txn, meta, "format", withUnsafeBytes(of: formatVersion.littleEndian) { Array($0) })
    }

    static func readHead(_ txn: OpaquePointer, _ events: MDB_dbi) throws(EventLogError) -> LogHead {
        var cursor: OpaquePointer?
        guard mdb_cursor_open(txn, events, &cursor) == 0 else { throw .storage("mdb_cursor_open(head)") }
        defer { mdb_cursor_close(cursor) }
        var k = MDB_val()
        var v = MDB_val()
        guard mdb_cursor_get(cursor, &k, &v, MDB_LAST) == 0 else {
            return LogHead(position: 0, hash: .zero)
        }
        guard let pos = Keys.readPosition(k.raw), v.mv_size >= 64 else {
            throw .corrupt("last event record is truncated")
        }
        return LogHead(
            position: pos,
            hash: ChainHash(copying: UnsafeRawBufferPointer(rebasing: v.raw[(v.mv_size - 32)...]))
        )
    }

    /// Rebuilds the in-memory index entries of the events after `indexedThrough` from the log's tail, checking
    /// that positions and stream versions are contiguous, and fills the id filter.
    static func recover(
        env: OpaquePointer,
        events: MDB_dbi,
        index: IndexStore,
        into mem: inout Memtable,
        filter: inout IdFilter,
        head: UInt64,
        configuration: LMDBConfiguration,
        logger: Logger
    ) throws {
        var txn: OpaquePointer?
        try LMDBError.check(mdb_txn_begin(env, nil, flag(MDB_RDONLY), &txn), "mdb_txn_begin(recover)")
        defer { mdb_txn_abort(txn) }
        var indexTxn: OpaquePointer? = try index.beginRead()
        defer { if let t = indexTxn { index.endRead(t) } }
        // A long tail (a rebuilt index, a log written with a large threshold) is merged as it is read, so that the
        // memtable stays bounded by the merge threshold rather than by the log.
        let mergeEvery = max(configuration.indexMergeThreshold, 1) * 4
        if head >= mem.progress.indexedThrough + UInt64(mergeEvery) {
            logger.notice(
                "rebuilding the index from the log",
                metadata: ["from": "\(mem.progress.indexedThrough + 1)", "head": "\(head)"]
            )
        }
        var cursor: OpaquePointer?
        try LMDBError.check(mdb_cursor_open(txn, events, &cursor), "mdb_cursor_open(recover)")
        defer { mdb_cursor_close(cursor) }
        let keyBuffer = UnsafeMutablePointer<UInt64>.allocate(capacity: 1)
        defer { keyBuffer.deallocate() }
        keyBuffer.pointee = Keys.position(mem.progress.indexedThrough + 1)
        var k = MDB_val(mv_size: 8, mv_data: keyBuffer)
        var v = MDB_val()
        var rc = mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE)
        var expected = mem.progress.indexedThrough + 1
        while rc == 0 {
            let e = try RecordCodec.decode(v.raw)
            guard e.position == expected else {
                throw EventLogError.corrupt("gap in the log at position \(expected) (found \(e.position))")
            }
            let base: StreamState
            if let s = mem.stream(e.stream) {
                base = StreamState(streamNo: s.streamNo, versionCount: s.versionCount)
            } else if let merged = try index.stream(indexTxn!, e.stream) {
                base = StreamState(streamNo: merged.no, versionCount: merged.count)
            } else {
                base = StreamState(streamNo: nil, versionCount: 0)
            }
            guard e.streamVersion == base.versionCount else {
                throw EventLogError.corrupt(
                    "stream '\(e.stream)' has version \(e.streamVersion) at position \(e.position); "
                        + "expected \(base.versionCount)"
                )
            }
            mem.fold(e.stream, hash: StreamTable<MemStream>.hash(e.stream), base: base, position: e.position)
            mem.ids.insert(e.id, e.position)
            mem.unmerged += 1
            expected += 1
            if mem.unmerged >= mergeEvery, let job = mem.takeMergeJob() {
                // The merge must be visible to the stream lookups that follow (and may grow the map, which
                // waits for read transactions to end).
                index.endRead(indexTxn!)
                indexTxn = nil
                let (numbers, progress) = try index.merge(
                    job.streams,
                    ids: job.ids,
                    through: job.through,
                    progress: job.progress
                )
                mem.apply(job, numbers: numbers, progress: progress, residentStreams: configuration.residentStreams)
                indexTxn = try index.beginRead()
                logger.notice(
                    "rebuilding the index from the log",
                    metadata: ["indexedThrough": "\(progress.indexedThrough)", "head": "\(head)"]
                )
            }
            rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)
        }
        if rc != MDB_NOTFOUND { throw LMDBError(code: rc, operation: "recover scan") }
        filter = IdFilter(capacity: 2 * (index.idCount(indexTxn!) + mem.ids.count))
        try index.forEachId(indexTxn!) { filter.insert($0) }
        for id in mem.ids.ids { filter.insert(id) }
    }

    // MARK: Append

    public func append(_ events: [NewEvent], to stream: String, expected: ExpectedVersion) async throws(EventLogError)
        -> AppendResult
    {
        try await append([StreamAppend(stream: stream, expected: expected, events: events)])[0]
    }

    public func append(_ batch: [StreamAppend]) async throws(EventLogError) -> [AppendResult] {
        let validated = try AppendPlanner.validate(batch, maxEventSize: configuration.maxEventSize)
        if closedFlag.load(ordering: .acquiring) { throw .closed() }
        let records = PreparedRecords(batch)
        return try await enqueue(events: records.count) { .streams(batch, validated, records, $0) }.get()
    }

    public func append(_ batch: AppendBatch) async throws(EventLogError) -> BatchAppendResult {
        if batch.isEmpty { throw .emptyAppend(stream: batch.streamNames.count == 1 ? batch.streamNames[0] : nil) }
        if batch.largestPayload.size > configuration.maxEventSize {
            let stream = batch.streamNames[Int(batch.eventStreams[batch.largestPayload.event])]
            throw .eventTooLarge(stream: stream, size: batch.largestPayload.size, limit: configuration.maxEventSize)
        }
        if closedFlag.load(ordering: .acquiring) { throw .closed() }
        return try await enqueue(events: batch.count) { .batch(batch, $0) }.get()
    }

    /// Queues a request for the writer thread and waits for its result.
    private func enqueue<T: Sendable>(
        events: Int,
        _ work: (CheckedContinuation<Result<T, EventLogError>, Never>) -> Request.Work
    ) async -> Result<T, EventLogError> {
        let start = ContinuousClock.now
        return await withCheckedContinuation { (c: CheckedContinuation<Result<T, EventLogError>, Never>) in
            let (accepted, wake) = queue.withLock { q -> (Bool, Bool) in
                if q.closing { return (false, false) }
                q.requests.append(Request(work: work(c), eventCount: events, enqueued: start))
                return (true, q.requests.count == q.wakeAt)
            }
            if !accepted { c.resume(returning: .failure(.closed())) } else if wake { wakeWriter.signal() }
        }
    }

    // MARK: Writer thread

    private func writerLoop() {
        var gather = GatherWindow()
        var pending: [Request] = []
        while true {
            if pending.isEmpty { wakeWriter.wait() }
            var closing = drainQueue(into: &pending)
            while !pending.isEmpty {
                let (requests, nanoseconds) = commitOpenGroup(&pending, gather: gather, closing: &closing)
                gather.committed(requests: requests, nanoseconds: nanoseconds)
            }
            if closing && queue.withLock({ $0.requests.isEmpty }) { break }
        }
        writerDone.signal()
    }

    /// Moves the queued requests to the end of `pending`; returns whether the log is closing.
    private func drainQueue(into pending: inout [Request]) -> Bool {
        queue.withLock { q in
            pending.append(contentsOf: q.requests)
            q.requests.removeAll(keepingCapacity: true)
            q.wakeAt = 1
            return q.closing
        }
    }

    /// Commits one group: opens a write transaction, writes the requests of `pending` into it (up to
    /// `maxEventsPerCommit` events) and, while the last group commit resolved several callers and they are coming
    /// back (see ``GatherWindow``), writes each one as it arrives, until as many are in or the gather window
    /// closes; then commits. The writer's work on a request overlaps the callers still building theirs. Returns
    /// how many requests the group resolved and how long it took, not counting the waits.
    private func commitOpenGroup(
        _ pending: inout [Request],
        gather: GatherWindow,
        closing: inout Bool
    ) -> (requests: Int, nanoseconds: UInt64) {
        let opened = DispatchTime.now().uptimeNanoseconds
        var waited: UInt64 = 0
        var taken = 0
        var events = 0
        /// The requests that fit in the group, from the front of `pending`.
        func fitting() -> Int {
            var j = taken
            while j < pending.count && (j == 0 || events + pending[j].eventCount <= configuration.maxEventsPerCommit) {
                events += pending[j].eventCount
                j += 1
            }
            return j
        }
        let deadline = gather.wait.map { opened + $0.nanoseconds }
        var group: GroupTransaction
        do { group = try GroupTransaction(self) } catch {
            let j = fitting()
            finishGroup(pending[0..<j], events: events, outcome: CommitOutcome(error))
            pending.removeFirst(j)
            return (j, DispatchTime.now().uptimeNanoseconds - opened)
        }
        var failure: CommitOutcome?
        while true {
            let j = fitting()
            while taken < j && failure == nil {
                failure = group.add(pending[taken])
                taken += 1
            }
            taken = j
            guard failure == nil, taken == pending.count, !closing, let (callers, _) = gather.wait, taken < callers,
                let deadline
            else { break }
            // Wait for the next caller (any arrival wakes the writer), or the end of the window.
            let before = DispatchTime.now().uptimeNanoseconds
            guard before < deadline else { break }
            let empty = queue.withLock { q in
                q.wakeAt = 1
                return q.requests.isEmpty
            }
            if empty && wakeWriter.wait(timeout: DispatchTime(uptimeNanoseconds: deadline)) == .timedOut {
                waited += DispatchTime.now().uptimeNanoseconds - before
                if drainQueue(into: &pending) { closing = true }
                if taken == pending.count { break }
                continue
            }
            waited += DispatchTime.now().uptimeNanoseconds - before
            if drainQueue(into: &pending) { closing = true }
        }
        let outcome = failure ?? group.commit()
        finishGroup(pending[0..<taken], events: events, outcome: outcome)
        pending.removeFirst(taken)
        return (taken, DispatchTime.now().uptimeNanoseconds - opened - waited)
    }

    /// How long the writer keeps a group open for callers to come back.
    ///
    /// Group commit, gathered: the callers one group commit resolves tend to append again together, but they come
    /// back one by one over tens of microseconds, and a writer that committed as soon as the first arrived would
    /// split them into several commits, each paying a sync. So, after a group of several callers, the writer
    /// keeps the next group open until as many requests are in, or a quarter of a commit's duration (at most
    /// 0.5 ms) has passed, whichever comes first (PostgreSQL's `commit_delay` and MySQL's
    /// `binlog_group_commit_sync_delay` are the fixed-delay forms of this), and writes each request into the open
    /// transaction as it arrives (``commitOpenGroup(_:gather:closing:)``). A lone caller never waits.
    struct GatherWindow {
        /// Callers resolved by the last group commit.
        var lastRequests = 0
        /// A moving average of the group commit's duration.
        var commitNanos: UInt64 = 0
        /// The longest wait: callers that do not come back within it are not waited for.
        static let maxWaitNanos: UInt64 = 500_000

        mutating func committed(requests: Int, nanoseconds: UInt64) {
            lastRequests = requests
            commitNanos = commitNanos == 0 ? nanoseconds : (commitNanos * 7 + nanoseconds) / 8
        }

        /// How many callers to wait for, and until when (`nil`: commit at once).
        var wait: (callers: Int, nanoseconds: UInt64)? {
            guard lastRequests > 1 else { return nil }
            return (lastRequests, min(commitNanos / 4, Self.maxWaitNanos))
        }
    }

    /// What one group commit changes, applied to the memtable only after the commit succeeds.
    final class Overlay {
        struct Pending: Sendable {
            var base: StreamState
            /// Versions this group added.
            var added = 0
            /// The stream's entry index in the memtable when the writer looked it up (-1: not resident), valid
            /// while the memtable's `layout` is still `memLayout`.
            var memSlot = -1
            var memLayout: UInt64 = 0
            var lastVersion: UInt64? {
                let n = base.versionCount + UInt64(added)
                return n == 0 ? nil : n - 1
            }
        }
        var streams: StreamTable<Pending>

        init(streams: Int, events: Int) {
            self.streams = StreamTable(capacity: streams)
            self.events.reserveCapacity(events)
            self.ids.reserveCapacity(events)
        }

        /// Empties the overlay for the next group, keeping its storage unless a large group left it big.
        func reset() {
            if events.capacity > Self.largestKept || streams.capacity > Self.largestKept {
                streams = StreamTable(capacity: 16)
                events = []
                ids = []
            } else {
                streams.removeAll(keepingCapacity: true)
                events.removeAll(keepingCapacity: true)
                ids.removeAll(keepingCapacity: true)
            }
            indexTxn = nil
            indexGeneration = 0
        }

        /// The most entries an overlay keeps room for between groups (emptying more costs a single append).
        static let largestKept = 4_096
        /// Each written event's entry in `streams` and position, in log order.
        var events: [(slot: Int32, position: UInt64)] = []
        /// Ids written by this group, in order (looked up only when the id filter says "maybe").
        var ids: [(id: UUID, position: UInt64)] = []
        /// A read transaction on the index, begun at memtable generation `indexGeneration`.
        var indexTxn: OpaquePointer?
        var indexGeneration: UInt64 = 0
    }

    struct WriterView: AppendStateView {
        let log: LMDBEventLog
        let txn: OpaquePointer
        let overlay: Overlay

        /// An index read transaction that sees everything the memtable no longer holds as of `generation`.
        func indexTxn(generation: UInt64) throws(LMDBError) -> OpaquePointer {
            if let t = overlay.indexTxn {
                if overlay.indexGeneration == generation { return t }
                log.index.endRead(t)
                overlay.indexTxn = nil
            }
            let t = try log.index.beginRead()
            overlay.indexTxn = t
            overlay.indexGeneration = generation
            return t
        }

        func endIndexRead() {
            if let t = overlay.indexTxn { log.index.endRead(t) }
            overlay.indexTxn = nil
        }

        /// The overlay entry of a stream (its state before this group plus what the group added so far).
        func pending(_ stream: String, hash: UInt64) throws(EventLogError) -> Int {
            if let i = overlay.streams.find(stream, hash: hash) { return i }
            let (resident, generation) = log.withMemtable { m in (residentEntry(m, stream, hash), m.generation) }
            let entry: Overlay.Pending
            if let resident { entry = resident } else { entry = try mergedEntry(stream, generation: generation) }
            return overlay.streams.insert(stream, hash: hash, entry)
        }

        /// Brings the streams of one request into the overlay with one memtable lock for all of them (the planner
        /// then finds each there), and only the streams the memtable does not hold are looked up in the index.
        func preload(_ count: Int, name: (Int) -> String, hashes: [UInt64]) throws(EventLogError) {
            var absent: [Int] = []
            let generation = log.withMemtable { m in
                for k in 0..<count where overlay.streams.find(name(k), hash: hashes[k]) == nil {
                    let stream = name(k)
                    if let p = residentEntry(m, stream, hashes[k]) {
                        overlay.streams.insert(stream, hash: hashes[k], p)
                    } else {
                        absent.append(k)
                    }
                }
                return m.generation
            }
            for k in absent where overlay.streams.find(name(k), hash: hashes[k]) == nil {
                overlay.streams.insert(name(k), hash: hashes[k], try mergedEntry(name(k), generation: generation))
            }
        }

        /// The overlay entry for a stream the memtable holds, remembering where.
        private func residentEntry(_ m: Memtable, _ stream: String, _ hash: UInt64) -> Overlay.Pending? {
            guard let i = m.streams.find(stream, hash: hash) else { return nil }
            let s = m.streams.values[i]
            return Overlay.Pending(
                base: StreamState(streamNo: s.streamNo, versionCount: s.versionCount),
                memSlot: i,
                memLayout: m.layout
            )
        }

        /// The overlay entry for a stream the memtable does not hold: its merged state in the index, if any.
        private func mergedEntry(_ stream: String, generation: UInt64) throws(EventLogError) -> Overlay.Pending {
            do throws(LMDBError) {
                guard let merged = try log.index.stream(try indexTxn(generation: generation), stream) else {
                    return Overlay.Pending(base: StreamState(streamNo: nil, versionCount: 0))
                }
                return Overlay.Pending(base: StreamState(streamNo: merged.no, versionCount: merged.count))
            } catch { throw error.asEventLogError }
        }

        func currentVersion(of stream: String, hash: UInt64) throws(EventLogError) -> UInt64? {
            overlay.streams.values[try pending(stream, hash: hash)].lastVersion
        }

        func storedPosition(of id: UUID) throws(EventLogError) -> UInt64? {
            // The filter holds every stored id and this group's: "no" is certain, and nearly every new id gets it.
            guard log.filter.mayContain(id) else { return nil }
            if let p = overlay.ids.first(where: { $0.id == id }) { return p.position }
            let (found, generation) = log.withMemtable { m in (m.ids[id] ?? m.mergingIds[id], m.generation) }
            if let found { return found }
            do throws(LMDBError) {
                return try log.index.position(try indexTxn(generation: generation), of: id)
            } catch { throw error.asEventLogError }
        }

        func storedEvent(at position: UInt64) throws(EventLogError) -> RecordedEvent? {
            try log.getEvent(txn, position)
        }
    }

    /// Publishes a group's outcome: on success the head, the callers' results and the memtable's changes; when the
    /// map is full, grows it and writes the group again; on failure, fails every caller of the group.
    private func finishGroup(_ requests: ArraySlice<Request>, events: Int, outcome first: CommitOutcome) {
        var outcome = first
        while true {
            switch outcome {
            case .committed(let results, let overlay, let head):
                spareOverlay = overlay
                // Publish the group's index changes, resume the callers, then fold the changes into the memtable:
                // a caller builds its next append while the writer folds. Until the fold, whoever takes the
                // memtable lock first (a reader of a stream, or the writer) folds them (`withMemtable`).
                memtable.withLock { m in
                    m.foldPending()
                    m.unfolded = Memtable.Unfolded(overlay: overlay, through: head.position)
                }
                headState.withLock { $0 = head }
                groupCommits.add(1, ordering: .relaxed)
                groupedAppends.add(UInt64(requests.count), ordering: .relaxed)
                let now = ContinuousClock.now
                for (r, result) in zip(requests, results) {
                    appendLatency.recordNanoseconds(Int64((now - r.enqueued) / .nanoseconds(1)))
                    r.resume(result)
                }
                batchRequests.record(requests.count)
                batchEvents.record(events)
                waiters.advance(to: head.position)
                let (unmerged, dirty) = withMemtable { ($0.unmerged, $0.dirty.count) }
                if filter.isFull { rebuildFilter() }
                if unmerged >= mergeTrigger(dirtyStreams: dirty) { requestMerge() }
                if unmerged >= maxUnmerged { waitForMergeToCatchUp() }
                return
            case .mapFull:
                if !growMap() {
                    for r in requests {
                        r.fail(.storage("the map reached maxMapSize \(configuration.maxMapSize); raise it"))
                    }
                    return
                }
                outcome = tryCommit(requests)
            case .failed(let error):
                logger.error("group commit failed", metadata: ["error": "\(error)"])
                for r in requests { r.fail(error) }
                return
            }
        }
    }

    enum CommitOutcome {
        case committed([Result<Outcome, EventLogError>], Overlay, LogHead)
        case mapFull
        case failed(EventLogError)

        /// The outcome of a group that a storage error ended.
        init(_ error: any Error) {
            switch error {
            case let e as LMDBError:
                self = e.isMapFull || e.code == MDB_MAP_RESIZED ? .mapFull : .failed(e.asEventLogError)
            case let e as EventLogError: self = .failed(e)
            default: self = .failed(.storage("\(error)"))
            }
        }
    }

    /// Writes `requests` in one write transaction and commits it.
    private func tryCommit(_ requests: ArraySlice<Request>) -> CommitOutcome {
        var group: GroupTransaction
        do { group = try GroupTransaction(self) } catch { return CommitOutcome(error) }
        for req in requests {
            if let failure = group.add(req) { return failure }
        }
        return group.commit()
    }

    /// A group commit's write transaction, open while the writer adds requests to it: each request is planned
    /// against what the log and the group hold so far, and its records are chained and written at once. A request
    /// that fails its checks gets its own failure and writes nothing; a storage error ends the whole group.
    struct GroupTransaction {
        let log: LMDBEventLog
        let txn: OpaquePointer
        let overlay: Overlay
        let view: WriterView
        var chain: ChainWriter
        let headBefore: LogHead
        var results: [Result<Outcome, EventLogError>] = []

        /// Begins the group's write transaction.
        init(_ log: LMDBEventLog) throws(LMDBError) {
            var txnPtr: OpaquePointer?
            let rc = mdb_txn_begin(log.env, nil, 0, &txnPtr)
            guard rc == 0, let txn = txnPtr else { throw LMDBError(code: rc, operation: "mdb_txn_begin(write)") }
            self.log = log
            self.txn = txn
            self.overlay = log.takeOverlay()
            self.view = WriterView(log: log, txn: txn, overlay: overlay)
            let head = log.headState.withLock { $0 }
            self.headBefore = head
            self.chain = ChainWriter(
                log: log,
                txn: txn,
                position: head.position,
                lastHash: head.hash.words,
                now: log.clock.now()
            )
        }

        /// Plans and writes one request; returns the group's outcome if a storage error ended the group (the
        /// transaction is then aborted).
        mutating func add(_ req: Request) -> CommitOutcome? {
            log.prefetch(req)
            do {
                try write(req)
                return nil
            } catch {
                view.endIndexRead()
                mdb_txn_abort(txn)
                return CommitOutcome(error)
            }
        }

        private mutating func write(_ req: Request) throws {
            let view = self.view
            let overlay = self.overlay
            let log = self.log
            var chain = self.chain
            defer { self.chain = chain }
            switch req.work {
            case .streams(let batch, let validated, let records, _):
                let plan: AppendPlan
                do throws(EventLogError) {
                    try view.preload(batch.count, name: { batch[$0].stream }, hashes: validated.streamHashes)
                    plan = try AppendPlanner.plan(batch, validated, view: view)
                } catch {
                    results.append(.failure(error))
                    return
                }
                switch plan {
                case .replay(let r):
                    results.append(.success(.streams(r)))
                case .write(let planned):
                    // Every record's overlay slot and version, then the records, in batch order.
                    let n = records.count
                    var out: [AppendResult] = []
                    out.reserveCapacity(planned.count)
                    let firstPosition = chain.position + 1
                    try withUnsafeTemporaryAllocation(of: (slot: Int32, version: UInt64).self, capacity: n) { each in
                        for p in planned {
                            let slot = Int32(truncatingIfNeeded: try view.pending(p.stream, hash: p.hash))
                            for i in 0..<p.count {
                                each.initializeElement(
                                    at: p.firstEvent + i,
                                    to: (slot, p.firstVersion + UInt64(i))
                                )
                            }
                        }
                        try chain.write(records, versions: { each[$0].version }) { k, pos in
                            overlay.events.append((each[k].slot, pos))
                            overlay.ids.append((validated.ids[k], pos))
                            log.filter.insert(validated.ids[k])
                        }
                        for p in planned where p.count > 0 {
                            overlay.streams.values[Int(each[p.firstEvent].slot)].added += p.count
                        }
                    }
                    for p in planned {
                        let first = firstPosition + UInt64(p.firstEvent)
                        out.append(
                            AppendResult(
                                stream: p.stream,
                                positions: Array(first..<(first + UInt64(p.count))),
                                streamVersion: p.count == 0
                                    ? p.versionBefore : p.firstVersion + UInt64(p.count - 1),
                                idempotentReplay: false
                            )
                        )
                    }
                    results.append(.success(.streams(out)))
                }
            case .batch(let batch, _):
                let plan: BatchPlan
                do throws(EventLogError) {
                    try view.preload(
                        batch.streamNames.count,
                        name: { batch.streamNames[$0] },
                        hashes: batch.streamHashes
                    )
                    plan = try AppendPlanner.plan(batch, view: view)
                } catch {
                    results.append(.failure(error))
                    return
                }
                switch plan {
                case .replay(let r):
                    results.append(.success(.batch(r)))
                case .write(let before):
                    var slots: [Int] = []
                    slots.reserveCapacity(batch.streamNames.count)
                    for k in batch.streamNames.indices {
                        slots.append(try view.pending(batch.streamNames[k], hash: batch.streamHashes[k]))
                    }
                    var next = before.map { $0.map { $0 + 1 } ?? 0 }
                    let records = batch.records
                    var versions = [UInt64](repeating: 0, count: records.count)
                    for n in 0..<records.count {
                        let k = Int(batch.eventStreams[n])
                        versions[n] = next[k]
                        next[k] += 1
                    }
                    let firstPosition = chain.position + 1
                    try versions.withUnsafeBufferPointer { versions in
                        try chain.write(records, versions: { versions[$0] }) { n, pos in
                            overlay.events.append(
                                (Int32(truncatingIfNeeded: slots[Int(batch.eventStreams[n])]), pos)
                            )
                            overlay.ids.append((records.ids[n], pos))
                            log.filter.insert(records.ids[n])
                        }
                    }
                    for k in slots.indices {
                        let before = before[k].map { $0 + 1 } ?? 0
                        overlay.streams.values[slots[k]].added += Int(next[k] - before)
                    }
                    results.append(
                        .success(
                            .batch(
                                BatchAppendResult(
                                    positions: Array(firstPosition...chain.position),
                                    streamVersions: next.map { $0 == 0 ? nil : $0 - 1 },
                                    idempotentReplay: false
                                )
                            )
                        )
                    )
                }
            }
        }

        /// Commits the transaction (which ends it, whatever the outcome).
        func commit() -> CommitOutcome {
            view.endIndexRead()
            var head = headBefore
            if chain.position != head.position {
                head = LogHead(position: chain.position, hash: ChainHash(words: chain.lastHash))
            }
            // `mdb_txn_commit` frees the transaction even when it fails.
            let rc = mdb_txn_commit(txn)
            guard rc == 0 else { return CommitOutcome(LMDBError(code: rc, operation: "mdb_txn_commit")) }
            return .committed(results, overlay, head)
        }
    }

    /// An empty overlay for a group: the last group's, once the memtable has folded it in (taking the memtable lock
    /// folds it), or a new one.
    fileprivate func takeOverlay() -> Overlay {
        guard let spare = spareOverlay else { return Overlay(streams: 16, events: 16) }
        spareOverlay = nil
        // The memtable holds the last group's overlay until it is folded in; taking the lock folds it.
        withMemtable { _ in }
        spare.reset()
        return spare
    }

    /// Overlaps the cache misses of the lookups a request is about to make: the stream-table slots and entries of
    /// its streams (two passes: a slot names its entry) and the id-filter blocks of its ids.
    private func prefetch(_ request: Request) {
        let hashes = request.streamHashes
        for id in request.ids { filter.prefetch(id) }
        withMemtable { m in
            for h in hashes { m.streams.prefetchSlot(hash: h) }
            for h in hashes { m.streams.prefetchEntry(hash: h) }
        }
    }

    /// Writes records at the end of the log inside one write transaction, extending the hash chain.
    struct ChainWriter {
        let log: LMDBEventLog
        let txn: OpaquePointer
        /// The last position written.
        var position: UInt64
        /// The chain's last hash, as 32 bytes.
        var lastHash: (UInt64, UInt64, UInt64, UInt64)
        let now: EpochMillis

        /// Copies record `n` of `records` (whose bytes are `source`) into the page LMDB reserves for the next
        /// position and completes it there; returns that position.
        @inline(__always)
        mutating func write(
            _ records: PreparedRecords,
            _ n: Int,
            from source: UnsafeRawBufferPointer,
            version: UInt64
        ) throws(LMDBError) -> UInt64 {
            let pos = position + 1
            let start = records.offsets[n]
            let size = records.offsets[n + 1] - start
            let record = try log.reserveEvent(txn, pos, size: size)
            // The canonical bytes; `complete` writes the fields that depend on the log and the 64 bytes of the chain.
            record.baseAddress!.copyMemory(
                from: source.baseAddress! + start,
                byteCount: size - 2 * RecordCodec.hashSize
            )
            withUnsafeBytes(of: lastHash) { prev in
                RecordCodec.complete(
                    record,
                    position: pos,
                    streamVersion: version,
                    recordedAt: now,
                    effectiveFromRecordedAt: records.effectiveFromRecordedAt[n],
                    prevHash: prev
                )
            }
            withUnsafeMutableBytes(of: &lastHash) {
                $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: record[(size - 32)...]))
            }
            position = pos
            return pos
        }

        /// Writes the records of `records`, record `n` at version `versions(n)`, calling `written(n, position)`
        /// after each.
        @inline(__always)
        mutating func write(
            _ records: PreparedRecords,
            versions: (Int) -> UInt64,
            _ written: (Int, UInt64) -> Void
        ) throws {
            try records.bytes.withUnsafeBytes { source in
                for n in 0..<records.count {
                    written(n, try write(records, n, from: source, version: versions(n)))
                }
            }
        }
    }

    /// Reserves `size` bytes for the record at `position` in the `events` table (appended: positions only grow)
    /// and returns them for the record to be written in place (valid until the next write in `txn`).
    @inline(__always)
    func reserveEvent(_ txn: OpaquePointer, _ position: UInt64, size: Int) throws(LMDBError)
        -> UnsafeMutableRawBufferPointer
    {
        var key = Keys.position(position)
        var v = MDB_val(mv_size: size, mv_data: nil)
        let rc = withUnsafeMutableBytes(of: &key) { kb in
            var k = MDB_val(mv_size: 8, mv_data: kb.baseAddress)
            return mdb_put(txn, dbiEvents, &k, &v, flag(MDB_APPEND) | flag(MDB_RESERVE))
        }
        try LMDBError.check(rc, "mdb_put(events)")
        return UnsafeMutableRawBufferPointer(start: v.mv_data, count: size)
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

    /// Rebuilds the id filter at twice its capacity from the index and the memtable (writer thread).
    private func rebuildFilter() {
        // Memtable first, then the index transaction: an id that leaves memory in between is in that transaction.
        let inMemory = withMemtable { $0.ids.ids + $0.mergingIds.ids }
        do throws(LMDBError) {
            let txn = try index.beginRead()
            defer { index.endRead(txn) }
            var next = IdFilter(capacity: 2 * (index.idCount(txn) + inMemory.count))
            try index.forEachId(txn) { next.insert($0) }
            for id in inMemory { next.insert(id) }
            filter = next
        } catch {
            logger.error("id filter rebuild failed; it stays as it is", metadata: ["error": "\(error)"])
        }
    }

    // MARK: Index merges (background thread)

    /// Unmerged events beyond which the writer waits for the merge thread (memory bound).
    var maxUnmerged: Int { max(configuration.indexMergeThreshold, 1) * 8 }

    /// Unmerged events at which the writer asks for a merge: the threshold, or four per dirty stream if that is
    /// more (at most half of ``maxUnmerged``). A merge pays per stream as well as per event (a job entry, an
    /// entry in the run), so when appends spread over many streams, waiting until each carries a few events
    /// halves the merge thread's work (ADR 0007).
    func mergeTrigger(dirtyStreams: Int) -> Int {
        min(max(configuration.indexMergeThreshold, 4 * dirtyStreams), maxUnmerged / 2)
    }

    func requestMerge() {
        merges.withLock {
            mergeRequested = true
            merges.broadcast()
        }
    }

    private func waitForMergeToCatchUp() {
        merges.withLock {
            while !mergeStopped && withMemtable({ $0.unmerged >= maxUnmerged && $0.merging > 0 }) {
                merges.wait()
            }
        }
    }

    private func mergeLoop() {
        while true {
            let stop = merges.withLock { () -> Bool in
                while !mergeRequested && !mergeStopping { merges.wait() }
                mergeRequested = false
                return mergeStopping
            }
            if stop { break }
            mergeIndex()
            merges.withLock { merges.broadcast() }
        }
        merges.withLock {
            mergeStopped = true
            merges.broadcast()
        }
    }

    /// Hands every unmerged entry to the index in one sorted transaction, then drops it from memory.
    private func mergeIndex() {
        guard let job = withMemtable({ $0.takeMergeJob() }) else { return }
        let started = ContinuousClock.now
        do throws(LMDBError) {
            let (numbers, progress) = try index.merge(
                job.streams,
                ids: job.ids,
                through: job.through,
                progress: job.progress
            )
            withMemtable { m in
                m.apply(job, numbers: numbers, progress: progress, residentStreams: configuration.residentStreams)
            }
            indexMerges.add(1, ordering: .relaxed)
            logger.debug(
                "index merged",
                metadata: [
                    "through": "\(job.through)", "events": "\(job.ids.count)", "streams": "\(job.streams.count)",
                    "duration": "\(ContinuousClock.now - started)",
                ]
            )
        } catch {
            let failures = withMemtable { $0.handBack(job) }
            logger.error(
                "index merge failed; its entries stay in memory",
                metadata: ["error": "\(error)", "failures": "\(failures)"]
            )
        }
    }

    /// Merges every in-memory index entry into the index and waits until it is committed, e.g. before copying
    /// the directory for a backup. Appends may continue meanwhile; their entries may stay in memory.
    public func flushIndex() async {
        let target = withMemtable { $0.foldedThrough }
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async {
                while true {
                    let done = self.withMemtable { $0.progress.indexedThrough >= target }
                    if done { break }
                    let stopped = self.merges.withLock { () -> Bool in
                        if self.mergeStopped { return true }
                        self.mergeRequested = true
                        self.merges.broadcast()
                        self.merges.wait()
                        return false
                    }
                    if stopped { break }
                }
                c.resume()
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
            // One validating pass over the record (also checks it is filed under its own position).
            return try RecordView(validating: v.raw, storedAt: position).materialize()
        }
    }

    package func page(_ query: ReadQuery, from: UInt64?, max: Int) throws(EventLogError) -> EventPage {
        switch query.filter {
        case .stream(let name): return try streamPage(name, query.direction, from: from, max: max)
        default: return try scanPage(query, from: from, max: max)
        }
    }

    /// A stream's state for a reader: the memtable's entry (taken before any index transaction begins, so a merge
    /// committed in between is seen in the index) or the index's record.
    private func streamPage(_ name: String, _ direction: ReadDirection, from: UInt64?, max: Int) throws(EventLogError)
        -> EventPage
    {
        if closedFlag.load(ordering: .acquiring) { throw .closed() }
        let resident = withMemtable { $0.stream(name) }
        // Which versions this page needs, then their positions (index for merged versions, memory for the rest).
        let positions: [UInt64]
        let next: UInt64?
        let exhausted: Bool
        do throws(LMDBError) {
            let txn = try index.beginRead()
            defer { index.endRead(txn) }
            var s = resident ?? MemStream(streamNo: nil, mergedCount: 0, positions: [])
            if resident == nil, let merged = try index.stream(txn, name) {
                s = MemStream(streamNo: merged.no, mergedCount: merged.count, positions: [])
            }
            let total = s.versionCount
            let range: Range<UInt64>
            if direction == .forward {
                let start = Swift.min(from ?? 0, total)
                range = start..<Swift.min(total, start + UInt64(max))
                next = range.upperBound
                exhausted = range.upperBound >= total
            } else {
                guard total > 0 else { return EventPage(events: [], next: nil, exhausted: true) }
                let end = Swift.min(from ?? (total - 1), total - 1) + 1
                range = (end - Swift.min(end, UInt64(max)))..<end
                next = range.lowerBound > 0 ? range.lowerBound - 1 : nil
                exhausted = range.lowerBound == 0
            }
            var out: [UInt64] = []
            out.reserveCapacity(range.count)
            let mergedEnd = Swift.min(range.upperBound, s.mergedCount)
            if range.lowerBound < mergedEnd {
                // A stream back in memory without its number (see `IndexStore.merge`) finds it in the index; the
                // index transaction began after the memtable was read, so it holds the merge that numbered it.
                var number = s.streamNo
                if number == nil { number = try index.stream(txn, name)?.no }
                guard let no = number else {
                    throw LMDBError.indexDamaged("stream '\(name)' has merged versions but no number")
                }
                out += try index.positions(
                    txn,
                    streamNo: no,
                    from: range.lowerBound,
                    count: Int(mergedEnd - range.lowerBound)
                )
            }
            var v = Swift.max(range.lowerBound, s.mergedCount)
            while v < range.upperBound {
                out.append(s.positions[Int(v - s.mergedCount)])
                v += 1
            }
            positions = direction == .forward ? out : out.reversed()
        } catch { throw error.asEventLogError }
        let events = try withRead { (txn) throws(EventLogError) -> [RecordedEvent] in
            var events: [RecordedEvent] = []
            events.reserveCapacity(positions.count)
            for p in positions {
                guard let e = try getEvent(txn, p) else {
                    throw .corrupt("stream '\(name)' names position \(p), which holds no event")
                }
                events.append(e)
            }
            return events
        }
        return EventPage(events: events, next: next, exhausted: exhausted)
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
        if closedFlag.load(ordering: .acquiring) { throw .closed() }
        if let s = withMemtable({ $0.stream(stream) }) { return s.lastVersion }
        do throws(LMDBError) {
            let txn = try index.beginRead()
            defer { index.endRead(txn) }
            guard let merged = try index.stream(txn, stream) else { return nil }
            return merged.count == 0 ? nil : merged.count - 1
        } catch { throw error.asEventLogError }
    }

    public func event(at position: UInt64) throws(EventLogError) -> RecordedEvent? {
        try withRead { (txn) throws(EventLogError) in try getEvent(txn, position) }
    }

    /// Walks the hash chain over the stored bytes (``scan(from:through:filter:_:)``), recomputing each hash from
    /// the record's canonical bytes.
    public func verifyChain() async throws(EventLogError) -> ChainVerification { try verifyChainByScan() }

    /// Disk and index figures for operators: `head`; the index's `indexedThrough`, `unmergedIndexEntries`,
    /// `unmergedStreams`, `residentStreams`, `indexMergeFailures`, `indexRuns` (its sorted runs, ADR 0007) and
    /// `indexMerges` (merges committed since this log was opened); the maps' `mapSize`, `lastPage`,
    /// `indexMapSize` and `indexLastPage`; and, since this log was opened, `groupCommits` (successful group
    /// commits) and `groupedAppends` (the append calls they resolved; their ratio is the group-commit batch size).
    public func statistics() throws(EventLogError) -> [String: UInt64] {
        let mem = withMemtable {
            (
                $0.unmerged + $0.merging, $0.dirty.count, $0.progress.indexedThrough, $0.streams.count,
                $0.mergeFailures
            )
        }
        var info = MDB_envinfo()
        mdb_env_info(env, &info)
        var indexInfo = MDB_envinfo()
        mdb_env_info(index.env, &indexInfo)
        let runs: Int
        do throws(LMDBError) {
            let txn = try index.beginRead()
            defer { index.endRead(txn) }
            runs = try index.runs(txn).count
        } catch { throw error.asEventLogError }
        return [
            "indexRuns": UInt64(runs),
            "head": try head().position, "unmergedIndexEntries": UInt64(mem.0), "unmergedStreams": UInt64(mem.1),
            "indexedThrough": mem.2, "residentStreams": UInt64(mem.3), "indexMergeFailures": UInt64(mem.4),
            "mapSize": UInt64(info.me_mapsize), "lastPage": UInt64(info.me_last_pgno),
            "indexMapSize": UInt64(indexInfo.me_mapsize), "indexLastPage": UInt64(indexInfo.me_last_pgno),
            "groupCommits": groupCommits.load(ordering: .relaxed),
            "groupedAppends": groupedAppends.load(ordering: .relaxed),
            "indexMerges": indexMerges.load(ordering: .relaxed),
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
        // Stop the merge thread after its current merge; unmerged entries are rebuilt from the log at open.
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async {
                self.merges.withLock {
                    self.mergeStopping = true
                    self.merges.broadcast()
                    while !self.mergeStopped { self.merges.wait() }
                }
                c.resume()
            }
        }
        // Wait for in-flight readers, then sync. The environments themselves close in deinit.
        resizeLock.withWriteLock { _ = mdb_env_sync(env, 1) }
        index.sync()
        logger.debug("event log closed", metadata: ["directory": "\(directory)"])
    }
}

extension LMDBEventLog {
    /// The id filter's capacity (tests only; read it while no append is in flight: the writer thread owns it).
    var _idFilterCapacity: Int { filter.capacity }

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
