package io.qwenstream.engine.kernels;

import static io.qwenstream.engine.kernels.VectorInfo.B_SPECIES;
import static io.qwenstream.engine.kernels.VectorInfo.F_SPECIES;
import static io.qwenstream.engine.kernels.VectorInfo.I_SPECIES;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * ggml Q4_K: super-blocks of 256 weights in 144 bytes: half d, half dmin, 12 bytes holding a 6-bit
 * scale and a 6-bit min for each of 8 sub-blocks of 32, then 128 bytes of nibbles. Byte
 * {@code 32*p + l} of the nibbles holds weight {@code 64*p + l} (low nibble, sub-block 2p) and
 * weight {@code 64*p + 32 + l} (high nibble, sub-block 2p+1). weight = d*scale*q - dmin*min.
 */
public final class Q4_KKernel {

    static final int BLOCK = 256;
    static final int BLOCK_BYTES = 144;
    private static final int SCALES = 4;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int QS = 16;

    private Q4_KKernel() {}

    /** The 6-bit scale of sub-block j (0..7): j < 4 in the low bits of byte j, else split over bytes j+4 and j-4. */
    static int scale(MemorySegment w, long block, int j) {
        long s = block + SCALES;
        if (j < 4) return unsigned(w, s + j) & 63;
        return (unsigned(w, s + j + 4) & 0xF) | (unsigned(w, s + j - 4) >>> 6) << 4;
    }

    /** The 6-bit min of sub-block j (0..7). */
    static int min(MemorySegment w, long block, int j) {
        long s = block + SCALES;
        if (j < 4) return unsigned(w, s + j + 4) & 63;
        return (unsigned(w, s + j + 4) >>> 4) | (unsigned(w, s + j) >>> 6) << 4;
    }

    private static int unsigned(MemorySegment w, long offset) {
        return w.get(ValueLayout.JAVA_BYTE, offset) & 0xFF;
    }

    public static void dequantize(MemorySegment w, long offset, float[] out, int outOff, int n) {
        for (int b = 0; b < n / BLOCK; b++) {
            long block = offset + (long) b * BLOCK_BYTES;
            float d = F16Kernel.read(w, block);
            float dmin = F16Kernel.read(w, block + 2);
            for (int p = 0; p < 4; p++) {
                float d1 = d * scale(w, block, 2 * p), m1 = dmin * min(w, block, 2 * p);
                float d2 = d * scale(w, block, 2 * p + 1), m2 = dmin * min(w, block, 2 * p + 1);
                int o = outOff + b * BLOCK + 64 * p;
                for (int l = 0; l < 32; l++) {
                    int packed = unsigned(w, block + QS + 32 * p + l);
                    out[o + l] = d1 * (packed & 0xF) - m1;
                    out[o + 32 + l] = d2 * (packed >>> 4) - m2;
                }
            }
        }
    }

    /** {@link #dequantize} with vectors: the same float32 values, bit for bit. */
    public static void decode(MemorySegment w, long offset, float[] out, int outOff, int n) {
        for (int b = 0; b < n / BLOCK; b++) {
            long block = offset + (long) b * BLOCK_BYTES;
            float d = F16Kernel.read(w, block);
            float dmin = F16Kernel.read(w, block + 2);
            long first8 = w.get(LONG, block + SCALES);
            int scaleBytes = (int) first8, minBytes = (int) (first8 >>> 32), nibbles = w.get(INT, block + SCALES + 8);
            for (int p = 0; p < 4; p++) {
                float d1 = d * sixBits(scaleBytes, nibbles, 2 * p), m1 = dmin * sixBits(minBytes, nibbles >>> 4, 2 * p);
                float d2 = d * sixBits(scaleBytes, nibbles, 2 * p + 1),
                        m2 = dmin * sixBits(minBytes, nibbles >>> 4, 2 * p + 1);
                int o = outOff + b * BLOCK + 64 * p;
                for (int l = 0; l < 32; l += F_SPECIES.length()) {
                    ByteVector q = ByteVector.fromMemorySegment(
                            B_SPECIES, w, block + QS + 32 * p + l, ByteOrder.LITTLE_ENDIAN);
                    // Multiply, then subtract (two roundings), as dequantize does; an fma would round once.
                    VectorInfo.widen(q.and((byte) 0xF)).mul(d1).sub(m1).intoArray(out, o + l);
                    VectorInfo.widen(VectorInfo.shiftRightAndMask(q, 4, 0xF))
                            .mul(d2)
                            .sub(m2)
                            .intoArray(out, o + 32 + l);
                }
            }
        }
    }

