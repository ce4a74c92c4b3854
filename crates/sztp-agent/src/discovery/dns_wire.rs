//! DNS messages on the wire (RFC 1035 §4, EDNS(0) RFC 6891 OPT as an opaque record): enough to ask
//! for TXT/SRV and read answers, including name compression (§4.1.4). The parser is total: any
//! input gives a message or an error, never a panic (fuzz target `dns_message`).

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use thiserror::Error;

/// RR type A (RFC 1035).
pub const TYPE_A: u16 = 1;
/// RR type CNAME (RFC 1035).
pub const TYPE_CNAME: u16 = 5;
/// RR type TXT (RFC 1035).
pub const TYPE_TXT: u16 = 16;
/// RR type AAAA (RFC 3596).
pub const TYPE_AAAA: u16 = 28;
/// RR type SRV (RFC 2782).
pub const TYPE_SRV: u16 = 33;
/// RR type OPT (RFC 6891).
pub const TYPE_OPT: u16 = 41;
/// Class IN.
pub const CLASS_IN: u16 = 1;
/// RCODE NXDOMAIN: the name does not exist.
pub const RCODE_NXDOMAIN: u8 = 3;

const FLAG_QR: u16 = 0x8000;
const FLAG_TC: u16 = 0x0200;
const FLAG_RD: u16 = 0x0100;
const HEADER_LEN: usize = 12;
/// Longest name on the wire, length octets included (RFC 1035 §2.3.4).
const MAX_NAME_WIRE: usize = 255;
/// Bounds pointer chasing well beyond any legitimate name.
const MAX_POINTERS: usize = 128;

/// Why octets are not a DNS message this parser accepts, or a name cannot be encoded.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum WireError {
    /// The message ends inside the structure named.
    #[error("message truncated in {0}")]
    Truncated(&'static str),
    /// A compression pointer that does not point strictly backwards, or too many of them.
    #[error("bad compression pointer at offset {0}")]
    BadPointer(usize),
    /// A label type other than a plain label or a pointer (RFC 6891 §5 retired the others).
    #[error("unsupported label type at offset {0}")]
    LabelType(usize),
    /// A name longer than 255 octets, or a label longer than 63.
    #[error("name too long")]
    NameTooLong,
    /// A name in text form with an empty label or a bad escape.
    #[error("invalid name {0:?}")]
    InvalidName(String),
    /// RDATA whose length does not fit its type.
    #[error("malformed RDATA of type {0}")]
    BadRdata(u16),
    /// A message that would exceed 65535 octets.
    #[error("message too long")]
    TooLong,
}

/// A parsed (or to-be-encoded) DNS message. Names are in text form: labels joined by `.`, no
/// trailing dot, the root as `""`, `.`/`\` escaped as `\.`/`\\` and other non-graphic octets as `\DDD`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Transaction ID.
    pub id: u16,
    /// The 16 flag bits (QR, opcode, AA, TC, RD, RA, Z, RCODE).
    pub flags: u16,
    /// The question section.
    pub questions: Vec<Question>,
    /// The answer section.
    pub answers: Vec<Record>,
    /// The authority section.
    pub authorities: Vec<Record>,
    /// The additional section.
    pub additionals: Vec<Record>,
}

impl Message {
    /// True for a response (QR set).
    pub fn is_response(&self) -> bool {
        self.flags & FLAG_QR != 0
    }

    /// True when the server truncated the response (TC set): retry over TCP.
    pub fn is_truncated(&self) -> bool {
        self.flags & FLAG_TC != 0
    }

    /// The 4-bit response code.
    pub fn rcode(&self) -> u8 {
        (self.flags & 0x000f) as u8
    }
}

/// One question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    /// The name asked about.
    pub name: String,
    /// The RR type asked for.
    pub qtype: u16,
    /// The class (top bit is the mDNS unicast-response bit).
    pub qclass: u16,
}

