package io.qwenstream.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.qwenstream.engine.Phase;
import io.qwenstream.engine.Qwen3;
import io.qwenstream.local.kafka.Topics;
import io.qwenstream.schemas.ChatMessage;
import io.qwenstream.schemas.ControlMessage;
import io.qwenstream.schemas.ErrorCode;
import io.qwenstream.schemas.FinishReason;
import io.qwenstream.schemas.MessageValidator;
import io.qwenstream.schemas.Messages;
import io.qwenstream.schemas.PreparedRequest;
import io.qwenstream.schemas.Task;
import io.qwenstream.schemas.Thinking;
import io.qwenstream.schemas.TokenChunk;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The worker against a real broker and the real engine (the tiny random-weight Qwen3-MoE fixture: its text
 * is noise, its token accounting and thinking rules are real).
 */
@QuarkusTest
@QuarkusTestResource(value = LocalKafkaResource.class, restrictToAnnotatedClass = true)
class InferenceWorkerTest {

    private static final String GROUP = "qwenstream-inference-worker";
    private static final String USER_TURN = "<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n";

    @TestHTTPResource("/q/metrics")
    URL metrics;

    private static KafkaProducer<String, byte[]> producer;
    private static KafkaConsumer<String, String> tokens;
    private static Admin admin;
    /** Every qwen.tokens record read so far, by key, in partition order. */
    private static final Map<String, List<ConsumerRecord<String, String>>> byRequest = new HashMap<>();

    @BeforeAll
    static void clients() {
        Map<String, Object> p = LocalKafkaResource.kafka.clientConfig();
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
        Map<String, Object> c = LocalKafkaResource.kafka.clientConfig();
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        tokens = new KafkaConsumer<>(c, new StringDeserializer(), new StringDeserializer());
        List<TopicPartition> partitions = IntStream.range(0, 3)
                .mapToObj(i -> new TopicPartition(Topics.TOKENS, i))
                .toList();
        tokens.assign(partitions);
        tokens.seekToBeginning(partitions);
        admin = LocalKafkaResource.kafka.admin();
    }

    @AfterAll
    static void closeClients() {
        if (producer != null) producer.close();
        if (tokens != null) tokens.close();
        if (admin != null) admin.close();
    }

