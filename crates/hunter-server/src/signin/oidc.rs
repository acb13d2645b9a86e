//! The OpenID Connect relying party for Microsoft Entra ID (`team.md` §2, `notes/auth.md` §1):
//! discovery, the signing keys, the authorize URL, code redemption with the client credential,
//! and every ID-token check.
//!
//! `openidconnect` parses the discovery document and the key set and verifies the token's
//! signature (RS256 only), issuer, audience, expiry and nonce. It does not check `nbf`, has no
//! leeway on `exp` and accepts any `iat`, and it knows neither Entra's claims (`oid`, `tid`,
//! `roles`) nor `private_key_jwt`: those are done here.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chrono::Utc;
use hunter_engine::config::auth::{Credential, EntraConfig, ResponseMode};
use openidconnect::core::{
    CoreGenderClaim, CoreJsonWebKeySet, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm,
    CoreProviderMetadata,
};
use openidconnect::{
    AdditionalClaims, ClaimsVerificationError, ClientId, IdToken, IdTokenVerifier, IssuerUrl,
    Nonce, SignatureVerificationError,
};
use ring::rand::SystemRandom;
use ring::signature::{RSA_PSS_SHA256, RsaKeyPair};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// How often the signing keys are read again, and the least time between two reads caused by
/// an unknown key id (a forged token must not make Hunter hammer the IdP).
const JWKS_REFRESH: Duration = Duration::from_secs(3600);
const JWKS_UNKNOWN_KID_PAUSE: Duration = Duration::from_secs(300);
const HTTP_TIMEOUT: Duration = Duration::from_secs(10);

/// Entra's claims beyond OpenID Connect's.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EntraClaims {
    pub oid: Option<String>,
    pub tid: Option<String>,
    #[serde(default)]
    pub roles: Vec<String>,
    pub nbf: Option<i64>,
}

impl AdditionalClaims for EntraClaims {}

type EntraIdToken = IdToken<
    EntraClaims,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;

/// What the sign-in learned about the person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedPerson {
    pub tenant_id: String,
    pub oid: String,
    pub name: String,
    pub email: Option<String>,
    pub roles: Vec<String>,
}

/// Why a sign-in failed; each is a reason in the audit trail.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignInError {
    #[error("the identity provider has not been reached yet")]
    NotDiscovered,
    #[error("the identity provider refused the code: {0}")]
    TokenRefused(String),
    #[error("the identity provider could not be reached: {0}")]
    Unreachable(String),
    #[error("the ID token is invalid: {0}")]
    InvalidToken(String),
    #[error("the ID token is signed by a key the provider does not publish")]
    UnknownKey,
    #[error("the ID token is for another tenant")]
    OtherTenant,
}

impl SignInError {
    /// The stable reason written to `login.failure`.
    pub fn reason(&self) -> &'static str {
        match self {
            SignInError::NotDiscovered => "idp_not_discovered",
            SignInError::TokenRefused(_) => "code_refused",
            SignInError::Unreachable(_) => "idp_unreachable",
            SignInError::InvalidToken(_) | SignInError::UnknownKey => "invalid_id_token",
            SignInError::OtherTenant => "other_tenant",
        }
    }
}

/// The provider's endpoints and keys, as last read.
#[derive(Debug)]
struct Provider {
    authorize: String,
    token: String,
    end_session: Option<String>,
    jwks_uri: String,
    keys: CoreJsonWebKeySet,
    keys_read: Instant,
}

/// The client credential, loaded once at start.
enum LoadedCredential {
    Secret(String),
    Certificate {
        key: Box<RsaKeyPair>,
        /// base64url SHA-256 of the certificate (DER): the assertion's `x5t#S256`.
        thumbprint: String,
    },
}

impl std::fmt::Debug for LoadedCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            LoadedCredential::Secret(_) => "Secret([redacted])",
            LoadedCredential::Certificate { .. } => "Certificate([redacted])",
        })
    }
}

#[derive(Debug)]
pub struct RelyingParty {
    config: EntraConfig,
    http: reqwest::Client,
    credential: LoadedCredential,
    provider: RwLock<Option<Arc<Provider>>>,
    /// When an unknown key id last made the keys be read.
    last_unknown_kid_read: std::sync::Mutex<Option<Instant>>,
}

/// The three secrets of one sign-in, derived from its login cookie.
pub struct FlowSecrets {
    pub state: String,
    pub nonce: String,
    pub verifier: String,
}

