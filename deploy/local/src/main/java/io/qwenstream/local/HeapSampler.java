package io.qwenstream.local;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * Samples each service's heap from its {@code /q/metrics} (Micrometer's JVM gauges) every {@code period} on a
 * thread of its own: the heap in use (all pools), the old generation in use, and the live data size that the
 * last collection left (what is really retained). Keeps the largest of each per service. A service that does
 * not answer (stopped, restarting) is skipped for that round.
 */
final class HeapSampler implements AutoCloseable {

    /** The largest figures seen of one service, in MiB; {@code samples} counts the rounds it answered. */
    record Peak(double heapUsedMib, double oldGenUsedMib, double liveDataMib, int samples) {}

    private final Supplier<Map<String, Integer>> httpPorts;
    private final Duration period;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    private final Map<String, Peak> peaks = new TreeMap<>();
    private final Thread thread;
    private volatile boolean running = true;

    /** @param httpPorts the services to sample now, by name (asked again each round: ports survive restarts) */
    HeapSampler(Supplier<Map<String, Integer>> httpPorts, Duration period) {
        this.httpPorts = httpPorts;
        this.period = period;
        this.thread = Thread.ofPlatform().name("soak-heap").daemon().start(this::run);
    }

    synchronized Map<String, Peak> peaks() {
        return Map.copyOf(peaks);
    }

    private void run() {
        while (running) {
            httpPorts.get().forEach((service, port) -> {
                String metrics = fetch(port);
                if (metrics != null) record(service, metrics);
            });
            try {
                Thread.sleep(period);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private String fetch(int port) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/metrics"))
                .timeout(Duration.ofSeconds(3))
                .GET()
                .build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? response.body() : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private synchronized void record(String service, String metrics) {
        double heap = 0;
        double old = 0;
        double live = 0;
        for (String line : metrics.split("\n")) {
            if (line.startsWith("jvm_memory_used_bytes{") && line.contains("area=\"heap\"")) {
                double bytes = value(line);
                heap += bytes;
                if (line.contains("Old Gen") || line.contains("Tenured")) old += bytes;
            } else if (line.startsWith("jvm_gc_live_data_size_bytes")) {
                live = value(line);
            }
        }
        Peak before = peaks.getOrDefault(service, new Peak(0, 0, 0, 0));
        peaks.put(
                service,
                new Peak(
                        Math.max(before.heapUsedMib(), mib(heap)),
                        Math.max(before.oldGenUsedMib(), mib(old)),
                        Math.max(before.liveDataMib(), mib(live)),
                        before.samples() + 1));
    }

    private static double value(String line) {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
    }

    private static double mib(double bytes) {
        return Math.round(bytes / (1 << 20) * 10) / 10.0;
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
