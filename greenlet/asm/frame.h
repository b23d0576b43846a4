/* The frame a suspended context leaves on its stack, shared by the assembly (as offsets) and by
 * C++ (as structs whose layout is checked against the offsets with static_assert). A context
 * handle points at the lowest byte of this frame. */
#ifndef EVENTLET_GREENLET_ASM_FRAME_H
#define EVENTLET_GREENLET_ASM_FRAME_H

/* x86-64 System V: the callee-saved registers rbx, rbp, r12-r15, the SSE control/status word
 * (MXCSR) and the x87 control word, and the address to resume at. */
#define EVL_X64_FPCTRL 0x00 /* MXCSR (4 bytes), then x87 control word (2 bytes) */
#define EVL_X64_R12 0x08
#define EVL_X64_R13 0x10
#define EVL_X64_R14 0x18
#define EVL_X64_R15 0x20
#define EVL_X64_RBX 0x28
#define EVL_X64_RBP 0x30
#define EVL_X64_RIP 0x38
#define EVL_X64_SIZE 0x40

/* AArch64 AAPCS64: the callee-saved d8-d15 and x19-x28, the frame pointer x29, the link register
 * x30 (the address to resume at) and the floating-point control register FPCR. */
#define EVL_A64_D8 0x00  /* d8..d15 in pairs up to 0x38 */
#define EVL_A64_X19 0x40 /* x19..x28 in pairs up to 0x88 */
#define EVL_A64_FP 0x90
#define EVL_A64_LR 0x98
#define EVL_A64_FPCR 0xa0
#define EVL_A64_SIZE 0xb0

#if defined(__cplusplus)
#include <cstddef>
#include <cstdint>

namespace eventlet::detail {

struct x86_64_frame {
  std::uint32_t mxcsr;
  std::uint16_t x87_cw;
  std::uint16_t pad;
  std::uint64_t r12, r13, r14, r15, rbx, rbp, rip;
};
static_assert(offsetof(x86_64_frame, mxcsr) == EVL_X64_FPCTRL);
static_assert(offsetof(x86_64_frame, x87_cw) == EVL_X64_FPCTRL + 4);
static_assert(offsetof(x86_64_frame, r12) == EVL_X64_R12);
static_assert(offsetof(x86_64_frame, r13) == EVL_X64_R13);
static_assert(offsetof(x86_64_frame, r14) == EVL_X64_R14);
static_assert(offsetof(x86_64_frame, r15) == EVL_X64_R15);
static_assert(offsetof(x86_64_frame, rbx) == EVL_X64_RBX);
static_assert(offsetof(x86_64_frame, rbp) == EVL_X64_RBP);
static_assert(offsetof(x86_64_frame, rip) == EVL_X64_RIP);
static_assert(sizeof(x86_64_frame) == EVL_X64_SIZE);

struct aarch64_frame {
  std::uint64_t d[8];   // d8..d15
  std::uint64_t x[10];  // x19..x28
  std::uint64_t fp, lr, fpcr, pad;
};
static_assert(offsetof(aarch64_frame, d) == EVL_A64_D8);
static_assert(offsetof(aarch64_frame, x) == EVL_A64_X19);
static_assert(offsetof(aarch64_frame, fp) == EVL_A64_FP);
static_assert(offsetof(aarch64_frame, lr) == EVL_A64_LR);
static_assert(offsetof(aarch64_frame, fpcr) == EVL_A64_FPCR);
static_assert(sizeof(aarch64_frame) == EVL_A64_SIZE);

}  // namespace eventlet::detail
#endif

#endif
