//! `sztpctl response`: named redirect or onboarding information
//! (`tenants/tenant/responses/response`), attached to devices and device types by match rules.

use std::path::Path;

use reqwest::Method;
use serde_json::{Value, json};
use sztp_protocol::model::northbound::response::{
    BootImage, ConfigurationHandling, Onboarding, RedirectServer, Response, ResponseKind,
};
use sztp_protocol::model::northbound::{ListEntry, YangEnum};

use super::rules::{self, Target};
use super::{Client, cell, encode, list, tenant_path};
use crate::CtlError;
use crate::cli::{ResponseAddArgs, ResponseCommand};

/// Runs one `response` subcommand.
pub fn run(client: &Client, tenant: &str, command: &ResponseCommand, json_out: bool) -> Result<(), CtlError> {
    match command {
        ResponseCommand::Add(args) => add(client, tenant, args, json_out),
        ResponseCommand::List => response_list(client, tenant, json_out),
        ResponseCommand::Show { name } => show(client, tenant, name, json_out),
        ResponseCommand::Rm { name, detach } => rm(client, tenant, name, *detach),
    }
}

fn response_path(tenant: &str, name: &str) -> String {
    tenant_path(tenant, &format!("responses/response={}", encode(name)))
}

/// A text file's content: scripts and configurations are YANG strings.
fn read_text(path: &Path) -> Result<String, CtlError> {
    String::from_utf8(crate::input::read_file(path)?).map_err(|_| {
        CtlError::input(format!("{}: not UTF-8 text (scripts and configurations are strings)", path.display()))
    })
}

/// `https://host[:port]` (or `host[:port]`) as a redirect `server` entry.
pub(crate) fn redirect_server(url: &str) -> Result<RedirectServer, String> {
    let bad = |why: &str| format!("--redirect {url:?}: {why} (https://host[:port])");
    let rest = match url.split_once("://") {
        Some(("https", rest)) => rest,
        Some(_) => return Err(bad("bootstrap servers are reached over https")),
        None => url,
    };
    let authority = rest.strip_suffix('/').unwrap_or(rest);
    if authority.is_empty() || authority.contains(['/', '?', '#', '@']) {
        return Err(bad("a bootstrap server has no path, query or user"));
    }
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (host, after) = v6.split_once(']').ok_or_else(|| bad("unclosed '['"))?;
        (host, after.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) if !h.contains(':') => (h, Some(p)),
            _ => (authority, None),
        }
    };
    let port = port.map(|p| p.parse::<u16>().map_err(|_| bad("bad port"))).transpose()?;
    Ok(RedirectServer { address: host.to_owned(), port, trust_anchors: Vec::new() })
}

