// Configuration of catalogue §2.4 (OPP-01..OPP-03): versioned pipelines (stream pipeline-<pipelineId>) and lost
// reasons (stream lostReason-<reasonId>), with their commands.
//
// A pipeline keeps every version's stages. Opportunities record the version their stage belongs to and are
// validated against it until they move; a move adopts the latest version, reaching it through the stage mappings
// of the revisions in between (§0.3, OPP-02).

/// One stage of a pipeline version [SF-stage][WK-biz]. `defaultProbability` is integer percent (0...100).
public struct PipelineStage: Codable, Hashable, Sendable {
    public let stageId: String
    public let name: String
    public let order: Int64
    public let defaultProbability: Int64
    public let forecastCategory: ForecastCategory
    public let isClosed: Bool
    public let isWon: Bool
    /// Days in the stage after which an open deal counts as stalled [PD-rot].
    public let rottenDays: Int64?
    /// A checklist to confirm before entering the stage (Odoo `requirements`).
    public let requirements: String?

    public init(
        stageId: String,
        name: String,
        order: Int64,
        defaultProbability: Int64,
        forecastCategory: ForecastCategory,
        isClosed: Bool = false,
        isWon: Bool = false,
        rottenDays: Int64? = nil,
        requirements: String? = nil
    ) {
        self.stageId = stageId
        self.name = name
        self.order = order
        self.defaultProbability = defaultProbability
        self.forecastCategory = forecastCategory
        self.isClosed = isClosed
        self.isWon = isWon
        self.rottenDays = rottenDays
        self.requirements = requirements
    }

    public var isOpen: Bool { !isClosed }
    public var isLost: Bool { isClosed && !isWon }
    /// True when entering needs the checklist confirmed.
    public var hasRequirements: Bool { !(requirements ?? "").trimmingWhitespace().isEmpty }
}

/// OPP-02: where opportunities in a removed stage go.
public struct PipelineStageMapping: Codable, Hashable, Sendable {
    public let removedStageId: String
    public let stageId: String

    public init(removedStageId: String, stageId: String) {
        self.removedStageId = removedStageId
        self.stageId = stageId
    }
}

// MARK: - Events

/// OPP-01. A pipeline was defined with its first version of stages.
public struct PipelineDefined: DomainEvent {
    public static let eventType = "PipelineDefined"
    public let pipelineId: ID
    public let name: String
    public let deptScope: [ID]
    public let version: Int64
    public let stages: [PipelineStage]

    public init(pipelineId: ID, name: String, deptScope: [ID], version: Int64, stages: [PipelineStage]) {
        self.pipelineId = pipelineId
        self.name = name
        self.deptScope = deptScope
        self.version = version
        self.stages = stages
    }
}

/// OPP-02. A new version of a pipeline's stages; removed stages holding open deals are mapped.
public struct PipelineRevised: DomainEvent {
    public static let eventType = "PipelineRevised"
    public let pipelineId: ID
    public let version: Int64
    public let stages: [PipelineStage]
    public let stageMapping: [PipelineStageMapping]

    public init(pipelineId: ID, version: Int64, stages: [PipelineStage], stageMapping: [PipelineStageMapping]) {
        self.pipelineId = pipelineId
        self.version = version
        self.stages = stages
        self.stageMapping = stageMapping
    }
}

/// OPP-03. A lost reason was defined, renamed, activated or deactivated.
public struct LostReasonDefined: DomainEvent {
    public static let eventType = "LostReasonDefined"
    public let reasonId: ID
    public let name: String
    public let active: Bool

    public init(reasonId: ID, name: String, active: Bool) {
        self.reasonId = reasonId
        self.name = name
        self.active = active
    }

    public func indexEntries(in stream: StreamRef) -> [IndexEntry] {
        [.claim(LostReason.nameKey(name), owner: stream)]
    }
}

// MARK: - Aggregates

/// A pipeline with every version's stages, folded from `pipeline-<pipelineId>`.
public struct Pipeline: Aggregate {
    public static let category = "pipeline"

    public var exists = false
    public var pipelineId: ID?
    public var name = ""
    public var deptScope: [ID] = []
    /// Stages per version, sorted by order.
    public var versions: [Int64: [PipelineStage]] = [:]
    /// Stage mappings of the revision that introduced each version.
    public var mappings: [Int64: [PipelineStageMapping]] = [:]
    public var latestVersion: Int64 = 0

    public init() {}

    public var latestStages: [PipelineStage] { versions[latestVersion] ?? [] }

    /// The stage `stageId` of `version` (the latest when `nil`).
    public func stage(_ stageId: String, version: Int64? = nil) -> PipelineStage? {
        versions[version ?? latestVersion]?.first { $0.stageId == stageId }
    }

    /// The stage of the latest version that an opportunity at `stageId` of `version` corresponds to, following the
    /// mappings of each later revision; `nil` when the stage was removed without a mapping.
    public func currentStage(for stageId: String, recordedIn version: Int64) -> PipelineStage? {
        var id = stageId
        var v = version
        while v < latestVersion {
            v += 1
            guard let stages = versions[v] else { continue }
            if !stages.contains(where: { $0.stageId == id }) {
                guard let m = mappings[v]?.first(where: { $0.removedStageId == id }) else { return nil }
                id = m.stageId
            }
        }
        return stage(id)
    }

