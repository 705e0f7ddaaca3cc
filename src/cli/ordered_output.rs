//! Output of scenarios that run at once, printed as if they had run one after another: each
//! scenario writes into its own [`Output`], numbered in the input order; the [`Printer`]
//! prints the output whose turn it is as it is written (a long poll still shows its `wait`
//! line as it happens) and keeps the others until their turn ([`Printer::finish`]).
//!
//! The scenario whose turn it is prints from its own thread, under the printer's lock. A
//! printing task woken for every line cost a thread wake-up per line, which on a loaded
//! machine was a measurable share of a many-scenario run.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// Text for stdout or stderr, newlines included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Chunk {
    /// For stdout.
    Out(String),
    /// For stderr.
    Err(String),
}

impl Chunk {
    /// Prints it where it belongs. A closed stdout or stderr (`docflow run | head`) is
    /// not an error of the run: the chunk is dropped.
    pub(crate) fn print(&self) {
        use std::io::Write as _;
        let _ = match self {
            Self::Out(text) => std::io::stdout().lock().write_all(text.as_bytes()),
            Self::Err(text) => std::io::stderr().lock().write_all(text.as_bytes()),
        };
    }
}

/// Where printed chunks go: the terminal, or a test's list.
type Sink = Box<dyn Fn(Chunk) + Send + Sync>;

/// Whose turn it is, and what the others wrote meanwhile.
#[derive(Default)]
struct Turns {
    current: usize,
    kept: HashMap<usize, Vec<Chunk>>,
}

/// The printing turn shared by every [`Output`] of a run.
pub(crate) struct Printer {
    turns: Mutex<Turns>,
    sink: Sink,
}

impl std::fmt::Debug for Printer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Printer").finish_non_exhaustive()
    }
}

impl Printer {
    /// A printer to stdout and stderr.
    pub(crate) fn terminal() -> Arc<Self> {
        Self::to(Box::new(|chunk: Chunk| chunk.print()))
    }

    /// A printer handing every chunk to `sink`, in the input order.
    pub(crate) fn to(sink: Sink) -> Arc<Self> {
        Arc::new(Self {
            turns: Mutex::new(Turns::default()),
            sink,
        })
    }

    fn lock(&self) -> MutexGuard<'_, Turns> {
        // A panic while printing leaves consistent turns; keep printing.
        self.turns.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The output of the `index`-th scenario (from 0, in the input order).
    pub(crate) fn output(self: &Arc<Self>, index: usize) -> Output {
        Output {
            index,
            printer: Arc::clone(self),
        }
    }

    /// Ends the turn of output `index`, whose scenario has ended (in the input order): the
    /// next output's kept chunks are printed, and it prints as it writes from now on. A
    /// chunk written to an output after its turn ended is dropped (a stray clone).
    pub(crate) fn finish(&self, index: usize) {
        let mut turns = self.lock();
        if turns.current != index {
            return;
        }
        turns.current += 1;
        let next = turns.current;
        for chunk in turns.kept.remove(&next).unwrap_or_default() {
            (self.sink)(chunk);
        }
    }

    fn write(&self, index: usize, chunk: Chunk) {
        let mut turns = self.lock();
        if index == turns.current {
            (self.sink)(chunk);
        } else if index > turns.current {
            turns.kept.entry(index).or_default().push(chunk);
        }
    }
}

/// Where one scenario writes; cheap to clone (the step watcher holds one).
#[derive(Debug, Clone)]
pub(crate) struct Output {
    index: usize,
    printer: Arc<Printer>,
}

impl Output {
    /// A line for stdout.
    pub(crate) fn line(&self, text: impl Into<String>) {
        let mut text = text.into();
        text.push('\n');
        self.out(text);
    }

    /// Text for stdout, as is.
    pub(crate) fn out(&self, text: impl Into<String>) {
        self.printer.write(self.index, Chunk::Out(text.into()));
    }

    /// A line for stderr.
    pub(crate) fn error_line(&self, text: impl Into<String>) {
        let mut text = text.into();
        text.push('\n');
        self.printer.write(self.index, Chunk::Err(text));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collecting() -> (Arc<Printer>, Arc<Mutex<Vec<Chunk>>>) {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let into = Arc::clone(&seen);
        let printer = Printer::to(Box::new(move |c| into.lock().unwrap().push(c)));
        (printer, seen)
    }

    #[test]
    fn outputs_come_out_in_their_order_whatever_order_they_were_written_in() {
        let (printer, seen) = collecting();
        let (first, second, third) = (printer.output(0), printer.output(1), printer.output(2));
        // The later scenarios write first; the first writes, ends, and only then do theirs
        // come out, each in its turn.
        third.line("third: header");
        second.line("second: header");
        second.error_line("second: a warning");
        first.line("first: header");
        assert_eq!(
            seen.lock().unwrap().len(),
            1,
            "the first prints as it writes"
        );
        first.out("first: end\n");
        printer.finish(0);
        second.line("second: live");
        printer.finish(1);
        printer.finish(2);
        assert_eq!(
            *seen.lock().unwrap(),
            vec![
                Chunk::Out("first: header\n".into()),
                Chunk::Out("first: end\n".into()),
                Chunk::Out("second: header\n".into()),
                Chunk::Err("second: a warning\n".into()),
                Chunk::Out("second: live\n".into()),
                Chunk::Out("third: header\n".into()),
            ]
        );
    }

    #[test]
    fn a_stray_writer_after_its_turn_prints_nothing() {
        let (printer, seen) = collecting();
        let output = printer.output(0);
        let stray = output.clone();
        output.line("done");
        printer.finish(0);
        stray.line("late");
        // Finishing out of order, or twice, changes nothing.
        printer.finish(0);
        printer.finish(5);
        assert_eq!(*seen.lock().unwrap(), vec![Chunk::Out("done\n".into())]);
    }

    #[test]
    fn outputs_written_from_many_threads_keep_their_order() {
        let (printer, seen) = collecting();
        let threads: Vec<_> = (0..4)
            .map(|i| {
                let out = printer.output(i);
                std::thread::spawn(move || {
                    for n in 0..50 {
                        out.line(format!("{i}:{n}"));
                    }
                })
            })
            .collect();
        for (i, thread) in threads.into_iter().enumerate() {
            thread.join().unwrap();
            printer.finish(i);
        }
        let lines: Vec<String> = seen
            .lock()
            .unwrap()
            .iter()
            .map(|c| match c {
                Chunk::Out(t) | Chunk::Err(t) => t.trim_end().to_owned(),
            })
            .collect();
        let expected: Vec<String> = (0..4)
            .flat_map(|i| (0..50).map(move |n| format!("{i}:{n}")))
            .collect();
        assert_eq!(lines, expected);
    }
}
