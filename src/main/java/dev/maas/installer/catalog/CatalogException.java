package dev.maas.installer.catalog;

/** A model's catalog entry cannot be built; {@link #field()} names the config field (e.g. models[2].openapi). */
public class CatalogException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String field;

    public CatalogException(String field, String message) {
        this(field, message, null);
    }

    public CatalogException(String field, String message, Throwable cause) {
        super(field + ": " + message, cause);
        this.field = field;
    }

    public String field() { return field; }
}
