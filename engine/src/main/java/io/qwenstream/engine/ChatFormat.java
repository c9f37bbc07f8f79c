package io.qwenstream.engine;

import io.qwenstream.engine.load.LoadedModel;
import io.qwenstream.engine.template.ChatTemplate;
import io.qwenstream.engine.template.TemplateException;
import io.qwenstream.engine.tokenizer.Qwen3Tokenizer;
import io.qwenstream.engine.tokenizer.StreamingDecoder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How a conversation becomes the model's tokens: the model's own chat template and its tokenizer,
 * under Qwen3's thinking switches ({@link Qwen3#thinking}). Thread-safe.
 */
public final class ChatFormat {

    /** A rendered conversation: its text, its tokens, and whether the model thinks before it answers. */
    public record Prompt(String text, int[] ids, boolean thinking) {}

    /** The chat template refused the conversation (e.g. its {@code raise_exception}). */
    public static final class Refused extends IllegalArgumentException {
        private final String reason;

        Refused(TemplateException cause) {
            super(cause.getMessage(), cause);
            this.reason = cause.reason();
        }

        /** The template's own words, without the template line. */
        public String reason() {
            return reason;
        }
    }

    private final Qwen3Tokenizer tokenizer;
    private final ChatTemplate template;

    ChatFormat(Qwen3Tokenizer tokenizer) {
        String source = tokenizer.chatTemplate();
        if (source == null || source.isEmpty())
            throw new ModelFormatException("the tokenizer carries no chat template");
        try {
            this.template = new ChatTemplate(source);
        } catch (TemplateException e) {
            throw new ModelFormatException("the tokenizer's chat template cannot be parsed: " + e.getMessage(), e);
        }
        this.tokenizer = tokenizer;
    }

    /**
     * The tokenizer and chat template alone, without weights: from a GGUF file, an HF model dir, or
     * a dir holding tokenizer.json and tokenizer_config.json.
     */
    public static ChatFormat load(Path path) {
        return new ChatFormat(LoadedModel.loadTokenizer(path));
    }

    /**
     * Renders {@code messages} (role, content, and the template's other keys) for generation. The
     * hard switch is passed to the template as {@code enable_thinking}; when a soft {@code /no_think}
     * turned thinking off, the empty think block is appended (the template honours only the hard
     * switch), so the mode holds for any model.
     *
     * @param tools the tools in OpenAI's function format, or null
     * @throws Refused when the template refuses the conversation
     */
    public Prompt render(List<Map<String, Object>> messages, List<Object> tools, boolean hardThinking) {
        boolean thinking = Qwen3.thinking(messages, hardThinking);
        String text;
        try {
            text = template.apply(messages, tools, hardThinking ? null : Boolean.FALSE, true);
        } catch (TemplateException e) {
            throw new Refused(e);
        }
        if (hardThinking && !thinking) text += Qwen3.EMPTY_THINK_BLOCK;
        return new Prompt(text, tokenizer.encode(text), thinking);
    }

    public int[] encode(String text) {
        return tokenizer.encode(text);
    }

    /**
     * The text each token completes as a stream decodes them, what a {@link TokenListener} receives;
     * what the end still flushes (an incomplete UTF-8 sequence) is one more piece.
     */
    public List<String> pieces(int[] ids) {
        StreamingDecoder decoder = tokenizer.newStreamingDecoder();
        List<String> pieces = new ArrayList<>(ids.length + 1);
        for (int id : ids) pieces.add(decoder.push(id));
        String rest = decoder.flush();
        if (!rest.isEmpty()) pieces.add(rest);
        return pieces;
    }
}
