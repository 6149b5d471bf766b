package dev.maas.installer.ui;

import dev.maas.installer.ui.model.StageViewModel;
import dev.maas.installer.ui.model.WizardViewModel;
import javafx.scene.Node;

/**
 * What a stage adds to its page in the wizard: a description, and optionally an inputs section shown above the
 * plan preview (e.g. the SSO realm name, the models to publish). The shell provides the rest of the page (plan
 * preview, Plan/Apply/Verify/Rerun, checks). {@link StagePages#defaults()} registers one per stage; a test may
 * replace one through {@link WizardShell.Builder#page(String, StagePage)}.
 */
public interface StagePage {
    /** One or two sentences on what the stage does. */
    String description();

    /**
     * The stage's inputs, built once per stage on the FX thread; null when it has none. The node should bind to its
     * own view model, which reads and writes the configuration; it must not call the engine or a cluster directly.
     */
    default Node inputs(StageViewModel stage, WizardViewModel wizard) { return null; }

    /** A page with a description and no inputs. */
    static StagePage describedAs(String description) {
        return () -> description;
    }
}
