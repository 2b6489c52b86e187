package org.diffusion4j.backend;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.diffusion4j.DiffusionException;

/**
 * TorchScript modules (PyTorch networks saved with {@code torch.jit.save} after {@code torch.jit.trace} or
 * {@code torch.jit.script}) in this engine, through DJL's model API. A loaded module:
 *
 * <ul>
 *   <li>lives as long as the manager it was loaded for (closing the manager frees it);</li>
 *   <li>is in inference mode ({@code module.eval()}, which DJL's loader sets): a module saved in training mode runs
 *       with its dropout off ({@code TorchScriptNetworkTest} checks it);</li>
 *   <li>takes its arguments positionally ({@link #forward}): array i of the list is argument i of
 *       {@code forward}, and its outputs live in the manager of the first argument (so per-step scopes hold).</li>
 * </ul>
 */
public final class TorchScriptModules {
    private TorchScriptModules() {}

    /**
     * The module saved in {@code file}, on the device of {@code manager} and closed with it; a file that this
     * engine cannot load is a {@link DiffusionException} naming it and the engine's reason.
     */
    public static Block load(Path file, NDManager manager) {
        if (!Files.isRegularFile(file)) {
            throw new DiffusionException(file + ": no such TorchScript file");
        }
        Path absolute = file.toAbsolutePath();
        Model model = Model.newInstance(absolute.getFileName().toString(), manager.getDevice(), Backend.ENGINE);
        try {
            model.load(absolute.getParent(), absolute.getFileName().toString(), Map.of());
        } catch (IOException | MalformedModelException | EngineException e) {
            model.close();
            throw new DiffusionException(file + ": not a TorchScript module this engine (PyTorch "
                    + Engine.getEngine(Backend.ENGINE).getVersion() + ") can load: " + gist(e.getMessage()), e);
        }
        manager.attachInternal(NDManager.nextUid(), model);
        return model.getBlock();
    }

    /** The module's {@code forward} on {@code arguments}, in order, with the training flag off. */
    public static NDList forward(Block module, NDList arguments) {
        return module.forward(new ParameterStore(arguments.head().getManager(), false), arguments, false);
    }

    /**
     * The gist of an engine error: the line that names the error ({@code RuntimeError: mat1 and mat2 shapes cannot
     * be multiplied (1x19 and 18x32)}) where libtorch prints a TorchScript traceback before it, otherwise the first
     * line (libtorch appends its C++ stack to some messages).
     */
    public static String gist(String message) {
        if (message == null || message.isBlank()) {
            return "(no message)";
        }
        String[] lines = message.strip().split("\\R");
        for (int i = lines.length - 1; i >= 0; i--) {
            if (lines[i].matches("^[A-Za-z_.]*(Error|Exception): .*")) {
                return lines[i].strip();
            }
        }
        return lines[0].strip();
    }
}
