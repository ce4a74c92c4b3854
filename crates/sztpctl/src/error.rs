//! The CLI's error type: each variant fixes the process exit code the operator and scripts see.

use thiserror::Error;

/// Why a command failed; [`CtlError::exit_code`] maps it to the documented exit status.
#[derive(Debug, Error)]
pub enum CtlError {
    /// Signed data failed verification (exit 1).
    #[error("{0}")]
    Verification(String),
    /// A file or argument that cannot be read or parsed (exit 2).
    #[error("{0}")]
    Input(String),
    /// The server answered with an error status (exit 3).
    #[error("{0}")]
    Refused(String),
    /// The server could not be reached (exit 4).
    #[error("{0}")]
    Connection(String),
}

impl CtlError {
    /// A bad-input error from anything displayable.
    pub(crate) fn input(message: impl std::fmt::Display) -> Self {
        CtlError::Input(message.to_string())
    }

    /// The process exit code: 1 verification failure, 2 bad input or arguments, 3 refused by the
    /// server, 4 server unreachable.
    pub fn exit_code(&self) -> u8 {
        match self {
            CtlError::Verification(_) => 1,
            CtlError::Input(_) => 2,
            CtlError::Refused(_) => 3,
            CtlError::Connection(_) => 4,
        }
    }

    /// The message on a single line, as printed on stderr.
    pub fn one_line(&self) -> String {
        self.to_string().split_whitespace().collect::<Vec<_>>().join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_and_single_line_messages() {
        assert_eq!(CtlError::Verification("x".into()).exit_code(), 1);
        let e = CtlError::input("bad\n  file");
        assert_eq!((e.exit_code(), e.one_line().as_str()), (2, "bad file"));
    }
}
