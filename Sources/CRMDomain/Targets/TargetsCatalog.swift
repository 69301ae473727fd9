/// The event types of catalogue §2.6 targets and forecasts (no process manager: closing a month is derived from
/// the business date, see `SalesTarget.isClosed(year:month:asOf:)`).
public enum TargetsCatalog {
    public static let eventTypes: [any DomainEvent.Type] = [
        SalesTargetSet.self,
        SalesTargetRevised.self,
        ForecastSubmitted.self,
        ForecastAdjusted.self,
    ]

    public static let processManagers: [any ProcessManager] = []
}
