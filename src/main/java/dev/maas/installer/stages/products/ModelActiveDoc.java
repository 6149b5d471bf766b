package dev.maas.installer.stages.products;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.maas.installer.catalog.ActiveDocValidation;
import dev.maas.installer.catalog.ModelProduct;
import dev.maas.installer.engine.Action;
import dev.maas.installer.engine.Change;
import dev.maas.installer.engine.FieldChange;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.StageIds;
import dev.maas.installer.stages.products.ProductObjects.ThreescaleObject;
import dev.maas.installer.threescale.ThreescaleClient;
import dev.maas.installer.threescale.model.ActiveDoc;
import dev.maas.installer.threescale.model.Service;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One product's ActiveDocs spec (the developer portal's API reference), found by the product's system_name in the
 * tenant's list the stage read once: name, the model's OpenAPI document as JSON text, linked to the product
 * ({@code service_id}) and published; with {@code skip_swagger_validations=true} when 3scale cannot validate the
 * document ({@link ActiveDocValidation}: OpenAPI 3.1, as vLLM serves, or 3.1 JSON Schema labelled 3.0), the plan
 * saying so and why. Bodies are compared as JSON trees, so formatting and key order never cause a write.
 */
final class ModelActiveDoc extends ThreescaleObject<ModelActiveDoc.Want, ActiveDoc> {
    static final String ACTIVE_DOC = "activedoc";
    static final String SKIP = "skip_swagger_validations";
    private static final Logger LOG = LoggerFactory.getLogger(ModelActiveDoc.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * The spec as wanted: {@code serviceId} null while the product does not exist (a plan); {@code skipBecause} why
     * porta cannot validate the body, when it cannot.
     */
    record Want(String name, String systemName, JsonNode body, String text, String serviceId,
                Optional<String> skipBecause) {
        /** What plan shows for the link to a product that does not exist yet. */
        String serviceIdShown() { return serviceId == null ? "(the new product " + systemName + ")" : serviceId; }
    }

    private final ThreescaleClient client;
    private final ModelProduct model;
    private final Service service;
    private final ActiveDoc live;

    /**
     * @param service the live product, or null when it does not exist yet (plan of a new product)
     * @param live    the live ActiveDoc with the product's system_name, or null
     */
    ModelActiveDoc(ThreescaleClient client, ModelProduct model, Service service, ActiveDoc live) {
        this.client = client;
        this.model = model;
        this.service = service;
        this.live = live;
    }

    @Override public String kind() { return ACTIVE_DOC; }

    @Override public String name() { return model.activeDoc().systemName(); }

    @Override public String checkName() { return "activedoc " + name(); }

    @Override
    public Optional<Want> desired(StageContext ctx) {
        ModelProduct.ActiveDoc want = model.activeDoc();
        JsonNode body = want.body();
        // porta validates the body unless told not to; it cannot validate OpenAPI 3.1 (vLLM's) at all
        return Optional.of(new Want(want.name(), want.systemName(), body, text(body),
                service == null ? null : String.valueOf(service.id()), ActiveDocValidation.whyPortaCannotValidate(body)));
    }

    @Override public Optional<ActiveDoc> fetch(StageContext ctx) { return Optional.ofNullable(live); }

    @Override
    public Map<String, FieldChange> diff(Want want, Optional<ActiveDoc> actual) {
        Map<String, FieldChange> fields = new LinkedHashMap<>();
        if (actual.isEmpty()) {
            fields.put("name", FieldChange.of(null, want.name()));
            fields.put("service_id", FieldChange.of(null, want.serviceIdShown()));
            fields.put("published", FieldChange.of(null, "true"));
            fields.put("body", FieldChange.of(null, describe(want.body(), want.text())));
            want.skipBecause().ifPresent(why -> fields.put(SKIP, FieldChange.of(null, skipText(why))));
            return fields;
        }
        ActiveDoc doc = actual.get();
        if (!want.name().equals(doc.name())) {
            fields.put("name", FieldChange.of(doc.name(), want.name()));
        }
        String liveService = doc.serviceId() == null ? null : String.valueOf(doc.serviceId());
        if (!Objects.equals(want.serviceId(), liveService)) {
            fields.put("service_id", FieldChange.of(liveService, want.serviceIdShown()));
        }
        if (!Boolean.TRUE.equals(doc.published())) {
            fields.put("published", FieldChange.of(doc.published(), "true"));
        }
        JsonNode liveBody = parse(doc.body());
        if (!want.body().equals(liveBody)) {
            fields.put("body", FieldChange.of(liveBody == null ? "not valid JSON" : describe(liveBody, doc.body()),
                    describe(want.body(), want.text()) + ", the model's document"));
        }
        if (want.skipBecause().isPresent() && !Boolean.TRUE.equals(doc.skipSwaggerValidations())) {
            fields.put(SKIP, FieldChange.of(doc.skipSwaggerValidations(), skipText(want.skipBecause().get())));
        }
        return fields;
    }

    @Override
    public ActiveDoc create(StageContext ctx, Want want) {
        Objects.requireNonNull(want.serviceId(), "product " + want.systemName() + " must exist before its ActiveDoc");
        Map<String, String> extra = new LinkedHashMap<>();
        extra.put("service_id", want.serviceId());
        extra.put("published", "true");
        if (want.skipBecause().isPresent()) {
            extra.put(SKIP, "true");
            LOG.info("ActiveDoc {}: sent with skip_swagger_validations=true: {}", want.systemName(),
                    want.skipBecause().get());
        }
        return client.activeDocs().create(want.name(), want.systemName(), want.text(), extra);
    }

    /** Writes the fields that differ, with their wanted values (the diff shows descriptions of them). */
    @Override
    public ActiveDoc update(StageContext ctx, Want want, ActiveDoc actual, Map<String, FieldChange> diff) {
        Map<String, String> update = new LinkedHashMap<>();
        for (String field : diff.keySet()) {
            switch (field) {
                case "name" -> update.put("name", want.name());
                case "service_id" -> {
                    if (want.serviceId() != null) {
                        update.put("service_id", want.serviceId());
                    }
                }
                case "published", SKIP -> update.put(field, "true");
                case "body" -> update.put("body", want.text());
                default -> throw new IllegalStateException("ActiveDoc field " + field + " is not written");
            }
        }
        return update.isEmpty() ? actual : client.activeDocs().update(actual.id(), update);
    }

    @Override
    public String okMessage(Want want, ActiveDoc actual) {
        return "ActiveDoc " + name() + " matches the model's OpenAPI document, is linked to product " + name()
                + " and published";
    }

    @Override
    public String missingMessage(Want want) { return "ActiveDoc " + ProductsStage.describe(missing(want)); }

    @Override
    public String driftMessage(Want want, ActiveDoc actual, Map<String, FieldChange> diff) {
        return "ActiveDoc " + ProductsStage.describe(new Change(Action.UPDATE, system(), kind(), name(), diff));
    }

    private Change missing(Want want) {
        return new Change(Action.CREATE, system(), kind(), name(),
                diff(want, Optional.empty()));
    }

    @Override
    public Fix fix(String stageId, Action action) {
        return Fix.rerunStage(StageIds.PRODUCTS, "creates or repairs it");
    }

    /** What the plan shows for the flag: its value and why. */
    static String skipText(String why) {
        return "true: 3scale is told not to validate the document, because " + why;
    }

    static String text(JsonNode body) {
        try {
            return JSON.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode parse(String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            return JSON.readTree(text);
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    /** "OpenAPI 3.0.3, 5 paths, 1234 bytes": never the whole document. */
    private static String describe(JsonNode doc, String text) {
        String version = doc.hasNonNull("openapi") ? "OpenAPI " + doc.get("openapi").asText()
                : doc.hasNonNull("swagger") ? "Swagger " + doc.get("swagger").asText() : "document";
        return version + ", " + doc.path("paths").size() + " paths, " + text.length() + " characters";
    }
}
