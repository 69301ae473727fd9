public import CRMDomain
public import CRMEventLog
import Synchronization

/// A settable clock shared by a generator and the engine it drives: the generator moves business time forward
/// and every event's `recordedAt` follows it, so a generated log is the same on every run.
public final class SimulationClock: Sendable {
    private let millis: Atomic<Int64>

    public init(start: Timestamp) { millis = Atomic(start.millisecondsSinceEpoch) }

    public var now: Timestamp { Timestamp(millisecondsSinceEpoch: millis.load(ordering: .relaxed)) }

    /// Moves the clock to `time` (never backwards).
    public func set(_ time: Timestamp) {
        var current = millis.load(ordering: .relaxed)
        while time.millisecondsSinceEpoch > current {
            let (done, actual) = millis.compareExchange(
                expected: current,
                desired: time.millisecondsSinceEpoch,
                ordering: .relaxed
            )
            if done { return }
            current = actual
        }
    }

    /// The clock as the log's ``LogClock``.
    public var logClock: LogClock { LogClock { [self] in millis.load(ordering: .relaxed) } }
}
