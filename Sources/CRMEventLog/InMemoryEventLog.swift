import Crypto
import Foundation
import Synchronization

/// The reference implementation of ``EventLog``, held in memory behind a mutex. It passes the same conformance
/// suite as `LMDBEventLog` and is meant for domain and projection tests.
///
/// ```swift
/// let log = InMemoryEventLog(clock: .fixed(1_767_225_600_000))
/// ```
public final class InMemoryEventLog: EventLog, EventPageSource {
    struct State {
        var events: [RecordedEvent] = []
        /// The stored bytes of each event (what ``RecordView`` borrows), parallel to `events`.
        var records: [[UInt8]] = []
        var streams: [String: [UInt64]] = [:]
        var ids: [UUID: UInt64] = [:]
        var closed = false

        /// Stores a complete record at the next position and returns that position.
        mutating func store(_ record: [UInt8]) throws(EventLogError) -> UInt64 {
            let rec = try RecordCodec.decode(bytes: record)
            events.append(rec)
            records.append(record)
            streams[rec.stream, default: []].append(rec.position)
            ids[rec.id] = rec.position
            return rec.position
        }
    }

    private let state = Mutex(State())
    private let waiters = PositionWaiters(head: 0)
    private let clock: LogClock
    /// Largest payload accepted, in bytes.
    public let maxEventSize: Int

    public init(clock: LogClock = .system, maxEventSize: Int = 1 << 20) {
        self.clock = clock
        self.maxEventSize = maxEventSize
    }

    private struct View: AppendStateView {
        let state: State
        func currentVersion(of stream: String, hash: UInt64 = 0) -> UInt64? {
            guard let c = state.streams[stream]?.count, c > 0 else { return nil }
            return UInt64(c - 1)
        }
        func storedPosition(of id: UUID) -> UInt64? { state.ids[id] }
        func storedEvent(at position: UInt64) -> RecordedEvent? {
            position >= 1 && position <= UInt64(state.events.count) ? state.events[Int(position - 1)] : nil
        }
    }

    public func append(_ events: [NewEvent], to stream: String, expected: ExpectedVersion) async throws(EventLogError)
        -> AppendResult
    {
        try await append([StreamAppend(stream: stream, expected: expected, events: events)])[0]
    }

    public func append(_ batch: [StreamAppend]) async throws(EventLogError) -> [AppendResult] {
        let validated = try AppendPlanner.validate(batch, maxEventSize: maxEventSize)
        let now = clock.now()
        let (results, head): ([AppendResult], UInt64?) = try state.withLock {
            (s) throws(EventLogError) in
            if s.closed { throw .closed() }
            let plan = try AppendPlanner.plan(batch, validated, view: View(state: s))
            switch plan {
            case .replay(let r): return (r, nil)
            case .write(let planned):
                var results: [AppendResult] = []
                for p in planned {
                    var positions: [UInt64] = []
                    for (i, e) in batch[p.entry].events.enumerated() {
                        let pos = UInt64(s.events.count + 1)
                        let prev = s.events.last?.hash ?? .zero
                        var buffer: [UInt8] = []
                        buffer.reserveCapacity(128 + e.data.count)
                        RecordCodec.encodeRecord(
                            position: pos,
                            streamVersion: p.firstVersion + UInt64(i),
                            stream: p.stream,
                            event: e,
                            recordedAt: now,
                            prevHash: prev,
                            into: &buffer
                        )
                        positions.append(try s.store(buffer))
                    }
                    let version: UInt64? =
                        p.count == 0 ? p.versionBefore : p.firstVersion + UInt64(p.count - 1)
                    results.append(
                        AppendResult(
                            stream: p.stream,
                            positions: positions,
                            streamVersion: version,
                            idempotentReplay: false
                        )
                    )
                }
                return (results, UInt64(s.events.count))
            }
        }
        if let head { waiters.advance(to: head) }
        return results
    }

