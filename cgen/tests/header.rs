//! The checked-in header is what the spec generates.

#[test]
fn checked_in_header_is_up_to_date() {
    let spec = spec::load_family("sha1").unwrap();
    if let Err(e) = cgen::check_header(&spec, &cgen::header_path()) {
        panic!("{e:#}");
    }
}

#[test]
fn header_imports_every_engine_intrinsic_from_the_spec_module() {
    let spec = spec::load_family("sha1").unwrap();
    let h = cgen::header(&spec).unwrap();
    assert!(h.contains("GENERATED from spec/intrinsics/sha1.toml"));
    assert!(h.contains(&format!("import_module(\"{}\")", spec.import_module)));
    for (id, intr) in spec.intrinsics.iter().enumerate() {
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
        assert!(h.contains(&format!("{} = {id},", cgen::intrinsic_id_name(&intr.name))));
    }
    for helper in &spec.helpers {
        assert!(h.contains(&helper.name), "{}", helper.name);
    }
    assert!(h.contains(&format!(
        "WASM_ARM_NEON_IMPORT({})",
        cgen::IS_AVAILABLE_IMPORT
    )));
}

#[test]
fn generation_rejects_a_boundary_that_does_not_fit_the_c_type() {
    let spec = spec::load_family("sha1").unwrap();
    let mut bad = spec.clone();
    let sha1h = bad
        .intrinsics
        .iter_mut()
        .find(|i| i.name == "vsha1h_u32")
        .unwrap();
    sha1h.engine.params[0].boundary = spec::Boundary::Vector; // uint32_t is no vector
    let err = cgen::header(&bad).unwrap_err().to_string();
    assert!(
        err.contains("vsha1h_u32") && err.contains("vector"),
        "{err}"
    );
}
