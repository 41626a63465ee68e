//! Redaction rules (SPEC §4): every rule masks its secret, records the rule not the
//! value, and leaves ordinary prose alone.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use runbook::redact::{Redactor, MASK_OPEN};

/// A redactor that knows `values` and nothing from this process's environment.
fn redactor(values: &[&str]) -> Redactor {
    Redactor::with_env(values.iter().map(|v| v.to_string()), Vec::new())
}

fn assert_masked(r: &Redactor, input: &str, secret: &str, rule: &str) {
    let out = r.redact(input);
    assert!(!out.contains(secret), "`{secret}` leaked in {out:?}");
    assert!(
        out.contains(&format!("{MASK_OPEN}:{rule}»")),
        "rule {rule} not named in {out:?}"
    );
}

#[test]
fn exact_values_and_their_encodings() {
    let secret = "Tr0ub4dor&3 horse";
    let r = redactor(&[secret]);
    assert_masked(
        &r,
        &format!("password is {secret}!"),
        secret,
        "secret-value",
    );
    let b64 = STANDARD.encode(secret);
    assert_masked(&r, &format!("echo {b64} | base64 -d"), &b64, "secret-value");
    let b64url = URL_SAFE_NO_PAD.encode(secret);
    assert_masked(&r, &format!("v={b64url}"), &b64url, "secret-value");
    let url = "Tr0ub4dor%263%20horse";
    assert_masked(&r, &format!("https://x/login?p={url}"), url, "secret-value");
    let form = "Tr0ub4dor%263+horse";
    assert_masked(&r, &format!("body: p={form}"), form, "secret-value");
    // Percent-escapes written in lower-case hex.
    let r2 = redactor(&["a/b:c=d1"]);
    assert_masked(&r2, "q=a%2fb%3ac%3dd1&x", "a%2fb%3ac%3dd1", "secret-value");
    assert_masked(&r2, "q=a%2Fb%3Ac%3Dd1&x", "a%2Fb%3Ac%3Dd1", "secret-value");
    // Inside a longer base64 string (a Basic credential holding user:secret).
    let basic = STANDARD.encode(format!("someone:{secret}"));
    let out = r.redact(&format!("header dump: {basic}"));
    assert!(!out.contains(&basic), "{out}");
}

#[test]
fn secret_learned_later_is_masked_and_counted() {
    let r = redactor(&[]);
    assert_eq!(r.redact("value ab12cd34"), "value ab12cd34");
    r.add_secret("ab12cd34");
    assert_masked(&r, "value ab12cd34", "ab12cd34", "secret-value");
    assert_eq!(r.report(), vec![("secret-value".to_string(), 1)]);
}

#[test]
fn environment_variables_with_secret_names() {
    let env = vec![
        ("MY_API_TOKEN".to_string(), "env-tok-9f8e7d".to_string()),
        ("DB_PASSWD".to_string(), "pw-from-env".to_string()),
        ("HOME".to_string(), "/home/someone".to_string()),
        ("FEATURE_KEY_ENABLED".to_string(), "true".to_string()),
    ];
    let r = Redactor::with_env(Vec::new(), env);
    assert_masked(
        &r,
        "got env-tok-9f8e7d back",
        "env-tok-9f8e7d",
        "secret-value",
    );
    assert_masked(&r, "pw-from-env", "pw-from-env", "secret-value");
    assert_eq!(r.redact("cd /home/someone"), "cd /home/someone");
    assert_eq!(r.redact("enabled: true"), "enabled: true");
}

#[test]
fn new_reads_the_process_environment() {
    // A variable name no other test uses, so setting it cannot race.
    std::env::set_var("REDACT_TEST_ONLY_SECRET", "zq-env-value-771");
    let r = Redactor::new(Vec::new());
    assert_masked(
        &r,
        "x zq-env-value-771 y",
        "zq-env-value-771",
        "secret-value",
    );
}

