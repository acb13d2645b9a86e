//! Raw DNS answers as the probe saw them, before any interpretation.

use serde::{Deserialize, Serialize};

/// The outcome of one DNS lookup. An empty answer (NODATA) is `Answer(vec![])`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", content = "records", rename_all = "snake_case")]
pub enum Lookup<T> {
    Answer(Vec<T>),
    NxDomain,
    /// No answer within the query timeout (after retries) or the domain deadline.
    Timeout,
    /// SERVFAIL, REFUSED, any other error code, or a transport error.
    Failed,
}

impl<T> Lookup<T> {
    /// Empty answers and NXDOMAIN are answers; timeouts and failures are not.
    pub fn answered(&self) -> bool {
        matches!(self, Lookup::Answer(_) | Lookup::NxDomain)
    }

    /// The records, empty for NXDOMAIN and for failures.
    pub fn records(&self) -> &[T] {
        match self {
            Lookup::Answer(r) => r,
            _ => &[],
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MxRecord {
    pub preference: u16,
    /// As served; analysis lowercases it and strips the trailing dot.
    pub host: String,
}

/// The two lookups made for one DKIM selector (`<selector>._domainkey.<domain>`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DkimProbe {
    pub selector: String,
    /// TXT records at the selector, CNAME chain followed; each record's strings joined.
    pub txt: Lookup<String>,
    /// CNAME targets at the selector name.
    pub cname: Lookup<String>,
}

/// Everything the probe learned about one domain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RawDns {
    pub mx: Lookup<MxRecord>,
    /// Apex TXT records, each record's character-strings joined without separators.
    pub apex_txt: Lookup<String>,
    /// TXT records at `_dmarc.<domain>`, joined as above.
    pub dmarc_txt: Lookup<String>,
    /// One entry per selector of [`crate::tables::DKIM_SELECTORS`], in that order.
    pub dkim: Vec<DkimProbe>,
    pub autodiscover_cname: Lookup<String>,
    /// Entra tenant GUID from tenant discovery; `None` when disabled, absent or failed.
    pub entra_tenant_id: Option<String>,
}
