import CRMDomain
import Foundation
import Testing

/// Shared values and helpers of the codec tests.
enum CodecTestSupport {
    /// The package root: this file is `Tests/CRMDomainTests/Codec/CodecTestSupport.swift`.
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func url(_ relativePath: String) -> URL { packageRoot.appendingPathComponent(relativePath) }

    static let t0 = Timestamp(LocalDate(2026, 3, 31), hour: 10)

    /// Organisation events with realistic values, covering every type with optionals absent and present, empty
    /// arrays, non-ASCII text and large numbers.
    static let organisationEvents: [any DomainEvent] = [
        UserOnboarded(userId: ID(1), name: "Wang Lei", departmentId: ID(10), managerUserId: nil, roleIds: []),
        UserOnboarded(
            userId: ID(2),
            name: "王磊 (Wáng Lěi) 🚀",
            departmentId: ID(10),
            managerUserId: ID(1),
            roleIds: [ID(100), ID(101), ID(102)]
        ),
        UserOffboarded(userId: ID(2), successorUserId: ID(1), at: t0),
        UserOffboarded(userId: ID(3), successorUserId: nil, at: Timestamp(millisecondsSinceEpoch: -86_400_001)),
        DepartmentDefined(deptId: ID(10), parentDeptId: nil, name: "Headquarters", managerUserId: nil),
        DepartmentDefined(deptId: ID(11), parentDeptId: ID(10), name: "华东销售部", managerUserId: ID(1)),
        RoleDefined(
            roleId: ID(100),
            name: "Sales rep",
            objectPermissions: [
                ObjectPermission(object: .lead, actions: [.read, .create, .edit, .claim]),
                ObjectPermission(object: .customer, actions: []),
            ],
            dataScope: .selfAndSubordinates,
            systemLocked: false
        ),
        RoleDefined(roleId: ID(101), name: "Admin", objectPermissions: [], dataScope: .all, systemLocked: true),
        RolePermissionsChanged(
            roleId: ID(100),
            changes: [
                RolePermissionChange(kind: .grant, object: .activity, actions: [.read, .create], dataScope: nil),
                RolePermissionChange(kind: .setDataScope, object: nil, actions: [], dataScope: .department),
            ]
        ),
        RolePermissionsChanged(roleId: ID(100), changes: []),
        FieldPermissionSet(roleId: ID(100), object: .customer, field: "phone", access: .read, mask: .inList),
        UserRolesChanged(userId: ID(2), added: [ID(102)], removed: []),
        SharingRuleDefined(
            ruleId: ID(300),
            object: .customer,
            match: SharingMatch(
                kind: .criteria,
                ownerGroup: nil,
                criteria: [
                    FieldCriterion(field: "industry", op: .equals, value: "wholesale"),
                    FieldCriterion(field: "name", op: .contains, value: "\"quoted\" \\ back\\slash\n/line ✓"),
                ]
            ),
            grantee: Grantee(kind: .role, id: ID(101)),
            access: .read
        ),
        SharingRuleDefined(
            ruleId: ID(301),
            object: .opportunity,
            match: SharingMatch(kind: .ownerGroup, ownerGroup: Grantee(kind: .dept, id: ID(11)), criteria: []),
            grantee: Grantee(kind: .group, id: ID(UInt64.max)),
            access: .edit
        ),
        RecordShared(
            entityType: .customer,
            entityId: ID(500),
            granteeUserId: ID(2),
            access: .readWrite,
            expiresAt: t0.adding(days: 30),
            reason: .transferRetention
        ),
        RecordShared(
            entityType: .contract,
            entityId: ID(501),
            granteeUserId: ID(3),
            access: .read,
            expiresAt: nil,
            reason: .teamMember
        ),
        RecordShareRevoked(entityType: .customer, entityId: ID(500), granteeUserId: ID(2), reason: .expired),
        RecordsExported(
            entityType: .customer,
            filter: [FieldCriterion(field: "level", op: .equals, value: "A")],
            fieldList: ["name", "industry", ""],
            rowCount: Int64.max
        ),
        RecordsExported(entityType: .lead, filter: [], fieldList: [], rowCount: -1),
    ]

    /// `a == b` for two events of any types.
    static func same(_ a: any DomainEvent, _ b: any DomainEvent) -> Bool { AnyHashable(a) == AnyHashable(b) }

    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    /// The codec error `body` throws; records an issue when it throws something else or nothing.
    static func codecError(
        sourceLocation: SourceLocation = #_sourceLocation,
        _ body: () throws -> Void
    ) -> CodecError? {
        do {
            try body()
            Issue.record("expected a CodecError, got none", sourceLocation: sourceLocation)
            return nil
        } catch let error as CodecError {
            return error
        } catch {
            Issue.record("expected a CodecError, got \(type(of: error)): \(error)", sourceLocation: sourceLocation)
            return nil
        }
    }
}

/// A seeded SplitMix64 generator, so that fuzz runs are reproducible.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension CodecError {
    var isTruncated: Bool { if case .truncated = self { true } else { false } }
    var isMalformed: Bool { if case .malformed = self { true } else { false } }
    var isUnsupported: Bool { if case .unsupported = self { true } else { false } }

    /// The message of a `.malformed` or `.unsupported` error.
    var detail: String {
        switch self {
        case .malformed(let m), .unsupported(let m): return m
        default: return description
        }
    }
}
