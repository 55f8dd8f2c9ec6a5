package dev.bgl.decode;

import dev.bgl.tokenizer.Tokenizer;

/**
 * Runs one sequence on its own session: prefill, then {@link DecodeLoop} steps, each token fed
 * back to the session. (Many sequences at once: {@link Scheduler}.)
 */
public final class Generator {
    private final Session session;
    private final Tokenizer tokenizer;

    public Generator(Session session, Tokenizer tokenizer) {
        this.session = session;
        this.tokenizer = tokenizer;
    }

    public GenerateResult generate(GenerateRequest req, TokenListener listener) {
        DecodeLoop loop = new DecodeLoop(req, listener, tokenizer, session.model().config().vocabSize(), session.contextSize())
                .withProbe(session.probe());
        boolean hidden = loop.wantsHidden();
        session.feed(req.prompt(), 0, req.prompt().length, hidden);
        loop.started(session.length(), session.hidden());
        for (int token; (token = loop.step(session.logits(), session.hidden(), session.length())) >= 0; )
            session.feed(token, hidden);
        return loop.result();
    }
}
