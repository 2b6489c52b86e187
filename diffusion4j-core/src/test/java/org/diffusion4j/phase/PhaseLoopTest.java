package org.diffusion4j.phase;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.denoise.MixtureSpec;
import org.diffusion4j.sample.GaussianNoise;
import org.diffusion4j.sample.NonFiniteSampleException;
import org.junit.jupiter.api.Test;

/** Phase-space integrators run in the shared step loop: NaN checks with the step and times, and the callback. */
class PhaseLoopTest {
    private static final Psld PSLD = Psld.criticallyDamped(0.02, 8);

    @Test
    void aScoreThatBreaksStopsEveryIntegratorWithTheStepAndTimes() {
        PhaseScore exact = new PsldMixtureScore(MixtureSpec.bundled("eight-gaussians"), PSLD);
        PhaseScore broken = (z, t) -> t < 0.5 ? exact.score(z, t).mul(Double.NaN) : exact.score(z, t);
        double[] times = PhaseSampler.quadraticTimes(10, 1e-3);
        for (String spec : PhaseSamplers.names()) {
            PhaseSampler sampler = PhaseSamplers.create(spec);
            try (NDManager m = Backend.newManager()) {
                NDArray z = m.randomNormal(new Shape(8, 4), DataType.FLOAT64);
                NonFiniteSampleException e = assertThrows(NonFiniteSampleException.class,
                        () -> sampler.sample(PSLD, broken, z, times, GaussianNoise.consecutive(3, 8)), spec);
                assertTrue(e.getMessage().startsWith("sampler " + sampler.name() + " produced NaN values at step "),
                        e.getMessage());
                int step = Integer.parseInt(e.getMessage().split("at step ")[1].split(" ")[0]);
                assertTrue(e.getMessage().contains(" of 10 (t "), e.getMessage());
                assertTrue(times[step - 1] >= 0.5 - 1e-12 || times[step - 2] >= 0.5, "broke after t < 0.5: "
                        + e.getMessage());
            }
        }
    }

    @Test
    void theCallbackSeesEachStepOnceAtItsStartTime() {
        PhaseScore exact = new PsldMixtureScore(MixtureSpec.bundled("eight-gaussians"), PSLD);
        double[] times = PhaseSampler.quadraticTimes(6, 1e-3);
        PhaseSampler twoCalls = PhaseSamplers.create("noba");
        assertEquals(2, twoCalls.evaluationsPerStep());
        try (NDManager m = Backend.newManager()) {
            NDArray z = m.randomNormal(new Shape(4, 4), DataType.FLOAT64);
            List<double[]> seen = new ArrayList<>();
            twoCalls.sample(PSLD, exact, z, times, GaussianNoise.consecutive(1, 4),
                    info -> seen.add(new double[] {info.step(), info.steps(), info.level()}));
            assertEquals(6, seen.size());
            for (int i = 0; i < 6; i++) {
                assertEquals(i, seen.get(i)[0]);
                assertEquals(6, seen.get(i)[1]);
                assertEquals(times[i], seen.get(i)[2], 0);
            }
        }
    }
}
