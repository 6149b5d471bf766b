package dev.maas.installer.catalog;

/**
 * The mark of backends and products the installer created. 3scale services and backends have no labels or
 * custom fields, and a system_name prefix would rename what users already know; so the mark is a fixed tag at the
 * end of the description, which the installer writes on every apply. {@code --prune} only ever deletes a product
 * whose description still ends with it: a user who wants to keep a product for good removes the tag in the admin
 * portal (the next apply of a model still in the config puts it back).
 */
public final class CatalogMarker {
    public static final String TAG = "[managed by maas-installer]";

    private CatalogMarker() { }

    /** The description with the tag at its end (once); a blank description becomes the tag alone. */
    public static String mark(String description) {
        String d = description == null ? "" : description.strip();
        if (d.endsWith(TAG)) {
            return d;
        }
        return d.isEmpty() ? TAG : d + " " + TAG;
    }

    /** Whether a live description carries the tag (blanks and line endings around it do not matter). */
    public static boolean isMarked(String description) {
        return description != null && description.strip().endsWith(TAG);
    }

    /** The description without the tag, as a user wrote it. */
    public static String unmark(String description) {
        if (!isMarked(description)) {
            return description;
        }
        String d = description.strip();
        return d.substring(0, d.length() - TAG.length()).strip();
    }
}
