package io.qwenstream.engine.gguf;

/** The type tag of a GGUF metadata value; {@code id} is the number stored in the file. */
public enum GGUFValueType {
    UINT8(0, 1),
    INT8(1, 1),
    UINT16(2, 2),
    INT16(3, 2),
    UINT32(4, 4),
    INT32(5, 4),
    FLOAT32(6, 4),
    BOOL(7, 1),
    STRING(8, 8), // u64 length, then UTF-8 bytes
    ARRAY(9, 12), // u32 element type, u64 count, then the elements
    UINT64(10, 8),
    INT64(11, 8),
    FLOAT64(12, 8);

    public final int id;
    /** The fewest bytes one value of this type takes in the file: bounds counts read from the file. */
    final int minBytes;

    GGUFValueType(int id, int minBytes) {
        this.id = id;
        this.minBytes = minBytes;
    }

    /** The type with file id {@code id}, or {@code null} if there is none. */
    public static GGUFValueType byId(int id) {
        for (GGUFValueType t : values()) {
            if (t.id == id) return t;
        }
        return null;
    }
}
