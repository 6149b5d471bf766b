package dev.maas.installer.stages.portal;

import dev.maas.installer.engine.Action;
import dev.maas.installer.engine.FieldChange;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.StageIds;
import dev.maas.installer.engine.TargetSystem;
import dev.maas.installer.engine.reconcile.Managed;
import dev.maas.installer.keycloak.RealmSpec;
import dev.maas.installer.threescale.model.Account;
import dev.maas.installer.threescale.model.AuthenticationProvider;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The objects the portal stage manages in 3scale, read from what the stage read first ({@link PortalStage.Live}): the
 * provider account's access code, which must be empty (the portal open to everyone), and the SSO integration of kind
 * {@code keycloak} through the MaaS realm. The portal content's items are
 * managed objects too ({@link PortalContent}).
 */
final class PortalObjects {
    private PortalObjects() { }

    static final Fix APPLY_PORTAL = Fix.rerunStage(StageIds.PORTAL, "apply the portal stage");

    /** In the order apply reconciles them: one apply step each. */
    static List<Managed<?, ?>> of(PortalStage.Live live) {
        return List.of(new AccessCode(live), new SsoIntegration(live));
    }

    /**
     * The provider account's {@code site_access_code}: empty, so the developer portal asks no one for a code (porta
     * {@code app/models/account.rb} gives every new provider one). The account always exists; its only write is
     * the update of that field.
     */
    static final class AccessCode implements Managed<String, Account> {
        private final PortalStage.Live live;

        AccessCode(PortalStage.Live live) { this.live = live; }

        @Override public TargetSystem system() { return TargetSystem.THREESCALE; }

        @Override public String kind() { return "provider account"; }

        @Override public String name() { return "site_access_code"; }

        @Override public String checkName() { return "portal access code"; }

        @Override public String step() { return "Opening the developer portal (removing the access code)"; }

        @Override public Optional<String> desired(StageContext ctx) { return Optional.of(""); }

        @Override public Optional<Account> fetch(StageContext ctx) { return Optional.of(live.provider()); }

        @Override
        public Map<String, FieldChange> diff(String desired, Optional<Account> actual) {
            String code = actual.map(Account::siteAccessCode).orElse(null);
            boolean set = code != null && !code.isEmpty();
            return set ? Map.of("site_access_code", FieldChange.secret(true, false)) : Map.of();
        }

        @Override
        public Account create(StageContext ctx, String desired) {
            throw new IllegalStateException("the 3scale provider account is made with the tenant, never here");
        }

        @Override
        public Account update(StageContext ctx, String desired, Account actual, Map<String, FieldChange> diff) {
            Account updated = live.threescale().tenant().updateProvider(Map.of("site_access_code", desired));
            return updated == null ? actual : updated;
        }

        @Override public String name(Account actual) { return name(); }

        @Override
        public String okMessage(String desired, Account actual) { return "the developer portal has no access code"; }

        @Override
        public String driftMessage(String desired, Account actual, Map<String, FieldChange> diff) {
            return "the developer portal still asks for an access code";
        }

        @Override public Fix fix(String stageId, Action action) { return APPLY_PORTAL; }
    }

    /**
     * The 3scale SSO integration of kind {@code keycloak} ("Red Hat Single Sign-On", porta
     * {@code app/models/authentication_provider/keycloak.rb}) through the MaaS realm's client {@value RealmSpec#CLIENT_ID}:
     * found by kind, made with system name {@value PortalStage#SSO_SYSTEM_NAME}, and its fields are those of
     * {@link PortalStage.Live#ssoFields()}. The client secret is compared, never shown.
     */
    static final class SsoIntegration implements Managed<Map<String, String>, AuthenticationProvider> {
        private final PortalStage.Live live;

        SsoIntegration(PortalStage.Live live) { this.live = live; }

        @Override public TargetSystem system() { return TargetSystem.THREESCALE; }

