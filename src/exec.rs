//! Running one command: real shell, own process group, timeout, tee and bounded capture.
//!
//! The child runs in a process group of its own, so a timeout, the end of a `watch`
//! window or Ctrl-C can signal the whole group (grandchildren included): SIGTERM, a
//! grace period, then SIGKILL, the way nextest does it. stdout and stderr share one pipe
//! so their lines keep the order the command wrote them in. Output streams to the
//! caller in runs of whole lines and is kept as a head and a tail, so a step that
//! prints gigabytes costs as much memory as one that prints a line.

mod output;
mod pipe_reader;

pub use output::{Chunk, HEAD_BYTES, MAX_LINE_BYTES, TAIL_BYTES};
/// The most output the callback is handed at once, in bytes read.
pub use pipe_reader::CHUNK_BYTES;

use nix::sys::signal::{killpg, Signal};
use nix::unistd::Pid;
use output::Sink;
use pipe_reader::PipeReader;
use std::io;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::time::{Duration, Instant};
use tokio::signal::unix::{signal, SignalKind};
use tokio::time::sleep_until;
/// Between SIGTERM and SIGKILL.
pub const KILL_GRACE: Duration = Duration::from_secs(2);
/// How long output is still read after the command exited, for background processes
/// that inherited the pipe (`cmd &`): bash would wait for them; a runbook step does not.
pub const LINGER: Duration = Duration::from_millis(500);
/// The default step timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// How often a command that is still writing is checked for having exited.
const EXIT_CHECK: Duration = Duration::from_millis(50);

/// What to run and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecSpec {
    /// Passed to the shell as `SHELL -c SCRIPT`.
    pub script: String,
    /// `bash` unless the step says otherwise.
    pub shell: String,
    pub cwd: Option<PathBuf>,
    /// Added to the inherited environment.
    pub env: Vec<(String, String)>,
    pub timeout: Duration,
    /// A never-ending command: stream it for this long, then stop it; that is success.
    /// Replaces `timeout` for the step.
    pub watch: Option<Duration>,
    /// Run the command without a controlling terminal (in a session of its own), for
    /// unattended runs: a command that opens `/dev/tty` to ask something (`read x
    /// </dev/tty`, ssh's password prompt) fails at once ("No such device or
    /// address") instead of waiting until the timeout for an answer nobody will
    /// type. Off, the command shares the caller's terminal, as a guided run needs.
    pub detach_terminal: bool,
}

impl ExecSpec {
    /// `bash -c script` with the default timeout and nothing else set.
    pub fn new(script: impl Into<String>) -> Self {
        ExecSpec {
            script: script.into(),
            shell: "bash".to_string(),
            cwd: None,
            env: Vec::new(),
            timeout: DEFAULT_TIMEOUT,
            watch: None,
            detach_terminal: false,
        }
    }
}

/// How a run went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecResult {
    /// The exit code; `128 + N` when the command died of signal N on its own; `None`
    /// when we stopped it (timeout, watch window, interruption) or it never started.
    pub exit_code: Option<i32>,
    pub timed_out: bool,
    pub interrupted: bool,
    /// A `watch` step that streamed for its whole window and was then stopped.
    pub watched: bool,
    pub duration: Duration,
    /// Merged stdout and stderr, lossy UTF-8: all of it when short, otherwise the
    /// first [`HEAD_BYTES`], a line saying how much was left out, the last [`TAIL_BYTES`].
    pub output: String,
    /// How many bytes the command wrote in all.
    pub total_bytes: u64,
}

impl ExecResult {
    /// The result of a command whose shell could not be started.
    pub fn failed_to_start(shell: &str, error: io::Error, duration: Duration) -> Self {
        ExecResult {
            exit_code: None,
            timed_out: false,
            interrupted: false,
            watched: false,
            duration,
            output: format!("could not start {shell}: {error}"),
            total_bytes: 0,
        }
    }

    /// Whether the command ran to its end with exit code 0, or was a watch that ran
    /// for its window.
    pub fn succeeded(&self) -> bool {
        self.watched || (self.exit_code == Some(0) && !self.timed_out && !self.interrupted)
    }
}

/// Why the run stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ending {
    Exited(Option<i32>),
    TimedOut,
    Watched,
    Interrupted,
}

/// What must be done before a command may run, done while its shell starts up: the
/// session syncs the incident's events here, so the disk's latency hides behind the
/// shell's start instead of adding to every step. An error stops the command before
/// it runs.
pub type StartGate = Box<dyn FnOnce() -> io::Result<()> + Send>;

