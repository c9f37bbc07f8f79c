package io.qwenstream.local;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;

/**
 * Records for {@code qwen.requests} that break the contract, made deterministically from a seed: each
 * starts from a good request and is broken one way, so that every kind of refusal is exercised. Every
 * record's key is its request_id (where the payload still has one), so the error response to it
 * carries that id whether or not the payload can be read.
 */
final class MalformedRecords {

    /** The ways a record is broken, with how often each is drawn (oversize records are heavy: rare). */
    enum Kind {
        TRUNCATED(14),
        SYNTAX(14),
        INVALID_UTF8(14),
        WRONG_TYPE(14),
        OUT_OF_RANGE(14),
        MISSING_FIELD(10),
        NOT_AN_OBJECT(10),
        DEEP_NESTING(8),
        OVERSIZE(2);

        final int weight;

        Kind(int weight) {
            this.weight = weight;
        }
    }

    /** One record to produce: key (= the request_id it was made with), value, and how it is broken. */
    record Malformed(String key, byte[] value, Kind kind, String how) {}

    /** Nesting deeper than any JSON reader of the pipeline accepts (Jackson's default limit is 1,000). */
    static final int NESTING_DEPTH = 5_000;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int TOTAL_WEIGHT =
            java.util.Arrays.stream(Kind.values()).mapToInt(kind -> kind.weight).sum();

    private final Random random;
    private final String idPrefix;
    private final int maxRecordBytes;
    private final int brokerLimitBytes;

    /**
     * @param maxRecordBytes   the ingest service's limit (records above it are refused as too large)
     * @param brokerLimitBytes the topic's limit: oversize records stay under it, so the service refuses them
     */
    MalformedRecords(long seed, String idPrefix, int maxRecordBytes, int brokerLimitBytes) {
        this.random = new Random(seed);
        this.idPrefix = idPrefix;
        this.maxRecordBytes = maxRecordBytes;
        this.brokerLimitBytes = brokerLimitBytes;
    }

