//! `sztpctl cms inspect|verify` over artifacts built with the test PKI.

use crate::helpers::{Fixture, SERIAL, path_str, sztpctl};

fn inspect(f: &Fixture, name: &str, json: bool) -> crate::helpers::Run {
    let file = path_str(&f.path(name));
    if json { sztpctl(["--json", "cms", "inspect", &file]) } else { sztpctl(["cms", "inspect", &file]) }
}

#[test]
fn inspect_shows_the_voucher_signer_chain_and_fields() {
    let f = Fixture::new();
    for name in ["ov.cms", "ov.pem"] {
        let run = inspect(&f, name, false);
        assert_eq!(run.code, 0, "{}", run.stderr);
        for want in [
            "id-signedData",
            "eContentType: id-ct-animaJSONVoucher (1.2.840.113549.1.9.16.1.40)",
            "signer: CN=MASA Voucher Signer",
            "signing time: 20",
            "signature: valid",
            "certificates: 2",
            "issuer: CN=Manufacturer Root CA",
            "serial-number: SN-0001",
            "assertion: verified",
            "pinned-domain-cert: CN=Owner Root CA",
        ] {
            assert!(run.stdout.contains(want), "{name}: missing {want:?} in\n{}", run.stdout);
        }
    }
}

#[test]
fn inspect_json_gives_the_same_facts() {
    let f = Fixture::new();
    let run = inspect(&f, "ov.cms", true);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["structure"], "signed-data");
    assert!(v["econtent_type"].as_str().unwrap().contains("1.2.840.113549.1.9.16.1.40"));
    assert!(v["signers"][0]["subject"].as_str().unwrap().contains("MASA Voucher Signer"));
    assert!(v["signers"][0]["signing_time"].is_string());
    assert_eq!(v["certificates"].as_array().unwrap().len(), 2);
    assert_eq!(v["crl_count"], 0);
    assert_eq!(v["payload"]["kind"], "voucher");
    assert_eq!(v["payload"]["serial_number"], SERIAL);

    let oc: serde_json::Value = serde_json::from_str(&inspect(&f, "oc.cms", true).stdout).unwrap();
    assert_eq!(oc["structure"], "certs-only");
    assert_eq!(oc["certificates"].as_array().unwrap().len(), 2);
}

#[test]
fn inspect_summarises_signed_and_unsigned_conveyed_information() {
    let f = Fixture::new();
    let run = inspect(&f, "ci.cms", false);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for want in [
        "id-ct-sztpConveyedInfoJSON",
        "signer: (certificate not present)",
        "signature: not checked",
        "boot-image: DemoOS 1.0",
        "download-uri: https://images.example.net/demoos-1.0.img",
        "image-verification: sha-256:ab:ab",
        "pre-configuration-script: present",
        "configuration: present, 16 octets (handling: merge)",
        "post-configuration-script: absent",
    ] {
        assert!(run.stdout.contains(want), "missing {want:?} in\n{}", run.stdout);
    }
    let unsigned: serde_json::Value = serde_json::from_str(&inspect(&f, "unsigned.cms", true).stdout).unwrap();
    assert_eq!(unsigned["structure"], "unsigned");
    assert_eq!(unsigned["payload"]["kind"], "onboarding-information");
}

#[test]
fn inspect_walks_every_artifact_of_an_output_document() {
    let f = Fixture::new();
    for name in ["output.json", "output.xml"] {
        let run = inspect(&f, name, false);
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        for want in ["== conveyed-information ==", "== owner-certificate ==", "== ownership-voucher =="] {
            assert!(run.stdout.contains(want), "{name}: missing {want}");
        }
        // The owner certificate artifact lets the conveyed information's signature be checked.
        assert!(run.stdout.contains("signer: CN=Owner Certificate"), "{}", run.stdout);
        assert!(run.stdout.contains("valid, by 'CN=Owner Certificate"), "{}", run.stdout);
    }
    let v: serde_json::Value = serde_json::from_str(&inspect(&f, "output.json", true).stdout).unwrap();
    let artifacts: Vec<&str> = v.as_array().unwrap().iter().map(|a| a["artifact"].as_str().unwrap()).collect();
    assert_eq!(artifacts, ["conveyed-information", "owner-certificate", "ownership-voucher"]);
}

#[test]
fn inspect_decrypts_enveloped_data_with_the_device_key() {
    let f = Fixture::new();
    let locked = inspect(&f, "ov.enc.cms", false);
    assert_eq!(locked.code, 0, "{}", locked.stderr);
    assert!(locked.stdout.contains("id-envelopedData") && locked.stdout.contains("key agreement (ECDH)"));
    assert!(locked.stdout.contains("pass --idevid and --key"), "{}", locked.stdout);
    let (idevid, key) = (path_str(&f.path("idevid.pem")), path_str(&f.path("idevid.key")));
    let file = path_str(&f.path("ov.enc.cms"));
    let open = sztpctl(["cms", "inspect", &file, "--idevid", &idevid, "--key", &key]);
    assert_eq!(open.code, 0, "{}", open.stderr);
    assert!(open.stdout.contains("decrypted:") && open.stdout.contains("serial-number: SN-0001"), "{}", open.stdout);
}

