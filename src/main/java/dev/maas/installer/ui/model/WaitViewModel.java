package dev.maas.installer.ui.model;

import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.value.ObservableBooleanValue;
import javafx.beans.value.ObservableStringValue;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What the wizard is waiting for besides a run (the sandbox starting, a connection being made, links being looked
 * up): the first active wait's words, e.g. "Starting the sandbox: Keycloak…". The progress pane shows them beside an
 * indeterminate bar, so no wait passes without feedback. FX thread only.
 */
public final class WaitViewModel {
    private record Source(ObservableBooleanValue active, ObservableStringValue text) { }

    private final List<Source> sources = new ArrayList<>();
    private final ReadOnlyBooleanWrapper active = new ReadOnlyBooleanWrapper(this, "active", false);
    private final ReadOnlyStringWrapper text = new ReadOnlyStringWrapper(this, "text", "");

    /** Adds a wait: while {@code active} is true, {@code text} says what the wizard waits for. */
    public void add(ObservableBooleanValue active, ObservableStringValue text) {
        Source s = new Source(Objects.requireNonNull(active, "active"), Objects.requireNonNull(text, "text"));
        sources.add(s);
        active.addListener((o, a, b) -> update());
        text.addListener((o, a, b) -> update());
        update();
    }

    /** True while something is waited for. */
    public ReadOnlyBooleanProperty activeProperty() { return active.getReadOnlyProperty(); }

    public boolean isActive() { return active.get(); }

    /** The words of the first active wait; empty when nothing is waited for. */
    public ReadOnlyStringProperty textProperty() { return text.getReadOnlyProperty(); }

    private void update() {
        for (Source s : sources) {
            if (s.active().get()) {
                String t = s.text().get();
                text.set(t == null ? "" : t);
                active.set(true);
                return;
            }
        }
        active.set(false);
        text.set("");
    }
}
