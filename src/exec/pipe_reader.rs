//! Reading a command's output pipe in big, few chunks.
//!
//! A reader that drains the pipe as soon as anything is in it is woken by every write
//! of the command: a fast producer writing 8 KiB at a time costs a wake-up (two
//! context switches, more with an event loop in between) per 8 KiB, and on a machine
//! with few cores each one is taken from the producer. So the pipe is read on a
//! thread of its own, which, when a wake-up finds little, pauses a fraction of a
//! millisecond and lets the pipe fill before handing the bytes on. A slow command's
//! lines arrive that much later, which nobody can see; a fast one's arrive in chunks
//! of hundreds of KiB. The thread waits in `poll` only while the pipe is empty: an
//! event loop's standing epoll registration would be woken by every write even while
//! the reader is busy.

use nix::fcntl::{fcntl, FcntlArg, OFlag};
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use std::fs::File;
use std::io::{self, Read};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::mpsc;

/// The most handed on at once, and the pipe capacity asked for.
pub const CHUNK_BYTES: usize = 1024 * 1024;
/// A wake-up that finds less than this waits [`PAUSE`] for more.
const SMALL_READ: usize = 256 * 1024;
/// Short enough that a producer writing 5 GB/s does not fill a 1 MiB pipe meanwhile.
const PAUSE: Duration = Duration::from_micros(100);
/// Pausing only pays when the pipe can hold what arrives meanwhile.
const MIN_PIPE_FOR_PAUSE: usize = 512 * 1024;
/// How often a reader waiting for output checks that someone still wants it.
const STOP_CHECK_MS: u16 = 100;
/// Chunks in flight between the thread and the consumer: with the one being read
/// and the one being handled, memory stays at a few [`CHUNK_BYTES`].
const QUEUE: usize = 2;

/// Handled buffers, kept for the next read, of this step or a later one: a new
/// buffer is a mebibyte the allocator zeroes, which was most of the runner's own
/// work on a step that prints little.
static SPARE: Mutex<Vec<ReadBuffer>> = Mutex::new(Vec::new());
/// One reader's chunks in flight, plus the one being read; steps run one at a time.
const SPARE_KEPT: usize = QUEUE + 1;

/// The receiving end: chunks of output in order; `None` at end-of-file.
pub struct PipeReader {
    chunks: mpsc::Receiver<ReadBuffer>,
}

/// Bytes read from the pipe. Kept at full length between uses, so reusing one
/// does not zero it again.
pub struct ReadBuffer {
    data: Vec<u8>,
    len: usize,
}

impl ReadBuffer {
    /// A spare buffer, or a new one.
    fn take() -> Self {
        let spare = SPARE.lock().ok().and_then(|mut spare| spare.pop());
        let mut buffer = spare.unwrap_or_else(|| ReadBuffer {
            data: vec![0; CHUNK_BYTES],
            len: 0,
        });
        buffer.len = 0;
        buffer
    }

    /// Keeps the buffer for a later [`ReadBuffer::take`].
    fn give_back(self) {
        if let Ok(mut spare) = SPARE.lock() {
            if spare.len() < SPARE_KEPT {
                spare.push(self);
            }
        }
    }

    pub fn bytes(&self) -> &[u8] {
        &self.data[..self.len]
    }
}

impl PipeReader {
    /// Starts reading `pipe` (the read end of the command's output) on a thread that
    /// ends at end-of-file, on a read error, or soon after this reader is dropped.
    pub fn start(pipe: OwnedFd) -> io::Result<PipeReader> {
        // A roomier pipe lets the command run ahead while a chunk is being handled.
        // Best effort: the kernel may refuse (pipe-max-size).
        let _ = fcntl(pipe.as_raw_fd(), FcntlArg::F_SETPIPE_SZ(CHUNK_BYTES as i32));
        let capacity = fcntl(pipe.as_raw_fd(), FcntlArg::F_GETPIPE_SZ).unwrap_or(0);
        // Our read end only: the command's write end is another open file.
        fcntl(pipe.as_raw_fd(), FcntlArg::F_SETFL(OFlag::O_NONBLOCK))?;
        let (chunks_tx, chunks) = mpsc::channel(QUEUE);
        let pump = Pump {
            pipe: File::from(pipe),
            pause: usize::try_from(capacity).is_ok_and(|c| c >= MIN_PIPE_FOR_PAUSE),
            chunks: chunks_tx,
        };
        std::thread::Builder::new()
            .name("runbook-output".into())
            .spawn(move || pump.run())?;
        Ok(PipeReader { chunks })
    }

    /// The next chunk, never empty; `None` once the pipe reached end-of-file.
    pub async fn next(&mut self) -> Option<ReadBuffer> {
        self.chunks.recv().await
    }

    /// Gives a handled chunk's buffer back, so reading does not allocate again.
    pub fn recycle(&self, buffer: ReadBuffer) {
        buffer.give_back();
    }
}

/// The thread's side.
struct Pump {
    pipe: File,
    pause: bool,
    chunks: mpsc::Sender<ReadBuffer>,
}

/// What one round of reading found.
enum Filled {
    /// Some bytes, and the pipe may hold more later.
    Open,
    /// End-of-file (or a read error, which ends reading the same way).
    Ended,
}

impl Pump {
    fn run(mut self) {
        loop {
            if !self.wait_readable() {
                return;
            }
            let mut buffer = ReadBuffer::take();
            let mut state = self.fill(&mut buffer);
            if matches!(state, Filled::Open) && self.pause && buffer.len < SMALL_READ {
                // The command writes faster than this wake-up suggests, or it is
                // quiet: either way a moment's wait costs nothing visible.
                std::thread::sleep(PAUSE);
                state = self.fill(&mut buffer);
            }
            if buffer.len == 0 {
                buffer.give_back();
            } else if self.chunks.blocking_send(buffer).is_err() {
                return; // nobody reads any more
            }
            if let Filled::Ended = state {
                return;
            }
        }
    }

    /// Waits until the pipe has bytes or reached end-of-file. `false`: the receiving
    /// end is gone (the run is over), stop.
    fn wait_readable(&self) -> bool {
        loop {
            if self.chunks.is_closed() {
                return false;
            }
            let mut fds = [PollFd::new(self.pipe.as_fd(), PollFlags::POLLIN)];
            match poll(&mut fds, PollTimeout::from(STOP_CHECK_MS)) {
                Ok(0) => continue,
                Ok(_) => return true,
                Err(nix::errno::Errno::EINTR) => continue,
                // Cannot wait: let the read report what is wrong.
                Err(_) => return true,
            }
        }
    }

    /// Adds what the pipe holds to `buffer`, until the pipe is empty or the buffer
    /// full.
    fn fill(&mut self, buffer: &mut ReadBuffer) -> Filled {
        while buffer.len < buffer.data.len() {
            match self.pipe.read(&mut buffer.data[buffer.len..]) {
                Ok(0) => return Filled::Ended,
                Ok(n) => buffer.len += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => return Filled::Ended,
            }
        }
        Filled::Open
    }
}
