package org.infer4j.gguf;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Asks Linux to back a read-only file mapping with 2 MB pages ({@code madvise(MADV_HUGEPAGE)}): the kernel then reads
 * the file in on a fault 2 MB at a time and maps each such piece with one page-table entry, where otherwise the page
 * cache holds it in pieces of whatever size readahead chose and most of it is mapped 4 KB at a time. Weights are
 * streamed front to back for every token, and a one-token kernel read a 4 KB-paged copy 10-35% slower than the
 * same bytes in 2 MB pages. The mapping must start 2 MB-aligned in the file for this (both start at offset 0 here);
 * pieces already in the page cache keep their size. Elsewhere (other systems, no such call), nothing happens.
 */
public final class HugePages {
    private static final int MADV_HUGEPAGE = 14;
    private static final MethodHandle MADVISE = madvise();

    private HugePages() {}

    private static MethodHandle madvise() {
        if (!System.getProperty("os.name", "").startsWith("Linux")) {
            return null;
        }
        try {
            Linker linker = Linker.nativeLinker();
            return linker.defaultLookup().find("madvise").map(symbol -> linker.downcallHandle(symbol,
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
                            ValueLayout.JAVA_INT))).orElse(null);
        } catch (RuntimeException | LinkageError e) { // no native access, or no such linker here
            return null;
        }
    }

    /** Advises 2 MB pages for {@code mapping} (a file mapping); true if the system took the advice. */
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
