//! `sztpctl cms inspect`: shows what one CMS artifact, or each artifact of a get-bootstrapping-data
//! output, holds (RFC 8572 §3, RFC 8366 §5), as text or JSON. Inspection verifies nothing.

mod artifact;

pub(crate) use artifact::Recipient;

use serde::Serialize;
use sztp_protocol::cms::certs_only::parse_certs_only;
use sztp_protocol::model::bootstrap_rpc::GetBootstrappingDataOutput;
use sztp_protocol::x509::Certificate;

use crate::cli::InspectArgs;
use crate::error::CtlError;
use crate::input::{Artifacts, read_artifacts, read_pkcs8_key};
use crate::summary::{CertSummary, render_payload};
use artifact::{Body, Report, analyse};

/// One inspected artifact, named by its leaf in the output document when it came from one.
#[derive(Serialize)]
struct Named {
    #[serde(skip_serializing_if = "Option::is_none")]
    artifact: Option<&'static str>,
    #[serde(flatten)]
    report: Report,
}

/// Runs `cms inspect`.
pub(crate) fn run(args: &InspectArgs, json: bool) -> Result<(), CtlError> {
    let recipient = match (&args.idevid, &args.key) {
        (Some(cert), Some(key)) => {
            let cert_der = crate::input::read_certificate(cert)?.der().to_vec();
            Some(Recipient { cert_der, key_pkcs8_der: read_pkcs8_key(key)? })
        }
        _ => None,
    };
    let name = args.file.display().to_string();
    let reports = match read_artifacts(&args.file)? {
        Artifacts::Single(der) => {
            let report = analyse(&der, &[], recipient.as_ref()).map_err(|e| CtlError::input(format!("{name}: {e}")))?;
            vec![Named { artifact: None, report }]
        }
        Artifacts::Output(output) => output_reports(&output, recipient.as_ref())?,
    };
    if json {
        return if reports.len() == 1 && reports[0].artifact.is_none() {
            crate::print_json(&reports[0])
        } else {
            crate::print_json(&reports)
        };
    }
    let mut lines = Vec::new();
    for named in &reports {
        if let Some(a) = named.artifact {
            lines.push(format!("== {a} =="));
        }
        render(&named.report, &mut lines, "");
    }
    outln!("{}", lines.join("\n"));
    Ok(())
}

/// An artifact's leaf name, its DER if present, and the certificates that may have signed it.
type Part<'a> = (&'static str, Option<&'a [u8]>, &'a [Certificate]);

/// Inspects each artifact of an output; the owner certificates let the conveyed information's
/// signature be checked even when it carries no certificates itself.
fn output_reports(output: &GetBootstrappingDataOutput, r: Option<&Recipient>) -> Result<Vec<Named>, CtlError> {
    let owner_certs: Vec<Certificate> = output
        .owner_certificate
        .as_deref()
        .and_then(|oc| parse_certs_only(oc).ok())
        .map(|c| c.certificates.iter().filter_map(|d| Certificate::from_der(d).ok()).collect())
        .unwrap_or_default();
    let parts: [Part<'_>; 3] = [
        ("conveyed-information", Some(&output.conveyed_information), &owner_certs),
        ("owner-certificate", output.owner_certificate.as_deref(), &[]),
        ("ownership-voucher", output.ownership_voucher.as_deref(), &[]),
    ];
    let mut out = Vec::new();
    for (artifact, der, candidates) in parts {
        let Some(der) = der else { continue };
        let report = analyse(der, candidates, r).map_err(|e| CtlError::input(format!("{artifact}: {e}")))?;
        out.push(Named { artifact: Some(artifact), report });
    }
    Ok(out)
}

fn render(report: &Report, out: &mut Vec<String>, indent: &str) {
    out.push(format!("{indent}content type: {}", report.content_type));
    match &report.body {
        Body::Unsigned { payload } => {
            out.push(format!("{indent}unsigned, unencrypted ContentInfo"));
            render_payload(payload, out, indent);
        }
        Body::CertsOnly { certificates, crl_count } => {
            out.push(format!("{indent}certs-only SignedData (no signers), {crl_count} CRL(s)"));
            render_certs(certificates, out, indent);
        }
        Body::SignedData(s) => {
            out.push(format!("{indent}eContentType: {}", s.econtent_type));
            for signer in &s.signers {
                out.push(format!(
                    "{indent}signer: {}",
                    signer.subject.as_deref().unwrap_or("(certificate not present)")
                ));
                out.push(format!("{indent}  identified by {}", signer.identifier));
                out.push(format!("{indent}  signing time: {}", signer.signing_time.as_deref().unwrap_or("(none)")));
            }
            out.push(format!("{indent}signature: {}", s.signature));
            out.push(format!("{indent}CRLs: {}", s.crl_count));
            render_certs(&s.certificates, out, indent);
            if let Some(p) = &s.payload {
                render_payload(p, out, indent);
            }
        }
        Body::EnvelopedData(e) => {
            out.push(format!("{indent}encrypted content type: {}", e.encrypted_content_type));
            out.push(format!("{indent}recipients: {}", e.recipients.join(", ")));
            if let Some(note) = &e.note {
                out.push(format!("{indent}{note}"));
            }
            if let Some(inner) = &e.decrypted {
                out.push(format!("{indent}decrypted:"));
                render(inner, out, &format!("{indent}  "));
            }
        }
    }
}

fn render_certs(certs: &[CertSummary], out: &mut Vec<String>, indent: &str) {
    out.push(format!("{indent}certificates: {}", certs.len()));
    for c in certs {
        out.push(format!("{indent}  - subject: {}{}", c.subject, if c.self_signed { " (self-signed)" } else { "" }));
        out.push(format!("{indent}    issuer: {}", c.issuer));
        out.push(format!("{indent}    serial: {}", c.serial));
        out.push(format!("{indent}    valid: {} .. {}", c.not_before, c.not_after));
    }
}
