package dev.maas.installer.stages.products;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.maas.installer.engine.Progress;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.sandbox.threescale.AsyncDelays;
import dev.maas.installer.sandbox.threescale.SimulatorOptions;
import dev.maas.installer.stages.ModelStagesFixture;
import dev.maas.installer.stages.backends.BackendsStage;
import dev.maas.installer.testing.StartsSandbox;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A run that made a product's changes but stopped before deploying them (killed, or its deploy request failed) leaves
 * a stale staging config behind; an apply that only looked for changes to make would find none and promote that stale
 * config to production. The products stage compares the latest staging config with what the product wants and
 * deploys again when it differs (the case CliKillResumeTest meets at its kill points).
 */
@StartsSandbox
class ProductsResumeTest {
    private ModelStagesFixture fx;

    @AfterEach
    void tearDown() {
        if (fx != null) {
            fx.close();
        }
    }

    private static JsonNode latest(List<ObjectNode> configs) {
        return configs.isEmpty() ? null : configs.get(configs.size() - 1).get("content");
    }

    /** The policy names and mapping rules of a config's content, or of the product's live state. */
    private static List<String> summary(JsonNode proxyContent) {
        List<String> out = new ArrayList<>();
        proxyContent.path("policy_chain").forEach(p -> out.add("policy " + p.path("name").asText()));
        TreeSet<String> rules = new TreeSet<>();
        proxyContent.path("proxy_rules").forEach(r -> rules.add("rule " + r.path("http_method").asText() + " "
                + r.path("pattern").asText()));
        out.addAll(rules);
        return out;
    }

    private List<String> live(long sid) {
        List<String> out = new ArrayList<>();
        fx.sim.store().policyChain(sid).forEach(p -> out.add("policy " + p.path("name").asText()));
        TreeSet<String> rules = new TreeSet<>();
        fx.sim.store().snapshot("mapping_rules").stream()
                .filter(r -> r.path("owner_id").asLong() == sid && r.path("owner_type").asText().equals("Service"))
                .forEach(r -> rules.add("rule " + r.path("http_method").asText() + " " + r.path("pattern").asText()));
        out.addAll(rules);
        return out;
    }

    @Test
    void aRunStoppedBeforeTheDeployIsDeployedAndPromotedByTheNextApply() {
        // the service token at once: this is about a run stopped before its deploy, not about the token
        fx = new ModelStagesFixture(SimulatorOptions.defaults().withDelays(AsyncDelays.none()));
        InstallerConfig config = fx.config(ModelStagesFixture.runbookModels().subList(0, 1), 1, false);
        StageContext ctx = fx.ctx(config);
        new BackendsStage().apply(ctx, Progress.NONE);

        // the first run makes every change but its deploy requests never reach 3scale
        fx.sim.observeWrites((method, path) -> !path.endsWith("/proxy/deploy.json"));
        assertThatThrownBy(() -> new ProductsStage().apply(fx.ctx(config), Progress.NONE));
        fx.sim.observeWrites(null);
        ObjectNode product = fx.sim.store().snapshot("services").stream()
                .filter(s -> s.path("system_name").asText().equals("granite-3-8b-instruct")).findFirst()
                .orElseThrow();
        long sid = product.path("id").asLong();
        JsonNode stale = latest(fx.sim.store().configsOf(sid, "sandbox"));
        assertThat(stale).as("the proxy update deployed a first staging config").isNotNull();
        assertThat(summary(stale.path("proxy"))).as("staging is stale").isNotEqualTo(live(sid));

        // the next apply has nothing to change, but deploys and promotes the product's current state
        new ProductsStage().apply(fx.ctx(config), Progress.NONE);
        JsonNode staging = latest(fx.sim.store().configsOf(sid, "sandbox"));
        JsonNode production = latest(fx.sim.store().configsOf(sid, "production"));
        assertThat(summary(staging.path("proxy"))).isEqualTo(live(sid));
        assertThat(production).as("production is what staging now holds").isEqualTo(staging);
        assertThat(summary(production.path("proxy"))).contains("policy apicast", "rule POST /v1/chat/completions$");

        // and the one after writes nothing
        fx.sim.journal().clear();
        new ProductsStage().apply(fx.ctx(config), Progress.NONE);
        assertThat(fx.writes()).as("a second apply writes nothing").isEmpty();
    }
}
