package io.qwenstream.local;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The secrets of a broker run with {@code --secure}, made on the spot in {@code <data dir>/secrets} (owner-only): a
 * throw-away CA and a broker certificate for 127.0.0.1/localhost signed by it ({@code keytool}), and a random
 * password per SCRAM-SHA-512 user ({@link #ADMIN} and one per service). A data directory keeps its secrets: its
 * metadata holds the SCRAM credentials they match.
 *
 * <p>The broker has no plaintext listener: clients connect over SASL_SSL with SCRAM-SHA-512; the KRaft controller
 * listener is SASL_SSL with PLAIN and the admin's password (SCRAM credentials live in the metadata the controller
 * serves, so the controller cannot use them itself). {@link #ADMIN} is the only super user; the others get what
 * {@link ServiceAcls} grants them.
 */
public final class BrokerSecurity {

    /** The super user: the launcher's own clients (topics, ACLs, {@code ask}, {@code send}) and the broker itself. */
    public static final String ADMIN = "admin";
    /** The directory inside the data directory that holds every secret. */
    public static final String DIR = "secrets";

    static final String MECHANISM = "SCRAM-SHA-512";
    private static final String PASSWORDS = "passwords.properties";
    private static final String KEYSTORE = "broker.p12";
    private static final String CA = "ca.pem";
    private static final String KEYSTORE_PASSWORD = "keystore";
    private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path dir;
    /** User → password, and {@link #KEYSTORE_PASSWORD} → the broker keystore's password. */
    private final Map<String, String> passwords;

    private BrokerSecurity(Path dir, Map<String, String> passwords) {
        this.dir = dir;
        this.passwords = Map.copyOf(passwords);
    }

    /**
     * The secrets of {@code dataDir}: made now for {@link #ADMIN} and {@code users} when the directory has none, else
     * read back. A data directory formatted without secrets cannot be secured: its metadata has no SCRAM users.
     */
    public static BrokerSecurity prepare(Path dataDir, Collection<String> users) {
        Path dir = dataDir.resolve(DIR);
        if (Files.exists(dir.resolve(PASSWORDS))) return load(dataDir);
        if (Files.exists(dataDir.resolve("kafka-logs/meta.properties"))) {
            throw new LauncherException("the broker data in " + dataDir
                    + " was made without --secure and has no SCRAM users: use another --data directory");
        }
        Map<String, String> passwords = new TreeMap<>();
        LinkedHashSet<String> all = new LinkedHashSet<>(List.of(ADMIN));
        all.addAll(users);
        for (String user : all) passwords.put(user, randomPassword());
        passwords.put(KEYSTORE_PASSWORD, randomPassword());
        try {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            BrokerSecurity security = new BrokerSecurity(dir, passwords);
            security.makeCertificates();
            Properties file = new Properties();
            file.putAll(passwords);
            writeOwnerOnly(dir.resolve(PASSWORDS), store(file, "qwenstream --secure: SCRAM passwords (user=password)"));
            for (String user : all) security.writeClientProperties(user);
            return security;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the broker's secrets in " + dir, e);
        }
    }

    /** The secrets already in {@code dataDir}. */
    public static BrokerSecurity load(Path dataDir) {
        Path dir = dataDir.resolve(DIR);
        Properties file = new Properties();
        try (InputStream in = Files.newInputStream(dir.resolve(PASSWORDS))) {
            file.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the broker's secrets in " + dir, e);
        }
        Map<String, String> passwords = new HashMap<>();
        file.stringPropertyNames().forEach(name -> passwords.put(name, file.getProperty(name)));
        return new BrokerSecurity(dir, passwords);
    }

    /** Whether {@code dataDir} holds the secrets of a secure broker. */
    public static boolean present(Path dataDir) {
        return Files.exists(dataDir.resolve(DIR).resolve(PASSWORDS));
    }

    /** The users with a password, sorted by name. */
    public List<String> users() {
        return passwords.keySet().stream()
                .filter(name -> !name.equals(KEYSTORE_PASSWORD))
                .sorted()
                .toList();
    }

    /** The secrets directory. */
    public Path dir() {
        return dir;
    }

    /** The CA certificate (PEM) that clients trust. */
    public Path caCertificate() {
        return dir.resolve(CA);
    }

    /**
     * A user's client properties for plain Kafka clients ({@code --command-config} of Kafka's tools), owner-only:
     * SASL_SSL, SCRAM-SHA-512 and the CA.
     */
    public Path clientPropertiesFile(String user) {
        return dir.resolve(user + ".properties");
    }

    /**
     * A user's client settings for a Quarkus service ({@code quarkus.config.locations}): the same settings as
     * {@link #clientPropertiesFile} under {@code kafka.} (SmallRye Kafka and the service's own clients) and
     * {@code kafka-streams.} (Kafka Streams), owner-only.
     */
    public Path servicePropertiesFile(String user) {
        return dir.resolve(user + ".quarkus.properties");
    }

    /** Client settings for {@code user} with its password. */
    public Map<String, Object> clientConfig(String user) {
        String password = passwords.get(user);
        if (password == null || user.equals(KEYSTORE_PASSWORD)) throw new IllegalArgumentException("no user " + user);
        return clientConfig(user, password);
    }

    /** Client settings for {@code user} with the given password (a wrong one too: tests show it is refused). */
    public Map<String, Object> clientConfig(String user, String password) {
        Map<String, Object> config = new TreeMap<>();
        config.put("security.protocol", "SASL_SSL");
        config.put("sasl.mechanism", MECHANISM);
        config.put("sasl.jaas.config", jaas("org.apache.kafka.common.security.scram.ScramLoginModule", user, password));
        config.put("ssl.truststore.type", "PEM");
        config.put("ssl.truststore.location", caCertificate().toString());
        return config;
    }

    /**
     * The listener lines of server.properties: SASL_SSL (SCRAM-SHA-512) for clients and between brokers, SASL_SSL
     * (PLAIN, admin only) for the controller, StandardAuthorizer with admin as the only super user.
     */
    String serverProperties(int brokerPort, int controllerPort) {
        String admin = passwords.get(ADMIN);
        return String.join(
                "\n",
                "listeners=SASL_SSL://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort,
                "advertised.listeners=SASL_SSL://127.0.0.1:" + brokerPort,
                "controller.listener.names=CONTROLLER",
                "inter.broker.listener.name=SASL_SSL",
                "listener.security.protocol.map=SASL_SSL:SASL_SSL,CONTROLLER:SASL_SSL",
                "sasl.enabled.mechanisms=" + MECHANISM,
                "sasl.mechanism.inter.broker.protocol=" + MECHANISM,
                "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config="
                        + jaas("org.apache.kafka.common.security.scram.ScramLoginModule", ADMIN, admin),
                "sasl.mechanism.controller.protocol=PLAIN",
                "listener.name.controller.sasl.enabled.mechanisms=PLAIN",
                "listener.name.controller.plain.sasl.jaas.config="
                        + jaas("org.apache.kafka.common.security.plain.PlainLoginModule", ADMIN, admin)
                                .replaceFirst(";$", " user_" + ADMIN + "=\"" + admin + "\";"),
                "ssl.keystore.type=PKCS12",
                "ssl.keystore.location=" + dir.resolve(KEYSTORE),
                "ssl.keystore.password=" + passwords.get(KEYSTORE_PASSWORD),
                "ssl.truststore.type=PEM",
                "ssl.truststore.location=" + caCertificate(),
                "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
                "super.users=User:" + ADMIN,
                "allow.everyone.if.no.acl.found=false",
                "");
    }

    /**
     * A file of {@code kafka-storage format --add-scram} values, one a line, for {@link BrokerMain} to format the
     * data directory with: the SCRAM credentials of every user, in the metadata from the first start on.
     */
    Path scramFile() {
        Path file = dir.resolve("scram-users.txt");
        StringBuilder lines = new StringBuilder();
        for (String user : users()) {
            lines.append(MECHANISM)
                    .append("=[name=")
                    .append(user)
                    .append(",password=")
                    .append(passwords.get(user))
                    .append("]\n");
        }
        try {
            writeOwnerOnly(file, lines.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    private void writeClientProperties(String user) throws IOException {
        Properties plain = new Properties();
        Properties quarkus = new Properties();
        clientConfig(user).forEach((key, value) -> {
            plain.put(key, value.toString());
            quarkus.put("kafka." + key, value.toString());
            quarkus.put("kafka-streams." + key, value.toString());
        });
        writeOwnerOnly(clientPropertiesFile(user), store(plain, "Kafka client settings of " + user));
        writeOwnerOnly(servicePropertiesFile(user), store(quarkus, "Kafka settings of the service user " + user));
    }

    /** The CA and the broker's key and certificate, through the JDK's keytool (no library makes certificates). */
    private void makeCertificates() throws IOException {
        Path keystore = dir.resolve(KEYSTORE);
        // The CA signs the broker's key in the same keystore, then leaves it: nothing is ever signed again.
        keytool(
                "-genkeypair",
                "-alias",
                "ca",
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-validity",
                "3650",
                "-dname",
                "CN=qwenstream local CA",
                "-ext",
                "bc:c");
        keytool(
                "-genkeypair",
                "-alias",
                "broker",
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-validity",
                "3650",
                "-dname",
                "CN=localhost",
                "-signer",
                "ca",
                "-ext",
                "san=dns:localhost,ip:127.0.0.1",
                "-ext",
                "eku=serverAuth");
        keytool("-exportcert", "-alias", "ca", "-rfc", "-file", caCertificate().toString());
        keytool("-delete", "-alias", "ca");
        Files.setPosixFilePermissions(keystore, PosixFilePermissions.fromString("rw-------"));
    }

    /** Runs keytool on the broker keystore; its password goes through the environment, never the command line. */
    private void keytool(String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(LocalKafka.javaBinary()).resolveSibling("keytool").toString());
        command.addAll(List.of(args));
        command.addAll(List.of(
                "-keystore",
                dir.resolve(KEYSTORE).toString(),
                "-storetype",
                "PKCS12",
                "-storepass:env",
                "QS_STOREPASS",
                "-noprompt"));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("QS_STOREPASS", passwords.get(KEYSTORE_PASSWORD));
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes());
        try {
            if (process.waitFor() != 0) {
                throw new IllegalStateException("keytool " + args[0] + " failed: " + output.strip());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while making the broker's certificates", e);
        }
    }

    private static String jaas(String module, String user, String password) {
        return module + " required username=\"" + user + "\" password=\"" + password + "\";";
    }

    private static String randomPassword() {
        StringBuilder password = new StringBuilder(32);
        for (int i = 0; i < 32; i++) password.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
        return password.toString();
    }

    private static String store(Properties properties, String comment) throws IOException {
        var out = new java.io.StringWriter();
        properties.store(out, comment);
        return out.toString();
    }

    /** Creates the file owner-only before writing anything into it. */
    static void writeOwnerOnly(Path file, String content) throws IOException {
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, content);
    }
}
