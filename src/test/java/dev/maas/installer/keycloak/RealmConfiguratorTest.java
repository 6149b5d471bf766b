package dev.maas.installer.keycloak;

import com.fasterxml.jackson.databind.JsonNode;
import dev.maas.installer.engine.Action;
import dev.maas.installer.engine.Cancellation;
import dev.maas.installer.engine.Change;
import dev.maas.installer.engine.Check;
import dev.maas.installer.engine.CheckStatus;
import dev.maas.installer.engine.FieldChange;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.Progress;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.StageException;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.engine.secrets.SecretRegistry;
import dev.maas.installer.testing.KeycloakServer;
import dev.maas.installer.testing.LogCapture;
import dev.maas.installer.testing.RequestRecorder;
import dev.maas.installer.testing.StartsKeycloak;
import jakarta.ws.rs.core.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.keycloak.admin.client.resource.RealmResource;
import org.keycloak.representations.idm.ClientRepresentation;
import org.keycloak.representations.idm.CredentialRepresentation;
import org.keycloak.representations.idm.IdentityProviderRepresentation;
import org.keycloak.representations.idm.ProtocolMapperRepresentation;
import org.keycloak.representations.idm.RealmRepresentation;
import org.keycloak.representations.idm.UserRepresentation;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static dev.maas.installer.keycloak.KeycloakTestSupport.PORTAL_HOST;
import static dev.maas.installer.keycloak.KeycloakTestSupport.claims;
import static dev.maas.installer.keycloak.KeycloakTestSupport.connect;
import static dev.maas.installer.keycloak.KeycloakTestSupport.passwordGrant;
import static dev.maas.installer.keycloak.KeycloakTestSupport.spec;
import static dev.maas.installer.keycloak.KeycloakTestSupport.uniqueRealm;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** RealmConfigurator against a real Keycloak 26 (started once per test JVM by KeycloakServer). */
@StartsKeycloak
class RealmConfiguratorTest {
    private final RequestRecorder recorder = new RequestRecorder();
    /** The run the configurator works in; nothing of it but the cancellation is read. */
    private final StageContext ctx = new StageContext(InstallerConfig.defaults(), SecretRegistry.global(),
            new Cancellation());
    private final AtomicReference<String> idpSecret = new AtomicReference<>("idp-secret-" + System.nanoTime());
    private KeycloakAdmin admin;

    /** The Keycloak the tests run against. */
    KeycloakServer.Endpoint server() {
        return KeycloakServer.get();
    }

    @BeforeEach
    void connectAdmin() {
        admin = connect(server(), recorder);
    }

    @AfterEach
    void closeAdmin() {
        admin.close();
    }

    private RealmConfigurator configurator(String realm) {
        return new RealmConfigurator(admin, spec(server(), realm, idpSecret::get));
    }

