//! One memory budget for every picture decoded in the process: a batch's parallel fixes, the
//! pages of a merge and the desktop's previews all reserve their pixels from it before a
//! byte is allocated, and give them back when the pixels are dropped. Decodes that would
//! together exceed it wait their turn; one that alone exceeds it is refused at once, since
//! waiting could never make room for it.
//!
//! A thread must not reserve while it holds a reservation: with every core doing the same,
//! each would wait for the others forever. Every decode here is reserved, used and dropped
//! before the next one starts.

use super::raster::RasterError;
use crate::lang::Lang;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

/// Decoded pixels of all the pictures being worked on at once. The same as the most one
/// picture may take (`raster::MAX_ALLOC`), so whatever decodes alone still decodes — the
/// largest one at a time — while a bad folder on many cores can no longer multiply it:
/// 12-megapixel photos (36 MiB each) still keep every core busy. The copies made while
/// working on a picture (turning, colour conversion, resizing) come on top, about as much
/// again at most, which keeps «Подготовка» within about 1.5 GiB on a clerk's 8 GiB laptop.
pub(crate) const TOTAL: u64 = 768 * 1024 * 1024;

/// The process's budget for decoded pixels.
pub(crate) static DECODES: Budget = Budget::new(TOTAL);

/// Never set: for decodes that nobody can cancel (previews, merges).
pub(crate) static NEVER: AtomicBool = AtomicBool::new(false);

/// How often a waiting decode looks whether its run was cancelled.
const CANCEL_POLL: Duration = Duration::from_millis(50);

/// A counting semaphore over bytes.
#[derive(Debug)]
pub(crate) struct Budget {
    total: u64,
    used: Mutex<u64>,
    freed: Condvar,
}

/// Bytes taken from a [`Budget`], given back when dropped.
#[derive(Debug)]
#[must_use = "the bytes go back as soon as the reservation is dropped"]
pub(crate) struct Reservation {
    budget: &'static Budget,
    bytes: u64,
}

impl Budget {
    pub(crate) const fn new(total: u64) -> Self {
        Self {
            total,
            used: Mutex::new(0),
            freed: Condvar::new(),
        }
    }

