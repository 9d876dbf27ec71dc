package org.infer4j.engine.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.assertj.core.data.Offset;
import org.infer4j.gguf.GgmlType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The legacy (Q4_1, Q5_0, Q5_1) and k-quant (Q2_K .. Q6_K) types against a scalar reference written here,
 * element by element, from ggml's block layouts: dequantized rows must be identical, and the vector kernels
 * must equal a double-precision dot product of the reference weights with the input as llama.cpp quantizes it
 * for that type (Q8_0, Q8_1 with its block sums, or Q8_K).
 */
class QuantizedMatrixTest {
    private static final GgmlType[] TYPES = {GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.Q2_K,
            GgmlType.Q3_K, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K};
    private static WorkerPool pool;

    @BeforeAll
    static void startPool() {
        pool = new WorkerPool(3);
    }

    @AfterAll
    static void stopPool() {
        pool.close();
    }

    static Stream<Arguments> shapes() {
        List<Arguments> list = new ArrayList<>();
        for (GgmlType type : TYPES) {
            int[][] shapes = type.blockSize() == 256
                    // 8192 columns: past Kernels.LONG_ROW, where the one-token kernels read the input as bytes.
                    ? new int[][] {{1, 256, 1}, {37, 512, 1}, {37, 256, 5}, {129, 768, 3}, {3, 1024, 9}, {5, 8192, 1}, {70, 8192, 1}}
                    : new int[][] {{1, 32, 1}, {37, 64, 1}, {37, 96, 5}, {129, 256, 3}, {17, 896, 2}, {3, 32, 9}};
            for (int[] s : shapes) {
                list.add(Arguments.of(type, s[0], s[1], s[2]));
            }
        }
        return list.stream();
    }