/// The response entry the flags describe: redirect or onboarding information.
fn build(client: &Client, tenant: &str, a: &ResponseAddArgs) -> Result<Response, CtlError> {
    if !a.redirect.is_empty() {
        let anchors: Vec<Vec<u8>> = match &a.trust_anchor {
            Some(file) => crate::input::read_certificates(&[file])?.iter().map(|c| c.der().to_vec()).collect(),
            None => Vec::new(),
        };
        let mut servers = Vec::new();
        for url in &a.redirect {
            let mut s = redirect_server(url).map_err(CtlError::input)?;
            s.trust_anchors.clone_from(&anchors);
            servers.push(s);
        }
        return Ok(Response { name: a.name.clone(), kind: ResponseKind::Redirect(servers) });
    }
    let mut o = Onboarding::default();
    let wants_image = a.os_name.is_some()
        || a.os_version.is_some()
        || !a.image_uris.is_empty()
        || a.image_file.is_some()
        || a.image_sha256.is_some()
        || a.image_artifact.is_some();
    if wants_image {
        let (Some(os_name), Some(os_version)) = (&a.os_name, &a.os_version) else {
            return Err(CtlError::input("a boot image needs --os-name and --os-version"));
        };
        if a.image_uris.is_empty() && a.image_artifact.is_none() {
            return Err(CtlError::input("a boot image needs --image-uri URL or --image-artifact NAME"));
        }
        for uri in &a.image_uris {
            super::artifacts::check_uri(uri).map_err(CtlError::input)?;
        }
        let mut image = BootImage {
            os_name: os_name.clone(),
            os_version: os_version.clone(),
            download_uris: a.image_uris.clone(),
            ..BootImage::default()
        };
        if let Some(file) = &a.image_file {
            image.sha256 = Some(super::artifacts::hash_file(file)?.0);
        }
        if let Some(hex) = &a.image_sha256 {
            let bytes = crate::input::parse_hex(hex)?;
            if bytes.len() != 32 {
                return Err(CtlError::input(format!("--image-sha256: {} octets, a SHA-256 has 32", bytes.len())));
            }
            image.sha256 = Some(crate::input::to_hex(&bytes, ":"));
        }
        if let Some(name) = &a.image_artifact {
            let reply = client.call(Method::GET, &tenant_path(tenant, "artifacts"), None)?;
            if !list(&reply.body, "artifacts", "artifact").iter().any(|x| x["name"] == *name) {
                return Err(CtlError::Refused(format!(
                    "no artifact \"{name}\" (upload it with `sztpctl artifact add image FILE`)"
                )));
            }
            image.artifact = Some(name.clone());
        }
        o.boot_image = Some(image);
    }
    if let Some(f) = &a.pre_script {
        o.pre_configuration_script = Some(read_text(f)?);
    }
    if let Some(f) = &a.config {
        let handling = ConfigurationHandling::parse(&a.config_handling).ok_or_else(|| {
            CtlError::input(format!("--config-handling is one of {}", ConfigurationHandling::NAMES.join(", ")))
        })?;
        o.configuration_handling = Some(handling);
        o.configuration = Some(read_text(f)?);
    }
    if let Some(f) = &a.post_script {
        o.post_configuration_script = Some(read_text(f)?);
    }
    Ok(Response { name: a.name.clone(), kind: ResponseKind::Onboarding(o) })
}

fn add(client: &Client, tenant: &str, a: &ResponseAddArgs, json_out: bool) -> Result<(), CtlError> {
    let conditions = a
        .conditions
        .iter()
        .map(|c| rules::parse_condition(c))
        .collect::<Result<Vec<_>, _>>()
        .map_err(CtlError::input)?;
    let target = match (&a.device, &a.device_type) {
        (Some(sn), _) => Target::Device(sn.clone()),
        (None, Some(t)) => Target::DeviceType(t.clone()),
        (None, None) => return Err(CtlError::input("give --device SN or --device-type TYPE")),
    };
    let entry = build(client, tenant, a)?;
    let mut target_rules = rules::get_rules(client, tenant, &target)?;
    let body = entry.document().to_string().into_bytes();
    client.call(Method::POST, &tenant_path(tenant, "responses"), Some(body))?;
    let (position, notes) = rules::insert(&mut target_rules, rules::rule(&a.name, &conditions), a.priority as usize);
    let total = target_rules.len();
    if let Err(e) = rules::set_rules(client, tenant, &target, target_rules) {
        // Leave nothing half-made: the response is useless without its rule.
        let _ = client.send(Method::DELETE, &response_path(tenant, &a.name), None);
        return Err(e);
    }
    for note in &notes {
        eprintln!("sztpctl: note: {note}");
    }
    if json_out {
        let (kind, key) = match &target {
            Target::Device(sn) => ("device", sn),
            Target::DeviceType(t) => ("device-type", t),
        };
        return crate::print_json(&json!({ "name": a.name, kind: key, "rule": position, "rules": total }));
    }
    outln!("response {} created, attached to {target} as rule {position} of {total}", a.name);
    Ok(())
}

/// One line about what a response carries.
fn summary(r: &Value) -> (&'static str, String) {
    if let Some(servers) = r["redirect"]["server"].as_array() {
        let list: Vec<String> = servers
            .iter()
            .map(|s| match s["port"].as_u64() {
                Some(p) => format!("{}:{p}", cell(&s["address"])),
                None => cell(&s["address"]),
            })
            .collect();
        return ("redirect", list.join(", "));
    }
    let o = &r["onboarding"];
    let mut parts = Vec::new();
    if o["boot-image"].is_object() {
        let b = &o["boot-image"];
        let from = match b["artifact"].as_str() {
            Some(a) => format!("artifact {a}"),
            None => format!("{} URI(s)", b["download-uri"].as_array().map_or(0, Vec::len)),
        };
        parts.push(format!("image {} {} ({from})", cell(&b["os-name"]), cell(&b["os-version"])));
    }
    if o["pre-configuration-script"].is_string() {
        parts.push("pre-script".into());
    }
    if o["configuration"].is_string() {
        parts.push(format!("config ({})", o["configuration-handling"].as_str().unwrap_or("merge")));
    }
    if o["post-configuration-script"].is_string() {
        parts.push("post-script".into());
    }
    ("onboarding", parts.join(", "))
}

