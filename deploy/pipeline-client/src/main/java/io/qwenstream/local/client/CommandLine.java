package io.qwenstream.local.client;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The parsed arguments of one launcher verb: options that take a value ({@code --to LANG} or
 * {@code --to=LANG}), flags ({@code --json}) and positional arguments. Anything else is a
 * {@link UsageException}.
 */
public final class CommandLine {

    /** Bad arguments: the launcher prints the message and the verb's usage, and exits 2. */
    public static final class UsageException extends RuntimeException {
        public UsageException(String message) {
            super(message);
        }
    }

    private final Map<String, String> values = new HashMap<>();
    private final Set<String> flags = new HashSet<>();
    private final List<String> positional = new ArrayList<>();

    private CommandLine() {}

    /**
     * @param valueOptions options that take a value, e.g. {@code --to}
     * @param flagOptions  options without a value, e.g. {@code --json}
     */
    public static CommandLine parse(List<String> args, Set<String> valueOptions, Set<String> flagOptions) {
        CommandLine line = new CommandLine();
        boolean optionsEnded = false;
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (optionsEnded || !arg.startsWith("--")) {
                line.positional.add(arg);
            } else if (arg.equals("--")) {
                optionsEnded = true;
            } else {
                int eq = arg.indexOf('=');
                String name = eq < 0 ? arg : arg.substring(0, eq);
                if (flagOptions.contains(name)) {
                    if (eq >= 0) throw new UsageException(name + " takes no value");
                    line.flags.add(name);
                } else if (valueOptions.contains(name)) {
                    String value;
                    if (eq >= 0) {
                        value = arg.substring(eq + 1);
                    } else if (i + 1 < args.size()) {
                        value = args.get(++i);
                    } else {
                        throw new UsageException(name + " needs a value");
                    }
                    if (line.values.put(name, value) != null) throw new UsageException(name + " given twice");
                } else {
                    throw new UsageException("unknown option " + name);
                }
            }
        }
        return line;
    }

    public boolean flag(String name) {
        return flags.contains(name);
    }

    public String value(String name) {
        return values.get(name);
    }

    public boolean has(String name) {
        return values.containsKey(name);
    }

    public List<String> positional() {
        return positional;
    }

    /** The option's value as an int within [min, max], or null when absent. */
    public Integer intValue(String name, int min, int max) {
        String value = values.get(name);
        if (value == null) return null;
        int parsed;
        try {
            parsed = Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            throw new UsageException(name + " needs a whole number, not '" + value + "'");
        }
        if (parsed < min || parsed > max) {
            throw new UsageException(name + " must be between " + min + " and " + max + ", not " + parsed);
        }
        return parsed;
    }

    public void noPositional(String verb) {
        if (!positional.isEmpty())
            throw new UsageException(verb + " takes no argument '" + positional.getFirst() + "'");
    }
}
