// CRMProjections will hold the projection runner, checkpoints, rebuild-beside-live and as-of replay (design §4).
// Until it lands, the §3 read-model formulas live as pure calculators in CRMDomain (FunnelCalculator,
// ForecastCalculator, QuotaAttainment, CommissionCalculator, PointsLedger, CampaignROI, SlaBoard) and its test
// target is added with the first projection.
