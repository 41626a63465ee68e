//! Running one command: real shell, own process group, timeout, tee and bounded capture.
//!
//! The child runs in a process group of its own, so a timeout, the end of a `watch`
//! window or Ctrl-C can signal the whole group (grandchildren included): SIGTERM, a
//! grace period, then SIGKILL, the way nextest does it. stdout and stderr share one pipe
//! so their lines keep the order the command wrote them in. Output streams to the
//! caller line by line and is kept as a head and a tail, so a step that prints
//! gigabytes costs as much memory as one that prints a line.

use nix::fcntl::{fcntl, FcntlArg};
use nix::sys::signal::{killpg, Signal};
use nix::unistd::Pid;
use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::path::PathBuf;
use std::process::{ExitStatus, Stdio};
use std::time::{Duration, Instant};
use tokio::io::AsyncReadExt;
use tokio::net::unix::pipe;
use tokio::signal::unix::{signal, SignalKind};
use tokio::time::sleep_until;

/// Bytes of output kept from the start and from the end of a step's output.
pub const HEAD_BYTES: usize = 64 * 1024;
pub const TAIL_BYTES: usize = 64 * 1024;
/// Longer lines reach `on_line` in pieces of at most this many bytes.
pub const MAX_LINE_BYTES: usize = 8 * 1024;
/// Between SIGTERM and SIGKILL.
pub const KILL_GRACE: Duration = Duration::from_secs(2);
/// How long output is still read after the command exited, for background processes
/// that inherited the pipe (`cmd &`): bash would wait for them; a runbook step does not.
pub const LINGER: Duration = Duration::from_millis(500);
/// The default step timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// Bytes handled per wake-up at most, and the pipe capacity asked for.
const READ_CHUNK: usize = 1024 * 1024;
/// How often a command that is still writing is checked for having exited.
const EXIT_CHECK: Duration = Duration::from_millis(50);
const PIPE_BYTES: i32 = 1024 * 1024;

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

