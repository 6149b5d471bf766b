package dev.maas.installer.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class CrdSchemaTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private static CrdSchema schemaOf(String resourceFile, String version) throws Exception {
        String text = CrdSource.read(CrdSchemaTest.class.getClassLoader(), CrdSource.BUNDLED + "/" + resourceFile);
        JsonNode crd = YAML.readTree(text);
        for (JsonNode v : crd.path("spec").path("versions")) {
            if (v.path("name").asText().equals(version)) {
                return new CrdSchema(v.path("schema").path("openAPIV3Schema"));
            }
        }
        throw new AssertionError("no version " + version);
    }

    private static ObjectNode obj(String yaml) throws Exception {
        return (ObjectNode) YAML.readTree(yaml);
    }

    @Test
    void apiManagerWildcardDomainMustBeAString() throws Exception {
        CrdSchema schema = schemaOf("3scale/apps.3scale.net_apimanagers.yaml", "v1alpha1");
        ObjectNode bad = obj("""
                apiVersion: apps.3scale.net/v1alpha1
                kind: APIManager
                metadata: {name: apimanager}
                spec:
                  wildcardDomain: 42
                """);
        List<FieldError> errors = schema.validate(bad);
        assertThat(errors).extracting(FieldError::full).containsExactly(
                "spec.wildcardDomain: Invalid value: \"integer\": spec.wildcardDomain in body must be of type string: \"integer\"");
        assertThat(errors.get(0).reason()).isEqualTo("FieldValueTypeInvalid");
    }

    @Test
    void missingRequiredFieldIsNamed() throws Exception {
        CrdSchema schema = schemaOf("3scale/apps.3scale.net_apimanagers.yaml", "v1alpha1");
        List<FieldError> errors = schema.validate(obj("""
                apiVersion: apps.3scale.net/v1alpha1
                kind: APIManager
                metadata: {name: apimanager}
                spec: {resourceRequirementsEnabled: false}
                """));
        assertThat(errors).extracting(FieldError::full).containsExactly("spec.wildcardDomain: Required value");
    }

    @Test
    void unknownFieldsArePrunedUnlessPreservedAndValidObjectPasses() throws Exception {
        CrdSchema schema = schemaOf("3scale/capabilities.3scale.net_developerusers.yaml", "v1beta1");
        ObjectNode good = obj("""
                apiVersion: capabilities.3scale.net/v1beta1
                kind: DeveloperUser
                metadata: {name: alice, labels: {a: b}}
                spec:
                  username: alice
                  email: alice@example.com
                  notAField: 1
                  developerAccountRef: {name: acme, extra: x}
                  passwordCredentialsRef: {name: alice-password}
                """);
        schema.prune(good);
        assertThat(good.path("spec").has("notAField")).isFalse();
        assertThat(good.at("/spec/developerAccountRef").has("extra")).isFalse();
        assertThat(good.at("/spec/developerAccountRef/name").asText()).isEqualTo("acme");
        assertThat(good.path("metadata").path("labels").path("a").asText()).isEqualTo("b");
        assertThat(schema.validate(good)).isEmpty();

        // APIManager's spec preserves unknown fields (x-kubernetes-preserve-unknown-fields)
        CrdSchema apim = schemaOf("3scale/apps.3scale.net_apimanagers.yaml", "v1alpha1");
        ObjectNode manager = obj("""
                apiVersion: apps.3scale.net/v1alpha1
                kind: APIManager
                metadata: {name: apimanager}
                spec: {wildcardDomain: apps.example.com, somethingNew: 1}
                """);
        apim.prune(manager);
        assertThat(manager.at("/spec/somethingNew").asInt()).isEqualTo(1);
        assertThat(apim.validate(manager)).isEmpty();
    }

    @Test
    void enumViolationsListTheSupportedValues() throws Exception {
        CrdSchema schema = schemaOf("3scale/capabilities.3scale.net_developerusers.yaml", "v1beta1");
        List<FieldError> errors = schema.validate(obj("""
                apiVersion: capabilities.3scale.net/v1beta1
                kind: DeveloperUser
                metadata: {name: alice}
                spec:
                  username: alice
                  email: alice@example.com
                  role: owner
                  suspended: "no"
                  developerAccountRef: {name: acme}
                """));
        assertThat(errors).extracting(FieldError::full).containsExactlyInAnyOrder(
                "spec.role: Unsupported value: \"owner\": supported values: \"admin\", \"member\"",
                "spec.suspended: Invalid value: \"string\": spec.suspended in body must be of type boolean: \"string\"",
                "spec.passwordCredentialsRef: Required value");
    }
}
