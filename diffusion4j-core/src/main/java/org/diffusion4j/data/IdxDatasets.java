package org.diffusion4j.data;

import ai.djl.ndarray.types.Shape;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.diffusion4j.DiffusionException;
import org.diffusion4j.SpecOptions;
import org.diffusion4j.io.FileFormatException;
import org.diffusion4j.io.UserFiles;

/**
 * MNIST and Fashion-MNIST from a data directory. Each split is found under any of the names it commonly has
 * (the official {@code train-images-idx3-ubyte.gz}, a prefixed {@code fashion-train-images-idx3-ubyte.gz}, the
 * project's {@code mnist-10k-images-idx3-ubyte.gz}, gzipped or not). When a directory holds a
 * {@code SHA256SUMS} file, every file it lists is checked against it. Missing splits are downloaded from the public
 * mirrors, with SHA-256 verification, unless downloads are off; then the error names the files to place.
 */
public final class IdxDatasets {
    /** The two datasets. */
    public enum Kind {
        MNIST("mnist", List.of(URI.create("https://ossci-datasets.s3.amazonaws.com/mnist/"),
                URI.create("https://storage.googleapis.com/cvdf-datasets/mnist/")), "",
                Map.of("train-images-idx3-ubyte.gz", "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
                        "train-labels-idx1-ubyte.gz", "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
                        "t10k-images-idx3-ubyte.gz", "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
                        "t10k-labels-idx1-ubyte.gz", "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6")),
        FASHION("fashion", List.of(URI.create("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/")),
                "fashion-",
                Map.of("train-images-idx3-ubyte.gz", "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
                        "train-labels-idx1-ubyte.gz", "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
                        "t10k-images-idx3-ubyte.gz", "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
                        "t10k-labels-idx1-ubyte.gz", "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5"));

        private final String id;
        private final List<URI> mirrors;
        private final String prefix;
        private final Map<String, String> sha256;

        Kind(String id, List<URI> mirrors, String prefix, Map<String, String> sha256) {
            this.id = id;
            this.mirrors = mirrors;
            this.prefix = prefix;
            this.sha256 = sha256;
        }

        /** The name used on the command line. */
        public String id() {
            return id;
        }

        /** Parses {@code mnist} or {@code fashion}. */
        public static Kind parse(String name) {
            return SpecOptions.enumByName("dataset", name, Kind.class);
        }
    }

    /** Which part of a dataset. */
    public enum Split {
        TRAIN("train", "train"), TEST("t10k", "test");

        private final String official;
        private final String alias;

        Split(String official, String alias) {
            this.official = official;
            this.alias = alias;
        }
    }

    private final Path dir;
    private final boolean download;
    private final Downloader downloader;
    private final Map<Kind, List<URI>> mirrors;

    /** Reads from {@code dir}; downloads missing splits when {@code download} is true. */
    public IdxDatasets(Path dir, boolean download) {
        this(dir, download, new Downloader(), Map.of());
    }

    /** As above, with the mirrors of some datasets replaced (for tests and private mirrors). */
    public IdxDatasets(Path dir, boolean download, Downloader downloader, Map<Kind, List<URI>> mirrors) {
        this.dir = dir;
        this.download = download;
        this.downloader = downloader;
        this.mirrors = mirrors;
    }

    /** A loaded dataset, with notes on splits that could not be had (downloads that failed). */
    public record Loaded(ImageSet images, List<String> notes) {}

