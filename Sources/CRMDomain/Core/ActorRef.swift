/// Who issued a command: a user, a system job (scheduler, process manager) or an integration.
///
/// System actors are trusted: access control applies to user and integration actors only.
public struct ActorRef: Codable, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: String, Codable, Hashable, Sendable, CaseIterable {
        case user, system, integration
    }

    public var kind: Kind
    public var userId: ID?
    public var jobId: String?

    public init(kind: Kind, userId: ID? = nil, jobId: String? = nil) {
        self.kind = kind
        self.userId = userId
        self.jobId = jobId
    }

    public static func user(_ id: ID) -> ActorRef { ActorRef(kind: .user, userId: id) }
    public static func system(job: String) -> ActorRef { ActorRef(kind: .system, jobId: job) }
    public static func integration(_ id: ID, job: String? = nil) -> ActorRef {
        ActorRef(kind: .integration, userId: id, jobId: job)
    }

    public var isSystem: Bool { kind == .system }

    public var description: String {
        switch kind {
        case .user: return "user \(userId.map(\.description) ?? "?")"
        case .system: return "system job \(jobId ?? "?")"
        case .integration: return "integration \(userId.map(\.description) ?? "?")"
        }
    }
}
