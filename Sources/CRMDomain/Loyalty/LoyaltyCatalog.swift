/// The event types and process managers of catalogue §2.9 (loyalty LOY-01..LOY-18 and cards CRD-01..CRD-09).
public enum LoyaltyCatalog {
    public static let eventTypes: [any DomainEvent.Type] = [
        LoyaltyProgramDefined.self,
        EarningRuleDefined.self,
        EarningRuleDeactivated.self,
        TierDefined.self,
        RewardDefined.self,
        StoreRegistered.self,
        MemberEnrolled.self,
        MemberTierChanged.self,
        MemberDeactivated.self,
        MemberReactivated.self,
        PurchaseRecorded.self,
        PurchaseReturned.self,
        PointsEarned.self,
        PointsRedeemed.self,
        PointsRedemptionReversed.self,
        PointsExpired.self,
        PointsAdjusted.self,
        PointsEarningCancelled.self,
        CardIssued.self,
        CardActivated.self,
        CardToppedUp.self,
        StoredValueSpent.self,
        StoredValueRefunded.self,
        CardReportedLost.self,
        CardLossCancelled.self,
        CardReplaced.self,
        CardCancelled.self,
    ]

    public static let processManagers: [any ProcessManager] = [
        PurchaseEarningProcess(),
        PurchaseReturnProcess(),
        MemberEnrolmentProcess(),
        CustomerMergeMembershipProcess(),
    ]
}
