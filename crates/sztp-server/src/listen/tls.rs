//! Per-endpoint rustls server configuration: TLS 1.3 and 1.2 on aws-lc-rs, ALPN h2 and
//! http/1.1, no 0-RTT, RSA or ECDSA server keys, optional client certificates.

use std::fmt;
use std::sync::Arc;

use rustls::crypto::{CryptoProvider, aws_lc_rs};
use rustls::server::danger::ClientCertVerifier;
use rustls::version::{TLS12, TLS13};
use rustls::{ServerConfig, SupportedProtocolVersion};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use super::ListenError;
use super::client_cert::AnyChainClientVerifier;

/// Whether an endpoint asks TLS clients for a certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuth {
    /// No CertificateRequest is sent.
    None,
    /// A certificate is requested; clients without one are still served.
    Optional,
    /// A certificate is requested and the handshake fails without one.
    Required,
}

/// The lowest TLS version an endpoint accepts (the highest is always TLS 1.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMin {
    /// TLS 1.2 and 1.3.
    Tls12,
    /// TLS 1.3 only.
    Tls13,
}

/// The TLS material and policy of one endpoint.
#[derive(Clone, PartialEq, Eq)]
pub struct TlsSettings {
    /// Server certificate chain, DER, leaf first.
    pub cert_chain_der: Vec<Vec<u8>>,
    /// The leaf's private key, PKCS#8 DER (RSA or ECDSA).
    pub key_pkcs8_der: Vec<u8>,
    /// Whether clients are asked for a certificate.
    pub client_auth: ClientAuth,
    /// DER certificates whose subjects are sent as acceptable CA names in the CertificateRequest.
    pub client_root_hints: Vec<Vec<u8>>,
    /// Whether a presented client chain must validate to `client_root_hints` in the handshake
    /// (an endpoint's `client-trust-bag`); otherwise the application judges the chain.
    pub enforce_client_roots: bool,
    /// The lowest TLS version accepted.
    pub min_version: TlsMin,
}

impl fmt::Debug for TlsSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsSettings")
            .field("cert_chain_der", &format_args!("[{} certificates]", self.cert_chain_der.len()))
            .field("key_pkcs8_der", &"<redacted>")
            .field("client_auth", &self.client_auth)
            .field("client_root_hints", &format_args!("[{} certificates]", self.client_root_hints.len()))
            .field("enforce_client_roots", &self.enforce_client_roots)
            .field("min_version", &self.min_version)
            .finish()
    }
}

/// Installs aws-lc-rs as the process-wide rustls provider (for TLS clients built without an
/// explicit provider); calling it again is harmless.
pub fn install_default_crypto_provider() {
    // Err only means a provider is already installed.
    let _ = aws_lc_rs::default_provider().install_default();
}

/// Builds the rustls configuration of an endpoint, checking that the key matches the leaf.
pub(crate) fn server_config(settings: &TlsSettings) -> Result<Arc<ServerConfig>, ListenError> {
    if settings.cert_chain_der.is_empty() {
        return Err(ListenError::Tls("the certificate chain is empty".into()));
    }
    let provider: Arc<CryptoProvider> = Arc::new(aws_lc_rs::default_provider());
    let versions: &[&'static SupportedProtocolVersion] = match settings.min_version {
        TlsMin::Tls12 => &[&TLS13, &TLS12],
        TlsMin::Tls13 => &[&TLS13],
    };
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(versions)
        .map_err(|e| ListenError::Tls(e.to_string()))?;
    let builder = match settings.client_auth {
        ClientAuth::None => builder.with_no_client_auth(),
        ClientAuth::Optional | ClientAuth::Required => {
            let mandatory = settings.client_auth == ClientAuth::Required;
            let (hints, enforce) = (&settings.client_root_hints, settings.enforce_client_roots);
            let verifier = AnyChainClientVerifier::new(&provider, hints, mandatory, enforce)?;
            builder.with_client_cert_verifier(Arc::new(verifier) as Arc<dyn ClientCertVerifier>)
        }
    };
    let chain = settings.cert_chain_der.iter().map(|c| CertificateDer::from(c.clone())).collect();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(settings.key_pkcs8_der.clone()));
    let mut config = builder.with_single_cert(chain, key).map_err(|e| ListenError::Tls(e.to_string()))?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    config.max_early_data_size = 0;
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sztp_testkit::{KeyAlg, TestCa, params};

    fn settings(alg: KeyAlg) -> TlsSettings {
        let ca = TestCa::root("Example", "Root", alg);
        let leaf = ca.issue(&params("Example", "localhost"), alg);
        TlsSettings {
            cert_chain_der: vec![leaf.cert_der, ca.issued.cert_der.clone()],
            key_pkcs8_der: leaf.key_pkcs8_der,
            client_auth: ClientAuth::Optional,
            client_root_hints: vec![ca.issued.cert_der],
            enforce_client_roots: false,
            min_version: TlsMin::Tls12,
        }
    }

    #[test]
    fn builds_configs_for_ecdsa_and_rsa_keys_without_early_data() {
        for alg in [KeyAlg::P256, KeyAlg::P384, KeyAlg::Rsa2048] {
            let config = server_config(&settings(alg)).expect("config");
            assert_eq!(config.max_early_data_size, 0);
            assert_eq!(config.alpn_protocols, [b"h2".to_vec(), b"http/1.1".to_vec()]);
        }
    }

    #[test]
    fn rejects_a_key_that_does_not_match_the_leaf() {
        let mut s = settings(KeyAlg::P256);
        s.key_pkcs8_der = settings(KeyAlg::P256).key_pkcs8_der;
        assert!(matches!(server_config(&s), Err(ListenError::Tls(_))));
    }

    #[test]
    fn rejects_an_empty_chain_garbage_key_and_garbage_hints() {
        let mut s = settings(KeyAlg::P256);
        s.cert_chain_der.clear();
        assert!(matches!(server_config(&s), Err(ListenError::Tls(_))));
        let mut s = settings(KeyAlg::P256);
        s.key_pkcs8_der = b"garbage".to_vec();
        assert!(matches!(server_config(&s), Err(ListenError::Tls(_))));
        let mut s = settings(KeyAlg::P256);
        s.client_root_hints = vec![b"garbage".to_vec()];
        assert!(matches!(server_config(&s), Err(ListenError::Tls(m)) if m.contains("hint #0")));
    }

    #[test]
    fn debug_output_hides_the_private_key() {
        let s = settings(KeyAlg::P256);
        assert!(format!("{s:?}").contains("<redacted>"));
    }
}
