//! Onboarding information carried out in RFC 8572 §5.6 order: boot image (download, hash,
//! install, reboot), pre-configuration script, configuration, post-configuration script, with
//! progress reports as the reporting level asks.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::io::AsyncReadExt;

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use sztp_protocol::model::conveyed_info::{BootImage, ConfigurationHandling, HashAlgorithm, OnboardingInformation};
use sztp_protocol::model::progress::{ProgressType, ReportProgressInput};

use crate::agent::Run;
use crate::client::{ServerClient, chain};
use crate::error::AgentError;
use crate::state::StateDir;

/// How an onboarding ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Onboarded {
    /// Everything ran; bootstrap-complete was sent.
    Complete,
    /// A new image was installed; the device must reboot and bootstrap again.
    Rebooting,
}

/// Sends progress reports to a trusted server (never to an untrusted one, RFC 8572 §5.6).
pub struct Reporter<'a> {
    /// The server, when it is trusted.
    pub client: Option<&'a ServerClient>,
    /// Whether the server asked for verbose reporting.
    pub verbose: bool,
}

impl Reporter<'_> {
    /// Reports `kind` if the reporting level wants it; mandatory reports must get a 204.
    pub async fn send(
        &self,
        kind: ProgressType,
        message: Option<String>,
        extra: Option<ReportProgressInput>,
    ) -> Result<(), AgentError> {
        let Some(client) = self.client else { return Ok(()) };
        let mandatory = kind == ProgressType::BootstrapInitiated || kind.is_terminal();
        if !mandatory && !self.verbose {
            return Ok(());
        }
        let mut input = extra.unwrap_or(ReportProgressInput {
            progress_type: kind,
            message: None,
            ssh_host_keys: Vec::new(),
            trust_anchor_certs: Vec::new(),
        });
        input.progress_type = kind;
        input.message = message;
        match client.report_progress(&input).await {
            Ok(()) => Ok(()),
            Err(e) if mandatory => Err(e),
            Err(e) => {
                tracing::warn!(error = %e, report = kind.as_str(), "progress report not accepted");
                Ok(())
            }
        }
    }
}

/// A script or configuration step: name, content, and its initiated/complete/error reports.
type Step<'a> = (&'static str, Option<&'a Vec<u8>>, [ProgressType; 3]);

/// Carries out onboarding information; `run` records stages and holds the configuration.
pub async fn onboard(
    run: &mut Run<'_>,
    info: &OnboardingInformation,
    client: &ServerClient,
    reporter: &Reporter<'_>,
) -> Result<Onboarded, AgentError> {
    if let Some(image) = &info.boot_image {
        run.stage("boot-image");
        match boot_image(run, image, client, reporter).await {
            Ok(true) => {
                run.done("boot-image", "ok", Some("installed; rebooting".into()))?;
                reporter.send(ProgressType::BootImageInstalledRebooting, None, None).await?;
                return Ok(Onboarded::Rebooting);
            }
            Ok(false) => {
                run.done("boot-image", "skipped", Some("the device already runs this OS".into()))?;
                reporter.send(ProgressType::BootImageComplete, None, None).await?;
            }
            Err((kind, e)) => {
                let outcome =
                    if matches!(e, AgentError::Disabled | AgentError::Interrupted) { "aborted" } else { "failed" };
                run.done("boot-image", outcome, Some(e.to_string()))?;
                report_failure(reporter, kind, &e).await;
                return Err(e);
            }
        }
    }
    let steps: [Step<'_>; 3] = [
        (
            "pre-script",
            info.pre_configuration_script.as_ref(),
            [ProgressType::PreScriptInitiated, ProgressType::PreScriptComplete, ProgressType::PreScriptError],
        ),
        (
            "config",
            info.configuration.as_ref(),
            [ProgressType::ConfigInitiated, ProgressType::ConfigComplete, ProgressType::ConfigError],
        ),
        (
            "post-script",
            info.post_configuration_script.as_ref(),
            [ProgressType::PostScriptInitiated, ProgressType::PostScriptComplete, ProgressType::PostScriptError],
        ),
    ];
    for (stage, content, [initiated, complete, error]) in steps {
        let Some(content) = content else { continue };
        run.check_enabled()?;
        run.stage(stage);
        reporter.send(initiated, None, None).await?;
        let result = if stage == "config" {
            let handling = match info.configuration_handling {
                Some(ConfigurationHandling::Replace) => "replace",
                _ => "merge",
            };
            apply_config(run, content, handling).await
        } else {
            script(run, stage, content).await
        };
        match result {
            Ok(detail) => {
                run.done(stage, "ok", detail)?;
                reporter.send(complete, None, None).await?;
            }
            Err(failure) => {
                let (e, outcome) = match failure {
                    StepFailure::Disabled => (AgentError::Disabled, "aborted"),
                    StepFailure::Interrupted => (AgentError::Interrupted, "aborted"),
                    StepFailure::Failed(message) => (AgentError::Step { stage, message }, "failed"),
                };
                run.done(stage, outcome, Some(e.to_string()))?;
                report_failure(reporter, error, &e).await;
                return Err(e);
            }
        }
    }
    Ok(Onboarded::Complete)
}

