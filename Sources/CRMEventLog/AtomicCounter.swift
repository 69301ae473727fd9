import Synchronization

final class AtomicCounter: Sendable {
    private let value: Atomic<Int64>
    private let step: Int64

    init(start: Int64, step: Int64) {
        self.value = Atomic(start)
        self.step = step
    }

    func next() -> Int64 { value.add(step, ordering: .relaxed).oldValue }
}