fn used_by(refs: &[(Target, usize, String)], name: &str) -> Vec<String> {
    refs.iter().filter(|(_, _, r)| r == name).map(|(t, i, _)| format!("{t} (rule {i})")).collect()
}

fn response_list(client: &Client, tenant: &str, json_out: bool) -> Result<(), CtlError> {
    let reply = client.call(Method::GET, &tenant_path(tenant, "responses"), None)?;
    let responses = list(&reply.body, "responses", "response");
    if json_out {
        return crate::print_json(&responses);
    }
    let refs = rules::references(client, tenant)?;
    outln!("{:<24} {:<10} {:<48} USED BY", "NAME", "KIND", "CONTENT");
    for r in responses {
        let name = cell(&r["name"]);
        let (kind, content) = summary(&r);
        let users = used_by(&refs, &name);
        let users = if users.is_empty() { "-".to_owned() } else { users.join(", ") };
        outln!("{name:<24} {kind:<10} {content:<48} {users}");
    }
    Ok(())
}

fn show(client: &Client, tenant: &str, name: &str, json_out: bool) -> Result<(), CtlError> {
    let reply = client.call(Method::GET, &response_path(tenant, name), None)?;
    let entry = reply.body["sztp-server:response"][0].clone();
    let users = used_by(&rules::references(client, tenant)?, name);
    if json_out {
        return crate::print_json(&json!({ "response": entry, "used-by": users }));
    }
    crate::print_json(&entry)?;
    outln!("used by: {}", if users.is_empty() { "nothing".to_owned() } else { users.join(", ") });
    Ok(())
}

fn rm(client: &Client, tenant: &str, name: &str, detach: bool) -> Result<(), CtlError> {
    client.call(Method::GET, &response_path(tenant, name), None)?;
    let refs = rules::references(client, tenant)?;
    let users: Vec<&Target> = refs.iter().filter(|(_, _, r)| r == name).map(|(t, _, _)| t).collect();
    if !users.is_empty() && !detach {
        return Err(CtlError::input(format!(
            "response {name} is used by {}: remove those rules first, or add --detach",
            used_by(&refs, name).join(", ")
        )));
    }
    let mut targets: Vec<&Target> = users.clone();
    targets.dedup();
    let mut detached = 0;
    for t in targets {
        detached += rules::detach(client, tenant, t, name)?;
    }
    client.call(Method::DELETE, &response_path(tenant, name), None)?;
    outln!("response {name} removed ({detached} rule(s) detached)");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_urls_become_server_entries() {
        assert_eq!(
            redirect_server("https://sztp.example.net:8443").ok().map(|s| (s.address, s.port)),
            Some(("sztp.example.net".into(), Some(8443)))
        );
        let at = |url: &str| redirect_server(url).ok().map(|s| (s.address, s.port));
        assert_eq!(at("https://[2001:db8::1]/"), Some(("2001:db8::1".into(), None)));
        assert_eq!(at("[2001:db8::1]:443"), Some(("2001:db8::1".into(), Some(443))));
        assert_eq!(at("10.0.0.1"), Some(("10.0.0.1".into(), None)));
        assert!(redirect_server("http://x").is_err());
        assert!(redirect_server("https://x/path").is_err());
        assert!(redirect_server("https://x:99999").is_err());
        assert!(redirect_server("https://").is_err());
    }

    #[test]
    fn summaries_name_what_a_response_carries() {
        let r = json!({"onboarding": {"boot-image": {"os-name": "DemoOS", "os-version": "2", "artifact": "img"},
                                      "configuration": "x", "configuration-handling": "replace"}});
        assert_eq!(summary(&r), ("onboarding", "image DemoOS 2 (artifact img), config (replace)".to_owned()));
        let r = json!({"redirect": {"server": [{"address": "a", "port": 8443}, {"address": "b"}]}});
        assert_eq!(summary(&r), ("redirect", "a:8443, b".to_owned()));
    }
}
