// Commands of catalogue §2.1 that concern owned records: offboarding (ACC-02) and record shares (ACC-09, ACC-10).
// Owners are read through ``RecordOwnerView`` and the `owner-<userId>` index links kept by the record events.

/// ACC-02: offboard an active user, naming a successor for the records they own.
///
/// `UserOffboardingProcess` then moves every owned record: to the successor, or, without a successor, leads and
/// customers back to a pool. Opportunities and contracts cannot go to a pool, so a user who still owns any of them
/// needs a successor; this keeps the catalogue's guarantee that no owned record is left with an inactive owner.
public struct OffboardUser: Command {
    public let userId: ID
    public let successorUserId: ID?
    /// When the user left (not in the future).
    public let at: Timestamp

    public init(userId: ID, successorUserId: ID?, at: Timestamp) {
        self.userId = userId
        self.successorUserId = successorUserId
        self.at = at
    }

    /// Record categories that can only change owner, never return to a pool. Archived ones are not counted.
    public static let categoriesNeedingSuccessor = ["opportunity", "contract"]

    public func decide(_ d: inout Decision) throws(Rejection) {
        try d.authorize(.delete, on: .user, rule: "ACC-02.perm")
        guard at <= d.now else {
            throw .invalidInput(
                "ACC-02.at",
                field: "at",
                "\(at) is in the future (now \(d.now)); offboard when the user has left"
            )
        }
        let org = d.organisation
        guard let user = org.users[userId] else { throw .notFound("ACC-02.userExists", "user", id: userId) }
        guard user.active else {
            throw .invalidState(
                "ACC-02.userActive",
                "user \(user.name) (\(userId)) is already offboarded",
                ["userId": userId.description]
            )
        }
        if let s = successorUserId {
            guard s != userId else {
                throw .invalidInput("ACC-02.successor", field: "successorUserId", "a user cannot succeed themselves")
            }
            guard org.isActiveUser(s) else {
                throw .violated(
                    "ACC-02.successorActive",
                    "successor \(s) is not an active user; name an active user to take over from \(user.name)",
                    ["successorUserId": s.description]
                )
            }
        } else {
            let owner = StreamRef("owner", userId.description)
            var held: [(String, Int)] = []
            for category in OffboardUser.categoriesNeedingSuccessor {
                var count = 0
                for stream in d.children(of: owner, category: category) {
                    guard let view = d.load(RecordOwnerView.self, stream: stream), view.live, view.ownerId == userId
                    else { continue }
                    count += 1
                }
                if count > 0 { held.append((category, count)) }
            }
            if !held.isEmpty {
                let list = held.map { "\($0.1) \($0.0)(s)" }.joined(separator: ", ")
                throw .violated(
                    "ACC-02.successorRequired",
                    "user \(user.name) (\(userId)) still owns \(list), which cannot return to a pool; name a successor",
                    ["userId": userId.description, "owned": list]
                )
            }
        }
        d.emit(
            UserOffboarded(userId: userId, successorUserId: successorUserId, at: at),
            to: StreamRef("user", userId.description)
        )
    }
}

/// ACC-09: share one record with a user (read or read-write, optionally until `expiresAt`).
public struct ShareRecord: Command {
    public let entityType: ObjectType
    public let entityId: ID
    public let granteeUserId: ID
    public let access: ShareAccess
    public let expiresAt: Timestamp?
    public let reason: RecordShared.Reason

    public init(
        entityType: ObjectType,
        entityId: ID,
        granteeUserId: ID,
        access: ShareAccess,
        expiresAt: Timestamp? = nil,
        reason: RecordShared.Reason = .manual
    ) {
        self.entityType = entityType
        self.entityId = entityId
        self.granteeUserId = granteeUserId
        self.access = access
        self.expiresAt = expiresAt
        self.reason = reason
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        guard let record = d.recordOwner(entityType, entityId), record.exists, record.live else {
            throw .notFound("ACC-09.recordExists", entityType.rawValue, id: entityId)
        }
        let stream = StreamRef(entityType.category, entityId.description)
        if !d.actorOwns(record.ownerId) {
            try d.authorize(
                .share,
                on: entityType,
                owner: record.ownerId,
                record: stream,
                rule: "ACC-09.ownerOrFullAccess"
            )
        }
        if let expiresAt, expiresAt <= d.now {
            throw .invalidInput(
                "ACC-09.expiresAt",
                field: "expiresAt",
                "\(expiresAt) is not in the future (now \(d.now))"
            )
        }
        guard d.organisation.isActiveUser(granteeUserId) else {
            throw .violated(
                "ACC-09.granteeActive",
                "grantee \(granteeUserId) is not an active user; share with an active user",
                ["granteeUserId": granteeUserId.description]
            )
        }
        guard granteeUserId != record.ownerId else {
            throw .violated(
                "ACC-09.granteeNotOwner",
                "user \(granteeUserId) owns \(entityType.rawValue) \(entityId) already; share with someone else",
                ["granteeUserId": granteeUserId.description]
            )
        }
        let accessStream = StreamRef.recordAccess(entityType, entityId)
        let current = d.load(RecordShares.self, stream: accessStream)?.shares[granteeUserId]
        if let current, current.access == access, current.expiresAt == expiresAt {
            throw .invalidInput(
                "ACC-09.changes",
                field: "access",
                "\(entityType.rawValue) \(entityId) is already shared with \(granteeUserId) as \(access.rawValue)"
            )
        }
        d.emit(
            RecordShared(
                entityType: entityType,
                entityId: entityId,
                granteeUserId: granteeUserId,
                access: access,
                expiresAt: expiresAt,
                reason: reason
            ),
            to: accessStream
        )
    }
}

