//! Team access in the store (`team.md` §2, §4, §6), on both backends: the expiry rules of
//! sessions and sign-ins in progress, the session cap, API keys that expire or are revoked,
//! and the shared per-minute counter.

mod common;

use chrono::{Duration, Utc};
use common::{Schema, on_each_backend};
use hunter_store::{MAX_SESSIONS_PER_USER, NewApiKeyRecord, NewSession, SignIn};

fn roles(r: &[&str]) -> Vec<String> {
    r.iter().map(|s| (*s).to_owned()).collect()
}

async fn person(store: &hunter_store::Store, oid: &str) -> hunter_store::UserRecord {
    store
        .record_sign_in(&SignIn {
            tenant_id: "t",
            oid,
            name: oid,
            email: None,
            roles: &roles(&["Hunter.User"]),
        })
        .await
        .unwrap()
}

async fn open(store: &hunter_store::Store, user: &str, token: &str, idle: Duration, max: Duration) {
    store
        .create_session(&NewSession {
            token_sha256: token,
            user_id: user,
            roles: &roles(&["Hunter.User"]),
            idle_timeout: idle,
            max_age: max,
            ip: Some("203.0.113.1"),
            user_agent: Some("test"),
        })
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_is_one_row_per_tenant_and_object_id_with_roles_refreshed() {
    on_each_backend(Schema::Migrated, |db| async move {
        let first = person(&db.store, "oid-1").await;
        let again = db
            .store
            .record_sign_in(&SignIn {
                tenant_id: "t",
                oid: "oid-1",
                name: "Renamed",
                email: Some("new@contoso.com"),
                roles: &roles(&["Hunter.Admin"]),
            })
            .await
            .unwrap();
        assert_eq!(again.id, first.id);
        assert_eq!(again.display_name, "Renamed");
        assert_eq!(again.roles, ["Hunter.Admin"]);
        let other_tenant = db
            .store
            .record_sign_in(&SignIn {
                tenant_id: "t2",
                oid: "oid-1",
                name: "Same oid elsewhere",
                email: None,
                roles: &[],
            })
            .await
            .unwrap();
        assert_ne!(other_tenant.id, first.id);
        assert_eq!(db.store.users().await.unwrap().len(), 2);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_end_on_idle_absolute_expiry_revocation_and_beyond_the_cap() {
    on_each_backend(Schema::Migrated, |db| async move {
        let s = &db.store;
        let user = person(s, "oid-1").await;
        let idle = Duration::minutes(30);
        open(s, &user.id, "live", idle, Duration::hours(12)).await;
        assert!(s.active_session("live", idle).await.unwrap().is_some());
        assert!(s.active_session("unknown", idle).await.unwrap().is_none());

        // Past the idle timeout, and past the absolute age though recently used.
        open(s, &user.id, "idle", Duration::seconds(-1), Duration::hours(12)).await;
        assert!(s.active_session("idle", idle).await.unwrap().is_none());
        open(s, &user.id, "old", idle, Duration::seconds(-1)).await;
        assert!(s.active_session("old", idle).await.unwrap().is_none());

        s.revoke_session("live", "signed out").await.unwrap();
        assert!(s.active_session("live", idle).await.unwrap().is_none());

        // Beyond the cap the oldest live sessions end.
        for i in 0..MAX_SESSIONS_PER_USER + 2 {
            open(s, &user.id, &format!("many-{i}"), idle, Duration::hours(12)).await;
        }
        assert!(s.active_session("many-0", idle).await.unwrap().is_none());
        assert!(s.active_session("many-1", idle).await.unwrap().is_none());
        let last = format!("many-{}", MAX_SESSIONS_PER_USER + 1);
        assert!(s.active_session(&last, idle).await.unwrap().is_some());

        // Ended and expired rows are swept a day later; the live ones stay.
        sqlx::query("UPDATE sessions SET revoked_at = '2000-01-01T00:00:00.000000Z' WHERE token_sha256 = 'live'")
            .execute(&db.raw)
            .await
            .unwrap();
        // Only the session ended long ago goes; those that ended just now stay a day.
        assert_eq!(s.delete_expired_access().await.unwrap(), 1);
        assert!(s.active_session(&last, idle).await.unwrap().is_some());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_flow_is_taken_once_and_not_after_it_expired() {
    on_each_backend(Schema::Migrated, |db| async move {
        let s = &db.store;
        s.insert_login_flow("f1", "/leads", Duration::minutes(10))
            .await
            .unwrap();
        assert_eq!(
            s.take_login_flow("f1").await.unwrap().as_deref(),
            Some("/leads")
        );
        assert_eq!(s.take_login_flow("f1").await.unwrap(), None, "single use");
        s.insert_login_flow("f2", "/", Duration::seconds(-1))
            .await
            .unwrap();
        assert_eq!(s.take_login_flow("f2").await.unwrap(), None, "expired");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_keys_are_refused_when_wrong_revoked_or_expired_and_counted_per_minute() {
    on_each_backend(Schema::Migrated, |db| async move {
        let s = &db.store;
        let key = |id: &'static str, expires: chrono::DateTime<Utc>| NewApiKeyRecord {
            id,
            secret_sha256: "secret-hash",
            name: "k",
            scopes: &[],
            rate_limit_per_minute: 2,
            created_by: "local",
            expires_at: expires,
        };
        s.create_api_key(&key("LIVE", Utc::now() + Duration::days(1)))
            .await
            .unwrap();
        s.create_api_key(&key("OLD", Utc::now() - Duration::seconds(1)))
            .await
            .unwrap();
        assert!(s.use_api_key("LIVE", "wrong").await.unwrap().is_none());
        assert!(s.use_api_key("OLD", "secret-hash").await.unwrap().is_none());
        assert!(
            s.use_api_key("NONE", "secret-hash")
                .await
                .unwrap()
                .is_none()
        );

        let counts: Vec<u64> = {
            let mut v = Vec::new();
            for _ in 0..3 {
                v.push(
                    s.use_api_key("LIVE", "secret-hash")
                        .await
                        .unwrap()
                        .unwrap()
                        .used_this_minute,
                );
            }
            v
        };
        // Three requests in one minute (unless the minute turned between them).
        assert!(counts == [1, 2, 3] || counts.contains(&1), "{counts:?}");
        let third = s.use_api_key("LIVE", "secret-hash").await.unwrap().unwrap();
        assert!(third.over_limit() || third.used_this_minute <= 2);
        assert!((1..=60).contains(&third.seconds_to_next_minute));
        assert!(
            s.api_keys()
                .await
                .unwrap()
                .iter()
                .any(|k| k.id == "LIVE" && k.last_used_at.is_some())
        );

        let revoked = s.revoke_api_key("LIVE").await.unwrap().unwrap();
        let again = s.revoke_api_key("LIVE").await.unwrap().unwrap();
        assert_eq!(
            again.revoked_at, revoked.revoked_at,
            "the first revocation time stays"
        );
        assert!(
            s.use_api_key("LIVE", "secret-hash")
                .await
                .unwrap()
                .is_none()
        );
        assert!(s.revoke_api_key("NONE").await.unwrap().is_none());
    })
    .await;
}
