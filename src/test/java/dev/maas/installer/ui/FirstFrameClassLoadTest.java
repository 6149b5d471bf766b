package dev.maas.installer.ui;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Starts the real entry point ({@code java dev.maas.installer.Main}, no arguments: the wizard) in a child JVM under
 * headless Monocle with {@code -Dmaas.firstframe.report}, so that it exits once its whole window is laid out (its
 * first frame is the opening view; the wizard is built right after it), and reads {@code -Xlog:class+load}:
 * <ul>
 *   <li>before the first frame, nothing of the wizard's engine, stages or logging loads (the opening view is JavaFX
 *       and a few classes of the UI only);</li>
 *   <li>by the whole window, none of the heavy libraries (the Kubernetes client, the Keycloak client, OkHttp, Jackson
 *       databind and YAML, the sandbox's Vert.x and Netty) has loaded.</li>
 * </ul>
 * This is what keeps the packaged launcher's start fast (jpackage/bench-first-frame.sh, docs/benchmarks.md).
 */
class FirstFrameClassLoadTest {
    /** Packages none of whose classes may load before the first frame. */
    static final List<String> HEAVY = List.of(
            "io.fabric8.",                      // the Kubernetes/OpenShift client
            "org.keycloak.",                    // the Keycloak admin client
            "org.jboss.resteasy.", "jakarta.ws.rs.",
            "okhttp3.", "okio.",
            "com.fasterxml.jackson.databind.", "com.fasterxml.jackson.dataformat.", "org.yaml.snakeyaml.", // Jackson
            "com.networknt.",                   // JSON schema validation of the config
            "io.vertx.", "io.netty.",           // the sandbox's servers
            "picocli.",                         // the CLI
            "dev.maas.installer.sandbox.", "dev.maas.installer.keycloak.", "dev.maas.installer.cli.");

    /**
     * Types that the JVM's verifier resolves when the stage classes load (exception types of catch blocks, the types
     * of values a method returns or passes on, with their supertypes), and a small value class the 3scale stage
     * keeps as constants; loading them starts neither the Kubernetes client nor Jackson's mapper. Any other class of
     * the packages above fails the test.
     */
    static final Set<String> RESOLVED_TYPES = Set.of(
            "io.fabric8.kubernetes.client.KubernetesClientException",
            "io.fabric8.kubernetes.api.model.KubernetesResource",
            "io.fabric8.kubernetes.api.model.HasMetadata",
            "io.fabric8.kubernetes.api.model.Namespaced",
            "io.fabric8.kubernetes.client.CustomResource",
            "io.fabric8.kubernetes.client.http.HttpClient$Factory",
            "io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext",
            "io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext$Builder",
            "com.fasterxml.jackson.databind.JsonSerializable",
            "com.fasterxml.jackson.databind.JsonSerializable$Base",
            "com.fasterxml.jackson.databind.JsonNode",
            "com.fasterxml.jackson.databind.node.JsonNodeCreator",
            "com.fasterxml.jackson.databind.node.BaseJsonNode",
            "com.fasterxml.jackson.databind.node.ContainerNode",
            "com.fasterxml.jackson.databind.node.ObjectNode");

    /** Packages none of whose classes may load before the first frame (the opening view needs none of them). */
    static final List<String> NOT_BEFORE_FIRST_FRAME = List.of(
            "dev.maas.installer.engine.", "dev.maas.installer.stages.", "dev.maas.installer.cluster.",
            "dev.maas.installer.ui.model.WizardViewModel", "dev.maas.installer.ui.WizardShell",
            "org.slf4j.", "ch.qos.logback.");

    /** The first class FirstFrame makes in the first frame's pulse (its listener's lambda). */
    private static final String FIRST_FRAME_MARK = "dev.maas.installer.ui.FirstFrame$1$$Lambda";

    private static final Pattern LOADED = Pattern.compile("\\[class,load\\] (\\S+) source: ");

    private static List<String> loaded;
    private static String report;

    @BeforeAll
    static void startTheWizardUntilItsFirstFrame(@TempDir Path tmp) throws Exception {
        Path home = Files.createDirectories(tmp.resolve("home"));
        Path classLog = tmp.resolve("classes.log");
        Path reportFile = tmp.resolve("first-frame.txt");
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xlog:class+load=info:file=" + classLog,
                "-D" + FirstFrame.REPORT_PROPERTY + "=" + reportFile,
                "-Dglass.platform=Monocle", "-Dmonocle.platform=Headless", "-Dprism.order=sw", "-Dprism.text=t2k",
                "-Djava.awt.headless=true", "-Dtestfx.headless=true",
                "-Duser.home=" + home,
                "-cp", classPath,
                "dev.maas.installer.Main"));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(tmp.resolve("out.txt").toFile());
        Map<String, String> env = pb.environment();
        env.put("HOME", home.toString());            // no ~/.kube/config: the wizard would pick the sandbox
        env.remove("KUBECONFIG");
        env.put("XDG_DATA_HOME", home.resolve("data").toString());
        env.put("MAAS_CONFIG_DIR", home.resolve("config").toString());
        Process p = pb.start();
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError("the wizard did not exit after its first frame within 90 s; output:\n"
                    + read(tmp.resolve("out.txt")));
        }
        assertThat(p.exitValue()).as("exit status; output:\n%s", read(tmp.resolve("out.txt"))).isZero();
        report = read(reportFile);
        loaded = new ArrayList<>();
        for (String line : Files.readAllLines(classLog, StandardCharsets.UTF_8)) {
            Matcher m = LOADED.matcher(line);
            if (m.find()) {
                loaded.add(m.group(1));
            }
        }
    }

    private static String read(Path file) throws IOException {
        return Files.isRegularFile(file) ? Files.readString(file, StandardCharsets.UTF_8) : "(no " + file + ")";
    }

    @Test
    void theWizardReportsItsFirstFrameAndItsWholeWindowAndExits() {
        long firstFrame = reported("firstFrameEpochMillis");
        long ready = reported("readyEpochMillis");
        assertThat(reported("jvmToFirstFrameMillis")).isPositive();
        assertThat(ready).isGreaterThanOrEqualTo(firstFrame);
        assertThat(reported("jvmToReadyMillis")).isEqualTo(reported("jvmToFirstFrameMillis") + ready - firstFrame);
        // the CPU times by the first frame (Linux /proc): the whole process used at least what its JavaFX thread did
        if (Files.isReadable(Path.of("/proc/thread-self/stat"))) {
            assertThat(reported("fxThreadCpuMillisAtFirstFrame")).isNotNegative();
            assertThat(reported("processCpuMillisAtFirstFrame")).isPositive()
                    .isGreaterThanOrEqualTo(reported("fxThreadCpuMillisAtFirstFrame"));
        }
        // the real window was built after the first frame: the main view, the stage list with every stage
        int mark = firstFrame();
        assertThat(loaded.indexOf("dev.maas.installer.ui.view.OpeningView")).isBetween(0, mark);
        for (String c : List.of("dev.maas.installer.ui.view.MainView", "dev.maas.installer.ui.WizardShell",
                "dev.maas.installer.stages.Stages", "dev.maas.installer.stages.portal.PortalStage",
                "dev.maas.installer.ui.view.LogPane")) {
            assertThat(loaded).contains(c);
        }
        assertThat(loaded.indexOf("dev.maas.installer.ui.WizardShell")).isGreaterThan(mark);
    }

    @Test
    void nothingOfTheEngineOrTheLoggingLoadsBeforeTheFirstFrame() {
        List<String> early = loaded.subList(0, firstFrame()).stream()
                .filter(c -> NOT_BEFORE_FIRST_FRAME.stream().anyMatch(c::startsWith))
                .toList();
        assertThat(early).as("classes loaded before the first frame (the opening view)").isEmpty();
    }

    private static int firstFrame() {
        for (int i = 0; i < loaded.size(); i++) {
            if (loaded.get(i).startsWith(FIRST_FRAME_MARK)) {
                return i;
            }
        }
        throw new AssertionError("no " + FIRST_FRAME_MARK + " in the class log");
    }

    private static long reported(String key) {
        Matcher m = Pattern.compile("(?m)^" + key + "=(-?\\d+)$").matcher(report);
        assertThat(m.find()).as("%s in the report:\n%s", key, report).isTrue();
        return Long.parseLong(m.group(1));
    }

    @Test
    void nothingHeavyLoadsBeforeTheWholeWindow() {
        List<String> heavy = loaded.stream()
                .filter(c -> HEAVY.stream().anyMatch(c::startsWith))
                .filter(c -> !RESOLVED_TYPES.contains(c))
                .toList();
        assertThat(heavy).as("classes of heavy libraries loaded by the whole window").isEmpty();
    }

    @Test
    void theClassLogIsComplete() {
        // guards the test itself: the log names JavaFX and the JDK too, so an empty HEAVY match is meaningful
        assertThat(loaded).hasSizeGreaterThan(1000).contains("javafx.scene.Scene", "java.lang.Object");
    }
}