    @Test
    void applyCreatesEverythingAndASecondApplySendsNoWriteRequest() {
        String realm = uniqueRealm("create");
        RealmConfigurator configurator = configurator(realm);

        List<Change> plan = configurator.plan(ctx);
        assertThat(plan).extracting(Change::action).containsOnly(Action.CREATE);
        assertThat(plan).extracting(Change::kind)
                .containsExactly("realm", "client", "protocol mapper", "protocol mapper", "identity provider");
        assertThat(recorder.writes()).as("plan only reads").isEmpty();

        List<String> steps = new ArrayList<>();
        List<Change> applied = configurator.apply(ctx, (n, of, message) -> steps.add(n + "/" + of + " " + message));
        assertThat(applied).extracting(Change::action).containsOnly(Action.CREATE);
        assertThat(steps).containsExactly("1/5 Realm " + realm, "2/5 Client 3scale",
                "3/5 Protocol mapper email verified of client 3scale", "4/5 Protocol mapper org_name of client 3scale",
                "5/5 Identity provider corp-sso");
        assertThat(recorder.writes()).extracting(RequestRecorder.Request::method).containsOnly("POST").hasSize(5);

        RealmResource r = admin.realm(realm);
        RealmRepresentation realmRep = r.toRepresentation();
        assertThat(realmRep.getDisplayName()).isEqualTo("MaaS on RHOAI");
        assertThat(realmRep.isEnabled()).isTrue();

        ClientRepresentation client = r.clients().findByClientId("3scale").get(0);
        assertThat(client.getProtocol()).isEqualTo("openid-connect");
        assertThat(client.isPublicClient()).isFalse();
        assertThat(client.isBearerOnly()).isFalse();
        assertThat(client.getClientAuthenticatorType()).isEqualTo("client-secret");
        assertThat(client.isStandardFlowEnabled()).isTrue();
        assertThat(client.isImplicitFlowEnabled()).isFalse();
        assertThat(client.isDirectAccessGrantsEnabled()).isFalse();
        assertThat(client.isServiceAccountsEnabled()).isFalse();
        assertThat(client.getAttributes()).containsEntry("oauth2.device.authorization.grant.enabled", "false");
        assertThat(client.getRedirectUris()).containsExactly("https://" + PORTAL_HOST + "/auth/keycloak/callback");

        List<ProtocolMapperRepresentation> mappers = r.clients().get(client.getId()).getProtocolMappers().getMappers();
        ProtocolMapperRepresentation builtin = admin.client().serverInfo().getInfo().getBuiltinProtocolMappers()
                .get("openid-connect").stream().filter(m -> m.getName().equals("email verified")).findFirst()
                .orElseThrow();
        ProtocolMapperRepresentation emailVerified = mappers.stream()
                .filter(m -> m.getName().equals("email verified")).findFirst().orElseThrow();
        assertThat(emailVerified.getProtocolMapper()).isEqualTo(builtin.getProtocolMapper())
                .isEqualTo("oidc-usermodel-property-mapper");
        assertThat(emailVerified.getConfig()).containsAllEntriesOf(builtin.getConfig())
                .containsEntry("claim.name", "email_verified").containsEntry("jsonType.label", "boolean");
        ProtocolMapperRepresentation orgName = mappers.stream().filter(m -> m.getName().equals("org_name"))
                .findFirst().orElseThrow();
        assertThat(orgName.getProtocolMapper()).isEqualTo("oidc-usermodel-attribute-mapper");
        assertThat(orgName.getConfig()).containsEntry("user.attribute", "email").containsEntry("claim.name", "org_name")
                .containsEntry("jsonType.label", "String").containsEntry("id.token.claim", "true")
                .containsEntry("access.token.claim", "true").containsEntry("userinfo.token.claim", "true");

        IdentityProviderRepresentation idp = r.identityProviders().get("corp-sso").toRepresentation();
        assertThat(idp.getProviderId()).isEqualTo("oidc");
        assertThat(idp.getDisplayName()).isEqualTo("Corporate SSO");
        assertThat(idp.isTrustEmail()).isTrue();
        assertThat(idp.isEnabled()).isTrue();
        String issuer = server().url() + "/realms/master";
        assertThat(idp.getConfig()).containsEntry("syncMode", "IMPORT").containsEntry("clientId", "maas-portal")
                .containsEntry("issuer", issuer)
                .containsEntry("authorizationUrl", issuer + "/protocol/openid-connect/auth")
                .containsEntry("tokenUrl", issuer + "/protocol/openid-connect/token")
                .containsEntry("userInfoUrl", issuer + "/protocol/openid-connect/userinfo")
                .containsEntry("jwksUrl", issuer + "/protocol/openid-connect/certs")
                .containsKey(RealmConfigurator.FINGERPRINT_KEY);
        assertThat(idp.getConfig().get("clientSecret")).isNotEqualTo(idpSecret.get());

        // second apply: everything NOOP and not a single write request
        recorder.clear();
        List<Change> again = configurator.apply(ctx, Progress.NONE);
        assertThat(again).allMatch(Change::isNoop);
        assertThat(recorder.writes()).isEmpty();
        assertThat(recorder.all()).isNotEmpty(); // it did look

        // and a new configurator (new run) agrees
        recorder.clear();
        assertThat(configurator(realm).apply(ctx, Progress.NONE)).allMatch(Change::isNoop);
        assertThat(recorder.writes()).isEmpty();

        assertThat(configurator.verify(ctx)).allMatch(c -> c.status() == CheckStatus.OK)
                .anyMatch(c -> c.name().contains("discovery document"));
    }

