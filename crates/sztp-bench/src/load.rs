//! `sztp-bench load`: a closed-loop load driver, HTTP/1.1 over TLS (hyper + rustls on aws-lc-rs),
//! one connection per worker kept alive or opened per request; reports req/s, p50, p99 and errors.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use bytes::Bytes;
use http::{HeaderValue, Method, Request, Uri, header};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use rustls::ClientConfig;
use rustls::pki_types::ServerName;
use serde::{Deserialize, Serialize};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use crate::tls;

/// Options of `sztp-bench load`.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct LoadArgs {
    /// Target URL, e.g. https://127.0.0.1:8443/restconf/operations/ietf-sztp-bootstrap-server:get-bootstrapping-data
    pub(crate) url: Uri,
    /// HTTP method.
    #[arg(long, value_enum, default_value_t = HttpMethod::Get)]
    pub(crate) method: HttpMethod,
    /// Request body (sent with --content-type).
    #[arg(long)]
    pub(crate) body: Option<String>,
    /// Content-Type of --body.
    #[arg(long, default_value = "application/yang-data+json")]
    pub(crate) content_type: String,
    /// The server's CA certificate (PEM), e.g. QUICKSTART/trust/server-ca.pem.
    #[arg(long)]
    pub(crate) ca: PathBuf,
    /// A quickstart directory: device credentials come from DIR/devices/SN-xxxx/.
    #[arg(long, value_name = "DIR")]
    pub(crate) credentials: Option<PathBuf>,
    /// Present the device's IDevID as the TLS client certificate (needs --credentials).
    #[arg(long)]
    pub(crate) client_cert: bool,
    /// Send HTTP Basic: the serial number and the activation code (needs --credentials).
    #[arg(long)]
    pub(crate) basic: bool,
    /// First device number: worker i uses device FIRST + (i mod DEVICES).
    #[arg(long, default_value_t = 1)]
    pub(crate) first_device: u32,
    /// Number of devices the workers cycle over.
    #[arg(long, default_value_t = 1)]
    pub(crate) devices: u32,
    /// Concurrent workers, each with its own connection.
    #[arg(long, short = 'c', default_value_t = 64)]
    pub(crate) concurrency: u32,
    /// Measured seconds (after the warm-up).
    #[arg(long, default_value_t = 10.0)]
    pub(crate) duration: f64,
    /// Stop after this many requests in all (warm-up included), if reached before --duration.
    #[arg(long)]
    pub(crate) requests: Option<u64>,
    /// Seconds of load before measuring (not counted).
    #[arg(long, default_value_t = 1.0)]
    pub(crate) warmup: f64,
    /// A fresh TCP connection and full TLS handshake for every request.
    #[arg(long)]
    pub(crate) new_connection: bool,
    /// Allow TLS session resumption on new connections (off: every handshake is a full one).
    #[arg(long)]
    pub(crate) tls_resumption: bool,
    /// Print the report as JSON.
    #[arg(long)]
    pub(crate) json: bool,
}

/// HTTP methods the driver sends.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub(crate) enum HttpMethod {
    /// GET
    Get,
    /// POST
    Post,
}

/// What one load run measured.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct LoadReport {
    /// Requests completed in the measured window.
    pub(crate) requests: u64,
    /// Length of the measured window.
    pub(crate) seconds: f64,
    /// Requests per second.
    pub(crate) rps: f64,
    /// Median latency, milliseconds.
    pub(crate) p50_ms: f64,
    /// 99th-percentile latency, milliseconds.
    pub(crate) p99_ms: f64,
    /// Transport errors plus non-2xx answers.
    pub(crate) errors: u64,
    /// Connection, TLS and protocol failures.
    pub(crate) transport_errors: u64,
    /// Answers by HTTP status.
    pub(crate) statuses: BTreeMap<u16, u64>,
    /// The last transport error seen.
    pub(crate) last_error: Option<String>,
}

#[derive(Default)]
struct WorkerStats {
    latencies_us: Vec<u32>,
    statuses: BTreeMap<u16, u64>,
    transport_errors: u64,
    last_error: Option<String>,
}

