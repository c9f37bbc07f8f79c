package io.qwenstream.postprocess.split;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.qwenstream.engine.Phase;
import io.qwenstream.postprocess.split.RecordedStream.Piece;
import io.qwenstream.schemas.DeltaKind;
import io.qwenstream.schemas.ToolCall;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

class ThinkingSplitterTest {

    private static final String SEED = "req-1";
    private static final String BUDGET_SENTENCE =
            "Considering the limited time by the user, I have to give the solution based on the thinking directly now.";

    /**
     * The ids of the request's first and second tool call: "call_" and the first 12 bytes of SHA-256 of
     * "req-1#0" and "req-1#1" in hex ({@code printf 'req-1#0' | sha256sum | cut -c1-24}).
     */
    private static final String FIRST_CALL_ID = "call_89b9e33115fea6652ad96de5";

    private static final String SECOND_CALL_ID = "call_b47a1eadc214bff0644b3a35";

    /** What each realistic recorded stream must split into (the engine's noise streams have no fixed answer). */
    private static final Map<String, SplitResult> EXPECTED = Map.of(
            "thinking-answer",
                    new SplitResult(
                            "The user asks for the capital of France. That is Paris, a city on the Seine.",
                            "The capital of France is **Paris**.",
                            List.of()),
            "forced-off",
                    new SplitResult(
                            "",
                            "The capital of France is Paris.\n\nIt has been the capital since the 10th century.",
                            List.of()),
            "budget",
                    new SplitResult(
                            "Let me count the primes below 30: 2, 3, 5, 7, 11, 13\n\n" + BUDGET_SENTENCE,
                            "There are 10 primes below 30.",
                            List.of()),
            "cut-by-length",
                    new SplitResult(
                            "Okay, the user wants an essay about the history of Rome. First, I should outline the",
                            "",
                            List.of()),
            "tool-call",
                    new SplitResult(
                            "I need the weather tool for Zürich.",
                            "",
                            List.of(ToolCall.function(
                                    FIRST_CALL_ID, "get_weather", "{\"city\":\"Zürich\",\"unit\":\"celsius\"}"))),
            "two-tool-calls-with-text",
                    new SplitResult(
                            "",
                            "Let me look both up.",
                            List.of(
                                    ToolCall.function(FIRST_CALL_ID, "search", "{\"q\":\"<b>tags</b> in HTML\"}"),
                                    ToolCall.function(SECOND_CALL_ID, "get_time", "{}"))),
            "multibyte", new SplitResult("用户想知道问候语……让我想想 🤔", "こんにちは世界！👋🏽 Привет, мир. Grüße aus Köln.", List.of()));

    static final List<String> STREAMS = RecordedStream.NAMES;

    private static SplitResult live(List<Piece> pieces) {
        ThinkingSplitter splitter = new ThinkingSplitter(SEED);
        SplitResult.Builder result = new SplitResult.Builder();
        for (Piece piece : pieces) result.addAll(checked(splitter.accept(piece.phase(), piece.text())));
        return result.addAll(checked(splitter.finish())).build();
    }

    /** Live deltas never carry half a surrogate pair or an empty text. */
    private static List<SplitDelta> checked(List<SplitDelta> deltas) {
        for (SplitDelta delta : deltas) {
            assertFalse(delta.text().isEmpty(), "empty delta");
            String text = delta.text();
            assertFalse(Character.isHighSurrogate(text.charAt(text.length() - 1)), "delta ends in a high surrogate");
            assertFalse(Character.isLowSurrogate(text.charAt(0)), "delta starts with a low surrogate");
        }
        return deltas;
    }

    @ParameterizedTest
    @FieldSource("STREAMS")
    void recordedStreamSplitsAsExpectedTokenByToken(String name) {
        RecordedStream stream = RecordedStream.load(name);
        SplitResult whole = ThinkingSplitter.splitWhole(stream.text(), SEED);
        if (EXPECTED.containsKey(name)) assertEquals(EXPECTED.get(name), whole, name + " whole");
        assertEquals(whole, live(stream.tokens()), name + " token by token");
    }