/// One resource record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Owner name.
    pub name: String,
    /// RR type.
    pub rtype: u16,
    /// Class (top bit is the mDNS cache-flush bit; for OPT, the UDP payload size).
    pub class: u16,
    /// Time to live.
    pub ttl: u32,
    /// Decoded RDATA.
    pub data: RecordData,
}

/// RDATA of the types discovery reads; anything else is kept as octets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordData {
    /// An IPv4 address.
    A(Ipv4Addr),
    /// An IPv6 address.
    Aaaa(Ipv6Addr),
    /// A canonical name.
    Cname(String),
    /// The character-strings of a TXT record.
    Txt(Vec<Vec<u8>>),
    /// An SRV record.
    Srv {
        /// Priority.
        priority: u16,
        /// Weight.
        weight: u16,
        /// Port.
        port: u16,
        /// Target host name.
        target: String,
    },
    /// RDATA of another type, as received.
    Other(Vec<u8>),
}

/// Encodes a standard query for `name`/`qtype` in class IN. `recursion` sets RD (unicast DNS);
/// `edns_udp_size` adds an OPT record advertising that UDP payload size.
pub fn encode_query(
    id: u16,
    name: &str,
    qtype: u16,
    recursion: bool,
    edns_udp_size: Option<u16>,
) -> Result<Vec<u8>, WireError> {
    let message = Message {
        id,
        flags: if recursion { FLAG_RD } else { 0 },
        questions: vec![Question { name: name.to_owned(), qtype, qclass: CLASS_IN }],
        answers: Vec::new(),
        authorities: Vec::new(),
        additionals: edns_udp_size
            .map(|size| Record {
                name: String::new(),
                rtype: TYPE_OPT,
                class: size,
                ttl: 0,
                data: RecordData::Other(Vec::new()),
            })
            .into_iter()
            .collect(),
    };
    encode_message(&message)
}

/// Encodes a message without name compression (what test servers and the fuzz target need).
pub fn encode_message(message: &Message) -> Result<Vec<u8>, WireError> {
    let mut out = Vec::with_capacity(512);
    out.extend_from_slice(&message.id.to_be_bytes());
    out.extend_from_slice(&message.flags.to_be_bytes());
    for count in [message.questions.len(), message.answers.len(), message.authorities.len(), message.additionals.len()]
    {
        out.extend_from_slice(&u16::try_from(count).map_err(|_| WireError::TooLong)?.to_be_bytes());
    }
    for question in &message.questions {
        encode_name(&question.name, &mut out)?;
        out.extend_from_slice(&question.qtype.to_be_bytes());
        out.extend_from_slice(&question.qclass.to_be_bytes());
    }
    for record in message.answers.iter().chain(&message.authorities).chain(&message.additionals) {
        encode_name(&record.name, &mut out)?;
        out.extend_from_slice(&record.rtype.to_be_bytes());
        out.extend_from_slice(&record.class.to_be_bytes());
        out.extend_from_slice(&record.ttl.to_be_bytes());
        let mut rdata = Vec::new();
        match &record.data {
            RecordData::A(ip) => rdata.extend_from_slice(&ip.octets()),
            RecordData::Aaaa(ip) => rdata.extend_from_slice(&ip.octets()),
            RecordData::Cname(name) => encode_name(name, &mut rdata)?,
            RecordData::Txt(strings) => {
                rdata = sztp_protocol::dns::txt_rdata(strings).map_err(|_| WireError::BadRdata(TYPE_TXT))?;
            }
            RecordData::Srv { priority, weight, port, target } => {
                for field in [priority, weight, port] {
                    rdata.extend_from_slice(&field.to_be_bytes());
                }
                encode_name(target, &mut rdata)?;
            }
            RecordData::Other(bytes) => rdata.extend_from_slice(bytes),
        }
        out.extend_from_slice(&u16::try_from(rdata.len()).map_err(|_| WireError::TooLong)?.to_be_bytes());
        out.extend_from_slice(&rdata);
    }
    if out.len() > usize::from(u16::MAX) {
        return Err(WireError::TooLong);
    }
    Ok(out)
}

