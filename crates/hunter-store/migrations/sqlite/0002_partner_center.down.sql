DROP TABLE partner_center_sync_runs;
DROP TABLE partner_center_referrals;
