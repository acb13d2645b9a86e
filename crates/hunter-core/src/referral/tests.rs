use serde_json::{Value, json};

use super::*;

const GUID: &str = "0f9d4e3a-1b2c-4d5e-8f90-a1b2c3d4e5f6";

/// An Incoming referral with a usable contact e-mail; `patch` overrides or adds top-level fields.
fn referral(patch: Value) -> Value {
    let mut base = json!({
        "id": "ref-1",
        "engagementId": "eng-1",
        "createdDateTime": "2020-10-30T21:03:00.0000000Z",
        "updatedDateTime": "2020-11-02T08:15:30.1234567Z",
        "status": "New",
        "substatus": "Pending",
        "type": "Independent",
        "qualification": "Direct",
        "direction": "Incoming",
        "customerProfile": {
            "name": "Firma A.Ş.",
            "address": {"country": "TR"},
            "team": [{"firstName": "Ali", "email": "ali@firma.com.tr"}],
            "ids": [{"profileType": "Duns", "id": "315000554"}]
        },
        "details": {"dealValue": 1250.5, "currency": "EUR"}
    });
    for (key, value) in patch.as_object().expect("patch is an object") {
        base[key] = value.clone();
    }
    base
}

fn facts(raw: &Value) -> ReferralFacts {
    referral_facts(raw).expect("referral is well-formed")
}

fn kind_of(patch: Value) -> Option<ReferralKind> {
    facts(&referral(patch)).kind
}

#[test]
fn kinds_follow_the_spec_table_first_match_wins() {
    use ReferralKind::*;
    let msft = json!({"invitedBy": {"organizationId": "msft"}});
    let partner = json!({"invitedBy": {"organizationId": "4f0c2a7e-partner-org"}});
    let cases = [
        // §10.2 table.
        (
            json!({"type": "Independent", "qualification": "Direct", "inviteContext": msft}),
            Some(Marketplace),
        ),
        (
            json!({"type": "Independent", "qualification": "Direct"}),
            Some(Marketplace),
        ),
        (
            json!({"type": "Independent", "qualification": "SalesQualified", "inviteContext": msft}),
            Some(SolutionProvider),
        ),
        (
            json!({"type": "Independent", "qualification": "MarketingQualified", "inviteContext": msft}),
            Some(SolutionProvider),
        ),
        (
            json!({"type": "Shared", "qualification": "None"}),
            Some(CoSell),
        ),
        (
            json!({"type": "Shared", "qualification": "Direct", "inviteContext": msft}),
            Some(CoSell),
        ),
        (
            json!({"type": "Independent", "qualification": "None", "inviteContext": partner}),
            Some(CoSell),
        ),
        (
            json!({"type": "Independent", "qualification": "SalesQualified"}),
            None,
        ),
        (
            json!({"type": null, "referralType": "Co-Sell"}),
            Some(CoSell),
        ),
        (
            json!({"type": "Solution Provider Lead", "qualification": null}),
            Some(SolutionProvider),
        ),
        // Rule 2 comes before rule 3: a partner invitation makes even a Direct lead co-sell.
        (
            json!({"type": "Independent", "qualification": "Direct", "inviteContext": partner}),
            Some(CoSell),
        ),
        // Comparisons ignore case.
        (
            json!({"type": "INDEPENDENT", "qualification": "salesqualified",
                   "inviteContext": {"invitedBy": {"organizationId": "MSFT"}}}),
            Some(SolutionProvider),
        ),
        (json!({"type": "shared"}), Some(CoSell)),
        // An empty invitedBy is no partner.
        (
            json!({"type": "Independent", "qualification": "None",
                   "inviteContext": {"invitedBy": {"organizationId": ""}}}),
            None,
        ),
        // Rule 5: referralType first, `type` skipped when standard; cosell, marketplace, solution.
        (
            json!({"type": "Independent", "qualification": "None", "referralType": "CoSell"}),
            Some(CoSell),
        ),
        (
            json!({"type": "Marketplace lead", "qualification": null}),
            Some(Marketplace),
        ),
        (
            json!({"type": "Independent", "qualification": null, "referralType": "Provider"}),
            Some(SolutionProvider),
        ),
        (
            json!({"type": "Independent", "qualification": "None"}),
            None,
        ),
        // The first non-empty string decides; an unknown one is not passed over for `type`.
        (
            json!({"type": "marketplace", "qualification": null, "referralType": "partner"}),
            None,
        ),
        (
            json!({"type": "marketplace", "qualification": null, "referralType": " "}),
            Some(Marketplace),
        ),
    ];
    for (patch, expected) in cases {
        assert_eq!(kind_of(patch.clone()), expected, "{patch}");
    }
}

