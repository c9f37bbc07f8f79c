package io.qwenstream.images;

import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.Jib;
import com.google.cloud.tools.jib.api.JibContainerBuilder;
import com.google.cloud.tools.jib.api.TarImage;
import com.google.cloud.tools.jib.api.buildplan.AbsoluteUnixPath;
import com.google.cloud.tools.jib.api.buildplan.FileEntriesLayer;
import com.google.cloud.tools.jib.api.buildplan.FilePermissions;
import com.google.cloud.tools.jib.api.buildplan.ImageFormat;
import com.google.cloud.tools.jib.api.buildplan.Port;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * OCI image tarballs of the three services, made offline: no base image is pulled. Each image is Jib's
 * {@code scratch} with four layers, least changing first: the C libraries the JDK links (taken from this
 * machine, found with {@code ldd}), the JDK running this build at {@code /opt/java}, the Quarkus app's
 * dependencies, then the app itself at {@code /app}. The model is mounted at {@code /models} unless
 * {@code --model} bakes one file in as a fifth layer (ingest reads its tokenizer and template, the worker
 * its weights).
 */
public final class ServiceImages {

    /** A service and the HTTP port its application.properties listens on. */
    record Service(String name, int httpPort, boolean readsModel) {}

    static final List<Service> SERVICES = List.of(
            new Service("ingest-service", 8080, true),
            new Service("inference-worker", 8082, true),
            new Service("postprocess-service", 8080, false));

    static final AbsoluteUnixPath JAVA_HOME = AbsoluteUnixPath.get("/opt/java");
    static final AbsoluteUnixPath APP = AbsoluteUnixPath.get("/app");
    static final AbsoluteUnixPath MODELS = AbsoluteUnixPath.get("/models");

    /** The JDK's libraries for AWT, sound and fonts: a headless server never loads them, nor what they link. */
    private static final List<String> DESKTOP_LIBRARIES =
            List.of("awt", "jsound", "splashscreen", "fontmanager", "javajpeg", "lcms", "mlib");

    /** Loaded at run time by the compression and RocksDB JNI libraries that Kafka clients unpack. */
    private static final List<String> JNI_RUNTIME = List.of("libstdc++.so.6", "libgcc_s.so.1", "libz.so.1");

    public static void main(String[] args) throws Exception {
        Map<String, String> options = options(args);
        Path root = Path.of(options.get("--root"));
        Path out = Path.of(options.get("--out"));
        String model = options.getOrDefault("--model", "");
        Path jdk = Path.of(System.getProperty("java.home"));
        Files.createDirectories(out);
        for (Service service : SERVICES) {
            Path app = root.resolve(service.name()).resolve("target/quarkus-app");
            if (!Files.isRegularFile(app.resolve("quarkus-run.jar")))
                throw new IllegalStateException(app + " has no quarkus-run.jar: package " + service.name() + " first");
            Path tarball = out.resolve(service.name() + "-image.tar");
            String reference = "qwenstream/" + service.name() + ":" + options.get("--tag");
            long started = System.nanoTime();
            JibContainerBuilder image = image(service, jdk, app, model.isBlank() ? null : Path.of(model));
            image.containerize(Containerizer.to(TarImage.at(tarball).named(reference))
                    .setBaseImageLayersCache(out.resolve("jib-cache"))
                    .setApplicationLayersCache(out.resolve("jib-cache"))
                    .setOfflineMode(true));
            System.out.printf(
                    "%s: %s (%d MB) in %d s%n",
                    reference, tarball, Files.size(tarball) >> 20, (System.nanoTime() - started) / 1_000_000_000L);
        }
    }

    static JibContainerBuilder image(Service service, Path jdk, Path app, Path model) throws IOException {
        JibContainerBuilder image = Jib.fromScratch()
                .setFormat(ImageFormat.OCI)
                .setCreationTime(Instant.EPOCH) // the same inputs give the same image digest
                .addFileEntriesLayer(systemLibraries(jdk))
                .addFileEntriesLayer(tree("jdk", jdk, JAVA_HOME, path -> isDesktopLibrary(path) || isSource(path)))
                .addFileEntriesLayer(tree("dependencies", app.resolve("lib"), APP.resolve("lib"), path -> false))
                .addFileEntriesLayer(application(app))
                .setEnvironment(Map.of(
                        "JAVA_HOME",
                        JAVA_HOME.toString(),
                        "PATH",
                        JAVA_HOME.resolve("bin") + ":/usr/bin:/bin",
                        "LANG",
                        "C.UTF-8"))
                .setWorkingDirectory(APP)
                .setUser("1000:1000")
                .addExposedPort(Port.tcp(service.httpPort()))
                // JAVA_TOOL_OPTIONS (heap, GC) comes from the Deployment: sized there from measurements.
                .setEntrypoint(
                        JAVA_HOME.resolve("bin/java").toString(),
                        "--add-modules",
                        "jdk.incubator.vector",
                        "--enable-native-access=ALL-UNNAMED",
                        "-Dquarkus.http.host=0.0.0.0",
                        "-jar",
                        APP.resolve("quarkus-run.jar").toString())
                .addLabel("org.opencontainers.image.title", "qwenstream " + service.name());
        if (service.readsModel()) {
            if (model != null) {
                image.addFileEntriesLayer(FileEntriesLayer.builder()
                        .setName("model")
                        .addEntry(model, MODELS.resolve(model.getFileName().toString()))
                        .build());
                image.addEnvironmentVariable(
                        "QWENSTREAM_MODEL",
                        MODELS.resolve(model.getFileName().toString()).toString());
            } else {
                image.addVolume(MODELS);
            }
        }
        return image;
    }

