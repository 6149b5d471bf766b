package dev.maas.installer.engine;

import java.util.List;

/** The stage ids, in install order. */
public final class StageIds {
    public static final String PREFLIGHT = "preflight";
    public static final String SSO = "sso";
    public static final String THREESCALE = "threescale";
    public static final String BACKENDS = "backends";
    public static final String PRODUCTS = "products";
    public static final String PLANS = "plans";
    public static final String PORTAL = "portal";

    public static final List<String> ALL = List.of(PREFLIGHT, SSO, THREESCALE, BACKENDS, PRODUCTS, PLANS, PORTAL);

    /**
     * Whether the stage only checks the cluster and installs nothing (the preflight checks): its failed checks are
     * problems to fix, never "drifted" or "not installed yet".
     */
    public static boolean installsNothing(String stageId) { return PREFLIGHT.equals(stageId); }

    private StageIds() { }
}
