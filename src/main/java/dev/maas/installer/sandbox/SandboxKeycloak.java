package dev.maas.installer.sandbox;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.maas.installer.engine.secrets.SecretRegistry;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Objects;

/**
 * The sandbox's Keycloak: which one (started from the distribution by {@link KeycloakProcess}, an existing one given
 * by URL and admin credentials, or none), and what the sandbox adds for it: the simulated RH-SSO / RHBK operator
 * ({@link KeycloakOperatorSimulator}) pointing at it, the simulated StatefulSet controller
 * ({@link StatefulSetSimulator}, which runs the PostgreSQL the sso stage makes for the Red Hat build of Keycloak),
 * the {@code keycloak} entry of {@code sandbox.json}, and the parts of the generated {@code maas-installer.yaml}
 * that let every step of the sso stage run against it ({@code endpoints.keycloakUrl}, {@code sso.flavour} and a
 * placeholder OpenID Connect identity provider whose client secret is in {@value #IDP_SECRET_FILE}, mode 0600).
 *
 * <p>The generation follows the SSO flavour the sandbox is for ({@link #forFlavour}): RH-SSO ({@code rhsso}, and
 * {@code auto}, which picks RH-SSO from the sandbox's catalog) runs on the legacy Keycloak 18 that RH-SSO 7.6 is
 * built on, under {@code /auth}; {@code rhbk} on Keycloak 26. A started Keycloak keeps its data in the sandbox
 * folder ({@value #DATA_DIR} or {@value #LEGACY_DATA_DIR}, with its admin password), so the next start on the same
 * folder resumes its realms.
 */
public final class SandboxKeycloak {
    /** The file (in the sandbox folder) holding the placeholder identity provider's client secret. */
    public static final String IDP_SECRET_FILE = "idp-client-secret";
    public static final String IDP_ALIAS = "sandbox-oidc";
    public static final String IDP_CLIENT_ID = "maas-sandbox-placeholder";
    /** The data folder of a started Keycloak 26, in the sandbox folder. */
    public static final String DATA_DIR = "keycloak-data";
    /** The data folder (the WildFly server folder) of a started Keycloak 18, in the sandbox folder. */
    public static final String LEGACY_DATA_DIR = "keycloak-legacy-data";

