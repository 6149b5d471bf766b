package dev.maas.installer.keycloak;

import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.StageException;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.engine.config.InstallerConfig.IdentityProviderConfig;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * What {@link RealmConfigurator} makes of a Keycloak realm: the inputs of the sso stage, independent of how they were
 * gathered (config file, wizard, sandbox).
 *
 * @param realm            realm name (natural key)
 * @param displayName      realm display name ("MaaS on RHOAI")
 * @param portalHost       host of the developer portal, {@code <tenant>.<apps domain>} (see {@link #portalHost});
 *                         under policy {@code portal} the client's only redirect URI is the portal's SSO callback
 *                         there ({@link #redirectUris()}); may be null under policy {@code any}
 * @param redirectPolicy   {@code portal} (default) or {@code any} (the runbook's {@code *})
 * @param identityProvider the identity provider to sign in with, or null for none
 */
public record RealmSpec(String realm, String displayName, String portalHost, String redirectPolicy,
                        IdentityProvider identityProvider) {
    public static final String DEFAULT_DISPLAY_NAME = "MaaS on RHOAI";
    public static final String CLIENT_ID = "3scale";
    public static final String POLICY_PORTAL = "portal";
    public static final String POLICY_ANY = "any";
    /**
     * The system name of the developer portal's SSO integration the portal stage makes in 3scale; its sign-in
     * callback is {@code /auth/<system name>/callback} on the portal (see {@link #portalCallbackUri()}).
     */
    public static final String PORTAL_SSO_SYSTEM_NAME = "keycloak";

    /** The same rule as the config validator; Keycloak itself accepts more, but these names are safe in URLs. */
    private static final Pattern REALM = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?");

    public RealmSpec {
        displayName = displayName == null || displayName.isBlank() ? DEFAULT_DISPLAY_NAME : displayName;
        redirectPolicy = redirectPolicy == null ? POLICY_PORTAL : redirectPolicy.toLowerCase(Locale.ROOT);
    }

    /**
     * The spec from the installer config. {@code portalHost} comes from the 3scale tenant and the cluster's apps
     * domain ({@code <tenant>.<apps domain>}); {@code env} resolves the IdP's {@code clientSecretEnv} (System::getenv).
     */
    public static RealmSpec from(InstallerConfig.SsoConfig sso, String portalHost, Function<String, String> env) {
        IdentityProviderConfig idp = sso.identityProvider();
        return new RealmSpec(sso.realm(), DEFAULT_DISPLAY_NAME, portalHost, sso.redirectPolicy(),
                idp == null ? null : IdentityProvider.from(idp, env));
    }

    /** Throws an invalid-input StageException naming the field when the spec cannot be applied. Sends nothing. */
    public void validate() {
        if (realm == null || !REALM.matcher(realm).matches() || "master".equalsIgnoreCase(realm)) {
            throw StageException.invalidInput("'" + realm + "' is not a valid realm name for MaaS: use 1 to 100"
                    + " letters, digits, '.', '_' and '-', starting with a letter or digit, and not 'master'",
                    Fix.configField("sso.realm", "choose a name such as 'maas'"));
        }
        if (!POLICY_PORTAL.equals(redirectPolicy) && !POLICY_ANY.equals(redirectPolicy)) {
            throw StageException.invalidInput("redirect policy '" + redirectPolicy + "' is unknown",
                    Fix.configField("sso.redirectPolicy", "use 'portal' (only the developer portal) or 'any' ('*')"));
        }
        if (POLICY_PORTAL.equals(redirectPolicy) && (portalHost == null || !HOST.matcher(portalHost).matches())) {
            throw StageException.invalidInput("the developer portal host '" + portalHost + "' is not a host name,"
                    + " so the redirect URIs of client '" + CLIENT_ID + "' cannot be limited to it",
                    Fix.configField("sso.redirectPolicy", "check threescale.tenantName and the cluster's apps domain,"
                            + " or choose redirect policy 'any'"));
        }
        if (identityProvider != null) {
            identityProvider.validate();
        }
    }

    /**
     * The redirect URIs of client {@code 3scale}, which the sso stage owns (sets, and repairs): policy {@code any}
     * exactly {@code *}; policy {@code portal} exactly the developer portal's SSO callback,
     * {@link #portalCallbackUri()}. The portal stage only reads them (its verify checks that its callback is
     * accepted).
     */
    public List<String> redirectUris() {
        return List.of(POLICY_ANY.equals(redirectPolicy) ? "*" : portalCallbackUri());
    }

    /**
     * Where the developer portal's sign-in comes back to: porta {@code app/lib/three_scale/oauth2/client_base.rb}
     * ({@code CallbackUrl}: the portal's base URL, {@code /auth}, {@code /<system name>/callback}) for the
     * integration the portal stage makes ({@link #PORTAL_SSO_SYSTEM_NAME}), on {@code https://<portalHost>}.
     */
    public String portalCallbackUri() {
        return portalCallbackUri(portalHost, PORTAL_SSO_SYSTEM_NAME);
    }

    /** The portal's sign-in callback for the SSO integration of that system name (porta's route, as above). */
    public static String portalCallbackUri(String portalHost, String systemName) {
        return "https://" + portalHost + "/auth/" + systemName + "/callback";
    }

    /**
     * An identity provider. {@code type} is google, github or oidc; for oidc, {@code issuer} is required and the
     * four endpoint URLs are read from its discovery document unless given. {@code clientSecret} is asked only when
     * needed (apply, plan) and its value is registered as a secret.
     */
    public record IdentityProvider(String type, String alias, String displayName, String clientId,
                                   Supplier<String> clientSecret, String secretSource, String issuer,
                                   String authorizationUrl, String tokenUrl, String userInfoUrl, String jwksUrl) {
        public IdentityProvider {
            type = type == null ? null : type.toLowerCase(Locale.ROOT);
            alias = alias == null || alias.isBlank() ? type : alias;
            displayName = displayName == null || displayName.isBlank() ? defaultDisplayName(type) : displayName;
            secretSource = secretSource == null ? "the identity provider's client secret" : secretSource;
        }

        /**
         * From the config: the secret from {@code clientSecretFile} (read when needed; it must be readable by its
         * owner only) or else from the environment variable {@code clientSecretEnv}.
         */
        public static IdentityProvider from(IdentityProviderConfig c, Function<String, String> env) {
            String file = c.clientSecretFile();
            if (file != null && !file.isBlank()) {
                return new IdentityProvider(c.type(), c.alias(), c.displayName(), c.clientId(),
                        () -> readSecretFile(Path.of(file)), "file " + file, c.issuer(), null, null, null, null);
            }
            String var = c.clientSecretEnv();
            Supplier<String> secret = () -> var == null ? null : env.apply(var);
            return new IdentityProvider(c.type(), c.alias(), c.displayName(), c.clientId(), secret,
                    "environment variable " + var, c.issuer(), null, null, null, null);
        }

        /** The secret in a file: its content without the trailing line break; null when the file is empty. */
        static String readSecretFile(Path file) {
            String field = "sso.identityProvider.clientSecretFile";
            try {
                if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
                    Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
                    if (perms.stream().anyMatch(p -> p.name().startsWith("GROUP_") || p.name().startsWith("OTHERS_"))) {
                        throw StageException.invalidInput("the client secret file " + file + " can be read or"
                                + " changed by other users (mode " + PosixFilePermissions.toString(perms) + ")",
                                Fix.configField(field, "run `chmod 600 " + file + "`"));
                    }
                }
                String value = Files.readString(file, StandardCharsets.UTF_8).replaceAll("[\\r\\n]+$", "");
                return value.isEmpty() ? null : value;
            } catch (NoSuchFileException e) {
                throw StageException.invalidInput("the client secret file " + file + " does not exist",
                        Fix.configField(field, "give the path of a file that holds the client secret"));
            } catch (IOException e) {
                throw StageException.invalidInput("the client secret file " + file + " cannot be read: "
                        + e.getMessage(), Fix.configField(field, "check the file's permissions"));
            }
        }

        /** A copy with explicit endpoint URLs (instead of discovery). */
        public IdentityProvider withEndpoints(String authorization, String token, String userInfo, String jwks) {
            return new IdentityProvider(type, alias, displayName, clientId, clientSecret, secretSource, issuer,
                    authorization, token, userInfo, jwks);
        }

        public boolean isOidc() { return "oidc".equals(type); }

        void validate() {
            String base = "sso.identityProvider";
            if (!"google".equals(type) && !"github".equals(type) && !"oidc".equals(type)) {
                throw StageException.invalidInput("identity provider type '" + type + "' is not supported",
                        Fix.configField(base + ".type", "use google, github or oidc"));
            }
            if (alias == null || !alias.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
                throw StageException.invalidInput("'" + alias + "' is not a valid identity provider alias",
                        Fix.configField(base + ".alias", "use letters, digits, '.', '_' and '-'"));
            }
            if (clientId == null || clientId.isBlank()) {
                throw StageException.invalidInput("the identity provider has no client id",
                        Fix.configField(base + ".clientId", "give the OAuth client id registered at the provider"));
            }
            if (isOidc() && (issuer == null || issuer.isBlank()) && (authorizationUrl == null || tokenUrl == null)) {
                throw StageException.invalidInput("the OpenID Connect identity provider has no issuer",
                        Fix.configField(base + ".issuer", "give the provider's issuer URL"));
            }
        }

        /**
         * The client secret, registered as a secret; an invalid-input error when it is missing, or its file is
         * missing or readable by others. The sso stage asks for it before it writes anything.
         */
        public String requireSecret() {
            String value = clientSecret == null ? null : clientSecret.get();
            if (value == null || value.isEmpty()) {
                throw StageException.invalidInput("the client secret of identity provider '" + alias
                        + "' is empty: " + secretSource + (secretSource.startsWith("file ") ? " is empty" : " is not set"),
                        secretSource.startsWith("file ")
                                ? Fix.configField("sso.identityProvider.clientSecretFile",
                                        "write the client secret into " + secretSource.substring(5))
                                : Fix.configField("sso.identityProvider.clientSecretEnv",
                                        "set " + secretSource + " to the client secret before running the stage"));
            }
            KeycloakAdmin.registerSecret(value);
            return value;
        }

        private static String defaultDisplayName(String type) {
            if (type == null) {
                return null;
            }
            return switch (type) {
                case "google" -> "Google";
                case "github" -> "GitHub";
                default -> "OpenID Connect";
            };
        }

        @Override
        public String toString() {
            return "IdentityProvider[" + type + ", alias " + alias + ", client " + clientId + "]";
        }
    }

    /** The developer portal host of a 3scale tenant: {@code <tenant>.<apps domain>}. */
    public static String portalHost(String tenantName, String appsDomain) {
        Objects.requireNonNull(tenantName, "tenantName");
        Objects.requireNonNull(appsDomain, "appsDomain");
        return tenantName + "." + appsDomain;
    }
}
