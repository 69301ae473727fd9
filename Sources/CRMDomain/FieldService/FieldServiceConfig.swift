// Field-service configuration the catalogue rows reference but do not define (extension events FSV-X1/X2):
//
// - FSV-X1 `TechnicianProfileDefined` (stream `technicianProfile-<userId>`): the skills of a technician, an active
//   user of the organisation. FSV-02 checks "technician has the skills" against it.
// - FSV-X2 `SparePartDefined` (stream `sparePart-<sku>`, sku trimmed and lower-cased): whether replacing the part
//   needs an approval (FSV-08 submits it to the partReplacement approval flow; FSV-11 "if the part requires
//   approval" reads it).
//
// Both are redefinable; a later definition replaces the earlier one.

/// FSV-X1 (extension). A technician's skills were defined or redefined.
public struct TechnicianProfileDefined: DomainEvent {
    public static let eventType = "TechnicianProfileDefined"
    public let technicianId: ID
    /// Skill names, trimmed and lower-cased, without duplicates.
    public let skills: [String]

    public init(technicianId: ID, skills: [String]) {
        self.technicianId = technicianId
        self.skills = skills
    }
}

/// FSV-X2 (extension). A spare part was defined or redefined.
public struct SparePartDefined: DomainEvent {
    public static let eventType = "SparePartDefined"
    /// Trimmed and lower-cased.
    public let sku: String
    public let name: String
    public let requiresApproval: Bool

    public init(sku: String, name: String, requiresApproval: Bool) {
        self.sku = sku
        self.name = name
        self.requiresApproval = requiresApproval
    }
}

/// A technician's profile, folded from `technicianProfile-<userId>`.
public struct TechnicianProfile: Aggregate {
    public static let category = "technicianProfile"

    public var exists = false
    public var technicianId: ID?
    public var skills: Set<String> = []

    public init() {}

    /// The skills in `required` the technician lacks, in the order given.
    public func missingSkills(_ required: [String]) -> [String] {
        required.filter { !skills.contains($0.serviceNormalized) }
    }

    public mutating func apply(_ event: any DomainEvent) {
        if let e = event as? TechnicianProfileDefined {
            exists = true
            technicianId = e.technicianId
            skills = Set(e.skills)
        }
    }
}

/// A spare part, folded from `sparePart-<sku>`.
public struct SparePart: Aggregate {
    public static let category = "sparePart"

    public var exists = false
    public var sku = ""
    public var name = ""
    public var requiresApproval = false

    public init() {}

    /// The stream of the part with `sku` (compared trimmed and lower-cased).
    public static func stream(_ sku: String) -> StreamRef { StreamRef(category, sku.serviceNormalized) }

    public mutating func apply(_ event: any DomainEvent) {
        if let e = event as? SparePartDefined {
            exists = true
            sku = e.sku
            name = e.name
            requiresApproval = e.requiresApproval
        }
    }
}

extension Decision {
    /// The spare part `sku`, or a `notFound` rejection under `rule`.
    mutating func sparePart(_ sku: String, rule: String) throws(Rejection) -> SparePart {
        guard let part = load(SparePart.self, stream: SparePart.stream(sku)), part.exists else {
            throw .notFound(rule, "sparePart", id: sku)
        }
        return part
    }
}

/// FSV-X1: define (or redefine) the skills of a technician.
public struct DefineTechnicianProfile: Command {
    public let technicianId: ID
    public let skills: [String]

    public init(technicianId: ID, skills: [String]) {
        self.technicianId = technicianId
        self.skills = skills
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        try d.authorize(.edit, on: .user, rule: "FSV-X1.perm")
        guard d.organisation.isActiveUser(technicianId) else {
            throw .notFound("FSV-X1.technicianActive", "user", id: technicianId)
        }
        var normalized: [String] = []
        for skill in skills {
            let s = skill.serviceNormalized
            guard !s.isEmpty else { throw .invalidInput("FSV-X1.skills", field: "skills", "a skill name is empty") }
            if !normalized.contains(s) { normalized.append(s) }
        }
        d.emit(
            TechnicianProfileDefined(technicianId: technicianId, skills: normalized),
            to: .of(TechnicianProfile.self, technicianId)
        )
    }
}

/// FSV-X2: define (or redefine) a spare part and whether replacing it needs an approval.
public struct DefineSparePart: Command {
    public let sku: String
    public let name: String
    public let requiresApproval: Bool

    public init(sku: String, name: String, requiresApproval: Bool) {
        self.sku = sku
        self.name = name
        self.requiresApproval = requiresApproval
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        try Rejection.require(sku, "FSV-X2.sku", field: "sku")
        let existing = d.load(SparePart.self, stream: SparePart.stream(sku))
        try d.authorize(existing == nil ? .create : .edit, on: .product, rule: "FSV-X2.perm")
        try Rejection.require(name, "FSV-X2.name", field: "name")
        d.emit(
            SparePartDefined(sku: sku.serviceNormalized, name: name, requiresApproval: requiresApproval),
            to: SparePart.stream(sku)
        )
    }
}
