//! Why an attempt failed, in classes the status file and exit codes use.

/// An agent failure. The message names the cause; the variant says which kind it is.
#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    /// Bad flags or files.
    #[error("configuration: {0}")]
    Config(String),
    /// No bootstrap server answered usefully.
    #[error("unreachable: {0}")]
    Unreachable(String),
    /// The server answered with an error status or a malformed document.
    #[error("server: {0}")]
    Server(String),
    /// Signed data failed RFC 8572 §5.4, or unsigned data came from an untrusted server.
    #[error("trust: {0}")]
    Trust(String),
    /// The boot image could not be downloaded, did not match its hash, or did not install.
    #[error("boot image: {0}")]
    Image(String),
    /// A script or the configuration failed.
    #[error("{stage}: {message}")]
    Step {
        /// pre-script, config or post-script.
        stage: &'static str,
        /// What went wrong.
        message: String,
    },
    /// Too many redirects.
    #[error("redirect loop: more than {0} redirects")]
    Redirects(usize),
    /// Bootstrapping is disabled (`sztp-agent disable`).
    #[error("bootstrapping is disabled")]
    Disabled,
    /// The state directory could not be written.
    #[error("state: {0}")]
    State(String),
    /// SIGINT or SIGTERM stopped the attempt.
    #[error("interrupted: the agent received a termination signal")]
    Interrupted,
}

impl AgentError {
    /// The message led by its class ("trust: …"), without saying the class twice.
    pub fn with_class(&self) -> String {
        let text = self.to_string();
        if text.starts_with(&format!("{}:", self.class())) { text } else { format!("{}: {text}", self.class()) }
    }

    /// A short class name for summaries ("trust", "image", …).
    pub fn class(&self) -> &'static str {
        match self {
            AgentError::Config(_) => "config",
            AgentError::Unreachable(_) => "unreachable",
            AgentError::Server(_) => "server",
            AgentError::Trust(_) => "trust",
            AgentError::Image(_) => "image",
            AgentError::Step { stage, .. } => stage,
            AgentError::Redirects(_) => "redirects",
            AgentError::Disabled => "disabled",
            AgentError::State(_) => "state",
            AgentError::Interrupted => "interrupted",
        }
    }
}
