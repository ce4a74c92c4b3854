//! The agent's executor: onboarding steps as shell commands (`--install-command`,
//! `--config-command`, scripts) in their own process group, racing a timeout, the disable
//! switch and SIGINT/SIGTERM; files they get are written to a work directory only the agent reads.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use tokio::io::AsyncReadExt;

use crate::platform::{Executor, StepFailure};
use crate::state::StateDir;

/// Runs onboarding steps with the commands the agent was given.
#[derive(Debug, Clone)]
pub(crate) struct ShellExecutor {
    /// The state directory: the work directory is in it, and so is the disable switch.
    pub(crate) state: StateDir,
    /// Installs a boot image (`$SZTP_IMAGE`, `$SZTP_OS_NAME`, `$SZTP_OS_VERSION`).
    pub(crate) install_command: Option<String>,
    /// Applies configuration (`$SZTP_CONFIG`, `$SZTP_CONFIG_HANDLING`).
    pub(crate) config_command: Option<String>,
    /// Timeout of each command.
    pub(crate) step_timeout: Duration,
}

impl ShellExecutor {
    /// A file in the work directory, which only the agent's user may enter: the configuration
    /// and scripts written there may hold secrets (and may have come encrypted to the IDevID).
    fn work_file(&self, name: &str) -> PathBuf {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        let dir = self.state.path().join("work");
        let _ = std::fs::DirBuilder::new().recursive(true).mode(0o700).create(&dir);
        let _ = std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700));
        dir.join(name)
    }

    async fn run(&self, cmd: &str, env: &[(&str, String)]) -> Result<String, StepFailure> {
        command(cmd, env, self.step_timeout, &self.state).await
    }
}

impl Executor for ShellExecutor {
    async fn install(&self, image: &[u8], os_name: &str, os_version: &str) -> Result<(), StepFailure> {
        let path = self.work_file("boot-image.img");
        std::fs::write(&path, image).map_err(|e| format!("{}: {e}", path.display()))?;
        let Some(install) = &self.install_command else {
            return Err("a new image is required but no --install-command is configured".to_owned().into());
        };
        let env = [
            ("SZTP_IMAGE", path.display().to_string()),
            ("SZTP_OS_NAME", os_name.to_owned()),
            ("SZTP_OS_VERSION", os_version.to_owned()),
        ];
        match self.run(install, &env).await {
            Ok(_) => Ok(()),
            Err(StepFailure::Failed(m)) => Err(StepFailure::Failed(format!("install: {m}"))),
            Err(stopped) => Err(stopped),
        }
    }

    async fn script(&self, stage: &str, content: &[u8]) -> Result<Option<String>, StepFailure> {
        let path = self.work_file(&format!("{stage}.sh"));
        std::fs::write(&path, content).map_err(|e| format!("{}: {e}", path.display()))?;
        // RFC 8572 leaves a script's form to the device: one with an interpreter line (#!) or an
        // ELF binary runs as itself; anything else is a shell script.
        let cmd = if content.starts_with(b"#!") || content.starts_with(b"\x7fELF") {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o700))
                .map_err(|e| format!("{}: {e}", path.display()))?;
            shell_quote(&path)
        } else {
            format!("/bin/sh {}", shell_quote(&path))
        };
        self.run(&cmd, &[]).await.map(Some)
    }

    async fn configure(&self, content: &[u8], handling: &'static str) -> Result<Option<String>, StepFailure> {
        let path = self.work_file("configuration");
        std::fs::write(&path, content).map_err(|e| format!("{}: {e}", path.display()))?;
        // Reporting config-complete for configuration nobody applied would mislead the operator.
        let Some(apply) = &self.config_command else {
            return Err(format!("no --config-command to apply it ({handling}); saved to {}", path.display()).into());
        };
        let env = [("SZTP_CONFIG", path.display().to_string()), ("SZTP_CONFIG_HANDLING", handling.to_owned())];
        self.run(apply, &env).await.map(Some)
    }
}

fn shell_quote(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', "'\\''"))
}

/// Grace a stopped step's processes get between SIGTERM and SIGKILL.
const STOP_GRACE: Duration = Duration::from_secs(3);

