//! What the agent keeps on disk: the status of every stage (for `sztp-agent status`), the OS an
//! image install left behind (so a run after the reboot knows it), and the disable switch.
//! Written atomically (temporary file, fsync, rename), so a crash leaves the old or the new file.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::error::AgentError;

/// One stage of an attempt.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub(crate) struct Stage {
    /// Stage name (discovery, bootstrap-request, verification, boot-image, pre-script, …).
    pub(crate) name: String,
    /// When it started.
    #[serde(with = "time::serde::rfc3339")]
    pub(crate) started_at: OffsetDateTime,
    /// When it ended, if it has.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub(crate) ended_at: Option<OffsetDateTime>,
    /// "ok", "failed", "skipped", "aborted" (disabled or interrupted) or "running".
    pub(crate) outcome: String,
    /// Detail: the error, or what was done.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) detail: Option<String>,
}

/// The status file.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub(crate) struct Status {
    /// Attempts started so far.
    pub(crate) attempts: u32,
    /// "running", "completed", "failed" or "rebooting" (after an image install).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) outcome: Option<String>,
    /// The last error, with its class.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) last_error: Option<String>,
    /// The bootstrap server used and how it was found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) source: Option<String>,
    /// "trusted" (server certificate verified), "untrusted" (provisional), plus whether the
    /// data was signed and verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) trust: Option<String>,
    /// Stages of the current (or last) attempt, in order.
    #[serde(default)]
    pub(crate) stages: Vec<Stage>,
    /// OS name and version an image install left (replaces the system's after the reboot).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) installed_os: Option<(String, String)>,
    /// When bootstrapping completed.
    #[serde(default, with = "time::serde::rfc3339::option", skip_serializing_if = "Option::is_none")]
    pub(crate) completed_at: Option<OffsetDateTime>,
}

/// The state directory.
#[derive(Debug, Clone)]
pub(crate) struct StateDir {
    dir: PathBuf,
}

impl StateDir {
    /// Opens (creating) the directory.
    pub(crate) fn open(dir: &Path) -> Result<StateDir, AgentError> {
        std::fs::create_dir_all(dir).map_err(|e| AgentError::State(format!("{}: {e}", dir.display())))?;
        Ok(StateDir { dir: dir.to_owned() })
    }

    /// The directory.
    pub(crate) fn path(&self) -> &Path {
        &self.dir
    }

    /// The status, or the empty status before the first run.
    pub(crate) fn load(&self) -> Result<Status, AgentError> {
        match std::fs::read(self.dir.join("status.json")) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| AgentError::State(format!("status.json: {e}"))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Status::default()),
            Err(e) => Err(AgentError::State(format!("status.json: {e}"))),
        }
    }

    /// Replaces the status atomically.
    pub(crate) fn save(&self, status: &Status) -> Result<(), AgentError> {
        let bytes = serde_json::to_vec_pretty(status).map_err(|e| AgentError::State(e.to_string()))?;
        write_atomic(&self.dir.join("status.json"), &bytes).map_err(|e| AgentError::State(format!("status.json: {e}")))
    }

    /// Whether bootstrapping is disabled.
    pub(crate) fn disabled(&self) -> bool {
        self.dir.join("disabled").exists()
    }

    /// Resolves once bootstrapping is disabled: a running step races this and is aborted.
    /// Polled (every 100 ms), as the switch is a file that another process creates.
    pub(crate) async fn until_disabled(&self) {
        while !self.disabled() {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }

    /// Disables (or re-enables) bootstrapping; a running agent aborts its current step.
    pub(crate) fn set_disabled(&self, disabled: bool) -> Result<(), AgentError> {
        let path = self.dir.join("disabled");
        let result = if disabled { write_atomic(&path, b"disabled\n") } else { std::fs::remove_file(&path) };
        match result {
            Ok(()) => Ok(()),
            Err(e) if !disabled && e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(AgentError::State(format!("{}: {e}", path.display()))),
        }
    }
}

fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
    if let Some(dir) = path.parent() {
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}

impl Status {
    /// Starts a stage (ending any still running one as interrupted).
    pub(crate) fn begin(&mut self, name: &str) {
        let now = OffsetDateTime::now_utc();
        for s in self.stages.iter_mut().filter(|s| s.outcome == "running") {
            s.outcome = "failed".into();
            s.ended_at = Some(now);
            s.detail.get_or_insert_with(|| "interrupted".into());
        }
        self.stages.push(Stage {
            name: name.into(),
            started_at: now,
            ended_at: None,
            outcome: "running".into(),
            detail: None,
        });
    }

    /// Ends the running stage `name` with an outcome.
    pub(crate) fn end(&mut self, name: &str, outcome: &str, detail: Option<String>) {
        if let Some(s) = self.stages.iter_mut().rev().find(|s| s.name == name && s.outcome == "running") {
            s.outcome = outcome.into();
            s.ended_at = Some(OffsetDateTime::now_utc());
            s.detail = detail;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_survives_a_save_and_load_and_disable_toggles() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let state = StateDir::open(&dir.path().join("state")).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(state.load().ok(), Some(Status::default()));
        let mut s = Status { attempts: 2, ..Status::default() };
        s.begin("discovery");
        s.begin("bootstrap-request");
        s.end("bootstrap-request", "ok", None);
        assert_eq!(s.stages[0].outcome, "failed", "a stage left running is interrupted");
        assert!(state.save(&s).is_ok());
        assert_eq!(state.load().ok(), Some(s));
        assert!(!state.disabled());
        assert!(state.set_disabled(true).is_ok() && state.disabled());
        assert!(state.set_disabled(false).is_ok() && !state.disabled());
        assert!(state.set_disabled(false).is_ok(), "enabling twice is fine");
    }
}
