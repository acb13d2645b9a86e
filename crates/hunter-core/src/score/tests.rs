use super::*;

/// `hunter.md` §5.6, one line per row. Columns: #, status, provider, S/K, DMARC, Inc, partner
/// (`tenant`, `cosell`, both joined by `+`, or `-`), score, segment, heats, P.
/// Rows 30 and 31 carry strong signals to show that failures ignore them.
/// Rows 25 and 38 read "Skip (fallback)" in the spec; the embedded rules place Amazon, SendGrid and
/// Mailgun at 60 or more in Skip by a rule of their own (no gaps in the defaults), so only the
/// rule and the reason differ: same segment, heats and category.
const WORKED_CASES: &str = "
 1 | ok      | M365     | 1/1 | reject     | 1 | -             |  90 | Existing        | Hot/RENEWAL/MEDIUM       | P4
 2 | ok      | M365     | 1/0 | -          | 1 | -             |  45 | Existing        | Hot/WEAK_PARTNER/MEDIUM  | P3
 3 | ok      | M365     | 1/1 | none       | 2 | -             |  60 | Existing        | Hot/WEAK_PARTNER/HIGH    | P3
 4 | ok      | M365     | 1/1 | quarantine | 4 | -             |  80 | Existing        | Hot/RENEWAL/MEDIUM       | P4
 5 | ok      | M365     | 0/0 | -          | 0 | -             |  25 | Existing        | Hot/WEAK_PARTNER/MEDIUM  | P3
 6 | ok      | Google   | 1/1 | reject     | 1 | -             |  90 | Migration       | Warm/COMPETITIVE/HIGH    | P2
 7 | ok      | Google   | 1/0 | -          | 1 | -             |  45 | Cold            | Cold/LOW_INTENT/LOW      | P5
 8 | ok      | Google   | 1/1 | none       | 5 | -             |  55 | Cold            | Cold/LOW_INTENT/LOW      | P5
 9 | ok      | Google   | 1/1 | -          | 4 | -             |  65 | Migration       | Warm/COMPETITIVE/HIGH    | P2
