package io.qwenstream.engine.cli;

import io.qwenstream.engine.kernels.GGMLType;
import io.qwenstream.engine.load.LoadedModel;
import io.qwenstream.engine.model.GgufModelWriter;
import io.qwenstream.engine.tokenizer.Qwen3Tokenizer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * {@code convert --from HF_DIR --to FILE.gguf --type F32|BF16|Q8_0|Q4_0 [--tokenizer DIR]}: an HF
 * checkpoint as GGUF with llama.cpp's names and metadata. Without tokenizer files (neither in
 * HF_DIR nor --tokenizer) the bundled Qwen3 tokenizer is written, and stderr says so.
 */
final class ConvertCommand {

    private static final Set<String> TYPES = Set.of("F32", "BF16", "Q8_0", "Q4_0");

    private ConvertCommand() {}

    static void run(String[] argv, PrintStream out, PrintStream err) throws IOException {
        Args args = new Args(argv, 0, Set.of("from", "to", "type", "tokenizer"), Set.of());
        Path from = args.path("from");
        Path to = args.path("to");
        String typeName = args.string("type").toUpperCase(java.util.Locale.ROOT);
        if (!TYPES.contains(typeName))
            throw new UsageException("--type must be one of F32, BF16, Q8_0, Q4_0; got '" + args.string("type") + "'");
        if (!Files.isRegularFile(from.resolve("config.json"))) {
            throw new UsageException(from + ": not a Hugging Face model directory (no config.json)");
        }
        GGMLType type = GGMLType.valueOf(typeName);
        try (LoadedModel engine = LoadedModel.load(from, args.optionalPath("tokenizer"))) {
            Qwen3Tokenizer tokenizer;
            if (engine.hasTokenizer()) {
                tokenizer = engine.tokenizer();
            } else {
                err.println(
                        "convert: " + from
                                + " has no tokenizer files; writing the bundled Qwen3 tokenizer (pass --tokenizer DIR to choose)");
                tokenizer = BundledTokenizer.qwen3();
            }
            GgufModelWriter writer = new GgufModelWriter(engine.config(), type);
            writer.addWeights(engine.weights());
            writer.write(
                    to,
                    from.toAbsolutePath().getFileName().toString(),
                    tokenizer,
                    line -> err.println("convert: " + line));
        }
        var json = Json.object();
        json.put("path", to.toString());
        json.put("type", typeName);
        json.put("bytes", Files.size(to));
        Json.print(out, json);
    }
}
