package dev.maas.installer.stages.sso;

import dev.maas.installer.sandbox.ApiRequest;
import dev.maas.installer.sandbox.CatalogPackage;
import dev.maas.installer.sandbox.KeycloakOperatorSimulator;
import dev.maas.installer.sandbox.OlmSimulator;
import dev.maas.installer.sandbox.StatefulSetSimulator;
import dev.maas.installer.sandbox.SandboxCluster;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Test support for the sso stage: the sandbox's API server (plain HTTP, no served models) with the apps domain the
 * test names and OLM whose catalog offers only the packages the test puts in it ({@link #offer}), and the sandbox's
 * simulated RH-SSO / RHBK operator with its StatefulSet controller ({@link #startKeycloakOperator}).
 */
final class SsoSandbox implements AutoCloseable {
    final SandboxCluster cluster;
    /** The installer's user's client (a cluster admin). */
    final KubernetesClient client;

    private SsoSandbox(SandboxCluster cluster) {
        this.cluster = cluster;
        this.client = cluster.newClient();
    }

    /** A cluster whose catalog offers no operator yet. */
    static SsoSandbox start(String appsDomain) {
        return new SsoSandbox(SandboxCluster.start(SandboxCluster.Options.defaults().withHttps(false).withModels(false)
                .withAppsDomain(appsDomain).withPackages(List.of())
                .withOlmBehaviour(OlmSimulator.Behaviour.succeed(Duration.ofMillis(50)))));
    }

    /**
     * The catalog redhat-operators offers {@code pkg} on these channels; a channel the Red Hat catalog has leads to
     * its real CSV ({@link CatalogPackage#redHatDefaults()}), another to {@code <pkg>.<channel>}.
     */
    SsoSandbox offer(String pkg, String defaultChannel, String... channels) {
        Map<String, String> known = CatalogPackage.redHatDefaults().stream().filter(p -> p.name().equals(pkg))
                .findFirst().map(CatalogPackage::channels).orElse(Map.of());
        Map<String, String> offered = new LinkedHashMap<>();
        for (String channel : channels) {
            offered.put(channel, known.getOrDefault(channel, pkg + "." + channel));
        }
        cluster.publish(new CatalogPackage(pkg, "redhat-operators", defaultChannel, offered));
        return this;
    }

    /** The CSV the Red Hat catalog's channel leads to. */
    static String csv(String pkg, String channel) {
        return CatalogPackage.redHatDefaults().stream().filter(p -> p.name().equals(pkg)).findFirst()
                .map(p -> p.channels().get(channel)).orElseThrow();
    }

    /** The simulated Keycloak operator (and the StatefulSet controller that runs the PostgreSQL made for RHBK). */
    KeycloakOperatorSimulator startKeycloakOperator(KeycloakOperatorSimulator.Options options) {
        cluster.addOperator(new StatefulSetSimulator());
        KeycloakOperatorSimulator operator = new KeycloakOperatorSimulator(options);
        cluster.addOperator(operator);
        return operator;
    }

    List<ApiRequest> requests() {
        return cluster.requests();
    }

    void clearRequests() {
        cluster.clearRequests();
    }

    /** The user's requests that asked to change something (accepted or not), since the log was last cleared. */
    List<ApiRequest> writes() {
        return cluster.requests().stream().filter(ApiRequest::isWrite).toList();
    }

    @Override
    public void close() {
        cluster.close();
    }
}
