// crm-bench: the peers' workload (peers/common/workload.h) run in one process, first on a raw-LMDB baseline
// (`_RawLMDBBaseline`, the C harness peers/lmdb_limit/bench.c redone in Swift), then on `LMDBEventLog`, each in
// a fresh temporary directory that is removed afterwards. Prints one table: figure | raw LMDB | LMDBEventLog |
// ratio | target.
//
//   swift run -c release crm-bench                 # 1,000,000 events (a few minutes)
//   swift run -c release crm-bench --quick         # 100,000 events, for CI smoke runs
//   swift run -c release crm-bench --help

import CRMEngine
import Foundation
import Logging

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

// MARK: - Options

struct Options {
    var events = 1_000_000
    var streams: Int?
    var batch = 1_000
    var singles = 2_000
    var pointReads = 1_000_000
    var streamReads = 20_000
    var appenders = 16
    var appendsEach = 250
    var decodeRecords = 100_000
    var directory = FileManager.default.temporaryDirectory.path
    var mapSizeMiB = 4_096
    var runs = 1
    var runRaw = true
    var runLog = true
    /// Batches kept in flight by the pipelined append phase (0: skip it).
    var inFlight = 4
    /// Diagnostics only: open the log without fsync, to see the CPU-bound rate.
    var noSync = false
    var decodeOnly = false
    var bulkOnly = false

    static let usage = """
        usage: crm-bench [--quick] [--events N] [--streams N] [--batch N] [--singles N] [--point-reads N]
                         [--stream-reads N] [--appenders N] [--appends-each N] [--dir PATH] [--map-size-mib N]
                         [--runs N] [--raw-only | --log-only | --decode-only] [--decode-records N]
                         [--in-flight N] [--no-sync] [--bulk-only]

          --quick          100,000 events, 500 single commits, 16 x 50 concurrent appends, 100,000 point reads,
                           5,000 stream reads (CI smoke run)
          --events N       events in the batched append (default 1,000,000); streams default to N / 20
          --dir PATH       parent of the temporary directories (default: the system temporary directory)
          --runs N         repeat the whole workload N times (fresh directories each) and report the median of
                           every figure, plus the min-max of the headline ones (default 1)
          --in-flight N    the extra pipelined phase: the same batched append into a fresh log with N batches
                           awaiting their commit at once, as a bulk importer would (default 4; 0 skips it)
          --bulk-only      diagnostics: only the AppendBatch appends (sequential; pipelined unless --in-flight 0)
          --no-sync        diagnostics: open the log without fsync (the CPU-bound rate; not a reported figure)
          environment CRM_BENCH_MERGE_THRESHOLD=N: the log's indexMergeThreshold (diagnostics)
          --decode-only    only the two decode figures (RecordCodec.decode, domain payload decode), wall-clock
                           and per CPU-second; --decode-records N sets their size (default 100,000; domain: 20 N)
        """

    static func parse(_ args: [String]) throws -> Options {
        var o = Options()
        var i = 0
        func value(_ name: String) throws -> String {
            i += 1
            guard i < args.count else { throw UsageError("\(name) needs a value") }
            return args[i]
        }
        func int(_ name: String) throws -> Int {
            let s = try value(name).replacingOccurrences(of: "_", with: "").replacingOccurrences(of: ",", with: "")
            guard let n = Int(s), n >= 0 else { throw UsageError("\(name) needs a non-negative integer, got '\(s)'") }
            return n
        }
        // --quick first, so explicit options after it win regardless of order.
        if args.contains("--quick") {
            o.events = 100_000
            o.singles = 500
            o.appendsEach = 50
            o.pointReads = 100_000
            o.streamReads = 5_000
            o.decodeRecords = 20_000
        }
        while i < args.count {
            switch args[i] {
            case "--quick": break
            case "--events": o.events = try int("--events")
            case "--streams": o.streams = try int("--streams")
            case "--batch": o.batch = try int("--batch")
            case "--singles": o.singles = try int("--singles")
            case "--point-reads": o.pointReads = try int("--point-reads")
            case "--stream-reads": o.streamReads = try int("--stream-reads")
            case "--appenders": o.appenders = try int("--appenders")
            case "--appends-each": o.appendsEach = try int("--appends-each")
            case "--decode-records": o.decodeRecords = try int("--decode-records")
            case "--dir": o.directory = try value("--dir")
            case "--map-size-mib": o.mapSizeMiB = try int("--map-size-mib")
            case "--runs": o.runs = max(1, try int("--runs"))
            case "--raw-only": o.runLog = false
            case "--log-only": o.runRaw = false
            case "--in-flight": o.inFlight = try int("--in-flight")
            case "--no-sync": o.noSync = true
            case "--decode-only": o.decodeOnly = true
            case "--bulk-only": o.bulkOnly = true
            case "-h", "--help":
                print(usage)
                exit(0)
            default: throw UsageError("unknown option '\(args[i])'")
            }
            i += 1
        }
        guard o.events > 0 else { throw UsageError("--events must be at least 1") }
        guard o.batch > 0 else { throw UsageError("--batch must be at least 1") }
        if let s = o.streams, s == 0 { throw UsageError("--streams must be at least 1") }
        return o
    }
}

struct UsageError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

// MARK: - LMDBEventLog figures

struct LogFigures {
    var domainDecodePerSecond = 0.0
    var domainDecodePerCPUSecond = 0.0
    var domainDecoderPathPerCPUSecond = 0.0
    var domainDecodeFixtures = 0
    var batchAppendEventsPerSecond = 0.0
    var batchAppendEventsPerCPUSecond = 0.0
    var pipelinedAppendEventsPerSecond = 0.0
    var bulkAppendEventsPerSecond = 0.0
    var bulkPipelinedEventsPerSecond = 0.0
    var batchP50Millis = 0.0
    var batchP99Millis = 0.0
    var batchMaxMillis = 0.0
    var fileMB = 0.0
    var singleCommitsPerSecond = 0.0
    var singleP50Micros = 0.0
    var singleP99Micros = 0.0
    var singleMaxMicros = 0.0
    var concurrentEventsPerSecond = 0.0
    var concurrentP50Micros = 0.0
    var concurrentP99Micros = 0.0
    var concurrentAppendsPerCommit = 0.0
    var scannedEvents = 0
    var scanEventsPerSecond = 0.0
    var scanEventsPerCPUSecond = 0.0
    var borrowScanEventsPerSecond = 0.0
    var borrowScanEventsPerCPUSecond = 0.0
    var pointReadsPerSecond = 0.0
    var pointReadsPerCPUSecond = 0.0
    var streamReadsPerSecond = 0.0
    var streamReadsPerCPUSecond = 0.0
    var streamReadEventsPerSecond = 0.0
    var decodePerSecond = 0.0
}

