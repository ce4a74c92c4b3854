//! Artifacts: metadata through RESTCONF (`tenants/tenant/artifacts/artifact`), content through
//! `PUT|GET|DELETE /artifacts/{tenant}/{name}` on `native` endpoints, raw bytes either way.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{Method, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use sztp_protocol::codec::Encoding;
use sztp_protocol::model::northbound::ListEntry;
use sztp_protocol::model::northbound::artifact as wire;
use sztp_protocol::model::restconf_errors::ErrorTag;
use sztp_store::{ArtifactMeta, TenantId};

use crate::api::northbound::auth::{self, Caller};
use crate::api::northbound::paging::ListBody;
use crate::api::northbound::resource::{Resource, Scope};
use crate::api::northbound::{error, no_such, path, store_error};
use crate::audit::Principal;
use crate::restconf::status::{artifact_reply, not_modified_tagged, stored_tagged};
use crate::restconf::{ErrorReply, Segments, no_content};
use crate::state::AppState;

/// The largest artifact accepted by an upload (streamed into the database in chunks).
pub(crate) const MAX_ARTIFACT: u64 = 16 << 30;
use wire::DEFAULT_MEDIA_TYPE;

/// Lower-case hex, the strong ETag of a SHA-256.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// RFC 7951 JSON of an artifact's metadata.
pub(crate) fn to_json(a: &ArtifactMeta) -> Value {
    wire::Artifact {
        name: a.name.clone(),
        media_type: a.media_type.clone(),
        sha256: Some(a.sha256.to_vec()),
        size: Some(a.size),
        updated_at: Some(a.updated_at),
    }
    .to_value()
}

/// Writes the metadata of an artifact from RESTCONF: a new one starts empty, an existing one
/// keeps its content.
pub(crate) async fn put_meta(app: &AppState, tenant: TenantId, entry: &Value) -> Result<(), ErrorReply> {
    let a = wire::Artifact::from_value(entry).map_err(crate::api::northbound::decode_error)?;
    app.store().put_artifact_meta(tenant, &a.name, &a.media_type).await.map(|_| ()).map_err(store_error)
}

/// The routes of the content API.
pub(crate) fn router(app: AppState) -> axum::Router {
    axum::Router::new().route("/artifacts/{tenant}/{name}", axum::routing::any(content)).with_state(app)
}

async fn content(
    State(app): State<AppState>,
    Segments((tenant, name)): Segments<(String, String)>,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let caller = match auth::authenticate(&app, &parts).await {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    let result = serve(&app, &caller, &parts, &tenant, &name, body).await;
    let mut response = result.unwrap_or_else(IntoResponse::into_response);
    response.extensions_mut().insert(Principal(caller.principal()));
    response
}

async fn serve(
    app: &AppState,
    caller: &Caller,
    parts: &axum::http::request::Parts,
    tenant_name: &str,
    name: &str,
    body: Body,
) -> Result<Response, ErrorReply> {
    let (method, headers) = (&parts.method, &parts.headers);
    let write = *method != Method::GET && *method != Method::HEAD;
    if write && !caller.can_write() {
        return Err(ErrorReply::forbidden(Encoding::Json, "read-only administrators cannot write"));
    }
    let tenant = crate::api::northbound::tenant_by_name(app, caller, tenant_name, write).await?;
    match *method {
        Method::GET | Method::HEAD => download(app, tenant, name, headers).await,
        Method::PUT => {
            let idle = crate::restconf::BodyLimits::of(&parts.extensions).time();
            upload(app, tenant, (tenant_name, name), headers, body, idle).await
        }
        Method::DELETE => {
            app.store()
                .artifact_meta(tenant, name)
                .await
                .map_err(store_error)?
                .ok_or_else(|| no_such("artifact", name))?;
            app.store().delete_artifact(tenant, name).await.map_err(store_error)?;
            Ok(no_content())
        }
        _ => Err(error(ErrorTag::OperationNotSupported, "artifact content supports GET, HEAD, PUT and DELETE")),
    }
}

/// GET (and HEAD) of an artifact's content, streamed, with its SHA-256 as a strong ETag.
async fn download(
    app: &AppState,
    tenant: TenantId,
    name: &str,
    headers: &axum::http::HeaderMap,
) -> Result<Response, ErrorReply> {
    let store = app.store();
    let found = store.read_artifact(tenant, name).await.map_err(store_error)?;
    let (meta, reader) = found.ok_or_else(|| no_such("artifact", name))?;
    let etag = format!("\"{}\"", hex(&meta.sha256));
    if headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).is_some_and(|v| v == etag) {
        return Ok(not_modified_tagged(etag));
    }
    let mut headers = axum::http::HeaderMap::new();
    headers.insert(
        header::ETAG,
        header::HeaderValue::from_str(&etag).map_err(|e| error(ErrorTag::OperationFailed, e.to_string()))?,
    );
    if let Ok(v) = header::HeaderValue::from_str(&meta.media_type) {
        headers.insert(header::CONTENT_TYPE, v);
    }
    // Administrators' downloads are not counted against the devices' limit.
    Ok(artifact_reply(headers, crate::api::artifact_body::stream(reader, None)))
}