    public static float dotScalar(MemorySegment w, long offset, float[] x, int xOff, int n) {
        float sum = 0f;
        for (int b = 0; b < n / BLOCK; b++) {
            long block = offset + (long) b * BLOCK_BYTES;
            float d = F16Kernel.read(w, block);
            float dmin = F16Kernel.read(w, block + 2);
            for (int p = 0; p < 4; p++) {
                float d1 = d * scale(w, block, 2 * p), m1 = dmin * min(w, block, 2 * p);
                float d2 = d * scale(w, block, 2 * p + 1), m2 = dmin * min(w, block, 2 * p + 1);
                int xb = xOff + b * BLOCK + 64 * p;
                for (int l = 0; l < 32; l++) {
                    int packed = unsigned(w, block + QS + 32 * p + l);
                    sum += (d1 * (packed & 0xF) - m1) * x[xb + l] + (d2 * (packed >>> 4) - m2) * x[xb + 32 + l];
                }
            }
        }
        return sum;
    }

    public static float dot(MemorySegment w, long offset, float[] x, int xOff, int n) {
        float[] xp = new float[preparedLength(n)];
        prepare(x, xOff, n, xp);
        return dotPrepared(w, offset, xp, n, new float[scratchLength(n)]);
    }

    // The vector kernel. A super-block's dot product is
    //     sum over sub-blocks j of  d*sc_j * (q_j . x_j)  -  dmin*m_j * sum(x_j),
    // and sum(x_j) depends on the activations only: computed once per activation vector (prepare),
    // the min term costs one multiply-add per sub-block instead of one per weight. The nibbles are
    // read as int lanes, 4 bytes each, and taken out with one AND per vector: (q & 0xF << s) is the
    // nibble times 2^s, exactly, as a float, so the activation it meets is stored times 2^-s
    // (exact: a power of two). Lane i of an int vector holds bytes 4i..4i+3, so the k-th nibble of
    // each lane belongs to weights 4 apart: prepare stores the activations in that order.

    private static final int LANES = F_SPECIES.length();
    /** Int vectors of nibble bytes per super-block: 128 bytes, 4 * LANES at a time. */
    private static final int CHUNKS = 128 / (4 * LANES);
    /** Floats per super-block in the scratch: for each chunk and each nibble half, one vector of scales. */
    private static final int SCALE_FLOATS = 2 * CHUNKS * LANES;

    private static final VectorSpecies<Integer> I128 = IntVector.SPECIES_128;
    /** The 12 scale bytes as ints u0 u1 u2 picked into [u0, u1, u2, u2] and [u0, u1, u0, u1]. */
    private static final VectorShuffle<Integer> SIX_LOW = VectorShuffle.fromValues(I128, 0, 1, 2, 2);

