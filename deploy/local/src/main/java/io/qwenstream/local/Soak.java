package io.qwenstream.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qwenstream.local.SoakObserver.Track;
import io.qwenstream.local.client.LatencyStats;
import io.qwenstream.local.kafka.Topics;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * {@code ./qwenstream soak}: sends N requests at a steady rate to the pipeline {@code up} started, while it
 * SIGKILLs an inference worker K times (each time the one generating a request, then starts it again) and the
 * broker once, then counts what the producers were promised: every request exactly one final response, whose
 * text is what its stream showed after its last reset. Reports lost, duplicated and spliced responses,
 * latency, the time each killed worker's requests took to resume, and each service's heap. Exit 0 when
 * nothing was lost, duplicated, spliced or failed, else 1.
 */
final class Soak {

    /** How long the run keeps reading after the last answer, to catch late duplicates. */
    private static final Duration SETTLE = Duration.ofSeconds(5);
    /** How long a kill waits for a request to be mid-generation before it kills a worker anyway. */
    private static final Duration VICTIM_WAIT = Duration.ofSeconds(30);
    /** How long a started or restarted process may take to be ready. */
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(180);

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One SIGKILL of a worker: who, when, the requests it was generating then and their generations. */
    record Kill(
            String worker,
            long atMs,
            Map<String, Set<String>> inFlight,
            long reassignedAtMs,
            long readyAtMs,
            String failure) {}

    /** The broker's SIGKILL and restart. */
    record BrokerRestart(long atMs, long upAtMs, String failure) {}

    private Soak() {}

    static int run(Cluster cluster, SoakOptions options, PrintStream out, PrintStream err) {
        ClusterState state = cluster.runningState();
        Topics topics = state.topicNames();
        String prefix =
                "soak-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()) + "-";
        List<Kill> kills = new ArrayList<>();
        List<BrokerRestart> brokerRestarts = new ArrayList<>();
        AtomicInteger notSent = new AtomicInteger();
        try (SoakWorkers workers = new SoakWorkers(cluster, state.bootstrapServers())) {
            if (options.workers() > 1) {
                err.println("soak: starting " + (options.workers() - 1) + " more inference worker(s) in the group…");
                workers.startExtra(options.workers(), READY_TIMEOUT, err);
            }
            try (SoakObserver observer = new SoakObserver(state.bootstrapServers(), topics, prefix);
                    HeapSampler heap = new HeapSampler(() -> httpPorts(cluster), Duration.ofSeconds(2))) {
                long startMs = System.currentTimeMillis();
                long deadlineMs = startMs + options.timeout().toMillis();
                Thread sender = Thread.ofPlatform()
                        .name("soak-sender")
                        .start(() -> send(state.bootstrapServers(), topics, options, prefix, observer, notSent, err));
                faults(options, startMs, workers, cluster, observer, topics, kills, brokerRestarts, err);
                Interruptibly.join(sender);
                long backlog = awaitAnswers(observer, deadlineMs, err);
                ObjectNode report = report(
                        options,
                        observer,
                        backlog,
                        notSent.get(),
                        kills,
                        brokerRestarts,
                        heap.peaks(),
                        startMs,
                        (System.currentTimeMillis() - startMs) / 1e3);
                if (options.json()) {
                    out.println(report.toPrettyString());
                } else {
                    printTable(report, out);
                }
                return report.path("passed").asBoolean() ? Launcher.OK : Launcher.ERROR_RESPONSE;
            }
        }
    }

    /** The services' HTTP ports now, by name. */
    private static Map<String, Integer> httpPorts(Cluster cluster) {
        Map<String, Integer> ports = new LinkedHashMap<>();
        cluster.state().ifPresent(s -> s.services().forEach(service -> ports.put(service.name(), service.httpPort())));
        return ports;
    }

