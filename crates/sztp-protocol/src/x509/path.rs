//! Certification path building and validation (the RFC 5280 §6 subset RFC 8572 §5.4 relies on):
//! signatures, validity, CA flags and key usage, name chaining, path length, critical extensions.

use const_oid::ObjectIdentifier;
use time::OffsetDateTime;
use x509_cert::Version;

use super::X509Error;
use super::certificate::{Certificate, rfc3339};

/// Extensions this validator understands (or may safely ignore) when marked critical.
const KNOWN_EXTENSIONS: &[&str] = &[
    "2.5.29.19",          // basicConstraints
    "2.5.29.15",          // keyUsage
    "2.5.29.37",          // extKeyUsage (checked by the application, not the path)
    "2.5.29.17",          // subjectAltName
    "2.5.29.18",          // issuerAltName
    "2.5.29.14",          // subjectKeyIdentifier
    "2.5.29.35",          // authorityKeyIdentifier
    "2.5.29.32",          // certificatePolicies (any-policy, no explicit policy required)
    "2.5.29.31",          // cRLDistributionPoints
    "2.5.29.46",          // freshestCRL
    "2.5.29.9",           // subjectDirectoryAttributes
    "1.3.6.1.5.5.7.1.1",  // authorityInfoAccess
    "1.3.6.1.5.5.7.1.11", // subjectInfoAccess
];

/// Options of [`validate_path`].
#[derive(Debug, Clone)]
pub struct PathOptions {
    /// Validation time; `None` skips validity-period checks (a device without a clock).
    pub time: Option<OffsetDateTime>,
    /// Accept SHA-1 signatures (legacy device chains); off by default.
    pub allow_sha1: bool,
    /// Most certificates in a path, end entity and trust anchor included.
    pub max_depth: usize,
}

impl Default for PathOptions {
    fn default() -> Self {
        PathOptions { time: None, allow_sha1: false, max_depth: 8 }
    }
}

/// Builds and validates a path from `end_entity` to one of `anchors`, using `intermediates`.
///
/// Returns the path, end entity first and trust anchor last. An anchor may be self-signed or
/// not, and may be the end entity itself (then the path is just that certificate).
pub fn validate_path(
    end_entity: &Certificate,
    intermediates: &[Certificate],
    anchors: &[Certificate],
    options: &PathOptions,
) -> Result<Vec<Certificate>, X509Error> {
    check_on_its_own(end_entity, options)?;
    if anchors.contains(end_entity) {
        return Ok(vec![end_entity.clone()]);
    }
    let mut path = vec![end_entity.clone()];
    let mut builder = Builder { intermediates, anchors, options, budget: MAX_SIGNATURE_CHECKS };
    builder.extend(&mut path)?;
    Ok(path)
}

/// Bound on signature checks per validation, so hostile certificate sets cannot make path
/// building exponential.
const MAX_SIGNATURE_CHECKS: usize = 64;

struct Builder<'a> {
    intermediates: &'a [Certificate],
    anchors: &'a [Certificate],
    options: &'a PathOptions,
    budget: usize,
}

impl Builder<'_> {
    /// Depth-first search from the last certificate of `path` towards an anchor.
    fn extend(&mut self, path: &mut Vec<Certificate>) -> Result<(), X509Error> {
        let (intermediates, anchors, options) = (self.intermediates, self.anchors, self.options);
        let child = path.last().cloned().ok_or_else(|| X509Error::malformed("path", "empty path"))?;
        let mut candidates: Vec<(&Certificate, bool)> = Vec::new();
        for (pool, is_anchor) in [(anchors, true), (intermediates, false)] {
            for c in pool {
                if c.subject_name() == child.issuer_name()
                    && !path.contains(c)
                    && !candidates.iter().any(|(seen, _)| *seen == c)
                {
                    candidates.push((c, is_anchor));
                }
            }
        }
        if candidates.is_empty() {
            return Err(X509Error::NoPath {
                subject: path[0].subject(),
                reason: format!(
                    "no issuer '{}' of '{}' among {} untrusted and {} trust anchor certificates",
                    child.issuer(),
                    child.subject(),
                    intermediates.len(),
                    anchors.len()
                ),
            });
        }
        let mut last_error = None;
        for (candidate, is_anchor) in candidates {
            if self.budget == 0 {
                return Err(X509Error::NoPath {
                    subject: path[0].subject(),
                    reason: format!("gave up after {MAX_SIGNATURE_CHECKS} candidate issuers"),
                });
            }
            self.budget -= 1;
            if let Err(e) = check_issuer(candidate, is_anchor, path, options) {
                last_error = Some(e);
                continue;
            }
            path.push(candidate.clone());
            if is_anchor {
                return Ok(());
            }
            let result = if path.len() >= options.max_depth {
                Err(X509Error::NoPath {
                    subject: path[0].subject(),
                    reason: format!("no trust anchor within the maximum depth of {}", options.max_depth),
                })
            } else {
                self.extend(path)
            };
            match result {
                Ok(()) => return Ok(()),
                Err(e) => {
                    path.pop();
                    last_error = Some(e);
                }
            }
        }
        Err(last_error
            .unwrap_or_else(|| X509Error::NoPath { subject: path[0].subject(), reason: "no candidate".into() }))
    }
}

