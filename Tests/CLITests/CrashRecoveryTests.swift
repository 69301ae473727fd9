import CRMEventLog
import CRMStorageLMDB
import CRMTestSupport
import Foundation
import Testing

@testable import crm

/// Kills a real `crm log stress` process with SIGKILL at random moments and checks, after each kill, that the
/// reopened log verifies, has no gap, and holds every append the process had acknowledged, event by event (every
/// third append of each of its tasks is an `AppendBatch` of up to 100 events over five streams).
@Suite struct CrashRecoveryTests {
    @Test func everyAcknowledgedAppendSurvivesKillNine() async throws {
        let dir = makeTempDir("crash")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let logDir = dir + "/log"
        var rng = SplitMix64(seed: 20_261_129)
        var totalAcked = 0
        var killedWithAcks = 0
        for round in 1...22 {
            let outFile = dir + "/out-\(round).txt"
            let child = try CLIRunner.start(
                [
                    "log", "stress", "--directory", logDir, "--seed", "\(round)", "--merge-threshold",
                    "\(50 + round * 7)",
                ],
                stdoutFile: outFile
            )
            // Let it run for a random 30–400 ms: sometimes during open/recovery, mostly mid-append or mid-merge.
            let delay = 30 + Int(rng.next() % 370)
            try await Task.sleep(for: .milliseconds(delay))
            kill(child.processIdentifier, SIGKILL)
            child.waitUntilExit()
            #expect(child.terminationReason == .uncaughtSignal, "round \(round): child exited on its own")

            let acks = try String(contentsOfFile: outFile, encoding: .utf8)
                .split(separator: "\n")
                .compactMap { line -> (UInt64, UInt64, UInt64)? in
                    let parts = line.split(separator: " ")
                    guard parts.count == 4, parts[0] == "ack", let a = UInt64(parts[1]), let b = UInt64(parts[2]),
                        let s = UInt64(parts[3])
                    else { return nil }
                    return (a, b, s)
                }
            totalAcked += acks.count
            if !acks.isEmpty { killedWithAcks += 1 }

            let log = try LMDBEventLog.open(directory: logDir, configuration: LMDBConfiguration(mapSize: 1 << 20))
            let verification = try await log.verifyChain()
            #expect(verification.isIntact, "round \(round): \(verification.problem ?? "")")
            let head = try log.head().position
            #expect(verification.checked == head)
            for (first, last, idSeed) in acks {
                #expect(last <= head, "round \(round): acknowledged position \(last) lost (head \(head))")
                // Every event of the acknowledged append, in order (one stream, or an AppendBatch over several).
                for i in 0...Int(last - first) {
                    let e = try log.event(at: first + UInt64(i))
                    #expect(
                        e?.id == stressID(idSeed, i),
                        "round \(round): event at \(first + UInt64(i)) is not acknowledged"
                    )
                }
            }
            var versions: [String: UInt64] = [:]
            var positions: [String: [UInt64]] = [:]
            for try await e in log.read(.all()) {
                let expected = versions[e.stream].map { $0 + 1 } ?? 0
                #expect(e.streamVersion == expected, "round \(round): \(e.stream) version gap at \(e.position)")
                versions[e.stream] = e.streamVersion
                positions[e.stream, default: []].append(e.position)
            }
            // The index (its sorted runs, merged and compacted while the process was killed) agrees with the log.
            for (stream, v) in versions {
                #expect(try log.streamVersion(stream) == v)
                let read = try await log.readAll(.stream(stream)).map(\.position)
                #expect(read == positions[stream], "round \(round): stream \(stream) reads back differently")
            }
            await log.close()
        }
        #expect(killedWithAcks >= 15, "too few rounds were killed mid-append: \(killedWithAcks)")
        #expect(totalAcked > 100)
    }
}
