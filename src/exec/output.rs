//! What happens to a command's output: handed on in runs of whole lines, and kept as
//! a bounded head and tail.
//!
//! The bytes are touched as little as possible, because on a small machine every
//! CPU-second spent here is taken from the command: per chunk read, one search for
//! its last line ending, one UTF-8 check, and a copy of at most [`TAIL_BYTES`].

use std::borrow::Cow;

/// Bytes of output kept from the start and from the end of a step's output.
pub const HEAD_BYTES: usize = 64 * 1024;
pub const TAIL_BYTES: usize = 64 * 1024;
/// How long an unfinished line is held back waiting for its end; past this, what has
/// arrived of it is passed on in pieces.
pub const MAX_LINE_BYTES: usize = 8 * 1024;

/// A run of a command's output as it arrives: whole lines, each with its line ending.
/// Two exceptions: a line still unfinished after [`MAX_LINE_BYTES`] comes in pieces
/// (cut after a space or tab where there is one, so words stay whole, and never
/// inside a character), and the command's last line may lack its ending.
/// Invalid UTF-8 is replaced by U+FFFD.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chunk<'a> {
    text: &'a str,
}

impl<'a> Chunk<'a> {
    pub fn text(&self) -> &'a str {
        self.text
    }

    /// The lines of the chunk without their endings (`\n` or `\r\n`).
    pub fn lines(&self) -> std::str::Lines<'a> {
        self.text.lines()
    }
}

/// Where output goes: the bounded capture and the caller's callback, both after the
/// runner's own text (see [`Strip`]) is taken out.
pub(super) struct Sink<'a> {
    pub(super) capture: Capture,
    lines: LineAssembler,
    strip: Option<Strip>,
    on_output: &'a mut (dyn FnMut(Chunk<'_>) + 'a),
}

impl<'a> Sink<'a> {
    /// `strip`: text the runner put into the command's script that the shell may quote
    /// back (the start gate), removed wherever it appears in the output.
    pub(super) fn new(
        on_output: &'a mut (dyn FnMut(Chunk<'_>) + 'a),
        strip: Option<&'static str>,
    ) -> Self {
        Sink {
            capture: Capture::default(),
            lines: LineAssembler::default(),
            strip: strip.filter(|s| !s.is_empty()).map(Strip::new),
            on_output,
        }
    }

    pub(super) fn push(&mut self, data: &[u8]) {
        let Sink {
            capture,
            lines,
            strip,
            on_output,
        } = self;
        let mut pass = |bytes: &[u8]| {
            capture.push(bytes);
            lines.push(bytes, &mut |run| on_output(Chunk { text: &text(run) }));
        };
        match strip {
            Some(strip) => strip.push(data, &mut pass),
            None => pass(data),
        }
    }

    pub(super) fn finish(&mut self) {
        if let Some(strip) = &mut self.strip {
            let (capture, lines, on_output) =
                (&mut self.capture, &mut self.lines, &mut *self.on_output);
            strip.finish(&mut |bytes| {
                capture.push(bytes);
                lines.push(bytes, &mut |run| on_output(Chunk { text: &text(run) }));
            });
        }
        let on_output = &mut *self.on_output;
        self.lines
            .finish(&mut |bytes| on_output(Chunk { text: &text(bytes) }));
    }
}

/// Takes a fixed text out of a byte stream wherever it appears, also when two reads
/// split it. Per read: one memmem search, and a look for the text's first byte in the
/// read's last few bytes; a read ending in the first bytes of the text keeps them
/// back until the next one shows whether the text goes on (the line they are on is
/// unfinished, so nothing is shown later for it).
struct Strip {
    needle: &'static [u8],
    finder: memchr::memmem::Finder<'static>,
    /// A proper prefix of `needle` that ended the stream so far.
    held: Vec<u8>,
}

impl Strip {
    fn new(needle: &'static str) -> Self {
        let needle = needle.as_bytes();
        Strip {
            needle,
            finder: memchr::memmem::Finder::new(needle),
            held: Vec::with_capacity(needle.len()),
        }
    }

    fn push(&mut self, data: &[u8], out: &mut dyn FnMut(&[u8])) {
        if self.held.is_empty() {
            return self.scan(data, out);
        }
        let n = self.needle.len();
        let mut joined = std::mem::take(&mut self.held);
        if data.len() < n {
            // Short: held and new bytes together are small; scan them as one.
            joined.extend_from_slice(data);
            self.scan(&joined, out);
            return;
        }
        // Only a match starting in the held bytes is new here; it ends within the
        // first `n` bytes of `data`.
        let held = joined.len();
        joined.extend_from_slice(&data[..n]);
        match self.finder.find(&joined) {
            Some(at) if at < held => {
                emit(out, &joined[..at]);
                self.scan(&data[at + n - held..], out);
            }
            _ => {
                emit(out, &joined[..held]);
                self.scan(data, out);
            }
        }
    }

