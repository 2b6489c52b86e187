package org.diffusion4j.train;

import java.nio.file.Path;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.ShapeMismatchException;
import org.diffusion4j.data.IdxDatasets;
import org.diffusion4j.data.ImageFolder;
import org.diffusion4j.data.ImageSet;
import org.diffusion4j.data.SpokenDigits;
import org.diffusion4j.data.Toy2d;
import org.diffusion4j.denoise.MixtureSpec;

/** Loads the data a {@link TrainingConfig} names. */
public final class TrainingData {

    private TrainingData() {}

    /**
     * The training set of {@code config}: MNIST and Fashion-MNIST from {@code dataDir} (downloaded there when
     * missing and {@code download} is true), folders and mixture specs from their paths, toys generated from the
     * run's seed, the spoken digits' training speakers from {@code dataDir/spoken-digits} as the config's audio
     * feature. Notes about missing parts go to {@code notes}.
     */
    public static ImageSet load(TrainingConfig config, Path dataDir, boolean download,
            java.util.function.Consumer<String> notes) {
        TrainingConfig.Data data = config.data();
        long seed = config.optimization().seed();
        ImageSet set = switch (data.source()) {
            case "mnist", "fashion" -> {
                IdxDatasets.Loaded loaded = new IdxDatasets(dataDir, download)
                        .load(IdxDatasets.Kind.parse(data.source()));
                loaded.notes().forEach(notes);
                yield loaded.images();
            }
            case "folder" -> ImageFolder.load(Path.of(data.path()), data.channels(), data.resolution());
            case "toy" -> Toy2d.generate(data.path(), positive(data.size()), seed);
            case "gmm" -> Toy2d.mixture(MixtureSpec.BUNDLED.contains(data.path())
                    ? MixtureSpec.bundled(data.path()) : MixtureSpec.read(Path.of(data.path())),
                    positive(data.size()), seed, "gmm:" + data.path());
            case "spoken-digits" -> SpokenDigits.features(dataDir.resolve("spoken-digits"), "train",
                    data.audioFeature());
            default -> throw new IllegalStateException(data.source());
        };
        java.util.List<Integer> shape = java.util.Arrays.stream(set.sampleShape().getShape()).mapToInt(l -> (int) l)
                .boxed().toList();
        if (!shape.equals(data.sampleShape())) {
            throw new ShapeMismatchException(set.name() + " has samples of shape " + shape + " but the config says "
                    + data.sampleShape());
        }
        if (config.network().classes() > 0 && set.classes() != config.network().classes()) {
            throw new ShapeMismatchException(set.name() + " has " + set.classes() + " classes but the network is "
                    + "conditioned on " + config.network().classes());
        }
        if (data.size() > 0 && data.size() < set.size() && (data.source().equals("mnist")
                || data.source().equals("fashion") || data.source().equals("folder"))) {
            set = set.slice(0, data.size());
        }
        return set;
    }

    private static int positive(int size) {
        if (size < 1) {
            throw new InvalidArgumentException("toy and mixture data need a positive size, got " + size);
        }
        return size;
    }
}