#[test]
fn kind_names_round_trip() {
    for (kind, name) in [
        (ReferralKind::CoSell, "co-sell"),
        (ReferralKind::Marketplace, "marketplace"),
        (ReferralKind::SolutionProvider, "solution-provider"),
    ] {
        assert_eq!(kind.as_str(), name);
        assert_eq!(kind.to_string(), name);
        assert_eq!(name.parse::<ReferralKind>(), Ok(kind));
        assert_eq!(serde_json::to_value(kind).unwrap(), json!(name));
    }
    assert_eq!(
        "Co-Sell".parse::<ReferralKind>().unwrap_err().to_string(),
        "unknown ReferralKind `Co-Sell`"
    );
}

#[test]
fn only_incoming_referrals_become_leads() {
    let cases = [
        (json!({"direction": "Incoming"}), None),
        (json!({"direction": "incoming"}), None),
        // No direction: the request filtered on Incoming.
        (json!({"direction": null}), None),
        (
            json!({"direction": "Outgoing"}),
            Some(SkipReason::NotIncoming("Outgoing".into())),
        ),
        (
            json!({"direction": "Sideways"}),
            Some(SkipReason::NotIncoming("Sideways".into())),
        ),
    ];
    for (patch, skipped) in cases {
        let raw = referral(patch.clone());
        assert_eq!(facts(&raw).is_incoming(), skipped.is_none(), "{patch}");
        let outcome = map_referral(&raw);
        match (outcome, skipped) {
            (ReferralOutcome::Lead { domain, .. }, None) => {
                assert_eq!(domain.as_str(), "firma.com.tr", "{patch}")
            }
            (ReferralOutcome::Skipped { reason, facts }, Some(expected)) => {
                assert_eq!(reason, expected, "{patch}");
                // Still tracked with its domain.
                assert_eq!(facts.domain().map(Domain::as_str), Some("firma.com.tr"));
            }
            (other, expected) => panic!("{patch}: got {other:?}, expected skip {expected:?}"),
        }
    }
    assert_eq!(
        SkipReason::NotIncoming("Outgoing".into()).to_string(),
        "direction is `Outgoing`, not Incoming"
    );
}

/// (patch, expected domain, raw_domain, domain_source)
type DomainCase = (
    Value,
    Option<&'static str>,
    Option<&'static str>,
    Option<&'static str>,
);

