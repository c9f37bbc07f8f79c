package io.qwenstream.ingest;

import io.qwenstream.engine.Engine;
import io.qwenstream.engine.generation.ThinkingSwitch;
import io.qwenstream.engine.gguf.GGUFFile;
import io.qwenstream.engine.model.GgufConfigReader;
import io.qwenstream.engine.model.HfConfigReader;
import io.qwenstream.engine.template.ChatTemplate;
import io.qwenstream.engine.template.TemplateException;
import io.qwenstream.engine.tokenizer.Qwen3Tokenizer;
import io.qwenstream.schemas.ErrorCode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
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

    /** The prompt text, its length in tokens, and the resolved thinking mode. */
    public record Rendered(String text, int tokens, boolean thinking) {}

    private final Qwen3Tokenizer tokenizer;
    private final ChatTemplate template;
    private final int contextLength;

    public PromptRenderer(Qwen3Tokenizer tokenizer, int contextLength) {
        String source = tokenizer.chatTemplate();
        if (source == null || source.isEmpty())
            throw new IllegalArgumentException("the tokenizer carries no chat template");
        this.tokenizer = tokenizer;
        this.template = new ChatTemplate(source);
        this.contextLength = contextLength;
    }

    /** Loads the tokenizer from {@code tokenizerPath} (else from the model) and the context length from the model. */
    public static PromptRenderer load(Path model, Path tokenizerPath, Integer contextLengthOverride) {
        Qwen3Tokenizer tokenizer = Engine.loadTokenizer(tokenizerPath != null ? tokenizerPath : model);
        int context = contextLengthOverride != null ? contextLengthOverride : modelContextLength(model);
        return new PromptRenderer(tokenizer, context);
    }

    /**
     * The model's context length from its config alone (config.json, or the GGUF metadata): the
     * weights stay untouched, ingest never runs the model.
     */
    public static int modelContextLength(Path model) {
        if (Files.isDirectory(model)) {
            return HfConfigReader.read(model.resolve("config.json")).contextLength();
        }
        try (GGUFFile gguf = GGUFFile.open(model)) {
            return GgufConfigReader.read(model, gguf.metadata(), gguf.tensors()).contextLength();
        } catch (IOException e) {
            throw new UncheckedIOException(model + ": cannot read the model's context length: " + e.getMessage(), e);
        }
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
        boolean thinking = ThinkingSwitch.resolve(messages, hardThinking);
        String text;
        try {
            text = template.apply(messages, tools, hardThinking ? null : Boolean.FALSE, true);
        } catch (TemplateException e) {
            throw new RefusedException(
                    ErrorCode.SCHEMA_VIOLATION,
                    "the model's chat template refuses these messages: " + e.reason(),
                    "/messages");
        }
        if (hardThinking && !thinking) text += ThinkingSwitch.EMPTY_THINK_BLOCK;
        int tokens = tokenizer.encode(text).length;
        if (tokens >= contextLength) {
            throw new RefusedException(
                    ErrorCode.PROMPT_TOO_LONG,
                    "the prompt is " + tokens + " tokens; the model's context holds " + contextLength
                            + " tokens, and generation needs at least one of them",
                    null);
        }
        return new Rendered(text, tokens, thinking);
    }
}
