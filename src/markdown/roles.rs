//! What a heading or a bold label says a part of a runbook is for, in English and Spanish.
//!
//! Matching is on the folded text (`Diagnóstico` → `diagnostico`) with leading numbering,
//! emoji and a trailing colon removed; a role keyword must start the label and leave at
//! most a few words after it (`Diagnostic Steps`, `Acciones inmediatas`), so a title such
//! as `Diagnóstico rápido por componente` stays a title.

/// The role of a part of an incident section.
use once_cell::sync::Lazy;
use regex::Regex;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// No role known: commands are checks unless they change the system.
    Neutral,
    Symptoms,
    /// Meaning, impact, summary, context: prose shown as notes.
    Info,
    Prerequisites,
    Diagnosis,
    Action,
    Verification,
    Prevention,
    Expected,
    IfFails,
    DecisionTree,
    Causes,
    Escalation,
    LookFor,
    /// What not to do (`Anti-patterns`, `Dangerous commands (avoid …)`, `Qué no
    /// hacer`): shown, never run.
    Avoid,
}

impl Role {
    /// Roles whose commands and bullets are steps of the procedure.
    pub fn is_procedural(self) -> bool {
        matches!(
            self,
            Role::Neutral
                | Role::Prerequisites
                | Role::Diagnosis
                | Role::Action
                | Role::Verification
        )
    }

    /// Roles that show an incident section is a procedure (not reference material).
    pub fn marks_incident(self) -> bool {
        matches!(
            self,
            Role::Symptoms
                | Role::Diagnosis
                | Role::Action
                | Role::Verification
                | Role::DecisionTree
                | Role::IfFails
                | Role::Expected
                | Role::Causes
                | Role::Prevention
                | Role::Info
                | Role::Escalation
        )
    }
}

/// Keyword phrases, folded to lower-case ASCII. Longer phrases first where they overlap.
const KEYWORDS: &[(&str, Role)] = &[
    // Symptoms
    ("symptoms", Role::Symptoms),
    ("symptom", Role::Symptoms),
    ("sintomas", Role::Symptoms),
    ("sintoma", Role::Symptoms),
    ("signs", Role::Symptoms),
    ("senales", Role::Symptoms),
    ("what you see", Role::Symptoms),
    ("what you'll see", Role::Symptoms),
    ("what you will see", Role::Symptoms),
    ("how to detect", Role::Symptoms),
    ("detection", Role::Symptoms),
    ("deteccion", Role::Symptoms),
    // An alert's `*Message*:` is what the on-call sees.
    ("message", Role::Symptoms),
    // Info
    ("meaning", Role::Info),
    ("significado", Role::Info),
    ("impact", Role::Info),
    ("impacto", Role::Info),
    ("summary", Role::Info),
    ("resumen", Role::Info),
    ("overview", Role::Info),
    ("description", Role::Info),
    ("descripcion", Role::Info),
    ("context", Role::Info),
    ("contexto", Role::Info),
    ("background", Role::Info),
    ("alert details", Role::Info),
    ("notes", Role::Info),
    ("notas", Role::Info),
    ("impact assessment", Role::Info),
    ("impact analysis", Role::Info),
    ("evaluacion de impacto", Role::Info),
    ("analisis de impacto", Role::Info),
    // "When to use" says when the runbook applies, it is not a case to choose.
    ("when to use", Role::Info),
    ("when to use this runbook", Role::Info),
    ("cuando usar", Role::Info),
    ("cuando usar este runbook", Role::Info),
    ("purpose", Role::Info),
    ("proposito", Role::Info),
    ("objective", Role::Info),
    ("objetivo", Role::Info),
    // Expected output (before Diagnosis: "resultado esperado")
    ("expected output", Role::Expected),
    ("expected result", Role::Expected),
    ("expected", Role::Expected),
    ("resultado esperado", Role::Expected),
    ("salida esperada", Role::Expected),
    ("esperado", Role::Expected),
    ("should return", Role::Expected),
    ("should show", Role::Expected),
    ("debe responder", Role::Expected),
    ("deberia responder", Role::Expected),
    ("debe mostrar", Role::Expected),
    ("deberia mostrar", Role::Expected),
    ("example output", Role::Expected),
    ("sample output", Role::Expected),
    ("salida de ejemplo", Role::Expected),
    ("resultado", Role::Expected),
    ("expected response", Role::Expected),
    ("respuesta esperada", Role::Expected),
    // If it fails
    ("if it fails", Role::IfFails),
    ("if this fails", Role::IfFails),
    ("if that fails", Role::IfFails),
    ("if fails", Role::IfFails),
    ("if not", Role::IfFails),
    ("on failure", Role::IfFails),
    ("si falla", Role::IfFails),
    ("si no funciona", Role::IfFails),
    ("en caso de fallo", Role::IfFails),
    ("en caso de error", Role::IfFails),
    // Decision tree
    ("decision tree", Role::DecisionTree),
    ("arbol de decision", Role::DecisionTree),
    ("arbol de decisiones", Role::DecisionTree),
    // Causes
    ("typical causes", Role::Causes),
    ("common causes", Role::Causes),
    ("possible causes", Role::Causes),
    ("probable causes", Role::Causes),
    ("likely causes", Role::Causes),
    ("root causes", Role::Causes),
    ("root cause", Role::Causes),
    ("causes", Role::Causes),
    ("causas tipicas", Role::Causes),
    ("causas comunes", Role::Causes),
    ("causas posibles", Role::Causes),
    ("causas probables", Role::Causes),
    ("posibles causas", Role::Causes),
    ("causa raiz", Role::Causes),
    ("causas raiz", Role::Causes),
    ("causas", Role::Causes),
    ("causa", Role::Causes),
    ("cause", Role::Causes),
    ("why it happens", Role::Causes),
    ("por que ocurre", Role::Causes),
    // Look for
    ("look for", Role::LookFor),
    ("what to look for", Role::LookFor),
    ("buscar", Role::LookFor),
    ("que buscar", Role::LookFor),
    // Prevention (before Action: "acciones preventivas")
    ("prevention", Role::Prevention),
    ("preventive actions", Role::Prevention),
    ("prevent", Role::Prevention),
    ("prevencion", Role::Prevention),
    ("acciones preventivas", Role::Prevention),
    ("follow-up", Role::Prevention),
    ("follow up", Role::Prevention),
    ("seguimiento", Role::Prevention),
    ("lessons learned", Role::Prevention),
    ("lecciones aprendidas", Role::Prevention),
    ("action items", Role::Prevention),
    ("post-incident", Role::Prevention),
    ("post incident", Role::Prevention),
    ("postincident", Role::Prevention),
    ("post-incidente", Role::Prevention),
    ("mantenimiento preventivo", Role::Prevention),
    // Prerequisites
    ("prerequisites", Role::Prerequisites),
    ("pre-requisites", Role::Prerequisites),
    ("requirements", Role::Prerequisites),
    ("before you begin", Role::Prerequisites),
    ("pre checks", Role::Prerequisites),
    ("pre-checks", Role::Prerequisites),
    ("prerrequisitos", Role::Prerequisites),
    ("requisitos previos", Role::Prerequisites),
    ("requisitos", Role::Prerequisites),
    ("antes de empezar", Role::Prerequisites),
    // Verification
    ("verification", Role::Verification),
    ("verify", Role::Verification),
    ("validation", Role::Verification),
    ("validate", Role::Verification),
    ("post checks", Role::Verification),
    ("post-checks", Role::Verification),
    ("postchecks", Role::Verification),
    ("post-check", Role::Verification),
    ("confirm", Role::Verification),
    ("verificacion", Role::Verification),
    ("validacion", Role::Verification),
    ("comprobacion final", Role::Verification),
    ("confirmacion", Role::Verification),
    ("comprobacion", Role::Verification),
    ("verificar", Role::Verification),
    // Diagnosis
    ("diagnostic steps", Role::Diagnosis),
    ("diagnostics", Role::Diagnosis),
    ("diagnostic", Role::Diagnosis),
    ("diagnosis", Role::Diagnosis),
    ("diagnose", Role::Diagnosis),
    ("diagnostico", Role::Diagnosis),
    ("pasos de diagnostico", Role::Diagnosis),
    ("investigation", Role::Diagnosis),
    ("investigate", Role::Diagnosis),
    ("investigacion", Role::Diagnosis),
    ("investigar", Role::Diagnosis),
    ("triage", Role::Diagnosis),
    ("assessment", Role::Diagnosis),
    ("evaluacion", Role::Diagnosis),
    ("root cause analysis", Role::Diagnosis),
    ("analisis de causa raiz", Role::Diagnosis),
    ("possible checks", Role::Diagnosis),
    ("checks", Role::Diagnosis),
    ("health checks", Role::Diagnosis),
    ("comprobaciones", Role::Diagnosis),
    ("verificaciones", Role::Diagnosis),
    ("troubleshooting steps", Role::Diagnosis),
    ("troubleshooting", Role::Diagnosis),
    ("debugging", Role::Diagnosis),
    ("analysis", Role::Diagnosis),
    ("analisis", Role::Diagnosis),
    ("identify", Role::Diagnosis),
    ("identificacion", Role::Diagnosis),
    ("data gathering", Role::Diagnosis),
    ("data collection", Role::Diagnosis),
    ("information gathering", Role::Diagnosis),
    ("recopilacion de datos", Role::Diagnosis),
    ("recopilacion de informacion", Role::Diagnosis),
    // Action
    ("actions", Role::Action),
    ("action", Role::Action),
    ("acciones", Role::Action),
    ("accion", Role::Action),
    ("resolution steps", Role::Action),
    ("resolution", Role::Action),
    ("resolve", Role::Action),
    ("resolucion", Role::Action),
    ("resolver", Role::Action),
    ("solution", Role::Action),
    ("solutions", Role::Action),
    ("solucion", Role::Action),
    ("soluciones", Role::Action),
    ("fix", Role::Action),
    ("remediation", Role::Action),
    ("remediacion", Role::Action),
    ("mitigation", Role::Action),
    ("mitigation steps", Role::Action),
    ("mitigacion", Role::Action),
    ("mitigar", Role::Action),
    ("recovery", Role::Action),
    ("recuperacion", Role::Action),
    ("workaround", Role::Action),
    ("what to do", Role::Action),
    ("que hacer", Role::Action),
    ("pasos inmediatos", Role::Action),
    ("immediate steps", Role::Action),
    ("how to fix", Role::Action),
    ("how to resolve", Role::Action),
    ("how to mitigate", Role::Action),
    ("how to recover", Role::Action),
    ("como resolverlo", Role::Action),
    ("como resolver", Role::Action),
    ("como solucionarlo", Role::Action),
    ("como solucionar", Role::Action),
    ("rollback", Role::Action),
    ("response", Role::Action),
    ("respuesta", Role::Action),
    ("response procedure", Role::Action),
    ("response steps", Role::Action),
    ("response plan", Role::Action),
    ("procedimiento de respuesta", Role::Action),
    ("pasos de respuesta", Role::Action),
    ("plan de respuesta", Role::Action),
    // Escalation
    ("escalation", Role::Escalation),
    ("escalate", Role::Escalation),
    ("when to escalate", Role::Escalation),
    ("escalamiento", Role::Escalation),
    ("escalado", Role::Escalation),
    ("escalar", Role::Escalation),
    ("escalacion", Role::Escalation),
    ("cuando escalar", Role::Escalation),
    // Neutral lead-ins that still say "this is the procedure" (any other keyword in
    // the label wins over them: `Recovery procedure` is the Action part)
    ("commands", Role::Neutral),
    ("comandos", Role::Neutral),
    ("procedure", Role::Neutral),
    ("procedimiento", Role::Neutral),
    ("playbook", Role::Neutral),
];

