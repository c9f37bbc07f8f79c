package io.qwenstream.engine.template;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model's chat template (a Jinja2 text, from {@code tokenizer_config.json} or the GGUF key
 * {@code tokenizer.chat_template}), rendered byte for byte as Hugging Face transformers'
 * {@code apply_chat_template} renders it: jinja2 with {@code trim_blocks}, {@code lstrip_blocks},
 * the loop controls extension, and transformers' {@code tojson} and {@code raise_exception}.
 *
 * <p>Context values are what Jackson gives for JSON: String, Number, Boolean, null, List and
 * insertion-ordered Map. Parsed once; {@link #render} can be called from several threads.
 */
public final class ChatTemplate {

    private final List<Node.Stmt> body;
    private final Map<String, Object> specialTokens;

    /** @throws TemplateException with line and column when the template has a syntax error */
    public ChatTemplate(String source) {
        this(source, Map.of());
    }

    /**
     * @param specialTokens variables such as {@code bos_token} / {@code eos_token} that transformers
     *                      passes to every template (its special tokens map)
     */
    public ChatTemplate(String source, Map<String, String> specialTokens) {
        this.body = Parser.parse(source);
        this.specialTokens = Map.copyOf(specialTokens);
    }

    /**
     * The template of a Hugging Face {@code tokenizer_config.json}, with the special tokens
     * ({@code bos_token}, {@code eos_token}, {@code pad_token}, {@code unk_token}) it names.
     */
    public static ChatTemplate fromTokenizerConfig(Path tokenizerConfig) throws IOException {
        JsonNode config = new ObjectMapper().readTree(tokenizerConfig.toFile());
        JsonNode template = config.get("chat_template");
        if (template != null && template.isArray()) { // a list of named templates: use "default"
            JsonNode named = null;
            for (JsonNode entry : template) {
                if ("default".equals(entry.path("name").asText())) {
                    named = entry.get("template");
                }
            }
            template = named;
        }
        if (template == null || !template.isTextual()) {
            throw new IOException(tokenizerConfig + ": no chat_template string");
        }
        Map<String, String> tokens = new HashMap<>();
        for (String name : List.of("bos_token", "eos_token", "pad_token", "unk_token")) {
            JsonNode token = config.get(name);
            if (token != null && token.isTextual()) {
                tokens.put(name, token.asText());
            } else if (token != null
                    && token.isObject()
                    && token.path("content").isTextual()) {
                tokens.put(name, token.get("content").asText());
            }
        }
        try {
            return new ChatTemplate(template.asText(), tokens);
        } catch (TemplateException e) {
            throw new IOException(tokenizerConfig + ": chat_template: " + e.getMessage(), e);
        }
    }

    /** Renders with exactly the given variables (plus the globals every template has). */
    public String render(Map<String, Object> context) {
        Interpreter.Scope globals = new Interpreter.Scope(null);
        Globals.all().forEach(globals::set);
        Interpreter.Scope top = new Interpreter.Scope(globals);
        context.forEach(top::set);
        StringBuilder out = new StringBuilder();
        new Interpreter().execute(body, top, out);
        return out.toString();
    }

    /**
     * The common call, with the variables transformers passes: {@code messages}, {@code tools}
     * (None when null), {@code documents} (None), {@code add_generation_prompt}, the special tokens,
     * and {@code enable_thinking} only when given, so that {@code enable_thinking is defined} is
     * false otherwise.
     */
    public String apply(
            List<Map<String, Object>> messages,
            List<Object> tools,
            Boolean enableThinking,
            boolean addGenerationPrompt) {
        Map<String, Object> context = new LinkedHashMap<>(specialTokens);
        context.put("messages", messages);
        context.put("tools", tools);
        context.put("documents", null);
        context.put("add_generation_prompt", addGenerationPrompt);
        if (enableThinking != null) {
            context.put("enable_thinking", enableThinking);
        }
        return render(context);
    }
}
