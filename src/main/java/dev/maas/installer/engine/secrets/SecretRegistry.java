package dev.maas.installer.engine.secrets;

import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every secret value the run knows (passwords, tokens, client secrets). {@link #redact(String)} masks each of them
 * wherever it appears; the logging layer and every error message shown to the user pass through it.
 * One registry per process ({@link #global()}), so that log lines written by libraries are masked too.
 */
public final class SecretRegistry {
    public static final String MASK = "******";
    /** Shorter values are not registered: masking "ab" everywhere would make logs unreadable and protects nothing. */
    static final int MIN_LENGTH = 4;

    private static final SecretRegistry GLOBAL = new SecretRegistry();

    private final Set<String> values = ConcurrentHashMap.newKeySet();
    private volatile List<String> longestFirst = List.of();

    public static SecretRegistry global() { return GLOBAL; }

    /** Registers a secret value; returns it so a read can be written {@code String t = secrets.register(read())}. */
    public String register(String value) {
        if (value != null && value.length() >= MIN_LENGTH && values.add(value)) {
            synchronized (this) {
                longestFirst = values.stream().sorted(Comparator.comparingInt(String::length).reversed()).toList();
            }
        }
        return value;
    }

    public boolean isEmpty() { return values.isEmpty(); }

    /** The text with every registered secret replaced by {@link #MASK}. */
    public String redact(String text) {
        if (text == null || text.isEmpty()) {
            return text;
        }
        List<String> secrets = longestFirst;
        String result = text;
        for (String secret : secrets) {
            if (result.contains(secret)) {
                result = result.replace(secret, MASK);
            }
        }
        return result;
    }

    /** Test helper and for a new session in the same process (the wizard switching clusters). */
    public void clear() {
        synchronized (this) {
            values.clear();
            longestFirst = List.of();
        }
    }
}
