package dev.maas.installer.stages.sso;

import dev.maas.installer.cluster.ClusterErrors;
import dev.maas.installer.cluster.Resources;
import dev.maas.installer.cluster.Waits;
import dev.maas.installer.engine.Cancellation;
import dev.maas.installer.engine.Check;
import dev.maas.installer.engine.FieldChange;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.Progress;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.StageException;
import dev.maas.installer.engine.reconcile.Managed;
import dev.maas.installer.engine.reconcile.Reconciler;
import dev.maas.installer.engine.config.InstallerConfig.DatabaseConfig;
import dev.maas.installer.engine.secrets.SecretRegistry;
import dev.maas.installer.stages.common.ClusterObject;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import static dev.maas.installer.stages.sso.KeycloakCrs.map;

/**
 * The database of the Red Hat build of Keycloak ({@code spec.db} of its Keycloak resource). Without one the operator
 * runs Keycloak on the H2 file inside its pod (keycloak/keycloak {@code operator/}
 * {@code KeycloakDistConfigurator.configureDatabase} maps nothing, and the server's default {@code db} is
 * {@code dev-file}), so a restart of the pod, or an automatic operator upgrade, loses the realm, the {@code 3scale}
 * client's secret and the identity provider.
 *
 * <p>{@code sso.database.type: managed} (default): a PostgreSQL in the sso namespace as the operator's "Basic
 * Keycloak deployment" guide describes it (a StatefulSet, a Service, a Secret with the credentials, {@code spec.db}
 * with vendor, host and the {@code usernameSecret}/{@code passwordSecret} references), but with a
 * PersistentVolumeClaim instead of the guide's {@code emptyDir}, and Red Hat's {@code rhel9/postgresql-16} image,
 * which runs under OpenShift's restricted SCC: StatefulSet and Service {@value #NAME}, Secret {@value #SECRET} (keys
 * {@code username}, {@code password}, a generated password kept across runs), database {@value #DATABASE}. The stage
 * waits for the StatefulSet's ready replica before it makes the Keycloak resource. The three are {@link Managed}
 * objects ({@link #objects}): the stage's {@link Reconciler} plans, applies and verifies them.
 *
 * <p>{@code sso.database.type: external}: {@code spec.db} names the configured host, port, database and vendor, and
 * the configured Secret (which must exist, with both keys, before anything is made).
 */
final class KeycloakDatabase {
    static final String NAME = "keycloak-postgresql";
    static final String SECRET = "keycloak-db-secret";
    static final String DATABASE = "keycloak";
    static final String USER = "keycloak";
    static final String DEFAULT_IMAGE = "registry.redhat.io/rhel9/postgresql-16";
    static final String DEFAULT_STORAGE = "1Gi";
    static final String APP_LABEL = "app";
    static final String VOLUME = "data";
    static final int PORT = 5432;
    static final String USERNAME_KEY = "username";
    static final String PASSWORD_KEY = "password";
    /** The name of the database's verify check. */
    static final String CHECK = "Keycloak database";

    private final DatabaseConfig config;
    private final String namespace;

    KeycloakDatabase(DatabaseConfig config, String namespace) {
        this.config = Objects.requireNonNull(config, "config");
        this.namespace = Objects.requireNonNull(namespace, "namespace");
    }

    boolean managed() {
        return config.managed();
    }

    String secretName() {
        return managed() ? SECRET : config.credentialsSecret();
    }

    /** How Keycloak finds it, for plans, progress and errors. */
    String describe() {
        return managed() ? "PostgreSQL " + namespace + "/" + NAME + " (run by the installer)"
                : vendor() + " at " + config.host() + (config.port() == null ? "" : ":" + config.port())
                + " (database " + database() + ", Secret " + namespace + "/" + secretName() + ")";
    }

    private String vendor() {
        return managed() || config.vendor() == null ? "postgres" : config.vendor();
    }