10 | ok      | Google   | 0/0 | none       | 0 | -             |  15 | Skip            | Cold/NO_GO/LOW           | P6
11 | ok      | Yandex   | 1/1 | reject     | 1 | -             |  70 | Migration       | Warm/COMPETITIVE/HIGH    | P2
12 | ok      | Yandex   | 1/0 | -          | 1 | -             |  25 | Skip            | Cold/NO_GO/LOW           | P6
13 | ok      | Zoho     | 1/1 | quarantine | 4 | -             |  60 | Migration       | Warm/COMPETITIVE/HIGH    | P2
14 | ok      | Zoho     | 1/1 | none       | 1 | -             |  40 | Cold            | Cold/LOW_INTENT/LOW      | P5
15 | ok      | Hosting  | 1/1 | reject     | 1 | -             |  60 | Migration       | Cold/GREENFIELD/HIGH     | P1
16 | ok      | Hosting  | 0/0 | -          | 0 | -             |   0 | Skip            | Cold/NO_GO/LOW           | P6
17 | ok      | Hosting  | 1/1 | quarantine | 1 | -             |  55 | Cold            | Cold/LOW_INTENT/LOW      | P5
18 | ok      | Hosting  | 1/1 | reject     | 4 | -             |  55 | Cold            | Cold/LOW_INTENT/LOW      | P5
19 | ok      | Local    | 1/0 | -          | 1 | -             |   5 | Cold            | Cold/GREENFIELD/HIGH     | P1
20 | ok      | Local    | 0/0 | -          | 0 | -             |   0 | Skip            | Cold/NO_GO/LOW           | P6
21 | ok      | Local    | 1/1 | reject     | 1 | -             |  50 | Cold            | Cold/GREENFIELD/HIGH     | P1
22 | ok      | Local    | 1/1 | reject     | 4 | -             |  45 | Cold            | Cold/GREENFIELD/HIGH     | P1
23 | ok      | Local    | 1/0 | -          | 4 | -             |   0 | Skip            | Cold/NO_GO/LOW           | P6
24 | ok      | Local    | 1/1 | none       | 1 | -             |  20 | Cold            | Cold/GREENFIELD/HIGH     | P1
25 | ok      | Amazon   | 1/1 | reject     | 1 | -             |  60 | Skip            | Cold/NO_GO/LOW           | P6
26 | ok      | SendGrid | 1/0 | -          | 1 | -             |  15 | Skip            | Cold/NO_GO/LOW           | P6
27 | ok      | Mailgun  | 1/1 | quarantine | 1 | -             |  55 | Cold            | Cold/LOW_INTENT/LOW      | P5
28 | ok      | Unknown  | 1/1 | reject     | 2 | -             |  40 | Cold            | Cold/LOW_INTENT/LOW      | P5
29 | ok      | Unknown  | 1/0 | -          | 1 | -             |   0 | Skip            | Cold/NO_GO/LOW           | P6
30 | no_mx   | M365     | 1/1 | reject     | 1 | -             |   0 | Skip            | Cold/NO_GO/LOW           | P6
31 | invalid | M365     | 1/1 | reject     | 1 | -             |   0 | Skip            | Cold/NO_GO/LOW           | P6
32 | ok      | Google   | 1/1 | reject     | 1 | tenant        |  55 | Existing        | Hot/WEAK_PARTNER/HIGH    | P3
33 | ok      | M365     | 1/0 | -          | 1 | tenant+cosell |  70 | Existing        | Hot/WEAK_PARTNER/HIGH    | P3
34 | ok      | Google   | 1/0 | -          | 1 | cosell        |  60 | Migration       | Warm/COMPETITIVE/HIGH    | P2
35 | ok      | Local    | 1/1 | reject     | 1 | cosell        |  65 | Migration       | Cold/GREENFIELD/HIGH     | P1
36 | ok      | M365     | 1/1 | reject     | 1 | cosell        | 100 | Existing        | Hot/RENEWAL/MEDIUM       | P4
37 | ok      | Unknown  | 1/0 | -          | 1 | cosell        |  15 | Skip            | Cold/NO_GO/LOW           | P6
38 | ok      | Amazon   | 1/1 | reject     | 1 | cosell        |  75 | Skip            | Cold/NO_GO/LOW           | P6
39 | ok      | M365     | 1/0 | -          | 1 | cosell        |  60 | Existing        | Hot/WEAK_PARTNER/HIGH    | P3
";

struct Case {
    row: u32,
    signals: Signals,
    partner: PartnerContext,
    score: i32,
    segment: Segment,
    fallback: bool,
    technical_heat: TechnicalHeat,
    commercial_segment: CommercialSegment,
    commercial_heat: CommercialHeat,
    category: PriorityCategory,
}

fn parse<T: std::str::FromStr>(text: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    text.parse().unwrap()
}

fn present(flag: &str) -> Option<bool> {
    Some(flag == "1")
}

fn cases() -> Vec<Case> {
    WORKED_CASES
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let cols: Vec<&str> = line.split('|').map(str::trim).collect();
            let [
                row,
                status,
                provider,
                sk,
                dmarc,
                inc,
                partner,
                score,
                segment,
                heats,
                p,
            ] = cols[..]
            else {
                panic!("bad worked-case line: {line}");
            };
            let row: u32 = parse(row);
            let status: ScanStatus = parse(status);
            let domain = match status {
                ScanStatus::Invalid => "exa mple.com".to_owned(),
                _ => format!("case{row}.example"),
            };
            let (spf, dkim) = sk.split_once('/').unwrap();
            let heats: Vec<&str> = heats.split('/').collect();
            Case {
                row,
                signals: Signals {
                    provider: parse(provider),
                    spf: present(spf),
                    dkim: present(dkim),
                    dmarc_policy: (dmarc != "-").then(|| parse(dmarc)),
                    spf_include_count: parse(inc),
                    ..Signals::empty(domain, status)
                },
                partner: PartnerContext {
                    azure_tenant: partner.contains("tenant"),
                    cosell: partner.contains("cosell"),
                    azure_tenant_score: 55,
                    cosell_bonus: 15,
                },
                score: parse(score),
                segment: parse(segment.trim_end_matches(" (fallback)")),
                fallback: segment.ends_with("(fallback)"),
                technical_heat: parse(heats[0]),
                commercial_segment: parse(heats[1]),
                commercial_heat: parse(heats[2]),
                category: parse(p),
            }
        })
        .collect()
}

