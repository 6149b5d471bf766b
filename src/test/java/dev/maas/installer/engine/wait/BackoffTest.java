package dev.maas.installer.engine.wait;

import dev.maas.installer.engine.Cancellation;
import dev.maas.installer.engine.CancelledException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BackoffTest {

    @Test
    void returnsTheFirstValueAndWaitsLongerEachTime() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        List<Long> times = new ArrayList<>();
        String value = Backoff.of(Duration.ofSeconds(10)).delays(Duration.ofMillis(20), Duration.ofMillis(200))
                .await("the fourth call", () -> {
                    times.add(System.nanoTime());
                    return calls.incrementAndGet() == 4 ? Optional.of("done") : Optional.empty();
                });
        assertThat(value).isEqualTo("done");
        assertThat(calls).hasValue(4);
        long first = times.get(1) - times.get(0);
        long third = times.get(3) - times.get(2);
        assertThat(first).isGreaterThanOrEqualTo(Duration.ofMillis(20).toNanos());
        assertThat(third).isGreaterThanOrEqualTo(Duration.ofMillis(80).toNanos()); // 20, 40, 80
    }

    @Test
    void timesOutWithWhatItWaitedForAndTheLastError() {
        long start = System.nanoTime();
        assertThatThrownBy(() -> Backoff.of(Duration.ofMillis(300)).delays(Duration.ofMillis(10), Duration.ofMillis(50))
                .await("the moon", () -> {
                    throw new IllegalStateException("still dark");
                }))
                .isInstanceOf(TimeoutException.class)
                .hasMessageContaining("gave up waiting for the moon").hasMessageContaining("still dark")
                .hasCauseInstanceOf(IllegalStateException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(300), Duration.ofSeconds(5));
    }

    @Test
    void stopsWhenCancelled() {
        Cancellation cancellation = new Cancellation();
        AtomicInteger calls = new AtomicInteger();
        assertThatThrownBy(() -> Backoff.of(Duration.ofSeconds(30)).cancellation(cancellation)
                .awaitTrue("never", () -> {
                    if (calls.incrementAndGet() == 2) {
                        cancellation.cancel();
                    }
                    return false;
                })).isInstanceOf(CancelledException.class);
        assertThat(calls).hasValue(2);
    }

    @Test
    void stopsWhenInterrupted() {
        Thread.currentThread().interrupt();
        try {
            assertThatThrownBy(() -> Backoff.of(Duration.ofSeconds(30)).awaitTrue("never", () -> false))
                    .isInstanceOf(InterruptedException.class);
        } finally {
            Thread.interrupted();
        }
    }
}
