// Quota (target) attainment, reference §3.3: targets per period from monthly values, actuals from approved
// records, attainment = actual / target (n/a when the target is 0), gap = target − actual, optional run rate.
// All arithmetic is on integers (minor units or counts); percentages are basis points (10_000 = 100 %).

/// The §3.3 formulas as pure functions.
public enum QuotaAttainment {
    /// Σ of the months of `period` from a year's twelve monthly values; the year is the Σ of the twelve months.
    /// `nil` when `period` is not inside `year` or `monthly` does not have twelve values.
    public static func target(monthly: [Int64], year: Int, period: Period) -> Int64? {
        guard monthly.count == 12, period.year == year else { return nil }
        switch period.kind {
        case .month: return monthly[period.index - 1]
        case .quarter: return monthly[(period.index - 1) * 3..<period.index * 3].reduce(0, +)
        case .year: return monthly.reduce(0, +)
        }
    }

    /// Attainment of `actual` against `target`: `actual × 10_000 / target` rounded half up, `nil` ("n/a") when
    /// the target is 0 (never ∞).
    public static func attainmentBasisPoints(actual: Int64, target: Int64) -> Int64? {
        guard target != 0 else { return nil }
        return QuotaMath.divideRounded(actual * 10_000, by: target)
    }

    /// `target − actual` (negative when the target is exceeded).
    public static func gap(actual: Int64, target: Int64) -> Int64 { target - actual }

    /// `actual / elapsedWorkingDays × totalWorkingDays`, rounded half up; `nil` before the first working day.
    public static func runRate(actual: Int64, elapsedWorkingDays: Int, totalWorkingDays: Int) -> Int64? {
        guard elapsedWorkingDays > 0, totalWorkingDays >= elapsedWorkingDays else { return nil }
        return QuotaMath.divideRounded(actual * Int64(totalWorkingDays), by: Int64(elapsedWorkingDays))
    }

    /// The attainment as shown to users, one decimal: `"97.1%"`, or `"n/a"` when the target is 0. Rounded once,
    /// from the exact ratio.
    public static func attainmentText(actual: Int64, target: Int64) -> String {
        guard target != 0 else { return "n/a" }
        let tenths = QuotaMath.divideRounded(actual * 1000, by: target)
        let sign = tenths < 0 ? "-" : ""
        let m = tenths.magnitude
        return "\(sign)\(m / 10).\(m % 10)%"
    }

    /// One row of an attainment report.
    public struct Line: Hashable, Sendable {
        public let period: Period
        public let target: Int64
        public let actual: Int64
        public var attainmentBasisPoints: Int64? {
            QuotaAttainment.attainmentBasisPoints(actual: actual, target: target)
        }
        public var attainmentText: String { QuotaAttainment.attainmentText(actual: actual, target: target) }
        public var gap: Int64 { QuotaAttainment.gap(actual: actual, target: target) }

        public init(period: Period, target: Int64, actual: Int64) {
            self.period = period
            self.target = target
            self.actual = actual
        }
    }

    /// Attainment lines for `periods` of a target's year.
    public static func lines(monthly: [Int64], year: Int, actuals: (Period) -> Int64, periods: [Period]) -> [Line] {
        periods.compactMap { p in
            target(monthly: monthly, year: year, period: p).map { Line(period: p, target: $0, actual: actuals(p)) }
        }
    }

    // MARK: Actuals

    /// A contract as the contract-amount actual sees it. `ownerAtOrderDate` is the owner on the order date, so a
    /// later transfer does not move past actuals.
    public struct ContractFact: Hashable, Sendable {
        public let ownerAtOrderDate: ID
        public let orderDate: LocalDate
        public let amountMinor: Int64
        public let status: ContractStatus

        public init(ownerAtOrderDate: ID, orderDate: LocalDate, amountMinor: Int64, status: ContractStatus) {
            self.ownerAtOrderDate = ownerAtOrderDate
            self.orderDate = orderDate
            self.amountMinor = amountMinor
            self.status = status
        }
    }

    /// A verified payment as the payment-amount actual sees it: its net amount (verified − reversed) and the
    /// users credited, in basis points (the contract owner at receivedAt with 10_000, or the revenue splits).
    public struct PaymentFact: Hashable, Sendable {
        public let receivedOn: LocalDate
        public let netAmountMinor: Int64
        public let credits: [OpportunitySplit]

        public init(receivedOn: LocalDate, netAmountMinor: Int64, credits: [OpportunitySplit]) {
            self.receivedOn = receivedOn
            self.netAmountMinor = netAmountMinor
            self.credits = credits
        }
    }

    /// `contractAmount(scope, P)`: Σ amount of contracts approved or signed (an expired contract was signed),
    /// with `orderDate ∈ P` and owner (at orderDate) ∈ `owners`. Drafts, rejected and void contracts are excluded.
    public static func contractAmount(_ facts: [ContractFact], owners: Set<ID>, period: Period) -> Int64 {
        facts.filter { f in
            [.approved, .signed, .expired].contains(f.status) && period.contains(f.orderDate)
                && owners.contains(f.ownerAtOrderDate)
        }
        .reduce(0) { $0 + $1.amountMinor }
    }

    /// `paymentAmount(scope, P)`: Σ (verified − reversed) × credit share of the users in `owners`, for payments
    /// received in P; each share rounded half up.
    public static func paymentAmount(_ facts: [PaymentFact], owners: Set<ID>, period: Period) -> Int64 {
        var total: Int64 = 0
        for f in facts where period.contains(f.receivedOn) {
            for c in f.credits where owners.contains(c.userId) {
                total += QuotaMath.divideRounded(f.netAmountMinor * c.percentBasisPoints, by: 10_000)
            }
        }
        return total
    }
}

/// Integer division rounded half away from zero.
enum QuotaMath {
    static func divideRounded(_ numerator: Int64, by denominator: Int64) -> Int64 {
        precondition(denominator != 0)
        let q = numerator / denominator
        let r = numerator % denominator
        if 2 * r.magnitude >= denominator.magnitude { return q + ((numerator < 0) != (denominator < 0) ? -1 : 1) }
        return q
    }
}
