//! Fourth field trial: alternatives that ran on every path. A variant label no list
//! knows among known ones (S3), "Example for X" siblings (S4), scenario headings named
//! `Scenario A` / `Caso 2` (S5) and steps their author calls optional (S9). Every
//! document here is self-written.

use runbook::graph::{EdgeOn, Playbook};

mod field_graph;
use field_graph::{decisions, labels, parse_one as parse, step_running_part as by_command};

mod run_support;
use run_support::{shown, Env};

fn next_of<'a>(p: &'a Playbook, from: &str) -> Option<&'a str> {
    p.edges
        .iter()
        .find(|e| e.from == from && e.on == EdgeOn::Next)
        .map(|e| e.to.as_str())
}

#[test]
fn variant_labels_with_hyphens_versions_and_slashes_are_choices() {
    let p = parse(
        "# Runtime down\n## Resolution\n```bash\n# For Docker\nsudo systemctl restart docker\n\n\
         # For containerd\nsudo systemctl restart containerd\n\n\
         # For CRI-O\nsudo systemctl restart crio\n```\n\
         ```bash\ncrictl ps\n```\n",
    );
    let d = decisions(&p);
    assert_eq!(d.len(), 1);
    assert_eq!(
        labels(d[0]),
        vec!["For Docker", "For containerd", "For CRI-O"]
    );
    let crio = by_command(&p, "restart crio");
    assert_eq!(crio.title, "For CRI-O");
    let ps = by_command(&p, "crictl ps");
    // Choosing Docker never restarts CRI-O: every branch goes on past the choice.
    for runtime in ["restart docker", "restart containerd", "restart crio"] {
        assert_eq!(
            next_of(&p, &by_command(&p, runtime).id),
            Some(ps.id.as_str())
        );
    }
    let p = parse(
        "# jq missing\n## Fix\n```bash\n# RHEL 8\nsudo dnf install -y jq\n\n\
         # Amazon Linux 2\nsudo yum install -y jq\n\n# macOS/Homebrew\nbrew install jq\n\n\
         # k8s 1.29\nkubectl debug node/n1 -it --image=jq\n```\n",
    );
    let d = decisions(&p);
    assert_eq!(d.len(), 1);
    assert_eq!(
        labels(d[0]),
        vec!["RHEL 8", "Amazon Linux 2", "macOS/Homebrew", "k8s 1.29"]
    );
}

#[test]
fn a_sibling_of_the_same_shape_is_a_choice_too() {
    // `Quux Engine` is on no list; beside `For Docker` it is one more variant.
    let p = parse(
        "# Runtime down\n## Resolution\n```bash\n# For Docker\nsudo systemctl restart docker\n\n\
         # For Quux Engine 3.1\nsudo systemctl restart quux\n```\n",
    );
    let d = decisions(&p);
    assert_eq!(d.len(), 1);
    assert_eq!(labels(d[0]), vec!["For Docker", "For Quux Engine 3.1"]);
    let docker = by_command(&p, "restart docker");
    assert_eq!(next_of(&p, &docker.id), Some("end"));
    // A step after the variants (`# Status`, `# Verify`) is not one of them.
    let p = parse(
        "# jq missing\n## Fix\n```bash\n# Ubuntu\nsudo apt-get install -y jq\n\n\
         # NixOS\nnix-env -i jq\n\n# Status\njq --version\n```\n",
    );
    let d = decisions(&p);
    assert_eq!(labels(d[0]), vec!["Ubuntu", "NixOS"]);
    let version = by_command(&p, "jq --version");
    assert_eq!(
        next_of(&p, &by_command(&p, "nix-env").id),
        Some(version.id.as_str())
    );
}

