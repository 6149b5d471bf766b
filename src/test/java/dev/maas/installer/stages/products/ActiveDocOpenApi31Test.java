package dev.maas.installer.stages.products;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.maas.installer.catalog.OpenApiOperations;
import dev.maas.installer.engine.Action;
import dev.maas.installer.engine.Change;
import dev.maas.installer.engine.Check;
import dev.maas.installer.engine.CheckStatus;
import dev.maas.installer.engine.Progress;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.engine.config.InstallerConfig.ModelConfig;
import dev.maas.installer.sandbox.threescale.SimulatorOptions;
import dev.maas.installer.stages.ModelStagesFixture;
import dev.maas.installer.stages.backends.BackendsStage;
import dev.maas.installer.stages.plans.PlansStage;
import dev.maas.installer.testing.StartsSandbox;
import dev.maas.installer.threescale.ThreescaleClient;
import dev.maas.installer.threescale.model.ActiveDoc;
import dev.maas.installer.threescale.model.Service;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A vLLM model's OpenAPI 3.1 document as its ActiveDoc: porta 2.15 has no validator for 3.1 and refuses it ("Invalid
 * Swagger version") unless {@code skip_swagger_validations} is true (app/lib/three_scale/swagger/specification.rb,
 * validator.rb); the products stage sends the flag, says so in the plan, and a second apply writes nothing.
 */
@StartsSandbox
class ActiveDocOpenApi31Test {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path VLLM_31 = Path.of(
            "src/test/resources/reference/vllm-openapi-3.1/granite-3-8b-instruct.openapi-3.1.json");
    private final BackendsStage backends = new BackendsStage();
    private final ProductsStage products = new ProductsStage();
    private final PlansStage plans = new PlansStage();
    private ModelStagesFixture fx;

    @AfterEach
    void tearDown() {
        if (fx != null) {
            fx.close();
        }
    }

    private static List<ModelConfig> vllm() {
        return List.of(new ModelConfig("Granite", "granite", "http://granite-predictor.models.svc.cluster.local:8080",
                VLLM_31.toAbsolutePath().toString(), null));
    }

    private List<Change> applyAll(StageContext ctx) {
        List<Change> out = new ArrayList<>();
        out.addAll(backends.apply(ctx, Progress.NONE));
        out.addAll(products.apply(ctx, Progress.NONE));
        out.addAll(plans.apply(ctx, Progress.NONE));
        return out;
    }

    @Test
    void aVllmOpenApi31DocumentIsSentWithSkipSwaggerValidationsAndThePlanSaysWhy() throws IOException {
        fx = new ModelStagesFixture(SimulatorOptions.defaults());
        InstallerConfig config = fx.config(vllm(), 2, false);
        StageContext ctx = fx.ctx(config);

        assertThat(products.plan(ctx)).filteredOn(c -> c.kind().equals("activedoc")).singleElement()
                .satisfies(c -> {
                    assertThat(c.action()).isEqualTo(Action.CREATE);
                    assertThat(c.fields().get("skip_swagger_validations").to()).startsWith("true")
                            .contains("OpenAPI 3.1.0").contains("Invalid Swagger version");
                });
        applyAll(ctx);
        ThreescaleClient api = ThreescaleClient.builder(fx.sim.url(), fx.sim.accessToken()).build();
        ActiveDoc doc = api.activeDocs().findBySystemName("granite").orElseThrow();
        assertThat(doc.skipSwaggerValidations()).isTrue();
        assertThat(JSON.readTree(doc.body())).isEqualTo(JSON.readTree(VLLM_31.toFile()));
        assertThat(JSON.readTree(doc.body()).get("openapi").asText()).isEqualTo("3.1.0");
        assertThat(fx.sim.journal().entries()).filteredOn(e -> e.method().equals("POST")
                && e.path().equals("/admin/api/active_docs.json")).singleElement()
                .satisfies(e -> assertThat(e.params()).containsEntry("skip_swagger_validations", "true"));

        fx.sim.journal().clear();
        StageContext again = fx.ctx(config);
        assertThat(applyAll(again)).allMatch(Change::isNoop);
        assertThat(fx.writes()).as("writes of the second apply").isEmpty();
        List<Check> checks = new ArrayList<>(products.verify(again));
        checks.addAll(plans.verify(again));
        assertThat(checks).allSatisfy(c -> assertThat(c.status()).as(c.name() + ": " + c.message())
                .isEqualTo(CheckStatus.OK));
    }

    @Test
    void aDocumentThatBecomes31IsUpdatedTogetherWithTheFlag() {
        fx = new ModelStagesFixture(SimulatorOptions.defaults());
        // first without a document: the generated OpenAPI 3.0 document, which porta validates itself
        InstallerConfig plain = fx.config(List.of(new ModelConfig("Granite", "granite",
                "http://granite-predictor.models.svc.cluster.local:8080", null, null)), 2, false);
        applyAll(fx.ctx(plain));
        ThreescaleClient api = ThreescaleClient.builder(fx.sim.url(), fx.sim.accessToken()).build();
        ActiveDoc before = api.activeDocs().findBySystemName("granite").orElseThrow();
        assertThat(before.skipSwaggerValidations()).isFalse();
        JsonNode generated = OpenApiOperations.defaultDocument("Granite");
        assertThat(generated.get("openapi").asText()).isEqualTo("3.0.3");

        // then the model serves vLLM's 3.1 document: one PUT with the body and the flag
        fx.sim.journal().clear();
        InstallerConfig withDoc = fx.config(vllm(), 2, false);
        products.apply(fx.ctx(withDoc), Progress.NONE);
        assertThat(fx.writes()).filteredOn(e -> e.path().startsWith("/admin/api/active_docs")).singleElement()
                .satisfies(e -> {
                    assertThat(e.method() + " " + e.path()).isEqualTo("PUT /admin/api/active_docs/" + before.id()
                            + ".json");
                    assertThat(e.params()).containsKey("body").containsEntry("skip_swagger_validations", "true");
                    assertThat(e.status()).isEqualTo(200);
                });
        Service s = api.services().findBySystemName("granite").orElseThrow();
        assertThat(api.activeDocs().read(before.id()).orElseThrow()).satisfies(d -> {
            assertThat(d.skipSwaggerValidations()).isTrue();
            assertThat(d.serviceId()).isEqualTo(s.id());
        });
        fx.sim.journal().clear();
        products.apply(fx.ctx(withDoc), Progress.NONE);
        assertThat(fx.writes()).isEmpty();
    }
}
