package org.diffusion4j.nonlinear;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;

/**
 * The 1-D non-linear diffusion {@code dX = (−X − a·sin 2X) dt + √2 dB} (a = ½) from the two-gaussians-1d mixture,
 * with its score tabulated from a fine Fokker–Planck solve and the exact probability-flow map as quantiles
 * ({@code src/test/python/fokker_planck_reference.py}). The score between table nodes is Catmull–Rom in x and t.
 */
final class FokkerPlanckFixture implements ForwardSde, ScoreField {
    final double[] xStart;
    final double[] xEnd;
    final double startTime = 2.0;
    final double endTime = 0.05;
    private final double a;
    private final double g2;
    private final double x0;
    private final double dx;
    private final double t0;
    private final double dt;
    private final int nx;
    private final int nt;
    private final double[] table;

    FokkerPlanckFixture(NDManager manager) {
        Map<String, NDArray> f = new HashMap<>();
        try (InputStream in = FokkerPlanckFixture.class.getResourceAsStream("fokker-planck-1d.npz")) {
            for (NDArray array : NDList.decode(manager, in)) {
                f.put(array.getName(), array);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        double[] x = f.get("x").toDoubleArray();
        double[] t = f.get("t").toDoubleArray();
        nx = x.length;
        nt = t.length;
        x0 = x[0];
        dx = (x[nx - 1] - x[0]) / (nx - 1);
        t0 = t[0];
        dt = (t[nt - 1] - t[0]) / (nt - 1);
        table = f.get("score").toType(ai.djl.ndarray.types.DataType.FLOAT64, false).toDoubleArray();
        xStart = f.get("x_start").toDoubleArray();
        xEnd = f.get("x_end").toDoubleArray();
        a = f.get("drift_a").getDouble();
        g2 = f.get("g2").getDouble();
    }

    @Override
    public NDArray drift(NDArray x, double t) {
        return x.neg().sub(x.mul(2).sin().mul(a));
    }

    /** f′(x) = −1 − 2a·cos 2x. */
    double driftDerivative(double x) {
        return -1 - 2 * a * Math.cos(2 * x);
    }

    @Override
    public double diffusion(double t) {
        return Math.sqrt(g2);
    }

    @Override
    public NDArray score(NDArray x, double t) {
        double[] in = x.toDoubleArray();
        double[] out = new double[in.length];
        for (int i = 0; i < in.length; i++) {
            out[i] = score(in[i], t);
        }
        return x.getManager().create(out, x.getShape());
    }

    double score(double x, double t) {
        double ut = (t - t0) / dt;
        int it = Math.min(Math.max((int) Math.floor(ut), 1), nt - 3);
        double wt = ut - it;
        double ux = (x - x0) / dx;
        int ix = Math.min(Math.max((int) Math.floor(ux), 1), nx - 3);
        double wx = ux - ix;
        double[] rows = new double[4];
        for (int k = 0; k < 4; k++) {
            int base = (it - 1 + k) * nx + ix - 1;
            rows[k] = catmullRom(table[base], table[base + 1], table[base + 2], table[base + 3], wx);
        }
        return catmullRom(rows[0], rows[1], rows[2], rows[3], wt);
    }

    private static double catmullRom(double p0, double p1, double p2, double p3, double w) {
        return p1 + 0.5 * w * (p2 - p0 + w * (2 * p0 - 5 * p1 + 4 * p2 - p3 + w * (3 * (p1 - p2) + p3 - p0)));
    }
}
