package dev.maas.installer.engine.config;

import java.util.List;

/**
 * The whole configuration, as loaded from {@code maas-installer.yaml}. Immutable; every section has defaults so
 * that an empty file is a valid (if minimal) configuration. It never holds a secret: secrets come from the
 * cluster, environment variables (named here) or a prompt.
 */
public record InstallerConfig(
        ClusterConfig cluster,
        EndpointsConfig endpoints,
        SsoConfig sso,
        ThreescaleConfig threescale,
        List<ModelConfig> models,
        ProductsConfig products,
        PlansConfig plans,
        PortalConfig portal) {

    public InstallerConfig {
        cluster = cluster == null ? ClusterConfig.defaults() : cluster;
        endpoints = endpoints == null ? EndpointsConfig.defaults() : endpoints;
        sso = sso == null ? SsoConfig.defaults() : sso;
        threescale = threescale == null ? ThreescaleConfig.defaults() : threescale;
        models = models == null ? List.of() : List.copyOf(models);
        products = products == null ? ProductsConfig.defaults() : products;
        plans = plans == null ? PlansConfig.defaults() : plans;
        portal = portal == null ? PortalConfig.defaults() : portal;
    }

    public static InstallerConfig defaults() {
        return new InstallerConfig(null, null, null, null, null, null, null, null);
    }

    /**
     * How to reach the cluster (command-line flags override these) and how to install operators on it.
     *
     * @param catalogSource       the CatalogSource (in {@code openshift-marketplace}) to subscribe the operators
     *                            from; empty: Red Hat's {@code redhat-operators} when it offers the package, else the
     *                            only catalog that does
     * @param installPlanApproval {@code Automatic} (default: OLM installs and upgrades the operators by itself) or
     *                            {@code Manual} (the installer approves the InstallPlan of the install it makes;
     *                            upgrades wait for someone to approve them)
     */
    public record ClusterConfig(String kubeconfig, String context, String apiUrl, String caFile,
                                String catalogSource, String installPlanApproval) {
        public ClusterConfig(String kubeconfig, String context, String apiUrl, String caFile) {
            this(kubeconfig, context, apiUrl, caFile, null, null);
        }

        public static ClusterConfig defaults() { return new ClusterConfig(null, null, null, null); }
    }

    /**
     * Overrides for desktops that cannot reach the cluster's routes directly. Empty means: discover it.
     * {@code apicastProductionUrl}: where to connect for every product's production APIcast URL (a tunnel, a
     * proxy, the sandbox's gateway); requests still name the product's own host in their Host header.
     */
    public record EndpointsConfig(String keycloakUrl, String threescaleAdminUrl, String threescaleMasterUrl,
                                  String developerPortalUrl, String apicastProductionUrl) {
        public EndpointsConfig(String keycloakUrl, String threescaleAdminUrl, String threescaleMasterUrl,
                               String developerPortalUrl) {
            this(keycloakUrl, threescaleAdminUrl, threescaleMasterUrl, developerPortalUrl, null);
        }

        public static EndpointsConfig defaults() { return new EndpointsConfig(null, null, null, null, null); }
    }

    public record SsoConfig(String flavour, String namespace, String realm, String redirectPolicy,
                            IdentityProviderConfig identityProvider, DatabaseConfig database) {
        public SsoConfig {
            flavour = flavour == null ? "auto" : flavour;
            namespace = namespace == null ? "rh-sso" : namespace;
            realm = realm == null ? "maas" : realm;
            redirectPolicy = redirectPolicy == null ? "portal" : redirectPolicy;
            database = database == null ? DatabaseConfig.defaults() : database;
        }

        /** With the default database (a PostgreSQL the sso stage runs for the Red Hat build of Keycloak). */
        public SsoConfig(String flavour, String namespace, String realm, String redirectPolicy,
                         IdentityProviderConfig identityProvider) {
            this(flavour, namespace, realm, redirectPolicy, identityProvider, null);
        }

        public static SsoConfig defaults() { return new SsoConfig(null, null, null, null, null, null); }
    }

    /**
     * The database of the Red Hat build of Keycloak ({@code spec.db} of its Keycloak resource; RH-SSO's operator runs
     * its own PostgreSQL and ignores this). {@code type: managed} (default): the sso stage runs a PostgreSQL in
     * {@code sso.namespace} (a StatefulSet with a PersistentVolumeClaim of {@code storageSize} in
     * {@code storageClass}, or the default StorageClass; {@code image}), with generated credentials in a Secret.
     * {@code type: external}: Keycloak uses the database at {@code host} ({@code vendor}, {@code port},
     * {@code database}) with the user and password in the keys {@code username} and {@code password} of Secret
     * {@code credentialsSecret} in {@code sso.namespace}.
     */
    public record DatabaseConfig(String type, String storageSize, String storageClass, String image, String vendor,
                                 String host, Integer port, String database, String credentialsSecret) {
        public static final String MANAGED = "managed";
        public static final String EXTERNAL = "external";

        public DatabaseConfig {
            type = type == null ? MANAGED : type;
        }

        public static DatabaseConfig defaults() {
            return new DatabaseConfig(null, null, null, null, null, null, null, null, null);
        }

        public boolean managed() { return MANAGED.equals(type); }
    }

    /**
     * The identity provider users sign in with. The client secret itself is never in the file: either
     * {@code clientSecretEnv} names the environment variable that holds it, or {@code clientSecretFile} is the path
     * of a file (readable by its owner only, e.g. mode 0600) whose content is the secret (the sandbox writes one).
     * Exactly one of the two is set.
     */
    public record IdentityProviderConfig(String type, String alias, String displayName, String clientId,
                                         String clientSecretEnv, String issuer, String clientSecretFile) {
        /** Without a secret file (the secret comes from {@code clientSecretEnv}). */
        public IdentityProviderConfig(String type, String alias, String displayName, String clientId,
                                      String clientSecretEnv, String issuer) {
            this(type, alias, displayName, clientId, clientSecretEnv, issuer, null);
        }
    }

    /**
     * {@code timezoneConfirmed}: the user has set the tenant's time zone by hand (3scale has no API for it); until
     * then verify reports the manual step as a warning.
     */
    public record ThreescaleConfig(String namespace, String channel, String tenantName, String organizationName,
                                   StorageConfig storage, List<String> policies, Boolean timezoneConfirmed) {
        public ThreescaleConfig {
            namespace = namespace == null ? "3scale" : namespace;
            channel = channel == null ? "threescale-2.15" : channel;
            tenantName = tenantName == null ? "maas" : tenantName;
            storage = storage == null ? StorageConfig.defaults() : storage;
            policies = policies == null ? List.of() : List.copyOf(policies);
            timezoneConfirmed = timezoneConfirmed == null ? Boolean.FALSE : timezoneConfirmed;
        }

        public ThreescaleConfig(String namespace, String channel, String tenantName, String organizationName,
                                StorageConfig storage, List<String> policies) {
            this(namespace, channel, tenantName, organizationName, storage, policies, null);
        }

        public static ThreescaleConfig defaults() {
            return new ThreescaleConfig(null, null, null, null, null, null, null);
        }
    }

    /** System storage for 3scale: an RWX StorageClass (detected when empty) or S3 (a Secret in the namespace). */
    public record StorageConfig(String type, String storageClass, String s3SecretName) {
        public StorageConfig {
            type = type == null ? "rwx" : type;
        }

        public static StorageConfig defaults() { return new StorageConfig(null, null, null); }
    }

    /** One served model. {@code systemName} defaults to a slug of the name; {@code openapi} is a file path. */
    public record ModelConfig(String name, String systemName, String url, String openapi, String description) { }

    public record ProductsConfig(String credentialsLocation, Integer concurrency, Boolean activeDocs) {
        public ProductsConfig {
            credentialsLocation = credentialsLocation == null ? "headers" : credentialsLocation;
            concurrency = concurrency == null ? 4 : concurrency;
            activeDocs = activeDocs == null ? Boolean.TRUE : activeDocs;
        }

        public static ProductsConfig defaults() { return new ProductsConfig(null, null, null); }
    }

    /**
     * The application plans of every model's product. Without {@code tiers}: one published plan named {@code name}
     * (default "Standard") without limits. With {@code tiers}: one published plan per tier, for the models the tier
     * names (all when it names none), with the tier's limits; {@code name} is then unused.
     */
    public record PlansConfig(String name, Boolean subscribeExistingAccounts, List<TierConfig> tiers) {
        public PlansConfig {
            name = name == null ? "Standard" : name;
            subscribeExistingAccounts = subscribeExistingAccounts == null ? Boolean.FALSE : subscribeExistingAccounts;
            // null entries are kept for the validator to report ("empty entry")
            tiers = tiers == null ? List.of() : java.util.Collections.unmodifiableList(new java.util.ArrayList<>(tiers));
        }

        /** Without tiers: one plan named {@code name}, without limits. */
        public PlansConfig(String name, Boolean subscribeExistingAccounts) {
            this(name, subscribeExistingAccounts, null);
        }

        public static PlansConfig defaults() { return new PlansConfig(null, null, null); }

        /**
         * The tiers that apply to a model (by its name or system name), in configuration order: without configured
         * tiers, the single tier named {@code name}, without approval and without limits.
         */
        public List<TierConfig> tiersOf(String modelName, String modelSystemName) {
            if (tiers.isEmpty()) {
                return List.of(new TierConfig(name, false, null, null));
            }
            return tiers.stream().filter(t -> t != null && t.appliesTo(modelName, modelSystemName)).toList();
        }

        /** Whether a configured tier limits tokens (the products stage then adds the token usage policy). */
        public boolean limitsTokens() {
            return tiers.stream().filter(java.util.Objects::nonNull).flatMap(t -> t.limits().stream())
                    .anyMatch(l -> l != null && LimitConfig.TOKEN_METRICS.contains(l.metric()));
        }
    }

    /**
     * One tier: an application plan named {@code name} on the products of {@code models} (model names or system
     * names; empty: every model), needing the admin's approval of each application when {@code approvalRequired},
     * with its limits.
     */
    public record TierConfig(String name, Boolean approvalRequired, List<String> models, List<LimitConfig> limits) {
        public TierConfig {
            approvalRequired = approvalRequired == null ? Boolean.FALSE : approvalRequired;
            models = models == null ? List.of() : java.util.Collections.unmodifiableList(new java.util.ArrayList<>(models));
            limits = limits == null ? List.of() : java.util.Collections.unmodifiableList(new java.util.ArrayList<>(limits));
        }

        /** Whether the tier is for that model: it names no model, or names it by name or system name. */
        public boolean appliesTo(String modelName, String modelSystemName) {
            return models.isEmpty() || models.stream().anyMatch(m -> m != null
                    && (m.equals(modelName) || m.equals(modelSystemName)));
        }
    }

    /**
     * At most {@code value} of {@code metric} per {@code period} for each application on the tier's plan (a 3scale
     * usage limit). {@code requests} is 3scale's Hits metric; the token metrics are reported by the token usage
     * policy after each response.
     */
    public record LimitConfig(String metric, String period, Long value) {
        public static final String REQUESTS = "requests";
        public static final List<String> TOKEN_METRICS = List.of("prompt_tokens", "completion_tokens", "total_tokens");
        public static final List<String> METRICS = List.of(REQUESTS, "prompt_tokens", "completion_tokens",
                "total_tokens");
        /** The periods of a 3scale usage limit (ThreeScale::Core::UsageLimit::PERIODS, pisoni 1.30). */
        public static final List<String> PERIODS = List.of("minute", "hour", "day", "week", "month", "year",
                "eternity");
    }

    /**
     * {@code contentDir} empty means: our default MaaS portal content. {@code onError} says what a bad content item
     * (unknown builtin page, unreadable file, a template the CMS rejects) does: {@code continue} (default) uploads
     * the other items and fails the stage at the end naming every bad file; {@code stop} stops at the first one
     * (before any upload for problems found in the folder).
     *
     * <p>{@code skipKeycloakCertificateVerification} (default false) sets 3scale's
     * {@code skip_ssl_certificate_verification} on the developer portal's SSO integration: 3scale's system-app then
     * accepts any certificate from Keycloak when it exchanges a developer's sign-in code for tokens. System-app trusts
     * only public CAs, so with a Keycloak Route under a cluster's self-signed ingress CA developer sign-in fails
     * unless this is true, and true means that whoever can intercept system-app's connection to Keycloak can read the
     * client secret and the developers' tokens. A certificate from a public CA for Keycloak makes it unnecessary.
     */
    public record PortalConfig(String contentDir, String onError, Boolean skipKeycloakCertificateVerification) {
        public static final String ON_ERROR_CONTINUE = "continue";
        public static final String ON_ERROR_STOP = "stop";

        public PortalConfig {
            onError = onError == null ? ON_ERROR_CONTINUE : onError;
            skipKeycloakCertificateVerification = skipKeycloakCertificateVerification == null ? Boolean.FALSE
                    : skipKeycloakCertificateVerification;
        }

        /** With certificate verification on (the default). */
        public PortalConfig(String contentDir, String onError) {
            this(contentDir, onError, null);
        }

        public static PortalConfig defaults() { return new PortalConfig(null, null, null); }
    }
}
