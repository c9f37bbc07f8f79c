package io.qwenstream.e2e;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Samples of a Prometheus text exposition (what {@code /q/metrics} serves): name and labels of each. */
final class Exposition {

    record Sample(String name, Map<String, String> labels) {}

    private Exposition() {}

    static List<Sample> parse(String text) {
        List<Sample> samples = new ArrayList<>();
        for (String line : text.lines().toList()) {
            if (line.isBlank() || line.startsWith("#")) continue;
            int brace = line.indexOf('{');
            int space = line.indexOf(' ');
            if (brace < 0 || (space >= 0 && space < brace)) {
                samples.add(new Sample(line.substring(0, space), Map.of()));
            } else {
                samples.add(new Sample(line.substring(0, brace), labels(line, brace + 1)));
            }
        }
        return samples;
    }

    /** {@code a="x",b="y\"z"}: label values are quoted, with \\, \" and \n escaped. */
    private static Map<String, String> labels(String line, int from) {
        Map<String, String> labels = new LinkedHashMap<>();
        int at = from;
        while (line.charAt(at) != '}') {
            if (line.charAt(at) == ',') {
                at++;
                continue;
            }
            int equals = line.indexOf('=', at);
            String name = line.substring(at, equals).strip();
            at = equals + 2; // past ="
            StringBuilder value = new StringBuilder();
            while (line.charAt(at) != '"') {
                char c = line.charAt(at++);
                if (c == '\\') {
                    char escaped = line.charAt(at++);
                    value.append(escaped == 'n' ? '\n' : escaped);
                } else {
                    value.append(c);
                }
            }
            at++;
            labels.put(name, value.toString());
        }
        return labels;
    }
}
