package dev.maas.installer.ui.view;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Opens a link in the desktop's web browser, and says when it cannot. JavaFX's {@code HostServices.showDocument}
 * reports nothing when no browser is found on Linux (it prints a stack trace and returns), so on Linux and other Unix
 * desktops this looks for the desktop's opener on the {@code PATH} itself ({@code xdg-open}, then {@code gio open},
 * then a browser) and fails with a message when there is none; macOS uses {@code open}; Windows hands the link to
 * {@code HostServices} (the shell's own handler, always there).
 */
public final class Browser implements Consumer<String> {
    /** Openers tried in order on Linux and other Unix desktops: the command and the arguments before the link. */
    private static final List<List<String>> UNIX = List.of(List.of("xdg-open"), List.of("gio", "open"),
            List.of("gnome-open"), List.of("kde-open"), List.of("sensible-browser"), List.of("x-www-browser"),
            List.of("firefox"), List.of("google-chrome"), List.of("chromium"));

    private final String os;
    private final Function<String, String> env;
    private final Consumer<String> hostServices;

    /** @param hostServices the app's {@code HostServices::showDocument}, used on Windows */
    public Browser(Consumer<String> hostServices) {
        this(System.getProperty("os.name", ""), System::getenv, hostServices);
    }

    Browser(String os, Function<String, String> env, Consumer<String> hostServices) {
        this.os = os.toLowerCase(Locale.ROOT);
        this.env = Objects.requireNonNull(env, "env");
        this.hostServices = Objects.requireNonNull(hostServices, "hostServices");
    }

    /**
     * Starts the browser on {@code url} (does not wait for it).
     *
     * @throws IllegalStateException when no browser could be started, with the reason in words
     */
    @Override
    public void accept(String url) {
        if (os.startsWith("windows")) {
            hostServices.accept(url);
            return;
        }
        List<List<String>> openers = os.contains("mac") ? List.of(List.of("open")) : UNIX;
        for (List<String> opener : openers) {
            Path exe = onPath(opener.get(0));
            if (exe != null) {
                List<String> command = new ArrayList<>();
                command.add(exe.toString());
                command.addAll(opener.subList(1, opener.size()));
                command.add(url);
                try {
                    new ProcessBuilder(command).redirectErrorStream(true)
                            .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                    return;
                } catch (IOException e) {
                    throw new IllegalStateException(opener.get(0) + " could not be started: " + e.getMessage(), e);
                }
            }
        }
        throw new IllegalStateException("no web browser was found (looked for "
                + String.join(", ", openers.stream().map(o -> o.get(0)).toList()) + ")");
    }

    private Path onPath(String name) {
        String path = env.apply("PATH");
        if (path == null || path.isBlank()) {
            return null;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path p = Path.of(dir, name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }
}
