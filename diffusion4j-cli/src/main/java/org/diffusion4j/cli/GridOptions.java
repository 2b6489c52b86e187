package org.diffusion4j.cli;

import java.util.List;
import org.diffusion4j.grid.Grid;
import org.diffusion4j.grid.GridSpec;
import org.diffusion4j.grid.GridSpecs;
import org.diffusion4j.process.NoiseSchedule;
import picocli.CommandLine.Option;

/** The options that place a sampling grid, shared by the commands that sample. */
final class GridOptions {
    @Option(names = "--grid", paramLabel = "NAME", defaultValue = "karras",
            description = "Where the noise levels go: karras, exponential, polyexponential, vp, uniform-t, "
                    + "uniform-lambda, quadratic or list (default: ${DEFAULT-VALUE}).")
    String grid;

    @Option(names = "--sigma-min", paramLabel = "σ", defaultValue = "0.002",
            description = "Smallest positive noise level, EDM view σ/α (default: ${DEFAULT-VALUE}).")
    double sigmaMin;

    @Option(names = "--sigma-max", paramLabel = "σ", defaultValue = "80",
            description = "Largest noise level, where sampling starts (default: ${DEFAULT-VALUE}).")
    double sigmaMax;

    @Option(names = "--rho", paramLabel = "ρ", defaultValue = "7",
            description = "Karras/polyexponential ρ (default: ${DEFAULT-VALUE}).")
    double rho;

    @Option(names = "--sigmas", paramLabel = "σ,…", split = ",",
            description = "The noise levels of --grid list, decreasing, e.g. 80,20,5,1,0.2,0.02.")
    List<Double> sigmas;

    @Option(names = "--final-zero", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "End the grid with σ = 0, as k-diffusion does (default: ${DEFAULT-VALUE}; "
                    + "--no-final-zero stops at σ_min).")
    boolean finalZero;

    GridSpec spec() {
        double[] list = sigmas == null ? null : sigmas.stream().mapToDouble(Double::doubleValue).toArray();
        return GridSpecs.named(grid, sigmaMin, sigmaMax, rho, list);
    }

    Grid build(int steps, NoiseSchedule schedule) {
        return spec().build(steps, schedule, finalZero);
    }
}
