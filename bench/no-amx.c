/*
 * LD_PRELOAD shim for the llama.cpp peer: answers "no" to the arch_prctl request for AMX tile state, so
 * ggml's CPU backend runs without its AMX buffer type. Its AMX matrix multiply crashes (SIGSEGV) on this
 * machine; without AMX it uses its AVX-512 VNNI kernels (and weight repacking), its fastest path that runs.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <sys/syscall.h>

#define ARCH_REQ_XCOMP_PERM 0x1023

long syscall(long number, ...) {
    va_list ap;
    va_start(ap, number);
    long a[6];
    for (int i = 0; i < 6; i++) {
        a[i] = va_arg(ap, long);
    }
    va_end(ap);
    if (number == SYS_arch_prctl && a[0] == ARCH_REQ_XCOMP_PERM) {
        errno = EPERM;
        return -1;
    }
    static long (*real)(long, ...);
    if (!real) {
        real = (long (*)(long, ...)) dlsym(RTLD_NEXT, "syscall");
    }
    return real(number, a[0], a[1], a[2], a[3], a[4], a[5]);
}
