package dev.maas.installer.portal;

import java.util.List;
import java.util.stream.Collectors;

/** Thrown when portal content has problems and the caller asked to stop on them. */
public final class PortalContentException extends RuntimeException {
    private final List<PortalProblem> problems;

    public PortalContentException(List<PortalProblem> problems) {
        super(message(problems));
        this.problems = List.copyOf(problems);
    }

    public List<PortalProblem> problems() {
        return problems;
    }

    private static String message(List<PortalProblem> problems) {
        return problems.size() + " problem(s) in the portal content:\n"
                + problems.stream().map(p -> "  - " + p).collect(Collectors.joining("\n"));
    }
}
