package dev.maas.installer.ui;

import dev.maas.installer.engine.StageIds;
import dev.maas.installer.ui.pages.ModelSettingsPage;
import dev.maas.installer.ui.pages.ModelsPage;
import dev.maas.installer.ui.pages.PortalPage;

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
        pages.put(StageIds.BACKENDS, new ModelsPage(
                "Creates or updates one 3scale backend per model, pointing at the model's in-cluster inference URL."
                        + " The models are the ones listed below; with none listed, the ready served models found on"
                        + " the cluster."));
        pages.put(StageIds.PRODUCTS, new ModelSettingsPage(
                "Creates one 3scale product per model, on its backend: API key authentication (the key is sent in"
                        + " the Authorization header and APIcast's remove-bearer policy strips the 'Bearer ' prefix),"
                        + " the methods and mapping rules, the policy chain, then promotes the configuration to"
                        + " production.", ModelSettingsPage.Kind.PRODUCTS));
        pages.put(StageIds.PLANS, new ModelSettingsPage(
                "Creates and publishes the application plans of every model product (one per tier, with its"
                        + " limits; without tiers, one plan without limits) and makes 'Default' the default service"
                        + " plan; optionally subscribes the existing developer accounts to each product.",
                ModelSettingsPage.Kind.PLANS));
        pages.put(StageIds.PORTAL, new PortalPage(
                "Publishes the developer portal: turns on sign-in through Red Hat SSO, and uploads the portal"
                        + " content (the built-in MaaS content, or your own folder) to the 3scale CMS."));
        return pages;
    }
}