#[test]
fn inspect_of_garbage_exits_2() {
    let f = Fixture::new();
    f.write("junk.txt", b"this is not CMS");
    let run = inspect(&f, "junk.txt", false);
    assert_eq!(run.code, 2);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert_eq!(sztpctl(["cms", "inspect", "/nonexistent/file.cms"]).code, 2);
}

#[test]
fn verify_passes_every_step_for_files_and_output_documents() {
    let f = Fixture::new();
    let run = sztpctl(f.verify_files(".cms", &["--serial", SERIAL]));
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    for step in 1..=6 {
        assert!(run.stdout.contains(&format!("step {step} ok")), "step {step}:\n{}", run.stdout);
    }
    assert!(run.stdout.contains("signed data verified"));
    assert!(run.stdout.contains("boot-image: DemoOS 1.0"));

    for doc in ["output.json", "output.xml"] {
        let anchor = path_str(&f.path("anchor.pem"));
        let out = path_str(&f.path(doc));
        let run = sztpctl(["--json", "cms", "verify", "--output", &out, "--anchor", &anchor, "--serial", SERIAL]);
        assert_eq!(run.code, 0, "{doc}: {}\n{}", run.stdout, run.stderr);
        let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        assert_eq!(v["verified"], true);
        assert_eq!(v["steps"].as_array().unwrap().len(), 7);
        assert_eq!(v["conveyed_information"]["kind"], "onboarding-information");
    }
}

#[test]
fn a_flipped_voucher_byte_fails_step_1() {
    let f = Fixture::new();
    let mut ov = std::fs::read(f.path("ov.cms")).unwrap();
    *ov.last_mut().unwrap() ^= 0x01;
    f.write("ov.cms", &ov);
    let run = sztpctl(f.verify_files(".cms", &["--serial", SERIAL]));
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(run.stderr.contains("step 1") && run.stderr.contains("ownership voucher"), "{}", run.stderr);
    assert!(run.stdout.contains("step 1 FAILED") && run.stdout.contains("step 6 not run"), "{}", run.stdout);
}

#[test]
fn a_wrong_serial_fails_the_serial_number_check() {
    let f = Fixture::new();
    let run = sztpctl(f.verify_files(".cms", &["--serial", "SN-9999"]));
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(run.stderr.contains("step 4") && run.stderr.contains("serial-number"), "{}", run.stderr);
    assert!(run.stderr.contains("'SN-0001' is not this device's 'SN-9999'"), "{}", run.stderr);
    assert!(run.stdout.contains("step 3 ok") && run.stdout.contains("step 4 FAILED"), "{}", run.stdout);
}

#[test]
fn encrypted_artifacts_verify_with_the_idevid_key() {
    let f = Fixture::new();
    let (idevid, key) = (path_str(&f.path("idevid.pem")), path_str(&f.path("idevid.key")));
    let with_key = ["--serial", SERIAL, "--idevid", idevid.as_str(), "--key", key.as_str()];
    let run = sztpctl(f.verify_files(".enc.cms", &with_key));
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("step 0 ok"), "{}", run.stdout);

    let mut args = vec!["cms".to_string(), "verify".into(), "--output".into(), path_str(&f.path("output-enc.json"))];
    args.extend(["--anchor".into(), path_str(&f.path("anchor.pem"))]);
    args.extend(with_key.iter().map(|s| s.to_string()));
    assert_eq!(sztpctl(&args).code, 0);

    let without = sztpctl(f.verify_files(".enc.cms", &["--serial", SERIAL]));
    assert_eq!(without.code, 1);
    assert!(without.stderr.contains("step 0") && without.stderr.contains("--key"), "{}", without.stderr);
}

#[test]
fn verify_checks_the_nonce_and_honours_no_clock() {
    let f = Fixture::new();
    let run = sztpctl(f.verify_files(".cms", &["--serial", SERIAL, "--nonce", "00112233445566778899aabbccddeeff"]));
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("step 4") && run.stderr.contains("nonce"), "{}", run.stderr);
    let run = sztpctl(f.verify_files(".cms", &["--serial", SERIAL, "--no-clock"]));
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("step 2 skipped"), "{}", run.stdout);
}

#[test]
fn verify_argument_errors_exit_2() {
    let f = Fixture::new();
    let missing_anchor = sztpctl(["cms", "verify", "--output", "x.json", "--serial", SERIAL]);
    assert_eq!(missing_anchor.code, 2);
    let mut args = f.verify_files(".cms", &["--serial", SERIAL]);
    let anchor = args.iter().position(|a| a == "--anchor").unwrap() + 1;
    args[anchor] = path_str(&f.path("ci.cms"));
    let run = sztpctl(&args);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(run.stderr.contains("no certificate"), "{}", run.stderr);
}
