package io.qwenstream.engine.kernels;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Which vector width the kernels use, and whether they use vectors at all.
 *
 * <p>The kernels are written for 8 or 16 float lanes (AVX2 or AVX-512): a lane group then never
 * crosses a 16-weight scale group of Q6_K, and every block of 32 splits into whole vectors. Other
 * widths, a JVM without the C2 compiler (where the Vector API runs as slow Java objects), or
 * {@code -Dqwenstream.vector=false} select the scalar kernels instead.
 */
public final class VectorInfo {

    /** The float species every vector kernel uses (meaningful only when {@link #ENABLED}). */
    public static final VectorSpecies<Float> F_SPECIES = pickSpecies();

    /** Byte, short and int species with as many lanes as {@link #F_SPECIES}, for widening loads. */
    static final VectorSpecies<Byte> B_SPECIES =
            VectorSpecies.of(byte.class, VectorShape.forBitSize(F_SPECIES.length() * 8));

    static final VectorSpecies<Short> S_SPECIES =
            VectorSpecies.of(short.class, VectorShape.forBitSize(F_SPECIES.length() * 16));
    static final VectorSpecies<Integer> I_SPECIES = F_SPECIES.withLanes(int.class);

    /** True when the vector kernels run; false selects the scalar ones. */
    public static final boolean ENABLED = Boolean.parseBoolean(System.getProperty("qwenstream.vector", "true"))
            && supportedWidth(FloatVector.SPECIES_PREFERRED.vectorBitSize())
            && compiledByC2();

    private VectorInfo() {}

    /** Signed bytes (one per float lane) as floats. */
    static FloatVector widen(ByteVector bytes) {
        return (FloatVector) bytes.convertShape(VectorOperators.B2F, F_SPECIES, 0);
    }

    /**
     * Each byte shifted right by {@code bits}, then masked. x86 has no byte-lane shift (C2 turns one
     * into five instructions): shifting 32-bit lanes takes one, and the mask drops the bits pulled in
     * from the neighbouring byte, so the mask must have no bit at or above {@code 8 - bits}.
     */
    static ByteVector shiftRightAndMask(ByteVector v, int bits, int mask) {
        return v.reinterpretAsInts()
                .lanewise(VectorOperators.LSHR, bits)
                .reinterpretAsBytes()
                .and((byte) mask);
    }

    /**
     * The sum of the lanes, in one fixed order: each step adds the lanes half the width away, until
     * lane 0 holds the sum. {@code reduceLanes(ADD)} leaves the order open, and the interpreter and
     * C2 do pick different ones: the same dot product would change its last bits once the kernel gets
     * compiled. Lane-wise adds are the same in both, and allocate nothing (a round trip through an
     * array did, once per dot product).
     */
    static float sum(FloatVector v) {
        if (F_SPECIES.length() == 16) v = v.add(v.rearrange(ROTATE_8));
        v = v.add(v.rearrange(ROTATE_4));
        v = v.add(v.rearrange(ROTATE_2));
        return v.add(v.rearrange(ROTATE_1)).lane(0);
    }

    // Constant shuffles (C2 compiles a rearrange by a static final shuffle to one permute).
    private static final VectorShuffle<Float> ROTATE_8 = VectorShuffle.iota(F_SPECIES, 8, 1, true);
    private static final VectorShuffle<Float> ROTATE_4 = VectorShuffle.iota(F_SPECIES, 4, 1, true);
    private static final VectorShuffle<Float> ROTATE_2 = VectorShuffle.iota(F_SPECIES, 2, 1, true);
    private static final VectorShuffle<Float> ROTATE_1 = VectorShuffle.iota(F_SPECIES, 1, 1, true);

    private static VectorSpecies<Float> pickSpecies() {
        VectorSpecies<Float> preferred = FloatVector.SPECIES_PREFERRED;
        return supportedWidth(preferred.vectorBitSize()) ? preferred : FloatVector.SPECIES_256;
    }

    private static boolean supportedWidth(int bits) {
        return bits == 256 || bits == 512;
    }

    /** The Vector API is only fast when C2 compiles it into SIMD instructions. */
    private static boolean compiledByC2() {
        if (String.valueOf(System.getProperty("java.vm.info")).contains("interpreted")) return false;
        try {
            HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            if (!Boolean.parseBoolean(vm.getVMOption("UseCompiler").getValue())) return false;
            if (Integer.parseInt(vm.getVMOption("TieredStopAtLevel").getValue()) < 4) return false;
            return Integer.parseInt(vm.getVMOption("MaxVectorSize").getValue()) * 8
                    >= FloatVector.SPECIES_PREFERRED.vectorBitSize();
        } catch (RuntimeException notHotSpot) {
            return true; // another JVM: trust its preferred species
        }
    }

    /** One line for logs, e.g. {@code "Vector API: 512-bit, 16 float lanes, accelerated"}. */
    public static String describe() {
        int bits = FloatVector.SPECIES_PREFERRED.vectorBitSize();
        if (ENABLED) {
            return "Vector API: " + F_SPECIES.vectorBitSize() + "-bit, " + F_SPECIES.length()
                    + " float lanes, accelerated";
        }
        String why = !Boolean.parseBoolean(System.getProperty("qwenstream.vector", "true"))
                ? "disabled by -Dqwenstream.vector=false"
                : !supportedWidth(bits)
                        ? "preferred width " + bits + "-bit is not 256 or 512"
                        : "not compiled to SIMD (no C2 compiler or MaxVectorSize too small)";
        return "Vector API: off (" + why + "), scalar kernels";
    }
}
