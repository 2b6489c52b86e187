package org.diffusion4j.cli;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.generate.Generator;
import org.diffusion4j.restore.RestorationTask;
import org.diffusion4j.train.ModelSource;
import org.diffusion4j.train.RunDirectory;
import org.diffusion4j.train.TrainedModel;
import org.diffusion4j.train.TrainingConfig;

/**
 * Turns {@code --run}/{@code --model} and {@code --task} into a restorer: a restoration run (a bridge, conditional or
 * regression model) restores its own task, which {@code --task} may repeat but not change; any other model of a
 * Gaussian process is an unconditional prior for zero-shot posterior sampling (DPS, DDRM) of {@code --task}.
 */
final class Restorers {
    private Restorers() {}

    /**
     * A restorer and what it came from.
     *
     * @param name the run or model, for messages
     * @param config the model's training config
     * @param task the task it restores
     * @param generator the restorer
     */
    record Resolved(String name, TrainingConfig config, RestorationTask task, Generator generator) {}

    /** Checks {@code --task} against the run's before anything loads; the task, or null for a zero-shot model. */
    static RestorationTask check(Path run, String model, String taskSpec) {
        RestorationTask asked = taskSpec == null ? null : RestorationTask.byName(taskSpec);
        if (run != null) {
            RestorationTask trained = TrainingConfig.read(new RunDirectory(run).config()).restorationTask();
            if (trained != null && asked != null && !trained.equals(asked)) {
                throw new InvalidArgumentException(run + " was trained for task " + trained.spec() + "; --task "
                        + taskSpec + " (" + asked.spec() + ") is another");
            }
            if (trained != null) {
                return trained;
            }
        }
        if (asked == null) {
            throw new InvalidArgumentException((run != null ? run.toString() : model) + " is not a restoration model; "
                    + "give --task to restore with it as a zero-shot prior (samplers dps, ddrm)");
        }
        return asked;
    }

    static Resolved resolve(Path run, String model, String taskSpec, NDManager manager) {
        RestorationTask task = check(run, model, taskSpec);
        TrainedModel trained = run != null ? TrainedModel.load(run, manager)
                : new ModelSource(model, null, null).trained(manager);
        String name = run != null ? run.toString() : model;
        Generator generator = trained.config().restorationTask() != null ? trained.generator()
                : trained.zeroShot(task);
        return new Resolved(name, trained.config(), task, generator);
    }
}
