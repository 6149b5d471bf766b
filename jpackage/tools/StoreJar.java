import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * Packaging helper, run as a single-file program ({@code java StoreJar.java app.jar}): rewrites the jar in place with
 * every entry stored (no deflate), in the same order, with the same names, times and extra fields. The package
 * format compresses the whole payload at once (the .deb's xz); classes compressed one by one beforehand leave it
 * nothing to find, stored ones let it compress across them (docs/packaging.md, "Size"). The JVM reads stored entries
 * without inflating them.
 */
public final class StoreJar {
    public static void main(String[] args) throws IOException {
        for (String arg : args) {
            Path jar = Path.of(arg);
            Path tmp = Files.createTempFile(jar.getParent(), "store", ".jar");
            try (ZipFile in = new ZipFile(jar.toFile());
                 OutputStream raw = Files.newOutputStream(tmp);
                 ZipOutputStream out = new ZipOutputStream(raw)) {
                out.setMethod(ZipOutputStream.STORED);
                var entries = in.entries();
                while (entries.hasMoreElements()) {
                    ZipEntry e = entries.nextElement();
                    byte[] data;
                    try (InputStream s = in.getInputStream(e)) {
                        data = s.readAllBytes();
                    }
                    ZipEntry copy = new ZipEntry(e.getName());
                    copy.setMethod(ZipEntry.STORED);
                    copy.setTime(e.getTime());
                    if (e.getExtra() != null) {
                        copy.setExtra(e.getExtra());
                    }
                    copy.setSize(data.length);
                    copy.setCompressedSize(data.length);
                    CRC32 crc = new CRC32();
                    crc.update(data);
                    copy.setCrc(crc.getValue());
                    out.putNextEntry(copy);
                    out.write(data);
                    out.closeEntry();
                }
            }
            Files.move(tmp, jar, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
