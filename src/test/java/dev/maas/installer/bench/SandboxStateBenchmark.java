package dev.maas.installer.bench;

import dev.maas.installer.cli.Cli;
import dev.maas.installer.sandbox.Sandbox;
import dev.maas.installer.sandbox.SandboxKeycloak;
import dev.maas.installer.sandbox.SandboxCluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * What keeping the sandbox's state on disk costs an apply: the installer's {@code apply} of the stages that need no
 * Keycloak (preflight, threescale, backends, products, plans), then a second apply, on a new sandbox that keeps its
 * state in its folder (every answered write on disk first) and on one that keeps it in memory only; the two kinds
 * alternate, each round on new folders. Not a test (surefire does not match the name).
 *
 * <pre>
 * ./mvnw -q -B test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=dev.maas.installer.bench.SandboxStateBenchmark -Dexec.args="3"
 * </pre>
 */
public final class SandboxStateBenchmark {
    private static final String STAGES = "preflight,threescale,backends,products,plans";

    private SandboxStateBenchmark() { }

    public static void main(String[] args) throws IOException {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        Path root = Files.createTempDirectory("sandbox-state-bench");
        Map<String, List<long[]>> runs = new TreeMap<>();
        int warmUp = 2; // the first rounds warm the JVM up and are not counted
        for (int round = 0; round < rounds + warmUp; round++) {
            for (boolean keep : round % 2 == 0 ? new boolean[] {true, false} : new boolean[] {false, true}) {
                Path dir = root.resolve("r" + round + (keep ? "-kept" : "-memory"));
                long[] m = applyTwice(dir, keep);
                if (round >= warmUp) {
                    runs.computeIfAbsent(keep ? "state kept in the folder" : "state in memory only",
                            k -> new ArrayList<>()).add(m);
                }
                System.err.printf(Locale.ROOT, "round %d %s: first %d ms, second %d ms, writes %d, state %d KB%n",
                        round, keep ? "kept" : "memory", m[0], m[1], m[2], m[3] / 1024);
            }
        }
        System.out.println("| sandbox (" + rounds + " rounds, after " + warmUp + " to warm up) | first apply, median"
                + " | second apply, median"
                + " | writes answered (first apply) | state folder after |");
        System.out.println("|---|---:|---:|---:|---:|");
        runs.forEach((label, list) -> System.out.printf(Locale.ROOT, "| %s | %.1f s | %.1f s | %d | %s |%n", label,
                median(list, 0) / 1000.0, median(list, 1) / 1000.0, list.get(0)[2],
                list.get(0)[3] == 0 ? "-" : (list.get(0)[3] / 1024) + " KB"));
    }

    /** {first apply ms, second apply ms, writes of the first, bytes in the state folder}. */
    private static long[] applyTwice(Path dir, boolean keep) throws IOException {
        try (Sandbox sandbox = Sandbox.run(dir, SandboxCluster.Options.defaults(), SandboxKeycloak.none(), keep)) {
            String cfg = sandbox.configFile().toString();
            sandbox.cluster().clearRequests();
            sandbox.threescale().journal().clear();
            long first = apply(cfg, dir.resolve("first.jsonl"));
            long writes = sandbox.cluster().acceptedWrites().size() + sandbox.threescale().journal().writes();
            long second = apply(cfg, dir.resolve("second.jsonl"));
            return new long[] {first, second, writes, size(dir.resolve(Sandbox.STATE_DIR))};
        }
    }

    private static long apply(String cfg, Path journal) {
        long start = System.nanoTime();
        int code = Cli.run(new String[] {"apply", "--yes", "--config", cfg, "--stage", STAGES,
                "--journal", journal.toString()});
        long millis = (System.nanoTime() - start) / 1_000_000;
        if (code != 0) {
            throw new IllegalStateException("apply exited " + code);
        }
        return millis;
    }

    private static long median(List<long[]> runs, int i) {
        List<Long> v = runs.stream().map(r -> r[i]).sorted(Comparator.naturalOrder()).toList();
        return v.get(v.size() / 2);
    }

    private static long size(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            return all.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }
}
