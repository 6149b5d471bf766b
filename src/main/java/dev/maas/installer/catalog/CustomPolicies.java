package dev.maas.installer.catalog;

import dev.maas.installer.catalog.policy.PolicyBundle;
import dev.maas.installer.catalog.policy.PolicyBundleException;
import dev.maas.installer.engine.config.InstallerConfig.ThreescaleConfig;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The custom policies of an installation: the bundled remove-bearer policy, then the user's policy folders. */
public final class CustomPolicies {
    private CustomPolicies() { }

    /**
     * remove-bearer first, then each folder of {@code threescale.policies} in order. A user folder named
     * {@code remove-bearer} replaces the bundled one in place (to ship another version); two user folders with the
     * same name are an error naming both fields. A folder that cannot be used is a {@link CatalogException} for
     * its {@code threescale.policies[i]} field.
     */
    public static List<PolicyBundle> forConfig(ThreescaleConfig threescale) {
        Map<String, PolicyBundle> byName = new LinkedHashMap<>();
        Map<String, String> fieldByName = new LinkedHashMap<>();
        PolicyBundle bundled = PolicyBundle.removeBearer();
        byName.put(bundled.name(), bundled);
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
