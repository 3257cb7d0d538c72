//! Parallel gzip, the way pigz does it: the tar stream is cut into chunks that N threads deflate
//! at once, each chunk primed with the last 32 KiB of the one before (so compression is as good
//! as one long stream) and ended with a sync flush (so the pieces join byte-aligned). The writer
//! thread puts them in order behind one gzip header, combines the chunks' CRC-32s and writes the
//! trailer: the result is one ordinary gzip member that `gzip -d`, `tar -xzf` and flate2 read.
//!
//! Memory stays bounded: at most `2 × threads + 2` chunks are in flight, whatever the archive size.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use flate2::{Compress, Compression, Crc, FlushCompress};
use sha2::{Digest as _, Sha256};

/// Uncompressed bytes per chunk.
pub(super) const CHUNK: usize = 1024 * 1024;

/// The deflate window: how much of the previous chunk primes the next.
const WINDOW: usize = 32 * 1024;

/// A gzip header: magic, deflate, no flags, no mtime, no extra flags, OS = Unix.
const GZIP_HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3];

/// An empty final deflate block (fixed Huffman, end of block).
const FINAL_BLOCK: [u8; 2] = [0x03, 0x00];

/// What the writer thread reports when the stream is finished.
#[derive(Debug)]
pub(super) struct Finished<W> {
    pub inner: W,
    /// SHA-256 of the compressed bytes, hex.
    pub sha256: String,
    pub size: u64,
}

struct Job {
    seq: u64,
    raw: Vec<u8>,
    dict: Option<Vec<u8>>,
}

type Done = (u64, io::Result<Vec<u8>>, Crc);

/// A `Write` that gzips what it is given on worker threads and writes the result, in order, to
/// the inner writer.
pub(super) struct ParallelGzWriter<W: Write + Send + 'static> {
    buf: Vec<u8>,
    seq: u64,
    dict: Option<Vec<u8>>,
    jobs: Option<SyncSender<Job>>,
    tokens: Receiver<()>,
    workers: Vec<JoinHandle<()>>,
    writer: Option<JoinHandle<io::Result<Finished<W>>>>,
}

