use std::sync::Arc;
use std::time::{Duration, Instant};

use hunter_fixtures::{FakeEntra, FakePartnerCenter, PollOutcome};
use hunter_partner_center::{Authenticator, ReferralsClient, Settings};
use serde_json::{Value, json};
use tempfile::TempDir;

/// Device-code waits are whole seconds in the protocol; tests run them 100 times faster.
pub const POLL_SCALE: u32 = 100;

pub struct Env {
    pub entra: FakeEntra,
    pub api: FakePartnerCenter,
    pub settings: Settings,
    _dir: TempDir,
}

impl Env {
    pub async fn new() -> Env {
        let entra = FakeEntra::start().await;
        entra.set_interval(1);
        let api = FakePartnerCenter::start(&entra).await;
        let dir = tempfile::tempdir().expect("temporary directory");
        let mut settings = Settings::new("11111111-2222-3333-4444-555555555555", "contoso.com");
        settings.api_url = api.base_url();
        settings.authority_url = entra.base_url();
        settings.token_cache_path = dir.path().join(".token_cache");
        settings.request_spacing = Duration::ZERO;
        settings.request_timeout = Duration::from_secs(5);
        Env {
            entra,
            api,
            settings,
            _dir: dir,
        }
    }

    pub fn authenticator(&self) -> Authenticator {
        Authenticator::new(&self.settings)
            .expect("valid settings")
            .with_poll_sleep(|d| Box::pin(tokio::time::sleep(d / POLL_SCALE)))
    }

    /// Signs in through the device code flow, approved on the first poll.
    pub async fn signed_in(&self) -> Arc<Authenticator> {
        let auth = self.authenticator();
        self.entra.script_polls([PollOutcome::Approve]);
        auth.login(|_| {}).await.expect("sign-in succeeds");
        Arc::new(auth)
    }

    pub async fn client(&self) -> ReferralsClient {
        ReferralsClient::new(&self.settings, self.signed_in().await).expect("valid settings")
    }

    pub fn cache(&self) -> Value {
        let text = std::fs::read_to_string(&self.settings.token_cache_path).expect("cache file");
        serde_json::from_str(&text).expect("cache is JSON")
    }
}

/// `n` Incoming referrals; `r-0000` is the most recently updated.
pub fn referrals(n: usize) -> Vec<Value> {
    (0..n)
        .map(|i| {
            json!({
                "id": format!("r-{i:04}"),
                "name": format!("Deal {i}"),
                "direction": "Incoming",
                "type": "Independent",
                "qualification": "Direct",
                "status": "New",
                "updatedDateTime": format!("2026-11-{:02}T{:02}:00:00.0000000Z", 28 - i / 24, 23 - i % 24),
                "customerProfile": {"name": format!("Customer {i}")},
            })
        })
        .collect()
}

/// Gaps between consecutive instants.
pub fn gaps(times: &[Instant]) -> Vec<Duration> {
    times.windows(2).map(|w| w[1] - w[0]).collect()
}