/// Deterministic event ids: two splitmix64 words of `n`.
func eventID(_ n: UInt64) -> UUID {
    var s = n ^ 0xC0FF_EE00_D15E_A5E5
    let a = _BenchWorkload.splitmix64(&s)
    let b = _BenchWorkload.splitmix64(&s)
    return withUnsafeBytes(of: (a, b)) { raw in
        UUID(
            uuid: (
                raw[0], raw[1], raw[2], raw[3], raw[4], raw[5], raw[6], raw[7], raw[8], raw[9], raw[10], raw[11],
                raw[12], raw[13], raw[14], raw[15]
            )
        )
    }
}

func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// Process CPU seconds: read phases are CPU-bound, and on a shared machine CPU time per event is steadier than
/// wall-clock time.
func cpuSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

func percentile(_ values: [Double], _ p: Double) -> Double {
    if values.isEmpty { return 0 }
    let v = values.sorted()
    return v[min(v.count - 1, Int(p / 100 * Double(v.count - 1) + 0.5))]
}

func allocatedMB(_ file: String) -> Double {
    var st = stat()
    guard stat(file, &st) == 0 else { return 0 }
    return Double(st.st_blocks) * 512 / 1e6
}

func progress(_ s: String) {
    FileHandle.standardError.write(Data("  · \(s)\n".utf8))
}

/// Counts and checks what the log returns, so that no read can be optimised away.
struct Sink {
    var sum: UInt64 = 0
    mutating func take(_ e: RecordedEvent) {
        if let b = e.data.last { sum &+= UInt64(b) }
        sum &+= e.position
    }
}

/// Turns `n` workload events into one multi-stream atomic append: one StreamAppend per distinct stream
/// (first-appearance order), events in workload order.
struct BatchMaker {
    let names: [String]
    private var slot: [Int]

    init(names: [String]) {
        self.names = names
        self.slot = [Int](repeating: -1, count: names.count)
    }

    mutating func next(_ n: Int, from gen: inout _BenchWorkload) -> [StreamAppend] {
        var entries: [StreamAppend] = []
        var touched: [Int] = []
        entries.reserveCapacity(n)
        for _ in 0..<n {
            let (e, payload) = gen.next()
            let s = Int(e.stream)
            let event = NewEvent(id: eventID(e.position), type: e.typeName, schemaVersion: 1, data: payload)
            if slot[s] < 0 {
                slot[s] = entries.count
                touched.append(s)
                entries.append(StreamAppend(stream: names[s], expected: .any, events: [event]))
            } else {
                entries[slot[s]].events.append(event)
            }
        }
        for s in touched { slot[s] = -1 }
        return entries
    }

    /// The same `n` workload events as one ``AppendBatch``, in workload order (streams interleaved), each payload
    /// written in place.
    func nextBatch(_ n: Int, from gen: inout _BenchWorkload) throws -> AppendBatch {
        var batch = AppendBatch(minimumCapacity: n)
        for _ in 0..<n {
            let e = gen.nextEvent()
            try batch.append(
                id: eventID(e.position),
                type: e.typeName,
                to: names[Int(e.stream)],
                payloadSize: _BenchWorkload.payloadSize
            ) { _BenchWorkload.writePayload(of: e, into: $0) }
        }
        return batch
    }
}

/// The batched append of the workload into a fresh log with `inFlight` batches awaiting their commit at once (1:
/// one after the other), through `[StreamAppend]` or, when `bulk`, through ``AppendBatch``. With several in flight
/// the caller builds the next batch while the writer commits the previous ones, and group commit may put several
/// in one transaction. Durable, like the sequential figure.
func appendRate(_ o: Options, directory: String, inFlight: Int, bulk: Bool) async throws -> Double {
    var logger = Logger(label: "crm-bench")
    logger.logLevel = .warning
    var config = LMDBConfiguration(mapSize: o.mapSizeMiB << 20)
    config.durable = !o.noSync
    config.applyBenchEnvironment()
    let log = try LMDBEventLog.open(directory: directory, configuration: config, clock: .system, logger: logger)
    let names = (0..<_BenchWorkload(events: o.events, streams: o.streams).streams).map(_BenchWorkload.streamName)
    var gen = _BenchWorkload(events: o.events, streams: o.streams)
    var batches = BatchMaker(names: names)
    let t0 = monotonicSeconds()
    try await withThrowingTaskGroup(of: Void.self) { group in
        var done = 0
        var pending = 0
        while done < o.events {
            if pending == inFlight {
                try await group.next()
                pending -= 1
            }
            let n = min(o.batch, o.events - done)
            if bulk {
                let batch = try batches.nextBatch(n, from: &gen)
                group.addTask { _ = try await log.append(batch) }
            } else {
                let batch = batches.next(n, from: &gen)
                group.addTask { _ = try await log.append(batch) }
            }
            pending += 1
            done += n
        }
        try await group.waitForAll()
    }
    let rate = Double(o.events) / (monotonicSeconds() - t0)
    await log.close()
    return rate
}

extension LMDBConfiguration {
    /// Diagnostics: `CRM_BENCH_MERGE_THRESHOLD=N` sets `indexMergeThreshold`.
    mutating func applyBenchEnvironment() {
        if let t = ProcessInfo.processInfo.environment["CRM_BENCH_MERGE_THRESHOLD"].flatMap(Int.init) {
            indexMergeThreshold = t
        }
    }
}

