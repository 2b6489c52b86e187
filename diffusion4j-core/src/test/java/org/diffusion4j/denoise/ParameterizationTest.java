package org.diffusion4j.denoise;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.process.DiscreteSchedule;
import org.diffusion4j.process.GvpSchedule;
import org.diffusion4j.process.LinearInterpolantSchedule;
import org.diffusion4j.process.NoiseSchedule;
import org.diffusion4j.process.VeSchedule;
import org.diffusion4j.process.VpCosineSchedule;
import org.diffusion4j.process.VpLinearSchedule;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ParameterizationTest {
    private static NDManager manager;

    @BeforeAll
    static void open() {
        manager = Backend.newManager();
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    static List<NoiseSchedule> schedules() {
        return List.of(new VeSchedule(), new VpLinearSchedule(), new VpCosineSchedule(),
                new LinearInterpolantSchedule(), new GvpSchedule(), DiscreteSchedule.linear(1e-4, 0.02, 1000));
    }

    private static double maxAbs(NDArray a, NDArray b) {
        return a.sub(b).abs().max().getDouble();
    }

    /** Every prediction, built from (x_0, ε) by its definition, converts to every other exactly. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("schedules")
    void conversionsAreExact(NoiseSchedule schedule) {
        try (NDManager m = manager.newSubManager()) {
            NDArray x0 = m.randomNormal(0, 1, new Shape(8, 3), DataType.FLOAT64);
            NDArray eps = m.randomNormal(0, 1, new Shape(8, 3), DataType.FLOAT64);
            double span = Double.isInfinite(schedule.maxTime()) ? 40 : schedule.maxTime();
            for (double fraction : new double[] {0.05, 0.4, 0.85}) {
                double t = schedule.minTime() + fraction * (span - schedule.minTime());
                double a = schedule.alpha(t);
                double s = schedule.sigma(t);
                double da = schedule.alphaDerivative(t);
                double ds = schedule.sigmaDerivative(t);
                NDArray x = x0.mul(a).add(eps.mul(s));
                ProcessCoefficients c = ProcessCoefficients.at(schedule, t, x);
                NDArray[] truth = {
                    eps, x0, eps.mul(a).sub(x0.mul(s)), x0.mul(da).add(eps.mul(ds)), eps.div(-s),
                };
                Parameterization[] kinds = {Parameterization.EPSILON, Parameterization.DATA, Parameterization.V,
                    Parameterization.VELOCITY, Parameterization.SCORE};
                for (int i = 0; i < kinds.length; i++) {
                    double fromData = maxAbs(kinds[i].fromData(x0, x, c), truth[i]);
                    double toData = maxAbs(kinds[i].toData(truth[i], x, c), x0);
                    assertTrue(fromData < 1e-12 * scale(truth[i]), kinds[i] + " from x0 at t=" + t + ": " + fromData);
                    assertTrue(toData < 1e-12 * Math.max(1, 1 / Math.min(a, 1)), kinds[i] + " to x0 at t=" + t + ": "
                            + toData);
                    for (int j = 0; j < kinds.length; j++) {
                        double round = maxAbs(kinds[j].convert(kinds[i].convert(truth[i], x, c, kinds[j]), x, c,
                                kinds[i]), truth[i]);
                        assertTrue(round < 1e-12 * scale(truth[i]) / Math.min(a, 1), kinds[i] + " → " + kinds[j]
                                + " → back at t=" + t + ": " + round);
                    }
                }
            }
        }
    }

    private static double scale(NDArray a) {
        return Math.max(1, a.abs().max().getDouble());
    }

    /** Every data estimate keeps the gradient to the network output (x_0-prediction once returned a detached copy). */
    @org.junit.jupiter.api.Test
    void everyDataEstimateStaysInTheGradientGraph() {
        for (Parameterization p : Parameterization.values()) {
            try (NDManager m = manager.newSubManager()) {
                NDArray output = m.randomNormal(new Shape(4, 2));
                output.setRequiresGradient(true);
                NDArray x = m.randomNormal(new Shape(4, 2));
                ProcessCoefficients c = ProcessCoefficients.at(new VpCosineSchedule(), 0.5, x);
                try (ai.djl.training.GradientCollector collector =
                        ai.djl.engine.Engine.getInstance().newGradientCollector()) {
                    collector.backward(p.toData(output, x, c).sum());
                }
                assertTrue(output.getGradient().abs().sum().getFloat() > 0, p + ": no gradient reached the output");
            }
        }
    }
}
