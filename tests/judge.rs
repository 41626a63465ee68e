//! Judging real command output: curl against a loopback HTTP server (status from `-i`,
//! `-v` and `-w`, thresholds on JSON and Prometheus text) and redis-cli against a real
//! redis-server, each run through exec::run the way a session runs a step.

use runbook::exec::{self, ExecSpec};
use runbook::graph::{ExpectKind, Expectation, FindKind, Finding, Node, NodeKind};
use runbook::judge::{judge, Outcome, Verdict};
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Serves `/status/N` (status N), `/json` and `/metrics` on a free loopback port.
const SERVER: &str = r##"
import http.server, json, sys
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        if self.path.startswith("/status/"):
            code, body, kind = int(self.path.split("/")[2]), b'{"ok": false}', "application/json"
        elif self.path == "/json":
            code, kind = 200, "application/json"
            body = json.dumps({"data": {"queues": [{"name": "wa", "pendingCount": 57}]}}).encode()
        elif self.path == "/metrics":
            code, kind = 200, "text/plain"
            body = b"# TYPE integration_jobs_pending_count gauge\nintegration_jobs_pending_count 57\n"
        else:
            code, body, kind = 404, b"not found", "text/plain"
        self.send_response(code)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
s = http.server.HTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
"##;

struct Server {
    child: Child,
    url: String,
}

impl Server {
    fn start() -> Server {
        let mut child = Command::new("python3")
            .args(["-c", SERVER])
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 starts");
        let mut port = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut port)
            .expect("server prints its port");
        Server {
            child,
            url: format!("http://127.0.0.1:{}", port.trim()),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn step(command: &str) -> Node {
    let mut n = Node::new("step", NodeKind::Check, "Step", 1);
    n.command = Some(command.to_string());
    n
}

fn expecting(command: &str, kind: ExpectKind, value: &str) -> Node {
    let mut n = step(command);
    n.expect.push(Expectation {
        kind,
        value: value.into(),
    });
    n
}

fn finding(command: &str, kind: FindKind, value: &str, label: &str) -> Node {
    let mut n = step(command);
    n.findings.push(Finding {
        kind,
        value: value.into(),
        label: label.into(),
    });
    n
}

/// Runs the node's command for real and judges it.
fn run_and_judge(node: &Node) -> Verdict {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let mut spec = ExecSpec::new(node.command.clone().unwrap_or_default());
    spec.timeout = Duration::from_secs(30);
    let result = runtime
        .block_on(exec::run(&spec, &mut |_| {}))
        .expect("shell starts");
    judge(node, &result)
}

#[test]
fn http_status_from_curl_include_verbose_and_write_out() {
    let server = Server::start();
    let url = &server.url;
    for (command, expected, outcome) in [
        (format!("curl -si {url}/status/200"), "200", Outcome::Ok),
        (format!("curl -si {url}/status/503"), "200", Outcome::Fail),
        (format!("curl -si {url}/status/503"), "5xx", Outcome::Ok),
        (format!("curl -sv {url}/status/204"), "2xx", Outcome::Ok),
        (format!("curl -sv {url}/status/401"), "2xx", Outcome::Fail),
        (
            format!("curl -s -o /dev/null -w '%{{http_code}}' {url}/status/503"),
            "503",
            Outcome::Ok,
        ),
    ] {
        let verdict = run_and_judge(&expecting(&command, ExpectKind::Status, expected));
        assert_eq!(verdict.outcome, outcome, "{command}: {:?}", verdict.failed);
    }
}

#[test]
fn unreachable_server_fails_with_curls_exit_code() {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let verdict = run_and_judge(&expecting(
        &format!("curl -si http://127.0.0.1:{port}/"),
        ExpectKind::Status,
        "200",
    ));
    assert_eq!(verdict.outcome, Outcome::Fail);
    assert!(
        verdict.failed.iter().any(|f| f.contains("exit code 7")),
        "{:?}",
        verdict.failed
    );
}

#[test]
fn thresholds_on_json_and_prometheus_responses() {
    let server = Server::start();
    let url = &server.url;
    let verdict = run_and_judge(&expecting(
        &format!("curl -s {url}/json"),
        ExpectKind::Threshold,
        "pendingCount < 10",
    ));
    assert_eq!(verdict.outcome, Outcome::Fail);
    assert_eq!(
        verdict.failed,
        ["pendingCount = 57 (expected pendingCount < 10)"]
    );

    let verdict = run_and_judge(&finding(
        &format!("curl -si {url}/json"),
        FindKind::Threshold,
        "pendingCount > 10",
        "backlog",
    ));
    assert_eq!(verdict.outcome, Outcome::Find);
    assert_eq!(verdict.finding_label(), Some("backlog"));

    let verdict = run_and_judge(&finding(
        &format!("curl -s {url}/metrics"),
        FindKind::Threshold,
        "integration_jobs_pending_count > 10",
        "backlog",
    ));
    assert_eq!(
        verdict.findings[0].lines,
        ["integration_jobs_pending_count 57"]
    );
}

/// A redis-server on a free loopback port, without persistence.
struct Redis {
    child: Child,
    port: u16,
}

impl Redis {
    fn start() -> Redis {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server starts");
        let redis = Redis { child, port };
        let ready = Instant::now() + Duration::from_secs(10);
        while Instant::now() < ready {
            let pong = Command::new("redis-cli")
                .args(["-p", &port.to_string(), "ping"])
                .output()
                .map(|o| String::from_utf8_lossy(&o.stdout).contains("PONG"));
            if pong.unwrap_or(false) {
                return redis;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("redis-server did not answer on port {port}");
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn redis_ping_and_info_thresholds() {
    let redis = Redis::start();
    let port = redis.port;
    let verdict = run_and_judge(&expecting(
        &format!("redis-cli -h 127.0.0.1 -p {port} ping"),
        ExpectKind::Contains,
        "PONG",
    ));
    assert_eq!(verdict.outcome, Outcome::Ok, "{:?}", verdict.failed);

    let verdict = run_and_judge(&expecting(
        &format!("redis-cli -h 127.0.0.1 -p {port} INFO clients | grep connected_clients"),
        ExpectKind::Threshold,
        "connected_clients < 100",
    ));
    assert_eq!(verdict.outcome, Outcome::Ok, "{:?}", verdict.failed);

    let verdict = run_and_judge(&finding(
        &format!("redis-cli -h 127.0.0.1 -p {port} INFO clients"),
        FindKind::Threshold,
        "connected_clients >= 1",
        "clients connected",
    ));
    assert_eq!(verdict.outcome, Outcome::Find);
    assert!(verdict.findings[0].lines[0].starts_with("connected_clients:"));

    let verdict = run_and_judge(&expecting(
        &format!("redis-cli -h 127.0.0.1 -p {port} GET missing-key"),
        ExpectKind::Exact,
        "expected-value",
    ));
    assert_eq!(verdict.outcome, Outcome::Fail);
    assert!(verdict
        .diff
        .as_deref()
        .is_some_and(|d| d.contains("-expected-value")));
}
