package dev.bgl.client;

import dev.bgl.eval.EvalProblem;
import dev.bgl.eval.EvalTasks;
import dev.bgl.server.FeedbackService;
import dev.bgl.server.feedback.FeedbackStores;
import dev.bgl.server.feedback.PolicyConfig;
import dev.bgl.server.feedback.SqlFeedbackStore;
import dev.bgl.server.feedback.TaskTypes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class UserSimulatorTest {
    @TempDir
    Path dir;

    /**
     * A stand-in model: a question needs a known number of thinking tokens; under a smaller budget it
     * thinks up to the budget and answers wrong, otherwise it thinks what it needs and answers right.
     * With no budget asked for it takes the store's suggestion, as the server does.
     */
    static final class FakeModel implements Asker {
        final FeedbackService store;
        final Map<String, Integer> needs;
        final List<String> questions = new ArrayList<>();
        final List<Integer> budgetsAsked = new ArrayList<>();
        int next;

        FakeModel(FeedbackService store, Map<String, Integer> needs) {
            this.store = store;
            this.needs = needs;
        }

        @Override
        public Answer ask(String question, Integer budgetTokens, String user) {
            questions.add(question);
            budgetsAsked.add(budgetTokens);
            int budget = budgetTokens != null ? budgetTokens : store.suggest(user, question).budgetTokens();
            int need = needs.get(question);
            boolean right = budget >= need;
            int thinking = Math.min(need, budget);
            String id = "fake-" + next++;
            store.recordRequest(new FeedbackService.RequestRecord(id, user, TaskTypes.hash(question), store.taskType(question),
                    "guided", budget, null, thinking, 4, thinking / 40.0, true, null, next));
            return new Answer(id, right ? "Answer: 7" : "Answer: 0", true, thinking, 4, thinking / 40.0, budget);
        }

        @Override
        public boolean rate(String requestId, String user, int stars, List<String> tags) {
            return store.recordRating(new FeedbackService.Rating(requestId, user, stars, tags, "", next));
        }
    }

    static UserSimulator simulator(int fixed) {
        List<EvalProblem> sums = List.of(new EvalProblem("a", "Add: 1+6", "7", "exact", Map.of()),
                new EvalProblem("b", "Add: 2+5", "7", "exact", Map.of()));
        List<EvalProblem> counts = List.of(new EvalProblem("c", "Count the vowels in \"aeiouaa\"", "7", "exact", Map.of()));
        return new UserSimulator(Map.of("sum", sums, "count", counts), EvalTasks.TRACE_FORMAT, fixed, 0.8, 0.3);
    }

    static final Map<String, Integer> NEEDS = Map.of("Add: 1+6", 30, "Add: 2+5", 60, "Count the vowels in \"aeiouaa\"", 100);

    @Test
    void bothPhasesPlayTheSameScheduleAndOnlyTheFixedOneSendsABudget() {
        try (SqlFeedbackStore store = FeedbackStores.open(dir.resolve("s.db").toString())) {
            FakeModel m = new FakeModel(store, NEEDS);
            var r = simulator(64).run(m, 6, 40, 3);
            assertEquals(80, m.questions.size());
            assertEquals(m.questions.subList(0, 40), m.questions.subList(40, 80));
            assertTrue(m.budgetsAsked.subList(0, 40).stream().allMatch(b -> b == null), "adaptive phase lets the server choose");
            assertTrue(m.budgetsAsked.subList(40, 80).stream().allMatch(b -> b == 64));
            assertEquals(40, r.adaptive().requests());
            assertEquals(80, store.summary().ratings(), "every answer was rated into the store");
            int perPref = 0;
            for (double[] v : r.fixed().perPreference().values()) perPref += (int) v[0];
            assertEquals(40, perPref);
        }
    }

    /** Against a fixed budget too small for most questions, the policy learns from the ratings to give more. */
    @Test
    void adaptivePolicyBeatsABadFixedBudget() {
        try (SqlFeedbackStore store = FeedbackStores.open(dir.resolve("b.db").toString(), PolicyConfig.DEFAULT.withSeed(5))) {
            var r = simulator(16).run(new FakeModel(store, NEEDS), 6, 150, 5);
            assertTrue(r.fixed().accuracy() == 0, "a 16-token budget answers none of these");
            assertTrue(r.adaptive().accuracy() > 0.6, "adaptive accuracy " + r.adaptive().accuracy());
            assertTrue(r.starGain() > 0.3, "star gain " + r.starGain());
        }
    }

    @Test
    void preferencesRankAnswersAsTheirNamesSay() {
        // speed: a right answer after 20 tokens beats one after 200
        assertTrue(Preference.SPEED.utility(true, 20, 4) > Preference.SPEED.utility(true, 200, 4));
        // correct: a right slow answer beats a wrong fast one by far
        assertTrue(Preference.CORRECT.utility(true, 300, 4) - Preference.CORRECT.utility(false, 10, 4) > 0.7);
        // depth: long thinking is worth more than short, both right
        assertTrue(Preference.DEPTH.utility(true, 150, 4) > Preference.DEPTH.utility(true, 30, 4));
        assertEquals(List.of("wrong", "too_slow"), Preference.SPEED.tags(false, 200, 4, 1));
        assertEquals(List.of("too_short"), Preference.DEPTH.tags(true, 10, 4, 3));
        assertEquals(List.of("good"), Preference.CORRECT.tags(true, 40, 4, 5));
        for (Preference p : Preference.values())
            for (boolean c : new boolean[]{false, true})
                for (int t : new int[]{0, 50, 500}) {
                    double u = p.utility(c, t, 5);
                    assertTrue(u >= 0 && u <= 1, p + " utility " + u);
                }
    }

    @Test
    void usersCoverEveryPreferenceAndFamily() {
        var users = UserSimulator.synthetic(2, 1, 128).users(12, 1);
        assertEquals(3, users.stream().map(SimUser::preference).distinct().count());
        assertEquals(4, users.stream().map(SimUser::family).distinct().count());
        assertEquals(12, users.stream().map(SimUser::id).distinct().count());
    }
}
