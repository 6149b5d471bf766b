package dev.maas.installer.sandbox;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import static dev.maas.installer.sandbox.ApiStatus.*;

/**
 * What the API server does to an object before it stores it: defaulting, the fields the kind does not declare (dropped,
 * warned about or refused as fieldValidation asks), metadata and schema validation, Secret {@code stringData}, Route
 * defaulting and admission.
 */
final class Admission {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final OpenApiDocs openapi;
    private final FieldValidation fields;
    private final String appsDomain;

    Admission(OpenApiDocs openapi, FieldValidation fields, String appsDomain) {
        this.openapi = openapi;
        this.fields = fields;
        this.appsDomain = appsDomain;
    }

    /** The server-side defaulting, conversion and validation of an object about to be stored. */
    void admit(ApiTarget t, ApiCatalog.Resource resource, ObjectNode obj, JsonNode current) {
        if (!obj.hasNonNull("apiVersion")) {
            obj.put("apiVersion", resource.groupVersion());
        }
        if (!obj.hasNonNull("kind")) {
            obj.put("kind", resource.kind());
        }
        if (!obj.path("apiVersion").asText().equals(resource.groupVersion())
                || !obj.path("kind").asText().equals(resource.kind())) {
            throw new Rejection(status(400, "BadRequest", "the API version in the data (" + obj.path("apiVersion").asText()
                    + ") does not match the expected API version (" + resource.groupVersion() + ")", null));
        }
        RequestContext ctx = RequestContext.CONTEXT.get();
        String patched = ctx != null && ctx.patchType != null && !ctx.patchType.equals(APPLY_PATCH)
                ? obj.toString() : null;
        List<String> unknown = dropUnknownFields(resource, obj);
        if (!unknown.isEmpty()) {
            reportUnknownFields(resource, obj, unknown, patched);
        }
        List<FieldError> metaErrors = ObjectMetaRules.validate(resource.kind(), resource.group(), obj);
        if (!metaErrors.isEmpty()) {
            throw new Rejection(invalid(resource, obj.path("metadata").path("name").asText(t.name()), metaErrors));
        }
        switch ("status".equals(t.subresource()) ? "" : resource.kind()) {
            case "Secret" -> {
                secretStringData(obj);
                // pkg/apis/core/v1/defaults.go SetDefaults_Secret
                if (!obj.hasNonNull("type") || obj.get("type").asText().isEmpty()) {
                    obj.put("type", "Opaque");
                }
            }
            case "Route" -> {
                if (resource.group().equals("route.openshift.io")) {
                    routeHost(obj, t);
                }
            }
            case "Namespace" -> obj.withObjectProperty("status").put("phase", "Active");
            default -> { }
        }
        if (resource.schema() != null) {
            resource.schema().prune(obj);
            List<FieldError> errors = resource.schema().validate(obj);
            if (!errors.isEmpty()) {
                throw new Rejection(invalid(resource, obj.path("metadata").path("name").asText(t.name()), errors));
            }
        }
    }

    static final String APPLY_PATCH = "application/apply-patch+yaml";
    static final String OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";

    /**
     * Removes the fields the kind does not declare (decoding into a built-in type drops them; a CRD's structural
     * schema prunes them) and returns their paths, sorted.
     */
    List<String> dropUnknownFields(ApiCatalog.Resource resource, ObjectNode obj) {
        List<String> unknown = new ArrayList<>();
        if (resource.schema() != null) {
            unknown.addAll(resource.schema().pruneReporting(obj));
            JsonNode meta = obj.get("metadata");
            if (meta instanceof ObjectNode m && openapi.definition(OBJECT_META) != null) {
                fields.dropUnknown(OBJECT_META, m).forEach(f -> unknown.add("metadata." + f));
            }
        } else {
            String def = openapi.definitionName(resource);
            if (def != null && !def.equals(OpenApiDocs.restFriendlyName(resource.group(), resource.version(),
                    resource.kind()))) {
                unknown.addAll(fields.dropUnknown(def, obj));
            }
        }
        java.util.Collections.sort(unknown);
        return unknown;
    }

    /**
     * fieldValidation: Strict fails the request (create and update: 400, kubernetes v1.29 apiserver
     * pkg/endpoints/handlers/rest.go transformDecodeError; patch: 422 naming the patch, handlers/patch.go), Warn
     * (the default) answers with a Warning header per field, Ignore says nothing.
     */
    void reportUnknownFields(ApiCatalog.Resource resource, ObjectNode obj, List<String> unknown,
                                     String patched) {
        RequestContext ctx = RequestContext.CONTEXT.get();
        String directive = ctx == null ? "Warn" : ctx.fieldValidation;
        List<String> errors = unknown.stream().map(f -> "unknown field " + FieldValidation.goQuote(f)).toList();
        if (directive.equals("Strict")) {
            String strict = "strict decoding error: " + String.join(", ", errors);
            if (ctx != null && ctx.patchType != null) {
                String value;
                if (ctx.patchType.equals("application/strategic-merge-patch+json")) {
                    JsonNode patch;
                    try {
                        patch = JSON.readTree(ctx.patchBody);
                    } catch (JsonProcessingException e) {
                        patch = NODES.textNode(ctx.patchBody);
                    }
                    value = KubeJsonPath.text(patch); // fmt.Sprintf("%+v", patchMap)
                } else {
                    value = patched == null ? obj.toString() : patched; // string(patchedObjJS)
                }
                String detail = "Invalid value: " + FieldValidation.goQuote(value) + ": " + strict;
                ObjectNode d = NODES.objectNode();
                d.putArray("causes").addObject().put("reason", "FieldValueInvalid").put("message", detail)
                        .put("field", "patch");
                throw new Rejection(status(422, "Invalid", " \"\" is invalid: patch: " + detail, d));
            }
            String version = obj.path("apiVersion").asText();
            version = version.contains("/") ? version.substring(version.indexOf('/') + 1) : version;
            throw new Rejection(status(400, "BadRequest", obj.path("kind").asText() + " in version \"" + version
                    + "\" cannot be handled as a " + resource.kind() + ": " + strict, null));
        }
        if (directive.equals("Warn") && ctx != null) {
            ctx.warnings.addAll(errors);
        }
    }

