package dev.maas.installer.sandbox.threescale;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Every request the simulator received: one JSON object per line with method, path (no query string), params
 * (names to values, secrets masked) and status, plus {@code fault} when one was injected. Kept in memory and,
 * when a file is given, appended to it.
 */
public final class RequestJournal implements AutoCloseable {
    public static final String MASK = "******";
    /** Parameters whose values are always masked. */
    static final Set<String> SECRET_PARAMS = Set.of("access_token", "client_secret", "user_key", "application_key",
            "secret_token", "password", "provider_key");

    /** One journal line. */
    public record Entry(String method, String path, Map<String, String> params, int status, String fault) {
    }

    private final ObjectMapper mapper = new ObjectMapper();
    private final List<Entry> entries = new ArrayList<>();
    private final Path file;
    private final BufferedWriter writer;

    RequestJournal(Path file) {
        this.file = file;
        try {
            if (file != null) {
                if (file.getParent() != null) {
                    Files.createDirectories(file.getParent());
                }
                // owner-only like every file holding state (secret parameters are masked in it anyway)
                writer = new java.io.BufferedWriter(new java.io.OutputStreamWriter(
                        dev.maas.installer.engine.files.PrivateFiles.open(file, true), StandardCharsets.UTF_8));
            } else {
                writer = null;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the 3scale simulator journal " + file, e);
        }
    }

    public Path file() { return file; }

    synchronized void record(Entry e) {
        entries.add(e);
        if (writer != null) {
            ObjectNode line = mapper.createObjectNode();
            line.put("method", e.method());
            line.put("path", e.path());
            ObjectNode params = line.putObject("params");
            e.params().forEach(params::put);
            line.put("status", e.status());
            if (e.fault() != null) {
                line.put("fault", e.fault());
            }
            try {
                writer.write(mapper.writeValueAsString(line));
                writer.newLine();
                writer.flush();
            } catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
        }
    }

    public synchronized List<Entry> entries() { return List.copyOf(entries); }

    public synchronized void clear() { entries.clear(); }

    /** Requests that changed something (not GET), and were not rejected by an injected fault before commit. */
    public synchronized long writes() {
        return entries.stream().filter(e -> !e.method().equals("GET")).count();
    }

    @Override
    public synchronized void close() {
        if (writer != null) {
            try {
                writer.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
