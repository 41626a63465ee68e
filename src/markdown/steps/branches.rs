//! Decisions and failure branches: opening and closing `Frame::Alt` and `Frame::Fail`,
//! options, and the `If …`/`Si …` cases written as comments in a block.

use super::{Branch, Family, Frame, Item, ITEM_LEVEL, LABEL_LEVEL};
use crate::graph::NodeKind;
use crate::markdown::chunks::{self, Chunk};
use crate::markdown::roles;
use once_cell::sync::Lazy;
use regex::Regex;

impl super::Walker {
    /// Closes alternatives and failure branches that a heading of `level` ends, except
    /// the alternatives it continues (`### Option 2` after `### Option 1`).
    pub(super) fn close_frames_at(&mut self, level: u8, family: Option<Family>) {
        loop {
            let close = match self.frames.last() {
                Some(Frame::Alt {
                    level: l,
                    family: f,
                    ..
                }) => *l > level || (*l == level && Some(*f) != family),
                Some(Frame::Fail { level: l, .. }) => *l >= level,
                _ => false,
            };
            if !close {
                break;
            }
            self.close_frame();
        }
    }

    /// `### Otherwise` continues the `### If …` cases open at its level.
    pub(super) fn open_condition_at(&self, level: u8) -> bool {
        self.frames.iter().rev().any(
            |f| matches!(f, Frame::Alt { level: l, family: Family::Condition, .. } if *l == level),
        )
    }

    pub(super) fn close_label_frames(&mut self) {
        while matches!(
            self.frames.last(),
            Some(Frame::Alt {
                level: LABEL_LEVEL,
                ..
            }) | Some(Frame::Fail {
                level: LABEL_LEVEL,
                ..
            })
        ) {
            self.close_frame();
        }
    }

    pub(super) fn open_branch(&mut self, family: Family, label: &str, level: u8, line: usize) {
        let continues = matches!(
            self.frames.last(),
            Some(Frame::Alt { level: l, family: f, .. }) if *l == level && *f == family
        );
        if !continues {
            self.open_decision(family, level, line);
        }
        self.add_branch(label, line);
        let rest = option_rest(label);
        match family {
            Family::Option if !rest.is_empty() => self.title = Some((rest, line)),
            // `### Issue: Rollback stuck`: its first step is about that scenario.
            Family::Scenario if !rest.is_empty() => self.title = Some((rest, line)),
            Family::Scenario => self.title = Some((label.trim().to_string(), line)),
            _ => {}
        }
    }

    /// A decision node whose choices the branches added next become.
    pub(super) fn open_decision(&mut self, family: Family, level: u8, line: usize) {
        let question = self.question(family);
        let decision = self.new_node(NodeKind::Decision, &question, line);
        self.frames.push(Frame::Alt {
            decision: Box::new(decision),
            branches: Vec::new(),
            level,
            family,
        });
    }

    /// "If that didn't work" after an action: the person judges whether it helped.
    pub(super) fn open_helped_decision(&mut self, level: u8, line: usize) {
        let question = self.helped_question();
        let decision = self.new_node(NodeKind::Decision, question, line);
        self.frames.push(Frame::Alt {
            decision: Box::new(decision),
            branches: Vec::new(),
            level,
            family: Family::Condition,
        });
    }