/// ACC-10: revoke a share, by hand (the owner, a user with full access, or the grantee leaving the team) or by
/// the scheduler once it has expired as of `asOf`.
public struct RevokeRecordShare: Command {
    public let entityType: ObjectType
    public let entityId: ID
    public let granteeUserId: ID
    public let reason: RecordShareRevoked.Reason
    /// The scheduler's business time; required for `expired`.
    public let asOf: Timestamp?

    public init(
        entityType: ObjectType,
        entityId: ID,
        granteeUserId: ID,
        reason: RecordShareRevoked.Reason = .manual,
        asOf: Timestamp? = nil
    ) {
        self.entityType = entityType
        self.entityId = entityId
        self.granteeUserId = granteeUserId
        self.reason = reason
        self.asOf = asOf
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let owner = d.recordOwner(entityType, entityId)?.ownerId
        let isGrantee = d.actor.userId == granteeUserId && d.organisation.isActiveUser(granteeUserId)
        if !d.actorOwns(owner) && !(reason == .manual && isGrantee) {
            try d.authorize(
                .share,
                on: entityType,
                owner: owner,
                record: StreamRef(entityType.category, entityId.description),
                rule: "ACC-10.perm"
            )
        }
        let accessStream = StreamRef.recordAccess(entityType, entityId)
        guard let share = d.load(RecordShares.self, stream: accessStream)?.shares[granteeUserId] else {
            throw Rejection(
                kind: .notFound,
                rule: "ACC-10.shareExists",
                message:
                    "\(entityType.rawValue) \(entityId) is not shared with user \(granteeUserId); nothing to revoke",
                values: ["entityId": entityId.description, "granteeUserId": granteeUserId.description]
            )
        }
        if reason == .expired {
            guard let asOf else { throw .missing("ACC-10.asOf", field: "asOf") }
            try Rejection.notInFuture(asOf, now: d.now, "ACC-10.asOf", field: "asOf")
            guard let expiresAt = share.expiresAt, expiresAt <= asOf else {
                throw .invalidState(
                    "ACC-10.expired",
                    "the share of \(entityType.rawValue) \(entityId) with \(granteeUserId) "
                        + (share.expiresAt.map { "expires at \($0), after \(asOf)" } ?? "has no expiry")
                        + "; revoke it manually instead",
                    ["asOf": asOf.description, "expiresAt": share.expiresAt?.description ?? ""]
                )
            }
        }
        d.emit(
            RecordShareRevoked(
                entityType: entityType,
                entityId: entityId,
                granteeUserId: granteeUserId,
                reason: reason
            ),
            to: accessStream
        )
    }
}

/// The scheduler's share-expiry sweep (§2.11 "Scheduler (daily) … ACC-10 share expiry", WK
/// `removeOverdueTeamMembers`): the revocations due as of `asOf`, in a stable order.
public enum RecordShareExpiry {
    public static func due(in org: Organisation, asOf: Timestamp) -> [RevokeRecordShare] {
        var commands: [RevokeRecordShare] = []
        for record in org.shares.keys.sorted() {
            guard let type = ObjectType(rawValue: record.category), let id = record.id else { continue }
            for (grantee, share) in org.shares[record, default: [:]].sorted(by: { $0.key < $1.key }) {
                guard let expiresAt = share.expiresAt, expiresAt <= asOf else { continue }
                commands.append(
                    RevokeRecordShare(
                        entityType: type,
                        entityId: id,
                        granteeUserId: grantee,
                        reason: .expired,
                        asOf: asOf
                    )
                )
            }
        }
        return commands
    }
}
