package dev.maas.installer.catalog;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.maas.installer.catalog.policy.PolicyBundle;
import dev.maas.installer.engine.FieldChange;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PolicyChainTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final PolicyChain desired = PolicyChain.maas(List.of(PolicyBundle.removeBearer()));

    @Test
    void liveChainAsReturnedBy3scaleWithKeysInAnotherOrderIsEqual() throws Exception {
        String body = "{\"policies_config\":[{\"name\":\"cors\",\"version\":\"builtin\",\"enabled\":true,"
                + "\"configuration\":{\"allow_credentials\":true,\"allow_origin\":\"*\",\"allow_headers\":"
                + "[\"Authorization\",\"Content-type\",\"Accept\"]}},{\"name\":\"remove-bearer\",\"version\":\"0.1.0\","
                + "\"configuration\":{},\"enabled\":true},{\"name\":\"apicast\",\"version\":\"builtin\","
                + "\"configuration\":{},\"enabled\":true}]}";
        PolicyChain live = PolicyChain.fromJson(JSON.readTree(body));

        assertThat(desired.differences(live)).isEmpty();
        assertThat(PolicyChain.fromJson(desired.toJson())).isEqualTo(desired);
        // policies_config may also come back as a JSON string
        assertThat(PolicyChain.fromJson(JSON.createObjectNode().put("policies_config", desired.toJsonString())))
                .isEqualTo(desired);
    }

    @Test
    void aNewProductsChainDiffersByItsShape() throws Exception {
        PolicyChain fresh = PolicyChain.fromJson(JSON.readTree("{\"policies_config\":[{\"name\":\"apicast\","
                + "\"version\":\"builtin\",\"configuration\":{},\"enabled\":true}]}"));
        assertThat(desired.differences(fresh)).containsExactly(Map.entry("policy_chain",
                new FieldChange("apicast", "cors, remove-bearer 0.1.0, apicast")));

        PolicyChain disabled = PolicyChain.fromJson(JSON.readTree(desired.toJsonString()
                .replace("\"configuration\":{},\"enabled\":true}]", "\"configuration\":{},\"enabled\":false}]")));
        assertThat(desired.differences(disabled)).containsExactly(Map.entry("policy_chain",
                new FieldChange("cors, remove-bearer 0.1.0, apicast (disabled)",
                        "cors, remove-bearer 0.1.0, apicast")));
    }

    @Test
    void configurationChangesAreNamedPerField() throws Exception {
        PolicyChain live = PolicyChain.fromJson(JSON.readTree(desired.toJsonString()
                .replace("\"allow_origin\":\"*\"", "\"allow_origin\":\"https://portal\",\"max_age\":600")
                .replace("\"Accept\"", "\"X-Other\"")));
        assertThat(desired.differences(live)).containsExactly(
                Map.entry("policy_chain.cors.allow_headers", new FieldChange(
                        "[\"Authorization\",\"Content-type\",\"X-Other\"]",
                        "[\"Authorization\",\"Content-type\",\"Accept\"]")),
                Map.entry("policy_chain.cors.allow_origin", new FieldChange("https://portal", "*")),
                Map.entry("policy_chain.cors.max_age", new FieldChange("600", null)));
    }

    @Test
    void somethingElseThanAChainIsRejected() {
        assertThatThrownBy(() -> PolicyChain.fromJson(JSON.createObjectNode().put("other", 1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expected a policies_config array");
    }
}
