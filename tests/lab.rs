//! The lab itself (examples/lab): real servers up, the stand-ins answer from them,
//! faults take effect, and `down` leaves nothing running.

mod common;

use common::Lab;

#[test]
fn lab_serves_real_data_takes_faults_and_leaves_nothing_running() {
    let lab = Lab::up();
    eprintln!("lab up in {:?}", lab.started);

    // Health endpoints and auth.
    assert_eq!(lab.http_status("/health", ""), 200);
    assert_eq!(lab.http_status("/healthz", ""), 200);
    assert_eq!(lab.http_status("/health/db", ""), 200);
    assert_eq!(lab.http_status("/api/integrations/jobs/metrics", ""), 401);
    let jobs = lab.sh_ok(
        r#"curl -sf -H "Authorization: Bearer $JWT" "$API_URL/api/integrations/jobs/metrics""#,
    );
    let jobs: serde_json::Value = serde_json::from_str(&jobs).expect("job metrics are JSON");
    assert!(
        jobs["pendingCount"].as_i64().is_some_and(|n| n <= 10),
        "{jobs}"
    );
    let metrics = lab.sh_ok(r#"curl -sf -H "X-Metrics-Token: $TOKEN" "$API_URL/api/metrics""#);
    for series in [
        "integration_jobs_pending_count",
        "webhook_events_total{status=\"error\"} 0",
        "anclora_queue_messages_processed_total",
        "cache_hit_rate",
    ] {
        assert!(
            metrics.contains(series),
            "{series} missing from /api/metrics"
        );
    }

    // The seeds' own commands run unchanged with the env file.
    let count = lab
        .sh_ok(r#"psql -U postgres -d remember_me -tA -c 'SELECT count(*) FROM "IntegrationJob"'"#);
    assert!(count.trim().parse::<u32>().is_ok_and(|n| n > 0), "{count}");
    assert!(lab
        .sh_ok("redis-cli -h $REDIS_HOST -p 6379 ping")
        .contains("PONG"));
    assert!(lab
        .sh_ok("docker-compose exec redis redis-cli PING")
        .contains("PONG"));
    assert!(lab
        .sh_ok("docker compose exec postgres pg_isready -U ${POSTGRES_USER:-chatbot}")
        .contains("accepting connections"));
    let tenants = lab.sh_ok(
        r#"docker-compose exec postgres psql -U pedidos -c "SELECT id FROM tenants WHERE active" "#,
    );
    assert!(tenants.contains("abc123"), "{tenants}");
    let ps = lab.sh_ok("docker compose ps");
    assert_eq!(ps.matches(" Up ").count(), 7, "{ps}");

    // Worker stopped: jobs pile up, `docker-compose ps` says so, a restart drains them.
    assert!(lab.fault("worker-down", &[]).contains("worker stopped"));
    assert!(lab.sh_ok("docker-compose ps worker").contains("Exited"));
    lab.sh_ok(r#"curl -sf -H "Authorization: Bearer $JWT" "$API_URL/api/integrations/jobs/metrics" | jq -e '.pendingCount > 10 and .oldestPendingAgeMs > 60000'"#);
    lab.sh_ok("docker-compose restart worker");
    lab.wait_until(
        "the worker drains the backlog",
        r#"curl -sf -H "Authorization: Bearer $JWT" "$API_URL/api/integrations/jobs/metrics" | jq -e '.pendingCount <= 10'"#,
        30,
    );

    // Redis stopped: the api and the worker say so in their logs.
    lab.fault("redis-down", &[]);
    assert_eq!(lab.http_status("/health/redis", ""), 503);
    lab.wait_until(
        "the worker logs the Redis outage",
        "docker-compose logs worker | grep -q 'Redis connection failed'",
        10,
    );
    lab.sh_ok("docker-compose restart redis");
    assert_eq!(lab.http_status("/health/redis", ""), 200);

    // A wedged api answers 503 until restarted; ECS sees no running task meanwhile.
    lab.fault("api-503", &[]);
    assert_eq!(lab.http_status("/health", ""), 503);
    let running = lab.sh_ok("aws ecs describe-services --cluster anclora-production --services anclora-whatsapp --query 'services[0].runningCount'");
    assert_eq!(running.trim(), "0");
    lab.sh_ok("aws ecs update-service --cluster anclora-production --service anclora-whatsapp --force-new-deployment");
    assert_eq!(lab.http_status("/health", ""), 200);

    // Webhook secret mismatch: the api logs "Invalid signature"; a restart fixes it.
    lab.fault("webhook-secret", &[]);
    assert!(lab
        .sh_ok("docker-compose logs api | grep -i webhook")
        .contains("Invalid signature"));
    lab.fault("clear", &[]);
    assert_eq!(lab.http_status("/health", ""), 200);

    // PostgreSQL down and back.
    lab.fault("pg-down", &[]);
    assert_eq!(lab.http_status("/healthz", ""), 503);
    assert!(!lab
        .sh("docker compose exec postgres pg_isready")
        .status
        .success());
    lab.sh_ok("docker compose restart postgres");
    assert_eq!(lab.http_status("/healthz", ""), 200);

    let pids = lab.live_pids();
    assert!(!pids.is_empty(), "the lab's processes are visible");
    let out = lab.down();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let left = lab.live_pids();
    assert!(left.is_empty(), "still running after down: {left:?}");
}

#[test]
fn two_labs_run_side_by_side_on_distinct_ports() {
    let a = Lab::up();
    let b = Lab::up();
    for name in ["API_PORT", "REDIS_PORT", "PGPORT"] {
        assert_ne!(a.var(name), b.var(name), "{name} must differ between labs");
    }
    a.fault("redis-down", &[]);
    assert_eq!(a.http_status("/health/redis", ""), 503);
    assert_eq!(
        b.http_status("/health/redis", ""),
        200,
        "a fault in one lab leaves the other alone"
    );
}

#[test]
fn up_twice_keeps_the_running_lab() {
    let lab = Lab::up();
    let again = std::process::Command::new(common::lab_home().join("up"))
        .env("LAB_DIR", lab.path())
        .output()
        .expect("up runs");
    assert!(again.status.success());
    let last = String::from_utf8_lossy(&again.stdout)
        .lines()
        .last()
        .unwrap_or_default()
        .to_string();
    assert_eq!(std::path::PathBuf::from(last.trim()), lab.env_file);
    assert_eq!(lab.http_status("/health", ""), 200);
}
