//! The fake IdP speaks Entra's OpenID Connect protocol and refuses what Entra (strictly) refuses
//! (`notes/auth.md` §1, "What a faithful local fake IdP must do").

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use hunter_fixtures::oidc::test_client_cert;
use hunter_fixtures::{
    AuthorizeAnswer, FakeIdp, Forgery, IdpClient, IdpCredential, IdpUser, follow_authorize,
};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use ring::rand::SystemRandom;
use ring::signature::{self, RsaKeyPair, RsaPublicKeyComponents};
use ring::{digest, hmac};
use serde_json::{Value, json};
use url::Url;
use url::form_urlencoded;
use uuid::Uuid;

const SECRET_CLIENT: &str = "3c9a1f52-0d4e-4b7a-8e61-5f2c9d0a7b13";
const CERT_CLIENT: &str = "7e24b8d1-6a3f-4c92-b5e0-1d8f3a6c9e47";
const SECRET: &str = "s3cret~with:odd&chars";
const REDIRECT: &str = "http://localhost:8080/auth/callback";
const LOGOUT_REDIRECT: &str = "http://localhost:8080/";
const OID: &str = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d";

fn http() -> reqwest::Client {
    // reqwest panics without a process-wide rustls provider; a second install is harmless.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .expect("HTTP client")
}

fn b64url(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn pem_der(pem: &str) -> Vec<u8> {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    STANDARD.decode(body).expect("PEM body is base64")
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs() as i64
}

/// An IdP with a secret client and a certificate client, and a member with the User role signed in.
async fn idp() -> FakeIdp {
    let idp = FakeIdp::start().await;
    idp.register_client(IdpClient {
        client_id: SECRET_CLIENT.into(),
        redirect_uris: vec![REDIRECT.into()],
        post_logout_redirect_uris: vec![LOGOUT_REDIRECT.into()],
        credential: IdpCredential::Secret(SECRET.into()),
    });
    idp.register_client(IdpClient {
        client_id: CERT_CLIENT.into(),
        redirect_uris: vec![REDIRECT.into()],
        post_logout_redirect_uris: vec![],
        credential: IdpCredential::Certificate {
            cert_pem: test_client_cert::CERT_PEM.into(),
        },
    });
    idp.sign_in_as(Some(IdpUser::member(OID, "Ayşe Yılmaz", &["Hunter.User"])));
    idp
}

struct Pkce {
    verifier: String,
    challenge: String,
}

fn new_pkce() -> Pkce {
    let verifier = format!("{}{}", Uuid::new_v4().simple(), Uuid::new_v4().simple());
    let challenge = b64url(digest::digest(&digest::SHA256, verifier.as_bytes()));
    Pkce {
        verifier,
        challenge,
    }
}

/// What a relying party puts in its login redirect; `extra` overrides or adds parameters.
fn authorize_url(idp: &FakeIdp, client_id: &str, pkce: &Pkce, extra: &[(&str, &str)]) -> String {
    let mut params: Vec<(&str, &str)> = vec![
        ("client_id", client_id),
        ("response_type", "code"),
        ("redirect_uri", REDIRECT),
        ("response_mode", "query"),
        ("scope", "openid profile email"),
        ("state", "st&te=1/2"),
        ("nonce", "n-0S6_WzA2Mj"),
        ("code_challenge", &pkce.challenge),
        ("code_challenge_method", "S256"),
    ];
    for (name, value) in extra {
        params.retain(|(n, _)| n != name);
        if !value.is_empty() {
            params.push((name, value));
        }
    }
    let mut url = Url::parse(&idp.authorize_endpoint()).expect("URL");
    url.query_pairs_mut().extend_pairs(&params);
    url.to_string()
}

/// Signs in through the authorize endpoint in query mode and returns the code.
async fn code_for(idp: &FakeIdp, client_id: &str, pkce: &Pkce) -> String {
    let answer = follow_authorize(&authorize_url(idp, client_id, pkce, &[])).await;
    assert_eq!(answer.param("state").as_deref(), Some("st&te=1/2"));
    answer.param("code").expect("a code")
}

struct TokenAnswer {
    status: StatusCode,
    headers: HeaderMap,
    body: Value,
}

async fn token_request(
    idp: &FakeIdp,
    form: &[(&str, &str)],
    basic: Option<(&str, &str)>,
) -> TokenAnswer {
    token_request_at(&idp.token_endpoint(), form, basic).await
}

async fn token_request_at(
    token_endpoint: &str,
    form: &[(&str, &str)],
    basic: Option<(&str, &str)>,
) -> TokenAnswer {
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    let mut request = http()
        .post(token_endpoint)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body);
    if let Some((id, secret)) = basic {
        // RFC 6749 §2.3.1: each part form-urlencoded before Basic.
        let encode = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        let credentials = STANDARD.encode(format!("{}:{}", encode(id), encode(secret)));
        request = request.header("authorization", format!("Basic {credentials}"));
    }
    let response = request.send().await.expect("token endpoint answers");
    TokenAnswer {
        status: response.status(),
        headers: response.headers().clone(),
        body: response.json().await.expect("JSON body"),
    }
}

