package io.qwenstream.engine.load;

import io.qwenstream.engine.ModelFormatException;
import io.qwenstream.engine.gguf.GGUFFile;
import io.qwenstream.engine.model.GgufConfigReader;
import io.qwenstream.engine.model.HfConfigReader;
import io.qwenstream.engine.model.ModelConfig;
import io.qwenstream.engine.model.Qwen3Model;
import io.qwenstream.engine.model.Weights;
import io.qwenstream.engine.model.WeightsBinder;
import io.qwenstream.engine.safetensors.SafetensorsModel;
import io.qwenstream.engine.tokenizer.Qwen3Tokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A model loaded from a GGUF file or a Hugging Face model directory, with its tokenizer: what the
 * engine's own packages (generation, cli) run. Weights stay memory-mapped until
 * {@link #close()}. Outside the engine, {@code io.qwenstream.engine.Engine} is the entry point.
 */
public final class LoadedModel implements AutoCloseable {

    private final ModelConfig config;
    private final Qwen3Model model;
    private final Weights weights;
    private final Qwen3Tokenizer tokenizer;
    private final AutoCloseable weightsFile;

    private LoadedModel(ModelConfig config, Weights weights, Qwen3Tokenizer tokenizer, AutoCloseable weightsFile) {
        this.config = config;
        this.weights = weights;
        this.model = new Qwen3Model(config, weights);
        this.tokenizer = tokenizer;
        this.weightsFile = weightsFile;
    }

    /**
     * Loads {@code modelPath} (a GGUF file or an HF model dir). The tokenizer comes from
     * {@code tokenizerDir} when given, else from the GGUF metadata or the model dir; a model
     * without one still runs on token ids ({@link #tokenizer()} then explains what is missing).
     */
    public static LoadedModel load(Path modelPath, Path tokenizerDir) {
        requireVectorApi();
        if (isGguf(modelPath)) {
            GGUFFile gguf = open(() -> GGUFFile.open(modelPath), modelPath);
            try {
                ModelConfig config = GgufConfigReader.read(modelPath, gguf.metadata(), gguf.tensors());
                Weights weights = WeightsBinder.bindGguf(modelPath.toString(), gguf.tensors(), config);
                Qwen3Tokenizer tokenizer = tokenizerDir != null
                        ? loadTokenizer(tokenizerDir)
                        : gguf.has("tokenizer.ggml.model") ? Qwen3Tokenizer.fromGgufMetadata(gguf.metadata()) : null;
                return new LoadedModel(config, weights, tokenizer, gguf);
            } catch (RuntimeException e) {
                gguf.close();
                throw e;
            }
        }
        if (Files.isRegularFile(modelPath.resolve("config.json"))) {
            ModelConfig config = HfConfigReader.read(modelPath.resolve("config.json"));
            SafetensorsModel st = open(() -> SafetensorsModel.open(modelPath), modelPath);
            try {
                Weights weights = WeightsBinder.bindHf(modelPath.toString(), st.tensors(), config);
                Path tokDir = tokenizerDir != null ? tokenizerDir : modelPath;
                Qwen3Tokenizer tokenizer =
                        Files.isRegularFile(tokDir.resolve("tokenizer.json")) ? loadTokenizer(tokDir) : null;
                return new LoadedModel(config, weights, tokenizer, st);
            } catch (RuntimeException e) {
                st.close();
                throw e;
            }
        }
        if (!Files.exists(modelPath)) throw new ModelFormatException(modelPath + ": no such file or directory");
        throw new ModelFormatException(
                modelPath + ": neither a GGUF file nor a Hugging Face model directory (no config.json)");
    }

    /**
     * The kernels need the incubating Vector API module; without it they would fail deep inside a
     * forward pass. Checked before any kernel class loads. (Which species runs is
     * {@code VectorInfo.describe()}: the worker logs it at start-up, bench prints it.)
     */
    public static void requireVectorApi() {
        String missing = missingVectorApi();
        if (missing != null) throw new IllegalStateException(missing);
    }

    /** Why the kernels cannot run in this JVM, or null when the Vector API module is there. */
    public static String missingVectorApi() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()
                ? "the Vector API module is missing: run java with --add-modules jdk.incubator.vector"
                : null;
    }

    /** A tokenizer from a GGUF file, an HF model dir or a dir holding tokenizer.json + tokenizer_config.json. */
    public static Qwen3Tokenizer loadTokenizer(Path path) {
        if (isGguf(path)) {
            try (GGUFFile gguf = open(() -> GGUFFile.open(path), path)) {
                return Qwen3Tokenizer.fromGgufMetadata(gguf.metadata());
            }
        }
        if (Files.isDirectory(path)) {
            if (!Files.isRegularFile(path.resolve("tokenizer.json"))) {
                throw new ModelFormatException(
                        path + ": no tokenizer.json here; pass a directory that holds the tokenizer files");
            }
            return Qwen3Tokenizer.fromHfDir(path);
        }
        if (!Files.exists(path)) throw new ModelFormatException(path + ": no such file or directory");
        throw new ModelFormatException(path + ": not a GGUF file, nor a directory with tokenizer.json");
    }

    /**
     * The model's context length from its config alone (config.json, or the GGUF metadata): the
     * weights stay untouched.
     */
    public static int contextLength(Path modelPath) {
        if (isGguf(modelPath)) {
            try (GGUFFile gguf = open(() -> GGUFFile.open(modelPath), modelPath)) {
                return GgufConfigReader.read(modelPath, gguf.metadata(), gguf.tensors())
                        .contextLength();
            }
        }
        if (Files.isRegularFile(modelPath.resolve("config.json"))) {
            return HfConfigReader.read(modelPath.resolve("config.json")).contextLength();
        }
        if (!Files.exists(modelPath)) throw new ModelFormatException(modelPath + ": no such file or directory");
        throw new ModelFormatException(
                modelPath + ": neither a GGUF file nor a Hugging Face model directory (no config.json)");
    }

    private interface Opener<T> {
        T open() throws IOException;
    }

    private static <T> T open(Opener<T> opener, Path path) {
        try {
            return opener.open();
        } catch (IOException e) {
            throw new ModelFormatException(path + ": cannot read: " + e, e);
        }
    }

    private static boolean isGguf(Path path) {
        if (!Files.isRegularFile(path)) return false;
        try (InputStream in = Files.newInputStream(path)) {
            byte[] magic = in.readNBytes(4);
            return magic.length == 4 && magic[0] == 'G' && magic[1] == 'G' && magic[2] == 'U' && magic[3] == 'F';
        } catch (IOException e) {
            throw new ModelFormatException(path + ": cannot read: " + e.getMessage(), e);
        }
    }

    public ModelConfig config() {
        return config;
    }

    public Qwen3Model model() {
        return model;
    }

    public Weights weights() {
        return weights;
    }

    public boolean hasTokenizer() {
        return tokenizer != null;
    }

    public Qwen3Tokenizer tokenizer() {
        if (tokenizer == null) {
            throw new ModelFormatException(
                    "this model has no tokenizer files: pass --tokenizer DIR (a directory with tokenizer.json and tokenizer_config.json)");
        }
        return tokenizer;
    }

    @Override
    public void close() {
        try {
            weightsFile.close();
        } catch (Exception e) {
            throw new IllegalStateException("closing the model file failed: " + e.getMessage(), e);
        }
    }
}