    @ParameterizedTest(name = "{0} {1}x{2}, {3} tokens")
    @MethodSource("shapes")
    void multiplyMatchesScalarReference(GgmlType type, int rows, int cols, int tokens) {
        Random rnd = new Random(rows * 31L + cols * 7L + tokens + type.ordinal());
        byte[] bytes = randomBlocks(type, rnd, rows * cols / type.blockSize());
        check(type, bytes, rows, cols, tokens, rnd);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("legacyTypes")
    void quantizedRowsMultiplyLikeTheReference(GgmlType type) {
        Random rnd = new Random(3);
        int rows = 19, cols = 128;
        byte[] bytes = Quantizer.encode(type, WeightMatrixTest.randomFloats(rnd, rows * cols), 0, rows * cols);
        check(type, bytes, rows, cols, 4, rnd);
    }

    static Stream<GgmlType> legacyTypes() {
        return Stream.of(GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1);
    }

    /**
     * A kernel may run rows in pairs (sharing the input's loads) with a single-row tail; each row's result must be
     * the same bits either way, so a row's logit cannot depend on how the rows were split among workers.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("kQuantTypes")
    void rowsGiveTheSameBitsInPairsAndAlone(GgmlType type) {
        rowsGiveTheSameBitsInPairsAndAlone(type, 7);
        rowsGiveTheSameBitsInPairsAndAlone(type, 75); // interleaved groups of 32 rows (RowGroups), and rows past them
    }

    private static void rowsGiveTheSameBitsInPairsAndAlone(GgmlType type, int rows) {
        Random rnd = new Random(11);
        int cols = 512, tokens = 1; // one token: batches go through TileGemm (TileGemmTest)
        WeightMatrix m = WeightMatrix.of("w", type, MemorySegment.ofArray(randomBlocks(type, rnd, rows * cols / 256)), rows, cols);
        Activations x = new Activations(tokens, cols);
        System.arraycopy(WeightMatrixTest.randomFloats(rnd, tokens * cols), 0, x.values(), 0, tokens * cols);
        x.set(tokens, cols);
        x.prepare(m.inputFormat());
        Scratch scratch = MatMul.scratchFor(m, tokens);
        float[] together = new float[tokens * rows];
        m.multiply(x, together, 0, rows, 0, rows, scratch);
        float[] alone = new float[tokens * rows];
        for (int r = 0; r < rows; r++) {
            m.multiply(x, alone, 0, rows, r, r + 1, scratch);
        }
        assertThat(alone).containsExactly(together);
    }

    /**
     * One token's row-kernel forms are derived only for matrices with rows outside re-laid groups
     * ({@link Activations#prepare}): an input first used by a matrix of whole groups, then by one with rows past
     * them (and by a type without groups), must give those the bits a fresh input gives. Short and long rows (the
     * float and the byte forms).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("reLaidTypes")
    void rowFormsDerivedForALaterMatrixGiveTheSameBits(GgmlType type) {
        for (int cols : new int[] {512, 4096}) {
            Random rnd = new Random(cols);
            GgmlType other = type.blockSize() == 32 ? GgmlType.Q5_0 : GgmlType.Q5_K;
            WeightMatrix whole = WeightMatrix.of("whole", type, MemorySegment.ofArray(randomBlocks(type, rnd, 64 * cols / type.blockSize())), 64, cols);
            WeightMatrix tail = WeightMatrix.of("tail", type, MemorySegment.ofArray(randomBlocks(type, rnd, 37 * cols / type.blockSize())), 37, cols);
            WeightMatrix none = WeightMatrix.of("none", other, MemorySegment.ofArray(randomBlocks(other, rnd, 5 * cols / other.blockSize())), 5, cols);
            float[] input = WeightMatrixTest.randomFloats(rnd, cols);
            MatMul matmul = new MatMul(pool, cols);
            Activations shared = new Activations(1, cols);
            System.arraycopy(input, 0, shared.values(), 0, cols);
            shared.set(1, cols);
            matmul.multiply(whole, shared, new float[64]);
            for (WeightMatrix m : List.of(tail, none)) {
                float[] later = new float[m.rows()];
                matmul.multiply(m, shared, later);
                Activations fresh = new Activations(1, cols);
                System.arraycopy(input, 0, fresh.values(), 0, cols);
                fresh.set(1, cols);
                float[] alone = new float[m.rows()];
                matmul.multiply(m, fresh, alone);
                assertThat(later).as("%s, %d columns", m.name(), cols).containsExactly(alone);
            }
        }
    }

    static Stream<GgmlType> reLaidTypes() {
        return Stream.of(GgmlType.Q4_0, GgmlType.Q4_K, GgmlType.Q6_K, GgmlType.Q8_0);
    }

    static Stream<GgmlType> kQuantTypes() {
        return Stream.of(GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K);
    }

    private static void check(GgmlType type, byte[] bytes, int rows, int cols, int tokens, Random rnd) {
        WeightMatrix m = WeightMatrix.of("w", type, MemorySegment.ofArray(bytes), rows, cols);
        assertThat(m.type()).isEqualTo(type);
        Activations x = new Activations(tokens, cols);
        float[] input = WeightMatrixTest.randomFloats(rnd, tokens * cols);
        System.arraycopy(input, 0, x.values(), 0, input.length);
        x.set(tokens, cols);
        float[] out = new float[tokens * rows];
        new MatMul(pool, cols).multiply(m, x, out);

        float[] rowRef = new float[cols];
        float[] dequant = new float[cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                rowRef[c] = referenceWeight(type, bytes, (long) r * cols + c);
            }
            m.dequantizeRow(r, dequant, 0);
            assertThat(dequant).as("dequantized row %d", r).containsExactly(rowRef);
            for (int t = 0; t < tokens; t++) {
                double[] expected = referenceDot(type, bytes, r, cols, input, t * cols);
                assertThat((double) out[t * rows + r]).as("row %d token %d", r, t)
                        .isCloseTo(expected[0], Offset.offset(1e-5 * expected[1] + 1e-6));
            }
        }
    }

    /**
     * Q8_0's re-laid kernel ({@link InterleavedQ8_0}) sums two products in int16 lanes: with every quant at -128 or
     * 127 and the input at ±127, a pair reaches 2 × 128 × 127 = 32512, the most int16 holds here; the result must
     * be exact. Two groups of 32 rows and a row past them, one token and a batch (whose tiles come from the copy).
     */
    @ParameterizedTest(name = "quant {0}")
    @ValueSource(ints = {127, -128})
    void extremeQ8_0BlocksSumWithoutOverflow(int quant) {
        int rows = 65, cols = 512;
        byte[] bytes = new byte[rows * cols / 32 * 34];
        for (int b = 0; b < rows * cols / 32; b++) {
            int at = 34 * b;
            bytes[at + 1] = 0x3C; // d = 1.0
            Arrays.fill(bytes, at + 2, at + 34, (byte) ((b / (cols / 32)) % 2 == 1 ? -quant - 1 : quant));
        }
        WeightMatrix m = WeightMatrix.of("w", GgmlType.Q8_0, MemorySegment.ofArray(bytes), rows, cols);
        // Q8_0's input scale is half precision: the token's value as its blocks hold it.
        checkConstantTokens(m, value -> Math.signum(value) * 127 * Float.float16ToFloat(Float.floatToFloat16((float) Math.abs(value) / 127)),
                r -> r % 2 == 1 ? -quant - 1 : quant);
    }

    /**
     * Multiplies {@code m} by one constant token and by a batch of five (0.5 and -0.25 alternating; a constant token
     * quantizes to ±127 in every block) and checks each row against {@code weight(r) · held(value) · cols}: the row's
     * weights, all equal, times the value as the quantized input holds it.
     */
    private static void checkConstantTokens(WeightMatrix m, java.util.function.DoubleUnaryOperator held,
                                            java.util.function.IntToDoubleFunction weight) {
        int rows = m.rows(), cols = m.cols();
        for (int tokens : new int[] {1, 5}) {
            Activations x = new Activations(tokens, cols);
            for (int t = 0; t < tokens; t++) {
                Arrays.fill(x.values(), t * cols, (t + 1) * cols, t % 2 == 0 ? 0.5f : -0.25f);
            }
            x.set(tokens, cols);
            float[] out = new float[tokens * rows];
            new MatMul(pool, cols).multiply(m, x, out);
            for (int t = 0; t < tokens; t++) {
                double input = held.applyAsDouble(t % 2 == 0 ? 0.5 : -0.25);
                for (int r = 0; r < rows; r++) {
                    double expected = weight.applyAsDouble(r) * input * cols;
                    assertThat((double) out[t * rows + r]).as("%d tokens: row %d token %d", tokens, r, t)
                            .isCloseTo(expected, Offset.offset(1e-5 * Math.abs(expected)));
                }
            }
        }
    }

    /**
     * Q6_K's re-laid kernel ({@link InterleavedQ6_K}) sums eight products in int16 lanes: with every quant at an end
     * (0 or 63, centred -32 or +31), the largest scale and input at ±127, those sums wrap on the way and the centred
     * ones reach 8 × 32 × 127 = 32512; the result must still be exact. Two groups of 32 rows, one token and a batch
     * (whose tiles come from the copy too).
     */
    @ParameterizedTest(name = "scale {0}")
    @ValueSource(ints = {127, -128})
    void extremeQ6_KBlocksSumWithoutOverflow(int scale) {
        int rows = 64, cols = 512;
        byte[] bytes = new byte[rows * cols / 256 * 210];
        for (int b = 0; b < rows * cols / 256; b++) {
            int at = 210 * b;
            boolean odd = (b / (cols / 256)) % 2 == 1;
            Arrays.fill(bytes, at, at + 192, odd ? (byte) 0xFF : 0); // q = 63 in odd rows, 0 in even rows
            Arrays.fill(bytes, at + 192, at + 208, (byte) scale);
            bytes[at + 209] = 0x3C; // d = 1.0
        }
        WeightMatrix m = WeightMatrix.of("w", GgmlType.Q6_K, MemorySegment.ofArray(bytes), rows, cols);
        // Q8_K's scale is a float (value/127): the input is the value.
        checkConstantTokens(m, value -> value, r -> (double) scale * (r % 2 == 0 ? -32 : 31));
    }

    @Test
    void knownQ4_KBlockDecodesItsPackedScales() {
        byte[] block = new byte[144];
        ByteBuffer b = ByteBuffer.wrap(block).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort(0, Float.floatToFloat16(0.5f));  // d
        b.putShort(2, Float.floatToFloat16(0.25f)); // dmin
        // sub-block 1: scale 3, min 2 (low 6 bits of bytes 1 and 5);
        // sub-block 5: scale 0b11_0111 = 55 (nibble of byte 9, top bits of byte 1), min 0b01_0010 = 18 (byte 9 high, byte 5 top)
        block[4 + 1] = (byte) (3 | 0b11 << 6);
        block[4 + 5] = (byte) (2 | 0b01 << 6);
        block[4 + 9] = (byte) (0x7 | 0x2 << 4);
        block[16 + 0] = (byte) 0x9F;   // element 0 of sub-block 0 (low nibble 15), of sub-block 1 (high nibble 9)
        block[16 + 64 + 3] = (byte) 0xA0; // element 3 of sub-block 5 (high nibble of the third 32-byte chunk) = 10
        float[] row = new float[256];
        WeightMatrix.of("k", GgmlType.Q4_K, MemorySegment.ofArray(block), 1, 256).dequantizeRow(0, row, 0);
        assertThat(row[0]).isEqualTo(0f);                          // scale 0, min 0
        assertThat(row[32]).isEqualTo(0.5f * 3 * 9 - 0.25f * 2);    // sub-block 1
        assertThat(row[33]).isEqualTo(-0.25f * 2);
        assertThat(row[5 * 32 + 3]).isEqualTo(0.5f * 55 * 10 - 0.25f * 18);
    }

    @Test
    void knownQ6_KAndQ3_KBlocksDecode() {
        byte[] q6 = new byte[210];
        ByteBuffer b6 = ByteBuffer.wrap(q6).order(ByteOrder.LITTLE_ENDIAN);
        b6.putShort(208, Float.floatToFloat16(0.125f));
        q6[192 + 11] = -3;             // scale of group 11: elements 176..191
        // element 128 + 96 + 17 (half 1, quarter 3): high nibble of ql[64 + 32 + 17], bits 6..7 of qh[32 + 17]
        q6[64 + 32 + 17] = 0x05 << 4;
        q6[128 + 32 + 17] = (byte) (0b10 << 6);
        q6[192 + 15] = 7;               // group 15 holds elements 240..255
        float[] row = new float[256];
        WeightMatrix.of("q6", GgmlType.Q6_K, MemorySegment.ofArray(q6), 1, 256).dequantizeRow(0, row, 0);
        assertThat(row[128 + 96 + 17]).isEqualTo(0.125f * 7 * ((0x5 | 0b10 << 4) - 32));
        assertThat(row[176]).isEqualTo(0.125f * -3 * -32);

        byte[] q3 = new byte[110];
        ByteBuffer b3 = ByteBuffer.wrap(q3).order(ByteOrder.LITTLE_ENDIAN);
        b3.putShort(108, Float.floatToFloat16(2f));
        // scale of group 13: low nibble = high nibble of byte 5, top bits = bits 6..7 of byte 8+1
        q3[96 + 5] = (byte) (0x4 << 4);
        q3[96 + 9] = (byte) (0b10 << 6);
        q3[32 + 32 + 16 + 2] = (byte) (0b11 << 4); // group 13 = 8·1 + 2·2 + 1: bits 4..5 of byte 32·1 + 16 + 2
        q3[16 + 2] = (byte) (1 << 6);             // high bit 4·1 + 2 of mask byte 16 + 2
        float[] row3 = new float[256];
        WeightMatrix.of("q3", GgmlType.Q3_K, MemorySegment.ofArray(q3), 1, 256).dequantizeRow(0, row3, 0);
        assertThat(row3[13 * 16 + 2]).isEqualTo(2f * ((0x4 | 0b10 << 4) - 32) * 3);
        assertThat(row3[13 * 16 + 3]).isEqualTo(2f * ((0x4 | 0b10 << 4) - 32) * -4);
    }

    @Test
    void quantizersStayWithinHalfAStep() {
        Random rnd = new Random(11);
        float[] x = WeightMatrixTest.randomFloats(rnd, 256);
        float[] back = new float[256];
        for (GgmlType type : legacyTypes().toList()) {
            WeightMatrix.of("q", type, MemorySegment.ofArray(Quantizer.encode(type, x, 0, 256)), 1, 256).dequantizeRow(0, back, 0);
            for (int b = 0; b < 8; b++) {
                float min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
                for (int j = 32 * b; j < 32 * b + 32; j++) {
                    min = Math.min(min, x[j]);
                    max = Math.max(max, x[j]);
                }
                float step = switch (type) {
                    case Q4_1 -> (max - min) / 15;
                    case Q5_1 -> (max - min) / 31;
                    default -> Math.max(max, -min) / 16;
                };
                for (int j = 32 * b; j < 32 * b + 32; j++) {
                    // half a step, plus the scale's and minimum's rounding to half precision; Q5_0's clamp at +15 costs up to a step
                    float allowed = (type == GgmlType.Q5_0 ? 1.01f : 0.51f) * step + 2e-3f * Math.abs(x[j]) + 2e-3f * Math.max(max, -min);
                    assertThat(back[j]).as("%s element %d", type, j).isCloseTo(x[j], Offset.offset(allowed));
                }
            }
        }
    }

    // --- the reference, one element at a time from the block layouts in ggml-common.h ---

    /** Random quants and scales, with half-precision d (and dmin/m) of realistic size. */
    static byte[] randomBlocks(GgmlType type, Random rnd, int blocks) {
        int size = (int) type.byteSize(type.blockSize());
        byte[] out = new byte[blocks * size];
        rnd.nextBytes(out);
        ByteBuffer b = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < blocks; i++) {
            int at = i * size;
            short d = Float.floatToFloat16((float) (rnd.nextGaussian() * 0.01));
            short m = Float.floatToFloat16((float) (Math.abs(rnd.nextGaussian()) * 0.01));
            switch (type) {
                case Q4_1, Q5_1 -> {
                    b.putShort(at, d);
                    b.putShort(at + 2, Float.floatToFloat16(-20 * Float.float16ToFloat(m)));
                }
                case Q4_0, Q5_0, Q8_0 -> b.putShort(at, d);
                case Q2_K -> {
                    b.putShort(at + 80, d);
                    b.putShort(at + 82, m);
                }
                case Q3_K -> b.putShort(at + 108, d);
                case Q4_K, Q5_K -> {
                    b.putShort(at, Float.floatToFloat16(Math.abs(Float.float16ToFloat(d)) * 0.1f));
                    b.putShort(at + 2, m);
                }
                case Q6_K -> b.putShort(at + 208, d);
                default -> throw new IllegalArgumentException(type.toString());
            }
        }
        return out;
    }

