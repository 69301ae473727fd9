/// Every failure of an ``EventLog``: a code to switch on, the stream and versions involved, and a message that
/// says what to do. Errors compare equal when their codes are equal.
///
/// ```swift
/// do { try await log.append(events, to: "customer-1", expected: .exactly(3)) }
/// catch let error where error.code == .wrongExpectedVersion { /* reload and retry */ }
/// ```
public struct EventLogError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Hashable, Sendable, CaseIterable {
        /// The stream was not at the expected version (optimistic concurrency).
        case wrongExpectedVersion
        /// An event id is already stored with a different body.
        case duplicateEventId
        /// The append carried no event.
        case emptyAppend
        /// An event is larger than the configured maximum.
        case eventTooLarge
        /// The stream name is empty, too long or has control characters.
        case invalidStreamName
        /// An event field is invalid (empty type, too long actor, ...).
        case invalidEvent
        /// The same stream appears twice in one multi-stream append, or an argument is out of range.
        case invalidArgument
        /// The log was closed.
        case closed
        /// The directory holds a log of a newer format version than this build reads.
        case incompatibleFormat
        /// The directory or file is not a CRM Engine event log.
        case notAnEventLog
        /// Stored bytes do not decode (corrupt or tampered storage).
        case corrupt
        /// The storage engine failed (disk full, I/O error, permissions, ...).
        case storage
        /// The waiting task was cancelled.
        case cancelled
    }

    public let code: Code
    public let message: String
    public let stream: String?
    public let expected: ExpectedVersion?
    /// The stream's actual last version (`nil`: no stream) for ``Code/wrongExpectedVersion``.
    public let actualVersion: UInt64?

    public init(
        code: Code,
        message: String,
        stream: String? = nil,
        expected: ExpectedVersion? = nil,
        actualVersion: UInt64? = nil
    ) {
        self.code = code
        self.message = message
        self.stream = stream
        self.expected = expected
        self.actualVersion = actualVersion
    }

    public var description: String { "\(code.rawValue): \(message)" }

    public static func == (lhs: EventLogError, rhs: EventLogError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    // MARK: Factories

    public static func wrongExpectedVersion(stream: String, expected: ExpectedVersion, actual: UInt64?) -> Self {
        EventLogError(
            code: .wrongExpectedVersion,
            message: "stream '\(stream)' expected at \(expected) but is at "
                + (actual.map { "version \($0)" } ?? "no stream")
                + "; reload the stream and decide again",
            stream: stream,
            expected: expected,
            actualVersion: actual
        )
    }

    public static func duplicateEventId(_ id: String, position: UInt64) -> Self {
        EventLogError(
            code: .duplicateEventId,
            message: "event id \(id) is already stored at position \(position) with a different body; "
                + "use a new id for a different event"
        )
    }

    public static func emptyAppend(stream: String?) -> Self {
        EventLogError(
            code: .emptyAppend,
            message: "append to \(stream.map { "'\($0)'" } ?? "the log") has no events; pass at least one",
            stream: stream
        )
    }

    public static func eventTooLarge(stream: String, size: Int, limit: Int) -> Self {
        EventLogError(
            code: .eventTooLarge,
            message: "event for '\(stream)' is \(size) bytes; the limit is \(limit) (raise maxEventSize or split it)",
            stream: stream
        )
    }

    public static func invalidStreamName(_ name: String, _ problem: String) -> Self {
        let shown = name.count > 40 ? String(name.prefix(40)) + "…" : name
        return EventLogError(code: .invalidStreamName, message: "stream name '\(shown)' \(problem)", stream: name)
    }

    public static func invalidEvent(stream: String, _ problem: String) -> Self {
        EventLogError(code: .invalidEvent, message: "event for '\(stream)': \(problem)", stream: stream)
    }

    public static func closed() -> Self {
        EventLogError(code: .closed, message: "the event log is closed; open it again to use it")
    }

    public static func storage(_ what: String) -> Self { EventLogError(code: .storage, message: what) }

    public static func corrupt(_ what: String) -> Self { EventLogError(code: .corrupt, message: what) }

    public static func cancelled() -> Self {
        EventLogError(code: .cancelled, message: "the waiting task was cancelled")
    }
}
