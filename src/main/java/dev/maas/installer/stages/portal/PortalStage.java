package dev.maas.installer.stages.portal;

import dev.maas.installer.engine.Action;
import dev.maas.installer.engine.Change;
import dev.maas.installer.engine.Check;
import dev.maas.installer.engine.FieldChange;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.Progress;
import dev.maas.installer.engine.Stage;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.StageException;
import dev.maas.installer.engine.StageIds;
import dev.maas.installer.engine.TargetSystem;
import dev.maas.installer.engine.WaitingForStageException;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.engine.reconcile.Reconciler;
import dev.maas.installer.engine.reconcile.Steps;
import dev.maas.installer.keycloak.KeycloakAdmin;
import dev.maas.installer.keycloak.RealmConfigurator;
import dev.maas.installer.keycloak.RealmSpec;
import dev.maas.installer.portal.CmsState;
import dev.maas.installer.portal.DesiredPortal;
import dev.maas.installer.portal.PortalContentException;
import dev.maas.installer.portal.PortalDiff;
import dev.maas.installer.portal.PortalPlan;
import dev.maas.installer.portal.PortalProblem;
import dev.maas.installer.portal.PortalTree;
import dev.maas.installer.stages.common.RouteCertificates;
import dev.maas.installer.stages.common.StageGuards;
import dev.maas.installer.stages.common.ThreescaleAccess;
import dev.maas.installer.stages.sso.KeycloakEndpoints;
import dev.maas.installer.threescale.ThreescaleApiException;
import dev.maas.installer.threescale.ThreescaleClient;
import dev.maas.installer.threescale.model.Account;
import dev.maas.installer.threescale.model.AuthenticationProvider;
import org.keycloak.representations.idm.ClientRepresentation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The {@code portal} stage: the developer portal open to everyone (no access code), sign-in through the MaaS realm
 * (3scale SSO integration of kind {@code keycloak}, "Red Hat Single Sign-On"), and our portal content (or the user's
 * folder, {@code portal.contentDir}) uploaded to the CMS and published. The realm client's redirect URIs belong to the
 * sso stage, which sets them to the portal's sign-in callback ({@link RealmSpec#redirectUris()}); this stage only
 * reads them: its verify checks that the client accepts the callback of its integration.
 *
 * <p>Everything is read back from the live systems on each call: the 3scale tenant through {@link ThreescaleAccess},
 * Keycloak through {@link KeycloakEndpoints}, the client secret from Keycloak. Writes only what differs, so a second
 * apply sends no write to 3scale and none to Keycloak.
 *
 * <p>A bad content item (an unknown builtin page, an unreadable file, a template 3scale rejects with 422) gives an
 * error naming the file. {@link OnError#CONTINUE} (default, {@code portal.onError: continue}) uploads the other items
 * and then fails the stage listing every bad file; {@link OnError#STOP} stops: before any write when the folder
 * itself has problems, at the failing item when 3scale rejects one (what was uploaded before it stays).
 */
public final class PortalStage implements Stage {
    private static final Logger LOG = LoggerFactory.getLogger(PortalStage.class);

    /** The SSO integration kind of Red Hat Single Sign-On (porta {@code AuthenticationProvider::Keycloak}). */
    public static final String SSO_KIND = "keycloak";
    /** The system name given to the integration we create (its callback is {@code /auth/keycloak/callback}). */
    public static final String SSO_SYSTEM_NAME = RealmSpec.PORTAL_SSO_SYSTEM_NAME;

    private static final int STEPS = 3;

    /** Plans, applies and verifies the access code and the SSO integration ({@link PortalObjects}). */
    private static final Reconciler RECONCILER = StageGuards.reconciler(StageIds.PORTAL);

    /** What a bad content item does. */
    public enum OnError {
        CONTINUE, STOP;

        static OnError of(String configValue) {
            return InstallerConfig.PortalConfig.ON_ERROR_STOP.equalsIgnoreCase(configValue) ? STOP : CONTINUE;
        }
    }

    private final OnError onError;
    private final Supplier<DesiredPortal> defaultContent;

    /** Bad items handled as {@code portal.onError} says. */
    public PortalStage() {
        this(null);
    }

    /** {@code onError} overrides {@code portal.onError}; null means: as configured. */
    public PortalStage(OnError onError) {
        this(onError, DefaultPortalContent::read);
    }

    PortalStage(OnError onError, Supplier<DesiredPortal> defaultContent) {
        this.onError = onError;
        this.defaultContent = Objects.requireNonNull(defaultContent);
    }

    @Override public String id() { return StageIds.PORTAL; }

    @Override public String title() { return "Developer portal"; }

    @Override public List<String> dependencies() { return List.of(StageIds.SSO, StageIds.PLANS); }

    // ------------------------------------------------------------------------------------------ live state

    /** What the stage reads before it plans, applies or verifies; its objects ({@link PortalObjects}) read from it. */
    record Live(ThreescaleClient threescale, Account provider, String portalHost,
                RealmConfigurator realm, String clientSecret, String site,
                Optional<AuthenticationProvider> sso, ClientRepresentation client, boolean skipTls) {
        /** The desired fields of the SSO integration. */
        Map<String, String> ssoFields() {
            return PortalStage.ssoFields(clientSecret, site, skipTls);
        }

        /** The portal's SSO callback: the integration's {@code callback_url}, else porta's route for it. */
        String callback(Optional<AuthenticationProvider> integration) {
            return PortalStage.callback(portalHost, integration);
        }

        List<String> redirectUris() {
            return client == null || client.getRedirectUris() == null ? List.of() : client.getRedirectUris();
        }

        boolean policyAny() {
            return RealmSpec.POLICY_ANY.equals(realm.spec().redirectPolicy());
        }
    }

    private Live readLive(StageContext ctx) {
        ThreescaleClient c = ThreescaleAccess.client(ctx);
        Account provider = c.tenant().provider();
        String portalHost = portalHost(ctx, provider);
        KeycloakAdmin admin = KeycloakEndpoints.admin(ctx);
        KeycloakEndpoints.KeycloakEndpoint target = KeycloakEndpoints.resolve(ctx);
        InstallerConfig.SsoConfig sso = ctx.config().sso();
        RealmConfigurator realm = new RealmConfigurator(admin,
                new RealmSpec(sso.realm(), null, portalHost, sso.redirectPolicy(), null));
        String secret = ctx.secrets().register(realm.clientSecret());
        String site = siteRoot(target.publicUrl()) + admin.basePath() + "/realms/" + sso.realm();
        ClientRepresentation client;
        try {
            client = admin.call("read client " + RealmSpec.CLIENT_ID + " of realm " + sso.realm(),
                    () -> admin.realm(sso.realm()).clients().findByClientId(RealmSpec.CLIENT_ID)).stream()
                    .filter(cl -> RealmSpec.CLIENT_ID.equals(cl.getClientId())).findFirst().orElse(null);
            if (client != null && client.getSecret() != null) {
                ctx.secrets().register(client.getSecret()); // the representation carries it: mask it everywhere
            }
        } catch (StageException e) {
            throw e; // Keycloak kept failing: the message says so and what to do
        } catch (RuntimeException e) {
            throw new StageException("cannot read client " + RealmSpec.CLIENT_ID + " of realm " + sso.realm() + ": "
                    + ctx.secrets().redact(String.valueOf(e.getMessage())),
                    Fix.rerunStage(StageIds.SSO, "apply the sso stage first"), false, e);
        }
        return new Live(c, provider, portalHost, realm, secret, site, c.tenant().findAuthenticationProvider(SSO_KIND),
                client, ctx.config().portal().skipKeycloakCertificateVerification());
    }

    /** The fields of the SSO integration: what the stage creates it with, and what it keeps it at. */
    static Map<String, String> ssoFields(String clientSecret, String site, boolean skipTls) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("client_id", RealmSpec.CLIENT_ID);
        m.put("client_secret", clientSecret);
        m.put("site", site);
        m.put("published", "true");
        // portal.skipKeycloakCertificateVerification
        m.put("skip_ssl_certificate_verification", String.valueOf(skipTls));
        m.put("automatically_approve_accounts", "true");
        return m;
    }

    /** The portal's SSO callback: the integration's {@code callback_url}, else porta's route for it. */
    public static String callback(String portalHost, Optional<AuthenticationProvider> integration) {
        return integration.map(AuthenticationProvider::callbackUrl).filter(u -> !u.isBlank())
                .orElseGet(() -> RealmSpec.portalCallbackUri(portalHost,
                        integration.map(AuthenticationProvider::systemName).orElse(SSO_SYSTEM_NAME)));
    }

    /** The developer portal host: the provider account's domain, else the host of endpoints.developerPortalUrl. */
    static String portalHost(StageContext ctx, Account provider) {
        if (provider.domain() != null && !provider.domain().isBlank()) {
            return provider.domain();
        }
        String override = ctx.config().endpoints().developerPortalUrl();
        if (override != null && !override.isBlank()) {
            String host = URI.create(override.trim()).getHost();
            if (host != null) {
                return host;
            }
        }
        throw new StageException("the 3scale provider account has no developer portal domain",
                Fix.configField("endpoints.developerPortalUrl", "give the developer portal URL"));
    }

    /** The Keycloak URL without a trailing slash or {@code /auth} (the base path is added from detection). */
    static String siteRoot(String url) {
        return KeycloakAdmin.siteRoot(url);
    }

    // ------------------------------------------------------------------------------------------ content

    /** The content to upload: the user's folder, or our default content. */
    public DesiredPortal desiredContent(StageContext ctx) {
        String dir = ctx.config().portal().contentDir();
        if (dir == null || dir.isBlank()) {
            return defaultContent.get();
        }
        try {
            return PortalTree.read(Path.of(dir));
        } catch (PortalContentException e) {
            throw StageException.invalidInput(e.getMessage(),
                    Fix.configField("portal.contentDir", "point it to your portal content folder, or leave it empty"
                            + " for the MaaS default content"));
        }
    }

    /** What the CMS holds now; file contents are downloaded only for the paths the content has. */
    static CmsState cmsState(ThreescaleClient c, DesiredPortal desired) {
        List<dev.maas.installer.portal.CmsSection> sections = c.cms().sections().stream()
                .map(s -> new dev.maas.installer.portal.CmsSection(s.id(), s.title(), s.systemName(),
                        Boolean.TRUE.equals(s.isPublic()), s.parentId(), s.partialPath()))
                .toList();
        List<dev.maas.installer.portal.CmsTemplate> templates = c.cms().templates(true).stream()
                .filter(t -> !"builtin_static_page".equals(t.type()))
                .map(t -> new dev.maas.installer.portal.CmsTemplate(t.id(), t.type(), t.systemName(), t.title(),
                        t.path(), t.sectionId(), t.layoutId(), t.contentType(), t.liquidEnabled(), t.draft(),
                        t.published()))
                .toList();
        List<dev.maas.installer.portal.CmsFile> files = new ArrayList<>();
        for (dev.maas.installer.threescale.model.CmsFile f : c.cms().files()) {
            String sha = null;
            if (desired.files().stream().anyMatch(d -> d.path().equals(f.path()))) {
                try {
                    sha = PortalTree.sha256(c.cms().fileContent(f));
                } catch (ThreescaleApiException e) {
                    LOG.info("Could not download CMS file {} to compare it ({}); it will be uploaded again",
                            f.path(), e.getMessage());
                }
            }
            files.add(new dev.maas.installer.portal.CmsFile(f.id(), f.sectionId(), f.path(), f.title(),
                    f.contentType(), Boolean.TRUE.equals(f.downloadable()), sha));
        }
        return new CmsState(sections, templates, files);
    }

    /** The content dry run: what the upload would write, and the problems of bad items. Sends only GETs. */
    public PortalPlan contentPlan(StageContext ctx) {
        DesiredPortal desired = desiredContent(ctx);
        return diff(desired, cmsState(ThreescaleAccess.client(ctx), desired));
    }

    /**
     * {@link PortalDiff#diff}: every difference is a write, a page's {@code content_type} included (porta's templates
     * API takes it on create and update: app/controllers/admin/api/cms/templates_controller.rb ALLOWED_PARAMS[:page]).
     */
    static PortalPlan diff(DesiredPortal desired, CmsState current) {
        return PortalDiff.diff(desired, current);
    }

    private OnError onError(StageContext ctx) {
        return onError != null ? onError : OnError.of(ctx.config().portal().onError());
    }

    // ------------------------------------------------------------------------------------------ plan

    @Override
    public List<Change> plan(StageContext ctx) {
        Live live;
        try {
            live = readLive(ctx);
        } catch (WaitingForStageException e) {
            return planForNewTenant(ctx, e);
        }
        List<Change> changes = new ArrayList<>(RECONCILER.plan(ctx, PortalObjects.of(live)));
        DesiredPortal desired = desiredContent(ctx);
        CmsState current = cmsState(live.threescale(), desired);
        LOG.info("{}", diff(desired, current).dryRun());
        changes.addAll(new PortalContent(desired, current, null).plan(RECONCILER, ctx));
        return changes;
    }

    /**
     * The plan before the stages it depends on are applied (a first install): as for the tenant 3scale makes, which
     * has an access code (porta {@code app/models/account.rb}: {@code generate_site_access_code} for every new
     * provider), no SSO integration and 3scale's own CMS content ({@link NewTenantCms}); the integration's site is
     * the realm the sso stage makes.
     */
    private List<Change> planForNewTenant(StageContext ctx, WaitingForStageException waiting) {
        ctx.assume("assumes stage " + waiting.stageId() + " is applied: planned for a new 3scale tenant");
        List<Change> changes = new ArrayList<>();
        changes.add(new Change(Action.UPDATE, TargetSystem.THREESCALE, "provider account", "site_access_code",
                Map.of("site_access_code", FieldChange.secret(true, false))));
        // the integration as the sso stage's realm will have it; its client secret is not known yet, only that it is set
        Map<String, String> sso = ssoFields("set by stage sso", "the URL of realm " + ctx.config().sso().realm()
                + " (made by stage sso)", ctx.config().portal().skipKeycloakCertificateVerification());
        changes.add(new Change(Action.CREATE, TargetSystem.THREESCALE, "authentication provider", SSO_SYSTEM_NAME,
                PortalObjects.SsoIntegration.createFields(sso)));
        changes.addAll(new PortalContent(desiredContent(ctx), NewTenantCms.state(), null).plan(RECONCILER, ctx));
        return changes;
    }

    private static String clientName(Live live) {
        return live.realm().spec().realm() + "/" + RealmSpec.CLIENT_ID;
    }

    // ------------------------------------------------------------------------------------------ apply

    /** In a sandbox without Keycloak: the developer sign-in this stage sets up has no SSO to go through. */
    @Override
    public Optional<StageException> notAvailableHere(StageContext ctx) {
        return dev.maas.installer.stages.common.SandboxSso.portalUnavailable(
                ctx.service(io.fabric8.kubernetes.client.KubernetesClient.class));
    }

    @Override
    public List<Change> apply(StageContext ctx, Progress progress) {
        notAvailableHere(ctx).ifPresent(e -> {
            throw e;
        });
        OnError mode = onError(ctx);
        // Content problems are found first, so that "stop" stops before anything is written.
        DesiredPortal desired = desiredContent(ctx);
        if (mode == OnError.STOP && desired.hasProblems()) {
            throw contentFailure(desired.problems(), List.of(), 0, 0, true);
        }

        Steps steps = new Steps(progress, ctx.cancellation(), STEPS);
        Live live = readLive(ctx);
        List<Change> changes = new ArrayList<>(RECONCILER.apply(ctx, steps, PortalObjects.of(live)));

        steps.next("Portal content (" + desired.summary() + ")");
        CmsState current = cmsState(live.threescale(), desired);
        PortalContent content = new PortalContent(desired, current,
                new ContentUpload(live.threescale().cms(), current));
        if (mode == OnError.STOP && !content.problems().isEmpty()) {
            throw contentFailure(content.problems(), List.of(), 0, 0, true);
        }
        PortalContent.Result result = content.upload(RECONCILER, ctx, steps.progress(), mode == OnError.STOP);
        changes.addAll(result.changes());
        if (result.changes().isEmpty()) {
            changes.add(PortalContent.upToDate());
        }
        if (!content.problems().isEmpty() || !result.failures().isEmpty()) {
            // every failure here is about a content item (3scale rejected it, or it needs one that failed); the
            // connection and token errors are thrown before: the user must change the content, exit code 2
            throw contentFailure(content.problems(), result.failures(), result.changes().size(), result.total(),
                    true);
        }
        return changes;
    }

    // ------------------------------------------------------------------------------------------ Keycloak's certificate

    /**
     * Whether 3scale's system-app can verify Keycloak's certificate at developer sign-in: it calls the realm URL
     * ({@code site}) and trusts only its image's CA store (3scale-operator {@code pkg/3scale/amp/component/system.go},
     * {@code SSL_CERT_DIR=/etc/pki/tls/certs}), unless the integration skips verification (porta
     * {@code app/models/authentication_provider.rb}, {@code skip_ssl_certificate_verification}).
     */
    static RouteCertificates.Assessment keycloakCertificate(StageContext ctx, Live live) {
        return RouteCertificates.assess(ctx, live.site(), ctx.config().sso().namespace());
    }

    /** The SSO integration's fields, with what the plan should say about Keycloak's certificate. */
    static Map<String, FieldChange> withCertificate(Map<String, FieldChange> fields, StageContext ctx, Live live) {
        Map<String, FieldChange> out = new LinkedHashMap<>(fields);
        RouteCertificates.Assessment a = keycloakCertificate(ctx, live);
        String note;
        if (live.skipTls()) {
            note = "not verified at sign-in (portal.skipKeycloakCertificateVerification: true); it is " + a.describe();
        } else if (a.publiclyTrusted()) {
            note = "verified at sign-in; it is " + a.describe();
        } else if (a.trust() == RouteCertificates.Trust.CLUSTER || a.trust() == RouteCertificates.Trust.UNTRUSTED) {
            note = "verified at sign-in, and it is " + a.describe() + ": developer sign-in fails until Keycloak has a"
                    + " publicly trusted certificate (or portal.skipKeycloakCertificateVerification: true)";
        } else {
            note = "verified at sign-in; it is " + a.describe();
        }
        out.put("Keycloak certificate", FieldChange.of(null, note));
        return out;
    }

    private static Check signInCertificateCheck(StageContext ctx, Live live) {
        String name = "sign-in certificate";
        RouteCertificates.Assessment a = keycloakCertificate(ctx, live);
        String field = "portal.skipKeycloakCertificateVerification";
        String publicCert = "give Keycloak's Route a certificate from a public CA (its own, or the cluster's default"
                + " ingress certificate)";
        boolean privateCert = a.trust() == RouteCertificates.Trust.CLUSTER
                || a.trust() == RouteCertificates.Trust.UNTRUSTED;
        if (live.skipTls()) {
            return a.publiclyTrusted()
                    ? Check.warn(name, "Keycloak's certificate at " + live.site() + " is " + a.describe()
                    + ", yet 3scale does not verify it at developer sign-in (" + field + ": true)",
                    Fix.configField(field, "set it to false, then apply the portal stage"))
                    : Check.warn(name, "3scale does not verify Keycloak's certificate at developer sign-in (" + field
                    + ": true), so whoever can intercept its connection to Keycloak can read the client secret and the"
                    + " developers' tokens; the certificate is " + a.describe(),
                    Fix.manual(publicCert + ", then set " + field + " to false and apply the portal stage"));
        }
        if (a.publiclyTrusted()) {
            return Check.ok(name, "Keycloak's certificate at " + live.site() + " is " + a.describe()
                    + ": 3scale verifies it at developer sign-in");
        }
        if (privateCert) {
            return Check.warn(name, "developer sign-in will fail: 3scale's system-app trusts only public CAs and"
                    + " Keycloak's certificate at " + live.site() + " is " + a.describe() + ". A publicly trusted"
                    + " certificate for Keycloak makes sign-in work with verification on",
                    Fix.manual(publicCert + "; or, accepting that 3scale then does not verify Keycloak, set " + field
                            + ": true and apply the portal stage"));
        }
        if (a.trust() == RouteCertificates.Trust.PLAIN_HTTP) {
            return Check.ok(name, "3scale reaches Keycloak at " + live.site() + " over plain HTTP: there is no"
                    + " certificate to verify");
        }
        return Check.warn(name, "could not find out whether 3scale can verify Keycloak's certificate at "
                + live.site() + ": " + a.describe(), Fix.manual("check that " + live.site() + " has a certificate from"
                + " a public CA; otherwise developer sign-in fails"));
    }

    private StageException contentFailure(List<PortalProblem> problems, List<PortalProblem> rejected, int done,
                                          int total, boolean inputOnly) {
        List<PortalProblem> all = new ArrayList<>(problems);
        all.addAll(rejected);
        StringBuilder sb = new StringBuilder();
        sb.append(all.size()).append(all.size() == 1 ? " portal content item failed" : " portal content items failed");
        if (total > 0) {
            sb.append(" (").append(done).append(" of ").append(total).append(" items uploaded)");
        } else {
            sb.append(" (nothing uploaded)");
        }
        sb.append(':');
        for (PortalProblem p : all) {
            sb.append("\n  - ").append(p);
        }
        return new StageException(sb.toString(), Fix.configField("portal.contentDir",
                "fix or remove the files named above, then run the portal stage again"), inputOnly, null);
    }

    // ------------------------------------------------------------------------------------------ verify

    @Override
    public List<Check> verify(StageContext ctx) {
        List<Check> checks = new ArrayList<>();
        Live live = readLive(ctx);
        checks.addAll(RECONCILER.verify(ctx, PortalObjects.of(live)));
        checks.add(signInCertificateCheck(ctx, live));

        // the redirect URIs belong to the sso stage (it sets them to this callback); the portal only reads them
        Optional<AuthenticationProvider> sso = live.sso();
        String callback = live.callback(sso);
        Fix bySso = Fix.rerunStage(StageIds.SSO, "the sso stage sets the redirect URIs of client "
                + RealmSpec.CLIENT_ID);
        if (live.client() == null) {
            checks.add(Check.retryable("redirect URIs", "client " + clientName(live) + " does not exist",
                    Fix.rerunStage(StageIds.SSO, "apply the sso stage")));
        } else if (live.redirectUris().contains(callback) || live.policyAny() && live.redirectUris().contains("*")) {
            checks.add(Check.ok("redirect URIs", "client " + clientName(live) + " accepts the portal's sign-in callback "
                    + callback + " " + live.redirectUris()));
        } else if (!callback.equals(live.realm().spec().portalCallbackUri()) && !live.policyAny()) {
            checks.add(Check.retryable("redirect URIs", "client " + clientName(live) + " redirects to "
                    + live.redirectUris() + ", but the SSO integration '" + sso.map(AuthenticationProvider::systemName)
                    .orElse(SSO_SYSTEM_NAME) + "' calls back at " + callback + " (the sso stage sets "
                    + live.realm().spec().portalCallbackUri() + ")", Fix.manual("give the integration the system name '"
                    + SSO_SYSTEM_NAME + "' (or remove it so that the portal stage makes one), or choose redirect policy"
                    + " 'any'")));
        } else {
            checks.add(Check.retryable("redirect URIs", "client " + clientName(live) + " has redirect URIs "
                    + live.redirectUris() + ", which do not accept the portal's sign-in callback " + callback,
                    bySso));
        }

        // the content's items, as one check: each is published as in the content folder
        DesiredPortal desired = desiredContent(ctx);
        PortalContent content = new PortalContent(desired, cmsState(live.threescale(), desired), null);
        checks.add(RECONCILER.verifyAs(ctx, "portal content", () -> List.copyOf(content.items()),
                "every item of the content folder is published with the same content (" + desired.summary() + ")"));
        for (PortalProblem p : content.problems()) {
            checks.add(Check.invalidInput("portal content " + p.file(), p.message(),
                    Fix.configField("portal.contentDir", p.fix())));
        }
        return checks;
    }

    @Override
    public String toString() {
        return "PortalStage[" + (onError == null ? "onError from config" : onError.name().toLowerCase(Locale.ROOT))
                + "]";
    }
}
