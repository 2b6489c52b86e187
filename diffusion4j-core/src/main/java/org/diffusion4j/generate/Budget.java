package org.diffusion4j.generate;

import java.util.function.IntToLongFunction;
import org.diffusion4j.InvalidArgumentException;

/**
 * How much a generation may spend: a number of sampler steps, or of model calls per sample (NFE). The one place where
 * an NFE budget becomes steps: the most steps whose run costs at most the budget, as the sampler counts its calls.
 *
 * @param nfe true for a budget in model calls, false for one in steps
 * @param value the number, at least 1
 */
public record Budget(boolean nfe, int value) {

    public Budget {
        if (value < 1) {
            throw new InvalidArgumentException((nfe ? "an NFE budget" : "a step count") + " must be at least 1, got "
                    + value);
        }
    }

    /** {@code n} sampler steps. */
    public static Budget steps(int n) {
        return new Budget(false, n);
    }

    /** At most {@code n} model calls per sample. */
    public static Budget nfe(int n) {
        return new Budget(true, n);
    }

    /**
     * The steps to take, given the calls a run of n steps makes; an NFE budget below one step's calls still gets
     * one step.
     */
    public int steps(IntToLongFunction callsOfRun) {
        if (!nfe) {
            return value;
        }
        int steps = 1;
        while (callsOfRun.applyAsLong(steps + 1) <= value) {
            steps++;
        }
        return steps;
    }

    @Override
    public String toString() {
        return value + (nfe ? " NFE" : " steps");
    }
}
