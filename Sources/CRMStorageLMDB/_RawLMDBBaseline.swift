// A raw-LMDB baseline for the benchmarks: the C harness `peers/lmdb_limit/bench.c` ("LMDB log only" and
// "LMDB + stream index") redone in Swift so that the engine's figures can be set beside the physical limit
// measured in the same process, on the same machine, in the same sitting. Not API (underscored): only the
// `crm-bench` executable in `Benchmarks/` uses it.

import CLMDB
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

// MARK: - Workload

/// The deterministic workload of `peers/common/workload.h`, byte for byte: global positions 1, 2, 3, ...;
/// `streams` streams named `contact-%08u`, each event's stream picked with splitmix64 from a fixed seed;
/// versions 0, 1, 2, ... per stream; a valid-JSON payload of exactly 256 bytes. Not API.
public struct _BenchWorkload: Sendable {
    /// Payload size in bytes (`WL_PAYLOAD`).
    public static let payloadSize = 256
    /// `WL_SEED`.
    public static let seed: UInt64 = 0x5EED_C0FF_EE12_3457
    /// Event types: index 0 is the first event of a stream, 1...4 are `wl_types`.
    public static let typeNames = ["ContactCreated", "ContactUpdated", "NoteAdded", "DealStageChanged", "EmailLogged"]

    /// One generated event (its payload is written into the caller's buffer).
    public struct Event: Sendable, Hashable {
        /// 1-based global position.
        public var position: UInt64
        /// Stream number (`contact-%08u`).
        public var stream: UInt32
        /// 0-based version within the stream.
        public var version: UInt32
        /// Index into `_BenchWorkload/typeNames`.
        public var typeIndex: Int

        public var typeName: String { _BenchWorkload.typeNames[typeIndex] }
    }

    public let streams: UInt32
    private var rng: UInt64
    private var versions: [UInt32]
    /// Position of the last generated event.
    public private(set) var position: UInt64

    /// `wl_init`: `streams` defaults to `events / 20` (at least 1). `startPosition` is the position of the event
    /// before the first one generated (`g.seq = start` in the C single-commit run).
    public init(events: Int, streams: Int? = nil, startPosition: UInt64 = 0) {
        let n = streams ?? max(1, events / 20)
        self.streams = UInt32(max(1, n))
        self.rng = Self.seed
        self.versions = [UInt32](repeating: 0, count: Int(self.streams))
        self.position = startPosition
    }

