package org.infer4j.engine.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import org.infer4j.gguf.GgmlType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * Every weight type's vector kernels against a plain scalar reference written here from the format
 * description: decode the stored bytes to floats, decode the activations to what the kernel sees (rounded or
 * Q8-quantized), and take a double-precision dot product.
 */
class WeightMatrixTest {
    private static WorkerPool pool;

    @BeforeAll
    static void startPool() {
        pool = new WorkerPool(3);
    }

    @AfterAll
    static void stopPool() {
        pool.close();
    }

    static java.util.stream.Stream<Arguments> shapes() {
        java.util.List<Arguments> list = new java.util.ArrayList<>();
        for (GgmlType type : new GgmlType[] {GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0}) {
            boolean blocked = type.blockSize() > 1;
            int[][] shapes = blocked
                    // 4864 columns: past Kernels.LONG_ROW, where the one-token kernels read the input as bytes.
                    ? new int[][] {{1, 32, 1}, {37, 64, 1}, {37, 96, 5}, {129, 256, 3}, {17, 896, 2}, {3, 32, 9}, {5, 4864, 1},
                            {70, 4864, 1}, {96, 896, 1}}
                    : new int[][] {{1, 1, 1}, {37, 67, 1}, {37, 67, 5}, {129, 256, 3}, {5, 13, 9}, {17, 896, 2}};
            for (int[] s : shapes) {
                list.add(Arguments.of(type, s[0], s[1], s[2]));
            }
        }
        return list.stream();
    }

