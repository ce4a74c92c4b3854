use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use const_oid::AssociatedOid;
use der::asn1::PrintableStringRef;
use der::flagset::FlagSet;
use der::{Decode, Tag, Tagged};
use sztp_protocol::x509::{PathOptions, validate_path};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, ExtendedKeyUsage, SubjectAltName};

use super::*;
use crate::KeyAlgorithm;

const ID_KP_SERVER_AUTH: const_oid::ObjectIdentifier = const_oid::ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.1");
const ID_KP_CLIENT_AUTH: const_oid::ObjectIdentifier = const_oid::ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.2");

fn root(alg: KeyAlgorithm) -> CertificateAuthority {
    CertificateAuthority::new_root("CN=Test Root,O=Example", PrivateKey::generate(alg).unwrap(), 3650).unwrap()
}

fn leaf_request<'a>(subject: &'a str, public_key_der: &'a [u8], profile: Profile) -> IssueRequest<'a> {
    let now = OffsetDateTime::now_utc();
    IssueRequest { subject, public_key_der, profile, not_before: now, not_after: now + Duration::days(30) }
}

fn parse(der: &[u8]) -> Certificate {
    Certificate::from_der(der).unwrap()
}

fn ext<'a, T: Decode<'a> + AssociatedOid>(cert: &'a Certificate) -> Option<(bool, T)> {
    cert.tbs_certificate().get_extension::<T>().unwrap()
}

fn usage(cert: &Certificate) -> KeyUsage {
    let (critical, ku) = ext::<KeyUsage>(cert).unwrap();
    assert!(critical, "keyUsage must be critical");
    ku
}

/// Validates `leaf` up to `anchor` with sztp-protocol's RFC 5280 path validation.
fn assert_chains(leaf: &[u8], intermediates: &[Vec<u8>], anchor: &[u8]) {
    use sztp_protocol::x509::Certificate as C;
    let inter: Vec<C> = intermediates.iter().map(|d| C::from_der(d).unwrap()).collect();
    let opts = PathOptions { time: Some(OffsetDateTime::now_utc()), ..Default::default() };
    validate_path(&C::from_der(leaf).unwrap(), &inter, &[C::from_der(anchor).unwrap()], &opts).unwrap();
}

#[test]
fn root_ca_is_a_self_signed_ca_with_matching_key_identifiers() {
    for (alg, sig_oid) in [
        (KeyAlgorithm::EcdsaP256, "1.2.840.10045.4.3.2"),
        (KeyAlgorithm::EcdsaP384, "1.2.840.10045.4.3.3"),
        (KeyAlgorithm::Rsa2048, "1.2.840.113549.1.1.11"),
    ] {
        let ca = root(alg);
        let cert = parse(ca.certificate_der());
        assert_eq!(cert.signature_algorithm().oid.to_string(), sig_oid);
        assert_eq!(cert.tbs_certificate().issuer(), cert.tbs_certificate().subject());
        assert_eq!(ca.subject(), "CN=Test Root,O=Example");
        let (critical, bc) = ext::<BasicConstraints>(&cert).unwrap();
        assert!(critical && bc.ca && bc.path_len_constraint.is_none());
        assert_eq!(usage(&cert).0, KeyUsages::KeyCertSign | KeyUsages::CRLSign);
        let (_, ski) = ext::<SubjectKeyIdentifier>(&cert).unwrap();
        let (_, aki) = ext::<AuthorityKeyIdentifier>(&cert).unwrap();
        assert_eq!(aki.key_identifier.as_ref(), Some(&ski.0));
        assert_eq!(ski.0.as_bytes(), ca.key_id());
        assert!(ext::<ExtendedKeyUsage>(&cert).is_none());
        assert_eq!(ca.chain_der(), vec![ca.certificate_der().to_vec()]);
        assert_chains(ca.certificate_der(), &[], ca.certificate_der());
    }
}

#[test]
fn intermediate_ca_has_path_len_zero_and_chains_to_the_root() {
    let root = root(KeyAlgorithm::EcdsaP384);
    let inter =
        root.issue_intermediate("CN=Issuing CA", PrivateKey::generate(KeyAlgorithm::EcdsaP256).unwrap(), 365).unwrap();
    let cert = parse(inter.certificate_der());
    let (_, bc) = ext::<BasicConstraints>(&cert).unwrap();
    assert!(bc.ca);
    assert_eq!(bc.path_len_constraint, Some(0));
    assert_eq!(inter.chain_der(), vec![inter.certificate_der().to_vec(), root.certificate_der().to_vec()]);
    let (_, aki) = ext::<AuthorityKeyIdentifier>(&cert).unwrap();
    assert_eq!(aki.key_identifier.unwrap().as_bytes(), root.key_id());
    // Signed by the P-384 root, so ecdsa-with-SHA384.
    assert_eq!(cert.signature_algorithm().oid.to_string(), "1.2.840.10045.4.3.3");
    assert_chains(inter.certificate_der(), &[], root.certificate_der());

    let err = inter.issue_intermediate("CN=Too deep", PrivateKey::generate(KeyAlgorithm::EcdsaP256).unwrap(), 30);
    assert!(err.unwrap_err().to_string().contains("pathLenConstraint 0"));
}

