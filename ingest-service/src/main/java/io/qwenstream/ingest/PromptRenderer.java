package io.qwenstream.ingest;

import io.qwenstream.engine.ChatFormat;
import io.qwenstream.engine.Engine;
import io.qwenstream.schemas.ErrorCode;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Renders a conversation exactly as the worker's model will see it: the model's own chat template,
 * the hard thinking switch passed as {@code enable_thinking}, and the empty think block appended
 * when a soft {@code /no_think} turned thinking off (the template honours only the hard switch).
 * Counts the prompt with the engine's tokenizer and refuses prompts that leave the model no room.
 */
public final class PromptRenderer {

    /** The prompt text, its length in tokens, the resolved thinking mode, and where typed markup is text. */
    public record Rendered(String text, int tokens, boolean thinking, int[] textOnlyAt) {}

    private final ChatFormat chat;
    private final int contextLength;

    public PromptRenderer(ChatFormat chat, int contextLength) {
        this.chat = chat;
        this.contextLength = contextLength;
    }

    /** Loads the tokenizer from {@code tokenizerPath} (else from the model) and the context length from the model. */
    public static PromptRenderer load(Path model, Path tokenizerPath, Integer contextLengthOverride) {
        ChatFormat chat = ChatFormat.load(tokenizerPath != null ? tokenizerPath : model);
        int context = contextLengthOverride != null ? contextLengthOverride : Engine.contextLength(model);
        return new PromptRenderer(chat, context);
    }

    public int contextLength() {
        return contextLength;
    }

    /**
     * @throws RefusedException {@code prompt_too_long} when the prompt fills the context (the
     *         model must have room for at least one token), {@code schema_violation} on
     *         {@code /messages} when the chat template refuses the conversation
     */
    public Rendered render(List<Map<String, Object>> messages, List<Object> tools, boolean hardThinking) {
        ChatFormat.Prompt prompt;
        try {
            prompt = chat.render(messages, tools, hardThinking);
        } catch (ChatFormat.Refused e) {
            throw new RefusedException(
                    ErrorCode.SCHEMA_VIOLATION,
                    "the model's chat template refuses these messages: " + e.reason(),
                    "/messages");
        }
        int tokens = prompt.ids().length;
        if (tokens >= contextLength) {
            throw new RefusedException(
                    ErrorCode.PROMPT_TOO_LONG,
                    "the prompt is " + tokens + " tokens; the model's context holds " + contextLength
                            + " tokens, and generation needs at least one of them",
                    null);
        }
        return new Rendered(prompt.text(), tokens, prompt.thinking(), prompt.textOnlyAt());
    }
}
