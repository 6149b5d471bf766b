package dev.maas.installer.engine.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.maas.installer.engine.Action;
import dev.maas.installer.engine.Change;
import dev.maas.installer.engine.Check;
import dev.maas.installer.engine.FieldChange;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.TargetSystem;
import dev.maas.installer.engine.files.PrivateFiles;
import dev.maas.installer.engine.logging.LogLine;
import dev.maas.installer.engine.secrets.SecretRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class RunJournalTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    private static List<JsonNode> lines(Path file) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String l : Files.readAllLines(file)) {
            out.add(JSON.readTree(l));
        }
        return out;
    }

    @Test
    void everyEventBecomesOneRedactedJsonLineAndChangedValuesAreNeverWritten() throws Exception {
        SecretRegistry secrets = new SecretRegistry();
        String secret = secrets.register("s3cr3t-" + System.nanoTime());
        Path file = dir.resolve("run.jsonl");
        Change create = new Change(Action.CREATE, TargetSystem.KEYCLOAK, "Client", "3scale",
                Map.of("secret", new FieldChange("old-" + secret, "plain-new-value")));
        StageResult applied = new StageResult("sso", Operation.APPLY, StageResult.Outcome.FAILED,
                List.of(create, Change.noop(TargetSystem.KEYCLOAK, "Realm", "maas")), null,
                "login failed with " + secret, Fix.manual("rotate " + secret), false);
        StageResult verified = new StageResult("sso", Operation.VERIFY, StageResult.Outcome.OK, null,
                List.of(Check.retryable("login", "token " + secret + " rejected", Fix.rerunStage("sso", "again"))),
                null, null, false);
        try (RunJournal j = RunJournal.open(file, secrets)) {
            assertThat(mode(file)).isEqualTo("rw-------");
            j.accept(new RunEvent.RunStarted(Operation.APPLY, List.of("sso")));
            j.accept(new RunEvent.StageStarted("sso", Operation.APPLY, 1, 1));
            j.accept(new RunEvent.StepProgress("sso", 1, 2, "using " + secret));
            j.accept(new RunEvent.StepDetail("sso", "detail " + secret));
            j.accept(new RunEvent.Log(new LogLine(Instant.now(), "INFO", "sso", "x.Y", "info " + secret)));
            j.accept(new RunEvent.Log(new LogLine(Instant.now(), "DEBUG", "sso", "x.Y", "debug line")));
            j.accept(new RunEvent.StageFinished(applied));
            j.accept(new RunEvent.StageFinished(verified));
            j.accept(new RunEvent.RunFinished(new RunReport(Operation.APPLY, List.of(applied))));
            j.error("cannot connect with " + secret);
            j.note("exit code 1");
        }
        String text = Files.readString(file);
        assertThat(text).doesNotContain(secret).doesNotContain(Base64.getEncoder().encodeToString(secret.getBytes()))
                .doesNotContain("plain-new-value").doesNotContain("debug line").contains(SecretRegistry.MASK);
        List<JsonNode> lines = lines(file);
        assertThat(lines).extracting(l -> l.path("event").asText()).containsExactly("journal-opened", "run-started",
                "stage-started", "step", "detail", "log", "stage-finished", "stage-finished", "run-finished", "error",
                "note");
        assertThat(lines).allSatisfy(l -> assertThat(Instant.parse(l.path("time").asText())).isNotNull());
        JsonNode finished = lines.get(6);
        assertThat(finished.path("outcome").asText()).isEqualTo("FAILED");
        assertThat(finished.path("changes").path("CREATE").asInt()).isEqualTo(1);
        assertThat(finished.path("changes").path("NOOP").asInt()).isEqualTo(1);
        assertThat(finished.path("changed")).hasSize(1);
        assertThat(finished.path("changed").get(0).path("name").asText()).isEqualTo("3scale");
        assertThat(finished.path("changed").get(0).path("fields").get(0).asText()).isEqualTo("secret");
        assertThat(finished.path("error").asText()).isEqualTo("login failed with ******");
        assertThat(finished.path("fix").path("hint").asText()).isEqualTo("rotate ******");
        assertThat(lines.get(7).path("checks").get(0).path("message").asText()).isEqualTo("token ****** rejected");
        assertThat(lines.get(8).path("outcomes").path("sso").asText()).isEqualTo("FAILED");
    }

    @Test
    void anExistingFileWithWiderPermissionsIsTightenedBeforeItIsTruncatedAndWritten() throws Exception {
        Path file = Files.writeString(dir.resolve("old.jsonl"), "someone else's text\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-rw-rw-"));
        try (OutputStream out = PrivateFiles.open(file, false)) {
            assertThat(mode(file)).as("tightened before the first byte").isEqualTo("rw-------");
            assertThat(Files.size(file)).isZero();
        }
        try (RunJournal j = RunJournal.open(file, new SecretRegistry())) {
            j.note("hello");
        }
        assertThat(mode(file)).isEqualTo("rw-------");
        assertThat(Files.readString(file)).doesNotContain("someone else's").contains("hello");
    }

    @Test
    void aNewFileIsOwnerOnlyBeforeItsFirstByteAndMissingFoldersAre0700() throws Exception {
        Path file = dir.resolve("a/b/new.jsonl");
        try (OutputStream out = PrivateFiles.open(file, false)) {
            assertThat(Files.size(file)).isZero();
            assertThat(mode(file)).isEqualTo("rw-------");
        }
        assertThat(mode(dir.resolve("a"))).isEqualTo("rwx------");
        assertThat(mode(dir.resolve("a/b"))).isEqualTo("rwx------");
    }

    @Test
    void aSymbolicLinkIsRefused() throws Exception {
        Path target = Files.writeString(dir.resolve("target"), "x");
        Path link = Files.createSymbolicLink(dir.resolve("link.jsonl"), target);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> RunJournal.open(link, new SecretRegistry()))
                .isInstanceOf(java.io.UncheckedIOException.class).hasMessageContaining("symbolic link");
        assertThat(Files.readString(target)).isEqualTo("x");
    }

    @Test
    void theDefaultFolderIsNamedByTimeAndOperationTightenedTo0700AndKeepsTheNewest20() throws Exception {
        Path runs = dir.resolve("state/maas-installer/runs");
        Files.createDirectories(runs);
        Files.setPosixFilePermissions(runs, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(runs.resolve("notes.txt"), "not a journal"); // other files are left alone
        Clock clock = Clock.fixed(Instant.parse("2026-11-27T05:00:00Z"), ZoneOffset.UTC);
        List<Path> made = new ArrayList<>();
        for (int i = 0; i < 22; i++) {
            Clock at = Clock.offset(clock, java.time.Duration.ofSeconds(i));
            try (RunJournal j = RunJournal.startIn(runs, "apply", new SecretRegistry(), at)) {
                made.add(j.file());
            }
        }
        try (RunJournal twice = RunJournal.startIn(runs, "verify", new SecretRegistry(),
                Clock.offset(clock, java.time.Duration.ofSeconds(21)))) {
            assertThat(twice.file().getFileName().toString()).isEqualTo("20261127-050021-verify.jsonl");
        }
        try (RunJournal twice = RunJournal.startIn(runs, "verify", new SecretRegistry(),
                Clock.offset(clock, java.time.Duration.ofSeconds(21)))) {
            assertThat(twice.file().getFileName().toString()).isEqualTo("20261127-050021-verify-2.jsonl");
            assertThat(mode(twice.file())).isEqualTo("rw-------");
        }
        assertThat(mode(runs)).isEqualTo("rwx------");
        assertThat(made.get(0).getFileName().toString()).isEqualTo("20261127-050000-apply.jsonl");
        assertThat(made.get(21).getFileName().toString()).isEqualTo("20261127-050021-apply.jsonl");
        try (var files = Files.list(runs)) {
            List<String> names = files.map(p -> p.getFileName().toString()).sorted().toList();
            assertThat(names).hasSize(RunJournal.KEEP + 1).contains("notes.txt", "20261127-050021-verify-2.jsonl",
                    "20261127-050021-apply.jsonl", "20261127-050004-apply.jsonl")
                    .doesNotContain("20261127-050000-apply.jsonl", "20261127-050003-apply.jsonl");
        }
    }

    @Test
    void theDefaultFolderFollowsXdgStateHomeThenHome() {
        assertThat(RunJournal.defaultDirectory(Map.of("XDG_STATE_HOME", "/x/state", "HOME", "/home/u")::get))
                .isEqualTo(Path.of("/x/state/maas-installer/runs"));
        assertThat(RunJournal.defaultDirectory(Map.of("HOME", "/home/u")::get))
                .isEqualTo(Path.of("/home/u/.local/state/maas-installer/runs"));
        assertThat(RunJournal.defaultDirectory(Map.<String, String>of()::get))
                .isEqualTo(Path.of(System.getProperty("user.home"), ".local/state/maas-installer/runs"));
    }
}
