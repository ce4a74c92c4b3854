//! Certificate revocation lists (RFC 5280 §5, complete CRLs only) and revocation checking of a
//! validated path against the CRLs an artifact carries (RFC 8572 §3.2, RFC 8366 revocation checks).

use der::Decode;
use time::OffsetDateTime;
use x509_cert::crl::CertificateList;
use x509_cert::name::Name;

use super::X509Error;
use super::certificate::{Certificate, rfc3339, to_offset};
use super::signature::{self, SigError};
use super::tlv;

/// CRL (entry) extensions that may be critical and are understood: authorityKeyIdentifier,
/// cRLNumber, reasonCode, invalidityDate. Anything else critical makes the CRL unusable.
const KNOWN_CRL_EXTENSIONS: &[&str] = &["2.5.29.35", "2.5.29.20", "2.5.29.21", "2.5.29.24"];

/// A parsed CRL that keeps its exact DER.
#[derive(Clone)]
pub struct Crl {
    der: Vec<u8>,
    inner: CertificateList,
    tbs_start: usize,
    tbs_len: usize,
}

impl std::fmt::Debug for Crl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Crl").field("issuer", &self.issuer()).finish()
    }
}

impl Crl {
    /// Parses one DER CRL; trailing bytes are an error.
    pub fn from_der(der: &[u8]) -> Result<Self, X509Error> {
        let inner = CertificateList::from_der(der).map_err(|e| X509Error::malformed("CRL", e))?;
        let tbs = tlv::first_child(der).map_err(|e| X509Error::malformed("CRL", e))?;
        let tbs_start = tbs.as_ptr() as usize - der.as_ptr() as usize;
        Ok(Crl { der: der.to_vec(), inner, tbs_start, tbs_len: tbs.len() })
    }

    /// The exact DER encoding.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The issuer as an RFC 4514 string.
    pub fn issuer(&self) -> String {
        super::certificate::name_to_string(&self.inner.tbs_cert_list.issuer)
    }

    /// The issuer Name.
    pub fn issuer_name(&self) -> &Name {
        &self.inner.tbs_cert_list.issuer
    }

    /// thisUpdate.
    pub fn this_update(&self) -> OffsetDateTime {
        to_offset(self.inner.tbs_cert_list.this_update)
    }

    /// nextUpdate, if present.
    pub fn next_update(&self) -> Option<OffsetDateTime> {
        self.inner.tbs_cert_list.next_update.map(to_offset)
    }

    /// Whether the CRL lists the certificate serial number `serial` as revoked.
    pub fn lists(&self, serial: &[u8]) -> bool {
        self.inner.tbs_cert_list.revoked_certificates.iter().flatten().any(|r| r.serial_number.as_bytes() == serial)
    }

    /// Checks that `issuer` signed this CRL and may sign CRLs (keyUsage cRLSign when present).
    pub fn verify_signed_by(&self, issuer: &Certificate, allow_sha1: bool) -> Result<(), X509Error> {
        let what = format!("CRL of '{}'", self.issuer());
        if self.inner.signature_algorithm != self.inner.tbs_cert_list.signature {
            return Err(X509Error::malformed("CRL", format!("{what}: signatureAlgorithm differs from tbsCertList")));
        }
        if let Some(ku) = issuer.key_usage()?
            && !ku.crl_sign()
        {
            return Err(X509Error::KeyUsage { subject: issuer.subject(), missing: "cRLSign" });
        }
        let sig = self
            .inner
            .signature
            .as_bytes()
            .ok_or_else(|| X509Error::malformed("CRL", format!("{what}: signature has unused bits")))?;
        let tbs = &self.der[self.tbs_start..self.tbs_start + self.tbs_len];
        let spki = issuer.inner().tbs_certificate().subject_public_key_info();
        signature::verify(spki, &self.inner.signature_algorithm, None, tbs, sig, allow_sha1).map_err(|e| match e {
            SigError::Invalid => X509Error::BadSignature { subject: what, issuer: issuer.subject() },
            SigError::Unsupported(reason) => X509Error::UnsupportedAlgorithm { subject: what, reason },
        })
    }

    /// A critical (entry) extension this implementation does not process, if any.
    fn unsupported_critical_extension(&self) -> Option<String> {
        let tbs = &self.inner.tbs_cert_list;
        let entry_exts =
            tbs.revoked_certificates.iter().flatten().flat_map(|r| r.crl_entry_extensions.iter().flatten());
        tbs.crl_extensions
            .iter()
            .flatten()
            .chain(entry_exts)
            .find(|e| e.critical && !KNOWN_CRL_EXTENSIONS.contains(&e.extn_id.to_string().as_str()))
            .map(|e| e.extn_id.to_string())
    }
}

/// How revocation is checked for a validated path (RFC 8366 `domain-cert-revocation-checks`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevocationMode {
    /// Do not check (`false`: revocation checks MUST NOT be done).
    Skip,
    /// Fail only on a correctly signed CRL that lists a certificate (absent: normal PKIX use).
    IfAvailable,
    /// Every non-anchor certificate needs a current CRL from its issuer not listing it (`true`).
    Required,
}