/// Parses a whole message. Trailing octets after the last record are ignored.
pub fn parse_message(bytes: &[u8]) -> Result<Message, WireError> {
    let header = bytes.get(..HEADER_LEN).ok_or(WireError::Truncated("header"))?;
    let word = |i: usize| u16::from_be_bytes([header[i], header[i + 1]]);
    let (id, flags) = (word(0), word(2));
    let counts = [word(4), word(6), word(8), word(10)];
    let mut pos = HEADER_LEN;
    let mut questions = Vec::new();
    for _ in 0..counts[0] {
        let (name, next) = read_name(bytes, pos)?;
        let fixed = bytes.get(next..next + 4).ok_or(WireError::Truncated("question"))?;
        questions.push(Question {
            name,
            qtype: u16::from_be_bytes([fixed[0], fixed[1]]),
            qclass: u16::from_be_bytes([fixed[2], fixed[3]]),
        });
        pos = next + 4;
    }
    let mut sections: [Vec<Record>; 3] = Default::default();
    for (section, count) in sections.iter_mut().zip(&counts[1..]) {
        for _ in 0..*count {
            let (record, next) = read_record(bytes, pos)?;
            section.push(record);
            pos = next;
        }
    }
    let [answers, authorities, additionals] = sections;
    Ok(Message { id, flags, questions, answers, authorities, additionals })
}

fn read_record(bytes: &[u8], pos: usize) -> Result<(Record, usize), WireError> {
    let (name, next) = read_name(bytes, pos)?;
    let fixed = bytes.get(next..next + 10).ok_or(WireError::Truncated("record header"))?;
    let rtype = u16::from_be_bytes([fixed[0], fixed[1]]);
    let class = u16::from_be_bytes([fixed[2], fixed[3]]);
    let ttl = u32::from_be_bytes([fixed[4], fixed[5], fixed[6], fixed[7]]);
    let rdlen = usize::from(u16::from_be_bytes([fixed[8], fixed[9]]));
    let start = next + 10;
    let rdata = bytes.get(start..start + rdlen).ok_or(WireError::Truncated("RDATA"))?;
    let data = match rtype {
        TYPE_A => RecordData::A(<[u8; 4]>::try_from(rdata).map_err(|_| WireError::BadRdata(rtype))?.into()),
        TYPE_AAAA => RecordData::Aaaa(<[u8; 16]>::try_from(rdata).map_err(|_| WireError::BadRdata(rtype))?.into()),
        TYPE_CNAME => RecordData::Cname(read_name_within(bytes, start, start + rdlen, rtype)?),
        TYPE_TXT => {
            RecordData::Txt(sztp_protocol::dns::parse_txt_rdata(rdata).map_err(|_| WireError::BadRdata(rtype))?)
        }
        TYPE_SRV => {
            let fixed = rdata.get(..6).ok_or(WireError::BadRdata(rtype))?;
            let word = |i: usize| u16::from_be_bytes([fixed[i], fixed[i + 1]]);
            let target = read_name_within(bytes, start + 6, start + rdlen, rtype)?;
            RecordData::Srv { priority: word(0), weight: word(2), port: word(4), target }
        }
        _ => RecordData::Other(rdata.to_vec()),
    };
    Ok((Record { name, rtype, class, ttl, data }, start + rdlen))
}

/// Reads a name that must end exactly at `end` (the end of its RDATA).
fn read_name_within(bytes: &[u8], pos: usize, end: usize, rtype: u16) -> Result<String, WireError> {
    match read_name(bytes, pos)? {
        (name, next) if next == end => Ok(name),
        _ => Err(WireError::BadRdata(rtype)),
    }
}

