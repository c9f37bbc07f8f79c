package io.qwenstream.postprocess.assemble;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.qwenstream.engine.Phase;
import io.qwenstream.postprocess.format.LanguageDetection;
import io.qwenstream.schemas.ChatMessage;
import io.qwenstream.schemas.DeltaKind;
import io.qwenstream.schemas.ErrorCode;
import io.qwenstream.schemas.FinishReason;
import io.qwenstream.schemas.InferenceResponse;
import io.qwenstream.schemas.MessageValidator;
import io.qwenstream.schemas.Messages;
import io.qwenstream.schemas.PreparedRequest;
import io.qwenstream.schemas.ResponseDelta;
import io.qwenstream.schemas.ResponseStatus;
import io.qwenstream.schemas.Role;
import io.qwenstream.schemas.SummarizeOptions;
import io.qwenstream.schemas.SummarizeStyle;
import io.qwenstream.schemas.Task;
import io.qwenstream.schemas.Thinking;
import io.qwenstream.schemas.TokenChunk;
import io.qwenstream.schemas.ToolCall;
import io.qwenstream.schemas.TranslateOptions;
import io.qwenstream.schemas.Usage;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ResponseAssemblyTest {

    private static final String ID = "req-9";
    private static final Usage USAGE = new Usage(20, 4, 6, false);
    private static ResponseAssembly assembly;
    private static final MessageValidator VALIDATOR = new MessageValidator();

    @BeforeAll
    static void detector() {
        assembly = new ResponseAssembly(new LanguageDetection(List.of("en", "de", "fr"), false));
    }

    private static PreparedRequest prepared(
            Task task,
            String conversationId,
            List<ChatMessage> messages,
            TranslateOptions translate,
            SummarizeOptions summarize) {
        return new PreparedRequest(
                1,
                ID,
                conversationId,
                null,
                task,
                "<|im_start|>…",
                20,
                null,
                new Thinking(true, null),
                new PreparedRequest.ResolvedSampling(0.6, 0.95, 20, 0, 0, 1, 100, List.of(), false),
                translate,
                summarize,
                messages,
                true,
                null,
                1_000,
                null);
    }

    private static Progress complete(FinishReason finish, TokenChunk last) {
        return new Progress(null, List.of(), 3, List.of(), null, 3, last, 1_300L, 1_900L, null, null, 2_000, null);
    }

    private static Progress completed(FinishReason finish) {
        return complete(finish, TokenChunk.last(ID, 2, Phase.ANSWER, "", 0, finish, USAGE));
    }

    private static List<ResponseDelta> deltas(String thinking, String content) {
        return List.of(
                ResponseDelta.of(ID, null, 0, DeltaKind.THINKING, thinking),
                ResponseDelta.of(ID, null, 1, DeltaKind.CONTENT, content));
    }

    /** Every response is valid against InferenceResponse.schema.json. */
    private static InferenceResponse valid(InferenceResponse response) {
        var validation = VALIDATOR.validate("InferenceResponse", Messages.toJson(response));
        assertEquals(true, validation.isValid(), () -> validation.error().toString());
        return response;
    }

    @Test
    void chatWithConversationStoresTheAnswerWithoutReasoningOrSystem() {
        List<ChatMessage> messages = List.of(
                ChatMessage.system("Be brief."),
                ChatMessage.user("Hi"),
                new ChatMessage(Role.ASSISTANT, "Hello!", "the user greets", null, null, null),
                ChatMessage.user("2+2?"));
        KnownRequest known = new KnownRequest(prepared(Task.CHAT, "conv-1", messages, null, null), null, 1_010, null);
        ResponseAssembly.Built built = assembly.build(ID, known, completed(FinishReason.STOP), deltas("add them", "4"));
        InferenceResponse response = valid(built.response());
        assertEquals(ResponseStatus.OK, response.status());
        assertEquals("add them", response.thinking());
        assertEquals("4", response.content());
        assertEquals(USAGE, response.usage());
        assertEquals(new InferenceResponse.Timings(10, 300L, 900), response.timings());
        assertEquals(
                List.of(
                        ChatMessage.user("Hi"),
                        ChatMessage.assistant("Hello!"),
                        ChatMessage.user("2+2?"),
                        ChatMessage.assistant("4")),
                built.conversation().messages());
        assertEquals("conv-1", built.conversation().conversationId());
    }

    @Test
    void toolCallsGoToTheResponseAndTheHistory() {
        ToolCall call = ToolCall.function("call_1", "get_weather", "{\"city\":\"Rome\"}");
        List<ResponseDelta> deltas =
                List.of(ResponseDelta.of(ID, null, 0, DeltaKind.TOOL_CALL, Messages.toJsonString(call)));
        KnownRequest known = new KnownRequest(
                prepared(Task.CHAT, "conv-2", List.of(ChatMessage.user("Weather?")), null, null), null, 1_000, null);
        ResponseAssembly.Built built = assembly.build(ID, known, completed(FinishReason.STOP), deltas);
        assertEquals(List.of(call), valid(built.response()).toolCalls());
        assertEquals(FinishReason.TOOL_CALLS, built.response().finishReason(), "an answer that calls tools");
        ChatMessage answer = built.conversation().messages().getLast();
        assertNull(answer.content());
        assertEquals(List.of(call), answer.toolCalls());

        // Cut by max_tokens it stays length; without calls an answer that ended stays stop.
        assertEquals(
                FinishReason.LENGTH,
                valid(assembly.build(ID, known, completed(FinishReason.LENGTH), deltas)
                                .response())
                        .finishReason());
        assertEquals(
                FinishReason.STOP,
                valid(assembly.build(ID, known, completed(FinishReason.STOP), deltas("", "{}"))
                                .response())
                        .finishReason());
    }

    @Test
    void cancelledDeadlineAndWorkerErrorsAreErrorResponsesWithThePartialText() {
        KnownRequest known = new KnownRequest(
                prepared(Task.CHAT, "conv-3", List.of(ChatMessage.user("x")), null, null), null, 1_000, null);
        for (FinishReason finish : List.of(FinishReason.CANCELLED, FinishReason.DEADLINE, FinishReason.ERROR)) {
            ResponseAssembly.Built built = assembly.build(ID, known, completed(finish), deltas("t", "partial"));
            InferenceResponse response = valid(built.response());
            assertEquals(ResponseStatus.ERROR, response.status());
            assertEquals(FinishReason.ERROR, response.finishReason());
            assertEquals(
                    switch (finish) {
                        case CANCELLED -> ErrorCode.CANCELLED;
                        case DEADLINE -> ErrorCode.DEADLINE_EXCEEDED;
                        default -> ErrorCode.INTERNAL;
                    },
                    response.error().code());
            assertEquals("partial", response.content());
            assertNull(built.conversation(), "a failed turn is not stored");
        }
    }

    @Test
    void translateCleansTheTextAndDetectsTheSource() {
        List<ChatMessage> messages =
                List.of(ChatMessage.user("Translate the following text into English:\n\nLe chat dort sur le canapé."));
        KnownRequest known = new KnownRequest(
                prepared(Task.TRANSLATE, null, messages, new TranslateOptions("en", null, null), null),
                null,
                1_000,
                null);
        InferenceResponse response = valid(assembly.build(
                        ID,
                        known,
                        completed(FinishReason.STOP),
                        deltas("", "Here is the translation:\n\"The cat sleeps on the couch.\""))
                .response());
        assertEquals(
                new InferenceResponse.Translation("The cat sleeps on the couch.", "fr", "en"), response.translation());
    }

    @Test
    void translateUsesTheForwardedSourceTextAndAGivenSourceLanguage() {
        KnownRequest forwarded = new KnownRequest(
                prepared(
                        Task.TRANSLATE,
                        null,
                        List.of(ChatMessage.user("Translate into French: …")),
                        new TranslateOptions("French", null, null),
                        null),
                "Die Katze schläft auf dem Sofa.",
                1_000,
                null);
        assertEquals(
                "German",
                valid(assembly.build(ID, forwarded, completed(FinishReason.STOP), deltas("", "Le chat."))
                                .response())
                        .translation()
                        .sourceLanguage());
        KnownRequest given = new KnownRequest(
                prepared(
                        Task.TRANSLATE,
                        null,
                        List.of(ChatMessage.user("x")),
                        new TranslateOptions("English", "French", null),
                        null),
                null,
                1_000,
                null);
        assertEquals(
                "French",
                assembly.build(ID, given, completed(FinishReason.STOP), deltas("", "y"))
                        .response()
                        .translation()
                        .sourceLanguage());
    }

    @Test
    void summarizeFormatsByStyleWithinMaxWords() {
        KnownRequest known = new KnownRequest(
                prepared(
                        Task.SUMMARIZE,
                        null,
                        List.of(ChatMessage.user("Summarize:\n\n…")),
                        null,
                        new SummarizeOptions(SummarizeStyle.BULLETS, 4)),
                null,
                1_000,
                null);
        InferenceResponse response = valid(assembly.build(
                        ID,
                        known,
                        completed(FinishReason.LENGTH),
                        deltas("", "- Kafka stores events durably\n- It scales"))
                .response());
        assertEquals(
                new InferenceResponse.Summary("- Kafka stores events", List.of("Kafka stores events")),
                response.summary());
    }

    @Test
    void withoutThePreparedRequestItIsAPlainChatAnswer() {
        InferenceResponse response = valid(assembly.build(ID, null, completed(FinishReason.STOP), deltas("a", "b"))
                .response());
        assertEquals("b", response.content());
        assertEquals(new InferenceResponse.Timings(0, null, 0), response.timings());
    }
}