    private String database() {
        return managed() || config.database() == null ? DATABASE : config.database();
    }

    /** {@code spec.db} of the Keycloak resource (operator DatabaseSpec). */
    Map<String, Object> spec() {
        Map<String, Object> db = map("vendor", vendor(),
                "host", managed() ? NAME : config.host());
        if (!managed() && config.port() != null) {
            db.put("port", config.port());
        }
        db.put("database", database());
        db.put("usernameSecret", map("name", secretName(), "key", USERNAME_KEY));
        db.put("passwordSecret", map("name", secretName(), "key", PASSWORD_KEY));
        return db;
    }

    // ------------------------------------------------------------------ the managed PostgreSQL

    /** The credentials Secret: the values it has (kept: PostgreSQL keeps the user it made), else generated ones. */
    Secret desiredSecret(Optional<Map<String, String>> live, SecretRegistry secrets) {
        String user = live.map(d -> d.get(USERNAME_KEY)).filter(v -> !v.isBlank()).orElse(USER);
        String password = live.map(d -> d.get(PASSWORD_KEY)).filter(v -> !v.isEmpty()).orElseGet(() -> {
            String generated = randomPassword();
            secrets.register(generated);
            return generated;
        });
        // data, not stringData: the API server keeps only data, and the comparison is with what it keeps
        return new SecretBuilder().withNewMetadata().withName(SECRET).withNamespace(namespace)
                .addToLabels(APP_LABEL, NAME).endMetadata().withType("Opaque")
                .addToData(USERNAME_KEY, base64(user)).addToData(PASSWORD_KEY, base64(password)).build();
    }

    Service desiredService() {
        return new ServiceBuilder().withNewMetadata().withName(NAME).withNamespace(namespace)
                .addToLabels(APP_LABEL, NAME).endMetadata()
                .withNewSpec().addToSelector(APP_LABEL, NAME)
                .addNewPort().withName("postgresql").withPort(PORT).withProtocol("TCP")
                .withNewTargetPort(PORT).endPort().endSpec().build();
    }

    /**
     * The PostgreSQL StatefulSet. Red Hat's image ({@code POSTGRESQL_USER}, {@code POSTGRESQL_PASSWORD},
     * {@code POSTGRESQL_DATABASE}, data in {@code /var/lib/pgsql/data}, probes {@code /usr/libexec/check-container}
     * as in OpenShift's {@code postgresql-persistent} template). Every field the API server would otherwise default
     * inside a list element is given, so the live object matches it.
     */
    StatefulSet desiredStatefulSet() {
        String image = config.image() == null ? DEFAULT_IMAGE : config.image();
        String size = config.storageSize() == null ? DEFAULT_STORAGE : config.storageSize();
        return new StatefulSetBuilder().withNewMetadata().withName(NAME).withNamespace(namespace)
                .addToLabels(APP_LABEL, NAME).endMetadata()
                .withNewSpec().withServiceName(NAME).withReplicas(1)
                .withNewSelector().addToMatchLabels(APP_LABEL, NAME).endSelector()
                .withNewTemplate().withNewMetadata().addToLabels(APP_LABEL, NAME).endMetadata()
                .withNewSpec().addNewContainer().withName("postgresql").withImage(image)
                .addNewPort().withName("postgresql").withContainerPort(PORT).withProtocol("TCP").endPort()
                .addNewEnv().withName("POSTGRESQL_USER").withNewValueFrom().withNewSecretKeyRef()
                .withName(SECRET).withKey(USERNAME_KEY).endSecretKeyRef().endValueFrom().endEnv()
                .addNewEnv().withName("POSTGRESQL_PASSWORD").withNewValueFrom().withNewSecretKeyRef()
                .withName(SECRET).withKey(PASSWORD_KEY).endSecretKeyRef().endValueFrom().endEnv()
                .addNewEnv().withName("POSTGRESQL_DATABASE").withValue(DATABASE).endEnv()
                .addNewVolumeMount().withName(VOLUME).withMountPath("/var/lib/pgsql/data").endVolumeMount()
                .withNewReadinessProbe().withNewExec().withCommand("/usr/libexec/check-container").endExec()
                .withInitialDelaySeconds(5).withTimeoutSeconds(1).endReadinessProbe()
                .withNewLivenessProbe().withNewExec().withCommand("/usr/libexec/check-container", "--live").endExec()
                .withInitialDelaySeconds(120).withTimeoutSeconds(10).endLivenessProbe()
                .withNewResources().addToRequests("cpu", new Quantity("100m"))
                .addToRequests("memory", new Quantity("256Mi")).addToLimits("memory", new Quantity("512Mi"))
                .endResources()
                .endContainer().endSpec().endTemplate()
                .addNewVolumeClaimTemplate().withNewMetadata().withName(VOLUME).endMetadata()
                .withNewSpec().withAccessModes("ReadWriteOnce").withStorageClassName(config.storageClass())
                .withNewResources().addToRequests("storage", new Quantity(size)).endResources().endSpec()
                .endVolumeClaimTemplate()
                .endSpec().build();
    }

