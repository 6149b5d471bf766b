package dev.maas.installer.stages.common;

import dev.maas.installer.engine.Progress;

/** A {@link Progress} that several worker threads can report to: calls are passed on one at a time. */
public final class SerialProgress implements Progress {
    private final Progress delegate;

    public SerialProgress(Progress delegate) {
        this.delegate = delegate == null ? Progress.NONE : delegate;
    }

    @Override
    public synchronized void step(int n, int of, String message) { delegate.step(n, of, message); }

    @Override
    public synchronized void detail(String message) { delegate.detail(message); }
}
