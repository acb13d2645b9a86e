//! Partner Center settings (`contract.md` §2) as the I/O crate wants them.

use hunter_partner_center::Settings;

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