    /**
     * The objects of the managed database, in the order they are made (none for an external one): the credentials
     * Secret, the Service, and the StatefulSet, ready when it has a ready replica.
     */
    List<Managed<?, ?>> objects(Resources resources) {
        if (!managed()) {
            return List.of();
        }
        return List.of(new CredentialsSecret(resources), new ClusterObject<>(resources, "Service", namespace, NAME,
                ctx -> desiredService()), new Database(resources));
    }

    /** The credentials Secret; its desired values are those it has, so it is read by name, never generated twice. */
    private final class CredentialsSecret extends ClusterObject<Secret> {
        CredentialsSecret(Resources resources) {
            super(resources, "Secret", namespace, SECRET,
                    ctx -> desiredSecret(resources.readSecret(namespace, SECRET), ctx.secrets()));
        }

        @Override
        public Optional<Secret> fetch(StageContext ctx) {
            return Optional.ofNullable(resources.read(new SecretBuilder().withNewMetadata().withName(SECRET)
                    .withNamespace(namespace).endMetadata().build()));
        }
    }

    /** The PostgreSQL StatefulSet: its storage cannot change once made; ready with a ready replica. */
    private final class Database extends ClusterObject<StatefulSet> {
        Database(Resources resources) {
            super(resources, "StatefulSet", namespace, NAME, ctx -> desiredStatefulSet());
        }

        @Override
        public StatefulSet update(StageContext ctx, StatefulSet desired, StatefulSet actual,
                                  Map<String, FieldChange> diff) {
            if (diff.keySet().stream().anyMatch(f -> f.startsWith("spec.volumeClaimTemplates"))) {
                String have = actual.getSpec() == null || actual.getSpec().getVolumeClaimTemplates() == null
                        || actual.getSpec().getVolumeClaimTemplates().isEmpty() ? "?"
                        : claimText(actual.getSpec().getVolumeClaimTemplates().get(0));
                throw StageException.invalidInput("the storage of the Keycloak database " + namespace + "/" + NAME
                                + " is " + have + " and a StatefulSet's storage cannot change",
                        Fix.configField("sso.database.storageSize", "set sso.database.storageSize and storageClass"
                                + " to what it has, or grow the claim " + VOLUME + "-" + NAME + "-0 yourself (`oc"
                                + " edit pvc " + VOLUME + "-" + NAME + "-0 -n " + namespace + "`, if its"
                                + " StorageClass allows expansion) and set the new size here"));
            }
            return super.update(ctx, desired, actual, diff);
        }

        @Override
        public Optional<Check> readiness(StageContext ctx, StatefulSet desired, StatefulSet actual) {
            KubernetesClient client = resources.client();
            return Optional.of(ready(actual) ? Check.ok(CHECK, describe() + " is ready")
                    : Check.retryable(CHECK, describe() + ": " + status(actual) + "; " + claims(client),
                    Fix.manual(pendingHint(client))));
        }
    }