    /** Two pieces cut at every UTF-16 boundary of the text (inside tags, inside surrogate pairs). */
    @ParameterizedTest
    @FieldSource("STREAMS")
    void liveEqualsWholeAtEverySingleBoundary(String name) {
        RecordedStream stream = RecordedStream.load(name);
        SplitResult whole = ThinkingSplitter.splitWhole(stream.text(), SEED);
        for (int cut = 0; cut <= stream.text().length(); cut++) {
            assertEquals(whole, live(stream.cutAt(cut)), name + " cut at " + cut);
        }
    }

    /** Every boundary at once: one char per piece, each labelled with its token's phase. */
    @ParameterizedTest
    @FieldSource("STREAMS")
    void liveEqualsWholeCharByChar(String name) {
        RecordedStream stream = RecordedStream.load(name);
        int[] everyChar = IntStream.rangeClosed(1, stream.text().length()).toArray();
        assertEquals(ThinkingSplitter.splitWhole(stream.text(), SEED), live(stream.cutAt(everyChar)), name);
    }

    /** Chunks as a worker flushing by token count makes them: one phase label for tokens of both phases. */
    @ParameterizedTest
    @FieldSource("STREAMS")
    void liveEqualsWholeForWorkerChunksAndRandomCuts(String name) {
        RecordedStream stream = RecordedStream.load(name);
        SplitResult whole = ThinkingSplitter.splitWhole(stream.text(), SEED);
        for (int n = 1; n <= 9; n++) assertEquals(whole, live(stream.chunksOf(n)), name + " chunks of " + n);
        Random random = new Random(42);
        for (int trial = 0; trial < 200; trial++) {
            int[] cuts = random.ints(1 + random.nextInt(12), 0, stream.text().length() + 1)
                    .sorted()
                    .toArray();
            assertEquals(whole, live(stream.cutAt(cuts)), name + " cuts " + java.util.Arrays.toString(cuts));
        }
    }

    /** The state survives a JSON round trip after every piece, as it does in the state store. */
    @ParameterizedTest
    @FieldSource("STREAMS")
    void resumingFromStoredStateAfterEveryPieceChangesNothing(String name) throws Exception {
        RecordedStream stream = RecordedStream.load(name);
        ObjectMapper json = new ObjectMapper();
        int[] everyChar = IntStream.rangeClosed(1, stream.text().length()).toArray();
        SplitResult.Builder result = new SplitResult.Builder();
        ThinkingSplitter.State state = new ThinkingSplitter(SEED).state();
        for (Piece piece : stream.cutAt(everyChar)) {
            ThinkingSplitter splitter = ThinkingSplitter.resume(SEED, state);
            result.addAll(splitter.accept(piece.phase(), piece.text()));
            state = json.readValue(json.writeValueAsString(splitter.state()), ThinkingSplitter.State.class);
        }
        result.addAll(ThinkingSplitter.resume(SEED, state).finish());
        assertEquals(ThinkingSplitter.splitWhole(stream.text(), SEED), result.build(), name);
    }

    /** A worker that drops the tag text: the phase alone splits it, with the same result. */
    @Test
    void phaseAloneSplitsWhenTheTagsAreMissing() {
        for (String name : List.of("thinking-answer", "budget", "tool-call", "multibyte")) {
            List<Piece> untagged = new ArrayList<>();
            for (Piece token : RecordedStream.load(name).tokens()) {
                String text = token.text().replace("<think>", "").replace("</think>", "");
                if (!text.isEmpty()) untagged.add(new Piece(token.phase(), text));
            }
            assertEquals(EXPECTED.get(name), live(untagged), name);
        }
    }

    /** Thinking forced off: the answer phase holds everything, even text that looks like reasoning. */
    @Test
    void forcedOffAnswerIsAllContent() {
        SplitResult result = live(
                List.of(new Piece(Phase.ANSWER, "Okay, let me think. "), new Piece(Phase.ANSWER, "The answer is 4.")));
        assertEquals(new SplitResult("", "Okay, let me think. The answer is 4.", List.of()), result);
    }

    /** A phase change wins over a missing tag: the answer starts where the worker says it does. */
    @Test
    void phaseChangeEndsThinkingWithoutACloseTag() {
        SplitResult result =
                live(List.of(new Piece(Phase.THINKING, "<think>\nhmm"), new Piece(Phase.ANSWER, "\n\nYes.")));
        assertEquals(new SplitResult("hmm", "Yes.", List.of()), result);
    }