    @Test
    void aThinkingGenerationStreamsGapFreeChunksWhoseCountsAddUpToTheUsage() throws Exception {
        String id = newId();
        String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        ProducerRecord<String, byte[]> record =
                new ProducerRecord<>(Topics.INFERENCE, id, Messages.toJson(request(id, true, null, 40, 7, null)));
        record.headers()
                .add("traceparent", ("00-" + traceId + "-00f067aa0ba902b7-01").getBytes(StandardCharsets.UTF_8));
        producer.send(record).get();

        List<ConsumerRecord<String, String>> records = untilLast(id, Duration.ofSeconds(60));
        List<TokenChunk> chunks = records.stream()
                .map(r -> Messages.fromJson(r.value(), TokenChunk.class))
                .toList();
        MessageValidator validator = new MessageValidator();
        for (int i = 0; i < chunks.size(); i++) {
            TokenChunk chunk = chunks.get(i);
            assertEquals(i, chunk.seq(), "seq runs 0,1,2… without gaps");
            assertTrue(
                    validator
                            .validate("TokenChunk", records.get(i).value().getBytes(StandardCharsets.UTF_8))
                            .isValid(),
                    records.get(i).value());
            assertTrue(chunk.tokenCount() <= 8, "at most qwenstream.chunk.max-tokens per chunk");
            assertEquals(i == chunks.size() - 1, chunk.isLast(), "only the last chunk carries finish_reason");
            String traceparent = header(records.get(i), "traceparent");
            assertNotNull(traceparent, "every chunk carries a traceparent");
            assertEquals(traceId, traceparent.split("-")[1], "the chunk continues the request's trace");
            assertNotNull(chunk.generationId(), "every chunk names its generation");
            assertEquals(chunks.getFirst().generationId(), chunk.generationId(), "one run, one generation");
        }
        int firstAnswer = IntStream.range(0, chunks.size())
                .filter(i -> chunks.get(i).phase() == Phase.ANSWER)
                .findFirst()
                .orElse(chunks.size());
        assertTrue(
                chunks.subList(firstAnswer, chunks.size()).stream().allMatch(c -> c.phase() == Phase.ANSWER),
                "thinking first, then the answer");
        assertTrue(text(chunks, Phase.THINKING).startsWith("<think>\n"), "the generator opens the reasoning");

        TokenChunk last = chunks.getLast();
        assertTrue(
                last.finishReason() == FinishReason.STOP || last.finishReason() == FinishReason.LENGTH,
                last.toString());
        assertEquals(tokens(chunks, Phase.THINKING), last.usage().thinkingTokens());
        assertEquals(tokens(chunks, Phase.ANSWER), last.usage().answerTokens());
        assertTrue(last.usage().promptTokens() > 5);
        if (last.finishReason() == FinishReason.LENGTH)
            assertEquals(40, last.usage().thinkingTokens() + last.usage().answerTokens());

        assertNotNull(last.startedAtMs(), last.toString());
        assertNotNull(last.firstTokenAtMs(), last.toString());
        assertNotNull(last.finishedAtMs(), last.toString());
        assertTrue(
                last.startedAtMs() <= last.firstTokenAtMs() && last.firstTokenAtMs() <= last.finishedAtMs(),
                last.toString());

        HttpResponse<String> scrape = HttpClient.newHttpClient()
                .send(HttpRequest.newBuilder(metrics.toURI()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, scrape.statusCode(), metrics + " " + scrape.headers());
        String exposition = scrape.body();
        for (String meter : List.of(
                "gen_ai_server_time_to_first_token_seconds_count",
                "gen_ai_server_time_per_output_token_seconds_count",
                "gen_ai_server_request_duration_seconds_count",
                "gen_ai_client_token_usage_tokens_count{gen_ai_operation_name=\"chat\"",
                "gen_ai_token_type=\"output\"",
                "qwenstream_worker_queue_time_seconds_count",
                "qwenstream_worker_generated_tokens_total{gen_ai_operation_name=\"chat\",gen_ai_request_model=\"tiny-qwen3-moe\",phase=\"thinking\"}",
                "qwenstream_worker_places_taken")) {
            assertTrue(exposition.contains(meter), meter + " in\n" + exposition);
        }
        assertTrue(
                exposition
                        .lines()
                        .anyMatch(l -> l.startsWith("qwenstream_worker_requests_total")
                                && l.contains(
                                        "finish_reason=\"" + last.finishReason().wire() + "\"")),
                exposition);
    }

    @Test
    void theThinkingBudgetClosesTheReasoningWithQwensSentence() throws Exception {
        String id = newId();
        producer.send(new ProducerRecord<>(Topics.INFERENCE, id, Messages.toJson(request(id, true, 5, 80, 3, null))))
                .get();

        List<TokenChunk> chunks = chunks(untilLast(id, Duration.ofSeconds(60)));
        TokenChunk last = chunks.getLast();
        assertTrue(last.usage().thinkingBudgetReached(), last.toString());
        String closing = Qwen3.BUDGET_CLOSING;
        // </think> is the reasoning's last token; the blank line after it opens the answer.
        String thinkingEnd = closing.substring(0, closing.indexOf("</think>") + "</think>".length());
        assertTrue(text(chunks, Phase.THINKING).endsWith(thinkingEnd), text(chunks, Phase.THINKING));
        assertTrue(text(chunks, Phase.ANSWER).startsWith("\n\n"));
        assertEquals(tokens(chunks, Phase.THINKING), last.usage().thinkingTokens());
        assertEquals(tokens(chunks, Phase.ANSWER), last.usage().answerTokens());
    }

    @Test
    void aDeadlineInThePastEndsTheRequestAtOnce() throws Exception {
        String id = newId();
        producer.send(new ProducerRecord<>(
                        Topics.INFERENCE,
                        id,
                        Messages.toJson(request(id, false, null, 100_000, 1, System.currentTimeMillis() - 1_000))))
                .get();

        List<TokenChunk> chunks = chunks(untilLast(id, Duration.ofSeconds(30)));
        assertEquals(1, chunks.size());
        assertEquals(FinishReason.DEADLINE, chunks.getFirst().finishReason());
        assertEquals(0, chunks.getFirst().tokenCount());
        assertEquals(0, chunks.getFirst().usage().answerTokens());
    }

    /**
     * A long generation outlives max.poll.interval.ms (2 s in the test profile) without the consumer leaving its
     * group, its offset stays uncommitted while it runs, a cancel stops it, and only then is the offset committed.
     */
    @Test
    void aCancelStopsALongGenerationWhoseOffsetIsCommittedOnlyAfterItsLastChunk() throws Exception {
        String id = newId();
        RecordMetadata sent = producer.send(new ProducerRecord<>(
                        Topics.INFERENCE, id, Messages.toJson(request(id, false, null, 1_000_000, 1, null))))
                .get();
        TopicPartition partition = new TopicPartition(Topics.INFERENCE, sent.partition());

        int maxPollInterval = ConfigProvider.getConfig()
                .getValue("mp.messaging.incoming.inference.max.poll.interval.ms", Integer.class);
        assertTrue(maxPollInterval < 3_000, "the test outlasts max.poll.interval.ms");
        awaitChunks(id, 1, Duration.ofSeconds(30));
        String member = theOnlyMember();
        long firstChunkAt = byRequest.get(id).getFirst().timestamp();
        // Chunks still coming past max.poll.interval.ms and several commit intervals (the worker's own timestamps).
        await(
                () -> hasLast(id) || byRequest.get(id).getLast().timestamp() >= firstChunkAt + 3_000,
                Duration.ofSeconds(30),
                "chunks of " + id + " 3 s after its first");
        assertFalse(hasLast(id), "still generating");
        assertTrue(committed(partition) <= sent.offset(), "no commit while the request's chunks are still coming");

        producer.send(new ProducerRecord<>(Topics.CONTROL, id, Messages.toJson(ControlMessage.cancel(id))))
                .get();
        List<TokenChunk> chunks = chunks(untilLast(id, Duration.ofSeconds(30)));
        TokenChunk last = chunks.getLast();
        assertEquals(FinishReason.CANCELLED, last.finishReason());
        assertEquals(tokens(chunks, Phase.ANSWER), last.usage().answerTokens());
        assertTrue(last.usage().answerTokens() < 1_000_000);

        await(
                () -> committed(partition) > sent.offset(),
                Duration.ofSeconds(20),
                "offset " + sent.offset() + " committed");
        assertEquals(member, theOnlyMember(), "the consumer never left its group");
        pollToEnd();
        assertEquals(
                1, byRequest.get(id).stream().filter(r -> chunk(r).seq() == 0).count(), "the request ran once");
    }

    /** max-concurrent 2 + queue-capacity 4: a seventh request waits in Kafka, none is dropped, two run at once. */
    @Test
    void aFullWorkerRunsTwoQueuesFourAndLeavesTheRestInKafka() throws Exception {
        List<String> ids = IntStream.range(0, 7).mapToObj(i -> newId()).toList();
        for (String id : ids) {
            producer.send(new ProducerRecord<>(
                            Topics.INFERENCE, id, Messages.toJson(request(id, false, null, 1_000_000, 1, null))))
                    .get();
        }
        await(() -> placesTaken() >= 6, Duration.ofSeconds(30), "the worker fills its places");
        // While full, the worker goes on polling (paused) and generating: wait until both running requests have
        // streamed several chunks, time enough for a worker that did not pause to have taken the seventh record.
        await(
                () -> {
                    poll();
                    return ids.stream()
                                    .filter(id -> byRequest
                                                    .getOrDefault(id, List.of())
                                                    .size()
                                            >= 5)
                                    .count()
                            >= 2;
                },
                Duration.ofSeconds(30),
                "two running requests with 5 chunks each");
        assertEquals(6.0, placesTaken(), "a full worker takes no more records");
        assertEquals(2, ids.stream().filter(id -> byRequest.containsKey(id)).count(), "two sequences run, four wait");

        for (String id : ids)
            producer.send(new ProducerRecord<>(Topics.CONTROL, id, Messages.toJson(ControlMessage.cancel(id))))
                    .get();
        for (String id : ids) {
            assertEquals(
                    FinishReason.CANCELLED,
                    chunks(untilLast(id, Duration.ofSeconds(30))).getLast().finishReason(),
                    id);
        }
    }

    private double placesTaken() throws Exception {
        String exposition = HttpClient.newHttpClient()
                .send(HttpRequest.newBuilder(metrics.toURI()).build(), HttpResponse.BodyHandlers.ofString())
                .body();
        return exposition
                .lines()
                .filter(l -> l.startsWith("qwenstream_worker_places_taken{"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .findFirst()
                .orElse(-1);
    }

    @Test
    void aRecordThatIsNoPreparedRequestGetsAnErrorChunkUnderItsKey() throws Exception {
        String key = newId();
        producer.send(new ProducerRecord<>(Topics.INFERENCE, key, "{not json".getBytes(StandardCharsets.UTF_8)))
                .get();

        List<TokenChunk> chunks = chunks(untilLast(key, Duration.ofSeconds(30)));
        assertEquals(1, chunks.size());
        TokenChunk only = chunks.getFirst();
        assertEquals(key, only.requestId());
        assertEquals(FinishReason.ERROR, only.finishReason());
        assertEquals(ErrorCode.INVALID_JSON, only.error().code());
    }

    @Test
    void aPromptLongerThanTheContextGetsAnErrorChunk() throws Exception {
        String id = newId();
        PreparedRequest tooLong = withPrompt(request(id, false, null, 10, 1, null), USER_TURN + " a".repeat(41_000));
        producer.send(new ProducerRecord<>(Topics.INFERENCE, id, Messages.toJson(tooLong)))
                .get();

        TokenChunk only = chunks(untilLast(id, Duration.ofSeconds(60))).getFirst();
        assertEquals(FinishReason.ERROR, only.finishReason());
        assertEquals(ErrorCode.PROMPT_TOO_LONG, only.error().code());
        assertEquals(0, only.usage().thinkingTokens() + only.usage().answerTokens());
        assertTrue(only.usage().promptTokens() > 40_000, only.toString());
    }

    @Test
    void aConversationsNextTurnReusesThePrefixItSharesWithTheLastTurn() throws Exception {
        String conversation = "conv-" + UUID.randomUUID();
        String first = newId();
        PreparedRequest turn1 = inConversation(
                request(first, false, null, 6, 1, null), conversation, USER_TURN + "<think>\n\n</think>\n\n");
        producer.send(new ProducerRecord<>(Topics.INFERENCE, conversation, Messages.toJson(turn1)))
                .get();
        String answer = text(chunks(untilLast(first, Duration.ofSeconds(60))), Phase.ANSWER);

        // History keeps the answer only: the prompts part ways after turn 1's "<|im_start|>assistant\n".
        String second = newId();
        String prompt = USER_TURN + answer
                + "<|im_end|>\n<|im_start|>user\nAnd then?<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n";
        producer.send(new ProducerRecord<>(
                        Topics.INFERENCE,
                        conversation,
                        Messages.toJson(
                                inConversation(request(second, false, null, 6, 1, null), conversation, prompt))))
                .get();
        assertNotEquals(
                FinishReason.ERROR,
                chunks(untilLast(second, Duration.ofSeconds(60))).getLast().finishReason());

        String exposition = HttpClient.newHttpClient()
                .send(HttpRequest.newBuilder(metrics.toURI()).build(), HttpResponse.BodyHandlers.ofString())
                .body();
        assertTrue(
                meterValue(exposition, "qwenstream_worker_prefix_cache_lookups_total", "result=\"hit\"") >= 1,
                exposition);
        assertTrue(
                meterValue(exposition, "qwenstream_worker_prefix_cache_lookups_total", "result=\"miss\"") >= 1,
                exposition);
        assertTrue(
                meterValue(exposition, "qwenstream_worker_prefix_cache_reused_tokens_total", "") >= 5,
                "at least the user turn");
        assertTrue(meterValue(exposition, "qwenstream_worker_prefix_cache_size_bytes", "") > 0, exposition);
    }

    // ---- helpers ----------------------------------------------------------------------------------

    /** The value of the exposition line of {@code meter} whose labels contain {@code label}. */
    private static double meterValue(String exposition, String meter, String label) {
        return exposition
                .lines()
                .filter(l -> l.startsWith(meter + "{") && l.contains(label))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .findFirst()
                .orElseThrow(() -> new AssertionError(meter + " " + label + " not in\n" + exposition));
    }

    private static PreparedRequest inConversation(PreparedRequest r, String conversationId, String prompt) {
        return new PreparedRequest(
                r.schemaVersion(),
                r.requestId(),
                conversationId,
                r.tenant(),
                r.task(),
                prompt,
                r.promptTokens(),
                r.promptTextOnlyAt(),
                r.thinking(),
                r.sampling(),
                r.translate(),
                r.summarize(),
                r.messages(),
                r.stream(),
                r.deadlineAtMs(),
                r.receivedAtMs(),
                r.metadata());
    }

    private static PreparedRequest request(
            String id, boolean thinking, Integer budget, int maxTokens, long seed, Long deadlineAtMs) {
        String prompt = thinking ? USER_TURN : USER_TURN + "<think>\n\n</think>\n\n";
        return new PreparedRequest(
                Messages.SCHEMA_VERSION,
                id,
                null,
                null,
                Task.CHAT,
                prompt,
                9,
                null,
                new Thinking(thinking, budget),
                new PreparedRequest.ResolvedSampling(
                        thinking ? 0.6 : 0.7, thinking ? 0.95 : 0.8, 20, 0, 0, seed, maxTokens, List.of(), !thinking),
                null,
                null,
                List.of(ChatMessage.user("Hello")),
                true,
                deadlineAtMs,
                System.currentTimeMillis(),
                null);
    }

    /**
     * The PreparedRequest's answer_format reaches the engine: on the random-weight model a json_schema answer
     * parses and validates (networknt) after a free thinking, and a forced call is one {@code <tool_call>} whose
     * arguments validate against the function's parameters.
     */
    @Test
    void theAnswerFormatIsEnforcedOnTheAnswerOnly() throws Exception {
        Map<String, Object> schema =
                Messages.mapper().readValue("""
                        {"type":"object","additionalProperties":false,"required":["city","days","unit"],
                         "properties":{"city":{"type":"string","minLength":1,"maxLength":12},
                                       "days":{"type":"integer","minimum":1,"maximum":7},
                                       "unit":{"enum":["celsius","fahrenheit"]}}}""", new com.fasterxml.jackson.core.type.TypeReference<>() {});
        String json = newId();
        String call = newId();
        producer.send(new ProducerRecord<>(
                        Topics.INFERENCE,
                        json,
                        Messages.toJson(request(json, true, 6, 90, 5, null)
                                .withAnswerFormat(PreparedRequest.AnswerFormat.jsonSchema(schema)))))
                .get();
        Map<String, Map<String, Object>> functions = new java.util.LinkedHashMap<>();
        functions.put("get_weather", schema);
        functions.put("get_time", Map.of("type", "object"));
        producer.send(new ProducerRecord<>(
                        Topics.INFERENCE,
                        call,
                        Messages.toJson(request(call, false, null, 90, 6, null)
                                .withAnswerFormat(PreparedRequest.AnswerFormat.toolCall(functions)))))
                .get();

        var validators = com.networknt.schema.SchemaRegistry.withDefaultDialect(
                com.networknt.schema.SpecificationVersion.DRAFT_2020_12);
        List<TokenChunk> jsonChunks = chunks(untilLast(json, Duration.ofSeconds(90)));
        assertEquals(FinishReason.STOP, jsonChunks.getLast().finishReason(), jsonChunks.toString());
        assertTrue(text(jsonChunks, Phase.THINKING).startsWith("<think>\n"), "the thinking stays free");
        var value = Messages.mapper().readTree(text(jsonChunks, Phase.ANSWER));
        var errors = validators.getSchema(Messages.mapper().valueToTree(schema)).validate(value);
        assertTrue(errors.isEmpty(), () -> errors + " in " + value);

        List<TokenChunk> callChunks = chunks(untilLast(call, Duration.ofSeconds(90)));
        assertEquals(FinishReason.STOP, callChunks.getLast().finishReason(), callChunks.toString());
        String answer = text(callChunks, Phase.ANSWER).strip();
        assertTrue(answer.startsWith("<tool_call>\n{\"name\": \"") && answer.endsWith("}\n</tool_call>"), answer);
        var body = Messages.mapper()
                .readTree(answer.substring("<tool_call>".length(), answer.length() - "</tool_call>".length()));
        Map<String, Object> parameters = functions.get(body.path("name").asText());
        assertNotNull(parameters, answer);
        var argumentErrors =
                validators.getSchema(Messages.mapper().valueToTree(parameters)).validate(body.get("arguments"));
        assertTrue(argumentErrors.isEmpty(), () -> argumentErrors + " in " + answer);
    }

    private static PreparedRequest withPrompt(PreparedRequest r, String prompt) {
        return new PreparedRequest(
                r.schemaVersion(),
                r.requestId(),
                r.conversationId(),
                r.tenant(),
                r.task(),
                prompt,
                r.promptTokens(),
                r.promptTextOnlyAt(),
                r.thinking(),
                r.sampling(),
                r.translate(),
                r.summarize(),
                r.messages(),
                r.stream(),
                r.deadlineAtMs(),
                r.receivedAtMs(),
                r.metadata());
    }

    private static String newId() {
        return "req-" + UUID.randomUUID();
    }

    private static void poll() {
        for (ConsumerRecord<String, String> r : tokens.poll(Duration.ofMillis(200))) {
            byRequest.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(r);
        }
    }

    interface Condition {
        boolean holds() throws Exception;
    }

    /** Checks {@code condition} every 50 ms until it holds; fails after {@code timeout}. */
    private static void await(Condition condition, Duration timeout, String what) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.holds()) {
            if (System.nanoTime() > deadline) fail("not within " + timeout + ": " + what);
            Thread.sleep(50); // a pause between checks (the admin client, the metrics endpoint), not a wait for time
        }
    }

    /** Reads qwen.tokens up to the end it has now. */
    private static void pollToEnd() {
        Map<TopicPartition, Long> end = tokens.endOffsets(tokens.assignment());
        while (end.entrySet().stream().anyMatch(e -> tokens.position(e.getKey()) < e.getValue())) poll();
    }

    private static boolean hasLast(String id) {
        poll();
        return byRequest.getOrDefault(id, List.of()).stream().anyMatch(r -> chunk(r).isLast());
    }

    private static void awaitChunks(String id, int count, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (byRequest.getOrDefault(id, List.of()).size() < count) {
            if (System.nanoTime() > deadline) fail("no chunk of " + id + " within " + timeout);
            poll();
        }
    }

    /** The records of one request up to its last chunk. */
    private static List<ConsumerRecord<String, String>> untilLast(String id, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!hasLast(id)) {
            if (System.nanoTime() > deadline)
                fail("no last chunk of " + id + " within " + timeout + "; got " + byRequest.get(id));
        }
        return byRequest.get(id);
    }

