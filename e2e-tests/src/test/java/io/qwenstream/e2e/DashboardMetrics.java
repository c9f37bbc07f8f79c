package io.qwenstream.e2e;

import io.qwenstream.e2e.Exposition.Sample;
import io.qwenstream.e2e.PromQl.Selector;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What the Grafana dashboard queries against what the running services export: each selector of
 * the dashboard's PromQL must match a sample of some service's {@code /q/metrics}, by name and by
 * every label it requires to equal a fixed value (values holding a Grafana {@code $variable} are
 * left to the variable).
 */
final class DashboardMetrics {

    /** How often Micrometer's Kafka client binder looks for the client's new metrics (its default). */
    static final Duration KAFKA_METER_REFRESH = Duration.ofSeconds(60);

    static final List<String> SERVICES = List.of("ingest-service", "inference-worker", "postprocess-service");

    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private DashboardMetrics() {}

    /** Every selector of the dashboard, with the expression it came from. */
    record Query(String expression, Selector selector) {}

    static List<Query> queries(List<String> expressions) {
        List<Query> queries = new ArrayList<>();
        for (String expression : expressions) {
            for (Selector selector : PromQl.selectors(expression)) queries.add(new Query(expression, selector));
        }
        return queries;
    }

    /** The samples of every service's {@code /q/metrics}, now. */
    static List<Sample> scrape(Pipeline pipeline) {
        List<Sample> samples = new ArrayList<>();
        for (String service : SERVICES) {
            URI uri = URI.create("http://127.0.0.1:" + pipeline.httpPort(service) + "/q/metrics");
            try {
                HttpResponse<String> response = HTTP.send(
                        HttpRequest.newBuilder(uri)
                                .timeout(Duration.ofSeconds(10))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() != 200)
                    throw new IllegalStateException(uri + " answered " + response.statusCode());
                samples.addAll(Exposition.parse(response.body()));
            } catch (IOException e) {
                throw new IllegalStateException("cannot scrape " + uri, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        return samples;
    }

    /** The queries no sample answers. */
    static List<Query> unanswered(List<Query> queries, List<Sample> samples) {
        return queries.stream()
                .filter(query -> samples.stream().noneMatch(sample -> answers(sample, query.selector())))
                .toList();
    }

    private static boolean answers(Sample sample, Selector selector) {
        if (!sample.name().equals(selector.metric())) return false;
        for (Map.Entry<String, String> label : selector.equalLabels().entrySet()) {
            if (label.getValue().contains("$")) continue;
            if (!label.getValue().equals(sample.labels().get(label.getKey()))) return false;
        }
        return true;
    }
}
