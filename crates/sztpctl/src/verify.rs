//! `sztpctl cms verify`: the RFC 8572 §5.4 chain as a device runs it (decrypt, voucher steps 1–4,
//! owner certificate step 5, conveyed-information signature step 6), reported step by step.

use serde::Serialize;
use sztp_protocol::cms::content_type::{ContentType, outer_content_type};
use sztp_protocol::cms::enveloped_data::{decrypt, signed_data_content_info};
use sztp_protocol::cms::signed_data::verify_signed;
use sztp_protocol::model::YangDocument;
use sztp_protocol::model::conveyed_info::ConveyedInformation;
use sztp_protocol::trust::{DeviceContext, SignedArtifacts, VerifiedConveyedInformation, verify_signed_data};
use time::OffsetDateTime;

use crate::cli::VerifyArgs;
use crate::error::CtlError;
use crate::input::{
    Artifacts, parse_hex, read_artifacts, read_certificate, read_certificates, read_cms, read_pkcs8_key,
};
use crate::inspect::Recipient;
use crate::summary::{Payload, conveyed_summary, render_payload, rfc3339};

/// Step numbers and titles; 0 is decryption, 7 the payload decode that follows §5.4.
const TITLES: [(u8, &str); 8] = [
    (0, "artifacts decrypted with the IDevID key (RFC 8572 §5.3)"),
    (1, "ownership voucher signature chains to a manufacturer trust anchor"),
    (2, "ownership voucher validity (created-on / expires-on)"),
    (3, "ownership voucher assertion is acceptable"),
    (4, "ownership voucher serial-number, idevid-issuer and nonce match the device"),
    (5, "owner certificate chains to the voucher's pinned-domain-cert"),
    (6, "conveyed information is signed by the owner certificate"),
    (7, "conveyed information decodes (RFC 8572 §6)"),
];

#[derive(Serialize, Clone, Copy, PartialEq)]
#[serde(rename_all = "kebab-case")]
enum Status {
    Ok,
    Failed,
    Skipped,
    NotRun,
}

#[derive(Serialize)]
struct Step {
    step: u8,
    name: &'static str,
    status: Status,
    #[serde(skip_serializing_if = "String::is_empty")]
    detail: String,
}

#[derive(Serialize)]
struct Outcome {
    verified: bool,
    steps: Vec<Step>,
    #[serde(skip_serializing_if = "Option::is_none")]
    conveyed_information: Option<Payload>,
}

/// The three artifacts, as read (possibly encrypted).
struct Inputs {
    conveyed_information: Vec<u8>,
    owner_certificate: Vec<u8>,
    ownership_voucher: Vec<u8>,
}

/// Runs `cms verify`; a failed step is a [`CtlError::Verification`] after the report is printed.
pub(crate) fn run(args: &VerifyArgs, json: bool) -> Result<(), CtlError> {
    let mut device = DeviceContext::new(args.serial.clone(), read_certificates(&args.anchor)?);
    device.idevid = args.idevid.as_deref().map(read_certificate).transpose()?;
    device.expected_nonce = args.nonce.as_deref().map(parse_hex).transpose()?;
    device.now = (!args.no_clock).then(OffsetDateTime::now_utc);
    let recipient = match (&device.idevid, &args.key) {
        (Some(cert), Some(key)) => {
            Some(Recipient { cert_der: cert.der().to_vec(), key_pkcs8_der: read_pkcs8_key(key)? })
        }
        _ => None,
    };
    let inputs = load(args)?;
    let mut outcome = Outcome { verified: false, steps: Vec::new(), conveyed_information: None };
    let result = check(&inputs, &device, recipient.as_ref(), &mut outcome);
    print(&outcome, json)?;
    result
}

fn load(args: &VerifyArgs) -> Result<Inputs, CtlError> {
    let (Some(ci), Some(oc), Some(ov)) = (&args.conveyed_information, &args.owner_certificate, &args.ownership_voucher)
    else {
        let path = args.output.as_deref().ok_or_else(|| CtlError::input("give --output or the three artifacts"))?;
        return match read_artifacts(path)? {
            Artifacts::Output(o) => match (o.owner_certificate, o.ownership_voucher) {
                (Some(owner_certificate), Some(ownership_voucher)) => {
                    Ok(Inputs { conveyed_information: o.conveyed_information, owner_certificate, ownership_voucher })
                }
                _ => Err(CtlError::Verification(
                    "the output carries unsigned conveyed information (no owner-certificate or ownership-voucher): \
                     nothing to verify"
                        .into(),
                )),
            },
            Artifacts::Single(_) => Err(CtlError::input(format!(
                "{}: --output expects a get-bootstrapping-data output document (JSON or XML)",
                path.display()
            ))),
        };
    };
    Ok(Inputs {
        conveyed_information: read_cms(ci)?,
        owner_certificate: read_cms(oc)?,
        ownership_voucher: read_cms(ov)?,
    })
}

