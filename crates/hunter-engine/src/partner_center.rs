//! Partner Center settings (`contract.md` §2) as the I/O crate wants them.

use std::sync::Arc;

use hunter_core::referral::PartnerScoring;
use hunter_partner_center::{AuthError, Authenticator, ClientError, ReferralsClient, Settings};

use crate::config::Config;

/// Sign-in and the Referrals API need an Entra app and a tenant.
#[derive(Debug, thiserror::Error)]
#[error(
    "{0} is not set: Partner Center needs the Entra app (HUNTER_PARTNER_CENTER_CLIENT_ID) and \
     the partner's tenant (HUNTER_PARTNER_CENTER_TENANT_ID); see README, Partner Center"
)]
pub struct MissingSetting(&'static str);

pub fn settings(config: &Config) -> Result<Settings, MissingSetting> {
    let pc = &config.partner_center;
    let client_id = pc
        .client_id
        .clone()
        .ok_or(MissingSetting("HUNTER_PARTNER_CENTER_CLIENT_ID"))?;
    let tenant = pc
        .tenant_id
        .clone()
        .ok_or(MissingSetting("HUNTER_PARTNER_CENTER_TENANT_ID"))?;
    Ok(Settings {
        api_url: pc.api_url.clone(),
        authority_url: pc.authority_url.clone(),
        scope: pc.scope.clone(),
        token_cache_path: pc.token_cache_path.clone(),
        max_attempts: pc.max_attempts,
        request_spacing: pc.request_spacing,
        ..Settings::new(client_id, tenant)
    })
}

/// What a sync needs from Microsoft's side: the Referrals API client (signed in through the
/// token cache) and the scoring numbers of the settings.
pub struct PartnerCenter {
    pub client: ReferralsClient,
    pub scoring: PartnerScoring,
}

// By hand: the client holds the signed-in session, which never goes to a log.
impl std::fmt::Debug for PartnerCenter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PartnerCenter")
            .field("scoring", &self.scoring)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error(transparent)]
    Missing(#[from] MissingSetting),
    #[error(transparent)]
    Auth(#[from] AuthError),
    #[error(transparent)]
    Client(#[from] ClientError),
}

/// The client for the configured tenant; nothing is requested yet (a missing sign-in shows on
/// the first request).
pub fn connect(config: &Config) -> Result<PartnerCenter, SetupError> {
    let settings = settings(config)?;
    let auth = Arc::new(Authenticator::new(&settings)?);
    Ok(PartnerCenter {
        client: ReferralsClient::new(&settings, auth)?,
        scoring: PartnerScoring {
            azure_tenant_score: config.partner_center.azure_tenant_score,
            cosell_bonus: config.partner_center.cosell_bonus,
        },
    })
}