#[test]
fn customer_domain_follows_the_fallback_chain() {
    let profile = |extra: Value| {
        let mut p = json!({"name": "Acme", "team": [{"email": "ali@firma.com.tr"}]});
        for (k, v) in extra.as_object().unwrap() {
            p[k] = v.clone();
        }
        p
    };
    let cases: Vec<DomainCase> = vec![
        // Contact e-mail when nothing better exists.
        (
            json!({}),
            Some("firma.com.tr"),
            Some("ali@firma.com.tr"),
            Some("customerProfile.team.email"),
        ),
        // Website fields first, in the spec's order; scheme, path, port and www are normalized.
        (
            json!({"website": "HTTPS://WWW.Acme.com.tr:443/tr/index.html?x=1"}),
            Some("acme.com.tr"),
            Some("HTTPS://WWW.Acme.com.tr:443/tr/index.html?x=1"),
            Some("website"),
        ),
        (
            json!({"website": "n/a", "companyWebsite": "www.acme.com"}),
            Some("acme.com"),
            Some("www.acme.com"),
            Some("companyWebsite"),
        ),
        (
            json!({"customerProfile": profile(json!({"website": "http://acme.io/"}))}),
            Some("acme.io"),
            Some("http://acme.io/"),
            Some("customerProfile.website"),
        ),
        (
            json!({"details": {"website": "acme.de"}}),
            Some("acme.de"),
            Some("acme.de"),
            Some("details.website"),
        ),
        // An External id that is a web address beats the e-mails; a CRM id is not one.
        (
            json!({"customerProfile": profile(json!({"ids": [
                {"profileType": "External", "id": "6-EC3LOVPHK"},
                {"profileType": "Duns", "id": "acme.net"},
                {"profileType": "external", "id": "acme.org"}
            ]}))}),
            Some("acme.org"),
            Some("acme.org"),
            Some("customerProfile.ids"),
        ),
        (
            json!({"customerProfile": profile(json!({"ids": [{"profileType": "External", "id": "6-EC3LOVPHK"}]}))}),
            Some("firma.com.tr"),
            Some("ali@firma.com.tr"),
            Some("customerProfile.team.email"),
        ),
        // A CRM id that happens to parse as a name is still no web address.
        (
            json!({"customerProfile": profile(json!({"ids": [{"profileType": "External", "id": "EC3.LOVPHK"}]}))}),
            Some("firma.com.tr"),
            Some("ali@firma.com.tr"),
            Some("customerProfile.team.email"),
        ),
        (
            json!({"customerProfile": {"ids": [{"profileType": "External", "id": "6-EC3LOVPHK"}]}}),
            None,
            None,
            None,
        ),
        (
            json!({"customerProfile": {"ids": [{"profileType": "External", "id": "https://Acme.example/x"}]}}),
            Some("acme.example"),
            Some("https://Acme.example/x"),
            Some("customerProfile.ids"),
        ),
        // The older `{}` form of ids.
        (
            json!({"customerProfile": profile(json!({"ids": {}}))}),
            Some("firma.com.tr"),
            Some("ali@firma.com.tr"),
            Some("customerProfile.team.email"),
        ),
        // Consumer mailboxes and empty e-mails are passed over; team order is kept.
        (
            json!({"customerProfile": {"team": [
                {"email": "ali@gmail.com"},
                {"email": ""},
                {"email": "veli@Hotmail.com"},
                {"email": "ayse@firma.com.tr"},
                {"email": "can@other.com.tr"}
            ]}}),
            Some("firma.com.tr"),
            Some("ayse@firma.com.tr"),
            Some("customerProfile.team.email"),
        ),
        // Then contact.email, then email.
        (
            json!({"customerProfile": {"team": [{"email": "x@yandex.ru"}]},
                   "contact": {"email": "buyer@acme.com"}, "email": "info@other.com"}),
            Some("acme.com"),
            Some("buyer@acme.com"),
            Some("contact.email"),
        ),
        (
            json!({"customerProfile": {"team": []}, "email": "info@other.com"}),
            Some("other.com"),
            Some("info@other.com"),
            Some("email"),
        ),
        // An e-mail field without `@` is unusable, even if it looks like a domain.
        (
            json!({"customerProfile": {"team": [{"email": "firma.com.tr"}]}}),
            None,
            Some("firma.com.tr"),
            Some("customerProfile.team.email"),
        ),
        // Consumer e-mail only: no domain, the e-mail kept as the raw candidate.
        (
            json!({"customerProfile": {"team": [{"email": "ali@gmail.com"}, {"email": "b@outlook.com"}]}}),
            None,
            Some("ali@gmail.com"),
            Some("customerProfile.team.email"),
        ),
        // No contacts at all.
        (
            json!({"customerProfile": {"name": "Acme"}}),
            None,
            None,
            None,
        ),
        (json!({"customerProfile": null}), None, None, None),
        // Blank and placeholder values are not kept as candidates.
        (
            json!({"website": "N/A", "customerProfile": {"team": [{"email": " "}, {"email": "x@mail.ru"}]}}),
            None,
            Some("x@mail.ru"),
            Some("customerProfile.team.email"),
        ),
        // An invalid website does not block a usable e-mail.
        (
            json!({"website": "localhost"}),
            Some("firma.com.tr"),
            Some("ali@firma.com.tr"),
            Some("customerProfile.team.email"),
        ),
    ];
    for (patch, domain, raw, source) in cases {
        let facts = facts(&referral(patch.clone()));
        let candidate = facts.customer_domain.candidate();
        assert_eq!(facts.domain().map(Domain::as_str), domain, "{patch}");
        assert_eq!(candidate.map(|c| c.raw.as_str()), raw, "{patch}");
        assert_eq!(candidate.map(|c| c.source.as_str()), source, "{patch}");
    }
}

#[test]
fn every_consumer_mailbox_of_the_spec_is_rejected() {
    for consumer in CONSUMER_MAILBOX_DOMAINS {
        let raw =
            referral(json!({"customerProfile": {"team": [{"email": format!("a@{consumer}")}]}}));
        assert_eq!(facts(&raw).domain(), None, "{consumer}");
    }
}

#[test]
fn referrals_without_a_usable_domain_are_tracked_but_skipped() {
    let raw = referral(json!({
        "customerProfile": {"name": "Ali Veli", "team": [{"email": "ali@gmail.com"}]}
    }));
    let ReferralOutcome::Skipped { facts, reason } = map_referral(&raw) else {
        panic!("expected a skip");
    };
    assert_eq!(reason, SkipReason::NoDomain);
    assert_eq!(facts.referral_id, "ref-1");
    assert_eq!(facts.company_name.as_deref(), Some("Ali Veli"));
    assert_eq!(facts.kind, Some(ReferralKind::Marketplace));

    // Outgoing wins as the reason when both apply (§14 step 4 checks direction first).
    let raw = referral(json!({"direction": "Outgoing", "customerProfile": {}}));
    assert!(matches!(
        map_referral(&raw),
        ReferralOutcome::Skipped {
            reason: SkipReason::NotIncoming(_),
            ..
        }
    ));
}