/// Checks `issuer` as the signer of the last certificate in `path`.
fn check_issuer(
    issuer: &Certificate,
    is_anchor: bool,
    path: &[Certificate],
    options: &PathOptions,
) -> Result<(), X509Error> {
    let child = path.last().ok_or_else(|| X509Error::malformed("path", "empty path"))?;
    child.verify_signed_by(issuer, options.allow_sha1)?;
    check_on_its_own(issuer, options)?;
    // A legacy v1 root configured as a trust anchor has no extensions to consult.
    let legacy_anchor = is_anchor && issuer.inner().tbs_certificate().version() == Version::V1;
    if legacy_anchor {
        return Ok(());
    }
    let subject = issuer.subject();
    let bc = issuer.basic_constraints()?;
    let Some(bc) = bc.filter(|bc| bc.ca) else {
        return Err(X509Error::NotCa { subject, reason: "basicConstraints cA is not true".into() });
    };
    if let Some(ku) = issuer.key_usage()?
        && !ku.key_cert_sign()
    {
        return Err(X509Error::NotCa { subject, reason: "keyUsage lacks keyCertSign".into() });
    }
    if let Some(limit) = bc.path_len_constraint {
        // Non-self-issued intermediates strictly between this issuer and the end entity.
        let found = path.iter().skip(1).filter(|c| !c.is_self_issued()).count();
        let found = u32::try_from(found).unwrap_or(u32::MAX);
        if found > u32::from(limit) {
            return Err(X509Error::PathLength { subject, limit: u32::from(limit), found });
        }
    }
    Ok(())
}

