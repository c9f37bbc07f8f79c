package io.qwenstream.ingest;

import com.fasterxml.jackson.core.type.TypeReference;
import io.qwenstream.engine.Qwen3;
import io.qwenstream.schemas.ChatMessage;
import io.qwenstream.schemas.ErrorCode;
import io.qwenstream.schemas.InferenceRequest;
import io.qwenstream.schemas.Messages;
import io.qwenstream.schemas.PreparedRequest;
import io.qwenstream.schemas.Role;
import io.qwenstream.schemas.Sampling;
import io.qwenstream.schemas.SummarizeOptions;
import io.qwenstream.schemas.SummarizeStyle;
import io.qwenstream.schemas.Task;
import io.qwenstream.schemas.Thinking;
import io.qwenstream.schemas.ToolChoice;
import io.qwenstream.schemas.TranslateOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * A valid InferenceRequest (plus its conversation's stored history) → the PreparedRequest the worker
 * runs: the task's conversation, the thinking mode resolved from the hard and soft switches, the
 * prompt rendered and counted, every sampling value filled from the mode's defaults, what the answer
 * must be ({@link AnswerFormats}: response_format and tool_choice). Pure apart from the seed source;
 * refusals are thrown as {@link RefusedException}.
 */
public final class RequestPreparer {

    private static final TypeReference<List<Map<String, Object>>> MAPS = new TypeReference<>() {};

    private final PromptRenderer renderer;
    private final int defaultMaxTokens;
    private final LongSupplier seeds;

    /**
     * @param defaultMaxTokens max_tokens when the request leaves it out (capped by the room left in the context)
     * @param seeds            seeds for requests that give none, so that the worker's run is reproducible
     */
    public RequestPreparer(PromptRenderer renderer, int defaultMaxTokens, LongSupplier seeds) {
        this.renderer = renderer;
        this.defaultMaxTokens = defaultMaxTokens;
        this.seeds = seeds;
    }

    public PreparedRequest prepare(InferenceRequest request, List<ChatMessage> history, long receivedAtMs) {
        List<ChatMessage> conversation = conversation(request, history);
        List<Map<String, Object>> templateMessages = templateMessages(conversation);
        boolean hardThinking = request.thinkingEnabled();
        boolean thinking = Qwen3.thinking(templateMessages, hardThinking);
        Sampling asked = request.sampling() != null
                ? request.sampling()
                : new Sampling(null, null, null, null, null, null, null, null, null);
        checkGreedy(asked, thinking);
        PreparedRequest.AnswerFormat answerFormat = AnswerFormats.of(request);

        // tool_choice none: the model is not told of the tools, so it has nothing to call.
        List<Object> tools =
                request.tools() == null || request.toolChoiceOrAuto().mode() == ToolChoice.Mode.NONE
                        ? null
                        : Messages.mapper().convertValue(request.tools(), new TypeReference<>() {});
        PromptRenderer.Rendered prompt = renderer.render(templateMessages, tools, hardThinking);
        int room = renderer.contextLength() - prompt.tokens();

        Integer budget = request.thinking() == null ? null : request.thinking().budgetTokens();
        // Only an explicit false travels on: absent keeps the prepared record as it was, detection on.
        Boolean loopDetection = request.thinking() != null
                        && Boolean.FALSE.equals(request.thinking().loopDetection())
                ? false
                : null;
        return new PreparedRequest(
                Messages.SCHEMA_VERSION,
                request.requestId(),
                request.conversationId(),
                request.tenant(),
                request.task(),
                prompt.text(),
                prompt.tokens(),
                prompt.textOnlyAt().length == 0 ? null : prompt.textOnlyAt(),
                new Thinking(prompt.thinking(), prompt.thinking() ? budget : null, loopDetection),
                sampling(asked, prompt.thinking(), room),
                answerFormat,
                request.translate(),
                request.task() == Task.SUMMARIZE ? summarizeOptions(request.summarize()) : null,
                conversation,
                request.streamRequested(),
                request.deadlineMs() == null ? null : receivedAtMs + request.deadlineMs(),
                receivedAtMs,
                request.metadata());
    }

    /**
     * The conversation the prompt is rendered from. chat: the stored history, then the messages as
     * sent. translate/summarize: the task's system instructions, the history, then the input as one
     * user message.
     */
    static List<ChatMessage> conversation(InferenceRequest request, List<ChatMessage> history) {
        List<ChatMessage> out = new ArrayList<>();
        if (request.task() == Task.CHAT) {
            out.addAll(history);
            out.addAll(request.messages());
            return out;
        }
        TaskInstructions.Input input = new TaskInstructions.Input(request.text(), request.messages());
        TaskInstructions.Instructions instructed = switch (request.task()) {
            case TRANSLATE -> {
                TranslateOptions t = request.translate();
                yield TaskInstructions.translate(input, t.targetLanguage(), t.sourceLanguage(), t.glossary());
            }
            case SUMMARIZE -> {
                SummarizeOptions s = summarizeOptions(request.summarize());
                yield TaskInstructions.summarize(input, s.style().wire(), s.maxWords());
            }
            case CHAT -> throw new IllegalStateException("unreachable");
        };
        out.add(ChatMessage.system(instructed.system()));
        out.addAll(history);
        out.add(ChatMessage.user(instructed.user()));
        return out;
    }

    /**
     * The messages as the chat template reads them (plain maps, snake_case keys). An assistant
     * message that only calls tools renders with an empty content, as Qwen3's later templates do
     * themselves; the template of the first Qwen3 release would fail on the null.
     */
    static List<Map<String, Object>> templateMessages(List<ChatMessage> messages) {
        List<Map<String, Object>> maps = Messages.mapper().convertValue(messages, MAPS);
        for (int i = 0; i < maps.size(); i++) {
            if (messages.get(i).role() == Role.ASSISTANT && messages.get(i).content() == null) {
                maps.get(i).put("content", "");
            }
        }
        return maps;
    }

    private static void checkGreedy(Sampling asked, boolean thinking) {
        boolean greedy = asked.temperature() != null && asked.temperature() == 0.0;
        if (greedy && thinking && !Boolean.TRUE.equals(asked.allowGreedy())) {
            throw new RefusedException(
                    ErrorCode.GREEDY_IN_THINKING_MODE,
                    "temperature 0 (greedy decoding) in thinking mode can make "
                            + "Qwen3 repeat itself endlessly (Qwen3 model card); use the thinking defaults (temperature 0.6, top_p 0.95, top_k 20), "
                            + "turn thinking off (thinking.enabled false or /no_think), or set sampling.allow_greedy to insist",
                    "/sampling/temperature");
        }
    }

    private PreparedRequest.ResolvedSampling sampling(Sampling asked, boolean thinking, int room) {
        Qwen3.SamplingDefaults defaults = Qwen3.samplingDefaults(thinking);
        double temperature = asked.temperature() != null ? asked.temperature() : defaults.temperature();
        int maxTokens = Math.min(asked.maxTokens() != null ? asked.maxTokens() : defaultMaxTokens, room);
        return new PreparedRequest.ResolvedSampling(
                temperature,
                asked.topP() != null ? asked.topP() : defaults.topP(),
                asked.topK() != null ? asked.topK() : defaults.topK(),
                asked.minP() != null ? asked.minP() : defaults.minP(),
                asked.presencePenalty() != null ? asked.presencePenalty() : 0.0,
                asked.seed() != null ? asked.seed() : seeds.getAsLong(),
                maxTokens,
                asked.stop() != null ? asked.stop() : List.of(),
                temperature == 0.0);
    }

    private static SummarizeOptions summarizeOptions(SummarizeOptions asked) {
        if (asked == null) return new SummarizeOptions(SummarizeStyle.PARAGRAPH, null);
        return asked.style() != null ? asked : new SummarizeOptions(SummarizeStyle.PARAGRAPH, asked.maxWords());
    }
}
