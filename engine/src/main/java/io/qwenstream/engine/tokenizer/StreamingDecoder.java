package io.qwenstream.engine.tokenizer;

import java.util.Arrays;

/**
 * Turns generated token ids into text one token at a time. A character whose UTF-8 bytes are split
 * across tokens is held back until its last byte arrives, so the concatenation of everything
 * {@link #push} and {@link #flush} return equals {@link Qwen3Tokenizer#decode} of the same ids.
 *
 * <p>Ill-formed bytes become U+FFFD, one per maximal ill-formed subpart (the Unicode-recommended
 * practice that Rust's {@code from_utf8_lossy}, and so Hugging Face, follows). Not thread-safe: one
 * decoder per generated sequence.
 */
public final class StreamingDecoder {

    private static final int REPLACEMENT = 0xFFFD;

    private final Qwen3Tokenizer tokenizer;
    private byte[] pending = new byte[16];
    private int pendingLength;

    StreamingDecoder(Qwen3Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /** Adds one token; returns the text it completes (possibly empty). */
    public String push(int tokenId) {
        byte[] bytes = tokenizer.tokenBytes(tokenId);
        if (pendingLength + bytes.length > pending.length) {
            pending = Arrays.copyOf(pending, Math.max(pending.length * 2, pendingLength + bytes.length));
        }
        System.arraycopy(bytes, 0, pending, pendingLength, bytes.length);
        pendingLength += bytes.length;
        return drain(false);
    }

    /** Ends the sequence: returns what is still held back, a truncated character as U+FFFD. */
    public String flush() {
        return drain(true);
    }

    private String drain(boolean atEnd) {
        StringBuilder text = new StringBuilder(pendingLength);
        int consumed = decodeLossy(pending, pendingLength, atEnd, text);
        System.arraycopy(pending, consumed, pending, 0, pendingLength - consumed);
        pendingLength -= consumed;
        return text.toString();
    }

    /**
     * Decodes {@code bytes[0, length)} into {@code out}; returns how many bytes were consumed.
     * Unless {@code atEnd}, a well-formed prefix of a character cut off by the end of the input is
     * left unconsumed, since the next token may complete it.
     */
    static int decodeLossy(byte[] bytes, int length, boolean atEnd, StringBuilder out) {
        int i = 0;
        while (i < length) {
            int lead = bytes[i] & 0xFF;
            if (lead < 0x80) {
                out.append((char) lead);
                i++;
                continue;
            }
            int need; // continuation bytes after the lead
            int lo = 0x80, hi = 0xBF; // allowed range of the first continuation byte
            if (lead >= 0xC2 && lead <= 0xDF) {
                need = 1;
            } else if (lead >= 0xE0 && lead <= 0xEF) {
                need = 2;
                if (lead == 0xE0) lo = 0xA0; // no overlong forms
                if (lead == 0xED) hi = 0x9F; // no surrogates
            } else if (lead >= 0xF0 && lead <= 0xF4) {
                need = 3;
                if (lead == 0xF0) lo = 0x90; // no overlong forms
                if (lead == 0xF4) hi = 0x8F; // nothing above U+10FFFF
            } else {
                out.appendCodePoint(REPLACEMENT);
                i++;
                continue;
            }
            int codePoint = lead & (0x3F >> need);
            int k = 1;
            for (; k <= need && i + k < length; k++) {
                int b = bytes[i + k] & 0xFF;
                if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xBF)) {
                    break;
                }
                codePoint = (codePoint << 6) | (b & 0x3F);
            }
            if (k > need) {
                out.appendCodePoint(codePoint);
                i += k;
            } else if (i + k >= length && !atEnd) {
                return i; // a character cut off by the end of the input: wait for more bytes
            } else {
                out.appendCodePoint(REPLACEMENT); // the maximal ill-formed subpart bytes[i, i + k)
                i += k;
            }
        }
        return length;
    }
}
