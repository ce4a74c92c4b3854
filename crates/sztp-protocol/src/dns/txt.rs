//! The device-specific TXT records of RFC 8572 §4.2: `ci=`, `oc=`, `ov=` key/value pairs
//! (RFC 6763 §6.3–§6.5) whose values are the binary artifacts of §3.1–§3.3. Values longer than one
//! 255-octet character-string continue in the next string; see [`encode_txt_records`].

use super::DnsError;

/// The character-strings of one TXT record, in order.
pub type CharacterStrings = Vec<Vec<u8>>;

/// Longest character-string in octets (RFC 1035 §3.3).
pub const MAX_CHARACTER_STRING: usize = 255;
/// Longest RDATA in octets (16-bit RDLENGTH, RFC 1035 §3.2.1).
pub const MAX_RDATA: usize = 65535;

const CI: &str = "ci";
const OC: &str = "oc";
const OV: &str = "ov";

/// The artifacts a device-specific TXT RRset conveys (RFC 8572 §4.2, groupings of §3.5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsConveyedArtifacts {
    /// The `ci` value: the conveyed-information CMS (§3.1).
    pub conveyed_information: Vec<u8>,
    /// The `oc` value: the owner-certificate CMS (§3.2); present exactly when `ov` is.
    pub owner_certificate: Option<Vec<u8>>,
    /// The `ov` value: the ownership-voucher CMS (§3.3); present exactly when `oc` is.
    pub ownership_voucher: Option<Vec<u8>>,
}

impl DnsConveyedArtifacts {
    /// Unsigned conveyed information alone (only redirect information may be unsigned here, §4.2).
    pub fn unsigned(conveyed_information: Vec<u8>) -> Self {
        Self { conveyed_information, owner_certificate: None, ownership_voucher: None }
    }

    /// Signed conveyed information with the owner certificate and ownership voucher that verify it.
    pub fn signed(conveyed_information: Vec<u8>, owner_certificate: Vec<u8>, ownership_voucher: Vec<u8>) -> Self {
        Self {
            conveyed_information,
            owner_certificate: Some(owner_certificate),
            ownership_voucher: Some(ownership_voucher),
        }
    }

    /// True when `oc` and `ov` accompany `ci`.
    pub fn is_signed(&self) -> bool {
        self.owner_certificate.is_some() && self.ownership_voucher.is_some()
    }

    fn pairs(&self) -> Result<Vec<(&'static str, &[u8])>, DnsError> {
        let mut pairs = vec![(CI, self.conveyed_information.as_slice())];
        match (&self.owner_certificate, &self.ownership_voucher) {
            (Some(oc), Some(ov)) => pairs.extend([(OC, oc.as_slice()), (OV, ov.as_slice())]),
            (None, None) => {}
            (None, Some(_)) => return Err(DnsError::UnpairedOwnerArtifact { missing: "owner certificate" }),
            (Some(_), None) => return Err(DnsError::UnpairedOwnerArtifact { missing: "ownership voucher" }),
        }
        match pairs.iter().find(|(_, value)| value.is_empty()) {
            Some((key, _)) => Err(DnsError::EmptyValue(key)),
            None => Ok(pairs),
        }
    }
}

/// Encodes the artifacts as TXT records, one per key in the order `ci`, `oc`, `ov`.
///
/// RFC 8572 §4.2 puts each artifact in an RFC 6763 §6.3 `key=value` string, but a character-string
/// holds at most 255 octets (RFC 1035 §3.3) and the artifacts are CMS structures of kilobytes. So a
/// pair longer than one string continues in the following strings of the same record: every string
/// but a pair's last is exactly 255 octets, and a shorter string ends the pair (the long-value
/// concatenation of RFC 7208 §3.3, made self-delimiting). Each record stays within the 65535-octet
/// RDATA limit of §4.2 (unicast DNS over TCP; mDNS messages are limited to 9000 octets).
///
/// Fails when `oc`/`ov` are not both present or both absent, a value is empty, or a record's
/// RDATA would exceed 65535 octets (a value over 65276 octets).
pub fn encode_txt_records(artifacts: &DnsConveyedArtifacts) -> Result<Vec<CharacterStrings>, DnsError> {
    artifacts
        .pairs()?
        .into_iter()
        .map(|(key, value)| {
            let mut pair = Vec::with_capacity(key.len() + 1 + value.len());
            pair.extend_from_slice(key.as_bytes());
            pair.push(b'=');
            pair.extend_from_slice(value);
            let strings: CharacterStrings = pair.chunks(MAX_CHARACTER_STRING).map(<[u8]>::to_vec).collect();
            rdata_len(&strings)?;
            Ok(strings)
        })
        .collect()
}