#[test]
fn bold_labels_of_the_same_shape_are_choices_too() {
    let p = parse(
        "# Runtime down\n## Resolution\n**Docker**:\n```bash\nsudo systemctl restart docker\n```\n\
         **CRI-O**:\n```bash\nsudo systemctl restart crio\n```\n\
         **Quux Engine 2**:\n```bash\nsudo systemctl restart quux\n```\n",
    );
    let d = decisions(&p);
    assert_eq!(d.len(), 1);
    assert_eq!(labels(d[0]), vec!["Docker", "CRI-O", "Quux Engine 2"]);
    assert_eq!(
        next_of(&p, &by_command(&p, "restart docker").id),
        Some("end")
    );
}

#[test]
fn examples_for_each_variant_are_a_choice() {
    let p = parse(
        "# Pod network broken\n## Resolution\nIf the network plugin is misconfigured:\n\
         ```bash\n# Reinstall the network plugin\n# Example for Calico\n\
         kubectl apply -f https://example.org/calico.yaml\n\n# Example for Flannel\n\
         kubectl apply -f https://example.org/flannel.yaml\n```\n",
    );
    let d = decisions(&p);
    assert_eq!(d.len(), 2, "the condition, then which plugin");
    assert_eq!(
        labels(d[0]),
        vec!["If the network plugin is misconfigured", "Otherwise"]
    );
    assert_eq!(
        labels(d[1]),
        vec!["Example for Calico", "Example for Flannel"]
    );
    assert_eq!(d[1].text.as_deref(), Some("Reinstall the network plugin"));
    let calico = by_command(&p, "calico.yaml");
    assert_eq!(next_of(&p, &calico.id), Some("end"));
    // Spanish, without a lead-in.
    let p = parse(
        "# Red caída\n## Solución\n```bash\n# Ejemplo para Calico\n\
         kubectl apply -f calico.yaml\n\n# Ejemplo para Flannel\nkubectl apply -f flannel.yaml\n```\n",
    );
    let d = decisions(&p);
    assert_eq!(d.len(), 1);
    assert_eq!(
        labels(d[0]),
        vec!["Ejemplo para Calico", "Ejemplo para Flannel"]
    );
    assert_eq!(next_of(&p, &by_command(&p, "calico.yaml").id), Some("end"));
}

#[test]
fn scenario_headings_at_any_level_are_a_choice() {
    // `Scenario A` has nothing to run: when it applies, the deletion must not.
    let p = parse(
        "## Release stuck\n### Mitigation\nFirst suspend and resume the release:\n\
         ```\nflux suspend hr app -n apps\nflux resume hr app -n apps\n```\n\
         #### Scenario A\nThe release reconciles. Nothing else to do.\n\
         #### Scenario B\nIt still fails. Delete the latest release secret:\n\
         ```\nkubectl delete secret -n apps sh.helm.release.v1.app.v5\n```\n",
    );
    let d = decisions(&p);
    assert_eq!(d.len(), 1);
    assert_eq!(
        labels(d[0]),
        vec!["Scenario A", "Scenario B", "None of these"]
    );
    let resume = by_command(&p, "flux resume");
    assert_eq!(next_of(&p, &resume.id), Some(d[0].id.as_str()));
    let delete = by_command(&p, "kubectl delete secret");
    assert_eq!(d[0].choices[1].to, delete.id);
    assert_ne!(d[0].choices[0].to, delete.id);
    // Spanish, as H3 under the incident with no role heading: still one incident.
    let p = parse(
        "## Release atascado\nPrimero suspender y reanudar:\n\
         ```bash\nflux suspend hr app -n apps\nflux resume hr app -n apps\n```\n\
         ### Caso 1: se recupera\nNada más que hacer.\n\
         ### Caso 2: sigue fallando\n\
         ```bash\nkubectl delete secret -n apps sh.helm.release.v1.app.v5\n```\n",
    );
    let d = decisions(&p);
    assert_eq!(d.len(), 1);
    assert_eq!(
        labels(d[0]),
        vec!["Caso 1: se recupera", "Caso 2: sigue fallando", "Ninguno"]
    );
}

