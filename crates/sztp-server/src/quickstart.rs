//! `sztp-server quickstart`: a complete demo in one directory (PKI, owner certificate, vouchers,
//! devices with IDevIDs and activation codes, a boot image, an HTTPS southbound endpoint), created
//! once and then served. The directory layout is a contract documented in `README.txt`.

use std::fs;
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};

use base64::Engine;
use sztp_ca::{CertificateAuthority, IssueRequest, KeyAlgorithm, KeyEncryptionKey, PrivateKey, Profile, pem_encode};
use sztp_protocol::cms::content_type::ContentType;
use sztp_protocol::cms::signed_data::{SignOptions, sign};
use sztp_protocol::cms::signer::Signer;
use sztp_protocol::model::voucher::{Assertion, Voucher};
use sztp_protocol::x509::Certificate;
use sztp_store::{
    Artifact, BootImageSpec, ClientAuth, CompatProfile, ConfigurationHandling, Device, DeviceType, Endpoint,
    EndpointTls, MatchRule, OnboardingSpec, OpenOptions, OwnerCertificate, ReportingLevel, Response, ResponseSpec,
    SerialRule, SerialSource, SigningPolicy, Store, StoredVoucher, TenantId, TlsVersion, TrustBag,
};
use time::{Duration, OffsetDateTime};

use crate::domain::keys;

/// Quickstart settings.
#[derive(Debug, Clone)]
pub struct Quickstart {
    /// Demo directory.
    pub dir: PathBuf,
    /// Number of demo devices.
    pub devices: u32,
    /// Northbound (plain HTTP) port.
    pub nbi_port: u16,
    /// Southbound (HTTPS) port.
    pub sbi_port: u16,
    /// Compatibility profile of the demo devices.
    pub profile: CompatProfile,
}

const T: TenantId = TenantId::DEFAULT;
const IMAGE_NAME: &str = "demo-boot-image.img";

impl Quickstart {
    /// The database URL of the demo.
    pub fn database_url(&self) -> String {
        format!("sqlite://{}", self.dir.join("sztp.db").display())
    }

    /// Creates the demo unless `DIR/sztp.db` exists; returns whether it was created.
    pub async fn prepare(&self) -> anyhow::Result<bool> {
        if self.dir.join("sztp.db").exists() {
            return Ok(false);
        }
        fs::create_dir_all(self.dir.join("trust"))?;
        fs::create_dir_all(self.dir.join("devices"))?;
        fs::create_dir_all(self.dir.join("manufacturer"))?;
        let (kek, _) = KeyEncryptionKey::load_or_create(&self.dir.join("key"))?;
        // Build in a temporary file first so an interrupted run leaves no half-made demo behind.
        let tmp = self.dir.join("sztp.db.partial");
        let _ = fs::remove_file(&tmp);
        let store = Store::open(&format!("sqlite://{}", tmp.display()), &OpenOptions::default()).await?;
        // One unit of work: the demo is all there or not at all (and one commit, not thousands).
        let uow = store.begin().await?;
        self.populate(&uow, &kek).await?;
        uow.commit().await?;
        // Closing checkpoints the write-ahead log into the file, so the rename moves everything.
        store.close().await?;
        for suffix in ["-wal", "-shm"] {
            let leftover = self.dir.join(format!("sztp.db.partial{suffix}"));
            if leftover.metadata().is_ok_and(|m| m.len() > 0) {
                anyhow::bail!("the demo database was not fully written ({} remains)", leftover.display());
            }
            let _ = fs::remove_file(leftover);
        }
        fs::rename(&tmp, self.dir.join("sztp.db"))?;
        fs::write(self.dir.join("README.txt"), self.readme())?;
        Ok(true)
    }

