package dev.maas.installer.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.maas.installer.engine.Stage;
import dev.maas.installer.sandbox.OlmSimulator;
import dev.maas.installer.sandbox.Sandbox;
import dev.maas.installer.sandbox.SandboxKeycloak;
import dev.maas.installer.sandbox.SandboxCluster;
import dev.maas.installer.sandbox.WriteObserver;
import dev.maas.installer.stages.Stages;
import dev.maas.installer.testing.EndState;
import dev.maas.installer.testing.KeycloakServer;
import dev.maas.installer.testing.ObservingProxy;
import dev.maas.installer.testing.StartsKeycloak;
import dev.maas.installer.testing.StartsSandbox;
import io.fabric8.kubernetes.client.KubernetesClient;
import jakarta.ws.rs.NotFoundException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.keycloak.admin.client.Keycloak;
import org.keycloak.admin.client.KeycloakBuilder;
import org.keycloak.representations.idm.ClientRepresentation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Kill and resume: the CLI, as a real child process ({@code maas-installer apply --yes}), is killed with
 * SIGKILL while one of its writes is in flight, at {@value #DEFAULT_POINTS} seeded points spread over every stage
 * that writes (sso, threescale, backends, products, plans, portal); each time on a fresh sandbox (cluster and 3scale
 * simulator) and a fresh realm in the tests' Keycloak. Then apply is run again to the end and the end state must
 * equal a clean run's ({@link EndState}: 3scale, the Keycloak realm, the cluster; no duplicate anywhere), the rerun
 * must succeed and a verify afterwards must pass every check.
 *
 * <p>A kill point is "the k-th write the installer sends", counted over the three systems it writes to: the
 * sandbox's API server and 3scale simulator ({@link WriteObserver}) and Keycloak (through an
 * {@link ObservingProxy}). When the k-th write arrives, the server holds it, the child is killed and reaped, and
 * then the write is applied ("landed": the server got the request, the client never saw the answer) or dropped
 * ("lost": the client died before the request reached the server); which one is seeded too. The clean run measures
 * the writes per stage; each stage then gets at least {@value #MIN_PER_STAGE} points, the rest in proportion.
 *
 * <p>Seed and number of points: {@code -Dmaas.killresume.seed=N -Dmaas.killresume.points=N}. The rerun and the
 * verify run in-process through the CLI's entry point (every stage reads its state from the live systems, nothing
 * carries over from the killed process); the clean run and the killed runs are child JVMs.
 */
@StartsKeycloak
@StartsSandbox
class CliKillResumeTest {
    private static final Logger LOG = LoggerFactory.getLogger(CliKillResumeTest.class);
    static final int DEFAULT_POINTS = 20;
    static final int MIN_PER_STAGE = 3;
    private static final long SEED = Long.getLong("maas.killresume.seed", 20261127L);
    private static final int POINTS = Integer.getInteger("maas.killresume.points", DEFAULT_POINTS);
    private static final String REALM = "maas";
    private static final Duration CHILD_TIMEOUT = Duration.ofSeconds(240);
    private static final Pattern STAGE_LINE = Pattern.compile("^\\[([a-z]+)\\]", Pattern.MULTILINE);

    @TempDir
    static Path tmp;

    private static KeycloakServer.Endpoint kc;
    private static ObservingProxy kcProxy;
    private static Keycloak admin;

    @BeforeAll
    static void keycloak() {
        kc = KeycloakServer.get();
        kcProxy = ObservingProxy.start(kc.url());
        admin = KeycloakBuilder.builder().serverUrl(kc.url()).realm("master").clientId("admin-cli")
                .username(kc.adminUser()).password(kc.adminPassword()).grantType("password").build();
        deleteRealm();
    }

    @AfterAll
    static void close() {
        if (admin != null) {
            deleteRealm();
            admin.close();
        }
        if (kcProxy != null) {
            kcProxy.close();
        }
    }

    private static void deleteRealm() {
        try {
            admin.realm(REALM).remove();
        } catch (NotFoundException e) {
            // not there
        }
    }

    /** One write the installer sent: its number in the run, where to, and the stage the CLI had announced. */
    record Write(int n, String system, String method, String path, String stage) {
        @Override
        public String toString() { return "#" + n + " " + stage + " " + system + " " + method + " " + path; }
    }

