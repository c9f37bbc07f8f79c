package io.qwenstream.e2e;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/** A counter of the inference worker's {@code /q/metrics}, summed over its series. */
final class WorkerCounter {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private WorkerCounter() {}

    /** The counter once it reached {@code expected}, or its value after 30 s of scraping ten times a second. */
    static double await(Pipeline pipeline, String name, double expected) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        double value;
        while ((value = read(pipeline, name)) < expected && System.nanoTime() < deadline) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
        }
        return value;
    }

    /** The sum of {@code name}'s samples now (0 when the worker exports none). */
    static double read(Pipeline pipeline, String name) throws IOException, InterruptedException {
        URI uri = URI.create("http://127.0.0.1:" + pipeline.httpPort("inference-worker") + "/q/metrics");
        HttpResponse<String> response = HTTP.send(
                HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) throw new IllegalStateException(uri + " answered " + response.statusCode());
        return response.body()
                .lines()
                .filter(line -> line.startsWith(name + "{") || line.startsWith(name + " "))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .sum();
    }
}
