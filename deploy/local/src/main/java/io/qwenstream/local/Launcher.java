package io.qwenstream.local;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.qwenstream.local.client.AskOptions;
import io.qwenstream.local.client.CommandLine;
import io.qwenstream.local.client.CommandLine.UsageException;
import io.qwenstream.local.client.LauncherException;
import io.qwenstream.local.client.PipelineClient;
import io.qwenstream.local.client.SendOptions;
import io.qwenstream.local.client.StreamPrinter;
import io.qwenstream.local.kafka.Topics;
import io.qwenstream.schemas.MessageValidator;
import io.qwenstream.schemas.Messages;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * The pipeline verbs of {@code ./qwenstream}: {@code up}, {@code ask}, {@code send}, {@code restart}, {@code down},
 * {@code demo}, {@code fuzz} ({@code bench-pipeline} is benchmarks/pipeline's, with the same exit statuses). Exit status: 0 done (for {@code ask}: status ok), 1 the pipeline answered with an
 * error ({@code ask}, {@code demo}), 2 bad arguments, 3 the launcher could not do its job (not
 * up, timeout, a process died).
 */
public final class Launcher {

    public static final int OK = 0;
    public static final int ERROR_RESPONSE = 1;
    public static final int USAGE = 2;
    public static final int FAILED = 3;

    private static final String USAGE_TEXT = """
            usage: ./qwenstream <verb> …

              up [--model PATH] [--tokenizer DIR] [--data DIR] [--timeout S] [--secure]
                  Starts a real Kafka broker (KRaft), creates the topics, starts ingest-service, inference-worker
                  and postprocess-service in the background; returns when all are ready. Without --model: the
                  shipped demo model (qwenstream-demo; docs/demo-model.md). --data keeps the broker's data in DIR (default: a temporary dir).
                  --secure: TLS only, SCRAM-SHA-512 users (admin and one per service) and ACLs; certificates and
                  passwords are made for the data dir, in DATA/secrets (owner-only; docs/security.md).
                  State and logs: .qwenstream/ (state.json, logs/).
              ask [--json] [--no-think] [--thinking-budget N] [--max-tokens N]
                  [--task translate --to LANG | --task summarize [--style bullets|paragraph|issue_resolution]]
                  [--conversation ID] [--timeout S] [--bootstrap-server HOST:PORT] "TEXT"
                  Sends one request through Kafka and prints the thinking (dimmed on a terminal, unless
                  NO_COLOR is set) and the answer as they stream; --json prints only the final
                  InferenceResponse. Exit 1 if the response is an error.
              send --file F [--key K] [--timeout S] [--bootstrap-server HOST:PORT]
                  Produces F's bytes unchanged as one record to qwen.requests and prints the final
                  InferenceResponse JSON for it, error or not (exit 0 once a response is printed).
              restart broker|ingest-service|inference-worker|postprocess-service [--kill] [--timeout S]
                  Stops one process (SIGKILL with --kill, as a crash would) and starts it again with its recorded command
                  line, the broker on its own data and ports; the others reconnect by themselves.
              down
                  Stops everything up started and deletes a temporary data dir.
              demo [--model PATH] [--tokenizer DIR] [--secure]
                  up, a few scripted asks to the default customer-service model (thinking on, /no_think,
                  thinking off; English, Chinese, French, Spanish; a translation, a thread summarised), down.
              fuzz [--records N] [--rate R] [--seed S] [--good G] [--timeout S] [--json]
                  Sends N malformed records (default 10,000; truncated, bad syntax, invalid UTF-8, wrong types,
                  out-of-range values, missing fields, not objects, deep nesting, oversize) to the running pipeline
                  at R per second while good requests flow; checks each lands in qwen.requests.dlq exactly once with
                  its reason and gets exactly one error response, that no service died, and reports good requests'
                  latency against a quiet run (docs/reliability.md). Exit 1 if a check fails.
              soak [--requests N] [--rate R] [--kills K] [--broker-restarts 0|1] [--workers W] [--max-tokens M]
                  [--timeout S] [--json]
                  Sends N requests (default 1,000) at R per second (default 2) while it SIGKILLs the inference worker
                  generating a request K times (default 3; each restarted) and the broker once, with W workers in the
                  group (default 2: it starts one more, and stops it at the end); reports final responses lost,
                  duplicated and spliced, latency, resume times and heaps (docs/reliability.md). Exit 1 if any was
                  lost, duplicated, spliced or an error.

            Exit status: 0 ok, 1 error response, 2 bad arguments, 3 not up / timeout / a process failed.
            """;

    private final Cluster cluster;
    private final PrintStream out;
    private final PrintStream err;
    private final ObjectMapper json = new ObjectMapper(); // tolerant reading of what the services write

    /**
     * A launcher for the repository at {@code root} whose {@code up} keeps its state and logs in
     * {@code stateDir}; what {@code main} runs, for callers that drive the verbs in-process (the
     * end-to-end tests) and need the exit status rather than {@code System.exit}.
     */
    public Launcher(Path root, Path stateDir, PrintStream out, PrintStream err) {
        this.cluster = new Cluster(root, stateDir);
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        // Our own Kafka clients: their warnings (e.g. retries while a broker is down) would drown our messages.
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "error");
        Path root = RunningPipeline.root();
        Path stateDir = RunningPipeline.stateDir(root);
        PrintStream out =
                new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true, StandardCharsets.UTF_8);
        System.exit(new Launcher(root, stateDir, out, System.err).run(Arrays.asList(args)));
    }

    /** Runs one verb with its arguments ({@code ["up", "--timeout", "60"]}); returns the exit status. */
    public int run(List<String> args) {
        if (args.isEmpty()) {
            err.print(USAGE_TEXT);
            return USAGE;
        }
        String verb = args.getFirst();
        List<String> rest = args.subList(1, args.size());
        if (rest.contains("--help")
                || rest.contains("-h")
                || verb.equals("--help")
                || verb.equals("-h")
                || verb.equals("help")) {
            out.print(USAGE_TEXT);
            return OK;
        }
        try {
            return switch (verb) {
                case "up" -> up(UpOptions.parse(rest));
                case "ask" -> ask(AskOptions.parse(rest));
                case "send" -> send(SendOptions.parse(rest));
                case "down" -> {
                    CommandLine.parse(rest, Set.of(), Set.of()).noPositional("down");
                    yield down();
                }
                case "restart" -> restart(rest);
                case "demo" -> demo(UpOptions.parse(rest));
                case "fuzz" -> Fuzz.run(cluster, FuzzOptions.parse(rest), out, err);
                case "soak" -> Soak.run(cluster, SoakOptions.parse(rest), out, err);
                default -> throw new UsageException("unknown verb '" + verb + "'");
            };
        } catch (UsageException e) {
            err.println("error: " + e.getMessage());
            err.print(USAGE_TEXT);
            return USAGE;
        } catch (LauncherException e) {
            err.println("error: " + e.getMessage());
            return FAILED;
        } catch (RuntimeException e) {
            err.println("error: " + e);
            return FAILED;
        }
    }

    private int up(UpOptions options) {
        ClusterState state = cluster.up(options, out);
        out.println("qwenstream is up");
        out.println("  bootstrap servers: " + state.bootstrapServers());
        out.println("  http port:         " + state.httpPort(Cluster.HTTP_SERVICE) + " (" + Cluster.HTTP_SERVICE
                + ", http://127.0.0.1:" + state.httpPort(Cluster.HTTP_SERVICE) + ")");
        out.println("  state:             " + cluster.stateFile() + " (logs beside it)");
        out.println("  stop with:         ./qwenstream down");
        return OK;
    }

    private int restart(List<String> args) {
        CommandLine line = CommandLine.parse(args, Set.of("--timeout"), Set.of("--kill"));
        if (line.positional().size() != 1)
            throw new UsageException("restart needs one process: broker or a service name");
        Integer timeout = line.intValue("--timeout", 1, 86_400);
        cluster.restart(
                line.positional().getFirst(),
                line.flag("--kill"),
                timeout == null ? UpOptions.DEFAULT_TIMEOUT : java.time.Duration.ofSeconds(timeout),
                out);
        return OK;
    }

    private int down() {
        if (cluster.down(out)) {
            out.println("qwenstream is down");
        } else {
            out.println("qwenstream: nothing to stop (no " + cluster.stateFile() + ")");
        }
        return OK;
    }

    int ask(AskOptions options) {
        String requestId = UUID.randomUUID().toString();
        byte[] payload = Messages.toJson(options.toRequest(requestId));
        StreamPrinter printer =
                new StreamPrinter(out, StreamPrinter.colorWanted(System.getenv(), StreamPrinter.onTerminal()));
        PipelineClient.Response response;
        try (PipelineClient client = client(options.bootstrapServer())) {
            response = client.exchange(
                    requestId.getBytes(StandardCharsets.UTF_8),
                    payload,
                    Set.of(requestId),
                    options.json() ? delta -> {} : printer::delta,
                    options.timeout());
        }
        if (options.json()) {
            out.println(new String(response.raw(), StandardCharsets.UTF_8));
        } else {
            printer.finish(response.json());
        }
        if (response.ok()) return OK;
        err.println("error: " + PipelineClient.describeError(response.json()));
        return ERROR_RESPONSE;
    }

    private int send(SendOptions options) {
        byte[] payload;
        try {
            payload = Files.readAllBytes(options.file());
        } catch (IOException e) {
            throw new UsageException("cannot read --file " + options.file() + ": " + e.getMessage());
        }
        Set<String> ids = responseIds(payload, options.key());
        PipelineClient.Response response;
        try (PipelineClient client = client(options.bootstrapServer())) {
            byte[] key = options.key() == null ? null : options.key().getBytes(StandardCharsets.UTF_8);
            response = client.exchange(key, payload, ids, delta -> {}, options.timeout());
        }
        out.println(new String(response.raw(), StandardCharsets.UTF_8));
        return OK;
    }

    /**
     * The request_ids the response to a raw record can carry: the payload's own request_id when
     * readable, else the record key, else {@code "unknown"} (InferenceResponse.schema.json). The key is accepted
     * even with a readable id, in case the ingest service finds the id unusable after all.
     */
    static Set<String> responseIds(byte[] payload, String key) {
        Set<String> ids = new LinkedHashSet<>();
        MessageValidator.readableRequestId(payload).ifPresent(ids::add);
        if (key != null) {
            ids.add(key);
        } else {
            ids.add("unknown");
        }
        return ids;
    }

    private PipelineClient client(String bootstrapOverride) {
        if (bootstrapOverride != null)
            return new PipelineClient(bootstrapOverride, Topics.fromSystemProperties(), json);
        ClusterState state = cluster.runningState();
        return new PipelineClient(state.bootstrapServers(), state.topicNames(), json, state.clientSecurity());
    }

    /** A support thread, as a customer-service tool would paste it, for the demo's summary. */
    static final String DEMO_THREAD = """
            [user]
            Hi, this is Emma. I was charged twice for order 6150342: two payments of €89.90 on May 12.

            [assistant]
            Hello Emma,

            I'm sorry about the double charge. I can confirm that order 6150342 was charged twice; the extra \
            payment of €89.90 has been refunded and will appear on your statement within 3 business days.

            Have a nice day!""";

    /**
     * The demo's scripted asks, each what a user would type after {@code ./qwenstream ask}. They are
     * in the default model's domain (customer service; docs/demo-model.md): thinking on in English and
     * Chinese, {@code /no_think} in French, thinking off in Spanish, a translation and a summary.
     */
    static final List<List<String>> DEMO_ASKS = List.of(
            List.of(
                    "--max-tokens",
                    "200",
                    "Hi, this is Emma. My parcel for order 4827193 was supposed to arrive on March 3, "
                            + "but it still hasn't come."),
            List.of("--max-tokens", "200", "您好，我的订单662514（耳机）显示已送达，可是没有包裹。"),
            List.of(
                    "--max-tokens",
                    "160",
                    "Bonjour, je souhaite annuler la commande 5510287, passée le 2 mai. Merci, Camille /no_think"),
            List.of(
                    "--no-think",
                    "--max-tokens",
                    "160",
                    "Hola, el artículo del pedido 7734120 (cafetera) llegó dañado. Saludos, Lucía"),
            List.of(
                    "--task",
                    "translate",
                    "--to",
                    "German",
                    "--max-tokens",
                    "200",
                    "Hello,\n\nYour order 4827193 (coffee machine) has shipped and is on its way. "
                            + "It should arrive by March 7.\n\nHave a nice day!"),
            List.of("--task", "summarize", "--style", "issue_resolution", "--max-tokens", "200", DEMO_THREAD));

    private int demo(UpOptions options) {
        int status = OK;
        try {
            up(options);
            for (List<String> ask : DEMO_ASKS) {
                out.println();
                out.println("$ ./qwenstream ask "
                        + String.join(
                                " ", ask.stream().map(Launcher::shellQuote).toList()));
                try {
                    int result = ask(AskOptions.parse(ask));
                    if (result != OK) status = ERROR_RESPONSE;
                } catch (LauncherException e) {
                    err.println("error: " + e.getMessage());
                    status = FAILED;
                }
            }
        } finally {
            out.println();
            cluster.down(out);
            out.println("qwenstream is down");
        }
        return status;
    }

    static String shellQuote(String arg) {
        return arg.matches("[A-Za-z0-9_./:=-]+") ? arg : "'" + arg.replace("'", "'\\''") + "'";
    }
}
