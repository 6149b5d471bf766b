package dev.maas.installer.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.maas.installer.cli.CliHarness.Result;
import dev.maas.installer.engine.Stage;
import dev.maas.installer.engine.StageIds;
import dev.maas.installer.sandbox.AccessRule;
import dev.maas.installer.sandbox.CatalogPackage;
import dev.maas.installer.sandbox.Sandbox;
import dev.maas.installer.sandbox.SandboxCluster;
import dev.maas.installer.sandbox.threescale.RequestJournal;
import dev.maas.installer.sandbox.threescale.SimulatorOptions;
import dev.maas.installer.sandbox.threescale.ThreescaleSimulator;
import dev.maas.installer.stages.Stages;
import dev.maas.installer.stages.sso.SsoStageForTests;
import dev.maas.installer.testing.RequestRecorder;
import dev.maas.installer.testing.StartsKeycloak;
import dev.maas.installer.testing.StartsSandbox;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bad input, case by case: every case runs the CLI in-process exactly as a user would, and asserts
 * <ol>
 *   <li>the exit code: 2 for input the user must change, 1 for a live system that failed or refused;</li>
 *   <li>that the message names the field, flag or object (e.g. {@code models[1].name}, {@code --context},
 *       Secret {@code credential-rh-sso}, the operator package) and the fix (an actionable phrase);</li>
 *   <li>nothing half made. Config and usage errors: no request at all reached the cluster, 3scale or Keycloak
 *       (the sandbox's API server request log, the 3scale simulator's journal, a recorder on the Keycloak admin
 *       client). Live failures: no write was accepted anywhere, or (the CMS rejecting a template) what was written
 *       is complete and a corrected rerun converges to a run that changes nothing.</li>
 * </ol>
 * One sandbox with its real Keycloak for the whole class, installed once by a clean {@code apply} (preflight, sso,
 * threescale, portal); a second, bare test cluster (no RWX storage, no served models, no RH-SSO package) for the
 * cases where the cluster must lack something.
 */
