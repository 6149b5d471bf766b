package dev.maas.installer.stages.sso;

import dev.maas.installer.stages.sso.KeycloakCrs.LegacyKeycloak;
import dev.maas.installer.stages.sso.KeycloakCrs.LegacyKeycloakRealm;
import dev.maas.installer.stages.sso.KeycloakCrs.MapResource;
import dev.maas.installer.stages.sso.KeycloakCrs.RhbkKeycloak;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.openshift.api.model.RouteBuilder;
import jakarta.ws.rs.NotFoundException;
import org.keycloak.admin.client.Keycloak;
import org.keycloak.admin.client.KeycloakBuilder;
import org.keycloak.representations.idm.RealmRepresentation;

import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Test-only, self-contained (movable to the shared sandbox): what the RH-SSO and RHBK operators do with our custom
 * resources, on informers, against a REAL Keycloak.
 * <ul>
 *   <li>RH-SSO {@code Keycloak} (keycloak.org/v1alpha1): Secret {@code credential-<name>} (ADMIN_USERNAME,
 *       ADMIN_PASSWORD), Route {@code keycloak}, status ready/externalURL/credentialSecret (mode READY); or a
 *       Pending pod and a status that never gets ready (mode NEVER_READY).</li>
 *   <li>RH-SSO {@code KeycloakRealm}: creates the realm in the real Keycloak through the admin API (realm, display
 *       name, enabled), then status ready.</li>
 *   <li>RHBK {@code Keycloak} (k8s.keycloak.org/v2alpha1): Secret {@code <name>-initial-admin} (username, password)
 *       and the Ready condition.</li>
 * </ul>
 * Each handler acts once per object (it looks at the status first), so a second install sees no write from here.
 */
final class SimulatedKeycloakOperator implements AutoCloseable {
    enum Mode { READY, NEVER_READY }

    private final KubernetesClient client;
    private final String url;
    private final String adminUser;
    private final String adminPassword;
    private final String secretPassword;
    private final Mode mode;
    private final List<SharedIndexInformer<?>> informers = new ArrayList<>();

    /**
     * @param url            the real Keycloak's URL (status.externalURL)
     * @param secretPassword the password to put into the credentials Secret (normally {@code adminPassword})
     */
    SimulatedKeycloakOperator(KubernetesClient client, String url, String adminUser, String adminPassword,
                              String secretPassword, Mode mode) {
        this.client = client;
        this.url = url;
        this.adminUser = adminUser;
        this.adminPassword = adminPassword;
        this.secretPassword = secretPassword;
        this.mode = mode;
        informers.add(client.resources(LegacyKeycloak.class).inAnyNamespace().inform(new Handler<>(this::onLegacy)));
        informers.add(client.resources(LegacyKeycloakRealm.class).inAnyNamespace()
                .inform(new Handler<>(this::onRealm)));
        informers.add(client.resources(RhbkKeycloak.class).inAnyNamespace().inform(new Handler<>(this::onRhbk)));
    }

    private synchronized void onLegacy(LegacyKeycloak k) {
        if (k.getStatus() != null && Boolean.TRUE.equals(k.statusValue("ready"))) {
            return;
        }
        String ns = k.getMetadata().getNamespace();
        String name = k.getMetadata().getName();
        if (mode == Mode.NEVER_READY) {
            if (k.getStatus() != null) {
                return;
            }
            client.pods().inNamespace(ns).resource(new PodBuilder().withNewMetadata().withName("keycloak-0")
                    .withNamespace(ns).endMetadata().withNewStatus().withPhase("Pending")
                    .addNewCondition().withType("PodScheduled").withStatus("False").withReason("Unschedulable")
                    .withMessage("0/3 nodes are available: 3 Insufficient memory").endCondition()
                    .endStatus().build()).create();
            setStatus(LegacyKeycloak.class, ns, name, Map.of("ready", false, "phase", "reconciling",
                    "message", "waiting for the statefulset keycloak to be ready", "credentialSecret",
                    "credential-" + name, "internalURL", "https://keycloak." + ns + ".svc:8443", "version", ""));
            return;
        }
        if (client.secrets().inNamespace(ns).withName("credential-" + name).get() == null) {
            client.secrets().inNamespace(ns).resource(new SecretBuilder().withNewMetadata()
                    .withName("credential-" + name).withNamespace(ns).endMetadata()
                    .addToStringData("ADMIN_USERNAME", adminUser).addToStringData("ADMIN_PASSWORD", secretPassword)
                    .build()).create();
        }
        String host = URI.create(url).getHost();
        if (client.resources(io.fabric8.openshift.api.model.Route.class).inNamespace(ns).withName("keycloak")
                .get() == null) {
            client.resource(new RouteBuilder().withNewMetadata().withName("keycloak").withNamespace(ns).endMetadata()
                    .withNewSpec().withHost(host).withNewTo().withKind("Service").withName("keycloak").endTo()
                    .withNewTls().withTermination("reencrypt").endTls().endSpec().build()).create();
        }
        setStatus(LegacyKeycloak.class, ns, name, Map.of("ready", true, "phase", "reconciling", "message", "",
                "externalURL", url, "credentialSecret", "credential-" + name,
                "internalURL", "https://keycloak." + ns + ".svc:8443", "version", "7.6.11"));
    }

