//! Domain normalization (`hunter.md` §2) and Public Suffix List helpers (§3.8).
//!
//! The Public Suffix List is the copy compiled into the `psl` crate. Hunter uses its ICANN section
//! only: private entries (`blogspot.com`, `github.io`, …) are companies' own names, not suffixes.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr};
use std::str::FromStr;

use psl::{List, Psl, Type};

/// Whole values that mean "no value" in spreadsheets and CRM exports (compared case-insensitively).
const PLACEHOLDERS: [&str; 10] = [
    "nan",
    "n/a",
    "na",
    "none",
    "null",
    "web sitesi",
    "website",
    "web",
    "http",
    "https",
];
const MAX_NAME_LEN: usize = 253;
const MAX_LABEL_LEN: usize = 63;
/// Offending text quoted in an error is cut to this many characters, so a garbage cell cannot
/// flood a report.
const MAX_SHOWN_CHARS: usize = 80;

/// A normalized company domain: lowercase ASCII (punycode), validated. Only `Domain::parse` makes one.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct Domain(String);

/// The input field a value came from, named in [`DomainError::InField`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InputField {
    Website,
    Email,
    Domain,
}

impl fmt::Display for InputField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            InputField::Website => "website",
            InputField::Email => "email",
            InputField::Domain => "domain",
        })
    }
}

/// Why an input did not yield a domain. `Display` is a short English phrase for reports such as
/// `row 7 skipped: <error>`. Text before an `@` (a person's mailbox) is never quoted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error("empty value")]
    Empty,
    #[error("placeholder value `{0}`")]
    Placeholder(String),
    #[error("no domain name in the value")]
    NoName,
    #[error("`{0}` is not a full domain name (single label)")]
    SingleLabel(String),
    #[error("`{0}` is not a domain name (IP address)")]
    IpAddress(String),
    #[error("invalid label in `{0}`")]
    InvalidLabel(String),
    #[error("invalid top-level label in `{0}`")]
    InvalidTopLevel(String),
    #[error("domain name too long ({0} characters, at most 253)")]
    TooLong(usize),
    #[error("`{0}` is a public suffix")]
    PublicSuffix(String),
    #[error("not a valid internationalized name: `{0}`")]
    Idna(String),
    #[error("no `@` (not an email address)")]
    MissingAt,
    #[error("no domain, website or email given")]
    NoInput,
    /// The error of the field that decided the outcome of [`InputFields::resolve`].
    #[error("{field}: {error}")]
    InField {
        field: InputField,
        error: Box<DomainError>,
    },
}

impl DomainError {
    /// The same phrase as `Display`, in Turkish.
    pub fn turkish(&self) -> String {
        match self {
            DomainError::Empty => "boş değer".to_owned(),
            DomainError::Placeholder(v) => format!("yer tutucu değer `{v}`"),
            DomainError::NoName => "değerde alan adı yok".to_owned(),
            DomainError::SingleLabel(v) => format!("`{v}` tam bir alan adı değil (tek etiket)"),
            DomainError::IpAddress(v) => format!("`{v}` bir alan adı değil (IP adresi)"),
            DomainError::InvalidLabel(v) => format!("`{v}` içinde geçersiz etiket"),
            DomainError::InvalidTopLevel(v) => format!("`{v}` içinde geçersiz üst düzey etiket"),
            DomainError::TooLong(n) => format!("alan adı çok uzun ({n} karakter, en çok 253)"),
            DomainError::PublicSuffix(v) => format!("`{v}` bir genel sonek (public suffix)"),
            DomainError::Idna(v) => format!("geçerli bir uluslararası ad değil: `{v}`"),
            DomainError::MissingAt => "`@` yok (e-posta adresi değil)".to_owned(),
            DomainError::NoInput => "alan adı, web sitesi veya e-posta verilmedi".to_owned(),
            DomainError::InField { field, error } => {
                format!("{}: {}", field.turkish(), error.turkish())
            }
        }
    }
}

impl InputField {
    fn turkish(self) -> &'static str {
        match self {
            InputField::Website => "web sitesi",
            InputField::Email => "e-posta",
            InputField::Domain => "alan adı",
        }
    }
}