#[test]
fn a_lead_carries_every_fact_of_the_referral() {
    let raw = referral(json!({
        "azureTenantId": GUID.to_uppercase(),
        "status": "Active",
        "substatus": "Accepted",
        "details": {"dealValue": "1234567890123456789.01", "currency": "USD", "notes": "n"},
        "someFutureField": {"nested": [1, 2]}
    }));
    let ReferralOutcome::Lead { domain, facts } = map_referral(&raw) else {
        panic!("expected a lead");
    };
    assert_eq!(domain.as_str(), "firma.com.tr");
    assert_eq!(
        facts,
        ReferralFacts {
            referral_id: "ref-1".into(),
            engagement_id: Some("eng-1".into()),
            kind: Some(ReferralKind::Marketplace),
            r#type: Some("Independent".into()),
            qualification: Some("Direct".into()),
            direction: Some("Incoming".into()),
            status: Some("Active".into()),
            substatus: Some("Accepted".into()),
            company_name: Some("Firma A.Ş.".into()),
            customer_country: Some("TR".into()),
            customer_domain: CustomerDomain::Usable {
                domain: Domain::parse("firma.com.tr").unwrap(),
                candidate: DomainCandidate {
                    raw: "ali@firma.com.tr".into(),
                    source: DomainSource::CustomerProfileTeamEmail,
                },
            },
            azure_tenant_id: Some(GUID.into()),
            deal_value: Some("1234567890123456789.01".into()),
            currency: Some("USD".into()),
            created_datetime: Some("2020-10-30T21:03:00Z".parse().unwrap()),
            updated_datetime: Some("2020-11-02T08:15:30.1234567Z".parse().unwrap()),
            warnings: vec![],
        }
    );
}

#[test]
fn company_name_falls_back_to_company_name_then_domain() {
    let cases = [
        (json!({"companyName": "Other"}), Some("Firma A.Ş.")),
        (
            json!({"customerProfile": {"name": " ", "team": [{"email": "a@firma.com.tr"}]}, "companyName": "Acme Ltd"}),
            Some("Acme Ltd"),
        ),
        (
            json!({"customerProfile": {"team": [{"email": "a@firma.com.tr"}]}}),
            Some("firma.com.tr"),
        ),
        (json!({"customerProfile": {}}), None),
    ];
    for (patch, name) in cases {
        assert_eq!(
            facts(&referral(patch.clone())).company_name.as_deref(),
            name,
            "{patch}"
        );
    }
}

#[test]
fn deal_value_keeps_its_decimal_text() {
    let cases = [
        (json!("1250.50"), Some("1250.50")),
        (json!("-0.5"), Some("-0.5")),
        (json!(1250.5), Some("1250.5")),
        (json!(100000), Some("100000")),
        (json!(""), None),
        (Value::Null, None),
    ];
    for (value, expected) in cases {
        let raw = referral(json!({"details": {"dealValue": value.clone()}}));
        assert_eq!(facts(&raw).deal_value.as_deref(), expected, "{value}");
    }
}

