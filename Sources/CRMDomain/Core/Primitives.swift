public import Foundation

/// A value with a fixed, compact binary form used by ``BinaryEventEncoder`` / ``BinaryEventDecoder``.
///
/// Types conforming here bypass the generic `Codable` path in the binary codec (the JSON form still uses
/// their `Codable` conformance). Keep the set small: identifiers, instants and calendar dates.
public protocol BinaryPrimitive: Sendable {
    /// Appends the value's bytes.
    func writeBinary(to buffer: inout [UInt8])
    /// Reads a value written by ``writeBinary(to:)``.
    static func readBinary(from reader: inout BinaryReader) throws(CodecError) -> Self
}

/// An entity identifier: a UUID printed lower-case (`7f3a…`), 16 bytes in binary form.
///
/// ```swift
/// let id = ID(uuid: UUID(uuidString: "7F3A0000-0000-0000-0000-000000000001")!)
/// print(id)  // 7f3a0000-0000-0000-0000-000000000001
/// ```
public struct ID: Hashable, Comparable, Sendable, Codable, CustomStringConvertible, BinaryPrimitive {
    public let uuid: UUID

    public init(uuid: UUID) { self.uuid = uuid }

    /// Parses a UUID string in any case; `nil` when it is not a UUID.
    public init?(_ string: String) {
        guard let uuid = UUID(uuidString: string) else { return nil }
        self.uuid = uuid
    }

    /// A deterministic identifier made from a number, for generators and tests: `00000000-0000-0000-0000-00000000002a`.
    public init(_ number: UInt64) {
        var bytes = [UInt8](repeating: 0, count: 16)
        for i in 0..<8 { bytes[15 - i] = UInt8(truncatingIfNeeded: number >> (8 * UInt64(i))) }
        self.uuid = UUID(
            uuid: (
                bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]
            )
        )
    }

    public var description: String { uuid.uuidString.lowercased() }

    public static func < (lhs: ID, rhs: ID) -> Bool { lhs.description < rhs.description }

    public init(from decoder: any Decoder) throws {
        let string = try decoder.singleValueContainer().decode(String.self)
        guard let uuid = UUID(uuidString: string) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "'\(string)' is not a UUID")
            )
        }
        self.uuid = uuid
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    public func writeBinary(to buffer: inout [UInt8]) {
        let u = uuid.uuid
        buffer.append(contentsOf: [
            u.0, u.1, u.2, u.3, u.4, u.5, u.6, u.7, u.8, u.9, u.10, u.11, u.12, u.13, u.14, u.15,
        ])
    }

    public static func readBinary(from reader: inout BinaryReader) throws(CodecError) -> ID {
        let b = try reader.readBytes(16)
        return ID(
            uuid: UUID(
                uuid: (
                    b[b.startIndex], b[b.startIndex + 1], b[b.startIndex + 2], b[b.startIndex + 3],
                    b[b.startIndex + 4], b[b.startIndex + 5], b[b.startIndex + 6], b[b.startIndex + 7],
                    b[b.startIndex + 8], b[b.startIndex + 9], b[b.startIndex + 10], b[b.startIndex + 11],
                    b[b.startIndex + 12], b[b.startIndex + 13], b[b.startIndex + 14], b[b.startIndex + 15]
                )
            )
        )
    }
}

/// An instant in UTC with millisecond precision. JSON form: RFC 3339 (`2026-03-31T10:00:00Z`).
///
/// The domain never reads the wall clock: instants come from commands, from the envelope's injected clock
/// (``Decision/now``) or from an explicit `asOf`.
public struct Timestamp: Hashable, Comparable, Sendable, Codable, CustomStringConvertible, BinaryPrimitive {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    public var millisecondsSinceEpoch: Int64

    public init(millisecondsSinceEpoch: Int64) { self.millisecondsSinceEpoch = millisecondsSinceEpoch }

    /// Midnight UTC at the start of `date`, plus an optional time of day.
    public init(_ date: LocalDate, hour: Int = 0, minute: Int = 0, second: Int = 0) {
        let seconds = Int64(date.daysSinceEpoch) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
        self.millisecondsSinceEpoch = seconds * 1000
    }

    /// Parses RFC 3339 (`2026-03-31T10:00:00Z`, `2026-03-31T18:00:00.250+08:00`); `nil` when malformed.
    public init?(rfc3339 string: String) {
        guard let ms = RFC3339.parse(string) else { return nil }
        self.millisecondsSinceEpoch = ms
    }

    /// The calendar date (UTC) this instant falls on.
    public var date: LocalDate {
        LocalDate(daysSinceEpoch: Int32(floorDiv(millisecondsSinceEpoch, 86_400_000)))
    }

