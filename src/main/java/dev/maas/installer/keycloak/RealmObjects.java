package dev.maas.installer.keycloak;

import dev.maas.installer.engine.Action;
import dev.maas.installer.engine.FieldChange;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.StageException;
import dev.maas.installer.engine.StageIds;
import dev.maas.installer.engine.TargetSystem;
import dev.maas.installer.engine.reconcile.Managed;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.core.Response;
import org.keycloak.admin.client.resource.ProtocolMappersResource;
import org.keycloak.representations.idm.ClientRepresentation;
import org.keycloak.representations.idm.IdentityProviderRepresentation;
import org.keycloak.representations.idm.ProtocolMapperRepresentation;
import org.keycloak.representations.idm.RealmRepresentation;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The objects {@link RealmConfigurator} manages in one Keycloak realm, in the order they are reconciled: the realm, the
 * confidential client {@value RealmSpec#CLIENT_ID}, its two protocol mappers and the identity provider. Each is found
 * by its natural key (realm name, clientId, mapper name, IdP alias); only the fields that differ are written, and
 * nothing is ever deleted.
 *
 * <p>Without a Keycloak ({@link RealmConfigurator#planForNewKeycloak}) every object reads as missing without a
 * request; when the realm (for a mapper: the client) does not exist yet, Keycloak's 404 for the object reads as
 * missing. A create whose request was
 * lost but took effect, or that found the object made by someone else ({@link KeycloakRetry.Created#found()}),
 * converges the object as it is instead of making a second one.
 */
final class RealmObjects {
    private RealmObjects() { }

    /** The objects of the realm {@code realm} configures, in the order apply reconciles them: one step each. */
    static List<Managed<?, ?>> of(RealmConfigurator realm) {
        List<Managed<?, ?>> out = new ArrayList<>();
        out.add(new Realm(realm));
        out.add(new Client(realm));
        out.add(new Mapper(realm, RealmConfigurator.EMAIL_VERIFIED_MAPPER, realm::emailVerifiedMapper));
        out.add(new Mapper(realm, RealmConfigurator.ORG_NAME_MAPPER, RealmConfigurator::orgNameMapper));
        if (realm.spec().identityProvider() != null) {
            out.add(new IdentityProvider(realm));
        }
        return out;
    }

    /** What the realm's objects share: the Keycloak system, verify's words and fixes, convergence after a create. */
    private abstract static class RealmObject<D, A> implements Managed<D, A> {
        final RealmConfigurator realm;

        RealmObject(RealmConfigurator realm) { this.realm = realm; }

        String realmName() { return realm.spec().realm(); }

        @Override public TargetSystem system() { return TargetSystem.KEYCLOAK; }

        @Override public String okMessage(D desired, A actual) { return "as configured"; }

        @Override public String missingMessage(D desired) { return "missing"; }

        @Override
        public String driftMessage(D desired, A actual, Map<String, FieldChange> diff) {
            return "differs from the configuration: " + diff.entrySet().stream()
                    .map(e -> e.getKey() + ": " + e.getValue().from() + " -> " + e.getValue().to())
                    .collect(Collectors.joining(", "));
        }

        @Override
        public Fix fix(String stageId, Action action) {
            return Fix.rerunStage(StageIds.SSO, action == Action.UPDATE ? "apply the sso stage to repair it"
                    : "apply the sso stage");
        }

        /**
         * The object after a create: {@code created} when our request made it; when it was found instead (made by our
         * own lost request, or by someone else), the object as it is, updated where it differs.
         */
        A converged(StageContext ctx, D desired, KeycloakRetry.Created made, A created) {
            if (!made.found()) {
                return created;
            }
            A live = fetch(ctx).orElseThrow(() -> new StageException(kind() + " " + name() + " was found after its"
                    + " create, then could not be read", Fix.rerunStage(StageIds.SSO, "run the stage again")));
            Map<String, FieldChange> diff = diff(desired, Optional.of(live));
            return diff.isEmpty() ? live : update(ctx, desired, live, diff);
        }
    }

    private static void differs(Map<String, FieldChange> fields, String field, Object live, Object desired) {
        if (!Objects.equals(live, desired)) {
            fields.put(field, FieldChange.of(live, desired));
        }
    }

    // ------------------------------------------------------------------------------------------------ realm

    /** The realm: display name and enabled. */
    static final class Realm extends RealmObject<RealmRepresentation, RealmRepresentation> {
        Realm(RealmConfigurator realm) { super(realm); }

        @Override public String kind() { return "realm"; }

        @Override public String name() { return realmName(); }

        @Override public String step() { return "Realm " + realmName(); }

        @Override
        public Optional<RealmRepresentation> desired(StageContext ctx) {
            RealmRepresentation rep = new RealmRepresentation();
            rep.setRealm(realmName());
            rep.setDisplayName(realm.spec().displayName());
            rep.setEnabled(true);
            return Optional.of(rep);
        }

        @Override
        public Optional<RealmRepresentation> fetch(StageContext ctx) {
            return realm.noKeycloak() ? Optional.empty()
                    : Optional.ofNullable(realm.call("read realm " + realmName(), realm::readRealm));
        }

        @Override
        public Map<String, FieldChange> diff(RealmRepresentation desired, Optional<RealmRepresentation> actual) {
            Map<String, FieldChange> fields = new LinkedHashMap<>();
            if (actual.isEmpty()) {
                fields.put("realm", FieldChange.of(null, desired.getRealm()));
                fields.put("displayName", FieldChange.of(null, desired.getDisplayName()));
                fields.put("enabled", FieldChange.of(null, desired.isEnabled()));
                return fields;
            }
            differs(fields, "displayName", actual.get().getDisplayName(), desired.getDisplayName());
            differs(fields, "enabled", actual.get().isEnabled(), desired.isEnabled());
            return fields;
        }

        @Override
        public RealmRepresentation create(StageContext ctx, RealmRepresentation desired) {
            KeycloakRetry.Created made = realm.create("create realm " + realmName(), () -> {
                realm.admin().client().realms().create(desired);
                return Response.status(Response.Status.CREATED).build();
            }, () -> Optional.ofNullable(realm.readRealm()).map(RealmRepresentation::getId));
            return converged(ctx, desired, made, desired);
        }

        @Override
        public RealmRepresentation update(StageContext ctx, RealmRepresentation desired, RealmRepresentation actual,
                                          Map<String, FieldChange> diff) {
            realm.call("update realm " + realmName(), () -> {
                realm.admin().realm(realmName()).update(desired);
                return null;
            });
            return desired;
        }
    }

    // ------------------------------------------------------------------------------------------------ client

    /** One field of the client the stage sets: how it reads (a flag Keycloak leaves unset reads false) and is set. */
    private record ClientField(String name, Function<ClientRepresentation, Object> get,
                               BiConsumer<ClientRepresentation, Object> set) { }

    private static Boolean orFalse(Boolean b) { return b == null ? Boolean.FALSE : b; }

    private static final List<ClientField> CLIENT_FIELDS = List.of(
            new ClientField("protocol", ClientRepresentation::getProtocol, (c, v) -> c.setProtocol((String) v)),
            new ClientField("enabled", ClientRepresentation::isEnabled, (c, v) -> c.setEnabled((Boolean) v)),
            new ClientField("publicClient", ClientRepresentation::isPublicClient,
                    (c, v) -> c.setPublicClient((Boolean) v)),
            new ClientField("bearerOnly", c -> orFalse(c.isBearerOnly()), (c, v) -> c.setBearerOnly((Boolean) v)),
            new ClientField("clientAuthenticatorType", ClientRepresentation::getClientAuthenticatorType,
                    (c, v) -> c.setClientAuthenticatorType((String) v)),
            new ClientField("standardFlowEnabled", ClientRepresentation::isStandardFlowEnabled,
                    (c, v) -> c.setStandardFlowEnabled((Boolean) v)),
            new ClientField("implicitFlowEnabled", c -> orFalse(c.isImplicitFlowEnabled()),
                    (c, v) -> c.setImplicitFlowEnabled((Boolean) v)),
            new ClientField("directAccessGrantsEnabled", c -> orFalse(c.isDirectAccessGrantsEnabled()),
                    (c, v) -> c.setDirectAccessGrantsEnabled((Boolean) v)),
            new ClientField("serviceAccountsEnabled", c -> orFalse(c.isServiceAccountsEnabled()),
                    (c, v) -> c.setServiceAccountsEnabled((Boolean) v)),
            // an unset device grant attribute is Keycloak's default: off
            new ClientField("attributes." + RealmConfigurator.DEVICE_GRANT, c -> c.getAttributes() == null ? "false"
                    : c.getAttributes().getOrDefault(RealmConfigurator.DEVICE_GRANT, "false"), (c, v) -> {
                Map<String, String> attributes = c.getAttributes() == null ? new HashMap<>()
                        : new HashMap<>(c.getAttributes());
                attributes.put(RealmConfigurator.DEVICE_GRANT, (String) v);
                c.setAttributes(attributes);
            }));

    /**
     * The confidential client {@value RealmSpec#CLIENT_ID}: standard flow only, and exactly the redirect URIs of the
     * spec (the sso stage owns them; the portal stage only reads them). Its secret, which the representation
     * carries, is registered whenever the client is read.
     */
    static final class Client extends RealmObject<ClientRepresentation, ClientRepresentation> {
        Client(RealmConfigurator realm) { super(realm); }

        @Override public String kind() { return "client"; }

        @Override public String name() { return realmName() + "/" + RealmSpec.CLIENT_ID; }

        @Override public String step() { return "Client " + RealmSpec.CLIENT_ID; }

        @Override
        public Optional<ClientRepresentation> desired(StageContext ctx) {
            ClientRepresentation c = new ClientRepresentation();
            c.setClientId(RealmSpec.CLIENT_ID);
            c.setProtocol("openid-connect");
            c.setEnabled(true);
            c.setPublicClient(false);
            c.setBearerOnly(false);
            c.setClientAuthenticatorType("client-secret");
            c.setStandardFlowEnabled(true);
            c.setImplicitFlowEnabled(false);
            c.setDirectAccessGrantsEnabled(false);
            c.setServiceAccountsEnabled(false);
            c.setAttributes(new HashMap<>(Map.of(RealmConfigurator.DEVICE_GRANT, "false")));
            c.setRedirectUris(realm.spec().redirectUris());
            return Optional.of(c);
        }

        @Override
        public Optional<ClientRepresentation> fetch(StageContext ctx) {
            return Optional.ofNullable(realm.readClient());
        }

        @Override
        public Map<String, FieldChange> diff(ClientRepresentation desired, Optional<ClientRepresentation> actual) {
            Map<String, FieldChange> fields = new LinkedHashMap<>();
            if (actual.isEmpty()) {
                fields.put("clientId", FieldChange.of(null, desired.getClientId()));
                CLIENT_FIELDS.forEach(f -> fields.put(f.name(), FieldChange.of(null, f.get().apply(desired))));
                fields.put("redirectUris", FieldChange.of(null, desired.getRedirectUris()));
                return fields;
            }
            ClientRepresentation live = actual.get();
            CLIENT_FIELDS.forEach(f -> differs(fields, f.name(), f.get().apply(live), f.get().apply(desired)));
            List<String> liveUris = live.getRedirectUris() == null ? List.of() : live.getRedirectUris();
            if (!new LinkedHashSet<>(liveUris).equals(new LinkedHashSet<>(desired.getRedirectUris()))) {
                fields.put("redirectUris", FieldChange.of(liveUris, desired.getRedirectUris()));
            }
            return fields;
        }

        @Override
        public ClientRepresentation create(StageContext ctx, ClientRepresentation desired) {
            var clients = realm.admin().realm(realmName()).clients();
            KeycloakRetry.Created made = realm.create("create client " + name(), () -> clients.create(desired),
                    () -> Optional.ofNullable(realm.findClient()).map(ClientRepresentation::getId));
            return converged(ctx, desired, made, desired);
        }

        /** Sends the live representation with the fields of {@code diff} set as desired. */
        @Override
        public ClientRepresentation update(StageContext ctx, ClientRepresentation desired, ClientRepresentation actual,
                                           Map<String, FieldChange> diff) {
            CLIENT_FIELDS.stream().filter(f -> diff.containsKey(f.name()))
                    .forEach(f -> f.set().accept(actual, f.get().apply(desired)));
            if (diff.containsKey("redirectUris")) {
                actual.setRedirectUris(desired.getRedirectUris());
            }
            realm.call("update client " + name(), () -> {
                realm.admin().realm(realmName()).clients().get(actual.getId()).update(actual);
                return null;
            });
            return actual;
        }
    }

    // ------------------------------------------------------------------------------------------------ mappers

    /** A protocol mapper as read, with the id of the client it belongs to. */
    record LiveMapper(String clientUuid, ProtocolMapperRepresentation mapper) { }

    /**
     * A protocol mapper of the client, by name: {@value RealmConfigurator#EMAIL_VERIFIED_MAPPER} (as this server's
     * builtin) or {@value RealmConfigurator#ORG_NAME_MAPPER}. Config keys someone else added are kept.
     */
    static final class Mapper extends RealmObject<ProtocolMapperRepresentation, LiveMapper> {
        private final String mapperName;
        private final Supplier<ProtocolMapperRepresentation> definition;

        Mapper(RealmConfigurator realm, String mapperName, Supplier<ProtocolMapperRepresentation> definition) {
            super(realm);
            this.mapperName = mapperName;
            this.definition = definition;
        }

        @Override public String kind() { return "protocol mapper"; }

        @Override public String name() { return realmName() + "/" + RealmSpec.CLIENT_ID + "/" + mapperName; }

        @Override public String step() { return "Protocol mapper " + mapperName + " of client " + RealmSpec.CLIENT_ID; }

        @Override public Optional<ProtocolMapperRepresentation> desired(StageContext ctx) {
            return Optional.of(definition.get());
        }

        private ProtocolMappersResource mappers(String clientUuid) {
            return realm.admin().realm(realmName()).clients().get(clientUuid).getProtocolMappers();
        }

        private Optional<ProtocolMapperRepresentation> find(ProtocolMappersResource mappers) {
            return mappers.getMappers().stream().filter(m -> mapperName.equals(m.getName())).findFirst();
        }

        @Override
        public Optional<LiveMapper> fetch(StageContext ctx) {
            ClientRepresentation client = realm.readClient();
            if (client == null) {
                return Optional.empty(); // no client yet: no mapper either
            }
            ProtocolMappersResource mappers = mappers(client.getId());
            return realm.call("read mappers of client " + RealmSpec.CLIENT_ID, () -> find(mappers))
                    .map(m -> new LiveMapper(client.getId(), m));
        }

        @Override
        public Map<String, FieldChange> diff(ProtocolMapperRepresentation desired, Optional<LiveMapper> actual) {
            Map<String, FieldChange> fields = new LinkedHashMap<>();
            if (actual.isEmpty()) {
                fields.put("protocolMapper", FieldChange.of(null, desired.getProtocolMapper()));
                desired.getConfig().forEach((k, v) -> fields.put("config." + k, FieldChange.of(null, v)));
                return fields;
            }
            ProtocolMapperRepresentation live = actual.get().mapper();
            differs(fields, "protocol", live.getProtocol(), desired.getProtocol());
            differs(fields, "protocolMapper", live.getProtocolMapper(), desired.getProtocolMapper());
            Map<String, String> liveConfig = live.getConfig() == null ? Map.of() : live.getConfig();
            desired.getConfig().forEach((k, v) -> differs(fields, "config." + k, liveConfig.get(k), v));
            return fields;
        }

        @Override
        public LiveMapper create(StageContext ctx, ProtocolMapperRepresentation desired) {
            ClientRepresentation client = realm.readClient();
            if (client == null) {
                throw new StageException("client " + realmName() + "/" + RealmSpec.CLIENT_ID + " does not exist, so"
                        + " its protocol mapper " + mapperName + " cannot be made",
                        Fix.rerunStage(StageIds.SSO, "run the stage again"));
            }
            ProtocolMappersResource mappers = mappers(client.getId());
            KeycloakRetry.Created made = realm.create("create mapper " + name(), () -> mappers.createMapper(desired),
                    () -> find(mappers).map(ProtocolMapperRepresentation::getId));
            return converged(ctx, desired, made, new LiveMapper(client.getId(), desired));
        }

        @Override
        public LiveMapper update(StageContext ctx, ProtocolMapperRepresentation desired, LiveMapper actual,
                                 Map<String, FieldChange> diff) {
            ProtocolMapperRepresentation live = actual.mapper();
            ProtocolMapperRepresentation update = new ProtocolMapperRepresentation();
            update.setId(live.getId());
            update.setName(live.getName());
            update.setProtocol(desired.getProtocol());
            update.setProtocolMapper(desired.getProtocolMapper());
            Map<String, String> merged = new LinkedHashMap<>(live.getConfig() == null ? Map.of() : live.getConfig());
            merged.putAll(desired.getConfig()); // keep keys someone else added
            update.setConfig(merged);
            ProtocolMappersResource mappers = mappers(actual.clientUuid());
            realm.call("update mapper " + name(), () -> {
                mappers.update(live.getId(), update);
                return null;
            });
            return new LiveMapper(actual.clientUuid(), update);
        }
    }

    // ---------------------------------------------------------------------------------------- identity provider

    /**
     * The identity provider, by alias. Keycloak never returns its client secret and an update replaces it whole, so
     * the secret is compared by its fingerprint ({@link RealmConfigurator#FINGERPRINT_KEY}), shown only as set or
     * not, and every write sends the real secret.
     */
    static final class IdentityProvider
            extends RealmObject<IdentityProviderRepresentation, IdentityProviderRepresentation> {
        private final RealmSpec.IdentityProvider idp;

        IdentityProvider(RealmConfigurator realm) {
            super(realm);
            this.idp = realm.spec().identityProvider();
        }

        @Override public String kind() { return "identity provider"; }

        @Override public String name() { return realmName() + "/" + idp.alias(); }

        @Override public String step() { return "Identity provider " + idp.alias(); }

        /** Our fields and the config keys we manage; the secret and its fingerprint are added by the writes. */
        @Override
        public Optional<IdentityProviderRepresentation> desired(StageContext ctx) {
            IdentityProviderRepresentation rep = new IdentityProviderRepresentation();
            rep.setAlias(idp.alias());
            rep.setProviderId(idp.type());
            rep.setDisplayName(idp.displayName());
            rep.setEnabled(true);
            rep.setTrustEmail(true);
            rep.setConfig(realm.desiredIdpConfig());
            return Optional.of(rep);
        }

        private Optional<IdentityProviderRepresentation> find() {
            return realm.admin().realm(realmName()).identityProviders().findAll().stream()
                    .filter(p -> idp.alias().equals(p.getAlias())).findFirst();
        }

        @Override
        public Optional<IdentityProviderRepresentation> fetch(StageContext ctx) {
            if (realm.noKeycloak()) {
                return Optional.empty();
            }
            return realm.call("read identity provider " + name(), () -> {
                try {
                    return find();
                } catch (NotFoundException e) {
                    return Optional.empty(); // no realm yet
                }
            });
        }

        @Override
        public Map<String, FieldChange> diff(IdentityProviderRepresentation desired,
                                             Optional<IdentityProviderRepresentation> actual) {
            Map<String, FieldChange> fields = new LinkedHashMap<>();
            if (actual.isEmpty()) {
                fields.put("providerId", FieldChange.of(null, desired.getProviderId()));
                fields.put("displayName", FieldChange.of(null, desired.getDisplayName()));
                fields.put("trustEmail", FieldChange.of(null, desired.isTrustEmail()));
                desired.getConfig().forEach((k, v) -> fields.put("config." + k, FieldChange.of(null, v)));
                fields.put("config.clientSecret", FieldChange.secret(false, true));
                return fields;
            }
            IdentityProviderRepresentation live = actual.get();
            differs(fields, "providerId", live.getProviderId(), desired.getProviderId());
            differs(fields, "displayName", live.getDisplayName(), desired.getDisplayName());
            differs(fields, "enabled", live.isEnabled(), desired.isEnabled());
            differs(fields, "trustEmail", live.isTrustEmail(), desired.isTrustEmail());
            Map<String, String> liveConfig = live.getConfig() == null ? Map.of() : live.getConfig();
            desired.getConfig().forEach((k, v) -> differs(fields, "config." + k, liveConfig.get(k), v));
            boolean secretSet = liveConfig.get("clientSecret") != null && !liveConfig.get("clientSecret").isEmpty();
            if (!secretSet || !realm.secretUnchanged(liveConfig.get(RealmConfigurator.FINGERPRINT_KEY))) {
                fields.put("config.clientSecret", FieldChange.secret(secretSet, true));
            }
            return fields;
        }

        @Override
        public IdentityProviderRepresentation create(StageContext ctx, IdentityProviderRepresentation desired) {
            IdentityProviderRepresentation rep = new IdentityProviderRepresentation();
            rep.setAlias(desired.getAlias());
            rep.setProviderId(desired.getProviderId());
            rep.setDisplayName(desired.getDisplayName());
            rep.setEnabled(desired.isEnabled());
            rep.setTrustEmail(desired.isTrustEmail());
            rep.setConfig(realm.withSecret(new LinkedHashMap<>(desired.getConfig()), null));
            var providers = realm.admin().realm(realmName()).identityProviders();
            KeycloakRetry.Created made = realm.create("create identity provider " + name(), () -> providers.create(rep),
                    () -> find().map(IdentityProviderRepresentation::getAlias));
            return converged(ctx, desired, made, desired);
        }

        /**
         * An update replaces the IdP whole: it starts from the live representation (internal id, flows, config keys
         * we do not manage), sets ours, and always sends the real secret instead of the mask.
         */
        @Override
        public IdentityProviderRepresentation update(StageContext ctx, IdentityProviderRepresentation desired,
                                                     IdentityProviderRepresentation actual,
                                                     Map<String, FieldChange> diff) {
            Map<String, String> liveConfig = actual.getConfig() == null ? Map.of() : actual.getConfig();
            String fingerprint = liveConfig.get(RealmConfigurator.FINGERPRINT_KEY);
            actual.setProviderId(desired.getProviderId());
            actual.setDisplayName(desired.getDisplayName());
            actual.setEnabled(desired.isEnabled());
            actual.setTrustEmail(desired.isTrustEmail());
            Map<String, String> config = new LinkedHashMap<>(liveConfig);
            config.putAll(desired.getConfig());
            actual.setConfig(realm.withSecret(config, realm.secretUnchanged(fingerprint) ? fingerprint : null));
            realm.call("update identity provider " + name(), () -> {
                realm.admin().realm(realmName()).identityProviders().get(idp.alias()).update(actual);
                return null;
            });
            return actual;
        }
    }
}
