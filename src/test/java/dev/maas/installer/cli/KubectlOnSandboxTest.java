package dev.maas.installer.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.maas.installer.engine.Stage;
import dev.maas.installer.sandbox.ApiRequest;
import dev.maas.installer.sandbox.Sandbox;
import dev.maas.installer.sandbox.SandboxKeycloak;
import dev.maas.installer.sandbox.SandboxCluster;
import dev.maas.installer.stages.Stages;
import dev.maas.installer.testing.StartsKeycloak;
import dev.maas.installer.testing.StartsSandbox;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real {@code kubectl} on the sandbox after a full apply of the stages that need no Keycloak (preflight, threescale,
 * backends, products, plans): it discovers the resources by their short names and categories, lists them with the
 * columns the real servers print, describes and explains them, applies objects client-side and server-side (unknown
 * fields and conflicts refused with the real messages), gets 409 on a stale resourceVersion, and waits and watches.
 *
 * <p>kubectl is required: CI installs Debian's {@code kubernetes-client} (kubectl 1.20). Set {@code KUBECTL} to one
 * or more kubectl binaries (separated by the path separator) to test those instead of the one on the PATH; each
 * case runs once per binary, and where a kubectl version behaves differently (client-side validation before 1.25,
 * no {@code --for=jsonpath} before 1.23) the case asserts what that version does.
 */
