package dev.maas.installer.ui.pages;

import dev.maas.installer.engine.config.ConfigProblem;
import dev.maas.installer.engine.config.InstallerConfig.LimitConfig;
import dev.maas.installer.engine.config.InstallerConfig.TierConfig;
import dev.maas.installer.ui.model.FieldLabels;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.ReadOnlyIntegerProperty;
import javafx.beans.property.ReadOnlyIntegerWrapper;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import javafx.collections.ObservableMap;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Plans page's tiers ({@code plans.tiers}): the table's rows, and the editor of the selected row (name, approval,
 * models, limits). Every edit in the editor replaces its row at once, so the rows are always what the form shows;
 * the page model validates them with {@code ConfigValidator} (the CLI's rules) and hands back the problems, which
 * are shown next to the field they are about ({@link #problem(String)}). FX thread only.
 */
public final class TiersModel {
    private static final Pattern TIER_PATH = Pattern.compile("plans\\.tiers\\[(\\d+)](.*)");

    /** One limit as the editor shows it: the value as typed. */
    public static final class LimitRow {
        private final StringProperty metric = new SimpleStringProperty(this, "metric");
        private final StringProperty period = new SimpleStringProperty(this, "period");
        private final StringProperty value = new SimpleStringProperty(this, "value", "");

        LimitRow(LimitConfig l) {
            if (l != null) {
                metric.set(l.metric());
                period.set(l.period());
                value.set(l.value() == null ? "" : String.valueOf(l.value()));
            }
        }

        public StringProperty metricProperty() { return metric; }

        public StringProperty periodProperty() { return period; }

        /** The value as typed. */
        public StringProperty valueProperty() { return value; }

        /** The typed value as a number; null when blank or not a whole number. */
        Long number() {
            String v = value.get() == null ? "" : value.get().trim().replace(",", "").replace("_", "");
            if (v.isEmpty()) {
                return null;
            }
            try {
                return Long.parseLong(v);
            } catch (NumberFormatException e) {
                return null;
            }
        }

        /** Typed, but not a whole number. */
        boolean unreadable() {
            return value.get() != null && !value.get().isBlank() && number() == null;
        }

        LimitConfig toConfig() {
            return new LimitConfig(blankToNull(metric.get()), blankToNull(period.get()), number());
        }
    }

    private final ObservableList<TierConfig> tiers = FXCollections.observableArrayList();
    private final ReadOnlyIntegerWrapper selected = new ReadOnlyIntegerWrapper(this, "selected", -1);
    private final StringProperty name = new SimpleStringProperty(this, "name", "");
    private final BooleanProperty approval = new SimpleBooleanProperty(this, "approval");
    private final StringProperty models = new SimpleStringProperty(this, "models", "");
    private final ObservableList<LimitRow> limits = FXCollections.observableArrayList();
    /** Field path (as the validator names it) to message in the screen's words. */
    private final ObservableMap<String, String> problems = FXCollections.observableHashMap();
    private boolean showing;

    public TiersModel() {
        name.addListener((o, a, b) -> editorEdited());
        approval.addListener((o, a, b) -> editorEdited());
        models.addListener((o, a, b) -> editorEdited());
    }

    /** The tiers as the table shows them, in configuration order. */
    public ObservableList<TierConfig> tiers() { return tiers; }

    /** The row the editor shows; -1: none. */
    public ReadOnlyIntegerProperty selectedProperty() { return selected.getReadOnlyProperty(); }

    public StringProperty nameProperty() { return name; }

    public BooleanProperty approvalProperty() { return approval; }

    /** The selected tier's models as typed, separated by commas; empty: every model. */
    public StringProperty modelsProperty() { return models; }

    /** The selected tier's limits as the editor shows them. */
    public ObservableList<LimitRow> limits() { return limits; }

    /** What is wrong, by field path: {@code plans.tiers[0].name}, {@code plans.tiers[0].limits[1]}, ... */
    public ObservableMap<String, String> problems() { return problems; }

    /** The problem of that field of the selected tier ("name", "limits[0]", "limits[0].value"); empty when none. */
    public String problem(String field) {
        int i = selected.get();
        return i < 0 ? "" : problems.getOrDefault("plans.tiers[" + i + "]" + (field.isEmpty() ? "" : "." + field), "");
    }

    /** Every problem of one limit row of the selected tier (its own and its fields'), joined; empty when none. */
    public String limitProblem(int j) {
        int i = selected.get();
        if (i < 0) {
            return "";
        }
        String base = "plans.tiers[" + i + "].limits[" + j + "]";
        List<String> out = new ArrayList<>();
        if (j < limits.size() && limits.get(j).unreadable()) {
            out.add(FieldLabels.label(base + ".value") + ": '" + limits.get(j).valueProperty().get().trim()
                    + "' is not a whole number: give the most the metric may count in the period, e.g. 1000");
        }
        for (String suffix : List.of("", ".metric", ".period", ".value")) {
            String p = problems.get(base + suffix);
            if (p != null && !(suffix.equals(".value") && !out.isEmpty())) {
                out.add(p);
            }
        }
        return String.join("\n", out);
    }

    /** Replaces the rows (a configuration loaded or reloaded); selects the first, if any. */
    public void load(List<TierConfig> loaded) {
        tiers.setAll(loaded);
        select(tiers.isEmpty() ? -1 : 0);
    }

    /** Shows row {@code i} in the editor (-1: none). */
    public void select(int i) {
        int index = i < 0 || i >= tiers.size() ? -1 : i;
        showing = true;
        try {
            selected.set(index);
            TierConfig t = index < 0 ? null : tiers.get(index);
            name.set(t == null || t.name() == null ? "" : t.name());
            approval.set(t != null && t.approvalRequired());
            models.set(t == null ? "" : String.join(", ", t.models()));
            limits.setAll(t == null ? List.of() : t.limits().stream().map(LimitRow::new).toList());
            limits.forEach(this::watch);
        } finally {
            showing = false;
        }
    }

    /** "Add tier": a new row, without name or limits, shown in the editor. */
    public void addTier() {
        tiers.add(new TierConfig("", false, null, null));
        select(tiers.size() - 1);
    }

    /** "Remove tier": removes the selected row. */
    public void removeSelected() {
        int i = selected.get();
        if (i < 0) {
            return;
        }
        tiers.remove(i);
        select(Math.min(i, tiers.size() - 1));
    }

    /** "Add limit" in the editor: a new limit, requests per minute, value to be typed. */
    public void addLimit() {
        if (selected.get() < 0) {
            return;
        }
        LimitRow row = new LimitRow(new LimitConfig(LimitConfig.REQUESTS, "minute", null));
        watch(row);
        limits.add(row);
        editorEdited();
    }

    /** Removes limit {@code j} of the selected tier. */
    public void removeLimit(int j) {
        if (j >= 0 && j < limits.size()) {
            limits.remove(j);
            editorEdited();
        }
    }

    /** The validator's problems of the tiers (paths {@code plans.tiers...}); the others are ignored. */
    void problems(List<ConfigProblem> found) {
        java.util.Map<String, String> now = new java.util.HashMap<>();
        for (ConfigProblem p : found) {
            Matcher m = TIER_PATH.matcher(p.path());
            if (m.matches() || p.path().equals("plans.tiers")) {
                now.merge(p.path(), FieldLabels.describe(p), (a, b) -> a + "\n" + b);
            }
        }
        if (!now.equals(problems)) {
            problems.clear();
            problems.putAll(now);
        }
    }

    private void watch(LimitRow row) {
        row.metricProperty().addListener((o, a, b) -> editorEdited());
        row.periodProperty().addListener((o, a, b) -> editorEdited());
        row.valueProperty().addListener((o, a, b) -> editorEdited());
    }

    /** The editor's fields as a tier: replaces the selected row. */
    private void editorEdited() {
        int i = selected.get();
        if (showing || i < 0) {
            return;
        }
        List<String> named = Arrays.stream((models.get() == null ? "" : models.get()).split(","))
                .map(String::trim).filter(s -> !s.isEmpty()).toList();
        TierConfig t = new TierConfig(name.get() == null ? "" : name.get().trim(), approval.get(), named,
                limits.stream().map(LimitRow::toConfig).toList());
        if (!Objects.equals(t, tiers.get(i))) {
            tiers.set(i, t);
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
