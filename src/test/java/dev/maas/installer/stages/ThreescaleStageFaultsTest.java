package dev.maas.installer.stages;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.maas.installer.engine.Change;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.Progress;
import dev.maas.installer.engine.Stage;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.StageException;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.sandbox.threescale.Faults;
import dev.maas.installer.sandbox.threescale.RequestJournal;
import dev.maas.installer.sandbox.threescale.SimulatorOptions;
import dev.maas.installer.sandbox.threescale.ThreescaleSimulator;
import dev.maas.installer.stages.backends.BackendsStage;
import dev.maas.installer.stages.plans.PlansStage;
import dev.maas.installer.stages.products.ProductsStage;
import dev.maas.installer.testing.FastRetries;
import dev.maas.installer.testing.StartsSandbox;
import dev.maas.installer.threescale.RetryPolicy;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The backends, products and plans stages against the 3scale simulator with seeded faults at high rates (5xx before
 * and after a write was applied, 429, connections dropped before and after the write, added latency): each run ends
 * in exactly the state a clean run leaves (every object compared by name, references resolved to names; so no
 * duplicate backend, product, method, mapping rule, plan, usage or subscription), or stops with a retryable error
 * naming 3scale and the stage to rerun, after which a run without faults converges. ModelStagesTest covers three
 * seeds at lower rates; this adds higher rates, more seeds and the give-up path.
 */
@StartsSandbox
class ThreescaleStageFaultsTest {
    private static final Logger LOG = LoggerFactory.getLogger(ThreescaleStageFaultsTest.class);
    private static final long[] SEEDS = {101, 202, 303, 404, 505};
    private static final List<String> COLLECTIONS = List.of("backend_apis", "services", "metrics", "mapping_rules",
            "backend_usages", "application_plans", "service_plans", "accounts", "applications",
            "service_subscriptions", "active_docs");
    /** Fields that differ between two clean runs by design (time stamps, generated keys, ids). */
    private static final Set<String> VOLATILE = Set.of("id", "created_at", "updated_at", "user_key", "app_id",
            "application_id", "keys", "client_secret", "site_access_code", "provider_verification_key", "links",
            "first_traffic_at", "first_daily_traffic_at", "body");

    private final List<Stage> stages = List.of(new BackendsStage(), new ProductsStage(), new PlansStage());

    private static ModelStagesFixture fixture() {
        ModelStagesFixture fx = new ModelStagesFixture(SimulatorOptions.defaults());
        for (int i = 0; i < 6; i++) {
            fx.sim.store().addDeveloperAccount("Dev " + i);
        }
        return fx;
    }

    private static InstallerConfig config(ModelStagesFixture fx) {
        return fx.config(ModelStagesFixture.runbookModels(), 3, true);
    }

    private void applyAll(StageContext ctx) {
        for (Stage s : stages) {
            s.apply(ctx, Progress.NONE);
        }
    }

    /** Every object of the tenant, by collection, with ids replaced by the names of what they point at. */
    private static Map<String, List<String>> snapshot(ThreescaleSimulator sim) {
        Map<Long, String> labels = new HashMap<>();
        Map<String, List<ObjectNode>> all = new TreeMap<>();
        for (String c : COLLECTIONS) {
            List<ObjectNode> items = sim.store().snapshot(c);
            all.put(c, items);
            for (ObjectNode n : items) {
                labels.put(n.path("id").asLong(), c + ":" + label(n));
            }
        }
        Map<String, List<String>> out = new TreeMap<>();
        all.forEach((c, items) -> out.put(c, items.stream().map(n -> canonical(n, labels)).sorted().toList()));
        return out;
    }

    private static String label(JsonNode n) {
        for (String f : List.of("system_name", "org_name", "name", "pattern")) {
            if (n.hasNonNull(f)) {
                return n.get(f).asText();
            }
        }
        return "?";
    }

    private static String canonical(ObjectNode n, Map<Long, String> labels) {
        ObjectNode copy = n.deepCopy();
        VOLATILE.forEach(copy::remove);
        List<String> names = new ArrayList<>();
        copy.fieldNames().forEachRemaining(names::add);
        for (String f : names) {
            JsonNode v = copy.get(f);
            if ((f.endsWith("_id") || f.equals("owner_id")) && v.canConvertToLong() && labels.containsKey(v.asLong())) {
                copy.put(f, labels.get(v.asLong()));
            } else if (f.endsWith("_at")) {
                copy.remove(f);
            }
        }
        return new TreeMap<>(toMap(copy)).toString();
    }

