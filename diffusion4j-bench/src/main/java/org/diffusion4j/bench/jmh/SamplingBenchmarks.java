package org.diffusion4j.bench.jmh;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.concurrent.TimeUnit;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.bench.BenchModel;
import org.diffusion4j.denoise.Denoiser;
import org.diffusion4j.generate.GenerationRequest;
import org.diffusion4j.generate.Generator;
import org.diffusion4j.grid.Grid;
import org.diffusion4j.sample.GaussianNoise;
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
 * One denoiser call and one whole sampling run, per model and sampler: sampler overhead is
 * {@code (sample − NFE·denoiserCall)/sample}, with the NFE that {@code d4j bench speed} prints.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Dai.djl.offline=true"})
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
public class SamplingBenchmarks {
    @Param({"unet:64", "mlp:4096"})
    public String model;

    @Param({"euler", "heun", "dpmpp-2m", "ddim", "unipc"})
    public String sampler;

    @Param("18")
    public int steps;

    private NDManager manager;
    private Denoiser denoiser;
    private BenchModel bench;
    private Generator generator;
    private GenerationRequest request;
    private long[] seeds;
    private NDArray x;
    private double sigma;

    @Setup
    public void setUp() {
        manager = Backend.newManager();
        String[] parts = model.split(":");
        bench = BenchModel.named(parts[0], Integer.parseInt(parts[1]), manager, 0);
        denoiser = bench.denoiser();
        Grid grid = bench.grid(steps);
        generator = bench.generator(denoiser);
        seeds = new long[bench.batch()];
        for (int i = 0; i < seeds.length; i++) {
            seeds[i] = i;
        }
        request = GenerationRequest.builder(seeds).sampler(sampler).steps(steps).build();
        sigma = grid.sigma(grid.steps() / 2);
        x = GaussianNoise.perSample(seeds).latents(manager, bench.batchShape(), DataType.FLOAT32, sigma);
    }

    @TearDown
    public void tearDown() {
        manager.close();
    }

    /** One call of the preconditioned network at the grid's middle level. */
    @Benchmark
    public float denoiserCall() {
        try (NDManager scope = manager.newSubManager()) {
            NDArray in = x.duplicate();
            in.attach(scope);
            return denoiser.denoise(in, sigma).getFloat(0);
        }
    }

    /** A whole run of {@code steps} levels from seeded latents. */
    @Benchmark
    public long sample() {
        try (NDManager scope = manager.newSubManager()) {
            return generator.generate(request, scope).evaluations();
        }
    }
}
