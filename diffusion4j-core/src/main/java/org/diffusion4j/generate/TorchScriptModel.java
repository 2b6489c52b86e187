package org.diffusion4j.generate;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import org.diffusion4j.denoise.NetworkDenoiser;
import org.diffusion4j.nn.TorchScriptNetwork;

/**
 * A PyTorch denoiser brought in as TorchScript: the module {@code FILE.pt} (traced or scripted, called as
 * {@link TorchScriptNetwork} describes) and its sidecar {@code FILE.json} ({@link TorchScriptSidecar}), which maps it
 * onto the existing {@link org.diffusion4j.denoise.Preconditioning}, so every sampler runs on it.
 *
 * @param sidecar what the module computes
 * @param network the loaded module
 */
public record TorchScriptModel(TorchScriptSidecar sidecar, TorchScriptNetwork network) {

    /**
     * The module in {@code file} with the sidecar next to it, loaded for {@code manager} (and freed when it closes),
     * checked on probe batches.
     */
    public static TorchScriptModel load(Path file, NDManager manager) {
        TorchScriptSidecar sidecar = TorchScriptSidecar.read(TorchScriptSidecar.pathFor(file));
        TorchScriptNetwork network = TorchScriptNetwork.load(file, manager, sidecar.sampleShape(), sidecar.dataType(),
                sidecar.classes(), sidecar.nullClass());
        return new TorchScriptModel(sidecar, network);
    }

    /** The model as a {@link Generator} over every sampler its process takes, with the sidecar's defaults. */
    public GaussianGenerator generator() {
        return Generators.network(network, sidecar.preconditioning(), sidecar.sampleShape(), sidecar.defaultGrid(),
                sidecar.sampler());
    }

    /** The unconditional denoiser in the process's own coordinates (the null class of a conditional module). */
    public NetworkDenoiser denoiser() {
        return NetworkDenoiser.unconditional(network, sidecar.preconditioning());
    }

    /** The denoiser of sample i of class {@code classes[i]}, classifier-free guidance scale {@code guidance}. */
    public NetworkDenoiser denoiser(int[] classes, double guidance) {
        return NetworkDenoiser.conditional(network, sidecar.preconditioning(), classes, guidance);
    }
}