    /// `wl_splitmix64`.
    @inlinable
    public static func splitmix64(_ state: inout UInt64) -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// `contact-%08u` of `stream`.
    public static func streamName(_ stream: UInt32) -> String {
        var bytes = [UInt8](repeating: 0, count: 16)
        bytes.withUnsafeMutableBufferPointer { writeStreamName(stream, into: $0.baseAddress!) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `wl_next`: the next event; its 256 payload bytes are written to `payload`.
    public mutating func next(payload: UnsafeMutableRawBufferPointer) -> Event {
        let e = nextEvent()
        Self.writePayload(of: e, into: payload)
        return e
    }

    /// The next event, without its payload (``writePayload(of:into:)`` writes it).
    public mutating func nextEvent() -> Event {
        let r = Self.splitmix64(&rng)
        position += 1
        let stream = UInt32(r % UInt64(streams))
        let version = versions[Int(stream)]
        versions[Int(stream)] = version &+ 1
        let typeIndex = version == 0 ? 0 : 1 + Int((r >> 32) & 3)
        return Event(position: position, stream: stream, version: version, typeIndex: typeIndex)
    }

    /// Writes the 256 payload bytes of `event` to `payload`.
    public static func writePayload(of event: Event, into payload: UnsafeMutableRawBufferPointer) {
        precondition(payload.count >= Self.payloadSize, "payload buffer smaller than \(Self.payloadSize) bytes")
        writePayload(
            into: payload.baseAddress!.assumingMemoryBound(to: UInt8.self),
            typeIndex: event.typeIndex,
            stream: event.stream,
            version: event.version,
            seq: event.position
        )
    }

    /// The next event with its payload in a new array.
    public mutating func next() -> (event: Event, payload: [UInt8]) {
        var out = [UInt8](repeating: 0, count: Self.payloadSize)
        let e = out.withUnsafeMutableBytes { next(payload: $0) }
        return (e, out)
    }

    // The C code formats with snprintf; this writes the same bytes without going through String.
    private static let typeBytes: [[UInt8]] = typeNames.map { Array($0.utf8) }
    private static let part1 = Array("{\"type\":\"".utf8)
    private static let part2 = Array("\",\"stream\":\"".utf8)
    private static let part3 = Array("\",\"version\":".utf8)
    private static let part4 = Array(",\"seq\":".utf8)
    private static let part5 = Array(",\"email\":\"user".utf8)
    private static let part6 = Array("@example.com\",\"name\":\"Contact ".utf8)
    private static let part7 = Array("\",\"note\":\"".utf8)
    private static let contactPrefix = Array("contact-".utf8)

    private static func writePayload(
        into p: UnsafeMutablePointer<UInt8>,
        typeIndex: Int,
        stream: UInt32,
        version: UInt32,
        seq: UInt64
    ) {
        var n = 0
        func put(_ bytes: [UInt8]) {
            bytes.withUnsafeBufferPointer { (p + n).update(from: $0.baseAddress!, count: $0.count) }
            n += bytes.count
        }
        func putDecimal(_ value: UInt64) {
            var v = value
            var tmp: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: enough for 20 digits
            let count = withUnsafeMutableBytes(of: &tmp) { raw -> Int in
                var i = 24
                repeat {
                    i -= 1
                    raw[i] = UInt8(ascii: "0") + UInt8(v % 10)
                    v /= 10
                } while v != 0
                let c = 24 - i
                (p + n).update(from: raw.baseAddress!.assumingMemoryBound(to: UInt8.self) + i, count: c)
                return c
            }
            n += count
        }
        put(part1)
        put(typeBytes[typeIndex])
        put(part2)
        writeStreamName(stream, into: p + n)
        n += 16
        put(part3)
        putDecimal(UInt64(version))
        put(part4)
        putDecimal(seq)
        put(part5)
        putDecimal(UInt64(stream))
        put(part6)
        putDecimal(UInt64(stream))
        put(part7)
        while n < payloadSize - 2 {
            p[n] = UInt8(ascii: "a") + UInt8(n % 26)
            n += 1
        }
        p[n] = UInt8(ascii: "\"")
        p[n + 1] = UInt8(ascii: "}")
    }

    private static func writeStreamName(_ stream: UInt32, into p: UnsafeMutablePointer<UInt8>) {
        contactPrefix.withUnsafeBufferPointer { p.update(from: $0.baseAddress!, count: 8) }
        var v = stream % 100_000_000
        for i in stride(from: 15, through: 8, by: -1) {
            p[i] = UInt8(ascii: "0") + UInt8(v % 10)
            v /= 10
        }
    }
}

// MARK: - Figures

/// What `_RawLMDBBaseline.run(directory:events:...)` measured. Rates are per second of wall-clock time. Not API.
public struct _RawLMDBFigures: Sendable, Hashable {
    public var events = 0
    public var batch = 0
    /// (a) `lmdb.append_batch_durable`: events/s, commit p50/p99 in ms.
    public var batchAppendEventsPerSecond = 0.0
    public var batchCommitP50Millis = 0.0
    public var batchCommitP99Millis = 0.0
    public var batchCommitMaxMillis = 0.0
    /// Allocated size of `data.mdb` after the batched append, MB.
    public var fileMB = 0.0
    /// (c) `lmdb.single_commit_durable`.
    public var singleCommits = 0
    public var singleCommitsPerSecond = 0.0
    public var singleCommitP50Micros = 0.0
    public var singleCommitP99Micros = 0.0
    public var singleCommitMaxMicros = 0.0
    /// One write transaction per event from `concurrentAppenders` threads at once: LMDB's writer lock serializes
    /// them, so this is what "no group commit" gives.
    public var concurrentAppenders = 0
    public var concurrentEvents = 0
    public var concurrentEventsPerSecond = 0.0
    public var concurrentP50Micros = 0.0
    public var concurrentP99Micros = 0.0
    /// (d) `lmdb.scan_warm`: full ordered cursor scan copying every payload.
    public var scannedEvents = 0
    public var scanEventsPerSecond = 0.0
    /// Events per second of process CPU time (robust against other load on a shared machine).
    public var scanEventsPerCPUSecond = 0.0
    /// (e) `lmdb.get_random_one_txn` and `lmdb.get_random_txn_per_read`.
    public var pointReads = 0
    public var pointReadsPerSecond = 0.0
    public var pointReadsPerCPUSecond = 0.0
    public var pointReadsTxnPerReadPerSecond = 0.0
    /// (f) `lmdb.append_batch_durable_with_index`: the log plus a random-key `(stream, version) → position` put
    /// per event, same transaction.
    public var indexedBatchAppendEventsPerSecond = 0.0
    public var indexedBatchCommitP50Millis = 0.0
    public var indexedBatchCommitP99Millis = 0.0
    /// `lmdb.read_stream_via_index`: whole streams through the index.
    public var streamReads = 0
    public var streamReadsPerSecond = 0.0
    public var streamReadsPerCPUSecond = 0.0
    public var streamReadEventsPerSecond = 0.0

    public init() {}
}

// MARK: - Baseline

/// The C harness's "LMDB log only" and "LMDB + stream index" figures, measured in-process with CLMDB.
///
/// - Log only: one `events` database, 8-byte big-endian position keys, the 256-byte payload as the value,
///   `MDB_APPEND`, `batch` events per durable transaction; then `singles` single-event durable commits; then
///   `concurrentAppenders` threads committing one event per transaction; a full ordered cursor scan copying
///   every payload; `pointReads` random gets in one read transaction and `pointReads / 5` with one transaction
///   per get (`mdb_txn_reset`/`mdb_txn_renew`).
/// - Log + naive stream index (fresh environment): the same append plus, per event, a `streams` put keyed by the
///   16-byte stream name and the big-endian 32-bit version (value: the big-endian position), `MDB_NOOVERWRITE`,
///   in the same transaction; then `streamReads` whole-stream reads (`MDB_SET_RANGE` on the name, then one get
///   per event).
///
/// Environments: map size 4 GiB, `MDB_NOTLS`, default (durable) sync flags. Each lives in its own subdirectory
/// of `directory`, created fresh and removed afterwards. Not API.
public enum _RawLMDBBaseline: Sendable {
    public static func run(
        directory: String,
        events: Int = 1_000_000,
        streams: Int? = nil,
        batch: Int = 1_000,
        singles: Int = 2_000,
        pointReads: Int = 1_000_000,
        concurrentAppenders: Int = 16,
        concurrentAppendsEach: Int = 250,
        streamReads: Int = 20_000
    ) throws -> _RawLMDBFigures {
        var f = _RawLMDBFigures()
        f.events = events
        f.batch = batch
        try logOnly(
            directory: directory + "/raw-log",
            events: events,
            streams: streams,
            batch: batch,
            singles: singles,
            pointReads: pointReads,
            concurrentAppenders: concurrentAppenders,
            concurrentAppendsEach: concurrentAppendsEach,
            into: &f
        )
        try withIndex(
            directory: directory + "/raw-index",
            events: events,
            streams: streams,
            batch: batch,
            streamReads: streamReads,
            into: &f
        )
        return f
    }

    /// The log-only half of `run(directory:events:...)`.
    public static func logOnly(
        directory: String,
        events: Int,
        streams: Int?,
        batch: Int,
        singles: Int,
        pointReads: Int,
        concurrentAppenders: Int,
        concurrentAppendsEach: Int,
        into f: inout _RawLMDBFigures
    ) throws {
        let env = try RawEnv(path: directory)
        defer { env.close(removing: true) }
        let ev = try env.openDatabase("events")

        let (elapsed, p50, p99, maxMillis) = try bulkAppend(
            env,
            ev,
            index: nil,
            events: events,
            streams: streams,
            batch: batch
        )
        f.batchAppendEventsPerSecond = Double(events) / elapsed
        f.batchCommitP50Millis = p50
        f.batchCommitP99Millis = p99
        f.batchCommitMaxMillis = maxMillis
        f.fileMB = env.fileMB()

        // Single-event durable commits appended to the log; the generator restarts from the seed, positions
        // continue (as in the C harness).
        var gen = _BenchWorkload(events: events, streams: streams, startPosition: UInt64(events))
        let buf = Buffers()
        defer { buf.free() }
        var lat = [Double](repeating: 0, count: singles)
        let t0 = now()
        for i in 0..<singles {
            let s = now()
            let e = gen.next(payload: buf.payloadBuffer)
            let txn = try env.beginWrite()
            do {
                bigEndian64(e.position, into: buf.key)
                var k = MDB_val(mv_size: 8, mv_data: buf.key)
                var v = MDB_val(mv_size: _BenchWorkload.payloadSize, mv_data: buf.payload)
                try check(mdb_put(txn, ev, &k, &v, UInt32(MDB_APPEND)), "mdb_put")
                try check(mdb_txn_commit(txn), "mdb_txn_commit")
            } catch {
                mdb_txn_abort(txn)
                throw error
            }
            lat[i] = (now() - s) * 1e6
        }
        let singleElapsed = now() - t0
        f.singleCommits = singles
        f.singleCommitsPerSecond = Double(singles) / singleElapsed
        f.singleCommitP50Micros = percentile(&lat, 50)
        f.singleCommitP99Micros = percentile(&lat, 99)
        f.singleCommitMaxMicros = percentile(&lat, 100)

        // Concurrent one-event transactions: each thread reads the last key and appends after it.
        if concurrentAppenders > 0 && concurrentAppendsEach > 0 {
            let (rate, cp50, cp99) = try concurrentSingles(
                env,
                ev,
                threads: concurrentAppenders,
                each: concurrentAppendsEach
            )
            f.concurrentAppenders = concurrentAppenders
            f.concurrentEvents = concurrentAppenders * concurrentAppendsEach
            f.concurrentEventsPerSecond = rate
            f.concurrentP50Micros = cp50
            f.concurrentP99Micros = cp99
        }

        let (scanned, scanTime) = try scan(env, ev)
        f.scannedEvents = scanned
        f.scanEventsPerSecond = Double(scanned) / scanTime.wall
        f.scanEventsPerCPUSecond = Double(scanned) / scanTime.cpu

        if pointReads > 0 {
            f.pointReads = pointReads
            let one = try randomReads(env, ev, keys: events, reads: pointReads, txnPerRead: false)
            f.pointReadsPerSecond = Double(pointReads) / one.wall
            f.pointReadsPerCPUSecond = Double(pointReads) / one.cpu
            let perTxn = max(1, pointReads / 5)
            let each = try randomReads(env, ev, keys: events, reads: perTxn, txnPerRead: true)
            f.pointReadsTxnPerReadPerSecond = Double(perTxn) / each.wall
        }
    }

    /// The "log + naive stream index" half of `run(directory:events:...)`.
    public static func withIndex(
        directory: String,
        events: Int,
        streams: Int?,
        batch: Int,
        streamReads: Int,
        into f: inout _RawLMDBFigures
    ) throws {
        let env = try RawEnv(path: directory)
        defer { env.close(removing: true) }
        let ev = try env.openDatabase("events")
        let ix = try env.openDatabase("streams")
        let (elapsed, p50, p99, _) = try bulkAppend(env, ev, index: ix, events: events, streams: streams, batch: batch)
        f.indexedBatchAppendEventsPerSecond = Double(events) / elapsed
        f.indexedBatchCommitP50Millis = p50
        f.indexedBatchCommitP99Millis = p99
        let nstreams = _BenchWorkload(events: events, streams: streams).streams
        guard streamReads > 0 else { return }
        let (read, streamTime) = try readStreams(env, ev, ix, streams: nstreams, count: streamReads)
        f.streamReads = streamReads
        f.streamReadsPerSecond = Double(streamReads) / streamTime.wall
        f.streamReadsPerCPUSecond = Double(streamReads) / streamTime.cpu
        f.streamReadEventsPerSecond = Double(read) / streamTime.wall
    }

    // MARK: Pieces

    /// `bulk_append`: returns elapsed seconds and commit p50/p99/max in ms.
    static func bulkAppend(
        _ env: RawEnv,
        _ ev: MDB_dbi,
        index ix: MDB_dbi?,
        events: Int,
        streams: Int?,
        batch: Int
    ) throws -> (Double, Double, Double, Double) {
        var gen = _BenchWorkload(events: events, streams: streams)
        let buf = Buffers()
        defer { buf.free() }
        var commits: [Double] = []
        commits.reserveCapacity(events / max(1, batch) + 1)
        let t0 = now()
        var done = 0
        while done < events {
            let txn = try env.beginWrite()
            do {
                var i = 0
                while i < batch && done < events {
                    let e = gen.next(payload: buf.payloadBuffer)
                    bigEndian64(e.position, into: buf.key)
                    var k = MDB_val(mv_size: 8, mv_data: buf.key)
                    var v = MDB_val(mv_size: _BenchWorkload.payloadSize, mv_data: buf.payload)
                    try check(mdb_put(txn, ev, &k, &v, UInt32(MDB_APPEND)), "mdb_put(events)")
                    if let ix {
                        // The stream name sits at a fixed offset in the payload; write it into the index key.
                        writeIndexKey(stream: e.stream, version: e.version, into: buf.indexKey)
                        bigEndian64(e.position, into: buf.indexValue)
                        var ik = MDB_val(mv_size: 20, mv_data: buf.indexKey)
                        var iv = MDB_val(mv_size: 8, mv_data: buf.indexValue)
                        try check(mdb_put(txn, ix, &ik, &iv, UInt32(MDB_NOOVERWRITE)), "mdb_put(streams)")
                    }
                    i += 1
                    done += 1
                }
            } catch {
                mdb_txn_abort(txn)
                throw error
            }
            let c0 = now()
            try check(mdb_txn_commit(txn), "mdb_txn_commit")
            commits.append((now() - c0) * 1e3)
        }
        let elapsed = now() - t0
        return (elapsed, percentile(&commits, 50), percentile(&commits, 99), percentile(&commits, 100))
    }

    /// `threads` threads, each committing `each` one-event transactions (position = last key + 1).
    /// Returns events/s and per-commit p50/p99 µs.
    static func concurrentSingles(_ env: RawEnv, _ ev: MDB_dbi, threads: Int, each: Int) throws -> (
        Double, Double, Double
    ) {
        let shared = ConcurrentRun(env: env, dbi: ev, threads: threads, each: each)
        let t0 = now()
        var spawned: [Thread] = []
        for t in 0..<threads {
            let thread = Thread { shared.runThread(t) }
            thread.stackSize = 1 << 20
            spawned.append(thread)
        }
        for thread in spawned { thread.start() }
        for _ in 0..<threads { shared.done.wait() }
        let elapsed = now() - t0
        if let error = shared.firstError() { throw error }
        var lat = shared.allLatencies()
        return (Double(threads * each) / elapsed, percentile(&lat, 50), percentile(&lat, 99))
    }

    /// `scan`: full ordered cursor scan; copies every payload. Returns (events, seconds).
    static func scan(_ env: RawEnv, _ ev: MDB_dbi) throws -> (Int, Span) {
        let copy = UnsafeMutableRawPointer.allocate(byteCount: _BenchWorkload.payloadSize * 2, alignment: 16)
        defer { copy.deallocate() }
        var count = 0
        var sum: UInt64 = 0
        var last: UInt64 = 0
        let t0 = Span.start()
        let txn = try env.beginRead()
        defer { mdb_txn_abort(txn) }
        var cursor: OpaquePointer?
        try check(mdb_cursor_open(txn, ev, &cursor), "mdb_cursor_open")
        defer { mdb_cursor_close(cursor) }
        var k = MDB_val()
        var v = MDB_val()
        var rc = mdb_cursor_get(cursor, &k, &v, MDB_FIRST)
        while rc == 0 {
            let pos = readBigEndian64(k.mv_data!)
            guard pos > last else { throw RawLMDBError(code: 0, call: "scan: keys out of order at \(pos)") }
            last = pos
            copy.copyMemory(from: v.mv_data!, byteCount: v.mv_size)
            sum &+= UInt64(copy.load(fromByteOffset: v.mv_size - 3, as: UInt8.self))
            count += 1
            rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)
        }
        if rc != MDB_NOTFOUND { try check(rc, "mdb_cursor_get") }
        let elapsed = Span.since(t0)
        blackHole(sum)
        return (count, elapsed)
    }

    /// `random_reads`: positions uniform in 1...keys (splitmix64, seed 12345). Returns seconds.
    static func randomReads(_ env: RawEnv, _ ev: MDB_dbi, keys: Int, reads: Int, txnPerRead: Bool) throws -> Span {
        let buf = Buffers()
        defer { buf.free() }
        let copy = UnsafeMutableRawPointer.allocate(byteCount: _BenchWorkload.payloadSize * 2, alignment: 16)
        defer { copy.deallocate() }
        var rng: UInt64 = 12345
        var sum: UInt64 = 0
        let t0 = Span.start()
        let txn = try env.beginRead()
        defer { mdb_txn_abort(txn) }
        if txnPerRead { mdb_txn_reset(txn) }
        for _ in 0..<reads {
            if txnPerRead { try check(mdb_txn_renew(txn), "mdb_txn_renew") }
            let pos = 1 + _BenchWorkload.splitmix64(&rng) % UInt64(keys)
            bigEndian64(pos, into: buf.key)
            var k = MDB_val(mv_size: 8, mv_data: buf.key)
            var v = MDB_val()
            try check(mdb_get(txn, ev, &k, &v), "mdb_get(\(pos))")
            copy.copyMemory(from: v.mv_data!, byteCount: v.mv_size)
            sum &+= UInt64(copy.load(fromByteOffset: 10, as: UInt8.self))
            if txnPerRead { mdb_txn_reset(txn) }
        }
        let elapsed = Span.since(t0)
        blackHole(sum)
        return elapsed
    }

    /// `stream_reads`: `count` streams picked with splitmix64 (seed 777), each read whole through the index.
    /// Returns (events read, seconds).
    static func readStreams(_ env: RawEnv, _ ev: MDB_dbi, _ ix: MDB_dbi, streams: UInt32, count: Int) throws
        -> (Int, Span)
    {
        let buf = Buffers()
        defer { buf.free() }
        let copy = UnsafeMutableRawPointer.allocate(byteCount: _BenchWorkload.payloadSize * 2, alignment: 16)
        defer { copy.deallocate() }
        var rng: UInt64 = 777
        var events = 0
        var sum: UInt64 = 0
        let t0 = Span.start()
        let txn = try env.beginRead()
        defer { mdb_txn_abort(txn) }
        var cursor: OpaquePointer?
        try check(mdb_cursor_open(txn, ix, &cursor), "mdb_cursor_open")
        defer { mdb_cursor_close(cursor) }
        for _ in 0..<count {
            let stream = UInt32(_BenchWorkload.splitmix64(&rng) % UInt64(streams))
            writeIndexKey(stream: stream, version: 0, into: buf.indexKey)
            var k = MDB_val(mv_size: 16, mv_data: buf.indexKey)
            var v = MDB_val()
            var rc = mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE)
            var expect: UInt32 = 0
            while rc == 0 && k.mv_size == 20 && memcmp(k.mv_data!, buf.indexKey, 16) == 0 {
                let ver = UInt32(bigEndian: (k.mv_data! + 16).loadUnaligned(as: UInt32.self))
                guard ver == expect else { throw RawLMDBError(code: 0, call: "stream version gap in stream \(stream)") }
                expect += 1
                var ek = MDB_val(mv_size: 8, mv_data: v.mv_data)
                var ev2 = MDB_val()
                try check(mdb_get(txn, ev, &ek, &ev2), "mdb_get(events)")
                copy.copyMemory(from: ev2.mv_data!, byteCount: ev2.mv_size)
                sum &+= UInt64(copy.load(fromByteOffset: 12, as: UInt8.self))
                events += 1
                rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)
            }
            if rc != 0 && rc != MDB_NOTFOUND { try check(rc, "mdb_cursor_get") }
        }
        let elapsed = Span.since(t0)
        blackHole(sum)
        return (events, elapsed)
    }
}

