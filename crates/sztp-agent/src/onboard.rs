//! Onboarding information carried out in RFC 8572 §5.6 order: boot image (download, hash,
//! install, reboot), pre-configuration script, configuration, post-configuration script, with
//! progress reports as the reporting level asks; the effects go through the session's executor.

use sztp_protocol::model::conveyed_info::{BootImage, ConfigurationHandling, HashAlgorithm, OnboardingInformation};
use sztp_protocol::model::progress::ProgressType;

use crate::error::AgentError;
use crate::platform::{Connection, Executor, Journal, StepFailure, Transport};
use crate::session::{Reporter, Session};

/// How an onboarding ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Onboarded {
    /// Everything ran; bootstrap-complete is next.
    Complete,
    /// A new image was installed; the device must reboot and bootstrap again.
    Rebooting,
}

/// A script or configuration step: name, content, and its initiated/complete/error reports.
type Step<'a> = (&'static str, Option<&'a Vec<u8>>, [ProgressType; 3]);

impl<T: Transport, X: Executor, J: Journal> Session<'_, T, X, J> {
    /// Carries out onboarding information from `conn`'s server, reporting through `reporter`.
    pub(crate) async fn onboard(
        &mut self,
        info: &OnboardingInformation,
        conn: &T::Conn,
        reporter: &Reporter<'_, T::Conn>,
    ) -> Result<Onboarded, AgentError> {
        if let Some(image) = &info.boot_image {
            self.journal.stage("boot-image");
            match self.boot_image(image, conn, reporter).await {
                Ok(true) => {
                    self.journal.done("boot-image", "ok", Some("installed; rebooting".into()))?;
                    self.report(reporter, ProgressType::BootImageInstalledRebooting, None, None).await?;
                    return Ok(Onboarded::Rebooting);
                }
                Ok(false) => {
                    self.journal.done("boot-image", "skipped", Some("the device already runs this OS".into()))?;
                    self.report(reporter, ProgressType::BootImageComplete, None, None).await?;
                }
                Err((kind, e)) => {
                    let outcome =
                        if matches!(e, AgentError::Disabled | AgentError::Interrupted) { "aborted" } else { "failed" };
                    self.journal.done("boot-image", outcome, Some(e.to_string()))?;
                    self.report_failure(reporter, kind, &e).await;
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
            self.journal.check_enabled()?;
            self.journal.stage(stage);
            self.report(reporter, initiated, None, None).await?;
            let result = if stage == "config" {
                let handling = match info.configuration_handling {
                    Some(ConfigurationHandling::Replace) => "replace",
                    _ => "merge",
                };
                self.executor.configure(content, handling).await
            } else {
                self.executor.script(stage, content).await
            };
            match result {
                Ok(detail) => {
                    self.journal.done(stage, "ok", detail)?;
                    self.report(reporter, complete, None, None).await?;
                }
                Err(failure) => {
                    let (e, outcome) = match failure {
                        StepFailure::Disabled => (AgentError::Disabled, "aborted"),
                        StepFailure::Interrupted => (AgentError::Interrupted, "aborted"),
                        StepFailure::Failed(message) => (AgentError::Step { stage, message }, "failed"),
                    };
                    self.journal.done(stage, outcome, Some(e.to_string()))?;
                    self.report_failure(reporter, error, &e).await;
                    return Err(e);
                }
            }
        }
        Ok(Onboarded::Complete)
    }

    /// Tells the server why a step stopped, aborted or failed, so the operator sees it there. The
    /// step's error is what the attempt ends with: a report that does not get through is logged,
    /// not returned (it would hide the reason, and turn an abort's exit 3 into exit 1).
    async fn report_failure(&mut self, reporter: &Reporter<'_, T::Conn>, kind: ProgressType, e: &AgentError) {
        if let Err(report) = self.report(reporter, kind, Some(e.to_string()), None).await {
            tracing::warn!(error = %report, report = kind.as_str(), "the failure could not be reported");
        }
    }

    /// Downloads, verifies and installs the image unless the device runs it; `Ok(true)`: installed.
    async fn boot_image(
        &mut self,
        image: &BootImage,
        conn: &T::Conn,
        reporter: &Reporter<'_, T::Conn>,
    ) -> Result<bool, (ProgressType, AgentError)> {
        let err = |e: AgentError| (ProgressType::BootImageError, e);
        let (os_name, os_version) = self.journal.current_os();
        if image.os_name.as_deref().is_some_and(|n| n == os_name)
            && image.os_version.as_deref().is_some_and(|v| v == os_version)
        {
            return Ok(false);
        }
        self.report(reporter, ProgressType::BootImageInitiated, None, None).await.map_err(err)?;
        let expected: Vec<&[u8]> = image
            .image_verification
            .iter()
            .filter(|v| v.hash_algorithm == HashAlgorithm::Sha256)
            .map(|v| v.hash_value.as_slice())
            .collect();
        if expected.is_empty() {
            return Err(err(AgentError::Image("no SHA-256 to verify the image with".into())));
        }
        let bytes = tokio::select! {
            bytes = download(conn, &image.download_uri) => bytes,
            stopped = self.journal.until_stopped() => return Err(err(stopped)),
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
        let name = image.os_name.clone().unwrap_or_default();
        let version = image.os_version.clone().unwrap_or_default();
        self.executor.install(&bytes, &name, &version).await.map_err(|f| match f {
            StepFailure::Disabled => err(AgentError::Disabled),
            StepFailure::Interrupted => err(AgentError::Interrupted),
            StepFailure::Failed(m) => err(AgentError::Image(m)),
        })?;
        self.journal.installed(name, version).map_err(err)?;
        Ok(true)
    }
}

/// The image from the first URI that works, in order; else why each failed.
async fn download<C: Connection>(conn: &C, uris: &[String]) -> Result<Vec<u8>, Vec<String>> {
    let mut failures = Vec::new();
    for uri in uris {
        match conn.download(uri).await {
            Ok(bytes) => return Ok(bytes),
            Err(e) => failures.push(format!("{uri}: {e}")),
        }
    }
    Err(failures)
}
