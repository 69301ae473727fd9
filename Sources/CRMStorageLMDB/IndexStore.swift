import CLMDB
import CRMEventLog
import Foundation
import Synchronization

/// The derived indexes of an ``LMDBEventLog``, in their own LMDB environment (`<log>/index`).
///
/// Tables: `streams` name → stream number (written once per stream); `runs` run number → the positions it covers
/// and its level; `streamRuns` (run, stream number) → the stream's first version in the run and its positions;
/// `idRuns` (run, id) → position; `meta` (`indexedThrough`, `nextStreamNo`, `nextRun`, `indexFormat`).
/// Everything here can be rebuilt from the log. A separate environment has its own writer lock, so a merge never
/// blocks appends (ADR 0005).
///
/// Each merge writes one **sorted run** at the end of `streamRuns` and `idRuns` (run numbers only grow, so every
/// put appends) instead of inserting into one big tree, whose every leaf page a merge over thousands of streams
/// used to rewrite: that cost grew with the index. When the newest ``fanIn`` runs have the same level, they are
/// merged into one run of the next level (a sequential rewrite), so a log of `n` merges keeps at most
/// `(fanIn - 1)` runs per level, about `3 log4(n)` in all (ADR 0007). A stream read and an id lookup visit every
/// run.
final class IndexStore: @unchecked Sendable {
    // @unchecked: the environment and DBI handles are immutable after open; LMDB allows their use from any
    // thread (MDB_NOTLS); only the merge thread writes, and map growth takes `resizeLock` exclusively.

    /// 2: sorted runs. An index in another format (1: one `streamIndex` and one `eventIds` tree) is dropped at open
    /// and rebuilt from the log.
    static let formatVersion: UInt64 = 2
    /// Runs of one level that are merged into one run of the next.
    static let fanIn = 4

    let env: OpaquePointer
    let dbiStreams: MDB_dbi
    let dbiRuns: MDB_dbi
    let dbiStreamRuns: MDB_dbi
    let dbiIdRuns: MDB_dbi
    let dbiMeta: MDB_dbi
    let resizeLock = ReadWriteLock()
    private var mapSize: Int  // merge thread only (under resizeLock's write side)
    /// The runs of the newest read snapshot seen (see ``runs(_:)``); never filled from a write transaction.
    private let runCache = Mutex<(snapshot: Int, runs: [Run])>((-1, []))
    private let maxMapSize: Int

    /// The persisted progress of the index.
    struct Progress: Sendable, Equatable {
        /// Every event up to this position is in the index tables.
        var indexedThrough: UInt64
        /// The next stream number to assign.
        var nextStreamNo: UInt64
    }

    /// One stream's entries to merge: versions `mergedCount ..< mergedCount + positions.count`.
    struct StreamEntries: Sendable {
        var name: String
        var streamNo: UInt64?
        var mergedCount: UInt64
        var positions: [UInt64]
    }

    /// A sorted run: the index entries of the events at positions `first...last`.
    struct Run: Sendable, Equatable {
        var number: UInt64
        var first: UInt64
        var last: UInt64
        /// 0 for a merge's run; `l + 1` for the run ``fanIn`` runs of level `l` were merged into.
        var level: UInt64
    }