    async fn populate(&self, store: &Store, kek: &KeyEncryptionKey) -> anyhow::Result<()> {
        let now = OffsetDateTime::now_utc();
        let p256 = || PrivateKey::generate(KeyAlgorithm::EcdsaP256);
        let issue = |ca: &CertificateAuthority, subject: &str, key: &PrivateKey, profile: Profile, days: i64| {
            ca.issue(&IssueRequest {
                subject,
                public_key_der: &key.public_key_der(),
                profile,
                not_before: now - Duration::minutes(5),
                not_after: now + Duration::days(days),
            })
        };

        // Manufacturer: root → device CA (IDevIDs); root → MASA voucher signer.
        let mfg_root =
            CertificateAuthority::new_root("CN=Demo Manufacturer Root CA,O=Demo Manufacturer", p256()?, 3650)?;
        let mfg_ca =
            mfg_root.issue_intermediate("CN=Demo Manufacturer Device CA,O=Demo Manufacturer", p256()?, 3000)?;
        let masa_key = p256()?;
        let masa_cert =
            issue(&mfg_root, "CN=Demo MASA Voucher Signer,O=Demo Manufacturer", &masa_key, Profile::CmsSigner, 1825)?;
        let masa = Signer::new(masa_key.pkcs8_der(), vec![Certificate::from_der(&masa_cert)?])?;
        write(
            &self.dir.join("trust/manufacturer-ca.pem"),
            &pem_encode("CERTIFICATE", mfg_root.certificate_der()),
            false,
        )?;
        // The manufacturer's side, for minting more devices (`sztp-agent simulate --manufacturer-ca`).
        let mfg = self.dir.join("manufacturer");
        let root_pem = pem_encode("CERTIFICATE", mfg_root.certificate_der());
        write(&mfg.join("device-ca.pem"), &(pem_encode("CERTIFICATE", mfg_ca.certificate_der()) + &root_pem), false)?;
        write(&mfg.join("device-ca.key"), &mfg_ca.key().to_pem(), true)?;
        write(&mfg.join("masa.pem"), &(pem_encode("CERTIFICATE", &masa_cert) + &root_pem), false)?;
        write(&mfg.join("masa.key"), &masa_key.to_pem(), true)?;

        // Owner: root (the pinned-domain-cert) → owner certificate that signs conveyed information.
        let owner_root = CertificateAuthority::new_root("CN=Demo Owner Root CA,O=Demo Owner", p256()?, 3650)?;
        let owner_key = p256()?;
        let owner_cert =
            issue(&owner_root, "CN=Demo Owner Certificate,O=Demo Owner", &owner_key, Profile::CmsSigner, 1825)?;
        store.put_key(T, &keys::seal(kek, T, "owner-signer", &owner_key)?).await?;
        store
            .put_owner_certificate(
                T,
                &OwnerCertificate {
                    name: "demo-owner".into(),
                    key: "owner-signer".into(),
                    cert_chain_pem: pem_encode("CERTIFICATE", &owner_cert)
                        + &pem_encode("CERTIFICATE", owner_root.certificate_der()),
                },
            )
            .await?;

        // Southbound TLS: its own root, an ECDSA server certificate for 127.0.0.1 and localhost.
        let server_root = CertificateAuthority::new_root("CN=Demo Server CA,O=Demo Owner", p256()?, 3650)?;
        // IOS-XE refuses ECDSA server certificates.
        let sbi_key = match self.profile {
            CompatProfile::CiscoIosXe => PrivateKey::generate(KeyAlgorithm::Rsa2048)?,
            _ => p256()?,
        };
        let sbi_profile = Profile::TlsServer {
            dns_names: vec!["localhost".into()],
            ip_addresses: vec![IpAddr::V4(Ipv4Addr::LOCALHOST), "::1".parse()?],
        };
        let sbi_cert = issue(&server_root, "CN=localhost,O=Demo Owner", &sbi_key, sbi_profile, 825)?;
        store.put_key(T, &keys::seal(kek, T, "sbi-tls", &sbi_key)?).await?;
        write(&self.dir.join("trust/server-ca.pem"), &pem_encode("CERTIFICATE", server_root.certificate_der()), false)?;

        store
            .put_trust_bag(
                T,
                &TrustBag {
                    name: "manufacturer".into(),
                    description: Some("Demo manufacturer root: IDevID anchor".into()),
                    certificates_der: vec![mfg_root.certificate_der().to_vec()],
                },
            )
            .await?;
        store.put_endpoint(&self.endpoint("nbi", self.nbi_port, None, &["native"])).await?;
        let tls = EndpointTls {
            server_key: "sbi-tls".into(),
            cert_chain_pem: pem_encode("CERTIFICATE", &sbi_cert),
            client_auth: ClientAuth::Optional,
            client_trust_bag: Some("manufacturer".into()),
            min_version: TlsVersion::Tls12,
        };
        store.put_endpoint(&self.endpoint("sbi", self.sbi_port, Some(tls), &["rfc8572", "files"])).await?;

        // The boot image, served by the southbound endpoint itself.
        let image: Vec<u8> = (0..256 * 1024u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8).collect();
        let sha256 = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &image).as_ref().to_vec();
        let size = image.len() as u64;
        store
            .put_artifact(
                T,
                &Artifact {
                    name: IMAGE_NAME.into(),
                    media_type: "application/octet-stream".into(),
                    sha256,
                    size,
                    content: image,
                },
            )
            .await?;
        store
            .put_response(
                T,
                &Response {
                    name: "demo-onboarding".into(),
                    spec: ResponseSpec::Onboarding(OnboardingSpec {
                        boot_image: Some(BootImageSpec {
                            os_name: "DemoOS".into(),
                            os_version: "1.0".into(),
                            download_uris: vec![format!("https://127.0.0.1:{}/files/{IMAGE_NAME}", self.sbi_port)],
                            sha256_hex: None,
                            artifact: Some(IMAGE_NAME.into()),
                        }),
                        pre_configuration_script: Some("#!/bin/sh\necho \"pre-configuration: $(hostname)\"\n".into()),
                        configuration_handling: Some(ConfigurationHandling::Merge),
                        configuration: Some("hostname demo-device\nntp server 192.0.2.1\n".into()),
                        post_configuration_script: Some("#!/bin/sh\necho post-configuration done\n".into()),
                    }),
                },
            )
            .await?;
        store
            .put_device_type(
                T,
                &DeviceType {
                    name: "demo-device".into(),
                    trust_bag: Some("manufacturer".into()),
                    // Cisco SUDI chains are SHA-1-signed; the OPI agent only takes unsigned data.
                    allow_sha1: self.profile == CompatProfile::CiscoIosXe,
                    serial_rule: SerialRule {
                        source: SerialSource::SubjectSerialNumber,
                        token_prefix: None,
                        regex: None,
                    },
                    profile: self.profile,
                    signing: match self.profile {
                        CompatProfile::OpiAgent => SigningPolicy::Unsigned,
                        _ => SigningPolicy::Signed,
                    },
                    encrypt: false,
                    owner_certificate: Some("demo-owner".into()),
                    reporting_level: ReportingLevel::Verbose,
                    rules: vec![MatchRule { name: None, conditions: Vec::new(), response: "demo-onboarding".into() }],
                },
            )
            .await?;

