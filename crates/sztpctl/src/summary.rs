//! Summaries of what artifacts carry: certificates, RFC 8366 vouchers (.40) and RFC 8572 §6
//! conveyed information (.42/.43), as serializable values shared by `inspect` and `verify`.

use serde::Serialize;
use sztp_protocol::cms::certs_only::parse_certs_only;
use sztp_protocol::cms::content_type::ContentType;
use sztp_protocol::model::YangDocument;
use sztp_protocol::model::conveyed_info::ConveyedInformation;
use sztp_protocol::model::voucher::Voucher;
use sztp_protocol::x509::Certificate;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::input::to_hex;

/// RFC 3339 text of a time.
pub(crate) fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_else(|_| t.to_string())
}

/// One certificate, as an operator wants to see it.
#[derive(Debug, Serialize)]
pub(crate) struct CertSummary {
    pub(crate) subject: String,
    pub(crate) issuer: String,
    pub(crate) serial: String,
    pub(crate) not_before: String,
    pub(crate) not_after: String,
    pub(crate) self_signed: bool,
}

impl CertSummary {
    pub(crate) fn of(cert: &Certificate) -> Self {
        let (not_before, not_after) = cert.validity();
        CertSummary {
            subject: cert.subject(),
            issuer: cert.issuer(),
            serial: cert.serial_hex(),
            not_before: rfc3339(not_before),
            not_after: rfc3339(not_after),
            self_signed: cert.is_self_issued(),
        }
    }
}

/// What a payload octet string decodes to.
#[derive(Debug, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub(crate) enum Payload {
    /// An RFC 8366 voucher.
    Voucher(VoucherSummary),
    /// Redirect information.
    RedirectInformation { bootstrap_servers: Vec<ServerSummary> },
    /// Onboarding information.
    OnboardingInformation(OnboardingSummary),
    /// Octets that decode as neither.
    Undecoded { octets: usize, error: String },
}

#[derive(Debug, Serialize)]
pub(crate) struct VoucherSummary {
    created_on: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    expires_on: Option<String>,
    assertion: &'static str,
    serial_number: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    idevid_issuer: Option<String>,
    pinned_domain_cert: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    domain_cert_revocation_checks: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    nonce: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_renewal_date: Option<String>,
}

#[derive(Debug, Serialize)]
pub(crate) struct ServerSummary {
    address: String,
    port: u16,
    /// Certificates in the trust-anchor certs-only CMS, when present.
    #[serde(skip_serializing_if = "Option::is_none")]
    trust_anchor: Option<Vec<String>>,
}

#[derive(Debug, Serialize)]
pub(crate) struct OnboardingSummary {
    #[serde(skip_serializing_if = "Option::is_none")]
    boot_image: Option<BootImageSummary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    configuration_handling: Option<&'static str>,
    /// Octet counts of the scripts and configuration that are present.
    #[serde(skip_serializing_if = "Option::is_none")]
    pre_configuration_script: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    configuration: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    post_configuration_script: Option<usize>,
}

#[derive(Debug, Serialize)]
pub(crate) struct BootImageSummary {
    #[serde(skip_serializing_if = "Option::is_none")]
    os_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    os_version: Option<String>,
    download_uris: Vec<String>,
    /// `algorithm:colon-hex` per image-verification entry.
    hashes: Vec<String>,
}

/// Decodes a payload by its content type; id-data is sniffed (JSON or XML, voucher or conveyed info).
pub(crate) fn payload(content_type: ContentType, bytes: &[u8]) -> Payload {
    let is_xml = bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<');
    let voucher = || Voucher::from_json(bytes).map(|v| Payload::Voucher(voucher_summary(&v)));
    let conveyed = || {
        if is_xml { ConveyedInformation::from_xml(bytes) } else { ConveyedInformation::from_json(bytes) }
            .map(|c| conveyed_summary(&c))
    };
    let result = match content_type {
        ContentType::AnimaJsonVoucher => voucher().map_err(|e| e.to_string()),
        ContentType::ConveyedInfoJson | ContentType::ConveyedInfoXml => conveyed().map_err(|e| e.to_string()),
        _ => conveyed().or_else(|e| voucher().map_err(|_| e.to_string())),
    };
    result.unwrap_or_else(|error| Payload::Undecoded { octets: bytes.len(), error })
}

fn voucher_summary(v: &Voucher) -> VoucherSummary {
    VoucherSummary {
        created_on: rfc3339(v.created_on),
        expires_on: v.expires_on.map(rfc3339),
        assertion: v.assertion.as_str(),
        serial_number: v.serial_number.clone(),
        idevid_issuer: v.idevid_issuer.as_deref().map(|b| to_hex(b, ":")),
        pinned_domain_cert: match Certificate::from_der(&v.pinned_domain_cert) {
            Ok(c) => c.subject(),
            Err(e) => format!("<not a certificate: {e}>"),
        },
        domain_cert_revocation_checks: v.domain_cert_revocation_checks,
        nonce: v.nonce.as_deref().map(|b| to_hex(b, "")),
        last_renewal_date: v.last_renewal_date.map(rfc3339),
    }
}