    public func append(_ batch: AppendBatch) async throws(EventLogError) -> BatchAppendResult {
        if batch.isEmpty { throw .emptyAppend(stream: batch.streamNames.count == 1 ? batch.streamNames[0] : nil) }
        if batch.largestPayload.size > maxEventSize {
            let stream = batch.streamNames[Int(batch.eventStreams[batch.largestPayload.event])]
            throw .eventTooLarge(stream: stream, size: batch.largestPayload.size, limit: maxEventSize)
        }
        let now = clock.now()
        let (result, head): (BatchAppendResult, UInt64?) = try state.withLock { (s) throws(EventLogError) in
            if s.closed { throw .closed() }
            switch try AppendPlanner.plan(batch, view: View(state: s)) {
            case .replay(let r): return (r, nil)
            case .write(let before):
                var next = before.map { $0.map { $0 + 1 } ?? 0 }
                var positions: [UInt64] = []
                positions.reserveCapacity(batch.count)
                for n in 0..<batch.count {
                    let k = Int(batch.eventStreams[n])
                    let pos = UInt64(s.events.count + 1)
                    var record = Array(batch.records.record(n))
                    let prev = s.events.last?.hash ?? .zero
                    record.withUnsafeMutableBytes { raw in
                        prev.withUnsafeBytes { p in
                            RecordCodec.complete(
                                raw,
                                position: pos,
                                streamVersion: next[k],
                                recordedAt: now,
                                effectiveFromRecordedAt: batch.records.effectiveFromRecordedAt[n],
                                prevHash: p
                            )
                        }
                    }
                    next[k] += 1
                    positions.append(try s.store(record))
                }
                let versions = zip(before, next).map { b, n in n == 0 ? b : n - 1 }
                return (
                    BatchAppendResult(positions: positions, streamVersions: versions, idempotentReplay: false),
                    UInt64(s.events.count)
                )
            }
        }
        if let head { waiters.advance(to: head) }
        return result
    }

    public func read(_ query: ReadQuery) -> EventSequence { EventSequence(source: self, query: query) }

    public func subscribe(from position: UInt64, filter: ReadFilter) -> EventSubscription {
        EventSubscription(source: self, from: position, filter: filter)
    }

    package func page(_ query: ReadQuery, from: UInt64?, max: Int) throws(EventLogError) -> EventPage {
        try state.withLock { (s) throws(EventLogError) in
            if s.closed { throw .closed() }
            return Self.page(s, query, from: from, max: max)
        }
    }

    private static func page(_ s: State, _ query: ReadQuery, from: UInt64?, max: Int) -> EventPage {
        let count = UInt64(s.events.count)
        switch query.filter {
        case .stream(let name):
            let positions = s.streams[name] ?? []
            let n = UInt64(positions.count)
            var out: [RecordedEvent] = []
            if query.direction == .forward {
                var v = from ?? 0
                while v < n && out.count < max {
                    out.append(s.events[Int(positions[Int(v)] - 1)])
                    v += 1
                }
                return EventPage(events: out, next: v, exhausted: v >= n)
            } else {
                guard n > 0 else { return EventPage(events: [], next: nil, exhausted: true) }
                var v = Swift.min(from ?? (n - 1), n - 1)
                while out.count < max {
                    out.append(s.events[Int(positions[Int(v)] - 1)])
                    if v == 0 { return EventPage(events: out, next: nil, exhausted: true) }
                    v -= 1
                }
                return EventPage(events: out, next: v, exhausted: false)
            }
        default:
            var out: [RecordedEvent] = []
            if query.direction == .forward {
                var p = Swift.max(from ?? 1, 1)
                var scanned = 0
                while p <= count && out.count < max && scanned < max * 64 {
                    let e = s.events[Int(p - 1)]
                    if query.filter.matches(stream: e.stream, type: e.type) { out.append(e) }
                    p += 1
                    scanned += 1
                }
                return EventPage(events: out, next: p, exhausted: p > count)
            } else {
                guard count > 0 else { return EventPage(events: [], next: nil, exhausted: true) }
                var p = Swift.min(from ?? count, count)
                var scanned = 0
                while p >= 1 && out.count < max && scanned < max * 64 {
                    let e = s.events[Int(p - 1)]
                    if query.filter.matches(stream: e.stream, type: e.type) { out.append(e) }
                    p -= 1
                    scanned += 1
                }
                return EventPage(events: out, next: p == 0 ? nil : p, exhausted: p == 0)
            }
        }
    }

    package func headPosition() throws(EventLogError) -> UInt64 { try head().position }

    public func waitFor(position: UInt64) async throws(EventLogError) { try await waiters.wait(for: position) }

    public func head() throws(EventLogError) -> LogHead {
        try state.withLock { (s) throws(EventLogError) in
            if s.closed { throw .closed() }
            return LogHead(position: UInt64(s.events.count), hash: s.events.last?.hash ?? .zero)
        }
    }

    public func streamVersion(_ stream: String) throws(EventLogError) -> UInt64? {
        try state.withLock { (s) throws(EventLogError) in
            if s.closed { throw .closed() }
            return View(state: s).currentVersion(of: stream)
        }
    }

