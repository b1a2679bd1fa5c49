//! ARM ground truth: read isla's SMT trace dialect (as in `shared/isa/`) into
//! terms. `define-const` carries no sort, so widths are inferred bottom-up;
//! every mismatch or unknown operator is an error naming the file and line.
//!
//! The traces' register inputs become variables named `V0`, `V1`, ... (the
//! names the models use); any other `declare-const` is an ARM `undefined`
//! value and becomes a variable `undefined.<name>`, which a proof quantifies
//! over (so the result must not depend on it).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};

use crate::bits::{Bits, MAX_WIDTH};
use crate::domain::{BinOp, Domain};
use crate::table::Table;
use crate::term::{TermId, Terms};

/// A trace read into terms.
#[derive(Debug, Clone)]
pub struct Trace {
    pub path: PathBuf,
    /// Register inputs the trace reads (`V0`, `V1`, ...), in declaration order.
    pub inputs: Vec<String>,
    /// `undefined.*` variables.
    pub undefined: Vec<String>,
    /// Output register name and its value.
    pub output: (String, TermId),
}

#[derive(Debug, Clone)]
enum Sexp {
    Atom(String, usize),
    List(Vec<Sexp>, usize),
}

impl Sexp {
    fn line(&self) -> usize {
        match self {
            Sexp::Atom(_, l) | Sexp::List(_, l) => *l,
        }
    }
}

fn parse_sexps(text: &str) -> Result<Vec<Sexp>, String> {
    let mut stack: Vec<(Vec<Sexp>, usize)> = vec![(vec![], 0)];
    let mut line = 1;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' => line += 1,
            ';' => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        line += 1;
                        break;
                    }
                }
            }
            '(' => stack.push((vec![], line)),
            ')' => {
                let (items, start) = stack.pop().unwrap();
                let parent = stack
                    .last_mut()
                    .ok_or(format!("line {line}: unbalanced `)`"))?;
                parent.0.push(Sexp::List(items, start));
            }
            c if c.is_whitespace() => {}
            _ => {
                let mut atom = c.to_string();
                while let Some(&n) = chars.peek() {
                    if n.is_whitespace() || n == '(' || n == ')' || n == ';' {
                        break;
                    }
                    atom.push(n);
                    chars.next();
                }
                stack.last_mut().unwrap().0.push(Sexp::Atom(atom, line));
            }
        }
    }
    if stack.len() != 1 {
        return Err(format!(
            "unclosed `(` opened at line {}",
            stack.last().unwrap().1
        ));
    }
    Ok(stack.pop().unwrap().0)
}

fn literal(s: &str) -> Option<Bits> {
    if let Some(h) = s.strip_prefix("#x") {
        return Bits::parse_hex(h.len() as u32 * 4, h);
    }
    if let Some(b) = s.strip_prefix("#b") {
        let mut v = Bits::zero(b.len() as u32);
        for c in b.chars() {
            v = v
                .shl_by(1)
                .or(&Bits::from_u64(b.len() as u32, c.to_digit(2)? as u64));
        }
        return Some(v);
    }
    None
}

/// A hex literal wider than `Bits` holds, as little-endian bytes.
fn wide_literal(s: &str) -> Option<Vec<u8>> {
    let h = s.strip_prefix("#x")?;
    if h.len() % 2 != 0 || !h.bytes().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let mut bytes: Vec<u8> = (0..h.len() / 2)
        .map(|i| u8::from_str_radix(&h[2 * i..2 * i + 2], 16).unwrap())
        .collect();
    bytes.reverse();
    Some(bytes)
}

/// Parse the `; inputs: V0=v2113 ... ; output: V0 := v2606` header.
/// `(register, symbol)` pairs of the inputs, and the output pair.
type Header = (Vec<(String, String)>, (String, String));

fn header(text: &str) -> Result<Header, String> {
    let line = text
        .lines()
        .find(|l| l.starts_with("; inputs:"))
        .ok_or("missing `; inputs: ... ; output: ...` header line")?;
    let (ins, out) = line
        .trim_start_matches("; inputs:")
        .split_once("; output:")
        .ok_or("header has no `; output:` part")?;
    let mut inputs = Vec::new();
    for w in ins.split_whitespace() {
        if let Some((reg, sym)) = w.split_once('=') {
            inputs.push((reg.to_string(), sym.to_string()));
        }
    }
    let (reg, sym) = out
        .split_once(":=")
        .ok_or("output must read `REG := SYMBOL`")?;
    Ok((inputs, (reg.trim().to_string(), sym.trim().to_string())))
}