struct Plan {
    addr: String,
    server_name: ServerName<'static>,
    method: Method,
    uri: Uri,
    host: HeaderValue,
    body: Bytes,
    content_type: HeaderValue,
    new_connection: bool,
    measure_from: Instant,
    end: Instant,
    max_requests: Option<u64>,
    issued: AtomicU64,
}

/// Runs the load and prints its report.
pub(crate) async fn main(args: LoadArgs) -> anyhow::Result<()> {
    let report = run(&args).await?;
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        let statuses: Vec<String> = report.statuses.iter().map(|(s, n)| format!("{s}:{n}")).collect();
        println!(
            "{} requests in {:.1} s: {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms, {} errors ({} transport), statuses [{}]{}",
            report.requests,
            report.seconds,
            report.rps,
            report.p50_ms,
            report.p99_ms,
            report.errors,
            report.transport_errors,
            statuses.join(" "),
            report.last_error.as_deref().map(|e| format!(", last error: {e}")).unwrap_or_default(),
        );
    }
    Ok(())
}

/// Drives the load described by `args`.
pub(crate) async fn run(args: &LoadArgs) -> anyhow::Result<LoadReport> {
    anyhow::ensure!(args.url.scheme_str() == Some("https"), "the URL must be https://");
    anyhow::ensure!(args.devices > 0 && args.concurrency > 0, "--devices and --concurrency must be positive");
    let host = args.url.host().context("the URL has no host")?.trim_matches(['[', ']']).to_owned();
    let port = args.url.port_u16().unwrap_or(443);
    let server_name = ServerName::try_from(host.clone())?;
    let authority = args.url.authority().context("the URL has no authority")?.as_str();
    let path = args.url.path_and_query().map_or("/", |p| p.as_str());
    let now = Instant::now();
    let measure_from = now + Duration::from_secs_f64(args.warmup);
    let plan = Arc::new(Plan {
        addr: format!("{host}:{port}"),
        server_name,
        method: match args.method {
            HttpMethod::Get => Method::GET,
            HttpMethod::Post => Method::POST,
        },
        uri: path.parse()?,
        host: HeaderValue::from_str(authority)?,
        body: Bytes::from(args.body.clone().unwrap_or_default()),
        content_type: HeaderValue::from_str(&args.content_type)?,
        new_connection: args.new_connection,
        measure_from,
        end: measure_from + Duration::from_secs_f64(args.duration),
        max_requests: args.requests,
        issued: AtomicU64::new(0),
    });
    let mut workers = Vec::new();
    for i in 0..args.concurrency {
        let device = args.credentials.as_deref().map(|c| tls::device_dir(c, args.first_device + i % args.devices));
        anyhow::ensure!(
            device.is_some() || !(args.client_cert || args.basic),
            "--client-cert and --basic need --credentials"
        );
        let identity = device.as_deref().filter(|_| args.client_cert);
        let config = tls::client_config(&args.ca, identity, args.tls_resumption)?;
        let auth = match device.as_deref().filter(|_| args.basic) {
            Some(dir) => Some(tls::basic_auth(dir)?),
            None => None,
        };
        workers.push(tokio::spawn(worker(plan.clone(), config, auth)));
    }
    let mut total = WorkerStats::default();
    for w in workers {
        let s = w.await?;
        total.latencies_us.extend(s.latencies_us);
        for (status, n) in s.statuses {
            *total.statuses.entry(status).or_default() += n;
        }
        total.transport_errors += s.transport_errors;
        total.last_error = s.last_error.or(total.last_error);
    }
    let seconds = Instant::now().saturating_duration_since(measure_from).as_secs_f64().max(1e-9);
    let mut lat = total.latencies_us;
    lat.sort_unstable();
    let pct = |p: usize| {
        lat.get((lat.len() * p / 100).min(lat.len().saturating_sub(1))).map_or(0.0, |&us| f64::from(us) / 1000.0)
    };
    let bad: u64 = total.statuses.iter().filter(|(s, _)| !(200..300).contains(*s)).map(|(_, n)| n).sum();
    Ok(LoadReport {
        requests: lat.len() as u64,
        seconds,
        rps: lat.len() as f64 / seconds,
        p50_ms: pct(50),
        p99_ms: pct(99),
        errors: bad + total.transport_errors,
        transport_errors: total.transport_errors,
        statuses: total.statuses,
        last_error: total.last_error,
    })
}