/// PUT of an artifact's content (the body, streamed, up to the limit) and media type (Content-Type).
async fn upload(
    app: &AppState,
    tenant: TenantId,
    (tenant_name, name): (&str, &str),
    headers: &axum::http::HeaderMap,
    body: Body,
    idle: std::time::Duration,
) -> Result<Response, ErrorReply> {
    let store = app.store();
    if !wire::is_file_name(name) {
        return Err(error(ErrorTag::InvalidValue, format!("\"{name}\" is not a plain file name")));
    }
    let media_type = match headers.get(header::CONTENT_TYPE) {
        None => DEFAULT_MEDIA_TYPE.to_owned(),
        Some(v) => {
            let t = v.to_str().unwrap_or_default().to_owned();
            if !wire::is_media_type(&t) {
                return Err(error(ErrorTag::InvalidValue, format!("\"{t}\" is not a media type (type/subtype)")));
            }
            t
        }
    };
    let (upload, sha256) = crate::api::artifact_body::receive(store, body, MAX_ARTIFACT, idle).await?;
    let existed = upload.finish(tenant, name, &media_type, &sha256).await.map_err(|e| match e {
        sztp_store::StoreError::Invalid(m) => error(ErrorTag::InvalidValue, m),
        other => store_error(other),
    })?;
    let etag = format!("\"{}\"", hex(&sha256));
    let location = format!("/artifacts/{}/{}", path::encode(tenant_name), path::encode(name));
    Ok(stored_tagged(!existed, location, etag))
}

/// `tenants/tenant={t}/artifacts/artifact={name}`: metadata through RESTCONF; the content has
/// its own route ([`router`]).
pub(crate) struct Artifacts;

#[async_trait::async_trait]
impl Resource for Artifacts {
    fn container(&self) -> &'static str {
        "artifacts"
    }
    fn list(&self) -> &'static str {
        "artifact"
    }
    async fn list_into(&self, s: &Scope<'_>, _: Option<&str>, body: &mut ListBody) -> Result<(), ErrorReply> {
        s.app.store().list_artifacts(s.tenant()).await.map_err(store_error)?.iter().for_each(|a| body.push(to_json(a)));
        Ok(())
    }
    async fn get(&self, s: &Scope<'_>, key: &str) -> Result<Option<Value>, ErrorReply> {
        Ok(s.app.store().artifact_meta(s.tenant(), key).await.map_err(store_error)?.map(|a| to_json(&a)))
    }
    async fn put(&self, s: &Scope<'_>, entry: &Value) -> Result<(), ErrorReply> {
        put_meta(s.app, s.tenant(), entry).await
    }
    async fn delete(&self, s: &Scope<'_>, key: &str) -> Result<(), ErrorReply> {
        s.app.store().delete_artifact(s.tenant(), key).await.map_err(store_error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_json_carries_state_as_rfc7951() {
        let meta = ArtifactMeta {
            name: "img".into(),
            media_type: DEFAULT_MEDIA_TYPE.into(),
            sha256: vec![0xab; 32],
            size: 5,
            updated_at: time::OffsetDateTime::UNIX_EPOCH,
        };
        let v = to_json(&meta);
        assert_eq!(v["size"], "5");
        assert_eq!(v["sha-256"].as_str().map(str::len), Some(95));
        let back = wire::Artifact::from_value(&v).map(|a| (a.name, a.media_type));
        assert_eq!(back.ok(), Some(("img".into(), DEFAULT_MEDIA_TYPE.into())));
        assert_eq!(hex(&meta.sha256).len(), 64);
    }
}