func runLog(_ o: Options, directory: String) async throws -> LogFigures {
    var f = LogFigures()
    var logger = Logger(label: "crm-bench")
    logger.logLevel = .warning
    var config = LMDBConfiguration(mapSize: o.mapSizeMiB << 20)
    config.durable = !o.noSync
    config.applyBenchEnvironment()
    let log = try LMDBEventLog.open(directory: directory, configuration: config, clock: .system, logger: logger)
    var closed = false
    defer { if !closed { progress("log left open after an error") } }
    let names = (0..<_BenchWorkload(events: o.events, streams: o.streams).streams).map(_BenchWorkload.streamName)

    // Batched durable append: each batch of `o.batch` workload events becomes one multi-stream atomic append,
    // one StreamAppend per distinct stream (first-appearance order), events in workload order.
    progress("LMDBEventLog: batched append of \(o.events) events, \(o.batch) per append")
    var gen = _BenchWorkload(events: o.events, streams: o.streams)
    var latencies: [Double] = []
    latencies.reserveCapacity(o.events / o.batch + 1)
    var batches = BatchMaker(names: names)
    let t0 = monotonicSeconds()
    let tc0 = cpuSeconds()
    var done = 0
    while done < o.events {
        let b0 = monotonicSeconds()
        let n = min(o.batch, o.events - done)
        _ = try await log.append(batches.next(n, from: &gen))
        latencies.append((monotonicSeconds() - b0) * 1e3)
        done += n
    }
    f.batchAppendEventsPerSecond = Double(o.events) / (monotonicSeconds() - t0)
    f.batchAppendEventsPerCPUSecond = Double(o.events) / (cpuSeconds() - tc0)
    f.batchP50Millis = percentile(latencies, 50)
    f.batchP99Millis = percentile(latencies, 99)
    f.batchMaxMillis = percentile(latencies, 100)
    f.fileMB = allocatedMB(directory + "/data.mdb")

    // Single-event durable appends, one after the other (generator restarted, positions continue).
    if o.singles > 0 {
        progress("LMDBEventLog: \(o.singles) single-event durable appends")
        var sg = _BenchWorkload(events: o.events, streams: o.streams, startPosition: UInt64(o.events))
        var lat: [Double] = []
        lat.reserveCapacity(o.singles)
        let s0 = monotonicSeconds()
        for _ in 0..<o.singles {
            let a = monotonicSeconds()
            let (e, payload) = sg.next()
            let event = NewEvent(id: eventID(e.position), type: e.typeName, schemaVersion: 1, data: payload)
            _ = try await log.append([event], to: names[Int(e.stream)], expected: .any)
            lat.append((monotonicSeconds() - a) * 1e6)
        }
        f.singleCommitsPerSecond = Double(o.singles) / (monotonicSeconds() - s0)
        f.singleP50Micros = percentile(lat, 50)
        f.singleP99Micros = percentile(lat, 99)
        f.singleMaxMicros = percentile(lat, 100)
    }

    // Concurrent appenders: each task appends one event per call and waits for it (durable) before the next.
    if o.appenders > 0 && o.appendsEach > 0 {
        progress("LMDBEventLog: \(o.appenders) concurrent appenders x \(o.appendsEach) single-event appends")
        let base = UInt64(o.events + o.singles)
        let each = o.appendsEach
        let streamsCount = names.count
        let stats0 = try log.statistics()
        let c0 = monotonicSeconds()
        let lat = try await withThrowingTaskGroup(of: [Double].self) { group in
            for t in 0..<o.appenders {
                group.addTask {
                    var g = _BenchWorkload(events: streamsCount * 20, startPosition: 0)
                    var out: [Double] = []
                    out.reserveCapacity(each)
                    for k in 0..<each {
                        let a = monotonicSeconds()
                        let (e, payload) = g.next()
                        let id = eventID(base + UInt64(t * each + k) + 1)
                        let event = NewEvent(id: id, type: e.typeName, schemaVersion: 1, data: payload)
                        _ = try await log.append([event], to: _BenchWorkload.streamName(e.stream), expected: .any)
                        out.append((monotonicSeconds() - a) * 1e6)
                    }
                    return out
                }
            }
            var all: [Double] = []
            for try await part in group { all.append(contentsOf: part) }
            return all
        }
        f.concurrentEventsPerSecond = Double(o.appenders * each) / (monotonicSeconds() - c0)
        f.concurrentP50Micros = percentile(lat, 50)
        f.concurrentP99Micros = percentile(lat, 99)
        let stats1 = try log.statistics()
        let commits = stats1["groupCommits", default: 0] - stats0["groupCommits", default: 0]
        let appends = stats1["groupedAppends", default: 0] - stats0["groupedAppends", default: 0]
        f.concurrentAppendsPerCommit = commits == 0 ? 0 : Double(appends) / Double(commits)
    }

    // Full ordered read-back through the AsyncSequence (every event decoded, payload copied into it).
    progress("LMDBEventLog: full ordered read-back")
    var sink = Sink()
    let r0 = monotonicSeconds()
    let rc0 = cpuSeconds()
    var count = 0
    for try await e in log.read(.all()) {
        sink.take(e)
        count += 1
    }
    f.scannedEvents = count
    f.scanEventsPerSecond = Double(count) / (monotonicSeconds() - r0)
    f.scanEventsPerCPUSecond = Double(count) / (cpuSeconds() - rc0)

    // Full ordered read-back through the borrowing scan, doing the raw baseline's work per record: check the
    // position order, copy the payload into a scratch buffer and add one of its bytes.
    progress("LMDBEventLog: full ordered read-back, borrowing scan")
    let scratch = UnsafeMutableRawPointer.allocate(byteCount: 1 << 16, alignment: 16)
    defer { scratch.deallocate() }
    var scanSum: UInt64 = 0
    var scanned = 0
    var lastPosition: UInt64 = 0
    var outOfOrder = false
    let b0 = monotonicSeconds()
    let bc0 = cpuSeconds()
    try log.scan(from: 1) { view in
        let pos = view.position
        if pos <= lastPosition { outOfOrder = true }
        lastPosition = pos
        let data = view.data
        if data.count >= 3 && data.count <= 1 << 16 {
            scratch.copyMemory(from: data.baseAddress!, byteCount: data.count)
            scanSum &+= UInt64(scratch.load(fromByteOffset: data.count - 3, as: UInt8.self))
        }
        scanned += 1
        return true
    }
    f.borrowScanEventsPerSecond = Double(scanned) / (monotonicSeconds() - b0)
    f.borrowScanEventsPerCPUSecond = Double(scanned) / (cpuSeconds() - bc0)
    guard scanned == count, !outOfOrder else {
        throw UsageError("borrowing scan saw \(scanned) events (read saw \(count)), in order: \(!outOfOrder)")
    }
    sink.sum &+= scanSum

    // Random point reads by position, uniform in 1...events (same generator as the C harness).
    if o.pointReads > 0 {
        progress("LMDBEventLog: \(o.pointReads) random point reads")
        var rng: UInt64 = 12345
        let p0 = monotonicSeconds()
        let pc0 = cpuSeconds()
        for _ in 0..<o.pointReads {
            let pos = 1 + _BenchWorkload.splitmix64(&rng) % UInt64(o.events)
            guard let e = try log.event(at: pos) else { throw UsageError("no event at position \(pos)") }
            sink.take(e)
        }
        f.pointReadsPerSecond = Double(o.pointReads) / (monotonicSeconds() - p0)
        f.pointReadsPerCPUSecond = Double(o.pointReads) / (cpuSeconds() - pc0)
    }

    // Whole-stream reads (seed 777, as the C harness), versions checked gapless.
    if o.streamReads > 0 {
        progress("LMDBEventLog: \(o.streamReads) whole-stream reads")
        var rng: UInt64 = 777
        var events = 0
        let w0 = monotonicSeconds()
        let wc0 = cpuSeconds()
        for _ in 0..<o.streamReads {
            let s = Int(_BenchWorkload.splitmix64(&rng) % UInt64(names.count))
            let all = try await log.readAll(.stream(names[s]))
            for (i, e) in all.enumerated() {
                guard e.streamVersion == UInt64(i) else { throw UsageError("gap in \(names[s]) at version \(i)") }
                sink.take(e)
            }
            events += all.count
        }
        let el = monotonicSeconds() - w0
        f.streamReadsPerSecond = Double(o.streamReads) / el
        f.streamReadsPerCPUSecond = Double(o.streamReads) / (cpuSeconds() - wc0)
        f.streamReadEventsPerSecond = Double(events) / el
    }
    await log.close()
    closed = true
    if sink.sum == 42 { progress("") }  // keeps `sink` alive
    return f
}

