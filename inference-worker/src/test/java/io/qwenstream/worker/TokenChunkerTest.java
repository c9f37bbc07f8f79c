package io.qwenstream.worker;

import static io.qwenstream.engine.Phase.ANSWER;
import static io.qwenstream.engine.Phase.THINKING;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.qwenstream.engine.GenerationResult.Usage;
import io.qwenstream.worker.TokenChunker.Chunk;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class TokenChunkerTest {

    private final AtomicLong now = new AtomicLong(1_000);
    private final List<Chunk<String>> sent = new ArrayList<>();

    private TokenChunker<String> chunker(int maxTokens, long maxDelayMs, String... stops) {
        return new TokenChunker<>(maxTokens, maxDelayMs, false, now::get, List.of(stops), sent::add);
    }

    @Test
    void flushesEveryNTokens() {
        TokenChunker<String> c = chunker(3, 10_000);
        for (String t : List.of("a", "b", "c", "d", "e", "f", "g")) c.onToken(t, ANSWER);
        assertEquals(
                List.of(new Chunk<String>(0, ANSWER, "abc", 3, null), new Chunk<String>(1, ANSWER, "def", 3, null)),
                sent);
        c.finish(new Usage(5, 0, 7, false), "abcdefg", "stop");
        assertEquals(new Chunk<>(2, ANSWER, "g", 1, "stop"), sent.get(2));
    }

    @Test
    void flushesWhenTheOldestTokenWaitedTheDelay() {
        TokenChunker<String> c = chunker(100, 50);
        c.onToken("a", ANSWER);
        now.addAndGet(30);
        c.onToken("b", ANSWER);
        c.flushIfDue();
        assertEquals(List.of(), sent, "the first token waited 30 ms of 50");
        now.addAndGet(20);
        c.flushIfDue();
        assertEquals(List.of(new Chunk<String>(0, ANSWER, "ab", 2, null)), sent);
        c.flushIfDue();
        assertEquals(1, sent.size(), "nothing pending, nothing sent");
        c.onToken("c", ANSWER);
        now.addAndGet(60);
        c.onToken("d", ANSWER);
        assertEquals(new Chunk<String>(1, ANSWER, "cd", 2, null), sent.get(1), "a token arriving late flushes at once");
    }

    @Test
    void firstAtOnceSendsTokensAloneUntilVisibleTextIsOutThenBatches() {
        TokenChunker<String> c = new TokenChunker<>(3, 10_000, true, now::get, List.of(), sent::add);
        c.onToken("<think>", THINKING);
        c.onToken("\n", THINKING);
        c.onToken("</think>", THINKING);
        c.onToken("\n\n", ANSWER);
        c.onToken("Hi", ANSWER);
        for (String t : List.of(" a", " b", " c", " d")) c.onToken(t, ANSWER);
        c.finish(new Usage(4, 3, 6, false), "<think>\n</think>\n\nHi a b c d", "stop");
        assertEquals(
                List.of(
                        new Chunk<String>(0, THINKING, "<think>", 1, null),
                        new Chunk<String>(1, THINKING, "\n", 1, null),
                        new Chunk<String>(2, THINKING, "</think>", 1, null),
                        new Chunk<String>(3, ANSWER, "\n\n", 1, null),
                        new Chunk<String>(4, ANSWER, "Hi", 1, null),
                        new Chunk<String>(5, ANSWER, " a b c", 3, null),
                        new Chunk<>(6, ANSWER, " d", 1, "stop")),
                sent,
                "one token a chunk up to the first visible text, then 3 a chunk");
    }

    @Test
    void aPhaseChangeFlushesSoNoChunkMixesPhases() {
        TokenChunker<String> c = chunker(8, 10_000);
        c.onToken("<think>", THINKING);
        c.onToken("\n", THINKING);
        c.onToken("hm", THINKING);
        c.onToken("</think>", THINKING);
        c.onToken("\n\n", ANSWER);
        c.onToken("Hi", ANSWER);
        c.finish(new Usage(4, 4, 3, false), "<think>\nhm</think>\n\nHi", "stop");
        assertEquals(
                List.of(
                        new Chunk<String>(0, THINKING, "<think>\nhm</think>", 4, null),
                        new Chunk<>(1, ANSWER, "\n\nHi", 3, "stop")),
                sent,
                "the eos token counts in the last chunk");
    }

    @Test
    void tokensTheListenerNeverSawCountInTheirOwnPhase() {
        TokenChunker<String> c = chunker(8, 10_000);
        c.onToken("<think>", THINKING);
        c.onToken("x", THINKING);
        // the model emitted eos inside its reasoning: the generator counts it as a thinking token
        c.finish(new Usage(4, 3, 0, false), "<think>x", "stop");
        assertEquals(List.of(new Chunk<>(0, THINKING, "<think>x", 3, "stop")), sent);

        sent.clear();
        TokenChunker<String> d = chunker(8, 10_000);
        d.onToken("<think>", THINKING);
        d.onToken("</think>", THINKING);
        // eos right after </think> belongs to the answer: the thinking chunk goes first
        d.finish(new Usage(4, 2, 1, false), "<think></think>", "stop");
        assertEquals(
                List.of(
                        new Chunk<String>(0, THINKING, "<think></think>", 2, null),
                        new Chunk<>(1, ANSWER, "", 1, "stop")),
                sent);
    }

    @Test
    void aLastChunkWithoutTokensStillCarriesTheEnding() {
        TokenChunker<String> c = chunker(2, 10_000);
        c.onToken("a", ANSWER);
        c.onToken("b", ANSWER);
        c.finish(new Usage(3, 0, 2, false), "ab", "length");
        assertEquals(
                List.of(new Chunk<String>(0, ANSWER, "ab", 2, null), new Chunk<>(1, ANSWER, "", 0, "length")), sent);

        sent.clear();
        chunker(2, 10_000).finish(null, null, "deadline");
        assertEquals(
                List.of(new Chunk<>(0, ANSWER, "", 0, "deadline")), sent, "nothing generated: one empty last chunk");
    }

    @Test
    void seqIsGapFreeAcrossAllFlushReasons() {
        TokenChunker<String> c = chunker(2, 5);
        int tokens = 0;
        for (int i = 0; i < 40; i++) {
            c.onToken("t", i < 15 ? THINKING : ANSWER);
            tokens++;
            if (i % 3 == 0) now.addAndGet(6);
            if (i % 7 == 0) c.flushIfDue();
        }
        c.finish(new Usage(1, 15, 25, false), "t".repeat(40), "length");
        int total = 0;
        for (int i = 0; i < sent.size(); i++) {
            assertEquals(i, sent.get(i).seq());
            total += sent.get(i).tokenCount();
            if (i < sent.size() - 1) assertNull(sent.get(i).ending());
        }
        assertEquals(tokens, total);
        assertEquals(
                15,
                sent.stream()
                        .filter(ch -> ch.phase() == THINKING)
                        .mapToInt(Chunk::tokenCount)
                        .sum());
        assertEquals("length", sent.getLast().ending());
    }

    @Test
    void textThatMayStartAStopStringIsHeldBackUntilItIsNot() {
        TokenChunker<String> c = chunker(1, 10_000, "STOP");
        c.onToken("abS", ANSWER);
        assertEquals(new Chunk<String>(0, ANSWER, "ab", 1, null), sent.get(0));
        c.onToken("T", ANSWER);
        assertEquals(new Chunk<String>(1, ANSWER, "", 1, null), sent.get(1));
        c.onToken("x", ANSWER);
        assertEquals(new Chunk<String>(2, ANSWER, "STx", 1, null), sent.get(2), "\"STx\" is no stop string after all");
        c.onToken("ST", ANSWER);
        // the generator found "STOP" ending inside the next token's text and cut it off; that token never reached the
        // listener
        c.finish(new Usage(1, 0, 5, false), "abSTx", "stop");
        assertEquals(new Chunk<>(3, ANSWER, "", 1, null), sent.get(3));
        assertEquals(new Chunk<>(4, ANSWER, "", 1, "stop"), sent.get(4));
        assertEquals(
                "abSTx",
                String.join("", sent.stream().map(Chunk::text).toList()),
                "the stream never shows the stop string");
    }

    @Test
    void textTheDecoderFlushesAtTheEndGoesIntoTheLastChunk() {
        TokenChunker<String> c = chunker(8, 10_000);
        c.onToken("ok", ANSWER);
        c.onToken("", ANSWER); // half a UTF-8 sequence
        c.finish(new Usage(1, 0, 2, false), "ok\uFFFD", "length");
        assertEquals(List.of(new Chunk<>(0, ANSWER, "ok\uFFFD", 2, "length")), sent);
    }

    @Test
    void aFailedGenerationReleasesHeldTextAndCountsWhatWasSeen() {
        TokenChunker<String> c = chunker(8, 10_000, "\n\n");
        c.onToken("<think>", THINKING);
        c.onToken("a\n", THINKING);
        c.finish(null, null, "error");
        assertEquals(List.of(new Chunk<>(0, THINKING, "<think>a\n", 2, "error")), sent);
        assertEquals(2, c.thinkingTokens());
        assertThrows(IllegalStateException.class, () -> c.onToken("late", ANSWER));
    }
}