    private static TokenChunk chunk(ConsumerRecord<String, String> r) {
        return Messages.fromJson(r.value(), TokenChunk.class);
    }

    private static List<TokenChunk> chunks(List<ConsumerRecord<String, String>> records) {
        return records.stream().map(InferenceWorkerTest::chunk).toList();
    }

    private static String text(List<TokenChunk> chunks, Phase phase) {
        return String.join(
                "",
                chunks.stream()
                        .filter(c -> c.phase() == phase)
                        .map(TokenChunk::text)
                        .toList());
    }

    private static int tokens(List<TokenChunk> chunks, Phase phase) {
        return chunks.stream()
                .filter(c -> c.phase() == phase)
                .mapToInt(TokenChunk::tokenCount)
                .sum();
    }

    private static String header(ConsumerRecord<String, String> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static long committed(TopicPartition partition) throws Exception {
        OffsetAndMetadata offset = admin.listConsumerGroupOffsets(GROUP)
                .partitionsToOffsetAndMetadata()
                .get()
                .get(partition);
        return offset == null ? -1 : offset.offset();
    }

    private static String theOnlyMember() throws Exception {
        ConsumerGroupDescription group = admin.describeConsumerGroups(List.of(GROUP))
                .describedGroups()
                .get(GROUP)
                .get();
        List<MemberDescription> members = List.copyOf(group.members());
        assertEquals(1, members.size(), group.toString());
        return members.getFirst().consumerId();
    }
}