    private static int u8(byte[] a, long i) {
        return a[(int) i] & 0xFF;
    }

    private static float half(byte[] a, long i) {
        return Float.float16ToFloat((short) (u8(a, i) | u8(a, i + 1) << 8));
    }

    private static int bit(byte[] a, long byteAt, int bit) {
        return (u8(a, byteAt + bit / 8) >>> (bit % 8)) & 1;
    }

    /** 6-bit scale (which = 0) or min (which = 1) of sub-block s of a Q4_K/Q5_K block, from its 12 bytes at {@code at}. */
    private static int k4(byte[] a, long at, int s, int which) {
        if (s < 4) {
            return u8(a, at + s + 4L * which) & 63;
        }
        int low = which == 0 ? u8(a, at + s + 4) & 15 : u8(a, at + s + 4) >>> 4;
        int top = u8(a, at + s - 4 + 4L * which) >>> 6;
        return low | top << 4;
    }

    /** Unscaled quant q, integer scale and integer min of element e of the block at {@code at}. */
    private static int[] parts(GgmlType type, byte[] a, long at, int e) {
        switch (type) {
            case Q4_1 -> {
                int nib = e < 16 ? u8(a, at + 4 + e) & 15 : u8(a, at + 4 + e - 16) >>> 4;
                return new int[] {nib, 1, 0};
            }
            case Q5_0, Q5_1 -> {
                long qs = at + (type == GgmlType.Q5_0 ? 6 : 8);
                long qh = at + (type == GgmlType.Q5_0 ? 2 : 4);
                int nib = e < 16 ? u8(a, qs + e) & 15 : u8(a, qs + e - 16) >>> 4;
                int q = nib | bit(a, qh, e) << 4;
                return new int[] {type == GgmlType.Q5_0 ? q - 16 : q, 1, 0};
            }
            case Q2_K -> {
                int g = e / 16, l = e % 16;                                  // g = 8h + 2j + k
                int q = (u8(a, at + 16 + 32 * (g / 8) + 16 * (g % 2) + l) >>> (2 * (g / 2 % 4))) & 3;
                int sc = u8(a, at + g);
                return new int[] {q, sc & 15, sc >>> 4};
            }
            case Q3_K -> {
                int g = e / 16, l = e % 16, h = g / 8, j = g / 2 % 4, k = g % 2;
                int low = (u8(a, at + 32 + 32 * h + 16 * k + l) >>> (2 * j)) & 3;
                int high = (u8(a, at + 16 * k + l) >>> (4 * h + j)) & 1;
                int scLow = g < 8 ? u8(a, at + 96 + g) & 15 : u8(a, at + 96 + g - 8) >>> 4;
                int scTop = (u8(a, at + 96 + 8 + g % 4) >>> (2 * (g / 4))) & 3;
                return new int[] {low - (high == 1 ? 0 : 4), (scLow | scTop << 4) - 32, 0};
            }
            case Q4_K, Q5_K -> {
                int s = e / 32, l = e % 32;
                long qs = at + (type == GgmlType.Q4_K ? 16 : 48);
                int q = (u8(a, qs + 32 * (s / 2) + l) >>> (4 * (s % 2))) & 15;
                if (type == GgmlType.Q5_K) {
                    q |= ((u8(a, at + 16 + l) >>> s) & 1) << 4;
                }
                return new int[] {q, k4(a, at + 4, s, 0), k4(a, at + 4, s, 1)};
            }
            case Q6_K -> {
                int h = e / 128, r = e % 128, p = r / 32, l = r % 32;
                int low = (u8(a, at + 64 * h + 32 * (p % 2) + l) >>> (4 * (p / 2))) & 15;
                int high = (u8(a, at + 128 + 32 * h + l) >>> (2 * p)) & 3;
                return new int[] {(low | high << 4) - 32, a[(int) (at + 192 + e / 16)], 0};
            }
            default -> throw new IllegalArgumentException(type.toString());
        }
    }

