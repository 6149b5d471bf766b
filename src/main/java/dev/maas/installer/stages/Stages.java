package dev.maas.installer.stages;

import dev.maas.installer.engine.Stage;
import dev.maas.installer.stages.backends.BackendsStage;
import dev.maas.installer.stages.plans.PlansStage;
import dev.maas.installer.stages.portal.PortalStage;
import dev.maas.installer.stages.preflight.PreflightStage;
import dev.maas.installer.stages.products.ProductsStage;
import dev.maas.installer.stages.sso.SsoStage;
import dev.maas.installer.stages.threescale.ThreescaleStage;

import java.util.List;

/** The installer's stages, in install order. */
public final class Stages {
    private Stages() { }

    public static List<Stage> all() {
        return List.of(
                new PreflightStage(),
                new SsoStage(),
                new ThreescaleStage(),
                new BackendsStage(),
                new ProductsStage(),
                new PlansStage(),
                new PortalStage());
    }
}