    /// Passes `data` on without the needle, holding back an end that may begin it.
    fn scan(&mut self, mut data: &[u8], out: &mut dyn FnMut(&[u8])) {
        let n = self.needle.len();
        while let Some(at) = self.finder.find(data) {
            emit(out, &data[..at]);
            data = &data[at + n..];
        }
        let keep = self.partial_at_end(data);
        emit(out, &data[..data.len() - keep]);
        self.held.extend_from_slice(&data[data.len() - keep..]);
    }

    /// The length of the longest end of `data` that the needle starts with.
    fn partial_at_end(&self, data: &[u8]) -> usize {
        let window = &data[data.len() - data.len().min(self.needle.len() - 1)..];
        memchr::memchr_iter(self.needle[0], window)
            .find(|&i| self.needle.starts_with(&window[i..]))
            .map_or(0, |i| window.len() - i)
    }

    fn finish(&mut self, out: &mut dyn FnMut(&[u8])) {
        let held = std::mem::take(&mut self.held);
        emit(out, &held);
    }
}

fn emit(out: &mut dyn FnMut(&[u8]), bytes: &[u8]) {
    if !bytes.is_empty() {
        out(bytes);
    }
}

/// The first [`HEAD_BYTES`] and the last [`TAIL_BYTES`] of a stream, and its length.
#[derive(Debug, Default)]
pub(super) struct Capture {
    head: Vec<u8>,
    /// Holds at most twice [`TAIL_BYTES`]; trimmed to the last [`TAIL_BYTES`] when it
    /// overflows, so trimming costs O(1) per byte.
    tail: Vec<u8>,
    pub(super) total: u64,
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

    /// Lossy UTF-8: all of the output when short, otherwise the head, a line saying
    /// how much was left out, and the tail.
    pub(super) fn excerpt(&self) -> String {
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

/// Cuts a byte stream into runs of whole lines, holding back an unfinished line of
/// less than [`MAX_LINE_BYTES`]. Whole lines go out straight from the bytes read;
/// only a line that straddles two reads is copied.
#[derive(Debug, Default)]
struct LineAssembler {
    /// The start of a line whose end has not arrived: shorter than
    /// [`MAX_LINE_BYTES`], no `\n`.
    partial: Vec<u8>,
}

impl LineAssembler {
    fn push(&mut self, mut data: &[u8], emit: &mut dyn FnMut(&[u8])) {
        while !self.partial.is_empty() && !data.is_empty() {
            data = self.continue_partial(data, emit);
        }
        if data.is_empty() {
            return;
        }
        let unfinished = match memchr::memrchr(b'\n', data) {
            Some(end) => {
                emit(&data[..=end]);
                &data[end + 1..]
            }
            None => data,
        };
        self.hold(unfinished, emit);
    }

    /// Adds the start of `data` to the held line and passes the line on when it
    /// ends, or, once it outgrows [`MAX_LINE_BYTES`], what can go without cutting a
    /// word. Returns the rest of `data`.
    fn continue_partial<'d>(&mut self, data: &'d [u8], emit: &mut dyn FnMut(&[u8])) -> &'d [u8] {
        let room = MAX_LINE_BYTES - self.partial.len();
        let window = &data[..data.len().min(room)];
        if let Some(end) = memchr::memchr(b'\n', window) {
            return self.emit_with(&data[..=end], data, emit);
        }
        if window.len() < room {
            self.partial.extend_from_slice(window);
            return &[];
        }
        // Too long. The held word ends at the next space or tab: go up to it.
        if let Some(space) = memchr::memchr2(b' ', b'\t', window) {
            return self.emit_with(&data[..=space], data, emit);
        }
        // No space for a while: pass on the held words before the one still going,
        if let Some(cut) = memchr::memrchr2(b' ', b'\t', &self.partial).map(|space| space + 1) {
            emit(&self.partial[..cut]);
            self.partial.drain(..cut);
            return data;
        }
        // or, when that word is longer than a few KiB, cut it where the held part
        // ends (completing a character begun there).
        self.emit_with(&window[..first_char_start(window)], data, emit)
    }

