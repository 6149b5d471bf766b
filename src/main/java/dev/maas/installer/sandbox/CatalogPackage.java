package dev.maas.installer.sandbox;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An operator package in the sandbox's catalog, served as a PackageManifest in {@code openshift-marketplace}.
 *
 * @param name           package name, e.g. {@code 3scale-operator}
 * @param catalog        catalog source name, e.g. {@code redhat-operators}
 * @param defaultChannel the default channel
 * @param channels       channel name -> current CSV name, in order
 */
public record CatalogPackage(String name, String catalog, String defaultChannel, Map<String, String> channels) {
    /** Red Hat's catalog; the sandbox always has its CatalogSource. */
    public static final String RED_HAT_CATALOG = "redhat-operators";

    public CatalogPackage {
        channels = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(channels));
    }

    /** The same package as another catalog offers it. */
    public CatalogPackage inCatalog(String otherCatalog) {
        return new CatalogPackage(name, otherCatalog, defaultChannel, channels);
    }

    /** The display name of a catalog: those of OpenShift's default CatalogSources, else the name. */
    static String displayName(String catalog) {
        return switch (catalog) {
            case "redhat-operators" -> "Red Hat Operators";
            case "certified-operators" -> "Certified Operators";
            case "community-operators" -> "Community Operators";
            case "redhat-marketplace" -> "Red Hat Marketplace";
            default -> catalog;
        };
    }

    /** OpenShift's default CatalogSources are all published by Red Hat; others here by "Sandbox". */
    static String publisher(String catalog) {
        return switch (catalog) {
            case "redhat-operators", "certified-operators", "community-operators", "redhat-marketplace" -> "Red Hat";
            default -> "Sandbox";
        };
    }

    static String image(String catalog) {
        return switch (catalog) {
            case "redhat-operators" -> "registry.redhat.io/redhat/redhat-operator-index:v4.16";
            case "certified-operators" -> "registry.redhat.io/redhat/certified-operator-index:v4.16";
            case "community-operators" -> "registry.redhat.io/redhat/community-operator-index:v4.16";
            case "redhat-marketplace" -> "registry.redhat.io/redhat/redhat-marketplace-index:v4.16";
            default -> "registry.sandbox.local/" + catalog + ":latest";
        };
    }

    /** The packages of a Red Hat catalog as the installer needs them: RH-SSO, RHBK and 3scale. */
    public static List<CatalogPackage> redHatDefaults() {
        Map<String, String> threescale = new LinkedHashMap<>();
        threescale.put("threescale-2.15", "3scale-operator.v0.12.4");
        threescale.put("threescale-2.16", "3scale-operator.v0.13.1");
        Map<String, String> rhbk = new LinkedHashMap<>();
        rhbk.put("stable-v26", "rhbk-operator.v26.0.11-opr.1");
        rhbk.put("stable-v24", "rhbk-operator.v24.0.11-opr.1");
        return List.of(
                new CatalogPackage("rhsso-operator", "redhat-operators", "stable",
                        Map.of("stable", "rhsso-operator.7.6.11-opr-003")),
                new CatalogPackage("rhbk-operator", "redhat-operators", "stable-v26", rhbk),
                new CatalogPackage("3scale-operator", "redhat-operators", "threescale-2.16", threescale));
    }
}