/// Decodes a device-specific TXT RRset (each record as its character-strings).
///
/// Strings are joined into pairs as [`encode_txt_records`] describes, which also reads the RFC 6763
/// layout of several short pairs in one record (a pair of exactly 255 octets followed by another
/// pair in the same record is the one ambiguous case: it reads as one long pair).
///
/// Unknown keys, empty strings and strings starting with `=` are ignored (RFC 8572 §4.2,
/// RFC 6763 §6.4); keys compare case-insensitively. A recognised key that repeats, lacks `=` or has
/// an empty value is an error, as are `oc`/`ov` without `ci` and only one of `oc`/`ov`.
pub fn decode_txt_records(records: &[CharacterStrings]) -> Result<DnsConveyedArtifacts, DnsError> {
    let (mut ci, mut oc, mut ov) = (None, None, None);
    for pair in records.iter().flat_map(join_pairs) {
        let (key, value) = match pair.iter().position(|b| *b == b'=') {
            Some(at) => (&pair[..at], Some(&pair[at + 1..])),
            None => (pair.as_slice(), None),
        };
        let (name, slot) = if key.eq_ignore_ascii_case(CI.as_bytes()) {
            (CI, &mut ci)
        } else if key.eq_ignore_ascii_case(OC.as_bytes()) {
            (OC, &mut oc)
        } else if key.eq_ignore_ascii_case(OV.as_bytes()) {
            (OV, &mut ov)
        } else {
            continue;
        };
        let value = value.ok_or(DnsError::MissingValue(name))?;
        if value.is_empty() {
            return Err(DnsError::EmptyValue(name));
        }
        if slot.replace(value.to_vec()).is_some() {
            return Err(DnsError::DuplicateKey(name));
        }
    }
    let conveyed_information = match (ci, oc.is_some() || ov.is_some()) {
        (Some(ci), _) => ci,
        (None, true) => return Err(DnsError::MissingConveyedInformation),
        (None, false) => return Err(DnsError::NoArtifacts),
    };
    let artifacts = DnsConveyedArtifacts { conveyed_information, owner_certificate: oc, ownership_voucher: ov };
    artifacts.pairs()?;
    Ok(artifacts)
}

/// Joins a record's strings into pairs: a full (255-octet) string continues into the next one.
fn join_pairs(record: &CharacterStrings) -> Vec<Vec<u8>> {
    let mut pairs = Vec::new();
    let mut current: Option<Vec<u8>> = None;
    for string in record {
        current.get_or_insert_with(Vec::new).extend_from_slice(string);
        if string.len() < MAX_CHARACTER_STRING {
            pairs.extend(current.take());
        }
    }
    pairs.extend(current);
    pairs.retain(|pair| !pair.is_empty() && pair.first() != Some(&b'='));
    pairs
}

/// Serialises character-strings as TXT RDATA (length octet + octets, repeated).
pub fn txt_rdata(strings: &[Vec<u8>]) -> Result<Vec<u8>, DnsError> {
    let mut out = Vec::with_capacity(rdata_len(strings)?);
    for string in strings {
        out.push(u8::try_from(string.len()).map_err(|_| DnsError::CharacterStringTooLong { len: string.len() })?);
        out.extend_from_slice(string);
    }
    Ok(out)
}

/// Parses TXT RDATA into its character-strings; empty RDATA or a length past the end is malformed.
pub fn parse_txt_rdata(rdata: &[u8]) -> Result<CharacterStrings, DnsError> {
    if rdata.is_empty() {
        return Err(DnsError::MalformedRdata { offset: 0 });
    }
    if rdata.len() > MAX_RDATA {
        return Err(DnsError::RdataTooLong { len: rdata.len() });
    }
    let mut strings = Vec::new();
    let mut offset = 0;
    while let Some(&len) = rdata.get(offset) {
        let string = rdata.get(offset + 1..offset + 1 + usize::from(len)).ok_or(DnsError::MalformedRdata { offset })?;
        strings.push(string.to_vec());
        offset += 1 + usize::from(len);
    }
    Ok(strings)
}