#[test]
fn assignments_flags_and_options() {
    let r = redactor(&[]);
    let cases = [
        (
            "export REDIS_PASSWORD=s3cretvalue",
            "s3cretvalue",
            "assignment",
        ),
        ("PGPASSWORD='pa ss' psql -h db", "pa ss", "assignment"),
        (
            "curl 'http://api/x?api_key=abcdef123&x=1'",
            "abcdef123",
            "assignment",
        ),
        ("KEY=zzvalue99 ./deploy.sh", "zzvalue99", "assignment"),
        (
            "tool --password hunter22 --verbose",
            "hunter22",
            "secret-flag",
        ),
        ("tool --password=hunter22", "hunter22", "secret-flag"),
        ("tool --client-secret \"c s 1\"", "c s 1", "secret-flag"),
        (
            "redis-cli -h redis -p 6379 -a r3dispass ping",
            "r3dispass",
            "password-option",
        ),
        (
            "redis-cli -a 'quoted pass' INFO",
            "quoted pass",
            "password-option",
        ),
        (
            "mysql -u root -pmysqlpw123 db",
            "mysqlpw123",
            "password-option",
        ),
        (
            "sshpass -p sshpw999 ssh host",
            "sshpw999",
            "password-option",
        ),
        (
            "tried the password varplant-PW-123 twice",
            "varplant-PW-123",
            "prose-secret",
        ),
        ("la contraseña es Hx81pw2024.", "Hx81pw2024", "prose-secret"),
        (
            "the api key is ab12cd34ef56",
            "ab12cd34ef56",
            "prose-secret",
        ),
    ];
    for (input, secret, rule) in cases {
        assert_masked(&r, input, secret, rule);
    }
    // Ports and ordinary flags stay.
    let out = r.redact("redis-cli -h redis -p 6379 -a r3dispass ping");
    assert!(out.contains("-p 6379") && out.ends_with(" ping"), "{out}");
    assert_eq!(r.redact("docker ps -a"), "docker ps -a");
    assert_eq!(
        r.redact("psql --no-password mydb"),
        "psql --no-password mydb"
    );
    assert_eq!(
        r.redact("docker login --password-stdin -u bot"),
        "docker login --password-stdin -u bot"
    );
}

