/* Context switch for AArch64, AAPCS64, ELF, GNU assembler.
 *
 * The frame a suspended context leaves at the top of its stack (offsets in frame.h); the
 * context handle is the address of its lowest byte:
 *
 *   0x00  d8   d9
 *   0x10  d10  d11
 *   0x20  d12  d13
 *   0x30  d14  d15      (the low 64 bits of v8-v15 are callee-saved)
 *   0x40  x19  x20
 *   0x50  x21  x22
 *   0x60  x23  x24
 *   0x70  x25  x26
 *   0x80  x27  x28
 *   0x90  x29  x30      (frame pointer; link register = where the context resumes)
 *   0xa0  fpcr unused
 *
 * These are exactly the registers AAPCS64 makes callee-saved, plus FPCR (rounding mode and
 * trap enables), which a greenlet may change. Writing FPCR can be slow, so it is written only
 * when the two contexts differ. sp stays 16-byte aligned throughout. */

#include "frame.h"

#if defined(__ARM_FEATURE_BTI_DEFAULT) && __ARM_FEATURE_BTI_DEFAULT
#define ENTRY_BRANCH bti c
#else
#define ENTRY_BRANCH
#endif

        .text

/* eventlet_context eventlet_make_context(void* top, size_t size, void (*entry)(transfer)) */
        .globl  eventlet_make_context
        .hidden eventlet_make_context   /* the library's own: libeventlet.so does not export it */
        .type   eventlet_make_context, %function
        .align  4
