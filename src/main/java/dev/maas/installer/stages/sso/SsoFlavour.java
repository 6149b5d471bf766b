package dev.maas.installer.stages.sso;

import dev.maas.installer.cluster.OperatorCatalog;
import dev.maas.installer.cluster.OperatorSpec;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.util.Locale;
import java.util.Optional;

/**
 * Which SSO operator to install, decided from the config ({@code sso.flavour}: auto, rhsso, rhbk) and what the
 * catalog offers. {@code auto}: RH-SSO ({@value #RHSSO_PACKAGE}, channel {@value #RHSSO_CHANNEL}) when offered, as
 * in the runbook, else the Red Hat build of Keycloak ({@value #RHBK_PACKAGE}, its default channel). Shared by the
 * preflight check and the sso stage.
 */
public enum SsoFlavour {
    RHSSO, RHBK;

    public static final String RHSSO_PACKAGE = "rhsso-operator";
    public static final String RHSSO_CHANNEL = "stable";
    public static final String RHBK_PACKAGE = "rhbk-operator";

    /**
     * What the catalog offers and what follows from it.
     *
     * @param configured the config value (auto, rhsso, rhbk)
     * @param rhsso      the rhsso-operator package, when looked up and offered
     * @param rhbk       the rhbk-operator package, when looked up and offered
     * @param chosen     the flavour to install, or empty when nothing fitting is offered
     * @param channel    the channel to subscribe to (for {@code chosen})
     */
    public record Choice(String configured, Optional<OperatorCatalog.Entry> rhsso,
                         Optional<OperatorCatalog.Entry> rhbk, Optional<SsoFlavour> chosen, String channel) {
        public String packageName() { return chosen.map(SsoFlavour::packageName).orElse(null); }

        public Optional<OperatorCatalog.Entry> entry() {
            return chosen.flatMap(f -> f == RHSSO ? rhsso : rhbk);
        }
    }

    public String packageName() { return this == RHSSO ? RHSSO_PACKAGE : RHBK_PACKAGE; }

    /** The config value normalised: auto, rhsso or rhbk (anything else is returned as is, lower case). */
    public static String normalise(String configured) {
        return configured == null || configured.isBlank() ? "auto" : configured.trim().toLowerCase(Locale.ROOT);
    }

    /** Looks the packages up in the marketplace namespace and decides. */
    public static Choice choose(KubernetesClient client, String configured) {
        return choose(client, configured, null);
    }

    /** As {@link #choose(KubernetesClient, String)}, in the given catalog (null: the one OperatorCatalog prefers). */
    public static Choice choose(KubernetesClient client, String configured, String catalogSource) {
        String flavour = normalise(configured);
        Optional<OperatorCatalog.Entry> rhsso = flavour.equals("rhbk") ? Optional.empty()
                : OperatorCatalog.find(client, RHSSO_PACKAGE, OperatorSpec.MARKETPLACE, catalogSource);
        if (rhsso.isPresent() && rhsso.get().hasChannel(RHSSO_CHANNEL)) {
            return new Choice(flavour, rhsso, Optional.empty(), Optional.of(RHSSO), RHSSO_CHANNEL);
        }
        if (flavour.equals("rhsso")) {
            return new Choice(flavour, rhsso, Optional.empty(), Optional.empty(), null);
        }
        Optional<OperatorCatalog.Entry> rhbk = OperatorCatalog.find(client, RHBK_PACKAGE, OperatorSpec.MARKETPLACE,
                        catalogSource)
                .filter(e -> !e.channels().isEmpty());
        if (rhbk.isPresent()) {
            OperatorCatalog.Entry e = rhbk.get();
            String channel = e.defaultChannel() != null && e.hasChannel(e.defaultChannel()) ? e.defaultChannel()
                    : e.channels().get(e.channels().size() - 1);
            return new Choice(flavour, rhsso, rhbk, Optional.of(RHBK), channel);
        }
        return new Choice(flavour, rhsso, Optional.empty(), Optional.empty(), null);
    }
}