    fn helped_question(&self) -> &'static str {
        if self.spanish {
            "¿Funcionó?"
        } else {
            "Did that help?"
        }
    }

    /// A condition that judges whether the last step, an action, helped ("If that didn't
    /// work", "Si no funciona", "Si el problema persiste"): not its exit status.
    pub(super) fn judged_after_action(&mut self, condition: &str) -> bool {
        let Some(id) = self.last_command.clone() else {
            return false;
        };
        let judged = match roles::condition_sense(condition) {
            roles::ConditionSense::Outcome => roles::judged_outcome(condition),
            // "Si el problema persiste", "If the issue persists": the symptom itself.
            // "If pods are still pending" names a state of its own: a plain case.
            roles::ConditionSense::Persists => generic_persists(condition),
            roles::ConditionSense::Other => false,
        };
        judged
            && !roles::else_label(condition)
            && self
                .node_mut(&id)
                .is_some_and(|n| n.kind == NodeKind::Action)
    }

    pub(super) fn question(&self, family: Family) -> String {
        match (family, self.spanish) {
            (Family::Option, true) => "¿Qué opción?".into(),
            (Family::Option, false) => "Which option?".into(),
            (Family::Condition | Family::Scenario, true) => "¿Qué caso aplica?".into(),
            (Family::Condition | Family::Scenario, false) => "Which case applies?".into(),
        }
    }

    pub(super) fn close_frame(&mut self) {
        if matches!(
            self.frames.last(),
            Some(Frame::Alt {
                level: 1..=LABEL_LEVEL,
                family: Family::Condition,
                ..
            })
        ) {
            // `### If the restart does not help`: it may help, and then the steps go on.
            self.add_otherwise();
        }
        if matches!(
            self.frames.last(),
            Some(Frame::Alt {
                family: Family::Scenario,
                ..
            })
        ) {
            let none = if self.spanish {
                "Ninguno"
            } else {
                "None of these"
            };
            self.add_way_past(none);
        } else if let Some(count) = self.optional_options() {
            // One optional step: run it or skip it. Several: one of them, or none.
            let none = match (count, self.spanish) {
                (1, true) => "Omitir",
                (1, false) => "Skip",
                (_, true) => "Ninguna",
                (_, false) => "None",
            };
            self.add_way_past(none);
        }
        let Some(frame) = self.frames.pop() else {
            return;
        };
        match frame {
            Frame::Main(items) => self.frames.push(Frame::Main(items)),
            Frame::Alt {
                decision, branches, ..
            } => {
                let branches: Vec<Branch> = branches
                    .into_iter()
                    .filter(|b| !b.items.is_empty() || b.link.is_some() || !b.label.is_empty())
                    .collect();
                self.push(Item::Branches { decision, branches });
            }
            Frame::Fail { check, items, .. } => {
                if !items.is_empty() {
                    self.out.on_fail.entry(check).or_default().extend(items);
                }
            }
        }
    }

    /// `# If …` comments in a block (`# If pods are still pending, add a node`, `# Si
    /// falla, ver logs`, `# Otherwise …`): their commands never run right after the step
    /// above as if nothing happened. A single case that says the step above failed (or,
    /// after a check, that its trouble is still there) is that step's `fail` branch; any
    /// other case is a decision whose last choice, "Otherwise", goes on without it.
    pub(super) fn cases(&mut self, line: usize, chunks: Vec<Chunk>) {
        // A title above the block named what comes first, not these cases.
        self.title = None;
        let label_of = |c: &Chunk| roles::split_condition(c.title.as_deref().unwrap_or_default());
        if let [chunk] = chunks.as_slice() {
            if let Some(check) = self.fail_target(&label_of(chunk).0) {
                let chunk = chunk.clone();
                self.frames.push(Frame::Fail {
                    check,
                    items: Vec::new(),
                    level: ITEM_LEVEL,
                });
                self.case_steps(chunk);
                self.close_frame();
                return;
            }
        }
        let helped = match chunks.as_slice() {
            [chunk] => self.judged_after_action(&label_of(chunk).0),
            _ => false,
        };
        if helped {
            self.open_helped_decision(ITEM_LEVEL, line);
        } else {
            self.open_decision(Family::Condition, ITEM_LEVEL, line);
        }
        for chunk in chunks {
            self.add_branch(&label_of(&chunk).0, chunk.line);
            self.case_steps(chunk);
        }
        self.add_otherwise();
        self.close_frame();
    }

    /// The steps of one case: its consequence (`add a node`) titles them.
    pub(super) fn case_steps(&mut self, mut chunk: Chunk) {
        let title = chunk.title.clone().unwrap_or_default();
        let (condition, consequence) = roles::split_condition(&title);
        // `# If the deployment failed` says nothing to do: the case itself titles its steps.
        let title = if consequence.is_empty() && !roles::else_label(&condition) {
            condition
        } else {
            consequence
        };
        chunk.numbered = !title.is_empty();
        chunk.title = Some(title).filter(|c| !c.is_empty());
        self.branch_chunk_steps(chunk);
    }

    /// A chunk that is a whole branch: split after a never-ending command inside it.
    pub(super) fn branch_chunk_steps(&mut self, chunk: Chunk) {
        self.last_command = None;
        for piece in chunks::split_after_watch(chunk) {
            self.chunk_steps(piece, None, false);
        }
    }

    /// The check a failure case hangs off: the step above, when the case says that step
    /// failed, or that the trouble a check looked at is still there.
    pub(super) fn fail_target(&mut self, condition: &str) -> Option<String> {
        let id = self.last_command.clone()?;
        if self.judged_after_action(condition) {
            // The action ran; whether it helped is for a person to say.
            return None;
        }
        // "# Si no, reiniciar servicios" right under what a check must show ("# Debe
        // mostrar: gtid_mode = ON"): the check's failure.
        let expects =
            |n: &mut crate::graph::Node| n.kind == NodeKind::Check && !n.expect.is_empty();
        if roles::else_label(condition) && self.node_mut(&id).is_some_and(expects) {
            return Some(id);
        }
        match roles::condition_sense(condition) {
            roles::ConditionSense::Outcome
                if !roles::else_label(condition) && self.about_step(&id, condition) =>
            {
                Some(id)
            }
            roles::ConditionSense::Persists => self
                .node_mut(&id)
                .filter(|n| n.kind == NodeKind::Check)
                .map(|_| id),
            _ => None,
        }
    }

    /// A failure condition about step `id` itself: no subject (`if it fails`, `si falla`,
    /// `if that didn't work`), or one the step names (`if the restart fails` after
    /// `systemctl restart app`). `If the deployment failed` after `free -h` is not.
    fn about_step(&mut self, id: &str, condition: &str) -> bool {
        let subject = condition_subject(condition);
        if subject.is_empty() {
            return true;
        }
        let Some(node) = self.node_mut(id) else {
            return false;
        };
        let mut named = roles::fold_label(&format!(
            "{} {}",
            node.title,
            node.command.as_deref().unwrap_or_default()
        ));
        for (things, programs) in THINGS_PROGRAMS_ACT_ON {
            if programs.iter().any(|p| named.contains(p)) {
                named.push(' ');
                named.push_str(things);
            }
        }
        subject.iter().all(|w| {
            let stem = &w[..w.len().min(6)];
            named.contains(stem)
        })
    }

    /// The way past a decision on conditions: "Otherwise" / "Si no", unless the author
    /// wrote one.
    pub(super) fn add_otherwise(&mut self) {
        // "Did that help?": the way past is that it did.
        let helped = matches!(
            self.frames.last(),
            Some(Frame::Alt { decision, .. }) if decision.title == self.helped_question()
        );
        let label = match (helped, self.spanish) {
            (true, true) => "Sí, funcionó",
            (true, false) => "Yes, it helped",
            (false, true) => "Si no",
            (false, false) => "Otherwise",
        };
        self.add_way_past(label);
    }

    /// Options none of which has to be taken: one says so (`if needed`, `optional`,
    /// `last resort`, `use with caution`, `si es necesario`, `only if …`). Returns how
    /// many there are (one: an optional step, see `open_optional`). Options the author
    /// just lists (`# Option 1/2/3`) stay the choices they wrote, destructive or not: a
    /// person can still stop the run at any decision.
    fn optional_options(&self) -> Option<usize> {
        let Some(Frame::Alt {
            family: Family::Option,
            branches,
            ..
        }) = self.frames.last()
        else {
            return None;
        };
        branches
            .iter()
            .any(|b| optional_label(&b.label))
            .then_some(branches.len())
    }

    /// A step the author calls optional (`### Restart Redis if needed`, `# 2. Reiniciar
    /// el servicio si es necesario`, `Flush the cache only if …`): never run as if it
    /// were the next step. It is a decision, `Restart Redis if needed?`, whose one choice
    /// (labelled by the title) holds the step and whose other, `Skip` / `Omitir`, goes on
    /// without it (`close_frame`). The decision's id is the title's plus `-or-skip` /
    /// `-u-omitir`, so the step keeps its own.
    pub(super) fn open_optional(&mut self, title: &str, level: u8, line: usize) {
        let title = title.trim().trim_end_matches([':', '.']).trim();
        let (suffix, question) = if self.spanish {
            ("u-omitir", format!("¿{title}?"))
        } else {
            ("or-skip", format!("{title}?"))
        };
        let decision = self.new_suffixed_node(NodeKind::Decision, &question, title, suffix, line);
        self.frames.push(Frame::Alt {
            decision: Box::new(decision),
            branches: Vec::new(),
            level,
            family: Family::Option,
        });
        self.add_branch(title, line);
    }

    /// `title` makes an optional step (see `open_optional`) here: it says so, the
    /// section is not authored, and it is not the choice already open for it (the
    /// heading `### Restart Redis if needed` titling the block under it).
    pub(super) fn optional_step(&self, title: &str) -> bool {
        let title = title.trim().trim_end_matches([':', '.']).trim();
        !self.authored
            && optional_label(title)
            && !roles::condition_label(title)
            && !self.frames.iter().any(|f| {
                matches!(f, Frame::Alt { branches, .. }
                    if branches.last().is_some_and(|b| b.label == title))
            })
    }

    /// Adds a choice that goes on past the decision, unless one already does.
    fn add_way_past(&mut self, label: &str) {
        if let Some(Frame::Alt { branches, .. }) = self.frames.last_mut() {
            if !branches.iter().any(|b| roles::else_label(&b.label)) {
                let line = branches.last().map_or(0, |b| b.line);
                branches.push(Branch {
                    label: label.into(),
                    items: Vec::new(),
                    link: None,
                    text: String::new(),
                    line,
                });
            }
        }
    }

    pub(super) fn add_branch(&mut self, label: &str, line: usize) {
        if let Some(Frame::Alt { branches, .. }) = self.frames.last_mut() {
            branches.push(Branch {
                label: label.trim().trim_end_matches(':').trim().to_string(),
                items: Vec::new(),
                link: None,
                text: String::new(),
                line,
            });
        }
        self.last_command = None;
    }

    /// "Si falla" prose without a heading frame: a manual step taken when the last check fails.
    pub(super) fn fail_branch(&mut self, title: &str, text: &str, line: usize) {
        let Some(check) = self.last_command.clone() else {
            self.manual(title, Some(text.to_string()), line);
            return;
        };
        self.frames.push(Frame::Fail {
            check,
            items: Vec::new(),
            level: ITEM_LEVEL,
        });
        self.manual(title, Some(text.to_string()), line);
        self.close_frame();
    }

    pub(super) fn if_fails_title(&self) -> String {
        if self.spanish {
            "Si falla".into()
        } else {
            "If it fails".into()
        }
    }

    pub(super) fn in_fail_frame(&self) -> bool {
        self.frames.iter().any(|f| matches!(f, Frame::Fail { .. }))
    }
}

