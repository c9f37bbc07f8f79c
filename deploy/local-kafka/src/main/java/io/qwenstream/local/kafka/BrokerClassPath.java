package io.qwenstream.local.kafka;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The broker JVM's class path and its class-data-sharing (AppCDS) archive.
 *
 * <p>The class path is {@link BrokerMain} plus the jars of this JVM's class path that belong to
 * the broker: the runtime dependencies of kafka_2.13 (listed at build time in
 * {@code broker-dependencies.txt}, matched by artifactId so that a BOM's other version still
 * counts) and the slf4j binding at hand. Whoever has local-cluster on its class path has those
 * jars too. Leaving everything else out keeps a Quarkus test class path's hundreds of jars (and
 * their service files) away from the broker, and keeps the class path stable while our own
 * modules are rebuilt.
 *
 * <p>Loading the broker's classes is most of its start time (about 6 s on a busy 2-core machine
 * against 2 s with an archive), so the first broker of a given class path records an archive when
 * it stops, and later ones map it. Archives live in {@code <tmpdir>/qwenstream-kafka-cds}, keyed
 * by JDK and class path (names, sizes, times). {@code -Dqwenstream.kafka.cds=false} turns them
 * off. A JVM cannot archive classes from directories, and local-cluster's own jar changes with
 * every build, so BrokerMain travels in a small jar named by its content.
 */
final class BrokerClassPath {

    private static final Path CACHE = Path.of(System.getProperty("java.io.tmpdir"), "qwenstream-kafka-cds");
    private static final int ARCHIVES_KEPT = 6;
    /**
     * The slf4j binding of Quarkus test class paths (JBoss LogManager and what it needs), for the
     * broker to log through there; on the launcher's class path slf4j-simple (in the list) does.
     */
    private static final Set<String> LOGGING_BINDINGS = Set.of(
            "slf4j-jboss-logmanager",
            "jboss-logmanager",
            "jboss-logging",
            "smallrye-common-constraint",
            "smallrye-common-cpu",
            "smallrye-common-expression",
            "smallrye-common-function",
            "smallrye-common-net",
            "smallrye-common-os",
            "smallrye-common-ref");

    private static final Pattern LISTED = Pattern.compile("^\\s*([\\w.\\-]+):([\\w.\\-]+):jar:");

    private final List<Path> entries;
    private final Path archive;

    private BrokerClassPath(List<Path> entries, Path archive) {
        this.entries = entries;
        this.archive = archive;
    }