// MARK: - Helpers (internal, nested so that they cannot clash with the module's own names)

extension _RawLMDBBaseline {

    struct RawLMDBError: Error, CustomStringConvertible {
        var code: Int32
        var call: String
        var description: String {
            code == 0 ? call : "\(call): \(String(cString: mdb_strerror(code))) (\(code))"
        }
    }

    @inline(__always)
    static func check(_ rc: Int32, _ call: @autoclosure () -> String) throws {
        if rc != 0 { throw RawLMDBError(code: rc, call: call()) }
    }

    /// Monotonic seconds (`CLOCK_MONOTONIC`, as `wl_now`).
    @inline(__always)
    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    /// Wall-clock and process CPU seconds of a measured phase.
    struct Span {
        var wall: Double
        var cpu: Double

        static func start() -> Span { Span(wall: now(), cpu: cpuNow()) }
        static func since(_ s: Span) -> Span { Span(wall: now() - s.wall, cpu: cpuNow() - s.cpu) }
    }

    /// Process CPU seconds (`CLOCK_PROCESS_CPUTIME_ID`).
    @inline(__always)
    static func cpuNow() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    /// `wl_pct`: sorts in place.
    static func percentile(_ values: inout [Double], _ p: Double) -> Double {
        if values.isEmpty { return 0 }
        values.sort()
        let idx = min(values.count - 1, Int(p / 100 * Double(values.count - 1) + 0.5))
        return values[idx]
    }

