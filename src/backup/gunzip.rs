//! Reading an archive back: the gzip stream is inflated on its own thread and handed over in
//! chunks, so that inflating overlaps with hashing and writing on the caller's thread. Memory is
//! bounded by a few chunks in flight.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::sync::mpsc::{Receiver, sync_channel};

use flate2::read::MultiGzDecoder;

use super::pgzip::CHUNK;

/// Chunks inflated ahead of the reader.
const AHEAD: usize = 4;

/// The tar stream of a gzip archive, inflated on a helper thread.
pub(super) fn tar_stream(file: File) -> ThreadedReader {
    ThreadedReader::new(MultiGzDecoder::new(BufReader::with_capacity(
        256 * 1024,
        file,
    )))
}

/// Reads `inner` on a thread, `CHUNK` bytes at a time.
pub(super) struct ThreadedReader {
    rx: Receiver<io::Result<Vec<u8>>>,
    current: Vec<u8>,
    pos: usize,
    done: bool,
}

impl ThreadedReader {
    pub(super) fn new<R: Read + Send + 'static>(mut inner: R) -> Self {
        let (tx, rx) = sync_channel(AHEAD);
        std::thread::spawn(move || {
            loop {
                let mut buf = Vec::with_capacity(CHUNK);
                let result = (&mut inner).take(CHUNK as u64).read_to_end(&mut buf);
                let end = matches!(result, Ok(0) | Err(_));
                if tx.send(result.map(|_| buf)).is_err() || end {
                    return;
                }
            }
        });
        Self {
            rx,
            current: Vec::new(),
            pos: 0,
            done: false,
        }
    }
}

impl Read for ThreadedReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pos >= self.current.len() {
            if self.done {
                return Ok(0);
            }
            match self.rx.recv() {
                Ok(Ok(chunk)) if chunk.is_empty() => self.done = true,
                Ok(Ok(chunk)) => {
                    self.current = chunk;
                    self.pos = 0;
                }
                Ok(Err(e)) => {
                    self.done = true;
                    return Err(e);
                }
                Err(_) => return Err(io::Error::other("the inflate thread stopped")),
            }
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
    fn reads_back_what_was_written_and_reports_damage() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.gz");
        let data: Vec<u8> = (0..CHUNK * 3 + 3)
            .map(|i| u8::try_from(i * 7 % 256).unwrap())
            .collect();
        let mut w = ParallelGzWriter::new(File::create(&path).unwrap(), 1, 2);
        w.write_all(&data).unwrap();
        w.finish().unwrap();
        let mut back = Vec::new();
        tar_stream(File::open(&path).unwrap())
            .read_to_end(&mut back)
            .unwrap();
        assert_eq!(back, data);
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() - 5]).unwrap();
        let err = tar_stream(File::open(&path).unwrap())
            .read_to_end(&mut Vec::new())
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
    }
}
