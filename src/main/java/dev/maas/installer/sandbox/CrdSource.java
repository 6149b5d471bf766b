package dev.maas.installer.sandbox;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Where the sandbox cluster reads its CustomResourceDefinitions from: a classpath prefix with an {@code index.txt}
 * listing the YAML files to read, one per line. The app bundles the real projects' CRDs under {@link #BUNDLED}
 * (each folder's PROVENANCE.md names the repository, commit and git blob of every file).
 */
public abstract class CrdSource {
    /** The classpath prefix of the CRDs bundled with the app. */
    public static final String BUNDLED = "dev/maas/installer/sandbox/crds";

    /** One CRD document: where it came from and its YAML text. */
    public record Document(String origin, String yaml) { }

    public abstract List<Document> load();

    public abstract String describe();

    /** The CRDs bundled with the app. */
    public static CrdSource defaultSource() {
        return classpath(BUNDLED);
    }

    public static CrdSource classpath(String prefix) {
        String base = prefix.endsWith("/") ? prefix : prefix + "/";
        return new CrdSource() {
            @Override
            public List<Document> load() {
                ClassLoader loader = CrdSource.class.getClassLoader();
                String index = read(loader, base + "index.txt");
                List<Document> docs = new ArrayList<>();
                for (String line : index.split("\\R")) {
                    String name = line.trim();
                    if (!name.isEmpty() && !name.startsWith("#")) {
                        docs.add(new Document("classpath:" + base + name, read(loader, base + name)));
                    }
                }
                return docs;
            }

            @Override
            public String describe() {
                return "classpath:" + base;
            }
        };
    }

    static String read(ClassLoader loader, String resource) {
        try (InputStream in = loader.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + resource);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