/// Redeems `code` with `client_secret_post`.
async fn redeem(idp: &FakeIdp, code: &str, verifier: &str) -> TokenAnswer {
    token_request(
        idp,
        &[
            ("client_id", SECRET_CLIENT),
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", verifier),
            ("client_secret", SECRET),
        ],
        None,
    )
    .await
}

/// A `private_key_jwt` assertion by the test client certificate; `claims` overrides.
fn assertion(idp: &FakeIdp, alg: &str, claims: Value) -> String {
    let cert = pem_der(test_client_cert::CERT_PEM);
    let header = json!({
        "alg": alg,
        "typ": "JWT",
        "x5t#S256": b64url(digest::digest(&digest::SHA256, &cert)),
    });
    let mut body = json!({
        "aud": idp.token_endpoint(),
        "iss": CERT_CLIENT,
        "sub": CERT_CLIENT,
        "jti": Uuid::new_v4().to_string(),
        "nbf": now(),
        "iat": now(),
        "exp": now() + 300,
    });
    for (k, v) in claims.as_object().expect("claims object") {
        body[k] = v.clone();
    }
    let input = format!(
        "{}.{}",
        b64url(header.to_string()),
        b64url(body.to_string())
    );
    let key = RsaKeyPair::from_pkcs8(&pem_der(test_client_cert::KEY_PEM)).expect("client key");
    let padding: &'static dyn signature::RsaEncoding = match alg {
        "PS256" => &signature::RSA_PSS_SHA256,
        _ => &signature::RSA_PKCS1_SHA256,
    };
    let mut sig = vec![0; key.public().modulus_len()];
    key.sign(padding, &SystemRandom::new(), input.as_bytes(), &mut sig)
        .expect("sign");
    format!("{input}.{}", b64url(sig))
}

async fn redeem_with_assertion(
    idp: &FakeIdp,
    code: &str,
    verifier: &str,
    jwt: &str,
) -> TokenAnswer {
    token_request(
        idp,
        &[
            ("client_id", CERT_CLIENT),
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", verifier),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", jwt),
        ],
        None,
    )
    .await
}

fn decode(jwt: &str) -> (Value, Value, Vec<u8>) {
    let parts: Vec<&str> = jwt.split('.').collect();
    assert_eq!(parts.len(), 3, "a JWS has three parts");
    let json =
        |p: &str| serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p).expect("b64")).expect("JSON");
    let sig = URL_SAFE_NO_PAD.decode(parts[2]).expect("b64 signature");
    (json(parts[0]), json(parts[1]), sig)
}

async fn get_json(url: &str) -> (StatusCode, Value) {
    let response = http().get(url).send().await.expect("answers");
    (response.status(), response.json().await.expect("JSON"))
}

async fn jwks(idp: &FakeIdp) -> Vec<Value> {
    let url = format!("{}/{}/discovery/v2.0/keys", idp.base_url(), FakeIdp::TENANT);
    let (status, body) = get_json(&url).await;
    assert_eq!(status, StatusCode::OK);
    body["keys"].as_array().expect("keys").clone()
}

/// Checks the RS256 signature against the published JWKS, as a relying party would.
async fn verify(idp: &FakeIdp, jwt: &str) -> Result<Value, String> {
    let (header, claims, sig) = decode(jwt);
    if header["alg"] != "RS256" {
        return Err(format!("alg {}", header["alg"]));
    }
    let keys = jwks(idp).await;
    let key = keys
        .iter()
        .find(|k| k["kid"] == header["kid"])
        .ok_or("unknown kid")?;
    let part = |name: &str| URL_SAFE_NO_PAD.decode(key[name].as_str().unwrap()).unwrap();
    let public = RsaPublicKeyComponents {
        n: part("n"),
        e: part("e"),
    };
    let input = jwt.rsplit_once('.').unwrap().0;
    public
        .verify(
            &signature::RSA_PKCS1_2048_8192_SHA256,
            input.as_bytes(),
            &sig,
        )
        .map_err(|_| "bad signature".to_owned())?;
    Ok(claims)
}

/// A whole sign-in with `client_secret_post`; the ID token as issued.
async fn id_token(idp: &FakeIdp) -> String {
    let pkce = new_pkce();
    let code = code_for(idp, SECRET_CLIENT, &pkce).await;
    let answer = redeem(idp, &code, &pkce.verifier).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    answer.body["id_token"]
        .as_str()
        .expect("id_token")
        .to_owned()
}

fn assert_entra_error(answer: &TokenAnswer, status: StatusCode, error: &str) {
    assert_eq!(answer.status, status, "{}", answer.body);
    let body = &answer.body;
    assert_eq!(body["error"], error, "{body}");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .starts_with("AADSTS")
    );
    assert!(body["error_codes"][0].is_u64());
    for field in ["timestamp", "trace_id", "correlation_id"] {
        assert!(body[field].is_string(), "{field} in {body}");
    }
}

