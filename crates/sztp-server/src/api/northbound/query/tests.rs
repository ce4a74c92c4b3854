use serde_json::json;

use super::*;

fn opts(query: &str) -> ReadOptions {
    parse(Some(query)).expect("parses").0
}

fn applied(mut v: Value, query: &str) -> Value {
    apply(&mut v, &opts(query));
    v
}

fn sample() -> Value {
    json!({"sztp-server:devices": {"device": [
        {"serial": "SN-1", "device-type": "dpu", "status": {"stage": "done", "attempts": 3}},
        {"serial": "SN-2", "device-type": "dpu", "activation-code": "x"}
    ]}})
}

#[test]
fn unknown_parameters_are_left_for_the_resource_and_bad_values_refused() {
    let (o, rest) = parse(Some("depth=2&limit=5&content=config")).unwrap();
    assert_eq!((o.depth, o.content, rest.as_str()), (Some(2), Content::Config, "limit=5"));
    assert!(parse(Some("depth=0")).is_err());
    assert!(parse(Some("depth=x")).is_err());
    assert!(parse(Some("content=some")).is_err());
    assert!(parse(Some("fields=a(b")).is_err());
    assert!(parse(Some("fields=")).is_err());
    assert!(parse(Some("fields=a)")).is_err());
    assert!(opts("depth=unbounded").is_identity());
}

#[test]
fn content_config_drops_state_and_nonconfig_keeps_only_state_with_keys() {
    let mut with_image = sample();
    with_image["sztp-server:devices"]["boot-image"] = json!({"sha-256": "ab"});
    let config = applied(with_image, "content=config");
    assert_eq!(config["sztp-server:devices"]["boot-image"]["sha-256"], "ab", "a boot image's hash is configuration");
    assert_eq!(config["sztp-server:devices"]["device"][0], json!({"serial": "SN-1", "device-type": "dpu"}));
    let state = applied(sample(), "content=nonconfig");
    assert_eq!(
        state,
        json!({"sztp-server:devices": {"device": [{"serial": "SN-1", "status": {"stage": "done", "attempts": 3}}]}})
    );
}

#[test]
fn depth_counts_the_target_as_one_and_list_entries_at_their_list_level() {
    assert_eq!(applied(sample(), "depth=1"), json!({"sztp-server:devices": {}}));
    let two = applied(sample(), "depth=2");
    assert_eq!(two["sztp-server:devices"]["device"], json!([{}, {}]));
    let three = applied(sample(), "depth=3");
    assert_eq!(three["sztp-server:devices"]["device"][0]["status"], json!({}));
    assert_eq!(three["sztp-server:devices"]["device"][0]["serial"], "SN-1");
}

#[test]
fn fields_select_paths_and_groups() {
    let v = applied(sample(), "fields=device(serial;status/stage)");
    assert_eq!(
        v["sztp-server:devices"]["device"],
        json!([{"serial": "SN-1", "status": {"stage": "done"}}, {"serial": "SN-2"}])
    );
    let v = applied(sample(), "fields=device/serial;device/status");
    assert_eq!(
        v["sztp-server:devices"]["device"][0],
        json!({"serial": "SN-1", "status": {"stage": "done", "attempts": 3}})
    );
    let v = applied(sample(), "fields=sztp-server:device/device-type");
    assert_eq!(v["sztp-server:devices"]["device"][1], json!({"device-type": "dpu"}));
}

/// NONCONFIG is exactly the module's `config false` data nodes (actions, RPCs and groupings
/// aside), and no configuration node has the same parent and name.
#[test]
fn the_nonconfig_nodes_match_the_yang_module() {
    const SKIP: [&str; 6] = ["action", "rpc", "input", "output", "grouping", "notification"];
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../yang/sztp/sztp-server@2026-11-30.yang");
    let text = std::fs::read_to_string(path).expect("module readable");
    // (statement, name, config false, brace depth)
    let mut stack: Vec<(String, String, bool, i32)> = Vec::new();
    let (mut depth, mut state, mut config) = (0i32, Vec::new(), Vec::new());
    for line in text.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            [kind, name, "{", ..]
                if ["leaf", "leaf-list", "container", "list"].contains(kind) || SKIP.contains(kind) =>
            {
                stack.push((kind.to_string(), name.to_string(), false, depth + 1));
            }
            [kind, "{", ..] if SKIP.contains(kind) => stack.push((kind.to_string(), String::new(), false, depth + 1)),
            _ => {}
        }
        if line.trim() == "config false;"
            && let Some(top) = stack.last_mut()
        {
            top.2 = true;
        }
        depth += line.matches('{').count() as i32 - line.matches('}').count() as i32;
        while stack.last().is_some_and(|t| t.3 > depth) {
            let (kind, name, nonconfig, _) = stack.pop().unwrap_or_default();
            if SKIP.contains(&kind.as_str()) || stack.iter().any(|s| SKIP.contains(&s.0.as_str())) {
                continue;
            }
            let parent = stack.last().map(|s| s.1.clone()).unwrap_or_default();
            if nonconfig {
                state.push((parent, name));
            } else if !stack.iter().any(|s| s.2) {
                config.push((parent, name));
            }
        }
    }
    state.sort();
    state.dedup();
    let ours: Vec<(String, String)> = NONCONFIG.iter().map(|(p, n)| (p.to_string(), n.to_string())).collect();
    assert_eq!(ours, state, "NONCONFIG is sorted and complete");
    let clash: Vec<&(String, String)> = config.iter().filter(|c| state.contains(c)).collect();
    assert!(clash.is_empty(), "configuration nodes with a state node's parent and name: {clash:?}");
}
