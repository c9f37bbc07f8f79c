package io.qwenstream.postprocess.assemble;

import io.qwenstream.postprocess.format.LanguageDetection;
import io.qwenstream.postprocess.format.SummaryFormatter;
import io.qwenstream.postprocess.format.TranslationCleaner;
import io.qwenstream.schemas.ChatMessage;
import io.qwenstream.schemas.ConversationHistory;
import io.qwenstream.schemas.ErrorCode;
import io.qwenstream.schemas.ErrorDetail;
import io.qwenstream.schemas.FinishReason;
import io.qwenstream.schemas.InferenceResponse;
import io.qwenstream.schemas.Messages;
import io.qwenstream.schemas.PreparedRequest;
import io.qwenstream.schemas.ResponseDelta;
import io.qwenstream.schemas.ResponseStatus;
import io.qwenstream.schemas.Role;
import io.qwenstream.schemas.SummarizeOptions;
import io.qwenstream.schemas.SummarizeStyle;
import io.qwenstream.schemas.Task;
import io.qwenstream.schemas.TokenChunk;
import io.qwenstream.schemas.ToolCall;
import io.qwenstream.schemas.TranslateOptions;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds the final InferenceResponse of a request from the deltas it streamed (so the two always agree),
 * the last chunk and the PreparedRequest, formatted by task; and the conversation history to store.
 */
public final class ResponseAssembly {

    /** {@code conversation} is null unless a chat request with a conversation_id completed. */
    public record Built(InferenceResponse response, ConversationHistory conversation) {}

    private final LanguageDetection languages;

    public ResponseAssembly(LanguageDetection languages) {
        this.languages = languages;
    }

    /**
     * @param known the request, or null when it never arrived (chat formatting, timings unknown)
     * @param deltas every delta of the request, in seq order (what precedes a reset is dropped)
     */
    public Built build(String requestId, KnownRequest known, Progress progress, List<ResponseDelta> deltas) {
        StringBuilder thinking = new StringBuilder();
        StringBuilder content = new StringBuilder();
        List<ToolCall> toolCalls = new ArrayList<>();
        for (ResponseDelta delta : deltas) {
            switch (delta.kind()) {
                case THINKING -> thinking.append(delta.text());
                case CONTENT -> content.append(delta.text());
                case TOOL_CALL -> toolCalls.add(Messages.fromJson(delta.text(), ToolCall.class));
                case RESET -> {
                    thinking.setLength(0);
                    content.setLength(0);
                    toolCalls.clear();
                }
            }
        }
        TokenChunk last = progress.last();
        ErrorDetail error = errorOf(last);
        boolean ok = error == null;
        PreparedRequest prepared = known == null ? null : known.prepared();
        Task task = prepared == null ? Task.CHAT : prepared.task();
        String answer = content.toString();

        InferenceResponse.Translation translation = ok && task == Task.TRANSLATE ? translation(known, answer) : null;
        InferenceResponse.Summary summary = ok && task == Task.SUMMARIZE ? summary(prepared.summarize(), answer) : null;
        InferenceResponse response = new InferenceResponse(
                Messages.SCHEMA_VERSION,
                requestId,
                ok ? ResponseStatus.OK : ResponseStatus.ERROR,
                thinking.toString(),
                answer,
                toolCalls.isEmpty() ? null : List.copyOf(toolCalls),
                translation,
                summary,
                last.usage(),
                timings(known, progress),
                ok ? finishReason(last.finishReason(), toolCalls) : FinishReason.ERROR,
                error);

        ConversationHistory conversation = null;
        if (ok && prepared != null && task == Task.CHAT && prepared.conversationId() != null) {
            conversation =
                    ConversationHistory.of(prepared.conversationId(), history(prepared.messages(), answer, toolCalls));
        }
        return new Built(response, conversation);
    }

    /**
     * An answer that ended on its own holding tool calls ends with {@code tool_calls} (OpenAI's reason): the caller
     * runs them and sends the results back. One cut by max_tokens stays {@code length}.
     */
    static FinishReason finishReason(FinishReason generation, List<ToolCall> toolCalls) {
        return generation == FinishReason.STOP && !toolCalls.isEmpty() ? FinishReason.TOOL_CALLS : generation;
    }