    @SuppressWarnings("unchecked")
    private synchronized void onRealm(LegacyKeycloakRealm r) {
        if (r.getStatus() != null && Boolean.TRUE.equals(r.statusValue("ready")) || mode == Mode.NEVER_READY) {
            return;
        }
        Map<String, Object> realm = (Map<String, Object>) r.getSpec().get("realm");
        String name = (String) realm.get("realm");
        try (Keycloak admin = KeycloakBuilder.builder().serverUrl(url).realm("master").clientId("admin-cli")
                .username(adminUser).password(adminPassword).grantType("password").build()) {
            boolean exists;
            try {
                admin.realm(name).toRepresentation();
                exists = true;
            } catch (NotFoundException e) {
                exists = false;
            }
            if (!exists) {
                RealmRepresentation rep = new RealmRepresentation();
                rep.setId((String) realm.get("id"));
                rep.setRealm(name);
                rep.setDisplayName((String) realm.get("displayName"));
                rep.setEnabled(Boolean.TRUE.equals(realm.get("enabled")));
                admin.realms().create(rep);
            }
        }
        setStatus(LegacyKeycloakRealm.class, r.getMetadata().getNamespace(), r.getMetadata().getName(),
                Map.of("ready", true, "phase", "reconciled", "message", "", "loginURL",
                        url + "/realms/" + name + "/account"));
    }

    private synchronized void onRhbk(RhbkKeycloak k) {
        if (SsoStage.keycloakReady(SsoFlavour.RHBK, k) || mode == Mode.NEVER_READY) {
            return;
        }
        String ns = k.getMetadata().getNamespace();
        String secret = k.getMetadata().getName() + "-initial-admin";
        if (client.secrets().inNamespace(ns).withName(secret).get() == null) {
            client.secrets().inNamespace(ns).resource(new SecretBuilder().withNewMetadata().withName(secret)
                    .withNamespace(ns).endMetadata().addToStringData("username", adminUser)
                    .addToStringData("password", secretPassword).build()).create();
        }
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("conditions", List.of(
                Map.of("type", "Ready", "status", "True", "message", ""),
                Map.of("type", "HasErrors", "status", "False", "message", ""),
                Map.of("type", "RollingUpdate", "status", "False", "message", "")));
        status.put("instances", 1);
        setStatus(RhbkKeycloak.class, ns, k.getMetadata().getName(), status);
    }

    private <T extends MapResource> void setStatus(Class<T> type, String ns, String name, Map<String, Object> status) {
        client.resources(type).inNamespace(ns).withName(name).editStatus(x -> {
            x.setStatus(new LinkedHashMap<>(status));
            return x;
        });
    }

    @Override
    public void close() { informers.forEach(SharedIndexInformer::close); }

    private record Handler<T>(Consumer<T> on) implements ResourceEventHandler<T> {
        @Override public void onAdd(T obj) { on.accept(obj); }

        @Override public void onUpdate(T oldObj, T newObj) {
            if (!Objects.equals(oldObj, newObj)) {
                on.accept(newObj);
            }
        }

        @Override public void onDelete(T obj, boolean deletedFinalStateUnknown) { }
    }
}
