package dev.maas.installer.bench;

import dev.maas.installer.sandbox.threescale.RequestJournal;

import java.util.List;
import java.util.Locale;

/** Measurement helpers for the benchmarks (not tests: surefire does not pick these classes up). */
final class BenchSupport {
    private BenchSupport() { }

    /** One measured run. */
    record Run(String label, long requests, long writes, long millis) {
        String row() {
            return String.format(Locale.ROOT, "| %s | %,d | %,d | %,.1f s |", label, requests, writes, millis / 1000.0);
        }
    }

    static Run measure(String label, RequestJournal journal, Runnable body) {
        journal.clear();
        long start = System.nanoTime();
        body.run();
        long millis = (System.nanoTime() - start) / 1_000_000;
        List<RequestJournal.Entry> entries = journal.entries();
        long writes = entries.stream().filter(e -> !e.method().equals("GET")).count();
        return new Run(label, entries.size(), writes, millis);
    }

    static String ratio(Run slow, Run fast) {
        return String.format(Locale.ROOT, "%.2f×", (double) slow.millis() / Math.max(1, fast.millis()));
    }
}
