package dev.maas.installer.sandbox.threescale;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;

/** A small multipart/form-data parser for the simulator (CMS file uploads). */
final class Multipart {
    private Multipart() {
    }

    static void parse(byte[] body, String contentType, Map<String, String> fields,
                      Map<String, SimStore.Upload> uploads) {
        String boundary = null;
        for (String part : contentType.split(";")) {
            String p = part.trim();
            if (p.startsWith("boundary=")) {
                boundary = p.substring("boundary=".length()).replace("\"", "");
            }
        }
        if (boundary == null) {
            return;
        }
        byte[] delimiter = ("--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        int pos = indexOf(body, delimiter, 0);
        while (pos >= 0) {
            int start = pos + delimiter.length;
            if (start + 1 < body.length && body[start] == '-' && body[start + 1] == '-') {
                return;
            }
            start += 2; // CRLF
            int next = indexOf(body, delimiter, start);
            if (next < 0) {
                return;
            }
            int headerEnd = indexOf(body, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), start);
            if (headerEnd < 0 || headerEnd > next) {
                return;
            }
            String headers = new String(body, start, headerEnd - start, StandardCharsets.UTF_8);
            byte[] content = Arrays.copyOfRange(body, headerEnd + 4, Math.max(headerEnd + 4, next - 2));
            String name = attr(headers, "name");
            String filename = attr(headers, "filename");
            String type = "application/octet-stream";
            for (String line : headers.split("\r\n")) {
                if (line.toLowerCase().startsWith("content-type:")) {
                    type = line.substring("content-type:".length()).trim();
                }
            }
            if (name != null) {
                if (filename != null) {
                    uploads.put(name, new SimStore.Upload(filename, type, content));
                } else {
                    fields.put(name, new String(content, StandardCharsets.UTF_8));
                }
            }
            pos = next;
        }
    }

    private static String attr(String headers, String key) {
        String marker = " " + key + "=\"";
        int i = headers.indexOf(marker);
        if (i < 0) {
            marker = ";" + key + "=\"";
            i = headers.indexOf(marker);
            if (i < 0) {
                return null;
            }
        }
        int s = i + marker.length();
        int e = headers.indexOf('"', s);
        return e < 0 ? null : headers.substring(s, e);
    }

    private static int indexOf(byte[] data, byte[] pattern, int from) {
        outer:
        for (int i = Math.max(0, from); i <= data.length - pattern.length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (data[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
