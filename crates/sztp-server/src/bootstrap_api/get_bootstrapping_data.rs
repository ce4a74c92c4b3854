//! `get-bootstrapping-data`: authenticate, decode the input, select the response, build the
//! conveyed information, sign and encrypt as configured, log durably, reply.

use axum::body::Body;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use sztp_protocol::codec::Encoding;
use sztp_protocol::model::YangDocument;
use sztp_protocol::model::bootstrap_rpc::{GetBootstrappingDataInput, ReportingLevel};
use sztp_protocol::model::conveyed_info::ConveyedInformation;
use sztp_protocol::model::restconf_errors::{ErrorTag, ErrorType, RestconfError};
use sztp_store::{CompatProfile, ReportingLevel as StoredLevel, ResponseSpec};
use time::OffsetDateTime;
use tracing::{info, warn};

use super::auth::{self, Outcome};
use super::{MAX_RPC_BODY, Southbound};
use crate::audit::Principal;
use crate::listen::PeerInfo;
use crate::provisioning::compat;
use crate::provisioning::conveyed::{BuildError, Packaging, conveyed_information, must_sign, package};
use crate::provisioning::identity::AuthenticatedDevice;
use crate::provisioning::material::{self, LoadError};
use crate::provisioning::select::{RequestFacts, select};
use crate::restconf::{ErrorReply, document_reply, read_body};

const OPERATION: &str = "get-bootstrapping-data";

pub(super) async fn handle(
    state: Southbound,
    parts: Parts,
    body: Body,
    req: Option<Encoding>,
    reply: Encoding,
) -> Response {
    let err_enc = req.unwrap_or(reply);
    let (device, peer) = match auth::device(&state, &parts, OPERATION, err_enc).await {
        Ok(d) => d,
        Err(response) => return response,
    };
    // The authority the device used: artifact download URIs point back at it.
    let authority = parts
        .headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned)
        .or_else(|| parts.uri.authority().map(|a| a.to_string()))
        .filter(|a| !a.is_empty() && a.chars().all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c)));
    let mut response = match respond(&state, &device, &peer, authority.as_deref(), body, req, reply).await {
        Ok(response) => response,
        Err(failure) => {
            let status = failure.reply(err_enc).status;
            info!(serial = %device.serial, status = status.as_u16(), reason = %failure.log, "get-bootstrapping-data refused");
            let outcome = Outcome {
                status: status.as_u16(),
                outcome: failure.log.clone(),
                progress: None,
                detail: Some(serde_json::json!({ "error": failure.error.error_message })),
            };
            if let Err(e) = auth::log(&state, &device, &peer, OPERATION, outcome).await {
                warn!(error = %e, "could not write the bootstrapping log");
            }
            failure.reply(err_enc).into_response()
        }
    };
    response.extensions_mut().insert(Principal(device.serial.clone()));
    response
}

/// A refusal: the error the device sees and the line the log keeps.
struct Failure {
    status: StatusCode,
    error: RestconfError,
    log: String,
}

impl Failure {
    fn new(status: StatusCode, error_type: ErrorType, tag: ErrorTag, message: impl Into<String>) -> Self {
        let message = message.into();
        Failure { status, error: RestconfError::new(error_type, tag, message.clone()), log: message }
    }

    fn internal(log: impl Into<String>) -> Self {
        let mut f = Failure::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorType::Application,
            ErrorTag::OperationFailed,
            "the server cannot build a response for this device; the operator has been told why",
        );
        f.log = log.into();
        f
    }

    fn reply(&self, encoding: Encoding) -> ErrorReply {
        ErrorReply { status: self.status, error: Box::new(self.error.clone()), encoding, headers: Default::default() }
    }
}

impl From<sztp_store::StoreError> for Failure {
    fn from(e: sztp_store::StoreError) -> Self {
        Failure::internal(format!("storage: {e}"))
    }
}

impl From<BuildError> for Failure {
    fn from(e: BuildError) -> Self {
        match e {
            BuildError::SignedDataRequired => {
                Failure::new(StatusCode::NOT_FOUND, ErrorType::Application, ErrorTag::DataMissing, e.to_string())
            }
            other => Failure::internal(other.to_string()),
        }
    }
}

impl From<LoadError> for Failure {
    fn from(e: LoadError) -> Self {
        match e {
            LoadError::Build(b) => b.into(),
            LoadError::Store(s) => s.into(),
        }
    }
}

