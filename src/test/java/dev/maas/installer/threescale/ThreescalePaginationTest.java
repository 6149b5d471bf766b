package dev.maas.installer.threescale;

import dev.maas.installer.sandbox.threescale.RequestJournal;
import dev.maas.installer.sandbox.threescale.SimulatorOptions;
import dev.maas.installer.sandbox.threescale.ThreescaleSimulator;
import dev.maas.installer.testing.StartsSandbox;
import dev.maas.installer.threescale.model.Account;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@StartsSandbox
class ThreescalePaginationTest {

    @Test
    void readsEveryAccountPageByPage() {
        // without the new tenant's sample data, which porta's signup worker adds later (its "Developer" would count
        // or not depending on when the pages are read)
        try (ThreescaleSimulator sim = ThreescaleSimulator.start(SimulatorOptions.defaults().withSampleData(false))) {
            for (int i = 0; i < 1200; i++) {
                sim.store().addDeveloperAccount("dev-" + i);
            }
            ThreescaleClient c = ThreescaleClient.builder(sim.url(), sim.accessToken()).build();
            sim.journal().clear();
            List<Account> all = c.tenant().accounts(null);
            assertThat(all).hasSize(1200);
            assertThat(all).extracting(Account::id).doesNotHaveDuplicates();
            List<RequestJournal.Entry> gets = sim.journal().entries();
            assertThat(gets).hasSize(3);
            assertThat(gets).extracting(e -> e.params().get("page")).containsExactly("1", "2", "3");
            assertThat(gets).allSatisfy(e -> assertThat(e.params()).containsEntry("per_page", "500"));

            List<Integer> sizes = new ArrayList<>();
            c.tenant().forEachAccountPage("approved", page -> sizes.add(page.size()));
            assertThat(sizes).containsExactly(500, 500, 200);
        }
    }

    @Test
    void anExactMultipleEndsWithAnEmptyPage() {
        try (ThreescaleSimulator sim = ThreescaleSimulator.start(SimulatorOptions.defaults().withSampleData(false))) {
            for (int i = 0; i < 1000; i++) {
                sim.store().addDeveloperAccount("dev-" + i);
            }
            ThreescaleClient c = ThreescaleClient.builder(sim.url(), sim.accessToken()).build();
            assertThat(c.tenant().accounts(null)).hasSize(1000);
            assertThat(sim.journal().entries()).hasSize(3);
        }
    }
}
