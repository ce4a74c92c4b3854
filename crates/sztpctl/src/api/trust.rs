//! `sztpctl trust`: the tenant truststore (`tenants/tenant/truststore/certificate-bag`), named
//! bags of trust anchor certificates (base64 DER in RFC 7951 JSON).

use std::path::PathBuf;

use base64::Engine;
use reqwest::Method;
use serde_json::{Value, json};
use sztp_protocol::model::northbound::ListEntry;
use sztp_protocol::model::northbound::trust::CertificateBag;
use sztp_protocol::x509::Certificate;

use super::{Client, cell, encode, list, tenant_path};
use crate::CtlError;
use crate::cli::TrustCommand;
use crate::summary::rfc3339;

/// Runs one `trust` subcommand.
pub fn run(client: &Client, tenant: &str, command: &TrustCommand, json_out: bool) -> Result<(), CtlError> {
    match command {
        TrustCommand::Add { bag, files, description } => {
            add(client, tenant, bag, files, description.as_deref(), json_out)
        }
        TrustCommand::List => trust_list(client, tenant, json_out),
        TrustCommand::Rm { bag } => {
            client.call(Method::DELETE, &bag_path(tenant, bag), None)?;
            outln!("trust bag {bag} removed");
            Ok(())
        }
    }
}

fn bag_path(tenant: &str, bag: &str) -> String {
    tenant_path(tenant, &format!("truststore/certificate-bag={}", encode(bag)))
}

/// GET the bag (if any), append the new certificates that are not in it yet, PUT it back.
fn add(
    client: &Client,
    tenant: &str,
    bag: &str,
    files: &[PathBuf],
    description: Option<&str>,
    json_out: bool,
) -> Result<(), CtlError> {
    let mut new = Vec::new();
    for file in files {
        for cert in crate::input::read_certificates(&[file])? {
            new.push(cert.der().to_vec());
        }
    }
    let path = bag_path(tenant, bag);
    let reply = client.send(Method::GET, &path, None)?;
    let (mut entry, existed) = match reply.status {
        404 => (CertificateBag { name: bag.to_owned(), ..CertificateBag::default() }, false),
        _ => {
            let body = super::refused(reply)?.body;
            let found =
                CertificateBag::from_reply(&body).map_err(|e| CtlError::Refused(format!("unexpected reply: {e}")))?;
            (found.into_iter().next().unwrap_or_default(), true)
        }
    };
    let before = entry.certificates.len();
    for c in new {
        if !entry.certificates.contains(&c) {
            entry.certificates.push(c);
        }
    }
    let added = entry.certificates.len() - before;
    if let Some(d) = description {
        entry.description = Some(d.to_owned());
    }
    client.call(Method::PUT, &path, Some(entry.document().to_string().into_bytes()))?;
    let certificates = entry.certificates;
    if json_out {
        return crate::print_json(
            &json!({ "bag": bag, "created": !existed, "added": added, "certificates": certificates.len() }),
        );
    }
    let verb = if existed { "updated" } else { "created" };
    outln!("trust bag {bag} {verb}: {added} certificate(s) added, {} in total", certificates.len());
    Ok(())
}

/// One line about a base64 DER certificate: subject and expiry.
fn describe(b64: &Value) -> String {
    let der = b64.as_str().and_then(|s| base64::engine::general_purpose::STANDARD.decode(s.trim()).ok());
    match der.as_deref().map(Certificate::from_der) {
        Some(Ok(cert)) => format!("{} (expires {})", cert.subject(), rfc3339(cert.validity().1)),
        Some(Err(e)) => format!("<unparsable certificate: {e}>"),
        None => "<not base64>".to_owned(),
    }
}

fn trust_list(client: &Client, tenant: &str, json_out: bool) -> Result<(), CtlError> {
    let reply = client.call(Method::GET, &tenant_path(tenant, "truststore"), None)?;
    let bags = list(&reply.body, "truststore", "certificate-bag");
    if json_out {
        return crate::print_json(&bags);
    }
    outln!("{:<24} {:>5}  DESCRIPTION", "BAG", "CERTS");
    for b in bags {
        let certs = b["certificate"].as_array().cloned().unwrap_or_default();
        outln!("{:<24} {:>5}  {}", cell(&b["name"]), certs.len(), cell(&b["description"]));
        for c in &certs {
            outln!("    {}", describe(c));
        }
    }
    Ok(())
}
