/*
 * trap.c
 *		The SIGSYS handler through which filters report denials and learn.
 *
 * Filters return SECCOMP_RET_TRAP, with 16 bits of data, for an error or a
 * learned syscall made from this process's libc, dynamic loader or vDSO
 * (internal/bpf/trap.go). The handler, installed in the postmaster before its
 * filter and inherited by every process it forks, records the event in
 * shared memory (reports.c) and returns what the caller would otherwise
 * have had: the errno, or, when learning, the syscall's own result, made
 * from a stub outside those ranges, which the learning filter allows.
 * Syscalls from other code (a program the server executes, which has no
 * such handler) get plain errno and allow decisions instead.
 *
 * The handler must not make a syscall that traps while it runs with the
 * kernel's view of that filter, so it makes none of its own except the
 * learned one through the stub and clock_gettime through the vDSO.
 */
#include "trap.h"

#include <dlfcn.h>
#include <link.h>
#include <signal.h>
#include <sys/personality.h>
#include <ucontext.h>
#include <unistd.h>
#include <linux/seccomp.h>

#include "miscadmin.h"

#include "reports.h"

#ifndef SYS_SECCOMP
#define SYS_SECCOMP 1			/* si_code of a seccomp trap */
#endif

/* "lo-hi,..." in hexadecimal; empty: nothing traps */
static char ranges[512] = "";

#if defined(__x86_64__)
#define PGSECCOMP_CAN_TRAP 1
static const int arg_regs[] = {REG_RDI, REG_RSI, REG_RDX, REG_R10, REG_R8, REG_R9};

#define ARG(uc, i) ((long) (uc)->uc_mcontext.gregs[arg_regs[i]])
#define SET_RESULT(uc, v) ((uc)->uc_mcontext.gregs[REG_RAX] = (greg_t) (v))
__asm__(".text\n"
		".globl pgseccomp_syscall6\n"
		".hidden pgseccomp_syscall6\n"
		".type pgseccomp_syscall6, @function\n"
		"pgseccomp_syscall6:\n"
		"\tmovq %rdi, %rax\n"
		"\tmovq %rsi, %rdi\n"
		"\tmovq %rdx, %rsi\n"
		"\tmovq %rcx, %rdx\n"
		"\tmovq %r8, %r10\n"
		"\tmovq %r9, %r8\n"
		"\tmovq 8(%rsp), %r9\n"
		"\tsyscall\n"
		"\tret\n"
		".size pgseccomp_syscall6, .-pgseccomp_syscall6\n");
#elif defined(__aarch64__)
#define PGSECCOMP_CAN_TRAP 1
#define ARG(uc, i) ((long) (uc)->uc_mcontext.regs[i])
#define SET_RESULT(uc, v) ((uc)->uc_mcontext.regs[0] = (unsigned long) (v))
__asm__(".text\n"
		".globl pgseccomp_syscall6\n"
		".hidden pgseccomp_syscall6\n"
		".type pgseccomp_syscall6, %function\n"
		"pgseccomp_syscall6:\n"
		"\tmov x8, x0\n"
		"\tmov x0, x1\n"
		"\tmov x1, x2\n"
		"\tmov x2, x3\n"
		"\tmov x3, x4\n"
		"\tmov x4, x5\n"
		"\tmov x5, x6\n"
		"\tsvc #0\n"
		"\tret\n"
		".size pgseccomp_syscall6, .-pgseccomp_syscall6\n");
#endif

#ifdef PGSECCOMP_CAN_TRAP
extern long pgseccomp_syscall6(long nr, long a, long b, long c, long d, long e, long f);

static void
handle_sigsys(int signo, siginfo_t *info, void *context)
{
	ucontext_t *uc = context;
	int			saved_errno = errno;
	unsigned	data = (unsigned) info->si_errno & 0xffff;
	unsigned	err = data & PGSECCOMP_TRAP_ERRNO_MASK;

	if (info->si_code != SYS_SECCOMP)
	{
		/* Sent by someone: do what SIGSYS does without us. */
		signal(SIGSYS, SIG_DFL);
		raise(SIGSYS);
		return;
	}
	if (err != 0)
	{
		pgseccomp_report_denial(info->si_syscall, err, PGSECCOMP_TRAP_LEVEL(data));
		SET_RESULT(uc, -(long) err);
	}
	else
	{
		pgseccomp_report_learned(info->si_syscall, (data & PGSECCOMP_TRAP_LEARN_GLOBAL) != 0,
								 (data & PGSECCOMP_TRAP_LEARN_SESSION) != 0);
		SET_RESULT(uc, pgseccomp_syscall6(info->si_syscall, ARG(uc, 0), ARG(uc, 1), ARG(uc, 2),
										  ARG(uc, 3), ARG(uc, 4), ARG(uc, 5)));
	}
	errno = saved_errno;
}