#[test]
fn an_optional_step_is_a_decision_to_run_or_skip() {
    let p = parse(
        "# Redis down\n## Resolution\n### Step 1: Check Redis\n```bash\nkubectl get pods -n redis\n```\n\
         ### Step 2: Restart Redis if needed\n\
         ```bash\nkubectl rollout restart statefulset -n redis redis\n```\n\
         ### Step 3: Verify\n```bash\nkubectl rollout status statefulset -n redis redis\n```\n",
    );
    let d = decisions(&p);
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].id, "restart-redis-if-needed-or-skip");
    assert_eq!(d[0].title, "Restart Redis if needed?");
    assert_eq!(labels(d[0]), vec!["Restart Redis if needed", "Skip"]);
    let check = by_command(&p, "get pods");
    let restart = by_command(&p, "rollout restart");
    let verify = by_command(&p, "rollout status");
    assert_eq!(restart.id, "restart-redis-if-needed");
    assert_eq!(next_of(&p, &check.id), Some(d[0].id.as_str()));
    assert_ne!(next_of(&p, &check.id), Some(restart.id.as_str()));
    assert_eq!(d[0].choices[0].to, restart.id);
    assert_eq!(d[0].choices[1].to, verify.id);
    // A comment header in a block, in Spanish; "only if" in English.
    let p = parse(
        "# El sistema no inicia\n## Soluciones\n```bash\n# 1. Verificar Docker\ndocker ps\n\n\
         # 2. Reiniciar el servicio si es necesario\nsudo systemctl restart docker\n```\n",
    );
    let d = decisions(&p);
    assert_eq!(d.len(), 1);
    assert_eq!(
        labels(d[0]),
        vec!["Reiniciar el servicio si es necesario", "Omitir"]
    );
    assert_eq!(d[0].choices[1].to, "end");
    let p = parse(
        "# Queue stuck\n## Resolution\n```bash\n# Check the queue\nrq info\n\n\
         # Empty the queue only if the jobs are lost anyway\nrq empty default\n```\n",
    );
    assert_eq!(decisions(&p).len(), 1);
    assert_eq!(decisions(&p)[0].choices[1].label, "Skip");
    // A list item: the words before its command title the step.
    let p = parse(
        "# Pods crashing\n## Resolution\n1. Check the pods: `kubectl get pods -n app`\n\
         2. Restart the deployment if needed: `kubectl rollout restart deployment/app`\n\
         3. Verify: `kubectl rollout status deployment/app`\n",
    );
    let d = decisions(&p);
    assert_eq!(d.len(), 1);
    assert_eq!(
        labels(d[0]),
        vec!["Restart the deployment if needed", "Skip"]
    );
    assert_eq!(d[0].choices[1].to, by_command(&p, "rollout status").id);
    // A caution comment alone atop a block makes all of it optional.
    let p = parse(
        "# Lag de replicación\n## Solución\n```bash\n# PRECAUCIÓN: solo si el primario está en riesgo\n\n\
         # 1. Pausar la ingesta\nkubectl scale deployment api --replicas=0\n\n\
         # 2. Promover la réplica\naws rds promote-read-replica --db-instance-identifier r1\n```\n",
    );
    let d = decisions(&p);
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].choices[1].label, "Omitir");
    assert_eq!(d[0].choices[1].to, "end");
    assert_eq!(d[0].choices[0].to, by_command(&p, "scale deployment").id);
    // "(if applicable)", "(si aplica)": the step may not apply at all.
    for (md, cmd) in [
        (
            "# Disk full\n## Resolution\n1. **Prune Docker (if applicable)**:\n   ```bash\n   docker system prune -a\n   ```\n",
            "docker system prune -a",
        ),
        (
            "# Disco lleno\n## Solución\n1. **Limpiar Docker (si aplica)**:\n   ```bash\n   docker system prune -a\n   ```\n",
            "docker system prune -a",
        ),
    ] {
        let p = parse(md);
        let d = decisions(&p);
        assert_eq!(d.len(), 1, "{md}");
        assert_eq!(d[0].choices[0].to, by_command(&p, cmd).id);
    }
}

