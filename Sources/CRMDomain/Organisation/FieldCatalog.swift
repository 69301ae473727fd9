// The registry of record fields that field-level permissions (ACC-06), sharing-rule criteria (ACC-08), exports
// (ACC-11) and field edits (LED-02) may name, with the access levels an administrator may configure for each.
//
// WukongCRM keeps the same facts per field in `CrmRoleField` (`authLevel` 1 hidden / 2 read / 3 edit and
// `operateType`, which limits the levels an administrator may pick) [WK-fls]. A record's identifying name can
// never be hidden; system-managed values (owner, status, derived dates) can be shown or hidden but are never
// edited as a field, because dedicated commands change them (transfer, stage moves, credit rating, ...).

/// One configurable field of an object.
public struct FieldSpec: Hashable, Sendable {
    /// The field name as it appears in `changes[].field`, sharing criteria and export field lists.
    public let name: String
    /// The access levels an administrator may set for this field (WK `operateType`).
    public let levels: Set<FieldAccess>
    /// Whether the value may be masked (`138****0000`) in lists or everywhere (WK `maskType`).
    public let maskable: Bool

    public init(name: String, levels: Set<FieldAccess>, maskable: Bool = false) {
        self.name = name
        self.levels = levels
        self.maskable = maskable
    }

    /// True when the field can be edited through a field change (`*Updated` events).
    public var isEditable: Bool { levels.contains(.edit) }
}

/// The fixed field registry, per object type.
public enum FieldCatalog {
    /// Any level: hidden, read-only or editable.
    static let anyLevel: Set<FieldAccess> = [.hidden, .read, .edit]
    /// Identifying fields: always visible, optionally read-only.
    static let identifying: Set<FieldAccess> = [.read, .edit]
    /// Values managed by commands (derived or changed by a dedicated command): hidden or read-only.
    static let managed: Set<FieldAccess> = [.hidden, .read]
    /// Structural values everyone with access to the record sees: read-only.
    static let structural: Set<FieldAccess> = [.read]

    /// The configurable fields of `object`, in display order; empty for objects without configurable fields.
    public static func fields(of object: ObjectType) -> [FieldSpec] {
        switch object {
        case .lead:
            return [
                FieldSpec(name: "name", levels: identifying),
                FieldSpec(name: "company", levels: anyLevel),
                FieldSpec(name: "title", levels: anyLevel),
                FieldSpec(name: "phone", levels: anyLevel, maskable: true),
                FieldSpec(name: "email", levels: anyLevel, maskable: true),
                FieldSpec(name: "address", levels: anyLevel, maskable: true),
                FieldSpec(name: "industry", levels: anyLevel),
                FieldSpec(name: "channel", levels: managed),
                FieldSpec(name: "grade", levels: managed),
                FieldSpec(name: "status", levels: structural),
                FieldSpec(name: "ownerId", levels: structural),
            ]
        case .customer:
            return [
                FieldSpec(name: "name", levels: identifying),
                FieldSpec(name: "kind", levels: identifying),
                FieldSpec(name: "source", levels: anyLevel),
                FieldSpec(name: "industry", levels: anyLevel),
                FieldSpec(name: "address", levels: anyLevel, maskable: true),
                FieldSpec(name: "phone", levels: anyLevel, maskable: true),
                FieldSpec(name: "email", levels: anyLevel, maskable: true),
                FieldSpec(name: "website", levels: anyLevel),
                FieldSpec(name: "remark", levels: anyLevel),
                FieldSpec(name: "level", levels: managed),
                FieldSpec(name: "creditLimit", levels: managed),
                FieldSpec(name: "dealt", levels: managed),
                FieldSpec(name: "lastFollowUpAt", levels: managed),
                FieldSpec(name: "ownerId", levels: structural),
            ]
        case .contact:
            return [
                FieldSpec(name: "name", levels: identifying),
                FieldSpec(name: "title", levels: anyLevel),
                FieldSpec(name: "department", levels: anyLevel),
                FieldSpec(name: "phones", levels: anyLevel, maskable: true),
                FieldSpec(name: "email", levels: anyLevel, maskable: true),
                FieldSpec(name: "reportsToContactId", levels: anyLevel),
                FieldSpec(name: "role", levels: anyLevel),
                FieldSpec(name: "customerId", levels: structural),
            ]
        case .opportunity:
            return [
                FieldSpec(name: "name", levels: identifying),
                FieldSpec(name: "description", levels: anyLevel),
                FieldSpec(name: "nextStep", levels: anyLevel),
                FieldSpec(name: "amount", levels: managed),
                FieldSpec(name: "expectedCloseDate", levels: managed),
                FieldSpec(name: "probability", levels: managed),
                FieldSpec(name: "forecastCategory", levels: managed),
                FieldSpec(name: "stageId", levels: structural),
                FieldSpec(name: "customerId", levels: structural),
                FieldSpec(name: "ownerId", levels: structural),
            ]
        case .contract:
            return [
                FieldSpec(name: "number", levels: structural),
                FieldSpec(name: "amount", levels: anyLevel),
                FieldSpec(name: "startDate", levels: anyLevel),
                FieldSpec(name: "endDate", levels: anyLevel),
                FieldSpec(name: "paymentTerms", levels: anyLevel),
                FieldSpec(name: "status", levels: structural),
                FieldSpec(name: "customerId", levels: structural),
                FieldSpec(name: "ownerId", levels: structural),
            ]
        case .payment:
            return [
                FieldSpec(name: "amount", levels: managed),
                FieldSpec(name: "method", levels: anyLevel),
                FieldSpec(name: "receivedOn", levels: anyLevel),
                FieldSpec(name: "remark", levels: anyLevel),
                FieldSpec(name: "contractId", levels: structural),
            ]
        case .member:
            return [
                FieldSpec(name: "name", levels: identifying),
                FieldSpec(name: "phone", levels: anyLevel, maskable: true),
                FieldSpec(name: "email", levels: anyLevel, maskable: true),
                FieldSpec(name: "birthday", levels: anyLevel, maskable: true),
                FieldSpec(name: "idNumber", levels: anyLevel, maskable: true),
                FieldSpec(name: "tierId", levels: managed),
            ]
        case .ticket:
            return [
                FieldSpec(name: "subject", levels: identifying),
                FieldSpec(name: "description", levels: anyLevel),
                FieldSpec(name: "priority", levels: anyLevel),
                FieldSpec(name: "status", levels: structural),
                FieldSpec(name: "customerId", levels: structural),
            ]
        default:
            return []
        }
    }

    /// The spec of `field` of `object`, or `nil` when the registry does not list it.
    public static func spec(_ object: ObjectType, _ field: String) -> FieldSpec? {
        fields(of: object).first { $0.name == field }
    }

    /// The names of the fields of `object` that field changes may edit.
    public static func editableFields(of object: ObjectType) -> [String] {
        fields(of: object).filter(\.isEditable).map(\.name)
    }
}