#if defined(__x86_64__)
/*
 * uretprobe (335) and uprobe (336) never reach a seccomp filter: the kernel
 * lets them through before any filter runs (seccomp_uprobe_exception in
 * kernel/seccomp.c, Linux 6.11 and later), so no rule can deny them.
 * uprobe made from anywhere but its trampoline returns ENXIO; uretprobe
 * returns -1 and forces SIGILL on the caller, whose default action would
 * kill the process and have the postmaster restart the cluster. The handler
 * takes that SIGILL: one the kernel sent (SI_KERNEL) just after a syscall
 * instruction whose result is -1. The caller then sees what the syscall
 * returned, EPERM. Any other SIGILL does what it does without us.
 */
static void
handle_sigill(int signo, siginfo_t *info, void *context)
{
	ucontext_t *uc = context;
	uintptr_t	ip = (uintptr_t) uc->uc_mcontext.gregs[REG_RIP];

	if (info->si_code == SI_KERNEL && (ip & 0xfff) >= 2 &&
		((const unsigned char *) ip)[-2] == 0x0f && ((const unsigned char *) ip)[-1] == 0x05 &&
		uc->uc_mcontext.gregs[REG_RAX] == -1)
		return;
	signal(SIGILL, SIG_DFL);
	if (info->si_code == SI_KERNEL || info->si_code <= 0)
		raise(SIGILL);
	/* A faulting instruction faults again on return, now by default. */
}
#endif

/* The executable segments of libc, the dynamic loader and the vDSO. */
static int
add_ranges(struct dl_phdr_info *info, size_t size, void *arg)
{
	const char *name = info->dlpi_name ? info->dlpi_name : "";
	int			i;

	if (strstr(name, "/libc.so") == NULL && strstr(name, "/ld-linux") == NULL &&
		strstr(name, "linux-vdso") == NULL && strstr(name, "linux-gate") == NULL)
		return 0;
	for (i = 0; i < info->dlpi_phnum; i++)
	{
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		size_t		used = strlen(ranges);

		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
			continue;
		snprintf(ranges + used, sizeof(ranges) - used, "%s%lx-%lx", used ? "," : "",
				 (unsigned long) (info->dlpi_addr + ph->p_vaddr),
				 (unsigned long) (info->dlpi_addr + ph->p_vaddr + ph->p_memsz));
	}
	return 0;
}

/*
 * Without address space randomization a program the server executes maps
 * libc where the server does, and its syscalls would trap with no handler
 * to take them: nothing traps then.
 */
static bool
randomized(void)
{
	FILE	   *f;
	int			level = 2;

	if (personality(0xffffffff) & ADDR_NO_RANDOMIZE)
		return false;
	if ((f = fopen("/proc/sys/kernel/randomize_va_space", "r")) != NULL)
	{
		if (fscanf(f, "%d", &level) != 1)
			level = 2;
		fclose(f);
	}
	return level != 0;
}
#endif

/*
 * In the postmaster, before its filter: install the handler, and find the
 * code whose syscalls trap. False, with why, when nothing can trap.
 */
bool
pgseccomp_trap_init(char **why)
{
#ifdef PGSECCOMP_CAN_TRAP
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = handle_sigsys;
	sigemptyset(&sa.sa_mask);
	/* NODEFER: a signal handler that runs inside a learned syscall may trap too. */
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
	if (sigaction(SIGSYS, &sa, NULL) < 0)
	{
		*why = psprintf("sigaction(SIGSYS) failed: %m");
		return false;
	}
#if defined(__x86_64__)
	sa.sa_sigaction = handle_sigill;
	if (sigaction(SIGILL, &sa, NULL) < 0)
	{
		*why = psprintf("sigaction(SIGILL) failed: %m");
		return false;
	}
#endif
	if (!randomized())
	{
		*why = "Address space randomization is off, so programs the server runs would share the addresses that trap.";
		return false;
	}
	ranges[0] = '\0';
	dl_iterate_phdr(add_ranges, NULL);
	if (ranges[0] == '\0')
	{
		*why = "The code of libc could not be found.";
		return false;
	}
	return true;
#else
	*why = "This architecture is not supported.";
	return false;
#endif
}

const char *
pgseccomp_trap_ranges(void)
{
	return ranges;
}
