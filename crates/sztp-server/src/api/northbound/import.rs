//! The `devices/import` action: many devices in one request, validated one by one, activation
//! codes hashed on all cores, written in one batched transaction; failures are reported per
//! entry instead of failing the whole import (except `on-conflict fail`).

use std::collections::HashSet;

use axum::response::Response;
use sztp_protocol::model::northbound::import::{ImportFailure, ImportOutput, OnConflict, read_import};
use sztp_protocol::model::restconf_errors::ErrorTag;
use sztp_store::{Device, TenantId};

use super::{decode_error, devices, error, store_error};
use crate::restconf::ErrorReply;
use crate::restconf::json_reply;
use crate::state::AppState;

/// Runs the action on `{"sztp-server:input": {"on-conflict": …, "device": [...]}}`.
pub(super) async fn run(app: &AppState, tenant: TenantId, input: &serde_json::Value) -> Result<Response, ErrorReply> {
    let (on_conflict, entries) = read_import(input).map_err(decode_error)?;
    let mut failures = Vec::new();
    let mut parsed: Vec<(usize, Device, Option<String>)> = Vec::with_capacity(entries.len());
    for (i, entry) in entries.into_iter().enumerate() {
        let read = entry.and_then(|d| {
            let serial = d.serial.clone();
            devices::from_wire(d, None).map_err(|e| (Some(serial), e))
        });
        match read {
            Ok((d, code)) => parsed.push((i, d, code)),
            Err((serial, e)) => failures.push(failure(i, serial, e.to_string())),
        }
    }
    let existing = existing_serials(app, tenant).await?;
    let skipped = resolve_conflicts(on_conflict, &existing, &mut parsed)?;
    let parsed = hash_codes(parsed).await?;
    let devices: Vec<Device> = parsed.iter().map(|(_, d)| d.clone()).collect();
    let results = app.store().put_devices_bulk(tenant, &devices).await.map_err(store_error)?;
    let (mut created, mut replaced) = (0u32, 0u32);
    for ((index, device), result) in parsed.iter().zip(results) {
        match result {
            Ok(()) if existing.contains(&device.serial) => replaced += 1,
            Ok(()) => created += 1,
            Err(e) => failures.push(failure(*index, Some(device.serial.clone()), e.to_string())),
        }
    }
    failures.sort_by_key(|f| f.index);
    Ok(json_reply(ImportOutput { created, replaced, skipped, failures }.document()))
}

/// Applies the conflict policy to devices that exist already; returns how many were skipped.
fn resolve_conflicts(
    on_conflict: OnConflict,
    existing: &std::collections::HashSet<String>,
    parsed: &mut Vec<(usize, Device, Option<String>)>,
) -> Result<u32, ErrorReply> {
    let conflicts: Vec<&str> =
        parsed.iter().filter(|(_, d, _)| existing.contains(&d.serial)).map(|(_, d, _)| d.serial.as_str()).collect();
    if on_conflict == OnConflict::Fail && !conflicts.is_empty() {
        let message = format!(
            "{} devices exist already (first: {}); nothing was imported; use on-conflict skip or replace",
            conflicts.len(),
            conflicts[0]
        );
        return Err(error(ErrorTag::DataExists, message));
    }
    let mut skipped = 0u32;
    if on_conflict == OnConflict::Skip {
        parsed.retain(|(_, d, _)| {
            let keep = !existing.contains(&d.serial);
            skipped += u32::from(!keep);
            keep
        });
    }
    Ok(skipped)
}

fn failure(index: usize, serial: Option<String>, reason: String) -> ImportFailure {
    ImportFailure { index: index as u64, serial, reason }
}

async fn existing_serials(app: &AppState, tenant: TenantId) -> Result<HashSet<String>, ErrorReply> {
    let mut serials = HashSet::new();
    let page = sztp_store::MAX_PAGE_SIZE;
    let mut offset = 0;
    loop {
        let batch = app.store().list_devices(tenant, page, offset).await.map_err(store_error)?;
        let n = batch.len() as u64;
        serials.extend(batch.into_iter().map(|d| d.serial));
        if n < page {
            return Ok(serials);
        }
        offset += n;
    }
}

/// Hashes activation codes on the blocking pool, one chunk per core.
async fn hash_codes(parsed: Vec<(usize, Device, Option<String>)>) -> Result<Vec<(usize, Device)>, ErrorReply> {
    let cores = std::thread::available_parallelism().map_or(2, usize::from);
    let chunk = parsed.len().div_ceil(cores).max(1);
    let mut tasks = Vec::new();
    let mut rest = parsed;
    while !rest.is_empty() {
        let tail = rest.split_off(chunk.min(rest.len()));
        let part = std::mem::replace(&mut rest, tail);
        tasks.push(tokio::task::spawn_blocking(move || {
            part.into_iter()
                .map(|(i, mut d, code)| {
                    if let Some(code) = code {
                        d.activation_code_hash = Some(crate::password::hash(&code)?);
                    }
                    Ok((i, d))
                })
                .collect::<Result<Vec<_>, String>>()
        }));
    }
    let mut out = Vec::new();
    for t in tasks {
        let part = t
            .await
            .map_err(|e| error(ErrorTag::OperationFailed, e.to_string()))?
            .map_err(|e| error(ErrorTag::OperationFailed, e))?;
        out.extend(part);
    }
    Ok(out)
}