    @inline(never)
    static func blackHole<T>(_ value: T) { withExtendedLifetime(value) {} }

    @inline(__always)
    static func bigEndian64(_ v: UInt64, into p: UnsafeMutableRawPointer) {
        p.storeBytes(of: v.bigEndian, as: UInt64.self)
    }

    @inline(__always)
    static func readBigEndian64(_ p: UnsafeRawPointer) -> UInt64 {
        UInt64(bigEndian: p.loadUnaligned(as: UInt64.self))
    }

    /// Index key: 16-byte `contact-%08u` name, then the big-endian 32-bit version.
    @inline(__always)
    static func writeIndexKey(stream: UInt32, version: UInt32, into p: UnsafeMutableRawPointer) {
        let b = p.assumingMemoryBound(to: UInt8.self)
        b.update(repeating: UInt8(ascii: "0"), count: 16)
        let prefix: StaticString = "contact-"
        prefix.withUTF8Buffer { b.update(from: $0.baseAddress!, count: 8) }
        var v = stream % 100_000_000
        for i in stride(from: 15, through: 8, by: -1) {
            b[i] = UInt8(ascii: "0") + UInt8(v % 10)
            v /= 10
        }
        (p + 16).storeBytes(of: version.bigEndian, as: UInt32.self)
    }