        @Override public String kind() { return "authentication provider"; }

        @Override public String name() { return PortalStage.SSO_SYSTEM_NAME; }

        @Override public String name(AuthenticationProvider actual) { return actual.systemName(); }

        @Override public String checkName() { return "SSO integration"; }

        @Override public String step() { return "Sign-in with Red Hat Single Sign-On (3scale SSO integration)"; }

        @Override public Optional<Map<String, String>> desired(StageContext ctx) { return Optional.of(live.ssoFields()); }

        @Override public Optional<AuthenticationProvider> fetch(StageContext ctx) { return live.sso(); }

        @Override
        public Map<String, FieldChange> diff(Map<String, String> desired, Optional<AuthenticationProvider> actual) {
            Map<String, FieldChange> out = new LinkedHashMap<>();
            desired.forEach((field, want) -> {
                String have = actual.map(p -> current(p, field)).orElse(null);
                if (actual.isPresent() && Objects.equals(want, have)) {
                    return;
                }
                out.put(field, field.equals("client_secret")
                        ? FieldChange.secret(have != null && !have.isEmpty(), want != null && !want.isEmpty())
                        : FieldChange.of(have, want));
            });
            return out;
        }

        /** The fields a create sets, as plan shows them (the client secret only as set). */
        static Map<String, FieldChange> createFields(Map<String, String> desired) {
            return new SsoIntegration(null).diff(desired, Optional.empty());
        }

        /** A field of the live integration as the desired fields spell it (a flag unset is false). */
        private static String current(AuthenticationProvider p, String field) {
            return switch (field) {
                case "client_id" -> p.clientId();
                case "client_secret" -> p.clientSecret();
                case "site" -> p.site();
                case "published" -> String.valueOf(Boolean.TRUE.equals(p.published()));
                case "skip_ssl_certificate_verification" ->
                        String.valueOf(Boolean.TRUE.equals(p.skipSslCertificateVerification()));
                case "automatically_approve_accounts" ->
                        String.valueOf(Boolean.TRUE.equals(p.automaticallyApproveAccounts()));
                default -> null;
            };
        }

        @Override
        public AuthenticationProvider create(StageContext ctx, Map<String, String> desired) {
            Map<String, String> fields = new LinkedHashMap<>();
            fields.put("system_name", PortalStage.SSO_SYSTEM_NAME);
            fields.putAll(desired);
            return live.threescale().tenant().createAuthenticationProvider(PortalStage.SSO_KIND, fields);
        }

        @Override
        public AuthenticationProvider update(StageContext ctx, Map<String, String> desired,
                                             AuthenticationProvider actual, Map<String, FieldChange> diff) {
            Map<String, String> fields = new LinkedHashMap<>();
            diff.keySet().forEach(k -> fields.put(k, desired.get(k)));
            return live.threescale().tenant().updateAuthenticationProvider(actual.id(), fields);
        }

        /** What the plan should say about Keycloak's certificate beside the fields. */
        @Override
        public Map<String, FieldChange> annotate(StageContext ctx, Map<String, FieldChange> fields) {
            return PortalStage.withCertificate(fields, ctx, live);
        }

        @Override
        public String okMessage(Map<String, String> desired, AuthenticationProvider actual) {
            return "Red Hat Single Sign-On '" + actual.systemName() + "' is published, approves accounts automatically,"
                    + " site " + live.site();
        }

        @Override
        public String missingMessage(Map<String, String> desired) {
            return "3scale has no SSO integration of kind " + PortalStage.SSO_KIND;
        }

        @Override
        public String driftMessage(Map<String, String> desired, AuthenticationProvider actual,
                                   Map<String, FieldChange> diff) {
            return "SSO integration '" + actual.systemName() + "' differs in: " + String.join(", ", diff.keySet());
        }

        @Override public Fix fix(String stageId, Action action) { return APPLY_PORTAL; }
    }
}
