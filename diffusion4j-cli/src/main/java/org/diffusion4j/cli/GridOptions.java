package org.diffusion4j.cli;

import java.util.List;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.grid.GridSpec;
import org.diffusion4j.grid.GridSpecs;
import picocli.CommandLine.Option;

/**
 * The options that place a Gaussian sampling grid, shared by the commands that sample. Left out, the model's own
 * grid applies (Karras 0.002 … 80, ρ = 7 for every preset and mixture).
 */
final class GridOptions {
    @Option(names = "--grid", paramLabel = "NAME", completionCandidates = GridNames.class,
            description = "Where the noise levels go: ${COMPLETION-CANDIDATES} (default: the model's, karras). "
                    + "file:PATH reads a grid file (d4j tune-grid writes them), which fixes the step count.")
    String grid;

    @Option(names = "--sigma-min", paramLabel = "σ",
            description = "Smallest positive noise level, EDM view σ/α (default: 0.002).")
    Double sigmaMin;

    @Option(names = "--sigma-max", paramLabel = "σ",
            description = "Largest noise level, where sampling starts (default: 80).")
    Double sigmaMax;

    @Option(names = "--rho", paramLabel = "ρ", description = "Karras/polyexponential ρ (default: 7).")
    Double rho;

    @Option(names = "--sigmas", paramLabel = "σ,…", split = ",",
            description = "The noise levels of --grid list, decreasing, e.g. 80,20,5,1,0.2,0.02.")
    List<Double> sigmas;

    @Option(names = "--final-zero", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "End the grid with σ = 0, as k-diffusion does (default: ${DEFAULT-VALUE}; "
                    + "--no-final-zero stops at σ_min).")
    boolean finalZero;

    /** The grid file of {@code --grid file:PATH}, or null for any other grid. */
    GridSpec.FromFile file() {
        return spec() instanceof GridSpec.FromFile f ? f : null;
    }

    /**
     * Notes on standard error when a grid file was tuned for another sampler than {@code sampler}: its levels still
     * apply, but what they were tuned for does not carry over.
     */
    void noteIfTunedForAnother(String sampler, String command) {
        GridSpec.FromFile file = file();
        if (file != null && sampler != null && !file.file().sampler().equals(sampler)) {
            System.err.println("d4j " + command + ": note: grid file " + file.source() + " was tuned for "
                    + file.file().sampler() + " at " + file.file().nfe() + " NFE; here it serves " + sampler);
        }
    }

    /** The grid the options place, or null when none is given (the model's own grid). */
    GridSpec spec() {
        if (grid == null && sigmaMin == null && sigmaMax == null && rho == null && sigmas == null) {
            return null;
        }
        return specOrDefault();
    }

    /** The grid the options place, Karras 0.002 … 80 with ρ = 7 where they say nothing. */
    GridSpec specOrDefault() {
        if (grid != null && grid.startsWith(GridSpecs.FILE_PREFIX) && (sigmaMin != null || sigmaMax != null
                || rho != null || sigmas != null)) {
            throw new InvalidArgumentException("--grid " + grid + " takes its levels from the file; drop "
                    + (sigmaMin != null ? "--sigma-min" : sigmaMax != null ? "--sigma-max" : rho != null ? "--rho"
                    : "--sigmas"));
        }
        double[] list = sigmas == null ? null : sigmas.stream().mapToDouble(Double::doubleValue).toArray();
        return GridSpecs.named(grid == null ? "karras" : grid, sigmaMin == null ? 0.002 : sigmaMin,
                sigmaMax == null ? 80 : sigmaMax, rho == null ? 7 : rho, list);
    }
}