    public func adding(days: Int) -> Timestamp {
        Timestamp(millisecondsSinceEpoch: millisecondsSinceEpoch + Int64(days) * 86_400_000)
    }

    public func adding(hours: Int) -> Timestamp {
        Timestamp(millisecondsSinceEpoch: millisecondsSinceEpoch + Int64(hours) * 3_600_000)
    }

    public func adding(minutes: Int) -> Timestamp {
        Timestamp(millisecondsSinceEpoch: millisecondsSinceEpoch + Int64(minutes) * 60_000)
    }

    /// Whole days from `self` to `later` (floored), counted on UTC calendar dates.
    public func daysUntil(_ later: Timestamp) -> Int {
        Int(later.date.daysSinceEpoch - date.daysSinceEpoch)
    }

    public var description: String { RFC3339.format(millisecondsSinceEpoch) }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        lhs.millisecondsSinceEpoch < rhs.millisecondsSinceEpoch
    }

    public init(from decoder: any Decoder) throws {
        let string = try decoder.singleValueContainer().decode(String.self)
        guard let ms = RFC3339.parse(string) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "'\(string)' is not an RFC 3339 UTC time")
            )
        }
        self.millisecondsSinceEpoch = ms
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    public func writeBinary(to buffer: inout [UInt8]) { BinaryWriter.writeVarint(millisecondsSinceEpoch, to: &buffer) }

    public static func readBinary(from reader: inout BinaryReader) throws(CodecError) -> Timestamp {
        Timestamp(millisecondsSinceEpoch: try reader.readVarint())
    }
}

/// A calendar date without time zone (`2026-03-31`), used for due dates, expiry dates and periods.
public struct LocalDate: Hashable, Comparable, Sendable, Codable, CustomStringConvertible, BinaryPrimitive {
    /// Days since 1970-01-01.
    public var daysSinceEpoch: Int32

    public init(daysSinceEpoch: Int32) { self.daysSinceEpoch = daysSinceEpoch }

    /// `LocalDate(2026, 3, 31)`. Traps on an impossible date: use ``init(iso:)`` for input.
    public init(_ year: Int, _ month: Int, _ day: Int) {
        precondition((1...12).contains(month) && (1...LocalDate.daysIn(year: year, month: month)).contains(day))
        self.daysSinceEpoch = Int32(daysFromCivil(year, month, day))
    }

    /// Parses `YYYY-MM-DD`; `nil` when malformed or impossible.
    public init?(iso string: String) {
        let parts = string.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            parts.allSatisfy({ $0.utf8.allSatisfy { $0 >= 48 && $0 <= 57 } }),
            let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
            (1...12).contains(m), (1...LocalDate.daysIn(year: y, month: m)).contains(d)
        else { return nil }
        self.daysSinceEpoch = Int32(daysFromCivil(y, m, d))
    }

    public var year: Int { civilFromDays(Int(daysSinceEpoch)).year }
    public var month: Int { civilFromDays(Int(daysSinceEpoch)).month }
    public var day: Int { civilFromDays(Int(daysSinceEpoch)).day }

    public func adding(days: Int) -> LocalDate { LocalDate(daysSinceEpoch: daysSinceEpoch + Int32(days)) }

    /// The same day `n` months later, clamped to the month's last day (Jan 31 + 1 month = Feb 28/29).
    public func adding(months n: Int) -> LocalDate {
        let c = civilFromDays(Int(daysSinceEpoch))
        let total = c.year * 12 + (c.month - 1) + n
        let y = floorDiv(Int64(total), 12)
        let m = total - Int(y) * 12 + 1
        let d = min(c.day, LocalDate.daysIn(year: Int(y), month: m))
        return LocalDate(Int(y), m, d)
    }

    public func days(until other: LocalDate) -> Int { Int(other.daysSinceEpoch - daysSinceEpoch) }

    public static func daysIn(year: Int, month: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    public var description: String {
        let c = civilFromDays(Int(daysSinceEpoch))
        return pad(c.year, 4) + "-" + pad(c.month, 2) + "-" + pad(c.day, 2)
    }

    public static func < (lhs: LocalDate, rhs: LocalDate) -> Bool { lhs.daysSinceEpoch < rhs.daysSinceEpoch }

    public init(from decoder: any Decoder) throws {
        let string = try decoder.singleValueContainer().decode(String.self)
        guard let date = LocalDate(iso: string) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "'\(string)' is not a YYYY-MM-DD date")
            )
        }
        self = date
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    public func writeBinary(to buffer: inout [UInt8]) {
        BinaryWriter.writeVarint(Int64(daysSinceEpoch), to: &buffer)
    }

    public static func readBinary(from reader: inout BinaryReader) throws(CodecError) -> LocalDate {
        let v = try reader.readVarint()
        guard let d = Int32(exactly: v) else { throw CodecError.malformed("date out of range: \(v)") }
        return LocalDate(daysSinceEpoch: d)
    }
}