/// Reads a possibly compressed name at `pos`; returns it and the offset just past it.
fn read_name(bytes: &[u8], mut pos: usize) -> Result<(String, usize), WireError> {
    let mut text = String::new();
    let mut wire_len = 1;
    let mut after: Option<usize> = None;
    let mut barrier = pos;
    let mut pointers = 0;
    loop {
        let len = *bytes.get(pos).ok_or(WireError::Truncated("name"))?;
        match len & 0xc0 {
            0x00 if len == 0 => {
                return Ok((text, after.unwrap_or(pos + 1)));
            }
            0x00 => {
                let label = bytes.get(pos + 1..pos + 1 + usize::from(len)).ok_or(WireError::Truncated("label"))?;
                wire_len += 1 + label.len();
                if wire_len > MAX_NAME_WIRE {
                    return Err(WireError::NameTooLong);
                }
                push_label(&mut text, label);
                pos += 1 + label.len();
            }
            0xc0 => {
                let low = *bytes.get(pos + 1).ok_or(WireError::Truncated("pointer"))?;
                let target = usize::from(u16::from_be_bytes([len & 0x3f, low]));
                pointers += 1;
                if target >= barrier || pointers > MAX_POINTERS {
                    return Err(WireError::BadPointer(pos));
                }
                after.get_or_insert(pos + 2);
                barrier = target;
                pos = target;
            }
            _ => return Err(WireError::LabelType(pos)),
        }
    }
}

/// Appends a label in text form; labels are never empty, so an empty `text` means the first.
fn push_label(text: &mut String, label: &[u8]) {
    use fmt::Write;
    if !text.is_empty() {
        text.push('.');
    }
    for &b in label {
        match b {
            b'.' | b'\\' => {
                text.push('\\');
                text.push(char::from(b));
            }
            _ if b.is_ascii_graphic() => text.push(char::from(b)),
            _ => {
                let _ = write!(text, "\\{b:03}");
            }
        }
    }
}

