public import CRMDomain
public import CRMEventLog

/// Why ``Engine/handle(_:as:correlationId:)`` failed: a business rejection, or an infrastructure failure.
/// Business rejections and infrastructure errors are never mixed in one case.
public enum EngineError: Error, Sendable, CustomStringConvertible {
    /// The command broke a rule; nothing was appended.
    case rejected(Rejection)
    /// The event log failed (storage, closed, ...); nothing was appended.
    case log(EventLogError)
    /// A stored event could not be decoded or a new one encoded.
    case codec(CodecError)
    /// The command kept meeting concurrent changes; nothing was appended. Retry later.
    case conflict(EventLogError, attempts: Int)

    public var description: String {
        switch self {
        case .rejected(let r): return r.description
        case .log(let e): return "event log: \(e)"
        case .codec(let e): return "codec: \(e)"
        case .conflict(let e, let n): return "gave up after \(n) concurrency conflicts: \(e)"
        }
    }

    /// The rejection, when the command was refused for a business reason.
    public var rejection: Rejection? {
        if case .rejected(let r) = self { return r }
        return nil
    }
}