    private static final VectorShuffle<Integer> SIX_HIGH = VectorShuffle.fromValues(I128, 0, 1, 0, 1);
    private static final IntVector LOW_SHIFT = IntVector.fromArray(I128, new int[] {0, 0, 0, 4}, 0);
    private static final IntVector LOW_MASK =
            IntVector.fromArray(I128, new int[] {0x3F3F3F3F, 0x3F3F3F3F, 0x0F0F0F0F, 0x0F0F0F0F}, 0);
    private static final IntVector HIGH_MASK = IntVector.fromArray(I128, new int[] {0, 0, 0x30303030, 0x30303030}, 0);
    /** In the unpacked 16: [sc0..3, m0..3, sc4..7, m4..7]; true in the lanes of mins. */
    private static final VectorMask<Float> MIN_LANES = VectorMask.fromLong(F_SPECIES, LANES == 16 ? 0xF0F0L : 0xF0L);
    // Per chunk and half, which unpacked lane holds each lane's sub-block scale (4 with 16 lanes, 8 with 8).
    private static final VectorShuffle<Float> PICK_0 = scalePick(0), PICK_1 = scalePick(1), PICK_2 = scalePick(2);
    private static final VectorShuffle<Float> PICK_3 = scalePick(3), PICK_4 = scalePick(4), PICK_5 = scalePick(5);
    private static final VectorShuffle<Float> PICK_6 = scalePick(6), PICK_7 = scalePick(7);

    /** 2^-s for the nibble taken at bit s: extraction m = 4 * half + byte, s = 8 * byte + 4 * half. */
    private static final float[] PRESCALE = {
        1f, 0x1p-8f, 0x1p-16f, 0x1p-24f, 0x1p-4f, 0x1p-12f, 0x1p-20f, 1f // the last is shifted down, not masked
    };

