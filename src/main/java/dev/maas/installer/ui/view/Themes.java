package dev.maas.installer.ui.view;

import atlantafx.base.theme.PrimerDark;
import atlantafx.base.theme.PrimerLight;
import javafx.application.Application;

import java.util.Objects;

/**
 * The two AtlantaFX themes the wizard offers; wizard.css styles both through their looked-up -color-* variables.
 * <p>
 * The window's first frame ({@link OpeningView}) is styled by an <em>opening stylesheet</em> instead: the rules of the
 * same theme that can style the opening view's nodes, and no other (about 30 of the theme's 1,000 rules, 9 KB of its
 * 170 KB), so that JavaFX reads and matches far less before that frame. The full theme takes over when the wizard is
 * built, right after the first frame, before the main view is styled. The opening stylesheets are generated from the
 * themes and checked against them by {@code OpeningThemeFxTest}: the opening view looks the same, pixel for pixel,
 * with either.
 */
public final class Themes {
    /** The opening stylesheets (class-path resources; the build puts their binary form, .bss, beside them). */
    static final String OPENING_LIGHT = "/dev/maas/installer/ui/opening-primer-light.css";
    static final String OPENING_DARK = "/dev/maas/installer/ui/opening-primer-dark.css";

    private Themes() { }

    /** The user-agent stylesheet of Primer Dark or Primer Light. */
    public static String userAgentStylesheet(boolean dark) {
        return dark ? new PrimerDark().getUserAgentStylesheet() : new PrimerLight().getUserAgentStylesheet();
    }

    /** The opening stylesheet of the theme: only the rules that can style the {@link OpeningView} (a URL). */
    public static String openingStylesheet(boolean dark) {
        return Objects.requireNonNull(Themes.class.getResource(dark ? OPENING_DARK : OPENING_LIGHT),
                "the opening stylesheet is missing from the installer").toExternalForm();
    }

    /** The class-path resource of the binary form of {@link #openingStylesheet}, the one JavaFX reads. */
    public static String binaryOpeningStylesheet(boolean dark) {
        String css = dark ? OPENING_DARK : OPENING_LIGHT;
        return css.substring(0, css.length() - ".css".length()) + ".bss";
    }

    /** Makes it the application's user-agent stylesheet (FX thread); a no-op when it already is. */
    public static void apply(boolean dark) {
        setUserAgentStylesheet(userAgentStylesheet(dark));
    }

    /**
     * Makes the {@linkplain #openingStylesheet opening stylesheet} the application's user-agent stylesheet, for the
     * first frame only: {@link #apply} must follow before anything but the opening view is styled. FX thread.
     */
    public static void applyOpening(boolean dark) {
        setUserAgentStylesheet(openingStylesheet(dark));
    }

    private static void setUserAgentStylesheet(String css) {
        if (!css.equals(Application.getUserAgentStylesheet())) {
            Application.setUserAgentStylesheet(css);
        }
    }
}
