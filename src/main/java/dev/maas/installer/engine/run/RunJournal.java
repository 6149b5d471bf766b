package dev.maas.installer.engine.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.maas.installer.engine.Action;
import dev.maas.installer.engine.Change;
import dev.maas.installer.engine.Check;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.files.PrivateFiles;
import dev.maas.installer.engine.logging.LogLine;
import dev.maas.installer.engine.secrets.SecretRegistry;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * The run journal: one JSON object per line for each thing a run did (run started, stage started and finished with
 * its outcome, the changes summarised, the checks, errors, and log lines at INFO and above), so that a run can be
 * understood afterwards. Every string passes through the {@link SecretRegistry} before it is written; field values of
 * changes are never written (only what changed: action, system, kind, name and the names of the fields). The file is
 * created owner-only (0600) before its first byte ({@link PrivateFiles}); each line is flushed as it is written, so a
 * killed run leaves a readable journal.
 *
 * <p>Use: {@code try (RunJournal j = RunJournal.startDefault("apply", System::getenv)) { runner.run(op, ids, ctx,
 * listener.andThen(j)); }} — the CLI and the wizard write the same lines. Writing errors never break a run: after
 * the first one the journal stops writing and {@link #failure()} tells why.
 *
 * <p>Lines ({@code "event"}): {@code journal-opened}, {@code run-started}, {@code stage-started}, {@code step},
 * {@code detail}, {@code log}, {@code stage-finished}, {@code run-finished}, {@code error}, {@code note}. Every line
 * has {@code "time"} (ISO-8601 UTC). The format is described in docs/cli.md.
 */
public final class RunJournal implements Consumer<RunEvent>, AutoCloseable {
    /** How many journals the default folder keeps (the newest). */
    public static final int KEEP = 20;
    public static final String SUFFIX = ".jsonl";
    private static final DateTimeFormatter NAME_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT);
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Set<String> LOGGED_LEVELS = Set.of("INFO", "WARN", "ERROR");

    private final Path file;
    private final SecretRegistry secrets;
    private final Clock clock;
    private OutputStream out;
    private IOException failure;

    private RunJournal(Path file, OutputStream out, SecretRegistry secrets, Clock clock) {
        this.file = file;
        this.out = out;
        this.secrets = secrets;
        this.clock = clock;
    }

    /**
     * Opens (creates or truncates) a journal at {@code file}: 0600, an existing file's wider permissions tightened
     * first. Missing parent folders are created 0700.
     *
     * @throws UncheckedIOException when the file cannot be created
     */
    public static RunJournal open(Path file, SecretRegistry secrets) {
        return open(file, secrets, Clock.systemUTC());
    }

    static RunJournal open(Path file, SecretRegistry secrets, Clock clock) {
        try {
            RunJournal j = new RunJournal(file.toAbsolutePath(), PrivateFiles.open(file, false), secrets, clock);
            j.write(j.line("journal-opened").put("file", file.toAbsolutePath().toString()));
            return j;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the run journal " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * A new journal for operation {@code op} ("apply", "verify", "plan", ...) in {@code folder} (the default one:
     * {@link #defaultDirectory}), named {@code YYYYMMDD-HHMMSS-<op>.jsonl} (local time); the folder is made 0700 and
     * only the newest {@link #KEEP} journals are kept.
     */
    public static RunJournal startIn(Path folder, String op, SecretRegistry secrets, Clock clock) {
        try {
            Path dir = PrivateFiles.directory(folder);
            String base = NAME_TIME.format(LocalDateTime.ofInstant(clock.instant(), clock.getZone())) + "-"
                    + op.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-");
            Path file = dir.resolve(base + SUFFIX);
            for (int n = 2; Files.exists(file); n++) {
                file = dir.resolve(base + "-" + n + SUFFIX);
            }
            RunJournal journal = open(file, secrets, Clock.systemUTC());
            prune(dir, KEEP, journal.file());
            return journal;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the run journal in " + folder + ": " + e.getMessage(), e);
        }
    }

    /**
     * {@code $XDG_STATE_HOME/maas-installer/runs}, else {@code ~/.local/state/maas-installer/runs} ({@code ~} is
     * {@code $HOME}, else the user.home property); on Windows {@code %LOCALAPPDATA%\maas-installer\runs}.
     */
    public static Path defaultDirectory(Function<String, String> env) {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String localAppData = env.apply("LOCALAPPDATA");
        if (os.contains("win") && !blank(localAppData)) {
            return Path.of(localAppData, "maas-installer", "runs");
        }
        String xdg = env.apply("XDG_STATE_HOME");
        if (!blank(xdg)) {
            return Path.of(xdg, "maas-installer", "runs");
        }
        String home = env.apply("HOME");
        if (blank(home)) {
            home = System.getProperty("user.home");
        }
        return Path.of(home, ".local", "state", "maas-installer", "runs");
    }

    /**
     * Deletes all but the newest {@code keep} journals in {@code dir} (by name, which starts with the time); never
     * {@code current} (the journal just opened, even if the clock went back). Other files are left alone.
     */
    public static void prune(Path dir, int keep, Path current) throws IOException {
        List<Path> journals;
        try (Stream<Path> files = Files.list(dir)) {
            journals = new ArrayList<>(files.filter(p -> p.getFileName().toString().endsWith(SUFFIX))
                    .filter(Files::isRegularFile).sorted().toList());
        }
        if (current != null && journals.remove(current.toAbsolutePath())) {
            keep--;
        }
        for (int i = 0; i < journals.size() - keep; i++) {
            Files.deleteIfExists(journals.get(i));
        }
    }

    public Path file() { return file; }

    /** Why writing stopped (the file system failed), or null. */
    public synchronized IOException failure() { return failure; }

    @Override
    public void accept(RunEvent event) {
        ObjectNode line;
        if (event instanceof RunEvent.RunStarted e) {
            line = line("run-started").put("operation", e.operation().name());
            ArrayNode ids = line.putArray("stages");
            e.stageIds().forEach(ids::add);
        } else if (event instanceof RunEvent.StageStarted e) {
            line = line("stage-started").put("stage", e.stageId()).put("operation", e.operation().name())
                    .put("index", e.index()).put("total", e.total());
        } else if (event instanceof RunEvent.StepProgress e) {
            line = line("step").put("stage", e.stageId()).put("step", e.step()).put("of", e.of())
                    .put("message", text(e.message()));
        } else if (event instanceof RunEvent.StepDetail e) {
            line = line("detail").put("stage", e.stageId()).put("message", text(e.message()));
        } else if (event instanceof RunEvent.Log e) {
            line = log(e.line());
        } else if (event instanceof RunEvent.StageFinished e) {
            line = stageFinished(e.result());
        } else if (event instanceof RunEvent.RunFinished e) {
            line = runFinished(e.report());
        } else {
            line = null;
        }
        if (line != null) {
            write(line);
        }
    }

    /** An error that happened outside a stage (connection, configuration, the command itself). */
    public void error(String message) {
        write(line("error").put("message", text(message)));
    }

    /** A remark worth keeping (e.g. "cancelled by the user", the exit code). */
    public void note(String message) {
        write(line("note").put("message", text(message)));
    }

    private ObjectNode log(LogLine l) {
        if (!LOGGED_LEVELS.contains(l.level())) {
            return null;
        }
        return line("log").put("level", l.level()).put("stage", l.stageId()).put("logger", l.logger())
                .put("message", text(l.message()));
    }

    private ObjectNode stageFinished(StageResult r) {
        ObjectNode o = line("stage-finished").put("stage", r.stageId()).put("operation", r.operation().name())
                .put("outcome", r.state().name());
        if (!r.changes().isEmpty()) {
            Map<Action, Integer> counts = new EnumMap<>(Action.class);
            ArrayNode changed = JsonNodeFactory.instance.arrayNode();
            for (Change c : r.changes()) {
                counts.merge(c.action(), 1, Integer::sum);
                if (!c.isNoop()) {
                    ObjectNode ch = changed.addObject().put("action", c.action().name())
                            .put("system", c.system().wireName()).put("kind", text(c.kind()))
                            .put("name", text(c.name()));
                    if (!c.fields().isEmpty()) {
                        ArrayNode fields = ch.putArray("fields"); // names only: values may be secret
                        c.fields().keySet().forEach(f -> fields.add(text(f)));
                    }
                }
            }
            ObjectNode summary = o.putObject("changes");
            counts.forEach((a, n) -> summary.put(a.name(), n));
            o.set("changed", changed);
        }
        if (!r.checks().isEmpty()) {
            ArrayNode checks = o.putArray("checks");
            for (Check c : r.checks()) {
                ObjectNode ch = checks.addObject().put("status", c.status().name()).put("name", text(c.name()))
                        .put("message", text(c.message()));
                fix(ch, c.fix());
            }
        }
        if (!r.assumptions().isEmpty()) {
            ArrayNode assumed = o.putArray("assumptions");
            r.assumptions().forEach(a -> assumed.add(text(a)));
        }
        if (r.problem() != null) {
            o.put("error", text(r.problem()));
        }
        fix(o, r.problemFix());
        if (r.invalidInput()) {
            o.put("invalidInput", true);
        }
        return o;
    }

    private ObjectNode runFinished(RunReport report) {
        ObjectNode o = line("run-finished").put("operation", report.operation().name())
                .put("allOk", report.allOk());
        ObjectNode outcomes = o.putObject("outcomes");
        for (StageResult r : report.stages()) {
            outcomes.put(r.stageId(), r.state().name());
        }
        return o;
    }

    private void fix(ObjectNode o, Fix fix) {
        if (fix != null) {
            o.putObject("fix").put("kind", fix.kind().name()).put("target", text(fix.target()))
                    .put("hint", text(fix.hint()));
        }
    }

    private ObjectNode line(String event) {
        return JsonNodeFactory.instance.objectNode().put("time", clock.instant().toString()).put("event", event);
    }

    private String text(String s) {
        return s == null ? null : secrets.redact(s);
    }

    private synchronized void write(ObjectNode line) {
        if (out == null) {
            return;
        }
        try {
            // redacted once more as a whole: a secret split over two fields cannot survive the JSON encoding either
            byte[] bytes = (secrets.redact(MAPPER.writeValueAsString(line)) + "\n").getBytes(StandardCharsets.UTF_8);
            out.write(bytes);
            out.flush();
        } catch (IOException e) {
            failure = e;
            closeQuietly();
        }
    }

    @Override
    public synchronized void close() {
        closeQuietly();
    }

    private void closeQuietly() {
        if (out != null) {
            try {
                out.close();
            } catch (IOException e) {
                if (failure == null) {
                    failure = e;
                }
            }
            out = null;
        }
    }

    private static boolean blank(String s) { return s == null || s.isBlank(); }
}