/// Qualifiers that turn a fix into a follow-up: `Solución a largo plazo`, `Long-term
/// fix`, `Follow-up actions`, `Acciones de seguimiento`.
const LATER: &[&str] = &[
    "largo plazo",
    "long term",
    "long-term",
    "follow-up",
    "follow up",
    "seguimiento",
    "preventivo",
    "preventiva",
    "preventivos",
    "preventivas",
    "preventive",
];

/// Words beside a keyword must all be fillers (`Diagnostic Steps`, `Immediate
/// actions`, `Acciones inmediatas`); one more word makes the label a title.
const MAX_EXTRA_WORDS: usize = 1;

/// The role a heading or label names, if any. Runbooks repeat the same few labels
/// (`Síntomas`, `Diagnóstico`) in every section: answers are remembered per thread.
pub fn role_of(label: &str) -> Option<Role> {
    thread_local! {
        static SEEN: std::cell::RefCell<foldhash::HashMap<String, Option<Role>>> =
            std::cell::RefCell::new(foldhash::HashMap::default());
    }
    if label.len() > 120 {
        return role_of_uncached(label);
    }
    if let Some(hit) = SEEN.with(|seen| seen.borrow().get(label).copied()) {
        return hit;
    }
    let role = role_of_uncached(label);
    SEEN.with(|seen| {
        let mut seen = seen.borrow_mut();
        if seen.len() > 4096 {
            seen.clear();
        }
        seen.insert(label.to_string(), role);
    });
    role
}

fn role_of_uncached(label: &str) -> Option<Role> {
    let folded = fold_label(label);
    if names_what_to_avoid(&folded) {
        return Some(Role::Avoid);
    }
    // A trailing aside says when or how long, not what: `Immediate Actions (0-5
    // minutes)`, `Investigation (5-15 minutes)`.
    let folded = match folded.rfind(" (") {
        Some(i) if folded.ends_with(')') && i > 0 => folded[..i].trim_end().to_string(),
        _ => folded,
    };
    let folded = without_when_clause(folded);
    if folded.is_empty() {
        return None;
    }
    let mut best: Option<(usize, Role)> = None;
    for &(keyword, role) in KEYWORDS {
        let rest = match (folded.strip_prefix(keyword), folded.strip_suffix(keyword)) {
            (Some(rest), _) if rest.is_empty() || rest.starts_with([' ', '(', '/', ',', '-']) => {
                rest
            }
            (_, Some(rest)) if rest.ends_with(' ') => rest,
            _ => continue,
        };
        let extra = rest
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty() && !is_filler(w) && !part_word(w))
            .count();
        // Neutral lead-ins rank below every other keyword.
        let rank = if role == Role::Neutral {
            0
        } else {
            keyword.len()
        };
        if extra < MAX_EXTRA_WORDS && best.is_none_or(|(len, _)| rank > len) {
            best = Some((rank, role));
        }
    }
    // `Possible causes of high latency`, `Posibles causas de red`: what the causes are
    // of does not make the label a title.
    if best.is_none() {
        return [" of ", " de ", " del ", " for "]
            .iter()
            .find_map(|q| folded.split_once(q))
            .and_then(|(head, _)| role_of_uncached(head))
            .filter(|&role| role == Role::Causes);
    }
    best.map(|(_, role)| match role {
        Role::Action | Role::Neutral if LATER.iter().any(|q| has_phrase(&folded, q)) => {
            Role::Prevention
        }
        role => role,
    })
}

/// `verification after renewal` → `verification`, `verificacion posterior a la
/// restauracion` → `verificacion`: a trailing clause that says when the part comes.
fn without_when_clause(folded: String) -> String {
    const WHEN: &[&str] = &[
        " after ",
        " before ",
        " despues de",
        " antes de",
        " tras ",
        " posterior a",
        " previa a",
        " previo a",
    ];
    match WHEN.iter().filter_map(|w| folded.find(w)).min() {
        Some(i) if i > 0 => folded[..i].to_string(),
        _ => folded,
    }
}

/// Whether `phrase` occurs in `text` as whole words.
fn has_phrase(text: &str, phrase: &str) -> bool {
    text.match_indices(phrase).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + phrase.len()..].chars().next();
        !before.is_some_and(|c| c.is_ascii_alphanumeric())
            && !after.is_some_and(|c| c.is_ascii_alphanumeric())
    })
}

/// Words that do not make a label a title: articles and the modifiers role headings
/// carry (`Diagnostic Steps`, `Acciones inmediatas`, `Recommended actions`). Any other
/// word makes it a title: `Verificación falla` is a step, not the Verification part.
/// A one-word name of a procedure part (`recovery`, `symptoms`, `verificacion`): beside
/// another part's name it qualifies it, so `Recovery Verification`, `Detection &
/// Symptoms` and `Verificación de la recuperación` are parts, named by the longer
/// keyword.
fn part_word(word: &str) -> bool {
    static PARTS: Lazy<foldhash::HashSet<&str>> = Lazy::new(|| {
        KEYWORDS
            .iter()
            .filter(|(k, role)| {
                !k.contains(' ')
                    && matches!(
                        role,
                        Role::Symptoms | Role::Diagnosis | Role::Action | Role::Verification
                    )
            })
            .map(|(k, _)| *k)
            .collect()
    });
    PARTS.contains(word)
}

fn is_filler(word: &str) -> bool {
    matches!(
        word,
        "and"
            | "y"
            | "de"
            | "del"
            | "la"
            | "el"
            | "the"
            | "to"
            | "a"
            | "e"
            | "o"
            | "or"
            | "en"
            | "steps"
            | "step"
            | "pasos"
            | "paso"
            | "immediate"
            | "inmediatas"
            | "inmediata"
            | "inmediato"
            | "inmediatos"
            | "recommended"
            | "recomendadas"
            | "recomendada"
            | "recomendados"
            | "sugeridas"
            | "suggested"
            | "quick"
            | "rapido"
            | "rapida"
            | "rapidas"
            | "manual"
            | "final"
            | "finales"
            | "initial"
            | "inicial"
            | "iniciales"
            | "possible"
            | "posibles"
            | "common"
            | "comunes"
            | "typical"
            | "tipicas"
            | "further"
            | "additional"
            | "adicionales"
            | "next"
            | "siguientes"
            | "required"
            | "requeridas"
            | "optional"
            | "opcional"
            | "opcionales"
            | "short"
            | "term"
            | "long"
            | "largo"
            | "plazo"
            | "follow"
            | "up"
            | "seguimiento"
            | "preventivo"
            | "preventiva"
            | "preventivos"
            | "preventivas"
            | "preventive"
            | "observed"
            | "observados"
            | "observadas"
            | "corrective"
            | "correctivas"
            | "correctivos"
            | "correctiva"
            | "correctivo"
            | "detailed"
            | "detallado"
            | "general"
            | "plan"
            | "checklist"
            | "process"
            | "proceso"
            | "procedure"
            | "procedures"
            | "procedimiento"
            | "procedimientos"
            | "future"
            | "futura"
            | "futuro"
            | "notes"
            | "details"
            | "detalles"
            | "output"
            | "salida"
            | "result"
            | "results"
            | "resultados"
            | "commands"
            | "comandos"
    )
}