#[test]
fn yaml_and_json_keys() {
    let r = redactor(&[]);
    assert_masked(
        &r,
        "  POSTGRES_PASSWORD: chatbotpw",
        "chatbotpw",
        "key-value",
    );
    assert_masked(&r, "- token: tk_123456", "tk_123456", "key-value");
    assert_masked(
        &r,
        r#"{"access_token":"opaque-abc-123","user":"ana"}"#,
        "opaque-abc-123",
        "key-value",
    );
    assert_masked(&r, r#"{'password': 'pyd1ct'}"#, "pyd1ct", "key-value");
    let out = r.redact(r#"{"user":"ana","token_type":"bearer"}"#);
    assert_eq!(out, r#"{"user":"ana","token_type":"bearer"}"#);
}

#[test]
fn headers() {
    let r = redactor(&[]);
    let cases = [
        (
            "curl -H 'Authorization: Bearer abc.def.ghi123' http://api",
            "abc.def.ghi123",
            "authorization",
        ),
        (
            "Authorization: Basic dXNlcjpwYXNz",
            "dXNlcjpwYXNz",
            "authorization",
        ),
        (
            "authorization: Token 0123456789abcdef",
            "0123456789abcdef",
            "authorization",
        ),
        (
            "> Cookie: session=abc123; theme=dark",
            "session=abc123",
            "cookie",
        ),
        (
            "< Set-Cookie: sid=xyz789; Path=/; HttpOnly",
            "sid=xyz789",
            "cookie",
        ),
        (
            "curl --cookie 'sid=c00kie' http://x",
            "sid=c00kie",
            "cookie",
        ),
        ("X-Auth-Token: tok-777-aaa", "tok-777-aaa", "secret-header"),
        ("-H \"X-Api-Key: k3y-value\"", "k3y-value", "secret-header"),
        ("x-github-token: foo-bar-9", "foo-bar-9", "secret-header"),
    ];
    for (input, secret, rule) in cases {
        assert_masked(&r, input, secret, rule);
    }
    let out = r.redact("curl -H 'Authorization: Bearer abc.def.ghi123' http://api");
    assert!(
        out.contains("Authorization: Bearer «") && out.ends_with("' http://api"),
        "{out}"
    );
}

#[test]
fn credentials_in_urls_and_curl_user() {
    let r = redactor(&[]);
    assert_masked(
        &r,
        "postgres://chatbot:pgpw42@db:5432/app",
        "pgpw42",
        "url-password",
    );
    assert_masked(
        &r,
        "redis://:r3dis@localhost:6379/0",
        "r3dis",
        "url-password",
    );
    assert_masked(&r, "amqp://guest:gu3st@mq/", "gu3st", "url-password");
    let out = r.redact("postgres://chatbot:pgpw42@db:5432/app");
    assert!(
        out.starts_with("postgres://chatbot:«") && out.ends_with("@db:5432/app"),
        "{out}"
    );
    assert_masked(&r, "curl -u admin:curlpw1 http://x", "curlpw1", "curl-user");
    assert_masked(
        &r,
        "curl -s --user 'admin:c0rl pw9' http://x",
        "pw9",
        "curl-user",
    );
    assert_masked(
        &r,
        "curl -u \"admin:c0rl pw9\" http://x",
        "pw9",
        "curl-user",
    );
    assert_eq!(
        r.redact("see http://example.com:8080/path"),
        "see http://example.com:8080/path"
    );
}

#[test]
fn tokens_by_shape() {
    let r = redactor(&[]);
    let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";
    assert_masked(&r, &format!("token {jwt} expired"), jwt, "jwt");
    let pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7bq\nabcDEF==\n-----END RSA PRIVATE KEY-----";
    assert_masked(
        &r,
        &format!("key:\n{pem}\ndone"),
        "MIIEowIBAAKCAQEA7bq",
        "private-key",
    );
    assert!(r.redact(&format!("{pem}\ndone")).ends_with("\ndone"));
    let cut = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA";
    assert_masked(&r, cut, "b3BlbnNzaC1rZXktdjEAAAAA", "private-key");
    let prefixed = [
        "AKIAIOSFODNN7EXAMPLE",
        "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
        "glpat-abcdefghij0123456789",
        "xoxb-123456789012-abcdefghij",
        "sk_live_abcdefghijklmnop",
    ];
    for token in prefixed {
        assert_masked(&r, &format!("found {token} in config"), token, "token");
    }
}

#[test]
fn pem_body_lines_are_masked_when_streamed() {
    let r = redactor(&[]);
    let mut lines = r.lines();
    let out: Vec<String> = [
        "before\n",
        "-----BEGIN PRIVATE KEY-----\n",
        "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n",
        "-----END PRIVATE KEY-----\n",
        "after\n",
    ]
    .iter()
    .map(|l| lines.line(l).into_owned())
    .collect();
    assert_eq!(out[0], "before\n");
    assert!(!out.concat().contains("MIIEvQIBADANBgkqhkiG9w0BAQEFAASC"));
    assert_eq!(out[2], "«redacted:private-key»\n");
    assert_eq!(out[4], "after\n");
}

#[test]
fn references_to_secrets_stay_readable() {
    let r = redactor(&[]);
    for text in [
        r#"curl -H "Authorization: Bearer $JWT" "$API_URL/me""#,
        "curl -H 'Authorization: Bearer <JWT>' http://x",
        "redis-cli -h $REDIS_HOST -a \"$REDIS_PASSWORD\" ping",
        "PGPASSWORD=${POSTGRES_PASSWORD:-chatbot} psql",
        "postgres://user:${PGPASSWORD}@db/app",
    ] {
        assert_eq!(r.redact(text), text);
    }
}

#[test]
fn ordinary_prose_passes_unchanged() {
    let r = redactor(&["hunter2-real"]);
    for text in [
        "Check the token expiry and rotate the API key if needed.",
        "If the token: is missing, log in again.",
        "The key point: Redis keys expire after 1h. Use KEYS sparingly.",
        "Bearer token authentication failed for user 42",
        "Tokens are refreshed hourly; key rotation: monthly.",
        "db0:keys=1523,expires=12,avg_ttl=0",
        "GET /api/v1/tokens HTTP/1.1 200",
        "authorization failed: invalid signature",
        "Set the password in the vault, never in the ticket.",
        "docker compose logs --since=30m app | grep -i token",
        "Revisar expiración del token y la clave JWT_SECRET en cada servicio.",
        "Verificar query params `hub.mode=subscribe&hub.verify_token=...`",
        "grep -qE '^WHATSAPP_APP_SECRET=.+' \"$APP_ENV_FILE\" || echo missing",
        "password: ********",
        "The password expired on 2024-05-01; reset it.",
        "token for user 42 refreshed at 10:00:00",
        "Rotate the secret afterwards and check token h1 again.",
        "merged.sort(key=lambda e: e[0])",
        "def __init__(self, host, port, password=None, timeout=2.0):",
        "\"\"\"KEY=VALUE lines; quotes around the value are removed.\"\"\"",
        "initdb --auth-local=trust --auth-host=scram-sha-256",
        "```bash {id=ws-token expect-status=200 expect=\"ws_token\"}",
        "token = auth[7:].strip() if auth.lower().startswith(\"bearer \") else \"\"",
        "{\"Access-Control-Allow-Credentials\": \"true\"}",
    ] {
        assert_eq!(r.redact(text), text);
    }
    assert!(r.report().is_empty(), "{:?}", r.report());
}

#[test]
fn redacting_twice_changes_nothing_and_counts_once() {
    let r = redactor(&["v4lue-one"]);
    let once = r.redact("TOKEN=v4lue-one and Authorization: Bearer abcdef0123456789");
    let twice = r.redact(&once);
    assert_eq!(once, twice);
    let total: usize = r.report().iter().map(|(_, n)| n).sum();
    assert_eq!(total, 2, "{:?} {once}", r.report());
}

#[test]
fn debug_output_never_shows_a_value() {
    let r = redactor(&["debug-visible-secret"]);
    assert!(!format!("{r:?}").contains("debug-visible-secret"));
}

#[test]
fn redactor_is_shareable_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Redactor>();
    let r = std::sync::Arc::new(redactor(&["thread-secret-1"]));
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let r = r.clone();
            std::thread::spawn(move || {
                for _ in 0..100 {
                    assert!(!r.redact("x thread-secret-1").contains("thread-secret-1"));
                }
            })
        })
        .collect();
    for h in handles {
        h.join().expect("thread");
    }
    assert_eq!(r.report(), vec![("secret-value".to_string(), 400)]);
}

