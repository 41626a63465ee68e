//! The incident directory on disk: `events.jsonl` (append-only, every event synced
//! before `append` returns), `playbook.json` (the playbook as the session started,
//! redacted) and `log.md` (kept current after every event).
//!
//! Several processes may write one incident: the session, and `runbook note` from
//! another terminal. Every append takes an exclusive lock on `events.jsonl`, first
//! reads what others appended since, then numbers its event after theirs. A
//! separate `.session.lock`, held while a session runs, tells `runbook incidents`
//! a live session from one whose process died.

use crate::error::{Error, Result};
use crate::graph::Playbook;
use crate::incident::event::{Event, EventBody};
use crate::incident::logmd;
use crate::redact::Redactor;
use chrono::Utc;
use serde_json::Value;
use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub const EVENTS_FILE: &str = "events.jsonl";
pub const PLAYBOOK_FILE: &str = "playbook.json";
pub const LOG_FILE: &str = "log.md";
pub const POSTMORTEM_FILE: &str = "postmortem.md";
const SESSION_LOCK_FILE: &str = ".session.lock";

/// An open incident record.
pub struct IncidentLog {
    dir: PathBuf,
    events_path: PathBuf,
    /// `events.jsonl`, opened for reading and appending.
    file: File,
    events: Vec<Event>,
    /// Byte length of the complete lines read so far, and how many there were.
    read_to: u64,
    lines_read: usize,
    playbook: Playbook,
    redactor: Arc<Redactor>,
    /// Held (locked) while this process runs the session.
    session_lock: Option<File>,
    /// Whether events were written since the last sync.
    unsynced: bool,
    /// `log.md` as this process keeps it, and its length on disk after our last
    /// write (`None`: not written yet, or the write failed).
    log_md: logmd::LiveView,
    log_md_written: Option<u64>,
}

/// When an appended event must be on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Durability {
    Synced,
    BeforeNextStep,
}

/// Syncs an incident's `events.jsonl` (see [`IncidentLog::sync_handle`]).
#[derive(Debug)]
pub struct EventsSync {
    file: File,
    path: PathBuf,
}

impl EventsSync {
    pub fn sync(self) -> Result<()> {
        self.file.sync_data().map_err(|e| Error::io(&self.path, e))
    }
}

/// A log dropped with events not yet synced (a session ending on an error) syncs them.
impl Drop for IncidentLog {
    fn drop(&mut self) {
        let _ = self.sync();
    }
}

impl std::fmt::Debug for IncidentLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IncidentLog")
            .field("dir", &self.dir)
            .field("events", &self.events.len())
            .field("session", &self.session_lock.is_some())
            .finish()
    }
}

impl IncidentLog {
    /// Starts a new incident record for `playbook` under `incidents_dir` and claims
    /// its session: `INCIDENTS_DIR/<YYYYMMDDTHHMMSSZ>-<playbook-id>/`, suffixed `.2`,
    /// `.3`... when another incident of the same playbook started the same second.
    pub fn create(
        incidents_dir: &Path,
        playbook: &Playbook,
        redactor: Arc<Redactor>,
    ) -> Result<IncidentLog> {
        fs::create_dir_all(incidents_dir).map_err(|e| Error::io(incidents_dir, e))?;
        let dir = new_incident_dir(incidents_dir, &playbook.id)?;
        let stored = redacted_playbook(playbook, &redactor)?;
        let json = serde_json::to_string_pretty(&stored)
            .map_err(|e| Error::Other(format!("cannot serialize the playbook: {e}")))?;
        write_synced(&dir.join(PLAYBOOK_FILE), json.as_bytes())?;
        let events_path = dir.join(EVENTS_FILE);
        let file = OpenOptions::new()
            .read(true)
            .append(true)
            .create_new(true)
            .open(&events_path)
            .map_err(|e| Error::io(&events_path, e))?;
        sync_dir(&dir);
        sync_dir(incidents_dir);
        let mut log = IncidentLog {
            dir,
            events_path,
            file,
            events: Vec::new(),
            read_to: 0,
            lines_read: 0,
            playbook: stored,
            redactor,
            session_lock: None,
            unsynced: false,
            log_md: logmd::LiveView::default(),
            log_md_written: None,
        };
        log.claim_session()?;
        log.write_log_md()?;
        Ok(log)
    }

    /// Reopens an existing incident (for `note`, `postmortem`, or before resuming):
    /// reads every event, and drops a last line torn by a crash mid-write.
    pub fn open(dir: &Path, redactor: Arc<Redactor>) -> Result<IncidentLog> {
        let playbook = read_playbook(dir)?;
        let events_path = dir.join(EVENTS_FILE);
        let file = OpenOptions::new()
            .read(true)
            .append(true)
            .open(&events_path)
            .map_err(|e| Error::io(&events_path, e))?;
        let mut log = IncidentLog {
            dir: dir.to_path_buf(),
            events_path,
            file,
            events: Vec::new(),
            read_to: 0,
            lines_read: 0,
            playbook,
            redactor,
            session_lock: None,
            unsynced: false,
            log_md: logmd::LiveView::default(),
            log_md_written: None,
        };
        log.with_lock(|log| log.catch_up())?;
        Ok(log)
    }