/// Runs `spec`, calling `on_line` with each output line (without its line ending) as it
/// arrives. SIGINT, SIGTERM or SIGHUP received meanwhile stop the command and return
/// `interrupted`. Errors only when the shell cannot be started.
pub async fn run(spec: &ExecSpec, on_line: &mut (dyn FnMut(&str) + '_)) -> io::Result<ExecResult> {
    if let Some(cwd) = spec.cwd.as_deref().filter(|cwd| !cwd.is_dir()) {
        // Otherwise spawning fails with a bare "No such file or directory" that seems to
        // be about the shell.
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!("working directory {} does not exist", cwd.display()),
        ));
    }
    let mut interrupts = Interrupts::listen()?;
    let (reader, writer) = io::pipe()?;
    let began = Instant::now();
    let mut child = {
        // The command holds copies of the pipe's write end: dropped at the end of this
        // block, so the pipe reaches end-of-file when the command's processes are done.
        let mut command = tokio::process::Command::new(&spec.shell);
        command
            .arg("-c")
            .arg(&spec.script)
            .envs(spec.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::from(writer.try_clone()?))
            .stderr(Stdio::from(writer))
            .process_group(0)
            .kill_on_drop(true);
        if let Some(cwd) = &spec.cwd {
            command.current_dir(cwd);
        }
        command.spawn()?
    };
    let group = ProcessGroup::of(&child);
    let reader = OwnedFd::from(reader);
    // A roomier pipe lets the command run ahead while a chunk is being handled, and
    // each read take more: fewer wake-ups and system calls per byte. Best effort.
    let _ = fcntl(reader.as_raw_fd(), FcntlArg::F_SETPIPE_SZ(PIPE_BYTES));
    let mut output = pipe::Receiver::from_owned_fd(reader)?;
    let mut sink = Sink::new(on_line);
    let mut buf = vec![0u8; READ_CHUNK];
    let mut eof = false;
    let mut exited: Option<ExitStatus> = None;
    let deadline = sleep_until((began + spec.watch.unwrap_or(spec.timeout)).into());
    tokio::pin!(deadline);
    // While output flows, the end of the output says the command is done; checking for
    // its exit at every wake-up would cost a system call per chunk, so it is checked
    // now and then (for background processes that keep the pipe open after it exits).
    let mut exit_check = tokio::time::interval(EXIT_CHECK);
    exit_check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);

    let ending = loop {
        if let (true, Some(status)) = (eof, exited) {
            break Ending::Exited(exit_code(status));
        }
        tokio::select! {
            biased;
            _ = interrupts.recv() => break Ending::Interrupted,
            ready = output.readable(), if !eof => {
                eof = ready.is_err() || drain(&output, &mut buf, &mut sink);
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
        stop_group(&group, &mut child, &mut output, &mut sink, &mut buf).await;
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

/// Reads what the pipe holds, up to a buffer's worth, into `sink`. Returns whether the
/// pipe reached end-of-file (or failed, which ends reading the same way).
fn drain(output: &pipe::Receiver, buf: &mut [u8], sink: &mut Sink<'_>) -> bool {
    let mut filled = 0;
    let eof = loop {
        match output.try_read(&mut buf[filled..]) {
            Ok(0) => break true,
            Ok(n) => {
                filled += n;
                if filled == buf.len() {
                    break false;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break false,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => break true,
        }
    };
    if filled > 0 {
        sink.push(&buf[..filled]);
    }
    eof
}

/// SIGTERM to the group, up to [`KILL_GRACE`] for the command to exit (still reading
/// its output so it is not blocked writing), then SIGKILL to whatever is left in the
/// group, and the command reaped.
async fn stop_group(
    group: &ProcessGroup,
    child: &mut tokio::process::Child,
    output: &mut pipe::Receiver,
    sink: &mut Sink<'_>,
    buf: &mut [u8],
) {
    group.signal(Signal::SIGTERM);
    let grace = tokio::time::Instant::now() + KILL_GRACE;
    let mut eof = false;
    loop {
        tokio::select! {
            _ = child.wait() => break,
            read = output.read(buf), if !eof => match read {
                Ok(0) | Err(_) => eof = true,
                Ok(n) => sink.push(&buf[..n]),
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
        // With `process_group(0)` the child leads a group whose id is its pid.
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

/// Where output goes: the bounded capture and the line-by-line callback.
struct Sink<'a> {
    capture: Capture,
    lines: LineSplitter,
    on_line: &'a mut (dyn FnMut(&str) + 'a),
}

impl<'a> Sink<'a> {
    fn new(on_line: &'a mut (dyn FnMut(&str) + 'a)) -> Self {
        Sink {
            capture: Capture::default(),
            lines: LineSplitter::default(),
            on_line,
        }
    }

    fn push(&mut self, data: &[u8]) {
        self.capture.push(data);
        self.lines.push(data, &mut *self.on_line);
    }

    fn finish(&mut self) {
        self.lines.finish(&mut *self.on_line);
    }
}

/// The first [`HEAD_BYTES`] and the last [`TAIL_BYTES`] of a stream, and its length.
#[derive(Debug, Default)]
struct Capture {
    head: Vec<u8>,
    /// Holds at most twice [`TAIL_BYTES`]; trimmed to the last [`TAIL_BYTES`] when it
    /// overflows, so trimming costs O(1) per byte.
    tail: Vec<u8>,
    total: u64,
}

impl Capture {
    fn push(&mut self, mut data: &[u8]) {
        self.total += data.len() as u64;
        if self.head.len() < HEAD_BYTES {
            let take = (HEAD_BYTES - self.head.len()).min(data.len());
            self.head.extend_from_slice(&data[..take]);
            data = &data[take..];
        }
        if data.len() >= TAIL_BYTES {
            self.tail.clear();
            self.tail
                .extend_from_slice(&data[data.len() - TAIL_BYTES..]);
            return;
        }
        self.tail.extend_from_slice(data);
        if self.tail.len() > 2 * TAIL_BYTES {
            let cut = self.tail.len() - TAIL_BYTES;
            self.tail.drain(..cut);
        }
    }

    fn excerpt(&self) -> String {
        let kept_tail = self.tail.len().min(TAIL_BYTES);
        let tail = &self.tail[self.tail.len() - kept_tail..];
        let omitted = self.total - self.head.len() as u64 - kept_tail as u64;
        if omitted == 0 {
            let mut all = self.head.clone();
            all.extend_from_slice(tail);
            return String::from_utf8_lossy(&all).into_owned();
        }
        // Cut at character boundaries so the excerpt has no broken characters.
        let head = &self.head[..char_boundary_before(&self.head, self.head.len())];
        let tail_start = tail
            .iter()
            .position(|&b| !is_continuation(b))
            .unwrap_or(tail.len());
        format!(
            "{}\n[… {} bytes omitted …]\n{}",
            String::from_utf8_lossy(head),
            omitted,
            String::from_utf8_lossy(&tail[tail_start..])
        )
    }
}

fn is_continuation(byte: u8) -> bool {
    byte & 0xC0 == 0x80
}

/// The largest index ≤ `at` that does not split a UTF-8 character of `bytes`.
fn char_boundary_before(bytes: &[u8], at: usize) -> usize {
    if at >= bytes.len() {
        // The end is a boundary unless the last character is incomplete.
        let start = (0..bytes.len())
            .rev()
            .take(4)
            .find(|&i| !is_continuation(bytes[i]));
        return match start {
            Some(i) if utf8_len(bytes[i]) > bytes.len() - i => i,
            _ => bytes.len(),
        };
    }
    let mut i = at;
    while i > 0 && is_continuation(bytes[i]) {
        i -= 1;
    }
    if i == 0 && at > 0 && is_continuation(bytes[0]) {
        at // not UTF-8 anyway; any cut will do
    } else {
        i
    }
}

fn utf8_len(first: u8) -> usize {
    match first {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

/// Splits a byte stream into lines for `on_line`, holding at most one partial line of
/// [`MAX_LINE_BYTES`]; longer lines go out in pieces as they grow.
#[derive(Debug, Default)]
struct LineSplitter {
    partial: Vec<u8>,
}

impl LineSplitter {
    fn push(&mut self, mut data: &[u8], on_line: &mut dyn FnMut(&str)) {
        loop {
            let newline = memchr::memchr(b'\n', data);
            let segment = &data[..newline.unwrap_or(data.len())];
            match newline {
                // The common case, a whole line in the chunk: no copy.
                Some(_) if self.partial.is_empty() && segment.len() <= MAX_LINE_BYTES => {
                    emit_line(segment, on_line)
                }
                Some(_) => {
                    self.append(segment, on_line);
                    emit_line(&self.partial, on_line);
                    self.partial.clear();
                }
                None => {
                    self.append(segment, on_line);
                    return;
                }
            }
            data = &data[segment.len() + 1..];
        }
    }

    /// Adds to the current line, sending out full pieces while it is longer than
    /// [`MAX_LINE_BYTES`].
    fn append(&mut self, mut segment: &[u8], on_line: &mut dyn FnMut(&str)) {
        if !self.partial.is_empty() {
            let room = MAX_LINE_BYTES - self.partial.len();
            if segment.len() <= room {
                self.partial.extend_from_slice(segment);
                return;
            }
            self.partial.extend_from_slice(&segment[..room]);
            segment = &segment[room..];
            let cut = piece_end(&self.partial);
            on_line(&text(&self.partial[..cut]));
            self.partial.drain(..cut);
            // What is left is the start of a character cut in two: at most 3 bytes.
        }
        while self.partial.len() + segment.len() > MAX_LINE_BYTES {
            if self.partial.is_empty() {
                let cut = piece_end(segment);
                on_line(&text(&segment[..cut]));
                segment = &segment[cut..];
            } else {
                let take = MAX_LINE_BYTES - self.partial.len();
                self.partial.extend_from_slice(&segment[..take]);
                segment = &segment[take..];
                let cut = piece_end(&self.partial);
                on_line(&text(&self.partial[..cut]));
                self.partial.drain(..cut);
            }
        }
        self.partial.extend_from_slice(segment);
    }

    fn finish(&mut self, on_line: &mut dyn FnMut(&str)) {
        if !self.partial.is_empty() {
            emit_line(&self.partial, on_line);
            self.partial.clear();
        }
    }
}

/// Where the first piece of an over-long line ends: at most [`MAX_LINE_BYTES`], not
/// inside a character (unless the bytes are not UTF-8 at all).
fn piece_end(bytes: &[u8]) -> usize {
    match char_boundary_before(bytes, MAX_LINE_BYTES.min(bytes.len())) {
        0 => MAX_LINE_BYTES.min(bytes.len()),
        cut => cut,
    }
}

/// Hands a complete line to `on_line` without its `\r`.
fn emit_line(line: &[u8], on_line: &mut dyn FnMut(&str)) {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    on_line(&text(line));
}

/// The bytes as text: `from_utf8_lossy` walks byte by byte even over valid input, so
/// the vectorised check goes first (most output is valid UTF-8).
fn text(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(valid) => std::borrow::Cow::Borrowed(valid),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines_of(chunks: &[&[u8]]) -> Vec<String> {
        let mut out = Vec::new();
        let mut splitter = LineSplitter::default();
        let mut on_line = |l: &str| out.push(l.to_string());
        for chunk in chunks {
            splitter.push(chunk, &mut on_line);
        }
        splitter.finish(&mut on_line);
        out
    }

    #[test]
    fn lines_are_split_across_chunks() {
        assert_eq!(lines_of(&[b"a\nb", b"c\r\n", b"\nd"]), ["a", "bc", "", "d"]);
        assert_eq!(lines_of(&[b"x\n"]), ["x"]);
        assert!(lines_of(&[]).is_empty());
    }

    #[test]
    fn long_lines_come_in_bounded_pieces() {
        let long = vec![b'a'; MAX_LINE_BYTES * 3 + 10];
        let pieces = lines_of(&[&long[..5000], &long[5000..], b"\n"]);
        assert!(pieces.iter().all(|p| p.len() <= MAX_LINE_BYTES));
        assert_eq!(pieces.concat().len(), long.len());
    }

    #[test]
    fn a_line_of_exactly_the_limit_is_one_line() {
        let line = vec![b'x'; MAX_LINE_BYTES];
        let got = lines_of(&[&line[..100], &line[100..], b"\nnext\n"]);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].len(), MAX_LINE_BYTES);
        assert_eq!(got[1], "next");
    }

    #[test]
    fn long_lines_split_the_same_however_they_arrive() {
        let mut text = "é".repeat(MAX_LINE_BYTES * 2 + 3).into_bytes();
        text.extend_from_slice(b"\nend\n");
        let whole = lines_of(&[&text]);
        let bytewise: Vec<&[u8]> = text.chunks(1).collect();
        assert_eq!(lines_of(&bytewise), whole);
        let odd: Vec<&[u8]> = text.chunks(777).collect();
        assert_eq!(lines_of(&odd), whole);
        assert_eq!(whole.last().map(String::as_str), Some("end"));
        assert!(whole
            .iter()
            .all(|p| p.len() <= MAX_LINE_BYTES && !p.contains('\u{FFFD}')));
    }

    #[test]
    fn pieces_do_not_split_characters() {
        let text = "é".repeat(MAX_LINE_BYTES); // two bytes each
        let pieces = lines_of(&[text.as_bytes()]);
        assert!(pieces.iter().all(|p| !p.contains('\u{FFFD}')));
        assert_eq!(pieces.concat(), text);
    }

    #[test]
    fn short_output_is_kept_whole() {
        let mut c = Capture::default();
        c.push(b"hello ");
        c.push(b"world");
        assert_eq!(c.excerpt(), "hello world");
        assert_eq!(c.total, 11);
    }

    #[test]
    fn output_of_exactly_head_plus_tail_is_whole() {
        let mut c = Capture::default();
        let data = vec![b'x'; HEAD_BYTES + TAIL_BYTES];
        for chunk in data.chunks(1000) {
            c.push(chunk);
        }
        assert_eq!(c.excerpt().len(), data.len());
    }

    #[test]
    fn long_output_keeps_head_and_tail() {
        let mut c = Capture::default();
        c.push(&vec![b'h'; HEAD_BYTES]);
        for _ in 0..100 {
            c.push(&vec![b'm'; 10_000]);
        }
        c.push(&vec![b't'; TAIL_BYTES - 1]);
        c.push(b"END");
        let text = c.excerpt();
        assert!(text.starts_with(&"h".repeat(HEAD_BYTES)));
        assert!(text.ends_with("END"));
        let omitted = 100 * 10_000 + TAIL_BYTES - 1 + 3 - TAIL_BYTES;
        assert!(
            text.contains(&format!("[… {omitted} bytes omitted …]")),
            "{}",
            &text[HEAD_BYTES..HEAD_BYTES + 60]
        );
        assert!(c.tail.len() <= 2 * TAIL_BYTES);
    }

    #[test]
    fn char_boundaries() {
        let s = "aé€😀".as_bytes(); // 1 + 2 + 3 + 4 bytes
        assert_eq!(char_boundary_before(s, 2), 1);
        assert_eq!(char_boundary_before(s, 3), 3);
        assert_eq!(char_boundary_before(s, 5), 3);
        assert_eq!(char_boundary_before(s, s.len()), s.len());
        assert_eq!(char_boundary_before(&s[..8], 8), 6);
    }
}
