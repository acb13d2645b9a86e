ALTER TABLE raw_leads DROP COLUMN api_key_id;
DROP TABLE audit_events;
DROP TABLE api_keys;
DROP TABLE auth_login_flows;
DROP TABLE sessions;
DROP TABLE users;