    /// Reopens an incident to continue its session (`runbook resume`): like
    /// [`IncidentLog::open`], and claims the session, failing if another process
    /// is running it.
    pub fn open_session(dir: &Path, redactor: Arc<Redactor>) -> Result<IncidentLog> {
        let mut log = IncidentLog::open(dir, redactor)?;
        log.claim_session()?;
        Ok(log)
    }

    /// Records one event: every string in it redacted, numbered after the last event
    /// any process wrote, written as one line and synced to disk before returning;
    /// then `log.md` is brought up to date.
    pub fn append(&mut self, actor: &str, body: EventBody) -> Result<Event> {
        self.append_as(actor, body, Durability::Synced)
    }

    /// [`IncidentLog::append`], leaving the sync to the caller: SPEC §4 wants each event
    /// synced before the next step starts, and a session syncs a step's events while
    /// the next step's shell starts up ([`IncidentLog::sync_handle`]). Written, the
    /// event is in the kernel's cache, which outlives a killed process.
    pub fn append_unsynced(&mut self, actor: &str, body: EventBody) -> Result<Event> {
        self.append_as(actor, body, Durability::BeforeNextStep)
    }

    fn append_as(&mut self, actor: &str, body: EventBody, durability: Durability) -> Result<Event> {
        let draft = Event {
            seq: 0,
            ts: Utc::now(),
            actor: actor.to_string(),
            body,
        };
        let mut event = redact_event(&draft, &self.redactor)?;
        self.with_lock(|log| {
            log.catch_up()?;
            // Stamped under the lock so times never go backwards between writers.
            event.ts = Utc::now();
            event.seq = log.events.last().map_or(1, |e| e.seq + 1);
            let mut line = serde_json::to_string(&event)
                .map_err(|e| Error::Other(format!("cannot serialize an event: {e}")))?;
            line.push('\n');
            log.file
                .write_all(line.as_bytes())
                .map_err(|e| Error::io(&log.events_path, e))?;
            log.unsynced = true;
            if durability == Durability::Synced {
                log.sync()?;
            }
            log.read_to += line.len() as u64;
            log.events.push(event.clone());
            log.write_log_md()
        })?;
        Ok(event)
    }

    /// Syncs `events.jsonl` if an event was written since the last sync.
    pub fn sync(&mut self) -> Result<()> {
        if self.unsynced {
            self.file
                .sync_data()
                .map_err(|e| Error::io(&self.events_path, e))?;
            self.unsynced = false;
        }
        Ok(())
    }

    /// What syncs the events written so far from another thread: `None` when they
    /// already are. The caller must run it before the next step's command does.
    pub fn sync_handle(&mut self) -> Result<Option<EventsSync>> {
        if !self.unsynced {
            return Ok(None);
        }
        let file = self
            .file
            .try_clone()
            .map_err(|e| Error::io(&self.events_path, e))?;
        // Whoever holds the handle syncs: from here on, this log counts them as synced.
        self.unsynced = false;
        Ok(Some(EventsSync {
            file,
            path: self.events_path.clone(),
        }))
    }

