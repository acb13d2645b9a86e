//! The one log-masking rule (`hunter.md` §9.31): PII appears in logs only as `h:` + the first
//! 8 hex digits of the SHA-256 of the lowercased value, so equal values correlate across lines.

use sha2::{Digest, Sha256};

pub fn mask(value: &str) -> String {
    let digest = Sha256::digest(value.to_lowercase().as_bytes());
    format!("h:{}", &hex::encode(digest)[..8])
}

#[cfg(test)]
mod tests {
    use super::mask;

    #[test]
    fn same_value_in_any_case_masks_the_same_and_hides_the_value() {
        let a = mask("Ali@Firma.com.tr");
        assert_eq!(a, mask("ali@firma.com.tr"));
        assert!(a.starts_with("h:") && a.len() == 10);
        assert!(!a.contains("firma"));
        assert_ne!(a, mask("veli@firma.com.tr"));
    }
}