    /// Takes `bytes`, waiting while other reservations leave too little. Refuses at once what
    /// is more than the whole budget, and stops waiting when `cancel` is set.
    pub(crate) fn reserve(
        &'static self,
        bytes: u64,
        cancel: &AtomicBool,
    ) -> Result<Reservation, RasterError> {
        if bytes > self.total {
            return Err(RasterError::OverBudget {
                bytes,
                budget: self.total,
            });
        }
        // A poisoned lock only means a thread panicked while counting; the count is whole.
        let mut used = self.used.lock().unwrap_or_else(|p| p.into_inner());
        while *used + bytes > self.total {
            if cancel.load(Ordering::Relaxed) {
                return Err(RasterError::Cancelled);
            }
            used = self
                .freed
                .wait_timeout(used, CANCEL_POLL)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
        *used += bytes;
        Ok(Reservation {
            budget: self,
            bytes,
        })
    }

    /// Bytes reserved right now.
    #[cfg(test)]
    fn in_use(&self) -> u64 {
        *self.used.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        let mut used = self.budget.used.lock().unwrap_or_else(|p| p.into_inner());
        *used = used.saturating_sub(self.bytes);
        drop(used);
        // Waiters need different amounts: wake them all and let each look.
        self.budget.freed.notify_all();
    }
}

fn mib(bytes: u64) -> u64 {
    bytes.div_ceil(1024 * 1024)
}

/// What a person reads when a file would take more memory to decode than it may: which
/// file, why, and what to do about it.
pub(crate) fn too_big_message(
    name: &str,
    pages: usize,
    bytes: u64,
    limit: u64,
    lang: Lang,
) -> String {
    let (need, may) = (mib(bytes), mib(limit));
    match (lang, pages > 1) {
        (Lang::Ru, true) => format!(
            "«{name}»: {pages} стр. этого файла вместе слишком велики — для обработки им нужно \
             {need} МБ памяти, а можно не больше {may} МБ. Разделите файл на несколько частей \
             или отсканируйте документ заново с меньшим разрешением (300 dpi достаточно)."
        ),
        (Lang::En, true) => format!(
            "«{name}»: the {pages} pages of this file are too large together — processing them \
             needs {need} MB of memory, and at most {may} MB may be used. Split the file into \
             several parts or scan the document again at a lower resolution (300 dpi is enough)."
        ),
        (Lang::Ru, false) => format!(
            "«{name}»: изображение слишком велико — для обработки ему нужно {need} МБ памяти, \
             а можно не больше {may} МБ. Отсканируйте или сохраните его заново с меньшим \
             разрешением (300 dpi достаточно)."
        ),
        (Lang::En, false) => format!(
            "«{name}»: the picture is too large — processing it needs {need} MB of memory, and \
             at most {may} MB may be used. Scan or save it again at a lower resolution (300 dpi \
             is enough)."
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    fn budget(total: u64) -> &'static Budget {
        Box::leak(Box::new(Budget::new(total)))
    }

    #[test]
    fn reservations_are_given_back_when_dropped() {
        let b = budget(100);
        let a = b.reserve(60, &NEVER).expect("fits");
        let c = b.reserve(40, &NEVER).expect("fits");
        assert_eq!(b.in_use(), 100);
        drop(a);
        drop(c);
        assert_eq!(b.in_use(), 0);
    }

    #[test]
    fn more_than_the_whole_budget_is_refused_not_waited_for() {
        let b = budget(100);
        let _held = b.reserve(10, &NEVER).expect("fits");
        assert!(matches!(
            b.reserve(101, &NEVER),
            Err(RasterError::OverBudget {
                bytes: 101,
                budget: 100
            })
        ));
    }

    #[test]
    fn a_decode_that_does_not_fit_waits_until_another_is_done() {
        let b = budget(100);
        let first = b.reserve(70, &NEVER).expect("fits");
        let (tx, rx) = mpsc::channel();
        let waiter = std::thread::spawn(move || {
            let second = b.reserve(70, &NEVER);
            // What the budget held while the second decode had its bytes.
            let _ = tx.send(b.in_use());
            second.map(|r| r.bytes)
        });
        // Whenever the waiter got in, the first reservation was gone by then.
        drop(first);
        assert_eq!(rx.recv().ok(), Some(70));
        assert_eq!(waiter.join().ok().and_then(Result::ok), Some(70));
        assert_eq!(b.in_use(), 0);
    }

    #[test]
    fn a_waiting_decode_stops_when_the_run_is_cancelled() {
        let b = budget(100);
        let _first = b.reserve(70, &NEVER).expect("fits");
        let cancel = AtomicBool::new(true);
        assert!(matches!(
            b.reserve(70, &cancel),
            Err(RasterError::Cancelled)
        ));
        assert_eq!(b.in_use(), 70);
    }

    #[test]
    fn parallel_decodes_together_never_exceed_the_budget() {
        let b = budget(1000);
        let peak = std::sync::Arc::new(Mutex::new(0u64));
        let workers: Vec<_> = (0..4u64)
            .map(|t| {
                let peak = peak.clone();
                std::thread::spawn(move || {
                    for i in 0..200u64 {
                        let held = b.reserve(100 + (t * 37 + i * 11) % 500, &NEVER);
                        let now = b.in_use();
                        let mut p = peak.lock().unwrap_or_else(|p| p.into_inner());
                        *p = (*p).max(now);
                        drop(p);
                        drop(held);
                    }
                })
            })
            .collect();
        for w in workers {
            assert!(w.join().is_ok());
        }
        let peak = *peak.lock().unwrap_or_else(|p| p.into_inner());
        assert!(peak <= 1000, "{peak}");
        assert_eq!(b.in_use(), 0);
    }

    #[test]
    fn the_message_names_the_file_and_says_what_to_do() {
        let ru = too_big_message("skan.tif", 64, 3 << 30, 1 << 30, Lang::Ru);
        assert!(ru.contains("«skan.tif»") && ru.contains("64 стр.") && ru.contains("Разделите"));
        let en = too_big_message("skan.tif", 1, 900 << 20, 768 << 20, Lang::En);
        assert!(
            en.contains("«skan.tif»") && en.contains("900 MB") && en.contains("lower resolution")
        );
    }
}
