package dev.maas.installer.engine.wait;

import com.sun.net.httpserver.HttpServer;
import dev.maas.installer.cluster.Waits;
import dev.maas.installer.engine.Cancellation;
import dev.maas.installer.engine.CancelledException;
import dev.maas.installer.keycloak.KeycloakRetry;
import dev.maas.installer.sandbox.SandboxCluster;
import dev.maas.installer.threescale.RetryPolicy;
import dev.maas.installer.threescale.ThreescaleClient;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import jakarta.ws.rs.ProcessingException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A Cancel ends every wait of a run within about a second, whatever it waits for: a condition polled with the
 * {@link Backoff}, a Kubernetes object ({@link Waits}), the pause between retries of a Keycloak call
 * ({@link KeycloakRetry}) and of a 3scale call ({@link RetryPolicy}), each set here to wait far longer.
 */
class CancelEndsEveryWaitTest {
    private static final Duration CANCEL_AFTER = Duration.ofMillis(300);
    private static final Duration WITHIN = Duration.ofSeconds(1);

    /** Runs {@code waiting}, cancels after {@link #CANCEL_AFTER}, and checks it ended by the cancel, promptly. */
    private static void cancelledPromptly(Cancellation cancellation, Executable waiting) {
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        try {
            timer.schedule(cancellation::cancel, CANCEL_AFTER.toMillis(), TimeUnit.MILLISECONDS);
            long start = System.nanoTime();
            assertThatThrownBy(waiting::execute).isInstanceOf(CancelledException.class);
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertThat(took).as("the wait ended soon after the cancel").isLessThan(CANCEL_AFTER.plus(WITHIN));
        } finally {
            timer.shutdownNow();
        }
    }

    @Test
    void aPolledCondition() {
        Cancellation cancellation = new Cancellation();
        cancelledPromptly(cancellation, () -> Backoff.of(Duration.ofMinutes(5))
                .delays(Duration.ofSeconds(30), Duration.ofSeconds(30)).jitter(new Random(1))
                .cancellation(cancellation).await("never", Optional::empty));
    }

    @Test
    void aKubernetesObject() {
        try (SandboxCluster cluster = SandboxCluster.start(SandboxCluster.Options.defaults().withOlm(false).withModels(false));
             KubernetesClient client = cluster.newClient()) {
            Cancellation cancellation = new Cancellation();
            cancelledPromptly(cancellation, () -> Waits.until(
                    client.configMaps().inNamespace("default").withName("never-made"),
                    (ConfigMap cm) -> cm != null, Duration.ofMinutes(5), cancellation, null, null, "a ConfigMap"));
        }
    }

    @Test
    void thePauseBetweenKeycloakRetries() {
        Cancellation cancellation = new Cancellation();
        AtomicInteger attempts = new AtomicInteger();
        KeycloakRetry retry = new KeycloakRetry(10, Duration.ofSeconds(30), Duration.ofSeconds(30),
                Duration.ofMinutes(5));
        cancelledPromptly(cancellation, () -> retry.call("https://keycloak.example", "read the realm", () -> {
            attempts.incrementAndGet();
            throw new ProcessingException(new IOException("connection reset"));
        }, cancellation));
        assertThat(attempts.get()).as("one attempt, then the cancelled pause").isEqualTo(1);
    }

    @Test
    void thePauseBetween3scaleRetries() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        AtomicInteger requests = new AtomicInteger();
        server.createContext("/", exchange -> {
            requests.incrementAndGet();
            exchange.sendResponseHeaders(503, -1);
            exchange.close();
        });
        server.start();
        try {
            Cancellation cancellation = new Cancellation();
            ThreescaleClient client = ThreescaleClient.builder("http://127.0.0.1:" + server.getAddress().getPort(),
                            "token-for-the-test")
                    .retry(new RetryPolicy(10, Duration.ofSeconds(30), Duration.ofSeconds(30), new Random(1)))
                    .cancellation(cancellation).build();
            cancelledPromptly(cancellation, () -> client.tenant().provider());
            assertThat(requests.get()).as("one request, then the cancelled pause").isEqualTo(1);
        } finally {
            server.stop(0);
        }
    }
}
