package org.diffusion4j.serve;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.diffusion4j.DiffusionException;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.generate.Generation;
import org.diffusion4j.generate.GenerationRequest;
import org.diffusion4j.generate.Generator;

/**
 * The engine side of the server: a bounded queue of jobs and one thread that runs them, merging waiting jobs with the
 * same model and sampler settings ({@link SampleSpec.BatchKey}) into one engine batch. Each sample keeps its own seed
 * and class, and the facade promises that sample i depends on seed i alone, so a merged job gets the samples it would
 * get alone.
 *
 * <p>One thread runs batches, and the engine's intra-op threads are set by the process (all cores by default): two
 * batches never compete for the cores, which on a small machine costs far more than it gains (OpenMP workers of two
 * concurrent runs spin against each other). Concurrency comes from batching instead.
 */
public final class Batcher implements AutoCloseable {

    /** Thrown from the step callback to stop a batch whose jobs are all abandoned. */
    private static final class BatchAbandoned extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BatchAbandoned() {
            super("every request of the batch was cancelled", null, false, false);
        }
    }

    private final Limits limits;
    private final boolean batching;
    private final long lingerNanos;
    private final ServeMetrics metrics;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Deque<Job> queue = new ArrayDeque<>();
    private final Thread worker;
    private volatile boolean closed;

    Batcher(Limits limits, boolean batching, Duration linger, ServeMetrics metrics) {
        this.limits = limits;
        this.batching = batching;
        this.lingerNanos = linger.toNanos();
        this.metrics = metrics;
        this.worker = new Thread(this::work, "d4j-engine");
        worker.setDaemon(true);
        worker.start();
    }

    /** Requests waiting for the engine. */
    public int depth() {
        lock.lock();
        try {
            return queue.size();
        } finally {
            lock.unlock();
        }
    }

    /** Queues a job for {@code spec}; 429 when the queue is full. */
    public Job submit(SampleSpec spec) {
        Job job = new Job(spec, System.nanoTime() + limits.timeout().toNanos());
        lock.lock();
        try {
            if (closed) {
                throw new ApiException(503, null, "the server is shutting down");
            }
            if (queue.size() >= limits.queueCapacity()) {
                metrics.rejected();
                throw new ApiException(429, null, "the queue is full (" + limits.queueCapacity()
                        + " requests waiting); retry later");
            }
            queue.addLast(job);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        return job;
    }

    private void work() {
        while (!closed) {
            List<Job> batch;
            try {
                batch = nextBatch();
            } catch (InterruptedException e) {
                return;
            }
            if (!batch.isEmpty()) {
                run(batch);
            }
        }
    }

    /** Waits for a job, lingers for others of its kind, and takes them (as many as fit in one batch). */
    private List<Job> nextBatch() throws InterruptedException {
        lock.lock();
        try {
            while (queue.isEmpty() && !closed) {
                changed.await();
            }
            if (closed) {
                return List.of();
            }
            Job first = queue.peekFirst();
            if (batching && lingerNanos > 0) {
                long end = System.nanoTime() + lingerNanos;
                long left;
                while (!closed && samplesOf(first.spec().batchKey()) < limits.maxBatch()
                        && (left = end - System.nanoTime()) > 0) {
                    changed.awaitNanos(left);
                }
            }
            List<Job> batch = new ArrayList<>();
            int samples = 0;
            for (Iterator<Job> it = queue.iterator(); it.hasNext(); ) {
                Job job = it.next();
                if (job.abandoned()) {
                    it.remove();
                    expire(job);
                    continue;
                }
                boolean fits = samples + job.spec().n() <= limits.maxBatch();
                if (batch.isEmpty() || batching && fits && job.spec().batchKey().equals(first.spec().batchKey())) {
                    it.remove();
                    batch.add(job);
                    samples += job.spec().n();
                    if (!batching) {
                        break;
                    }
                }
            }
            return batch;
        } finally {
            lock.unlock();
        }
    }

    private int samplesOf(SampleSpec.BatchKey key) {
        int samples = 0;
        for (Job job : queue) {
            if (job.spec().batchKey().equals(key)) {
                samples += job.spec().n();
            }
        }
        return samples;
    }

    private void expire(Job job) {
        metrics.cancelled();
        if (!job.result().isDone()) {
            job.timeOut(limits.timeout());
        }
    }

    /** Runs one batch; if a merged batch fails on a request's settings, runs its jobs alone so only that one fails. */
    private void run(List<Job> batch) {
        try {
            execute(batch);
        } catch (BatchAbandoned e) {
            for (Job job : batch) {
                expire(job);
            }
        } catch (DiffusionException e) {
            if (batch.size() > 1) {
                for (Job job : batch) {
                    run(List.of(job));
                }
            } else {
                boolean request = e instanceof InvalidArgumentException;
                batch.get(0).fail(new ApiException(request ? 400 : 500, null, e.getMessage()));
            }
        } catch (RuntimeException | OutOfMemoryError e) {
            for (Job job : batch) {
                job.fail(new ApiException(500, null, "generation failed: " + e));
            }
        }
    }

    private void execute(List<Job> batch) {
        SampleSpec first = batch.get(0).spec();
        Generator generator = first.model().generator();
        int total = batch.stream().mapToInt(j -> j.spec().n()).sum();
        long[] seeds = new long[total];
        int[] classes = generator.classes() == 0 ? null : new int[total];
        int at = 0;
        for (Job job : batch) {
            long[] own = job.spec().seeds();
            System.arraycopy(own, 0, seeds, at, own.length);
            if (classes != null) {
                System.arraycopy(job.spec().classes(), 0, classes, at, own.length);
            }
            at += own.length;
            job.running();
        }
        GenerationRequest request = GenerationRequest.builder(seeds).classes(classes).guidance(first.guidance())
                .sampler(first.sampler()).budget(first.budget()).callback(info -> {
                    boolean alive = false;
                    for (Job job : batch) {
                        job.progress(info.step(), info.steps());
                        alive |= !job.abandoned();
                    }
                    if (!alive) {
                        throw new BatchAbandoned();
                    }
                }).build();
        long started = System.nanoTime();
        float[] values;
        Generation generation;
        try (NDManager manager = Backend.newManager()) {
            generation = generator.generate(request, manager);
            values = generation.samples().toType(DataType.FLOAT32, false).toFloatArray();
        }
        long nanos = System.nanoTime() - started;
        metrics.batch(batch.size(), total, generation.evaluations(), nanos);
        long[] sampleShape = generator.sampleShape().getShape();
        int perSample = values.length / total;
        at = 0;
        for (Job job : batch) {
            int n = job.spec().n();
            float[] own = new float[n * perSample];
            System.arraycopy(values, at * perSample, own, 0, own.length);
            at += n;
            long[] shape = new long[sampleShape.length + 1];
            shape[0] = n;
            System.arraycopy(sampleShape, 0, shape, 1, sampleShape.length);
            if (job.abandoned()) {
                expire(job);
            } else {
                job.finish(new Samples(own, shape, generation.sampler(), generation.steps(),
                        generation.evaluations(), total));
            }
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            for (Job job : queue) {
                job.fail(new ApiException(503, null, "the server is shutting down"));
            }
            queue.clear();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        worker.interrupt();
        try {
            worker.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
