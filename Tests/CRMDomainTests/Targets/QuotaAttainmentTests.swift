import CRMDomain
import Testing

/// Reference §3.3 worked example: rep Li, contract-amount targets Apr 100 000, May 120 000, Jun 130 000.
@Suite struct QuotaAttainmentTests {
    let li = ID(2)
    let wang = ID(3)
    /// Targets in yuan (the example is in whole yuan; minor units only scale both sides).
    let monthly: [Int64] = [0, 0, 0, 100_000, 120_000, 130_000, 0, 0, 0, 0, 0, 0]

    @Test func quarterAndYearTargetsAreSumsOfMonths() {
        #expect(QuotaAttainment.target(monthly: monthly, year: 2026, period: .quarter(2026, 2)) == 350_000)
        #expect(QuotaAttainment.target(monthly: monthly, year: 2026, period: .month(2026, 5)) == 120_000)
        #expect(QuotaAttainment.target(monthly: monthly, year: 2026, period: .year(2026)) == 350_000)
        #expect(QuotaAttainment.target(monthly: monthly, year: 2026, period: .quarter(2027, 2)) == nil)
        #expect(QuotaAttainment.target(monthly: [1, 2], year: 2026, period: .year(2026)) == nil)
    }

    @Test func theWorkedExampleAttainments() {
        let facts = [
            QuotaAttainment.ContractFact(
                ownerAtOrderDate: li,
                orderDate: LocalDate(2026, 4, 10),
                amountMinor: 90_000,
                status: .signed
            ),
            QuotaAttainment.ContractFact(
                ownerAtOrderDate: li,
                orderDate: LocalDate(2026, 5, 3),
                amountMinor: 100_000,
                status: .approved
            ),
            QuotaAttainment.ContractFact(
                ownerAtOrderDate: li,
                orderDate: LocalDate(2026, 5, 20),
                amountMinor: 50_000,
                status: .expired
            ),
            QuotaAttainment.ContractFact(
                ownerAtOrderDate: li,
                orderDate: LocalDate(2026, 6, 30),
                amountMinor: 100_000,
                status: .signed
            ),
            // Excluded: not approved, void, rejected, someone else's, outside Q2.
            QuotaAttainment.ContractFact(
                ownerAtOrderDate: li,
                orderDate: LocalDate(2026, 6, 1),
                amountMinor: 70_000,
                status: .submitted
            ),
            QuotaAttainment.ContractFact(
                ownerAtOrderDate: li,
                orderDate: LocalDate(2026, 6, 2),
                amountMinor: 70_000,
                status: .voided
            ),
            QuotaAttainment.ContractFact(
                ownerAtOrderDate: li,
                orderDate: LocalDate(2026, 6, 3),
                amountMinor: 70_000,
                status: .rejected
            ),
            QuotaAttainment.ContractFact(
                ownerAtOrderDate: wang,
                orderDate: LocalDate(2026, 6, 4),
                amountMinor: 70_000,
                status: .signed
            ),
            QuotaAttainment.ContractFact(
                ownerAtOrderDate: li,
                orderDate: LocalDate(2026, 7, 1),
                amountMinor: 70_000,
                status: .signed
            ),
        ]
        let lines = QuotaAttainment.lines(
            monthly: monthly,
            year: 2026,
            actuals: { QuotaAttainment.contractAmount(facts, owners: [li], period: $0) },
            periods: [.month(2026, 4), .month(2026, 5), .month(2026, 6), .quarter(2026, 2)]
        )
        #expect(lines.map(\.actual) == [90_000, 150_000, 100_000, 340_000])
        #expect(lines.map(\.attainmentText) == ["90.0%", "125.0%", "76.9%", "97.1%"])
        #expect(lines.map(\.attainmentBasisPoints) == [9_000, 12_500, 7_692, 9_714])
        #expect(lines.map(\.gap) == [10_000, -30_000, 30_000, 10_000])
    }

    @Test func thePaymentTargetExample() {
        let facts = [
            QuotaAttainment.PaymentFact(
                receivedOn: LocalDate(2026, 4, 15),
                netAmountMinor: 200_000,
                credits: [OpportunitySplit(userId: li, percentBasisPoints: 10_000)]
            ),
            QuotaAttainment.PaymentFact(
                receivedOn: LocalDate(2026, 6, 15),
                netAmountMinor: 100_000,
                credits: [
                    OpportunitySplit(userId: li, percentBasisPoints: 5_500),
                    OpportunitySplit(userId: wang, percentBasisPoints: 4_500),
                ]
            ),
            QuotaAttainment.PaymentFact(
                receivedOn: LocalDate(2026, 7, 1),
                netAmountMinor: 100_000,
                credits: [OpportunitySplit(userId: li, percentBasisPoints: 10_000)]
            ),
        ]
        let actual = QuotaAttainment.paymentAmount(facts, owners: [li], period: .quarter(2026, 2))
        #expect(actual == 255_000)
        #expect(QuotaAttainment.attainmentText(actual: actual, target: 300_000) == "85.0%")
        #expect(QuotaAttainment.attainmentBasisPoints(actual: actual, target: 300_000) == 8_500)
    }

    @Test func aZeroTargetIsNotApplicableAndRunRateProjects() {
        #expect(QuotaAttainment.attainmentBasisPoints(actual: 5, target: 0) == nil)
        #expect(QuotaAttainment.attainmentText(actual: 5, target: 0) == "n/a")
        #expect(QuotaAttainment.runRate(actual: 90_000, elapsedWorkingDays: 10, totalWorkingDays: 21) == 189_000)
        #expect(QuotaAttainment.runRate(actual: 90_000, elapsedWorkingDays: 0, totalWorkingDays: 21) == nil)
        #expect(QuotaAttainment.runRate(actual: 100, elapsedWorkingDays: 3, totalWorkingDays: 20) == 667)
    }
}