    /**
     * Every split of {@code kind} present (train first, then test), downloading the missing ones if allowed. At
     * least one split must be had; splits whose download fails are reported in the notes.
     */
    public Loaded load(Kind kind) {
        List<ImageSet> parts = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        for (Split split : Split.values()) {
            Path images = find(kind, split, "images-idx3-ubyte");
            Path labels = find(kind, split, "labels-idx1-ubyte");
            if ((images == null || labels == null) && download) {
                try {
                    images = fetch(kind, split, "images-idx3-ubyte");
                    labels = fetch(kind, split, "labels-idx1-ubyte");
                } catch (DiffusionException e) {
                    notes.add(e.getMessage());
                    images = null;
                }
            }
            if (images == null || labels == null) {
                missing.add(kind.prefix + split.official + "-{images-idx3,labels-idx1}-ubyte.gz");
                continue;
            }
            parts.add(read(kind, images, labels));
        }
        if (parts.isEmpty()) {
            throw new DiffusionException(kind.id + " not found in " + dir + ": place " + String.join(" and ", missing)
                    + " there (or the other usual names: train-/t10k-, " + kind.id + "-train-/" + kind.id
                    + "-test-)" + (download ? "; downloading failed: " + String.join("; ", notes)
                            : ", or allow downloads"));
        }
        if (!missing.isEmpty()) {
            notes.add(0, "using " + kind.id + " without " + String.join(", ", missing) + " (not in " + dir + ")");
        }
        return new Loaded(parts.size() == 1 ? parts.get(0) : concat(parts, kind), notes);
    }

    private Path find(Kind kind, Split split, String suffix) {
        List<String> names = new ArrayList<>();
        for (String stem : List.of(kind.prefix + split.official, kind.prefix + split.alias, kind.id + "-"
                + split.alias, kind.id + "-" + split.official)) {
            names.add(stem + "-" + suffix + ".gz");
            names.add(stem + "-" + suffix);
        }
        if (split == Split.TEST) {
            names.add(kind.id + "-10k-" + suffix + ".gz");
        }
        for (String name : names) {
            Path file = dir.resolve(name);
            if (Files.isRegularFile(file)) {
                verifyListed(file);
                return file;
            }
        }
        return null;
    }

    private Path fetch(Kind kind, Split split, String suffix) {
        String official = split.official + "-" + suffix + ".gz";
        Path target = dir.resolve(kind.prefix + official);
        List<URI> sources = new ArrayList<>();
        for (URI base : mirrors.getOrDefault(kind, kind.mirrors)) {
            sources.add(base.resolve(official));
        }
        downloader.download(sources, kind.sha256.get(official), target);
        return target;
    }

    private void verifyListed(Path file) {
        Path sums = dir.resolve("SHA256SUMS");
        if (!Files.isRegularFile(sums)) {
            return;
        }
        Map<String, String> listed = new HashMap<>();
        for (String line : UserFiles.readText(sums).lines().toList()) {
            String[] parts = line.trim().split("\\s+");
            if (parts.length == 2) {
                listed.put(parts[1].replaceFirst("^\\*", ""), parts[0].toLowerCase(Locale.ROOT));
            }
        }
        String expected = listed.get(file.getFileName().toString());
        if (expected != null && !expected.equals(Downloader.sha256(file))) {
            throw new FileFormatException(file, "SHA-256 does not match " + sums + " (expected " + expected + ")");
        }
    }

    private static ImageSet read(Kind kind, Path imageFile, Path labelFile) {
        Idx.Images images = Idx.images(imageFile);
        int[] labels = Idx.labels(labelFile);
        if (labels.length != images.count()) {
            throw new FileFormatException(labelFile, labels.length + " labels for " + images.count() + " images in "
                    + imageFile.getFileName());
        }
        float[] values = new float[images.pixels().length];
        for (int i = 0; i < values.length; i++) {
            values[i] = (images.pixels()[i] & 0xff) / 127.5f - 1;
        }
        return new ImageSet(values, labels, new Shape(1, images.rows(), images.columns()), 10,
                kind.id + ":" + imageFile.getFileName());
    }

    private static ImageSet concat(List<ImageSet> parts, Kind kind) {
        int total = parts.stream().mapToInt(ImageSet::size).sum();
        int per = parts.get(0).sampleSize();
        float[] values = new float[total * per];
        int[] labels = new int[total];
        int at = 0;
        for (ImageSet part : parts) {
            if (!part.sampleShape().equals(parts.get(0).sampleShape())) {
                throw new DiffusionException(kind.id + ": splits have different image sizes");
            }
            System.arraycopy(part.values(), 0, values, at * per, part.values().length);
            System.arraycopy(part.labels(), 0, labels, at, part.size());
            at += part.size();
        }
        return new ImageSet(values, labels, parts.get(0).sampleShape(), 10, kind.id);
    }
}
