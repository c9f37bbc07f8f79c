package io.qwenstream.engine.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.qwenstream.engine.Engine;
import io.qwenstream.engine.ModelFormatException;
import io.qwenstream.engine.template.TemplateException;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * {@code qwenstream engine <verb>}: JSON on stdout, errors on stderr as one line; exit 2 on bad
 * input (options, files, models), 1 on an internal failure. Set QWENSTREAM_DEBUG=1 for stack traces.
 *
 * <p>The benchmark verbs ({@link #BENCHMARK_VERBS}) are not in this jar: they live in benchmarks/engine, whose
 * {@code main} hands them to {@link #run(String[], PrintStream, PrintStream, Map)} so that they keep this CLI's
 * usage, errors and exit statuses; {@code ./qwenstream engine bench|bandwidth} runs that jar.
 */
public final class EngineCli {

    /** One verb: reads its options from {@code args}, one JSON document to {@code out}, progress to {@code err}. */
    @FunctionalInterface
    public interface Verb {
        void run(String[] args, PrintStream out, PrintStream err) throws IOException;
    }

    /** The verbs that benchmarks/engine brings; the usage lists them, as {@code ./qwenstream engine} runs them. */
    public static final List<String> BENCHMARK_VERBS = List.of("bench", "bandwidth");

    private static final Map<String, Verb> VERBS = new LinkedHashMap<>();

    static {
        VERBS.put("tokenize", (args, out, err) -> TokenizeCommand.run(args, out));
        VERBS.put("template", (args, out, err) -> TemplateCommand.run(args, out));
        VERBS.put("logits", (args, out, err) -> LogitsCommand.run(args, out));
        VERBS.put("generate", (args, out, err) -> GenerateCommand.run(args, out));
        VERBS.put("convert", ConvertCommand::run);
        VERBS.put("forge", ForgeCommand::run);
    }

    // The usage of ./qwenstream engine as a whole, benchmark verbs included: the same text whichever jar prints it.
    static final String USAGE = """
            usage: qwenstream engine <verb> [options]   (JSON on stdout, errors on stderr, exit 2 on bad input)

              tokenize --model PATH --text TEXT
                  PATH: a GGUF file, an HF model dir, or a dir with tokenizer.json + tokenizer_config.json
              template --model PATH --conversation FILE
                  FILE: {"messages":[...],"tools":[...]?,"enable_thinking":bool?,"add_generation_prompt":bool?}
              logits --model PATH [--tokenizer DIR] --ids 1,2,3 [--top 10] [--kv-cache f32|f16]
                  next-token top logits and logsumexp at every input position
              generate --model PATH [--tokenizer DIR] (--ids 1,2,3 | --prompt TEXT) --max-tokens N
                       [--greedy] [--allow-greedy] [--ignore-eos] [--temperature T] [--top-p P] [--top-k K]
                       [--min-p P] [--presence-penalty X] [--seed S] [--think | --no-think]
                       [--thinking-budget N] [--no-loop-detection] [--stop TEXT] [--kv-cache f32|f16]
                  --prompt is one user message through the chat template and Qwen3's thinking rules
                  (greedy is refused in thinking mode unless --allow-greedy); --ids are raw tokens
                  a thinking that repeats a block of tokens or never closes is ended with the budget's
                  closing sentence (usage.thinking_loop_ended) unless --no-loop-detection
                  --kv-cache: KV cache precision; f32 (default here) matches transformers in float32,
                  f16 halves the cache (2 x layers x kv_dim x 2 bytes a token instead of x 4)
              convert --from HF_DIR --to FILE.gguf --type F32|BF16|Q8_0|Q4_0 [--tokenizer DIR]
                  an HF checkpoint as GGUF with llama.cpp's tensor names and metadata
              forge --preset NAME [--layers N] [--hidden H --heads N --kv-heads N --head-dim D --ff F
                    --experts E --experts-used K --expert-ff F --vocab V --tied-embeddings true|false]
                    --type F32|BF16|Q8_0|Q4_0|Q4_K|Q6_K [--seed S] --out FILE.gguf
                  random weights with a real model's shapes and the real Qwen3 tokenizer; presets:
                  qwen3-0.6b, qwen3-1.7b, qwen3-4b, qwen3-8b, qwen3-14b, qwen3-32b, qwen3-30b-a3b, qwen3-235b-a22b

              bench --model PATH --prompt-tokens P --gen-tokens G [--batch B] [--threads T] [--kv-cache f16|f32]
                  prefill and decode tokens/s, batch aggregate, peak RSS, KV bytes a token (progress on
                  stderr); the KV cache is f16 by default, as the inference worker runs it
              bandwidth [--mb 1024] [--threads T] [--runs 9]
                  DRAM read bandwidth (vectorised), for the decode bound: bytes per token / bandwidth

            MODEL PATH is a GGUF file or a Hugging Face model directory (config.json + safetensors);
            an HF dir without tokenizer files needs --tokenizer DIR.
            """;

    private EngineCli() {}

    public static void main(String[] argv) {
        System.exit(run(argv, System.out, System.err));
    }

    static int run(String[] argv, PrintStream out, PrintStream err) {
        return run(argv, out, err, Map.of());
    }

    /**
     * Runs one verb, the engine's own or one of {@code benchmarks} (keyed by their names in {@link
     * #BENCHMARK_VERBS}), and returns the exit status: 0, 2 on bad input, 1 on an internal failure.
     */
    public static int run(String[] argv, PrintStream out, PrintStream err, Map<String, Verb> benchmarks) {
        if (argv.length == 0 || argv[0].equals("--help") || argv[0].equals("-h") || argv[0].equals("help")) {
            (argv.length == 0 ? err : out).print(USAGE);
            return argv.length == 0 ? 2 : 0;
        }
        String missing = Engine.missingVectorApi();
        if (missing != null) {
            err.println("error: " + missing);
            return 1;
        }
        String verb = argv[0];
        String[] rest = Arrays.copyOfRange(argv, 1, argv.length);
        if (Arrays.asList(rest).contains("--help")) {
            out.print(USAGE);
            return 0;
        }
        try {
            verb(verb, benchmarks).run(rest, out, err);
            out.flush();
            return 0;
        } catch (UsageException | IllegalArgumentException | ModelFormatException | TemplateException e) {
            return fail(err, e, e.getMessage());
        } catch (UncheckedIOException e) {
            return fail(err, e, ioMessage(e.getCause()));
        } catch (JsonProcessingException e) {
            return fail(err, e, "bad JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            return fail(err, e, ioMessage(e));
        } catch (RuntimeException | OutOfMemoryError e) {
            debug(err, e);
            err.println("error: internal failure: " + e);
            return 1;
        }
    }

    private static Verb verb(String name, Map<String, Verb> benchmarks) {
        Verb verb = VERBS.containsKey(name) ? VERBS.get(name) : benchmarks.get(name);
        if (verb != null) return verb;
        if (BENCHMARK_VERBS.contains(name)) {
            throw new UsageException(
                    "'" + name + "' is a benchmark (benchmarks/engine): run it as ./qwenstream engine " + name);
        }
        List<String> all =
                Stream.concat(VERBS.keySet().stream(), BENCHMARK_VERBS.stream()).toList();
        throw new UsageException("unknown verb '" + name + "' (" + String.join(", ", all) + "; --help lists them)");
    }

    private static String ioMessage(IOException e) {
        if (e instanceof NoSuchFileException n) return n.getFile() + ": no such file";
        return e.getMessage();
    }

    private static int fail(PrintStream err, Throwable e, String message) {
        debug(err, e);
        err.println("error: " + message);
        return 2;
    }

    private static void debug(PrintStream err, Throwable e) {
        if (System.getenv("QWENSTREAM_DEBUG") != null) e.printStackTrace(err);
    }
}
