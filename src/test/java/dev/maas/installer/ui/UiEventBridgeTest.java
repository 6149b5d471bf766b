package dev.maas.installer.ui;

import dev.maas.installer.engine.run.Operation;
import dev.maas.installer.engine.run.RunEvent;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The bridge batches events from any thread, with at most one drain pending at a time. */
class UiEventBridgeTest {
    /** Stands in for the FX thread: collects the drains and runs them when the test says so. */
    private final ConcurrentLinkedQueue<Runnable> pendingDrains = new ConcurrentLinkedQueue<>();
    private final UiEventBridge bridge = new UiEventBridge(pendingDrains::add);
    private final List<List<UiEvent>> batches = new ArrayList<>();

    UiEventBridgeTest() {
        bridge.connect(batches::add);
    }

    @Test
    void aBurstOfEventsFromManyThreadsNeedsOneDrainAndKeepsEachThreadsOrder() throws Exception {
        int threads = 4;
        int perThread = 2_000;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch go = new CountDownLatch(1);
        for (int t = 0; t < threads; t++) {
            String stage = "s" + t;
            pool.execute(() -> {
                try {
                    go.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                for (int i = 1; i <= perThread; i++) {
                    bridge.accept(new RunEvent.StepProgress(stage, i, perThread, "step"));
                }
            });
        }
        go.countDown();
        pool.shutdown();
        assertThat(pool.awaitTermination(20, TimeUnit.SECONDS)).isTrue();

        assertThat(pendingDrains).hasSize(1);
        pendingDrains.poll().run();
        assertThat(batches).hasSize(1);
        List<UiEvent> batch = batches.get(0);
        assertThat(batch).hasSize(threads * perThread);
        for (int t = 0; t < threads; t++) {
            String stage = "s" + t;
            List<Integer> steps = batch.stream().map(e -> (RunEvent.StepProgress) ((UiEvent.Engine) e).event())
                    .filter(e -> e.stageId().equals(stage)).map(RunEvent.StepProgress::step).toList();
            assertThat(steps).hasSize(perThread).isSorted();
        }
        assertThat(bridge.drainCount()).isEqualTo(1);
    }

    @Test
    void eventsAfterADrainScheduleTheNextOne() {
        bridge.accept(new RunEvent.StepDetail("a", "one"));
        bridge.accept(new RunEvent.StepDetail("a", "two"));
        assertThat(pendingDrains).hasSize(1);
        pendingDrains.poll().run();
        assertThat(batches).hasSize(1);
        assertThat(batches.get(0)).hasSize(2);

        bridge.accept(new RunEvent.StepDetail("a", "three"));
        bridge.runFailed(Operation.APPLY, List.of("a"), "no cluster");
        assertThat(pendingDrains).hasSize(1);
        pendingDrains.poll().run();
        assertThat(batches).hasSize(2);
        assertThat(batches.get(1)).containsExactly(
                new UiEvent.Engine(new RunEvent.StepDetail("a", "three")),
                new UiEvent.RunFailed(Operation.APPLY, List.of("a"), "no cluster"));
        assertThat(pendingDrains).isEmpty();
    }
}
