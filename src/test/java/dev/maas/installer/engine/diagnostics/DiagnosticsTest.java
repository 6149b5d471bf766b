package dev.maas.installer.engine.diagnostics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.maas.installer.engine.Check;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.config.ConfigLoader;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.engine.run.Operation;
import dev.maas.installer.engine.run.RunReport;
import dev.maas.installer.engine.run.StageResult;
import dev.maas.installer.engine.secrets.SecretRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

import static org.assertj.core.api.Assertions.assertThat;

class DiagnosticsTest {
    private static final String SECRET = "tok-SECRET-9f8e7d6c";

    @TempDir
    Path dir;

    static Map<String, String> unzip(Path zip) throws Exception {
        Map<String, String> entries = new LinkedHashMap<>();
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip), StandardCharsets.UTF_8)) {
            for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                in.transferTo(b);
                entries.put(e.getName(), b.toString(StandardCharsets.UTF_8));
            }
        }
        return entries;
    }

    @Test
    void theZipHoldsTheRedactedLogConfigVerifyReportAndAbout() throws Exception {
        SecretRegistry secrets = new SecretRegistry();
        secrets.register(SECRET);
        InstallerConfig config = new InstallerConfig(null, null, new InstallerConfig.SsoConfig(null, "sso-ns",
                null, null, null), new InstallerConfig.ThreescaleConfig(null, null, null, "org " + SECRET, null, null),
                null, null, null, null);
        RunReport verify = new RunReport(Operation.VERIFY, List.of(
                new StageResult("sso", Operation.VERIFY, StageResult.Outcome.OK, List.of(),
                        List.of(Check.ok("realm", "realm exists")), null, null, false),
                new StageResult("threescale", Operation.VERIFY, StageResult.Outcome.FAILED, List.of(),
                        List.of(Check.retryable("tenant", "tenant missing, token " + SECRET,
                                Fix.rerunStage("threescale", "apply again"))), "1 check failed", null, false)));
        Path zip = dir.resolve("out/diagnostics.zip");
        Diagnostics.write(zip, new Diagnostics.Contents(List.of("INFO connected", "DEBUG token=" + SECRET), config,
                        verify, id -> id.toUpperCase(), "1.2.3"), secrets,
                Clock.fixed(Instant.parse("2026-01-02T03:04:05Z"), ZoneOffset.UTC));

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(zip))).isEqualTo("rw-------");
        byte[] raw = Files.readAllBytes(zip);
        assertThat(new String(raw, StandardCharsets.ISO_8859_1)).doesNotContain(SECRET);
        Map<String, String> entries = unzip(zip);
        assertThat(entries).containsOnlyKeys("log.txt", "config.yaml", "verify-report.json", "about.txt");
        entries.values().forEach(text -> assertThat(text).doesNotContain(SECRET));

        assertThat(entries.get("log.txt")).isEqualTo("INFO connected\nDEBUG token=" + SecretRegistry.MASK + "\n");
        Path config2 = Files.writeString(dir.resolve("config.yaml"), entries.get("config.yaml"));
        assertThat(ConfigLoader.load(config2).sso().namespace()).isEqualTo("sso-ns");
        assertThat(entries.get("config.yaml")).contains("organizationName: org " + SecretRegistry.MASK);

        JsonNode report = new ObjectMapper().readTree(entries.get("verify-report.json"));
        assertThat(report.path("stages")).hasSize(2);
        JsonNode tenant = report.path("stages").get(1);
        assertThat(tenant.path("id").asText()).isEqualTo("threescale");
        assertThat(tenant.path("title").asText()).isEqualTo("THREESCALE");
        assertThat(tenant.path("result").asText()).isEqualTo("FAILED");
        JsonNode check = tenant.path("checks").get(0);
        assertThat(check.path("status").asText()).isEqualTo("FAILED_RETRYABLE");
        assertThat(check.path("message").asText()).isEqualTo("tenant missing, token " + SecretRegistry.MASK);
        assertThat(check.path("fix").path("kind").asText()).isEqualTo("stage");
        assertThat(check.path("fix").path("target").asText()).isEqualTo("threescale");

        assertThat(entries.get("about.txt")).contains("installer version: 1.2.3")
                .contains("java: " + System.getProperty("java.version"))
                .contains("os: " + System.getProperty("os.name")).contains("time: 2026-01-02T03:04:05Z")
                .contains("some checks failed")
                .doesNotContain(System.getProperty("user.name")).doesNotContain(System.getProperty("user.home"));
    }

    @Test
    void withoutAVerifyTheReportIsEmptyAndAboutSaysSo() throws Exception {
        Path zip = dir.resolve("d.zip");
        Diagnostics.write(zip, new Diagnostics.Contents(List.of(), InstallerConfig.defaults(), null, null, null));
        Map<String, String> entries = unzip(zip);
        assertThat(new ObjectMapper().readTree(entries.get("verify-report.json")).path("stages")).isEmpty();
        assertThat(entries.get("about.txt")).contains("none (no verify has run)");
    }

    @Test
    void anExistingZipReadableByOthersIsReplacedOwnerOnly() throws Exception {
        Path zip = Files.writeString(dir.resolve("old.zip"), "old");
        Files.setPosixFilePermissions(zip, PosixFilePermissions.fromString("rw-rw-r--"));
        Diagnostics.write(zip, new Diagnostics.Contents(List.of("INFO x"), InstallerConfig.defaults(), null, null,
                null));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(zip))).isEqualTo("rw-------");
        assertThat(unzip(zip)).containsKey("log.txt");
        try (var files = Files.list(dir)) {
            assertThat(files).containsExactly(zip); // no temporary file left beside it
        }
    }

    @Test
    void theLastRunJournalIsAddedRedactedWhenThereIsOne() throws Exception {
        SecretRegistry secrets = new SecretRegistry();
        secrets.register(SECRET);
        Path journal = Files.writeString(dir.resolve("20260102-030405-apply.jsonl"),
                "{\"event\":\"run-started\"}\n{\"event\":\"note\",\"message\":\"token " + SECRET + "\"}\n");
        Path zip = dir.resolve("with-journal.zip");
        Diagnostics.write(zip, new Diagnostics.Contents(List.of(), InstallerConfig.defaults(), null, null, null,
                journal), secrets, Clock.systemUTC());
        Map<String, String> entries = unzip(zip);
        assertThat(entries).containsKey(Diagnostics.JOURNAL);
        assertThat(entries.get(Diagnostics.JOURNAL)).isEqualTo("{\"event\":\"run-started\"}\n"
                + "{\"event\":\"note\",\"message\":\"token " + SecretRegistry.MASK + "\"}\n");
        assertThat(entries.get("about.txt")).contains("run journal: 20260102-030405-apply.jsonl");

        // a journal that is gone (pruned meanwhile) adds nothing, and about.txt says so
        Path none = dir.resolve("without-journal.zip");
        Diagnostics.write(none, new Diagnostics.Contents(List.of(), InstallerConfig.defaults(), null, null, null,
                dir.resolve("gone.jsonl")), secrets, Clock.systemUTC());
        assertThat(unzip(none)).doesNotContainKey(Diagnostics.JOURNAL);
        assertThat(unzip(none).get("about.txt")).contains("run journal: none");
    }
}
