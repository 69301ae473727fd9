import CRMEventLog
import CRMStorageLMDB
import Foundation
import Testing

/// Which implementation a conformance test runs against.
enum LogKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case inMemory, lmdb
    var testDescription: String { rawValue }
}

/// A fresh temporary directory, removed by `cleanup()`.
struct TempDir: Sendable {
    let path: String

    init() {
        path =
            FileManager.default.temporaryDirectory
            .appendingPathComponent("crm-eventlog-tests-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func cleanup() { try? FileManager.default.removeItem(atPath: path) }
}

/// Opens a log of `kind` in its own temporary directory and closes and removes it after `body`.
func withLog<R>(
    _ kind: LogKind,
    configuration: LMDBConfiguration = LMDBConfiguration(mapSize: 8 << 20, indexMergeThreshold: 7),
    clock: LogClock = .stepping(from: 1_767_225_600_000, by: 1000),
    _ body: (any EventLog, TempDir) async throws -> R
) async throws -> R {
    let dir = TempDir()
    defer { dir.cleanup() }
    let log: any EventLog
    switch kind {
    case .inMemory: log = InMemoryEventLog(clock: clock, maxEventSize: configuration.maxEventSize)
    case .lmdb: log = try LMDBEventLog.open(directory: dir.path, configuration: configuration, clock: clock)
    }
    do {
        let r = try await body(log, dir)
        await log.close()
        return r
    } catch {
        await log.close()
        throw error
    }
}

/// A deterministic UUID from a number.
func uuid(_ n: Int) -> UUID {
    UUID(uuidString: String(format: "00000000-0000-4000-8000-%012x", n))!
}

/// A test event with a small JSON payload.
func event(_ n: Int, type: String = "CustomerCreated", actor: String = "user:1", body: String? = nil) -> NewEvent {
    NewEvent(
        id: uuid(n),
        type: type,
        schemaVersion: 1,
        data: Array((body ?? #"{"n":\#(n)}"#).utf8),
        metadata: EventMetadata(actor: actor, tenant: "acme", correlationId: uuid(900_000 + n), causationId: nil)
    )
}

extension EventLogError {
    var isWrongVersion: Bool { code == .wrongExpectedVersion }
}

/// Expects `body` to throw an ``EventLogError`` with `code`.
func expectLogError(
    _ code: EventLogError.Code,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> Void
) async {
    do {
        try await body()
        Issue.record("expected \(code), nothing was thrown", sourceLocation: sourceLocation)
    } catch let e as EventLogError {
        #expect(e.code == code, "got \(e)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected EventLogError \(code), got \(error)", sourceLocation: sourceLocation)
    }
}
