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

    private StageIds() { }
}
