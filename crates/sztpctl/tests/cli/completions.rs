//! `sztpctl completions`: scripts for each shell; the bash one is loaded and asked to complete.

use crate::helpers::sztpctl;

/// Runs the bash completion function on a command line whose last word is being completed.
fn complete_in_bash(script: &str, words: &[&str]) -> String {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("sztpctl.bash");
    std::fs::write(&file, script).expect("write script");
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let program = format!(
        "source '{}'; COMP_WORDS=({}); COMP_CWORD={}; COMP_LINE=\"${{COMP_WORDS[*]}}\"; COMP_POINT=${{#COMP_LINE}}; \
         _sztpctl sztpctl '{}' '{}'; echo \"${{COMPREPLY[*]}}\"",
        file.display(),
        quoted.join(" "),
        words.len() - 1,
        words[words.len() - 1],
        words[words.len() - 2],
    );
    let out = std::process::Command::new("bash").args(["-c", &program]).output().expect("bash");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("UTF-8").trim().to_owned()
}

#[test]
fn bash_completion_knows_commands_and_values() {
    let run = sztpctl(["completions", "bash"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(complete_in_bash(&run.stdout, &["sztpctl", "comp"]), "completions");
    assert_eq!(
        complete_in_bash(&run.stdout, &["sztpctl", "device", "import", "x", "--on-conflict", ""]),
        "fail skip replace"
    );
    let offered = complete_in_bash(&run.stdout, &["sztpctl", "log", "bootstrap", "--"]);
    for word in ["--follow", "--interval", "--follow-for", "--device"] {
        assert!(offered.split(' ').any(|w| w == word), "{word} not in {offered:?}");
    }
}

#[test]
fn every_shell_gets_a_script_naming_the_commands() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let run = sztpctl(["completions", shell]);
        assert_eq!(run.code, 0, "{shell}: {}", run.stderr);
        for word in ["sztpctl", "device", "completions", "follow-for", "on-conflict"] {
            assert!(run.stdout.contains(word), "{shell} script lacks {word}");
        }
    }
    assert_eq!(sztpctl(["completions", "tcsh"]).code, 2);
}