#[test]
fn device_identity_carries_the_serial_number_and_no_extended_key_usage() {
    let root = root(KeyAlgorithm::EcdsaP256);
    for (alg, extra) in
        [(KeyAlgorithm::EcdsaP256, KeyUsages::KeyAgreement), (KeyAlgorithm::Rsa2048, KeyUsages::KeyEncipherment)]
    {
        let key = PrivateKey::generate(alg).unwrap();
        let spki = key.public_key_der();
        let profile = Profile::DeviceIdentity { serial_number: "SN-0042".into() };
        let cert = parse(&root.issue(&leaf_request("CN=Switch,O=Vendor", &spki, profile)).unwrap());
        assert_eq!(name_to_string(cert.tbs_certificate().subject()), "CN=Switch,O=Vendor,SERIALNUMBER=SN-0042");
        let serial = cert.tbs_certificate().subject().iter().find(|a| a.oid == ID_AT_SERIAL_NUMBER);
        let serial = serial.unwrap();
        assert_eq!(serial.value.tag(), Tag::PrintableString);
        assert_eq!(PrintableStringRef::try_from(&serial.value).unwrap().as_str(), "SN-0042");
        assert_eq!(usage(&cert).0, KeyUsages::DigitalSignature | extra);
        assert!(ext::<ExtendedKeyUsage>(&cert).is_none());
        assert!(!ext::<BasicConstraints>(&cert).unwrap().1.ca);
        assert_chains(&der::Encode::to_der(&cert).unwrap(), &[], root.certificate_der());
    }
}

#[test]
fn device_identity_keeps_a_matching_serial_number_and_refuses_a_different_one() {
    let root = root(KeyAlgorithm::EcdsaP256);
    let spki = PrivateKey::generate(KeyAlgorithm::EcdsaP256).unwrap().public_key_der();
    let profile = Profile::DeviceIdentity { serial_number: "A1".into() };
    let cert = parse(&root.issue(&leaf_request("serialNumber=A1,CN=d", &spki, profile.clone())).unwrap());
    assert_eq!(name_to_string(cert.tbs_certificate().subject()), "SERIALNUMBER=A1,CN=d");
    let err = root.issue(&leaf_request("CN=d,serialNumber=B2", &spki, profile)).unwrap_err();
    assert!(err.to_string().contains("already has a serialNumber other than 'A1'"), "{err}");
    let bad = Profile::DeviceIdentity { serial_number: "no_underscores".into() };
    assert!(root.issue(&leaf_request("CN=d", &spki, bad)).is_err());
}

#[test]
fn tls_server_has_server_auth_and_subject_alt_names() {
    let root = root(KeyAlgorithm::Rsa2048);
    let spki = PrivateKey::generate(KeyAlgorithm::EcdsaP256).unwrap().public_key_der();
    let ips = vec![IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)), IpAddr::V6(Ipv6Addr::LOCALHOST)];
    let profile = Profile::TlsServer { dns_names: vec!["sztp.example.com".into()], ip_addresses: ips };
    let cert = parse(&root.issue(&leaf_request("CN=sztp.example.com", &spki, profile)).unwrap());
    assert_eq!(cert.signature_algorithm().oid.to_string(), "1.2.840.113549.1.1.11");
    let (critical, eku) = ext::<ExtendedKeyUsage>(&cert).unwrap();
    assert!(!critical);
    assert_eq!(eku.0, vec![ID_KP_SERVER_AUTH]);
    assert_eq!(usage(&cert).0, FlagSet::from(KeyUsages::DigitalSignature));
    let (critical, san) = ext::<SubjectAltName>(&cert).unwrap();
    assert!(!critical);
    assert_eq!(san.0.len(), 3);
    assert!(matches!(&san.0[0], GeneralName::DnsName(n) if n.as_str() == "sztp.example.com"));
    assert!(matches!(&san.0[1], GeneralName::IpAddress(o) if o.as_bytes() == [192, 0, 2, 1]));

    let rsa = PrivateKey::generate(KeyAlgorithm::Rsa2048).unwrap().public_key_der();
    let profile = Profile::TlsServer { dns_names: vec![], ip_addresses: vec![IpAddr::V4(Ipv4Addr::LOCALHOST)] };
    let cert = parse(&root.issue(&leaf_request("", &rsa, profile)).unwrap());
    assert_eq!(usage(&cert).0, KeyUsages::DigitalSignature | KeyUsages::KeyEncipherment);
    assert!(ext::<SubjectAltName>(&cert).unwrap().0, "SAN is critical when the subject is empty");
}