impl FlowSecrets {
    /// `state`, `nonce` and the PKCE verifier are HMACs of the flow's random cookie value, so
    /// the server stores none of them and a callback matches only the browser that started it.
    pub fn of(flow: &str) -> FlowSecrets {
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, flow.as_bytes());
        let derive = |label: &str| URL_SAFE_NO_PAD.encode(ring::hmac::sign(&key, label.as_bytes()));
        FlowSecrets {
            state: derive("state"),
            nonce: derive("nonce"),
            verifier: derive("pkce"),
        }
    }

    /// Whether `state` came from this flow (compared in constant time).
    pub fn state_matches(flow: &str, state: &str) -> bool {
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, flow.as_bytes());
        URL_SAFE_NO_PAD
            .decode(state)
            .is_ok_and(|tag| ring::hmac::verify(&key, b"state", &tag).is_ok())
    }
}

impl RelyingParty {
    /// Loads the credential (a missing or unreadable file stops the start, with its path).
    pub fn new(config: EntraConfig) -> Result<RelyingParty, String> {
        let credential = load_credential(&config.credential)?;
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            // Endpoints come from the discovery document; following redirects would let it
            // send Hunter's requests, secrets included, elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(HTTP_TIMEOUT)
            .no_proxy()
            .build()
            .map_err(|e| format!("the HTTP client for sign-in could not be built: {e}"))?;
        Ok(RelyingParty {
            config,
            http,
            credential,
            provider: RwLock::new(None),
            last_unknown_kid_read: std::sync::Mutex::new(None),
        })
    }

    /// `{AUTHORITY}/{TENANT}/v2.0`, the only issuer accepted.
    pub fn issuer(&self) -> String {
        format!(
            "{}/{}/v2.0",
            self.config.authority_url.trim_end_matches('/'),
            self.config.tenant_id
        )
    }

    pub fn is_discovered(&self) -> bool {
        self.current().is_some()
    }

    fn current(&self) -> Option<Arc<Provider>> {
        self.provider.read().ok().and_then(|p| p.clone())
    }

    /// Reads the discovery document and the keys. The issuer it names must be ours.
    pub async fn discover(&self) -> Result<(), String> {
        let url = format!("{}/.well-known/openid-configuration", self.issuer());
        let body = self.get_json(&url).await?;
        let metadata: CoreProviderMetadata = serde_json::from_slice(&body)
            .map_err(|e| format!("the discovery document at {url} is not valid: {e}"))?;
        let extra: EndSession = serde_json::from_slice(&body).unwrap_or_default();
        if metadata.issuer().as_str() != self.issuer() {
            return Err(format!(
                "the discovery document names the issuer {}, not {}",
                metadata.issuer().as_str(),
                self.issuer()
            ));
        }
        let token = metadata
            .token_endpoint()
            .ok_or("the discovery document has no token endpoint")?
            .to_string();
        let jwks_uri = metadata.jwks_uri().to_string();
        let keys = self.read_keys(&jwks_uri).await?;
        let provider = Provider {
            authorize: metadata.authorization_endpoint().to_string(),
            token,
            end_session: extra.end_session_endpoint,
            jwks_uri,
            keys,
            keys_read: Instant::now(),
        };
        *self
            .provider
            .write()
            .map_err(|_| "sign-in state poisoned")? = Some(Arc::new(provider));
        Ok(())
    }

    async fn get_json(&self, url: &str) -> Result<Vec<u8>, String> {
        let response = self
            .http
            .get(url)
            .send()
            .await
            .map_err(|e| format!("{url} could not be reached: {e}"))?;
        if !response.status().is_success() {
            return Err(format!("{url} answered {}", response.status()));
        }
        Ok(response
            .bytes()
            .await
            .map_err(|e| format!("{url} could not be read: {e}"))?
            .to_vec())
    }

    async fn read_keys(&self, jwks_uri: &str) -> Result<CoreJsonWebKeySet, String> {
        let body = self.get_json(jwks_uri).await?;
        serde_json::from_slice(&body)
            .map_err(|e| format!("the key set at {jwks_uri} is not valid: {e}"))
    }

    /// Reads the keys again, keeping the last good set when the read fails.
    async fn refresh_keys(&self) -> Result<(), String> {
        let Some(provider) = self.current() else {
            return self.discover().await;
        };
        let keys = self.read_keys(&provider.jwks_uri).await?;
        let fresh = Provider {
            authorize: provider.authorize.clone(),
            token: provider.token.clone(),
            end_session: provider.end_session.clone(),
            jwks_uri: provider.jwks_uri.clone(),
            keys,
            keys_read: Instant::now(),
        };
        *self
            .provider
            .write()
            .map_err(|_| "sign-in state poisoned")? = Some(Arc::new(fresh));
        Ok(())
    }