/// What a program acts on, for a failure case that names it (`If the container won't
/// start` after `docker restart web`).
const THINGS_PROGRAMS_ACT_ON: &[(&str, &[&str])] = &[
    (
        "container contenedor",
        &["docker", "podman", "nerdctl", "crictl", "compose"],
    ),
    ("pod", &["kubectl", "oc "]),
    (
        "service servicio daemon unit",
        &["systemctl", "service ", "supervisorctl"],
    ),
    ("process proceso", &["systemctl", "service ", "kill", "pm2"]),
];

/// The content words a failure condition says failed: `If the deployment failed` →
/// `deployment`; `If it fails`, `Si falla`, `If that didn't work` → none.
fn condition_subject(condition: &str) -> Vec<String> {
    const OUTCOME: &[&str] = &[
        "fail", "fails", "failed", "failing", "doesnt", "doesn", "does", "didnt", "didn", "did",
        "wont", "won", "not", "falla", "fallan", "fallo", "no", "still", "sigue",
    ];
    const FILLER: &[&str] = &[
        "if", "when", "si", "cuando", "en", "caso", "de", "it", "that", "this", "these", "those",
        "they", "above", "the", "command", "step", "again", "also", "esto", "eso", "este", "esta",
        "el", "la", "lo", "comando", "paso", "anterior", "aun", "todavia", "tambien", "you", "we",
        "y", "and",
    ];
    let folded = roles::fold_label(condition);
    folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take_while(|w| !OUTCOME.contains(w))
        .filter(|w| !FILLER.contains(w) && w.len() > 2)
        .map(str::to_string)
        .collect()
}

