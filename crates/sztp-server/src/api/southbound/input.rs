//! Decoding an RPC's input document: the body limit (413), a Content-Type for any body (415),
//! the device profile's repairs, and RFC 8040 decode errors (400).

use axum::body::Body;
use sztp_protocol::codec::Encoding;
use sztp_protocol::model::YangDocument;
use sztp_protocol::model::restconf_errors::RestconfError;

use super::{Encodings, MAX_RPC_BODY};
use crate::restconf::{BodyLimits, ErrorReply, read_body};

/// A decoded input, `None` for an empty body, with the body as sent when `repair` changed it.
pub(crate) type Decoded<T> = (Option<T>, Option<String>);

/// A device profile's repair of its JSON input quirks.
pub(crate) type Repair = fn(&[u8]) -> Vec<u8>;

/// Reads and decodes an input document; `repair` fixes a profile's JSON quirks, if it has some.
pub(crate) async fn decode<T: YangDocument>(
    body: Body,
    limits: BodyLimits,
    enc: Encodings,
    repair: Option<Repair>,
) -> Result<Decoded<T>, ErrorReply> {
    let bytes = read_body(body, limits, MAX_RPC_BODY, enc.errors()).await?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok((None, None));
    }
    let Some(encoding) = enc.request else {
        return Err(ErrorReply::unsupported_media_type(enc.errors(), "a request body needs a Content-Type"));
    };
    let repaired = match repair {
        Some(fix) if encoding == Encoding::Json => Some(fix(&bytes)),
        _ => None,
    };
    let input = T::decode(encoding, repaired.as_deref().unwrap_or(&bytes))
        .map_err(|e| ErrorReply::bad_input(enc.errors(), RestconfError::from_decode(&e)))?;
    let raw = repaired.map(|_| String::from_utf8_lossy(&bytes).into_owned());
    Ok((Some(input), raw))
}
