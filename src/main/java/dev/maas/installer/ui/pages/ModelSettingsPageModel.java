package dev.maas.installer.ui.pages;

import dev.maas.installer.engine.config.ConfigProblem;
import dev.maas.installer.engine.config.ConfigValidator;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.engine.config.InstallerConfig.ModelConfig;
import dev.maas.installer.engine.config.InstallerConfig.PlansConfig;
import dev.maas.installer.engine.config.InstallerConfig.ProductsConfig;
import dev.maas.installer.ui.model.ConfigViewModel;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;

import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * The products and plans pages' inputs: a short summary of the models they work on, and their own settings
 * (products: credentials location and concurrency; plans: plan name and whether existing developer accounts are
 * subscribed). Validated with {@link ConfigValidator} and written into the configuration when valid. FX thread only.
 */
public final class ModelSettingsPageModel {
    public static final List<String> CREDENTIALS_LOCATIONS = List.of("headers", "authorization", "query");

    private final ConfigViewModel config;
    private final StringProperty credentialsLocation = new SimpleStringProperty(this, "credentialsLocation");
    private final ObjectProperty<Integer> concurrency = new SimpleObjectProperty<>(this, "concurrency");
    private final StringProperty planName = new SimpleStringProperty(this, "planName");
    private final BooleanProperty subscribeExisting = new SimpleBooleanProperty(this, "subscribeExisting");
    private final ReadOnlyStringWrapper summary = new ReadOnlyStringWrapper(this, "summary", "");
    private final ReadOnlyStringWrapper error = new ReadOnlyStringWrapper(this, "error", "");
    private final TiersModel tiers = new TiersModel();
    private final Section section;
    private boolean loading;

    /** Which settings a page of this model writes: the products page's, the plans page's, or both. */
    public enum Section { PRODUCTS, PLANS, BOTH }

    /** A model whose validation writes both the products and the plans settings. */
    public ModelSettingsPageModel(ConfigViewModel config) {
        this(config, Section.BOTH);
    }

    /**
     * A model for one page: it writes only that page's settings and takes the other page's from the configuration
     * in use, so that one page never puts back what the other changed.
     */
    public ModelSettingsPageModel(ConfigViewModel config, Section section) {
        this.config = Objects.requireNonNull(config, "config");
        this.section = Objects.requireNonNull(section, "section");
        reload();
        tiers.tiers().addListener((javafx.collections.ListChangeListener<InstallerConfig.TierConfig>) c -> edited());
        // a configuration file loaded later (by hand or by the sandbox) replaces what the page shows
        config.fileProperty().addListener((o, was, now) -> reload());
        credentialsLocation.addListener((o, a, b) -> edited());
        concurrency.addListener((o, a, b) -> edited());
        planName.addListener((o, a, b) -> edited());
        subscribeExisting.addListener((o, a, b) -> edited());
    }

    public StringProperty credentialsLocationProperty() { return credentialsLocation; }

    public ObjectProperty<Integer> concurrencyProperty() { return concurrency; }

    public StringProperty planNameProperty() { return planName; }

    public BooleanProperty subscribeExistingProperty() { return subscribeExisting; }

    /** The tiers table and its editor ({@code plans.tiers}); empty: one plan named {@link #planNameProperty()}. */
    public TiersModel tiers() { return tiers; }

    /** Which models the stage works on, in words (refreshed by {@link #reload()}). */
    public ReadOnlyStringProperty summaryProperty() { return summary.getReadOnlyProperty(); }

    /** What is wrong with the settings; empty when valid. */
    public ReadOnlyStringProperty errorProperty() { return error.getReadOnlyProperty(); }

    /** Shows the settings and models of the configuration in use. */
    public void reload() {
        loading = true;
        try {
            InstallerConfig c = config.current();
            credentialsLocation.set(c.products().credentialsLocation());
            concurrency.set(c.products().concurrency());
            planName.set(c.plans().name());
            subscribeExisting.set(c.plans().subscribeExistingAccounts());
            tiers.load(c.plans().tiers());
        } finally {
            loading = false;
        }
        refreshSummary();
        error.set("");
        tiers.problems(List.of());
    }

    /** Refreshes the model summary (the list is edited on the backends page). */
    public void refreshSummary() {
        List<ModelConfig> models = config.current().models();
        summary.set(models.isEmpty()
                ? "No models listed: the ready served models found on the cluster (see the backends page)."
                : models.size() + " model" + (models.size() == 1 ? "" : "s") + ": "
                        + models.stream().map(ModelConfig::name).collect(Collectors.joining(", ")) + ".");
    }

    private void edited() {
        if (!loading) {
            validate();
        }
    }

    /** Validates the settings as shown and writes them, with their problems, into the configuration. */
    public boolean validate() {
        InstallerConfig c = config.current();
        ProductsConfig products = section == Section.PLANS ? c.products()
                : new ProductsConfig(credentialsLocation.get(), concurrency.get() == null ? 0 : concurrency.get(),
                c.products().activeDocs());
        PlansConfig plans = section == Section.PRODUCTS ? c.plans()
                : new PlansConfig(planName.get() == null ? "" : planName.get().trim(), subscribeExisting.get(),
                new java.util.ArrayList<>(tiers.tiers()));
        InstallerConfig edited = new InstallerConfig(c.cluster(), c.endpoints(), c.sso(), c.threescale(), c.models(),
                products, plans, c.portal());
        List<ConfigProblem> problems = ConfigValidator.validate(edited).stream()
                .filter(p -> p.path().startsWith("products") || p.path().startsWith("plans")).toList();
        error.set(problems.stream().map(dev.maas.installer.ui.model.FieldLabels::describe).collect(Collectors.joining("\n")));
        tiers.problems(problems);
        // what the form shows is what the runs get, valid or not; while it is not, its stages do not run
        config.edit("model settings", edited, problems);
        return problems.isEmpty();
    }
}
