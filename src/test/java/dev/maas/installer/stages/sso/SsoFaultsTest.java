package dev.maas.installer.stages.sso;

import dev.maas.installer.engine.Cancellation;
import dev.maas.installer.engine.Change;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.StageException;
import dev.maas.installer.engine.StageIds;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.engine.config.InstallerConfig.EndpointsConfig;
import dev.maas.installer.engine.config.InstallerConfig.IdentityProviderConfig;
import dev.maas.installer.engine.config.InstallerConfig.SsoConfig;
import dev.maas.installer.engine.secrets.SecretRegistry;
import dev.maas.installer.keycloak.KeycloakAdmin;
import dev.maas.installer.keycloak.KeycloakRetry;
import dev.maas.installer.keycloak.RealmConfigurator;
import dev.maas.installer.keycloak.RealmSpec;
import dev.maas.installer.sandbox.KeycloakOperatorSimulator;
import dev.maas.installer.testing.FastRetries;
import dev.maas.installer.testing.FaultProxy;
import dev.maas.installer.testing.FaultProxy.Fault;
import dev.maas.installer.testing.KeycloakServer;
import dev.maas.installer.testing.StartsKeycloak;
import dev.maas.installer.testing.StartsSandbox;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.keycloak.admin.client.Keycloak;
import org.keycloak.admin.client.KeycloakBuilder;
import org.keycloak.representations.idm.ClientRepresentation;
import org.keycloak.representations.idm.IdentityProviderRepresentation;
import org.keycloak.representations.idm.ProtocolMapperRepresentation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The sso stage (and the portal stage's Keycloak write, the redirect URIs) through a seeded fault-injecting proxy in
 * front of the real test Keycloak: 500/502/503, 429, connection resets before the request reached Keycloak and after
 * it (a write applied, its answer lost), 502 after forwarding, slow answers. Every run ends in the clean-run realm
 * state (clients, mappers, identity providers, redirect URIs, compared by name, no duplicates), or stops with a
 * retryable error that names Keycloak and the fix, after which a run without faults converges.
 *
 * <p>One cluster, one simulated RHBK operator and one proxy for the class; every seed configures its own realm.
 */
@StartsKeycloak
@StartsSandbox
class SsoFaultsTest {
    private static final Logger LOG = LoggerFactory.getLogger(SsoFaultsTest.class);
    private static final String DOMAIN = "apps.faults.example.com";
    private static final String IDP_SECRET_ENV = "MAAS_TEST_FAULTS_IDP_SECRET";
    private static final long[] SEEDS = {11, 23, 37, 41, 79};
    /** Each of the six fault kinds hits 6 % of the requests: 36 % in all, 30 % fail. */
    private static final double EACH = 0.06;

    private static KeycloakServer.Endpoint keycloak;
    private static Keycloak harness;
    private static FaultProxy proxy;
    private static SsoSandbox cluster;
    private static final String IDP_SECRET = "idp-secret-" + UUID.randomUUID();
    private static final List<String> realms = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        keycloak = KeycloakServer.get();
        harness = KeycloakBuilder.builder().serverUrl(keycloak.url()).realm("master").clientId("admin-cli")
                .username(keycloak.adminUser()).password(keycloak.adminPassword()).grantType("password").build();
        proxy = new FaultProxy(keycloak.url());
        cluster = SsoSandbox.start(DOMAIN).offer("rhbk-operator", "stable-v26", "stable-v26");
        // the PostgreSQL the stage makes for RHBK runs on the sandbox's default StorageClass
        cluster.startKeycloakOperator(KeycloakOperatorSimulator.Options.of(keycloak.url(), keycloak.adminUser(),
                keycloak.adminPassword()).withSecretPassword(keycloak.adminPassword())
                .withMode(KeycloakOperatorSimulator.Mode.READY));
    }

    @AfterAll
    static void stop() {
        for (String realm : realms) {
            try {
                harness.realm(realm).remove();
            } catch (RuntimeException ignored) {
                // not made
            }
        }
        if (cluster != null) {
            cluster.close();
        }
        if (proxy != null) {
            proxy.close();
        }
        if (harness != null) {
            harness.close();
        }
    }

    private static String newRealm(String tag) {
        String realm = "maas-" + tag + "-" + UUID.randomUUID().toString().substring(0, 6);
        realms.add(realm);
        return realm;
    }

    private static SsoStage stage() {
        return new SsoStage(Duration.ofSeconds(30), Duration.ofSeconds(30),
                name -> IDP_SECRET_ENV.equals(name) ? IDP_SECRET : null, List.of());
    }

    private static StageContext ctx(String realm) {
        IdentityProviderConfig idp = new IdentityProviderConfig("oidc", "corp-sso", "Corporate SSO", "maas-portal",
                IDP_SECRET_ENV, keycloak.url() + "/realms/master");
        InstallerConfig config = new InstallerConfig(null, new EndpointsConfig(proxy.url(), null, null, null),
                new SsoConfig("rhbk", null, realm, null, idp), null, null, null, null, null);
        KubernetesClient client = cluster.client;
        return new StageContext(config, SecretRegistry.global(), new Cancellation())
                .provide(KubernetesClient.class, () -> client)
                .provide(KeycloakRetry.class, () -> FastRetries.keycloak(6));
    }

    /** The realm as the installer leaves it, by name; realm-specific ids left out. Lists keep duplicates. */
    private static Map<String, Object> snapshot(String realm) {
        Map<String, Object> s = new TreeMap<>();
        var r = harness.realm(realm);
        s.put("realm.displayName", r.toRepresentation().getDisplayName());
        s.put("realm.enabled", r.toRepresentation().isEnabled());
        List<ClientRepresentation> clients = r.clients().findAll();
        s.put("clients", clients.stream().map(ClientRepresentation::getClientId).sorted().toList());
        ClientRepresentation c = clients.stream().filter(x -> "3scale".equals(x.getClientId())).findFirst()
                .orElseThrow();
        s.put("3scale.redirectUris", c.getRedirectUris().stream().sorted().toList());
        s.put("3scale.publicClient", c.isPublicClient());
        s.put("3scale.standardFlow", c.isStandardFlowEnabled());
        s.put("3scale.directAccessGrants", c.isDirectAccessGrantsEnabled());
        List<ProtocolMapperRepresentation> mappers = r.clients().get(c.getId()).getProtocolMappers().getMappers();
        s.put("3scale.mappers", mappers.stream().map(ProtocolMapperRepresentation::getName).sorted().toList());
        for (ProtocolMapperRepresentation m : mappers) {
            s.put("mapper." + m.getName(), m.getProtocolMapper() + " " + new TreeMap<>(m.getConfig()));
        }
        List<IdentityProviderRepresentation> idps = r.identityProviders().findAll();
        s.put("idps", idps.stream().map(IdentityProviderRepresentation::getAlias).sorted().toList());
        for (IdentityProviderRepresentation i : idps) {
            Map<String, String> config = new TreeMap<>(i.getConfig());
            config.remove(RealmConfigurator.FINGERPRINT_KEY); // salted: differs per run by design
            config.remove("clientSecret"); // read back masked
            s.put("idp." + i.getAlias(), i.getProviderId() + " " + i.getDisplayName() + " " + i.isTrustEmail() + " "
                    + config);
        }
        return s;
    }

    private static Map<String, Object> cleanState;

    /** The realm a run without faults leaves (the sso stage, with the client's exact redirect URIs); made once. */
    private static synchronized Map<String, Object> cleanRunState() {
        if (cleanState == null) {
            proxy.setRates(FaultProxy.Rates.none());
            String clean = newRealm("clean");
            stage().apply(ctx(clean), null);
            cleanState = snapshot(clean);
            assertThat((List<?>) cleanState.get("3scale.mappers")).hasSize(2);
            assertThat(cleanState.get("idps")).isEqualTo(List.of("corp-sso"));
        }
        return cleanState;
    }

    private static void assertRetryable(StageException e) {
        assertThat(e.invalidInput()).as("retryable, not bad input: %s", e.getMessage()).isFalse();
        assertThat(e.getMessage()).contains("Keycloak").contains(proxy.url());
        assertThat(e.fix()).isNotNull();
        assertThat(e.fix().kind()).isEqualTo(Fix.Kind.STAGE);
        assertThat(e.fix().target()).isEqualTo(StageIds.SSO);
        assertThat(e.describe()).contains("maas-installer apply --stage sso").contains("Keycloak pods");
    }

    @Test
    void seededFaultsEndInTheCleanRunStateOrARetryableErrorNeverADuplicate() {
        Map<String, Object> expected = cleanRunState();

        Map<Fault, Integer> total = new EnumMap<>(Fault.class);
        int writesHitAfterForwarding = 0;
        int stopped = 0;
        List<String> report = new ArrayList<>();
        for (long seed : SEEDS) {
            String realm = newRealm("s" + seed);
            proxy.clearLog();
            proxy.setRates(FaultProxy.Rates.all(seed, EACH, Duration.ofMillis(150)));
            String outcome = "converged";
            try {
                stage().apply(ctx(realm), null);
            } catch (StageException e) {
                assertRetryable(e);
                outcome = "stopped: " + e.getMessage();
                stopped++;
            }
            List<FaultProxy.Seen> seen = proxy.log();
            proxy.setRates(FaultProxy.Rates.none());
            seen.forEach(x -> total.merge(x.fault(), 1, Integer::sum));
            long after = seen.stream().filter(x -> x.method().equals("POST") && !x.path().contains("/token")
                    && (x.fault() == Fault.RESET_AFTER || x.fault() == Fault.ERROR_AFTER)).count();
            writesHitAfterForwarding += (int) after;
            report.add("seed " + seed + ": " + seen.size() + " requests, faults " + countsOf(seen)
                    + ", admin-API POSTs answered lost/5xx after Keycloak applied them: " + after + ", " + outcome);

            if (!outcome.equals("converged")) {
                stage().apply(ctx(realm), null); // the rerun the error asks for, without faults
            }
            assertThat(snapshot(realm)).as("seed %d ends like a clean run", seed).isEqualTo(expected);
            List<Change> again = stage().apply(ctx(realm), null);
            assertThat(again).as("seed %d: a further run changes nothing", seed).allMatch(Change::isNoop);
        }
        report.forEach(LOG::info);
        LOG.info("SsoFaultsTest: {} seeds, faults injected {}, writes applied but answer lost: {}, stopped with a"
                + " retryable error: {}", SEEDS.length, total, writesHitAfterForwarding, stopped);
        assertThat(total.getOrDefault(Fault.RESET_AFTER, 0)).isPositive();
        assertThat(total.getOrDefault(Fault.RESET_BEFORE, 0)).isPositive();
        assertThat(total.getOrDefault(Fault.TOO_MANY, 0)).isPositive();
        assertThat(total.getOrDefault(Fault.ERROR, 0)).isPositive();
        assertThat(total.getOrDefault(Fault.SLOW, 0)).isPositive();
        assertThat(writesHitAfterForwarding).as("the dangerous case (a create applied, its answer lost) happened")
                .isPositive();
    }

    @Test
    void anOutageOfMapperWritesStopsWithARetryableErrorAndARerunConverges() {
        Map<String, Object> expected = cleanRunState();

        String realm = newRealm("outage");
        proxy.setOutage((method, path) -> method.equals("POST") && path.endsWith("/protocol-mappers/models"), 503);
        try {
            assertThatThrownBy(() -> stage().apply(ctx(realm), null))
                    .isInstanceOfSatisfying(StageException.class, e -> {
                        assertRetryable(e);
                        assertThat(e.getMessage()).contains("answered HTTP 503 6 times")
                                .contains("create mapper " + realm + "/3scale/");
                    });
        } finally {
            proxy.setOutage(null, 0);
        }
        assertThat(harness.realm(realm).clients().findByClientId("3scale")).as("the client was made").hasSize(1);
        stage().apply(ctx(realm), null);
        assertThat(snapshot(realm)).isEqualTo(expected);
    }

    private static Map<Fault, Integer> countsOf(List<FaultProxy.Seen> seen) {
        Map<Fault, Integer> m = new EnumMap<>(Fault.class);
        seen.forEach(x -> m.merge(x.fault(), 1, Integer::sum));
        return m;
    }
}