#[test]
fn a_skipped_optional_step_leaves_the_run_resolved() {
    let env = Env::new();
    let doc = env.write(
        "cache.md",
        "# Cache stale\n## Resolution\n### Step 1: Look at the cache\n\
         ```bash\ntouch \"$MARKS/looked\"\n```\n\
         ### Step 2: Flush the cache if needed\n```bash\ntouch \"$MARKS/flushed\"\n```\n\
         ### Step 3: Verify\n```bash\ntouch \"$MARKS/verified\" && echo PONG\n```\n\
         Should return `PONG`.\n",
    );
    let doc = doc.to_str().unwrap();
    // Unattended, nobody decided: nothing runs.
    let out = env.run(["run", doc, "--yes", "--var", &env.marks_var()]);
    assert_eq!(out.status.code(), Some(3), "{}", shown(&out));
    assert!(env.markers().is_empty(), "ran: {:?}", env.markers());
    let answers = env.write(
        "answers.yaml",
        "decisions:\n  flush-the-cache-if-needed-or-skip: Skip\n",
    );
    let out = env.run([
        "run",
        doc,
        "--answers",
        answers.to_str().unwrap(),
        "--var",
        &env.marks_var(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", shown(&out));
    assert_eq!(env.markers(), vec!["looked", "verified"]);
}

#[test]
fn ways_of_doing_the_same_thing_are_a_choice() {
    // One way has nothing to run: choosing the dashboard never runs the CLI renewal.
    let p = parse(
        "# Certificate expiring\n## Manual renewal\n### Via dashboard\n1. Open the domain settings\n\
         2. Click \"Renew\"\n### Via CLI\n```bash\ncertbot renew --cert-name example.org\n```\n\
         ## Verification\n```bash\ncurl -I https://example.org\n```\n",
    );
    let d = decisions(&p);
    assert_eq!(d.len(), 1);
    assert_eq!(
        labels(d[0]),
        vec!["Via dashboard", "Via CLI", "None of these"]
    );
    let renew = by_command(&p, "certbot renew");
    assert_eq!(d[0].choices[1].to, renew.id);
    assert_ne!(d[0].choices[0].to, renew.id);
    // Spanish; a title that only starts with such a word is not a way.
    let p = parse(
        "# Certificado por vencer\n## Renovación manual\n### Desde la consola\n1. Abrir el dominio\n\
         ### Mediante la CLI\n```bash\ncertbot renew --cert-name example.org\n```\n",
    );
    assert_eq!(decisions(&p).len(), 1);
    let books = runbook::markdown::parse_document(
        "# Using Helm: Troubleshooting\n## Release stuck\n**Symptom**: pending.\n\
         **Fix**:\n```bash\nhelm rollback app\n```\n## Rollback fails\n**Symptom**: error.\n\
         **Fix**:\n```bash\nhelm history app\n```\n",
        std::path::Path::new("doc.md"),
    )
    .expect("parses");
    assert_eq!(books.len(), 2);
}

#[test]
fn a_numbered_step_heading_keeps_its_condition() {
    for md in [
        "# Error 502\n## Solución\n### Paso 1: Verificar estado\n```bash\npm2 status\n```\n\
         ### Paso 2: Si hay errores de dependencias\n```bash\nnpm install\n```\n\
         ### Paso 3: Si hay errores de código\n```bash\ngit pull\n```\n",
        "# Error 502\n## Fix\n### Step 1: Check status\n```bash\npm2 status\n```\n\
         ### Step 2: If dependencies are missing\n```bash\nnpm install\n```\n\
         ### Step 3: If the code is broken\n```bash\ngit pull\n```\n",
    ] {
        let p = parse(md);
        let d = decisions(&p);
        assert_eq!(d.len(), 1, "{md}");
        let install = by_command(&p, "npm install");
        let pull = by_command(&p, "git pull");
        // Missing dependencies never pull code: each case goes its own way.
        assert_ne!(next_of(&p, &install.id), Some(pull.id.as_str()), "{md}");
        assert!(d[0].choices.iter().any(|c| c.to == pull.id));
    }
}