    private static Map<String, String> toMap(ObjectNode n) {
        Map<String, String> m = new TreeMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = n.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            m.put(e.getKey(), e.getValue().toString());
        }
        return m;
    }

    private static Map<String, List<String>> cleanRunState() {
        try (ModelStagesFixture fx = fixture()) {
            StageContext ctx = fx.ctx(config(fx));
            for (Stage s : List.of(new BackendsStage(), new ProductsStage(), new PlansStage())) {
                s.apply(ctx, Progress.NONE);
            }
            return snapshot(fx.sim);
        }
    }

    private static void assertRetryable(StageException e, String stageId) {
        assertThat(e.invalidInput()).as("retryable: %s", e.getMessage()).isFalse();
        assertThat(e.getMessage()).contains("3scale");
        assertThat(e.fix().kind()).isEqualTo(Fix.Kind.STAGE);
        assertThat(e.fix().target()).isEqualTo(stageId);
        assertThat(e.describe()).contains("maas-installer apply --stage " + stageId).contains("system-app");
    }

    @Test
    void seededFaultsEndInTheCleanRunStateOrARetryableErrorNeverADuplicate() {
        Map<String, List<String>> expected = cleanRunState();
        assertThat(expected.get("services")).hasSize(6); // the sample product and the runbook's five
        assertThat(expected.get("mapping_rules")).isNotEmpty();

        int afterCommit = 0;
        int stopped = 0;
        int faults = 0;
        for (long seed : SEEDS) {
            try (ModelStagesFixture fx = fixture()) {
                fx.sim.setFaults(Faults.errors(seed, 0.08, 0.05, 0.08).withLatency(Duration.ofMillis(2)));
                InstallerConfig config = config(fx);
                String outcome = "converged";
                try {
                    applyAll(fx.ctx(config, FastRetries.threescale(6, seed)));
                } catch (StageException e) {
                    assertRetryable(e, e.fix().target());
                    outcome = "stopped: " + e.getMessage();
                    stopped++;
                }
                List<RequestJournal.Entry> journal = fx.sim.journal().entries();
                fx.sim.setFaults(Faults.none());
                long injected = journal.stream().filter(e -> e.fault() != null).count();
                long lost = journal.stream().filter(e -> e.fault() != null && e.fault().endsWith("after-commit"))
                        .count();
                faults += (int) injected;
                afterCommit += (int) lost;
                LOG.info("seed {}: {} requests, {} faults, {} writes applied with the answer lost, {}", seed,
                        journal.size(), injected, lost, outcome);
                if (!outcome.equals("converged")) {
                    applyAll(fx.ctx(config)); // the rerun the error asks for
                }
                assertThat(snapshot(fx.sim)).as("seed %d ends like a clean run", seed).isEqualTo(expected);
                fx.sim.journal().clear();
                for (Stage s : stages) {
                    assertThat(s.apply(fx.ctx(config), Progress.NONE)).allMatch(Change::isNoop);
                }
                assertThat(fx.writes()).as("seed %d: a further run writes nothing", seed).isEmpty();
            }
        }
        LOG.info("ThreescaleStageFaultsTest: {} seeds, {} faults injected, {} writes applied with the answer lost,"
                + " {} runs stopped with a retryable error", SEEDS.length, faults, afterCommit, stopped);
        assertThat(afterCommit).as("the dangerous case happened").isPositive();
    }

    @Test
    void whenThreescaleKeepsFailingTheStageStopsWithARetryableErrorAndARerunConverges() {
        Map<String, List<String>> expected = cleanRunState();
        try (ModelStagesFixture fx = fixture()) {
            InstallerConfig config = config(fx);
            new BackendsStage().apply(fx.ctx(config), Progress.NONE);
            fx.sim.setFaults(Faults.errors(9, 1.0, 0, 0)); // every request answers 5xx
            assertThatThrownBy(() -> new ProductsStage().apply(fx.ctx(config, FastRetries.threescale(3, 9)),
                    Progress.NONE)).isInstanceOfSatisfying(StageException.class, e -> {
                        assertRetryable(e, "products");
                        assertThat(e.getMessage()).contains("503").contains("kept failing");
                    });
            fx.sim.setFaults(Faults.none());
            applyAll(fx.ctx(config));
            assertThat(snapshot(fx.sim)).isEqualTo(expected);
        }
    }
}
