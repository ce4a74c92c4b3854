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
pub fn hash(secret: &str) -> Result<String, String> {
    let mut bytes = [0u8; 16];
    aws_lc_rs::rand::fill(&mut bytes).map_err(|_| "no randomness available".to_owned())?;
    let salt = SaltString::encode_b64(&bytes).map_err(|e| e.to_string())?;
    argon2().hash_password(secret.as_bytes(), &salt).map(|h| h.to_string()).map_err(|e| e.to_string())
}

/// Whether `secret` matches the PHC string `phc` (any argon2 variant and parameters).
pub fn verify(secret: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => Argon2::default().verify_password(secret.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

/// [`verify`] on the blocking pool: argon2 takes tens of milliseconds of CPU, which must not
/// stall the async workers serving other devices.
pub async fn verify_blocking(secret: &str, phc: &str) -> bool {
    let (secret, phc) = (secret.to_owned(), phc.to_owned());
    tokio::task::spawn_blocking(move || verify(&secret, &phc)).await.unwrap_or(false)
}

/// [`burn_time`] on the blocking pool.
pub async fn burn_time_blocking(secret: &str) {
    let secret = secret.to_owned();
    let _ = tokio::task::spawn_blocking(move || burn_time(&secret)).await;
}

/// Spends about the time of one verification, so an unknown user cannot be told from a wrong
/// password by timing.
pub fn burn_time(secret: &str) {
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
}