    /// The open stage with the lowest order in the latest version.
    public var firstOpenStage: PipelineStage? { latestStages.first { $0.isOpen } }

    public mutating func apply(_ event: any DomainEvent) {
        switch event {
        case let e as PipelineDefined:
            exists = true
            pipelineId = e.pipelineId
            name = e.name
            deptScope = e.deptScope
            versions[e.version] = e.stages.sorted { $0.order < $1.order }
            latestVersion = max(latestVersion, e.version)
        case let e as PipelineRevised:
            versions[e.version] = e.stages.sorted { $0.order < $1.order }
            mappings[e.version] = e.stageMapping
            latestVersion = max(latestVersion, e.version)
        default:
            break
        }
    }
}

/// A lost reason (Odoo `crm.lost.reason`), folded from `lostReason-<reasonId>`.
public struct LostReason: Aggregate {
    public static let category = "lostReason"

    public var exists = false
    public var reasonId: ID?
    public var name = ""
    public var active = false

    public init() {}

    public static func nameKey(_ name: String) -> UniqueKey { UniqueKey(scope: "lostReason.name", value: name) }

    public mutating func apply(_ event: any DomainEvent) {
        if let e = event as? LostReasonDefined {
            exists = true
            reasonId = e.reasonId
            name = e.name
            active = e.active
        }
    }
}

// MARK: - Stage rules

enum PipelineRules {
    /// The OPP-01 stage rules, reported under `row` (OPP-01 or OPP-02).
    static func validate(_ stages: [PipelineStage], row: String) throws(Rejection) {
        guard !stages.isEmpty else { throw .missing("\(row).stages", field: "stages") }
        var ids = Set<String>()
        var orders = Set<Int64>()
        for s in stages {
            try Rejection.require(s.stageId, "\(row).stageId", field: "stages.stageId")
            try Rejection.require(s.name, "\(row).stageName", field: "stages[\(s.stageId)].name")
            guard ids.insert(s.stageId).inserted else {
                throw .violated(
                    "\(row).stageIdsUnique",
                    "stage id '\(s.stageId)' appears twice; give every stage its own id",
                    ["stageId": s.stageId]
                )
            }
            guard orders.insert(s.order).inserted else {
                throw .violated(
                    "\(row).ordersUnique",
                    "order \(s.order) is used by more than one stage (again by '\(s.stageId)'); orders must be unique",
                    ["stageId": s.stageId, "order": "\(s.order)"]
                )
            }
            if let r = s.rottenDays, r < 1 {
                throw .invalidInput(
                    "\(row).rottenDays",
                    field: "stages[\(s.stageId)].rottenDays",
                    "must be ≥ 1, got \(r)"
                )
            }
            if s.isWon {
                guard s.isClosed, s.defaultProbability == 100, s.forecastCategory == .closed else {
                    throw .violated(
                        "\(row).wonStage",
                        "won stage '\(s.stageId)' must be closed with probability 100 and category closed "
                            + "(is closed: \(s.isClosed), p = \(s.defaultProbability), "
                            + "category \(s.forecastCategory.rawValue))",
                        ["stageId": s.stageId]
                    )
                }
            } else if s.isClosed {
                guard s.defaultProbability == 0, s.forecastCategory == .omitted else {
                    throw .violated(
                        "\(row).lostStage",
                        "lost stage '\(s.stageId)' must have probability 0 and category omitted "
                            + "(p = \(s.defaultProbability), category \(s.forecastCategory.rawValue))",
                        ["stageId": s.stageId]
                    )
                }
            } else {
                guard (0..<100).contains(s.defaultProbability), s.forecastCategory != .closed else {
                    throw .violated(
                        "\(row).openStage",
                        "open stage '\(s.stageId)' needs 0 ≤ probability < 100 and a category other than closed "
                            + "(p = \(s.defaultProbability), category \(s.forecastCategory.rawValue))",
                        ["stageId": s.stageId]
                    )
                }
            }
        }
        guard stages.contains(where: \.isWon), stages.contains(where: \.isLost) else {
            throw .violated(
                "\(row).wonAndLostStages",
                "a pipeline needs at least one won and one lost stage; "
                    + "won: \(stages.filter(\.isWon).count), lost: \(stages.filter(\.isLost).count)",
                [:]
            )
        }
    }
}

// MARK: - Commands

/// OPP-01: define a new pipeline (version 1).
public struct DefinePipeline: Command {
    public let pipelineId: ID
    public let name: String
    public let deptScope: [ID]
    public let stages: [PipelineStage]

