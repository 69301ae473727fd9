import Synchronization

/// Tasks waiting for the log's head to reach a position. Shared by the log implementations.
package final class PositionWaiters: Sendable {
    private struct State {
        var head: UInt64 = 0
        var closed = false
        var next: UInt64 = 0
        var waiters: [(position: UInt64, id: UInt64, continuation: CheckedContinuation<Void, any Error>)] = []
    }

    private let state = Mutex(State())

    package init(head: UInt64) { state.withLock { $0.head = head } }

    /// Publishes a new head and resumes every waiter at or below it.
    package func advance(to head: UInt64) {
        let wake = state.withLock { s -> [CheckedContinuation<Void, any Error>] in
            s.head = Swift.max(s.head, head)
            var wake: [CheckedContinuation<Void, any Error>] = []
            s.waiters.removeAll { w in
                guard w.position <= s.head else { return false }
                wake.append(w.continuation)
                return true
            }
            return wake
        }
        for c in wake { c.resume() }
    }

    /// Fails every waiter with ``EventLogError/Code/closed`` and refuses new ones.
    package func close() {
        let wake = state.withLock { s in
            s.closed = true
            defer { s.waiters.removeAll() }
            return s.waiters.map(\.continuation)
        }
        for c in wake { c.resume(throwing: EventLogError.closed()) }
    }

    package func wait(for position: UInt64) async throws(EventLogError) {
        let id: UInt64? = try state.withLock { (s) throws(EventLogError) -> UInt64? in
            if s.closed { throw .closed() }
            if s.head >= position { return nil }
            s.next += 1
            return s.next
        }
        guard let id else { return }
        do {
            try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
                    let immediate: (any Error)?? = state.withLock { s in
                        if s.closed { return .some(EventLogError.closed()) }
                        if Task.isCancelled { return .some(EventLogError.cancelled()) }
                        if s.head >= position { return .some(nil) }
                        s.waiters.append((position, id, c))
                        return .none
                    }
                    if let r = immediate {
                        if let e = r { c.resume(throwing: e) } else { c.resume() }
                    }
                }
            } onCancel: {
                let c = state.withLock { s -> CheckedContinuation<Void, any Error>? in
                    guard let i = s.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                    return s.waiters.remove(at: i).continuation
                }
                c?.resume(throwing: EventLogError.cancelled())
            }
        } catch let e as EventLogError {
            throw e
        } catch {
            throw .cancelled()
        }
    }
}
