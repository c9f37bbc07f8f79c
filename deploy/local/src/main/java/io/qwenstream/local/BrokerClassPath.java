package io.qwenstream.local;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/**
 * The broker JVM's class path and its class-data-sharing (AppCDS) archive.
 *
 * <p>The class path is the jars of this JVM's class path plus {@link BrokerMain}: whoever has
 * local-cluster on its class path has the broker's jars too. Loading the broker's classes is most
 * of its start time (about 6 s on a busy 2-core machine against 2 s with an archive), so the first
 * broker of a given class path records an archive when it stops, and later ones map it. A JVM
 * cannot archive classes from directories, so BrokerMain, when it comes from a class directory
 * (this module's own tests), is packed into a small jar first. Archives live in
 * {@code <tmpdir>/qwenstream-kafka-cds}, keyed by JDK and class path (names, sizes, times), so a
 * rebuilt jar gets a new one. {@code -Dqwenstream.kafka.cds=false} turns archives off.
 */
final class BrokerClassPath {

    private static final Path CACHE = Path.of(System.getProperty("java.io.tmpdir"), "qwenstream-kafka-cds");
    private static final int ARCHIVES_KEPT = 6;

    private final List<Path> entries;
    private final Path archive;

    private BrokerClassPath(List<Path> entries, Path archive) {
        this.entries = entries;
        this.archive = archive;
    }

    static BrokerClassPath ofThisJvm() {
        List<Path> entries = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path path = Path.of(entry);
            if (entry.endsWith(".jar") && Files.isRegularFile(path)) entries.add(path.toAbsolutePath());
        }
        Path home = brokerMainHome();
        if (home != null && Files.isDirectory(home)) {
            entries.addFirst(packBrokerMain(home));
        } else if (home != null && !entries.contains(home)) {
            entries.addFirst(home);
        }
        return new BrokerClassPath(List.copyOf(entries), CACHE.resolve("kafka-" + key(entries) + ".jsa"));
    }

    /** Where BrokerMain was loaded from: a jar or a class directory; null if unknown. */
    private static Path brokerMainHome() {
        var source = BrokerMain.class.getProtectionDomain().getCodeSource();
        if (source == null || source.getLocation() == null) return null;
        try {
            return Path.of(source.getLocation().toURI()).toAbsolutePath();
        } catch (URISyntaxException | IllegalArgumentException e) {
            return null;
        }
    }

    /** BrokerMain's class files from a class directory, in a jar named by their content. */
    private static Path packBrokerMain(Path classDir) {
        Path packageDir = classDir.resolve(BrokerMain.class.getPackageName().replace('.', '/'));
        try (Stream<Path> files = Files.list(packageDir)) {
            List<Path> classes = files.filter(f -> f.getFileName().toString().matches("BrokerMain(\\$.*)?\\.class")).sorted().toList();
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (Path file : classes) digest.update(Files.readAllBytes(file));
            Path jar = CACHE.resolve("broker-main-" + HexFormat.of().formatHex(digest.digest(), 0, 8) + ".jar");
            if (Files.exists(jar)) return jar;
            Files.createDirectories(CACHE);
            Path partial = Files.createTempFile(CACHE, "broker-main-", ".partial");
            try (OutputStream out = Files.newOutputStream(partial); JarOutputStream jarOut = new JarOutputStream(out)) {
                for (Path file : classes) {
                    jarOut.putNextEntry(new JarEntry(classDir.relativize(file).toString().replace(File.separatorChar, '/')));
                    jarOut.write(Files.readAllBytes(file));
                    jarOut.closeEntry();
                }
            }
            Files.move(partial, jar, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return jar;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot pack " + BrokerMain.class.getName() + " from " + classDir, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String key(List<Path> entries) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update((LocalKafka.javaBinary() + "\n" + Runtime.version() + "\n").getBytes(StandardCharsets.UTF_8));
            for (Path entry : entries) {
                String line = entry + " " + Files.size(entry) + " " + Files.getLastModifiedTime(entry).toMillis() + "\n";
                digest.update(line.getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(digest.digest(), 0, 12);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The class path as one {@code -cp} value. */
    String asArgument() {
        return String.join(File.pathSeparator, entries.stream().map(Path::toString).toList());
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
     * file), and drops all but the newest {@link #ARCHIVES_KEPT} archives (about 50 MB each; every
     * rebuild of a jar on a class path makes a new one).
     */
    void publish(Path recording) {
        try {
            if (Files.isRegularFile(recording) && Files.size(recording) > 0) {
                Files.move(recording, archive, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                pruneArchives();
            }
        } catch (IOException e) {
            // Another broker published the same archive meanwhile, or the disk is full: either way start-up still works.
        } finally {
            try {
                Files.deleteIfExists(recording);
            } catch (IOException ignored) {
                // A stray recording in the temp dir is harmless.
            }
        }
    }

    private static void pruneArchives() throws IOException {
        List<Path> archives;
        try (Stream<Path> files = Files.list(CACHE)) {
            archives = files.filter(f -> f.getFileName().toString().matches("kafka-[0-9a-f]+\\.jsa")).toList();
        }
        List<Path> oldestFirst = archives.stream().sorted(java.util.Comparator.comparing(BrokerClassPath::modified)).toList();
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