fn score_row(row: u32) -> Score {
    let case = cases().into_iter().find(|case| case.row == row).unwrap();
    score(&case.signals, &case.partner, &Rules::embedded())
}

fn names(score: &Score) -> Vec<&str> {
    score
        .breakdown
        .iter()
        .map(|line| line.name.as_str())
        .collect()
}

fn points(score: &Score, name: &str) -> i32 {
    score
        .breakdown
        .iter()
        .find(|line| line.name == name)
        .unwrap()
        .points
}

#[test]
fn worked_cases_match_the_spec_table() {
    let rules = Rules::embedded();
    let cases = cases();
    assert_eq!(cases.len(), 39);
    for (index, case) in cases.iter().enumerate() {
        assert_eq!(case.row as usize, index + 1, "rows are numbered 1..=39");
        let got = score(&case.signals, &case.partner, &rules);
        let row = case.row;
        assert_eq!(got.readiness_score, case.score, "row {row}: score");
        assert_eq!(got.segment, case.segment, "row {row}: segment");
        assert_eq!(
            got.segment_rule == "fallback",
            case.fallback,
            "row {row}: fallback"
        );
        assert_eq!(
            got.technical_heat, case.technical_heat,
            "row {row}: technical heat"
        );
        assert_eq!(
            got.commercial_segment, case.commercial_segment,
            "row {row}: commercial segment"
        );
        assert_eq!(
            got.commercial_heat, case.commercial_heat,
            "row {row}: commercial heat"
        );
        assert_eq!(got.priority_category, case.category, "row {row}: category");
        assert_eq!(got.rules_version, rules.version, "row {row}: rules version");
    }
}

#[test]
fn breakdown_adds_up_to_the_score_in_every_row() {
    let rules = Rules::embedded();
    for case in cases() {
        let got = score(&case.signals, &case.partner, &rules);
        let (total, lines) = got.breakdown.split_last().unwrap();
        assert_eq!(total.name, "total", "row {}", case.row);
        assert_eq!(total.points, got.readiness_score, "row {}", case.row);
        let sum: i32 = lines.iter().map(|line| line.points).sum();
        assert_eq!(
            sum, got.readiness_score,
            "row {}: {:?}",
            case.row, got.breakdown
        );
        assert!(
            got.breakdown.iter().all(|line| !line.label.is_empty()),
            "row {}: every line has a label",
            case.row
        );
    }
}

#[test]
fn reasons_are_exact() {
    let expected = [
        (
            1,
            "Already on Microsoft 365; protect the account and upsell. Score: 90, Provider: M365.",
        ),
        (
            7,
            "Moderate mail security; worth nurturing. Score: 45, Provider: Google.",
        ),
        (
            19,
            "Local or self-hosted mail with some basics; nurture as greenfield. Score: 5, Provider: Local.",
        ),
        (
            10,
            "Weak mail setup; low readiness. Score: 15, Provider: Google.",
        ),
        (
            25,
            "The MX is a mail delivery or relay service; the mailbox platform behind it is \
             unknown. Score: 60, Provider: Amazon.",
        ),
        (30, "Hard fail: the domain has no MX record."),
        (31, "Invalid domain format: exa mple.com."),
        (32, "M365 existing customer (Azure Tenant ID)"),
        (
            33,
            "M365 existing customer (Azure Tenant ID). Includes a co-sell referral bonus (+15).",
        ),
        (
            34,
            "Strong mail setup on a non-Microsoft platform; ready for migration. Score: 60, \
             Provider: Google. Includes a co-sell referral bonus (+15).",
        ),
        (
            38,
            "The MX is a mail delivery or relay service; the mailbox platform behind it is \
             unknown. Score: 75, Provider: Amazon. Includes a co-sell referral bonus (+15).",
        ),
    ];
    for (row, reason) in expected {
        assert_eq!(score_row(row).reason, reason, "row {row}");
    }
}

