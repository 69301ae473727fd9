package import Foundation

/// What an append needs to know about the current state of the log.
package protocol AppendStateView {
    /// The stream's last version, `nil` when it does not exist (`hash`: ``FastHash/string(_:)`` of its name).
    func currentVersion(of stream: String, hash: UInt64) throws(EventLogError) -> UInt64?
    /// The position where an event id is stored, if it is.
    func storedPosition(of id: UUID) throws(EventLogError) -> UInt64?
    /// The event stored at `position`.
    func storedEvent(at position: UInt64) throws(EventLogError) -> RecordedEvent?
}

/// What ``AppendPlanner/validate(_:maxEventSize:)`` learnt of a batch, in flat arrays for the write path.
package struct ValidatedBatch: Sendable {
    /// Per entry: ``FastHash/string(_:)`` of its stream.
    package var streamHashes: [UInt64]
    /// Every event id, entry by entry, events in order.
    package var ids: [UUID]
    /// Entry `k`'s events are `ids[entryStarts[k]..<entryStarts[k + 1]]`.
    package var entryStarts: [Int]
}

/// One stream's events with the versions they will get.
package struct PlannedStream: Sendable {
    /// The entry of the batch.
    package var entry: Int
    package var stream: String
    /// ``FastHash/string(_:)`` of `stream`.
    package var hash: UInt64
    package var firstVersion: UInt64
    /// Its events, in order (the batch entry's), and the index of its first in ``ValidatedBatch/ids``.
    package var count: Int
    package var firstEvent: Int
    /// The stream's version before the append (`nil`: new stream) for the result of a pure check.
    package var versionBefore: UInt64?
}

package enum BatchPlan: Sendable {
    /// Write the batch; each stream's version before it (`nil`: new stream), in ``AppendBatch/streamNames`` order.
    case write(versionsBefore: [UInt64?])
    /// Every event is already stored with the same body: return this and write nothing.
    case replay(BatchAppendResult)
}

package enum AppendPlan: Sendable {
    /// Write these streams' events, in this order.
    case write([PlannedStream])
    /// Every event is already stored with the same body: return these results and write nothing.
    case replay([AppendResult])
}

