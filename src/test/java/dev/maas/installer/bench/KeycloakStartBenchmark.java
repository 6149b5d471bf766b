package dev.maas.installer.bench;

import dev.maas.installer.engine.wait.Backoff;
import dev.maas.installer.sandbox.KeycloakProcess;
import dev.maas.installer.sandbox.KeycloakProcess.Generation;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The sandbox's Keycloak: time to ready of its start ({@link KeycloakProcess}: Keycloak 26 built once and started
 * {@code --optimized} on its kept H2 file; the legacy Keycloak 18 of RH-SSO) beside a bare {@code kc.sh start-dev} of
 * the same Keycloak 26 distribution, side by side in one run, alternating. Ready = the master realm's discovery
 * document answers 200 (polled alike for all: 200 ms, growing to 500 ms); each time is from just before the process is
 * started (for the sandbox's: just before {@code KeycloakProcess.start}, which also picks ports and prepares the data). The bare start-dev
 * runs on a copy of the distribution (start-dev rebuilds the distribution it runs from), with its in-memory H2 as it
 * defaults to.
 *
 * <pre>
 * ./mvnw -q -B test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=dev.maas.installer.bench.KeycloakStartBenchmark -Dexec.args="3"
 * </pre>
 * The argument is the number of rounds (default 3). Run from the project folder after {@code ./mvnw test-compile}
 * (which unpacks both distributions into target/).
 */
public final class KeycloakStartBenchmark {
    private KeycloakStartBenchmark() { }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        Path work = Path.of("target/bench-keycloak").toAbsolutePath();
        deleteTree(work);
        Files.createDirectories(work);
        Path dist = KeycloakProcess.locateDistribution(KeycloakProcess.Options.defaults());
        Path legacyDist = KeycloakProcess.locateDistribution(KeycloakProcess.Options.defaults()
                .withGeneration(Generation.WILDFLY));
        System.out.println("Keycloak " + KeycloakProcess.distributionVersion() + " from " + dist + ", Keycloak "
                + KeycloakProcess.distributionVersion(Generation.WILDFLY) + " from " + legacyDist);
        System.out.println("machine: " + Runtime.getRuntime().availableProcessors() + " CPUs, load average "
                + loadAverage());

        // the one-time build (kc.sh build) of the optimized start, on a fresh copy so that it is really measured
        Path buildCopy = work.resolve("build-copy");
        copyTree(dist, buildCopy);
        Files.deleteIfExists(buildCopy.resolve(".maas-build"));
        long b0 = System.nanoTime();
        try (KeycloakProcess p = KeycloakProcess.start(KeycloakProcess.Options.defaults().withDistribution(buildCopy)
                .withDataDir(work.resolve("build-data")).withLogFile(work.resolve("build.log"))
                .withStartTimeout(Duration.ofMinutes(15)))) {
            System.out.printf(Locale.ROOT, "one-time build + first start: %.1f s%n", seconds(b0));
        }

        Path devCopy = work.resolve("start-dev-copy");
        copyTree(dist, devCopy);
        Files.deleteIfExists(devCopy.resolve(".maas-build"));
        Path kept = work.resolve("sandbox-keycloak-data");
        Path keptLegacy = work.resolve("sandbox-keycloak-legacy-data");
        Map<String, Supplier<Double>> variants = new LinkedHashMap<>();
        variants.put("bare `kc.sh start-dev` (Keycloak 26, dev-mem)", () -> startDev(devCopy, work));
        variants.put("sandbox Keycloak 26, `start --optimized`, new data folder", () -> {
            deleteTree(kept);
            return sandbox(Generation.QUARKUS, dist, kept, work);
        });
        variants.put("sandbox Keycloak 26, `start --optimized`, data kept (resumed)", () ->
                sandbox(Generation.QUARKUS, dist, kept, work));
        variants.put("sandbox Keycloak 18 (RH-SSO), new data folder", () -> {
            deleteTree(keptLegacy);
            return sandbox(Generation.WILDFLY, legacyDist, keptLegacy, work);
        });
        variants.put("sandbox Keycloak 18 (RH-SSO), data kept (resumed)", () ->
                sandbox(Generation.WILDFLY, legacyDist, keptLegacy, work));

        Map<String, List<Double>> times = new LinkedHashMap<>();
        variants.keySet().forEach(k -> times.put(k, new ArrayList<>()));
        List<String> order = new ArrayList<>(variants.keySet());
        for (int round = 0; round < rounds; round++) {
            // the first-start variants must run before their resumed ones; the bare start-dev alternates around them
            List<String> roundOrder = new ArrayList<>(order);
            if (round % 2 == 1) {
                roundOrder.remove(order.get(0));
                roundOrder.add(order.get(0));
            }
            for (String v : roundOrder) {
                double s = variants.get(v).get();
                times.get(v).add(s);
                System.out.printf(Locale.ROOT, "round %d: %s: %.1f s (load %s)%n", round + 1, v, s, loadAverage());
            }
        }
        System.out.println();
        System.out.println("| start (" + rounds + " rounds) | median | min | max |");
        System.out.println("|---|---:|---:|---:|");
        for (var e : times.entrySet()) {
            List<Double> t = e.getValue().stream().sorted().toList();
            System.out.printf(Locale.ROOT, "| %s | %.1f s | %.1f s | %.1f s |%n", e.getKey(), median(t), t.get(0),
                    t.get(t.size() - 1));
        }
        double bare = median(times.get(order.get(0)).stream().sorted().toList());
        for (String v : order.subList(1, order.size())) {
            System.out.printf(Locale.ROOT, "* bare start-dev / %s: %.2f×%n", v,
                    bare / median(times.get(v).stream().sorted().toList()));
        }
        deleteTree(work);
    }

    /** The sandbox's start: KeycloakProcess.start on a kept data folder, timed until it returns (ready). */
    private static double sandbox(Generation g, Path dist, Path data, Path work) {
        long t0 = System.nanoTime();
        try (KeycloakProcess p = KeycloakProcess.start(KeycloakProcess.Options.defaults().withGeneration(g)
                .withDistribution(dist).withDataDir(data).withLogFile(work.resolve(g + ".log"))
                .withStartTimeout(Duration.ofMinutes(10)))) {
            return seconds(t0);
        }
    }

    /** {@code kc.sh start-dev} on its own ports, with a bootstrap admin, timed until the discovery document answers. */
    private static double startDev(Path dist, Path work) {
        int http = freePort();
        int management = freePort();
        ProcessBuilder b = new ProcessBuilder("bash", dist.resolve("bin/kc.sh").toString(), "start-dev",
                "--http-host=127.0.0.1", "--http-port=" + http, "--http-management-port=" + management)
                .directory(dist.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(work.resolve("start-dev.log").toFile()));
        b.environment().put("KC_BOOTSTRAP_ADMIN_USERNAME", "bench");
        b.environment().put("KC_BOOTSTRAP_ADMIN_PASSWORD", "bench-" + System.nanoTime());
        b.environment().put("JAVA_HOME", System.getProperty("java.home"));
        long t0 = System.nanoTime();
        Process p;
        try {
            p = b.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            awaitDiscovery("http://127.0.0.1:" + http, p);
            return seconds(t0);
        } finally {
            stop(p);
        }
    }

    /** Polled as KeycloakProcess polls its own start (200 ms, growing to 500 ms), so both are timed alike. */
    private static void awaitDiscovery(String url, Process p) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        URI uri = URI.create(url + "/realms/master/.well-known/openid-configuration");
        try {
            Backoff.of(Duration.ofMinutes(10)).delays(Duration.ofMillis(200), Duration.ofMillis(500))
                    .awaitTrue("Keycloak on " + url, () -> {
                        if (!p.isAlive()) {
                            throw new IllegalStateException("Keycloak exited with " + p.exitValue());
                        }
                        try {
                            return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                                    HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
                        } catch (IOException e) {
                            return false;
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new IllegalStateException(e);
                        }
                    });
        } catch (TimeoutException e) {
            throw new IllegalStateException(e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void stop(Process p) {
        List<ProcessHandle> children = p.descendants().toList();
        p.destroy();
        children.forEach(ProcessHandle::destroy);
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
            for (ProcessHandle c : children) {
                c.onExit().get(30, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            children.forEach(ProcessHandle::destroyForcibly);
        }
    }

    private static double median(List<Double> sorted) {
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException e) {
            return "?";
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> all = Files.walk(from)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else if (!p.getFileName().toString().startsWith(".maas-start")) {
                    Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