    @Test
    void aClientChangedByHandShowsInVerifyAndPlanAndApplyRepairsIt() {
        String realm = uniqueRealm("drift");
        RealmConfigurator configurator = configurator(realm);
        configurator.apply(ctx, Progress.NONE);

        RealmResource r = admin.realm(realm);
        ClientRepresentation client = r.clients().findByClientId("3scale").get(0);
        client.setDirectAccessGrantsEnabled(true);
        r.clients().get(client.getId()).update(client);

        List<Check> checks = configurator.verify(ctx);
        assertThat(checks).filteredOn(c -> c.name().startsWith("client"))
                .singleElement().satisfies(c -> {
                    assertThat(c.status()).isEqualTo(CheckStatus.FAILED_RETRYABLE);
                    assertThat(c.message()).contains("directAccessGrantsEnabled");
                    assertThat(c.fix().kind()).isEqualTo(Fix.Kind.STAGE);
                    assertThat(c.fix().target()).isEqualTo("sso");
                });

        Change clientChange = configurator.plan(ctx).stream().filter(c -> c.kind().equals("client")).findFirst()
                .orElseThrow();
        assertThat(clientChange.action()).isEqualTo(Action.UPDATE);
        assertThat(clientChange.fields()).containsOnlyKeys("directAccessGrantsEnabled");
        assertThat(clientChange.fields().get("directAccessGrantsEnabled")).isEqualTo(new FieldChange("true", "false"));

        recorder.clear();
        List<Change> applied = configurator.apply(ctx, Progress.NONE);
        assertThat(applied).filteredOn(c -> !c.isNoop()).extracting(Change::kind).containsExactly("client");
        assertThat(recorder.writes()).singleElement().satisfies(w -> {
            assertThat(w.method()).isEqualTo("PUT");
            assertThat(w.path()).endsWith("/clients/" + client.getId());
        });
        assertThat(r.clients().get(client.getId()).toRepresentation().isDirectAccessGrantsEnabled()).isFalse();
        assertThat(configurator.verify(ctx)).allMatch(c -> c.status().passes());
    }

    @Test
    void aTokenForATestUserCarriesOrgNameAndEmailVerified() throws Exception {
        String realm = uniqueRealm("token");
        RealmConfigurator configurator = configurator(realm);
        configurator.apply(ctx, Progress.NONE);
        RealmResource r = admin.realm(realm);

        UserRepresentation user = new UserRepresentation();
        user.setUsername("alice");
        user.setEmail("alice@acme.example");
        user.setEmailVerified(true);
        user.setFirstName("Alice");
        user.setLastName("Tester");
        user.setEnabled(true);
        CredentialRepresentation password = new CredentialRepresentation();
        password.setType(CredentialRepresentation.PASSWORD);
        password.setValue("alice-Pa55word");
        password.setTemporary(false);
        user.setCredentials(List.of(password));
        try (Response created = r.users().create(user)) {
            assertThat(created.getStatus()).isEqualTo(201);
        }

        String secret = configurator.clientSecret();
        assertThat(secret).isNotBlank();
        assertThat(SecretRegistry.global().redact("s=" + secret)).isEqualTo("s=" + SecretRegistry.MASK);

        // The client is standard-flow only: the password grant is refused ...
        var refused = passwordGrant(server(), realm, "3scale", secret, "alice", "alice-Pa55word");
        assertThat(refused.getKey()).isEqualTo(400);
        assertThat(refused.getValue().path("error").asText()).isEqualTo("unauthorized_client");

        // ... so turn on direct access grants by hand for the test, take a token, and let apply repair it.
        ClientRepresentation client = r.clients().findByClientId("3scale").get(0);
        client.setDirectAccessGrantsEnabled(true);
        r.clients().get(client.getId()).update(client);
        var granted = passwordGrant(server(), realm, "3scale", secret, "alice", "alice-Pa55word");
        assertThat(granted.getKey()).as(granted.getValue().toString()).isEqualTo(200);
        for (String tokenField : List.of("id_token", "access_token")) {
            JsonNode claims = claims(granted.getValue().path(tokenField).asText());
            assertThat(claims.path("org_name").asText()).as(tokenField).isEqualTo("alice@acme.example");
            assertThat(claims.path("email_verified").isBoolean()).as(tokenField).isTrue();
            assertThat(claims.path("email_verified").asBoolean()).as(tokenField).isTrue();
        }

        configurator.apply(ctx, Progress.NONE);
        assertThat(passwordGrant(server(), realm, "3scale", secret, "alice", "alice-Pa55word").getKey()).isEqualTo(400);
    }

