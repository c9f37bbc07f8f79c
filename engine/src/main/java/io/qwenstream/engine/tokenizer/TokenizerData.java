package io.qwenstream.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * What a tokenizer is made of, as read from a Hugging Face directory or from GGUF metadata:
 * tokens by id with their types, merges by rank, chat template and eos/pad ids.
 *
 * @param source     where it was read from, for error messages
 * @param tokens     token text by id (byte-level characters for BPE tokens); null where {@code types} is ABSENT
 * @param types      token type by id, numbered as GGUF's {@code tokenizer.ggml.token_type}
 * @param mergePairs the merges in rank order, each {left, right}
 */
record TokenizerData(
        String source,
        String[] tokens,
        byte[] types,
        List<String[]> mergePairs,
        String chatTemplate,
        int eosTokenId,
        int padTokenId) {

    static final byte ABSENT = 0; // no token has this id
    static final byte NORMAL = 1; // a BPE vocabulary entry
    static final byte CONTROL = 3; // a special added token, e.g. <|im_start|>
    static final byte USER_DEFINED = 4; // a non-special added token, e.g. <think>
    static final byte UNUSED = 5; // GGUF padding up to the embedding rows, e.g. [PAD151669]

    /** See {@link Qwen3Tokenizer#fromHfDir}. */
    static TokenizerData readHfDir(Path dir) {
        Path tokenizerFile = dir.resolve("tokenizer.json");
        Path configFile = dir.resolve("tokenizer_config.json");
        JsonNode root = readJson(tokenizerFile);
        JsonNode config = readJson(configFile);
        String source = tokenizerFile.toString();

        JsonNode model = root.path("model");
        if (!"BPE".equals(model.path("type").asText())) {
            throw new IllegalArgumentException(
                    source + ": model.type is '" + model.path("type").asText() + "', expected 'BPE'");
        }
        checkQwen2PreTokenizer(root.path("pre_tokenizer"), source);
        JsonNode vocab = model.path("vocab");
        JsonNode addedTokens = root.path("added_tokens");
        if (!vocab.isObject() || !model.path("merges").isArray()) {
            throw new IllegalArgumentException(source + ": model.vocab (object) or model.merges (array) is missing");
        }

        int size = 0;
        for (Map.Entry<String, JsonNode> entry : vocab.properties()) {
            size = Math.max(size, entry.getValue().asInt() + 1);
        }
        for (JsonNode token : addedTokens) {
            size = Math.max(size, token.path("id").asInt() + 1);
        }
        String[] tokens = new String[size];
        byte[] types = new byte[size];
        for (Map.Entry<String, JsonNode> entry : vocab.properties()) {
            int id = entry.getValue().asInt(-1);
            if (id < 0) {
                throw new IllegalArgumentException(
                        source + ": model.vocab['" + entry.getKey() + "'] is not a token id");
            }
            tokens[id] = entry.getKey();
            types[id] = NORMAL;
        }
        for (JsonNode token : addedTokens) {
            int id = token.path("id").asInt(-1);
            if (id < 0 || !token.path("content").isTextual()) {
                throw new IllegalArgumentException(source + ": added_tokens entry without id or content: " + token);
            }
            tokens[id] = token.get("content").asText();
            types[id] = token.path("special").asBoolean() ? CONTROL : USER_DEFINED;
        }

        List<String[]> mergePairs = new ArrayList<>(model.get("merges").size());
        for (JsonNode merge : model.get("merges")) {
            if (merge.isArray() && merge.size() == 2) {
                mergePairs.add(new String[] {merge.get(0).asText(), merge.get(1).asText()});
            } else if (merge.isTextual()) {
                mergePairs.add(splitMerge(merge.asText(), source, mergePairs.size()));
            } else {
                throw new IllegalArgumentException(
                        source + ": model.merges[" + mergePairs.size() + "] is neither \"a b\" nor [a, b]");
            }
        }

        return new TokenizerData(
                source,
                tokens,
                types,
                mergePairs,
                chatTemplate(dir, config, configFile),
                configTokenId(tokens, types, config, "eos_token", configFile),
                configTokenId(tokens, types, config, "pad_token", configFile));
    }

    /** See {@link Qwen3Tokenizer#fromGgufMetadata}. */
    static TokenizerData fromGgufMetadata(Map<String, Object> metadata) {
        String source = "GGUF metadata";
        String model = ggufValue(metadata, "tokenizer.ggml.model", String.class, true);
        String pre = ggufValue(metadata, "tokenizer.ggml.pre", String.class, true);
        if (!"gpt2".equals(model) || !"qwen2".equals(pre)) {
            throw new IllegalArgumentException(
                    source + ": tokenizer.ggml.model = '" + model + "', tokenizer.ggml.pre = '" + pre
                            + "'; only the Qwen2/Qwen3 tokenizer (gpt2 / qwen2) is supported");
        }
        String[] tokens = ggufValue(metadata, "tokenizer.ggml.tokens", String[].class, true);
        long[] tokenTypes = integers(metadata, "tokenizer.ggml.token_type");
        if (tokenTypes.length != tokens.length) {
            throw new IllegalArgumentException(source + ": tokenizer.ggml.token_type has " + tokenTypes.length
                    + " entries but tokenizer.ggml.tokens has " + tokens.length);
        }
        byte[] types = new byte[tokens.length];
        for (int id = 0; id < tokens.length; id++) {
            long t = tokenTypes[id];
            types[id] = t == CONTROL || t == USER_DEFINED || t == UNUSED ? (byte) t : NORMAL;
        }
        String[] mergeTexts = ggufValue(metadata, "tokenizer.ggml.merges", String[].class, true);
        List<String[]> mergePairs = new ArrayList<>(mergeTexts.length);
        for (String merge : mergeTexts) {
            mergePairs.add(splitMerge(merge, source + " tokenizer.ggml.merges", mergePairs.size()));
        }
        Number eos = ggufValue(metadata, "tokenizer.ggml.eos_token_id", Number.class, false);
        Number pad = ggufValue(metadata, "tokenizer.ggml.padding_token_id", Number.class, false);
        return new TokenizerData(
                source,
                tokens,
                types,
                mergePairs,
                ggufValue(metadata, "tokenizer.chat_template", String.class, false),
                eos == null ? -1 : eos.intValue(),
                pad == null ? -1 : pad.intValue());
    }

    private static JsonNode readJson(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("Tokenizer file not found: " + file);
        }
        try {
            return new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException("Cannot read tokenizer file " + file + ": " + e.getMessage(), e);
        }
    }

    private static void checkQwen2PreTokenizer(JsonNode preTokenizer, String source) {
        List<JsonNode> steps = new ArrayList<>();
        preTokenizer.path("pretokenizers").forEach(steps::add);
        steps.add(preTokenizer);
        for (JsonNode step : steps) {
            if ("Split".equals(step.path("type").asText())
                    && Qwen3Tokenizer.QWEN2_SPLIT_REGEX.equals(
                            step.path("pattern").path("Regex").asText())) {
                return;
            }
        }
        throw new IllegalArgumentException(
                source + ": pre_tokenizer is not the Qwen2 split regex; not a Qwen2/Qwen3 tokenizer");
    }

    private static String[] splitMerge(String merge, String source, int index) {
        int space = merge.indexOf(' ');
        if (space <= 0 || space == merge.length() - 1 || merge.indexOf(' ', space + 1) >= 0) {
            throw new IllegalArgumentException(
                    source + ": merge " + index + " '" + merge + "' is not two tokens \"a b\"");
        }
        return new String[] {merge.substring(0, space), merge.substring(space + 1)};
    }

    private static String chatTemplate(Path dir, JsonNode config, Path configFile) {
        Path jinjaFile = dir.resolve("chat_template.jinja");
        if (Files.isRegularFile(jinjaFile)) {
            try {
                return Files.readString(jinjaFile);
            } catch (IOException e) {
                throw new IllegalArgumentException("Cannot read " + jinjaFile + ": " + e.getMessage(), e);
            }
        }
        JsonNode template = config.path("chat_template");
        if (template.isTextual()) {
            return template.asText();
        }
        for (JsonNode named : template) { // a list of {name, template}: the default one
            if ("default".equals(named.path("name").asText())) {
                return named.path("template").asText();
            }
        }
        if (!template.isMissingNode() && !template.isNull()) {
            throw new IllegalArgumentException(
                    configFile + ": chat_template is neither a string nor a list with a 'default' entry");
        }
        return null;
    }

    /** The id of a token named in tokenizer_config.json, as a string or as {"content": ...}; -1 when unnamed. */
    private static int configTokenId(String[] tokens, byte[] types, JsonNode config, String key, Path configFile) {
        JsonNode value = config.path(key);
        if (value.isObject()) {
            value = value.path("content");
        }
        if (!value.isTextual()) {
            return -1;
        }
        int found = -1;
        for (int id = 0; id < tokens.length; id++) {
            if (value.asText().equals(tokens[id]) && (found < 0 || types[id] != NORMAL)) {
                found = id; // an added token wins over a vocabulary entry of the same text
            }
        }
        if (found < 0) {
            throw new IllegalArgumentException(
                    configFile + ": " + key + " '" + value.asText() + "' is not a token of tokenizer.json");
        }
        return found;
    }

    private static <T> T ggufValue(Map<String, Object> metadata, String key, Class<T> type, boolean required) {
        Object value = metadata.get(key);
        if (value == null) {
            if (required) {
                throw new IllegalArgumentException("GGUF metadata: " + key + " is missing");
            }
            return null;
        }
        if (!type.isInstance(value)) {
            throw new IllegalArgumentException("GGUF metadata: " + key + " is a "
                    + value.getClass().getSimpleName() + ", expected " + type.getSimpleName());
        }
        return type.cast(value);
    }

    private static long[] integers(Map<String, Object> metadata, String key) {
        Object value = metadata.get(key);
        return switch (value) {
            case int[] ints -> Arrays.stream(ints).asLongStream().toArray();
            case long[] longs -> longs;
            case null -> throw new IllegalArgumentException("GGUF metadata: " + key + " is missing");
            default ->
                throw new IllegalArgumentException("GGUF metadata: " + key + " is a "
                        + value.getClass().getSimpleName() + ", expected an integer array");
        };
    }
}
