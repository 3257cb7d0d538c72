//! Reading an archive back: gzip members inflated in parallel when metadata.json lists them
//! (each member is independent), else one `MultiGzDecoder`. Either way the result is a plain
//! `Read` of the tar stream, with memory bounded to a few members in flight.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::os::unix::fs::FileExt as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use flate2::read::{GzDecoder, MultiGzDecoder};

use super::pgzip::{CHUNK, Member};

/// Largest member sfp inflates in one piece (members it writes hold [`CHUNK`] bytes).
const MAX_MEMBER_RAW: u64 = 16 * CHUNK as u64;

/// Opens the tar stream of an archive of `size` bytes. `members` comes from metadata.json; when
/// it does not tile the file exactly, the archive is read sequentially.
pub fn tar_stream(
    file: File,
    size: u64,
    members: &[Member],
    threads: usize,
) -> Box<dyn Read + Send> {
    if threads > 1 && tiles(members, size) {
        Box::new(ParallelGzReader::new(file, members.to_vec(), threads))
    } else {
        Box::new(MultiGzDecoder::new(BufReader::with_capacity(
            256 * 1024,
            file,
        )))
    }
}

fn tiles(members: &[Member], size: u64) -> bool {
    let mut at = 0u64;
    for m in members {
        if m.offset != at || m.len == 0 || m.raw > MAX_MEMBER_RAW {
            return false;
        }
        at = m.offset.saturating_add(m.len);
    }
    !members.is_empty() && at == size
}

type Inflated = (usize, io::Result<Vec<u8>>);

/// Inflates members on worker threads and yields their bytes in order.
pub struct ParallelGzReader {
    rx: Receiver<Inflated>,
    tokens: SyncSender<()>,
    pending: BTreeMap<usize, io::Result<Vec<u8>>>,
    next: usize,
    total: usize,
    current: Vec<u8>,
    pos: usize,
}

impl ParallelGzReader {
    pub fn new(file: File, members: Vec<Member>, threads: usize) -> Self {
        let total = members.len();
        let in_flight = 2 * threads + 2;
        let (token_tx, token_rx) = sync_channel::<()>(in_flight);
        for _ in 0..in_flight {
            let _ = token_tx.send(());
        }
        let token_rx = Arc::new(std::sync::Mutex::new(token_rx));
        let (tx, rx) = sync_channel::<Inflated>(in_flight);
        let file = Arc::new(file);
        let members = Arc::new(members);
        let cursor = Arc::new(AtomicUsize::new(0));
        for _ in 0..threads {
            let (file, members, cursor, tx, tokens) = (
                Arc::clone(&file),
                Arc::clone(&members),
                Arc::clone(&cursor),
                tx.clone(),
                Arc::clone(&token_rx),
            );
            std::thread::spawn(move || {
                loop {
                    // A token first, so that at most `in_flight` members are held at once.
                    let got = tokens.lock().is_ok_and(|t| t.recv().is_ok());
                    if !got {
                        return;
                    }
                    let i = cursor.fetch_add(1, Ordering::Relaxed);
                    let Some(m) = members.get(i) else { return };
                    if tx.send((i, inflate(&file, *m))).is_err() {
                        return;
                    }
                }
            });
        }
        Self {
            rx,
            tokens: token_tx,
            pending: BTreeMap::new(),
            next: 0,
            total,
            current: Vec::new(),
            pos: 0,
        }
    }
}

fn inflate(file: &File, m: Member) -> io::Result<Vec<u8>> {
    let len = usize::try_from(m.len).map_err(io::Error::other)?;
    let mut packed = vec![0u8; len];
    file.read_exact_at(&mut packed, m.offset)?;
    let mut out = Vec::with_capacity(usize::try_from(m.raw).unwrap_or(0));
    GzDecoder::new(&packed[..])
        .take(m.raw + 1)
        .read_to_end(&mut out)?;
    if out.len() as u64 != m.raw {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "gzip member at offset {} holds {} bytes, expected {}",
                m.offset,
                out.len(),
                m.raw
            ),
        ));
    }
    Ok(out)
}

impl Read for ParallelGzReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pos >= self.current.len() {
            if self.next >= self.total {
                return Ok(0);
            }
            let chunk = loop {
                if let Some(r) = self.pending.remove(&self.next) {
                    break r;
                }
                match self.rx.recv() {
                    Ok((i, r)) => {
                        self.pending.insert(i, r);
                    }
                    Err(_) => return Err(io::Error::other("the inflate threads stopped")),
                }
            };
            self.next += 1;
            let _ = self.tokens.try_send(());
            self.current = chunk?;
            self.pos = 0;
        }
        let n = buf.len().min(self.current.len() - self.pos);
        buf[..n].copy_from_slice(&self.current[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backup::pgzip::ParallelGzWriter;
    use std::io::Write as _;

    #[test]
    fn parallel_and_sequential_reads_agree() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.gz");
        let data: Vec<u8> = (0..CHUNK * 5 + 3)
            .map(|i| u8::try_from(i * 7 % 256).unwrap())
            .collect();
        let mut w = ParallelGzWriter::new(File::create(&path).unwrap(), 1, 2);
        w.write_all(&data).unwrap();
        let done = w.finish().unwrap();
        for threads in [1, 2, 3] {
            let mut back = Vec::new();
            tar_stream(
                File::open(&path).unwrap(),
                done.size,
                &done.members,
                threads,
            )
            .read_to_end(&mut back)
            .unwrap();
            assert_eq!(back, data, "threads {threads}");
        }
        let mut lying = done.members.clone();
        lying[1].raw += 1;
        let mut back = Vec::new();
        let err = tar_stream(File::open(&path).unwrap(), done.size, &lying, 2)
            .read_to_end(&mut back)
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
    }
}