    /// Passes on the held bytes followed by `more` (the start of `data`); returns the
    /// rest of `data`.
    fn emit_with<'d>(
        &mut self,
        more: &[u8],
        data: &'d [u8],
        emit: &mut dyn FnMut(&[u8]),
    ) -> &'d [u8] {
        self.partial.extend_from_slice(more);
        emit(&self.partial);
        self.partial.clear();
        &data[more.len()..]
    }

    /// Keeps an unfinished line; one already too long goes out now, all but a word
    /// (or character) cut in two at its end.
    fn hold(&mut self, unfinished: &[u8], emit: &mut dyn FnMut(&[u8])) {
        if unfinished.len() >= MAX_LINE_BYTES {
            let cut = piece_end(unfinished);
            emit(&unfinished[..cut]);
            self.partial.extend_from_slice(&unfinished[cut..]);
        } else {
            self.partial.extend_from_slice(unfinished);
        }
    }

    fn finish(&mut self, emit: &mut dyn FnMut(&[u8])) {
        if !self.partial.is_empty() {
            emit(&self.partial);
            self.partial.clear();
        }
    }
}

/// Where to end a piece of an over-long line so that what is left (held for the
/// next read) is shorter than half of [`MAX_LINE_BYTES`]: after the last space or
/// tab near the end, else at the last character boundary.
fn piece_end(bytes: &[u8]) -> usize {
    let near_end = bytes.len() - (MAX_LINE_BYTES / 2).min(bytes.len());
    if let Some(space) = memchr::memrchr2(b' ', b'\t', &bytes[near_end..]) {
        return near_end + space + 1;
    }
    match char_boundary_before(bytes, bytes.len()) {
        0 => bytes.len(), // not UTF-8 anyway
        cut => cut,
    }
}