    /** A tag text held back at a phase change was not a tag: it stays text of the earlier phase. */
    @Test
    void partialTagAtAPhaseChangeIsText() {
        SplitResult result = live(List.of(new Piece(Phase.THINKING, "<think>\na </thi"), new Piece(Phase.ANSWER, "b")));
        assertEquals(new SplitResult("a </thi", "b", List.of()), result);
    }

    @Test
    void strayThinkTagsInTheAnswerAreStripped() {
        assertEquals(new SplitResult("", "a b", List.of()), ThinkingSplitter.splitWhole("a </think>b", SEED));
    }

    @Test
    void sectionsOfTheSameKindAreJoinedWithABlankLine() {
        SplitResult result = ThinkingSplitter.splitWhole("<think>\none\n</think>\n\nA<think>two</think>B", SEED);
        assertEquals(new SplitResult("one\n\ntwo", "A\n\nB", List.of()), result);
    }

    @Test
    void invalidOrUnclosedToolCallStaysInTheAnswerVerbatim() {
        assertEquals(
                new SplitResult("", "x <tool_call>{not json}</tool_call>", List.of()),
                ThinkingSplitter.splitWhole("x <tool_call>{not json}</tool_call>", SEED));
        assertEquals(
                new SplitResult("", "<tool_call>\n{\"name\": \"f\", \"argu", List.of()),
                ThinkingSplitter.splitWhole("<tool_call>\n{\"name\": \"f\", \"argu", SEED));
    }

    @Test
    void toolCallInsideThinkingIsReasoningText() {
        SplitResult result =
                ThinkingSplitter.splitWhole("<think>maybe <tool_call>{\"name\":\"f\"}</tool_call></think>ok", SEED);
        assertEquals(new SplitResult("maybe <tool_call>{\"name\":\"f\"}</tool_call>", "ok", List.of()), result);
    }

    @Test
    void toolCallArgumentsGivenAsAStringAreKeptAsTheString() {
        SplitResult result = ThinkingSplitter.splitWhole(
                "<tool_call>{\"name\":\"f\",\"arguments\":\"{\\\"a\\\":1}\"}</tool_call>", SEED);
        assertEquals("{\"a\":1}", result.toolCalls().getFirst().function().arguments());
    }

    @Test
    void toolCallIdsAreStablePerRequestAndDifferAcrossRequests() {
        String text = RecordedStream.load("tool-call").text();
        String id = ThinkingSplitter.splitWhole(text, "req-a")
                .toolCalls()
                .getFirst()
                .id();
        assertEquals(
                id,
                ThinkingSplitter.splitWhole(text, "req-a")
                        .toolCalls()
                        .getFirst()
                        .id());
        assertNotEquals(
                id,
                ThinkingSplitter.splitWhole(text, "req-b")
                        .toolCalls()
                        .getFirst()
                        .id());
        assertTrue(id.startsWith("call_"));
    }

    @Test
    void toolCallDeltaCarriesTheOpenAiShape() {
        ThinkingSplitter splitter = new ThinkingSplitter(SEED);
        List<SplitDelta> deltas =
                splitter.accept(Phase.ANSWER, "<tool_call>{\"name\":\"f\",\"arguments\":{\"a\":1}}</tool_call>");
        assertEquals(1, deltas.size());
        assertEquals(DeltaKind.TOOL_CALL, deltas.getFirst().kind());
        assertEquals(
                "{\"id\":\"" + FIRST_CALL_ID
                        + "\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{\\\"a\\\":1}\"}}",
                deltas.getFirst().text());
    }

    @Test
    void blanksBetweenWordsStreamOnlyOnceTextFollows() {
        ThinkingSplitter splitter = new ThinkingSplitter(SEED);
        assertEquals(
                List.of(SplitDelta.text(DeltaKind.CONTENT, "Hello")), splitter.accept(Phase.ANSWER, "\n\nHello\n"));
        assertEquals(List.of(SplitDelta.text(DeltaKind.CONTENT, "\nworld")), splitter.accept(Phase.ANSWER, "world  "));
        assertEquals(List.of(), splitter.finish());
    }
}
