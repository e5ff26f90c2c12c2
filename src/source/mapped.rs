//! Read-only memory maps of recording files, with a guard for the one way a map fails.
//!
//! Reading a mapped file saves the kernel's copy into the reader's buffers. The catch of any
//! map: if the file shrinks while it is mapped (another program truncates or rewrites it in
//! place), or the disk or network share fails, touching the lost pages raises `SIGBUS`, which
//! would end the process without a word. [`MappedFile`] registers each map's address range and
//! path, and a `SIGBUS` handler that finds the map holding the faulting address prints
//! `stridebeat: error: <file>: …` and exits with status 2, like any other failure. A `SIGBUS`
//! outside the registered maps keeps its default action.

use std::ffi::CString;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::ptr;
use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};
use std::sync::Once;

/// Maps registered at once (files analysed in parallel); a map beyond this is still read,
/// only a failure in it is reported without its name.
const SLOTS: usize = 64;

/// One registered map: start address (0 when free), length, and the path as a C string.
struct Slot {
    start: AtomicUsize,
    len: AtomicUsize,
    path: AtomicPtr<libc::c_char>,
}

#[allow(clippy::declare_interior_mutable_const)] // only used to initialise the array below
const FREE: Slot = Slot {
    start: AtomicUsize::new(0),
    len: AtomicUsize::new(0),
    path: AtomicPtr::new(ptr::null_mut()),
};
static SLOTS_IN_USE: [Slot; SLOTS] = [FREE; SLOTS];
static INSTALL: Once = Once::new();

/// A file mapped read-only, registered with the `SIGBUS` guard for as long as it lives.
pub struct MappedFile {
    map: memmap2::Mmap,
    slot: Option<usize>,
    path: PathBuf,
}

impl MappedFile {
    /// Map `file` (opened from `path`), or `None` when it cannot be mapped (the caller then
    /// reads it as a stream).
    pub fn map(file: &File, path: &Path) -> Option<MappedFile> {
        INSTALL.call_once(install_handler);
        // SAFETY: the map is read-only and only read through bounds-checked slices. If the
        // file's bytes change while it is mapped, rows may read wrongly (skipped or odd values);
        // if it shrinks, or the storage fails, the access raises SIGBUS, which the handler
        // installed above turns into an error message and exit status 2.
        let map = unsafe { memmap2::Mmap::map(file) }.ok()?;
        let slot = register(&map, path);
        Some(MappedFile {
            map,
            slot,
            path: path.to_path_buf(),
        })
    }

    /// The file's bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.map
    }

    /// The mapped file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Tell the kernel the bytes in `range` will not be read again (their pages may go).
    pub fn release(&self, offset: usize, len: usize) {
        // SAFETY: the pages are only dropped from memory, not unmapped; a later read would
        // fault them back in from the file. The reader calls this only for bytes it has parsed.
        let _ = unsafe {
            self.map
                .unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, offset, len)
        };
    }
}

impl Drop for MappedFile {
    fn drop(&mut self) {
        if let Some(i) = self.slot {
            let s = &SLOTS_IN_USE[i];
            let path = s.path.swap(ptr::null_mut(), Ordering::AcqRel);
            s.len.store(0, Ordering::Release);
            s.start.store(0, Ordering::Release);
            if !path.is_null() {
                // SAFETY: made by `CString::into_raw` in `register`, taken out of the slot
                // above, so freed once.
                drop(unsafe { CString::from_raw(path) });
            }
        }
    }
}

/// Put a map in a free slot (`None` when all are taken).
fn register(map: &memmap2::Mmap, path: &Path) -> Option<usize> {
    let start = map.as_ptr() as usize;
    if start == 0 || map.is_empty() {
        return None;
    }
    let name = CString::new(path.display().to_string().replace('\0', "?")).ok()?;
    for (i, s) in SLOTS_IN_USE.iter().enumerate() {
        if s.start
            .compare_exchange(0, usize::MAX, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
        {
            s.len.store(map.len(), Ordering::Release);
            s.path.store(name.into_raw(), Ordering::Release);
            s.start.store(start, Ordering::Release);
            return Some(i);
        }
    }
    None
}

/// Write all of `bytes` to standard error from the signal handler (async-signal-safe).
fn write_stderr(bytes: &[u8]) {
    let mut rest = bytes;
    while !rest.is_empty() {
        // SAFETY: `write` is async-signal-safe; the pointer and length come from a live slice.
        let n = unsafe { libc::write(2, rest.as_ptr().cast(), rest.len()) };
        if n <= 0 {
            return;
        }
        rest = &rest[n as usize..];
    }
}

extern "C" fn on_sigbus(_: libc::c_int, info: *mut libc::siginfo_t, _: *mut libc::c_void) {
    // SAFETY: the kernel passes a valid siginfo for SA_SIGINFO handlers.
    let addr = unsafe { (*info).si_addr() } as usize;
    for s in &SLOTS_IN_USE {
        let start = s.start.load(Ordering::Acquire);
        let len = s.len.load(Ordering::Acquire);
        if start != 0 && start != usize::MAX && addr >= start && addr - start < len {
            let path = s.path.load(Ordering::Acquire);
            write_stderr(b"stridebeat: error: ");
            if !path.is_null() {
                // SAFETY: a NUL-terminated string owned by the slot while its map is alive
                // (the faulting read is in that map, so it is alive).
                let name = unsafe { std::ffi::CStr::from_ptr(path) };
                write_stderr(name.to_bytes());
                write_stderr(b": ");
            }
            write_stderr(
                b"the file got shorter or could not be read from its disk while it was being \
                  analysed (another program truncated or rewrote it, or the storage failed); \
                  analyse it again once it is complete\n",
            );
            // SAFETY: `_exit` is async-signal-safe and ends the process at once.
            unsafe { libc::_exit(2) };
        }
    }
    // Not one of ours: restore the default action; returning re-runs the faulting access,
    // which then ends the process as it would have without this handler.
    // SAFETY: plain libc calls with valid arguments.
    unsafe {
        let mut dfl: libc::sigaction = std::mem::zeroed();
        dfl.sa_sigaction = libc::SIG_DFL;
        libc::sigaction(libc::SIGBUS, &dfl, ptr::null_mut());
    }
}

fn install_handler() {
    // SAFETY: a zeroed sigaction is a valid starting value; the handler only uses
    // async-signal-safe calls (atomics, write, _exit, sigaction).
    unsafe {
        let mut act: libc::sigaction = std::mem::zeroed();
        let handler: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) =
            on_sigbus;
        act.sa_sigaction = handler as usize;
        act.sa_flags = libc::SA_SIGINFO;
        libc::sigemptyset(&mut act.sa_mask);
        libc::sigaction(libc::SIGBUS, &act, ptr::null_mut());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn maps_are_registered_while_they_live() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.csv");
        std::fs::File::create(&p)
            .unwrap()
            .write_all(b"t,x,y,z\n0,1,2,3\n")
            .unwrap();
        let f = File::open(&p).unwrap();
        let m = MappedFile::map(&f, &p).unwrap();
        let start = m.bytes().as_ptr() as usize;
        let held = |start: usize| {
            SLOTS_IN_USE
                .iter()
                .any(|s| s.start.load(Ordering::Acquire) == start)
        };
        assert!(held(start));
        assert_eq!(m.bytes(), b"t,x,y,z\n0,1,2,3\n");
        drop(m);
        assert!(!held(start));
    }
}
