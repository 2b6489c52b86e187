package org.diffusion4j.cli;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.data.IdxDatasets;
import org.diffusion4j.data.ImageSet;
import org.diffusion4j.eval.Classifier;
import org.diffusion4j.eval.RestorationEvaluation;
import org.diffusion4j.generate.Budget;
import org.diffusion4j.generate.GenerationRequest;
import org.diffusion4j.generate.Generator;
import org.diffusion4j.io.AtomicFiles;
import org.diffusion4j.io.OutputPaths;
import org.diffusion4j.restore.RestorationTask;
import org.diffusion4j.train.Presets;
import org.diffusion4j.train.TrainingConfig;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code d4j eval-restore}: restore a task's held-out test set with a trained restorer and measure it. */
@Command(name = "eval-restore", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Restore held-out test images of a task and measure the restorations.",
            "The restorer: a restoration run of the task, or any model of noise as a zero-shot prior (DPS, DDRM). "
                    + "The test set: the images after the ones the model trained on (its data.size; image 9000 on "
                    + "for a model trained on all of them, with a note), each observed with noise from (--seed, its "
                    + "index). Measures: MSE and PSNR to the clean images; the Fréchet distance, "
                    + "in the bundled classifier's feature space, to as many training images (beside its floor: the "
                    + "clean test images' distance to them) and to the clean test images themselves; consistency "
                    + "‖A(x̂) − y‖ (RMS per value), and variability "
                    + "(per-pixel standard deviation over K restorations of each of the first inputs)."})
final class EvalRestoreCommand implements Callable<Integer> {

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    static final class Source {
        @Option(names = "--run", paramLabel = "RUN", description = "A trained run: a restoration model (a bridge, "
                + "conditional or regression model), or a model of noise as a zero-shot prior (with --task).")
        Path run;

        @Option(names = "--model", paramLabel = "MODEL",
                description = "A shipped model as a zero-shot prior (bundled:mnist-edm; with --task).")
        String model;
    }

    @Option(names = "--task", paramLabel = "TASK",
            description = "The task a zero-shot prior restores: sr4, inpaint, denoise, deblur or a spec; a restoration "
                    + "run's own task by default.")
    String taskSpec;

    @Option(names = "--sampler", paramLabel = "SPEC",
            description = "Sampler spec (default: the run's preview sampler; ddrm for a zero-shot prior): "
                    + "bridge-sde[:noise=S] or bridge-ode for a bridge, any sampler of its process for a conditional "
                    + "model, regression for a regressor, dps[:zeta=Z] or ddrm[:eta=E,eta_b=B] for a zero-shot prior.")
    String sampler;

    @Option(names = "--nfe", required = true, paramLabel = "N",
            description = "Model calls per restoration: the most steps whose calls fit in N.")
    int nfe;

    @Option(names = "--n", defaultValue = "1000", paramLabel = "N",
            description = "Test inputs to restore (default: ${DEFAULT-VALUE}).")
    int n;

    @Option(names = "--variability", defaultValue = "100", paramLabel = "M",
            description = "Inputs restored K more times for the variability; 0 skips it (default: ${DEFAULT-VALUE}).")
    int variabilityInputs;

    @Option(names = "--k", defaultValue = "16", paramLabel = "K",
            description = "Restorations per input for the variability (default: ${DEFAULT-VALUE}).")
    int k;

    @Option(names = "--attack", split = ",", paramLabel = "K",
            description = "PGD attacks on the observation at ε = K/255 of the [0, 1] pixel range (2K/255 in the "
                    + "images' [−1, 1]), e.g. 2,4,8: the restoration's RMS change per pixel at each.")
    List<Double> attack;

    @Option(names = "--attack-inputs", defaultValue = "100", paramLabel = "M",
            description = "Inputs attacked (default: ${DEFAULT-VALUE}).")
    int attackInputs;

    @Option(names = "--attack-steps", defaultValue = "10", paramLabel = "N",
            description = "PGD steps, each 2.5·ε/N (default: ${DEFAULT-VALUE}).")
    int attackSteps;

    @Option(names = "--attack-draws", defaultValue = "1", paramLabel = "D",
            description = "1: a stochastic restorer's noise fixed; D > 1: its mean over D draws attacked "
                    + "(default: ${DEFAULT-VALUE}).")
    int attackDraws;

