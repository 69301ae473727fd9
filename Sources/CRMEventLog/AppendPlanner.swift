package import Foundation

/// What an append needs to know about the current state of the log.
package protocol AppendStateView {
    /// The stream's last version, `nil` when it does not exist.
    func currentVersion(of stream: String) throws(EventLogError) -> UInt64?
    /// The position where an event id is stored, if it is.
    func storedPosition(of id: UUID) throws(EventLogError) -> UInt64?
    /// The event stored at `position`.
    func storedEvent(at position: UInt64) throws(EventLogError) -> RecordedEvent?
}

/// One stream's events with the versions they will get.
package struct PlannedStream: Sendable {
    package var stream: String
    package var firstVersion: UInt64
    package var events: [NewEvent]
    /// The stream's version before the append (`nil`: new stream) for the result of a pure check.
    package var versionBefore: UInt64?
}

package enum AppendPlan: Sendable {
    /// Write these streams' events, in this order.
    case write([PlannedStream])
    /// Every event is already stored with the same body: return these results and write nothing.
    case replay([AppendResult])
}

/// The checks and version assignment shared by every ``EventLog`` implementation.
package enum AppendPlanner {
    /// Input checks that need no state: names, sizes, duplicates within the batch.
    package static func validate(_ batch: [StreamAppend], maxEventSize: Int) throws(EventLogError) {
        if batch.isEmpty || batch.allSatisfy({ $0.events.isEmpty }) {
            throw .emptyAppend(stream: batch.count == 1 ? batch[0].stream : nil)
        }
        var streams = Set<String>(minimumCapacity: batch.count)
        var ids = Set<UUID>(minimumCapacity: batch.reduce(0) { $0 + $1.events.count })
        for entry in batch {
            if let problem = StreamName.problem(with: entry.stream) {
                throw .invalidStreamName(entry.stream, problem)
            }
            guard streams.insert(entry.stream).inserted else {
                throw EventLogError(
                    code: .invalidArgument,
                    message: "stream '\(entry.stream)' appears twice in one multi-stream append; merge its events",
                    stream: entry.stream
                )
            }
            for e in entry.events {
                if e.type.isEmpty { throw .invalidEvent(stream: entry.stream, "event \(e.id) has an empty type") }
                if e.type.utf8.count > 255 {
                    throw .invalidEvent(stream: entry.stream, "event type is longer than 255 bytes")
                }
                if e.metadata.actor.utf8.count > RecordCodec.maxShortField
                    || e.metadata.tenant.utf8.count > RecordCodec.maxShortField
                {
                    throw .invalidEvent(
                        stream: entry.stream,
                        "actor or tenant is longer than \(RecordCodec.maxShortField) bytes"
                    )
                }
                if e.data.count > maxEventSize {
                    throw .eventTooLarge(stream: entry.stream, size: e.data.count, limit: maxEventSize)
                }
                guard ids.insert(e.id).inserted else {
                    throw EventLogError(
                        code: .invalidArgument,
                        message: "event id \(e.id.uuidString.lowercased()) appears twice in one append",
                        stream: entry.stream
                    )
                }
            }
        }
    }

    /// Checks idempotency and expected versions against `view` and assigns versions.
    package static func plan(_ batch: [StreamAppend], view: some AppendStateView) throws(EventLogError) -> AppendPlan {
        // Idempotency: all stored with the same body → replay; some stored → error.
        var storedCount = 0
        var total = 0
        var storedPositions: [[UInt64]] = []
        for (k, entry) in batch.enumerated() {
            for e in entry.events {
                total += 1
                if let pos = try view.storedPosition(of: e.id) {
                    guard let stored = try view.storedEvent(at: pos), stored.stream == entry.stream,
                        RecordCodec.sameBody(stored, e)
                    else { throw .duplicateEventId(e.id.uuidString.lowercased(), position: pos) }
                    if storedPositions.isEmpty { storedPositions = Array(repeating: [], count: batch.count) }
                    storedPositions[k].append(pos)
                    storedCount += 1
                }
            }
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
                        streamVersion: try view.currentVersion(of: entry.stream),
                        idempotentReplay: true
                    )
                )
            }
            return .replay(replay)
        }
        var planned: [PlannedStream] = []
        planned.reserveCapacity(batch.count)
        for entry in batch {
            let current = try view.currentVersion(of: entry.stream)
            switch entry.expected {
            case .any: break
            case .noStream:
                if current != nil {
                    throw .wrongExpectedVersion(stream: entry.stream, expected: .noStream, actual: current)
                }
            case .streamExists:
                if current == nil {
                    throw .wrongExpectedVersion(stream: entry.stream, expected: .streamExists, actual: nil)
                }
            case .exactly(let v):
                if current != v {
                    throw .wrongExpectedVersion(stream: entry.stream, expected: entry.expected, actual: current)
                }
            }
            planned.append(
                PlannedStream(
                    stream: entry.stream,
                    firstVersion: current.map { $0 + 1 } ?? 0,
                    events: entry.events,
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
