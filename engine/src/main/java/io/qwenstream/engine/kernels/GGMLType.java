package io.qwenstream.engine.kernels;

/**
 * Tensor element types the engine reads, with ggml's numeric ids and block geometry.
 * A row of {@code n} elements takes {@code n / blockSize * blockBytes} bytes.
 */
public enum GGMLType {
    F32(0, 1, 4),
    F16(1, 1, 2),
    Q4_0(2, 32, 18),
    Q8_0(8, 32, 34),
    Q4_K(12, 256, 144),
    Q6_K(14, 256, 210),
    BF16(30, 1, 2);

    public final int id;
    public final int blockSize;
    public final int blockBytes;

    GGMLType(int id, int blockSize, int blockBytes) {
        this.id = id;
        this.blockSize = blockSize;
        this.blockBytes = blockBytes;
    }

    /** Bytes taken by {@code elements} values; {@code elements} must be a multiple of the block size. */
    public long bytesFor(long elements) {
        if (elements % blockSize != 0) {
            throw new IllegalArgumentException(
                    name() + " needs a multiple of " + blockSize + " elements, got " + elements);
        }
        return elements / blockSize * blockBytes;
    }

    /** The type with ggml id {@code id}, or {@code null} when the engine does not support it. */
    public static GGMLType byId(int id) {
        for (GGMLType t : values()) {
            if (t.id == id) return t;
        }
        return null;
    }

    /** ggml's name for a type id, also for the ones the engine does not load (for error messages). */
    public static String nameOf(int id) {
        GGMLType t = byId(id);
        if (t != null) return t.name();
        return switch (id) {
            case 3 -> "Q4_1";
            case 6 -> "Q5_0";
            case 7 -> "Q5_1";
            case 9 -> "Q8_1";
            case 10 -> "Q2_K";
            case 11 -> "Q3_K";
            case 13 -> "Q5_K";
            case 15 -> "Q8_K";
            case 16 -> "IQ2_XXS";
            case 17 -> "IQ2_XS";
            case 18 -> "IQ3_XXS";
            case 19 -> "IQ1_S";
            case 20 -> "IQ4_NL";
            case 21 -> "IQ3_S";
            case 22 -> "IQ2_S";
            case 23 -> "IQ4_XS";
            case 24 -> "I8";
            case 25 -> "I16";
            case 26 -> "I32";
            case 27 -> "I64";
            case 28 -> "F64";
            case 29 -> "IQ1_M";
            case 34 -> "TQ1_0";
            case 35 -> "TQ2_0";
            case 39 -> "MXFP4";
            default -> "type#" + id;
        };
    }
}
