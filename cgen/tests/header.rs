//! The checked-in generated files are what the spec generates.

#[test]
fn checked_in_generated_files_are_up_to_date() {
    for (path, text) in cgen::artefacts().unwrap() {
        if let Err(e) = cgen::check_file(&path, &text) {
            panic!("{e:#}");
        }
    }
}

#[test]
fn header_imports_every_engine_intrinsic_of_every_family() {
    let specs = spec::load_all().unwrap();
    let helpers = spec::load_helpers().unwrap();
    let h = cgen::header(&specs, &helpers).unwrap();
    for spec in &specs {
        assert!(h.contains(&format!("spec/intrinsics/{}.toml", spec.family)));
        assert!(h.contains(&format!("import_module(\"{}\")", spec.import_module)));
        let f = spec.family.to_ascii_uppercase();
        assert!(h.contains(&format!("WASM_ARM_NEON_{f}_FIRST_ID = {},", spec.id_base)));
        assert!(h.contains(&format!(
            "WASM_ARM_NEON_{f}_COUNT = {},",
            spec.intrinsics.len()
        )));
        for intr in &spec.intrinsics {
            let e = &intr.engine;
            assert!(
                h.contains(&format!("WASM_ARM_NEON_IMPORT({})", e.name)),
                "{}",
                e.name
            );
            assert!(
                h.contains(&format!("v128_t {}(v128_t ", e.name)),
                "{}",
                e.name
            );
            assert!(
                h.contains(&format!("{}\n{{", intr.prototype))
                    || h.contains(&format!("{} {{", intr.prototype))
            );
            assert!(h.contains(&format!(
                "{} = {},",
                cgen::intrinsic_id_name(&intr.name),
                intr.id
            )));
        }
    }
    for helper in &helpers {
        assert!(h.contains(&helper.name), "{}", helper.name);
    }
    assert!(h.contains(&format!(
        "WASM_ARM_NEON_IMPORT({})",
        cgen::IS_AVAILABLE_IMPORT
    )));
}

#[test]
fn generated_sources_cover_every_intrinsic() {
    let specs = spec::load_all().unwrap();
    let helpers = spec::load_helpers().unwrap();
    let w = cgen::wrappers(&specs, &helpers).unwrap();
    let v = cgen::engine_vectors(&specs).unwrap();
    for intr in specs.iter().flat_map(|s| &s.intrinsics) {
        assert!(
            w.contains(&format!("EXPORT(wrap_{})", intr.name)),
            "{}",
            intr.name
        );
        // The native side runs the spec's own instruction word.
        assert!(
            v.contains(&format!(".inst {:#010x}", intr.encoding)),
            "{}",
            intr.name
        );
    }
    assert!(w.contains("EXPORT(wrap_vaddq_u32)") && !w.contains("wrap_vld1q_u32"));
}

#[test]
fn generation_rejects_a_boundary_that_does_not_fit_the_c_type() {
    let specs = spec::load_all().unwrap();
    let mut bad = specs.clone();
    let sha1h = bad
        .iter_mut()
        .flat_map(|s| s.intrinsics.iter_mut())
        .find(|i| i.name == "vsha1h_u32")
        .unwrap();
    sha1h.engine.params[0].boundary = spec::Boundary::Vector; // uint32_t is no vector
    let err = cgen::header(&bad, &[]).unwrap_err().to_string();
    assert!(
        err.contains("vsha1h_u32") && err.contains("vector"),
        "{err}"
    );
}