/// Money in minor units (`{"amountMinor": 12345, "currency": "CNY"}` is ¥123.45). Never a floating-point amount.
public struct Money: Hashable, Sendable, Codable, CustomStringConvertible {
    public var amountMinor: Int64
    /// ISO 4217 code, e.g. `CNY`.
    public var currency: String

    public init(amountMinor: Int64, currency: String) {
        self.amountMinor = amountMinor
        self.currency = currency
    }

    /// `Money.cny(100)` is ¥1.00 (100 minor units).
    public static func cny(_ minor: Int64) -> Money { Money(amountMinor: minor, currency: "CNY") }

    public static func zero(_ currency: String) -> Money { Money(amountMinor: 0, currency: currency) }

    public var isNegative: Bool { amountMinor < 0 }
    public var isZero: Bool { amountMinor == 0 }

    /// Sum of two amounts of the same currency; `nil` when the currencies differ.
    public func adding(_ other: Money) -> Money? {
        guard other.currency == currency else { return nil }
        return Money(amountMinor: amountMinor + other.amountMinor, currency: currency)
    }

    public func subtracting(_ other: Money) -> Money? {
        guard other.currency == currency else { return nil }
        return Money(amountMinor: amountMinor - other.amountMinor, currency: currency)
    }

    public var description: String { "\(amountMinor) \(currency) (minor units)" }
}

/// A calendar period such as a month (`2026-03`), quarter (`2026-Q1`) or year (`2026`), used by targets and
/// commission statements. Stored in its string form.
public struct Period: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public enum Kind: String, Codable, Sendable, CaseIterable { case month, quarter, year }
    public var kind: Kind
    public var year: Int
    /// 1...12 for months, 1...4 for quarters, 0 for years.
    public var index: Int

    public init(kind: Kind, year: Int, index: Int) {
        self.kind = kind
        self.year = year
        self.index = index
    }

    public static func month(_ year: Int, _ month: Int) -> Period { Period(kind: .month, year: year, index: month) }
    public static func quarter(_ year: Int, _ q: Int) -> Period { Period(kind: .quarter, year: year, index: q) }
    public static func year(_ year: Int) -> Period { Period(kind: .year, year: year, index: 0) }

    /// The period of `kind` that contains `date`.
    public static func containing(_ date: LocalDate, kind: Kind) -> Period {
        switch kind {
        case .month: return .month(date.year, date.month)
        case .quarter: return .quarter(date.year, (date.month - 1) / 3 + 1)
        case .year: return .year(date.year)
        }
    }

    public var firstDay: LocalDate {
        switch kind {
        case .month: return LocalDate(year, index, 1)
        case .quarter: return LocalDate(year, (index - 1) * 3 + 1, 1)
        case .year: return LocalDate(year, 1, 1)
        }
    }

    /// The first day after the period.
    public var endExclusive: LocalDate {
        switch kind {
        case .month: return firstDay.adding(months: 1)
        case .quarter: return firstDay.adding(months: 3)
        case .year: return firstDay.adding(months: 12)
        }
    }

    public var next: Period { Period.containing(endExclusive, kind: kind) }

    public func contains(_ date: LocalDate) -> Bool { date >= firstDay && date < endExclusive }

    public var description: String {
        switch kind {
        case .month: return pad(year, 4) + "-" + pad(index, 2)
        case .quarter: return pad(year, 4) + "-Q\(index)"
        case .year: return pad(year, 4)
        }
    }

    public init?(parsing string: String) {
        var string = string
        guard let period = string.withUTF8({ Period.parse($0) }) else { return nil }
        self = period
    }

    /// `YYYY`, `YYYY-Qq` or `YYYY-MM` in ASCII digits only (`Int("+1")` would accept a sign), so each period has
    /// one string form. Read byte by byte: a payload decode parses every period it holds.
    private static func parse(_ u: UnsafeBufferPointer<UInt8>) -> Period? {
        func digit(_ i: Int) -> Int? { u[i] >= 48 && u[i] <= 57 ? Int(u[i] - 48) : nil }
        guard u.count == 4 || u.count == 7, let y0 = digit(0), let y1 = digit(1), let y2 = digit(2), let y3 = digit(3)
        else { return nil }
        let year = y0 * 1000 + y1 * 100 + y2 * 10 + y3
        if u.count == 4 { return .year(year) }
        guard u[4] == UInt8(ascii: "-") else { return nil }
        if u[5] == UInt8(ascii: "Q") {
            guard let q = digit(6), (1...4).contains(q) else { return nil }
            return .quarter(year, q)
        }
        guard let m0 = digit(5), let m1 = digit(6), (1...12).contains(m0 * 10 + m1) else { return nil }
        return .month(year, m0 * 10 + m1)
    }

    public static func < (lhs: Period, rhs: Period) -> Bool { lhs.firstDay < rhs.firstDay }

    public init(from decoder: any Decoder) throws {
        self = try Period(decoded: try decoder.singleValueContainer().decode(String.self), at: decoder.codingPath)
    }

    /// The period of a decoded string; the decoding error at `codingPath` when it is not one.
    init(decoded string: String, at codingPath: [any CodingKey]) throws {
        guard let p = Period(parsing: string) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: codingPath, debugDescription: "'\(string)' is not a period (2026-03, 2026-Q1, 2026)")
            )
        }
        self = p
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

