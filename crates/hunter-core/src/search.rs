//! Turkish-aware search text (`team.md` §7): the stored side (the search index, written by
//! database triggers) and the typed side (folded here) are folded the same way, so `istanbul`,
//! `İSTANBUL`, `ISTANBUL` and `danismanlik` all find "İstanbul Danışmanlık Ltd. Şti.".
//!
//! The fold: each letter of [`LETTER_FOLDS`] becomes its ASCII letter, each mark of
//! [`MARK_FOLDS`] is dropped (the same letters written decomposed, e.g. `I` + U+0307, or `i̇`
//! as a non-Turkish lowercasing of `İ` gives), then ASCII letters are lowercased. Every other
//! character is kept as it is, because that is all both databases can do identically: SQLite's
//! `lower()` folds only ASCII, and PostgreSQL's follows the collation (migration 0006 asks for
//! `COLLATE "C"`, which is ASCII-only too). Domains are lowercase ASCII already, so a domain is
//! matched as typed.

/// Letters folded to ASCII, upper and lower case. `I` needs no entry: as ASCII it lowercases to
/// `i` (never to Turkish `ı`).
pub const LETTER_FOLDS: &[(char, char)] = &[
    ('İ', 'i'),
    ('ı', 'i'),
    ('Ş', 's'),
    ('ş', 's'),
    ('Ğ', 'g'),
    ('ğ', 'g'),
    ('Ç', 'c'),
    ('ç', 'c'),
    ('Ö', 'o'),
    ('ö', 'o'),
    ('Ü', 'u'),
    ('ü', 'u'),
    ('Â', 'a'),
    ('â', 'a'),
    ('Î', 'i'),
    ('î', 'i'),
    ('Û', 'u'),
    ('û', 'u'),
];

/// Combining marks of those letters when written decomposed (NFD): dot above, cedilla, breve,
/// diaeresis, circumflex. Dropped.
pub const MARK_FOLDS: &[char] = &['\u{307}', '\u{327}', '\u{306}', '\u{308}', '\u{302}'];

/// The search form of `text`.
pub fn fold(text: &str) -> String {
    text.chars()
        .filter(|c| !MARK_FOLDS.contains(c))
        .map(|c| {
            LETTER_FOLDS
                .iter()
                .find(|(from, _)| *from == c)
                .map_or(c.to_ascii_lowercase(), |&(_, to)| to)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn turkish_letters_and_case_fold_to_ascii() {
        let cases = [
            (
                "İstanbul Danışmanlık Ltd. Şti.",
                "istanbul danismanlik ltd. sti.",
            ),
            ("İSTANBUL", "istanbul"),
            ("ISTANBUL", "istanbul"),
            ("ıstanbul", "istanbul"),
            ("ĞÜŞİÖÇ ğüşıöç", "gusioc gusioc"),
            ("Âşık Îmar Ûmran", "asik imar umran"),
            // Decomposed letters and the `i̇` of a non-Turkish lowercasing.
            ("I\u{307}zmir S\u{327}ube", "izmir sube"),
            ("i\u{307}stanbul", "istanbul"),
            // Domains, digits and punctuation are kept; other letters keep their case.
            ("xn--irket-idb.com.tr", "xn--irket-idb.com.tr"),
            ("ACME-2.COM", "acme-2.com"),
            ("100%_a\"b", "100%_a\"b"),
            ("École Straße", "École straße"),
        ];
        for (text, folded) in cases {
            assert_eq!(fold(text), folded, "{text:?}");
        }
    }

    #[test]
    fn every_fold_lands_on_lowercase_ascii() {
        for &(from, to) in LETTER_FOLDS {
            assert!(to.is_ascii_lowercase(), "{from} → {to}");
            assert_eq!(fold(&from.to_string()), to.to_string());
        }
        for mark in MARK_FOLDS {
            assert_eq!(fold(&format!("a{mark}b")), "ab");
        }
    }
}