    public init(pipelineId: ID, name: String, deptScope: [ID] = [], stages: [PipelineStage]) {
        self.pipelineId = pipelineId
        self.name = name
        self.deptScope = deptScope
        self.stages = stages
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        try d.authorize(.create, on: .pipeline, rule: "OPP-01.perm")
        try Rejection.require(name, "OPP-01.name", field: "name")
        for dept in deptScope where d.organisation.departments[dept] == nil {
            throw .notFound("OPP-01.deptScope", "department", id: dept)
        }
        guard d.load(Pipeline.self, pipelineId) == nil else {
            throw .alreadyExists("OPP-01.pipelineIdUnique", "pipeline", pipelineId)
        }
        try PipelineRules.validate(stages, row: "OPP-01")
        d.emit(
            PipelineDefined(pipelineId: pipelineId, name: name, deptScope: deptScope, version: 1, stages: stages),
            to: .of(Pipeline.self, pipelineId)
        )
    }
}

/// OPP-02: revise a pipeline's stages as a new version (latest + 1). Open opportunities in a removed stage need a
/// mapping to an open stage of the new version; they keep their recorded version until they next move.
public struct RevisePipeline: Command {
    public let pipelineId: ID
    public let stages: [PipelineStage]
    public let stageMapping: [PipelineStageMapping]

    public init(pipelineId: ID, stages: [PipelineStage], stageMapping: [PipelineStageMapping] = []) {
        self.pipelineId = pipelineId
        self.stages = stages
        self.stageMapping = stageMapping
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        try d.authorize(.edit, on: .pipeline, rule: "OPP-02.perm")
        guard let pipeline = d.load(Pipeline.self, pipelineId), pipeline.exists else {
            throw .notFound("OPP-02.pipelineExists", "pipeline", id: pipelineId)
        }
        try PipelineRules.validate(stages, row: "OPP-02")
        let newIds = Set(stages.map(\.stageId))
        let removed = Set(pipeline.latestStages.map(\.stageId)).subtracting(newIds)
        var mapped = Set<String>()
        for m in stageMapping {
            guard removed.contains(m.removedStageId) else {
                throw .invalidInput(
                    "OPP-02.stageMapping",
                    field: "stageMapping",
                    "'\(m.removedStageId)' is not a stage removed by this revision (removed: \(removed.sorted()))"
                )
            }
            guard mapped.insert(m.removedStageId).inserted else {
                throw .invalidInput(
                    "OPP-02.stageMapping",
                    field: "stageMapping",
                    "'\(m.removedStageId)' is mapped twice"
                )
            }
            guard let target = stages.first(where: { $0.stageId == m.stageId }), target.isOpen else {
                throw .violated(
                    "OPP-02.mappingTarget",
                    "removed stage '\(m.removedStageId)' maps to '\(m.stageId)', which is not an open stage of the "
                        + "new version; map it to an open stage",
                    ["removedStageId": m.removedStageId, "stageId": m.stageId]
                )
            }
        }
        let pipelineStream = StreamRef.of(Pipeline.self, pipelineId)
        for child in d.children(of: pipelineStream, category: Opportunity.category) {
            guard let opp = d.load(Opportunity.self, stream: child), opp.isOpen,
                let stageId = opp.stageId, let version = opp.pipelineVersion,
                let current = pipeline.currentStage(for: stageId, recordedIn: version),
                removed.contains(current.stageId), !mapped.contains(current.stageId)
            else { continue }
            throw .violated(
                "OPP-02.removedStageMapped",
                "stage '\(current.stageId)' is removed but open opportunity \(child.key) is in it; "
                    + "add a stageMapping for it",
                ["stageId": current.stageId, "oppId": child.key]
            )
        }
        d.emit(
            PipelineRevised(
                pipelineId: pipelineId,
                version: pipeline.latestVersion + 1,
                stages: stages,
                stageMapping: stageMapping
            ),
            to: pipelineStream
        )
    }
}

/// OPP-03: define a lost reason, or rename / (de)activate an existing one. Names are unique (case-insensitive).
public struct DefineLostReason: Command {
    public let reasonId: ID
    public let name: String
    public let active: Bool

    public init(reasonId: ID, name: String, active: Bool = true) {
        self.reasonId = reasonId
        self.name = name
        self.active = active
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let existing = d.load(LostReason.self, reasonId)
        try d.authorize(existing == nil ? .create : .edit, on: .lostReason, rule: "OPP-03.perm")
        try Rejection.require(name, "OPP-03.name", field: "name")
        let stream = StreamRef.of(LostReason.self, reasonId)
        if let owner = d.lookup(LostReason.nameKey(name)), owner != stream,
            let other = d.load(LostReason.self, stream: owner),
            LostReason.nameKey(other.name) == LostReason.nameKey(name)
        {
            throw .violated(
                "OPP-03.nameUnique",
                "lost reason name '\(name)' is already used by \(owner.key); choose another name",
                ["name": name, "reasonId": owner.key]
            )
        }
        if let existing, existing.name == name, existing.active == active {
            throw .invalidInput(
                "OPP-03.noChange",
                field: "name",
                "lost reason \(reasonId) already is '\(name)', active \(active)"
            )
        }
        d.emit(LostReasonDefined(reasonId: reasonId, name: name, active: active), to: stream)
    }
}