    /// Keeps the provider known: discovery until it succeeds (a sign-in answers 503 until
    /// then), then the keys every hour.
    pub async fn keep_fresh(self: Arc<Self>, stop: tokio_util::sync::CancellationToken) {
        let mut retry = Duration::from_secs(2);
        loop {
            let wait = match self.current() {
                None => match self.discover().await {
                    Ok(()) => {
                        tracing::info!(issuer = %self.issuer(), "identity provider discovered");
                        JWKS_REFRESH
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, retry_in_s = retry.as_secs(), "identity provider discovery failed; sign-in answers 503 until it succeeds");
                        retry = (retry * 2).min(Duration::from_secs(60));
                        retry
                    }
                },
                Some(p) if p.keys_read.elapsed() >= JWKS_REFRESH => {
                    if let Err(e) = self.refresh_keys().await {
                        tracing::warn!(error = %e, "signing keys could not be refreshed; the last ones stay in use");
                    }
                    JWKS_REFRESH
                }
                Some(p) => JWKS_REFRESH.saturating_sub(p.keys_read.elapsed()),
            };
            tokio::select! {
                () = stop.cancelled() => return,
                () = tokio::time::sleep(wait) => {}
            }
        }
    }

    /// Where the browser goes to sign in.
    pub fn authorize_url(&self, secrets: &FlowSecrets) -> Result<String, SignInError> {
        let provider = self.current().ok_or(SignInError::NotDiscovered)?;
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(secrets.verifier.as_bytes()));
        let mode = match self.config.response_mode {
            ResponseMode::FormPost => "form_post",
            ResponseMode::Query => "query",
        };
        let mut url = url::Url::parse(&provider.authorize)
            .map_err(|e| SignInError::Unreachable(format!("bad authorize endpoint: {e}")))?;
        url.query_pairs_mut()
            .append_pair("client_id", &self.config.client_id)
            .append_pair("response_type", "code")
            .append_pair("redirect_uri", &self.config.redirect_uri())
            .append_pair("response_mode", mode)
            .append_pair("scope", "openid profile email")
            .append_pair("state", &secrets.state)
            .append_pair("nonce", &secrets.nonce)
            .append_pair("code_challenge", &challenge)
            .append_pair("code_challenge_method", "S256");
        Ok(url.into())
    }

    /// The provider's end-session URL that brings the browser back to `return_url`.
    pub fn end_session_url(&self, return_url: &str) -> Option<String> {
        let provider = self.current()?;
        let mut url = url::Url::parse(provider.end_session.as_deref()?).ok()?;
        url.query_pairs_mut()
            .append_pair("post_logout_redirect_uri", return_url)
            .append_pair("client_id", &self.config.client_id);
        Some(url.into())
    }

    /// Redeems the code once and checks the ID token it brings.
    pub async fn redeem(
        &self,
        code: &str,
        secrets: &FlowSecrets,
    ) -> Result<VerifiedPerson, SignInError> {
        let provider = self.current().ok_or(SignInError::NotDiscovered)?;
        let id_token = self.token_request(&provider.token, code, secrets).await?;
        // Refused either way; the unverified tenant only picks which page the person sees.
        if unverified_tid(&id_token)
            .is_some_and(|t| !t.eq_ignore_ascii_case(&self.config.tenant_id))
        {
            return Err(SignInError::OtherTenant);
        }
        let token: EntraIdToken = id_token
            .parse()
            .map_err(|e| SignInError::InvalidToken(format!("not a JWT: {e}")))?;
        match self.verify(&token, &provider.keys, &secrets.nonce) {
            Err(SignInError::UnknownKey) => {
                // Rotated keys: read them again, at most every five minutes.
                if self.may_reread_for_unknown_kid() {
                    let _ = self.refresh_keys().await;
                }
                let provider = self.current().ok_or(SignInError::NotDiscovered)?;
                self.verify(&token, &provider.keys, &secrets.nonce)
            }
            verified => verified,
        }
    }

    fn may_reread_for_unknown_kid(&self) -> bool {
        let Ok(mut last) = self.last_unknown_kid_read.lock() else {
            return false;
        };
        if last.is_some_and(|at| at.elapsed() < JWKS_UNKNOWN_KID_PAUSE) {
            return false;
        }
        *last = Some(Instant::now());
        true
    }

    async fn token_request(
        &self,
        token_url: &str,
        code: &str,
        secrets: &FlowSecrets,
    ) -> Result<String, SignInError> {
        let redirect_uri = self.config.redirect_uri();
        let mut form: Vec<(&str, String)> = vec![
            ("grant_type", "authorization_code".to_owned()),
            ("code", code.to_owned()),
            ("redirect_uri", redirect_uri),
            ("client_id", self.config.client_id.clone()),
            ("code_verifier", secrets.verifier.clone()),
        ];
        match &self.credential {
            LoadedCredential::Secret(secret) => form.push(("client_secret", secret.clone())),
            LoadedCredential::Certificate { key, thumbprint } => {
                form.push((
                    "client_assertion_type",
                    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".to_owned(),
                ));
                form.push((
                    "client_assertion",
                    client_assertion(key, thumbprint, &self.config.client_id, token_url)?,
                ));
            }
        }
        let response = self
            .http
            .post(token_url)
            .form(&form)
            .send()
            .await
            .map_err(|e| SignInError::Unreachable(e.without_url().to_string()))?;
        let status = response.status();
        let body: TokenAnswer = response
            .json()
            .await
            .map_err(|e| SignInError::TokenRefused(format!("{status}, unreadable answer: {e}")))?;
        match (status.is_success(), body.id_token) {
            (true, Some(id_token)) => Ok(id_token),
            (true, None) => Err(SignInError::TokenRefused("no id_token".to_owned())),
            // The error code only: Entra's description can quote the request.
            (false, _) => Err(SignInError::TokenRefused(format!(
                "{status} {}",
                body.error.unwrap_or_default()
            ))),
        }
    }

    fn verify(
        &self,
        token: &EntraIdToken,
        keys: &CoreJsonWebKeySet,
        nonce: &str,
    ) -> Result<VerifiedPerson, SignInError> {
        let skew = chrono::Duration::from_std(self.config.clock_skew)
            .unwrap_or(chrono::Duration::minutes(5));
        let issuer = IssuerUrl::new(self.issuer())
            .map_err(|e| SignInError::InvalidToken(format!("issuer: {e}")))?;
        let verifier = IdTokenVerifier::new_public_client(
            ClientId::new(self.config.client_id.clone()),
            issuer,
            keys.clone(),
        )
        .set_allowed_algs([CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256])
        // `exp` may be up to the skew in the past.
        .set_time_fn(move || Utc::now() - skew)
        .set_issue_time_verifier_fn(move |iat| match iat <= Utc::now() + skew {
            true => Ok(()),
            false => Err("iat is in the future".to_owned()),
        });
        let claims = token
            .claims(&verifier, &Nonce::new(nonce.to_owned()))
            .map_err(|e| match e {
                ClaimsVerificationError::SignatureVerification(
                    SignatureVerificationError::NoMatchingKey,
                ) => SignInError::UnknownKey,
                ClaimsVerificationError::SignatureVerification(inner) => {
                    SignInError::InvalidToken(format!("signature: {inner}"))
                }
                other => SignInError::InvalidToken(other.to_string()),
            })?;
        let extra = claims.additional_claims();
        if extra
            .nbf
            .is_some_and(|nbf| nbf > (Utc::now() + skew).timestamp())
        {
            return Err(SignInError::InvalidToken("nbf is in the future".to_owned()));
        }
        let tid = extra.tid.clone().unwrap_or_default();
        if !tid.eq_ignore_ascii_case(&self.config.tenant_id) {
            return Err(SignInError::OtherTenant);
        }
        let oid = extra
            .oid
            .clone()
            .filter(|o| !o.is_empty())
            .ok_or_else(|| SignInError::InvalidToken("no oid claim".to_owned()))?;
        let name = claims
            .name()
            .and_then(|n| n.get(None))
            .map(|n| n.as_str().to_owned())
            .or_else(|| claims.preferred_username().map(|u| u.as_str().to_owned()))
            .unwrap_or_else(|| oid.clone());
        let email = claims
            .email()
            .map(|e| e.as_str().to_owned())
            .or_else(|| claims.preferred_username().map(|u| u.as_str().to_owned()));
        Ok(VerifiedPerson {
            tenant_id: tid.to_ascii_lowercase(),
            oid,
            name,
            email,
            roles: extra.roles.clone(),
        })
    }
}