    /** Stop and length are answers; the other endings are errors, with the partial text kept. */
    private static ErrorDetail errorOf(TokenChunk last) {
        return switch (last.finishReason()) {
            case STOP, LENGTH, TOOL_CALLS -> null;
            case CANCELLED -> new ErrorDetail(ErrorCode.CANCELLED, "the request was cancelled during generation");
            case DEADLINE ->
                new ErrorDetail(ErrorCode.DEADLINE_EXCEEDED, "the request's deadline passed during generation");
            case ERROR ->
                last.error() != null
                        ? last.error()
                        : new ErrorDetail(ErrorCode.INTERNAL, "the inference worker failed without saying why");
        };
    }

    private InferenceResponse.Translation translation(KnownRequest known, String answer) {
        TranslateOptions options = known.prepared().translate();
        String target = options.targetLanguage();
        String source = options.sourceLanguage();
        if (source == null || source.isBlank()) {
            source = languages
                    .detect(sourceText(known))
                    .map(l -> LanguageDetection.nameLike(l, target))
                    .orElse(null);
        }
        return new InferenceResponse.Translation(TranslationCleaner.clean(answer), source, target);
    }

    /**
     * The text to translate: the request's own {@code text} when ingest forwards it; otherwise the last user
     * message, less an instruction paragraph ending in a colon ("Translate into German:\n\n…").
     */
    static String sourceText(KnownRequest known) {
        if (known.sourceText() != null) return known.sourceText();
        String user = known.prepared().messages().reversed().stream()
                .filter(m -> m.role() == Role.USER && m.content() != null)
                .map(ChatMessage::content)
                .findFirst()
                .orElse("");
        int blank = user.indexOf("\n\n");
        if (blank > 0 && user.substring(0, blank).strip().endsWith(":"))
            return user.substring(blank + 2).strip();
        return user;
    }

    private static InferenceResponse.Summary summary(SummarizeOptions options, String answer) {
        SummarizeStyle style = options == null || options.style() == null ? SummarizeStyle.PARAGRAPH : options.style();
        SummaryFormatter.Summary summary =
                SummaryFormatter.format(answer, style, options == null ? null : options.maxWords());
        return new InferenceResponse.Summary(summary.text(), summary.bullets());
    }

    /**
     * Milliseconds from the request's arrival ({@code received_at_ms}): queue until the worker started (its
     * {@code started_at_ms}, else until the PreparedRequest was on qwen.inference, which misses the time it
     * waited there), first token and last chunk by their record times. Without the request: zeros.
     */
    private static InferenceResponse.Timings timings(KnownRequest known, Progress progress) {
        if (known == null) return new InferenceResponse.Timings(0, null, 0);
        long received = known.prepared().receivedAtMs();
        long started = progress.startedAtMs() != null ? progress.startedAtMs() : known.preparedAtMs();
        Long ttft = progress.firstTokenAtMs() == null ? null : Math.max(0, progress.firstTokenAtMs() - received);
        long total = progress.lastChunkAtMs() == null ? 0 : Math.max(0, progress.lastChunkAtMs() - received);
        return new InferenceResponse.Timings(Math.max(0, started - received), ttft, total);
    }

    /**
     * The conversation so far (the PreparedRequest's messages: stored history plus this turn as sent),
     * without system messages (a client sends its system prompt with every turn) and reasoning, plus the answer.
     */
    static List<ChatMessage> history(List<ChatMessage> messages, String answer, List<ToolCall> toolCalls) {
        List<ChatMessage> history = new ArrayList<>();
        for (ChatMessage message : messages) {
            if (message.role() == Role.SYSTEM) continue;
            history.add(
                    message.reasoningContent() == null
                            ? message
                            : new ChatMessage(
                                    message.role(),
                                    message.content(),
                                    null,
                                    message.toolCalls(),
                                    message.toolCallId(),
                                    message.name()));
        }
        boolean toolOnly = answer.isEmpty() && !toolCalls.isEmpty();
        history.add(new ChatMessage(
                Role.ASSISTANT,
                toolOnly ? null : answer,
                null,
                toolCalls.isEmpty() ? null : List.copyOf(toolCalls),
                null,
                null));
        return history;
    }
}