/// Opens the gate: the shell reads a line from its stdin before the command, then
/// gives the command an empty stdin as usual. On one line, so `$LINENO` holds. If
/// the runner dies first, the pipe closes and the shell exits without running it.
/// bash quotes the line of a syntax error, gate included: the output never shows
/// this text (see `output::Strip`).
const GATE_PREFIX: &str = "read -r RUNBOOK_GATE || exit 125; unset RUNBOOK_GATE; exec </dev/null; ";

/// Runs `spec`, calling `on_output` with the output as it arrives (see [`Chunk`]).
/// SIGINT, SIGTERM or SIGHUP received meanwhile stop the command and return
/// `interrupted`. Errors only when the shell cannot be started.
pub async fn run(
    spec: &ExecSpec,
    on_output: &mut (dyn FnMut(Chunk<'_>) + '_),
) -> io::Result<ExecResult> {
    run_gated(spec, None, on_output).await
}

/// [`run`], with `gate` done before the command runs: while the shell starts, for a
/// POSIX shell; before starting it, for any other.
pub async fn run_gated(
    spec: &ExecSpec,
    gate: Option<StartGate>,
    on_output: &mut (dyn FnMut(Chunk<'_>) + '_),
) -> io::Result<ExecResult> {
    // A gate runs whatever happens next: the caller counts on it (its events synced).
    let gate = match gate {
        Some(gate) if !is_posix_shell(&spec.shell) => {
            gate()?;
            None
        }
        gate => gate,
    };
    // Listening before the start: a Ctrl-C from here on stops the command.
    let mut interrupts = match Interrupts::listen() {
        Ok(interrupts) => interrupts,
        Err(e) => return gate_then(gate, e),
    };
    let gated = gate.is_some();
    let (mut child, reader, gate_pipe) = match start(spec, gated) {
        Ok(started) => started,
        Err(e) => return gate_then(gate, e),
    };
    let group = ProcessGroup::of(&child);
    match (gate, gate_pipe) {
        (Some(gate), Some(pipe)) => open_gate(gate, pipe, &group, &mut child).await?,
        (Some(gate), None) => gate()?,
        (None, _) => {}
    }
    let began = Instant::now();
    let mut output = PipeReader::start(OwnedFd::from(reader))?;
    // A shell quoting its first line back (a syntax error there) quotes the gate too:
    // the person sees their own line, in the stream, the capture and the record.
    let mut sink = Sink::new(on_output, gated.then_some(GATE_PREFIX));
    let mut eof = false;
    let mut exited: Option<ExitStatus> = None;
    let deadline = sleep_until((began + spec.watch.unwrap_or(spec.timeout)).into());
    tokio::pin!(deadline);
    // While output flows, the end of the output says the command is done; waiting
    // for its exit alongside would cost a system call per chunk, so it is checked now
    // and then (for background processes that keep the pipe open after it exits).
    let mut exit_check = tokio::time::interval(EXIT_CHECK);
    exit_check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);

    let ending = loop {
        if let (true, Some(status)) = (eof, exited) {
            break Ending::Exited(exit_code(status));
        }
        tokio::select! {
            biased;
            _ = interrupts.recv() => break Ending::Interrupted,
            chunk = output.next(), if !eof => match chunk {
                Some(chunk) => {
                    sink.push(chunk.bytes());
                    output.recycle(chunk);
                }
                None => eof = true,
            },
            status = child.wait(), if eof && exited.is_none() => exited = Some(status?),
            _ = exit_check.tick(), if !eof && exited.is_none() => {
                if let Some(status) = child.try_wait()? {
                    exited = Some(status);
                    deadline.as_mut().reset((Instant::now() + LINGER).into());
                }
            },
            _ = &mut deadline => match exited {
                Some(status) => break Ending::Exited(exit_code(status)),
                None if spec.watch.is_some() => break Ending::Watched,
                None => break Ending::TimedOut,
            },
        }
    };

    if !matches!(ending, Ending::Exited(_)) {
        stop_group(&group, &mut child, &mut output, &mut sink, eof).await;
    } else {
        group.disarm();
    }
    sink.finish();
    Ok(ExecResult {
        exit_code: match ending {
            Ending::Exited(code) => code,
            _ => None,
        },
        timed_out: ending == Ending::TimedOut,
        interrupted: ending == Ending::Interrupted,
        watched: ending == Ending::Watched,
        duration: began.elapsed(),
        output: sink.capture.excerpt(),
        total_bytes: sink.capture.total,
    })
}

/// Checks the working directory, then [`spawn`]s with a pipe for the output.
fn start(
    spec: &ExecSpec,
    gated: bool,
) -> io::Result<(
    tokio::process::Child,
    io::PipeReader,
    Option<io::PipeWriter>,
)> {
    if let Some(cwd) = spec.cwd.as_deref().filter(|cwd| !cwd.is_dir()) {
        // Otherwise spawning fails with a bare "No such file or directory" that seems to
        // be about the shell.
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!("working directory {} does not exist", cwd.display()),
        ));
    }
    let (reader, writer) = io::pipe()?;
    let (child, gate_pipe) = spawn(spec, writer, gated)?;
    Ok((child, reader, gate_pipe))
}