    /**
     * The database's one check: for the managed one, its objects as configured and its ready replica; for an
     * external one, its Secret.
     */
    Check verify(Reconciler reconciler, StageContext ctx, Resources resources) {
        if (!managed()) {
            try {
                requireExternalSecret(resources.client());
                return Check.ok(CHECK, describe() + "; the installer cannot reach it from here: Keycloak's"
                        + " readiness shows that it can");
            } catch (StageException e) {
                return Check.invalidInput(CHECK, e.getMessage(), e.fix());
            }
        }
        return reconciler.verifyAs(ctx, CHECK, () -> objects(resources), null);
    }

    private static String claimText(PersistentVolumeClaim c) {
        String size = c.getSpec() == null || c.getSpec().getResources() == null
                || c.getSpec().getResources().getRequests() == null ? "?"
                : String.valueOf(c.getSpec().getResources().getRequests().get("storage"));
        String cls = c.getSpec() == null ? null : c.getSpec().getStorageClassName();
        return size + (cls == null ? " (default StorageClass)" : " in StorageClass " + cls);
    }

    /**
     * Waits up to {@code timeout} for the managed database's ready replica; a timeout names {@code configured}, the
     * stage's whole wait for readiness.
     */
    void awaitReady(KubernetesClient client, Duration timeout, Duration configured, Cancellation cancellation,
                           Progress out) {
        try {
            Waits.until(client.apps().statefulSets().inNamespace(namespace).withName(NAME), KeycloakDatabase::ready,
                    timeout, cancellation, out, s -> "Keycloak database " + NAME + ": " + status(s),
                    "Keycloak database " + namespace + "/" + NAME + " ready");
        } catch (Waits.TimeoutError e) {
            throw new StageException("the Keycloak database " + namespace + "/" + NAME + " did not become ready"
                    + " within " + SsoStage.human(configured) + ": " + status((StatefulSet) e.last()) + "; "
                    + claims(client), Fix.manual(pendingHint(client)));
        }
    }

    static boolean ready(StatefulSet s) {
        return s != null && s.getStatus() != null && s.getStatus().getReadyReplicas() != null
                && s.getStatus().getReadyReplicas() >= 1;
    }

    private static String status(StatefulSet s) {
        if (s == null) {
            return "does not exist";
        }
        int ready = s.getStatus() == null || s.getStatus().getReadyReplicas() == null ? 0
                : s.getStatus().getReadyReplicas();
        return ready + " of " + Objects.requireNonNullElse(s.getSpec().getReplicas(), 1) + " replicas ready";
    }

    /** The claims and pods of the database, for a timeout or a failed check. */
    private String claims(KubernetesClient client) {
        List<String> parts = new ArrayList<>();
        try {
            PersistentVolumeClaim pvc = client.persistentVolumeClaims().inNamespace(namespace)
                    .withName(VOLUME + "-" + NAME + "-0").get();
            parts.add("claim " + VOLUME + "-" + NAME + "-0 " + (pvc == null ? "not made yet"
                    : pvc.getStatus() == null || pvc.getStatus().getPhase() == null ? "(no phase)"
                    : pvc.getStatus().getPhase()));
            Pod pod = client.pods().inNamespace(namespace).withName(NAME + "-0").get();
            parts.add("pod " + NAME + "-0 " + (pod == null ? "not made yet" : podText(pod)));
        } catch (KubernetesClientException e) {
            parts.add("its claim and pod could not be read (" + e.getCode() + ")");
        }
        return String.join(", ", parts);
    }

