package dev.maas.installer.engine.diagnostics;

import dev.maas.installer.engine.config.ConfigWriter;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.engine.files.PrivateFiles;
import dev.maas.installer.engine.run.JsonReport;
import dev.maas.installer.engine.run.RunReport;
import dev.maas.installer.engine.secrets.SecretRegistry;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * The diagnostics zip a user attaches to a support request: {@code log.txt} (the log lines), {@code config.yaml}
 * (the configuration, see {@link ConfigWriter}), {@code verify-report.json} (the last verify, in the CLI's JSON
 * shape, see {@link JsonReport}), {@code run-journal.jsonl} (the last run's journal, when there is one, see
 * {@link dev.maas.installer.engine.run.RunJournal}) and {@code about.txt} (installer version, Java, operating system, time; nothing
 * about the host or the user). Every text passes through the secret registry; the file is written atomically with
 * mode 0600 on POSIX.
 */
public final class Diagnostics {
    public static final String LOG = "log.txt";
    public static final String CONFIG = "config.yaml";
    public static final String VERIFY_REPORT = "verify-report.json";
    public static final String ABOUT = "about.txt";
    public static final String JOURNAL = "run-journal.jsonl";

    /**
     * What goes into the zip.
     *
     * @param logLines the log, one line each (already formatted)
     * @param verify   the last verify report; null writes a report without stages and says so in about.txt
     * @param titles   stage id to title, for the report
     * @param version  the installer's version
     * @param journal  the last run's journal file; null (or a file that is gone) adds none
     */
    public record Contents(List<String> logLines, InstallerConfig config, RunReport verify,
                           Function<String, String> titles, String version, Path journal) {
        public Contents {
            logLines = List.copyOf(Objects.requireNonNull(logLines, "logLines"));
            Objects.requireNonNull(config, "config");
            titles = titles == null ? id -> id : titles;
            version = version == null ? "unknown" : version;
        }

        /** Without a run journal. */
        public Contents(List<String> logLines, InstallerConfig config, RunReport verify,
                        Function<String, String> titles, String version) {
            this(logLines, config, verify, titles, version, null);
        }
    }

    private Diagnostics() { }

    /** Writes the zip with the process-wide secret registry and the system clock. */
    public static void write(Path zip, Contents contents) {
        write(zip, contents, SecretRegistry.global(), Clock.systemUTC());
    }

    public static void write(Path zip, Contents contents, SecretRegistry secrets, Clock clock) {
        try {
            PrivateFiles.replace(zip, bytes(contents, secrets, clock));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + zip.toAbsolutePath() + ": " + e.getMessage(), e);
        }
    }

    /** The zip's bytes. */
    static byte[] bytes(Contents c, SecretRegistry secrets, Clock clock) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(out, StandardCharsets.UTF_8)) {
            StringBuilder log = new StringBuilder();
            for (String line : c.logLines()) {
                log.append(secrets.redact(line)).append('\n');
            }
            entry(zip, LOG, log.toString());
            entry(zip, CONFIG, secrets.redact(ConfigWriter.toYaml(c.config(), secrets)));
            RunReport report = c.verify() != null ? c.verify()
                    : new RunReport(dev.maas.installer.engine.run.Operation.VERIFY, List.of());
            entry(zip, VERIFY_REPORT, new JsonReport(secrets).render(report, c.titles()));
            String journal = journal(c.journal());
            if (journal != null) {
                entry(zip, JOURNAL, secrets.redact(journal)); // redacted when written; once more, as everything
            }
            entry(zip, ABOUT, secrets.redact(about(c, clock) + "run journal: "
                    + (journal != null ? c.journal().getFileName() : "none") + "\n"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the diagnostics zip: " + e.getMessage(), e);
        }
        return out.toByteArray();
    }

    /** The journal's text; null when there is none or it cannot be read (it may have been pruned meanwhile). */
    private static String journal(Path file) {
        if (file == null || !Files.isRegularFile(file)) {
            return null;
        }
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException | UncheckedIOException e) {
            return null;
        }
    }

    private static String about(Contents c, Clock clock) {
        return "MaaS Installer diagnostics\n"
                + "installer version: " + c.version() + "\n"
                + "java: " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ", "
                + System.getProperty("java.vm.name") + ")\n"
                + "os: " + System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch") + "\n"
                + "time: " + Instant.now(clock) + "\n"
                + "verify report: " + (c.verify() == null ? "none (no verify has run)"
                        : c.verify().stages().size() + " stage(s), " + (c.verify().allChecksPass() && c.verify().allOk()
                                ? "all checks passed" : "some checks failed")) + "\n";
    }

    private static void entry(ZipOutputStream zip, String name, String text) throws IOException {
        zip.putNextEntry(new ZipEntry(name));
        zip.write(text.getBytes(StandardCharsets.UTF_8));
        zip.closeEntry();
    }
}
