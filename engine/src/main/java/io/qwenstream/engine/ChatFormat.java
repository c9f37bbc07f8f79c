package io.qwenstream.engine;

import io.qwenstream.engine.load.LoadedModel;
import io.qwenstream.engine.template.ChatTemplate;
import io.qwenstream.engine.template.TemplateException;
import io.qwenstream.engine.tokenizer.Qwen3Tokenizer;
import io.qwenstream.engine.tokenizer.StreamingDecoder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How a conversation becomes the model's tokens: the model's own chat template and its tokenizer,
 * under Qwen3's thinking switches ({@link Qwen3#thinking}). Thread-safe.
 */
public final class ChatFormat {

    /**
     * A rendered conversation: its text, its tokens, whether the model thinks before it answers, and the
     * code point offsets of {@code text} where the sender typed the characters of a special token such as
     * {@code <|im_start|>} or {@code </think>} (empty when none): there they are text, never control tokens.
     */
    public record Prompt(String text, int[] ids, boolean thinking, int[] textOnlyAt) {}

    /** The chat template refused the conversation (e.g. its {@code raise_exception}). */
    public static final class Refused extends IllegalArgumentException {
        private final String reason;

        Refused(TemplateException cause) {
            super(cause.getMessage(), cause);
            this.reason = cause.reason();
        }

        Refused(String reason) {
            super(reason);
            this.reason = reason;
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
        String text = apply(messages, tools, hardThinking);
        BitSet typed = typedMarkup(text, messages, tools, hardThinking);
        if (hardThinking && !thinking) text += Qwen3.EMPTY_THINK_BLOCK;
        return new Prompt(text, tokenizer.encode(text, typed), thinking, codePointOffsets(text, typed));
    }

    /** The tokens of a rendered prompt, with no special token starting at the code point offsets given. */
    public int[] encode(String text, int[] textOnlyAt) {
        BitSet typed = new BitSet();
        for (int offset : textOnlyAt) {
            if (offset < 0 || offset >= text.codePointCount(0, text.length()))
                throw new IllegalArgumentException("text-only offset " + offset + " is outside the prompt");
            typed.set(text.offsetByCodePoints(0, offset));
        }
        return tokenizer.encode(text, typed);
    }

    public int[] encode(String text) {
        return tokenizer.encode(text);
    }

    private String apply(List<Map<String, Object>> messages, List<Object> tools, boolean hardThinking) {
        try {
            return template.apply(messages, tools, hardThinking ? null : Boolean.FALSE, true);
        } catch (TemplateException e) {
            throw new Refused(e);
        }
    }

    /** Stands in for the first character of a special token the sender typed, in a second rendering. */
    private static final char MARK = '\uE000';

    /**
     * Where in {@code text} the sender's strings spell a special token. The template only copies those
     * strings, so rendering again with the first character of each such spelling replaced by {@link #MARK}
     * changes the text exactly there. {@code <think>} and {@code </think>} in an assistant's content are
     * left alone: the template reads them (it moves the reasoning out of the history).
     */
    private BitSet typedMarkup(
            String text, List<Map<String, Object>> messages, List<Object> tools, boolean hardThinking) {
        List<Map<String, Object>> markedMessages = new ArrayList<>();
        boolean any = false;
        for (Map<String, Object> message : messages) {
            boolean assistant = "assistant".equals(message.get("role"));
            Map<String, Object> marked = new LinkedHashMap<>();
            for (Map.Entry<String, Object> field : message.entrySet()) {
                marked.put(
                        field.getKey(),
                        mark(field.getValue(), assistant && field.getKey().equals("content")));
            }
            markedMessages.add(marked);
            any |= !marked.equals(message);
        }
        List<Object> markedTools = tools == null ? null : new ArrayList<>((List<?>) mark(tools, false));
        any |= tools != null && !markedTools.equals(tools);
        BitSet typed = new BitSet();
        if (!any) return typed;
        String marked = apply(markedMessages, markedTools, hardThinking);
        if (marked.length() != text.length()) {
            throw new Refused("a message spells the chat template's own markup (such as <tool_response>) where the"
                    + " template reads it as markup");
        }
        for (int i = 0; i < text.length(); i++) {
            if (marked.charAt(i) == MARK && text.charAt(i) != MARK) typed.set(i);
        }
        return typed;
    }

    private Object mark(Object value, boolean keepThinkTags) {
        return switch (value) {
            case String s -> mark(s, keepThinkTags);
            case Map<?, ?> map -> {
                Map<Object, Object> out = new LinkedHashMap<>();
                map.forEach((k, v) -> out.put(k, mark(v, false)));
                yield out;
            }
            case List<?> list -> list.stream().map(v -> mark(v, false)).toList();
            case null, default -> value;
        };
    }

    private String mark(String s, boolean keepThinkTags) {
        StringBuilder out = null;
        for (int i = 0; i < s.length(); i++) {
            int length = tokenizer.addedTokenLengthAt(s, i);
            if (length == 0) continue;
            int id = tokenizer.tokenId(s.substring(i, i + length));
            if (keepThinkTags && (id == Qwen3.THINK_START || id == Qwen3.THINK_END)) continue;
            if (out == null) out = new StringBuilder(s);
            out.setCharAt(i, MARK);
        }
        return out == null ? s : out.toString();
    }

    private static int[] codePointOffsets(String text, BitSet utf16Indices) {
        return utf16Indices.stream().map(i -> text.codePointCount(0, i)).toArray();
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
