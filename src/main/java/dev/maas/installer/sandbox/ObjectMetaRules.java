package dev.maas.installer.sandbox;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The API server's validation of object names, label keys and values, and ConfigMap/Secret keys, with its
 * messages, so that a stage that builds a bad name (say, from a model's display name) fails in tests as it would
 * on a cluster.
 */
final class ObjectMetaRules {
    private static final String LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
    private static final Pattern DNS1123_LABEL = Pattern.compile(LABEL);
    private static final Pattern DNS1123_SUBDOMAIN = Pattern.compile(LABEL + "(\\." + LABEL + ")*");
    private static final Pattern QUALIFIED_NAME = Pattern.compile("([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]");
    private static final Pattern LABEL_VALUE = Pattern.compile("(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?");
    private static final Pattern CONFIG_KEY = Pattern.compile("[-._a-zA-Z0-9]+");
    /** Kinds whose names must be DNS-1123 labels rather than subdomains. */
    private static final Set<String> LABEL_NAMED = Set.of("Namespace", "Service", "Project");

    private ObjectMetaRules() { }

    static List<FieldError> validate(String kind, String group, JsonNode obj) {
        List<FieldError> out = new ArrayList<>();
        JsonNode meta = obj.path("metadata");
        String name = meta.path("name").asText("");
        boolean labelNamed = LABEL_NAMED.contains(kind) && (group.isEmpty() || group.equals("project.openshift.io"));
        boolean rbacNamed = group.equals("rbac.authorization.k8s.io");
        if (!name.isEmpty() && !kind.equals("User") && !kind.equals("SelfSubjectAccessReview")) {
            if (rbacNamed) {
                // kubernetes pkg/apis/rbac/validation ValidateRBACName: a path segment name ("system:admin" is fine)
                if (name.equals(".") || name.equals("..") || name.contains("/") || name.contains("%")) {
                    out.add(invalid("metadata.name", name, "may not be '.' or '..' and may not contain '/' or '%'"));
                }
            } else if (labelNamed) {
                if (name.length() > 63 || !DNS1123_LABEL.matcher(name).matches()) {
                    out.add(invalid("metadata.name", name, "a lowercase RFC 1123 label must consist of lower case "
                            + "alphanumeric characters or '-', and must start and end with an alphanumeric character "
                            + "(e.g. 'my-name',  or '123-abc', regex used for validation is '" + LABEL + "')"));
                }
            } else if (name.length() > 253 || !DNS1123_SUBDOMAIN.matcher(name).matches()) {
                out.add(invalid("metadata.name", name, "a lowercase RFC 1123 subdomain must consist of lower case "
                        + "alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character "
                        + "(e.g. 'example.com', regex used for validation is '" + LABEL + "(\\." + LABEL + ")*')"));
            }
        }
        meta.path("labels").properties().forEach(e -> {
            String key = e.getKey();
            if (!qualifiedKey(key)) {
                out.add(invalid("metadata.labels", key, "name part must consist of alphanumeric characters, '-', '_' "
                        + "or '.', and must start and end with an alphanumeric character"));
            }
            String value = e.getValue().asText("");
            if (value.length() > 63 || !LABEL_VALUE.matcher(value).matches()) {
                out.add(invalid("metadata.labels", value, "a valid label must be an empty string or consist of "
                        + "alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric "
                        + "character (at most 63 characters)"));
            }
        });
        meta.path("annotations").properties().forEach(e -> {
            if (!qualifiedKey(e.getKey())) {
                out.add(invalid("metadata.annotations", e.getKey(), "name part must consist of alphanumeric "
                        + "characters, '-', '_' or '.', and must start and end with an alphanumeric character"));
            }
        });
        if (group.isEmpty() && (kind.equals("ConfigMap") || kind.equals("Secret"))) {
            for (String section : List.of("data", "stringData", "binaryData")) {
                obj.path(section).properties().forEach(e -> {
                    if (!CONFIG_KEY.matcher(e.getKey()).matches()) {
                        out.add(invalid(section, e.getKey(), "a valid config key must consist of alphanumeric "
                                + "characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', "
                                + "regex used for validation is '[-._a-zA-Z0-9]+')"));
                    }
                });
            }
        }
        return out;
    }

    private static boolean qualifiedKey(String key) {
        int slash = key.indexOf('/');
        String prefix = slash >= 0 ? key.substring(0, slash) : null;
        String name = slash >= 0 ? key.substring(slash + 1) : key;
        if (prefix != null && (prefix.isEmpty() || prefix.length() > 253 || !DNS1123_SUBDOMAIN.matcher(prefix).matches())) {
            return false;
        }
        return !name.isEmpty() && name.length() <= 63 && QUALIFIED_NAME.matcher(name).matches();
    }

    private static FieldError invalid(String field, String value, String why) {
        return new FieldError(field, "FieldValueInvalid", "Invalid value: \"" + value + "\": " + why);
    }
}
