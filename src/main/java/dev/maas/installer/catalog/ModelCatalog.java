package dev.maas.installer.catalog;

import com.fasterxml.jackson.databind.JsonNode;
import dev.maas.installer.catalog.ModelProduct.Backend;
import dev.maas.installer.catalog.ModelProduct.BackendUsage;
import dev.maas.installer.catalog.ModelProduct.MappingRule;
import dev.maas.installer.catalog.ModelProduct.Method;
import dev.maas.installer.catalog.ModelProduct.Product;
import dev.maas.installer.catalog.ModelProduct.Proxy;
import dev.maas.installer.catalog.policy.PolicyBundle;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.engine.config.InstallerConfig.ModelConfig;
import dev.maas.installer.engine.config.InstallerConfig.ProductsConfig;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Builds the desired 3scale state of each model ({@link ModelProduct}) from the configuration. Pure: reads only
 * the models' OpenAPI documents, sends nothing. Expects a resolved configuration (ConfigDefaults: system names
 * filled in, file paths absolute) that passed validation; it still names the field of anything it cannot use.
 */
public final class ModelCatalog {
    public static final String AUTH_USER_KEY = "Authorization";
    public static final String DEPLOYMENT_OPTION = "hosted";
    /** API key authentication (a single user key). */
    public static final String BACKEND_VERSION = "1";
    public static final String HITS = "hits";
    static final Set<String> CREDENTIALS_LOCATIONS = Set.of("headers", "authorization", "query");

    private ModelCatalog() { }

    /** Every model of the configuration, in order. */
    public static List<ModelProduct> build(InstallerConfig config, List<PolicyBundle> customPolicies) {
        List<ModelProduct> out = new ArrayList<>();
        for (int i = 0; i < config.models().size(); i++) {
            out.add(build(config.models().get(i), i, config.products(), customPolicies,
                    config.plans().limitsTokens()));
        }
        return List.copyOf(out);
    }

    /** One model; {@code index} is its position in {@code models}, for messages. */
    public static ModelProduct build(ModelConfig model, int index, ProductsConfig products,
                                     List<PolicyBundle> customPolicies) {
        return build(model, index, products, customPolicies, false);
    }

    /**
     * One model; {@code tokenUsage}: a tier limits tokens, so the product's chain has the token usage policy
     * ({@link PolicyChain#maas(List, boolean)}).
     */
    public static ModelProduct build(ModelConfig model, int index, ProductsConfig products,
                                     List<PolicyBundle> customPolicies, boolean tokenUsage) {
        String base = "models[" + index + "]";
        if (model == null) {
            throw new CatalogException(base, "empty entry: give at least name and url");
        }
        String name = required(model.name(), base + ".name", "the model's display name");
        String systemName = required(model.systemName(), base + ".systemName",
                "lower case letters, digits, '-' and '_'");
        String url = required(model.url(), base + ".url", "the model's in-cluster URL").strip();
        String location = products.credentialsLocation();
        if (!CREDENTIALS_LOCATIONS.contains(location)) {
            throw new CatalogException("products.credentialsLocation", "'" + location + "' is not one of headers,"
                    + " authorization, query");
        }

        boolean defaults = model.openapi() == null || model.openapi().isBlank();
        List<ApiOperation> ops;
        JsonNode document;
        if (defaults) {
            ops = OpenApiOperations.openAiDefaults();
            document = OpenApiOperations.defaultDocument(name);
        } else {
            Path file = Path.of(model.openapi());
            String text = OpenApiOperations.readText(file, base + ".openapi");
            ops = OpenApiOperations.parse(text, file.toString(), base + ".openapi");
            document = OpenApiOperations.document(text, file.toString(), base + ".openapi");
        }

        String userDescription = model.description() == null || model.description().isBlank()
                ? name + ", served by Models as a Service" : model.description().strip();
        String description = CatalogMarker.mark(userDescription);
        Backend backend = new Backend(name, systemName, url.replaceAll("/+$", ""), description);
        Product product = new Product(name, systemName, description, DEPLOYMENT_OPTION, BACKEND_VERSION);
        Proxy proxy = new Proxy(AUTH_USER_KEY, location);
        BackendUsage usage = new BackendUsage(systemName, "/");

        List<Method> methods = new ArrayList<>();
        List<MappingRule> rules = new ArrayList<>();
        Map<String, ApiOperation> bySystemName = new HashMap<>();
        Map<String, Integer> summaryCount = new HashMap<>();
        ops.forEach(op -> summaryCount.merge(op.shortSummary().toLowerCase(Locale.ROOT), 1, Integer::sum));
        for (ApiOperation op : ops) {
            String methodName = MethodNames.systemName(op);
            ApiOperation clash = bySystemName.putIfAbsent(methodName, op);
            if (clash != null) {
                throw new CatalogException(base + ".openapi", "operations " + clash.label() + " and " + op.label()
                        + " would both be 3scale method " + methodName + ": rename one of the paths");
            }
            boolean uniqueSummary = !op.shortSummary().isEmpty()
                    && summaryCount.get(op.shortSummary().toLowerCase(Locale.ROOT)) == 1;
            String friendly = uniqueSummary ? op.shortSummary() : op.label();
            String methodDescription = op.summary().isEmpty() ? op.label() : op.label() + ": " + op.summary();
            methods.add(new Method(methodName, friendly, methodDescription));
            rules.add(new MappingRule(op.httpMethod(), MethodNames.pattern(op.path()), methodName, 1, false,
                    rules.size() + 1));
        }
        return new ModelProduct(name, systemName, backend, product, proxy, usage,
                PolicyChain.maas(customPolicies, tokenUsage), methods, rules, defaults,
                new ModelProduct.ActiveDoc(name, systemName, document));
    }

    private static String required(String value, String field, String what) {
        if (value == null || value.isBlank()) {
            throw new CatalogException(field, "required: " + what);
        }
        return value;
    }
}