    @Test
    void aNewIdentityProviderSecretIsDetectedAndSentWithTheFullRepresentation() {
        String realm = uniqueRealm("idp");
        RealmConfigurator first = configurator(realm);
        first.apply(ctx, Progress.NONE);
        IdentityProviderRepresentation before = admin.realm(realm).identityProviders().get("corp-sso")
                .toRepresentation();

        idpSecret.set("rotated-idp-secret-" + System.nanoTime());
        RealmConfigurator second = configurator(realm);
        Change planned = second.plan(ctx).stream().filter(c -> c.kind().equals("identity provider")).findFirst()
                .orElseThrow();
        assertThat(planned.action()).isEqualTo(Action.UPDATE);
        assertThat(planned.fields()).containsOnlyKeys("config.clientSecret");
        assertThat(planned.fields().get("config.clientSecret")).isEqualTo(FieldChange.secret(true, true));

        recorder.clear();
        second.apply(ctx, Progress.NONE);
        assertThat(recorder.writes()).singleElement().satisfies(w -> {
            assertThat(w.method()).isEqualTo("PUT");
            assertThat(w.path()).endsWith("/identity-provider/instances/corp-sso");
        });
        IdentityProviderRepresentation after = admin.realm(realm).identityProviders().get("corp-sso")
                .toRepresentation();
        assertThat(after.getInternalId()).isEqualTo(before.getInternalId());
        assertThat(after.getConfig()).containsEntry("tokenUrl", before.getConfig().get("tokenUrl"))
                .containsEntry("syncMode", "IMPORT");
        assertThat(RealmConfigurator.fingerprintMatches(after.getConfig().get(RealmConfigurator.FINGERPRINT_KEY),
                idpSecret.get())).isTrue();

        recorder.clear();
        assertThat(configurator(realm).apply(ctx, Progress.NONE)).allMatch(Change::isNoop);
        assertThat(recorder.writes()).isEmpty();
    }

    @Test
    void anIdentityProviderChangedByHandIsRepairedKeepingWhatWeDoNotManage() {
        String realm = uniqueRealm("idphand");
        RealmConfigurator configurator = configurator(realm);
        configurator.apply(ctx, Progress.NONE);
        var idpResource = admin.realm(realm).identityProviders().get("corp-sso");
        IdentityProviderRepresentation rep = idpResource.toRepresentation();
        rep.setTrustEmail(false);
        rep.getConfig().put("syncMode", "FORCE");
        rep.getConfig().put("guiOrder", "7"); // not ours: must survive
        // the masked secret as read is sent back: Keycloak keeps the stored one
        idpResource.update(rep);

        Change planned = configurator.plan(ctx).stream().filter(c -> c.kind().equals("identity provider")).findFirst()
                .orElseThrow();
        assertThat(planned.fields()).containsOnlyKeys("trustEmail", "config.syncMode");

        configurator.apply(ctx, Progress.NONE);
        IdentityProviderRepresentation repaired = idpResource.toRepresentation();
        assertThat(repaired.isTrustEmail()).isTrue();
        assertThat(repaired.getConfig()).containsEntry("syncMode", "IMPORT").containsEntry("guiOrder", "7")
                .containsKey("clientSecret");
        recorder.clear();
        assertThat(configurator.apply(ctx, Progress.NONE)).allMatch(Change::isNoop);
        assertThat(recorder.writes()).isEmpty();
    }

