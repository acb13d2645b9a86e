//! Who may do what (`team.md` §3–§4), as pure values: API-key scopes, the two roles, the
//! API-key format, and the `return_to` rule. Randomness is handed in, so all of it is testable.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// What an API key may do (`contract.md` §6). A key acts only with its scopes, never with
/// the rights of whoever created it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    LeadsRead,
    LeadsExport,
    Ingest,
    Scan,
    ReferralsSync,
    ReferralsWrite,
    CrmPush,
}

impl Scope {
    pub const ALL: [Scope; 7] = [
        Scope::LeadsRead,
        Scope::LeadsExport,
        Scope::Ingest,
        Scope::Scan,
        Scope::ReferralsSync,
        Scope::ReferralsWrite,
        Scope::CrmPush,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::LeadsRead => "leads:read",
            Scope::LeadsExport => "leads:export",
            Scope::Ingest => "ingest",
            Scope::Scan => "scan",
            Scope::ReferralsSync => "referrals:sync",
            Scope::ReferralsWrite => "referrals:write",
            Scope::CrmPush => "crm:push",
        }
    }

    pub fn parse(s: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|scope| scope.as_str() == s)
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A signed-in person's right: Admin includes everything a User may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    User,
    Admin,
}

/// Every key starts with this, so secret scanners and people can tell a Hunter key.
pub const API_KEY_PREFIX: &str = "hunter_";
const KEY_ID_LEN: usize = 12;
const SECRET_LEN: usize = 43;
const CHECKSUM_LEN: usize = 6;
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A new API key: `hunter_` + a public key id + `_` + 32 random bytes (base64url) + a CRC32
/// checksum, GitHub-style, so a typo is refused without a database read.
#[derive(Clone, PartialEq, Eq)]
pub struct NewApiKey {
    pub key_id: String,
    /// The whole key, shown once.
    pub key: String,
    /// What is stored: the SHA-256 of the secret part, hex.
    pub secret_sha256: String,
}

impl fmt::Debug for NewApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewApiKey")
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

impl NewApiKey {
    /// `id_bytes` pick the public id, `secret` is the key's entropy; both from a CSPRNG.
    pub fn from_random(id_bytes: [u8; KEY_ID_LEN], secret: [u8; 32]) -> NewApiKey {
        let key_id: String = id_bytes
            .iter()
            .map(|b| CROCKFORD[usize::from(b & 31)] as char)
            .collect();
        let secret = URL_SAFE_NO_PAD.encode(secret);
        let body = format!("{API_KEY_PREFIX}{key_id}_{secret}");
        let key = format!("{body}{}", checksum(&body));
        NewApiKey {
            secret_sha256: sha256_hex(&secret),
            key_id,
            key,
        }
    }
}

/// What a presented key says about itself once its shape and checksum hold.
#[derive(Clone, PartialEq, Eq)]
pub struct PresentedApiKey {
    pub key_id: String,
    pub secret_sha256: String,
}

impl fmt::Debug for PresentedApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PresentedApiKey")
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

impl PresentedApiKey {
    /// `None` for anything that is not a well-formed Hunter key.
    pub fn parse(key: &str) -> Option<PresentedApiKey> {
        let rest = key.strip_prefix(API_KEY_PREFIX)?;
        if rest.len() != KEY_ID_LEN + 1 + SECRET_LEN + CHECKSUM_LEN || !rest.is_ascii() {
            return None;
        }
        let (key_id, rest) = rest.split_at(KEY_ID_LEN);
        let secret = rest.strip_prefix('_')?;
        let (secret, check) = secret.split_at(SECRET_LEN);
        let body = &key[..key.len() - CHECKSUM_LEN];
        let well_formed = key_id.bytes().all(|b| CROCKFORD.contains(&b))
            && URL_SAFE_NO_PAD.decode(secret).is_ok_and(|s| s.len() == 32)
            && checksum(body) == check;
        well_formed.then(|| PresentedApiKey {
            key_id: key_id.to_owned(),
            secret_sha256: sha256_hex(secret),
        })
    }
}

/// The key's visible start, listed so people can tell their keys apart.
pub fn api_key_prefix(key_id: &str) -> String {
    format!("{API_KEY_PREFIX}{key_id}")
}

fn checksum(body: &str) -> String {
    let mut n = crc32fast::hash(body.as_bytes());
    let mut out = [b'0'; CHECKSUM_LEN];
    for slot in out.iter_mut().rev() {
        *slot = BASE62[(n % 62) as usize];
        n /= 62;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// SHA-256 as lower-case hex: how tokens, keys and login flows are kept in the database.
pub fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// Where a signed-in browser goes back to: a path on this site, never elsewhere (an open
/// redirect would let a link through Hunter's sign-in land on another site).
pub fn safe_return_to(requested: Option<&str>) -> &str {
    match requested {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.starts_with("/\\")
                && path.len() <= 2048
                && !path.chars().any(|c| c.is_control() || c == '\\') =>
        {
            path
        }
        _ => "/",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(seed: u8) -> NewApiKey {
        NewApiKey::from_random([seed; 12], [seed.wrapping_mul(7); 32])
    }

    #[test]
    fn a_new_key_parses_back_to_its_id_and_stored_hash() {
        for seed in [0, 1, 31, 200, 255] {
            let new = key(seed);
            assert!(new.key.starts_with("hunter_"));
            assert_eq!(new.key.len(), 7 + 12 + 1 + 43 + 6);
            let presented = PresentedApiKey::parse(&new.key).expect("parses");
            assert_eq!(presented.key_id, new.key_id);
            assert_eq!(presented.secret_sha256, new.secret_sha256);
            assert!(!format!("{new:?}{presented:?}").contains(&new.key[20..]));
        }
    }

    #[test]
    fn a_changed_character_or_a_foreign_token_is_refused_without_a_lookup() {
        let new = key(9);
        for i in 7..new.key.len() {
            let mut bytes = new.key.clone().into_bytes();
            bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
            let typo = String::from_utf8(bytes).unwrap();
            if typo != new.key {
                assert_eq!(PresentedApiKey::parse(&typo), None, "position {i}");
            }
        }
        for other in [
            "",
            "hunter_",
            "ghp_abc",
            &new.key[..new.key.len() - 1],
            &format!("{}x", new.key),
        ] {
            assert_eq!(PresentedApiKey::parse(other), None, "{other}");
        }
    }

    #[test]
    fn scopes_have_the_contract_names() {
        let names: Vec<_> = Scope::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(
            names,
            [
                "leads:read",
                "leads:export",
                "ingest",
                "scan",
                "referrals:sync",
                "referrals:write",
                "crm:push"
            ]
        );
        assert_eq!(Scope::parse("scan"), Some(Scope::Scan));
        assert_eq!(Scope::parse("admin"), None);
    }

    #[test]
    fn return_to_is_a_same_site_path_or_the_start_page() {
        let cases = [
            (Some("/"), "/"),
            (Some("/?q=acme&page=2"), "/?q=acme&page=2"),
            (Some("/docs"), "/docs"),
            (Some("//evil.example/x"), "/"),
            (Some("/\\evil.example"), "/"),
            (Some("https://evil.example/"), "/"),
            (Some("evil"), "/"),
            (Some("/a\nb"), "/"),
            (None, "/"),
        ];
        for (input, expected) in cases {
            assert_eq!(safe_return_to(input), expected, "{input:?}");
        }
    }
}