/// `RecordCodec.decode` alone, over records of the workload encoded the way the log stores them.
func decodeRate(records: Int) throws -> Double {
    guard records > 0 else { return 0 }
    var gen = _BenchWorkload(events: records)
    var blob: [UInt8] = []
    blob.reserveCapacity(records * 420)
    var offsets: [Int] = [0]
    var prev = ChainHash.zero
    for _ in 0..<records {
        let (e, payload) = gen.next()
        let event = NewEvent(id: eventID(e.position), type: e.typeName, schemaVersion: 1, data: payload)
        prev = RecordCodec.encodeRecord(
            position: e.position,
            streamVersion: UInt64(e.version),
            stream: _BenchWorkload.streamName(e.stream),
            event: event,
            recordedAt: 1_780_000_000_000,
            prevHash: prev,
            into: &blob
        )
        offsets.append(blob.count)
    }
    var sink = Sink()
    let rounds = 3
    let t0 = monotonicSeconds()
    try blob.withUnsafeBytes { raw in
        for _ in 0..<rounds {
            for i in 0..<records {
                sink.take(try RecordCodec.decode(UnsafeRawBufferPointer(rebasing: raw[offsets[i]..<offsets[i + 1]])))
            }
        }
    }
    let rate = Double(records * rounds) / (monotonicSeconds() - t0)
    if sink.sum == 42 { progress("") }
    return rate
}

/// The domain's binary payload codec (`EventCatalog.registry`) on the events of `Fixtures/events/*.jsonl`: each
/// fixture is decoded from JSON and encoded to binary once, then the binary payloads are decoded round-robin.
/// Returns (decodes per second, decodes per CPU-second, distinct fixture events, decodes per CPU-second of the same
/// payloads through `BinaryEventDecoder`, the `Decoder` path the registry took before its generated decoders), or
/// nil when no fixture could be loaded.
func domainDecodeRate(
    decodes: Int
) -> (rate: Double, cpuRate: Double, fixtures: Int, decoderPathCPURate: Double)? {
    guard decodes > 0 else { return nil }
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    let dir = root.appendingPathComponent("Fixtures/events")
    guard let files = try? FileManager.default.contentsOfDirectory(atPath: dir.path) else { return nil }
    let registry = EventCatalog.registry
    var samples: [(type: String, version: Int, binary: [UInt8])] = []
    for file in files.sorted() where file.hasSuffix(".jsonl") {
        guard let text = try? String(contentsOf: dir.appendingPathComponent(file), encoding: .utf8) else { continue }
        for line in text.split(separator: "\n") where !line.isEmpty {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                let typeName = object["type"] as? String, let version = object["schemaVersion"] as? Int,
                let data = object["data"], let json = try? JSONSerialization.data(withJSONObject: data),
                let event = try? registry.decodeJSON(type: typeName, schemaVersion: version, data: Array(json)),
                let binary = try? registry.encodeBinary(event)
            else { continue }
            // Stored under the type's current schema version (a fixture of an older version was upcast on decode).
            samples.append((event.eventType, type(of: event).schemaVersion, binary))
        }
    }
    guard !samples.isEmpty else { return nil }
    var ok = 0
    let t0 = monotonicSeconds()
    let c0 = cpuSeconds()
    for i in 0..<decodes {
        let s = samples[i % samples.count]
        if (try? registry.decode(type: s.type, schemaVersion: s.version, binary: s.binary)) != nil { ok += 1 }
    }
    let rate = Double(decodes) / (monotonicSeconds() - t0)
    let cpuRate = Double(decodes) / (cpuSeconds() - c0)
    if ok != decodes { progress("domain decode: \(decodes - ok) of \(decodes) decodes failed") }

    let types = samples.map { registry.payloadType(of: $0.type, schemaVersion: $0.version)! }
    let reference = decodes / 4
    ok = 0
    let c1 = cpuSeconds()
    for i in 0..<reference {
        let type: any DomainEvent.Type = types[i % samples.count]
        if decodesThroughTheDecoderPath(type, samples[i % samples.count].binary) { ok += 1 }
    }
    let decoderPathCPURate = Double(reference) / (cpuSeconds() - c1)
    if ok != reference { progress("domain decode, Decoder path: \(reference - ok) of \(reference) decodes failed") }
    return (rate, cpuRate, samples.count, decoderPathCPURate)
}

