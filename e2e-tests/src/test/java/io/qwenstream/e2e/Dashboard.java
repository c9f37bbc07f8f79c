package io.qwenstream.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The PromQL of a Grafana dashboard JSON: every panel target's {@code expr} and every query variable's query. */
final class Dashboard {

    /** {@code label_values(selector, label)}: Grafana's variable query, whose first argument is a selector. */
    private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\((.*),\\s*\\w+\\s*\\)");

    private Dashboard() {}

    /** The dashboard in {@code deploy/grafana/} of the checkout. */
    static Path file(Path root) {
        return root.resolve("deploy/grafana/qwenstream-dashboard.json");
    }

    static List<String> expressions(Path dashboard) {
        JsonNode json;
        try {
            json = Pipeline.json().readTree(dashboard.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> expressions = new ArrayList<>();
        collectTargets(json.path("panels"), expressions);
        for (JsonNode variable : json.path("templating").path("list")) {
            if (!variable.path("type").asText().equals("query")) continue;
            String query = variable.path("query").isObject()
                    ? variable.path("query").path("query").asText()
                    : variable.path("query").asText();
            Matcher labelValues = LABEL_VALUES.matcher(query.strip());
            expressions.add(labelValues.matches() ? labelValues.group(1) : query);
        }
        return expressions;
    }

    private static void collectTargets(JsonNode panels, List<String> into) {
        for (JsonNode panel : panels) {
            for (JsonNode target : panel.path("targets")) {
                if (target.hasNonNull("expr")) into.add(target.get("expr").asText());
            }
            collectTargets(panel.path("panels"), into); // panels of a collapsed row
        }
    }
}
