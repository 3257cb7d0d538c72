//! The secret scanner on the labelled corpus (tests/secrets-corpus/): every part present is
//! scanned file by file, each file counting as flagged or not. Overall recall must be at least
//! 90% and precision at least 95%, and no kind may score below the recall detect-secrets reached
//! on it (whole files of several kinds, `mixed`, count in the overall figures only), read from
//! tests/secrets-corpus/detect-secrets-recall.tsv (written by `bench/secrets.py --write-baseline`).
//!
//! Both parts are checked in: `own` (written by make_own.py) and `public`, taken from the test data
//! of gitleaks, detect-secrets and secretlint by tests/secrets-corpus/extract.py, with each file's
//! source in its SOURCES.tsv.

mod common;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use sfp::api::{FileScan, scan_file};

/// Percent, at least.
const MIN_RECALL: f64 = 90.0;
const MIN_PRECISION: f64 = 95.0;

fn percent(part: usize, whole: usize) -> f64 {
    let f = |n: usize| f64::from(u32::try_from(n).expect("small counts"));
    if whole == 0 {
        100.0
    } else {
        f(part) * 100.0 / f(whole)
    }
}

/// The parts of the corpus, by name. Both must be there: a missing part is a failure, not a
/// smaller corpus.
fn parts() -> Vec<(&'static str, PathBuf)> {
    let corpus = common::repo_root().join("tests/secrets-corpus");
    let out = vec![
        ("own", corpus.join("own")),
        ("public", corpus.join("public")),
    ];
    for (name, dir) in &out {
        assert!(
            dir.join("SOURCES.tsv").is_file(),
            "the {name} part of the corpus is missing: {}",
            dir.display()
        );
    }
    out
}

/// `(file, label, kind)` of every row of a part's SOURCES.tsv.
fn rows(dir: &Path) -> Vec<(String, bool, String)> {
    let text = std::fs::read_to_string(dir.join("SOURCES.tsv")).expect("SOURCES.tsv");
    text.lines()
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            assert!(cols.len() >= 3, "bad row: {l}");
            let label = match cols[1] {
                "secret" => true,
                "clean" => false,
                other => panic!("unknown label {other} in {l}"),
            };
            (cols[0].to_owned(), label, cols[2].to_owned())
        })
        .collect()
}

fn flagged(path: &Path) -> bool {
    match scan_file(path) {
        FileScan::Scanned { findings, .. } => !findings.is_empty(),
        FileScan::Skipped => false,
    }
}

/// detect-secrets' `(positives, flagged)` per `(part, kind)`.
fn baseline() -> BTreeMap<(String, String), (usize, usize)> {
    let text = std::fs::read_to_string(
        common::repo_root().join("tests/secrets-corpus/detect-secrets-recall.tsv"),
    )
    .expect("detect-secrets-recall.tsv");
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            (
                (c[0].to_owned(), c[1].to_owned()),
                (c[2].parse().unwrap(), c[3].parse().unwrap()),
            )
        })
        .collect()
}

#[test]
fn the_scanner_meets_its_recall_and_precision_on_the_corpus() {
    let base = baseline();
    let (mut tp, mut fp, mut positives) = (0usize, 0usize, 0usize);
    let mut table = String::new();
    let mut weaker = Vec::new();
    for (part, dir) in parts() {
        let rows = rows(&dir);
        assert!(rows.len() >= 100, "part {part} has {} files", rows.len());
        // kind → (positives, caught, false alarms)
        let mut per: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new();
        for (file, secret, kind) in &rows {
            let hit = flagged(&dir.join(file));
            let e = per.entry(kind.clone()).or_default();
            if *secret {
                e.0 += 1;
                positives += 1;
                if hit {
                    e.1 += 1;
                    tp += 1;
                }
            } else if hit {
                e.2 += 1;
                fp += 1;
            }
        }
        for (kind, (n, caught, false_alarms)) in &per {
            let _ = writeln!(
                table,
                "{part}\t{kind}\t{caught}/{n} caught\t{false_alarms} false alarm(s)"
            );
            // Whole files holding several kinds have no kind to compare.
            if *n == 0 || kind == "mixed" {
                continue;
            }
            let key = (part.to_owned(), kind.clone());
            let Some(&(ds_n, ds_caught)) = base.get(&key) else {
                panic!(
                    "no detect-secrets baseline for {part}/{kind}: run bench/secrets.py --write-baseline"
                );
            };
            assert_eq!(
                ds_n, *n,
                "the baseline for {part}/{kind} was measured on another corpus: run bench/secrets.py --write-baseline"
            );
            if caught < &ds_caught {
                weaker.push(format!(
                    "{part}/{kind}: {caught}/{n} < detect-secrets {ds_caught}/{n}"
                ));
            }
        }
    }
    let recall = percent(tp, positives);
    let precision = percent(tp, tp + fp);
    let summary = format!(
        "recall {recall:.1}% ({tp}/{positives}), precision {precision:.1}% ({fp} false alarm(s))\n{table}",
    );
    assert!(recall >= MIN_RECALL, "{summary}");
    assert!(precision >= MIN_PRECISION, "{summary}");
    assert!(
        weaker.is_empty(),
        "weaker than detect-secrets: {weaker:?}\n{summary}"
    );
}

#[test]
fn every_kind_fixture_is_flagged_and_the_corpus_is_left_out_of_the_repository_scan() {
    let fixture = common::fixture("secrets/every-kind.tsv");
    let text = std::fs::read_to_string(&fixture).unwrap();
    let lines = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .count();
    let FileScan::Scanned { findings, .. } = scan_file(&fixture) else {
        panic!("not scanned");
    };
    assert_eq!(findings.len(), lines, "one finding per kind line");
    let ignore = std::fs::read_to_string(common::repo_root().join(".secretsignore")).unwrap();
    for dir in ["tests/fixtures/secrets/", "tests/secrets-corpus/"] {
        assert!(
            ignore.lines().any(|l| l == dir),
            "{dir} not in .secretsignore"
        );
    }
}