/// `BinaryEventDecoder` on a payload of `E`: the registry's decode before its generated decoders.
func decodesThroughTheDecoderPath<E: DomainEvent>(_ type: E.Type, _ bytes: [UInt8]) -> Bool {
    (try? BinaryEventDecoder().decode(E.self, from: bytes)) != nil
}

// MARK: - Table

func fmt(_ v: Double) -> String {
    if v == 0 { return "-" }
    if v >= 100 {
        let n = Int(v.rounded())
        var s = String(n)
        var i = s.count - 3
        while i > 0 {
            s.insert(",", at: s.index(s.startIndex, offsetBy: i))
            i -= 3
        }
        return s
    }
    if v >= 10 { return String(format: "%.1f", v) }
    return String(format: "%.2f", v)
}

/// `p50 / p99 / max`.
func fmt(_ a: Double, _ b: Double, _ c: Double) -> String { "\(fmt(a)) / \(fmt(b)) / \(fmt(c))" }

func ratio(_ a: Double, _ b: Double) -> String {
    guard a > 0, b > 0 else { return "-" }
    return a / b >= 10 ? String(format: "%.1f×", a / b) : String(format: "%.2f×", a / b)
}

struct Row {
    var figure: String
    var raw: String
    var log: String
    var ratio: String
    var target: String
}

func printTable(_ rows: [Row]) {
    let headers = Row(figure: "figure", raw: "raw LMDB", log: "LMDBEventLog", ratio: "ratio", target: "target")
    let all = [headers] + rows
    let w = [
        all.map(\.figure.count).max()!, all.map(\.raw.count).max()!, all.map(\.log.count).max()!,
        all.map(\.ratio.count).max()!, all.map(\.target.count).max()!,
    ]
    func pad(_ s: String, _ n: Int, right: Bool) -> String {
        let p = String(repeating: " ", count: max(0, n - s.count))
        return right ? p + s : s + p
    }
    func line(_ r: Row) -> String {
        "| " + pad(r.figure, w[0], right: false) + " | " + pad(r.raw, w[1], right: true) + " | "
            + pad(r.log, w[2], right: true) + " | " + pad(r.ratio, w[3], right: true) + " | "
            + pad(r.target, w[4], right: false) + " |"
    }
    print(line(headers))
    print(
        "|"
            + w.enumerated().map { i, n in String(repeating: "-", count: n + 1) + (i == 0 || i == 4 ? "-" : ":") }
            .joined(separator: "|") + "|"
    )
    for r in rows { print(line(r)) }
}

func verdict(_ ok: Bool) -> String { ok ? "MET" : "NOT MET" }

// MARK: - Main

@main
struct CRMBench {
    static let sqliteBatch = 38_484.0  // peers/RESULTS.md, SQLite WAL FULL, batched append (median)

    static func main() async {
        let o: Options
        do { o = try Options.parse(Array(CommandLine.arguments.dropFirst())) } catch {
            FileHandle.standardError.write(Data("crm-bench: \(error)\n\(Options.usage)\n".utf8))
            exit(2)
        }
        let root = o.directory + "/crm-bench-\(getpid())-\(UUID().uuidString.prefix(8))"
        let streams = _BenchWorkload(events: o.events, streams: o.streams).streams
        print(
            "# crm-bench: events=\(o.events) streams=\(streams) batch=\(o.batch) "
                + "payload=\(_BenchWorkload.payloadSize)B runs=\(o.runs) singles=\(o.singles) "
                + "concurrent=\(o.appenders)x\(o.appendsEach) pointReads=\(o.pointReads) "
                + "streamReads=\(o.streamReads) inFlight=\(o.inFlight)\(o.noSync ? " NO-SYNC (diagnostic)" : "") dir=\(root)"
        )
        fflush(nil)  // the header before the progress lines on stderr
        var raws: [_RawLMDBFigures] = []
        var logs: [LogFigures] = []
        for run in 1...o.runs {
            if o.runs > 1 { progress("run \(run) of \(o.runs)") }
            do {
                let (raw, log) = try await runOnce(o, root: root)
                raws.append(raw)
                logs.append(log)
            } catch {
                try? FileManager.default.removeItem(atPath: root)
                FileHandle.standardError.write(Data("crm-bench: \(error)\n".utf8))
                exit(1)
            }
        }
        report(o, median(raws, rawFields), median(logs, logFields))
        if o.runs > 1 { printSpread(raws, logs) }
    }

    /// The `AppendBatch` appends: one after the other, then `o.inFlight` at once (unless 0), each into a fresh log.
    static func bulkPhases(_ o: Options, root: String, into log: inout LogFigures) async throws {
        let dir = root + "/bulk"
        progress("LMDBEventLog: AppendBatch append of \(o.events) events, \(o.batch) per append")
        log.bulkAppendEventsPerSecond = try await appendRate(o, directory: dir, inFlight: 1, bulk: true)
        try? FileManager.default.removeItem(atPath: dir)
        guard o.inFlight > 0 else { return }
        progress("LMDBEventLog: AppendBatch append, \(o.inFlight) batches in flight")
        log.bulkPipelinedEventsPerSecond = try await appendRate(o, directory: dir, inFlight: o.inFlight, bulk: true)
        try? FileManager.default.removeItem(atPath: dir)
    }

