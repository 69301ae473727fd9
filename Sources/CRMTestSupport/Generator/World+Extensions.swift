import CRMDomain

/// Marketing, loyalty and service activity (issue 5): filled in by the marketing/loyalty/service generator.
struct ExtensionsState {
    var campaigns: [(id: ID, from: LocalDate, to: LocalDate)] = []

    func activeCampaign(on date: LocalDate) -> ID? {
        campaigns.first { date >= $0.from && date <= $0.to }?.id
    }
}

extension World {
    mutating func setUpExtensions(_ runner: inout some CommandRunner) async throws(RunnerError) {}
    mutating func simulateExtensions(day: Int, _ runner: inout some CommandRunner) async throws(RunnerError) {}
}
