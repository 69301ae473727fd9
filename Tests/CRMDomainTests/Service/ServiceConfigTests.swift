import CRMDomain
import Testing

@Suite struct ServiceConfigTests {
    typealias W = ServiceWorld

    @Test func teamIsDefinedAndRedefined() throws {
        var w = try ServiceWorld(team: false)
        let out = try w.run(
            DefineServiceTeam(
                teamId: W.team,
                name: "Support",
                memberIds: [W.agentA],
                stages: W.stages,
                calendarId: W.calendar,
                reopenWindowDays: 3,
                allowDirectClose: true
            )
        )
        let expected = ServiceTeamDefined(
            teamId: W.team,
            name: "Support",
            memberIds: [W.agentA],
            stages: W.stages,
            calendarId: W.calendar,
            reopenWindowDays: 3,
            allowDirectClose: true
        )
        #expect(serviceEvents(out) == [AnyHashable(expected)])
        #expect(serviceStreams(out) == ["serviceTeam-\(W.team)"])
        try w.run(
            DefineServiceTeam(
                teamId: W.team,
                name: "Support",
                memberIds: [W.agentA, W.agentB],
                stages: ["new", "done"]
            )
        )
        let team = try #require(w.store.state(ServiceTeam.self, W.team))
        #expect(team.memberIds == [W.agentA, W.agentB])
        #expect(team.initialStage == "new")
        #expect(team.calendarId == nil)
    }

    @Test func teamDefinitionIsValidated() throws {
        var w = try ServiceWorld(team: false)
        w.reject(
            DefineServiceTeam(teamId: W.team, name: " ", memberIds: [], stages: W.stages),
            rule: "SVC-X1.name",
            kind: .invalidInput
        )
        w.reject(
            DefineServiceTeam(teamId: W.team, name: "S", memberIds: [], stages: []),
            rule: "SVC-X1.stages",
            kind: .invalidInput
        )
        w.reject(
            DefineServiceTeam(teamId: W.team, name: "S", memberIds: [], stages: ["new", "new"]),
            rule: "SVC-X1.stages",
            kind: .invalidInput
        )
        w.reject(
            DefineServiceTeam(teamId: W.team, name: "S", memberIds: [], stages: ["new", " done"]),
            rule: "SVC-X1.stages",
            kind: .invalidInput
        )
        w.reject(
            DefineServiceTeam(teamId: W.team, name: "S", memberIds: [W.agentA, W.agentA], stages: ["new"]),
            rule: "SVC-X1.members",
            kind: .invalidInput
        )
        w.reject(
            DefineServiceTeam(teamId: W.team, name: "S", memberIds: [ID(999)], stages: ["new"]),
            rule: "SVC-X1.memberActive",
            kind: .notFound
        )
        w.reject(
            DefineServiceTeam(teamId: W.team, name: "S", memberIds: [], stages: ["new"], calendarId: ID(999)),
            rule: "SVC-X1.calendarExists",
            kind: .notFound
        )
        w.reject(
            DefineServiceTeam(teamId: W.team, name: "S", memberIds: [], stages: ["new"], reopenWindowDays: -1),
            rule: "SVC-X1.reopenWindow",
            kind: .invalidInput
        )
        w.reject(
            DefineServiceTeam(teamId: W.team, name: "S", memberIds: [], stages: ["new"]),
            as: .user(W.agentA),
            rule: "SVC-X1.perm",
            kind: .accessDenied
        )
    }

    @Test func calendarIsDefinedAndValidated() throws {
        var w = try ServiceWorld(team: false)
        let hours = WorkingCalendar.weekdays(8, 17)
        let out = try w.run(
            DefineWorkingCalendar(calendarId: ID(311), name: "Berlin", utcOffsetMinutes: 60, hours: hours, holidays: [])
        )
        #expect(
            serviceEvents(out)
                == [
                    AnyHashable(
                        WorkingCalendarDefined(
                            calendarId: ID(311),
                            name: "Berlin",
                            utcOffsetMinutes: 60,
                            hours: hours,
                            holidays: []
                        )
                    )
                ]
        )
        let calendar = try #require(w.store.state(ServiceCalendar.self, ID(311))?.calendar)
        #expect(calendar.weeklyWorkingMilliseconds == 45 * 3_600_000)
        w.reject(
            DefineWorkingCalendar(calendarId: ID(312), name: "", utcOffsetMinutes: 0, hours: hours, holidays: []),
            rule: "SVC-X2.name",
            kind: .invalidInput
        )
        w.reject(
            DefineWorkingCalendar(calendarId: ID(312), name: "Bad", utcOffsetMinutes: 0, hours: [], holidays: []),
            rule: "SVC-X2.hours",
            kind: .invalidInput
        )
        w.reject(
            DefineWorkingCalendar(calendarId: ID(312), name: "Bad", utcOffsetMinutes: 0, hours: hours, holidays: []),
            as: .user(W.viewer),
            rule: "SVC-X2.perm",
            kind: .accessDenied
        )
    }
}