    @ParameterizedTest(name = "{0} {1}x{2}, {3} tokens")
    @MethodSource("shapes")
    void multiplyMatchesScalarReference(GgmlType type, int rows, int cols, int tokens) {
        Random rnd = new Random(rows * 31L + cols * 7L + tokens);
        float[] weights = randomFloats(rnd, rows * cols);
        byte[] bytes = encode(type, weights, rows, cols);
        WeightMatrix m = WeightMatrix.of("w", type, MemorySegment.ofArray(bytes), rows, cols);
        assertThat(m.type()).isEqualTo(type);

        Activations x = new Activations(tokens, cols);
        float[] input = randomFloats(rnd, tokens * cols);
        System.arraycopy(input, 0, x.values(), 0, input.length);
        x.set(tokens, cols);

        float[] out = new float[tokens * rows];
        new MatMul(pool, cols).multiply(m, x, out);

        float[] rowRef = new float[cols];
        float[] dequant = new float[cols];
        for (int r = 0; r < rows; r++) {
            referenceDecodeRow(type, bytes, r, cols, rowRef);
            m.dequantizeRow(r, dequant, 0);
            assertThat(dequant).as("dequantized row %d", r).containsExactly(rowRef);
            for (int t = 0; t < tokens; t++) {
                float[] seen = referenceInput(type, input, t * cols, cols);
                double expected = 0, magnitude = 0;
                for (int c = 0; c < cols; c++) {
                    expected += (double) rowRef[c] * seen[c];
                    magnitude += Math.abs((double) rowRef[c] * seen[c]);
                }
                assertThat((double) out[t * rows + r]).as("row %d token %d", r, t)
                        .isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-5 * magnitude + 1e-6));
            }
        }
    }

    @Test
    void fusedMultiplyOfSeveralMatricesFillsEachOutput() {
        Random rnd = new Random(5);
        int cols = 64;
        WeightMatrix a = WeightMatrix.of("a", GgmlType.Q8_0, MemorySegment.ofArray(encode(GgmlType.Q8_0, randomFloats(rnd, 33 * cols), 33, cols)), 33, cols);
        WeightMatrix b = WeightMatrix.of("b", GgmlType.Q4_0, MemorySegment.ofArray(encode(GgmlType.Q4_0, randomFloats(rnd, 7 * cols), 7, cols)), 7, cols);
        WeightMatrix c = WeightMatrix.of("c", GgmlType.F32, MemorySegment.ofArray(encode(GgmlType.F32, randomFloats(rnd, 50 * cols), 50, cols)), 50, cols);
        Activations x = new Activations(2, cols);
        System.arraycopy(randomFloats(rnd, 2 * cols), 0, x.values(), 0, 2 * cols);
        x.set(2, cols);
        MatMul mm = new MatMul(pool, cols);
        float[] oa = new float[66], ob = new float[14], oc = new float[100];
        mm.multiply(a, oa, b, ob, c, oc, x);
        float[] sa = new float[66], sb = new float[14], sc = new float[100];
        mm.multiply(a, x, sa);
        mm.multiply(b, x, sb);
        mm.multiply(c, x, sc);
        // Equal up to lane-summation order, which the interpreter and the JIT-compiled kernels may differ in.
        assertThat(oa).containsExactly(sa, org.assertj.core.data.Offset.offset(1e-4f));
        assertThat(ob).containsExactly(sb, org.assertj.core.data.Offset.offset(1e-4f));
        assertThat(oc).containsExactly(sc, org.assertj.core.data.Offset.offset(1e-4f));
    }

    /**
     * One token: a row's sum is the same to the bit whether the row is computed alone, with a neighbour or in a group
     * of four (the one-token kernels run several rows at once and a worker's chunk may start at any row), so the
     * logits do not depend on the thread count.
     */
    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.EnumSource(value = GgmlType.class, names = {"Q8_0", "Q4_0"})
    void oneTokenRowsDoNotDependOnTheirGrouping(GgmlType type) {
        oneTokenRowsDoNotDependOnTheirGrouping(type, 896, 23);
        oneTokenRowsDoNotDependOnTheirGrouping(type, 4864, 23); // past Kernels.LONG_ROW: the byte-input kernels
        // The interleaved groups of 32 rows, cut by the pieces, and rows past the last group.
        oneTokenRowsDoNotDependOnTheirGrouping(type, 896, 75);
        // Whole groups, in pieces that start at odd ones: Q4_0 multiplies a pair in step or a group alone, and five
        // groups are two pairs and one without a partner.
        oneTokenRowsDoNotDependOnTheirGrouping(type, 896, 5 * 32 + 7, 32);
    }

    private static void oneTokenRowsDoNotDependOnTheirGrouping(GgmlType type, int cols, int rows) {
        oneTokenRowsDoNotDependOnTheirGrouping(type, cols, rows, 1);
    }

    /** Pieces of {@code unit}·(1..4) rows first, then {@code unit}·(1..5). */
    private static void oneTokenRowsDoNotDependOnTheirGrouping(GgmlType type, int cols, int rows, int unit) {
        Random rnd = new Random(13);
        WeightMatrix m = WeightMatrix.of("w", type, MemorySegment.ofArray(encode(type, randomFloats(rnd, rows * cols), rows, cols)), rows, cols);
        Activations x = new Activations(1, cols);
        System.arraycopy(randomFloats(rnd, cols), 0, x.values(), 0, cols);
        x.set(1, cols);
        x.prepare(m.inputFormat());
        Scratch scratch = MatMul.scratchFor(m, 1);
        float[] whole = new float[rows];
        m.multiply(x, whole, 0, rows, 0, rows, scratch);
        for (int start = 0; start < 4; start++) {
            for (int step = 1; step <= 5; step++) {
                float[] pieces = new float[rows];
                for (int from = 0; from < rows; ) {
                    int to = Math.min(rows, from + unit * (from == 0 ? start + 1 : step));
                    m.multiply(x, pieces, 0, rows, from, to, scratch);
                    from = to;
                }
                assertThat(pieces).as("first piece %d rows, then %d", start + 1, step).containsExactly(whole);
            }
        }
    }

    /**
     * The batched kernels (token tiles, row groups, column chunks) and the one-token kernels agree up to float
     * rounding: 19 tokens are two tiles of 8 and a tail of 3; 300 rows of 1280 span several row groups and two
     * column chunks.
     */
    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.EnumSource(value = GgmlType.class, names = {"Q8_0", "Q4_0"})
    void batchEqualsOneTokenAtATime(GgmlType type) {
        Random rnd = new Random(11);
        int rows = 300, cols = 1280, tokens = 19;
        WeightMatrix m = WeightMatrix.of("w", type, MemorySegment.ofArray(encode(type, randomFloats(rnd, rows * cols), rows, cols)), rows, cols);
        float[] input = randomFloats(rnd, tokens * cols);
        Activations batch = new Activations(tokens, cols);
        System.arraycopy(input, 0, batch.values(), 0, input.length);
        batch.set(tokens, cols);
        MatMul mm = new MatMul(pool, cols);
        float[] together = new float[tokens * rows];
        mm.multiply(m, batch, together);
        Activations one = new Activations(1, cols);
        float[] single = new float[rows];
        float[] row = new float[cols];
        for (int t = 0; t < tokens; t++) {
            System.arraycopy(input, t * cols, one.values(), 0, cols);
            one.set(1, cols);
            mm.multiply(m, one, single);
            for (int r = 0; r < rows; r++) {
                // Sums of 1280 products: the two kernels add them in different orders, which moves a sum by a few
                // float roundings of the products' magnitudes (the batch's chunks of 1024 columns end in one flush).
                m.dequantizeRow(r, row, 0);
                double magnitude = 0;
                for (int c = 0; c < cols; c++) {
                    magnitude += Math.abs(row[c] * input[t * cols + c]);
                }
                assertThat((double) together[t * rows + r]).as("token %d row %d", t, r)
                        .isCloseTo(single[r], org.assertj.core.data.Offset.offset(2e-6 * magnitude + 1e-6));
            }
        }
    }

    @Test
    void unsupportedTypeNamesTensorAndType() {
        assertThatThrownBy(() -> WeightMatrix.of("blk.0.ffn_down.weight", GgmlType.IQ2_XXS, MemorySegment.ofArray(new byte[66]), 1, 256))
                .isInstanceOf(UnsupportedTensorTypeException.class)
                .hasMessageContaining("blk.0.ffn_down.weight").hasMessageContaining("IQ2_XXS");
        for (GgmlType t : new GgmlType[] {GgmlType.TQ1_0, GgmlType.MXFP4, GgmlType.IQ4_XS}) {
            assertThatThrownBy(() -> WeightMatrix.of("x", t, MemorySegment.ofArray(new byte[Math.toIntExact(t.byteSize(256))]), 1, 256))
                    .isInstanceOf(UnsupportedTensorTypeException.class).hasMessageContaining(t.name());
        }
        assertThatThrownBy(() -> WeightMatrix.of("t", GgmlType.Q8_0, MemorySegment.ofArray(new byte[34]), 1, 48))
                .isInstanceOf(UnsupportedTensorTypeException.class).hasMessageContaining("48 columns");
    }

    @Test
    void quantizersAreCloseToTheirInput() {
        Random rnd = new Random(9);
        float[] x = randomFloats(rnd, 256);
        float[] back = new float[256];
        WeightMatrix q8 = WeightMatrix.of("q8", GgmlType.Q8_0, MemorySegment.ofArray(Quantizer.quantizeQ8_0(x, 0, 256)), 1, 256);
        q8.dequantizeRow(0, back, 0);
        for (int i = 0; i < 256; i++) {
            assertThat(back[i]).isCloseTo(x[i], org.assertj.core.data.Offset.offset(blockMax(x, i) / 127f * 0.51f + 1e-3f));
        }
        WeightMatrix q4 = WeightMatrix.of("q4", GgmlType.Q4_0, MemorySegment.ofArray(Quantizer.quantizeQ4_0(x, 0, 256)), 1, 256);
        q4.dequantizeRow(0, back, 0);
        for (int i = 0; i < 256; i++) {
            assertThat(back[i]).isCloseTo(x[i], org.assertj.core.data.Offset.offset(blockMax(x, i) / 8f * 1.01f + 1e-3f /* the clamp at +7 can cost a full step */));
        }
        // The block maximum survives Q4_0 exactly up to the half-precision scale: it maps to -8 · (max / -8).
        assertThat(Quantizer.quantizeQ4_0(new float[] {2f, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 0, 32)[2] & 0x0F).isEqualTo(0);
    }

    private static float blockMax(float[] x, int i) {
        float m = 0;
        for (int j = i / 32 * 32; j < i / 32 * 32 + 32; j++) m = Math.max(m, Math.abs(x[j]));
        return m;
    }

    // --- scalar reference, written from the format description ---

    static float[] randomFloats(Random rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) rnd.nextGaussian() * (i % 7 == 0 ? 2f : 0.5f);
        }
        return a;
    }

    static byte[] encode(GgmlType type, float[] w, int rows, int cols) {
        return switch (type) {
            case F32 -> {
                ByteBuffer b = ByteBuffer.allocate(w.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                b.asFloatBuffer().put(w);
                yield b.array();
            }
            case F16 -> Quantizer.toF16(w, 0, w.length);
            case BF16 -> Quantizer.toBf16(w, 0, w.length);
            case Q8_0 -> Quantizer.quantizeQ8_0(w, 0, w.length);
            case Q4_0 -> Quantizer.quantizeQ4_0(w, 0, w.length);
            default -> throw new IllegalArgumentException(type.toString());
        };
    }

    static void referenceDecodeRow(GgmlType type, byte[] bytes, int row, int cols, float[] dst) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        switch (type) {
            case F32 -> {
                for (int c = 0; c < cols; c++) dst[c] = b.getFloat(4 * (row * cols + c));
            }
            case F16 -> {
                for (int c = 0; c < cols; c++) dst[c] = Float.float16ToFloat(b.getShort(2 * (row * cols + c)));
            }
            case BF16 -> {
                for (int c = 0; c < cols; c++) dst[c] = Float.intBitsToFloat((b.getShort(2 * (row * cols + c)) & 0xFFFF) << 16);
            }
            case Q8_0 -> {
                for (int c = 0; c < cols; c++) {
                    int block = (row * cols + c) / 32;
                    float d = Float.float16ToFloat(b.getShort(block * 34));
                    dst[c] = d * b.get(block * 34 + 2 + c % 32);
                }
            }
            case Q4_0 -> {
                for (int c = 0; c < cols; c++) {
                    int block = (row * cols + c) / 32;
                    int j = c % 32;
                    float d = Float.float16ToFloat(b.getShort(block * 18));
                    int packed = b.get(block * 18 + 2 + j % 16) & 0xFF;
                    int q = j < 16 ? packed & 15 : packed >> 4;
                    dst[c] = d * (q - 8);
                }
            }
            default -> throw new IllegalArgumentException(type.toString());
        }
    }

    /** The input as the kernel of {@code type} sees it. */
    static float[] referenceInput(GgmlType type, float[] x, int off, int n) {
        float[] seen = new float[n];
        for (int i = 0; i < n; i++) {
            float v = x[off + i];
            seen[i] = switch (type) {
                case F16 -> Float.float16ToFloat(Float.floatToFloat16(v));
                case BF16 -> Float.intBitsToFloat(bf16(v));
                default -> v;
            };
        }
        if (type == GgmlType.Q8_0 || type == GgmlType.Q4_0) {
            for (int b = 0; b < n / 32; b++) {
                float amax = 0;
                for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[off + b * 32 + j]));
                float d = Float.float16ToFloat(Float.floatToFloat16(amax / 127f));
                for (int j = 0; j < 32; j++) {
                    float q = amax == 0 ? 0 : (float) Math.rint(x[off + b * 32 + j] * (127f / amax));
                    seen[b * 32 + j] = q * d;
                }
            }
        }
        return seen;
    }

    private static int bf16(float v) {
        // round to nearest even on the upper 16 bits
        int u = Float.floatToRawIntBits(v);
        int lower = u & 0xFFFF;
        int upper = u & 0xFFFF0000;
        if (lower > 0x8000 || (lower == 0x8000 && (upper & 0x10000) != 0)) upper += 0x10000;
        return upper;
    }
}