/// The `tid` a token claims, before any check.
fn unverified_tid(jwt: &str) -> Option<String> {
    let payload = URL_SAFE_NO_PAD.decode(jwt.split('.').nth(1)?).ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&payload).ok()?;
    claims.get("tid")?.as_str().map(str::to_owned)
}

#[derive(Debug, Default, Deserialize)]
struct EndSession {
    end_session_endpoint: Option<String>,
}

#[derive(Debug, Deserialize)]
struct TokenAnswer {
    id_token: Option<String>,
    error: Option<String>,
}

/// A `private_key_jwt` client assertion (RFC 7523): PS256, named by the certificate's SHA-256
/// thumbprint, for the token endpoint only, valid five minutes, never reused (`jti`).
fn client_assertion(
    key: &RsaKeyPair,
    thumbprint: &str,
    client_id: &str,
    token_url: &str,
) -> Result<String, SignInError> {
    let now = Utc::now().timestamp();
    let header = serde_json::json!({ "alg": "PS256", "typ": "JWT", "x5t#S256": thumbprint });
    let claims = serde_json::json!({
        "aud": token_url,
        "iss": client_id,
        "sub": client_id,
        "jti": uuid::Uuid::new_v4().to_string(),
        "nbf": now,
        "iat": now,
        "exp": now + 300,
    });
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let mut signature = vec![0; key.public().modulus_len()];
    key.sign(
        &RSA_PSS_SHA256,
        &SystemRandom::new(),
        signing_input.as_bytes(),
        &mut signature,
    )
    .map_err(|_| SignInError::Unreachable("the client assertion could not be signed".to_owned()))?;
    Ok(format!(
        "{signing_input}.{}",
        URL_SAFE_NO_PAD.encode(signature)
    ))
}

