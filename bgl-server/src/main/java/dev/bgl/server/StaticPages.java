package dev.bgl.server;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.regex.Pattern;

/** The web page: files under the classpath folder {@code /web/}, served at the root. */
final class StaticPages {
    static final Map<String, String> TYPES = Map.of(
            "html", "text/html; charset=utf-8", "js", "text/javascript; charset=utf-8", "css", "text/css; charset=utf-8",
            "svg", "image/svg+xml", "png", "image/png", "ico", "image/x-icon", "json", "application/json; charset=utf-8");
    /** Plain file names only: no folders, no "..", so nothing outside /web/ can be named. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,100}\\.([a-z]{2,4})");
    static final String MISSING_PAGE = "<!doctype html><meta charset=utf-8><title>bgl</title>"
            + "<p>The bgl web page is missing from this build (no /web/index.html on the classpath). The API is at /v1/.</p>\n";

    /** A file to send: its bytes and content type. */
    record Page(byte[] body, String contentType) {
    }

    /** The file for a request path ("/" is index.html), or null when there is none. */
    static Page find(String path) {
        String name = path.equals("/") || path.isEmpty() ? "index.html" : path.substring(1);
        var m = NAME.matcher(name);
        if (!m.matches() || name.contains("..")) return null;
        String type = TYPES.get(m.group(1));
        if (type == null) return null;
        try (InputStream in = StaticPages.class.getResourceAsStream("/web/" + name)) {
            return in == null ? null : new Page(in.readAllBytes(), type);
        } catch (IOException e) {
            return null;
        }
    }
}
