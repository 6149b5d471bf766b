package dev.maas.installer.cli;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.FileAppender;
import dev.maas.installer.cli.CliHarness.Result;
import dev.maas.installer.cluster.CertificateProbe;
import dev.maas.installer.cluster.ProxySettings;
import dev.maas.installer.cluster.TrustStore;
import dev.maas.installer.engine.Change;
import dev.maas.installer.engine.Check;
import dev.maas.installer.engine.Progress;
import dev.maas.installer.engine.Stage;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.config.ConfigLoader;
import dev.maas.installer.engine.config.ConfigWriter;
import dev.maas.installer.engine.diagnostics.Diagnostics;
import dev.maas.installer.engine.run.Operation;
import dev.maas.installer.engine.run.RunReport;
import dev.maas.installer.engine.run.StageResult;
import dev.maas.installer.engine.secrets.SecretRegistry;
import dev.maas.installer.sandbox.Sandbox;
import dev.maas.installer.sandbox.SandboxKeycloak;
import dev.maas.installer.sandbox.SandboxCluster;
import dev.maas.installer.stages.Stages;
import dev.maas.installer.testing.KeycloakServer;
import dev.maas.installer.testing.StartsKeycloak;
import dev.maas.installer.testing.StartsSandbox;
import dev.maas.installer.threescale.ThreescaleClient;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.keycloak.admin.client.Keycloak;
import org.keycloak.admin.client.KeycloakBuilder;
import org.keycloak.representations.idm.ClientRepresentation;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The secrets sweep (docs/reliability.md, "Secrets"): full CLI runs against the sandbox with a real Keycloak —
 * {@code apply}, {@code verify}, a second {@code apply}, {@code plan}, and failing runs (a wrong Keycloak admin password
 * in the operator's Secret, a wrong cluster token) — after which every artefact the runs left (stdout, stderr, the
 * Logback output, log files, run journals, the trust store, the JSON output, error messages) is searched for every
 * secret value the runs handled, as it is and encoded (base64, base64url, URL- and JSON-escaped, and inside any
 * base64 run). The secrets are known to the test from where the installer reads them: the Keycloak admin password
 * (the Secret the simulated operator creates), the {@code 3scale} client's secret (Keycloak), the identity
 * provider's client secret (a 0600 file named in the config), the 3scale tokens and passwords (Secret system-seed),
 * every other Secret value in the namespaces the installer uses, the applications' user keys, the cluster token
 * ({@code --api-url} + {@code MAAS_CLUSTER_TOKEN}) and the wrong values of the failing runs.
 *
 * <p>The secret registry is emptied before every CLI run: the sandbox runs in this JVM and registers its own secrets,
 * which would otherwise hide a value the installer failed to register itself.
 *
 * <p>Artefacts come from {@link #PRODUCERS} (the exported config and the diagnostics zip among them, written from
 * what the runs left); a new kind of artefact is one more entry there.
 */
@StartsKeycloak
@StartsSandbox
class SecretsSweepTest {
    private static final String REALM = "maas-sweep";

    @TempDir
    static Path tmp;

    private static KeycloakServer.Endpoint kc;
    private static Sandbox sandbox;
    private static KubernetesClient kube;
    private static Path work;
    private static Path config;
    /** Every run: its arguments and what it printed. */
    private static final List<Run> RUNS = new ArrayList<>();
    /** Everything the process wrote to System.err during the runs (Logback's console appender writes there). */
    private static final ByteArrayOutputStream PROCESS_ERR = new ByteArrayOutputStream();
    /** The results of every verify of every stage, as the stages returned them (for the diagnostics zip). */
    private static final Map<String, StageResult> VERIFIED = new LinkedHashMap<>();
    /** Values the failing runs used (a wrong password, a wrong token): secrets too. */
    private static final Set<String> WRONG_VALUES = new LinkedHashSet<>();

    record Run(List<String> args, Result result) { }

    /** One thing a run leaves behind: its name, its content, and the file it lives in (null: not a file). */
    record Artefact(String name, byte[] content, Path file) {
        static Artefact text(String name, String text) {
            return new Artefact(name, text.getBytes(StandardCharsets.UTF_8), null);
        }