/// Folded label: ASCII lower case, no numbering (`1.`, `2)`, `Step 3:`), no emoji, no
/// trailing colon.
pub fn fold_label(label: &str) -> String {
    // The rules ask one label many questions in a row (a condition? an "otherwise"? a
    // variant? a severity?): the last few foldings are remembered per thread.
    thread_local! {
        static RECENT: std::cell::RefCell<std::collections::VecDeque<(String, String)>> =
            std::cell::RefCell::new(std::collections::VecDeque::with_capacity(RECENT_FOLDS));
    }
    if let Some(hit) = RECENT.with(|recent| {
        recent
            .borrow()
            .iter()
            .find(|(raw, _)| raw == label)
            .map(|(_, folded)| folded.clone())
    }) {
        return hit;
    }
    let folded = fold_label_uncached(label);
    RECENT.with(|recent| {
        let mut recent = recent.borrow_mut();
        if recent.len() == RECENT_FOLDS {
            recent.pop_back();
        }
        recent.push_front((label.to_string(), folded.clone()));
    });
    folded
}

/// Whether `fold_label(label)` can start with a letter of `letters` (lower case): a
/// cheap test that spares folding most labels a rule asks about. Folding keeps ASCII
/// letters as they are (lower-cased) and only trims or keeps the ASCII non-letters
/// before them, so when the first character that is not an ASCII non-letter is an
/// ASCII letter, the folded label can start with no other letter. Anything else
/// (non-ASCII, which folding may turn into letters; no letter at all) may.
fn may_fold_to_start_with(label: &str, letters: &[char]) -> bool {
    match label
        .chars()
        .find(|c| !c.is_ascii() || c.is_ascii_alphabetic())
    {
        Some(c) if c.is_ascii() => letters.contains(&c.to_ascii_lowercase()),
        _ => true,
    }
}

/// How many foldings [`fold_label`] remembers.
const RECENT_FOLDS: usize = 8;

fn fold_label_uncached(label: &str) -> String {
    let clean = super::slug::clean_title_cow(label);
    // deunicode leaves ASCII as it is, and ASCII needs no Unicode lower-casing.
    let folded = if clean.is_ascii() {
        clean.to_ascii_lowercase()
    } else {
        deunicode::deunicode(&clean).to_lowercase()
    };
    let trimmed = folded
        .trim()
        .trim_start_matches(|c: char| {
            c.is_ascii_digit() || matches!(c, '.' | ')' | '-' | '#' | '*' | '_' | ' ')
        })
        .trim_end_matches([':', '.', '*', '_', ' '])
        .trim();
    let trimmed = without_letter_enumerator(trimmed);
    let bytes = trimmed.as_bytes();
    // `  ` or ` :` (one pass over byte pairs, where two substring searches cost more).
    let odd_space = bytes
        .windows(2)
        .any(|pair| pair[0] == b' ' && matches!(pair[1], b' ' | b':'));
    let single_spaced = !odd_space
        && !bytes
            .iter()
            .any(|&b| b != b' ' && (b.is_ascii_whitespace() || b == 0x0b));
    if single_spaced && trimmed.is_ascii() {
        return trimmed.to_string();
    }
    trimmed
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace(" :", ":")
}

/// `d) prevention` → `prevention`: parts lettered `A)`, `B.` like numbered ones.
fn without_letter_enumerator(folded: &str) -> &str {
    match folded.as_bytes() {
        [letter, b')' | b'.', b' ', ..] if letter.is_ascii_lowercase() => folded[3..].trim_start(),
        _ => folded,
    }
}

/// A step heading or bold label: `Step 2: Restart`, `Paso 1`, `Etapa 3 -`. Returns the
/// rest of the label (possibly empty).
pub fn step_label(label: &str) -> Option<String> {
    static STEP: Lazy<Regex> = Lazy::new(|| {
        Regex::new(r"(?i)^\W*(?:step|paso|etapa|fase|phase)\s*#?\d+\s*[:.)\-—–]*\s*(.*)$")
            .expect("static regex")
    });
    // Cheap rejection first: the label's first letter must start one of the words.
    if !may_fold_to_start_with(label, &['s', 'p', 'e', 'f']) {
        return None;
    }
    let clean = super::slug::clean_title_cow(label);
    STEP.captures(&clean)
        .map(|c| c[1].trim().trim_end_matches(':').trim().to_string())
}

/// `Option 1: Force new deployment`, `Opción B`, `Method 2`, `Alternativa 1`, `Solución
/// 2: Más memoria`, `Fix 1`.
pub fn option_label(label: &str) -> bool {
    static OPTION: Lazy<Regex> = Lazy::new(|| {
        Regex::new(
            r"(?i)^\W*(?:(?:option|opci[oó]n|method|m[eé]todo|alternative|alternativa|approach|enfoque)\s*#?(?:\d+|[A-Z])|(?:solution|soluci[oó]n|fix)\s*#?(?:\d+|(?-i:[A-H])))(?:$|[\s:.)\-—–])",
        )
        .expect("static regex")
    });
    // Cheap rejection first: the label must start with one of the words.
    let first = label
        .trim_start_matches(|c: char| !c.is_alphanumeric())
        .chars()
        .next()
        .map(|c| c.to_ascii_lowercase());
    matches!(first, Some('o' | 'm' | 'a' | 'e' | 's' | 'f'))
        && OPTION.is_match(&super::slug::clean_title_cow(label))
}

/// A label that names one variant of the same thing: a provider, platform, OS, package
/// manager or environment (`AWS EKS`, `Ubuntu/Debian`, `macOS (Homebrew)`, `En
/// producción`, `RHEL 8`, `k8s 1.29`). Every word must be such a name or a version, so
/// `Check logs` or `Restart docker` (a step) never is.
pub fn variant_label(label: &str) -> bool {
    const NAMES: &[&str] = &[
        // clouds and their Kubernetes services
        "aws",
        "amazon",
        "eks",
        "ec2",
        "ecs",
        "fargate",
        "gcp",
        "google",
        "cloud",
        "gke",
        "gce",
        "azure",
        "aks",
        "microsoft",
        "digitalocean",
        "doks",
        "openshift",
        "ibm",
        "oracle",
        "oci",
        "alibaba",
        "linode",
        "hetzner",
        "heroku",
        "rancher",
        // local clusters, runtimes, orchestrators
        "minikube",
        "kind",
        "k3s",
        "k3d",
        "microk8s",
        "kubeadm",
        "docker",
        "desktop",
        "compose",
        "docker-compose",
        "podman",
        "containerd",
        "cri-o",
        "crio",
        "nerdctl",
        "kubernetes",
        "k8s",
        "nomad",
        "swarm",
        "helm",
        "systemd",
        "sysvinit",
        "upstart",
        "launchd",
        "supervisord",
        "pm2",
        // operating systems
        "linux",
        "macos",
        "mac",
        "osx",
        "os",
        "x",
        "windows",
        "ubuntu",
        "debian",
        "centos",
        "rhel",
        "red",
        "hat",
        "fedora",
        "alpine",
        "arch",
        "suse",
        "opensuse",
        "freebsd",
        "wsl",
        "rocky",
        "almalinux",
        // package managers
        "apt",
        "apt-get",
        "yum",
        "dnf",
        "zypper",
        "apk",
        "pacman",
        "brew",
        "homebrew",
        "snap",
        "choco",
        "chocolatey",
        "winget",
        "scoop",
        "npm",
        "yarn",
        "pnpm",
        "pip",
        "pipx",
        "poetry",
        "conda",
        // environments
        "production",
        "prod",
        "produccion",
        "staging",
        "stage",
        "development",
        "dev",
        "desarrollo",
        "local",
        "qa",
        "preprod",
        "pre-production",
        "sandbox",
        "on-prem",
        "on-premise",
        "self-hosted",
        "bare",
        "metal",
        // connectors
        "on",
        "for",
        "using",
        "with",
        "en",
        "para",
        "con",
        "usando",
        "or",
        "o",
    ];
    // A set: every word of every label is looked up, and the list is long.
    static NAME_SET: Lazy<foldhash::HashSet<&str>> = Lazy::new(|| NAMES.iter().copied().collect());
    let folded = fold_label(label);
    let words = folded
        .split(|c: char| {
            c.is_whitespace() || matches!(c, '/' | '(' | ')' | '[' | ']' | ',' | ':' | '+' | '&')
        })
        .filter(|w| !w.is_empty());
    // One to five words, each a name, at least one naming a variant on its own; most
    // labels fail at their first word.
    let mut count = 0;
    let mut names_variant = false;
    for word in words {
        count += 1;
        if count > 5 {
            return false;
        }
        if version_word(word) && count > 1 {
            continue;
        }
        if !NAME_SET.contains(word) {
            return false;
        }
        names_variant |= !matches!(
            word,
            "on" | "for"
                | "using"
                | "with"
                | "en"
                | "para"
                | "con"
                | "usando"
                | "or"
                | "o"
                | "cloud"
                | "x"
                | "os"
                | "red"
                | "hat"
                | "bare"
                | "metal"
                | "desktop"
                | "compose"
        );
    }
    names_variant
}

