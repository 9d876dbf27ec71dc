package org.infer4j.engine.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Zeroed native memory for the re-laid weight copies ({@link RowGroups}), in 2 MB pages where Linux gives them
 * (transparent huge pages in {@code madvise} mode, this machine kind's default): anonymous {@code mmap}, aligned to
 * 2 MB, {@code madvise(MADV_HUGEPAGE)}, unmapped when the garbage collector frees the segment. Through
 * {@link Arena#allocate} the copies' zeroing and their first-touch page faults, 4 KB at a time, took ~0.1 s of the
 * load per 200 MB (a Llama-3.2-1B-shaped Q4_K_M file re-lays 1.1 GB). Elsewhere, or if a call fails, the arena's
 * memory.
 */
final class LargePages {
    private static final long HUGE = 2L << 20;
    private static final int PROT_READ = 1, PROT_WRITE = 2, MAP_PRIVATE = 2, MAP_ANONYMOUS = 0x20, MADV_HUGEPAGE = 14;
    private static final MethodHandle MMAP, MADVISE, MUNMAP;

    static {
        MethodHandle mmap = null, madvise = null, munmap = null;
        if (System.getProperty("os.name", "").startsWith("Linux")) {
            try {
                Linker linker = Linker.nativeLinker();
                SymbolLookup libc = linker.defaultLookup();
                mmap = linker.downcallHandle(libc.find("mmap").orElseThrow(), FunctionDescriptor.of(ValueLayout.ADDRESS,
                        ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
                madvise = linker.downcallHandle(libc.find("madvise").orElseThrow(), FunctionDescriptor.of(
                        ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
                munmap = linker.downcallHandle(libc.find("munmap").orElseThrow(), FunctionDescriptor.of(
                        ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
            } catch (RuntimeException | LinkageError e) {
                mmap = madvise = munmap = null;
            }
        }
        MMAP = mmap;
        MADVISE = madvise;
        MUNMAP = munmap;
    }

    private LargePages() {}

    /** {@code bytes} of zeroed memory, 64-byte aligned (2 MB where mapped here), freed with the segment. */
    static MemorySegment allocate(long bytes) {
        if (MMAP == null || bytes < HUGE) {
            return Arena.ofAuto().allocate(bytes, 64);
        }
        long mapped = bytes + HUGE;
        try {
            MemorySegment at = (MemorySegment) MMAP.invokeExact(MemorySegment.NULL, mapped, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0L);
            long start = at.address();
            if (start == -1L) { // MAP_FAILED
                return Arena.ofAuto().allocate(bytes, 64);
            }
            long aligned = (start + HUGE - 1) & -HUGE;
            MemorySegment region = MemorySegment.ofAddress(aligned);
            int ignored = (int) MADVISE.invokeExact(region, bytes, MADV_HUGEPAGE); // advice only: small pages if refused
            return region.reinterpret(bytes, Arena.ofAuto(), s -> unmap(start, mapped));
        } catch (Throwable e) {
            return Arena.ofAuto().allocate(bytes, 64);
        }
    }

    private static void unmap(long start, long bytes) {
        try {
            int ignored = (int) MUNMAP.invokeExact(MemorySegment.ofAddress(start), bytes);
        } catch (Throwable e) {
            throw new IllegalStateException("munmap failed", e);
        }
    }
}