#[test]
fn multi_line_text_is_redacted_line_by_line() {
    let r = redactor(&["multi-secret-1"]);
    let text = "HOME=/root\nREDIS_PASSWORD=r3d1s-pw\nplain line\nvalue multi-secret-1 here\n-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIB\n-----END EC PRIVATE KEY-----\ntail";
    let out = r.redact(text);
    assert_eq!(
        out,
        "HOME=/root\nREDIS_PASSWORD=«redacted:assignment»\nplain line\nvalue «redacted:secret-value» here\n«redacted:private-key»\ntail"
    );
    let untouched = "line one\nline two with key words\n";
    assert!(matches!(
        r.redact_cow(untouched),
        std::borrow::Cow::Borrowed(_)
    ));
}

#[test]
fn a_line_stream_sees_secrets_learned_after_it_started() {
    let r = redactor(&[]);
    let mut lines = r.lines();
    assert_eq!(lines.line("late-secret-42\n"), "late-secret-42\n");
    r.add_secret("late-secret-42");
    assert_eq!(lines.line("late-secret-42\n"), "«redacted:secret-value»\n");
}

/// Streamed output in runs of whole lines is masked exactly as line by line.
#[test]
fn runs_of_lines_are_redacted_as_their_lines() {
    let r = redactor(&["multi-secret-1"]);
    let text = "HOME=/root\nREDIS_PASSWORD=r3d1s-pw\nplain line\nvalue multi-secret-1 here\n\
                -----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIB\n-----END EC PRIVATE KEY-----\n\
                curl -H 'Authorization: Bearer abcdef0123456789xyz' http://x\ntail\n";
    let mut by_line = r.lines();
    let expected: String = text
        .split_inclusive('\n')
        .map(|l| by_line.line(l).into_owned())
        .collect();
    // Every way of cutting the text into runs of whole lines gives the same.
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    for size in 1..=lines.len() {
        let mut stream = r.lines();
        let got: String = lines
            .chunks(size)
            .map(|run| stream.lines_of(&run.concat()).into_owned())
            .collect();
        assert_eq!(got, expected, "runs of {size} lines");
    }
    assert!(!expected.contains("r3d1s-pw") && !expected.contains("MHcCAQEEIB"));
    assert!(!expected.contains("abcdef0123456789xyz"));
}

#[test]
fn a_run_without_secrets_is_not_copied() {
    let r = redactor(&["multi-secret-1"]);
    let mut stream = r.lines();
    let text = "2024-05-01T10:00:00Z INFO worker processed job 12345 in 3ms\n".repeat(1000);
    assert!(matches!(
        stream.lines_of(&text),
        std::borrow::Cow::Borrowed(_)
    ));
    // A trigger word with nothing to mask leaves it untouched too.
    let prose = "the key was rotated\nok\n";
    assert!(matches!(
        stream.lines_of(prose),
        std::borrow::Cow::Borrowed(_)
    ));
}

#[test]
fn a_private_key_split_over_runs_is_masked_to_its_end() {
    let r = redactor(&[]);
    let mut stream = r.lines();
    let first = stream
        .lines_of("before\n-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n")
        .into_owned();
    let second = stream
        .lines_of("q1w2e3r4t5y6u7i8\n-----END RSA PRIVATE KEY-----\nafter\n")
        .into_owned();
    assert_eq!(
        first,
        "before\n«redacted:private-key»\n«redacted:private-key»\n"
    );
    assert_eq!(
        second,
        "«redacted:private-key»\n«redacted:private-key»\nafter\n"
    );
}