/// `8`, `1.29`, `22.04`, `v2`, `3.x`: a version after a name (`RHEL 8`).
fn version_word(word: &str) -> bool {
    let word = word.strip_prefix('v').unwrap_or(word);
    word.starts_with(|c: char| c.is_ascii_digit())
        && word.split('.').all(|part| {
            part == "x" || (!part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
        })
}

/// The shape of a comment header or label that may name one variant among siblings:
/// `for` (or another connector) for `For CRI-O`, `example` for `Example for Calico` /
/// `Ejemplo para Flannel` / `e.g. for Weave`, `name` for a bare name of up to three
/// capitalised words, one of them a known name or unlike a plain word (`NixOS`, `Void
/// Linux`). When a sibling of the same shape
/// is a known variant (`For Docker`, `Ubuntu`), this one is a variant too, whatever it
/// names. Steps (`Restart Docker`, `Check logs`), conditions, options and sentences
/// have no shape.
pub fn variant_shape(label: &str) -> Option<&'static str> {
    if example_label(label).is_some() {
        return Some("example");
    }
    let folded = fold_label(label);
    if folded.is_empty() || folded.len() > 60 || folded.contains([':', ',', ';', '?', '!']) {
        return None;
    }
    // The shape by its words first (cheap), then the label rules that rule it out.
    let shape = word_shape(label, &folded)?;
    let other_label =
        condition_label(label) || else_label(label) || option_label(label) || or_header(label);
    (!other_label).then_some(shape)
}

/// `variant_shape` by the words of a label alone.
fn word_shape(label: &str, folded: &str) -> Option<&'static str> {
    const CONNECTORS: &[&str] = &["for", "on", "using", "with", "en", "para", "con", "usando"];
    let first = folded.split_whitespace().next()?;
    let count = folded.split_whitespace().count();
    if let Some(connector) = CONNECTORS.iter().find(|c| **c == first) {
        return (2..=5).contains(&count).then_some(*connector);
    }
    if !(1..=3).contains(&count) || imperative_word(first) {
        return None;
    }
    // A bare name: capitalised words, one of them unlike a plain English word (a known
    // name, a version, `CentOS`, `CRI-O`, `k3s`, `podman-remote`), so `Status` or `Disk
    // usage` is not.
    let clean = super::slug::clean_title_cow(label);
    let raw = || {
        clean
            .split_whitespace()
            .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
    };
    let capitalised = |w: &str| {
        w.chars()
            .next()
            .is_some_and(|c| c.is_uppercase() || c.is_ascii_digit())
    };
    // Cheapest tests first: a known name needs the word folded.
    let strong = |w: &str| {
        w.chars().skip(1).any(char::is_uppercase)
            || (w.chars().any(|c| c.is_ascii_digit()) && w.chars().any(char::is_alphabetic))
            || (w.len() > 3 && w.contains('-'))
            || version_word(&w.to_ascii_lowercase())
            || variant_label(w)
    };
    (raw().count() == count && raw().all(|w| capitalised(w) || strong(w)) && raw().any(strong))
        .then_some("name")
}

/// `Example for Calico`, `Ejemplo para Flannel`, `e.g. for Weave`, `Example (Cilium)`:
/// one example among sibling examples, each for one variant. Returns what it is for.
pub fn example_label(label: &str) -> Option<String> {
    static EXAMPLE: Lazy<Regex> = Lazy::new(|| {
        Regex::new(
            r"^(?:for example|por ejemplo|examples?|ejemplos?|e\.g\.?|eg)\s*[,:\-]?\s*(?:for|para|with|con|on|en|using|usando|de)\s+(\S.*)$|^(?:examples?|ejemplos?)\s*\((.+)\)$",
        )
        .expect("static regex")
    });
    if !may_fold_to_start_with(label, &['e', 'f', 'p']) {
        return None;
    }
    let folded = fold_label(label);
    let c = EXAMPLE.captures(&folded)?;
    let rest = c.get(1).or_else(|| c.get(2))?.as_str().trim();
    (rest.split_whitespace().count() <= 4).then(|| rest.to_string())
}

/// Prose that only joins two alternatives: `or`, `o`, `Alternatively:`, `O bien`.
pub fn or_word(text: &str) -> bool {
    let folded = fold_label(text);
    let folded = folded.trim_matches(|c: char| c.is_ascii_punctuation() || c == ' ');
    matches!(
        folded,
        "or" | "o"
            | "u"
            | "or alternatively"
            | "alternatively"
            | "alternativamente"
            | "o bien"
            | "or else"
            | "or use"
            | "or run"
            | "o usar"
            | "o ejecutar"
    )
}

/// A comment that offers another way to do what the commands above it did: `# Or use
/// the Makefile`, `# O usar el Makefile`, `# Alternatively, …`.
pub fn or_header(text: &str) -> bool {
    if !may_fold_to_start_with(text, &['o', 'a']) {
        return false;
    }
    let folded = fold_label(text);
    [
        "or ",
        "or,",
        "o ",
        "o,",
        "alternatively",
        "alternativamente",
        "o bien",
    ]
    .iter()
    .any(|w| folded.starts_with(w))
        && !folded.starts_with("o sea")
}

/// A condition label: `If Redis is down`, `Si el worker está caído`, `When ...`.
pub fn condition_label(label: &str) -> bool {
    if !may_fold_to_start_with(label, &['i', 's', 'w', 'c', 'e', 'p', 'f']) {
        return false;
    }
    // `Paso 2: Si hay errores`, `Step 3: If it still fails`: the step number is
    // decoration, the condition is what follows it.
    if let Some(rest) = step_label(label).filter(|r| !r.is_empty()) {
        return condition_label(&rest);
    }
    let folded = fold_label(label);
    ["if ", "si ", "when ", "cuando ", "en caso de "]
        .iter()
        .any(|w| folded.starts_with(w))
        && role_of(label) != Some(Role::IfFails)
}

/// A title whose last words say when the part applies: `Manual Renewal (If
/// Auto-Renewal Failed)`, `Reinicio manual (si falla el automático)`. A fallback part
/// of one procedure, not a problem of its own.
pub fn conditional_title(title: &str) -> bool {
    let Some(open) = title
        .trim_end()
        .strip_suffix(')')
        .and_then(|t| t.rfind('('))
    else {
        return false;
    };
    condition_label(&title[open + 1..])
}

/// A label for undoing an emergency measure once the trouble is over: `Recovery`,
/// `Recuperación`, `To recover`, `Once resolved`, `Una vez resuelto`.
pub fn recovery_label(label: &str) -> bool {
    let folded = fold_label(label);
    [
        "recovery",
        "recuperacion",
        "to recover",
        "para recuperar",
        "once resolved",
        "when resolved",
        "una vez resuelto",
        "cuando se resuelva",
    ]
    .iter()
    .any(|w| folded.starts_with(w))
}

/// A part that undoes the fix or brings data back from a backup: `Rollback`, `Rollback
/// plan`, `Plan de reversión`, `Restore from backup`, `Restaurar el backup`. A numbered
/// title (`3. Restore`, `Paso 2: Restaurar`) is a step of a procedure, not such a part.
pub fn reversal_label(label: &str) -> bool {
    static REVERSAL: Lazy<Regex> = Lazy::new(|| {
        Regex::new(r"^(?:(?:emergency |manual |full |emergencia )?(?:rollback|roll back|roll-back|revert|reverting|reversion|revertir|restore|restoring|restauracion|restaurar|recuperar (?:el |los |la )?(?:backup|respaldo|dump))\b|(?:plan|procedimiento|procedure|pasos|steps) (?:de |of |for )?(?:rollback|reversion|restauracion|vuelta atras|marcha atras)\b|(?:rollback|restore|reversion) (?:plan|procedure|steps)\b)")
            .expect("static regex")
    });
    let t = label.trim_start();
    if t.starts_with(|c: char| c.is_ascii_digit()) || step_label(t).is_some() {
        return false;
    }
    REVERSAL.is_match(&fold_label(t))
}

