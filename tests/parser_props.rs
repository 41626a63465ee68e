//! No input makes the parser panic: arbitrary bytes, and Markdown-ish text built from the
//! shapes runbooks take (headings, fences with odd info strings, nested lists, comment
//! headers, REPL lines, front matter). Bounded: a few hundred cases each.

use proptest::prelude::*;
use runbook::graph::{NodeKind, Playbook};
use runbook::markdown;
use std::collections::HashSet;
use std::path::Path;

const FRAGMENTS: &[&str] = &[
    "# Title\n",
    "## Webhooks Fallan\n",
    "### Síntomas\n",
    "### Diagnóstico\n",
    "### Acciones\n",
    "**Symptoms:**\n",
    "**Resolution:**\n",
    "**Paso 1**: Reiniciar\n",
    "### Option 1: A\n",
    "### Si falla\n",
    "### Esperado\n",
    "- Buscar:\n",
    "Buscar:\n",
    "Esperado: 200 con payload\n",
    "- `pendingCount` alto (> 10)\n",
    "- \"Invalid signature\"\n",
    "- ¿Falla solo un usuario?\n\t- Sí → revisar\n\t- No → [x](#nowhere)\n",
    "1. **Verificar:**\n   ```bash\n   curl -H \"Authorization: Bearer <JWT>\" http://x\n   ```\n",
    "```bash\n# 1. Check\nredis-cli -h $REDIS_HOST ping\n# Debe responder: PONG\n\n# Option 1: x\ndocker compose restart app\n\n# Option 2: y\nwatch -n 5 ls\n```\n",
    "```\nSeveridad 1 (Crítico):\n  1. Contactar\n```\n",
    "```console\n$ echo hi\nhi\n",
    "```sh {\"name\": \"x\", \"expect\": 3}\nls\n```\n",
    "```bash {id=a on-ok=b on-fail=end find=\"a|b\" timeout=zz watch}\nfor f in *; do echo $f; done\n```\n",
    "```bash {\n",
    "```\n",
    "~~~\n",
    "docker-compose exec redis redis-cli\n> KEYS *\n",
    "psql -c \"\n  UPDATE t SET a = 1;\n",
    "cat <<EOF\n",
    "---\n",
    "id: x\n",
    "> quote\n",
    "| a | b |\n|---|---|\n| 1 | 2 |\n",
    "<!-- html -->\n",
    "\t\t- deep\n",
    "    indented code\n",
    "üî¥ ‚ö†Ô∏è 🔥\n",
    "${POSTGRES_USER:-chatbot} {{name}} <job-id>\n",
    "\n",
    "\r\n",
    "[link](#target)\n",
    "```bash {id=end}\nls\n```\n",
    "- Si worker está caído:\n",
    "- If redis is down, restart it: `systemctl restart redis`\n",
];

fn markdownish() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            4 => prop::sample::select(FRAGMENTS).prop_map(str::to_string),
            1 => "[ -~\t\n#`>*\\-|{}\\[\\]()=\"'$<áé¿→]{0,40}",
        ],
        0..40,
    )
    .prop_map(|parts| parts.concat())
}

fn check_invariants(p: &Playbook) {
    assert_eq!(
        p.nodes.last().map(|n| n.kind),
        Some(NodeKind::End),
        "{}",
        p.id
    );
    let mut ids = HashSet::new();
    for n in &p.nodes {
        assert!(
            ids.insert(n.id.as_str()),
            "duplicate id {} in {}",
            n.id,
            p.id
        );
        assert!(n.line >= 1);
    }
    for c in p.nodes.iter().flat_map(|n| n.choices.iter()) {
        assert!(ids.contains(c.to.as_str()), "choice to unknown {}", c.to);
    }
    let _ = runbook::render::mermaid(p);
    let _ = runbook::render::dot(p);
    let _ = runbook::render::outline(p);
    let _ = serde_json::to_string(p).expect("serializes");
}

proptest! {
    #![proptest_config(ProptestConfig {
        // PROPTEST_CASES=20000 for a longer local run; CI keeps the bound.
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(400),
        ..ProptestConfig::default()
    })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let (text, _) = markdown::decode(bytes);
        if let Ok(doc) = markdown::parse_detailed(&text, Path::new("fuzz.md")) {
            for s in &doc.sections {
                check_invariants(&s.playbook);
            }
        }
    }

    #[test]
    fn markdownish_text_never_panics(text in markdownish()) {
        match markdown::parse_detailed(&text, Path::new("fuzz.md")) {
            Ok(doc) => {
                for s in &doc.sections {
                    check_invariants(&s.playbook);
                }
            }
            Err(e) => {
                // Only front matter can be fatal, and it says where.
                let msg = e.to_string();
                prop_assert!(msg.starts_with("fuzz.md:"), "{}", msg);
            }
        }
    }
}