/// The checks and version assignment shared by every ``EventLog`` implementation.
package enum AppendPlanner {
    /// Input checks that need no state: names, sizes, duplicates within the batch. Returns the stream-name hashes
    /// (``FastHash/string(_:)``) and the ids in flat arrays, which the planner and the LMDB writer use instead of
    /// walking the events again.
    @discardableResult
    package static func validate(_ batch: [StreamAppend], maxEventSize: Int) throws(EventLogError) -> ValidatedBatch {
        if batch.isEmpty || batch.allSatisfy({ $0.events.isEmpty }) {
            throw .emptyAppend(stream: batch.count == 1 ? batch[0].stream : nil)
        }
        var hashes: [UInt64] = []
        hashes.reserveCapacity(batch.count)
        // A lone stream or event needs no duplicate check (and no slots allocated).
        var streams = batch.count > 1 ? HashSlots(capacity: batch.count) : nil
        let total = batch.reduce(0) { $0 + $1.events.count }
        var ids = [UUID](repeating: UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)), count: total)
        var entryStarts: [Int] = []
        entryStarts.reserveCapacity(batch.count + 1)
        var idSet = total > 1 ? HashSlots(capacity: total) : nil
        var n = 0
        for (k, entry) in batch.enumerated() {
            entryStarts.append(n)
            if let problem = StreamName.problem(with: entry.stream) {
                throw .invalidStreamName(entry.stream, problem)
            }
            let hash = FastHash.string(entry.stream)
            hashes.append(hash)
            guard streams?.find(hash: hash, where: { hashes[$0] == hash && batch[$0].stream == entry.stream }) == nil
            else {
                throw EventLogError(
                    code: .invalidArgument,
                    message: "stream '\(entry.stream)' appears twice in one multi-stream append; merge its events",
                    stream: entry.stream
                )
            }
            streams?.insert(k, hash: hash) { hashes[$0] }
            for e in entry.events {
                try checkEvent(type: e.type, metadata: e.metadata, id: e.id, stream: entry.stream)
                if e.data.count > maxEventSize {
                    throw .eventTooLarge(stream: entry.stream, size: e.data.count, limit: maxEventSize)
                }
                let id = e.id
                ids[n] = id
                let idHash = FastHash.uuid(id)
                guard idSet?.find(hash: idHash, where: { ids[$0] == id }) == nil else {
                    throw EventLogError(
                        code: .invalidArgument,
                        message: "event id \(id.uuidString.lowercased()) appears twice in one append",
                        stream: entry.stream
                    )
                }
                idSet?.insert(n, hash: idHash) { FastHash.uuid(ids[$0]) }
                n += 1
            }
        }
        entryStarts.append(n)
        return ValidatedBatch(streamHashes: hashes, ids: ids, entryStarts: entryStarts)
    }

    /// The checks of one event that need no state (its payload size is checked against the log's limit apart).
    @inline(__always)
    package static func checkEvent(type: String, metadata: EventMetadata, id: UUID, stream: String)
        throws(EventLogError)
    {
        if type.isEmpty { throw .invalidEvent(stream: stream, "event \(id) has an empty type") }
        if type.utf8.count > 255 { throw .invalidEvent(stream: stream, "event type is longer than 255 bytes") }
        if metadata.actor.utf8.count > RecordCodec.maxShortField
            || metadata.tenant.utf8.count > RecordCodec.maxShortField
        {
            throw .invalidEvent(stream: stream, "actor or tenant is longer than \(RecordCodec.maxShortField) bytes")
        }
    }

    /// Throws ``EventLogError/Code/wrongExpectedVersion`` unless `stream`, at version `current`, is as `expected`.
    @inline(__always)
    package static func check(_ expected: ExpectedVersion, stream: String, current: UInt64?) throws(EventLogError) {
        switch expected {
        case .any: return
        case .noStream: if current == nil { return }
        case .streamExists: if current != nil { return }
        case .exactly(let v): if current == v { return }
        }
        throw .wrongExpectedVersion(stream: stream, expected: expected, actual: current)
    }

    /// Checks idempotency and expected versions against `view` for an ``AppendBatch``: `.write` with each stream's
    /// version before the append, or `.replay` when every event is already stored with the same body.
    package static func plan(_ batch: AppendBatch, view: some AppendStateView) throws(EventLogError) -> BatchPlan {
        let ids = batch.records.ids
        var stored: [UInt64] = []
        var storedCount = 0
        for n in ids.indices {
            guard let pos = try view.storedPosition(of: ids[n]) else { continue }
            let (stream, e) = try batch.records.event(n)
            guard let s = try view.storedEvent(at: pos), s.stream == stream, RecordCodec.sameBody(s, e) else {
                throw .duplicateEventId(ids[n].uuidString.lowercased(), position: pos)
            }
            storedCount += 1
            if stored.count == n { stored.append(pos) }
        }
        if storedCount > 0 {
            guard storedCount == ids.count else {
                throw EventLogError(
                    code: .duplicateEventId,
                    message: "\(storedCount) of the \(ids.count) event ids in this append are already stored; "
                        + "retry the exact original append or use new ids"
                )
            }
            var versions: [UInt64?] = []
            for k in batch.streamNames.indices {
                versions.append(try view.currentVersion(of: batch.streamNames[k], hash: batch.streamHashes[k]))
            }
            return .replay(BatchAppendResult(positions: stored, streamVersions: versions, idempotentReplay: true))
        }
        var before: [UInt64?] = []
        before.reserveCapacity(batch.streamNames.count)
        for k in batch.streamNames.indices {
            let stream = batch.streamNames[k]
            let current = try view.currentVersion(of: stream, hash: batch.streamHashes[k])
            try check(batch.expectations[k], stream: stream, current: current)
            before.append(current)
        }
        return .write(versionsBefore: before)
    }

    /// Checks idempotency and expected versions against `view` and assigns versions (`validated`: what
    /// ``validate(_:maxEventSize:)`` returned for `batch`).
    package static func plan(
        _ batch: [StreamAppend],
        _ validated: ValidatedBatch,
        view: some AppendStateView
    ) throws(EventLogError) -> AppendPlan {
        let hashes = validated.streamHashes
        // Idempotency: all stored with the same body → replay; some stored → error.
        var storedCount = 0
        let total = validated.ids.count
        var storedPositions: [[UInt64]] = []
        var k = 0
        for n in 0..<total {
            let id = validated.ids[n]
            guard let pos = try view.storedPosition(of: id) else { continue }
            while validated.entryStarts[k + 1] <= n { k += 1 }
            let e = batch[k].events[n - validated.entryStarts[k]]
            guard let stored = try view.storedEvent(at: pos), stored.stream == batch[k].stream,
                RecordCodec.sameBody(stored, e)
            else { throw .duplicateEventId(id.uuidString.lowercased(), position: pos) }
            if storedPositions.isEmpty { storedPositions = Array(repeating: [], count: batch.count) }
            storedPositions[k].append(pos)
            storedCount += 1
        }
        if storedCount > 0 {
            guard storedCount == total else {
                throw EventLogError(
                    code: .duplicateEventId,
                    message: "\(storedCount) of the \(total) event ids in this append are already stored; "
                        + "retry the exact original append or use new ids"
                )
            }
            var replay: [AppendResult] = []
            replay.reserveCapacity(batch.count)
            for (k, entry) in batch.enumerated() {
                replay.append(
                    AppendResult(
                        stream: entry.stream,
                        positions: storedPositions[k],
                        streamVersion: try view.currentVersion(of: entry.stream, hash: hashes[k]),
                        idempotentReplay: true
                    )
                )
            }
            return .replay(replay)
        }
        var planned: [PlannedStream] = []
        planned.reserveCapacity(batch.count)
        for k in batch.indices {
            let stream = batch[k].stream
            let expected = batch[k].expected
            let current = try view.currentVersion(of: stream, hash: hashes[k])
            try check(expected, stream: stream, current: current)
            planned.append(
                PlannedStream(
                    entry: k,
                    stream: stream,
                    hash: hashes[k],
                    firstVersion: current.map { $0 + 1 } ?? 0,
                    count: validated.entryStarts[k + 1] - validated.entryStarts[k],
                    firstEvent: validated.entryStarts[k],
                    versionBefore: current
                )
            )
        }
        return .write(planned)
    }
}

extension ReadFilter {
    /// Whether an event of `stream` and `type` matches (for `.all`, `.category`, `.eventTypes`, `.stream`).
    package func matches(stream: String, type: String) -> Bool {
        switch self {
        case .all: return true
        case .stream(let s): return s == stream
        case .category(let c): return StreamName.category(of: stream) == c
        case .eventTypes(let types): return types.contains(type)
        }
    }
}
