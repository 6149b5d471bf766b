package dev.maas.installer.sandbox.threescale;

import dev.maas.installer.testing.StartsSandbox;
import dev.maas.installer.threescale.ThreescaleClient;
import dev.maas.installer.threescale.model.Account;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The developer portal's new application page and form as porta 3scale-2.15.1-GA answers a signed-in developer
 * (lib/developer_portal/app/controllers/developer_portal/admin/applications_controller.rb; see
 * {@link DeveloperPortalApps}): which product and plan the page shows, and which plan the application gets.
 */
@StartsSandbox
class PortaDeveloperPortalAppsSimulatorTest {
    private ThreescaleSimulator sim;
    private ThreescaleClient api;
    private long granite;
    private long free;
    private long premium;
    private Account dev;

    @BeforeEach
    void start() {
        // the sample product "API" is there too: two products, so service_id decides
        sim = ThreescaleSimulator.start(SimulatorOptions.defaults().withDelays(AsyncDelays.none()));
        api = ThreescaleClient.builder(sim.url(), sim.accessToken()).build();
        granite = api.services().create("Granite", "granite", Map.of()).id();
        free = api.product(granite).createApplicationPlan("Free", Map.of("state_event", "publish")).id();
        premium = api.product(granite).createApplicationPlan("Premium", Map.of("state_event", "publish")).id();
        api.product(granite).setDefaultServicePlan(api.product(granite).servicePlans().get(0).id());
        dev = api.tenant().signup("Dev Org", "dev-user", "dev@example.invalid", "Pw-1-developer");
    }

    @AfterEach
    void stop() {
        sim.close();
    }

    private DeveloperPortalApps.Answer page(String... kv) {
        return sim.store().portalNewApplication(dev.id(), params(kv));
    }

    private DeveloperPortalApps.Answer create(String... kv) {
        return sim.store().portalCreateApplication(dev.id(), params(kv));
    }

    private static Map<String, String> params(String... kv) {
        Map<String, String> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    @Test
    void thePlanIsTheDevelopersOnlyWhenTheProductLetsThemChoose() {
        // porta's default: buyer_can_select_plan false, no default plan: the first published plan is shown, the
        // chosen one ignored, and the form cannot create the application
        DeveloperPortalApps.Answer shown = page("service_id", "granite", "application[plan_id]", "" + premium);
        assertThat(shown.status()).isEqualTo(200);
        assertThat(shown.planId()).isEqualTo(free);
        DeveloperPortalApps.Answer refused = create("service_id", "granite", "application[plan_id]", "" + premium,
                "application[name]", "notebook");
        assertThat(refused.status()).isEqualTo(422);
        assertThat(refused.errors()).containsEntry("plan", List.of("can't be blank"));
        // with a default plan, that plan, whatever was chosen
        api.product(granite).setDefaultApplicationPlan(free);
        assertThat(create("service_id", "" + granite, "application[plan_id]", "" + premium,
                "application[name]", "notebook").planId()).isEqualTo(free);

        api.services().update(granite, Map.of("buyer_can_select_plan", "true"));
        assertThat(page("service_id", "granite", "application[plan_id]", "" + premium).planId()).isEqualTo(premium);
        assertThat(page("service_id", "granite").planId()).as("without a choice: the default plan").isEqualTo(free);
        DeveloperPortalApps.Answer made = create("service_id", "granite", "cinstance[plan_id]", "" + premium,
                "cinstance[name]", "legacy names");
        assertThat(made.status()).isEqualTo(201);
        assertThat(made.planId()).isEqualTo(premium);
        assertThat(api.tenant().applications(dev.id())).anySatisfy(a -> {
            assertThat(a.id()).isEqualTo(made.applicationId());
            assertThat(a.planId()).isEqualTo(premium);
            assertThat(a.state()).isEqualTo("live");
        });
        assertThat(create("service_id", "granite", "application[plan_id]", "" + premium).errors())
                .containsEntry("name", List.of("can't be blank"));
    }

    @Test
    void productAndPlanThatCannotBeUsedAreRedirectsOr404() {
        api.services().update(granite, Map.of("buyer_can_select_plan", "true"));
        long other = sim.store().snapshot("application_plans").stream()
                .filter(p -> p.path("service_id").asLong() != granite).findFirst().orElseThrow().path("id").asLong();
        assertThat(page("service_id", "granite", "application[plan_id]", "" + other).status())
                .as("a plan of another product").isEqualTo(404);
        assertThat(page("service_id", "nope").location()).isEqualTo("/admin/applications/choose_service");
        assertThat(page().location()).as("subscribed to two products: choose one")
                .isEqualTo("/admin/applications/choose_service");

        long hidden = api.services().create("Hidden", "hidden", Map.of()).id();
        api.product(hidden).createApplicationPlan("Draft", Map.of());
        DeveloperPortalApps.Answer none = page("service_id", "hidden");
        assertThat(none.status()).isEqualTo(404);
        assertThat(none.message()).isEqualTo("No published plan");

        long notSubscribed = api.services().create("Other", "other", Map.of()).id();
        api.product(notSubscribed).createApplicationPlan("Basic", Map.of("state_event", "publish"));
        DeveloperPortalApps.Answer redirect = page("service_id", "other");
        assertThat(redirect.status()).isEqualTo(302);
        assertThat(redirect.location()).isEqualTo("/admin/buyer/services");
        assertThat(redirect.message()).isEqualTo(
                "you are not subscribed to any service with a published application plan");
    }
}
