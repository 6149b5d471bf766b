package dev.maas.installer.cluster;

import dev.maas.installer.engine.Cancellation;
import dev.maas.installer.sandbox.AccessRule;
import dev.maas.installer.sandbox.SandboxCluster;
import dev.maas.installer.testing.LogCapture;
import dev.maas.installer.testing.StartsSandbox;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The run lock against the sandbox's API server (which, like a real one, checks resourceVersion on update and
 * answers 409 to a create of an existing name). Time is a settable clock, never a sleep.
 */
@StartsSandbox
class RunLockTest {
    private static SandboxCluster cluster;
    private static KubernetesClient client;
    private static final Instant T0 = Instant.parse("2026-11-27T06:00:00Z");
    private static final Duration DURATION = Duration.ofSeconds(60);

    private final MutableClock clock = new MutableClock(T0);
    private final List<KubernetesClient> clients = new ArrayList<>();

    @BeforeAll
    static void start() {
        cluster = SandboxCluster.start(SandboxCluster.Options.defaults().withOlm(false));
        client = cluster.newClient();
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    @BeforeEach
    void freshLease() {
        client.leases().inNamespace(RunLock.NAMESPACE).withName(RunLock.NAME).delete();
        cluster.allowAll();
    }

    @AfterEach
    void closeClients() {
        clients.forEach(KubernetesClient::close);
    }

    /** A lock as a separate process would have it: its own client (connection pool) and the shared clock. */
    private RunLock lock() {
        KubernetesClient c = cluster.newClient();
        clients.add(c);
        return new RunLock(c, RunLock.NAMESPACE, RunLock.NAME, DURATION, clock);
    }

    private Lease lease() {
        return client.leases().inNamespace(RunLock.NAMESPACE).withName(RunLock.NAME).get();
    }

    @Test
    void acquireWritesALeaseNamingTheHolderAndTheNamespaceIsCreated() {
        try (RunLock.Held held = lock().acquire("anna@laptop pid 1 (cli) aaaa", null)) {
            Lease l = lease();
            assertThat(l.getSpec().getHolderIdentity()).isEqualTo("anna@laptop pid 1 (cli) aaaa");
            assertThat(l.getSpec().getLeaseDurationSeconds()).isEqualTo(60);
            assertThat(l.getSpec().getAcquireTime().toInstant()).isEqualTo(T0);
            assertThat(l.getSpec().getRenewTime().toInstant()).isEqualTo(T0);
            assertThat(l.getMetadata().getLabels()).containsEntry(Resources.MANAGED_BY_LABEL, Resources.MANAGER);
            assertThat(client.namespaces().withName(RunLock.NAMESPACE).get()).isNotNull();
            assertThat(held.identity()).isEqualTo("anna@laptop pid 1 (cli) aaaa");
        }
        // the sandbox serves the Lease's API and its discovery, as a real cluster does
        assertThat(client.getApiGroups().getGroups()).extracting(g -> g.getName()).contains("coordination.k8s.io");
        assertThat(client.getApiResources("coordination.k8s.io/v1").getResources())
                .anySatisfy(r -> {
                    assertThat(r.getName()).isEqualTo("leases");
                    assertThat(r.getNamespaced()).isTrue();
                    assertThat(r.getVerbs()).contains("get", "create", "update");
                });
    }

    @Test
    void aSecondRunIsRefusedWithTheHolderAndExpiryInTheMessage() {
        try (RunLock.Held first = lock().acquire("anna@laptop pid 1 (cli) aaaa", null)) {
            clock.advance(Duration.ofSeconds(10));
            assertThatThrownBy(() -> lock().acquire("bob@desk pid 2 (wizard) bbbb", null))
                    .isInstanceOfSatisfying(RunLock.HeldException.class, e -> {
                        assertThat(e.holder().identity()).isEqualTo("anna@laptop pid 1 (cli) aaaa");
                        assertThat(e.holder().expires()).isEqualTo(T0.plus(DURATION));
                    })
                    .hasMessageContaining("Another maas-installer run holds the lock: anna@laptop pid 1 (cli) aaaa"
                            + " (since 2026-11-27T06:00:00Z, expires 2026-11-27T06:01:00Z")
                    .hasMessageContaining("rerun after 2026-11-27T06:01:00Z (the lease expires on its own)")
                    .hasMessageContaining("delete Lease maas-installer/maas-installer-run");
            assertThat(lease().getSpec().getHolderIdentity()).isEqualTo("anna@laptop pid 1 (cli) aaaa");
        }
    }

    @Test
    void manyConcurrentAcquiresLetExactlyOneWin() throws Exception {
        int n = 12;
        for (boolean leaseExists : List.of(false, true)) {
            if (leaseExists) { // second round: the Lease exists and is free (released), so the race is on update
                lock().acquire("setup", null).close();
                assertThat(lease().getSpec().getHolderIdentity()).isNull();
            }
            List<RunLock> locks = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                locks.add(lock());
            }
            CountDownLatch ready = new CountDownLatch(n);
            CountDownLatch go = new CountDownLatch(1);
            ExecutorService pool = Executors.newFixedThreadPool(n);
            List<RunLock.Held> winners = new CopyOnWriteArrayList<>();
            List<String> refusedHolders = new CopyOnWriteArrayList<>();
            try {
                List<Future<?>> futures = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    RunLock l = locks.get(i);
                    String id = "racer-" + i;
                    futures.add(pool.submit(() -> {
                        ready.countDown();
                        go.await();
                        try {
                            winners.add(l.acquire(id, null));
                        } catch (RunLock.HeldException e) {
                            refusedHolders.add(e.holder().identity());
                        }
                        return null;
                    }));
                }
                assertThat(ready.await(30, TimeUnit.SECONDS)).isTrue();
                go.countDown();
                for (Future<?> f : futures) {
                    f.get(60, TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
            assertThat(winners).as("exactly one run holds the lock").hasSize(1);
            String winner = winners.get(0).identity();
            assertThat(refusedHolders).hasSize(n - 1).containsOnly(winner);
            assertThat(lease().getSpec().getHolderIdentity()).isEqualTo(winner);
            winners.get(0).close();
            client.leases().inNamespace(RunLock.NAMESPACE).withName(RunLock.NAME).delete();
        }
    }

    @Test
    void renewalKeepsTheLockPastItsFirstExpiry() {
        RunLock mine = lock();
        try (RunLock.Held held = mine.acquire("anna (cli) 1", null)) {
            clock.advance(Duration.ofSeconds(50));
            assertThat(held.renew()).isTrue();
            assertThat(lease().getSpec().getRenewTime().toInstant()).isEqualTo(T0.plusSeconds(50));
            clock.advance(Duration.ofSeconds(50)); // 100 s after the start: without the renewal it had expired
            assertThatThrownBy(() -> lock().acquire("bob (cli) 2", null))
                    .isInstanceOf(RunLock.HeldException.class)
                    .hasMessageContaining("anna (cli) 1").hasMessageContaining("expires 2026-11-27T06:01:50Z");
            assertThat(held.lost()).isFalse();
        }
    }

    @Test
    void backgroundRenewalWritesFreshRenewTimes() throws Exception {
        try (RunLock.Held held = lock().acquire("anna (cli) 1", null)) {
            CountDownLatch renewed = new CountDownLatch(2);
            held.afterEachRenewal(() -> {
                clock.advance(Duration.ofSeconds(20));
                renewed.countDown();
            });
            clock.advance(Duration.ofSeconds(20));
            held.renewEvery(Duration.ofMillis(10));
            assertThat(renewed.await(30, TimeUnit.SECONDS)).isTrue();
            assertThat(lease().getSpec().getRenewTime().toInstant()).isAfter(T0);
            assertThat(held.lost()).isFalse();
        }
    }

    @Test
    void releaseFreesTheLockForTheNextRun() {
        try (LogCapture logs = new LogCapture()) {
            lock().acquire("anna (cli) 1", null).close();
            assertThat(lease().getSpec().getHolderIdentity()).isNull();
            assertThat(lock().holder()).isEmpty();
            try (RunLock.Held next = lock().acquire("bob (cli) 2", null)) {
                assertThat(lease().getSpec().getHolderIdentity()).isEqualTo("bob (cli) 2");
                assertThat(lock().holder()).map(RunLock.Holder::identity).contains("bob (cli) 2");
            }
            assertThat(logs.text()).doesNotContain("taking it over");
        }
    }

    @Test
    void anExpiredLeaseIsTakenOverWithAWarningNamingThePreviousHolder() {
        try (LogCapture logs = new LogCapture()) {
            RunLock.Held gone = lock().acquire("anna@laptop pid 1 (cli) dead", null); // never renewed: a crashed run
            clock.advance(Duration.ofSeconds(59));
            assertThatThrownBy(() -> lock().acquire("bob (cli) 2", null)).isInstanceOf(RunLock.HeldException.class);
            clock.advance(Duration.ofSeconds(2));
            try (RunLock.Held taken = lock().acquire("bob (cli) 2", null)) {
                Lease l = lease();
                assertThat(l.getSpec().getHolderIdentity()).isEqualTo("bob (cli) 2");
                assertThat(l.getSpec().getLeaseTransitions()).isEqualTo(1);
                assertThat(l.getSpec().getAcquireTime().toInstant()).isEqualTo(T0.plusSeconds(61));
                assertThat(logs.text()).contains("held by anna@laptop pid 1 (cli) dead expired")
                        .contains("taking it over");
                // the old holder, if it comes back, finds the lock gone and must not free it
                assertThat(gone.renew()).isFalse();
                gone.close();
                assertThat(lease().getSpec().getHolderIdentity()).isEqualTo("bob (cli) 2");
            }
        }
    }

    @Test
    void aLeaseOfAProcessOnThisHostThatNoLongerRunsIsTakenOverAtOnce() throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-version")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String host = RunLock.hostName();
        String killed = "anna@" + host + " pid " + p.pid() + " (cli) 1234abcd";
        String alive = "anna@" + host + " pid " + ProcessHandle.current().pid() + " (wizard) 5678abcd";
        assertThat(RunLock.goneFromThisHost(killed)).isTrue();
        assertThat(RunLock.goneFromThisHost(alive)).isFalse();
        assertThat(RunLock.goneFromThisHost("anna@elsewhere pid " + p.pid() + " (cli) 1234abcd")).isFalse();

        try (RunLock.Held living = lock().acquire(alive, null)) {
            assertThatThrownBy(() -> lock().acquire("bob (cli) 2", null)).isInstanceOf(RunLock.HeldException.class);
        }
        try (LogCapture logs = new LogCapture()) {
            lock().acquire(killed, null); // then killed: never released
            clock.advance(Duration.ofSeconds(5));
            try (RunLock.Held next = lock().acquire("bob (cli) 2", null)) {
                assertThat(lease().getSpec().getHolderIdentity()).isEqualTo("bob (cli) 2");
                assertThat(logs.text()).contains("held by " + killed + ", a process on this host that no longer"
                        + " runs: taking it over");
            }
        }
    }

    @Test
    void aLostLockCancelsTheRunWithAClearMessage() {
        Cancellation cancellation = new Cancellation();
        AtomicReference<String> message = new AtomicReference<>();
        try (RunLock.Held held = lock().acquire("anna (cli) 1", m -> {
            message.set(m);
            cancellation.cancel();
        })) {
            clock.advance(Duration.ofSeconds(61)); // e.g. the laptop slept: someone else took the expired lease
            try (RunLock.Held other = lock().acquire("bob (cli) 2", null)) {
                assertThat(held.renew()).isFalse();
                assertThat(held.lost()).isTrue();
                assertThat(cancellation.isCancelled()).isTrue();
                assertThat(message.get()).startsWith("Lost the run lock: the Lease maas-installer/maas-installer-run"
                        + " is now held by bob (cli) 2").contains("rerun apply");
                held.close();
                assertThat(lease().getSpec().getHolderIdentity()).as("closing a lost lock leaves the new holder")
                        .isEqualTo("bob (cli) 2");
            }
        }
    }

    @Test
    void aDeletedLeaseOrRenewalsFailingUntilExpiryLoseTheLock() {
        AtomicReference<String> message = new AtomicReference<>();
        try (RunLock.Held held = lock().acquire("anna (cli) 1", message::set)) {
            client.leases().inNamespace(RunLock.NAMESPACE).withName(RunLock.NAME).delete();
            assertThat(held.renew()).isFalse();
            assertThat(message.get()).contains("was deleted while this run held it");
        }
        message.set(null);
        try (RunLock.Held held = lock().acquire("anna (cli) 3", message::set)) {
            cluster.deny(new AccessRule("*", "coordination.k8s.io", "leases", "*"));
            clock.advance(Duration.ofSeconds(20));
            assertThat(held.renew()).as("one failed renewal with time left keeps the lock").isTrue();
            assertThat(message.get()).isNull();
            clock.advance(Duration.ofSeconds(41));
            assertThat(held.renew()).isFalse();
            assertThat(message.get()).contains("could not be renewed for 61s");
        } finally {
            cluster.allowAll();
        }
    }

    @Test
    void noPermissionOnLeasesIsAClusterErrorNamingTheLease() {
        cluster.deny(new AccessRule("create", "coordination.k8s.io", "leases", "*"));
        try {
            assertThatThrownBy(() -> lock().acquire("anna (cli) 1", null))
                    .isInstanceOf(ClusterException.class)
                    .hasMessageContaining("maas-installer/maas-installer-run");
        } finally {
            cluster.allowAll();
        }
    }

    @Test
    void identityNamesUserHostPidModeAndRun() {
        String id = RunLock.identity("cli");
        assertThat(id).startsWith(System.getProperty("user.name") + "@")
                .contains(" pid " + ProcessHandle.current().pid() + " (cli) ")
                .matches(".* [0-9a-f]{8}");
        assertThat(RunLock.identity("cli")).isNotEqualTo(id);
    }

    @Test
    void holderIsEmptyWithoutALease() {
        assertThat(lock().holder()).isEqualTo(Optional.empty());
    }

    /** A clock the test moves by hand. */
    static final class MutableClock extends Clock {
        private volatile Instant now;

        MutableClock(Instant start) { this.now = start; }

        synchronized void advance(Duration d) { now = now.plus(d); }

        @Override public ZoneId getZone() { return ZoneOffset.UTC; }

        @Override public Clock withZone(ZoneId zone) { return this; }

        @Override public Instant instant() { return now; }
    }
}
