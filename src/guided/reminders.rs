//! Status-update reminders: how often an incident of each severity owes its
//! stakeholders an update, and whether one is due.

use crate::cli::parse_duration;
use chrono::{DateTime, Utc};
use std::time::Duration;

/// Minutes between status updates, by severity. One table so the cadence is
/// changed in one place; unknown severities fall back to the slowest.
pub const CADENCE_MINUTES: [(&str, u64); 4] =
    [("sev1", 15), ("sev2", 30), ("sev3", 60), ("sev4", 120)];

/// Overrides the cadence for every severity (`2s`, `5m`...): drills and tests
/// cannot wait fifteen minutes.
pub const UPDATE_EVERY_ENV: &str = "RUNBOOK_UPDATE_EVERY";

/// The interval between updates for `severity`, or `override_every` when set.
pub fn cadence(severity: &str, override_every: Option<Duration>) -> Duration {
    if let Some(every) = override_every {
        return every;
    }
    let minutes = CADENCE_MINUTES
        .iter()
        .find(|(sev, _)| sev.eq_ignore_ascii_case(severity.trim()))
        .or(CADENCE_MINUTES.last())
        .map_or(120, |(_, m)| *m);
    Duration::from_secs(minutes * 60)
}

/// The override from the environment. An unparsable value is reported (it
/// would otherwise silently fall back to the table) and ignored.
pub fn override_from_env() -> Option<Duration> {
    let raw = std::env::var(UPDATE_EVERY_ENV).ok()?;
    match parse_duration(&raw) {
        Ok(d) if !d.is_zero() => Some(d),
        Ok(_) => None,
        Err(e) => {
            eprintln!("runbook: ignoring {UPDATE_EVERY_ENV}: {e}");
            None
        }
    }
}

/// `15 min`, `2 h`, or `2 s` for the short overrides of drills and tests.
pub fn every_text(every: Duration) -> String {
    let secs = every.as_secs();
    match secs {
        0..=59 => format!("{} s", secs.max(1)),
        _ if secs.is_multiple_of(3600) => format!("{} h", secs / 3600),
        _ => format!("{} min", secs.div_ceil(60)),
    }
}

/// When the next status update is owed.
#[derive(Debug, Clone)]
pub struct Reminders {
    severity: String,
    override_every: Option<Duration>,
    last: DateTime<Utc>,
}

impl Reminders {
    /// The clock starts at `since` (the session start or the last update).
    pub fn new(severity: &str, override_every: Option<Duration>, since: DateTime<Utc>) -> Self {
        Reminders {
            severity: severity.to_string(),
            override_every,
            last: since,
        }
    }

    pub fn severity(&self) -> &str {
        &self.severity
    }

    pub fn set_severity(&mut self, severity: &str) {
        self.severity = severity.to_string();
    }

    pub fn every(&self) -> Duration {
        cadence(&self.severity, self.override_every)
    }

    /// When the next update is owed.
    pub fn next_due(&self) -> DateTime<Utc> {
        let every = chrono::Duration::from_std(self.every()).unwrap_or(chrono::Duration::MAX);
        self.last
            .checked_add_signed(every)
            .unwrap_or(DateTime::<Utc>::MAX_UTC)
    }

    pub fn due(&self, now: DateTime<Utc>) -> bool {
        now >= self.next_due()
    }

    /// An update was recorded (or the reminder dismissed) at `at`: restart the clock.
    /// Never moves the clock backwards, so replayed older events change nothing.
    pub fn restart(&mut self, at: DateTime<Utc>) {
        if at > self.last {
            self.last = at;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(min: i64, sec: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 1, 10, 0, 0).unwrap()
            + chrono::Duration::minutes(min)
            + chrono::Duration::seconds(sec)
    }

    #[test]
    fn cadence_follows_the_table() {
        assert_eq!(cadence("sev1", None), Duration::from_secs(15 * 60));
        assert_eq!(cadence("sev2", None), Duration::from_secs(30 * 60));
        assert_eq!(cadence("sev3", None), Duration::from_secs(60 * 60));
        assert_eq!(cadence("SEV4", None), Duration::from_secs(120 * 60));
        assert_eq!(cadence("bogus", None), Duration::from_secs(120 * 60));
        assert_eq!(
            cadence("sev1", Some(Duration::from_secs(2))),
            Duration::from_secs(2)
        );
    }

    #[test]
    fn intervals_read_as_people_say_them() {
        assert_eq!(every_text(cadence("sev1", None)), "15 min");
        assert_eq!(every_text(cadence("sev4", None)), "2 h");
        assert_eq!(every_text(Duration::from_secs(2)), "2 s");
        assert_eq!(every_text(Duration::from_millis(1)), "1 s");
    }

    #[test]
    fn due_after_the_interval_and_not_before() {
        let r = Reminders::new("sev1", None, t(0, 0));
        assert!(!r.due(t(14, 59)));
        assert!(r.due(t(15, 0)));
        assert_eq!(r.next_due(), t(15, 0));
    }

    #[test]
    fn recording_an_update_restarts_the_clock() {
        let mut r = Reminders::new("sev2", None, t(0, 0));
        r.restart(t(20, 0));
        assert!(!r.due(t(31, 0)));
        assert!(r.due(t(50, 0)));
        // An older event replayed later does not move the clock back.
        r.restart(t(5, 0));
        assert!(!r.due(t(49, 0)));
    }

    #[test]
    fn changing_severity_changes_the_interval() {
        let mut r = Reminders::new("sev4", None, t(0, 0));
        assert!(!r.due(t(16, 0)));
        r.set_severity("sev1");
        assert!(r.due(t(16, 0)));
    }

    #[test]
    fn override_applies_to_every_severity() {
        let r = Reminders::new("sev4", Some(Duration::from_secs(2)), t(0, 0));
        assert!(!r.due(t(0, 1)));
        assert!(r.due(t(0, 2)));
    }
}
