package io.qwenstream.engine.cli;

import io.qwenstream.engine.kernels.GGMLType;
import io.qwenstream.engine.model.GgufModelWriter;
import io.qwenstream.engine.model.ModelConfig;
import io.qwenstream.engine.model.ModelPresets;
import io.qwenstream.engine.model.RandomWeights;
import io.qwenstream.engine.tokenizer.Qwen3Tokenizer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;

/**
 * {@code forge --preset NAME [--layers N] [shape overrides] --type T [--seed S] --out FILE.gguf}:
 * a random-weight GGUF with a real model's shapes and the real Qwen3 tokenizer and chat template.
 */
final class ForgeCommand {

    private ForgeCommand() {}

    static void run(String[] argv, PrintStream out, PrintStream err) throws IOException {
        Args args = new Args(
                argv,
                0,
                Set.of(
                        "preset",
                        "layers",
                        "hidden",
                        "heads",
                        "kv-heads",
                        "head-dim",
                        "ff",
                        "experts",
                        "experts-used",
                        "expert-ff",
                        "vocab",
                        "type",
                        "seed",
                        "out",
                        "tied-embeddings"),
                Set.of());
        ModelConfig p = ModelPresets.get(args.string("preset"));
        GGMLType type = type(args.string("type"));
        Path file = args.path("out");
        boolean moe = p.architecture() == ModelConfig.Architecture.QWEN3_MOE;
        int experts = args.integer("experts", p.expertCount());
        if (!moe && (args.has("experts") || args.has("experts-used") || args.has("expert-ff"))) {
            throw new UsageException("--experts, --experts-used and --expert-ff apply to MoE presets only");
        }
        String tied = args.string("tied-embeddings", String.valueOf(p.tiedEmbeddings()));
        if (!tied.equals("true") && !tied.equals("false"))
            throw new UsageException("--tied-embeddings must be true or false");
        ModelConfig c = new ModelConfig(
                p.architecture(),
                positive(args, "hidden", p.hiddenSize()),
                positive(args, "layers", p.layerCount()),
                positive(args, "heads", p.headCount()),
                positive(args, "kv-heads", p.kvHeadCount()),
                positive(args, "head-dim", p.headDim()),
                positive(args, "vocab", p.vocabSize()),
                p.rmsNormEps(),
                p.rope(),
                p.contextLength(),
                false,
                positive(args, "ff", p.denseFeedForward()),
                experts,
                args.integer("experts-used", p.expertsPerToken()),
                args.integer("expert-ff", p.expertFeedForward()),
                p.normTopKProb(),
                1,
                Set.of(),
                Boolean.parseBoolean(tied));

        Qwen3Tokenizer tokenizer = BundledTokenizer.qwen3();
        if (c.vocabSize() < tokenizer.vocabSize()) {
            err.println("forge: --vocab " + c.vocabSize() + " is smaller than the Qwen3 tokenizer ("
                    + tokenizer.vocabSize() + " tokens): writing no tokenizer (run the file with --tokenizer DIR)");
            tokenizer = null;
        }
        GgufModelWriter writer = new GgufModelWriter(c, type);
        RandomWeights.add(writer, c, args.longValue("seed", 0));
        long start = System.nanoTime();
        writer.write(
                file, args.string("preset") + " (random weights)", tokenizer, line -> err.println("forge: " + line));
        var json = Json.object();
        json.put("path", file.toString());
        json.put("preset", args.string("preset"));
        json.put("type", type.name());
        json.put("layers", c.layerCount());
        json.put("bytes", Files.size(file));
        json.put("seconds", (System.nanoTime() - start) / 1e9);
        Json.print(out, json);
    }

    private static GGMLType type(String name) {
        try {
            return GGMLType.valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new UsageException("--type must be one of F32, BF16, Q8_0, Q4_0, Q4_K, Q6_K; got '" + name + "'");
        }
    }

    private static int positive(Args args, String name, int fallback) {
        int v = args.integer(name, fallback);
        if (v <= 0) throw new UsageException("--" + name + " must be positive, got " + v);
        return v;
    }
}
