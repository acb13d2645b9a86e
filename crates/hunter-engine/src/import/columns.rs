//! Which column holds what (`hunter.md` §2, Files): exact headers, or auto-detection by header
//! keywords and, failing those, by what the cells look like.

/// Column positions of the fields Hunter reads from a file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColumnMap {
    pub company: Option<usize>,
    pub domain: Option<usize>,
    pub website: Option<usize>,
    pub email: Option<usize>,
}

impl ColumnMap {
    fn has_domain_source(&self) -> bool {
        self.domain.is_some() || self.website.is_some() || self.email.is_some()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ColumnError {
    #[error("the file has no header row")]
    NoHeader,
    #[error(
        "the file has none of the columns `domain`, `website` or `email` (headers: {headers}); rename one or import with auto-detect"
    )]
    NoDomainColumn { headers: String },
    #[error("no column looks like it holds websites, domains or emails (headers: {headers})")]
    NothingDetected { headers: String },
}

const COMPANY_KEYWORDS: &[&str] = &[
    "firma", "ünvan", "unvan", "company", "name", "title", "şirket",
];
const DOMAIN_KEYWORDS: &[&str] = &[
    "web", "website", "site", "domain", "url", "internet", "adres",
];
const DOMAIN_CELL_HINTS: &[&str] = &[
    "http://", "www.", ".com", ".com.tr", ".net", ".org", ".tr", "@",
];

/// Headers as compared: trimmed and lowercased. Lowercasing Turkish `İ` leaves a combining dot
/// (`i̇nternet`) that would hide the keyword, so it is dropped.
pub fn normalize_headers(raw: &[String]) -> Vec<String> {
    raw.iter()
        .map(|h| h.trim().to_lowercase().replace('\u{307}', ""))
        .collect()
}

/// Maps exact headers; with `auto_detect`, fills what is missing from keywords and from `sample`
/// rows (the first data rows of the file).
pub fn map_columns(
    headers: &[String],
    sample: &[Vec<Option<String>>],
    detection: Detection,
) -> Result<ColumnMap, ColumnError> {
    if headers.iter().all(|h| h.is_empty()) {
        return Err(ColumnError::NoHeader);
    }
    let exact = |name: &str| headers.iter().position(|h| h == name);
    let mut map = ColumnMap {
        company: exact("company_name").or_else(|| exact("company")),
        domain: exact("domain"),
        website: exact("website"),
        email: exact("email"),
    };
    let listed = || headers.join(", ");
    if detection == Detection::Exact {
        return if map.has_domain_source() {
            Ok(map)
        } else {
            Err(ColumnError::NoDomainColumn { headers: listed() })
        };
    }

    if !map.has_domain_source() {
        // A detected column may hold websites, bare domains or emails alike; the website
        // field's normalization accepts all three.
        map.website = first_header_with(headers, DOMAIN_KEYWORDS, None)
            .or_else(|| column_by_content(headers.len(), sample));
    }
    if map.company.is_none() {
        let taken = map.website.or(map.domain).or(map.email);
        map.company = first_header_with(headers, COMPANY_KEYWORDS, taken)
            .or_else(|| (taken != Some(0)).then_some(0));
    }
    if map.has_domain_source() {
        Ok(map)
    } else {
        Err(ColumnError::NothingDetected { headers: listed() })
    }
}

/// How columns are found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detection {
    /// Only the headers `domain`, `website`, `email`, `company_name`/`company`.
    Exact,
    /// Exact headers first, then keywords, then cell contents.
    Auto,
}

fn first_header_with(headers: &[String], keywords: &[&str], skip: Option<usize>) -> Option<usize> {
    headers
        .iter()
        .enumerate()
        .filter(|(i, _)| Some(*i) != skip)
        .find(|(_, h)| keywords.iter().any(|k| h.contains(k)))
        .map(|(i, _)| i)
}

fn column_by_content(width: usize, sample: &[Vec<Option<String>>]) -> Option<usize> {
    let hits = |col: usize| {
        sample
            .iter()
            .filter_map(|row| row.get(col).and_then(|c| c.as_deref()))
            .filter(|cell| {
                let cell = cell.to_lowercase();
                DOMAIN_CELL_HINTS.iter().any(|hint| cell.contains(hint))
            })
            .count()
    };
    // Ties go to the leftmost column.
    (0..width)
        .map(|col| (hits(col), col))
        .filter(|(n, _)| *n > 0)
        .max_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)))
        .map(|(_, col)| col)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(h: &[&str]) -> Vec<String> {
        normalize_headers(&h.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    fn rows(r: &[&[&str]]) -> Vec<Vec<Option<String>>> {
        r.iter()
            .map(|row| {
                row.iter()
                    .map(|c| (!c.is_empty()).then(|| c.to_string()))
                    .collect()
            })
            .collect()
    }

    #[test]
    fn exact_headers_are_trimmed_and_case_insensitive() {
        let map = map_columns(
            &headers(&[" Company ", "WEBSITE", "Email"]),
            &[],
            Detection::Exact,
        )
        .unwrap();
        assert_eq!(
            map,
            ColumnMap {
                company: Some(0),
                domain: None,
                website: Some(1),
                email: Some(2)
            }
        );
    }

    #[test]
    fn without_auto_detect_a_file_without_domain_columns_is_refused_with_its_headers() {
        let err = map_columns(&headers(&["Firma", "Web Sitesi"]), &[], Detection::Exact)
            .unwrap_err()
            .to_string();
        assert!(err.contains("firma, web sitesi"), "{err}");
        assert!(err.contains("auto-detect"), "{err}");
    }

    #[test]
    fn turkish_headers_are_detected() {
        let cases: &[(&[&str], usize, usize)] = &[
            (&["Firma Adı", "Web Sitesi", "Telefon"], 0, 1),
            (&["Sıra", "Ünvan", "İnternet"], 1, 2),
            (&["No", "Şirket", "Site"], 1, 2),
            (&["Unvan", "Url"], 0, 1),
        ];
        for (h, company, website) in cases {
            let map = map_columns(&headers(h), &[], Detection::Auto).unwrap();
            assert_eq!(map.company, Some(*company), "{h:?}");
            assert_eq!(map.website, Some(*website), "{h:?}");
        }
    }

    #[test]
    fn without_keyword_headers_the_column_that_looks_like_domains_wins() {
        let sample = rows(&[
            &["Acme", "İstanbul", "www.acme.com.tr"],
            &["Beta", "Ankara", "beta.net"],
            &["Gamma", "İzmir", ""],
        ]);
        let map = map_columns(&headers(&["A", "B", "C"]), &sample, Detection::Auto).unwrap();
        assert_eq!(map.website, Some(2));
        assert_eq!(map.company, Some(0), "the first column is the company");
    }

    #[test]
    fn nothing_detectable_is_an_error() {
        let sample = rows(&[&["1", "2"]]);
        assert!(matches!(
            map_columns(&headers(&["x", "y"]), &sample, Detection::Auto),
            Err(ColumnError::NothingDetected { .. })
        ));
    }
}