    @Test
    void theRedirectUrisAreExactlyThePortalsCallbackOrAnyAndAHandEditIsRepaired() {
        String realm = uniqueRealm("redirect");
        RealmSpec any = new RealmSpec(realm, null, null, "any", null);
        new RealmConfigurator(admin, any).apply(ctx, Progress.NONE);
        ClientRepresentation client = admin.realm(realm).clients().findByClientId("3scale").get(0);
        assertThat(client.getRedirectUris()).containsExactly("*");

        // switching to the portal policy narrows it to the developer portal's sign-in callback
        RealmConfigurator portal = new RealmConfigurator(admin, new RealmSpec(realm, null, PORTAL_HOST, "portal", null));
        Change change = portal.plan(ctx).stream().filter(c -> c.kind().equals("client")).findFirst().orElseThrow();
        assertThat(change.fields()).containsOnlyKeys("redirectUris");
        portal.apply(ctx, Progress.NONE);
        List<String> callback = List.of("https://" + PORTAL_HOST + "/auth/keycloak/callback");
        assertThat(admin.realm(realm).clients().get(client.getId()).toRepresentation().getRedirectUris())
                .containsExactlyElementsOf(callback);
        recorder.clear();
        assertThat(portal.apply(ctx, Progress.NONE)).allMatch(Change::isNoop);
        assertThat(recorder.writes()).isEmpty();

        // the stage owns them: a hand edit, even one under the portal's host, is drift that apply repairs
        for (List<String> edited : List.of(List.of("https://evil.example.com/*"), List.of("https://" + PORTAL_HOST
                + "/*"))) {
            ClientRepresentation live = admin.realm(realm).clients().get(client.getId()).toRepresentation();
            live.setRedirectUris(edited);
            admin.realm(realm).clients().get(client.getId()).update(live);
            assertThat(portal.verify(ctx)).anySatisfy(c -> {
                assertThat(c.name()).isEqualTo("client " + realm + "/3scale");
                assertThat(c.status().passes()).isFalse();
                assertThat(c.message()).contains("redirectUris");
            });
            portal.apply(ctx, Progress.NONE);
            assertThat(admin.realm(realm).clients().get(client.getId()).toRepresentation().getRedirectUris())
                    .as("after a hand edit to %s", edited).containsExactlyElementsOf(callback);
        }
    }

    @Test
    void anInvalidRealmNameFailsClearlyBeforeAnyRequest() {
        recorder.clear();
        for (String bad : List.of("bad realm!", "", "-dash", "master")) {
            RealmConfigurator configurator = configurator(bad);
            assertThatThrownBy(() -> configurator.apply(ctx, Progress.NONE))
                    .isInstanceOfSatisfying(StageException.class, e -> {
                        assertThat(e.invalidInput()).isTrue();
                        assertThat(e.getMessage()).contains("is not a valid realm name");
                        assertThat(e.fix().target()).isEqualTo("sso.realm");
                    });
        }
        assertThat(recorder.all()).as("nothing sent at all").isEmpty();
    }

    @Test
    void aMissingIdentityProviderSecretOrABadIssuerLeavesNothingHalfMade() {
        String realm = uniqueRealm("nosecret");
        idpSecret.set(null);
        assertThatThrownBy(() -> configurator(realm).apply(ctx, Progress.NONE))
                .isInstanceOfSatisfying(StageException.class, e -> {
                    assertThat(e.invalidInput()).isTrue();
                    assertThat(e.getMessage()).contains("MAAS_IDP_CLIENT_SECRET");
                    assertThat(e.fix().target()).isEqualTo("sso.identityProvider.clientSecretEnv");
                });

        idpSecret.set("some-idp-secret");
        RealmSpec.IdentityProvider badIssuer = new RealmSpec.IdentityProvider("oidc", "corp", null, "maas",
                idpSecret::get, null, server().url() + "/realms/no-such-realm", null, null, null, null);
        assertThatThrownBy(() -> new RealmConfigurator(admin, new RealmSpec(realm, null, PORTAL_HOST, "portal",
                badIssuer)).apply(ctx, Progress.NONE))
                .isInstanceOfSatisfying(StageException.class, e -> {
                    assertThat(e.getMessage()).contains("discovery document").contains("HTTP 404");
                    assertThat(e.fix().target()).isEqualTo("sso.identityProvider.issuer");
                });

        assertThat(recorder.writes()).isEmpty();
        assertThat(admin.client().realms().findAll()).extracting(RealmRepresentation::getRealm).doesNotContain(realm);
    }