fn check(
    inputs: &Inputs,
    device: &DeviceContext,
    recipient: Option<&Recipient>,
    outcome: &mut Outcome,
) -> Result<(), CtlError> {
    let raw = [
        ("conveyed-information", &inputs.conveyed_information),
        ("owner-certificate", &inputs.owner_certificate),
        ("ownership-voucher", &inputs.ownership_voucher),
    ];
    let encrypted: Vec<&str> = raw
        .iter()
        .filter(|(_, der)| matches!(outer_content_type(der), Ok(ContentType::EnvelopedData)))
        .map(|(name, _)| *name)
        .collect();
    let mut opened = Vec::with_capacity(3);
    for (name, der) in raw {
        if !encrypted.contains(&name) {
            opened.push(der.clone());
            continue;
        }
        let Some(r) = recipient else {
            return fail(outcome, 0, format!("{name} is encrypted (EnvelopedData); pass --idevid and --key"));
        };
        let plain = decrypt(der, &r.cert_der, &r.key_pkcs8_der)
            .and_then(|(oid, content)| signed_data_content_info(oid, &content));
        match plain {
            Ok(signed) => opened.push(signed),
            Err(e) => return fail(outcome, 0, format!("{name}: {e}")),
        }
    }
    if !encrypted.is_empty() {
        push(outcome, 0, Status::Ok, encrypted.join(", "));
    }
    let artifacts = SignedArtifacts {
        conveyed_information: &opened[0],
        owner_certificate: &opened[1],
        ownership_voucher: &opened[2],
    };
    let verified = match verify_signed_data(&artifacts, device) {
        Ok(v) => v,
        Err(e) => {
            for step in 1..e.step() {
                let status = if step == 2 && device.now.is_none() { Status::Skipped } else { Status::Ok };
                push(outcome, step, status, String::new());
            }
            return fail(outcome, e.step(), e.to_string());
        }
    };
    for (step, detail) in details(&verified, &opened[2], device) {
        let status = if step == 2 && device.now.is_none() { Status::Skipped } else { Status::Ok };
        push(outcome, step, status, detail);
    }
    let decoded = match verified.content_type {
        ContentType::ConveyedInfoXml => ConveyedInformation::from_xml(&verified.payload),
        _ => ConveyedInformation::from_json(&verified.payload),
    };
    match decoded {
        Ok(ci) => {
            let kind = match &ci {
                ConveyedInformation::Redirect(_) => "redirect-information",
                ConveyedInformation::Onboarding(_) => "onboarding-information",
            };
            push(outcome, 7, Status::Ok, kind.to_string());
            outcome.conveyed_information = Some(conveyed_summary(&ci));
            outcome.verified = true;
            Ok(())
        }
        Err(e) => fail(outcome, 7, e.to_string()),
    }
}

fn details(v: &VerifiedConveyedInformation, voucher_der: &[u8], device: &DeviceContext) -> Vec<(u8, String)> {
    let masa = verify_signed(voucher_der, &device.manufacturer_anchors).map(|s| s.signer.subject()).unwrap_or_default();
    let validity = match device.now {
        None => "no clock (--no-clock)".to_string(),
        Some(now) => format!(
            "created-on {}, expires-on {}, now {}",
            rfc3339(v.voucher.created_on),
            v.voucher.expires_on.map_or("(none)".into(), rfc3339),
            rfc3339(now)
        ),
    };
    let nonce = if v.voucher.nonce.is_some() { ", nonce matches" } else { "" };
    vec![
        (1, format!("signed by '{masa}'")),
        (2, validity),
        (3, v.voucher.assertion.as_str().to_string()),
        (4, format!("serial-number '{}'{nonce}", v.voucher.serial_number)),
        (5, format!("owner certificate '{}'", v.owner_certificate.subject())),
        (6, v.content_type.to_string()),
    ]
}

fn push(outcome: &mut Outcome, step: u8, status: Status, detail: String) {
    let name = TITLES.iter().find(|(n, _)| *n == step).map_or("", |(_, t)| *t);
    outcome.steps.push(Step { step, name, status, detail });
}

/// Records `step` as failed and the later ones as not run, and returns the one-line error.
fn fail(outcome: &mut Outcome, step: u8, reason: String) -> Result<(), CtlError> {
    push(outcome, step, Status::Failed, reason.clone());
    for later in (step + 1)..=7 {
        push(outcome, later, Status::NotRun, String::new());
    }
    let name = TITLES.iter().find(|(n, _)| *n == step).map_or("", |(_, t)| *t);
    Err(CtlError::Verification(format!("verification failed at step {step} ({name}): {reason}")))
}

fn print(outcome: &Outcome, json: bool) -> Result<(), CtlError> {
    if json {
        return crate::print_json(outcome);
    }
    let mut lines = Vec::new();
    for s in &outcome.steps {
        let status = match s.status {
            Status::Ok => "ok",
            Status::Failed => "FAILED",
            Status::Skipped => "skipped",
            Status::NotRun => "not run",
        };
        let detail = if s.detail.is_empty() { String::new() } else { format!(": {}", s.detail) };
        lines.push(format!("step {} {status:<8} {}{detail}", s.step, s.name));
    }
    if let Some(p) = &outcome.conveyed_information {
        render_payload(p, &mut lines, "");
    }
    lines.push(if outcome.verified { "signed data verified".into() } else { "signed data NOT verified".into() });
    outln!("{}", lines.join("\n"));
    Ok(())
}