/// Runs a shell command in its own process group, racing its timeout and the disable switch;
/// either stops the whole group (the command's children too). `Ok`: the last line of output.
async fn command(
    cmd: &str,
    env: &[(&str, String)],
    timeout: Duration,
    switch: &StateDir,
) -> Result<String, StepFailure> {
    let mut command = tokio::process::Command::new("/bin/sh");
    command.arg("-c").arg(cmd).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    command.kill_on_drop(true).process_group(0);
    for (k, v) in env {
        command.env(k, v);
    }
    let mut child = command.spawn().map_err(|e| format!("\"{cmd}\": {e}"))?;
    let group = child.id().and_then(|id| i32::try_from(id).ok()).map(Pid::from_raw);
    let (stdout, stderr) = (OutputTail::default(), OutputTail::default());
    let readers = [stdout.read(child.stdout.take()), stderr.read(child.stderr.take())];
    let ended = tokio::select! {
        status = child.wait() => status.map_err(|e| StepFailure::Failed(format!("\"{cmd}\": {e}"))),
        () = tokio::time::sleep(timeout) => {
            Err(StepFailure::Failed(format!("\"{cmd}\" did not finish within {} s; stopped", timeout.as_secs())))
        }
        () = switch.until_disabled() => Err(StepFailure::Disabled),
        () = crate::shutdown::until_requested() => Err(StepFailure::Interrupted),
    };
    let status = match ended {
        Ok(status) => status,
        Err(e) => {
            tracing::info!(command = cmd, "stopping the command's process group");
            stop_group(group, &mut child).await;
            return Err(e);
        }
    };
    // A child the command left running may hold the pipes open: take what has arrived.
    for reader in readers {
        let _ = tokio::time::timeout(Duration::from_secs(1), reader).await;
    }
    if status.success() {
        Ok(stdout.last_line())
    } else {
        // What a failed command left running must not overlap the next attempt.
        stop_group(group, &mut child).await;
        Err(StepFailure::Failed(format!("\"{cmd}\" exited with {status}: {}", stderr.last_line())))
    }
}

/// The last 64 KiB a command wrote to one pipe: enough for its last line, bounded whatever it
/// prints, and readable while the reader still waits on a pipe a leftover child holds open.
#[derive(Clone, Default)]
struct OutputTail(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl OutputTail {
    const KEEP: usize = 64 * 1024;

    fn read(&self, pipe: Option<impl tokio::io::AsyncRead + Unpin + Send + 'static>) -> tokio::task::JoinHandle<()> {
        let tail = self.clone();
        tokio::spawn(async move {
            let Some(mut pipe) = pipe else { return };
            let mut chunk = [0u8; 8192];
            while let Ok(n @ 1..) = pipe.read(&mut chunk).await {
                let mut kept = tail.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                kept.extend_from_slice(&chunk[..n]);
                let excess = kept.len().saturating_sub(Self::KEEP);
                kept.drain(..excess);
            }
        })
    }

    fn last_line(&self) -> String {
        let kept = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        String::from_utf8_lossy(&kept).lines().last().unwrap_or_default().trim().to_owned()
    }
}

/// SIGTERM to the group, SIGKILL after a grace to whatever in it has not exited. The grace is
/// for every process of the group: the shell dies at once on SIGTERM, while the command it runs
/// (an install writing flash) may need the time to stop cleanly.
async fn stop_group(group: Option<Pid>, child: &mut tokio::process::Child) {
    let Some(group) = group else { return };
    let _ = killpg(group, Signal::SIGTERM);
    let deadline = tokio::time::Instant::now() + STOP_GRACE;
    // The shell is reaped first, so that only processes still running keep the group alive.
    let _ = tokio::time::timeout_at(deadline, child.wait()).await;
    while tokio::time::Instant::now() < deadline && killpg(group, None).is_ok() {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = killpg(group, Signal::SIGKILL);
    let _ = child.wait().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shell dies at once on SIGTERM; the command it started still gets the grace to stop
    /// (here: a TERM handler that takes 0.3 s) before SIGKILL.
    #[tokio::test]
    async fn a_stopped_commands_children_get_the_grace_before_sigkill() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let switch = StateDir::open(&dir.path().join("state")).unwrap_or_else(|e| panic!("{e}"));
        let (script, marker) = (dir.path().join("child.sh"), dir.path().join("stopped-cleanly"));
        let child = "trap 'sleep 0.3; echo > \"$1\"; exit 0' TERM\nwhile :; do sleep 0.05; done\n";
        std::fs::write(&script, child).unwrap_or_else(|e| panic!("{e}"));
        let cmd = format!("/bin/sh {} {} & wait", shell_quote(&script), shell_quote(&marker));
        let result = command(&cmd, &[], Duration::from_millis(500), &switch).await;
        assert!(matches!(&result, Err(StepFailure::Failed(m)) if m.contains("did not finish")), "{result:?}");
        assert!(marker.exists(), "SIGKILL cut the child's TERM handler short");
    }

    /// Output is kept to a bounded tail, and its last line is what a step reports.
    #[tokio::test]
    async fn a_command_that_prints_a_lot_keeps_only_its_tail() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let switch = StateDir::open(&dir.path().join("state")).unwrap_or_else(|e| panic!("{e}"));
        let cmd = "head -c 1048576 /dev/zero | tr '\\0' x; echo; echo last line";
        let result = command(cmd, &[], Duration::from_secs(20), &switch).await;
        assert_eq!(result.ok().as_deref(), Some("last line"));
        let failed = command("echo oops >&2; exit 3", &[], Duration::from_secs(20), &switch).await;
        assert!(matches!(&failed, Err(StepFailure::Failed(m)) if m.ends_with("oops")), "{failed:?}");
    }
}
