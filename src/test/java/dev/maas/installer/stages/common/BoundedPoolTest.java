package dev.maas.installer.stages.common;

import dev.maas.installer.engine.Cancellation;
import dev.maas.installer.engine.CancelledException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BoundedPoolTest {
    @Test
    void runsAtMostConcurrencyTasksAtOnceAndKeepsTheOrder() {
        AtomicInteger running = new AtomicInteger();
        AtomicInteger peak = new AtomicInteger();
        CountDownLatch threeRunning = new CountDownLatch(3);
        List<Integer> items = IntStream.range(0, 40).boxed().toList();
        List<Integer> out = BoundedPool.run("t", items, 3, new Cancellation(), i -> {
            int now = running.incrementAndGet();
            peak.accumulateAndGet(now, Math::max);
            threeRunning.countDown();
            try {
                // hold the first tasks until three run together, so the bound is actually reached
                threeRunning.await(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            running.decrementAndGet();
            return i * 2;
        });
        assertThat(out).isEqualTo(items.stream().map(i -> i * 2).toList());
        assertThat(peak.get()).isEqualTo(3);
    }

    @Test
    void aFailureSkipsTasksNotStartedAndIsRethrown() {
        AtomicInteger ran = new AtomicInteger();
        assertThatThrownBy(() -> BoundedPool.run("t", IntStream.range(0, 100).boxed().toList(), 1,
                new Cancellation(), i -> {
                    ran.incrementAndGet();
                    if (i == 2) {
                        throw new IllegalStateException("boom at 2");
                    }
                    return i;
                })).isInstanceOf(IllegalStateException.class).hasMessage("boom at 2");
        assertThat(ran.get()).isEqualTo(3);
    }

    @Test
    void cancellationStopsTasksThatHaveNotStarted() {
        Cancellation c = new Cancellation();
        AtomicInteger ran = new AtomicInteger();
        assertThatThrownBy(() -> BoundedPool.run("t", IntStream.range(0, 50).boxed().toList(), 1, c, i -> {
            if (ran.incrementAndGet() == 5) {
                c.cancel();
            }
            return i;
        })).isInstanceOf(CancelledException.class);
        assertThat(ran.get()).isEqualTo(5);
    }
}
