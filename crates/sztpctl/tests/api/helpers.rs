//! Running the binary with its own config directory, and a demo server that already has an
//! administrator and a saved default profile.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::support;

/// The binary under test.
pub(crate) const BIN: &str = env!("CARGO_BIN_EXE_sztpctl");
/// The password of [`support::ROOT`].
pub(crate) const PASSWORD: &str = support::ROOT.1;

/// Runs `sztpctl` with `config` as its `XDG_CONFIG_HOME`.
pub(crate) fn ctl(config: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .env("XDG_CONFIG_HOME", config)
        .env_remove("SZTPCTL_SERVER")
        .env_remove("SZTPCTL_TENANT")
        .args(args)
        .output()
        .unwrap()
}

/// Stdout then stderr, for messages.
pub(crate) fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// Runs `sztpctl`, expecting success, and returns its stdout.
pub(crate) fn ok(config: &Path, args: &[&str]) -> String {
    let out = ctl(config, args);
    assert!(out.status.success(), "sztpctl {args:?}: {}", text(&out));
    String::from_utf8(out.stdout).unwrap()
}

/// Runs `sztpctl --json …`, expecting success, and parses its stdout.
pub(crate) fn ok_json(config: &Path, args: &[&str]) -> serde_json::Value {
    let stdout = ok(config, &[&["--json"], args].concat());
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("sztpctl {args:?}: {e}: {stdout}"))
}

/// Runs `sztpctl`, expecting exit code `code`, and returns stdout and stderr.
pub(crate) fn fails(config: &Path, code: i32, args: &[&str]) -> String {
    let out = ctl(config, args);
    assert_eq!(out.status.code(), Some(code), "sztpctl {args:?}: {}", text(&out));
    text(&out)
}

/// A demo server with [`support::ROOT`] created, and a config directory whose default profile
/// points at it with those credentials.
pub(crate) struct Ready {
    pub(crate) demo: support::Demo,
    pub(crate) config: tempfile::TempDir,
}

impl Ready {
    pub(crate) async fn start() -> Ready {
        let demo = support::Demo::start(1).await;
        support::nbi_as_root(&demo).await;
        let config = tempfile::tempdir().unwrap();
        let profiles = serde_json::json!({
            "default": { "server": format!("http://{}", demo.nbi), "user": support::ROOT.0, "password": PASSWORD }
        });
        std::fs::create_dir_all(config.path().join("sztpctl")).unwrap();
        std::fs::write(config.path().join("sztpctl/profiles.json"), profiles.to_string()).unwrap();
        Ready { demo, config }
    }

    /// The config directory (for [`ctl`]).
    pub(crate) fn cfg(&self) -> PathBuf {
        self.config.path().to_owned()
    }

    /// The base URL of the northbound endpoint.
    pub(crate) fn server(&self) -> String {
        format!("http://{}", self.demo.nbi)
    }
}

/// SHA-256 as colon-separated hex, computed independently of the binary.
pub(crate) fn sha256(bytes: &[u8]) -> String {
    let d = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes);
    d.as_ref().iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(":")
}
