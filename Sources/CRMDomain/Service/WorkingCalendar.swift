// Working-time arithmetic for SLA deadlines (SVC-10) and business-hours escalation (SVC-13/SVC-04).
//
// A calendar is a set of weekly working intervals in local time (a fixed UTC offset, no daylight saving) plus
// holidays (whole local dates without working time). Deadlines are `workingTimeAdd(start, within, calendar)`:
// the instant at which `within` of working time has elapsed after `start` [OD-sla].

/// A day of the week, Monday first (ISO 8601).
public enum WorkingWeekday: String, Codable, Hashable, Sendable, CaseIterable {
    case monday, tuesday, wednesday, thursday, friday, saturday, sunday

    /// The weekday of a calendar date (1970-01-01 was a Thursday).
    public static func of(_ date: LocalDate) -> WorkingWeekday {
        let shifted = Int64(date.daysSinceEpoch) + 3
        return allCases[Int(shifted - floorDiv(shifted, 7) * 7)]
    }

    /// Position in the week: Monday 0 … Sunday 6.
    var index: Int {
        switch self {
        case .monday: 0
        case .tuesday: 1
        case .wednesday: 2
        case .thursday: 3
        case .friday: 4
        case .saturday: 5
        case .sunday: 6
        }
    }
}

/// One working interval on a weekday, in minutes of the local day: `fromMinute ..< toMinute`
/// (`540 ..< 1080` is 09:00–18:00; `toMinute` 1440 is midnight at the end of the day).
public struct WorkingHours: Codable, Hashable, Sendable {
    public let weekday: WorkingWeekday
    public let fromMinute: Int64
    public let toMinute: Int64

    public init(weekday: WorkingWeekday, fromMinute: Int64, toMinute: Int64) {
        self.weekday = weekday
        self.fromMinute = fromMinute
        self.toMinute = toMinute
    }

    /// `WorkingHours(.monday, from: (9, 0), to: (18, 0))`.
    public init(_ weekday: WorkingWeekday, from: (hour: Int64, minute: Int64), to: (hour: Int64, minute: Int64)) {
        self.init(weekday: weekday, fromMinute: from.hour * 60 + from.minute, toMinute: to.hour * 60 + to.minute)
    }
}

/// A working calendar: weekly working intervals in local time at a fixed UTC offset, and holidays.
///
/// ```swift
/// let cal = WorkingCalendar(utcOffsetMinutes: 480, hours: WorkingCalendar.weekdays(9, 18), holidays: [])
/// cal.workingTimeAdd(Timestamp(rfc3339: "2026-04-03T09:00:00Z")!, hours: 4)  // Fri 17:00 +08:00 → Mon 12:00
/// ```
public struct WorkingCalendar: Hashable, Sendable {
    static let minuteMs: Int64 = 60_000
    static let dayMs: Int64 = 86_400_000
    /// The furthest a deadline search looks ahead (about ten years); beyond it there is no deadline.
    public static let searchHorizonDays = 3_660

    public let utcOffsetMinutes: Int64
    public let hours: [WorkingHours]
    public let holidays: Set<LocalDate>
    /// Per weekday (Monday = 0), merged and sorted intervals in milliseconds of the local day.
    private let daily: [[ClosedInterval]]

    struct ClosedInterval: Hashable, Sendable {
        var from: Int64
        var to: Int64
    }

    public init(utcOffsetMinutes: Int64, hours: [WorkingHours], holidays: [LocalDate]) {
        self.utcOffsetMinutes = utcOffsetMinutes
        self.hours = hours
        self.holidays = Set(holidays)
        var daily = [[ClosedInterval]](repeating: [], count: 7)
        for day in WorkingWeekday.allCases {
            let raw = hours.filter { $0.weekday == day && $0.toMinute > $0.fromMinute }
                .map {
                    ClosedInterval(
                        from: max(0, $0.fromMinute) * Self.minuteMs,
                        to: min(1440, $0.toMinute) * Self.minuteMs
                    )
                }
                .filter { $0.to > $0.from }
                .sorted { $0.from < $1.from }
            var merged: [ClosedInterval] = []
            for r in raw {
                if let last = merged.last, r.from <= last.to {
                    merged[merged.count - 1].to = max(last.to, r.to)
                } else {
                    merged.append(r)
                }
            }
            daily[day.index] = merged
        }
        self.daily = daily
    }

    /// Round-the-clock time: every instant is working time (escalation `businessHoursSource = none`).
    public static let continuous = WorkingCalendar(
        utcOffsetMinutes: 0,
        hours: WorkingWeekday.allCases.map { WorkingHours(weekday: $0, fromMinute: 0, toMinute: 1440) },
        holidays: []
    )

