package io.qwenstream.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qwenstream.local.MalformedRecords.Kind;
import io.qwenstream.local.MalformedRecords.Malformed;
import io.qwenstream.local.client.LatencyStats;
import io.qwenstream.local.client.LauncherException;
import io.qwenstream.local.client.PipelineClient;
import io.qwenstream.local.kafka.Topics;
import io.qwenstream.schemas.MessageValidator;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * {@code ./qwenstream fuzz}: sends malformed records ({@link MalformedRecords}) to the running pipeline while
 * good requests flow, then checks what the contract promises for bad input: each record in the requests'
 * dead-letter topic exactly once with its reason headers, exactly one error response for it (addressed by
 * its request_id, else its key), no service dead or restarted, and good requests' latency against a quiet
 * run. Exit 0 when every check holds, 1 when one does not.
 */
final class Fuzz {

    /** How long the checks keep reading after the last expected record, to catch late duplicates. */
    private static final Duration SETTLE = Duration.ofSeconds(3);

    /** Good requests sent before the quiet baseline and left out of it (the services' JIT, connections). */
    private static final int WARMUP = 3;

    /** How long one good request may take before it counts as failed. */
    private static final Duration GOOD_REQUEST_TIMEOUT = Duration.ofSeconds(60);

    private static final ObjectMapper JSON = new ObjectMapper();

    /** What came back for the malformed records, counted by request_id (= key). */
    private static final class Tally {
        final Map<String, Integer> deadLetters = new ConcurrentHashMap<>();
        final Map<String, Integer> responses = new ConcurrentHashMap<>();
        final AtomicInteger deadLettersWithoutReason = new AtomicInteger();
        final AtomicInteger responsesNotErrors = new AtomicInteger();
        final Map<String, Integer> reasons = new ConcurrentHashMap<>();
    }

    private Fuzz() {}

    static int run(Cluster cluster, FuzzOptions options, PrintStream out, PrintStream err) {
        ClusterState state = cluster.runningState();
        Topics topics = state.topicNames();
        String prefix =
                "fuzz-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()) + "-";

        err.println("fuzz: " + WARMUP + " warm-up and " + options.good()
                + " good requests alone first (the quiet baseline)…");
        List<Double> quiet = new ArrayList<>();
        int goodFailed;
        try (PipelineClient client =
                new PipelineClient(state.bootstrapServers(), topics, JSON, state.clientSecurity())) {
            goodFailed = goodRequests(client, prefix + "warmup-", WARMUP, new ArrayList<>(), () -> false);
            goodFailed += goodRequests(client, prefix + "quiet-", options.good(), quiet, () -> false);
        }

        Tally tally = new Tally();
        Map<Kind, Integer> sentByKind = new EnumMap<>(Kind.class);
        List<Double> underFuzz = new ArrayList<>();
        AtomicInteger notSent = new AtomicInteger();
        long started = System.nanoTime();
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(state);
                PipelineClient client =
                        new PipelineClient(state.bootstrapServers(), topics, JSON, state.clientSecurity())) {
            List<TopicPartition> watched = partitions(consumer, List.of(topics.requestsDlq(), topics.responses()));
            consumer.assign(watched);
            consumer.seekToEnd(watched);
            watched.forEach(consumer::position); // the end, resolved before the first record is sent

            Thread sender = Thread.ofPlatform()
                    .name("fuzz-sender")
                    .start(() -> send(state, topics, options, prefix, sentByKind, notSent, err));
            Thread reader = Thread.ofPlatform()
                    .name("fuzz-reader")
                    .start(() -> read(consumer, topics, prefix, options, tally, sender));
            goodFailed += goodRequests(client, prefix + "busy-", options.good(), underFuzz, sender::isAlive);
            Interruptibly.join(sender);
            Interruptibly.join(reader);
        }
        double seconds = (System.nanoTime() - started) / 1e9;