    /** The next {@code count} records; ids are {@code idPrefix + index}. */
    List<Malformed> next(int count, int firstIndex) {
        List<Malformed> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) out.add(make(idPrefix + (firstIndex + i), drawKind()));
        return out;
    }

    private Kind drawKind() {
        int r = random.nextInt(TOTAL_WEIGHT);
        for (Kind kind : Kind.values()) {
            r -= kind.weight;
            if (r < 0) return kind;
        }
        throw new AssertionError();
    }

    Malformed make(String id, Kind kind) {
        return switch (kind) {
            case TRUNCATED -> truncated(id);
            case SYNTAX -> syntax(id);
            case INVALID_UTF8 -> invalidUtf8(id);
            case WRONG_TYPE -> pick(id, kind, WRONG_TYPES);
            case OUT_OF_RANGE -> pick(id, kind, OUT_OF_RANGE_VALUES);
            case MISSING_FIELD -> pick(id, kind, MISSING_FIELDS);
            case NOT_AN_OBJECT -> notAnObject(id);
            case DEEP_NESTING -> deepNesting(id);
            case OVERSIZE -> oversize(id);
        };
    }

    /** A good chat request: the starting point of every broken one. */
    static ObjectNode goodRequest(String id) {
        ObjectNode request = JSON.createObjectNode();
        request.put("schema_version", 1);
        request.put("request_id", id);
        request.put("task", "chat");
        ObjectNode message = request.putArray("messages").addObject();
        message.put("role", "user");
        message.put("content", "Where is my order 4711? It was due on Monday.");
        request.putObject("thinking").put("enabled", false);
        request.putObject("sampling").put("max_tokens", 4).put("seed", 7);
        request.put("stream", false);
        return request;
    }

    /** Cut anywhere before the closing brace: an object without its end is never JSON. */
    private Malformed truncated(String id) {
        byte[] good = bytes(goodRequest(id));
        int length = 1 + random.nextInt(good.length - 1);
        return new Malformed(id, java.util.Arrays.copyOf(good, length), Kind.TRUNCATED, "cut at " + length);
    }

    /** One structural character removed or added; the request has no escaped quotes, so each breaks it. */
    private Malformed syntax(String id) {
        String good = goodRequest(id).toString();
        String broken;
        String how;
        switch (random.nextInt(5)) {
            case 0 -> {
                broken = removeNth(good, '"', random.nextInt(count(good, '"')));
                how = "a quote removed";
            }
            case 1 -> {
                broken = removeNth(good, ':', random.nextInt(count(good, ':')));
                how = "a colon removed";
            }
            case 2 -> {
                int comma = nthIndex(good, ',', random.nextInt(count(good, ',')));
                broken = good.substring(0, comma) + ';' + good.substring(comma + 1);
                how = "a comma made a semicolon";
            }
            case 3 -> {
                broken = good.substring(0, good.length() - 1) + ",}";
                how = "a trailing comma";
            }
            default -> {
                broken = good.substring(0, good.length() - 1);
                how = "the closing brace removed";
            }
        }
        return new Malformed(id, broken.getBytes(StandardCharsets.UTF_8), Kind.SYNTAX, how);
    }

    /** Byte sequences no UTF-8 decoder may accept, put inside the message text. */
    private static final byte[][] INVALID_UTF8 = {
        {(byte) 0xFF},
        {(byte) 0xC3, 0x28},
        {(byte) 0xC0, (byte) 0xAF},
        {(byte) 0x80},
        {(byte) 0xE2, (byte) 0x82},
        {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
        {(byte) 0xF8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80},
    };

    private Malformed invalidUtf8(String id) {
        byte[] good = bytes(goodRequest(id));
        String text = new String(good, StandardCharsets.UTF_8);
        int start = text.indexOf("Where is my order");
        int at = start + random.nextInt("Where is my order".length());
        byte[] bad = INVALID_UTF8[random.nextInt(INVALID_UTF8.length)];
        byte[] out = new byte[good.length + bad.length];
        System.arraycopy(good, 0, out, 0, at);
        System.arraycopy(bad, 0, out, at, bad.length);
        System.arraycopy(good, at, out, at + bad.length, good.length - at);
        return new Malformed(id, out, Kind.INVALID_UTF8, bad.length + " invalid byte(s) in the content");
    }

    private record Mutation(String how, Consumer<ObjectNode> apply) {}

    private static ObjectNode message(ObjectNode request) {
        return (ObjectNode) request.get("messages").get(0);
    }

    private static ObjectNode sampling(ObjectNode request) {
        return (ObjectNode) request.get("sampling");
    }

    private static final List<Mutation> WRONG_TYPES = List.of(
            new Mutation("messages is a string", r -> r.put("messages", "Where is my order?")),
            new Mutation("thinking is a boolean", r -> r.put("thinking", true)),
            new Mutation("thinking.enabled is a string", r -> ((ObjectNode) r.get("thinking")).put("enabled", "yes")),
            new Mutation("max_tokens is a string", r -> sampling(r).put("max_tokens", "ten")),
            new Mutation(
                    "temperature is an array",
                    r -> sampling(r).putArray("temperature").add(0.6)),
            new Mutation("stream is a string", r -> r.put("stream", "true")),
            new Mutation("schema_version is a string", r -> r.put("schema_version", "1")),
            new Mutation("content is a number", r -> message(r).put("content", 42)),
            new Mutation("role is a number", r -> message(r).put("role", 7)),
            new Mutation("task is an array", r -> r.putArray("task").add("chat")),
            new Mutation("deadline_ms is an object", r -> r.putObject("deadline_ms")),
            new Mutation("request_id is a number", r -> r.put("request_id", 5)),
            new Mutation("a message is a string", r -> ((ArrayNode) r.get("messages")).set(0, "hello")),
            new Mutation("metadata is a string", r -> r.put("metadata", "m")));

    private static final List<Mutation> OUT_OF_RANGE_VALUES = List.of(
            new Mutation("temperature 2.5", r -> sampling(r).put("temperature", 2.5)),
            new Mutation("temperature -1", r -> sampling(r).put("temperature", -1)),
            new Mutation("top_p 0", r -> sampling(r).put("top_p", 0)),
            new Mutation("top_p 1.5", r -> sampling(r).put("top_p", 1.5)),
            new Mutation("top_k -1", r -> sampling(r).put("top_k", -1)),
            new Mutation("max_tokens 0", r -> sampling(r).put("max_tokens", 0)),
            new Mutation("max_tokens -5", r -> sampling(r).put("max_tokens", -5)),
            new Mutation("presence_penalty 3", r -> sampling(r).put("presence_penalty", 3)),
            new Mutation("schema_version 2", r -> r.put("schema_version", 2)),
            new Mutation("role wizard", r -> message(r).put("role", "wizard")),
            new Mutation("task dance", r -> r.put("task", "dance")),
            new Mutation("budget_tokens -1", r -> ((ObjectNode) r.get("thinking")).put("budget_tokens", -1)),
            new Mutation("deadline_ms -10", r -> r.put("deadline_ms", -10)),
            new Mutation("deadline_ms 10^12", r -> r.put("deadline_ms", 1_000_000_000_000L)),
            new Mutation("request_id empty", r -> r.put("request_id", "")),
            new Mutation("messages empty", r -> r.putArray("messages")),
            new Mutation("seed 2^64", r -> sampling(r).put("seed", new java.math.BigInteger("18446744073709551616"))),
            new Mutation("unknown sampling option", r -> sampling(r).put("temprature", 0.6)));

    private static final List<Mutation> MISSING_FIELDS = List.of(
            new Mutation("no schema_version", r -> r.remove("schema_version")),
            new Mutation("no task", r -> r.remove("task")),
            new Mutation("chat without messages", r -> r.remove("messages")),
            new Mutation("a message without role", r -> message(r).remove("role")),
            new Mutation("a user message without content", r -> message(r).remove("content")),
            new Mutation("translate without options", r -> r.put("task", "translate")));

    private Malformed pick(String id, Kind kind, List<Mutation> mutations) {
        Mutation mutation = mutations.get(random.nextInt(mutations.size()));
        ObjectNode request = goodRequest(id);
        mutation.apply().accept(request);
        return new Malformed(id, bytes(request), kind, mutation.how());
    }

    private static final String[] NOT_OBJECTS = {"", " ", "\n", "null", "[]", "42", "\"text\"", "true", "[{}]"};

    private Malformed notAnObject(String id) {
        String value = NOT_OBJECTS[random.nextInt(NOT_OBJECTS.length)];
        return new Malformed(
                id, value.getBytes(StandardCharsets.UTF_8), Kind.NOT_AN_OBJECT, "the value " + JSON.valueToTree(value));
    }

    /** The producer's metadata (free-form by the schema) nested deeper than any reader allows. */
    private Malformed deepNesting(String id) {
        boolean arrays = random.nextBoolean();
        String open = arrays ? "[" : "{\"a\":";
        String close = arrays ? "]" : "}";
        String nested = open.repeat(NESTING_DEPTH) + "1" + close.repeat(NESTING_DEPTH);
        String good = goodRequest(id).toString();
        String value = good.substring(0, good.length() - 1) + ",\"metadata\":{\"deep\":" + nested + "}}";
        return new Malformed(
                id,
                value.getBytes(StandardCharsets.UTF_8),
                Kind.DEEP_NESTING,
                "metadata nested " + NESTING_DEPTH + " deep (" + (arrays ? "arrays" : "objects") + ")");
    }

    /** Over the service's limit, under the broker's: the refusal must be the service's. */
    private Malformed oversize(String id) {
        int size = maxRecordBytes + 1 + random.nextInt(brokerLimitBytes - maxRecordBytes - 4096);
        ObjectNode request = goodRequest(id);
        int padding = size - bytes(request).length;
        message(request).put("content", "x".repeat(padding));
        byte[] value = bytes(request);
        return new Malformed(id, value, Kind.OVERSIZE, value.length + " bytes");
    }

    private static byte[] bytes(ObjectNode node) {
        return node.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static int count(String s, char c) {
        return (int) s.chars().filter(x -> x == c).count();
    }

    private static int nthIndex(String s, char c, int n) {
        int at = -1;
        for (int i = 0; i <= n; i++) at = s.indexOf(c, at + 1);
        return at;
    }

    private static String removeNth(String s, char c, int n) {
        int at = nthIndex(s, c, n);
        return s.substring(0, at) + s.substring(at + 1);
    }
}
