package dev.bgl.chat.jinja;

/**
 * The budgets that bound one render (loop iterations, macro depth, evaluation nesting, the
 * wall-clock deadline), so that a hostile or runaway template ends with a clear
 * {@link TemplateException} instead of hanging the server or overflowing its stack. The deadline is
 * read every 1024 steps: reading the clock on each would cost more than the step.
 */
final class RenderBudget {
    private final TemplateLimits limits;
    private final long deadline;
    private final int maxDepth;
    private long loopIterations;
    private int macroDepth;
    private int depth;
    private int ticks;

    RenderBudget(TemplateLimits limits) {
        this.limits = limits;
        this.deadline = System.nanoTime() + limits.timeout().toNanos();
        this.maxDepth = limits.maxNesting() * 10;
    }

    /** One level deeper into the tree (a statement or expression); {@link #leave} when done. */
    void enter() {
        if (++depth > maxDepth) {
            depth--;
            throw TemplateException.limit("template is nested too deeply to evaluate (more than " + maxDepth + " levels)");
        }
        if ((++ticks & 1023) == 0) checkDeadline();
    }

    void leave() {
        depth--;
    }

    /** One macro call deeper; {@link #leaveMacro} when it returns. */
    void enterMacro() {
        if (++macroDepth > limits.maxMacroDepth()) {
            macroDepth--;
            throw TemplateException.limit("macro calls nested deeper than " + limits.maxMacroDepth());
        }
        tick();
    }

    void leaveMacro() {
        macroDepth--;
    }

    /** One step of work. */
    void tick() {
        if ((++ticks & 1023) == 0) checkDeadline();
    }

    /** One loop iteration. */
    void loopTick() {
        if (++loopIterations > limits.maxLoopIterations()) {
            throw TemplateException.limit("loops ran more than " + limits.maxLoopIterations() + " iterations");
        }
        tick();
    }

    /** Lets built-ins doing long work (sorting, building big strings) charge it to the loop budget. */
    void charge(long iterations) {
        loopIterations += iterations;
        if (loopIterations > limits.maxLoopIterations()) {
            throw TemplateException.limit("loops ran more than " + limits.maxLoopIterations() + " iterations");
        }
        checkDeadline();
    }

    private void checkDeadline() {
        if (System.nanoTime() > deadline) {
            throw TemplateException.limit("rendering took longer than " + limits.timeout().toMillis() + " ms");
        }
    }
}