fn load_credential(credential: &Credential) -> Result<LoadedCredential, String> {
    match credential {
        Credential::Secret(secret) => Ok(LoadedCredential::Secret(secret.expose().to_owned())),
        Credential::SecretFile(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                format!(
                    "HUNTER_AUTH_CLIENT_SECRET_FILE {} cannot be read: {e}",
                    path.display()
                )
            })?;
            match text.trim() {
                "" => Err(format!(
                    "HUNTER_AUTH_CLIENT_SECRET_FILE {} is empty",
                    path.display()
                )),
                secret => Ok(LoadedCredential::Secret(secret.to_owned())),
            }
        }
        Credential::Certificate { cert, key } => {
            let read = |name: &str, path: &std::path::Path| {
                std::fs::read_to_string(path)
                    .map_err(|e| format!("{name} {} cannot be read: {e}", path.display()))
            };
            let cert_der = pem_body(&read("HUNTER_AUTH_CLIENT_CERT_PATH", cert)?, "CERTIFICATE")
                .ok_or_else(|| {
                    format!(
                        "HUNTER_AUTH_CLIENT_CERT_PATH {} holds no PEM certificate",
                        cert.display()
                    )
                })?;
            let key_text = read("HUNTER_AUTH_CLIENT_KEY_PATH", key)?;
            let key_pair = match (
                pem_body(&key_text, "PRIVATE KEY"),
                pem_body(&key_text, "RSA PRIVATE KEY"),
            ) {
                (Some(pkcs8), _) => RsaKeyPair::from_pkcs8(&pkcs8).ok(),
                (None, Some(pkcs1)) => RsaKeyPair::from_der(&pkcs1).ok(),
                (None, None) => None,
            }
            .ok_or_else(|| {
                format!(
                    "HUNTER_AUTH_CLIENT_KEY_PATH {} holds no RSA private key (PEM, PKCS#8 or PKCS#1)",
                    key.display()
                )
            })?;
            Ok(LoadedCredential::Certificate {
                key: Box::new(key_pair),
                thumbprint: URL_SAFE_NO_PAD.encode(Sha256::digest(&cert_der)),
            })
        }
    }
}

/// The DER inside the first `-----BEGIN {label}-----` block.
fn pem_body(text: &str, label: &str) -> Option<Vec<u8>> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = text.find(&begin)? + begin.len();
    let stop = start + text[start..].find(&end)?;
    let b64: String = text[start..stop].split_whitespace().collect();
    STANDARD.decode(b64).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flow_secrets_are_stable_per_flow_and_differ_between_flows() {
        let a = FlowSecrets::of("flow-a");
        let again = FlowSecrets::of("flow-a");
        let b = FlowSecrets::of("flow-b");
        assert_eq!(a.state, again.state);
        assert_ne!(a.state, b.state);
        assert_ne!(a.state, a.nonce);
        // RFC 7636: a verifier is 43 to 128 unreserved characters.
        assert_eq!(a.verifier.len(), 43);
        assert!(FlowSecrets::state_matches("flow-a", &a.state));
        assert!(!FlowSecrets::state_matches("flow-b", &a.state));
        assert!(!FlowSecrets::state_matches("flow-a", "not base64 !"));
    }
}