async fn respond(
    state: &Southbound,
    device: &AuthenticatedDevice,
    peer: &PeerInfo,
    authority: Option<&str>,
    body: Body,
    req: Option<Encoding>,
    reply: Encoding,
) -> Result<Response, Failure> {
    let profile = device.device_type.profile;
    let bytes = read_body(body, MAX_RPC_BODY, req.unwrap_or(reply)).await.map_err(|e| Failure {
        status: e.status,
        log: e.error.error_message.clone().unwrap_or_default(),
        error: *e.error,
    })?;
    let input = if bytes.iter().all(u8::is_ascii_whitespace) {
        GetBootstrappingDataInput::default()
    } else {
        let Some(encoding) = req else {
            return Err(Failure::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ErrorType::Transport,
                ErrorTag::InvalidValue,
                "a request body needs a Content-Type",
            ));
        };
        let repaired;
        let body: &[u8] = if profile == CompatProfile::OpiAgent && encoding == Encoding::Json {
            repaired = compat::repair_opi_input(&bytes);
            &repaired
        } else {
            &bytes
        };
        GetBootstrappingDataInput::decode(encoding, body).map_err(|e| {
            let error = RestconfError::from_decode(&e);
            Failure { status: StatusCode::BAD_REQUEST, log: format!("bad input: {e}"), error }
        })?
    };

    let facts = RequestFacts { input: &input, source: peer.remote.ip() };
    let rule = select(&device.device.rules, &device.device_type.rules, &facts).map_err(|no| {
        Failure::new(StatusCode::NOT_FOUND, ErrorType::Application, ErrorTag::DataMissing, no.message())
    })?;
    let store = state.app.store();
    let mut response = store
        .get_response(state.tenant, &rule.response)
        .await?
        .ok_or_else(|| Failure::internal(format!("rule names response \"{}\", which does not exist", rule.response)))?;
    fill_artifact(state, authority, &mut response.spec).await?;
    let info = conveyed_information(&response.spec, profile)?;
    let onboarding = matches!(info, ConveyedInformation::Onboarding(_));

    let available = material::available(&state.app, state.tenant, device).await?;
    let policy = device.device.signing.unwrap_or(device.device_type.signing);
    let sign = must_sign(policy, profile, onboarding, input.signed_data_preferred, available.is_some())?;
    let signing = match (&available, sign) {
        (Some(a), true) => Some(material::load(&state.app, state.tenant, a).await?),
        _ => None,
    };
    let encrypt = device.device.encrypt.unwrap_or(device.device_type.encrypt);
    let recipient = match (encrypt, &device.client_cert) {
        (false, _) => None,
        (true, Some(cert)) => Some(cert.der().to_vec()),
        (true, None) => Some(device.device.idevid_cert_der.clone().ok_or(BuildError::NoRecipient)?),
    };
    let level = match device.device.reporting_level.unwrap_or(device.device_type.reporting_level) {
        StoredLevel::Minimal => ReportingLevel::Minimal,
        StoredLevel::Verbose => ReportingLevel::Verbose,
    };
    let encoding = if profile == CompatProfile::CiscoIosXe { Encoding::Json } else { reply };
    let packaging = Packaging {
        encoding,
        signing: signing.as_ref(),
        encrypt_to: recipient.as_deref(),
        reporting_level: (profile != CompatProfile::OpiAgent).then_some(level),
        now: OffsetDateTime::now_utc(),
    };
    let output = package(&info, &packaging)?;

    let kind = if onboarding { "onboarding-information" } else { "redirect-information" };
    let description = format!(
        "{kind} \"{}\"{}{}",
        response.name,
        if signing.is_some() { ", signed" } else { ", unsigned" },
        if recipient.is_some() { ", encrypted" } else { "" }
    );
    let detail = serde_json::json!({
        "response": response.name,
        "hw-model": input.hw_model,
        "os-name": input.os_name,
        "os-version": input.os_version,
        "signed-data-preferred": input.signed_data_preferred,
    });
    auth::log(
        state,
        device,
        peer,
        OPERATION,
        Outcome { status: 200, outcome: description.clone(), progress: None, detail: Some(detail) },
    )
    .await?;
    info!(serial = %device.serial, endpoint = %state.endpoint, "{description}");
    Ok(document_reply(reply, &output))
}

/// A boot image naming a served artifact gets the artifact's SHA-256 (unless given) and, when
/// it has no download URI, one on this endpoint's `/files/` at the authority the device used.
async fn fill_artifact(state: &Southbound, authority: Option<&str>, spec: &mut ResponseSpec) -> Result<(), Failure> {
    let ResponseSpec::Onboarding(o) = spec else { return Ok(()) };
    let Some(image) = o.boot_image.as_mut() else { return Ok(()) };
    let Some(name) = image.artifact.clone() else { return Ok(()) };
    if image.download_uris.is_empty() {
        match (state.files, authority) {
            (true, Some(host)) => image.download_uris.push(format!("https://{host}/files/{name}")),
            _ => {
                return Err(Failure::internal(format!(
                    "boot image artifact \"{name}\" has no download URI, and endpoint \"{}\" does not serve files",
                    state.endpoint
                )));
            }
        }
    }
    if image.sha256_hex.is_some() {
        return Ok(());
    }
    let meta = state
        .app
        .store()
        .artifact_meta(state.tenant, &name)
        .await?
        .ok_or_else(|| Failure::internal(format!("boot image artifact \"{name}\" does not exist")))?;
    image.sha256_hex = Some(meta.sha256.iter().map(|b| format!("{b:02x}")).collect());
    Ok(())
}