    /** Block scale d and the minimum's scale (m for Q4_1/Q5_1, dmin for k-quants; 0 if none). */
    private static float[] scales(GgmlType type, byte[] a, long at) {
        return switch (type) {
            case Q4_1, Q5_1 -> new float[] {half(a, at), half(a, at + 2)};
            case Q5_0 -> new float[] {half(a, at), 0};
            case Q2_K -> new float[] {half(a, at + 80), half(a, at + 82)};
            case Q3_K -> new float[] {half(a, at + 108), 0};
            case Q4_K, Q5_K -> new float[] {half(a, at), half(a, at + 2)};
            case Q6_K -> new float[] {half(a, at + 208), 0};
            default -> throw new IllegalArgumentException(type.toString());
        };
    }

    static float referenceWeight(GgmlType type, byte[] a, long index) {
        int bs = type.blockSize();
        long at = index / bs * type.byteSize(bs);
        int[] p = parts(type, a, at, (int) (index % bs));
        float[] s = scales(type, a, at);
        return switch (type) {
            case Q4_1, Q5_1 -> p[0] * s[0] + s[1];
            case Q5_0 -> p[0] * s[0];
            case Q2_K, Q4_K, Q5_K -> s[0] * p[1] * p[0] - s[1] * p[2];
            case Q3_K, Q6_K -> s[0] * p[1] * p[0];
            default -> throw new IllegalArgumentException(type.toString());
        };
    }