        static Artefact file(String name, Path file) {
            try {
                return new Artefact(name + " " + file, Files.readAllBytes(file), file);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** Makes the artefacts of one kind once the runs are over. */
    interface ArtefactProducer {
        List<Artefact> produce() throws Exception;
    }

    /** Every kind of artefact the sweep searches. Files among them must also be owner-only. */
    static final List<ArtefactProducer> PRODUCERS = List.of(
            SecretsSweepTest::cliOutput,
            SecretsSweepTest::processStderr,
            SecretsSweepTest::logFiles,
            SecretsSweepTest::runJournals,
            SecretsSweepTest::trustStore,
            SecretsSweepTest::exportedConfig,
            SecretsSweepTest::diagnosticsZip);

    @BeforeAll
    static void runEverything() throws Exception {
        kc = KeycloakServer.get();
        Path sandboxDir = tmp.resolve("sandbox");
        Files.createDirectories(sandboxDir);
        // a kubeconfig left readable by others: the sandbox replaces it owner-only
        Files.writeString(sandboxDir.resolve(Sandbox.KUBECONFIG), "old");
        Files.setPosixFilePermissions(sandboxDir.resolve(Sandbox.KUBECONFIG),
                PosixFilePermissions.fromString("rw-r--r--"));
        sandbox = Sandbox.run(sandboxDir, SandboxCluster.Options.defaults(),
                SandboxKeycloak.existing(kc.url(), kc.adminUser(), kc.adminPassword()));
        kube = sandbox.cluster().newClient();
        work = tmp.resolve("client");
        // a trust store folder and file that others could read: the run tightens them
        Path configDir = work.resolve("maas-config");
        Files.createDirectories(configDir);
        Files.setPosixFilePermissions(configDir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(configDir.resolve(TrustStore.FILE_NAME), "{\"clusters\":{}}");
        Files.setPosixFilePermissions(configDir.resolve(TrustStore.FILE_NAME),
                PosixFilePermissions.fromString("rw-r--r--"));

        // the sandbox's config without its kubeconfig: the run connects with --api-url and MAAS_CLUSTER_TOKEN
        String generated = Files.readString(sandbox.configFile());
        String yaml = generated.replaceAll("(?m)^cluster:\\n(  .*\\n)+", "")
                .replaceFirst("(?m)^sso:\\n", "sso:\n  realm: " + REALM + "\n")
                + "models:\n  - name: Sweep Model\n    url: http://sweep-model.models.svc.cluster.local:8080\n";
        assertThat(yaml).doesNotContain("kubeconfig:").contains("realm: " + REALM);
        config = Files.writeString(tmp.resolve("maas-installer.yaml"), yaml);

        String api = sandbox.cluster().url();
        String fingerprint = CertificateProbe.probe(api, ProxySettings.NONE, Duration.ofSeconds(10)).get(0)
                .sha256Fingerprint();
        String token = sandbox.cluster().token();
        String cfg = config.toString();

        PrintStream realErr = System.err;
        System.setErr(new PrintStream(PROCESS_ERR, true, StandardCharsets.UTF_8));
        try {
            Result apply = run(token, "apply", "--yes", "--config", cfg, "--api-url", api, "--trust-fingerprint",
                    fingerprint, "--output", "json");
            assertThat(apply.code()).as(apply.toString()).isZero();
            Result verify = run(token, "verify", "--config", cfg, "--api-url", api, "--output", "json");
            assertThat(verify.code()).as(verify.toString()).isZero();
            Result again = run(token, "apply", "--yes", "--config", cfg, "--api-url", api);
            assertThat(again.code()).as(again.toString()).isZero();
            Result plan = run(token, "plan", "--config", cfg, "--api-url", api);
            assertThat(plan.code()).as(plan.toString()).isZero();

            // a wrong Keycloak admin password in the operator's Secret: sso and portal fail, saying so
            String wrongPassword = "Wr0ng-admin-" + System.nanoTime();
            WRONG_VALUES.add(wrongPassword);
            Secret credentials = keycloakCredentials();
            Map<String, String> original = new LinkedHashMap<>(credentials.getData());
            kube.secrets().inNamespace("rh-sso").withName(credentials.getMetadata().getName())
                    .edit(s -> {
                        s.setData(new LinkedHashMap<>(s.getData()));
                        s.getData().put("ADMIN_PASSWORD", b64(wrongPassword));
                        return s;
                    });
            Result badPassword = run(token, "apply", "--yes", "--config", cfg, "--api-url", api, "--stage",
                    "sso,portal");
            assertThat(badPassword.code()).as(badPassword.toString()).isEqualTo(ExitCodes.FAILURE);
            Result badPasswordJson = run(token, "verify", "--config", cfg, "--api-url", api, "--stage", "sso",
                    "--output", "json");
            assertThat(badPasswordJson.code()).as(badPasswordJson.toString()).isNotZero();
            kube.secrets().inNamespace("rh-sso").withName(credentials.getMetadata().getName())
                    .edit(s -> {
                        s.setData(original);
                        return s;
                    });

            // a wrong cluster token: refused (401), the message names the variable, not the value
            String wrongToken = "sha256~wrong-" + System.nanoTime();
            WRONG_VALUES.add(wrongToken);
            Result badToken = run(wrongToken, "verify", "--config", cfg, "--api-url", api);
            assertThat(badToken.code()).as(badToken.toString()).isEqualTo(ExitCodes.FAILURE);
            assertThat(badToken.err()).contains("MAAS_CLUSTER_TOKEN");
        } finally {
            System.setErr(realErr);
        }
    }

    @AfterAll
    static void stop() {
        if (kube != null) {
            kube.close();
        }
        if (sandbox != null) {
            sandbox.close();
        }
    }

    private static Result run(String token, String... args) {
        SecretRegistry.global().clear(); // only what this run registers itself may mask anything
        CliHarness cli = new CliHarness(work, Stages.all().stream().map(SecretsSweepTest::recordingVerify)
                .toArray(Stage[]::new)).env("MAAS_CLUSTER_TOKEN", token);
        long start = System.nanoTime();
        Result r = cli.run(args);
        System.out.printf("sweep: `%s` exit %d in %d ms%n", String.join(" ", args), r.code(),
                (System.nanoTime() - start) / 1_000_000);
        RUNS.add(new Run(List.of(args), r));
        return r;
    }

    /**
     * The stage as it is, its verify results (checks, or the error it threw) kept in {@link #VERIFIED}: the last
     * verify of each stage, as the wizard keeps its last verify report for "Save diagnostics".
     */
    private static Stage recordingVerify(Stage stage) {
        return new Stage() {
            @Override public String id() { return stage.id(); }
            @Override public String title() { return stage.title(); }
            @Override public List<String> dependencies() { return stage.dependencies(); }
            @Override public java.util.Optional<dev.maas.installer.engine.StageException> notAvailableHere(
                    StageContext ctx) {
                return stage.notAvailableHere(ctx);
            }
            @Override public List<Change> plan(StageContext ctx) { return stage.plan(ctx); }
            @Override public List<Change> apply(StageContext ctx, Progress progress) {
                return stage.apply(ctx, progress);
            }

            @Override
            public List<Check> verify(StageContext ctx) {
                try {
                    List<Check> checks = stage.verify(ctx);
                    boolean ok = checks.stream().allMatch(c -> c.status().passes());
                    VERIFIED.put(id(), new StageResult(id(), Operation.VERIFY, ok ? StageResult.Outcome.OK
                            : StageResult.Outcome.FAILED, List.of(), checks, null, null, false));
                    return checks;
                } catch (RuntimeException e) {
                    VERIFIED.put(id(), new StageResult(id(), Operation.VERIFY, StageResult.Outcome.FAILED, List.of(),
                            List.of(), e.getClass().getSimpleName() + ": " + e.getMessage(), null, false));
                    throw e;
                }
            }
        };
    }

    private static Secret keycloakCredentials() {
        return kube.secrets().inNamespace("rh-sso").list().getItems().stream()
                .filter(s -> s.getMetadata().getName().startsWith("credential-")).findFirst()
                .orElseThrow(() -> new AssertionError("the simulated operator made no credential Secret"));
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String decode(String b64) {
        return new String(Base64.getDecoder().decode(b64), StandardCharsets.UTF_8);
    }

    // ------------------------------------------------------------------------------------------ the secrets

    /** Every secret value the runs handled, by where it came from. */
    static Map<String, String> secrets() throws Exception {
        Map<String, String> all = new LinkedHashMap<>();
        Secret credentials = keycloakCredentials();
        String adminPassword = decode(credentials.getData().get("ADMIN_PASSWORD"));
        assertThat(adminPassword).isEqualTo(kc.adminPassword());
        all.put("Keycloak admin password (Secret " + credentials.getMetadata().getName() + ")", adminPassword);
        try (Keycloak admin = KeycloakBuilder.builder().serverUrl(kc.url()).realm("master").clientId("admin-cli")
                .username(kc.adminUser()).password(kc.adminPassword()).grantType("password").build()) {
            List<ClientRepresentation> clients = admin.realm(REALM).clients().findByClientId("3scale");
            assertThat(clients).hasSize(1);
            all.put("the 3scale client's secret", admin.realm(REALM).clients().get(clients.get(0).getId())
                    .getSecret().getValue());
        }
        all.put("identity provider client secret (file)",
                Files.readString(sandbox.keycloak().idpSecretFile()).trim());
        all.put("3scale admin access token", sandbox.threescale().accessToken());
        all.put("3scale master access token", sandbox.threescale().masterToken());
        all.put("cluster token", sandbox.cluster().token());
        int wrong = 0;
        for (String w : WRONG_VALUES) {
            all.put("wrong value of a failing run #" + (++wrong), w);
        }
        // every value of a secret-looking key of every Secret in the namespaces the installer works in
        Pattern secretKey = Pattern.compile("(?i).*(password|token|secret|key).*");
        for (String ns : List.of("rh-sso", "3scale")) {
            for (Secret s : kube.secrets().inNamespace(ns).list().getItems()) {
                Map<String, String> data = new LinkedHashMap<>();
                if (s.getData() != null) {
                    s.getData().forEach((k, v) -> data.put(k, decode(v)));
                }
                if (s.getStringData() != null) {
                    data.putAll(s.getStringData());
                }
                data.forEach((k, v) -> {
                    if (secretKey.matcher(k).matches() && v.length() >= 8) {
                        all.putIfAbsent(ns + "/" + s.getMetadata().getName() + " " + k, v);
                    }
                });
            }
        }
        // the user keys of the applications the plans stage made (3scale registers them as secrets)
        ThreescaleClient threescale = ThreescaleClient.builder(sandbox.threescale().url(),
                sandbox.threescale().accessToken()).secrets(new SecretRegistry()).build();
        threescale.tenant().accounts(null).forEach(a -> threescale.tenant().applications(a.id()).forEach(app -> {
            if (app.userKey() != null) {
                all.putIfAbsent("user key of application " + app.name(), app.userKey());
            }
        }));
        assertThat(all.values()).allSatisfy(v -> assertThat(v).isNotBlank().hasSizeGreaterThanOrEqualTo(8));
        return all;
    }

    /** The forms a secret could take in an artefact. */
    static Map<String, String> forms(String secret) {
        byte[] bytes = secret.getBytes(StandardCharsets.UTF_8);
        Map<String, String> forms = new LinkedHashMap<>();
        forms.put("plain", secret);
        forms.put("base64", Base64.getEncoder().encodeToString(bytes));
        forms.put("base64url", Base64.getUrlEncoder().withoutPadding().encodeToString(bytes));
        forms.put("url-encoded", URLEncoder.encode(secret, StandardCharsets.UTF_8));
        forms.put("json-escaped", secret.replace("\\", "\\\\").replace("\"", "\\\"").replace("/", "\\/"));
        return forms;
    }

    private static final Pattern BASE64_RUN = Pattern.compile("[A-Za-z0-9+/_-]{12,}={0,2}");

    /** Where the secret occurs in the text: directly in one of its forms, or inside a decoded base64 run. */
    static List<String> occurrences(String text, String secret) {
        List<String> found = new ArrayList<>();
        forms(secret).forEach((form, value) -> {
            if (text.contains(value)) {
                found.add(form);
            }
        });
        Matcher m = BASE64_RUN.matcher(text);
        while (m.find()) {
            String run = m.group();
            for (Base64.Decoder d : List.of(Base64.getDecoder(), Base64.getUrlDecoder())) {
                for (int cut = 0; cut < 4; cut++) { // a secret in the middle of an encoded blob: try each alignment
                    String part = run.substring(Math.min(cut, run.length())).replace("=", "");
                    if (part.length() % 4 == 1) { // no valid base64 ends so; 2 or 3 left over are fine unpadded
                        part = part.substring(0, part.length() - 1);
                    }
                    try {
                        if (new String(d.decode(part), StandardCharsets.ISO_8859_1).contains(
                                new String(secret.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1))) {
                            found.add("inside base64 " + run.substring(0, Math.min(12, run.length())) + "...");
                        }
                    } catch (IllegalArgumentException notBase64) {
                        // not this alphabet or alignment
                    }
                }
            }
        }
        return found;
    }

    // ------------------------------------------------------------------------------------------ the artefacts

    private static List<Artefact> cliOutput() {
        List<Artefact> out = new ArrayList<>();
        for (Run r : RUNS) {
            String what = String.join(" ", r.args());
            out.add(Artefact.text("stdout of `" + what + "`", r.result().out()));
            out.add(Artefact.text("stderr of `" + what + "`", r.result().err()));
        }
        return out;
    }

    private static List<Artefact> processStderr() {
        return List.of(Artefact.text("the process's stderr (Logback console)",
                PROCESS_ERR.toString(StandardCharsets.UTF_8)));
    }

    /** Every file a Logback appender of the running configuration writes (none today: logs go to stderr). */
    private static List<Artefact> logFiles() {
        List<Artefact> out = new ArrayList<>();
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        for (ch.qos.logback.classic.Logger logger : ctx.getLoggerList()) {
            for (Iterator<Appender<ch.qos.logback.classic.spi.ILoggingEvent>> it = logger.iteratorForAppenders();
                 it.hasNext(); ) {
                if (it.next() instanceof FileAppender<?> file && file.getFile() != null) {
                    out.add(Artefact.file("log file", Path.of(file.getFile())));
                }
            }
        }
        return out;
    }

    private static List<Artefact> runJournals() throws IOException {
        Path runs = work.resolve("state/maas-installer/runs");
        try (Stream<Path> files = Files.list(runs)) {
            List<Artefact> out = files.sorted().map(p -> Artefact.file("run journal", p)).toList();
            assertThat(out).as("one journal per run").hasSize(RUNS.size());
            return out;
        }
    }

    private static List<Artefact> trustStore() {
        return List.of(Artefact.file("trust store", work.resolve("maas-config").resolve(TrustStore.FILE_NAME)));
    }

    /** The run's configuration exported as the wizard's "Export config…" writes it. */
    private static List<Artefact> exportedConfig() {
        SecretRegistry.global().clear(); // masks nothing: the configuration must hold no secret by itself
        Path exported = tmp.resolve("export/maas-installer.yaml");
        ConfigWriter.write(ConfigLoader.load(config), exported);
        return List.of(Artefact.file("exported config", exported));
    }

    /**
     * The diagnostics zip as the wizard's "Save diagnostics" writes it, from the log lines the runs produced (the
     * process's stderr and each run's stdout and stderr), the run's configuration, the last verify of each stage
     * and the newest run journal; the zip itself and every entry, unzipped, are searched.
     */
    private static List<Artefact> diagnosticsZip() throws IOException {
        List<String> lines = new ArrayList<>(PROCESS_ERR.toString(StandardCharsets.UTF_8).lines().toList());
        for (Run r : RUNS) {
            lines.addAll(r.result().err().lines().toList());
            lines.addAll(r.result().out().lines().toList());
        }
        assertThat(VERIFIED).as("the verify runs reached the stages").isNotEmpty();
        RunReport verify = new RunReport(Operation.VERIFY, List.copyOf(VERIFIED.values()));
        SecretRegistry.global().clear(); // masks nothing: only what the inputs already hid stays hidden
        Path zip = tmp.resolve("export/diagnostics.zip");
        Path lastJournal;
        try (Stream<Path> files = Files.list(work.resolve("state/maas-installer/runs"))) {
            lastJournal = files.max(Comparator.comparing(p -> p.getFileName().toString())).orElseThrow();
        }
        Diagnostics.write(zip, new Diagnostics.Contents(lines, ConfigLoader.load(config), verify, null, "sweep",
                lastJournal));
        List<Artefact> out = new ArrayList<>();
        out.add(Artefact.file("diagnostics zip", zip));
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip), StandardCharsets.UTF_8)) {
            for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
                out.add(new Artefact("diagnostics zip entry " + e.getName(), in.readAllBytes(), null));
            }
        }
        assertThat(out).as("the zip and its entries").extracting(Artefact::name)
                .contains("diagnostics zip entry " + Diagnostics.JOURNAL).hasSizeGreaterThanOrEqualTo(6);
        return out;
    }