#[tokio::test]
async fn discovery_and_jwks_have_entras_shape() {
    let idp = idp().await;
    let (status, doc) = get_json(&idp.discovery_url()).await;
    assert_eq!(status, StatusCode::OK);
    let tenant_url = format!("{}/{}", idp.base_url(), FakeIdp::TENANT);
    assert_eq!(doc["issuer"], idp.issuer());
    assert_eq!(idp.issuer(), format!("{tenant_url}/v2.0"));
    assert_eq!(doc["authorization_endpoint"], idp.authorize_endpoint());
    assert_eq!(doc["token_endpoint"], idp.token_endpoint());
    assert_eq!(doc["jwks_uri"], format!("{tenant_url}/discovery/v2.0/keys"));
    assert_eq!(
        doc["end_session_endpoint"],
        format!("{tenant_url}/oauth2/v2.0/logout")
    );
    assert_eq!(
        doc["response_modes_supported"],
        json!(["query", "fragment", "form_post"])
    );
    assert_eq!(
        doc["id_token_signing_alg_values_supported"],
        json!(["RS256"])
    );
    assert_eq!(doc["subject_types_supported"], json!(["pairwise"]));
    assert_eq!(doc["code_challenge_methods_supported"], json!(["S256"]));
    let methods = doc["token_endpoint_auth_methods_supported"]
        .as_array()
        .unwrap();
    for method in [
        "client_secret_post",
        "client_secret_basic",
        "private_key_jwt",
    ] {
        assert!(methods.contains(&json!(method)), "{method}");
    }
    assert_eq!(idp.authority(), idp.base_url());

    // The multi-tenant authorities publish Entra's template issuer.
    let common = format!(
        "{}/common/v2.0/.well-known/openid-configuration",
        idp.base_url()
    );
    let (_, doc) = get_json(&common).await;
    assert_eq!(
        doc["issuer"],
        format!("{}/{{tenantid}}/v2.0", idp.base_url())
    );
    let unknown = format!(
        "{}/contoso.example/v2.0/.well-known/openid-configuration",
        idp.base_url()
    );
    let (status, body) = get_json(&unknown).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_tenant");
    assert_eq!(idp.discovery_fetches(), 2);

    let keys = jwks(&idp).await;
    assert_eq!(keys.len(), 2);
    for key in &keys {
        assert_eq!(key["kty"], "RSA");
        assert_eq!(key["use"], "sig");
        assert_eq!(key["kid"], key["x5t"]);
        assert_eq!(key["e"], "AQAB");
        assert_eq!(
            URL_SAFE_NO_PAD
                .decode(key["n"].as_str().unwrap())
                .unwrap()
                .len(),
            256
        );
        assert!(key["x5c"][0].is_string());
    }
    assert_eq!(keys[0]["kid"], idp.signing_kid());
    assert_eq!(
        idp.published_kids(),
        vec![
            keys[0]["kid"].as_str().unwrap(),
            keys[1]["kid"].as_str().unwrap()
        ]
    );
    assert_eq!(idp.jwks_fetches(), 1);
}

#[tokio::test]
async fn query_flow_with_client_secret_post_issues_a_verifiable_id_token() {
    let idp = idp().await;
    let pkce = new_pkce();
    let answer = follow_authorize(&authorize_url(&idp, SECRET_CLIENT, &pkce, &[])).await;
    let AuthorizeAnswer::Redirect(location) = &answer else {
        panic!("expected a redirect, got {answer:?}");
    };
    assert_eq!(
        format!(
            "{}://{}{}",
            location.scheme(),
            location.authority(),
            location.path()
        ),
        REDIRECT
    );
    let code = answer.param("code").expect("code");
    assert_eq!(answer.param("state").as_deref(), Some("st&te=1/2"));
    assert_eq!(idp.codes_issued(), 1);

    let tokens = redeem(&idp, &code, &pkce.verifier).await;
    assert_eq!(tokens.status, StatusCode::OK, "{}", tokens.body);
    assert_eq!(tokens.headers["cache-control"], "no-store");
    let body = &tokens.body;
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["scope"], "openid profile email");
    assert!(body["expires_in"].is_u64() && body["ext_expires_in"].is_u64());
    assert!(body["access_token"].is_string());
    assert!(body.get("refresh_token").is_none());
    assert_eq!(idp.codes_redeemed(), 1);

    let id_token = body["id_token"].as_str().unwrap();
    let (header, _, _) = decode(id_token);
    assert_eq!(header["typ"], "JWT");
    assert_eq!(header["kid"], idp.signing_kid());
    let claims = verify(&idp, id_token).await.expect("valid signature");
    assert_eq!(claims["ver"], "2.0");
    assert_eq!(claims["iss"], idp.issuer());
    assert_eq!(claims["aud"], SECRET_CLIENT);
    assert_eq!(claims["tid"], FakeIdp::TENANT);
    assert_eq!(claims["oid"], OID);
    assert_eq!(claims["nonce"], "n-0S6_WzA2Mj");
    assert_eq!(claims["name"], "Ayşe Yılmaz");
    assert_eq!(
        claims["preferred_username"],
        "aye.ylmaz@hunter-test.example"
    );
    assert_eq!(claims["email"], "aye.ylmaz@hunter-test.example");
    assert_eq!(claims["roles"], json!(["Hunter.User"]));
    let iat = claims["iat"].as_i64().unwrap();
    assert!((iat - now()).abs() <= 5);
    assert_eq!(claims["nbf"], iat);
    assert_eq!(claims["exp"], iat + 3600);
    for claim in ["sub", "sid", "uti", "aio"] {
        assert!(claims[claim].is_string(), "{claim}");
    }

    // The log keeps what a test asserts on and none of the secrets.
    let requests = idp.requests();
    let authorize = requests
        .iter()
        .find(|r| r.path.ends_with("/authorize"))
        .unwrap();
    assert_eq!(authorize.method, "GET");
    assert_eq!(authorize.param("code_challenge_method"), Some("S256"));
    assert_eq!(authorize.param("nonce"), Some("n-0S6_WzA2Mj"));
    let token = requests
        .iter()
        .find(|r| r.path.ends_with("/token"))
        .unwrap();
    assert_eq!(token.method, "POST");
    assert_eq!(
        token.content_type.as_deref(),
        Some("application/x-www-form-urlencoded")
    );
    for secret in ["client_secret", "code", "code_verifier"] {
        assert_eq!(token.param(secret), Some("[redacted]"), "{secret}");
    }
    assert!(token.query.is_empty());
    let log = format!("{requests:?}");
    assert!(!log.contains(SECRET) && !log.contains(&code) && !log.contains(&pkce.verifier));
}

