//! Loading the scoring rules: embedded, or the file named by `HUNTER_RULES_PATH`.

use std::path::{Path, PathBuf};

use hunter_core::rules::{Rules, RulesError};

#[derive(Debug, thiserror::Error)]
pub enum LoadRulesError {
    #[error("the rules file {path} (HUNTER_RULES_PATH) could not be read: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the rules file {path} (HUNTER_RULES_PATH) is invalid: {source}")]
    Invalid { path: PathBuf, source: RulesError },
}

/// The rules in force; gaps in the segment rules are logged as warnings.
pub fn load_rules(path: Option<&Path>) -> Result<Rules, LoadRulesError> {
    let rules = match path {
        None => Rules::embedded(),
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|source| LoadRulesError::Read {
                path: path.to_owned(),
                source,
            })?;
            Rules::from_json(&text).map_err(|source| LoadRulesError::Invalid {
                path: path.to_owned(),
                source,
            })?
        }
    };
    for warning in rules.gap_warnings() {
        tracing::warn!(rules_version = %rules.version, "{warning}");
    }
    Ok(rules)
}
