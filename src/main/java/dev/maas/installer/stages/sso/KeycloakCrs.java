package dev.maas.installer.stages.sso;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.Version;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The Keycloak custom resources the sso stage writes, as typed fabric8 resources with free-form spec and status
 * (maps), so that no field we do not set is ever sent: the RH-SSO operator's {@code keycloak.org/v1alpha1}
 * Keycloak and KeycloakRealm, and the Red Hat build of Keycloak operator's {@code k8s.keycloak.org/v2alpha1}
 * Keycloak. Field names follow the CRDs bundled with the sandbox ({@code sandbox/crds/keycloak}).
 */
public final class KeycloakCrs {
    private KeycloakCrs() { }

    /** Base: spec and status are plain JSON maps; nothing is instantiated for them. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public abstract static class MapResource extends CustomResource<Map<String, Object>, Map<String, Object>>
            implements Namespaced {
        @Override
        protected Map<String, Object> initSpec() { return null; }

        @Override
        protected Map<String, Object> initStatus() { return null; }

        /** A value under status by dotted path, or null. */
        public Object statusValue(String path) { return at(getStatus(), path); }

        /** A value under spec by dotted path, or null. */
        public Object specValue(String path) { return at(getSpec(), path); }

        @SuppressWarnings("unchecked")
        static Object at(Map<String, Object> root, String path) {
            Object node = root;
            for (String part : path.split("\\.")) {
                if (!(node instanceof Map<?, ?> m)) {
                    return null;
                }
                node = ((Map<String, Object>) m).get(part);
            }
            return node;
        }

        /** The status condition of that type (v2alpha1 style), or null. */
        @SuppressWarnings("unchecked")
        public Map<String, Object> condition(String type) {
            Object conditions = statusValue("conditions");
            if (!(conditions instanceof List<?> list)) {
                return null;
            }
            for (Object c : list) {
                if (c instanceof Map<?, ?> m && Objects.equals(type, m.get("type"))) {
                    return (Map<String, Object>) m;
                }
            }
            return null;
        }
    }

    /** RH-SSO 7.x: {@code keycloaks.keycloak.org/v1alpha1}. */
    @Group("keycloak.org")
    @Version("v1alpha1")
    @Kind("Keycloak")
    @Plural("keycloaks")
    public static final class LegacyKeycloak extends MapResource { }

    /** RH-SSO 7.x: {@code keycloakrealms.keycloak.org/v1alpha1}. */
    @Group("keycloak.org")
    @Version("v1alpha1")
    @Kind("KeycloakRealm")
    @Plural("keycloakrealms")
    public static final class LegacyKeycloakRealm extends MapResource { }

    /** Red Hat build of Keycloak: {@code keycloaks.k8s.keycloak.org/v2alpha1}. */
    @Group("k8s.keycloak.org")
    @Version("v2alpha1")
    @Kind("Keycloak")
    @Plural("keycloaks")
    public static final class RhbkKeycloak extends MapResource { }

    /** A small builder for nested maps that keeps insertion order: {@code map("a", 1, "b", map("c", true))}. */
    static Map<String, Object> map(Object... keyValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put((String) keyValues[i], keyValues[i + 1]);
        }
        return m;
    }
}
