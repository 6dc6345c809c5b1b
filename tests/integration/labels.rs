//! Labelled pages (`<id>.txt` + `<id>.labels`) and the check that a cleaner removes what it
//! must and keeps what it must.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chaffless::{Cleaner, Label};

/// A page with a label for each line.
pub struct LabelledPage {
    pub id: String,
    pub text: String,
    pub lines: Vec<(Label, String)>,
}

/// Reads every `<id>.txt` + `<id>.labels` pair in `dir`, sorted by id.
pub fn read_dir(dir: &Path) -> Vec<LabelledPage> {
    let mut ids: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "labels"))
        .collect();
    ids.sort();
    ids.into_iter()
        .map(|labels| {
            let text = std::fs::read_to_string(labels.with_extension("txt")).unwrap();
            let lines = std::fs::read_to_string(&labels)
                .unwrap()
                .lines()
                .map(|l| {
                    let (label, line) = l.split_once('\t').unwrap_or((l, ""));
                    (label.parse().unwrap(), line.to_string())
                })
                .collect();
            let id = labels.file_stem().unwrap().to_string_lossy().into_owned();
            LabelledPage { id, text, lines }
        })
        .collect()
}

/// Per-label tallies of lines kept and removed.
#[derive(Default, Debug)]
pub struct Tally {
    pub kept: HashMap<Label, usize>,
    pub removed: HashMap<Label, usize>,
}

/// Cleans `page` and returns the failures: a `title`/`body` line removed or a `repeat` or
/// `comment` line kept. Lines can repeat, so lines are compared as multisets: a line must be
/// kept as many times as it is labelled `title`/`body`.
pub fn check(cleaner: &Cleaner, page: &LabelledPage, tally: &mut Tally) -> Vec<String> {
    check_output(&cleaner.clean(&page.text).text, page, tally)
}

/// [`check`] on a cleaned text `out` of `page`, however it was cleaned.
pub fn check_output(out: &str, page: &LabelledPage, tally: &mut Tally) -> Vec<String> {
    let mut kept: HashMap<&str, usize> = HashMap::new();
    for l in out.lines().map(str::trim).filter(|l| !l.is_empty()) {
        *kept.entry(l).or_default() += 1;
    }
    let mut want: HashMap<&str, usize> = HashMap::new();
    for (label, line) in &page.lines {
        if matches!(label, Label::Title | Label::Body) {
            *want.entry(line.trim()).or_default() += 1;
        }
    }
    let mut failures = Vec::new();
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (label, line) in &page.lines {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let nth = seen.entry(line).or_default();
        *nth += 1;
        let was_kept = kept.get(line).copied().unwrap_or(0) >= *nth;
        *if was_kept {
            tally.kept.entry(*label)
        } else {
            tally.removed.entry(*label)
        }
        .or_default() += 1;
        let (w, k) = (
            want.get(line).copied().unwrap_or(0),
            kept.get(line).copied().unwrap_or(0),
        );
        let bad = match label {
            Label::Title | Label::Body => k < w,
            Label::Repeat | Label::Comment => k > w,
            _ => false,
        };
        if bad && *nth == 1 {
            let short: String = line.chars().take(80).collect();
            failures.push(format!(
                "{}: {label} line kept {k}x, want {w}x: {short}",
                page.id
            ));
        }
    }
    failures
}
