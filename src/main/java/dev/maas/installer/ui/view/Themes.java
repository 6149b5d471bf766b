package dev.maas.installer.ui.view;

import atlantafx.base.theme.PrimerDark;
import atlantafx.base.theme.PrimerLight;
import javafx.application.Application;

/** The two AtlantaFX themes the wizard offers; wizard.css styles both through their looked-up -color-* variables. */
public final class Themes {
    private Themes() { }

    /** The user-agent stylesheet of Primer Dark or Primer Light. */
    public static String userAgentStylesheet(boolean dark) {
        return dark ? new PrimerDark().getUserAgentStylesheet() : new PrimerLight().getUserAgentStylesheet();
    }

    /** The class-path resource of the binary form of {@link #userAgentStylesheet}, the one JavaFX reads. */
    public static String binaryUserAgentStylesheet(boolean dark) {
        return dark ? new PrimerDark().getUserAgentStylesheetBSS() : new PrimerLight().getUserAgentStylesheetBSS();
    }

    /** Makes it the application's user-agent stylesheet (FX thread); a no-op when it already is. */
    public static void apply(boolean dark) {
        String css = userAgentStylesheet(dark);
        if (!css.equals(Application.getUserAgentStylesheet())) {
            Application.setUserAgentStylesheet(css);
        }
    }
}
