//! The two languages a person reads Hunter in (`team.md` §7), and the choice from an
//! `Accept-Language` header: Turkish when it prefers `tr`, English otherwise.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    #[default]
    En,
    Tr,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Tr => "tr",
        }
    }

    /// The language an `Accept-Language` value (RFC 9110 §12.5.4) asks for: of the ranges naming
    /// `tr` or `en` (any region), the one with the highest weight, the first of equals; English
    /// when neither is named or the value is unreadable.
    pub fn negotiate(accept_language: &str) -> Lang {
        let mut best: Option<(u16, Lang)> = None;
        for range in accept_language.split(',') {
            let mut parts = range.split(';');
            let tag = parts.next().unwrap_or_default().trim();
            let primary = tag.split('-').next().unwrap_or_default();
            let lang = if primary.eq_ignore_ascii_case("tr") {
                Lang::Tr
            } else if primary.eq_ignore_ascii_case("en") {
                Lang::En
            } else {
                continue;
            };
            let weight = parts
                .find_map(|p| p.trim().strip_prefix("q=").map(weight))
                .unwrap_or(Some(1000));
            let Some(weight) = weight.filter(|w| *w > 0) else {
                continue;
            };
            if best.is_none_or(|(w, _)| weight > w) {
                best = Some((weight, lang));
            }
        }
        best.map_or(Lang::En, |(_, lang)| lang)
    }

    /// Picks this language's text of two.
    pub fn pick<T>(self, en: T, tr: T) -> T {
        match self {
            Lang::En => en,
            Lang::Tr => tr,
        }
    }
}

/// A language named by its code, `en` or `tr` (a client's explicit choice).
impl std::str::FromStr for Lang {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "en" => Ok(Lang::En),
            "tr" => Ok(Lang::Tr),
            _ => Err(format!("lang must be `en` or `tr`, not `{s}`")),
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A text for people in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Text {
    pub en: String,
    pub tr: String,
}

impl Text {
    pub fn new(en: impl Into<String>, tr: impl Into<String>) -> Text {
        Text {
            en: en.into(),
            tr: tr.into(),
        }
    }

    pub fn get(&self, lang: Lang) -> &str {
        lang.pick(&self.en, &self.tr)
    }
}

/// A `q` value in thousandths (`0.8` → 800); `None` when malformed.
fn weight(q: &str) -> Option<u16> {
    let q = q.trim();
    let (whole, fraction) = q.split_once('.').unwrap_or((q, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let thousandths = format!("{fraction:0<3}").parse::<u16>().ok()?;
    match whole {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn turkish_only_when_preferred() {
        let cases = [
            ("tr", Lang::Tr),
            ("tr-TR", Lang::Tr),
            ("TR-tr", Lang::Tr),
            ("tr-TR,tr;q=0.9,en-US;q=0.8,en;q=0.7", Lang::Tr),
            ("en-US,en;q=0.9,tr;q=0.8", Lang::En),
            ("de-DE,tr;q=0.5", Lang::Tr),
            ("de-DE,fr;q=0.5", Lang::En),
            ("en;q=0.4, tr;q=0.6", Lang::Tr),
            ("tr;q=0, en", Lang::En),
            ("tr;q=0", Lang::En),
            ("*", Lang::En),
            ("", Lang::En),
            ("tr;q=2", Lang::En),
            ("tr;q=0.5, en;q=0.5", Lang::Tr),
            ("turkish", Lang::En),
        ];
        for (header, want) in cases {
            assert_eq!(Lang::negotiate(header), want, "{header:?}");
        }
    }
}
