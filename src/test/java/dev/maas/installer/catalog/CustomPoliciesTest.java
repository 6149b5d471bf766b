package dev.maas.installer.catalog;

import dev.maas.installer.catalog.policy.PolicyBundle;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.engine.config.InstallerConfig.LimitConfig;
import dev.maas.installer.engine.config.InstallerConfig.PlansConfig;
import dev.maas.installer.engine.config.InstallerConfig.ThreescaleConfig;
import dev.maas.installer.engine.config.InstallerConfig.TierConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CustomPoliciesTest {
    @TempDir
    Path tmp;

    @Test
    void removeBearerByDefaultThenTheUsersFoldersInOrder() throws IOException {
        assertThat(CustomPolicies.forConfig(ThreescaleConfig.defaults())).extracting(PolicyBundle::toString)
                .containsExactly("remove-bearer 0.1.0");

        Path metrics = folder(tmp.resolve("a/llm-metrics"), "0.1");
        Path other = folder(tmp.resolve("b/other"), "2.0.0");
        assertThat(CustomPolicies.forConfig(config(metrics.toString(), other.toString())))
                .extracting(PolicyBundle::toString)
                .containsExactly("remove-bearer 0.1.0", "llm-metrics 0.1", "other 2.0.0");
    }

    @Test
    void aUserRemoveBearerFolderReplacesTheBundledOne() throws IOException {
        Path mine = folder(tmp.resolve("remove-bearer"), "0.2.0");
        Path metrics = folder(tmp.resolve("llm-metrics"), "0.1");
        assertThat(CustomPolicies.forConfig(config(metrics.toString(), mine.toString())))
                .extracting(PolicyBundle::toString).containsExactly("remove-bearer 0.2.0", "llm-metrics 0.1");
    }

    @Test
    void theTokenUsagePolicyFollowsRemoveBearerOnlyWhenATierLimitsTokens() throws IOException {
        assertThat(CustomPolicies.forConfig(ThreescaleConfig.defaults(), true)).extracting(PolicyBundle::toString)
                .containsExactly("remove-bearer 0.1.0", "llm-token-usage 0.1.0");
        InstallerConfig none = new InstallerConfig(null, null, null, null, null, null, null, null);
        assertThat(CustomPolicies.forConfig(none)).extracting(PolicyBundle::name).containsExactly("remove-bearer");
        InstallerConfig requestsOnly = withTiers(new LimitConfig("requests", "minute", 10L));
        assertThat(CustomPolicies.forConfig(requestsOnly)).extracting(PolicyBundle::name)
                .containsExactly("remove-bearer");
        InstallerConfig tokens = withTiers(new LimitConfig("requests", "minute", 10L),
                new LimitConfig("total_tokens", "day", 1000L));
        assertThat(CustomPolicies.forConfig(tokens)).extracting(PolicyBundle::name)
                .containsExactly("remove-bearer", "llm-token-usage");
        // a user folder of that name replaces the bundled one in place
        Path mine = folder(tmp.resolve("llm-token-usage"), "0.2.0");
        assertThat(CustomPolicies.forConfig(config(mine.toString()), true)).extracting(PolicyBundle::toString)
                .containsExactly("remove-bearer 0.1.0", "llm-token-usage 0.2.0");
    }

    private static InstallerConfig withTiers(LimitConfig... limits) {
        return new InstallerConfig(null, null, null, null, null, null, new PlansConfig(null, null,
                List.of(new TierConfig("Free", false, null, List.of(limits)))), null);
    }

    @Test
    void errorsNameThePoliciesField() throws IOException {
        Path a = folder(tmp.resolve("x/llm-metrics"), "0.1");
        Path b = folder(tmp.resolve("y/llm-metrics"), "0.2");
        assertThatThrownBy(() -> CustomPolicies.forConfig(config(a.toString(), b.toString())))
                .isInstanceOfSatisfying(CatalogException.class, e -> assertThat(e.field())
                        .isEqualTo("threescale.policies[1]"))
                .hasMessage("threescale.policies[1]: policy 'llm-metrics' is already given by threescale.policies[0]:"
                        + " each policy folder must have its own name");
        Path broken = Files.createDirectories(tmp.resolve("broken"));
        assertThatThrownBy(() -> CustomPolicies.forConfig(config(a.toString(), broken.toString())))
                .hasMessageStartingWith("threescale.policies[1]: policy folder " + broken)
                .hasMessageContaining("apicast-policy.json is missing");
        assertThatThrownBy(() -> CustomPolicies.forConfig(config(" ")))
                .hasMessageStartingWith("threescale.policies[0]: empty");
    }

    private static ThreescaleConfig config(String... folders) {
        return new ThreescaleConfig(null, null, null, null, null, List.of(folders));
    }

    private static Path folder(Path dir, String version) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("apicast-policy.json"), "{\"$schema\": \"http://apicast.io/policy-v1/schema"
                + "#manifest#\", \"name\": \"P\", \"summary\": \"S\", \"version\": \"" + version + "\","
                + " \"configuration\": {\"type\": \"object\", \"properties\": {}}}");
        Files.writeString(dir.resolve("init.lua"), "return require('p')");
        Files.writeString(dir.resolve("p.lua"), "local _M = {}\nfunction _M:rewrite() end\nreturn _M\n");
        return dir;
    }
}