#[test]
fn azure_tenant_id_is_a_guid_or_ignored_with_a_warning() {
    let top = TenantIdField::TopLevel;
    let profile = TenantIdField::CustomerProfile;
    let with_profile = |tenant: Value| json!({"customerProfile": {"team": [{"email": "a@firma.com.tr"}], "azureTenantId": tenant}});
    let other = "11111111-2222-3333-4444-555555555555";
    let cases = [
        (json!({}), None, vec![]),
        (json!({"azureTenantId": GUID}), Some(GUID), vec![]),
        (
            json!({"azureTenantId": format!(" {} ", GUID.to_uppercase())}),
            Some(GUID),
            vec![],
        ),
        (with_profile(json!(GUID)), Some(GUID), vec![]),
        // Top level first.
        (
            {
                let mut p = with_profile(json!(other));
                p["azureTenantId"] = json!(GUID);
                p
            },
            Some(GUID),
            vec![],
        ),
        (json!({"azureTenantId": "not-a-guid"}), None, vec![top]),
        (
            json!({"azureTenantId": "{0f9d4e3a-1b2c-4d5e-8f90-a1b2c3d4e5f6}"}),
            None,
            vec![top],
        ),
        (
            json!({"azureTenantId": "0f9d4e3a1b2c4d5e8f90a1b2c3d4e5f6"}),
            None,
            vec![top],
        ),
        (
            json!({"azureTenantId": "0f9d4e3a-1b2c-4d5e-8f90-a1b2c3d4e5fg"}),
            None,
            vec![top],
        ),
        (json!({"azureTenantId": 42}), None, vec![top]),
        (json!({"azureTenantId": ""}), None, vec![]),
        // An invalid top-level value does not hide a valid one in customerProfile.
        (
            {
                let mut p = with_profile(json!(other));
                p["azureTenantId"] = json!("x");
                p
            },
            Some(other),
            vec![top],
        ),
        (with_profile(json!(true)), None, vec![profile]),
    ];
    for (patch, tenant, fields) in cases {
        let facts = facts(&referral(patch.clone()));
        assert_eq!(facts.azure_tenant_id.as_deref(), tenant, "{patch}");
        let expected: Vec<_> = fields
            .into_iter()
            .map(ReferralWarning::InvalidAzureTenantId)
            .collect();
        assert_eq!(facts.warnings, expected, "{patch}");
    }
    assert_eq!(
        ReferralWarning::InvalidAzureTenantId(profile).to_string(),
        "customerProfile.azureTenantId is not a GUID; ignored"
    );
}

#[test]
fn malformed_referrals_say_why() {
    let without = |key: &str| {
        let mut r = referral(json!({}));
        r.as_object_mut().unwrap().remove(key);
        r
    };
    let cases = [
        (without("id"), None, "the referral has no id"),
        (
            referral(json!({"id": "  "})),
            None,
            "the referral has no id",
        ),
        (
            referral(json!({"id": 7})),
            None,
            "`id` has an unexpected JSON type or shape",
        ),
        (
            json!(["ref-1"]),
            None,
            "the referral is an array, not a JSON object",
        ),
        (
            referral(json!({"status": {"value": "New"}})),
            Some("ref-1"),
            "`status` has an unexpected JSON type or shape",
        ),
        (
            referral(json!({"customerProfile": {"team": "ali@firma.com.tr"}})),
            Some("ref-1"),
            "`customerProfile.team` has an unexpected JSON type or shape",
        ),
        (
            referral(json!({"customerProfile": {"team": [{"email": 5}]}})),
            Some("ref-1"),
            "`customerProfile.team` has an unexpected JSON type or shape",
        ),
        (
            referral(json!({"details": {"dealValue": "1,250.50"}})),
            Some("ref-1"),
            "`details.dealValue` has an unexpected JSON type or shape",
        ),
        (
            referral(json!({"updatedDateTime": "yesterday"})),
            Some("ref-1"),
            "`updatedDateTime` is not an ISO 8601 time",
        ),
        (
            referral(json!({"createdDateTime": 1604091780})),
            Some("ref-1"),
            "`createdDateTime` has an unexpected JSON type or shape",
        ),
    ];
    for (raw, id, reason) in cases {
        let ReferralOutcome::Malformed(malformed) = map_referral(&raw) else {
            panic!("{raw}: expected malformed");
        };
        assert_eq!(malformed.referral_id.as_deref(), id, "{raw}");
        assert_eq!(malformed.to_string(), reason, "{raw}");
        // No payload value (here: a contact's e-mail) leaks into the reason.
        assert!(!malformed.reason.contains("ali@"), "{raw}");
    }
}

#[test]
fn tolerates_unknown_values_and_optional_shapes() {
    let raw = json!({
        "id": "ref-9",
        "status": "Engaged",
        "type": "Independent",
        "qualification": "Direct",
        "website": "acme.com",
        "updatedDateTime": "2021-01-01T10:00:00",
        "customerProfile": {"ids": null, "team": null, "address": null, "size": ""},
        "details": null,
        "inviteContext": {"invitedBy": null},
        "unknownTopLevel": true
    });
    let ReferralOutcome::Lead { facts, .. } = map_referral(&raw) else {
        panic!("expected a lead");
    };
    assert_eq!(facts.status.as_deref(), Some("Engaged"));
    assert_eq!(facts.direction, None);
    // No offset: taken as UTC.
    assert_eq!(
        facts.updated_datetime,
        Some("2021-01-01T10:00:00Z".parse().unwrap())
    );
    assert_eq!(facts.created_datetime, None);
    assert_eq!(facts.engagement_id, None);
}
