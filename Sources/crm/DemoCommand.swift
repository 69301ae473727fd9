import ArgumentParser
import CRMEngine
import CRMTestSupport
import Foundation
import Logging

/// `crm demo`: generates a realistic CRM history into an embedded LMDB directory and prints read models.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Generate a realistic CRM history into an LMDB directory and print what happened."
    )

    @Option(name: .shortAndLong, help: "The LMDB directory to create (replaced if it exists).")
    var directory: String = "demo-data"

    @Option(help: "Generator seed: the same seed gives the same log.")
    var seed: UInt64 = 2026

    @Option(help: "About how many leads the company captures over the history.")
    var size: Int = 1500

    @Option(help: "Days of activity.")
    var days: Int = 730

    func validate() throws {
        guard size >= 10 && size <= 1_000_000 else { throw ValidationError("--size must be 10...1000000, got \(size)") }
        guard days >= 30 && days <= 3650 else { throw ValidationError("--days must be 30...3650, got \(days)") }
        guard !directory.isEmpty else { throw ValidationError("--directory must not be empty") }
    }

    func run() async throws {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isDir) {
            let empty = (try? FileManager.default.contentsOfDirectory(atPath: directory))?.isEmpty ?? false
            guard isDir.boolValue, FileManager.default.fileExists(atPath: directory + "/data.mdb") || empty else {
                throw CLIError("--directory '\(directory)' exists and is not a demo log directory; choose another path")
            }
            try FileManager.default.removeItem(atPath: directory)
        }
        let generator = HistoryGenerator(seed: seed, size: size, days: days)
        let clock = SimulationClock(start: Timestamp(generator.start))
        var logger = Logger(label: "crm.demo")
        logger.logLevel = .warning
        let engine = try await Engine.open(
            directory: directory,
            // A bulk load: commits are not synced one by one; closing the log syncs everything once.
            storage: LMDBConfiguration(mapSize: 64 << 20, durable: false),
            configuration: EngineConfiguration(
                clock: clock.logClock,
                ids: .incrementing(from: 1),
                tenant: "demo",
                logger: logger
            )
        )
        let started = ContinuousClock.now
        var runner = EngineRunner(engine: engine, clock: clock)
        let report = try await generator.run(on: &runner)
        let elapsed = ContinuousClock.now - started
        print(
            "Generated \(days) days of CRM activity (seed \(seed), size \(size)) into \(directory)/ in \(elapsed.formatted(.units(allowed: [.seconds], fractionalPart: .show(length: 1))))"
        )
        print("")
        let lines = try await DemoReport.lines(engine: engine, report: report, asOf: clock.now)
        for line in lines { print(line) }
        await engine.close()
        print("")
        print(
            "Inspect it further: crm log verify -d \(directory) · crm log tail -d \(directory) · crm log stats -d \(directory)"
        )
    }
}