    static func open(
        directory: String,
        mapSize: Int,
        maxMapSize: Int,
        maxReaders: Int,
        durable: Bool
    ) throws(LMDBError) -> (IndexStore, Progress) {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw LMDBError(code: EACCES, operation: "create index directory '\(directory)'")
        }
        var envPtr: OpaquePointer?
        try LMDBError.check(mdb_env_create(&envPtr), "mdb_env_create(index)")
        guard let env = envPtr else { throw LMDBError(code: EINVAL, operation: "mdb_env_create(index)") }
        do throws(LMDBError) {
            try LMDBError.check(mdb_env_set_maxdbs(env, 8), "mdb_env_set_maxdbs(index)")
            try LMDBError.check(mdb_env_set_maxreaders(env, UInt32(max(1, maxReaders))), "maxreaders(index)")
            try LMDBError.check(mdb_env_set_mapsize(env, mapSize), "mdb_env_set_mapsize(index)")
            // MDB_NOMETASYNC: one sync per merge instead of two. LMDB keeps its integrity; an OS crash may undo the
            // last merge, whose entries are then rebuilt from the log's tail at open (`indexedThrough` is in the
            // same transaction).
            var flags = flag(MDB_NOTLS) | flag(MDB_NOMETASYNC)
            if !durable { flags |= flag(MDB_NOSYNC) }
            try LMDBError.check(mdb_env_open(env, directory, flags, 0o644), "mdb_env_open('\(directory)')")
            var dead: Int32 = 0
            _ = mdb_reader_check(env, &dead)
            return try IndexStore.make(env: env, mapSize: mapSize, maxMapSize: maxMapSize)
        } catch {
            mdb_env_close(env)
            throw error
        }
    }

    private static func make(env: OpaquePointer, mapSize: Int, maxMapSize: Int) throws(LMDBError) -> (
        IndexStore, Progress
    ) {
        var txn: OpaquePointer?
        try LMDBError.check(mdb_txn_begin(env, nil, 0, &txn), "mdb_txn_begin(index open)")
        func open(_ name: String) throws(LMDBError) -> MDB_dbi {
            var dbi: MDB_dbi = 0
            try LMDBError.check(mdb_dbi_open(txn, name, flag(MDB_CREATE), &dbi), "mdb_dbi_open(\(name))")
            return dbi
        }
        do throws(LMDBError) {
            let store = IndexStore(
                env: env,
                streams: try open("streams"),
                runs: try open("runs"),
                streamRuns: try open("streamRuns"),
                idRuns: try open("idRuns"),
                meta: try open("meta"),
                mapSize: mapSize,
                maxMapSize: maxMapSize
            )
            if LMDBEventLog.metaU64(txn!, store.dbiMeta, "indexFormat") != formatVersion {
                // Another format (or a new index): start empty; the log refolds everything after position 0.
                for old in ["streamIndex", "eventIds"] {
                    var dbi: MDB_dbi = 0
                    if mdb_dbi_open(txn, old, 0, &dbi) == 0 {
                        try LMDBError.check(mdb_drop(txn, dbi, 1), "mdb_drop(\(old))")
                    }
                }
                try store.empty(txn!)
                try LMDBEventLog.metaPut(txn!, store.dbiMeta, "indexFormat", LMDBEventLog.u64Bytes(formatVersion))
            }
            let progress = Progress(
                indexedThrough: LMDBEventLog.metaU64(txn!, store.dbiMeta, "indexedThrough") ?? 0,
                nextStreamNo: LMDBEventLog.metaU64(txn!, store.dbiMeta, "nextStreamNo") ?? 1
            )
            try LMDBError.check(mdb_txn_commit(txn), "mdb_txn_commit(index open)")
            return (store, progress)
        } catch {
            mdb_txn_abort(txn)
            throw error
        }
    }

    private init(
        env: OpaquePointer,
        streams: MDB_dbi,
        runs: MDB_dbi,
        streamRuns: MDB_dbi,
        idRuns: MDB_dbi,
        meta: MDB_dbi,
        mapSize: Int,
        maxMapSize: Int
    ) {
        self.env = env
        self.dbiStreams = streams
        self.dbiRuns = runs
        self.dbiStreamRuns = streamRuns
        self.dbiIdRuns = idRuns
        self.dbiMeta = meta
        self.mapSize = mapSize
        self.maxMapSize = maxMapSize
    }

    deinit { mdb_env_close(env) }

    // MARK: Reads

    /// A read transaction on the index, with the resize lock held shared until ``endRead(_:)``.
    func beginRead() throws(LMDBError) -> OpaquePointer {
        resizeLock.lockShared()
        var txn: OpaquePointer?
        let rc = mdb_txn_begin(env, nil, flag(MDB_RDONLY), &txn)
        guard rc == 0, let txn else {
            resizeLock.unlock()
            throw LMDBError(code: rc, operation: "mdb_txn_begin(index read)")
        }
        return txn
    }

    func endRead(_ txn: OpaquePointer) {
        mdb_txn_abort(txn)
        resizeLock.unlock()
    }

    /// The merged state of a stream: its number and how many of its versions are in `streamIndex`.
    func stream(_ txn: OpaquePointer, _ name: String) throws(LMDBError) -> (no: UInt64, count: UInt64)? {
        var name = name
        var value = MDB_val()
        let rc = name.withUTF8 { u in
            var k = MDB_val(mv_size: u.count, mv_data: UnsafeMutableRawPointer(mutating: u.baseAddress))
            return mdb_get(txn, dbiStreams, &k, &value)
        }
        if rc == MDB_NOTFOUND { return nil }
        try LMDBError.check(rc, "mdb_get(streams)")
        guard value.mv_size == 8 else { throw LMDBError(code: MDB_CORRUPTED, operation: "streams record size") }
        let no = UInt64(littleEndian: value.raw.loadUnaligned(as: UInt64.self))
        // The newest run that holds the stream ends at its last merged version.
        for run in try runs(txn).reversed() {
            var key = (run.number.bigEndian, no.bigEndian)
            var v = MDB_val()
            let rc = withUnsafeMutableBytes(of: &key) { kb in
                var k = MDB_val(mv_size: 16, mv_data: kb.baseAddress)
                return mdb_get(txn, dbiStreamRuns, &k, &v)
            }
            if rc == MDB_NOTFOUND { continue }
            try LMDBError.check(rc, "mdb_get(streamRuns)")
            let entry = try Self.streamEntry(v.raw, run: run.number, streamNo: no)
            return (no, entry.first + UInt64(entry.count))
        }
        throw LMDBError(code: MDB_CORRUPTED, operation: "stream #\(no) ('\(name)') is in no index run")
    }

    /// The live runs as of read transaction `txn`, in position order. They change only when a merge commits, so
    /// the list is kept for the snapshot it was read in (LMDB's transaction id) and shared by the reads that
    /// follow, without reading the table or allocating again.
    func runs(_ txn: OpaquePointer) throws(LMDBError) -> [Run] {
        let snapshot = mdb_txn_id(txn)
        if let cached = runCache.withLock({ $0.snapshot == snapshot ? $0.runs : nil }) { return cached }
        let fresh = try readRuns(txn)
        runCache.withLock { if snapshot > $0.snapshot { $0 = (snapshot, fresh) } }
        return fresh
    }

    /// The runs recorded in `txn` (any transaction, including the merge's own), in position order.
    private func readRuns(_ txn: OpaquePointer) throws(LMDBError) -> [Run] {
        var out: [Run] = []
        try scan(txn, dbiRuns, from: 0) { (k, v) throws(LMDBError) -> Bool in
            guard k.count == 8, v.count == 24 else { throw LMDBError(code: MDB_CORRUPTED, operation: "runs record") }
            out.append(
                Run(
                    number: UInt64(bigEndian: k.loadUnaligned(as: UInt64.self)),
                    first: UInt64(littleEndian: v.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
                    last: UInt64(littleEndian: v.loadUnaligned(fromByteOffset: 8, as: UInt64.self)),
                    level: UInt64(littleEndian: v.loadUnaligned(fromByteOffset: 16, as: UInt64.self))
                )
            )
            return true
        }
        out.sort { $0.first < $1.first }
        return out
    }

    /// The positions of versions `from ..< from + count` of stream `no`, gathered from the runs in position order
    /// (a stream's versions in consecutive runs are consecutive).
    func positions(_ txn: OpaquePointer, streamNo no: UInt64, from: UInt64, count: Int) throws(LMDBError) -> [UInt64] {
        guard count > 0 else { return [] }
        var out: [UInt64] = []
        out.reserveCapacity(count)
        var expected = from
        for run in try runs(txn) where out.count < count {
            var key = (run.number.bigEndian, no.bigEndian)
            var v = MDB_val()
            let rc = withUnsafeMutableBytes(of: &key) { kb in
                var k = MDB_val(mv_size: 16, mv_data: kb.baseAddress)
                return mdb_get(txn, dbiStreamRuns, &k, &v)
            }
            if rc == MDB_NOTFOUND { continue }
            try LMDBError.check(rc, "mdb_get(streamRuns)")
            let entry = try Self.streamEntry(v.raw, run: run.number, streamNo: no)
            let end = entry.first + UInt64(entry.count)
            if end <= expected { continue }
            guard entry.first <= expected else {
                throw LMDBError(code: MDB_CORRUPTED, operation: "stream #\(no) index has a gap at \(expected)")
            }
            var i = Int(expected - entry.first)
            while i < entry.count && out.count < count {
                out.append(UInt64(littleEndian: v.raw.loadUnaligned(fromByteOffset: 8 + 8 * i, as: UInt64.self)))
                i += 1
            }
            expected = entry.first + UInt64(i)
        }
        if out.count < count {
            throw LMDBError(code: MDB_CORRUPTED, operation: "stream #\(no) index has no entry for version \(expected)")
        }
        return out
    }

    /// A `streamRuns` value: the first version (8 bytes) and the positions (8 bytes each).
    private static func streamEntry(_ v: UnsafeRawBufferPointer, run: UInt64, streamNo: UInt64) throws(LMDBError)
        -> (first: UInt64, count: Int)
    {
        guard v.count >= 16, v.count % 8 == 0 else {
            throw LMDBError(code: MDB_CORRUPTED, operation: "stream #\(streamNo) entry of run \(run)")
        }
        return (UInt64(littleEndian: v.loadUnaligned(as: UInt64.self)), v.count / 8 - 1)
    }

    /// Where the event with `id` is stored, if the index has it.
    func position(_ txn: OpaquePointer, of id: UUID) throws(LMDBError) -> UInt64? {
        for run in try runs(txn).reversed() {
            var key = IdKey(run: run.number, id: id)
            var v = MDB_val()
            let rc = withUnsafeMutableBytes(of: &key) { kb in
                var k = MDB_val(mv_size: 24, mv_data: kb.baseAddress)
                return mdb_get(txn, dbiIdRuns, &k, &v)
            }
            if rc == MDB_NOTFOUND { continue }
            try LMDBError.check(rc, "mdb_get(idRuns)")
            return Keys.readPosition(v.raw)
        }
        return nil
    }

    /// Calls `body` with every indexed event id.
    func forEachId(_ txn: OpaquePointer, _ body: (UUID) -> Void) throws(LMDBError) {
        try scan(txn, dbiIdRuns, from: 0) { (k, _) throws(LMDBError) -> Bool in
            guard k.count == 24 else { throw LMDBError(code: MDB_CORRUPTED, operation: "idRuns key size") }
            body(UUID(uuid: k.loadUnaligned(fromByteOffset: 8, as: uuid_t.self)))
            return true
        }
    }

    /// How many ids the index holds.
    func idCount(_ txn: OpaquePointer) -> Int {
        var stat = MDB_stat()
        mdb_stat(txn, dbiIdRuns, &stat)
        return Int(stat.ms_entries)
    }

    /// Walks `dbi` from the first key whose leading 8 bytes are at least `run` (big-endian), while `body` returns
    /// true.
    private func scan(
        _ txn: OpaquePointer,
        _ dbi: MDB_dbi,
        from run: UInt64,
        _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws(LMDBError) -> Bool
    ) throws(LMDBError) {
        var cursor: OpaquePointer?
        try LMDBError.check(mdb_cursor_open(txn, dbi, &cursor), "mdb_cursor_open(index scan)")
        defer { mdb_cursor_close(cursor) }
        var start = run.bigEndian
        var rc = withUnsafeMutableBytes(of: &start) { sb in
            var k = MDB_val(mv_size: 8, mv_data: sb.baseAddress)
            var v = MDB_val()
            return mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE)
        }
        while rc == 0 {
            var k = MDB_val()
            var v = MDB_val()
            try LMDBError.check(mdb_cursor_get(cursor, &k, &v, MDB_GET_CURRENT), "mdb_cursor_get(index scan)")
            guard try body(k.raw, v.raw) else { return }
            rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)
        }
        if rc != MDB_NOTFOUND { throw LMDBError(code: rc, operation: "index scan") }
    }

    /// An `idRuns` key: the run number (big-endian) and the id's 16 bytes (byte order is id order).
    struct IdKey {
        var run: UInt64
        var id: (UInt64, UInt64)

        init(run: UInt64, id: UUID) { self.init(run: run, sortKey: IndexStore.sortKey(id)) }

        /// `sortKey`: ``IndexStore/sortKey(_:)`` of the id.
        init(run: UInt64, sortKey: (UInt64, UInt64)) {
            self.run = run.bigEndian
            self.id = (sortKey.0.bigEndian, sortKey.1.bigEndian)
        }
    }

    // MARK: Writes (merge thread only)

    /// Writes one merge in a single transaction: the stream records, a new run of level 0 with the stream entries
    /// and the ids (each in key order, appended), and the new progress; then merges the newest runs while
    /// ``fanIn`` of them share a level. Returns the stream numbers given to `streams` (same order). Grows the map
    /// when full.
    func merge(_ streams: [StreamEntries], ids: IdTable, through: UInt64, progress: Progress)
        throws(LMDBError) -> (
            [UInt64], Progress
        )
    {
        // Stream numbers for new streams, in name order so that a rebuild gives the same numbers.
        let byName = Self.byteOrder(streams.map(\.name))
        var numbers = [UInt64](repeating: 0, count: streams.count)
        var next = progress.nextStreamNo
        for i in byName {
            if let no = streams[i].streamNo {
                numbers[i] = no
            } else {
                numbers[i] = next
                next += 1
            }
        }
        let byNumber = streams.indices.sorted { numbers[$0] < numbers[$1] }
        var sortedIds = zip(ids.ids, ids.positions).map { (key: Self.sortKey($0.0), position: $0.1) }
        sortedIds.sort { $0.key < $1.key }
        let done = Progress(indexedThrough: max(progress.indexedThrough, through), nextStreamNo: next)
        while true {
            var txnPtr: OpaquePointer?
            let rc = mdb_txn_begin(env, nil, 0, &txnPtr)
            guard rc == 0, let txn = txnPtr else {
                if rc == MDB_MAP_FULL || rc == MDB_MAP_RESIZED, grow() { continue }
                throw LMDBError(code: rc, operation: "mdb_txn_begin(merge)")
            }
            do throws(LMDBError) {
                // Only new streams: a stream's merged count is where its entry in the newest run that holds it ends.
                try withCursor(txn, dbiStreams) { (c) throws(LMDBError) in
                    for i in byName where streams[i].streamNo == nil {
                        var name = streams[i].name
                        var value = numbers[i].littleEndian
                        let rc = name.withUTF8 { u in
                            withUnsafeMutableBytes(of: &value) { vb in
                                var k = MDB_val(
                                    mv_size: u.count,
                                    mv_data: UnsafeMutableRawPointer(mutating: u.baseAddress)
                                )
                                var v = MDB_val(mv_size: 8, mv_data: vb.baseAddress)
                                return mdb_cursor_put(c, &k, &v, flag(MDB_NOOVERWRITE))
                            }
                        }
                        try LMDBError.check(rc, "mdb_cursor_put(streams)")
                    }
                }
                let run = LMDBEventLog.metaU64(txn, dbiMeta, "nextRun") ?? 1
                var value: [UInt64] = []
                try withCursor(txn, dbiStreamRuns) { (c) throws(LMDBError) in
                    for i in byNumber where !streams[i].positions.isEmpty {
                        value.removeAll(keepingCapacity: true)
                        value.append(streams[i].mergedCount.littleEndian)
                        for p in streams[i].positions { value.append(p.littleEndian) }
                        try Self.appendStreamEntry(c, run: run, streamNo: numbers[i], value)
                    }
                }
                try withCursor(txn, dbiIdRuns) { (c) throws(LMDBError) in
                    for entry in sortedIds {
                        try Self.appendId(c, IdKey(run: run, sortKey: entry.key), position: entry.position)
                    }
                }
                try putRun(txn, Run(number: run, first: progress.indexedThrough + 1, last: through, level: 0))
                try LMDBEventLog.metaPut(txn, dbiMeta, "nextRun", LMDBEventLog.u64Bytes(run + 1))
                try compact(txn)
                try LMDBEventLog.metaPut(txn, dbiMeta, "indexedThrough", LMDBEventLog.u64Bytes(done.indexedThrough))
                try LMDBEventLog.metaPut(txn, dbiMeta, "nextStreamNo", LMDBEventLog.u64Bytes(done.nextStreamNo))
                try LMDBError.check(mdb_txn_commit(txn), "mdb_txn_commit(merge)")
                return (numbers, done)
            } catch {
                if !error.operation.hasPrefix("mdb_txn_commit") { mdb_txn_abort(txn) }
                if error.isMapFull, grow() { continue }
                throw error
            }
        }
    }

    /// While the newest ``fanIn`` runs share a level, merges them into one run of the next level: stream entries
    /// by stream number (a stream's positions from consecutive runs concatenated) and ids by id, each appended
    /// under a new run number; then deletes the merged runs.
    private func compact(_ txn: OpaquePointer) throws(LMDBError) {
        var live = try readRuns(txn)
        while live.count >= Self.fanIn {
            let inputs = Array(live.suffix(Self.fanIn))
            guard inputs.allSatisfy({ $0.level == inputs[0].level }) else { return }
            let run = LMDBEventLog.metaU64(txn, dbiMeta, "nextRun") ?? 1
            try mergeRuns(txn, dbiStreamRuns, inputs, into: run) { (entries, out) throws(LMDBError) in
                // One stream's entries, in position order: their versions must continue one another.
                var nextVersion: UInt64?
                for e in entries {
                    guard e.count >= 16, e.count % 8 == 0 else {
                        throw LMDBError(code: MDB_CORRUPTED, operation: "stream entry size in an index run")
                    }
                    let first = e.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
                    guard nextVersion == nil || first == nextVersion else {
                        throw LMDBError(code: MDB_CORRUPTED, operation: "stream entries of index runs do not continue")
                    }
                    nextVersion = first + UInt64(e.count / 8 - 1)
                    out.append(contentsOf: out.isEmpty ? e[...] : e[8...])
                }
            }
            try mergeRuns(txn, dbiIdRuns, inputs, into: run) { (entries, out) throws(LMDBError) in
                guard entries.count == 1 else {
                    throw LMDBError(code: MDB_CORRUPTED, operation: "an event id is in two index runs")
                }
                out.append(contentsOf: entries[0])
            }
            for input in inputs {
                try deleteRun(txn, dbiStreamRuns, input.number)
                try deleteRun(txn, dbiIdRuns, input.number)
                var key = input.number.bigEndian
                let rc = withUnsafeMutableBytes(of: &key) { kb in
                    var k = MDB_val(mv_size: 8, mv_data: kb.baseAddress)
                    return mdb_del(txn, dbiRuns, &k, nil)
                }
                try LMDBError.check(rc, "mdb_del(runs)")
            }
            let merged = Run(
                number: run,
                first: inputs[0].first,
                last: inputs[inputs.count - 1].last,
                level: inputs[0].level + 1
            )
            try putRun(txn, merged)
            try LMDBEventLog.metaPut(txn, dbiMeta, "nextRun", LMDBEventLog.u64Bytes(run + 1))
            live.removeLast(Self.fanIn)
            live.append(merged)
        }
    }

    /// Writes the entries of `inputs` (runs in position order) in `dbi` under run number `run`, in key order:
    /// the values of the inputs' entries that share a key (after the run number) are combined by `combine`, in
    /// input order, into its second argument. One cursor walks each input; each entry is copied out before the
    /// next put (a put may split a page of this transaction that a cursor is on).
    private func mergeRuns(
        _ txn: OpaquePointer,
        _ dbi: MDB_dbi,
        _ inputs: [Run],
        into run: UInt64,
        combine: ([[UInt8]], inout [UInt8]) throws(LMDBError) -> Void
    ) throws(LMDBError) {
        var cursors: [OpaquePointer] = []
        defer { for c in cursors { mdb_cursor_close(c) } }
        var keys: [[UInt8]] = []
        var values: [[UInt8]] = []
        var live: [Bool] = []
        /// Copies the entry under cursor `h` (after `op`) into `keys[h]`/`values[h]`, or marks the input done.
        func load(_ h: Int, _ op: MDB_cursor_op) throws(LMDBError) {
            var start = inputs[h].number.bigEndian
            var k = MDB_val()
            var v = MDB_val()
            let rc = withUnsafeMutableBytes(of: &start) { sb in
                if op == MDB_SET_RANGE { k = MDB_val(mv_size: 8, mv_data: sb.baseAddress) }
                return mdb_cursor_get(cursors[h], &k, &v, op)
            }
            if rc == MDB_NOTFOUND {
                live[h] = false
                return
            }
            try LMDBError.check(rc, "mdb_cursor_get(index run)")
            guard k.mv_size > 8, UInt64(bigEndian: k.raw.loadUnaligned(as: UInt64.self)) == inputs[h].number else {
                live[h] = false
                return
            }
            keys[h].removeAll(keepingCapacity: true)
            keys[h].append(contentsOf: k.raw[8...])
            values[h].removeAll(keepingCapacity: true)
            values[h].append(contentsOf: v.raw)
        }
        for h in inputs.indices {
            var c: OpaquePointer?
            try LMDBError.check(mdb_cursor_open(txn, dbi, &c), "mdb_cursor_open(index run)")
            cursors.append(c!)
            keys.append([])
            values.append([])
            live.append(true)
            try load(h, MDB_SET_RANGE)
        }
        var writer: OpaquePointer?
        try LMDBError.check(mdb_cursor_open(txn, dbi, &writer), "mdb_cursor_open(merged run)")
        defer { mdb_cursor_close(writer) }
        var same: [Int] = []
        var group: [[UInt8]] = []
        var key: [UInt8] = []
        var value: [UInt8] = []
        while true {
            var smallest = -1
            for h in inputs.indices where live[h] {
                if smallest < 0 || keys[h].lexicographicallyPrecedes(keys[smallest]) { smallest = h }
            }
            guard smallest >= 0 else { return }
            same.removeAll(keepingCapacity: true)
            for h in inputs.indices where live[h] && keys[h] == keys[smallest] { same.append(h) }
            group.removeAll(keepingCapacity: true)
            for h in same { group.append(values[h]) }
            value.removeAll(keepingCapacity: true)
            try combine(group, &value)
            key.removeAll(keepingCapacity: true)
            withUnsafeBytes(of: run.bigEndian) { key.append(contentsOf: $0) }
            key.append(contentsOf: keys[smallest])
            let rc = key.withUnsafeMutableBytes { kb in
                value.withUnsafeMutableBytes { vb in
                    var k = MDB_val(mv_size: kb.count, mv_data: kb.baseAddress)
                    var v = MDB_val(mv_size: vb.count, mv_data: vb.baseAddress)
                    return mdb_cursor_put(writer, &k, &v, flag(MDB_APPEND))
                }
            }
            try LMDBError.check(rc, "mdb_cursor_put(merged run)")
            for h in same { try load(h, MDB_NEXT) }
        }
    }

    /// Deletes every entry of run `run` from `dbi`.
    private func deleteRun(_ txn: OpaquePointer, _ dbi: MDB_dbi, _ run: UInt64) throws(LMDBError) {
        var cursor: OpaquePointer?
        try LMDBError.check(mdb_cursor_open(txn, dbi, &cursor), "mdb_cursor_open(delete run)")
        defer { mdb_cursor_close(cursor) }
        var start = run.bigEndian
        var k = MDB_val()
        var v = MDB_val()
        var rc = withUnsafeMutableBytes(of: &start) { sb in
            k = MDB_val(mv_size: 8, mv_data: sb.baseAddress)
            return mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE)
        }
        while true {
            if rc == MDB_NOTFOUND { return }
            try LMDBError.check(rc, "mdb_cursor_get(delete run)")
            guard k.mv_size > 8, UInt64(bigEndian: k.raw.loadUnaligned(as: UInt64.self)) == run else { return }
            try LMDBError.check(mdb_cursor_del(cursor, 0), "mdb_cursor_del(run)")
            // The cursor now stands on the next entry, unless the page ended: then seek again.
            rc = mdb_cursor_get(cursor, &k, &v, MDB_GET_CURRENT)
            if rc == MDB_NOTFOUND {
                rc = withUnsafeMutableBytes(of: &start) { sb in
                    k = MDB_val(mv_size: 8, mv_data: sb.baseAddress)
                    return mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE)
                }
            }
        }
    }

    private func putRun(_ txn: OpaquePointer, _ run: Run) throws(LMDBError) {
        var key = run.number.bigEndian
        var value = (run.first.littleEndian, run.last.littleEndian, run.level.littleEndian)
        let rc = withUnsafeMutableBytes(of: &key) { kb in
            withUnsafeMutableBytes(of: &value) { vb in
                var k = MDB_val(mv_size: 8, mv_data: kb.baseAddress)
                var v = MDB_val(mv_size: 24, mv_data: vb.baseAddress)
                return mdb_put(txn, dbiRuns, &k, &v, 0)
            }
        }
        try LMDBError.check(rc, "mdb_put(runs)")
    }

    @inline(__always)
    private static func appendStreamEntry(
        _ cursor: OpaquePointer,
        run: UInt64,
        streamNo: UInt64,
        _ value: [UInt64]
    ) throws(LMDBError) {
        var key = (run.bigEndian, streamNo.bigEndian)
        var value = value
        let rc = withUnsafeMutableBytes(of: &key) { kb in
            value.withUnsafeMutableBytes { vb in
                var k = MDB_val(mv_size: 16, mv_data: kb.baseAddress)
                var v = MDB_val(mv_size: vb.count, mv_data: vb.baseAddress)
                return mdb_cursor_put(cursor, &k, &v, flag(MDB_APPEND))
            }
        }
        try LMDBError.check(rc, "mdb_cursor_put(streamRuns)")
    }

    @inline(__always)
    private static func appendId(_ cursor: OpaquePointer, _ key: IdKey, position: UInt64) throws(LMDBError) {
        var key = key
        var p = Keys.position(position)
        let rc = withUnsafeMutableBytes(of: &key) { kb in
            withUnsafeMutableBytes(of: &p) { pb in
                var k = MDB_val(mv_size: 24, mv_data: kb.baseAddress)
                var v = MDB_val(mv_size: 8, mv_data: pb.baseAddress)
                return mdb_cursor_put(cursor, &k, &v, flag(MDB_APPEND))
            }
        }
        try LMDBError.check(rc, "mdb_cursor_put(idRuns)")
    }

    /// Empties every table (the index is rebuilt from the log).
    func reset() throws(LMDBError) {
        var txn: OpaquePointer?
        try LMDBError.check(mdb_txn_begin(env, nil, 0, &txn), "mdb_txn_begin(index reset)")
        do throws(LMDBError) {
            try empty(txn!)
            try LMDBEventLog.metaPut(txn!, dbiMeta, "indexFormat", LMDBEventLog.u64Bytes(Self.formatVersion))
        } catch {
            mdb_txn_abort(txn)
            throw error
        }
        try LMDBError.check(mdb_txn_commit(txn), "mdb_txn_commit(index reset)")
    }

    private func empty(_ txn: OpaquePointer) throws(LMDBError) {
        for dbi in [dbiStreams, dbiRuns, dbiStreamRuns, dbiIdRuns, dbiMeta] {
            try LMDBError.check(mdb_drop(txn, dbi, 0), "mdb_drop(index)")
        }
    }

    func sync() { _ = mdb_env_sync(env, 1) }

    /// Big-endian id bytes as two integers, so integer order is LMDB's byte order.
    @inline(__always)
    /// The indices of `names` in the order of their UTF-8 bytes (LMDB's key order for the `streams` table).
    ///
    /// `String`'s `<` compares Unicode-aware and cost 40 % of a merge over 50,000 streams. This sorts on each
    /// name's first 16 bytes as two big-endian words (names have no NUL bytes, so zero padding sorts a prefix
    /// first, as memcmp does) and compares the rest of the bytes only on a tie.
    static func byteOrder(_ names: [String]) -> [Int] {
        var keys: [(UInt64, UInt64, Int)] = []
        keys.reserveCapacity(names.count)
        for (i, name) in names.enumerated() {
            var words: (UInt64, UInt64) = (0, 0)
            var copy = name
            copy.withUTF8 { u in
                withUnsafeMutableBytes(of: &words) { w in
                    w.copyMemory(from: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(u).prefix(16)))
                }
            }
            keys.append((UInt64(bigEndian: words.0), UInt64(bigEndian: words.1), i))
        }
        keys.sort { a, b in
            if a.0 != b.0 { return a.0 < b.0 }
            if a.1 != b.1 { return a.1 < b.1 }
            return names[a.2].utf8.lexicographicallyPrecedes(names[b.2].utf8)
        }
        return keys.map(\.2)
    }

    static func sortKey(_ id: UUID) -> (UInt64, UInt64) {
        withUnsafeBytes(of: id.uuid) {
            (
                UInt64(bigEndian: $0.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
                UInt64(bigEndian: $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
            )
        }
    }

    private func withCursor(_ txn: OpaquePointer, _ dbi: MDB_dbi, _ body: (OpaquePointer) throws(LMDBError) -> Void)
        throws(LMDBError)
    {
        var cursor: OpaquePointer?
        try LMDBError.check(mdb_cursor_open(txn, dbi, &cursor), "mdb_cursor_open(merge)")
        defer { mdb_cursor_close(cursor) }
        try body(cursor!)
    }

    /// Doubles the index map with readers held off. False at the limit.
    private func grow() -> Bool {
        resizeLock.withWriteLock {
            guard mapSize < maxMapSize else { return false }
            let next = min(maxMapSize, mapSize * 2)
            guard mdb_env_set_mapsize(env, next) == 0 else { return false }
            mapSize = next
            return true
        }
    }
}
