package org.diffusion4j.bench.jmh;

import ai.djl.ndarray.NDManager;
import java.util.concurrent.TimeUnit;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.bench.BareTrainingStep;
import org.diffusion4j.bench.BenchModel;
import org.diffusion4j.bench.ThrowawayRun;
import org.diffusion4j.train.Trainer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The training loop against the bare step: {@code loop} trains {@value #LOOP_STEPS} steps of the real loop (its
 * run directory's creation and final checkpoint included, so divide by the step count with that in mind);
 * {@code bareStep} is one forward + backward + AdamW step of the same network and batch.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Dai.djl.offline=true"})
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 5, time = 5)
public class TrainingBenchmarks {
    static final int LOOP_STEPS = 10;

    @Param({"unet", "mlp"})
    public String model;

    private NDManager manager;
    private BenchModel bench;
    private BareTrainingStep bare;

    @Setup
    public void setUp() {
        manager = Backend.newManager();
        bench = BenchModel.named(model, 1, manager, 0);
        bare = new BareTrainingStep(bench, 0, manager);
    }

    @TearDown
    public void tearDown() {
        manager.close();
    }

    @Benchmark
    public double bareStep() {
        return bare.run();
    }

    @Benchmark
    public void loop() {
        ThrowawayRun.train(bench, 0, LOOP_STEPS, new Trainer.Listener() {});
    }
}