    /**
     * The C libraries the JDK's native code links (ldd of its executables and libraries), at their paths,
     * with the dynamic loader, and /tmp (the JVM's and Kafka Streams' scratch space) writable by all.
     */
    static FileEntriesLayer systemLibraries(Path jdk) throws IOException {
        Set<String> libraries = new TreeSet<>();
        List<Path> natives;
        try (Stream<Path> files = Files.walk(jdk)) {
            natives = files.filter(p -> p.toString().endsWith(".so") || p.equals(jdk.resolve("bin/java")))
                    .filter(p -> !isDesktopLibrary(p))
                    .toList();
        }
        for (Path binary : natives) libraries.addAll(linked(binary, jdk));
        for (String name : JNI_RUNTIME) {
            for (String dir : List.of("/lib/x86_64-linux-gnu/", "/usr/lib/x86_64-linux-gnu/")) {
                if (Files.exists(Path.of(dir + name))) {
                    libraries.add(dir + name);
                    libraries.addAll(linked(Path.of(dir + name), jdk));
                    break;
                }
            }
        }
        FileEntriesLayer.Builder layer = FileEntriesLayer.builder().setName("system libraries");
        for (String library : libraries) {
            layer.addEntry(Path.of(library), AbsoluteUnixPath.get(library), FilePermissions.fromOctalString("755"));
        }
        Path emptyDir = Files.createTempDirectory("qwenstream-image-tmp");
        layer.addEntry(emptyDir, AbsoluteUnixPath.get("/tmp"), FilePermissions.fromOctalString("777"));
        return layer.build();
    }

    /** The absolute paths {@code ldd} prints for {@code binary}: the libraries it links and the loader. */
    private static List<String> linked(Path binary, Path jdk) throws IOException {
        Process ldd = new ProcessBuilder("ldd", binary.toString())
                .redirectErrorStream(true)
                .start();
        List<String> paths = new ArrayList<>();
        try {
            for (String line : new String(ldd.getInputStream().readAllBytes()).split("\n")) {
                for (String word : line.strip().split("\\s+")) {
                    // the JDK's own libraries are in its layer; "not found" ones are left to fail loudly at run time
                    if (word.startsWith("/") && !word.startsWith(jdk.toString())) paths.add(word);
                }
            }
            ldd.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        return paths;
    }

    /** Quarkus' fast-jar without its lib/: the runner jar, the app's classes and Quarkus' generated code. */
    private static FileEntriesLayer application(Path app) throws IOException {
        FileEntriesLayer.Builder layer = FileEntriesLayer.builder().setName("application");
        try (Stream<Path> top = Files.list(app)) {
            for (Path entry : top.sorted().toList()) {
                if (entry.getFileName().toString().equals("lib")) continue;
                addTree(layer, entry, APP.resolve(entry.getFileName().toString()), p -> false);
            }
        }
        return layer.build();
    }

    private static FileEntriesLayer tree(
            String name, Path from, AbsoluteUnixPath into, java.util.function.Predicate<Path> skip) throws IOException {
        FileEntriesLayer.Builder layer = FileEntriesLayer.builder().setName(name);
        addTree(layer, from, into, skip);
        return layer.build();
    }

    /** Every file under {@code from} (symbolic links as the files they point to), keeping its owner-execute bit. */
    private static void addTree(
            FileEntriesLayer.Builder layer, Path from, AbsoluteUnixPath into, java.util.function.Predicate<Path> skip)
            throws IOException {
        if (Files.isRegularFile(from)) {
            layer.addEntry(from, into, permissions(from));
            return;
        }
        try (Stream<Path> files = Files.walk(from)) {
            for (Path file : files.sorted().toList()) {
                if (!Files.isRegularFile(file) || skip.test(file)) continue;
                layer.addEntry(file, into.resolve(from.relativize(file).toString()), permissions(file));
            }
        }
    }

    private static FilePermissions permissions(Path file) throws IOException {
        boolean executable = Files.getPosixFilePermissions(file).contains(PosixFilePermission.OWNER_EXECUTE);
        return FilePermissions.fromOctalString(executable ? "755" : "644");
    }

    private static boolean isDesktopLibrary(Path path) {
        String name = path.getFileName().toString();
        return name.endsWith(".so") && DESKTOP_LIBRARIES.stream().anyMatch(name::contains);
    }

    private static boolean isSource(Path path) {
        String name = path.getFileName().toString();
        return name.equals("src.zip")
                || path.toString().contains("/man/")
                || path.toString().contains("/include/");
    }

    /** {@code --key=value} arguments; a value may be empty. */
    private static Map<String, String> options(String[] args) {
        Map<String, String> options = new java.util.HashMap<>();
        for (String arg : args) {
            int equals = arg.indexOf('=');
            if (!arg.startsWith("--") || equals < 0) throw new IllegalArgumentException("expected --key=value: " + arg);
            options.put(arg.substring(0, equals), arg.substring(equals + 1));
        }
        return options;
    }
}