    /// Reads the events other processes (`runbook note`) appended since.
    pub fn reload(&mut self) -> Result<&[Event]> {
        self.with_lock(|log| log.catch_up())?;
        Ok(&self.events)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The incident's id: its directory name.
    pub fn id(&self) -> String {
        dir_name(&self.dir)
    }

    pub fn events(&self) -> &[Event] {
        &self.events
    }

    /// The playbook as it was when the session started (from `playbook.json`).
    pub fn playbook(&self) -> Playbook {
        self.playbook.clone()
    }

    /// Whether redaction changed anything in `playbook.json` (a command with a
    /// literal password, say): a resumed session should then take the commands from
    /// the playbook's source rather than run masked text.
    pub fn playbook_is_redacted(&self) -> bool {
        serde_json::to_string(&self.playbook)
            .map(|s| s.contains(crate::redact::MASK_OPEN))
            .unwrap_or(false)
    }

    pub fn redactor(&self) -> &Arc<Redactor> {
        &self.redactor
    }

    /// Takes the session lock: this process now runs the incident's session.
    fn claim_session(&mut self) -> Result<()> {
        let path = self.dir.join(SESSION_LOCK_FILE);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| Error::io(&path, e))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut pid = String::new();
                let _ = file.read_to_string(&mut pid);
                return Err(Error::Usage(format!(
                    "incident {} is being run by another process (pid {})",
                    self.id(),
                    pid.trim()
                )));
            }
            Err(TryLockError::Error(e)) => return Err(Error::io(&path, e)),
        }
        file.set_len(0)
            .and_then(|()| file.write_all(std::process::id().to_string().as_bytes()))
            .map_err(|e| Error::io(&path, e))?;
        self.session_lock = Some(file);
        Ok(())
    }

    /// Runs `f` holding the exclusive lock on `events.jsonl`.
    fn with_lock<T>(&mut self, f: impl FnOnce(&mut Self) -> Result<T>) -> Result<T> {
        self.file
            .lock()
            .map_err(|e| Error::io(&self.events_path, e))?;
        let result = f(self);
        // Closing the file would release it too; an unlock error leaves nothing to undo.
        let _ = self.file.unlock();
        result
    }

    /// Reads the complete lines past `read_to`. A torn last line (a writer killed
    /// mid-write) is cut off so the next event starts on a line of its own. Call
    /// with the lock held.
    fn catch_up(&mut self) -> Result<()> {
        let mut tail = Vec::new();
        self.file
            .seek(SeekFrom::Start(self.read_to))
            .and_then(|_| self.file.read_to_end(&mut tail))
            .map_err(|e| Error::io(&self.events_path, e))?;
        let first_line = self.lines_read + 1;
        let parsed = parse_lines(&tail, &self.events_path, first_line)?;
        self.lines_read += tail[..parsed.complete_bytes]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        self.events.extend(parsed.events);
        self.read_to += parsed.complete_bytes as u64;
        let repair = if parsed.unterminated_event {
            // Finish the line: the event is whole and others may have seen it.
            self.file.write_all(b"\n")
        } else if parsed.complete_bytes < tail.len() {
            self.file.set_len(self.read_to)
        } else {
            return Ok(());
        };
        repair
            .and_then(|()| self.file.sync_data())
            .map_err(|e| Error::io(&self.events_path, e))?;
        self.read_to = self
            .file
            .metadata()
            .map_err(|e| Error::io(&self.events_path, e))?
            .len();
        if parsed.unterminated_event {
            self.lines_read += 1;
        }
        Ok(())
    }

    /// `log.md` is a view of events that are already redacted, brought up to date
    /// after every event; it is not synced: `events.jsonl` is the record, and the
    /// next append rewrites the view. Most events only add a row at the end, so the
    /// file is patched from the first changed byte rather than replaced whole.
    fn write_log_md(&mut self) -> Result<()> {
        let changed_from = self.log_md.update(&self.events, &self.playbook);
        let text = self.log_md.text().as_bytes();
        let path = self.dir.join(LOG_FILE);
        let ours_on_disk = self
            .log_md_written
            .is_some_and(|len| fs::metadata(&path).is_ok_and(|m| m.len() == len));
        let written_before = self.log_md_written.take();
        let result = match written_before {
            // Another process (`runbook note`) may have rendered it since: then whole.
            Some(len) if ours_on_disk => {
                let from = changed_from.min(len as usize);
                patch_file(&path, &text[from..], from, len)
            }
            _ => replace_file(&path, text),
        };
        if result.is_ok() {
            self.log_md_written = Some(text.len() as u64);
        }
        result
    }
}

/// Writes `tail` at byte `offset` of a file `old_len` long, cut to end there.
fn patch_file(path: &Path, tail: &[u8], offset: usize, old_len: u64) -> Result<()> {
    use std::os::unix::fs::FileExt;
    let file = OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(|e| Error::io(path, e))?;
    let new_len = (offset + tail.len()) as u64;
    file.write_all_at(tail, offset as u64)
        .and_then(|()| {
            if new_len < old_len {
                file.set_len(new_len)
            } else {
                Ok(())
            }
        })
        .map_err(|e| Error::io(path, e))
}

/// Replaces a file whole, atomically (readers see the old or the new text).
fn replace_file(path: &Path, text: &[u8]) -> Result<()> {
    let tmp = path.with_extension("md.tmp");
    fs::write(&tmp, text).map_err(|e| Error::io(&tmp, e))?;
    fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
}

/// Every event of the incident in `dir`, without locking or repairing anything: a
/// torn last line is skipped.
pub fn read_events(dir: &Path) -> Result<Vec<Event>> {
    let path = dir.join(EVENTS_FILE);
    let bytes = fs::read(&path).map_err(|e| Error::io(&path, e))?;
    Ok(parse_lines(&bytes, &path, 1)?.events)
}

