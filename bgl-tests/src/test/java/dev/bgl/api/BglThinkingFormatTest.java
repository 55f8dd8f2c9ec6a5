package dev.bgl.api;

import dev.bgl.budget.Budget;
import dev.bgl.budget.Method;
import dev.bgl.chat.BracketThinkingModel;
import dev.bgl.chat.ChatMessage;
import dev.bgl.chat.ThinkingMarkers;
import dev.bgl.format.FormatException;
import dev.bgl.util.RepoFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** bgl embedded: BglOptions' thinking format, and a [THINK] model answering as the <think> one. */
class BglThinkingFormatTest {
    @TempDir
    static Path dir;

    static final String Q = "Add: 17+8+12+5";

    @Test
    void aBracketModelAnswersAsTheThinkModel() throws Exception {
        BglOptions o = BglOptions.DEFAULT.withoutPredictor();
        Path bracket = BracketThinkingModel.write(dir);
        try (BglModel think = Bgl.load(RepoFiles.shippedModel(), o);
             BglModel given = Bgl.load(bracket, o.withThinkingFormat(ThinkingMarkers.parse("mistral")))) {
            AskOptions hard = AskOptions.DEFAULT.withMethod(new Method.Hard());
            Answer a = think.ask(List.of(ChatMessage.user(Q)), Budget.tokens(8), hard);
            Answer b = given.ask(List.of(ChatMessage.user(Q)), Budget.tokens(8), hard);
            assertTrue(a.intervened() && a.thinkingClosed(), a.toString());
            assertEquals(a.thinking(), b.thinking());
            assertEquals(a.text(), b.text());
            assertEquals(a.thinkingTokens(), b.thinkingTokens());
            assertEquals(a.answerTokens(), b.answerTokens());
            assertFalse(b.thinking().contains("THINK]") || b.text().contains("THINK]"), "no marker in either part: " + b);
        }
    }

    @Test
    void aFormatTheVocabularyLacksIsRefusedNamingTheFile() {
        FormatException e = assertThrows(FormatException.class,
                () -> Bgl.load(RepoFiles.shippedModel(), BglOptions.DEFAULT.withoutPredictor().withThinkingFormat(ThinkingMarkers.BRACKET)));
        assertTrue(e.getMessage().contains("bgl-reasoner.gguf") && e.getMessage().contains("no token [/THINK]"), e.getMessage());
    }
}