#[test]
fn a_lead_no_segment_rule_covers_falls_back_to_skip_saying_so() {
    // Rows 25 and 38 under the segment rules of `hunter.md` §5.3, which leave that gap.
    let text = include_str!("../../rules/default.json");
    let mut value: serde_json::Value = serde_json::from_str(text).unwrap();
    value["segment_rules"].as_array_mut().unwrap().pop();
    let rules = Rules::from_json(&value.to_string()).unwrap();
    let expected = [
        (
            25,
            "Score 60 with provider Amazon did not match any segment rule.",
        ),
        (
            38,
            "Score 75 with provider Amazon did not match any segment rule. Includes a co-sell \
             referral bonus (+15).",
        ),
    ];
    for (row, reason) in expected {
        let case = cases().into_iter().find(|case| case.row == row).unwrap();
        let got = score(&case.signals, &case.partner, &rules);
        assert_eq!(
            (got.segment, got.segment_rule.as_str(), got.reason.as_str()),
            (Segment::Skip, "fallback", reason),
            "row {row}"
        );
        assert_eq!(got.priority_category, case.category, "row {row}");
    }
}

#[test]
fn failures_score_zero_with_their_reason_and_rule() {
    let rules = Rules::embedded();
    // A referral never rescues a failed scan (§6).
    let partner = PartnerContext {
        azure_tenant: true,
        cosell: true,
        azure_tenant_score: 55,
        cosell_bonus: 15,
    };
    let expected = [
        (
            ScanStatus::Timeout,
            "scan_failed",
            "Scan failed: the MX lookup timed out.",
        ),
        (
            ScanStatus::Servfail,
            "scan_failed",
            "Scan failed: the DNS server returned an error for the MX lookup.",
        ),
        (
            ScanStatus::NoMx,
            "hard_fail",
            "Hard fail: the domain has no MX record.",
        ),
        (
            ScanStatus::Nxdomain,
            "hard_fail",
            "Hard fail: the domain does not exist.",
        ),
        (
            ScanStatus::Invalid,
            "invalid",
            "Invalid domain format: bad..input.",
        ),
    ];
    for (status, rule, reason) in expected {
        let signals = Signals {
            provider: Provider::M365,
            spf: Some(true),
            dkim: Some(true),
            ..Signals::empty("bad..input", status)
        };
        let got = score(&signals, &partner, &rules);
        assert_eq!(got.reason, reason);
        assert_eq!(got.segment_rule, rule);
        assert_eq!((got.readiness_score, got.dns_score), (0, 0), "{status}");
        assert_eq!(got.provider, Provider::Unknown);
        assert_eq!(got.segment, Segment::Skip);
        assert_eq!(
            (
                got.technical_heat,
                got.commercial_segment,
                got.commercial_heat
            ),
            (
                TechnicalHeat::Cold,
                CommercialSegment::NoGo,
                CommercialHeat::Low
            )
        );
        assert_eq!(got.priority_category, PriorityCategory::P6);
        assert_eq!(got.priority_label, "No-Go / Archive");
        assert_eq!(names(&got), [rule, "total"]);
        assert!(got.breakdown.iter().all(|line| line.points == 0));
    }
}

#[test]
fn breakdown_names_each_applied_rule() {
    let row10 = score_row(10);
    assert_eq!(
        names(&row10),
        [
            "base_score",
            "provider",
            "dmarc_none",
            "no_spf",
            "no_dkim",
            "dkim_none",
            "dmarc_none",
            "total"
        ]
    );
    let row1 = score_row(1);
    assert_eq!(
        names(&row1),
        [
            "base_score",
            "provider",
            "spf",
            "dkim",
            "dmarc_reject",
            "total"
        ]
    );
    assert_eq!(row1.breakdown[2].label, "SPF record present");

    // Hosting without SPF and DKIM: −15 clamped to 0.
    let row16 = score_row(16);
    assert_eq!(points(&row16, "hosting_mx_weak"), -10);
    assert_eq!(points(&row16, "clamp"), 15);
    assert!(!names(&score_row(15)).contains(&"clamp"));

    assert_eq!(points(&score_row(18), "spf_multiple_includes"), -5);
}

