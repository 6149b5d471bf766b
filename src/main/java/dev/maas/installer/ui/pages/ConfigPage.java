package dev.maas.installer.ui.pages;

import dev.maas.installer.engine.Cancellation;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.ui.StagePage;

import java.util.function.Function;

/**
 * A stage page whose inputs edit the configuration and that reads results back from the cluster. The shell attaches
 * it once, before any {@link #inputs} call: the wizard's {@link PageServices} (the configuration the runs use, the
 * look-ups, the prune choice, how links open), and the factory of the runs' stage contexts (connected to the
 * cluster), which the page's read-only lookups use off the FX thread. Before it is attached, a page shows no inputs.
 */
public interface ConfigPage extends StagePage {
    void attach(PageServices services, Function<Cancellation, StageContext> contexts);
}
