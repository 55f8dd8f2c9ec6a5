package dev.bgl.format;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Counts the bytes written through it, so that a writer knows its offsets and catches a tensor
 * producer that wrote the wrong size instead of shifting every later tensor. Closing it leaves the
 * stream below open: its owner closes that.
 */
class CountingOutputStream extends OutputStream {
    private final OutputStream out;
    long count;

    CountingOutputStream(OutputStream out) {
        this.out = out;
    }

    @Override
    public void write(int b) throws IOException {
        out.write(b);
        count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
        count += len;
    }
}
