package io.qwenstream.benchmarks.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qwenstream.engine.Qwen3;
import io.qwenstream.local.Launcher;
import io.qwenstream.local.RunningPipeline;
import io.qwenstream.local.client.CommandLine.UsageException;
import io.qwenstream.local.client.LatencyStats;
import io.qwenstream.local.client.LatencyStats.Measures;
import io.qwenstream.local.client.LatencyStats.Sample;
import io.qwenstream.local.client.LatencyStats.Summary;
import io.qwenstream.local.client.LatencyStats.Throughput;
import io.qwenstream.local.client.LauncherException;
import io.qwenstream.local.client.PipelineClient;
import io.qwenstream.local.kafka.Topics;
import io.qwenstream.schemas.ChatMessage;
import io.qwenstream.schemas.InferenceRequest;
import io.qwenstream.schemas.Messages;
import io.qwenstream.schemas.Sampling;
import io.qwenstream.schemas.Task;
import io.qwenstream.schemas.Thinking;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * {@code ./qwenstream bench-pipeline}: latency through the running pipeline (three services, the
 * Kafka hops between them) against the engine alone on the same model and prompt, in one run.
 *
 * <p>Pipeline: InferenceRequests (one user message, {@code stream: true}, thinking off unless
 * {@code --think}, the mode's sampling defaults with a fixed seed, {@code max_tokens}) are produced to
 * qwen.requests in a closed loop with C in flight; qwen.responses.stream (ResponseDelta) and
 * qwen.responses are read as any client reads them (read_committed, no group). Per request: time to
 * first token = first delta − produce; time per token = (last delta − first delta) / (thinking +
 * answer tokens of the final usage − 1); the gaps between deltas; produce → final response.
 *
 * <p>Engine alone: {@link EngineAloneBench}, the same prompt and options with C sequences in its
 * batch scheduler. "Added by the pipeline" is pipeline − engine, percentile by percentile. After the
 * warm-up, the measured requests run in rounds, each through the pipeline and then the engine alone,
 * so that a load change on a shared machine hits both sides alike.
 *
 * <p>Thinking is off by default because the answer then streams from the first generated token;
 * in thinking mode the generator's forced {@code <think>\n} opening carries no delta text.
 */
public final class PipelineBench {

    static final String USAGE_TEXT = """
            usage: ./qwenstream bench-pipeline [--requests N] [--concurrency C] [--max-tokens T] [--warmup W] [--rounds R]
                                              [--prompt TEXT] [--think] [--timeout S] [--json]
                Latency through the running pipeline (./qwenstream up) against the engine alone (same model and prompt):
                time to first token, time per output token, p50/p90/p99 (docs/performance.md).

            Exit status: 0 ok, 1 a pipeline request ended in an error response, 2 bad arguments, 3 not up / timeout.
            """;

    static final long SEED = 42;
    /** The goals of the issue: ms added by the pipeline. */
    static final double TTFT_GOAL_MS = 20;

    static final double PER_TOKEN_P99_GOAL_MS = 5;

    private final RunningPipeline target;
    private final PipelineBenchOptions options;
    private final PrintStream out;
    private final PrintStream err;
    private final ObjectMapper json = new ObjectMapper();

    PipelineBench(RunningPipeline target, PipelineBenchOptions options, PrintStream out, PrintStream err) {
        this.target = target;
        this.options = options;
        this.out = out;
        this.err = err;
    }

    /** {@code ./qwenstream bench-pipeline}: the launcher's settings ({@code qwenstream.root}, its state dir). */
    public static void main(String[] args) {
        // Our own Kafka clients: their warnings (e.g. retries while a broker is down) would drown our messages.
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "error");
        Path root = RunningPipeline.root();
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        System.exit(run(root, RunningPipeline.stateDir(root), Arrays.asList(args), out, System.err));
    }

    /** The verb: both runs, then the report; returns the exit status, the launcher's. */
    static int run(Path root, Path stateDir, List<String> args, PrintStream out, PrintStream err) {
        if (args.contains("--help") || args.contains("-h")) {
            out.print(USAGE_TEXT);
            return Launcher.OK;
        }
        try {
            PipelineBenchOptions options = PipelineBenchOptions.parse(args);
            return new PipelineBench(RunningPipeline.of(root, stateDir), options, out, err).run()
                    ? Launcher.OK
                    : Launcher.ERROR_RESPONSE;
        } catch (UsageException e) {
            err.println("error: " + e.getMessage());
            err.print(USAGE_TEXT);
            return Launcher.USAGE;
        } catch (RuntimeException e) {
            err.println("error: " + (e instanceof LauncherException ? e.getMessage() : e.toString()));
            return Launcher.FAILED;
        }
    }

    boolean run() {
        Machine machine = Machine.current();
        List<Double> loads = new ArrayList<>(List.of(Machine.loadAverage()));
        List<Integer> rounds = roundSizes(options.requests(), options.rounds());
        List<List<Sample>> pipelineRounds = new ArrayList<>();
        List<List<Sample>> engineRounds = new ArrayList<>();
        List<PipelineLoad.Done> pipelineDone = new ArrayList<>();
        EngineAloneBench.Prompt prompt;
        try (PipelineLoad pipeline =
                        new PipelineLoad(target.bootstrapServers(), target.topics(), target.clientSecurity());
                EngineAloneBench engine = EngineAloneBench.load(
                        Path.of(target.model()),
                        target.tokenizer() == null ? null : Path.of(target.tokenizer()),
                        options.prompt(),
                        options.thinking())) {
            prompt = engine.prompt();
            if (options.warmup() > 0) {
                err.printf(
                        "bench-pipeline: warm-up, %d requests through the pipeline and the engine alone…%n",
                        options.warmup());
                pipeline.round(options.warmup());
                engine.run(options.warmup(), options.concurrency(), options.maxTokens(), SEED, options.timeout());
            }
            // Rounds alternate pipeline and engine alone, so that a load change on a shared machine hits both alike.
            for (int i = 0; i < rounds.size(); i++) {
                err.printf(
                        "bench-pipeline: round %d of %d: %d requests, %d in flight, through the pipeline, then the engine alone…%n",
                        i + 1, rounds.size(), rounds.get(i), options.concurrency());
                List<PipelineLoad.Done> done = pipeline.round(rounds.get(i));
                pipelineDone.addAll(done);
                pipelineRounds.add(done.stream()
                        .filter(PipelineLoad.Done::ok)
                        .map(PipelineLoad.Done::sample)
                        .toList());
                loads.add(Machine.loadAverage());
                engineRounds.add(
                        engine.run(rounds.get(i), options.concurrency(), options.maxTokens(), SEED, options.timeout()));
                loads.add(Machine.loadAverage());
            }
        }
        PipelineResult pipeline = PipelineResult.of(pipelineDone);
        List<Sample> engineSamples = engineRounds.stream().flatMap(List::stream).toList();

        Report report = new Report(
                options,
                target.model(),
                prompt.ids().length,
                machine,
                loads.stream().mapToDouble(Double::doubleValue).toArray(),
                Measures.of(pipeline.samples()),
                pipeline.stages(),
                Throughput.of(pipelineRounds),
                pipeline.errors(),
                Measures.of(engineSamples),
                Throughput.of(engineRounds));
        if (options.json()) {
            out.println(report.toJson(json));
        } else {
            report.print(out);
        }
        if (!pipeline.errors().isEmpty()) {
            err.println("error: " + pipeline.errors().size() + " pipeline requests ended in an error response, e.g. "
                    + pipeline.errors().getFirst());
            return false;
        }
        return true;
    }

    /** {@code requests} split into {@code rounds} nearly equal rounds (at most one per request), the larger ones first. */
    static List<Integer> roundSizes(int requests, int rounds) {
        int n = Math.min(requests, rounds);
        List<Integer> sizes = new ArrayList<>();
        for (int i = 0; i < n; i++) sizes.add(requests / n + (i < requests % n ? 1 : 0));
        return sizes;
    }

    /** The request the bench sends: what {@code ask --no-think --max-tokens T} sends, plus explicit sampling with a fixed seed. */
    static InferenceRequest request(String requestId, PipelineBenchOptions options) {
        // The mode's model-card defaults spelled out, so that the engine-alone run provably samples alike.
        Qwen3.SamplingDefaults d = Qwen3.samplingDefaults(options.thinking());
        Sampling sampling =
                new Sampling(d.temperature(), d.topP(), d.topK(), d.minP(), 0.0, SEED, options.maxTokens(), null, null);
        return new InferenceRequest(
                Messages.SCHEMA_VERSION,
                requestId,
                null,
                null,
                Task.CHAT,
                List.of(ChatMessage.user(options.prompt())),
                null,
                null,
                new Thinking(options.thinking(), null),
                sampling,
                null,
                null,
                null,
                true,
                null,
                null);
    }

    /** The pipeline's samples (measured requests with an ok response), the error responses described, where the TTFT went. */
    record PipelineResult(List<Sample> samples, List<String> errors, TtftStages stages) {

        static PipelineResult of(List<PipelineLoad.Done> done) {
            List<Sample> samples = new ArrayList<>();
            List<String> errors = new ArrayList<>();
            List<double[]> legs = new ArrayList<>();
            List<double[]> workerOwn = new ArrayList<>();
            for (PipelineLoad.Done request : done) {
                if (!request.ok()) {
                    errors.add(request.error());
                    continue;
                }
                samples.add(request.sample());
                legs.add(request.legs());
                workerOwn.add(request.workerOwn());
            }
            return new PipelineResult(samples, errors, TtftStages.of(legs, workerOwn));
        }
    }

    /**
     * The pipeline's time to first token in three legs, by when this client sees each record:
     * produce → the PreparedRequest on qwen.inference (ingest), → the first TokenChunk on qwen.tokens
     * (worker: its queue, prefill, first tokens, chunking), → the first ResponseDelta (postprocess).
     * Also the worker's own first token, time per token and queue, from the responses' timings.
     */
    record TtftStages(
            Summary ingest,
            Summary worker,
            Summary postprocess,
            Summary workerFirstToken,
            Summary workerPerToken,
            Summary workerQueue) {

        static TtftStages of(List<double[]> legs, List<double[]> workerOwn) {
            return new TtftStages(
                    leg(legs, 0), leg(legs, 1), leg(legs, 2), leg(workerOwn, 0), leg(workerOwn, 1), leg(workerOwn, 2));
        }

        private static Summary leg(List<double[]> legs, int index) {
            return LatencyStats.summarize(
                    legs.stream().mapToDouble(leg -> leg[index]).toArray());
        }
    }

    /**
     * Drives the pipeline: one producer, one consumer of both response topics on this thread. Each
     * final response produces the next request, so C stay in flight. Receive times are taken when a
     * poll returns, i.e. when this client could first show the records.
     */
    private final class PipelineLoad implements AutoCloseable {

        /** One request on its way. */
        private final class InFlight {
            final long sentNanos;
            final List<Long> deltaNanos = new ArrayList<>();
            long lastSeq = -1;
            long preparedNanos = -1;
            long firstChunkNanos = -1;
            long doneNanos = -1;
            JsonNode response;

            InFlight(long sentNanos) {
                this.sentNanos = sentNanos;
            }
        }

        private final Topics topics;
        private final String bootstrapServers;
        private final KafkaProducer<byte[], byte[]> producer;
        private final KafkaConsumer<byte[], byte[]> consumer;
        private final String runId = UUID.randomUUID().toString().substring(0, 8);
        private final Map<String, InFlight> byId = new HashMap<>();
        private final List<InFlight> requests = new ArrayList<>();
        private final AtomicReference<Exception> produceFailure = new AtomicReference<>();
        private List<TopicPartition> streamPartitions;
        private int roundEnd;
        private int finished;

        PipelineLoad(String bootstrapServers, Topics topics, Map<String, Object> security) {
            this.topics = topics;
            this.bootstrapServers = bootstrapServers;
            Map<String, Object> producerConfig = new HashMap<>(security);
            producerConfig.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
            producerConfig.put(ProducerConfig.CLIENT_ID_CONFIG, "qwenstream-bench");
            producerConfig.put(ProducerConfig.ACKS_CONFIG, "all");
            // Kafka 4 batches for 5 ms by default: the clock starts at send(), so send at once.
            producerConfig.put(ProducerConfig.LINGER_MS_CONFIG, 0);
            producerConfig.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
            producer = new KafkaProducer<>(producerConfig, new ByteArraySerializer(), new ByteArraySerializer());

            Map<String, Object> consumerConfig = new HashMap<>(security);
            consumerConfig.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
            consumerConfig.put(ConsumerConfig.CLIENT_ID_CONFIG, "qwenstream-bench");
            consumerConfig.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
            // Like every reader of the post-processor's exactly-once output: only committed records.
            consumerConfig.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            consumerConfig.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000);
            // The broker answers a fetch as soon as records are readable; this only bounds an idle wait.
            consumerConfig.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 10);
            consumer = new KafkaConsumer<>(consumerConfig, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        }

        /**
         * A finished request: ok with its sample, TTFT legs and the worker's own times, or the error
         * response described.
         */
        record Done(boolean ok, Sample sample, double[] legs, double[] workerOwn, String error) {}

        /** Sends {@code count} requests, C in flight, and returns them once every one has its final response and deltas. */
        List<Done> round(int count) {
            if (streamPartitions == null) assignAtEnd();
            int first = requests.size();
            roundEnd = first + count;
            finished = 0;
            for (int i = 0; i < Math.min(options.concurrency(), count); i++) produceNext();
            long lastProgress = System.nanoTime();
            while (finished < count) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(5));
                long now = System.nanoTime();
                if (handle(records, now)) lastProgress = now;
                if (produceFailure.get() != null) {
                    throw new LauncherException("cannot produce to " + topics.requests() + ": "
                            + produceFailure.get().getMessage());
                }
                if (now - lastProgress > options.timeout().toNanos()) {
                    throw new LauncherException(
                            "no response within " + options.timeout().toSeconds() + " s (" + finished + " of " + count
                                    + " requests of this round done; is every service up? logs in .qwenstream/logs)");
                }
            }
            drain();
            return requests.subList(first, roundEnd).stream().map(this::done).toList();
        }

        private Done done(InFlight request) {
            JsonNode response = request.response;
            if (!"ok".equals(response.path("status").asText())) {
                return new Done(
                        false,
                        null,
                        null,
                        null,
                        response.path("request_id").asText() + ": " + PipelineClient.describeError(response));
            }
            JsonNode usage = response.path("usage");
            int tokens = usage.path("thinking_tokens").asInt()
                    + usage.path("answer_tokens").asInt();
            Sample sample = new Sample(
                    request.sentNanos,
                    request.deltaNanos.stream().mapToLong(Long::longValue).toArray(),
                    tokens,
                    request.doneNanos);
            long firstDelta = request.deltaNanos.isEmpty() ? -1 : request.deltaNanos.getFirst();
            double[] legs = {
                span(request.sentNanos, request.preparedNanos),
                span(request.preparedNanos, request.firstChunkNanos),
                span(request.firstChunkNanos, firstDelta)
            };
            return new Done(true, sample, legs, workerOwnTimes(response.path("timings"), tokens), null);
        }

        /**
         * The worker's own clock, from the response's timings (ms since ingest received the request):
         * started → first token (ttft − queue), (last chunk − first token) / (tokens − 1), and the queue
         * (ingest received → the worker started it: ingest, the worker's poll, its admission and a free
         * sequence slot). Whole milliseconds; they tell a slower engine (sharing the CPU with the rest)
         * from slower delivery, and waiting from working.
         */
        private static double[] workerOwnTimes(JsonNode timings, int tokens) {
            if (!timings.hasNonNull("ttft_ms")) return new double[] {Double.NaN, Double.NaN, Double.NaN};
            double ttft = timings.path("ttft_ms").asDouble();
            double firstToken = ttft - timings.path("queue_ms").asDouble();
            double perToken =
                    tokens < 2 ? Double.NaN : (timings.path("total_ms").asDouble() - ttft) / (tokens - 1);
            return new double[] {firstToken, perToken, timings.path("queue_ms").asDouble(Double.NaN)};
        }

        /** Milliseconds from one observed moment to the next; NaN when either was not observed. */
        private static double span(long from, long to) {
            return from < 0 || to < 0 ? Double.NaN : LatencyStats.millis(to - from);
        }

        /** Reads the response topics, and the two inner ones to see where the TTFT goes, from their current ends. */
        private void assignAtEnd() {
            streamPartitions = partitionsOf(topics.responsesStream());
            List<TopicPartition> partitions = new ArrayList<>(streamPartitions);
            partitions.addAll(partitionsOf(topics.responses()));
            partitions.addAll(partitionsOf(topics.inference()));
            partitions.addAll(partitionsOf(topics.tokens()));
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position); // resolve the end offsets before any request exists
        }

        private List<TopicPartition> partitionsOf(String topic) {
            List<PartitionInfo> infos;
            try {
                infos = consumer.partitionsFor(topic);
            } catch (org.apache.kafka.common.errors.TimeoutException e) {
                throw new LauncherException(
                        "cannot reach Kafka at " + bootstrapServers + " (is ./qwenstream up running?)", e);
            }
            if (infos == null || infos.isEmpty())
                throw new LauncherException("topic " + topic + " does not exist on " + bootstrapServers);
            return infos.stream()
                    .map(info -> new TopicPartition(info.topic(), info.partition()))
                    .toList();
        }

        private void produceNext() {
            int index = requests.size();
            if (index >= roundEnd) return;
            String requestId = "bench-" + runId + "-" + index;
            byte[] payload = Messages.toJson(request(requestId, options));
            ProducerRecord<byte[], byte[]> record =
                    new ProducerRecord<>(topics.requests(), requestId.getBytes(StandardCharsets.UTF_8), payload);
            record.headers()
                    .add(new RecordHeader(
                            "traceparent", PipelineClient.newTraceparent().getBytes(StandardCharsets.US_ASCII)));
            InFlight request = new InFlight(System.nanoTime());
            requests.add(request);
            byId.put(requestId, request);
            producer.send(record, (metadata, e) -> {
                if (e != null) produceFailure.compareAndSet(null, e);
            });
        }

        /** Records deltas and final responses of our requests; true when a request finished. */
        private boolean handle(ConsumerRecords<byte[], byte[]> records, long now) {
            boolean progress = false;
            for (ConsumerRecord<byte[], byte[]> record : records) {
                JsonNode message = PipelineClient.parseObject(json, record.value());
                if (message == null) continue;
                InFlight request = byId.get(message.path("request_id").asText(""));
                if (request == null) continue; // another client's traffic
                if (record.topic().equals(topics.inference())) {
                    if (request.preparedNanos < 0) request.preparedNanos = now;
                } else if (record.topic().equals(topics.tokens())) {
                    if (request.firstChunkNanos < 0) request.firstChunkNanos = now;
                } else if (record.topic().equals(topics.responses())) {
                    if (request.response != null) continue; // a redelivered response
                    request.response = message;
                    request.doneNanos = now;
                    finished++;
                    progress = true;
                    produceNext();
                } else {
                    long seq = message.path("seq").asLong(-1);
                    if (seq <= request.lastSeq) continue; // a redelivered delta
                    request.lastSeq = seq;
                    request.deltaNanos.add(now);
                }
            }
            return progress;
        }

        /**
         * A final response can overtake the last deltas of its request (another topic): read the
         * stream up to its current end so that every request's last delta is counted.
         */
        private void drain() {
            Map<TopicPartition, Long> ends = consumer.endOffsets(streamPartitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (ends.entrySet().stream().anyMatch(end -> consumer.position(end.getKey()) < end.getValue())
                    && System.nanoTime() < deadline) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(5));
                handle(records, System.nanoTime());
            }
        }

        @Override
        public void close() {
            producer.close(Duration.ofSeconds(5));
            consumer.close(Duration.ofSeconds(5));
        }
    }

    /** The machine the numbers come from: CPU model and count; the 1-minute load average when asked. */
    record Machine(String cpu, int cpus) {

        static Machine current() {
            String cpu = "unknown CPU";
            try {
                for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                    if (line.startsWith("model name")) {
                        cpu = line.substring(line.indexOf(':') + 1).strip();
                        break;
                    }
                }
            } catch (IOException | RuntimeException e) {
                // not Linux: the CPU stays unnamed
            }
            return new Machine(cpu, Runtime.getRuntime().availableProcessors());
        }

        /** The 1-minute load average (runnable processes, over all CPUs), or NaN where unknown. */
        static double loadAverage() {
            return java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                    .getSystemLoadAverage();
        }
    }

    /** Everything measured, printed as a table or as JSON. */
    record Report(
            PipelineBenchOptions options,
            String model,
            int promptTokens,
            Machine machine,
            double[] loads,
            Measures pipeline,
            TtftStages stages,
            Throughput pipelineThroughput,
            List<String> pipelineErrors,
            Measures engine,
            Throughput engineThroughput) {

        double addedTtftP50() {
            return pipeline.ttft().p50() - engine.ttft().p50();
        }

        double addedTtftP99() {
            return pipeline.ttft().p99() - engine.ttft().p99();
        }

        double addedPerTokenP50() {
            return pipeline.perToken().p50() - engine.perToken().p50();
        }

        double addedPerTokenP99() {
            return pipeline.perToken().p99() - engine.perToken().p99();
        }

        void print(PrintStream out) {
            out.printf(
                    Locale.ROOT,
                    "bench-pipeline: %d requests (+%d warm-up) in %d rounds, %d in flight, max_tokens %d, thinking %s, seed %d%n",
                    options.requests(),
                    options.warmup(),
                    roundSizes(options.requests(), options.rounds()).size(),
                    options.concurrency(),
                    options.maxTokens(),
                    options.thinking() ? "on" : "off",
                    SEED);
            out.printf(Locale.ROOT, "  model    %s; prompt %d tokens: \"%s\"%n", model, promptTokens, options.prompt());
            double[] during = java.util.Arrays.copyOfRange(loads, 1, loads.length);
            out.printf(
                    Locale.ROOT,
                    "  machine  %s, %d CPUs; 1-min load %.2f before, %.2f to %.2f at the ends of the rounds%n",
                    machine.cpu(),
                    machine.cpus(),
                    loads[0],
                    java.util.Arrays.stream(during).min().orElse(Double.NaN),
                    java.util.Arrays.stream(during).max().orElse(Double.NaN));
            out.println();
            out.printf("  %-9s %-22s %6s %9s %9s %9s %9s %9s  (ms)%n", "", "", "n", "p50", "p90", "p99", "mean", "max");
            row(out, "pipeline", "time to first token", pipeline.ttft());
            row(out, "", "time per output token", pipeline.perToken());
            row(out, "", "gap between deltas", pipeline.gaps());
            row(out, "", "send to final response", pipeline.total());
            row(out, " TTFT leg", "ingest (to inference)", stages.ingest());
            row(out, "", "worker (to 1st chunk)", stages.worker());
            row(out, "", "postprocess (to delta)", stages.postprocess());
            row(out, " worker", "first token, own clock", stages.workerFirstToken());
            row(out, "", "per token, own clock", stages.workerPerToken());
            row(out, "", "queue (ingest → start)", stages.workerQueue());
            row(out, "engine", "time to first token", engine.ttft());
            row(out, "", "time per output token", engine.perToken());
            row(out, "", "gap between tokens", engine.gaps());
            row(out, "", "submit to result", engine.total());
            out.println();
            out.printf(
                    Locale.ROOT,
                    "  tokens per request: pipeline median %.0f (min %.0f, max %.0f), %.0f deltas; engine median %.0f%n",
                    pipeline.tokens().p50(),
                    pipeline.tokens().min(),
                    pipeline.tokens().max(),
                    pipeline.pieces().p50(),
                    engine.tokens().p50());
            out.printf(
                    Locale.ROOT,
                    "  throughput: pipeline %.2f req/s, %.1f tok/s; engine alone %.2f req/s, %.1f tok/s%n",
                    pipelineThroughput.requestsPerSecond(),
                    pipelineThroughput.tokensPerSecond(),
                    engineThroughput.requestsPerSecond(),
                    engineThroughput.tokensPerSecond());
            if (!pipelineErrors.isEmpty()) out.printf("  error responses: %d (left out)%n", pipelineErrors.size());
            out.println();
            out.printf("  %-26s %9s %9s   %s%n", "added by the pipeline", "p50", "p99", "goal");
            out.printf(
                    Locale.ROOT,
                    "  %-26s %+9.2f %+9.2f   < %.0f ms: %s%n",
                    "time to first token",
                    addedTtftP50(),
                    addedTtftP99(),
                    TTFT_GOAL_MS,
                    verdict(addedTtftP50() < TTFT_GOAL_MS, addedTtftP99() < TTFT_GOAL_MS));
            out.printf(
                    Locale.ROOT,
                    "  %-26s %+9.2f %+9.2f   < %.0f ms at p99: %s%n",
                    "time per output token",
                    addedPerTokenP50(),
                    addedPerTokenP99(),
                    PER_TOKEN_P99_GOAL_MS,
                    addedPerTokenP99() < PER_TOKEN_P99_GOAL_MS ? "met" : "not met");
        }

        private static String verdict(boolean atP50, boolean atP99) {
            if (atP50 && atP99) return "met";
            return atP50 ? "met at p50, not at p99" : "not met";
        }

        private static void row(PrintStream out, String what, String measure, Summary s) {
            out.printf(
                    Locale.ROOT,
                    "  %-9s %-22s %6d %9.2f %9.2f %9.2f %9.2f %9.2f%n",
                    what,
                    measure,
                    s.count(),
                    s.p50(),
                    s.p90(),
                    s.p99(),
                    s.mean(),
                    s.max());
        }

        String toJson(ObjectMapper json) {
            ObjectNode root = json.createObjectNode();
            ObjectNode config = root.putObject("config");
            config.put("requests", options.requests());
            config.put("warmup", options.warmup());
            config.put(
                    "rounds", roundSizes(options.requests(), options.rounds()).size());
            config.put("concurrency", options.concurrency());
            config.put("max_tokens", options.maxTokens());
            config.put("thinking", options.thinking());
            config.put("seed", SEED);
            config.put("prompt", options.prompt());
            config.put("prompt_tokens", promptTokens);
            config.put("model", model);
            ObjectNode host = root.putObject("machine");
            host.put("cpu", machine.cpu());
            host.put("cpus", machine.cpus());
            // Before the run, then after each round's pipeline part and after its engine part.
            var loadNode = host.putArray("load_1min");
            for (double load : loads) loadNode.add(load);
            ObjectNode pipelineNode =
                    measures(json, root.putObject("pipeline"), pipeline, pipelineThroughput, "inter_delta_ms");
            pipelineNode.put("error_responses", pipelineErrors.size());
            ObjectNode legs = pipelineNode.putObject("ttft_legs_ms");
            legs.set("ingest", summary(json, stages.ingest()));
            legs.set("worker", summary(json, stages.worker()));
            legs.set("postprocess", summary(json, stages.postprocess()));
            pipelineNode.set("worker_first_token_ms", summary(json, stages.workerFirstToken()));
            pipelineNode.set("worker_per_token_ms", summary(json, stages.workerPerToken()));
            pipelineNode.set("worker_queue_ms", summary(json, stages.workerQueue()));
            measures(json, root.putObject("engine"), engine, engineThroughput, "inter_token_ms");
            ObjectNode added = root.putObject("added_by_pipeline");
            added.put("ttft_p50_ms", addedTtftP50());
            added.put("ttft_p99_ms", addedTtftP99());
            added.put("per_token_p50_ms", addedPerTokenP50());
            added.put("per_token_p99_ms", addedPerTokenP99());
            ObjectNode goals = root.putObject("goals");
            goals.put("ttft_added_ms", TTFT_GOAL_MS);
            goals.put("per_token_added_p99_ms", PER_TOKEN_P99_GOAL_MS);
            goals.put("ttft_met_at_p50", addedTtftP50() < TTFT_GOAL_MS);
            goals.put("ttft_met_at_p99", addedTtftP99() < TTFT_GOAL_MS);
            goals.put("per_token_met_at_p99", addedPerTokenP99() < PER_TOKEN_P99_GOAL_MS);
            try {
                return json.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(root);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        private static ObjectNode measures(
                ObjectMapper json, ObjectNode node, Measures m, Throughput t, String gapsName) {
            node.set("ttft_ms", summary(json, m.ttft()));
            node.set("per_token_ms", summary(json, m.perToken()));
            node.set(gapsName, summary(json, m.gaps()));
            node.set("total_ms", summary(json, m.total()));
            node.set("tokens", summary(json, m.tokens()));
            node.set("pieces", summary(json, m.pieces()));
            ObjectNode throughput = node.putObject("throughput");
            throughput.put("seconds", t.seconds());
            throughput.put("requests_per_s", t.requestsPerSecond());
            throughput.put("tokens_per_s", t.tokensPerSecond());
            return node;
        }

        private static ObjectNode summary(ObjectMapper json, Summary s) {
            Map<String, Object> values = new LinkedHashMap<>();
            values.put("count", s.count());
            values.put("p50", s.p50());
            values.put("p90", s.p90());
            values.put("p99", s.p99());
            values.put("mean", s.mean());
            values.put("min", s.min());
            values.put("max", s.max());
            return json.valueToTree(values);
        }
    }
}