    // Per thread, grown to the longest row seen: the prepared activations of the matvec this thread
    // started (read by every worker during it) and this thread's own scale scratch.
    private static final ThreadLocal<float[]> PREPARED = ThreadLocal.withInitial(() -> new float[0]);
    private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[0]);

    /** x[xOff .. xOff + n) {@link #prepare}d into the calling thread's buffer, which is returned. */
    static float[] preparedByThisThread(float[] x, int xOff, int n) {
        float[] xp = PREPARED.get();
        if (xp.length < preparedLength(n)) PREPARED.set(xp = new float[preparedLength(n)]);
        prepare(x, xOff, n, xp);
        return xp;
    }

    /** The calling thread's scratch for {@link #dotPrepared} with rows of n weights. */
    static float[] scratchOfThisThread(int n) {
        float[] scratch = SCRATCH.get();
        if (scratch.length < scratchLength(n)) SCRATCH.set(scratch = new float[scratchLength(n)]);
        return scratch;
    }

    /** Floats {@link #prepare} writes for n activations. */
    public static int preparedLength(int n) {
        return n + n / BLOCK * 16;
    }

    /** Floats of scratch {@link #dotPrepared} needs for rows of n weights. */
    public static int scratchLength(int n) {
        return n / BLOCK * SCALE_FLOATS;
    }

    /**
     * x[xOff .. xOff + n) laid out for {@link #dotPrepared}: first the n activations in the order
     * the kernel takes nibbles (see above), each times its 2^-s; then per super-block 16 floats,
     * the sums of its 8 sub-blocks in the lanes where the unpacked mins lie, zero elsewhere.
     */
    public static void prepare(float[] x, int xOff, int n, float[] out) {
        for (int b = 0; b < n / BLOCK; b++) {
            int xb = xOff + b * BLOCK, ob = b * BLOCK;
            for (int chunk = 0; chunk < CHUNKS; chunk++) {
                for (int m = 0; m < 8; m++) {
                    int byteInLane = m & 3, half = m >> 2;
                    float f = PRESCALE[m];
                    for (int i = 0; i < LANES; i++) {
                        int at = 4 * LANES * chunk + 4 * i + byteInLane; // nibble byte 0..127
                        out[ob + LANES * (8 * chunk + m) + i] = x[xb + 64 * (at >> 5) + 32 * half + (at & 31)] * f;
                    }
                }
            }
            int sb = n + 16 * b;
            for (int j = 0; j < 8; j++) {
                float sum = 0f;
                for (int l = 0; l < 32; l++) sum += x[xb + 32 * j + l];
                out[sb + minLane(j)] = sum;
                out[sb + scaleLane(j)] = 0f;
            }
        }
    }

    private static int scaleLane(int j) {
        return j < 4 ? j : j + 4;
    }

    private static int minLane(int j) {
        return scaleLane(j) + 4;
    }

    /** The dot product of a row with activations {@link #prepare}d; scratch of {@link #scratchLength}. */
    public static float dotPrepared(MemorySegment w, long offset, float[] xp, int n, float[] scratch) {
        float mins = unpackScales(w, offset, xp, n, scratch);
        return nibbleDot(w, offset, xp, n, scratch) + mins;
    }

    /**
     * Writes each super-block's scale vectors (d * sc of each lane's sub-block) into scratch and
     * returns the row's min term, minus the sum of dmin * m_j * sum(x_j). Kept apart from
     * {@link #nibbleDot} so that each stays small enough for C2 to compile every vector operation.
     */
    private static float unpackScales(MemorySegment w, long offset, float[] xp, int n, float[] scratch) {
        FloatVector mins = FloatVector.zero(F_SPECIES);
        for (int b = 0; b < n / BLOCK; b++) {
            long block = offset + (long) b * BLOCK_BYTES;
            // As scale()/min() decode them, four sub-blocks at a time: 6 bits from bytes 0..3 (scales
            // 0..3) or 4..7 (mins 0..3); for 4..7 a nibble of bytes 8..11 and the top 2 bits of 0..7.
            IntVector u = IntVector.fromMemorySegment(I128, w, block + SCALES, ByteOrder.LITTLE_ENDIAN);
            IntVector six = u.rearrange(SIX_LOW)
                    .lanewise(VectorOperators.LSHR, LOW_SHIFT)
                    .and(LOW_MASK)
                    .or(u.rearrange(SIX_HIGH).lanewise(VectorOperators.LSHR, 2).and(HIGH_MASK));
            ByteVector bytes = six.reinterpretAsBytes();
            FloatVector factor = FloatVector.broadcast(F_SPECIES, F16Kernel.read(w, block))
                    .blend(-F16Kernel.read(w, block + 2), MIN_LANES);
            int sb = n + 16 * b, ob = SCALE_FLOATS * b;
            // Rearranges by static final shuffles: C2 compiles each to one permute.
            if (LANES == 16) {
                FloatVector f = ((FloatVector) bytes.convertShape(VectorOperators.B2F, F_SPECIES, 0)).mul(factor);
                mins = f.fma(FloatVector.fromArray(F_SPECIES, xp, sb), mins);
                f.rearrange(PICK_0).intoArray(scratch, ob);
                f.rearrange(PICK_1).intoArray(scratch, ob + 16);
                f.rearrange(PICK_2).intoArray(scratch, ob + 32);
                f.rearrange(PICK_3).intoArray(scratch, ob + 48);
            } else {
                // 8 lanes: scales and mins of sub-blocks 0..3 in the first part, 4..7 in the second; a
                // chunk is one sub-block pair, so each scale vector is one lane broadcast.
                FloatVector f = ((FloatVector) bytes.convertShape(VectorOperators.B2F, F_SPECIES, 0)).mul(factor);
                mins = f.fma(FloatVector.fromArray(F_SPECIES, xp, sb), mins);
                f.rearrange(PICK_0).intoArray(scratch, ob);
                f.rearrange(PICK_1).intoArray(scratch, ob + 8);
                f.rearrange(PICK_2).intoArray(scratch, ob + 16);
                f.rearrange(PICK_3).intoArray(scratch, ob + 24);
                f = ((FloatVector) bytes.convertShape(VectorOperators.B2F, F_SPECIES, 1)).mul(factor);
                mins = f.fma(FloatVector.fromArray(F_SPECIES, xp, sb + 8), mins);
                f.rearrange(PICK_4).intoArray(scratch, ob + 32);
                f.rearrange(PICK_5).intoArray(scratch, ob + 40);
                f.rearrange(PICK_6).intoArray(scratch, ob + 48);
                f.rearrange(PICK_7).intoArray(scratch, ob + 56);
            }
        }
        return VectorInfo.sum(mins);
    }

    /** sum over super-blocks and sub-blocks of d * sc_j * (q_j . x_j), scales from {@link #unpackScales}. */
    private static float nibbleDot(MemorySegment w, long offset, float[] xp, int n, float[] scratch) {
        // One accumulator per nibble half, each fed once per chunk; the chains within a chunk are four deep.
        FloatVector acc0 = FloatVector.zero(F_SPECIES), acc1 = acc0;
        for (int b = 0; b < n / BLOCK; b++) {
            long qs = offset + (long) b * BLOCK_BYTES + QS;
            for (int chunk = 0; chunk < CHUNKS; chunk++) {
                IntVector q =
                        IntVector.fromMemorySegment(I_SPECIES, w, qs + 4L * LANES * chunk, ByteOrder.LITTLE_ENDIAN);
                int xi = b * BLOCK + 8 * LANES * chunk;
                int si = SCALE_FLOATS * b + 2 * LANES * chunk;
                FloatVector lo = nibble(q, 0xF).mul(FloatVector.fromArray(F_SPECIES, xp, xi));
                lo = nibble(q, 0xF00).fma(FloatVector.fromArray(F_SPECIES, xp, xi + LANES), lo);
                lo = nibble(q, 0xF0000).fma(FloatVector.fromArray(F_SPECIES, xp, xi + 2 * LANES), lo);
                lo = nibble(q, 0xF000000).fma(FloatVector.fromArray(F_SPECIES, xp, xi + 3 * LANES), lo);
                FloatVector hi = nibble(q, 0xF0).mul(FloatVector.fromArray(F_SPECIES, xp, xi + 4 * LANES));
                hi = nibble(q, 0xF000).fma(FloatVector.fromArray(F_SPECIES, xp, xi + 5 * LANES), hi);
                hi = nibble(q, 0xF00000).fma(FloatVector.fromArray(F_SPECIES, xp, xi + 6 * LANES), hi);
                // The top nibble: a shift instead of a mask (masked, bit 31 would make it negative).
                hi = toFloats(q.lanewise(VectorOperators.LSHR, 28))
                        .fma(FloatVector.fromArray(F_SPECIES, xp, xi + 7 * LANES), hi);
                acc0 = lo.fma(FloatVector.fromArray(F_SPECIES, scratch, si), acc0);
                acc1 = hi.fma(FloatVector.fromArray(F_SPECIES, scratch, si + LANES), acc1);
            }
        }
        return VectorInfo.sum(acc0.add(acc1));
    }

    /** (q & mask) as floats: a nibble times 2^s where s is the mask's lowest set bit. */
    private static FloatVector nibble(IntVector q, int mask) {
        return toFloats(q.and(mask));
    }

    /** Int lanes as floats. convertShape with the species named: convert(I2F, 0) looks the species up, which C2
     * does not fold, and then runs the Vector API's Java fallback. */
    private static FloatVector toFloats(IntVector v) {
        return (FloatVector) v.convertShape(VectorOperators.I2F, F_SPECIES, 0);
    }

    /** The sub-block of lane i of scale vector k (chunk k / 2, nibble half k % 2). */
    private static int subBlock(int k, int i) {
        int at = 4 * LANES * (k / 2) + 4 * i; // the lane's first nibble byte
        return 2 * (at >> 5) + (k & 1);
    }

    /** For scale vector k, the lane of the unpacked floats (its part of LANES) holding each lane's scale. */
    private static VectorShuffle<Float> scalePick(int k) {
        if (k >= 2 * CHUNKS) return null;
        int[] lanes = new int[LANES];
        for (int i = 0; i < LANES; i++) lanes[i] = scaleLane(subBlock(k, i)) % LANES;
        return VectorShuffle.fromArray(F_SPECIES, lanes, 0);
    }

    /**
     * Sub-block j's 6-bit value from packed bytes, as {@link #scale}/{@link #min} decode it: for
     * j < 4 the low 6 bits of byte j of {@code sixBitBytes}; else 4 bits of byte j-4 of
     * {@code nibbles} and, above them, the top 2 bits of byte j-4 of {@code sixBitBytes}.
     */
    private static int sixBits(int sixBitBytes, int nibbles, int j) {
        if (j < 4) return (sixBitBytes >>> (8 * j)) & 63;
        int k = 8 * (j - 4);
        return ((nibbles >>> k) & 0xF) | ((sixBitBytes >>> (k + 6)) & 3) << 4;
    }

    /**
     * A simple quantizer (not ggml's search): per sub-block the range [min(0, lo), hi] is covered
     * exactly. Mins and scales are rounded up to their 6-bit grids so that no weight is clipped,
     * and each weight then rounds to the nearest of 16 levels: error at most half a level.
     */
    public static void quantize(float[] x, int xOff, int n, MemorySegment out, long outOffset) {
        float[] need = new float[8];
        int[] mins = new int[8];
        byte[] packed = new byte[12];
        for (int b = 0; b < n / BLOCK; b++) {
            int xb = xOff + b * BLOCK;
            long block = outOffset + (long) b * BLOCK_BYTES;
            float maxNeedMin = 0f;
            for (int j = 0; j < 8; j++) {
                float lo = 0f;
                for (int l = 0; l < 32; l++) lo = Math.min(lo, x[xb + 32 * j + l]);
                need[j] = -lo;
                maxNeedMin = Math.max(maxNeedMin, -lo);
            }
            float dmin = halfAtLeast(maxNeedMin / 63);
            float maxNeedScale = 0f;
            for (int j = 0; j < 8; j++) {
                mins[j] = dmin == 0f ? 0 : Math.min(63, (int) Math.ceil(need[j] / dmin));
                float hi = 0f;
                for (int l = 0; l < 32; l++) hi = Math.max(hi, x[xb + 32 * j + l]);
                need[j] = (hi + dmin * mins[j]) / 15;
                maxNeedScale = Math.max(maxNeedScale, need[j]);
            }
            float d = halfAtLeast(maxNeedScale / 63);
            Arrays.fill(packed, (byte) 0);
            for (int j = 0; j < 8; j++) {
                int sc = d == 0f ? 0 : Math.min(63, (int) Math.ceil(need[j] / d));
                int m = mins[j];
                if (j < 4) {
                    packed[j] = (byte) sc;
                    packed[j + 4] = (byte) m;
                } else {
                    packed[j + 4] = (byte) ((sc & 0xF) | (m & 0xF) << 4);
                    packed[j - 4] |= (byte) ((sc >>> 4) << 6);
                    packed[j] |= (byte) ((m >>> 4) << 6);
                }
            }
            out.set(F16Kernel.SHORT, block, Float.floatToFloat16(d));
            out.set(F16Kernel.SHORT, block + 2, Float.floatToFloat16(dmin));
            MemorySegment.copy(packed, 0, out, ValueLayout.JAVA_BYTE, block + SCALES, 12);
            for (int p = 0; p < 4; p++) {
                for (int l = 0; l < 32; l++) {
                    int lo = level(x[xb + 64 * p + l], out, block, 2 * p);
                    int hi = level(x[xb + 64 * p + 32 + l], out, block, 2 * p + 1);
                    out.set(ValueLayout.JAVA_BYTE, block + QS + 32 * p + l, (byte) (lo | hi << 4));
                }
            }
        }
    }

    /** The nearest level 0..15 of {@code v} in sub-block j of the (already written) block. */
    private static int level(float v, MemorySegment block, long offset, int j) {
        float step = F16Kernel.read(block, offset) * scale(block, offset, j);
        float shift = F16Kernel.read(block, offset + 2) * min(block, offset, j);
        if (step == 0f) return 0;
        return Math.clamp(Math.round((v + shift) / step), 0, 15);
    }

    /** The smallest half-precision value not below {@code v} (v >= 0), so a grid built on it covers v. */
    static float halfAtLeast(float v) {
        short h = Float.floatToFloat16(v);
        float f = Float.float16ToFloat(h);
        return f >= v ? f : Float.float16ToFloat((short) (h + 1));
    }
}