    private static List<Artefact> artefacts() throws Exception {
        List<Artefact> all = new ArrayList<>();
        for (ArtefactProducer p : PRODUCERS) {
            all.addAll(p.produce());
        }
        return all;
    }

    // ------------------------------------------------------------------------------------------ the tests

    @Test
    void noSecretValueAppearsInAnyArtefactInAnyForm() throws Exception {
        Map<String, String> secrets = secrets();
        assertThat(secrets).hasSizeGreaterThanOrEqualTo(7);
        System.out.printf("sweep: %d secret values: %s%n", secrets.size(), secrets.keySet());
        List<Artefact> artefacts = artefacts();
        List<String> leaks = new ArrayList<>();
        for (Artefact a : artefacts) {
            String text = new String(a.content(), StandardCharsets.UTF_8);
            secrets.forEach((what, value) -> occurrences(text, value)
                    .forEach(form -> leaks.add(what + " (" + form + ") in " + a.name())));
        }
        for (Artefact a : artefacts) {
            String text = new String(a.content(), StandardCharsets.UTF_8);
            System.out.printf("sweep: searched %s (%d bytes)%n", a.name(), text.length());
        }
        assertThat(leaks).as("secret values found").isEmpty();
        // and the sweep did see real output: the runs printed, logged and journalled, with masked values
        String everything = String.join("\n", artefacts.stream()
                .map(a -> new String(a.content(), StandardCharsets.UTF_8)).toList());
        assertThat(processStderr().get(0).content()).as("the stages' log lines were captured")
                .asString(StandardCharsets.UTF_8).contains("Connected to Keycloak at");
        assertThat(everything).contains("\"stages\"").contains("Run journal:").contains("\"event\":\"stage-finished\"")
                .contains(SecretRegistry.MASK);
    }

