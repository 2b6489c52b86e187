package org.diffusion4j.grid;

import java.nio.file.Path;
import java.util.List;
import org.diffusion4j.UnknownNameException;

/** Grid rules by name, as the command line spells them. */
public final class GridSpecs {
    /** The known rule names. {@code uniform-lambda} is an alias of {@code exponential} (same levels). */
    public static final List<String> NAMES = List.of(
            "karras", "nested-karras", "exponential", "polyexponential", "vp", "uniform-t", "uniform-lambda", "quadratic", "respaced-uniform",
            "respaced-quadratic", "li", "list", "file:PATH");

    /** The prefix of a grid read from a file ({@link GridFile}). */
    public static final String FILE_PREFIX = "file:";

    private GridSpecs() {}

    /**
     * The rule called {@code name} over [σ_min, σ_max] (EDM levels); {@code rho} is used by karras, nested-karras and
     * polyexponential, {@code list} by list; the respaced rules take a discrete chain's
     * own timesteps and ignore the range; vp uses k-diffusion's β_d = 19.9, β_min = 0.1, ε_s = 1e-3; li is Li et al.'s
     * (2024) step-size schedule with c₀ = 2, c₁ = 4 (ignores the range); {@code file:PATH} reads the levels of a
     * grid file ({@link GridFile}, ignores the range).
     */
    public static GridSpec named(String name, double sigmaMin, double sigmaMax, double rho, double[] list) {
        if (name.startsWith(FILE_PREFIX)) {
            String path = name.substring(FILE_PREFIX.length());
            if (path.isBlank()) {
                throw new InvalidGridException("grid 'file:' needs a path, e.g. file:grid.json");
            }
            return new GridSpec.FromFile(path, GridFile.read(Path.of(path)));
        }
        switch (name) {
            case "karras":
                return new GridSpec.Karras(sigmaMin, sigmaMax, rho);
            case "nested-karras":
                return new GridSpec.NestedKarras(sigmaMin, sigmaMax, rho);
            case "exponential":
                return new GridSpec.Exponential(sigmaMin, sigmaMax);
            case "polyexponential":
                return new GridSpec.PolyExponential(sigmaMin, sigmaMax, rho);
            case "vp":
                return new GridSpec.Vp();
            case "uniform-t":
                return new GridSpec.UniformTime(sigmaMin, sigmaMax);
            case "uniform-lambda":
                return new GridSpec.UniformLogSnr(sigmaMin, sigmaMax);
            case "quadratic":
                return new GridSpec.Quadratic(sigmaMin, sigmaMax);
            case "respaced-uniform":
                return new GridSpec.Respaced(GridSpec.Respaced.Skip.UNIFORM);
            case "respaced-quadratic":
                return new GridSpec.Respaced(GridSpec.Respaced.Skip.QUADRATIC);
            case "li":
                return new GridSpec.LiSchedule();
            case "list":
                if (list == null || list.length == 0) {
                    throw new InvalidGridException("grid 'list' needs the noise levels (--sigmas 80,10,1,0.1)");
                }
                return new GridSpec.Explicit(list);
            default:
                throw new UnknownNameException("grid", name, NAMES);
        }
    }
}
