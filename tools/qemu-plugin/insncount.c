/*
 * insncount: QEMU TCG plugin (API v1, QEMU 7.2) counting executed AArch64
 * instructions, Cryptographic Extension instructions, and moves between
 * general-purpose and vector registers, optionally only inside [start, end).
 *
 *   qemu-aarch64 -plugin libinsncount.so[,start=0x..,end=0x..] ./prog
 *
 * Prints at exit, to stderr:  insns=N crypto=N gpr_vec_moves=N
 *
 * Counting uses inline add ops registered at translation time, so the cost per
 * executed instruction is one TCG add and the counts are exact for a
 * single-threaded guest (inline ops are not atomic across vCPU threads).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qemu_plugin_abi.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

static uint64_t n_insns, n_crypto, n_moves;
static uint64_t range_start = 0, range_end = UINT64_MAX; /* [start, end) */

/* The Cryptographic Extension instructions of every family, so that a kernel
 * of any family is counted without a change here. SM3/SM4 share encoding
 * groups with SHA-512/SHA-3 but are left out: no family uses them.
 * Encodings: Arm ARM, "Cryptographic" and "Advanced SIMD three different"
 * decode groups. test/loop.c (assembled by binutils, run by selftest.sh)
 * has every class and the near misses from neighbouring encodings. */
static int is_crypto(uint32_t w)
{
    /* Three-register SHA: 01011110 000 Rm 0 opcode 00 Rn Rd, opcode 0..6 =
     * SHA1C/P/M/SU0, SHA256H/H2/SU1 (7 unallocated). */
    if ((w & 0xffe08c00u) == 0x5e000000u)
        return ((w >> 12) & 7) != 7;
    /* Two-register SHA: 01011110 0010100 opcode 10 Rn Rd, opcode 0..2 =
     * SHA1H, SHA1SU1, SHA256SU0 (the rest unallocated). */
    if ((w & 0xfffe0c00u) == 0x5e280800u)
        return ((w >> 12) & 0x1f) <= 2;
    /* AES: 01001110 0010100 001xx 10 Rn Rd = AESE/AESD/AESMC/AESIMC. */
    if ((w & 0xffffcc00u) == 0x4e284800u)
        return 1;
    /* PMULL/PMULL2 64x64->128: 0 Q 0 01110 11 1 Rm 1110 00 Rn Rd (size 11;
     * size 00 is the 8x8 form of plain Advanced SIMD). */
    if ((w & 0xbfe0fc00u) == 0x0ee0e000u)
        return 1;
    /* SHA512H/H2/SU1, RAX1: 11001110 011 Rm 1 0 00 opcode Rn Rd (bit 14 set
     * would be SM3PARTW1/2, SM4EKEY). */
    if ((w & 0xffe0f000u) == 0xce608000u)
        return 1;
    /* SHA512SU0: 11001110 11000000 1000 00 Rn Rd (opcode 01 = SM4E). */
    if ((w & 0xfffffc00u) == 0xcec08000u)
        return 1;
    /* EOR3 (Op0 00), BCAX (01): 11001110 0 Op0 Rm 0 Ra Rn Rd (10 = SM3SS1). */
    if ((w & 0xffc08000u) == 0xce000000u)
        return 1;
    /* XAR: 11001110 100 Rm imm6 Rn Rd. */
    return (w & 0xffe00000u) == 0xce800000u;
}

/* Data moves between the general and the SIMD&FP register files (no
 * conversions such as SCVTF/FCVTZS, no vector-to-vector or immediate moves). */
static int is_gpr_vec_move(uint32_t w)
{
    /* FMOV (general): sf 0 0 11110 ftype 1 rmode opcode 000000 Rn Rd,
     * opcode 110 (to general) / 111 (from general). */
    if ((w & 0x7f20fc00u) == 0x1e200000u) {
        unsigned sf = w >> 31, ftype = (w >> 22) & 3, rmode = (w >> 19) & 3;
        unsigned opc = (w >> 16) & 7;
        if (opc != 6 && opc != 7)
            return 0;
        if (rmode == 0)      /* Wn<->Sn, Xn<->Dn, W/Xn<->Hn */
            return (sf == 0 && ftype == 0) || (sf == 1 && ftype == 1) || ftype == 3;
        if (rmode == 1)      /* Xn <-> Vd.D[1] */
            return sf == 1 && ftype == 2;
        return 0;
    }
    /* Advanced SIMD copy, op=0: 0 Q 0 01110000 imm5 0 imm4 1 Rn Rd.
     * imm4 0001 DUP (general), 0011 INS (general) = MOV Vd.T[i], Rn,
     * 0101 SMOV, 0111 UMOV (= MOV Rd, Vn.T[i]). imm4 0000 (DUP element) is
     * vector-to-vector. imm5 with no low set bit is unallocated. */
    if ((w & 0xbfe08400u) == 0x0e000400u && ((w >> 16) & 0xf) != 0) {
        unsigned imm4 = (w >> 11) & 0xf;
        return imm4 == 1 || imm4 == 3 || imm4 == 5 || imm4 == 7;
    }
    return 0;
}

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    (void)id;
    size_t n = qemu_plugin_tb_n_insns(tb);
    for (size_t i = 0; i < n; i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        uint64_t pc = qemu_plugin_insn_vaddr(insn);
        if (pc < range_start || pc >= range_end)
            continue;
        qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64,
                                                   &n_insns, 1);
        if (qemu_plugin_insn_size(insn) != 4)
            continue;
        uint32_t w;
        memcpy(&w, qemu_plugin_insn_data(insn), 4); /* guest LE == host LE */
        if (is_crypto(w))
            qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64,
                                                       &n_crypto, 1);
        else if (is_gpr_vec_move(w))
            qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64,
                                                       &n_moves, 1);
    }
}

static void at_exit(qemu_plugin_id_t id, void *udata)
{
    (void)id;
    (void)udata;
    char line[128];
    snprintf(line, sizeof line, "insns=%" PRIu64 " crypto=%" PRIu64 " gpr_vec_moves=%" PRIu64 "\n",
             n_insns, n_crypto, n_moves);
    /* Straight to stderr: qemu_plugin_outs goes through QEMU's log, which a
     * user's -D logfile would redirect. */
    fputs(line, stderr);
    fflush(stderr);
}

static int parse_addr(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (*s == '\0' || *end != '\0' || errno)
        return -1;
    *out = v;
    return 0;
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
                                           int argc, char **argv)
{
    /* The classifiers decode AArch64 words: refuse other guests loudly. */
    if (strcmp(info->target_name, "aarch64") != 0) {
        fprintf(stderr, "insncount: guest is %s, only aarch64 is supported\n",
                info->target_name);
        return -1;
    }
    for (int i = 0; i < argc; i++) {
        int bad;
        if (strncmp(argv[i], "start=", 6) == 0)
            bad = parse_addr(argv[i] + 6, &range_start);
        else if (strncmp(argv[i], "end=", 4) == 0)
            bad = parse_addr(argv[i] + 4, &range_end);
        else
            bad = 1;
        if (bad) {
            fprintf(stderr, "insncount: bad argument '%s' (want start=ADDR,end=ADDR)\n",
                    argv[i]);
            return -1;
        }
    }
    if (range_start >= range_end) {
        fprintf(stderr, "insncount: empty range [0x%" PRIx64 ", 0x%" PRIx64 ")\n",
                range_start, range_end);
        return -1;
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
    qemu_plugin_register_atexit_cb(id, at_exit, NULL);
    return 0;
}
