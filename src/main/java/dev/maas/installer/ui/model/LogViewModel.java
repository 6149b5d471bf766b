package dev.maas.installer.ui.model;

import dev.maas.installer.engine.files.PrivateFiles;
import dev.maas.installer.engine.logging.LogLine;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import javafx.collections.transformation.FilteredList;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * The live log: the last {@link #maxLines} lines (older ones are dropped), filterable by stage and by level.
 * Lines arrive already redacted from the engine's logging layer; copy and save write exactly those lines.
 * FX thread only.
 */
public final class LogViewModel {
    public static final int DEFAULT_MAX_LINES = 5_000;
    /** Stage filter value meaning "every stage". */
    public static final String ALL_STAGES = "All stages";

    /** The minimum level shown. */
    public enum LevelFilter {
        ALL("All levels", 0), INFO("Info and above", 2), WARN("Warnings and errors", 3), ERROR("Errors only", 4);

        private final String label;
        private final int rank;

        LevelFilter(String label, int rank) {
            this.label = label;
            this.rank = rank;
        }

        public boolean accepts(String level) { return rank(level) >= rank; }

        @Override
        public String toString() { return label; }
    }

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS", Locale.ROOT)
            .withZone(ZoneId.systemDefault());

    private final int maxLines;
    private final ObservableList<LogLine> lines = FXCollections.observableArrayList();
    /** One read-only wrapper: a wrapper holds only a weak listener on the list behind it. */
    private final ObservableList<LogLine> linesView = FXCollections.unmodifiableObservableList(lines);
    private final FilteredList<LogLine> shown = new FilteredList<>(lines);
    private final ObjectProperty<String> stageFilter = new SimpleObjectProperty<>(this, "stageFilter", ALL_STAGES);
    private final ObjectProperty<LevelFilter> levelFilter =
            new SimpleObjectProperty<>(this, "levelFilter", LevelFilter.ALL);

    public LogViewModel() { this(DEFAULT_MAX_LINES); }

    public LogViewModel(int maxLines) {
        if (maxLines < 1) {
            throw new IllegalArgumentException("maxLines must be at least 1");
        }
        this.maxLines = maxLines;
        stageFilter.addListener((o, a, b) -> refilter());
        levelFilter.addListener((o, a, b) -> refilter());
    }

    public int maxLines() { return maxLines; }

    private final javafx.beans.property.BooleanProperty open =
            new javafx.beans.property.SimpleBooleanProperty(this, "open", true);

    /** Whether the log's drawer at the bottom of the window is open (its lines shown) or closed to one bar. */
    public javafx.beans.property.BooleanProperty openProperty() { return open; }

    /** Every kept line, oldest first. */
    public ObservableList<LogLine> lines() { return linesView; }

    /** The lines that pass the filters. */
    public ObservableList<LogLine> shown() { return shown; }

    /** A stage id, or {@link #ALL_STAGES}. */
    public ObjectProperty<String> stageFilterProperty() { return stageFilter; }

    public ObjectProperty<LevelFilter> levelFilterProperty() { return levelFilter; }

    public void add(LogLine line) { addAll(List.of(line)); }

    /** Appends a batch and drops the oldest lines beyond the limit. */
    public void addAll(List<LogLine> batch) {
        if (batch.isEmpty()) {
            return;
        }
        List<LogLine> toAdd = batch.size() > maxLines ? batch.subList(batch.size() - maxLines, batch.size()) : batch;
        int overflow = lines.size() + toAdd.size() - maxLines;
        if (overflow > 0) {
            lines.remove(0, overflow);
        }
        lines.addAll(toAdd);
    }

    public void clear() { lines.clear(); }

    /** The shown lines as text, one per line. */
    public String shownText() {
        return shown.stream().map(LogViewModel::format).collect(Collectors.joining("\n", "", shown.isEmpty() ? "" : "\n"));
    }

    /**
     * Writes the shown lines (already redacted) to a file, owner-only ({@link PrivateFiles#write}: created 0600
     * before the first byte, an existing file tightened before it is truncated).
     */
    public void save(Path file) throws IOException {
        PrivateFiles.write(file, shownText().getBytes(StandardCharsets.UTF_8));
    }

    public static String format(LogLine line) {
        String stage = line.stageId() == null || line.stageId().isEmpty() ? "" : "[" + line.stageId() + "] ";
        // the level padded to 5 by hand: a log cell formats its line on every update, String.format is slow there
        String level = String.valueOf(line.level());
        return TIME.format(line.time()) + " " + level + "     ".substring(Math.min(5, level.length())) + " " + stage
                + line.message();
    }

    private void refilter() {
        String stage = stageFilter.get();
        LevelFilter level = levelFilter.get() == null ? LevelFilter.ALL : levelFilter.get();
        Predicate<LogLine> byStage = stage == null || ALL_STAGES.equals(stage)
                ? l -> true : l -> Objects.equals(stage, l.stageId());
        shown.setPredicate(byStage.and(l -> level.accepts(l.level())));
    }

    static int rank(String level) {
        if (level == null) {
            return 2;
        }
        return switch (level.toUpperCase(Locale.ROOT)) {
            case "TRACE" -> 0;
            case "DEBUG" -> 1;
            case "INFO" -> 2;
            case "WARN", "WARNING" -> 3;
            case "ERROR" -> 4;
            default -> 2;
        };
    }
}
