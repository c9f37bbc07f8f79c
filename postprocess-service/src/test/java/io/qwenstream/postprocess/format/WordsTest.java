package io.qwenstream.postprocess.format;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class WordsTest {

    @Test
    void countsWhitespaceTokensAndEachHanOrKanaCharacter() {
        assertEquals(0, Words.count("  \n "));
        assertEquals(3, Words.count("one  two\nthree"));
        assertEquals(1, Words.count("-"));
        assertEquals(2, Words.count("你好。"));
        assertEquals(4, Words.count("Kafka 是平台"));
    }

    @Test
    void truncatesAtAWordBoundary() {
        assertEquals("one two", Words.truncate("one two three", 2));
        assertEquals("one two three", Words.truncate(" one two three \n", 5));
        assertEquals("", Words.truncate("one", 0));
        assertEquals("Kafka 是", Words.truncate("Kafka 是平台", 2));
        assertEquals("well-known,", Words.truncate("well-known, and more", 1));
    }
}
