package dev.bgl.tasks;

import dev.bgl.util.BglException;

/** One way of thinking through a problem: the text between {@code <think>\n} and {@code \n</think>}. */
public record Solution(Style style, String thinking) {
    public Solution {
        if (style == null) throw new BglException("solution: style is missing");
        if (thinking == null || thinking.isBlank()) throw new BglException("solution: thinking is empty");
    }
}
