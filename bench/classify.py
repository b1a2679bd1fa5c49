#!/usr/bin/env python3
"""Classify the instructions of the hot loop of one AArch64 function (bench/run.sh).

usage: classify.py OBJDUMP_TEXT FUNCTION
OBJDUMP_TEXT is `aarch64-linux-gnu-objdump -d --no-show-raw-insn` output. The loop is the
span of the widest backward branch inside FUNCTION. For the kernels measured so far that span
is straight-line code executed once per 64-byte block (only never-taken trap branches leave
it), so its static size equals the dynamic count per block; run.sh prints both so that any
difference shows. Prints one JSON object: loop bounds, size, and counts per class."""
import json
import re
import sys
from collections import Counter, OrderedDict

VREG = re.compile(r"\bv\d+\.")
SREG = re.compile(r"\b[qdsbh]\d+\b")
GREG = re.compile(r"\b[wx](\d+|zr)\b")
# The Cryptographic Extension, as tools/qemu-plugin/insncount.c counts it: SHA-1, SHA-256,
# SHA-512, AES, SHA-3 and PMULL's 64x64 form (.1q; the 8x8 form is ordinary Advanced SIMD).
CRYPTO = re.compile(r"^(sha1|sha256|sha512|aes)[a-z0-9]*$|^(eor3|rax1|xar|bcax)$")


def classify(mn, ops):
    if CRYPTO.match(mn) or (mn in ("pmull", "pmull2") and ".1q" in ops):
        return "crypto"
    if mn.startswith(("b.", "cbz", "cbnz", "tbz", "tbnz")) or mn in ("b", "br", "ret", "bl", "blr"):
        return "branch"
    if mn in ("cmp", "cmn", "tst", "ccmp"):
        return "compare (bounds/trap checks)"
    if mn.startswith(("ldr", "ldp", "ld1", "ldur")) or mn.startswith(("str", "stp", "st1", "stur")):
        return "stack spill/reload" if re.search(r"\[sp\b", ops) else "memory (data/state)"
    vec = bool(VREG.search(ops) or SREG.search(ops))
    gpr = bool(GREG.search(ops))
    if mn in ("fmov", "dup", "ins", "umov", "smov", "mov") and vec and gpr and "#" not in ops:
        return "gpr<->vector move"
    if mn in ("mov", "orr") and vec and not gpr:
        parts = [p.strip() for p in ops.split(",")]
        if mn == "mov" or (len(parts) == 3 and parts[1] == parts[2]):
            return "vector register copy"
    if vec:
        return "vector arithmetic/permute"
    if mn in ("mov", "movk", "movz", "movn") and "#" in ops:
        return "constant materialisation"
    if mn == "mov":
        return "scalar register copy"
    return "scalar arithmetic"


def main():
    text, func = open(sys.argv[1]).read().splitlines(), sys.argv[2]
    insns, inside = [], False
    for line in text:
        if re.match(r"^[0-9a-f]+ <%s>:$" % re.escape(func), line):
            inside = True
            continue
        if inside and not line.strip():
            break
        if inside:
            m = re.match(r"^\s*([0-9a-f]+):\s+(\S+)\s*([^/]*)", line)
            if m:
                insns.append((int(m.group(1), 16), m.group(2), m.group(3).strip()))
    if not insns:
        sys.exit(f"classify.py: no function {func}")
    best = None
    for addr, mn, ops in insns:
        if mn.startswith(("b", "cb", "tb")):
            t = re.match(r"([0-9a-f]+)\b", ops.split(",")[-1].strip())
            if t and int(t.group(1), 16) < addr:
                span = (int(t.group(1), 16), addr)
                if best is None or span[1] - span[0] > best[1] - best[0]:
                    best = span
    # No backward branch: the loop is in a callee (the block function only dispatches); the
    # function's own instructions are what there is to classify.
    whole = best is None
    if whole:
        best = (insns[0][0], insns[-1][0])
    loop = [(a, mn, ops) for a, mn, ops in insns if best[0] <= a <= best[1]]
    counts = Counter(classify(mn, ops) for _, mn, ops in loop)
    order = ["crypto", "memory (data/state)", "stack spill/reload", "vector arithmetic/permute",
             "vector register copy", "gpr<->vector move", "scalar arithmetic",
             "scalar register copy", "constant materialisation",
             "compare (bounds/trap checks)", "branch"]
    print(json.dumps(OrderedDict([
        ("function", func), ("function_insns", len(insns)), ("loop_is_whole_function", whole),
        ("loop_start", hex(best[0])), ("loop_end", hex(best[1])), ("loop_insns", len(loop)),
        ("classes", OrderedDict((k, counts[k]) for k in order if counts[k])),
        ("mnemonics", OrderedDict(Counter(mn for _, mn, _ in loop).most_common())),
    ])))


if __name__ == "__main__":
    main()