    /// Scratch buffers for keys and one payload.
    struct Buffers {
        let key = UnsafeMutableRawPointer.allocate(byteCount: 8, alignment: 8)
        let payload = UnsafeMutableRawPointer.allocate(byteCount: _BenchWorkload.payloadSize, alignment: 16)
        let indexKey = UnsafeMutableRawPointer.allocate(byteCount: 20, alignment: 8)
        let indexValue = UnsafeMutableRawPointer.allocate(byteCount: 8, alignment: 8)
        var payloadBuffer: UnsafeMutableRawBufferPointer {
            UnsafeMutableRawBufferPointer(start: payload, count: _BenchWorkload.payloadSize)
        }
        func free() {
            key.deallocate()
            payload.deallocate()
            indexKey.deallocate()
            indexValue.deallocate()
        }
    }

    /// An LMDB environment for the baseline: 4 GiB map, `MDB_NOTLS`, default sync flags, fresh directory.
    // @unchecked Sendable: the env handle is thread-safe in LMDB; every transaction stays on the thread that began it.
    final class RawEnv: @unchecked Sendable {
        let env: OpaquePointer
        let path: String
        private var closed = false

        init(path: String) throws {
            let fm = FileManager.default
            try? fm.removeItem(atPath: path)
            try fm.createDirectory(atPath: path, withIntermediateDirectories: true)
            var e: OpaquePointer?
            try check(mdb_env_create(&e), "mdb_env_create")
            guard let e else { throw RawLMDBError(code: 0, call: "mdb_env_create returned no environment") }
            do {
                try check(mdb_env_set_mapsize(e, 4 << 30), "mdb_env_set_mapsize")
                try check(mdb_env_set_maxdbs(e, 4), "mdb_env_set_maxdbs")
                try check(mdb_env_set_maxreaders(e, 126), "mdb_env_set_maxreaders")
                try check(mdb_env_open(e, path, UInt32(MDB_NOTLS), 0o644), "mdb_env_open(\(path))")
            } catch {
                mdb_env_close(e)
                throw error
            }
            self.env = e
            self.path = path
        }