    /** Counts the child's writes over all three systems; kills it at the k-th (k 0: never). */
    static final class Killer {
        private final int killAt;
        private final boolean land;
        private final Path stderr;
        private final List<Write> writes = new ArrayList<>();
        private Process process;
        private boolean armed = true;
        private Write killedAt;

        Killer(int killAt, boolean land, Path stderr) {
            this.killAt = killAt;
            this.land = land;
            this.stderr = stderr;
        }

        WriteObserver observer(String system) {
            return (method, path) -> onWrite(system, method, path);
        }

        synchronized void started(Process p) {
            process = p;
        }

        synchronized void disarm() {
            armed = false;
        }

        synchronized boolean onWrite(String system, String method, String path) {
            if (!armed || process == null || !process.isAlive()) {
                return true;
            }
            Write w = new Write(writes.size() + 1, system, method, path.replaceAll("\\?.*", ""), currentStage());
            writes.add(w);
            if (w.n() != killAt) {
                return true;
            }
            process.destroyForcibly(); // SIGKILL while this write is held
            try {
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the killed CLI did not exit");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            killedAt = w;
            armed = false;
            return land;
        }

        /** The stage the CLI announced last on stderr ("[sso] ..."); written and flushed before its writes. */
        private String currentStage() {
            try {
                String text = Files.readString(stderr);
                Matcher m = STAGE_LINE.matcher(text);
                String last = "?";
                while (m.find()) {
                    last = m.group(1);
                }
                return last;
            } catch (IOException e) {
                return "?";
            }
        }

        synchronized List<Write> writes() { return List.copyOf(writes); }

        synchronized Write killedAt() { return killedAt; }
    }

    /** A fresh sandbox on the shared Keycloak, its config pointing the CLI at Keycloak through the proxy. */
    private record Fresh(Sandbox sandbox, Path config, Path work) { }

    private static Fresh freshSandbox(String name) throws IOException {
        deleteRealm();
        Path dir = tmp.resolve(name);
        Sandbox sandbox = Sandbox.run(dir.resolve("sandbox"), SandboxCluster.Options.defaults()
                        .withOlmBehaviour(OlmSimulator.Behaviour.succeed(Duration.ofMillis(20))),
                SandboxKeycloak.existing(kc.url(), kc.adminUser(), kc.adminPassword()));
        String yaml = Files.readString(sandbox.configFile());
        String direct = "keycloakUrl: '" + sandbox.keycloakUrl() + "'";
        assertThat(yaml).contains(direct);
        Path config = Files.writeString(dir.resolve("maas-installer.yaml"),
                yaml.replace(direct, "keycloakUrl: '" + kcProxy.url() + "'"));
        Path work = Files.createDirectories(dir.resolve("work"));
        return new Fresh(sandbox, config, work);
    }

