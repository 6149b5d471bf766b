package dev.maas.installer.testing;

import org.testfx.util.WaitForAsyncUtils;

import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The JavaFX tests' wait: a condition evaluated on the FX thread until it holds, then the FX events it caused are
 * let run. On a timeout, the error says what the window showed (a description also read on the FX thread).
 */
public final class FxWait {
    private FxWait() {
    }

    /** Waits up to {@code timeoutS} seconds for {@code condition}. */
    public static void until(long timeoutS, Callable<Boolean> condition) throws Exception {
        until(timeoutS, condition, null);
    }

    /**
     * Waits up to {@code timeoutS} seconds for {@code condition}; on a timeout fails with {@code seen} (what the
     * window shows; null: nothing more than the timeout).
     */
    public static void until(long timeoutS, Callable<Boolean> condition, Callable<String> seen) throws Exception {
        try {
            WaitForAsyncUtils.waitFor(timeoutS, TimeUnit.SECONDS, () -> WaitForAsyncUtils.asyncFx(condition).get());
        } catch (TimeoutException e) {
            if (seen == null) {
                throw e;
            }
            String shown = WaitForAsyncUtils.asyncFx(seen).get(30, TimeUnit.SECONDS);
            throw new AssertionError("timed out; " + shown, e);
        }
        WaitForAsyncUtils.waitForFxEvents();
    }
}