#[test]
fn partner_center_lines_show_what_was_applied() {
    let row32 = score_row(32);
    assert_eq!((row32.dns_score, row32.provider), (90, Provider::M365));
    assert_eq!(row32.segment_rule, "azure_tenant");
    let tenant = &row32.breakdown[row32.breakdown.len() - 2];
    assert_eq!(tenant.name, "partner_center_azure_tenant");
    assert_eq!(
        tenant.label,
        "Azure tenant id from Partner Center: score set to 55"
    );
    assert_eq!(tenant.points, -35);

    let row33 = score_row(33);
    assert_eq!(
        names(&row33)[names(&row33).len() - 3..],
        [
            "partner_center_azure_tenant",
            "partner_center_cosell",
            "total"
        ]
    );
    assert_eq!(points(&row33, "partner_center_azure_tenant"), 10);
    assert_eq!(points(&row33, "partner_center_cosell"), 15);

    // 90 + 15 is capped at 100: only 10 points were added.
    assert_eq!(points(&score_row(36), "partner_center_cosell"), 10);
    // The DNS score is clamped before the bonus (row 37).
    let row37 = score_row(37);
    assert_eq!(
        (
            points(&row37, "clamp"),
            points(&row37, "partner_center_cosell")
        ),
        (5, 15)
    );
}

#[test]
fn a_boost_keeps_the_better_unboosted_category() {
    // Amazon 50 is Cold/P5; boosted to 65 it is Skip (P6). The segment shows the boosted
    // score, the P-model keeps P5.
    let signals = Signals {
        provider: Provider::Amazon,
        spf: Some(true),
        dkim: Some(true),
        dmarc_policy: Some(DmarcPolicy::Quarantine),
        spf_include_count: 4,
        ..Signals::empty("amazon.example", ScanStatus::Ok)
    };
    let partner = PartnerContext {
        cosell: true,
        cosell_bonus: 15,
        ..PartnerContext::default()
    };
    let got = score(&signals, &partner, &Rules::embedded());
    assert_eq!((got.dns_score, got.readiness_score), (50, 65));
    assert_eq!(
        (got.segment, got.segment_rule.as_str()),
        (Segment::Skip, "6")
    );
    assert_eq!(got.priority_category, PriorityCategory::P5);
    assert_eq!(got.commercial_segment, CommercialSegment::LowIntent);
    assert_eq!(got.priority_label, "Low Intent / Long Nurturing");
}

#[test]
fn partial_scans_count_missing_signals_as_absent() {
    let signals = Signals {
        provider: Provider::M365,
        ..Signals::empty("partial.example", ScanStatus::Partial)
    };
    let got = score(&signals, &PartnerContext::default(), &Rules::embedded());
    assert_eq!(got.readiness_score, 25);
    assert_eq!(got.priority_category, PriorityCategory::P3);
}

#[test]
fn a_custom_rules_file_changes_the_outcome() {
    let text = include_str!("../../rules/default.json").replace("\"M365\": 50", "\"M365\": 20");
    let custom = Rules::from_json(&text).unwrap();
    assert_ne!(custom.version, Rules::embedded().version);
    let case = cases().into_iter().find(|case| case.row == 1).unwrap();
    let got = score(&case.signals, &case.partner, &custom);
    // Row 1 drops from 90 (RENEWAL, P4) to 60 (WEAK_PARTNER, P3).
    assert_eq!(got.readiness_score, 60);
    assert_eq!(got.commercial_segment, CommercialSegment::WeakPartner);
    assert_eq!(got.priority_category, PriorityCategory::P3);
    assert_eq!(got.rules_version, custom.version);
}

#[test]
fn reachable_dns_scores_follow_the_points() {
    let rules = Rules::embedded();
    let amazon = reachable_dns_scores(&rules, Provider::Amazon);
    assert_eq!((amazon.first(), amazon.last()), (Some(&0), Some(&60)));
    let unknown = reachable_dns_scores(&rules, Provider::Unknown);
    assert_eq!(unknown.last(), Some(&40));
}