        func openDatabase(_ name: String) throws -> MDB_dbi {
            let txn = try beginWrite()
            var dbi: MDB_dbi = 0
            do {
                try check(mdb_dbi_open(txn, name, UInt32(MDB_CREATE), &dbi), "mdb_dbi_open(\(name))")
                try check(mdb_txn_commit(txn), "mdb_txn_commit")
            } catch {
                mdb_txn_abort(txn)
                throw error
            }
            return dbi
        }

        func beginWrite() throws -> OpaquePointer {
            var txn: OpaquePointer?
            try check(mdb_txn_begin(env, nil, 0, &txn), "mdb_txn_begin")
            return txn!
        }

        func beginRead() throws -> OpaquePointer {
            var txn: OpaquePointer?
            try check(mdb_txn_begin(env, nil, UInt32(MDB_RDONLY), &txn), "mdb_txn_begin(read)")
            return txn!
        }

        /// Allocated bytes of `data.mdb`, in MB (as `file_mb`).
        func fileMB() -> Double {
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: path + "/data.mdb"),
                let size = attributes[.size] as? NSNumber
            else { return 0 }
            return size.doubleValue / 1e6
        }

        func close(removing: Bool) {
            guard !closed else { return }
            closed = true
            mdb_env_close(env)
            if removing { try? FileManager.default.removeItem(atPath: path) }
        }

