package dev.bgl.decode;

import dev.bgl.util.BglException;

import java.util.List;

/**
 * One generation: the prompt's token ids, limits, sampling, the processor chain, and the
 * model's thinking format (null: a model that does not think, all output is answer).
 *
 * @param stopStrings      the output ends before the first occurrence of any of these
 * @param stopAtEndOfGeneration end at EOS / end-of-turn tokens (the usual case)
 */
public record GenerateRequest(int[] prompt, int maxTokens, SamplerConfig sampler, List<String> stopStrings,
                              boolean stopAtEndOfGeneration, List<LogitsProcessor> processors, Cancellation cancellation,
                              ThinkingFormat thinking) {

    public GenerateRequest {
        if (prompt == null || prompt.length == 0) throw new BglException("empty prompt");
        if (maxTokens < 0) throw new BglException("max tokens must be >= 0, got " + maxTokens);
        stopStrings = List.copyOf(stopStrings);
        for (String s : stopStrings) if (s.isEmpty()) throw new BglException("empty stop string");
        processors = List.copyOf(processors);
        if (cancellation == null) cancellation = new Cancellation();
    }

    /** A generation with no thinking format: every token is answer. */
    public GenerateRequest(int[] prompt, int maxTokens, SamplerConfig sampler, List<String> stopStrings,
                           boolean stopAtEndOfGeneration, List<LogitsProcessor> processors, Cancellation cancellation) {
        this(prompt, maxTokens, sampler, stopStrings, stopAtEndOfGeneration, processors, cancellation, null);
    }

    public static GenerateRequest of(int[] prompt, int maxTokens, SamplerConfig sampler) {
        return new GenerateRequest(prompt, maxTokens, sampler, List.of(), true, List.of(), new Cancellation(), null);
    }

    public GenerateRequest withProcessors(List<LogitsProcessor> p) {
        return new GenerateRequest(prompt, maxTokens, sampler, stopStrings, stopAtEndOfGeneration, p, cancellation, thinking);
    }

    public GenerateRequest withStopStrings(List<String> s) {
        return new GenerateRequest(prompt, maxTokens, sampler, s, stopAtEndOfGeneration, processors, cancellation, thinking);
    }

    public GenerateRequest withCancellation(Cancellation c) {
        return new GenerateRequest(prompt, maxTokens, sampler, stopStrings, stopAtEndOfGeneration, processors, c, thinking);
    }

    public GenerateRequest withThinking(ThinkingFormat t) {
        return new GenerateRequest(prompt, maxTokens, sampler, stopStrings, stopAtEndOfGeneration, processors, cancellation, t);
    }
}
