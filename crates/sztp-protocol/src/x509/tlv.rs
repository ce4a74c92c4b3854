//! A minimal DER TLV walker and writer, used where exact received bytes matter (signed
//! TBSCertificate / TBSCertList / SignedAttributes) and where re-encoding could alter them.

/// One DER element: its identifier octet, its whole encoding and its contents.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tlv<'a> {
    /// The identifier octet (only low-tag-number form is accepted).
    pub(crate) tag: u8,
    /// The complete encoding: identifier, length and contents.
    pub(crate) raw: &'a [u8],
    /// The contents octets.
    pub(crate) value: &'a [u8],
}

/// Reads one DER element from the front of `input`, advancing it. Definite minimal lengths only.
pub(crate) fn read<'a>(input: &mut &'a [u8]) -> Result<Tlv<'a>, String> {
    let all: &'a [u8] = input;
    let (&tag, rest) = all.split_first().ok_or("truncated: expected an element")?;
    if tag & 0x1f == 0x1f {
        return Err(format!("high-tag-number identifier 0x{tag:02x} not supported here"));
    }
    let (&first, rest) = rest.split_first().ok_or("truncated: missing length")?;
    let (len, rest) = match first {
        0x00..=0x7f => (usize::from(first), rest),
        0x80 => return Err("indefinite length is not DER".into()),
        0x81..=0x84 => {
            let n = usize::from(first & 0x7f);
            if rest.len() < n {
                return Err("truncated length".into());
            }
            let (bytes, rest) = rest.split_at(n);
            if bytes[0] == 0 {
                return Err("non-minimal length encoding".into());
            }
            let len = bytes.iter().fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
            if len < 0x80 {
                return Err("non-minimal length encoding".into());
            }
            (len, rest)
        }
        _ => return Err("length too large".into()),
    };
    if rest.len() < len {
        return Err(format!("truncated: element of {len} bytes, {} available", rest.len()));
    }
    let header = all.len() - rest.len();
    let raw = &all[..header + len];
    let value = &rest[..len];
    *input = &rest[len..];
    Ok(Tlv { tag, raw, value })
}

/// Splits the contents of a constructed element into its child elements.
pub(crate) fn children(mut value: &[u8]) -> Result<Vec<Tlv<'_>>, String> {
    let mut out = Vec::new();
    while !value.is_empty() {
        out.push(read(&mut value)?);
    }
    Ok(out)
}

/// Reads exactly one element spanning all of `input` (no trailing bytes).
pub(crate) fn single(mut input: &[u8]) -> Result<Tlv<'_>, String> {
    let tlv = read(&mut input)?;
    if !input.is_empty() {
        return Err(format!("{} trailing bytes after the element", input.len()));
    }
    Ok(tlv)
}

/// The raw encoding of the first child of a SEQUENCE (the TBS part of a signed X.509 object).
pub(crate) fn first_child(der: &[u8]) -> Result<&[u8], String> {
    let outer = single(der)?;
    if outer.tag != 0x30 {
        return Err("not a SEQUENCE".into());
    }
    let mut value = outer.value;
    Ok(read(&mut value)?.raw)
}

/// Encodes one element with the given identifier octet; infallible for any content length.
pub(crate) fn encode(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len() + 6);
    out.push(tag);
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
    out
}

/// Encodes a SET OF (or an IMPLICIT-tagged one) with the elements sorted as DER requires.
pub(crate) fn encode_set(tag: u8, elements: &[&[u8]]) -> Vec<u8> {
    let mut sorted: Vec<&[u8]> = elements.to_vec();
    sorted.sort();
    sorted.dedup();
    encode(tag, &sorted.concat())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_short_and_long_lengths() {
        for n in [0usize, 1, 127, 128, 255, 256, 70_000] {
            let content = vec![7u8; n];
            let enc = encode(0x04, &content);
            let tlv = single(&enc).unwrap();
            assert_eq!((tlv.tag, tlv.value.len(), tlv.raw.len()), (0x04, n, enc.len()));
        }
    }

    #[test]
    fn rejects_non_der_and_truncation() {
        assert!(single(&[0x04, 0x80, 0, 0]).is_err());
        assert!(single(&[0x04, 0x81, 0x05, 1, 2, 3, 4, 5]).is_err());
        assert!(single(&[0x04, 0x03, 1, 2]).is_err());
        assert!(single(&[0x04, 0x01, 1, 2]).is_err());
        assert!(single(&[0x1f, 0x01, 0x00]).is_err());
        assert!(single(&[]).is_err());
    }
}