eventlet_make_context:
        .cfi_startproc
        ENTRY_BRANCH
        and     x0, x0, #-16                    /* align the stack top to 16 bytes */
        sub     x0, x0, #EVL_A64_SIZE           /* room for one frame: the new context handle */
        mrs     x3, fpcr                        /* a new context starts with its creator's FPCR */
        str     x3, [x0, #EVL_A64_FPCR]
        str     x2, [x0, #EVL_A64_X19]          /* x19 carries the entry to the trampoline */
        str     xzr, [x0, #EVL_A64_FP]          /* fp = 0 ends frame-pointer chains */
        adr     x3, eventlet_context_start
        str     x3, [x0, #EVL_A64_LR]           /* first resumption lands in the trampoline */
        ret
        .cfi_endproc
        .size   eventlet_make_context, .-eventlet_make_context

/* Saves the caller's callee-saved state, leaving the caller's context handle in x4. */
.macro SAVE_FRAME
        sub     sp, sp, #EVL_A64_SIZE           /* room for the frame */
        .cfi_def_cfa_offset EVL_A64_SIZE
        stp     d8, d9, [sp, #0x00]             /* save d8-d15 */
        stp     d10, d11, [sp, #0x10]
        stp     d12, d13, [sp, #0x20]
        stp     d14, d15, [sp, #0x30]
        stp     x19, x20, [sp, #0x40]           /* save x19-x28 */
        .cfi_rel_offset x19, 0x40
        .cfi_rel_offset x20, 0x48
        stp     x21, x22, [sp, #0x50]
        .cfi_rel_offset x21, 0x50
        .cfi_rel_offset x22, 0x58
        stp     x23, x24, [sp, #0x60]
        .cfi_rel_offset x23, 0x60
        .cfi_rel_offset x24, 0x68
        stp     x25, x26, [sp, #0x70]
        .cfi_rel_offset x25, 0x70
        .cfi_rel_offset x26, 0x78
        stp     x27, x28, [sp, #0x80]
        .cfi_rel_offset x27, 0x80
        .cfi_rel_offset x28, 0x88
        stp     x29, x30, [sp, #EVL_A64_FP]     /* save fp and the resume address */
        .cfi_rel_offset x29, EVL_A64_FP
        .cfi_rel_offset x30, EVL_A64_LR
        mrs     x4, fpcr                        /* save FPCR */
        str     x4, [sp, #EVL_A64_FPCR]
        mov     x4, sp                          /* x4 = the caller's context handle */
.endm

/* Switches to the frame at x0 and reloads its state; x30 is left holding its resume address.
 * The target frame has the same layout, so the CFI stays true. */
.macro LOAD_FRAME
        mov     sp, x0                          /* switch stacks */
        ldp     d8, d9, [sp, #0x00]             /* restore d8-d15 */
        ldp     d10, d11, [sp, #0x10]
        ldp     d12, d13, [sp, #0x20]
        ldp     d14, d15, [sp, #0x30]
        ldp     x19, x20, [sp, #0x40]           /* restore x19-x28 */
        ldp     x21, x22, [sp, #0x50]
        ldp     x23, x24, [sp, #0x60]
        ldp     x25, x26, [sp, #0x70]
        ldp     x27, x28, [sp, #0x80]
        ldp     x29, x30, [sp, #EVL_A64_FP]     /* restore fp and the resume address */
        ldr     x5, [sp, #EVL_A64_FPCR]         /* restore FPCR if it differs */
        mrs     x6, fpcr
        cmp     x5, x6
        b.eq    1f
        msr     fpcr, x5
1:
        add     sp, sp, #EVL_A64_SIZE           /* pop the frame */
        .cfi_def_cfa_offset 0
        .cfi_same_value x19
        .cfi_same_value x20
        .cfi_same_value x21
        .cfi_same_value x22
        .cfi_same_value x23
        .cfi_same_value x24
        .cfi_same_value x25
        .cfi_same_value x26
        .cfi_same_value x27
        .cfi_same_value x28
        .cfi_same_value x29
        .cfi_same_value x30
.endm

/* eventlet_transfer eventlet_jump_context(eventlet_context to, void* data) */
        .globl  eventlet_jump_context   /* exported: greenlet::switch_to() calls it inline */
        .type   eventlet_jump_context, %function
        .align  4
eventlet_jump_context:
        .cfi_startproc
        ENTRY_BRANCH
        SAVE_FRAME
        LOAD_FRAME
        mov     x0, x4                          /* return {x0 = from, x1 = data} */
        ret                                     /* resume the target at x30 */
        .cfi_endproc
        .size   eventlet_jump_context, .-eventlet_jump_context

/* eventlet_transfer eventlet_ontop_context(eventlet_context to, void* data,
 *                                          eventlet_transfer (*fn)(eventlet_transfer)) */
        .globl  eventlet_ontop_context
        .hidden eventlet_ontop_context  /* the library's own: libeventlet.so does not export it */
        .type   eventlet_ontop_context, %function
        .align  4
eventlet_ontop_context:
        .cfi_startproc
        ENTRY_BRANCH
        SAVE_FRAME
        LOAD_FRAME
        mov     x0, x4                          /* fn's argument: {x0 = from, x1 = data} */
        mov     x16, x2                         /* through x16, so a BTI "bti c" accepts it */
        br      x16                             /* x30 is fn's return address: fn returns into
                                                   the target's pending jump with its transfer */
        .cfi_endproc
        .size   eventlet_ontop_context, .-eventlet_ontop_context

/* The first resumption of a made context lands here with {x0 = from, x1 = data}, which is
 * already the entry's argument, and the entry in x19. Its CFI marks the return address
 * undefined, so unwinders (gdb, the C++ runtime) end the greenlet's backtrace here. */
        .type   eventlet_context_start, %function
        .align  4
eventlet_context_start:
        .cfi_startproc
        .cfi_undefined x30
        blr     x19                             /* entry never returns */
        brk     #0
        .cfi_endproc
        .size   eventlet_context_start, .-eventlet_context_start

#if defined(__ARM_FEATURE_BTI_DEFAULT) && __ARM_FEATURE_BTI_DEFAULT
        /* GNU property note: these functions are BTI compatible. */
        .pushsection .note.gnu.property, "a"
        .balign 8
        .long   4
        .long   0x10
        .long   0x5                             /* NT_GNU_PROPERTY_TYPE_0 */
        .asciz  "GNU"
        .long   0xc0000000                      /* GNU_PROPERTY_AARCH64_FEATURE_1_AND */
        .long   4
        .long   1                               /* GNU_PROPERTY_AARCH64_FEATURE_1_BTI */
        .long   0
        .popsection
#endif

        .section .note.GNU-stack, "", %progbits
