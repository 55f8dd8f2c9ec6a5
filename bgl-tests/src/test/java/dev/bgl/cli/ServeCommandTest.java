package dev.bgl.cli;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;

import static org.junit.jupiter.api.Assertions.*;

/** {@code bgl serve} refuses bad settings with one line naming the option, before it loads anything heavy. */
class ServeCommandTest {
    record Run(int code, String out, String err) {
    }

    static Run bgl(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out), new PrintWriter(err));
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void badOptionsAreOneLineErrors() {
        String[][] cases = {
                {"--max-concurrent", "0", "--max-concurrent"},
                {"--max-queue", "-1", "--max-queue"},
                {"--port", "70000", "--port"},
                {"--effort-budgets", "1,2", "--effort-budgets"},
                {"--effort-budgets", "1,2,-3", "--effort-budgets"},
                {"--max-body-bytes", "10", "--max-body-bytes"},
                {"--db", "postgres://nowhere", "--db"},
                {"--db", "jdbc:mysql://nowhere/x", "--db"},
        };
        for (String[] c : cases) {
            Run r = bgl("serve", c[0], c[1]);
            assertEquals(1, r.code(), String.join(" ", c) + ": " + r.err());
            assertTrue(r.err().startsWith("bgl: ") && r.err().contains(c[2]), r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
        }
    }

    @Test
    void aPortInUseIsAnErrorNotACrash() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Run r = bgl("serve", "--db", "none", "--port", Integer.toString(taken.getLocalPort()));
            assertEquals(1, r.code(), r.err());
            assertTrue(r.err().contains("cannot listen on 127.0.0.1:" + taken.getLocalPort()), r.err());
        }
    }
}