        for n in 1..=self.devices {
            let serial = format!("SN-{n:04}");
            let key = p256()?;
            let cert = issue(
                &mfg_ca,
                &format!("CN=Demo Device {serial},serialNumber={serial},O=Demo Manufacturer"),
                &key,
                Profile::DeviceIdentity { serial_number: serial.clone() },
                1825,
            )?;
            let password = random_secret();
            let voucher = Voucher {
                created_on: now - Duration::minutes(5),
                expires_on: Some(now + Duration::days(365)),
                assertion: Assertion::Verified,
                serial_number: serial.clone(),
                idevid_issuer: None,
                pinned_domain_cert: owner_root.certificate_der().to_vec(),
                domain_cert_revocation_checks: Some(false),
                nonce: None,
                last_renewal_date: None,
            };
            let cms = sign(ContentType::AnimaJsonVoucher, &voucher.to_json(), &masa, &SignOptions::default())?;
            store
                .put_voucher(T, &StoredVoucher { serial: serial.clone(), cms_der: cms, expires_at: voucher.expires_on })
                .await?;
            store
                .put_device(
                    T,
                    &Device {
                        serial: serial.clone(),
                        device_type: "demo-device".into(),
                        activation_code_hash: Some(crate::password::hash(&password).map_err(anyhow::Error::msg)?),
                        idevid_cert_der: Some(cert.clone()),
                        reporting_level: None,
                        signing: None,
                        encrypt: None,
                        owner_certificate: None,
                        rules: Vec::new(),
                        enabled: true,
                    },
                )
                .await?;
            let dir = self.dir.join("devices").join(&serial);
            fs::create_dir_all(&dir)?;
            write(
                &dir.join("idevid.pem"),
                &(pem_encode("CERTIFICATE", &cert) + &pem_encode("CERTIFICATE", mfg_ca.certificate_der())),
                false,
            )?;
            write(&dir.join("idevid.key"), &key.to_pem(), true)?;
            write(&dir.join("password"), &format!("{password}\n"), true)?;
        }
        Ok(())
    }

    /// Points the demo at the southbound port actually bound (when `--sbi-port 0` let the system
    /// choose): the boot image URI in the response and the commands in `README.txt`.
    pub async fn retarget(&mut self, store: &Store, sbi_port: u16) -> anyhow::Result<()> {
        self.sbi_port = sbi_port;
        if let Some(mut response) = store.get_response(T, "demo-onboarding").await? {
            if let ResponseSpec::Onboarding(o) = &mut response.spec
                && let Some(image) = o.boot_image.as_mut()
            {
                image.download_uris = vec![format!("https://127.0.0.1:{sbi_port}/files/{IMAGE_NAME}")];
            }
            store.put_response(T, &response).await?;
        }
        fs::write(self.dir.join("README.txt"), self.readme())?;
        Ok(())
    }

    fn endpoint(&self, name: &str, port: u16, tls: Option<EndpointTls>, apis: &[&str]) -> Endpoint {
        Endpoint {
            name: name.into(),
            tenant_id: T,
            address: "127.0.0.1".into(),
            port,
            tls,
            apis: apis.iter().map(|a| (*a).to_owned()).collect(),
            external_address: None,
            enabled: true,
            behind_tls_terminator: false,
            limits: Default::default(),
        }
    }

    fn readme(&self) -> String {
        let (input, verify) = match self.profile {
            CompatProfile::OpiAgent => (
                r#"{"ietf-sztp-bootstrap-server:input":{"hw-model":"demo","os-name":"DemoOS","os-version":"0.9","nonce":""}}"#,
                include_str!("quickstart_verify_unsigned.txt"),
            ),
            CompatProfile::Rfc8572 | CompatProfile::CiscoIosXe => (
                r#"{"ietf-sztp-bootstrap-server:input":{"hw-model":"demo","os-name":"DemoOS","os-version":"0.9","signed-data-preferred":[null]}}"#,
                include_str!("quickstart_verify_signed.txt"),
            ),
        };
        include_str!("quickstart_readme.txt")
            .replace("{VERIFY}", verify)
            .replace("{INPUT}", input)
            .replace("{PROFILE}", profile_name(self.profile))
            .replace("{DIR}", &self.dir.display().to_string())
            .replace("{SBI}", &self.sbi_port.to_string())
            .replace("{NBI}", &self.nbi_port.to_string())
            .replace("{DEVICES}", &self.devices.to_string())
    }
}

fn profile_name(profile: CompatProfile) -> &'static str {
    match profile {
        CompatProfile::Rfc8572 => "rfc8572",
        CompatProfile::OpiAgent => "opi-agent",
        CompatProfile::CiscoIosXe => "cisco-iosxe",
    }
}

fn random_secret() -> String {
    let mut bytes = [0u8; 18];
    let _ = aws_lc_rs::rand::fill(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn write(path: &Path, content: &str, secret: bool) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true).mode(if secret { 0o600 } else { 0o644 });
    options.open(path)?.write_all(content.as_bytes())
}
