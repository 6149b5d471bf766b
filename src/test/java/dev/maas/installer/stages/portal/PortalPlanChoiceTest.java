package dev.maas.installer.stages.portal;

import dev.maas.installer.engine.Action;
import dev.maas.installer.engine.Change;
import dev.maas.installer.engine.Progress;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.engine.config.InstallerConfig.LimitConfig;
import dev.maas.installer.engine.config.InstallerConfig.ModelConfig;
import dev.maas.installer.engine.config.InstallerConfig.PlansConfig;
import dev.maas.installer.engine.config.InstallerConfig.TierConfig;
import dev.maas.installer.sandbox.threescale.DeveloperPortalApps;
import dev.maas.installer.sandbox.threescale.SimulatorOptions;
import dev.maas.installer.stages.ModelStagesFixture;
import dev.maas.installer.stages.backends.BackendsStage;
import dev.maas.installer.stages.plans.PlansStage;
import dev.maas.installer.stages.products.ProductsStage;
import dev.maas.installer.testing.StartsSandbox;
import dev.maas.installer.threescale.ThreescaleClient;
import dev.maas.installer.threescale.model.Account;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A developer gets a key on the tier they picked on the models page: the page's per-plan link, filled in as porta's
 * drops would, opens the simulated developer portal's new application page with that plan, and its form creates the
 * application on it, because the plans stage lets developers choose ({@code buyer_can_select_plan}). Without that
 * setting porta ignores the chosen plan and, with no default plan, creates nothing.
 */
@StartsSandbox
class PortalPlanChoiceTest {
    /** The href of each plan's button on the models page. */
    static final String PLAN_LINK = "{{ urls.new_application }}?service_id={{ service.system_name }}"
            + "&amp;application%5Bplan_id%5D={{ plan.id }}";

    private ModelStagesFixture fx;

    @AfterEach
    void tearDown() {
        if (fx != null) {
            fx.close();
        }
    }

    /**
     * The models page's link for a plan, as the browser sends it: Liquid output filled in (urls.new_application is
     * new_admin_application_url, /admin/applications/new, lib/developer_portal/lib/liquid/drops/urls.rb), the HTML
     * attribute unescaped, the query decoded into Rails' parameter names.
     */
    private static Map<String, String> linkParams(String systemName, long planId) {
        String page = DefaultPortalContent.read().templateFromFile("models.html.liquid").orElseThrow().content();
        Matcher m = Pattern.compile("href=\"([^\"]*\\{\\{ plan\\.id }}[^\"]*)\"").matcher(page);
        assertThat(m.find()).as("a link with the plan's id").isTrue();
        String href = m.group(1).replace("{{ urls.new_application }}", "/admin/applications/new")
                .replace("{{ service.system_name }}", systemName).replace("{{ plan.id }}", String.valueOf(planId))
                .replace("&amp;", "&");
        assertThat(href).startsWith("/admin/applications/new?");
        Map<String, String> params = new LinkedHashMap<>();
        for (String pair : href.substring(href.indexOf('?') + 1).split("&")) {
            int eq = pair.indexOf('=');
            params.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                    URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return params;
    }

    @Test
    void theLinkOfATierOpensTheNewApplicationPageOnItAndTheFormCreatesTheApplicationOnIt() {
        fx = new ModelStagesFixture(SimulatorOptions.defaults());
        InstallerConfig c = fx.config(List.of(new ModelConfig("Granite", "granite",
                "http://granite-predictor.models.svc.cluster.local:8080", null, null)), 2, false);
        InstallerConfig config = new InstallerConfig(c.cluster(), c.endpoints(), c.sso(), c.threescale(), c.models(),
                c.products(), new PlansConfig(null, false, List.of(
                new TierConfig("Free", false, null, List.of(new LimitConfig("requests", "minute", 10L))),
                new TierConfig("Premium", true, null, List.of()))), c.portal());
        StageContext ctx = fx.ctx(config);
        new BackendsStage().apply(ctx, Progress.NONE);
        new ProductsStage().apply(ctx, Progress.NONE);
        List<Change> applied = new PlansStage().apply(ctx, Progress.NONE);
        assertThat(applied).anySatisfy(ch -> {
            assertThat(ch.action()).isEqualTo(Action.UPDATE);
            assertThat(ch.name()).isEqualTo("granite");
            assertThat(ch.fields()).containsKey("buyer_can_select_plan");
        });
        assertThat(new PlansStage().plan(ctx)).noneMatch(ch -> ch.action() != Action.NOOP);
        assertThat(new PlansStage().verify(ctx)).allMatch(ch -> ch.status().passes());

        ThreescaleClient api = ThreescaleClient.builder(fx.sim.url(), fx.sim.accessToken()).build();
        long sid = api.services().findBySystemName("granite").orElseThrow().id();
        assertThat(api.services().read(sid).orElseThrow().buyerCanSelectPlan()).isTrue();
        long free = api.product(sid).findApplicationPlan("Free").orElseThrow().id();
        long premium = api.product(sid).findApplicationPlan("Premium").orElseThrow().id();
        // a developer who signed up: subscribed to the product through its default service plan
        Account dev = api.tenant().signup("Dev Org", "dev-user", "dev@example.invalid", "Pw-1-developer");

        Map<String, String> premiumLink = linkParams("granite", premium);
        assertThat(premiumLink).containsEntry("service_id", "granite")
                .containsEntry("application[plan_id]", String.valueOf(premium));
        DeveloperPortalApps.Answer page = fx.sim.store().portalNewApplication(dev.id(), premiumLink);
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.planName()).isEqualTo("Premium");
        assertThat(fx.sim.store().portalNewApplication(dev.id(), linkParams("granite", free)).planName())
                .isEqualTo("Free");

        // the page's form posts the plan back (applications/_form.html.liquid: hidden application[plan_id])
        Map<String, String> form = new LinkedHashMap<>(premiumLink);
        form.put("application[name]", "my notebook");
        DeveloperPortalApps.Answer created = fx.sim.store().portalCreateApplication(dev.id(), form);
        assertThat(created.status()).isEqualTo(201);
        assertThat(created.planId()).isEqualTo(premium);
        assertThat(api.tenant().applications(dev.id()))
                .anySatisfy(a -> {
                    assertThat(a.id()).isEqualTo(created.applicationId());
                    assertThat(a.planId()).isEqualTo(premium);
                    assertThat(a.state()).as("Premium requires approval").isEqualTo("pending");
                });

        // the setting switched off by hand: porta ignores the chosen plan, and without a default plan creates nothing
        api.services().update(sid, Map.of("buyer_can_select_plan", "false"));
        assertThat(new PlansStage().verify(ctx)).anySatisfy(ch -> {
            assertThat(ch.status().passes()).isFalse();
            assertThat(ch.message()).contains("developers cannot choose a plan");
        });
        assertThat(fx.sim.store().portalNewApplication(dev.id(), premiumLink).planName())
                .as("the first published plan is shown instead").isEqualTo("Free");
        DeveloperPortalApps.Answer refused = fx.sim.store().portalCreateApplication(dev.id(), form);
        assertThat(refused.status()).isEqualTo(422);
        assertThat(refused.errors()).containsEntry("plan", List.of("can't be blank"));
        new PlansStage().apply(ctx, Progress.NONE);
        assertThat(new PlansStage().verify(ctx)).allMatch(ch -> ch.status().passes());
        assertThat(fx.sim.store().portalCreateApplication(dev.id(), form).planId()).isEqualTo(premium);
    }
}
