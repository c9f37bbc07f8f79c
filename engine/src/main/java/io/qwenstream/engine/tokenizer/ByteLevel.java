package io.qwenstream.engine.tokenizer;

/**
 * GPT-2's reversible byte-to-character table: every byte gets a printable character, so a BPE
 * vocabulary over bytes can be stored as text. Printable Latin-1 bytes map to themselves, the
 * other 68 bytes (controls, space, 0x7F-0xA0, 0xAD) to U+0100 onwards in byte order, so the space
 * byte is 'Ġ' (U+0120) and '\n' is 'Ċ' (U+010A).
 */
final class ByteLevel {

    private static final char[] CHAR_OF_BYTE = new char[256];
    private static final int[] BYTE_OF_CHAR = new int[256 + 68];

    static {
        java.util.Arrays.fill(BYTE_OF_CHAR, -1);
        int shifted = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = printable ? (char) b : (char) (256 + shifted++);
            CHAR_OF_BYTE[b] = c;
            BYTE_OF_CHAR[c] = b;
        }
    }

    private ByteLevel() {}

    static char charOf(int unsignedByte) {
        return CHAR_OF_BYTE[unsignedByte];
    }

    /** The byte that {@code c} stands for, or -1 when {@code c} is not a byte-level character. */
    static int byteOf(char c) {
        return c < BYTE_OF_CHAR.length ? BYTE_OF_CHAR[c] : -1;
    }
}
