import CLMDB
import CRMEventLog
import Foundation

/// The derived indexes of an ``LMDBEventLog``, in their own LMDB environment (`<log>/index`).
///
/// Tables: `streams` name → (stream number, merged version count), `streamIndex` (stream number, version) →
/// position, `eventIds` id → position, `meta` (`indexedThrough`, `nextStreamNo`). Everything here can be rebuilt
/// from the log. A separate environment has its own writer lock, so a merge never blocks appends (ADR 0005).
final class IndexStore: @unchecked Sendable {
    // @unchecked: the environment and DBI handles are immutable after open; LMDB allows their use from any
    // thread (MDB_NOTLS); only the merge thread writes, and map growth takes `resizeLock` exclusively.

    let env: OpaquePointer
    let dbiStreams: MDB_dbi
    let dbiStreamIndex: MDB_dbi
    let dbiEventIds: MDB_dbi
    let dbiMeta: MDB_dbi
    let resizeLock = ReadWriteLock()
    private var mapSize: Int  // merge thread only (under resizeLock's write side)
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
                streamIndex: try open("streamIndex"),
                eventIds: try open("eventIds"),
                meta: try open("meta"),
                mapSize: mapSize,
                maxMapSize: maxMapSize
            )
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
        streamIndex: MDB_dbi,
        eventIds: MDB_dbi,
        meta: MDB_dbi,
        mapSize: Int,
        maxMapSize: Int
    ) {
        self.env = env
        self.dbiStreams = streams
        self.dbiStreamIndex = streamIndex
        self.dbiEventIds = eventIds
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
        guard value.mv_size == 16 else { throw LMDBError(code: MDB_CORRUPTED, operation: "streams record size") }
        return (
            UInt64(littleEndian: value.raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
            UInt64(littleEndian: value.raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        )
    }

    /// The positions of versions `from ..< from + count` of stream `no`, walking `streamIndex` with a cursor.
    func positions(_ txn: OpaquePointer, streamNo no: UInt64, from: UInt64, count: Int) throws(LMDBError) -> [UInt64] {
        guard count > 0 else { return [] }
        var cursor: OpaquePointer?
        try LMDBError.check(mdb_cursor_open(txn, dbiStreamIndex, &cursor), "mdb_cursor_open(streamIndex)")
        defer { mdb_cursor_close(cursor) }
        var out: [UInt64] = []
        out.reserveCapacity(count)
        var key = Keys.streamIndex(no, from)
        return try withUnsafeMutableBytes(of: &key) { (kb) throws(LMDBError) -> [UInt64] in
            var k = MDB_val(mv_size: 16, mv_data: kb.baseAddress)
            var v = MDB_val()
            var rc = mdb_cursor_get(cursor, &k, &v, MDB_SET_KEY)
            var expected = from
            while rc == 0 && out.count < count {
                guard k.mv_size == 16, let p = Keys.readPosition(v.raw),
                    UInt64(bigEndian: k.raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self)) == no,
                    UInt64(bigEndian: k.raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)) == expected
                else { throw LMDBError(code: MDB_CORRUPTED, operation: "stream #\(no) index has a gap at \(expected)") }
                out.append(p)
                expected += 1
                if out.count < count { rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT) }
            }
            if out.count < count {
                throw LMDBError(
                    code: rc == 0 || rc == MDB_NOTFOUND ? MDB_CORRUPTED : rc,
                    operation: "stream #\(no) index has no entry for version \(expected)"
                )
            }
            return out
        }
    }

    /// Where the event with `id` is stored, if the index has it.
    func position(_ txn: OpaquePointer, of id: UUID) throws(LMDBError) -> UInt64? {
        var u = id.uuid
        return try withUnsafeMutableBytes(of: &u) { (b) throws(LMDBError) -> UInt64? in
            var k = MDB_val(mv_size: 16, mv_data: b.baseAddress)
            var v = MDB_val()
            let rc = mdb_get(txn, dbiEventIds, &k, &v)
            if rc == MDB_NOTFOUND { return nil }
            try LMDBError.check(rc, "mdb_get(eventIds)")
            return Keys.readPosition(v.raw)
        }
    }

    /// Calls `body` with every indexed event id, in key order.
    func forEachId(_ txn: OpaquePointer, _ body: (UUID) -> Void) throws(LMDBError) {
        var cursor: OpaquePointer?
        try LMDBError.check(mdb_cursor_open(txn, dbiEventIds, &cursor), "mdb_cursor_open(eventIds)")
        defer { mdb_cursor_close(cursor) }
        var k = MDB_val()
        var v = MDB_val()
        var rc = mdb_cursor_get(cursor, &k, &v, MDB_FIRST)
        while rc == 0 {
            guard k.mv_size == 16 else { throw LMDBError(code: MDB_CORRUPTED, operation: "eventIds key size") }
            body(UUID(uuid: k.raw.loadUnaligned(as: uuid_t.self)))
            rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)
        }
        if rc != MDB_NOTFOUND { throw LMDBError(code: rc, operation: "eventIds scan") }
    }

    func entryCount(_ txn: OpaquePointer, _ dbi: MDB_dbi) -> Int {
        var stat = MDB_stat()
        mdb_stat(txn, dbi, &stat)
        return Int(stat.ms_entries)
    }

    // MARK: Writes (merge thread only)

    /// Writes one merge in a single transaction: stream records, stream-index entries and ids, each sorted, and
    /// the new progress. Returns the stream numbers given to `streams` (same order). Grows the map when full.
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
                try withCursor(txn, dbiStreams) { (c) throws(LMDBError) in
                    for i in byName {
                        var name = streams[i].name
                        var value = (
                            numbers[i].littleEndian,
                            (streams[i].mergedCount + UInt64(streams[i].positions.count)).littleEndian
                        )
                        let rc = name.withUTF8 { u in
                            withUnsafeMutableBytes(of: &value) { vb in
                                var k = MDB_val(
                                    mv_size: u.count,
                                    mv_data: UnsafeMutableRawPointer(mutating: u.baseAddress)
                                )
                                var v = MDB_val(mv_size: 16, mv_data: vb.baseAddress)
                                return mdb_cursor_put(c, &k, &v, 0)
                            }
                        }
                        try LMDBError.check(rc, "mdb_cursor_put(streams)")
                    }
                }
                try withCursor(txn, dbiStreamIndex) { (c) throws(LMDBError) in
                    for i in byNumber {
                        let s = streams[i]
                        for (j, pos) in s.positions.enumerated() {
                            try Self.put(c, (numbers[i], s.mergedCount + UInt64(j)), pos)
                        }
                    }
                }
                try withCursor(txn, dbiEventIds) { (c) throws(LMDBError) in
                    for entry in sortedIds { try Self.put(c, entry.key, entry.position) }
                }
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

    /// Empties every table (the index is rebuilt from the log).
    func reset() throws(LMDBError) {
        var txn: OpaquePointer?
        try LMDBError.check(mdb_txn_begin(env, nil, 0, &txn), "mdb_txn_begin(index reset)")
        for dbi in [dbiStreams, dbiStreamIndex, dbiEventIds, dbiMeta] {
            let rc = mdb_drop(txn, dbi, 0)
            if rc != 0 {
                mdb_txn_abort(txn)
                throw LMDBError(code: rc, operation: "mdb_drop(index)")
            }
        }
        try LMDBError.check(mdb_txn_commit(txn), "mdb_txn_commit(index reset)")
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

    @inline(__always)
    private static func put(_ cursor: OpaquePointer, _ key: (UInt64, UInt64), _ position: UInt64) throws(LMDBError) {
        var key = (key.0.bigEndian, key.1.bigEndian)
        var p = Keys.position(position)
        let rc = withUnsafeMutableBytes(of: &key) { kb in
            withUnsafeMutableBytes(of: &p) { pb in
                var k = MDB_val(mv_size: 16, mv_data: kb.baseAddress)
                var v = MDB_val(mv_size: 8, mv_data: pb.baseAddress)
                return mdb_cursor_put(cursor, &k, &v, 0)
            }
        }
        try LMDBError.check(rc, "mdb_cursor_put(index)")
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
