// The configured customer level scale (CUS-01/03 "level configured", POL-04 "perLevel covers every configured
// level") and credit-rating scale (CUS-04 "rating in scale"). The catalogue leaves this configuration implicit;
// following §0.3 ("configuration is event-sourced too") it is one stream, `customerSettings-default`, with one
// event, `CustomerScalesConfigured` (an addition to the catalogue). Before any configuration the WukongCRM default
// levels A/B/C (default C) and the rating scale AAA..C apply.

/// Customer level and credit-rating scales configured (catalogue addition, see file comment).
public struct CustomerScalesConfigured: DomainEvent {
    public static let eventType = "CustomerScalesConfigured"
    /// Levels (客户级别) in display order, e.g. `["A", "B", "C"]`.
    public let levels: [String]
    /// The level a customer gets when created without one; one of `levels`.
    public let defaultLevel: String
    /// Credit ratings from best to worst, e.g. `["AAA", "AA", "A", "BBB", "BB", "B", "C"]`.
    public let creditRatings: [String]

    public init(levels: [String], defaultLevel: String, creditRatings: [String]) {
        self.levels = levels
        self.defaultLevel = defaultLevel
        self.creditRatings = creditRatings
    }
}

/// The customer scales: stream `customerSettings-default`.
public struct CustomerSettings: Aggregate {
    public static let category = "customerSettings"
    /// The single settings stream of a tenant.
    public static let stream = StreamRef(category, "default")
    public static let builtInLevels = ["A", "B", "C"]
    public static let builtInDefaultLevel = "C"
    public static let builtInCreditRatings = ["AAA", "AA", "A", "BBB", "BB", "B", "C"]

    public var levels = CustomerSettings.builtInLevels
    public var defaultLevel = CustomerSettings.builtInDefaultLevel
    public var creditRatings = CustomerSettings.builtInCreditRatings

    public init() {}

    public func isConfiguredLevel(_ level: String) -> Bool { levels.contains(level) }

    public mutating func apply(_ event: any DomainEvent) {
        guard let e = event as? CustomerScalesConfigured else { return }
        levels = e.levels
        defaultLevel = e.defaultLevel
        creditRatings = e.creditRatings
    }

    /// The current settings (built-in ones when never configured); registers the read.
    public static func current(in d: inout Decision) -> CustomerSettings {
        d.load(CustomerSettings.self, stream: stream) ?? CustomerSettings()
    }
}

/// Configure the customer level and credit-rating scales (catalogue addition). Administered, like pools and
/// ownership limits, with the `edit` permission on pools.
public struct ConfigureCustomerScales: Command {
    public let levels: [String]
    public let defaultLevel: String
    public let creditRatings: [String]

    public init(levels: [String], defaultLevel: String, creditRatings: [String]) {
        self.levels = levels
        self.defaultLevel = defaultLevel
        self.creditRatings = creditRatings
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let rule = "CUS-CFG.scales"
        try d.authorize(.edit, on: .pool, rule: "CUS-CFG.perm")
        for (field, values) in [("levels", levels), ("creditRatings", creditRatings)] {
            guard !values.isEmpty else { throw .missing(rule, field: field) }
            for v in values { try Rejection.require(v, rule, field: field) }
            guard Set(values).count == values.count else {
                throw .invalidInput(rule, field: field, "values must be distinct, got \(values)")
            }
        }
        guard levels.contains(defaultLevel) else {
            throw .invalidInput(rule, field: "defaultLevel", "'\(defaultLevel)' is not one of the levels \(levels)")
        }
        d.emit(
            CustomerScalesConfigured(levels: levels, defaultLevel: defaultLevel, creditRatings: creditRatings),
            to: CustomerSettings.stream
        )
    }
}
