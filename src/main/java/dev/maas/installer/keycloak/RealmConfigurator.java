package dev.maas.installer.keycloak;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.maas.installer.engine.Action;
import dev.maas.installer.engine.Cancellation;
import dev.maas.installer.engine.Change;
import dev.maas.installer.engine.Check;
import dev.maas.installer.engine.FieldChange;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.Progress;
import dev.maas.installer.engine.StageException;
import dev.maas.installer.engine.StageIds;
import dev.maas.installer.engine.TargetSystem;
import dev.maas.installer.engine.secrets.SecretRegistry;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import org.keycloak.admin.client.resource.ClientResource;
import org.keycloak.admin.client.resource.RealmResource;
import org.keycloak.representations.idm.ClientRepresentation;
import org.keycloak.representations.idm.IdentityProviderRepresentation;
import org.keycloak.representations.idm.ProtocolMapperRepresentation;
import org.keycloak.representations.idm.RealmRepresentation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Configures one realm of a Keycloak / RH-SSO server for MaaS, idempotently: the realm, the confidential client
 * {@code 3scale} with its two protocol mappers ("email verified" as Keycloak's builtin, {@code org_name}), and the
 * identity provider. Objects are found by natural key (realm name, clientId, mapper name, IdP alias); only fields
 * that differ are written, a second {@link #apply} sends no write request, and nothing is ever deleted.
 *
 * <p>Everything that can fail on input (realm name, redirect host, IdP secret, the OIDC issuer's discovery document,
 * the builtin mapper definition) is resolved before the first write, so bad input leaves nothing half made.
 *
 * <h2>Identity provider secrets</h2>
 * Keycloak never returns an IdP client secret (it reads back as {@code **********}), and updating an IdP replaces it
 * whole. So the configurator stores, next to the secret, a salted PBKDF2-SHA256 fingerprint of the secret it sent, in
 * the IdP config key {@value #FINGERPRINT_KEY}. On plan/apply/verify it derives the fingerprint of the current secret
 * with the stored salt: equal means the secret is unchanged; different or missing (an IdP made by hand or by an older
 * run) means "secret changed", and the update sends the full representation with the real secret and a new
 * fingerprint. Any update of the IdP, for whatever field, always sends the real secret too.
 */
public final class RealmConfigurator {
    private static final Logger LOG = LoggerFactory.getLogger(RealmConfigurator.class);

    public static final String FINGERPRINT_KEY = "maas.clientSecretFingerprint";
    public static final String EMAIL_VERIFIED_MAPPER = "email verified";
    public static final String ORG_NAME_MAPPER = "org_name";
    static final String DEVICE_GRANT = "oauth2.device.authorization.grant.enabled";
    static final String KEYCLOAK_MASK = "**********";
    private static final int PBKDF2_ITERATIONS = 60_000;

    private final KeycloakAdmin admin;
    private final RealmSpec spec;
    private final ObjectMapper json = new ObjectMapper();

    /** Resolved lazily, once: IdP endpoints from discovery, the builtin mapper, the IdP secret. */
    private Map<String, String> oidcEndpoints;
    private ProtocolMapperRepresentation builtinEmailVerified;
    private String idpSecret;

    public RealmConfigurator(KeycloakAdmin admin, RealmSpec spec) {
        this.admin = Objects.requireNonNull(admin, "admin");
        this.spec = Objects.requireNonNull(spec, "spec");
    }

    /** Without a Keycloak: only {@link #planForNewKeycloak} makes one, and it never asks. */
    private RealmConfigurator(RealmSpec spec) {
        this.admin = null;
        this.spec = Objects.requireNonNull(spec, "spec");
    }

    /**
     * What {@link #apply} makes on a Keycloak that has no realm yet (one that is not installed or not reachable yet):
     * the plan the same code gives for a missing realm, without a request. The "email verified" mapper is planned
     * as Keycloak ships it, and an OIDC identity provider without the endpoints its discovery document gives at
     * apply.
     */
    public static List<Change> planForNewKeycloak(RealmSpec spec) {
        RealmConfigurator nothing = new RealmConfigurator(spec);
        nothing.builtinEmailVerified = knownEmailVerified();
        nothing.oidcEndpoints = Map.of();
        return nothing.run(false, Progress.NONE, null);
    }

    /** Whether there is no Keycloak to read ({@link #planForNewKeycloak}): every object is missing. */
    private boolean noKeycloak() { return admin == null; }

    public RealmSpec spec() { return spec; }

    /** The realm's issuer URL, e.g. {@code https://sso.apps.example.com/realms/maas}. */
    public String realmUrl() { return admin.realmUrl(spec.realm()); }

    /** The admin console link of the realm. */
    public String consoleUrl() { return admin.consoleUrl(spec.realm()); }

    // ------------------------------------------------------------------ plan / apply / verify

    /** What {@link #apply} would do, one Change per object (NOOP when it is as configured). Sends only GETs. */
    public List<Change> plan() {
        prepare();
        return run(false, Progress.NONE, null);
    }

    /**
     * Creates or updates what differs, in order realm, client, mappers, identity provider.
     *
     * @return the changes, NOOP for objects already as configured
     */
    public List<Change> apply(Progress progress, Cancellation cancellation) {
        prepare();
        return run(true, progress == null ? Progress.NONE : progress, cancellation);
    }

    /** Checks the live realm against the spec: discovery document reachable, client, mappers, IdP as configured. */
    public List<Check> verify() {
        List<Check> checks = new ArrayList<>();
        try {
            prepare();
        } catch (StageException e) {
            checks.add(new Check(e.invalidInput() ? dev.maas.installer.engine.CheckStatus.INVALID_INPUT
                    : dev.maas.installer.engine.CheckStatus.FAILED_RETRYABLE, "sso inputs", e.getMessage(), e.fix()));
            return checks;
        }
        checks.add(discoveryCheck());
        for (Change change : run(false, Progress.NONE, null)) {
            String name = change.kind() + " " + change.name();
            if (change.isNoop()) {
                checks.add(Check.ok(name, "as configured"));
            } else if (change.action() == Action.CREATE) {
                checks.add(Check.retryable(name, "missing", Fix.rerunStage(StageIds.SSO, "apply the sso stage")));
            } else {
                checks.add(Check.retryable(name, "differs from the configuration: " + describe(change.fields()),
                        Fix.rerunStage(StageIds.SSO, "apply the sso stage to repair it")));
            }
        }
        return checks;
    }

    private Check discoveryCheck() {
        URI uri = URI.create(realmUrl() + "/.well-known/openid-configuration");
        String name = "realm " + spec.realm() + " discovery document";
        try {
            HttpResponse<Void> r = admin.httpClient().send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(20))
                    .GET().build(), HttpResponse.BodyHandlers.discarding());
            return r.statusCode() == 200 ? Check.ok(name, uri + " answers")
                    : Check.retryable(name, uri + " gave HTTP " + r.statusCode(),
                    Fix.rerunStage(StageIds.SSO, "apply the sso stage (the realm may be missing)"));
        } catch (IOException e) {
            return Check.retryable(name, uri + " is not reachable: " + e.getMessage(),
                    Fix.manual("check that Keycloak runs and its route is reachable"));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Check.retryable(name, "interrupted", Fix.rerunStage(StageIds.SSO, "verify again"));
        }
    }

    private List<Change> run(boolean write, Progress progress, Cancellation cancellation) {
        int steps = spec.identityProvider() == null ? 3 : 4;
        List<Change> changes = new ArrayList<>();
        checkCancel(cancellation);
        progress.step(1, steps, "Realm " + spec.realm());
        Change realmChange = realm(write);
        changes.add(realmChange);
        boolean realmExists = write || realmChange.action() != Action.CREATE;
        checkCancel(cancellation);

        progress.step(2, steps, "Client " + RealmSpec.CLIENT_ID);
        String[] clientId = new String[1];
        changes.add(client(write, realmExists, clientId));
        checkCancel(cancellation);

        progress.step(3, steps, "Protocol mappers of client " + RealmSpec.CLIENT_ID);
        changes.add(mapper(write, clientId[0], emailVerifiedMapper()));
        changes.add(mapper(write, clientId[0], orgNameMapper()));
        checkCancel(cancellation);

        if (spec.identityProvider() != null) {
            progress.step(4, steps, "Identity provider " + spec.identityProvider().alias());
            changes.add(identityProvider(write, realmExists));
        }
        return changes;
    }

    private static void checkCancel(Cancellation cancellation) {
        if (cancellation != null) {
            cancellation.throwIfCancelled();
        }
    }

    /** Validates and resolves every input before the first request that could write. */
    private void prepare() {
        spec.validate();
        RealmSpec.IdentityProvider idp = spec.identityProvider();
        if (idp != null) {
            if (idpSecret == null) {
                idpSecret = idp.requireSecret();
            }
            if (idp.isOidc() && oidcEndpoints == null) {
                oidcEndpoints = resolveOidcEndpoints(idp);
            }
        }
        if (builtinEmailVerified == null) {
            builtinEmailVerified = lookUpBuiltinEmailVerified();
        }
    }

    // ------------------------------------------------------------------ realm

    private Change realm(boolean write) {
        RealmRepresentation live = noKeycloak() ? null : call("read realm " + spec.realm(), this::readRealm);
        if (live == null) {
            Map<String, FieldChange> fields = new LinkedHashMap<>();
            fields.put("realm", FieldChange.of(null, spec.realm()));
            fields.put("displayName", FieldChange.of(null, spec.displayName()));
            fields.put("enabled", FieldChange.of(null, true));
            if (write) {
                RealmRepresentation rep = new RealmRepresentation();
                rep.setRealm(spec.realm());
                rep.setDisplayName(spec.displayName());
                rep.setEnabled(true);
                KeycloakRetry.Created made = create("create realm " + spec.realm(), () -> {
                    admin.client().realms().create(rep);
                    return Response.status(Response.Status.CREATED).build();
                }, () -> Optional.ofNullable(readRealm()).map(RealmRepresentation::getId));
                if (made.found()) {
                    realm(true); // it was there after all (made by our lost request, or by someone else): converge
                } else {
                    LOG.info("Created realm {}", spec.realm());
                }
            }
            return new Change(Action.CREATE, TargetSystem.KEYCLOAK, "realm", spec.realm(), fields);
        }
        Map<String, FieldChange> fields = new LinkedHashMap<>();
        diff(fields, "displayName", live.getDisplayName(), spec.displayName());
        diff(fields, "enabled", live.isEnabled(), Boolean.TRUE);
        if (fields.isEmpty()) {
            return Change.noop(TargetSystem.KEYCLOAK, "realm", spec.realm());
        }
        if (write) {
            RealmRepresentation rep = new RealmRepresentation();
            rep.setRealm(spec.realm());
            rep.setDisplayName(spec.displayName());
            rep.setEnabled(true);
            call("update realm " + spec.realm(), () -> {
                admin.realm(spec.realm()).update(rep);
                return null;
            });
            LOG.info("Updated realm {}: {}", spec.realm(), fields.keySet());
        }
        return new Change(Action.UPDATE, TargetSystem.KEYCLOAK, "realm", spec.realm(), fields);
    }

    private RealmRepresentation readRealm() {
        try {
            return admin.realm(spec.realm()).toRepresentation();
        } catch (NotFoundException e) {
            return null;
        }
    }

    // ------------------------------------------------------------------ client

    private ClientRepresentation findClient(RealmResource realm) {
        List<ClientRepresentation> found = realm.clients().findByClientId(RealmSpec.CLIENT_ID);
        ClientRepresentation client = found == null ? null : found.stream()
                .filter(c -> RealmSpec.CLIENT_ID.equals(c.getClientId())).findFirst().orElse(null);
        if (client != null && client.getSecret() != null) {
            KeycloakAdmin.registerSecret(client.getSecret()); // the representation carries it: mask it everywhere
        }
        return client;
    }

    private Change client(boolean write, boolean realmExists, String[] idOut) {
        String name = spec.realm() + "/" + RealmSpec.CLIENT_ID;
        RealmResource realm = noKeycloak() ? null : admin.realm(spec.realm());
        ClientRepresentation live = realmExists ? call("read client " + name, () -> findClient(realm)) : null;
        if (live == null) {
            ClientRepresentation desired = new ClientRepresentation();
            desired.setClientId(RealmSpec.CLIENT_ID);
            Map<String, FieldChange> fields = new LinkedHashMap<>();
            fields.put("clientId", FieldChange.of(null, RealmSpec.CLIENT_ID));
            applyClientFields(desired, null, fields);
            if (write) {
                KeycloakRetry.Created made = create("create client " + name, () -> realm.clients().create(desired),
                        () -> Optional.ofNullable(findClient(realm)).map(ClientRepresentation::getId));
                idOut[0] = made.id();
                if (made.found()) {
                    client(true, true, idOut); // converge what is there instead of creating a second one
                } else {
                    LOG.info("Created client {}", name);
                }
            }
            return new Change(Action.CREATE, TargetSystem.KEYCLOAK, "client", name, fields);
        }
        idOut[0] = live.getId();
        Map<String, FieldChange> fields = new LinkedHashMap<>();
        applyClientFields(live, live, fields);
        if (fields.isEmpty()) {
            return Change.noop(TargetSystem.KEYCLOAK, "client", name);
        }
        if (write) {
            call("update client " + name, () -> {
                realm.clients().get(live.getId()).update(live);
                return null;
            });
            LOG.info("Updated client {}: {}", name, fields.keySet());
        }
        return new Change(Action.UPDATE, TargetSystem.KEYCLOAK, "client", name, fields);
    }

    /**
     * Sets on {@code target} every client field that differs from the spec, recording each in {@code fields}.
     * {@code live} is null for a new client.
     */
    private void applyClientFields(ClientRepresentation target, ClientRepresentation live,
                                   Map<String, FieldChange> fields) {
        boolean isNew = live == null;
        if (setIfDiffers(fields, "protocol", isNew ? null : live.getProtocol(), "openid-connect", isNew)) {
            target.setProtocol("openid-connect");
        }
        if (setIfDiffers(fields, "enabled", isNew ? null : live.isEnabled(), true, isNew)) {
            target.setEnabled(true);
        }
        if (setIfDiffers(fields, "publicClient", isNew ? null : live.isPublicClient(), false, isNew)) {
            target.setPublicClient(false);
        }
        if (setIfDiffers(fields, "bearerOnly", isNew ? null : orFalse(live.isBearerOnly()), false, isNew)) {
            target.setBearerOnly(false);
        }
        if (setIfDiffers(fields, "clientAuthenticatorType", isNew ? null : live.getClientAuthenticatorType(),
                "client-secret", isNew)) {
            target.setClientAuthenticatorType("client-secret");
        }
        if (setIfDiffers(fields, "standardFlowEnabled", isNew ? null : live.isStandardFlowEnabled(), true, isNew)) {
            target.setStandardFlowEnabled(true);
        }
        if (setIfDiffers(fields, "implicitFlowEnabled", isNew ? null : orFalse(live.isImplicitFlowEnabled()),
                false, isNew)) {
            target.setImplicitFlowEnabled(false);
        }
        if (setIfDiffers(fields, "directAccessGrantsEnabled", isNew ? null : orFalse(live.isDirectAccessGrantsEnabled()),
                false, isNew)) {
            target.setDirectAccessGrantsEnabled(false);
        }
        if (setIfDiffers(fields, "serviceAccountsEnabled", isNew ? null : orFalse(live.isServiceAccountsEnabled()),
                false, isNew)) {
            target.setServiceAccountsEnabled(false);
        }
        String device = isNew || live.getAttributes() == null ? null : live.getAttributes().get(DEVICE_GRANT);
        if (setIfDiffers(fields, "attributes." + DEVICE_GRANT, isNew ? null : (device == null ? "false" : device),
                "false", isNew)) {
            Map<String, String> attributes = target.getAttributes() == null ? new HashMap<>()
                    : new HashMap<>(target.getAttributes());
            attributes.put(DEVICE_GRANT, "false");
            target.setAttributes(attributes);
        }
        // the sso stage owns the redirect URIs: exactly the ones of the spec (the portal stage only reads them)
        List<String> liveUris = isNew || live.getRedirectUris() == null ? List.of() : live.getRedirectUris();
        List<String> desired = spec.redirectUris();
        if (isNew || !new LinkedHashSet<>(liveUris).equals(new LinkedHashSet<>(desired))) {
            fields.put("redirectUris", FieldChange.of(isNew ? null : liveUris, desired));
            target.setRedirectUris(desired);
        }
    }

    private static boolean setIfDiffers(Map<String, FieldChange> fields, String field, Object live, Object desired,
                                        boolean isNew) {
        if (isNew || !Objects.equals(live, desired)) {
            fields.put(field, FieldChange.of(live, desired));
            return true;
        }
        return false;
    }

    private static Boolean orFalse(Boolean b) { return b == null ? Boolean.FALSE : b; }

    /**
     * The client secret of {@code 3scale}, read back from Keycloak and registered as a secret (never logged). For the
     * 3scale stages, and to show the user when asked.
     */
    public String clientSecret() {
        String name = spec.realm() + "/" + RealmSpec.CLIENT_ID;
        RealmResource realm = admin.realm(spec.realm());
        ClientRepresentation live = call("read client " + name, () -> {
            try {
                return findClient(realm);
            } catch (NotFoundException e) {
                return null;
            }
        });
        if (live == null) {
            throw new dev.maas.installer.engine.WaitingForStageException(StageIds.SSO, "client " + name
                    + " does not exist, so it has no secret", Fix.rerunStage(StageIds.SSO, "apply the sso stage first"));
        }
        ClientResource client = realm.clients().get(live.getId());
        String secret = call("read the secret of client " + name, () -> client.getSecret().getValue());
        if (secret == null || secret.isEmpty()) {
            throw new StageException("client " + name + " has no secret (is it confidential?)",
                    Fix.rerunStage(StageIds.SSO, "apply the sso stage to repair the client"));
        }
        return KeycloakAdmin.registerSecret(secret);
    }

    // ------------------------------------------------------------------ mappers

    private ProtocolMapperRepresentation emailVerifiedMapper() {
        ProtocolMapperRepresentation m = new ProtocolMapperRepresentation();
        m.setName(EMAIL_VERIFIED_MAPPER);
        m.setProtocol(builtinEmailVerified.getProtocol());
        m.setProtocolMapper(builtinEmailVerified.getProtocolMapper());
        m.setConfig(new LinkedHashMap<>(builtinEmailVerified.getConfig()));
        return m;
    }

    static ProtocolMapperRepresentation orgNameMapper() {
        ProtocolMapperRepresentation m = new ProtocolMapperRepresentation();
        m.setName(ORG_NAME_MAPPER);
        m.setProtocol("openid-connect");
        m.setProtocolMapper("oidc-usermodel-attribute-mapper");
        Map<String, String> config = new LinkedHashMap<>();
        config.put("user.attribute", "email");
        config.put("claim.name", "org_name");
        config.put("jsonType.label", "String");
        config.put("id.token.claim", "true");
        config.put("access.token.claim", "true");
        config.put("userinfo.token.claim", "true");
        m.setConfig(config);
        return m;
    }

    /**
     * The "email verified" mapper exactly as this server's builtin definition (GET /admin/serverinfo,
     * builtinProtocolMappers); the definition Keycloak 26 and RH-SSO 7.6 ship when the server does not list it.
     */
    private ProtocolMapperRepresentation lookUpBuiltinEmailVerified() {
        try {
            var builtins = admin.call("read the server info", () -> admin.client().serverInfo().getInfo())
                    .getBuiltinProtocolMappers();
            List<ProtocolMapperRepresentation> oidc = builtins == null ? null : builtins.get("openid-connect");
            if (oidc != null) {
                for (ProtocolMapperRepresentation m : oidc) {
                    if (EMAIL_VERIFIED_MAPPER.equals(m.getName()) && m.getConfig() != null) {
                        return m;
                    }
                }
            }
        } catch (WebApplicationException | ProcessingException e) {
            LOG.debug("Could not read the builtin mappers from serverinfo, using the known definition: {}",
                    e.getMessage());
        }
        return knownEmailVerified();
    }

    /** The "email verified" mapper as Keycloak 26 and RH-SSO 7.6 define it. */
    private static ProtocolMapperRepresentation knownEmailVerified() {
        ProtocolMapperRepresentation m = new ProtocolMapperRepresentation();
        m.setName(EMAIL_VERIFIED_MAPPER);
        m.setProtocol("openid-connect");
        m.setProtocolMapper("oidc-usermodel-property-mapper");
        Map<String, String> config = new LinkedHashMap<>();
        config.put("user.attribute", "emailVerified");
        config.put("claim.name", "email_verified");
        config.put("jsonType.label", "boolean");
        config.put("id.token.claim", "true");
        config.put("access.token.claim", "true");
        config.put("userinfo.token.claim", "true");
        m.setConfig(config);
        return m;
    }

    private Change mapper(boolean write, String clientUuid, ProtocolMapperRepresentation desired) {
        String name = spec.realm() + "/" + RealmSpec.CLIENT_ID + "/" + desired.getName();
        if (clientUuid == null) { // client does not exist yet (plan only)
            return new Change(Action.CREATE, TargetSystem.KEYCLOAK, "protocol mapper", name, mapperFields(desired));
        }
        var mappers = admin.realm(spec.realm()).clients().get(clientUuid).getProtocolMappers();
        ProtocolMapperRepresentation live = call("read mappers of client " + RealmSpec.CLIENT_ID,
                () -> mappers.getMappers().stream().filter(m -> desired.getName().equals(m.getName()))
                        .findFirst().orElse(null));
        if (live == null) {
            if (write) {
                KeycloakRetry.Created made = create("create mapper " + name, () -> mappers.createMapper(desired),
                        () -> mappers.getMappers().stream().filter(m -> desired.getName().equals(m.getName()))
                                .findFirst().map(ProtocolMapperRepresentation::getId));
                if (made.found()) {
                    mapper(true, clientUuid, desired); // converge
                } else {
                    LOG.info("Created protocol mapper {}", name);
                }
            }
            return new Change(Action.CREATE, TargetSystem.KEYCLOAK, "protocol mapper", name, mapperFields(desired));
        }
        Map<String, FieldChange> fields = new LinkedHashMap<>();
        diff(fields, "protocol", live.getProtocol(), desired.getProtocol());
        diff(fields, "protocolMapper", live.getProtocolMapper(), desired.getProtocolMapper());
        Map<String, String> liveConfig = live.getConfig() == null ? Map.of() : live.getConfig();
        desired.getConfig().forEach((k, v) -> diff(fields, "config." + k, liveConfig.get(k), v));
        if (fields.isEmpty()) {
            return Change.noop(TargetSystem.KEYCLOAK, "protocol mapper", name);
        }
        if (write) {
            ProtocolMapperRepresentation update = new ProtocolMapperRepresentation();
            update.setId(live.getId());
            update.setName(live.getName());
            update.setProtocol(desired.getProtocol());
            update.setProtocolMapper(desired.getProtocolMapper());
            Map<String, String> merged = new LinkedHashMap<>(liveConfig); // keep keys someone else added
            merged.putAll(desired.getConfig());
            update.setConfig(merged);
            call("update mapper " + name, () -> {
                mappers.update(live.getId(), update);
                return null;
            });
            LOG.info("Updated protocol mapper {}: {}", name, fields.keySet());
        }
        return new Change(Action.UPDATE, TargetSystem.KEYCLOAK, "protocol mapper", name, fields);
    }

    private static Map<String, FieldChange> mapperFields(ProtocolMapperRepresentation m) {
        Map<String, FieldChange> fields = new LinkedHashMap<>();
        fields.put("protocolMapper", FieldChange.of(null, m.getProtocolMapper()));
        m.getConfig().forEach((k, v) -> fields.put("config." + k, FieldChange.of(null, v)));
        return fields;
    }

    // ------------------------------------------------------------------ identity provider

    private Change identityProvider(boolean write, boolean realmExists) {
        RealmSpec.IdentityProvider idp = spec.identityProvider();
        String name = spec.realm() + "/" + idp.alias();
        var providers = noKeycloak() ? null : admin.realm(spec.realm()).identityProviders();
        IdentityProviderRepresentation live = realmExists ? call("read identity provider " + name,
                () -> providers.findAll().stream().filter(p -> idp.alias().equals(p.getAlias())).findFirst()
                        .orElse(null)) : null;
        Map<String, String> desiredConfig = desiredIdpConfig(idp);
        if (live == null) {
            Map<String, FieldChange> fields = new LinkedHashMap<>();
            fields.put("providerId", FieldChange.of(null, idp.type()));
            fields.put("displayName", FieldChange.of(null, idp.displayName()));
            fields.put("trustEmail", FieldChange.of(null, true));
            desiredConfig.forEach((k, v) -> fields.put("config." + k, FieldChange.of(null, v)));
            fields.put("config.clientSecret", FieldChange.secret(false, true));
            if (write) {
                IdentityProviderRepresentation rep = new IdentityProviderRepresentation();
                rep.setAlias(idp.alias());
                rep.setProviderId(idp.type());
                rep.setDisplayName(idp.displayName());
                rep.setEnabled(true);
                rep.setTrustEmail(true);
                rep.setConfig(withSecret(new LinkedHashMap<>(desiredConfig), null));
                KeycloakRetry.Created made = create("create identity provider " + name, () -> providers.create(rep),
                        () -> providers.findAll().stream().filter(p -> idp.alias().equals(p.getAlias())).findFirst()
                                .map(IdentityProviderRepresentation::getAlias));
                if (made.found()) {
                    identityProvider(true, true); // converge
                } else {
                    LOG.info("Created identity provider {}", name);
                }
            }
            return new Change(Action.CREATE, TargetSystem.KEYCLOAK, "identity provider", name, fields);
        }
        Map<String, FieldChange> fields = new LinkedHashMap<>();
        diff(fields, "providerId", live.getProviderId(), idp.type());
        diff(fields, "displayName", live.getDisplayName(), idp.displayName());
        diff(fields, "enabled", live.isEnabled(), true);
        diff(fields, "trustEmail", live.isTrustEmail(), true);
        Map<String, String> liveConfig = live.getConfig() == null ? Map.of() : live.getConfig();
        desiredConfig.forEach((k, v) -> diff(fields, "config." + k, liveConfig.get(k), v));
        String fingerprint = liveConfig.get(FINGERPRINT_KEY);
        boolean secretSet = liveConfig.get("clientSecret") != null && !liveConfig.get("clientSecret").isEmpty();
        if (!secretSet || !fingerprintMatches(fingerprint, idpSecret)) {
            fields.put("config.clientSecret", FieldChange.secret(secretSet, true));
        }
        if (fields.isEmpty()) {
            return Change.noop(TargetSystem.KEYCLOAK, "identity provider", name);
        }
        if (write) {
            // An update replaces the IdP whole: start from the live representation (internal id, flows, config keys
            // we do not manage), set ours, and always send the real secret instead of the mask.
            live.setProviderId(idp.type());
            live.setDisplayName(idp.displayName());
            live.setEnabled(true);
            live.setTrustEmail(true);
            Map<String, String> config = new LinkedHashMap<>(liveConfig);
            config.putAll(desiredConfig);
            live.setConfig(withSecret(config, fingerprintMatches(fingerprint, idpSecret) ? fingerprint : null));
            call("update identity provider " + name, () -> {
                providers.get(idp.alias()).update(live);
                return null;
            });
            LOG.info("Updated identity provider {}: {}", name, fields.keySet());
        }
        return new Change(Action.UPDATE, TargetSystem.KEYCLOAK, "identity provider", name, fields);
    }

    private Map<String, String> withSecret(Map<String, String> config, String keepFingerprint) {
        config.put("clientSecret", idpSecret);
        config.put(FINGERPRINT_KEY, keepFingerprint != null ? keepFingerprint : fingerprint(idpSecret));
        return config;
    }

    /** The config keys we manage, secret and fingerprint excluded. */
    private Map<String, String> desiredIdpConfig(RealmSpec.IdentityProvider idp) {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("clientId", idp.clientId());
        config.put("syncMode", "IMPORT");
        if (idp.isOidc()) {
            config.putAll(oidcEndpoints);
            config.put("useJwksUrl", "true");
            config.put("validateSignature", "true");
            config.put("clientAuthMethod", "client_secret_post");
            config.put("defaultScope", "openid email profile");
        }
        return config;
    }

    /** Endpoint URLs for an oidc IdP: those given, the rest from the issuer's discovery document. */
    private Map<String, String> resolveOidcEndpoints(RealmSpec.IdentityProvider idp) {
        Map<String, String> endpoints = new LinkedHashMap<>();
        JsonNode discovery = null;
        boolean complete = idp.authorizationUrl() != null && idp.tokenUrl() != null && idp.jwksUrl() != null;
        if (!complete) {
            discovery = discover(idp.issuer());
        }
        endpoints.put("issuer", idp.issuer() != null ? KeycloakAdmin.stripSlashes(idp.issuer())
                : text(discovery, "issuer"));
        endpoints.put("authorizationUrl", pick(idp.authorizationUrl(), discovery, "authorization_endpoint"));
        endpoints.put("tokenUrl", pick(idp.tokenUrl(), discovery, "token_endpoint"));
        endpoints.put("userInfoUrl", pick(idp.userInfoUrl(), discovery, "userinfo_endpoint"));
        endpoints.put("jwksUrl", pick(idp.jwksUrl(), discovery, "jwks_uri"));
        endpoints.values().removeIf(Objects::isNull);
        for (String required : List.of("authorizationUrl", "tokenUrl", "jwksUrl")) {
            if (!endpoints.containsKey(required)) {
                throw StageException.invalidInput("the discovery document of " + idp.issuer() + " has no "
                        + required, Fix.configField("sso.identityProvider.issuer",
                        "check the issuer URL, or give the endpoint URLs by hand"));
            }
        }
        return endpoints;
    }

    private JsonNode discover(String issuer) {
        String base = KeycloakAdmin.stripSlashes(issuer);
        URI uri;
        try {
            uri = URI.create(base + "/.well-known/openid-configuration");
        } catch (IllegalArgumentException e) {
            throw StageException.invalidInput("'" + issuer + "' is not a valid issuer URL",
                    Fix.configField("sso.identityProvider.issuer", "give the provider's issuer URL"));
        }
        try {
            HttpResponse<String> r = admin.httpClient().send(HttpRequest.newBuilder(uri)
                    .timeout(Duration.ofSeconds(20)).GET().build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw StageException.invalidInput("the OpenID Connect discovery document " + uri + " gave HTTP "
                        + r.statusCode(), Fix.configField("sso.identityProvider.issuer",
                        "check the issuer URL (it must serve /.well-known/openid-configuration)"));
            }
            return json.readTree(r.body());
        } catch (IOException e) {
            throw new StageException("could not read the OpenID Connect discovery document " + uri + ": "
                    + e.getMessage(), Fix.configField("sso.identityProvider.issuer",
                    "check the issuer URL and that this machine can reach it"), true, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StageException("interrupted", Fix.rerunStage(StageIds.SSO, "run again"), false, e);
        }
    }

    private static String pick(String given, JsonNode discovery, String key) {
        return given != null ? given : text(discovery, key);
    }

    private static String text(JsonNode node, String key) {
        return node == null || !node.hasNonNull(key) ? null : node.get(key).asText();
    }

    // ------------------------------------------------------------------ secret fingerprint

    /** {@code pbkdf2-sha256:<iterations>:<salt b64>:<hash b64>} of the secret, with a fresh random salt. */
    static String fingerprint(String secret) {
        byte[] salt = new byte[16];
        new SecureRandom().nextBytes(salt);
        return format(PBKDF2_ITERATIONS, salt, derive(secret, salt, PBKDF2_ITERATIONS));
    }

    static boolean fingerprintMatches(String fingerprint, String secret) {
        if (fingerprint == null || secret == null) {
            return false;
        }
        String[] parts = fingerprint.split(":");
        if (parts.length != 4 || !"pbkdf2-sha256".equals(parts[0])) {
            return false;
        }
        try {
            int iterations = Integer.parseInt(parts[1]);
            if (iterations < 1 || iterations > 10_000_000) {
                return false;
            }
            byte[] salt = Base64.getDecoder().decode(parts[2]);
            byte[] expected = Base64.getDecoder().decode(parts[3]);
            return MessageDigest.isEqual(expected, derive(secret, salt, iterations));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static byte[] derive(String secret, byte[] salt, int iterations) {
        try {
            PBEKeySpec keySpec = new PBEKeySpec(secret.toCharArray(), salt, iterations, 256);
            try {
                return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(keySpec).getEncoded();
            } finally {
                keySpec.clearPassword();
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA256 is not available", e);
        }
    }

    private static String format(int iterations, byte[] salt, byte[] hash) {
        return "pbkdf2-sha256:" + iterations + ":" + Base64.getEncoder().encodeToString(salt) + ":"
                + Base64.getEncoder().encodeToString(hash);
    }

    // ------------------------------------------------------------------ helpers

    private static void diff(Map<String, FieldChange> fields, String field, Object live, Object desired) {
        if (!Objects.equals(live, desired)) {
            fields.put(field, FieldChange.of(live, desired));
        }
    }

    private static String describe(Map<String, FieldChange> fields) {
        StringBuilder sb = new StringBuilder();
        fields.forEach((k, v) -> {
            if (sb.length() > 0) {
                sb.append(", ");
            }
            sb.append(k).append(": ").append(v.from()).append(" -> ").append(v.to());
        });
        return sb.toString();
    }

    /** Creates safely ({@link KeycloakAdmin#create}); a final failure is translated like {@link #call}'s. */
    private KeycloakRetry.Created create(String what, Supplier<Response> create, Supplier<Optional<String>> lookup) {
        return call(what, () -> admin.create(what, create, lookup));
    }

    /** Runs one admin API call; turns its failure into a StageException that names what was being done. */
    private <T> T call(String what, Supplier<T> action) {
        try {
            return admin.call(what, action);
        } catch (WebApplicationException e) {
            int status = e.getResponse() == null ? -1 : e.getResponse().getStatus();
            String body = "";
            try {
                if (e.getResponse() != null && e.getResponse().hasEntity()) {
                    body = e.getResponse().readEntity(String.class);
                }
            } catch (RuntimeException ignored) {
                // the body is only extra detail
            }
            String detail = SecretRegistry.global().redact((e.getMessage() == null ? "" : e.getMessage())
                    + (body.isBlank() ? "" : " " + body));
            if (status == 403) {
                throw new StageException("Keycloak refused to " + what + " (HTTP 403): the admin user lacks the"
                        + " right", Fix.manual("use the master realm admin credentials"), false, e);
            }
            if (status == 400 && what.startsWith("create realm")) {
                throw new StageException("Keycloak rejected realm name '" + spec.realm() + "': " + detail,
                        Fix.configField("sso.realm", "choose another realm name"), true, e);
            }
            throw new StageException("could not " + what + ": " + detail,
                    Fix.rerunStage(StageIds.SSO, "check the Keycloak log, then run the stage again"), false, e);
        } catch (ProcessingException e) {
            throw new StageException("Keycloak at " + admin.serverUrl() + " stopped answering while trying to "
                    + what + ": " + e.getMessage(), Fix.rerunStage(StageIds.SSO,
                    "check that Keycloak runs, then run the stage again"), false, e);
        }
    }
}
