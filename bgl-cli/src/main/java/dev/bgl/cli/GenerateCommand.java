package dev.bgl.cli;

import dev.bgl.chat.ChatMessage;
import dev.bgl.decode.GenerateRequest;
import dev.bgl.decode.GenerateResult;
import dev.bgl.decode.Generator;
import dev.bgl.decode.LoadedModel;
import dev.bgl.decode.SamplerConfig;
import dev.bgl.decode.Session;
import dev.bgl.model.ContextMemory;
import dev.bgl.util.BglException;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import sun.misc.Signal;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Generate a reply to a prompt, streaming it to stdout (thinking included).")
final class GenerateCommand implements Callable<Integer> {
    @Mixin ModelOptions model;
    @Mixin ReasoningEffortOption effort;
    @Option(names = {"-p", "--prompt"}, required = true, description = "The user's message (or raw text with --raw)") String prompt;
    @Option(names = "--system", description = "A system message") String system;
    @Option(names = "--raw", description = "Feed the prompt as it is, without the chat template") boolean raw;
    @Option(names = "--max-tokens", defaultValue = "1024", description = "Most tokens to generate (default ${DEFAULT-VALUE})") int maxTokens;
    @Option(names = "--temperature", defaultValue = "0.6", description = "0 = greedy (default ${DEFAULT-VALUE})") float temperature;
    @Option(names = "--top-k", defaultValue = "20") int topK;
    @Option(names = "--top-p", defaultValue = "0.95") float topP;
    @Option(names = "--min-p", defaultValue = "0") float minP;
    @Option(names = "--seed", defaultValue = "0") long seed;
    @Option(names = "--stop", description = "Stop before this text (repeatable)") List<String> stops;
    @Option(names = "--quiet", description = "No statistics on stderr") boolean quiet;

    @ArgGroup(exclusive = true)
    Thinking thinking;

    static final class Thinking {
        @Option(names = "--think", description = "Ask the template for thinking (enable_thinking=true)") boolean think;
        @Option(names = "--no-think", description = "Ask the template for no thinking (enable_thinking=false)") boolean noThink;
    }

    @Override
    public Integer call() {
        if (maxTokens < 0) throw new BglException("--max-tokens must be >= 0, got " + maxTokens);
        SamplerConfig sampler = new SamplerConfig(temperature, topK, topP, minP, seed);
        effort.validate();
        try (LoadedModel m = effort.apply(model.open(model.resolveModel()))) {
            Boolean enable = thinking == null ? null : thinking.think;
            String text;
            if (raw) {
                text = prompt;
            } else {
                List<ChatMessage> msgs = system == null ? List.of(ChatMessage.user(prompt))
                        : List.of(ChatMessage.system(system), ChatMessage.user(prompt));
                text = m.renderPrompt(msgs, enable);
            }
            int[] ids = m.encodePrompt(text);
            int ctx = model.contextFor(m.defaultContext());
            if (ids.length >= ctx) {
                int want = ids.length + maxTokens;
                throw new BglException("prompt too long: " + ids.length + " tokens, but the context is " + ctx + " (raise --context; a context of "
                        + want + " needs " + ContextMemory.perType(m.transformer().config(), want) + " of KV cache)");
            }
            ContextMemory.check(m.transformer().config(), ctx, m.kvType(), ContextMemory.freeHeap());
            Session session = m.newSession(ctx);
            var req = GenerateRequest.of(ids, Math.min(maxTokens, ctx - ids.length), sampler)
                    .withStopStrings(stops == null ? List.of() : stops);
            installInterrupt(req);
            PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
            // The generation prompt may already open the thinking block (DeepSeek-R1 style): show it
            if (!raw && text.endsWith(m.markers().open() + "\n")) out.print(m.markers().open() + "\n");
            GenerateResult r = new Generator(session, m.tokenizer()).generate(req, (id, piece, forced, phase) -> out.print(piece));
            out.println();
            out.flush();
            if (!quiet)
                System.err.printf("[%d prompt tokens at %.1f tok/s, %d generated at %.1f tok/s, stop: %s%s]%n",
                        r.promptTokens(), r.prefillTokensPerSecond(), r.tokens().length, r.decodeTokensPerSecond(),
                        r.stopReason().name().toLowerCase(), r.stopDetail().isEmpty() ? "" : " " + r.stopDetail());
        }
        return 0;
    }

    /** Ctrl-C stops the generation cleanly (the text so far and the statistics are still printed). */
    private static void installInterrupt(GenerateRequest req) {
        try {
            Signal.handle(new Signal("INT"), sig -> req.cancellation().cancel());
        } catch (IllegalArgumentException | UnsupportedOperationException ignored) {
            // no signal support here: Ctrl-C just ends the JVM
        }
    }
}
