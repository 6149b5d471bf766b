package dev.maas.installer.catalog;

import dev.maas.installer.catalog.policy.PolicyBundle;
import dev.maas.installer.catalog.policy.PolicyBundleException;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.engine.config.InstallerConfig.ThreescaleConfig;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The custom policies of an installation: the bundled remove-bearer policy, the bundled llm-token-usage policy when a
 * tier limits tokens, then the user's policy folders.
 */
public final class CustomPolicies {
    private CustomPolicies() { }

    /**
     * The policies of a configuration: {@link #forConfig(ThreescaleConfig, boolean)} with the token usage policy when
     * a tier of {@code plans.tiers} limits tokens (the products then put it in their chains, so every APIcast must
     * have it).
     */
    public static List<PolicyBundle> forConfig(InstallerConfig config) {
        return forConfig(config.threescale(), config.plans().limitsTokens());
    }

    /** {@link #forConfig(ThreescaleConfig, boolean)} without the token usage policy. */
    public static List<PolicyBundle> forConfig(ThreescaleConfig threescale) {
        return forConfig(threescale, false);
    }

    /**
     * remove-bearer first, then with {@code tokenUsage} llm-token-usage, then each folder of
     * {@code threescale.policies} in order. A user folder named {@code remove-bearer} or {@code llm-token-usage}
     * replaces the bundled one in place (to ship another version); two user folders with the same name are an error
     * naming both fields. A folder that cannot be used is a {@link CatalogException} for its
     * {@code threescale.policies[i]} field.
     */
    public static List<PolicyBundle> forConfig(ThreescaleConfig threescale, boolean tokenUsage) {
        Map<String, PolicyBundle> byName = new LinkedHashMap<>();
        Map<String, String> fieldByName = new LinkedHashMap<>();
        PolicyBundle bundled = PolicyBundle.removeBearer();
        byName.put(bundled.name(), bundled);
        if (tokenUsage) {
            PolicyBundle tokens = PolicyBundle.llmTokenUsage();
            byName.put(tokens.name(), tokens);
        }
        List<String> folders = threescale.policies();
        for (int i = 0; i < folders.size(); i++) {
            String field = "threescale.policies[" + i + "]";
            String folder = folders.get(i);
            if (folder == null || folder.isBlank()) {
                throw new CatalogException(field, "empty: give the folder of an APIcast policy (with"
                        + " apicast-policy.json and init.lua)");
            }
            PolicyBundle b;
            try {
                b = PolicyBundle.load(Path.of(folder));
            } catch (PolicyBundleException e) {
                throw new CatalogException(field, e.getMessage(), e);
            }
            String other = fieldByName.putIfAbsent(b.name(), field);
            if (other != null) {
                throw new CatalogException(field, "policy '" + b.name() + "' is already given by " + other
                        + ": each policy folder must have its own name");
            }
            byName.put(b.name(), b);
        }
        return List.copyOf(new ArrayList<>(byName.values()));
    }
}
