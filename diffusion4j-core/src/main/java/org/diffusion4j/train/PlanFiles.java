package org.diffusion4j.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.diffusion4j.DiffusionException;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.io.AtomicFiles;
import org.diffusion4j.io.FileFormatException;
import org.diffusion4j.io.UserFiles;

/**
 * The plan of a distillation or a fine-tuning (its options, a record) as a JSON file in its output directory,
 * written atomically, read with errors that name the file, and the check that a resume repeats the same plan.
 */
public final class PlanFiles {
    private PlanFiles() {}

    /** Writes {@code plan} to {@code file}, atomically. */
    public static void write(Object plan, Path file) {
        try {
            AtomicFiles.writeString(file, TrainingConfig.JSON.writeValueAsString(plan) + "\n");
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Reads a plan of {@code type} from {@code file}; {@code what} names it in errors ("distillation plan") and
     * {@code hint} says where such a file comes from.
     */
    public static <T> T read(Path file, Class<T> type, String what, String hint) {
        if (!Files.isRegularFile(file)) {
            throw new FileFormatException(file, "no such " + what + " (" + hint + ")");
        }
        try {
            return TrainingConfig.JSON.readValue(UserFiles.readText(file), type);
        } catch (JsonProcessingException e) {
            Throwable cause = e.getCause() instanceof DiffusionException ? e.getCause() : e;
            throw new FileFormatException(file, "invalid " + what + " (" + (cause instanceof DiffusionException
                    ? cause.getMessage() : e.getOriginalMessage()) + ")");
        }
    }

    /**
     * Checks {@code out} before a run of {@code plan}: with {@code resume}, its saved plan ({@code saved}, read by
     * {@code reader}) must equal {@code plan}; otherwise {@code out} must hold neither a plan nor a run.
     */
    public static <T> void checkOut(T plan, Path out, Path saved, java.util.function.Function<Path, T> reader, boolean resume,
            String what) {
        if (resume) {
            T before = reader.apply(saved);
            if (!before.equals(plan)) {
                throw new InvalidArgumentException("cannot resume: the options differ from " + saved + " ("
                        + String.join("; ", differences(before, plan)) + ")");
            }
        } else if (Files.exists(saved)) {
            throw new DiffusionException(out + " already holds a " + what + " (" + saved.getFileName() + "); resume "
                    + "it with --resume or choose another --out");
        } else if (Files.isRegularFile(out.resolve("config.json"))) {
            throw new DiffusionException(out + " already holds a run (config.json); choose another --out");
        }
    }

    /** The fields in which two plans differ, as "name: saved vs given". */
    private static List<String> differences(Object a, Object b) {
        List<String> out = new ArrayList<>();
        JsonNode x = TrainingConfig.JSON.valueToTree(a);
        JsonNode y = TrainingConfig.JSON.valueToTree(b);
        x.fieldNames().forEachRemaining(name -> {
            if (!x.get(name).equals(y.get(name))) {
                out.add(name + ": " + x.get(name) + " saved vs " + y.get(name) + " given");
            }
        });
        return out;
    }
}
