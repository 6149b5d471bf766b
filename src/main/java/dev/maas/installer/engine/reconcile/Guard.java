package dev.maas.installer.engine.reconcile;

import dev.maas.installer.engine.Actionable;
import dev.maas.installer.engine.CancelledException;
import dev.maas.installer.engine.Check;
import dev.maas.installer.engine.CheckStatus;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.StageException;
import dev.maas.installer.engine.WaitingForStageException;

import java.util.function.Supplier;

/**
 * Runs one verify check so that a failure to read becomes that one check, with its fix, instead of ending the
 * stage's verify: a {@link StageException} keeps its message, fix and whether it is bad input; a stage that is not
 * applied yet (another stage's {@link WaitingForStageException}) gives the neutral WAITING check; what the stage's
 * {@link Translator} knows (a Kubernetes or 3scale client error) is translated by it; anything else is a retryable
 * failure of this stage. Cancelling is never a check: it ends the run.
 */
public final class Guard {
    /** How a stage turns an error it knows into a check; null for an error it does not know. */
    @FunctionalInterface
    public interface Translator {
        Check translate(String name, RuntimeException error);

        Translator NONE = (name, error) -> null;
    }

    private final String stageId;
    private final Translator translator;

    public Guard(String stageId, Translator translator) {
        this.stageId = java.util.Objects.requireNonNull(stageId, "stageId");
        this.translator = translator == null ? Translator.NONE : translator;
    }

    public String stageId() { return stageId; }

    /** The check, or the check its failure gives. */
    public Check check(String name, Supplier<Check> check) {
        try {
            return check.get();
        } catch (CancelledException e) {
            throw e;
        } catch (RuntimeException e) {
            return failure(name, e);
        }
    }

    /** The check a failure to read gives. */
    public Check failure(String name, RuntimeException e) {
        if (e instanceof CancelledException c) {
            throw c;
        }
        if (e instanceof WaitingForStageException w && !w.stageId().equals(stageId)) {
            return w.check();
        }
        Check translated = translator.translate(name, e);
        if (translated != null) {
            return translated;
        }
        if (e instanceof StageException se) {
            return new Check(se.invalidInput() ? CheckStatus.INVALID_INPUT : CheckStatus.FAILED_RETRYABLE, name,
                    se.getMessage(), se.fix());
        }
        if (e instanceof Actionable a && a.fix() != null) {
            return Check.retryable(name, e.getMessage(), a.fix());
        }
        return Check.retryable(name, e.getClass().getSimpleName() + ": " + e.getMessage(),
                Fix.rerunStage(stageId, "rerun the stage; if it fails again, save diagnostics and report it"));
    }
}
