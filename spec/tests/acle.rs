//! Every intrinsic of every family is checked against ARM's ACLE intrinsic database rows
//! (shared/design/acle-crypto.tsv): prototype, argument-to-register mapping, instruction and
//! result register. The spec may not invent a C boundary that ACLE does not define.

use std::collections::HashMap;
use std::path::PathBuf;

use spec::{Prototype, RegRef};

struct Row {
    prototype: String,
    mapping: Vec<(String, String)>,
    instruction: String,
    result: String,
}

fn acle_rows() -> HashMap<String, Row> {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/design/acle-crypto.tsv");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (is ../shared next to the repository?)",
            path.display()
        )
    });
    let mut rows = HashMap::new();
    for line in text.lines() {
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() < 4 || cols[0].starts_with('<') || cols[0].is_empty() {
            continue;
        }
        let proto = Prototype::parse(cols[0]);
        let Ok(proto) = proto else { continue }; // types outside the spec's C subset
        let mapping = cols[1]
            .split(';')
            .map(|m| {
                let (a, r) = m.split_once("->").expect("`arg -> register`");
                (a.trim().to_string(), r.trim().to_string())
            })
            .collect();
        let result = cols[3].split("->").next().unwrap().trim().to_string();
        rows.insert(
            proto.name.clone(),
            Row {
                prototype: proto.to_string(),
                mapping,
                instruction: cols[2].split_whitespace().next().unwrap().to_string(),
                result,
            },
        );
    }
    rows
}

#[test]
fn every_intrinsic_matches_its_acle_row() {
    let rows = acle_rows();
    let mut checked = 0;
    for spec in spec::load_all().unwrap() {
        for i in &spec.intrinsics {
            let row = rows
                .get(&i.name)
                .unwrap_or_else(|| panic!("{}: `{}` has no ACLE row", spec.path.display(), i.name));
            assert_eq!(
                i.prototype.to_string(),
                row.prototype,
                "{}: prototype",
                i.name
            );
            assert_eq!(
                i.instruction.name(),
                row.instruction,
                "{}: instruction",
                i.name
            );
            assert_eq!(
                i.arguments.len(),
                row.mapping.len(),
                "{}: arguments",
                i.name
            );
            for (a, (name, reg)) in i.arguments.iter().zip(&row.mapping) {
                assert_eq!(&a.name, name, "{}: argument order", i.name);
                assert_eq!(
                    Some(a.register),
                    RegRef::parse(reg),
                    "{}: `{name}` -> {reg}",
                    i.name
                );
            }
            assert_eq!(
                Some(i.result),
                RegRef::parse(&row.result),
                "{}: result",
                i.name
            );
            checked += 1;
        }
    }
    assert!(checked > 0, "no intrinsic checked");
}
