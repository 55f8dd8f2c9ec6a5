package dev.bgl.api;

import org.junit.jupiter.api.Test;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The README's "Use bgl from Java" example compiles against bgl as it is and, run from the repository
 * root, prints the right answers: a newcomer who copies it gets a working program.
 */
class ReadmeJavaExampleTest {
    static final Pattern JAVA_BLOCK = Pattern.compile("## Use bgl from Java\\n.*?```java\\n(.*?)```", Pattern.DOTALL);

    @Test
    void theExampleCompilesAndAnswers() throws Exception {
        Path root = BglModelTest.root();
        Matcher m = JAVA_BLOCK.matcher(Files.readString(root.resolve("README.md")));
        assertTrue(m.find(), "README.md has a java block under '## Use bgl from Java'");
        String source = m.group(1);
        Matcher name = Pattern.compile("public class (\\w+)").matcher(source);
        assertTrue(name.find(), "the example is a public class");
        Path dir = Files.createTempDirectory("bgl-readme-example");
        Path file = dir.resolve(name.group(1) + ".java");
        Files.writeString(file, source);

        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        // surefire runs tests from a manifest-only jar; its property holds the real class path
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        int rc = javac.run(null, diagnostics, diagnostics, "-classpath", cp, "-d", dir.toString(), file.toString());
        assertEquals(0, rc, "the README's example does not compile:\n" + diagnostics);

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream saved = System.out;
        try (URLClassLoader loader = new URLClassLoader(new URL[]{dir.toUri().toURL()}, getClass().getClassLoader())) {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            assertEquals(root, Path.of("").toAbsolutePath(), "run from the repository root, as the example's model path assumes");
            loader.loadClass(name.group(1)).getMethod("main", String[].class).invoke(null, (Object) new String[0]);
        } finally {
            System.setOut(saved);
        }
        String printed = out.toString(StandardCharsets.UTF_8);
        assertTrue(Pattern.compile("(?m)^Answer: 42 after \\d+ thinking tokens, budget kept: true$").matcher(printed).find(), printed);
        assertTrue(printed.contains("Answer: 282\n"), "the streamed thinking, then the answer: " + printed);
        Matcher third = Pattern.compile("(?s)Answer: 5 \\(thought: (.+)\\)\\s*$").matcher(printed);
        assertTrue(third.find() && third.group(1).contains("="), "LangChain4j's answer and its thinking: " + printed);
    }
}