impl<W: Write + Send + 'static> ParallelGzWriter<W> {
    pub(super) fn new(inner: W, level: u32, threads: usize) -> Self {
        let threads = threads.max(1);
        let in_flight = 2 * threads + 2;
        let (token_tx, tokens) = sync_channel::<()>(in_flight);
        for _ in 0..in_flight {
            let _ = token_tx.send(());
        }
        let (jobs, job_rx) = sync_channel::<Job>(threads);
        let job_rx = Arc::new(Mutex::new(job_rx));
        let (done_tx, done_rx) = sync_channel::<Done>(in_flight);
        let workers = (0..threads)
            .map(|_| {
                let rx = Arc::clone(&job_rx);
                let tx = done_tx.clone();
                std::thread::spawn(move || compress_jobs(&rx, &tx, level))
            })
            .collect();
        drop(done_tx);
        let writer = std::thread::spawn(move || write_stream(inner, &done_rx, &token_tx));
        Self {
            buf: Vec::with_capacity(CHUNK),
            seq: 0,
            dict: None,
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
        let raw = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK));
        let next_dict = raw[raw.len().saturating_sub(WINDOW)..].to_vec();
        let job = Job {
            seq: self.seq,
            raw,
            dict: self.dict.replace(next_dict),
        };
        let sent = self
            .jobs
            .as_ref()
            .is_some_and(|jobs| jobs.send(job).is_ok());
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
    pub(super) fn finish(mut self) -> io::Result<Finished<W>> {
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

fn compress_jobs(rx: &Mutex<Receiver<Job>>, tx: &SyncSender<Done>, level: u32) {
    loop {
        let job = match rx.lock() {
            Ok(guard) => guard.recv(),
            Err(_) => return,
        };
        let Ok(job) = job else { return };
        let mut crc = Crc::new();
        crc.update(&job.raw);
        let out = deflate_chunk(&job.raw, job.dict.as_deref(), level);
        if tx.send((job.seq, out, crc)).is_err() {
            return;
        }
    }
}

/// Raw deflate of one chunk, primed with `dict`, ended by a sync flush (byte-aligned, not final).
fn deflate_chunk(raw: &[u8], dict: Option<&[u8]>, level: u32) -> io::Result<Vec<u8>> {
    let mut c = Compress::new(Compression::new(level), false);
    if let Some(dict) = dict {
        c.set_dictionary(dict).map_err(io::Error::other)?;
    }
    let mut out = Vec::with_capacity(raw.len() / 2 + 1024);
    loop {
        if out.capacity() - out.len() < 16 * 1024 {
            out.reserve(256 * 1024);
        }
        let done_in = usize::try_from(c.total_in()).map_err(io::Error::other)?;
        c.compress_vec(&raw[done_in..], &mut out, FlushCompress::Sync)
            .map_err(io::Error::other)?;
        let all_in = usize::try_from(c.total_in()).map_err(io::Error::other)? == raw.len();
        // The flush is complete when it left output space unused.
        if all_in && out.len() < out.capacity() {
            return Ok(out);
        }
    }
}

fn write_stream<W: Write>(
    mut inner: W,
    done: &Receiver<Done>,
    tokens: &SyncSender<()>,
) -> io::Result<Finished<W>> {
    let mut pending = BTreeMap::new();
    let mut next = 0u64;
    let mut sha = Sha256::new();
    let mut size = 0u64;
    let mut crc = Crc::new();
    let mut put = |bytes: &[u8], inner: &mut W| -> io::Result<()> {
        inner.write_all(bytes)?;
        sha.update(bytes);
        size += bytes.len() as u64;
        Ok(())
    };
    put(&GZIP_HEADER, &mut inner)?;
    for (seq, bytes, chunk_crc) in done {
        pending.insert(seq, (bytes, chunk_crc));
        while let Some((bytes, chunk_crc)) = pending.remove(&next) {
            put(&bytes?, &mut inner)?;
            crc.combine(&chunk_crc);
            next += 1;
            let _ = tokens.send(());
        }
    }
    if !pending.is_empty() {
        return Err(io::Error::other("a compressed chunk went missing"));
    }
    put(&FINAL_BLOCK, &mut inner)?;
    let mut trailer = [0u8; 8];
    trailer[..4].copy_from_slice(&crc.sum().to_le_bytes());
    // ISIZE: the length modulo 2^32 (RFC 1952), which is what `Crc` counts.
    trailer[4..].copy_from_slice(&crc.amount().to_le_bytes());
    put(&trailer, &mut inner)?;
    inner.flush()?;
    Ok(Finished {
        inner,
        sha256: hex(&sha.finalize()),
        size,
    })
}

/// Lower-case hex of a digest.
pub(super) fn hex(bytes: &[u8]) -> String {
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

    fn roundtrip(data: &[u8], threads: usize) -> Vec<u8> {
        let mut w = ParallelGzWriter::new(Vec::new(), 6, threads);
        for piece in data.chunks(10_000) {
            w.write_all(piece).unwrap();
        }
        let done = w.finish().unwrap();
        assert_eq!(done.size, done.inner.len() as u64);
        assert_eq!(done.sha256, hex(&Sha256::digest(&done.inner)));
        let mut back = Vec::new();
        flate2::read::GzDecoder::new(&done.inner[..])
            .read_to_end(&mut back)
            .unwrap();
        assert_eq!(back, data);
        done.inner
    }

    #[test]
    fn chunks_join_into_one_gzip_member() {
        let data: Vec<u8> = (0..CHUNK * 3 + 777)
            .map(|i| u8::try_from(i % 251).unwrap())
            .collect();
        roundtrip(&data, 2);
        roundtrip(&data, 1);
    }

    #[test]
    fn priming_with_the_previous_chunk_keeps_compression_whole() {
        let mut x = 1u32;
        let block: Vec<u8> = (0..WINDOW / 2)
            .map(|_| {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                x.to_le_bytes()[2]
            })
            .collect();
        let chunk = block.repeat(8);
        let primed = deflate_chunk(&chunk, Some(&block), 6).unwrap();
        let cold = deflate_chunk(&chunk, None, 6).unwrap();
        assert!(
            primed.len() * 5 < cold.len(),
            "{} vs {}",
            primed.len(),
            cold.len()
        );
    }

    #[test]
    fn an_empty_stream_is_a_valid_empty_gzip() {
        assert_eq!(roundtrip(&[], 1).len(), 20);
    }

    #[test]
    fn gnu_gzip_reads_it() {
        let data = b"hello gzip\n".repeat(200_000);
        let packed = roundtrip(&data, 2);
        let mut child = std::process::Command::new("gzip")
            .args(["-dc"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let feeder = std::thread::spawn(move || stdin.write_all(&packed));
        let out = child.wait_with_output().unwrap();
        feeder.join().unwrap().unwrap();
        assert!(out.status.success());
        assert_eq!(out.stdout, data);
    }
}