/// Checks every certificate of `path` except its trust anchor (the last one) against `crls`.
pub fn check_revocation(
    path: &[Certificate],
    crls: &[Crl],
    mode: RevocationMode,
    time: Option<OffsetDateTime>,
    allow_sha1: bool,
) -> Result<(), X509Error> {
    if mode == RevocationMode::Skip {
        return Ok(());
    }
    for pair in path.windows(2) {
        let (cert, issuer) = (&pair[0], &pair[1]);
        let mut fresh_and_good = false;
        let mut reasons = Vec::new();
        for crl in crls.iter().filter(|c| c.issuer_name() == cert.issuer_name()) {
            if let Err(e) = crl.verify_signed_by(issuer, allow_sha1) {
                reasons.push(e.to_string());
                continue;
            }
            if let Some(oid) = crl.unsupported_critical_extension() {
                reasons.push(format!("CRL has unsupported critical extension {oid}"));
                continue;
            }
            if crl.lists(cert.serial_number()) {
                return Err(X509Error::Revoked { subject: cert.subject(), serial: cert.serial_hex() });
            }
            match (time, crl.next_update()) {
                (None, _) => reasons.push("no validation time to judge CRL freshness".into()),
                (Some(_), None) => reasons.push("CRL has no nextUpdate".into()),
                (Some(now), Some(_)) if now < crl.this_update() => {
                    reasons.push(format!("CRL thisUpdate {} is after {}", rfc3339(crl.this_update()), rfc3339(now)));
                }
                (Some(now), Some(next)) if now > next => {
                    reasons.push(format!("CRL expired at {} (validation time {})", rfc3339(next), rfc3339(now)));
                }
                (Some(_), Some(_)) => fresh_and_good = true,
            }
        }
        if mode == RevocationMode::Required && !fresh_and_good {
            let reason = if reasons.is_empty() {
                format!("no CRL from issuer '{}' was supplied", cert.issuer())
            } else {
                reasons.join("; ")
            };
            return Err(X509Error::RevocationUnavailable { subject: cert.subject(), reason });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use sztp_testkit::TestPki;
    use sztp_testkit::rcgen::date_time_ymd;

    struct Fixture {
        pki: TestPki,
        path: Vec<Certificate>,
    }

    fn fixture() -> Fixture {
        let pki = TestPki::generate();
        let path = [&pki.owner.cert_der, &pki.owner_ca.issued.cert_der, &pki.owner_root.issued.cert_der]
            .iter()
            .map(|d| Certificate::from_der(d).unwrap())
            .collect();
        Fixture { pki, path }
    }

    fn crls(f: &Fixture, revoked_owner: bool, next_year: i32) -> Vec<Crl> {
        let (this, next) = (date_time_ymd(next_year - 1, 1, 1), date_time_ymd(next_year, 1, 1));
        let revoked: Vec<&[u8]> = if revoked_owner { vec![&f.pki.owner.serial] } else { vec![] };
        vec![
            Crl::from_der(&f.pki.owner_ca.crl(&revoked, this, next)).unwrap(),
            Crl::from_der(&f.pki.owner_root.crl(&[], this, next)).unwrap(),
        ]
    }

    fn now() -> Option<OffsetDateTime> {
        Some(date_time_ymd(2030, 6, 1))
    }

    #[test]
    fn current_crls_not_listing_the_path_pass_in_required_mode() {
        let f = fixture();
        check_revocation(&f.path, &crls(&f, false, 2031), RevocationMode::Required, now(), false).unwrap();
    }

    #[test]
    fn a_listed_certificate_is_revoked_in_both_checking_modes() {
        let f = fixture();
        for mode in [RevocationMode::Required, RevocationMode::IfAvailable] {
            let err = check_revocation(&f.path, &crls(&f, true, 2031), mode, now(), false).unwrap_err();
            assert!(matches!(&err, X509Error::Revoked { subject, .. } if subject.contains("Owner Certificate")));
        }
        check_revocation(&f.path, &crls(&f, true, 2031), RevocationMode::Skip, now(), false).unwrap();
    }

    #[test]
    fn required_mode_fails_closed_without_fresh_crls() {
        let f = fixture();
        let stale = check_revocation(&f.path, &crls(&f, false, 2030), RevocationMode::Required, now(), false);
        assert!(matches!(stale, Err(X509Error::RevocationUnavailable { .. })), "{stale:?}");
        let none = check_revocation(&f.path, &[], RevocationMode::Required, now(), false).unwrap_err();
        assert!(none.to_string().contains("no CRL from issuer"), "{none}");
        let no_clock = check_revocation(&f.path, &crls(&f, false, 2031), RevocationMode::Required, None, false);
        assert!(matches!(no_clock, Err(X509Error::RevocationUnavailable { .. })));
        check_revocation(&f.path, &[], RevocationMode::IfAvailable, now(), false).unwrap();
    }

    #[test]
    fn a_crl_signed_by_another_key_is_not_used() {
        let f = fixture();
        let other = TestPki::generate();
        // Same issuer name, other key: the CRL must not count as a valid status source.
        let forged =
            Crl::from_der(&other.owner_ca.crl(&[], date_time_ymd(2030, 1, 1), date_time_ymd(2031, 1, 1))).unwrap();
        let mut set = crls(&f, false, 2031);
        set[0] = forged;
        let err = check_revocation(&f.path, &set, RevocationMode::Required, now(), false).unwrap_err();
        assert!(err.to_string().contains("signature does not verify"), "{err}");
        let forged_revoking = Crl::from_der(&other.owner_ca.crl(
            &[&f.pki.owner.serial],
            date_time_ymd(2030, 1, 1),
            date_time_ymd(2031, 1, 1),
        ))
        .unwrap();
        check_revocation(&f.path[..2], &[forged_revoking], RevocationMode::IfAvailable, now(), false).unwrap();
    }
}