@StartsKeycloak
@StartsSandbox
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KubectlOnSandboxTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(120);

    private Path tmp;
    private Sandbox sandbox;
    private KubernetesClient client;
    private final List<Kubectl> kubectls = new ArrayList<>();

    /** One kubectl binary and the minor version that talks to the sandbox. */
    record Kubectl(Path binary, int minor, Path home) {
        @Override
        public String toString() {
            return "kubectl 1." + minor + " (" + binary + ")";
        }
    }

    /** One kubectl run. */
    record Run(int code, String out, String err) {
        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    @BeforeAll
    void startSandboxAndApply() throws Exception {
        List<Path> binaries = kubectlBinaries();
        if (binaries.isEmpty()) {
            throw new AssertionError("kubectl is needed by this test and was not found on the PATH. Install it (on "
                    + "Debian/Ubuntu: sudo apt-get install kubernetes-client), or set KUBECTL to the kubectl binary "
                    + "to use.");
        }
        tmp = Files.createTempDirectory("kubectl-on-sandbox");
        sandbox = Sandbox.run(tmp.resolve("sandbox"), SandboxCluster.Options.defaults(), SandboxKeycloak.none());
        client = sandbox.cluster().newClient();
        String config = Files.readString(sandbox.configFile()) + """
                models:
                  - name: Model A
                    url: http://model-a.models.svc.cluster.local:8080
                """;
        Path configFile = Files.writeString(tmp.resolve("maas-installer.yaml"), config);
        CliHarness cli = new CliHarness(tmp.resolve("client"), Stages.all().toArray(Stage[]::new));
        CliHarness.Result apply = cli.run("apply", "--config", configFile.toString(), "--stage",
                "preflight,threescale,backends,products,plans", "--yes");
        assertThat(apply.code()).as(apply.toString()).isZero();
        for (Path binary : binaries) {
            Path home = Files.createDirectories(tmp.resolve("home-" + kubectls.size()));
            Kubectl probe = new Kubectl(binary, 0, home);
            Run version = run(probe, "version", "-o", "json");
            assertThat(version.code()).as("kubectl version against the sandbox\n" + version).isZero();
            // the client that answers (a version dispatcher may pick a binary that matches the server)
            String minor = JSON.readTree(version.out()).path("clientVersion").path("minor").asText()
                    .replaceAll("\\D", "");
            kubectls.add(new Kubectl(binary, Integer.parseInt(minor), home));
        }
    }

    @AfterAll
    void stopSandbox() throws IOException {
        if (sandbox != null) {
            sandbox.close();
        }
        if (tmp != null) {
            try (var walk = Files.walk(tmp)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** The kubectl binaries to test: KUBECTL, else the first kubectl on the PATH. */
    static List<Path> kubectlBinaries() {
        List<Path> out = new ArrayList<>();
        String configured = System.getenv("KUBECTL");
        if (configured != null && !configured.isBlank()) {
            for (String p : configured.split(File.pathSeparator)) {
                if (!p.isBlank()) {
                    out.add(Path.of(p));
                }
            }
            return out;
        }
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, "kubectl");
            if (Files.isExecutable(candidate)) {
                out.add(candidate);
                break;
            }
        }
        return out;
    }

    List<Kubectl> kubectls() {
        return kubectls;
    }

    // ---- discovery ----

    @ParameterizedTest(name = "{0}")
    @MethodSource("kubectls")
    void discoveryHasTheShortNamesAndCategoriesOfBuiltInKindsAndCrds(Kubectl k) {
        Run resources = ok(k, "api-resources");
        assertThat(resources.out())
                .containsPattern("(?m)^namespaces\\s+ns\\s+v1\\s+false\\s+Namespace$")
                .containsPattern("(?m)^configmaps\\s+cm\\s+v1\\s+true\\s+ConfigMap$")
                .containsPattern("(?m)^deployments\\s+deploy\\s+apps/v1\\s+true\\s+Deployment$")
                .containsPattern("(?m)^customresourcedefinitions\\s+crd,crds\\s+apiextensions.k8s.io/v1\\s+false")
                .containsPattern("(?m)^clusterserviceversions\\s+csv,csvs\\s+operators.coreos.com/v1alpha1\\s+true")
                .containsPattern("(?m)^subscriptions\\s+sub,subs\\s+operators.coreos.com/v1alpha1\\s+true")
                .containsPattern("(?m)^installplans\\s+ip\\s+operators.coreos.com/v1alpha1\\s+true")
                .containsPattern("(?m)^operatorgroups\\s+og\\s+operators.coreos.com/v1\\s+true")
                .containsPattern("(?m)^inferenceservices\\s+isvc\\s+serving.kserve.io/v1beta1\\s+true");
        if (k.minor() >= 26) { // api-resources --categories came with kubectl 1.26
            Run olm = ok(k, "api-resources", "--categories=olm", "-o", "name");
            assertThat(olm.out().lines().toList()).containsExactlyInAnyOrder("catalogsources.operators.coreos.com",
                    "clusterserviceversions.operators.coreos.com", "installplans.operators.coreos.com",
                    "operatorgroups.operators.coreos.com", "subscriptions.operators.coreos.com");
        }

        assertThat(ok(k, "get", "ns", "-o", "name").out()).contains("namespace/3scale", "namespace/models");
        assertThat(ok(k, "get", "csv,sub,ip,og", "-n", "3scale", "-o", "name").out())
                .contains("clusterserviceversion.operators.coreos.com/3scale-operator.v",
                        "subscription.operators.coreos.com/3scale-operator", "installplan.operators.coreos.com/",
                        "operatorgroup.operators.coreos.com/3scale");
        // category "all": the Deployments and the Routes of the namespace
        assertThat(ok(k, "get", "all", "-n", "3scale", "-o", "name").out())
                .contains("deployment.apps/apicast-production", "route.route.openshift.io/");
        assertThat(ok(k, "get", "olm", "-n", "3scale", "-o", "name").out())
                .contains("clusterserviceversion.operators.coreos.com/", "subscription.operators.coreos.com/");
        assertThat(ok(k, "get", "isvc", "-n", SandboxCluster.MODELS_NAMESPACE, "-o", "name").out())
                .contains("inferenceservice.serving.kserve.io/");
    }

    // ---- tables ----

    @ParameterizedTest(name = "{0}")
    @MethodSource("kubectls")
    void getPrintsTheColumnsOfTheRealServers(Kubectl k) {
        Run deploy = ok(k, "get", "deploy", "-n", "3scale");
        assertThat(deploy.out()).containsPattern("(?m)^NAME\\s+READY\\s+UP-TO-DATE\\s+AVAILABLE\\s+AGE$")
                .containsPattern("(?m)^apicast-production\\s+1/1\\s+1\\s+1\\s+\\d+[smh]");
        assertThat(ok(k, "get", "deploy", "system-app", "-n", "3scale", "-o", "wide").out())
                .containsPattern("(?m)^NAME\\s+READY\\s+UP-TO-DATE\\s+AVAILABLE\\s+AGE\\s+CONTAINERS\\s+IMAGES\\s+"
                        + "SELECTOR$")
                .containsPattern("system-app\\s+registry.redhat.io/3scale-amp2/system-app:3scale2.15\\s+"
                        + "deployment=system-app");
        // CRD additionalPrinterColumns; the namespace column comes from the rows' object metadata
        assertThat(ok(k, "get", "csv", "-A").out())
                .containsPattern("(?m)^NAMESPACE\\s+NAME\\s+DISPLAY\\s+VERSION\\s+RELEASE\\s+REPLACES\\s+PHASE$")
                .containsPattern("(?m)^3scale\\s+3scale-operator\\.v\\S+\\s+Red Hat Integration - 3scale\\s+\\S+\\s+"
                        + "Succeeded$");
        assertThat(ok(k, "get", "sub", "-n", "3scale").out())
                .containsPattern("(?m)^NAME\\s+PACKAGE\\s+SOURCE\\s+CHANNEL$")
                .containsPattern("(?m)^3scale-operator\\s+3scale-operator\\s+redhat-operators\\s+threescale-2.15$");
        // a CRD without printer columns: Name and Age
        assertThat(ok(k, "get", "apimanager", "-n", "3scale").out())
                .containsPattern("(?m)^NAME\\s+AGE$").containsPattern("(?m)^apimanager\\s+\\d+[smh]");
        assertThat(ok(k, "get", "ns").out()).containsPattern("(?m)^NAME\\s+STATUS\\s+AGE$")
                .containsPattern("(?m)^3scale\\s+Active\\s+");
        assertThat(ok(k, "get", "routes", "-n", "3scale").out())
                .containsPattern("(?m)^NAME\\s+HOST/PORT\\s+PATH\\s+SERVICES\\s+PORT\\s+TERMINATION\\s+WILDCARD$")
                .containsPattern("maas-admin\\.apps\\.sandbox\\.local\\s+system-provider\\s+\\S+\\s+\\S+\\s+None");
        assertThat(ok(k, "get", "sc").out()).containsPattern("(?m)^standard \\(default\\)\\s+");
        assertThat(ok(k, "get", "secret", "system-seed", "-n", "3scale").out())
                .containsPattern("(?m)^NAME\\s+TYPE\\s+DATA\\s+AGE$").containsPattern("(?m)^system-seed\\s+Opaque\\s+\\d+");
    }

    // ---- describe, explain ----

    @ParameterizedTest(name = "{0}")
    @MethodSource("kubectls")
    void describeShowsTheOperatorsDeploymentsAsRolledOut(Kubectl k) {
        Run describe = ok(k, "describe", "deployment", "apicast-production", "-n", "3scale");
        assertThat(describe.out())
                .containsPattern("Replicas:\\s+1 desired \\| 1 updated \\| 1 total \\| 1 available \\| 0 unavailable")
                .containsPattern("Available\\s+True\\s+MinimumReplicasAvailable")
                .containsPattern("Progressing\\s+True\\s+NewReplicaSetAvailable");
        assertThat(ok(k, "describe", "csv", "-n", "3scale").out()).contains("Phase:", "Succeeded");
        assertThat(ok(k, "rollout", "status", "deployment/system-app", "-n", "3scale", "--timeout=60s").out())
                .contains("deployment \"system-app\" successfully rolled out");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kubectls")
    void explainReadsTheOpenApiOfBuiltInKindsAndCrds(Kubectl k) {
        assertThat(ok(k, "explain", "deployment.spec.replicas").out())
                .containsPattern("FIELD:\\s+replicas\\s+<integer>").contains("Number of desired pods");
        assertThat(ok(k, "explain", "csv.spec.install").out()).contains("ClusterServiceVersion").contains("strategy");
        assertThat(ok(k, "explain", "apimanager.spec").out())
                .contains("APIManagerSpec defines the desired state of APIManager");
        if (k.minor() >= 27) {
            // explain reads OpenAPI v3 since kubectl 1.27; in v2 the open APIManager spec (preserve-unknown-fields)
            // has no properties, as apiextensions-apiserver's v2 conversion publishes it
            assertThat(ok(k, "explain", "apimanager.spec.wildcardDomain").out())
                    .containsPattern("FIELD:\\s+wildcardDomain\\s+<string>");
        }
        assertThat(ok(k, "explain", "route.spec.host").out()).containsPattern("FIELD:\\s+host\\s+<string>");
        assertThat(ok(k, "explain", "subscription.spec").out()).contains("installPlanApproval", "channel");
    }

    // ---- apply ----

    @ParameterizedTest(name = "{0}")
    @MethodSource("kubectls")
    void clientSideApplyCreatesUpdatesAndThenChangesNothing(Kubectl k) throws IOException {
        String ns = namespace(k, "csa");
        Path v1 = write(k, "csa-v1.yaml", namespaceYaml(ns) + """
                ---
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: settings
                  namespace: %s
                data:
                  a: "1"
                  b: "2"
                ---
                %s""".formatted(ns, deploymentYaml(ns, "web", "registry.example/web:1")));
        assertThat(ok(k, "apply", "-f", v1.toString()).out()).contains("namespace/" + ns + " created",
                "configmap/settings created", "deployment.apps/web created");
        assertThat(ok(k, "get", "cm", "settings", "-n", ns, "-o",
                "jsonpath={.metadata.annotations.kubectl\\.kubernetes\\.io/last-applied-configuration}").out())
                .contains("\"a\":\"1\"", "\"b\":\"2\"");
        assertThat(ok(k, "rollout", "status", "deployment/web", "-n", ns, "--timeout=60s").out())
                .contains("successfully rolled out");
        // the scale subresource
        assertThat(ok(k, "scale", "deployment/web", "-n", ns, "--replicas=3").out())
                .contains("deployment.apps/web scaled");
        assertThat(ok(k, "rollout", "status", "deployment/web", "-n", ns, "--timeout=60s").out())
                .contains("successfully rolled out");
        assertThat(ok(k, "get", "deployment", "web", "-n", ns).out()).containsPattern("(?m)^web\\s+3/3\\s+3\\s+3\\s+");

        Path v2 = write(k, "csa-v2.yaml", namespaceYaml(ns) + """
                ---
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: settings
                  namespace: %s
                data:
                  a: "3"
                ---
                %s""".formatted(ns, deploymentYaml(ns, "web", "registry.example/web:2")));
        Run second = ok(k, "apply", "-f", v2.toString());
        assertThat(second.out()).contains("namespace/" + ns + " unchanged", "configmap/settings configured",
                "deployment.apps/web configured");
        // b, no longer in the applied configuration, is gone (three-way merge with the last-applied annotation)
        assertThat(client.configMaps().inNamespace(ns).withName("settings").get().getData())
                .containsExactlyEntriesOf(Map.of("a", "3"));
        assertThat(ok(k, "rollout", "status", "deployment/web", "-n", ns, "--timeout=60s").out())
                .contains("successfully rolled out");
        assertThat(ok(k, "get", "deploy", "web", "-n", ns, "-o", "jsonpath={.spec.template.spec.containers[0].image}")
                .out()).isEqualTo("registry.example/web:2");
        // the applied configuration says 1 replica again (three-way merge against the live 3)
        assertThat(ok(k, "get", "deployment", "web", "-n", ns).out()).containsPattern("(?m)^web\\s+1/1\\s+1\\s+1\\s+");

        Run third = ok(k, "apply", "-f", v2.toString());
        assertThat(third.out()).contains("configmap/settings unchanged", "deployment.apps/web unchanged");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kubectls")
    void serverSideApplyOwnsFieldsAndReportsConflicts(Kubectl k) throws IOException {
        String ns = namespace(k, "ssa");
        ok(k, "create", "namespace", ns);
        Path cm = write(k, "ssa.yaml", configMapYaml(ns, "owned", "1"));
        assertThat(ok(k, "apply", "--server-side", "-f", cm.toString()).out())
                .contains("configmap/owned serverside-applied");

        Path theirs = write(k, "ssa-theirs.yaml", configMapYaml(ns, "owned", "2"));
        Run conflict = run(k, "apply", "--server-side", "--field-manager=other", "-f", theirs.toString());
        assertThat(conflict.code()).as(conflict.toString()).isNotZero();
        assertThat(conflict.err()).contains("Apply failed with 1 conflict: conflict with \"kubectl\"", ".data.a");
        assertThat(client.configMaps().inNamespace(ns).withName("owned").get().getData()).containsEntry("a", "1");

        assertThat(ok(k, "apply", "--server-side", "--field-manager=other", "--force-conflicts", "-f",
                theirs.toString()).out()).contains("configmap/owned serverside-applied");
        assertThat(client.configMaps().inNamespace(ns).withName("owned").get().getData()).containsEntry("a", "2");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kubectls")
    void unknownFieldsAreRefusedAsByARealServer(Kubectl k) throws IOException {
        String ns = namespace(k, "strict");
        ok(k, "create", "namespace", ns);
        Path deployment = write(k, "bad-deployment.yaml", deploymentYaml(ns, "bad", "registry.example/web:1")
                .replace("  replicas: 1\n", "  replicas: 1\n  foo: bar\n"));
        Path product = write(k, "bad-product.yaml", """
                apiVersion: capabilities.3scale.net/v1beta1
                kind: Product
                metadata:
                  name: bad
                  namespace: %s
                spec:
                  name: Bad
                  bogus: true
                """.formatted(ns));
        Run badDeployment = run(k, "apply", "-f", deployment.toString());
        Run badProduct = run(k, "apply", "-f", product.toString());
        assertThat(badDeployment.code()).as(badDeployment.toString()).isNotZero();
        assertThat(badProduct.code()).as(badProduct.toString()).isNotZero();
        if (k.minor() >= 25) {
            // the server validates (fieldValidation=Strict, announced in the OpenAPI v3 documents)
            assertThat(badDeployment.err()).contains("Error from server (BadRequest)", "Deployment in version \"v1\" "
                    + "cannot be handled as a Deployment: strict decoding error: unknown field \"spec.foo\"");
            assertThat(badProduct.err()).contains("Error from server (BadRequest)", "Product in version \"v1beta1\" "
                    + "cannot be handled as a Product: strict decoding error: unknown field \"spec.bogus\"");
        } else {
            // kubectl validates with the OpenAPI v2 document
            assertThat(badDeployment.err()).contains("ValidationError(Deployment.spec): unknown field \"foo\" in "
                    + "io.k8s.api.apps.v1.DeploymentSpec");
            assertThat(badProduct.err()).contains("ValidationError(Product.spec): unknown field \"bogus\" in "
                    + "net.3scale.capabilities.v1beta1.Product.spec");
        }
        assertThat(client.apps().deployments().inNamespace(ns).withName("bad").get()).isNull();

        // server-side apply types the object whatever the validation the client asks for
        Run serverSide = run(k, "apply", "--server-side", "--validate=false", "-f", deployment.toString());
        assertThat(serverSide.code()).as(serverSide.toString()).isNotZero();
        assertThat(serverSide.err()).contains("failed to create typed patch object (" + ns + "/bad; apps/v1, "
                + "Kind=Deployment): .spec.foo: field not declared in schema");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kubectls")
    void aStaleResourceVersionIsAConflict(Kubectl k) throws IOException {
        String ns = namespace(k, "stale");
        ok(k, "create", "namespace", ns);
        ok(k, "apply", "-f", write(k, "stale-cm.yaml", configMapYaml(ns, "settings", "1")).toString());
        Path stale = write(k, "stale-read.yaml", ok(k, "get", "cm", "settings", "-n", ns, "-o", "yaml").out()
                .replace("a: \"1\"", "a: \"mine\""));
        ok(k, "patch", "cm", "settings", "-n", ns, "--type=merge", "-p", "{\"data\":{\"a\":\"theirs\"}}");
        Run replace = run(k, "replace", "-f", stale.toString());
        assertThat(replace.code()).as(replace.toString()).isNotZero();
        assertThat(replace.err()).contains("Error from server (Conflict)", "Operation cannot be fulfilled on "
                + "configmaps \"settings\": the object has been modified; please apply your changes to the latest "
                + "version and try again");
        assertThat(client.configMaps().inNamespace(ns).withName("settings").get().getData()).containsEntry("a", "theirs");
    }

    // ---- wait, watch ----

    @ParameterizedTest(name = "{0}")
    @MethodSource("kubectls")
    void waitFollowsTheObjectsThroughAWatch(Kubectl k) throws Exception {
        assertThat(ok(k, "wait", "--for=condition=Available", "deployment/apicast-production", "-n", "3scale",
                "--timeout=60s").out()).contains("deployment.apps/apicast-production condition met");

        String ns = namespace(k, "wait");
        ok(k, "create", "namespace", ns);
        client.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata().withName("flag")
                .endMetadata().addToData("state", "waiting").build()).create();
        // the condition is not met when kubectl looks: it must watch, and learns of the deletion from the watch
        Background deleted = background(k, "wait", "--for=delete", "configmap/flag", "-n", ns, "--timeout=90s");
        awaitWatch(ns, "configmaps");
        client.configMaps().inNamespace(ns).withName("flag").delete();
        Run waited = deleted.finish();
        assertThat(waited.code()).as(waited.toString()).isZero();
        assertThat(waited.out()).contains("configmap/flag condition met");

        if (k.minor() >= 23) {
            client.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata().withName("flag2")
                    .endMetadata().addToData("state", "waiting").build()).create();
            Background ready = background(k, "wait", "--for=jsonpath={.data.state}=ready", "configmap/flag2", "-n",
                    ns, "--timeout=90s");
            awaitWatch(ns, "configmaps");
            client.configMaps().inNamespace(ns).withName("flag2").edit(c -> new ConfigMapBuilder(c)
                    .addToData("state", "ready").build());
            Run jsonpath = ready.finish();
            assertThat(jsonpath.code()).as(jsonpath.toString()).isZero();
            assertThat(jsonpath.out()).contains("configmap/flag2 condition met");
        }

        // a Deployment applied now becomes Available when its (simulated) pods are ready
        Path web = write(k, "wait-web.yaml", deploymentYaml(ns, "web", "registry.example/web:1"));
        ok(k, "apply", "-f", web.toString());
        assertThat(ok(k, "wait", "--for=condition=Available", "deployment/web", "-n", ns, "--timeout=60s").out())
                .contains("deployment.apps/web condition met");
    }

    // ---- typed clients ----

    @ParameterizedTest(name = "{0}")
    @MethodSource("kubectls")
    void createSubcommandsWork(Kubectl k) {
        String ns = namespace(k, "create");
        assertThat(ok(k, "create", "namespace", ns).out()).contains("namespace/" + ns + " created");
        assertThat(ok(k, "create", "secret", "generic", "login", "-n", ns, "--from-literal=password=s3cr3t").out())
                .contains("secret/login created");
        assertThat(ok(k, "create", "configmap", "settings", "-n", ns, "--from-literal=a=1").out())
                .contains("configmap/settings created");
        assertThat(ok(k, "create", "deployment", "web", "-n", ns, "--image=registry.example/web:1").out())
                .contains("deployment.apps/web created");
        String password = ok(k, "get", "secret", "login", "-n", ns, "-o", "jsonpath={.data.password}").out();
        assertThat(new String(Base64.getDecoder().decode(password.trim()), StandardCharsets.UTF_8)).isEqualTo("s3cr3t");
        assertThat(ok(k, "rollout", "status", "deployment/web", "-n", ns, "--timeout=60s").out())
                .contains("successfully rolled out");
        assertThat(ok(k, "get", "deploy", "web", "-n", ns, "-o", "jsonpath={.spec.template.spec.containers[0].image}")
                .out()).isEqualTo("registry.example/web:1");
    }

    // ---- helpers ----

    private static String namespace(Kubectl k, String purpose) {
        return "kubectl-" + k.minor() + "-" + purpose;
    }

    private static String namespaceYaml(String ns) {
        return """
                apiVersion: v1
                kind: Namespace
                metadata:
                  name: %s
                """.formatted(ns);
    }

    private static String configMapYaml(String ns, String name, String a) {
        return """
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: %s
                  namespace: %s
                data:
                  a: "%s"
                """.formatted(name, ns, a);
    }

    private static String deploymentYaml(String ns, String name, String image) {
        return """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: %1$s
                  namespace: %2$s
                spec:
                  replicas: 1
                  selector:
                    matchLabels:
                      app: %1$s
                  template:
                    metadata:
                      labels:
                        app: %1$s
                    spec:
                      containers:
                      - name: %1$s
                        image: %3$s
                        ports:
                        - containerPort: 8080
                """.formatted(name, ns, image);
    }

    private Path write(Kubectl k, String name, String content) throws IOException {
        return Files.writeString(k.home().resolve(name), content);
    }

    /** Waits until kubectl's watch reached the sandbox (the server logs every request of the user). */
    private void awaitWatch(String ns, String plural) {
        awaitTrue(() -> sandbox.cluster().requests().stream().map(ApiRequest::path)
                .anyMatch(p -> p.contains("/namespaces/" + ns + "/" + plural) && p.contains("watch=true")),
                Duration.ofSeconds(60));
    }

    private static void awaitTrue(BooleanSupplier condition, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within " + timeout);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    private Run ok(Kubectl k, String... args) {
        Run r = run(k, args);
        assertThat(r.code()).as("kubectl " + String.join(" ", args) + "\n" + r).isZero();
        return r;
    }

    private Run run(Kubectl k, String... args) {
        try {
            return background(k, args).finish();
        } catch (IOException | InterruptedException e) {
            throw new AssertionError("kubectl " + String.join(" ", args) + " did not run: " + e, e);
        }
    }

    /** A kubectl running in the background; {@link #finish()} waits for it. */
    private final class Background {
        private final Process process;
        private final Path out;
        private final Path err;
        private final String command;

        Background(Process process, Path out, Path err, String command) {
            this.process = process;
            this.out = out;
            this.err = err;
            this.command = command;
        }

        Run finish() throws IOException, InterruptedException {
            if (!process.waitFor(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError(command + " did not finish within " + COMMAND_TIMEOUT + "\n--- stdout\n"
                        + Files.readString(out) + "--- stderr\n" + Files.readString(err));
            }
            return new Run(process.exitValue(), Files.readString(out), Files.readString(err));
        }
    }

    private Background background(Kubectl k, String... args) {
        List<String> command = new ArrayList<>();
        command.add(k.binary().toString());
        command.addAll(List.of(args));
        try {
            Path out = Files.createTempFile(k.home(), "out", ".txt");
            Path err = Files.createTempFile(k.home(), "err", ".txt");
            ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
            Map<String, String> env = pb.environment();
            env.put("KUBECONFIG", sandbox.kubeconfig().toString());
            env.put("HOME", k.home().toString()); // kubectl's discovery cache stays in the test's folder
            env.remove("KUBECTL_EXTERNAL_DIFF");
            Process process = pb.start();
            process.getOutputStream().close(); // nothing on stdin
            return new Background(process, out, err, String.join(" ", command));
        } catch (IOException e) {
            throw new AssertionError("cannot start " + command + ": " + e, e);
        }
    }
}