/// A title that calls itself one case among others: `Scenario A`, `Case 2: …`,
/// `Escenario B`, `Caso 1`, `Situation 3`, or one way of doing the same thing: `Via
/// dashboard` / `Via CLI`, `Desde la consola`, `Using the API` (folded).
pub fn named_case(folded: &str) -> bool {
    const MEANS: &[&str] = &[
        "via ",
        "through ",
        "using ",
        "desde ",
        "mediante ",
        "usando ",
        "por medio de ",
        "a traves de ",
    ];
    // A short name of a way, not a title that starts with one (`Using Helm:
    // Troubleshooting`).
    if MEANS.iter().any(|m| folded.starts_with(m))
        && !folded.contains(':')
        && folded.split(' ').count() <= 5
    {
        return true;
    }
    numbered_case(folded)
}

/// A title named as one of several cases: `Scenario A`, `Caso 1: CPU alta` (folded).
pub fn numbered_case(folded: &str) -> bool {
    static NAMED: Lazy<Regex> = Lazy::new(|| {
        Regex::new(r"^(?:scenario|case|situation|escenario|caso|situacion|supuesto)\s*#?(?:\d{1,2}|[a-h])(?:$|[\s:.)\-—–])")
            .expect("static regex")
    });
    NAMED.is_match(folded)
}

/// A severity field: `**Severity**: critical`, `*Severidad*: Alta`, `Priority: P1`.
pub fn severity_label(label: &str) -> bool {
    matches!(
        fold_label(label).as_str(),
        "severity"
            | "severidad"
            | "severity level"
            | "nivel de severidad"
            | "criticidad"
            | "nivel de criticidad"
            | "criticality"
            | "priority"
            | "prioridad"
            | "sev"
            | "gravedad"
    )
}

/// The session severity named by words (`critical`, `Crítica`, `P2`, `warning`), most
/// severe first: `Warning → Critical` is sev1.
pub fn severity_of(text: &str) -> Option<&'static str> {
    const LEVELS: &[(&str, &[&str])] = &[
        (
            "sev1",
            &[
                "critical", "critico", "critica", "sev0", "sev1", "p0", "p1", "blocker",
            ],
        ),
        (
            "sev2",
            &[
                "high", "major", "alta", "alto", "sev2", "p2", "urgent", "urgente",
            ],
        ),
        (
            "sev3",
            &[
                "warning",
                "warnings",
                "medium",
                "media",
                "medio",
                "sev3",
                "p3",
                "advertencia",
            ],
        ),
        (
            "sev4",
            &[
                "info",
                "informational",
                "low",
                "baja",
                "bajo",
                "minor",
                "sev4",
                "p4",
            ],
        ),
    ];
    let folded = deunicode::deunicode(text).to_lowercase();
    let words: Vec<&str> = folded
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    LEVELS
        .iter()
        .find(|(_, names)| words.iter().any(|w| names.contains(w)))
        .map(|(level, _)| *level)
}

/// The severity a heading names with a word that means nothing else (`SEV1 - DB
/// down`, `[P2] Queue backlog`, `Critical: payments failing`). `High Memory Usage` and
/// `Alta latencia` name how high a metric is, not how severe the incident.
pub fn title_severity(title: &str) -> Option<&'static str> {
    const EXPLICIT: &[&str] = &[
        "sev0",
        "sev1",
        "sev2",
        "sev3",
        "sev4",
        "p0",
        "p1",
        "p2",
        "p3",
        "p4",
        "critical",
        "critico",
        "critica",
        "blocker",
        "warning",
        "warnings",
        "advertencia",
    ];
    // `## High priority issues`, `## Alertas de severidad baja`: a group by level.
    const GROUPS: &[&str] = &[
        "priority",
        "severity",
        "prioridad",
        "severidad",
        "issues",
        "incidents",
        "incidentes",
        "problemas",
        "alerts",
        "alertas",
    ];
    let folded = deunicode::deunicode(title).to_lowercase();
    let words: Vec<&str> = folded
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let grouped = words.iter().any(|w| GROUPS.contains(w));
    words
        .iter()
        .find(|w| EXPLICIT.contains(w) || (grouped && severity_of(w).is_some()))
        .and_then(|w| severity_of(w))
}

/// `Si falla autenticación: revisar usuario/password.` → (condition, consequence). An
/// arrow wins over `:`/`,`; separators inside parentheses (`(e.g., …)`) do not count.
pub fn split_condition(lead: &str) -> (String, String) {
    let lead = lead.trim();
    let outside = |sep: &str| {
        let mut depth = 0i32;
        for (i, c) in lead.char_indices() {
            match c {
                '(' | '[' => depth += 1,
                ')' | ']' => depth -= 1,
                _ if depth <= 0 && lead[i..].starts_with(sep) => return Some((i, sep.len())),
                _ => {}
            }
        }
        None
    };
    let arrow = ["→", "->", "=>"].iter().find_map(|sep| outside(sep));
    let comma_or_colon = [":", ","].iter().filter_map(|sep| outside(sep)).min();
    match arrow.or(comma_or_colon) {
        Some((i, len)) => (
            lead[..i].trim().to_string(),
            lead[i + len..]
                .trim()
                .trim_end_matches('.')
                .trim()
                .to_string(),
        ),
        None => (lead.trim_end_matches(':').to_string(), String::new()),
    }
}

/// The "none of the above" case of a condition: `Otherwise`, `Else, …`, `Si no`,
/// `De lo contrario, …`. `Si no hay pods` is a negated condition, not this.
pub fn else_label(label: &str) -> bool {
    if !may_fold_to_start_with(label, &['o', 'e', 'd', 's', 'i']) {
        return false;
    }
    let folded = fold_label(label);
    let starts = |w: &str| {
        folded
            .strip_prefix(w)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with([',', ':', ' ']))
    };
    let bare = |w: &str| {
        folded
            .strip_prefix(w)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with([',', ':']))
    };
    [
        "otherwise",
        "else",
        "de lo contrario",
        "en caso contrario",
        "en otro caso",
    ]
    .iter()
    .any(|w| starts(w))
        || [
            "si no",
            "sino",
            "if not",
            "if none of the above",
            "if none apply",
        ]
        .iter()
        .any(|w| bare(w))
}

/// How a condition speaks of the step before it. `Outcome`: that step failed (`If it
/// fails`, `If container won't start`, `Si falla al iniciar`, `Si no responde`);
/// `Persists`: the state it checked is still there (`If pods are still pending`, `Si
/// sigue caído`); `Other`: anything else (`If there are no pods`), which a person judges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConditionSense {
    Outcome,
    Persists,
    Other,
}

pub fn condition_sense(condition: &str) -> ConditionSense {
    static OUTCOME: Lazy<Regex> = Lazy::new(|| {
        Regex::new(
            r"\b(?:fails?|failed|failing|won'?t|wont|doesn'?t (?:start|work|help|come|respond|recover)|does not (?:start|work|help|come|respond|recover)|did ?n[o']t (?:work|help|start)|not (?:working|responding|starting)|falla|fallan|fallo|no (?:funciona|funcionan|responde|responden|arranca|arrancan|inicia|inician|levanta|levantan|sirve|ayuda|resuelve|soluciona))\b",
        )
        .expect("static regex")
    });
    static PERSISTS: Lazy<Regex> = Lazy::new(|| {
        Regex::new(r"\b(?:still|persists?|remains?|sigue|siguen|persiste|persisten|todavia|aun)\b")
            .expect("static regex")
    });
    let folded = fold_label(condition);
    if OUTCOME.is_match(&folded) {
        ConditionSense::Outcome
    } else if PERSISTS.is_match(&folded) {
        ConditionSense::Persists
    } else {
        ConditionSense::Other
    }
}

/// An `Outcome` condition that judges the effect, not the exit status: "If that didn't
/// work", "If this doesn't help", "Si no funciona", "Si no lo resuelve". After an action
/// it asks whether the action helped; the action may well have succeeded.
pub fn judged_outcome(condition: &str) -> bool {
    static JUDGED: Lazy<Regex> = Lazy::new(|| {
        Regex::new(r"\b(?:(?:did|does|do|is|was) ?n[o']?t|won'?t|not) (?:work|help|fix|solve|resolve)|\bno (?:(?:lo|la|se) )?(?:funciona|funciono|funcionan|ayuda|ayudo|resuelve|resolvio|soluciona|soluciono|sirve|sirvio|arregla|arreglo)\b")
            .expect("static regex")
    });
    JUDGED.is_match(&fold_label(condition))
}

/// A comment that only names where or with what the commands below run: `# Docker`,
/// `# Kubernetes`, `# En el servidor`, `# On the host`, `# Local`. It says nothing about
/// what the step does, so it titles no step.
pub fn context_label(label: &str) -> bool {
    const CONTEXT: &[&str] = &[
        "docker",
        "compose",
        "kubernetes",
        "k8s",
        "kubectl",
        "openshift",
        "podman",
        "systemd",
        "helm",
        "local",
        "localhost",
        "remote",
        "remoto",
        "production",
        "produccion",
        "prod",
        "staging",
        "server",
        "servidor",
        "host",
        "node",
        "nodo",
        "container",
        "contenedor",
        "pod",
        "vm",
        "linux",
        "macos",
        "mac",
        "windows",
        "ubuntu",
        "debian",
        "centos",
        "rhel",
        "aws",
        "gcp",
        "azure",
        "ecs",
        "eks",
        "gke",
        "machine",
        "maquina",
        "workstation",
        "bastion",
        "cluster",
    ];
    const FILLER: &[&str] = &[
        "en", "el", "la", "los", "on", "the", "in", "a", "from", "desde", "tu", "your", "via",
        "con", "with", "using", "inside", "dentro", "del", "de", "mode", "modo", "if", "si",
        "using", "usando",
    ];
    let folded = fold_label(label);
    let words: Vec<&str> = folded
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    (1..=4).contains(&words.len())
        && words.iter().any(|w| CONTEXT.contains(w))
        && words
            .iter()
            .all(|w| CONTEXT.contains(w) || FILLER.contains(w))
}

