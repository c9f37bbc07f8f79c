package io.qwenstream.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.qwenstream.e2e.PromQl.Selector;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The selector extraction the dashboard test relies on: names and equality matchers, nothing else. */
class PromQlTest {

    @Test
    void quantileOfAHistogramNamesOnlyItsBucketSeries() {
        assertEquals(
                List.of(new Selector("gen_ai_server_time_to_first_token_seconds_bucket", Map.of())),
                PromQl.selectors("histogram_quantile(0.95, sum by (le) (rate("
                        + "gen_ai_server_time_to_first_token_seconds_bucket{gen_ai_request_model=~\"$model\"}"
                        + "[$__rate_interval])))"));
    }

    @Test
    void equalityMatchersAreKeptAndGroupingsSkipped() {
        assertEquals(
                List.of(
                        new Selector("a_total", Map.of("topic", "qwen.inference", "x", "say \"hi\"")),
                        new Selector("b_total", Map.of())),
                PromQl.selectors("sum by (layer, expert) (rate(a_total{topic=\"qwen.inference\", x=\"say \\\"hi\\\"\","
                        + " y!=\"z\"}[5m])) / ignoring (expert) group_left sum(rate(b_total[1m])) by (layer) > 0.5"));
    }

    @Test
    void aBareMetricAndAnIncreaseOverTheDashboardRange() {
        assertEquals(
                List.of(new Selector("up", Map.of()), new Selector("c_total", Map.of("phase", "thinking"))),
                PromQl.selectors("up + increase(c_total{phase='thinking'}[$__range]) offset 1h"));
    }

    @Test
    void aSelectorWithoutNameIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> PromQl.selectors("sum({__name__=~\"x.*\"})"));
    }
}