        deinit { close(removing: false) }
    }

    /// State shared by the threads of a concurrent single-commit run.
    // @unchecked Sendable: `lock` guards `latencies` and `error`; the rest is immutable.
    final class ConcurrentRun: @unchecked Sendable {
        let env: RawEnv
        let dbi: MDB_dbi
        let each: Int
        let done = DispatchSemaphore(value: 0)
        private var latencies: [[Double]]
        private let lock = NSLock()
        private var error: (any Error)?

        init(env: RawEnv, dbi: MDB_dbi, threads: Int, each: Int) {
            self.env = env
            self.dbi = dbi
            self.each = each
            self.latencies = Array(repeating: [], count: threads)
        }

        func runThread(_ t: Int) {
            defer { done.signal() }
            var gen = _BenchWorkload(events: each * 20, streams: nil, startPosition: 0)
            let buf = Buffers()
            defer { buf.free() }
            var lat: [Double] = []
            lat.reserveCapacity(each)
            do {
                for _ in 0..<each {
                    let s = now()
                    _ = gen.next(payload: buf.payloadBuffer)
                    let txn = try env.beginWrite()
                    do {
                        var cursor: OpaquePointer?
                        try check(mdb_cursor_open(txn, dbi, &cursor), "mdb_cursor_open")
                        var lk = MDB_val()
                        var lv = MDB_val()
                        let rc = mdb_cursor_get(cursor, &lk, &lv, MDB_LAST)
                        let last = rc == 0 ? readBigEndian64(lk.mv_data!) : 0
                        mdb_cursor_close(cursor)
                        if rc != 0 && rc != MDB_NOTFOUND { try check(rc, "mdb_cursor_get(last)") }
                        bigEndian64(last + 1, into: buf.key)
                        var k = MDB_val(mv_size: 8, mv_data: buf.key)
                        var v = MDB_val(mv_size: _BenchWorkload.payloadSize, mv_data: buf.payload)
                        try check(mdb_put(txn, dbi, &k, &v, UInt32(MDB_APPEND)), "mdb_put")
                        try check(mdb_txn_commit(txn), "mdb_txn_commit")
                    } catch {
                        mdb_txn_abort(txn)
                        throw error
                    }
                    lat.append((now() - s) * 1e6)
                }
            } catch {
                lock.lock()
                if self.error == nil { self.error = error }
                lock.unlock()
            }
            lock.lock()
            latencies[t] = lat
            lock.unlock()
        }

        func firstError() -> (any Error)? {
            lock.lock()
            defer { lock.unlock() }
            return error
        }

        func allLatencies() -> [Double] {
            lock.lock()
            defer { lock.unlock() }
            return latencies.flatMap { $0 }
        }
    }
}
