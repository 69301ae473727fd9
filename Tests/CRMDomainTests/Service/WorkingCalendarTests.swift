import CRMDomain
import Testing

@Suite struct WorkingCalendarTests {
    let cal = ServiceWorld.workCalendar
    func local(_ m: Int, _ d: Int, _ h: Int, _ min: Int = 0) -> Timestamp { ServiceWorld.local(2026, m, d, h, min) }

    @Test func weekdaysFollowTheCalendar() {
        #expect(WorkingWeekday.of(LocalDate(1970, 1, 1)) == .thursday)
        #expect(WorkingWeekday.of(LocalDate(1969, 12, 31)) == .wednesday)
        #expect(WorkingWeekday.of(LocalDate(2026, 3, 30)) == .monday)
        #expect(WorkingWeekday.of(LocalDate(2026, 4, 5)) == .sunday)
        #expect(WorkingWeekday.of(LocalDate(2026, 4, 3)) == .friday)
    }

    @Test func deadlineWithinTheSameDaySkipsLunch() {
        // Mon 09:00 + 4 h: 09–12 gives 3 h, 13–14 the fourth.
        #expect(cal.workingTimeAdd(local(3, 30, 9), hours: 4) == local(3, 30, 14))
        #expect(cal.workingTimeAdd(local(3, 30, 9), hours: 4) == Timestamp(rfc3339: "2026-03-30T06:00:00Z"))
        // Starting in the lunch break counts from 13:00.
        #expect(cal.workingTimeAdd(local(3, 30, 12, 30), hours: 1) == local(3, 30, 14))
        // Starting before opening counts from 09:00.
        #expect(cal.workingTimeAdd(local(3, 30, 7), hours: 1) == local(3, 30, 10))
    }

    @Test func deadlineCrossesTheNight() {
        // Mon 16:00 + 4 h: 2 h on Monday, 2 h on Tuesday morning.
        #expect(cal.workingTimeAdd(local(3, 30, 16), hours: 4) == local(3, 31, 11))
        // A full working day from 09:00 ends at 18:00 the same day, not at 09:00 the next.
        #expect(cal.workingTimeAdd(local(3, 30, 9), hours: 8) == local(3, 30, 18))
        // Starting after closing counts from the next morning.
        #expect(cal.workingTimeAdd(local(3, 30, 20), hours: 2) == local(3, 31, 11))
    }

    @Test func deadlineSkipsTheWeekendAndTheHoliday() {
        // Fri 2026-04-03 17:00 + 4 h: 1 h on Friday; Saturday, Sunday and the Monday holiday are skipped;
        // 3 h on Tuesday morning end exactly at 12:00.
        #expect(cal.workingTimeAdd(local(4, 3, 17), hours: 4) == local(4, 7, 12))
        #expect(cal.workingTimeAdd(local(4, 3, 17), hours: 5) == local(4, 7, 14))
        // Starting on Saturday counts from Tuesday (Monday is a holiday).
        #expect(cal.workingTimeAdd(local(4, 4, 10), hours: 1) == local(4, 7, 10))
        // Without the holiday the same start lands on Monday.
        let noHoliday = WorkingCalendar(utcOffsetMinutes: 480, hours: ServiceWorld.workingHours, holidays: [])
        #expect(noHoliday.workingTimeAdd(local(4, 4, 10), hours: 1) == local(4, 6, 10))
    }

    @Test func zeroAndNegativeDurations() {
        #expect(cal.workingTimeAdd(local(4, 4, 10), milliseconds: 0) == local(4, 4, 10))
        #expect(cal.workingTimeAdd(local(4, 4, 10), milliseconds: -1) == nil)
    }

    @Test func aCalendarWithoutWorkingTimeHasNoDeadline() {
        let empty = WorkingCalendar(utcOffsetMinutes: 0, hours: [], holidays: [])
        #expect(empty.workingTimeAdd(local(3, 30, 9), hours: 1) == nil)
        #expect(empty.workingMilliseconds(from: local(3, 30, 9), to: local(4, 30, 9)) == 0)
    }