    /**
     * Server-side apply types the applied object against the kind's schema and refuses undeclared fields whatever
     * the field validation (apimachinery pkg/util/managedfields/internal/structuredmerge.go: "failed to create typed
     * patch object (%v): %v"; the error is not an API status, so the server answers 500 without a reason).
     */
    void requireDeclaredFields(ApiTarget t, ApiCatalog.Resource resource, ObjectNode applied) {
        List<String> undeclared = new ArrayList<>();
        if (resource.schema() != null) {
            for (String f : resource.schema().pruneReporting(applied.deepCopy())) {
                undeclared.add("." + f);
            }
            if (applied.get("metadata") != null && openapi.definition(OBJECT_META) != null) {
                fields.undeclared(OBJECT_META, applied.get("metadata")).forEach(f -> undeclared.add(".metadata" + f));
            }
        } else {
            String def = openapi.definitionName(resource);
            if (def != null && !def.equals(OpenApiDocs.restFriendlyName(resource.group(), resource.version(),
                    resource.kind()))) {
                undeclared.addAll(fields.undeclared(def, applied));
            }
        }
        if (undeclared.isEmpty()) {
            return;
        }
        List<String> messages = undeclared.stream().map(f -> f + ": field not declared in schema").toList();
        String errors = messages.size() == 1 ? messages.get(0) : "errors:\n  " + String.join("\n  ", messages);
        String gvk = (resource.group().isEmpty() ? "" : resource.group()) + "/" + resource.version() + ", Kind="
                + resource.kind();
        String ns = t.namespace() == null ? "" : t.namespace();
        throw new Rejection(status(500, "", "failed to create typed patch object (" + ns + "/" + t.name() + "; "
                + gvk + "): " + errors, null));
    }

    static void secretStringData(ObjectNode secret) {
        JsonNode stringData = secret.remove("stringData");
        if (stringData != null && stringData.isObject()) {
            ObjectNode data = secret.withObjectProperty("data");
            stringData.properties().forEach(f -> data.put(f.getKey(),
                    Base64.getEncoder().encodeToString(f.getValue().asText().getBytes(StandardCharsets.UTF_8))));
        }
    }

    void routeHost(ObjectNode route, ApiTarget t) {
        ObjectNode spec = route.withObjectProperty("spec");
        // openshift library-go pkg/route/defaulting/defaults.go (SetObjectDefaults_Route)
        if (!spec.hasNonNull("wildcardPolicy") || spec.get("wildcardPolicy").asText().isEmpty()) {
            spec.put("wildcardPolicy", "None");
        }
        List<JsonNode> targets = new ArrayList<>();
        if (spec.get("to") instanceof ObjectNode) {
            targets.add(spec.get("to"));
        }
        spec.path("alternateBackends").forEach(targets::add);
        for (JsonNode target : targets) {
            if (target instanceof ObjectNode to) {
                if (!to.hasNonNull("kind") || to.get("kind").asText().isEmpty()) {
                    to.put("kind", "Service");
                }
                if (!to.hasNonNull("weight")) {
                    to.put("weight", 100);
                }
            }
        }
        if (spec.get("tls") instanceof ObjectNode tls && (!tls.hasNonNull("termination")
                || tls.get("termination").asText().isEmpty()) && !tls.hasNonNull("destinationCACertificate")) {
            tls.put("termination", "edge");
        }
        String name = route.path("metadata").path("name").asText(t.name());
        String ns = route.path("metadata").path("namespace").asText(t.namespace());
        if (!spec.hasNonNull("host") || spec.get("host").asText().isEmpty()) {
            spec.put("host", name + "-" + ns + "." + appsDomain);
        }
        ObjectNode status = NODES.objectNode();
        ObjectNode ingress = status.putArray("ingress").addObject();
        ingress.put("host", spec.get("host").asText()).put("routerName", "default")
                .put("routerCanonicalHostname", "router-default." + appsDomain)
                .put("wildcardPolicy", spec.path("wildcardPolicy").asText("None"));
        ingress.putArray("conditions").addObject().put("type", "Admitted").put("status", "True");
        route.set("status", status);
    }
}