/// A lead-in that announces a list of causes: "There are two possible causes:", "Puede
/// deberse a:". Only its last sentence counts.
pub fn causes_lead_in(text: &str) -> bool {
    let folded = fold_label(text);
    let last = folded
        .rsplit(['.', '!', '?'])
        .find(|s| !s.trim().is_empty())
        .unwrap_or("");
    [
        "causes",
        "possible causes",
        "caused by",
        "causas",
        "causado por",
        "causada por",
        "deberse a",
        "se debe a",
    ]
    .iter()
    .any(|p| has_phrase(last, p))
}

/// Lead-ins too generic to title a step: `Commands:`, `Comando ejemplo:`.
pub fn generic_lead_in(label: &str) -> bool {
    let folded = fold_label(label);
    folded.is_empty()
        || [
            "commands",
            "command",
            "comandos",
            "comando",
            "comando ejemplo",
            "comandos de referencia",
            "example",
            "ejemplo",
            "for example",
            "por ejemplo",
            "run",
            "ejecutar",
            "code",
            "codigo",
            "usage",
            "uso",
            "esto",
            "this",
        ]
        .contains(&folded.as_str())
}

/// Project-README sections: how to install, build, test or contribute. Their commands
/// are not an incident's steps (`## Installation`: "Run `make install`").
pub fn setup_title(title: &str) -> bool {
    const WORDS: &[&str] = &[
        "installation",
        "install",
        "installing",
        "instalacion",
        "instalar",
        "setup",
        "set up",
        "getting started",
        "quick start",
        "quickstart",
        "inicio rapido",
        "primeros pasos",
        "usage",
        "uso",
        "modo de uso",
        "how to use",
        "como usar",
        "contributing",
        "contribuir",
        "contribucion",
        "development",
        "desarrollo",
        "building",
        "build",
        "compilacion",
        "license",
        "licencia",
    ];
    // `Uso de scripts` is a README part, `Uso de CPU` a metric: only these may follow.
    const SETUP_QUALIFIERS: &[&str] = &[
        "guide",
        "guia",
        "instructions",
        "instrucciones",
        "locally",
        "local",
        "notes",
        "de",
        "del",
        "la",
        "los",
        "el",
        "the",
        "scripts",
        "script",
        "tool",
        "herramienta",
        "steps",
        "pasos",
        "basico",
        "basica",
    ];
    // Tests are also what a runbook runs (`Pruebas de segmentación`): only the bare
    // README heading counts.
    const TESTING: &[&str] = &["testing", "tests", "running tests", "pruebas", "test"];
    let folded = fold_label(title);
    if TESTING.contains(&folded.as_str()) {
        return true;
    }
    WORDS.iter().any(|w| {
        folded.strip_prefix(w).is_some_and(|rest| {
            rest.is_empty()
                || rest.starts_with([':', '('])
                || (rest.starts_with(' ')
                    && rest.split_whitespace().count() <= 2
                    && rest
                        .split_whitespace()
                        .all(|w| SETUP_QUALIFIERS.contains(&w)))
        })
    })
}

/// A document title that names a deployment or installation guide (`Guía de
/// despliegue`, `Deploying the billing service`, `Installation guide`): its parts are
/// the steps of one procedure, not incidents. A runbook or troubleshooting guide is not.
pub fn guide_title(title: &str) -> bool {
    const GUIDE: &[&str] = &[
        "deploy",
        "deployment",
        "deploying",
        "despliegue",
        "desplegar",
        "install",
        "installation",
        "installing",
        "instalacion",
        "instalar",
        "setup",
        "provisioning",
        "aprovisionamiento",
        "onboarding",
    ];
    const RUNBOOK: &[&str] = &[
        "runbook",
        "runbooks",
        "playbook",
        "incident",
        "incidents",
        "incidente",
        "incidentes",
        "troubleshooting",
        "operations",
        "operaciones",
        "operacional",
        "operativo",
        "oncall",
        "guardia",
        "rollback",
        "revertir",
        "recovery",
        "recuperacion",
        "restore",
        "restauracion",
        "disaster",
        "desastres",
        "alert",
        "alerts",
        "alerta",
        "alertas",
    ];
    let folded = fold_label(title);
    let words: Vec<&str> = folded
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    (words.iter().any(|w| GUIDE.contains(w)) || folded.contains("puesta en marcha"))
        && !words.iter().any(|w| RUNBOOK.contains(w))
        && !problem_title(title)
}

/// A title that names a problem or an incident (`Build fails`, `Redis caído`, `Alert:
/// HighLatency`, `Issue: …`, `Runbook - Disk full`): the sign that a section's
/// commands are meant to resolve something.
pub fn problem_title(title: &str) -> bool {
    const WORDS: &[&str] = &[
        "error",
        "errors",
        "errores",
        "fail",
        "fails",
        "failed",
        "failing",
        "failure",
        "failures",
        "falla",
        "fallan",
        "fallo",
        "fallos",
        "down",
        "caido",
        "caida",
        "caidos",
        "outage",
        "incident",
        "incidents",
        "incidente",
        "incidentes",
        "issue",
        "issues",
        "problem",
        "problems",
        "problema",
        "problemas",
        "alert",
        "alerts",
        "alerta",
        "alertas",
        "crash",
        "crashes",
        "crashloop",
        "crashloopbackoff",
        "broken",
        "stuck",
        "timeout",
        "timeouts",
        "unavailable",
        "unreachable",
        "unhealthy",
        "degraded",
        "slow",
        "lento",
        "lenta",
        "full",
        "lleno",
        "llena",
        "leak",
        "oom",
        "runbook",
        "playbook",
        "troubleshooting",
    ];
    let folded = fold_label(title);
    folded
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|w| WORDS.contains(&w))
        || has_phrase(&folded, "not working")
        || has_phrase(&folded, "no funciona")
        || has_phrase(&folded, "no responde")
}

/// `1. Assess Situation`, `3. Verificar el rollback`: a numbered title that starts with
/// a verb in the imperative (English) or the infinitive (Spanish) is one step of a
/// procedure, not a topic or a case of its own.
pub fn imperative_step(title: &str) -> bool {
    let t = title.trim_start();
    let digits = t.chars().take_while(|c| c.is_ascii_digit()).count();
    if !(1..=2).contains(&digits) || !t[digits..].starts_with(['.', ')']) {
        return false;
    }
    fold_label(t)
        .split_whitespace()
        .next()
        .is_some_and(imperative_word)
}

/// A verb that opens an instruction: `Check`, `Run`, `Verificar`, `Ejecuta`.
pub fn imperative_word(word: &str) -> bool {
    let word = word.trim_matches(|c: char| !c.is_ascii_alphanumeric());
    IMPERATIVES.contains(&word)
}

/// Verbs that open a step, folded: English imperatives, Spanish infinitives and the
/// usual Spanish imperatives.
const IMPERATIVES: &[&str] = &[
    "assess",
    "check",
    "verify",
    "validate",
    "confirm",
    "monitor",
    "watch",
    "communicate",
    "notify",
    "inform",
    "announce",
    "initiate",
    "start",
    "stop",
    "begin",
    "run",
    "execute",
    "restart",
    "reboot",
    "roll",
    "rollback",
    "revert",
    "restore",
    "scale",
    "drain",
    "cordon",
    "deploy",
    "apply",
    "update",
    "upgrade",
    "collect",
    "gather",
    "identify",
    "review",
    "inspect",
    "investigate",
    "diagnose",
    "isolate",
    "clean",
    "clear",
    "remove",
    "delete",
    "fix",
    "resolve",
    "mitigate",
    "escalate",
    "document",
    "close",
    "open",
    "prepare",
    "backup",
    "test",
    "wait",
    "declare",
    "page",
    "contact",
    "record",
    "analyze",
    "analyse",
    "evaluar",
    "verificar",
    "revisar",
    "comprobar",
    "confirmar",
    "validar",
    "monitorear",
    "monitorizar",
    "vigilar",
    "comunicar",
    "notificar",
    "informar",
    "iniciar",
    "detener",
    "ejecutar",
    "reiniciar",
    "revertir",
    "restaurar",
    "escalar",
    "desplegar",
    "aplicar",
    "actualizar",
    "recopilar",
    "identificar",
    "investigar",
    "diagnosticar",
    "aislar",
    "limpiar",
    "eliminar",
    "borrar",
    "corregir",
    "resolver",
    "mitigar",
    "documentar",
    "cerrar",
    "abrir",
    "preparar",
    "respaldar",
    "probar",
    "esperar",
    "declarar",
    "contactar",
    "registrar",
    "analizar",
    "drenar",
    "ejecuta",
    "revisa",
    "verifica",
    "comprueba",
    "reinicia",
    "usa",
    "utiliza",
    "lanza",
    "corre",
    "consulta",
    "use",
];