/// A value of the trace. Wider than `Bits` allows only in the shapes ARM's table lookups
/// take (`Slice(table, UInt(b) * 8, 8)` in Sail): a literal table, an index zero-extended to
/// the table's width, and the table shifted right by it. The byte at the bottom of the
/// shifted table becomes a `Table` term, identified by enumerating its argument.
#[derive(Clone, Debug)]
enum Val {
    Term(TermId),
    /// A constant, little-endian bytes.
    WideConst(Vec<u8>),
    /// A narrow term zero-extended to `width` bits.
    WideIndex {
        index: TermId,
        width: u32,
    },
    /// `table >> index`.
    Shifted {
        table: Vec<u8>,
        index: TermId,
    },
}

struct Reader<'a> {
    terms: &'a mut Terms,
    env: HashMap<String, Val>,
    path: &'a Path,
}

impl Reader<'_> {
    fn err(&self, at: &Sexp, msg: impl std::fmt::Display) -> anyhow::Error {
        anyhow!("{}:{}: {msg}", self.path.display(), at.line())
    }

    fn value(&mut self, e: &Sexp) -> Result<Val> {
        match e {
            Sexp::Atom(a, _) => {
                if let Some(b) = literal(a) {
                    return Ok(Val::Term(self.terms.constant(b)));
                }
                if let Some(bytes) = wide_literal(a) {
                    return Ok(Val::WideConst(bytes));
                }
                self.env
                    .get(a)
                    .cloned()
                    .ok_or_else(|| self.err(e, format!("undefined symbol `{a}`")))
            }
            Sexp::List(items, _) => {
                let head = items
                    .first()
                    .ok_or_else(|| self.err(e, "empty application"))?;
                // Indexed operators: ((_ extract h l) x), ((_ zero_extend n) x), (_ bvN W).
                if let Sexp::Atom(a, _) = head {
                    if a == "_" {
                        return self.indexed_literal(e, items).map(Val::Term);
                    }
                }
                let vals: Vec<Val> = items[1..]
                    .iter()
                    .map(|a| self.value(a))
                    .collect::<Result<_>>()?;
                if let Some(v) = self.wide_op(e, head, &vals)? {
                    return Ok(v);
                }
                let args: Vec<TermId> = vals
                    .into_iter()
                    .map(|v| match v {
                        Val::Term(t) => Ok(t),
                        _ => Err(self.err(e, "a wide value used as an ordinary operand")),
                    })
                    .collect::<Result<_>>()?;
                let widths: Vec<u32> = args.iter().map(|a| self.terms.width(a)).collect();
                match head {
                    Sexp::List(idx, _) => self.indexed_op(e, idx, &args, &widths),
                    Sexp::Atom(op, _) => self.plain_op(e, op, &args, &widths),
                }
                .map(Val::Term)
            }
        }
    }

    /// The operations that make or take wide values; `None` for every other.
    fn wide_op(&mut self, e: &Sexp, head: &Sexp, vals: &[Val]) -> Result<Option<Val>> {
        let width_of = |r: &Self, v: &Val| -> u32 {
            match v {
                Val::Term(t) => r.terms.width(t),
                Val::WideConst(b) => b.len() as u32 * 8,
                Val::WideIndex { width, .. } => *width,
                Val::Shifted { table, .. } => table.len() as u32 * 8,
            }
        };
        match (head, vals) {
            (Sexp::Atom(op, _), [a, b]) if op == "concat" => {
                let total = width_of(self, a) + width_of(self, b);
                if total <= MAX_WIDTH {
                    return Ok(None);
                }
                let (Some(hi), Some(lo)) = (self.const_bytes(a), self.const_bytes(b)) else {
                    return Err(self.err(e, format!("a {total}-bit concat of non-constants")));
                };
                Ok(Some(Val::WideConst([lo, hi].concat())))
            }
            (Sexp::List(idx, _), [Val::Term(x)]) if matches!(idx.get(1), Some(Sexp::Atom(n, _)) if n == "zero_extend") =>
            {
                let n = self.index(e, idx, 2)?;
                let width = self.terms.width(x) + n;
                if width <= MAX_WIDTH {
                    return Ok(None);
                }
                Ok(Some(Val::WideIndex { index: *x, width }))
            }
            (Sexp::Atom(op, _), [Val::WideConst(table), Val::WideIndex { index, width }])
                if op == "bvlshr" && *width == table.len() as u32 * 8 =>
            {
                Ok(Some(Val::Shifted {
                    table: table.clone(),
                    index: *index,
                }))
            }
            (Sexp::List(idx, _), [Val::Shifted { table, index }]) => {
                let (hi, lo) = (self.index(e, idx, 2)?, self.index(e, idx, 3)?);
                if (hi, lo) != (7, 0) {
                    return Err(self.err(e, "a table lookup must take bits 7..0"));
                }
                self.lookup(e, table, *index).map(|t| Some(Val::Term(t)))
            }
            _ if vals.iter().any(|v| !matches!(v, Val::Term(_))) => {
                Err(self.err(e, "a wide value in an operation other than a table lookup"))
            }
            _ => Ok(None),
        }
    }

    fn const_bytes(&self, v: &Val) -> Option<Vec<u8>> {
        match v {
            Val::WideConst(b) => Some(b.clone()),
            Val::Term(t) if self.terms.width(t) % 8 == 0 => {
                let c = self.terms.as_const(t)?;
                Some(
                    (0..c.width() / 8)
                        .map(|i| c.extract(8 * i + 7, 8 * i).to_u64() as u8)
                        .collect(),
                )
            }
            _ => None,
        }
    }

    /// The byte `table[index / 8]`, where the index is a function of one byte `b` of the
    /// trace: found as the byte subterm that, replaced by a fresh variable, leaves the index
    /// depending on nothing else. All 256 values of `b` are tried; every index must be a
    /// byte position inside the table, and the 256 results must be a known table.
    fn lookup(&mut self, e: &Sexp, table: &[u8], index: TermId) -> Result<TermId> {
        if let Some((b, f)) = self.terms.function_of_one_byte(index, "arm.table.byte") {
            let mut entries = [0u8; 256];
            for (v, entry) in entries.iter_mut().enumerate() {
                let env =
                    HashMap::from([("arm.table.byte".to_string(), Bits::from_u64(8, v as u64))]);
                let i = self.terms.eval(&[f], &env).map_err(|m| self.err(e, m))?[0].to_u128();
                if i % 8 != 0 || i / 8 >= table.len() as u128 {
                    return Err(self.err(
                        e,
                        format!(
                            "table index {i} for byte {v:#04x} is not a byte of the {}-byte table",
                            table.len()
                        ),
                    ));
                }
                *entry = table[(i / 8) as usize];
            }
            return match Table::identify(&entries) {
                Some(t) => Ok(self.terms.table(t, &b)),
                None => Err(self.err(e, "a table lookup whose 256 entries are no known table (S-box, inverse S-box, GF(2^8) product)")),
            };
        }
        Err(self.err(e, "a table index that is not a function of one byte"))
    }

    fn indexed_literal(&mut self, e: &Sexp, items: &[Sexp]) -> Result<TermId> {
        match items {
            [_, Sexp::Atom(v, _), Sexp::Atom(w, _)] if v.starts_with("bv") => {
                let value: u128 = v[2..]
                    .parse()
                    .map_err(|_| self.err(e, "bad (_ bvN W) literal"))?;
                let width: u32 = w.parse().map_err(|_| self.err(e, "bad (_ bvN W) width"))?;
                Ok(self.terms.constant(Bits::from_u128(width, value)))
            }
            _ => Err(self.err(e, "unsupported indexed literal")),
        }
    }

    fn index(&self, e: &Sexp, idx: &[Sexp], i: usize) -> Result<u32> {
        match idx.get(i) {
            Some(Sexp::Atom(n, _)) => n
                .parse()
                .map_err(|_| self.err(e, format!("bad index `{n}`"))),
            _ => Err(self.err(e, "missing index")),
        }
    }

    fn indexed_op(
        &mut self,
        e: &Sexp,
        idx: &[Sexp],
        args: &[TermId],
        widths: &[u32],
    ) -> Result<TermId> {
        let name = match idx.get(1) {
            Some(Sexp::Atom(n, _)) => n.as_str(),
            _ => return Err(self.err(e, "malformed indexed operator")),
        };
        if args.len() != 1 {
            return Err(self.err(e, format!("`{name}` takes one argument")));
        }
        let x = args[0];
        match name {
            "extract" => {
                let (hi, lo) = (self.index(e, idx, 2)?, self.index(e, idx, 3)?);
                if hi < lo || hi >= widths[0] {
                    return Err(
                        self.err(e, format!("extract {hi} {lo} of a {}-bit value", widths[0]))
                    );
                }
                Ok(self.terms.extract(&x, hi, lo))
            }
            "zero_extend" => {
                let n = self.index(e, idx, 2)?;
                Ok(self.terms.zext(&x, widths[0] + n))
            }
            "rotate_left" | "rotate_right" => {
                let n = self.index(e, idx, 2)?;
                let n = if name == "rotate_left" {
                    n
                } else {
                    widths[0] - n % widths[0]
                };
                Ok(self.terms.rotl(&x, n))
            }
            "sign_extend" => {
                let n = self.index(e, idx, 2)?;
                if n == 0 {
                    return Ok(x);
                }
                let top = self.terms.extract(&x, widths[0] - 1, widths[0] - 1);
                let mut ext = top;
                for _ in 1..n {
                    ext = self.terms.concat(&ext, &top);
                }
                Ok(self.terms.concat(&ext, &x))
            }
            other => Err(self.err(e, format!("unsupported operator `{other}`"))),
        }
    }

    fn plain_op(&mut self, e: &Sexp, op: &str, args: &[TermId], widths: &[u32]) -> Result<TermId> {
        let bin = match op {
            "bvadd" => Some(BinOp::Add),
            "bvsub" => Some(BinOp::Sub),
            "bvmul" => Some(BinOp::Mul),
            "bvand" => Some(BinOp::And),
            "bvor" => Some(BinOp::Or),
            "bvxor" => Some(BinOp::Xor),
            "bvshl" => Some(BinOp::Shl),
            "bvlshr" => Some(BinOp::Lshr),
            "bvashr" => Some(BinOp::Ashr),
            _ => None,
        };
        if let Some(b) = bin {
            if args.len() < 2 {
                return Err(self.err(e, format!("`{op}` needs two arguments")));
            }
            if widths.iter().any(|&w| w != widths[0]) {
                return Err(self.err(e, format!("`{op}` applied to widths {widths:?}")));
            }
            // SMT-LIB allows left-associative chains for the associative ones.
            let mut acc = args[0];
            for a in &args[1..] {
                acc = self.terms.binary(b, &acc, a);
            }
            return Ok(acc);
        }
        match (op, args) {
            ("bvnot", [x]) => Ok(self.terms.not(x)),
            // Booleans are 1-bit vectors here: `=` gives one, `not` and `ite` take one.
            ("not", [x]) if widths[0] == 1 => Ok(self.terms.not(x)),
            ("=", [a, b]) if widths[0] == widths[1] => Ok(self.terms.binary(BinOp::Eq, a, b)),
            ("ite", [c, t, f]) if widths[0] == 1 && widths[1] == widths[2] => {
                Ok(self.terms.ite(c, t, f))
            }
            ("bvslt", [a, b]) if widths[0] == widths[1] => Ok(self.terms.binary(BinOp::Slt, a, b)),
            ("concat", [_, _, ..]) => {
                let mut acc = args[0];
                for a in &args[1..] {
                    acc = self.terms.concat(&acc, a);
                }
                Ok(acc)
            }
            _ => Err(self.err(
                e,
                format!("unsupported operator `{op}` with {} arguments", args.len()),
            )),
        }
    }
}