/// Tells the server why a step stopped, aborted or failed, so the operator sees it there. The
/// step's error is what the attempt ends with: a report that does not get through is logged,
/// not returned (it would hide the reason, and turn an abort's exit 3 into exit 1).
async fn report_failure(reporter: &Reporter<'_>, kind: ProgressType, e: &AgentError) {
    if let Err(report) = reporter.send(kind, Some(e.to_string()), None).await {
        tracing::warn!(error = %report, report = kind.as_str(), "the failure could not be reported");
    }
}

/// Downloads, verifies and installs the image unless the device runs it; `Ok(true)`: installed.
async fn boot_image(
    run: &mut Run<'_>,
    image: &BootImage,
    client: &ServerClient,
    reporter: &Reporter<'_>,
) -> Result<bool, (ProgressType, AgentError)> {
    let err = |e: AgentError| (ProgressType::BootImageError, e);
    let (os_name, os_version) = run.current_os();
    if image.os_name.as_deref().is_some_and(|n| n == os_name)
        && image.os_version.as_deref().is_some_and(|v| v == os_version)
    {
        return Ok(false);
    }
    reporter.send(ProgressType::BootImageInitiated, None, None).await.map_err(err)?;
    let expected: Vec<&[u8]> = image
        .image_verification
        .iter()
        .filter(|v| v.hash_algorithm == HashAlgorithm::Sha256)
        .map(|v| v.hash_value.as_slice())
        .collect();
    if expected.is_empty() {
        return Err(err(AgentError::Image("no SHA-256 to verify the image with".into())));
    }
    let switch = run.switch();
    let bytes = tokio::select! {
        bytes = download(client, &image.download_uri) => bytes,
        () = switch.until_disabled() => return Err(err(AgentError::Disabled)),
        () = crate::shutdown::until_requested() => return Err(err(AgentError::Interrupted)),
    };
    let bytes = match bytes {
        Ok(bytes) => bytes,
        Err(failures) => {
            return Err(err(AgentError::Image(format!("no download URI worked: {}", failures.join("; ")))));
        }
    };
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &bytes);
    if !expected.contains(&digest.as_ref()) {
        let e = AgentError::Image("the downloaded image does not match its SHA-256; nothing installed".into());
        return Err((ProgressType::BootImageMismatch, e));
    }
    let path = run.work_file("boot-image.img");
    std::fs::write(&path, &bytes).map_err(|e| err(AgentError::Image(format!("{}: {e}", path.display()))))?;
    let name = image.os_name.clone().unwrap_or_default();
    let version = image.os_version.clone().unwrap_or_default();
    let Some(install) = run.config.install_command.clone() else {
        return Err(err(AgentError::Image("a new image is required but no --install-command is configured".into())));
    };
    let env = [
        ("SZTP_IMAGE", path.display().to_string()),
        ("SZTP_OS_NAME", name.clone()),
        ("SZTP_OS_VERSION", version.clone()),
    ];
    command(&install, &env, run.config.step_timeout, &run.switch()).await.map_err(|f| match f {
        StepFailure::Disabled => err(AgentError::Disabled),
        StepFailure::Interrupted => err(AgentError::Interrupted),
        StepFailure::Failed(m) => err(AgentError::Image(format!("install: {m}"))),
    })?;
    run.installed(name, version).map_err(err)?;
    Ok(true)
}

/// The image from the first URI that works, in order; else why each failed.
async fn download(client: &ServerClient, uris: &[String]) -> Result<Vec<u8>, Vec<String>> {
    let mut failures = Vec::new();
    for uri in uris {
        match client.http().get(uri).send().await.and_then(|r| r.error_for_status()) {
            Ok(response) => match response.bytes().await {
                Ok(b) => return Ok(Vec::from(b)),
                Err(e) => failures.push(format!("{uri}: {}", chain(&e))),
            },
            Err(e) => failures.push(format!("{uri}: {}", chain(&e))),
        }
    }
    Err(failures)
}

async fn script(run: &mut Run<'_>, stage: &str, content: &[u8]) -> Result<Option<String>, StepFailure> {
    let path = run.work_file(&format!("{stage}.sh"));
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
    command(&cmd, &[], run.config.step_timeout, &run.switch()).await.map(Some)
}

async fn apply_config(run: &mut Run<'_>, content: &[u8], handling: &str) -> Result<Option<String>, StepFailure> {
    let path = run.work_file("configuration");
    std::fs::write(&path, content).map_err(|e| format!("{}: {e}", path.display()))?;
    // Reporting config-complete for configuration nobody applied would mislead the operator.
    let Some(apply) = run.config.config_command.clone() else {
        return Err(format!("no --config-command to apply it ({handling}); saved to {}", path.display()).into());
    };
    let env = [("SZTP_CONFIG", path.display().to_string()), ("SZTP_CONFIG_HANDLING", handling.to_owned())];
    command(&apply, &env, run.config.step_timeout, &run.switch()).await.map(Some)
}

fn shell_quote(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', "'\\''"))
}

/// Why a script, install or apply command did not succeed.
#[derive(Debug)]
enum StepFailure {
    /// Bootstrapping was disabled while it ran; it was stopped.
    Disabled,
    /// The agent got SIGINT or SIGTERM while it ran; it was stopped.
    Interrupted,
    /// It failed, timed out, or could not start.
    Failed(String),
}

impl From<String> for StepFailure {
    fn from(message: String) -> Self {
        StepFailure::Failed(message)
    }
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

/// Where the agent writes downloaded and received files.
pub fn work_dir(state: &Path) -> PathBuf {
    state.join("work")
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