    /// Monday to Friday, `fromHour:00` to `toHour:00`.
    public static func weekdays(_ fromHour: Int64, _ toHour: Int64) -> [WorkingHours] {
        [.monday, .tuesday, .wednesday, .thursday, .friday].map {
            WorkingHours(weekday: $0, fromMinute: fromHour * 60, toMinute: toHour * 60)
        }
    }

    /// Why `hours`, `holidays` and `utcOffsetMinutes` do not make a usable calendar, or `nil` when they do:
    /// at least one interval; each within 00:00–24:00 with from < to; no two intervals of a weekday overlap;
    /// the offset within ±14 h; no holiday listed twice.
    public static func problem(utcOffsetMinutes: Int64, hours: [WorkingHours], holidays: [LocalDate]) -> String? {
        guard (-840...840).contains(utcOffsetMinutes) else {
            return "utcOffsetMinutes \(utcOffsetMinutes) is outside -840...840 (±14 h)"
        }
        guard !hours.isEmpty else { return "at least one working interval is required" }
        for h in hours {
            guard h.fromMinute >= 0, h.toMinute <= 1440, h.fromMinute < h.toMinute else {
                return
                    "interval \(h.weekday.rawValue) \(h.fromMinute)..<\(h.toMinute) must satisfy 0 ≤ from < to ≤ 1440"
            }
        }
        for day in WorkingWeekday.allCases {
            let sorted = hours.filter { $0.weekday == day }.sorted { $0.fromMinute < $1.fromMinute }
            for (a, b) in zip(sorted, sorted.dropFirst()) where b.fromMinute < a.toMinute {
                return "intervals \(a.fromMinute)..<\(a.toMinute) and \(b.fromMinute)..<\(b.toMinute) on "
                    + "\(day.rawValue) overlap"
            }
        }
        if Set(holidays).count != holidays.count { return "a holiday is listed twice" }
        return nil
    }

    /// Working intervals of a local date in milliseconds of that day (empty on holidays).
    func intervals(on date: LocalDate) -> [ClosedInterval] {
        if holidays.contains(date) { return [] }
        return daily[WorkingWeekday.of(date).index]
    }

    /// Working time per week, in milliseconds (holidays ignored).
    public var weeklyWorkingMilliseconds: Int64 { daily.joined().reduce(0) { $0 + $1.to - $1.from } }

    private var offsetMs: Int64 { utcOffsetMinutes * Self.minuteMs }

    /// The instant at which `milliseconds` of working time have elapsed after `start`; `start` itself when
    /// `milliseconds` is 0. A deadline that falls exactly at the end of an interval is that end (18:00), not the
    /// start of the next one. `nil` when the calendar has no working time within ``searchHorizonDays``.
    public func workingTimeAdd(_ start: Timestamp, milliseconds: Int64) -> Timestamp? {
        guard milliseconds > 0 else { return milliseconds == 0 ? start : nil }
        var remaining = milliseconds
        var local = start.millisecondsSinceEpoch + offsetMs
        var day = floorDiv(local, Self.dayMs)
        for _ in 0..<Self.searchHorizonDays {
            let dayStart = day * Self.dayMs
            for interval in intervals(on: LocalDate(daysSinceEpoch: Int32(day))) {
                let end = dayStart + interval.to
                guard local < end else { continue }
                let from = max(local, dayStart + interval.from)
                let available = end - from
                if remaining <= available {
                    return Timestamp(millisecondsSinceEpoch: from + remaining - offsetMs)
                }
                remaining -= available
                local = end
            }
            day += 1
        }
        return nil
    }

    /// `workingTimeAdd(start, within, calendar)` for a number of working hours.
    public func workingTimeAdd(_ start: Timestamp, hours: Int64) -> Timestamp? {
        let (ms, overflow) = hours.multipliedReportingOverflow(by: 3_600_000)
        return overflow ? nil : workingTimeAdd(start, milliseconds: ms)
    }

    /// Working time between two instants, in milliseconds (0 when `to` is not after `from`).
    public func workingMilliseconds(from: Timestamp, to: Timestamp) -> Int64 {
        guard to > from else { return 0 }
        let a = from.millisecondsSinceEpoch + offsetMs
        let b = to.millisecondsSinceEpoch + offsetMs
        var total: Int64 = 0
        var day = floorDiv(a, Self.dayMs)
        let lastDay = floorDiv(b - 1, Self.dayMs)
        while day <= lastDay {
            let dayStart = day * Self.dayMs
            for interval in intervals(on: LocalDate(daysSinceEpoch: Int32(day))) {
                let lo = max(a, dayStart + interval.from)
                let hi = min(b, dayStart + interval.to)
                if hi > lo { total += hi - lo }
            }
            day += 1
        }
        return total
    }
}
