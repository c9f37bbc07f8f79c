package io.qwenstream.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.StreamHandler;

/**
 * Entry point of the broker's child JVM: sets up logging to stdout (which {@link LocalKafka}
 * sends to broker.log), formats the data directory if needed ({@code kafka.tools.StorageTool}),
 * then runs the broker ({@code kafka.Kafka}).
 *
 * <p>On the launcher's class path slf4j binds to slf4j-simple, configured by system properties.
 * On a Quarkus test class path it binds to JBoss LogManager, whose root handler buffers every
 * record until a Quarkus application activates it, which never happens in the broker: replace it
 * with a plain handler.
 */
public final class BrokerMain {

    private BrokerMain() {}

    /**
     * @param args the server.properties path and the cluster id to format the data directory with
     *             when it is not formatted yet ({@code -}: never format). An already formatted
     *             directory is never formatted again, so the same command line starts the broker
     *             again on its own data (formatting here saves a JVM start). A third argument names a file of
     *             {@code --add-scram} values to format with ({@link BrokerSecurity#scramFile()}).
     */
    public static void main(String[] args) throws Exception {
        if (LogManager.getLogManager().getClass().getName().startsWith("org.jboss.logmanager")) {
            logToStdout();
        }
        String properties = args[0];
        String clusterId = args[1];
        if (!clusterId.equals("-") && !formatted(Path.of(properties))) {
            List<String> format = new ArrayList<>(List.of("format", "--cluster-id", clusterId, "--config", properties));
            // A secure broker's SCRAM users come from a file: their passwords never appear on a command line.
            if (args.length > 2) {
                for (String user : Files.readAllLines(Path.of(args[2]))) format.addAll(List.of("--add-scram", user));
            }
            int formatted = kafka.tools.StorageTool.execute(format.toArray(String[]::new), System.out);
            if (formatted != 0) {
                System.out.println("formatting the data directory failed (exit " + formatted + ")");
                System.exit(formatted);
            }
        }
        // The users are in the metadata now (or were already): their passwords need not stay in a second file.
        if (args.length > 2) Files.deleteIfExists(Path.of(args[2]));
        kafka.Kafka.main(new String[] {properties});
    }

    /** Whether the log directory of these server properties already holds a formatted broker's data. */
    static boolean formatted(Path serverProperties) throws IOException {
        Properties properties = new Properties();
        try (var in = Files.newInputStream(serverProperties)) {
            properties.load(in);
        }
        return Files.exists(Path.of(properties.getProperty("log.dirs")).resolve("meta.properties"));
    }

    private static void logToStdout() {
        Logger root = Logger.getLogger("");
        for (Handler handler : root.getHandlers()) root.removeHandler(handler);
        Handler stdout = new StdoutHandler();
        stdout.setLevel(Level.INFO);
        root.addHandler(stdout);
        root.setLevel(Level.INFO);
        Logger.getLogger("org.apache.kafka.clients").setLevel(Level.WARNING);
    }

    /** One line per record on stdout, flushed at once (the log must be current when a start fails). */
    static final class StdoutHandler extends StreamHandler {
        StdoutHandler() {
            super(System.out, new OneLineFormatter());
        }

        @Override
        public synchronized void publish(LogRecord record) {
            super.publish(record);
            flush();
        }
    }

    /** {@code time [thread] LEVEL logger - message}, then the stack trace if any. */
    static final class OneLineFormatter extends Formatter {
        private static final DateTimeFormatter TIME =
                DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS").withZone(ZoneId.systemDefault());

        @Override
        public String format(LogRecord record) {
            String line = TIME.format(Instant.ofEpochMilli(record.getMillis())) + " ["
                    + Thread.currentThread().getName() + "] " + record.getLevel() + " " + record.getLoggerName() + " - "
                    + formatMessage(record) + System.lineSeparator();
            if (record.getThrown() == null) return line;
            var trace = new java.io.StringWriter();
            record.getThrown().printStackTrace(new java.io.PrintWriter(trace));
            return line + trace;
        }
    }
}
