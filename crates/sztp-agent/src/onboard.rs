//! Onboarding information carried out in RFC 8572 §5.6 order: boot image (download, hash,
//! install, reboot), pre-configuration script, configuration, post-configuration script, with
//! progress reports as the reporting level asks.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use sztp_protocol::model::conveyed_info::{BootImage, ConfigurationHandling, HashAlgorithm, OnboardingInformation};
use sztp_protocol::model::progress::{ProgressType, ReportProgressInput};

use crate::agent::Run;
use crate::client::{ServerClient, chain};
use crate::error::AgentError;

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
                run.done("boot-image", "failed", Some(e.to_string()))?;
                reporter.send(kind, Some(e.to_string()), None).await?;
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
            Err(message) => {
                let e = AgentError::Step { stage, message };
                run.done(stage, "failed", Some(e.to_string()))?;
                reporter.send(error, Some(e.to_string()), None).await?;
                return Err(e);
            }
        }
    }
    Ok(Onboarded::Complete)
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
    let mut failures = Vec::new();
    let mut bytes = None;
    for uri in &image.download_uri {
        match client.http().get(uri).send().await.and_then(|r| r.error_for_status()) {
            Ok(response) => match response.bytes().await {
                Ok(b) => {
                    bytes = Some(b);
                    break;
                }
                Err(e) => failures.push(format!("{uri}: {}", chain(&e))),
            },
            Err(e) => failures.push(format!("{uri}: {}", chain(&e))),
        }
    }
    let Some(bytes) = bytes else {
        return Err(err(AgentError::Image(format!("no download URI worked: {}", failures.join("; ")))));
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
    command(&install, &env, run.config.step_timeout)
        .await
        .map_err(|m| err(AgentError::Image(format!("install: {m}"))))?;
    run.installed(name, version).map_err(err)?;
    Ok(true)
}

async fn script(run: &mut Run<'_>, stage: &str, content: &[u8]) -> Result<Option<String>, String> {
    let path = run.work_file(&format!("{stage}.sh"));
    std::fs::write(&path, content).map_err(|e| format!("{}: {e}", path.display()))?;
    let cmd = format!("/bin/sh {}", shell_quote(&path));
    command(&cmd, &[], run.config.step_timeout).await.map(Some)
}

async fn apply_config(run: &mut Run<'_>, content: &[u8], handling: &str) -> Result<Option<String>, String> {
    let path = run.work_file("configuration");
    std::fs::write(&path, content).map_err(|e| format!("{}: {e}", path.display()))?;
    // Reporting config-complete for configuration nobody applied would mislead the operator.
    let Some(apply) = run.config.config_command.clone() else {
        return Err(format!("no --config-command to apply it ({handling}); saved to {}", path.display()));
    };
    let env = [("SZTP_CONFIG", path.display().to_string()), ("SZTP_CONFIG_HANDLING", handling.to_owned())];
    command(&apply, &env, run.config.step_timeout).await.map(Some)
}

fn shell_quote(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', "'\\''"))
}

/// Runs a shell command with a timeout; `Ok` carries the last line of its output.
async fn command(cmd: &str, env: &[(&str, String)], timeout: Duration) -> Result<String, String> {
    let mut child = tokio::process::Command::new("/bin/sh");
    child.arg("-c").arg(cmd).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).kill_on_drop(true);
    for (k, v) in env {
        child.env(k, v);
    }
    let output = tokio::time::timeout(timeout, child.output())
        .await
        .map_err(|_| format!("\"{cmd}\" did not finish within {} s", timeout.as_secs()))?
        .map_err(|e| format!("\"{cmd}\": {e}"))?;
    let text = |b: &[u8]| String::from_utf8_lossy(b).lines().last().unwrap_or_default().trim().to_owned();
    if output.status.success() {
        Ok(text(&output.stdout))
    } else {
        Err(format!("\"{cmd}\" exited with {}: {}", output.status, text(&output.stderr)))
    }
}

/// Where the agent writes downloaded and received files.
pub fn work_dir(state: &Path) -> PathBuf {
    state.join("work")
}
