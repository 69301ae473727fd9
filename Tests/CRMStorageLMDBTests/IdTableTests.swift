import Foundation
import Testing

@testable import CRMStorageLMDB

@Suite struct IdTableTests {
    private func id(_ n: Int) -> UUID { UUID(uuidString: String(format: "00000000-0000-4000-8000-%012x", n))! }

    @Test func findsEveryIdThroughGrowthAndNothingElse() {
        var t = IdTable()
        for n in 1...100_000 { t.insert(id(n), UInt64(n * 3)) }
        #expect(t.count == 100_000)
        for n in stride(from: 1, through: 100_000, by: 7) { #expect(t[id(n)] == UInt64(n * 3)) }
        for n in 100_001...101_000 { #expect(t[id(n)] == nil) }
        // Insertion order is kept (a merge hands ids and positions over as two arrays).
        #expect(t.ids.prefix(3) == [id(1), id(2), id(3)])
        #expect(t.positions.prefix(3) == [3, 6, 9])
    }

    @Test func aSecondInsertOfAnIdReplacesItsPosition() {
        var t = IdTable(capacity: 4)
        t.insert(id(1), 10)
        t.insert(id(1), 11)
        #expect(t.count == 1)
        #expect(t[id(1)] == 11)
    }

    @Test func insertAbsentKeepsTheNewerPositions() {
        var newer = IdTable()
        newer.insert(id(1), 100)
        var older = IdTable()
        older.insert(id(1), 1)
        older.insert(id(2), 2)
        newer.insertAbsent(from: older)
        #expect(newer.count == 2)
        #expect(newer[id(1)] == 100)
        #expect(newer[id(2)] == 2)
    }
}
