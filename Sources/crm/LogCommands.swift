import ArgumentParser
import CRMEventLog
import CRMStorageLMDB
import CRMTestSupport
import Foundation
import Logging

/// `crm log …`: inspect and check an event log directory.
struct LogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Inspect, verify and stress an event log directory.",
        subcommands: [LogVerify.self, LogStats.self, LogTail.self, LogStress.self]
    )
}

struct DirectoryOption: ParsableArguments {
    @Option(name: .shortAndLong, help: "The event log directory.")
    var directory: String

    func open(configuration: LMDBConfiguration = LMDBConfiguration()) throws -> LMDBEventLog {
        var level = Logger(label: "crm")
        level.logLevel = .warning
        return try LMDBEventLog.open(directory: directory, configuration: configuration, logger: level)
    }
}

struct LogVerify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Walk the hash chain and name the first position where it breaks."
    )

    @OptionGroup var location: DirectoryOption

    func run() async throws {
        let log = try location.open()
        let result = try await log.verifyChain()
        await log.close()
        if let broken = result.firstBrokenPosition {
            throw CLIError("hash chain broken at position \(broken): \(result.problem ?? "")", exitCode: 3)
        }
        print("ok: \(result.checked) events, head \(result.head.position) \(result.head.hash)")
    }
}

struct LogStats: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stats", abstract: "Print head and index figures.")

    @OptionGroup var location: DirectoryOption

    func run() async throws {
        let log = try location.open()
        let stats = try log.statistics()
        await log.close()
        for (k, v) in stats.sorted(by: { $0.key < $1.key }) { print("\(k): \(v)") }
    }
}

struct LogTail: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tail", abstract: "Print the last events.")

    @OptionGroup var location: DirectoryOption

    @Option(help: "How many events.")
    var count: Int = 10

    func validate() throws {
        guard count > 0 else { throw ValidationError("--count must be positive, got \(count)") }
    }

    func run() async throws {
        let log = try location.open()
        let events = try await log.readAll(ReadQuery(direction: .backward, limit: count))
        await log.close()
        for e in events.reversed() {
            print("\(e.position)\t\(e.stream)@\(e.streamVersion)\t\(e.type)\t\(e.data.count) bytes")
        }
    }
}

/// The crash-test driver: appends batches in a loop and prints one `ack` line per acknowledged append, so a
/// test can kill it with SIGKILL at any moment and check that every acknowledged event survived.
struct LogStress: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stress",
        abstract: "Append batches in a loop, printing 'ack <first> <last> <idSeed>' per durable append (crash tests)."
    )

    @OptionGroup var location: DirectoryOption

    @Option(help: "Run seed; event ids are derived from it, so a checker can recompute them.")
    var seed: UInt64 = 1

    @Option(help: "Stop after this many appends (default: until killed).")
    var appends: Int = Int.max

    @Option(help: "Index merge threshold (small values exercise merges and recovery).")
    var mergeThreshold: Int = 300

    @Option(help: "Concurrent appenders.")
    var tasks: Int = 4

    @Option(help: "Every Nth append of a task is an AppendBatch of up to 100 events over several streams (0: never).")
    var bulkEvery: Int = 3

    func validate() throws {
        guard tasks > 0 && tasks <= 64 else { throw ValidationError("--tasks must be 1...64, got \(tasks)") }
        guard mergeThreshold > 0 else { throw ValidationError("--merge-threshold must be positive") }
        guard bulkEvery >= 0 else { throw ValidationError("--bulk-every must be 0 or more, got \(bulkEvery)") }
    }

    func run() async throws {
        let log = try location.open(
            configuration: LMDBConfiguration(mapSize: 1 << 20, indexMergeThreshold: mergeThreshold)
        )
        let seed = self.seed
        let tasks = self.tasks
        let bulkEvery = self.bulkEvery
        let perTask = appends == Int.max ? Int.max : max(1, appends / tasks)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for t in 0..<tasks {
                group.addTask {
                    var rng = SplitMix64(seed: seed &* 1_000_003 &+ UInt64(t))
                    var k = 0
                    while k < perTask {
                        k += 1
                        let bulk = bulkEvery > 0 && k % bulkEvery == 0
                        let n = Int(rng.next() % (bulk ? 100 : 8)) + 1
                        let idSeed = (seed << 32) | (UInt64(t) << 24) | UInt64(k)
                        let events = (0..<n).map { i in
                            NewEvent(
                                id: stressID(idSeed, i),
                                type: "StressAppended",
                                data: Array(#"{"task":\#(t),"k":\#(k),"i":\#(i)}"#.utf8)
                            )
                        }
                        let stream = rng.next() % 20
                        let positions: [UInt64]
                        if bulk {
                            // Events in order over up to 5 streams: positions follow the order they were added.
                            var batch = AppendBatch(minimumCapacity: n)
                            for (i, e) in events.enumerated() {
                                try batch.append(e, to: "stress-\((stream + UInt64(i % 5)) % 20)")
                            }
                            positions = try await log.append(batch).positions
                        } else {
                            positions = try await log.append(events, to: "stress-\(stream)", expected: .any).positions
                        }
                        // One unbuffered write per line: a line on stdout means the append was acknowledged.
                        FileHandle.standardOutput.write(
                            Data("ack \(positions.first!) \(positions.last!) \(idSeed)\n".utf8)
                        )
                    }
                }
            }
            try await group.waitForAll()
        }
        await log.close()
    }
}

/// The id of event `i` of the append with `idSeed` (shared with the crash test).
func stressID(_ idSeed: UInt64, _ i: Int) -> UUID {
    let s = String(format: "%016llx%016llx", idSeed, UInt64(i))
    let chars = Array(s)
    let formatted =
        String(chars[0..<8]) + "-" + String(chars[8..<12]) + "-" + String(chars[12..<16]) + "-"
        + String(chars[16..<20]) + "-" + String(chars[20..<32])
    return UUID(uuidString: formatted)!
}

/// A CLI failure with its exit code; printed as one line.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    let exitCode: Int32
    init(_ message: String, exitCode: Int32 = 1) {
        self.description = message
        self.exitCode = exitCode
    }
}
