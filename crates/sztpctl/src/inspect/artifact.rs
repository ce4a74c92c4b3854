//! Structural analysis of one CMS artifact (RFC 8572 §3): unsigned ContentInfo, SignedData,
//! certs-only SignedData, or EnvelopedData (decrypted when a device key is given).

use cms::cert::CertificateChoices;
use cms::content_info::ContentInfo;
use cms::enveloped_data::{EnvelopedData, RecipientInfo};
use cms::signed_data::{SignedData, SignerIdentifier, SignerInfo};
use der::{Decode, Encode};
use serde::Serialize;
use sztp_protocol::cms::content_type::{ContentType, unwrap_unsigned};
use sztp_protocol::cms::enveloped_data::{decrypt, signed_data_content_info};
use sztp_protocol::cms::signed_data::{ID_SIGNING_TIME, verify_signed};
use sztp_protocol::x509::Certificate;
use time::OffsetDateTime;

use crate::input::to_hex;
use crate::summary::{CertSummary, Payload, payload, rfc3339};

/// A device identity able to open EnvelopedData.
pub(crate) struct Recipient {
    pub(crate) cert_der: Vec<u8>,
    pub(crate) key_pkcs8_der: Vec<u8>,
}

/// Everything `inspect` reports about one artifact.
#[derive(Debug, Serialize)]
pub(crate) struct Report {
    pub(crate) content_type: String,
    #[serde(flatten)]
    pub(crate) body: Body,
}

#[derive(Debug, Serialize)]
#[serde(tag = "structure", rename_all = "kebab-case")]
pub(crate) enum Body {
    /// ContentInfo with the payload directly inside.
    Unsigned { payload: Payload },
    /// SignedData with at least one signer.
    SignedData(Box<Signed>),
    /// Degenerate SignedData: certificates and CRLs only.
    CertsOnly { certificates: Vec<CertSummary>, crl_count: usize },
    /// EnvelopedData.
    EnvelopedData(Box<Enveloped>),
}

#[derive(Debug, Serialize)]
pub(crate) struct Signed {
    pub(crate) econtent_type: String,
    pub(crate) signers: Vec<SignerSummary>,
    pub(crate) signature: String,
    pub(crate) certificates: Vec<CertSummary>,
    pub(crate) crl_count: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) payload: Option<Payload>,
}

#[derive(Debug, Serialize)]
pub(crate) struct SignerSummary {
    /// The signer certificate's subject, when the certificate is at hand.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) subject: Option<String>,
    pub(crate) identifier: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) signing_time: Option<String>,
}

#[derive(Debug, Serialize)]
pub(crate) struct Enveloped {
    pub(crate) encrypted_content_type: String,
    pub(crate) recipients: Vec<String>,
    /// The decrypted artifact, or why it was not decrypted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) decrypted: Option<Report>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) note: Option<String>,
}

/// Analyses `der`; `candidates` are certificates that may have signed it (e.g. the owner chain).
pub(crate) fn analyse(der: &[u8], candidates: &[Certificate], recipient: Option<&Recipient>) -> Result<Report, String> {
    let ci = ContentInfo::from_der(der).map_err(|e| format!("not a CMS ContentInfo: {e}"))?;
    let content_type = ContentType::from_oid(ci.content_type);
    let body = match content_type {
        ContentType::SignedData => {
            let sd: SignedData = ci.content.decode_as().map_err(|e| format!("malformed SignedData: {e}"))?;
            signed(der, &sd, candidates)?
        }
        ContentType::EnvelopedData => {
            let ed: EnvelopedData = ci.content.decode_as().map_err(|e| format!("malformed EnvelopedData: {e}"))?;
            Body::EnvelopedData(Box::new(enveloped(der, &ed, candidates, recipient)))
        }
        _ => {
            let (ct, bytes) = unwrap_unsigned(der).map_err(|e| e.to_string())?;
            Body::Unsigned { payload: payload(ct, &bytes) }
        }
    };
    Ok(Report { content_type: content_type.to_string(), body })
}

