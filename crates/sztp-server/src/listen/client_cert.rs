//! TLS-level client certificates: ask for one and make the client prove it holds the leaf's
//! private key. With an endpoint's `client-trust-bag`, the chain must validate to it in the
//! handshake; without, path validation is the application's (per device type, SHA-1 allowed).

use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{CertificateError, DigitallySignedStruct, DistinguishedName, Error, PeerMisbehaved, SignatureScheme};
use rustls_pki_types::{CertificateDer, SignatureVerificationAlgorithm, SubjectPublicKeyInfoDer, UnixTime};

use std::sync::Arc;

use sztp_protocol::x509::{Certificate, PathOptions, validate_path};

use super::ListenError;
use super::der::{cert_parts, public_key};

/// Requests a client certificate, checks the handshake signature made with its key and, when
/// anchors are enforced, the chain.
#[derive(Debug)]
pub(crate) struct AnyChainClientVerifier {
    hints: Vec<DistinguishedName>,
    mandatory: bool,
    algorithms: WebPkiSupportedAlgorithms,
    /// Anchors every presented chain must validate to (an endpoint's client trust bag).
    enforced: Option<Vec<Certificate>>,
}

impl AnyChainClientVerifier {
    /// A verifier sending the subjects of `hint_certs` as acceptable CA names.
    pub(crate) fn new(
        provider: &CryptoProvider,
        hint_certs: &[Vec<u8>],
        mandatory: bool,
        enforce: bool,
    ) -> Result<Self, ListenError> {
        let hints = hint_certs
            .iter()
            .enumerate()
            .map(|(i, der)| match cert_parts(der) {
                Some(parts) => Ok(DistinguishedName::from(parts.subject.to_vec())),
                None => Err(ListenError::Tls(format!("client root hint #{i} is not a DER certificate"))),
            })
            .collect::<Result<_, _>>()?;
        let enforced = match enforce {
            false => None,
            true => Some(
                hint_certs
                    .iter()
                    .map(|der| Certificate::from_der(der))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| ListenError::Tls(format!("client trust anchor: {e}")))?,
            ),
        };
        Ok(AnyChainClientVerifier {
            hints,
            mandatory,
            algorithms: provider.signature_verification_algorithms,
            enforced,
        })
    }

    fn candidates(&self, scheme: SignatureScheme) -> Result<&[&'static dyn SignatureVerificationAlgorithm], Error> {
        self.algorithms
            .mapping
            .iter()
            .find(|(s, _)| *s == scheme)
            .map(|(_, algs)| *algs)
            .ok_or_else(|| PeerMisbehaved::SignedHandshakeWithUnadvertisedSigScheme.into())
    }
}

fn leaf_spki<'a>(cert: &'a CertificateDer<'_>) -> Result<&'a [u8], Error> {
    cert_parts(cert.as_ref()).map(|p| p.spki).ok_or(Error::InvalidCertificate(CertificateError::BadEncoding))
}

impl ClientCertVerifier for AnyChainClientVerifier {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        self.mandatory
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &self.hints
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, Error> {
        leaf_spki(end_entity)?;
        let Some(anchors) = &self.enforced else {
            // The chain is judged by the application; here the leaf only needs a usable key.
            return Ok(ClientCertVerified::assertion());
        };
        let parse = |der: &CertificateDer<'_>| {
            Certificate::from_der(der.as_ref()).map_err(|_| Error::InvalidCertificate(CertificateError::BadEncoding))
        };
        let leaf = parse(end_entity)?;
        let rest = intermediates.iter().map(parse).collect::<Result<Vec<_>, _>>()?;
        let time = time::OffsetDateTime::from_unix_timestamp(now.as_secs() as i64).ok();
        let options = PathOptions { time, ..PathOptions::default() };
        validate_path(&leaf, &rest, anchors, &options)
            .map(|_| ClientCertVerified::assertion())
            .map_err(|e| Error::InvalidCertificate(CertificateError::Other(rustls::OtherError(Arc::new(e)))))
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        let spki = leaf_spki(cert)?;
        let key = public_key(spki).ok_or(Error::InvalidCertificate(CertificateError::BadEncoding))?;
        let candidates = self.candidates(dss.scheme)?;
        // TLS 1.2 schemes do not name the curve, so pick the algorithm matching the key.
        let alg = candidates.iter().find(|alg| alg.public_key_alg_id().as_ref() == key.algorithm).ok_or_else(|| {
            Error::InvalidCertificate(CertificateError::UnsupportedSignatureAlgorithmForPublicKeyContext {
                signature_algorithm_id: candidates
                    .first()
                    .map(|a| a.signature_alg_id().as_ref().to_vec())
                    .unwrap_or_default(),
                public_key_algorithm_id: key.algorithm.to_vec(),
            })
        })?;
        alg.verify_signature(key.key, message, dss.signature())
            .map(|()| HandshakeSignatureValid::assertion())
            .map_err(|_| Error::InvalidCertificate(CertificateError::BadSignature))
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        let spki = SubjectPublicKeyInfoDer::from(leaf_spki(cert)?);
        rustls::crypto::verify_tls13_signature_with_raw_key(message, &spki, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}
