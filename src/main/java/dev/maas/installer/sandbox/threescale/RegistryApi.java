package dev.maas.installer.sandbox.threescale;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.maas.installer.sandbox.threescale.SimStore.Req;

import static dev.maas.installer.sandbox.threescale.SimSupport.*;

/** The custom policy registry. */
final class RegistryApi extends SimPart {
    RegistryApi(SimState st) {
        super(st);
    }

    /** Registers a custom policy in the registry, as the operator does for a CustomPolicyDefinition. */
    ObjectNode addRegistryPolicy(String name, String version, JsonNode schema) {
        ObjectNode p = J.objectNode();
        p.put("id", id());
        p.put("name", name);
        p.put("version", version);
        p.set("schema", schema == null ? J.objectNode() : schema.deepCopy());
        p.put("created_at", now());
        p.put("updated_at", now());
        registry.put(p.get("id").asLong(), p);
        return p.deepCopy();
    }

    /**
     * Updates a registry policy as porta's {@code PUT /admin/api/registry/policies/{id}.json} does
     * ({@code app/controllers/admin/api/registry/policies_controller.rb}, {@code app/models/policy.rb}): the version
     * must equal the schema's and be unique for the name, and a policy that a product's policy chain uses cannot change
     * its name, version or schema. Returns porta's errors by field, empty when saved.
     */
    Map<String, List<String>> updateRegistryPolicy(long id, String name, String version,
                                                                     JsonNode schema) {
        ObjectNode p = registry.get(id);
        if (p == null) {
            return Map.of("base", List.of("Not found"));
        }
        String newName = name == null ? p.get("name").asText() : name;
        String newVersion = version == null ? p.get("version").asText() : version;
        JsonNode newSchema = schema == null ? p.get("schema") : schema;
        Map<String, List<String>> errors = registryErrors(id, newName, newVersion, newSchema);
        if (!errors.isEmpty()) {
            return errors;
        }
        boolean readonlyChanged = !newName.equals(p.get("name").asText())
                || !newVersion.equals(p.get("version").asText()) || !newSchema.equals(p.get("schema"));
        if (readonlyChanged && inUse(p.get("name").asText(), p.get("version").asText())) {
            // policy.rb validate_not_in_use (on: :update, if: :readonly_attributes_changed?); config/locales/en.yml
            return Map.of("base", List.of("This policy is currently being used in one of your APIs and cannot be"
                    + " modified."));
        }
        if (readonlyChanged) {
            p.put("name", newName);
            p.put("version", newVersion);
            p.set("schema", newSchema.deepCopy());
            p.put("updated_at", now());
        }
        return Map.of();
    }

    /** policy.rb's validations of name, version and schema (uniqueness excludes {@code selfId}). */
    private Map<String, List<String>> registryErrors(Long selfId, String name, String version, JsonNode schema) {
        Map<String, List<String>> errors = new LinkedHashMap<>();
        if (version.equals("builtin")) {
            errors.put("version", List.of("cannot be 'builtin'"));
        } else if (schema == null || !version.equals(schema.path("version").asText())) {
            errors.put("version", List.of("differs from the schema version"));
        } else if (registry.values().stream().anyMatch(x -> !Long.valueOf(x.get("id").asLong()).equals(selfId)
                && x.get("name").asText().equals(name) && x.get("version").asText().equals(version))) {
            errors.put("version", List.of("has already been taken"));
        }
        return errors;
    }

    /** policy.rb in_use?: a product's policy chain uses this name and version. */
    private boolean inUse(String name, String version) {
        return policyChains.values().stream().flatMap(chain -> java.util.stream.StreamSupport.stream(
                chain.spliterator(), false)).anyMatch(c -> name.equals(c.path("name").asText())
                && version.equals(c.path("version").asText()));
    }

    /** The policies in the registry (copies). */
    List<ObjectNode> registryPolicies() {
        return registry.values().stream().map(ObjectNode::deepCopy).toList();
    }

    /** policies_controller.rb find_policy: by id, or by identifier {@code <name>-<version>} (policy.rb). */
    private ObjectNode registryPolicy(Req r) {
        String id = r.path().get("id");
        return registry.values().stream().filter(p -> p.get("id").asText().equals(id)
                        || (p.get("name").asText() + "-" + p.get("version").asText()).equals(id))
                .findFirst().orElseThrow(SimSupport::notFound);
    }

    /** The routes of the policy registry. */
    void routes(String api) {
        on("GET", api + "/registry/policies", r -> ok(list(registry.values(), "policies", "policy")));
        on("POST", api + "/registry/policies", r -> {
            require(r, "name", "version", "schema");
            JsonNode schema = parseJson(r.p("schema"), "schema");
            Map<String, List<String>> errors = registryErrors(null, r.p("name"), r.p("version"), schema);
            if (!errors.isEmpty()) {
                return errors(errors);
            }
            return created(wrap("policy", addRegistryPolicy(r.p("name"), r.p("version"), schema)));
        });
        on("GET", api + "/registry/policies/{id}", r -> ok(wrap("policy", registryPolicy(r))));
        on("PUT", api + "/registry/policies/{id}", r -> {
            ObjectNode p = registryPolicy(r);
            JsonNode schema = r.has("schema") ? parseJson(r.p("schema"), "schema") : null;
            Map<String, List<String>> errors = updateRegistryPolicy(p.get("id").asLong(), r.p("name"), r.p("version"),
                    schema);
            if (!errors.isEmpty()) {
                return errors(errors);
            }
            return ok(wrap("policy", registry.get(p.get("id").asLong())));
        });
    }
}
