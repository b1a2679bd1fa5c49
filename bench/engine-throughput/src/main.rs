//! Engine benchmarks on the x86-64 host (JIT), driven by bench/run.sh. WASM is any program's
//! kernel module: only the common interface of c/programs/README.md is used.
//!
//! * `throughput WASM EXPORT BLOCKS REPS RUNS [LOWERING]`: instantiate WASM with LOWERING
//!   (`portable`, the default, or `x86-native`: lowering (E), an error on a CPU without its
//!   features or if any function falls back to (A)), fill the module's input buffer (`input_buffer()`, same byte pattern as the
//!   programs' bench.c) through `Instance::memory_mut`, then call `EXPORT(BLOCKS, REPS)` (the
//!   kernel's `bench_neon` / `bench_plain`: hash the first BLOCKS blocks REPS times inside
//!   Wasm) RUNS times, timing each call in thread CPU time and wall time.
//! * `compile-time WASM RUNS`: per defined function, translate (Wasm -> CLIF, with the
//!   portable lowering inlined) and `Context::compile` for the host ISA, each timed
//!   separately; plus the whole `Instance::new` (parse, validate, compile all, JIT link,
//!   trampolines, memory). Medians over RUNS.
//!
//! Output: one JSON object on stdout.

use anyhow::{anyhow, bail, Context as _, Result};
use cranelift_codegen::control::ControlPlane;
use cranelift_codegen::ir::{Function, UserFuncName};
use cranelift_codegen::Context;
use cranelift_frontend::FunctionBuilderContext;
use cranelift_module::FuncId;
use engine::translate::{resolve_imports, translate_function, wasm_signature, TranslateEnv};
use engine::{Instance, ModuleInfo, Val};
use lowering::{LoweringTable, Mode};
use std::time::{Duration, Instant};

lowering::engine_hooks!();

