package dev.maas.installer.ui.pages;

import dev.maas.installer.engine.Stage;
import dev.maas.installer.engine.StageIds;
import dev.maas.installer.engine.run.Operation;
import dev.maas.installer.stages.plans.PlansStage;
import dev.maas.installer.stages.products.ProductsStage;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;

import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The products page's "delete products of models no longer listed" choice. Off by default; turning it on first asks
 * for confirmation ({@link #pendingConfirmationProperty()}, answered with {@link #confirm()} or {@link #decline()});
 * only a confirmed choice makes the next products run use {@code new ProductsStage(true)} (like the CLI's
 * {@code --prune}), a plan shows the deletions, and an apply run uses it up: it goes back to off when that run starts. FX thread only.
 */
public final class PruneChoice {
    /** What prune does, in the words the confirmation shows. */
    public static final String WHAT_PRUNE_DOES = "Prune deletes, in the next products run, the 3scale products that"
            + " this installer created (they carry its marker) for models that are no longer listed, with their"
            + " applications and API keys. Products created by hand are never touched. This cannot be undone.";

    /** What the plans page's choice does, in its words. */
    public static final String WHAT_PLANS_PRUNE_DOES = "Deletes, in the next run that applies the plans stage, the"
            + " application plans of model products that are no tier in the configuration (as `apply --prune`). A"
            + " plan with applications on it is never deleted: the plan says how many there are; move them to"
            + " another plan in the admin portal first. Without this, such plans are kept.";

    private final ReadOnlyBooleanWrapper prune = new ReadOnlyBooleanWrapper(this, "prune", false);
    private final javafx.beans.property.BooleanProperty prunePlans =
            new javafx.beans.property.SimpleBooleanProperty(this, "prunePlans", false);
    private final ReadOnlyBooleanWrapper pending = new ReadOnlyBooleanWrapper(this, "pendingConfirmation", false);

    /**
     * The plans page's "Also delete plans of removed tiers": the next plans run is made with
     * {@code new PlansStage(true)}, as the CLI's {@code apply --prune}; a plan shows the deletions, an apply run uses
     * it up. No confirmation: 3scale refuses to delete a plan with applications, and the stage never asks it to.
     */
    public javafx.beans.property.BooleanProperty prunePlansProperty() { return prunePlans; }

    /** Whether the next products run prunes (only after confirmation). */
    public ReadOnlyBooleanProperty pruneProperty() { return prune.getReadOnlyProperty(); }

    /** True while turning prune on waits for the user's confirmation. */
    public ReadOnlyBooleanProperty pendingConfirmationProperty() { return pending.getReadOnlyProperty(); }

    /** The user ticked the box: asks for confirmation; prune stays off until {@link #confirm()}. */
    public void request() {
        if (!prune.get()) {
            pending.set(true);
        }
    }

    /** The user confirmed: the next products run prunes. Ignored when nothing was asked. */
    public void confirm() {
        if (pending.get()) {
            pending.set(false);
            prune.set(true);
        }
    }

    /** The user declined (or closed the dialog): prune stays off. */
    public void decline() { pending.set(false); }

    /** The user unticked the box. */
    public void turnOff() {
        pending.set(false);
        prune.set(false);
    }

    /**
     * The stage substitution of a run of those stages (all when empty): when prune is on and the run includes the
     * products stage, one that swaps the products stage for {@code new ProductsStage(true)}; otherwise null (no
     * substitution). A plan run shows the deletions and leaves prune on; an apply run uses it up (prune goes back to
     * off); a verify run changes nothing and gets no substitution.
     */
    public UnaryOperator<Stage> takeForRun(Operation op, List<String> stageIds) {
        boolean all = stageIds == null || stageIds.isEmpty();
        boolean products = prune.get() && (all || stageIds.contains(StageIds.PRODUCTS));
        boolean plans = prunePlans.get() && (all || stageIds.contains(StageIds.PLANS));
        if (!products && !plans || op == Operation.VERIFY) {
            return null;
        }
        if (op == Operation.APPLY) {
            if (products) {
                prune.set(false);
            }
            if (plans) {
                prunePlans.set(false);
            }
        }
        return products && plans ? s -> pruningPlans(pruning(s)) : products ? PruneChoice::pruning
                : PruneChoice::pruningPlans;
    }

    /** The products stage with prune on; any other stage as it is. */
    public static Stage pruning(Stage s) {
        return s instanceof ProductsStage ? new ProductsStage(true) : s;
    }

    /** The plans stage with prune on (the CLI's {@code apply --prune}); any other stage as it is. */
    public static Stage pruningPlans(Stage s) {
        return s instanceof PlansStage ? new PlansStage(true) : s;
    }
}