/// Where the first character starting in `bytes` begins (continuation bytes of a
/// character begun earlier come first).
fn first_char_start(bytes: &[u8]) -> usize {
    bytes
        .iter()
        .take(3)
        .position(|&b| !is_continuation(b))
        .unwrap_or(bytes.len().min(3))
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

/// The bytes as text: `from_utf8_lossy` walks byte by byte even over valid input, so
/// the vectorised check goes first (most output is valid UTF-8).
fn text(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(valid) => Cow::Borrowed(valid),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The runs the assembler hands on for `chunks` read one after the other.
    fn runs_of(chunks: &[&[u8]]) -> Vec<String> {
        let mut out = Vec::new();
        let mut assembler = LineAssembler::default();
        let mut emit = |bytes: &[u8]| out.push(text(bytes).into_owned());
        for chunk in chunks {
            assembler.push(chunk, &mut emit);
        }
        assembler.finish(&mut emit);
        out
    }

    fn lines_of(chunks: &[&[u8]]) -> Vec<String> {
        runs_of(chunks)
            .iter()
            .flat_map(|run| run.lines().map(str::to_string).collect::<Vec<_>>())
            .collect()
    }

    #[test]
    fn whole_lines_of_a_read_go_out_together() {
        assert_eq!(runs_of(&[b"a\nb\nc\n"]), ["a\nb\nc\n"]);
        assert_eq!(runs_of(&[b"a\nb", b"c\nd\n"]), ["a\n", "bc\n", "d\n"]);
    }

    #[test]
    fn lines_are_split_across_chunks() {
        assert_eq!(lines_of(&[b"a\nb", b"c\r\n", b"\nd"]), ["a", "bc", "", "d"]);
        assert_eq!(lines_of(&[b"x\n"]), ["x"]);
        assert!(lines_of(&[]).is_empty());
    }

    #[test]
    fn a_line_split_byte_by_byte_arrives_whole() {
        let line = b"TOKEN=s3cr3t-value and more\n";
        let bytewise: Vec<&[u8]> = line.chunks(1).collect();
        assert_eq!(runs_of(&bytewise), ["TOKEN=s3cr3t-value and more\n"]);
    }

    #[test]
    fn long_lines_come_in_bounded_pieces() {
        let long = vec![b'a'; MAX_LINE_BYTES * 3 + 10];
        let pieces = runs_of(&[&long[..5000], &long[5000..], b"\n"]);
        assert!(pieces.len() > 1);
        assert_eq!(pieces.concat().len(), long.len() + 1);
    }

    #[test]
    fn a_held_line_never_outgrows_the_limit() {
        let long = vec![b'a'; MAX_LINE_BYTES * 4];
        let mut assembler = LineAssembler::default();
        for piece in long.chunks(1000) {
            assembler.push(piece, &mut |_| {});
            assert!(assembler.partial.len() < MAX_LINE_BYTES);
        }
    }

    #[test]
    fn a_line_of_just_under_the_limit_is_one_line() {
        let line = vec![b'x'; MAX_LINE_BYTES - 1];
        let got = lines_of(&[&line[..100], &line[100..], b"\nnext\n"]);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].len(), MAX_LINE_BYTES - 1);
        assert_eq!(got[1], "next");
    }

    #[test]
    fn long_lines_are_cut_between_words() {
        let words = "word ".repeat(MAX_LINE_BYTES);
        let mut stream = words.clone().into_bytes();
        stream.extend_from_slice(b"\n");
        for size in [1, 777, 4096, 100_000] {
            let chunks: Vec<&[u8]> = stream.chunks(size).collect();
            let pieces = runs_of(&chunks);
            assert_eq!(pieces.concat(), format!("{words}\n"), "reads of {size}");
            for piece in &pieces[..pieces.len() - 1] {
                assert!(
                    piece.ends_with(' '),
                    "reads of {size}: {:?}",
                    &piece[piece.len() - 8..]
                );
            }
        }
    }

    #[test]
    fn long_lines_split_the_same_however_they_arrive() {
        let mut text = "é".repeat(MAX_LINE_BYTES * 2 + 3).into_bytes();
        text.extend_from_slice(b"\nend\n");
        for size in [1, 777, text.len()] {
            let chunks: Vec<&[u8]> = text.chunks(size).collect();
            let pieces = runs_of(&chunks);
            assert_eq!(pieces.concat().as_bytes(), &text[..], "reads of {size}");
            assert!(
                pieces.iter().all(|p| !p.contains('\u{FFFD}')),
                "reads of {size}"
            );
        }
    }

    const GATE: &str = "read -r G || exit 125; exec </dev/null; ";

    /// What a [`Strip`] of [`GATE`] passes on for `chunks` read one after the other.
    fn stripped(chunks: &[&[u8]]) -> String {
        let mut out = Vec::new();
        let mut strip = Strip::new(GATE);
        for chunk in chunks {
            strip.push(chunk, &mut |b| out.extend_from_slice(b));
        }
        strip.finish(&mut |b| out.extend_from_slice(b));
        String::from_utf8(out).expect("UTF-8 in, UTF-8 out")
    }

    #[test]
    fn the_gate_is_taken_out_however_the_reads_split_it() {
        let stream =
            format!("bash: -c: line 1: `{GATE}echo ('\nrest r re read -r\n{GATE}{GATE}x read");
        let expected = stream.replace(GATE, "");
        assert!(!expected.contains("exit 125"));
        let bytes = stream.as_bytes();
        assert_eq!(stripped(&[bytes]), expected);
        for cut in 0..=bytes.len() {
            assert_eq!(
                stripped(&[&bytes[..cut], &bytes[cut..]]),
                expected,
                "cut at {cut}"
            );
        }
        for size in [1, 2, 3, 7, GATE.len() - 1, GATE.len(), GATE.len() + 1] {
            let chunks: Vec<&[u8]> = bytes.chunks(size).collect();
            assert_eq!(stripped(&chunks), expected, "reads of {size}");
        }
    }

    #[test]
    fn text_like_the_gate_but_not_it_stays() {
        let near = &GATE[..GATE.len() - 1];
        let stream = format!("{near}\nread -r read -r G || exit 12\n{near}");
        assert_eq!(stripped(&[stream.as_bytes()]), stream);
        let bytes = stream.as_bytes();
        let chunks: Vec<&[u8]> = bytes.chunks(5).collect();
        assert_eq!(stripped(&chunks), stream);
    }

    #[test]
    fn a_sink_shows_and_captures_output_without_the_gate() {
        let mut shown = String::new();
        let mut on_output = |c: Chunk<'_>| shown.push_str(c.text());
        let mut sink = Sink::new(&mut on_output, Some(GATE));
        let message = format!("bash: -c: line 1: `{GATE}echo ('\n");
        let (a, b) = message.as_bytes().split_at(30);
        sink.push(a);
        sink.push(b);
        sink.finish();
        let capture = sink.capture.excerpt();
        let total = sink.capture.total;
        drop(sink);
        assert_eq!(shown, "bash: -c: line 1: `echo ('\n");
        assert_eq!(capture, shown);
        assert_eq!(total, shown.len() as u64);
    }

    proptest::proptest! {
        #[test]
        fn stripping_is_str_replace_whatever_the_reads(
            pieces in proptest::collection::vec("read -r G|exit 125; |[r e]{0,3}|x\n", 0..12),
            cuts in proptest::collection::vec(0usize..200, 0..6),
        ) {
            let stream: String = pieces
                .iter()
                .map(|p| if p == "read -r G" { GATE } else { p.as_str() })
                .collect();
            let bytes = stream.as_bytes();
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(bytes.len())).collect();
            cuts.sort_unstable();
            let mut chunks = Vec::new();
            let mut from = 0;
            for cut in cuts {
                chunks.push(&bytes[from..cut]);
                from = cut;
            }
            chunks.push(&bytes[from..]);
            proptest::prop_assert_eq!(stripped(&chunks), stream.replace(GATE, ""));
        }
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
        assert_eq!(first_char_start(&s[2..]), 1);
        assert_eq!(first_char_start(&s[1..]), 0);
    }
}