    /** Runs {@code apply --yes} as a child JVM with the killer observing every write; returns its exit code or -1. */
    private static int childApply(Fresh f, Killer killer, Path stdout, Path stderr) throws Exception {
        f.sandbox().cluster().observeWrites(killer.observer("cluster"));
        f.sandbox().threescale().observeWrites(killer.observer("3scale"));
        kcProxy.observeWrites(killer.observer("keycloak"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>(List.of(java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-Xmx384m"));
        command.addAll(List.of("-cp", classpath, "dev.maas.installer.Main", "apply", "--yes", "--config",
                f.config().toString()));
        ProcessBuilder pb = new ProcessBuilder(command)
                .directory(f.work().toFile()).redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
        Map<String, String> env = pb.environment();
        String path = env.get("PATH");
        env.clear(); // no credentials from the test's environment; the config and kubeconfig say everything
        env.put("PATH", path == null ? "/usr/bin:/bin" : path);
        env.put("HOME", f.work().toString());
        env.put("MAAS_CONFIG_DIR", f.work().resolve("maas-config").toString());
        env.put("KUBECONFIG", f.work().resolve("no-kubeconfig").toString());
        Process p = pb.start();
        killer.started(p);
        try {
            if (!p.waitFor(CHILD_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                throw new AssertionError("apply did not finish within " + CHILD_TIMEOUT + "\n"
                        + Files.readString(stderr));
            }
            return killer.killedAt() != null ? -1 : p.exitValue();
        } finally {
            killer.disarm();
            f.sandbox().cluster().observeWrites(null);
            f.sandbox().threescale().observeWrites(null);
            kcProxy.observeWrites(null);
        }
    }

    private static CliHarness cli(Fresh f) {
        return new CliHarness(f.work(), Stages.all().toArray(Stage[]::new));
    }

    /**
     * Runs verify; it must succeed with every stage at its worst check and every check as after the clean run (OK, or the one WARN
     * the sandbox always has: the tenant's time zone, a manual step); returns check name to status.
     */
    private static Map<String, String> verify(Fresh f, String what) {
        CliHarness.Result verify = cli(f).run("verify", "--config", f.config().toString(), "--output", "json");
        assertThat(verify.code()).as(what + ": verify\n" + verify).isZero();
        Map<String, String> checks = new TreeMap<>();
        for (JsonNode stage : verify.json().path("stages")) {
            // a stage's result is its worst check: OK, or WARN where the sandbox always warns
            boolean warns = false;
            for (JsonNode check : stage.path("checks")) {
                warns |= "WARN".equals(check.path("status").asText());
            }
            assertThat(stage.path("result").asText()).as(what + ": verify " + stage.path("id"))
                    .isEqualTo(warns ? "WARN" : "OK");
            for (JsonNode check : stage.path("checks")) {
                assertThat(check.path("status").asText()).as(what + ": check " + check).isIn("OK", "WARN");
                checks.put(stage.path("id").asText() + ": " + check.path("name").asText(),
                        check.path("status").asText());
            }
        }
        return checks;
    }

    private static EndState endState(Fresh f) {
        KubernetesClient client = f.sandbox().cluster().newClient();
        return EndState.of(f.sandbox(), client, admin, REALM);
    }

    /** The 3scale SSO integration of the portal holds the secret of the realm's client 3scale. */
    private static void assertSecretsAgree(Fresh f, String what) {
        ClientRepresentation threescale = admin.realm(REALM).clients().findByClientId("3scale").get(0);
        String secret = admin.realm(REALM).clients().get(threescale.getId()).getSecret().getValue();
        List<String> inThreescale = f.sandbox().threescale().store().snapshot("authentication_providers").stream()
                .map(p -> p.path("client_secret").asText().equals(secret) ? "the client's secret" : "another value")
                .toList(); // (never the values themselves in a message)
        assertThat(inThreescale).as(what + ": the portal's SSO integration has the client's secret")
                .containsExactly("the client's secret");
    }

    /** Picks the kill points: at least MIN_PER_STAGE in each stage that writes, the rest in proportion. */
    static List<Integer> killPoints(List<Write> clean, int total, Random random) {
        Map<String, List<Integer>> byStage = new LinkedHashMap<>();
        for (Write w : clean) {
            byStage.computeIfAbsent(w.stage(), s -> new ArrayList<>()).add(w.n());
        }
        Map<String, Integer> quota = new LinkedHashMap<>();
        int given = 0;
        for (Map.Entry<String, List<Integer>> e : byStage.entrySet()) {
            int q = Math.min(MIN_PER_STAGE, e.getValue().size());
            quota.put(e.getKey(), q);
            given += q;
        }
        int rest = Math.max(0, total - given);
        for (Map.Entry<String, List<Integer>> e : byStage.entrySet()) {
            int extra = (int) Math.floor((double) rest * e.getValue().size() / clean.size());
            quota.merge(e.getKey(), extra, Integer::sum);
            given += extra;
        }
        List<String> bySize = new ArrayList<>(byStage.keySet());
        bySize.sort((a, b) -> byStage.get(b).size() - byStage.get(a).size());
        for (int i = 0; given < total; i++, given++) { // rounding: the largest stages get one more
            quota.merge(bySize.get(i % bySize.size()), 1, Integer::sum);
        }
        TreeSet<Integer> points = new TreeSet<>();
        for (Map.Entry<String, List<Integer>> e : byStage.entrySet()) {
            List<Integer> pool = new ArrayList<>(e.getValue());
            java.util.Collections.shuffle(pool, random);
            points.addAll(pool.subList(0, Math.min(quota.get(e.getKey()), pool.size())));
        }
        return List.copyOf(points);
    }

    private static long ms(long nanos) {
        return nanos / 1_000_000;
    }

    @Test
    void killedAtAnyWriteTheRerunEndsInTheCleanRunsState() throws Exception {
        long started = System.nanoTime();
        // 1. the clean run, measured
        Fresh cleanSandbox = freshSandbox("clean");
        LOG.info("sandbox started in {} ms", ms(System.nanoTime() - started));
        Killer counter = new Killer(0, true, cleanSandbox.work().resolve("stderr.txt"));
        int cleanExit = childApply(cleanSandbox, counter, cleanSandbox.work().resolve("stdout.txt"),
                cleanSandbox.work().resolve("stderr.txt"));
        assertThat(cleanExit).as("the clean run\n" + Files.readString(cleanSandbox.work().resolve("stderr.txt")))
                .isZero();
        List<Write> clean = counter.writes();
        LOG.info("clean run: {} ms", ms(System.nanoTime() - started));
        EndState expected = endState(cleanSandbox);
        assertThat(expected.duplicates()).as("duplicates after a clean run").isEmpty();
        assertSecretsAgree(cleanSandbox, "clean run");
        Map<String, String> cleanChecks = verify(cleanSandbox, "clean run");
        // two warnings on a fresh cluster: the manual time zone, and developer sign-in that cannot verify Keycloak's
        // certificate (the sandbox's ingress CA is self-signed, as a fresh OpenShift's)
        Set<String> warnings = Set.of("threescale: time zone", "portal: sign-in certificate");
        assertThat(cleanChecks).as("checks after a clean run").hasSizeGreaterThan(10)
                .containsEntry("threescale: time zone", "WARN").containsEntry("portal: sign-in certificate", "WARN")
                .allSatisfy((name, status) -> assertThat(status).as(name)
                        .isEqualTo(warnings.contains(name) ? "WARN" : "OK"));
        cleanSandbox.sandbox().close();
        Map<String, Long> perStage = new TreeMap<>();
        clean.forEach(w -> perStage.merge(w.stage() + " " + w.system(), 1L, Long::sum));
        LOG.info("clean run: {} writes ({}), {} objects; {} s", clean.size(), perStage, expected.objects().size(),
                (System.nanoTime() - started) / 1_000_000_000);
        assertThat(clean.stream().map(Write::stage).distinct())
                .as("every stage that writes was seen").contains("sso", "threescale", "products", "plans", "portal");

        // 2. the kill points
        Random random = new Random(SEED);
        List<Integer> points = killPoints(clean, POINTS, random);
        assertThat(points).hasSizeGreaterThanOrEqualTo(Math.min(POINTS, clean.size()));
        List<String> report = new ArrayList<>();
        int index = 0;
        for (int k : points) {
            index++;
            boolean land = random.nextBoolean();
            String what = "kill " + index + " of " + points.size() + " at write " + k + " of " + clean.size() + " ("
                    + clean.get(k - 1) + ", " + (land ? "landed" : "lost") + ", seed " + SEED + ")";
            long t0 = System.nanoTime();
            Fresh f = freshSandbox("kill-" + index);
            long tSandbox = System.nanoTime();
            try {
                Path stderr = f.work().resolve("killed-stderr.txt");
                Killer killer = new Killer(k, land, stderr);
                int exit = childApply(f, killer, f.work().resolve("killed-stdout.txt"), stderr);
                String killed = killer.killedAt() == null ? "the run ended first (exit " + exit + ")"
                        : "killed at " + killer.killedAt();
                assertThat(exit).as(what + ": " + killed + "\n" + Files.readString(stderr)).isIn(-1, 0);

                long tKilled = System.nanoTime();
                CliHarness.Result rerun = cli(f).run("apply", "--yes", "--config", f.config().toString());
                long tRerun = System.nanoTime();
                assertThat(rerun.code()).as(what + ", " + killed + ": the rerun\n" + rerun).isZero();
                EndState actual = endState(f);
                assertThat(actual.duplicates()).as(what + ", " + killed + ": duplicates").isEmpty();
                assertThat(actual.differences(expected)).as(what + ", " + killed + ": end state vs the clean run's")
                        .isEmpty();
                assertSecretsAgree(f, what);
                assertThat(verify(f, what)).as(what + ": verify").isEqualTo(cleanChecks);
                String line = what + ": " + killed + "; rerun, end state and verify OK; "
                        + "sandbox " + ms(tSandbox - t0) + " ms, " + ms(tKilled - tSandbox) + " ms to the kill, rerun " + ms(tRerun - tKilled) + " ms, checks "
                        + ms(System.nanoTime() - tRerun) + " ms";
                report.add(line);
                LOG.info(line);
            } finally {
                f.sandbox().close();
            }
        }
        LOG.info("kill and resume: {} points in {} s\n{}", points.size(),
                (System.nanoTime() - started) / 1_000_000_000, String.join("\n", report));
    }
}