#[tokio::test]
async fn form_post_flow_with_client_secret_basic() {
    let idp = idp().await;
    let pkce = new_pkce();
    let url = authorize_url(
        &idp,
        SECRET_CLIENT,
        &pkce,
        &[("response_mode", "form_post")],
    );
    let answer = follow_authorize(&url).await;
    let AuthorizeAnswer::FormPost { action, fields } = &answer else {
        panic!("expected a form, got {answer:?}");
    };
    assert_eq!(action, REDIRECT);
    let names: Vec<&str> = fields.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(names, ["code", "state"]);
    assert_eq!(answer.param("state").as_deref(), Some("st&te=1/2"));
    let code = answer.param("code").unwrap();

    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
        ("code_verifier", pkce.verifier.as_str()),
    ];
    let tokens = token_request(&idp, &form, Some((SECRET_CLIENT, SECRET))).await;
    assert_eq!(tokens.status, StatusCode::OK, "{}", tokens.body);
    let claims = verify(&idp, tokens.body["id_token"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(claims["aud"], SECRET_CLIENT);
    let token = idp
        .requests()
        .into_iter()
        .find(|r| r.path.ends_with("/token"))
        .unwrap();
    assert_eq!(token.authorization_scheme.as_deref(), Some("Basic"));

    // A wrong Basic secret is a client error.
    let pkce = new_pkce();
    let code = code_for(&idp, SECRET_CLIENT, &pkce).await;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
        ("code_verifier", pkce.verifier.as_str()),
    ];
    let wrong = token_request(&idp, &form, Some((SECRET_CLIENT, "nope"))).await;
    assert_entra_error(&wrong, StatusCode::UNAUTHORIZED, "invalid_client");
}

#[tokio::test]
async fn fragment_mode_puts_the_answer_in_the_fragment() {
    let idp = idp().await;
    let pkce = new_pkce();
    let url = authorize_url(&idp, SECRET_CLIENT, &pkce, &[("response_mode", "fragment")]);
    let AuthorizeAnswer::Redirect(location) = follow_authorize(&url).await else {
        panic!("expected a redirect");
    };
    assert!(location.query().is_none());
    assert!(location.fragment().unwrap().contains("code="));
}

#[tokio::test]
async fn private_key_jwt_is_checked_like_entra() {
    let idp = idp().await;
    for alg in ["PS256", "RS256"] {
        let pkce = new_pkce();
        let code = code_for(&idp, CERT_CLIENT, &pkce).await;
        let jwt = assertion(&idp, alg, json!({}));
        let tokens = redeem_with_assertion(&idp, &code, &pkce.verifier, &jwt).await;
        assert_eq!(tokens.status, StatusCode::OK, "{alg}: {}", tokens.body);
        let claims = verify(&idp, tokens.body["id_token"].as_str().unwrap())
            .await
            .unwrap();
        assert_eq!(claims["aud"], CERT_CLIENT);
        // The same assertion again is a replay, whatever the code.
        let pkce2 = new_pkce();
        let code2 = code_for(&idp, CERT_CLIENT, &pkce2).await;
        let replay = redeem_with_assertion(&idp, &code2, &pkce2.verifier, &jwt).await;
        assert_entra_error(&replay, StatusCode::UNAUTHORIZED, "invalid_client");
    }
    let token = idp
        .requests()
        .into_iter()
        .find(|r| r.path.ends_with("/token"))
        .unwrap();
    assert_eq!(token.param("client_assertion"), Some("[redacted]"));

    let bad_claims = [
        json!({"aud": format!("{}/{}/oauth2/v2.0/token", idp.base_url(), FakeIdp::OTHER_TENANT)}),
        json!({"iss": SECRET_CLIENT}),
        json!({"sub": SECRET_CLIENT}),
        json!({"exp": now() - 10}),
        json!({"exp": now() + 900}),
        json!({"nbf": now() + 1200, "iat": now() + 1200, "exp": now() + 1500}),
        json!({"jti": null}),
    ];
    for claims in bad_claims {
        let pkce = new_pkce();
        let code = code_for(&idp, CERT_CLIENT, &pkce).await;
        let jwt = assertion(&idp, "PS256", claims);
        let answer = redeem_with_assertion(&idp, &code, &pkce.verifier, &jwt).await;
        assert_entra_error(&answer, StatusCode::UNAUTHORIZED, "invalid_client");
    }

    // A tampered signature, and a header naming another certificate.
    let pkce = new_pkce();
    let code = code_for(&idp, CERT_CLIENT, &pkce).await;
    let jwt = assertion(&idp, "PS256", json!({}));
    let tampered = format!("{}AAAA", &jwt[..jwt.len() - 4]);
    let answer = redeem_with_assertion(&idp, &code, &pkce.verifier, &tampered).await;
    assert_entra_error(&answer, StatusCode::UNAUTHORIZED, "invalid_client");
    let (_, rest) = jwt.split_once('.').unwrap();
    let other = json!({"alg": "PS256", "typ": "JWT", "x5t#S256": b64url([0u8; 32])});
    let renamed = format!("{}.{rest}", b64url(other.to_string()));
    let answer = redeem_with_assertion(&idp, &code, &pkce.verifier, &renamed).await;
    assert_entra_error(&answer, StatusCode::UNAUTHORIZED, "invalid_client");

    // A certificate client cannot use a secret, nor a secret client an assertion.
    let answer = token_request(
        &idp,
        &[("grant_type", "authorization_code"), ("code", &code)],
        Some((CERT_CLIENT, SECRET)),
    )
    .await;
    assert_entra_error(&answer, StatusCode::UNAUTHORIZED, "invalid_client");
}

