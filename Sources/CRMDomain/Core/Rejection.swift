/// Why a command was refused. Thrown (typed) by ``Command/decide(_:)``; a rejected command appends nothing.
///
/// `rule` names the broken rule by its catalogue row and a short name (`CUS-09.dailyClaimLimit`), `values` the
/// values involved, and `message` says what to do.
///
/// ```swift
/// throw Rejection.violated("CUS-09.dailyClaimLimit", "daily claim limit reached: \(n) of \(limit)",
///                          ["claimsToday": "\(n)", "limit": "\(limit)"])
/// ```
public struct Rejection: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: String, Hashable, Sendable, CaseIterable {
        /// A referenced record does not exist (or is archived or merged away).
        case notFound
        /// The record or unique value already exists.
        case alreadyExists
        /// The record is not in a state that allows the command.
        case invalidState
        /// A business rule of the catalogue would be broken.
        case invariantViolated
        /// A field is missing, empty or out of range.
        case invalidInput
        /// The actor's role or data scope does not allow the action.
        case accessDenied
        /// The actor may not see or edit a field.
        case fieldAccessDenied
    }

    public let kind: Kind
    /// Catalogue row and rule name, e.g. `CUS-09.dailyClaimLimit`.
    public let rule: String
    public let message: String
    public let values: [String: String]

    public init(kind: Kind, rule: String, message: String, values: [String: String] = [:]) {
        self.kind = kind
        self.rule = rule
        self.message = message
        self.values = values
    }

    public var description: String {
        let v = values.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
        return "rejected [\(rule)] \(kind.rawValue): \(message)" + (v.isEmpty ? "" : " (\(v))")
    }

    // MARK: Factories

    public static func notFound(_ rule: String, _ what: String, id: any CustomStringConvertible) -> Rejection {
        Rejection(
            kind: .notFound,
            rule: rule,
            message: "\(what) \(id) does not exist or is no longer live",
            values: [what: id.description]
        )
    }

    public static func alreadyExists(_ rule: String, _ what: String, _ value: any CustomStringConvertible) -> Rejection
    {
        Rejection(
            kind: .alreadyExists,
            rule: rule,
            message: "\(what) \(value) already exists; choose another",
            values: [what: value.description]
        )
    }

    public static func invalidState(_ rule: String, _ message: String, _ values: [String: String] = [:]) -> Rejection {
        Rejection(kind: .invalidState, rule: rule, message: message, values: values)
    }

    public static func violated(_ rule: String, _ message: String, _ values: [String: String] = [:]) -> Rejection {
        Rejection(kind: .invariantViolated, rule: rule, message: message, values: values)
    }

    public static func invalidInput(_ rule: String, field: String, _ problem: String) -> Rejection {
        Rejection(kind: .invalidInput, rule: rule, message: "\(field): \(problem)", values: ["field": field])
    }

    /// A required field is missing or empty.
    public static func missing(_ rule: String, field: String) -> Rejection {
        invalidInput(rule, field: field, "is required")
    }

    public static func accessDenied(
        _ rule: String,
        actor: ActorRef,
        action: Action,
        object: ObjectType,
        reason: String
    ) -> Rejection {
        Rejection(
            kind: .accessDenied,
            rule: rule,
            message: "\(actor) may not \(action.rawValue) \(object.rawValue): \(reason)",
            values: ["actor": actor.description, "action": action.rawValue, "object": object.rawValue]
        )
    }
}

extension Rejection {
    /// Throws ``Rejection/missing(_:field:)`` when `value` is empty after trimming.
    public static func require(_ value: String, _ rule: String, field: String) throws(Rejection) {
        if value.trimmingWhitespace().isEmpty { throw .missing(rule, field: field) }
    }

    /// Throws an ``Kind/invariantViolated`` rejection when `condition` is false.
    public static func ensure(
        _ condition: Bool,
        _ rule: String,
        _ message: @autoclosure () -> String,
        _ values: @autoclosure () -> [String: String] = [:]
    ) throws(Rejection) {
        if !condition { throw .violated(rule, message(), values()) }
    }
}
