package dev.maas.installer.engine.config;

import dev.maas.installer.engine.StageIds;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Which stages read which part of the configuration, so that a field that is wrong stops exactly the stages it feeds
 * (the wizard disables their Plan, Apply and Verify while it is wrong). From what the stages read:
 * <ul>
 *   <li>{@code sso.*}: preflight (the flavour's operator), sso, portal (the realm of the SSO integration);</li>
 *   <li>{@code threescale.*}: every stage (the 3scale namespace and tenant, through which the later stages reach
 *   the Admin API; the sso stage derives the developer portal host from the tenant);</li>
 *   <li>{@code models*}: preflight, backends, products, plans;</li>
 *   <li>{@code products.*}: backends, products, plans (concurrency, ActiveDocs);</li>
 *   <li>{@code plans.tiers*}: products (the token usage policy when a tier limits tokens), plans;</li>
 *   <li>{@code plans.*}: plans; {@code portal.*}: portal;</li>
 *   <li>anything else ({@code cluster.*}, {@code endpoints.*}, the file itself): every stage.</li>
 * </ul>
 */
public final class ConfigSections {
    private ConfigSections() { }

    /** The ids of the stages that read the field at {@code path} (e.g. {@code sso.realm}), in install order. */
    public static Set<String> stagesFed(String path) {
        String p = path == null ? "" : path;
        List<String> ids;
        if (p.startsWith("sso.") || p.equals("sso")) {
            ids = List.of(StageIds.PREFLIGHT, StageIds.SSO, StageIds.PORTAL);
        } else if (p.startsWith("models")) {
            ids = List.of(StageIds.PREFLIGHT, StageIds.BACKENDS, StageIds.PRODUCTS, StageIds.PLANS);
        } else if (p.startsWith("products")) {
            ids = List.of(StageIds.BACKENDS, StageIds.PRODUCTS, StageIds.PLANS);
        } else if (p.startsWith("plans.tiers")) {
            ids = List.of(StageIds.PRODUCTS, StageIds.PLANS);
        } else if (p.startsWith("plans")) {
            ids = List.of(StageIds.PLANS);
        } else if (p.startsWith("portal")) {
            ids = List.of(StageIds.PORTAL);
        } else {
            ids = StageIds.ALL;
        }
        return new LinkedHashSet<>(ids);
    }
}