/// "If the problem persists", "Si el problema persiste", "Si persiste", "If it's still
/// failing": nothing named but the trouble itself.
fn generic_persists(condition: &str) -> bool {
    const WORDS: &[&str] = &[
        "if",
        "si",
        "the",
        "el",
        "la",
        "los",
        "las",
        "it",
        "its",
        "s",
        "this",
        "that",
        "is",
        "are",
        "esto",
        "eso",
        "problem",
        "problems",
        "issue",
        "issues",
        "error",
        "errors",
        "symptom",
        "symptoms",
        "trouble",
        "problema",
        "problemas",
        "error",
        "errores",
        "sintoma",
        "sintomas",
        "fallo",
        "fallos",
        "falla",
        "still",
        "persists",
        "persist",
        "remains",
        "sigue",
        "siguen",
        "persiste",
        "persisten",
        "todavia",
        "aun",
        "failing",
        "fallando",
    ];
    roles::fold_label(condition)
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .all(|w| WORDS.contains(&w))
}

/// A label saying its option may be skipped. The folded label is ASCII: ASCII word
/// boundaries keep the regex on its fast engine.
fn optional_label(label: &str) -> bool {
    static OPTIONAL: Lazy<Regex> = Lazy::new(|| {
        Regex::new(r"(?-u)\b(?:if (?:needed|necessary|required|applicable|available)|only (?:if|when)|optional(?:ly)?|last resort|(?:use )?with caution|si (?:es |fuera |fuese )?necesario|de ser necesario|en caso necesario|si (?:hace|hiciera) falta|si se requiere|si (?:aplica|corresponde|procede)|(?:solo|unicamente) (?:si|cuando)|opcional(?:mente)?|ultimo recurso|con (?:precaucion|cuidado))\b")
            .expect("static regex")
    });
    OPTIONAL.is_match(&roles::fold_label(label))
}

/// `Option 1: Force new deployment` → `Force new deployment`. A hyphen inside a word
/// (`For CRI-O`) separates nothing.
pub(super) fn option_rest(label: &str) -> String {
    let label = label.trim();
    let separator = label.char_indices().find(|&(i, c)| {
        matches!(c, ':' | '—' | '–' | ')')
            || (c == '-' && !label[i + 1..].starts_with(|n: char| n.is_alphanumeric()))
    });
    match separator {
        Some((i, c)) if i < 20 => label[i + c.len_utf8()..].trim().to_string(),
        _ => String::new(),
    }
}
