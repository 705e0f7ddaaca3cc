//! Output of scenarios that run at once, printed as if they had run one after another:
//! each scenario writes into its own [`Output`]; the command prints the [`Pending`] outputs in
//! the input order. The scenario whose turn it is streams live (a long poll still shows its
//! `wait` line as it happens); the others are kept until their turn.

use tokio::sync::mpsc::{
    UnboundedReceiver, UnboundedSender, error::TryRecvError, unbounded_channel,
};

/// Text for stdout or stderr, newlines included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Chunk {
    /// For stdout.
    Out(String),
    /// For stderr.
    Err(String),
}

impl Chunk {
    /// Prints it where it belongs.
    pub(crate) fn print(&self) {
        match self {
            Self::Out(text) => print!("{text}"),
            Self::Err(text) => eprint!("{text}"),
        }
    }
}

/// Where one scenario writes; cheap to clone (the step watcher holds one).
#[derive(Debug, Clone)]
pub(crate) struct Output(UnboundedSender<Chunk>);

impl Output {
    /// A line for stdout.
    pub(crate) fn line(&self, text: impl Into<String>) {
        let mut text = text.into();
        text.push('\n');
        self.out(text);
    }

    /// Text for stdout, as is.
    pub(crate) fn out(&self, text: impl Into<String>) {
        // The receiver is gone only once the command stopped printing: nothing to do then.
        let _ = self.0.send(Chunk::Out(text.into()));
    }

    /// A line for stderr.
    pub(crate) fn error_line(&self, text: impl Into<String>) {
        let mut text = text.into();
        text.push('\n');
        let _ = self.0.send(Chunk::Err(text));
    }
}

/// One scenario's output, waiting for its turn.
#[derive(Debug)]
pub(crate) struct Pending(UnboundedReceiver<Chunk>);

/// A scenario's output: the writing end and the printing end.
pub(crate) fn channel() -> (Output, Pending) {
    let (tx, rx) = unbounded_channel();
    (Output(tx), Pending(rx))
}

impl Pending {
    /// Hands every chunk to `sink` as it arrives, until `task` (the scenario writing it) has
    /// ended and everything it wrote is out; then its result. Waiting for the task rather than
    /// for the channel to close keeps a stray clone of the [`Output`] from stalling the run.
    pub(crate) async fn drain_until<F: Future>(
        mut self,
        task: F,
        sink: &mut impl FnMut(Chunk),
    ) -> F::Output {
        let mut task = std::pin::pin!(task);
        let done = loop {
            tokio::select! {
                biased;
                chunk = self.0.recv() => match chunk {
                    Some(chunk) => sink(chunk),
                    None => break (&mut task).await,
                },
                done = &mut task => break done,
            }
        };
        loop {
            match self.0.try_recv() {
                Ok(chunk) => sink(chunk),
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => return done,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn outputs_come_out_in_their_order_whatever_order_they_were_written_in() {
        let (first, first_pending) = channel();
        let (second, second_pending) = channel();
        // The second scenario finishes first; the first takes a while and writes twice.
        let second_task = tokio::spawn(async move {
            second.line("second: header");
            second.error_line("second: a warning");
            2
        });
        let first_task = tokio::spawn(async move {
            first.line("first: header");
            tokio::time::sleep(Duration::from_millis(50)).await;
            first.out("first: end\n");
            1
        });
        let mut seen = Vec::new();
        let mut sink = |chunk| seen.push(chunk);
        let one = first_pending
            .drain_until(first_task, &mut sink)
            .await
            .unwrap();
        let two = second_pending
            .drain_until(second_task, &mut sink)
            .await
            .unwrap();
        assert_eq!((one, two), (1, 2));
        assert_eq!(
            seen,
            vec![
                Chunk::Out("first: header\n".into()),
                Chunk::Out("first: end\n".into()),
                Chunk::Out("second: header\n".into()),
                Chunk::Err("second: a warning\n".into()),
            ]
        );
    }

    #[tokio::test]
    async fn a_stray_writer_does_not_stall_the_printing() {
        let (output, pending) = channel();
        let stray = output.clone();
        let task = tokio::spawn(async move {
            output.line("done");
        });
        let mut seen = Vec::new();
        pending
            .drain_until(task, &mut |c| seen.push(c))
            .await
            .unwrap();
        assert_eq!(seen, vec![Chunk::Out("done\n".into())]);
        drop(stray);
    }

    #[tokio::test]
    async fn a_panicking_scenario_still_gives_back_what_it_wrote() {
        let (output, pending) = channel();
        let task = tokio::spawn(async move {
            output.line("before");
            panic!("boom");
        });
        let mut seen = Vec::new();
        let joined = pending.drain_until(task, &mut |c| seen.push(c)).await;
        assert!(joined.unwrap_err().is_panic());
        assert_eq!(seen, vec![Chunk::Out("before\n".into())]);
    }
}
