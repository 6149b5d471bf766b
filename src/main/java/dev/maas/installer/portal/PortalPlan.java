package dev.maas.installer.portal;

import java.util.List;

/**
 * The writes that bring the CMS to the content folder's state, in order (sections parents first, layouts, partials,
 * pages, files), and the problems of items left out.
 */
public record PortalPlan(List<PortalAction> actions, List<PortalProblem> problems) {
    public PortalPlan {
        actions = List.copyOf(actions);
        problems = List.copyOf(problems);
    }

    /** True when nothing has to be written. */
    public boolean upToDate() {
        return actions.isEmpty();
    }

    public <T extends PortalAction> List<T> actions(Class<T> type) {
        return actions.stream().filter(type::isInstance).map(type::cast).toList();
    }

    /** The dry-run text: one line per action, then the problems. */
    public String dryRun() {
        StringBuilder sb = new StringBuilder();
        if (actions.isEmpty()) {
            sb.append("Portal content: up to date, nothing to change.");
        } else {
            sb.append("Portal content: ").append(actions.size()).append(actions.size() == 1 ? " write" : " writes")
                    .append(" would be made:");
            for (PortalAction a : actions) {
                sb.append("\n  ").append(a.describe());
            }
        }
        if (!problems.isEmpty()) {
            sb.append("\n").append(problems.size()).append(problems.size() == 1 ? " problem" : " problems")
                    .append(" (these items are left out):");
            for (PortalProblem p : problems) {
                sb.append("\n  ! ").append(p);
            }
        }
        return sb.toString();
    }
}
