package dev.maas.installer.engine.config;

import dev.maas.installer.catalog.policy.PolicyBundle;
import dev.maas.installer.engine.config.InstallerConfig.DatabaseConfig;
import dev.maas.installer.engine.config.InstallerConfig.IdentityProviderConfig;
import dev.maas.installer.engine.config.InstallerConfig.ModelConfig;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** Checks a configuration; every problem names the field and says how to fix it. */
public final class ConfigValidator {
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern REALM = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
    /**
     * A model's system name, which becomes the system_name of its backend, product and ActiveDoc: lower case (it
     * also names routes), within porta's format for system names, {@code \A\w[\w\-/_]+\z}
     * (app/lib/system_name.rb), so two characters at least.
     */
    private static final Pattern SYSTEM_NAME = Pattern.compile("[a-z0-9][a-z0-9_-]+");
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern ALIAS = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
    private static final Pattern CHANNEL = Pattern.compile("threescale-\\d+\\.\\d+");
    /**
     * The 3scale channels the installer supports: their operators (3scale-operator {@code 3scale-2.15-stable} and
     * {@code 3scale-2.16-stable}) run 3scale on apps/v1 Deployments, whose names the threescale stage checks
     * ({@code pkg/3scale/amp/component/deployments_lister.go}); {@code threescale-2.14} and earlier use
     * DeploymentConfigs.
     */
    public static final List<String> THREESCALE_CHANNELS = List.of("threescale-2.15", "threescale-2.16");
    private static final Pattern DNS_SUBDOMAIN = Pattern.compile(
            "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    /** A Kubernetes quantity for storage: a number and a binary or decimal suffix. */
    private static final Pattern QUANTITY = Pattern.compile("[0-9]+(\\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?");

    private final List<ConfigProblem> problems = new ArrayList<>();

    private ConfigValidator() { }

    public static List<ConfigProblem> validate(InstallerConfig c) {
        ConfigValidator v = new ConfigValidator();
        v.check(c);
        return List.copyOf(v.problems);
    }

    private void check(InstallerConfig c) {
        var cl = c.cluster();
        optionalUrl("cluster.apiUrl", cl.apiUrl(), true);
        optionalFile("cluster.kubeconfig", cl.kubeconfig(), false);
        optionalFile("cluster.caFile", cl.caFile(), false);
        if (cl.catalogSource() != null) {
            dnsLabel("cluster.catalogSource", cl.catalogSource());
        }
        if (cl.installPlanApproval() != null) {
            oneOf("cluster.installPlanApproval", cl.installPlanApproval(), Set.of("Automatic", "Manual"));
        }

        var e = c.endpoints();
        optionalUrl("endpoints.keycloakUrl", e.keycloakUrl(), false);
        optionalUrl("endpoints.threescaleAdminUrl", e.threescaleAdminUrl(), false);
        optionalUrl("endpoints.threescaleMasterUrl", e.threescaleMasterUrl(), false);
        optionalUrl("endpoints.developerPortalUrl", e.developerPortalUrl(), false);
        optionalUrl("endpoints.apicastProductionUrl", e.apicastProductionUrl(), false);

        var sso = c.sso();
        oneOf("sso.flavour", sso.flavour(), Set.of("auto", "rhsso", "rhbk"));
        dnsLabel("sso.namespace", sso.namespace());
        if (!REALM.matcher(sso.realm()).matches() || sso.realm().length() > 100) {
            add("sso.realm", "'" + sso.realm() + "' is not a valid realm name: use letters, digits, '.', '_' and '-'"
                    + " (e.g. maas)");
        }
        oneOf("sso.redirectPolicy", sso.redirectPolicy(), Set.of("portal", "any"));
        IdentityProviderConfig idp = sso.identityProvider();
        if (idp != null) {
            identityProvider(idp);
        }
        database(sso.database(), sso.namespace());

        var t = c.threescale();
        dnsLabel("threescale.namespace", t.namespace());
        if (!CHANNEL.matcher(t.channel()).matches()) {
            add("threescale.channel", "'" + t.channel() + "' is not a 3scale operator channel: use the form"
                    + " threescale-2.15");
        } else if (!THREESCALE_CHANNELS.contains(t.channel())) {
            add("threescale.channel", "'" + t.channel() + "' is not a channel the installer supports: use "
                    + String.join(" or ", THREESCALE_CHANNELS)
                    + " (threescale-2.14 and earlier run 3scale on DeploymentConfigs)");
        }
        dnsLabel("threescale.tenantName", t.tenantName());
        oneOf("threescale.storage.type", t.storage().type(), Set.of("rwx", "s3"));
        if ("s3".equals(t.storage().type()) && blank(t.storage().s3SecretName())) {
            add("threescale.storage.s3SecretName", "required when storage.type is s3: name the Secret with the"
                    + " S3 credentials in namespace " + t.namespace());
        }
        for (int i = 0; i < t.policies().size(); i++) {
            String field = "threescale.policies[" + i + "]";
            int before = problems.size();
            optionalFile(field, t.policies().get(i), true);
            if (problems.size() == before && t.policies().get(i) != null && !t.policies().get(i).isBlank()) {
                policyNames(field, Path.of(t.policies().get(i)));
            }
        }

        models(c.models());

        var p = c.products();
        oneOf("products.credentialsLocation", p.credentialsLocation(), Set.of("headers", "authorization", "query"));
        if (p.concurrency() < 1 || p.concurrency() > 32) {
            add("products.concurrency", "must be between 1 and 32 (default 4)");
        }
        if (blank(c.plans().name())) {
            add("plans.name", "must not be empty (default Standard)");
        } else if (planSystemName(c.plans().name()).length() == 1) {
            // porta makes the plan's system_name from its name (app/lib/system_name.rb: name.parameterize
            // .underscore) and refuses one of a single character
            add("plans.name", "Application plan name '" + c.plans().name().trim() + "' would give the 3scale"
                    + " system name '" + planSystemName(c.plans().name()) + "', which 3scale refuses (at least 2"
                    + " characters): use a longer name, e.g. Standard");
        }
        tiers(c.plans().tiers(), c.models());
        optionalFile("portal.contentDir", c.portal().contentDir(), true);
        oneOf("portal.onError", c.portal().onError(), Set.of("continue", "stop"));
    }

    private void identityProvider(IdentityProviderConfig idp) {
        String base = "sso.identityProvider";
        if (blank(idp.type())) {
            add(base + ".type", "required: one of google, github, oidc");
        } else {
            oneOf(base + ".type", idp.type(), Set.of("google", "github", "oidc"));
        }
        if (idp.alias() != null && !ALIAS.matcher(idp.alias()).matches()) {
            add(base + ".alias", "'" + idp.alias() + "' is not a valid alias: use letters, digits, '.', '_' and '-'");
        }
        if (blank(idp.clientId())) {
            add(base + ".clientId", "required: the OAuth client id registered at the identity provider");
        }
        if (!blank(idp.clientSecretEnv()) && !blank(idp.clientSecretFile())) {
            add(base + ".clientSecretFile", "give either clientSecretEnv or clientSecretFile, not both");
        } else if (!blank(idp.clientSecretFile())) {
            optionalFile(base + ".clientSecretFile", idp.clientSecretFile(), false);
        } else if (blank(idp.clientSecretEnv())) {
            add(base + ".clientSecretEnv", "required (or clientSecretFile): the name of the environment variable"
                    + " that holds the client secret (the secret itself never goes in this file)");
        } else if (!ENV_NAME.matcher(idp.clientSecretEnv()).matches()) {
            add(base + ".clientSecretEnv", "'" + idp.clientSecretEnv() + "' is not an environment variable name:"
                    + " use letters, digits and '_' (e.g. MAAS_IDP_CLIENT_SECRET)");
        }
        if ("oidc".equals(idp.type())) {
            if (blank(idp.issuer())) {
                add(base + ".issuer", "required for an OpenID Connect provider: its issuer URL");
            } else {
                optionalUrl(base + ".issuer", idp.issuer(), false);
            }
        } else if (idp.issuer() != null) {
            add(base + ".issuer", "only used with type oidc: remove it");
        }
    }

    /**
     * The policy folder's name is the policy's name (a DNS-1123 label), and the APIcast volume the 3scale operator
     * makes of it, {@code policy-<version>-<name>}, must fit in 63 characters (the version comes from the folder's
     * apicast-policy.json when it can be read; the rest of the folder is checked when the threescale stage loads it).
     */
    private void policyNames(String field, Path folder) {
        String name = folder.toAbsolutePath().normalize().getFileName() == null ? ""
                : folder.toAbsolutePath().normalize().getFileName().toString();
        String nameProblem = PolicyBundle.nameProblem(name);
        if (nameProblem != null) {
            add(field, nameProblem);
            return;
        }
        Path manifest = folder.resolve(PolicyBundle.MANIFEST);
        try {
            com.fasterxml.jackson.databind.JsonNode json = new com.fasterxml.jackson.databind.ObjectMapper()
                    .readTree(Files.readString(manifest));
            if (json != null && json.path("version").isTextual()) {
                String volumeProblem = PolicyBundle.volumeNameProblem(name,
                        json.path("version").asText().trim());
                if (volumeProblem != null) {
                    add(field, volumeProblem);
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            // an unreadable or invalid manifest is reported, with its details, when the stage loads the folder
        }
    }

    /**
     * {@code sso.database}: the Red Hat build of Keycloak's database. The vendors are Keycloak's own ({@code kc.sh}
     * {@code --db}) but its embedded dev-file/dev-mem H2, which lives in the pod; a quantity as Kubernetes reads it.
     */
    private void database(DatabaseConfig db, String namespace) {
        String base = "sso.database";
        oneOf(base + ".type", db.type(), Set.of(DatabaseConfig.MANAGED, DatabaseConfig.EXTERNAL));
        if (db.managed()) {
            for (String[] f : new String[][]{{"vendor", db.vendor()}, {"host", db.host()},
                    {"database", db.database()}, {"credentialsSecret", db.credentialsSecret()}}) {
                if (f[1] != null) {
                    add(base + "." + f[0], "only used with type external (a database you run): remove it, or set"
                            + " type: external");
                }
            }
            if (db.port() != null) {
                add(base + ".port", "only used with type external (a database you run): remove it, or set type:"
                        + " external");
            }
            if (db.storageSize() != null && !QUANTITY.matcher(db.storageSize()).matches()) {
                add(base + ".storageSize", "'" + db.storageSize() + "' is not a storage size: write a number with a"
                        + " unit, e.g. 1Gi or 500Mi");
            }
            if (db.storageClass() != null && !DNS_SUBDOMAIN.matcher(db.storageClass()).matches()) {
                add(base + ".storageClass", "'" + db.storageClass() + "' is not a StorageClass name: use lower case"
                        + " letters, digits, '-' and '.' (see `oc get storageclass`), or remove it for the default");
            }
            if (db.image() != null && (db.image().isBlank() || db.image().chars().anyMatch(Character::isWhitespace))) {
                add(base + ".image", "'" + db.image() + "' is not an image reference, e.g."
                        + " registry.redhat.io/rhel9/postgresql-16");
            }
            return;
        }
        if (!DatabaseConfig.EXTERNAL.equals(db.type())) {
            return;
        }
        for (String[] f : new String[][]{{"storageSize", db.storageSize()}, {"storageClass", db.storageClass()},
                {"image", db.image()}}) {
            if (f[1] != null) {
                add(base + "." + f[0], "only used with type managed (the PostgreSQL the installer runs): remove it");
            }
        }
        if (db.vendor() != null) {
            oneOf(base + ".vendor", db.vendor(), Set.of("postgres", "mariadb", "mysql", "mssql", "oracle"));
        }
        if (blank(db.host())) {
            add(base + ".host", "required with type external: the database server's host name as Keycloak's pods"
                    + " reach it (e.g. postgres.db.svc or db.example.com)");
        } else if (db.host().chars().anyMatch(c -> Character.isWhitespace(c) || c == '/' || c == ':')) {
            add(base + ".host", "'" + db.host() + "' is not a host name: give the name only (the port goes in"
                    + " port, the database name in database)");
        }
        if (db.port() != null && (db.port() < 1 || db.port() > 65535)) {
            add(base + ".port", "must be between 1 and 65535 (default: the vendor's, 5432 for postgres)");
        }
        if (blank(db.credentialsSecret())) {
            add(base + ".credentialsSecret", "required with type external: the name of a Secret in namespace "
                    + namespace + " with the keys username and password (the credentials never go in this file)");
        } else if (db.credentialsSecret().length() > 253 || !DNS_SUBDOMAIN.matcher(db.credentialsSecret()).matches()) {
            add(base + ".credentialsSecret", "'" + db.credentialsSecret() + "' is not a Secret name: use lower case"
                    + " letters, digits, '-' and '.'");
        }
        if (db.database() != null && (db.database().isBlank() || db.database().chars()
                .anyMatch(c -> Character.isWhitespace(c) || c == '/' || c == '?' || c == ';'))) {
            add(base + ".database", "'" + db.database() + "' is not a database name (default keycloak)");
        }
    }

    private void models(List<ModelConfig> models) {
        Map<String, Integer> names = new HashMap<>();
        Map<String, Integer> systemNames = new HashMap<>();
        for (int i = 0; i < models.size(); i++) {
            String base = "models[" + i + "]";
            ModelConfig m = models.get(i);
            if (m == null) {
                add(base, "empty entry: give at least name and url");
                continue;
            }
            if (blank(m.name())) {
                add(base + ".name", "required: the model's display name");
            } else {
                Integer other = names.putIfAbsent(m.name().trim().toLowerCase(Locale.ROOT), i);
                if (other != null) {
                    add(base + ".name", "'" + m.name() + "' is already used by models[" + other + "]: give each"
                            + " model its own name");
                }
            }
            if (m.systemName() == null) {
                if (!blank(m.name())) {
                    add(base + ".systemName", "System name cannot be derived from the name '" + m.name() + "':"
                            + " set one (lower case letters, digits, '-' and '_', at least 2 characters)");
                }
            } else if (m.systemName().length() < 2) {
                add(base + ".systemName", "System name '" + m.systemName() + "' is too short: 3scale needs at"
                        + " least 2 characters for a system name" + (m.systemName().equals(ConfigDefaults.slug(
                        m.name())) ? " (it was made from the name '" + m.name() + "')" : "") + "; set a System"
                        + " name of 2 or more lower case letters, digits, '-' and '_', e.g. '"
                        + m.systemName() + "-model'");
            } else if (!SYSTEM_NAME.matcher(m.systemName()).matches() || m.systemName().length() > 255) {
                add(base + ".systemName", "System name '" + m.systemName() + "' is not a valid system name: use"
                        + " 2 to 255 lower case letters, digits, '-' and '_', starting with a letter or digit");
            } else {
                Integer other = systemNames.putIfAbsent(m.systemName(), i);
                if (other != null) {
                    add(base + ".systemName", "'" + m.systemName() + "' clashes with models[" + other + "]:"
                            + " set a different systemName for one of them");
                }
            }
            if (blank(m.url())) {
                add(base + ".url", "required: the model's in-cluster URL, e.g."
                        + " http://granite.models.svc.cluster.local:8080");
            } else {
                optionalUrl(base + ".url", m.url(), false);
            }
            optionalFile(base + ".openapi", m.openapi(), false);
        }
    }

    /**
     * {@code plans.tiers}: each a plan name porta accepts (its system_name, {@code name.parameterize.underscore},
     * of 2 to 255 characters, unique per product: app/models/plan.rb has_system_name, app/lib/system_name.rb),
     * models that are configured, limits on a known metric and period (ThreeScale::Core::UsageLimit::PERIODS) with a
     * value above 0, at most one per metric and period (app/models/usage_limit.rb validates period uniqueness per
     * metric and plan); every model gets at least one tier.
     */
    private void tiers(List<InstallerConfig.TierConfig> tiers, List<ModelConfig> models) {
        if (tiers.isEmpty()) {
            return;
        }
        List<ModelConfig> known = models.stream().filter(m -> m != null && !blank(m.name())).toList();
        // tier system names per model: a second tier of the same name on a model's product is refused by 3scale
        Map<String, Map<String, Integer>> namesPerModel = new HashMap<>();
        for (int i = 0; i < tiers.size(); i++) {
            String base = "plans.tiers[" + i + "]";
            InstallerConfig.TierConfig t = tiers.get(i);
            if (t == null) {
                add(base, "empty entry: give at least the tier's name");
                continue;
            }
            String sn = null;
            if (blank(t.name())) {
                add(base + ".name", "required: the tier's name, which is its application plan's name (e.g. Free)");
            } else if (planSystemName(t.name()).length() < 2 || planSystemName(t.name()).length() > 255) {
                add(base + ".name", "Tier name '" + t.name().trim() + "' would give the 3scale system name '"
                        + planSystemName(t.name()) + "', which 3scale refuses (2 to 255 letters, digits and '_'):"
                        + " use a name of 2 or more letters or digits, e.g. Free");
            } else {
                sn = planSystemName(t.name());
            }
            List<ModelConfig> applies = new ArrayList<>();
            for (int j = 0; j < t.models().size(); j++) {
                String ref = t.models().get(j);
                List<ModelConfig> match = known.stream().filter(m -> ref != null
                        && (ref.equals(m.name()) || ref.equals(m.systemName()))).toList();
                if (match.isEmpty()) {
                    add(base + ".models[" + j + "]", "'" + ref + "' is not a configured model: use the name or"
                            + " system name of one of the models (" + String.join(", ", known.stream()
                            .map(ModelConfig::name).toList()) + "), or leave models out for every model");
                }
                applies.addAll(match);
            }
            if (t.models().isEmpty()) {
                applies.addAll(known);
            }
            if (sn != null) {
                for (ModelConfig m : applies.stream().distinct().toList()) {
                    Integer other = namesPerModel.computeIfAbsent(m.name(), k -> new HashMap<>()).putIfAbsent(sn, i);
                    if (other != null && other != i) {
                        add(base + ".name", "Tier name '" + t.name().trim() + "' is already the name of"
                                + " plans.tiers[" + other + "] for model '" + m.name() + "' (3scale plan system name '"
                                + sn + "'): give each tier of a model its own name");
                        break;
                    }
                }
            }
            limits(base, t.limits());
        }
        for (ModelConfig m : known) {
            if (tiers.stream().noneMatch(t -> t != null && t.appliesTo(m.name(), m.systemName()))) {
                add("plans.tiers", "model '" + m.name() + "' is in no tier, so developers could not subscribe to"
                        + " it: add it to a tier's models, or leave a tier's models out for every model");
            }
        }
    }

    private void limits(String tierBase, List<InstallerConfig.LimitConfig> limits) {
        Map<String, Integer> seen = new HashMap<>();
        for (int j = 0; j < limits.size(); j++) {
            String base = tierBase + ".limits[" + j + "]";
            InstallerConfig.LimitConfig l = limits.get(j);
            if (l == null) {
                add(base, "empty entry: give metric, period and value");
                continue;
            }
            boolean ok = true;
            if (blank(l.metric())) {
                add(base + ".metric", "required: one of " + String.join(", ", InstallerConfig.LimitConfig.METRICS));
                ok = false;
            } else if (!InstallerConfig.LimitConfig.METRICS.contains(l.metric())) {
                add(base + ".metric", "'" + l.metric() + "' is not a metric a tier can limit: use one of "
                        + String.join(", ", InstallerConfig.LimitConfig.METRICS));
                ok = false;
            }
            if (blank(l.period())) {
                add(base + ".period", "required: one of " + String.join(", ", InstallerConfig.LimitConfig.PERIODS));
                ok = false;
            } else if (!InstallerConfig.LimitConfig.PERIODS.contains(l.period())) {
                add(base + ".period", "'" + l.period() + "' is not a 3scale limit period: use one of "
                        + String.join(", ", InstallerConfig.LimitConfig.PERIODS));
                ok = false;
            }
            if (l.value() == null) {
                add(base + ".value", "required: the most the metric may count in the period, a whole number above 0");
            } else if (l.value() < 1) {
                add(base + ".value", "must be above 0 (got " + l.value() + "): give the most the metric may count in"
                        + " the period, or remove the limit for no limit");
            }
            if (ok) {
                Integer other = seen.putIfAbsent(l.metric() + "/" + l.period(), j);
                if (other != null) {
                    add(base, "a second limit on " + l.metric() + " per " + l.period() + " (the first is "
                            + tierBase + ".limits[" + other + "]): 3scale keeps one limit per metric and period;"
                            + " keep one of them");
                }
            }
        }
    }

    private void optionalUrl(String path, String value, boolean httpsOnly) {
        if (value == null) {
            return;
        }
        try {
            URI uri = new URI(value);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            boolean schemeOk = httpsOnly ? scheme.equals("https") : scheme.equals("http") || scheme.equals("https");
            if (!schemeOk || uri.getHost() == null || uri.getHost().isEmpty()) {
                add(path, "must be an " + (httpsOnly ? "https" : "http(s)") + " URL with a host, e.g. "
                        + (httpsOnly ? "https://api.cluster.example.com:6443" : "https://host.example.com")
                        + " (got '" + value + "')");
            }
        } catch (Exception ex) {
            add(path, "must be an " + (httpsOnly ? "https" : "http(s)") + " URL with a host, e.g. "
                    + (httpsOnly ? "https://api.cluster.example.com:6443" : "https://host.example.com")
                    + " (got '" + value + "')");
        }
    }

    private void optionalFile(String path, String value, boolean directory) {
        if (value == null || value.isBlank()) {
            return;
        }
        Path p = Path.of(value);
        if (!Files.exists(p)) {
            add(path, (directory ? "folder" : "file") + " not found: " + value + " (give an existing "
                    + (directory ? "folder" : "file") + "; relative paths start at the config file's folder)");
        } else if (directory != Files.isDirectory(p)) {
            add(path, value + " is " + (directory ? "not a folder" : "a folder, not a file"));
        } else if (!Files.isReadable(p)) {
            add(path, value + " cannot be read: check its permissions");
        }
    }

    private void dnsLabel(String path, String value) {
        if (value == null || value.length() > 63 || !DNS_LABEL.matcher(value).matches()) {
            add(path, "'" + value + "' is not a valid name: use at most 63 lower case letters, digits and '-',"
                    + " starting and ending with a letter or digit");
        }
    }

    private void oneOf(String path, String value, Set<String> allowed) {
        if (!allowed.contains(value)) {
            add(path, "'" + value + "' is not allowed: use one of " + String.join(", ", allowed.stream().sorted()
                    .toList()));
        }
    }

    /** porta's system_name for a plan name: Rails' {@code name.parameterize.underscore}. */
    static String planSystemName(String name) {
        String ascii = java.text.Normalizer.normalize(name, java.text.Normalizer.Form.NFD).replaceAll("\\p{M}", "");
        return ascii.replaceAll("(?i)[^a-z0-9\\-_]+", "-").replaceAll("-{2,}", "-").replaceAll("^-|-$", "")
                .toLowerCase(Locale.ROOT).replace('-', '_');
    }

    private static boolean blank(String s) { return s == null || s.isBlank(); }

    private void add(String path, String message) { problems.add(new ConfigProblem(path, message)); }
}
