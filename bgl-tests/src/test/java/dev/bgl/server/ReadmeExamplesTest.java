package dev.bgl.server;

import dev.bgl.util.RepoFiles;
import dev.bgl.budget.BudgetOutcome;
import dev.bgl.budget.BudgetRequest;
import dev.bgl.budget.BudgetRunner;
import dev.bgl.budget.Method;
import dev.bgl.budget.predictor.BudgetPredictor;
import dev.bgl.budget.GuidanceOptions;
import dev.bgl.budget.predictor.PredictorWeights;
import dev.bgl.decode.LoadedModel;
import dev.bgl.decode.TokenListener;
import dev.bgl.tasks.TraceFormat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Every question the README and the web page offer a newcomer is answered right by the embedded model:
 * with full thinking, under the README's curl budget as `bgl serve` keeps it (guided with its ceiling), and
 * under the budget the page's "Let bgl choose" starts from (the medium effort). A new example without an
 * answer in {@link #GOLD} fails here, so none goes untested.
 */
class ReadmeExamplesTest {
    /** The curriculum's question shapes, as they appear in the README and the page. */
    static final Pattern QUESTION = Pattern.compile(
            "Add: [0-9+]+[0-9]|Multiply: \\d+\\*\\d+|Solve for x: [0-9x*+()=-]+|Count the vowels in (?:\"|&quot;)[a-z]+(?:\"|&quot;)");
    static final Map<String, String> GOLD = Map.of(
            "Add: 17+8+12+5", "42",
            "Multiply: 47*6", "282",
            "Multiply: 4821*7", "33747",
            "Solve for x: 3*x+5=20", "5",
            "Count the vowels in \"gazebo\"", "3");

    static LoadedModel model;
    static BudgetRunner runner;

    @BeforeAll
    static void load() {
        model = LoadedModel.open(RepoFiles.shippedModel());
        Path predictor = RepoFiles.shippedPredictor();
        // the settings `bgl serve` runs with: the file's recorded guidance and a ceiling of grace 0
        runner = new BudgetRunner(model, BudgetPredictor.load(predictor, model, 0),
                GuidanceOptions.recommended(predictor).withCeiling(0));
    }

    @AfterAll
    static void close() {
        model.close();
    }

    static Set<String> examples() throws IOException {
        Path root = TestServer.repoRoot();
        Set<String> found = new LinkedHashSet<>();
        for (Path f : new Path[]{root.resolve("README.md"), root.resolve("bgl-server/src/main/resources/web/index.html"),
                root.resolve("bgl-cli/src/main/java/dev/bgl/cli/DemoCommand.java")}) {
            Matcher m = QUESTION.matcher(Files.readString(f));
            while (m.find()) found.add(m.group().replace("&quot;", "\""));
        }
        return found;
    }

    static void assertRight(String q, Method method, int budget) {
        BudgetOutcome o = runner.run(BudgetRequest.of(q, method, budget, 400), TokenListener.NONE);
        String text = "</think>" + o.answer();
        assertEquals(GOLD.get(q), TraceFormat.extractAnswer(text).orElse(null),
                q + " (" + method.name() + (method.usesBudget() ? " at " + budget : "") + "): " + o.answer());
        assertFalse(o.answerOverrun(), q + ": the answer is an answer, not more reasoning: " + o.answer());
        if (method.usesBudget()) assertTrue(o.withinBudget(), q + ": " + o.thinkingTokens() + " thinking tokens of " + budget);
    }

    @Test
    void everyExampleIsAnsweredRight() throws IOException {
        Set<String> examples = examples();
        assertTrue(examples.size() >= 5, "the README, the page and the demo offer examples: " + examples);
        for (String q : examples) {
            assertTrue(GOLD.containsKey(q), "a new example needs its answer here: " + q);
            assertRight(q, new Method.None(), 0);
            assertRight(q, new Method.Guided(), ServerConfig.local("bgl-reasoner").defaultBudget()); // "Let bgl choose" without ratings
        }
    }

    @Test
    void theReadmeCurlExampleIsAnsweredRightUnderItsBudget() throws IOException {
        String readme = Files.readString(TestServer.repoRoot().resolve("README.md"));
        Matcher m = Pattern.compile("\"content\":\"([^\"]+)\"}],\\s*\"thinking_budget\":(\\d+)").matcher(readme);
        assertTrue(m.find(), "the README's curl example");
        assertRight(m.group(1), new Method.Guided(), Integer.parseInt(m.group(2)));
    }
}