    static BrokerClassPath ofThisJvm() {
        Set<String> brokerArtifacts = brokerArtifacts();
        Map<String, Path> jarsByName = new LinkedHashMap<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (!entry.endsWith(".jar")) continue;
            Path path = Path.of(entry).toAbsolutePath();
            String name = path.getFileName().toString();
            if (Files.isRegularFile(path) && (brokerArtifacts == null || belongs(name, brokerArtifacts))) {
                jarsByName.putIfAbsent(name, path);
            }
        }
        List<Path> entries = new ArrayList<>();
        entries.add(brokerMainJar());
        entries.addAll(jarsByName.values());
        return new BrokerClassPath(List.copyOf(entries), CACHE.resolve("kafka-" + key(entries) + ".jsa"));
    }

    /** The artifactIds of the broker's runtime dependencies, or null when the list is missing (then every jar goes). */
    private static Set<String> brokerArtifacts() {
        try (InputStream in = BrokerMain.class.getResourceAsStream("broker-dependencies.txt")) {
            if (in == null) return null;
            Set<String> artifacts = new java.util.HashSet<>(LOGGING_BINDINGS);
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                Matcher matcher = LISTED.matcher(line);
                if (matcher.find()) artifacts.add(matcher.group(2));
            }
            return artifacts;
        } catch (IOException e) {
            return null;
        }
    }

    /** Whether a jar file name is {@code <artifactId>-<version>.jar} of one of the artifacts. */
    static boolean belongs(String jarName, Set<String> artifacts) {
        for (int dash = jarName.indexOf('-'); dash > 0; dash = jarName.indexOf('-', dash + 1)) {
            if (dash + 1 < jarName.length()
                    && Character.isDigit(jarName.charAt(dash + 1))
                    && artifacts.contains(jarName.substring(0, dash))) {
                return true;
            }
        }
        return false;
    }

    /** BrokerMain and its nested classes in a jar named by their content. */
    private static Path brokerMainJar() {
        try {
            Map<String, byte[]> classes = new LinkedHashMap<>();
            List<Class<?>> types = new ArrayList<>(List.of(BrokerMain.class));
            types.addAll(List.of(BrokerMain.class.getDeclaredClasses()));
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (Class<?> type : types) {
                String file = type.getName().replace('.', '/') + ".class";
                try (InputStream in = BrokerMain.class.getClassLoader().getResourceAsStream(file)) {
                    if (in == null) throw new IllegalStateException("class file " + file + " not found");
                    byte[] bytes = in.readAllBytes();
                    classes.put(file, bytes);
                    digest.update(bytes);
                }
            }
            Path jar = CACHE.resolve("broker-main-" + HexFormat.of().formatHex(digest.digest(), 0, 8) + ".jar");
            if (Files.exists(jar)) return jar;
            Files.createDirectories(CACHE);
            Path partial = Files.createTempFile(CACHE, "broker-main-", ".partial");
            try (OutputStream out = Files.newOutputStream(partial);
                    JarOutputStream jarOut = new JarOutputStream(out)) {
                for (var entry : classes.entrySet()) {
                    jarOut.putNextEntry(new JarEntry(entry.getKey()));
                    jarOut.write(entry.getValue());
                    jarOut.closeEntry();
                }
            }
            Files.move(partial, jar, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return jar;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot pack " + BrokerMain.class.getName() + " into " + CACHE, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String key(List<Path> entries) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update((LocalKafka.javaBinary() + "\n" + Runtime.version() + "\n").getBytes(StandardCharsets.UTF_8));
            for (Path entry : entries) {
                String line = entry + " " + Files.size(entry) + " "
                        + Files.getLastModifiedTime(entry).toMillis() + "\n";
                digest.update(line.getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(digest.digest(), 0, 12);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    List<Path> entries() {
        return entries;
    }

    /** The class path as one {@code -cp} value. */
    String asArgument() {
        return String.join(
                File.pathSeparator, entries.stream().map(Path::toString).toList());
    }

    boolean contains(String fileNamePart) {
        return entries.stream().anyMatch(entry -> entry.getFileName().toString().contains(fileNamePart));
    }

    private static boolean enabled() {
        return !"false".equals(System.getProperty("qwenstream.kafka.cds"));
    }

    /** The archive to map, if one was recorded for this class path. */
    Path existingArchive() {
        return enabled() && Files.isRegularFile(archive) ? archive : null;
    }

    /** A fresh file for a broker to record the archive into at exit; {@link #publish} moves it in place. */
    Path newArchiveRecording() {
        if (!enabled()) return null;
        try {
            Files.createDirectories(CACHE);
            Path recording = Files.createTempFile(CACHE, archive.getFileName().toString(), ".recording");
            Files.delete(recording); // the JVM creates it; an empty file is not an archive
            return recording;
        } catch (IOException e) {
            return null; // no archive: the broker only starts slower
        }
    }

    /**
     * Makes a finished recording the archive (atomically: a starting broker never maps half a
     * file), and drops all but the newest {@link #ARCHIVES_KEPT} archives (about 50 MB each).
     */
    void publish(Path recording) {
        try {
            if (Files.isRegularFile(recording) && Files.size(recording) > 0) {
                Files.move(recording, archive, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                pruneArchives();
            }
        } catch (IOException e) {
            // Another broker published the same archive meanwhile, or the disk is full: either way start-up still
            // works.
        } finally {
            discard(recording);
        }
    }

    /** Drops a recording of a broker that never ran properly. */
    void discard(Path recording) {
        try {
            Files.deleteIfExists(recording);
        } catch (IOException ignored) {
            // A stray recording in the temp dir is harmless.
        }
    }

    private static void pruneArchives() throws IOException {
        List<Path> archives;
        try (Stream<Path> files = Files.list(CACHE)) {
            archives = files.filter(f -> f.getFileName().toString().matches("kafka-[0-9a-f]+\\.jsa"))
                    .toList();
        }
        List<Path> oldestFirst = archives.stream()
                .sorted(Comparator.comparing(BrokerClassPath::modified))
                .toList();
        for (Path old : oldestFirst.subList(0, Math.max(0, oldestFirst.size() - ARCHIVES_KEPT))) {
            // A broker that maps it keeps its mapping; the next one of that class path records a new archive.
            Files.deleteIfExists(old);
        }
    }

    private static long modified(Path file) {
        try {
            return Files.getLastModifiedTime(file).toMillis();
        } catch (IOException e) {
            return 0;
        }
    }
}