/// Summarizes decoded conveyed information.
pub(crate) fn conveyed_summary(ci: &ConveyedInformation) -> Payload {
    match ci {
        ConveyedInformation::Redirect(r) => Payload::RedirectInformation {
            bootstrap_servers: r
                .bootstrap_servers
                .iter()
                .map(|s| ServerSummary {
                    address: s.address.clone(),
                    port: s.effective_port(),
                    trust_anchor: s.trust_anchor.as_deref().map(trust_anchor_subjects),
                })
                .collect(),
        },
        ConveyedInformation::Onboarding(o) => Payload::OnboardingInformation(OnboardingSummary {
            boot_image: o.boot_image.as_ref().map(|b| BootImageSummary {
                os_name: b.os_name.clone(),
                os_version: b.os_version.clone(),
                download_uris: b.download_uri.clone(),
                hashes: b
                    .image_verification
                    .iter()
                    .map(|iv| format!("sha-256:{}", to_hex(&iv.hash_value, ":")))
                    .collect(),
            }),
            configuration_handling: o.configuration_handling.map(|h| h.as_str()),
            pre_configuration_script: o.pre_configuration_script.as_ref().map(Vec::len),
            configuration: o.configuration.as_ref().map(Vec::len),
            post_configuration_script: o.post_configuration_script.as_ref().map(Vec::len),
        }),
    }
}

fn trust_anchor_subjects(der: &[u8]) -> Vec<String> {
    match parse_certs_only(der) {
        Ok(contents) => contents
            .certificates
            .iter()
            .map(|c| Certificate::from_der(c).map_or_else(|e| format!("<unparsable: {e}>"), |c| c.subject()))
            .collect(),
        Err(e) => vec![format!("<not a certs-only CMS: {e}>")],
    }
}

/// Renders a payload summary as indented text lines.
pub(crate) fn render_payload(p: &Payload, out: &mut Vec<String>, indent: &str) {
    let mut line = |s: String| out.push(format!("{indent}{s}"));
    match p {
        Payload::Voucher(v) => {
            line("voucher:".into());
            line(format!("  serial-number: {}", v.serial_number));
            line(format!("  assertion: {}", v.assertion));
            line(format!("  created-on: {}", v.created_on));
            line(format!("  expires-on: {}", v.expires_on.as_deref().unwrap_or("(none)")));
            line(format!("  pinned-domain-cert: {}", v.pinned_domain_cert));
            line(format!("  idevid-issuer: {}", v.idevid_issuer.as_deref().unwrap_or("(none)")));
            let checks = v.domain_cert_revocation_checks.map_or("(absent)".to_string(), |b| b.to_string());
            line(format!("  domain-cert-revocation-checks: {checks}"));
            line(format!("  nonce: {}", v.nonce.as_deref().unwrap_or("(none)")));
            if let Some(d) = &v.last_renewal_date {
                line(format!("  last-renewal-date: {d}"));
            }
        }
        Payload::RedirectInformation { bootstrap_servers } => {
            line("redirect-information:".into());
            for s in bootstrap_servers {
                let anchor = s
                    .trust_anchor
                    .as_ref()
                    .map_or("no trust-anchor".to_string(), |a| format!("trust-anchor: {}", a.join(" | ")));
                line(format!("  bootstrap-server {}:{} ({anchor})", s.address, s.port));
            }
        }
        Payload::OnboardingInformation(o) => {
            line("onboarding-information:".into());
            match &o.boot_image {
                Some(b) => {
                    let os = [b.os_name.as_deref(), b.os_version.as_deref()].into_iter().flatten().collect::<Vec<_>>();
                    line(format!("  boot-image: {}", if os.is_empty() { "(os unnamed)".into() } else { os.join(" ") }));
                    for uri in &b.download_uris {
                        line(format!("    download-uri: {uri}"));
                    }
                    for hash in &b.hashes {
                        line(format!("    image-verification: {hash}"));
                    }
                }
                None => line("  boot-image: (none)".into()),
            }
            let present = |n: Option<usize>| n.map_or("absent".to_string(), |n| format!("present, {n} octets"));
            line(format!("  pre-configuration-script: {}", present(o.pre_configuration_script)));
            line(format!(
                "  configuration: {} (handling: {})",
                present(o.configuration),
                o.configuration_handling.unwrap_or("none")
            ));
            line(format!("  post-configuration-script: {}", present(o.post_configuration_script)));
        }
        Payload::Undecoded { octets, error } => line(format!("payload: {octets} octets, not decodable: {error}")),
    }
}