/// Starts `SHELL -c SCRIPT` leading a process group of its own (and, when
/// `detach_terminal`, a session of its own), stdin empty, stdout and stderr into
/// `output`. `gated`: the script waits for a line on stdin first, and the pipe to
/// write it to is returned.
fn spawn(
    spec: &ExecSpec,
    output: io::PipeWriter,
    gated: bool,
) -> io::Result<(tokio::process::Child, Option<io::PipeWriter>)> {
    // The command holds copies of the pipe's write end, ours is dropped on return: the
    // pipe reaches end-of-file when the command's processes are done.
    let mut command = tokio::process::Command::new(shell_path(spec));
    // `$0`, and so the shell's own error messages, read as the step wrote it.
    command.arg0(&spec.shell);
    let (stdin, gate_pipe) = if gated {
        let (read, write) = io::pipe()?;
        (Stdio::from(read), Some(write))
    } else {
        (Stdio::null(), None)
    };
    let script = if gated {
        std::borrow::Cow::Owned(format!("{GATE_PREFIX}{}", spec.script))
    } else {
        std::borrow::Cow::Borrowed(spec.script.as_str())
    };
    command
        .arg("-c")
        .arg(script.as_ref())
        .envs(spec.env.iter().map(|(k, v)| (k, v)))
        .stdin(stdin)
        .stdout(Stdio::from(output.try_clone()?))
        .stderr(Stdio::from(output))
        .kill_on_drop(true);
    if let Some(cwd) = &spec.cwd {
        command.current_dir(cwd);
    }
    // Without a controlling terminal there is nothing to detach from, and a plain new
    // group lets the shell start by vfork (posix_spawn) instead of a costlier fork.
    if spec.detach_terminal && has_controlling_terminal() {
        // SAFETY: between fork and exec the closure makes one async-signal-safe
        // system call and allocates nothing.
        unsafe {
            command.pre_exec(|| {
                // A new session has no controlling terminal, and its leader leads a
                // new process group whose id is its pid, as with `process_group(0)`
                // (which must not be asked for too: a group leader cannot setsid).
                nix::unistd::setsid().map_err(io::Error::from)?;
                Ok(())
            });
        }
    } else {
        command.process_group(0);
    }
    Ok((command.spawn()?, gate_pipe))
}

/// A run that failed before its command started: the gate is still done.
fn gate_then(gate: Option<StartGate>, error: io::Error) -> io::Result<ExecResult> {
    if let Some(gate) = gate {
        gate()?;
    }
    Err(error)
}