    @Test
    void noSecretEverReachesTheLogs() throws Exception {
        String realm = uniqueRealm("logs");
        List<String> hubLines = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<String> secrets = new ArrayList<>(List.of(server().adminPassword()));
        // RAW capture: our code at DEBUG, the libraries as configured (logback.xml) -> nothing secret is ever logged.
        try (LogCapture raw = new LogCapture("dev.maas.installer", "org.keycloak")) {
            exerciseEverything(realm, secrets);
            assertThat(raw.lines()).as("something was logged").isNotEmpty();
            for (String secret : secrets) {
                assertThat(raw.text()).doesNotContain(secret);
            }
        }
        // With even the HTTP wire log on (request bodies: the login form, the IdP secret), what the installer shows
        // and keeps (LogHub -> UI, run log) is redacted.
        try (LogCapture wire = new LogCapture("dev.maas.installer", "org.keycloak", "org.apache.http");
             AutoCloseable hub = dev.maas.installer.engine.logging.LogHub.subscribe(l -> hubLines.add(l.message()))) {
            exerciseEverything(uniqueRealm("wire"), secrets);
            assertThat(wire.text()).as("the wire log does carry the secrets").contains(secrets.get(0));
            String shown = String.join("\n", hubLines);
            assertThat(shown).contains("clientSecret").contains("password=" + SecretRegistry.MASK);
            for (String secret : secrets) {
                assertThat(shown).doesNotContain(secret);
            }
        }
    }

