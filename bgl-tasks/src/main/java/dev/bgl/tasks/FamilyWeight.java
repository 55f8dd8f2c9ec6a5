package dev.bgl.tasks;

import dev.bgl.util.BglException;

/** One task family of a curriculum and how often it is drawn relative to the others. */
public record FamilyWeight(TaskFamily family, double weight) {
    public FamilyWeight {
        if (family == null) throw new BglException("curriculum: family is missing");
        if (!(weight > 0) || Double.isInfinite(weight))
            throw new BglException("curriculum: weight of " + family.name() + " must be > 0, got " + weight);
    }
}