    public func event(at position: UInt64) throws(EventLogError) -> RecordedEvent? {
        try state.withLock { (s) throws(EventLogError) in
            if s.closed { throw .closed() }
            return View(state: s).storedEvent(at: position)
        }
    }

    public func verifyChain() async throws(EventLogError) -> ChainVerification { try verifyChainByScan() }

    /// Hands each stored record from `position` through `last` (inclusive; `nil`: the head when the scan
    /// starts) that matches `filter` to `body` as a borrowed ``RecordView``. See
    /// ``EventLog/scan(from:through:filter:_:)``.
    ///
    /// The records are a snapshot taken when the scan starts; `body` runs without the log's lock held.
    @discardableResult
    public func scan(
        from position: UInt64,
        through last: UInt64?,
        filter: ReadFilter,
        _ body: (RecordView) throws -> Bool
    ) throws -> ScanSummary {
        let records = try state.withLock { (s) throws(EventLogError) in
            if s.closed { throw .closed() }
            return s.records
        }
        let match = RecordFilter(filter)
        var summary = ScanSummary(scanned: 0, delivered: 0, lastPosition: 0, stoppedEarly: false)
        let start = Swift.max(position, 1)
        let end = Swift.min(last ?? UInt64(records.count), UInt64(records.count))
        guard start <= end else { return summary }
        for p in start...end {
            let more = try records[Int(p - 1)].withUnsafeBytes { (raw) throws -> Bool in
                let view = try RecordView(validating: raw, storedAt: p)
                summary.scanned += 1
                summary.lastPosition = p
                guard match.matches(view) else { return true }
                summary.delivered += 1
                return try body(view)
            }
            if !more {
                summary.stoppedEarly = true
                break
            }
        }
        return summary
    }

    /// Replaces the stored bytes of the record at `position` (tests of corruption handling only; the decoded
    /// event that `read` returns is left as it was).
    package func _overwriteStoredRecordForTesting(at position: UInt64, with bytes: [UInt8]) {
        state.withLock { s in
            guard position >= 1 && position <= UInt64(s.records.count) else { return }
            s.records[Int(position - 1)] = bytes
        }
    }

    public func close() async {
        state.withLock { $0.closed = true }
        waiters.close()
    }
}

/// Walks a chain event by event: positions consecutive from 1, `prevHash` equal to the previous `hash`, and
/// `hash` equal to the recomputed SHA-256.
public struct ChainVerifier: Sendable {
    public private(set) var checked: UInt64 = 0
    private var prevHash = ChainHash.zero
    private var broken: (UInt64, String)?

    public init() {}

    /// Checks the next event; returns false (and remembers why) at the first break.
    public mutating func check(_ e: RecordedEvent) -> Bool {
        guard broken == nil else { return false }
        let expectedPosition = checked + 1
        if e.position != expectedPosition {
            broken = (expectedPosition, "expected position \(expectedPosition), found \(e.position) (gap or reorder)")
            return false
        }
        if e.prevHash != prevHash {
            broken = (e.position, "prevHash does not match the hash of position \(checked)")
            return false
        }
        if RecordCodec.recomputeHash(e) != e.hash {
            broken = (e.position, "stored hash does not match the event's bytes (modified after it was written)")
            return false
        }
        checked += 1
        prevHash = e.hash
        return true
    }

    /// Checks the next record from its stored bytes: the hash is recomputed over ``RecordView/canonicalBytes``,
    /// without decoding or re-encoding the event. Returns false (and remembers why) at the first break.
    public mutating func check(_ view: RecordView) -> Bool {
        guard broken == nil else { return false }
        let expectedPosition = checked + 1
        let position = view.position
        if position != expectedPosition {
            broken = (expectedPosition, "expected position \(expectedPosition), found \(position) (gap or reorder)")
            return false
        }
        let prev = view.prevHash
        let linked = prevHash.withUnsafeBytes { RecordView.equal($0, prev) }
        if !linked {
            broken = (position, "prevHash does not match the hash of position \(checked)")
            return false
        }
        var h = SHA256()
        h.update(bufferPointer: prev)
        h.update(bufferPointer: view.canonicalBytes)
        let stored = view.hash
        let intact = h.finalize().withUnsafeBytes { RecordView.equal($0, stored) }
        if !intact {
            broken = (position, "stored hash does not match the event's bytes (modified after it was written)")
            return false
        }
        checked += 1
        prevHash = ChainHash(copying: stored)
        return true
    }

    public var result: ChainVerification {
        ChainVerification(
            checked: checked,
            firstBrokenPosition: broken?.0,
            problem: broken?.1,
            head: LogHead(position: checked, hash: prevHash)
        )
    }
}
