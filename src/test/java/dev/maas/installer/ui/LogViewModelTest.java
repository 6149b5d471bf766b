package dev.maas.installer.ui;

import dev.maas.installer.engine.logging.LogLine;
import dev.maas.installer.ui.model.LogViewModel;
import dev.maas.installer.ui.model.LogViewModel.LevelFilter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class LogViewModelTest {
    private static LogLine line(int n, String level, String stage) {
        return new LogLine(Instant.ofEpochSecond(1_700_000_000L + n), level, stage, "test", "line " + n);
    }

    @Test
    void keepsOnlyTheLastLinesUpToTheLimit() {
        LogViewModel log = new LogViewModel(100);
        List<LogLine> batch = new ArrayList<>();
        for (int i = 1; i <= 250; i++) {
            batch.add(line(i, "INFO", "a"));
        }
        log.addAll(batch.subList(0, 30));
        log.addAll(batch.subList(30, 250));
        assertThat(log.lines()).hasSize(100);
        assertThat(log.lines().get(0).message()).isEqualTo("line 151");
        assertThat(log.lines().get(99).message()).isEqualTo("line 250");
        log.add(line(251, "INFO", "a"));
        assertThat(log.lines()).hasSize(100);
        assertThat(log.lines().get(0).message()).isEqualTo("line 152");
        assertThat(new LogViewModel().maxLines()).isEqualTo(5_000);
    }

    @Test
    void filtersByStageAndMinimumLevelAndSavesTheShownLines(@TempDir Path dir) throws Exception {
        LogViewModel log = new LogViewModel();
        log.addAll(List.of(line(1, "DEBUG", "a"), line(2, "INFO", "a"), line(3, "WARN", "b"), line(4, "ERROR", "a"),
                line(5, "INFO", "")));
        assertThat(log.shown()).hasSize(5);

        log.stageFilterProperty().set("a");
        assertThat(log.shown()).extracting(LogLine::message).containsExactly("line 1", "line 2", "line 4");
        log.levelFilterProperty().set(LevelFilter.INFO);
        assertThat(log.shown()).extracting(LogLine::message).containsExactly("line 2", "line 4");
        log.levelFilterProperty().set(LevelFilter.ERROR);
        assertThat(log.shown()).extracting(LogLine::message).containsExactly("line 4");
        log.stageFilterProperty().set(LogViewModel.ALL_STAGES);
        log.levelFilterProperty().set(LevelFilter.WARN);
        assertThat(log.shown()).extracting(LogLine::message).containsExactly("line 3", "line 4");

        // new lines respect the current filter
        log.add(line(6, "WARN", "c"));
        log.add(line(7, "INFO", "c"));
        assertThat(log.shown()).extracting(LogLine::message).containsExactly("line 3", "line 4", "line 6");

        Path file = dir.resolve("out.log");
        log.save(file);
        List<String> saved = Files.readAllLines(file);
        assertThat(saved).hasSize(3);
        assertThat(saved.get(0)).endsWith("WARN  [b] line 3");
        assertThat(saved.get(2)).endsWith("WARN  [c] line 6");
        assertThat(Files.readString(file)).isEqualTo(log.shownText());
    }

    @Test
    void savedLogsAreOwnerOnlyAndAnOpenFileIsTightenedBeforeItIsWritten(@TempDir Path dir) throws Exception {
        LogViewModel log = new LogViewModel();
        log.add(line(1, "INFO", "a"));
        Path fresh = dir.resolve("saved/fresh.log");
        log.save(fresh);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(fresh))).isEqualTo("rw-------");
        assertThat(Files.readString(fresh)).isEqualTo(log.shownText());

        Path open = Files.writeString(dir.resolve("open.log"), "an older, longer log readable by everyone\n".repeat(5));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rw-r--r--"));
        log.save(open);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(open))).isEqualTo("rw-------");
        assertThat(Files.readString(open)).isEqualTo(log.shownText()); // truncated: nothing of the old file left

        Path link = Files.createSymbolicLink(dir.resolve("link.log"), open);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> log.save(link))
                .isInstanceOf(java.io.IOException.class).hasMessageContaining("symbolic link");
    }

    @Test
    void aLineReadsTimeLevelPaddedToFiveStageAndMessage() {
        Instant t = Instant.parse("2026-12-04T10:15:30.250Z");
        String time = java.time.format.DateTimeFormatter.ofPattern("HH:mm:ss.SSS")
                .withZone(java.time.ZoneId.systemDefault()).format(t);
        assertThat(LogViewModel.format(new LogLine(t, "INFO", "sso", "x", "realm created")))
                .isEqualTo(time + " INFO  [sso] realm created");
        assertThat(LogViewModel.format(new LogLine(t, "ERROR", null, "x", "boom"))).isEqualTo(time + " ERROR boom");
        assertThat(LogViewModel.format(new LogLine(t, "WARN", "", "x", "w"))).isEqualTo(time + " WARN  w");
    }
}
