//! A whole RFC 8572 signed bootstrap in one process, without a network: the owner signs
//! onboarding information, the manufacturer issues a voucher, everything is encrypted to the
//! device, and the device decrypts and runs the full §5.4 verification chain.
//!
//! Run with `cargo run -p sztp-protocol --example signed_bootstrap`.

use std::error::Error;

use sztp_protocol::cms::certs_only::build_certs_only;
use sztp_protocol::cms::content_type::{ContentType, ID_SIGNED_DATA};
use sztp_protocol::cms::enveloped_data::{decrypt, encrypt_to_certificate, signed_data_content_info};
use sztp_protocol::cms::signed_data::{IncludeCertificates, SignOptions, sign};
use sztp_protocol::cms::signer::Signer;
use sztp_protocol::model::YangDocument;
use sztp_protocol::model::conveyed_info::{
    BootImage, ConfigurationHandling, ConveyedInformation, HashAlgorithm, ImageVerification, OnboardingInformation,
};
use sztp_protocol::model::voucher::{Assertion, Voucher};
use sztp_protocol::trust::{DeviceContext, SignedArtifacts, verify_signed_data};
use sztp_protocol::x509::Certificate;
use sztp_testkit::TestPki;
use time::{Duration, OffsetDateTime};

const SERIAL: &str = "SN-0001";

fn main() -> Result<(), Box<dyn Error>> {
    let now = OffsetDateTime::now_utc();
    let pki = TestPki::generate();
    let idevid = pki.idevid(SERIAL);
    println!("1. generated manufacturer PKI, owner PKI and the IDevID of {SERIAL} (P-256)");

    // Owner side: onboarding information signed by the owner certificate (.43, JSON).
    let image = b"demo boot image bytes";
    let hash = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, image);
    let info = ConveyedInformation::Onboarding(OnboardingInformation {
        boot_image: Some(BootImage {
            os_name: Some("DemoOS".into()),
            os_version: Some("1.0".into()),
            download_uri: vec!["https://images.example.net/demoos-1.0.img".into()],
            image_verification: vec![ImageVerification {
                hash_algorithm: HashAlgorithm::Sha256,
                hash_value: hash.as_ref().to_vec(),
            }],
        }),
        configuration_handling: Some(ConfigurationHandling::Merge),
        pre_configuration_script: Some(b"#!/bin/sh\necho pre\n".to_vec()),
        configuration: Some(b"hostname demo-1\n".to_vec()),
        post_configuration_script: Some(b"#!/bin/sh\necho post\n".to_vec()),
    });
    let owner_chain =
        vec![Certificate::from_der(&pki.owner.cert_der)?, Certificate::from_der(&pki.owner_ca.issued.cert_der)?];
    let owner_signer = Signer::new(&pki.owner.key_pkcs8_der, owner_chain)?;
    let options = SignOptions { certificates: IncludeCertificates::None, signing_time: Some(now) };
    let conveyed = sign(ContentType::ConveyedInfoJson, &info.to_json(), &owner_signer, &options)?;
    println!("2. owner signed conveyed information: {} bytes of CMS SignedData (.43)", conveyed.len());

    // The owner certificate artifact: a certs-only SignedData with the chain to the pinned root.
    let owner_certificate = build_certs_only(
        &[&pki.owner.cert_der, &pki.owner_ca.issued.cert_der, &pki.owner_root.issued.cert_der],
        &[] as &[&[u8]],
    )?;
    println!("3. owner certificate artifact: {} bytes (degenerate certs-only CMS)", owner_certificate.len());

    // Manufacturer side: a voucher pinning the owner root, signed by the MASA (.40).
    let voucher = Voucher {
        created_on: now,
        expires_on: Some(now + Duration::days(30)),
        assertion: Assertion::Verified,
        serial_number: SERIAL.into(),
        idevid_issuer: None,
        pinned_domain_cert: pki.owner_root.issued.cert_der.clone(),
        domain_cert_revocation_checks: Some(false),
        nonce: None,
        last_renewal_date: None,
    };
    let masa_chain =
        vec![Certificate::from_der(&pki.masa.cert_der)?, Certificate::from_der(&pki.manufacturer_ca.issued.cert_der)?];
    let masa = Signer::new(&pki.masa.key_pkcs8_der, masa_chain)?;
    let ownership_voucher = sign(ContentType::AnimaJsonVoucher, &voucher.to_json(), &masa, &SignOptions::default())?;
    println!("4. manufacturer signed the ownership voucher: {} bytes (.40)", ownership_voucher.len());

    // The server encrypts each artifact to the device's IDevID (ECDH P-256, AES-256).
    let encrypted = [&conveyed, &owner_certificate, &ownership_voucher]
        .map(|artifact| encrypt_to_certificate(&idevid.cert_der, ID_SIGNED_DATA, artifact));
    let [conveyed_enc, owner_enc, voucher_enc] = encrypted;
    let (conveyed_enc, owner_enc, voucher_enc) = (conveyed_enc?, owner_enc?, voucher_enc?);
    println!("5. encrypted all three artifacts to the device's IDevID (EnvelopedData)");

    // Device side: decrypt with the IDevID key, then verify the §5.4 chain.
    let open = |der: &[u8]| -> Result<Vec<u8>, Box<dyn Error>> {
        let (inner_type, content) = decrypt(der, &idevid.cert_der, &idevid.key_pkcs8_der)?;
        Ok(signed_data_content_info(inner_type, &content)?)
    };
    let (conveyed, owner_certificate, ownership_voucher) =
        (open(&conveyed_enc)?, open(&owner_enc)?, open(&voucher_enc)?);
    println!("6. device decrypted the artifacts with its IDevID key");

    let mut device = DeviceContext::new(SERIAL, vec![Certificate::from_der(&pki.manufacturer_root.issued.cert_der)?]);
    device.idevid = Some(Certificate::from_der(&idevid.cert_der)?);
    device.now = Some(now);
    let artifacts = SignedArtifacts {
        conveyed_information: &conveyed,
        owner_certificate: &owner_certificate,
        ownership_voucher: &ownership_voucher,
    };
    let verified = verify_signed_data(&artifacts, &device)?;
    println!(
        "7. device verified voucher (serial {}, assertion {}), owner certificate ({}) and signature",
        verified.voucher.serial_number,
        verified.voucher.assertion.as_str(),
        verified.owner_certificate.subject()
    );

    let ConveyedInformation::Onboarding(onboarding) = ConveyedInformation::from_json(&verified.payload)? else {
        return Err("expected onboarding information".into());
    };
    let image_entry = onboarding.boot_image.as_ref().ok_or("no boot image")?;
    println!(
        "8. onboarding information: boot image {} {} from {}; configuration {} bytes ({:?})",
        image_entry.os_name.as_deref().unwrap_or("?"),
        image_entry.os_version.as_deref().unwrap_or("?"),
        image_entry.download_uri.join(", "),
        onboarding.configuration.as_ref().map_or(0, Vec::len),
        onboarding.configuration_handling.ok_or("no handling")?,
    );

    // Tamper with one byte of the voucher signature: the chain must now fail.
    let mut tampered = ownership_voucher.clone();
    if let Some(last) = tampered.last_mut() {
        *last ^= 0x01;
    }
    let bad = SignedArtifacts { ownership_voucher: &tampered, ..artifacts };
    match verify_signed_data(&bad, &device) {
        Err(e) => println!("9. a voucher with one flipped byte is refused at step {}: {e}", e.step()),
        Ok(_) => return Err("tampered voucher was accepted".into()),
    }
    println!("signed bootstrap verified end to end");
    Ok(())
}