/// Does `gate`, then lets the waiting shell run its command; if the gate fails, the
/// shell is killed before the command runs.
async fn open_gate(
    gate: StartGate,
    mut pipe: io::PipeWriter,
    group: &ProcessGroup,
    child: &mut tokio::process::Child,
) -> io::Result<()> {
    use std::io::Write;
    let opened = gate().and_then(|()| match pipe.write_all(b"\n") {
        // The shell is already gone (killed from outside): its exit status tells.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    });
    if let Err(e) = opened {
        group.signal(Signal::SIGKILL);
        let _ = child.wait().await;
        return Err(e);
    }
    Ok(())
}

/// The shell's path, looked up in the step's `PATH` once per session rather than by
/// every spawn (which tries each directory in turn, as bash does only once: it
/// remembers where commands are).
fn shell_path(spec: &ExecSpec) -> PathBuf {
    use std::collections::HashMap;
    use std::sync::Mutex;
    type Found = HashMap<(String, String), PathBuf>;
    static FOUND: once_cell::sync::Lazy<Mutex<Found>> =
        once_cell::sync::Lazy::new(Default::default);
    if spec.shell.contains('/') {
        return PathBuf::from(&spec.shell);
    }
    let path = spec
        .env
        .iter()
        .rev()
        .find(|(k, _)| k == "PATH")
        .map(|(_, v)| v.clone())
        .or_else(|| std::env::var("PATH").ok())
        .unwrap_or_default();
    let mut found = FOUND.lock().unwrap_or_else(|e| e.into_inner());
    let key = (spec.shell.clone(), path);
    if let Some(hit) = found.get(&key) {
        return hit.clone();
    }
    match std::env::split_paths(&key.1)
        .map(|dir| dir.join(&spec.shell))
        .find(|candidate| is_executable(candidate))
    {
        Some(hit) => found.entry(key).or_insert(hit).clone(),
        // Not found: the spawn looks again and reports the error in its own words.
        None => PathBuf::from(&spec.shell),
    }
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Whether this process has a controlling terminal (`/dev/tty` opens only then).
fn has_controlling_terminal() -> bool {
    static HAS_TTY: once_cell::sync::Lazy<bool> =
        once_cell::sync::Lazy::new(|| std::fs::File::open("/dev/tty").is_ok());
    *HAS_TTY
}

/// Shells that read `GATE_PREFIX` as written.
fn is_posix_shell(shell: &str) -> bool {
    let name = Path::new(shell)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or(shell);
    matches!(
        name,
        "sh" | "bash" | "dash" | "zsh" | "ksh" | "mksh" | "ash"
    )
}

/// SIGTERM to the group, up to [`KILL_GRACE`] for the command to exit (still reading
/// its output so it is not blocked writing), then SIGKILL to whatever is left in the
/// group, and the command reaped.
async fn stop_group(
    group: &ProcessGroup,
    child: &mut tokio::process::Child,
    output: &mut PipeReader,
    sink: &mut Sink<'_>,
    mut eof: bool,
) {
    group.signal(Signal::SIGTERM);
    let grace = tokio::time::Instant::now() + KILL_GRACE;
    loop {
        tokio::select! {
            _ = child.wait() => break,
            chunk = output.next(), if !eof => match chunk {
                Some(chunk) => {
                    sink.push(chunk.bytes());
                    output.recycle(chunk);
                }
                None => eof = true,
            },
            _ = sleep_until(grace) => break,
        }
    }
    // Grandchildren may ignore SIGTERM or outlive the shell: the group goes regardless.
    group.signal(Signal::SIGKILL);
    group.disarm();
    let _ = child.wait().await;
    group.wait_until_gone(KILL_GRACE).await;
}

fn exit_code(status: ExitStatus) -> Option<i32> {
    use std::os::unix::process::ExitStatusExt;
    status.code().or_else(|| status.signal().map(|n| 128 + n))
}

/// The child's process group. Until disarmed, dropping it (the caller gave up on the
/// future) kills the whole group, so no process outlives an abandoned step.
struct ProcessGroup {
    pgid: Option<Pid>,
    armed: std::cell::Cell<bool>,
}

impl ProcessGroup {
    fn of(child: &tokio::process::Child) -> Self {
        // The child leads a group whose id is its pid (see `spawn`).
        let pgid = child
            .id()
            .and_then(|id| i32::try_from(id).ok())
            .map(Pid::from_raw);
        ProcessGroup {
            pgid,
            armed: std::cell::Cell::new(true),
        }
    }

    fn signal(&self, signal: Signal) {
        if let Some(pgid) = self.pgid {
            // ESRCH: the group is already gone, which is what we want.
            let _ = killpg(pgid, signal);
        }
    }

    /// SIGKILL is delivered asynchronously: returns once no process of the group is
    /// left (orphans are reaped by init), or after `patience`.
    async fn wait_until_gone(&self, patience: Duration) {
        let Some(pgid) = self.pgid else { return };
        let give_up = Instant::now() + patience;
        while killpg(pgid, None).is_ok() && Instant::now() < give_up {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    fn disarm(&self) {
        self.armed.set(false);
    }
}

impl Drop for ProcessGroup {
    fn drop(&mut self) {
        if self.armed.get() {
            self.signal(Signal::SIGKILL);
        }
    }
}

/// SIGINT (Ctrl-C), SIGTERM and SIGHUP while a command runs.
struct Interrupts {
    streams: Vec<tokio::signal::unix::Signal>,
}

impl Interrupts {
    fn listen() -> io::Result<Self> {
        let streams = [
            SignalKind::interrupt(),
            SignalKind::terminate(),
            SignalKind::hangup(),
        ]
        .into_iter()
        .map(signal)
        .collect::<io::Result<Vec<_>>>()?;
        Ok(Interrupts { streams })
    }

    async fn recv(&mut self) {
        let [a, b, c] = self.streams.as_mut_slice() else {
            return std::future::pending().await;
        };
        tokio::select! {
            _ = a.recv() => {},
            _ = b.recv() => {},
            _ = c.recv() => {},
        }
    }
}
