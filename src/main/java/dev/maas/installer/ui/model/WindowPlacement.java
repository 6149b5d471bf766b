package dev.maas.installer.ui.model;

import javafx.geometry.Rectangle2D;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.function.Function;

/**
 * Where the main window goes and how big it is: on a first start 90% of the screen's visual bounds, at most
 * 1400x900, centred; afterwards what was remembered (size, position, maximised) when it still fits a screen. The
 * place is remembered in a small properties file beside the theme's ({@code window.properties}, owner-only).
 * Testable without a window.
 */
public final class WindowPlacement {
    /** A window's place: its normal (not maximised) bounds, and whether it is maximised. */
    public record Bounds(double x, double y, double width, double height, boolean maximized) { }

    public static final double MAX_WIDTH = 1400;
    public static final double MAX_HEIGHT = 900;
    public static final double SCREEN_SHARE = 0.9;
    /** The smallest window the wizard is laid out for (it never asks for more than the screen has). */
    public static final double MIN_WIDTH = 1000;
    public static final double MIN_HEIGHT = 620;

    private WindowPlacement() { }

    /** {@code window.properties} beside the theme's file ({@link ThemeViewModel#defaultFile}). */
    public static Path defaultFile(Function<String, String> env) {
        return ThemeViewModel.defaultFile(env).resolveSibling("window.properties");
    }

    /** The first start's place on a screen with these visual bounds: 90% of it, at most 1400x900, centred. */
    public static Bounds firstStart(Rectangle2D screen) {
        double w = Math.min(MAX_WIDTH, Math.floor(screen.getWidth() * SCREEN_SHARE));
        double h = Math.min(MAX_HEIGHT, Math.floor(screen.getHeight() * SCREEN_SHARE));
        return new Bounds(screen.getMinX() + Math.floor((screen.getWidth() - w) / 2),
                screen.getMinY() + Math.floor((screen.getHeight() - h) / 2), w, h, false);
    }

    /**
     * The place to open at: the remembered one when a screen still shows its title bar (a screen may have gone since),
     * no larger than that screen; else the first start's on the primary screen.
     */
    public static Bounds initial(Bounds remembered, List<Rectangle2D> screens, Rectangle2D primary) {
        if (remembered != null) {
            for (Rectangle2D s : screens) {
                // the top 40 px (the title bar) of the window's middle part are on this screen
                if (s.intersects(remembered.x() + remembered.width() / 4, remembered.y(), remembered.width() / 2, 40)) {
                    double w = Math.min(remembered.width(), s.getWidth());
                    double h = Math.min(remembered.height(), s.getHeight());
                    double x = Math.max(s.getMinX(), Math.min(remembered.x(), s.getMaxX() - w));
                    double y = Math.max(s.getMinY(), Math.min(remembered.y(), s.getMaxY() - h));
                    return new Bounds(x, y, w, h, remembered.maximized());
                }
            }
        }
        return firstStart(primary);
    }

    /** The minimum size on that screen: {@link #MIN_WIDTH} x {@link #MIN_HEIGHT}, or the screen when smaller. */
    public static double[] minimum(Rectangle2D screen) {
        return new double[] {Math.min(MIN_WIDTH, screen.getWidth()), Math.min(MIN_HEIGHT, screen.getHeight())};
    }

    /** What {@code file} remembers; null when it is missing, unreadable or incomplete. */
    public static Bounds read(Path file) {
        if (file == null || !Files.isRegularFile(file)) {
            return null;
        }
        try {
            Properties p = new Properties();
            p.load(new StringReader(Files.readString(file, StandardCharsets.UTF_8)));
            double w = Double.parseDouble(p.getProperty("width"));
            double h = Double.parseDouble(p.getProperty("height"));
            if (w < 100 || h < 100) {
                return null;
            }
            return new Bounds(Double.parseDouble(p.getProperty("x")), Double.parseDouble(p.getProperty("y")), w, h,
                    Boolean.parseBoolean(p.getProperty("maximized")));
        } catch (IOException | RuntimeException e) {
            return null;   // a broken file is forgotten: the window opens as on a first start
        }
    }

    /** Remembers {@code b} in {@code file} (owner-only, atomic). */
    public static void write(Path file, Bounds b) throws IOException {
        String text = String.format(Locale.ROOT, "x=%.0f%ny=%.0f%nwidth=%.0f%nheight=%.0f%nmaximized=%s%n",
                b.x(), b.y(), b.width(), b.height(), b.maximized());
        dev.maas.installer.engine.files.PrivateFiles.replace(file, text.getBytes(StandardCharsets.UTF_8));
    }
}
