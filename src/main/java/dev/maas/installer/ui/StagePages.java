package dev.maas.installer.ui;

import dev.maas.installer.engine.StageIds;

import java.util.LinkedHashMap;
import java.util.Map;

/** The default page of each known stage: a description and, for some, their inputs. */
public final class StagePages {
    private StagePages() { }

    public static Map<String, StagePage> defaults() {
        Map<String, StagePage> pages = new LinkedHashMap<>();
        pages.put(StageIds.PREFLIGHT, StagePage.describedAs(
                "Checks that the cluster is reachable, that you have the permissions the installer needs, and that "
                        + "the operators and storage it relies on are there. Changes nothing."));
        pages.put(StageIds.SSO, new dev.maas.installer.ui.pages.SsoPage());
        pages.put(StageIds.THREESCALE, new dev.maas.installer.ui.pages.ThreescalePage());
        pages.put(StageIds.BACKENDS, StagePage.describedAs(
                "Creates one 3scale backend per served model, pointing at the model's inference URL."));
        pages.put(StageIds.PRODUCTS, StagePage.describedAs(
                "Creates one 3scale product per served model, with its mapping rules, OpenID Connect "
                        + "authentication and the APIcast policies."));
        pages.put(StageIds.PLANS, StagePage.describedAs(
                "Creates the application plans (rate limits and pricing) of every model product."));
        pages.put(StageIds.PORTAL, StagePage.describedAs(
                "Publishes the developer portal: its pages, the sign-in through Red Hat SSO and the model "
                        + "documentation."));
        return pages;
    }
}