    /// One pass over the workload: raw baseline, then the log, each in a fresh directory under `root`.
    static func runOnce(_ o: Options, root: String) async throws -> (_RawLMDBFigures, LogFigures) {
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        var raw = _RawLMDBFigures()
        if o.runRaw && !o.decodeOnly {
            progress("raw LMDB: log only, then log + naive stream index")
            raw = try _RawLMDBBaseline.run(
                directory: root,
                events: o.events,
                streams: o.streams,
                batch: o.batch,
                singles: o.singles,
                pointReads: o.pointReads,
                concurrentAppenders: o.appenders,
                concurrentAppendsEach: o.appendsEach,
                streamReads: o.streamReads
            )
        }
        var log = LogFigures()
        if o.runLog {
            if o.bulkOnly {
                try await bulkPhases(o, root: root, into: &log)
                return (raw, log)
            }
            if !o.decodeOnly {
                let dir = root + "/log"
                log = try await runLog(o, directory: dir)
                try? FileManager.default.removeItem(atPath: dir)
                if o.inFlight > 0 {
                    progress("LMDBEventLog: batched append of \(o.events) events, \(o.inFlight) batches in flight")
                    log.pipelinedAppendEventsPerSecond = try await appendRate(
                        o,
                        directory: root + "/pipelined",
                        inFlight: o.inFlight,
                        bulk: false
                    )
                    try? FileManager.default.removeItem(atPath: root + "/pipelined")
                }
                try await bulkPhases(o, root: root, into: &log)
            }
            progress("RecordCodec.decode of \(o.decodeRecords) records")
            log.decodePerSecond = try decodeRate(records: o.decodeRecords)
            progress("domain binary decode (EventCatalog.registry) over Fixtures/events")
            if let d = domainDecodeRate(decodes: o.decodeRecords * 20) {
                log.domainDecodePerSecond = d.rate
                log.domainDecodePerCPUSecond = d.cpuRate
                log.domainDecoderPathPerCPUSecond = d.decoderPathCPURate
                log.domainDecodeFixtures = d.fixtures
            }
        }
        return (raw, log)
    }

    static var rawFields: [WritableKeyPath<_RawLMDBFigures, Double>] {
        [
            \.batchAppendEventsPerSecond, \.batchCommitP50Millis, \.batchCommitP99Millis, \.batchCommitMaxMillis,
            \.fileMB,
            \.singleCommitMaxMicros,
            \.singleCommitsPerSecond, \.singleCommitP50Micros, \.singleCommitP99Micros, \.concurrentEventsPerSecond,
            \.concurrentP50Micros, \.concurrentP99Micros, \.scanEventsPerSecond, \.scanEventsPerCPUSecond,
            \.pointReadsPerSecond, \.pointReadsPerCPUSecond, \.pointReadsTxnPerReadPerSecond,
            \.indexedBatchAppendEventsPerSecond, \.indexedBatchCommitP50Millis, \.indexedBatchCommitP99Millis,
            \.streamReadsPerSecond, \.streamReadsPerCPUSecond, \.streamReadEventsPerSecond,
        ]
    }

    static var logFields: [WritableKeyPath<LogFigures, Double>] {
        [
            \.batchAppendEventsPerSecond, \.batchAppendEventsPerCPUSecond, \.pipelinedAppendEventsPerSecond,
            \.bulkAppendEventsPerSecond, \.bulkPipelinedEventsPerSecond,
            \.batchP50Millis, \.batchP99Millis,
            \.batchMaxMillis, \.fileMB,
            \.singleMaxMicros, \.singleCommitsPerSecond,
            \.singleP50Micros, \.singleP99Micros, \.concurrentEventsPerSecond, \.concurrentP50Micros,
            \.concurrentP99Micros, \.concurrentAppendsPerCommit, \.scanEventsPerSecond, \.scanEventsPerCPUSecond,
            \.borrowScanEventsPerSecond,
            \.borrowScanEventsPerCPUSecond, \.pointReadsPerSecond,
            \.pointReadsPerCPUSecond, \.streamReadsPerSecond, \.streamReadsPerCPUSecond, \.streamReadEventsPerSecond,
            \.decodePerSecond, \.domainDecodePerSecond, \.domainDecodePerCPUSecond, \.domainDecoderPathPerCPUSecond,
        ]
    }

    /// Field by field median of the runs (the first run's other fields).
    static func median<T>(_ runs: [T], _ fields: [WritableKeyPath<T, Double>]) -> T {
        var out = runs[0]
        for f in fields {
            let v = runs.map { $0[keyPath: f] }.sorted()
            out[keyPath: f] = v.count % 2 == 1 ? v[v.count / 2] : (v[v.count / 2 - 1] + v[v.count / 2]) / 2
        }
        return out
    }

    /// Min-max over the runs of the headline figures.
    static func printSpread(_ raws: [_RawLMDBFigures], _ logs: [LogFigures]) {
        func span(_ v: [Double]) -> String { "\(fmt(v.min() ?? 0))-\(fmt(v.max() ?? 0))" }
        print("")
        print("min-max over \(raws.count) runs (raw LMDB | LMDBEventLog):")
        let lines: [(String, [Double], [Double])] = [
            (
                "batched durable append (events/s)", raws.map(\.batchAppendEventsPerSecond),
                logs.map(\.batchAppendEventsPerSecond)
            ),
            ("  pipelined (events/s)", [], logs.map(\.pipelinedAppendEventsPerSecond)),
            ("AppendBatch (events/s)", [], logs.map(\.bulkAppendEventsPerSecond)),
            ("  AppendBatch pipelined (events/s)", [], logs.map(\.bulkPipelinedEventsPerSecond)),
            ("raw log + naive stream index (events/s)", raws.map(\.indexedBatchAppendEventsPerSecond), []),
            (
                "single durable commits (commits/s)", raws.map(\.singleCommitsPerSecond),
                logs.map(\.singleCommitsPerSecond)
            ),
            (
                "concurrent appenders (events/s)", raws.map(\.concurrentEventsPerSecond),
                logs.map(\.concurrentEventsPerSecond)
            ),
            (
                "group-commit gain (concurrent / single)",
                zip(raws, raws).map { $0.0.concurrentEventsPerSecond / max(1, $0.1.singleCommitsPerSecond) },
                logs.map { $0.concurrentEventsPerSecond / max(1, $0.singleCommitsPerSecond) }
            ),
            ("full read-back (events/s)", raws.map(\.scanEventsPerSecond), logs.map(\.scanEventsPerSecond)),
            (
                "full read-back, borrowing scan (events/s)", raws.map(\.scanEventsPerSecond),
                logs.map(\.borrowScanEventsPerSecond)
            ),
            ("random point reads (reads/s)", raws.map(\.pointReadsPerSecond), logs.map(\.pointReadsPerSecond)),
            ("whole-stream reads (streams/s)", raws.map(\.streamReadsPerSecond), logs.map(\.streamReadsPerSecond)),
            ("domain payload decode (events/s)", [], logs.map(\.domainDecodePerSecond)),
            ("domain payload decode (events/CPU-s)", [], logs.map(\.domainDecodePerCPUSecond)),
        ]
        for (name, r, l) in lines {
            print("  \(name): \(r.isEmpty ? "-" : span(r)) | \(l.isEmpty ? "-" : span(l))")
        }
    }

