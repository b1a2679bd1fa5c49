/*
 * Minimal self-written declarations of the QEMU TCG plugin ABI, as exported by
 * Debian's qemu-user 7.2 (`nm -D /usr/bin/qemu-aarch64 | grep qemu_plugin`).
 * Debian ships no qemu-plugin.h, so only what insncount.c uses is declared.
 *
 * ABI assumptions (plugin API version 1, QEMU 7.x):
 *  - the plugin exports `int qemu_plugin_version` (checked by the loader
 *    against QEMU's [min, cur]; 7.2 passes min=0 cur=1 in qemu_info_t) and
 *    `qemu_plugin_install`;
 *  - qemu_plugin_id_t is uint64_t;
 *  - qemu_info_t starts with: const char *target_name; int min, cur; bool
 *    system_emulation; (then a union we do not read);
 *  - enum qemu_plugin_op: QEMU_PLUGIN_INLINE_ADD_U64 = 0 (the only op);
 *  - qemu_plugin_insn_data returns const void * (7.2; later versions copy
 *    into a caller buffer instead);
 *  - atexit callbacks take (id, userdata).
 */
#ifndef INSNCOUNT_QEMU_PLUGIN_ABI_H
#define INSNCOUNT_QEMU_PLUGIN_ABI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define QEMU_PLUGIN_EXPORT __attribute__((visibility("default")))
#define QEMU_PLUGIN_VERSION 1

typedef uint64_t qemu_plugin_id_t;

typedef struct qemu_info_t {
    const char *target_name;
    struct {
        int min;
        int cur;
    } version;
    bool system_emulation;
    union {
        struct {
            int smp_vcpus;
            int max_vcpus;
        } system;
    };
} qemu_info_t;

struct qemu_plugin_tb;   /* opaque */
struct qemu_plugin_insn; /* opaque */

enum qemu_plugin_op {
    QEMU_PLUGIN_INLINE_ADD_U64 = 0,
};

typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id,
                                               struct qemu_plugin_tb *tb);

/* Exported by the plugin. */
extern QEMU_PLUGIN_EXPORT int qemu_plugin_version;
QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id,
                                           const qemu_info_t *info,
                                           int argc, char **argv);

/* Provided by QEMU (resolved from the qemu-aarch64 executable at dlopen). */
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id,
                                           qemu_plugin_vcpu_tb_trans_cb_t cb);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb,
                                                 size_t idx);
const void *qemu_plugin_insn_data(const struct qemu_plugin_insn *insn);
size_t qemu_plugin_insn_size(const struct qemu_plugin_insn *insn);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *insn);
void qemu_plugin_register_vcpu_insn_exec_inline(struct qemu_plugin_insn *insn,
                                                enum qemu_plugin_op op,
                                                void *ptr, uint64_t imm);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id,
                                    qemu_plugin_udata_cb_t cb, void *userdata);

#endif
