// Shared by the yang_json and yang_xml targets: decode `data` as every model; whatever is accepted
// must re-encode in both encodings and decode back to the same value.
use sztp_protocol::codec::Encoding;
use sztp_protocol::model::YangDocument;
use sztp_protocol::model::bootstrap_rpc::{GetBootstrappingDataInput, GetBootstrappingDataOutput};
use sztp_protocol::model::conveyed_info::ConveyedInformation;
use sztp_protocol::model::csr::CsrRequest;
use sztp_protocol::model::progress::ReportProgressInput;
use sztp_protocol::model::restconf_errors::RestconfErrors;
use sztp_protocol::model::voucher::Voucher;

fn round_trip<T: YangDocument + PartialEq + std::fmt::Debug>(encoding: Encoding, data: &[u8]) {
    let Ok(value) = T::decode(encoding, data) else { return };
    for enc in [Encoding::Json, Encoding::Xml] {
        let bytes = value.encode(enc);
        let again = T::decode(enc, &bytes)
            .unwrap_or_else(|e| panic!("re-encoded {enc:?} does not decode: {e}\n{}", String::from_utf8_lossy(&bytes)));
        assert_eq!(again, value, "{enc:?} round trip changed the value");
    }
}

pub fn check_all(encoding: Encoding, data: &[u8]) {
    round_trip::<GetBootstrappingDataInput>(encoding, data);
    round_trip::<GetBootstrappingDataOutput>(encoding, data);
    round_trip::<ConveyedInformation>(encoding, data);
    round_trip::<ReportProgressInput>(encoding, data);
    round_trip::<CsrRequest>(encoding, data);
    round_trip::<RestconfErrors>(encoding, data);
    round_trip::<Voucher>(encoding, data);
}
