package dev.maas.installer.keycloak;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.maas.installer.engine.Change;
import dev.maas.installer.engine.Check;
import dev.maas.installer.engine.CheckStatus;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.Progress;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.StageException;
import dev.maas.installer.engine.StageIds;
import dev.maas.installer.engine.WaitingForStageException;
import dev.maas.installer.engine.reconcile.Guard;
import dev.maas.installer.engine.reconcile.Managed;
import dev.maas.installer.engine.reconcile.Reconciler;
import dev.maas.installer.engine.reconcile.Steps;
import dev.maas.installer.engine.secrets.SecretRegistry;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import org.keycloak.admin.client.resource.ClientResource;
import org.keycloak.representations.idm.ClientRepresentation;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Configures one realm of a Keycloak / RH-SSO server for MaaS, idempotently: the realm, the confidential client
 * {@code 3scale} with its two protocol mappers ("email verified" as Keycloak's builtin, {@code org_name}), and the
 * identity provider. Each is a {@link Managed} object ({@link RealmObjects}) whose plan, apply and verify the
 * {@link Reconciler} derives from one reading: objects are found by natural key (realm name, clientId, mapper name,
 * IdP alias); only fields that differ are written, a second {@link #apply} sends no write request, and nothing is ever
 * deleted.
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
    /** The sso stage's reconciler: every failure to read Keycloak is already a StageException ({@link #call}). */
    private static final Reconciler RECONCILER = new Reconciler(StageIds.SSO, Guard.Translator.NONE);

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
     * the plan the same objects give for a missing realm, without a request. The "email verified" mapper is planned
     * as Keycloak ships it, and an OIDC identity provider without the endpoints its discovery document gives at
     * apply.
     */
    public static List<Change> planForNewKeycloak(StageContext ctx, RealmSpec spec) {
        RealmConfigurator nothing = new RealmConfigurator(spec);
        nothing.builtinEmailVerified = knownEmailVerified();
        nothing.oidcEndpoints = Map.of();
        return RECONCILER.plan(ctx, nothing.objects());
    }

    /** Whether there is no Keycloak to read ({@link #planForNewKeycloak}): every object is missing. */
    boolean noKeycloak() { return admin == null; }

    KeycloakAdmin admin() { return admin; }

    public RealmSpec spec() { return spec; }

    /** The realm's issuer URL, e.g. {@code https://sso.apps.example.com/realms/maas}. */
    public String realmUrl() { return admin.realmUrl(spec.realm()); }

    /** The admin console link of the realm. */
    public String consoleUrl() { return admin.consoleUrl(spec.realm()); }

    // ------------------------------------------------------------------ plan / apply / verify

    /** The managed objects, in the order apply reconciles them. */
    List<Managed<?, ?>> objects() { return RealmObjects.of(this); }

    /** What {@link #apply} would do, one Change per object (NOOP when it is as configured). Sends only GETs. */
    public List<Change> plan(StageContext ctx) {
        prepare();
        return RECONCILER.plan(ctx, objects());
    }

    /**
     * Creates or updates what differs, one step per object: realm, client, mappers, identity provider. Stops
     * between objects when the run is cancelled.
     *
     * @return the changes, NOOP for objects already as configured
     */
    public List<Change> apply(StageContext ctx, Progress progress) {
        prepare();
        List<Managed<?, ?>> objects = objects();
        return RECONCILER.apply(ctx, new Steps(progress, ctx.cancellation(), objects.size()), objects);
    }

    /**
     * Checks the live realm against the spec: the inputs (when they cannot be resolved, that is the one check), the
     * realm's discovery document reachable, then each object as configured; a failure to read one object is that
     * object's check.
     */
    public List<Check> verify(StageContext ctx) {
        List<Check> checks = new ArrayList<>();
        try {
            prepare();
        } catch (StageException e) {
            checks.add(new Check(e.invalidInput() ? CheckStatus.INVALID_INPUT : CheckStatus.FAILED_RETRYABLE,
                    "sso inputs", e.getMessage(), e.fix()));
            return checks;
        }
        checks.add(discoveryCheck());
        checks.addAll(RECONCILER.verify(ctx, objects()));
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

    // ------------------------------------------------------------------ reads the objects share

    /** The realm as Keycloak has it; null when it does not exist. */
    RealmRepresentation readRealm() {
        try {
            return admin.realm(spec.realm()).toRepresentation();
        } catch (NotFoundException e) {
            return null;
        }
    }

    /** The client {@code 3scale}, null when there is none; its secret, which the representation carries, registered. */
    ClientRepresentation findClient() {
        List<ClientRepresentation> found = admin.realm(spec.realm()).clients().findByClientId(RealmSpec.CLIENT_ID);
        ClientRepresentation client = found == null ? null : found.stream()
                .filter(c -> RealmSpec.CLIENT_ID.equals(c.getClientId())).findFirst().orElse(null);
        if (client != null && client.getSecret() != null) {
            KeycloakAdmin.registerSecret(client.getSecret()); // mask it everywhere
        }
        return client;
    }

    /** {@link #findClient} through {@link #call}; null without a Keycloak, or when the realm does not exist yet. */
    ClientRepresentation readClient() {
        if (noKeycloak()) {
            return null;
        }
        return call("read client " + spec.realm() + "/" + RealmSpec.CLIENT_ID, () -> {
            try {
                return findClient();
            } catch (NotFoundException e) {
                return null; // no realm yet
            }
        });
    }

    /**
     * The client secret of {@code 3scale}, read back from Keycloak and registered as a secret (never logged). For the
     * 3scale stages, and to show the user when asked.
     */
    public String clientSecret() {
        String name = spec.realm() + "/" + RealmSpec.CLIENT_ID;
        ClientRepresentation live = readClient();
        if (live == null) {
            throw new WaitingForStageException(StageIds.SSO, "client " + name + " does not exist, so it has no secret",
                    Fix.rerunStage(StageIds.SSO, "apply the sso stage first"));
        }
        ClientResource client = admin.realm(spec.realm()).clients().get(live.getId());
        String secret = call("read the secret of client " + name, () -> client.getSecret().getValue());
        if (secret == null || secret.isEmpty()) {
            throw new StageException("client " + name + " has no secret (is it confidential?)",
                    Fix.rerunStage(StageIds.SSO, "apply the sso stage to repair the client"));
        }
        return KeycloakAdmin.registerSecret(secret);
    }

    // ------------------------------------------------------------------ mappers

    /** The "email verified" mapper as this server defines it (resolved before the first write). */
    ProtocolMapperRepresentation emailVerifiedMapper() {
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

    // ------------------------------------------------------------------ identity provider

    /** {@code config} with the real IdP secret and its fingerprint: {@code keepFingerprint}, else a new one. */
    Map<String, String> withSecret(Map<String, String> config, String keepFingerprint) {
        config.put("clientSecret", idpSecret);
        config.put(FINGERPRINT_KEY, keepFingerprint != null ? keepFingerprint : fingerprint(idpSecret));
        return config;
    }

    /** Whether the IdP secret stored with {@code fingerprint} is the configured one. */
    boolean secretUnchanged(String fingerprint) { return fingerprintMatches(fingerprint, idpSecret); }

    /** The IdP config keys we manage, secret and fingerprint excluded. */
    Map<String, String> desiredIdpConfig() {
        RealmSpec.IdentityProvider idp = spec.identityProvider();
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

    /** Creates safely ({@link KeycloakAdmin#create}); a final failure is translated like {@link #call}'s. */
    KeycloakRetry.Created create(String what, Supplier<Response> create, Supplier<Optional<String>> lookup) {
        return call(what, () -> admin.create(what, create, lookup));
    }

    /** Runs one admin API call; turns its failure into a StageException that names what was being done. */
    <T> T call(String what, Supplier<T> action) {
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
