package dev.maas.installer.ui.model;

import dev.maas.installer.engine.config.ConfigProblem;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The wizard's words for the configuration's fields: a validator's path ({@code sso.realm}, {@code models[0].url})
 * becomes the label the screen shows ("Realm", "Model 1 URL"), so that every error reads in the screen's words. A
 * path without a field on screen (set in the configuration file only) keeps its path, marked as such.
 */
public final class FieldLabels {
    private FieldLabels() { }

    /** The page each section's fields are on. */
    private static final Map<String, String> PAGES = Map.of(
            "sso", "Red Hat SSO page", "threescale", "3scale page", "models", "Models page",
            "products", "Products page", "plans", "Plans page", "portal", "Portal page", "cluster", "Connect page");

    private static final Map<String, String> LABELS = Map.ofEntries(
            Map.entry("sso.flavour", "Flavour"),
            Map.entry("sso.namespace", "Namespace"),
            Map.entry("sso.realm", "Realm"),
            Map.entry("sso.redirectPolicy", "Redirect policy"),
            Map.entry("sso.identityProvider", "Identity provider"),
            Map.entry("sso.identityProvider.type", "Identity provider"),
            Map.entry("sso.identityProvider.alias", "Alias"),
            Map.entry("sso.identityProvider.displayName", "Display name"),
            Map.entry("sso.identityProvider.clientId", "Client id"),
            Map.entry("sso.identityProvider.clientSecretEnv", "Variable name"),
            Map.entry("sso.identityProvider.clientSecretFile", "Secret file"),
            Map.entry("sso.identityProvider.issuer", "Issuer URL"),
            Map.entry("threescale.namespace", "Namespace"),
            Map.entry("threescale.channel", "Operator channel"),
            Map.entry("threescale.tenantName", "Tenant"),
            Map.entry("threescale.organizationName", "Organisation"),
            Map.entry("threescale.storage.type", "Storage"),
            Map.entry("threescale.storage.storageClass", "RWX StorageClass"),
            Map.entry("threescale.storage.s3SecretName", "S3 Secret"),
            Map.entry("threescale.policies", "Policy folders"),
            Map.entry("threescale.timezone", "Time zone"),
            Map.entry("products.credentialsLocation", "API key sent in"),
            Map.entry("products.concurrency", "Products set up at the same time"),
            Map.entry("plans.name", "Application plan name"),
            Map.entry("portal.contentDir", "Content folder"),
            Map.entry("portal.onError", "A bad content item"),
            Map.entry("cluster.apiUrl", "API URL"),
            Map.entry("cluster.kubeconfig", "Kubeconfig file"));

    /** The models list's columns, by the field of a model. */
    private static final Map<String, String> MODEL_FIELDS = Map.of(
            "name", "name", "systemName", "system name", "url", "URL", "openapi", "OpenAPI file");

    private static final Pattern MODEL = Pattern.compile("models\\[(\\d+)](?:\\.(\\w+))?");

    /** A tier's fields: {@code plans.tiers[0].name}, {@code plans.tiers[1].limits[2].value}, ... */
    private static final Pattern TIER = Pattern.compile(
            "plans\\.tiers\\[(\\d+)](?:\\.(name|approvalRequired|models)(?:\\[(\\d+)])?"
                    + "|\\.limits\\[(\\d+)](?:\\.(metric|period|value))?)?");

    /** The tiers table's columns and the limits' fields, by the field of a tier or limit. */
    private static final Map<String, String> TIER_FIELDS = Map.of(
            "name", "name", "approvalRequired", "approval", "models", "models", "metric", "metric",
            "period", "period", "value", "value");

    /** The label of a field as the screen shows it, e.g. "Realm", "Model 1 URL"; the path itself when none. */
    public static String label(String path) {
        if (path == null || path.isEmpty()) {
            return "the configuration file";
        }
        String known = LABELS.get(path);
        if (known != null) {
            return known;
        }
        Matcher m = MODEL.matcher(path);
        if (m.matches()) {
            String model = "Model " + (Integer.parseInt(m.group(1)) + 1);
            return m.group(2) == null ? model : model + " " + MODEL_FIELDS.getOrDefault(m.group(2), m.group(2));
        }
        Matcher t = TIER.matcher(path);
        if (t.matches()) {
            return tierLabel(t);
        }
        if (path.equals("plans.tiers")) {
            return "Tiers";
        }
        return path + " (in the configuration file)";
    }

    /** "Tier 1", "Tier 1 name", "Tier 2 model 1", "Tier 1 limit 3 period". */
    private static String tierLabel(Matcher t) {
        String tier = "Tier " + (Integer.parseInt(t.group(1)) + 1);
        if (t.group(2) != null) {
            return t.group(3) == null ? tier + " " + TIER_FIELDS.get(t.group(2))
                    : tier + " model " + (Integer.parseInt(t.group(3)) + 1);
        }
        if (t.group(4) != null) {
            String limit = tier + " limit " + (Integer.parseInt(t.group(4)) + 1);
            return t.group(5) == null ? limit : limit + " " + TIER_FIELDS.get(t.group(5));
        }
        return tier;
    }

    /** The label of a model's field alone, as the models list's column shows it (e.g. "URL" for {@code url}). */
    public static String modelColumn(String field) {
        String f = MODEL_FIELDS.getOrDefault(field, field);
        return Character.toUpperCase(f.charAt(0)) + f.substring(1);
    }

    /** The page a field is on, e.g. "Red Hat SSO page"; empty when it is not on one. */
    public static String page(String path) {
        if (path == null || !LABELS.containsKey(path) && !MODEL.matcher(path).matches()) {
            return "";
        }
        int dot = path.indexOf('.');
        int bracket = path.indexOf('[');
        int end = dot < 0 ? bracket : bracket < 0 ? dot : Math.min(dot, bracket);
        return PAGES.getOrDefault(end < 0 ? path : path.substring(0, end), "");
    }

    /** A message in the screen's words: other models named by their place in the list ("Model 2"). */
    public static String words(String message) {
        if (message == null) {
            return "";
        }
        Matcher t = Pattern.compile("plans\\.tiers\\[\\d+](\\.limits\\[\\d+])?").matcher(message);
        StringBuilder tiers = new StringBuilder();
        while (t.find()) {
            t.appendReplacement(tiers, Matcher.quoteReplacement(label(t.group())));
        }
        t.appendTail(tiers);
        message = tiers.toString();
        Matcher m = MODEL.matcher(message);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(sb, Matcher.quoteReplacement(label(m.group())));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    /** A problem on its own page, next to nothing: "Realm: 'demo realm' is not a valid realm name…". */
    public static String describe(ConfigProblem p) {
        return label(p.path()) + ": " + words(p.message());
    }

    /** A problem seen from elsewhere (the sidebar, the journey): "Realm (Red Hat SSO page): …". */
    public static String describeWithPage(ConfigProblem p) {
        String page = page(p.path());
        return label(p.path()) + (page.isEmpty() ? "" : " (" + page + ")") + ": " + words(p.message());
    }

    /** What to do, in the screen's words: a configuration field named by its label and page. */
    public static String fix(dev.maas.installer.engine.Fix fix) {
        if (fix == null) {
            return "";
        }
        if (fix.kind() == dev.maas.installer.engine.Fix.Kind.CONFIG && (LABELS.containsKey(fix.target())
                || MODEL.matcher(fix.target()).matches())) {
            String page = page(fix.target());
            return "correct " + label(fix.target()) + (page.isEmpty() ? "" : " (" + page + ")")
                    + (fix.hint().isEmpty() ? "" : ": " + fix.hint());
        }
        return fix.toString();
    }
}
