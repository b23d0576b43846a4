/* Context switch for x86-64, System V ABI, ELF, GNU assembler.
 *
 * The frame a suspended context leaves at the top of its stack (offsets in frame.h); the
 * context handle is the address of its lowest byte:
 *
 *   0x00  MXCSR (4 bytes) | x87 control word (2 bytes) | unused (2 bytes)
 *   0x08  r12
 *   0x10  r13
 *   0x18  r14
 *   0x20  r15
 *   0x28  rbx
 *   0x30  rbp
 *   0x38  rip: where the context resumes (the return address of its jump or ontop call)
 *
 * These are exactly the registers the ABI makes callee-saved. MXCSR is saved whole: its
 * control bits are callee-saved, its status bits caller-saved, so carrying them is allowed.
 * A handle is always 16-byte aligned, so at the resume address rsp is 8 mod 16, as after a call.
 *
 * Resumption is by an indirect jmp, not ret, so these objects carry no IBT/SHSTK property note:
 * a binary linking them is, correctly, not marked as CET compatible. */

#include "frame.h"

#if defined(__CET__) && (__CET__ & 1)
#define ENTRY_BRANCH endbr64
#else
#define ENTRY_BRANCH
#endif

        .text

/* eventlet_context eventlet_make_context(void* top, size_t size, void (*entry)(transfer)) */
        .globl  eventlet_make_context
        .hidden eventlet_make_context   /* the library's own: libeventlet.so does not export it */
        .type   eventlet_make_context, @function
        .align  16
eventlet_make_context:
        .cfi_startproc
        ENTRY_BRANCH
        movq    %rdi, %rax                  /* rax = stack top */
        andq    $-16, %rax                  /* align it to 16 bytes */
        leaq    -EVL_X64_SIZE(%rax), %rax   /* room for one frame: the new context handle */
        stmxcsr EVL_X64_FPCTRL(%rax)        /* a new context starts with its creator's MXCSR */
        fnstcw  EVL_X64_FPCTRL+4(%rax)      /* and x87 control word */
        movq    %rdx, EVL_X64_R12(%rax)     /* r12 carries the entry function to the trampoline */
        movq    $0, EVL_X64_RBP(%rax)       /* rbp = 0 ends frame-pointer chains */
        leaq    eventlet_context_start(%rip), %rcx
        movq    %rcx, EVL_X64_RIP(%rax)     /* first resumption lands in the trampoline */
        ret
        .cfi_endproc
        .size   eventlet_make_context, .-eventlet_make_context

/* Saves the caller's callee-saved state below its return address, leaving the caller's
 * context handle in rax; shared by jump and ontop. */
.macro SAVE_FRAME
        leaq    -(EVL_X64_SIZE-8)(%rsp), %rsp   /* the return address is already at 0x38 */
        .cfi_adjust_cfa_offset EVL_X64_SIZE-8
        stmxcsr EVL_X64_FPCTRL(%rsp)            /* save MXCSR */
        fnstcw  EVL_X64_FPCTRL+4(%rsp)          /* save x87 control word */
        movq    %r12, EVL_X64_R12(%rsp)         /* save r12 */
        .cfi_rel_offset %r12, EVL_X64_R12
        movq    %r13, EVL_X64_R13(%rsp)         /* save r13 */
        .cfi_rel_offset %r13, EVL_X64_R13
        movq    %r14, EVL_X64_R14(%rsp)         /* save r14 */
        .cfi_rel_offset %r14, EVL_X64_R14
        movq    %r15, EVL_X64_R15(%rsp)         /* save r15 */
        .cfi_rel_offset %r15, EVL_X64_R15
        movq    %rbx, EVL_X64_RBX(%rsp)         /* save rbx */
        .cfi_rel_offset %rbx, EVL_X64_RBX
        movq    %rbp, EVL_X64_RBP(%rsp)         /* save rbp */
        .cfi_rel_offset %rbp, EVL_X64_RBP
        movq    %rsp, %rax                      /* rax = the caller's context handle */
.endm

/* Switches to the frame at rdi and reloads its callee-saved state; rsp is left pointing at the
 * target's resume address. The target frame has the same layout, so the CFI stays true. */
.macro LOAD_FRAME
        movq    %rdi, %rsp                      /* switch stacks */
        ldmxcsr EVL_X64_FPCTRL(%rsp)            /* restore MXCSR */
        fldcw   EVL_X64_FPCTRL+4(%rsp)          /* restore x87 control word */
        movq    EVL_X64_R12(%rsp), %r12         /* restore r12 */
        .cfi_same_value %r12
        movq    EVL_X64_R13(%rsp), %r13         /* restore r13 */
        .cfi_same_value %r13
        movq    EVL_X64_R14(%rsp), %r14         /* restore r14 */
        .cfi_same_value %r14
        movq    EVL_X64_R15(%rsp), %r15         /* restore r15 */
        .cfi_same_value %r15
        movq    EVL_X64_RBX(%rsp), %rbx         /* restore rbx */
        .cfi_same_value %rbx
        movq    EVL_X64_RBP(%rsp), %rbp         /* restore rbp */
        .cfi_same_value %rbp
        leaq    EVL_X64_RIP(%rsp), %rsp         /* pop the frame down to the resume address */
        .cfi_def_cfa_offset 8
.endm

/* eventlet_transfer eventlet_jump_context(eventlet_context to, void* data) */
        .globl  eventlet_jump_context   /* exported: greenlet::switch_to() calls it inline */
        .type   eventlet_jump_context, @function
        .align  16
eventlet_jump_context:
        .cfi_startproc
        ENTRY_BRANCH
        SAVE_FRAME
        LOAD_FRAME
        popq    %r8                             /* r8 = resume address */
        .cfi_def_cfa_offset 0
        .cfi_register %rip, %r8
        movq    %rsi, %rdx                      /* return {rax = from, rdx = data} */
        jmp     *%r8                            /* resume the target */
        .cfi_endproc
        .size   eventlet_jump_context, .-eventlet_jump_context

/* eventlet_transfer eventlet_ontop_context(eventlet_context to, void* data,
 *                                          eventlet_transfer (*fn)(eventlet_transfer)) */
        .globl  eventlet_ontop_context
        .hidden eventlet_ontop_context  /* the library's own: libeventlet.so does not export it */
        .type   eventlet_ontop_context, @function
        .align  16
eventlet_ontop_context:
        .cfi_startproc
        ENTRY_BRANCH
        SAVE_FRAME
        LOAD_FRAME
        movq    %rax, %rdi                      /* fn's argument: {rdi = from, rsi = data} */
        jmp     *%rdx                           /* the resume address, still on the stack, is
                                                   fn's return address: fn returns into the
                                                   target's pending jump with its transfer */
        .cfi_endproc
        .size   eventlet_ontop_context, .-eventlet_ontop_context

/* The first resumption of a made context lands here with {rax = from, rdx = data} and the
 * entry function in r12. Its CFI marks the return address undefined, so unwinders (gdb, the
 * C++ runtime) end the greenlet's backtrace here. */
        .type   eventlet_context_start, @function
        .align  16
eventlet_context_start:
        .cfi_startproc
        .cfi_undefined %rip
        ENTRY_BRANCH
        movq    %rax, %rdi                      /* entry's argument: {rdi = from, */
        movq    %rdx, %rsi                      /*                    rsi = data} */
        call    *%r12                           /* entry never returns */
        ud2
        .cfi_endproc
        .size   eventlet_context_start, .-eventlet_context_start

        .section .note.GNU-stack, "", @progbits