/// Checks of a certificate that need no other certificate: validity and critical extensions.
fn check_on_its_own(cert: &Certificate, options: &PathOptions) -> Result<(), X509Error> {
    if let Some(now) = options.time {
        let (not_before, not_after) = cert.validity();
        if now < not_before {
            return Err(X509Error::NotYetValid {
                subject: cert.subject(),
                not_before: rfc3339(not_before),
                time: rfc3339(now),
            });
        }
        if now > not_after {
            return Err(X509Error::Expired {
                subject: cert.subject(),
                not_after: rfc3339(not_after),
                time: rfc3339(now),
            });
        }
    }
    let mut seen: Vec<ObjectIdentifier> = Vec::new();
    for ext in cert.inner().tbs_certificate().extensions().into_iter().flatten() {
        if seen.contains(&ext.extn_id) {
            return Err(X509Error::malformed(
                "certificate",
                format!("'{}': extension {} appears twice", cert.subject(), ext.extn_id),
            ));
        }
        seen.push(ext.extn_id);
        if ext.critical && !KNOWN_EXTENSIONS.contains(&ext.extn_id.to_string().as_str()) {
            return Err(X509Error::UnknownCriticalExtension { subject: cert.subject(), oid: ext.extn_id.to_string() });
        }
    }
    // Decode the extensions the path relies on, so a malformed one is an error, not "absent".
    cert.basic_constraints()?;
    cert.key_usage()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use sztp_testkit::rcgen::{BasicConstraints, CustomExtension, IsCa, KeyUsagePurpose};
    use sztp_testkit::{KeyAlg, TestCa, TestPki, ca_params, signer_params};

    fn cert(der: &[u8]) -> Certificate {
        Certificate::from_der(der).unwrap()
    }

    fn at(year: i32) -> PathOptions {
        PathOptions { time: Some(sztp_testkit::rcgen::date_time_ymd(year, 6, 1)), ..PathOptions::default() }
    }

    #[test]
    fn builds_end_entity_to_root_for_every_algorithm() {
        for alg in [KeyAlg::P256, KeyAlg::P384, KeyAlg::Rsa2048] {
            let pki = TestPki::generate_with(alg);
            let (ee, int, root) =
                (cert(&pki.owner.cert_der), cert(&pki.owner_ca.issued.cert_der), cert(&pki.owner_root.issued.cert_der));
            let path = validate_path(&ee, std::slice::from_ref(&int), std::slice::from_ref(&root), &at(2030)).unwrap();
            assert_eq!(path, vec![ee.clone(), int.clone(), root]);
            // A non-self-signed anchor (the intermediate), and the end entity as its own anchor.
            assert_eq!(validate_path(&ee, &[], std::slice::from_ref(&int), &at(2030)).unwrap(), vec![ee.clone(), int]);
            assert_eq!(validate_path(&ee, &[], std::slice::from_ref(&ee), &at(2030)).unwrap(), vec![ee]);
        }
    }

    #[test]
    fn missing_intermediate_and_wrong_anchor_say_which_issuer_is_missing() {
        let pki = TestPki::generate();
        let ee = cert(&pki.owner.cert_der);
        let err = validate_path(&ee, &[], &[cert(&pki.owner_root.issued.cert_der)], &at(2030)).unwrap_err();
        assert!(err.to_string().contains("Owner Intermediate CA"), "{err}");
        let other = cert(&pki.manufacturer_root.issued.cert_der);
        let err = validate_path(&ee, &[cert(&pki.owner_ca.issued.cert_der)], &[other], &at(2030)).unwrap_err();
        assert!(matches!(err, X509Error::NoPath { .. }), "{err}");
    }

    #[test]
    fn validity_is_checked_only_with_a_time() {
        let pki = TestPki::generate();
        let (ee, int) = (cert(&pki.owner.cert_der), cert(&pki.owner_ca.issued.cert_der));
        let anchors = [cert(&pki.owner_root.issued.cert_der)];
        assert!(matches!(
            validate_path(&ee, std::slice::from_ref(&int), &anchors, &at(2051)),
            Err(X509Error::Expired { .. })
        ));
        assert!(matches!(
            validate_path(&ee, std::slice::from_ref(&int), &anchors, &at(2019)),
            Err(X509Error::NotYetValid { .. })
        ));
        validate_path(&ee, &[int], &anchors, &PathOptions::default()).unwrap();
    }

    #[test]
    fn issuer_must_be_a_ca_with_key_cert_sign() {
        let root = TestCa::root("T", "Root", KeyAlg::P256);
        let anchors = [cert(&root.issued.cert_der)];
        let not_ca = root.sub_ca(signer_params("T", "Not a CA"), KeyAlg::P256);
        let leaf = not_ca.issue(&signer_params("T", "Leaf"), KeyAlg::P256);
        let err =
            validate_path(&cert(&leaf.cert_der), &[cert(&not_ca.issued.cert_der)], &anchors, &at(2030)).unwrap_err();
        assert!(matches!(&err, X509Error::NotCa { subject, .. } if subject.contains("Not a CA")), "{err}");

        let mut p = ca_params("T", "No keyCertSign");
        p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        let no_ku = root.sub_ca(p, KeyAlg::P256);
        let leaf = no_ku.issue(&signer_params("T", "Leaf"), KeyAlg::P256);
        let err =
            validate_path(&cert(&leaf.cert_der), &[cert(&no_ku.issued.cert_der)], &anchors, &at(2030)).unwrap_err();
        assert!(err.to_string().contains("keyCertSign"), "{err}");
    }

    #[test]
    fn path_len_constraint_is_enforced() {
        let root = TestCa::root("T", "Root", KeyAlg::P256);
        let mut p = ca_params("T", "Constrained");
        p.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        let constrained = root.sub_ca(p, KeyAlg::P256);
        let below = constrained.intermediate("T", "Below", KeyAlg::P256);
        let leaf = below.issue(&signer_params("T", "Leaf"), KeyAlg::P256);
        let pool = [cert(&constrained.issued.cert_der), cert(&below.issued.cert_der)];
        let err = validate_path(&cert(&leaf.cert_der), &pool, &[cert(&root.issued.cert_der)], &at(2030)).unwrap_err();
        assert!(matches!(err, X509Error::PathLength { limit: 0, found: 1, .. }), "{err}");
        let direct = constrained.issue(&signer_params("T", "Direct"), KeyAlg::P256);
        validate_path(&cert(&direct.cert_der), &pool, &[cert(&root.issued.cert_der)], &at(2030)).unwrap();
    }

    #[test]
    fn unknown_critical_extension_is_rejected_and_named() {
        let root = TestCa::root("T", "Root", KeyAlg::P256);
        let mut p = signer_params("T", "Odd");
        let mut ext = CustomExtension::from_oid_content(&[1, 3, 6, 1, 4, 1, 99999, 1], vec![0x05, 0x00]);
        ext.set_criticality(true);
        p.custom_extensions.push(ext);
        let leaf = root.issue(&p, KeyAlg::P256);
        let err = validate_path(&cert(&leaf.cert_der), &[], &[cert(&root.issued.cert_der)], &at(2030)).unwrap_err();
        assert!(matches!(&err, X509Error::UnknownCriticalExtension { oid, .. } if oid == "1.3.6.1.4.1.99999.1"));
    }

    #[test]
    fn many_same_name_candidates_do_not_explode() {
        let pki = TestPki::generate();
        let ee = cert(&pki.owner.cert_der);
        // Forty unrelated CAs that all claim the intermediate's name.
        let pool: Vec<Certificate> = (0..40)
            .map(|_| {
                cert(
                    &pki.owner_root
                        .sub_ca(ca_params("Example Owner", "Owner Intermediate CA"), KeyAlg::P256)
                        .issued
                        .cert_der,
                )
            })
            .collect();
        let err = validate_path(&ee, &pool, &[cert(&pki.owner_root.issued.cert_der)], &at(2030)).unwrap_err();
        assert!(matches!(err, X509Error::BadSignature { .. } | X509Error::NoPath { .. }), "{err}");
    }
}
