package dev.maas.installer.cli;

/** Placeholder until the picocli commands land (being written now). */
public final class Cli {
    private Cli() { }

    public static int run(String[] args) {
        System.err.println("CLI not built yet");
        return 1;
    }
}
