import CRMEngine
import Foundation
import Testing

private let t0: Int64 = 1_767_225_600_000  // 2026-01-01T00:00:00Z
private let admin = ActorRef.system(job: "setup")

private func engine(_ log: any EventLog, firstID: UInt64 = 1) async throws -> Engine {
    try await Engine(
        log: log,
        configuration: EngineConfiguration(
            clock: .stepping(from: t0, by: 1000),
            ids: .incrementing(from: firstID),
            tenant: "acme"
        )
    )
}

/// Wraps a log and slips a conflicting append into a stream right before the engine's first append.
private final class ConflictInjectingLog: EventLog, @unchecked Sendable {
    let inner: InMemoryEventLog
    var injected = false
    let stream: String
    init(inner: InMemoryEventLog, stream: String) {
        self.inner = inner
        self.stream = stream
    }
    func append(_ events: [NewEvent], to stream: String, expected: ExpectedVersion) async throws(EventLogError)
        -> AppendResult
    {
        try await inner.append(events, to: stream, expected: expected)
    }
    func append(_ batch: [StreamAppend]) async throws(EventLogError) -> [AppendResult] {
        if !injected {
            injected = true
            let dept = DepartmentDefined(
                deptId: ID(1),
                parentDeptId: nil,
                name: "Renamed by someone else",
                managerUserId: nil
            )
            let data = try! EventCatalog.registry.encodeBinary(dept)
            _ = try await inner.append(
                [NewEvent(id: UUID(), type: "DepartmentDefined", schemaVersion: 1, data: data)],
                to: stream,
                expected: .any
            )
        }
        return try await inner.append(batch)
    }
    func append(_ batch: AppendBatch) async throws(EventLogError) -> BatchAppendResult {
        try await inner.append(batch)
    }
    func read(_ query: ReadQuery) -> EventSequence { inner.read(query) }
    func subscribe(from position: UInt64, filter: ReadFilter) -> EventSubscription {
        inner.subscribe(from: position, filter: filter)
    }
    func waitFor(position: UInt64) async throws(EventLogError) { try await inner.waitFor(position: position) }
    func head() throws(EventLogError) -> LogHead { try inner.head() }
    func streamVersion(_ stream: String) throws(EventLogError) -> UInt64? { try inner.streamVersion(stream) }
    func event(at position: UInt64) throws(EventLogError) -> RecordedEvent? { try inner.event(at: position) }
    func verifyChain() async throws(EventLogError) -> ChainVerification { try await inner.verifyChain() }
    func scan(
        from position: UInt64,
        through last: UInt64?,
        filter: ReadFilter,
        _ body: (RecordView) throws -> Bool
    ) throws -> ScanSummary {
        try inner.scan(from: position, through: last, filter: filter, body)
    }
    func close() async { await inner.close() }
}

@Suite struct EngineTests {
    @Test func acceptedCommandsAppendTypedEventsWithEnvelope() async throws {
        let log = InMemoryEventLog(clock: .stepping(from: t0, by: 1000))
        let engine = try await engine(log)
        let r = try await engine.handle(DefineDepartment(deptId: ID(1), name: "Sales"), as: admin)
        #expect(r.events.map(\.eventType) == ["DepartmentDefined"])
        #expect(r.events.map(\.position) == [1])
        let stored = try #require(try log.event(at: 1))
        #expect(stored.stream == "department-\(ID(1))")
        #expect(stored.actor == "system:setup")
        #expect(stored.tenant == "acme")
        #expect(stored.type == "DepartmentDefined")
        let decoded = try engine.decode(stored) as? DepartmentDefined
        #expect(decoded == DepartmentDefined(deptId: ID(1), parentDeptId: nil, name: "Sales", managerUserId: nil))
        _ = try await engine.handle(
            OnboardUser(userId: ID(7), name: "Ada", departmentId: ID(1), roleIds: []),
            as: admin
        )
        #expect(await engine.organisation.users[ID(7)]?.name == "Ada")
    }

    @Test func rejectedCommandsAppendNothing() async throws {
        let log = InMemoryEventLog(clock: .fixed(t0))
        let engine = try await engine(log)
        do {
            try await engine.handle(
                OnboardUser(userId: ID(7), name: "Ada", departmentId: ID(99), roleIds: []),
                as: admin
            )
            Issue.record("expected a rejection")
        } catch {
            #expect(error.rejection?.rule == "ACC-01.departmentExists")
        }
        #expect(try log.head().position == 0)
    }

    @Test func theIndexIsRebuiltWhenAnEngineOpensAnExistingLog() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("crm-engine-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let config = EngineConfiguration(clock: .stepping(from: t0, by: 1), ids: .incrementing(from: 1))
        let first = try await Engine.open(directory: dir, configuration: config)
        try await first.handle(
            DefineRole(roleId: ID(3), name: "Rep", objectPermissions: [], dataScope: .self),
            as: admin
        )
        await first.close()
        let second = try await Engine.open(
            directory: dir,
            configuration: EngineConfiguration(clock: .stepping(from: t0, by: 1), ids: .incrementing(from: 100))
        )
        do {
            try await second.handle(
                DefineRole(roleId: ID(4), name: "rep", objectPermissions: [], dataScope: .self),
                as: admin
            )
            Issue.record("expected the unique role name to be remembered")
        } catch {
            #expect(error.rejection?.rule == "ACC-04.nameUnique")
        }
        #expect(await second.organisation.roles[ID(3)]?.name == "Rep")
        await second.close()
    }

    @Test func aConcurrentChangeToAStreamTheDecisionReadMakesItDecideAgain() async throws {
        let inner = InMemoryEventLog(clock: .fixed(t0))
        let deptStream = "department-\(ID(1))"
        let seed = try await engine(inner)
        try await seed.handle(DefineDepartment(deptId: ID(1), name: "HQ"), as: admin)
        let log = ConflictInjectingLog(inner: inner, stream: deptStream)
        let engine = try await engine(log, firstID: 1000)
        // Renaming department 1 loads its stream; the injected append moves it, so the first append conflicts
        // and the command is decided again on the new state.
        let r = try await engine.handle(RenameDepartment(id: ID(1), name: "Head office"), as: admin)
        #expect(r.retries == 1)
        #expect(r.events.map(\.eventType) == ["DepartmentDefined"])
        #expect(try inner.head().position == 3)
        let renamed = try #require(try inner.event(at: 3))
        #expect(renamed.streamVersion == 2)
    }
}

extension ConflictInjectingLog: EventPageSource {
    func page(_ query: ReadQuery, from: UInt64?, max: Int) throws(EventLogError) -> EventPage {
        try inner.page(query, from: from, max: max)
    }
    func headPosition() throws(EventLogError) -> UInt64 { try inner.headPosition() }
}

/// A department's name, folded from its stream (test aggregate).
private struct DepartmentState: Aggregate {
    static let category = "department"
    var name = ""
    var revisions = 0
    init() {}
    mutating func apply(_ event: any DomainEvent) {
        if let e = event as? DepartmentDefined {
            name = e.name
            revisions += 1
        }
    }
}

/// Loads the department's stream, so the engine guards the append with the version it read.
private struct RenameDepartment: Command {
    let id: ID
    let name: String
    func decide(_ d: inout Decision) throws(Rejection) {
        guard let state = d.load(DepartmentState.self, id) else { throw .notFound("T.exists", "department", id: id) }
        try Rejection.ensure(state.name != name, "T.changes", "same name")
        d.emit(
            DepartmentDefined(deptId: id, parentDeptId: nil, name: name, managerUserId: nil),
            to: .of(DepartmentState.self, id)
        )
    }
}
