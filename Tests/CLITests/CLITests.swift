import CRMEventLog
import CRMStorageLMDB
import Foundation
import Testing

/// The real `crm` binary: good paths, bad input (one line naming the problem, non-zero exit) and tampering.
@Suite struct CLITests {
    @Test func badArgumentsPrintOneLineAndExitNonZero() throws {
        for args in [
            ["log", "tail", "-d", "/tmp/x", "--count", "0"], ["demo", "--size", "3"], ["log", "verify"], ["nope"],
            ["log", "stress", "-d", "/tmp/x", "--bulk-every", "-1"], ["log", "stress", "-d", "/tmp/x", "--tasks", "0"],
        ] {
            let out = try CLIRunner.run(args)
            #expect(out.status != 0, "\(args) exited 0")
            let lines = out.stderr.split(separator: "\n")
            #expect(lines.count == 1, "\(args): \(out.stderr)")
            #expect(out.stderr.hasPrefix("crm: error: "), "\(args): \(out.stderr)")
        }
        let tail = try CLIRunner.run(["log", "tail", "-d", "/tmp/x", "--count", "0"])
        #expect(tail.stderr.contains("--count"))
        let stress = try CLIRunner.run(["log", "stress", "-d", "/tmp/x", "--bulk-every", "-1"])
        #expect(stress.stderr.contains("--bulk-every"))
    }

    @Test func aFileThatIsNotALogIsRefusedByName() throws {
        let dir = makeTempDir("cli")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = dir + "/notes.txt"
        try Data("not a log".utf8).write(to: URL(fileURLWithPath: file))
        let out = try CLIRunner.run(["log", "verify", "-d", file])
        #expect(out.status == 2)
        #expect(out.stderr.contains("notAnEventLog"))
        #expect(out.stderr.contains(file))
        #expect(out.stderr.split(separator: "\n").count == 1)
    }

    @Test func verifyReportsTheHeadAndNamesTheFirstTamperedPosition() async throws {
        let dir = makeTempDir("cli")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let log = try LMDBEventLog.open(
            directory: dir,
            configuration: LMDBConfiguration(mapSize: 1 << 20),
            clock: .fixed(1)
        )
        for i in 1...30 {
            let marker = i == 17 ? "TAMPER-ME-0017" : String(format: "payload-%04d-xx", i)
            _ = try await log.append(
                [NewEvent(id: UUID(), type: "NoteAdded", data: Array(#"{"body":"\#(marker)"}"#.utf8))],
                to: "activity-\(i % 4)",
                expected: .any
            )
        }
        await log.close()
        let ok = try CLIRunner.run(["log", "verify", "-d", dir])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stdout.hasPrefix("ok: 30 events, head 30 "))

        // Change one byte of event 17's payload inside the LMDB file, as someone with disk access would. LMDB is
        // copy-on-write, so stale copies of the page may also hold the bytes: change every copy.
        let path = dir + "/data.mdb"
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let marker = Data("TAMPER-ME-0017".utf8)
        var copies = 0
        while let range = bytes.range(of: marker) {
            bytes[range.lowerBound] = UInt8(ascii: "X")
            copies += 1
        }
        #expect(copies >= 1)
        try bytes.write(to: URL(fileURLWithPath: path))

        let broken = try CLIRunner.run(["log", "verify", "-d", dir])
        #expect(broken.status == 3)
        #expect(broken.stderr.contains("position 17"), "\(broken.stderr)")
        #expect(broken.stderr.split(separator: "\n").count == 1)
    }

    @Test func theDemoGeneratesAVerifiableLogAndPrintsReadModels() throws {
        let dir = makeTempDir("demo")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let out = try CLIRunner.run(["demo", "--directory", dir + "/data", "--size", "120", "--days", "60"])
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.stdout.contains("hash chain: intact"))
        #expect(out.stdout.contains("== Events by type"))
        #expect(out.stdout.contains("== Funnel"))
        #expect(out.stdout.contains("LeadCaptured"))
        let verify = try CLIRunner.run(["log", "verify", "-d", dir + "/data"])
        #expect(verify.status == 0, "\(verify.stderr)")
        // Same seed, same log: a second run prints the same head hash.
        let again = try CLIRunner.run(["demo", "--directory", dir + "/data", "--size", "120", "--days", "60"])
        let head = { (s: String) in s.split(separator: "\n").first { $0.hasPrefix("events:") } }
        #expect(head(out.stdout) == head(again.stdout))
    }
}

@Suite struct SchemaFilesTests {
    @Test func theCommittedSchemasMatchTheCatalogue() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let out = try CLIRunner.run(["schemas", "--check", "-o", root.appendingPathComponent("Schemas").path])
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.stdout.hasPrefix("ok: "))
    }

    @Test func aDriftedSchemaIsNamed() throws {
        let dir = makeTempDir("schemas")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(try CLIRunner.run(["schemas", "-o", dir]).status == 0)
        try Data("{}".utf8).write(to: URL(fileURLWithPath: dir + "/LeadCaptured.v1.schema.json"))
        let out = try CLIRunner.run(["schemas", "--check", "-o", dir])
        #expect(out.status == 1)
        #expect(out.stderr.contains("LeadCaptured.v1.schema.json differs"))
    }
}