    /** Sends the requests, one every 1/rate s; a producer that rides out a broker restart (it blocks, retries). */
    private static void send(
            String bootstrapServers,
            Topics topics,
            SoakOptions options,
            String prefix,
            SoakObserver observer,
            AtomicInteger notSent,
            PrintStream err) {
        Map<String, Object> config = new HashMap<>();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ProducerConfig.CLIENT_ID_CONFIG, "qwenstream-soak");
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 300_000);
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 300_000);
        long start = System.nanoTime();
        int progressEvery = Math.max(100, options.requests() / 10);
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < options.requests(); i++) {
                pace(start, i, options.rate());
                String id = prefix + i;
                ObjectNode request = MalformedRecords.goodRequest(id);
                request.put("stream", true);
                request.putObject("thinking").put("enabled", i % 2 == 1);
                request.putObject("sampling")
                        .put("max_tokens", options.maxTokens())
                        .put("seed", i);
                observer.sent(id, System.currentTimeMillis());
                producer.send(
                        new ProducerRecord<>(
                                topics.requests(),
                                id.getBytes(StandardCharsets.UTF_8),
                                request.toString().getBytes(StandardCharsets.UTF_8)),
                        (metadata, e) -> {
                            if (e != null) notSent.incrementAndGet();
                        });
                if ((i + 1) % progressEvery == 0)
                    err.printf("soak: %,d of %,d requests sent%n", i + 1, options.requests());
            }
            producer.flush();
        }
    }

    private static void pace(long startNanos, int index, double rate) {
        long due = startNanos + (long) (index * 1e9 / rate);
        long wait = due - System.nanoTime();
        if (wait > 0) Interruptibly.sleep(TimeUnit.NANOSECONDS.toMillis(wait));
    }

    /**
     * The kills and the broker restart, evenly spread over the sending time (the broker's in the middle), one
     * after another: each waits until the previous restart is ready.
     */
    private static void faults(
            SoakOptions options,
            long startMs,
            SoakWorkers workers,
            Cluster cluster,
            SoakObserver observer,
            Topics topics,
            List<Kill> kills,
            List<BrokerRestart> brokerRestarts,
            PrintStream err) {
        int events = options.kills() + options.brokerRestarts();
        long sendingMs = (long) (options.requests() * 1000 / options.rate());
        int brokerAt = options.brokerRestarts() > 0 ? events / 2 : -1;
        for (int e = 0; e < events; e++) {
            long wait = startMs + (e + 1) * sendingMs / (events + 1) - System.currentTimeMillis();
            if (wait > 0) Interruptibly.sleep(wait);
            if (e == brokerAt) {
                brokerRestarts.add(restartBroker(cluster, err));
            } else {
                kills.add(killWorker(workers, observer, topics, err));
            }
        }
    }

    private static BrokerRestart restartBroker(Cluster cluster, PrintStream err) {
        long at = System.currentTimeMillis();
        try {
            cluster.restart("broker", true, READY_TIMEOUT, err);
            return new BrokerRestart(at, System.currentTimeMillis(), null);
        } catch (RuntimeException e) {
            err.println("soak: the broker restart failed: " + e.getMessage());
            return new BrokerRestart(at, -1, e.getMessage());
        }
    }

    /**
     * Waits for a request to be mid-generation, SIGKILLs the worker owning its partition of qwen.inference (else,
     * after a while, any worker) and starts it again.
     */
    private static Kill killWorker(SoakWorkers workers, SoakObserver observer, Topics topics, PrintStream err) {
        long until = System.currentTimeMillis() + VICTIM_WAIT.toMillis();
        String victim = null;
        Map<TopicPartition, String> owners = Map.of();
        while (victim == null && System.currentTimeMillis() < until) {
            owners = workers.owners();
            for (Track track : observer.tracks().values()) {
                int partition;
                synchronized (track) {
                    partition = track.generating() ? track.inferencePartition : -1;
                }
                String owner = owners.get(new TopicPartition(topics.inference(), partition));
                if (owner != null) {
                    victim = owner;
                    break;
                }
            }
            if (victim == null) Interruptibly.sleep(20);
        }
        if (victim == null) victim = workers.names().getFirst();
        String chosen = victim;
        Set<Integer> partitions = new java.util.HashSet<>();
        owners.forEach((partition, owner) -> {
            if (owner.equals(chosen)) partitions.add(partition.partition());
        });
        Map<String, Set<String>> inFlight = new LinkedHashMap<>();
        for (Track track : observer.tracks().values()) {
            synchronized (track) {
                if (track.generating() && partitions.contains(track.inferencePartition)) {
                    inFlight.put(track.requestId, track.generationIds());
                }
            }
        }
        long at = workers.kill(victim);
        err.printf(
                "soak: SIGKILLed %s with %d request(s) mid-generation; starting it again…%n", victim, inFlight.size());
        AtomicLong reassignedAt = new AtomicLong(-1);
        Thread watch = Thread.ofVirtual().start(() -> reassignedAt.set(awaitReassigned(workers, chosen, partitions)));
        try {
            workers.restart(victim, READY_TIMEOUT, err);
            long ready = System.currentTimeMillis();
            Interruptibly.join(watch);
            return new Kill(victim, at, inFlight, reassignedAt.get(), ready, null);
        } catch (RuntimeException e) {
            err.println("soak: the restart of " + victim + " failed: " + e.getMessage());
            Interruptibly.join(watch);
            return new Kill(victim, at, inFlight, reassignedAt.get(), -1, e.getMessage());
        }
    }

    /**
     * When every partition the killed worker owned has another owner in the group (Kafka's part of a takeover:
     * session expiry and rebalance), or -1 when the restarted worker got one back first or a minute passed.
     */
    private static long awaitReassigned(SoakWorkers workers, String victim, Set<Integer> partitions) {
        long until = System.currentTimeMillis() + 60_000;
        while (System.currentTimeMillis() < until) {
            Set<Integer> moved = new java.util.HashSet<>();
            boolean victimOwns = false;
            for (var entry : workers.owners().entrySet()) {
                if (!partitions.contains(entry.getKey().partition())) continue;
                if (entry.getValue().equals(victim)) {
                    victimOwns = true;
                } else {
                    moved.add(entry.getKey().partition());
                }
            }
            if (moved.equals(partitions)) return System.currentTimeMillis();
            if (victimOwns && !moved.isEmpty()) return -1; // the restarted worker took one back first
            Interruptibly.sleep(100);
        }
        return -1;
    }

    /**
     * Waits until every request sent has a final response, or the deadline; then settles for late duplicates.
     * Returns the most requests seen unanswered at once (the backlog the pipeline held once sending ended).
     */
    private static long awaitAnswers(SoakObserver observer, long deadlineMs, PrintStream err) {
        long lastReport = 0;
        long most = 0;
        while (System.currentTimeMillis() < deadlineMs) {
            long unanswered = observer.tracks().values().stream()
                    .filter(t -> {
                        synchronized (t) {
                            return t.finals.isEmpty();
                        }
                    })
                    .count();
            most = Math.max(most, unanswered);
            if (unanswered == 0) break;
            if (System.currentTimeMillis() - lastReport > 10_000) {
                err.printf("soak: waiting for %,d final response(s)…%n", unanswered);
                lastReport = System.currentTimeMillis();
            }
            Interruptibly.sleep(200);
        }
        Interruptibly.sleep(SETTLE.toMillis());
        return most;
    }

    private static ObjectNode report(
            SoakOptions options,
            SoakObserver observer,
            long backlog,
            int notSent,
            List<Kill> kills,
            List<BrokerRestart> brokerRestarts,
            Map<String, HeapSampler.Peak> heap,
            long startMs,
            double seconds) {
        int answered = 0;
        int duplicated = 0;
        int errors = 0;
        int rerun = 0;
        int reset = 0;
        List<String> lost = new ArrayList<>();
        List<String> spliced = new ArrayList<>();
        List<Double> latencies = new ArrayList<>();
        for (Track track : observer.tracks().values()) {
            synchronized (track) {
                if (track.generations.size() > 1) rerun++;
                if (track.resets > 0) reset++;
                if (track.finals.isEmpty()) {
                    lost.add(track.requestId);
                    continue;
                }
                answered++;
                if (track.finals.size() > 1) duplicated++;
                JsonNode answer = track.finals.getFirst();
                if (!"ok".equals(answer.path("status").asText())) errors++;
                if (!answer.path("thinking").asText("").equals(track.streamThinking.toString())
                        || !answer.path("content").asText("").equals(track.streamContent.toString())) {
                    spliced.add(track.requestId);
                }
                latencies.add((double) (track.firstFinalAtMs - track.sentAtMs));
            }
        }
        LatencyStats.Summary latency = LatencyStats.summarize(
                latencies.stream().mapToDouble(Double::doubleValue).toArray());

        ObjectNode report = JSON.createObjectNode();
        report.put("requests", options.requests());
        report.put("rate_per_s", options.rate());
        report.put("max_tokens", options.maxTokens());
        report.put("workers", options.workers());
        report.put("seconds", round(seconds));
        report.put("sent", observer.tracks().size() - notSent);
        report.put("not_sent", notSent);
        report.put("final_responses", answered);
        report.put("lost", lost.size());
        report.put("duplicated", duplicated);
        report.put("spliced", spliced.size());
        report.put("errors", errors);
        report.put("ran_again", rerun);
        report.put("with_reset", reset);
        report.put("max_unanswered", backlog);
        ObjectNode latencyNode = report.putObject("latency_ms");
        latencyNode.put("p50", round(latency.p50()));
        latencyNode.put("p99", round(latency.p99()));
        latencyNode.put("max", round(latency.max()));
        ArrayNode killNodes = report.putArray("kills");
        for (Kill kill : kills) {
            ObjectNode node = killNodes.addObject();
            node.put("worker", kill.worker());
            node.put("at_s", round((kill.atMs() - startMs) / 1e3));
            node.put("in_flight", kill.inFlight().size());
            long[] first = null; // the first request to resume: its new generation's times
            long all = 0;
            for (var entry : kill.inFlight().entrySet()) {
                Track track = observer.tracks().get(entry.getKey());
                long[] resumed;
                synchronized (track) {
                    resumed = track.anotherGeneration(entry.getValue());
                }
                if (resumed == null) {
                    all = -1;
                    continue;
                }
                if (first == null || resumed[0] < first[0]) first = resumed;
                if (all >= 0) all = Math.max(all, resumed[0] - kill.atMs());
            }
            node.put("resume_ms", first == null ? null : first[0] - kill.atMs());
            // Where the resume time went: until the new generation started (a slot free), then to its first token.
            node.put("restarted_generation_ms", first == null || first[1] < 0 ? null : first[1] - kill.atMs());
            node.put("prefill_ms", first == null || first[1] < 0 || first[2] < 0 ? null : first[2] - first[1]);
            node.put("all_resumed_ms", kill.inFlight().isEmpty() || all < 0 ? null : all);
            node.put("reassigned_ms", kill.reassignedAtMs() < 0 ? null : kill.reassignedAtMs() - kill.atMs());
            node.put("restarted_ready_ms", kill.readyAtMs() < 0 ? null : kill.readyAtMs() - kill.atMs());
            if (kill.failure() != null) node.put("failure", kill.failure());
        }
        ArrayNode brokerNodes = report.putArray("broker_restarts");
        for (BrokerRestart restart : brokerRestarts) {
            ObjectNode node = brokerNodes.addObject();
            node.put("at_s", round((restart.atMs() - startMs) / 1e3));
            node.put("up_again_ms", restart.upAtMs() < 0 ? null : restart.upAtMs() - restart.atMs());
            long firstFinal = observer.tracks().values().stream()
                    .mapToLong(t -> {
                        synchronized (t) {
                            return t.firstFinalAtMs;
                        }
                    })
                    .filter(at -> at > restart.atMs())
                    .min()
                    .orElse(-1);
            node.put("first_final_after_ms", firstFinal < 0 ? null : firstFinal - restart.atMs());
            if (restart.failure() != null) node.put("failure", restart.failure());
        }
        ObjectNode heapNode = report.putObject("heap_mib");
        heap.forEach((service, peak) -> {
            ObjectNode node = heapNode.putObject(service);
            node.put("used_max", peak.heapUsedMib());
            node.put("old_gen_used_max", peak.oldGenUsedMib());
            node.put("live_after_gc_max", peak.liveDataMib());
            node.put("samples", peak.samples());
        });
        report.putPOJO("lost_ids", lost.stream().sorted().limit(10).toList());
        report.putPOJO("spliced_ids", spliced.stream().sorted().limit(10).toList());
        boolean faultsOk = kills.stream().allMatch(k -> k.failure() == null)
                && brokerRestarts.stream().allMatch(b -> b.failure() == null);
        report.put(
                "passed",
                notSent == 0 && lost.isEmpty() && duplicated == 0 && spliced.isEmpty() && errors == 0 && faultsOk);
        return report;
    }

    private static void printTable(JsonNode report, PrintStream out) {
        out.printf(
                "soak: %d requests at %s/s (max_tokens %d), %d worker(s), %d worker kill(s), %d broker restart(s), %.1f s%n",
                report.path("requests").asInt(),
                report.path("rate_per_s").asText(),
                report.path("max_tokens").asInt(),
                report.path("workers").asInt(),
                report.path("kills").size(),
                report.path("broker_restarts").size(),
                report.path("seconds").asDouble());
        out.printf(
                "requests          %d sent, %d not sent%n",
                report.path("sent").asInt(), report.path("not_sent").asInt());
        out.printf(
                "final responses   %d: %d lost, %d duplicated, %d spliced, %d errors%n",
                report.path("final_responses").asInt(),
                report.path("lost").asInt(),
                report.path("duplicated").asInt(),
                report.path("spliced").asInt(),
                report.path("errors").asInt());
        out.printf(
                "generated again   %d requests (%d with a reset delta); at most %d unanswered once sending ended%n",
                report.path("ran_again").asInt(),
                report.path("with_reset").asInt(),
                report.path("max_unanswered").asLong());
        JsonNode latency = report.path("latency_ms");
        out.printf(
                "latency           p50 %.0f ms, p99 %.0f ms, max %.0f ms (sent to final response)%n",
                latency.path("p50").asDouble(),
                latency.path("p99").asDouble(),
                latency.path("max").asDouble());
        int n = 1;
        for (JsonNode kill : report.path("kills")) {
            out.printf(
                    "kill %d            %s at %.1f s, %d mid-generation: partitions moved %s ms, generation started"
                            + " again %s ms, first chunk %s ms (prefill %s ms; all resumed %s ms); restarted ready %s"
                            + " ms after the SIGKILL%n",
                    n++,
                    kill.path("worker").asText(),
                    kill.path("at_s").asDouble(),
                    kill.path("in_flight").asInt(),
                    kill.path("reassigned_ms").asText(),
                    kill.path("restarted_generation_ms").asText(),
                    kill.path("resume_ms").asText(),
                    kill.path("prefill_ms").asText(),
                    kill.path("all_resumed_ms").asText(),
                    kill.path("restarted_ready_ms").asText());
        }
        for (JsonNode restart : report.path("broker_restarts")) {
            out.printf(
                    "broker restart    at %.1f s: up again after %s ms, first final response %s ms after the kill%n",
                    restart.path("at_s").asDouble(),
                    restart.path("up_again_ms").asText(),
                    restart.path("first_final_after_ms").asText());
        }
        report.path("heap_mib")
                .properties()
                .forEach(entry -> out.printf(
                        "heap (MiB)        %-20s used max %.0f, old gen max %.0f, live after GC max %.0f%n",
                        entry.getKey(),
                        entry.getValue().path("used_max").asDouble(),
                        entry.getValue().path("old_gen_used_max").asDouble(),
                        entry.getValue().path("live_after_gc_max").asDouble()));
        out.println(report.path("passed").asBoolean() ? "PASSED" : "FAILED");
    }

    private static double round(double value) {
        return Math.round(value * 10) / 10.0;
    }
}
