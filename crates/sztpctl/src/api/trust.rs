//! `sztpctl trust`: the tenant truststore (`tenants/tenant/truststore/certificate-bag`), named
//! bags of trust anchor certificates (base64 DER in RFC 7951 JSON).

use std::path::PathBuf;

use base64::Engine;
use reqwest::Method;
use serde_json::{Value, json};
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
    let b64 = |der: &[u8]| base64::engine::general_purpose::STANDARD.encode(der);
    let mut new = Vec::new();
    for file in files {
        for cert in crate::input::read_certificates(&[file])? {
            new.push(b64(cert.der()));
        }
    }
    let path = bag_path(tenant, bag);
    let reply = client.send(Method::GET, &path, None)?;
    let (mut entry, existed) = match reply.status {
        404 => (json!({ "name": bag, "certificate": [] }), false),
        _ => (super::refused(reply)?.body["sztp-server:certificate-bag"][0].clone(), true),
    };
    let mut certificates: Vec<String> = entry["certificate"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default();
    let before = certificates.len();
    for c in new {
        if !certificates.contains(&c) {
            certificates.push(c);
        }
    }
    let added = certificates.len() - before;
    entry["certificate"] = json!(certificates);
    if let Some(d) = description {
        entry["description"] = json!(d);
    }
    let body = json!({ "sztp-server:certificate-bag": [entry] }).to_string().into_bytes();
    client.call(Method::PUT, &path, Some(body))?;
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