    @Option(names = "--attack-batch", defaultValue = "" + RestorationEvaluation.ATTACK_BATCH, paramLabel = "B",
            description = "Inputs attacked at once (divided by D); memory grows with B times the steps, and the "
                    + "batches place the PGD starts (default: ${DEFAULT-VALUE}).")
    int attackBatch;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "S",
            description = "Seed of the observations' noise; restoration i uses seed i (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--data", paramLabel = "DIR", defaultValue = "${env:D4J_DATA:-data}",
            description = "Where MNIST and Fashion-MNIST are (default: $D4J_DATA or ./data).")
    Path dataDir;

    @Option(names = "--json", paramLabel = "FILE", description = "Write the measurements as JSON.")
    Path json;

    @Option(names = "--quiet", description = "No progress bar.")
    boolean quiet;

    @Override
    public Integer call() {
        if (nfe < 1) {
            throw new InvalidArgumentException("--nfe must be at least 1, got " + nfe);
        }
        if (n < 1) {
            throw new InvalidArgumentException("--n must be at least 1, got " + n);
        }
        if (variabilityInputs < 0 || variabilityInputs > n) {
            throw new InvalidArgumentException("--variability must be between 0 and --n (" + n + "), got "
                    + variabilityInputs);
        }
        if (variabilityInputs > 0 && k < 2) {
            throw new InvalidArgumentException("--k must be at least 2, got " + k);
        }
        if (attack != null && (attack.stream().anyMatch(e -> !(e > 0 && e <= 255)) || attackInputs < 1
                || attackInputs > n || attackSteps < 1 || attackDraws < 1 || attackBatch < 1)) {
            throw new InvalidArgumentException("--attack needs radii in (0, 255], --attack-inputs in 1 … --n, "
                    + "--attack-steps, --attack-draws and --attack-batch ≥ 1; got " + attack + ", " + attackInputs
                    + ", " + attackSteps + ", " + attackDraws + ", " + attackBatch);
        }
        if (attack != null && sampler != null && sampler.split(":", 2)[0].equals("dps")) {
            throw new InvalidArgumentException("--attack cannot attack --sampler " + sampler + ": DPS takes a gradient "
                    + "through the denoiser at every step, and a gradient through DPS would need second-order "
                    + "gradients, which DJL's autograd does not give");
        }
        if (json != null) {
            OutputPaths.requireWritableFile(json, "--json");
        }
        Restorers.check(source.run, source.model, taskSpec);
        try (NDManager manager = Backend.newManager()) {
            Restorers.Resolved resolved = Restorers.resolve(source.run, source.model, taskSpec, manager);
            TrainingConfig config = resolved.config();
            String data = config.data().source();
            if (!List.of("mnist", "fashion").contains(data)) {
                throw new InvalidArgumentException(resolved.name() + " trained on " + data + "; restorations are "
                        + "measured on held-out MNIST or Fashion-MNIST images");
            }
            IdxDatasets.Loaded loaded = new IdxDatasets(dataDir, false).load(IdxDatasets.Kind.parse(data));
            loaded.notes().forEach(note -> System.err.println("d4j eval-restore: " + note));
            ImageSet all = loaded.images();
            int first = config.data().size() > 0 ? config.data().size() : Presets.RESTORATION_TRAINING_IMAGES;
            if (config.data().size() == 0) {
                System.err.println("d4j eval-restore: note: " + resolved.name() + " trained on all of " + data
                        + ", the test images " + first + " … " + (first + n - 1) + " included");
            }
            if (first + n > all.size()) {
                throw new InvalidArgumentException("--n " + n + " test images asked for, but " + data + " has "
                        + (all.size() - first) + " after the " + first + " the model trained on");
            }
            RestorationTask task = resolved.task();
            RestorationEvaluation.TestSet test = new RestorationEvaluation.TestSet(task, all.slice(first, first + n),
                    seed);
            Generator restorer = resolved.generator();
            String used = sampler != null ? sampler : restorer.defaultSampler();
            GenerationRequest request = GenerationRequest.builder(GenerationRequest.consecutiveSeeds(0, n))
                    .sampler(used).budget(Budget.nfe(nfe)).build();
            RestorationEvaluation.Result r;
            try (Classifier classifier = Classifier.bundled(data);
                    Progress progress = new Progress("eval-restore", n, quiet, System.err)) {
                r = RestorationEvaluation.evaluate(restorer, request, test, classifier, all.slice(0, n),
                        variabilityInputs, k, manager, progress::skipTo);
            }
            if (attack != null) {
                double[] epsilons = attack.stream().mapToDouble(e -> 2 * e / 255).toArray();
                try (Progress progress = new Progress("attack", (long) attackInputs * epsilons.length, quiet,
                        System.err)) {
                    r = r.with(RestorationEvaluation.sensitivity(restorer, request, test, attackInputs, epsilons,
                            attackSteps, attackDraws, attackBatch, manager, progress::skipTo));
                }
            }
            System.out.printf(Locale.ROOT, "%s (%s, %s), %s %d steps (NFE %d), %d test inputs%n", resolved.name(),
                    restorer.kind(), data, used, r.steps(), r.evaluations(), r.inputs());
            System.out.printf(Locale.ROOT, "PSNR               %10.3f dB  (MSE %.5f)%n", r.psnr(), r.mse());
            System.out.printf(Locale.ROOT, "Fréchet distance   %10.3f     (the clean test images' %.3f; to "
                    + "training images)%n", r.frechet(), r.frechetFloor());
            System.out.printf(Locale.ROOT, "FD to the clean    %10.3f     (to the test images themselves)%n",
                    r.frechetToClean());
            System.out.printf(Locale.ROOT, "consistency        %10.5f     (RMS of A(x̂) − y; σ_y = %s)%n",
                    r.consistency(), task.noise());
            if (variabilityInputs > 0) {
                System.out.printf(Locale.ROOT, "variability        %10.5f     (per-pixel std over %d restorations of "
                        + "%d inputs)%n", r.variability(), k, variabilityInputs);
            }
            if (r.sensitivity() != null) {
                for (int e = 0; e < attack.size(); e++) {
                    System.out.printf(Locale.ROOT, "attack ε = %s/255   %10.5f     (RMS change per pixel; %d inputs, %d "
                            + "PGD steps, %s)%n", attack.get(e), r.sensitivity().change()[e], attackInputs,
                            attackSteps, attackDraws == 1 ? "noise fixed" : "mean of " + attackDraws + " draws");
                }
            }
            if (json != null) {
                ObjectNode out = TrainingConfig.JSON.valueToTree(r);
                out.put("model", resolved.name());
                out.put("kind", restorer.kind());
                out.put("sampler", used);
                out.put("nfe_budget", nfe);
                out.put("seed", seed);
                AtomicFiles.writeString(json, out.toPrettyString() + "\n");
                System.out.println("wrote " + json);
            }
        }
        return 0;
    }
}
