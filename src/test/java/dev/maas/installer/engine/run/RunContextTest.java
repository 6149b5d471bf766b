package dev.maas.installer.engine.run;

import dev.maas.installer.cluster.RunLock;
import dev.maas.installer.engine.Cancellation;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.StageException;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.engine.secrets.SecretRegistry;
import dev.maas.installer.sandbox.SandboxCluster;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** How every run opens and closes (CLI and wizard alike): journal, connection, run lock. */
class RunContextTest {
    private static SandboxCluster cluster;
    private static KubernetesClient client;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        cluster = SandboxCluster.start(SandboxCluster.Options.defaults().withOlm(false).withModels(false));
        client = cluster.newClient();
    }

    @AfterAll
    static void stop() {
        client.close();
        cluster.close();
    }

    /** A run's context with its own client (closed with it, as a run's is). */
    private static StageContext connected() {
        return new StageContext(InstallerConfig.defaults(), SecretRegistry.global(), new Cancellation())
                .provide(KubernetesClient.class, cluster::newClient);
    }

    private static RunContext.Options options(boolean apply, boolean clusterRequired, List<String> said) {
        return new RunContext.Options("test", apply, clusterRequired, null, said::add);
    }

    @Test
    void anApplyHoldsTheLockAReaderIsWarnedASecondApplyIsRefusedAndCloseFreesIt() throws Exception {
        List<String> said = new CopyOnWriteArrayList<>();
        RunJournal journal = RunJournal.startIn(dir, "apply", SecretRegistry.global(), Clock.systemDefaultZone());
        try (StageContext ctx = connected();
             RunContext apply = RunContext.open(ctx, journal, options(true, true, said))) {
            assertThat(apply.lock()).as("the apply holds the run lock").isNotNull();
            assertThat(new RunLock(client).holder()).isPresent();

            try (StageContext other = connected()) {
                assertThatThrownBy(() -> RunContext.open(other, null, options(true, true, said)))
                        .isInstanceOf(RunLock.HeldException.class)
                        .hasMessageContaining(apply.lock().identity());
                try (RunContext reader = RunContext.open(other, null, options(false, true, said))) {
                    assertThat(reader.lock()).isNull();
                }
            }
            assertThat(said).anyMatch(l -> l.startsWith("Warning: another installer is applying now: "));
            apply.note("exit code 0");
        }
        assertThat(said).contains("Run journal: " + journal.file());
        assertThat(Files.readString(journal.file())).contains("exit code 0");
        assertThat(new RunLock(client).holder().filter(h -> !h.expiredAt(java.time.Instant.now())))
                .as("closing freed the lock").isEmpty();
        try (StageContext ctx = connected();
             RunContext again = RunContext.open(ctx, null, options(true, true, said))) {
            assertThat(again.lock()).as("the next apply takes it").isNotNull();
        }
    }

    @Test
    void aClusterThatCannotBeReachedFailsTheOpenOnlyWhenRequired() {
        List<String> said = new CopyOnWriteArrayList<>();
        StageException notConnected = new StageException("not connected", Fix.manual("connect first"));
        try (StageContext ctx = new StageContext(InstallerConfig.defaults(), SecretRegistry.global(),
                new Cancellation()).provide(KubernetesClient.class, () -> { throw notConnected; })) {
            try (RunContext wizard = RunContext.open(ctx, null, options(true, false, said))) {
                assertThat(wizard.lock()).as("not connected: the stages say so themselves").isNull();
            }
            assertThatThrownBy(() -> RunContext.open(ctx, null, options(true, true, said)))
                    .isSameAs(notConnected);
        }
        assertThat(said).isEmpty();
    }

    @Test
    void everyRunConnectsAsItOpens() {
        List<String> said = new CopyOnWriteArrayList<>();
        AtomicInteger connects = new AtomicInteger();
        try (StageContext ctx = new StageContext(InstallerConfig.defaults(), SecretRegistry.global(),
                new Cancellation()).provide(KubernetesClient.class, () -> {
                    connects.incrementAndGet();
                    return cluster.newClient();
                });
             RunContext reader = RunContext.open(ctx, null, options(false, true, said))) {
            assertThat(connects).as("a run that only reads connects before any stage runs too").hasValue(1);
            assertThat(reader.lock()).isNull();
        }
    }
}
