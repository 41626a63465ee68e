//! Signals during a session.

use crate::error::{Error, Result};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// SIGINT, SIGTERM and SIGHUP end the session as `interrupted` instead of killing
/// the process: the event is recorded first, and `runbook resume` continues.
pub(super) struct Signals {
    pub(super) runtime: tokio::runtime::Runtime,
    caught: Arc<AtomicBool>,
}

impl Signals {
    pub(super) fn install() -> Result<Signals> {
        use tokio::signal::unix::{signal, SignalKind};
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .map_err(|e| Error::Other(format!("cannot start the async runtime: {e}")))?;
        let caught = Arc::new(AtomicBool::new(false));
        let _context = runtime.enter();
        for kind in [
            SignalKind::interrupt(),
            SignalKind::terminate(),
            SignalKind::hangup(),
        ] {
            // Registered here, synchronously: from now on the signal cannot kill us
            // between two events.
            let mut stream =
                signal(kind).map_err(|e| Error::Other(format!("cannot handle signals: {e}")))?;
            let caught = caught.clone();
            runtime.spawn(async move {
                while stream.recv().await.is_some() {
                    caught.store(true, Ordering::SeqCst);
                }
            });
        }
        Ok(Signals { runtime, caught })
    }

    pub(super) fn caught(&self) -> bool {
        self.caught.load(Ordering::SeqCst)
    }

    /// The flag [`Signals::caught`] reads, for code running on another thread.
    pub(super) fn flag(&self) -> Arc<AtomicBool> {
        self.caught.clone()
    }
}
