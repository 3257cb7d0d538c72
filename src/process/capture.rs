//! A bounded record of what a child printed: the first bytes and the last bytes, with the count
//! of what was dropped in between. A gate printing gigabytes costs a few hundred KiB. Both sides
//! of the gap end between words, so that a secret cut by it is dropped rather than left in a piece
//! the scanner could no longer recognise.

use std::fmt::Write as _;

/// What the runner keeps of a child's output while it runs.
#[derive(Debug)]
pub(crate) struct Capture {
    head: Vec<u8>,
    tail: Vec<u8>,
    head_limit: usize,
    tail_limit: usize,
    total: u64,
}

/// The kept output once the child is done.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Captured {
    /// Head and tail as text (invalid UTF-8 replaced), with a mark where bytes were dropped.
    pub text: String,
    /// Every byte the child wrote.
    pub total_bytes: u64,
    /// Whether bytes were dropped.
    pub truncated: bool,
}

impl Capture {
    /// Keeps at most `head_limit` leading and `tail_limit` trailing bytes.
    pub(crate) fn new(head_limit: usize, tail_limit: usize) -> Self {
        Self {
            head: Vec::new(),
            tail: Vec::new(),
            head_limit,
            tail_limit,
            total: 0,
        }
    }

    pub(crate) fn push(&mut self, mut bytes: &[u8]) {
        self.total += bytes.len() as u64;
        let room = self.head_limit.saturating_sub(self.head.len());
        if room > 0 {
            let take = room.min(bytes.len());
            self.head.extend_from_slice(&bytes[..take]);
            bytes = &bytes[take..];
        }
        if bytes.is_empty() || self.tail_limit == 0 {
            return;
        }
        if bytes.len() >= self.tail_limit {
            self.tail.clear();
            self.tail
                .extend_from_slice(&bytes[bytes.len() - self.tail_limit..]);
            return;
        }
        self.tail.extend_from_slice(bytes);
        // Trim in batches so that the cost stays linear in what was written.
        if self.tail.len() > 2 * self.tail_limit {
            let cut = self.tail.len() - self.tail_limit;
            self.tail.drain(..cut);
        }
    }

    /// Bytes held in memory right now (for the tests of the bound).
    #[cfg(test)]
    fn held(&self) -> usize {
        self.head.len() + self.tail.len()
    }

    pub(crate) fn finish(&self) -> Captured {
        let kept_tail = if self.tail.len() > self.tail_limit {
            &self.tail[self.tail.len() - self.tail_limit..]
        } else {
            &self.tail[..]
        };
        let head = String::from_utf8_lossy(&self.head);
        let tail = String::from_utf8_lossy(kept_tail);
        let gap = self.total - (self.head.len() + kept_tail.len()) as u64;
        if gap == 0 {
            let mut text = head.into_owned();
            text.push_str(&tail);
            return Captured {
                text,
                total_bytes: self.total,
                truncated: false,
            };
        }
        // Each side of the gap ends between words, so that no secret is left cut in half where
        // the scanner could no longer recognise it.
        let head = crate::text::before_cut(&head);
        let tail = crate::text::after_cut(&tail);
        let dropped = self.total.saturating_sub((head.len() + tail.len()) as u64);
        let mut text = head.to_owned();
        let _ = write!(text, "\n[… {dropped} bytes of output omitted …]\n");
        text.push_str(tail);
        Captured {
            text,
            total_bytes: self.total,
            truncated: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_output_is_kept_whole() {
        let mut c = Capture::new(8, 8);
        c.push(b"hello ");
        c.push(b"world");
        let out = c.finish();
        assert_eq!(out.text, "hello world");
        assert!(!out.truncated);
        assert_eq!(out.total_bytes, 11);
    }

    #[test]
    fn keeps_head_and_tail_and_counts_the_gap() {
        let mut c = Capture::new(4, 4);
        for chunk in [&b"abcdef"[..], b"ghij", b"k", b"lmnopqrstuvwxyz"] {
            c.push(chunk);
        }
        assert!(c.held() <= 4 + 2 * 4);
        let out = c.finish();
        // Neither side keeps part of a word cut by the gap.
        assert_eq!(out.text, "\n[… 26 bytes of output omitted …]\n");
        let mut c = Capture::new(6, 6);
        c.push(b"ab cdef ghi jkl mn opq");
        assert_eq!(
            c.finish().text,
            "ab \n[… 16 bytes of output omitted …]\nopq"
        );
        assert!(out.truncated);
        assert_eq!(out.total_bytes, 26);
    }

    #[test]
    fn memory_stays_bounded_under_a_flood() {
        let mut c = Capture::new(1024, 1024);
        let chunk = vec![b'x'; 4096];
        for _ in 0..10_000 {
            c.push(&chunk);
            assert!(c.held() <= 1024 + 2 * 1024);
        }
        assert_eq!(c.finish().total_bytes, 40_960_000);
    }
}
