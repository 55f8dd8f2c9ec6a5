package dev.bgl.tasks;

import dev.bgl.util.BglException;

import java.util.List;

/**
 * A generated problem with a verifiable answer and its traces, one per {@link Style} in enum order.
 * Every trace ends with the answer, so the answer can only be copied from the end of the thinking.
 */
public record Problem(String family, int difficulty, String question, String answer, List<Solution> solutions) {
    public Problem {
        if (question == null || question.isBlank()) throw new BglException("problem of " + family + ": question is empty");
        if (answer == null || answer.isBlank()) throw new BglException("problem '" + question + "': answer is empty");
        solutions = List.copyOf(solutions);
        if (solutions.size() != Style.values().length)
            throw new BglException("problem '" + question + "': " + solutions.size() + " solutions, expected one per style");
        for (int i = 0; i < solutions.size(); i++)
            if (solutions.get(i).style() != Style.values()[i])
                throw new BglException("problem '" + question + "': solution " + i + " is " + solutions.get(i).style());
    }

    public Solution solution(Style style) {
        return solutions.get(style.ordinal());
    }
}
