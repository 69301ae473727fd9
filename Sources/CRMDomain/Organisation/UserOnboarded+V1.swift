/// ACC-01, schema version 1 (legacy): one optional role and no manager.
///
/// Stored `UserOnboarded` v1 payloads are read through ``UserOnboardedV1Upcaster``; new events are always the
/// current ``UserOnboarded``.
public struct UserOnboardedV1: DomainEvent {
    public static let eventType = "UserOnboarded"
    public static let schemaVersion = 1
    public let userId: ID
    public let name: String
    public let departmentId: ID
    public let roleId: ID?

    public init(userId: ID, name: String, departmentId: ID, roleId: ID?) {
        self.userId = userId
        self.name = name
        self.departmentId = departmentId
        self.roleId = roleId
    }
}

/// `UserOnboarded` v1 → v2: the single `roleId` becomes `roleIds` (empty when there was none); v1 knew no
/// manager, so `managerUserId` is `nil`.
public struct UserOnboardedV1Upcaster: Upcaster {
    public init() {}

    public func upcast(_ old: UserOnboardedV1) -> UserOnboarded {
        UserOnboarded(
            userId: old.userId,
            name: old.name,
            departmentId: old.departmentId,
            managerUserId: nil,
            roleIds: old.roleId.map { [$0] } ?? []
        )
    }
}
