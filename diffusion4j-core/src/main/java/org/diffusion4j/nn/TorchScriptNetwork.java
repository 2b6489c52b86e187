package org.diffusion4j.nn;

import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.diffusion4j.DiffusionException;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.ShapeMismatchException;
import org.diffusion4j.backend.TorchScriptModules;

/**
 * A TorchScript module (a traced or scripted PyTorch network) as a {@link NetworkFunction}. The calling convention
 * is fixed: {@code forward(x, noise_label)} for an unconditional module, {@code forward(x, noise_label, class_labels)}
 * for a class-conditional one, with
 *
 * <ul>
 *   <li>{@code x}: shape (B, *sampleShape), in the module's floating type;</li>
 *   <li>{@code noise_label}: shape (B), the same floating type, one label per sample;</li>
 *   <li>{@code class_labels}: shape (B), int64, label {@code classes} meaning "no class" where the module has a null
 *       class;</li>
 * </ul>
 *
 * returning one tensor shaped like {@code x}, in the same type. Loading calls the module on probe batches of 1 and 3
 * samples, so a module that does not fit (another input shape, a batch size baked into a trace, another output
 * shape or type, a missing or extra argument) is refused at once with a message that names the mismatch; every
 * later call checks its output's shape and type too.
 */
public final class TorchScriptNetwork implements NetworkFunction {
    private static final int[] PROBE_BATCHES = {1, 3};
    private static final String[] ARGUMENTS = {"x", "noise_label", "class_labels"};

    private final Path file;
    private final Block module;
    private final Shape sampleShape;
    private final DataType type;
    private final int classes;
    private final boolean nullClass;

    private TorchScriptNetwork(Path file, Block module, Shape sampleShape, DataType type, int classes,
            boolean nullClass) {
        this.file = file;
        this.module = module;
        this.sampleShape = sampleShape;
        this.type = type;
        this.classes = classes;
        this.nullClass = nullClass;
    }

    /**
     * The module in {@code file}, loaded for {@code manager} (and closed with it), then probed.
     *
     * @param sampleShape the shape of one sample, which the module takes and returns with a batch axis in front
     * @param type float32 or float64: the type of x, of the noise label and of the output
     * @param classes number of classes (0: the module takes no class labels)
     * @param nullClass whether label {@code classes} means "no class"
     */
    public static TorchScriptNetwork load(Path file, NDManager manager, Shape sampleShape, DataType type, int classes,
            boolean nullClass) {
        if (type != DataType.FLOAT32 && type != DataType.FLOAT64) {
            throw new InvalidArgumentException(file + ": a TorchScript denoiser computes in float32 or float64, not "
                    + type);
        }
        if (classes < 0 || nullClass && classes == 0) {
            throw new InvalidArgumentException(file + ": " + classes + " classes" + (nullClass ? " with a null class"
                    : ""));
        }
        TorchScriptNetwork network = new TorchScriptNetwork(file, TorchScriptModules.load(file, manager),
                sampleShape, type, classes, nullClass);
        for (int batch : PROBE_BATCHES) {
            network.probe(manager, batch);
        }
        return network;
    }

    /** The file the module came from. */
    public Path file() {
        return file;
    }

    /** The shape of one sample. */
    public Shape sampleShape() {
        return sampleShape;
    }

    @Override
    public int classes() {
        return classes;
    }

    @Override
    public boolean hasNullClass() {
        return nullClass;
    }

    @Override
    public DataType dataType() {
        return type;
    }

    @Override
    public NDArray apply(NDArray x, NDArray noiseLabel, NDArray classLabels) {
        if (classes > 0 && classLabels == null) {
            throw new InvalidArgumentException(file + ": the module is class-conditional; it needs a class per sample");
        }
        NDList arguments = new NDList(x.toType(type, false), noiseLabel.toType(type, false));
        if (classes > 0) {
            arguments.add(classLabels.toType(DataType.INT64, false));
        }
        NDList outputs;
        try {
            outputs = TorchScriptModules.forward(module, arguments);
        } catch (EngineException e) {
            throw new DiffusionException(file + ": the module failed on forward(" + describe(arguments) + "): "
                    + TorchScriptModules.gist(e.getMessage()), e);
        }
        return check(outputs, arguments);
    }

    private void probe(NDManager parent, int batch) {
        try (NDManager manager = parent.newSubManager()) {
            NDArray x = manager.zeros(new Shape(batch).addAll(sampleShape), type);
            NDArray label = manager.ones(new Shape(batch), type);
            NDArray labels = classes > 0 ? manager.zeros(new Shape(batch), DataType.INT64) : null;
            NDList arguments = new NDList(x, label);
            if (labels != null) {
                arguments.add(labels);
            }
            NDList outputs;
            try {
                outputs = TorchScriptModules.forward(module, arguments);
            } catch (EngineException e) {
                throw new DiffusionException(file + ": the module fails on a probe batch, forward("
                        + describe(arguments) + "), whose shapes and types come from the sample shape, dtype and "
                        + "classes given for it (sidecar fields sample_shape, dtype, classes): "
                        + TorchScriptModules.gist(e.getMessage()), e);
            }
            check(outputs, arguments);
        }
    }

    /** The one output, of the input's shape and type; anything else is an error naming what was returned. */
    private NDArray check(NDList outputs, NDList arguments) {
        NDArray x = arguments.get(0);
        if (outputs.size() != 1) {
            throw new DiffusionException(file + ": the module returns " + outputs.size() + " tensors ("
                    + types(outputs) + ") for forward(" + describe(arguments) + "); a denoiser returns one tensor "
                    + "shaped like x");
        }
        NDArray out = outputs.get(0);
        if (!out.getShape().equals(x.getShape())) {
            throw new ShapeMismatchException(file + ": output shape " + out.getShape() + " does not match input shape "
                    + x.getShape() + " for forward(" + describe(arguments) + "); a denoiser returns one value per "
                    + "input value (sample_shape " + sampleShape + ")");
        }
        if (out.getDataType() != type) {
            throw new DiffusionException(file + ": the module returns " + name(out.getDataType()) + " for "
                    + name(type) + " inputs; the dtype given for it (sidecar field dtype) must be the type it computes "
                    + "and returns in");
        }
        return out;
    }

    /** The arguments as {@code x: float32 (3, 2), noise_label: float32 (3)}. */
    private static String describe(NDList arrays) {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < arrays.size(); i++) {
            NDArray a = arrays.get(i);
            parts.add(i < ARGUMENTS.length ? ARGUMENTS[i] + ": " + name(a.getDataType()) + " " + a.getShape()
                    : name(a.getDataType()) + " " + a.getShape());
        }
        return String.join(", ", parts);
    }

    /** The arrays as {@code float32 (3, 2), float32 (3)}. */
    private static String types(NDList arrays) {
        List<String> parts = new ArrayList<>();
        for (NDArray a : arrays) {
            parts.add(name(a.getDataType()) + " " + a.getShape());
        }
        return String.join(", ", parts);
    }

    private static String name(DataType type) {
        return type.name().toLowerCase(Locale.ROOT);
    }
}