// MARK: - Calendar arithmetic (Howard Hinnant's civil-from-days algorithms; proleptic Gregorian, UTC)

func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
    let q = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
}

func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
    let y = month <= 2 ? year - 1 : year
    let era = (y >= 0 ? y : y - 399) / 400
    let yoe = y - era * 400
    let mp = (month + 9) % 12
    let doy = (153 * mp + 2) / 5 + day - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    return era * 146_097 + doe - 719_468
}

func civilFromDays(_ days: Int) -> (year: Int, month: Int, day: Int) {
    let z = days + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let doe = z - era * 146_097
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
    let y = yoe + era * 400
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let d = doy - (153 * mp + 2) / 5 + 1
    let m = mp < 10 ? mp + 3 : mp - 9
    return (m <= 2 ? y + 1 : y, m, d)
}

func pad(_ value: Int, _ width: Int) -> String {
    let s = String(value)
    return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
}

enum RFC3339 {
    static func format(_ ms: Int64) -> String {
        let days = floorDiv(ms, 86_400_000)
        let msOfDay = ms - days * 86_400_000
        let c = civilFromDays(Int(days))
        let h = Int(msOfDay / 3_600_000)
        let mi = Int(msOfDay / 60_000 % 60)
        let s = Int(msOfDay / 1000 % 60)
        let frac = Int(msOfDay % 1000)
        var out = pad(c.year, 4) + "-" + pad(c.month, 2) + "-" + pad(c.day, 2)
        out += "T" + pad(h, 2) + ":" + pad(mi, 2) + ":" + pad(s, 2)
        if frac != 0 { out += "." + pad(frac, 3) }
        return out + "Z"
    }

    static func parse(_ string: String) -> Int64? {
        let u = Array(string.utf8)
        func num(_ from: Int, _ len: Int) -> Int? {
            guard from + len <= u.count else { return nil }
            var v = 0
            for i in from..<(from + len) {
                let c = u[i]
                guard c >= 48 && c <= 57 else { return nil }
                v = v * 10 + Int(c - 48)
            }
            return v
        }
        guard u.count >= 20, u[4] == 45, u[7] == 45, u[10] == 84 || u[10] == 116, u[13] == 58, u[16] == 58,
            let y = num(0, 4), let mo = num(5, 2), let d = num(8, 2), let h = num(11, 2), let mi = num(14, 2),
            let s = num(17, 2), (1...12).contains(mo), (1...LocalDate.daysIn(year: y, month: mo)).contains(d), h < 24,
            mi < 60, s < 60
        else { return nil }
        var i = 19
        var frac = 0
        if u[i] == 46 {  // '.'
            i += 1
            var digits = 0
            while i < u.count, u[i] >= 48, u[i] <= 57 {
                if digits < 3 { frac = frac * 10 + Int(u[i] - 48) }
                digits += 1
                i += 1
            }
            guard digits > 0 else { return nil }
            for _ in 0..<max(0, 3 - digits) { frac *= 10 }
        }
        guard i < u.count else { return nil }
        var offsetMinutes = 0
        if u[i] == 90 || u[i] == 122 {  // Z
            i += 1
        } else if u[i] == 43 || u[i] == 45 {  // + or -
            guard let oh = num(i + 1, 2), u.count > i + 3, u[i + 3] == 58, let om = num(i + 4, 2), oh < 24, om < 60
            else { return nil }
            offsetMinutes = (oh * 60 + om) * (u[i] == 43 ? 1 : -1)
            i += 6
        } else {
            return nil
        }
        guard i == u.count else { return nil }
        let days = Int64(daysFromCivil(y, mo, d))
        let secs = days * 86_400 + Int64(h * 3600 + mi * 60 + s) - Int64(offsetMinutes * 60)
        return secs * 1000 + Int64(frac)
    }
}
