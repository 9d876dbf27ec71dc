package org.infer4j.gguf;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Memory for streamed weights in 2 MB pages, where Linux gives them (transparent huge pages, {@code madvise} mode
 * being the usual default): weights are read front to back for every token, and a one-token kernel read a copy in
 * 4 KB pages 10-35% slower than the same bytes in 2 MB pages (one thread and two, Llama-3.2-1B-shaped Q4_K and Q6_K
 * matrices). Elsewhere (other systems, no such calls) the system's normal pages, and nothing else changes.
 */
public final class HugePages {
    private static final long HUGE = 2L << 20;
    private static final int PROT_READ = 1, PROT_WRITE = 2, MAP_PRIVATE = 2, MAP_ANONYMOUS = 0x20, MADV_HUGEPAGE = 14;
    private static final MethodHandle MADVISE = libc("madvise",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
    private static final MethodHandle MMAP = libc("mmap", FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS,
            ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
    private static final MethodHandle MUNMAP = libc("munmap",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));

    private HugePages() {}

    private static MethodHandle libc(String name, FunctionDescriptor descriptor) {
        if (!System.getProperty("os.name", "").startsWith("Linux")) {
            return null;
        }
        try {
            Linker linker = Linker.nativeLinker();
            return linker.defaultLookup().find(name).map(symbol -> linker.downcallHandle(symbol, descriptor)).orElse(null);
        } catch (RuntimeException | LinkageError e) { // no native access, or no such linker here
            return null;
        }
    }

    /**
     * {@code bytes} of zeroed memory, 64-byte aligned, freed when the segment is no longer reachable: at least 2 MB is
     * mapped anonymously from a 2 MB boundary with the advice of {@link #advise}, less comes from an automatic arena.
     * Fresh 2 MB pages take the system longer to find than small ones: laying out the 0.8 GB of re-laid weights of a
     * Llama-3.2-1B-shaped Q4_K_M file took 1.8-2.0 s against 1.1-1.5.
     */
    public static MemorySegment allocate(long bytes) {
        MemorySegment huge = bytes < HUGE ? null : mapHuge(bytes);
        return huge != null ? huge : Arena.ofAuto().allocate(bytes, 64);
    }

    /** {@link #allocate}'s anonymous mapping, or null where the system gives none. */
    private static MemorySegment mapHuge(long bytes) {
        if (MMAP == null || MADVISE == null || MUNMAP == null) {
            return null;
        }
        long mapped = bytes + HUGE;
        try {
            long start = ((MemorySegment) MMAP.invokeExact(MemorySegment.NULL, mapped, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0L)).address();
            if (start == -1L) { // MAP_FAILED
                return null;
            }
            MemorySegment region = MemorySegment.ofAddress((start + HUGE - 1) & -HUGE);
            int ignored = (int) MADVISE.invokeExact(region, bytes, MADV_HUGEPAGE); // advice: small pages if refused
            return region.reinterpret(bytes, Arena.ofAuto(), unused -> unmap(start, mapped));
        } catch (Throwable e) {
            return null;
        }
    }

    private static void unmap(long start, long bytes) {
        try {
            int ignored = (int) MUNMAP.invokeExact(MemorySegment.ofAddress(start), bytes);
        } catch (Throwable e) {
            throw new IllegalStateException("munmap failed", e);
        }
    }

    /**
     * Advises 2 MB pages for {@code mapping}, a read-only file mapping: the kernel then reads the file in on a fault
     * 2 MB at a time and maps each such piece with one page-table entry, where otherwise the page cache holds it in
     * pieces of whatever size readahead chose and much of it is mapped 4 KB at a time. The mapping must start 2
     * MB-aligned in the file (the layout cache maps its file from offset 0); pieces already in the page cache keep
     * their size. True if the system took the advice.
     */
    public static boolean advise(MemorySegment mapping) {
        if (MADVISE == null || !mapping.isMapped() || mapping.byteSize() == 0) {
            return false;
        }
        try {
            return (int) MADVISE.invokeExact(mapping, mapping.byteSize(), MADV_HUGEPAGE) == 0;
        } catch (Throwable e) {
            return false;
        }
    }
}
