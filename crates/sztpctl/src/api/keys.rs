//! `sztpctl key`: the tenant keystore (`tenants/tenant/keystore`). Keys are made by the
//! `generate` and `import` actions; the server only ever shows their public halves.

use std::path::Path;

use base64::Engine;
use reqwest::Method;
use serde_json::{Value, json};
use sztp_protocol::model::northbound::keys::{CreateKey, CreatedKey};

use super::{Client, cell, encode, list, sha256_colon_hex, short_time, tenant_path};
use crate::CtlError;
use crate::cli::KeyCommand;

/// Runs one `key` subcommand.
pub fn run(client: &Client, tenant: &str, command: &KeyCommand, json_out: bool) -> Result<(), CtlError> {
    match command {
        KeyCommand::Generate { name, algorithm, public_key } => {
            generate(client, tenant, name, algorithm, public_key.as_deref(), json_out)
        }
        KeyCommand::List => key_list(client, tenant, json_out),
        KeyCommand::Import { name, file } => import(client, tenant, name, file, json_out),
        KeyCommand::Rm { name } => {
            client.call(
                Method::DELETE,
                &tenant_path(tenant, &format!("keystore/asymmetric-key={}", encode(name))),
                None,
            )?;
            outln!("key {name} removed");
            Ok(())
        }
    }
}

/// The SHA-256 fingerprint of a base64 SubjectPublicKeyInfo, or `-` if it is not base64.
fn fingerprint(public_key_b64: &Value) -> String {
    public_key_b64
        .as_str()
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b.trim()).ok())
        .map_or_else(|| "-".to_owned(), |der| sha256_colon_hex(&der))
}

/// Invokes `keystore/generate` or `keystore/import` and returns the action's output.
fn action(client: &Client, tenant: &str, input: &CreateKey) -> Result<CreatedKey, CtlError> {
    let body = input.document().to_string().into_bytes();
    let path = tenant_path(tenant, &format!("keystore/{}", input.action()));
    let reply = client.call(Method::POST, &path, Some(body))?;
    CreatedKey::from_document(&reply.body).map_err(|e| CtlError::Refused(format!("unexpected reply: {e}")))
}

/// Prints what an action made: the key's algorithm and fingerprint.
fn report(name: &str, verb: &str, algorithm: &str, output: &CreatedKey, json_out: bool) -> Result<(), CtlError> {
    let public_key = base64::engine::general_purpose::STANDARD.encode(&output.public_key);
    let fp = sha256_colon_hex(&output.public_key);
    if json_out {
        crate::print_json(&json!({
            "name": name, "algorithm": algorithm, "public-key": public_key, "fingerprint": fp
        }))
    } else {
        outln!("key {name} {verb} ({algorithm})");
        outln!("public key SHA-256: {fp}");
        Ok(())
    }
}

fn generate(
    client: &Client,
    tenant: &str,
    name: &str,
    algorithm: &str,
    public_key: Option<&Path>,
    json_out: bool,
) -> Result<(), CtlError> {
    let input = CreateKey::Generate { name: name.to_owned(), algorithm: Some(algorithm.to_owned()) };
    let output = action(client, tenant, &input)?;
    if let Some(path) = public_key {
        let pem = der::pem::encode_string("PUBLIC KEY", der::pem::LineEnding::LF, &output.public_key)
            .map_err(|e| CtlError::input(format!("PEM: {e}")))?;
        std::fs::write(path, pem).map_err(|e| CtlError::input(format!("{}: {e}", path.display())))?;
    }
    report(name, "generated", algorithm, &output, json_out)
}

fn import(client: &Client, tenant: &str, name: &str, file: &Path, json_out: bool) -> Result<(), CtlError> {
    let private_key = crate::input::read_pkcs8_key(file)?;
    let output = action(client, tenant, &CreateKey::Import { name: name.to_owned(), private_key })?;
    let algorithm = output.algorithm.clone().unwrap_or_else(|| "-".to_owned());
    report(name, "imported", &algorithm, &output, json_out)
}

fn key_list(client: &Client, tenant: &str, json_out: bool) -> Result<(), CtlError> {
    let reply = client.call(Method::GET, &tenant_path(tenant, "keystore"), None)?;
    let mut keys = list(&reply.body, "keystore", "asymmetric-key");
    for k in &mut keys {
        k["fingerprint"] = json!(fingerprint(&k["public-key"]));
    }
    if json_out {
        return crate::print_json(&keys);
    }
    outln!("{:<20} {:<11} {:<20} PUBLIC KEY SHA-256", "NAME", "ALGORITHM", "CREATED");
    for k in keys {
        outln!(
            "{:<20} {:<11} {:<20} {}",
            cell(&k["name"]),
            cell(&k["algorithm"]),
            short_time(&k["created-at"]),
            cell(&k["fingerprint"])
        );
    }
    Ok(())
}