/// Encodes a text-form name (see [`Message`]; a trailing dot is also accepted) uncompressed.
fn encode_name(name: &str, out: &mut Vec<u8>) -> Result<(), WireError> {
    let invalid = || WireError::InvalidName(name.to_owned());
    let mut wire_len = 1;
    if !name.is_empty() && name != "." {
        let bytes = name.as_bytes();
        let mut label = Vec::new();
        let mut i = 0;
        loop {
            match bytes.get(i) {
                None | Some(b'.') => {
                    if label.is_empty() || label.len() > 63 {
                        return Err(if label.is_empty() { invalid() } else { WireError::NameTooLong });
                    }
                    wire_len += 1 + label.len();
                    if wire_len > MAX_NAME_WIRE {
                        return Err(WireError::NameTooLong);
                    }
                    out.push(label.len() as u8);
                    out.append(&mut label);
                    // The end, or a final dot (the fully qualified presentation form).
                    if bytes.get(i).is_none() || i + 1 == bytes.len() {
                        break;
                    }
                    i += 1;
                }
                Some(b'\\') => {
                    let digits = bytes.get(i + 1..i + 4).filter(|d| d.iter().all(u8::is_ascii_digit));
                    if let Some(d) = digits {
                        let value = d.iter().fold(0u16, |acc, c| acc * 10 + u16::from(c - b'0'));
                        label.push(u8::try_from(value).map_err(|_| invalid())?);
                        i += 4;
                    } else {
                        label.push(*bytes.get(i + 1).ok_or_else(invalid)?);
                        i += 2;
                    }
                }
                Some(&b) => {
                    label.push(b);
                    i += 1;
                }
            }
        }
    }
    out.push(0);
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn response(answers: Vec<Record>) -> Message {
        Message {
            id: 0xbeef,
            flags: FLAG_QR | FLAG_RD | 0x0080,
            questions: vec![Question { name: "_sztp._tcp.example.com".into(), qtype: TYPE_SRV, qclass: CLASS_IN }],
            answers,
            authorities: Vec::new(),
            additionals: vec![Record {
                name: "sztp1.example.com".into(),
                rtype: TYPE_A,
                class: CLASS_IN,
                ttl: 60,
                data: RecordData::A([192, 0, 2, 7].into()),
            }],
        }
    }

    #[test]
    fn query_wire_form_matches_rfc_1035() {
        let wire = encode_query(0x1234, "SN-1._sztp.example.com", TYPE_TXT, true, Some(1232)).unwrap();
        assert_eq!(&wire[..12], &[0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1]);
        assert_eq!(&wire[12..17], b"\x04SN-1");
        let parsed = parse_message(&wire).unwrap();
        assert_eq!(parsed.questions[0].name, "SN-1._sztp.example.com");
        assert_eq!(parsed.additionals[0].rtype, TYPE_OPT);
        assert_eq!(parsed.additionals[0].class, 1232);
        assert!(!parsed.is_response());
    }

    #[test]
    fn messages_round_trip() {
        let srv = RecordData::Srv { priority: 0, weight: 5, port: 8443, target: "sztp1.example.com".into() };
        let message = response(vec![
            Record { name: "_sztp._tcp.example.com".into(), rtype: TYPE_SRV, class: CLASS_IN, ttl: 1800, data: srv },
            Record {
                name: "a\\.b\\\\c\\000".into(),
                rtype: TYPE_TXT,
                class: 0x8001,
                ttl: 0,
                data: RecordData::Txt(vec![b"ci=x".to_vec(), vec![]]),
            },
            Record { name: "x".into(), rtype: 99, class: CLASS_IN, ttl: 1, data: RecordData::Other(vec![1, 2, 3]) },
        ]);
        let wire = encode_message(&message).unwrap();
        assert_eq!(parse_message(&wire).unwrap(), message);
        assert!(parse_message(&wire).unwrap().is_response());
    }

    #[test]
    fn compressed_names_are_followed() {
        // Question `example.com`, answer owner = pointer to it, CNAME target `www` + pointer.
        let mut wire = vec![0, 1, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0];
        wire.extend_from_slice(b"\x07example\x03com\x00\x00\x05\x00\x01");
        wire.extend_from_slice(&[0xc0, 12, 0, 5, 0, 1, 0, 0, 0, 60, 0, 6]);
        wire.extend_from_slice(b"\x03www\xc0\x0c");
        let message = parse_message(&wire).unwrap();
        assert_eq!(message.answers[0].name, "example.com");
        assert_eq!(message.answers[0].data, RecordData::Cname("www.example.com".into()));
    }

    #[test]
    fn pointer_loops_and_forward_pointers_are_rejected() {
        let mut looped = vec![0, 1, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0];
        looped.extend_from_slice(&[0xc0, 12, 0, 16, 0, 1]);
        assert_eq!(parse_message(&looped), Err(WireError::BadPointer(12)));
        let mut forward = vec![0, 1, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0];
        forward.extend_from_slice(&[0xc0, 14, 0, 0, 16, 0, 1]);
        assert_eq!(parse_message(&forward), Err(WireError::BadPointer(12)));
    }

    #[test]
    fn malformed_messages_are_errors() {
        let good = encode_message(&response(vec![])).unwrap();
        for cut in 0..good.len() {
            assert!(parse_message(&good[..cut]).is_err(), "cut at {cut}");
        }
        let mut bad_a = encode_message(&response(vec![])).unwrap();
        let len = bad_a.len();
        bad_a[len - 6] = 0;
        bad_a[len - 5] = 3;
        assert!(parse_message(&bad_a[..len - 1]).is_err());
        let mut label_type = vec![0; 12];
        label_type[5] = 1;
        label_type.push(0x40);
        assert_eq!(parse_message(&label_type), Err(WireError::LabelType(12)));
    }

    /// The fuzz target's invariant over mutations of valid messages (a cheap, deterministic stand-in
    /// for `cargo fuzz run dns_message` that runs with the unit tests).
    #[test]
    fn mutated_messages_never_panic_and_accepted_ones_round_trip() {
        let srv = RecordData::Srv { priority: 1, weight: 2, port: 3, target: "t.example.com".into() };
        let mut seeds = vec![
            encode_message(&response(vec![
                Record { name: "_sztp._tcp.example.com".into(), rtype: TYPE_SRV, class: CLASS_IN, ttl: 5, data: srv },
                Record {
                    name: "n".into(),
                    rtype: TYPE_TXT,
                    class: CLASS_IN,
                    ttl: 5,
                    data: RecordData::Txt(vec![b"ci=1".to_vec()]),
                },
            ]))
            .unwrap(),
        ];
        let mut compressed = vec![0, 1, 0x81, 0x80, 0, 1, 0, 2, 0, 0, 0, 0];
        compressed.extend_from_slice(b"\x07example\x03com\x00\x00\x05\x00\x01");
        compressed.extend_from_slice(&[0xc0, 12, 0, 5, 0, 1, 0, 0, 0, 60, 0, 6]);
        compressed.extend_from_slice(b"\x03www\xc0\x0c");
        compressed.extend_from_slice(&[0xc0, 41, 0, 28, 0, 1, 0, 0, 0, 60, 0, 16]);
        compressed.extend_from_slice(&[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
        assert!(parse_message(&compressed).is_ok());
        seeds.push(compressed);
        let mut rng = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng
        };
        let mut accepted = 0;
        for round in 0..20_000 {
            let mut input = seeds[round % seeds.len()].clone();
            for _ in 0..=(next() % 4) {
                let at = (next() as usize) % input.len();
                match next() % 3 {
                    0 => input[at] = next() as u8,
                    1 => input.truncate(at.max(1)),
                    _ => input.insert(at, next() as u8),
                }
            }
            if let Ok(message) = parse_message(&input) {
                accepted += 1;
                if let Ok(wire) = encode_message(&message) {
                    assert_eq!(parse_message(&wire).unwrap(), message, "{input:02x?}");
                }
            }
        }
        assert!(accepted > 100, "mutations should not all be rejected ({accepted})");
    }

    #[test]
    fn names_longer_than_255_octets_are_refused_both_ways() {
        let long = vec!["a".repeat(63); 4].join(".");
        assert_eq!(encode_query(1, &long, TYPE_TXT, true, None), Err(WireError::NameTooLong));
        assert_eq!(encode_query(1, &"a".repeat(64), TYPE_TXT, true, None), Err(WireError::NameTooLong));
        assert!(matches!(encode_query(1, "a..b", TYPE_TXT, true, None), Err(WireError::InvalidName(_))));
        assert!(matches!(encode_query(1, "a.b..", TYPE_TXT, true, None), Err(WireError::InvalidName(_))));
        assert!(matches!(encode_query(1, ".a", TYPE_TXT, true, None), Err(WireError::InvalidName(_))));
        let fqdn = encode_query(1, "example.com.", TYPE_TXT, true, None).unwrap();
        assert_eq!(fqdn, encode_query(1, "example.com", TYPE_TXT, true, None).unwrap());
        // `a\\.` is the label `a\` then the final dot; `a\.` is the one label `a.`.
        let backslash = encode_query(1, "a\\\\.", TYPE_TXT, true, None).unwrap();
        assert_eq!(parse_message(&backslash).unwrap().questions[0].name, "a\\\\");
        let escaped_dot = encode_query(1, "a\\.", TYPE_TXT, true, None).unwrap();
        assert_eq!(parse_message(&escaped_dot).unwrap().questions[0].name, "a\\.");
        let root = encode_query(1, ".", TYPE_TXT, true, None).unwrap();
        assert_eq!(parse_message(&root).unwrap().questions[0].name, "");
        assert!(matches!(encode_query(1, "a\\256", TYPE_TXT, true, None), Err(WireError::InvalidName(_))));
        let ok = ["a".repeat(63), "a".repeat(63), "a".repeat(63), "a".repeat(61)].join(".");
        let wire = encode_query(1, &ok, TYPE_TXT, true, None).unwrap();
        assert_eq!(parse_message(&wire).unwrap().questions[0].name, ok);
    }
}
