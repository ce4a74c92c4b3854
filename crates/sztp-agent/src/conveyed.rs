//! From a get-bootstrapping-data output to conveyed information the device may act on:
//! decryption with the IDevID key, then RFC 8572 §5.4 for signed data; unsigned onboarding
//! information only from a trusted server, unsigned redirect information from any (§5.3).

use sztp_protocol::cms::content_type::{ContentType, outer_content_type};
use sztp_protocol::cms::enveloped_data::{decrypt, signed_data_content_info};
use sztp_protocol::codec::Encoding;
use sztp_protocol::model::YangDocument;
use sztp_protocol::model::bootstrap_rpc::GetBootstrappingDataOutput;
use sztp_protocol::model::conveyed_info::ConveyedInformation;
use sztp_protocol::trust::{DeviceContext, SignedArtifacts, verify_signed_data, verify_unsigned_conveyed_information};
use sztp_protocol::x509::Certificate;
use time::OffsetDateTime;

use crate::error::AgentError;
use crate::identity::Identity;

/// Conveyed information that passed the device's checks.
#[derive(Debug, Clone)]
pub(crate) struct Accepted {
    /// The information.
    pub(crate) info: ConveyedInformation,
    /// Whether it was signed by the owner (and verified), as opposed to unsigned.
    pub(crate) signed: bool,
    /// Whether it is trusted: signed, or from a trusted server. Untrusted is only ever unsigned
    /// redirect information, whose trust anchors must be discarded (RFC 8572 §5.5).
    pub(crate) trusted: bool,
}

/// Opens one artifact: EnvelopedData is decrypted with the IDevID key.
fn open(name: &str, der: &[u8], identity: &Identity) -> Result<Vec<u8>, AgentError> {
    match outer_content_type(der) {
        Ok(ContentType::EnvelopedData) => {
            let leaf = identity.chain.first().ok_or_else(|| AgentError::Config("no IDevID".into()))?;
            decrypt(der, leaf.der(), &identity.key_pkcs8)
                .and_then(|(oid, content)| signed_data_content_info(oid, &content))
                .map_err(|e| AgentError::Trust(format!("{name}: cannot decrypt with the IDevID key: {e}")))
        }
        Ok(_) => Ok(der.to_vec()),
        Err(e) => Err(AgentError::Trust(format!("{name} is not CMS: {e}"))),
    }
}

/// The nonce a request carried, which the voucher is checked against.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NonceCheck<'a> {
    /// The nonce sent.
    pub(crate) sent: &'a [u8],
    /// Whether a voucher without a nonce is refused.
    pub(crate) required: bool,
}

/// Checks an output as RFC 8572 §5.4 and §5.5 say, at the device's time `now`; with a nonce,
/// the voucher's must equal it.
pub(crate) fn accept(
    output: &GetBootstrappingDataOutput,
    identity: &Identity,
    anchors: &[Certificate],
    server_trusted: bool,
    nonce: Option<NonceCheck<'_>>,
    now: OffsetDateTime,
) -> Result<Accepted, AgentError> {
    let ci = open("conveyed-information", &output.conveyed_information, identity)?;
    let (payload, content_type, signed) = match (&output.owner_certificate, &output.ownership_voucher) {
        (Some(oc), Some(ov)) => {
            let oc = open("owner-certificate", oc, identity)?;
            let ov = open("ownership-voucher", ov, identity)?;
            let mut device = DeviceContext::new(identity.serial.clone(), anchors.to_vec());
            device.idevid = identity.chain.first().cloned();
            device.now = Some(now);
            if let Some(check) = nonce {
                device.expected_nonce = Some(check.sent.to_vec());
                device.accept_nonceless_voucher = !check.required;
                // A required nonce is for devices whose clock cannot be trusted (RFC 8366): the
                // echoed nonce proves the voucher fresh, and times are not checked.
                if check.required {
                    device.now = None;
                }
            }
            let artifacts =
                SignedArtifacts { conveyed_information: &ci, owner_certificate: &oc, ownership_voucher: &ov };
            let verified = verify_signed_data(&artifacts, &device).map_err(|e| AgentError::Trust(e.to_string()))?;
            (verified.payload, verified.content_type, true)
        }
        (None, None) => {
            let (content_type, payload) =
                verify_unsigned_conveyed_information(&ci).map_err(|e| AgentError::Trust(e.to_string()))?;
            (payload, content_type, false)
        }
        _ => {
            return Err(AgentError::Server(
                "owner-certificate and ownership-voucher come together or not at all".into(),
            ));
        }
    };
    let encoding = if content_type == ContentType::ConveyedInfoXml { Encoding::Xml } else { Encoding::Json };
    let info = ConveyedInformation::decode(encoding, &payload)
        .map_err(|e| AgentError::Server(format!("conveyed information does not decode: {e}")))?;
    let trusted = signed || server_trusted;
    if !trusted && !matches!(info, ConveyedInformation::Redirect(_)) {
        return Err(AgentError::Trust(
            "unsigned onboarding information from a source that is not trusted (RFC 8572 §5.3)".into(),
        ));
    }
    Ok(Accepted { info, signed, trusted })
}
