package dev.maas.installer.ui.view;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The part of a JavaFX stylesheet that can style a given set of nodes: every rule with at least one selector whose
 * every step (compound selector) names only types, style classes and ids those nodes have, with the selectors that
 * cannot match dropped from each rule's list. Pseudo-classes are not looked at (a kept rule keeps all its states:
 * hover, focused, selected...), and the rules keep their order, so the cascade among the kept rules is the one the
 * whole stylesheet gives those nodes.
 * <p>
 * For the stylesheets JavaFX themes are made of (AtlantaFX's: rules of selectors and declarations, comments, no
 * at-rules or nested blocks); anything else is refused rather than misread.
 */
final class ThemeSubset {
    private static final Pattern COMMENT = Pattern.compile("/\\*.*?\\*/", Pattern.DOTALL);
    private static final Pattern RULE = Pattern.compile("([^{}]+)\\{([^{}]*)}");
    private static final Pattern STEP_SEPARATOR = Pattern.compile("\\s*>\\s*|\\s+");
    private static final Pattern PSEUDO = Pattern.compile("::?[A-Za-z-]+(\\([^)]*\\))?");
    private static final Pattern TYPE = Pattern.compile("^([A-Za-z*][A-Za-z0-9_-]*)");
    private static final Pattern STYLE_CLASS = Pattern.compile("\\.([A-Za-z0-9_-]+)");
    private static final Pattern ID = Pattern.compile("#([A-Za-z0-9_-]+)");

    private ThemeSubset() { }

    /** What the nodes have: their type selectors, style classes and ids. */
    record Names(Set<String> types, Set<String> styleClasses, Set<String> ids) { }

    /** The result: the kept rules as CSS text, and how many rules there were and were kept. */
    record Subset(String css, int rules, int kept) { }

    static Subset of(String stylesheet, Names names) {
        String css = COMMENT.matcher(stylesheet).replaceAll("");
        if (css.contains("@")) {
            throw new IllegalArgumentException("an at-rule (@...) in the stylesheet: not a plain list of rules");
        }
        StringBuilder out = new StringBuilder();
        Matcher rule = RULE.matcher(css);
        int rules = 0;
        int kept = 0;
        int end = 0;
        while (rule.find()) {
            end = rule.end();
            rules++;
            List<String> selectors = new ArrayList<>();
            for (String selector : rule.group(1).split(",")) {
                if (canMatch(selector.strip(), names)) {
                    selectors.add(selector.strip());
                }
            }
            if (!selectors.isEmpty()) {
                kept++;
                out.append(String.join(",\n", selectors)).append(" {").append(rule.group(2)).append("}\n");
            }
        }
        if (!css.substring(end).isBlank()) {
            throw new IllegalArgumentException("unexpected text after the last rule: " + css.substring(end).strip());
        }
        return new Subset(out.toString(), rules, kept);
    }

    static boolean canMatch(String selector, Names names) {
        for (String step : STEP_SEPARATOR.split(selector)) {
            if (!step.isEmpty() && !stepCanMatch(PSEUDO.matcher(step).replaceAll(""), names)) {
                return false;
            }
        }
        return true;
    }

    private static boolean stepCanMatch(String step, Names names) {
        Matcher type = TYPE.matcher(step);
        if (type.find() && !type.group(1).equals("*") && !names.types().contains(type.group(1))) {
            return false;
        }
        Matcher styleClass = STYLE_CLASS.matcher(step);
        while (styleClass.find()) {
            if (!names.styleClasses().contains(styleClass.group(1))) {
                return false;
            }
        }
        Matcher id = ID.matcher(step);
        while (id.find()) {
            if (!names.ids().contains(id.group(1))) {
                return false;
            }
        }
        return true;
    }
}
