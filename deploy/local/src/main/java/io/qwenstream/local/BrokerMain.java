package io.qwenstream.local;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.StreamHandler;

/**
 * Entry point of the broker's child JVM: sets up logging to stdout (which {@link LocalKafka}
 * sends to broker.log), then runs {@code kafka.Kafka} or {@code kafka.tools.StorageTool}.
 *
 * <p>On the launcher's class path slf4j binds to slf4j-simple, configured by system properties.
 * On a Quarkus test class path it binds to JBoss LogManager, whose root handler buffers every
 * record until a Quarkus application activates it, which never happens in the broker: replace it
 * with a plain handler.
 */
public final class BrokerMain {

    private BrokerMain() {
    }

    public static void main(String[] args) throws Exception {
        if (LogManager.getLogManager().getClass().getName().startsWith("org.jboss.logmanager")) {
            logToStdout();
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        switch (args[0]) {
            case "server" -> kafka.Kafka.main(rest);
            case "format" -> kafka.tools.StorageTool.main(rest);
            default -> throw new IllegalArgumentException("unknown broker command " + args[0]);
        }
    }

    private static void logToStdout() {
        Logger root = Logger.getLogger("");
        for (Handler handler : root.getHandlers()) root.removeHandler(handler);
        DateTimeFormatter time = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS").withZone(ZoneId.systemDefault());
        Formatter oneLine = new Formatter() {
            @Override
            public String format(LogRecord record) {
                String line = time.format(Instant.ofEpochMilli(record.getMillis())) + " [" + Thread.currentThread().getName() + "] "
                        + record.getLevel() + " " + record.getLoggerName() + " - " + formatMessage(record) + System.lineSeparator();
                if (record.getThrown() == null) return line;
                var trace = new java.io.StringWriter();
                record.getThrown().printStackTrace(new java.io.PrintWriter(trace));
                return line + trace;
            }
        };
        Handler stdout = new StreamHandler(System.out, oneLine) {
            @Override
            public synchronized void publish(LogRecord record) {
                super.publish(record);
                flush();
            }
        };
        stdout.setLevel(Level.INFO);
        root.addHandler(stdout);
        root.setLevel(Level.INFO);
        Logger.getLogger("org.apache.kafka.clients").setLevel(Level.WARNING);
    }
}
