package io.qwenstream.local.kafka;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Function;

/**
 * The pipeline's topics: names (configuration, defaults below), partition counts for a local
 * run, and per-topic configs. Every topic accepts records up to 1 MiB so that the services, not
 * the broker, refuse oversized input ({@code record_too_large}); {@code qwen.conversations} is
 * compacted because only the latest history per conversation matters.
 *
 * <p>Names are overridden with the keys {@code qwenstream.topics.<role>} (e.g.
 * {@code qwenstream.topics.requests=my.requests}); the DLQ of requests defaults to
 * {@code <requests name>.dlq}.
 */
public record Topics(
        String requests,
        String requestsDlq,
        String inference,
        String control,
        String tokens,
        String responses,
        String responsesStream,
        String conversations) {

    public static final String REQUESTS = "qwen.requests";
    public static final String REQUESTS_DLQ = "qwen.requests.dlq";
    public static final String INFERENCE = "qwen.inference";
    public static final String CONTROL = "qwen.control";
    public static final String TOKENS = "qwen.tokens";
    public static final String RESPONSES = "qwen.responses";
    public static final String RESPONSES_STREAM = "qwen.responses.stream";
    public static final String CONVERSATIONS = "qwen.conversations";

    /** Prefix of the configuration keys that rename topics: {@code qwenstream.topics.requests} etc. */
    public static final String CONFIG_PREFIX = "qwenstream.topics.";

    /** Largest record the broker and every topic accept (message.max.bytes / max.message.bytes). */
    public static final int MAX_MESSAGE_BYTES = 1_048_576;

    /** One topic to create: name, partition count, topic-level configs. Replication is 1 on a local broker. */
    public record Spec(String name, int partitions, Map<String, String> configs) {
        public Spec {
            configs = Map.copyOf(configs);
        }
    }

    /** The default names (docs/design.md, the README's topic table). */
    public static Topics defaults() {
        return new Topics(
                REQUESTS, REQUESTS_DLQ, INFERENCE, CONTROL, TOKENS, RESPONSES, RESPONSES_STREAM, CONVERSATIONS);
    }

    /** Names from {@code qwenstream.topics.*} keys of {@code config}, defaults for the keys it lacks. */
    public static Topics fromConfig(Map<String, String> config) {
        return from(config::get);
    }

    /** Names from {@code qwenstream.topics.*} keys of {@code config}, defaults for the keys it lacks. */
    public static Topics fromConfig(Properties config) {
        return from(config::getProperty);
    }

    /** Names from {@code qwenstream.topics.*} system properties, defaults for the ones not set. */
    public static Topics fromSystemProperties() {
        return from(System::getProperty);
    }

    private static Topics from(Function<String, String> config) {
        Function<String, String> name = role -> {
            String value = config.apply(CONFIG_PREFIX + role);
            return value == null || value.isBlank() ? null : value.strip();
        };
        String requests = orDefault(name.apply("requests"), REQUESTS);
        return new Topics(
                requests,
                orDefault(name.apply("requests-dlq"), requests + ".dlq"),
                orDefault(name.apply("inference"), INFERENCE),
                orDefault(name.apply("control"), CONTROL),
                orDefault(name.apply("tokens"), TOKENS),
                orDefault(name.apply("responses"), RESPONSES),
                orDefault(name.apply("responses-stream"), RESPONSES_STREAM),
                orDefault(name.apply("conversations"), CONVERSATIONS));
    }

    private static String orDefault(String value, String fallback) {
        return value != null ? value : fallback;
    }

    /** Every topic with its local partition count and configs, in pipeline order. */
    public List<Spec> specs() {
        Map<String, String> plain = Map.of("max.message.bytes", Integer.toString(MAX_MESSAGE_BYTES));
        Map<String, String> compacted = new LinkedHashMap<>(plain);
        compacted.put("cleanup.policy", "compact");
        return List.of(
                new Spec(requests, 3, plain),
                new Spec(requestsDlq, 1, plain),
                new Spec(inference, 3, plain),
                new Spec(control, 1, plain),
                new Spec(tokens, 3, plain),
                new Spec(responses, 3, plain),
                new Spec(responsesStream, 3, plain),
                new Spec(conversations, 1, compacted));
    }

    /** The names as {@code qwenstream.topics.*} properties, e.g. to pass to a service with {@code -D}. */
    public Map<String, String> asConfig() {
        Map<String, String> config = new LinkedHashMap<>();
        config.put(CONFIG_PREFIX + "requests", requests);
        config.put(CONFIG_PREFIX + "requests-dlq", requestsDlq);
        config.put(CONFIG_PREFIX + "inference", inference);
        config.put(CONFIG_PREFIX + "control", control);
        config.put(CONFIG_PREFIX + "tokens", tokens);
        config.put(CONFIG_PREFIX + "responses", responses);
        config.put(CONFIG_PREFIX + "responses-stream", responsesStream);
        config.put(CONFIG_PREFIX + "conversations", conversations);
        return config;
    }
}
