package dev.maas.installer.ui.model;

import dev.maas.installer.engine.secrets.SecretRegistry;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

/**
 * The view models' blocking calls (cluster, 3scale, files), run on their background executor, never the FX thread,
 * and a failure of one as the single redacted line a status label shows.
 */
public final class OffFxThread {
    private OffFxThread() {
    }

    /** A blocking call that may throw. */
    public interface Call<T> {
        T call() throws Exception;
    }

    /** Runs {@code call} on {@code background}; a checked exception completes the future with it as the cause. */
    public static <T> CompletableFuture<T> supply(Call<T> call, Executor background) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return call.call();
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new CompletionException(e);
            }
        }, background);
    }

    /** The failure behind the futures' wrapping (null for none). */
    public static Throwable cause(Throwable e) {
        Throwable t = e;
        while ((t instanceof CompletionException || t instanceof java.util.concurrent.ExecutionException)
                && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** The failure's message (its type when it has none), with every registered secret redacted. */
    public static String message(Throwable e) {
        Throwable t = cause(e);
        String m = t.getMessage();
        return SecretRegistry.global().redact(m == null || m.isBlank() ? t.getClass().getSimpleName() : m);
    }
}
