//! Parallel gzip: the tar stream is cut into chunks that N threads compress at once, each into
//! its own gzip member. Concatenated members are one valid gzip file (RFC 1952), read by
//! `tar -xzf`, `gzip -d` and flate2's `MultiGzDecoder`; the member table is kept so a restore can
//! inflate members in parallel too.
//!
//! Memory stays bounded: at most `2 × threads + 2` chunks are in flight, whatever the archive size.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use flate2::Compression;
use flate2::write::GzEncoder;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

/// Uncompressed bytes per gzip member.
pub const CHUNK: usize = 1024 * 1024;

/// One gzip member of an archive: where it starts, its compressed and uncompressed length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub offset: u64,
    pub len: u64,
    pub raw: u64,
}

/// What the writer thread reports when the stream is finished.
#[derive(Debug)]
pub struct Finished<W> {
    pub inner: W,
    /// SHA-256 of the compressed bytes, hex.
    pub sha256: String,
    pub size: u64,
    pub members: Vec<Member>,
}

type Job = (u64, Vec<u8>);

/// A `Write` that gzips what it is given on worker threads and writes the members, in order, to
/// the inner writer.
pub struct ParallelGzWriter<W: Write + Send + 'static> {
    buf: Vec<u8>,
    seq: u64,
    jobs: Option<SyncSender<Job>>,
    tokens: Receiver<()>,
    workers: Vec<JoinHandle<()>>,
    writer: Option<JoinHandle<io::Result<Finished<W>>>>,
}

impl<W: Write + Send + 'static> ParallelGzWriter<W> {
    pub fn new(inner: W, level: u32, threads: usize) -> Self {
        let threads = threads.max(1);
        let in_flight = 2 * threads + 2;
        let (token_tx, tokens) = sync_channel::<()>(in_flight);
        for _ in 0..in_flight {
            let _ = token_tx.send(());
        }
        let (jobs, job_rx) = sync_channel::<Job>(threads);
        let job_rx = Arc::new(Mutex::new(job_rx));
        let (done_tx, done_rx) = sync_channel::<(u64, Vec<u8>, u64)>(in_flight);
        let workers = (0..threads)
            .map(|_| {
                let rx = Arc::clone(&job_rx);
                let tx = done_tx.clone();
                std::thread::spawn(move || compress_jobs(&rx, &tx, level))
            })
            .collect();
        drop(done_tx);
        let writer = std::thread::spawn(move || write_members(inner, &done_rx, &token_tx));
        Self {
            buf: Vec::with_capacity(CHUNK),
            seq: 0,
            jobs: Some(jobs),
            tokens,
            workers,
            writer: Some(writer),
        }
    }

    fn dispatch(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        if self.tokens.recv().is_err() {
            return Err(self.writer_error());
        }
        let chunk = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK));
        let sent = self
            .jobs
            .as_ref()
            .is_some_and(|jobs| jobs.send((self.seq, chunk)).is_ok());
        if !sent {
            return Err(self.writer_error());
        }
        self.seq += 1;
        Ok(())
    }

    /// The writer thread stopped early: collect its error.
    fn writer_error(&mut self) -> io::Error {
        self.jobs = None;
        match self.writer.take().map(JoinHandle::join) {
            Some(Ok(Err(e))) => e,
            _ => io::Error::other("the compression pipeline stopped"),
        }
    }

    /// Compresses what is left, waits for every thread and returns the inner writer.
    pub fn finish(mut self) -> io::Result<Finished<W>> {
        self.dispatch()?;
        self.jobs = None;
        for w in self.workers.drain(..) {
            w.join()
                .map_err(|_| io::Error::other("a compression thread panicked"))?;
        }
        match self.writer.take().map(JoinHandle::join) {
            Some(Ok(result)) => result,
            _ => Err(io::Error::other("the archive writer thread panicked")),
        }
    }
}

impl<W: Write + Send + 'static> Write for ParallelGzWriter<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let room = CHUNK - self.buf.len();
        let n = room.min(data.len());
        self.buf.extend_from_slice(&data[..n]);
        if self.buf.len() >= CHUNK {
            self.dispatch()?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn compress_jobs(rx: &Mutex<Receiver<Job>>, tx: &SyncSender<(u64, Vec<u8>, u64)>, level: u32) {
    loop {
        let job = match rx.lock() {
            Ok(guard) => guard.recv(),
            Err(_) => return,
        };
        let Ok((seq, raw)) = job else { return };
        let mut enc = GzEncoder::new(
            Vec::with_capacity(raw.len() / 3 + 64),
            Compression::new(level),
        );
        // Writing into a Vec cannot fail.
        let out = enc.write_all(&raw).and_then(|()| enc.finish());
        let Ok(out) = out else { return };
        if tx.send((seq, out, raw.len() as u64)).is_err() {
            return;
        }
    }
}

fn write_members<W: Write>(
    mut inner: W,
    done: &Receiver<(u64, Vec<u8>, u64)>,
    tokens: &SyncSender<()>,
) -> io::Result<Finished<W>> {
    let mut pending = BTreeMap::new();
    let mut next = 0u64;
    let mut sha = Sha256::new();
    let mut size = 0u64;
    let mut members = Vec::new();
    for (seq, bytes, raw) in done {
        pending.insert(seq, (bytes, raw));
        while let Some((bytes, raw)) = pending.remove(&next) {
            inner.write_all(&bytes)?;
            sha.update(&bytes);
            members.push(Member {
                offset: size,
                len: bytes.len() as u64,
                raw,
            });
            size += bytes.len() as u64;
            next += 1;
            let _ = tokens.send(());
        }
    }
    if !pending.is_empty() {
        return Err(io::Error::other("a compressed chunk went missing"));
    }
    inner.flush()?;
    Ok(Finished {
        inner,
        sha256: hex(&sha.finalize()),
        size,
        members,
    })
}

/// Lower-case hex of a digest.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn members_concatenate_into_one_gzip() {
        let data: Vec<u8> = (0..CHUNK * 3 + 777)
            .map(|i| u8::try_from(i % 251).unwrap())
            .collect();
        let mut w = ParallelGzWriter::new(Vec::new(), 6, 2);
        for piece in data.chunks(10_000) {
            w.write_all(piece).unwrap();
        }
        let done = w.finish().unwrap();
        assert_eq!(done.members.len(), 4);
        assert_eq!(done.size, done.inner.len() as u64);
        assert_eq!(done.sha256, hex(&Sha256::digest(&done.inner)));
        let last = done.members[3];
        assert_eq!(last.offset + last.len, done.size);
        let mut back = Vec::new();
        flate2::read::MultiGzDecoder::new(&done.inner[..])
            .read_to_end(&mut back)
            .unwrap();
        assert_eq!(back, data);
    }

    #[test]
    fn an_empty_stream_is_empty() {
        let done = ParallelGzWriter::new(Vec::new(), 6, 1).finish().unwrap();
        assert_eq!(done.size, 0);
        assert!(done.members.is_empty());
    }
}
