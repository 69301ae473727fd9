import CLMDB
import CRMEventLog
import Foundation
import Synchronization

/// Computes a large append's hash chain on a second core while the writer thread copies its records into LMDB.
///
/// Each record's hash is SHA-256 over the previous hash and its canonical bytes, so the chain is sequential, and
/// at about 0.4 µs per 400-byte record it was a third of the writer's time per event. Everything else the chain
/// needs is known once the writer has planned the append: positions follow the head, versions come from the plan,
/// recordedAt is the group's. So the writer hands the hasher the caller-encoded records with their versions, and
/// the hasher hashes them from those bytes (``RecordCodec/hashPrepared(_:position:streamVersion:recordedAt:effectiveFromRecordedAt:prevHash:into:)``)
/// while the writer reserves, copies and patches them; the writer takes hash `i` when it reaches record `i`.
final class ChainHasher: @unchecked Sendable {
    // @unchecked: `job` and `output` are written by the writer thread before `go.signal()` and read by the hasher
    // after `go.wait()`; the hasher writes `output[i]` before it stores `done = i + 1` (releasing), and the writer
    // reads `output[i]` only after it loads `done > i` (acquiring). The writer starts a job only after it has taken
    // every hash of the previous one, so the two never touch the same job at once.

    struct Job: @unchecked Sendable {
        let records: PreparedRecords
        /// Record `i`'s stream version.
        let versions: UnsafeBufferPointer<UInt64>
        let firstPosition: UInt64
        let recordedAt: EpochMillis
        let prevHash: (UInt64, UInt64, UInt64, UInt64)
    }

    typealias Hash = (UInt64, UInt64, UInt64, UInt64)

    /// Appends with fewer records are hashed by the writer itself (a hand-off costs more than it saves).
    static let minimumRecords = 64

    private var job: Job?
    private var output: UnsafeMutablePointer<Hash>
    private var capacity: Int
    private let done = Atomic<Int>(0)
    private let go = DispatchSemaphore(value: 0)
    private let stopped = DispatchSemaphore(value: 0)
    private var stopping = false
    /// The thread starts with the first job, so a log that never appends a large batch has none.
    private var started = false

    init() {
        capacity = 1024
        output = .allocate(capacity: capacity)
    }

    deinit { output.deallocate() }

    /// Starts hashing `job` (writer thread; the previous job is finished).
    private func start(_ job: Job) {
        let n = job.records.count
        if n > capacity {
            output.deallocate()
            capacity = Swift.max(n, capacity * 2)
            output = .allocate(capacity: capacity)
        }
        if !started {
            started = true
            let thread = Thread { [unowned self] in self.run() }
            thread.name = "crm-eventlog-hasher"
            thread.start()
        }
        self.job = job
        done.store(0, ordering: .releasing)
        go.signal()
    }

    /// The hash of the current job's record `i`, waiting for it (writer thread).
    @inline(__always)
    func hash(_ i: Int) -> Hash {
        var spins = 0
        while done.load(ordering: .acquiring) <= i {
            spins += 1
            if spins < 4096 { crm_cpu_relax() } else { sched_yield() }
        }
        return output[i]
    }

    /// Runs `body` while the hasher hashes `job`; returns only once the hasher is done with it, also when `body`
    /// throws (writer thread).
    func hashing<R>(_ job: Job, _ body: () throws -> R) rethrows -> R {
        start(job)
        defer {
            _ = hash(job.records.count - 1)
            self.job = nil
        }
        return try body()
    }

    /// Stops the thread once it is idle (the log is closing and its writer thread has ended).
    func stop() {
        guard started else { return }
        stopping = true
        go.signal()
        stopped.wait()
    }

    private func run() {
        while true {
            go.wait()
            if stopping { break }
            guard let job else { continue }
            var prev = job.prevHash
            let records = job.records
            records.bytes.withUnsafeBytes { source in
                for i in 0..<records.count {
                    let start = records.offsets[i]
                    withUnsafeBytes(of: prev) { p in
                        RecordCodec.hashPrepared(
                            UnsafeRawBufferPointer(rebasing: source[start..<records.offsets[i + 1]]),
                            position: job.firstPosition + UInt64(i),
                            streamVersion: job.versions[i],
                            recordedAt: job.recordedAt,
                            effectiveFromRecordedAt: records.effectiveFromRecordedAt[i],
                            prevHash: p,
                            into: output + i
                        )
                    }
                    prev = output[i]
                    done.store(i + 1, ordering: .releasing)
                }
            }
        }
        stopped.signal()
    }
}