#[test]
fn every_text_is_in_turkish_too_and_english_is_unchanged() {
    let row1 = score_row(1);
    assert_eq!(
        (row1.reason.as_str(), row1.reason_tr.as_str()),
        (
            "Already on Microsoft 365; protect the account and upsell. Score: 90, Provider: M365.",
            "Zaten Microsoft 365 kullanıyor; hesabı koruyun ve ek satış yapın. Puan: 90, \
             Sağlayıcı: M365."
        )
    );
    assert_eq!(
        (
            row1.priority_label.as_str(),
            row1.priority_label_tr.as_str()
        ),
        ("Renewal Pressure", "Yenileme Baskısı")
    );
    let labels: Vec<(&str, &str)> = row1
        .breakdown
        .iter()
        .map(|line| (line.label.as_str(), line.label_tr.as_str()))
        .collect();
    assert_eq!(
        labels,
        [
            ("Base score", "Taban puan"),
            ("Mail provider: M365", "E-posta sağlayıcısı: M365"),
            ("SPF record present", "SPF kaydı var"),
            ("DKIM key found", "DKIM anahtarı bulundu"),
            ("DMARC policy reject", "DMARC politikası reject (reddet)"),
            ("Readiness score", "Hazırlık puanı"),
        ]
    );
    let row33 = score_row(33);
    assert_eq!(
        row33.reason_tr,
        "Mevcut M365 müşterisi (Azure Kiracı Kimliği). Ortak satış (co-sell) yönlendirme bonusu \
         (+15) dahildir."
    );
    let expected = [
        (
            16,
            "Kept within 0–100 (points added up to -15)",
            "0–100 aralığında tutuldu (puanların toplamı -15)",
        ),
        (
            30,
            "No usable MX record (hard-fail rule mx_missing)",
            "Kullanılabilir MX kaydı yok (kesin eleme kuralı mx_missing)",
        ),
        (31, "Invalid domain format", "Geçersiz alan adı biçimi"),
    ];
    for (row, en, tr) in expected {
        let got = score_row(row);
        assert!(
            got.breakdown
                .iter()
                .any(|line| line.label == en && line.label_tr == tr),
            "row {row}: {:?}",
            got.breakdown
        );
    }
    assert_eq!(
        score_row(30).reason_tr,
        "Kesin eleme: alan adının MX kaydı yok."
    );
    assert_eq!(score_row(31).priority_label_tr, "Uygun Değil / Arşiv");
    // Every row: every text exists in both languages, and they differ (nothing left untranslated).
    let rules = Rules::embedded();
    for case in cases() {
        let got = score(&case.signals, &case.partner, &rules);
        assert_ne!(got.reason, got.reason_tr, "row {}", case.row);
        assert_ne!(
            got.priority_label, got.priority_label_tr,
            "row {}",
            case.row
        );
        for line in &got.breakdown {
            assert_ne!(line.label, line.label_tr, "row {}: {}", case.row, line.name);
        }
    }
}

#[test]
fn turkish_texts_name_the_generic_providers_in_turkish_and_the_codes_stay() {
    let mut seen = 0;
    for case in cases() {
        let got = score(&case.signals, &case.partner, &Rules::embedded());
        let (code, turkish) = match got.provider {
            Provider::Local => ("Local", "Yerel"),
            Provider::Unknown => ("Unknown", "Bilinmiyor"),
            _ => continue,
        };
        let line = got.breakdown.iter().find(|l| l.name == "provider");
        if let Some(line) = line {
            assert_eq!(
                line.label,
                format!("Mail provider: {code}"),
                "row {}",
                case.row
            );
            assert_eq!(
                line.label_tr,
                format!("E-posta sağlayıcısı: {turkish}"),
                "row {}",
                case.row
            );
            seen += 1;
        }
        if got.reason.contains(&format!("Provider: {code}")) {
            assert!(
                got.reason_tr.contains(&format!("Sağlayıcı: {turkish}")),
                "row {}: {}",
                case.row,
                got.reason_tr
            );
        }
    }
    assert!(seen > 0, "the worked cases have Local or Unknown leads");
}