    private void exerciseEverything(String realm, List<String> secrets) {
        RealmConfigurator configurator = configurator(realm);
        configurator.plan(ctx);
        configurator.apply(ctx, Progress.NONE);
        configurator.verify(ctx);
        secrets.add(configurator.clientSecret());
        idpSecret.set("rotated+idp/secret=" + System.nanoTime());
        secrets.add(idpSecret.get());
        configurator(realm).apply(ctx, Progress.NONE);
        try (KeycloakAdmin again = connect(server(), new RequestRecorder())) {
            assertThat(again.serverUrl()).isEqualTo(server().url());
        }
        // a token request with the client secret, as the 3scale side will do
        try {
            passwordGrant(server(), realm, "3scale", secrets.get(secrets.size() - 2), "nobody", "x");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aGithubIdentityProviderIsCreatedOnceFromTheConfig() {
        String realm = uniqueRealm("github");
        var idpConfig = new dev.maas.installer.engine.config.InstallerConfig.IdentityProviderConfig("github", null,
                null, "gh-client-id", "MAAS_GH_SECRET", null);
        var sso = new dev.maas.installer.engine.config.InstallerConfig.SsoConfig(null, null, realm, null, idpConfig);
        RealmSpec spec = RealmSpec.from(sso, PORTAL_HOST, Map.of("MAAS_GH_SECRET", "gh-secret-" + System.nanoTime())::get);
        new RealmConfigurator(admin, spec).apply(ctx, Progress.NONE);
        IdentityProviderRepresentation idp = admin.realm(realm).identityProviders().get("github").toRepresentation();
        assertThat(idp.getProviderId()).isEqualTo("github");
        assertThat(idp.isTrustEmail()).isTrue();
        assertThat(idp.getConfig()).containsEntry("clientId", "gh-client-id").containsEntry("syncMode", "IMPORT")
                .doesNotContainKey("issuer");
        recorder.clear();
        assertThat(new RealmConfigurator(admin, spec).apply(ctx, Progress.NONE)).allMatch(Change::isNoop);
        assertThat(recorder.writes()).isEmpty();
    }

    @Test
    void anObjectThatCannotBeReadIsItsOwnFailedCheckAndTheOthersAreStillChecked() {
        String realm = uniqueRealm("unreadable");
        configurator(realm).apply(ctx, Progress.NONE);
        // Keycloak refuses to list the realm's identity providers, and only that
        jakarta.ws.rs.client.ClientRequestFilter refuseIdps = request -> {
            if (request.getMethod().equals("GET")
                    && request.getUri().getPath().endsWith("/identity-provider/instances")) {
                request.abortWith(Response.status(403).build());
            }
        };
        try (KeycloakAdmin refused = KeycloakAdmin.connect(server().url(), KeycloakTestSupport.credentials(server()),
                null, List.of(refuseIdps))) {
            List<Check> checks = new RealmConfigurator(refused, spec(server(), realm, idpSecret::get)).verify(ctx);
            assertThat(checks).filteredOn(c -> !c.status().passes()).singleElement().satisfies(c -> {
                assertThat(c.name()).isEqualTo("identity provider " + realm + "/corp-sso");
                assertThat(c.message()).contains("Keycloak refused to read identity provider").contains("HTTP 403");
            });
            assertThat(checks).filteredOn(c -> c.status() == CheckStatus.OK).extracting(Check::name)
                    .contains("realm " + realm, "client " + realm + "/3scale",
                            "protocol mapper " + realm + "/3scale/email verified",
                            "protocol mapper " + realm + "/3scale/org_name");
        }
    }

    @Test
    void verifyOnAMissingRealmSaysWhatIsMissingAndACancelledApplyWritesNothing() {
        String realm = uniqueRealm("missing");
        List<Check> checks = configurator(realm).verify(ctx);
        assertThat(checks).allMatch(c -> c.status() == CheckStatus.FAILED_RETRYABLE);
        assertThat(checks).filteredOn(c -> c.name().startsWith("realm " + realm + " discovery")).singleElement()
                .satisfies(c -> assertThat(c.message()).contains("HTTP 404"));
        assertThat(checks).filteredOn(c -> c.message().equals("missing")).extracting(Check::name)
                .contains("realm " + realm, "client " + realm + "/3scale", "identity provider " + realm + "/corp-sso");

        dev.maas.installer.engine.Cancellation cancelled = new dev.maas.installer.engine.Cancellation();
        cancelled.cancel();
        StageContext cancelledRun = new StageContext(InstallerConfig.defaults(), SecretRegistry.global(), cancelled);
        assertThatThrownBy(() -> configurator(realm).apply(cancelledRun, Progress.NONE))
                .isInstanceOf(dev.maas.installer.engine.CancelledException.class);
        assertThat(recorder.writes()).isEmpty();
    }

    @Test
    void theSpecIsBuiltFromTheInstallerConfig() {
        var idpConfig = new dev.maas.installer.engine.config.InstallerConfig.IdentityProviderConfig("github", null,
                null, "gh-client", "MY_GH_SECRET", null);
        var sso = new dev.maas.installer.engine.config.InstallerConfig.SsoConfig(null, null, "maas", null, idpConfig);
        RealmSpec spec = RealmSpec.from(sso, RealmSpec.portalHost("maas", "apps.example.com"),
                Map.of("MY_GH_SECRET", "gh-secret-value")::get);
        assertThat(spec.realm()).isEqualTo("maas");
        assertThat(spec.displayName()).isEqualTo("MaaS on RHOAI");
        assertThat(spec.redirectUris()).containsExactly("https://maas.apps.example.com/auth/keycloak/callback");
        assertThat(spec.identityProvider().alias()).isEqualTo("github");
        assertThat(spec.identityProvider().displayName()).isEqualTo("GitHub");
        assertThat(spec.identityProvider().clientSecret().get()).isEqualTo("gh-secret-value");
        assertThat(spec.identityProvider().toString()).doesNotContain("gh-secret-value");
    }
}