#[tokio::test]
async fn codes_are_single_use_bound_and_short_lived() {
    let idp = idp().await;
    // Wrong PKCE verifier.
    let pkce = new_pkce();
    let code = code_for(&idp, SECRET_CLIENT, &pkce).await;
    let wrong = redeem(&idp, &code, &new_pkce().verifier).await;
    assert_entra_error(&wrong, StatusCode::BAD_REQUEST, "invalid_grant");

    // Replay.
    let pkce = new_pkce();
    let code = code_for(&idp, SECRET_CLIENT, &pkce).await;
    assert_eq!(
        redeem(&idp, &code, &pkce.verifier).await.status,
        StatusCode::OK
    );
    let replay = redeem(&idp, &code, &pkce.verifier).await;
    assert_entra_error(&replay, StatusCode::BAD_REQUEST, "invalid_grant");
    assert!(
        replay.body["error_description"]
            .as_str()
            .unwrap()
            .contains("AADSTS54005")
    );
    assert_eq!(replay.headers["cache-control"], "no-store");

    // Another redirect_uri at the token endpoint.
    let pkce = new_pkce();
    let code = code_for(&idp, SECRET_CLIENT, &pkce).await;
    let answer = token_request(
        &idp,
        &[
            ("client_id", SECRET_CLIENT),
            ("client_secret", SECRET),
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", "http://localhost:8080/auth/callback/"),
            ("code_verifier", &pkce.verifier),
        ],
        None,
    )
    .await;
    assert_entra_error(&answer, StatusCode::BAD_REQUEST, "invalid_grant");

    // A code issued to the certificate client is no good to the secret client.
    let pkce = new_pkce();
    let code = code_for(&idp, CERT_CLIENT, &pkce).await;
    let answer = redeem(&idp, &code, &pkce.verifier).await;
    assert_entra_error(&answer, StatusCode::BAD_REQUEST, "invalid_grant");

    // Expiry, by lifetime and by the IdP's clock.
    idp.set_code_lifetime(Duration::ZERO);
    let pkce = new_pkce();
    let code = code_for(&idp, SECRET_CLIENT, &pkce).await;
    let expired = redeem(&idp, &code, &pkce.verifier).await;
    assert_entra_error(&expired, StatusCode::BAD_REQUEST, "invalid_grant");
    idp.set_code_lifetime(Duration::from_secs(600));
    let pkce = new_pkce();
    let code = code_for(&idp, SECRET_CLIENT, &pkce).await;
    idp.set_clock_offset(601);
    let expired = redeem(&idp, &code, &pkce.verifier).await;
    assert_entra_error(&expired, StatusCode::BAD_REQUEST, "invalid_grant");
    assert_eq!(idp.codes_redeemed(), 1);
}

