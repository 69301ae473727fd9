// Small validation helpers shared by the commands of several areas.

extension Rejection {
    /// Throws ``Rejection/invalidInput(_:field:_:)`` under `rule` when `time` (the value of `field`) is after `now`.
    static func notInFuture(_ time: Timestamp, now: Timestamp, _ rule: String, field: String) throws(Rejection) {
        guard time <= now else {
            throw .invalidInput(rule, field: field, "\(time) is in the future (now \(now))")
        }
    }
}