    @Test
    void theFailingRunsSaidWhatFailedWithoutTheValues() {
        Result badPassword = RUNS.stream().filter(r -> r.args().contains("sso,portal")).findFirst().orElseThrow()
                .result();
        assertThat(badPassword.out() + badPassword.err()).containsIgnoringCase("keycloak")
                .containsIgnoringCase("admin");
        for (String wrong : WRONG_VALUES) {
            for (Run r : RUNS) {
                assertThat(r.result().out() + r.result().err()).doesNotContain(wrong);
            }
        }
    }

    @Test
    void everyFileTheRunsWroteIsOwnerOnlyAndTheirFoldersToo() throws Exception {
        List<Path> files = new ArrayList<>();
        for (Artefact a : artefacts()) {
            if (a.file() != null) {
                files.add(a.file());
            }
        }
        assertThat(files).isNotEmpty();
        for (Path f : files) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).as(f.toString())
                    .isEqualTo("rw-------");
        }
        for (Path dir : List.of(work.resolve("state/maas-installer/runs"), work.resolve("maas-config"))) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).as(dir.toString())
                    .isEqualTo("rwx------");
        }
        // the sandbox's files that hold credentials, the kubeconfig replaced although it was 0644 before
        for (Path f : List.of(sandbox.kubeconfig(), sandbox.sandboxJson(), sandbox.keycloak().idpSecretFile(),
                sandbox.threescaleJournal())) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).as(f.toString())
                    .isEqualTo("rw-------");
        }
        // the sandbox's state (its cluster's Secrets, TLS keys, the 3scale tokens)
        Path state = sandbox.dir().resolve(Sandbox.STATE_DIR);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(state))).isEqualTo("rwx------");
        try (java.util.stream.Stream<Path> kept = Files.list(state)) {
            List<Path> all = kept.toList();
            assertThat(all).extracting(p -> p.getFileName().toString())
                    .contains("cluster.json", Sandbox.THREESCALE_STATE);
            for (Path f : all) {
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).as(f.toString())
                        .isEqualTo("rw-------");
            }
        }
    }

    @Test
    void theSearchFindsEachFormItLooksFor() {
        String secret = "p4ss/w+rd\"x-" + System.nanoTime();
        forms(secret).forEach((form, value) ->
                assertThat(occurrences("before " + value + " after", secret)).as(form).isNotEmpty());
        for (String prefix : List.of("", "a", "ab", "abc", "admin:")) {
            for (String suffix : List.of("", "x", "xy", ":suffix")) {
                String blob = b64(prefix + secret + suffix);
                for (String around : List.of("token-data: %s\n", "{\"message\":\"creds %s\"}", "creds=%s")) {
                    String text = around.formatted(blob);
                    assertThat(occurrences(text, secret)).as(text).isNotEmpty();
                    assertThat(occurrences(text.replace(blob, blob.replace("=", "")), secret)).as(text).isNotEmpty();
                }
            }
        }
        assertThat(occurrences("nothing here " + b64("other value"), secret)).isEmpty();
    }
}