@StartsKeycloak
@StartsSandbox
class BadInputTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Duration SSO_TIMEOUT = Duration.ofSeconds(180);

    @TempDir
    static Path tmp;

    private static Sandbox sandbox;
    private static SandboxCluster bare;
    private static Path bareKubeconfig;
    private static ObjectNode base;
    private static final RequestRecorder KEYCLOAK = new RequestRecorder();
    private static CliHarness cli;
    private static int journalMark;
    private static long started;

    @BeforeAll
    static void installOnce() throws Exception {
        started = System.nanoTime();
        sandbox = Sandbox.run(tmp.resolve("sandbox"));
        assertThat(sandbox.keycloak()).as("the sandbox needs its Keycloak (the build unpacks it)").isNotNull();
        base = (ObjectNode) YAML.readTree(sandbox.configFile().toFile());
        Stage sso = SsoStageForTests.withAdminFilters(SSO_TIMEOUT, KEYCLOAK);
        List<Stage> stages = Stages.all().stream().map(s -> s.id().equals(StageIds.SSO) ? sso : s).toList();
        cli = new CliHarness(tmp.resolve("client"), stages.toArray(Stage[]::new));
        System.out.printf("sandbox with Keycloak up after %d s%n", seconds());
        // the stages the cases run against an installed system; the model stages need no baseline (their cases
        // fail before writing), so they are left out to keep the class fast
        Result clean = cli.run("apply", "--yes", "--config", config("base", c -> { }).toString(), "--stage",
                "preflight,sso,threescale,portal");
        assertThat(clean.code()).as("the clean install: " + clean).isZero();
        // the counters the cases rely on do see writes: the install made some on each system
        assertThat(sandbox.cluster().acceptedWrites()).as("the install's writes to the cluster").isNotEmpty();
        assertThat(sandbox.threescale().journal().writes()).as("the install's writes to 3scale").isPositive();
        assertThat(KEYCLOAK.writes()).as("the install's writes to Keycloak").isNotEmpty();
        System.out.printf("clean install done after %d s%n", seconds());

        List<CatalogPackage> noRhsso = CatalogPackage.redHatDefaults().stream()
                .filter(p -> !p.name().equals("rhsso-operator")).toList();
        bare = SandboxCluster.start(SandboxCluster.Options.defaults().withRwxStorage(false).withModels(false)
                .withPackages(noRhsso));
        bareKubeconfig = Files.writeString(tmp.resolve("bare-kubeconfig"), bare.kubeconfigYaml());
        // the run lock's namespace exists on a cluster an installer has ever applied to; its Lease is bookkeeping
        try (io.fabric8.kubernetes.client.KubernetesClient c = bare.newClient()) {
            c.namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder().withNewMetadata()
                    .withName(dev.maas.installer.cluster.RunLock.NAMESPACE).endMetadata().build()).create();
        }
        mark();
    }

    static long seconds() {
        return Duration.ofNanos(System.nanoTime() - started).toSeconds();
    }

    @AfterAll
    static void stop() {
        try {
            if (bare != null) {
                bare.close();
            }
        } finally {
            if (sandbox != null) {
                sandbox.close();
            }
            System.out.printf("BadInputTest took %d s%n", seconds());
        }
    }

    // ------------------------------------------------------------------------------------------------ helpers

    /** The sandbox's configuration with an edit, written to {@code name.yaml}. */
    static Path config(String name, Consumer<ObjectNode> edit) {
        ObjectNode c = base.deepCopy();
        edit.accept(c);
        try {
            return Files.writeString(tmp.resolve(name + ".yaml"), YAML.writeValueAsString(c));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The sandbox's configuration followed by {@code text} (top-level keys the sandbox's file does not have). */
    static Path rawConfig(String name, String text) throws IOException {
        return Files.writeString(tmp.resolve(name + ".yaml"), Files.readString(sandbox.configFile()) + text);
    }

    /** The number of lines of the sandbox's configuration (text appended by {@link #rawConfig} starts after it). */
    static long baseLines() throws IOException {
        return Files.readString(sandbox.configFile()).chars().filter(ch -> ch == '\n').count();
    }

    static ObjectNode section(ObjectNode c, String name) {
        return c.has(name) ? (ObjectNode) c.get(name) : c.putObject(name);
    }

    static ArrayNode models(ObjectNode c, String... nameUrlPairs) {
        ArrayNode models = c.putArray("models");
        for (int i = 0; i < nameUrlPairs.length; i += 2) {
            models.addObject().put("name", nameUrlPairs[i]).put("url", nameUrlPairs[i + 1]);
        }
        return models;
    }

    /** Starts counting requests afresh. */
    static void mark() {
        sandbox.cluster().clearRequests();
        bare.clearRequests();
        journalMark = sandbox.threescale().journal().entries().size();
        KEYCLOAK.clear();
    }

    static List<RequestJournal.Entry> journalSinceMark() {
        List<RequestJournal.Entry> all = sandbox.threescale().journal().entries();
        return all.subList(Math.min(journalMark, all.size()), all.size());
    }

    /** Config and usage errors: not one request reached the cluster, 3scale or Keycloak. */
    static void assertNothingReached() {
        assertThat(sandbox.cluster().requests()).as("requests to the cluster").isEmpty();
        assertThat(bare.requests()).as("requests to the bare cluster").isEmpty();
        assertThat(journalSinceMark()).as("requests to 3scale").isEmpty();
        assertThat(KEYCLOAK.all()).as("requests to Keycloak").isEmpty();
    }

    /** Live failures: reading was fine, but no write was accepted by the cluster, 3scale or Keycloak. */
    static void assertNothingWritten() {
        assertThat(installWrites(sandbox.cluster())).as("writes to the cluster").isEmpty();
        assertThat(installWrites(bare)).as("writes to the bare cluster").isEmpty();
        assertThat(journalSinceMark()).as("writes to 3scale").allMatch(e -> e.method().equals("GET"));
        assertThat(KEYCLOAK.writes()).as("writes to Keycloak")
                .allMatch(r -> r.path().endsWith("/protocol/openid-connect/logout"));
    }

    /**
     * The accepted writes except the run lock's: every apply takes and releases the Lease
     * {@value dev.maas.installer.cluster.RunLock#NAMESPACE}/{@value dev.maas.installer.cluster.RunLock#NAME}
     * (see docs/reliability.md, "Concurrent runs"); that is not something installed.
     */
    static List<dev.maas.installer.sandbox.ApiRequest> installWrites(SandboxCluster cluster) {
        return cluster.acceptedWrites().stream()
                .filter(w -> !w.path().contains("/namespaces/" + dev.maas.installer.cluster.RunLock.NAMESPACE
                        + "/leases"))
                .toList();
    }

    /** The exit code, and every fragment in the output (stdout and stderr: stage errors go with the report). */
    static void assertFails(Result r, int code, String... fragments) {
        assertThat(r.code()).as(r.toString()).isEqualTo(code);
        assertThat(r.out() + r.err()).as(r.toString()).contains(fragments);
        // one line per case in the test's output file, for the table in docs/reliability.md
        String test = StackWalker.getInstance().walk(frames -> frames
                .filter(f -> f.getClassName().startsWith(BadInputTest.class.getName() + "$"))
                .map(StackWalker.StackFrame::getMethodName).findFirst().orElse("?"));
        List<String> lines = (r.out() + r.err()).lines().map(String::strip).toList();
        int at = 0;
        while (at < lines.size() && !(lines.get(at).startsWith("error:") || lines.get(at).startsWith("Invalid"))) {
            at++;
        }
        String first = at < lines.size() ? lines.get(at) : "";
        if (first.endsWith(":") && at + 1 < lines.size()) {
            first += " " + lines.get(at + 1);
        }
        String fix = lines.stream().skip(at).filter(l -> l.startsWith("what to do:")).findFirst().orElse("");
        System.out.println("BADINPUT " + test + " | " + code + " | " + first + " | " + fix);
    }

    static Result run(String... args) {
        mark();
        return cli.run(args);
    }

    static Result apply(Path config, String... more) {
        String[] args = new String[more.length + 4];
        args[0] = "apply";
        args[1] = "--yes";
        args[2] = "--config";
        args[3] = config.toString();
        System.arraycopy(more, 0, args, 4, more.length);
        return run(args);
    }

    static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    // ------------------------------------------------------------------------------------------------ the file

    /** The configuration file itself: each is exit 2 and nothing reaches any system. */
    @Nested
    class ConfigurationFile {
        @Test
        void yamlThatDoesNotParse() throws Exception {
            Path c = rawConfig("bad-yaml", "plans:\n\tname: Standard\n");
            Result r = apply(c);
            assertFails(r, 2, c.toString(), "not valid YAML (line " + (baseLines() + 2) + ", column 1)", "found character '\\t(TAB)' that cannot start"
                    + " any token", "fix the YAML syntax there", "indented with spaces (no tabs)");
            assertNothingReached();
        }

        @Test
        void duplicateKey() throws Exception {
            Path c = rawConfig("duplicate-key", "plans:\n  name: Standard\n  name: Gold\n");
            Result r = apply(c);
            assertFails(r, 2, "plans.name: duplicate key 'name' (line " + (baseLines() + 3) + ")", "keep only one");
            assertNothingReached();
        }

        @Test
        void unknownKey() {
            Path c = config("unknown-key", n -> {
                ArrayNode m = models(n, "Granite", "http://granite.models.svc:8080");
                ((ObjectNode) m.get(0)).put("sytemName", "granite");
            });
            Result r = apply(c);
            assertFails(r, 2, "models[0].sytemName", "unknown key", "remove it or use one of", "systemName");
            assertNothingReached();
        }

        @Test
        void wrongTypeForANumber() {
            Path c = config("wrong-type-number", n -> section(n, "products").put("concurrency", "many"));
            Result r = apply(c);
            assertFails(r, 2, "products.concurrency: expected a whole number (line",
                    "write a whole number without quotes, e.g. 4");
            assertNothingReached();
        }

        @Test
        void wrongTypeForASection() {
            Path c = config("wrong-type-section", n -> n.put("plans", "Standard"));
            Result r = apply(c);
            assertFails(r, 2, "plans: expected a section (key: value pairs) (line",
                    "write it as indented `key: value` lines");
            assertNothingReached();
        }

        @Test
        void invalidModelUrl() {
            Path c = config("bad-model-url", n -> models(n, "Granite", "http://granite.models.svc:8080",
                    "Mistral", "mistral at port 8080"));
            Result r = apply(c);
            assertFails(r, 2, "models[1].url", "must be an http(s) URL", "e.g. https://host.example.com",
                    "mistral at port 8080");
            assertNothingReached();
        }

        @Test
        void invalidEndpointUrl() {
            Path c = config("bad-keycloak-url", n -> section(n, "endpoints").put("keycloakUrl", "ftp://sso.example"));
            Result r = apply(c);
            assertFails(r, 2, "endpoints.keycloakUrl", "must be an http(s) URL");
            assertNothingReached();
        }

        @Test
        void apiUrlThatIsNotHttps() {
            Path c = config("http-api-url", n -> section(n, "cluster").put("apiUrl", "http://api.example.com:6443"));
            Result r = apply(c);
            assertFails(r, 2, "cluster.apiUrl", "must be an https URL", "https://api.cluster.example.com:6443");
            assertNothingReached();
        }

        @Test
        void duplicateModelNames() {
            Path c = config("duplicate-names", n -> {
                ArrayNode m = models(n, "Granite", "http://a.models.svc:8080", "granite", "http://b.models.svc:8080");
                ((ObjectNode) m.get(1)).put("systemName", "granite-b");
            });
            Result r = apply(c);
            assertFails(r, 2, "models[1].name", "'granite' is already used by models[0]",
                    "give each model its own name");
            assertNothingReached();
        }

        @Test
        void clashingSystemNames() {
            // "Granite 3" derives the system name granite-3, which the second model names explicitly
            Path c = config("clashing-system-names", n -> {
                ArrayNode m = models(n, "Granite 3", "http://a.models.svc:8080", "Granite three",
                        "http://b.models.svc:8080");
                ((ObjectNode) m.get(1)).put("systemName", "granite-3");
            });
            Result r = apply(c);
            assertFails(r, 2, "models[1].systemName", "'granite-3' clashes with models[0]",
                    "set a different systemName");
            assertNothingReached();
        }

        @Test
        void modelWithoutName() {
            Path c = config("model-without-name", n -> n.putArray("models").addObject()
                    .put("url", "http://a.models.svc:8080"));
            Result r = apply(c);
            assertFails(r, 2, "models[0].name", "required: the model's display name");
            assertNothingReached();
        }

        @Test
        void negativeConcurrency() {
            Path c = config("negative-concurrency", n -> section(n, "products").put("concurrency", -1));
            Result r = apply(c);
            assertFails(r, 2, "products.concurrency", "must be between 1 and 32");
            assertNothingReached();
        }

        @Test
        void channelInTheWrongForm() {
            Path c = config("channel-form", n -> section(n, "threescale").put("channel", "2.15"));
            Result r = apply(c);
            assertFails(r, 2, "threescale.channel", "'2.15' is not a 3scale operator channel",
                    "use the form threescale-2.15");
            assertNothingReached();
        }

        @Test
        void unknownSsoFlavour() {
            Path c = config("sso-flavour", n -> section(n, "sso").put("flavour", "keycloak"));
            Result r = apply(c);
            assertFails(r, 2, "sso.flavour", "'keycloak' is not allowed", "use one of auto, rhbk, rhsso");
            assertNothingReached();
        }

        @Test
        void s3StorageWithoutItsSecret() {
            Path c = config("s3-no-secret", n -> section(section(n, "threescale"), "storage").put("type", "s3"));
            Result r = apply(c);
            assertFails(r, 2, "threescale.storage.s3SecretName", "required when storage.type is s3",
                    "name the Secret with the S3 credentials");
            assertNothingReached();
        }

        @Test
        void openapiFileNotFound() {
            Path c = config("openapi-missing", n -> ((ObjectNode) models(n, "Granite", "http://a.models.svc:8080")
                    .get(0)).put("openapi", "api_definitions/granite.json"));
            Result r = apply(c);
            assertFails(r, 2, "models[0].openapi", "file not found", tmp.resolve("api_definitions/granite.json")
                    .toString(), "relative paths start at the config file's folder");
            assertNothingReached();
        }

        @Test
        void policyFolderNotFound() {
            Path c = config("policy-missing", n -> section(n, "threescale").putArray("policies").add("my-policy"));
            Result r = apply(c);
            assertFails(r, 2, "threescale.policies[0]", "folder not found", "give an existing folder");
            assertNothingReached();
        }

        @Test
        void relativePortalFolderToNothing() {
            Path c = config("portal-missing", n -> section(n, "portal").put("contentDir", "./my-portal"));
            Result r = apply(c);
            assertFails(r, 2, "portal.contentDir", "folder not found: " + tmp.resolve("my-portal"),
                    "relative paths start at the config file's folder");
            assertNothingReached();
        }

        @Test
        void identityProviderSecretFileMissing() {
            Path c = config("idp-secret-missing", n -> section(section(n, "sso"), "identityProvider")
                    .put("clientSecretFile", "no-such-secret"));
            Result r = apply(c);
            assertFails(r, 2, "sso.identityProvider.clientSecretFile", "file not found");
            assertNothingReached();
        }

        @Test
        void caFileMissing() {
            Path c = config("ca-missing", n -> section(n, "cluster").put("caFile", "cluster-ca.pem"));
            Result r = apply(c);
            assertFails(r, 2, "cluster.caFile", "file not found");
            assertNothingReached();
        }

        @Test
        void configFileMissing() {
            Result r = apply(tmp.resolve("nope.yaml"));
            assertFails(r, 2, "--config", "file not found", "give the path of an existing maas-installer.yaml");
            assertNothingReached();
        }
    }

    // ------------------------------------------------------------------------------------------------ the command line

    /** Options and connection settings: exit 2, checked before anything connects. */
    @Nested
    class CommandLine {
        private String cfg() {
            return config("base", c -> { }).toString();
        }

        @Test
        void unknownOutputFormat() {
            Result r = run("plan", "--config", cfg(), "--output", "xml");
            assertFails(r, 2, "--output", "xml", "TEXT, JSON");
            assertNothingReached();
        }

        @Test
        void unknownStage() {
            Result r = run("plan", "--config", cfg(), "--stage", "keycloak");
            assertFails(r, 2, "--stage: unknown stage 'keycloak'", "use one of preflight, sso, threescale");
            assertNothingReached();
        }

        @Test
        void applyWithoutYesAndWithoutATerminal() {
            Result r = run("apply", "--config", cfg());
            assertFails(r, 2, "no terminal to confirm on", "add --yes");
            assertNothingReached();
        }

        @Test
        void proxyThatIsNotAUrl() {
            Result r = run("plan", "--config", cfg(), "--proxy", "http://proxy host:3128");
            assertFails(r, 2, "--proxy: not a proxy URL", "give e.g. http://proxy.example.com:3128");
            assertNothingReached();
        }

        @Test
        void fingerprintThatIsNotOne() {
            Result r = run("plan", "--config", cfg(), "--trust-fingerprint", "12:34");
            assertFails(r, 2, "--trust-fingerprint", "give the SHA-256 fingerprint");
            assertNothingReached();
        }

        @Test
        void apiUrlTogetherWithAContext() {
            Result r = run("plan", "--config", cfg(), "--api-url", "https://api.example.com:6443", "--context", "x");
            assertFails(r, 2, "--api-url cannot be combined with --kubeconfig or --context");
            assertNothingReached();
        }

        @Test
        void caFileFlagMissing() {
            Result r = run("plan", "--config", cfg(), "--ca-file", tmp.resolve("ca.pem").toString());
            assertFails(r, 2, "--ca-file: CA file not found", "give the PEM file of the cluster's CA");
            assertNothingReached();
        }

        @Test
        void tokenVariableNotSet() {
            Result r = run("plan", "--config", cfg(), "--api-url", sandbox.cluster().url(), "--token-env",
                    "MY_TOKEN");
            assertFails(r, 2, "needs a token in the environment variable MY_TOKEN", "export MY_TOKEN=$(oc whoami -t)");
            assertNothingReached();
        }

        @Test
        void missingKubeconfig() {
            Path c = config("no-kubeconfig", n -> section(n, "cluster").put("kubeconfig", "nope/kubeconfig"));
            Result r = apply(c);
            assertFails(r, 2, "cluster.kubeconfig", "file not found");
            assertNothingReached();
            r = run("plan", "--config", cfg(), "--kubeconfig", tmp.resolve("nope").toString());
            assertFails(r, 2, "--kubeconfig: kubeconfig file not found", "give the path of an existing kubeconfig");
            assertNothingReached();
        }

        @Test
        void unknownContext() {
            Path c = config("unknown-context", n -> section(n, "cluster").put("context", "production"));
            Result r = apply(c);
            assertFails(r, 2, "cluster.context: context 'production' is not in", "use one of sandbox",
                    "oc config get-contexts");
            assertNothingReached();
        }
    }

    // ------------------------------------------------------------------------------------------------ the cluster

    /** The cluster refuses or lacks something: nothing is written anywhere. */
    @Nested
    class Cluster {
        @Test
        void expiredToken() throws Exception {
            String stale = Files.readString(sandbox.kubeconfig()).replace(sandbox.cluster().token(),
                    "sha256~expired-token-of-yesterday");
            Path kubeconfig = Files.writeString(tmp.resolve("stale-kubeconfig"), stale);
            Path c = config("stale-token", n -> section(n, "cluster").put("kubeconfig", kubeconfig.toString()));
            Result r = apply(c);
            assertFails(r, 1, "401", "oc login");
            assertThat(r.out() + r.err()).doesNotContain("sha256~expired-token-of-yesterday");
            assertNothingWritten();
            assertThat(sandbox.cluster().requests()).as("refused, then it stops").isNotEmpty().hasSizeLessThan(3)
                    .allMatch(q -> q.status() == 401);
        }

        @Test
        void unreachableCluster() throws Exception {
            String moved = Files.readString(sandbox.kubeconfig()).replace(sandbox.cluster().url(),
                    "https://127.0.0.1:" + closedPort());
            Path kubeconfig = Files.writeString(tmp.resolve("moved-kubeconfig"), moved);
            Path c = config("moved-cluster", n -> section(n, "cluster").put("kubeconfig", kubeconfig.toString()));
            Result r = apply(c);
            assertFails(r, 1, "cannot reach the cluster at https://127.0.0.1:", "what to do:");
            assertNothingWritten();
        }

        @Test
        void permissionDenied() {
            AccessRule rule = AccessRule.deny("create", "operators.coreos.com", "subscriptions");
            sandbox.cluster().deny(rule);
            try {
                Result r = apply(config("base", c -> { }));
                assertFails(r, 1, "permissions: you may not:", "create subscriptions.operators.coreos.com",
                        "log in as a cluster administrator");
                assertThat(r.out()).contains("[sso] Red Hat SSO (Keycloak): SKIPPED");
                assertNothingWritten();
            } finally {
                sandbox.cluster().allowAll();
            }
        }

        @Test
        void permissionDeniedWhileReading() {
            sandbox.cluster().deny(new AccessRule("get", "", "secrets", "3scale"));
            try {
                Result r = apply(config("base", c -> { }), "--stage", "backends");
                assertFails(r, 1, "get", "secrets", "3scale");
                assertNothingWritten();
            } finally {
                sandbox.cluster().allowAll();
            }
        }

        @Test
        void operatorChannelNotSupported() {
            Path c = config("channel-missing", n -> section(n, "threescale").put("channel", "threescale-2.99"));
            Result r = apply(c);
            assertFails(r, 2, "threescale.channel", "'threescale-2.99' is not a channel the installer supports",
                    "use threescale-2.15 or threescale-2.16");
            assertNothingWritten();
        }

        @Test
        void operatorPackageMissing() {
            Path c = config("package-missing", n -> {
                section(n, "cluster").put("kubeconfig", bareKubeconfig.toString());
                section(n, "sso").put("flavour", "rhsso");
                section(section(n, "threescale"), "storage").put("type", "s3").put("s3SecretName", "aws-auth");
            });
            Result r = apply(c, "--stage", "preflight,sso");
            assertFails(r, 1, "no catalog offers rhsso-operator", "sso.flavour",
                    "enable the redhat-operators catalog, or choose rhbk");
            assertNothingWritten();
        }

        @Test
        void noReadWriteManyStorage() {
            Path c = config("no-rwx", n -> section(n, "cluster").put("kubeconfig", bareKubeconfig.toString()));
            Result r = apply(c, "--stage", "preflight,sso,threescale");
            assertFails(r, 2, "storage: no ReadWriteMany-capable StorageClass found", "threescale.storage.type",
                    "install an RWX storage");
            assertNothingWritten();
        }

        @Test
        void storageClassThatDoesNotExist() {
            Path c = config("storage-class", n -> section(section(n, "threescale"), "storage")
                    .put("storageClass", "fast-rwx"));
            Result r = apply(c);
            assertFails(r, 2, "the StorageClass fast-rwx does not exist", "threescale.storage.storageClass");
            assertNothingWritten();
        }

        @Test
        void noModelsListedAndNoneServed() {
            Path c = config("no-models", n -> section(n, "cluster").put("kubeconfig", bareKubeconfig.toString()));
            Result r = apply(c, "--stage", "backends");
            assertFails(r, 2, "no models to publish", "fix config field 'models'",
                    "add the models to the configuration");
            assertNothingWritten();
        }
    }

    // ------------------------------------------------------------------------------------------------ Keycloak, 3scale

    /** Keycloak, 3scale and the content the user gives them. */
    @Nested
    class Services {
        @Test
        void wrongKeycloakAdminPassword() {
            KubernetesClient k = sandbox.cluster().newClient();
            Secret secret = k.secrets().inNamespace("rh-sso").withName("credential-rh-sso").get();
            String right = secret.getData().get("ADMIN_PASSWORD");
            try {
                k.secrets().inNamespace("rh-sso").withName("credential-rh-sso").edit(s -> {
                    s.getData().put("ADMIN_PASSWORD", Base64.getEncoder().encodeToString(
                            "not-the-password".getBytes(StandardCharsets.UTF_8)));
                    return s;
                });
                Result r = apply(config("base", c -> { }), "--stage", "sso");
                assertFails(r, 1, "the admin password in Secret rh-sso/credential-rh-sso is not accepted by Keycloak",
                        "it must hold the current password of the master realm admin", "put the new one there");
                assertThat(r.out() + r.err()).doesNotContain("not-the-password");
                assertNothingWritten();
            } finally {
                k.secrets().inNamespace("rh-sso").withName("credential-rh-sso").edit(s -> {
                    s.getData().put("ADMIN_PASSWORD", right);
                    return s;
                });
            }
            Result again = apply(config("base", c -> { }), "--stage", "sso");
            assertThat(again.code()).as("the corrected rerun: " + again).isZero();
        }

        @Test
        void identityProviderSecretFileReadableByOthers() throws Exception {
            Path open = tmp.resolve("idp-secret-0644");
            Files.writeString(open, Files.readString(sandbox.dir().resolve("idp-client-secret")));
            Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rw-r--r--"));
            Path c = config("idp-secret-open", n -> section(section(n, "sso"), "identityProvider")
                    .put("clientSecretFile", open.toString()));
            Result r = apply(c, "--stage", "sso");
            assertFails(r, 2, "the client secret file " + open + " can be read or changed by other users",
                    "sso.identityProvider.clientSecretFile", "chmod 600 " + open);
            assertNothingWritten();
            assertThat(KEYCLOAK.all()).as("stopped before signing in to Keycloak").isEmpty();
        }

        @Test
        void identityProviderSecretVariableNotSet() {
            String variable = "MAAS_BADINPUT_NO_SUCH_VARIABLE";
            assertThat(System.getenv(variable)).isNull();
            Path c = config("idp-secret-env", n -> {
                ObjectNode idp = section(section(n, "sso"), "identityProvider");
                idp.remove("clientSecretFile");
                idp.put("clientSecretEnv", variable);
            });
            Result r = apply(c, "--stage", "sso");
            assertFails(r, 2, "environment variable " + variable + " is not set",
                    "fix config field 'sso.identityProvider.clientSecretEnv'", "set environment variable " + variable);
            assertNothingWritten();
            assertThat(KEYCLOAK.all()).as("stopped before signing in to Keycloak").isEmpty();
        }

        @Test
        void threescaleTokenWithoutTheNeededScope() {
            // the same token, but 3scale lets it use the CMS and the policy registry only
            try (ThreescaleSimulator limited = ThreescaleSimulator.start(SimulatorOptions.defaults()
                    .withToken(sandbox.threescale().accessToken())
                    .withScopes(Set.of("cms", "policy_registry"), false))) {
                Path c = config("token-scope", n -> section(n, "endpoints").put("threescaleAdminUrl", limited.url()));
                Result r = apply(c, "--stage", "backends");
                assertFails(r, 1, "It needs the 'Account Management API' scope", "ADMIN_ACCESS_TOKEN",
                        "Secret system-seed");
                assertThat(r.out() + r.err()).doesNotContain(sandbox.threescale().accessToken());
                assertThat(limited.journal().writes()).as("writes to that 3scale").isZero();
                assertNothingWritten();
            }
        }

        @Test
        void unreachableThreescale() throws Exception {
            int port = closedPort();
            Path c = config("threescale-down", n -> section(n, "endpoints")
                    .put("threescaleAdminUrl", "http://127.0.0.1:" + port));
            Result r = apply(c, "--stage", "backends");
            assertFails(r, 1, "No answer from the 3scale Admin API", "127.0.0.1:" + port,
                    "fix config field 'endpoints.threescaleAdminUrl'", "make sure this machine reaches");
            assertNothingWritten();
        }

        @Test
        void unreachableKeycloak() throws Exception {
            int port = closedPort();
            Path c = config("keycloak-down", n -> section(n, "endpoints")
                    .put("keycloakUrl", "http://127.0.0.1:" + port));
            Result r = apply(c, "--stage", "sso");
            assertFails(r, 1, "127.0.0.1:" + port, "endpoints.keycloakUrl");
            assertNothingWritten();
        }

        @Test
        void openapiDocumentThatIsNotOne() throws Exception {
            Path doc = Files.writeString(tmp.resolve("not-openapi.json"), "{\"swagger\": \"2.0\"}");
            Path c = config("openapi-invalid", n -> ((ObjectNode) models(n, "Granite", "http://a.models.svc:8080")
                    .get(0)).put("openapi", doc.toString()));
            Result r = apply(c);
            assertFails(r, 2, "models: models[0].openapi: " + doc + ": field 'paths' is missing",
                    "fix config field 'models[0].openapi'");
            assertThat(r.out()).contains("[sso] Red Hat SSO (Keycloak): SKIPPED");
            assertNothingWritten();
        }

        @Test
        void policyFolderThatIsNotAPolicy() throws Exception {
            Path folder = Files.createDirectories(tmp.resolve("not-a-policy"));
            Files.writeString(folder.resolve("README.md"), "no policy here");
            Path c = config("policy-invalid", n -> section(n, "threescale").putArray("policies")
                    .add(folder.toString()));
            Result r = apply(c);
            assertFails(r, 2, "threescale.policies[0]", "apicast-policy.json",
                    "fix config field 'threescale.policies[0]'");
            assertNothingWritten();
        }

        @Test
        void portalFolderWithAFileThatCannotBeContent() throws Exception {
            Path folder = Files.createDirectories(tmp.resolve("portal-bad-builtin"));
            Files.writeString(folder.resolve("maas.css"), "body { color: #222; }\n");
            Files.createDirectories(folder.resolve("login"));
            Files.writeString(folder.resolve("login/other.html.liquid"), "<p>{{ 'x' }}</p>\n");
            Path c = config("portal-bad-builtin", n -> section(n, "portal").put("contentDir", folder.toString())
                    .put("onError", "stop"));
            Result r = apply(c, "--stage", "portal");
            assertFails(r, 2, "login/other.html.liquid", "portal.contentDir", "(nothing uploaded)");
            assertNothingWritten();
        }

        @Test
        void aTemplateTheCmsRejects() throws Exception {
            Path folder = Files.createDirectories(tmp.resolve("portal-rejected"));
            Files.createDirectories(folder.resolve("css"));
            Files.writeString(folder.resolve("css/good.css"), "body { color: #111; }\n");
            Files.writeString(folder.resolve("css/broken.css.liquid"), "{% if %}\n");
            sandbox.threescale().store().rejectTemplate("/css/broken.css",
                    "Liquid syntax error: Syntax Error in tag 'if'");
            Path c = config("portal-rejected", n -> section(n, "portal").put("contentDir", folder.toString()));
            Result r = apply(c, "--stage", "portal");
            assertFails(r, 2, "css/broken.css.liquid: was rejected by 3scale", "Liquid syntax error",
                    "fix config field 'portal.contentDir'", "fix or remove the files named above");
            assertThat(r.out()).doesNotContain("installer configuration");
            // the rule: every other item is complete and published, the rejected one is not in the CMS at all
            assertThat(journalSinceMark()).as("no write of the rejected page was accepted")
                    .noneMatch(e -> !e.method().equals("GET") && e.status() < 300
                            && e.params().values().stream().anyMatch(v -> v.contains("broken")));
            assertThat(installWrites(sandbox.cluster())).isEmpty();
            // the corrected content converges: one more run uploads it, the next changes nothing
            Files.writeString(folder.resolve("css/broken.css.liquid"), "{% if true %}body { margin: 0; }{% endif %}\n");
            sandbox.threescale().store().rejectTemplate("/css/broken.css", null);
            Result fixed = apply(c, "--stage", "portal");
            assertThat(fixed.code()).as(fixed.toString()).isZero();
            Result again = apply(c, "--stage", "portal", "--output", "json");
            assertThat(again.code()).as(again.toString()).isZero();
            again.json().path("stages").get(0).path("changes").forEach(ch ->
                    assertThat(ch.path("action").asText()).as(ch.toString()).isEqualTo("NOOP"));
            assertThat(journalSinceMark()).as("the second corrected run writes nothing")
                    .allMatch(e -> e.method().equals("GET"));
        }
    }
}
