//! Status updates during a guided session: field-by-field editing of the draft
//! (`incident::status_update_draft_at` writes the draft itself).

/// A line of a draft split into what stays (`prefix`, e.g. `Impact: `) and the
/// value the person edits. Lines that are not `Field: value` are edited whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DraftLine {
    pub prefix: String,
    pub field: Option<String>,
    pub value: String,
}

impl DraftLine {
    pub fn parse(line: &str) -> DraftLine {
        let field_split = line.split_once(':').filter(|(key, rest)| {
            let key = key.trim_start_matches(['-', '*', ' ']);
            !key.trim().is_empty()
                && key.chars().count() <= 40
                && (rest.is_empty() || rest.starts_with(' '))
        });
        match field_split {
            Some((key, rest)) => {
                let value = rest.trim_start();
                DraftLine {
                    prefix: line[..line.len() - value.len()].to_string(),
                    field: Some(key.trim_start_matches(['-', '*', ' ']).trim().to_string()),
                    value: value.to_string(),
                }
            }
            None => DraftLine {
                prefix: String::new(),
                field: None,
                value: line.to_string(),
            },
        }
    }

    pub fn render(&self) -> String {
        format!("{}{}", self.prefix, self.value)
    }
}

/// The draft as edited, lines that are now empty dropped and trailing blanks trimmed.
pub fn join_lines(lines: &[DraftLine]) -> String {
    lines
        .iter()
        .filter(|l| l.field.is_none() || !l.value.trim().is_empty())
        .map(DraftLine::render)
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draft_lines_split_into_field_and_value() {
        let l = DraftLine::parse("Next update: in 15 min (10:45 UTC)");
        assert_eq!(l.field.as_deref(), Some("Next update"));
        assert_eq!(l.value, "in 15 min (10:45 UTC)");
        assert_eq!(l.render(), "Next update: in 15 min (10:45 UTC)");

        let bullet = DraftLine::parse("- estado: investigando");
        assert_eq!(bullet.field.as_deref(), Some("estado"));
        assert_eq!(bullet.prefix, "- estado: ");

        let url = DraftLine::parse("see http://status.example.com");
        assert_eq!(url.field, None);
        assert_eq!(url.render(), "see http://status.example.com");
    }

    #[test]
    fn emptied_fields_are_dropped_when_joined() {
        let mut lines: Vec<DraftLine> = "State: investigating\nImpact: x\n\nfree text"
            .lines()
            .map(DraftLine::parse)
            .collect();
        lines[1].value.clear();
        assert_eq!(join_lines(&lines), "State: investigating\n\nfree text");
    }
}
