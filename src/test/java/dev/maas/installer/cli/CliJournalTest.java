package dev.maas.installer.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.maas.installer.cli.CliHarness.Result;
import dev.maas.installer.engine.Action;
import dev.maas.installer.engine.Change;
import dev.maas.installer.engine.Check;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.StageException;
import dev.maas.installer.engine.TargetSystem;
import dev.maas.installer.testing.StartsSandbox;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The run journal the CLI writes: where, its mode, what it holds, and the options that choose or skip it. */
@StartsSandbox
class CliJournalTest {
    private static final Pattern PRINTED = Pattern.compile("Run journal: (\\S+)");

    @TempDir
    Path dir;

    private Path runs() { return dir.resolve("state/maas-installer/runs"); }

    private static Path printedJournal(Result r) {
        Matcher m = PRINTED.matcher(r.err());
        assertThat(m.find()).as(r.toString()).isTrue();
        return Path.of(m.group(1));
    }

    private static List<JsonNode> lines(Path file) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String l : Files.readAllLines(file)) {
            out.add(CliHarness.JSON.readTree(l));
        }
        return out;
    }

    private static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    private static List<String> events(List<JsonNode> lines) {
        return lines.stream().map(l -> l.path("event").asText()).toList();
    }

    @Test
    void applyWritesAJournalInTheStateFolderAndPrintsItsPathLast() throws Exception {
        TestStage alpha = new TestStage("alpha").apply((ctx, p) -> {
            p.step(1, 1, "making the thing");
            return List.of(new Change(Action.CREATE, TargetSystem.THREESCALE, "Product", "model-a", Map.of()));
        });
        Result r = new CliHarness(dir, alpha).run("apply", "--yes");
        assertThat(r.code()).as(r.toString()).isZero();
        Path journal = printedJournal(r);
        assertThat(journal.getParent()).isEqualTo(runs().toAbsolutePath());
        assertThat(journal.getFileName().toString()).matches("\\d{8}-\\d{6}-apply\\.jsonl");
        assertThat(r.err().strip()).endsWith("Run journal: " + journal);
        assertThat(mode(journal)).isEqualTo("rw-------");
        assertThat(mode(runs())).isEqualTo("rwx------");
        List<JsonNode> lines = lines(journal).stream().filter(l -> !l.path("event").asText().equals("log")).toList();
        assertThat(events(lines)).containsExactly("journal-opened", "run-started", "stage-started", "step",
                "stage-finished", "run-finished", "note");
        assertThat(lines.get(4).path("outcome").asText()).isEqualTo("OK");
        assertThat(lines.get(4).path("changes").path("CREATE").asInt()).isEqualTo(1);
        assertThat(lines.get(6).path("message").asText()).isEqualTo("exit code 0");
    }

    @Test
    void theConfirmationPlanIsJournalledWithTheApply() throws Exception {
        CliHarness cli = new CliHarness(dir, new TestStage("alpha"));
        cli.terminal.interactive = true;
        cli.terminal.answers.add("y");
        Result r = cli.run("apply");
        assertThat(r.code()).as(r.toString()).isZero();
        List<JsonNode> lines = lines(printedJournal(r));
        assertThat(lines.stream().filter(l -> l.path("event").asText().equals("run-started"))
                .map(l -> l.path("operation").asText())).containsExactly("PLAN", "APPLY");
    }

    @Test
    void aFailingVerifyRecordsTheErrorAndTheChecks() throws Exception {
        TestStage failing = new TestStage("alpha").verify(ctx -> {
            throw new StageException("the realm is gone", Fix.rerunStage("alpha", "apply it again"));
        });
        TestStage checks = new TestStage("beta").verify(ctx -> List.of(Check.ok("fine", "all good")));
        Result r = new CliHarness(dir, failing, checks).run("verify", "--journal", "my-run.jsonl");
        assertThat(r.code()).as(r.toString()).isEqualTo(1);
        Path journal = printedJournal(r);
        assertThat(journal).isEqualTo(dir.resolve("my-run.jsonl").toAbsolutePath());
        assertThat(runs()).as("--journal replaces the default").doesNotExist();
        assertThat(mode(journal)).isEqualTo("rw-------");
        List<JsonNode> lines = lines(journal);
        JsonNode alpha = lines.stream().filter(l -> l.path("stage").asText().equals("alpha")
                && l.path("event").asText().equals("stage-finished")).findFirst().orElseThrow();
        assertThat(alpha.path("outcome").asText()).isEqualTo("FAILED");
        assertThat(alpha.path("error").asText()).isEqualTo("the realm is gone");
        assertThat(alpha.path("fix").path("target").asText()).isEqualTo("alpha");
        JsonNode beta = lines.stream().filter(l -> l.path("stage").asText().equals("beta")
                && l.path("event").asText().equals("stage-finished")).findFirst().orElseThrow();
        assertThat(beta.path("checks").get(0).path("status").asText()).isEqualTo("OK");
        assertThat(lines.stream().anyMatch(l -> l.path("event").asText().equals("log")
                && l.path("message").asText().contains("the realm is gone"))).as("the ERROR log line").isTrue();
    }

    @Test
    void anErrorBeforeAnyStageIsJournalledToo() throws Exception {
        Result r = new CliHarness(dir, new TestStage("alpha"))
                .run("verify", "--api-url", "https://127.0.0.1:1");
        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        List<JsonNode> lines = lines(printedJournal(r));
        assertThat(events(lines)).containsExactly("journal-opened", "error", "note");
        assertThat(lines.get(1).path("message").asText()).contains("MAAS_CLUSTER_TOKEN");
        assertThat(lines.get(2).path("message").asText()).isEqualTo("exit code 2");
    }

    @Test
    void noJournalWritesNothingAndTheTwoOptionsExcludeEachOther() throws Exception {
        Result r = new CliHarness(dir, new TestStage("alpha")).run("verify", "--no-journal");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.err()).doesNotContain("Run journal");
        assertThat(dir.resolve("state")).doesNotExist();

        Result both = new CliHarness(dir, new TestStage("alpha")).run("verify", "--no-journal", "--journal", "x");
        assertThat(both.code()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(both.err()).contains("--journal and --no-journal");
    }

    @Test
    void aJournalFileThatCannotBeWrittenIsInvalidInput() throws Exception {
        Path notAFolder = Files.writeString(dir.resolve("file"), "x");
        Result r = new CliHarness(dir, new TestStage("alpha")).run("verify", "--journal",
                notAFolder.resolve("run.jsonl").toString());
        assertThat(r.code()).as(r.toString()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(r.err()).contains("--journal: cannot write").contains("--no-journal");
    }

    @Test
    void anUnwritableDefaultFolderOnlyWarns() throws Exception {
        Files.writeString(dir.resolve("state"), "a file where the folder should be");
        Result r = new CliHarness(dir, new TestStage("alpha")).run("verify");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.err()).contains("warning: no run journal").doesNotContain("Run journal:");
    }

    @Test
    void theDefaultFolderKeepsTheNewest20() throws Exception {
        Files.createDirectories(runs());
        for (int i = 0; i < 25; i++) {
            Files.writeString(runs().resolve("20200101-0000" + String.format("%02d", i) + "-apply.jsonl"), "{}\n");
        }
        Result r = new CliHarness(dir, new TestStage("alpha")).run("verify");
        assertThat(r.code()).as(r.toString()).isZero();
        try (Stream<Path> files = Files.list(runs())) {
            List<String> names = files.map(p -> p.getFileName().toString()).sorted().toList();
            assertThat(names).hasSize(20).contains(printedJournal(r).getFileName().toString())
                    .doesNotContain("20200101-000005-apply.jsonl").contains("20200101-000006-apply.jsonl");
        }
    }
}