fn signed(der: &[u8], sd: &SignedData, candidates: &[Certificate]) -> Result<Body, String> {
    let embedded: Vec<Certificate> = sd
        .certificates
        .iter()
        .flat_map(|set| set.0.iter())
        .filter_map(|choice| match choice {
            CertificateChoices::Certificate(c) => c.to_der().ok().and_then(|d| Certificate::from_der(&d).ok()),
            CertificateChoices::Other(_) => None,
        })
        .collect();
    let certificates = embedded.iter().map(CertSummary::of).collect();
    let crl_count = sd.crls.as_ref().map_or(0, |c| c.0.len());
    let encap = &sd.encap_content_info;
    if sd.signer_infos.0.is_empty() && encap.econtent.is_none() {
        return Ok(Body::CertsOnly { certificates, crl_count });
    }
    let known: Vec<&Certificate> = candidates.iter().chain(embedded.iter()).collect();
    let signers: Vec<SignerSummary> = sd.signer_infos.0.iter().map(|si| signer_summary(si, &known)).collect();
    let econtent_type = ContentType::from_oid(encap.econtent_type);
    let signature = if signers.iter().all(|s| s.subject.is_none()) {
        "not checked: the signer certificate is not in the artifact".to_string()
    } else {
        match verify_signed(der, candidates) {
            Ok(v) => format!("valid, by '{}' (chain not validated; use `cms verify`)", v.signer.subject()),
            Err(e) => format!("INVALID: {e}"),
        }
    };
    let payload = encap.econtent.as_ref().map(|content| payload(econtent_type, content.value()));
    Ok(Body::SignedData(Box::new(Signed {
        econtent_type: econtent_type.to_string(),
        signers,
        signature,
        certificates,
        crl_count,
        payload,
    })))
}

fn signer_summary(si: &SignerInfo, known: &[&Certificate]) -> SignerSummary {
    let (identifier, cert) = match &si.sid {
        SignerIdentifier::IssuerAndSerialNumber(isn) => (
            format!("issuer '{}', serial {}", isn.issuer, to_hex(isn.serial_number.as_bytes(), "")),
            known.iter().find(|c| {
                c.issuer_name() == &isn.issuer && c.inner().tbs_certificate().serial_number() == &isn.serial_number
            }),
        ),
        SignerIdentifier::SubjectKeyIdentifier(ski) => (
            format!("subjectKeyIdentifier {}", to_hex(ski.0.as_bytes(), ":")),
            known.iter().find(|c| matches!(c.subject_key_identifier(), Ok(Some(k)) if k == ski.0.as_bytes())),
        ),
    };
    let signing_time = si
        .signed_attrs
        .iter()
        .flat_map(|attrs| attrs.iter())
        .find(|a| a.oid == ID_SIGNING_TIME)
        .and_then(|a| a.values.iter().next())
        .and_then(|v| v.decode_as::<x509_cert::time::Time>().ok())
        .and_then(|t| OffsetDateTime::from_unix_timestamp(t.to_unix_duration().as_secs() as i64).ok())
        .map(rfc3339);
    SignerSummary { subject: cert.map(|c| c.subject()), identifier, signing_time }
}

fn enveloped(der: &[u8], ed: &EnvelopedData, candidates: &[Certificate], recipient: Option<&Recipient>) -> Enveloped {
    let recipients = ed
        .recip_infos
        .0
        .iter()
        .map(|ri| match ri {
            RecipientInfo::Ktri(_) => "key transport (RSA)",
            RecipientInfo::Kari(_) => "key agreement (ECDH)",
            RecipientInfo::Kekri(_) => "key-encryption key",
            RecipientInfo::Pwri(_) => "password",
            RecipientInfo::Ori(_) => "other",
        })
        .map(String::from)
        .collect();
    let inner = ContentType::from_oid(ed.encrypted_content.content_type);
    let (decrypted, note) = match recipient {
        None => (None, Some("encrypted; pass --idevid and --key to decrypt".to_string())),
        Some(r) => match open(der, r, candidates) {
            Ok(report) => (Some(report), None),
            Err(e) => (None, Some(format!("decryption failed: {e}"))),
        },
    };
    Enveloped { encrypted_content_type: inner.to_string(), recipients, decrypted, note }
}

/// Decrypts EnvelopedData and analyses what is inside (a SignedData, or a bare payload).
fn open(der: &[u8], r: &Recipient, candidates: &[Certificate]) -> Result<Report, String> {
    let (oid, plain) = decrypt(der, &r.cert_der, &r.key_pkcs8_der).map_err(|e| e.to_string())?;
    match signed_data_content_info(oid, &plain) {
        Ok(signed) => analyse(&signed, candidates, None),
        Err(_) => {
            let ct = ContentType::from_oid(oid);
            Ok(Report { content_type: ct.to_string(), body: Body::Unsigned { payload: payload(ct, &plain) } })
        }
    }
}
