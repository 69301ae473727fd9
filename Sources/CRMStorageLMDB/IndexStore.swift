import CLMDB
import CRMEventLog
import Foundation
import Synchronization

/// The derived indexes of an ``LMDBEventLog``, in their own LMDB environment (`<log>/index`).
///
/// Tables: `streams` name → stream number (written once per stream); `runs` run number → the positions it covers,
/// its level and its slot; `meta` (`indexedThrough`, `nextStreamNo`, `nextRun`, `indexFormat`); and
/// ``runSlots`` pairs of run databases, `streams.<slot>` stream number → the stream's first version in the run and
/// its positions, and `ids.<slot>` id → position. Everything here can be rebuilt from the log. A separate
/// environment has its own writer lock, so a merge never blocks appends (ADR 0005).
///
/// Each merge writes one **sorted run** into an empty slot, with `MDB_APPEND` (keys in order into an empty tree),
/// instead of inserting into one big tree, whose every leaf page a merge over thousands of streams used to
/// rewrite: that cost grew with the index. When the newest ``fanIn`` runs have the same level, they are merged
/// into one run of the next level (a sequential rewrite) and their slots are emptied with one `mdb_drop` each, so a
/// log of `n` merges keeps at most `(fanIn - 1)` runs per level, about `3 log4(n)` in all (ADR 0007). A stream read
/// and an id lookup visit every run.
final class IndexStore: @unchecked Sendable {
    // @unchecked: the environment and DBI handles are immutable after open; LMDB allows their use from any
    // thread (MDB_NOTLS); only the merge thread writes, and map growth takes `resizeLock` exclusively.

    /// 3: sorted runs, one database per run. An index in another format (1: one `streamIndex` and one `eventIds`
    /// tree; 2: runs keyed by run number in two shared trees) is dropped at open and rebuilt from the log.
    static let formatVersion: UInt64 = 3
    /// Runs of one level that are merged into one run of the next.
    static let fanIn = 4
    /// Run databases per kind. A compaction needs a free slot beside its inputs: with at most `fanIn - 1` runs per
    /// level that allows nine levels, `4^9` merges (about 26 billion events at the default merge threshold).
    static let runSlots = 30
    /// Tables of earlier formats, dropped at open.
    static let formerTables = ["streamIndex", "eventIds", "streamRuns", "idRuns"]