    private enum Kind { START, START_IF_AVAILABLE, EXISTING, NONE }

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SandboxKeycloak.class);

    private final Kind kind;
    private final KeycloakProcess.Options processOptions;
    private final String url;
    private final String adminUser;
    private final String adminPassword;
    /** The sso.flavour the sandbox is for (auto, rhsso, rhbk), written into its configuration. */
    private final String flavour;
    /** Why there is no Keycloak: given to {@link #none(String)}, or set by {@link #open} when none could start. */
    private volatile String absence;
    /** A Keycloak 26 zip fetched by {@link KeycloakDownload}, used when no other distribution is found. */
    private volatile Path downloadedZip;

    private SandboxKeycloak(Kind kind, KeycloakProcess.Options processOptions, String url, String adminUser,
                            String adminPassword) {
        this(kind, processOptions, url, adminUser, adminPassword, null);
    }

    private SandboxKeycloak(Kind kind, KeycloakProcess.Options processOptions, String url, String adminUser,
                            String adminPassword, String flavour) {
        this.kind = kind;
        this.processOptions = processOptions;
        this.url = url;
        this.adminUser = adminUser;
        this.adminPassword = adminPassword;
        this.flavour = flavour;
    }

    /** The Keycloak generation an SSO flavour runs on: RH-SSO (and auto, which picks it here) Keycloak 18. */
    public static KeycloakProcess.Generation generationFor(String flavour) {
        String f = flavour == null || flavour.isBlank() ? "auto" : flavour.trim().toLowerCase(java.util.Locale.ROOT);
        return f.equals("rhbk") ? KeycloakProcess.Generation.QUARKUS : KeycloakProcess.Generation.WILDFLY;
    }

    /**
     * Start the Keycloak of that SSO flavour ({@link #generationFor}) when its distribution can be found and started
     * (else the other generation's, with a warning, else none, as {@link #startIfAvailable()}); the generated
     * configuration names the flavour.
     */
    public static SandboxKeycloak forFlavour(String flavour) {
        String f = flavour == null || flavour.isBlank() ? "auto" : flavour.trim().toLowerCase(java.util.Locale.ROOT);
        return new SandboxKeycloak(Kind.START_IF_AVAILABLE, KeycloakProcess.Options.defaults()
                .withGeneration(generationFor(f)), null, null, null, f);
    }

    /**
     * This choice, with the Keycloak 26 zip {@link KeycloakDownload} fetched to fall back on when no distribution of
     * the flavour's generation is found (it is unpacked into the sandbox folder).
     */
    public SandboxKeycloak withDownloadedZip(Path zip) {
        this.downloadedZip = Objects.requireNonNull(zip, "zip");
        return this;
    }

    /** Start a Keycloak from the distribution (the default); its files go into the sandbox folder. */
    public static SandboxKeycloak start() {
        return start(KeycloakProcess.Options.defaults());
    }

    /** Start a Keycloak with these options (unpack folder and log default to the sandbox folder). */
    public static SandboxKeycloak start(KeycloakProcess.Options options) {
        return new SandboxKeycloak(Kind.START, Objects.requireNonNull(options), null, null, null);
    }

    /**
     * Start a Keycloak when a distribution can be found and started; otherwise run the sandbox without one and say
     * so (the default of {@link Sandbox#run(Path)}, so that a packaged installer without a Keycloak distribution
     * still gets a sandbox for every other stage).
     */
    public static SandboxKeycloak startIfAvailable() {
        return forFlavour("auto");
    }

    /**
     * Use a Keycloak that already runs: its server URL (with {@code /auth} for RH-SSO 7 and Keycloak before 17) and
     * master-realm admin.
     */
    public static SandboxKeycloak existing(String url, String adminUser, String adminPassword) {
        Objects.requireNonNull(url, "url");
        String u = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        return new SandboxKeycloak(Kind.EXISTING, null, u, Objects.requireNonNull(adminUser, "adminUser"),
                Objects.requireNonNull(adminPassword, "adminPassword"));
    }

    /** No Keycloak: the sandbox has no {@code keycloak} entry and the sso stage cannot be applied there. */
    public static SandboxKeycloak none() {
        return none("the sandbox was started without Keycloak");
    }

    /** No Keycloak, for that reason (e.g. "you chose to run the sandbox without Keycloak"); see {@link #absence()}. */
    public static SandboxKeycloak none(String reason) {
        SandboxKeycloak k = new SandboxKeycloak(Kind.NONE, null, null, null, null);
        k.absence = Objects.requireNonNull(reason, "reason");
        return k;
    }

    /**
     * Why the sandbox runs without Keycloak (after {@link #open}), or null when it has one. The sandbox records it in
     * its marker ConfigMap and {@code sandbox.json}, where the sso and portal stages read it.
     */
    public String absence() {
        return absence;
    }

    /** The downloaded Keycloak 26 zip this choice falls back on ({@link #withDownloadedZip}), if any. */
    public java.util.Optional<Path> downloadedZip() {
        return java.util.Optional.ofNullable(downloadedZip);
    }

    public boolean enabled() {
        return kind != Kind.NONE;
    }

    /**
     * Starts (or checks) the Keycloak, registers the simulated operator on the cluster and writes the identity
     * provider's secret file; null for {@link #none()}.
     */
    Running open(Path dir, SandboxCluster cluster) {
        if (kind == Kind.NONE) {
            return null;
        }
        KeycloakProcess process = null;
        String u = url;
        String user = adminUser;
        String password = adminPassword;
        if (kind == Kind.START || kind == Kind.START_IF_AVAILABLE) {
            KeycloakProcess.Options o = inSandbox(processOptions, dir);
            if (kind == Kind.START) {
                process = KeycloakProcess.start(o);
            } else {
                try {
                    KeycloakProcess.locateDistribution(o);
                } catch (RuntimeException missing) {
                    o = fallback(o, dir, missing);
                }
                try {
                    process = KeycloakProcess.start(o);
                } catch (RuntimeException e) {
                    LOG.warn("the sandbox runs without Keycloak, so the sso and portal stages cannot be applied to"
                            + " it: {}", e.getMessage());
                    absence = e.getMessage();
                    return null;
                }
            }
            u = process.url();
            user = process.adminUser();
            password = process.adminPassword();
        } else {
            SecretRegistry.global().register(password);
            checkExisting(u, user, password);
        }
        return withOperator(dir, cluster, u, user, password, process);
    }

    /** The options to start with when the flavour's own distribution is missing: the download, else the other one. */
    private KeycloakProcess.Options fallback(KeycloakProcess.Options o, Path dir, RuntimeException missing) {
        Path zip = downloadedZip;
        if (zip != null) {
            LOG.info("the sandbox runs the downloaded Keycloak {} ({})", KeycloakProcess.distributionVersion(),
                    missing.getMessage());
            return inSandbox(processOptions.withGeneration(KeycloakProcess.Generation.QUARKUS)
                    .withDistribution(KeycloakProcess.unpack(zip, dir.resolve("keycloak"),
                            KeycloakProcess.Generation.QUARKUS)), dir);
        }
        KeycloakProcess.Generation other = o.generation() == KeycloakProcess.Generation.QUARKUS
                ? KeycloakProcess.Generation.WILDFLY : KeycloakProcess.Generation.QUARKUS;
        LOG.warn("the sandbox's {} runs on the other Keycloak generation ({}): {}",
                o.generation() == KeycloakProcess.Generation.WILDFLY ? "RH-SSO" : "Red Hat build of Keycloak", other,
                missing.getMessage());
        return inSandbox(processOptions.withGeneration(other), dir);
    }

    /** Registers the simulated Keycloak operator for that Keycloak and writes the identity provider's secret. */
    private Running withOperator(Path dir, SandboxCluster cluster, String u, String user, String password,
                                 KeycloakProcess process) {
        try {
            Path secretFile = dir.resolve(IDP_SECRET_FILE);
            String idpSecret = keptSecret(secretFile); // a resumed sandbox keeps the secret its realm was given
            if (idpSecret == null) {
                idpSecret = randomSecret();
                Sandbox.writePrivate(secretFile, idpSecret + "\n");
            }
            SecretRegistry.global().register(idpSecret);
            cluster.addOperator(new StatefulSetSimulator());
            cluster.addOperator(new KeycloakOperatorSimulator(KeycloakOperatorSimulator.Options.of(u, user,
                    password)));
            return new Running(u, user, password, process, secretFile, flavour);
        } catch (RuntimeException e) {
            if (process != null) {
                process.close();
            }
            throw e;
        }
    }

    /** The options with the sandbox folder's defaults: unpack folder, log, and the kept data folder. */
    private static KeycloakProcess.Options inSandbox(KeycloakProcess.Options o, Path dir) {
        boolean legacy = o.generation() == KeycloakProcess.Generation.WILDFLY;
        if (o.unpackDir() == null) {
            o = o.withUnpackDir(dir);
        }
        if (o.logFile() == null) {
            o = o.withLogFile(dir.resolve(legacy ? "keycloak-legacy.log" : "keycloak.log"));
        }
        if (o.dataDir() == null) {
            o = o.withDataDir(dir.resolve(legacy ? LEGACY_DATA_DIR : DATA_DIR));
        }
        return o;
    }

    /** Fails fast, with a clear message, when the given Keycloak is unreachable or refuses the admin login. */
    static void checkExisting(String url, String user, String password) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        String form = "grant_type=password&client_id=admin-cli&username=" + enc(user) + "&password=" + enc(password);
        HttpRequest request = HttpRequest.newBuilder(URI.create(url + "/realms/master/protocol/openid-connect/token"))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build();
        int status;
        try {
            status = http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalStateException("the Keycloak at " + url + " is not reachable: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while checking the Keycloak at " + url, e);
        }
        if (status == 401 || status == 400) {
            throw new IllegalStateException("the Keycloak at " + url + " did not accept the admin login of '" + user
                    + "' in realm master (HTTP " + status + "): check the user and the password");
        }
        if (status != 200) {
            throw new IllegalStateException("the Keycloak at " + url + " answered HTTP " + status + " to the admin"
                    + " login (give its server URL: with /auth for RH-SSO 7 and Keycloak before 17, without for"
                    + " Keycloak 17 and later)");
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** The identity provider's secret in {@code file} when the sandbox made one there before; else null. */
    private static String keptSecret(Path file) {
        try {
            String kept = java.nio.file.Files.isRegularFile(file)
                    ? java.nio.file.Files.readString(file, StandardCharsets.UTF_8).trim() : "";
            return kept.startsWith("sandbox-idp-") ? kept : null;
        } catch (IOException e) {
            return null;
        }
    }

    private static String randomSecret() {
        byte[] bytes = new byte[24];
        new SecureRandom().nextBytes(bytes);
        return "sandbox-idp-" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** The sandbox's Keycloak while it runs. */
    public record Running(String url, String adminUser, String adminPassword, KeycloakProcess process,
                          Path idpSecretFile, String flavour) implements AutoCloseable {
        public Running(String url, String adminUser, String adminPassword, KeycloakProcess process,
                       Path idpSecretFile) {
            this(url, adminUser, adminPassword, process, idpSecretFile, null);
        }

        /** Whether the sandbox started it (and stops it on close). */
        public boolean startedHere() {
            return process != null;
        }

        /** The master realm's issuer, used as the placeholder identity provider. */
        public String issuer() {
            return url + "/realms/master";
        }

        /** The {@code keycloak} entry of sandbox.json. */
        ObjectNode json() {
            ObjectNode n = JsonNodeFactory.instance.objectNode().put("url", url).put("adminUser", adminUser)
                    .put("adminPassword", adminPassword).put("startedBySandbox", startedHere());
            if (process != null) {
                n.put("log", process.logFile().toString());
                n.put("generation", process.generation() == KeycloakProcess.Generation.WILDFLY
                        ? "Keycloak " + KeycloakProcess.distributionVersion(process.generation()) + " (WildFly, RH-SSO 7.6)"
                        : "Keycloak " + KeycloakProcess.distributionVersion(process.generation()));
                n.put("data", process.dataDir().toString());
            }
            return n;
        }

        /** The {@code endpoints} and {@code sso} parts of the generated config (YAML, top-level keys). */
        String configYaml() {
            return configYaml(url);
        }

        /** The same, with {@code endpointUrl} (e.g. the sandbox's HTTPS front of this Keycloak) as keycloakUrl. */
        String configYaml(String endpointUrl) {
            // continues the endpoints: block the sandbox writes just before it
            String yaml = """
                      keycloakUrl: %s
                    sso:
                      # a placeholder OpenID Connect provider (the sandbox Keycloak's master realm), so that every step
                      # of the sso stage runs here; nobody can sign in through it
                      identityProvider:
                        type: oidc
                        alias: %s
                        displayName: Sandbox OpenID Connect (placeholder)
                        clientId: %s
                        clientSecretFile: %s
                        issuer: %s
                    """.formatted(Sandbox.quoteYaml(endpointUrl), IDP_ALIAS, IDP_CLIENT_ID,
                    Sandbox.quoteYaml(idpSecretFile.toString()), Sandbox.quoteYaml(issuer()));
            return flavour == null ? yaml : yaml.replace("\nsso:\n", "\nsso:\n" + flavourYaml());
        }

        /** The {@code sso.flavour} line: the flavour the sandbox's Keycloak generation is for. */
        private String flavourYaml() {
            String what = process == null ? "the one given" : process.generation() == KeycloakProcess.Generation.WILDFLY
                    ? "Keycloak 18, RH-SSO 7.6's generation" : "Keycloak 26, the Red Hat build of Keycloak's";
            return "  flavour: " + flavour + "   # the sandbox's Keycloak: " + what + "\n";
        }

        /** Stops the Keycloak when the sandbox started it. */
        @Override
        public void close() {
            if (process != null) {
                process.close();
            }
        }

        @Override
        public String toString() {
            return "Keycloak " + url + (startedHere() ? " (started by the sandbox)" : "");
        }
    }
}
