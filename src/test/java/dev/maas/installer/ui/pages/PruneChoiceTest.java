package dev.maas.installer.ui.pages;

import dev.maas.installer.engine.Stage;
import dev.maas.installer.engine.StageIds;
import dev.maas.installer.engine.run.Operation;
import dev.maas.installer.stages.products.ProductsStage;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;

class PruneChoiceTest {
    @Test
    void offByDefaultAndOffWithoutConfirmation() {
        PruneChoice p = new PruneChoice();
        assertThat(p.pruneProperty().get()).isFalse();
        assertThat(p.takeForRun(Operation.APPLY, List.of())).isNull();

        p.request();
        assertThat(p.pendingConfirmationProperty().get()).isTrue();
        assertThat(p.pruneProperty().get()).as("not before it is confirmed").isFalse();
        assertThat(p.takeForRun(Operation.APPLY, List.of(StageIds.PRODUCTS))).isNull();
        p.decline();
        assertThat(p.pendingConfirmationProperty().get()).isFalse();
        assertThat(p.pruneProperty().get()).isFalse();
        p.confirm(); // nothing was asked any more
        assertThat(p.pruneProperty().get()).isFalse();
    }

    @Test
    void aConfirmedChoiceSwapsTheProductsStageOfOneApplyRun() {
        PruneChoice p = new PruneChoice();
        p.request();
        p.confirm();
        assertThat(p.pruneProperty().get()).isTrue();
        assertThat(p.takeForRun(Operation.APPLY, List.of(StageIds.PLANS))).as("no products stage in that run")
                .isNull();
        assertThat(p.takeForRun(Operation.VERIFY, List.of())).isNull();

        UnaryOperator<Stage> planned = p.takeForRun(Operation.PLAN, List.of(StageIds.PRODUCTS));
        assertThat(planned).isNotNull();
        assertThat(((ProductsStage) planned.apply(new ProductsStage(false))).prune()).isTrue();
        assertThat(p.pruneProperty().get()).as("a plan shows the deletions and keeps the choice").isTrue();

        UnaryOperator<Stage> applied = p.takeForRun(Operation.APPLY, List.of());
        assertThat(applied).isNotNull();
        Stage other = new PortalLikeStage();
        assertThat(applied.apply(other)).isSameAs(other);
        assertThat(((ProductsStage) applied.apply(new ProductsStage(false))).prune()).isTrue();
        assertThat(p.pruneProperty().get()).as("used up by the apply run").isFalse();
        assertThat(p.takeForRun(Operation.APPLY, List.of())).isNull();
    }

    @Test
    void turningItOffAfterConfirmingLeavesItOff() {
        PruneChoice p = new PruneChoice();
        p.request();
        p.confirm();
        p.turnOff();
        assertThat(p.pruneProperty().get()).isFalse();
        assertThat(p.takeForRun(Operation.APPLY, List.of())).isNull();
    }

    private static final class PortalLikeStage implements Stage {
        @Override public String id() { return StageIds.PORTAL; }

        @Override public String title() { return "portal"; }

        @Override public List<String> dependencies() { return List.of(); }

        @Override public List<dev.maas.installer.engine.Change> plan(dev.maas.installer.engine.StageContext c) {
            return List.of();
        }

        @Override public List<dev.maas.installer.engine.Change> apply(dev.maas.installer.engine.StageContext c,
                                                                     dev.maas.installer.engine.Progress p) {
            return List.of();
        }

        @Override public List<dev.maas.installer.engine.Check> verify(dev.maas.installer.engine.StageContext c) {
            return List.of();
        }
    }
}
