package dev.maas.installer.ui.model;

import javafx.beans.property.BooleanProperty;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.property.SimpleBooleanProperty;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;

/**
 * Light or dark theme, and where that choice is remembered: one line {@code theme=dark} in a small file under the
 * user's config folder, readable by its owner only (0600). The wizard starts light unless dark was remembered.
 * Reading the file is a few bytes with {@code java.nio}, cheap enough before the first frame. Testable without a
 * window: the view applies the theme, this model only holds and remembers it.
 */
public final class ThemeViewModel {
    /** The file's only key. */
    static final String KEY = "theme";

    private final Path file;
    private final BooleanProperty dark = new SimpleBooleanProperty(this, "dark", false);
    private final ReadOnlyStringWrapper problem = new ReadOnlyStringWrapper(this, "problem", "");

    /**
     * @param file  where the choice is remembered; null to remember nothing (tests, a window without preferences)
     * @param dark  the theme it starts with
     */
    public ThemeViewModel(Path file, boolean dark) {
        this.file = file;
        this.dark.set(dark);
        this.dark.addListener((o, a, b) -> remember(b));
    }

    /** Light, remembering nothing. */
    public static ThemeViewModel light() { return new ThemeViewModel(null, false); }

    /** The theme remembered in {@code file} (light when it is missing or unreadable), remembering changes there. */
    public static ThemeViewModel remembered(Path file) {
        return new ThemeViewModel(file, readDark(file));
    }

    /**
     * {@code $XDG_CONFIG_HOME/maas-installer/ui.properties}, else {@code $HOME/.config/maas-installer/ui.properties}
     * (on Windows {@code %APPDATA%/maas-installer/ui.properties}).
     */
    public static Path defaultFile(Function<String, String> env) {
        String xdg = env.apply("XDG_CONFIG_HOME");
        Path base;
        if (xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()) {
            base = Path.of(xdg);
        } else if (env.apply("APPDATA") != null && System.getProperty("os.name", "").startsWith("Windows")) {
            base = Path.of(env.apply("APPDATA"));
        } else {
            String home = env.apply("HOME");
            base = (home != null && !home.isBlank() ? Path.of(home) : Path.of(System.getProperty("user.home")))
                    .resolve(".config");
        }
        return base.resolve("maas-installer").resolve("ui.properties");
    }

    /** Whether {@code file} says {@code theme=dark}; false when it is missing, unreadable or says anything else. */
    static boolean readDark(Path file) {
        if (file == null || !Files.isRegularFile(file)) {
            return false;
        }
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                String l = line.strip();
                int eq = l.indexOf('=');
                if (eq > 0 && l.substring(0, eq).strip().equals(KEY)) {
                    return l.substring(eq + 1).strip().equalsIgnoreCase("dark");
                }
            }
        } catch (IOException | RuntimeException e) {
            return false;
        }
        return false;
    }

    /** Dark theme on (bind a toggle to it); every change is remembered. */
    public BooleanProperty darkProperty() { return dark; }

    public boolean isDark() { return dark.get(); }

    public void toggle() { dark.set(!dark.get()); }

    /** Where the choice is remembered, or null. */
    public Path file() { return file; }

    /** Why the last change could not be remembered; empty when it was. */
    public ReadOnlyStringProperty problemProperty() { return problem.getReadOnlyProperty(); }

    private void remember(boolean isDark) {
        if (file == null) {
            return;
        }
        try {
            write(file, KEY + "=" + (isDark ? "dark" : "light") + "\n");
            problem.set("");
        } catch (IOException | RuntimeException e) {
            problem.set("Could not remember the theme in " + file + ": " + e.getMessage());
        }
    }

    /** Owner-only (0600) and atomic: see {@link dev.maas.installer.engine.files.PrivateFiles#replace}. */
    private static void write(Path file, String text) throws IOException {
        dev.maas.installer.engine.files.PrivateFiles.replace(file, text.getBytes(StandardCharsets.UTF_8));
    }
}
