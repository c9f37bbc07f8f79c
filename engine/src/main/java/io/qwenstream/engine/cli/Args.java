package io.qwenstream.engine.cli;

import io.qwenstream.engine.KvPrecision;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code --name value} options and {@code --flag} switches of one verb. Every option a verb reads
 * must be declared, so a typo is an error naming the option instead of being ignored. Public for the
 * benchmark verbs of benchmarks/engine, which parse their options the same way.
 */
public final class Args {

    private final Map<String, String> values = new HashMap<>();
    private final Set<String> flags = new HashSet<>();
    private final List<String> positional = new ArrayList<>();

    public Args(String[] argv, int from, Set<String> valueOptions, Set<String> flagOptions) {
        for (int i = from; i < argv.length; i++) {
            String a = argv[i];
            if (a.startsWith("--")) {
                String name = a.substring(2);
                String inline = null;
                int eq = name.indexOf('=');
                if (eq >= 0) {
                    inline = name.substring(eq + 1);
                    name = name.substring(0, eq);
                }
                if (flagOptions.contains(name) && inline == null) {
                    flags.add(name);
                } else if (valueOptions.contains(name)) {
                    if (inline == null) {
                        if (i + 1 >= argv.length) throw new UsageException("option --" + name + " needs a value");
                        inline = argv[++i];
                    }
                    values.put(name, inline);
                } else {
                    throw new UsageException("unknown option --" + name);
                }
            } else {
                positional.add(a);
            }
        }
    }

    public boolean flag(String name) {
        return flags.contains(name);
    }

    public boolean has(String name) {
        return values.containsKey(name);
    }

    public String string(String name) {
        String v = values.get(name);
        if (v == null) throw new UsageException("missing required option --" + name);
        return v;
    }

    public String string(String name, String fallback) {
        return values.getOrDefault(name, fallback);
    }

    public Path path(String name) {
        return Path.of(string(name));
    }

    public Path optionalPath(String name) {
        return has(name) ? Path.of(values.get(name)) : null;
    }

    public int integer(String name, int fallback) {
        return has(name) ? parseInt(name, values.get(name)) : fallback;
    }

    public Integer optionalInt(String name) {
        return has(name) ? parseInt(name, values.get(name)) : null;
    }

    public long longValue(String name, long fallback) {
        if (!has(name)) return fallback;
        try {
            return Long.parseLong(values.get(name).trim());
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " must be an integer, got '" + values.get(name) + "'");
        }
    }

    public Float optionalFloat(String name) {
        if (!has(name)) return null;
        try {
            return Float.parseFloat(values.get(name).trim());
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " must be a number, got '" + values.get(name) + "'");
        }
    }

    /** {@code --kv-cache f16|f32}: how the KV cache stores keys and values; {@code fallback} when absent. */
    public KvPrecision kvCache(KvPrecision fallback) {
        if (!has("kv-cache")) return fallback;
        String v = values.get("kv-cache").trim();
        for (KvPrecision p : KvPrecision.values()) if (p.wireName().equalsIgnoreCase(v)) return p;
        throw new UsageException("--kv-cache must be f16 or f32, got '" + values.get("kv-cache") + "'");
    }

    /** A comma-separated list of token ids, e.g. {@code 1,2,3}. */
    public int[] ids(String name) {
        String raw = string(name).trim();
        if (raw.isEmpty()) throw new UsageException("--" + name + " holds no token ids");
        String[] parts = raw.split(",");
        int[] ids = new int[parts.length];
        for (int i = 0; i < parts.length; i++) ids[i] = parseInt(name, parts[i]);
        return ids;
    }

    public List<String> positional() {
        return positional;
    }

    private static int parseInt(String name, String v) {
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " must be an integer, got '" + v + "'");
        }
    }
}