    @Test func workingTimeBetweenTwoInstants() {
        let hour: Int64 = 3_600_000
        #expect(cal.workingMilliseconds(from: local(4, 3, 17), to: local(4, 7, 12)) == 4 * hour)
        #expect(cal.workingMilliseconds(from: local(3, 30, 9), to: local(3, 30, 14)) == 4 * hour)
        #expect(cal.workingMilliseconds(from: local(3, 30, 12), to: local(3, 30, 13)) == 0)
        #expect(cal.workingMilliseconds(from: local(3, 30, 14), to: local(3, 30, 9)) == 0)
        // One full week (Mon 00:00 to next Mon 00:00) holds 5 × 8 h.
        #expect(cal.workingMilliseconds(from: local(3, 30, 0), to: local(4, 6, 0)) == 40 * hour)
        #expect(cal.weeklyWorkingMilliseconds == 40 * hour)
    }

    @Test(arguments: [(3, 30, 9, 0), (3, 30, 12, 30), (4, 3, 17, 45), (4, 4, 3, 0), (3, 31, 18, 0)], [1, 3, 8, 9, 41])
    func addingThenMeasuringGivesTheDurationBack(start: (Int, Int, Int, Int), hours: Int64) throws {
        let s = local(start.0, start.1, start.2, start.3)
        let deadline = try #require(cal.workingTimeAdd(s, hours: hours))
        #expect(cal.workingMilliseconds(from: s, to: deadline) == hours * 3_600_000)
        #expect(cal.workingMilliseconds(from: s, to: deadline.adding(minutes: -1)) == hours * 3_600_000 - 60_000)
    }

    @Test func otherOffsetsAndRoundTheClock() {
        // New York winter time (UTC−5), Mon–Fri 09–17: Fri 16:00 local + 2 h = Mon 10:00 local = 15:00Z.
        let ny = WorkingCalendar(utcOffsetMinutes: -300, hours: WorkingCalendar.weekdays(9, 17), holidays: [])
        let friday16 = Timestamp(LocalDate(2026, 4, 3), hour: 21)
        #expect(ny.workingTimeAdd(friday16, hours: 2) == Timestamp(LocalDate(2026, 4, 6), hour: 15))
        #expect(WorkingCalendar.continuous.workingTimeAdd(friday16, hours: 25) == friday16.adding(hours: 25))
    }

    @Test func overlappingIntervalsAreMergedWhenMeasuring() {
        let overlapping = WorkingCalendar(
            utcOffsetMinutes: 0,
            hours: [
                WorkingHours(.monday, from: (9, 0), to: (12, 0)), WorkingHours(.monday, from: (11, 0), to: (13, 0)),
            ],
            holidays: []
        )
        #expect(overlapping.weeklyWorkingMilliseconds == 4 * 3_600_000)
    }

    @Test func calendarValidationNamesTheProblem() {
        let ok = ServiceWorld.workingHours
        #expect(WorkingCalendar.problem(utcOffsetMinutes: 480, hours: ok, holidays: ServiceWorld.holidays) == nil)
        #expect(WorkingCalendar.problem(utcOffsetMinutes: 900, hours: ok, holidays: []) != nil)
        #expect(WorkingCalendar.problem(utcOffsetMinutes: 0, hours: [], holidays: []) != nil)
        #expect(
            WorkingCalendar.problem(
                utcOffsetMinutes: 0,
                hours: [WorkingHours(weekday: .monday, fromMinute: 600, toMinute: 600)],
                holidays: []
            )
                != nil
        )
        #expect(
            WorkingCalendar.problem(
                utcOffsetMinutes: 0,
                hours: [WorkingHours(weekday: .monday, fromMinute: 0, toMinute: 1441)],
                holidays: []
            )
                != nil
        )
        #expect(
            WorkingCalendar.problem(
                utcOffsetMinutes: 0,
                hours: [
                    WorkingHours(.monday, from: (9, 0), to: (12, 0)), WorkingHours(.monday, from: (11, 0), to: (13, 0)),
                ],
                holidays: []
            ) != nil
        )
        let day = LocalDate(2026, 5, 1)
        #expect(WorkingCalendar.problem(utcOffsetMinutes: 0, hours: ok, holidays: [day, day]) != nil)
    }
}
