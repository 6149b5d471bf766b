package dev.maas.installer.sandbox;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.openshift.api.model.Route;
import io.fabric8.openshift.api.model.RouteBuilder;
import jakarta.ws.rs.NotFoundException;
import org.keycloak.admin.client.Keycloak;
import org.keycloak.admin.client.KeycloakBuilder;
import org.keycloak.representations.idm.RealmRepresentation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * What the RH-SSO and Red Hat build of Keycloak operators do with the sso stage's custom resources, against a REAL
 * Keycloak (the sandbox's {@link KeycloakProcess}, or any Keycloak given by URL and admin credentials). It works
 * through the API server like a real operator (informers and writes on the cluster's system client), once per
 * object: a handler first looks at the status it wrote, so a second install sees no write from here.
 * <ul>
 *   <li>RH-SSO {@code Keycloak} (keycloak.org/v1alpha1): Secret {@code credential-<name>} (ADMIN_USERNAME,
 *       ADMIN_PASSWORD of the real Keycloak's master admin), Route {@code keycloak} (host
 *       {@code keycloak-<namespace>.<apps domain>}), status {@code ready}, {@code externalURL} (the real Keycloak's
 *       URL), {@code credentialSecret}, {@code internalURL}, {@code phase}, {@code message}, {@code version}.</li>
 *   <li>RH-SSO {@code KeycloakRealm}: the realm (name, id, display name, enabled) created in the real Keycloak
 *       through the admin API when it does not exist, then status ready with {@code loginURL}.</li>
 *   <li>RHBK {@code Keycloak} (k8s.keycloak.org/v2alpha1): Secret {@code <name>-initial-admin} (username, password)
 *       and the conditions Ready=True, HasErrors=False, RollingUpdate=False. (The stage makes the realm itself
 *       through the admin API.)</li>
 * </ul>
 * Failure modes ({@link Options}): {@link Mode#NEVER_READY} (a Pending, unschedulable pod {@code keycloak-0} and a
 * status that never gets ready; realms are not made), and a different password in the credentials Secret than the
 * one Keycloak accepts.
 */
public final class KeycloakOperatorSimulator implements SimulatedOperator {
    private static final Logger LOG = LoggerFactory.getLogger(KeycloakOperatorSimulator.class);
    public static final String RHSSO_API = "keycloak.org/v1alpha1";
    public static final String RHBK_API = "k8s.keycloak.org/v2alpha1";
    /** The RH-SSO 7.6 version the simulated operator reports. */
    public static final String RHSSO_VERSION = "7.6.11";
    /** The kinds, given explicitly (no API discovery request for them). */
    private static final ResourceDefinitionContext RHSSO_KEYCLOAK = kind("keycloak.org", "v1alpha1", "Keycloak",
            "keycloaks");
    private static final ResourceDefinitionContext RHSSO_REALM = kind("keycloak.org", "v1alpha1", "KeycloakRealm",
            "keycloakrealms");
    private static final ResourceDefinitionContext RHBK_KEYCLOAK = kind("k8s.keycloak.org", "v2alpha1", "Keycloak",
            "keycloaks");

    private static ResourceDefinitionContext kind(String group, String version, String kind, String plural) {
        return new ResourceDefinitionContext.Builder().withGroup(group).withVersion(version).withKind(kind)
                .withPlural(plural).withNamespaced(true).build();
    }

    /** How the simulated operators behave. */
    public enum Mode {
        /** Keycloak gets ready at once; realms are created. */
        READY,
        /** Keycloak never gets ready (a Pending pod); realms are never created. */
        NEVER_READY
    }

    /**
     * @param url            the real Keycloak's base URL (written to status.externalURL)
     * @param adminUser      its master-realm admin
     * @param adminPassword  that admin's password (used for the admin API)
     * @param secretPassword the password put into the credentials Secret; normally {@code adminPassword}, another
     *                       value simulates a Secret that no longer matches Keycloak
     * @param mode           ready or never ready
     */
    public record Options(String url, String adminUser, String adminPassword, String secretPassword, Mode mode) {
        public Options {
            Objects.requireNonNull(url, "url");
            Objects.requireNonNull(adminUser, "adminUser");
            Objects.requireNonNull(adminPassword, "adminPassword");
            url = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
            secretPassword = secretPassword == null ? adminPassword : secretPassword;
            mode = mode == null ? Mode.READY : mode;
        }

        public static Options of(String url, String adminUser, String adminPassword) {
            return new Options(url, adminUser, adminPassword, null, Mode.READY);
        }

        public Options withSecretPassword(String v) {
            return new Options(url, adminUser, adminPassword, v, mode);
        }

        public Options withMode(Mode v) {
            return new Options(url, adminUser, adminPassword, secretPassword, v);
        }

        @Override
        public String toString() {
            return "Options[" + url + ", admin " + adminUser + ", " + mode + "]";
        }
    }

    private final Options options;
    private final List<SharedIndexInformer<GenericKubernetesResource>> informers = new CopyOnWriteArrayList<>();
    private SimulationContext context;

    public KeycloakOperatorSimulator(Options options) {
        this.options = Objects.requireNonNull(options, "options");
    }

    public Options options() {
        return options;
    }

    @Override
    public String name() {
        return "keycloak";
    }

    @Override
    public void start(SimulationContext ctx) {
        this.context = ctx;
        informers.add(client().genericKubernetesResources(RHSSO_KEYCLOAK).inAnyNamespace()
                .inform(handler(this::onRhssoKeycloak), 0));
        informers.add(client().genericKubernetesResources(RHSSO_REALM).inAnyNamespace()
                .inform(handler(this::onRealm), 0));
        informers.add(client().genericKubernetesResources(RHBK_KEYCLOAK).inAnyNamespace()
                .inform(handler(this::onRhbkKeycloak), 0));
    }

    @Override
    public void close() {
        informers.forEach(SharedIndexInformer::close);
        informers.clear();
    }

    private KubernetesClient client() {
        return context.client();
    }

    // ------------------------------------------------------------------ RH-SSO Keycloak

    private void onRhssoKeycloak(GenericKubernetesResource event) {
        String ns = event.getMetadata().getNamespace();
        String name = event.getMetadata().getName();
        GenericKubernetesResource k = client().genericKubernetesResources(RHSSO_KEYCLOAK).inNamespace(ns)
                .withName(name).get();
        if (k == null) {
            return;
        }
        Map<String, Object> status = status(k);
        if (Boolean.TRUE.equals(status.get("ready"))) {
            return;
        }
        if (options.mode() == Mode.NEVER_READY) {
            if (!status.isEmpty()) {
                return;
            }
            if (client().pods().inNamespace(ns).withName("keycloak-0").get() == null) {
                client().pods().inNamespace(ns).resource(new PodBuilder().withNewMetadata().withName("keycloak-0")
                        .withNamespace(ns).addToLabels("app", "keycloak").endMetadata()
                        .withNewSpec().addNewContainer().withName("keycloak").withImage("registry.redhat.io/rh-sso-7/"
                                + "sso76-openshift-rhel8").endContainer().endSpec()
                        .withNewStatus().withPhase("Pending")
                        .addNewCondition().withType("PodScheduled").withStatus("False").withReason("Unschedulable")
                        .withMessage("0/3 nodes are available: 3 Insufficient memory").endCondition()
                        .endStatus().build()).create();
            }
            setStatus(RHSSO_KEYCLOAK, ns, name, Map.of("ready", false, "phase", "reconciling",
                    "message", "waiting for the statefulset keycloak to be ready", "credentialSecret",
                    "credential-" + name, "internalURL", "https://keycloak." + ns + ".svc:8443", "version", ""));
            return;
        }
        String secret = "credential-" + name;
        if (client().secrets().inNamespace(ns).withName(secret).get() == null) {
            client().secrets().inNamespace(ns).resource(new SecretBuilder().withNewMetadata().withName(secret)
                    .withNamespace(ns).addToLabels("app", "keycloak").endMetadata()
                    .addToStringData("ADMIN_USERNAME", options.adminUser())
                    .addToStringData("ADMIN_PASSWORD", options.secretPassword()).build()).create();
        }
        if (client().resources(Route.class).inNamespace(ns).withName("keycloak").get() == null) {
            client().resources(Route.class).inNamespace(ns).resource(new RouteBuilder().withNewMetadata()
                    .withName("keycloak").withNamespace(ns).addToLabels("app", "keycloak").endMetadata()
                    .withNewSpec().withHost("keycloak-" + ns + "." + context.appsDomain())
                    .withNewTo().withKind("Service").withName("keycloak").endTo()
                    .withNewTls().withTermination("reencrypt").endTls().endSpec().build()).create();
        }
        Map<String, Object> ready = new LinkedHashMap<>();
        ready.put("ready", true);
        ready.put("phase", "reconciling");
        ready.put("message", "");
        ready.put("externalURL", options.url());
        ready.put("credentialSecret", secret);
        ready.put("internalURL", "https://keycloak." + ns + ".svc:8443");
        ready.put("version", RHSSO_VERSION);
        setStatus(RHSSO_KEYCLOAK, ns, name, ready);
    }

    // ------------------------------------------------------------------ RH-SSO KeycloakRealm

    @SuppressWarnings("unchecked")
    private void onRealm(GenericKubernetesResource event) {
        if (options.mode() == Mode.NEVER_READY) {
            return;
        }
        String ns = event.getMetadata().getNamespace();
        String name = event.getMetadata().getName();
        GenericKubernetesResource r = client().genericKubernetesResources(RHSSO_REALM).inNamespace(ns)
                .withName(name).get();
        if (r == null || Boolean.TRUE.equals(status(r).get("ready"))) {
            return;
        }
        Object spec = r.getAdditionalProperties().get("spec");
        Object realmSpec = spec instanceof Map<?, ?> m ? m.get("realm") : null;
        if (!(realmSpec instanceof Map<?, ?> realm) || !(realm.get("realm") instanceof String realmName)) {
            setStatus(RHSSO_REALM, ns, name, Map.of("ready", false, "phase", "failing",
                    "message", "spec.realm.realm is missing", "loginURL", ""));
            return;
        }
        try (Keycloak admin = KeycloakBuilder.builder().serverUrl(options.url()).realm("master")
                .clientId("admin-cli").username(options.adminUser()).password(options.adminPassword())
                .grantType("password").build()) {
            boolean exists;
            try {
                admin.realm(realmName).toRepresentation();
                exists = true;
            } catch (NotFoundException e) {
                exists = false;
            }
            if (!exists) {
                Map<String, Object> values = (Map<String, Object>) realm;
                RealmRepresentation rep = new RealmRepresentation();
                rep.setId(values.get("id") instanceof String id ? id : realmName);
                rep.setRealm(realmName);
                rep.setDisplayName((String) values.get("displayName"));
                rep.setEnabled(!Boolean.FALSE.equals(values.get("enabled")));
                admin.realms().create(rep);
                LOG.info("simulated RH-SSO operator: realm {} created in {}", realmName, options.url());
            }
        }
        setStatus(RHSSO_REALM, ns, name, Map.of("ready", true, "phase", "reconciled",
                "message", "", "loginURL", options.url() + "/realms/" + realmName + "/account"));
    }

    // ------------------------------------------------------------------ RHBK Keycloak

    private void onRhbkKeycloak(GenericKubernetesResource event) {
        if (options.mode() == Mode.NEVER_READY) {
            return;
        }
        String ns = event.getMetadata().getNamespace();
        String name = event.getMetadata().getName();
        GenericKubernetesResource k = client().genericKubernetesResources(RHBK_KEYCLOAK).inNamespace(ns)
                .withName(name).get();
        if (k == null || rhbkReady(k)) {
            return;
        }
        String secret = name + "-initial-admin";
        if (client().secrets().inNamespace(ns).withName(secret).get() == null) {
            client().secrets().inNamespace(ns).resource(new SecretBuilder().withNewMetadata().withName(secret)
                    .withNamespace(ns).endMetadata().withType("kubernetes.io/basic-auth")
                    .addToStringData("username", options.adminUser())
                    .addToStringData("password", options.secretPassword()).build()).create();
        }
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("conditions", List.of(
                Map.of("type", "Ready", "status", "True", "message", ""),
                Map.of("type", "HasErrors", "status", "False", "message", ""),
                Map.of("type", "RollingUpdate", "status", "False", "message", "")));
        status.put("instances", 1);
        status.put("selector", "app=keycloak,app.kubernetes.io/instance=" + name);
        setStatus(RHBK_KEYCLOAK, ns, name, status);
    }

    private static boolean rhbkReady(GenericKubernetesResource k) {
        Object conditions = status(k).get("conditions");
        if (!(conditions instanceof List<?> list)) {
            return false;
        }
        return list.stream().anyMatch(c -> c instanceof Map<?, ?> m && "Ready".equals(m.get("type"))
                && "True".equals(String.valueOf(m.get("status"))));
    }

    // ------------------------------------------------------------------ helpers

    @SuppressWarnings("unchecked")
    private static Map<String, Object> status(GenericKubernetesResource r) {
        Object s = r.getAdditionalProperties().get("status");
        return s instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    private void setStatus(ResourceDefinitionContext type, String ns, String name, Map<String, Object> status) {
        client().genericKubernetesResources(type).inNamespace(ns).withName(name).editStatus(r -> {
            r.getAdditionalProperties().put("status", new LinkedHashMap<>(status));
            return r;
        });
    }

    private ResourceEventHandler<GenericKubernetesResource> handler(Consumer<GenericKubernetesResource> action) {
        return context.reconciler("simulated Keycloak operator", action, obj -> { });
    }
}
