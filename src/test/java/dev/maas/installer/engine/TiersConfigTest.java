package dev.maas.installer.engine;

import dev.maas.installer.engine.config.ConfigException;
import dev.maas.installer.engine.config.ConfigLoader;
import dev.maas.installer.engine.config.ConfigProblem;
import dev.maas.installer.engine.config.ConfigSections;
import dev.maas.installer.engine.config.ConfigWriter;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.engine.config.InstallerConfig.LimitConfig;
import dev.maas.installer.engine.config.InstallerConfig.TierConfig;
import dev.maas.installer.engine.secrets.SecretRegistry;
import dev.maas.installer.ui.model.FieldLabels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code plans.tiers}: read, defaulted, checked in the screen's words. */
class TiersConfigTest {
    private static final String MODELS = """
            models:
              - name: Granite
                url: http://granite.models.svc:8080
              - name: Llama 3
                url: http://llama.models.svc:8080
            """;

    @TempDir
    Path dir;

    private InstallerConfig parse(String yaml) {
        return ConfigLoader.parse(yaml, "test.yaml", dir);
    }

    private List<ConfigProblem> problems(String yaml) {
        try {
            parse(yaml);
        } catch (ConfigException e) {
            return e.problems();
        }
        throw new AssertionError("expected the config to be rejected");
    }

    @Test
    void withoutTiersEveryModelHasOnePlanNamedPlansNameWithoutLimits() {
        InstallerConfig c = parse(MODELS + "plans:\n  name: Gold\n");
        assertThat(c.plans().tiers()).isEmpty();
        assertThat(c.plans().tiersOf("Granite", "granite"))
                .containsExactly(new TierConfig("Gold", false, List.of(), List.of()));
        assertThat(c.plans().limitsTokens()).isFalse();
        assertThat(parse(MODELS).plans().tiersOf("Granite", "granite").get(0).name()).isEqualTo("Standard");
    }

    @Test
    void freeAndPremiumTiersAreReadWithTheirDefaults() {
        InstallerConfig c = parse(MODELS + """
                plans:
                  tiers:
                    - name: Free
                      limits:
                        - {metric: requests, period: minute, value: 10}
                        - {metric: total_tokens, period: day, value: 1000}
                    - name: Premium
                      approvalRequired: true
                      models: [llama-3]
                """);
        TierConfig free = c.plans().tiers().get(0);
        assertThat(free.approvalRequired()).isFalse();
        assertThat(free.models()).isEmpty();
        assertThat(free.limits()).containsExactly(new LimitConfig("requests", "minute", 10L),
                new LimitConfig("total_tokens", "day", 1000L));
        assertThat(c.plans().tiersOf("Granite", "granite")).extracting(TierConfig::name).containsExactly("Free");
        assertThat(c.plans().tiersOf("Llama 3", "llama-3")).extracting(TierConfig::name)
                .containsExactly("Free", "Premium");
        assertThat(c.plans().limitsTokens()).isTrue();
    }

    @Test
    void tiersSurviveAnExportAndAReload() {
        InstallerConfig c = parse(MODELS + """
                plans:
                  tiers:
                    - name: Free
                      limits: [{metric: prompt_tokens, period: hour, value: 500}]
                    - name: Premium
                      approvalRequired: true
                """);
        assertThat(parse(ConfigWriter.toYaml(c, new SecretRegistry())).plans()).isEqualTo(c.plans());
        assertThat(parse(ConfigLoader.toYaml(c)).plans()).isEqualTo(c.plans());
    }

    @Test
    void badLimitsNameTheFieldAndTheChoices() {
        List<ConfigProblem> p = problems(MODELS + """
                plans:
                  tiers:
                    - name: Free
                      limits:
                        - {metric: tokens, period: minute, value: 10}
                        - {metric: requests, period: fortnight, value: 10}
                        - {metric: requests, period: day, value: 0}
                        - {metric: requests, period: day, value: 5}
                        - {metric: requests, period: hour}
                """);
        assertThat(p).extracting(ConfigProblem::path).containsExactly(
                "plans.tiers[0].limits[0].metric", "plans.tiers[0].limits[1].period",
                "plans.tiers[0].limits[2].value", "plans.tiers[0].limits[3]", "plans.tiers[0].limits[4].value");
        assertThat(p.get(0).message()).contains("'tokens'", "requests, prompt_tokens, completion_tokens, total_tokens");
        assertThat(p.get(1).message()).contains("'fortnight'", "minute, hour, day, week, month, year, eternity");
        assertThat(p.get(2).message()).contains("above 0");
        assertThat(p.get(3).message()).contains("requests per day", "plans.tiers[0].limits[2]", "one limit per metric");
        assertThat(FieldLabels.describe(p.get(3))).startsWith("Tier 1 limit 4: ").contains("Tier 1 limit 3");
        assertThat(FieldLabels.label("plans.tiers[0].limits[1].period")).isEqualTo("Tier 1 limit 2 period");
        assertThat(FieldLabels.label("plans.tiers[1].name")).isEqualTo("Tier 2 name");
        assertThat(FieldLabels.label("plans.tiers[1].models[0]")).isEqualTo("Tier 2 model 1");
        assertThat(FieldLabels.label("plans.tiers[1].approvalRequired")).isEqualTo("Tier 2 approval");
    }

    @Test
    void tierNamesAreUniquePerModelAndValidPlanNames() {
        List<ConfigProblem> p = problems(MODELS + """
                plans:
                  tiers:
                    - name: Free
                      models: [Granite]
                    - name: free
                      models: [Llama 3]
                    - name: FREE
                    - name: "X"
                    - name: Gold
                      models: [Mistral]
                """);
        assertThat(p).extracting(ConfigProblem::path).containsExactly(
                "plans.tiers[2].name", "plans.tiers[3].name", "plans.tiers[4].models[0]");
        assertThat(p.get(0).message()).contains("'FREE'", "plans.tiers[0]", "'Granite'", "'free'");
        assertThat(p.get(1).message()).contains("'x'", "2 to 255");
        assertThat(p.get(2).message()).contains("'Mistral' is not a configured model", "Granite, Llama 3");
        assertThat(FieldLabels.describe(p.get(0))).startsWith("Tier 3 name: ").contains("Tier 1 for model");
    }

    @Test
    void everyModelNeedsATier() {
        List<ConfigProblem> p = problems(MODELS + """
                plans:
                  tiers:
                    - name: Free
                      models: [granite]
                """);
        assertThat(p).singleElement().satisfies(x -> {
            assertThat(x.path()).isEqualTo("plans.tiers");
            assertThat(x.message()).contains("'Llama 3' is in no tier");
        });
    }

    @Test
    void wrongTypesAreReportedByThePath() {
        assertThatThrownBy(() -> parse(MODELS + """
                plans:
                  tiers:
                    - name: Free
                      limits: [{metric: requests, period: day, value: "ten"}]
                """)).isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).singleElement()
                .satisfies(x -> assertThat(x.path()).isEqualTo("plans.tiers[0].limits[0].value")));
        assertThat(problems(MODELS + "plans:\n  tiers:\n    - \n")).extracting(ConfigProblem::path)
                .contains("plans.tiers[0]");
    }

    @Test
    void tiersFeedTheProductsStageToo() {
        assertThat(ConfigSections.stagesFed("plans.tiers[0].limits[0].metric"))
                .containsExactly(StageIds.PRODUCTS, StageIds.PLANS);
        assertThat(ConfigSections.stagesFed("plans.name")).containsExactly(StageIds.PLANS);
    }
}
