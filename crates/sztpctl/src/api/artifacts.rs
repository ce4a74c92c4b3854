//! `sztpctl artifact`: files served to devices. Content goes through the native content API
//! (`PUT /artifacts/{tenant}/{name}`, raw body), metadata through RESTCONF
//! (`tenants/tenant/artifacts/artifact`).

use std::io::Read;
use std::path::Path;

use reqwest::Method;
use serde_json::{Map, json};

use super::{Client, cell, encode, list, sha256_colon_hex, short_time, tenant_path};
use crate::CtlError;
use crate::cli::{ArtifactAddArgs, ArtifactCommand, ArtifactKind};

/// Runs one `artifact` subcommand.
pub fn run(client: &Client, tenant: &str, command: &ArtifactCommand, json_out: bool) -> Result<(), CtlError> {
    match command {
        ArtifactCommand::Add(args) if !args.uris.is_empty() => hosted(args, json_out),
        ArtifactCommand::Add(args) => upload(client, tenant, args, json_out),
        ArtifactCommand::List => artifact_list(client, tenant, json_out),
        ArtifactCommand::Rm { name } => {
            client.call(Method::DELETE, &tenant_path(tenant, &format!("artifacts/artifact={}", encode(name))), None)?;
            outln!("artifact {name} removed");
            Ok(())
        }
    }
}

/// Checks the YANG `file-name` pattern: `[A-Za-z0-9][A-Za-z0-9._+-]*`, at most 255 characters.
pub(crate) fn check_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric());
    if first_ok && name.len() <= 255 && chars.all(|c| c.is_ascii_alphanumeric() || "._+-".contains(c)) {
        Ok(())
    } else {
        Err(format!(
            "\"{name}\" is not an artifact name: use letters, digits, '.', '_', '+' and '-', \
             starting with a letter or digit (choose one with --name)"
        ))
    }
}

/// The media type an artifact of `kind` gets unless one is given.
pub(crate) fn default_media_type(kind: ArtifactKind, file: &Path) -> &'static str {
    match kind {
        ArtifactKind::Image => "application/octet-stream",
        ArtifactKind::Script => "text/x-shellscript",
        ArtifactKind::Config => "text/plain",
        ArtifactKind::File => {
            let name = file.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_ascii_lowercase();
            let by_suffix = [
                (".json", "application/json"),
                (".xml", "application/xml"),
                (".txt", "text/plain"),
                (".sh", "text/x-shellscript"),
                (".py", "text/x-python"),
                (".tar.gz", "application/gzip"),
                (".tgz", "application/gzip"),
                (".gz", "application/gzip"),
                (".tar", "application/x-tar"),
                (".zip", "application/zip"),
                (".cms", "application/cms"),
                (".pem", "application/x-pem-file"),
            ];
            by_suffix.iter().find(|(s, _)| name.ends_with(s)).map_or("application/octet-stream", |(_, t)| t)
        }
    }
}

/// SHA-256 (colon hex) and length of a file, read in pieces (images can be large).
pub(crate) fn hash_file(path: &Path) -> Result<(String, u64), CtlError> {
    let fail = |e: std::io::Error| CtlError::input(format!("cannot read {}: {e}", path.display()));
    let mut file = std::fs::File::open(path).map_err(fail)?;
    let mut ctx = aws_lc_rs::digest::Context::new(&aws_lc_rs::digest::SHA256);
    let mut buf = vec![0u8; 1 << 16];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buf).map_err(fail)?;
        if n == 0 {
            break;
        }
        ctx.update(&buf[..n]);
        size += n as u64;
    }
    Ok((crate::input::to_hex(ctx.finish().as_ref(), ":"), size))
}

/// `artifact add image FILE --uri URL…`: nothing is uploaded; prints the SHA-256 and a
/// `boot-image` fragment of a response (sztp-server module) for the hosted image.
pub fn hosted(args: &ArtifactAddArgs, json_out: bool) -> Result<(), CtlError> {
    if args.kind != ArtifactKind::Image {
        return Err(CtlError::input("--uri describes a boot image hosted elsewhere: use `artifact add image`"));
    }
    for uri in &args.uris {
        check_uri(uri).map_err(CtlError::input)?;
    }
    let (sha256, size) = hash_file(&args.file)?;
    let mut image = Map::new();
    if let Some(n) = &args.os_name {
        image.insert("os-name".into(), json!(n));
    }
    if let Some(v) = &args.os_version {
        image.insert("os-version".into(), json!(v));
    }
    image.insert("download-uri".into(), json!(args.uris));
    image.insert("sha-256".into(), json!(sha256));
    let fragment = json!({ "boot-image": image });
    if json_out {
        return crate::print_json(&json!({ "sha-256": sha256, "size": size, "fragment": fragment }));
    }
    outln!("sha-256: {sha256}");
    outln!("size: {size} bytes");
    outln!("boot-image fragment for a response's \"onboarding\" (not uploaded):");
    crate::print_json(&fragment)?;
    if args.os_name.is_none() || args.os_version.is_none() {
        outln!("(a boot image also needs \"os-name\" and \"os-version\")");
    }
    let uris: String = args.uris.iter().map(|u| format!(" --image-uri {u}")).collect();
    outln!("or: sztpctl response add NAME --device-type TYPE --os-name … --os-version …{uris} --image-sha256 {sha256}");
    Ok(())
}

