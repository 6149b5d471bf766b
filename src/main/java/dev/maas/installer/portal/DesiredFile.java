package dev.maas.installer.portal;

import java.util.Arrays;
import java.util.Objects;

/**
 * A CMS file (image, font, favicon...) as the content folder wants it; uploaded as multipart {@code attachment}.
 *
 * @param file        the source file, relative to the content folder, '/'-separated
 * @param path        the file's URL path in the portal, e.g. {@code /images/logo.svg}
 * @param sectionPath partial path of the section it goes in
 * @param contentType media type guessed from the extension (informational; 3scale detects its own)
 * @param sha256      SHA-256 (hex) of the bytes
 */
public record DesiredFile(String file, String path, String sectionPath, String contentType, String sha256,
        byte[] bytes) {
    public DesiredFile {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(sectionPath, "sectionPath");
        Objects.requireNonNull(contentType, "contentType");
        Objects.requireNonNull(sha256, "sha256");
        bytes = bytes.clone();
    }

    /** A copy of the content. */
    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    public int size() {
        return bytes.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DesiredFile f && file.equals(f.file) && path.equals(f.path)
                && sectionPath.equals(f.sectionPath) && contentType.equals(f.contentType) && sha256.equals(f.sha256)
                && Arrays.equals(bytes, f.bytes);
    }

    @Override
    public int hashCode() {
        return Objects.hash(file, path, sectionPath, sha256);
    }

    @Override
    public String toString() {
        return "file " + path + " (" + file + ", " + bytes.length + " bytes, sha256 " + sha256 + ")";
    }
}