    static func report(_ o: Options, _ raw: _RawLMDBFigures, _ log: LogFigures) {
        let batchFloor = raw.batchAppendEventsPerSecond * 0.5
        let groupGain = log.singleCommitsPerSecond > 0 ? log.concurrentEventsPerSecond / log.singleCommitsPerSecond : 0
        let rawGain = raw.singleCommitsPerSecond > 0 ? raw.concurrentEventsPerSecond / raw.singleCommitsPerSecond : 0
        var rows: [Row] = [
            Row(
                figure: "batched durable append, \(o.batch)/append (events/s)",
                raw: fmt(raw.batchAppendEventsPerSecond),
                log: fmt(log.batchAppendEventsPerSecond),
                ratio: ratio(log.batchAppendEventsPerSecond, raw.batchAppendEventsPerSecond),
                target: "≥ 0.50× raw log-only (\(fmt(batchFloor))) and ≥ 5× SQLite (\(fmt(5 * sqliteBatch))): "
                    + verdict(
                        log.batchAppendEventsPerSecond >= batchFloor
                            && log.batchAppendEventsPerSecond >= 5 * sqliteBatch
                    )
            ),
            Row(
                figure: "  vs raw log + naive stream index (events/s)",
                raw: fmt(raw.indexedBatchAppendEventsPerSecond),
                log: fmt(log.batchAppendEventsPerSecond),
                ratio: ratio(log.batchAppendEventsPerSecond, raw.indexedBatchAppendEventsPerSecond),
                target: "reference (same work as the peers' indexed rows)"
            ),
            Row(
                figure: "  pipelined: \(o.inFlight) batches in flight (events/s)",
                raw: fmt(raw.batchAppendEventsPerSecond),
                log: o.inFlight > 0 ? fmt(log.pipelinedAppendEventsPerSecond) : "-",
                ratio: ratio(log.pipelinedAppendEventsPerSecond, raw.batchAppendEventsPerSecond),
                target: "raw cannot pipeline: one writer, one transaction at a time"
            ),
            Row(
                figure: "batched durable append, AppendBatch (bulk API) (events/s)",
                raw: fmt(raw.batchAppendEventsPerSecond),
                log: fmt(log.bulkAppendEventsPerSecond),
                ratio: ratio(log.bulkAppendEventsPerSecond, raw.batchAppendEventsPerSecond),
                target: "same targets: "
                    + verdict(
                        log.bulkAppendEventsPerSecond >= batchFloor && log.bulkAppendEventsPerSecond >= 5 * sqliteBatch
                    )
            ),
            Row(
                figure: "  AppendBatch, \(o.inFlight) batches in flight (events/s)",
                raw: fmt(raw.batchAppendEventsPerSecond),
                log: o.inFlight > 0 ? fmt(log.bulkPipelinedEventsPerSecond) : "-",
                ratio: ratio(log.bulkPipelinedEventsPerSecond, raw.batchAppendEventsPerSecond),
                target: "same targets: "
                    + verdict(
                        log.bulkPipelinedEventsPerSecond >= batchFloor
                            && log.bulkPipelinedEventsPerSecond >= 5 * sqliteBatch
                    )
            ),
            Row(
                figure: "  batched append per CPU-second, all threads (events/s)",
                raw: "-",
                log: fmt(log.batchAppendEventsPerCPUSecond),
                ratio: "-",
                target: "CPU cost: steadier than wall clock under load"
            ),
            Row(
                figure: "  batch commit / append p50 / p99 / max (ms)",
                raw: fmt(raw.batchCommitP50Millis, raw.batchCommitP99Millis, raw.batchCommitMaxMillis),
                log: fmt(log.batchP50Millis, log.batchP99Millis, log.batchMaxMillis),
                ratio: ratio(log.batchP50Millis, raw.batchCommitP50Millis),
                target: "raw: commit only; log: whole append call"
            ),
            Row(
                figure: "single-event durable commits (commits/s)",
                raw: fmt(raw.singleCommitsPerSecond),
                log: fmt(log.singleCommitsPerSecond),
                ratio: ratio(log.singleCommitsPerSecond, raw.singleCommitsPerSecond),
                target: "bounded by fdatasync"
            ),
            Row(
                figure: "  single commit p50 / p99 / max (µs)",
                raw: fmt(raw.singleCommitP50Micros, raw.singleCommitP99Micros, raw.singleCommitMaxMicros),
                log: fmt(log.singleP50Micros, log.singleP99Micros, log.singleMaxMicros),
                ratio: ratio(log.singleP50Micros, raw.singleCommitP50Micros),
                target: ""
            ),
            Row(
                figure: "\(o.appenders) concurrent appenders, 1 event each, durable (events/s)",
                raw: fmt(raw.concurrentEventsPerSecond),
                log: fmt(log.concurrentEventsPerSecond),
                ratio: ratio(log.concurrentEventsPerSecond, raw.concurrentEventsPerSecond),
                target: "≥ 10× single-commit rate: \(fmt(groupGain))× (raw: \(fmt(rawGain))×): "
                    + verdict(groupGain >= 10)
            ),
            Row(
                figure: "  concurrent append latency p50 / p99 (µs)",
                raw: "\(fmt(raw.concurrentP50Micros)) / \(fmt(raw.concurrentP99Micros))",
                log: "\(fmt(log.concurrentP50Micros)) / \(fmt(log.concurrentP99Micros))",
                ratio: ratio(log.concurrentP50Micros, raw.concurrentP50Micros),
                target: ""
            ),
            Row(
                figure: "  appends per group commit",
                raw: "1",
                log: fmt(log.concurrentAppendsPerCommit),
                ratio: "-",
                target: "16 appenders: at most 16"
            ),
            Row(
                figure: "full ordered read-back, AsyncSequence, warm (events/s)",
                raw: fmt(raw.scanEventsPerSecond),
                log: fmt(log.scanEventsPerSecond),
                ratio: ratio(log.scanEventsPerSecond, raw.scanEventsPerSecond),
                target: "≥ 5,000,000: " + verdict(log.scanEventsPerSecond >= 5_000_000)
            ),
            Row(
                figure: "  read-back per CPU-second (events/s)",
                raw: fmt(raw.scanEventsPerCPUSecond),
                log: fmt(log.scanEventsPerCPUSecond),
                ratio: ratio(log.scanEventsPerCPUSecond, raw.scanEventsPerCPUSecond),
                target: "steadier than wall clock under load"
            ),
            Row(
                figure: "full ordered read-back, borrowing scan, warm (events/s)",
                raw: fmt(raw.scanEventsPerSecond),
                log: fmt(log.borrowScanEventsPerSecond),
                ratio: ratio(log.borrowScanEventsPerSecond, raw.scanEventsPerSecond),
                target: "≥ 5,000,000: " + verdict(log.borrowScanEventsPerSecond >= 5_000_000)
            ),
            Row(
                figure: "  borrowing scan per CPU-second (events/s)",
                raw: fmt(raw.scanEventsPerCPUSecond),
                log: fmt(log.borrowScanEventsPerCPUSecond),
                ratio: ratio(log.borrowScanEventsPerCPUSecond, raw.scanEventsPerCPUSecond),
                target: "same work per record as raw (order check, payload copy)"
            ),
            Row(
                figure: "random point reads by position (reads/s)",
                raw: fmt(raw.pointReadsPerSecond),
                log: fmt(log.pointReadsPerSecond),
                ratio: ratio(log.pointReadsPerSecond, raw.pointReadsPerSecond),
                target: "≥ 500,000: " + verdict(log.pointReadsPerSecond >= 500_000)
            ),
            Row(
                figure: "  point reads per CPU-second (reads/s)",
                raw: fmt(raw.pointReadsPerCPUSecond),
                log: fmt(log.pointReadsPerCPUSecond),
                ratio: ratio(log.pointReadsPerCPUSecond, raw.pointReadsPerCPUSecond),
                target: ""
            ),
            Row(
                figure: "  raw with one read txn per get (reads/s)",
                raw: fmt(raw.pointReadsTxnPerReadPerSecond),
                log: fmt(log.pointReadsPerSecond),
                ratio: ratio(log.pointReadsPerSecond, raw.pointReadsTxnPerReadPerSecond),
                target: "what `event(at:)` does"
            ),
            Row(
                figure: "whole-stream reads via the index (streams/s)",
                raw: fmt(raw.streamReadsPerSecond),
                log: fmt(log.streamReadsPerSecond),
                ratio: ratio(log.streamReadsPerSecond, raw.streamReadsPerSecond),
                target: "reference (SQLite 21,093)"
            ),
            Row(
                figure: "  stream reads per CPU-second (streams/s)",
                raw: fmt(raw.streamReadsPerCPUSecond),
                log: fmt(log.streamReadsPerCPUSecond),
                ratio: ratio(log.streamReadsPerCPUSecond, raw.streamReadsPerCPUSecond),
                target: ""
            ),
            Row(
                figure: "  stream-read events (events/s)",
                raw: fmt(raw.streamReadEventsPerSecond),
                log: fmt(log.streamReadEventsPerSecond),
                ratio: ratio(log.streamReadEventsPerSecond, raw.streamReadEventsPerSecond),
                target: ""
            ),
            Row(
                figure: "data.mdb after the batched append (MB)",
                raw: fmt(raw.fileMB),
                log: fmt(log.fileMB),
                ratio: ratio(log.fileMB, raw.fileMB),
                target: "raw: payload only; log: envelope + hashes + indexes"
            ),
        ]
        if o.decodeOnly { rows.removeAll() }  // the LMDB phases did not run
        if log.decodePerSecond > 0 {
            rows.append(
                Row(
                    figure: "RecordCodec.decode, one core (records/s)",
                    raw: "-",
                    log: fmt(log.decodePerSecond),
                    ratio: "-",
                    target: "design §3: ≥ 2,000,000: " + verdict(log.decodePerSecond >= 2_000_000)
                )
            )
        }
        if log.domainDecodePerSecond > 0 {
            rows.append(
                Row(
                    figure: "domain payload decode, \(log.domainDecodeFixtures) fixture events (events/s)",
                    raw: "-",
                    log: fmt(log.domainDecodePerSecond),
                    ratio: "-",
                    target: "design §3: ≥ 2,000,000: " + verdict(log.domainDecodePerSecond >= 2_000_000)
                )
            )
            rows.append(
                Row(
                    figure: "  per CPU-second",
                    raw: "-",
                    log: fmt(log.domainDecodePerCPUSecond),
                    ratio: "-",
                    target: "steadier than wall-clock on a shared machine"
                )
            )
            rows.append(
                Row(
                    figure: "  same payloads via BinaryEventDecoder, per CPU-second",
                    raw: "-",
                    log: fmt(log.domainDecoderPathPerCPUSecond),
                    ratio: "-",
                    target: "the Decoder path, without the registry lookup"
                )
            )
        }
        print("")
        printTable(rows)
    }
}