/// A URI needs a scheme and something after it (`inet:uri`, loosely).
pub(crate) fn check_uri(uri: &str) -> Result<(), String> {
    match uri.split_once(':') {
        Some((scheme, rest))
            if !rest.is_empty()
                && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) =>
        {
            Ok(())
        }
        _ => Err(format!("\"{uri}\" is not a URI (e.g. https://images.example.net/os.img)")),
    }
}

fn upload(client: &Client, tenant: &str, args: &ArtifactAddArgs, json_out: bool) -> Result<(), CtlError> {
    let name = match &args.name {
        Some(n) => n.clone(),
        None => args.file.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned(),
    };
    check_name(&name).map_err(CtlError::input)?;
    let media_type = args.media_type.as_deref().unwrap_or_else(|| default_media_type(args.kind, &args.file));
    let content = crate::input::read_file(&args.file)?;
    let (size, sha256) = (content.len(), sha256_colon_hex(&content));
    let reply = client.upload(&format!("/artifacts/{}/{}", encode(tenant), encode(&name)), media_type, content)?;
    let created = reply.status == 201;
    // The server's metadata must show the bytes that were sent.
    let listed = client.call(Method::GET, &tenant_path(tenant, "artifacts"), None)?;
    let meta = list(&listed.body, "artifacts", "artifact").into_iter().find(|a| a["name"] == name);
    let stored = meta.as_ref().map(|m| cell(&m["sha-256"])).unwrap_or_default();
    if !stored.eq_ignore_ascii_case(&sha256) {
        return Err(CtlError::Verification(format!(
            "artifact {name}: the server holds SHA-256 {stored}, but {sha256} was sent"
        )));
    }
    if json_out {
        return crate::print_json(&json!({
            "name": name, "media-type": media_type, "size": size, "sha-256": sha256, "created": created
        }));
    }
    let verb = if created { "created" } else { "replaced" };
    outln!("artifact {name} {verb}: {size} bytes, {media_type}");
    outln!("sha-256: {sha256}");
    if args.kind == ArtifactKind::Image {
        outln!("use it with: sztpctl response add NAME … --image-artifact {name}");
    }
    Ok(())
}

fn artifact_list(client: &Client, tenant: &str, json_out: bool) -> Result<(), CtlError> {
    let reply = client.call(Method::GET, &tenant_path(tenant, "artifacts"), None)?;
    let artifacts = list(&reply.body, "artifacts", "artifact");
    if json_out {
        return crate::print_json(&artifacts);
    }
    outln!("{:<28} {:<26} {:>10} {:<20} SHA-256", "NAME", "MEDIA TYPE", "SIZE", "UPDATED");
    for a in artifacts {
        outln!(
            "{:<28} {:<26} {:>10} {:<20} {}",
            cell(&a["name"]),
            cell(&a["media-type"]),
            cell(&a["size"]),
            short_time(&a["updated-at"]),
            cell(&a["sha-256"])
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn artifact_names_follow_the_file_name_typedef() {
        assert!(check_name("demoos-2.0.img").is_ok());
        assert!(check_name("a+b_c").is_ok());
        for bad in ["", ".hidden", "-x", "a b", "a/b", "é.img"] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
        assert!(check_name(&"a".repeat(256)).is_err());
    }

    #[test]
    fn media_types_come_from_the_kind_or_the_extension() {
        let p = Path::new;
        assert_eq!(default_media_type(ArtifactKind::Image, p("x.json")), "application/octet-stream");
        assert_eq!(default_media_type(ArtifactKind::Script, p("x")), "text/x-shellscript");
        assert_eq!(default_media_type(ArtifactKind::File, p("dir/X.JSON")), "application/json");
        assert_eq!(default_media_type(ArtifactKind::File, p("a.tar.gz")), "application/gzip");
        assert_eq!(default_media_type(ArtifactKind::File, p("blob")), "application/octet-stream");
    }

    #[test]
    fn uris_need_a_scheme() {
        assert!(check_uri("https://h/x.img").is_ok());
        assert!(check_uri("tftp://10.0.0.1/x").is_ok());
        assert!(check_uri("h/x.img").is_err());
        assert!(check_uri("1http://x").is_err());
        assert!(check_uri("https:").is_err());
    }
}