#[test]
fn tls_client_and_cms_signer_profiles() {
    let root = root(KeyAlgorithm::EcdsaP256);
    let spki = PrivateKey::generate(KeyAlgorithm::EcdsaP384).unwrap().public_key_der();
    let client = parse(&root.issue(&leaf_request("CN=admin", &spki, Profile::TlsClient)).unwrap());
    assert_eq!(ext::<ExtendedKeyUsage>(&client).unwrap().1.0, vec![ID_KP_CLIENT_AUTH]);
    assert_eq!(usage(&client).0, FlagSet::from(KeyUsages::DigitalSignature));

    let signer = parse(&root.issue(&leaf_request("CN=Owner,O=Example", &spki, Profile::CmsSigner)).unwrap());
    assert_eq!(usage(&signer).0, FlagSet::from(KeyUsages::DigitalSignature));
    assert!(ext::<ExtendedKeyUsage>(&signer).is_none());
    assert!(ext::<SubjectAltName>(&signer).is_none());
    assert_ne!(client.tbs_certificate().serial_number(), signer.tbs_certificate().serial_number());
}

#[test]
fn issuance_refuses_bad_requests() {
    let ca = root(KeyAlgorithm::EcdsaP256);
    let spki = PrivateKey::generate(KeyAlgorithm::EcdsaP256).unwrap().public_key_der();
    let err = ca.issue(&leaf_request("CN=r", &spki, Profile::RootCa)).unwrap_err();
    assert!(err.to_string().contains("new_root"), "{err}");

    let mut req = leaf_request("CN=x", &spki, Profile::CmsSigner);
    req.not_after = ca.validity().1 + Duration::days(1);
    assert!(matches!(ca.issue(&req), Err(CaError::InvalidValidity(m)) if m.contains("after the issuing CA")));
    req.not_after = req.not_before;
    assert!(matches!(ca.issue(&req), Err(CaError::InvalidValidity(_))));

    let err = ca.issue(&leaf_request("CN=x", b"\x30\x00", Profile::CmsSigner)).unwrap_err();
    assert!(matches!(err, CaError::UnsupportedPublicKey(_)), "{err}");
    assert!(ca.issue(&leaf_request("CN", &spki, Profile::CmsSigner)).is_err());
    assert!(CertificateAuthority::new_root("CN=x", PrivateKey::generate(KeyAlgorithm::EcdsaP256).unwrap(), 0).is_err());
}

#[test]
fn from_parts_checks_the_key_and_the_ca_flag() {
    let ca = root(KeyAlgorithm::EcdsaP256);
    let again = CertificateAuthority::from_parts(ca.certificate_der().to_vec(), vec![], ca.key().clone()).unwrap();
    assert_eq!(again.key_id(), ca.key_id());

    let other = PrivateKey::generate(KeyAlgorithm::EcdsaP256).unwrap();
    let err = CertificateAuthority::from_parts(ca.certificate_der().to_vec(), vec![], other.clone()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the private key does not match the public key of certificate 'CN=Test Root,O=Example'"
    );

    let leaf = ca.issue(&leaf_request("CN=leaf", &other.public_key_der(), Profile::CmsSigner)).unwrap();
    let err = CertificateAuthority::from_parts(leaf, vec![], other).unwrap_err();
    assert!(err.to_string().contains("is not a CA certificate"), "{err}");
    assert!(CertificateAuthority::from_parts(vec![0x30, 0x00], vec![], ca.key().clone()).is_err());
}

#[test]
fn explicit_path_lengths_are_bounded_by_the_issuer() {
    let root = root(KeyAlgorithm::EcdsaP256);
    let key = PrivateKey::generate(KeyAlgorithm::EcdsaP256).unwrap();
    let spki = key.public_key_der();
    let der = root.issue(&leaf_request("CN=Policy CA", &spki, Profile::IntermediateCa { path_len: Some(1) })).unwrap();
    let policy = CertificateAuthority::from_parts(der, root.chain_der(), key).unwrap();
    let sub = policy.issue_intermediate("CN=Sub", PrivateKey::generate(KeyAlgorithm::EcdsaP256).unwrap(), 10).unwrap();
    assert_eq!(ext::<BasicConstraints>(sub.certificate()).unwrap().1.path_len_constraint, Some(0));
    assert_eq!(sub.chain_der().len(), 3);
    let too_long = Profile::IntermediateCa { path_len: Some(1) };
    assert!(policy.issue(&leaf_request("CN=x", &spki, too_long)).is_err());
    let unbounded = Profile::IntermediateCa { path_len: None };
    assert!(policy.issue(&leaf_request("CN=x", &spki, unbounded)).is_err());
}