#[tokio::test]
async fn client_authentication_must_be_exactly_one() {
    let idp = idp().await;
    let pkce = new_pkce();
    let code = code_for(&idp, SECRET_CLIENT, &pkce).await;
    let base = [
        ("client_id", SECRET_CLIENT),
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
        ("code_verifier", pkce.verifier.as_str()),
    ];
    let none = token_request(&idp, &base, None).await;
    assert_entra_error(&none, StatusCode::UNAUTHORIZED, "invalid_client");
    let mut both = base.to_vec();
    both.push(("client_secret", SECRET));
    let two = token_request(&idp, &both, Some((SECRET_CLIENT, SECRET))).await;
    assert_entra_error(&two, StatusCode::UNAUTHORIZED, "invalid_client");
    let jwt = assertion(&idp, "PS256", json!({}));
    both.push((
        "client_assertion_type",
        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
    ));
    both.push(("client_assertion", &jwt));
    let secret_and_assertion = token_request(&idp, &both, None).await;
    assert_entra_error(
        &secret_and_assertion,
        StatusCode::UNAUTHORIZED,
        "invalid_client",
    );
    let mut wrong = base.to_vec();
    wrong.push(("client_secret", "nope"));
    let wrong = token_request(&idp, &wrong, None).await;
    assert_entra_error(&wrong, StatusCode::UNAUTHORIZED, "invalid_client");

    // Only a form body; never credentials in the query string.
    let response = http()
        .post(idp.token_endpoint())
        .header("content-type", "application/json")
        .body(json!({"grant_type": "authorization_code"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let response = http()
        .post(format!("{}?client_secret={SECRET}", idp.token_endpoint()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "client_id={SECRET_CLIENT}&grant_type=authorization_code"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let logged = idp.requests().last().unwrap().clone();
    assert_eq!(logged.param("client_secret"), Some("[redacted]"));

    // None of that used the code up.
    let tokens = redeem(&idp, &code, &pkce.verifier).await;
    assert_eq!(tokens.status, StatusCode::OK, "{}", tokens.body);
}

#[tokio::test]
async fn authorize_never_redirects_to_an_unregistered_uri() {
    let idp = idp().await;
    let pkce = new_pkce();
    let cases = [
        vec![("redirect_uri", "http://localhost:8080/auth/callback/")],
        vec![("redirect_uri", "http://localhost:8080/Auth/callback")],
        vec![("redirect_uri", "http://localhost:9090/auth/callback")],
        vec![("redirect_uri", "http://localhost:8080/auth/callback?x=1")],
        vec![("redirect_uri", "")],
        vec![("client_id", "00000000-0000-0000-0000-000000000000")],
    ];
    for extra in cases {
        let answer = follow_authorize(&authorize_url(&idp, SECRET_CLIENT, &pkce, &extra)).await;
        let AuthorizeAnswer::Page { status, body } = &answer else {
            panic!("{extra:?}: expected an error page, got {answer:?}");
        };
        assert_eq!(*status, 400);
        assert!(body.contains("AADSTS"), "{body}");
    }
    assert_eq!(idp.codes_issued(), 0);
}

#[tokio::test]
async fn authorize_errors_go_back_to_the_client() {
    let idp = idp().await;
    let pkce = new_pkce();
    let error_for = |extra: Vec<(&'static str, &'static str)>| {
        let url = authorize_url(&idp, SECRET_CLIENT, &pkce, &extra);
        async move {
            let answer = follow_authorize(&url).await;
            assert!(matches!(answer, AuthorizeAnswer::Redirect(_)), "{answer:?}");
            assert_eq!(answer.param("state").as_deref(), Some("st&te=1/2"));
            assert!(answer.param("code").is_none());
            answer.param("error").expect("an error")
        }
    };
    assert_eq!(
        error_for(vec![("response_type", "token")]).await,
        "unsupported_response_type"
    );
    assert_eq!(
        error_for(vec![("scope", "profile email")]).await,
        "invalid_scope"
    );
    assert_eq!(error_for(vec![("nonce", "")]).await, "invalid_request");
    assert_eq!(
        error_for(vec![("code_challenge", "")]).await,
        "invalid_request"
    );
    assert_eq!(
        error_for(vec![("code_challenge_method", "plain")]).await,
        "invalid_request"
    );
    assert_eq!(
        error_for(vec![("code_challenge_method", "")]).await,
        "invalid_request"
    );
    assert_eq!(
        error_for(vec![("code_challenge", "short")]).await,
        "invalid_request"
    );
    idp.fail_next_authorize("temporarily_unavailable");
    assert_eq!(error_for(vec![]).await, "temporarily_unavailable");
    idp.sign_in_as(None);
    assert_eq!(error_for(vec![]).await, "access_denied");
    assert_eq!(error_for(vec![("prompt", "none")]).await, "login_required");
    assert_eq!(idp.codes_issued(), 0);

    // form_post errors come back as a form too.
    let url = authorize_url(
        &idp,
        SECRET_CLIENT,
        &pkce,
        &[("response_mode", "form_post")],
    );
    let answer = follow_authorize(&url).await;
    assert!(
        matches!(answer, AuthorizeAnswer::FormPost { .. }),
        "{answer:?}"
    );
    assert_eq!(answer.param("error").as_deref(), Some("access_denied"));

    // Lenient mode takes what Entra takes: no nonce, plain PKCE.
    idp.sign_in_as(Some(IdpUser::member(OID, "Ayşe Yılmaz", &[])));
    idp.set_strict(false);
    let verifier = new_pkce().verifier;
    let extra = [
        ("nonce", ""),
        ("code_challenge", verifier.as_str()),
        ("code_challenge_method", "plain"),
    ];
    let answer = follow_authorize(&authorize_url(&idp, SECRET_CLIENT, &pkce, &extra)).await;
    let code = answer.param("code").expect("lenient mode issues a code");
    let tokens = redeem(&idp, &code, &verifier).await;
    assert_eq!(tokens.status, StatusCode::OK, "{}", tokens.body);
    let claims = verify(&idp, tokens.body["id_token"].as_str().unwrap())
        .await
        .unwrap();
    assert!(claims.get("nonce").is_none());
    // No assigned role: no `roles` claim at all, not an empty list.
    assert!(claims.get("roles").is_none());
}

#[tokio::test]
async fn each_forgery_has_its_defect() {
    let idp = idp().await;
    let good = verify(&idp, &id_token(&idp).await).await.unwrap();
    let soon = now();

    idp.forge_next(Forgery::UnknownKey);
    let jwt = id_token(&idp).await;
    let (header, _, _) = decode(&jwt);
    assert!(
        !idp.published_kids()
            .contains(&header["kid"].as_str().unwrap().to_owned())
    );
    assert_eq!(verify(&idp, &jwt).await, Err("unknown kid".to_owned()));

    idp.forge_next(Forgery::AlgNone);
    let (header, claims, sig) = decode(&id_token(&idp).await);
    assert_eq!(header["alg"], "none");
    assert!(sig.is_empty());
    assert_eq!(claims["aud"], SECRET_CLIENT);

    idp.forge_next(Forgery::Hs256WithPublicKey);
    let jwt = id_token(&idp).await;
    let (header, _, sig) = decode(&jwt);
    assert_eq!(header["alg"], "HS256");
    // The HMAC key is the signing key's public key as PEM, built here from the JWKS certificate.
    let keys = jwks(&idp).await;
    let key = keys
        .iter()
        .find(|k| k["kid"] == header["kid"])
        .expect("a published kid");
    let cert = STANDARD.decode(key["x5c"][0].as_str().unwrap()).unwrap();
    let pem = public_key_pem(&cert);
    let input = jwt.rsplit_once('.').unwrap().0;
    hmac::verify(
        &hmac::Key::new(hmac::HMAC_SHA256, pem.as_bytes()),
        input.as_bytes(),
        &sig,
    )
    .expect("HMAC keyed with the public key PEM");

    let signed = |forgery| {
        let idp = idp.clone();
        async move {
            idp.forge_next(forgery);
            verify(&idp, &id_token(&idp).await)
                .await
                .expect("validly signed")
        }
    };
    let claims = signed(Forgery::OtherTenant).await;
    assert_eq!(claims["tid"], FakeIdp::OTHER_TENANT);
    assert_eq!(
        claims["iss"],
        format!("{}/{}/v2.0", idp.base_url(), FakeIdp::OTHER_TENANT)
    );
    let claims = signed(Forgery::WrongTenantClaim).await;
    assert_eq!(claims["tid"], FakeIdp::OTHER_TENANT);
    assert_eq!(claims["iss"], idp.issuer());
    let claims = signed(Forgery::WrongAudience).await;
    assert_ne!(claims["aud"], SECRET_CLIENT);
    let claims = signed(Forgery::Expired).await;
    assert!(claims["exp"].as_i64().unwrap() < soon - 300);
    let claims = signed(Forgery::NotYetValid).await;
    assert!(claims["nbf"].as_i64().unwrap() > soon + 300);
    assert!(claims["exp"].as_i64().unwrap() > claims["nbf"].as_i64().unwrap());
    let claims = signed(Forgery::IssuedInFuture).await;
    assert!(claims["iat"].as_i64().unwrap() > soon + 300);
    assert!(claims["nbf"].as_i64().unwrap() <= now());
    let claims = signed(Forgery::NoNonce).await;
    assert!(claims.get("nonce").is_none());
    let claims = signed(Forgery::ForeignNonce).await;
    assert_ne!(claims["nonce"], good["nonce"]);
    assert!(claims["nonce"].is_string());
    let claims = signed(Forgery::WrongIssuer).await;
    assert_ne!(claims["iss"], idp.issuer());
    assert_eq!(claims["tid"], FakeIdp::TENANT);
    let claims = signed(Forgery::NoRoles).await;
    assert!(claims.get("roles").is_none());

    // Forgeries are used up: the next token is a good one again.
    let claims = verify(&idp, &id_token(&idp).await).await.unwrap();
    assert_eq!(
        (&claims["iss"], &claims["aud"], &claims["nonce"]),
        (&good["iss"], &good["aud"], &good["nonce"])
    );
    assert_eq!(claims["roles"], good["roles"]);
    // `sub` is pairwise: stable for the user and this client.
    assert_eq!(claims["sub"], good["sub"]);
}

/// The SubjectPublicKeyInfo of a DER certificate as PEM, found by its RSA OID (test-only shortcut).
fn public_key_pem(cert: &[u8]) -> String {
    // SEQUENCE { SEQUENCE { rsaEncryption, NULL }, BIT STRING } begins 30 82 01 22 30 0d 06 09 for
    // 2048-bit keys.
    let marker = [0x30, 0x82, 0x01, 0x22, 0x30, 0x0d, 0x06, 0x09];
    let start = cert
        .windows(marker.len())
        .position(|w| w == marker)
        .expect("a 2048-bit RSA SPKI");
    let spki = &cert[start..start + 4 + 0x122];
    let b64 = STANDARD.encode(spki);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
        lines.join("\n")
    )
}

#[tokio::test]
async fn the_tenant_in_the_path_decides_the_issuer_and_binds_the_code() {
    let idp = idp().await;
    let mut guest = IdpUser::member(
        "c0ffee00-1234-4abc-8def-0123456789ab",
        "Gast",
        &["Hunter.User"],
    );
    guest.tid = FakeIdp::OTHER_TENANT.into();
    idp.sign_in_as(Some(guest));
    // A tenant's own authority issues for that tenant, to guests too.
    let claims = verify(&idp, &id_token(&idp).await).await.unwrap();
    assert_eq!(claims["tid"], FakeIdp::TENANT);
    assert_eq!(claims["iss"], idp.issuer());

    // `common` issues for the user's home tenant, and its codes are only good at `common`.
    let tenant_path = format!("/{}/", FakeIdp::TENANT);
    let common = |url: String| url.replace(&tenant_path, "/common/");
    let mut tokens = Vec::new();
    for token_endpoint in [idp.token_endpoint(), common(idp.token_endpoint())] {
        let pkce = new_pkce();
        let url = common(authorize_url(&idp, SECRET_CLIENT, &pkce, &[]));
        let code = follow_authorize(&url).await.param("code").expect("a code");
        let form = [
            ("client_id", SECRET_CLIENT),
            ("client_secret", SECRET),
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT),
            ("code_verifier", pkce.verifier.as_str()),
        ];
        tokens.push(token_request_at(&token_endpoint, &form, None).await);
    }
    assert_entra_error(&tokens[0], StatusCode::BAD_REQUEST, "invalid_grant");
    assert_eq!(tokens[1].status, StatusCode::OK, "{}", tokens[1].body);
    let claims = verify(&idp, tokens[1].body["id_token"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(claims["tid"], FakeIdp::OTHER_TENANT);
    assert_eq!(
        claims["iss"],
        format!("{}/{}/v2.0", idp.base_url(), FakeIdp::OTHER_TENANT)
    );
}

#[tokio::test]
async fn rotation_publishes_the_new_key_and_keeps_the_old() {
    let idp = idp().await;
    let old = idp.signing_kid();
    let new = idp.rotate_signing_key();
    assert_ne!(old, new);
    assert_eq!(idp.signing_kid(), new);
    let kids: Vec<Value> = jwks(&idp).await.iter().map(|k| k["kid"].clone()).collect();
    assert_eq!(kids.len(), 3);
    assert!(kids.contains(&json!(old)) && kids.contains(&json!(new)));
    let jwt = id_token(&idp).await;
    assert_eq!(decode(&jwt).0["kid"], new);
    verify(&idp, &jwt).await.expect("signed by the new key");

    assert!(idp.drop_key(&old));
    assert!(!idp.drop_key(&old));
    assert_eq!(jwks(&idp).await.len(), 2);
    // Dropping the signing key leaves tokens with a kid nobody publishes.
    assert!(idp.drop_key(&new));
    assert_eq!(
        verify(&idp, &id_token(&idp).await).await,
        Err("unknown kid".to_owned())
    );
    assert_eq!(idp.jwks_fetches(), 4);
}

#[tokio::test]
async fn logout_goes_only_to_a_registered_uri() {
    let idp = idp().await;
    let logout = format!("{}/{}/oauth2/v2.0/logout", idp.base_url(), FakeIdp::TENANT);
    let mut url = Url::parse(&logout).unwrap();
    url.query_pairs_mut()
        .append_pair("client_id", SECRET_CLIENT)
        .append_pair("post_logout_redirect_uri", LOGOUT_REDIRECT)
        .append_pair("state", "bye");
    let response = http().get(url.as_str()).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(
        response.headers()["location"],
        "http://localhost:8080/?state=bye"
    );

    let response = http()
        .post(&logout)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "client_id={SECRET_CLIENT}&post_logout_redirect_uri=https%3A%2F%2Fevil.example%2F"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(response.headers().get("location").is_none());

    // A certificate client with no logout URI registered.
    let mut url = Url::parse(&logout).unwrap();
    url.query_pairs_mut()
        .append_pair("client_id", CERT_CLIENT)
        .append_pair("post_logout_redirect_uri", LOGOUT_REDIRECT);
    let response = http().get(url.as_str()).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);

    let logouts = idp.logouts();
    assert_eq!(logouts.len(), 3);
    assert!(logouts[0].redirected && !logouts[1].redirected && !logouts[2].redirected);
    assert_eq!(logouts[0].client_id.as_deref(), Some(SECRET_CLIENT));
    assert_eq!(logouts[0].state.as_deref(), Some("bye"));
    assert_eq!(
        logouts[1].post_logout_redirect_uri.as_deref(),
        Some("https://evil.example/")
    );
}

#[tokio::test]
async fn down_answers_503_and_the_clock_shifts_tokens() {
    let idp = idp().await;
    idp.set_down(true);
    let response = http().get(idp.discovery_url()).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(idp.discovery_fetches(), 0);
    assert_eq!(idp.requests().len(), 1);
    idp.set_down(false);
    assert_eq!(get_json(&idp.discovery_url()).await.0, StatusCode::OK);

    idp.set_clock_offset(-1000);
    let claims = verify(&idp, &id_token(&idp).await).await.unwrap();
    assert!((claims["iat"].as_i64().unwrap() - (now() - 1000)).abs() <= 5);
}

#[test]
fn the_test_client_certificate_files_are_the_embedded_ones() {
    let cert = std::fs::read_to_string(test_client_cert::cert_path()).unwrap();
    let key = std::fs::read_to_string(test_client_cert::key_path()).unwrap();
    assert_eq!(cert, test_client_cert::CERT_PEM);
    assert_eq!(key, test_client_cert::KEY_PEM);
    assert!(cert.starts_with("-----BEGIN CERTIFICATE-----"));
    assert!(key.starts_with("-----BEGIN PRIVATE KEY-----"));
}