        ObjectNode report =
                report(state, options, sentByKind, notSent.get(), tally, quiet, underFuzz, goodFailed, seconds);
        if (options.json()) {
            out.println(report.toPrettyString());
        } else {
            printTable(report, out);
        }
        return report.path("passed").asBoolean() ? Launcher.OK : Launcher.ERROR_RESPONSE;
    }

    /** Good requests one after another; at least {@code count}, and more while {@code more} says so. */
    private static int goodRequests(
            PipelineClient client,
            String prefix,
            int count,
            List<Double> latenciesMs,
            java.util.function.BooleanSupplier more) {
        int failed = 0;
        for (int i = 0; i < count || more.getAsBoolean(); i++) {
            String id = prefix + i;
            byte[] payload = MalformedRecords.goodRequest(id).toString().getBytes(StandardCharsets.UTF_8);
            long sent = System.nanoTime();
            boolean ok;
            try {
                ok = client.exchange(
                                id.getBytes(StandardCharsets.UTF_8),
                                payload,
                                Set.of(id),
                                delta -> {},
                                GOOD_REQUEST_TIMEOUT)
                        .ok();
            } catch (LauncherException e) { // no answer in time: a failure to report, not a reason to stop
                ok = false;
            }
            latenciesMs.add((System.nanoTime() - sent) / 1e6);
            if (!ok) failed++;
        }
        return failed;
    }

    private static void send(
            ClusterState state,
            Topics topics,
            FuzzOptions options,
            String prefix,
            Map<Kind, Integer> sentByKind,
            AtomicInteger notSent,
            PrintStream err) {
        MalformedRecords records = new MalformedRecords(
                options.seed(), prefix, MessageValidator.DEFAULT_MAX_RECORD_BYTES, Topics.MAX_MESSAGE_BYTES);
        Map<String, Object> config = new HashMap<>(state.clientSecurity());
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, state.bootstrapServers());
        config.put(ProducerConfig.CLIENT_ID_CONFIG, "qwenstream-fuzz");
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Topics.MAX_MESSAGE_BYTES);
        config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        long start = System.nanoTime();
        int sent = 0;
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer())) {
            while (sent < options.records()) {
                for (Malformed record : records.next(Math.min(100, options.records() - sent), sent)) {
                    pace(start, sent, options.rate());
                    producer.send(
                            new ProducerRecord<>(
                                    topics.requests(), record.key().getBytes(StandardCharsets.UTF_8), record.value()),
                            (metadata, e) -> {
                                if (e != null) notSent.incrementAndGet();
                            });
                    synchronized (sentByKind) {
                        sentByKind.merge(record.kind(), 1, Integer::sum);
                    }
                    sent++;
                }
                if (sent % 1000 == 0 || sent == options.records()) {
                    err.printf("fuzz: %,d of %,d malformed records sent%n", sent, options.records());
                }
            }
            producer.flush();
        }
    }

    /** Sleeps until record {@code index} is due at {@code rate} per second. */
    private static void pace(long startNanos, int index, int rate) {
        long due = startNanos + index * 1_000_000_000L / rate;
        long wait = due - System.nanoTime();
        if (wait > 0) {
            try {
                TimeUnit.NANOSECONDS.sleep(wait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Counts what comes back until every record is answered and settled, or nothing moves for the timeout. */
    private static void read(
            KafkaConsumer<byte[], byte[]> consumer,
            Topics topics,
            String prefix,
            FuzzOptions options,
            Tally tally,
            Thread sender) {
        long lastProgress = System.nanoTime();
        long completeSince = 0;
        while (true) {
            boolean progress = false;
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                if (record.topic().equals(topics.requestsDlq())) {
                    String key = record.key() == null ? "" : new String(record.key(), StandardCharsets.UTF_8);
                    if (!key.startsWith(prefix)) continue;
                    tally.deadLetters.merge(key, 1, Integer::sum);
                    var reason = record.headers().lastHeader("dlq.reason");
                    if (reason == null || reason.value().length == 0) {
                        tally.deadLettersWithoutReason.incrementAndGet();
                    } else {
                        tally.reasons.merge(new String(reason.value(), StandardCharsets.UTF_8), 1, Integer::sum);
                    }
                } else {
                    JsonNode response = PipelineClient.parseObject(JSON, record.value());
                    String id =
                            response == null ? "" : response.path("request_id").asText("");
                    if (!id.startsWith(prefix) || id.startsWith(prefix + "busy-")) continue;
                    tally.responses.merge(id, 1, Integer::sum);
                    if (!"error".equals(response.path("status").asText())
                            || response.path("error").path("code").asText("").isEmpty()) {
                        tally.responsesNotErrors.incrementAndGet();
                    }
                }
                progress = true;
            }
            long now = System.nanoTime();
            if (progress || sender.isAlive()) lastProgress = now;
            boolean complete = !sender.isAlive()
                    && tally.deadLetters.size() >= options.records()
                    && tally.responses.size() >= options.records();
            if (complete && completeSince == 0) completeSince = now;
            if (complete && now - completeSince > SETTLE.toNanos()) return;
            if (now - lastProgress > options.timeout().toNanos()) return;
        }
    }

    private static ObjectNode report(
            ClusterState state,
            FuzzOptions options,
            Map<Kind, Integer> sentByKind,
            int notSent,
            Tally tally,
            List<Double> quiet,
            List<Double> underFuzz,
            int goodFailed,
            double seconds) {
        int records = options.records();
        int dlqOnce =
                (int) tally.deadLetters.values().stream().filter(n -> n == 1).count();
        int dlqMore =
                (int) tally.deadLetters.values().stream().filter(n -> n > 1).count();
        int respOnce =
                (int) tally.responses.values().stream().filter(n -> n == 1).count();
        int respMore =
                (int) tally.responses.values().stream().filter(n -> n > 1).count();
        List<String> dead = new ArrayList<>();
        for (ClusterState.Service service : state.services()) {
            if (service.process().live().isEmpty()) dead.add(service.name());
        }
        if (state.broker().live().isEmpty()) dead.add("broker");

        double quietP99 = percentile(quiet, 99);
        double busyP99 = percentile(underFuzz, 99);
        ObjectNode report = JSON.createObjectNode();
        report.put("records", records);
        report.put("seed", options.seed());
        report.put("seconds", Math.round(seconds * 10) / 10.0);
        ObjectNode kinds = report.putObject("sent_by_kind");
        sentByKind.forEach((kind, n) -> kinds.put(kind.name().toLowerCase(), n));
        report.put("not_sent", notSent);
        ObjectNode dlq = report.putObject("dead_letters");
        dlq.put("exactly_once", dlqOnce);
        dlq.put("missing", records - tally.deadLetters.size());
        dlq.put("duplicated", dlqMore);
        dlq.put("without_reason", tally.deadLettersWithoutReason.get());
        ObjectNode reasons = dlq.putObject("reasons");
        new java.util.TreeMap<>(tally.reasons).forEach(reasons::put);
        ObjectNode responses = report.putObject("error_responses");
        responses.put("exactly_once", respOnce);
        responses.put("missing", records - tally.responses.size());
        responses.put("duplicated", respMore);
        responses.put("not_an_error", tally.responsesNotErrors.get());
        report.putPOJO("services_dead_or_restarted", dead);
        ObjectNode good = report.putObject("good_requests");
        good.put("quiet", quiet.size());
        good.put("under_fuzz", underFuzz.size());
        good.put("failed", goodFailed);
        good.put("quiet_p50_ms", round(percentile(quiet, 50)));
        good.put("quiet_p99_ms", round(quietP99));
        good.put("under_fuzz_p50_ms", round(percentile(underFuzz, 50)));
        good.put("under_fuzz_p99_ms", round(busyP99));
        good.put("p99_ratio", round(busyP99 / quietP99));
        boolean passed = notSent == 0
                && dlqOnce == records
                && tally.deadLettersWithoutReason.get() == 0
                && respOnce == records
                && tally.responsesNotErrors.get() == 0
                && dead.isEmpty()
                && goodFailed == 0;
        // Latency is reported, not judged: on a machine shared with the services it is a measurement.
        report.put("passed", passed);
        return report;
    }

    private static void printTable(ObjectNode report, PrintStream out) {
        JsonNode dlq = report.path("dead_letters");
        JsonNode responses = report.path("error_responses");
        JsonNode good = report.path("good_requests");
        out.printf(
                "malformed records   %,d sent in %.1f s (%s), seed %d%n",
                report.path("records").asInt(),
                report.path("seconds").asDouble(),
                report.path("sent_by_kind"),
                report.path("seed").asLong());
        out.printf(
                "dead letters        %,d exactly once, %d missing, %d duplicated, %d without reason%n",
                dlq.path("exactly_once").asInt(),
                dlq.path("missing").asInt(),
                dlq.path("duplicated").asInt(),
                dlq.path("without_reason").asInt());
        out.printf(
                "error responses     %,d exactly once, %d missing, %d duplicated, %d not an error%n",
                responses.path("exactly_once").asInt(),
                responses.path("missing").asInt(),
                responses.path("duplicated").asInt(),
                responses.path("not_an_error").asInt());
        out.printf(
                "services            %s%n",
                report.path("services_dead_or_restarted").isEmpty()
                        ? "all alive, none restarted"
                        : "dead or restarted: " + report.path("services_dead_or_restarted"));
        out.printf(
                "good requests       p50 %.0f -> %.0f ms, p99 %.0f -> %.0f ms (x%.2f) quiet -> under fuzz, %d failed%n",
                good.path("quiet_p50_ms").asDouble(),
                good.path("under_fuzz_p50_ms").asDouble(),
                good.path("quiet_p99_ms").asDouble(),
                good.path("under_fuzz_p99_ms").asDouble(),
                good.path("p99_ratio").asDouble(),
                good.path("failed").asInt());
        out.println(report.path("passed").asBoolean() ? "PASSED" : "FAILED");
    }

    private static KafkaConsumer<byte[], byte[]> consumer(ClusterState state) {
        Map<String, Object> config = new HashMap<>(state.clientSecurity());
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, state.bootstrapServers());
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "qwenstream-fuzz-reader");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 2 * Topics.MAX_MESSAGE_BYTES);
        return new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    private static List<TopicPartition> partitions(KafkaConsumer<byte[], byte[]> consumer, List<String> topics) {
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : topics) {
            consumer.partitionsFor(topic).forEach(info -> partitions.add(new TopicPartition(topic, info.partition())));
        }
        return partitions;
    }

    /** Nearest-rank percentile 50 or 99 (as {@link LatencyStats}); NaN when empty. */
    private static double percentile(List<Double> values, int p) {
        LatencyStats.Summary summary = LatencyStats.summarize(
                values.stream().mapToDouble(Double::doubleValue).toArray());
        return p == 50 ? summary.p50() : summary.p99();
    }

    private static double round(double value) {
        return Math.round(value * 10) / 10.0;
    }
}
