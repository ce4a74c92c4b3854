//! Password and activation-code hashing: argon2id PHC strings. Cleartext is accepted only on
//! input and never stored.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

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
/// with parameters argon2 accepts, so that verification can use it.
pub(crate) fn check_phc(phc: &str) -> Result<(), String> {
    let parsed = PasswordHash::new(phc).map_err(|e| format!("not a PHC string: {e}"))?;
    if !["argon2id", "argon2i", "argon2d"].contains(&parsed.algorithm.as_str()) {
        return Err(format!("{} is not an argon2 hash", parsed.algorithm));
    }
    Params::try_from(&parsed).map_err(|e| format!("argon2 parameters: {e}"))?;
    if parsed.hash.is_none() {
        return Err("the PHC string holds no hash".into());
    }
    Ok(())
}

/// Whether `secret` matches the PHC string `phc` (any argon2 variant and parameters).
pub(crate) fn verify(secret: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => Argon2::default().verify_password(secret.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

/// [`verify`] on the blocking pool: argon2 takes tens of milliseconds of CPU, which must not
/// stall the async workers serving other devices.
pub(crate) async fn verify_blocking(secret: &str, phc: &str) -> bool {
    let (secret, phc) = (secret.to_owned(), phc.to_owned());
    tokio::task::spawn_blocking(move || verify(&secret, &phc)).await.unwrap_or(false)
}

/// [`burn_time`] on the blocking pool.
pub(crate) async fn burn_time_blocking(secret: &str) {
    let secret = secret.to_owned();
    let _ = tokio::task::spawn_blocking(move || burn_time(&secret)).await;
}

/// Spends about the time of one verification, so an unknown user cannot be told from a wrong
/// password by timing.
pub(crate) fn burn_time(secret: &str) {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let phc = DUMMY.get_or_init(|| hash("not a real activation code").unwrap_or_default());
    let _ = verify(secret, phc);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_and_verify() {
        let phc = hash("s3cret").expect("hash");
        assert!(phc.starts_with("$argon2id$"));
        assert!(verify("s3cret", &phc));
        assert!(!verify("s3cret ", &phc));
        assert!(!verify("s3cret", "not a phc string"));
    }

    #[test]
    fn hashes_given_on_input_are_checked_and_verify() {
        let cheap = Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(8, 1, 1, None).unwrap());
        let salt = SaltString::encode_b64(b"0123456789abcdef").unwrap();
        let phc = cheap.hash_password(b"long random code", &salt).unwrap().to_string();
        assert_eq!(check_phc(&phc), Ok(()));
        assert!(verify("long random code", &phc), "its own parameters are used");
        assert!(check_phc("$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ").unwrap_err().contains("no hash"));
        assert!(check_phc("$5$rounds=5000$salt$hash").is_err());
        assert!(check_phc("plain text").is_err());
    }
}