fn rdata_len(strings: &[Vec<u8>]) -> Result<usize, DnsError> {
    if let Some(long) = strings.iter().find(|s| s.len() > MAX_CHARACTER_STRING) {
        return Err(DnsError::CharacterStringTooLong { len: long.len() });
    }
    let len = strings.iter().map(|s| 1 + s.len()).sum();
    if len > MAX_RDATA {
        return Err(DnsError::RdataTooLong { len });
    }
    Ok(len)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(strings: &[&[u8]]) -> CharacterStrings {
        strings.iter().map(|s| s.to_vec()).collect()
    }

    #[test]
    fn short_values_are_one_string_per_record() {
        let records =
            encode_txt_records(&DnsConveyedArtifacts::signed(b"C".to_vec(), b"O".to_vec(), b"V".to_vec())).unwrap();
        assert_eq!(records, vec![record(&[b"ci=C"]), record(&[b"oc=O"]), record(&[b"ov=V"])]);
    }

    #[test]
    fn long_values_continue_in_full_strings() {
        let ci: Vec<u8> = (0..600u32).map(|i| (i % 251) as u8).collect();
        let records = encode_txt_records(&DnsConveyedArtifacts::unsigned(ci.clone())).unwrap();
        let lens: Vec<usize> = records[0].iter().map(Vec::len).collect();
        assert_eq!(lens, [255, 255, 93]);
        assert_eq!(&records[0][0][..3], b"ci=");
        assert_eq!(decode_txt_records(&records).unwrap().conveyed_information, ci);
    }

    #[test]
    fn a_pair_of_exactly_255_octets_round_trips() {
        let artifacts = DnsConveyedArtifacts::unsigned(vec![7; 252]);
        let records = encode_txt_records(&artifacts).unwrap();
        assert_eq!(records[0].len(), 1);
        assert_eq!(decode_txt_records(&records).unwrap(), artifacts);
    }

    #[test]
    fn rfc_6763_layout_with_several_pairs_in_one_record_decodes() {
        let records = vec![record(&[b"txtvers=1", b"CI=abc", b"oc=x", b"", b"=ignored", b"ov=y", b"flag"])];
        let decoded = decode_txt_records(&records).unwrap();
        assert_eq!(decoded, DnsConveyedArtifacts::signed(b"abc".to_vec(), b"x".to_vec(), b"y".to_vec()));
    }

    #[test]
    fn key_rules_are_enforced() {
        let cases: [(&[&[u8]], DnsError); 7] = [
            (&[b"ci=a", b"ci=b"], DnsError::DuplicateKey("ci")),
            (&[b"ci"], DnsError::MissingValue("ci")),
            (&[b"ov="], DnsError::EmptyValue("ov")),
            (&[b"oc=a", b"ov=b"], DnsError::MissingConveyedInformation),
            (&[b"ci=a", b"oc=b"], DnsError::UnpairedOwnerArtifact { missing: "ownership voucher" }),
            (&[b"ci=a", b"ov=b"], DnsError::UnpairedOwnerArtifact { missing: "owner certificate" }),
            (&[b"unknown=1"], DnsError::NoArtifacts),
        ];
        for (strings, expected) in cases {
            assert_eq!(decode_txt_records(&[record(strings)]), Err(expected.clone()), "{expected}");
        }
        assert_eq!(decode_txt_records(&[]), Err(DnsError::NoArtifacts));
    }

    #[test]
    fn encoder_refuses_what_the_decoder_would_refuse() {
        let half = DnsConveyedArtifacts {
            owner_certificate: Some(b"x".to_vec()),
            ..DnsConveyedArtifacts::unsigned(b"c".to_vec())
        };
        assert_eq!(encode_txt_records(&half), Err(DnsError::UnpairedOwnerArtifact { missing: "ownership voucher" }));
        assert_eq!(encode_txt_records(&DnsConveyedArtifacts::unsigned(vec![])), Err(DnsError::EmptyValue("ci")));
        assert!(encode_txt_records(&DnsConveyedArtifacts::unsigned(vec![1; 65276])).is_ok());
        assert_eq!(
            encode_txt_records(&DnsConveyedArtifacts::unsigned(vec![1; 65277])),
            Err(DnsError::RdataTooLong { len: 65536 })
        );
    }

    #[test]
    fn rdata_wire_form_round_trips_and_rejects_malformed() {
        let strings = record(&[b"ci=abc", b"", b"x"]);
        let rdata = txt_rdata(&strings).unwrap();
        assert_eq!(rdata, b"\x06ci=abc\x00\x01x");
        assert_eq!(parse_txt_rdata(&rdata).unwrap(), strings);
        assert_eq!(parse_txt_rdata(&[]), Err(DnsError::MalformedRdata { offset: 0 }));
        assert_eq!(parse_txt_rdata(b"\x01a\x05ab"), Err(DnsError::MalformedRdata { offset: 2 }));
        assert_eq!(txt_rdata(&[vec![0; 256]]), Err(DnsError::CharacterStringTooLong { len: 256 }));
    }
}