/// CPU time of the calling thread in ns (`CLOCK_THREAD_CPUTIME_ID`).
fn thread_cpu_ns() -> Option<u64> {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    (rc == 0).then(|| ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64)
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn json_list(v: &[f64], digits: usize) -> String {
    let items: Vec<String> = v.iter().map(|x| format!("{x:.digits$}")).collect();
    format!("[{}]", items.join(", "))
}

fn one_i32(r: Vec<Val>) -> Result<i32> {
    match r[..] {
        [Val::I32(v)] => Ok(v),
        ref other => bail!("expected one i32 result, got {other:?}"),
    }
}

fn portable_table() -> Result<LoweringTable> {
    LoweringTable::all(Mode::Portable)
}

fn throughput(
    wasm_path: &str,
    export: &str,
    blocks: u32,
    reps: u32,
    runs: usize,
    lowering: &str,
) -> Result<()> {
    let wasm = std::fs::read(wasm_path).with_context(|| format!("reading {wasm_path}"))?;
    let portable = portable_table()?;
    let portable_hooks = LoweringHooks(&portable);
    let mut inst = match lowering {
        "portable" => Instance::new(&wasm, &portable_hooks)?,
        "x86-native" => {
            let missing = lowering::x86::missing_host_features();
            if !missing.is_empty() {
                bail!("lowering (E) needs {} on this CPU", missing.join(", "));
            }
            let native = LoweringTable::all(Mode::X86Native)?;
            let hooks = LoweringHooks(&native);
            let opts = engine::CompileOptions {
                lowering: &hooks,
                post_pass: Some(&hooks),
                fallback: Some(&portable_hooks),
            };
            let inst = Instance::with_options(&wasm, &opts, engine::Config::default())?;
            if !inst.fallbacks.is_empty() {
                bail!("functions fell back to (A): {:?}", inst.fallbacks);
            }
            inst
        }
        other => bail!("unknown lowering `{other}` (portable, x86-native)"),
    };
    let buf = one_i32(inst.call("input_buffer", &[])?)? as usize;
    let cap = one_i32(inst.call("input_capacity", &[])?)? as usize;
    let block_bytes = one_i32(inst.call("block_bytes", &[])?)? as usize;
    if blocks as usize * block_bytes > cap {
        bail!("{blocks} blocks exceed the module's input buffer ({cap} bytes)");
    }
    let args = [Val::I32(blocks as i32), Val::I32(reps as i32)];
    let bytes = block_bytes as f64 * blocks as f64 * reps as f64;
    let (mut cpu_mbps, mut wall_mbps) = (Vec::new(), Vec::new());
    let mut state0 = 0u32;
    for _ in 0..runs {
        // Same pattern as bench.c (byte i = i*131 + 7), before every call: a kernel may
        // process the buffer in place (AES-GCM encrypts it).
        for (i, b) in inst.memory_mut()[buf..buf + cap].iter_mut().enumerate() {
            *b = (i as u32).wrapping_mul(131).wrapping_add(7) as u8;
        }
        let c0 = thread_cpu_ns();
        let t0 = Instant::now();
        let r = one_i32(
            inst.call(export, &args)
                .map_err(|e| anyhow!("{export}: {e}"))?,
        )?;
        let wall = t0.elapsed().as_secs_f64();
        let cpu = match (c0, thread_cpu_ns()) {
            (Some(a), Some(b)) if b > a => (b - a) as f64 * 1e-9,
            _ => wall,
        };
        state0 = r as u32;
        cpu_mbps.push(bytes / cpu / 1e6);
        wall_mbps.push(bytes / wall / 1e6);
    }
    let (runs_cpu, runs_wall) = (json_list(&cpu_mbps, 1), json_list(&wall_mbps, 1));
    println!(
        "{{\"runner\": \"engine-jit-{lowering}\", \"wasm\": \"{wasm_path}\", \"export\": \"{export}\", \
         \"blocks\": {blocks}, \"reps\": {reps}, \"bytes_per_run\": {bytes:.0}, \
         \"state0\": \"{state0:08x}\", \"mbps_cpu_runs\": {runs_cpu}, \"mbps_wall_runs\": {runs_wall}, \
         \"mbps_cpu_median\": {:.1}, \"mbps_wall_median\": {:.1}}}",
        median(&mut cpu_mbps),
        median(&mut wall_mbps)
    );
    Ok(())
}

struct FuncTimes {
    index: u32,
    name: String,
    body_bytes: usize,
    code_bytes: usize,
    translate_us: Vec<f64>,
    compile_us: Vec<f64>,
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn compile_time(wasm_path: &str, runs: usize) -> Result<()> {
    let wasm = std::fs::read(wasm_path).with_context(|| format!("reading {wasm_path}"))?;
    let table = portable_table()?;
    let hooks = LoweringHooks(&table);

    // Whole-module instantiation (what a user of the JIT pays).
    let mut instance_ms = Vec::new();
    let mut parse_ms = Vec::new();
    for _ in 0..runs {
        let t0 = Instant::now();
        let inst = Instance::new(&wasm, &hooks)?;
        instance_ms.push(t0.elapsed().as_secs_f64() * 1e3);
        drop(inst);
        let t0 = Instant::now();
        let info = ModuleInfo::parse(&wasm)?;
        parse_ms.push(t0.elapsed().as_secs_f64() * 1e3);
        drop(info);
    }

    // Per function: the same steps as engine::compile::compile_module (translate, then
    // Context::compile for the host ISA), minus module declaration and definition.
    let info = ModuleInfo::parse(&wasm)?;
    let isa = engine::compile::host_isa()?;
    let num_imports = info.num_imported_funcs();
    let nfuncs = info.func_types.len() as u32;
    let func_ids: Vec<Option<FuncId>> = (0..nfuncs)
        .map(|i| (i >= num_imports).then(|| FuncId::from_u32(i)))
        .collect();
    let env = TranslateEnv {
        module: &info,
        lowering: &hooks,
        intrinsic_ids: resolve_imports(&info, &hooks)?,
        func_ids,
        call_conv: isa.default_call_conv(),
        frontend_config: isa.frontend_config(),
    };
    let mut funcs: Vec<FuncTimes> = (num_imports..nfuncs)
        .map(|idx| FuncTimes {
            index: idx,
            name: info.func_label(idx),
            body_bytes: info.bodies[(idx - num_imports) as usize].range().len(),
            code_bytes: 0,
            translate_us: Vec::new(),
            compile_us: Vec::new(),
        })
        .collect();
    let mut fctx = FunctionBuilderContext::new();
    let mut ctx = Context::new();
    for _ in 0..runs {
        for f in funcs.iter_mut() {
            ctx.clear();
            let sig = wasm_signature(info.func_sig(f.index)?, env.call_conv);
            let t0 = Instant::now();
            ctx.func = Function::with_name_signature(UserFuncName::user(0, f.index), sig);
            translate_function(&env, f.index, &mut ctx.func, &mut fctx)?;
            let t1 = Instant::now();
            ctx.compile(&*isa, &mut ControlPlane::default())
                .map_err(|e| anyhow!("compiling {}: {:?}", f.name, e.inner))?;
            let t2 = Instant::now();
            f.translate_us.push(us(t1 - t0));
            f.compile_us.push(us(t2 - t1));
            f.code_bytes = ctx.compiled_code().expect("compiled").code_buffer().len();
        }
    }

    let mut rows = Vec::new();
    let (mut sum_t, mut sum_c) = (0.0, 0.0);
    for f in funcs.iter_mut() {
        let (t, c) = (median(&mut f.translate_us), median(&mut f.compile_us));
        sum_t += t;
        sum_c += c;
        rows.push(format!(
            "{{\"index\": {}, \"name\": \"{}\", \"wasm_body_bytes\": {}, \"code_bytes\": {}, \
             \"translate_us_median\": {t:.1}, \"compile_us_median\": {c:.1}, \"total_us_median\": {:.1}}}",
            f.index,
            f.name.replace('"', "'"),
            f.body_bytes,
            f.code_bytes,
            t + c
        ));
    }
    println!(
        "{{\"wasm\": \"{wasm_path}\", \"lowering\": \"portable\", \"isa\": \"{}\", \"runs\": {runs}, \
         \"instance_new_ms_median\": {:.2}, \"parse_validate_ms_median\": {:.2}, \
         \"sum_translate_us\": {sum_t:.1}, \"sum_compile_us\": {sum_c:.1}, \"functions\": [\n  {}\n]}}",
        isa.triple(),
        median(&mut instance_ms),
        median(&mut parse_ms),
        rows.join(",\n  ")
    );
    Ok(())
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let num = |s: &String| -> Result<u32> { s.parse().with_context(|| format!("bad number {s}")) };
    match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["throughput", wasm, export, ref rest @ ..] if rest.len() == 3 || rest.len() == 4 => {
            throughput(
                wasm,
                export,
                num(&args[3])?,
                num(&args[4])?,
                num(&args[5])? as usize,
                args.get(6).map(String::as_str).unwrap_or("portable"),
            )
        }
        ["compile-time", wasm, _runs] => compile_time(wasm, num(&args[2])? as usize),
        _ => {
            eprintln!(
                "usage: engine-throughput throughput WASM EXPORT BLOCKS REPS RUNS [portable|x86-native]\n       \
                 engine-throughput compile-time WASM RUNS"
            );
            std::process::exit(2)
        }
    }
}