/// Read one trace. Register inputs named in the header become variables
/// `V0`, `V1`, ...; other declared constants become `undefined.<symbol>`.
/// Where ARM's trace of instruction `m` (made for its canonical word, registers 0, 1, 2)
/// lives under the shared ISA directory: `<isa_root>/aarch64-<family>/<name>.smt`.
pub fn trace_path(isa_root: &Path, m: spec::Mnemonic) -> PathBuf {
    isa_root
        .join(format!("aarch64-{}", m.family()))
        .join(format!("{}.smt", m.name().to_lowercase()))
}

pub fn read_trace(path: &Path, terms: &mut Terms) -> Result<Trace> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read ARM trace {}", path.display()))?;
    parse_trace(path, &text, terms)
}

pub fn parse_trace(path: &Path, text: &str, terms: &mut Terms) -> Result<Trace> {
    let (inputs, (out_reg, out_sym)) =
        header(text).map_err(|m| anyhow!("{}: {m}", path.display()))?;
    let sexps = parse_sexps(text).map_err(|m| anyhow!("{}: {m}", path.display()))?;

    // Inputs are named via a define chain (`V0=v2113`, `v2113 := v2112`):
    // find the declared symbol behind each register input.
    let mut aliases: HashMap<String, String> = HashMap::new();
    for s in &sexps {
        if let Sexp::List(items, _) = s {
            if let [Sexp::Atom(k, _), Sexp::Atom(name, _), Sexp::Atom(target, _)] = items.as_slice()
            {
                if k == "define-const" && literal(target).is_none() {
                    aliases.insert(name.clone(), target.clone());
                }
            }
        }
    }
    let resolve = |mut s: String| {
        while let Some(t) = aliases.get(&s) {
            s = t.clone();
        }
        s
    };
    let register_of: HashMap<String, String> = inputs
        .iter()
        .map(|(reg, sym)| (resolve(sym.clone()), reg.clone()))
        .collect();

    let mut reader = Reader {
        terms,
        env: HashMap::new(),
        path,
    };
    let mut used_inputs = Vec::new();
    let mut undefined = Vec::new();
    for s in &sexps {
        let Sexp::List(items, _) = s else {
            return Err(reader.err(s, "expected a command"));
        };
        match items.as_slice() {
            [Sexp::Atom(k, _), Sexp::Atom(name, _), Sexp::List(sort, _)]
                if k == "declare-const" =>
            {
                let width = match sort.as_slice() {
                    [Sexp::Atom(u, _), Sexp::Atom(bv, _), Sexp::Atom(w, _)]
                        if u == "_" && bv == "BitVec" =>
                    {
                        w.parse::<u32>()
                            .map_err(|_| reader.err(s, "bad BitVec width"))?
                    }
                    _ => {
                        return Err(reader.err(
                            s,
                            format!("`{name}`: only (_ BitVec W) sorts are supported"),
                        ))
                    }
                };
                let var = match register_of.get(name) {
                    Some(reg) => {
                        used_inputs.push(reg.clone());
                        reg.clone()
                    }
                    None => {
                        let v = format!("undefined.{name}");
                        undefined.push(v.clone());
                        v
                    }
                };
                let t = reader.terms.var(&var, width);
                reader.env.insert(name.clone(), Val::Term(t));
            }
            [Sexp::Atom(k, _), Sexp::Atom(name, _), body] if k == "define-const" => {
                let v = reader.value(body)?;
                reader.env.insert(name.clone(), v);
            }
            _ => return Err(reader.err(s, "expected declare-const or define-const")),
        }
    }
    let out = match reader.env.get(&out_sym) {
        Some(Val::Term(t)) => *t,
        Some(_) => bail!("{}: output `{out_sym}` is a wide value", path.display()),
        None => bail!(
            "{}: output symbol `{out_sym}` is never defined",
            path.display()
        ),
    };
    if reader.terms.width(&out) != 128 {
        bail!(
            "{}: output `{out_sym}` is {} bits, expected 128",
            path.display(),
            reader.terms.width(&out)
        );
    }
    Ok(Trace {
        path: path.to_path_buf(),
        inputs: used_inputs,
        undefined,
        output: (out_reg, out),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_are_inferred_and_errors_name_the_line() {
        let mut t = Terms::new();
        let text = "; x\n; inputs: V1=a (128-bit); output: V0 := r\n(declare-const a (_ BitVec 128))\n(define-const s ((_ extract 31 0) a))\n(define-const r ((_ zero_extend 96) (bvadd s #x00000001)))\n";
        let tr = parse_trace(Path::new("t.smt"), text, &mut t).unwrap();
        assert_eq!(tr.inputs, vec!["V1"]);
        assert_eq!(t.width(&tr.output.1), 128);

        let bad = text.replace("#x00000001", "#x0001");
        let e = parse_trace(Path::new("t.smt"), &bad, &mut t)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("t.smt:5:") && e.contains("bvadd"), "{e}");
        let bad = text.replace("bvadd", "bvfrob");
        let e = parse_trace(Path::new("t.smt"), &bad, &mut t)
            .unwrap_err()
            .to_string();
        assert!(e.contains("bvfrob"), "{e}");
    }
}