async fn worker(plan: Arc<Plan>, config: Arc<ClientConfig>, auth: Option<HeaderValue>) -> WorkerStats {
    let connector = TlsConnector::from(config);
    let mut stats = WorkerStats::default();
    let mut sender: Option<SendRequest<Full<Bytes>>> = None;
    while Instant::now() < plan.end {
        if plan.max_requests.is_some_and(|max| plan.issued.fetch_add(1, Ordering::Relaxed) >= max) {
            break;
        }
        // A kept-alive connection the server has closed is reopened; that is not a failed request.
        if let Some(s) = sender.as_mut()
            && s.ready().await.is_err()
        {
            sender = None;
        }
        let started = Instant::now();
        let result = exchange(&plan, &connector, &mut sender, auth.as_ref()).await;
        let elapsed = started.elapsed();
        let counted = started >= plan.measure_from;
        match result {
            Ok(status) => {
                if counted {
                    stats.latencies_us.push(u32::try_from(elapsed.as_micros()).unwrap_or(u32::MAX));
                    *stats.statuses.entry(status).or_default() += 1;
                }
                if plan.new_connection {
                    sender = None;
                }
            }
            Err(e) => {
                sender = None;
                if counted {
                    stats.transport_errors += 1;
                    stats.last_error = Some(format!("{e:#}"));
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
    stats
}

async fn exchange(
    plan: &Plan,
    connector: &TlsConnector,
    sender: &mut Option<SendRequest<Full<Bytes>>>,
    auth: Option<&HeaderValue>,
) -> anyhow::Result<u16> {
    let s = match sender {
        Some(s) => s,
        None => sender.insert(connect(&plan.addr, &plan.server_name, connector).await?),
    };
    let mut req = Request::builder().method(plan.method.clone()).uri(plan.uri.clone()).header(header::HOST, &plan.host);
    if !plan.body.is_empty() {
        req = req.header(header::CONTENT_TYPE, &plan.content_type);
    }
    if let Some(auth) = auth {
        req = req.header(header::AUTHORIZATION, auth);
    }
    let response = s.send_request(req.body(Full::new(plan.body.clone()))?).await.context("request")?;
    let status = response.status().as_u16();
    response.into_body().collect().await.context("response body")?;
    Ok(status)
}

/// Opens a TCP connection, completes the TLS handshake and the HTTP/1.1 handshake.
pub(crate) async fn connect(
    addr: &str,
    server_name: &ServerName<'static>,
    connector: &TlsConnector,
) -> anyhow::Result<SendRequest<Full<Bytes>>> {
    let tcp = TcpStream::connect(addr).await.context("TCP connect")?;
    tcp.set_nodelay(true)?;
    let tls = connector.connect(server_name.clone(), tcp).await.context("TLS handshake")?;
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tls)).await.context("HTTP handshake")?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(sender)
}

/// One GET of `url` (for readiness probes); returns the status.
pub(crate) async fn get_status(url: &Uri, config: Arc<ClientConfig>) -> anyhow::Result<u16> {
    let host = url.host().context("the URL has no host")?.to_owned();
    let addr = format!("{host}:{}", url.port_u16().unwrap_or(443));
    let mut sender = connect(&addr, &ServerName::try_from(host)?, &TlsConnector::from(config)).await?;
    let authority = url.authority().context("the URL has no authority")?.as_str();
    let req = Request::get(url.path()).header(header::HOST, authority).body(Full::new(Bytes::new()))?;
    let response = sender.send_request(req).await?;
    let status = response.status().as_u16();
    response.into_body().collect().await?;
    Ok(status)
}
