package dev.maas.installer.stages.products;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.maas.installer.catalog.ActiveDocValidation;
import dev.maas.installer.catalog.ModelProduct;
import dev.maas.installer.engine.Action;
import dev.maas.installer.engine.Change;
import dev.maas.installer.engine.FieldChange;
import dev.maas.installer.engine.TargetSystem;
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
 * One product's ActiveDocs spec (the developer portal's API reference): system_name and name of the product, the
 * model's OpenAPI document as JSON text, linked to the product ({@code service_id}) and published; with
 * {@code skip_swagger_validations=true} when 3scale cannot validate the document ({@link ActiveDocValidation}:
 * OpenAPI 3.1, as vLLM serves, or 3.1 JSON Schema labelled 3.0), the plan saying so and why. Bodies are
 * compared as JSON trees, so formatting and key order never cause a write. With {@code write} false it only says
 * what would change (plan, verify).
 */
final class ActiveDocReconciler {
    static final String ACTIVE_DOC = "activedoc";
    static final String SKIP = "skip_swagger_validations";
    private static final Logger LOG = LoggerFactory.getLogger(ActiveDocReconciler.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private ActiveDocReconciler() { }

    /**
     * @param service the live product, or null when it does not exist yet (plan of a new product)
     * @param live    the live ActiveDoc with the product's system_name, or null
     */
    static Change reconcile(ThreescaleClient client, ModelProduct model, Service service, ActiveDoc live,
                            boolean write) {
        ModelProduct.ActiveDoc want = model.activeDoc();
        JsonNode body = want.body();
        String text = text(body);
        String serviceId = service == null ? null : String.valueOf(service.id());
        String sn = want.systemName();
        // porta validates the body unless told not to; it cannot validate OpenAPI 3.1 (vLLM's) at all
        Optional<String> skipBecause = ActiveDocValidation.whyPortaCannotValidate(body);
        if (live == null) {
            Map<String, FieldChange> fields = new LinkedHashMap<>();
            fields.put("name", FieldChange.of(null, want.name()));
            fields.put("service_id", FieldChange.of(null, serviceId == null ? "(the new product " + sn + ")"
                    : serviceId));
            fields.put("published", FieldChange.of(null, "true"));
            fields.put("body", FieldChange.of(null, describe(body, text)));
            skipBecause.ifPresent(why -> fields.put(SKIP, FieldChange.of(null, skipText(why))));
            if (write) {
                Objects.requireNonNull(serviceId, "product " + sn + " must exist before its ActiveDoc");
                Map<String, String> extra = new LinkedHashMap<>();
                extra.put("service_id", serviceId);
                extra.put("published", "true");
                if (skipBecause.isPresent()) {
                    extra.put(SKIP, "true");
                    LOG.info("ActiveDoc {}: sent with skip_swagger_validations=true: {}", sn, skipBecause.get());
                }
                client.activeDocs().create(want.name(), sn, text, extra);
            }
            return new Change(Action.CREATE, TargetSystem.THREESCALE, ACTIVE_DOC, sn, fields);
        }
        Map<String, FieldChange> fields = new LinkedHashMap<>();
        Map<String, String> update = new LinkedHashMap<>();
        if (!want.name().equals(live.name())) {
            fields.put("name", FieldChange.of(live.name(), want.name()));
            update.put("name", want.name());
        }
        String liveService = live.serviceId() == null ? null : String.valueOf(live.serviceId());
        if (serviceId == null ? liveService != null : !serviceId.equals(liveService)) {
            fields.put("service_id", FieldChange.of(liveService, serviceId == null ? "(the new product " + sn + ")"
                    : serviceId));
            if (serviceId != null) {
                update.put("service_id", serviceId);
            }
        }
        if (!Boolean.TRUE.equals(live.published())) {
            fields.put("published", FieldChange.of(live.published(), "true"));
            update.put("published", "true");
        }
        JsonNode liveBody = parse(live.body());
        if (!body.equals(liveBody)) {
            fields.put("body", FieldChange.of(liveBody == null ? "not valid JSON" : describe(liveBody, live.body()),
                    describe(body, text) + ", the model's document"));
            update.put("body", text);
        }
        if (skipBecause.isPresent() && !Boolean.TRUE.equals(live.skipSwaggerValidations())) {
            fields.put(SKIP, FieldChange.of(live.skipSwaggerValidations(), skipText(skipBecause.get())));
            update.put(SKIP, "true");
        }
        if (fields.isEmpty()) {
            return Change.noop(TargetSystem.THREESCALE, ACTIVE_DOC, sn);
        }
        if (write && !update.isEmpty()) {
            client.activeDocs().update(live.id(), update);
        }
        return new Change(Action.UPDATE, TargetSystem.THREESCALE, ACTIVE_DOC, sn, fields);
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