/// The playbook saved when the incident in `dir` started.
pub fn read_playbook(dir: &Path) -> Result<Playbook> {
    let path = dir.join(PLAYBOOK_FILE);
    let text = fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
    serde_json::from_str(&text).map_err(|e| Error::Parse {
        file: path,
        line: e.line(),
        message: e.to_string(),
    })
}

/// Whether a live process holds the session of the incident in `dir`.
pub fn session_is_live(dir: &Path) -> bool {
    let Ok(file) = File::open(dir.join(SESSION_LOCK_FILE)) else {
        return false;
    };
    match file.try_lock_shared() {
        Ok(()) => {
            let _ = file.unlock();
            false
        }
        Err(TryLockError::WouldBlock) => true,
        Err(TryLockError::Error(_)) => false,
    }
}

struct ParsedLines {
    events: Vec<Event>,
    /// Bytes up to the end of the last newline-terminated line.
    complete_bytes: usize,
    /// The last event is whole but lost its newline (a crash between the two).
    unterminated_event: bool,
}

/// Parses JSON lines. The last line counts when it ends in a newline or is a whole
/// event missing only that; anything else there is a torn write and is left out.
/// A bad line before the last is corruption: an error naming file and line.
fn parse_lines(bytes: &[u8], path: &Path, first_line: usize) -> Result<ParsedLines> {
    let mut parsed = ParsedLines {
        events: Vec::new(),
        complete_bytes: 0,
        unterminated_event: false,
    };
    for (i, line) in bytes.split_inclusive(|b| *b == b'\n').enumerate() {
        let terminated = line.ends_with(b"\n");
        if line.iter().all(u8::is_ascii_whitespace) {
            if terminated {
                parsed.complete_bytes += line.len();
            }
            continue;
        }
        match serde_json::from_slice::<Event>(line) {
            Ok(event) => {
                parsed.events.push(event);
                if terminated {
                    parsed.complete_bytes += line.len();
                } else {
                    parsed.unterminated_event = true;
                }
            }
            Err(_) if !terminated => {}
            Err(e) => {
                return Err(Error::Parse {
                    file: path.to_path_buf(),
                    line: first_line + i,
                    message: format!("not an incident event: {e}"),
                })
            }
        }
    }
    Ok(parsed)
}

/// The directory name: UTC start time, then the playbook id made safe for a path.
fn new_incident_dir(incidents_dir: &Path, playbook_id: &str) -> Result<PathBuf> {
    let stamp = Utc::now().format("%Y%m%dT%H%M%SZ");
    let base = format!("{stamp}-{}", path_safe(playbook_id));
    for n in 1..10_000 {
        let name = if n == 1 {
            base.clone()
        } else {
            format!("{base}.{n}")
        };
        let dir = incidents_dir.join(name);
        match fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(Error::io(&dir, e)),
        }
    }
    Err(Error::Other(format!(
        "{}: too many incidents named {base}",
        incidents_dir.display()
    )))
}

fn path_safe(id: &str) -> String {
    let safe: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .take(80)
        .collect();
    let safe = safe.trim_matches('-');
    if safe.is_empty() {
        "incident".to_string()
    } else {
        safe.to_string()
    }
}

pub(crate) fn dir_name(dir: &Path) -> String {
    dir.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| dir.display().to_string())
}

/// The playbook with every string redacted, and the defaults of secret variables
/// dropped: they are asked again on resume, never stored.
fn redacted_playbook(playbook: &Playbook, redactor: &Redactor) -> Result<Playbook> {
    let mut stored = playbook.clone();
    for var in stored.variables.iter_mut().filter(|v| v.secret) {
        var.default = None;
    }
    redact_value_of(&stored, redactor)
}

fn redact_event(event: &Event, redactor: &Redactor) -> Result<Event> {
    redact_value_of(event, redactor)
}

/// Round-trips `item` through JSON, redacting every string on the way.
fn redact_value_of<T>(item: &T, redactor: &Redactor) -> Result<T>
where
    T: serde::Serialize + serde::de::DeserializeOwned,
{
    let mut value = serde_json::to_value(item)
        .map_err(|e| Error::Other(format!("cannot serialize for redaction: {e}")))?;
    redact_strings(&mut value, redactor);
    serde_json::from_value(value)
        .map_err(|e| Error::Other(format!("redaction broke a record: {e}")))
}

fn redact_strings(value: &mut Value, redactor: &Redactor) {
    match value {
        Value::String(s) => {
            if let std::borrow::Cow::Owned(r) = redactor.redact_cow(s) {
                *s = r;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| redact_strings(v, redactor)),
        Value::Object(map) => map.values_mut().for_each(|v| redact_strings(v, redactor)),
        _ => {}
    }
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut file = File::create(path).map_err(|e| Error::io(path, e))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_data())
        .map_err(|e| Error::io(path, e))
}

/// Makes a new directory entry durable; best effort, not every filesystem can.
fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}
