package dev.maas.installer.catalog;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The desired 3scale state of one model: its backend, its product with proxy settings, backend usage, policy
 * chain, methods and mapping rules. Pure data, built by {@link ModelCatalog}; every part gives its attributes under
 * 3scale's own field names ({@code attributes()}) for {@link FieldDiff}.
 */
public record ModelProduct(String modelName, String systemName, Backend backend, Product product, Proxy proxy,
                           BackendUsage backendUsage, PolicyChain policyChain, List<Method> methods,
                           List<MappingRule> mappingRules, boolean defaultOperations, ActiveDoc activeDoc) {

    public ModelProduct {
        methods = List.copyOf(methods);
        mappingRules = List.copyOf(mappingRules);
    }

    /**
     * The product's ActiveDocs spec: {@code body} is the model's OpenAPI document as a JSON tree (YAML converted,
     * its own servers kept), or a generated OpenAPI 3 document of the default operations. Linked to the product
     * and published.
     */
    public record ActiveDoc(String name, String systemName, com.fasterxml.jackson.databind.JsonNode body) {
        public ActiveDoc {
            body = body.deepCopy();
        }

        @Override
        public com.fasterxml.jackson.databind.JsonNode body() { return body.deepCopy(); }
    }

    /** A backend API: {@code POST /admin/api/backend_apis.json}. */
    public record Backend(String name, String systemName, String privateEndpoint, String description) {
        public Map<String, Object> attributes() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", name);
            m.put("system_name", systemName);
            m.put("private_endpoint", privateEndpoint);
            m.put("description", description);
            return m;
        }
    }

    /** A product (3scale service). */
    public record Product(String name, String systemName, String description, String deploymentOption,
                          String backendVersion) {
        public Map<String, Object> attributes() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", name);
            m.put("system_name", systemName);
            m.put("description", description);
            m.put("deployment_option", deploymentOption);
            m.put("backend_version", backendVersion);
            return m;
        }
    }

    /** The product's proxy settings this installer owns. */
    public record Proxy(String authUserKey, String credentialsLocation) {
        public Map<String, Object> attributes() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("auth_user_key", authUserKey);
            m.put("credentials_location", credentialsLocation);
            return m;
        }
    }

    /** The product uses the backend at this path; the backend is named by its system_name. */
    public record BackendUsage(String backendSystemName, String path) {
        public Map<String, Object> attributes() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("backend_system_name", backendSystemName);
            m.put("path", path);
            return m;
        }
    }

    /** A method under the product's {@code hits} metric, keyed by system_name. */
    public record Method(String systemName, String friendlyName, String description) {
        public Map<String, Object> attributes() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("system_name", systemName);
            m.put("friendly_name", friendlyName);
            m.put("description", description);
            return m;
        }
    }

    /**
     * A product mapping rule. Its natural key is {@link #key()}: HTTP method, pattern and the system_name of the
     * metric or method it counts ({@code metric_system_name}; the live rule's {@code metric_id} must be translated
     * to it before comparing). {@code position} is the order to create rules in; it is not among the compared
     * {@link #attributes()}: 3scale renumbers positions when rules are added or removed (e.g. the default
     * {@code GET /} rule), and with exact patterns the order never changes which rule matches.
     */
    public record MappingRule(String httpMethod, String pattern, String metricSystemName, int delta, boolean last,
                              int position) {
        public String key() { return key(httpMethod, pattern, metricSystemName); }

        public static String key(String httpMethod, String pattern, String metricSystemName) {
            return httpMethod + " " + pattern + " -> " + metricSystemName;
        }

        public Map<String, Object> attributes() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("http_method", httpMethod);
            m.put("pattern", pattern);
            m.put("metric_system_name", metricSystemName);
            m.put("delta", delta);
            m.put("last", last);
            return m;
        }
    }
}