    /**
     * {expected, magnitude}: row {@code r} times input {@code x[off..]} the way llama.cpp's CPU backend computes
     * it — weights times the type's quantized input, with Q8_1's minimum term through the half-rounded block sum.
     */
    static double[] referenceDot(GgmlType type, byte[] a, int r, int cols, float[] x, int off) {
        double sum = 0, magnitude = 0;
        if (type.blockSize() == 32) {
            for (int b = 0; b < cols / 32; b++) {
                float amax = 0;
                for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[off + 32 * b + j]));
                float dx = Float.float16ToFloat(Float.floatToFloat16(amax / 127f));
                int qsum = 0;
                double dot = 0;
                long at = ((long) r * cols / 32 + b) * type.byteSize(32);
                float[] s = scales(type, a, at);
                for (int j = 0; j < 32; j++) {
                    int qx = amax == 0 ? 0 : (int) Math.rint(x[off + 32 * b + j] * (127f / amax));
                    qsum += qx;
                    int q = parts(type, a, at, j)[0];
                    dot += (double) q * qx;
                    magnitude += Math.abs((double) s[0] * q * qx * dx) + Math.abs((double) s[1] * qx * dx);
                }
                sum += (double) s[0] * dx * dot;
                if (type != GgmlType.Q5_0) {
                    sum += (double) s[1] * Float.float16ToFloat(Float.floatToFloat16(amax / 127f * qsum));
                }
            }
        } else {
            for (int b = 0; b < cols / 256; b++) {
                float amax = 0, max = 0;
                for (int j = 0; j < 256; j++) {
                    float v = x[off + 256 * b + j];
                    if (Math.abs(v) > amax) {
                        amax = Math.abs(v);
                        max = v;
                    }
                }
                float iscale = -127f / max;
                float dx = 1 / iscale;
                long at = ((long) r * cols / 256 + b) * type.byteSize(256);
                for (int j = 0; j < 256; j++) {
                    int qx = Math.min(127, (int) Math.rint(iscale * x[off + 256 * b + j]));
                    double w = referenceWeight(type, a, (long) r * cols + 256L * b + j);
                    sum += w * qx * dx;
                    magnitude += Math.abs(w * qx * dx);
                }
            }
        }
        return new double[] {sum, magnitude};
    }
}
