package dev.maas.installer.ui;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.maas.installer.engine.logging.LogHub;
import dev.maas.installer.engine.logging.LogLine;
import dev.maas.installer.engine.run.Operation;
import dev.maas.installer.engine.run.RunEvent;
import dev.maas.installer.engine.run.RunReport;
import dev.maas.installer.engine.secrets.SecretRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The wizard's runs write a run journal as the CLI's do: owner-only, with the stage events and start failures. */
class EngineServiceJournalTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path state;

    private final Queue<RunEvent> events = new ConcurrentLinkedQueue<>();
    private final Queue<String> failures = new ConcurrentLinkedQueue<>();

    private Path runs() {
        return state.resolve("maas-installer/runs");
    }

    private List<Path> journals() throws Exception {
        if (!Files.isDirectory(runs())) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(runs())) {
            return files.sorted().toList();
        }
    }

    private static List<JsonNode> lines(Path journal) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String l : Files.readAllLines(journal)) {
            out.add(JSON.readTree(l));
        }
        return out;
    }

    private static List<String> kinds(List<JsonNode> lines) {
        return lines.stream().map(l -> l.path("event").asText()).toList();
    }

    @Test
    void eachRunWritesAnOwnerOnlyJournalWithItsStageEventsAndLogsItsPath() throws Exception {
        Queue<LogLine> log = new ConcurrentLinkedQueue<>();
        TestStage a = new TestStage("a", 2);
        try (AutoCloseable sub = LogHub.subscribe(log::add);
             EngineService engine = new EngineService(List.of(a), WizardShell::defaultContext, events::add,
                     (op, ids, m) -> failures.add(m), Map.of("XDG_STATE_HOME", state.toString())::get)) {
            RunReport report = engine.start(Operation.APPLY, List.of("a")).get(10, TimeUnit.SECONDS);
            assertThat(report).isNotNull();
            assertThat(report.allOk()).isTrue();
            assertThat(engine.start(Operation.VERIFY, List.of()).get(10, TimeUnit.SECONDS)).isNotNull();
        }
        assertThat(failures).isEmpty();
        assertThat(events).as("the wizard's listener still gets every event").last()
                .isInstanceOf(RunEvent.RunFinished.class);

        List<Path> journals = journals();
        assertThat(journals).hasSize(2);
        assertThat(journals.get(0).getFileName().toString()).endsWith("-apply.jsonl");
        assertThat(journals.get(1).getFileName().toString()).matches(".*-verify(-\\d+)?\\.jsonl");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(runs()))).isEqualTo("rwx------");
        for (Path j : journals) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(j))).as(j.toString())
                    .isEqualTo("rw-------");
        }

        List<JsonNode> apply = lines(journals.get(0));
        assertThat(kinds(apply)).containsSubsequence("journal-opened", "run-started", "stage-started", "step",
                "step", "stage-finished", "run-finished");
        JsonNode finished = apply.stream().filter(l -> l.path("event").asText().equals("stage-finished"))
                .findFirst().orElseThrow();
        assertThat(finished.path("stage").asText()).isEqualTo("a");
        assertThat(finished.path("operation").asText()).isEqualTo("APPLY");
        assertThat(finished.path("outcome").asText()).isEqualTo("OK");
        assertThat(apply.get(apply.size() - 1).path("allOk").asBoolean()).isTrue();
        assertThat(kinds(lines(journals.get(1)))).containsSubsequence("run-started", "stage-finished",
                "run-finished");

        // the wizard's log says where each journal is
        List<String> messages = log.stream().filter(l -> l.level().equals("INFO")).map(LogLine::message).toList();
        for (Path j : journals) {
            assertThat(messages).contains("Run journal: " + j.toAbsolutePath());
        }
    }

    @Test
    void aRunThatCannotStartIsJournalledRedacted() throws Exception {
        SecretRegistry.global().register("s3cr3t-journal-token");
        try (EngineService engine = new EngineService(List.of(new TestStage("a", 1)), c -> {
            throw new IllegalStateException("login with s3cr3t-journal-token refused");
        }, events::add, (op, ids, m) -> failures.add(m), Map.of("XDG_STATE_HOME", state.toString())::get)) {
            assertThat(engine.start(Operation.PLAN, List.of()).get(10, TimeUnit.SECONDS)).isNull();
        }
        assertThat(failures).containsExactly("IllegalStateException: login with ****** refused");
        List<Path> journals = journals();
        assertThat(journals).hasSize(1);
        assertThat(journals.get(0).getFileName().toString()).endsWith("-plan.jsonl");
        String text = Files.readString(journals.get(0));
        assertThat(text).doesNotContain("s3cr3t-journal-token");
        List<JsonNode> lines = lines(journals.get(0));
        assertThat(kinds(lines)).containsExactly("journal-opened", "error");
        assertThat(lines.get(1).path("message").asText())
                .isEqualTo("IllegalStateException: login with ****** refused");
    }

    @Test
    void aFolderThatCannotBeWrittenCostsOnlyTheJournal() throws Exception {
        Path blocked = Files.writeString(state.resolve("not-a-folder"), "a file where the folder should be");
        try (EngineService engine = new EngineService(List.of(new TestStage("a", 1)), WizardShell::defaultContext,
                events::add, (op, ids, m) -> failures.add(m), Map.of("XDG_STATE_HOME", blocked.toString())::get)) {
            RunReport report = engine.start(Operation.APPLY, List.of("a")).get(10, TimeUnit.SECONDS);
            assertThat(report).isNotNull();
            assertThat(report.allOk()).isTrue();
        }
        assertThat(failures).isEmpty();
    }
}