impl Domain {
    /// Normalizes one field (domain, website or email text) per `hunter.md` §2 steps 1–10.
    pub fn parse(input: &str) -> Result<Domain, DomainError> {
        let value = present_value(input)?;
        let host = fold_case(extract_host(value).trim_end_matches('.'));
        if host.is_empty() {
            return Err(DomainError::NoName);
        }
        // Step 9 runs before step 8 so that `www.` is recognised in any script or width
        // (`ＷＷＷ.ａ.com`); for ASCII input the order makes no difference.
        let ascii = idna::domain_to_ascii(&host).map_err(|_| DomainError::Idna(shown(&host)))?;
        // UTS #46 maps `。` and `．` to `.`, which can leave a new trailing dot.
        let name = strip_www(ascii.trim_end_matches('.'));
        validate(name)?;
        Ok(Domain(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Domain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Domain {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl FromStr for Domain {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Domain::parse(s)
    }
}

/// Steps 1–2: the trimmed value, unless it is empty or a placeholder.
fn present_value(input: &str) -> Result<&str, DomainError> {
    // U+FEFF is not whitespace, but spreadsheet exports leave it at the start of cells.
    let value = input.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    if value.is_empty() {
        return Err(DomainError::Empty);
    }
    let lower = fold_case(value);
    if PLACEHOLDERS.contains(&lower.as_str()) {
        return Err(DomainError::Placeholder(lower));
    }
    Ok(value)
}

/// Lowercase, except that Turkish `İ` becomes a plain `i`: Turkish spreadsheets upper-case
/// `firma.com.tr` to `FİRMA.COM.TR`, and the Unicode rule (`i` + combining dot) would turn it into
/// a punycode name nobody registered (`.tr` and other registries do not allow the combining dot).
fn fold_case(text: &str) -> String {
    text.replace('\u{130}', "i").to_lowercase()
}

/// Steps 3–6: the host part of a URL, email address or bare name (not yet lowercased).
fn extract_host(value: &str) -> &str {
    let rest = strip_scheme(value);
    let rest = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    // The last `@` also drops URL user-info (`https://u:p@x.com`).
    let rest = rest.rsplit('@').next().unwrap_or(rest);
    rest.split(|c: char| matches!(c, ':' | '>' | ';' | ',') || c.is_whitespace())
        .next()
        .unwrap_or(rest)
}

/// Step 3: removes one leading `letters://`, `//` or `mailto:`, all case-insensitively.
fn strip_scheme(value: &str) -> &str {
    const MAILTO: &str = "mailto:";
    if value
        .get(..MAILTO.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(MAILTO))
    {
        return &value[MAILTO.len()..];
    }
    if let Some(rest) = value.strip_prefix("//") {
        return rest;
    }
    match value.split_once("://") {
        Some((scheme, rest))
            if !scheme.is_empty() && scheme.bytes().all(|b| b.is_ascii_alphabetic()) =>
        {
            rest
        }
        _ => value,
    }
}

/// Step 8: removes one leading `www.` unless the rest is a single label or a public suffix.
fn strip_www(name: &str) -> &str {
    match name.strip_prefix("www.") {
        Some(rest) if rest.contains('.') && !is_public_suffix(rest) => rest,
        _ => name,
    }
}

/// Step 10 on a lowercase ASCII name.
fn validate(name: &str) -> Result<(), DomainError> {
    if !name.contains('.') {
        return Err(DomainError::SingleLabel(shown(name)));
    }
    if name.parse::<Ipv4Addr>().is_ok() {
        return Err(DomainError::IpAddress(name.to_owned()));
    }
    if name.len() > MAX_NAME_LEN {
        return Err(DomainError::TooLong(name.len()));
    }
    if !name.split('.').all(is_valid_label) {
        return Err(DomainError::InvalidLabel(shown(name)));
    }
    let top = name.rsplit('.').next().unwrap_or(name);
    if top.len() < 2 || top.bytes().all(|b| b.is_ascii_digit()) {
        return Err(DomainError::InvalidTopLevel(name.to_owned()));
    }
    if is_public_suffix(name) {
        return Err(DomainError::PublicSuffix(name.to_owned()));
    }
    Ok(())
}

/// 1–63 characters of `a-z 0-9 -`, not starting or ending with `-`.
fn is_valid_label(label: &str) -> bool {
    (1..=MAX_LABEL_LEN).contains(&label.len())
        && label
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !label.starts_with('-')
        && !label.ends_with('-')
}

/// `text` for quoting in an error, cut to [`MAX_SHOWN_CHARS`] characters.
fn shown(text: &str) -> String {
    match text.char_indices().nth(MAX_SHOWN_CHARS) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

/// The input fields of one company record; precedence website > email > domain.
#[derive(Debug, Clone, Copy, Default)]
pub struct InputFields<'a> {
    pub domain: Option<&'a str>,
    pub website: Option<&'a str>,
    pub email: Option<&'a str>,
}

impl InputFields<'_> {
    /// The first field that yields a valid domain (website, then email if it has `@`, then domain).
    ///
    /// When none does, the error is that of the first field (in the same order) that holds a real
    /// value, wrapped in [`DomainError::InField`]; a placeholder such as `n/a` counts as a value
    /// only when no field holds anything else, so it never hides a more useful reason.
    pub fn resolve(&self) -> Result<Domain, DomainError> {
        let fields = [
            (InputField::Website, self.website),
            (InputField::Email, self.email),
            (InputField::Domain, self.domain),
        ];
        let mut reason = None;
        let mut placeholder = None;
        for (field, value) in fields {
            let Some(value) = value else { continue };
            let outcome = if field == InputField::Email && !value.contains('@') {
                // An email without `@` is unusable, but say so only if it is not blank.
                present_value(value).and(Err(DomainError::MissingAt))
            } else {
                Domain::parse(value)
            };
            match outcome {
                Ok(domain) => return Ok(domain),
                Err(DomainError::Empty) => {}
                Err(error @ DomainError::Placeholder(_)) => {
                    placeholder.get_or_insert((field, error));
                }
                Err(error) => {
                    reason.get_or_insert((field, error));
                }
            }
        }
        match reason.or(placeholder) {
            Some((field, error)) => Err(DomainError::InField {
                field,
                error: Box::new(error),
            }),
            None => Err(DomainError::NoInput),
        }
    }
}

/// Whether `name` is itself a public suffix under the ICANN section of the Public Suffix List
/// (`com`, `com.tr`, `xn--p1ai`). Private entries such as `blogspot.com` are not suffixes here;
/// neither is an unlisted top-level label. Case and a trailing dot are ignored.
pub fn is_public_suffix(name: &str) -> bool {
    let name = name.trim().trim_end_matches('.').to_lowercase();
    !name.is_empty() && icann_suffix(&name) == (name.as_str(), true)
}

/// Registrable domain of `host` under the Public Suffix List's ICANN section
/// (`x.mail.protection.outlook.com` → `outlook.com`); `None` when there is none (an IP address, a
/// public suffix itself, a single label, empty labels). An unlisted top-level label counts as a
/// suffix (the list's default rule `*`). Case and a trailing dot are ignored.
pub fn registrable_domain(host: &str) -> Option<String> {
    let name = host.trim().trim_end_matches('.').to_lowercase();
    // psl would happily return `3.4` for `1.2.3.4`.
    if name.is_empty() || name.split('.').any(str::is_empty) || name.parse::<IpAddr>().is_ok() {
        return None;
    }
    let (suffix, _) = icann_suffix(&name);
    let head = name.strip_suffix(suffix)?.strip_suffix('.')?;
    let label = head.rsplit('.').next()?;
    Some(format!("{label}.{suffix}"))
}

/// The ICANN public suffix of `name` (non-empty, lowercase, no trailing dot) and whether a listed
/// rule matched it (`false`: the default rule `*`, i.e. the last label).
fn icann_suffix(name: &str) -> (&str, bool) {
    let mut candidate = name;
    loop {
        let info = List.find(candidate.rsplit('.').map(str::as_bytes));
        let suffix = candidate
            .get(candidate.len().saturating_sub(info.len)..)
            .unwrap_or(candidate);
        match info.typ {
            Some(Type::Icann) => return (suffix, true),
            None => return (suffix, false),
            // A private rule (`foo.blogspot.com` matches `blogspot.com`) sits on top of an ICANN
            // one: look the private suffix's parent up again until an ICANN rule matches.
            Some(Type::Private) => match suffix.split_once('.') {
                Some((_, parent)) => candidate = parent,
                None => return (suffix, false),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parsed(input: &str) -> Result<String, DomainError> {
        Domain::parse(input).map(|d| d.as_str().to_owned())
    }

    fn ok(s: &str) -> Result<String, DomainError> {
        Ok(s.to_owned())
    }

    fn label(s: &str) -> Result<String, DomainError> {
        Err(DomainError::InvalidLabel(s.to_owned()))
    }

    #[test]
    fn errors_read_in_turkish_too() {
        let e = Domain::parse("localhost").unwrap_err();
        assert_eq!(
            e.to_string(),
            "`localhost` is not a full domain name (single label)"
        );
        assert_eq!(
            e.turkish(),
            "`localhost` tam bir alan adı değil (tek etiket)"
        );
        let e = InputFields {
            domain: Some("n/a"),
            ..InputFields::default()
        }
        .resolve()
        .unwrap_err();
        assert!(e.turkish().starts_with("alan adı: "), "{}", e.turkish());
    }

    #[test]
    fn spec_examples() {
        let cases: &[(&str, Result<String, DomainError>)] = &[
            // §2 worked examples.
            ("HTTP://WWW.Example.COM:8080/p?q=1", ok("example.com")),
            ("Example.com.", ok("example.com")),
            ("\"Ali\" <ali@firma.com.tr>", ok("firma.com.tr")),
            ("XN--MNCHEN-3YA.DE", ok("xn--mnchen-3ya.de")),
            ("münchen.de", ok("xn--mnchen-3ya.de")),
            ("user@example@domain.com", ok("domain.com")),
            ("www.www.a.com", ok("www.a.com")),
            ("www.com", ok("www.com")),
            ("mail.a.com.tr", ok("mail.a.com.tr")),
            ("HTTP://X.COM", ok("x.com")),
            ("n/a", Err(DomainError::Placeholder("n/a".into()))),
            (
                "Web Sitesi",
                Err(DomainError::Placeholder("web sitesi".into())),
            ),
            (
                "localhost",
                Err(DomainError::SingleLabel("localhost".into())),
            ),
            ("a.c", Err(DomainError::InvalidTopLevel("a.c".into()))),
            ("-x-.com", label("-x-.com")),
            ("a_b.com", label("a_b.com")),
            ("1.2.3.4", Err(DomainError::IpAddress("1.2.3.4".into()))),
            ("com.tr", Err(DomainError::PublicSuffix("com.tr".into()))),
            // Step 1: whitespace, including NBSP and a BOM.
            ("", Err(DomainError::Empty)),
            (" \t\n ", Err(DomainError::Empty)),
            ("  x.com  ", ok("x.com")),
            ("\u{a0}x.com\u{3000}", ok("x.com")),
            ("\u{feff}x.com", ok("x.com")),
            // Step 2: every placeholder, any case, whole value only.
            ("nan", Err(DomainError::Placeholder("nan".into()))),
            ("NaN", Err(DomainError::Placeholder("nan".into()))),
            ("N/A", Err(DomainError::Placeholder("n/a".into()))),
            ("na", Err(DomainError::Placeholder("na".into()))),
            ("None", Err(DomainError::Placeholder("none".into()))),
            ("NULL", Err(DomainError::Placeholder("null".into()))),
            (
                "WEB SITESI",
                Err(DomainError::Placeholder("web sitesi".into())),
            ),
            (
                "WEB SİTESİ",
                Err(DomainError::Placeholder("web sitesi".into())),
            ),
            ("Website", Err(DomainError::Placeholder("website".into()))),
            ("web", Err(DomainError::Placeholder("web".into()))),
            ("http", Err(DomainError::Placeholder("http".into()))),
            (" HTTPS ", Err(DomainError::Placeholder("https".into()))),
            ("nan.com", ok("nan.com")),
            ("web.com.tr", ok("web.com.tr")),
            // Step 3: schemes, case-insensitive; `//`; `mailto:`.
            ("https://x.com", ok("x.com")),
            ("HtTpS://x.com/", ok("x.com")),
            ("ftp://files.x.com/a", ok("files.x.com")),
            ("//x.com", ok("x.com")),
            ("//x.com/path", ok("x.com")),
            ("mailto:ali@x.com", ok("x.com")),
            ("Mailto:Ali@X.com", ok("x.com")),
            ("MAILTO:ali@x.com?subject=hi", ok("x.com")),
            ("http://", Err(DomainError::NoName)),
            // Only one scheme is removed; placeholders are whole values only.
            (
                "http://http://x.com",
                Err(DomainError::SingleLabel("http".into())),
            ),
            // Step 4: path, query, fragment.
            ("x.com/a/b", ok("x.com")),
            ("x.com?q=1", ok("x.com")),
            ("x.com#top", ok("x.com")),
            ("https://x.com/p@y.com", ok("x.com")),
            // Step 5: the last `@`, URL user-info.
            ("ali@firma.com.tr", ok("firma.com.tr")),
            ("https://u:p@x.com", ok("x.com")),
            ("https://user@x.com:8443/", ok("x.com")),
            ("ali@", Err(DomainError::NoName)),
            // Step 6: port, whitespace, `>`, `;`, `,`.
            ("x.com:443", ok("x.com")),
            ("x.com 2nd line", ok("x.com")),
            ("x.com;y.com", ok("x.com")),
            ("x.com, y.com", ok("x.com")),
            ("<ali@x.com>", ok("x.com")),
            ("Ali Veli <ali@x.com> (sales)", ok("x.com")),
            ("a@x.com, b@y.com", ok("y.com")),
            // Step 7: trailing dots, case.
            ("x.com...", ok("x.com")),
            ("X.Com.Tr", ok("x.com.tr")),
            // Step 8: one `www.`, not when the rest is a single label or a public suffix.
            ("www.a.com", ok("a.com")),
            ("WWW.A.COM", ok("a.com")),
            ("www.a.com.tr", ok("a.com.tr")),
            ("www.co.uk", ok("www.co.uk")),
            ("www.com.tr", ok("www.com.tr")),
            ("www.blogspot.com", ok("blogspot.com")),
            ("wwwx.com", ok("wwwx.com")),
            ("www2.x.com", ok("www2.x.com")),
            ("www", Err(DomainError::SingleLabel("www".into()))),
            ("www.", Err(DomainError::SingleLabel("www".into()))),
            ("ＷＷＷ．ａ．com", ok("a.com")),
            // Step 9: UTS #46.
            ("faß.de", ok("xn--fa-hia.de")),
            ("ＡＢＣ.com", ok("abc.com")),
            ("пример.рф", ok("xn--e1afmkfd.xn--p1ai")),
            ("xn--e1afmkfd.xn--p1ai", ok("xn--e1afmkfd.xn--p1ai")),
            ("şirket.com.tr", ok("xn--irket-idb.com.tr")),
            ("WWW.FİRMA.COM.TR", ok("firma.com.tr")),
            ("ŞİRKET.COM.TR", ok("xn--irket-idb.com.tr")),
            ("a.com。", ok("a.com")),
            ("xn--zz.com", Err(DomainError::Idna("xn--zz.com".into()))),
            ("xn--.com", Err(DomainError::Idna("xn--.com".into()))),
            // Step 10: structure.
            ("a..com", label("a..com")),
            (".a.com", label(".a.com")),
            ("a-.com", label("a-.com")),
            ("a b.com", Err(DomainError::SingleLabel("a".into()))),
            ("a%41.com", label("a%41.com")),
            ("ab--cd.com", ok("ab--cd.com")),
            ("a.123", Err(DomainError::InvalidTopLevel("a.123".into()))),
            ("1.2.3", Err(DomainError::InvalidTopLevel("1.2.3".into()))),
            (
                "http://192.168.1.1:8080/",
                Err(DomainError::IpAddress("192.168.1.1".into())),
            ),
            ("123.com", ok("123.com")),
            ("x.xn--p1ai", ok("x.xn--p1ai")),
            ("foo.ck", Err(DomainError::PublicSuffix("foo.ck".into()))),
            ("www.ck", ok("www.ck")),
            ("blogspot.com", ok("blogspot.com")),
            ("example.zzzz", ok("example.zzzz")),
        ];
        for (input, expected) in cases {
            assert_eq!(&parsed(input), expected, "input {input:?}");
        }
    }

    #[test]
    fn length_limits() {
        let l63 = "a".repeat(63);
        let l64 = "a".repeat(64);
        assert_eq!(parsed(&format!("{l63}.com")), ok(&format!("{l63}.com")));
        assert!(matches!(
            parsed(&format!("{l64}.com")),
            Err(DomainError::InvalidLabel(_))
        ));
        // 3 × 63 + 60 + 4 dots = 253.
        let max = format!("{l63}.{l63}.{l63}.{}.com", "b".repeat(57));
        assert_eq!(max.len(), 253);
        assert_eq!(parsed(&max), ok(&max));
        let over = format!("b{max}");
        assert_eq!(parsed(&over), Err(DomainError::TooLong(254)));
    }

    #[test]
    fn errors_read_well() {
        let text = |input: &str| parsed(input).unwrap_err().to_string();
        assert_eq!(text("  "), "empty value");
        assert_eq!(text("N/A"), "placeholder value `n/a`");
        assert_eq!(
            text("1.2.3.4"),
            "`1.2.3.4` is not a domain name (IP address)"
        );
        assert_eq!(text("com.tr"), "`com.tr` is a public suffix");
        assert_eq!(text("a_b.com"), "invalid label in `a_b.com`");
        assert_eq!(
            text("xn--zz.com"),
            "not a valid internationalized name: `xn--zz.com`"
        );
        // Long garbage is cut; the mailbox part of an address is never quoted.
        let long = text(&format!("{}_.com", "x".repeat(500)));
        assert!(long.chars().count() < 120, "{long}");
        assert!(!text("secret.person@").contains("secret"));
    }

    #[test]
    fn resolve_precedence() {
        let fields = |website, email, domain| InputFields {
            website,
            email,
            domain,
        };
        let resolved = |f: InputFields| f.resolve().map(|d| d.as_str().to_owned());
        // Website beats email beats domain.
        assert_eq!(
            resolved(fields(
                Some("https://w.com"),
                Some("a@e.com"),
                Some("d.com")
            )),
            ok("w.com")
        );
        assert_eq!(
            resolved(fields(None, Some("a@e.com"), Some("d.com"))),
            ok("e.com")
        );
        assert_eq!(resolved(fields(None, None, Some("d.com"))), ok("d.com"));
        // Empty or invalid fields are skipped: an invalid domain never blocks the others.
        assert_eq!(
            resolved(fields(Some("nan"), Some("a@e.com"), Some("a_b.com"))),
            ok("e.com")
        );
        assert_eq!(
            resolved(fields(Some("w.com"), None, Some("a_b.com"))),
            ok("w.com")
        );
        assert_eq!(
            resolved(fields(Some("  "), Some("bad@"), Some("d.com"))),
            ok("d.com")
        );
        // An email without `@` is ignored even when it looks like a domain.
        assert_eq!(
            resolved(fields(None, Some("e.com"), Some("d.com"))),
            ok("d.com")
        );
        assert_eq!(
            resolved(fields(None, Some("e.com"), None)),
            Err(DomainError::InField {
                field: InputField::Email,
                error: Box::new(DomainError::MissingAt),
            })
        );
        // Nothing usable: the highest-precedence field with a real value explains why.
        assert_eq!(
            resolved(fields(Some("localhost"), Some("a@b_c.com"), Some("com.tr"))),
            Err(DomainError::InField {
                field: InputField::Website,
                error: Box::new(DomainError::SingleLabel("localhost".into())),
            })
        );
        assert_eq!(
            resolved(fields(Some("n/a"), None, Some("com.tr"))),
            Err(DomainError::InField {
                field: InputField::Domain,
                error: Box::new(DomainError::PublicSuffix("com.tr".into())),
            })
        );
        assert_eq!(
            resolved(fields(Some("n/a"), Some("nan"), Some(""))),
            Err(DomainError::InField {
                field: InputField::Website,
                error: Box::new(DomainError::Placeholder("n/a".into())),
            })
        );
        assert_eq!(
            resolved(fields(None, Some(" "), Some(""))),
            Err(DomainError::NoInput)
        );
        assert_eq!(resolved(InputFields::default()), Err(DomainError::NoInput));
        assert_eq!(
            fields(Some("1.2.3.4"), None, None)
                .resolve()
                .unwrap_err()
                .to_string(),
            "website: `1.2.3.4` is not a domain name (IP address)"
        );
    }

    #[test]
    fn registrable_domains() {
        let cases: &[(&str, Option<&str>)] = &[
            ("x.mail.protection.outlook.com", Some("outlook.com")),
            ("aspmx.vit.com.tr", Some("vit.com.tr")),
            ("contoso-com.k-v1.mx.microsoft", Some("mx.microsoft")),
            ("eu-smtp-inbound-1.mimecast.com", Some("mimecast.com")),
            ("ASPMX.L.GOOGLE.COM.", Some("google.com")),
            ("mx1-us1.ppe-hosted.com", Some("ppe-hosted.com")),
            (
                "d123.a.ess.barracudanetworks.com",
                Some("barracudanetworks.com"),
            ),
            ("esa1.contoso.iphmx.com", Some("iphmx.com")),
            ("mx-01-eu-west-1.prod.hydra.sophos.com", Some("sophos.com")),
            ("contoso.com.in.tmes.trendmicro.eu", Some("trendmicro.eu")),
            ("contoso.mail.seppmail.cloud", Some("seppmail.cloud")),
            // Private section ignored: ICANN rule within the private one.
            ("foo.blogspot.com", Some("blogspot.com")),
            (
                "x.s3.dualstack.us-east-1.amazonaws.com",
                Some("amazonaws.com"),
            ),
            ("a.github.io", Some("github.io")),
            ("mx.yandex.net", Some("yandex.net")),
            ("a.b.kawasaki.jp", Some("a.b.kawasaki.jp")),
            ("mail.example.zzzz", Some("example.zzzz")),
            ("outlook.com", Some("outlook.com")),
            ("com", None),
            ("com.tr", None),
            ("localhost", None),
            ("", None),
            (".", None),
            ("a..com", None),
            ("1.2.3.4", None),
            ("2001:db8::1", None),
        ];
        for (host, expected) in cases {
            assert_eq!(
                registrable_domain(host).as_deref(),
                *expected,
                "host {host:?}"
            );
        }
    }

    #[test]
    fn public_suffixes() {
        for name in [
            "com", "com.tr", "CO.UK.", "xn--p1ai", "рф", "foo.ck", "k12.tr",
        ] {
            assert!(is_public_suffix(name), "{name}");
        }
        for name in [
            "",
            "x.com",
            "blogspot.com",
            "github.io",
            "www.ck",
            "zzzz",
            "localhost",
        ] {
            assert!(!is_public_suffix(name), "{name}");
        }
    }

    /// Strings shaped like the messy fields Hunter sees, plus arbitrary Unicode.
    fn messy_input() -> impl Strategy<Value = String> {
        prop_oneof![
            "\\PC{0,40}",
            "[ \u{a0}]{0,2}((?i:https?|ftp)://|//|(?i:mailto):|[a-z]{0,4}@)?((?i:www)\\.){0,2}\
             [a-zA-Z0-9_\u{e9}\u{fc}\u{15f}\u{130}\u{ff21}-]{0,12}(\\.[a-zA-Z0-9\u{fc}-]{0,8}){0,3}\
             (\\.(com|com\\.tr|co\\.uk|de|ck|xn--p1ai|XN--P1AI|blogspot\\.com|1))?\\.{0,2}\
             (:[0-9]{1,4})?([/?#@;,> ][\\PC]{0,8})?",
        ]
    }

    proptest! {
        #[test]
        fn output_is_clean_lowercase_ascii(input in messy_input()) {
            if let Ok(domain) = Domain::parse(&input) {
                let s = domain.as_str();
                prop_assert!(
                    s.bytes().all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-')),
                    "{s}"
                );
                prop_assert!(s.len() <= MAX_NAME_LEN && s.contains('.'));
            }
        }

        /// Normalizing an output again returns it, except that §2 step 8 removes only ONE `www.`
        /// per pass (`www.www.a.com` → `www.a.com` → `a.com`).
        #[test]
        fn normalization_is_idempotent(input in messy_input()) {
            if let Ok(domain) = Domain::parse(&input) {
                let s = domain.as_str();
                let again = parsed(s);
                prop_assert!(
                    again.as_deref().is_ok_and(|a| a == s || Some(a) == s.strip_prefix("www.")),
                    "{input:?} -> {s} -> {again:?}"
                );
            }
        }

        #[test]
        fn registrable_domain_is_a_suffix(input in messy_input()) {
            let name = input.trim().trim_end_matches('.').to_lowercase();
            if let Some(root) = registrable_domain(&input) {
                prop_assert!(name == root || name.ends_with(&format!(".{root}")), "{name} -> {root}");
                prop_assert!(!is_public_suffix(&root));
            }
        }
    }
}