    private static String podText(Pod p) {
        if (p.getStatus() == null) {
            return "(no status)";
        }
        String conditions = p.getStatus().getConditions() == null ? "" : p.getStatus().getConditions().stream()
                .filter(c -> !"True".equals(c.getStatus()) && (c.getReason() != null || c.getMessage() != null))
                .map(c -> " (" + Objects.requireNonNullElse(c.getReason(), "") + (c.getMessage() == null ? ""
                        : ": " + c.getMessage()) + ")").findFirst().orElse("");
        String waiting = p.getStatus().getContainerStatuses() == null ? "" : p.getStatus().getContainerStatuses()
                .stream().filter(c -> c.getState() != null && c.getState().getWaiting() != null)
                .map(c -> " (" + c.getState().getWaiting().getReason() + ")").findFirst().orElse("");
        return Objects.requireNonNullElse(p.getStatus().getPhase(), "unknown") + conditions + waiting;
    }

    private String pendingHint(KubernetesClient client) {
        PersistentVolumeClaim pvc;
        try {
            pvc = client.persistentVolumeClaims().inNamespace(namespace).withName(VOLUME + "-" + NAME + "-0").get();
        } catch (KubernetesClientException e) {
            pvc = null;
        }
        boolean pending = pvc != null && pvc.getStatus() != null && "Pending".equals(pvc.getStatus().getPhase());
        String storage = pending ? "its claim is Pending: the cluster has no default StorageClass, or the one named"
                + " in sso.database.storageClass cannot provide a ReadWriteOnce volume (`oc get storageclass`;"
                + " `oc describe pvc " + VOLUME + "-" + NAME + "-0 -n " + namespace + "`); set"
                + " sso.database.storageClass, or delete the claim and the StatefulSet to let the stage make them"
                + " again; " : "";
        return storage + "check `oc describe statefulset " + NAME + " -n " + namespace + "` and `oc get pods -n "
                + namespace + "` (image pulls from registry.redhat.io, quota), or give a database you run"
                + " (sso.database.type: external); then rerun the stage to keep waiting";
    }

    // ------------------------------------------------------------------ an external database

    /** An external database's Secret must exist with both keys before anything is made. */
    void requireExternalSecret(KubernetesClient client) {
        Secret s;
        try {
            s = client.secrets().inNamespace(namespace).withName(secretName()).get();
        } catch (KubernetesClientException e) {
            throw ClusterErrors.translate(e, "reading Secret " + namespace + "/" + secretName());
        }
        List<String> missing = new ArrayList<>();
        for (String key : List.of(USERNAME_KEY, PASSWORD_KEY)) {
            if (s == null || !has(s, key)) {
                missing.add(key);
            }
        }
        if (s == null || !missing.isEmpty()) {
            boolean noNamespace = s == null && client.namespaces().withName(namespace).get() == null;
            throw StageException.invalidInput((s == null ? "Secret " + namespace + "/" + secretName()
                            + " with the credentials of the Keycloak database does not exist"
                            + (noNamespace ? " (nor does namespace " + namespace + ")" : "")
                            : "Secret " + namespace + "/" + secretName() + " lacks the key(s) " + String.join(", ", missing)),
                    Fix.configField("sso.database.credentialsSecret", "create it before the install: "
                            + (noNamespace ? "`oc create namespace " + namespace + "`, then " : "") + "`oc create"
                            + " secret generic " + secretName() + " -n " + namespace + " --from-literal=username=USER"
                            + " --from-literal=password=PASSWORD` (the database user Keycloak signs in as), or"
                            + " name another Secret here"));
        }
    }

    private static boolean has(Secret s, String key) {
        return s.getData() != null && s.getData().get(key) != null && !s.getData().get(key).isEmpty()
                || s.getStringData() != null && s.getStringData().get(key) != null
                && !s.getStringData().get(key).isEmpty();
    }

    private static String base64(String v) {
        return java.util.Base64.getEncoder().encodeToString(v.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private static String randomPassword() {
        SecureRandom random = new SecureRandom();
        String alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
        StringBuilder sb = new StringBuilder(32);
        for (int i = 0; i < 32; i++) {
            sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return sb.toString();
    }
}
