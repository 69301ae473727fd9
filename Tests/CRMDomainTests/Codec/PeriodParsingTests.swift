import CRMDomain
import Testing

/// `Period(parsing:)` reads bytes since the binary decode parses every period of a payload; it must accept and
/// reject exactly what the `String`-based parser before it did (kept here as the reference).
@Suite struct PeriodParsingTests {
    /// The parser before the byte-level one, unchanged.
    private func reference(_ string: String) -> Period? {
        let u = Array(string.utf8)
        func digits(_ range: Range<Int>) -> Bool { range.allSatisfy { u[$0] >= 48 && u[$0] <= 57 } }
        guard u.count == 4 || u.count == 7, digits(0..<4), u.count == 4 || digits(u[5] == 81 ? 6..<7 : 5..<7)
        else { return nil }
        if string.count == 4, let y = Int(string) {
            return .year(y)
        } else if string.count == 7, string.dropFirst(4).hasPrefix("-Q"), let y = Int(string.prefix(4)),
            let q = Int(string.suffix(1)), (1...4).contains(q)
        {
            return .quarter(y, q)
        } else if string.count == 7, let y = Int(string.prefix(4)), let m = Int(string.suffix(2)), (1...12).contains(m),
            string.dropFirst(4).first == "-"
        {
            return .month(y, m)
        }
        return nil
    }

    @Test func acceptsAndRejectsWhatTheStringParserDid() {
        let year = ["0", "1", "2", "9", "+", "-", "Q", "é"]
        let separator = ["-", "Q", "x", "/"]
        let tail = ["0", "1", "2", "4", "5", "9", "Q", "q", "+", "-"]
        var strings = ["", "2026", "202", "20266", "2026-", "2026-1", "2026-Q", "2026-Q12", "2026-012", "٢٠٢٦"]
        for a in year {
            for b in year {
                strings.append("20" + a + b)
                for s in separator { for c in tail { for d in tail { strings.append("20" + a + b + s + c + d) } } }
            }
        }
        strings += ["2026-00", "2026-13", "2026-12", "2026-Q0", "2026-Q5", "0000", "0000-01", "9999-Q4", "2026-é"]
        var accepted = 0
        for string in strings {
            let parsed = Period(parsing: string)
            #expect(parsed == reference(string), "'\(string)'")
            if parsed != nil { accepted += 1 }
        }
        #expect(accepted > 100)
    }
}
