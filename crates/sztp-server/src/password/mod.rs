//! Password and activation-code hashing: argon2id PHC strings. Cleartext is accepted only on
//! input and never stored. Verification runs in a bounded pool ([`gate`]) behind a per-source
//! budget of failures ([`budget`]), so unauthenticated requests cannot buy unbounded work.

pub(crate) mod budget;
pub(crate) mod gate;

use argon2::password_hash::{PasswordHash, PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

pub(crate) use budget::FailureBudget;
pub(crate) use gate::{Busy, Verifier};

/// What bounds the cost of password checks: the verification pool and the per-source budget.
#[derive(Clone)]
pub(crate) struct Guard {
    /// The verification pool.
    pub verifier: Verifier,
    /// Attempts per source address.
    pub budget: std::sync::Arc<FailureBudget>,
}

impl Guard {
    /// The defaults: a thread per core with a bounded queue, and per source 32 attempts at
    /// once, then 30 failures a minute.
    pub(crate) fn for_this_machine() -> Self {
        Guard { verifier: Verifier::for_this_machine(), budget: std::sync::Arc::new(FailureBudget::default()) }
    }
}

/// The largest argon2 memory cost accepted in a stored hash, in KiB (64 MiB).
pub(crate) const MAX_M_COST: u32 = 64 * 1024;
/// The most argon2 passes accepted in a stored hash.
pub(crate) const MAX_T_COST: u32 = 10;
/// The most argon2 lanes accepted in a stored hash.
pub(crate) const MAX_P_COST: u32 = 4;

/// The hasher: argon2id with OWASP's second recommended setting (19 MiB, 2 passes, 1 lane).
fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a secret into a PHC string (`$argon2id$v=19$…`).
pub(crate) fn hash(secret: &str) -> Result<String, String> {
    let mut bytes = [0u8; 16];
    aws_lc_rs::rand::fill(&mut bytes).map_err(|_| "no randomness available".to_owned())?;
    let salt = SaltString::encode_b64(&bytes).map_err(|e| e.to_string())?;
    argon2().hash_password(secret.as_bytes(), &salt).map(|h| h.to_string()).map_err(|e| e.to_string())
}

/// Checks a hash given on input (an activation code hashed elsewhere): an argon2 PHC string
/// with parameters within the server's bounds, so that verifying it costs at most
/// [`MAX_M_COST`] KiB and [`MAX_T_COST`] passes.
pub(crate) fn check_phc(phc: &str) -> Result<(), String> {
    let parsed = PasswordHash::new(phc).map_err(|e| format!("not a PHC string: {e}"))?;
    bounded(&parsed).map(|_| ())
}

/// The verification recipe of a parsed PHC string, if it is an argon2 hash within bounds.
fn bounded(parsed: &PasswordHash<'_>) -> Result<(Algorithm, Version, Params), String> {
    let algorithm = Algorithm::try_from(parsed.algorithm)
        .map_err(|_| format!("{} is not an argon2 hash", parsed.algorithm.as_str()))?;
    let version = match parsed.version {
        None => Version::V0x13,
        Some(v) => Version::try_from(v).map_err(|_| format!("argon2 version {v} is unknown"))?,
    };
    let params = Params::try_from(parsed).map_err(|e| format!("argon2 parameters: {e}"))?;
    if params.m_cost() > MAX_M_COST || params.t_cost() > MAX_T_COST || params.p_cost() > MAX_P_COST {
        return Err(format!(
            "argon2 parameters m={},t={},p={} exceed this server's bounds (m ≤ {MAX_M_COST}, t ≤ {MAX_T_COST}, p ≤ {MAX_P_COST})",
            params.m_cost(),
            params.t_cost(),
            params.p_cost()
        ));
    }
    if parsed.hash.is_none() || parsed.salt.is_none() {
        return Err("the PHC string holds no salt or no hash".into());
    }
    Ok((algorithm, version, params))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cheap(m: u32, t: u32, p: u32) -> String {
        let cheap = Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(m, t, p, None).unwrap());
        let salt = SaltString::encode_b64(b"0123456789abcdef").unwrap();
        cheap.hash_password(b"long random code", &salt).unwrap().to_string()
    }

    #[test]
    fn hashes_given_on_input_are_checked() {
        assert_eq!(check_phc(&cheap(8, 1, 1)), Ok(()));
        assert_eq!(check_phc(&hash("x").unwrap()), Ok(()), "the server's own hashes are within bounds");
        assert!(check_phc("$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ").unwrap_err().contains("no salt or no hash"));
        assert!(check_phc("$5$rounds=5000$salt$hash").is_err());
        assert!(check_phc("plain text").is_err());
    }

    #[test]
    fn hostile_parameters_are_refused() {
        let at_bounds = cheap(MAX_M_COST, 1, 1).replace("t=1", "t=10").replace("p=1", "p=4");
        assert_eq!(check_phc(&at_bounds), Ok(()));
        let hash = "dGhpcyBpcyBub3QgYSByZWFsIGhhc2ggYXQgYWxsIQ";
        for params in ["m=4294967295,t=2,p=1", "m=65537,t=2,p=1", "m=19456,t=11,p=1", "m=19456,t=2,p=5"] {
            let phc = format!("$argon2id$v=19${params}$c2FsdHNhbHRzYWx0$${hash}").replace("$$", "$");
            let err = check_phc(&phc).unwrap_err();
            assert!(err.contains("exceed this server's bounds"), "{params}: {err}");
        }
    }
}
