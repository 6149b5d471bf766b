package dev.maas.installer.stages;

import dev.maas.installer.engine.Stage;
import dev.maas.installer.engine.StageIds;
import dev.maas.installer.stages.preflight.PreflightStage;
import dev.maas.installer.stages.threescale.ThreescaleStage;

import java.util.List;

/** The installer's stages, in install order. */
public final class Stages {
    private Stages() { }

    public static List<Stage> all() {
        return List.of(
                new PreflightStage(),
                new NotYetAvailableStage(StageIds.SSO, "Red Hat SSO (Keycloak)", List.of(StageIds.PREFLIGHT)),
                new ThreescaleStage(),
                new NotYetAvailableStage(StageIds.BACKENDS, "Model backends", List.of(StageIds.THREESCALE)),
                new NotYetAvailableStage(StageIds.PRODUCTS, "Model products", List.of(StageIds.BACKENDS)),
                new NotYetAvailableStage(StageIds.PLANS, "Application plans", List.of(StageIds.PRODUCTS)),
                new NotYetAvailableStage(StageIds.PORTAL, "Developer portal",
                        List.of(StageIds.SSO, StageIds.PLANS)));
    }
}
