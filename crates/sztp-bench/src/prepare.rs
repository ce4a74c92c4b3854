//! `sztp-bench prepare`: a benchmark database made by the server's quickstart, its devices split
//! into unsigned and signed groups, plus (for the large database) bulk devices and log records.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use serde::{Deserialize, Serialize};
use sztp_server::quickstart::Quickstart;
use sztp_store::{
    BootstrapEvent, CompatProfile, Device, OpenOptions, ProgressReport, SigningPolicy, StatusChange, Store, TenantId,
};
use time::{Duration, OffsetDateTime};

const T: TenantId = TenantId::DEFAULT;
/// Written last: a directory with it and the same sizes is reused as it is.
const MARKER: &str = "bench-prepared.json";
/// Rows per unit of work when filling the large database.
const BATCH: u64 = 10_000;

/// Options of `sztp-bench prepare`.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct PrepareArgs {
    /// Database directory (a quickstart directory; replaced if it was prepared with other sizes).
    #[arg(long)]
    pub(crate) dir: PathBuf,
    /// Devices with credentials on disk (SN-0001 …); each costs one argon2 hash (~20 ms).
    #[arg(long, default_value_t = 128)]
    pub(crate) devices: u32,
    /// How many of them (from SN-0001) get unsigned conveyed information; the rest get signed (default: half).
    #[arg(long)]
    pub(crate) unsigned: Option<u32>,
    /// Extra devices without credentials (BULK-000001 …).
    #[arg(long, default_value_t = 0)]
    pub(crate) bulk_devices: u32,
    /// Bootstrapping-log records spread over the bulk devices.
    #[arg(long, default_value_t = 0)]
    pub(crate) log_records: u64,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Marker {
    devices: u32,
    unsigned: u32,
    bulk_devices: u32,
    log_records: u64,
}

impl PrepareArgs {
    fn marker(&self) -> Marker {
        Marker {
            devices: self.devices,
            unsigned: self.unsigned.unwrap_or(self.devices / 2).min(self.devices),
            bulk_devices: self.bulk_devices,
            log_records: self.log_records,
        }
    }
}

/// Creates the database unless it is already there with the same sizes; returns whether it was made.
pub(crate) async fn prepare(args: &PrepareArgs) -> anyhow::Result<bool> {
    let marker = args.marker();
    let marker_path = args.dir.join(MARKER);
    if let Ok(text) = std::fs::read_to_string(&marker_path)
        && serde_json::from_str::<Marker>(&text).ok().as_ref() == Some(&marker)
    {
        return Ok(false);
    }
    if args.dir.exists() {
        std::fs::remove_dir_all(&args.dir).with_context(|| format!("removing {}", args.dir.display()))?;
    }
    let started = Instant::now();
    // Port 0 in the stored endpoints: the server binds free ports and prints them.
    let quickstart = Quickstart {
        dir: args.dir.clone(),
        devices: marker.devices,
        nbi_port: 0,
        sbi_port: 0,
        profile: CompatProfile::Rfc8572,
    };
    quickstart.prepare().await?;
    eprintln!("prepare: quickstart with {} devices in {:.1} s", marker.devices, started.elapsed().as_secs_f64());
    let store = Store::open(&quickstart.database_url(), &OpenOptions::default()).await?;
    let uow = store.begin().await?;
    for n in 1..=marker.devices {
        let serial = format!("SN-{n:04}");
        let mut device = uow.get_device(T, &serial).await?.with_context(|| format!("{serial} is missing"))?;
        device.signing = Some(if n <= marker.unsigned { SigningPolicy::Unsigned } else { SigningPolicy::Signed });
        uow.put_device(T, &device).await?;
    }
    uow.commit().await?;
    if marker.bulk_devices > 0 {
        bulk_devices(&store, marker.bulk_devices).await?;
        log_records(&store, marker.bulk_devices, marker.log_records).await?;
    }
    store.close().await?;
    std::fs::write(&marker_path, serde_json::to_string(&marker)?)?;
    eprintln!("prepare: {} ready in {:.1} s", args.dir.display(), started.elapsed().as_secs_f64());
    Ok(true)
}

async fn bulk_devices(store: &Store, count: u32) -> anyhow::Result<()> {
    let started = Instant::now();
    let template = store.get_device(T, "SN-0001").await?.context("SN-0001 is missing")?;
    let mut n = 1;
    while n <= count {
        let last = (n + BATCH as u32 - 1).min(count);
        let devices: Vec<Device> = (n..=last)
            .map(|i| Device {
                serial: format!("BULK-{i:06}"),
                idevid_cert_der: None,
                signing: None,
                ..template.clone()
            })
            .collect();
        for result in store.put_devices_bulk(T, &devices).await? {
            result?;
        }
        n = last + 1;
    }
    eprintln!("prepare: {count} bulk devices in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

async fn log_records(store: &Store, devices: u32, count: u64) -> anyhow::Result<()> {
    let started = Instant::now();
    let now = OffsetDateTime::now_utc();
    // Spread over the last day, well inside the default retention.
    let step = Duration::DAY / i32::try_from(count.max(1)).unwrap_or(i32::MAX);
    let mut done = 0;
    while done < count {
        let end = (done + BATCH).min(count);
        let events: Vec<BootstrapEvent> =
            (done..end).map(|j| event(j, devices, now - step * i32::try_from(count - j).unwrap_or(i32::MAX))).collect();
        // One transaction per batch, batched inserts (record_bootstrap per row runs ~7,600/s).
        store.record_bootstrap_bulk(&events).await?;
        done = end;
        if done.is_multiple_of(BATCH * 10) {
            let rate = done as f64 / started.elapsed().as_secs_f64();
            eprintln!("prepare: {done}/{count} log records ({rate:.0}/s)");
        }
    }
    eprintln!("prepare: {count} log records in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

/// Record `j`: alternately a get-bootstrapping-data and a progress report, device by device.
fn event(j: u64, devices: u32, time: OffsetDateTime) -> BootstrapEvent {
    let serial = format!("BULK-{:06}", j % u64::from(devices) + 1);
    let gbd = j.is_multiple_of(2);
    BootstrapEvent {
        tenant: T,
        serial: Some(serial),
        time,
        source: format!("192.0.2.{}:{}", j % 250 + 1, 40_000 + j % 20_000),
        operation: if gbd { BootstrapEvent::GET_BOOTSTRAPPING_DATA } else { BootstrapEvent::REPORT_PROGRESS }.into(),
        status: if gbd { 200 } else { 204 },
        outcome: if gbd { "onboarding-information" } else { "progress recorded" }.into(),
        progress: (!gbd).then(|| ProgressReport {
            progress_type: "bootstrap-initiated".into(),
            message: None,
            ssh_host_keys: None,
            trust_anchor_certs: Vec::new(),
        }),
        detail: None,
        change: StatusChange {
            attempt: gbd,
            stage: (!gbd).then(|| "bootstrap-initiated".into()),
            ..StatusChange::default()
        },
    }
}
