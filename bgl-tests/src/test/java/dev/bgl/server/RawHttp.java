package dev.bgl.server;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/** HTTP/1.1 by hand over a loopback socket: for requests no HTTP client would send (bad framing, stalls, odd versions). */
final class RawHttp {
    private RawHttp() {
    }

    /** What came back: status -1 when the server closed without answering. */
    record Answer(int status, String head, String body) {
        boolean json() {
            return head.toLowerCase(Locale.ROOT).contains("content-type: application/json");
        }

        JsonNode error() {
            try {
                return TestServer.JSON.readTree(body).get("error");
            } catch (IOException e) {
                return null;
            }
        }

        @Override
        public String toString() {
            return status + " " + (body.length() > 300 ? body.substring(0, 300) + "..." : body);
        }
    }

    static Socket open(int port) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        s.setSoTimeout(15_000);
        return s;
    }

    /** Sends bytes, half-closes when asked, and reads the answer until the server closes or the read times out. */
    static Answer exchange(int port, byte[] request, boolean halfClose, int readTimeoutMs) throws IOException {
        try (Socket s = open(port)) {
            s.setSoTimeout(readTimeoutMs);
            try {
                s.getOutputStream().write(request);
                s.getOutputStream().flush();
                if (halfClose) s.shutdownOutput();
            } catch (IOException e) {
                // the server may refuse (and close) before all was sent: its answer, if any, is still readable
            }
            return read(s);
        }
    }

    /** Reads one answer: the head, then a body of its Content-Length (or up to the close). */
    static Answer read(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int headEnd = -1;
        long contentLength = -1;
        try {
            byte[] b = new byte[8192];
            while (true) {
                int n;
                try {
                    n = in.read(b);
                } catch (java.net.SocketException e) {
                    break; // reset by the server after its answer
                }
                if (n < 0) break;
                buf.write(b, 0, n);
                byte[] all = buf.toByteArray();
                if (headEnd < 0) {
                    headEnd = indexOf(all, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    if (headEnd >= 0) contentLength = contentLength(new String(all, 0, headEnd, StandardCharsets.ISO_8859_1));
                }
                if (headEnd >= 0 && contentLength >= 0 && all.length - headEnd - 4 >= contentLength) break;
            }
        } catch (SocketTimeoutException e) {
            if (buf.size() == 0) throw e;
        }
        byte[] all = buf.toByteArray();
        if (all.length == 0) return new Answer(-1, "", "");
        int end = indexOf(all, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        String head = new String(all, 0, end < 0 ? all.length : end, StandardCharsets.ISO_8859_1);
        String body = end < 0 ? "" : new String(all, end + 4, all.length - end - 4, StandardCharsets.UTF_8);
        String[] first = head.split("\r\n", 2)[0].split(" ");
        int status = first.length > 1 && first[1].matches("\\d{3}") ? Integer.parseInt(first[1]) : -2;
        return new Answer(status, head, body);
    }

    private static long contentLength(String head) {
        for (String line : head.split("\r\n"))
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) return Long.parseLong(line.substring(15).strip());
        return -1;
    }

    private static int indexOf(byte[] a, byte[] sub) {
        outer:
        for (int i = 0; i + sub.length <= a.length; i++) {
            for (int j = 0; j < sub.length; j++) if (a[i + j] != sub[j]) continue outer;
            return i;
        }
        return -1;
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}
