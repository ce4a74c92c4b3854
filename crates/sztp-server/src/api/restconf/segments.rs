//! Path parameters whose rejection (a segment that percent-decodes to invalid UTF-8) is an
//! RFC 8040 errors body, as every other refusal is, instead of axum's plain text.

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use sztp_protocol::model::restconf_errors::ErrorTag;

use super::{ErrorReply, error_encoding};

/// Like [`axum::extract::Path`], each segment percent-decoded once.
pub(crate) struct Segments<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Segments<T> {
    type Rejection = ErrorReply;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ErrorReply> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(Segments(value)),
            Err(e) => Err(ErrorReply::bad_request(
                error_encoding(&parts.headers),
                ErrorTag::InvalidValue,
                format!("the request path is not valid: {}", e.body_text()),
            )),
        }
    }
}
