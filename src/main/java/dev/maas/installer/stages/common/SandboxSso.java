package dev.maas.installer.stages.common;

import dev.maas.installer.cluster.ClusterConnection;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.StageException;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.util.Optional;

/**
 * Whether the cluster is the local sandbox running without Keycloak. The sandbox says so in its marker ConfigMap
 * ({@code kube-public/maas-installer-sandbox}, key {@code keycloakAbsent}, the reason as its value); then nothing
 * would ever act on the sso stage's Keycloak resources, so the sso and portal stages stop at once with that reason
 * and a fix that fits a sandbox, and a run of several stages leaves them out.
 */
public final class SandboxSso {
    /** The marker's key; the same as the sandbox's {@code Sandbox.MARKER_KEYCLOAK_ABSENT}. */
    public static final String MARKER_KEY = "keycloakAbsent";

    /** How to get a sandbox with Keycloak, for the wizard and the command line. */
    public static final String FIX = "start the sandbox with Keycloak: in the wizard, stop the sandbox (Sandbox,"
            + " Stop) and start it again, accepting the Keycloak download; from a terminal,"
            + " `maas-installer sandbox --download-keycloak`. The other stages work without it";

    private SandboxSso() { }

    /** The reason the sandbox gives for running without Keycloak; empty on a real cluster or a sandbox with one. */
    public static Optional<String> keycloakAbsent(KubernetesClient client) {
        ConfigMap marker;
        try {
            marker = client.configMaps().inNamespace(ClusterConnection.SANDBOX_MARKER_NAMESPACE)
                    .withName(ClusterConnection.SANDBOX_MARKER_NAME).get();
        } catch (RuntimeException e) {
            return Optional.empty(); // unreadable: not the sandbox as far as we can tell
        }
        if (marker == null || marker.getData() == null) {
            return Optional.empty();
        }
        String reason = marker.getData().get(MARKER_KEY);
        return reason == null || reason.isBlank() ? Optional.empty() : Optional.of(reason.trim());
    }

    /** The sso stage's stop: SSO cannot be tried in this sandbox, why, and how to get it. */
    public static Optional<StageException> ssoUnavailable(KubernetesClient client) {
        return keycloakAbsent(client).map(reason -> new StageException("SSO cannot be tried in this sandbox: it runs"
                + " without Keycloak (" + reason + "), so nothing would ever make the Keycloak this stage asks for",
                Fix.manual(FIX)));
    }

    /** The portal stage's stop: its developer sign-in goes through SSO, which this sandbox cannot run. */
    public static Optional<StageException> portalUnavailable(KubernetesClient client) {
        return keycloakAbsent(client).map(reason -> new StageException("the developer portal cannot be tried in this"
                + " sandbox: its sign-in goes through SSO, and the sandbox runs without Keycloak (" + reason + ")",
                Fix.manual(FIX)));
    }
}
