// EventLogBenchmarks: ordo-one/benchmark suite for the LMDB event log, on the peers' workload
// (peers/common/workload.h, via `_BenchWorkload`).
//
// CI gates only on `.mallocCountTotal` (time on this shared VM is too noisy for thresholds, swift-style §1.3).
// Wall clock and throughput are added when the package is built with LOCAL_TESTING set:
//
//   swift package benchmark                                  # allocation counts
//   LOCAL_TESTING=1 swift package benchmark                  # + wall clock and throughput
//   swift package --allow-writing-to-package-directory benchmark thresholds update
//   swift package benchmark thresholds check

import Benchmark
import CRMEngine
import Foundation
import Logging

#if LOCAL_TESTING
    let suiteMetrics: [BenchmarkMetric] = [.mallocCountTotal, .wallClock, .throughput]
#else
    let suiteMetrics: [BenchmarkMetric] = [.mallocCountTotal]
#endif

/// Events preloaded into the logs that the read benchmarks use.
let preloadedEvents = 100_000

/// A merge threshold above everything an append benchmark appends (200 iterations of 1,000 events at most).
let noMergeThreshold = 1_000_000

/// Deterministic event ids: two splitmix64 words of `n`.
func benchEventID(_ n: UInt64) -> UUID {
    var s = n ^ 0xC0FF_EE00_D15E_A5E5
    let a = _BenchWorkload.splitmix64(&s)
    let b = _BenchWorkload.splitmix64(&s)
    return withUnsafeBytes(of: (a, b)) { r in
        UUID(
            uuid: (r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13], r[14], r[15])
        )
    }
}

/// A log in a fresh temporary directory, with the workload generator that fills it.
///
/// The allocation counts must not depend on when the background merge runs, since the merge thread's allocations
/// count too: a preloaded log is merged completely before the measurements (`flushIndex`), and the append
/// benchmarks use a merge threshold above all they append, so that no merge runs while they measure.
final class LogFixture {
    let directory: String
    let log: LMDBEventLog
    var generator: _BenchWorkload
    let names: [String]
    var nextId: UInt64 = 0

    init(
        durable: Bool,
        preload: Int,
        streamsFor events: Int = preloadedEvents,
        mergeThreshold: Int? = nil
    ) async throws {
        directory = FileManager.default.temporaryDirectory.path + "/crm-eventlog-bench-\(UUID().uuidString)"
        var logger = Logger(label: "EventLogBenchmarks")
        logger.logLevel = .warning
        var configuration = LMDBConfiguration(mapSize: 1 << 30, durable: durable)
        if let mergeThreshold { configuration.indexMergeThreshold = mergeThreshold }
        log = try LMDBEventLog.open(
            directory: directory,
            configuration: configuration,
            clock: .fixed(1_780_000_000_000),
            logger: logger
        )
        generator = _BenchWorkload(events: events)
        names = (0..<generator.streams).map(_BenchWorkload.streamName)
        var left = preload
        while left > 0 {
            let n = min(1_000, left)
            _ = try await log.append(nextBatch(n))
            left -= n
        }
        await log.flushIndex()
    }

    /// The next `count` workload events as one multi-stream append (one entry per stream, events in order).
    func nextBatch(_ count: Int) -> [StreamAppend] {
        var entries: [StreamAppend] = []
        var slot: [UInt32: Int] = [:]
        for _ in 0..<count {
            let (e, payload) = generator.next()
            nextId += 1
            let event = NewEvent(id: benchEventID(nextId), type: e.typeName, schemaVersion: 1, data: payload)
            if let i = slot[e.stream] {
                entries[i].events.append(event)
            } else {
                slot[e.stream] = entries.count
                entries.append(StreamAppend(stream: names[Int(e.stream)], expected: .any, events: [event]))
            }
        }
        return entries
    }

    /// The next `count` workload events as one ``AppendBatch``, in workload order, payloads written in place.
    func nextAppendBatch(_ count: Int) throws -> AppendBatch {
        var batch = AppendBatch(minimumCapacity: count)
        for _ in 0..<count {
            let e = generator.nextEvent()
            nextId += 1
            try batch.append(
                id: benchEventID(nextId),
                type: e.typeName,
                to: names[Int(e.stream)],
                payloadSize: _BenchWorkload.payloadSize
            ) { _BenchWorkload.writePayload(of: e, into: $0) }
        }
        return batch
    }