/// A folded label naming what not to do: a part of anti-patterns or dangerous
/// commands, or one that starts by forbidding (`Never run FLUSHALL in production`).
fn names_what_to_avoid(folded: &str) -> bool {
    const PHRASES: &[&str] = &[
        "anti-pattern",
        "antipattern",
        "anti pattern",
        "antipatron",
        "anti-patron",
        "what not to do",
        "que no hacer",
        "things to avoid",
        "what to avoid",
        "que evitar",
        "dangerous commands",
        "comandos peligrosos",
        "don'ts",
        "(avoid",
        "(evitar",
        "(do not run",
        "(no ejecutar",
    ];
    const FORBIDDING: &[&str] = &["do not ", "don't ", "never ", "nunca ", "no ejecutar "];
    PHRASES.iter().any(|p| folded.contains(p))
        || FORBIDDING.iter().any(|f| folded.starts_with(f))
        || matches!(folded, "avoid" | "evitar")
}

/// Section titles that are reference material rather than a procedure someone runs.
pub fn reference_title(title: &str) -> bool {
    const WORDS: &[&str] = &[
        "indice",
        "index",
        "table of contents",
        "contents",
        "toc",
        "changelog",
        "change log",
        "historial",
        "contacts",
        "contactos",
        "contact",
        "contacto",
        "ownership",
        "owners",
        "escalation",
        "escalamiento",
        "escalado",
        "monitoring",
        "monitoreo",
        "monitorizacion",
        "dashboards",
        "dashboard",
        "alert response",
        "alert rules",
        "alertas recomendadas",
        "alerting",
        "metricas clave",
        "key metrics",
        "references",
        "referencias",
        "reference",
        "anexo",
        "appendix",
        "glossary",
        "glosario",
        "overview",
        "alcance",
        "scope",
        "objetivos",
        "servicios criticos",
        "urls",
        "links",
        "enlaces",
        "matriz de severidad",
        "severity matrix",
        "severity levels",
        "umbrales",
        "thresholds",
        "comandos comunes",
        "comandos utiles",
        "common commands",
        "useful commands",
        "diagnostic commands",
        "quick reference",
        "cheat sheet",
        "cheatsheet",
        "seguridad operacional",
        "gestion de capacidad",
        "capacity",
        "plantilla",
        "template",
        "simulacros",
        "drills",
        "revision semanal",
        "cierre",
        "postmortem",
        "procedimientos de mantenimiento",
        "maintenance",
        "mantenimiento",
        "daily operations",
        "operaciones diarias",
        "routine",
        "rutina",
        "rutinas",
        "reportar problemas",
        "reporting issues",
        "report issues",
        "getting help",
        "obtener ayuda",
        "faq",
        "operacion de incidentes",
        "last updated",
        "related",
        "see also",
        "ver tambien",
    ];
    static SET: Lazy<foldhash::HashSet<&str>> = Lazy::new(|| WORDS.iter().copied().collect());
    static LONGEST: Lazy<usize> = Lazy::new(|| WORDS.iter().map(|w| w.len()).max().unwrap_or(0));
    // A word counts when the title starts with it followed by the end, a space or a
    // colon: looking up the few prefixes that end there beats comparing every word.
    let folded = fold_label(title);
    let ends = folded.match_indices([' ', ':']).map(|(i, _)| i);
    ends.chain(std::iter::once(folded.len()))
        .take_while(|&end| end <= *LONGEST)
        .any(|end| SET.contains(&folded[..end]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lettered_parts_fold_like_numbered_ones() {
        assert_eq!(fold_label("D) Prevention"), "prevention");
        assert_eq!(fold_label("b. Diagnóstico"), "diagnostico");
        assert_eq!(fold_label("e.g. restart"), "e.g. restart");
        assert_eq!(role_of("A) Symptoms"), Some(Role::Symptoms));
        assert_eq!(
            role_of("Anti-patterns to stop immediately"),
            Some(Role::Avoid)
        );
        assert_eq!(role_of("Qué no hacer"), Some(Role::Avoid));
        assert_eq!(role_of("Avoiding split brain"), None);
    }

    #[test]
    fn titles_name_a_severity_only_with_a_word_for_it() {
        assert_eq!(title_severity("High Memory Usage Alert"), None);
        assert_eq!(title_severity("Alta latencia en la API"), None);
        assert_eq!(title_severity("🔴 CRITICAL ISSUES"), Some("sev1"));
        assert_eq!(title_severity("⚠️ WARNING ISSUES"), Some("sev3"));
        assert_eq!(title_severity("[P2] Queue backlog"), Some("sev2"));
        assert_eq!(title_severity("High priority issues"), Some("sev2"));
        assert_eq!(title_severity("Alertas de severidad baja"), Some("sev4"));
    }

    #[test]
    fn a_clause_saying_when_keeps_the_role() {
        assert_eq!(
            role_of("Verification After Renewal"),
            Some(Role::Verification)
        );
        assert_eq!(
            role_of("Verificación posterior a la restauración"),
            Some(Role::Verification)
        );
        assert_eq!(role_of("Verificación falla tras reiniciar"), None);
        assert!(conditional_title("Manual Renewal (If Auto-Renewal Failed)"));
        assert!(conditional_title(
            "Reinicio manual (si falla el automático)"
        ));
        assert!(!conditional_title("Immediate Actions (0-5 minutes)"));
        assert!(named_case("via cli"));
        assert!(named_case("desde la consola"));
        assert!(!named_case("using helm: troubleshooting"));
    }

    #[test]
    fn the_letter_test_never_rejects_a_label_folding_to_that_letter() {
        let labels = [
            "1. If Redis is down",
            "**Si falla**:",
            "¿Si falla?",
            "🔴 Cuando el worker cae",
            "Íf accented",
            "_else_",
            "# Or use the Makefile",
            "2) Otherwise:",
            "ⓘ info",
            "Restart",
            "",
        ];
        for label in labels {
            let folded = fold_label(label);
            for letter in folded.chars().take(1).filter(char::is_ascii_lowercase) {
                assert!(may_fold_to_start_with(label, &[letter]), "{label}");
            }
        }
        assert!(!may_fold_to_start_with("Restart redis", &['i', 's']));
    }

    #[test]
    fn english_and_spanish_roles() {
        assert_eq!(role_of("Síntomas"), Some(Role::Symptoms));
        assert_eq!(role_of("Symptoms:"), Some(Role::Symptoms));
        assert_eq!(role_of("Diagnostic Steps:"), Some(Role::Diagnosis));
        assert_eq!(role_of("Diagnóstico"), Some(Role::Diagnosis));
        assert_eq!(role_of("Resolution:"), Some(Role::Action));
        assert_eq!(role_of("Acciones"), Some(Role::Action));
        assert_eq!(role_of("Acción"), Some(Role::Action));
        assert_eq!(role_of("Prevention:"), Some(Role::Prevention));
        assert_eq!(role_of("Prevención"), Some(Role::Prevention));
        assert_eq!(role_of("Esperado"), Some(Role::Expected));
        assert_eq!(role_of("Si falla"), Some(Role::IfFails));
        assert_eq!(role_of("Árbol de decisión"), Some(Role::DecisionTree));
        assert_eq!(role_of("Causas típicas"), Some(Role::Causes));
        assert_eq!(role_of("Causas comunes"), Some(Role::Causes));
        assert_eq!(role_of("Possible causes"), Some(Role::Causes));
        assert_eq!(role_of("Meaning"), Some(Role::Info));
        assert_eq!(role_of("Impact"), Some(Role::Info));
        assert_eq!(role_of("Mitigation"), Some(Role::Action));
        assert_eq!(role_of("Possible checks"), Some(Role::Diagnosis));
        assert_eq!(role_of("Investigation"), Some(Role::Diagnosis));
        assert_eq!(role_of("Solution"), Some(Role::Action));
        assert_eq!(role_of("Verification"), Some(Role::Verification));
        assert_eq!(role_of("Post checks"), Some(Role::Verification));
        assert_eq!(role_of("Prerequisites"), Some(Role::Prerequisites));
        assert_eq!(role_of("Acciones preventivas"), Some(Role::Prevention));
        assert_eq!(role_of("Comandos"), Some(Role::Neutral));
    }

    #[test]
    fn titles_are_not_roles() {
        assert_eq!(role_of("Diagnóstico rápido por componente"), None);
        assert_eq!(role_of("Webhooks Fallan"), None);
        assert_eq!(role_of("Issue: Redis Connection Failures"), None);
        assert_eq!(role_of("Fixtures"), None);
        assert_eq!(role_of("Verificación falla"), None);
        assert_eq!(role_of("Troubleshooting Runbook"), None);
        assert_eq!(role_of("Immediate actions"), Some(Role::Action));
        assert_eq!(role_of("Acciones inmediatas"), Some(Role::Action));
        assert_eq!(role_of("Check the database connection pool settings"), None);
        assert_eq!(role_of("Escalar instancia"), None);
        assert_eq!(role_of("Restart (Fastest - 2 minutes)"), None);
    }

    #[test]
    fn qualified_roles() {
        assert_eq!(
            role_of("Immediate Actions (0-5 minutes)"),
            Some(Role::Action)
        );
        assert_eq!(
            role_of("Investigation (5-15 minutes)"),
            Some(Role::Diagnosis)
        );
        assert_eq!(role_of("Síntomas observados"), Some(Role::Symptoms));
        assert_eq!(role_of("Acciones correctivas"), Some(Role::Action));
        assert_eq!(role_of("How to fix"), Some(Role::Action));
        assert_eq!(role_of("Cómo resolverlo"), Some(Role::Action));
        assert_eq!(role_of("Data gathering"), Some(Role::Diagnosis));
        assert_eq!(role_of("Impact assessment"), Some(Role::Info));
        assert_eq!(role_of("Causa"), Some(Role::Causes));
        assert_eq!(role_of("Solución a largo plazo"), Some(Role::Prevention));
        assert_eq!(role_of("Long-term fix"), Some(Role::Prevention));
        assert_eq!(role_of("Follow-up actions"), Some(Role::Prevention));
        assert_eq!(role_of("Mantenimiento preventivo"), Some(Role::Prevention));
        assert_eq!(role_of("Post-incident"), Some(Role::Prevention));
        assert_eq!(role_of("Procedimiento"), Some(Role::Neutral));
        // A neutral word never hides a role beside it.
        assert_eq!(role_of("Recovery procedure"), Some(Role::Action));
    }

    #[test]
    fn parts_named_by_two_part_words() {
        assert_eq!(role_of("Initial Assessment"), Some(Role::Diagnosis));
        assert_eq!(role_of("Evaluación inicial"), Some(Role::Diagnosis));
        assert_eq!(role_of("Response Procedures"), Some(Role::Action));
        assert_eq!(role_of("Procedimientos de respuesta"), Some(Role::Action));
        assert_eq!(role_of("Recovery Verification"), Some(Role::Verification));
        assert_eq!(
            role_of("Verificación de la recuperación"),
            Some(Role::Verification)
        );
        assert_eq!(role_of("Detection & Symptoms"), Some(Role::Symptoms));
        assert_eq!(role_of("Acciones de mitigación"), Some(Role::Action));
        assert_eq!(role_of("Análisis de causa raíz"), Some(Role::Diagnosis));
        assert_eq!(role_of("Prevención futura"), Some(Role::Prevention));
        assert_eq!(role_of("Expected response"), Some(Role::Expected));
        // Another word still makes a title.
        assert_eq!(role_of("Response time"), None);
        assert_eq!(role_of("Emergency Procedures"), None);
    }

    #[test]
    fn severity_fields() {
        assert!(severity_label("Severity"));
        assert!(severity_label("Severidad:"));
        assert!(!severity_label("Severity matrix"));
        assert_eq!(severity_of("CRITICAL"), Some("sev1"));
        assert_eq!(severity_of("Crítica"), Some("sev1"));
        assert_eq!(severity_of("Alta"), Some("sev2"));
        assert_eq!(severity_of("Warning → Critical"), Some("sev1"));
        assert_eq!(severity_of("see the matrix"), None);
        assert_eq!(severity_of("P0 - Critical"), Some("sev1"));
        assert!(severity_label("🔴 Criticidad"));
    }

    #[test]
    fn steps_options_conditions() {
        assert_eq!(
            step_label("Step 2: Restart the pod").as_deref(),
            Some("Restart the pod")
        );
        assert_eq!(step_label("Paso 1").as_deref(), Some(""));
        assert!(step_label("Steps").is_none());
        assert!(option_label("Option 1: Force new deployment"));
        assert!(option_label("Opción 2"));
        assert!(option_label("Method 3 - rollback"));
        assert!(!option_label("Optional cleanup"));
        assert!(option_label("Solución 1: Arranques en frío"));
        assert!(option_label("Fix 2 - More memory"));
        assert!(!option_label("Solution"));
        assert!(!option_label("Fix the disk"));
        assert!(!option_label("Fix a stuck release"));
        assert!(!option_label("Solución a largo plazo"));
        assert!(reversal_label("Rollback"));
        assert!(reversal_label("Plan de reversión"));
        assert!(reversal_label("Restore from backup"));
        assert!(reversal_label("Restaurar el backup:"));
        assert!(!reversal_label("3. Verificar el rollback"));
        assert!(!reversal_label("Paso 2: Restaurar"));
        assert!(!reversal_label("Backup"));
        assert!(condition_label("Si worker está caído:"));
        assert!(condition_label("If Redis is down"));
        assert!(!condition_label("Si falla"));
        assert!(else_label("Otherwise, scale out"));
        assert!(else_label("Si no:"));
        assert!(else_label("De lo contrario"));
        assert!(!else_label("Si no hay pods de Calico, instalar CNI"));
        assert!(!else_label("Elsewhere"));
        use ConditionSense::*;
        assert_eq!(condition_sense("If container won't start"), Outcome);
        assert_eq!(condition_sense("Si falla al iniciar"), Outcome);
        assert_eq!(condition_sense("Si el servicio no responde"), Outcome);
        assert_eq!(condition_sense("If the restart does not help"), Outcome);
        assert_eq!(condition_sense("If pods are still pending"), Persists);
        assert!(context_label("Docker"));
        assert!(context_label("En el servidor"));
        assert!(context_label("Kubernetes"));
        assert!(context_label("On the host"));
        assert!(!context_label("Usage"));
        assert!(!context_label("Restart Docker"));
        assert!(!context_label("Ver logs del contenedor"));
        assert!(judged_outcome("If that didn't work"));
        assert!(judged_outcome("If this doesn't help"));
        assert!(judged_outcome("Si no funciona"));
        assert!(judged_outcome("Si no lo resuelve"));
        assert!(!judged_outcome("If it fails"));
        assert!(!judged_outcome("Si falla"));
        assert!(!judged_outcome("If container won't start"));
        assert_eq!(condition_sense("Si sigue caído"), Persists);
        assert_eq!(condition_sense("Si no hay pods de Calico"), Other);
        assert_eq!(condition_sense("If there are problems"), Other);
        assert!(variant_label("AWS EKS"));
        assert!(variant_label("GCP GKE:"));
        assert!(variant_label("Ubuntu/Debian"));
        assert!(variant_label("macOS (Homebrew)"));
        assert!(variant_label("En producción"));
        assert!(!variant_label("Check logs"));
        assert!(!variant_label("Restart docker"));
        assert!(!variant_label("Step 1"));
        assert!(!variant_label("On"));
        assert!(variant_label("For CRI-O"));
        assert!(variant_label("RHEL 8"));
        assert!(variant_label("k8s 1.29"));
        assert!(variant_label("Amazon Linux 2"));
        assert!(variant_label("macOS/Homebrew"));
        assert!(!variant_label("8"));
        assert!(!variant_label("On 2"));
        assert_eq!(variant_shape("For CRI-O"), Some("for"));
        assert_eq!(variant_shape("For Quux 3.1"), Some("for"));
        assert_eq!(variant_shape("NixOS"), Some("name"));
        assert_eq!(variant_shape("Void Linux"), Some("name"));
        assert_eq!(variant_shape("Status"), None);
        assert_eq!(variant_shape("podman-remote"), Some("name"));
        assert_eq!(variant_shape("Disk Usage"), None);
        assert_eq!(variant_shape("Example for Calico"), Some("example"));
        assert_eq!(variant_shape("Ejemplo para Flannel"), Some("example"));
        assert_eq!(variant_shape("Restart Docker"), None);
        assert_eq!(variant_shape("Verify"), None);
        assert_eq!(variant_shape("check the logs"), None);
        assert_eq!(variant_shape("If it fails"), None);
        assert_eq!(example_label("e.g. for Weave").as_deref(), Some("weave"));
        assert_eq!(example_label("Example output"), None);
        assert!(named_case("scenario a"));
        assert!(named_case("caso 2: sigue fallando"));
        assert!(!named_case("case studies"));
        assert!(or_word("or"));
        assert!(or_word("O bien:"));
        assert!(!or_word("or restart it"));
        assert!(or_header("O usar el Makefile"));
        assert!(or_header("Or, with make"));
        assert!(!or_header("Output: ok"));
        assert_eq!(
            split_condition("If events indicate throttling (e.g., 429), wait: retry later"),
            (
                "If events indicate throttling (e.g., 429)".to_string(),
                "wait: retry later".to_string()
            )
        );
    }

    #[test]
    fn reference_titles() {
        assert!(reference_title("Monitoring & Alerting"));
        assert!(reference_title("🔍 DIAGNOSTIC COMMANDS"));
        assert!(reference_title("Contactos"));
        assert!(reference_title("21) Anexo: comandos útiles"));
        assert!(!reference_title("Webhooks Fallan"));
        assert!(!reference_title("Redis Desconectado"));
    }
}