    let env: OpaquePointer
    let dbiStreams: MDB_dbi
    let dbiRuns: MDB_dbi
    /// Per slot: a run's stream entries and its ids.
    let streamSlots: [MDB_dbi]
    let idSlots: [MDB_dbi]
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
        /// Its databases: `streams.<slot>` and `ids.<slot>`.
        var slot: Int
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
            try LMDBError.check(
                mdb_env_set_maxdbs(env, MDB_dbi(3 + 2 * runSlots + formerTables.count)),
                "mdb_env_set_maxdbs(index)"
            )
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
                streamSlots: try (0..<runSlots).map { (i) throws(LMDBError) in try open("streams.\(i)") },
                idSlots: try (0..<runSlots).map { (i) throws(LMDBError) in try open("ids.\(i)") },
                meta: try open("meta"),
                mapSize: mapSize,
                maxMapSize: maxMapSize
            )
            if LMDBEventLog.metaU64(txn!, store.dbiMeta, "indexFormat") != formatVersion {
                // Another format (or a new index): start empty; the log refolds everything after position 0.
                for old in formerTables {
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
        streamSlots: [MDB_dbi],
        idSlots: [MDB_dbi],
        meta: MDB_dbi,
        mapSize: Int,
        maxMapSize: Int
    ) {
        self.env = env
        self.dbiStreams = streams
        self.dbiRuns = runs
        self.streamSlots = streamSlots
        self.idSlots = idSlots
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

    /// The merged state of a stream: its number and how many of its versions are in the runs.
    func stream(_ txn: OpaquePointer, _ name: String) throws(LMDBError) -> (no: UInt64, count: UInt64)? {
        var name = name
        var value = MDB_val()
        let rc = name.withUTF8 { u in
            var k = MDB_val(mv_size: u.count, mv_data: UnsafeMutableRawPointer(mutating: u.baseAddress))
            return mdb_get(txn, dbiStreams, &k, &value)
        }
        if rc == MDB_NOTFOUND { return nil }
        try LMDBError.check(rc, "mdb_get(streams)")
        guard value.mv_size == 8 else { throw LMDBError.indexDamaged("streams record size") }
        let no = UInt64(littleEndian: value.raw.loadUnaligned(as: UInt64.self))
        // The newest run that holds the stream ends at its last merged version.
        for run in try runs(txn).reversed() {
            guard let v = try get(txn, streamSlots[run.slot], no.bigEndian) else { continue }
            let entry = try Self.streamEntry(v, run: run.number, streamNo: no)
            return (no, entry.first + UInt64(entry.count))
        }
        throw LMDBError.indexDamaged("stream #\(no) ('\(name)') is in no index run")
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
        try scan(txn, dbiRuns) { (k, v) throws(LMDBError) -> Bool in
            guard k.count == 8, v.count == 32 else { throw LMDBError.indexDamaged("runs record") }
            let slot = Int(UInt64(littleEndian: v.loadUnaligned(fromByteOffset: 24, as: UInt64.self)))
            guard slot < Self.runSlots else { throw LMDBError.indexDamaged("run slot \(slot)") }
            out.append(
                Run(
                    number: UInt64(bigEndian: k.loadUnaligned(as: UInt64.self)),
                    first: UInt64(littleEndian: v.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
                    last: UInt64(littleEndian: v.loadUnaligned(fromByteOffset: 8, as: UInt64.self)),
                    level: UInt64(littleEndian: v.loadUnaligned(fromByteOffset: 16, as: UInt64.self)),
                    slot: slot
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
            guard let v = try get(txn, streamSlots[run.slot], no.bigEndian) else { continue }
            let entry = try Self.streamEntry(v, run: run.number, streamNo: no)
            let end = entry.first + UInt64(entry.count)
            if end <= expected { continue }
            guard entry.first <= expected else {
                throw LMDBError.indexDamaged("stream #\(no) index has a gap at \(expected)")
            }
            var i = Int(expected - entry.first)
            while i < entry.count && out.count < count {
                out.append(UInt64(littleEndian: v.loadUnaligned(fromByteOffset: 8 + 8 * i, as: UInt64.self)))
                i += 1
            }
            expected = entry.first + UInt64(i)
        }
        if out.count < count {
            throw LMDBError.indexDamaged("stream #\(no) index has no entry for version \(expected)")
        }
        return out
    }

    /// A `streamRuns` value: the first version (8 bytes) and the positions (8 bytes each).
    private static func streamEntry(_ v: UnsafeRawBufferPointer, run: UInt64, streamNo: UInt64) throws(LMDBError)
        -> (first: UInt64, count: Int)
    {
        guard v.count >= 16, v.count % 8 == 0 else {
            throw LMDBError.indexDamaged("stream #\(streamNo) entry of run \(run)")
        }
        return (UInt64(littleEndian: v.loadUnaligned(as: UInt64.self)), v.count / 8 - 1)
    }

    /// Where the event with `id` is stored, if the index has it.
    func position(_ txn: OpaquePointer, of id: UUID) throws(LMDBError) -> UInt64? {
        for run in try runs(txn).reversed() {
            if let v = try get(txn, idSlots[run.slot], id.uuid) { return Keys.readPosition(v) }
        }
        return nil
    }

    /// The value stored under the bytes of `key` in `dbi` (valid until the transaction writes or ends).
    private func get<K>(_ txn: OpaquePointer, _ dbi: MDB_dbi, _ key: K) throws(LMDBError) -> UnsafeRawBufferPointer? {
        var key = key
        var v = MDB_val()
        let rc = withUnsafeMutableBytes(of: &key) { kb in
            var k = MDB_val(mv_size: kb.count, mv_data: kb.baseAddress)
            return mdb_get(txn, dbi, &k, &v)
        }
        if rc == MDB_NOTFOUND { return nil }
        try LMDBError.check(rc, "mdb_get(index run)")
        return v.raw
    }

    /// Calls `body` with every indexed event id.
    func forEachId(_ txn: OpaquePointer, _ body: (UUID) -> Void) throws(LMDBError) {
        for dbi in idSlots {
            try scan(txn, dbi) { (k, _) throws(LMDBError) -> Bool in
                guard k.count == 16 else { throw LMDBError.indexDamaged("id run key size") }
                body(UUID(uuid: k.loadUnaligned(as: uuid_t.self)))
                return true
            }
        }
    }

    /// How many ids the index holds.
    func idCount(_ txn: OpaquePointer) -> Int {
        idSlots.reduce(0) { n, dbi in
            var stat = MDB_stat()
            mdb_stat(txn, dbi, &stat)
            return n + Int(stat.ms_entries)
        }
    }

    /// Walks `dbi` from its first key while `body` returns true.
    private func scan(
        _ txn: OpaquePointer,
        _ dbi: MDB_dbi,
        _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws(LMDBError) -> Bool
    ) throws(LMDBError) {
        var cursor: OpaquePointer?
        try LMDBError.check(mdb_cursor_open(txn, dbi, &cursor), "mdb_cursor_open(index scan)")
        defer { mdb_cursor_close(cursor) }
        var k = MDB_val()
        var v = MDB_val()
        var rc = mdb_cursor_get(cursor, &k, &v, MDB_FIRST)
        while rc == 0 {
            guard try body(k.raw, v.raw) else { return }
            rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)
        }
        if rc != MDB_NOTFOUND { throw LMDBError(code: rc, operation: "index scan") }
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
        let byName = Self.byteOrder(streams.map(\.name))
        var sortedIds = zip(ids.ids, ids.positions).map { (key: Self.sortKey($0.0), position: $0.1) }
        sortedIds.sort { $0.key < $1.key }
        while true {
            var txnPtr: OpaquePointer?
            let rc = mdb_txn_begin(env, nil, 0, &txnPtr)
            guard rc == 0, let txn = txnPtr else {
                if rc == MDB_MAP_FULL || rc == MDB_MAP_RESIZED, grow() { continue }
                throw LMDBError(code: rc, operation: "mdb_txn_begin(merge)")
            }
            do throws(LMDBError) {
                // Numbers for the streams that have none, in name order so that a rebuild gives the same numbers.
                // Only new streams are written (a stream's merged count is where its entry in the newest run that
                // holds it ends). A stream can also come back without its number: it was planned while in memory
                // without one, then a merge numbered it and dropped it from memory before the append was folded
                // in. Its name is then already stored, and it keeps that number.
                var numbers = [UInt64](repeating: 0, count: streams.count)
                var next = progress.nextStreamNo
                try withCursor(txn, dbiStreams) { (c) throws(LMDBError) in
                    for i in byName {
                        if let no = streams[i].streamNo {
                            numbers[i] = no
                            continue
                        }
                        var name = streams[i].name
                        var value = next.littleEndian
                        var stored = MDB_val()
                        let rc = name.withUTF8 { u in
                            withUnsafeMutableBytes(of: &value) { vb in
                                var k = MDB_val(
                                    mv_size: u.count,
                                    mv_data: UnsafeMutableRawPointer(mutating: u.baseAddress)
                                )
                                stored = MDB_val(mv_size: 8, mv_data: vb.baseAddress)
                                return mdb_cursor_put(c, &k, &stored, flag(MDB_NOOVERWRITE))
                            }
                        }
                        if rc == MDB_KEYEXIST {
                            // LMDB hands back the stored value.
                            guard stored.mv_size == 8 else { throw LMDBError.indexDamaged("streams record size") }
                            numbers[i] = UInt64(littleEndian: stored.raw.loadUnaligned(as: UInt64.self))
                            continue
                        }
                        try LMDBError.check(rc, "mdb_cursor_put(streams)")
                        numbers[i] = next
                        next += 1
                    }
                }
                let byNumber = streams.indices.sorted { numbers[$0] < numbers[$1] }
                let done = Progress(indexedThrough: max(progress.indexedThrough, through), nextStreamNo: next)
                var live = try readRuns(txn)
                let run = try newRun(txn, live, first: progress.indexedThrough + 1, last: through, level: 0)
                var value: [UInt64] = []
                try withCursor(txn, streamSlots[run.slot]) { (c) throws(LMDBError) in
                    for i in byNumber where !streams[i].positions.isEmpty {
                        value.removeAll(keepingCapacity: true)
                        value.append(streams[i].mergedCount.littleEndian)
                        for p in streams[i].positions { value.append(p.littleEndian) }
                        var key = numbers[i].bigEndian
                        try Self.append(c, &key, &value)
                    }
                }
                try withCursor(txn, idSlots[run.slot]) { (c) throws(LMDBError) in
                    for entry in sortedIds {
                        var key = (entry.key.0.bigEndian, entry.key.1.bigEndian)
                        var position = Keys.position(entry.position)
                        try Self.append(c, &key, &position)
                    }
                }
                live.append(run)
                try compact(txn, &live)
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

    /// A new run, recorded in `runs` in the first slot no run of `live` uses.
    private func newRun(_ txn: OpaquePointer, _ live: [Run], first: UInt64, last: UInt64, level: UInt64)
        throws(LMDBError) -> Run
    {
        guard let slot = (0..<Self.runSlots).first(where: { s in !live.contains { $0.slot == s } }) else {
            throw LMDBError(code: MDB_DBS_FULL, operation: "the index has no free run slot (\(live.count) runs)")
        }
        let number = LMDBEventLog.metaU64(txn, dbiMeta, "nextRun") ?? 1
        let run = Run(number: number, first: first, last: last, level: level, slot: slot)
        var key = number.bigEndian
        var value = (first.littleEndian, last.littleEndian, level.littleEndian, UInt64(slot).littleEndian)
        let rc = withUnsafeMutableBytes(of: &key) { kb in
            withUnsafeMutableBytes(of: &value) { vb in
                var k = MDB_val(mv_size: 8, mv_data: kb.baseAddress)
                var v = MDB_val(mv_size: 32, mv_data: vb.baseAddress)
                return mdb_put(txn, dbiRuns, &k, &v, 0)
            }
        }
        try LMDBError.check(rc, "mdb_put(runs)")
        try LMDBEventLog.metaPut(txn, dbiMeta, "nextRun", LMDBEventLog.u64Bytes(number + 1))
        return run
    }

    /// While the newest ``fanIn`` runs of `live` share a level, merges them into one run of the next level, in a
    /// free slot: stream entries by stream number (a stream's positions from consecutive runs concatenated) and
    /// ids by id, each appended in key order. Then empties the inputs' slots (one `mdb_drop` each, which frees
    /// their pages without visiting entries) and removes them from `runs`.
    private func compact(_ txn: OpaquePointer, _ live: inout [Run]) throws(LMDBError) {
        while live.count >= Self.fanIn {
            let inputs = Array(live.suffix(Self.fanIn))
            guard inputs.allSatisfy({ $0.level == inputs[0].level }) else { return }
            let output = try newRun(
                txn,
                live,
                first: inputs[0].first,
                last: inputs[inputs.count - 1].last,
                level: inputs[0].level + 1
            )
            try mergeRuns(txn, inputs.map { streamSlots[$0.slot] }, into: streamSlots[output.slot]) {
                (entries, out) throws(LMDBError) in
                // One stream's entries, in position order: their versions must continue one another.
                var nextVersion: UInt64?
                for e in entries {
                    guard e.count >= 16, e.count % 8 == 0 else {
                        throw LMDBError.indexDamaged("stream entry size in an index run")
                    }
                    let first = e.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
                    guard nextVersion == nil || first == nextVersion else {
                        throw LMDBError.indexDamaged("stream entries of index runs do not continue")
                    }
                    nextVersion = first + UInt64(e.count / 8 - 1)
                    out.append(contentsOf: out.isEmpty ? e[...] : e[8...])
                }
            }
            try mergeRuns(txn, inputs.map { idSlots[$0.slot] }, into: idSlots[output.slot]) {
                (entries, out) throws(LMDBError) in
                guard entries.count == 1 else {
                    throw LMDBError.indexDamaged("an event id is in two index runs")
                }
                out.append(contentsOf: entries[0])
            }
            for input in inputs {
                try LMDBError.check(mdb_drop(txn, streamSlots[input.slot], 0), "mdb_drop(stream run)")
                try LMDBError.check(mdb_drop(txn, idSlots[input.slot], 0), "mdb_drop(id run)")
                var key = input.number.bigEndian
                let rc = withUnsafeMutableBytes(of: &key) { kb in
                    var k = MDB_val(mv_size: 8, mv_data: kb.baseAddress)
                    return mdb_del(txn, dbiRuns, &k, nil)
                }
                try LMDBError.check(rc, "mdb_del(runs)")
            }
            live.removeLast(Self.fanIn)
            live.append(output)
        }
    }

    /// Appends into `output` (an empty run database) the entries of the `inputs` databases (runs in position
    /// order) in key order; the values of entries that share a key are combined by `combine`, in input order,
    /// into its second argument. Each input's current entry is copied out of LMDB before the output grows: the
    /// newest input was written in this transaction, and LMDB may spill dirty pages of a large transaction.
    private func mergeRuns(
        _ txn: OpaquePointer,
        _ inputs: [MDB_dbi],
        into output: MDB_dbi,
        combine: ([[UInt8]], inout [UInt8]) throws(LMDBError) -> Void
    ) throws(LMDBError) {
        var cursors: [OpaquePointer] = []
        defer { for c in cursors { mdb_cursor_close(c) } }
        var keys: [[UInt8]] = []
        var values: [[UInt8]] = []
        var live: [Bool] = []
        func load(_ h: Int, _ op: MDB_cursor_op) throws(LMDBError) {
            var k = MDB_val()
            var v = MDB_val()
            let rc = mdb_cursor_get(cursors[h], &k, &v, op)
            if rc == MDB_NOTFOUND {
                live[h] = false
                return
            }
            try LMDBError.check(rc, "mdb_cursor_get(index run)")
            keys[h].removeAll(keepingCapacity: true)
            keys[h].append(contentsOf: k.raw)
            values[h].removeAll(keepingCapacity: true)
            values[h].append(contentsOf: v.raw)
        }
        for h in inputs.indices {
            var c: OpaquePointer?
            try LMDBError.check(mdb_cursor_open(txn, inputs[h], &c), "mdb_cursor_open(index run)")
            cursors.append(c!)
            keys.append([])
            values.append([])
            live.append(true)
            try load(h, MDB_FIRST)
        }
        var writer: OpaquePointer?
        try LMDBError.check(mdb_cursor_open(txn, output, &writer), "mdb_cursor_open(merged run)")
        defer { mdb_cursor_close(writer) }
        var same: [Int] = []
        var group: [[UInt8]] = []
        var value: [UInt8] = []
        while true {
            var smallest = -1
            for h in inputs.indices where live[h] {
                if smallest < 0 || Self.compare(keys[h], keys[smallest]) < 0 { smallest = h }
            }
            guard smallest >= 0 else { return }
            same.removeAll(keepingCapacity: true)
            for h in inputs.indices where live[h] && Self.compare(keys[h], keys[smallest]) == 0 { same.append(h) }
            group.removeAll(keepingCapacity: true)
            for h in same { group.append(values[h]) }
            value.removeAll(keepingCapacity: true)
            try combine(group, &value)
            let rc = keys[smallest].withUnsafeMutableBytes { kb in
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

    /// memcmp order, shorter first on a common prefix (LMDB's default key order).
    @inline(__always)
    private static func compare(_ a: [UInt8], _ b: [UInt8]) -> Int {
        a.withUnsafeBytes { a in
            b.withUnsafeBytes { b in
                let n = min(a.count, b.count)
                let c = n == 0 ? 0 : Int(memcmp(a.baseAddress!, b.baseAddress!, n))
                return c != 0 ? c : a.count - b.count
            }
        }
    }

    /// Appends `key` → the bytes of `value` at the end of the cursor's database.
    @inline(__always)
    private static func append<K, V>(_ cursor: OpaquePointer, _ key: inout K, _ value: inout V) throws(LMDBError) {
        let rc = withUnsafeMutableBytes(of: &key) { kb in
            withUnsafeMutableBytes(of: &value) { vb in
                var k = MDB_val(mv_size: kb.count, mv_data: kb.baseAddress)
                var v = MDB_val(mv_size: vb.count, mv_data: vb.baseAddress)
                return mdb_cursor_put(cursor, &k, &v, flag(MDB_APPEND))
            }
        }
        try LMDBError.check(rc, "mdb_cursor_put(index run)")
    }

    /// Appends `key` → the elements of `value` at the end of the cursor's database.
    @inline(__always)
    private static func append<K>(_ cursor: OpaquePointer, _ key: inout K, _ value: inout [UInt64]) throws(LMDBError) {
        let rc = withUnsafeMutableBytes(of: &key) { kb in
            value.withUnsafeMutableBytes { vb in
                var k = MDB_val(mv_size: kb.count, mv_data: kb.baseAddress)
                var v = MDB_val(mv_size: vb.count, mv_data: vb.baseAddress)
                return mdb_cursor_put(cursor, &k, &v, flag(MDB_APPEND))
            }
        }
        try LMDBError.check(rc, "mdb_cursor_put(index run)")
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
        for dbi in [dbiStreams, dbiRuns, dbiMeta] + streamSlots + idSlots {
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