    func tearDown() async {
        await log.close()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// Holds a benchmark's fixture between its setup, its iterations and its teardown.
final class FixtureBox {
    var fixture: LogFixture?
    func get() -> LogFixture {
        guard let fixture else { fatalError("benchmark fixture used before its setup ran") }
        return fixture
    }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: suiteMetrics,
        warmupIterations: 1,
        maxDuration: .seconds(2),
        maxIterations: 1_000
    )

    // One 1,000-event multi-stream durable append per iteration (about 990 streams, as in the workload). The
    // allocation count varies with the batch's stream mix and the in-memory index's growth (no merge runs: see
    // `LogFixture`), so its threshold allows 15 % at p90.
    let appendBox = FixtureBox()
    Benchmark(
        "EventLog.append.batch=1000",
        configuration: .init(
            metrics: suiteMetrics,
            maxDuration: .seconds(2),
            maxIterations: 200,
            thresholds: [.mallocCountTotal: .init(relative: [.p90: 15.0])]
        )
    ) { benchmark in
        let f = appendBox.get()
        let batch = f.nextBatch(1_000)
        benchmark.startMeasurement()
        do {
            blackHole(try await f.log.append(batch))
        } catch {
            benchmark.error("append failed: \(error)")
        }
        benchmark.stopMeasurement()
    } setup: {
        appendBox.fixture = try await LogFixture(
            durable: true,
            preload: 0,
            streamsFor: 1_000_000,
            mergeThreshold: noMergeThreshold
        )
    } teardown: {
        await appendBox.fixture?.tearDown()
        appendBox.fixture = nil
    }

    // One single-event append per iteration, what a command handler does most: the event is built before the
    // measurement; the count is the append's own allocations (caller, writer, fold), without the sync.
    let singleBox = FixtureBox()
    Benchmark(
        "EventLog.append.singleEvent",
        configuration: .init(
            metrics: suiteMetrics,
            scalingFactor: .kilo,
            maxDuration: .seconds(2),
            maxIterations: 20,
            thresholds: [.mallocCountTotal: .init(relative: [.p90: 5.0])]
        )
    ) { benchmark in
        let f = singleBox.get()
        var events: [(String, NewEvent)] = []
        for _ in benchmark.scaledIterations {
            let (e, payload) = f.generator.next()
            f.nextId += 1
            events.append(
                (
                    f.names[Int(e.stream)],
                    NewEvent(id: benchEventID(f.nextId), type: e.typeName, schemaVersion: 1, data: payload)
                )
            )
        }
        benchmark.startMeasurement()
        do {
            for (stream, event) in events { blackHole(try await f.log.append([event], to: stream, expected: .any)) }
        } catch {
            benchmark.error("append failed: \(error)")
        }
        benchmark.stopMeasurement()
    } setup: {
        singleBox.fixture = try await LogFixture(durable: false, preload: 0, mergeThreshold: noMergeThreshold)
    } teardown: {
        await singleBox.fixture?.tearDown()
        singleBox.fixture = nil
    }

    // The same workload as one 1,000-event AppendBatch per iteration (built before the measurement, as above).
    let bulkBox = FixtureBox()
    Benchmark(
        "EventLog.append.AppendBatch=1000",
        configuration: .init(
            metrics: suiteMetrics,
            maxDuration: .seconds(2),
            maxIterations: 200,
            thresholds: [.mallocCountTotal: .init(relative: [.p90: 15.0])]
        )
    ) { benchmark in
        let f = bulkBox.get()
        do {
            let batch = try f.nextAppendBatch(1_000)
            benchmark.startMeasurement()
            blackHole(try await f.log.append(batch))
            benchmark.stopMeasurement()
        } catch {
            benchmark.error("append failed: \(error)")
        }
    } setup: {
        bulkBox.fixture = try await LogFixture(
            durable: true,
            preload: 0,
            streamsFor: 1_000_000,
            mergeThreshold: noMergeThreshold
        )
    } teardown: {
        await bulkBox.fixture?.tearDown()
        bulkBox.fixture = nil
    }

    // Forward read of 1,000 events from a random position, through the AsyncSequence.
    let readBox = FixtureBox()
    Benchmark(
        "EventLog.read.forward.limit=1000",
        configuration: .init(
            metrics: suiteMetrics,
            scalingFactor: .kilo,
            thresholds: [.mallocCountTotal: .init(relative: [.p90: 1.0])]
        )
    ) { benchmark in
        let f = readBox.get()
        var rng = UInt64(benchmark.currentIteration)
        let from = 1 + _BenchWorkload.splitmix64(&rng) % UInt64(preloadedEvents - 1_000)
        benchmark.startMeasurement()
        do {
            var n = 0
            for try await e in f.log.read(.all(from: from, limit: 1_000)) {
                blackHole(e)
                n += 1
            }
            blackHole(n)
        } catch {
            benchmark.error("read failed: \(error)")
        }
        benchmark.stopMeasurement()
    } setup: {
        readBox.fixture = try await LogFixture(durable: false, preload: preloadedEvents)
    } teardown: {
        await readBox.fixture?.tearDown()
        readBox.fixture = nil
    }

    // 1,000 random point reads by position per iteration.
    let pointBox = FixtureBox()
    Benchmark(
        "EventLog.pointRead",
        configuration: .init(metrics: suiteMetrics, scalingFactor: .kilo)
    ) { benchmark in
        let f = pointBox.get()
        var rng = UInt64(benchmark.currentIteration) &+ 12345
        benchmark.startMeasurement()
        do {
            for _ in benchmark.scaledIterations {
                let pos = 1 + _BenchWorkload.splitmix64(&rng) % UInt64(preloadedEvents)
                blackHole(try f.log.event(at: pos))
            }
        } catch {
            benchmark.error("point read failed: \(error)")
        }
        benchmark.stopMeasurement()
    } setup: {
        pointBox.fixture = try await LogFixture(durable: false, preload: preloadedEvents)
    } teardown: {
        await pointBox.fixture?.tearDown()
        pointBox.fixture = nil
    }

    // 1,000 whole streams per iteration through the stream index, always the same ones (`contact-00000000`
    // to `contact-00000999`, about 20 events each) so that the allocation count repeats from run to run.
    let streamBox = FixtureBox()
    Benchmark(
        "EventLog.streamRead",
        configuration: .init(
            metrics: suiteMetrics,
            scalingFactor: .kilo,
            thresholds: [.mallocCountTotal: .init(relative: [.p90: 1.0])]
        )
    ) { benchmark in
        let f = streamBox.get()
        benchmark.startMeasurement()
        do {
            for i in benchmark.scaledIterations {
                blackHole(try await f.log.readAll(.stream(f.names[i % f.names.count])))
            }
        } catch {
            benchmark.error("stream read failed: \(error)")
        }
        benchmark.stopMeasurement()
    } setup: {
        streamBox.fixture = try await LogFixture(durable: false, preload: preloadedEvents)
    } teardown: {
        await streamBox.fixture?.tearDown()
        streamBox.fixture = nil
    }

    // RecordCodec.decode of stored records (envelope + 256-byte payload + hashes), 1,000 per iteration.
    Benchmark(
        "RecordCodec.decode",
        configuration: .init(metrics: suiteMetrics, scalingFactor: .kilo)
    ) { benchmark, records in
        records.withBlob { raw in
            var i = 0
            for _ in benchmark.scaledIterations {
                let r = records.ranges[i]
                i = (i + 1) % records.ranges.count
                blackHole(try? RecordCodec.decode(UnsafeRawBufferPointer(rebasing: raw[r])))
            }
        }
    } setup: {
        EncodedRecords(count: 1_000)
    }
}

/// `count` workload events encoded as the log stores them.
struct EncodedRecords {
    var blob: [UInt8] = []
    var ranges: [Range<Int>] = []

    init(count: Int) {
        var gen = _BenchWorkload(events: count * 20)
        var prev = ChainHash.zero
        for _ in 0..<count {
            let (e, payload) = gen.next()
            let start = blob.count
            let id = benchEventID(e.position)
            prev = RecordCodec.encodeRecord(
                position: e.position,
                streamVersion: UInt64(e.version),
                stream: _BenchWorkload.streamName(e.stream),
                event: NewEvent(id: id, type: e.typeName, schemaVersion: 1, data: payload),
                recordedAt: 1_780_000_000_000,
                prevHash: prev,
                into: &blob
            )
            ranges.append(start..<blob.count)
        }
    }

    func withBlob<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try blob.withUnsafeBytes(body)
    }
}
